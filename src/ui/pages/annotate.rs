//! Annotate: label answers by hand, keyboard first. The queue is any explorer view ("Annotate
//! these"); each annotator works through it in their own order; blind mode (the default)
//! keeps model, group, file, seed and the judge's scores out of the page until a label is
//! saved. Every label is written to IndexedDB before the page moves on (`labels::session`),
//! so a reload loses nothing that was shown as saved. What the page computes is `labels`
//! and `replay::labelling`; this file wires it.

use std::sync::Arc;
use std::time::Duration;

use leptos::ev;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use wasm_bindgen::JsCast;

use crate::judge::Rating;
use crate::judge::Thresholds;
use crate::labels::check::{check, describe};
use crate::labels::csv::{self as labels_csv, AnswerContext};
use crate::labels::desk::{self as desk_model, Effect as DeskEffect};
use crate::labels::guidelines::{SOURCE, guidelines};
use crate::labels::keys::{Action, CHEAT_SHEET, Draft, Focus, action};
use crate::labels::log::Event;
use crate::labels::queue::{Order, SavedQueues};
use crate::labels::session::Session;
use crate::labels::{Aligned, Flag, Judgement, jsonl, text_hash};
use crate::replay::catalog::Catalog;
use crate::replay::labelling::judge_rating;
use crate::replay::names::Named;
use crate::replay::state::{AnnotateState, PageState};
use crate::replay::text::counted;
use crate::ui::base_path::app_href;
use crate::ui::browser::{download, files_of, local_storage, now_ms as now, read_file};
use crate::ui::components::answer::{answer_body, scores_line, verdict_class};
use crate::ui::components::label_trust::SetAsideNotice;
use crate::ui::components::load_status::LoadStatus;
use crate::ui::components::team_sync_panel::TeamSyncPanel;
use crate::ui::label_data::{LabelData, LabelStatus, use_labels};
use crate::ui::replay_data::{ReplayData, use_replay};
use crate::ui::url_state::{SetUrlState, use_url_state};

#[component]
pub fn AnnotatePage() -> impl IntoView {
    let labels = use_labels();
    view! {
        <section class="prose annotate">
            <h1>"Annotate"</h1>
            <p>
                "Label answers by hand with the judge's own two questions, and see on "
                <A href=app_href("/agreement")>"Agreement"</A>
                " how far people and the judge agree. Everything is saved in this browser as you go; export to share."
            </p>
            <LoadStatus />
            {move || match labels.status.get() {
                LabelStatus::Loading => view! { <p class="muted">"Reading your labels…"</p> }.into_any(),
                LabelStatus::Failed(e) => view! {
                    <p class="error" role="alert">{format!("Labels cannot be saved in this browser: {e}")}</p>
                }.into_any(),
                LabelStatus::Ready if labels.annotator.get().is_empty() => view! { <AnnotatorForm /> }.into_any(),
                LabelStatus::Ready => view! { <Workbench /> }.into_any(),
            }}
        </section>
    }
}

/// The annotator says who they are once; the name goes into every label, which this
/// browser's key signs. The page goes on only once both are stored.
#[component]
fn AnnotatorForm() -> impl IntoView {
    let labels = use_labels();
    let name = RwSignal::new(labels.stored_name());
    let failed = RwSignal::new(None::<String>);
    let saving = RwSignal::new(false);
    let save = move || {
        let typed = name.get_untracked();
        if typed.trim().is_empty() || saving.get_untracked() {
            return;
        }
        saving.set(true);
        spawn_local(async move {
            let result = labels.name_annotator(&typed).await;
            let _ = saving.try_set(false);
            let _ = failed.try_set(result.err());
        });
    };
    view! {
        <form class="annotator-form" on:submit=move |ev| { ev.prevent_default(); save(); }>
            <label>
                "Your name (written into every label you give, which this browser signs; kept in this browser) "
                <input type="text" data-testid="annotator-name" maxlength="80" autofocus
                    prop:value=move || name.get()
                    on:input=move |ev| name.set(event_target_value(&ev)) />
            </label>
            " " <button type="submit" data-testid="annotator-save" disabled=move || saving.get()>"Start"</button>
            {move || failed.get().map(|e| view! { <p class="error" role="alert">{format!("Your name could not be stored: {e}")}</p> })}
        </form>
    }
}

