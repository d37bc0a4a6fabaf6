//! Labels against the answers they point at. A label carries its answer's id and a hash of
//! the text the annotator saw; when the app knows an answer with that id but a different
//! text (a file re-imported after an edit, a different file with the same name), the label
//! must not attach to it. Imports keep such versions out and list them.

use super::label::LabelKey;
use super::set::LabelSet;

/// A label version whose answer's text changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    pub key: LabelKey,
    pub at: u64,
    pub label_hash: u64,
    pub answer_hash: u64,
}

/// An imported set, checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Checked {
    /// The versions that may be merged.
    pub accepted: LabelSet,
    pub mismatched: Vec<Mismatch>,
    /// Accepted versions of answers not loaded now (checked when their file is).
    pub unknown: usize,
}

/// Splits `set` by whether each version's text hash matches the answer the app knows
/// (`answer_hash(id)`, `None` when no such answer is loaded).
pub fn check(set: &LabelSet, answer_hash: impl Fn(&str) -> Option<u64>) -> Checked {
    let mut out = Checked::default();
    for (key, version) in set.versions() {
        match answer_hash(&key.answer) {
            Some(h) if h != version.text_hash => out.mismatched.push(Mismatch {
                key: key.clone(),
                at: version.at,
                label_hash: version.text_hash,
                answer_hash: h,
            }),
            known => {
                out.unknown += usize::from(known.is_none());
                out.accepted.insert(key.clone(), version.clone());
            }
        }
    }
    out
}

/// The import's message about mismatches, listing at most `max` labels.
pub fn describe(mismatched: &[Mismatch], max: usize) -> Option<String> {
    if mismatched.is_empty() {
        return None;
    }
    let mut keys: Vec<String> = mismatched
        .iter()
        .map(|m| format!("{} by {}", m.key.answer, m.key.annotator))
        .collect();
    keys.dedup();
    let shown = keys
        .iter()
        .take(max)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    let more = keys.len().saturating_sub(max);
    Some(format!(
        "{} label version{} not applied: the answer's text differs from the one labelled ({shown}{})",
        mismatched.len(),
        if mismatched.len() == 1 {
            " was"
        } else {
            "s were"
        },
        if more > 0 {
            format!(", and {more} more")
        } else {
            String::new()
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::labels::set::tests::{key, scored};

    #[test]
    fn a_label_of_changed_text_is_kept_out_and_listed() {
        let mut s = LabelSet::new();
        s.insert(key("ann", "f#1"), scored(1, 10, 90)); // text hash 7
        s.insert(key("ann", "f#2"), scored(2, 10, 90));
        s.insert(key("bob", "g#9"), scored(3, 10, 90));
        let c = check(&s, |id| match id {
            "f#1" => Some(7),
            "f#2" => Some(8),
            _ => None,
        });
        assert_eq!(c.accepted.labels().count(), 2);
        assert_eq!(c.unknown, 1);
        assert_eq!(c.mismatched.len(), 1);
        assert_eq!(c.mismatched[0].key, key("ann", "f#2"));
        let msg = describe(&c.mismatched, 5).unwrap();
        assert_eq!(
            msg,
            "1 label version was not applied: the answer's text differs from the one labelled (f#2 by ann)"
        );
        assert_eq!(describe(&[], 5), None);
    }

    #[test]
    fn a_long_list_of_mismatches_is_cut_short() {
        let mut s = LabelSet::new();
        for i in 0..12 {
            s.insert(key("ann", &format!("f#{i}")), scored(i, 10, 90));
        }
        let c = check(&s, |_| Some(1));
        let msg = describe(&c.mismatched, 3).unwrap();
        assert!(
            msg.starts_with("12 label versions were not applied"),
            "{msg}"
        );
        assert!(msg.ends_with(", and 9 more)"), "{msg}");
    }
}
