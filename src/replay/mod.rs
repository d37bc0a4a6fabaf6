//! What the Replay pages compute, in plain Rust (tested natively, run in the browser). Each
//! page has its model here — `explorer`, `figure4`, `compare` — and the Leptos pages
//! (`ui::pages`) only wire signals to them. Beside them: the catalog of every answer
//! (bundled + the user's) and an answer's text, the explorer's filters and sort, the
//! Figure 4 chart and its exports, the view state kept in the URL with the names its enums
//! have there, how answer text is split for display, and the benchmark of these same
//! functions.

pub mod answer_text;
pub mod bench;
pub mod catalog;
pub mod chart;
pub mod compare;
pub mod explorer;
pub mod figure4;
pub mod filter;
pub mod judges;
pub mod labelling;
pub mod names;
pub mod state;
pub mod text;
