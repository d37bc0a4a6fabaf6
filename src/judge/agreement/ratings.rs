//! Reliability data: what each rater said about each unit (answer), as small whole numbers
//! (a score 0–100, or a class index), missing ratings allowed.
//!
//! Units that were rated alike are one *type* (the same values from the same raters): every
//! statistic here depends only on how often each type occurs, so a bootstrap resample costs
//! one pass adding weights per type, then work per type — and there are far fewer types than
//! answers (two raters on 0–100 make at most 101² of them, usually a few thousand).

use std::collections::HashMap;

/// A rating that was not given.
pub const MISSING: u8 = u8::MAX;

#[derive(Debug, Clone)]
pub struct Ratings {
    raters: usize,
    domain: usize,
    /// Unit → its type.
    unit_type: Vec<u32>,
    /// Each type's values, `raters` per type, rater order kept ([`MISSING`] where none).
    type_values: Vec<u8>,
    /// The types with at least two ratings, with what α needs of them precomputed.
    pub(super) pairable: Vec<Pairable>,
    /// Each pairable type's given ratings (rater order kept, missing ones left out).
    pub(super) rated: Vec<u8>,
}

/// A type with at least two ratings.
#[derive(Debug, Clone, Copy)]
pub(super) struct Pairable {
    pub ty: u32,
    /// Its ratings are `rated[start..start + m]`.
    pub start: u32,
    pub m: u32,
    /// Σx and Σx² of its ratings.
    pub sum: f64,
    pub sum_sq: f64,
    /// Σ over ordered pairs i ≠ j of (x_i − x_j)², over m − 1.
    pub within: f64,
    /// Ordered pairs i ≠ j of equal ratings, over m − 1.
    pub same: f64,
}

impl Pairable {
    fn new(ty: u32, start: u32, values: &[u8]) -> Self {
        let m = values.len() as f64;
        let (sum, sum_sq) = values.iter().fold((0.0, 0.0), |(s, q), &v| {
            let x = f64::from(v);
            (s + x, q + x * x)
        });
        let equal: usize = values
            .iter()
            .map(|v| values.iter().filter(|w| *w == v).count() - 1)
            .sum();
        Self {
            ty,
            start,
            m: values.len() as u32,
            sum,
            sum_sq,
            within: spread(m, sum, sum_sq),
            same: equal as f64 / (m - 1.0),
        }
    }
}

/// Σ over ordered pairs i ≠ j of (x_i − x_j)², over m − 1, from m, Σx and Σx².
pub(super) fn spread(m: f64, sum: f64, sum_sq: f64) -> f64 {
    2.0 * (m * sum_sq - sum * sum) / (m - 1.0)
}

impl Ratings {
    /// `units` yields each unit's ratings, one per rater (`None` where that rater gave none);
    /// values lie in `0..domain`.
    pub fn new<U, R>(raters: usize, domain: usize, units: U) -> Self
    where
        U: IntoIterator<Item = R>,
        R: IntoIterator<Item = Option<u8>>,
    {
        assert!(raters >= 2, "agreement needs two raters");
        assert!((1..=usize::from(MISSING)).contains(&domain));
        let mut ids: HashMap<Vec<u8>, u32> = HashMap::new();
        let mut type_values = Vec::new();
        let mut unit_type = Vec::new();
        let mut values = Vec::with_capacity(raters);
        for unit in units {
            values.clear();
            for v in unit {
                let v = v.unwrap_or(MISSING);
                assert!(
                    v == MISSING || usize::from(v) < domain,
                    "value {v} outside 0..{domain}"
                );
                values.push(v);
            }
            assert_eq!(values.len(), raters, "one rating (or None) per rater");
            let next = ids.len() as u32;
            let id = *ids.entry(values.clone()).or_insert_with(|| {
                type_values.extend_from_slice(&values);
                next
            });
            unit_type.push(id);
        }
        let mut pairable = Vec::new();
        let mut rated = Vec::new();
        for (t, values) in type_values.chunks_exact(raters).enumerate() {
            let start = rated.len();
            rated.extend(values.iter().copied().filter(|&v| v != MISSING));
            if rated.len() - start >= 2 {
                pairable.push(Pairable::new(t as u32, start as u32, &rated[start..]));
            } else {
                rated.truncate(start);
            }
        }
        Self {
            raters,
            domain,
            unit_type,
            type_values,
            pairable,
            rated,
        }
    }

    /// Two raters' values on the same units.
    pub fn pair(domain: usize, a: &[Option<u8>], b: &[Option<u8>]) -> Self {
        assert_eq!(a.len(), b.len(), "both raters' units");
        Self::new(2, domain, a.iter().zip(b).map(|(&x, &y)| [x, y]))
    }

    pub fn raters(&self) -> usize {
        self.raters
    }

    pub fn domain(&self) -> usize {
        self.domain
    }

    pub fn units(&self) -> usize {
        self.unit_type.len()
    }

    pub fn types(&self) -> usize {
        self.type_values.len() / self.raters
    }

    /// Type `t`'s values in rater order.
    pub fn values(&self, t: usize) -> &[u8] {
        &self.type_values[t * self.raters..(t + 1) * self.raters]
    }

    /// Units every rater rated.
    pub fn complete(&self) -> usize {
        let once = self.once();
        self.occurring(&once)
            .filter(|(_, v)| !v.contains(&MISSING))
            .map(|(c, _)| c as usize)
            .sum()
    }

    /// How often each type occurs when unit `u` counts `weights[u]` times.
    pub fn counts(&self, weights: &[u32]) -> Vec<u32> {
        assert_eq!(weights.len(), self.units(), "one weight per unit");
        let mut counts = vec![0u32; self.types()];
        for (&t, &w) in self.unit_type.iter().zip(weights) {
            counts[t as usize] += w;
        }
        counts
    }

    /// Every unit once.
    pub fn once(&self) -> Vec<u32> {
        self.counts(&vec![1; self.units()])
    }

    /// Types with their counts, skipping those that do not occur.
    pub(super) fn occurring<'a>(
        &'a self,
        counts: &'a [u32],
    ) -> impl Iterator<Item = (f64, &'a [u8])> + 'a {
        counts
            .iter()
            .enumerate()
            .filter(|&(_, &c)| c > 0)
            .map(|(t, &c)| (f64::from(c), self.values(t)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_rated_alike_share_a_type_and_rater_order_counts() {
        let r = Ratings::pair(
            101,
            &[Some(3), Some(3), Some(4), None],
            &[Some(4), Some(4), Some(3), Some(3)],
        );
        assert_eq!((r.units(), r.types()), (4, 3));
        assert_eq!(r.values(0), [3, 4]);
        assert_eq!(r.values(2), [MISSING, 3]);
        assert_eq!(r.counts(&[2, 0, 1, 1]), [2, 1, 1]);
        assert_eq!(r.once(), [2, 1, 1]);
        assert_eq!(r.complete(), 3);
    }
}
