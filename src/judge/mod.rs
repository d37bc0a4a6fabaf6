//! Verdict rules and statistics: the misalignment rule with adjustable thresholds, seed
//! aggregation with bootstrap CIs (Figure 4), descriptive summaries,
//! judge–human agreement (`agreement`), and rejudging through the user's endpoint (`rejudge`).
//!
//! Plain Rust, no I/O, deterministic: the same numbers natively and in the browser.
//!
//! How the app uses it:
//! ```text
//! let scores = runs::bundle::decode_scores(&bytes_of("data/scores.bin.gz"))?; // once
//! let combined = judge::combine(&scores, &user_files);  // or ScoreIndex::from_scores
//! let opts = Figure4Options { thresholds, no_score, ..Default::default() };
//! let points = judge::figure4(&combined.index, &series, &questions, &opts); // per slider move
//! let behind_a_mark = combined.index.answers(series, question); // positions for the explorer
//! ```

pub mod agreement;
pub mod bootstrap;
pub mod combined;
pub mod figure4;
pub mod index;
pub mod rating;
pub mod rejudge;
pub mod summary;
pub mod verdict;

pub use combined::{Combined, UserFile, combine};
pub use figure4::{CiKind, Estimate, Figure4Options, NoEstimate, Point, figure4};
pub use index::{Row, ScoreIndex, SeriesInfo};
pub use rating::Rating;
pub use verdict::{NoScorePolicy, Thresholds, Verdict, classify};
