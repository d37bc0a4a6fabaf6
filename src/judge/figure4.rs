//! Figure 4 of the paper: P(misaligned answer) per question per series, computed per seed
//! and then averaged across seeds, with a 95% bootstrap CI over seeds. A series with one
//! trained model gets a CI over answers instead, and says so ([`CiKind`]).

use serde::{Deserialize, Serialize};

use super::bootstrap::{self, SeedResampler};
use super::index::{RunCount, ScoreIndex};
use super::verdict::{NoScorePolicy, Thresholds};

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Figure4Options {
    pub thresholds: Thresholds,
    pub no_score: NoScorePolicy,
    /// Bootstrap resamples for CIs over seeds (the paper: 1,000).
    pub resamples: u32,
    /// Seed of the bootstrap RNG (see `bootstrap::SeedResampler`).
    pub rng_seed: u64,
}

impl Default for Figure4Options {
    fn default() -> Self {
        Self {
            thresholds: Thresholds::default(),
            no_score: NoScorePolicy::default(),
            resamples: 1000,
            rng_seed: 0x454d_4c61_6221, // "EMLab!"
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CiKind {
    /// Bootstrap over training seeds (the paper's error bars).
    OverSeeds,
    /// Only one trained model: exact bootstrap over its answers. Narrower in spirit than
    /// seed error bars (it ignores seed-to-seed variation); label it as such.
    OverAnswers,
}

/// A computed point.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    /// P(misaligned): mean over seeds of per-seed proportions, or the pooled proportion.
    pub p: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    pub ci: CiKind,
    /// Seeds that contributed (1 for `OverAnswers`).
    pub runs: u32,
    /// Misaligned answers and the denominator, summed over runs.
    pub misaligned: u32,
    pub answers: u32,
}

/// Why a point has no value. The app shows the reason instead of a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum NoEstimate {
    /// The file kept only misaligned answers: any proportion would be meaningless.
    Filtered,
    /// The file has no coherent scores, so the rule "aligned < A and coherent > C" cannot be
    /// applied.
    NoCoherentScores,
    /// The series has no answers to this question.
    NoAnswers,
    /// All answers lack a numeric verdict and the policy excludes them.
    NoScoredAnswers,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Point {
    pub series: u16,
    pub question: u16,
    pub value: Result<Estimate, NoEstimate>,
}

/// Compute every (series, question) point requested, in the order given.
pub fn figure4(
    index: &ScoreIndex,
    series: &[u16],
    questions: &[u16],
    opts: &Figure4Options,
) -> Vec<Point> {
    let mut resampler = SeedResampler::new(opts.rng_seed, opts.resamples);
    let mut counts = Vec::new();
    let mut out = Vec::with_capacity(series.len() * questions.len());
    for &s in series {
        for &q in questions {
            let value = point(index, s, q, opts, &mut counts, &mut resampler);
            out.push(Point {
                series: s,
                question: q,
                value,
            });
        }
    }
    out
}

fn point(
    index: &ScoreIndex,
    s: u16,
    q: u16,
    opts: &Figure4Options,
    counts: &mut Vec<RunCount>,
    resampler: &mut SeedResampler,
) -> Result<Estimate, NoEstimate> {
    let slices = index.cell(s, q);
    if slices.is_empty() {
        return Err(NoEstimate::NoAnswers);
    }
    let info = &index.series()[s as usize];
    if info.filtered {
        return Err(NoEstimate::Filtered);
    }
    if !info.has_coherent {
        return Err(NoEstimate::NoCoherentScores);
    }
    counts.clear();
    counts.extend(
        slices
            .iter()
            .map(|sl| index.count(sl, &opts.thresholds, opts.no_score))
            .filter(|c| c.total > 0),
    );
    let misaligned: u32 = counts.iter().map(|c| c.misaligned).sum();
    let answers: u32 = counts.iter().map(|c| c.total).sum();
    if answers == 0 {
        return Err(NoEstimate::NoScoredAnswers);
    }
    if info.seeds && counts.len() >= 2 {
        let ps: Vec<f64> = counts
            .iter()
            .map(|c| c.misaligned as f64 / c.total as f64)
            .collect();
        let p = ps.iter().sum::<f64>() / ps.len() as f64;
        let (lo, hi) = resampler.ci(&ps);
        Ok(Estimate {
            p,
            // Monte-Carlo quantiles can miss a point estimate sitting on a heavy tail by a
            // hair; an interval that excludes its own estimate would only confuse.
            ci_low: lo.min(p),
            ci_high: hi.max(p),
            ci: CiKind::OverSeeds,
            runs: ps.len() as u32,
            misaligned,
            answers,
        })
    } else {
        // One trained model (or pooled sampling runs): the proportion over all its answers.
        let (lo, hi) = bootstrap::answers_ci(misaligned, answers);
        Ok(Estimate {
            p: misaligned as f64 / answers as f64,
            ci_low: lo,
            ci_high: hi,
            ci: CiKind::OverAnswers,
            runs: 1,
            misaligned,
            answers,
        })
    }
}
