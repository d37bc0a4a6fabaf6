//! Mounts the EM Lab web app; nothing else.

#[cfg(target_arch = "wasm32")]
fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(em_lab::ui::App);
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!(
        "em-lab is a WebAssembly app: run `cargo xtask serve` and open http://127.0.0.1:8080"
    );
}
