//! The network half of rejudging: one POST to the user's endpoint, turned into the
//! `judge::rejudge::Attempt` the native-tested rules decide on. Nothing else happens here.
//!
//! A browser reports a refused connection and a CORS refusal alike (a `TypeError`), so after
//! a failed request a `no-cors` GET of `{base}/models` tells them apart: it resolves (with
//! an unreadable reply) when the server is up but does not allow this page's origin. That
//! probe carries no key and costs nothing. A server whose replies this run could read does
//! allow the origin: a failure there is a network error (retried), never CORS.

use gloo_net::http::Request;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{AbortController, RequestMode};

use std::cell::RefCell;
use std::collections::HashSet;

use crate::judge::rejudge::{Attempt, Endpoint};

thread_local! {
    /// Base URLs whose replies this run has read (their CORS is fine).
    static READABLE: RefCell<HashSet<String>> = RefCell::new(HashSet::new());
}

/// A new run starts without knowing: a server that refused this origin before may allow it
/// now, and the other way round.
pub fn forget_readable() {
    READABLE.with_borrow_mut(|r| r.clear());
}

/// How long the CORS probe may take.
const PROBE_MS: u32 = 5_000;

/// Aborts `controller` after `ms`; returns the timer to clear.
fn abort_after(controller: &AbortController, ms: u32) -> Option<i32> {
    let c = controller.clone();
    let abort = Closure::once_into_js(move || c.abort());
    web_sys::window()?
        .set_timeout_with_callback_and_timeout_and_arguments_0(abort.unchecked_ref(), ms as i32)
        .ok()
}

fn clear(timer: Option<i32>) {
    if let (Some(id), Some(w)) = (timer, web_sys::window()) {
        w.clear_timeout_with_handle(id);
    }
}

/// POST `body` to the endpoint's chat completions route; `key` (when not empty) goes in
/// the `Authorization` header and nowhere else.
pub async fn post(endpoint: &Endpoint, key: &str, body: &str, timeout_ms: u32) -> Attempt {
    let controller = AbortController::new().ok();
    let signal = controller.as_ref().map(AbortController::signal);
    let timer = controller.as_ref().and_then(|c| abort_after(c, timeout_ms));
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
                READABLE.with_borrow_mut(|r| r.insert(endpoint.base_url.clone()));
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
                let was_readable = READABLE.with_borrow(|r| r.contains(&endpoint.base_url));
                if !was_readable && server_is_up(endpoint).await {
                    Attempt::Cors
                } else {
                    Attempt::Network {
                        detail: e.to_string(),
                    }
                }
            }
        },
    };
    clear(timer);
    outcome
}

/// Does anything answer at the base URL, readable or not?
async fn server_is_up(endpoint: &Endpoint) -> bool {
    let controller = AbortController::new().ok();
    let signal = controller.as_ref().map(AbortController::signal);
    let timer = controller.as_ref().and_then(|c| abort_after(c, PROBE_MS));
    let up = Request::get(&format!("{}/models", endpoint.base_url))
        .mode(RequestMode::NoCors)
        .abort_signal(signal.as_ref())
        .send()
        .await
        .is_ok();
    clear(timer);
    up
}
