//! This browser's IndexedDB (database `em-lab`): the opening of the database, and the user's
//! imported files in its store `user-files` so they survive a reload until removed: one record `{id, name, bytes}` per
//! file, and `{id: "seeds:<file id>", seeds}` once the user says the file's models are
//! training seeds (a record of its own, so that choice is one small write, never a
//! read-modify-write of the file's bytes). The raw bytes are stored and re-imported on load,
//! so a newer importer reads old files the same way. Written directly on web-sys (about 150
//! lines) rather than adding a dependency for four operations. The label log
//! (`ui::label_log`), the annotator's identity (`ui::identity`) and the rejudge cache
//! (`ui::judge_store`) live in the same database, in stores of their own.

use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{IdbDatabase, IdbObjectStoreParameters, IdbRequest, IdbTransactionMode};

const DB: &str = "em-lab";
const STORE: &str = "user-files";
/// Version 2 added the label log's store, version 3 the rejudge stores, version 4 the
/// identity store.
const VERSION: u32 = 4;
/// The label log's store (records `{seq, record}`, `seq` auto-incremented).
pub const LABEL_EVENTS: &str = "label-events";
/// Rejudge calls answered (records `{id, record}`), and the judges they make (`{id, record}`).
pub const JUDGE_CALLS: &str = "judge-calls";
pub const JUDGES: &str = "judges";
/// The annotator's name and signing key, and the key ring (records keyed by `id`).
pub const IDENTITY: &str = "identity";

/// A stored file.
pub struct StoredFile {
    pub name: String,
    pub bytes: Vec<u8>,
    pub models_are_seeds: bool,
}

pub fn js_err(what: &str) -> impl Fn(JsValue) -> String + '_ {
    move |e| {
        format!(
            "{what}: {}",
            e.as_string().unwrap_or_else(|| format!("{e:?}"))
        )
    }
}

/// Resolve when the request succeeds (with its result) or fails.
pub async fn done(request: &IdbRequest) -> Result<JsValue, String> {
    let promise = js_sys::Promise::new(&mut |resolve, reject| {
        let req = request.clone();
        let on_ok = Closure::once_into_js(move |_: web_sys::Event| {
            let _ = resolve.call1(&JsValue::NULL, &req.result().unwrap_or(JsValue::UNDEFINED));
        });
        let req = request.clone();
        let on_err = Closure::once_into_js(move |_: web_sys::Event| {
            let message = req
                .error()
                .ok()
                .flatten()
                .map_or_else(|| "request failed".to_string(), |e| e.message());
            let _ = reject.call1(&JsValue::NULL, &JsValue::from_str(&message));
        });
        request.set_onsuccess(Some(on_ok.unchecked_ref()));
        request.set_onerror(Some(on_err.unchecked_ref()));
    });
    JsFuture::from(promise)
        .await
        .map_err(|e| e.as_string().unwrap_or_else(|| format!("{e:?}")))
}

/// Commit a transaction whose requests are all queued, and resolve when it has completed
/// (its writes are durable), or fail with why it aborted. Committing at once spares a round
/// trip: otherwise the browser commits only after every request's success event has reached
/// the page, and Chromium may hold that event back until it has drawn a frame.
async fn committed(tx: &web_sys::IdbTransaction) -> Result<(), String> {
    // (Throws only if the transaction has already finished: its events then tell.) web-sys
    // marks `commit` deprecated, but it is IndexedDB 3.0's, in every current browser.
    #[allow(deprecated)]
    let _ = tx.commit();
    let promise = js_sys::Promise::new(&mut |resolve, reject| {
        let on_ok = Closure::once_into_js(move |_: web_sys::Event| {
            let _ = resolve.call0(&JsValue::NULL);
        });
        let t = tx.clone();
        let on_fail = Closure::once_into_js(move |_: web_sys::Event| {
            let message = t
                .error()
                .map_or_else(|| "the write was aborted".to_string(), |e| e.message());
            let _ = reject.call1(&JsValue::NULL, &JsValue::from_str(&message));
        });
        tx.set_oncomplete(Some(on_ok.unchecked_ref()));
        // A failed request aborts its transaction: `abort` is the one failure event.
        tx.set_onabort(Some(on_fail.unchecked_ref()));
    });
    JsFuture::from(promise)
        .await
        .map(|_| ())
        .map_err(|e| e.as_string().unwrap_or_else(|| format!("{e:?}")))
}