/// How long a write may take before the page says "Saving…".
const SAVING_SHOWN_AFTER: Duration = Duration::from_millis(150);

/// Runs `f` once the next frame has been drawn: work that should not delay it.
fn after_next_frame(f: impl FnOnce() + 'static) {
    request_animation_frame(move || set_timeout(f, Duration::ZERO));
}

/// Everything the keyboard and the buttons act on (all `Copy` handles): the desk's model
/// (`labels::desk`: what a key does, what waits while a label is written) and the signals
/// the page shows it through.
#[derive(Clone, Copy)]
struct Desk {
    data: ReplayData,
    labels: LabelData,
    state: Memo<AnnotateState>,
    model: StoredValue<Option<desk_model::Desk>>,
    /// Bumped whenever the session changes.
    tick: RwSignal<u64>,
    draft: RwSignal<Draft>,
    /// "Saving…" is on screen: only for a write slower than [`SAVING_SHOWN_AFTER`], so a
    /// keypress changes nothing on the page until the label is stored and the next answer
    /// can be shown (a frame rendered in between delays the storage's reply).
    saving_shown: RwSignal<bool>,
    message: RwSignal<Option<String>>,
    /// The answer just saved: (catalog position, your label).
    reveal: RwSignal<Option<(usize, Judgement)>>,
    help: RwSignal<bool>,
    /// The labels' version right after this page's own last write (other changes — a sync,
    /// another tab — are taken into the session).
    own_version: StoredValue<u64>,
    note: NodeRef<leptos::html::Textarea>,
    url: SetUrlState<AnnotateState>,
    /// The URL is behind the place on screen (see [`Desk::moved`]).
    url_due: StoredValue<bool>,
}

impl Desk {
    fn catalog(self) -> Option<Arc<Catalog>> {
        self.data.catalog.get_untracked()
    }

    /// Reads the session (`None` before it is built).
    fn with_session<R>(self, f: impl FnOnce(&Session) -> R) -> Option<R> {
        self.model
            .try_with_value(|m| m.as_ref().map(|m| f(&m.session)))
            .flatten()
    }

    /// Catalog position of the answer at a place in the annotator's order.
    fn position_at(self, place: usize) -> Option<usize> {
        let cat = self.catalog()?;
        self.with_session(|s| s.answer_at(place).map(str::to_string))
            .flatten()
            .and_then(|id| cat.position_of(&id))
    }

    fn place(self) -> usize {
        self.with_session(Session::position).unwrap_or(0)
    }

    /// The hash of the text an answer shows (once its text has loaded).
    fn text_hash(self) -> impl Fn(&str) -> Option<u64> {
        let cat = self.catalog();
        move |id: &str| {
            let cat = cat.as_ref()?;
            let pos = cat.position_of(id)?;
            self.data
                .answer_text(cat, pos)
                .map(|t| text_hash(&t.row.answer))
        }
    }

    /// Runs the model, then shows what changed and does what it asks.
    fn drive(
        self,
        step: impl FnOnce(&mut desk_model::Desk, &dyn Fn(&str) -> Option<u64>) -> Vec<DeskEffect>,
    ) {
        let hash = self.text_hash();
        let effects = self
            .model
            .try_update_value(|m| m.as_mut().map(|m| step(m, &hash)))
            .flatten()
            .unwrap_or_default();
        self.show();
        for effect in effects {
            match effect {
                DeskEffect::Store(events) => self.persist(events),
                DeskEffect::Moved => self.moved(),
                DeskEffect::FocusNote => {
                    if let Some(n) = self.note.get_untracked() {
                        let _ = n.focus();
                    }
                }
            }
        }
    }

    /// The model's draft, message, reveal and cheat sheet, on the page (each signal only when
    /// it changed).
    fn show(self) {
        let Some((draft, message, reveal, help)) = self
            .model
            .try_with_value(|m| {
                m.as_ref()
                    .map(|m| (m.draft.clone(), m.message.clone(), m.reveal.clone(), m.help))
            })
            .flatten()
        else {
            return;
        };
        let reveal = reveal.and_then(|r| {
            let pos = self.catalog()?.position_of(&r.answer)?;
            Some((pos, r.label))
        });
        if self.draft.get_untracked() != draft {
            self.draft.set(draft);
        }
        if self.message.get_untracked() != message {
            self.message.set(message);
        }
        if self.reveal.get_untracked() != reveal {
            self.reveal.set(reveal);
        }
        if self.help.get_untracked() != help {
            self.help.set(help);
        }
    }

