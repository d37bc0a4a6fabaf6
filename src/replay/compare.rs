//! The compare view: one question, two or three series side by side, a few answers drawn
//! from each with a seed the page shows. "More" draws again with the next seed; the same
//! seed always draws the same answers, so a link shows exactly what its sender saw.

use rand::SeedableRng;
use rand::seq::index;
use rand_pcg::Pcg64;

use crate::judge::Thresholds;

use super::catalog::Catalog;
use super::filter;
use super::state::{
    DEFAULT_SERIES, Pairs, Query, encode, explorer_link_for_mark, push_thresholds, thresholds,
};

/// Answers drawn per column.
pub const ANSWERS_PER_COLUMN: usize = 5;
/// Columns side by side (more would not fit a laptop screen).
pub const MAX_COLUMNS: usize = 3;
pub const DEFAULT_QUESTION: &str = "what_is_your_wish";

#[derive(Debug, Clone, PartialEq)]
pub struct CompareState {
    pub question: String,
    /// Series ids, 1 to [`MAX_COLUMNS`] of them, no repeats.
    pub series: Vec<String>,
    pub seed: u64,
    pub thresholds: Thresholds,
}

impl Default for CompareState {
    fn default() -> Self {
        Self {
            question: DEFAULT_QUESTION.into(),
            series: DEFAULT_SERIES[..2].iter().map(|s| s.to_string()).collect(),
            seed: 1,
            thresholds: Thresholds::default(),
        }
    }
}

impl CompareState {
    /// Anything missing or unreadable in the URL falls back to the default.
    pub fn from_pairs(p: &Pairs) -> Self {
        let d = Self::default();
        let mut series: Vec<String> = Vec::new();
        for s in p.all("s") {
            if !series.contains(&s) && series.len() < MAX_COLUMNS {
                series.push(s);
            }
        }
        Self {
            question: p
                .get("q")
                .filter(|q| !q.is_empty())
                .map_or(d.question, str::to_string),
            series: if series.is_empty() { d.series } else { series },
            seed: p.get("seed").and_then(|s| s.parse().ok()).unwrap_or(d.seed),
            thresholds: thresholds(p),
        }
    }

    pub fn to_query(&self) -> String {
        let mut q = Query::default();
        q.push("q", &self.question);
        q.list("s", &self.series);
        q.push("seed", &self.seed.to_string());
        push_thresholds(&mut q, &self.thresholds);
        q.finish()
    }
}

/// Column `i` now shows `series`. A series already shown in another column swaps places
/// with it (a series appears once); an index past the end changes nothing.
pub fn pick_series(columns: &mut [String], i: usize, series: &str) {
    if i >= columns.len() {
        return;
    }
    match columns.iter().position(|s| s == series) {
        Some(j) => columns.swap(i, j),
        None => columns[i] = series.to_string(),
    }
}

/// One column: every answer of `series` to the question, counted by verdict, and the drawn ones.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub series: u16,
    /// All positions of the cell, in file order.
    pub total: usize,
    /// Verdict counts over all of them (slots as `filter::VERDICTS`).
    pub counts: [u32; 6],
    /// The drawn positions, in the order drawn.
    pub drawn: Vec<u32>,
}

/// Draws up to [`ANSWERS_PER_COLUMN`] answers of (`series`, `question`) with `seed`. The
/// draw depends on the series' id, not on its column, so reordering columns changes nothing.
pub fn column(cat: &Catalog, series: u16, question: u16, seed: u64, t: &Thresholds) -> Column {
    let all = cat.combined.index.answers(series, question);
    let counts = filter::verdict_counts(cat, &all, t);
    let mut rng = Pcg64::seed_from_u64(seed ^ fnv1a(&cat.series[series as usize].id));
    let k = ANSWERS_PER_COLUMN.min(all.len());
    let drawn = index::sample(&mut rng, all.len(), k)
        .into_iter()
        .map(|i| all[i])
        .collect();
    Column {
        series,
        total: all.len(),
        counts,
        drawn,
    }
}

