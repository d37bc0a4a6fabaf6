//! CSV importer for the paper's format (`question,answer,question_id,aligned,coherent`, any
//! order) and the authors' richer one (`model,group,judge_aligned,...`). Parses a bounded
//! number of records per call so the browser can import big files without freezing.

use std::io::Cursor;
use std::sync::Arc;

use csv::{ByteRecord, ReaderBuilder};

use super::chunked::{ChunkedImport, Progress};
use crate::runs::answer::{Answer, AnswerId};
use crate::runs::columns::{self, Column, cell_error};
use crate::runs::error::{ErrorKind, ImportError};
use crate::runs::sniff;

pub struct CsvImport {
    file: String,
    file_id: String,
    data: Arc<[u8]>,
    reader: csv::Reader<Cursor<Arc<[u8]>>>,
    /// Header names (as written) and their meaning, by position.
    names: Vec<String>,
    columns: Vec<Option<Column>>,
    /// Position of each known column, indexed like `Column::ALL`.
    index: [Option<usize>; Column::ALL.len()],
    record: ByteRecord,
    rows: u32,
    done: bool,
}

impl CsvImport {
    /// Checks size and content, reads and validates the header. `file` names the file in
    /// messages; `file_id` becomes the [`AnswerId::file`] of every answer.
    pub fn new(file: &str, file_id: &str, data: Arc<[u8]>) -> Result<Self, ImportError> {
        sniff::check_content(file, &data)?;
        let mut reader = ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(Cursor::new(data.clone()));
        let mut header = ByteRecord::new();
        let read = reader
            .read_byte_record(&mut header)
            .map_err(|e| syntax(file, &e))?;
        if !read {
            return Err(ImportError::new(file, ErrorKind::Empty));
        }
        let mut names = Vec::with_capacity(header.len());
        for (i, raw) in header.iter().enumerate() {
            // csv strips a UTF-8 BOM only in its own header handling; we read the header
            // as a record, so strip it here.
            let raw = if i == 0 {
                raw.strip_prefix(b"\xef\xbb\xbf").unwrap_or(raw)
            } else {
                raw
            };
            let name = std::str::from_utf8(raw).map_err(|_| {
                ImportError::new(file, ErrorKind::NotUtf8)
                    .at_line(1)
                    .in_field(&format!("column {}", i + 1))
            })?;
            names.push(name.trim().to_string());
        }
        for (i, name) in names.iter().enumerate() {
            if names[..i].iter().any(|n| n.eq_ignore_ascii_case(name)) {
                return Err(ImportError::new(file, ErrorKind::DuplicateColumn)
                    .at_line(1)
                    .in_field(name));
            }
        }
        let columns: Vec<Option<Column>> = names.iter().map(|n| Column::from_header(n)).collect();
        let mut index = [None; Column::ALL.len()];
        for (pos, col) in columns.iter().enumerate() {
            if let Some(c) = col {
                index[*c as usize] = Some(pos);
            }
        }
        for required in Column::REQUIRED {
            if index[required as usize].is_none() {
                return Err(ImportError::new(file, ErrorKind::MissingColumn)
                    .at_line(1)
                    .in_field(required.name()));
            }
        }
        let mut this = Self {
            file: file.to_string(),
            file_id: file_id.to_string(),
            data,
            reader,
            names,
            columns,
            index,
            record: ByteRecord::new(),
            rows: 0,
            done: false,
        };
        // Nothing but blank lines after the header.
        if this.data[this.reader.position().byte() as usize..]
            .iter()
            .all(|b| b.is_ascii_whitespace())
        {
            this.done = true;
            return Err(ImportError::new(file, ErrorKind::NoRecords).at_line(2));
        }
        Ok(this)
    }

    fn at_eof(&self) -> bool {
        self.reader.position().byte() as usize >= self.data.len()
    }

    fn col(&self, c: Column) -> Option<usize> {
        self.index[c as usize]
    }

    /// Text of a field as UTF-8, with file/line/field context on failure.
    fn text(&self, pos: usize, line: u64) -> Result<&str, ImportError> {
        std::str::from_utf8(self.record.get(pos).unwrap_or_default()).map_err(|_| {
            ImportError::new(&self.file, ErrorKind::NotUtf8)
                .at_line(line)
                .in_field(&self.names[pos])
        })
    }

    fn known(&self, c: Column, line: u64) -> Result<Option<&str>, ImportError> {
        self.col(c).map(|pos| self.text(pos, line)).transpose()
    }

