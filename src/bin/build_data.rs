//! `build-data`: converts the bundled CSVs listed in `data/manifest.toml` into what the app
//! loads, in `public/data/`: `scores.bin.gz` (small columnar scores, loaded first) and
//! `text/<file-id>.json.gz` (answer texts, loaded lazily). Run via `cargo xtask data`.
//!
//! `public/data/` is COMMITTED, not generated at build time: the app then builds and serves
//! (Trunk, CI, a fresh clone) without running a native converter first, and reviewers see
//! when the data changes. The output is deterministic (byte-identical reruns), and the
//! `data_bundle` integration test fails if the committed files are not what this program
//! would write, so they cannot silently drift from the manifest or the sources.
//!
//! Usage: `build-data [--check] [DATA_DIR] [OUT_DIR]` (defaults: `data`, `public/data`).
//! `--check` writes nothing and exits 1 if the committed output is stale.

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    use std::path::PathBuf;
    use std::process::ExitCode;

    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let check = args.iter().any(|a| a == "--check");
    args.retain(|a| a != "--check");
    let data_dir = PathBuf::from(args.first().map_or("data", String::as_str));
    let out_dir = PathBuf::from(args.get(1).map_or("public/data", String::as_str));

    let output = match em_lab::runs::build::build(&data_dir) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("build-data: {e}");
            return ExitCode::FAILURE;
        }
    };
    let total: usize = output.files.iter().map(|(_, b)| b.len()).sum();
    if check {
        let stale = em_lab::runs::build::stale_files(&out_dir, &output);
        if stale.is_empty() {
            println!("build-data: {} is up to date", out_dir.display());
            return ExitCode::SUCCESS;
        }
        eprintln!(
            "build-data: stale files in {}: {stale:?}",
            out_dir.display()
        );
        return ExitCode::FAILURE;
    }
    if let Err(e) = em_lab::runs::build::write(&out_dir, &output) {
        eprintln!("build-data: writing {}: {e}", out_dir.display());
        return ExitCode::FAILURE;
    }
    println!(
        "build-data: {} answers -> {} files, {:.1} MB in {}",
        output.answers,
        output.files.len(),
        total as f64 / 1e6,
        out_dir.display()
    );
    ExitCode::SUCCESS
}

/// The data build is a native tool; on wasm32 (where the whole crate is also compiled)
/// it does nothing.
#[cfg(target_arch = "wasm32")]
fn main() {}
