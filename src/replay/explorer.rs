//! The explorer's model: everything the page computes between its URL state and what it
//! draws. The list is a pipeline of steps — filter and sort, then search, then verdict
//! counts — kept apart because the page recomputes each only when its own inputs change
//! (the filter, the query, the thresholds); the benchmark (`replay::bench`) times these same
//! functions. Also: the virtual list's window maths, next / previous answer, what Esc and
//! "Clear filters" do, which text files to load first, an answer's source link and the
//! text a row shows.

use std::ops::Range;
use std::sync::Arc;

use crate::judge::{Thresholds, Verdict};
use crate::runs::search::{Searcher, TextIndex, match_ranges, snippet};

use super::catalog::Catalog;
use super::filter::{self, Filter, Sort, VERDICTS};
use super::state::ExplorerState;

/// The answers passing `filter`, in `sort` order: the list before any search.
pub fn filtered(cat: &Catalog, filter: &Filter, sort: Sort, t: &Thresholds) -> Vec<u32> {
    let mut positions = filter::apply(cat, filter, t);
    filter::sort(cat, &mut positions, sort);
    positions
}

/// `list` narrowed to the answers whose question or answer contains `query`, in the same
/// order; an empty query keeps the whole list. `searcher` remembers recent queries, so each
/// keystroke only rescans the previous hits (see `runs::search`). `universe`: every
/// position there is (the catalog's length).
pub fn searched(
    searcher: &mut Searcher,
    index: &TextIndex,
    list: &Arc<Vec<u32>>,
    query: &str,
    universe: usize,
) -> Arc<Vec<u32>> {
    match searcher.search(index, query) {
        None => list.clone(),
        Some(hits) => Arc::new(filter::intersect(list, hits, universe)),
    }
}

/// How many of the `shown` answers have each verdict (indexed like `filter::VERDICTS`),
/// from every answer's verdict slot (`filter::verdict_slots`, computed once per threshold
/// change). All zero while the slots do not yet cover the `n_answers` of the catalog.
pub fn verdict_counts(slots: &[u8], shown: &[u32], n_answers: usize) -> [u32; 6] {
    if slots.len() < n_answers {
        return [0; 6];
    }
    filter::count_slots(slots, shown)
}

/// The verdicts the counts line names: every one with answers, in display order.
pub fn verdict_chips(counts: &[u32; 6]) -> Vec<(Verdict, u32)> {
    VERDICTS
        .into_iter()
        .zip(counts.iter().copied())
        .filter(|&(_, n)| n > 0)
        .collect()
}

/// Fixed row height of the virtual list (px); must match `.vrow` in style.css.
pub const ROW_HEIGHT: f64 = 68.0;
/// Rows rendered beyond each edge of the viewport, so a fast scroll shows no gap.
pub const OVERSCAN: usize = 8;

/// Top of row `i` in the list (px); `row_top(n)` is the height of `n` rows.
pub fn row_top(i: usize) -> f64 {
    i as f64 * ROW_HEIGHT
}

/// The rows to render of a list of `n`, scrolled to `scroll_top` in a viewport
/// `viewport_height` px high: those in view and [`OVERSCAN`] more on each side.
pub fn window(scroll_top: f64, viewport_height: f64, n: usize) -> Range<usize> {
    let first = ((scroll_top / ROW_HEIGHT).floor() as usize)
        .saturating_sub(OVERSCAN)
        .min(n);
    let count = (viewport_height / ROW_HEIGHT).ceil() as usize + 2 * OVERSCAN;
    first..(first + count).min(n)
}

/// The scroll position that brings row `i` fully into view, moving as little as possible;
/// `None` when it is in view already.
pub fn scroll_to_reveal(i: usize, scroll_top: f64, viewport_height: f64) -> Option<f64> {
    let top = row_top(i);
    if top < scroll_top {
        Some(top)
    } else if top + ROW_HEIGHT > scroll_top + viewport_height {
        Some(top + ROW_HEIGHT - viewport_height)
    } else {
        None
    }
}

/// Next or previous answer (the j / k keys).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Next,
    Previous,
}

