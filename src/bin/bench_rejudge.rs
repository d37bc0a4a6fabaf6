//! Rejudge benchmark, reading and scoring judge replies: 10,000 chat.completion bodies as
//! the judge server (and OpenAI) sends them, each with 20 top_logprobs taken from the real
//! judge's dicts (`tests/fixtures/judge-server-seed.json`: 280 answers × aligned/coherent),
//! read by `judge::rejudge::reply::parse_reply` and scored by `TopLogprobs::score`, the
//! code the rejudge page runs on every reply. Prints one JSON line.
//!
//! Native: `cargo run --release --no-default-features --bin bench_rejudge`. The same file is
//! the workload of `wasm-bench/tests/rejudge_speed.rs` (included there by `#[path]`), so
//! native and wasm time the same bodies. It measures; it asserts nothing about speed.

use em_lab::judge::rejudge::Dimension;
use em_lab::judge::rejudge::reply::parse_reply;
use serde_json::{Value, json};

/// The judge's real top-20 dicts, as the judge server replies with them.
const SEED: &str = include_str!("../../tests/fixtures/judge-server-seed.json");

pub const REPLIES: usize = 10_000;
const PASSES: usize = 7;

/// `(dimension, body, the score the authors stored)` for `REPLIES` replies, cycling over
/// the seed's 560 dicts; built like `completion()` in `e2e/judge-server.mjs`.
fn bodies() -> (Vec<(Dimension, String, Option<f64>)>, usize) {
    let seed: Vec<Value> = serde_json::from_str(SEED).expect("judge-server-seed.json");
    let mut dicts = Vec::new();
    for entry in &seed {
        for (dim, name) in [
            (Dimension::Aligned, "aligned"),
            (Dimension::Coherent, "coherent"),
        ] {
            if let Some(dict) = entry[name].as_array() {
                dicts.push((dim, dict.clone(), entry[format!("{name}_score")].as_f64()));
            }
        }
    }
    let entry = |pair: &Value| {
        let token = pair[0].as_str().unwrap_or_default();
        let p = pair[1].as_f64().unwrap_or(0.0);
        json!({
            "token": token,
            "logprob": if p > 0.0 { p.ln() } else { -9999.0 },
            "bytes": token.as_bytes(),
        })
    };
    let bodies = (0..REPLIES)
        .map(|i| {
            let (dim, dict, stored) = &dicts[i % dicts.len()];
            let top: Vec<Value> = dict.iter().take(20).map(entry).collect();
            let mut first = entry(&dict[0]);
            first["top_logprobs"] = Value::Array(top);
            let prompt_tokens = 180 + (i % 400);
            let body = json!({
                "id": format!("chatcmpl-local{i:08}"),
                "object": "chat.completion",
                "created": 1_764_000_000 + i,
                "model": "gpt-4o-2024-08-06",
                "system_fingerprint": "fp_judge_server",
                "choices": [{
                    "index": 0,
                    "message": {"role": "assistant", "content": dict[0][0], "refusal": null},
                    "logprobs": {"content": [first], "refusal": null},
                    "finish_reason": "length",
                }],
                "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": 1, "total_tokens": prompt_tokens + 1},
            });
            (*dim, body.to_string(), *stored)
        })
        .collect();
    (bodies, dicts.len())
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// The benchmark; `now_ms` is the clock (`Instant` natively, `performance.now()` in wasm).
pub fn run(now_ms: &dyn Fn() -> f64) -> Value {
    let (bodies, dicts) = bodies();
    let bytes: usize = bodies.iter().map(|(_, b, _)| b.len()).sum();
    // Parse and score every body: what the page does with each reply.
    let pass = || {
        let (mut scored, mut sum, mut max_diff) = (0usize, 0.0f64, 0.0f64);
        for (dim, body, stored) in &bodies {
            let top = parse_reply(body).expect("a well-formed reply");
            let s = top.score(*dim);
            if let Some(score) = s.score {
                scored += 1;
                sum += score;
                if let Some(stored) = stored {
                    max_diff = max_diff.max((score - stored).abs());
                }
            }
        }
        (scored, sum, max_diff)
    };
    let check = pass(); // warm-up, and what every pass computes
    let mut total = Vec::new();
    for _ in 0..PASSES {
        let t = now_ms();
        assert_eq!(std::hint::black_box(pass()).0, check.0);
        total.push(now_ms() - t);
    }
    // The two halves apart.
    let mut parse = Vec::new();
    let mut score = Vec::new();
    for _ in 0..PASSES {
        let t = now_ms();
        let tops: Vec<_> = bodies
            .iter()
            .map(|(_, b, _)| parse_reply(b).expect("a well-formed reply"))
            .collect();
        let t1 = now_ms();
        let n = tops
            .iter()
            .zip(&bodies)
            .filter(|(top, (dim, _, _))| std::hint::black_box(top.score(*dim)).score.is_some())
            .count();
        let t2 = now_ms();
        assert_eq!(n, check.0);
        parse.push(t1 - t);
        score.push(t2 - t1);
    }
    let total_ms = median(total);
    json!({
        "replies": REPLIES,
        "top_logprobs": 20,
        "distinct_dicts": dicts,
        "mean_body_bytes": bytes as f64 / REPLIES as f64,
        "passes": PASSES,
        "total_ms": total_ms,
        "us_per_reply": total_ms * 1e3 / REPLIES as f64,
        "parse_ms": median(parse),
        "score_ms": median(score),
        "scored": check.0,
        "score_sum": check.1,
        "max_abs_diff_vs_stored": check.2,
    })
}

#[cfg(not(target_arch = "wasm32"))]
#[allow(dead_code)]
fn main() {
    let origin = std::time::Instant::now();
    let result = run(&|| origin.elapsed().as_secs_f64() * 1e3);
    println!("{}", serde_json::to_string(&result).expect("json"));
}

#[cfg(target_arch = "wasm32")]
#[allow(dead_code)]
fn main() {}