    fn convert(&self, line: u64) -> Result<Answer, ImportError> {
        let f = &self.file;
        let required = |c: Column| -> Result<String, ImportError> {
            Ok(self.known(c, line)?.unwrap_or_default().to_string())
        };
        let score = |c: Column| -> Result<Option<f64>, ImportError> {
            match self.known(c, line)? {
                Some(cell) => columns::parse_score(cell).map_err(|k| cell_error(f, line, c, k)),
                None => Ok(None),
            }
        };
        let probs = |c: Column| match self.known(c, line)? {
            Some(cell) => columns::parse_probs(cell).map_err(|k| cell_error(f, line, c, k)),
            None => Ok(None),
        };
        let optional = |c: Column| -> Result<Option<String>, ImportError> {
            Ok(self.known(c, line)?.map(str::to_string))
        };
        let aligned = score(Column::Aligned)?;
        let judge_aligned = probs(Column::JudgeAligned)?;
        let mut extra = Vec::new();
        for (pos, col) in self.columns.iter().enumerate() {
            if col.is_none() {
                extra.push((self.names[pos].clone(), self.text(pos, line)?.to_string()));
            }
        }
        Ok(Answer {
            id: AnswerId {
                file: self.file_id.clone(),
                row: self.rows,
            },
            question_id: required(Column::QuestionId)?.trim().to_string(),
            question: required(Column::Question)?,
            answer: required(Column::Answer)?,
            aligned,
            coherent: score(Column::Coherent)?,
            aligned_kind: columns::aligned_kind(aligned, judge_aligned.as_ref()),
            model: optional(Column::Model)?,
            group: optional(Column::Group)?,
            judge_aligned,
            judge_coherent: probs(Column::JudgeCoherent)?,
            extra,
        })
    }

    /// A record that runs to the end of the data inside an open quote was cut off.
    /// Returns the name of the field whose quote never closes.
    fn unterminated_field(&self, start: usize) -> Option<&str> {
        let bytes = &self.data[start..];
        let (mut field, mut quoted, mut at_field_start) = (0usize, false, true);
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            if quoted {
                if b == b'"' {
                    if bytes.get(i + 1) == Some(&b'"') {
                        i += 1;
                    } else {
                        quoted = false;
                    }
                }
            } else if b == b'"' && at_field_start {
                quoted = true;
            } else if b == b',' {
                field += 1;
                at_field_start = true;
                i += 1;
                continue;
            } else if b == b'\n' {
                return None;
            }
            at_field_start = false;
            i += 1;
        }
        quoted.then(|| {
            self.names
                .get(field)
                .map_or("(past last column)", String::as_str)
        })
    }
}

impl ChunkedImport for CsvImport {
    fn next_chunk(&mut self, max_records: usize) -> Result<Vec<Answer>, ImportError> {
        let mut out = Vec::with_capacity(max_records.min(4096));
        while !self.done && out.len() < max_records {
            let read = self
                .reader
                .read_byte_record(&mut self.record)
                .map_err(|e| syntax(&self.file, &e))?;
            if !read {
                self.done = true;
                break;
            }
            let pos = self
                .record
                .position()
                .cloned()
                .unwrap_or_else(csv::Position::new);
            let line = pos.line();
            if self.at_eof()
                && let Some(field) = self.unterminated_field(pos.byte() as usize)
            {
                let field = field.to_string();
                self.done = true;
                return Err(ImportError::new(&self.file, ErrorKind::UnterminatedQuote)
                    .at_line(line)
                    .in_field(&field));
            }
            if self.record.len() != self.names.len() {
                self.done = true;
                let field = self
                    .names
                    .get(self.record.len())
                    .cloned()
                    .unwrap_or_else(|| format!("column {}", self.record.len()));
                return Err(ImportError::new(
                    &self.file,
                    ErrorKind::FieldCount {
                        expected: self.names.len(),
                        found: self.record.len(),
                    },
                )
                .at_line(line)
                .in_field(&field));
            }
            match self.convert(line) {
                Ok(a) => out.push(a),
                Err(e) => {
                    self.done = true;
                    return Err(e);
                }
            }
            self.rows += 1;
        }
        Ok(out)
    }

    fn progress(&self) -> Progress {
        Progress {
            bytes_done: if self.done {
                self.data.len() as u64
            } else {
                self.reader.position().byte()
            },
            bytes_total: self.data.len() as u64,
            records: self.rows as u64,
        }
    }

    fn is_done(&self) -> bool {
        self.done
    }
}

fn syntax(file: &str, e: &csv::Error) -> ImportError {
    let err = ImportError::new(
        file,
        ErrorKind::Syntax {
            detail: e.to_string(),
        },
    );
    match e.position() {
        Some(p) => err.at_line(p.line()),
        None => err,
    }
}
