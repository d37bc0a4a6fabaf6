//! Compare: one question, two or three series side by side, a few answers drawn from each
//! with a shown seed; "More answers" draws again. The draws are `replay::compare`; this
//! file wires the URL, the controls and the text.

use std::sync::Arc;

use leptos::prelude::*;

use crate::judge::Thresholds;
use crate::judge::rejudge::Judged;
use crate::replay::catalog::Catalog;
use crate::replay::compare::{
    self, ANSWERS_PER_COLUMN, Column, CompareState, MAX_COLUMNS, add_column, explorer_link,
    first_drawn, more_answers, pick_series, remove_column, share, verdict_summary,
};
use crate::replay::judges::{chosen, rating_at};
use crate::replay::labelling::judge_rating;
use crate::replay::names::Named;
use crate::ui::base_path::app_href;
use crate::ui::components::answer::{answer_body, scores_line, verdict_class};
use crate::ui::components::judge_choice::JudgeChoice;
use crate::ui::components::load_status::LoadStatus;
use crate::ui::judge_data::use_judges;
use crate::ui::replay_data::use_replay;
use crate::ui::url_state::use_url_state;

#[component]
pub fn ComparePage() -> impl IntoView {
    let data = use_replay();
    let judged = use_judges().judged();
    let (state, url) = use_url_state::<CompareState>();
    let update = move |f: &dyn Fn(&mut CompareState)| url.update_push(f);

    let columns = Memo::new(move |_| {
        let cat = data.catalog.get()?;
        compare::columns(&cat, &state.get(), &judged.get())
    });
    // Fetch the drawn answers' text before the rest of the background load.
    Effect::new(move |_| {
        let cat = data.catalog.get();
        columns.with(|c| {
            if let (Some(cat), Some(cols)) = (cat, c) {
                data.prioritize(compare::drawn_text_files(&cat, cols));
            }
        })
    });

    let body = move || {
        let Some(cat) = data.catalog.get() else {
            return ().into_any();
        };
        view! {
            <Controls cat=cat.clone() state=state update=update />
            {move || match columns.get() {
                None => view! {
                    <p class="error" role="alert" data-testid="compare-missing">
                        {format!("No answers to the question “{}” in the loaded data.", state.get().question)}
                    </p>
                }.into_any(),
                Some(cols) => {
                    let CompareState { thresholds: t, question, series, judge, .. } = state.get();
                    let judges = judged.get();
                    let missing = series.len() - cols.len();
                    // The question's wording, from the first drawn answer whose text is loaded.
                    let first = first_drawn(&cols);
                    let cat_q = cat.clone();
                    let wording = move || {
                        data.text_version.track();
                        first.iter().find_map(|&p| data.answer_text(&cat_q, p)).map(|t| view! {
                            <blockquote class="cmp-question" data-testid="compare-question-text">{t.question}</blockquote>
                        })
                    };
                    view! {
                        {(missing > 0).then(|| view! {
                            <p class="muted" role="status">{format!("{missing} series in the link are not in the loaded data.")}</p>
                        })}
                        {wording}
                        <div class="cmp-columns" data-testid="compare-columns">
                            {cols.into_iter().map(|c| view! { <CompareColumn cat=cat.clone() col=c question=question.clone() t=t judges=judges.clone() judge=judge.clone() /> }).collect_view()}
                        </div>
                    }.into_any()
                }
            }}
        }
        .into_any()
    };

    view! {
        <section class="prose">
            <h1>"Compare"</h1>
            <p>
                "One question, answered by two or three finetuned models side by side. "
                {format!("Up to {ANSWERS_PER_COLUMN} answers are drawn from each at random; ")}
                "the seed is shown and kept in the link, so the same link always shows the same answers. "
                "“More answers” draws again."
            </p>
        </section>
        <LoadStatus />
        {body}
    }
}

