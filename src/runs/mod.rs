//! Real run outputs: the answer data model, importers (CSV / JSONL / YAML / Inspect AI
//! logs), the data manifest and the bundle format the app loads.
//!
//! Everything here compiles for wasm32 too (no file system outside `build`), so the
//! browser runs the very same importers on the user's files.

pub mod answer;
pub mod bundle;
pub mod columns;
pub mod error;
pub mod hash;
pub mod import;
pub mod logprobs;
pub mod manifest;
pub mod question_id;
pub mod questions;
pub mod search;
pub mod sniff;
pub mod spreadsheet;

#[cfg(not(target_arch = "wasm32"))]
pub mod build;

pub use answer::{Answer, AnswerId, ScoreKind};
pub use error::{ErrorKind, ImportError};
pub use import::{ChunkedImport, Progress, import_all, open, user_file_id};
