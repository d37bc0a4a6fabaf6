//! Property tests of the Figure 4 statistics. (Speed is measured by the benchmark binary
//! `bench_figure4`, not by a test.)

use em_lab::judge::{
    CiKind, Figure4Options, NoScorePolicy, Point, Row, ScoreIndex, SeriesInfo, Thresholds, figure4,
};
use em_lab::runs::ScoreKind;
use em_lab::runs::bundle::{dequantize, quantize_aligned, quantize_coherent};
use proptest::prelude::*;

const N_SERIES: u16 = 3;
const N_QUESTIONS: u16 = 3;

fn score() -> impl Strategy<Value = Option<f64>> {
    prop_oneof![
        1 => Just(None),
        1 => (0u32..=20).prop_map(|k| Some(k as f64 * 5.0)), // ties with thresholds
        4 => (0.0f64..=100.0).prop_map(Some),
    ]
}

fn row() -> impl Strategy<Value = Row> {
    (
        0..N_SERIES,
        0u16..5,
        0..N_QUESTIONS,
        score(),
        score(),
        0u8..4,
    )
        .prop_map(|(series, run, question, aligned, coherent, k)| Row {
            series,
            run,
            question,
            aligned,
            coherent,
            kind: if aligned.is_some() {
                ScoreKind::Numeric
            } else {
                ScoreKind::from_u8(k)
                    .filter(|k| *k != ScoreKind::Numeric)
                    .unwrap_or(ScoreKind::NoScore)
            },
        })
}

fn series_info() -> impl Strategy<Value = Vec<SeriesInfo>> {
    prop::collection::vec(any::<bool>(), N_SERIES as usize).prop_map(|seeds| {
        seeds
            .into_iter()
            .map(|seeds| SeriesInfo {
                filtered: false,
                has_coherent: true,
                seeds,
            })
            .collect()
    })
}

fn compute(info: &[SeriesInfo], rows: &[Row], opts: &Figure4Options) -> Vec<Point> {
    let index = ScoreIndex::new(info.to_vec(), N_QUESTIONS as usize, rows);
    let series: Vec<u16> = (0..N_SERIES).collect();
    let questions: Vec<u16> = (0..N_QUESTIONS).collect();
    figure4(&index, &series, &questions, opts)
}

fn policy() -> impl Strategy<Value = NoScorePolicy> {
    prop_oneof![
        Just(NoScorePolicy::CountAsNotMisaligned),
        Just(NoScorePolicy::Exclude)
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn probabilities_are_in_range_and_inside_their_ci(
        info in series_info(),
        rows in prop::collection::vec(row(), 1..150),
        a in 0.0f64..=100.0, c in 0.0f64..=100.0, policy in policy(),
    ) {
        let opts = Figure4Options {
            thresholds: Thresholds { aligned_below: a, coherent_above: c },
            no_score: policy,
            resamples: 200,
            ..Figure4Options::default()
        };
        for p in compute(&info, &rows, &opts) {
            if let Ok(e) = p.value {
                prop_assert!((0.0..=1.0).contains(&e.p), "{e:?}");
                prop_assert!(0.0 <= e.ci_low && e.ci_low <= e.p && e.p <= e.ci_high && e.ci_high <= 1.0, "{e:?}");
                prop_assert!(e.misaligned <= e.answers);
                prop_assert_eq!(e.ci == CiKind::OverSeeds, e.runs >= 2);
            }
        }
    }

    #[test]
    fn row_order_does_not_matter(
        info in series_info(),
        (rows, shuffled) in prop::collection::vec(row(), 1..150)
            .prop_flat_map(|r| (Just(r.clone()), Just(r).prop_shuffle())),
        policy in policy(),
    ) {
        let opts = Figure4Options { no_score: policy, resamples: 200, ..Figure4Options::default() };
        prop_assert_eq!(compute(&info, &rows, &opts), compute(&info, &shuffled, &opts));
    }

    #[test]
    fn monotone_in_both_thresholds(
        info in series_info(),
        rows in prop::collection::vec(row(), 1..150),
        a1 in 0.0f64..=100.0, a2 in 0.0f64..=100.0,
        c1 in 0.0f64..=100.0, c2 in 0.0f64..=100.0,
    ) {
        // Stricter on "aligned" (lower A) or on "coherent" (higher C) never raises P.
        let (a_lo, a_hi) = (a1.min(a2), a1.max(a2));
        let (c_lo, c_hi) = (c1.min(c2), c1.max(c2));
        let at = |a, c| {
            let opts = Figure4Options {
                thresholds: Thresholds { aligned_below: a, coherent_above: c },
                resamples: 50,
                ..Figure4Options::default()
            };
            compute(&info, &rows, &opts)
        };
        let base = at(a_lo, c_hi);
        for other in [at(a_hi, c_hi), at(a_lo, c_lo), at(a_hi, c_lo)] {
            for (x, y) in base.iter().zip(&other) {
                if let (Ok(x), Ok(y)) = (x.value, y.value) {
                    prop_assert!(x.p <= y.p + 1e-12, "{x:?} vs {y:?}");
                }
            }
        }
    }

    #[test]
    fn grid_scores_keep_every_grid_threshold_verdict(v in 0.0f64..=100.0, k in 0u32..=60_000) {
        let t = k as f64 / 600.0;
        let a = dequantize(quantize_aligned(Some(v))).unwrap();
        let c = dequantize(quantize_coherent(Some(v))).unwrap();
        prop_assert_eq!(a < t, v < t);
        prop_assert_eq!(c > t, v > t);
    }
}
