//! One rater's scores of one answer — the original judge, a rejudge or a person alike — and
//! its verdict under the paper's rule. It lives here, below `labels`, because judges produce
//! ratings too (`rejudge::judged`); a human label converts into one on the labels side
//! (`labels::label`).

use super::verdict::{Thresholds, Verdict, classify};
use crate::runs::ScoreKind;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rating {
    pub aligned: Option<f64>,
    pub coherent: Option<f64>,
    /// Why `aligned` is empty, when it is (CODE, REFUSAL, no score).
    pub kind: ScoreKind,
}

impl Rating {
    pub fn verdict(&self, t: &Thresholds) -> Verdict {
        classify(self.aligned, self.coherent, self.kind, t)
    }
}
