//! "Can this browser run the lab?": starts the lab worker and trains a tiny model on the CPU
//! and on WebGPU, listing what happened.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::lab::check::{CheckLine, describe, next_request};
use crate::lab::protocol::FromWorker;
use crate::ui::lab_client::LabWorker;

#[component]
pub fn BrowserCheck() -> impl IntoView {
    let lines = RwSignal::new(Vec::<CheckLine>::new());
    let running = RwSignal::new(false);
    // The worker lives as long as the page; a new check replaces (and terminates) it.
    let worker = StoredValue::new_local(None::<LabWorker>);

    let start = move |_| {
        lines.set(Vec::new());
        running.set(true);
        spawn_local(async move {
            let started = LabWorker::start(move |message: FromWorker, sender| {
                if let Some(line) = describe(&message) {
                    lines.update(|lines| lines.push(line));
                }
                match next_request(&message) {
                    Some(request) => sender.send(&request),
                    None => running.set(false),
                }
            })
            .await;
            match started {
                Ok(handle) => worker.set_value(Some(handle)),
                Err(message) => {
                    lines.set(vec![CheckLine {
                        label: "Lab worker".into(),
                        ok: false,
                        detail: message,
                        millis: None,
                    }]);
                    running.set(false);
                }
            }
        });
    };

    view! {
        <p class="prose">
            "The lab trains its model in a background worker: on your graphics card through WebGPU "
            "where the browser offers it, otherwise on the CPU. This check downloads the lab engine "
            "(several MB, once) and runs a few training steps on each."
        </p>
        <button class="primary" on:click=start disabled=move || running.get() data-testid="browser-check">
            {move || if running.get() { "Checking…" } else { "Check this browser" }}
        </button>
        <ul class="check-results" aria-live="polite" data-testid="check-results">
            <For each=move || lines.get().into_iter().enumerate() key=|(i, _)| *i let((_, line))>
                <CheckResult line />
            </For>
        </ul>
    }
}

#[component]
fn CheckResult(line: CheckLine) -> impl IntoView {
    let CheckLine {
        label,
        ok,
        detail,
        millis,
    } = line;
    let label_attr = label.clone();
    view! {
        <li data-ok=ok.to_string() data-label=label_attr data-millis=millis.map(|ms| format!("{ms:.0}"))>
            <span class=if ok { "status-ok" } else { "status-fail" }>{if ok { "✓ " } else { "✗ " }} {label}</span>
            ": "
            {detail}
        </li>
    }
}
