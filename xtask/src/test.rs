//! `cargo xtask test`: every test layer, fail-fast off, one summary line at the end.

use crate::ci_build::{Build, WORKER_PROFILE};
use crate::cmd::{self, command, wasm32};
use crate::serve::StaticServer;
use crate::{paths, setup, stamp};
use std::time::{Duration, Instant};

/// Outcome of one layer, in tests (a check such as fmt counts as one test).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    pub passed: usize,
    pub failed: usize,
}

impl Tally {
    fn one(ok: bool) -> Self {
        if ok {
            Tally {
                passed: 1,
                failed: 0,
            }
        } else {
            Tally {
                passed: 0,
                failed: 1,
            }
        }
    }
}

pub fn run() -> Result<(), String> {
    if let Err(err) = setup::run() {
        println!("\n0 passed, 1 failed");
        return Err(format!("setup failed, no layer could run: {err}"));
    }
    // Each layer's wall time is printed too: CI has a time limit, and this is where it goes.
    let mut layers: Vec<(&str, Tally, Duration)> = Vec::new();
    let mut started = Instant::now();
    let mut layer = |name: &'static str, tally: Tally| {
        let took = started.elapsed();
        println!(
            "== {name}: {} passed, {} failed ({})\n",
            tally.passed,
            tally.failed,
            minutes(took)
        );
        layers.push((name, tally, took));
        started = Instant::now();
    };

    layer(
        "rustfmt",
        check(command("cargo", &["fmt", "--all", "--check"])),
    );

    // Native: one build of every target, linted as it compiles; then the tests, with no rebuild.
    let native_linted =
        ok(Build { lint: true }.cargo(&["test", "--workspace", "--all-targets", "--no-run"]));
    layer("clippy + build (native)", Tally::one(native_linted));
    let native = Build {
        lint: native_linted,
    };
    layer(
        "native tests",
        cargo_tests(native.cargo(&["test", "--workspace", "--no-fail-fast"])),
    );

    // wasm32: every artifact of the later layers, linted as it compiles, so that the browser
    // tests and Trunk find them built. Trunk runs cargo with these same arguments. Every build
    // runs even after one fails, so each crate is linted.
    let wasm_results: Vec<bool> = wasm32_builds()
        .iter()
        .map(|args| ok(Build { lint: true }.cargo(args)))
        .collect();
    let wasm_linted = wasm_results.iter().all(|&built| built);
    layer("clippy + build (wasm32)", Tally::one(wasm_linted));
    let wasm = Build { lint: wasm_linted };
    layer(
        "browser tests (wasm-bindgen-test, headless Chromium)",
        browser_tests(wasm),
    );
    let built = ok(wasm.command("trunk", &["build", "--release"]));
    if built {
        // `cargo xtask serve` serves this build as it is while the sources stay the same.
        stamp::write(&paths::root(), &paths::dist(), stamp::Worker::Test);
    }
    layer("release build (trunk)", Tally::one(built));
    layer(
        "end-to-end (Playwright)",
        if built {
            end_to_end()
        } else {
            Tally::one(false)
        },
    );

    let total = layers
        .iter()
        .fold(Tally::default(), |sum, (_, t, _)| Tally {
            passed: sum.passed + t.passed,
            failed: sum.failed + t.failed,
        });
    println!("== summary");
    for (name, t, took) in &layers {
        println!(
            "   {:<55} {:>4} passed {:>3} failed {:>9}",
            name,
            t.passed,
            t.failed,
            minutes(*took)
        );
    }
    println!("{} passed, {} failed", total.passed, total.failed);
    if total.failed == 0 {
        Ok(())
    } else {
        Err(format!("{} test(s) failed", total.failed))
    }
}

/// `12m 05s`, or `7s` under a minute.
pub fn minutes(d: Duration) -> String {
    let s = d.as_secs();
    if s < 60 {
        format!("{s}s")
    } else {
        format!("{}m {:02}s", s / 60, s % 60)
    }
}

fn check(cmd: std::process::Command) -> Tally {
    Tally::one(ok(cmd))
}

fn ok(cmd: std::process::Command) -> bool {
    cmd::run(cmd).is_ok()
}

/// The wasm32 builds of the test run, in the order that shares the most: the worker first
/// (burn, em-lab with the engine), then the browser tests on top of it, then the app (its own
/// size-optimised release profile, no burn). The app and worker arguments are the ones Trunk
/// passes (index.html), so Trunk's own cargo runs find everything fresh. Last, the Replay
/// benchmark (`cargo xtask bench` runs it, this run only keeps it compiling and linted): its
/// em-lab has no engine, which changes the features of serde and much else, so a build
/// would compile those dependencies again; a check costs less.
fn wasm32_builds() -> Vec<Vec<&'static str>> {
    vec![
        wasm32(
            "build",
            &["--profile", WORKER_PROFILE, "--bin", "lab-worker"],
        ),
        browser_test_args("--no-run"),
        wasm32(
            "build",
            &["--release", "--bin", "em-lab", "--no-default-features"],
        ),
        wasm32(
            "check",
            &[
                "--profile",
                WORKER_PROFILE,
                "-p",
                "em-lab-wasm-bench",
                "--test",
                "replay_speed",
            ],
        ),
    ]
}

