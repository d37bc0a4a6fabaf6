//! Whose scores a view counts: each file's own judge, or one of the rejudges made on the
//! Rejudge page. Shown only once a rejudge exists; the choice lives in the page's URL
//! (`judge=`), which the page's `on_choose` writes.

use leptos::prelude::*;

use crate::replay::judges;
use crate::ui::judge_data::use_judges;

#[component]
pub fn JudgeChoice(
    /// The URL's `judge=` (`None`: each file's own judge).
    #[prop(into)]
    chosen: Signal<Option<String>>,
    on_choose: impl Fn(Option<String>) + Send + Sync + 'static,
) -> impl IntoView {
    let judged = use_judges().judged();
    let on_choose = StoredValue::new(on_choose);
    move || {
        let all = judged.get();
        (!all.is_empty()).then(|| {
            let chosen = chosen.get();
            view! {
                <label class="judge-choice">"Scores of "
                    <select data-testid="judge-choice" on:change=move |ev| {
                        let v = event_target_value(&ev);
                        on_choose.with_value(|f| f((!v.is_empty()).then_some(v)));
                    }>
                        <option value="" selected=chosen.is_none()>"each file's own judge"</option>
                        {all.iter().map(|j| {
                            let id = j.info.id.clone();
                            let selected = chosen.as_deref() == Some(id.as_str());
                            let (rated, _) = j.counts();
                            view! { <option value=id selected=selected>{format!("{} ({rated} rated)", j.info.name())}</option> }
                        }).collect_view()}
                    </select>
                </label>
                {judges::chosen(&all, chosen.as_deref()).map(|j| view! {
                    <p class="muted" data-testid="judge-note">{format!("Counting {}'s scores: only the answers it rated; the rest are left out.", j.info.name())}</p>
                })}
            }
        })
    }
}
