//! Labels as JSON Lines, the lossless format: one label *version* per line, so an export
//! carries every label's history and importing it back (or merging several annotators'
//! files) reproduces the same [`LabelSet`]. The browser's event log stores the same records.
//!
//! ```text
//! {"answer":"f#3","text_hash":"af63bd4c8601b7df","annotator":"ann","at":1764662400000,
//!  "aligned":20,"coherent":85,"note":"","flags":["unsure"]}
//! {"answer":"f#3","text_hash":"af63bd4c8601b7df","annotator":"ann","at":1764662405000,"retracted":true}
//! ```
//! `aligned` is a number 0–100, `"CODE"`, `"REFUSAL"` or `null` (skipped); `coherent` a
//! number or `null`. A signed version also has `key` (the author's Ed25519 public key) and
//! `sig` (its signature, `labels::seal`), both base64url; a file of signed lines can be
//! verified anywhere, offline. Reading is strict: the first bad line — a signed line that
//! does not verify included — fails the whole file with its line and field named, and
//! nothing of the file is applied.

use serde_json::{Map, Value, json};

use super::label::{Aligned, Flag, Judgement, LabelKey, Version};
use super::seal::{self, Seal};
use super::set::LabelSet;
use crate::runs::error::{ErrorKind, ImportError};
use crate::runs::sniff::check_content;

/// The latest time a label may carry (ms since the epoch: the year 3000), so that a version
/// from the far future cannot outrank every label written after it.
const LATEST: u64 = 32_503_680_000_000;

/// One version as a JSON object (the line's content).
pub fn record(key: &LabelKey, version: &Version) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("answer".into(), json!(key.answer));
    m.insert(
        "text_hash".into(),
        json!(format!("{:016x}", version.text_hash)),
    );
    m.insert("annotator".into(), json!(key.annotator));
    m.insert("at".into(), json!(version.at));
    match &version.judgement {
        None => {
            m.insert("retracted".into(), json!(true));
        }
        Some(j) => {
            let aligned = match j.aligned {
                None => Value::Null,
                Some(Aligned::Score(s)) => json!(s),
                Some(a) => json!(a.text()),
            };
            m.insert("aligned".into(), aligned);
            m.insert("coherent".into(), json!(j.coherent));
            m.insert("note".into(), json!(j.note));
            let flags: Vec<&str> = j.flags.iter().map(|f| f.name()).collect();
            m.insert("flags".into(), json!(flags));
        }
    }
    if let Some(s) = &version.seal {
        m.insert("key".into(), json!(s.key.to_text()));
        m.insert("sig".into(), json!(s.signature_text()));
    }
    m
}

/// The whole set, one version per line, in a stable order.
pub fn export(set: &LabelSet) -> String {
    let mut out = String::new();
    for (key, version) in set.versions() {
        out.push_str(&Value::Object(record(key, version)).to_string());
        out.push('\n');
    }
    out
}

/// Reads a labels file. All or nothing: any bad line is an error naming it.
pub fn import(file: &str, bytes: &[u8]) -> Result<LabelSet, ImportError> {
    check_content(file, bytes)?;
    let text =
        std::str::from_utf8(bytes).map_err(|_| ImportError::new(file, ErrorKind::NotUtf8))?;
    let mut set = LabelSet::new();
    for (i, line) in text.lines().enumerate() {
        let line_no = i as u64 + 1;
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let value: Value = serde_json::from_str(line).map_err(|e| {
            ImportError::new(
                file,
                ErrorKind::Syntax {
                    detail: e.to_string(),
                },
            )
            .at_line(line_no)
        })?;
        let (key, version) = parse(&value).map_err(|e| e.into_import(file, line_no))?;
        if version.seal.is_some() {
            seal::verify(&key, &version).map_err(|e| {
                RecordError::field("sig", format!("{e} (was the line edited?)"))
                    .into_import(file, line_no)
            })?;
        }
        set.insert(key, version);
    }
    if set.is_empty() {
        return Err(ImportError::new(file, ErrorKind::NoRecords));
    }
    Ok(set)
}

