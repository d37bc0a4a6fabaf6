//! Nothing here: the tests are in `tests/browser.rs` (`cargo xtask test` runs them in headless
//! Chromium with `cargo test -p em-lab-browser-tests --target wasm32-unknown-unknown`).
