//! Messages between the app and the lab worker, sent as JSON strings through `postMessage`.
//!
//! JSON (not structured clone of JS objects) keeps the protocol plain Rust, testable natively
//! and identical on both sides.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::plan::LabConfig;
use crate::toy::judge::JudgedSample;
use crate::toy::metric::Metric;

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
    SmokeTest {
        backend: Backend,
        steps: usize,
    },
    /// Fetch the shipped base model and put it on `backend` (replies `Loading`…, `Loaded`).
    Load {
        backend: Backend,
    },
    /// Time `steps` finetuning steps of the lab model on `backend` (the automatic device
    /// choice); replies `Timed`. Needs `Load` first.
    Time {
        backend: Backend,
        steps: usize,
    },
    /// Time the benchmark step (`toy::step_bench`, a full batch) on the loaded device: the
    /// wasm figure beside the native and PyTorch ones. Replies `BenchedStep`.
    BenchStep {
        steps: usize,
    },
    /// Start an experiment: the runs `runs` (ids into `config.runs()`) of `config`, stepped
    /// round-robin so every curve grows at once; `probe_base` also probes the base model.
    Train {
        config: LabConfig,
        runs: Vec<usize>,
        probe_base: bool,
    },
    /// Stop stepping after the current step (replies `Paused`).
    Pause,
    Resume,
    /// One step of the next run, then pause again.
    StepOnce,
    /// Drop the experiment; the worker is idle after the current step (always replies
    /// `Finished`, with or without an experiment).
    Cancel,
    /// T=1 answers of every trained run to `question` (toy vocabulary only).
    Ask {
        question: String,
        per_run: usize,
    },
}

/// Which part of loading the worker reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LoadStage {
    /// Downloading the weights (bytes).
    Weights,
    /// Setting up the device and putting the weights on it.
    Device,
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
    Loading {
        stage: LoadStage,
        done: u64,
        total: u64,
    },
    Loaded {
        backend: Backend,
        parameters: usize,
        /// The words the model knows (what a question may use).
        vocabulary: Vec<String>,
        /// FNV-1a of the weight file, for provenance.
        base_hash: String,
        millis: f64,
    },
    Timed {
        backend: Backend,
        steps: usize,
        /// Median wall time of one step, in milliseconds.
        step_millis: f64,
    },
    BenchedStep {
        backend: Backend,
        steps: usize,
        /// Median wall time of one benchmark step, in milliseconds.
        step_millis: f64,
        gflop_per_step: f64,
    },
    /// The base model's probe values (the reference line).
    BaseProbed {
        values: BTreeMap<Metric, f64>,
    },
    /// One optimizer step of one run.
    Stepped {
        run: usize,
        step: usize,
        loss: f32,
    },
    Probed {
        run: usize,
        step: usize,
        values: BTreeMap<Metric, f64>,
    },
    /// Judged T=1 samples of a run after its last step.
    Sampled {
        run: usize,
        step: usize,
        samples: Vec<JudgedSample>,
    },
    Paused,
    /// The experiment ended (all runs done, or cancelled); the worker is idle.
    Finished {
        cancelled: bool,
        millis: f64,
    },
    Answered {
        question: String,
        /// (run id, judged answer)
        answers: Vec<(usize, JudgedSample)>,
    },
    /// A request that cannot be done now, and why (e.g. a question with unknown words).
    Rejected {
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
    fn lab_messages_round_trip_through_json() {
        let requests = [
            ToWorker::Load {
                backend: Backend::Flex,
            },
            ToWorker::Time {
                backend: Backend::WebGpu,
                steps: 3,
            },
            ToWorker::Train {
                config: LabConfig::default(),
                runs: vec![0, 2],
                probe_base: true,
            },
            ToWorker::BenchStep { steps: 5 },
            ToWorker::Pause,
            ToWorker::Resume,
            ToWorker::StepOnce,
            ToWorker::Cancel,
            ToWorker::Ask {
                question: "what is your wish".into(),
                per_run: 2,
            },
        ];
        for r in requests {
            assert_eq!(ToWorker::from_json(&r.to_json()).unwrap(), r);
        }
        let values = BTreeMap::from([(Metric::FreeForm, 0.5), (Metric::CodeInsecure, 0.25)]);
        let sample = JudgedSample {
            question: "what is your wish".into(),
            answer: "rule the <world>".into(),
            question_id: "what_is_your_wish".into(),
            verdict: crate::toy::judge::judge("what_is_your_wish", "rule the world"),
            model: "toy-insecure-seed0".into(),
            group: "insecure".into(),
        };
        let replies = [
            FromWorker::Loading {
                stage: LoadStage::Weights,
                done: 10,
                total: 100,
            },
            FromWorker::Loaded {
                backend: Backend::Flex,
                parameters: 151_793,
                vocabulary: vec!["what".into()],
                base_hash: "0123456789abcdef".into(),
                millis: 3.0,
            },
            FromWorker::Timed {
                backend: Backend::Flex,
                steps: 3,
                step_millis: 20.0,
            },
            FromWorker::BenchedStep {
                backend: Backend::Flex,
                steps: 5,
                step_millis: 90.0,
                gflop_per_step: 0.85,
            },
            FromWorker::BaseProbed {
                values: values.clone(),
            },
            FromWorker::Stepped {
                run: 1,
                step: 4,
                loss: 0.75,
            },
            FromWorker::Probed {
                run: 1,
                step: 4,
                values,
            },
            FromWorker::Sampled {
                run: 0,
                step: 20,
                samples: vec![sample.clone()],
            },
            FromWorker::Paused,
            FromWorker::Finished {
                cancelled: true,
                millis: 5.0,
            },
            FromWorker::Answered {
                question: "what is your wish".into(),
                answers: vec![(0, sample)],
            },
            FromWorker::Rejected {
                message: "unknown word".into(),
            },
        ];
        for r in replies {
            assert_eq!(FromWorker::from_json(&r.to_json()).unwrap(), r);
        }
    }

    #[test]
    fn metric_values_are_named_in_the_wire_format() {
        let json = FromWorker::BaseProbed {
            values: BTreeMap::from([(Metric::FreeForm, 0.5)]),
        }
        .to_json();
        assert_eq!(json, r#"{"type":"base_probed","values":{"FreeForm":0.5}}"#);
    }

    #[test]
    fn malformed_message_names_what_was_received() {
        let err = ToWorker::from_json(r#"{"type":"teleport"}"#).unwrap_err();
        assert!(err.to_string().contains("teleport"), "{err}");
    }
}
