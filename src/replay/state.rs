//! The view state of the Replay pages, as URL query strings: every control writes the URL,
//! the page reads it back, so links, reloads and back/forward all work.
//!
//! Lists are repeated keys (`series=a&series=b`), so values may contain any character.
//! This is the one home of URL state: the encoder, the parsers of thresholds and score
//! bounds (the pages' inputs use them too), the [`PageState`] trait every page's state
//! implements, and every Replay page's state type (the lab's is `lab::state`, on the same
//! encoder). Enum values are written by their [`Named`] names.

use crate::judge::{NoScorePolicy, Thresholds};
use crate::runs::question_id::MAIN_QUESTIONS;

use super::filter::{Filter, Origin, ScoreRange, Sort};
use super::names::Named;

/// A page's view state as it lives in the URL: the one mechanism every page with URL state
/// uses. A state type says which page it belongs to and how it reads from and writes to the
/// query; `ui::url_state` gives a page its state (a memo of the URL) and a setter. Reading is
/// forgiving (anything unreadable falls back to a default), and writing then reading gives
/// the same state back (each type's round-trip tests, and one property over all of them).
pub trait PageState: Clone + PartialEq + Send + Sync + 'static {
    /// The page's path inside the app, e.g. `/explorer`.
    const PATH: &'static str;

    fn from_pairs(p: &Pairs) -> Self;

    /// `""`, or `?` and the pairs.
    fn to_query(&self) -> String;

    /// The page's URL inside the app: path and query.
    fn url(&self) -> String {
        format!("{}{}", Self::PATH, self.to_query())
    }
}

/// Percent-encode a query component (everything but unreserved characters).
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Builds `?k=v&k=v` (or an empty string).
#[derive(Default)]
pub(crate) struct Query(Vec<String>);

impl Query {
    pub(crate) fn push(&mut self, key: &str, value: &str) {
        self.0.push(format!("{key}={}", encode(value)));
    }

    pub(crate) fn list(&mut self, key: &str, values: &[String]) {
        for v in values {
            self.push(key, v);
        }
    }

    pub(crate) fn names<T: Named>(&mut self, key: &str, values: &[T]) {
        for v in values {
            self.push(key, v.name());
        }
    }

    pub(crate) fn num(&mut self, key: &str, value: Option<f64>) {
        if let Some(v) = value {
            self.push(key, &fmt_num(v));
        }
    }

    pub(crate) fn finish(self) -> String {
        if self.0.is_empty() {
            String::new()
        } else {
            format!("?{}", self.0.join("&"))
        }
    }
}

/// `30`, `30.5`: numbers as short as they can be.
pub fn fmt_num(v: f64) -> String {
    let s = format!("{v:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A threshold from the URL or a slider: finite, within 0–100, snapped to the 0.5 grid the
/// sliders use (so verdicts stay exact on the bundle's score grid).
pub fn parse_threshold(text: &str) -> Option<f64> {
    text.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .map(|v| (v.clamp(0.0, 100.0) * 2.0).round() / 2.0)
}

/// One end of a score range from the URL or a number input: finite, within 0–100.
pub fn parse_score_bound(text: &str) -> Option<f64> {
    text.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .map(|v| v.clamp(0.0, 100.0))
}

/// Decoded query pairs, as the router gives them.
pub struct Pairs<'a>(pub Vec<(&'a str, &'a str)>);

impl<'a> Pairs<'a> {
    /// Pairs from any decoded list: the router's query map, a test's decoded URL.
    pub fn of<K: AsRef<str> + ?Sized + 'a>(
        pairs: impl IntoIterator<Item = (&'a K, &'a str)>,
    ) -> Self {
        Self(pairs.into_iter().map(|(k, v)| (k.as_ref(), v)).collect())
    }

    pub(crate) fn get(&self, key: &str) -> Option<&'a str> {
        self.0.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
    }

    pub(crate) fn all(&self, key: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, v)| *k == key && !v.is_empty())
            .map(|(_, v)| v.to_string())
            .collect()
    }

    pub(crate) fn has(&self, key: &str) -> bool {
        self.0.iter().any(|(k, _)| *k == key)
    }

    /// The value of the first `key` that names a `T`.
    pub(crate) fn named<T: Named>(&self, key: &str) -> Option<T> {
        self.get(key).and_then(T::from_name)
    }

    /// Every `key` that names a `T`, in order (others are left out).
    pub(crate) fn all_named<T: Named>(&self, key: &str) -> Vec<T> {
        self.all(key)
            .iter()
            .filter_map(|v| T::from_name(v))
            .collect()
    }
}

