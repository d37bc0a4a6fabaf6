//! Team sync through a CouchDB (or CouchDB-protocol) server: the documents, the server's
//! validation function, and what this browser knows of the server — plain Rust; the page's
//! `ui::team_sync` only makes the HTTP calls.
//!
//! One document per (annotator, answer), `label:<annotator>:<answer>`, holding every version
//! of that label. Annotators never write each other's documents (the design document's
//! `validate_doc_update` refuses it), so the only conflicts are one annotator's two browsers,
//! and those merge by set union of versions like every other merge here. A round is: pull the
//! `_changes` feed since the last checkpoint (new versions that pass this browser's key ring,
//! `labels::trust`, become local events; the rest are kept aside), then push with
//! `_bulk_docs` every own label the server lacks, each with the `_rev` last seen (a conflict
//! is settled by the next round's pull).
//!
//! The server is not trusted with who wrote what: a member who rewrites the database's
//! security and design documents (which `pouchdb-server` allows; Apache CouchDB 3 does not)
//! can put anything in a document, but a version that is not signed by a key pinned for its
//! annotator is never applied, and this browser's pushes drop versions whose signature
//! fails. What signatures cannot prove is freshness: a server can withhold an annotator's
//! newest versions (an undo's retraction, say), and a browser that never saw them counts the
//! last one it did see.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::jsonl;
use super::label::{LabelKey, Version};
use super::log::Event;
use super::seal::PublicKey;
use super::set::LabelSet;
use super::trust::{Doubt, KeyRing, Source};
use crate::words::counted;

/// The design document that guards the labels database.
pub const DESIGN_ID: &str = "_design/em-lab";

/// Only the annotator a document belongs to may write it (admins may do anything); a new
/// document belongs to the `annotator` it names.
pub const VALIDATE_DOC_UPDATE: &str = r#"function (newDoc, oldDoc, userCtx) {
  if (userCtx.roles.indexOf('_admin') !== -1) return;
  if (!userCtx.name) throw({unauthorized: 'sign in to write labels'});
  var owner = oldDoc ? oldDoc.annotator : newDoc.annotator;
  if (owner !== userCtx.name || (!newDoc._deleted && newDoc.annotator !== userCtx.name)) {
    throw({forbidden: 'only ' + owner + ' may write the labels of ' + owner});
  }
  if (newDoc._deleted) return;
  if (newDoc.type !== 'label' || !Array.isArray(newDoc.versions) || typeof newDoc.answer !== 'string') {
    throw({forbidden: 'not an EM Lab label document'});
  }
  var enc = function (s) { return s.replace(/[%:\/?#]/g, function (c) { return '%' + c.charCodeAt(0).toString(16).toUpperCase(); }); };
  if (newDoc._id !== 'label:' + enc(newDoc.annotator) + ':' + newDoc.answer) {
    throw({forbidden: 'a label document is named label:<annotator>:<answer>'});
  }
  for (var i = 0; i < newDoc.versions.length; i++) {
    var v = newDoc.versions[i];
    if (!v || v.annotator !== newDoc.annotator || v.answer !== newDoc.answer) {
      throw({forbidden: 'every version must be of this document\'s annotator and answer'});
    }
  }
}"#;

pub fn design_doc() -> Value {
    json!({ "_id": DESIGN_ID, "validate_doc_update": VALIDATE_DOC_UPDATE })
}

/// Where to sync (the password is not part of it: the page keeps it in memory only).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    /// e.g. `https://couch.example.org` (no trailing slash needed).
    pub server: String,
    pub database: String,
    pub user: String,
}

impl Settings {
    /// `<server>/<database>/<path>`.
    pub fn url(&self, path: &str) -> String {
        format!(
            "{}/{}/{path}",
            self.server.trim_end_matches('/'),
            encode(&self.database)
        )
    }

    pub fn session_url(&self) -> String {
        format!("{}/_session", self.server.trim_end_matches('/'))
    }

    /// What is missing or wrong, in words.
    pub fn problem(&self) -> Option<&'static str> {
        let server = self.server.trim();
        if !(server.starts_with("http://") || server.starts_with("https://")) {
            return Some("the server URL must start with http:// or https://");
        }
        if self.database.trim().is_empty() || self.database.starts_with('_') {
            return Some("name a database (not starting with _)");
        }
        if self.user.trim().is_empty() {
            return Some("enter your user name on the server");
        }
        None
    }
}

