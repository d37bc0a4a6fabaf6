//! `cargo xtask serve`, and the static file server the test and bench layers use.
//!
//! `serve` builds only when `dist/` is not already a build of the current sources (`stamp`):
//! right after `cargo xtask test` it serves that run's build at once. Otherwise it builds
//! the way the test run does (the app in its shipped profile, the lab worker without fat
//! LTO); `--shipped` builds the lab worker as releases and `bench` do.
//!
//! A static host is all the app needs; this one adds what a static host such as GitHub
//! Pages would: correct MIME types (wasm streaming compilation needs `application/wasm`),
//! an optional sub-path, and index.html for unknown page paths (the app's router takes over).

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::thread;

use tiny_http::{Header, Response, Server};

use crate::ci_build::Build;
use crate::stamp::{self, Worker};
use crate::{cmd, paths, setup};

pub fn run(args: &[String]) -> Result<(), String> {
    let mut port = 8080;
    let mut build = true;
    let mut shipped = false;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--port" => {
                let value = args.next().ok_or("--port needs a number")?;
                port = value
                    .parse()
                    .map_err(|_| format!("--port {value}: not a port number"))?;
            }
            // Serve the dist/ that is there, whatever it was built from.
            "--no-build" => build = false,
            // The lab worker as releases ship it (fat LTO: about half an hour here).
            "--shipped" => shipped = true,
            other => {
                return Err(format!(
                    "unknown option `{other}`; usage: cargo xtask serve [--port N] [--no-build | --shipped]"
                ));
            }
        }
    }
    if build {
        setup::run()?;
        let (root, dist) = (paths::root(), paths::dist());
        let wanted = shipped.then_some(Worker::Shipped);
        if stamp::is_current(&root, &dist, wanted) {
            println!("dist/ is already a build of these sources: serving it.");
        } else if shipped {
            build_release()?;
        } else {
            build_for_serving()?;
        }
    }
    let server = StaticServer::start(&paths::dist(), "/", port)?;
    println!("\nEM Lab is served at {}  (Ctrl-C to stop)", server.url());
    server.join();
    Ok(())
}

/// `trunk build --release` into dist/, as releases ship it (the lab worker with fat LTO).
pub fn build_release() -> Result<(), String> {
    cmd::run(cmd::command("trunk", &["build", "--release"]))?;
    stamp::write(&paths::root(), &paths::dist(), Worker::Shipped);
    Ok(())
}

/// `trunk build --release` with the test run's settings: the app exactly as shipped, the lab
/// worker without fat LTO (the same build `cargo xtask test` makes, minus its lints), so a
/// first `serve` takes minutes, not half an hour, and one after `test` reuses its build.
fn build_for_serving() -> Result<(), String> {
    cmd::run(Build { lint: false }.command("trunk", &["build", "--release"]))?;
    stamp::write(&paths::root(), &paths::dist(), Worker::Test);
    Ok(())
}

pub struct StaticServer {
    server: Arc<Server>,
    port: u16,
    prefix: String,
    worker: Option<thread::JoinHandle<()>>,
}

impl StaticServer {
    /// Serve `root` under `prefix` (`/` or `/some/sub/path/`) on 127.0.0.1; port 0 picks a free one.
    pub fn start(root: &Path, prefix: &str, port: u16) -> Result<Self, String> {
        if !root.join("index.html").exists() {
            return Err(format!("{} has no index.html: build first", root.display()));
        }
        let server = Server::http(("127.0.0.1", port))
            .map_err(|err| format!("cannot listen on 127.0.0.1:{port}: {err}"))?;
        let server = Arc::new(server);
        let port = server
            .server_addr()
            .to_ip()
            .map(|a| a.port())
            .unwrap_or(port);
        let prefix = format!("/{}/", prefix.trim_matches('/')).replace("//", "/");
        let (root, served_prefix, listener) =
            (root.to_path_buf(), prefix.clone(), Arc::clone(&server));
        let worker = thread::spawn(move || {
            for request in listener.incoming_requests() {
                let response = respond(&root, &served_prefix, request.url());
                let _ = request.respond(response);
            }
        });
        Ok(Self {
            server,
            port,
            prefix,
            worker: Some(worker),
        })
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}{}", self.port, self.prefix)
    }

    /// Block until the process is stopped.
    pub fn join(mut self) {
        if let Some(worker) = self.worker.take() {
            let _ = worker.join();
        }
    }
}

impl Drop for StaticServer {
    fn drop(&mut self) {
        self.server.unblock();
    }
}

fn respond(root: &Path, prefix: &str, url: &str) -> Response<std::io::Cursor<Vec<u8>>> {
    let path = url.split(['?', '#']).next().unwrap_or("/");
    let Some(relative) = path
        .strip_prefix(prefix)
        .or_else(|| (path == prefix.trim_end_matches('/')).then_some(""))
    else {
        return text(404, "not found");
    };
    let Some(file) = resolve(root, relative) else {
        return text(404, "not found");
    };
    match fs::read(&file) {
        Ok(bytes) => Response::from_data(bytes)
            .with_header(header("Content-Type", mime_type(&file)))
            .with_header(header("Cache-Control", "no-cache")),
        Err(_) => text(404, "not found"),
    }
}

/// The file for a request path; page paths (no file extension) fall back to index.html.
fn resolve(root: &Path, relative: &str) -> Option<PathBuf> {
    if relative.split('/').any(|part| part == "..") {
        return None;
    }
    let candidate = root.join(relative);
    if candidate.is_file() {
        return Some(candidate);
    }
    let last = relative.rsplit('/').next().unwrap_or("");
    (!last.contains('.')).then(|| root.join("index.html"))
}

fn mime_type(file: &Path) -> &'static str {
    match file.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "css" => "text/css; charset=utf-8",
        "svg" => "image/svg+xml",
        "json" => "application/json",
        "png" => "image/png",
        "md" | "txt" | "csv" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn header(name: &str, value: &str) -> Header {
    Header::from_bytes(name.as_bytes(), value.as_bytes()).expect("static header is valid")
}

fn text(status: u16, body: &str) -> Response<std::io::Cursor<Vec<u8>>> {
    Response::from_string(body)
        .with_status_code(status)
        .with_header(header("Content-Type", "text/plain; charset=utf-8"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_paths_fall_back_to_index_but_files_do_not() {
        let dir = std::env::temp_dir().join(format!("xtask-serve-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("index.html"), "<html>").unwrap();
        fs::write(dir.join("app.wasm"), [0u8, 97, 115, 109]).unwrap();
        assert_eq!(resolve(&dir, "app.wasm"), Some(dir.join("app.wasm")));
        assert_eq!(resolve(&dir, "about"), Some(dir.join("index.html")));
        assert_eq!(resolve(&dir, ""), Some(dir.join("index.html")));
        assert_eq!(resolve(&dir, "missing.js"), None);
        assert_eq!(resolve(&dir, "../etc/passwd"), None);
        assert_eq!(mime_type(Path::new("x.wasm")), "application/wasm");
        fs::remove_dir_all(dir).unwrap();
    }
}
