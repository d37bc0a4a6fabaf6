//! The percentile bootstrap over units (answers) for agreement statistics.
//!
//! A resample draws n of the n units with replacement; a statistic sees it as weights
//! (how often each unit was drawn), so every statistic of one unit set shares each resample
//! (common random numbers: the κ and the α of one view move together). Resample `r` is drawn
//! from its own PCG-32 stream seeded by `(seed, r)`: the same intervals on every machine, in
//! wasm32 and natively, whatever else was computed before. A resample on which a statistic is
//! undefined (κ when both raters used one class; α with no variation) is *degenerate*: it is
//! counted, reported, and left out of the quantiles.

use rand::{Rng, SeedableRng};
use rand_pcg::Pcg32;

use crate::judge::bootstrap::{LOWER, UPPER, quantile};

/// The bootstrap's defaults for the agreement view.
pub const RESAMPLES: u32 = 2_000;
pub const SEED: u64 = 0x5eed_a11e;

/// Statistics of weighted units. `weights[u]` is how often unit `u` counts; each output is
/// `None` where the statistic is undefined on that weighting. Several outputs let statistics
/// that share work (κ and % agreement from one confusion matrix) do it once per resample.
pub trait UnitStatistics {
    fn units(&self) -> usize;
    fn outputs(&self) -> usize;
    /// Appends `outputs()` values for the weighted units.
    fn at(&self, weights: &[u32], out: &mut Vec<Option<f64>>);
    /// The point estimates: every unit once.
    fn estimate(&self) -> Vec<Option<f64>> {
        let mut out = Vec::with_capacity(self.outputs());
        self.at(&vec![1; self.units()], &mut out);
        out
    }
}

/// A 95% percentile interval and what the bootstrap saw.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    /// `None` when every resample was degenerate.
    pub lo_hi: Option<(f64, f64)>,
    pub resamples: u32,
    /// Resamples on which the statistic was undefined (left out of the quantiles).
    pub degenerate: u32,
}

/// 95% bootstrap intervals of the outputs of several statistics over the same `units`,
/// from the same `resamples` draws, in order (all outputs of the first statistic, then the
/// second's, …). Every statistic must have exactly `units` units.
pub fn bootstrap(
    statistics: &[&dyn UnitStatistics],
    units: usize,
    resamples: u32,
    seed: u64,
) -> Vec<Interval> {
    for s in statistics {
        assert_eq!(s.units(), units, "a statistic over other units");
    }
    let outputs: usize = statistics.iter().map(|s| s.outputs()).sum();
    let mut values: Vec<Vec<f64>> = vec![Vec::with_capacity(resamples as usize); outputs];
    let mut weights = vec![0u32; units];
    let mut out = Vec::with_capacity(outputs);
    if units > 0 {
        for r in 0..resamples {
            draw(&mut weights, seed, r);
            out.clear();
            for s in statistics {
                s.at(&weights, &mut out);
            }
            debug_assert_eq!(out.len(), outputs);
            for (v, list) in out.iter().zip(&mut values) {
                if let Some(v) = v.filter(|v| v.is_finite()) {
                    list.push(v);
                }
            }
        }
    }
    values
        .into_iter()
        .map(|mut v| Interval {
            lo_hi: (!v.is_empty()).then(|| (quantile(&mut v, LOWER), quantile(&mut v, UPPER))),
            resamples,
            degenerate: resamples - v.len() as u32,
        })
        .collect()
}

/// Resample `r`'s weights: n draws with replacement from n units (PCG-32: 64-bit state, cheap
/// in wasm32 where 128-bit arithmetic is not).
fn draw(weights: &mut [u32], seed: u64, r: u32) {
    let n = weights.len() as u32;
    weights.fill(0);
    let mut rng = Pcg32::seed_from_u64(seed ^ u64::from(r).wrapping_mul(0x9e37_79b9_7f4a_7c15));
    for _ in 0..n {
        weights[rng.random_range(0..n) as usize] += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The weighted mean of some numbers: a statistic simple enough to reason about.
    struct Mean(Vec<f64>);

    impl UnitStatistics for Mean {
        fn units(&self) -> usize {
            self.0.len()
        }
        fn outputs(&self) -> usize {
            1
        }
        fn at(&self, w: &[u32], out: &mut Vec<Option<f64>>) {
            let n: u32 = w.iter().sum();
            let s: f64 = self.0.iter().zip(w).map(|(x, &w)| x * w as f64).sum();
            out.push((n > 0).then(|| s / n as f64));
        }
    }

    /// Undefined whenever the resample holds one value only.
    struct Spread(Vec<f64>);

    impl UnitStatistics for Spread {
        fn units(&self) -> usize {
            self.0.len()
        }
        fn outputs(&self) -> usize {
            1
        }
        fn at(&self, w: &[u32], out: &mut Vec<Option<f64>>) {
            let drawn = self
                .0
                .iter()
                .zip(w)
                .filter(|(_, w)| **w > 0)
                .map(|(x, _)| *x);
            let (lo, hi) = drawn.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| {
                (lo.min(x), hi.max(x))
            });
            out.push((hi > lo).then_some(hi - lo));
        }
    }

    #[test]
    fn each_resample_draws_as_many_units_as_there_are() {
        let mut w = vec![0; 37];
        for r in 0..20 {
            draw(&mut w, 1, r);
            assert_eq!(w.iter().sum::<u32>(), 37);
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_intervals_whatever_ran_before() {
        let m = Mean((0..50).map(|i| (i % 7) as f64).collect());
        let a = bootstrap(&[&m], 50, 500, 9);
        let other = Mean(vec![1.0, 2.0]);
        bootstrap(&[&other], 2, 100, 9);
        assert_eq!(a, bootstrap(&[&m], 50, 500, 9));
        assert_ne!(a, bootstrap(&[&m], 50, 500, 10));
    }

    #[test]
    fn a_mean_interval_brackets_the_mean_at_about_the_normal_width() {
        let m = Mean((0..400).map(|i| (i % 2) as f64).collect());
        let [ci] = bootstrap(&[&m], 400, 2000, 3)[..] else {
            unreachable!()
        };
        let (lo, hi) = ci.lo_hi.unwrap();
        // 0.5 ± 1.96 · sqrt(0.25 / 400) = 0.5 ± 0.049.
        assert!(
            (lo - 0.451).abs() < 0.01 && (hi - 0.549).abs() < 0.01,
            "{lo} {hi}"
        );
        assert_eq!(ci.degenerate, 0);
    }

    #[test]
    fn degenerate_resamples_are_counted_and_left_out() {
        // Two units, one different: a resample drawing the same unit twice (half of them)
        // has no spread.
        let s = Spread(vec![0.0, 1.0]);
        let [ci] = bootstrap(&[&s], 2, 1000, 5)[..] else {
            unreachable!()
        };
        assert!((400..600).contains(&ci.degenerate), "{}", ci.degenerate);
        assert_eq!(ci.lo_hi, Some((1.0, 1.0)));
        let all_same = Spread(vec![2.0; 3]);
        let [ci] = bootstrap(&[&all_same], 3, 50, 5)[..] else {
            unreachable!()
        };
        assert_eq!((ci.lo_hi, ci.degenerate), (None, 50));
    }

    #[test]
    fn statistics_share_each_resample() {
        // The same statistic twice gets the same interval: both saw the same draws.
        let m = Mean((0..30).map(|i| i as f64).collect());
        let both = bootstrap(&[&m, &m], 30, 200, 1);
        assert_eq!(both[0], both[1]);
    }
}
