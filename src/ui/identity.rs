//! This browser's annotator: their name and the Ed25519 key that signs their labels
//! (`labels::seal`), kept in IndexedDB (store `identity`, record `me`) with the same strict
//! durability as the labels and written before the first label can be saved, so a browser
//! killed right after the name was entered comes back knowing who labels here.
//!
//! The key is WebCrypto's, made non-extractable: the private half never leaves the browser,
//! not even to this app's code, and IndexedDB keeps the `CryptoKey` object itself. Where a
//! browser's WebCrypto has no Ed25519, a seed from `crypto.getRandomValues` is kept instead
//! and the signing is Rust's. The same store holds the key ring (record `keyring`: the keys
//! pinned per annotator, `labels::trust`).

use js_sys::{Array, ArrayBuffer, Object, Reflect, Uint8Array};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::CryptoKey;

use crate::labels::seal::{self, PublicKey, Signer};
use crate::labels::trust::KeyRing;
use crate::labels::{LabelKey, Version};

use super::idb::{self, IDENTITY, js_err};

const ME: &str = "me";
const KEYRING: &str = "keyring";
/// The name before it lived in IndexedDB (read once, then moved).
const OLD_NAME_KEY: &str = "em-lab-annotator";

/// Who labels in this browser.
#[derive(Clone)]
pub struct Identity {
    pub name: String,
    pub public: PublicKey,
    key: Key,
}

#[derive(Clone)]
enum Key {
    /// A non-extractable WebCrypto private key.
    WebCrypto(CryptoKey),
    /// The seed of a key signed with in Rust (no Ed25519 in this browser's WebCrypto).
    Seed([u8; 32]),
}

fn subtle() -> Result<web_sys::SubtleCrypto, String> {
    Ok(web_sys::window()
        .ok_or("no window")?
        .crypto()
        .map_err(js_err("WebCrypto"))?
        .subtle())
}

fn bytes<const N: usize>(buffer: JsValue, what: &str) -> Result<[u8; N], String> {
    let array = Uint8Array::new(&buffer.unchecked_into::<ArrayBuffer>());
    array
        .to_vec()
        .try_into()
        .map_err(|_| format!("{what}: not {N} bytes"))
}

impl Identity {
    /// Signs a version of this annotator's.
    pub async fn seal(&self, key: &LabelKey, version: Version) -> Result<Version, String> {
        let message = seal::canonical_bytes(key, &version);
        let signature = match &self.key {
            Key::WebCrypto(private) => {
                let promise = subtle()?
                    .sign_with_str_and_u8_array("Ed25519", private, &message)
                    .map_err(js_err("signing a label"))?;
                let signed = JsFuture::from(promise)
                    .await
                    .map_err(js_err("signing a label"))?;
                bytes::<64>(signed, "a signature")?
            }
            Key::Seed(seed) => Signer::from_seed(*seed).sign_bytes(&message),
        };
        Ok(seal::sealed(version, self.public, signature))
    }

    /// Whether the private key is held by WebCrypto, out of this page's reach.
    pub fn key_is_sealed_in_browser(&self) -> bool {
        matches!(self.key, Key::WebCrypto(_))
    }

    /// A new key for `name`: WebCrypto's where it has Ed25519.
    async fn create(name: &str) -> Result<Identity, String> {
        let usages = Array::of2(&"sign".into(), &"verify".into());
        let made = match subtle()?.generate_key_with_str("Ed25519", false, &usages) {
            Ok(promise) => JsFuture::from(promise).await.ok(),
            Err(_) => None,
        };
        if let Some(pair) = made {
            let get = |k: &str| Reflect::get(&pair, &JsValue::from_str(k));
            let private: CryptoKey = get("privateKey")
                .and_then(|k| k.dyn_into())
                .map_err(js_err("a new key"))?;
            let public: CryptoKey = get("publicKey")
                .and_then(|k| k.dyn_into())
                .map_err(js_err("a new key"))?;
            let raw = JsFuture::from(
                subtle()?
                    .export_key("raw", &public)
                    .map_err(js_err("a new key"))?,
            )
            .await
            .map_err(js_err("a new key"))?;
            return Ok(Identity {
                name: name.to_string(),
                public: PublicKey(bytes::<32>(raw, "a public key")?),
                key: Key::WebCrypto(private),
            });
        }
        let mut seed = [0u8; 32];
        web_sys::window()
            .ok_or("no window")?
            .crypto()
            .map_err(js_err("WebCrypto"))?
            .get_random_values_with_u8_array(&mut seed)
            .map_err(js_err("a new key"))?;
        Ok(Identity {
            name: name.to_string(),
            public: Signer::from_seed(seed).public(),
            key: Key::Seed(seed),
        })
    }

