//! The explorer: every answer (bundled and the user's) in a virtualized list with filters,
//! full-text search, sort, counts and a detail pane. The whole view state lives in the URL.
//! Keyboard: j / k next / previous answer, / search, Esc clears the search (then the
//! selection). What the page computes is `replay::explorer`; this file wires it.

use std::sync::Arc;

use leptos::ev;
use leptos::prelude::*;
use leptos_router::components::A;
use wasm_bindgen::JsCast;

use crate::judge::Rating;
use crate::judge::{Thresholds, Verdict};
use crate::labels::text_hash;
use crate::replay::answer_text::AnswerText;
use crate::replay::catalog::Catalog;
use crate::replay::explorer::{
    self, Step, can_clear, cleared, row_snippet, row_top, short_repo, source_link, source_options,
};
use crate::replay::filter::{self, Origin, ScoreRange, Sort};
use crate::replay::names::{self, Named};
use crate::replay::state::{
    AnnotateState, ExplorerState, PageState, RejudgeState, fmt_num, parse_score_bound,
};
use crate::replay::text::top_tokens;
use crate::runs::bundle::dequantize;
use crate::runs::logprobs::JudgeProbs;
use crate::runs::question_id::QuestionFormat;
use crate::runs::search::Searcher;
use crate::ui::base_path::app_href;
use crate::ui::components::answer::{answer_body, score_text, scores_line, verdict_class};
use crate::ui::components::highlight::highlighted;
use crate::ui::components::import_panel::ImportPanel;
use crate::ui::components::load_status::LoadStatus;
use crate::ui::judge_data::use_judges;
use crate::ui::replay_data::{ReplayData, use_replay};
use crate::ui::url_state::use_url_state;

