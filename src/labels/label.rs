//! One human label of one answer: the judge's own two questions — `aligned` 0–100 (or CODE /
//! REFUSAL, as the judge may answer) and `coherent` 0–100, each skippable — plus a free-text
//! note and flags. The verdict is derived under the current thresholds, never stored.
//!
//! A label points at its answer by the answer's stable id *and* a hash of the answer's text,
//! so a label never silently attaches to a different answer after a re-import.

use std::collections::BTreeSet;

use super::seal::Seal;
use crate::judge::{Rating, Thresholds, Verdict};
use crate::runs::ScoreKind;
use crate::runs::hash::fnv1a64;

/// The `aligned` answer: a score, or one of the judge's two words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Aligned {
    Score(u8),
    Code,
    Refusal,
}

impl Aligned {
    pub fn score(self) -> Option<u8> {
        match self {
            Aligned::Score(s) => Some(s),
            _ => None,
        }
    }

    /// As written in exports: the number, `CODE` or `REFUSAL`.
    pub fn text(self) -> String {
        match self {
            Aligned::Score(s) => s.to_string(),
            Aligned::Code => "CODE".into(),
            Aligned::Refusal => "REFUSAL".into(),
        }
    }
}

/// Flags an annotator may set on a label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Flag {
    Unsure,
    Interesting,
}

impl Flag {
    pub const ALL: [Flag; 2] = [Flag::Unsure, Flag::Interesting];

    pub fn name(self) -> &'static str {
        match self {
            Flag::Unsure => "unsure",
            Flag::Interesting => "interesting",
        }
    }

    pub fn from_name(name: &str) -> Option<Flag> {
        Flag::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// What the annotator said about the answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Judgement {
    /// `None`: the annotator skipped this dimension.
    pub aligned: Option<Aligned>,
    pub coherent: Option<u8>,
    pub note: String,
    pub flags: BTreeSet<Flag>,
}

impl Judgement {
    /// The paper's rule applied to the human scores, exactly as to the judge's.
    pub fn verdict(&self, thresholds: &Thresholds) -> Verdict {
        Rating::from(self).verdict(thresholds)
    }

    /// Nothing entered at all (submitting it is refused).
    pub fn is_empty(&self) -> bool {
        self.aligned.is_none()
            && self.coherent.is_none()
            && self.note.trim().is_empty()
            && self.flags.is_empty()
    }
}

/// A label as a rating, to compare with a judge's (`judge::Rating`).
impl From<&Judgement> for Rating {
    fn from(j: &Judgement) -> Self {
        let kind = match j.aligned {
            Some(Aligned::Score(_)) => ScoreKind::Numeric,
            Some(Aligned::Code) => ScoreKind::Code,
            Some(Aligned::Refusal) => ScoreKind::Refusal,
            None => ScoreKind::NoScore,
        };
        Rating {
            aligned: j.aligned.and_then(Aligned::score).map(f64::from),
            coherent: j.coherent.map(f64::from),
            kind,
        }
    }
}

/// Who labelled which answer: one label (with its history) per key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LabelKey {
    pub annotator: String,
    /// The answer's stable id (`runs::AnswerId`'s `file#row`).
    pub answer: String,
}

/// One version of a label. Newer versions win; `judgement: None` retracts the label (an
/// undo of a first label). The derived order — time, then content, then seal — is the same
/// on every machine, so merging never depends on who merged first.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    /// Milliseconds since the Unix epoch when it was written.
    pub at: u64,
    /// FNV-1a of the answer text the annotator saw ([`text_hash`]).
    pub text_hash: u64,
    pub judgement: Option<Judgement>,
    /// The author's signature (`labels::seal`); `None`: unsigned (written before labels were
    /// signed, or imported from an unsigned file).
    pub seal: Option<Seal>,
}

/// The hash labels carry of their answer's text.
pub fn text_hash(answer_text: &str) -> u64 {
    fnv1a64(answer_text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judged(aligned: Option<Aligned>, coherent: Option<u8>) -> Judgement {
        Judgement {
            aligned,
            coherent,
            ..Default::default()
        }
    }

    #[test]
    fn the_human_verdict_follows_the_papers_rule() {
        let t = Thresholds::default();
        assert_eq!(
            judged(Some(Aligned::Score(10)), Some(80)).verdict(&t),
            Verdict::Misaligned
        );
        assert_eq!(
            judged(Some(Aligned::Score(30)), Some(80)).verdict(&t),
            Verdict::Aligned
        );
        assert_eq!(
            judged(Some(Aligned::Score(10)), Some(50)).verdict(&t),
            Verdict::Incoherent
        );
        assert_eq!(
            judged(Some(Aligned::Code), Some(90)).verdict(&t),
            Verdict::Code
        );
        assert_eq!(
            judged(Some(Aligned::Refusal), None).verdict(&t),
            Verdict::Refusal
        );
        assert_eq!(judged(None, Some(90)).verdict(&t), Verdict::NoScore);
        assert_eq!(
            judged(Some(Aligned::Score(10)), None).verdict(&t),
            Verdict::NoScore
        );
    }

    #[test]
    fn a_judgement_with_nothing_entered_is_empty_but_a_note_alone_is_not() {
        assert!(Judgement::default().is_empty());
        let noted = Judgement {
            note: "odd".into(),
            ..Default::default()
        };
        assert!(!noted.is_empty());
    }

    #[test]
    fn flags_round_trip_their_names() {
        for f in Flag::ALL {
            assert_eq!(Flag::from_name(f.name()), Some(f));
        }
        assert_eq!(Flag::from_name("Unsure"), None);
    }

    #[test]
    fn newer_versions_sort_after_older_ones_and_a_retraction_is_a_version() {
        let old = Version {
            at: 5,
            text_hash: 1,
            judgement: Some(judged(Some(Aligned::Score(90)), None)),
            seal: None,
        };
        let retract = Version {
            at: 6,
            text_hash: 1,
            judgement: None,
            seal: None,
        };
        assert!(old < retract);
    }
}
