//! Krippendorff's α for any number of raters, missing ratings allowed, at the nominal,
//! ordinal and interval levels.
//!
//! α = 1 − D_o / D_e over the *pairable* values (units with at least two ratings), from the
//! coincidences: each ordered pair of values within a unit of m ratings counts 1/(m−1).
//! The levels differ in the squared difference δ²: nominal 0/1; interval (c−k)²; ordinal
//! (Σ_{g=c..k} n_g − (n_c+n_k)/2)², which is (r_k − r_c)² for the mid-ranks
//! r_g = Σ_{h<g} n_h + n_g/2 — so ordinal α is interval α on mid-ranks, and no level needs the
//! value × value coincidence matrix. Both distances then reduce to per-unit sums:
//! Σ_{c,k} n_c n_k (c−k)² = 2(n·Σn_c c² − (Σn_c c)²).

use super::ratings::{Pairable, Ratings, spread};

/// The level of measurement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Level {
    Nominal,
    Ordinal,
    Interval,
}

impl Ratings {
    /// α from type counts; undefined with fewer than two pairable values or no variation
    /// among them (D_e = 0).
    pub fn alpha(&self, level: Level, counts: &[u32]) -> Option<f64> {
        match level {
            Level::Nominal => self.nominal(counts),
            Level::Interval => {
                let (mut n, mut s, mut q, mut d) = (0.0, 0.0, 0.0, 0.0);
                for p in &self.pairable {
                    let c = f64::from(counts[p.ty as usize]);
                    n += c * f64::from(p.m);
                    s += c * p.sum;
                    q += c * p.sum_sq;
                    d += c * p.within;
                }
                from_sums(n, s, q, d)
            }
            Level::Ordinal => {
                let n_c = self.value_counts(counts);
                let mut ranks = vec![0.0; n_c.len()];
                let (mut n, mut s, mut q) = (0.0, 0.0, 0.0);
                for (r, &k) in ranks.iter_mut().zip(&n_c) {
                    *r = n + k / 2.0;
                    n += k;
                    s += k * *r;
                    q += k * *r * *r;
                }
                let mut d = 0.0;
                for p in &self.pairable {
                    let c = counts[p.ty as usize];
                    if c > 0 {
                        let (mut su, mut qu) = (0.0, 0.0);
                        for &v in self.ratings_of(p) {
                            let r = ranks[usize::from(v)];
                            su += r;
                            qu += r * r;
                        }
                        d += f64::from(c) * spread(f64::from(p.m), su, qu);
                    }
                }
                from_sums(n, s, q, d)
            }
        }
    }

    /// Pairable values (in units rated at least twice), each unit once.
    pub fn pairable(&self) -> usize {
        let once = self.once();
        self.pairable
            .iter()
            .map(|p| once[p.ty as usize] as usize * p.m as usize)
            .sum()
    }

    fn ratings_of(&self, p: &Pairable) -> &[u8] {
        &self.rated[p.start as usize..(p.start + p.m) as usize]
    }

    /// n_c: how often each value is pairable.
    fn value_counts(&self, counts: &[u32]) -> Vec<f64> {
        let mut n = vec![0.0; self.domain()];
        for p in &self.pairable {
            let c = counts[p.ty as usize];
            if c > 0 {
                for &v in self.ratings_of(p) {
                    n[usize::from(v)] += f64::from(c);
                }
            }
        }
        n
    }

    fn nominal(&self, counts: &[u32]) -> Option<f64> {
        let n_c = self.value_counts(counts);
        let n: f64 = n_c.iter().sum();
        let same: f64 = self
            .pairable
            .iter()
            .map(|p| f64::from(counts[p.ty as usize]) * p.same)
            .sum();
        let chance = n * n - n_c.iter().map(|c| c * c).sum::<f64>();
        (n >= 2.0 && chance > 0.0).then(|| 1.0 - (n - 1.0) * (n - same) / chance)
    }
}

