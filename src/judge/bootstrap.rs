//! 95% percentile-bootstrap confidence intervals.
//!
//! - Over seeds (the paper's error bars): resample the per-seed probabilities with
//!   replacement, take the mean, repeat (1,000 times by default) and read the 2.5% and
//!   97.5% quantiles. Which seeds each resample draws depends only on the number of seeds,
//!   so a [`SeedResampler`] draws that *plan* once per seed count (PCG-64, seeded: the
//!   same numbers on every machine and on wasm32) and every point with that many seeds
//!   reuses it (common random numbers). A slider move then costs arithmetic only, and a
//!   point's CI never depends on which other points are on the chart.
//! - Over answers (a series with one run): resampling n answers of which k are misaligned
//!   gives Binomial(n, k/n)/n, so the bootstrap distribution is known exactly; we read its
//!   quantiles directly (the limit of infinitely many resamples) instead of simulating.

use std::collections::BTreeMap;

use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64Mcg;

/// Lower and upper quantiles of a 95% interval.
pub const LOWER: f64 = 0.025;
pub const UPPER: f64 = 0.975;

/// Bootstrap over seeds with cached resampling plans.
pub struct SeedResampler {
    rng_seed: u64,
    resamples: usize,
    /// Seed count -> `resamples × k` draw counts (how often each seed is drawn).
    plans: BTreeMap<usize, Vec<u16>>,
    scratch: Vec<f64>,
}

impl SeedResampler {
    pub fn new(rng_seed: u64, resamples: u32) -> Self {
        Self {
            rng_seed,
            resamples: resamples.max(1) as usize,
            plans: BTreeMap::new(),
            scratch: Vec::new(),
        }
    }

    fn plan(&mut self, k: usize) -> &[u16] {
        let (seed, resamples) = (self.rng_seed, self.resamples);
        self.plans.entry(k).or_insert_with(|| {
            let mut rng = Pcg64Mcg::seed_from_u64(seed ^ (k as u64).rotate_left(32));
            let mut counts = vec![0u16; resamples * k];
            for row in counts.chunks_exact_mut(k) {
                for _ in 0..k {
                    row[rng.random_range(0..k)] += 1;
                }
            }
            counts
        })
    }

    /// Percentile bootstrap CI of the mean of `values` (per-seed probabilities).
    pub fn ci(&mut self, values: &[f64]) -> (f64, f64) {
        let k = values.len();
        assert!(k > 0, "no values to resample");
        let mut means = std::mem::take(&mut self.scratch);
        means.clear();
        let plan = self.plan(k);
        means.extend(plan.chunks_exact(k).map(|counts| {
            let sum: f64 = counts.iter().zip(values).map(|(&c, v)| c as f64 * v).sum();
            sum / k as f64
        }));
        let ci = (quantile(&mut means, LOWER), quantile(&mut means, UPPER));
        self.scratch = means;
        ci
    }
}

/// Linear-interpolation quantile (numpy's default method), by selection rather than a
/// full sort. Reorders `data`.
pub fn quantile(data: &mut [f64], q: f64) -> f64 {
    let pos = q * (data.len() - 1) as f64;
    let i = pos.floor() as usize;
    let frac = pos - i as f64;
    let (_, &mut at_i, above) = data.select_nth_unstable_by(i, f64::total_cmp);
    if frac == 0.0 || above.is_empty() {
        return at_i;
    }
    let next = above.iter().copied().fold(f64::INFINITY, f64::min);
    at_i + (next - at_i) * frac
}