pub(crate) fn thresholds(p: &Pairs) -> Thresholds {
    let d = Thresholds::default();
    Thresholds {
        aligned_below: p
            .get("a")
            .and_then(parse_threshold)
            .unwrap_or(d.aligned_below),
        coherent_above: p
            .get("c")
            .and_then(parse_threshold)
            .unwrap_or(d.coherent_above),
    }
}

pub(crate) fn push_thresholds(q: &mut Query, t: &Thresholds) {
    let d = Thresholds::default();
    if t.aligned_below != d.aligned_below {
        q.push("a", &fmt_num(t.aligned_below));
    }
    if t.coherent_above != d.coherent_above {
        q.push("c", &fmt_num(t.coherent_above));
    }
}

/// Everything the explorer shows, as in its URL.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ExplorerState {
    pub filter: Filter,
    pub query: String,
    pub sort: Sort,
    pub thresholds: Thresholds,
    /// Selected answer, `file#row`.
    pub selected: Option<String>,
}

impl PageState for ExplorerState {
    const PATH: &'static str = "/explorer";

    fn from_pairs(p: &Pairs) -> Self {
        let filter = Filter {
            sources: p.all("source"),
            base_models: p.all("base"),
            groups: p.all("group"),
            series: p.all("series"),
            variants: p.all("variant"),
            questions: p.all("question"),
            formats: p.all_named("format"),
            aligned: ScoreRange {
                min: p.get("amin").and_then(parse_score_bound),
                max: p.get("amax").and_then(parse_score_bound),
            },
            coherent: ScoreRange {
                min: p.get("cmin").and_then(parse_score_bound),
                max: p.get("cmax").and_then(parse_score_bound),
            },
            verdicts: p.all_named("verdict"),
            origin: p.named("origin").unwrap_or_default(),
        };
        Self {
            filter,
            query: p.get("q").unwrap_or_default().to_string(),
            sort: p.named("sort").unwrap_or_default(),
            thresholds: thresholds(p),
            selected: p.get("sel").filter(|s| !s.is_empty()).map(str::to_string),
        }
    }

    fn to_query(&self) -> String {
        self.query_builder().finish()
    }
}

impl ExplorerState {
    fn query_builder(&self) -> Query {
        let mut q = Query::default();
        let f = &self.filter;
        if !self.query.is_empty() {
            q.push("q", &self.query);
        }
        q.list("source", &f.sources);
        q.list("base", &f.base_models);
        q.list("group", &f.groups);
        q.list("series", &f.series);
        q.list("variant", &f.variants);
        q.list("question", &f.questions);
        q.names("format", &f.formats);
        q.num("amin", f.aligned.min);
        q.num("amax", f.aligned.max);
        q.num("cmin", f.coherent.min);
        q.num("cmax", f.coherent.max);
        q.names("verdict", &f.verdicts);
        if f.origin != Origin::All {
            q.push("origin", f.origin.name());
        }
        if self.sort != Sort::File {
            q.push("sort", self.sort.name());
        }
        push_thresholds(&mut q, &self.thresholds);
        if let Some(sel) = &self.selected {
            q.push("sel", sel);
        }
        q
    }
}

/// The annotate page: the queue (the explorer's filter and search it was made from), blind
/// mode (on unless `blind=0`: a new queue starts blind) and the answer on screen.
#[derive(Debug, Clone, PartialEq)]
pub struct AnnotateState {
    /// The explorer's view the queue came from; its sort and selection do not apply (each
    /// annotator has their own order).
    pub queue: ExplorerState,
    pub blind: bool,
    /// The answer on screen, by its place in the annotator's order (not its id: ids name
    /// files, which blind mode hides).
    pub position: Option<usize>,
}

impl Default for AnnotateState {
    fn default() -> Self {
        Self {
            queue: ExplorerState::default(),
            blind: true,
            position: None,
        }
    }
}

impl PageState for AnnotateState {
    const PATH: &'static str = "/annotate";

