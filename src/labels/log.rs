//! The browser's append-only log of label actions (IndexedDB holds one record per event).
//!
//! Everything an annotator does that must survive a reload is an [`Event`]: a label version
//! (a submit, an undo, a redo — each a new version, so nothing is ever overwritten) or a skip.
//! Replaying the log in any order rebuilds the same state, because label versions merge as
//! a set and skips resolve by time.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::jsonl::{self, RecordError};
use super::label::{LabelKey, Version};
use super::set::LabelSet;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    Label(LabelKey, Version),
    /// `skipped: false` undoes a skip.
    Skip {
        key: LabelKey,
        skipped: bool,
        at: u64,
    },
}

impl Event {
    /// The record stored for the event: a label's is exactly its JSONL export line.
    pub fn encode(&self) -> String {
        match self {
            Event::Label(key, version) => Value::Object(jsonl::record(key, version)).to_string(),
            Event::Skip { key, skipped, at } => json!({
                "event": "skip",
                "annotator": key.annotator,
                "answer": key.answer,
                "skipped": skipped,
                "at": at,
            })
            .to_string(),
        }
    }

    pub fn decode(text: &str) -> Result<Event, RecordError> {
        let value: Value = serde_json::from_str(text).map_err(|e| RecordError {
            field: None,
            detail: e.to_string(),
        })?;
        if value.get("event").and_then(Value::as_str) != Some("skip") {
            let (key, version) = jsonl::parse(&value)?;
            return Ok(Event::Label(key, version));
        }
        let text = |f: &'static str| value.get(f).and_then(Value::as_str).map(str::to_string);
        let bad = |f: &'static str| RecordError {
            field: Some(f),
            detail: "is missing or of the wrong type".into(),
        };
        Ok(Event::Skip {
            key: LabelKey {
                annotator: text("annotator").ok_or_else(|| bad("annotator"))?,
                answer: text("answer").ok_or_else(|| bad("answer"))?,
            },
            skipped: value
                .get("skipped")
                .and_then(Value::as_bool)
                .ok_or_else(|| bad("skipped"))?,
            at: value
                .get("at")
                .and_then(Value::as_u64)
                .ok_or_else(|| bad("at"))?,
        })
    }
}

/// What a log adds up to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Replayed {
    pub labels: LabelSet,
    /// The newest skip event per key: `(at, skipped)`.
    skips: BTreeMap<LabelKey, (u64, bool)>,
    /// Records that did not decode (kept out, counted so the page can say so).
    pub unreadable: usize,
}

impl Replayed {
    pub fn apply(&mut self, event: Event) {
        match event {
            Event::Label(key, version) => {
                self.labels.insert(key, version);
            }
            Event::Skip { key, skipped, at } => {
                let entry = self.skips.entry(key).or_insert((at, skipped));
                if (at, skipped) > *entry {
                    *entry = (at, skipped);
                }
            }
        }
    }

    /// Replays stored records.
    pub fn from_records<'a>(records: impl IntoIterator<Item = &'a str>) -> Self {
        let mut r = Replayed::default();
        for record in records {
            match Event::decode(record) {
                Ok(e) => r.apply(e),
                Err(_) => r.unreadable += 1,
            }
        }
        r
    }

    /// Skipped and not labelled since.
    pub fn is_skipped(&self, key: &LabelKey) -> bool {
        let Some(&(at, true)) = self.skips.get(key) else {
            return false;
        };
        // A retraction (an undo) does not end a skip: the answer is as it was.
        self.labels.current(key).is_none_or(|(v, _)| v.at < at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::labels::set::tests::{key, scored};

    #[test]
    fn events_survive_their_stored_form() {
        let events = [
            Event::Label(key("ann", "f#1"), scored(3, 20, 80)),
            Event::Label(
                key("ann", "f#1"),
                Version {
                    at: 4,
                    text_hash: 9,
                    judgement: None,
                    seal: None,
                },
            ),
            Event::Skip {
                key: key("ann", "f#2"),
                skipped: true,
                at: 5,
            },
        ];
        for e in events {
            assert_eq!(Event::decode(&e.encode()).unwrap(), e);
        }
    }

    #[test]
    fn replaying_in_any_order_gives_the_same_state() {
        let events = [
            Event::Label(key("ann", "f#1"), scored(1, 20, 80)),
            Event::Label(key("ann", "f#1"), scored(2, 90, 80)),
            Event::Skip {
                key: key("ann", "f#2"),
                skipped: true,
                at: 3,
            },
            Event::Skip {
                key: key("ann", "f#2"),
                skipped: false,
                at: 4,
            },
        ]
        .map(|e| e.encode());
        let forward = Replayed::from_records(events.iter().map(String::as_str));
        let backward = Replayed::from_records(events.iter().rev().map(String::as_str));
        assert_eq!(forward, backward);
        assert!(!forward.is_skipped(&key("ann", "f#2")));
        assert_eq!(forward.labels.current(&key("ann", "f#1")).unwrap().0.at, 2);
    }

    #[test]
    fn a_skip_ends_when_the_answer_is_labelled_later() {
        let mut r = Replayed::default();
        r.apply(Event::Skip {
            key: key("ann", "f#2"),
            skipped: true,
            at: 3,
        });
        assert!(r.is_skipped(&key("ann", "f#2")));
        r.apply(Event::Label(key("ann", "f#2"), scored(4, 50, 50)));
        assert!(!r.is_skipped(&key("ann", "f#2")));
    }

    #[test]
    fn an_unreadable_record_is_counted_and_the_rest_replay() {
        let good = Event::Label(key("ann", "f#1"), scored(1, 20, 80)).encode();
        let r = Replayed::from_records([good.as_str(), "{not json", r#"{"event":"skip"}"#]);
        assert_eq!((r.unreadable, r.labels.labels().count()), (2, 1));
    }
}