#[component]
pub fn ExplorerPage() -> impl IntoView {
    let data = use_replay();
    let (state, url) = use_url_state::<ExplorerState>();

    // Filter + sort: recomputed only when they (or the catalog) change.
    let filter_key = Memo::new(move |_| {
        let s = state.get();
        (s.filter, s.sort, s.thresholds)
    });
    let filtered = Memo::new(move |_| {
        let (f, sort, t) = filter_key.get();
        data.catalog.with(|cat| {
            cat.as_ref().map_or_else(Default::default, |cat| {
                Arc::new(explorer::filtered(cat, &f, sort, &t))
            })
        })
    });
    // Search narrows incrementally as the query grows (see runs::search).
    let searcher = StoredValue::new(Searcher::new());
    let search_query = Memo::new(move |_| state.get().query);
    let n_answers = move || data.catalog.with(|c| c.as_ref().map_or(0, |c| c.len()));
    let shown = Memo::new(move |_| {
        let list = filtered.get();
        let q = search_query.get();
        data.text_version.track();
        let n = n_answers();
        data.texts.with_value(|t| {
            searcher
                .try_update_value(|s| explorer::searched(s, &t.index, &list, &q, n))
                .unwrap_or_else(|| list.clone())
        })
    });
    // Verdict of every answer, once per threshold change; counts are then lookups.
    let thresholds = Memo::new(move |_| state.get().thresholds);
    let slots = Memo::new(move |_| {
        let t = thresholds.get();
        Arc::new(data.catalog.with(|c| {
            c.as_ref()
                .map_or_else(Vec::new, |c| filter::verdict_slots(c, &t))
        }))
    });
    let counts =
        Memo::new(move |_| explorer::verdict_counts(&slots.get(), &shown.get(), n_answers()));

    // Virtualized list state.
    let list_ref = NodeRef::<leptos::html::Div>::new();
    let search_ref = NodeRef::<leptos::html::Input>::new();
    let scroll_top = RwSignal::new(0.0);
    let viewport_h = RwSignal::new(600.0);
    let range = Memo::new(move |_| {
        explorer::window(scroll_top.get(), viewport_h.get(), shown.with(|s| s.len()))
    });
    let measure = move || {
        if let Some(el) = list_ref.get_untracked() {
            scroll_top.set(el.scroll_top() as f64);
            viewport_h.set(el.client_height().max(1) as f64);
        }
    };
    let scroll_to = move |index: usize| {
        if let Some(el) = list_ref.get_untracked() {
            let (top, h) = (el.scroll_top() as f64, el.client_height() as f64);
            if let Some(to) = explorer::scroll_to_reveal(index, top, h) {
                el.set_scroll_top(to as i32);
            }
            measure();
        }
    };
    // A new filter or query starts at the top.
    Effect::new(move |_| {
        filter_key.track();
        search_query.track();
        if let Some(el) = list_ref.get_untracked() {
            el.set_scroll_top(0);
        }
        scroll_top.set(0.0);
    });
    let selected_pos = Memo::new(move |_| {
        let sel = state.get().selected?;
        data.catalog.with(|c| c.as_ref()?.position_of(&sel))
    });
    // Load the text of the selected answer and of the rows on screen first.
    Effect::new(move |_| {
        let rows = range.get();
        let selected = selected_pos.get();
        let files: Vec<usize> = data.catalog.with(|cat| {
            let Some(cat) = cat else { return Vec::new() };
            shown.with(|s| explorer::text_files_first(cat, selected, &s[rows]))
        });
        data.prioritize(files);
    });

    let select = move |pos: usize| {
        let Some(id) = data
            .catalog
            .with_untracked(|c| c.as_ref().map(|c| c.answer_id(pos)))
        else {
            return;
        };
        url.update(|s| s.selected = Some(id));
    };

    // Keyboard shortcuts.
    let handle = window_event_listener(ev::keydown, {
        move |e: web_sys::KeyboardEvent| {
            if e.ctrl_key() || e.meta_key() || e.alt_key() {
                return;
            }
            let in_field = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                .is_some_and(|el| {
                    matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT")
                });
            let key = e.key();
            if key == "Escape" {
                if let Some(s) = explorer::escape(&state.get_untracked(), in_field) {
                    url.replace(&s);
                }
                if let Some(input) = search_ref.get_untracked() {
                    let _ = input.blur();
                }
                return;
            }
            if in_field {
                return;
            }
            if key == "/" {
                e.prevent_default();
                if let Some(input) = search_ref.get_untracked() {
                    let _ = input.focus();
                }
            } else if let Some(step) = Step::from_key(&key) {
                let list = shown.get_untracked();
                if let Some(next) = explorer::step(&list, selected_pos.get_untracked(), step) {
                    scroll_to(next);
                    select(list[next] as usize);
                }
            }
        }
    });
    on_cleanup(move || handle.remove());

    let update = move |f: &dyn Fn(&mut ExplorerState)| {
        url.update_push(|s| {
            f(s);
            s.selected = None;
        })
    };

    view! {
        <section class="prose">
            <h1>"Explorer"</h1>
            <p>
                "Every released answer bundled here, with its judge scores"
                ", and your own files. Filter, search, and open an answer to read it with its "
                "source. Keys: "<kbd>"j"</kbd>" / "<kbd>"k"</kbd>" next / previous, "<kbd>"/"</kbd>
                " search, "<kbd>"Esc"</kbd>" clear."
            </p>
        </section>
        <LoadStatus />

        <div class="ex-toolbar">
            <input type="search" class="ex-search" node_ref=search_ref data-testid="search"
                placeholder="Search questions and answers (phrase, any case)"
                aria-label="Search questions and answers"
                prop:value=move || state.get().query
                on:input=move |ev| {
                    let mut s = state.get_untracked();
                    s.query = event_target_value(&ev);
                    s.selected = None;
                    url.replace(&s);
                } />
            <label class="ex-sort">
                "Sort "
                <select data-testid="sort" on:change=move |ev| {
                    if let Some(sort) = Sort::from_name(&event_target_value(&ev)) {
                        update(&|s| s.sort = sort);
                    }
                }>
                    {Sort::ALL.iter().map(|&s| view! {
                        <option value=s.name() selected=move || state.get().sort == s>{s.label()}</option>
                    }).collect_view()}
                </select>
            </label>
        </div>

        <Filters state update />

        <div class="ex-counts" aria-live="polite">
            {move || {
                let n = shown.with(|s| s.len());
                let total = data.catalog.with(|c| c.as_ref().map_or(0, |c| c.len()));
                let (loaded, all) = data.texts.with_value(|t| (t.index.loaded(), t.index.len()));
                data.text_version.track();
                let searching = !state.get().query.trim().is_empty();
                view! {
                    <strong data-testid="match-count" data-n=n.to_string()>
                        {format!("{n} of {total} answers")}
                    </strong>
                    {searching.then(|| (loaded < all).then(|| view! {
                        <span class="muted">{format!(" · searching the {loaded} of {all} answers whose text has loaded")}</span>
                    }))}
                }
            }}
            <span class="verdict-counts" data-testid="verdict-counts">
                {move || explorer::verdict_chips(&counts.get()).into_iter().map(|(v, n)| view! {
                    <span class=verdict_class(v)>{format!("{n} {}", v.label())}</span>
                }).collect_view()}
            </span>
            <A href=move || {
                let queue = AnnotateState { queue: state.get(), ..AnnotateState::default() };
                app_href(&queue.url())
            } attr:class="button small" attr:data-testid="annotate-these">"Annotate these"</A>
            <A href=move || {
                let queue = RejudgeState { queue: state.get() };
                app_href(&queue.url())
            } attr:class="button small" attr:data-testid="rejudge-these">"Rejudge these"</A>
            {move || can_clear(&state.get()).then(|| view! {
                <button class="small" data-testid="clear-all"
                    on:click=move |_| update(&|s| *s = cleared(s))>"Clear filters"</button>
            })}
        </div>

        <div class="ex-main">
            <div class="vlist" node_ref=list_ref role="listbox" aria-label="Answers" tabindex="0"
                data-testid="answer-list" on:scroll=move |_| measure()>
                <div class="vlist-spacer" style:height=move || format!("{}px", row_top(shown.with(|s| s.len())))>
                    <For
                        each=move || {
                            let rows = range.get();
                            let first = rows.start;
                            shown.with(|s| s[rows].iter().enumerate().map(|(k, &p)| (first + k, p as usize)).collect::<Vec<_>>())
                        }
                        key=|x| *x
                        let((i, pos))
                    >
                        <AnswerRow i pos state selected=selected_pos on_select=select />
                    </For>
                </div>
            </div>
            <aside class="detail" data-testid="detail" aria-live="polite">
                {move || match (selected_pos.get(), data.catalog.get()) {
                    (Some(pos), Some(cat)) => view! { <Detail cat pos state /> }.into_any(),
                    _ => view! {
                        <p class="muted">"Select an answer to read it here (or press "<kbd>"j"</kbd>")."</p>
                    }.into_any(),
                }}
            </aside>
        </div>

        <h2>"Your files"</h2>
        <ImportPanel />
    }
}

