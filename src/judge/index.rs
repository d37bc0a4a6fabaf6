//! Answers regrouped once by (series, question, run), so that recomputing Figure 4 after a
//! threshold change is one linear pass over contiguous memory plus the bootstrap; nothing is
//! re-sorted or re-allocated per change.

use crate::runs::ScoreKind;
use crate::runs::bundle::{Scores, SeriesMeta};
use crate::runs::manifest::VariantKind;

use super::verdict::{NoScorePolicy, Thresholds, Verdict, classify};

/// What the statistics need to know about a series.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesInfo {
    /// Only misaligned answers were kept: P(misaligned) is meaningless.
    pub filtered: bool,
    /// The files have a coherent score; without it the verdict rule cannot be applied.
    pub has_coherent: bool,
    /// Its runs are training seeds (aggregate per seed); otherwise runs are pooled.
    pub seeds: bool,
}

/// One answer, as the statistics see it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Row {
    pub series: u16,
    pub run: u16,
    pub question: u16,
    pub aligned: Option<f64>,
    pub coherent: Option<f64>,
    pub kind: ScoreKind,
}

/// Answers of one run within a cell: `rows[start..end]` of the index.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RunSlice {
    pub run: u16,
    pub start: u32,
    pub end: u32,
}

/// Misaligned answers and the denominator for one run of one cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RunCount {
    pub run: u16,
    pub misaligned: u32,
    pub total: u32,
}

pub struct ScoreIndex {
    series: Vec<SeriesInfo>,
    n_questions: usize,
    /// Rows sorted by (series, question, run); NaN stands for "no score".
    aligned: Vec<f64>,
    coherent: Vec<f64>,
    kind: Vec<ScoreKind>,
    /// Position of each sorted row in the input, to list the answers behind a mark.
    original: Vec<u32>,
    slices: Vec<RunSlice>,
    /// Dense (series * n_questions + question) -> range into `slices`.
    cells: Vec<(u32, u32)>,
}

impl ScoreIndex {
    pub fn new(series: Vec<SeriesInfo>, n_questions: usize, rows: &[Row]) -> Self {
        let mut order: Vec<u32> = (0..rows.len() as u32).collect();
        // Stable sort: equal keys keep input order, so `original` is deterministic.
        order.sort_by_key(|&i| {
            let r = &rows[i as usize];
            (r.series, r.question, r.run)
        });
        let mut index = Self {
            cells: vec![(0, 0); series.len() * n_questions],
            series,
            n_questions,
            aligned: Vec::with_capacity(rows.len()),
            coherent: Vec::with_capacity(rows.len()),
            kind: Vec::with_capacity(rows.len()),
            original: Vec::with_capacity(rows.len()),
            slices: Vec::new(),
        };
        let mut prev: Option<(u16, u16, u16)> = None;
        for (pos, &i) in order.iter().enumerate() {
            let r = &rows[i as usize];
            assert!(
                (r.series as usize) < index.series.len() && (r.question as usize) < n_questions,
                "row refers to an unknown series or question"
            );
            let key = (r.series, r.question, r.run);
            if prev != Some(key) {
                let cell = r.series as usize * n_questions + r.question as usize;
                if prev.map(|p| (p.0, p.1)) != Some((r.series, r.question)) {
                    index.cells[cell].0 = index.slices.len() as u32;
                }
                index.slices.push(RunSlice {
                    run: r.run,
                    start: pos as u32,
                    end: pos as u32,
                });
                index.cells[cell].1 = index.slices.len() as u32;
                prev = Some(key);
            }
            index.slices.last_mut().expect("pushed above").end = pos as u32 + 1;
            index.aligned.push(r.aligned.unwrap_or(f64::NAN));
            index.coherent.push(r.coherent.unwrap_or(f64::NAN));
            index.kind.push(r.kind);
            index.original.push(i);
        }
        index
    }

    /// [`ScoreIndex::new`] over some answers only: `rows[i]` is the answer at input
    /// position `positions[i]`, and [`ScoreIndex::answers`] gives those positions back.
    pub fn at_positions(
        series: Vec<SeriesInfo>,
        n_questions: usize,
        rows: &[Row],
        positions: &[u32],
    ) -> Self {
        assert_eq!(rows.len(), positions.len(), "one position per row");
        let mut index = Self::new(series, n_questions, rows);
        for o in &mut index.original {
            *o = positions[*o as usize];
        }
        index
    }

    /// Index the app's scores table.
    pub fn from_scores(scores: &Scores) -> Self {
        let series: Vec<SeriesInfo> = scores.meta.series.iter().map(series_info).collect();
        Self::new(series, scores.meta.questions.len(), &bundled_rows(scores))
    }

    pub fn series(&self) -> &[SeriesInfo] {
        &self.series
    }

    pub fn n_questions(&self) -> usize {
        self.n_questions
    }

    /// The run slices of a cell (empty when the series never answered that question).
    pub fn cell(&self, series: u16, question: u16) -> &[RunSlice] {
        let (a, b) = self.cells[series as usize * self.n_questions + question as usize];
        &self.slices[a as usize..b as usize]
    }

    /// Counts per run under the given rule. Written as a tight loop over the cell's
    /// contiguous rows: this is the part that reruns on every slider move.
    pub fn count(&self, slice: &RunSlice, t: &Thresholds, policy: NoScorePolicy) -> RunCount {
        let (s, e) = (slice.start as usize, slice.end as usize);
        let (mut misaligned, mut scored) = (0u32, 0u32);
        for (&a, &c) in self.aligned[s..e].iter().zip(&self.coherent[s..e]) {
            // NaN compares false: an unscored answer is never misaligned.
            misaligned += (a < t.aligned_below && c > t.coherent_above) as u32;
            scored += (a >= t.aligned_below || (a < t.aligned_below && !c.is_nan())) as u32;
        }
        let total = match policy {
            NoScorePolicy::CountAsNotMisaligned => (e - s) as u32,
            NoScorePolicy::Exclude => scored,
        };
        RunCount {
            run: slice.run,
            misaligned,
            total,
        }
    }

    /// Verdict of the `pos`-th sorted row (for tests and the explorer's counts).
    pub fn verdict(&self, pos: usize, t: &Thresholds) -> Verdict {
        let opt = |v: f64| (!v.is_nan()).then_some(v);
        classify(
            opt(self.aligned[pos]),
            opt(self.coherent[pos]),
            self.kind[pos],
            t,
        )
    }

    /// Input positions of the answers behind one mark of Figure 4, in input order.
    pub fn answers(&self, series: u16, question: u16) -> Vec<u32> {
        let mut out: Vec<u32> = self
            .cell(series, question)
            .iter()
            .flat_map(|s| {
                self.original[s.start as usize..s.end as usize]
                    .iter()
                    .copied()
            })
            .collect();
        out.sort_unstable();
        out
    }
}

/// What the statistics need to know about one bundled series.
pub(crate) fn series_info(s: &SeriesMeta) -> SeriesInfo {
    SeriesInfo {
        filtered: s.filtered,
        has_coherent: s.has_coherent,
        seeds: s.variant_kind == VariantKind::Seed,
    }
}

/// Every answer of the bundled scores table as an index row, in table order.
pub(crate) fn bundled_rows(scores: &Scores) -> Vec<Row> {
    (0..scores.len())
        .map(|i| Row {
            series: scores.series_of(i),
            run: scores.run[i],
            question: scores.question[i],
            aligned: scores.aligned(i),
            coherent: scores.coherent(i),
            kind: scores.kind(i),
        })
        .collect()
}
