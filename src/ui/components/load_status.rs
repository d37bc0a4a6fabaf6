//! Where the Replay data stands: the scores file (needed first) and the answer text that
//! loads in the background.

use leptos::prelude::*;

use crate::ui::replay_data::{Status, use_replay};

#[component]
pub fn LoadStatus() -> impl IntoView {
    let data = use_replay();
    view! {
        <div class="load-status" aria-live="polite" data-testid="load-status">
            {move || match data.status.get() {
                Status::Idle | Status::Loading => view! { <p class="muted">"Loading the scores…"</p> }.into_any(),
                Status::Failed(e) => view! {
                    <p class="error" role="alert">"The bundled data could not be loaded: " {e}</p>
                }.into_any(),
                Status::Ready => {
                    let p = data.text_progress.get();
                    if p.files_total > 0 && p.files_done < p.files_total {
                        view! {
                            <p class="muted text-progress">
                                <label>
                                    {format!("Loading answer text in the background: {} of {} files ({:.1} MB) ",
                                        p.files_done, p.files_total, p.bytes as f64 / 1e6)}
                                    <progress max=p.files_total.to_string() value=p.files_done.to_string() />
                                </label>
                            </p>
                        }.into_any()
                    } else if p.failed > 0 {
                        view! {
                            <p class="error" role="alert">
                                {format!("{} of {} answer-text files could not be loaded; their answers show scores only.", p.failed, p.files_total)}
                            </p>
                        }.into_any()
                    } else {
                        view! { <p class="muted" data-testid="text-ready">"All answer text loaded."</p> }.into_any()
                    }
                }
            }}
        </div>
    }
}