/// Percent-encodes what may not stand in a database name or document id part.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            ':' | '%' | '/' | '?' | '#' => out.push_str(&format!("%{:02X}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// The document id of a label.
pub fn doc_id(key: &LabelKey) -> String {
    format!("label:{}:{}", encode(&key.annotator), key.answer)
}

/// A label's document: every version, with the `_rev` it replaces.
pub fn to_doc<'a>(
    key: &LabelKey,
    versions: impl IntoIterator<Item = &'a Version>,
    rev: Option<&str>,
) -> Value {
    let versions: Vec<Value> = versions
        .into_iter()
        .map(|v| Value::Object(jsonl::record(key, v)))
        .collect();
    let mut doc = json!({
        "_id": doc_id(key),
        "type": "label",
        "annotator": key.annotator,
        "answer": key.answer,
        "versions": versions,
    });
    if let Some(rev) = rev {
        doc["_rev"] = json!(rev);
    }
    doc
}

/// A label document's key and versions; `None` for documents that are not labels (the
/// design document, deletions).
pub fn from_doc(doc: &Value) -> Result<Option<(LabelKey, Vec<Version>)>, String> {
    if doc.get("type").and_then(Value::as_str) != Some("label") || doc.get("_deleted").is_some() {
        return Ok(None);
    }
    let id = doc.get("_id").and_then(Value::as_str).unwrap_or("?");
    let mut key = None;
    let mut versions = Vec::new();
    for (i, v) in doc
        .get("versions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let (k, version) = jsonl::parse(v).map_err(|e| {
            format!(
                "document {id}, version {}: {}{}",
                i + 1,
                e.field
                    .map(|f| format!("field `{f}`: "))
                    .unwrap_or_default(),
                e.detail
            )
        })?;
        if key.as_ref().is_some_and(|known| known != &k) {
            return Err(format!("document {id}: versions of different labels"));
        }
        key = Some(k);
        versions.push(version);
    }
    let Some(key) = key else { return Ok(None) };
    let named = |field: &str| doc.get(field).and_then(Value::as_str);
    if named("annotator") != Some(key.annotator.as_str())
        || named("answer") != Some(key.answer.as_str())
        || id != doc_id(&key)
    {
        return Err(format!(
            "document {id}: its name, annotator or answer does not match its versions"
        ));
    }
    Ok(Some((key, versions)))
}

/// What this browser knows of the server's database.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Replica {
    /// Versions the server is known to hold: of each document, what it held when last seen,
    /// of the versions this browser accepts (versions kept aside are not counted, so a push
    /// writes documents without them).
    pub remote: LabelSet,
    /// Document id → its latest `_rev` seen.
    pub revs: BTreeMap<String, String>,
    /// Versions the server holds that this browser does not apply but must not erase:
    /// validly signed by a key it has not pinned (the same annotator's other browser, until
    /// it is trusted, or a forger's own key), or unsigned for an annotator who signs (labels
    /// from before signing, or a forgery). Kept in the documents this browser writes, so two
    /// browsers of one annotator do not erase each other's labels; only versions whose
    /// signature fails are dropped from them.
    pub kept: LabelSet,
    /// The `_changes` checkpoint (`last_seq`), `None` before the first pull.
    pub since: Option<Value>,
    /// Server documents that could not be read (id → why): skipped.
    pub unreadable: BTreeMap<String, String>,
}

/// What a push came to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pushed {
    pub stored: usize,
    /// Documents changed on the server meanwhile (another browser of the same annotator):
    /// merged at the next pull, pushed again after it.
    pub conflicts: usize,
    /// Refused by the server: (document id, its reason).
    pub refused: Vec<(String, String)>,
}

/// What a pull came to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pulled {
    /// Versions this browser did not have, accepted: store them.
    pub fresh: Vec<Event>,
    /// Versions that failed the key ring: never applied.
    pub set_aside: Vec<(LabelKey, Version, Doubt)>,
    /// Keys seen for the first time, now pinned: store them.
    pub pinned: Vec<(String, PublicKey)>,
    /// How many results the page held (a full page means: pull again).
    pub results: usize,
}

