//! The importers' common interface: parse a bounded number of records per call and report
//! progress, so the browser can interleave parsing with rendering (or run it in a worker)
//! and show a progress bar and a cancel button.

use std::sync::Arc;

use super::answer::Answer;
use super::csv_import::CsvImport;
use super::error::ImportError;
use super::inspect_import::{self, InspectImport};
use super::jsonl_import::JsonlImport;
use super::sniff;

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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Jsonl,
    /// An Inspect AI log written with `log_format="json"`: one `EvalLog` object.
    InspectJson,
    /// An Inspect AI `.eval` log (a ZIP archive).
    InspectEval,
}

/// By extension first; otherwise a first non-blank byte of `{` means JSON. JSON (`.json`
/// or unnamed) is an Inspect log when its top-level object looks like one (an `eval`
/// object beside `version` / `samples` / ...), JSON lines otherwise.
pub fn detect_format(file_name: &str, bytes: &[u8]) -> Format {
    let lower = file_name.to_ascii_lowercase();
    if lower.ends_with(".eval") {
        return Format::InspectEval;
    }
    if lower.ends_with(".jsonl") || lower.ends_with(".ndjson") {
        return Format::Jsonl;
    }
    let json = || {
        if inspect_import::looks_like_json_log(bytes) {
            Format::InspectJson
        } else {
            Format::Jsonl
        }
    };
    if lower.ends_with(".json") {
        return json();
    }
    if lower.ends_with(".csv") {
        return Format::Csv;
    }
    match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => json(),
        _ => Format::Csv,
    }
}

/// Start importing a file of answers (CSV, JSONL or an Inspect log). `file_name` is used
/// in messages, `file_id` in answer ids (see [`user_file_id`] for files the user brings).
pub fn open(
    file_name: &str,
    file_id: &str,
    bytes: Arc<[u8]>,
) -> Result<Box<dyn ChunkedImport>, ImportError> {
    sniff::check_size(file_name, bytes.len() as u64)?;
    Ok(match detect_format(file_name, &bytes) {
        Format::Csv => Box::new(CsvImport::new(file_name, file_id, bytes)?),
        Format::Jsonl => Box::new(JsonlImport::new(file_name, file_id, bytes)?),
        Format::InspectJson => Box::new(InspectImport::json(file_name, file_id, bytes)?),
        Format::InspectEval => Box::new(InspectImport::eval(file_name, file_id, bytes)?),
    })
}

/// Import a whole file at once (native code, tests, small files).
pub fn import_all(
    file_name: &str,
    file_id: &str,
    bytes: impl Into<Arc<[u8]>>,
) -> Result<Vec<Answer>, ImportError> {
    let mut import = open(file_name, file_id, bytes.into())?;
    let mut out = Vec::new();
    while !import.is_done() {
        out.extend(import.next_chunk(4096)?);
    }
    Ok(out)
}

/// A stable id for a user's file: a hash of its content, so re-importing the same file
/// after a reload gives the same answer ids (and keeps labels attached).
pub fn user_file_id(bytes: &[u8]) -> String {
    format!("user-{:016x}", fnv1a64(bytes))
}

/// FNV-1a: tiny, dependency-free and identical on every platform.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}
