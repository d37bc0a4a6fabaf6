//! Entry point of the lab's Web Worker (built by Trunk with `data-type="worker"`).

#[cfg(target_arch = "wasm32")]
fn main() {
    em_lab::lab::worker::run();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("lab-worker is the browser's Web Worker: run `cargo xtask serve` and open the app.");
}
