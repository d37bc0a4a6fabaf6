//! Team sync's network side: signs in to a CouchDB (or CouchDB-protocol) server with its own
//! users and sessions, then runs rounds — pull `_changes`, judge what is new by the key ring
//! and store what passes in the label log, push own labels with `_bulk_docs` — every few
//! seconds and soon after a save, while the app is open. What a round sends and takes in is
//! `labels::sync`; this module makes the calls (cookie session, 10 s timeout each) and keeps
//! the status signal. Settings are kept in localStorage; the password only in memory, for
//! signing in again: when the server stops taking the session (it restarted, or the session
//! ran out) the next round signs in again with it and starts over from what the server holds;
//! without it (after a reload) the status asks for it and says how many labels wait.

use gloo_net::http::{Method, RequestBuilder};
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::{Value, json};
use wasm_bindgen::JsCast;
use web_sys::RequestCredentials;

use crate::labels::sync::{Replica, Settings, SyncStatus};

use super::browser::{local_storage, now_ms, sleep_ms, yield_now};
use super::label_data::{LabelData, LabelStatus};

const SETTINGS_KEY: &str = "em-lab-sync";
/// Pages of `_changes` and batches of `_bulk_docs`.
const PAGE: usize = 500;
/// Each call's timeout, in milliseconds.
const TIMEOUT_MS: i32 = 10_000;

#[derive(Clone, Copy)]
pub struct TeamSync {
    pub status: RwSignal<SyncStatus>,
    pub settings: RwSignal<Settings>,
    /// Documents on the server that could not be read (skipped): (id, why).
    pub unreadable: RwSignal<Vec<(String, String)>>,
    /// Bumped when the password is wanted (the panel then focuses its field).
    pub password_wanted: RwSignal<u64>,
    password: StoredValue<String>,
    replica: StoredValue<Replica>,
    /// Bumped on connect and disconnect: a running loop of an older generation stops.
    generation: StoredValue<u64>,
}

enum Fault {
    Offline(String),
    Unauthorized(String),
    Other(String),
}

