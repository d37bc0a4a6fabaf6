//! Which agreement statistics to compute on one set of ratings, computed together: each
//! resample adds up the type counts once and every measure reads them.

use super::alpha::Level;
use super::ratings::Ratings;
use super::resample::UnitStatistics;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Measure {
    /// Cohen's κ (two raters, categories).
    Kappa,
    /// Share of units on which two raters agree.
    Agreement,
    /// Quadratic-weighted κ (two raters, scores).
    QuadraticKappa,
    /// Krippendorff's α (any number of raters).
    Alpha(Level),
}

impl Ratings {
    /// One measure from type counts.
    pub fn measure(&self, m: Measure, counts: &[u32]) -> Option<f64> {
        match m {
            Measure::Kappa => self.confusion(counts).kappa(),
            Measure::Agreement => self.confusion(counts).agreement(),
            Measure::QuadraticKappa => self.quadratic_kappa(counts),
            Measure::Alpha(level) => self.alpha(level, counts),
        }
    }
}

/// Several measures of one set of ratings, as one bootstrap statistic.
pub struct Measures<'a> {
    pub ratings: &'a Ratings,
    pub list: &'a [Measure],
}

impl UnitStatistics for Measures<'_> {
    fn units(&self) -> usize {
        self.ratings.units()
    }

    fn outputs(&self) -> usize {
        self.list.len()
    }

    fn at(&self, weights: &[u32], out: &mut Vec<Option<f64>>) {
        let counts = self.ratings.counts(weights);
        out.extend(self.list.iter().map(|&m| self.ratings.measure(m, &counts)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_estimate_what_each_function_gives() {
        let r = Ratings::pair(
            101,
            &[Some(10), Some(50), Some(90)],
            &[Some(20), Some(50), Some(80)],
        );
        let list = [
            Measure::QuadraticKappa,
            Measure::Alpha(Level::Interval),
            Measure::Agreement,
        ];
        let once = r.once();
        let m = Measures {
            ratings: &r,
            list: &list,
        };
        assert_eq!(
            m.estimate(),
            [
                r.quadratic_kappa(&once),
                r.alpha(Level::Interval, &once),
                r.confusion(&once).agreement()
            ]
        );
    }
}
