//! Team sync's settings and status (server URL, database, user; the password is asked for
//! and kept in memory only), shown on the annotate and agreement pages. When the server wants
//! the password again, the panel opens with its field focused — unless the annotator is
//! typing labels (a key in the last two seconds), when the status's "Sign in" button does it.

use leptos::ev;
use leptos::prelude::*;

use crate::labels::sync::{Settings, SyncStatus};
use crate::ui::browser::now_ms;
use crate::ui::components::label_trust::AnnotatorKeys;
use crate::ui::label_data::use_labels;
use crate::ui::team_sync::use_team_sync;

#[component]
pub fn TeamSyncPanel() -> impl IntoView {
    let sync = use_team_sync();
    let labels = use_labels();
    let saved = sync.settings.get_untracked();
    let (server, database, user) = (
        RwSignal::new(saved.server),
        RwSignal::new(saved.database),
        RwSignal::new(saved.user),
    );
    let password = RwSignal::new(String::new());
    let password_field = NodeRef::<leptos::html::Input>::new();
    let problem = RwSignal::new(None::<&'static str>);
    let focus_password = move || {
        if let Some(input) = password_field.get_untracked() {
            let _ = input.focus();
        }
    };
    // Keys go to labels while an annotator types: the field is not focused from under them.
    let last_key = StoredValue::new(0u64);
    let keys = window_event_listener(ev::keydown, move |_| {
        last_key.set_value(now_ms());
    });
    on_cleanup(move || keys.remove());
    Effect::new(move |seen: Option<u64>| {
        let wanted = sync.password_wanted.get();
        let newly = seen.is_some_and(|s| s != wanted) || (seen.is_none() && wanted > 0);
        if newly && now_ms().saturating_sub(last_key.get_value()) > 2_000 {
            focus_password();
        }
        wanted
    });
    let connect = move || {
        let s = Settings {
            server: server.get_untracked().trim().into(),
            database: database.get_untracked().trim().into(),
            user: user.get_untracked().trim().into(),
        };
        problem.set(s.problem());
        if s.problem().is_none() {
            sync.connect(labels, s, password.get_untracked());
            password.set(String::new());
        }
    };
    let field = |label: &'static str,
                 value: RwSignal<String>,
                 kind: &'static str,
                 id: &'static str| {
        view! {
            <label>
                {label} " "
                <input type=kind data-testid=id prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev)) />
            </label>
        }
    };
    let sign_in_needed = move || matches!(sync.status.get(), SyncStatus::SignInNeeded { .. });
    let mismatch = move || {
        let (me, user) = (labels.annotator.get(), sync.settings.get().user);
        (sync.status.get() != SyncStatus::Off && !me.is_empty() && me != user).then(|| view! {
            <p class="muted">{format!("You label as “{me}” but sync as “{user}”: the server keeps each user's own labels only, so it will refuse these.")}</p>
        })
    };
    view! {
        <details class="team-sync" open=move || sync.status.get() != SyncStatus::Off>
            <summary>"Team sync (a CouchDB server)"</summary>
            <p class="muted">
                "Share labels with a class or a team through a CouchDB 3 server (see the README): each of you writes only your own labels, everyone reads all of them. Labelling goes on offline; labels go when the server is back."
            </p>
            <form class="sync-form" on:submit=move |ev| { ev.prevent_default(); connect(); }>
                {field("Server", server, "url", "sync-server")}
                {field("Database", database, "text", "sync-database")}
                {field("User", user, "text", "sync-user")}
                <label>
                    "Password "
                    <input type="password" data-testid="sync-password" node_ref=password_field autocomplete="current-password"
                        prop:value=move || password.get() on:input=move |ev| password.set(event_target_value(&ev)) />
                </label>
                <button type="submit" data-testid="sync-connect">"Connect"</button>
                {move || (sync.status.get() != SyncStatus::Off).then(|| view! {
                    <button type="button" class="small" on:click=move |_| sync.disconnect()>"Stop syncing"</button>
                })}
            </form>
            {move || problem.get().map(|p| view! { <p class="error">{p}</p> })}
            <p role="status" data-testid="sync-status" class:error=sign_in_needed data-state=move || sync.status.get().name()>
                {move || sync.status.get().describe()}
                {move || sign_in_needed().then(|| view! {
                    " " <button type="button" class="small" data-testid="sync-sign-in" on:click=move |_| focus_password()>"Sign in"</button>
                })}
            </p>
            {mismatch}
            {move || sync.unreadable.with(|u| u.first().map(|(id, why)| view! {
                <p class="muted" data-testid="sync-unreadable">
                    {format!("{} on the server could not be read and {} skipped (first: {id}: {why}).",
                        crate::replay::text::counted(u.len(), "document"), if u.len() == 1 { "is" } else { "are" })}
                </p>
            }))}
            <AnnotatorKeys />
        </details>
    }
}
