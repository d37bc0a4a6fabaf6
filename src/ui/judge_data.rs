//! The rejudges, shared by every page through Leptos context: the stored calls and judges
//! read from IndexedDB once, grouped into `judge::rejudge::Judged` raters (the explorer,
//! Figure 4, compare and agreement all read them here), and the one way to add calls —
//! [`JudgeData::store`], which writes them and only then counts them.

use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::judge::rejudge::run::Job;
use crate::judge::rejudge::{CallRecord, JudgeInfo, Judged, Target};

use super::judge_store;

#[derive(Clone, Copy)]
pub struct JudgeData {
    /// Why the cache cannot be used, if it cannot.
    pub error: RwSignal<Option<String>>,
    pub loaded: RwSignal<bool>,
    /// Bumped when calls or judges are added (at most a few times a second while running).
    pub version: RwSignal<u64>,
    records: StoredValue<Vec<CallRecord>, LocalStorage>,
    infos: StoredValue<Vec<JudgeInfo>, LocalStorage>,
    judged: Memo<Arc<Vec<Judged>>>,
    started: StoredValue<bool>,
}

pub fn provide_judge_data() {
    let version = RwSignal::new(0u64);
    let records = StoredValue::new_local(Vec::new());
    let infos = StoredValue::new_local(Vec::new());
    let judged = Memo::new(move |_| {
        version.track();
        Arc::new(infos.with_value(|i: &Vec<JudgeInfo>| {
            records.with_value(|r: &Vec<CallRecord>| Judged::from_records(i, r))
        }))
    });
    provide_context(JudgeData {
        error: RwSignal::new(None),
        loaded: RwSignal::new(false),
        version,
        records,
        infos,
        judged,
        started: StoredValue::new(false),
    });
}

/// The rejudges, loading the cache on first use.
pub fn use_judges() -> JudgeData {
    let data = expect_context::<JudgeData>();
    data.load();
    data
}

impl JudgeData {
    fn load(self) {
        if self.started.get_value() {
            return;
        }
        self.started.set_value(true);
        spawn_local(async move {
            match judge_store::load().await {
                Ok((infos, records)) => {
                    self.infos.set_value(infos);
                    self.records.set_value(records);
                }
                Err(e) => self.error.set(Some(format!(
                    "Rejudge results cannot be kept in this browser: {e}"
                ))),
            }
            self.loaded.set(true);
            self.version.update(|v| *v += 1);
        });
    }

    /// Every judge made by rejudging, with what it said.
    pub fn judged(&self) -> Memo<Arc<Vec<Judged>>> {
        self.judged
    }

    /// All answered call keys, for planning many calls at once.
    pub fn call_keys(&self) -> std::collections::HashSet<String> {
        self.records
            .with_value(|r| r.iter().map(|c| c.key.clone()).collect())
    }

    /// Calls answered before for a cached job's prompt, copied to the job's answers that
    /// have no record yet (an answer with the same question and text in another file).
    pub fn reusable(&self, jobs: &[Job], targets: &[Target], judge: &str) -> Vec<CallRecord> {
        self.records.with_value(|records| {
            let mut by_key: std::collections::HashMap<&str, Vec<&CallRecord>> = Default::default();
            for r in records {
                by_key.entry(r.key.as_str()).or_default().push(r);
            }
            let mut out = Vec::new();
            for job in jobs {
                let Some(done) = by_key.get(job.key.as_str()) else {
                    continue;
                };
                for &t in &job.targets {
                    let target = &targets[t];
                    if done.iter().any(|r| r.answer == target.answer) {
                        continue;
                    }
                    out.push(CallRecord {
                        answer: target.answer.clone(),
                        text_hash: target.text_hash,
                        judge: judge.to_string(),
                        ..done[0].clone()
                    });
                }
            }
            out
        })
    }

    /// Write calls to IndexedDB, then keep them; `notify` bumps the version (the views
    /// recompute), which a running rejudge does only now and then.
    pub async fn store(self, calls: &[CallRecord], notify: bool) -> Result<(), String> {
        judge_store::put_calls(calls).await?;
        self.records.update_value(|r| r.extend_from_slice(calls));
        if notify {
            self.version.update(|v| *v += 1);
        }
        Ok(())
    }

    /// Keeps calls in memory only (storing them failed): this visit does not ask again.
    pub fn keep_unsaved(self, calls: Vec<CallRecord>) {
        self.records.update_value(|r| r.extend(calls));
        self.version.update(|v| *v += 1);
    }

    pub async fn store_judge(self, info: JudgeInfo) -> Result<(), String> {
        judge_store::put_judge(&info).await?;
        self.infos.update_value(|i| {
            i.retain(|x| x.id != info.id);
            i.push(info);
        });
        self.version.update(|v| *v += 1);
        Ok(())
    }

    pub fn info(&self, id: &str) -> Option<JudgeInfo> {
        self.infos
            .with_value(|i| i.iter().find(|x| x.id == id).cloned())
    }

    pub fn notify(&self) {
        self.version.update(|v| *v += 1);
    }
}