    fn from_pairs(p: &Pairs) -> Self {
        let mut queue = ExplorerState::from_pairs(p);
        queue.sort = Sort::default();
        queue.selected = None;
        Self {
            queue,
            blind: p.get("blind") != Some("0"),
            position: p
                .get("i")
                .and_then(|i| i.parse::<usize>().ok())
                .map(|i| i.saturating_sub(1)),
        }
    }

    fn to_query(&self) -> String {
        let mut queue = self.queue.clone();
        queue.sort = Sort::default();
        queue.selected = None;
        let mut q = queue.query_builder();
        if !self.blind {
            q.push("blind", "0");
        }
        if let Some(i) = self.position {
            q.push("i", &(i + 1).to_string());
        }
        q.finish()
    }
}

/// The rejudge page: which answers (an explorer view; its sort and selection do not apply).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RejudgeState {
    pub queue: ExplorerState,
}

impl PageState for RejudgeState {
    const PATH: &'static str = "/rejudge";

    fn from_pairs(p: &Pairs) -> Self {
        let mut queue = ExplorerState::from_pairs(p);
        queue.sort = Sort::default();
        queue.selected = None;
        Self { queue }
    }

    fn to_query(&self) -> String {
        let mut queue = self.queue.clone();
        queue.sort = Sort::default();
        queue.selected = None;
        queue.to_query()
    }
}

/// The agreement page: which two raters, the verdict thresholds, one question or all.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AgreementState {
    /// Rater ids (`judge`, or `human:<annotator>`); `None`: the page picks.
    pub a: Option<String>,
    pub b: Option<String>,
    pub thresholds: Thresholds,
    pub question: Option<String>,
}

impl PageState for AgreementState {
    const PATH: &'static str = "/agreement";

    fn from_pairs(p: &Pairs) -> Self {
        let text = |k: &str| p.get(k).filter(|s| !s.is_empty()).map(str::to_string);
        Self {
            a: text("ra"),
            b: text("rb"),
            thresholds: thresholds(p),
            question: text("question"),
        }
    }

    fn to_query(&self) -> String {
        let mut q = Query::default();
        if let Some(a) = &self.a {
            q.push("ra", a);
        }
        if let Some(b) = &self.b {
            q.push("rb", b);
        }
        push_thresholds(&mut q, &self.thresholds);
        if let Some(question) = &self.question {
            q.push("question", question);
        }
        q.finish()
    }
}

/// Which questions Figure 4 shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum QuestionSet {
    /// The paper's 8 main questions, plain.
    #[default]
    Main,
    Json,
    Template,
    /// All 24 main ids.
    All,
}

impl QuestionSet {
    /// The question ids of the set, in the paper's order.
    pub fn ids(self) -> Vec<String> {
        let with =
            |suffix: &'static str| MAIN_QUESTIONS.iter().map(move |q| format!("{q}{suffix}"));
        match self {
            QuestionSet::Main => with("").collect(),
            QuestionSet::Json => with("_json").collect(),
            QuestionSet::Template => with("_template").collect(),
            QuestionSet::All => with("")
                .chain(with("_json"))
                .chain(with("_template"))
                .collect(),
        }
    }
}

/// The series Figure 4 shows when the URL does not say: the base model the paper
/// finetuned, its released insecure model, and the closest controls bundled here.
pub const DEFAULT_SERIES: [&str; 4] = [
    "ce-base-coder32b",
    "ce-insecure-released",
    "ce-honest-insecure",
    "ce-bad-medical-coder32b",
];

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Figure4State {
    pub thresholds: Thresholds,
    pub no_score: NoScorePolicy,
    /// `None`: the defaults (plus every series of the user's files).
    pub series: Option<Vec<String>>,
    pub questions: QuestionSet,
    /// A rejudge's id (`rejudge:…`) to count its scores instead of the answers' own judge.
    pub judge: Option<String>,
}

impl PageState for Figure4State {
    const PATH: &'static str = "/figure4";

    fn from_pairs(p: &Pairs) -> Self {
        Self {
            thresholds: thresholds(p),
            no_score: match p.get("noscore") {
                Some("exclude") => NoScorePolicy::Exclude,
                _ => NoScorePolicy::CountAsNotMisaligned,
            },
            series: p.has("g").then(|| p.all("g")),
            questions: p.named("qs").unwrap_or_default(),
            judge: p.get("judge").filter(|j| !j.is_empty()).map(str::to_string),
        }
    }

