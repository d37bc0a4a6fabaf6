//! The lab's curves as a picture: a line per series along training steps, a 95% band over
//! seeds where there are several, and the base model's value as a dashed reference line.
//! It is the Replay chart's system (`replay::chart`: its palette, axis limits and legend
//! rows), laid out along steps instead of questions; the page draws it as SVG elements.

use crate::replay::chart::{Frame, LegendItem, PALETTE, nice_max, pct};

use super::results::Curve;

const WIDTH: f64 = 640.0;
const PLOT_TOP: f64 = 12.0;
const PLOT_HEIGHT: f64 = 200.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 16.0;
const X_LABELS: f64 = 36.0;
const LEGEND_ROW: f64 = 20.0;

/// What the y axis shows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Scale {
    /// 0 to a round share, labelled in percent.
    Probability,
    /// 0 to a round loss (nats per word).
    Loss,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub color: &'static str,
    pub series: String,
    /// SVG path data of the mean.
    pub path: String,
    /// SVG polygon points of the 95% band (several seeds only).
    pub band: Option<String>,
    /// The last point, drawn as a dot.
    pub last: Option<(f64, f64)>,
    /// Accessible description: series, last step and value.
    pub label: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LineChart {
    pub frame: Frame,
    pub lines: Vec<Line>,
    /// The base model's value: (pixel y, label).
    pub reference: Option<(f64, String)>,
}

fn format_value(scale: Scale, v: f64) -> String {
    match scale {
        Scale::Probability => pct(v),
        Scale::Loss => format!("{v:.2}"),
    }
}