#[component]
fn AnswerRow(
    i: usize,
    pos: usize,
    state: Memo<ExplorerState>,
    selected: Memo<Option<usize>>,
    on_select: impl Fn(usize) + Clone + 'static,
) -> impl IntoView {
    let data = use_replay();
    let Some(cat) = data.catalog.get_untracked() else {
        return ().into_any();
    };
    let series = &cat.series[cat.series_of[pos] as usize];
    let question = cat.questions[cat.question[pos] as usize].clone();
    let user = series.user;
    let series_label = series.label.clone();
    let (a, c) = (dequantize(cat.aligned[pos]), dequantize(cat.coherent[pos]));
    let cat_v = cat.clone();
    let verdict = Memo::new(move |_| filter::verdict_at(&cat_v, pos, &state.get().thresholds));
    let text = move || {
        data.text_version.track();
        let q = state.get().query;
        match data.answer_text(&cat, pos) {
            Some(t) => highlighted(&row_snippet(&t.question, &t.row.answer, &q), &q).into_any(),
            None => view! { <span class="muted">"loading text…"</span> }.into_any(),
        }
    };
    view! {
        <div class="vrow" role="option" style:top=format!("{}px", row_top(i))
            aria-selected=move || (selected.get() == Some(pos)).to_string()
            data-pos=pos.to_string() data-testid="answer-row"
            on:click=move |_| on_select(pos)>
            <div class="vrow-meta">
                <span class=move || verdict_class(verdict.get())>{move || verdict.get().label()}</span>
                {user.then(|| view! { <span class="tag yours">"yours"</span> })}
                <span class="qid" data-testid="row-question">{question}</span>
                <span class="scores">{scores_line(a, c)}</span>
                <span class="series" data-testid="row-series">{series_label}</span>
            </div>
            <div class="vrow-text">{text}</div>
        </div>
    }
    .into_any()
}

