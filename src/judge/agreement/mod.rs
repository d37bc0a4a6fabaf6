//! Agreement between raters (annotators, the original judge, re-judges, the toy rule judge)
//! on the answers they share: chance-corrected statistics with bootstrap CIs over answers.
//!
//! Every statistic is a function of *unit weights* — how often each answer (unit) counts —
//! so the point estimate (every weight 1) and each bootstrap resample (weights = how often
//! the resample drew the answer) run the same code: one implementation, no second one for
//! the intervals. `tests/agreement_golden.rs` checks the point estimates against
//! scikit-learn, statsmodels and the `krippendorff` package through committed fixtures.
//!
//! - [`kappa`]: Cohen's κ on categories (the verdict) with % agreement, prevalence and the
//!   confusion matrix; quadratic-weighted κ on 0–100 scores.
//! - [`alpha`]: Krippendorff's α (nominal, ordinal, interval) for any number of raters with
//!   missing ratings.
//! - [`resample`]: the seeded percentile bootstrap over units, with degenerate resamples
//!   (an undefined statistic, e.g. κ when both raters use one class) counted.

pub mod alpha;
pub mod kappa;
pub mod resample;

pub use alpha::{Level, Reliability};
pub use kappa::{Confusion, PairedCategories, PairedScores};
pub use resample::{ByWeights, Interval, RESAMPLES, SEED, UnitStatistic, bootstrap, by_weights};
