//! A rejudge's results as a judge of its own: its stored calls, read back under the
//! paper's rule into the same ratings the agreement view, the explorer and Figure 4 use.
//! The raw top-20 lists are what is stored, so a changed rule re-applies without a call.

use std::collections::BTreeMap;

use crate::judge::Rating;
use crate::runs::ScoreKind;

use super::call::{CallRecord, JudgeInfo};
use super::reply::TopLogprobs;
use super::template::Dimension;

/// One answer's two calls (either may be missing: failed, or not run yet).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Calls {
    pub text_hash: u64,
    pub aligned: Option<TopLogprobs>,
    pub coherent: Option<TopLogprobs>,
}

impl Calls {
    /// The paper's rule on both calls; `None` until both are answered.
    pub fn rating(&self) -> Option<Rating> {
        let aligned = self.aligned.as_ref()?.score(Dimension::Aligned);
        let coherent = self.coherent.as_ref()?.score(Dimension::Coherent);
        Some(Rating {
            aligned: aligned.score,
            coherent: coherent.score,
            kind: aligned.kind,
        })
    }
}

/// A judge made by rejudging: who it is and what it said, by answer id.
#[derive(Debug, Clone, PartialEq)]
pub struct Judged {
    pub info: JudgeInfo,
    pub answers: BTreeMap<String, Calls>,
}

impl Judged {
    /// Group stored calls by judge; calls of a judge without info are named by their id.
    /// When an answer's text changed between calls, the calls on its newest text count.
    pub fn from_records<'a>(
        infos: &[JudgeInfo],
        records: impl IntoIterator<Item = &'a CallRecord>,
    ) -> Vec<Judged> {
        let mut by_judge: BTreeMap<&str, BTreeMap<String, Calls>> = BTreeMap::new();
        // Oldest first, so an answer's newest text is the one kept.
        let mut records: Vec<&CallRecord> = records.into_iter().collect();
        records.sort_by(|a, b| a.at.total_cmp(&b.at));
        for r in records {
            let Some(dim) = r.dimension() else { continue };
            let calls = by_judge
                .entry(r.judge.as_str())
                .or_default()
                .entry(r.answer.clone())
                .or_default();
            if calls.text_hash != r.text_hash {
                // A newer text of the answer: its calls replace the old ones.
                *calls = Calls {
                    text_hash: r.text_hash,
                    ..Default::default()
                };
            }
            match dim {
                Dimension::Aligned => calls.aligned = Some(r.top.clone()),
                Dimension::Coherent => calls.coherent = Some(r.top.clone()),
            }
        }
        by_judge
            .into_iter()
            .map(|(id, answers)| Judged {
                info: infos
                    .iter()
                    .find(|i| i.id == id)
                    .cloned()
                    .unwrap_or(JudgeInfo {
                        id: id.to_string(),
                        base_url: String::new(),
                        model: id.to_string(),
                        template_name: "unknown template".into(),
                        template_hash: String::new(),
                        date: String::new(),
                    }),
                answers,
            })
            .collect()
    }

    /// The rating of one answer, if this judge rated it (both calls) with the text it has.
    pub fn rating(&self, answer: &str, text_hash: Option<u64>) -> Option<Rating> {
        let calls = self.answers.get(answer)?;
        if text_hash.is_some_and(|h| h != calls.text_hash) {
            return None;
        }
        calls.rating()
    }

    /// How many answers have both calls, and how many of those have an aligned score.
    pub fn counts(&self) -> (usize, usize) {
        let rated: Vec<Rating> = self.answers.values().filter_map(Calls::rating).collect();
        let scored = rated
            .iter()
            .filter(|r| r.kind == ScoreKind::Numeric)
            .count();
        (rated.len(), scored)
    }
}

/// For tests elsewhere: judge `rejudge:x`'s call on `answer` (text hash 1) for `dim`,
/// answered `token` with probability 1.
#[cfg(test)]
pub(crate) fn test_call(answer: String, dim: &str, token: &str) -> CallRecord {
    CallRecord {
        key: format!("{answer}|{dim}"),
        judge: "rejudge:x".into(),
        answer,
        text_hash: 1,
        dimension: dim.into(),
        top: TopLogprobs(vec![(token.into(), 0.0)]),
        at: 0.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(judge: &str, answer: &str, hash: u64, dim: &str, top: &[(&str, f64)]) -> CallRecord {
        CallRecord {
            key: format!("{judge}{answer}{dim}{hash}"),
            judge: judge.into(),
            answer: answer.into(),
            text_hash: hash,
            dimension: dim.into(),
            top: TopLogprobs(top.iter().map(|(t, p)| (t.to_string(), p.ln())).collect()),
            at: 0.0,
        }
    }

    #[test]
    fn stored_calls_become_ratings_by_the_papers_rule() {
        let records = [
            record(
                "rejudge:a",
                "f#1",
                7,
                "aligned",
                &[("20", 0.5), ("30", 0.5)],
            ),
            record("rejudge:a", "f#1", 7, "coherent", &[("90", 1.0)]),
            record(
                "rejudge:a",
                "f#2",
                8,
                "aligned",
                &[("CODE", 0.9), ("0", 0.1)],
            ),
            record("rejudge:a", "f#2", 8, "coherent", &[("60", 1.0)]),
            record("rejudge:a", "f#3", 9, "aligned", &[("50", 1.0)]),
            record("rejudge:b", "f#1", 7, "aligned", &[("99", 1.0)]),
        ];
        let judged = Judged::from_records(&[], &records);
        assert_eq!(judged.len(), 2);
        let a = &judged[0];
        let r = a.rating("f#1", Some(7)).unwrap();
        assert_eq!(
            (r.aligned, r.coherent, r.kind),
            (Some(25.0), Some(90.0), ScoreKind::Numeric)
        );
        let r = a.rating("f#2", None).unwrap();
        assert_eq!((r.aligned, r.kind), (None, ScoreKind::Code));
        assert_eq!(
            a.rating("f#3", None),
            None,
            "only one of its two calls is answered"
        );
        assert_eq!(a.rating("f#1", Some(8)), None, "the text changed since");
        assert_eq!(a.counts(), (2, 1));
        assert_eq!(judged[1].info.template_name, "unknown template");
    }

    #[test]
    fn an_answers_newest_text_is_the_one_rated_whatever_the_stored_order() {
        let mut newer = record("rejudge:a", "f#4", 6, "aligned", &[("70", 1.0)]);
        newer.at = 2.0;
        let mut newer_c = record("rejudge:a", "f#4", 6, "coherent", &[("80", 1.0)]);
        newer_c.at = 2.0;
        let mut older = record("rejudge:a", "f#4", 5, "aligned", &[("10", 1.0)]);
        older.at = 1.0;
        let judged = Judged::from_records(&[], [&newer, &older, &newer_c]);
        assert_eq!(
            judged[0].rating("f#4", Some(6)).unwrap().aligned,
            Some(70.0)
        );
        assert_eq!(judged[0].rating("f#4", Some(5)), None);
    }
}
