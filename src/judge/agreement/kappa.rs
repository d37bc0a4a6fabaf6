//! Cohen's κ for two raters: on categories (the verdict), with the confusion matrix, %
//! agreement and each rater's prevalence beside it (κ misleads when one class dominates),
//! and quadratic-weighted κ on 0–100 scores.
//!
//! Quadratic weights on the full 0–100 range reduce to sums: with N units, observed
//! disagreement Σ(x−y)² and chance disagreement N·(var x + var y + (mean x − mean y)²), so
//! κ_w = 1 − Σ(x−y)² / (Σx² + Σy² − 2·Σx·Σy/N). That is scikit-learn's
//! `cohen_kappa_score(weights="quadratic", labels=range(101))` exactly (its weights (i−j)²
//! over the label indices; the normalisation by (k−1)² cancels).

/// Marks a unit one rater did not rate.
const MISSING: u8 = u8::MAX;

/// Two raters' categories (`0..categories`) on the same units; `None` = not rated. Units
/// rated by only one of them take no part.
#[derive(Debug, Clone)]
pub struct PairedCategories {
    categories: usize,
    /// `a · categories + b` per unit, or `u16::MAX` when either is missing.
    cells: Vec<u16>,
}

impl PairedCategories {
    pub fn new(categories: usize, a: &[Option<u8>], b: &[Option<u8>]) -> Self {
        assert_eq!(a.len(), b.len(), "both raters' units");
        assert!((1..=255).contains(&categories));
        let cell = |x: Option<u8>, y: Option<u8>| match (x, y) {
            (Some(x), Some(y)) => {
                let (x, y) = (usize::from(x), usize::from(y));
                assert!(x < categories && y < categories, "category out of range");
                (x * categories + y) as u16
            }
            _ => u16::MAX,
        };
        Self {
            categories,
            cells: a.iter().zip(b).map(|(&x, &y)| cell(x, y)).collect(),
        }
    }

    pub fn units(&self) -> usize {
        self.cells.len()
    }

    /// The confusion matrix of the weighted units.
    pub fn confusion(&self, weights: &[u32]) -> Confusion {
        let k = self.categories;
        let mut counts = vec![0u64; k * k];
        for (&c, &w) in self.cells.iter().zip(weights) {
            if c != u16::MAX {
                counts[usize::from(c)] += u64::from(w);
            }
        }
        Confusion {
            categories: k,
            counts,
        }
    }

    /// The confusion matrix with every unit once.
    pub fn table(&self) -> Confusion {
        self.confusion(&vec![1; self.units()])
    }
}

/// Counts of (rater A's category, rater B's category).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confusion {
    categories: usize,
    counts: Vec<u64>,
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

/// Two raters' 0–100 scores on the same units; `None` = not rated (or no number, e.g. CODE).
#[derive(Debug, Clone)]
pub struct PairedScores {
    a: Vec<u8>,
    b: Vec<u8>,
}

impl PairedScores {
    pub fn new(a: &[Option<u8>], b: &[Option<u8>]) -> Self {
        assert_eq!(a.len(), b.len(), "both raters' units");
        let keep = |x: Option<u8>, y: Option<u8>| match (x, y) {
            (Some(x), Some(y)) => {
                assert!(x <= 100 && y <= 100, "scores are 0-100");
                (x, y)
            }
            _ => (MISSING, MISSING),
        };
        let (a, b) = a.iter().zip(b).map(|(&x, &y)| keep(x, y)).unzip();
        Self { a, b }
    }

    pub fn units(&self) -> usize {
        self.a.len()
    }

    /// Units both raters scored (each once).
    pub fn shared(&self) -> usize {
        self.a.iter().filter(|&&x| x != MISSING).count()
    }

    /// Quadratic-weighted κ of the weighted units; undefined when neither rater varies and
    /// they agree (no chance disagreement) or nothing was scored by both.
    pub fn quadratic_kappa(&self, weights: &[u32]) -> Option<f64> {
        let (mut n, mut sx, mut sy, mut sxx, mut syy, mut sdd) =
            (0u64, 0u64, 0u64, 0u64, 0u64, 0u64);
        for ((&x, &y), &w) in self.a.iter().zip(&self.b).zip(weights) {
            if x == MISSING || w == 0 {
                continue;
            }
            let (x, y, w) = (u64::from(x), u64::from(y), u64::from(w));
            n += w;
            sx += w * x;
            sy += w * y;
            sxx += w * x * x;
            syy += w * y * y;
            sdd += w * x.abs_diff(y).pow(2);
        }
        if n == 0 {
            return None;
        }
        let chance = (sxx + syy) as f64 - 2.0 * sx as f64 * sy as f64 / n as f64;
        (chance > 0.0).then(|| 1.0 - sdd as f64 / chance)
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

    #[test]
    fn the_textbook_kappa_of_fifty_applications_is_0_4() {
        // Wikipedia's "Cohen's kappa" example: yes/yes 20, yes/no 5, no/yes 10, no/no 15.
        let (a, b) = repeat(&[((0, 0), 20), ((0, 1), 5), ((1, 0), 10), ((1, 1), 15)]);
        let t = PairedCategories::new(2, &a, &b).table();
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
        let t = PairedCategories::new(2, &a, &b).table();
        assert!((t.agreement().unwrap() - 0.9).abs() < 1e-12);
        assert!(t.kappa().unwrap() < 0.0);
    }

    #[test]
    fn kappa_is_undefined_when_both_raters_use_one_class_only() {
        let (a, b) = repeat(&[((1, 1), 12)]);
        let t = PairedCategories::new(2, &a, &b).table();
        assert_eq!(t.agreement(), Some(1.0));
        assert_eq!(t.kappa(), None);
        assert_eq!(PairedCategories::new(2, &[], &[]).table().kappa(), None);
    }

    #[test]
    fn units_rated_by_one_rater_only_take_no_part() {
        let a = [Some(0), Some(1), None, Some(1)];
        let b = [Some(0), Some(1), Some(0), None];
        let t = PairedCategories::new(2, &a, &b).table();
        assert_eq!((t.total(), t.count(0, 0), t.count(1, 1)), (2, 1, 1));
        assert_eq!(PairedScores::new(&a, &b).shared(), 2);
    }

    #[test]
    fn weights_count_units_as_often_as_drawn() {
        let a = [Some(0), Some(1)];
        let b = [Some(0), Some(0)];
        let p = PairedCategories::new(2, &a, &b);
        let t = p.confusion(&[3, 0]);
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
        let got = PairedScores::new(&a, &b).quadratic_kappa(&[1; 8]).unwrap();
        assert!((got - (1.0 - num / den)).abs() < 1e-12, "{got}");
    }

    #[test]
    fn quadratic_kappa_is_one_for_identical_scores_and_undefined_for_constant_ones() {
        let a: Vec<Option<u8>> = [5, 50, 95].map(Some).to_vec();
        assert_eq!(
            PairedScores::new(&a, &a).quadratic_kappa(&[1; 3]),
            Some(1.0)
        );
        let c = [Some(40); 3];
        assert_eq!(PairedScores::new(&c, &c).quadratic_kappa(&[1; 3]), None);
    }
}