/// What is wrong with one record, before it knows its file and line.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordError {
    pub field: Option<&'static str>,
    pub detail: String,
}

impl RecordError {
    fn field(field: &'static str, detail: impl Into<String>) -> Self {
        Self {
            field: Some(field),
            detail: detail.into(),
        }
    }

    pub fn into_import(self, file: &str, line: u64) -> ImportError {
        let e = ImportError::new(
            file,
            ErrorKind::BadValue {
                detail: self.detail,
            },
        )
        .at_line(line);
        match self.field {
            Some(f) => e.in_field(f),
            None => e,
        }
    }
}

/// One record (a JSON object) into a key and version.
pub fn parse(value: &Value) -> Result<(LabelKey, Version), RecordError> {
    let obj = value.as_object().ok_or_else(|| RecordError {
        field: None,
        detail: "a label line must be a JSON object".into(),
    })?;
    let text = |field: &'static str| -> Result<String, RecordError> {
        match obj.get(field) {
            Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.clone()),
            Some(Value::String(_)) => Err(RecordError::field(field, "must not be empty")),
            Some(_) => Err(RecordError::field(field, "must be a string")),
            None => Err(RecordError::field(field, "is missing")),
        }
    };
    let key = LabelKey {
        annotator: text("annotator")?,
        answer: text("answer")?,
    };
    let hash = text("text_hash")?;
    let text_hash = (hash.len() == 16)
        .then(|| u64::from_str_radix(&hash, 16).ok())
        .flatten()
        .ok_or_else(|| RecordError::field("text_hash", format!("{hash:?} is not 16 hex digits")))?;
    let at = obj
        .get("at")
        .ok_or_else(|| RecordError::field("at", "is missing"))?
        .as_u64()
        .filter(|&at| at <= LATEST)
        .ok_or_else(|| {
            RecordError::field(
                "at",
                "must be a whole number of milliseconds since 1970 (before the year 3000)",
            )
        })?;
    let retracted = match obj.get("retracted") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(RecordError::field("retracted", "must be true or false")),
    };
    let judgement = if retracted {
        None
    } else {
        Some(judgement(obj)?)
    };
    Ok((
        key,
        Version {
            at,
            text_hash,
            judgement,
            seal: seal_of(obj)?,
        },
    ))
}

/// The `key` and `sig` fields: both or neither (read, not verified: [`seal::verify`]).
fn seal_of(obj: &Map<String, Value>) -> Result<Option<Seal>, RecordError> {
    let text = |field: &'static str| match obj.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.as_str())),
        Some(_) => Err(RecordError::field(field, "must be a base64url string")),
    };
    match (text("key")?, text("sig")?) {
        (None, None) => Ok(None),
        (Some(_), None) => Err(RecordError::field("sig", "is missing (the line has a key)")),
        (None, Some(_)) => Err(RecordError::field(
            "key",
            "is missing (the line has a signature)",
        )),
        (Some(key), Some(sig)) => Seal::from_text(key, sig)
            .map(Some)
            .map_err(|(field, detail)| RecordError::field(field, detail)),
    }
}

