//! `cargo xtask setup`: install what is missing, and nothing that is already right.

use std::fs;

use crate::cmd::{self, command, output};
use crate::paths;

const TRUNK_VERSION: &str = "0.21.14";

pub fn run() -> Result<(), String> {
    println!("== setup: checking tools");
    wasm_target()?;
    trunk()?;
    wasm_bindgen_cli()?;
    chromium()?;
    npm_tools()?;
    python_tools()?;
    println!("== setup: all tools present");
    Ok(())
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

/// Trunk 0.22 needs a newer rustc than this machine's 1.95, so 0.21.14 exactly.
fn trunk() -> Result<(), String> {
    let have = output("trunk", &["--version"]).unwrap_or_default();
    if have.trim() == format!("trunk {TRUNK_VERSION}") {
        println!("ok   {}", have.trim());
        return Ok(());
    }
    println!(
        "need trunk {TRUNK_VERSION} (found: {:?}); installing, ~9 min",
        have.trim()
    );
    cmd::run(command(
        "cargo",
        &["install", "--locked", "trunk", "--version", TRUNK_VERSION],
    ))
}

/// The CLI must equal the wasm-bindgen crate in Cargo.lock (the only place it is pinned).
fn wasm_bindgen_cli() -> Result<(), String> {
    let wanted = locked_version("wasm-bindgen")?;
    let have = output("wasm-bindgen", &["--version"]).unwrap_or_default();
    if have.split_whitespace().nth(1) == Some(wanted.as_str()) {
        println!("ok   wasm-bindgen-cli {wanted}");
        return Ok(());
    }
    println!(
        "need wasm-bindgen-cli {wanted} (found: {:?}); installing, ~6 min",
        have.trim()
    );
    // Not --locked: its lockfile pins a crate version the registry no longer has.
    cmd::run(command(
        "cargo",
        &["install", "wasm-bindgen-cli", "--version", &wanted],
    ))
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
fn chromium() -> Result<(), String> {
    let present = |p: &str| std::path::Path::new(p).exists();
    if present(paths::CHROMIUM) && present(paths::CHROMEDRIVER) {
        println!("ok   chromium and chromedriver");
        return Ok(());
    }
    let is_root = output("id", &["-u"]).is_some_and(|uid| uid.trim() == "0");
    if !is_root {
        return Err("Chromium is missing: run `sudo apt-get install -y chromium chromium-driver`, then retry".into());
    }
    let install = || {
        let mut apt = command(
            "apt-get",
            &[
                "install",
                "-y",
                "--no-install-recommends",
                "chromium",
                "chromium-driver",
            ],
        );
        apt.env("DEBIAN_FRONTEND", "noninteractive");
        cmd::run(apt)
    };
    // A fresh machine may have no package lists yet.
    install().or_else(|_| {
        cmd::run(command("apt-get", &["update"]))?;
        install()
    })
}

/// playwright-core (drives /usr/bin/chromium, never downloads a browser) and npm's binaryen
/// (wasm-opt 132; Debian's 108 breaks wasm-bindgen 0.2.130 output). `npm ci` from the lockfile.
fn npm_tools() -> Result<(), String> {
    let root = paths::root();
    let lock = root.join("package-lock.json");
    let installed = root.join("node_modules/.package-lock.json");
    let up_to_date = match (fs::read(&lock), fs::read(&installed)) {
        (Ok(_), Ok(_)) => {
            let wasm_opt = output("wasm-opt", &["--version"]).unwrap_or_default();
            wasm_opt.contains("version 132") && root.join("node_modules/playwright-core").exists()
        }
        _ => false,
    };
    if up_to_date {
        println!("ok   npm tools (playwright-core, binaryen wasm-opt 132)");
        return Ok(());
    }
    let mut npm = command("npm", &["ci", "--no-audit", "--no-fund"]);
    // playwright-core has no browser download step; make sure nothing tries one.
    npm.env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
    cmd::run(npm)
}

/// pandas, for the test that cross-checks our statistics against an independent computation.
fn python_tools() -> Result<(), String> {
    if output("python3", &["-c", "import pandas"]).is_some() {
        println!("ok   python3 with pandas");
        return Ok(());
    }
    cmd::run(command(
        "python3",
        &[
            "-m",
            "pip",
            "install",
            "--quiet",
            "-r",
            "tests/pandas/requirements.txt",
        ],
    ))
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
