//! The annotation benchmark in headless Chromium: the agreement statistics with their
//! bootstrap and the annotate session's keypress work, compiled to wasm as the app is. Prints
//! one line `LABELS_BENCH {json}` for `cargo xtask bench`; it asserts nothing about speed.
#![cfg(target_arch = "wasm32")]

use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn labels_speed_in_the_browser() {
    let performance = web_sys::window().unwrap().performance().unwrap();
    let result = em_lab::labels::bench::run(&|| performance.now());
    console_log!("LABELS_BENCH {}", serde_json::to_string(&result).unwrap());
}
