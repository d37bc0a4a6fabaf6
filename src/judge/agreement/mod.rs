//! Agreement between raters (annotators, the original judge, re-judges, the toy rule judge)
//! on the answers they share: chance-corrected statistics with bootstrap CIs over answers.
//!
//! Every statistic is a function of *unit weights* — how often each answer (unit) counts —
//! so the point estimate (every weight 1) and each bootstrap resample (weights = how often
//! the resample drew the answer) run the same code: one implementation, no second one for
//! the intervals. `tests/agreement_golden.rs` checks the point estimates against
//! scikit-learn, statsmodels and the `krippendorff` package through committed fixtures.
//!
//! - [`ratings`]: the reliability data, units grouped into types of identical ratings.
//! - [`kappa`]: Cohen's κ on categories (the verdict) with % agreement, prevalence and the
//!   confusion matrix; quadratic-weighted κ on 0–100 scores.
//! - [`alpha`]: Krippendorff's α (nominal, ordinal, interval) for any number of raters with
//!   missing ratings.
//! - [`measures`]: several of these on one set of ratings, computed together.
//! - [`resample`]: the seeded percentile bootstrap over units, with degenerate resamples
//!   (an undefined statistic, e.g. κ when both raters use one class) counted.

pub mod alpha;
pub mod kappa;
pub mod measures;
pub mod ratings;
pub mod resample;

pub use alpha::Level;
pub use kappa::Confusion;
pub use measures::{Measure, Measures};
pub use ratings::Ratings;
pub use resample::{Interval, RESAMPLES, SEED, UnitStatistics, bootstrap};
