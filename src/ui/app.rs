//! The app shell: router, header with one nav entry per page, footer.

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

use super::base_path::app_base_path;
use super::pages::{about::AboutPage, home::HomePage, not_found::NotFoundPage};
use super::shell::{SiteFooter, SiteHeader};

/// Every page that exists, in nav order: (path, nav label).
pub const PAGES: &[(&str, &str)] = &[("/", "Home"), ("/about", "About & data")];

#[component]
pub fn App() -> impl IntoView {
    view! {
        <Router base=app_base_path()>
            <SiteHeader />
            <main id="content">
                <Routes fallback=NotFoundPage>
                    <Route path=path!("/") view=HomePage />
                    <Route path=path!("/about") view=AboutPage />
                </Routes>
            </main>
            <SiteFooter />
        </Router>
    }
}