/// Question, series and seed pickers.
#[component]
fn Controls(
    cat: Arc<Catalog>,
    state: Memo<CompareState>,
    update: impl Fn(&dyn Fn(&mut CompareState)) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let questions = cat.questions.clone();
    let series: Vec<(String, String)> = cat
        .series
        .iter()
        .map(|s| (s.id.clone(), s.label.clone()))
        .collect();
    let series_pickers = move || {
        let chosen = state.get().series;
        let n = chosen.len();
        chosen
            .into_iter()
            .enumerate()
            .map(|(i, id)| {
                let options = series
                    .iter()
                    .map(|(sid, label)| {
                        view! { <option value=sid.clone() selected=*sid == id>{label.clone()}</option> }
                    })
                    .collect_view();
                view! {
                    <label class="cmp-pick">
                        {format!("Column {} ", i + 1)}
                        // `selected` sets the first render; prop:value keeps the picker right later.
                        <select data-testid="compare-series" prop:value=id.clone() on:change=move |ev| {
                            let v = event_target_value(&ev);
                            update(&|s| pick_series(&mut s.series, i, &v))
                        }>{options}</select>
                        {(n > 1).then(|| view! {
                            <button type="button" class="link-button" aria-label=format!("Remove column {}", i + 1)
                                on:click=move |_| update(&|s| remove_column(&mut s.series, i))>"remove"</button>
                        })}
                    </label>
                }
            })
            .collect_view()
    };
    let all_series: Vec<String> = cat.series.iter().map(|s| s.id.clone()).collect();
    view! {
        <div class="cmp-controls">
            <label class="cmp-pick">
                "Question "
                // `selected` sets the first render; prop:value follows Back/Forward afterwards.
                <select data-testid="compare-question" prop:value=move || state.get().question
                    on:change=move |ev| {
                        let v = event_target_value(&ev);
                        update(&|s| s.question = v.clone())
                    }>
                    {questions.into_iter().map(|q| {
                        let id = q.clone();
                        let selected = move || state.get().question == id;
                        view! { <option value=q.clone() selected=selected>{q.clone()}</option> }
                    }).collect_view()}
                </select>
            </label>
            {series_pickers}
            {move || (state.get().series.len() < MAX_COLUMNS).then(|| {
                let all = all_series.clone();
                view! {
                    <button type="button" data-testid="compare-add"
                        on:click=move |_| update(&|s| add_column(&mut s.series, &all))>"Add a column"</button>
                }
            })}
            <span class="cmp-seed">
                <span data-testid="compare-seed">{move || format!("Seed {}", state.get().seed)}</span>
                " "
                <button type="button" data-testid="compare-more"
                    on:click=move |_| update(&more_answers)>"More answers"</button>
            </span>
            <JudgeChoice chosen=Signal::derive(move || state.get().judge)
                on_choose=move |judge| update(&|s| s.judge = judge.clone()) />
        </div>
    }
}

/// One series: what share of its answers to the question is misaligned, then the drawn ones.
#[component]
fn CompareColumn(
    cat: Arc<Catalog>,
    col: Column,
    question: String,
    t: Thresholds,
    judges: Arc<Vec<Judged>>,
    judge: Option<String>,
) -> impl IntoView {
    let judge = chosen(&judges, judge.as_deref());
    let data = use_replay();
    let entry = cat.series[col.series as usize].clone();
    let group = cat.groups[entry.group as usize].clone();
    let base = cat.base_models[entry.base_model as usize].clone();
    let share_text = share(&entry, &col, &t);
    let counts = verdict_summary(&col);
    let answers = col
        .drawn
        .iter()
        .map(|&p| {
            let pos = p as usize;
            let rating = rating_at(&cat, judge, pos).unwrap_or(judge_rating(&cat, pos));
            let verdict = rating.verdict(&t);
            let (a, c) = (rating.aligned, rating.coherent);
            let href = app_href(&explorer_link(
                &entry.id,
                &question,
                &cat.answer_id(pos),
                &t,
            ));
            let cat = cat.clone();
            let text = move || {
                data.text_version.track();
                match data.answer_text(&cat, pos) {
                    None => view! { <p class="muted">"loading text…"</p> }.into_any(),
                    Some(t) => answer_body(&t.row.answer, "").into_any(),
                }
            };
            view! {
                <li class="cmp-answer" data-testid="compare-answer">
                    <div class="vrow-meta">
                        <span class=verdict_class(verdict)>{verdict.label()}</span>
                        <span class="scores">{scores_line(a, c)}</span>
                        <a href=href class="muted">"open in explorer"</a>
                    </div>
                    {text}
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="cmp-column" data-testid="compare-column">
            <h2>{entry.label.clone()}</h2>
            <p class="muted">{format!("{group} · {base} · judge {}", entry.judge)}</p>
            <p data-testid="compare-share">{share_text}</p>
            <p class="muted">{counts}</p>
            <ol class="cmp-answers">{answers}</ol>
        </section>
    }
}