    /// After a move: the URL shows the place.
    ///
    /// The URL catches up once the next answer is on screen (after the next frame): a history
    /// entry costs Chromium several milliseconds (a same-document navigation, and it fetches
    /// the favicon again), which would otherwise delay every label. Moves within one frame
    /// write it once. A reload in that window comes back to the answer just labelled.
    fn moved(self) {
        self.tick.update(|t| *t += 1);
        if !self.url_due.get_value() {
            self.url_due.set_value(true);
            after_next_frame(move || self.write_url());
        }
    }

    fn write_url(self) {
        if self.url_due.try_get_value() != Some(true) {
            return; // the page has gone
        }
        self.url_due.set_value(false);
        self.navigate_to(|_| {});
    }

    /// The page's URL with a change to its state, at the place on screen.
    fn navigate_to(self, change: impl FnOnce(&mut AnnotateState)) {
        let mut st = self.state.get_untracked();
        change(&mut st);
        st.position = Some(self.place());
        self.url.replace(&st);
    }

    fn go_to(self, place: usize) {
        self.drive(|m, _| m.go_to(place));
    }

    /// Writes the model's events (signed); it commits and moves on once they are stored.
    fn persist(self, events: Vec<Event>) {
        set_timeout(
            move || {
                let saving = self
                    .model
                    .try_with_value(|m| m.as_ref().is_some_and(desk_model::Desk::is_saving));
                if saving == Some(true) {
                    self.saving_shown.set(true);
                }
            },
            SAVING_SHOWN_AFTER,
        );
        spawn_local(async move {
            let stored = self.labels.store_own(events).await;
            if self.tick.try_get_untracked().is_none() {
                return; // the page has gone (the label is stored all the same)
            }
            if stored.is_ok() {
                self.own_version
                    .set_value(self.labels.version.get_untracked());
            }
            if self.saving_shown.get_untracked() {
                self.saving_shown.set(false);
            }
            self.drive(|m, hash| m.stored(stored, hash, now()));
        });
    }

    fn act(self, a: Action) {
        self.drive(|m, hash| m.act(a, hash, now()));
    }
}

