//! The one way the app draws a chart's frame, from `replay::chart::Frame`: the `<svg>`, grid
//! lines with y ticks, the y-axis title, x ticks (slanted question ids or level step numbers),
//! the baseline and the legend. Figure 4 puts its marks inside, the lab its lines.

use leptos::prelude::*;

use crate::replay::chart::Frame;

/// How the x ticks read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum XTicks {
    /// Long labels (question ids), slanted under the plot.
    Slanted,
    /// Short labels (steps), level, with an axis title below.
    Level(&'static str),
}

#[component]
pub fn ChartFrame(
    frame: Frame,
    /// The `<svg>`'s class, accessible name and test id.
    class: &'static str,
    aria_label: String,
    test_id: String,
    y_title: &'static str,
    x_ticks: XTicks,
    /// Each legend row's text (Figure 4 points a series without marks to its note).
    legend_text: Vec<String>,
    children: Children,
) -> impl IntoView {
    let f = frame;
    let view_box = format!("0 0 {} {}", f.width, f.height);
    let (left, right, bottom) = (f.plot_left, f.plot_right, f.plot_bottom);
    let y_title_at = format!("translate(14 {}) rotate(-90)", (f.plot_top + bottom) / 2.0);
    let x_axis = match x_ticks {
        XTicks::Slanted => f
            .x_ticks
            .iter()
            .map(|(x, label)| view! {
                <text class="axis" transform=format!("translate({x} {}) rotate(-40)", bottom + 14.0)
                    text-anchor="end">{label.clone()}</text>
            })
            .collect_view()
            .into_any(),
        XTicks::Level(title) => view! {
            {f.x_ticks.iter().map(|(x, label)| view! {
                <text class="axis" x=*x y=bottom + 16.0 text-anchor="middle">{label.clone()}</text>
            }).collect_view()}
            <text class="axis" x=(left + right) / 2.0 y=bottom + 30.0 text-anchor="middle">{title}</text>
        }
        .into_any(),
    };
    view! {
        <svg class=class viewBox=view_box role="group" aria-label=aria_label data-testid=test_id>
            {f.y_ticks.iter().map(|(y, label)| view! {
                <line class="grid" x1=left x2=right y1=*y y2=*y />
                <text class="axis" x=left - 6.0 y=*y + 4.0 text-anchor="end">{label.clone()}</text>
            }).collect_view()}
            <text class="axis" transform=y_title_at text-anchor="middle">{y_title}</text>
            {x_axis}
            <line class="baseline" x1=left x2=right y1=bottom y2=bottom />
            {children()}
            {f.legend.iter().zip(legend_text).map(|(l, text)| view! {
                <circle cx=left cy=l.y r="5" fill=l.color />
                <text class="legend" x=left + 12.0 y=l.y + 4.0>{text}</text>
            }).collect_view()}
        </svg>
    }
}