/// All or nothing: when queueing a transaction's requests failed (`queued`), abort it, so the
/// requests already queued do not commit without the rest, and say why; else commit it and
/// wait (a failure then is `{what}: why`).
pub async fn commit_all(
    tx: &web_sys::IdbTransaction,
    queued: Result<(), String>,
    what: &str,
) -> Result<(), String> {
    if let Err(e) = queued {
        let _ = tx.abort();
        return Err(e);
    }
    committed(tx).await.map_err(|e| format!("{what}: {e}"))
}

/// Writes to `store` in one transaction with strict durability, resolving only once it is on
/// disk (a reload, a tab crash or a power cut keeps it); `queue` adds the requests. All or
/// nothing, as [`commit_all`].
pub async fn write_durably(
    store: &str,
    what: &str,
    queue: impl FnOnce(&web_sys::IdbObjectStore) -> Result<(), JsValue>,
) -> Result<(), String> {
    let db = open().await?;
    // `durability: "strict"` (web-sys has this options argument only behind its
    // unstable-API flag, so it is passed by hand).
    let options = Object::new();
    Reflect::set(
        &options,
        &JsValue::from_str("durability"),
        &JsValue::from_str("strict"),
    )
    .map_err(js_err(what))?;
    let transaction: js_sys::Function = Reflect::get(&db, &JsValue::from_str("transaction"))
        .and_then(|f| f.dyn_into())
        .map_err(js_err(what))?;
    let tx: web_sys::IdbTransaction = transaction
        .call3(
            &db,
            &JsValue::from_str(store),
            &JsValue::from_str("readwrite"),
            &options,
        )
        .and_then(|t| t.dyn_into())
        .map_err(js_err(what))?;
    let queued = tx
        .object_store(store)
        .and_then(|s| queue(&s))
        .map_err(js_err(what));
    commit_all(&tx, queued, what).await
}

thread_local! {
    /// The one open connection of this tab (opening costs a round trip to the browser per
    /// call; a label write should cost only its transaction).
    static CONNECTION: std::cell::RefCell<Option<IdbDatabase>> = const { std::cell::RefCell::new(None) };
}

/// The database, opened (and upgraded) on first use; the connection is kept until another
/// tab asks for a newer version.
pub async fn open() -> Result<IdbDatabase, String> {
    if let Some(db) = CONNECTION.with_borrow(Clone::clone) {
        return Ok(db);
    }
    let db = connect().await?;
    CONNECTION.with_borrow_mut(|c| *c = Some(db.clone()));
    Ok(db)
}

async fn connect() -> Result<IdbDatabase, String> {
    let factory = web_sys::window()
        .ok_or("no window")?
        .indexed_db()
        .map_err(js_err("IndexedDB"))?
        .ok_or("IndexedDB is not available in this browser")?;
    let request = factory
        .open_with_u32(DB, VERSION)
        .map_err(js_err("IndexedDB"))?;
    let req = request.clone();
    // Creates whichever stores an older version of the database lacks.
    let upgrade = Closure::once_into_js(move |_: web_sys::Event| {
        if let Ok(db) = req.result().and_then(|r| r.dyn_into::<IdbDatabase>()) {
            let names = db.object_store_names();
            if !names.contains(STORE) {
                let params = IdbObjectStoreParameters::new();
                params.set_key_path(&JsValue::from_str("id"));
                let _ = db.create_object_store_with_optional_parameters(STORE, &params);
            }
            for keyed_by_id in [JUDGE_CALLS, JUDGES, IDENTITY] {
                if !names.contains(keyed_by_id) {
                    let params = IdbObjectStoreParameters::new();
                    params.set_key_path(&JsValue::from_str("id"));
                    let _ = db.create_object_store_with_optional_parameters(keyed_by_id, &params);
                }
            }
            if !names.contains(LABEL_EVENTS) {
                let params = IdbObjectStoreParameters::new();
                params.set_key_path(&JsValue::from_str("seq"));
                params.set_auto_increment(true);
                let _ = db.create_object_store_with_optional_parameters(LABEL_EVENTS, &params);
            }
        }
    });
    request.set_onupgradeneeded(Some(upgrade.unchecked_ref()));
    // An older version of the app open in another tab holds the database at its version.
    let blocked = Closure::once_into_js(move |_: web_sys::Event| {
        web_sys::console::warn_1(&JsValue::from_str(
            "EM Lab: the database upgrade waits for another tab with an older EM Lab to close or reload",
        ));
    });
    request.set_onblocked(Some(blocked.unchecked_ref()));
    let db = done(&request).await?;
    let db = db
        .dyn_into::<IdbDatabase>()
        .map_err(|_| "IndexedDB: not a database".to_string())?;
    // …and this tab never holds up a newer version opened elsewhere.
    let this = db.clone();
    let close = Closure::once_into_js(move |_: web_sys::Event| {
        this.close();
        CONNECTION.with_borrow_mut(|c| *c = None);
    });
    db.set_onversionchange(Some(close.unchecked_ref()));
    Ok(db)
}

