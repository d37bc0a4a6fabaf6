//! The human labels, shared by the annotate and agreement pages and team sync through Leptos
//! context: the label log replayed from IndexedDB once, the annotator's identity (name and
//! signing key, `ui::identity`), the key ring and the labels kept aside this visit, and the
//! ways labels change — [`LabelData::store_own`] (signs, writes, and only then applies),
//! [`LabelData::merge`] (an imported file) and [`LabelData::take_in`] (a sync pull), both
//! judged by the key ring first. The logic is `labels`; this module stores and bumps signals.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::labels::log::{Event, Replayed};
use crate::labels::seal::PublicKey;
use crate::labels::trust::{Doubt, KeyRing, SetAside, Source};
use crate::labels::{LabelKey, LabelSet, Version, jsonl};

use super::identity::{self, Identity};
use super::label_log;

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
    /// Empty until the annotator has said who they are (or while they change it).
    pub annotator: RwSignal<String>,
    /// Records of the stored log that could not be read (counted, never dropped silently).
    pub unreadable: RwSignal<usize>,
    /// The keys pinned per annotator.
    pub ring: RwSignal<KeyRing>,
    /// Labels from a server or a file that failed the key ring this visit: never applied.
    pub set_aside: RwSignal<SetAside>,
    identity: StoredValue<Option<Identity>, LocalStorage>,
    replayed: StoredValue<Replayed>,
    started: StoredValue<bool>,
}

pub fn provide_label_data() {
    provide_context(LabelData {
        status: RwSignal::new(LabelStatus::Loading),
        version: RwSignal::new(0),
        annotator: RwSignal::new(String::new()),
        unreadable: RwSignal::new(0),
        ring: RwSignal::new(KeyRing::default()),
        set_aside: RwSignal::new(SetAside::default()),
        identity: StoredValue::new_local(None),
        replayed: StoredValue::new(Replayed::default()),
        started: StoredValue::new(false),
    });
}

/// Label versions as events of the log.
fn label_events(versions: Vec<(LabelKey, Version)>) -> Vec<Event> {
    versions
        .into_iter()
        .map(|(k, v)| Event::Label(k, v))
        .collect()
}

/// The labels, loading the log on first use.
pub fn use_labels() -> LabelData {
    let data = expect_context::<LabelData>();
    data.load();
    data
}