/// α = 1 − D_o/D_e from n pairable values, their sum s and sum of squares q (as positions:
/// values or mid-ranks), and d = Σ over units of the within-unit spread.
fn from_sums(n: f64, s: f64, q: f64, d: f64) -> Option<f64> {
    let chance = 2.0 * (n * q - s * s);
    (n >= 2.0 && chance > 1e-9 * n * n).then(|| 1.0 - (n - 1.0) * d / chance)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Krippendorff (2011), "Computing Krippendorff's alpha-reliability", section C:
    /// 4 coders × 12 units with missing data (rows are coders A–D; 0 = missing).
    const FOUR_CODERS: [[u8; 12]; 4] = [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, 0, 0, 0],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, 0, 3],
        [0, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, 0],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, 0],
    ];

    fn coded(u: usize) -> [Option<u8>; 4] {
        FOUR_CODERS.map(|coder| Some(coder[u]).filter(|&v| v > 0))
    }

    fn four_coders() -> Ratings {
        Ratings::new(4, 6, (0..12).map(coded))
    }

    fn estimate(r: &Ratings, level: Level) -> Option<f64> {
        r.alpha(level, &r.once())
    }

    #[test]
    fn krippendorffs_four_coder_example_gives_the_published_alphas() {
        // Published: nominal 0.743, ordinal 0.815, interval 0.849 (to three places).
        let r = four_coders();
        let round = |level| (estimate(&r, level).unwrap() * 1000.0).round() / 1000.0;
        assert_eq!(round(Level::Nominal), 0.743);
        assert_eq!(round(Level::Ordinal), 0.815);
        assert_eq!(round(Level::Interval), 0.849);
        // Unit 12 has one value: not pairable. 40 pairable values in all.
        assert_eq!(r.pairable(), 40);
    }

    #[test]
    fn perfect_agreement_gives_one_and_no_variation_is_undefined() {
        let same = Ratings::pair(
            101,
            &[Some(3), Some(70), Some(99)],
            &[Some(3), Some(70), Some(99)],
        );
        for level in [Level::Nominal, Level::Ordinal, Level::Interval] {
            assert_eq!(estimate(&same, level), Some(1.0), "{level:?}");
        }
        let flat = Ratings::pair(101, &[Some(50); 4], &[Some(50); 4]);
        assert_eq!(estimate(&flat, Level::Interval), None);
        assert_eq!(estimate(&flat, Level::Nominal), None);
        assert_eq!(
            estimate(&Ratings::pair(101, &[Some(1)], &[None]), Level::Interval),
            None
        );
    }

    #[test]
    fn ordinal_alpha_ignores_the_spacing_of_values_and_interval_alpha_does_not() {
        // The same order with one value moved far: ordinal unchanged, interval changed.
        let a = [Some(10), Some(20), Some(30), Some(40)];
        let b = [Some(20), Some(10), Some(30), Some(40)];
        let b_far = [Some(20), Some(10), Some(30), Some(100)];
        let a_far = [Some(10), Some(20), Some(30), Some(100)];
        let near = Ratings::pair(101, &a, &b);
        let far = Ratings::pair(101, &a_far, &b_far);
        assert_eq!(
            estimate(&near, Level::Ordinal),
            estimate(&far, Level::Ordinal)
        );
        assert_ne!(
            estimate(&near, Level::Interval),
            estimate(&far, Level::Interval)
        );
    }

    #[test]
    fn a_weight_of_two_counts_a_unit_twice() {
        let mut w = vec![1; 12];
        w[5] = 2;
        let twice = Ratings::new(4, 6, (0..13).map(|u| coded(if u == 12 { 5 } else { u })));
        for level in [Level::Nominal, Level::Ordinal, Level::Interval] {
            let (x, y) = (
                four_coders()
                    .alpha(level, &four_coders().counts(&w))
                    .unwrap(),
                estimate(&twice, level).unwrap(),
            );
            assert!((x - y).abs() < 1e-12, "{level:?}: {x} vs {y}");
        }
    }
}
