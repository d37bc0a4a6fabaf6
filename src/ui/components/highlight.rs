//! Untrusted text with search matches marked: split in plain Rust, rendered as text nodes
//! inside `<mark>` elements. Never HTML.

use leptos::prelude::*;

use crate::runs::search;

pub fn highlighted(text: &str, query: &str) -> impl IntoView + use<> {
    search::highlight(text, query)
        .into_iter()
        .map(|(part, is_match)| {
            let part = part.to_string();
            if is_match {
                view! { <mark>{part}</mark> }.into_any()
            } else {
                part.into_any()
            }
        })
        .collect_view()
}