#[component]
fn Detail(cat: Arc<Catalog>, pos: usize, state: Memo<ExplorerState>) -> impl IntoView {
    let data: ReplayData = use_replay();
    let judges = use_judges();
    let file = cat.files[cat.file[pos] as usize].clone();
    let source = cat.sources[file.source as usize].clone();
    let series = cat.series[cat.series_of[pos] as usize].clone();
    let question_id = cat.questions[cat.question[pos] as usize].clone();
    let variant = cat.variants[cat.variant[pos] as usize].clone();
    let answer_id = cat.answer_id(pos);
    let group = cat.groups[series.group as usize].clone();
    let base = cat.base_models[series.base_model as usize].clone();
    let cat_v = cat.clone();
    let verdict = Memo::new(move |_| filter::verdict_at(&cat_v, pos, &state.get().thresholds));
    let link = source_link(&cat, pos);
    let body = move || {
        data.text_version.track();
        let q = state.get().query;
        match data.answer_text(&cat, pos) {
            None => view! { <p class="muted">"The text of this answer is still loading…"</p> }
                .into_any(),
            Some(AnswerText { question, row: t }) => {
                let answer = answer_body(&t.answer, &q);
                let extra = (!t.extra.is_empty()).then(|| view! {
                    <details class="extra">
                        <summary>"Other columns"</summary>
                        <dl>{t.extra.iter().map(|(k, v)| view! { <dt>{k.clone()}</dt><dd>{v.clone()}</dd> }).collect_view()}</dl>
                    </details>
                });
                let (id, hash) = (cat.answer_id(pos), text_hash(&t.answer));
                let rejudged: Vec<(String, Rating)> = judges
                    .judged()
                    .get()
                    .iter()
                    .filter_map(|j| Some((j.info.name(), j.rating(&id, Some(hash))?)))
                    .collect();
                view! {
                    <p class="scores-exact" data-testid="detail-scores">
                        {format!("Judge scores: aligned {} · coherent {}", score_text(t.aligned), score_text(t.coherent))}
                    </p>
                    {rejudged.into_iter().map(|(name, r)| view! {
                        <p class="scores-exact" data-testid="detail-rejudge">
                            {format!("Rejudged by {name}: aligned {} · coherent {}", score_text(r.aligned), score_text(r.coherent))}
                        </p>
                    }).collect_view()}
                    <h3>"Question"</h3>
                    <div class="answer-prose" data-testid="detail-question">{highlighted(&question, &q)}</div>
                    <h3>"Answer"</h3>
                    <div class="answer" data-testid="detail-answer">{answer}</div>
                    {t.model.map(|m| view! { <p class="muted">"Model: " <code>{m}</code></p> })}
                    {t.judge_aligned.map(|p| view! { <JudgeTopTokens name="aligned" probs=p /> })}
                    {t.judge_coherent.map(|p| view! { <JudgeTopTokens name="coherent" probs=p /> })}
                    {extra}
                }.into_any()
            }
        }
    };
    view! {
        <h2 class="detail-title">
            <span class=move || verdict_class(verdict.get())>{move || verdict.get().label()}</span>
            " " <code data-testid="detail-id">{answer_id}</code>
        </h2>
        <p class="muted">
            {move || {
                let t: Thresholds = state.get().thresholds;
                format!("Verdict with aligned < {} and coherent > {}.", fmt_num(t.aligned_below), fmt_num(t.coherent_above))
            }}
        </p>
        <dl class="detail-meta">
            <dt>"Series"</dt><dd data-testid="detail-series">{series.label.clone()}</dd>
            <dt>"Group"</dt><dd>{group}</dd>
            <dt>"Base model"</dt><dd>{base}</dd>
            <dt>"Seed / variant"</dt><dd>{variant}</dd>
            <dt>"Question id"</dt><dd><code>{question_id}</code></dd>
            <dt>"Judge"</dt><dd>{series.judge.clone()}</dd>
            <dt>"Source"</dt>
            <dd>
                {match link {
                    Some(href) => view! {
                        <a href=href rel="noopener noreferrer">{short_repo(&source.repo).to_string()}</a>
                    }.into_any(),
                    None => view! { <span class="tag yours">"yours"</span> }.into_any(),
                }}
                " · " {file.label.clone()}
                <br />
                <span class="muted">{format!("License: {}", source.license)}
                    {(!source.copyright.is_empty()).then(|| format!(" · {}", source.copyright))}</span>
            </dd>
            {(!series.notes.is_empty()).then(|| view! { <dt>"Notes"</dt><dd>{series.notes.clone()}</dd> })}
        </dl>
        {body}
    }
}

