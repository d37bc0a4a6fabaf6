//! The compare view: one question, two or three series side by side, a few answers drawn
//! from each with a seed the page shows. "More" draws again with the next seed; the same
//! seed always draws the same answers, so a link shows exactly what its sender saw.
//! Also what the column controls do and what each column says about its series; the
//! Leptos page only wires the URL and the controls to this.

use rand::SeedableRng;
use rand::seq::index;
use rand_pcg::Pcg64;

use crate::judge::rejudge::Judged;
use crate::judge::{Thresholds, Verdict};
use crate::runs::hash::fnv1a64;

use super::catalog::{Catalog, SeriesEntry};
use super::filter::{self, VERDICTS};
use super::judges::{chosen, rating_at};
use super::names::Named;
pub use super::state::{CompareState, DEFAULT_QUESTION, MAX_COLUMNS};
use super::state::{encode, explorer_link_for_mark, fmt_num};

/// Answers drawn per column.
pub const ANSWERS_PER_COLUMN: usize = 5;
/// "More answers": the next seed.
pub fn more_answers(state: &mut CompareState) {
    state.seed = state.seed.wrapping_add(1);
}

/// "Add a column": the first series of `all` not shown yet (none when every one is).
pub fn add_column(columns: &mut Vec<String>, all: &[String]) {
    if let Some(next) = all.iter().find(|id| !columns.contains(id)) {
        columns.push(next.clone());
    }
}

