//! The bundled scores plus the user's own files, as one index for Figure 4 and the explorer.
//! Bundled answers keep their positions `0..scores.len()`; user answers follow, file by
//! file, so a position from [`ScoreIndex::answers`] tells where an answer lives.

use std::collections::BTreeMap;

use crate::runs::bundle::Scores;
use crate::runs::{Answer, question_id};

use super::index::{Row, ScoreIndex, SeriesInfo, bundled_rows, series_info};

/// A user's imported file.
pub struct UserFile {
    pub name: String,
    pub answers: Vec<Answer>,
    /// If the file's `model` column holds several ids: are they seeds of one configuration
    /// (the authors' format) or different models? Only the user can say; when false, each
    /// model becomes its own series.
    pub models_are_seeds: bool,
}

impl UserFile {
    /// The distinct values of the `model` column, sorted; a missing model counts as "".
    pub fn models(&self) -> Vec<&str> {
        let mut m: Vec<&str> = self
            .answers
            .iter()
            .map(|a| a.model.as_deref().unwrap_or(""))
            .collect();
        m.sort_unstable();
        m.dedup();
        m
    }
}

/// One series of the combined view.
#[derive(Debug, Clone, PartialEq)]
pub struct CombinedSeries {
    pub label: String,
    /// `Some(file index)` for a user's file.
    pub user_file: Option<usize>,
    pub info: SeriesInfo,
}

pub struct Combined {
    pub index: ScoreIndex,
    pub series: Vec<CombinedSeries>,
    /// Bundled question ids first (same indices as in the scores file), then new ones.
    pub questions: Vec<String>,
    /// Position of the first answer of each user file.
    pub user_starts: Vec<usize>,
    /// Every answer as the index saw it, by position (for an index under another judge).
    pub rows: Vec<Row>,
}

impl Combined {
    /// Where position `pos` comes from: `None` = bundled row `pos`, or `(file, row)`.
    pub fn user_answer(&self, pos: usize) -> Option<(usize, usize)> {
        let f = self
            .user_starts
            .partition_point(|&s| s <= pos)
            .checked_sub(1)?;
        Some((f, pos - self.user_starts[f]))
    }
}

pub fn combine(scores: &Scores, user_files: &[UserFile]) -> Combined {
    let mut series: Vec<CombinedSeries> = scores
        .meta
        .series
        .iter()
        .map(|s| CombinedSeries {
            label: s.label.clone(),
            user_file: None,
            info: series_info(s),
        })
        .collect();
    let mut questions = scores.meta.questions.clone();
    let mut rows: Vec<Row> = bundled_rows(scores);
    let mut user_starts = Vec::new();
    for (f, file) in user_files.iter().enumerate() {
        user_starts.push(rows.len());
        let has_coherent = file.answers.iter().any(|a| a.coherent.is_some());
        let models = file.models();
        // (series, run) per model id.
        let mut slot: BTreeMap<&str, (u16, u16)> = BTreeMap::new();
        let several = models.len() > 1;
        for (i, m) in models.iter().enumerate() {
            let new_series = i == 0 || !file.models_are_seeds;
            if new_series {
                let label = match (several && !file.models_are_seeds, m.is_empty()) {
                    (true, false) => format!("yours: {} · {m}", file.name),
                    _ => format!("yours: {}", file.name),
                };
                series.push(CombinedSeries {
                    label,
                    user_file: Some(f),
                    info: SeriesInfo {
                        filtered: false,
                        has_coherent,
                        seeds: file.models_are_seeds && several,
                    },
                });
            }
            let run = if file.models_are_seeds { i as u16 } else { 0 };
            slot.insert(m, ((series.len() - 1) as u16, run));
        }
        for a in &file.answers {
            let q = match questions.iter().position(|q| *q == a.question_id) {
                Some(q) => q,
                None => {
                    questions.push(a.question_id.clone());
                    questions.len() - 1
                }
            };
            let (s, run) = slot[a.model.as_deref().unwrap_or("")];
            rows.push(Row {
                series: s,
                run,
                question: q as u16,
                aligned: a.aligned,
                coherent: a.coherent,
                kind: a.aligned_kind,
            });
        }
    }
    // New ids go after the bundled ones in canonical order, so bundled indices stay put.
    let bundled = scores.meta.questions.len();
    let mut order: Vec<usize> = (bundled..questions.len()).collect();
    order.sort_by_key(|&i| question_id::sort_key(&questions[i]));
    let mut remap: Vec<u16> = (0..questions.len() as u16).collect();
    let mut sorted: Vec<String> = questions[..bundled].to_vec();
    for (k, &i) in order.iter().enumerate() {
        remap[i] = (bundled + k) as u16;
        sorted.push(questions[i].clone());
    }
    for r in &mut rows[scores.len()..] {
        r.question = remap[r.question as usize];
    }
    let infos = series.iter().map(|s| s.info.clone()).collect();
    Combined {
        index: ScoreIndex::new(infos, sorted.len(), &rows),
        series,
        questions: sorted,
        user_starts,
        rows,
    }
}
