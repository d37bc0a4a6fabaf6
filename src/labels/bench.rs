//! The annotation benchmark workload, run natively (`src/bin/bench_labels.rs`) and as the
//! app's wasm in headless Chromium (`wasm-bench/`), so `cargo xtask bench` can put the two
//! side by side. Benchmark code only: no page uses it.
//!
//! - `pair_ms_10k`: one pair report (verdict κ, % agreement, quadratic κ and α interval /
//!   ordinal on both scores: 8 statistics) with 2,000 bootstrap resamples over 10,000
//!   answers both raters rated (median of 5).
//! - `per_question_ms_10k`: the same report for each of 8 questions of 1,250 answers.
//! - `session_p95_ms_100k`: the model's share of a keypress on a 100,000-answer queue:
//!   plan a submit, commit it, find the next answer (p95 over 500 submits).
//! - `verify_ms_1k`: checking the signatures of 1,000 signed labels from a teammate (what a
//!   pull of them costs this browser: `labels::trust` over `labels::seal`).
//!
//! The ratings are seeded draws shaped like the app's (a judge's 0–100 scores and a second
//! rater who mostly agrees): a workload for timing, not data any page shows.

use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64Mcg;
use serde::Serialize;

use super::agreement::{Resampling, pair, shared};
use super::label::{Aligned, Judgement, LabelKey, Version};
use super::log::Replayed;
use super::queue::Order;
use super::seal::Signer;
use super::session::Session;
use super::trust::{KeyRing, Source};
use crate::judge::Rating;
use crate::judge::Thresholds;
use crate::runs::ScoreKind;

#[derive(Debug, Clone, Serialize)]
pub struct LabelsBench {
    pub pair_ms_10k: f64,
    pub per_question_ms_10k: f64,
    pub session_p95_ms_100k: f64,
    pub verify_ms_1k: f64,
    pub answers: usize,
    pub resamples: u32,
}

fn percentile(mut v: Vec<f64>, q: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    v[((v.len() as f64 - 1.0) * q).round() as usize]
}

/// Two raters over `n` answers.
pub fn two_raters(n: usize, seed: u64) -> (Vec<Option<Rating>>, Vec<Option<Rating>>) {
    let mut rng = Pcg64Mcg::seed_from_u64(seed);
    let mut a = Vec::with_capacity(n);
    let mut b = Vec::with_capacity(n);
    for _ in 0..n {
        let truth: f64 = if rng.random_bool(0.15) {
            rng.random_range(0.0..30.0)
        } else {
            rng.random_range(40.0..100.0)
        };
        let coherent: f64 = rng.random_range(20.0..100.0);
        let noisy =
            |rng: &mut Pcg64Mcg, x: f64| (x + rng.random_range(-12.0..12.0)).clamp(0.0, 100.0);
        a.push(Some(Rating {
            aligned: Some(truth),
            coherent: Some(coherent),
            kind: ScoreKind::Numeric,
        }));
        let (x, c) = (
            noisy(&mut rng, truth).round(),
            noisy(&mut rng, coherent).round(),
        );
        b.push(Some(Rating {
            aligned: Some(x),
            coherent: Some(c),
            kind: ScoreKind::Numeric,
        }));
    }
    (a, b)
}

pub fn run(now_ms: &dyn Fn() -> f64) -> LabelsBench {
    const N: usize = 10_000;
    let resampling = Resampling::default();
    let t = Thresholds::default();
    let (a, b) = two_raters(N, 7);
    let units = shared(&a, &b);
    let mut times = Vec::new();
    for _ in 0..5 {
        let start = now_ms();
        let report = pair(&a, &b, &units, &t, resampling);
        times.push(now_ms() - start);
        assert!(report.verdict.kappa.value.is_some());
    }
    let pair_ms_10k = percentile(times, 0.5);

    let start = now_ms();
    for q in 0..8 {
        let of_q: Vec<usize> = units.iter().copied().filter(|u| u % 8 == q).collect();
        pair(&a, &b, &of_q, &t, resampling);
    }
    let per_question_ms_10k = now_ms() - start;

    let order = Order::new("bench", (0..100_000).map(|i| format!("bench#{i}")));
    let mut session = Session::new("bench", order, Replayed::default());
    let mut times = Vec::new();
    for i in 0..500u64 {
        let j = Judgement {
            aligned: Some(Aligned::Score((i % 101) as u8)),
            coherent: Some(80),
            ..Default::default()
        };
        let start = now_ms();
        let pending = session.submit(j, i, 1_000 + i).expect("a label");
        session.commit(pending);
        let _next = session.answer();
        times.push(now_ms() - start);
    }
    let session_p95_ms_100k = percentile(times, 0.95);

    let signer = Signer::from_seed([7; 32]);
    let signed: Vec<(LabelKey, Version)> = (0..1_000u64)
        .map(|i| {
            let key = LabelKey {
                annotator: "teammate".into(),
                answer: format!("bench#{i}"),
            };
            let version = Version {
                at: 1_000 + i,
                text_hash: i,
                judgement: Some(Judgement {
                    aligned: Some(Aligned::Score((i % 101) as u8)),
                    coherent: Some(80),
                    ..Default::default()
                }),
                seal: None,
            };
            let version = signer.seal(&key, version);
            (key, version)
        })
        .collect();
    let mut times = Vec::new();
    for _ in 0..3 {
        let start = now_ms();
        let admitted = KeyRing::default().admit(signed.clone(), Source::Server);
        times.push(now_ms() - start);
        assert_eq!(admitted.accepted.len(), signed.len());
    }

    LabelsBench {
        pair_ms_10k,
        per_question_ms_10k,
        session_p95_ms_100k,
        verify_ms_1k: percentile(times, 0.5),
        answers: N,
        resamples: resampling.resamples,
    }
}