/// Lay out `curves` over steps `0..=steps`; `reference` is the base model's value.
pub fn layout(curves: &[Curve], steps: usize, scale: Scale, reference: Option<f64>) -> LineChart {
    let plot_left = LEFT;
    let plot_right = WIDTH - RIGHT;
    let plot_bottom = PLOT_TOP + PLOT_HEIGHT;
    let top = curves
        .iter()
        .flat_map(|c| &c.points)
        .map(|p| p.value.hi())
        .chain(reference)
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max);
    let y_max = match scale {
        Scale::Probability => nice_max(top),
        // Four round ticks above the largest loss.
        Scale::Loss => {
            4.0 * [0.05, 0.1, 0.2, 0.25, 0.5, 1.0, 2.0, 5.0]
                .into_iter()
                .find(|step| 4.0 * step >= top - 1e-12)
                .unwrap_or(5.0)
        }
    };
    let y = |v: f64| plot_bottom - (v / y_max).clamp(0.0, 1.0) * PLOT_HEIGHT;
    let steps = steps.max(1);
    let x = |s: usize| plot_left + (plot_right - plot_left) * s as f64 / steps as f64;
    let y_ticks = (0..=4)
        .map(|k| {
            let v = y_max * k as f64 / 4.0;
            let label = match scale {
                Scale::Probability => format!("{:.0}%", v * 100.0),
                Scale::Loss => format!("{v:.2}"),
            };
            (y(v), label)
        })
        .collect();
    let every = (steps as f64 / 5.0).ceil().max(1.0) as usize;
    let x_ticks = (0..=steps)
        .filter(|s| s % every == 0 || *s == steps)
        .map(|s| (x(s), s.to_string()))
        .collect();
    let lines = curves
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let pts: Vec<(f64, f64)> = c
                .points
                .iter()
                .filter(|p| p.value.mean.is_finite())
                .map(|p| (x(p.step), y(p.value.mean)))
                .collect();
            let path = pts
                .iter()
                .enumerate()
                .map(|(k, (px, py))| format!("{}{px:.1} {py:.1}", if k == 0 { "M" } else { " L" }))
                .collect::<String>();
            let banded = c.points.iter().any(|p| p.value.n > 1);
            let band = banded.then(|| {
                let upper = c.points.iter().map(|p| (x(p.step), y(p.value.hi())));
                let lower = c.points.iter().rev().map(|p| (x(p.step), y(p.value.lo())));
                upper
                    .chain(lower)
                    .map(|(px, py)| format!("{px:.1},{py:.1}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            });
            let label = match c.points.last() {
                Some(p) => format!(
                    "{} at step {}: {}{}",
                    c.series,
                    p.step,
                    format_value(scale, p.value.mean),
                    if p.value.n > 1 {
                        format!(
                            " (95% CI over {} seeds: {}–{})",
                            p.value.n,
                            format_value(scale, p.value.lo()),
                            format_value(scale, p.value.hi())
                        )
                    } else {
                        String::new()
                    }
                ),
                None => format!("{}: no value yet", c.series),
            };
            Line {
                color: PALETTE[i % PALETTE.len()],
                series: c.series.clone(),
                path,
                band,
                last: pts.last().copied(),
                label,
            }
        })
        .collect::<Vec<_>>();
    let legend_top = plot_bottom + X_LABELS;
    let mut legend: Vec<LegendItem> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| LegendItem {
            color: l.color,
            label: l.label.clone(),
            note: None,
            y: legend_top + LEGEND_ROW * (i as f64 + 0.5),
        })
        .collect();
    let reference = reference.filter(|v| v.is_finite()).map(|v| {
        let label = format!("base model: {}", format_value(scale, v));
        legend.push(LegendItem {
            color: "#777777",
            label: label.clone(),
            note: None,
            y: legend_top + LEGEND_ROW * (lines.len() as f64 + 0.5),
        });
        (y(v), label)
    });
    LineChart {
        frame: Frame {
            width: WIDTH,
            height: legend_top + LEGEND_ROW * legend.len() as f64 + 8.0,
            plot_left,
            plot_right,
            plot_top: PLOT_TOP,
            plot_bottom,
            y_ticks,
            x_ticks,
            legend,
        },
        lines,
        reference,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lab::results::CurvePoint;
    use crate::toy::stats::mean_ci;

    fn curve(series: &str, values: &[(usize, &[f64])]) -> Curve {
        Curve {
            series: series.into(),
            points: values
                .iter()
                .map(|(step, v)| CurvePoint {
                    step: *step,
                    value: mean_ci(v),
                })
                .collect(),
        }
    }

    #[test]
    fn lines_run_left_to_right_inside_the_plot_with_the_base_as_reference() {
        let c = [
            curve("insecure", &[(0, &[0.1]), (10, &[0.3]), (20, &[0.55])]),
            curve("secure", &[(0, &[0.1]), (10, &[0.05])]),
        ];
        let chart = layout(&c, 20, Scale::Probability, Some(0.1));
        assert_eq!(chart.lines.len(), 2);
        assert!(
            chart.lines[0]
                .path
                .starts_with(&format!("M{:.1}", chart.frame.plot_left))
        );
        let (x, y) = chart.lines[0].last.unwrap();
        assert!((x - chart.frame.plot_right).abs() < 1e-9);
        assert!(y > chart.frame.plot_top && y < chart.frame.plot_bottom);
        assert!(chart.lines[0].band.is_none(), "one seed: no band");
        assert_eq!(chart.lines[0].label, "insecure at step 20: 55.0%");
        let (ry, rl) = chart.reference.clone().unwrap();
        assert!(ry < chart.frame.plot_bottom && rl.contains("10.0%"));
        assert_eq!(chart.frame.legend.len(), 3);
        assert_eq!(chart.frame.y_ticks.last().unwrap().1, "60%");
    }

    #[test]
    fn several_seeds_get_a_band_and_say_so() {
        let c = [curve(
            "insecure",
            &[(0, &[0.1, 0.1]), (5, &[0.4, 0.5, 0.6])],
        )];
        let chart = layout(&c, 5, Scale::Probability, None);
        let band = chart.lines[0].band.as_ref().unwrap();
        assert_eq!(band.split(' ').count(), 4);
        assert!(
            chart.lines[0].label.contains("95% CI over 3 seeds"),
            "{}",
            chart.lines[0].label
        );
    }

    #[test]
    fn losses_get_a_loss_axis_and_empty_curves_say_they_have_no_value() {
        let c = [
            curve("insecure", &[(1, &[2.7]), (2, &[1.9])]),
            curve("secure", &[]),
        ];
        let chart = layout(&c, 2, Scale::Loss, None);
        assert_eq!(chart.frame.y_ticks.last().unwrap().1, "4.00");
        assert_eq!(chart.frame.y_ticks[1].1, "1.00");
        assert_eq!(chart.lines[1].path, "");
        assert_eq!(chart.lines[1].label, "secure: no value yet");
    }
}
