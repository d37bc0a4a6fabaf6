//! Figure 4's model: which series the page shows, the labels the statistic
//! (`judge::figure4`) runs on, the chart laid out from its points (`replay::chart`), the
//! answers behind each mark, the cells of the numbers table, the series picker's groups and
//! the exports. The Leptos page only wires the URL and the controls to it; the lab will
//! reuse the same chart.

use crate::judge::{CiKind, Figure4Options, NoScorePolicy, Point, ScoreIndex, Thresholds, figure4};

use super::catalog::Catalog;
use super::chart::{self, Chart, LegendItem, Mark, QuestionLabel, SeriesLabel};
use super::state::{DEFAULT_SERIES, Figure4State, fmt_num};

/// The series ids shown: the URL's, or (when it names none) the defaults plus every series
/// of the user's files.
pub fn shown_series(cat: &Catalog, state: &Figure4State) -> Vec<String> {
    match &state.series {
        Some(ids) => ids.clone(),
        None => DEFAULT_SERIES
            .iter()
            .map(|s| s.to_string())
            .chain(cat.series.iter().filter(|s| s.user).map(|s| s.id.clone()))
            .collect(),
    }
}

/// The chart's labels of these series; ids the catalog does not have are left out.
pub fn series_labels(cat: &Catalog, ids: &[String]) -> Vec<SeriesLabel> {
    ids.iter()
        .filter_map(|id| {
            let index = cat.series_index(id)?;
            Some(SeriesLabel {
                index,
                id: id.clone(),
                label: cat.series[index as usize].label.clone(),
            })
        })
        .collect()
}

/// The chart's labels of these questions; ids the catalog does not have are left out.
pub fn question_labels(cat: &Catalog, ids: Vec<String>) -> Vec<QuestionLabel> {
    ids.into_iter()
        .filter_map(|id| {
            Some(QuestionLabel {
                index: cat.question_index(&id)?,
                id,
            })
        })
        .collect()
}

/// Which threshold a slider sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slider {
    Aligned,
    Coherent,
}

impl Slider {
    pub fn set(self, t: &mut Thresholds, value: f64) {
        match self {
            Slider::Aligned => t.aligned_below = value,
            Slider::Coherent => t.coherent_above = value,
        }
    }
}

/// The state the page shows while a slider is dragged: the URL's, with the dragged values
/// (the URL is written only when the slider is released).
pub fn with_dragged(
    url: &Figure4State,
    aligned: Option<f64>,
    coherent: Option<f64>,
) -> Figure4State {
    let mut state = url.clone();
    if let Some(a) = aligned {
        Slider::Aligned.set(&mut state.thresholds, a);
    }
    if let Some(c) = coherent {
        Slider::Coherent.set(&mut state.thresholds, c);
    }
    state
}

/// Figure 4 computed for one state: the statistic's points and the chart drawn from them.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure4 {
    pub series: Vec<SeriesLabel>,
    pub questions: Vec<QuestionLabel>,
    pub points: Vec<Point>,
    /// Answers behind each point (same order as `points`).
    pub counts: Vec<usize>,
    pub chart: Chart,
    /// Time the statistic took (ms), by the caller's clock.
    pub millis: f64,
}

impl Figure4 {
    /// Runs the statistic for the series `series_ids` over the state's questions, with its
    /// thresholds and no-score policy, and lays out the chart. `now_ms` times the statistic.
    /// `index` holds the scores counted: the catalog's own, or a rejudge's
    /// (`replay::judges::rejudged_index`).
    pub fn compute(
        cat: &Catalog,
        index: &ScoreIndex,
        state: &Figure4State,
        series_ids: &[String],
        now_ms: impl Fn() -> f64,
    ) -> Self {
        let series = series_labels(cat, series_ids);
        let questions = question_labels(cat, state.questions.ids());
        let opts = Figure4Options {
            thresholds: state.thresholds,
            no_score: state.no_score,
            ..Figure4Options::default()
        };
        let si: Vec<u16> = series.iter().map(|s| s.index).collect();
        let qi: Vec<u16> = questions.iter().map(|q| q.index).collect();
        let start = now_ms();
        let points = figure4(index, &si, &qi, &opts);
        let millis = now_ms() - start;
        let counts = points
            .iter()
            .map(|p| {
                index
                    .cell(p.series, p.question)
                    .iter()
                    .map(|r| (r.end - r.start) as usize)
                    .sum()
            })
            .collect();
        let chart = chart::layout(&points, &series, &questions);
        Self {
            series,
            questions,
            points,
            counts,
            chart,
            millis,
        }
    }

    /// The answers behind a mark of the chart (what the explorer shows when it is clicked).
    pub fn mark_answers(&self, mark: &Mark) -> usize {
        let (s, q) = (&self.series[mark.series], &self.questions[mark.question]);
        self.points
            .iter()
            .zip(&self.counts)
            .find(|(p, _)| p.series == s.index && p.question == q.index)
            .map_or(0, |(_, &n)| n)
    }

