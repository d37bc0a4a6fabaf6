//! How `cargo xtask test` builds: each crate once, linted while it compiles.
//!
//! Two settings make a clean test run fit CI's clock (BENCHMARKS.md has the per-layer table):
//!
//! - **Clippy lints the workspace's crates as they are built.** `cargo clippy` is `cargo check`
//!   with `RUSTC_WORKSPACE_WRAPPER=clippy-driver`; a separate check would type-check every
//!   dependency a second time (for wasm32: all of burn, wgpu and cubecl), only to throw the
//!   result away before the real build. Here the same wrapper and the same `-D warnings` go on
//!   the builds themselves, so dependencies are compiled once, by plain rustc, and every
//!   workspace crate the run compiles is linted. A lint failure still lets the tests run: the
//!   later layers then build without the wrapper (see [`Build::lint`]).
//! - **The lab worker is built once for wasm32 in a cheaper optimised profile.** The shipped
//!   `release-lab` (fat LTO, one codegen unit) is what `cargo xtask serve` and releases build;
//!   the test run overrides it through cargo's `CARGO_PROFILE_RELEASE_LAB_*` variables (no
//!   LTO, 16 codegen units, incremental, debug assertions and overflow checks on, as in the
//!   dev profile the browser tests used to run in). The browser tests are compiled in that
//!   same profile, so the worker that Playwright drives and the wasm-bindgen tests share one
//!   build of burn. `panic = "unwind"` is what cargo forces on test builds; on wasm32 it
//!   changes nothing (the target only aborts) but keeps the two builds' dependencies equal.

use std::process::Command;

use crate::cmd::command;

/// `-D warnings`, as `cargo clippy -- -D warnings` hands it to clippy-driver.
const CLIPPY_ARGS: &str = "-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__";

/// The lab worker's profile in the test run (the shipped one is `[profile.release-lab]`).
pub const WORKER_PROFILE: &str = "release-lab";
const WORKER_PROFILE_OVERRIDES: &[(&str, &str)] = &[
    ("CARGO_PROFILE_RELEASE_LAB_LTO", "off"),
    ("CARGO_PROFILE_RELEASE_LAB_CODEGEN_UNITS", "16"),
    ("CARGO_PROFILE_RELEASE_LAB_INCREMENTAL", "true"),
    ("CARGO_PROFILE_RELEASE_LAB_DEBUG_ASSERTIONS", "true"),
    ("CARGO_PROFILE_RELEASE_LAB_OVERFLOW_CHECKS", "true"),
    ("CARGO_PROFILE_RELEASE_LAB_PANIC", "unwind"),
];

/// How a test-run build is made.
#[derive(Debug, Clone, Copy)]
pub struct Build {
    /// Lint workspace crates with clippy while compiling them. Turned off for the layers after
    /// a failed lint, so one lint does not stop every test from running.
    pub lint: bool,
}

impl Build {
    /// A command (cargo, trunk, or anything that runs cargo) with the test run's settings.
    pub fn command(self, program: &str, args: &[&str]) -> Command {
        let mut cmd = command(program, args);
        for (key, value) in WORKER_PROFILE_OVERRIDES {
            cmd.env(key, value);
        }
        if self.lint {
            cmd.env("RUSTC_WORKSPACE_WRAPPER", "clippy-driver")
                .env("CLIPPY_ARGS", CLIPPY_ARGS);
        } else {
            cmd.env_remove("RUSTC_WORKSPACE_WRAPPER");
        }
        cmd
    }

    pub fn cargo(self, args: &[&str]) -> Command {
        self.command("cargo", args)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(cmd: &Command, key: &str) -> Option<String> {
        cmd.get_envs()
            .find(|(k, _)| *k == key)
            .and_then(|(_, v)| v.map(|v| v.to_string_lossy().into_owned()))
    }

    #[test]
    fn a_linting_build_runs_clippy_driver_with_deny_warnings() {
        let cmd = Build { lint: true }.cargo(&["build"]);
        assert_eq!(
            env_of(&cmd, "RUSTC_WORKSPACE_WRAPPER").as_deref(),
            Some("clippy-driver")
        );
        assert_eq!(
            env_of(&cmd, "CLIPPY_ARGS")
                .unwrap()
                .split("__CLIPPY_HACKERY__")
                .filter(|a| !a.is_empty())
                .collect::<Vec<_>>(),
            ["-D", "warnings"]
        );
    }

    #[test]
    fn a_build_after_a_failed_lint_has_no_wrapper_but_the_same_profile() {
        let cmd = Build { lint: false }.cargo(&["build"]);
        assert_eq!(env_of(&cmd, "RUSTC_WORKSPACE_WRAPPER"), None);
        assert_eq!(
            env_of(&cmd, "CARGO_PROFILE_RELEASE_LAB_LTO").as_deref(),
            Some("off")
        );
    }

    #[test]
    fn every_override_names_the_worker_profile() {
        let prefix = format!(
            "CARGO_PROFILE_{}_",
            WORKER_PROFILE.to_uppercase().replace('-', "_")
        );
        assert!(
            WORKER_PROFILE_OVERRIDES
                .iter()
                .all(|(k, _)| k.starts_with(&prefix))
        );
    }
}
