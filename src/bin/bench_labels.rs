//! Annotation benchmarks, native release build (`labels::bench` has the workload): prints one
//! JSON line. Run: `cargo run --release --no-default-features --bin bench_labels`.

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    let origin = std::time::Instant::now();
    let result = em_lab::labels::bench::run(&|| origin.elapsed().as_secs_f64() * 1e3);
    println!("{}", serde_json::to_string(&result).expect("json"));
}
