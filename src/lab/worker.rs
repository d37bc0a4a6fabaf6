//! The lab worker's event loop (wasm32 only): decode a request, run it on the chosen burn
//! device, post the reply. Requests run one after another in arrival order.

use burn::tensor::Device;
use burn::tensor::wgpu::WgpuBackend;
use std::cell::RefCell;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

use super::protocol::{Backend, FromWorker, ToWorker};
use super::smoke::train_token_map;

thread_local! {
    // A wgpu runtime can be initialised once per page; later requests reuse the device.
    static WEBGPU: RefCell<Option<Device>> = const { RefCell::new(None) };
}

/// Install the message handler and tell the app the worker is ready.
pub fn run() {
    console_error_panic_hook::set_once();
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let reply_scope = scope.clone();
    let on_message = Closure::<dyn Fn(MessageEvent)>::new(move |event: MessageEvent| {
        let scope = reply_scope.clone();
        let text = event.data().as_string().unwrap_or_default();
        wasm_bindgen_futures::spawn_local(async move {
            let reply = match ToWorker::from_json(&text) {
                Ok(request) => handle(request, &scope).await,
                Err(err) => FromWorker::Failed {
                    backend: None,
                    message: err.to_string(),
                },
            };
            post(&scope, &reply);
        });
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    post(&scope, &FromWorker::Ready);
}

fn post(scope: &DedicatedWorkerGlobalScope, message: &FromWorker) {
    // Posting a string to our own parent only fails if the page is gone; nothing to do then.
    let _ = scope.post_message(&JsValue::from_str(&message.to_json()));
}

async fn handle(request: ToWorker, scope: &DedicatedWorkerGlobalScope) -> FromWorker {
    match request {
        ToWorker::SmokeTest { backend, steps } => {
            let clock = scope.performance();
            let now = || clock.as_ref().map_or(0.0, |p| p.now());
            let started = now();
            let result = async {
                let device = device_for(backend).await?;
                train_token_map(&device, steps)
                    .await
                    .map_err(|err| format!("{err:?}"))
            }
            .await;
            match result {
                Ok(report) => FromWorker::SmokeDone {
                    backend,
                    steps: report.steps,
                    first_loss: report.first_loss,
                    last_loss: report.last_loss,
                    millis: now() - started,
                },
                Err(message) => FromWorker::Failed {
                    backend: Some(backend),
                    message,
                },
            }
        }
    }
}

async fn device_for(backend: Backend) -> Result<Device, String> {
    match backend {
        Backend::Flex => Ok(Device::flex()),
        Backend::WebGpu => {
            if let Some(device) = WEBGPU.with_borrow(|d| d.clone()) {
                return Ok(device);
            }
            let device = Device::wgpu_options()
                .graphics_api(WgpuBackend::WebGpu)
                .init_async()
                .await
                .map_err(|err| format!("WebGPU is not available here: {err}"))?;
            WEBGPU.set(Some(device.clone()));
            Ok(device)
        }
    }
}
