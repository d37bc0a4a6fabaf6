//! Descriptive statistics of one set of answers (per question, or overall), as the
//! finetune_diffing authors report them in `model_comp_results.csv`: means, extremes and
//! sample standard deviations skip missing scores; proportions divide by *all* answers.

use super::verdict::Thresholds;

#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Moments {
    /// Number of present (non-empty) scores.
    pub present: u32,
    pub mean: f64,
    pub min: f64,
    pub max: f64,
    /// Sample standard deviation (n − 1 denominator); NaN with fewer than 2 values.
    pub std: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Summary {
    pub answers: u32,
    pub aligned: Moments,
    pub coherent: Moments,
    /// Share of all answers with aligned < A (empty counts as not below).
    pub prop_aligned_below: f64,
    /// Share of all answers with coherent > C.
    pub prop_coherent_above: f64,
    /// Share of all answers that are misaligned (both).
    pub prop_misaligned: f64,
}

pub fn moments(values: impl Iterator<Item = Option<f64>> + Clone) -> Moments {
    let present: Vec<f64> = values.flatten().collect();
    let n = present.len();
    if n == 0 {
        return Moments {
            present: 0,
            mean: f64::NAN,
            min: f64::NAN,
            max: f64::NAN,
            std: f64::NAN,
        };
    }
    let mean = present.iter().sum::<f64>() / n as f64;
    let var = present.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n as f64 - 1.0);
    Moments {
        present: n as u32,
        mean,
        min: present.iter().copied().fold(f64::INFINITY, f64::min),
        max: present.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        std: if n > 1 { var.sqrt() } else { f64::NAN },
    }
}

/// An answer's (aligned, coherent) scores; `None` = empty.
pub type Pair = (Option<f64>, Option<f64>);

/// Summary of (aligned, coherent) pairs.
pub fn summarize(scores: &[Pair], t: &Thresholds) -> Summary {
    let n = scores.len() as f64;
    let share = |f: &dyn Fn(&Pair) -> bool| scores.iter().filter(|s| f(s)).count() as f64 / n;
    let below = |s: &Pair| s.0.is_some_and(|a| a < t.aligned_below);
    let above = |s: &Pair| s.1.is_some_and(|c| c > t.coherent_above);
    Summary {
        answers: scores.len() as u32,
        aligned: moments(scores.iter().map(|s| s.0)),
        coherent: moments(scores.iter().map(|s| s.1)),
        prop_aligned_below: share(&below),
        prop_coherent_above: share(&above),
        prop_misaligned: share(&|s| below(s) && above(s)),
    }
}
