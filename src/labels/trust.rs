//! Whose key may sign whose labels, as this browser has seen it: the key ring, and the labels
//! kept aside because they failed it.
//!
//! An annotator's key is pinned the first time this browser sees it (their own browser pins
//! its own key when they give their name); after that, a label for them that arrives from a
//! server or a file is taken in only if it verifies under a pinned key. One that does not —
//! a bad signature, a key this browser does not know for them, or (from a server) no signature
//! at all for an annotator who signs — is kept aside in a [`SetAside`] list, shown plainly,
//! and never applied, so agreement never counts it. A new key (the same annotator in another
//! browser) is taken in only when the user trusts it, after checking its fingerprint with the
//! annotator. Unsigned labels from a file the user imports stay usable (the page marks them
//! unsigned), and so do a server's unsigned labels for an annotator this browser has not
//! seen sign; once it has, that annotator's unsigned labels from a server are kept aside
//! (they may be from before signing, or forged) and exchanged as files instead.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use super::label::{LabelKey, Version};
use super::seal::{self, PublicKey, SealError};
use crate::words::counted;

/// Where labels come from: a sync server may not drop a signature, a file the user chose may.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Server,
    File,
}

/// Why a label was kept aside.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Doubt {
    /// Its signature does not verify (or its key is not a key).
    BadSignature,
    /// Validly signed, but by a key this browser has not pinned for the annotator.
    UnknownKey(PublicKey),
    /// Unsigned, from a server, for an annotator whose labels are signed.
    Unsigned,
}

/// The keys pinned per annotator.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyRing {
    keys: BTreeMap<String, BTreeSet<PublicKey>>,
}

/// What a batch of incoming labels came to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Admitted {
    /// Take these in.
    pub accepted: Vec<(LabelKey, Version)>,
    pub set_aside: Vec<(LabelKey, Version, Doubt)>,
    /// Keys pinned by this batch (first seen): store them.
    pub pinned: Vec<(String, PublicKey)>,
}

impl KeyRing {
    /// Pins `key` for `annotator`; `false` when it already was.
    pub fn trust(&mut self, annotator: &str, key: PublicKey) -> bool {
        self.keys
            .entry(annotator.to_string())
            .or_default()
            .insert(key)
    }

    pub fn keys_of(&self, annotator: &str) -> impl Iterator<Item = PublicKey> + '_ {
        self.keys.get(annotator).into_iter().flatten().copied()
    }

    pub fn is_pinned(&self, annotator: &str) -> bool {
        self.keys.get(annotator).is_some_and(|k| !k.is_empty())
    }

    /// Judges a batch of incoming labels, pinning the keys of annotators seen for the first
    /// time. The outcome does not depend on the batch's order: signed labels are judged
    /// before unsigned ones, oldest first, so the key an annotator is first pinned to is their
    /// oldest signed label's.
    pub fn admit(&mut self, batch: Vec<(LabelKey, Version)>, source: Source) -> Admitted {
        let mut batch = batch;
        batch.sort_by(|(ka, a), (kb, b)| {
            (a.seal.is_none(), a.at, a.seal, ka).cmp(&(b.seal.is_none(), b.at, b.seal, kb))
        });
        let mut out = Admitted::default();
        for (key, version) in batch {
            match self.judge(&key, &version, source) {
                Ok(Some(pin)) => {
                    self.trust(&key.annotator, pin);
                    out.pinned.push((key.annotator.clone(), pin));
                    out.accepted.push((key, version));
                }
                Ok(None) => out.accepted.push((key, version)),
                Err(doubt) => out.set_aside.push((key, version, doubt)),
            }
        }
        out
    }

    /// `Ok(Some(key))`: accepted, and `key` is to be pinned.
    fn judge(
        &self,
        key: &LabelKey,
        version: &Version,
        source: Source,
    ) -> Result<Option<PublicKey>, Doubt> {
        match seal::verify(key, version) {
            Ok(signer) if !self.is_pinned(&key.annotator) => Ok(Some(signer)),
            Ok(signer) if self.keys_of(&key.annotator).any(|k| k == signer) => Ok(None),
            Ok(signer) => Err(Doubt::UnknownKey(signer)),
            Err(SealError::Unsigned)
                if source == Source::Server && self.is_pinned(&key.annotator) =>
            {
                Err(Doubt::Unsigned)
            }
            Err(SealError::Unsigned) => Ok(None),
            Err(SealError::BadKey | SealError::BadSignature) => Err(Doubt::BadSignature),
        }
    }

    /// The stored form: `{"ann": ["<key>", …], …}`.
    pub fn to_json(&self) -> String {
        let map: serde_json::Map<String, Value> = self
            .keys
            .iter()
            .map(|(who, keys)| {
                let keys: Vec<String> = keys.iter().map(|k| k.to_text()).collect();
                (who.clone(), json!(keys))
            })
            .collect();
        Value::Object(map).to_string()
    }

    /// Whatever the stored text, a ring (keys that do not read are left out).
    pub fn from_json(text: &str) -> Self {
        let mut ring = KeyRing::default();
        let Ok(Value::Object(map)) = serde_json::from_str::<Value>(text) else {
            return ring;
        };
        for (who, keys) in map {
            for k in keys.as_array().into_iter().flatten() {
                if let Some(key) = k.as_str().and_then(|t| PublicKey::from_text(t).ok()) {
                    ring.trust(&who, key);
                }
            }
        }
        ring
    }
}