fn saved_settings() -> Option<Settings> {
    let text = local_storage()?.get_item(SETTINGS_KEY).ok()??;
    let v: Value = serde_json::from_str(&text).ok()?;
    let s = |k: &str| {
        v.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    Some(Settings {
        server: s("server"),
        database: s("database"),
        user: s("user"),
    })
}

pub fn provide_team_sync(labels: LabelData) {
    let saved = saved_settings();
    let sync = TeamSync {
        status: RwSignal::new(SyncStatus::Off),
        settings: RwSignal::new(saved.clone().unwrap_or_default()),
        unreadable: RwSignal::new(Vec::new()),
        password_wanted: RwSignal::new(0),
        password: StoredValue::new(String::new()),
        replica: StoredValue::new(Replica::default()),
        generation: StoredValue::new(0),
    };
    provide_context(sync);
    // A saved connection resumes on its session cookie, if the server still has it.
    if saved.is_some_and(|s| s.problem().is_none()) {
        sync.start(labels);
    }
}

pub fn use_team_sync() -> TeamSync {
    expect_context::<TeamSync>()
}

/// One HTTP call with the session cookie and a timeout: (status, JSON body).
async fn call(method: Method, url: &str, body: Option<&Value>) -> Result<(u16, Value), Fault> {
    let controller =
        web_sys::AbortController::new().map_err(|_| Fault::Other("no AbortController".into()))?;
    let abort = controller.clone();
    let timer = wasm_bindgen::closure::Closure::once_into_js(move || abort.abort());
    if let Some(w) = web_sys::window() {
        let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(
            timer.unchecked_ref(),
            TIMEOUT_MS,
        );
    }
    let request = RequestBuilder::new(url)
        .method(method)
        .credentials(RequestCredentials::Include)
        .header("Accept", "application/json")
        .abort_signal(Some(&controller.signal()));
    let sent = match body {
        Some(b) => {
            request
                .json(b)
                .map_err(|e| Fault::Other(e.to_string()))?
                .send()
                .await
        }
        None => request.send().await,
    };
    let response = sent.map_err(|_| Fault::Offline("the server cannot be reached".into()))?;
    let status = response.status();
    let text = response
        .text()
        .await
        .map_err(|_| Fault::Offline("the reply was cut off".into()))?;
    let value: Value = serde_json::from_str(&text).map_err(|_| {
        Fault::Other(format!(
            "HTTP {status}: the reply is not JSON (is this a CouchDB server?)"
        ))
    })?;
    let reason = || {
        value
            .get("reason")
            .and_then(Value::as_str)
            .unwrap_or_else(|| value.get("error").and_then(Value::as_str).unwrap_or(""))
            .to_string()
    };
    match status {
        200..=299 => Ok((status, value)),
        401 => Err(Fault::Unauthorized(reason())),
        403 => Err(Fault::Other(format!("the server refused: {}", reason()))),
        404 => Err(Fault::Other(format!(
            "not found on the server ({})",
            reason()
        ))),
        _ => Err(Fault::Other(format!("HTTP {status}: {}", reason()))),
    }
}

impl TeamSync {
    /// Saves the settings and starts syncing (signing in with `password`).
    pub fn connect(self, labels: LabelData, settings: Settings, password: String) {
        if let Some(s) = local_storage() {
            let v = json!({ "server": settings.server, "database": settings.database, "user": settings.user });
            let _ = s.set_item(SETTINGS_KEY, &v.to_string());
        }
        self.settings.set(settings);
        self.password.set_value(password);
        self.start(labels);
    }

    pub fn disconnect(self) {
        self.generation.update_value(|g| *g += 1);
        if let Some(s) = local_storage() {
            let _ = s.remove_item(SETTINGS_KEY);
        }
        self.status.set(SyncStatus::Off);
    }

    fn start(self, labels: LabelData) {
        self.generation.update_value(|g| *g += 1);
        self.replica.set_value(Replica::default());
        let generation = self.generation.get_value();
        self.status.set(SyncStatus::Connecting);
        spawn_local(self.run(labels, generation));
    }

    async fn login(self) -> Result<(), Fault> {
        let s = self.settings.get_untracked();
        let password = self.password.get_value();
        if password.is_empty() {
            return Err(Fault::Unauthorized(
                "enter your password to sign in again".into(),
            ));
        }
        call(
            Method::POST,
            &s.session_url(),
            Some(&json!({ "name": s.user, "password": password })),
        )
        .await
        .map(|_| ())
        .map_err(|f| match f {
            Fault::Unauthorized(_) => {
                Fault::Unauthorized("the server did not accept this name and password".into())
            }
            other => other,
        })
    }

    async fn run(self, labels: LabelData, generation: u64) {
        let current = move || self.generation.get_value() == generation;
        // Rounds compare with the stored labels: wait for them.
        labels.load();
        while labels.status.get_untracked() != LabelStatus::Ready {
            if let LabelStatus::Failed(reason) = labels.status.get_untracked() {
                self.status.set(SyncStatus::Error { reason, pending: 0 });
                return;
            }
            sleep_ms(100).await;
        }
        // With a password (Connect), sign in first; a resumed connection tries its cookie.
        let mut just_signed_in = self.has_password() && self.login().await.is_ok();
        // A sign-in that did not help (the server still refuses) is not tried again until a
        // round has gone through: no sign-in every few seconds against a server that says no.
        let mut may_sign_in = true;
        while current() {
            let seen = labels.version.get_untracked();
            let outcome = self.round(labels).await;
            if !current() {
                return;
            }
            match outcome {
                Ok(status) => {
                    may_sign_in = true;
                    self.status.set(status)
                }
                // The session is gone (the server restarted, or it ran out): sign in again
                // with the password in memory and start over from what the server holds.
                Err(Fault::Unauthorized(_))
                    if !just_signed_in && may_sign_in && self.has_password() =>
                {
                    match self.login().await {
                        Ok(()) => {
                            self.replica.set_value(Replica::default());
                            just_signed_in = true;
                            continue;
                        }
                        Err(fault) => self.report(fault, labels),
                    }
                }
                Err(Fault::Unauthorized(reason)) if self.has_password() => {
                    may_sign_in = false;
                    self.status.set(SyncStatus::Error {
                        reason: format!(
                            "signed in, but the server refuses this database: {reason}"
                        ),
                        pending: self.pending(labels),
                    });
                }
                Err(fault) => self.report(fault, labels),
            }
            just_signed_in = false;
            // Next round in 3 s, or soon after a new label (which is then pending).
            for _ in 0..12 {
                sleep_ms(250).await;
                if !current() {
                    return;
                }
                if labels.version.get_untracked() != seen {
                    match self.status.get_untracked() {
                        SyncStatus::Synced { .. } => {
                            let labels_waiting = self.pending(labels);
                            if labels_waiting > 0 {
                                self.status.set(SyncStatus::Pending {
                                    labels: labels_waiting,
                                });
                            }
                        }
                        // Keep the count of what waits up to date while nothing can be sent.
                        SyncStatus::SignInNeeded {
                            known, rejected, ..
                        } => {
                            self.status.set(SyncStatus::SignInNeeded {
                                waiting: self.pending(labels),
                                known,
                                rejected,
                            });
                        }
                        _ => {}
                    }
                    break;
                }
            }
        }
    }

    fn has_password(self) -> bool {
        !self.password.with_value(String::is_empty)
    }

    /// Shows a failed round or sign-in.
    fn report(self, fault: Fault, labels: LabelData) {
        let pending = self.pending(labels);
        let known = self.replica.with_value(Replica::has_pulled);
        match fault {
            Fault::Unauthorized(_) => {
                if !matches!(self.status.get_untracked(), SyncStatus::SignInNeeded { .. }) {
                    self.password_wanted.update(|n| *n += 1);
                }
                // A password that no longer works is forgotten: the user types it again (and
                // the page keeps saying it was refused until they do).
                let rejected = self.has_password()
                    || matches!(
                        self.status.get_untracked(),
                        SyncStatus::SignInNeeded { rejected: true, .. }
                    );
                self.password.set_value(String::new());
                self.status.set(SyncStatus::SignInNeeded {
                    waiting: pending,
                    known,
                    rejected,
                });
            }
            Fault::Offline(reason) => self.status.set(SyncStatus::Offline { pending, reason }),
            Fault::Other(reason) => self.status.set(SyncStatus::Error { reason, pending }),
        }
    }

    fn pending(self, labels: LabelData) -> usize {
        let me = labels.annotator.get_untracked();
        self.replica
            .with_value(|r| labels.with(|l| r.outbox(&l.labels, &me).len()))
    }

    /// Pull everything new, then push own labels the server lacks.
    async fn round(self, labels: LabelData) -> Result<SyncStatus, Fault> {
        let s = self.settings.get_untracked();
        loop {
            let path = self.replica.with_value(|r| r.changes_path(PAGE));
            let (_, body) = call(Method::GET, &s.url(&path), None).await?;
            let mut replica = self.replica.get_value();
            // (Untracked: most rounds pin nothing, and the pages need not redraw for them.)
            let pulled = labels
                .with(|l| {
                    labels
                        .ring
                        .try_update_untracked(|ring| replica.pulled(&body, &l.labels, ring))
                })
                .ok_or_else(|| Fault::Other("the page has gone".into()))?
                .map_err(Fault::Other)?;
            if !pulled.pinned.is_empty() {
                labels.ring.notify();
            }
            let n = pulled.results;
            labels
                .take_in(&s.server, pulled)
                .await
                .map_err(Fault::Other)?;
            if replica.unreadable.len() != self.unreadable.with_untracked(Vec::len) {
                let list = replica
                    .unreadable
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                self.unreadable.set(list);
            }
            self.replica.set_value(replica);
            if n < PAGE {
                break;
            }
            yield_now().await;
        }
        let me = labels.annotator.get_untracked();
        let mut refused: Vec<String> = Vec::new();
        loop {
            let keys = self
                .replica
                .with_value(|r| labels.with(|l| r.outbox(&l.labels, &me)));
            if keys.is_empty() {
                break;
            }
            let batch = &keys[..keys.len().min(PAGE)];
            let body = self
                .replica
                .with_value(|r| labels.with(|l| r.push_body(&l.labels, batch)));
            let (_, reply) = call(Method::POST, &s.url("_bulk_docs"), Some(&body)).await?;
            let pushed = self
                .replica
                .try_update_value(|r| r.pushed(&body, &reply))
                .expect("a replica");
            let pushed = pushed.map_err(Fault::Other)?;
            refused.extend(pushed.refused.iter().map(|(_, reason)| reason.clone()));
            if pushed.stored == 0 {
                break; // conflicts wait for the next pull; refusals are reported
            }
        }
        let pending = self.pending(labels);
        if let Some(reason) = refused.first() {
            return Ok(SyncStatus::Error {
                reason: format!(
                    "the server refused {} of your labels: {reason}",
                    refused.len()
                ),
                pending,
            });
        }
        Ok(if pending == 0 {
            SyncStatus::Synced { at: now_ms() }
        } else {
            SyncStatus::Pending { labels: pending }
        })
    }
}
