//! The `/agreement` page's model: how far two raters — annotators, the original judge, a
//! re-judge, the toy rule judge — agree on the answers they share, per question and overall.
//!
//! For a pair: Cohen's κ on the verdict (misaligned or not, under the current thresholds),
//! with % agreement and each rater's prevalence beside it, the confusion matrix of the
//! verdict classes; quadratic-weighted κ and Krippendorff's α (interval, ordinal) on
//! `aligned` and on `coherent`; 95% bootstrap CIs over answers with degenerate resamples
//! counted; the disagreements, largest first. For a set of raters: α per score. Scores are
//! compared as whole numbers 0–100 (a judge's 83.6 counts as 84), the verdict from the
//! unrounded scores.

use crate::judge::agreement::{
    Confusion, Interval, Level, Measure, Measures, Ratings, UnitStatistics, bootstrap,
};
use crate::judge::{Rating, Thresholds, Verdict};

/// The verdict classes of the confusion matrix, in its order.
pub const CLASSES: [Verdict; 5] = [
    Verdict::Misaligned,
    Verdict::Aligned,
    Verdict::Incoherent,
    Verdict::Code,
    Verdict::Refusal,
];

fn class(v: Verdict) -> Option<u8> {
    CLASSES.iter().position(|&c| c == v).map(|i| i as u8)
}

/// Misaligned (1) or not (0); `None` without a verdict.
fn misaligned(v: Verdict) -> Option<u8> {
    (v != Verdict::NoScore).then_some(u8::from(v == Verdict::Misaligned))
}

fn whole(score: Option<f64>) -> Option<u8> {
    score.map(|s| s.round().clamp(0.0, 100.0) as u8)
}

/// A statistic and its interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stat {
    pub value: Option<f64>,
    pub ci: Interval,
}

#[derive(Debug, Clone, PartialEq)]
pub struct VerdictAgreement {
    /// Misaligned (row/column 1) or not (0).
    pub binary: Confusion,
    /// Over [`CLASSES`].
    pub classes: Confusion,
    pub kappa: Stat,
    pub agreement: Stat,
    /// Share of each rater's verdicts that are "misaligned".
    pub prevalence: [Option<f64>; 2],
}

#[derive(Debug, Clone, PartialEq)]
pub struct ScoreAgreement {
    /// Answers both raters scored.
    pub n: usize,
    pub quadratic_kappa: Stat,
    pub alpha_interval: Stat,
    pub alpha_ordinal: Stat,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PairReport {
    /// Answers both raters rated in any way.
    pub shared: usize,
    pub verdict: VerdictAgreement,
    pub aligned: ScoreAgreement,
    pub coherent: ScoreAgreement,
}

/// The bootstrap's settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resampling {
    pub resamples: u32,
    pub seed: u64,
}

impl Default for Resampling {
    fn default() -> Self {
        Self {
            resamples: crate::judge::agreement::RESAMPLES,
            seed: crate::judge::agreement::SEED,
        }
    }
}

/// Units (answers) both raters rated, as positions in their rating lists.
pub fn shared(a: &[Option<Rating>], b: &[Option<Rating>]) -> Vec<usize> {
    assert_eq!(a.len(), b.len(), "both raters' answers");
    (0..a.len())
        .filter(|&u| a[u].is_some() && b[u].is_some())
        .collect()
}

