//! Messages between the app and the lab worker, sent as JSON strings through `postMessage`.
//!
//! JSON (not structured clone of JS objects) keeps the protocol plain Rust, testable natively
//! and identical on both sides.

use serde::{Deserialize, Serialize};

/// Which burn device the worker should train on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Backend {
    /// burn's pure-Rust CPU backend: works in every browser.
    Flex,
    /// WebGPU through wgpu: fast where the browser offers a GPU adapter.
    WebGpu,
}

impl Backend {
    pub fn label(self) -> &'static str {
        match self {
            Backend::Flex => "CPU (burn Flex, WebAssembly SIMD)",
            Backend::WebGpu => "WebGPU",
        }
    }
}

/// App → worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ToWorker {
    /// Train a tiny model for a few steps and report whether the loss fell.
    SmokeTest { backend: Backend, steps: usize },
}

/// Worker → app.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FromWorker {
    /// The worker's wasm is loaded and it listens: messages sent earlier would be lost.
    Ready,
    SmokeDone {
        backend: Backend,
        steps: usize,
        first_loss: f32,
        last_loss: f32,
        /// Wall time of device set-up plus training, in milliseconds.
        millis: f64,
    },
    Failed {
        backend: Option<Backend>,
        message: String,
    },
}

/// A message that could not be decoded: names what was received.
#[derive(Debug, Clone, PartialEq)]
pub struct ProtocolError(pub String);

impl std::fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "lab worker message not understood: {}", self.0)
    }
}

impl std::error::Error for ProtocolError {}

macro_rules! json_codec {
    ($ty:ty) => {
        impl $ty {
            pub fn to_json(&self) -> String {
                serde_json::to_string(self).expect("protocol messages always serialise")
            }

            pub fn from_json(text: &str) -> Result<Self, ProtocolError> {
                serde_json::from_str(text)
                    .map_err(|err| ProtocolError(format!("{err} in {text:.80}")))
            }
        }
    };
}

json_codec!(ToWorker);
json_codec!(FromWorker);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_round_trip_through_json() {
        let request = ToWorker::SmokeTest {
            backend: Backend::WebGpu,
            steps: 20,
        };
        assert_eq!(ToWorker::from_json(&request.to_json()).unwrap(), request);
        let reply = FromWorker::SmokeDone {
            backend: Backend::Flex,
            steps: 20,
            first_loss: 2.8,
            last_loss: 0.4,
            millis: 12.5,
        };
        assert_eq!(FromWorker::from_json(&reply.to_json()).unwrap(), reply);
    }

    #[test]
    fn wire_format_is_tagged_and_readable() {
        let json = ToWorker::SmokeTest {
            backend: Backend::WebGpu,
            steps: 3,
        }
        .to_json();
        assert_eq!(
            json,
            r#"{"type":"smoke_test","backend":"web_gpu","steps":3}"#
        );
        assert_eq!(FromWorker::Ready.to_json(), r#"{"type":"ready"}"#);
    }

    #[test]
    fn malformed_message_names_what_was_received() {
        let err = ToWorker::from_json(r#"{"type":"teleport"}"#).unwrap_err();
        assert!(err.to_string().contains("teleport"), "{err}");
    }
}
