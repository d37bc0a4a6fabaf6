//! Cohen's κ for two raters: on categories (the verdict), with the confusion matrix, %
//! agreement and each rater's prevalence beside it (κ misleads when one class dominates),
//! and quadratic-weighted κ on 0–100 scores. Units one rater left unrated take no part.
//!
//! Quadratic weights on the full 0–100 range reduce to sums: with N units, observed
//! disagreement Σ(x−y)² and chance disagreement N·(var x + var y + (mean x − mean y)²), so
//! κ_w = 1 − Σ(x−y)² / (Σx² + Σy² − 2·Σx·Σy/N). That is scikit-learn's
//! `cohen_kappa_score(weights="quadratic", labels=range(101))` exactly (its weights (i−j)²
//! over the label indices; the normalisation by (k−1)² cancels).

use super::ratings::{MISSING, Ratings};

/// Counts of (rater A's category, rater B's category).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confusion {
    categories: usize,
    counts: Vec<u64>,
}

impl Ratings {
    /// The confusion matrix of two raters' categories (`0..domain`), from type counts.
    pub fn confusion(&self, counts: &[u32]) -> Confusion {
        assert_eq!(self.raters(), 2, "κ is for two raters");
        let k = self.domain();
        let mut table = vec![0u64; k * k];
        for (c, v) in self.occurring(counts) {
            if v[0] != MISSING && v[1] != MISSING {
                table[usize::from(v[0]) * k + usize::from(v[1])] += c as u64;
            }
        }
        Confusion {
            categories: k,
            counts: table,
        }
    }

    /// Quadratic-weighted κ of two raters' scores, from type counts; undefined when neither
    /// varies and they agree (no chance disagreement) or nothing was scored by both.
    pub fn quadratic_kappa(&self, counts: &[u32]) -> Option<f64> {
        assert_eq!(self.raters(), 2, "κ is for two raters");
        let (mut n, mut sx, mut sy, mut sxx, mut syy, mut sdd) = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
        // With two raters, the pairable types are exactly those both rated, in rater order.
        for p in &self.pairable {
            let c = f64::from(counts[p.ty as usize]);
            let start = p.start as usize;
            let (x, y) = (
                f64::from(self.rated[start]),
                f64::from(self.rated[start + 1]),
            );
            n += c;
            sx += c * x;
            sy += c * y;
            sxx += c * x * x;
            syy += c * y * y;
            sdd += c * (x - y) * (x - y);
        }
        if n == 0.0 {
            return None;
        }
        let chance = sxx + syy - 2.0 * sx * sy / n;
        (chance > 0.0).then(|| 1.0 - sdd / chance)
    }
}

impl Confusion {
    pub fn categories(&self) -> usize {
        self.categories
    }

    /// Units where A said `a` and B said `b`.
    pub fn count(&self, a: usize, b: usize) -> u64 {
        self.counts[a * self.categories + b]
    }

    /// Units both raters rated.
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    fn row(&self, a: usize) -> u64 {
        (0..self.categories).map(|b| self.count(a, b)).sum()
    }

    fn column(&self, b: usize) -> u64 {
        (0..self.categories).map(|a| self.count(a, b)).sum()
    }

    /// Share of units on which the two agree.
    pub fn agreement(&self) -> Option<f64> {
        let n = self.total();
        let same: u64 = (0..self.categories).map(|c| self.count(c, c)).sum();
        (n > 0).then(|| same as f64 / n as f64)
    }

    /// Share of the units on which rater A (`rater` 0) or B (1) chose `category`.
    pub fn prevalence(&self, rater: usize, category: usize) -> Option<f64> {
        let n = self.total();
        let k = if rater == 0 {
            self.row(category)
        } else {
            self.column(category)
        };
        (n > 0).then(|| k as f64 / n as f64)
    }