/// The explorer showing this column's cell, with one answer open.
pub fn explorer_link(series: &str, question: &str, answer_id: &str, t: &Thresholds) -> String {
    format!(
        "{}&sel={}",
        explorer_link_for_mark(series, question, t),
        encode(answer_id)
    )
}

/// A stable 64-bit hash (std's `DefaultHasher` may change between Rust releases).
fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::replay::catalog::tests::bundled;
    use crate::replay::state::tests::decode;

    fn catalog() -> Catalog {
        Catalog::build(&bundled(), &[], &[])
    }

    #[test]
    fn a_seed_always_draws_the_same_answers_and_the_next_seed_others() {
        let cat = catalog();
        let s = cat.series_index("ce-insecure-released").unwrap();
        let q = cat.question_index(DEFAULT_QUESTION).unwrap();
        let t = Thresholds::default();
        let a = column(&cat, s, q, 1, &t);
        assert_eq!(a, column(&cat, s, q, 1, &t));
        assert_eq!(a.drawn.len(), ANSWERS_PER_COLUMN);
        assert!(a.total > ANSWERS_PER_COLUMN);
        assert_ne!(a.drawn, column(&cat, s, q, 2, &t).drawn);
        // Drawn answers are distinct and belong to the cell.
        let mut distinct = a.drawn.clone();
        distinct.sort_unstable();
        distinct.dedup();
        assert_eq!(distinct.len(), a.drawn.len());
        for &p in &a.drawn {
            assert_eq!(cat.series_of[p as usize], s);
            assert_eq!(cat.question[p as usize], q);
        }
        assert_eq!(a.counts.iter().sum::<u32>() as usize, a.total);
    }

    #[test]
    fn a_small_cell_shows_all_its_answers_and_an_empty_one_none() {
        let cat = catalog();
        let q = cat.question_index(DEFAULT_QUESTION).unwrap();
        let t = Thresholds::default();
        for s in 0..cat.series.len() as u16 {
            let c = column(&cat, s, q, 7, &t);
            assert_eq!(c.drawn.len(), c.total.min(ANSWERS_PER_COLUMN));
        }
        let empty = (0..cat.series.len() as u16)
            .flat_map(|s| (0..cat.questions.len() as u16).map(move |q| (s, q)))
            .find(|&(s, q)| cat.combined.index.answers(s, q).is_empty())
            .expect("some series lacks some question");
        let c = column(&cat, empty.0, empty.1, 7, &t);
        assert_eq!((c.total, c.drawn.len()), (0, 0));
    }

    #[test]
    fn picking_a_shown_series_swaps_columns() {
        let mut cols: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
        pick_series(&mut cols, 0, "c");
        assert_eq!(cols, ["c", "b", "a"]);
        pick_series(&mut cols, 1, "d");
        assert_eq!(cols, ["c", "d", "a"]);
        pick_series(&mut cols, 5, "e");
        assert_eq!(cols, ["c", "d", "a"]);
    }

    #[test]
    fn state_round_trips_through_the_url_and_bad_values_fall_back() {
        let state = CompareState {
            question: "quick_buck_json".into(),
            series: vec!["a b".into(), "c&d".into(), "é".into()],
            seed: 42,
            thresholds: Thresholds {
                aligned_below: 25.0,
                coherent_above: 50.0,
            },
        };
        let decoded = decode(&state.to_query());
        let pairs = Pairs(
            decoded
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect(),
        );
        assert_eq!(CompareState::from_pairs(&pairs), state);

        let bad = Pairs(vec![
            ("seed", "-3"),
            ("s", "x"),
            ("s", "x"),
            ("s", "y"),
            ("s", "z"),
            ("s", "w"),
        ]);
        let read = CompareState::from_pairs(&bad);
        assert_eq!(read.seed, 1);
        assert_eq!(read.series, ["x", "y", "z"]);
        assert_eq!(read.question, DEFAULT_QUESTION);
        assert_eq!(
            CompareState::from_pairs(&Pairs(vec![])),
            CompareState::default()
        );
    }
}