impl Replica {
    /// Whether a pull has completed since this replica started (before it, nothing is known
    /// of what the server holds).
    pub fn has_pulled(&self) -> bool {
        self.since.is_some()
    }

    /// The `_changes` query for the next pull.
    pub fn changes_path(&self, limit: usize) -> String {
        let since = match &self.since {
            None => "0".to_string(),
            Some(Value::String(s)) => s.clone(),
            Some(v) => v.to_string(),
        };
        let since: String = since
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b == b'-' {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect();
        format!("_changes?include_docs=true&limit={limit}&since={since}")
    }

    /// Takes in a `_changes` response: the versions this browser did not have (`local` is
    /// what it has) are judged by `ring`, which pins the keys it sees first.
    pub fn pulled(
        &mut self,
        body: &Value,
        local: &LabelSet,
        ring: &mut KeyRing,
    ) -> Result<Pulled, String> {
        let results = body
            .get("results")
            .and_then(Value::as_array)
            .ok_or("a _changes reply without results")?;
        let mut incoming = Vec::new();
        for r in results {
            let Some(doc) = r.get("doc") else { continue };
            if let (Some(id), Some(rev)) = (
                doc.get("_id").and_then(Value::as_str),
                doc.get("_rev").and_then(Value::as_str),
            ) {
                self.revs.insert(id.to_string(), rev.to_string());
            }
            let (key, versions) = match from_doc(doc) {
                Ok(Some(label)) => label,
                Ok(None) => continue,
                Err(reason) => {
                    // One bad document must not stop the team's sync: skip it, list it.
                    let id = r.get("id").and_then(Value::as_str).unwrap_or("?");
                    self.unreadable.insert(id.to_string(), reason);
                    continue;
                }
            };
            // The document as it is now replaces what was known of it.
            self.remote.forget(&key);
            self.kept.forget(&key);
            for v in versions {
                if local.history(&key).any(|h| *h == v) {
                    self.remote.insert(key.clone(), v);
                } else {
                    incoming.push((key.clone(), v));
                }
            }
        }
        let admitted = ring.admit(incoming, Source::Server);
        for (key, v, doubt) in &admitted.set_aside {
            if matches!(doubt, Doubt::UnknownKey(_) | Doubt::Unsigned) {
                self.kept.insert(key.clone(), v.clone());
            }
        }
        let mut fresh = Vec::with_capacity(admitted.accepted.len());
        for (key, v) in admitted.accepted {
            self.remote.insert(key.clone(), v.clone());
            fresh.push(Event::Label(key, v));
        }
        if let Some(seq) = body.get("last_seq") {
            self.since = Some(seq.clone());
        }
        Ok(Pulled {
            fresh,
            set_aside: admitted.set_aside,
            pinned: admitted.pinned,
            results: results.len(),
        })
    }

    /// `annotator`'s labels with versions the server lacks.
    pub fn outbox(&self, local: &LabelSet, annotator: &str) -> Vec<LabelKey> {
        let mut keys: Vec<LabelKey> = local
            .versions()
            .filter(|(k, v)| k.annotator == annotator && !self.remote.history(k).any(|h| h == *v))
            .map(|(k, _)| k.clone())
            .collect();
        keys.dedup();
        keys
    }

    /// The `_bulk_docs` body for `keys`: each document with every version known here or there.
    pub fn push_body(&self, local: &LabelSet, keys: &[LabelKey]) -> Value {
        let docs: Vec<Value> = keys
            .iter()
            .map(|k| {
                let mut all = LabelSet::new();
                local
                    .history(k)
                    .chain(self.remote.history(k))
                    .chain(self.kept.history(k))
                    .for_each(|v| {
                        all.insert(k.clone(), v.clone());
                    });
                to_doc(
                    k,
                    all.history(k),
                    self.revs.get(&doc_id(k)).map(String::as_str),
                )
            })
            .collect();
        json!({ "docs": docs })
    }

    /// Takes in the `_bulk_docs` reply to `body`.
    pub fn pushed(&mut self, body: &Value, reply: &Value) -> Result<Pushed, String> {
        let docs = body["docs"].as_array().cloned().unwrap_or_default();
        let results = reply
            .as_array()
            .ok_or("a _bulk_docs reply that is not a list")?;
        let mut out = Pushed::default();
        for (doc, result) in docs.iter().zip(results) {
            let id = result
                .get("id")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            if let Some(rev) = result.get("rev").and_then(Value::as_str) {
                self.revs.insert(id, rev.to_string());
                if let Some((key, versions)) = from_doc(doc)? {
                    // (What this browser wrote back without applying stays out of `remote`.)
                    versions
                        .into_iter()
                        .filter(|v| !self.kept.history(&key).any(|h| h == v))
                        .for_each(|v| {
                            self.remote.insert(key.clone(), v);
                        });
                }
                out.stored += 1;
            } else {
                match result.get("error").and_then(Value::as_str) {
                    Some("conflict") => out.conflicts += 1,
                    error => {
                        let reason = result
                            .get("reason")
                            .and_then(Value::as_str)
                            .or(error)
                            .unwrap_or("refused");
                        out.refused.push((id, reason.to_string()));
                    }
                }
            }
        }
        Ok(out)
    }
}

/// Where sync stands, as the page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncStatus {
    Off,
    Connecting,
    /// Everything of this annotator's is on the server (`at`: ms since the epoch).
    Synced {
        at: u64,
    },
    /// Labels waiting to be pushed.
    Pending {
        labels: usize,
    },
    /// The server cannot be reached; labels wait here.
    Offline {
        pending: usize,
        reason: String,
    },
    /// The server no longer takes this browser's session (it restarted, or the session ran
    /// out) and no password is in memory to sign in again: the user must type it.
    SignInNeeded {
        /// This annotator's labels not known to be on the server.
        waiting: usize,
        /// Whether a pull has told what the server holds (before one, `waiting` is every
        /// label not yet confirmed there).
        known: bool,
        /// The server refused the password it was given.
        rejected: bool,
    },
    Error {
        reason: String,
        /// This annotator's labels waiting here meanwhile.
        pending: usize,
    },
}