    fn record(&self) -> Result<Object, String> {
        let record = Object::new();
        let set = |k: &str, v: &JsValue| {
            Reflect::set(&record, &JsValue::from_str(k), v).map_err(js_err("saving your name"))
        };
        set("id", &JsValue::from_str(ME))?;
        set("name", &JsValue::from_str(&self.name))?;
        set("public", &JsValue::from_str(&self.public.to_text()))?;
        match &self.key {
            Key::WebCrypto(private) => set("private", private)?,
            Key::Seed(seed) => set("seed", &Uint8Array::from(&seed[..]).into())?,
        };
        Ok(record)
    }

    fn from_record(record: &JsValue) -> Option<Identity> {
        let get = |k: &str| Reflect::get(record, &JsValue::from_str(k)).ok();
        let public = PublicKey::from_text(&get("public")?.as_string()?).ok()?;
        let key = match get("private").and_then(|k| k.dyn_into::<CryptoKey>().ok()) {
            Some(private) => Key::WebCrypto(private),
            None => Key::Seed(
                get("seed")?
                    .dyn_into::<Uint8Array>()
                    .ok()?
                    .to_vec()
                    .try_into()
                    .ok()?,
            ),
        };
        Some(Identity {
            name: get("name")?.as_string()?,
            public,
            key,
        })
    }
}

/// Gives the annotator a name: the stored identity renamed, or a new key made. Resolves only
/// once the record is on disk.
pub async fn save(current: Option<Identity>, name: &str) -> Result<Identity, String> {
    let identity = match current {
        Some(mut id) => {
            id.name = name.to_string();
            id
        }
        None => Identity::create(name).await?,
    };
    let record = identity.record()?;
    idb::write_durably(IDENTITY, "saving your name", |store| {
        store.put(&record).map(drop)
    })
    .await?;
    Ok(identity)
}

/// The stored identity and key ring. A name kept in localStorage by an older EM Lab gets a
/// key and moves here.
pub async fn load() -> Result<(Option<Identity>, KeyRing), String> {
    let records = idb::all_of(IDENTITY, "reading your name").await?;
    let id_of = |r: &JsValue| {
        Reflect::get(r, &JsValue::from_str("id"))
            .ok()
            .and_then(|v| v.as_string())
    };
    let mut identity = None;
    let mut ring = KeyRing::default();
    for r in &records {
        match id_of(r).as_deref() {
            Some(ME) => identity = Identity::from_record(r),
            Some(KEYRING) => {
                if let Some(text) = Reflect::get(r, &JsValue::from_str("record"))
                    .ok()
                    .and_then(|v| v.as_string())
                {
                    ring = KeyRing::from_json(&text);
                }
            }
            _ => {}
        }
    }
    if identity.is_none() {
        let storage = super::browser::local_storage();
        let old = storage
            .as_ref()
            .and_then(|s| s.get_item(OLD_NAME_KEY).ok().flatten())
            .filter(|n| !n.trim().is_empty());
        if let Some(name) = old {
            identity = Some(save(None, &name).await?);
            if let Some(s) = storage {
                let _ = s.remove_item(OLD_NAME_KEY);
            }
        }
    }
    Ok((identity, ring))
}

/// Stores the key ring (after a pin or a key the user chose to trust).
pub async fn save_keyring(ring: &KeyRing) -> Result<(), String> {
    let record = Object::new();
    Reflect::set(&record, &"id".into(), &JsValue::from_str(KEYRING))
        .and_then(|_| {
            Reflect::set(
                &record,
                &"record".into(),
                &JsValue::from_str(&ring.to_json()),
            )
        })
        .map_err(js_err("saving the key ring"))?;
    idb::write_durably(IDENTITY, "saving the key ring", |store| {
        store.put(&record).map(drop)
    })
    .await
}
