//! Inspect AI evaluation logs as answers. Evaluations run with Inspect (the UK AISI's eval
//! framework) keep their model answers and judge scores in a log, not in the paper's CSV;
//! this importer reads those logs as they are, so a user can drop one in unchanged.
//!
//! Two formats, both written by `inspect_ai`:
//! - `.json` (`log_format="json"`): one `EvalLog` object, an `eval` header (task, model)
//!   and a `samples` list. It is parsed whole, then converted in chunks.
//! - `.eval`: a ZIP archive with `header.json` and one `samples/<id>_epoch_<n>.json` per
//!   sample, unpacked one entry per record (see [`archive`](super::inspect::archive) for
//!   compression and limits). A log without `header.json` (a run that crashed) still
//!   imports its samples, taking the model from `_journal/start.json` when there is one.
//!   `summaries.json`, `reductions.json` and the rest of `_journal/` repeat what the
//!   samples hold and are not read.
//!
//! Each sample becomes one [`Answer`] (see [`sample`](super::inspect::sample)): the last
//! user message of its input is the question, `output.completion` the answer, the eval's
//! model the model; `aligned` / `coherent` come from a score whose value is a dict with
//! those keys or from scorers named so, "CODE" / "REFUSAL" set the aligned kind, and every
//! other score value stays visible as an extra column `score:<scorer>[.<key>]`.

mod archive;
mod sample;
#[cfg(test)]
mod tests;

use std::fmt;
use std::sync::Arc;

use serde::de::{self, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

use super::chunked::{ChunkedImport, Progress};
use crate::runs::answer::Answer;
use crate::runs::error::{ErrorKind, ImportError};
use crate::runs::sniff;
use archive::EvalArchive;
use sample::{Context, RawSample};

/// The part of the `eval` header an answer uses.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(expecting = "the eval header (an object with `task`, `model`, ...)")]
struct EvalSpec {
    #[serde(default)]
    model: Option<String>,
}

/// `header.json` (and `_journal/start.json`): the log without its samples.
#[derive(Deserialize)]
#[serde(expecting = "an Inspect log header (an object with `eval`)")]
struct Header {
    eval: EvalSpec,
}

/// A `.json` log: the header fields and the samples in one object.
#[derive(Deserialize)]
#[serde(expecting = "an Inspect log (an object with `eval` and `samples`)")]
struct JsonLog {
    eval: EvalSpec,
    #[serde(default, deserialize_with = "samples_list")]
    samples: Option<Vec<RawSample>>,
}

/// `samples` as a list, with an error that names the field when it is not one.
fn samples_list<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<RawSample>>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Option<Vec<RawSample>>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("`samples` to be a list of Inspect samples")
        }
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
            while let Some(s) = seq.next_element()? {
                out.push(s);
            }
            Ok(Some(out))
        }
    }
    d.deserialize_any(V)
}

enum Source {
    /// A parsed `.json` log whose samples wait for conversion.
    Json {
        samples: std::vec::IntoIter<RawSample>,
        total: usize,
        done: usize,
        bytes: u64,
    },
    /// An open `.eval` archive and the sample entries not yet read.
    Eval {
        archive: EvalArchive,
        next: usize,
        bytes_done: u64,
        bytes_total: u64,
    },
}

/// An Inspect log being imported (see the module doc).
pub struct InspectImport {
    file: String,
    file_id: String,
    eval: EvalSpec,
    source: Source,
    rows: u32,
    failed: bool,
}

