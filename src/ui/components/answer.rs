//! How one answer shows wherever the app lists it: the verdict badge's class, its scores, and
//! its text split into prose and code blocks (code monospaced), search matches marked.
//! Untrusted text throughout: rendered as text nodes, never HTML.

use leptos::prelude::*;

use crate::judge::Verdict;
use crate::replay::names::Named;
use crate::replay::text::pieces;
use crate::ui::components::highlight::highlighted;

/// A judge score with one decimal, or `–` when there is none.
pub fn score_text(v: Option<f64>) -> String {
    v.map_or_else(|| "–".into(), |v| format!("{v:.1}"))
}

/// Both judge scores, short: `A 12.5 · C 88.0`.
pub fn scores_line(aligned: Option<f64>, coherent: Option<f64>) -> String {
    format!("A {} · C {}", score_text(aligned), score_text(coherent))
}

/// CSS classes of a verdict badge.
pub fn verdict_class(v: Verdict) -> String {
    format!("verdict verdict-{}", v.name())
}

/// An answer's text, prose and code blocks, with `query`'s matches marked (none if empty).
pub fn answer_body(answer: &str, query: &str) -> impl IntoView + use<> {
    pieces(answer)
        .into_iter()
        .map(|p| {
            if p.code {
                view! { <pre class="answer-code"><code>{highlighted(p.text, query)}</code></pre> }
                    .into_any()
            } else {
                view! { <div class="answer-prose">{highlighted(p.text, query)}</div> }.into_any()
            }
        })
        .collect_view()
}