/// The pair's report over the answers at `units` (e.g. [`shared`], or one question's).
pub fn pair(
    a: &[Option<Rating>],
    b: &[Option<Rating>],
    units: &[usize],
    t: &Thresholds,
    resampling: Resampling,
) -> PairReport {
    let pick = |r: &[Option<Rating>], f: &dyn Fn(&Rating) -> Option<u8>| -> Vec<Option<u8>> {
        units.iter().map(|&u| r[u].as_ref().and_then(f)).collect()
    };
    let bin = |r: &Rating| misaligned(r.verdict(t));
    let cls = |r: &Rating| class(r.verdict(t));
    let al = |r: &Rating| whole(r.aligned);
    let co = |r: &Rating| whole(r.coherent);
    let binary = Ratings::pair(2, &pick(a, &bin), &pick(b, &bin));
    let classes = Ratings::pair(CLASSES.len(), &pick(a, &cls), &pick(b, &cls));
    let scores = [
        Ratings::pair(101, &pick(a, &al), &pick(b, &al)),
        Ratings::pair(101, &pick(a, &co), &pick(b, &co)),
    ];

    const VERDICT: [Measure; 2] = [Measure::Kappa, Measure::Agreement];
    const SCORES: [Measure; 3] = [
        Measure::QuadraticKappa,
        Measure::Alpha(Level::Interval),
        Measure::Alpha(Level::Ordinal),
    ];
    let verdict = Measures {
        ratings: &binary,
        list: &VERDICT,
    };
    let aligned = Measures {
        ratings: &scores[0],
        list: &SCORES,
    };
    let coherent = Measures {
        ratings: &scores[1],
        list: &SCORES,
    };
    let all: [&dyn UnitStatistics; 3] = [&verdict, &aligned, &coherent];
    let cis = bootstrap(&all, units.len(), resampling.resamples, resampling.seed);
    let values: Vec<Option<f64>> = all.iter().flat_map(|s| s.estimate()).collect();
    let stat = |i: usize| Stat {
        value: values[i],
        ci: cis[i],
    };
    let table = binary.confusion(&binary.once());
    let score = |d: usize| ScoreAgreement {
        n: scores[d].complete(),
        quadratic_kappa: stat(2 + 3 * d),
        alpha_interval: stat(3 + 3 * d),
        alpha_ordinal: stat(4 + 3 * d),
    };
    PairReport {
        shared: units.len(),
        verdict: VerdictAgreement {
            prevalence: [table.prevalence(0, 1), table.prevalence(1, 1)],
            binary: table,
            classes: classes.confusion(&classes.once()),
            kappa: stat(0),
            agreement: stat(1),
        },
        aligned: score(0),
        coherent: score(1),
    }
}

/// The answers on which the two verdicts differ (misaligned vs not), largest `aligned`
/// difference first.
pub fn disagreements(
    a: &[Option<Rating>],
    b: &[Option<Rating>],
    units: &[usize],
    t: &Thresholds,
) -> Vec<usize> {
    let mut out: Vec<(f64, usize)> = units
        .iter()
        .filter_map(|&u| {
            let (x, y) = (a[u].as_ref()?, b[u].as_ref()?);
            let (vx, vy) = (misaligned(x.verdict(t))?, misaligned(y.verdict(t))?);
            let gap = match (x.aligned, y.aligned) {
                (Some(p), Some(q)) => (p - q).abs(),
                _ => 100.0,
            };
            (vx != vy).then_some((gap, u))
        })
        .collect();
    out.sort_by(|p, q| q.0.total_cmp(&p.0).then(p.1.cmp(&q.1)));
    out.into_iter().map(|(_, u)| u).collect()
}

/// Verdict κ as the `aligned` threshold moves (the coherent one held): how much the
/// agreement depends on where the line is drawn.
pub fn kappa_by_threshold(
    a: &[Option<Rating>],
    b: &[Option<Rating>],
    units: &[usize],
    coherent_above: f64,
    aligned_below: impl IntoIterator<Item = f64>,
) -> Vec<(f64, Option<f64>)> {
    aligned_below
        .into_iter()
        .map(|x| {
            let t = Thresholds {
                aligned_below: x,
                coherent_above,
            };
            let pick = |r: &[Option<Rating>]| -> Vec<Option<u8>> {
                units
                    .iter()
                    .map(|&u| r[u].as_ref().and_then(|r| misaligned(r.verdict(&t))))
                    .collect()
            };
            let r = Ratings::pair(2, &pick(a), &pick(b));
            (x, r.confusion(&r.once()).kappa())
        })
        .collect()
}

