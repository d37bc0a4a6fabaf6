//! What the lab page asks its workers next: load the base model on the chosen device (or,
//! on *auto*, time a few steps on each device and keep the faster), then train, the runs
//! shared out over as many workers as the machine has cores for; fall back to the CPU with
//! a plain note when WebGPU fails at any point. Plain Rust, tested natively; the page only
//! forwards messages both ways (a message to or from worker `i` is `(i, message)`).

use super::plan::{DeviceChoice, LabConfig};
use super::protocol::{Backend, FromWorker, LoadStage, ToWorker};

/// Steps timed per device on *auto* (after one warm-up step).
pub const TIMING_STEPS: usize = 3;

/// Most workers one experiment uses (each holds its own copy of the engine, ~40 MB).
pub const MAX_WORKERS: usize = 4;

/// How many workers train an experiment of `runs` runs on a machine with `cores` logical
/// cores (`navigator.hardwareConcurrency`): one per core, since a run keeps one core busy
/// and the page itself needs little; never more than there are runs.
pub fn workers_for(cores: usize, runs: usize) -> usize {
    cores.clamp(1, MAX_WORKERS).min(runs.max(1))
}

#[derive(Debug, Clone, PartialEq)]
pub enum Phase {
    /// Nothing asked yet, or reset.
    Idle,
    /// The workers' wasm is downloading and compiling.
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
    /// Cancel (or reset) was asked: waiting for every training worker to say it stopped,
    /// so no late step of this experiment lands in the next one.
    Cancelling {
        then_idle: bool,
    },
    Done {
        cancelled: bool,
    },
    Failed(String),
}

/// A sentence for the visitor, and the technical text behind it (shown behind a disclosure).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub text: String,
    pub details: Option<String>,
}

