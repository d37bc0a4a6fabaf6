//! What the Replay pages compute, in plain Rust (tested natively, run in the browser):
//! the catalog of every answer (bundled + the user's), the explorer's filters and sort,
//! the Figure 4 chart and its exports, the compare view's draws, the view state kept in the URL, and how answer
//! text is split for display. The Leptos pages (`ui::pages::{figure4, explorer}`) only
//! wire signals to these.

pub mod bench;
pub mod catalog;
pub mod chart;
pub mod compare;
pub mod filter;
pub mod state;
pub mod text;
