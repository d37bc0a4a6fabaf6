//! The Replay benchmark in headless Chromium: the app's own filter, search and Figure 4 code,
//! compiled to wasm as the app is. Prints one line `REPLAY_BENCH {json}` for `cargo xtask
//! bench`; it asserts nothing about speed (benchmarks measure, tests assert behaviour).
#![cfg(target_arch = "wasm32")]

use em_lab::replay::bench::{Io, run};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

mod bundle {
    include!(concat!(env!("OUT_DIR"), "/bundle_files.rs"));
}

#[wasm_bindgen_test]
fn replay_speed_in_the_browser() {
    let performance = web_sys::window().unwrap().performance().unwrap();
    let result = run(&Io {
        read: &|path| {
            bundle::FILES
                .iter()
                .find(|(p, _)| *p == path)
                .unwrap_or_else(|| panic!("{path} is not embedded"))
                .1
                .to_vec()
        },
        now_ms: &|| performance.now(),
    });
    console_log!("REPLAY_BENCH {}", serde_json::to_string(&result).unwrap());
}
