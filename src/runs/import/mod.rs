//! Importers of the user's files of answers — CSV, JSON lines, Inspect AI logs (`.eval` or
//! JSON) — behind one chunked interface ([`ChunkedImport`]), and the one place that picks
//! the importer for a file. Each importer is a module here; what they share (the chunked
//! reader's interface, the JSON type names in messages) is a module of its own, so the
//! dependencies run one way: this dispatcher → importers → shared pieces.

use std::sync::Arc;

mod chunked;
pub mod csv;
pub mod inspect;
pub mod json_kind;
pub mod jsonl;
#[cfg(test)]
mod tests;

pub use chunked::{ChunkedImport, Progress};

use self::csv::CsvImport;
use super::answer::Answer;
use super::error::ImportError;
use super::hash::fnv1a64;
use super::sniff;
use inspect::InspectImport;
use jsonl::JsonlImport;

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
        if inspect::looks_like_json_log(bytes) {
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