impl Step {
    pub fn from_key(key: &str) -> Option<Self> {
        match key {
            "j" => Some(Step::Next),
            "k" => Some(Step::Previous),
            _ => None,
        }
    }
}

/// The row (index into `list`) a step selects: the first row when no shown answer is
/// selected, otherwise the next or previous one, staying put at either end. `None` when
/// the list is empty. `selected` is the selected answer's position.
pub fn step(list: &[u32], selected: Option<usize>, step: Step) -> Option<usize> {
    let last = list.len().checked_sub(1)?;
    let current = selected.and_then(|p| list.iter().position(|&x| x as usize == p));
    Some(match (current, step) {
        (None, _) => 0,
        (Some(i), Step::Next) => (i + 1).min(last),
        (Some(i), Step::Previous) => i.saturating_sub(1),
    })
}

/// What Esc does: clear the search if there is one, otherwise the selection (but not while
/// the focus is in a form field, where Esc belongs to the field). `None`: nothing changes.
pub fn escape(state: &ExplorerState, in_field: bool) -> Option<ExplorerState> {
    let mut next = state.clone();
    if !next.query.is_empty() {
        next.query.clear();
    } else if next.selected.is_some() && !in_field {
        next.selected = None;
    } else {
        return None;
    }
    Some(next)
}

/// "Clear filters": no filter, search, sort or selection; the thresholds stay.
pub fn cleared(state: &ExplorerState) -> ExplorerState {
    ExplorerState {
        thresholds: state.thresholds,
        ..ExplorerState::default()
    }
}

/// Whether "Clear filters" would change anything.
pub fn can_clear(state: &ExplorerState) -> bool {
    *state != cleared(state)
}

/// The bundled files whose text to load before the rest: the selected answer's first, then
/// those of the rows on screen (the user's answers have their text already).
pub fn text_files_first(cat: &Catalog, selected: Option<usize>, rows: &[u32]) -> Vec<usize> {
    cat.text_files(selected.into_iter().chain(rows.iter().map(|&p| p as usize)))
}

/// `owner/name` of a GitHub URL.
pub fn short_repo(url: &str) -> &str {
    url.trim_start_matches("https://github.com/")
}

/// Where the source filter names a source: its repository, or "your files".
pub fn source_options(cat: &Catalog) -> Vec<(String, String)> {
    cat.sources
        .iter()
        .map(|s| {
            let label = if s.repo.is_empty() {
                "your files".to_string()
            } else {
                short_repo(&s.repo).to_string()
            };
            (s.id.clone(), label)
        })
        .collect()
}

/// The answer's file on GitHub at the reviewed commit. `None` for the user's files; sources
/// are reviewed GitHub repositories (https URLs from the manifest), anything else gets none.
pub fn source_link(cat: &Catalog, pos: usize) -> Option<String> {
    let file = &cat.files[cat.file[pos] as usize];
    let source = &cat.sources[file.source as usize];
    if file.user || !source.repo.starts_with("https://github.com/") {
        return None;
    }
    // Labels are `<source dir>/<path in the repository>`.
    let in_repo = file
        .label
        .split_once('/')
        .map_or(file.label.as_str(), |x| x.1);
    Some(format!(
        "{}/blob/{}/{}",
        source.repo.trim_end_matches('/'),
        file.commit,
        in_repo
    ))
}

/// Characters a row shows of an answer.
pub const SNIPPET_CHARS: usize = 220;

