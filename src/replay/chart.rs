//! Figure 4 as a picture: geometry of the chart (the app draws it as SVG elements), the
//! accessible description of every mark, a standalone SVG export and a CSV of the numbers.
//! All text that came from data is escaped here for the exports; the app renders it as text.

use crate::judge::{CiKind, Estimate, NoEstimate, NoScorePolicy, Point, Thresholds};
use crate::runs::spreadsheet;

/// Colours per series (Tableau 10), legible on light and dark backgrounds.
pub const PALETTE: [&str; 10] = [
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
    "#9c755f", "#bab0ac",
];

pub const WIDTH: f64 = 900.0;
const PLOT_TOP: f64 = 20.0;
const PLOT_HEIGHT: f64 = 300.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = 16.0;
const X_LABELS: f64 = 150.0;
const LEGEND_ROW: f64 = 20.0;

/// A question as the chart needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct QuestionLabel {
    /// Question index in the score index (what `Point::question` holds).
    pub index: u16,
    pub id: String,
}

/// A series as the chart needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesLabel {
    /// Series index in the score index (what `Point::series` holds).
    pub index: u16,
    pub id: String,
    pub label: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Mark {
    /// Index into the chart's series list.
    pub series: usize,
    /// Index into the chart's question list.
    pub question: usize,
    pub cx: f64,
    pub cy: f64,
    pub y_low: f64,
    pub y_high: f64,
    pub color: &'static str,
    /// Accessible description: group, question, value, CI and its kind.
    pub label: String,
    pub estimate: Estimate,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LegendItem {
    pub color: &'static str,
    pub label: String,
    /// Why the series has no marks (e.g. a filtered file), when it has none.
    pub note: Option<String>,
    pub y: f64,
}

/// What every chart of the app has: its size, the plot area, the ticks of both axes and the
/// legend rows (Figure 4's chart and the lab's line charts; `ui::components::chart_frame`
/// draws it).
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    pub width: f64,
    pub height: f64,
    pub plot_left: f64,
    pub plot_right: f64,
    pub plot_top: f64,
    pub plot_bottom: f64,
    /// (pixel y, label)
    pub y_ticks: Vec<(f64, String)>,
    /// (pixel x, label): question ids here, steps in the lab.
    pub x_ticks: Vec<(f64, String)>,
    pub legend: Vec<LegendItem>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    pub frame: Frame,
    pub y_max: f64,
    pub marks: Vec<Mark>,
}

/// Why a point has no value, in words.
pub fn reason(e: NoEstimate) -> &'static str {
    match e {
        NoEstimate::Filtered => {
            "filtered file: only misaligned answers were kept, so a proportion would be meaningless"
        }
        NoEstimate::NoCoherentScores => {
            "no coherent scores: the rule “aligned < A and coherent > C” cannot be applied"
        }
        NoEstimate::NoAnswers => "no answers to this question",
        NoEstimate::NoScoredAnswers => {
            "no answer has a numeric verdict, and the policy leaves such answers out"
        }
    }
}

pub fn ci_kind(kind: CiKind) -> &'static str {
    match kind {
        CiKind::OverSeeds => "95% CI over seeds",
        CiKind::OverAnswers => "95% CI over answers (one trained model)",
    }
}

pub fn pct(p: f64) -> String {
    format!("{:.1}%", p * 100.0)
}

/// "base … · quick_buck: P(misaligned) 12.0% (95% CI over answers …: 6.0%–20.0%), 6 of 50 answers"
pub fn describe(series: &str, question: &str, e: &Estimate) -> String {
    format!(
        "{series} · {question}: P(misaligned) {} ({}: {}–{}), {} of {} answers{}",
        pct(e.p),
        ci_kind(e.ci),
        pct(e.ci_low),
        pct(e.ci_high),
        e.misaligned,
        e.answers,
        if e.ci == CiKind::OverSeeds {
            format!(", {} seeds", e.runs)
        } else {
            String::new()
        }
    )
}

