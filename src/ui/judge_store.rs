//! The rejudge cache in IndexedDB (stores `judge-calls` and `judges`, see `ui::idb`): every
//! answered call as `{id: "<call key>|<answer id>", record}` and every judge's description
//! as `{id, record}`, `record` being the JSON of `judge::rejudge::{CallRecord, JudgeInfo}`.
//! A reply is stored before it counts as done, so a reload resumes without calling again.

use js_sys::{Object, Reflect};
use wasm_bindgen::prelude::*;
use web_sys::IdbTransactionMode;

use crate::judge::rejudge::{CallRecord, JudgeInfo};

use super::idb::{JUDGE_CALLS, JUDGES, commit_all, done, js_err, open, records_of};

fn row(id: &str, record: &str) -> Result<Object, String> {
    let row = Object::new();
    Reflect::set(&row, &JsValue::from_str("id"), &JsValue::from_str(id))
        .and_then(|_| {
            Reflect::set(
                &row,
                &JsValue::from_str("record"),
                &JsValue::from_str(record),
            )
        })
        .map_err(js_err("saving judge calls"))?;
    Ok(row)
}

/// Store answered calls (one transaction; resolves when it has completed).
pub async fn put_calls(records: &[CallRecord]) -> Result<(), String> {
    let db = open().await?;
    let tx = db
        .transaction_with_str_and_mode(JUDGE_CALLS, IdbTransactionMode::Readwrite)
        .map_err(js_err("saving judge calls"))?;
    let store = tx
        .object_store(JUDGE_CALLS)
        .map_err(js_err("saving judge calls"))?;
    let queued = records.iter().try_for_each(|r| {
        let json = serde_json::to_string(r).map_err(|e| e.to_string())?;
        store
            .put(&row(&format!("{}|{}", r.key, r.answer), &json)?.into())
            .map(drop)
            .map_err(js_err("saving judge calls"))
    });
    commit_all(&tx, queued, "saving judge calls").await
}

/// Store (or replace) a judge's description.
pub async fn put_judge(info: &JudgeInfo) -> Result<(), String> {
    let db = open().await?;
    let json = serde_json::to_string(info).map_err(|e| e.to_string())?;
    let request = db
        .transaction_with_str_and_mode(JUDGES, IdbTransactionMode::Readwrite)
        .and_then(|t| t.object_store(JUDGES))
        .and_then(|s| s.put(&row(&info.id, &json).unwrap_or_default().into()))
        .map_err(js_err("saving the judge"))?;
    done(&request).await.map(|_| ())
}

/// Everything stored: the judges and their calls (unreadable records are skipped).
pub async fn load() -> Result<(Vec<JudgeInfo>, Vec<CallRecord>), String> {
    let infos = records_of(JUDGES, "reading the judges")
        .await?
        .iter()
        .filter_map(|r| serde_json::from_str(r).ok())
        .collect();
    let calls = records_of(JUDGE_CALLS, "reading judge calls")
        .await?
        .iter()
        .filter_map(|r| serde_json::from_str(r).ok())
        .collect();
    Ok((infos, calls))
}