/// Labels kept aside this visit, each once, with where they came from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SetAside {
    entries: BTreeMap<(LabelKey, Version), (Doubt, String)>,
}

impl SetAside {
    /// Adds what a batch from `from` (a server's address, a file's name) kept aside.
    pub fn add(&mut self, from: &str, set_aside: Vec<(LabelKey, Version, Doubt)>) {
        for (key, version, doubt) in set_aside {
            self.entries
                .insert((key, version), (doubt, from.to_string()));
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Takes out the labels of `annotator` signed by `key` (which the user now trusts).
    pub fn release(&mut self, annotator: &str, key: PublicKey) -> Vec<(LabelKey, Version)> {
        let released: Vec<(LabelKey, Version)> = self
            .entries
            .iter()
            .filter(|((k, _), (doubt, _))| {
                k.annotator == annotator && *doubt == Doubt::UnknownKey(key)
            })
            .map(|(kv, _)| kv.clone())
            .collect();
        for kv in &released {
            self.entries.remove(kv);
        }
        released
    }

    /// One line per annotator and reason, as the page shows it.
    pub fn summary(&self) -> Vec<Notice> {
        let mut groups: BTreeMap<(String, Doubt), (usize, BTreeSet<String>)> = BTreeMap::new();
        for ((key, _), (doubt, from)) in &self.entries {
            let g = groups.entry((key.annotator.clone(), *doubt)).or_default();
            g.0 += 1;
            g.1.insert(from.clone());
        }
        groups
            .into_iter()
            .map(|((annotator, doubt), (n, from))| {
                let labels = counted(n, "label");
                let from = from.into_iter().collect::<Vec<_>>().join(", ");
                let text = match doubt {
                    Doubt::BadSignature => {
                        let failed = if n == 1 {
                            "failed its signature"
                        } else {
                            "failed their signatures"
                        };
                        format!("{labels} for {annotator} {failed} — not used (from {from}).")
                    }
                    Doubt::UnknownKey(k) => format!(
                        "{labels} for {annotator} signed by a key this browser does not know ({}) — not used unless you trust it (from {from}).",
                        k.fingerprint()
                    ),
                    Doubt::Unsigned => format!(
                        "{labels} for {annotator}, whose labels are signed, came unsigned — not used (from {from})."
                    ),
                };
                Notice {
                    annotator,
                    doubt,
                    text,
                }
            })
            .collect()
    }
}

/// A line about labels kept aside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub annotator: String,
    pub doubt: Doubt,
    pub text: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::labels::seal::tests::signer;
    use crate::labels::set::tests::{key, scored};

    fn signed(who: &str, answer: &str, at: u64, by: u8) -> (LabelKey, Version) {
        let k = key(who, answer);
        let v = signer(by).seal(&k, scored(at, 50, 50));
        (k, v)
    }

    #[test]
    fn the_first_key_seen_for_an_annotator_is_pinned_and_then_required() {
        let mut ring = KeyRing::default();
        let first = ring.admit(vec![signed("ann", "f#1", 1, 1)], Source::Server);
        assert_eq!(first.accepted.len(), 1);
        assert_eq!(first.pinned, [("ann".to_string(), signer(1).public())]);
        let later = ring.admit(
            vec![signed("ann", "f#2", 2, 1), signed("ann", "f#3", 3, 2)],
            Source::Server,
        );
        assert_eq!(later.accepted.len(), 1);
        assert!(later.pinned.is_empty());
        assert_eq!(later.set_aside[0].2, Doubt::UnknownKey(signer(2).public()));
    }

    #[test]
    fn a_label_whose_signature_fails_is_set_aside_whatever_the_source() {
        let mut ring = KeyRing::default();
        let (k, mut v) = signed("ann", "f#1", 1, 1);
        v.judgement.as_mut().unwrap().note = "forged".into();
        for source in [Source::Server, Source::File] {
            let a = ring.admit(vec![(k.clone(), v.clone())], source);
            assert_eq!(
                (a.accepted.len(), a.set_aside[0].2),
                (0, Doubt::BadSignature)
            );
        }
        assert!(!ring.is_pinned("ann"), "a bad signature pins nothing");
    }

    #[test]
    fn unsigned_labels_are_usable_until_the_annotator_signs_and_from_files_always() {
        let mut ring = KeyRing::default();
        let unsigned = (key("ann", "f#9"), scored(9, 1, 1));
        assert_eq!(
            ring.admit(vec![unsigned.clone()], Source::Server)
                .accepted
                .len(),
            1
        );
        ring.trust("ann", signer(1).public());
        let a = ring.admit(vec![unsigned.clone()], Source::Server);
        assert_eq!(a.set_aside[0].2, Doubt::Unsigned);
        assert_eq!(ring.admit(vec![unsigned], Source::File).accepted.len(), 1);
    }

    #[test]
    fn a_batch_is_judged_the_same_in_any_order() {
        let batch = vec![
            (key("ann", "f#0"), scored(0, 9, 9)), // unsigned
            signed("ann", "f#1", 5, 2),
            signed("ann", "f#2", 3, 1), // the oldest signed: its key is pinned
            signed("bob", "f#1", 4, 3),
        ];
        let mut reversed = batch.clone();
        reversed.reverse();
        let (mut a, mut b) = (KeyRing::default(), KeyRing::default());
        let (x, y) = (
            a.admit(batch, Source::Server),
            b.admit(reversed, Source::Server),
        );
        assert_eq!(x, y);
        assert_eq!(a, b);
        assert_eq!(a.keys_of("ann").collect::<Vec<_>>(), [signer(1).public()]);
        assert_eq!(
            x.set_aside.iter().map(|s| s.2).collect::<Vec<_>>(),
            [Doubt::UnknownKey(signer(2).public()), Doubt::Unsigned]
        );
    }

    #[test]
    fn the_ring_survives_its_stored_form_and_ignores_bad_text() {
        let mut ring = KeyRing::default();
        ring.trust("ann", signer(1).public());
        ring.trust("ann", signer(2).public());
        ring.trust("bob <b>", signer(3).public());
        assert_eq!(KeyRing::from_json(&ring.to_json()), ring);
        assert_eq!(KeyRing::from_json("nope"), KeyRing::default());
        assert_eq!(
            KeyRing::from_json(r#"{"ann": ["short", 3]}"#),
            KeyRing::default()
        );
    }

    #[test]
    fn set_aside_labels_are_listed_once_each_and_said_plainly() {
        let mut ring = KeyRing::default();
        ring.trust("ann", signer(1).public());
        let (k, mut bad) = signed("ann", "f#1", 1, 1);
        bad.judgement.as_mut().unwrap().coherent = Some(1);
        let batch = vec![
            (k, bad),
            signed("ann", "f#2", 2, 7),
            signed("ann", "f#3", 3, 7),
            (key("ann", "f#4"), scored(4, 1, 1)),
        ];
        let mut aside = SetAside::default();
        let a = ring.admit(batch.clone(), Source::Server);
        aside.add("http://couch", a.set_aside);
        let again = ring.admit(batch, Source::Server);
        aside.add("http://couch", again.set_aside);
        assert_eq!(aside.len(), 4, "a second pull adds nothing");
        let lines: Vec<String> = aside.summary().into_iter().map(|n| n.text).collect();
        assert_eq!(
            lines,
            [
                "1 label for ann failed its signature — not used (from http://couch).".to_string(),
                format!(
                    "2 labels for ann signed by a key this browser does not know ({}) — not used unless you trust it (from http://couch).",
                    signer(7).public().fingerprint()
                ),
                "1 label for ann, whose labels are signed, came unsigned — not used (from http://couch)."
                    .to_string(),
            ]
        );
    }

    #[test]
    fn trusting_a_new_key_releases_exactly_its_labels() {
        let mut ring = KeyRing::default();
        ring.trust("ann", signer(1).public());
        let mut aside = SetAside::default();
        let a = ring.admit(
            vec![
                signed("ann", "f#2", 2, 7),
                signed("ann", "f#3", 3, 8),
                signed("ann", "f#4", 4, 7),
            ],
            Source::File,
        );
        aside.add("ann-laptop.jsonl", a.set_aside);
        let released = aside.release("ann", signer(7).public());
        assert_eq!(
            released
                .iter()
                .map(|(k, _)| k.answer.as_str())
                .collect::<Vec<_>>(),
            ["f#2", "f#4"]
        );
        assert_eq!(aside.len(), 1);
        assert!(aside.release("bob", signer(8).public()).is_empty());
    }
}
