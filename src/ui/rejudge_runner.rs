//! The rejudge run in progress, app-wide (Leptos context): its senders keep calling when
//! the user moves to another page, and the Rejudge page shows it again on return. A sender
//! is a short loop over `judge::rejudge::Run` — next call, POST (`ui::judge_client`),
//! finish, queue the reply for storing — and the run ends only once every reply is in
//! IndexedDB, so the cache a new plan reads is never behind what was paid for.
//!
//! A sender's turn-around between a reply and its next request is what keeps a run below
//! the C / L bound, and every task on the main thread delays both. So the per-reply work is
//! only parsing, scoring and queueing: replies are written by one writer that gathers them
//! for [`GATHER_MS`] and stores all of them in one IndexedDB transaction,
//! and the progress is redrawn at most every [`REDRAW_MS`] — at once only when the run
//! changes state (stopped, paused, warned, over).

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::judge::rejudge::{CallRecord, Endpoint, JudgeInfo, Next, Plan, Run, Target, Template};

use super::browser::{now_ms as now, sleep_ms};
use super::judge_client;
use super::judge_data::JudgeData;

/// A run and what it was planned from.
pub struct Work {
    pub run: Run,
    pub plan: Plan,
    pub targets: Vec<Target>,
    pub endpoint: Endpoint,
    pub template: Template,
    pub key: String,
    pub timeout_ms: u32,
    pub senders: u32,
}

/// The run going on (or just ended).
pub struct Active {
    pub work: Work,
    pub started_ms: u64,
    senders_left: u32,
    /// Replies received and not yet handed to IndexedDB.
    unwritten: Vec<CallRecord>,
    /// The writer is storing a batch.
    writing: bool,
    last_notify_ms: u64,
    /// Why storing failed, and how many replies are therefore kept only for this visit.
    unsaved: Option<(String, usize)>,
}

impl Active {
    fn writes_pending(&self) -> bool {
        self.writing || !self.unwritten.is_empty()
    }
}

/// How long the writer gathers replies before a transaction. A reload loses the replies of
/// this window (they are called again after it), as it loses the calls in flight: about
/// C × (`GATHER_MS` + one commit) / L replies.
pub const GATHER_MS: i32 = 50;

/// Waits before the writer's second and third tries of a failed transaction.
const STORE_RETRY_MS: [i32; 2] = [250, 1000];

/// How often, at most, a running call redraws the progress.
pub const REDRAW_MS: i32 = 100;

/// Everything a run needs to start.
pub struct Setup {
    pub work: Work,
    pub info: JudgeInfo,
    /// Calls answered before for the same prompt, copied to answers that share it.
    pub reused: Vec<CallRecord>,
}

#[derive(Clone, Copy)]
pub struct Runner {
    pub active: StoredValue<Option<Active>, LocalStorage>,
    /// Bumped on every settled call.
    pub tick: RwSignal<u64>,
    pub running: RwSignal<bool>,
    pub message: RwSignal<Option<String>>,
    /// A redraw is scheduled.
    redraw_due: StoredValue<bool>,
}

pub fn provide_runner() {
    provide_context(Runner {
        active: StoredValue::new_local(None),
        tick: RwSignal::new(0),
        running: RwSignal::new(false),
        message: RwSignal::new(None),
        redraw_due: StoredValue::new(false),
    });
}

pub fn use_runner() -> Runner {
    expect_context()
}

impl Runner {
    /// Change the run (pause, resume, cancel) and show it.
    pub fn act(self, f: impl FnOnce(&mut Run)) {
        self.active.update_value(|a| {
            if let Some(a) = a {
                f(&mut a.work.run)
            }
        });
        self.tick.update(|t| *t += 1);
    }

    pub fn start(self, judges: JudgeData, setup: Setup) {
        if self.running.get_untracked() {
            return;
        }
        let Setup { work, info, reused } = setup;
        let senders = work.senders;
        self.active.set_value(Some(Active {
            work,
            started_ms: now(),
            senders_left: senders,
            unwritten: Vec::new(),
            writing: false,
            last_notify_ms: 0,
            unsaved: None,
        }));
        judge_client::forget_readable();
        self.message.set(None);
        self.running.set(true);
        self.tick.update(|t| *t += 1);
        spawn_local(async move {
            let described = judges.store_judge(info).await;
            let copied = if reused.is_empty() {
                Ok(())
            } else {
                judges.store(&reused, true).await
            };
            if let Err(e) = described.and(copied) {
                self.message.set(Some(e));
            }
        });
        for _ in 0..senders {
            spawn_local(self.sender(judges));
        }
    }

    /// One sender: takes calls from the run until it is over.
    async fn sender(self, judges: JudgeData) {
        loop {
            let next = self
                .active
                .try_update_value(|a| {
                    let run = &mut a.as_mut()?.work.run;
                    let before = shown_state(run);
                    let next = run.next(now());
                    Some((next, shown_state(run) != before))
                })
                .flatten();
            if next.as_ref().is_some_and(|(_, changed)| *changed) {
                self.tick.update(|t| *t += 1); // e.g. the cap reached: say so at once
            }
            match next.map(|(n, _)| n) {
                None | Some(Next::Finished) => break,
                Some(Next::Idle) => sleep_ms(50).await,
                Some(Next::Wait { until_ms }) => {
                    sleep_ms(until_ms.saturating_sub(now()).clamp(10, 250) as i32).await
                }
                Some(Next::Send { job, attempt }) => self.call(judges, job, attempt).await,
            }
        }
        let last = self
            .active
            .try_update_value(|a| {
                let a = a.as_mut()?;
                a.senders_left -= 1;
                Some(a.senders_left == 0)
            })
            .flatten()
            .unwrap_or(true);
        if last {
            // Every reply stored before the run counts as over.
            while self
                .active
                .with_value(|a| a.as_ref().is_some_and(Active::writes_pending))
            {
                sleep_ms(20).await;
            }
            self.running.set(false);
            judges.notify();
            self.tick.update(|t| *t += 1);
        }
    }

