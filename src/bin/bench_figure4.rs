//! Replay benchmarks, native release build (`replay::bench` has the workload): prints one
//! JSON line. Run: `cargo run --release --no-default-features --bin bench_figure4`.

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    use std::time::Instant;

    use em_lab::replay::bench::{Io, run};

    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("public/data");
    let origin = Instant::now();
    let result = run(&Io {
        read: &|path| std::fs::read(data.join(path)).expect("bundled data file"),
        now_ms: &|| origin.elapsed().as_secs_f64() * 1e3,
    });
    println!("{}", serde_json::to_string(&result).expect("json"));
}