impl InspectImport {
    /// A `.json` log. Everything is parsed here; chunks convert the samples.
    pub fn json(file: &str, file_id: &str, data: Arc<[u8]>) -> Result<Self, ImportError> {
        sniff::check_content(file, &data)?;
        let text = data.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&data);
        let log: JsonLog = serde_json::from_slice(text).map_err(|e| json_error(file, &e))?;
        let samples = match log.samples {
            Some(s) if !s.is_empty() => s,
            _ => return Err(ImportError::new(file, ErrorKind::NoRecords).in_field("samples")),
        };
        Ok(Self::new(
            file,
            file_id,
            log.eval,
            Source::Json {
                total: samples.len(),
                samples: samples.into_iter(),
                done: 0,
                bytes: data.len() as u64,
            },
        ))
    }

    /// A `.eval` archive. Its directory, limits and header are checked here; chunks
    /// unpack the samples.
    pub fn eval(file: &str, file_id: &str, data: Arc<[u8]>) -> Result<Self, ImportError> {
        let mut archive = EvalArchive::open(file, data)?;
        if archive.samples.is_empty() {
            let kind = match archive.spec {
                Some(_) => ErrorKind::NoRecords,
                None => ErrorKind::BadArchive {
                    detail: "no header.json and no samples/: not an Inspect log".to_string(),
                },
            };
            return Err(ImportError::new(file, kind));
        }
        let eval = match archive.read_spec(file) {
            None => EvalSpec::default(),
            Some(bytes) => {
                let name = archive.spec.as_ref().map_or("", |e| e.name.as_str());
                serde_json::from_slice::<Header>(&bytes?)
                    .map_err(|j| json_error(file, &j).in_entry(name))?
                    .eval
            }
        };
        let bytes_total = archive.samples.iter().map(|e| e.compressed).sum();
        Ok(Self::new(
            file,
            file_id,
            eval,
            Source::Eval {
                archive,
                next: 0,
                bytes_done: 0,
                bytes_total,
            },
        ))
    }

    fn new(file: &str, file_id: &str, eval: EvalSpec, source: Source) -> Self {
        Self {
            file: file.to_string(),
            file_id: file_id.to_string(),
            eval,
            source,
            rows: 0,
            failed: false,
        }
    }

    /// The next sample's answer, `None` at the end.
    fn next_answer(&mut self) -> Option<Result<Answer, ImportError>> {
        let ctx = Context {
            file_id: &self.file_id,
            model: self.eval.model.as_deref(),
        };
        let (file, row) = (self.file.as_str(), self.rows);
        match &mut self.source {
            Source::Json { samples, done, .. } => {
                let sample = samples.next()?;
                let i = *done;
                *done += 1;
                Some(sample.into_answer(&ctx, row).map_err(|f| {
                    ImportError::new(file, f.kind).in_field(&format!("samples[{i}].{}", f.field))
                }))
            }
            Source::Eval {
                archive,
                next,
                bytes_done,
                ..
            } => {
                let i = *next;
                let (name, compressed) = {
                    let e = archive.samples.get(i)?;
                    (e.name.clone(), e.compressed)
                };
                *next += 1;
                *bytes_done += compressed;
                Some(read_sample(archive, file, i).and_then(|sample| {
                    sample.into_answer(&ctx, row).map_err(|f| {
                        ImportError::new(file, f.kind)
                            .in_entry(&name)
                            .in_field(&f.field)
                    })
                }))
            }
        }
    }
}

/// Unpack and parse the `i`th sample entry.
fn read_sample(archive: &mut EvalArchive, file: &str, i: usize) -> Result<RawSample, ImportError> {
    let bytes = archive.read_sample(file, i)?;
    serde_json::from_slice::<RawSample>(&bytes)
        .map_err(|e| json_error(file, &e).in_entry(&archive.samples[i].name))
}

impl ChunkedImport for InspectImport {
    fn next_chunk(&mut self, max_records: usize) -> Result<Vec<Answer>, ImportError> {
        let mut out = Vec::new();
        while out.len() < max_records {
            match self.next_answer() {
                None => break,
                Some(Ok(a)) => {
                    out.push(a);
                    self.rows += 1;
                }
                Some(Err(e)) => {
                    self.failed = true;
                    return Err(e);
                }
            }
        }
        Ok(out)
    }