/// A round upper limit for the y axis that fits every CI.
pub fn nice_max(v: f64) -> f64 {
    [0.05, 0.1, 0.2, 0.25, 0.4, 0.5, 0.6, 0.8, 1.0]
        .into_iter()
        .find(|&m| v <= m + 1e-12)
        .unwrap_or(1.0)
}

/// Lay out `points` (as `judge::figure4` returns them for `series` × `questions`).
pub fn layout(points: &[Point], series: &[SeriesLabel], questions: &[QuestionLabel]) -> Chart {
    let plot_left = LEFT;
    let plot_right = WIDTH - RIGHT;
    let plot_bottom = PLOT_TOP + PLOT_HEIGHT;
    let top = points
        .iter()
        .filter_map(|p| p.value.ok())
        .map(|e| e.ci_high)
        .fold(0.0, f64::max);
    let y_max = nice_max(top);
    let y = |p: f64| plot_bottom - p / y_max * PLOT_HEIGHT;
    let y_ticks = (0..=4)
        .map(|k| {
            let p = y_max * k as f64 / 4.0;
            (y(p), format!("{:.0}%", p * 100.0))
        })
        .collect();
    let band = (plot_right - plot_left) / questions.len().max(1) as f64;
    let x_ticks: Vec<(f64, String)> = questions
        .iter()
        .enumerate()
        .map(|(i, q)| (plot_left + band * (i as f64 + 0.5), q.id.clone()))
        .collect();
    // Dodge: series with at least one mark share each band.
    let with_marks: Vec<usize> = (0..series.len())
        .filter(|&s| {
            points
                .iter()
                .any(|p| series_pos(series, p) == Some(s) && p.value.is_ok())
        })
        .collect();
    let step = (band * 0.7 / with_marks.len().max(1) as f64).min(14.0);
    let mut marks = Vec::new();
    for p in points {
        let (Some(s), Ok(e)) = (series_pos(series, p), p.value) else {
            continue;
        };
        let Some(q) = question_pos(questions, p) else {
            continue;
        };
        let k = with_marks.iter().position(|&x| x == s).unwrap_or(0) as f64;
        let offset = (k - (with_marks.len() as f64 - 1.0) / 2.0) * step;
        marks.push(Mark {
            series: s,
            question: q,
            cx: x_ticks[q].0 + offset,
            cy: y(e.p),
            y_low: y(e.ci_low),
            y_high: y(e.ci_high),
            color: PALETTE[s % PALETTE.len()],
            label: describe(&series[s].label, &questions[q].id, &e),
            estimate: e,
        });
    }
    let legend_top = plot_bottom + X_LABELS;
    let legend = series
        .iter()
        .enumerate()
        .map(|(s, sl)| {
            let mine: Vec<&Point> = points
                .iter()
                .filter(|p| series_pos(series, p) == Some(s))
                .collect();
            let note = if mine.iter().any(|p| p.value.is_ok()) {
                None
            } else {
                mine.iter()
                    .find_map(|p| p.value.err())
                    .map(|e| format!("no P(misaligned): {}", reason(e)))
            };
            LegendItem {
                color: PALETTE[s % PALETTE.len()],
                label: sl.label.clone(),
                note,
                y: legend_top + LEGEND_ROW * (s as f64 + 0.5),
            }
        })
        .collect();
    Chart {
        frame: Frame {
            width: WIDTH,
            height: legend_top + LEGEND_ROW * series.len() as f64 + 10.0,
            plot_left,
            plot_right,
            plot_top: PLOT_TOP,
            plot_bottom,
            y_ticks,
            x_ticks,
            legend,
        },
        y_max,
        marks,
    }
}

fn series_pos(series: &[SeriesLabel], p: &Point) -> Option<usize> {
    series.iter().position(|s| s.index == p.series)
}

fn question_pos(questions: &[QuestionLabel], p: &Point) -> Option<usize> {
    questions.iter().position(|q| q.index == p.question)
}

