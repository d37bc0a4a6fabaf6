//! Draws a `lab::line_chart::LineChart` as SVG elements (grid, axes, bands, lines, the base
//! model's dashed reference, legend), in the Figure 4 chart's classes and colours.

use leptos::prelude::*;

use crate::lab::line_chart::LineChart;

#[component]
pub fn LineChartView(
    chart: LineChart,
    title: String,
    y_label: &'static str,
    test_id: String,
) -> impl IntoView {
    let c = chart;
    let view_box = format!("0 0 {} {}", c.width, c.height);
    let (left, right, bottom) = (c.plot_left, c.plot_right, c.plot_bottom);
    let y_axis_label = format!("translate(14 {}) rotate(-90)", (c.plot_top + bottom) / 2.0);
    view! {
        <figure class="lab-figure">
            <figcaption>{title.clone()}</figcaption>
            <svg class="f4-chart lab-chart" viewBox=view_box role="img" aria-label=title data-testid=test_id>
                {c.y_ticks.iter().map(|(y, label)| view! {
                    <line class="grid" x1=left x2=right y1=*y y2=*y />
                    <text class="axis" x=left - 6.0 y=*y + 4.0 text-anchor="end">{label.clone()}</text>
                }).collect_view()}
                <text class="axis" transform=y_axis_label text-anchor="middle">{y_label}</text>
                {c.x_ticks.iter().map(|(x, label)| view! {
                    <text class="axis" x=*x y=bottom + 16.0 text-anchor="middle">{label.clone()}</text>
                }).collect_view()}
                <text class="axis" x=(left + right) / 2.0 y=bottom + 30.0 text-anchor="middle">"training step"</text>
                <line class="baseline" x1=left x2=right y1=bottom y2=bottom />
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
                {c.legend.iter().map(|l| view! {
                    <circle cx=left cy=l.y r="5" fill=l.color />
                    <text class="legend" x=left + 12.0 y=l.y + 4.0>{l.label.clone()}</text>
                }).collect_view()}
            </svg>
        </figure>
    }
}