impl LabelData {
    /// Reads the identity, the key ring and the log from IndexedDB, once.
    pub fn load(self) {
        if self.started.get_value() {
            return;
        }
        self.started.set_value(true);
        spawn_local(async move {
            let loaded = async {
                let (me, mut ring) = identity::load().await?;
                if let Some(me) = &me
                    && ring.trust(&me.name, me.public)
                {
                    identity::save_keyring(&ring).await?;
                }
                Ok::<_, String>((me, ring, label_log::load().await?))
            };
            match loaded.await {
                Ok((me, ring, records)) => {
                    let replayed = Replayed::from_records(records.iter().map(String::as_str));
                    self.unreadable.set(replayed.unreadable);
                    self.replayed.set_value(replayed);
                    self.ring.set(ring);
                    self.annotator
                        .set(me.as_ref().map(|m| m.name.clone()).unwrap_or_default());
                    self.identity.set_value(me);
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

    /// This browser's public key (`None` before a name was given).
    pub fn own_key(&self) -> Option<PublicKey> {
        self.identity.with_value(|i| i.as_ref().map(|i| i.public))
    }

    /// Whether the signing key is WebCrypto's non-extractable one.
    pub fn key_is_sealed_in_browser(&self) -> bool {
        self.identity
            .with_value(|i| i.as_ref().is_some_and(Identity::key_is_sealed_in_browser))
    }

    /// Writes `events` to the log; applies them once the write has completed.
    async fn store(self, events: Vec<Event>) -> Result<(), String> {
        let records: Vec<String> = events.iter().map(Event::encode).collect();
        label_log::append(&records).await?;
        self.replayed
            .update_value(|r| events.into_iter().for_each(|e| r.apply(e)));
        self.version.update(|v| *v += 1);
        Ok(())
    }

    /// The annotator's own actions: each label version signed with this browser's key,
    /// then stored and applied. Returns the events as stored (signed).
    pub async fn store_own(self, events: Vec<Event>) -> Result<Vec<Event>, String> {
        let me = self
            .identity
            .get_value()
            .ok_or("say who you are before labelling")?;
        let mut sealed = Vec::with_capacity(events.len());
        for e in events {
            sealed.push(match e {
                Event::Label(key, version) if version.seal.is_none() => {
                    let version = me.seal(&key, version).await?;
                    Event::Label(key, version)
                }
                other => other,
            });
        }
        self.store(sealed.clone()).await?;
        Ok(sealed)
    }

    /// Labels from elsewhere, judged by the key ring: pins are stored first, then what is
    /// accepted; what fails is kept aside (under `from`). Returns the events stored.
    async fn take(
        self,
        from: &str,
        events: Vec<Event>,
        set_aside: Vec<(LabelKey, Version, Doubt)>,
        pinned: bool,
    ) -> Result<Vec<Event>, String> {
        if pinned {
            identity::save_keyring(&self.ring.get_untracked()).await?;
        }
        if !set_aside.is_empty() {
            self.set_aside.update(|s| s.add(from, set_aside));
        }
        if !events.is_empty() {
            self.store(events.clone()).await?;
        }
        Ok(events)
    }

    /// What a sync pull judged (`labels::sync::Replica::pulled`, with [`Self::ring`]): its
    /// pins and fresh versions are stored, its doubtful ones kept aside.
    pub async fn take_in(
        self,
        server: &str,
        pulled: crate::labels::sync::Pulled,
    ) -> Result<(), String> {
        self.take(
            server,
            pulled.fresh,
            pulled.set_aside,
            !pulled.pinned.is_empty(),
        )
        .await
        .map(drop)
    }

    /// Merges an imported (and checked) set: its new versions are judged by the key ring,
    /// stored, then applied. Returns the events stored and how many were kept aside.
    pub async fn merge(self, file: &str, set: LabelSet) -> Result<(Vec<Event>, usize), String> {
        let fresh: Vec<(LabelKey, Version)> = self.replayed.with_value(|r| {
            set.versions()
                .filter(|(k, v)| !r.labels.history(k).any(|h| h == *v))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        });
        let admitted = self
            .ring
            .try_update_untracked(|ring| ring.admit(fresh, Source::File))
            .unwrap_or_default();
        if !admitted.pinned.is_empty() {
            self.ring.notify();
        }
        let aside = admitted.set_aside.len();
        let stored = self
            .take(
                file,
                label_events(admitted.accepted),
                admitted.set_aside,
                !admitted.pinned.is_empty(),
            )
            .await?;
        Ok((stored, aside))
    }

    /// The user trusts `key` for `annotator` (having checked its fingerprint with them): it is
    /// pinned, and the labels kept aside for it are taken in.
    pub async fn trust_key(self, annotator: &str, key: PublicKey) -> Result<usize, String> {
        self.ring.update(|r| {
            r.trust(annotator, key);
        });
        let released = self
            .set_aside
            .try_update(|s| s.release(annotator, key))
            .unwrap_or_default();
        let stored = self
            .take("", label_events(released), Vec::new(), true)
            .await?;
        Ok(stored.len())
    }

    /// The lossless export of every label this browser knows (signatures included).
    pub fn export_jsonl(&self) -> String {
        self.with(|r| jsonl::export(&r.labels))
    }

    /// Names the annotator: the identity (with a new signing key the first time) is on disk
    /// before the name is taken, so no label is ever saved under a name a crash could lose.
    pub async fn name_annotator(self, name: &str) -> Result<(), String> {
        let name = name.trim().to_string();
        let me = identity::save(self.identity.get_value(), &name).await?;
        // (Changed in place: a sync round may pin keys while this waits.)
        let pinned = self
            .ring
            .try_update(|r| r.trust(&me.name, me.public))
            .unwrap_or(false);
        if pinned {
            identity::save_keyring(&self.ring.get_untracked()).await?;
        }
        self.identity.set_value(Some(me));
        self.annotator.set(name);
        Ok(())
    }

    /// Shows the name form again (the stored name stays until a new one is saved).
    pub fn change_annotator(&self) {
        self.annotator.set(String::new());
    }

    /// The stored name (for the form).
    pub fn stored_name(&self) -> String {
        self.identity
            .with_value(|i| i.as_ref().map(|i| i.name.clone()))
            .unwrap_or_default()
    }
}
