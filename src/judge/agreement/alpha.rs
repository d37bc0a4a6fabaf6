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

/// The level of measurement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Level {
    Nominal,
    Ordinal,
    Interval,
}

/// Reliability data: per unit, the values its raters gave (`0..domain`).
#[derive(Debug, Clone)]
pub struct Reliability {
    domain: usize,
    values: Vec<u8>,
    /// Unit `u`'s values are `values[start[u]..start[u + 1]]`.
    start: Vec<u32>,
}

impl Reliability {
    /// `units` yields each unit's ratings, `None` where a rater gave none.
    pub fn new<U, R>(domain: usize, units: U) -> Self
    where
        U: IntoIterator<Item = R>,
        R: IntoIterator<Item = Option<u8>>,
    {
        assert!((1..=256).contains(&domain));
        let mut values = Vec::new();
        let mut start = vec![0];
        for unit in units {
            for v in unit.into_iter().flatten() {
                assert!(usize::from(v) < domain, "value {v} outside 0..{domain}");
                values.push(v);
            }
            start.push(values.len() as u32);
        }
        Self {
            domain,
            values,
            start,
        }
    }

    /// Two raters' values on the same units.
    pub fn pair(domain: usize, a: &[Option<u8>], b: &[Option<u8>]) -> Self {
        assert_eq!(a.len(), b.len(), "both raters' units");
        Self::new(domain, a.iter().zip(b).map(|(&x, &y)| [x, y]))
    }

    pub fn units(&self) -> usize {
        self.start.len() - 1
    }

    /// Pairable values (in units rated at least twice), each unit once.
    pub fn pairable(&self) -> usize {
        (0..self.units())
            .map(|u| self.unit(u))
            .filter(|v| v.len() >= 2)
            .map(<[u8]>::len)
            .sum()
    }

    fn unit(&self, u: usize) -> &[u8] {
        &self.values[self.start[u] as usize..self.start[u + 1] as usize]
    }