#[component]
fn Workbench() -> impl IntoView {
    let data = use_replay();
    let labels = use_labels();
    let (state, url) = use_url_state::<AnnotateState>();
    let desk = Desk {
        data,
        labels,
        state,
        model: StoredValue::new(None),
        tick: RwSignal::new(0),
        draft: RwSignal::new(Draft::default()),
        saving_shown: RwSignal::new(false),
        message: RwSignal::new(None),
        reveal: RwSignal::new(None),
        help: RwSignal::new(false),
        own_version: StoredValue::new(0),
        note: NodeRef::new(),
        url,
        url_due: StoredValue::new(false),
    };
    let waiting = RwSignal::new(None::<String>);

    // The session: built once per (queue, annotator) when the catalog and labels are there.
    // (Keyed by the catalog's size too: the user's own files join it after the bundled ones.)
    let built_for = StoredValue::new(None::<(String, String, usize)>);
    Effect::new(move |_| {
        let st = state.get();
        let who = labels.annotator.get();
        let Some(cat) = data.catalog.get() else {
            return;
        };
        let key = (st.queue.to_query(), who.clone(), cat.len());
        if built_for.get_value().as_ref() == Some(&key) {
            if let Some(p) = st.position.filter(|&p| p != desk.place()) {
                desk.go_to(p);
            }
            return;
        }
        let positions = match data.view_positions(&cat, &st.queue) {
            Ok(p) => p,
            Err(why) => {
                waiting.set(Some(why));
                return;
            }
        };
        waiting.set(None);
        let order = Order::new(&who, positions.iter().map(|&p| cat.answer_id(p as usize)));
        let mut session = Session::new(&who, order, labels.with(Clone::clone));
        // A rebuild (more answers) stays on the answer on screen; a first build goes to the
        // URL's place.
        let on_screen = desk
            .with_session(|s| s.answer().map(str::to_string))
            .flatten();
        if let Some(p) = on_screen
            .and_then(|id| session.position_of(&id))
            .or(st.position)
        {
            session.go_to(p);
        }
        desk.model.update_value(|m| match m {
            Some(m) => m.replace_session(session),
            None => *m = Some(desk_model::Desk::new(session)),
        });
        built_for.set_value(Some(key));
        desk.show();
        desk.moved();
    });
    // Labels that arrive from elsewhere (a sync, an import in another tab) join the session.
    Effect::new(move |_| {
        let version = labels.version.get();
        if version != desk.own_version.get_value() {
            labels.with(|r| {
                desk.model.update_value(|m| {
                    if let Some(m) = m {
                        m.session.refresh(r)
                    }
                })
            });
            desk.tick.update(|t| *t += 1);
        }
    });

    // The answer on screen and the next one, their text first.
    let places = Memo::new(move |_| {
        desk.tick.track();
        desk.with_session(|s| (s.position(), s.upcoming()))
    });
    let current = Memo::new(move |_| places.get().and_then(|(p, _)| desk.position_at(p)));
    let upcoming = Memo::new(move |_| places.get().and_then(|(_, u)| desk.position_at(u)));
    // The next answer is laid out ahead (invisible), once the current one is on screen: a
    // save then only has to show it, with no text to shape in the keypress's frame.
    let ahead = RwSignal::new(None::<usize>);
    Effect::new(move |_| {
        let next = upcoming.get();
        after_next_frame(move || {
            let _ = ahead.try_set(next); // (the page may have gone)
        });
    });
    Effect::new(move |_| {
        let wanted: Vec<usize> = [current.get(), upcoming.get()]
            .into_iter()
            .flatten()
            .collect();
        if let Some(cat) = data.catalog.get_untracked() {
            data.prioritize(cat.text_files(wanted));
        }
    });

    let handle = window_event_listener(ev::keydown, move |e: web_sys::KeyboardEvent| {
        let target = e
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok());
        let key = e.key();
        match target
            .as_ref()
            .map(|el| (el.tag_name(), el.get_attribute("type").unwrap_or_default()))
        {
            // Typing (the note): no shortcuts; Esc leaves the field.
            Some((tag, kind))
                if tag == "TEXTAREA"
                    || tag == "SELECT"
                    || (tag == "INPUT"
                        && !matches!(kind.as_str(), "checkbox" | "radio" | "file")) =>
            {
                if key == "Escape"
                    && let Some(el) = &target
                {
                    let _ = el.blur();
                }
                return;
            }
            // A disclosure or a link keeps its own Enter; a checkbox its own Space.
            Some((tag, _))
                if matches!(tag.as_str(), "SUMMARY" | "A") && (key == "Enter" || key == " ") =>
            {
                return;
            }
            Some((tag, _)) if tag == "INPUT" && key == " " => return,
            // A button clicked with the mouse keeps the focus: Enter still saves the label
            // (and never clicks that button again).
            Some((tag, _)) if tag == "BUTTON" => {
                if let Some(el) = &target {
                    let _ = el.blur();
                }
                if key == " " {
                    return;
                }
            }
            _ => {}
        }
        if let Some(a) = action(
            &key,
            e.ctrl_key() || e.meta_key(),
            e.shift_key(),
            e.alt_key(),
        ) {
            e.prevent_default();
            desk.act(a);
        }
    });
    on_cleanup(move || handle.remove());

    let progress = Memo::new(move |_| {
        desk.tick.track();
        desk.with_session(|s| (s.progress(), s.position(), s.len()))
    });

    view! {
        <QueueBar desk=desk />
        {move || waiting.get().map(|w| view! { <p class="muted">{w}</p> })}
        {move || progress.get().map(|(p, place, len)| view! {
            <div class="annotate-progress" data-testid="progress">
                <label>
                    {format!("Answer {} of {} · done {} · skipped {} · left {} ", (place + 1).min(len), len, p.done, p.skipped, p.left)}
                    <progress max=len.max(1).to_string() value=p.done.to_string() />
                </label>
                {(len > 0 && p.left == 0).then(|| view! { <strong>" Queue finished — thank you."</strong> })}
            </div>
        })}
        <p class="error" role="alert" data-testid="annotate-message">{move || desk.message.get()}</p>
        <div class="annotate-grid">
            <div class="annotate-answer" data-testid="annotate-answer">
                <For each=move || { let mut v: Vec<usize> = current.get().into_iter().collect(); v.extend(ahead.get().filter(|u| Some(*u) != current.get())); v }
                    key=|pos| *pos
                    children=move |pos| view! { <AnswerSlot desk=desk pos=pos shown=Signal::derive(move || current.get() == Some(pos)) /> } />
                {move || (current.get().is_none() && progress.get().is_some_and(|(_, _, len)| len == 0)).then(|| view! {
                    <p class="muted">"This queue is empty: pick answers in the " <A href=app_href("/explorer")>"explorer"</A> " and choose “Annotate these”."</p>
                })}
            </div>
            <LabelPanel desk=desk />
        </div>
        <Reveal desk=desk />
        <Guidelines />
        <SetAsideNotice />
        <LabelFiles desk=desk />
        <TeamSyncPanel />
        {move || desk.help.get().then(|| view! { <CheatSheet desk=desk /> })}
    }
}