impl SyncStatus {
    pub fn describe(&self) -> String {
        match self {
            SyncStatus::Off => "Not syncing: labels stay in this browser.".into(),
            SyncStatus::Connecting => "Connecting…".into(),
            SyncStatus::Synced { .. } => "Synced: all your labels are on the server.".into(),
            SyncStatus::Pending { labels } => format!("Syncing: {labels} of your labels to send."),
            SyncStatus::Offline { pending, reason } => {
                format!(
                    "Offline ({reason}): {pending} of your labels wait here and go when the server is back."
                )
            }
            SyncStatus::SignInNeeded {
                waiting,
                known,
                rejected,
            } => {
                let what = match (waiting, known) {
                    (0, _) => "Sign in again to keep syncing".to_string(),
                    (n, true) => format!(
                        "Sign in again to send your {}",
                        counted(*n, "waiting label")
                    ),
                    (n, false) => format!(
                        "Sign in again to sync ({n} of your labels not yet confirmed on the server)"
                    ),
                };
                let refused = if *rejected {
                    "The server did not accept this name and password. "
                } else {
                    ""
                };
                format!("{refused}{what}: type your password and press Connect.")
            }
            SyncStatus::Error { reason, pending: 0 } => format!("Sync error: {reason}"),
            SyncStatus::Error { reason, pending } => format!(
                "Sync error: {reason}. {} of your labels wait here.",
                pending
            ),
        }
    }

