//! The label log in IndexedDB (store `label-events` of the app's database, see `ui::idb`):
//! one record `{seq, record}` per event, `record` being the event's JSON line
//! (`labels::log`). Appends are one transaction with strict durability, and resolve only
//! when it has completed, so what the page shows as saved survives a reload, a tab crash
//! or a power cut.

use js_sys::{Object, Reflect};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::IdbTransaction;

use super::idb::{LABEL_EVENTS, commit_all, js_err, open, records_of};

/// Stores `records` (each an encoded `labels::Event`) in one transaction.
pub async fn append(records: &[String]) -> Result<(), String> {
    let db = open().await?;
    // `durability: "strict"`: complete only once the write is on disk (web-sys has this
    // options argument only behind its unstable-API flag, so it is passed by hand).
    let options = Object::new();
    Reflect::set(
        &options,
        &JsValue::from_str("durability"),
        &JsValue::from_str("strict"),
    )
    .map_err(js_err("saving labels"))?;
    let transaction: js_sys::Function = Reflect::get(&db, &JsValue::from_str("transaction"))
        .and_then(|f| f.dyn_into())
        .map_err(js_err("saving labels"))?;
    let tx: IdbTransaction = transaction
        .call3(
            &db,
            &JsValue::from_str(LABEL_EVENTS),
            &JsValue::from_str("readwrite"),
            &options,
        )
        .and_then(|t| t.dyn_into())
        .map_err(js_err("saving labels"))?;
    let store = tx
        .object_store(LABEL_EVENTS)
        .map_err(js_err("saving labels"))?;
    let queued = records.iter().try_for_each(|record| {
        let row = Object::new();
        Reflect::set(
            &row,
            &JsValue::from_str("record"),
            &JsValue::from_str(record),
        )
        .and_then(|_| store.add(&row))
        .map(drop)
        .map_err(js_err("saving labels"))
    });
    commit_all(&tx, queued, "saving labels").await
}

/// Every stored record, oldest first.
pub async fn load() -> Result<Vec<String>, String> {
    records_of(LABEL_EVENTS, "reading labels").await
}