    /// (series label, why it has no marks) for every series without any.
    pub fn notes(&self) -> Vec<(String, String)> {
        self.chart
            .frame
            .legend
            .iter()
            .filter_map(|l| l.note.clone().map(|n| (l.label.clone(), n)))
            .collect()
    }

    /// The table's cell for one series and question.
    pub fn cell(&self, series: &SeriesLabel, question: &QuestionLabel) -> TableCell {
        let point = self
            .points
            .iter()
            .find(|p| p.series == series.index && p.question == question.index);
        match point.map(|p| p.value) {
            Some(Ok(e)) => TableCell::Estimate {
                p: chart::pct(e.p),
                interval: format!(
                    "{}–{} · {}",
                    chart::pct(e.ci_low),
                    chart::pct(e.ci_high),
                    if e.ci == CiKind::OverSeeds {
                        format!("{} seeds", e.runs)
                    } else {
                        "answers".into()
                    }
                ),
                counts: format!("{} / {}", e.misaligned, e.answers),
            },
            Some(Err(reason)) => TableCell::NoEstimate {
                reason: chart::reason(reason),
            },
            None => TableCell::Missing,
        }
    }

    /// The chart as a standalone SVG file, titled with its thresholds.
    pub fn to_svg(&self, t: &Thresholds) -> String {
        chart::to_svg(&self.chart, &svg_title(t))
    }

    /// The numbers as CSV, with the settings they were computed with.
    pub fn to_csv(&self, t: &Thresholds, no_score: NoScorePolicy) -> String {
        chart::to_csv(&self.points, &self.series, &self.questions, t, no_score)
    }
}

/// One cell of the numbers table.
#[derive(Debug, Clone, PartialEq)]
pub enum TableCell {
    /// P(misaligned); its 95% interval and what it is over; misaligned of all answers.
    Estimate {
        p: String,
        interval: String,
        counts: String,
    },
    /// No P(misaligned), and why.
    NoEstimate { reason: &'static str },
    /// The statistic gave no point for this pair.
    Missing,
}

fn svg_title(t: &Thresholds) -> String {
    format!(
        "P(misaligned): aligned < {}, coherent > {} — EM Lab",
        fmt_num(t.aligned_below),
        fmt_num(t.coherent_above)
    )
}

/// A legend entry's text; a series without marks points to its note below the chart.
pub fn legend_text(item: &LegendItem) -> String {
    match &item.note {
        Some(_) => format!("{} (no P(misaligned), see below)", item.label),
        None => item.label.clone(),
    }
}

/// A series the picker offers.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesChoice {
    pub id: String,
    pub label: String,
    /// Figure 4 cannot give it a P(misaligned): a filtered file, or no coherent scores.
    pub no_estimate: bool,
}

