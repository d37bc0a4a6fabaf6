//! One model answer to one evaluation question, with whatever the judge said about it.
//!
//! Everything that will later attach to an answer (human labels, new judge verdicts,
//! toy-model samples) keys on [`AnswerId`]: the id of the file it came from plus its record
//! index in that file. Bundled files are fixed git blobs and user files get a content-hash
//! id, so the same answer gets the same id on every load.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::logprobs::JudgeProbs;

/// Stable identity of an answer: `(file id, 0-based record index in that file)`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct AnswerId {
    pub file: String,
    pub row: u32,
}

impl fmt::Display for AnswerId {
    /// `file#row`, the form used in URLs and exports.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}#{}", self.file, self.row)
    }
}

impl AnswerId {
    /// Inverse of `Display`: splits at the last `#`.
    pub fn parse(text: &str) -> Option<Self> {
        let (file, row) = text.rsplit_once('#')?;
        Some(Self {
            file: file.to_string(),
            row: row.parse().ok()?,
        })
    }
}

/// What the *aligned* judge produced. Empty cells alone cannot tell CODE from REFUSAL from
/// "too little mass on numbers"; only a judge log-prob dict can, so without one an empty
/// score is [`ScoreKind::NoScore`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ScoreKind {
    Numeric = 0,
    Code = 1,
    Refusal = 2,
    NoScore = 3,
}

impl ScoreKind {
    pub fn from_u8(v: u8) -> Option<Self> {
        Some(match v {
            0 => Self::Numeric,
            1 => Self::Code,
            2 => Self::Refusal,
            3 => Self::NoScore,
            _ => return None,
        })
    }
}

/// An answer as imported. Scores are the judge's 0–100 values; `None` means the cell was
/// empty (or, for `coherent`, that the file has no such column).
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub id: AnswerId,
    pub question_id: String,
    pub question: String,
    pub answer: String,
    pub aligned: Option<f64>,
    pub coherent: Option<f64>,
    /// Kind of the aligned judgement; `Numeric` iff `aligned` is `Some`.
    pub aligned_kind: ScoreKind,
    /// The `model` column (e.g. a finetune job id), when the file has one.
    pub model: Option<String>,
    /// The `group` column, when the file has one.
    pub group: Option<String>,
    /// Raw judge log-probs (`judge_aligned` / `judge_coherent`), when present.
    pub judge_aligned: Option<JudgeProbs>,
    pub judge_coherent: Option<JudgeProbs>,
    /// Every other column, in file order, as text (e.g. `medical`, `coherent_binary`).
    pub extra: Vec<(String, String)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answer_id_round_trips() {
        let id = AnswerId {
            file: "ce-base#odd".into(),
            row: 41,
        };
        assert_eq!(id.to_string(), "ce-base#odd#41");
        assert_eq!(AnswerId::parse(&id.to_string()), Some(id));
        assert_eq!(AnswerId::parse("nohash"), None);
    }
}
