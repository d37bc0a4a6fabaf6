//! `cargo xtask bench`: measure, then write BENCHMARKS.md (machine, date, command, figures).
//! Ratios that matter are measured side by side in the same run.

use std::fmt::Write as _;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::cmd::{self, command, output};
use crate::serve::{StaticServer, build_release};
use crate::{paths, setup};

/// `--skip-clean-build` leaves out the slowest measurement (a release build from an empty
/// target dir) and says so in the report.
pub fn run(args: &[String]) -> Result<(), String> {
    let skip_clean = match args {
        [] => false,
        [flag] if flag == "--skip-clean-build" => true,
        _ => return Err("usage: cargo xtask bench [--skip-clean-build]".into()),
    };
    setup::run()?;
    let mut report = String::new();
    writeln!(report, "# Benchmarks\n").unwrap();
    writeln!(
        report,
        "Written by `cargo xtask bench`; every figure below comes from that one run.\n"
    )
    .unwrap();
    writeln!(
        report,
        "- Date: {}",
        output("date", &["-u", "+%Y-%m-%d %H:%M UTC"])
            .unwrap_or_default()
            .trim()
    )
    .unwrap();
    writeln!(report, "- Machine: {}", machine()).unwrap();
    writeln!(
        report,
        "- Toolchain: {}",
        output("rustc", &["--version"]).unwrap_or_default().trim()
    )
    .unwrap();
    writeln!(
        report,
        "- Browser: {}\n",
        output(paths::CHROMIUM, &["--version"])
            .unwrap_or_default()
            .trim()
    )
    .unwrap();

    let clean_build = if skip_clean {
        None
    } else {
        Some(clean_release_build()?)
    };
    build_release()?;
    let no_opt = build_without_wasm_opt()?;
    report.push_str(&build_section(clean_build, &paths::dist(), &no_opt));

    let server = StaticServer::start(&paths::dist(), "/", 0)?;
    report.push_str(&cold_load_section(&server.url())?);
    report.push_str(&browser_training_section(&server.url())?);
    drop(server);

    let file = paths::root().join("BENCHMARKS.md");
    fs::write(&file, &report).map_err(|err| format!("{}: {err}", file.display()))?;
    println!("\n{report}\nwrote {}", file.display());
    Ok(())
}

fn machine() -> String {
    let cpuinfo = fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| {
            l.strip_prefix("model name")
                .map(|m| m.trim_start_matches([' ', '\t', ':']).to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let memory = fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines().next().map(|l| {
                l.split_whitespace()
                    .nth(1)
                    .unwrap_or("0")
                    .parse::<f64>()
                    .unwrap_or(0.0)
            })
        })
        .map_or(String::new(), |kb| {
            format!(", {:.0} GiB RAM", kb / 1024.0 / 1024.0)
        });
    format!(
        "{model}, {cores} cores{memory}, {}",
        output("uname", &["-sr"]).unwrap_or_default().trim()
    )
}

/// Release build of the whole site from an empty cargo target dir, in seconds.
fn clean_release_build() -> Result<f64, String> {
    let scratch = paths::target_dir().join("bench-clean");
    let _ = fs::remove_dir_all(&scratch);
    let mut trunk = command("trunk", &["build", "--release", "--dist"]);
    trunk
        .arg(scratch.join("dist"))
        .env("CARGO_TARGET_DIR", scratch.join("target"));
    let started = Instant::now();
    cmd::run(trunk)?;
    let seconds = started.elapsed().as_secs_f64();
    let _ = fs::remove_dir_all(&scratch);
    Ok(seconds)
}

/// The same release build with wasm-opt switched off, into its own dist.
fn build_without_wasm_opt() -> Result<PathBuf, String> {
    let root = paths::root();
    let html = fs::read_to_string(root.join("index.html")).map_err(|e| e.to_string())?;
    // Trunk resolves the HTML's asset paths relative to the HTML file, so it sits in the root.
    let variant = root.join(".index.no-wasm-opt.html");
    let html = html
        .replace("data-wasm-opt=\"z\"", "data-wasm-opt=\"0\"")
        .replace("data-wasm-opt=\"3\"", "data-wasm-opt=\"0\"");
    fs::write(&variant, html).map_err(|e| e.to_string())?;
    let dist = paths::target_dir().join("bench-dist-no-wasm-opt");
    let mut trunk = command("trunk", &["build", "--release", "--dist"]);
    trunk.arg(&dist).arg(&variant);
    let result = cmd::run(trunk);
    let _ = fs::remove_file(&variant);
    result.map(|()| dist)
}

/// Sizes of the shipped files, raw and gzip -9.
#[derive(Default, Clone, Copy)]
struct Size {
    raw: u64,
    gzip: u64,
}

impl std::ops::Add for Size {
    type Output = Size;
    fn add(self, o: Size) -> Size {
        Size {
            raw: self.raw + o.raw,
            gzip: self.gzip + o.gzip,
        }
    }
}

fn size_of(files: &[PathBuf]) -> Size {
    files.iter().fold(Size::default(), |sum, file| {
        let bytes = fs::read(file).unwrap_or_default();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(&bytes).expect("in-memory gzip");
        sum + Size {
            raw: bytes.len() as u64,
            gzip: gz.finish().expect("in-memory gzip").len() as u64,
        }
    })
}

/// Files of a dist whose name matches: `em-lab-<hash>.js`, `lab-worker-<hash>_bg.wasm`, ...
fn files(dist: &Path, keep: impl Fn(&str) -> bool) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = fs::read_dir(dist)
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(&keep))
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found
}

