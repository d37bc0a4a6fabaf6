//! The columns the importers understand, and the cell-level rules shared by CSV and JSONL
//! (score parsing, log-prob parsing, deciding the aligned judgement's kind).

use super::answer::ScoreKind;
use super::error::{ErrorKind, ImportError};
use super::logprobs::{self, JudgeProbs};

/// Columns with a meaning. Anything else is kept verbatim as an extra column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    Question,
    Answer,
    QuestionId,
    Aligned,
    Coherent,
    Model,
    Group,
    JudgeAligned,
    JudgeCoherent,
}

impl Column {
    pub const ALL: [Column; 9] = [
        Column::Question,
        Column::Answer,
        Column::QuestionId,
        Column::Aligned,
        Column::Coherent,
        Column::Model,
        Column::Group,
        Column::JudgeAligned,
        Column::JudgeCoherent,
    ];

    /// Without these a file is not an answers file. `coherent` is optional because a real
    /// bundled file (finetune_diffing `eval_results_run1.csv`) has no such column.
    pub const REQUIRED: [Column; 4] = [
        Column::Question,
        Column::Answer,
        Column::QuestionId,
        Column::Aligned,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Column::Question => "question",
            Column::Answer => "answer",
            Column::QuestionId => "question_id",
            Column::Aligned => "aligned",
            Column::Coherent => "coherent",
            Column::Model => "model",
            Column::Group => "group",
            Column::JudgeAligned => "judge_aligned",
            Column::JudgeCoherent => "judge_coherent",
        }
    }

    /// Header names match after trimming, case-insensitively.
    pub fn from_header(name: &str) -> Option<Column> {
        let n = name.trim();
        Column::ALL
            .into_iter()
            .find(|c| c.name().eq_ignore_ascii_case(n))
    }
}

/// A 0–100 judge score from a text cell: empty means "no numeric verdict".
pub fn parse_score(cell: &str) -> Result<Option<f64>, ErrorKind> {
    let t = cell.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let v: f64 = t.parse().map_err(|_| ErrorKind::NotANumber {
        value: t.to_string(),
    })?;
    check_score(v, t).map(Some)
}

/// NaN / inf are refused rather than treated as empty: they signal a broken export, and an
/// empty cell is the format's way to say "no score".
pub fn check_score(v: f64, text: &str) -> Result<f64, ErrorKind> {
    if !v.is_finite() {
        return Err(ErrorKind::NonFinite {
            value: text.to_string(),
        });
    }
    if !(0.0..=100.0).contains(&v) {
        return Err(ErrorKind::OutOfRange { value: v });
    }
    Ok(v)
}

pub fn parse_probs(cell: &str) -> Result<Option<JudgeProbs>, ErrorKind> {
    if cell.trim().is_empty() {
        return Ok(None);
    }
    logprobs::parse_python_dict(cell)
        .map(Some)
        .map_err(|detail| ErrorKind::BadLogProbs { detail })
}

/// Kind of the aligned judgement: numeric when there is a score; otherwise only the judge's
/// log-probs can say CODE or REFUSAL.
pub fn aligned_kind(aligned: Option<f64>, judge: Option<&JudgeProbs>) -> ScoreKind {
    match (aligned, judge) {
        (Some(_), _) => ScoreKind::Numeric,
        (None, Some(p)) => logprobs::empty_score_kind(p),
        (None, None) => ScoreKind::NoScore,
    }
}

/// Attach file/line/field context to a cell-level error.
pub fn cell_error(file: &str, line: u64, col: Column, kind: ErrorKind) -> ImportError {
    ImportError::new(file, kind)
        .at_line(line)
        .in_field(col.name())
}
