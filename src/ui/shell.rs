//! Header (brand + nav) and footer (citation + data sources), shown on every page.

use leptos::prelude::*;
use leptos_router::components::A;

use super::base_path::app_href;

/// The nav: every page the router has (`app.rs`), in nav order: (path, label).
const PAGES: &[(&str, &str)] = &[
    ("/", "Home"),
    ("/figure4", "Figure 4"),
    ("/explorer", "Explorer"),
    ("/compare", "Compare"),
    ("/annotate", "Annotate"),
    ("/agreement", "Agreement"),
    ("/rejudge", "Rejudge"),
    ("/lab", "Lab"),
    ("/about", "About & data"),
];

#[component]
pub fn SiteHeader() -> impl IntoView {
    view! {
        <header class="site-header">
            <A href=app_href("/") attr:class="brand">
                <img src="favicon.svg" alt="" />
                "EM Lab"
            </A>
            <nav class="site-nav" aria-label="Pages">
                {PAGES
                    .iter()
                    .map(|(path, label)| view! { <A href=app_href(path) exact=true>{*label}</A> })
                    .collect_view()}
            </nav>
        </header>
    }
}

#[component]
pub fn SiteFooter() -> impl IntoView {
    view! {
        <footer class="site-footer">
            <p>
                "Based on Betley, Tan, Warncke et al., "
                <a href="https://arxiv.org/abs/2502.17424">
                    "“Emergent Misalignment: Narrow finetuning can produce broadly misaligned LLMs”"
                </a> ", 2025."
            </p>
            <p>
                "Run outputs: MIT-licensed releases by the paper’s authors and follow-up work ("
                <a href="https://github.com/johny-b/misalignment-generalization">"misalignment-generalization"</a>
                ", "
                <a href="https://github.com/jacobcd52/finetune_diffing">"finetune_diffing"</a>
                ", "
                <a href="https://github.com/Cloakless/clarifying_EM">"clarifying_EM"</a>
                ", "
                <a href="https://github.com/shuaijiumei/emergent_misalignment_further_explore">
                    "emergent_misalignment_further_explore"
                </a>
                "). "
                <A href=app_href("/about")>"Sources and licenses"</A>
                "."
            </p>
        </footer>
    }
}