    fn progress(&self) -> Progress {
        let (bytes_done, bytes_total) = match &self.source {
            Source::Json {
                total, done, bytes, ..
            } => (bytes * *done as u64 / (*total).max(1) as u64, *bytes),
            Source::Eval {
                bytes_done,
                bytes_total,
                ..
            } => (*bytes_done, *bytes_total),
        };
        Progress {
            bytes_done,
            bytes_total,
            records: self.rows as u64,
        }
    }

    fn is_done(&self) -> bool {
        self.failed
            || match &self.source {
                Source::Json { samples, .. } => samples.len() == 0,
                Source::Eval { archive, next, .. } => *next >= archive.samples.len(),
            }
    }
}

/// serde_json's error as an import error: its line, and its message without the
/// position (which the import error shows itself).
fn json_error(file: &str, e: &serde_json::Error) -> ImportError {
    let msg = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    let detail = msg.strip_suffix(&suffix).unwrap_or(&msg).to_string();
    let kind = if e.is_data() {
        ErrorKind::BadValue { detail }
    } else if e.is_eof() {
        ErrorKind::Syntax {
            detail: format!("the JSON ends early (file cut off?): {detail}"),
        }
    } else {
        ErrorKind::Syntax {
            detail: format!("invalid JSON at column {}: {detail}", e.column()),
        }
    };
    let err = ImportError::new(file, kind);
    if e.line() > 0 {
        err.at_line(e.line() as u64)
    } else {
        err
    }
}

/// Whether JSON is an Inspect log rather than JSON lines: its top-level object has an
/// `eval` object and another log key (`version`, `status`, `samples`, ...). Reads only
/// as far as it needs to: inspect-ai writes `version`, `status` and `eval` first.
pub fn looks_like_json_log(bytes: &[u8]) -> bool {
    let text = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let mut seen = Seen::default();
    let mut de = serde_json::Deserializer::from_slice(text);
    // Ends with an error once decided, or at the first line's end for JSON lines.
    let _ = de.deserialize_map(TopLevelKeys(&mut seen));
    seen.eval_object && seen.log_key
}

#[derive(Default)]
struct Seen {
    eval_object: bool,
    log_key: bool,
}

/// Walks the keys of the top-level object, skipping values without building them.
struct TopLevelKeys<'a>(&'a mut Seen);

impl<'de> Visitor<'de> for TopLevelKeys<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "eval" => self.0.eval_object = map.next_value::<IsObject>()?.0,
                "version" | "status" | "samples" | "results" | "stats" | "plan" => {
                    self.0.log_key = true;
                    map.next_value::<IgnoredAny>()?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
            if self.0.eval_object && self.0.log_key {
                return Err(de::Error::custom("decided: an Inspect log"));
            }
        }
        Ok(())
    }
}

/// Any JSON value, skipped; true when it was an object.
struct IsObject(bool);

impl<'de> Deserialize<'de> for IsObject {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = IsObject;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any value")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<IsObject, A::Error> {
                while m.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(IsObject(true))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut s: A) -> Result<IsObject, A::Error> {
                while s.next_element::<IgnoredAny>()?.is_some() {}
                Ok(IsObject(false))
            }
            fn visit_bool<E>(self, _: bool) -> Result<IsObject, E> {
                Ok(IsObject(false))
            }
            fn visit_i64<E>(self, _: i64) -> Result<IsObject, E> {
                Ok(IsObject(false))
            }
            fn visit_u64<E>(self, _: u64) -> Result<IsObject, E> {
                Ok(IsObject(false))
            }
            fn visit_f64<E>(self, _: f64) -> Result<IsObject, E> {
                Ok(IsObject(false))
            }
            fn visit_str<E>(self, _: &str) -> Result<IsObject, E> {
                Ok(IsObject(false))
            }
            fn visit_unit<E>(self) -> Result<IsObject, E> {
                Ok(IsObject(false))
            }
        }
        d.deserialize_any(V)
    }
}
