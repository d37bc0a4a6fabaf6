//! Verdict rules and statistics: the misalignment rule with adjustable thresholds, seed
//! aggregation with bootstrap CIs (Figure 4), and descriptive summaries.
//! (Later: judge–human agreement, the LLM judge client and its log-prob scoring.)
//!
//! Plain Rust, no I/O, deterministic: the same numbers natively and in the browser.

pub mod bootstrap;
pub mod combined;
pub mod figure4;
pub mod index;
pub mod summary;
pub mod verdict;

pub use combined::{Combined, UserFile, combine};
pub use figure4::{CiKind, Estimate, Figure4Options, NoEstimate, Point, figure4};
pub use index::{Row, ScoreIndex, SeriesInfo};
pub use verdict::{NoScorePolicy, Thresholds, Verdict, classify};