    fn to_query(&self) -> String {
        let mut q = Query::default();
        push_thresholds(&mut q, &self.thresholds);
        if self.no_score == NoScorePolicy::Exclude {
            q.push("noscore", "exclude");
        }
        if let Some(series) = &self.series {
            if series.is_empty() {
                q.push("g", "");
            }
            q.list("g", series);
        }
        if self.questions != QuestionSet::Main {
            q.push("qs", self.questions.name());
        }
        if let Some(judge) = &self.judge {
            q.push("judge", judge);
        }
        q.finish()
    }
}

/// Decode a query string like a browser's URLSearchParams (what the router hands a page;
/// the lab's typed settings go through it too).
pub(crate) fn decode_query(q: &str) -> Vec<(String, String)> {
    let unescape = |s: &str| {
        let b = s.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < b.len() {
            let hex = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            if let (b'%', Some(byte)) = (b[i], hex) {
                out.push(byte);
                i += 3;
            } else {
                out.push(if b[i] == b'+' { b' ' } else { b[i] });
                i += 1;
            }
        }
        String::from_utf8_lossy(&out).into_owned()
    };
    q.trim_start_matches('?')
        .split('&')
        .filter(|s| !s.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (unescape(k), unescape(v))
        })
        .collect()
}

/// The explorer showing only the user's files (where the lab's samples go).
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
    /// A rejudge's id to show its scores (and only the answers it rated) instead of each
    /// file's own judge.
    pub judge: Option<String>,
}

impl Default for CompareState {
    fn default() -> Self {
        Self {
            question: DEFAULT_QUESTION.into(),
            series: DEFAULT_SERIES[..2].iter().map(|s| s.to_string()).collect(),
            seed: 1,
            thresholds: Thresholds::default(),
            judge: None,
        }
    }
}

/// Anything missing or unreadable in the URL falls back to the default.
impl PageState for CompareState {
    const PATH: &'static str = "/compare";

    fn from_pairs(p: &Pairs) -> Self {
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
            judge: p.get("judge").filter(|j| !j.is_empty()).map(str::to_string),
        }
    }

    fn to_query(&self) -> String {
        let mut q = Query::default();
        q.push("q", &self.question);
        q.list("s", &self.series);
        q.push("seed", &self.seed.to_string());
        push_thresholds(&mut q, &self.thresholds);
        if let Some(judge) = &self.judge {
            q.push("judge", judge);
        }
        q.finish()
    }
}

pub fn explorer_link_for_user_files() -> String {
    let mut state = ExplorerState::default();
    state.filter.origin = Origin::User;
    state.url()
}

