//! Draws a `lab::line_chart::LineChart`: its bands, lines and the base model's dashed
//! reference inside the frame every chart of the app shares (`chart_frame`).

use leptos::prelude::*;

use crate::lab::line_chart::LineChart;
use crate::ui::components::chart_frame::{ChartFrame, XTicks};

#[component]
pub fn LineChartView(
    chart: LineChart,
    title: String,
    y_label: &'static str,
    test_id: String,
) -> impl IntoView {
    let c = chart;
    let (left, right) = (c.frame.plot_left, c.frame.plot_right);
    let legend_text = c.frame.legend.iter().map(|l| l.label.clone()).collect();
    view! {
        <figure class="lab-figure">
            <figcaption>{title.clone()}</figcaption>
            <ChartFrame frame=c.frame.clone() class="f4-chart lab-chart" aria_label=title test_id
                y_title=y_label x_ticks=XTicks::Level("training step") legend_text>
                {c.reference.clone().map(|(y, label)| view! {
                    <line class="reference" x1=left x2=right y1=y y2=y stroke="#777777" stroke-dasharray="5 4">
                        <title>{label}</title>
                    </line>
                })}
                {c.lines.iter().map(|l| view! {
                    <g class="lab-line" data-series=l.series.clone()>
                        <title>{l.label.clone()}</title>
                        {l.band.clone().map(|points| view! {
                            <polygon points=points fill=l.color fill-opacity="0.18" stroke="none" />
                        })}
                        <path d=l.path.clone() fill="none" stroke=l.color stroke-width="2.5" />
                        {l.last.map(|(x, y)| view! { <circle cx=x cy=y r="4" fill=l.color /> })}
                    </g>
                }).collect_view()}
            </ChartFrame>
        </figure>
    }
}
