//! Every label version known: this browser's own, imported files', a sync server's.
//!
//! A set is, per (annotator, answer), the set of all versions ever written; the label is the
//! newest. Merging is set union, so it is commutative, associative and idempotent: several
//! annotators' files combine in any order, a file imported twice changes nothing, and the
//! same annotator on the same answer keeps the newest label with its whole history.

use std::collections::{BTreeMap, BTreeSet};

use super::label::{Judgement, LabelKey, Version};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabelSet {
    versions: BTreeMap<LabelKey, BTreeSet<Version>>,
}

impl LabelSet {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one version; `false` when it was already known.
    pub fn insert(&mut self, key: LabelKey, version: Version) -> bool {
        self.versions.entry(key).or_default().insert(version)
    }

    /// Forgets every version of `key` (what a server holds of a document it has replaced).
    pub fn forget(&mut self, key: &LabelKey) {
        self.versions.remove(key);
    }

    /// Adds everything `other` holds; returns how many versions were new.
    pub fn merge(&mut self, other: &LabelSet) -> usize {
        let mut added = 0;
        for (key, versions) in &other.versions {
            let mine = self.versions.entry(key.clone()).or_default();
            for v in versions {
                added += usize::from(mine.insert(v.clone()));
            }
        }
        added
    }

    /// The newest version for a key, retraction included.
    pub fn newest(&self, key: &LabelKey) -> Option<&Version> {
        self.versions.get(key)?.last()
    }

    /// The current label: the newest version, unless it is a retraction.
    pub fn current(&self, key: &LabelKey) -> Option<(&Version, &Judgement)> {
        let v = self.newest(key)?;
        Some((v, v.judgement.as_ref()?))
    }

    /// All versions of a key, oldest first.
    pub fn history(&self, key: &LabelKey) -> impl Iterator<Item = &Version> {
        self.versions.get(key).into_iter().flatten()
    }

    /// Every current label, ordered by annotator then answer.
    pub fn labels(&self) -> impl Iterator<Item = (&LabelKey, &Version, &Judgement)> {
        self.versions.iter().filter_map(|(k, vs)| {
            let v = vs.last()?;
            Some((k, v, v.judgement.as_ref()?))
        })
    }

    /// Every version of every key (what a lossless export writes).
    pub fn versions(&self) -> impl Iterator<Item = (&LabelKey, &Version)> {
        self.versions
            .iter()
            .flat_map(|(k, vs)| vs.iter().map(move |v| (k, v)))
    }

    /// Annotators with at least one current label.
    pub fn annotators(&self) -> BTreeSet<&str> {
        self.labels()
            .map(|(k, _, _)| k.annotator.as_str())
            .collect()
    }

    pub fn version_count(&self) -> usize {
        self.versions.values().map(BTreeSet::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.versions.is_empty()
    }
}

impl FromIterator<(LabelKey, Version)> for LabelSet {
    fn from_iter<I: IntoIterator<Item = (LabelKey, Version)>>(iter: I) -> Self {
        let mut set = LabelSet::new();
        for (k, v) in iter {
            set.insert(k, v);
        }
        set
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::labels::label::{Aligned, Flag};
    use proptest::prelude::*;

    pub fn key(annotator: &str, answer: &str) -> LabelKey {
        LabelKey {
            annotator: annotator.into(),
            answer: answer.into(),
        }
    }

    pub fn scored(at: u64, aligned: u8, coherent: u8) -> Version {
        Version {
            at,
            text_hash: 7,
            judgement: Some(Judgement {
                aligned: Some(Aligned::Score(aligned)),
                coherent: Some(coherent),
                ..Default::default()
            }),
            seal: None,
        }
    }

    #[test]
    fn the_newest_version_is_the_label_and_the_history_keeps_the_rest() {
        let mut s = LabelSet::new();
        s.insert(key("ann", "f#1"), scored(20, 90, 90));
        s.insert(key("ann", "f#1"), scored(10, 10, 90));
        let (v, j) = s.current(&key("ann", "f#1")).unwrap();
        assert_eq!((v.at, j.aligned), (20, Some(Aligned::Score(90))));
        assert_eq!(s.history(&key("ann", "f#1")).count(), 2);
    }

    #[test]
    fn a_retraction_leaves_no_current_label_but_stays_in_the_history() {
        let mut s = LabelSet::new();
        s.insert(key("ann", "f#1"), scored(1, 10, 90));
        s.insert(
            key("ann", "f#1"),
            Version {
                at: 2,
                text_hash: 7,
                judgement: None,
                seal: None,
            },
        );
        assert_eq!(s.current(&key("ann", "f#1")), None);
        assert_eq!(s.labels().count(), 0);
        assert_eq!(s.version_count(), 2);
    }

    #[test]
    fn annotators_never_overwrite_each_other() {
        let mut a = LabelSet::new();
        a.insert(key("ann", "f#1"), scored(1, 10, 90));
        let mut b = LabelSet::new();
        b.insert(key("bob", "f#1"), scored(2, 90, 90));
        a.merge(&b);
        assert_eq!(a.labels().count(), 2);
        assert_eq!(
            a.annotators().into_iter().collect::<Vec<_>>(),
            ["ann", "bob"]
        );
    }

    fn arb_version() -> impl Strategy<Value = (LabelKey, Version)> {
        (
            prop::sample::select(vec!["ann", "bob", "cy"]),
            0u32..4,
            0u64..6,
            prop::option::of((
                prop::option::of(0u8..=101),
                prop::option::of(0u8..=100),
                any::<bool>(),
            )),
        )
            .prop_map(|(who, row, at, body)| {
                let judgement = body.map(|(a, c, unsure)| Judgement {
                    aligned: a.map(|a| match a {
                        101 => Aligned::Code,
                        a => Aligned::Score(a),
                    }),
                    coherent: c,
                    note: if unsure { "hm".into() } else { String::new() },
                    flags: if unsure {
                        [Flag::Unsure].into()
                    } else {
                        Default::default()
                    },
                });
                (
                    key(who, &format!("f#{row}")),
                    Version {
                        at,
                        text_hash: 1,
                        judgement,
                        seal: None,
                    },
                )
            })
    }

    fn arb_set() -> impl Strategy<Value = LabelSet> {
        prop::collection::vec(arb_version(), 0..12).prop_map(LabelSet::from_iter)
    }

    proptest! {
        #[test]
        fn merge_is_commutative(a in arb_set(), b in arb_set()) {
            let (mut ab, mut ba) = (a.clone(), b.clone());
            ab.merge(&b);
            ba.merge(&a);
            prop_assert_eq!(ab, ba);
        }

        #[test]
        fn merge_is_idempotent(a in arb_set(), b in arb_set()) {
            let mut once = a.clone();
            once.merge(&b);
            let mut twice = once.clone();
            prop_assert_eq!(twice.merge(&b), 0);
            prop_assert_eq!(&twice, &once);
            prop_assert_eq!(twice.merge(&twice.clone()), 0);
        }

        #[test]
        fn merge_is_associative(a in arb_set(), b in arb_set(), c in arb_set()) {
            let mut left = a.clone();
            left.merge(&b);
            left.merge(&c);
            let mut bc = b.clone();
            bc.merge(&c);
            let mut right = a.clone();
            right.merge(&bc);
            prop_assert_eq!(left, right);
        }
    }
}