/// What a WebGPU error means, in a visitor's words (wgpu's own text is for the details).
fn webgpu_failure_in_words(message: &str) -> &'static str {
    let m = message.to_ascii_lowercase();
    if m.contains("no adapter") || m.contains("adapter") && m.contains("not available") {
        "this browser offers no WebGPU graphics adapter"
    } else if m.contains("lost") {
        "the graphics device was lost"
    } else if m.contains("out of memory") || m.contains("outofmemory") {
        "the graphics card ran out of memory"
    } else {
        "the graphics driver reported an error"
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Driver {
    pub phase: Phase,
    config: LabConfig,
    workers: usize,
    /// The device training (once chosen).
    pub backend: Option<Backend>,
    /// Median step times measured on *auto*, in milliseconds.
    pub timings: Vec<(Backend, f64)>,
    /// Plain sentences for the visitor (fallbacks).
    pub notes: Vec<Note>,
    /// What `Loaded` said.
    pub vocabulary: Vec<String>,
    pub base_hash: Option<String>,
    pub parameters: Option<usize>,
    /// Counts the attempts at training: a new one (a run, a fallback) means results so far
    /// belong to an attempt that is over.
    pub attempt: u32,
    ready: Vec<bool>,
    finished: Vec<bool>,
    webgpu_failed: bool,
    /// Devices still to time on *auto*.
    to_time: Vec<Backend>,
}

impl Driver {
    /// A driver for `workers` workers (see [`workers_for`]).
    pub fn new(workers: usize) -> Self {
        let workers = workers.max(1);
        Self {
            phase: Phase::Idle,
            config: LabConfig::default(),
            workers,
            backend: None,
            timings: Vec::new(),
            notes: Vec::new(),
            vocabulary: Vec::new(),
            base_hash: None,
            parameters: None,
            attempt: 0,
            ready: vec![false; workers],
            finished: vec![false; workers],
            webgpu_failed: false,
            to_time: Vec::new(),
        }
    }

    /// The experiment being set up or trained.
    pub fn config(&self) -> &LabConfig {
        &self.config
    }

    pub fn workers(&self) -> usize {
        self.workers
    }

    /// Workers the experiment needs started: one per run, up to the page's count.
    pub fn needed_workers(&self) -> usize {
        self.workers.min(self.config.runs().len().max(1))
    }

    /// Workers that train: every needed worker on the CPU; one on WebGPU (one GPU).
    pub fn training_workers(&self) -> usize {
        if self.backend == Some(Backend::WebGpu) {
            1
        } else {
            self.needed_workers()
        }
    }

    /// The runs worker `i` trains: every `n`-th, so each worker gets its share.
    pub fn share(&self, worker: usize) -> Vec<usize> {
        let n = self.training_workers();
        self.config
            .runs()
            .iter()
            .map(|r| r.id)
            .filter(|id| id % n == worker)
            .collect()
    }

    pub fn busy(&self) -> bool {
        matches!(
            self.phase,
            Phase::Starting
                | Phase::Loading { .. }
                | Phase::Timing { .. }
                | Phase::Training
                | Phase::Cancelling { .. }
        )
    }

    /// Whether an experiment is set up in the workers (pause, step, cancel apply).
    pub fn experimenting(&self) -> bool {
        matches!(self.phase, Phase::Training | Phase::Paused)
    }

    /// Whether every worker this experiment needs has said `Ready`.
    pub fn all_ready(&self) -> bool {
        self.ready[..self.needed_workers()].iter().all(|r| *r)
    }

    /// A worker could not be started: the page drops them all and starts them again on the
    /// next Run.
    pub fn workers_lost(&mut self, message: String) {
        self.ready = vec![false; self.workers];
        self.phase = Phase::Failed(message);
    }

    /// The visitor pressed Cancel (`then_idle`: Reset): every training worker is told to
    /// stop, and the phase waits for all of their replies.
    pub fn cancel(&mut self, then_idle: bool) -> Vec<(usize, ToWorker)> {
        if !self.busy() && !self.experimenting() {
            if then_idle {
                self.phase = Phase::Idle;
                self.attempt += 1;
            }
            return Vec::new();
        }
        self.finished = vec![false; self.workers];
        self.phase = Phase::Cancelling { then_idle };
        self.broadcast(ToWorker::Cancel)
    }

    /// Where "step once" goes: the first training worker with runs left.
    fn step_target(&self) -> Option<usize> {
        (0..self.training_workers()).find(|&w| !self.finished[w])
    }

    /// The visitor pressed Run. Before the workers are ready, nothing is sent yet; the
    /// requests follow their `Ready`.
    pub fn run(&mut self, config: &LabConfig) -> Vec<(usize, ToWorker)> {
        self.config = config.clone();
        self.attempt += 1;
        if !self.all_ready() {
            self.phase = Phase::Starting;
            return Vec::new();
        }
        self.begin()
    }

    /// Every worker training now (for pause, resume, step and cancel).
    pub fn broadcast(&self, request: ToWorker) -> Vec<(usize, ToWorker)> {
        (0..self.training_workers())
            .map(|i| (i, request.clone()))
            .collect()
    }

    fn begin(&mut self) -> Vec<(usize, ToWorker)> {
        self.finished = vec![false; self.workers];
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

    fn load(&mut self, backend: Backend) -> Vec<(usize, ToWorker)> {
        self.backend = Some(backend);
        self.phase = Phase::Loading {
            backend,
            stage: LoadStage::Weights,
            fraction: 0.0,
        };
        (0..self.training_workers())
            .map(|i| (i, ToWorker::Load { backend }))
            .collect()
    }

    /// Timing runs on worker 0 only.
    fn time_next(&mut self) -> Vec<(usize, ToWorker)> {
        match self.to_time.first().copied() {
            Some(backend) => {
                self.to_time.remove(0);
                self.phase = Phase::Timing { backend };
                vec![(
                    0,
                    ToWorker::Time {
                        backend,
                        steps: TIMING_STEPS,
                    },
                )]
            }
            None => {
                let best = self.fastest().unwrap_or(Backend::Flex);
                self.load(best)
            }
        }
    }

    /// Whether WebGPU is what trains or is being timed (a WebGPU failure matters then only).
    fn on_webgpu(&self) -> bool {
        match self.phase {
            Phase::Timing { backend } => backend == Backend::WebGpu,
            _ => self.backend == Some(Backend::WebGpu),
        }
    }

    fn fall_back(&mut self, message: &str) -> Vec<(usize, ToWorker)> {
        self.webgpu_failed = true;
        self.notes.push(Note {
            text: format!(
                "WebGPU could not be used ({}), so the lab trains on the CPU instead.",
                webgpu_failure_in_words(message)
            ),
            details: Some(message.to_string()),
        });
        if matches!(self.phase, Phase::Timing { .. }) {
            return self.time_next();
        }
        self.attempt += 1;
        self.finished = vec![false; self.workers];
        // Whatever the WebGPU worker still does, it is told to stop first.
        let mut out = vec![(0, ToWorker::Cancel)];
        out.extend(self.load(Backend::Flex));
        out
    }

    /// A message from worker `worker`: update the phase and say what to send next.
    pub fn on_message(&mut self, worker: usize, message: &FromWorker) -> Vec<(usize, ToWorker)> {
        match message {
            FromWorker::Ready => {
                if let Some(r) = self.ready.get_mut(worker) {
                    *r = true;
                }
                if self.phase == Phase::Starting && self.all_ready() {
                    self.begin()
                } else {
                    Vec::new()
                }
            }
            FromWorker::Loading { stage, done, total } => {
                if let (0, Phase::Loading { backend, .. }) = (worker, &self.phase) {
                    self.phase = Phase::Loading {
                        backend: *backend,
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
                let expected = matches!(
                    self.phase,
                    Phase::Loading { .. } | Phase::Training | Phase::Paused
                ) && self.backend == Some(*backend)
                    && worker < self.training_workers();
                if !expected {
                    return Vec::new();
                }
                let mut out = vec![(
                    worker,
                    ToWorker::Train {
                        config: self.config.clone(),
                        runs: self.share(worker),
                        probe_base: worker == 0,
                    },
                )];
                // A worker that loads after the others were paused starts paused too.
                if self.phase == Phase::Paused {
                    out.push((worker, ToWorker::Pause));
                } else {
                    self.phase = Phase::Training;
                }
                out
            }
            FromWorker::Timed {
                backend,
                step_millis,
                ..
            } if self.phase == Phase::Timing { backend: *backend } => {
                self.timings.retain(|(b, _)| b != backend);
                self.timings.push((*backend, *step_millis));
                self.time_next()
            }
            FromWorker::Failed {
                backend: Some(Backend::WebGpu),
                message,
            } if self.busy() && self.on_webgpu() => self.fall_back(message),
            FromWorker::Failed { message, .. } if self.busy() || self.experimenting() => {
                // The other workers stop too: one failed run makes the experiment incomplete.
                let stop = self.broadcast(ToWorker::Cancel);
                self.phase = Phase::Failed(message.clone());
                stop
            }
            FromWorker::Paused => {
                if self.phase == Phase::Training {
                    self.phase = Phase::Paused;
                }
                Vec::new()
            }
            FromWorker::Finished { .. } => {
                let counts = worker < self.training_workers()
                    && (self.experimenting() || matches!(self.phase, Phase::Cancelling { .. }));
                if !counts {
                    return Vec::new();
                }
                self.finished[worker] = true;
                let all = self.finished[..self.training_workers()].iter().all(|f| *f);
                if all {
                    self.phase = match self.phase {
                        Phase::Cancelling { then_idle: true } => Phase::Idle,
                        Phase::Cancelling { then_idle: false } => Phase::Done { cancelled: true },
                        _ => Phase::Done { cancelled: false },
                    };
                }
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    /// The visitor resumed or stepped a paused experiment.
    fn resumed(&mut self) {
        if self.phase == Phase::Paused {
            self.phase = Phase::Training;
        }
    }

    /// The visitor pressed Pause, Resume, Step once or Cancel: which workers get it. Pause
    /// and Resume go to every training worker; Step once is one step of one run, on a worker
    /// with runs left; Cancel stops them all and leaves the results; Resume and Step once
    /// end a pause.
    pub fn control(&mut self, request: Control) -> Vec<(usize, ToWorker)> {
        match request {
            Control::Cancel => self.cancel(false),
            Control::Pause => self.broadcast(ToWorker::Pause),
            Control::Resume => {
                self.resumed();
                self.broadcast(ToWorker::Resume)
            }
            Control::StepOnce => {
                self.resumed();
                self.step_target()
                    .map(|w| vec![(w, ToWorker::StepOnce)])
                    .unwrap_or_default()
            }
        }
    }
}

/// The buttons that steer a running experiment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    Pause,
    Resume,
    StepOnce,
    Cancel,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lab::plan::Preset;

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

    /// A driver whose `workers` workers have all said `Ready`.
    fn ready(workers: usize) -> Driver {
        let mut d = Driver::new(workers);
        for w in 0..workers {
            d.on_message(w, &FromWorker::Ready);
        }
        d
    }

    /// Two CPU workers training the paper's preset.
    fn training_on_two_workers() -> Driver {
        let mut d = ready(2);
        d.run(&Preset::Paper.config());
        d.on_message(0, &loaded(Backend::Flex));
        d.on_message(1, &loaded(Backend::Flex));
        d
    }

    fn finished(cancelled: bool) -> FromWorker {
        FromWorker::Finished {
            cancelled,
            millis: 1.0,
        }
    }

    #[test]
    fn workers_follow_the_cores_and_never_outnumber_the_runs() {
        assert_eq!(workers_for(2, 3), 2);
        assert_eq!(workers_for(1, 3), 1);
        assert_eq!(workers_for(0, 3), 1);
        assert_eq!(workers_for(16, 3), 3);
        assert_eq!(workers_for(16, 18), MAX_WORKERS);
    }

    #[test]
    fn on_the_cpu_the_page_loads_then_trains_every_run() {
        let mut d = Driver::new(1);
        let config = LabConfig::default();
        assert!(d.run(&config).is_empty());
        assert_eq!(d.phase, Phase::Starting);
        assert_eq!(
            d.on_message(0, &FromWorker::Ready),
            [(
                0,
                ToWorker::Load {
                    backend: Backend::Flex
                }
            )]
        );
        d.on_message(
            0,
            &FromWorker::Loading {
                stage: LoadStage::Weights,
                done: 50,
                total: 100,
            },
        );
        assert!(matches!(d.phase, Phase::Loading { fraction, .. } if fraction == 0.5));
        let next = d.on_message(0, &loaded(Backend::Flex));
        assert_eq!(
            next,
            [(
                0,
                ToWorker::Train {
                    config,
                    runs: vec![0, 1, 2],
                    probe_base: true
                }
            )]
        );
        assert_eq!(d.phase, Phase::Training);
        d.on_message(0, &finished(false));
        assert_eq!(d.phase, Phase::Done { cancelled: false });
    }

    #[test]
    fn two_workers_share_the_runs_and_only_the_first_probes_the_base() {
        let mut d = Driver::new(2);
        let config = Preset::Paper.config();
        d.run(&config);
        assert!(
            d.on_message(1, &FromWorker::Ready).is_empty(),
            "waits for both"
        );
        let loads = d.on_message(0, &FromWorker::Ready);
        assert_eq!(loads.len(), 2);
        let train = |d: &mut Driver, w| d.on_message(w, &loaded(Backend::Flex));
        assert!(
            matches!(&train(&mut d, 1)[..], [(1, ToWorker::Train { runs, probe_base: false, .. })] if runs == &[1])
        );
        assert!(
            matches!(&train(&mut d, 0)[..], [(0, ToWorker::Train { runs, probe_base: true, .. })] if runs == &[0, 2])
        );
        d.on_message(1, &finished(false));
        assert_eq!(d.phase, Phase::Training, "one worker is still training");
        d.on_message(0, &finished(false));
        assert_eq!(d.phase, Phase::Done { cancelled: false });
        assert_eq!(d.broadcast(ToWorker::Pause).len(), 2);
    }

    #[test]
    fn auto_times_both_devices_on_one_worker_keeps_the_faster_and_remembers() {
        let mut d = ready(2);
        let config = LabConfig {
            device: DeviceChoice::Auto,
            ..LabConfig::default()
        };
        assert_eq!(
            d.run(&config),
            [(
                0,
                ToWorker::Time {
                    backend: Backend::Flex,
                    steps: TIMING_STEPS
                }
            )]
        );
        // Timing loads the model too; that `Loaded` must not start training.
        assert!(d.on_message(0, &loaded(Backend::Flex)).is_empty());
        let second = d.on_message(0, &timed(Backend::Flex, 20.0));
        assert!(matches!(
            second[..],
            [(
                0,
                ToWorker::Time {
                    backend: Backend::WebGpu,
                    ..
                }
            )]
        ));
        let third = d.on_message(0, &timed(Backend::WebGpu, 900.0));
        assert_eq!(third.len(), 2, "the CPU won: both workers load it");
        assert_eq!(d.timings.len(), 2);
        // A second run does not time again.
        let again = d.run(&config);
        assert!(matches!(
            again[..],
            [
                (
                    0,
                    ToWorker::Load {
                        backend: Backend::Flex
                    }
                ),
                _
            ]
        ));
    }

    #[test]
    fn a_browser_without_a_webgpu_adapter_is_told_so_in_a_sentence_with_wgpus_text_behind_it() {
        let wgpu = "No adapter available for WgpuDevice { kind: DefaultDevice, backend: WebGpu }: noop not requested, vulkan not requested";
        assert_eq!(
            webgpu_failure_in_words(wgpu),
            "this browser offers no WebGPU graphics adapter"
        );
        let mut d = ready(1);
        let config = LabConfig {
            device: DeviceChoice::WebGpu,
            ..LabConfig::default()
        };
        d.run(&config);
        d.on_message(
            0,
            &FromWorker::Failed {
                backend: Some(Backend::WebGpu),
                message: wgpu.into(),
            },
        );
        assert_eq!(
            d.notes[0].text,
            "WebGPU could not be used (this browser offers no WebGPU graphics adapter), so the lab trains on the CPU instead."
        );
        assert!(!d.notes[0].text.contains("WgpuDevice"));
        assert_eq!(d.notes[0].details.as_deref(), Some(wgpu));
    }

    #[test]
    fn webgpu_trains_on_one_worker_and_a_failure_falls_back_to_the_cpu_with_a_note() {
        let mut d = ready(2);
        let config = LabConfig {
            device: DeviceChoice::WebGpu,
            ..LabConfig::default()
        };
        assert_eq!(
            d.run(&config),
            [(
                0,
                ToWorker::Load {
                    backend: Backend::WebGpu
                }
            )]
        );
        assert!(
            matches!(&d.on_message(0, &loaded(Backend::WebGpu))[..], [(0, ToWorker::Train { runs, .. })] if runs.len() == 3)
        );
        let attempt = d.attempt;
        let next = d.on_message(
            0,
            &FromWorker::Failed {
                backend: Some(Backend::WebGpu),
                message: "device lost".into(),
            },
        );
        assert_eq!(next[0], (0, ToWorker::Cancel));
        assert_eq!(next.len(), 3, "cancel, then both workers load the CPU");
        assert!(
            d.attempt > attempt,
            "results of the WebGPU attempt are dropped"
        );
        assert!(
            d.notes[0].text.contains("the graphics device was lost")
                && d.notes[0].text.contains("CPU")
        );
        assert_eq!(d.notes[0].details.as_deref(), Some("device lost"));
        // Later runs asking for WebGPU go straight to the CPU.
        assert!(matches!(
            d.run(&config)[..],
            [
                (
                    0,
                    ToWorker::Load {
                        backend: Backend::Flex
                    }
                ),
                _
            ]
        ));
    }

    #[test]
    fn a_cpu_failure_is_shown_and_stops() {
        let mut d = Driver::new(1);
        d.on_message(0, &FromWorker::Ready);
        d.run(&LabConfig::default());
        let next = d.on_message(
            0,
            &FromWorker::Failed {
                backend: Some(Backend::Flex),
                message: "The model file toy-base.bpk is missing on this site (HTTP 404).".into(),
            },
        );
        assert_eq!(next, [(0, ToWorker::Cancel)], "the worker is told to stop");
        assert!(matches!(&d.phase, Phase::Failed(m) if m.contains("missing")));
        assert!(!d.busy());
    }

    #[test]
    fn auto_without_webgpu_trains_on_the_cpu() {
        let mut d = Driver::new(1);
        d.on_message(0, &FromWorker::Ready);
        let config = LabConfig {
            device: DeviceChoice::Auto,
            ..LabConfig::default()
        };
        d.run(&config);
        d.on_message(0, &timed(Backend::Flex, 20.0));
        let next = d.on_message(
            0,
            &FromWorker::Failed {
                backend: Some(Backend::WebGpu),
                message: "WebGPU is not available here".into(),
            },
        );
        assert_eq!(
            next,
            [(
                0,
                ToWorker::Load {
                    backend: Backend::Flex
                }
            )]
        );
    }

    #[test]
    fn a_cancel_waits_for_every_worker_so_no_late_step_lands_in_the_next_run() {
        let mut d = training_on_two_workers();
        assert_eq!(d.cancel(false).len(), 2);
        d.on_message(0, &finished(true));
        assert!(d.busy(), "worker 1 has not stopped yet: Run stays disabled");
        d.on_message(1, &finished(true));
        assert_eq!(d.phase, Phase::Done { cancelled: true });
        // A late reply after the experiment ended changes nothing.
        d.on_message(1, &finished(true));
        assert_eq!(d.phase, Phase::Done { cancelled: true });
    }

    #[test]
    fn reset_after_a_finished_run_goes_back_to_idle() {
        let mut d = Driver::new(1);
        d.on_message(0, &FromWorker::Ready);
        d.run(&LabConfig::default());
        d.on_message(0, &loaded(Backend::Flex));
        d.on_message(0, &finished(false));
        assert_eq!(d.phase, Phase::Done { cancelled: false });
        assert!(d.cancel(true).is_empty(), "nothing is training");
        assert_eq!(d.phase, Phase::Idle);
        // The worker's own reply to a cancel it got anyway does not bring "Cancelled" back.
        d.on_message(0, &finished(true));
        assert_eq!(d.phase, Phase::Idle);
    }

    #[test]
    fn a_worker_loading_after_a_pause_starts_paused_and_late_timings_are_ignored() {
        let mut d = ready(2);
        d.run(&Preset::Paper.config());
        d.on_message(0, &loaded(Backend::Flex));
        d.on_message(0, &FromWorker::Paused);
        assert_eq!(d.phase, Phase::Paused);
        let next = d.on_message(1, &loaded(Backend::Flex));
        assert!(matches!(
            next[..],
            [(1, ToWorker::Train { .. }), (1, ToWorker::Pause)]
        ));
        assert!(d.on_message(0, &timed(Backend::Flex, 5.0)).is_empty());
        assert_eq!(d.phase, Phase::Paused);
    }

    #[test]
    fn pause_and_resume_go_to_every_training_worker_and_resume_ends_the_pause() {
        let mut d = training_on_two_workers();
        assert_eq!(
            d.control(Control::Pause),
            [(0, ToWorker::Pause), (1, ToWorker::Pause)]
        );
        d.on_message(0, &FromWorker::Paused);
        assert_eq!(d.phase, Phase::Paused);
        assert_eq!(
            d.control(Control::Resume),
            [(0, ToWorker::Resume), (1, ToWorker::Resume)]
        );
        assert_eq!(d.phase, Phase::Training);
    }

    #[test]
    fn step_once_is_one_step_on_one_worker_with_runs_left() {
        let mut d = training_on_two_workers();
        d.control(Control::Pause);
        d.on_message(0, &FromWorker::Paused);
        d.on_message(0, &finished(false)); // worker 0 has no runs left
        assert_eq!(d.control(Control::StepOnce), [(1, ToWorker::StepOnce)]);
        assert_eq!(d.phase, Phase::Training, "a step ends the pause");
    }

    #[test]
    fn cancel_stops_every_worker_and_keeps_the_results() {
        let mut d = training_on_two_workers();
        let attempt = d.attempt;
        assert_eq!(
            d.control(Control::Cancel),
            [(0, ToWorker::Cancel), (1, ToWorker::Cancel)]
        );
        d.on_message(0, &finished(true));
        d.on_message(1, &finished(true));
        assert_eq!(d.phase, Phase::Done { cancelled: true });
        assert_eq!(d.attempt, attempt, "the results shown stay");
    }

    #[test]
    fn one_failing_worker_stops_the_others() {
        let mut d = ready(2);
        d.run(&Preset::Paper.config());
        d.on_message(0, &loaded(Backend::Flex));
        let next = d.on_message(
            1,
            &FromWorker::Failed {
                backend: Some(Backend::Flex),
                message: "out of memory".into(),
            },
        );
        assert_eq!(next, [(0, ToWorker::Cancel), (1, ToWorker::Cancel)]);
        assert!(matches!(&d.phase, Phase::Failed(m) if m == "out of memory"));
        d.workers_lost("gone".into());
        assert!(!d.all_ready(), "the next Run starts the workers again");
    }

    #[test]
    fn step_once_goes_to_a_worker_with_runs_left() {
        let mut d = training_on_two_workers();
        assert_eq!(d.step_target(), Some(0));
        d.on_message(0, &finished(false));
        assert_eq!(d.step_target(), Some(1));
    }
}
