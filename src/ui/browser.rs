//! The app's small browser helpers, in one place: the clock, yielding to the browser and
//! waiting, localStorage, reading a picked or dropped file, and offering a download.

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::runs;

/// Milliseconds since the Unix epoch (the browser's clock).
pub fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

/// Let the browser render and handle input between chunks of work.
pub async fn yield_now() {
    sleep_ms(0).await;
}

/// Resolve after `ms` milliseconds (a `setTimeout`), letting the browser run meanwhile.
pub async fn sleep_ms(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = JsFuture::from(promise).await;
}

/// This browser's localStorage (the app's small settings: sync settings, queues).
pub fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// A dropped or picked file's bytes, refused by size before any is read.
pub async fn read_file(file: &web_sys::File) -> Result<Vec<u8>, String> {
    let name = file.name();
    runs::sniff::check_size(&name, file.size() as u64).map_err(|e| e.to_string())?;
    match JsFuture::from(file.array_buffer()).await {
        Ok(buffer) => Ok(js_sys::Uint8Array::new(&buffer).to_vec()),
        Err(_) => Err(format!("{name}: the browser could not read the file")),
    }
}

/// Files from a drop or a file input.
pub fn files_of(list: Option<web_sys::FileList>) -> Vec<web_sys::File> {
    let Some(list) = list else { return Vec::new() };
    (0..list.length()).filter_map(|i| list.get(i)).collect()
}

/// Offer `contents` as a download named `file_name` (a Blob and a temporary link).
pub fn download(file_name: &str, mime: &str, contents: &str) -> Result<(), String> {
    let err = |e: wasm_bindgen::JsValue| format!("{e:?}");
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(contents));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).map_err(err)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(err)?;
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    let a: web_sys::HtmlAnchorElement = document
        .create_element("a")
        .map_err(err)?
        .dyn_into()
        .map_err(|_| "not an anchor")?;
    a.set_href(&url);
    a.set_download(file_name);
    a.click();
    // Revoke later: the download starts asynchronously.
    let revoke = wasm_bindgen::closure::Closure::once_into_js(move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    });
    if let Some(w) = web_sys::window() {
        let _ =
            w.set_timeout_with_callback_and_timeout_and_arguments_0(revoke.unchecked_ref(), 10_000);
    }
    Ok(())
}
