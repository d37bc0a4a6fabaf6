//! The rejudge run in progress, app-wide (Leptos context): its senders keep calling when
//! the user moves to another page, and the Rejudge page shows it again on return. A sender
//! is a short loop over `judge::rejudge::Run` — next call, POST (`ui::judge_client`),
//! finish, store the reply — and the run ends only once every reply is in IndexedDB, so the
//! cache a new plan reads is never behind what was paid for.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::judge::rejudge::{CallRecord, Endpoint, JudgeInfo, Next, Plan, Run, Target, Template};

use super::judge_client;
use super::judge_data::JudgeData;
use super::replay_data::sleep_ms;

fn now() -> u64 {
    js_sys::Date::now() as u64
}

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
    /// Replies received whose write has not completed yet.
    pending_writes: u32,
    last_notify_ms: u64,
}

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
}

pub fn provide_runner() {
    provide_context(Runner {
        active: StoredValue::new_local(None),
        tick: RwSignal::new(0),
        running: RwSignal::new(false),
        message: RwSignal::new(None),
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
            pending_writes: 0,
            last_notify_ms: 0,
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
                judges.store(reused, true).await
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
                .try_update_value(|a| a.as_mut().map(|a| a.work.run.next(now())))
                .flatten();
            match next {
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
                .with_value(|a| a.as_ref().is_some_and(|a| a.pending_writes > 0))
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
                let top = a.work.run.finish(job, attempt, &outcome, now())?;
                let w = &a.work;
                let j = &w.plan.jobs[job];
                let records: Vec<CallRecord> = j
                    .targets
                    .iter()
                    .map(|&t| CallRecord {
                        key: j.key.clone(),
                        judge: w.plan.judge.clone(),
                        answer: w.targets[t].answer.clone(),
                        text_hash: w.targets[t].text_hash,
                        dimension: j.dimension.name().into(),
                        top: top.clone(),
                        at: js_sys::Date::now(),
                    })
                    .collect();
                let notify = now() >= a.last_notify_ms + 1000;
                if notify {
                    a.last_notify_ms = now();
                }
                a.pending_writes += 1;
                Some((records, notify))
            })
            .flatten();
        // Stored while this sender goes on to its next call (waiting for the write would
        // add a transaction to every call); a failed write stops the run.
        if let Some((records, notify)) = done {
            spawn_local(async move {
                let stored = judges.store(records, notify).await;
                self.active.update_value(|a| {
                    if let Some(a) = a {
                        a.pending_writes -= 1;
                        if stored.is_err() {
                            a.work.run.cancelled = true;
                        }
                    }
                });
                if let Err(e) = stored {
                    self.message.set(Some(format!(
                        "{e}: the run stops so that nothing is paid for twice."
                    )));
                }
            });
        }
        self.tick.update(|t| *t += 1);
    }
}