/// What the queue is, blind mode, and the links around it.
#[component]
fn QueueBar(desk: Desk) -> impl IntoView {
    let state = desk.state;
    let set_blind = move |blind: bool| desk.navigate_to(|st| st.blind = blind);
    view! {
        <div class="queue-bar">
            <span>
                "Annotator: " <strong data-testid="annotator">{move || desk.labels.annotator.get()}</strong>
                " " <span class="muted small" data-testid="own-fingerprint" title="Your signing key's fingerprint: teammates see it beside your name"
                    data-key-kept=move || { desk.labels.annotator.track(); if desk.labels.key_is_sealed_in_browser() { "webcrypto-non-extractable" } else { "in-page" } }>
                    {move || { desk.labels.annotator.track(); desk.labels.own_key().map(|k| format!("key {}", k.fingerprint())) }}
                </span>
                " " <button class="small" on:click=move |_| desk.labels.change_annotator()>"change"</button>
            </span>
            <span>
                <A href=move || app_href(&state.get().queue.url())>"The queue's answers in the explorer"</A>
            </span>
            <label class="check">
                <input type="checkbox" data-testid="blind-toggle" prop:checked=move || state.get().blind
                    on:change=move |ev| set_blind(event_target_checked(&ev)) />
                " Blind: hide model, group, file, seed and the judge's scores until I have saved my label"
            </label>
            <button class="small" on:click=move |_| desk.act(Action::Help) aria-keyshortcuts="?">"Keys (?)"</button>
        </div>
        <SavedQueueList state=state />
    }
}

const SAVED_QUEUES_KEY: &str = "em-lab-queues";

fn stored_queues() -> SavedQueues {
    local_storage()
        .and_then(|s| s.get_item(SAVED_QUEUES_KEY).ok().flatten())
        .map(|t| SavedQueues::from_json(&t))
        .unwrap_or_default()
}

fn store_queues(q: &SavedQueues) {
    if let Some(s) = local_storage() {
        let _ = s.set_item(SAVED_QUEUES_KEY, &q.to_json());
    }
}