    /// Pairable units with a non-zero weight: (weight, values).
    fn weighted<'a>(&'a self, weights: &'a [u32]) -> impl Iterator<Item = (f64, &'a [u8])> + 'a {
        weights
            .iter()
            .enumerate()
            .filter(|&(_, &w)| w > 0)
            .map(|(u, &w)| (f64::from(w), self.unit(u)))
            .filter(|(_, v)| v.len() >= 2)
    }

    /// α of the weighted units; undefined with fewer than two pairable values or no
    /// variation among them (D_e = 0).
    pub fn alpha(&self, level: Level, weights: &[u32]) -> Option<f64> {
        assert_eq!(weights.len(), self.units());
        match level {
            Level::Nominal => self.nominal(weights),
            Level::Interval => self.squared(weights, |v| f64::from(v)),
            Level::Ordinal => {
                let ranks = self.mid_ranks(weights);
                self.squared(weights, |v| ranks[usize::from(v)])
            }
        }
    }

    /// α with every unit once.
    pub fn estimate(&self, level: Level) -> Option<f64> {
        self.alpha(level, &vec![1; self.units()])
    }

    /// n_c: how often each value is pairable, in coincidence weight.
    fn value_counts(&self, weights: &[u32]) -> Vec<f64> {
        let mut n = vec![0.0; self.domain];
        for (w, values) in self.weighted(weights) {
            for &v in values {
                n[usize::from(v)] += w;
            }
        }
        n
    }

    fn mid_ranks(&self, weights: &[u32]) -> Vec<f64> {
        let mut below = 0.0;
        self.value_counts(weights)
            .into_iter()
            .map(|n| {
                let r = below + n / 2.0;
                below += n;
                r
            })
            .collect()
    }

    fn nominal(&self, weights: &[u32]) -> Option<f64> {
        let counts = self.value_counts(weights);
        let n: f64 = counts.iter().sum();
        let mut same = 0.0; // Σ_c o_cc
        let mut tally = vec![0u32; self.domain];
        for (w, values) in self.weighted(weights) {
            values.iter().for_each(|&v| tally[usize::from(v)] += 1);
            let pairs: u32 = values
                .iter()
                .map(|&v| std::mem::take(&mut tally[usize::from(v)]))
                .map(|m| m * m.saturating_sub(1))
                .sum();
            same += w * f64::from(pairs) / (values.len() - 1) as f64;
        }
        let chance = n * n - counts.iter().map(|c| c * c).sum::<f64>();
        (n >= 2.0 && chance > 0.0).then(|| 1.0 - (n - 1.0) * (n - same) / chance)
    }

    /// α for δ² = (x(c) − x(k))², with `x` a value's position (the value, or its mid-rank).
    fn squared(&self, weights: &[u32], x: impl Fn(u8) -> f64) -> Option<f64> {
        let (mut n, mut s, mut q, mut d) = (0.0, 0.0, 0.0, 0.0);
        for (w, values) in self.weighted(weights) {
            let m = values.len() as f64;
            let (su, qu) = values
                .iter()
                .map(|&v| x(v))
                .fold((0.0, 0.0), |(s, q), x| (s + x, q + x * x));
            n += w * m;
            s += w * su;
            q += w * qu;
            // Σ over ordered pairs i ≠ j of (x_i − x_j)², over m − 1.
            d += w * 2.0 * (m * qu - su * su) / (m - 1.0);
        }
        let chance = 2.0 * (n * q - s * s);
        (n >= 2.0 && chance > 1e-9 * n * n).then(|| 1.0 - (n - 1.0) * d / chance)
    }
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

    fn four_coders() -> Reliability {
        Reliability::new(
            6,
            (0..12).map(|u| FOUR_CODERS.map(|coder| Some(coder[u]).filter(|&v| v > 0))),
        )
    }

    #[test]
    fn krippendorffs_four_coder_example_gives_the_published_alphas() {
        // Published: nominal 0.743, ordinal 0.815, interval 0.849 (to three places).
        let r = four_coders();
        let round = |level| (r.estimate(level).unwrap() * 1000.0).round() / 1000.0;
        assert_eq!(round(Level::Nominal), 0.743);
        assert_eq!(round(Level::Ordinal), 0.815);
        assert_eq!(round(Level::Interval), 0.849);
        // Unit 12 has one value: not pairable. 40 pairable values in all.
        assert_eq!(r.pairable(), 40);
    }

    #[test]
    fn perfect_agreement_gives_one_and_no_variation_is_undefined() {
        let same = Reliability::pair(
            101,
            &[Some(3), Some(70), Some(99)],
            &[Some(3), Some(70), Some(99)],
        );
        for level in [Level::Nominal, Level::Ordinal, Level::Interval] {
            assert_eq!(same.estimate(level), Some(1.0), "{level:?}");
        }
        let flat = Reliability::pair(101, &[Some(50); 4], &[Some(50); 4]);
        assert_eq!(flat.estimate(Level::Interval), None);
        assert_eq!(flat.estimate(Level::Nominal), None);
        assert_eq!(
            Reliability::pair(101, &[Some(1)], &[None]).estimate(Level::Interval),
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
        let near = Reliability::pair(101, &a, &b);
        let far = Reliability::pair(101, &a_far, &b_far);
        assert_eq!(near.estimate(Level::Ordinal), far.estimate(Level::Ordinal));
        assert_ne!(
            near.estimate(Level::Interval),
            far.estimate(Level::Interval)
        );
    }

    #[test]
    fn a_weight_of_two_counts_a_unit_twice() {
        let coded = |u: usize| FOUR_CODERS.map(|coder| Some(coder[u]).filter(|&v| v > 0));
        let mut w = vec![1; 12];
        w[5] = 2;
        let twice = Reliability::new(6, (0..13).map(|u| coded(if u == 12 { 5 } else { u })));
        for level in [Level::Nominal, Level::Ordinal, Level::Interval] {
            let (x, y) = (
                four_coders().alpha(level, &w).unwrap(),
                twice.estimate(level).unwrap(),
            );
            assert!((x - y).abs() < 1e-12, "{level:?}: {x} vs {y}");
        }
    }
}