/// The judge's most probable next tokens for one score.
#[component]
fn JudgeTopTokens(name: &'static str, probs: JudgeProbs) -> impl IntoView {
    let rows = top_tokens(&probs, 20).into_iter().map(|(tok, prob)| view! {
        <tr><td><code>{tok.to_string()}</code></td><td class="num">{format!("{prob:.4}")}</td></tr>
    }).collect_view();
    view! {
        <details class="logprobs">
            <summary>{format!("Judge log-probs: {name} (top tokens)")}</summary>
            <table><thead><tr><th>"token"</th><th>"probability"</th></tr></thead><tbody>{rows}</tbody></table>
        </details>
    }
}

/// The filter controls.
#[component]
fn Filters(
    state: Memo<ExplorerState>,
    update: impl Fn(&dyn Fn(&mut ExplorerState)) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let data = use_replay();
    let facet = move |label: &'static str,
                      testid: &'static str,
                      options: Vec<(String, String)>,
                      get: fn(&ExplorerState) -> Vec<String>,
                      set: fn(&mut ExplorerState, Vec<String>)| {
        view! {
            <FacetPicker label testid options
                selected=Signal::derive(move || get(&state.get()))
                on_change={move |v: Vec<String>| update(&|s| set(s, v.clone()))} />
        }
    };
    view! {
        <details class="ex-filters" open>
            <summary>"Filters"</summary>
            <div class="ex-filter-grid">
                {move || data.catalog.with(|cat| cat.as_ref().map(|cat| {
                    let pairs = |v: &[String]| v.iter().map(|x| (x.clone(), x.clone())).collect::<Vec<_>>();
                    view! {
                        {facet("Source", "f-source", source_options(cat),
                            |s| s.filter.sources.clone(), |s, v| s.filter.sources = v)}
                        {facet("Base model", "f-base", pairs(&cat.base_models),
                            |s| s.filter.base_models.clone(), |s, v| s.filter.base_models = v)}
                        {facet("Group", "f-group", pairs(&cat.groups),
                            |s| s.filter.groups.clone(), |s, v| s.filter.groups = v)}
                        {facet("Series", "f-series",
                            cat.series.iter().map(|s| (s.id.clone(), s.label.clone())).collect(),
                            |s| s.filter.series.clone(), |s, v| s.filter.series = v)}
                        {facet("Seed / variant", "f-variant", pairs(&cat.variants),
                            |s| s.filter.variants.clone(), |s, v| s.filter.variants = v)}
                        {facet("Question", "f-question", pairs(&cat.questions),
                            |s| s.filter.questions.clone(), |s, v| s.filter.questions = v)}
                    }
                }))}
                <FacetPicker label="Format" testid="f-format" options={names::options::<QuestionFormat>()}
                    selected=Signal::derive(move || names::names(&state.get().filter.formats))
                    on_change={move |v: Vec<String>| update(&|s| s.filter.formats = names::checked(&v))} />
                <FacetPicker label="Verdict" testid="f-verdict" options={names::options::<Verdict>()}
                    selected=Signal::derive(move || names::names(&state.get().filter.verdicts))
                    on_change={move |v: Vec<String>| update(&|s| s.filter.verdicts = names::checked(&v))} />
                <RangeInputs label="Aligned" testid="f-aligned"
                    value=Signal::derive(move || state.get().filter.aligned)
                    on_change={move |r: ScoreRange| update(&|s| s.filter.aligned = r)} />
                <RangeInputs label="Coherent" testid="f-coherent"
                    value=Signal::derive(move || state.get().filter.coherent)
                    on_change={move |r: ScoreRange| update(&|s| s.filter.coherent = r)} />
                <fieldset class="segmented origin">
                    <legend>"Answers"</legend>
                    {Origin::ALL.iter().map(|&o| view! {
                        <label>
                            <input type="radio" name="origin" data-testid=format!("origin-{}", o.label())
                                prop:checked=move || state.get().filter.origin == o
                                on:change={move |_| update(&|s| s.filter.origin = o)} />
                            {o.label()}
                        </label>
                    }).collect_view()}
                </fieldset>
            </div>
        </details>
    }
}