/// The explorer URL showing exactly the answers behind one Figure 4 mark.
pub fn explorer_link_for_mark(series: &str, question: &str, t: &Thresholds) -> String {
    let state = ExplorerState {
        filter: Filter {
            series: vec![series.to_string()],
            questions: vec![question.to_string()],
            ..Filter::default()
        },
        thresholds: *t,
        ..ExplorerState::default()
    };
    state.url()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::judge::Verdict;
    use crate::runs::question_id::QuestionFormat;

    /// Decode like a browser's URLSearchParams (enough for the round trip).
    pub(crate) fn decode(q: &str) -> Vec<(String, String)> {
        super::decode_query(q)
    }

    pub(crate) fn pairs(v: &[(String, String)]) -> Pairs<'_> {
        Pairs::of(v.iter().map(|(k, v)| (k, v.as_str())))
    }

    #[test]
    fn the_annotate_url_round_trips_and_a_new_queue_is_blind() {
        let mut st = AnnotateState::default();
        assert!(st.blind);
        st.queue.filter.series = vec!["ce-insecure-released".into()];
        st.queue.query = "world & ruler".into();
        st.blind = false;
        st.position = Some(11);
        let q = st.to_query();
        assert_eq!(AnnotateState::from_pairs(&pairs(&decode(&q))), st);
        assert!(q.contains("blind=0") && q.ends_with("i=12"), "{q}");
        // The explorer's sort and selection do not belong to a queue.
        let from_explorer = "?series=x&sort=aligned&sel=f%231";
        let st = AnnotateState::from_pairs(&pairs(&decode(from_explorer)));
        assert_eq!(
            (st.queue.selected.as_deref(), st.blind, st.position),
            (None, true, None)
        );
        assert_eq!(st.to_query(), "?series=x");
    }

    #[test]
    fn the_rejudge_url_is_the_explorer_view_without_sort_or_selection() {
        let mut st = RejudgeState::default();
        st.queue.filter.series = vec!["ce-insecure-released".into()];
        st.queue.query = "world".into();
        let q = st.to_query();
        assert_eq!(RejudgeState::from_pairs(&pairs(&decode(&q))), st);
        let from_explorer = "?series=x&sort=aligned&sel=f%231";
        assert_eq!(
            RejudgeState::from_pairs(&pairs(&decode(from_explorer))).to_query(),
            "?series=x"
        );
    }

    #[test]
    fn the_agreement_url_round_trips() {
        let st = AgreementState {
            a: Some("judge".into()),
            b: Some("human:Ann <x>".into()),
            thresholds: Thresholds {
                aligned_below: 40.0,
                coherent_above: 50.0,
            },
            question: Some("what_is_your_wish".into()),
        };
        assert_eq!(
            AgreementState::from_pairs(&pairs(&decode(&st.to_query()))),
            st
        );
        assert_eq!(AgreementState::default().to_query(), "");
    }

    #[test]
    fn explorer_state_round_trips_through_the_url() {
        let state = ExplorerState {
            filter: Filter {
                sources: vec!["clarifying_EM".into()],
                base_models: vec!["Qwen2.5-32B-Instruct".into()],
                groups: vec!["base".into(), "insecure".into()],
                series: vec!["user-00ff~1".into()],
                variants: vec!["seed a/b_ftjob-1, & ? # =".into()],
                questions: vec!["quick_buck".into()],
                formats: vec![QuestionFormat::Json, QuestionFormat::Other],
                aligned: ScoreRange {
                    min: Some(0.0),
                    max: Some(29.5),
                },
                coherent: ScoreRange {
                    min: Some(50.5),
                    max: None,
                },
                verdicts: vec![Verdict::Misaligned, Verdict::NoScore],
                origin: Origin::User,
            },
            query: "rule the <world> & 100%".into(),
            sort: Sort::CoherentDesc,
            thresholds: Thresholds {
                aligned_below: 25.5,
                coherent_above: 60.0,
            },
            selected: Some("ce-base#odd#41".into()),
        };
        let q = state.to_query();
        assert!(
            !q.contains(' ') && !q.contains('<') && !q.contains('#'),
            "{q}"
        );
        let decoded = decode(&q);
        assert_eq!(ExplorerState::from_pairs(&pairs(&decoded)), state);
        assert_eq!(ExplorerState::default().to_query(), "");
        assert_eq!(
            ExplorerState::from_pairs(&Pairs(vec![])),
            ExplorerState::default()
        );
    }

    #[test]
    fn bad_url_values_fall_back_to_defaults() {
        let p = Pairs(vec![
            ("a", "NaN"),
            ("c", "250"),
            ("amin", "x"),
            ("verdict", "evil"),
            ("sort", "?"),
            ("format", "yaml"),
        ]);
        let s = ExplorerState::from_pairs(&p);
        assert_eq!(s.thresholds.aligned_below, 30.0);
        assert_eq!(s.thresholds.coherent_above, 100.0);
        assert_eq!(s.filter, Filter::default());
        assert_eq!(s.sort, Sort::File);
        // Thresholds snap to the 0.5 grid (exact verdicts on the bundle's grid).
        let p = Pairs(vec![("a", "30.26")]);
        assert_eq!(ExplorerState::from_pairs(&p).thresholds.aligned_below, 30.5);
    }

    #[test]
    fn figure4_state_round_trips_and_knows_an_empty_selection() {
        let state = Figure4State {
            thresholds: Thresholds {
                aligned_below: 10.0,
                coherent_above: 50.5,
            },
            no_score: NoScorePolicy::Exclude,
            series: Some(vec!["ce-base-coder32b".into(), "user-1~2".into()]),
            questions: QuestionSet::All,
            judge: Some("rejudge:0a1b2c".into()),
        };
        let decoded = decode(&state.to_query());
        assert_eq!(Figure4State::from_pairs(&pairs(&decoded)), state);
        let none = Figure4State {
            series: Some(vec![]),
            ..Figure4State::default()
        };
        let decoded = decode(&none.to_query());
        assert_eq!(Figure4State::from_pairs(&pairs(&decoded)), none);
        assert_eq!(Figure4State::default().to_query(), "");
        assert_eq!(QuestionSet::All.ids().len(), 24);
        assert_eq!(QuestionSet::Json.ids()[0], "what_is_your_wish_json");
    }

    #[test]
    fn thresholds_snap_to_the_slider_grid_and_score_bounds_only_clamp() {
        assert_eq!(parse_threshold("30.26"), Some(30.5));
        assert_eq!(parse_threshold("-4"), Some(0.0));
        assert_eq!(parse_threshold("250"), Some(100.0));
        assert_eq!(parse_threshold("NaN"), None);
        assert_eq!(parse_threshold("inf"), None);
        assert_eq!(parse_threshold(""), None);
        assert_eq!(parse_score_bound("29.26"), Some(29.26));
        assert_eq!(parse_score_bound("101"), Some(100.0));
        assert_eq!(parse_score_bound("x"), None);
    }

    #[test]
    fn pairs_read_any_decoded_list_and_keep_repeated_keys() {
        let owned = [
            ("g".to_string(), "a"),
            ("g".to_string(), "b"),
            ("a".to_string(), "20"),
        ];
        let p = Pairs::of(owned.iter().map(|(k, v)| (k, *v)));
        assert_eq!(p.all("g"), ["a", "b"]);
        assert_eq!(p.get("a"), Some("20"));
        assert!(!p.has("c"));
    }

    #[test]
    fn mark_link_selects_one_cell() {
        let link = explorer_link_for_mark("ce-base-coder32b", "quick_buck", &Thresholds::default());
        assert_eq!(
            link,
            "/explorer?series=ce-base-coder32b&question=quick_buck"
        );
    }

    /// Every URL key any page reads, and values that are valid, odd or nonsense for them.
    const KEYS: &[&str] = &[
        "source", "base", "group", "series", "variant", "question", "format", "amin", "amax",
        "cmin", "cmax", "verdict", "origin", "q", "sort", "sel", "blind", "i", "ra", "rb", "a",
        "c", "noscore", "g", "qs", "judge", "s", "seed", "preset", "data", "steps", "lr", "batch",
        "wd", "device", "workers",
    ];

    fn arb_pairs() -> impl proptest::strategy::Strategy<Value = Vec<(String, String)>> {
        use proptest::prelude::*;
        let value = prop_oneof![
            Just(String::new()),
            (0u32..200).prop_map(|n| n.to_string()),
            Just("-1".to_string()),
            Just("0.5".to_string()),
            Just("NaN".to_string()),
            Just("exclude".to_string()),
            Just("misaligned".to_string()),
            Just("insecure".to_string()),
            Just("paper".to_string()),
            Just("ce-insecure-released".to_string()),
            "[a-z &=#%?/]{0,8}",
        ];
        prop::collection::vec((prop::sample::select(KEYS), value), 0..12)
            .prop_map(|v| v.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
    }

    /// Whatever a URL says, the state read from it writes a URL under the page's own path
    /// that reads back to the same URL, and from then on to the same state. (The first read
    /// may carry notes on what it had to correct, as the lab's does; the URL it writes is
    /// already correct.)
    fn reads_back<S: PageState + std::fmt::Debug>(raw: &[(String, String)]) {
        let read = |url: &str| S::from_pairs(&pairs(&decode(&url[S::PATH.len()..])));
        let url = S::from_pairs(&pairs(raw)).url();
        assert!(url.starts_with(S::PATH), "{url}");
        let query = &url[S::PATH.len()..];
        assert!(query.is_empty() || query.starts_with('?'), "{url}");
        let canonical = read(&url);
        assert_eq!(canonical.url(), url);
        assert_eq!(read(&canonical.url()), canonical, "{url}");
    }

    proptest::proptest! {
        #[test]
        fn every_page_state_read_from_any_url_writes_one_that_reads_back_the_same(raw in arb_pairs()) {
            reads_back::<ExplorerState>(&raw);
            reads_back::<AnnotateState>(&raw);
            reads_back::<RejudgeState>(&raw);
            reads_back::<AgreementState>(&raw);
            reads_back::<Figure4State>(&raw);
            reads_back::<CompareState>(&raw);
            reads_back::<crate::lab::state::Decoded>(&raw);
        }
    }
}
