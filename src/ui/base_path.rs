//! Where the app lives on its host, so the router works under any sub-path
//! (e.g. `https://user.github.io/em-lab/`).

/// The path of the document's `<base href>` (Trunk writes `./`), without its trailing
/// slash: `""` at the site root, `"/em-lab"` on a project page.
pub fn app_base_path() -> String {
    let base_uri = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.base_uri().ok().flatten())
        .unwrap_or_default();
    let path = web_sys::Url::new(&base_uri)
        .map(|url| url.pathname())
        .unwrap_or_default();
    path.trim_end_matches('/').to_string()
}

/// An in-app link target: `path` (starting with `/`) under the app's base path.
/// leptos_router's `<A>` leaves absolute hrefs as they are, so links add the base here.
pub fn app_href(path: &str) -> String {
    format!("{}{path}", app_base_path())
}
