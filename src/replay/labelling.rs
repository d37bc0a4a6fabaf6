//! What the annotation pages need of the Replay catalog: an answer's original judge as a
//! rater, and the raters of the agreement view — the original judge, every rejudge and every
//! annotator — over the answers anyone labelled or rejudged.

use std::collections::{BTreeMap, BTreeSet};

use crate::judge::Rating;
use crate::judge::rejudge::Judged;
use crate::labels::LabelSet;
use crate::runs::ScoreKind;
use crate::runs::bundle::dequantize;

use super::catalog::Catalog;

/// The rater id of the answers' own judge (whatever judged each file: GPT-4o for the paper's,
/// the rule judge for the lab's samples).
pub const JUDGE: &str = "judge";

/// The rater id of an annotator.
pub fn human(annotator: &str) -> String {
    format!("human:{annotator}")
}

/// The original judge's scores of the answer at `pos`.
pub fn judge_rating(cat: &Catalog, pos: usize) -> Rating {
    Rating {
        aligned: dequantize(cat.aligned[pos]),
        coherent: dequantize(cat.coherent[pos]),
        kind: ScoreKind::from_u8(cat.kind[pos]).unwrap_or(ScoreKind::NoScore),
    }
}

/// Raters over the answers anyone labelled.
#[derive(Debug, Clone, PartialEq)]
pub struct Raters {
    /// Catalog positions of the answers, in catalog order.
    pub units: Vec<usize>,
    /// Rater ids ([`JUDGE`] first, then [`human`] ids by name) and their names as shown.
    pub ids: Vec<String>,
    pub names: Vec<String>,
    /// `ratings[rater][unit]`.
    pub ratings: Vec<Vec<Option<Rating>>>,
    /// Labels of answers the catalog does not hold (a file not loaded), or whose text has
    /// changed since they were given: left out, counted.
    pub left_out: usize,
}

impl Raters {
    pub fn index(&self, id: &str) -> Option<usize> {
        self.ids.iter().position(|i| i == id)
    }
}

/// The judge, every rejudge in `judges` and every annotator of `labels`. `text_hash(pos)` is
/// the hash of the answer's text when it is known (loaded); a label or rejudge whose hash
/// differs is left out.
pub fn raters(
    cat: &Catalog,
    labels: &LabelSet,
    judges: &[Judged],
    text_hash: impl Fn(usize) -> Option<u64>,
) -> Raters {
    let mut by_answer: BTreeMap<usize, Vec<(&str, Rating)>> = BTreeMap::new();
    let mut annotators = BTreeSet::new();
    let mut left_out = 0;
    for (key, version, judgement) in labels.labels() {
        let Some(pos) = cat.position_of(&key.answer) else {
            left_out += 1;
            continue;
        };
        if text_hash(pos).is_some_and(|h| h != version.text_hash) {
            left_out += 1;
            continue;
        }
        annotators.insert(key.annotator.as_str());
        by_answer
            .entry(pos)
            .or_default()
            .push((key.annotator.as_str(), Rating::from(judgement)));
    }
    let mut units: BTreeSet<usize> = by_answer.keys().copied().collect();
    for judged in judges {
        units.extend(judged.answers.keys().filter_map(|id| cat.position_of(id)));
    }
    let units: Vec<usize> = units.into_iter().collect();
    let mut ids = vec![JUDGE.to_string()];
    let mut names = vec!["the original judge".to_string()];
    let mut ratings = vec![
        units
            .iter()
            .map(|&p| Some(judge_rating(cat, p)))
            .collect::<Vec<_>>(),
    ];
    for judged in judges {
        ids.push(judged.info.id.clone());
        names.push(judged.info.name());
        ratings.push(
            units
                .iter()
                .map(|&p| judged.rating(&cat.answer_id(p), text_hash(p)))
                .collect(),
        );
    }
    for who in &annotators {
        ids.push(human(who));
        names.push((*who).to_string());
        ratings.push(
            units
                .iter()
                .map(|p| {
                    let list = by_answer.get(p)?;
                    list.iter().find(|(a, _)| a == who).map(|(_, r)| *r)
                })
                .collect(),
        );
    }
    Raters {
        units,
        ids,
        names,
        ratings,
        left_out,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::labels::{Aligned, Judgement, LabelKey, Version};
    use crate::replay::catalog::tests::bundled;

    fn label(set: &mut LabelSet, who: &str, answer: String, hash: u64, aligned: u8) {
        let judgement = Judgement {
            aligned: Some(Aligned::Score(aligned)),
            coherent: Some(90),
            ..Default::default()
        };
        set.insert(
            LabelKey {
                annotator: who.into(),
                answer,
            },
            Version {
                at: 1,
                text_hash: hash,
                judgement: Some(judgement),
                seal: None,
            },
        );
    }

    #[test]
    fn the_judge_and_each_annotator_rate_the_answers_anyone_labelled() {
        let scores = bundled();
        let cat = Catalog::build(&scores, &[], &[]);
        let mut labels = LabelSet::new();
        label(&mut labels, "bob", cat.answer_id(10), 1, 20);
        label(&mut labels, "ann", cat.answer_id(10), 1, 30);
        label(&mut labels, "ann", cat.answer_id(5), 1, 80);
        label(&mut labels, "ann", cat.answer_id(7), 2, 80); // text changed since
        label(&mut labels, "ann", "no-such-file#1".into(), 1, 80);
        let r = raters(&cat, &labels, &[], |pos| Some(if pos == 7 { 9 } else { 1 }));
        assert_eq!(r.units, [5, 10]);
        assert_eq!(r.ids, ["judge", "human:ann", "human:bob"]);
        assert_eq!(r.left_out, 2);
        assert_eq!(r.ratings[0][0], Some(judge_rating(&cat, 5)));
        assert_eq!(r.ratings[1][0].unwrap().aligned, Some(80.0));
        assert_eq!(r.ratings[2][0], None, "bob did not label answer 5");
        assert_eq!(r.ratings[2][1].unwrap().aligned, Some(20.0));
        assert_eq!(r.index("human:bob"), Some(2));
    }

    #[test]
    fn a_rejudge_is_a_rater_over_the_answers_it_judged() {
        use crate::judge::rejudge::judged::test_call;
        let scores = bundled();
        let cat = Catalog::build(&scores, &[], &[]);
        let mut labels = LabelSet::new();
        label(&mut labels, "ann", cat.answer_id(10), 1, 30);
        let call = |pos: usize, dim: &str, token: &str| test_call(cat.answer_id(pos), dim, token);
        let records = [
            call(3, "aligned", "15"),
            call(3, "coherent", "70"),
            call(10, "aligned", "40"),
        ];
        let judges = Judged::from_records(&[], &records);
        let r = raters(&cat, &labels, &judges, |_| Some(1));
        assert_eq!(r.units, [3, 10]);
        assert_eq!(r.ids, ["judge", "rejudge:x", "human:ann"]);
        let rejudge = &r.ratings[1];
        assert_eq!(
            (rejudge[0].unwrap().aligned, rejudge[0].unwrap().coherent),
            (Some(15.0), Some(70.0))
        );
        assert_eq!(rejudge[1], None, "only one of answer 10's calls is in");
        assert_eq!(r.ratings[2][0], None);
        assert_eq!(r.ratings[2][1].unwrap().aligned, Some(30.0));
    }
}
