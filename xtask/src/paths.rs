//! Where things are: the project root, the cargo target dir, tools on PATH.

use std::path::{Path, PathBuf};

/// The repository root (the xtask crate's parent), read at run time (`cargo run` sets
/// `CARGO_MANIFEST_DIR`) before falling back to the compile-time path. Cargo hashes
/// workspace members by their path *within* the workspace, so two checkouts sharing one
/// target dir (CI's clone and a developer's, both on `$HOME/.cache/em-lab/target`) share
/// the xtask binary too, and the compile-time path can name the other checkout (seen: every
/// command failed with "No such file or directory" after CI's clone was removed).
pub fn root() -> PathBuf {
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    Path::new(&manifest)
        .parent()
        .expect("xtask lives in the repo")
        .to_path_buf()
}

/// Cargo's target dir, honouring `CARGO_TARGET_DIR` (CI points it outside the clone).
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => {
            let dir = PathBuf::from(dir);
            if dir.is_absolute() {
                dir
            } else {
                root().join(dir)
            }
        }
        None => root().join("target"),
    }
}

pub fn dist() -> PathBuf {
    root().join("dist")
}

/// `~/.cache/em-lab/<name>`: what outlives a clone (CI's target dir is there too).
pub fn cache(name: &str) -> PathBuf {
    let home = std::env::var_os("HOME").map_or_else(|| root().join("target"), PathBuf::from);
    home.join(".cache/em-lab").join(name)
}

/// PyTorch for the benchmark lives outside the clone, like the cargo cache.
pub fn torch_venv() -> PathBuf {
    cache("torch-venv")
}

pub fn screenshots() -> PathBuf {
    target_dir().join("screenshots")
}

/// PATH with `node_modules/.bin` (npm's wasm-opt) and cargo's bin dir first, so Trunk finds
/// the pinned tools and never tries to download one.
pub fn tool_path() -> String {
    let mut dirs = vec![root().join("node_modules/.bin")];
    if let Some(home) = std::env::var_os("CARGO_HOME") {
        dirs.push(PathBuf::from(home).join("bin"));
    } else if let Some(home) = std::env::var_os("HOME") {
        dirs.push(PathBuf::from(home).join(".cargo/bin"));
    }
    let existing = std::env::var_os("PATH").unwrap_or_default();
    dirs.extend(std::env::split_paths(&existing));
    std::env::join_paths(dirs)
        .expect("paths join")
        .to_string_lossy()
        .into_owned()
}

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
