//! Running commands: print them, run them from the repo root with the tool PATH.

use std::process::{Command, ExitStatus, Output, Stdio};

use crate::paths;

/// A command rooted at the repository with the tool PATH.
pub fn command(program: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new(program);
    cmd.args(args)
        .current_dir(paths::root())
        .env("PATH", paths::tool_path());
    cmd
}

fn describe(cmd: &Command) -> String {
    let mut text = cmd.get_program().to_string_lossy().into_owned();
    for arg in cmd.get_args() {
        text.push(' ');
        text.push_str(&arg.to_string_lossy());
    }
    text
}

/// Run with inherited output; error if it fails.
pub fn run(mut cmd: Command) -> Result<(), String> {
    let text = describe(&cmd);
    println!("$ {text}");
    succeeded(&text, cmd.status())
}

fn succeeded(text: &str, status: std::io::Result<ExitStatus>) -> Result<(), String> {
    let status = status.map_err(|err| format!("could not start `{text}`: {err}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{text}` failed ({status})"))
    }
}

/// Run with stdout and stderr into `log`; error if it fails.
pub fn run_logged(mut cmd: Command, log: &std::path::Path) -> Result<(), String> {
    let text = describe(&cmd);
    let file = std::fs::File::create(log).map_err(|err| format!("{}: {err}", log.display()))?;
    let err_file = file.try_clone().map_err(|err| err.to_string())?;
    succeeded(&text, cmd.stdout(file).stderr(err_file).status())
}

/// Run, echoing output live, and also return it (for parsing test summaries).
pub fn run_captured(mut cmd: Command) -> Result<(bool, String), String> {
    let text = describe(&cmd);
    println!("$ {text}");
    // stderr into stdout so the order of the echoed log is the order things happened.
    let (reader, writer) = std::io::pipe().map_err(|err| err.to_string())?;
    cmd.stdout(writer.try_clone().map_err(|err| err.to_string())?)
        .stderr(writer);
    let mut child = cmd
        .spawn()
        .map_err(|err| format!("could not start `{text}`: {err}"))?;
    drop(cmd);
    let mut captured = String::new();
    use std::io::{BufRead, BufReader};
    for line in BufReader::new(reader).lines() {
        let line = line.unwrap_or_default();
        println!("{line}");
        captured.push_str(&line);
        captured.push('\n');
    }
    let status = child.wait().map_err(|err| err.to_string())?;
    Ok((status.success(), captured))
}

/// Run quietly and return stdout, or None if it could not run or failed.
pub fn output(program: &str, args: &[&str]) -> Option<String> {
    let out: Output = command(program, args).stderr(Stdio::null()).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// `cargo <subcommand> --target wasm32-unknown-unknown <args>`.
pub fn wasm32<'a>(subcommand: &'a str, args: &[&'a str]) -> Vec<&'a str> {
    let mut all = vec![subcommand, "--target", "wasm32-unknown-unknown"];
    all.extend_from_slice(args);
    all
}

/// `cargo run <build flags> --bin <bin> -- <args>` (native programs such as build-data, pretrain).
pub fn cargo_run(build: &[&str], bin: &str, args: &[String]) -> Result<(), String> {
    let mut cmd = command("cargo", &["run"]);
    cmd.args(build).args(["--bin", bin, "--"]).args(args);
    run(cmd)
}