fn mb(bytes: u64) -> String {
    format!("{:.2} MB", bytes as f64 / 1_000_000.0)
}

/// Picks the files of one kind from a dist by name.
type FileFilter = fn(&str) -> bool;

fn build_section(clean_seconds: Option<f64>, dist: &Path, no_opt: &Path) -> String {
    let groups: [(&str, FileFilter); 4] = [
        ("App wasm (`em-lab`)", |n| {
            n.starts_with("em-lab") && n.ends_with(".wasm")
        }),
        ("App JS glue", |n| {
            n.starts_with("em-lab") && n.ends_with(".js")
        }),
        ("Lab worker wasm (burn, lazy)", |n| {
            n.starts_with("lab-worker") && n.ends_with(".wasm")
        }),
        ("Lab worker JS glue", |n| {
            n.starts_with("lab-worker") && n.ends_with(".js")
        }),
    ];
    let mut s = String::from("## Build and size\n\n");
    match clean_seconds {
        Some(seconds) => writeln!(
            s,
            "Release build from a clean target dir (`trunk build --release`: the app at `opt-level = \"z\"`, the lab worker at `opt-level = 3`, LTO): **{seconds:.0} s**.\n"
        ),
        None => writeln!(s, "Release build from a clean target dir: not measured in this run (`--skip-clean-build`).\n"),
    }
    .unwrap();
    s.push_str("| file | with wasm-opt (app -Oz, worker -O3; raw / gzip) | without wasm-opt (raw / gzip) |\n|---|---|---|\n");
    let mut first_view = [Size::default(), Size::default()];
    for (label, keep) in &groups {
        let opt = size_of(&files(dist, keep));
        let raw = size_of(&files(no_opt, keep));
        writeln!(
            s,
            "| {label} | {} / {} | {} / {} |",
            mb(opt.raw),
            mb(opt.gzip),
            mb(raw.raw),
            mb(raw.gzip)
        )
        .unwrap();
        if label.starts_with("App") {
            first_view[0] = first_view[0] + opt;
            first_view[1] = first_view[1] + raw;
        }
    }
    let page = |d: &Path| {
        size_of(&files(d, |n| {
            n == "index.html" || (n.starts_with("style") && n.ends_with(".css"))
        }))
    };
    let (page_opt, page_raw) = (page(dist), page(no_opt));
    writeln!(
        s,
        "| index.html + CSS | {} / {} | {} / {} |",
        mb(page_opt.raw),
        mb(page_opt.gzip),
        mb(page_raw.raw),
        mb(page_raw.gzip)
    )
    .unwrap();
    let (total_opt, total_raw) = (first_view[0] + page_opt, first_view[1] + page_raw);
    writeln!(
        s,
        "| **First view (app wasm + JS + HTML + CSS)** | **{} / {}** | {} / {} |\n",
        mb(total_opt.raw),
        mb(total_opt.gzip),
        mb(total_raw.raw),
        mb(total_raw.gzip)
    )
    .unwrap();
    s.push_str("wasm-opt is npm's binaryen 132 (Debian's 108 breaks wasm-bindgen 0.2.130 output at start-up). The lab worker is only downloaded when the lab or the browser check starts.\n\n");
    s
}

fn node_json(script: &str, args: &[&str]) -> Result<serde_json::Value, String> {
    let mut all = vec![script];
    all.extend_from_slice(args);
    let (ok, out) = cmd::run_captured(command("node", &all))?;
    let last = out.lines().rev().find(|l| l.starts_with('{')).unwrap_or("");
    if !ok || last.is_empty() {
        return Err(format!("{script} failed"));
    }
    serde_json::from_str(last).map_err(|err| format!("{script}: {err}"))
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

fn cold_load_section(url: &str) -> Result<String, String> {
    let json = node_json("bench/cold_load.mjs", &[url, "10"])?;
    let mut runs: Vec<f64> = json["runs_ms"]
        .as_array()
        .ok_or("cold_load: no runs")?
        .iter()
        .filter_map(|v| v.as_f64())
        .collect();
    let med = median(&mut runs);
    let (min, max) = (
        runs.first().copied().unwrap_or(f64::NAN),
        runs.last().copied().unwrap_or(f64::NAN),
    );
    Ok(format!(
        "## Cold load to interactive (app shell)\n\nHeadless Chromium, fresh context (empty cache) per run, local server; from navigation start until the home page is mounted (`bench/cold_load.mjs`).\n\n| runs | median | min | max |\n|---|---|---|---|\n| {} | **{med:.0} ms** | {min:.0} ms | {max:.0} ms |\n\n",
        runs.len()
    ))
}

fn browser_training_section(url: &str) -> Result<String, String> {
    let json = node_json("bench/browser_check.mjs", &[url])?;
    let mut s = String::from(
        "## burn training inside the browser (lab worker)\n\nAbout → “Check this browser”: device set-up plus 20 AdamW steps of a tiny embedding + linear model, in the lab's Web Worker (`bench/browser_check.mjs`). WebGPU here is SwiftShader (a CPU implementation of Vulkan), so its time is dominated by shader compilation and says little about a real GPU.\n\n| backend | loss fell | wall time |\n|---|---|---|\n",
    );
    for line in json["results"]
        .as_array()
        .ok_or("browser_check: no results")?
    {
        writeln!(
            s,
            "| {} | {} | {:.0} ms |",
            line["label"].as_str().unwrap_or("?"),
            if line["ok"].as_bool() == Some(true) {
                "yes"
            } else {
                "no"
            },
            line["millis"].as_f64().unwrap_or(f64::NAN)
        )
        .unwrap();
    }
    s.push('\n');
    Ok(s)
}
