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
    let (cold_load, figure4_cold_ms) = cold_load_section(&server.url())?;
    report.push_str(&cold_load);
    report.push_str(&replay_section(figure4_cold_ms)?);
    report.push_str(&toy_section()?);
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
        .replace("data-wasm-opt=\"1\"", "data-wasm-opt=\"0\"");
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
    s.push_str("| file | with wasm-opt (app -Oz, worker -O1; raw / gzip) | without wasm-opt (raw / gzip) |\n|---|---|---|\n");
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
        "| **First view (app wasm + JS + HTML + CSS)** | **{} / {}** | {} / {} |",
        mb(total_opt.raw),
        mb(total_opt.gzip),
        mb(total_raw.raw),
        mb(total_raw.gzip)
    )
    .unwrap();
    // Figure 4 also needs the scores file (already gzip: served as is).
    let scores = fs::metadata(dist.join("data/scores.bin.gz")).map_or(0, |m| m.len());
    writeln!(
        s,
        "| **First view of Figure 4 (the above + `data/scores.bin.gz`, {})** | **{} gzip** | {} gzip |\n",
        mb(scores),
        mb(total_opt.gzip + scores),
        mb(total_raw.gzip + scores)
    )
    .unwrap();
    s.push_str("wasm-opt is npm's binaryen 132 (Debian's 108 breaks wasm-bindgen 0.2.130 output at start-up). The lab worker is only downloaded when the lab or the browser check starts.\n\n");
    s
}

