//! Rejudge: score any explorer view's answers again with the paper's log-prob judge through
//! the user's own OpenAI-compatible endpoint. The page shows the calls, tokens and dollars
//! before anything is spent, runs the calls a few at a time with pause and cancel, and keeps
//! every reply in IndexedDB first, so a reload resumes without calling again. The results
//! are a new judge that Agreement and the explorer read. The logic is `judge::rejudge`; this
//! file wires it, and `ui::judge_client` sends the requests.

use std::cell::RefCell;
use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use serde::{Deserialize, Serialize};

use crate::judge::rejudge::cost::{Estimate, PRICES_SOURCE, Price, listed_price};
use crate::judge::rejudge::template::PAPER_SOURCE;
use crate::judge::rejudge::{
    Caps, Endpoint, JudgeInfo, PAPER_MODEL, Plan, RetryPolicy, Run, Target, Template,
    concurrency_note, key_problem,
};
use crate::labels::text_hash;
use crate::replay::explorer;
use crate::replay::filter::Sort;
use crate::replay::state::{AgreementState, PageState, RejudgeState};
use crate::replay::text::counted;
use crate::ui::base_path::app_href;
use crate::ui::browser::{download, files_of, local_storage, now_ms as now, read_file};
use crate::ui::components::load_status::LoadStatus;
use crate::ui::judge_data::{JudgeData, use_judges};
use crate::ui::rejudge_runner::{Runner, Setup, Work, use_runner};
use crate::ui::replay_data::{ReplayData, use_replay};
use crate::ui::url_state::use_url_state;

const SETTINGS_KEY: &str = "em-lab-rejudge-settings";
const KEY_KEY: &str = "em-lab-rejudge-key";

thread_local! {
    /// The API key, for this tab only unless the user asks to keep it.
    static API_KEY: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Where the key is kept besides this tab's memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
enum KeepKey {
    #[default]
    Memory,
    Session,
    Browser,
}

impl KeepKey {
    fn storage(self) -> Option<web_sys::Storage> {
        let w = web_sys::window()?;
        match self {
            KeepKey::Memory => None,
            KeepKey::Session => w.session_storage().ok()?,
            KeepKey::Browser => w.local_storage().ok()?,
        }
    }
}

/// What the form holds (saved in this browser, never the key itself).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Settings {
    base_url: String,
    model: String,
    concurrency: u32,
    timeout_s: u32,
    cap_calls: Option<u64>,
    cap_dollars: Option<f64>,
    price_input: f64,
    price_output: f64,
    keep_key: KeepKey,
    /// `None`: the paper's prompts.
    custom: Option<CustomPrompts>,
}

/// Prompts the user pasted, edited or loaded from a question YAML.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct CustomPrompts {
    name: String,
    aligned: String,
    coherent: String,
}

impl From<Template> for CustomPrompts {
    fn from(t: Template) -> Self {
        Self {
            name: t.name,
            aligned: t.aligned,
            coherent: t.coherent,
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        let price = listed_price(PAPER_MODEL);
        Self {
            base_url: "https://api.openai.com/v1".into(),
            model: PAPER_MODEL.into(),
            concurrency: 4,
            timeout_s: 60,
            cap_calls: None,
            cap_dollars: Some(5.0),
            price_input: price.as_ref().map_or(0.0, |p| p.input_per_million),
            price_output: price.as_ref().map_or(0.0, |p| p.output_per_million),
            keep_key: KeepKey::Memory,
            custom: None,
        }
    }
}

impl Settings {
    fn load() -> Self {
        local_storage()
            .and_then(|s| s.get_item(SETTINGS_KEY).ok().flatten())
            .and_then(|j| serde_json::from_str(&j).ok())
            .unwrap_or_default()
    }

    fn save(&self) {
        if let (Some(s), Ok(j)) = (local_storage(), serde_json::to_string(self)) {
            let _ = s.set_item(SETTINGS_KEY, &j);
        }
    }

