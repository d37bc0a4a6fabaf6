//! `cargo xtask setup`: install what is missing, and nothing that is already right.
//!
//! On a fresh machine most of setup is compiling two Rust tools (Trunk, wasm-bindgen-cli): no
//! registry this project reaches ships them prebuilt. So the checks run first; then every
//! missing tool installs at once: the two compiles share the CPU (their serial tails overlap),
//! while Chromium, npm and pip, which wait on the network and the disk, run beside them.
//! The tools are compiled with a cheaper profile than their own release one (no LTO, 16
//! codegen units, Trunk at opt-level 1): they orchestrate builds, they are not the build.

use std::fs;
use std::process::Command;
use std::thread;
use std::time::Instant;

use crate::cmd::{self, command, output};
use crate::paths;

const TRUNK_VERSION: &str = "0.21.14";

/// One missing tool and the command that installs it.
struct Install {
    what: String,
    cmd: Command,
}

pub fn run() -> Result<(), String> {
    println!("== setup: checking tools");
    let started = Instant::now();
    wasm_target()?;
    let mut missing: Vec<Install> = Vec::new();
    missing.extend(trunk());
    missing.extend(wasm_bindgen_cli()?);
    missing.extend(chromium()?);
    missing.extend(npm_tools());
    missing.extend(python_tools());
    if missing.is_empty() {
        println!("== setup: all tools present");
        return Ok(());
    }
    install_concurrently(missing)?;
    println!(
        "== setup: all tools installed ({})",
        crate::test::minutes(started.elapsed())
    );
    Ok(())
}

/// Run every install at once, each into its own log (printed when it fails, so the outputs do
/// not interleave); report each one's wall time.
fn install_concurrently(missing: Vec<Install>) -> Result<(), String> {
    let logs = paths::target_dir().join("setup-logs");
    fs::create_dir_all(&logs).map_err(|err| format!("{}: {err}", logs.display()))?;
    let (done, finished) = std::sync::mpsc::channel();
    let count = missing.len();
    for install in missing {
        let log = logs.join(format!("{}.log", install.what.replace([' ', '/'], "-")));
        println!("start {}  (log: {})", install.what, log.display());
        let done = done.clone();
        thread::spawn(move || {
            let started = Instant::now();
            let result = cmd::run_logged(install.cmd, &log);
            let _ = done.send((install.what, log, result, started.elapsed()));
        });
    }
    drop(done);
    let mut failures = Vec::new();
    let mut reported = 0;
    for (what, log, result, took) in finished.iter() {
        reported += 1;
        match result {
            Ok(()) => println!("done  {what} ({})", crate::test::minutes(took)),
            Err(err) => {
                println!(
                    "FAIL  {what}: {err}\n{}",
                    fs::read_to_string(&log).unwrap_or_default()
                );
                failures.push(what);
            }
        }
    }
    if reported < count {
        failures.push("an install thread panicked".into());
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(format!("could not install: {}", failures.join(", ")))
    }
}

fn wasm_target() -> Result<(), String> {
    let installed = output("rustup", &["target", "list", "--installed"]).unwrap_or_default();
    if installed
        .lines()
        .any(|t| t.trim() == "wasm32-unknown-unknown")
    {
        println!("ok   rust target wasm32-unknown-unknown");
        return Ok(());
    }
    cmd::run(command(
        "rustup",
        &["target", "add", "wasm32-unknown-unknown"],
    ))
}

/// `cargo install` with a build profile for tools: their own release profiles (fat LTO, one
/// codegen unit) cost minutes of a fresh machine's setup for no speed a test run can see.
/// Each tool builds in its own dir beside the cache (a shared one would make the two installs
/// wait for each other's lock), kept so a version bump rebuilds only what changed.
fn cargo_install(tool: &str, args: &[&str], opt_level: &str) -> Command {
    let mut cmd = command("cargo", &["install", tool]);
    cmd.args(args)
        .arg("--target-dir")
        .arg(paths::cache("tools-build").join(tool))
        .env("CARGO_PROFILE_RELEASE_LTO", "off")
        .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16")
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", opt_level)
        .env("CARGO_PROFILE_RELEASE_DEBUG", "0")
        .env("CARGO_PROFILE_RELEASE_INCREMENTAL", "false");
    cmd
}

/// Trunk 0.22 needs a newer rustc than this machine's 1.95, so 0.21.14 exactly. Trunk only
/// runs cargo, wasm-bindgen and wasm-opt and copies files: opt-level 1 is plenty.
fn trunk() -> Option<Install> {
    let have = output("trunk", &["--version"]).unwrap_or_default();
    if have.trim() == format!("trunk {TRUNK_VERSION}") {
        println!("ok   {}", have.trim());
        return None;
    }
    println!("need trunk {TRUNK_VERSION} (found: {:?})", have.trim());
    Some(Install {
        what: format!("trunk {TRUNK_VERSION}"),
        cmd: cargo_install("trunk", &["--locked", "--version", TRUNK_VERSION], "1"),
    })
}

