//! One error type for every importer, so the app can show a single kind of message:
//! "file, line N, field `x`: what is wrong". Line numbers are 1-based physical lines of
//! the file where the offending record (CSV) or line (JSONL, YAML) starts; for an archive
//! (an Inspect `.eval` log) they count in the entry the error names.

use std::fmt;

/// Why a file could not be imported. Carries enough context to point at the problem.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportError {
    /// The file name as the user knows it (not a full path).
    pub file: String,
    /// The entry of an archive the problem is in (e.g. `samples/3_epoch_1.json`).
    pub entry: Option<String>,
    /// 1-based line where the bad record starts, when there is one.
    pub line: Option<u64>,
    /// The column / key involved, when there is one.
    pub field: Option<String>,
    pub kind: ErrorKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ErrorKind {
    /// Rejected before parsing: the browser must not try to hold a huge file.
    TooLarge {
        size: u64,
        limit: u64,
    },
    /// Zero bytes, or only whitespace.
    Empty,
    /// Looks like a binary file (NUL bytes, a known archive/image signature).
    Binary {
        what: String,
    },
    /// Bytes that are not UTF-8.
    NotUtf8,
    /// A header but no answers.
    NoRecords,
    DuplicateColumn,
    MissingColumn,
    /// A record with a different number of fields than the header: usually a truncated
    /// file or an unquoted comma.
    FieldCount {
        expected: usize,
        found: usize,
    },
    /// A quoted field that never closes: the file was cut off.
    UnterminatedQuote,
    NotANumber {
        value: String,
    },
    NonFinite {
        value: String,
    },
    OutOfRange {
        value: f64,
    },
    /// A judge log-prob dictionary that does not parse.
    BadLogProbs {
        detail: String,
    },
    /// A field of the wrong type (JSONL), or a line that is not a JSON object.
    BadValue {
        detail: String,
    },
    /// Syntax errors reported by the underlying JSON / YAML / CSV parser.
    Syntax {
        detail: String,
    },
    /// An archive (Inspect `.eval`, a ZIP) that cannot be read: cut off, damaged, or
    /// packed in a way the importer does not read.
    BadArchive {
        detail: String,
    },
    /// An archive entry (or all of them together) unpacks to more than the importer
    /// holds: a zip bomb, or a log too big for a browser tab.
    TooLargeUnpacked {
        size: u64,
        limit: u64,
    },
    /// An archive listing more entries than any real log has.
    TooManyEntries {
        count: u64,
        limit: u64,
    },
}

impl ImportError {
    pub fn new(file: &str, kind: ErrorKind) -> Self {
        Self {
            file: file.to_string(),
            entry: None,
            line: None,
            field: None,
            kind,
        }
    }

    pub fn in_entry(mut self, entry: &str) -> Self {
        self.entry = Some(entry.to_string());
        self
    }

    pub fn at_line(mut self, line: u64) -> Self {
        self.line = Some(line);
        self
    }

    pub fn in_field(mut self, field: &str) -> Self {
        self.field = Some(field.to_string());
        self
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::TooLarge { size, limit } => write!(
                f,
                "file is {:.1} MB, over the {:.0} MB limit",
                *size as f64 / 1e6,
                *limit as f64 / 1e6
            ),
            ErrorKind::Empty => write!(f, "file is empty"),
            ErrorKind::Binary { what } => write!(f, "file is binary ({what}), not text"),
            ErrorKind::NotUtf8 => write!(f, "text is not valid UTF-8"),
            ErrorKind::NoRecords => write!(f, "file has a header but no answers"),
            ErrorKind::DuplicateColumn => write!(f, "column appears more than once in the header"),
            ErrorKind::MissingColumn => write!(f, "required column is missing"),
            ErrorKind::FieldCount { expected, found } => write!(
                f,
                "record has {found} fields but the header has {expected} (truncated file or unquoted comma?)"
            ),
            ErrorKind::UnterminatedQuote => {
                write!(f, "quoted field is never closed (file truncated?)")
            }
            ErrorKind::NotANumber { value } => write!(f, "score {value:?} is not a number"),
            ErrorKind::NonFinite { value } => {
                write!(
                    f,
                    "score {value:?} is not finite (NaN/inf are not allowed; leave the cell empty)"
                )
            }
            ErrorKind::OutOfRange { value } => write!(f, "score {value} is outside 0–100"),
            ErrorKind::BadLogProbs { detail } => {
                write!(f, "judge log-probs do not parse: {detail}")
            }
            ErrorKind::BadValue { detail } => write!(f, "{detail}"),
            ErrorKind::Syntax { detail } => write!(f, "{detail}"),
            ErrorKind::BadArchive { detail } => write!(f, "{detail}"),
            ErrorKind::TooLargeUnpacked { size, limit } => write!(
                f,
                "unpacks to {:.1} MB, over the {:.1} MB limit (a zip bomb, or a log too big to open here)",
                *size as f64 / 1e6,
                *limit as f64 / 1e6
            ),
            ErrorKind::TooManyEntries { count, limit } => write!(
                f,
                "archive lists {count} entries, over the limit of {limit}"
            ),
        }
    }
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(entry) = &self.entry {
            write!(f, ", entry {entry}")?;
        }
        if let Some(line) = self.line {
            write!(f, ", line {line}")?;
        }
        if let Some(field) = &self.field {
            write!(f, ", field `{field}`")?;
        }
        write!(f, ": {}", self.kind)
    }
}

impl std::error::Error for ImportError {}
