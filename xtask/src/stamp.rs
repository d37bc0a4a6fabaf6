//! What `dist/` was built from, so `cargo xtask serve` can serve a build that is already
//! current (e.g. the one `cargo xtask test` just made) instead of building again. A build
//! writes `dist/.em-lab-build`: a digest of every file Trunk reads (the page, the Rust
//! sources, the manifests, `public/`) and which lab-worker profile it used. The digest is of
//! contents, not times, because `cargo xtask` touches file times when the checkout changes.

use std::fs;
use std::path::{Path, PathBuf};

const STAMP: &str = ".em-lab-build";

/// Which lab worker a build holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Worker {
    /// The test run's `release-lab` (no LTO, 16 codegen units): minutes to build.
    Test,
    /// The shipped `release-lab` (fat LTO, one codegen unit): what `bench` and releases use.
    Shipped,
}

impl Worker {
    fn name(self) -> &'static str {
        match self {
            Worker::Test => "test",
            Worker::Shipped => "shipped",
        }
    }
}

/// The files a Trunk build reads, below `root`, in a stable order.
fn inputs(root: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = ["index.html", "Trunk.toml", "Cargo.toml", "Cargo.lock"]
        .iter()
        .map(|f| root.join(f))
        .chain(std::iter::once(root.join(".cargo/config.toml")))
        .filter(|p| p.is_file())
        .collect();
    for dir in ["src", "public"] {
        walk(&root.join(dir), &mut files);
    }
    files.sort();
    files
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// FNV-1a over each input's path (relative to `root`), length and bytes.
pub fn digest(root: &Path) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for &b in bytes {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    };
    for path in inputs(root) {
        let relative = path.strip_prefix(root).unwrap_or(&path);
        eat(relative.to_string_lossy().as_bytes());
        let bytes = fs::read(&path).unwrap_or_default();
        eat(&(bytes.len() as u64).to_le_bytes());
        eat(&bytes);
    }
    format!("{h:016x}")
}

/// Records that `dist` was just built from `root`'s current files.
pub fn write(root: &Path, dist: &Path, worker: Worker) {
    let stamp = serde_json::json!({ "sources": digest(root), "worker": worker.name() });
    let _ = fs::write(dist.join(STAMP), stamp.to_string());
}

/// Whether `dist` holds a build of `root`'s current files (with any worker, or `worker`).
pub fn is_current(root: &Path, dist: &Path, worker: Option<Worker>) -> bool {
    let Ok(text) = fs::read_to_string(dist.join(STAMP)) else {
        return false;
    };
    let Ok(stamp) = serde_json::from_str::<serde_json::Value>(&text) else {
        return false;
    };
    let worker_ok = worker.is_none_or(|w| stamp["worker"] == w.name());
    worker_ok && stamp["sources"] == digest(root).as_str()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> PathBuf {
        let dir = std::env::temp_dir().join(format!("em-lab-stamp-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("src/ui")).unwrap();
        fs::create_dir_all(dir.join("public")).unwrap();
        fs::create_dir_all(dir.join("dist")).unwrap();
        fs::write(dir.join("index.html"), "<html>").unwrap();
        fs::write(dir.join("src/ui/page.rs"), "fn page() {}").unwrap();
        fs::write(dir.join("public/style.css"), "body {}").unwrap();
        dir
    }

    #[test]
    fn a_build_is_current_until_a_source_changes_and_a_test_build_is_not_a_shipped_one() {
        let root = tree();
        let dist = root.join("dist");
        assert!(!is_current(&root, &dist, None), "no stamp yet");
        write(&root, &dist, Worker::Test);
        assert!(is_current(&root, &dist, None));
        assert!(is_current(&root, &dist, Some(Worker::Test)));
        assert!(!is_current(&root, &dist, Some(Worker::Shipped)));
        // Touching a file changes nothing; changing its content does.
        fs::write(root.join("src/ui/page.rs"), "fn page() {}").unwrap();
        assert!(is_current(&root, &dist, None));
        fs::write(root.join("src/ui/page.rs"), "fn page() { 1; }").unwrap();
        assert!(!is_current(&root, &dist, None));
        // So does a new file, or one moved to another name.
        write(&root, &dist, Worker::Test);
        fs::write(root.join("public/extra.txt"), "x").unwrap();
        assert!(!is_current(&root, &dist, None));
        let _ = fs::remove_dir_all(&root);
    }
}