    /// Cohen's κ = (p_o − p_e) / (1 − p_e); undefined when chance agreement is certain (both
    /// raters used one and the same class throughout) or nothing was rated.
    pub fn kappa(&self) -> Option<f64> {
        let n = self.total() as f64;
        let p_o = self.agreement()?;
        let p_e: f64 = (0..self.categories)
            .map(|c| self.row(c) as f64 * self.column(c) as f64)
            .sum::<f64>()
            / (n * n);
        (p_e < 1.0).then(|| (p_o - p_e) / (1.0 - p_e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repeat(pairs: &[((u8, u8), usize)]) -> (Vec<Option<u8>>, Vec<Option<u8>>) {
        pairs
            .iter()
            .flat_map(|&((a, b), n)| std::iter::repeat_n((Some(a), Some(b)), n))
            .unzip()
    }

    fn table(k: usize, a: &[Option<u8>], b: &[Option<u8>]) -> Confusion {
        let r = Ratings::pair(k, a, b);
        r.confusion(&r.once())
    }

    #[test]
    fn the_textbook_kappa_of_fifty_applications_is_0_4() {
        // Wikipedia's "Cohen's kappa" example: yes/yes 20, yes/no 5, no/yes 10, no/no 15.
        let (a, b) = repeat(&[((0, 0), 20), ((0, 1), 5), ((1, 0), 10), ((1, 1), 15)]);
        let t = table(2, &a, &b);
        assert_eq!(t.total(), 50);
        assert!((t.agreement().unwrap() - 0.7).abs() < 1e-12);
        assert!((t.kappa().unwrap() - 0.4).abs() < 1e-12);
        assert!((t.prevalence(0, 0).unwrap() - 0.5).abs() < 1e-12);
        assert!((t.prevalence(1, 0).unwrap() - 0.6).abs() < 1e-12);
    }

    #[test]
    fn kappa_is_low_when_one_class_dominates_even_with_high_agreement() {
        // 90 both "not misaligned", 5 and 5 disagreements: 90% agreement, κ below zero.
        let (a, b) = repeat(&[((0, 0), 90), ((0, 1), 5), ((1, 0), 5)]);
        let t = table(2, &a, &b);
        assert!((t.agreement().unwrap() - 0.9).abs() < 1e-12);
        assert!(t.kappa().unwrap() < 0.0);
    }

    #[test]
    fn kappa_is_undefined_when_both_raters_use_one_class_only() {
        let (a, b) = repeat(&[((1, 1), 12)]);
        let t = table(2, &a, &b);
        assert_eq!(t.agreement(), Some(1.0));
        assert_eq!(t.kappa(), None);
        assert_eq!(table(2, &[], &[]).kappa(), None);
    }

    #[test]
    fn units_rated_by_one_rater_only_take_no_part() {
        let a = [Some(0), Some(1), None, Some(1)];
        let b = [Some(0), Some(1), Some(0), None];
        let t = table(2, &a, &b);
        assert_eq!((t.total(), t.count(0, 0), t.count(1, 1)), (2, 1, 1));
    }

    #[test]
    fn weights_count_units_as_often_as_drawn() {
        let r = Ratings::pair(2, &[Some(0), Some(1)], &[Some(0), Some(0)]);
        let t = r.confusion(&r.counts(&[3, 0]));
        assert_eq!((t.total(), t.count(0, 0), t.count(1, 0)), (3, 3, 0));
    }

    #[test]
    fn quadratic_kappa_matches_the_weight_matrix_definition() {
        // Direct definition over a 101 × 101 table, as scikit-learn computes it.
        let a: Vec<Option<u8>> = [10, 20, 90, 85, 50, 0, 100, 30].map(Some).to_vec();
        let b: Vec<Option<u8>> = [15, 20, 70, 95, 40, 10, 90, 60].map(Some).to_vec();
        let mut o = vec![vec![0.0; 101]; 101];
        for (x, y) in a.iter().zip(&b) {
            o[x.unwrap() as usize][y.unwrap() as usize] += 1.0;
        }
        let n = a.len() as f64;
        let rows: Vec<f64> = o.iter().map(|r| r.iter().sum()).collect();
        let cols: Vec<f64> = (0..101).map(|j| o.iter().map(|r| r[j]).sum()).collect();
        let (mut num, mut den) = (0.0, 0.0);
        for i in 0..101 {
            for j in 0..101 {
                let w = ((i as f64) - (j as f64)).powi(2);
                num += w * o[i][j];
                den += w * rows[i] * cols[j] / n;
            }
        }
        let r = Ratings::pair(101, &a, &b);
        let got = r.quadratic_kappa(&r.once()).unwrap();
        assert!((got - (1.0 - num / den)).abs() < 1e-12, "{got}");
    }

    #[test]
    fn quadratic_kappa_is_one_for_identical_scores_and_undefined_for_constant_ones() {
        let a: Vec<Option<u8>> = [5, 50, 95].map(Some).to_vec();
        let r = Ratings::pair(101, &a, &a);
        assert_eq!(r.quadratic_kappa(&r.once()), Some(1.0));
        let c = Ratings::pair(101, &[Some(40); 3], &[Some(40); 3]);
        assert_eq!(c.quadratic_kappa(&c.once()), None);
    }
}
