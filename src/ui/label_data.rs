//! The human labels, shared by the annotate and agreement pages through Leptos context: the
//! label log replayed from IndexedDB once, the annotator's name (kept in this browser's
//! localStorage), and the one way to change labels — [`LabelData::store`], which writes the
//! events and only then applies them. The logic is `labels`; this module stores and bumps
//! signals.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::labels::log::{Event, Replayed};
use crate::labels::{LabelSet, jsonl};

use super::label_log;

const ANNOTATOR_KEY: &str = "em-lab-annotator";

#[derive(Debug, Clone, PartialEq)]
pub enum LabelStatus {
    Loading,
    Ready,
    Failed(String),
}

#[derive(Clone, Copy)]
pub struct LabelData {
    pub status: RwSignal<LabelStatus>,
    /// Bumped whenever the labels change.
    pub version: RwSignal<u64>,
    /// Empty until the annotator has said who they are.
    pub annotator: RwSignal<String>,
    /// Records of the stored log that could not be read (counted, never dropped silently).
    pub unreadable: RwSignal<usize>,
    replayed: StoredValue<Replayed>,
    started: StoredValue<bool>,
}

/// This browser's localStorage (the app's small settings: names, sync settings, queues).
pub fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

pub fn provide_label_data() {
    let annotator = local_storage()
        .and_then(|s| s.get_item(ANNOTATOR_KEY).ok().flatten())
        .unwrap_or_default();
    provide_context(LabelData {
        status: RwSignal::new(LabelStatus::Loading),
        version: RwSignal::new(0),
        annotator: RwSignal::new(annotator),
        unreadable: RwSignal::new(0),
        replayed: StoredValue::new(Replayed::default()),
        started: StoredValue::new(false),
    });
}

/// The labels, loading the log on first use.
pub fn use_labels() -> LabelData {
    let data = expect_context::<LabelData>();
    data.load();
    data
}

impl LabelData {
    /// Reads the log from IndexedDB, once.
    pub fn load(self) {
        if self.started.get_value() {
            return;
        }
        self.started.set_value(true);
        spawn_local(async move {
            match label_log::load().await {
                Ok(records) => {
                    let replayed = Replayed::from_records(records.iter().map(String::as_str));
                    self.unreadable.set(replayed.unreadable);
                    self.replayed.set_value(replayed);
                    self.status.set(LabelStatus::Ready);
                    self.version.update(|v| *v += 1);
                }
                Err(e) => self.status.set(LabelStatus::Failed(e)),
            }
        });
    }

    /// Reads the labels (track `version` to follow changes).
    pub fn with<R>(&self, f: impl FnOnce(&Replayed) -> R) -> R {
        self.replayed.with_value(f)
    }

    /// Writes `events` to the log; applies them once the write has completed.
    pub async fn store(self, events: Vec<Event>) -> Result<(), String> {
        let records: Vec<String> = events.iter().map(Event::encode).collect();
        label_log::append(&records).await?;
        self.replayed
            .update_value(|r| events.into_iter().for_each(|e| r.apply(e)));
        self.version.update(|v| *v += 1);
        Ok(())
    }

    /// Merges an imported (and checked) set: its new versions are stored, then applied.
    /// Returns the events that were new.
    pub async fn merge(self, set: LabelSet) -> Result<Vec<Event>, String> {
        let known = self.replayed.with_value(|r| r.labels.clone());
        let fresh: Vec<Event> = set
            .versions()
            .filter(|(k, v)| !known.history(k).any(|h| h == *v))
            .map(|(k, v)| Event::Label(k.clone(), v.clone()))
            .collect();
        if !fresh.is_empty() {
            self.store(fresh.clone()).await?;
        }
        Ok(fresh)
    }

    /// The lossless export of every label this browser knows.
    pub fn export_jsonl(&self) -> String {
        self.with(|r| jsonl::export(&r.labels))
    }

    pub fn set_annotator(&self, name: &str) {
        let name = name.trim().to_string();
        if let Some(s) = local_storage() {
            let _ = s.set_item(ANNOTATOR_KEY, &name);
        }
        self.annotator.set(name);
    }
}