/// Krippendorff's α over a set of raters (`ratings[rater][answer]`, missing allowed) on
/// `aligned` or `coherent`, over the answers at `units`.
pub fn set_alpha(
    ratings: &[&[Option<Rating>]],
    units: &[usize],
    coherent: bool,
    level: Level,
    resampling: Resampling,
) -> Stat {
    let value = |r: &Option<Rating>| {
        whole(
            r.as_ref()
                .and_then(|r| if coherent { r.coherent } else { r.aligned }),
        )
    };
    let data = Ratings::new(
        ratings.len(),
        101,
        units
            .iter()
            .map(|&u| ratings.iter().map(move |r| value(&r[u]))),
    );
    let list = [Measure::Alpha(level)];
    let m = Measures {
        ratings: &data,
        list: &list,
    };
    let [ci] = bootstrap(&[&m], units.len(), resampling.resamples, resampling.seed)[..] else {
        unreachable!("one statistic")
    };
    Stat {
        value: m.estimate()[0],
        ci,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runs::ScoreKind;

    fn r(aligned: f64, coherent: f64) -> Option<Rating> {
        Some(Rating {
            aligned: Some(aligned),
            coherent: Some(coherent),
            kind: ScoreKind::Numeric,
        })
    }

    fn code() -> Option<Rating> {
        Some(Rating {
            aligned: None,
            coherent: Some(90.0),
            kind: ScoreKind::Code,
        })
    }

    const FEW: Resampling = Resampling {
        resamples: 200,
        seed: 1,
    };

    #[test]
    fn identical_raters_agree_perfectly_with_no_spread() {
        let a: Vec<_> = (0..40)
            .map(|i| r((i * 5 % 100) as f64, 60.0 + (i % 4) as f64 * 10.0))
            .collect();
        let rep = pair(&a, &a, &shared(&a, &a), &Thresholds::default(), FEW);
        assert_eq!(rep.verdict.kappa.value, Some(1.0));
        assert_eq!(rep.verdict.kappa.ci.lo_hi, Some((1.0, 1.0)));
        assert_eq!(rep.aligned.quadratic_kappa.value, Some(1.0));
        assert_eq!(rep.coherent.alpha_interval.value, Some(1.0));
        assert_eq!(rep.aligned.n, 40);
    }

    #[test]
    fn only_answers_both_rated_count_and_code_is_a_verdict_without_a_score() {
        let a = vec![r(10.0, 90.0), r(80.0, 90.0), None, code()];
        let b = vec![r(15.0, 85.0), None, r(5.0, 90.0), r(90.0, 90.0)];
        let units = shared(&a, &b);
        assert_eq!(units, [0, 3]);
        let rep = pair(&a, &b, &units, &Thresholds::default(), FEW);
        assert_eq!(rep.shared, 2);
        assert_eq!(rep.verdict.binary.total(), 2);
        assert_eq!(rep.aligned.n, 1, "CODE has no aligned score");
        assert_eq!(rep.coherent.n, 2);
        // The class table: misaligned/misaligned and CODE/aligned.
        assert_eq!(rep.verdict.classes.count(0, 0), 1);
        assert_eq!(rep.verdict.classes.count(3, 1), 1);
    }

    #[test]
    fn disagreements_list_the_largest_gap_first() {
        let a = vec![r(10.0, 90.0), r(20.0, 90.0), r(50.0, 90.0), r(25.0, 90.0)];
        let b = vec![r(90.0, 90.0), r(35.0, 90.0), r(55.0, 90.0), r(26.0, 90.0)];
        let d = disagreements(&a, &b, &shared(&a, &b), &Thresholds::default());
        assert_eq!(d, [0, 1]);
    }

    #[test]
    fn the_threshold_sweep_recomputes_the_verdict_kappa_at_each_threshold() {
        let a = vec![r(10.0, 90.0), r(40.0, 90.0), r(60.0, 90.0), r(90.0, 90.0)];
        let b = vec![r(12.0, 90.0), r(28.0, 90.0), r(65.0, 90.0), r(95.0, 90.0)];
        let sweep = kappa_by_threshold(&a, &b, &shared(&a, &b), 50.0, [30.0, 50.0]);
        let at_30 = pair(&a, &b, &shared(&a, &b), &Thresholds::default(), FEW)
            .verdict
            .kappa
            .value;
        assert_eq!(sweep[0], (30.0, at_30));
        assert_eq!(sweep[1], (50.0, Some(1.0)));
    }

    #[test]
    fn a_set_alpha_of_three_raters_allows_missing_ratings() {
        let a = vec![r(10.0, 90.0), r(40.0, 90.0), r(60.0, 90.0), None];
        let b = vec![r(12.0, 80.0), None, r(65.0, 90.0), r(95.0, 90.0)];
        let c = vec![None, r(45.0, 70.0), r(62.0, 95.0), r(90.0, 85.0)];
        let s = set_alpha(&[&a, &b, &c], &[0, 1, 2, 3], false, Level::Interval, FEW);
        assert!(s.value.unwrap() > 0.9, "{s:?}");
        assert_eq!(s.ci.resamples, 200);
    }

    #[test]
    fn the_same_seed_gives_the_same_report() {
        let a: Vec<_> = (0..60).map(|i| r((i * 7 % 100) as f64, 70.0)).collect();
        let b: Vec<_> = (0..60)
            .map(|i| r((i * 7 % 100) as f64 + (i % 3) as f64 * 9.0 - 9.0, 70.0))
            .collect();
        let u = shared(&a, &b);
        assert_eq!(
            pair(&a, &b, &u, &Thresholds::default(), FEW),
            pair(&a, &b, &u, &Thresholds::default(), FEW)
        );
    }
}
