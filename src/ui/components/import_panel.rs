//! The user's own files: drop or pick a CSV / JSONL of answers (the paper's format or the
//! authors') or an Inspect AI log, watch it parse, see it join the views; listed with a
//! remove button.
//! A bad file shows the importer's message (file, line, field) and nothing else changes.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::ui::browser::files_of;
use crate::ui::replay_data::use_replay;

#[component]
pub fn ImportPanel() -> impl IntoView {
    let data = use_replay();
    let over = RwSignal::new(false);
    view! {
        <div class="import-panel">
            <div class="dropzone" class:over=move || over.get() data-testid="dropzone"
                on:dragover=move |ev: web_sys::DragEvent| { ev.prevent_default(); over.set(true); }
                on:dragleave=move |_| over.set(false)
                on:drop=move |ev: web_sys::DragEvent| {
                    ev.prevent_default();
                    over.set(false);
                    data.import(files_of(ev.data_transfer().and_then(|d| d.files())));
                }>
                <p>
                    "Drop your own answers here (CSV or JSONL with "
                    <code>"question, answer, question_id, aligned, coherent"</code>
                    ", optional "<code>"model"</code>", or an Inspect AI log: "<code>".eval"</code>" / "<code>".json"</code>"), or "
                    <label class="file-pick">
                        "choose files"
                        <input type="file" multiple accept=".csv,.jsonl,.ndjson,.json,.eval,text/csv" data-testid="file-input"
                            on:change=move |ev| {
                                let input: web_sys::HtmlInputElement = ev.target().unwrap().unchecked_into();
                                data.import(files_of(input.files()));
                                input.set_value("");
                            } />
                    </label>
                    ". They stay in this browser (IndexedDB) and join Figure 4 and the explorer, marked as yours."
                </p>
            </div>
            {move || data.importing.get().map(|p| view! {
                <p class="import-progress" data-testid="import-progress">
                    <label>
                        {format!("Reading {}: {} answers ", p.file, p.records)}
                        <progress max="1" value=p.fraction.to_string() />
                    </label>
                </p>
            })}
            <ul class="import-errors" role="alert" data-testid="import-errors">
                {move || data.import_errors.get().into_iter().map(|e| view! { <li class="error">{e}</li> }).collect_view()}
            </ul>
            {move || data.storage_note.get().map(|n| view! { <p class="muted">{n}</p> })}
            <ul class="user-files" data-testid="user-files">
                {move || data.user_files.get().into_iter().map(|f| {
                    let id = f.id.clone();
                    let seeds_id = f.id.clone();
                    // Several models in one file: separate models, or seeds of one finetune?
                    let seeds = (f.models > 1).then(|| view! {
                        <label class="check seeds-toggle">
                            <input type="checkbox" data-testid="models-are-seeds" prop:checked=f.models_are_seeds
                                on:change=move |ev| data.set_models_are_seeds(seeds_id.clone(), event_target_checked(&ev)) />
                            {format!(" its {} models are training seeds of one finetune (Figure 4 averages over them, with a 95% CI over seeds)", f.models)}
                        </label>
                    });
                    view! {
                        <li data-file-id=f.id.clone()>
                            <span class="tag yours">"yours"</span>
                            " " <strong>{f.name.clone()}</strong>
                            {format!(" — {} answers ", f.answers)}
                            <button class="small" on:click=move |_| data.remove(id.clone())
                                aria-label=format!("Remove {}", f.name)>"Remove"</button>
                            {seeds}
                        </li>
                    }
                }).collect_view()}
            </ul>
        </div>
    }
}
