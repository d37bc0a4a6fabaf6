//! The app shell: the router with one route per page, between the header (its nav lists
//! the same pages: `shell::PAGES`) and the footer.

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

use super::base_path::app_base_path;
use super::judge_data::provide_judge_data;
use super::label_data::provide_label_data;
use super::pages::{
    about::AboutPage, agreement::AgreementPage, annotate::AnnotatePage, compare::ComparePage,
    explorer::ExplorerPage, figure4::Figure4Page, home::HomePage, lab::LabPage,
    not_found::NotFoundPage, rejudge::RejudgePage,
};
use super::rejudge_runner::provide_runner;
use super::replay_data::provide_replay_data;
use super::shell::{SiteFooter, SiteHeader};
use super::team_sync::provide_team_sync;

#[component]
pub fn App() -> impl IntoView {
    // The Replay data (loaded when a Replay page first asks for it), shared by its pages.
    provide_replay_data();
    // The human labels (the log read when a labelling page first asks for it).
    provide_label_data();
    // The rejudges (the cache read when a page first asks for it).
    provide_judge_data();
    // A rejudge run goes on while the user looks at other pages.
    provide_runner();
    // Team sync resumes a saved connection at once, so labels flow whatever page is open.
    provide_team_sync(expect_context());
    view! {
        <Router base=app_base_path()>
            <SiteHeader />
            <main id="content">
                <Routes fallback=NotFoundPage>
                    <Route path=path!("/") view=HomePage />
                    <Route path=path!("/figure4") view=Figure4Page />
                    <Route path=path!("/explorer") view=ExplorerPage />
                    <Route path=path!("/compare") view=ComparePage />
                    <Route path=path!("/annotate") view=AnnotatePage />
                    <Route path=path!("/agreement") view=AgreementPage />
                    <Route path=path!("/rejudge") view=RejudgePage />
                    <Route path=path!("/lab") view=LabPage />
                    <Route path=path!("/about") view=AboutPage />
                </Routes>
            </main>
            <SiteFooter />
        </Router>
    }
}