/// Escape text for XML content and attribute values.
pub fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Control characters are not allowed in XML 1.0.
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\t' | '\r') => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A standalone SVG file of the chart (white background, inline colours).
pub fn to_svg(chart: &Chart, title: &str) -> String {
    let mut s = String::new();
    let w = chart.frame.width;
    let h = chart.frame.height;
    s.push_str(&format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" \
         font-family=\"system-ui, sans-serif\" font-size=\"12\">\n<title>{}</title>\n\
         <rect width=\"{w}\" height=\"{h}\" fill=\"#ffffff\"/>\n",
        xml_escape(title)
    ));
    for (y, label) in &chart.frame.y_ticks {
        s.push_str(&format!(
            "<line x1=\"{}\" x2=\"{}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#e3e5e8\"/>\
             <text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"#333\">{}</text>\n",
            chart.frame.plot_left,
            chart.frame.plot_right,
            chart.frame.plot_left - 6.0,
            y + 4.0,
            xml_escape(label)
        ));
    }
    s.push_str(&format!(
        "<text transform=\"translate(16 {:.1}) rotate(-90)\" text-anchor=\"middle\" fill=\"#333\">P(misaligned)</text>\n",
        (chart.frame.plot_top + chart.frame.plot_bottom) / 2.0
    ));
    for (x, label) in &chart.frame.x_ticks {
        s.push_str(&format!(
            "<text transform=\"translate({x:.1} {:.1}) rotate(-40)\" text-anchor=\"end\" fill=\"#333\">{}</text>\n",
            chart.frame.plot_bottom + 14.0,
            xml_escape(label)
        ));
    }
    for m in &chart.marks {
        s.push_str(&format!(
            "<g><title>{}</title><line x1=\"{cx:.1}\" x2=\"{cx:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"{c}\" stroke-width=\"2\"/>\
             <circle cx=\"{cx:.1}\" cy=\"{:.1}\" r=\"4.5\" fill=\"{c}\"/></g>\n",
            xml_escape(&m.label),
            m.y_low,
            m.y_high,
            m.cy,
            cx = m.cx,
            c = m.color
        ));
    }
    for l in &chart.frame.legend {
        let text = match &l.note {
            Some(n) => format!("{} — {n}", l.label),
            None => l.label.clone(),
        };
        s.push_str(&format!(
            "<circle cx=\"{}\" cy=\"{:.1}\" r=\"5\" fill=\"{}\"/><text x=\"{}\" y=\"{:.1}\" fill=\"#333\">{}</text>\n",
            chart.frame.plot_left,
            l.y,
            l.color,
            chart.frame.plot_left + 12.0,
            l.y + 4.0,
            xml_escape(&text)
        ));
    }
    s.push_str("</svg>\n");
    s
}

