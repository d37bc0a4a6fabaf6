//! The rejudge benchmark in headless Chromium: 10,000 judge replies (chat.completion bodies
//! with 20 top_logprobs from the real judge's dicts) read by `parse_reply` and scored by the
//! paper's rule, compiled to wasm as the app is. The workload is `src/bin/bench_rejudge.rs`
//! (its native twin), included here. Prints one line `REJUDGE_BENCH {json}` for `cargo xtask
//! bench`; it asserts nothing about speed.
#![cfg(target_arch = "wasm32")]

use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[path = "../../src/bin/bench_rejudge.rs"]
mod bench_rejudge;

#[wasm_bindgen_test]
fn rejudge_speed_in_the_browser() {
    let performance = web_sys::window().unwrap().performance().unwrap();
    let result = bench_rejudge::run(&|| performance.now());
    console_log!("REJUDGE_BENCH {}", serde_json::to_string(&result).unwrap());
}
