//! Starting the lab's Web Worker and talking to it.

use serde::Deserialize;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{ErrorEvent, MessageEvent, Worker};

use crate::lab::protocol::{FromWorker, ToWorker};

/// Written by the Trunk build next to index.html: the worker's content-hashed loader.
#[derive(Deserialize)]
struct WorkerManifest {
    loader: String,
}

/// A running lab worker; dropping it terminates the worker.
pub struct LabWorker {
    worker: Worker,
    _on_message: Closure<dyn Fn(MessageEvent)>,
    _on_error: Closure<dyn Fn(ErrorEvent)>,
}

impl LabWorker {
    /// Load and start the worker; `on_message` gets every reply, starting with `Ready`, and a
    /// handle to send the next request. A worker that dies (a panic, out of memory, a script
    /// that fails to load) reports it as `Failed`, so nothing waits for it forever.
    pub async fn start(
        on_message: impl Fn(FromWorker, &LabSender) + 'static,
    ) -> Result<Self, String> {
        let manifest = gloo_net::http::Request::get("lab-worker.json")
            .send()
            .await
            .map_err(|err| format!("could not fetch the lab worker manifest: {err}"))?;
        if !manifest.ok() {
            return Err(format!("lab-worker.json: HTTP {}", manifest.status()));
        }
        let text = manifest.text().await.map_err(|err| err.to_string())?;
        let manifest: WorkerManifest =
            serde_json::from_str(&text).map_err(|err| format!("lab-worker.json: {err}"))?;

        let worker = Worker::new(&manifest.loader)
            .map_err(|err| format!("could not start the lab worker: {err:?}"))?;
        let sender = LabSender(worker.clone());
        let handler = std::rc::Rc::new(on_message);
        let deliver = handler.clone();
        let on_message = Closure::<dyn Fn(MessageEvent)>::new(move |event: MessageEvent| {
            let text = event.data().as_string().unwrap_or_default();
            let message = FromWorker::from_json(&text).unwrap_or_else(|err| FromWorker::Failed {
                backend: None,
                message: err.to_string(),
            });
            deliver(message, &sender);
        });
        let sender = LabSender(worker.clone());
        let on_error = Closure::<dyn Fn(ErrorEvent)>::new(move |event: ErrorEvent| {
            let failed = FromWorker::Failed {
                backend: None,
                message: format!("The lab worker stopped: {}", event.message()),
            };
            handler(failed, &sender);
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        Ok(Self {
            worker,
            _on_message: on_message,
            _on_error: on_error,
        })
    }

    /// A handle for requests from outside the message handler (the page's buttons).
    pub fn sender(&self) -> LabSender {
        LabSender(self.worker.clone())
    }
}

impl Drop for LabWorker {
    fn drop(&mut self) {
        self.worker.terminate();
    }
}

/// Sends requests to the worker.
pub struct LabSender(Worker);

impl LabSender {
    pub fn send(&self, request: &ToWorker) {
        // post_message on a live worker with a string cannot fail in practice.
        let _ = self.0.post_message(&JsValue::from_str(&request.to_json()));
    }
}