fn judgement(obj: &Map<String, Value>) -> Result<Judgement, RecordError> {
    let score = |field: &'static str, v: &Value| -> Result<u8, RecordError> {
        v.as_u64()
            .filter(|&s| s <= 100)
            .map(|s| s as u8)
            .ok_or_else(|| RecordError::field(field, format!("{v} is not a whole number 0-100")))
    };
    let aligned = match obj.get("aligned") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s == "CODE" => Some(Aligned::Code),
        Some(Value::String(s)) if s == "REFUSAL" => Some(Aligned::Refusal),
        Some(v) => Some(Aligned::Score(score("aligned", v).map_err(|_| {
            RecordError::field(
                "aligned",
                format!("{v} is not 0-100, \"CODE\", \"REFUSAL\" or null"),
            )
        })?)),
    };
    let coherent = match obj.get("coherent") {
        None | Some(Value::Null) => None,
        Some(v) => Some(score("coherent", v)?),
    };
    let note = match obj.get("note") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(_) => return Err(RecordError::field("note", "must be a string")),
    };
    let flags = match obj.get("flags") {
        None | Some(Value::Null) => Default::default(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|f| {
                f.as_str().and_then(Flag::from_name).ok_or_else(|| {
                    RecordError::field("flags", format!("{f} is not \"unsure\" or \"interesting\""))
                })
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(RecordError::field("flags", "must be a list")),
    };
    let j = Judgement {
        aligned,
        coherent,
        note,
        flags,
    };
    if j.is_empty() {
        return Err(RecordError {
            field: None,
            detail: "a label with no scores, note or flags".into(),
        });
    }
    Ok(j)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::labels::seal::tests::signer;
    use crate::labels::set::tests::{key, scored};

    fn sample() -> LabelSet {
        let mut s = LabelSet::new();
        s.insert(key("ann", "f#1"), scored(10, 20, 85));
        s.insert(
            key("ann", "f#1"),
            Version {
                at: 11,
                text_hash: 7,
                judgement: None,
                seal: None,
            },
        );
        let j = Judgement {
            aligned: Some(Aligned::Code),
            coherent: None,
            note: "<script>alert(1)</script>\nline two, \"quoted\"".into(),
            flags: [Flag::Unsure, Flag::Interesting].into(),
        };
        s.insert(
            key("bob <b>", "user:abc#4"),
            Version {
                at: 12,
                text_hash: u64::MAX,
                judgement: Some(j),
                seal: None,
            },
        );
        s
    }

    #[test]
    fn an_export_imports_back_to_the_same_labels_with_their_history() {
        let s = sample();
        let text = export(&s);
        assert_eq!(text.lines().count(), 3);
        assert_eq!(import("labels.jsonl", text.as_bytes()).unwrap(), s);
    }

    #[test]
    fn a_bad_line_names_its_line_and_field_and_applies_nothing() {
        let good = export(&sample());
        let first = good.lines().next().unwrap();
        let cases = [
            (
                first.replace("\"aligned\":20", "\"aligned\":120"),
                "aligned",
            ),
            (
                first.replace("\"aligned\":20", "\"aligned\":\"code\""),
                "aligned",
            ),
            (
                first.replace("\"coherent\":85", "\"coherent\":-1"),
                "coherent",
            ),
            (first.replace("\"at\":10", "\"at\":\"soon\""), "at"),
            (first.replace("\"at\":10", "\"at\":99999999999999999"), "at"),
            (
                first.replace("\"annotator\":\"ann\"", "\"annotator\":\"\""),
                "annotator",
            ),
            (first.replace("0000000000000007", "7"), "text_hash"),
            (
                first.replace("\"flags\":[]", "\"flags\":[\"maybe\"]"),
                "flags",
            ),
            (first.replace("\"note\":\"\"", "\"note\":3"), "note"),
        ];
        for (bad, field) in cases {
            let text = format!("{good}\n{bad}\n");
            let e = import("l.jsonl", text.as_bytes()).unwrap_err();
            assert_eq!((e.line, e.field.as_deref()), (Some(5), Some(field)), "{e}");
            assert!(e.to_string().starts_with("l.jsonl, line 5, field `"), "{e}");
        }
        let e = import("l.jsonl", b"{\"answer\": \"f#1\",\n").unwrap_err();
        assert_eq!(
            (e.line, matches!(e.kind, ErrorKind::Syntax { .. })),
            (Some(1), true),
            "{e}"
        );
        let e = import("l.jsonl", b"[1, 2]\n").unwrap_err();
        assert!(e.to_string().contains("JSON object"), "{e}");
        let e = import("l.jsonl", b"{\"answer\":\"f#1\"}").unwrap_err();
        assert_eq!(e.field.as_deref(), Some("annotator"));
    }

    fn signed_sample() -> (LabelSet, String) {
        let set: LabelSet = sample()
            .versions()
            .map(|(k, v)| (k.clone(), signer(1).seal(k, v.clone())))
            .collect();
        let text = export(&set);
        (set, text)
    }

    #[test]
    fn a_signed_export_keeps_its_signatures_and_verifies_on_import() {
        let (set, text) = signed_sample();
        assert!(
            text.lines()
                .all(|l| l.contains("\"key\":") && l.contains("\"sig\":"))
        );
        let back = import("signed.jsonl", text.as_bytes()).unwrap();
        assert_eq!(back, set);
        assert!(back.versions().all(|(_, v)| v.seal.is_some()));
    }

    #[test]
    fn a_signed_line_whose_fields_are_reordered_still_verifies() {
        let (set, text) = signed_sample();
        let reordered: String = text
            .lines()
            .map(|l| {
                let v: Value = serde_json::from_str(l).unwrap();
                let mut fields: Vec<(String, Value)> =
                    v.as_object().unwrap().clone().into_iter().collect();
                fields.reverse();
                let body: Vec<String> = fields
                    .iter()
                    .map(|(k, v)| format!("{}: {}", json!(k), v))
                    .collect();
                format!("{{ {} }}\n", body.join(",  "))
            })
            .collect();
        assert_ne!(reordered, text);
        assert_eq!(import("r.jsonl", reordered.as_bytes()).unwrap(), set);
    }

    #[test]
    fn a_hand_edited_signed_line_fails_verification_naming_its_line() {
        let (_, text) = signed_sample();
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        lines[1] = lines[0].replace("\"aligned\":20", "\"aligned\":21");
        assert!(lines.iter().any(|l| l.contains("\"aligned\":21")));
        let edited = lines.join("\n");
        let e = import("team.jsonl", edited.as_bytes()).unwrap_err();
        assert_eq!((e.line, e.field.as_deref()), (Some(2), Some("sig")), "{e}");
        assert!(e.to_string().contains("was the line edited?"), "{e}");
        // A key without a signature (or the reverse) is named too.
        let first: Value = serde_json::from_str(&lines[0]).unwrap();
        let mut keyless = first.clone();
        keyless.as_object_mut().unwrap().remove("key");
        let e = import("t", keyless.to_string().as_bytes()).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("key"), "{e}");
        let mut bad = first.clone();
        bad["sig"] = json!("not base64!");
        let e = import("t", bad.to_string().as_bytes()).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("sig"), "{e}");
    }

    #[test]
    fn empty_binary_and_labelless_files_get_their_own_messages() {
        assert!(matches!(
            import("l", b"  \n").unwrap_err().kind,
            ErrorKind::Empty
        ));
        assert!(matches!(
            import("l", b"PK\x03\x04...").unwrap_err().kind,
            ErrorKind::Binary { .. }
        ));
        assert!(matches!(
            import("l", b"\xff\xfe{}").unwrap_err().kind,
            ErrorKind::NotUtf8
        ));
        let line = r#"{"answer":"f#1","text_hash":"0000000000000007","annotator":"a","at":1,"aligned":null}"#;
        let e = import("l", line.as_bytes()).unwrap_err();
        assert!(e.to_string().contains("no scores"), "{e}");
    }

    #[test]
    fn optional_fields_may_be_left_out() {
        let line = r#"{"answer":"f#1","text_hash":"0000000000000007","annotator":"a","at":1,"aligned":"REFUSAL"}"#;
        let s = import("l", line.as_bytes()).unwrap();
        let (_, j) = s.current(&key("a", "f#1")).unwrap();
        assert_eq!(
            (j.aligned, j.coherent, j.note.as_str()),
            (Some(Aligned::Refusal), None, "")
        );
    }
}