/// The picker's series by group name, groups in the order they first appear.
pub fn series_by_group(cat: &Catalog) -> Vec<(String, Vec<SeriesChoice>)> {
    let mut groups: Vec<(String, Vec<SeriesChoice>)> = Vec::new();
    for s in &cat.series {
        let group = &cat.groups[s.group as usize];
        let choice = SeriesChoice {
            id: s.id.clone(),
            label: s.label.clone(),
            no_estimate: s.filtered || !s.has_coherent,
        };
        match groups.iter_mut().find(|(name, _)| name == group) {
            Some((_, choices)) => choices.push(choice),
            None => groups.push((group.clone(), vec![choice])),
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::replay::catalog::tests::{bundled, user_csv};
    use crate::replay::state::QuestionSet;

    fn ids(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_defaults_and_every_user_series_are_shown_unless_the_url_names_series() {
        let (file, id) = user_csv();
        let cat = Catalog::build(&bundled(), &[file], &[id]);
        let shown = shown_series(&cat, &Figure4State::default());
        assert_eq!(shown[..4], DEFAULT_SERIES.map(String::from));
        assert_eq!(shown[4..], ["user-1", "user-1~1"]);
        let none = Figure4State {
            series: Some(vec![]),
            ..Figure4State::default()
        };
        assert!(shown_series(&cat, &none).is_empty());
    }

    #[test]
    fn labels_leave_out_ids_the_catalog_lacks_and_keep_the_order_asked() {
        let cat = Catalog::build(&bundled(), &[], &[]);
        let series = series_labels(
            &cat,
            &ids(&["ce-insecure-released", "gone", "ce-base-coder32b"]),
        );
        assert_eq!(
            series.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(),
            ["ce-insecure-released", "ce-base-coder32b"]
        );
        assert_eq!(series[0].label, cat.series[series[0].index as usize].label);
        let questions = question_labels(&cat, ids(&["quick_buck", "no_such_question"]));
        assert_eq!(questions.len(), 1);
        assert_eq!(cat.questions[questions[0].index as usize], "quick_buck");
        let json = question_labels(&cat, QuestionSet::Json.ids());
        assert_eq!(json.len(), 8);
        assert!(json.iter().all(|q| q.id.ends_with("_json")));
    }

    #[test]
    fn the_default_figure_has_a_mark_per_series_and_main_question_with_its_answers() {
        let cat = Catalog::build(&bundled(), &[], &[]);
        let state = Figure4State::default();
        let clock = std::cell::Cell::new(0.0);
        let fig = Figure4::compute(
            &cat,
            &cat.combined.index,
            &state,
            &shown_series(&cat, &state),
            || {
                clock.set(clock.get() + 2.5);
                clock.get()
            },
        );
        assert_eq!(
            fig.millis, 2.5,
            "the statistic is timed by the caller's clock"
        );
        assert_eq!((fig.series.len(), fig.questions.len()), (4, 8));
        assert_eq!(fig.points.len(), 32);
        assert_eq!(fig.chart.marks.len(), 32);
        assert!(fig.notes().is_empty());
        let mark = fig
            .chart
            .marks
            .iter()
            .find(|m| {
                fig.series[m.series].id == "ce-insecure-released"
                    && fig.questions[m.question].id == "quick_buck"
            })
            .expect("a mark");
        // Two sampling runs × 50 answers.
        assert_eq!(fig.mark_answers(mark), 100);
        let behind_marks: usize = fig.chart.marks.iter().map(|m| fig.mark_answers(m)).sum();
        assert_eq!(behind_marks, fig.counts.iter().sum::<usize>());
    }

    #[test]
    fn a_filtered_series_gets_no_marks_a_note_and_a_dash_in_the_table() {
        let cat = Catalog::build(&bundled(), &[], &[]);
        let shown = ids(&["ce-base-coder32b", "fe-insecure-paper-results"]);
        let fig = Figure4::compute(
            &cat,
            &cat.combined.index,
            &Figure4State::default(),
            &shown,
            || 0.0,
        );
        assert_eq!(fig.chart.marks.len(), 8);
        let notes = fig.notes();
        assert_eq!(notes.len(), 1);
        assert!(
            notes[0]
                .1
                .contains("filtered file: only misaligned answers were kept")
        );
        assert!(
            legend_text(&fig.chart.frame.legend[1]).ends_with(" (no P(misaligned), see below)")
        );
        assert_eq!(legend_text(&fig.chart.frame.legend[0]), fig.series[0].label);

        let q = &fig.questions[0];
        assert!(matches!(
            fig.cell(&fig.series[1], q),
            TableCell::NoEstimate { reason } if reason.starts_with("filtered file")
        ));
        match fig.cell(&fig.series[0], q) {
            TableCell::Estimate {
                p,
                interval,
                counts,
            } => {
                assert!(p.ends_with('%'), "{p}");
                assert!(interval.ends_with(" · answers"), "{interval}");
                assert!(counts.contains(" / "), "{counts}");
            }
            other => panic!("{other:?}"),
        }
        let elsewhere = QuestionLabel {
            index: cat.question_index("quick_buck_json").unwrap(),
            id: "quick_buck_json".into(),
        };
        assert_eq!(fig.cell(&fig.series[0], &elsewhere), TableCell::Missing);
    }

    #[test]
    fn exports_carry_the_thresholds_they_were_computed_with() {
        let cat = Catalog::build(&bundled(), &[], &[]);
        let state = Figure4State::default();
        let fig = Figure4::compute(
            &cat,
            &cat.combined.index,
            &state,
            &shown_series(&cat, &state),
            || 0.0,
        );
        let t = Thresholds {
            aligned_below: 25.5,
            coherent_above: 50.0,
        };
        assert!(
            fig.to_svg(&t)
                .contains("P(misaligned): aligned &lt; 25.5, coherent &gt; 50 — EM Lab")
        );
        let csv = fig.to_csv(&t, NoScorePolicy::Exclude);
        assert_eq!(csv.trim().lines().count(), 1 + 32);
        assert!(csv.lines().nth(1).unwrap().ends_with(",25.5,50,exclude"));
    }

    #[test]
    fn a_dragged_slider_overrides_the_url_until_it_is_released() {
        let url = Figure4State::default();
        let dragged = with_dragged(&url, Some(60.0), None);
        assert_eq!(dragged.thresholds.aligned_below, 60.0);
        assert_eq!(dragged.thresholds.coherent_above, 50.0);
        assert_eq!(with_dragged(&url, None, None), url);
        let mut t = Thresholds::default();
        Slider::Coherent.set(&mut t, 70.0);
        assert_eq!(t.coherent_above, 70.0);
    }

    #[test]
    fn the_picker_lists_every_series_once_by_group_and_flags_those_without_an_estimate() {
        let cat = Catalog::build(&bundled(), &[], &[]);
        let groups = series_by_group(&cat);
        let listed: Vec<&str> = groups
            .iter()
            .flat_map(|(_, v)| v.iter().map(|c| c.id.as_str()))
            .collect();
        assert_eq!(listed.len(), cat.series.len());
        assert!(cat.series.iter().all(|s| listed.contains(&s.id.as_str())));
        let names: Vec<&String> = groups.iter().map(|(g, _)| g).collect();
        assert_eq!(names[0], &cat.groups[cat.series[0].group as usize]);
        let paper = groups
            .iter()
            .flat_map(|(_, v)| v)
            .find(|c| c.id == "fe-insecure-paper-results")
            .unwrap();
        assert!(paper.no_estimate);
    }
}