    /// The page's short name of the state (`data-state`).
    pub fn name(&self) -> &'static str {
        match self {
            SyncStatus::Off => "off",
            SyncStatus::Connecting => "connecting",
            SyncStatus::Synced { .. } => "synced",
            SyncStatus::Pending { .. } => "pending",
            SyncStatus::Offline { .. } => "offline",
            SyncStatus::SignInNeeded { .. } => "sign-in",
            SyncStatus::Error { .. } => "error",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::labels::seal::tests::signer;
    use crate::labels::set::tests::{key, scored};

    #[test]
    fn a_label_document_round_trips_its_versions() {
        let k = key("ann:x", "f#1");
        let vs = [
            scored(1, 20, 80),
            Version {
                at: 2,
                text_hash: 7,
                judgement: None,
                seal: None,
            },
        ];
        let doc = to_doc(&k, &vs, Some("3-abc"));
        assert_eq!(doc["_id"], "label:ann%3Ax:f#1");
        assert_eq!(doc["_rev"], "3-abc");
        let (back, versions) = from_doc(&doc).unwrap().unwrap();
        assert_eq!((back, versions), (k, vs.to_vec()));
        assert_eq!(from_doc(&design_doc()).unwrap(), None);
        let mut bad = doc.clone();
        bad["versions"][1]["at"] = json!("later");
        assert!(
            from_doc(&bad)
                .unwrap_err()
                .contains("version 2: field `at`")
        );
    }

    #[test]
    fn a_pull_brings_in_what_this_browser_lacks_and_moves_the_checkpoint() {
        let mut r = Replica::default();
        assert!(r.changes_path(100).ends_with("since=0"));
        let mine = LabelSet::from_iter([(key("ann", "f#1"), scored(1, 20, 80))]);
        let mut bobs = to_doc(&key("bob", "f#1"), &[scored(2, 90, 90)], None);
        bobs["_rev"] = json!("1-x");
        let changes = json!({
            "results": [
                {"id": "label:ann:f#1", "doc": to_doc(&key("ann", "f#1"), &[scored(1, 20, 80)], None)},
                {"id": "label:bob:f#1", "doc": bobs},
                {"id": DESIGN_ID, "doc": design_doc()},
            ],
            "last_seq": "3-g1AAAA"
        });
        let p = r.pulled(&changes, &mine, &mut KeyRing::default()).unwrap();
        assert_eq!(p.results, 3);
        assert_eq!(
            p.fresh,
            [Event::Label(key("bob", "f#1"), scored(2, 90, 90))]
        );
        assert_eq!(r.revs["label:bob:f#1"], "1-x");
        assert!(r.changes_path(100).ends_with("since=3-g1AAAA"));
        // What the server holds is not in the outbox.
        assert!(r.outbox(&mine, "ann").is_empty());
    }

    #[test]
    fn a_push_sends_only_own_labels_the_server_lacks_and_records_what_it_stored() {
        let mut r = Replica::default();
        let mut local = LabelSet::new();
        local.insert(key("ann", "f#1"), scored(1, 20, 80));
        local.insert(key("ann", "f#2"), scored(2, 20, 80));
        local.insert(key("bob", "f#1"), scored(3, 20, 80)); // imported: bob pushes his own
        r.remote.insert(key("ann", "f#2"), scored(2, 20, 80));
        r.revs.insert("label:ann:f#1".into(), "1-a".into());
        let out = r.outbox(&local, "ann");
        assert_eq!(out, [key("ann", "f#1")]);
        let body = r.push_body(&local, &out);
        assert_eq!(body["docs"][0]["_rev"], "1-a");
        let reply = json!([{"ok": true, "id": "label:ann:f#1", "rev": "2-b"}]);
        let p = r.pushed(&body, &reply).unwrap();
        assert_eq!(
            p,
            Pushed {
                stored: 1,
                ..Default::default()
            }
        );
        assert!(r.outbox(&local, "ann").is_empty());
        assert_eq!(r.revs["label:ann:f#1"], "2-b");
    }

    #[test]
    fn refusals_and_conflicts_are_told_apart() {
        let mut r = Replica::default();
        let local = LabelSet::from_iter([
            (key("ann", "f#1"), scored(1, 20, 80)),
            (key("ann", "f#2"), scored(1, 20, 80)),
        ]);
        let body = r.push_body(&local, &r.outbox(&local, "ann"));
        let reply = json!([
            {"id": "label:ann:f#1", "error": "conflict", "reason": "Document update conflict."},
            {"id": "label:ann:f#2", "error": "forbidden", "reason": "only bob may write the labels of bob"},
        ]);
        let p = r.pushed(&body, &reply).unwrap();
        assert_eq!((p.stored, p.conflicts), (0, 1));
        assert_eq!(
            p.refused,
            [(
                "label:ann:f#2".to_string(),
                "only bob may write the labels of bob".to_string()
            )]
        );
        assert_eq!(r.outbox(&local, "ann").len(), 2, "both still wait");
    }

    #[test]
    fn the_shipped_design_document_is_this_one() {
        // `public/sync-design.json` is what the README's set-up (and the team test) installs.
        let shipped = include_str!("../../public/sync-design.json");
        let shipped: Value = serde_json::from_str(shipped).unwrap();
        assert_eq!(
            shipped,
            design_doc(),
            "regenerate: cargo test prints the expected JSON"
        );
    }

    #[test]
    fn a_document_whose_versions_belong_to_someone_else_is_not_read_and_does_not_stop_the_pull() {
        let mut forged = to_doc(&key("mallory", "f#1"), &[scored(1, 20, 80)], None);
        forged["versions"][0]["annotator"] = json!("ann");
        assert!(from_doc(&forged).unwrap_err().contains("does not match"));
        let mut renamed = to_doc(&key("ann", "f#1"), &[scored(1, 20, 80)], None);
        renamed["_id"] = json!("label:ann:f#2");
        assert!(from_doc(&renamed).is_err());
        let mut r = Replica::default();
        let changes = json!({
            "results": [
                {"id": "label:mallory:f#1", "doc": forged},
                {"id": "label:bob:f#1", "doc": to_doc(&key("bob", "f#1"), &[scored(2, 90, 90)], None)},
            ],
            "last_seq": 2
        });
        let p = r
            .pulled(&changes, &LabelSet::new(), &mut KeyRing::default())
            .unwrap();
        assert_eq!(p.fresh.len(), 1, "the good document still comes in");
        assert_eq!(r.unreadable.len(), 1);
        assert_eq!(r.since, Some(json!(2)), "and the checkpoint moves on");
    }

    /// The attack of issue 24: a member rewrites the server's security and design documents,
    /// then puts a later version into another annotator's document.
    #[test]
    fn a_forged_version_in_someone_elses_document_is_never_applied_nor_pushed_back() {
        let ann = signer(1);
        let k = key("ann", "f#1");
        let genuine = ann.seal(&k, scored(10, 20, 80));
        // Ann's own browser pins her key; so does a teammate's, from her first label.
        let mut ann_ring = KeyRing::default();
        ann_ring.trust("ann", ann.public());
        let mut team_ring = KeyRing::default();
        let mut teammate = Replica::default();
        let first = json!({"results": [{"id": doc_id(&k), "doc": to_doc(&k, [&genuine], None)}], "last_seq": 1});
        let p = teammate
            .pulled(&first, &LabelSet::new(), &mut team_ring)
            .unwrap();
        assert_eq!(p.pinned, [("ann".to_string(), ann.public())]);
        let team_local = LabelSet::from_iter([(k.clone(), genuine.clone())]);

        // The forgeries: unsigned; signed by the forger's own key; ann's signature copied
        // onto changed scores.
        let mallory = signer(66);
        let mut copied = genuine.clone();
        copied.at = 20;
        copied.judgement = scored(20, 1, 1).judgement;
        let forged = [scored(20, 1, 1), mallory.seal(&k, scored(21, 1, 1)), copied];
        for (f, doubt) in forged.iter().zip([
            Doubt::Unsigned,
            Doubt::UnknownKey(mallory.public()),
            Doubt::BadSignature,
        ]) {
            let mut doc = to_doc(&k, [&genuine, f], Some("2-forged"));
            doc["_rev"] = json!("2-forged");
            let changes = json!({"results": [{"id": doc_id(&k), "doc": doc}], "last_seq": 2});
            let ann_local = LabelSet::from_iter([(k.clone(), genuine.clone())]);
            for (ring, local) in [(&mut ann_ring, &ann_local), (&mut team_ring, &team_local)] {
                let mut r = Replica::default();
                let p = r.pulled(&changes, local, ring).unwrap();
                assert!(p.fresh.is_empty(), "{f:?}");
                assert_eq!(p.set_aside, [(k.clone(), f.clone(), doubt)]);
                // The server's copy is not counted as held, and ann's push leaves it out.
                assert!(!r.remote.history(&k).any(|v| v == f));
                let body = r.push_body(local, std::slice::from_ref(&k));
                let written = body["docs"][0]["versions"].as_array().unwrap().len();
                // A validly signed version by another key, or an unsigned one, stays (the
                // annotator's other browser, a label from before signing); a bad signature
                // is dropped.
                let kept = usize::from(doubt != Doubt::BadSignature);
                assert_eq!(written, 1 + kept, "{doubt:?}");
                assert_eq!(body["docs"][0]["_rev"], "2-forged");
            }
            // Ann's browser sees that the document lost her version: it writes it back.
            let mut r = Replica::default();
            let ann_local = LabelSet::from_iter([(k.clone(), genuine.clone())]);
            let mut replaced = to_doc(&k, [f], None);
            replaced["_rev"] = json!("3-forged");
            let changes = json!({"results": [{"id": doc_id(&k), "doc": replaced}], "last_seq": 3});
            r.remote.insert(k.clone(), genuine.clone()); // known from an earlier push
            r.pulled(&changes, &ann_local, &mut ann_ring).unwrap();
            assert_eq!(r.outbox(&ann_local, "ann"), std::slice::from_ref(&k));
        }
        assert_eq!(
            team_ring.keys_of("ann").count(),
            1,
            "no forged key was pinned"
        );
    }

    #[test]
    fn two_browsers_of_one_annotator_do_not_erase_each_others_labels_before_they_trust_each_other()
    {
        let (laptop, phone) = (signer(1), signer(2));
        let k = key("ann", "f#1");
        let from_laptop = laptop.seal(&k, scored(1, 20, 80));
        let from_phone = phone.seal(&k, scored(2, 30, 80));
        // The phone's browser pins its own key; the laptop's version is on the server.
        let mut ring = KeyRing::default();
        ring.trust("ann", phone.public());
        let mut r = Replica::default();
        let mut doc = to_doc(&k, [&from_laptop], None);
        doc["_rev"] = json!("1-laptop");
        let changes = json!({"results": [{"id": doc_id(&k), "doc": doc}], "last_seq": 1});
        let local = LabelSet::from_iter([(k.clone(), from_phone.clone())]);
        let p = r.pulled(&changes, &local, &mut ring).unwrap();
        assert_eq!(p.set_aside[0].2, Doubt::UnknownKey(laptop.public()));
        // The phone writes its label, and the laptop's stays in the document.
        let body = r.push_body(&local, &r.outbox(&local, "ann"));
        let versions = from_doc(&body["docs"][0]).unwrap().unwrap().1;
        assert_eq!(versions, [from_laptop, from_phone]);
    }

    #[test]
    fn statuses_say_what_to_do_and_how_many_labels_wait() {
        let sign_in = SyncStatus::SignInNeeded {
            waiting: 5,
            known: true,
            rejected: false,
        };
        assert_eq!(
            sign_in.describe(),
            "Sign in again to send your 5 waiting labels: type your password and press Connect."
        );
        assert_eq!(sign_in.name(), "sign-in");
        let unknown = SyncStatus::SignInNeeded {
            waiting: 18,
            known: false,
            rejected: true,
        };
        assert_eq!(
            unknown.describe(),
            "The server did not accept this name and password. Sign in again to sync (18 of your labels not yet confirmed on the server): type your password and press Connect."
        );
        let error = SyncStatus::Error {
            reason: "HTTP 500: boom".into(),
            pending: 2,
        };
        assert_eq!(
            error.describe(),
            "Sync error: HTTP 500: boom. 2 of your labels wait here."
        );
    }

    #[test]
    fn settings_say_what_is_missing() {
        let mut s = Settings {
            server: "127.0.0.1:5984".into(),
            database: "class".into(),
            user: "ann".into(),
        };
        assert!(s.problem().unwrap().contains("http"));
        s.server = "http://127.0.0.1:5984/".into();
        assert_eq!(s.problem(), None);
        assert_eq!(s.url("_changes"), "http://127.0.0.1:5984/class/_changes");
        s.database = "_users".into();
        assert!(s.problem().is_some());
    }
}