    async fn call(self, judges: JudgeData, job: usize, attempt: u32) {
        let Some((endpoint, key, body, timeout_ms)) = self.active.with_value(|a| {
            let w = &a.as_ref()?.work;
            let j = &w.plan.jobs[job];
            let t = &w.targets[j.targets[0]];
            let prompt = w.template.fill(j.dimension, &t.question, &t.text);
            Some((
                w.endpoint.clone(),
                w.key.clone(),
                w.endpoint.request_body(&prompt),
                w.timeout_ms,
            ))
        }) else {
            return;
        };
        let outcome = judge_client::post(&endpoint, &key, &body, timeout_ms).await;
        let done = self
            .active
            .try_update_value(|a| {
                let a = a.as_mut()?;
                let before = shown_state(&a.work.run);
                let top = a.work.run.finish(job, attempt, &outcome, now());
                let changed = shown_state(&a.work.run) != before;
                let mut records = Vec::new();
                if let Some(top) = top {
                    let w = &a.work;
                    let j = &w.plan.jobs[job];
                    let at = js_sys::Date::now();
                    records.extend(j.targets.iter().map(|&t| CallRecord {
                        key: j.key.clone(),
                        judge: w.plan.judge.clone(),
                        answer: w.targets[t].answer.clone(),
                        text_hash: w.targets[t].text_hash,
                        dimension: j.dimension.name().into(),
                        top: top.clone(),
                        at,
                    }));
                }
                // Once storing has failed, later replies are kept for this visit only.
                let unsaved = match &mut a.unsaved {
                    Some((why, n)) if !records.is_empty() => {
                        *n += records.len();
                        Some((unsaved_message(why, *n), std::mem::take(&mut records)))
                    }
                    _ => None,
                };
                a.unwritten.append(&mut records);
                let start_writer = !a.writing && !a.unwritten.is_empty();
                a.writing |= start_writer;
                Some((start_writer, changed, unsaved))
            })
            .flatten();
        let Some((start_writer, changed, unsaved)) = done else {
            return;
        };
        if let Some((message, records)) = unsaved {
            judges.keep_unsaved(records);
            self.message.set(Some(message));
        }
        if start_writer {
            spawn_local(self.writer(judges));
        }
        if changed {
            self.tick.update(|t| *t += 1);
        } else {
            self.redraw_soon();
        }
    }

    /// Stores the queued replies, those of [`GATHER_MS`] per transaction, until none is left
    /// (the senders go on calling meanwhile). A transaction that fails three times stops the
    /// run; its replies and any still to come are then kept in memory, so this visit does not
    /// pay for them again, and the message says how many a reload would ask for again.
    async fn writer(self, judges: JudgeData) {
        loop {
            sleep_ms(GATHER_MS).await;
            let Some((batch, notify)) = self
                .active
                .try_update_value(|a| {
                    let a = a.as_mut()?;
                    if a.unwritten.is_empty() {
                        a.writing = false;
                        return None;
                    }
                    let notify = now() >= a.last_notify_ms + 1000;
                    if notify {
                        a.last_notify_ms = now();
                    }
                    Some((std::mem::take(&mut a.unwritten), notify))
                })
                .flatten()
            else {
                return;
            };
            let mut stored = judges.store(&batch, notify).await;
            for wait in STORE_RETRY_MS {
                if stored.is_ok() {
                    break;
                }
                sleep_ms(wait).await;
                stored = judges.store(&batch, notify).await;
            }
            if let Err(e) = stored {
                self.give_up_storing(judges, e, batch);
                return;
            }
            // Over when nothing came meanwhile (the next reply starts a new writer).
            let more = self
                .active
                .try_update_value(|a| {
                    let a = a.as_mut()?;
                    a.writing = !a.unwritten.is_empty();
                    Some(a.writing)
                })
                .flatten()
                .unwrap_or(false);
            if !more {
                return;
            }
        }
    }

    fn give_up_storing(self, judges: JudgeData, why: String, mut batch: Vec<CallRecord>) {
        let message = self
            .active
            .try_update_value(|a| {
                let a = a.as_mut()?;
                a.work.run.cancelled = true;
                a.writing = false;
                batch.append(&mut a.unwritten);
                let n = batch.len() + a.unsaved.as_ref().map_or(0, |(_, n)| *n);
                let message = unsaved_message(&why, n);
                a.unsaved = Some((why, n));
                Some(message)
            })
            .flatten();
        judges.keep_unsaved(batch);
        self.message.set(message);
        self.tick.update(|t| *t += 1);
    }

    /// Redraw the progress within [`REDRAW_MS`] (one redraw for all the calls settled
    /// meanwhile).
    fn redraw_soon(self) {
        if self.redraw_due.get_value() {
            return;
        }
        self.redraw_due.set_value(true);
        spawn_local(async move {
            sleep_ms(REDRAW_MS).await;
            self.redraw_due.set_value(false);
            self.tick.update(|t| *t += 1);
        });
    }
}

/// What of a run the page shows at once rather than at the next redraw.
fn shown_state(run: &Run) -> (bool, bool, bool) {
    (run.stop.is_some(), run.warning.is_some(), run.paused)
}

fn unsaved_message(why: &str, n: usize) -> String {
    format!(
        "{why}. The run stops: {n} replies could not be saved in this browser. They count for this visit, but after a reload they would be asked for (and paid for) again."
    )
}
