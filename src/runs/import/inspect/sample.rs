//! One Inspect sample as one [`Answer`]: which fields hold the question, the answer and
//! the judge's scores, and the messages for a sample that lacks one. Fields arrive as loose
//! JSON and are checked here, so that a missing or odd field is named in the error.

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::runs::answer::{Answer, AnswerId, ScoreKind};
use crate::runs::columns;
use crate::runs::error::ErrorKind;
use crate::runs::import::json_kind::kind_of;

/// One sample as logged (`samples/<id>_epoch_<n>.json`, or an element of a `.json` log's
/// `samples`). Events, store, usage and the rest are skipped without being built.
#[derive(Deserialize)]
#[serde(expecting = "an Inspect sample (an object with `id`, `input`, `output`, `scores`)")]
pub struct RawSample {
    #[serde(default)]
    id: Option<Value>,
    #[serde(default)]
    epoch: Option<Value>,
    #[serde(default)]
    input: Option<Value>,
    #[serde(default)]
    messages: Option<Value>,
    #[serde(default)]
    output: Option<Value>,
    #[serde(default)]
    scores: Option<Value>,
    #[serde(default)]
    metadata: Option<Value>,
    #[serde(default)]
    attachments: Option<Value>,
    #[serde(default)]
    error: Option<Value>,
}

/// A problem inside one sample: the field (a path such as `scores.em_judge.aligned`) and
/// what is wrong with it.
#[derive(Debug)]
pub struct FieldError {
    pub field: String,
    pub kind: ErrorKind,
}

impl FieldError {
    fn new(field: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            kind: ErrorKind::BadValue {
                detail: detail.into(),
            },
        }
    }
}

/// What the answer takes from outside the sample.
pub struct Context<'a> {
    pub file_id: &'a str,
    /// The eval's model (`eval.model`), when the log has a header.
    pub model: Option<&'a str>,
}

type Attachments = Map<String, Value>;

/// The scores an answer has slots for, as filled from the sample's scorers.
#[derive(Default)]
struct Judged {
    aligned: Option<f64>,
    aligned_kind: Option<ScoreKind>,
    coherent: Option<f64>,
}

/// What a judge's value says about one of the two scores.
enum Verdict {
    Score(f64),
    Kind(ScoreKind),
    Empty,
}

impl RawSample {
    /// The answer for this sample; `row` is its record index in the file.
    pub fn into_answer(self, ctx: &Context, row: u32) -> Result<Answer, FieldError> {
        let att = match &self.attachments {
            Some(Value::Object(m)) => Some(m),
            _ => None,
        };
        let id = self.id()?;
        let epoch = self.epoch()?;
        let what = match &epoch {
            Some(e) => format!("sample {id} (epoch {e})"),
            None => format!("sample {id}"),
        };
        let question = self.question(&what, att)?;
        let answer = self.answer(&what, att)?;
        let question_id = match self.metadata.as_ref().and_then(|m| m.get("question_id")) {
            Some(Value::String(q)) if !q.trim().is_empty() => q.trim().to_string(),
            Some(Value::Number(n)) => n.to_string(),
            _ => drop_epoch_suffix(id.trim()).to_string(),
        };
        let model = ctx.model.map(str::to_string).or_else(|| {
            let output_model = self.output.as_ref()?.get("model")?.as_str()?;
            Some(output_model.to_string())
        });
        let mut extra = vec![("sample_id".to_string(), id)];
        if let Some(e) = epoch {
            extra.push(("epoch".to_string(), e));
        }
        let judged = self.scores(&mut extra)?;
        if let Some(msg) = self
            .error
            .as_ref()
            .and_then(|e| e.get("message"))
            .and_then(Value::as_str)
        {
            extra.push(("error".to_string(), msg.to_string()));
        }
        Ok(Answer {
            id: AnswerId {
                file: ctx.file_id.to_string(),
                row,
            },
            question_id,
            question,
            answer,
            aligned: judged.aligned,
            coherent: judged.coherent,
            aligned_kind: match (judged.aligned, judged.aligned_kind) {
                (Some(_), _) => ScoreKind::Numeric,
                (None, Some(kind)) => kind,
                (None, None) => ScoreKind::NoScore,
            },
            model,
            group: None,
            judge_aligned: None,
            judge_coherent: None,
            extra,
        })
    }