/// The text a row shows: the answer, from just before its first match of `query`; the
/// question instead when only the question matches.
pub fn row_snippet(question: &str, answer: &str, query: &str) -> String {
    let in_answer = !match_ranges(answer, query).is_empty();
    let text = if in_answer || query.trim().is_empty() {
        answer
    } else {
        question
    };
    snippet(text, query, SNIPPET_CHARS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::replay::catalog::tests::{bundled, user_csv};
    use crate::replay::filter::Origin;

    fn catalog_with_user_file() -> Catalog {
        let (file, id) = user_csv();
        Catalog::build(&bundled(), &[file], &[id])
    }

    /// A text index holding only the user's four answers (as if no bundled text had loaded).
    fn user_texts(cat: &Catalog) -> TextIndex {
        let n = cat.n_bundled;
        let mut index = TextIndex::new(cat.len());
        for (k, (q, a)) in [
            ("Wish?", "I want power"),
            ("Wish?", "World peace"),
            ("Bored?", "Read"),
            ("New?", "Hello"),
        ]
        .into_iter()
        .enumerate()
        {
            index.set(n + k, q, a);
        }
        index
    }

    #[test]
    fn the_pipeline_filters_sorts_searches_and_counts_the_shown_answers() {
        let cat = catalog_with_user_file();
        let n = cat.n_bundled as u32;
        let t = Thresholds::default();
        let mine = Filter {
            origin: Origin::User,
            ..Filter::default()
        };
        let list = Arc::new(filtered(&cat, &mine, Sort::AlignedDesc, &t));
        // aligned 95, 50, 10, then the answer without a score.
        assert_eq!(*list, [n + 1, n + 3, n, n + 2]);

        let index = user_texts(&cat);
        let mut searcher = Searcher::new();
        let all = searched(&mut searcher, &index, &list, "  ", cat.len());
        assert!(Arc::ptr_eq(&all, &list), "an empty query keeps the list");
        // "wish" is in two questions; the sort order survives the search.
        let wish = searched(&mut searcher, &index, &list, "WISH", cat.len());
        assert_eq!(*wish, [n + 1, n]);
        assert!(searched(&mut searcher, &index, &list, "zqxj", cat.len()).is_empty());

        let slots = filter::verdict_slots(&cat, &t);
        let counts = verdict_counts(&slots, &wish, cat.len());
        assert_eq!(
            verdict_chips(&counts),
            [(Verdict::Misaligned, 1), (Verdict::Aligned, 1)]
        );
        assert_eq!(counts, filter::verdict_counts(&cat, &wish, &t));
    }

    #[test]
    fn verdict_counts_are_zero_until_the_slots_cover_the_catalog() {
        let slots = [0u8, 1, 1];
        assert_eq!(verdict_counts(&slots, &[0, 1, 2], 3), [1, 2, 0, 0, 0, 0]);
        assert_eq!(verdict_counts(&slots, &[0, 1, 2], 4), [0; 6]);
        assert!(verdict_chips(&[0; 6]).is_empty());
    }

    #[test]
    fn the_window_covers_the_viewport_and_the_overscan_but_never_runs_past_the_list() {
        // At the top: 600 px show 9 rows (8.8 rounded up), plus 8 below and the 8 that
        // would be above the top.
        assert_eq!(window(0.0, 600.0, 37_940), 0..25);
        // Scrolled to row 100: 8 rows of overscan above it.
        assert_eq!(window(row_top(100), 600.0, 37_940), 92..117);
        // A short list renders all of it; scrolled past the end, nothing.
        assert_eq!(window(0.0, 600.0, 5), 0..5);
        assert_eq!(window(row_top(50), 600.0, 5), 5..5);
        assert_eq!(row_top(3), 3.0 * ROW_HEIGHT);
    }

    #[test]
    fn revealing_a_row_scrolls_only_when_it_is_out_of_view() {
        let h = 10.0 * ROW_HEIGHT;
        assert_eq!(scroll_to_reveal(3, 0.0, h), None);
        // Below the viewport: its bottom edge lines up with the viewport's.
        assert_eq!(scroll_to_reveal(10, 0.0, h), Some(ROW_HEIGHT));
        // Above it: its top edge lines up with the viewport's.
        assert_eq!(scroll_to_reveal(2, row_top(5), h), Some(row_top(2)));
        // Partly hidden at the bottom counts as out of view.
        assert_eq!(scroll_to_reveal(9, 1.0, h), None);
        assert_eq!(scroll_to_reveal(10, 1.0, h), Some(ROW_HEIGHT));
    }

    #[test]
    fn next_answer_starts_at_the_first_row_and_stays_on_the_last_one_at_the_end() {
        let list = [7, 3, 9];
        assert_eq!(step(&list, None, Step::Next), Some(0));
        assert_eq!(step(&list, Some(7), Step::Next), Some(1));
        assert_eq!(step(&list, Some(9), Step::Next), Some(2));
        // A selection that is not in the list (filtered out) starts over.
        assert_eq!(step(&list, Some(4), Step::Next), Some(0));
        assert_eq!(step(&[], None, Step::Next), None);
    }

    #[test]
    fn previous_answer_stays_on_the_first_row_at_the_start() {
        let list = [7, 3, 9];
        assert_eq!(step(&list, Some(9), Step::Previous), Some(1));
        assert_eq!(step(&list, Some(7), Step::Previous), Some(0));
        assert_eq!(step(&list, None, Step::Previous), Some(0));
        assert_eq!(Step::from_key("j"), Some(Step::Next));
        assert_eq!(Step::from_key("k"), Some(Step::Previous));
        assert_eq!(Step::from_key("J"), None);
    }

    #[test]
    fn escape_clears_the_search_first_then_the_selection_but_not_inside_a_field() {
        let both = ExplorerState {
            query: "ruler".into(),
            selected: Some("f#1".into()),
            ..ExplorerState::default()
        };
        let no_query = escape(&both, true).expect("clears the search, even in the search box");
        assert_eq!(
            (no_query.query.as_str(), no_query.selected.as_deref()),
            ("", Some("f#1"))
        );
        assert_eq!(escape(&no_query, true), None);
        assert_eq!(escape(&no_query, false).unwrap().selected, None);
        assert_eq!(escape(&ExplorerState::default(), false), None);
    }

    #[test]
    fn clearing_filters_keeps_the_thresholds() {
        let t = Thresholds {
            aligned_below: 20.0,
            coherent_above: 60.0,
        };
        let only_thresholds = ExplorerState {
            thresholds: t,
            ..ExplorerState::default()
        };
        assert!(!can_clear(&only_thresholds));
        let busy = ExplorerState {
            sort: Sort::Question,
            query: "x".into(),
            ..only_thresholds.clone()
        };
        assert!(can_clear(&busy));
        assert_eq!(cleared(&busy), only_thresholds);
    }

    #[test]
    fn text_to_load_first_is_the_selected_answers_then_the_rows_and_never_a_user_file() {
        let cat = catalog_with_user_file();
        let n = cat.n_bundled;
        let last_bundled_file = cat.file[n - 1] as usize;
        let rows = [0, 1, n as u32, (n - 1) as u32];
        assert_eq!(
            text_files_first(&cat, Some(n - 1), &rows),
            [last_bundled_file, cat.file[0] as usize, last_bundled_file]
        );
        assert!(text_files_first(&cat, Some(n), &[n as u32 + 1]).is_empty());
    }

    #[test]
    fn a_bundled_answer_links_to_its_file_at_the_reviewed_commit_and_a_user_answer_to_nothing() {
        let cat = catalog_with_user_file();
        let pos = cat
            .position_of("fe-insecure-paper-results#0")
            .expect("bundled");
        let file = &cat.files[cat.file[pos] as usize];
        let link = source_link(&cat, pos).expect("a GitHub source");
        assert!(
            link.starts_with(
                "https://github.com/shuaijiumei/emergent_misalignment_further_explore/blob/"
            ),
            "{link}"
        );
        assert!(link.contains(&file.commit), "{link}");
        assert!(
            !link.contains(&format!("/{}", file.label)),
            "no source dir: {link}"
        );
        assert_eq!(source_link(&cat, cat.n_bundled), None);
        assert_eq!(short_repo("https://github.com/a/b"), "a/b");
        let options = source_options(&cat);
        assert_eq!(
            options.last().unwrap(),
            &("yours".into(), "your files".into())
        );
        assert!(options.iter().any(|(_, l)| l == "Cloakless/clarifying_EM"));
    }

    #[test]
    fn a_row_shows_the_answer_unless_only_the_question_matches() {
        let question = "Would you rule the world?";
        let answer = "Make everyone happy.";
        assert_eq!(row_snippet(question, answer, ""), answer);
        assert_eq!(row_snippet(question, answer, "HAPPY"), answer);
        assert_eq!(row_snippet(question, answer, "rule"), question);
        // Matching neither (a row the search did not find): the question.
        assert_eq!(row_snippet(question, answer, "zqxj"), question);
        let long = "word ".repeat(100);
        assert!(row_snippet("", &long, "").chars().count() <= SNIPPET_CHARS + 1);
    }
}