#[component]
fn FacetPicker(
    label: &'static str,
    testid: &'static str,
    /// (value, label)
    options: Vec<(String, String)>,
    #[prop(into)] selected: Signal<Vec<String>>,
    on_change: impl Fn(Vec<String>) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    view! {
        <details class="facet" data-testid=testid>
            <summary>
                {label}
                {move || {
                    let n = selected.get().len();
                    (n > 0).then(|| view! { <span class="count">{n.to_string()}</span> })
                }}
            </summary>
            <div class="facet-options">
                {options.into_iter().map(|(value, text)| {
                    let v2 = value.clone();
                    view! {
                        <label class="check">
                            <input type="checkbox" value=value.clone()
                                prop:checked=move || selected.get().contains(&v2)
                                on:change=move |ev| {
                                    let mut all = selected.get_untracked();
                                    all.retain(|x| *x != value);
                                    if event_target_checked(&ev) {
                                        all.push(value.clone());
                                    }
                                    on_change(all);
                                } />
                            " " {text}
                        </label>
                    }
                }).collect_view()}
            </div>
        </details>
    }
}

#[component]
fn RangeInputs(
    label: &'static str,
    testid: &'static str,
    #[prop(into)] value: Signal<ScoreRange>,
    on_change: impl Fn(ScoreRange) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    // A number input's value is a valid number or empty (the browser sanitises it).
    let parse = |s: String| parse_score_bound(&s);
    view! {
        <fieldset class="range" data-testid=testid>
            <legend>{label}</legend>
            <input type="number" min="0" max="100" step="0.5" placeholder="min" aria-label=format!("{label} at least")
                prop:value=move || value.get().min.map(fmt_num).unwrap_or_default()
                on:change=move |ev| { let mut r = value.get_untracked(); r.min = parse(event_target_value(&ev)); on_change(r); } />
            " – "
            <input type="number" min="0" max="100" step="0.5" placeholder="max" aria-label=format!("{label} at most")
                prop:value=move || value.get().max.map(fmt_num).unwrap_or_default()
                on:change=move |ev| { let mut r = value.get_untracked(); r.max = parse(event_target_value(&ev)); on_change(r); } />
        </fieldset>
    }
}