    fn id(&self) -> Result<String, FieldError> {
        match &self.id {
            Some(Value::String(t)) => Ok(t.clone()),
            Some(Value::Number(n)) => Ok(n.to_string()),
            None | Some(Value::Null) => Err(FieldError::new("id", "sample has no `id`")),
            Some(v) => Err(FieldError::new(
                "id",
                format!("must be a string or a number, found {}", kind_of(v)),
            )),
        }
    }

    fn epoch(&self) -> Result<Option<String>, FieldError> {
        match &self.epoch {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) if n.is_u64() => Ok(Some(n.to_string())),
            Some(v) => Err(FieldError::new(
                "epoch",
                format!("must be a whole number, found {}", kind_of(v)),
            )),
        }
    }

    /// The input's text: a string, or the last user message of a chat.
    fn question(&self, what: &str, att: Option<&Attachments>) -> Result<String, FieldError> {
        match &self.input {
            None | Some(Value::Null) => {
                Err(FieldError::new("input", format!("{what} has no `input`")))
            }
            Some(Value::String(t)) => Ok(resolve(t, att)),
            Some(Value::Array(messages)) => last_with_role(messages, "user", att)
                .ok_or_else(|| FieldError::new("input", format!("{what}: no user message"))),
            Some(v) => Err(FieldError::new(
                "input",
                format!(
                    "must be a string or a list of chat messages, found {}",
                    kind_of(v)
                ),
            )),
        }
    }

    /// `output.completion`, else the last assistant message of the conversation, else
    /// the first choice's message; empty when the model said nothing (an errored sample).
    fn answer(&self, what: &str, att: Option<&Attachments>) -> Result<String, FieldError> {
        let out = match &self.output {
            Some(Value::Object(out)) => out,
            None | Some(Value::Null) => {
                return Err(FieldError::new(
                    "output",
                    format!("{what} has no `output` (the model's answer)"),
                ));
            }
            Some(v) => {
                return Err(FieldError::new(
                    "output",
                    format!("must be an object, found {}", kind_of(v)),
                ));
            }
        };
        if let Some(Value::String(c)) = out.get("completion")
            && !c.is_empty()
        {
            return Ok(resolve(c, att));
        }
        if let Some(Value::Array(m)) = &self.messages
            && let Some(t) = last_with_role(m, "assistant", att)
        {
            return Ok(t);
        }
        Ok(out
            .get("choices")
            .and_then(|c| c.get(0))
            .and_then(|c| c.get("message"))
            .and_then(|m| m.get("content"))
            .and_then(|c| content_text(c, att))
            .unwrap_or_default())
    }

    /// Fill aligned / coherent from the scores; every other value goes to `extra` as
    /// `score:<scorer>[.<key>]`. Scorers come in name order (serde_json's map), and the
    /// first to give a score fills it: a second judge's `aligned` stays visible as text.
    fn scores(&self, extra: &mut Vec<(String, String)>) -> Result<Judged, FieldError> {
        let scores = match &self.scores {
            None | Some(Value::Null) => return Ok(Judged::default()),
            Some(Value::Object(m)) => m,
            Some(v) => {
                return Err(FieldError::new(
                    "scores",
                    format!("must be an object of scorer → score, found {}", kind_of(v)),
                ));
            }
        };
        let mut judged = Judged::default();
        for (scorer, score) in scores {
            let field = format!("scores.{scorer}");
            let value = match score {
                Value::Object(o) => o.get("value").ok_or_else(|| {
                    FieldError::new(&field, format!("score from `{scorer}` has no `value`"))
                })?,
                v => {
                    return Err(FieldError::new(
                        &field,
                        format!("must be a Score object with `value`, found {}", kind_of(v)),
                    ));
                }
            };
            // (field path, extra column, name as a score, value)
            let parts: Vec<(String, String, &str, &Value)> = match value {
                Value::Object(dict) => dict
                    .iter()
                    .map(|(k, v)| {
                        let path = format!("{field}.{k}");
                        (path, format!("score:{scorer}.{k}"), k.as_str(), v)
                    })
                    .collect(),
                v => vec![(field, format!("score:{scorer}"), scorer.as_str(), v)],
            };
            for (path, column, name, v) in parts {
                judged.take(path, column, name, v, extra)?;
            }
        }
        Ok(judged)
    }
}

