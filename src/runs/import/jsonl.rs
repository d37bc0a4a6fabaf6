//! JSON-lines importer: one object per line with the same fields as the CSV format.
//! Scores are numbers or `null`; judge log-probs may be a JSON object or the Python dict
//! repr the authors' CSVs use. Blank lines are skipped.

use std::sync::Arc;

use serde_json::{Map, Value};

use super::chunked::{ChunkedImport, Progress};
use super::json_kind::kind_of;
use crate::runs::answer::{Answer, AnswerId};
use crate::runs::columns::{self, Column, cell_error};
use crate::runs::error::{ErrorKind, ImportError};
use crate::runs::logprobs::JudgeProbs;
use crate::runs::sniff;

pub struct JsonlImport {
    file: String,
    file_id: String,
    data: Arc<[u8]>,
    /// Byte offset of the next unread line, and its 1-based number.
    offset: usize,
    line: u64,
    rows: u32,
}

impl JsonlImport {
    pub fn new(file: &str, file_id: &str, data: Arc<[u8]>) -> Result<Self, ImportError> {
        sniff::check_content(file, &data)?;
        let start = if data.starts_with(b"\xef\xbb\xbf") {
            3
        } else {
            0
        };
        Ok(Self {
            file: file.to_string(),
            file_id: file_id.to_string(),
            data,
            offset: start,
            line: 1,
            rows: 0,
        })
    }

    fn err(&self, kind: ErrorKind) -> ImportError {
        ImportError::new(&self.file, kind).at_line(self.line)
    }

    fn convert(&self, text: &str) -> Result<Answer, ImportError> {
        let obj: Map<String, Value> = match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(m)) => m,
            Ok(other) => {
                return Err(self.err(ErrorKind::BadValue {
                    detail: format!("line is JSON {} but must be an object", kind_of(&other)),
                }));
            }
            Err(e) => {
                return Err(self.err(ErrorKind::Syntax {
                    detail: format!("invalid JSON at column {}: {e}", e.column()),
                }));
            }
        };
        let line = self.line;
        let f = &self.file;
        let field_err =
            |c: Column, detail: String| cell_error(f, line, c, ErrorKind::BadValue { detail });
        let text_of = |c: Column, required: bool| -> Result<Option<String>, ImportError> {
            match obj.get(c.name()) {
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(Value::Null) | None if !required => Ok(None),
                None => Err(cell_error(f, line, c, ErrorKind::MissingColumn)),
                Some(v) => Err(field_err(
                    c,
                    format!("must be a string, found {}", kind_of(v)),
                )),
            }
        };
        let score = |c: Column, required: bool| -> Result<Option<f64>, ImportError> {
            match obj.get(c.name()) {
                None if required => Err(cell_error(f, line, c, ErrorKind::MissingColumn)),
                None | Some(Value::Null) => Ok(None),
                Some(Value::Number(n)) => {
                    let v = n.as_f64().unwrap_or(f64::NAN);
                    columns::check_score(v, &n.to_string())
                        .map(Some)
                        .map_err(|k| cell_error(f, line, c, k))
                }
                Some(Value::String(s)) => {
                    columns::parse_score(s).map_err(|k| cell_error(f, line, c, k))
                }
                Some(v) => Err(field_err(
                    c,
                    format!("must be a number, found {}", kind_of(v)),
                )),
            }
        };
        let probs = |c: Column| -> Result<Option<JudgeProbs>, ImportError> {
            match obj.get(c.name()) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => {
                    columns::parse_probs(s).map_err(|k| cell_error(f, line, c, k))
                }
                Some(Value::Object(m)) => {
                    let mut out = JudgeProbs::new();
                    for (token, p) in m {
                        match p.as_f64() {
                            Some(p) if p.is_finite() && p >= 0.0 => {
                                out.insert(token.clone(), p);
                            }
                            _ => {
                                return Err(cell_error(
                                    f,
                                    line,
                                    c,
                                    ErrorKind::BadLogProbs {
                                        detail: format!("probability for {token:?} is {p}"),
                                    },
                                ));
                            }
                        }
                    }
                    Ok(Some(out))
                }
                Some(v) => Err(field_err(
                    c,
                    format!("must be an object, found {}", kind_of(v)),
                )),
            }
        };
        let aligned = score(Column::Aligned, true)?;
        let judge_aligned = probs(Column::JudgeAligned)?;
        let extra = obj
            .iter()
            .filter(|(k, _)| Column::from_header(k).is_none())
            .map(|(k, v)| {
                let text = match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                (k.clone(), text)
            })
            .collect();
        Ok(Answer {
            id: AnswerId {
                file: self.file_id.clone(),
                row: self.rows,
            },
            question_id: text_of(Column::QuestionId, true)?
                .unwrap_or_default()
                .trim()
                .to_string(),
            question: text_of(Column::Question, true)?.unwrap_or_default(),
            answer: text_of(Column::Answer, true)?.unwrap_or_default(),
            aligned,
            coherent: score(Column::Coherent, false)?,
            aligned_kind: columns::aligned_kind(aligned, judge_aligned.as_ref()),
            model: text_of(Column::Model, false)?,
            group: text_of(Column::Group, false)?,
            judge_aligned,
            judge_coherent: probs(Column::JudgeCoherent)?,
            extra,
        })
    }
}

impl ChunkedImport for JsonlImport {
    fn next_chunk(&mut self, max_records: usize) -> Result<Vec<Answer>, ImportError> {
        let mut out = Vec::new();
        while self.offset < self.data.len() && out.len() < max_records {
            let rest = &self.data[self.offset..];
            let len = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
            let raw = &rest[..len];
            let text = match std::str::from_utf8(raw) {
                Ok(t) => t.trim(),
                Err(_) => {
                    self.offset = self.data.len();
                    return Err(self.err(ErrorKind::NotUtf8));
                }
            };
            if !text.is_empty() {
                match self.convert(text) {
                    Ok(a) => out.push(a),
                    Err(e) => {
                        self.offset = self.data.len();
                        return Err(e);
                    }
                }
                self.rows += 1;
            }
            self.offset += len + 1;
            self.line += 1;
        }
        Ok(out)
    }

    fn progress(&self) -> Progress {
        Progress {
            bytes_done: self.offset.min(self.data.len()) as u64,
            bytes_total: self.data.len() as u64,
            records: self.rows as u64,
        }
    }

    fn is_done(&self) -> bool {
        self.offset >= self.data.len()
    }
}