fn node_json(script: &str, args: &[&str]) -> Result<serde_json::Value, String> {
    let mut all = vec![script];
    all.extend_from_slice(args);
    json_line(command("node", &all), script)
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

/// Median, min and max of `node bench/cold_load.mjs` over 10 fresh contexts.
fn cold_load(url: &str, ready: &str) -> Result<(usize, f64, f64, f64), String> {
    let json = node_json("bench/cold_load.mjs", &[url, "10", ready])?;
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
    Ok((runs.len(), med, min, max))
}

/// The section, and Figure 4's median cold load in ms (compared with pandas below).
fn cold_load_section(url: &str) -> Result<(String, f64), String> {
    let mut s = String::from(
        "## Cold load to interactive\n\nHeadless Chromium, fresh context (empty cache) per run, local server; from navigation start until the page is usable (`bench/cold_load.mjs`): the home page mounted; Figure 4 with its bundled scores fetched, decoded and its 32 default marks drawn.\n\n| page | runs | median | min | max |\n|---|---|---|---|---|\n",
    );
    let mut figure4_median = f64::NAN;
    for (label, path, ready) in [
        ("Home (app shell)", "", "main h1"),
        (
            "Figure 4 (data + chart)",
            "figure4",
            "[data-testid=\"figure4-chart\"] .f4-mark",
        ),
    ] {
        let (runs, med, min, max) = cold_load(&format!("{url}{path}"), ready)?;
        if path == "figure4" {
            figure4_median = med;
        }
        writeln!(
            s,
            "| {label} | {runs} | **{med:.0} ms** | {min:.0} ms | {max:.0} ms |"
        )
        .unwrap();
    }
    s.push('\n');
    Ok((s, figure4_median))
}

/// The Replay benchmark compiled to wasm, in headless Chromium (`wasm-bench/`).
fn replay_in_browser() -> Result<serde_json::Value, String> {
    let mut cargo = command(
        "cargo",
        &[
            "test",
            "--release",
            "--target",
            "wasm32-unknown-unknown",
            "-p",
            "em-lab-wasm-bench",
            "--test",
            "replay_speed",
            "--",
            "--nocapture",
        ],
    );
    crate::test::in_headless_chromium(&mut cargo);
    let (ok, out) = cmd::run_captured(cargo)?;
    let json = out
        .lines()
        .find_map(|l| l.split_once("REPLAY_BENCH ").map(|(_, j)| j.trim()))
        .filter(|_| ok)
        .ok_or("wasm-bench: no REPLAY_BENCH line (did the browser run fail?)")?;
    serde_json::from_str(json).map_err(|err| format!("wasm-bench: {err}"))
}

/// Last line of a command's output that is a JSON object.
fn json_line(cmd: std::process::Command, what: &str) -> Result<serde_json::Value, String> {
    let (ok, out) = cmd::run_captured(cmd)?;
    let last = out.lines().rev().find(|l| l.starts_with('{')).unwrap_or("");
    if !ok || last.is_empty() {
        return Err(format!("{what} failed"));
    }
    serde_json::from_str(last).map_err(|err| format!("{what}: {err}"))
}

/// Figure 4 recompute, ours (native release build of the app's code) beside pandas on the
/// same answers, plus the explorer's filter and search latency at 100,000 answers.
fn replay_section(figure4_cold_ms: f64) -> Result<String, String> {
    let ours = json_line(
        command(
            "cargo",
            &[
                "run",
                "--release",
                "--no-default-features",
                "--bin",
                "bench_figure4",
            ],
        ),
        "bench_figure4",
    )?;
    let pandas = json_line(
        command("python3", &["bench/figure4_pandas.py"]),
        "bench/figure4_pandas.py",
    )?;
    let wasm = replay_in_browser()?;
    let f = |v: &serde_json::Value, k: &str| v[k].as_f64().unwrap_or(f64::NAN);
    let (rust_ms, pandas_ms) = (
        f(&ours, "figure4_ms_bundled"),
        f(&pandas, "figure4_ms_median"),
    );
    let mut s = String::from("## Replay: Figure 4 and the explorer\n\n");
    writeln!(
        s,
        "One threshold change recomputes P(misaligned) for every (series, question) of the bundled answers ({} answers in pandas' frame; median of 21 thresholds). Ours is the app's own code (`src/judge`) in a native release build, and also draws a 1,000-resample bootstrap CI per point; pandas {} (`bench/figure4_pandas.py`) computes point estimates only, vectorised over one frame loaded beforehand (its CSV load: {:.0} ms, not counted).\n",
        pandas["answers"],
        pandas["pandas_version"].as_str().unwrap_or("?"),
        f(&pandas, "load_ms"),
    )
    .unwrap();
    s.push_str("| measurement | ours, native | ours, wasm in Chromium | pandas | ratio (wasm vs pandas) |\n|---|---|---|---|---|\n");
    let pandas_total = f(&pandas, "load_ms") + pandas_ms;
    writeln!(
        s,
        "| From nothing to the Figure 4 numbers (ours: cold load of the Figure 4 page, above; pandas: read the CSVs + compute) | — | **{figure4_cold_ms:.0} ms** | {pandas_total:.0} ms | {:.1}× faster |",
        pandas_total / figure4_cold_ms
    )
    .unwrap();
    let wasm_ms = f(&wasm, "figure4_ms_bundled");
    writeln!(
        s,
        "| Figure 4 recompute, bundled answers, with 1,000-resample CIs | {rust_ms:.2} ms | **{wasm_ms:.2} ms** | {pandas_ms:.1} ms (no CIs) | {:.0}× faster |",
        pandas_ms / wasm_ms
    )
    .unwrap();
    let row = |label: String, key: &str| {
        format!(
            "| {label} | {:.1} ms | **{:.1} ms** | — | |\n",
            f(&ours, key),
            f(&wasm, key)
        )
    };
    s.push_str(&row(
        "Figure 4 recompute, every series split into 10 seeds (bootstrap on every point)".into(),
        "figure4_ms_10_seeds",
    ));
    s.push_str(&row(
        format!(
            "Explorer filter change at {} answers (filter + sort + verdict counts), p95 of {}",
            ours["answers_100k"], ours["filter_changes"]
        ),
        "filter_p95_ms_100k",
    ));
    s.push_str(&row(
        format!(
            "Explorer search keystroke at {} answers, p95 of {}",
            ours["answers_100k"], ours["search_keystrokes"]
        ),
        "search_p95_ms_100k",
    ));
    s.push_str("\nThe wasm column is the same Rust code (`src/replay/bench.rs`) built like the app (release profile: `opt-level = \"z\"`, LTO) and run in headless Chromium (`wasm-bench/`); the native column is a release build on the same machine.\n\n");
    Ok(s)
}

/// One finetuning step of the lab model, burn (Flex, native) beside PyTorch (CPU) on the
/// same network and batch, and the default lab experiment's wall time.
fn toy_section() -> Result<String, String> {
    let torch_python = setup::torch_python()?;
    let ours = json_line(
        command(
            "cargo",
            &["run", "--profile", "release-lab", "--bin", "bench_toy"],
        ),
        "bench_toy",
    )?;
    let torch = json_line(
        command(
            torch_python.to_str().unwrap_or_default(),
            &["bench/toy_torch.py"],
        ),
        "bench/toy_torch.py",
    )?;
    let f = |v: &serde_json::Value, k: &str| v[k].as_f64().unwrap_or(f64::NAN);
    let (burn_ms, torch_ms) = (f(&ours, "ms_per_step"), f(&torch, "ms_per_step"));
    let mut s = String::from("## The lab's toy model\n\n");
    writeln!(
        s,
        "One finetuning step of the lab model ({} parameters; a full {} × {} batch: forward, masked cross-entropy, backward, gradient clipping, AdamW, loss read back), median of 40 after 5 warm-up steps. burn 0.22 on Flex (its pure-Rust CPU backend, the lab worker's fallback) in a native `release-lab` build (`src/bin/bench_toy.rs`) beside PyTorch {} on the CPU with {} threads (`bench/toy_torch.py`, the same network and step).\n",
        ours["parameters"],
        ours["batch"],
        ours["seq"],
        torch["torch_version"].as_str().unwrap_or("?"),
        torch["threads"],
    )
    .unwrap();
    s.push_str("| measurement | burn (Flex) | PyTorch (CPU) | ratio |\n|---|---|---|---|\n");
    let ratio = if burn_ms <= torch_ms {
        format!("burn {:.2}× faster", torch_ms / burn_ms)
    } else {
        format!("burn {:.2}× slower", burn_ms / torch_ms)
    };
    writeln!(
        s,
        "| ms per training step | **{burn_ms:.1} ms** | {torch_ms:.1} ms | {ratio} |"
    )
    .unwrap();
    writeln!(
        s,
        "| default lab experiment ({} runs × {} steps, then probes), native | {:.2} s | — | |\n",
        ours["lab_runs"],
        ours["lab_steps"],
        f(&ours, "lab_experiment_s"),
    )
    .unwrap();
    s.push_str(&pretraining_record()?);
    Ok(s)
}

/// The shipped base model, as its pretraining run recorded it (`public/models/toy-base.json`;
/// pretraining takes ~10 minutes, so the bench reports it rather than repeating it).
fn pretraining_record() -> Result<String, String> {
    let models = paths::root().join("public/models");
    let meta: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(models.join("toy-base.json")).map_err(|e| e.to_string())?,
    )
    .map_err(|e| format!("toy-base.json: {e}"))?;
    let p = &meta["pretrain"];
    let size = |name: &str| fs::metadata(models.join(name)).map_or(0, |m| m.len());
    Ok(format!(
        "Pretraining of the shipped base model (`cargo xtask pretrain`, as recorded in `public/models/toy-base.json` when it was made): {} parameters, {} steps × batch {} = {} generated documents, final training loss (EMA) {:.3} nats/word, **{:.0} s** wall time on this machine kind. Weights `toy-base.bpk` {} bytes, tokenizer {} bytes.\n\n",
        p["parameters"],
        p["steps"],
        p["train"]["batch_size"],
        p["documents_seen"],
        p["final_loss"].as_f64().unwrap_or(f64::NAN),
        p["wall_seconds"].as_f64().unwrap_or(f64::NAN),
        size("toy-base.bpk"),
        size("toy-tokenizer.json"),
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
