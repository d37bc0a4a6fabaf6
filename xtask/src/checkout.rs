//! One target dir, several checkouts: make cargo notice when the checkout changed.
//!
//! CI's clone and a developer's checkout may share `$HOME/.cache/em-lab/target`. Cargo names
//! workspace files by their path inside the workspace and judges freshness by file times, so a
//! checkout whose files are older than artifacts another checkout built reuses them — other
//! sources, and binaries whose compiled-in `CARGO_MANIFEST_DIR` names the other (perhaps
//! deleted) checkout (seen: 33 native tests failing with "No such file or directory"). So each
//! command records which checkout last built in the target dir, and when that changes it marks
//! this checkout's Rust files as just modified: cargo then rebuilds the workspace crates (not
//! the dependencies).

use std::fs;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::cmd::output;
use crate::paths;

const MARKER: &str = "em-lab-checkout";

/// Make the target dir this checkout's.
pub fn claim_target_dir() -> Result<(), String> {
    let target = paths::target_dir();
    let root = paths::root();
    let marker = target.join(MARKER);
    let last = fs::read_to_string(&marker).ok();
    if !needs_refresh(last.as_deref(), &root) {
        return Ok(());
    }
    // No marker: a new target dir (touching costs nothing) or one from before the marker
    // existed (whose last checkout is unknown).
    let files = tracked_rust_files(&root)?;
    println!(
        "note: {} was not last built from this checkout; marking its {} Rust files as changed",
        target.display(),
        files.len()
    );
    let now = SystemTime::now();
    for file in &files {
        fs::File::options()
            .write(true)
            .open(file)
            .and_then(|f| f.set_modified(now))
            .map_err(|err| format!("{}: {err}", file.display()))?;
    }
    fs::create_dir_all(&target).map_err(|err| format!("{}: {err}", target.display()))?;
    fs::write(&marker, root.to_string_lossy().as_bytes())
        .map_err(|err| format!("{}: {err}", marker.display()))?;
    Ok(())
}

/// A target dir needs its workspace crates rebuilt when a different checkout used it last.
fn needs_refresh(last: Option<&str>, root: &Path) -> bool {
    last != Some(root.to_string_lossy().as_ref())
}

/// The `.rs` files git tracks in this checkout (every workspace crate's sources).
fn tracked_rust_files(root: &Path) -> Result<Vec<PathBuf>, String> {
    let listed = output("git", &["ls-files", "--", "*.rs"])
        .ok_or("`git ls-files` failed: is this a git checkout?")?;
    Ok(listed
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| root.join(l))
        .filter(|p| p.exists())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_target_dir_last_built_by_this_checkout_needs_nothing() {
        assert!(!needs_refresh(Some("/work/main"), Path::new("/work/main")));
    }

    #[test]
    fn a_target_dir_from_another_checkout_or_none_is_claimed() {
        assert!(needs_refresh(
            Some("/tmp/ci-clone"),
            Path::new("/work/main")
        ));
        assert!(needs_refresh(None, Path::new("/work/main")));
    }
}
