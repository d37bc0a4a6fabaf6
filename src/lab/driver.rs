//! What the lab page asks the worker next: load the base model on the chosen device (or,
//! on *auto*, time a few steps on each device and keep the faster), then train; fall back
//! to the CPU with a plain note when WebGPU fails at any point. Plain Rust, tested
//! natively; the page only forwards messages both ways.

use super::plan::{DeviceChoice, LabConfig};
use super::protocol::{Backend, FromWorker, LoadStage, ToWorker};

/// Steps timed per device on *auto* (after one warm-up step).
pub const TIMING_STEPS: usize = 3;

#[derive(Debug, Clone, PartialEq)]
pub enum Phase {
    /// No worker yet, or nothing asked.
    Idle,
    /// The worker's wasm is downloading and compiling.
    Starting,
    Loading {
        backend: Backend,
        stage: LoadStage,
        fraction: f64,
    },
    Timing {
        backend: Backend,
    },
    Training,
    Paused,
    Done {
        cancelled: bool,
    },
    Failed(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Driver {
    pub phase: Phase,
    config: LabConfig,
    /// The device training (once chosen).
    pub backend: Option<Backend>,
    /// Median step times measured on *auto*, in milliseconds.
    pub timings: Vec<(Backend, f64)>,
    /// Plain sentences for the visitor (fallbacks).
    pub notes: Vec<String>,
    /// What `Loaded` said.
    pub vocabulary: Vec<String>,
    pub base_hash: Option<String>,
    pub parameters: Option<usize>,
    webgpu_failed: bool,
    /// Devices still to time on *auto*.
    to_time: Vec<Backend>,
}

impl Driver {
    pub fn new() -> Self {
        Self {
            phase: Phase::Idle,
            config: LabConfig::default(),
            backend: None,
            timings: Vec::new(),
            notes: Vec::new(),
            vocabulary: Vec::new(),
            base_hash: None,
            parameters: None,
            webgpu_failed: false,
            to_time: Vec::new(),
        }
    }

    /// The experiment being set up or trained.
    pub fn config(&self) -> &LabConfig {
        &self.config
    }

    pub fn busy(&self) -> bool {
        matches!(
            self.phase,
            Phase::Starting | Phase::Loading { .. } | Phase::Timing { .. } | Phase::Training
        )
    }

    /// The visitor pressed Run: `worker_ready` says whether the worker has said `Ready`
    /// (if not, the page starts it and the requests follow `Ready`).
    pub fn run(&mut self, config: &LabConfig, worker_ready: bool) -> Vec<ToWorker> {
        self.config = config.clone();
        if !worker_ready {
            self.phase = Phase::Starting;
            return Vec::new();
        }
        self.begin()
    }

    fn begin(&mut self) -> Vec<ToWorker> {
        let wanted = match self.config.device {
            DeviceChoice::Cpu => Some(Backend::Flex),
            DeviceChoice::WebGpu if self.webgpu_failed => Some(Backend::Flex),
            DeviceChoice::WebGpu => Some(Backend::WebGpu),
            DeviceChoice::Auto => self.fastest(),
        };
        match wanted {
            Some(backend) => self.load(backend),
            None => {
                self.to_time = [Backend::Flex, Backend::WebGpu]
                    .into_iter()
                    .filter(|b| !self.timings.iter().any(|(t, _)| t == b))
                    .filter(|b| *b == Backend::Flex || !self.webgpu_failed)
                    .collect();
                self.time_next()
            }
        }
    }

    /// The faster timed device, once every device is timed (or failed).
    fn fastest(&self) -> Option<Backend> {
        let timed = |b: Backend| self.timings.iter().any(|(t, _)| *t == b);
        if !timed(Backend::Flex) || !(timed(Backend::WebGpu) || self.webgpu_failed) {
            return None;
        }
        self.timings
            .iter()
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(b, _)| *b)
    }

    fn load(&mut self, backend: Backend) -> Vec<ToWorker> {
        self.backend = Some(backend);
        self.phase = Phase::Loading {
            backend,
            stage: LoadStage::Weights,
            fraction: 0.0,
        };
        vec![ToWorker::Load { backend }]
    }

    fn time_next(&mut self) -> Vec<ToWorker> {
        match self.to_time.first().copied() {
            Some(backend) => {
                self.to_time.remove(0);
                self.phase = Phase::Timing { backend };
                vec![ToWorker::Time {
                    backend,
                    steps: TIMING_STEPS,
                }]
            }
            None => {
                let best = self.fastest().unwrap_or(Backend::Flex);
                self.load(best)
            }
        }
    }

    fn fall_back(&mut self, message: &str) -> Vec<ToWorker> {
        self.webgpu_failed = true;
        self.notes.push(format!(
            "WebGPU failed ({message}), so the lab trains on the CPU instead."
        ));
        match self.phase {
            Phase::Timing { .. } => self.time_next(),
            _ => self.load(Backend::Flex),
        }
    }

    /// A message from the worker: update the phase and say what to send next.
    pub fn on_message(&mut self, message: &FromWorker) -> Vec<ToWorker> {
        match message {
            FromWorker::Ready if self.phase == Phase::Starting => self.begin(),
            FromWorker::Loading {
                stage, done, total, ..
            } => {
                if let Phase::Loading { backend, .. } = self.phase {
                    self.phase = Phase::Loading {
                        backend,
                        stage: *stage,
                        fraction: if *total == 0 {
                            0.0
                        } else {
                            *done as f64 / *total as f64
                        },
                    };
                }
                Vec::new()
            }
            FromWorker::Loaded {
                backend,
                parameters,
                vocabulary,
                base_hash,
                ..
            } => {
                self.vocabulary = vocabulary.clone();
                self.base_hash = Some(base_hash.clone());
                self.parameters = Some(*parameters);
                if matches!(self.phase, Phase::Loading { backend: b, .. } if b == *backend) {
                    self.phase = Phase::Training;
                    let runs = self.config.runs().iter().map(|r| r.id).collect();
                    vec![ToWorker::Train {
                        config: self.config.clone(),
                        runs,
                        probe_base: true,
                    }]
                } else {
                    Vec::new()
                }
            }
            FromWorker::Timed {
                backend,
                step_millis,
                ..
            } => {
                self.timings.retain(|(b, _)| b != backend);
                self.timings.push((*backend, *step_millis));
                self.time_next()
            }
            FromWorker::Failed {
                backend: Some(Backend::WebGpu),
                message,
            } if self.busy() => self.fall_back(message),
            FromWorker::Failed { message, .. } if self.busy() => {
                self.phase = Phase::Failed(message.clone());
                Vec::new()
            }
            FromWorker::Paused => {
                self.phase = Phase::Paused;
                Vec::new()
            }
            FromWorker::Finished { cancelled, .. } => {
                self.phase = Phase::Done {
                    cancelled: *cancelled,
                };
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    /// The visitor resumed or stepped a paused experiment.
    pub fn resumed(&mut self) {
        if self.phase == Phase::Paused {
            self.phase = Phase::Training;
        }
    }
}

impl Default for Driver {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loaded(backend: Backend) -> FromWorker {
        FromWorker::Loaded {
            backend,
            parameters: 10,
            vocabulary: vec!["wish".into()],
            base_hash: "ab".into(),
            millis: 1.0,
        }
    }

    fn timed(backend: Backend, step_millis: f64) -> FromWorker {
        FromWorker::Timed {
            backend,
            steps: TIMING_STEPS,
            step_millis,
        }
    }

    #[test]
    fn on_the_cpu_the_page_loads_then_trains_every_run() {
        let mut d = Driver::new();
        let config = LabConfig::default();
        assert!(d.run(&config, false).is_empty());
        assert_eq!(d.phase, Phase::Starting);
        assert_eq!(
            d.on_message(&FromWorker::Ready),
            [ToWorker::Load {
                backend: Backend::Flex
            }]
        );
        d.on_message(&FromWorker::Loading {
            stage: LoadStage::Weights,
            done: 50,
            total: 100,
        });
        assert!(matches!(d.phase, Phase::Loading { fraction, .. } if fraction == 0.5));
        let next = d.on_message(&loaded(Backend::Flex));
        assert_eq!(
            next,
            [ToWorker::Train {
                config,
                runs: vec![0, 1, 2],
                probe_base: true
            }]
        );
        assert_eq!(d.phase, Phase::Training);
        d.on_message(&FromWorker::Finished {
            cancelled: false,
            millis: 1.0,
        });
        assert_eq!(d.phase, Phase::Done { cancelled: false });
    }

    #[test]
    fn auto_times_both_devices_keeps_the_faster_and_remembers() {
        let mut d = Driver::new();
        let config = LabConfig {
            device: DeviceChoice::Auto,
            ..LabConfig::default()
        };
        let first = d.run(&config, true);
        assert_eq!(
            first,
            [ToWorker::Time {
                backend: Backend::Flex,
                steps: TIMING_STEPS
            }]
        );
        // Timing loads the model too; that `Loaded` must not start training.
        assert!(d.on_message(&loaded(Backend::Flex)).is_empty());
        let second = d.on_message(&timed(Backend::Flex, 20.0));
        assert!(matches!(
            second[..],
            [ToWorker::Time {
                backend: Backend::WebGpu,
                ..
            }]
        ));
        let third = d.on_message(&timed(Backend::WebGpu, 900.0));
        assert_eq!(
            third,
            [ToWorker::Load {
                backend: Backend::Flex
            }]
        );
        assert_eq!(d.timings.len(), 2);
        // A second run does not time again.
        assert_eq!(
            d.run(&config, true),
            [ToWorker::Load {
                backend: Backend::Flex
            }]
        );
    }

    #[test]
    fn a_webgpu_failure_falls_back_to_the_cpu_with_a_note() {
        let mut d = Driver::new();
        let config = LabConfig {
            device: DeviceChoice::WebGpu,
            ..LabConfig::default()
        };
        assert_eq!(
            d.run(&config, true),
            [ToWorker::Load {
                backend: Backend::WebGpu
            }]
        );
        d.on_message(&loaded(Backend::WebGpu));
        assert_eq!(d.phase, Phase::Training);
        let next = d.on_message(&FromWorker::Failed {
            backend: Some(Backend::WebGpu),
            message: "device lost".into(),
        });
        assert_eq!(
            next,
            [ToWorker::Load {
                backend: Backend::Flex
            }]
        );
        assert!(d.notes[0].contains("device lost") && d.notes[0].contains("CPU"));
        assert!(matches!(
            d.on_message(&loaded(Backend::Flex))[..],
            [ToWorker::Train { .. }]
        ));
        // Later runs asking for WebGPU go straight to the CPU.
        assert_eq!(
            d.run(&config, true),
            [ToWorker::Load {
                backend: Backend::Flex
            }]
        );
    }

    #[test]
    fn a_cpu_failure_is_shown_and_stops() {
        let mut d = Driver::new();
        d.run(&LabConfig::default(), true);
        let next = d.on_message(&FromWorker::Failed {
            backend: Some(Backend::Flex),
            message: "The model file toy-base.bpk is missing on this site (HTTP 404).".into(),
        });
        assert!(next.is_empty());
        assert!(matches!(&d.phase, Phase::Failed(m) if m.contains("missing")));
        assert!(!d.busy());
    }

    #[test]
    fn auto_without_webgpu_trains_on_the_cpu() {
        let mut d = Driver::new();
        let config = LabConfig {
            device: DeviceChoice::Auto,
            ..LabConfig::default()
        };
        d.run(&config, true);
        d.on_message(&timed(Backend::Flex, 20.0));
        let next = d.on_message(&FromWorker::Failed {
            backend: Some(Backend::WebGpu),
            message: "WebGPU is not available here".into(),
        });
        assert_eq!(
            next,
            [ToWorker::Load {
                backend: Backend::Flex
            }]
        );
    }
}