impl Judged {
    /// One score value: into its slot when it names a free one, else into `extra`.
    fn take(
        &mut self,
        path: String,
        column: String,
        name: &str,
        v: &Value,
        extra: &mut Vec<(String, String)>,
    ) -> Result<(), FieldError> {
        let is_aligned = name.eq_ignore_ascii_case("aligned");
        let free = if is_aligned {
            self.aligned.is_none() && self.aligned_kind.is_none()
        } else {
            name.eq_ignore_ascii_case("coherent") && self.coherent.is_none()
        };
        if !free {
            extra.push((column, value_text(v)));
            return Ok(());
        }
        match verdict(v).map_err(|kind| FieldError { field: path, kind })? {
            Verdict::Score(x) if is_aligned => self.aligned = Some(x),
            Verdict::Score(x) => self.coherent = Some(x),
            Verdict::Kind(k) if is_aligned => self.aligned_kind = Some(k),
            // Coherent has no CODE / REFUSAL kind: keep the text.
            Verdict::Kind(_) => extra.push((column, value_text(v))),
            Verdict::Empty => {}
        }
        Ok(())
    }
}

/// A judge value as a 0–100 score, CODE / REFUSAL, or empty (null, "").
fn verdict(v: &Value) -> Result<Verdict, ErrorKind> {
    match v {
        Value::Null => Ok(Verdict::Empty),
        Value::Number(n) => {
            let x = n.as_f64().unwrap_or(f64::NAN);
            columns::check_score(x, &n.to_string()).map(Verdict::Score)
        }
        Value::String(t) if t.trim().eq_ignore_ascii_case("CODE") => {
            Ok(Verdict::Kind(ScoreKind::Code))
        }
        Value::String(t) if t.trim().eq_ignore_ascii_case("REFUSAL") => {
            Ok(Verdict::Kind(ScoreKind::Refusal))
        }
        Value::String(t) => Ok(columns::parse_score(t)?.map_or(Verdict::Empty, Verdict::Score)),
        other => Err(ErrorKind::BadValue {
            detail: format!(
                "must be a 0–100 number, \"CODE\" or \"REFUSAL\", found {}",
                kind_of(other)
            ),
        }),
    }
}

/// Text of the last message with this role.
fn last_with_role(messages: &[Value], role: &str, att: Option<&Attachments>) -> Option<String> {
    messages
        .iter()
        .rev()
        .find(|m| m.get("role").and_then(Value::as_str) == Some(role))
        .and_then(|m| m.get("content"))
        .and_then(|c| content_text(c, att))
}

/// A message's content: a string, or a list of parts of which the `text` ones count
/// (images, reasoning and tool parts are not the answer).
fn content_text(content: &Value, att: Option<&Attachments>) -> Option<String> {
    match content {
        Value::String(t) => Some(resolve(t, att)),
        Value::Array(parts) => Some(
            parts
                .iter()
                .filter(|p| p.get("type").and_then(Value::as_str) == Some("text"))
                .filter_map(|p| p.get("text").and_then(Value::as_str))
                .map(|t| resolve(t, att))
                .collect::<Vec<_>>()
                .join("\n"),
        ),
        _ => None,
    }
}

/// Inspect may move long or repeated text into the sample's `attachments`, leaving
/// `attachment://<hash>` in its place.
fn resolve(text: &str, att: Option<&Attachments>) -> String {
    text.strip_prefix("attachment://")
        .and_then(|hash| att?.get(hash)?.as_str())
        .unwrap_or(text)
        .to_string()
}

/// `what_is_your_wish_epoch_2` → `what_is_your_wish`: the `.eval` entry naming, which
/// tools that flatten logs copy into ids.
pub fn drop_epoch_suffix(id: &str) -> &str {
    match id.rsplit_once("_epoch_") {
        Some((base, n))
            if !base.is_empty() && !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) =>
        {
            base
        }
        _ => id,
    }
}

fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