/// "Remove": column `i` goes; an index past the end changes nothing.
pub fn remove_column(columns: &mut Vec<String>, i: usize) {
    if i < columns.len() {
        columns.remove(i);
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
/// Under a rejudge (`judge`), only the answers it rated, counted by its verdicts.
pub fn column(
    cat: &Catalog,
    series: u16,
    question: u16,
    seed: u64,
    t: &Thresholds,
    judge: Option<&Judged>,
) -> Column {
    let mut all = cat.combined.index.answers(series, question);
    let counts = match judge {
        None => filter::verdict_counts(cat, &all, t),
        Some(j) => {
            let mut counts = [0; 6];
            all.retain(|&p| match rating_at(cat, Some(j), p as usize) {
                Some(r) => {
                    counts[filter::verdict_slot(r.verdict(t))] += 1;
                    true
                }
                None => false,
            });
            counts
        }
    };
    let mut rng = Pcg64::seed_from_u64(seed ^ fnv1a64(cat.series[series as usize].id.as_bytes()));
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

/// Every column the state asks for, in its order; series the catalog lacks are left out.
/// `None` when the catalog has no answers to the question at all.
pub fn columns(cat: &Catalog, state: &CompareState, judges: &[Judged]) -> Option<Vec<Column>> {
    let q = cat.question_index(&state.question)?;
    let judge = chosen(judges, state.judge.as_deref());
    Some(
        state
            .series
            .iter()
            .filter_map(|id| cat.series_index(id))
            .map(|si| column(cat, si, q, state.seed, &state.thresholds, judge))
            .collect(),
    )
}

/// The bundled files holding the drawn answers' text, to load before the rest.
pub fn drawn_text_files(cat: &Catalog, columns: &[Column]) -> Vec<usize> {
    cat.text_files(
        columns
            .iter()
            .flat_map(|c| c.drawn.iter().map(|&p| p as usize)),
    )
}

/// The first drawn answer of each column: the page shows the question's wording from the
/// first of them whose text has loaded.
pub fn first_drawn(columns: &[Column]) -> Vec<usize> {
    columns
        .iter()
        .flat_map(|c| c.drawn.first())
        .map(|&p| p as usize)
        .collect()
}

/// What share of the series' answers to the question is misaligned, or why there is none.
pub fn share(entry: &SeriesEntry, col: &Column, t: &Thresholds) -> String {
    let misaligned = col.counts[filter::verdict_slot(Verdict::Misaligned)];
    if entry.filtered {
        "Filtered file (only misaligned answers were kept): no share of misaligned answers."
            .to_string()
    } else if !entry.has_coherent {
        "No coherence scores in this file: the misaligned rule cannot be applied.".to_string()
    } else if col.total > 0 {
        format!(
            "{misaligned} of {} answers misaligned ({:.1}%) with aligned < {} and coherent > {}.",
            col.total,
            100.0 * misaligned as f64 / col.total as f64,
            fmt_num(t.aligned_below),
            fmt_num(t.coherent_above)
        )
    } else {
        "No answers to this question.".to_string()
    }
}

/// The column's verdict counts in words: "misaligned 3 · aligned 40".
pub fn verdict_summary(col: &Column) -> String {
    VERDICTS
        .iter()
        .zip(col.counts)
        .filter(|(_, n)| *n > 0)
        .map(|(v, n)| format!("{} {n}", v.label()))
        .collect::<Vec<_>>()
        .join(" · ")
}

/// The explorer showing this column's cell, with one answer open.
pub fn explorer_link(series: &str, question: &str, answer_id: &str, t: &Thresholds) -> String {
    format!(
        "{}&sel={}",
        explorer_link_for_mark(series, question, t),
        encode(answer_id)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::replay::catalog::tests::bundled;
    use crate::replay::state::tests::{decode, pairs};
    use crate::replay::state::{PageState, Pairs};

    fn catalog() -> Catalog {
        Catalog::build(&bundled(), &[], &[])
    }

    #[test]
    fn a_seed_always_draws_the_same_answers_and_the_next_seed_others() {
        let cat = catalog();
        let s = cat.series_index("ce-insecure-released").unwrap();
        let q = cat.question_index(DEFAULT_QUESTION).unwrap();
        let t = Thresholds::default();
        let a = column(&cat, s, q, 1, &t, None);
        assert_eq!(a, column(&cat, s, q, 1, &t, None));
        assert_eq!(a.drawn.len(), ANSWERS_PER_COLUMN);
        assert!(a.total > ANSWERS_PER_COLUMN);
        assert_ne!(a.drawn, column(&cat, s, q, 2, &t, None).drawn);
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
            let c = column(&cat, s, q, 7, &t, None);
            assert_eq!(c.drawn.len(), c.total.min(ANSWERS_PER_COLUMN));
        }
        let empty = (0..cat.series.len() as u16)
            .flat_map(|s| (0..cat.questions.len() as u16).map(move |q| (s, q)))
            .find(|&(s, q)| cat.combined.index.answers(s, q).is_empty())
            .expect("some series lacks some question");
        let c = column(&cat, empty.0, empty.1, 7, &t, None);
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
            judge: Some("rejudge:abc".into()),
        };
        let decoded = decode(&state.to_query());
        assert_eq!(CompareState::from_pairs(&pairs(&decoded)), state);

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

    #[test]
    fn the_draw_hashes_the_series_id_like_the_user_file_ids_do() {
        // FNV-1a of "a" (the published test vector): one hash for file ids and draws.
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn adding_a_column_takes_the_first_series_not_shown_and_removing_one_past_the_end_does_nothing()
    {
        let all: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
        let mut cols: Vec<String> = vec!["b".into()];
        add_column(&mut cols, &all);
        assert_eq!(cols, ["b", "a"]);
        add_column(&mut cols, &all);
        add_column(&mut cols, &all);
        assert_eq!(cols, ["b", "a", "c"]);
        remove_column(&mut cols, 5);
        assert_eq!(cols, ["b", "a", "c"]);
        remove_column(&mut cols, 0);
        assert_eq!(cols, ["a", "c"]);
        let mut state = CompareState {
            seed: u64::MAX,
            ..CompareState::default()
        };
        more_answers(&mut state);
        assert_eq!(state.seed, 0);
    }

    #[test]
    fn columns_follow_the_state_and_an_unknown_question_has_none() {
        let cat = catalog();
        let state = CompareState {
            series: vec![
                "ce-base-coder32b".into(),
                "gone".into(),
                "ce-insecure-released".into(),
            ],
            ..CompareState::default()
        };
        let cols = columns(&cat, &state, &[]).expect("the question is there");
        assert_eq!(
            cols.iter()
                .map(|c| cat.series[c.series as usize].id.as_str())
                .collect::<Vec<_>>(),
            ["ce-base-coder32b", "ce-insecure-released"]
        );
        assert_eq!(
            first_drawn(&cols),
            [cols[0].drawn[0] as usize, cols[1].drawn[0] as usize]
        );
        let files = drawn_text_files(&cat, &cols);
        assert!(!files.is_empty() && files.iter().all(|&f| !cat.files[f].user));
        let unknown = CompareState {
            question: "no_such_question".into(),
            ..state
        };
        assert_eq!(columns(&cat, &unknown, &[]), None);
    }

    #[test]
    fn under_a_rejudge_a_column_draws_only_the_answers_it_rated_and_counts_its_verdicts() {
        use crate::judge::rejudge::judged::test_call;
        let cat = catalog();
        let t = Thresholds::default();
        let q = cat.question_index(DEFAULT_QUESTION).unwrap();
        let s = cat.series_index("ce-insecure-released").unwrap();
        let all = cat.combined.index.answers(s, q);
        let call =
            |pos: u32, dim: &str, token: &str| test_call(cat.answer_id(pos as usize), dim, token);
        let records = [
            call(all[0], "aligned", "5"),
            call(all[0], "coherent", "90"),
            call(all[1], "aligned", "95"),
            call(all[1], "coherent", "90"),
        ];
        let judges = Judged::from_records(&[], &records);
        let col = column(&cat, s, q, 1, &t, Some(&judges[0]));
        assert_eq!(col.total, 2);
        let mut drawn = col.drawn.clone();
        drawn.sort();
        assert_eq!(drawn, vec![all[0], all[1]]);
        assert_eq!(col.counts[filter::verdict_slot(Verdict::Misaligned)], 1);
        let state = CompareState {
            series: vec!["ce-insecure-released".into()],
            judge: Some("rejudge:x".into()),
            ..CompareState::default()
        };
        assert_eq!(columns(&cat, &state, &judges).unwrap()[0], col);
    }

    #[test]
    fn a_column_states_its_misaligned_share_or_why_it_has_none() {
        let cat = catalog();
        let t = Thresholds::default();
        let q = cat.question_index(DEFAULT_QUESTION).unwrap();
        let s = cat.series_index("ce-insecure-released").unwrap();
        let col = column(&cat, s, q, 1, &t, None);
        let entry = &cat.series[s as usize];
        let text = share(entry, &col, &t);
        assert!(
            text.ends_with("with aligned < 30 and coherent > 50."),
            "{text}"
        );
        assert!(
            text.contains(&format!("of {} answers misaligned (", col.total)),
            "{text}"
        );
        let filtered = SeriesEntry {
            filtered: true,
            ..entry.clone()
        };
        assert!(share(&filtered, &col, &t).starts_with("Filtered file"));
        let no_coherent = SeriesEntry {
            has_coherent: false,
            ..entry.clone()
        };
        assert!(share(&no_coherent, &col, &t).starts_with("No coherence scores"));
        let empty = Column {
            total: 0,
            counts: [0; 6],
            drawn: vec![],
            ..col.clone()
        };
        assert_eq!(share(entry, &empty, &t), "No answers to this question.");
        let summary = verdict_summary(&Column {
            counts: [2, 0, 1, 0, 0, 4],
            ..col
        });
        assert_eq!(
            summary,
            "misaligned 2 · low aligned, incoherent 1 · no score 4"
        );
    }
}
