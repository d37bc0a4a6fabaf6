//! The importers' common interface: parse a bounded number of records per call and report
//! progress, so the browser can interleave parsing with rendering (or run it in a worker)
//! and show a progress bar and a cancel button.

use crate::runs::answer::Answer;
use crate::runs::error::ImportError;

/// How far an import has got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Progress {
    pub bytes_done: u64,
    pub bytes_total: u64,
    pub records: u64,
}

impl Progress {
    /// 0.0..=1.0, for a progress bar.
    pub fn fraction(&self) -> f64 {
        if self.bytes_total == 0 {
            1.0
        } else {
            self.bytes_done as f64 / self.bytes_total as f64
        }
    }
}

/// An import in progress. Call `next_chunk` until `is_done`; an error ends the import.
pub trait ChunkedImport {
    /// Parse up to `max_records` answers.
    fn next_chunk(&mut self, max_records: usize) -> Result<Vec<Answer>, ImportError>;
    fn progress(&self) -> Progress;
    fn is_done(&self) -> bool;
}