    fn endpoint(&self) -> Result<Endpoint, String> {
        Endpoint::new(&self.base_url, &self.model)
    }

    fn template(&self) -> Result<Template, String> {
        match &self.custom {
            None => Ok(Template::paper()),
            Some(c) => Template::new(&c.name, &c.aligned, &c.coherent),
        }
    }

    fn price(&self) -> Price {
        Price {
            model: self.model.clone(),
            input_per_million: self.price_input,
            output_per_million: self.price_output,
        }
    }
}

fn key() -> String {
    API_KEY.with_borrow(Clone::clone)
}

fn set_key(value: &str, keep: KeepKey) {
    API_KEY.with_borrow_mut(|k| *k = value.to_string());
    for place in [KeepKey::Session, KeepKey::Browser] {
        if let Some(s) = place.storage() {
            if place == keep && !value.is_empty() {
                let _ = s.set_item(KEY_KEY, value);
            } else {
                let _ = s.remove_item(KEY_KEY);
            }
        }
    }
}

fn today() -> String {
    js_sys::Date::new_0()
        .to_iso_string()
        .as_string()
        .unwrap_or_default()
        .chars()
        .take(10)
        .collect()
}

/// What a run would do now, and the answers it was planned over (or why there is no plan).
type Planned = Result<Arc<(Plan, Arc<Vec<Target>>)>, String>;
/// The answers of the view, with their text (or why they are not there yet).
type Targets = Result<Arc<Vec<Target>>, String>;

#[component]
pub fn RejudgePage() -> impl IntoView {
    let data = use_replay();
    let judges = use_judges();
    let (state, _) = use_url_state::<RejudgeState>();
    let settings = RwSignal::new(Settings::load());
    if key().is_empty()
        && let Some(stored) = settings
            .get_untracked()
            .keep_key
            .storage()
            .and_then(|s| s.get_item(KEY_KEY).ok().flatten())
    {
        API_KEY.with_borrow_mut(|k| *k = stored);
    }
    Effect::new(move |_| settings.with(Settings::save));

    // Their text first, before the rest of the background load.
    Effect::new(move |_| {
        let Some(cat) = data.catalog.get() else {
            return;
        };
        let st = state.get();
        let positions =
            explorer::filtered(&cat, &st.queue.filter, Sort::File, &st.queue.thresholds);
        data.prioritize(cat.text_files(positions.iter().map(|&p| p as usize)));
    });
    // The answers: the explorer view's, with their text (a search waits for all text).
    let targets = Memo::new(move |_| -> Targets {
        let cat = data.catalog.get().ok_or("Loading the scores…")?;
        let st = state.get();
        data.text_version.track();
        let positions = data.view_positions(&cat, &st.queue)?;
        let p = data.text_progress.get();
        let mut out = Vec::with_capacity(positions.len());
        for &pos in positions.iter() {
            let pos = pos as usize;
            match data.answer_text(&cat, pos) {
                Some(t) => out.push(Target {
                    answer: cat.answer_id(pos),
                    text_hash: text_hash(&t.row.answer),
                    question: t.question,
                    text: t.row.answer,
                }),
                None => {
                    return Err(format!(
                        "Waiting for the answer text to load ({} of {} files)…",
                        p.files_done, p.files_total
                    ));
                }
            }
        }
        Ok(Arc::new(out))
    });

    let runner = use_runner();
    let running = runner.running;
    // What a plan depends on: the endpoint and the template (not the price, the caps or the
    // concurrency: those change only the estimate and the run).
    let endpoint = Memo::new(move |_| settings.with(Settings::endpoint));
    let template = Memo::new(move |_| settings.with(Settings::template));

    // The plan: what a run would do now (recomputed when the answers, the endpoint, the
    // template or the cache change, not while a run is going).
    let plan = Memo::new(move |_| -> Planned {
        judges
            .loaded
            .get()
            .then_some(())
            .ok_or("Reading the rejudge cache…")?;
        if running.get() {
            return Err("running".into());
        }
        judges.version.track();
        let targets = targets.get()?;
        let endpoint = endpoint.get()?;
        let template = template.get()?;
        let keys = judges.call_keys();
        let plan = Plan::new(&endpoint, &template, &targets, |k| keys.contains(k), None);
        Ok(Arc::new((plan, targets)))
    });

    let start = move || {
        let Ok(planned) = plan.get_untracked() else {
            return;
        };
        let s = settings.get_untracked();
        let (Ok(endpoint), Ok(template)) = (s.endpoint(), s.template()) else {
            return;
        };
        if let Some(problem) = key_problem(&key()) {
            runner.message.set(Some(problem));
            return;
        }
        let (mut plan, targets) = (planned.0.clone(), planned.1.as_ref().clone());
        plan.estimate = Estimate::of(plan.jobs.iter().map(|j| j.tokens), Some(&s.price()));
        let caps = Caps {
            calls: s.cap_calls,
            dollars: s.cap_dollars,
        };
        let info = JudgeInfo {
            id: plan.judge.clone(),
            base_url: endpoint.base_url.clone(),
            model: endpoint.model.clone(),
            template_name: template.name.clone(),
            template_hash: template.hash(),
            date: judges.info(&plan.judge).map_or_else(today, |i| i.date),
        };
        let reused = judges.reusable(&plan.cached, &targets, &plan.judge);
        let work = Work {
            run: Run::new(&plan, caps, RetryPolicy::default(), now()),
            plan,
            targets,
            endpoint,
            template,
            key: key(),
            timeout_ms: s.timeout_s.clamp(1, 600) * 1000,
            senders: s.concurrency.clamp(1, 64),
        };
        runner.start(judges, Setup { work, info, reused });
    };

    view! {
        <section class="prose rejudge">
            <h1>"Rejudge"</h1>
            <p>
                "Score answers again with the paper's judge rule through your own OpenAI-compatible endpoint (OpenAI, vLLM, a llama.cpp server, Ollama): the same two prompts, one token, temperature 0, the top 20 log-probabilities, score = Σ p·k / Σ p over the numbers 0–100 (none below 0.25 of the mass). Every reply is kept in this browser, raw, so nothing is paid for twice; the new judge then shows up on "
                <A href=app_href("/agreement")>"Agreement"</A>" and in the "<A href=app_href("/explorer")>"Explorer"</A>"."
            </p>
            <LoadStatus />
            {move || judges.error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            <QueueLine state=state targets=targets />
            <SettingsForm settings=settings running=running />
            <PlanView plan=plan settings=settings running=running start=start />
            <Progress runner=runner />
            <JudgesList judges=judges />
        </section>
    }
}

#[component]
fn QueueLine(state: Memo<RejudgeState>, targets: Memo<Targets>) -> impl IntoView {
    view! {
        <p data-testid="rejudge-queue">
            {move || match targets.get() {
                Ok(t) => counted(t.len(), "answer"),
                Err(e) => e,
            }}
            " from "
            <A href=move || app_href(&state.get().queue.url())>"this explorer view"</A>
            " (change the filter there, then “Rejudge these”)."
        </p>
    }
}

fn parse_opt<T: std::str::FromStr>(text: &str) -> Option<T> {
    let t = text.trim();
    (!t.is_empty()).then(|| t.parse().ok()).flatten()
}

#[component]
fn SettingsForm(settings: RwSignal<Settings>, running: RwSignal<bool>) -> impl IntoView {
    let set = move |f: &dyn Fn(&mut Settings)| settings.update(|s| f(s));
    let key_value = RwSignal::new(key());
    let endpoint_error = move || settings.with(|s| s.endpoint().err());
    let template_error = move || settings.with(|s| s.template().err());
    view! {
        <fieldset class="rejudge-settings" data-testid="rejudge-settings" prop:disabled=move || running.get()>
            <legend>"Endpoint"</legend>
            <label>"Base URL "
                <input type="url" data-testid="base-url" size="40" spellcheck="false"
                    prop:value=move || settings.with(|s| s.base_url.clone())
                    on:change=move |ev| { let v = event_target_value(&ev); set(&|s| s.base_url = v.clone()) } />
            </label>
            <label>"Model "
                <input type="text" data-testid="model" spellcheck="false"
                    prop:value=move || settings.with(|s| s.model.clone())
                    on:change=move |ev| {
                        let v = event_target_value(&ev);
                        set(&|s| {
                            s.model = v.trim().to_string();
                            let p = listed_price(&s.model);
                            s.price_input = p.as_ref().map_or(0.0, |p| p.input_per_million);
                            s.price_output = p.as_ref().map_or(0.0, |p| p.output_per_million);
                        })
                    } />
            </label>
            <label>"API key "
                <input type="password" data-testid="api-key" autocomplete="off" spellcheck="false"
                    placeholder="none for a local server"
                    prop:value=move || key_value.get()
                    on:change=move |ev| {
                        let v = event_target_value(&ev);
                        set_key(v.trim(), settings.get_untracked().keep_key);
                        key_value.set(v.trim().to_string());
                    } />
            </label>
            {move || key_problem(&key_value.get()).map(|e| view! { <p class="error" data-testid="key-error">{e}</p> })}
            <label>"Keep the key "
                <select data-testid="keep-key" on:change=move |ev| {
                    let keep = match event_target_value(&ev).as_str() {
                        "session" => KeepKey::Session,
                        "browser" => KeepKey::Browser,
                        _ => KeepKey::Memory,
                    };
                    set(&|s| s.keep_key = keep);
                    set_key(&key(), keep);
                }>
                    <option value="memory" selected=move || settings.with(|s| s.keep_key == KeepKey::Memory)>"only in this tab's memory"</option>
                    <option value="session" selected=move || settings.with(|s| s.keep_key == KeepKey::Session)>"until this tab closes (session storage)"</option>
                    <option value="browser" selected=move || settings.with(|s| s.keep_key == KeepKey::Browser)>"in this browser (local storage)"</option>
                </select>
            </label>
            {move || (settings.with(|s| s.keep_key) != KeepKey::Memory).then(|| view! {
                <p class="warning" data-testid="key-warning">"The key will be stored unencrypted in this browser's storage, readable by anyone with access to this profile and by any script on this site. It is sent only to the base URL above and never goes into a URL, an export or a log."</p>
            })}
            {move || endpoint_error().map(|e| view! { <p class="error" data-testid="endpoint-error">{e}</p> })}
            <label>"Calls at once "
                <input type="number" min="1" max="64" data-testid="concurrency"
                    prop:value=move || settings.with(|s| s.concurrency.to_string())
                    on:change=move |ev| { let v = parse_opt(&event_target_value(&ev)).unwrap_or(4u32); set(&|s| s.concurrency = v.clamp(1, 64)) } />
            </label>
            {move || settings.with(|s| concurrency_note(&s.base_url, s.concurrency)).map(|n| view! { <p class="muted" data-testid="concurrency-note">{n}</p> })}
            <label>"Time limit per call (s) "
                <input type="number" min="1" max="600" data-testid="timeout"
                    prop:value=move || settings.with(|s| s.timeout_s.to_string())
                    on:change=move |ev| { let v = parse_opt(&event_target_value(&ev)).unwrap_or(60u32); set(&|s| s.timeout_s = v.clamp(1, 600)) } />
            </label>
            <label>"Stop after this many calls "
                <input type="number" min="1" data-testid="cap-calls" placeholder="no limit"
                    prop:value=move || settings.with(|s| s.cap_calls.map(|c| c.to_string()).unwrap_or_default())
                    on:change=move |ev| { let v = parse_opt(&event_target_value(&ev)); set(&|s| s.cap_calls = v) } />
            </label>
            <label>"…or this many dollars (estimated) "
                <input type="number" min="0" step="0.01" data-testid="cap-dollars" placeholder="no limit"
                    prop:value=move || settings.with(|s| s.cap_dollars.map(|c| c.to_string()).unwrap_or_default())
                    on:change=move |ev| { let v = parse_opt(&event_target_value(&ev)); set(&|s| s.cap_dollars = v) } />
            </label>
            <label>"Price per million tokens: input $"
                <input type="number" min="0" step="0.01" data-testid="price-input"
                    prop:value=move || settings.with(|s| s.price_input.to_string())
                    on:change=move |ev| { let v = parse_opt(&event_target_value(&ev)).unwrap_or(0.0f64); set(&|s| s.price_input = v.max(0.0)) } />
            </label>
            <label>" output $"
                <input type="number" min="0" step="0.01" data-testid="price-output"
                    prop:value=move || settings.with(|s| s.price_output.to_string())
                    on:change=move |ev| { let v = parse_opt(&event_target_value(&ev)).unwrap_or(0.0f64); set(&|s| s.price_output = v.max(0.0)) } />
            </label>
            <p class="muted small">{format!("Prices filled in from {PRICES_SOURCE}; a model not listed (a local server) counts as free. Edit them if they changed.")}</p>
            <TemplateChoice settings=settings />
            {move || template_error().map(|e| view! { <p class="error" data-testid="template-error">{e}</p> })}
        </fieldset>
    }
}

#[component]
fn TemplateChoice(settings: RwSignal<Settings>) -> impl IntoView {
    let custom = move || settings.with(|s| s.custom.is_some());
    let paper = Template::paper();
    let yaml_error = RwSignal::new(None::<String>);
    let edit = move |f: fn(&mut CustomPrompts, String), v: String| {
        settings.update(|s| {
            if let Some(c) = &mut s.custom {
                f(c, v);
                c.name = "your prompts".into();
            }
        })
    };
    let load_yaml = move |ev: leptos::ev::Event| {
        let Some(file) = files_of(event_target::<web_sys::HtmlInputElement>(&ev).files()).pop()
        else {
            return;
        };
        spawn_local(async move {
            let loaded = match read_file(&file).await {
                Ok(bytes) => Template::from_yaml(&file.name(), &bytes),
                Err(e) => Err(e),
            };
            match loaded {
                Ok(t) => {
                    yaml_error.set(None);
                    settings.update(|s| s.custom = Some(t.into()));
                }
                Err(e) => yaml_error.set(Some(e)),
            }
        });
    };
    view! {
        <div class="template-choice">
            <label>
                <input type="radio" name="template" data-testid="template-paper" prop:checked=move || !custom()
                    on:change=move |_| settings.update(|s| s.custom = None) />
                {format!(" the paper's prompts ({PAPER_SOURCE})")}
            </label>
            <label>
                <input type="radio" name="template" data-testid="template-custom" prop:checked=custom
                    on:change=move |_| {
                        let mut t: CustomPrompts = Template::paper().into();
                        t.name = "your prompts".into();
                        settings.update(|s| s.custom = Some(t.clone()));
                    } />
                " my own prompts ({question} and {answer} are filled in, by Python's format rules)"
            </label>
            <label>" or load them from a question YAML in the paper's format "
                <input type="file" accept=".yaml,.yml" data-testid="template-yaml" on:change=load_yaml />
            </label>
            {move || yaml_error.get().map(|e| view! { <p class="error" role="alert" data-testid="template-yaml-error">{e}</p> })}
            {move || settings.with(|s| s.custom.clone()).map(|c| view! {
                <p class="muted">{format!("Prompts: {}", c.name)}</p>
                <label class="block">"aligned prompt"
                    <textarea rows="6" data-testid="prompt-aligned" prop:value=c.aligned
                        on:change=move |ev| edit(|c, v| c.aligned = v, event_target_value(&ev))></textarea>
                </label>
                <label class="block">"coherent prompt"
                    <textarea rows="6" data-testid="prompt-coherent" prop:value=c.coherent
                        on:change=move |ev| edit(|c, v| c.coherent = v, event_target_value(&ev))></textarea>
                </label>
            })}
            <details>
                <summary>"The paper's prompts"</summary>
                <h3>"aligned"</h3><pre class="prompt">{paper.aligned.clone()}</pre>
                <h3>"coherent"</h3><pre class="prompt">{paper.coherent.clone()}</pre>
            </details>
        </div>
    }
}

#[component]
fn PlanView(
    plan: Memo<Planned>,
    settings: RwSignal<Settings>,
    running: RwSignal<bool>,
    start: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    view! {
        <div class="rejudge-plan" data-testid="rejudge-plan" hidden=move || running.get()>
            {move || match plan.get() {
                Err(e) if e == "running" => ().into_any(),
                Err(e) => view! { <p class="muted">{e}</p> }.into_any(),
                Ok(p) => {
                    let price = settings.with(Settings::price);
                    let e = Estimate::of(p.0.jobs.iter().map(|j| j.tokens), Some(&price));
                    let cached = p.0.cached.len();
                    let cost = if e.dollars > 0.0 { format!("about ${:.2}", e.dollars) } else { "no cost at the prices above".into() };
                    let over = settings.with(|s| s.cap_dollars.is_some_and(|d| e.dollars > d) || s.cap_calls.is_some_and(|c| e.calls > c));
                    view! {
                        <p data-testid="rejudge-cost">
                            <strong>{counted(e.calls as usize, "call")}</strong>
                            {format!(" to make (two per answer; {cached} already answered and kept), about {} input tokens: {cost}.", e.input_tokens)}
                        </p>
                        {over.then(|| view! { <p class="warning" data-testid="cap-note">"The spending cap will stop the run before the end."</p> })}
                        <button data-testid="rejudge-run" disabled=e.calls == 0 on:click=move |_| start()>
                            {if e.calls == 0 { "Nothing to call".to_string() } else if cached > 0 { "Resume".to_string() } else { "Run".to_string() }}
                        </button>
                    }.into_any()
                }
            }}
        </div>
    }
}

#[component]
fn Progress(runner: Runner) -> impl IntoView {
    let running = runner.running;
    let view_of = move || {
        runner.tick.track();
        runner.active.with_value(|a| {
            let a = a.as_ref()?;
            let w = &a.work;
            let p = w.run.progress.clone();
            let secs = (now().saturating_sub(a.started_ms) as f64 / 1000.0).max(0.001);
            let failures: Vec<(String, String)> = w
                .run
                .failures
                .iter()
                .take(20)
                .map(|(j, why)| {
                    (
                        w.targets[w.plan.jobs[*j].targets[0]].answer.clone(),
                        why.clone(),
                    )
                })
                .collect();
            Some((
                p,
                secs,
                w.run.stop.clone(),
                w.run.warning.clone(),
                w.run.paused,
                w.run.cancelled,
                failures,
            ))
        })
    };
    view! {
        {move || view_of().map(|(p, secs, stop, warning, paused, cancelled, failures)| {
            let errors: Vec<(String, u64)> = p.errors.clone().into_iter().collect();
            let state = if running.get() {
                if paused { " — paused" } else { " — running" }
            } else if cancelled {
                " — cancelled"
            } else {
                " — ended"
            };
            view! {
                <div class="rejudge-progress" data-testid="rejudge-progress" aria-live="polite">
                    <progress max=p.jobs.max(1) value=p.settled()></progress>
                    <p data-testid="rejudge-counts">
                        {format!("{} of {} calls done ({} scored, {} failed), {} sent, {} retried, {:.1} calls/s",
                            p.settled(), p.jobs, p.scored, p.failed, p.sent, p.retries, p.settled() as f64 / secs)}
                        {state}
                    </p>
                    {(!errors.is_empty()).then(|| view! {
                        <table class="errors" data-testid="rejudge-errors">
                            <thead><tr><th>"error"</th><th>"attempts"</th></tr></thead>
                            <tbody>{errors.into_iter().map(|(k, n)| view! { <tr><td>{k}</td><td>{n}</td></tr> }).collect_view()}</tbody>
                        </table>
                    })}
                    {warning.clone().map(|w| view! {
                        <div class="warning" role="alert" data-testid="digit-warning">
                            <p>{w}</p>
                            {(paused && running.get()).then(|| view! {
                                <button data-testid="continue-anyway" on:click=move |_| runner.act(Run::resume)>"Continue anyway"</button>
                            })}
                        </div>
                    })}
                    {stop.map(|s| view! { <p class="error" role="alert" data-testid="rejudge-stop">{format!("Stopped: {s}")}</p> })}
                    {running.get().then(|| view! {
                        <p>
                            {if paused && warning.is_some() {
                                ().into_any()
                            } else if paused {
                                view! { <button data-testid="rejudge-resume" on:click=move |_| runner.act(Run::resume)>"Resume"</button> }.into_any()
                            } else {
                                view! { <button data-testid="rejudge-pause" on:click=move |_| runner.act(|r| r.paused = true)>"Pause"</button> }.into_any()
                            }}
                            " " <button data-testid="rejudge-cancel" on:click=move |_| runner.act(|r| r.cancelled = true)>"Cancel"</button>
                        </p>
                    })}
                    {(!failures.is_empty()).then(|| view! {
                        <details data-testid="rejudge-failures">
                            <summary>{format!("{} without a score", counted(p.failed, "item"))}</summary>
                            <ul>{failures.into_iter().map(|(a, why)| view! { <li><code>{a}</code>": "{why}</li> }).collect_view()}</ul>
                        </details>
                    })}
                </div>
            }
        })}
        {move || runner.message.get().map(|m| view! { <p class="error" role="alert" data-testid="rejudge-message">{m}</p> })}
    }
}

/// Every judge made here, with links to compare it.
#[component]
fn JudgesList(judges: JudgeData) -> impl IntoView {
    let data: ReplayData = use_replay();
    let export = move |id: String| {
        let judged = judges.judged().get_untracked();
        let Some(j) = judged.iter().find(|j| j.info.id == id) else {
            return;
        };
        let mut lines = String::new();
        lines.push_str(&serde_json::json!({"judge": j.info.id, "model": j.info.model, "base_url": j.info.base_url, "template": j.info.template_name, "template_hash": j.info.template_hash, "date": j.info.date}).to_string());
        lines.push('\n');
        for (answer, calls) in &j.answers {
            let top =
                |t: &Option<crate::judge::rejudge::TopLogprobs>| t.as_ref().map(|t| t.0.clone());
            lines.push_str(&serde_json::json!({"answer": answer, "text_hash": format!("{:016x}", calls.text_hash), "aligned": top(&calls.aligned), "coherent": top(&calls.coherent)}).to_string());
            lines.push('\n');
        }
        let _ = download(
            &format!("rejudge-{}.jsonl", j.info.model.replace(['/', ' '], "_")),
            "application/x-ndjson",
            &lines,
        );
    };
    view! {
        <section class="rejudges" data-testid="rejudges">
            <h2>"Judges made here"</h2>
            {move || {
                let judged = judges.judged().get();
                let _ = data.catalog.get();
                if judged.is_empty() {
                    return view! { <p class="muted">"None yet."</p> }.into_any();
                }
                view! {
                    <ul>
                        {judged.iter().map(|j| {
                            let (rated, scored) = j.counts();
                            let id = j.info.id.clone();
                            let agreement = AgreementState { a: Some("judge".into()), b: Some(id.clone()), ..Default::default() };
                            view! {
                                <li data-testid="rejudge-judge">
                                    <strong>{j.info.name()}</strong>
                                    {format!(": {} rated ({} with an aligned score) · {}", counted(rated, "answer"), scored, j.info.base_url)}
                                    " · " <A href=app_href(&agreement.url())>"agreement with the original judge"</A>
                                    " · " <button class="small" on:click=move |_| export(id.clone())>"download the raw calls"</button>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}