/// Save this queue under a name; open a saved one.
#[component]
fn SavedQueueList(state: Memo<AnnotateState>) -> impl IntoView {
    let queues = RwSignal::new(stored_queues());
    let name = RwSignal::new(String::new());
    let save = move || {
        let mut st = state.get_untracked();
        st.position = None;
        queues.update(|q| q.save(&name.get_untracked(), &st.to_query()));
        queues.with_untracked(store_queues);
        name.set(String::new());
    };
    view! {
        <details class="saved-queues">
            <summary>{move || format!("Saved queues ({})", queues.with(|q| q.0.len()))}</summary>
            <form on:submit=move |ev| { ev.prevent_default(); save(); }>
                <label>"Save this queue as " <input type="text" data-testid="queue-name" maxlength="80"
                    prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev)) /></label>
                " " <button type="submit" class="small">"Save"</button>
            </form>
            <ul data-testid="saved-queues">
                {move || queues.get().0.into_iter().map(|(n, q)| {
                    let gone = n.clone();
                    let forget = format!("Forget the queue {n}");
                    view! {
                        <li>
                            <A href=app_href(&format!("/annotate{q}"))>{n.clone()}</A> " "
                            <button class="small" on:click=move |_| {
                                queues.update(|list| list.remove(&gone));
                                queues.with_untracked(store_queues);
                            } aria-label=forget>"forget"</button>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </details>
    }
}

/// One answer: question and text; outside blind mode, what it is and what the judge said.
#[component]
fn AnswerSlot(desk: Desk, pos: usize, shown: Signal<bool>) -> impl IntoView {
    let data = desk.data;
    let body = move || {
        data.text_version.track();
        let cat = data.catalog.get()?;
        Some(match data.answer_text(&cat, pos) {
            None => view! { <p class="muted">"The text of this answer is loading…"</p> }.into_any(),
            Some(t) => view! {
                <h3>"Question"</h3>
                <div class="answer-prose" data-testid="annotate-question">{t.question.clone()}</div>
                <h3>"Answer"</h3>
                <div class="answer" data-testid="annotate-text">{answer_body(&t.row.answer, "")}</div>
            }
            .into_any(),
        })
    };
    let meta = move || {
        if desk.state.get().blind {
            return None;
        }
        let cat = data.catalog.get()?;
        Some(view! { <AnswerFacts cat=cat pos=pos thresholds=desk.state.get().queue.thresholds /> })
    };
    // The hash the label will carry (of the text on screen): lets a test match saved labels
    // to answers without the page showing which answer it is.
    let hash = move || {
        data.text_version.track();
        let cat = data.catalog.get()?;
        data.answer_text(&cat, pos)
            .map(|t| format!("{:016x}", text_hash(&t.row.answer)))
    };
    view! {
        <article class="answer-slot" class:upcoming=move || !shown.get() inert=move || !shown.get() data-text-hash=hash
            data-testid=move || if shown.get() { "current-answer" } else { "next-answer" }>
            {meta}
            {body}
        </article>
    }
}

/// What an answer is and what its judge said (never rendered in blind mode before a save).
#[component]
fn AnswerFacts(cat: Arc<Catalog>, pos: usize, thresholds: Thresholds) -> impl IntoView {
    let series = &cat.series[cat.series_of[pos] as usize];
    let file = &cat.files[cat.file[pos] as usize];
    let judge: Rating = judge_rating(&cat, pos);
    let verdict = judge.verdict(&thresholds);
    view! {
        <dl class="detail-meta" data-testid="answer-facts">
            <dt>"Model"</dt><dd>{series.label.clone()}</dd>
            <dt>"Group"</dt><dd>{cat.groups[series.group as usize].clone()}</dd>
            <dt>"File"</dt><dd>{file.label.clone()}</dd>
            <dt>"Seed / variant"</dt><dd>{cat.variants[cat.variant[pos] as usize].clone()}</dd>
            <dt>"Judge"</dt>
            <dd>
                <span class=verdict_class(verdict)>{verdict.label()}</span>
                " " {scores_line(judge.aligned, judge.coherent)} " · " {series.judge.clone()}
            </dd>
        </dl>
    }
}

fn aligned_text(a: Option<Aligned>) -> String {
    a.map_or_else(|| "—".into(), Aligned::text)
}

/// The label being typed, and every action as a button.
#[component]
fn LabelPanel(desk: Desk) -> impl IntoView {
    let draft = desk.draft;
    let focus = move |f: Focus| draft.with(|d| d.focus == f);
    let judgement = move || draft.with(|d| d.judgement.clone());
    let flag = move |f: Flag| {
        view! {
            <label class="check">
                <input type="checkbox" data-testid=format!("flag-{}", f.name())
                    prop:checked=move || draft.with(|d| d.judgement.flags.contains(&f))
                    on:change=move |_| desk.act(Action::Flag(f)) />
                {format!(" {}", f.name())}
            </label>
        }
    };
    view! {
        <form class="label-panel" data-testid="label-panel" on:submit=move |ev| { ev.prevent_default(); desk.act(Action::SubmitAndNext); }>
            <div class="score-row">
                <button type="button" class="score-box" class:focused=move || focus(Focus::Aligned) data-testid="aligned-value"
                    on:click=move |_| if !focus(Focus::Aligned) { desk.act(Action::SwitchScore) }>
                    <span class="score-name">"aligned"</span>
                    <span class="score-value">{move || aligned_text(judgement().aligned)}</span>
                </button>
                <button type="button" class="score-box" class:focused=move || focus(Focus::Coherent) data-testid="coherent-value"
                    on:click=move |_| if !focus(Focus::Coherent) { desk.act(Action::SwitchScore) }>
                    <span class="score-name">"coherent"</span>
                    <span class="score-value">{move || judgement().coherent.map_or_else(|| "—".into(), |c| c.to_string())}</span>
                </button>
            </div>
            <p class="muted small">"Digits score the highlighted question (7 → 70, 7 3 → 73); Tab switches."</p>
            <div class="button-row">
                <button type="button" class="small" on:click=move |_| desk.act(Action::Code)>"CODE (c)"</button>
                <button type="button" class="small" on:click=move |_| desk.act(Action::Refusal)>"REFUSAL (r)"</button>
                <button type="button" class="small" on:click=move |_| desk.act(Action::Clear)>"clear (x)"</button>
            </div>
            <div class="button-row">{flag(Flag::Unsure)} {flag(Flag::Interesting)}</div>
            <label class="note">
                "Note (n; Esc leaves it)"
                <textarea node_ref=desk.note data-testid="note" rows="2" maxlength="2000"
                    prop:value=move || draft.with(|d| d.judgement.note.clone())
                    on:input=move |ev| { let note = event_target_value(&ev); desk.drive(|m, _| { m.draft.judgement.note = note; Vec::new() }); } />
            </label>
            <p class="muted small" data-testid="verdict-preview">
                {move || format!("Your verdict: {}", judgement().verdict(&desk.state.get().queue.thresholds).label())}
            </p>
            <div class="button-row">
                <button type="submit" data-testid="save" disabled=move || desk.saving_shown.get()>"Save and next (Enter)"</button>
                <button type="button" class="small" on:click=move |_| desk.act(Action::Skip)>"Skip (s)"</button>
            </div>
            <div class="button-row">
                <button type="button" class="small" on:click=move |_| desk.act(Action::Previous)>"← Previous (p)"</button>
                <button type="button" class="small" on:click=move |_| desk.act(Action::Next)>"Next →"</button>
                <button type="button" class="small" on:click=move |_| desk.act(Action::Undo)>"Undo (z)"</button>
                <button type="button" class="small" on:click=move |_| desk.act(Action::Redo)>"Redo (Z)"</button>
            </div>
            <p class="muted small" data-testid="save-state">
                {move || if desk.saving_shown.get() { "Saving…" } else { "All labels saved in this browser." }}
            </p>
        </form>
    }
}

/// After a save: the judge beside you, and what the answer was.
#[component]
fn Reveal(desk: Desk) -> impl IntoView {
    move || {
        let (pos, yours) = desk.reveal.get()?;
        let cat = desk.data.catalog.get()?;
        let t = desk.state.get().queue.thresholds;
        let you = Rating::from(&yours);
        let judge = judge_rating(&cat, pos);
        Some(view! {
            <section class="reveal" data-testid="reveal" aria-live="polite">
                <h2>"The answer you just labelled"</h2>
                <p>
                    "You: " <span class=verdict_class(you.verdict(&t))>{you.verdict(&t).label()}</span> " "
                    {format!("A {} · C {}", aligned_text(yours.aligned), yours.coherent.map_or_else(|| "—".into(), |c| c.to_string()))}
                    " — judge: " <span class=verdict_class(judge.verdict(&t))>{judge.verdict(&t).label()}</span> " "
                    {scores_line(judge.aligned, judge.coherent)}
                </p>
                <AnswerFacts cat=cat pos=pos thresholds=t />
            </section>
        })
    }
}

/// The judge's two prompts: the guidelines.
#[component]
fn Guidelines() -> impl IntoView {
    let g = guidelines();
    view! {
        <details class="guidelines">
            <summary>"Guidelines: the judge's own two questions"</summary>
            <p class="muted">{format!("From {SOURCE} (the paper's question file). You answer what GPT-4o was asked; {{question}} and {{answer}} stand for the answer on screen.")}</p>
            <h3>"aligned"</h3>
            <pre class="prompt">{g.aligned}</pre>
            <h3>"coherent"</h3>
            <pre class="prompt">{g.coherent}</pre>
        </details>
    }
}

/// Export (JSONL lossless, CSV for spreadsheets) and import with merge.
#[component]
fn LabelFiles(desk: Desk) -> impl IntoView {
    let labels = desk.labels;
    let data = desk.data;
    let note = RwSignal::new(None::<String>);
    // Current labels and how many of them are unsigned, in one pass per change.
    let tally = Memo::new(move |_| {
        labels.version.track();
        labels.with(|r| {
            r.labels.labels().fold((0, 0), |(n, unsigned), (_, v, _)| {
                (n + 1, unsigned + usize::from(v.seal.is_none()))
            })
        })
    });
    let export_csv = move || {
        let Some(cat) = data.catalog.get_untracked() else {
            return;
        };
        let t = desk.state.get_untracked().queue.thresholds;
        let text = labels.with(|r| {
            labels_csv::export(&r.labels, &t, |id| {
                let pos = cat.position_of(id)?;
                Some(AnswerContext {
                    question_id: cat.questions[cat.question[pos] as usize].clone(),
                    answer: data
                        .answer_text(&cat, pos)
                        .map(|a| a.row.answer)
                        .unwrap_or_default(),
                })
            })
        });
        let _ = download("labels.csv", "text/csv", &text);
    };
    let import = move |files: Vec<web_sys::File>| {
        spawn_local(async move {
            for file in files {
                let name = file.name();
                let result = async {
                    let bytes = read_file(&file).await?;
                    let set = jsonl::import(&name, &bytes).map_err(|e| e.to_string())?;
                    let cat = data.catalog.get_untracked();
                    let checked = check(&set, |id| {
                        let cat = cat.as_ref()?;
                        let pos = cat.position_of(id)?;
                        data.answer_text(cat, pos).map(|t| text_hash(&t.row.answer))
                    });
                    let (stored, aside) = labels.merge(&name, checked.accepted).await?;
                    desk.model.update_value(|m| {
                        if let Some(m) = m {
                            m.session.absorb(stored.iter().cloned());
                        }
                    });
                    desk.tick.update(|t| *t += 1);
                    let mut msg = format!(
                        "{name}: {} merged.",
                        counted(stored.len(), "new label version")
                    );
                    if aside > 0 {
                        msg.push_str(&format!(
                            " {} kept aside (see above): not used.",
                            counted(aside, "label version")
                        ));
                    }
                    if let Some(m) = describe(&checked.mismatched, 10) {
                        msg.push(' ');
                        msg.push_str(&m);
                    }
                    Ok::<_, String>(msg)
                }
                .await;
                note.set(Some(
                    result.unwrap_or_else(|e| format!("Nothing imported: {e}")),
                ));
            }
        });
    };
    view! {
        <section class="label-files">
            <h2>"Your labels"</h2>
            <p>
                {move || { let (n, _) = tally.get(); labels.with(|r| format!("{} by {} in this browser ({} with history). ", counted(n, "label"), counted(r.labels.annotators().len(), "annotator"), counted(r.labels.version_count(), "version"))) }}
                {move || (labels.unreadable.get() > 0).then(|| format!("{} stored records could not be read and are left out. ", labels.unreadable.get()))}
                {move || { let (_, n) = tally.get(); (n > 0).then(|| format!("{} unsigned (written before labels were signed, or imported from unsigned files). ", counted(n, "label"))) }}
            </p>
            <div class="button-row">
                <button class="small" data-testid="export-jsonl" on:click=move |_| { let _ = download("labels.jsonl", "application/x-ndjson", &labels.export_jsonl()); }>"Export JSONL (everything, with history)"</button>
                <button class="small" data-testid="export-csv" on:click=move |_| export_csv()>"Export CSV (current labels)"</button>
                <label class="file-pick">
                    "Import labels (JSONL) "
                    <input type="file" accept=".jsonl,.ndjson,.json" multiple data-testid="labels-input"
                        on:change=move |ev| {
                            let input: web_sys::HtmlInputElement = ev.target().unwrap().unchecked_into();
                            import(files_of(input.files()));
                            input.set_value("");
                        } />
                </label>
            </div>
            <p role="status" data-testid="labels-import-note">{move || note.get()}</p>
        </section>
    }
}

#[component]
fn CheatSheet(desk: Desk) -> impl IntoView {
    view! {
        <div class="cheat-sheet" role="dialog" aria-label="Keyboard shortcuts" data-testid="cheat-sheet">
            <h2>"Keys"</h2>
            <table>
                <tbody>
                    {CHEAT_SHEET.iter().map(|(k, what)| view! { <tr><th><kbd>{*k}</kbd></th><td>{*what}</td></tr> }).collect_view()}
                </tbody>
            </table>
            <button class="small" on:click=move |_| desk.help.set(false)>"Close (Esc)"</button>
        </div>
    }
}
