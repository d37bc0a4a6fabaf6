//! Human labels of answers: the label model, the browser's append-only event log, merging
//! several annotators' labels, their authors' signatures and whose keys this browser trusts,
//! the JSONL (lossless) and CSV exports with a strict importer, each annotator's queue order,
//! the keyboard, and the `/annotate` page's session model.
//!
//! Plain Rust, no I/O: the page stores the log's records in IndexedDB and moves on only
//! when a write has completed ([`session`]). Labels point at answers by stable id plus a
//! hash of the answer text ([`check`]), so none silently attaches to a different answer.

pub mod agreement;
pub mod bench;
pub mod check;
pub mod csv;
pub mod desk;
pub mod guidelines;
pub mod jsonl;
pub mod keys;
pub mod label;
pub mod log;
pub mod queue;
pub mod seal;
pub mod session;
pub mod set;
pub mod sync;
pub mod trust;

pub use label::{Aligned, Flag, Judgement, LabelKey, Version, text_hash};
pub use log::{Event, Replayed};
pub use set::LabelSet;