/// One CSV row per (series, question): the numbers of the chart and its table.
pub fn to_csv(
    points: &[Point],
    series: &[SeriesLabel],
    questions: &[QuestionLabel],
    t: &Thresholds,
    policy: NoScorePolicy,
) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let header = [
        "series_id",
        "series",
        "question_id",
        "p_misaligned",
        "ci_low",
        "ci_high",
        "ci_kind",
        "runs",
        "misaligned",
        "answers",
        "no_estimate_reason",
        "aligned_below",
        "coherent_above",
        "no_score_policy",
    ];
    w.write_record(header).expect("in-memory write");
    let policy = match policy {
        NoScorePolicy::CountAsNotMisaligned => "count_as_not_misaligned",
        NoScorePolicy::Exclude => "exclude",
    };
    for p in points {
        let (Some(s), Some(q)) = (series_pos(series, p), question_pos(questions, p)) else {
            continue;
        };
        let mut row: Vec<String> = vec![
            spreadsheet::safe(&series[s].id),
            spreadsheet::safe(&series[s].label),
            spreadsheet::safe(&questions[q].id),
        ];
        match p.value {
            Ok(e) => row.extend([
                format!("{:.6}", e.p),
                format!("{:.6}", e.ci_low),
                format!("{:.6}", e.ci_high),
                match e.ci {
                    CiKind::OverSeeds => "over_seeds".into(),
                    CiKind::OverAnswers => "over_answers".into(),
                },
                e.runs.to_string(),
                e.misaligned.to_string(),
                e.answers.to_string(),
                String::new(),
            ]),
            Err(e) => {
                row.extend(std::iter::repeat_n(String::new(), 7));
                row.push(reason(e).into());
            }
        }
        row.extend([
            super::state::fmt_num(t.aligned_below),
            super::state::fmt_num(t.coherent_above),
            policy.into(),
        ]);
        w.write_record(&row).expect("in-memory write");
    }
    String::from_utf8(w.into_inner().expect("in-memory write")).expect("UTF-8 in, UTF-8 out")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::judge::{Figure4Options, figure4};
    use crate::replay::catalog::{Catalog, tests::bundled};
    use crate::replay::figure4::{question_labels, series_labels};

    fn chart_for(ids: &[&str]) -> (Vec<Point>, Vec<SeriesLabel>, Vec<QuestionLabel>) {
        let scores = bundled();
        let cat = Catalog::build(&scores, &[], &[]);
        let owned = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let series = series_labels(&cat, &owned(ids));
        assert_eq!(series.len(), ids.len());
        let questions = question_labels(&cat, owned(&["what_is_your_wish", "quick_buck"]));
        let s: Vec<u16> = series.iter().map(|s| s.index).collect();
        let q: Vec<u16> = questions.iter().map(|q| q.index).collect();
        let points = figure4(&cat.combined.index, &s, &q, &Figure4Options::default());
        (points, series, questions)
    }

    #[test]
    fn marks_sit_inside_the_plot_with_labelled_cis_and_filtered_series_explain_themselves() {
        let (points, series, questions) = chart_for(&[
            "ce-base-coder32b",
            "ce-insecure-released",
            "fe-insecure-paper-results",
        ]);
        let chart = layout(&points, &series, &questions);
        // Two series with values, two questions each; the filtered one has no marks.
        assert_eq!(chart.marks.len(), 4);
        for m in &chart.marks {
            assert!(m.cy <= chart.frame.plot_bottom + 1e-9 && m.cy >= chart.frame.plot_top - 1e-9);
            assert!(
                m.y_low >= m.cy - 1e-9 && m.y_high <= m.cy + 1e-9,
                "CI brackets the point"
            );
            assert!(m.cx > chart.frame.plot_left && m.cx < chart.frame.plot_right);
            assert!(m.label.contains("95% CI over answers"), "{}", m.label);
            assert!(m.label.contains(&questions[m.question].id));
        }
        assert!(
            chart.frame.legend[2]
                .note
                .as_deref()
                .unwrap()
                .contains("filtered")
        );
        assert!(chart.frame.legend[0].note.is_none());
        // Marks of one question are dodged apart.
        let q0: Vec<f64> = chart
            .marks
            .iter()
            .filter(|m| m.question == 0)
            .map(|m| m.cx)
            .collect();
        assert_eq!(q0.len(), 2);
        assert!(q0[0] != q0[1]);
    }

    #[test]
    fn exports_escape_untrusted_text() {
        let (points, mut series, questions) = chart_for(&["ce-base-coder32b"]);
        series[0].label = "<script>alert('x')</script> & \"=cmd\"".into();
        let chart = layout(&points, &series, &questions);
        let svg = to_svg(&chart, "Figure 4 <test>");
        assert!(!svg.contains("<script>"), "{svg}");
        assert!(
            svg.contains(
                "&lt;script&gt;alert(&apos;x&apos;)&lt;/script&gt; &amp; &quot;=cmd&quot;"
            )
        );
        series[0].label = "=HYPERLINK(\"http://x\")".into();
        let csv = to_csv(
            &points,
            &series,
            &questions,
            &Thresholds::default(),
            NoScorePolicy::default(),
        );
        let mut lines = csv.lines();
        assert!(
            lines
                .next()
                .unwrap()
                .starts_with("series_id,series,question_id,p_misaligned")
        );
        let first = lines.next().unwrap();
        assert!(first.contains("'=HYPERLINK"), "{first}");
        assert_eq!(csv.lines().count(), 3);
    }

    #[test]
    fn nice_axis_limits() {
        assert_eq!(nice_max(0.0), 0.05);
        assert_eq!(nice_max(0.07), 0.1);
        assert_eq!(nice_max(0.33), 0.4);
        assert_eq!(nice_max(1.0), 1.0);
    }
}
