//! The network half of rejudging: one POST to the user's endpoint, turned into the
//! `judge::rejudge::Attempt` the native-tested rules decide on. Nothing else happens here.
//!
//! A browser reports a refused connection and a CORS refusal alike (a `TypeError`), so after
//! a failed request a `no-cors` GET of `{base}/models` tells them apart: it resolves (with
//! an unreadable reply) when the server is up but does not allow this page's origin. That
//! probe carries no key and costs nothing.

use gloo_net::http::Request;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{AbortController, RequestMode};

use crate::judge::rejudge::{Attempt, Endpoint};

/// POST `body` to the endpoint's chat completions route; `key` (when not empty) goes in
/// the `Authorization` header and nowhere else.
pub async fn post(endpoint: &Endpoint, key: &str, body: &str, timeout_ms: u32) -> Attempt {
    let controller = AbortController::new().ok();
    let signal = controller.as_ref().map(AbortController::signal);
    let timer = controller.clone().and_then(|c| {
        let abort = Closure::once_into_js(move || c.abort());
        web_sys::window()?
            .set_timeout_with_callback_and_timeout_and_arguments_0(
                abort.unchecked_ref(),
                timeout_ms as i32,
            )
            .ok()
    });
    let mut request = Request::post(&endpoint.chat_completions_url())
        .header("content-type", "application/json")
        .abort_signal(signal.as_ref());
    if !key.is_empty() {
        request = request.header("authorization", &format!("Bearer {key}"));
    }
    let outcome = match request.body(body.to_string()) {
        Err(e) => Attempt::Network {
            detail: e.to_string(),
        },
        Ok(request) => match request.send().await {
            Ok(reply) => {
                let header = |name: &str| reply.headers().get(name);
                let (retry_after, retry_after_ms) =
                    (header("retry-after"), header("retry-after-ms"));
                match reply.text().await {
                    Ok(text) => Attempt::Reply {
                        status: reply.status(),
                        retry_after,
                        retry_after_ms,
                        body: text,
                    },
                    // The body stopped coming: cut off by the server or by our timer.
                    Err(_) if signal.as_ref().is_some_and(|s| s.aborted()) => Attempt::Timeout,
                    Err(e) => Attempt::Reply {
                        status: reply.status(),
                        retry_after,
                        retry_after_ms,
                        body: format!("(the reply broke off: {e})"),
                    },
                }
            }
            Err(_) if signal.as_ref().is_some_and(|s| s.aborted()) => Attempt::Timeout,
            Err(e) => {
                if server_is_up(endpoint).await {
                    Attempt::Cors
                } else {
                    Attempt::Network {
                        detail: e.to_string(),
                    }
                }
            }
        },
    };
    if let (Some(id), Some(w)) = (timer, web_sys::window()) {
        w.clear_timeout_with_handle(id);
    }
    outcome
}

/// Does anything answer at the base URL, readable or not?
async fn server_is_up(endpoint: &Endpoint) -> bool {
    Request::get(&format!("{}/models", endpoint.base_url))
        .mode(RequestMode::NoCors)
        .send()
        .await
        .is_ok()
}