/// Run a cargo test command and add up its `test result:` lines.
fn cargo_tests(cmd: std::process::Command) -> Tally {
    counted(cmd, parse_cargo_results)
}

/// Run a test command and count its results with `parse`. A command that failed without
/// reporting a failed test (e.g. it did not compile) counts one failure.
fn counted(cmd: std::process::Command, parse: fn(&str) -> Tally) -> Tally {
    match cmd::run_captured(cmd) {
        Ok((ok, output)) => {
            let mut tally = parse(&output);
            if !ok && tally.failed == 0 {
                tally.failed += 1;
            }
            tally
        }
        Err(err) => {
            eprintln!("{err}");
            Tally::one(false)
        }
    }
}

/// Sum `test result: ok. 3 passed; 0 failed; ...` lines (cargo test and wasm-bindgen-test-runner).
pub fn parse_cargo_results(output: &str) -> Tally {
    let mut tally = Tally::default();
    for line in output
        .lines()
        .filter(|l| l.trim_start().starts_with("test result:"))
    {
        tally.passed += count_before(line, " passed");
        tally.failed += count_before(line, " failed");
    }
    tally
}

fn count_before(line: &str, word: &str) -> usize {
    line.find(word)
        .and_then(|end| line[..end].rsplit(|c: char| !c.is_ascii_digit()).next())
        .and_then(|digits| digits.parse().ok())
        .unwrap_or(0)
}

/// `cargo test` of the browser tests, in the worker's test-run profile (so they share its burn).
fn browser_test_args(mode: &'static str) -> Vec<&'static str> {
    wasm32(
        "test",
        &[
            "--profile",
            WORKER_PROFILE,
            "-p",
            "em-lab-browser-tests",
            "--test",
            "browser",
            mode,
        ],
    )
}

/// wasm-bindgen-test in headless Chromium; Chrome's flags (WebGPU via SwiftShader) are in
/// webdriver.json at the repo root.
fn browser_tests(build: Build) -> Tally {
    let mut cmd = build.cargo(&browser_test_args("--no-fail-fast"));
    in_headless_chromium(&mut cmd);
    cargo_tests(cmd)
}

/// Make `cargo test --target wasm32-unknown-unknown` run its wasm in headless Chromium.
pub fn in_headless_chromium(cmd: &mut std::process::Command) {
    cmd.env(
        "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER",
        "wasm-bindgen-test-runner",
    )
    .env("CHROMEDRIVER", paths::CHROMEDRIVER)
    .env("WASM_BINDGEN_TEST_TIMEOUT", "300");
}

/// Playwright tests (node's test runner) against the release dist/, served under a sub-path
/// on a free port so relative URLs are exercised too.
fn end_to_end() -> Tally {
    let server = match StaticServer::start(&paths::dist(), "/em-lab/", 0) {
        Ok(server) => server,
        Err(err) => {
            eprintln!("{err}");
            return Tally::one(false);
        }
    };
    let mut cmd = command(
        "node",
        &[
            "--test",
            "--test-reporter=tap",
            "--test-concurrency=1",
            "e2e/",
        ],
    );
    cmd.env("EM_LAB_URL", server.url())
        .env("SCREENSHOT_DIR", paths::screenshots());
    counted(cmd, parse_tap_summary)
}

/// node's TAP reporter ends with `# pass N` and `# fail N`.
pub fn parse_tap_summary(output: &str) -> Tally {
    let value = |key: &str| {
        output
            .lines()
            .rev()
            .find_map(|l| {
                l.trim()
                    .strip_prefix(key)
                    .and_then(|n| n.trim().parse().ok())
            })
            .unwrap_or(0)
    };
    Tally {
        passed: value("# pass "),
        failed: value("# fail "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cargo_results_are_summed_over_test_binaries() {
        let out = "running 3 tests\ntest result: ok. 3 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out\n\
                   test result: FAILED. 10 passed; 2 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.2s\n";
        assert_eq!(
            parse_cargo_results(out),
            Tally {
                passed: 13,
                failed: 2
            }
        );
        assert_eq!(
            parse_cargo_results("error: could not compile"),
            Tally::default()
        );
    }

    #[test]
    fn durations_read_as_minutes_and_seconds() {
        assert_eq!(minutes(Duration::from_secs(7)), "7s");
        assert_eq!(minutes(Duration::from_secs(725)), "12m 05s");
    }

    #[test]
    fn tap_summary_is_read() {
        let out = "ok 1 - home\nnot ok 2 - nav\n# tests 2\n# suites 0\n# pass 1\n# fail 1\n";
        assert_eq!(
            parse_tap_summary(out),
            Tally {
                passed: 1,
                failed: 1
            }
        );
    }
}
