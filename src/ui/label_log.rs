//! The label log in IndexedDB (store `label-events` of the app's database, see `ui::idb`):
//! one record `{seq, record}` per event, `record` being the event's JSON line
//! (`labels::log`). Appends are one transaction with strict durability, and resolve only
//! when it has completed, so what the page shows as saved survives a reload, a tab crash
//! or a power cut.

use js_sys::{Object, Reflect};
use wasm_bindgen::prelude::*;

use super::idb::{LABEL_EVENTS, records_of, write_durably};

/// Stores `records` (each an encoded `labels::Event`) in one transaction.
pub async fn append(records: &[String]) -> Result<(), String> {
    write_durably(LABEL_EVENTS, "saving labels", |store| {
        records.iter().try_for_each(|record| {
            let row = Object::new();
            Reflect::set(
                &row,
                &JsValue::from_str("record"),
                &JsValue::from_str(record),
            )?;
            store.add(&row).map(drop)
        })
    })
    .await
}

/// Every stored record, oldest first.
pub async fn load() -> Result<Vec<String>, String> {
    records_of(LABEL_EVENTS, "reading labels").await
}
