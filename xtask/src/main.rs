//! `cargo xtask <command>`: the only entry points for developers and CI.
//! Every command is idempotent and prints what it runs.

mod bench;
mod checkout;
mod ci_build;
mod cmd;
mod paths;
mod serve;
mod setup;
mod stamp;
mod test;

use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <command>

  setup              install what is missing (wasm target, trunk, wasm-bindgen-cli, chromium, npm tools)
  serve [--port N] [--no-build | --shipped]
                     setup, build the app unless dist/ is already a build of these sources
                     (e.g. the test run's), serve dist/ on http://127.0.0.1:8080; the lab
                     worker in the test run's profile (minutes), or --shipped (fat LTO)
  test               setup, then every test layer; ends with `N passed, N failed`
  bench [--skip-clean-build | --only annotation|rejudge|lab [--no-build]]
                     setup, measure, write BENCHMARKS.md (--only: that section alone;
                     --no-build: of the dist/ as it is, e.g. the test run's)
  data               regenerate public/data/ from the bundled run outputs
  pretrain [args]    pretrain the toy base model into public/models/
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(command) = args.first() else {
        eprint!("{USAGE}");
        return ExitCode::from(2);
    };
    let rest = &args[1..];
    // Every command that builds: the target dir may have been another checkout's.
    if matches!(
        command.as_str(),
        "serve" | "test" | "bench" | "data" | "pretrain"
    ) && let Err(message) = checkout::claim_target_dir()
    {
        eprintln!("xtask: {message}");
        return ExitCode::FAILURE;
    }
    let result = match command.as_str() {
        "setup" => setup::run(),
        "serve" => serve::run(rest),
        "test" => test::run(),
        "bench" => bench::run(rest),
        // The data build needs no burn; pretraining runs at the lab worker's opt-level 3.
        "data" => cmd::cargo_run(&["--release", "--no-default-features"], "build_data", rest),
        "pretrain" => cmd::cargo_run(&["--profile", "release-lab"], "pretrain", rest),
        "help" | "--help" | "-h" => {
            print!("{USAGE}");
            Ok(())
        }
        other => Err(format!("unknown command `{other}`\n\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}