/// The `record` field of every row of `store` (the label log and the rejudge stores keep
/// their JSON there), in key order.
pub async fn records_of(store: &str, what: &str) -> Result<Vec<String>, String> {
    Ok(all_of(store, what)
        .await?
        .into_iter()
        .filter_map(|row| {
            Reflect::get(&row, &JsValue::from_str("record"))
                .ok()?
                .as_string()
        })
        .collect())
}

/// Every row of `store`, in key order.
pub async fn all_of(store: &str, what: &str) -> Result<Vec<JsValue>, String> {
    let db = open().await?;
    let request = db
        .transaction_with_str(store)
        .and_then(|t| t.object_store(store))
        .and_then(|s| s.get_all())
        .map_err(js_err(what))?;
    let all: Array = done(&request).await?.unchecked_into();
    Ok(all.iter().collect())
}

fn store(db: &IdbDatabase, mode: IdbTransactionMode) -> Result<web_sys::IdbObjectStore, String> {
    db.transaction_with_str_and_mode(STORE, mode)
        .and_then(|t| t.object_store(STORE))
        .map_err(js_err("IndexedDB"))
}

pub async fn save(id: &str, name: &str, bytes: &[u8]) -> Result<(), String> {
    let db = open().await?;
    let record = Object::new();
    let set = |k: &str, v: &JsValue| Reflect::set(&record, &JsValue::from_str(k), v);
    set("id", &JsValue::from_str(id)).map_err(js_err("IndexedDB"))?;
    set("name", &JsValue::from_str(name)).map_err(js_err("IndexedDB"))?;
    set("bytes", &Uint8Array::from(bytes).into()).map_err(js_err("IndexedDB"))?;
    let store = store(&db, IdbTransactionMode::Readwrite)?;
    // A fresh import starts as separate models, whatever an earlier copy was set to.
    store.delete(&seeds_key(id)).map_err(js_err("IndexedDB"))?;
    let request = store.put(&record).map_err(js_err("IndexedDB"))?;
    done(&request).await.map(|_| ())
}

/// The key of a file's "models are seeds" record.
fn seeds_key(id: &str) -> JsValue {
    JsValue::from_str(&format!("seeds:{id}"))
}

/// Remember whether a stored file's models are training seeds (one put).
pub async fn set_models_are_seeds(id: &str, seeds: bool) -> Result<(), String> {
    let db = open().await?;
    let record = Object::new();
    Reflect::set(&record, &JsValue::from_str("id"), &seeds_key(id))
        .and_then(|_| Reflect::set(&record, &JsValue::from_str("seeds"), &seeds.into()))
        .map_err(js_err("IndexedDB"))?;
    let request = store(&db, IdbTransactionMode::Readwrite)?
        .put(&record)
        .map_err(js_err("IndexedDB"))?;
    done(&request).await.map(|_| ())
}

pub async fn remove(id: &str) -> Result<(), String> {
    let db = open().await?;
    let store = store(&db, IdbTransactionMode::Readwrite)?;
    store.delete(&seeds_key(id)).map_err(js_err("IndexedDB"))?;
    let request = store
        .delete(&JsValue::from_str(id))
        .map_err(js_err("IndexedDB"))?;
    done(&request).await.map(|_| ())
}

pub async fn load_all() -> Result<Vec<StoredFile>, String> {
    let db = open().await?;
    let request = store(&db, IdbTransactionMode::Readonly)?
        .get_all()
        .map_err(js_err("IndexedDB"))?;
    let all: Array = done(&request).await?.unchecked_into();
    let get = |o: &JsValue, k: &str| Reflect::get(o, &JsValue::from_str(k)).ok();
    let seeded: Vec<String> = all
        .iter()
        .filter(|o| get(o, "seeds").and_then(|v| v.as_bool()) == Some(true))
        .filter_map(|o| {
            get(&o, "id")?
                .as_string()?
                .strip_prefix("seeds:")
                .map(str::to_string)
        })
        .collect();
    Ok(all
        .iter()
        .filter_map(|o| {
            let id = get(&o, "id")?.as_string()?;
            Some(StoredFile {
                name: get(&o, "name")?.as_string()?,
                bytes: get(&o, "bytes")?.dyn_into::<Uint8Array>().ok()?.to_vec(),
                models_are_seeds: seeded.contains(&id),
            })
        })
        .collect())
}