/// Exact percentile-bootstrap CI for a proportion k/n: quantiles of Binomial(n, k/n)/n
/// (smallest j/n whose CDF reaches the level).
pub fn answers_ci(k: u32, n: u32) -> (f64, f64) {
    assert!(n > 0 && k <= n);
    if k == 0 || k == n {
        let p = k as f64 / n as f64;
        return (p, p);
    }
    let pmf = binomial_pmf(n, k as f64 / n as f64);
    let (mut cdf, mut lo, mut hi) = (0.0, None, None);
    for (j, p) in pmf.iter().enumerate() {
        cdf += p;
        if lo.is_none() && cdf >= LOWER {
            lo = Some(j);
        }
        if cdf >= UPPER {
            hi = Some(j);
            break;
        }
    }
    let n = n as f64;
    (
        lo.unwrap_or(0) as f64 / n,
        hi.unwrap_or(pmf.len() - 1) as f64 / n,
    )
}

/// Binomial probabilities, computed outward from the mode by ratios so that large n
/// neither overflows nor underflows to all zeros.
fn binomial_pmf(n: u32, p: f64) -> Vec<f64> {
    let n_us = n as usize;
    let mode = (((n + 1) as f64) * p).floor().min(n as f64) as usize;
    let mut w = vec![0.0; n_us + 1];
    w[mode] = 1.0;
    let odds = p / (1.0 - p);
    for j in mode + 1..=n_us {
        w[j] = w[j - 1] * (n_us - j + 1) as f64 / j as f64 * odds;
    }
    for j in (0..mode).rev() {
        w[j] = w[j + 1] * (j + 1) as f64 / (n_us - j) as f64 / odds;
    }
    let total: f64 = w.iter().sum();
    w.iter_mut().for_each(|x| *x /= total);
    w
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binomial_matches_closed_form() {
        // n = 4, p = 1/2: 1,4,6,4,1 / 16.
        let pmf = binomial_pmf(4, 0.5);
        let want = [1.0, 4.0, 6.0, 4.0, 1.0].map(|x| x / 16.0);
        for (a, b) in pmf.iter().zip(want) {
            assert!((a - b).abs() < 1e-15);
        }
        // Large n stays finite and normalised.
        let pmf = binomial_pmf(100_000, 0.3);
        assert!((pmf.iter().sum::<f64>() - 1.0).abs() < 1e-9);
    }

    #[test]
    fn quantile_interpolates_like_numpy() {
        // numpy.percentile([4, 1, 3, 2, 5], [2.5, 50, 97.5]) = [1.1, 3.0, 4.9]
        let mut d = [4.0, 1.0, 3.0, 2.0, 5.0];
        assert!((quantile(&mut d, 0.025) - 1.1).abs() < 1e-12);
        assert!((quantile(&mut d, 0.5) - 3.0).abs() < 1e-12);
        assert!((quantile(&mut d, 0.975) - 4.9).abs() < 1e-12);
    }

    #[test]
    fn answers_ci_brackets_the_proportion() {
        let (lo, hi) = answers_ci(5, 50);
        assert!(lo < 0.1 && hi > 0.1, "{lo} {hi}");
        // Normal approximation: 0.1 ± 1.96 * sqrt(0.1*0.9/50) = [0.017, 0.183].
        assert!(
            (lo - 0.02).abs() <= 0.021 && (hi - 0.18).abs() <= 0.021,
            "{lo} {hi}"
        );
        assert_eq!(answers_ci(0, 10), (0.0, 0.0));
        assert_eq!(answers_ci(10, 10), (1.0, 1.0));
    }

    #[test]
    fn seeds_ci_is_deterministic_and_sane() {
        let v = [0.1, 0.2, 0.3, 0.25, 0.15, 0.2];
        let a = SeedResampler::new(7, 1000).ci(&v);
        let mut r = SeedResampler::new(7, 1000);
        r.ci(&[0.5, 0.1]);
        assert_eq!(
            a,
            r.ci(&v),
            "a CI must not depend on what was computed before"
        );
        assert!(a.0 < 0.2 && a.1 > 0.2 && a.0 >= 0.1 && a.1 <= 0.3, "{a:?}");
        assert_eq!(r.ci(&[0.4, 0.4]), (0.4, 0.4));
    }
}