/// The CLI must equal the wasm-bindgen crate in Cargo.lock (the only place it is pinned).
/// It rewrites every wasm the tests build (the debug test binaries are large), so it keeps
/// opt-level 3.
fn wasm_bindgen_cli() -> Result<Option<Install>, String> {
    let wanted = locked_version("wasm-bindgen")?;
    let have = output("wasm-bindgen", &["--version"]).unwrap_or_default();
    if have.split_whitespace().nth(1) == Some(wanted.as_str()) {
        println!("ok   wasm-bindgen-cli {wanted}");
        return Ok(None);
    }
    println!("need wasm-bindgen-cli {wanted} (found: {:?})", have.trim());
    // Not --locked: its lockfile pins a crate version the registry no longer has.
    Ok(Some(Install {
        what: format!("wasm-bindgen-cli {wanted}"),
        cmd: cargo_install("wasm-bindgen-cli", &["--version", &wanted], "3"),
    }))
}

/// Version of a package as resolved in Cargo.lock.
pub fn locked_version(package: &str) -> Result<String, String> {
    let lock = fs::read_to_string(paths::root().join("Cargo.lock"))
        .map_err(|err| format!("Cargo.lock: {err}"))?;
    let needle = format!("name = \"{package}\"\nversion = \"");
    let start = lock
        .find(&needle)
        .ok_or_else(|| format!("{package} is not in Cargo.lock"))?
        + needle.len();
    let end = lock[start..].find('"').ok_or("Cargo.lock is malformed")?;
    Ok(lock[start..start + end].to_string())
}

/// Debian's Chromium and its driver drive every browser test layer.
fn chromium() -> Result<Option<Install>, String> {
    let present = |p: &str| std::path::Path::new(p).exists();
    if present(paths::CHROMIUM) && present(paths::CHROMEDRIVER) {
        println!("ok   chromium and chromedriver");
        return Ok(None);
    }
    let is_root = output("id", &["-u"]).is_some_and(|uid| uid.trim() == "0");
    if !is_root {
        return Err("Chromium is missing: run `sudo apt-get install -y chromium chromium-driver`, then retry".into());
    }
    println!("need chromium and chromedriver");
    // A fresh machine may have no package lists yet: try, and on failure update and retry.
    let script = "apt-get install -y --no-install-recommends chromium chromium-driver \
                  || { apt-get update && apt-get install -y --no-install-recommends chromium chromium-driver; }";
    let mut apt = command("sh", &["-c", script]);
    apt.env("DEBIAN_FRONTEND", "noninteractive");
    Ok(Some(Install {
        what: "chromium".into(),
        cmd: apt,
    }))
}

/// playwright-core (drives /usr/bin/chromium, never downloads a browser), npm's binaryen
/// (wasm-opt 132; Debian's 108 breaks wasm-bindgen 0.2.130 output) and pouchdb-server (the
/// CouchDB-protocol server of the team-sync tests, run in memory). `npm ci` from the lockfile,
/// without install scripts: none of these needs one (pouchdb-server's optional native
/// LevelDB and SQLite adapters stay unbuilt; in memory it uses neither).
fn npm_tools() -> Option<Install> {
    let root = paths::root();
    let up_to_date = root.join("node_modules/.package-lock.json").exists()
        && root.join("node_modules/playwright-core").exists()
        && root.join("node_modules/pouchdb-server").exists()
        && output("wasm-opt", &["--version"]).is_some_and(|v| v.contains("version 132"));
    if up_to_date {
        println!("ok   npm tools (playwright-core, binaryen wasm-opt 132, pouchdb-server)");
        return None;
    }
    println!("need npm tools (playwright-core, binaryen, pouchdb-server)");
    let mut npm = command(
        "npm",
        &["ci", "--ignore-scripts", "--no-audit", "--no-fund"],
    );
    // playwright-core has no browser download step; make sure nothing tries one.
    npm.env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
    Some(Install {
        what: "npm tools".into(),
        cmd: npm,
    })
}

/// pandas, for the test that cross-checks our statistics against an independent computation.
fn python_tools() -> Option<Install> {
    if output("python3", &["-c", "import pandas"]).is_some() {
        println!("ok   python3 with pandas");
        return None;
    }
    println!("need pandas");
    Some(Install {
        what: "pandas".into(),
        cmd: command(
            "python3",
            &[
                "-m",
                "pip",
                "install",
                "--quiet",
                "-r",
                "tests/pandas/requirements.txt",
            ],
        ),
    })
}

/// PyTorch in its own venv, for the toy benchmark only (a multi-GB download, so `test` and
/// `serve` never ask for it). Returns the venv's python.
pub fn torch_python() -> Result<std::path::PathBuf, String> {
    let venv = paths::torch_venv();
    let python = venv.join("bin/python3");
    if output(python.to_str().unwrap_or_default(), &["-c", "import torch"]).is_some() {
        println!("ok   PyTorch (bench only) in {}", venv.display());
        return Ok(python);
    }
    println!(
        "need PyTorch for the toy benchmark; installing into {}",
        venv.display()
    );
    cmd::run(command(
        "python3",
        &["-m", "venv", venv.to_str().ok_or("venv path is not UTF-8")?],
    ))?;
    cmd::run(command(
        python.to_str().unwrap_or_default(),
        &[
            "-m",
            "pip",
            "install",
            "--quiet",
            "-r",
            "bench/requirements-torch.txt",
        ],
    ))?;
    Ok(python)
}
