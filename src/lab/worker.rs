//! The lab worker's event loop (wasm32 only). Messages land in an inbox; one long-lived
//! task drains it, then does one unit of the experiment (a step, with its probes) and
//! yields to the browser, so pause, cancel and questions take effect within one step.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use burn::tensor::wgpu::WgpuBackend;
use burn::tensor::{Device, Tensor};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

use super::protocol::{Backend, FromWorker, LoadStage, ToWorker};
use super::session::{Experiment, Lab};
use super::smoke::train_token_map;
use crate::toy::bundle::{self, META_FILE, TOKENIZER_FILE, WEIGHTS_FILE};
use crate::toy::step_bench::{StepBench, flops_per_step};

/// Where the shipped base model is, relative to the worker's script (the site's root).
const MODELS: &str = "models/";

thread_local! {
    // A wgpu runtime can be initialised once per page; later requests reuse the device.
    static WEBGPU: RefCell<Option<Device>> = const { RefCell::new(None) };
}

/// What the engine task works through, and how a new message wakes it.
#[derive(Default)]
struct Inbox {
    messages: VecDeque<ToWorker>,
    wake: Option<js_sys::Function>,
}

/// Install the message handler, start the engine task and tell the app the worker is ready.
pub fn run() {
    console_error_panic_hook::set_once();
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let inbox = Rc::new(RefCell::new(Inbox::default()));
    let reply_scope = scope.clone();
    let handler_inbox = inbox.clone();
    let on_message = Closure::<dyn Fn(MessageEvent)>::new(move |event: MessageEvent| {
        let text = event.data().as_string().unwrap_or_default();
        match ToWorker::from_json(&text) {
            Ok(request) => {
                let mut inbox = handler_inbox.borrow_mut();
                inbox.messages.push_back(request);
                if let Some(wake) = inbox.wake.take() {
                    let _ = wake.call0(&JsValue::NULL);
                }
            }
            Err(err) => post(
                &reply_scope,
                &FromWorker::Failed {
                    backend: None,
                    message: err.to_string(),
                },
            ),
        }
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    wasm_bindgen_futures::spawn_local(Engine::new(scope.clone()).serve(inbox));
    post(&scope, &FromWorker::Ready);
}

fn post(scope: &DedicatedWorkerGlobalScope, message: &FromWorker) {
    // Posting a string to our own parent only fails if the page is gone; nothing to do then.
    let _ = scope.post_message(&JsValue::from_str(&message.to_json()));
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Running,
    Paused,
    /// Step once, then pause.
    Stepping,
}

struct Engine {
    scope: DedicatedWorkerGlobalScope,
    /// The loaded base model and the backend it lives on.
    lab: Option<(Backend, Lab)>,
    experiment: Option<Experiment>,
    mode: Mode,
    started: f64,
}

impl Engine {
    fn new(scope: DedicatedWorkerGlobalScope) -> Self {
        Self {
            scope,
            lab: None,
            experiment: None,
            mode: Mode::Paused,
            started: 0.0,
        }
    }

    fn now(&self) -> f64 {
        self.scope.performance().map_or(0.0, |p| p.now())
    }

    fn post(&self, message: &FromWorker) {
        post(&self.scope, message);
    }

    async fn serve(mut self, inbox: Rc<RefCell<Inbox>>) {
        loop {
            let next = inbox.borrow_mut().messages.pop_front();
            if let Some(request) = next {
                self.handle(request).await;
                continue;
            }
            let working = self.unfinished() && self.mode != Mode::Paused;
            if working {
                self.advance().await;
                // Let the inbox fill: a message event can only run between tasks.
                sleep(0).await;
            } else {
                let wake = js_sys::Promise::new(&mut |resolve, _| {
                    inbox.borrow_mut().wake = Some(resolve);
                });
                let _ = JsFuture::from(wake).await;
            }
        }
    }

    /// An experiment with steps left (a finished one is kept for questions).
    fn unfinished(&self) -> bool {
        self.experiment.as_ref().is_some_and(|e| !e.finished())
    }

    async fn advance(&mut self) {
        let (Some(exp), Some((backend, lab))) = (self.experiment.as_mut(), self.lab.as_ref())
        else {
            return;
        };
        let backend = *backend;
        match exp.advance(lab).await {
            Ok(messages) => {
                for m in &messages {
                    post(&self.scope, m);
                }
                if exp.finished() {
                    self.finish(false);
                } else if self.mode == Mode::Stepping {
                    self.mode = Mode::Paused;
                    self.post(&FromWorker::Paused);
                }
            }
            Err(_) => {
                self.experiment = None;
                self.lab = None;
                let why = match backend {
                    Backend::WebGpu => "the device was lost",
                    Backend::Flex => "a result could not be read",
                };
                self.post(&FromWorker::Failed {
                    backend: Some(backend),
                    message: format!("{} stopped working ({why}).", backend.label()),
                });
            }
        }
    }

    fn finish(&mut self, cancelled: bool) {
        self.mode = Mode::Paused;
        let millis = self.now() - self.started;
        self.post(&FromWorker::Finished { cancelled, millis });
        if cancelled {
            self.experiment = None;
        }
    }

    async fn handle(&mut self, request: ToWorker) {
        match request {
            ToWorker::SmokeTest { backend, steps } => {
                let reply = smoke_test(&self.scope, backend, steps).await;
                self.post(&reply);
            }
            ToWorker::Load { backend } => {
                if let Err(message) = self.load(backend).await {
                    self.post(&FromWorker::Failed {
                        backend: Some(backend),
                        message,
                    });
                }
            }
            ToWorker::Time { backend, steps } => self.time(backend, steps).await,
            ToWorker::BenchStep { steps } => self.bench_step(steps).await,
            ToWorker::Train {
                config,
                runs,
                probe_base,
            } => match &self.lab {
                Some((_, lab)) => {
                    self.experiment = Some(lab.experiment(&config, &runs, probe_base));
                    self.mode = Mode::Running;
                    self.started = self.now();
                }
                None => self.post(&FromWorker::Rejected {
                    message: "The base model is not loaded yet.".into(),
                }),
            },
            ToWorker::Pause => {
                if self.unfinished() && self.mode != Mode::Paused {
                    self.mode = Mode::Paused;
                    self.post(&FromWorker::Paused);
                }
            }
            // A finished experiment has nothing to resume or step.
            ToWorker::Resume if self.unfinished() => self.mode = Mode::Running,
            ToWorker::StepOnce if self.unfinished() => self.mode = Mode::Stepping,
            ToWorker::Resume | ToWorker::StepOnce => {}
            // Always answered, with or without an experiment: the page waits for every reply.
            ToWorker::Cancel => self.finish(true),
            ToWorker::Ask { question, per_run } => {
                let reply = match (&self.experiment, &self.lab) {
                    (Some(exp), Some((_, lab))) => match exp.ask(lab, &question, per_run).await {
                        Ok(answers) => FromWorker::Answered { question, answers },
                        Err(message) => FromWorker::Rejected { message },
                    },
                    _ => FromWorker::Rejected {
                        message: "Train the models first, then ask them.".into(),
                    },
                };
                self.post(&reply);
            }
        }
    }

    /// Fetch the three model files and put the weights on `backend` (once per backend).
    async fn load(&mut self, backend: Backend) -> Result<(), String> {
        let started = self.now();
        if self.lab.as_ref().is_some_and(|(b, _)| *b == backend) {
            self.post_loaded(backend, started);
            return Ok(());
        }
        self.lab = None;
        self.experiment = None;
        let meta = fetch_text(META_FILE).await?;
        let tokenizer = fetch_text(TOKENIZER_FILE).await?;
        let weights = fetch_bytes(WEIGHTS_FILE, |done, total| {
            self.post(&FromWorker::Loading {
                stage: LoadStage::Weights,
                done,
                total,
            })
        })
        .await?;
        self.post(&FromWorker::Loading {
            stage: LoadStage::Device,
            done: 0,
            total: 1,
        });
        let hash = format!("{:016x}", crate::runs::hash::fnv1a64(&weights));
        let device = device_for(backend).await?.autodiff();
        let base = bundle::load(&meta, &tokenizer, weights, &device)
            .map_err(|e| format!("The base model could not be read: {e}"))?;
        self.lab = Some((backend, Lab::new(base, device, hash)));
        self.post_loaded(backend, started);
        Ok(())
    }

    fn post_loaded(&self, backend: Backend, started: f64) {
        if let Some((_, lab)) = &self.lab {
            self.post(&FromWorker::Loaded {
                backend,
                parameters: lab.parameters(),
                vocabulary: lab.vocabulary(),
                base_hash: lab.base_hash.clone(),
                millis: self.now() - started,
            });
        }
    }

    /// Median time of `steps` benchmark steps (after one warm-up step) on the loaded device.
    async fn bench_step(&mut self, steps: usize) {
        let steps = steps.max(1);
        let Some((backend, lab)) = &self.lab else {
            self.post(&FromWorker::Rejected {
                message: "Load the base model first.".into(),
            });
            return;
        };
        let backend = *backend;
        let config = lab.base.meta.model.clone();
        let mut bench = StepBench::new(&config, &lab.device);
        match self.median_millis(steps, || Some(bench.step())).await {
            Some(step_millis) => self.post(&FromWorker::BenchedStep {
                backend,
                steps,
                step_millis,
                gflop_per_step: flops_per_step(&config) / 1e9,
            }),
            None => self.timing_failed(backend),
        }
    }

    /// Median time of `steps` finetuning steps (after one warm-up step) on `backend`.
    async fn time(&mut self, backend: Backend, steps: usize) {
        let steps = steps.max(1);
        if let Err(message) = self.load(backend).await {
            self.post(&FromWorker::Failed {
                backend: Some(backend),
                message,
            });
            return;
        }
        let Some((_, lab)) = &self.lab else { return };
        let config = super::plan::LabConfig {
            steps: steps + 1,
            ..Default::default()
        };
        let mut exp = lab.experiment(&config, &[0], false);
        match self.median_millis(steps, || exp.step_first_run()).await {
            Some(step_millis) => self.post(&FromWorker::Timed {
                backend,
                steps,
                step_millis,
            }),
            None => self.timing_failed(backend),
        }
    }

    /// Median wall time of `steps` calls of `step` after one warm-up call, each step's loss
    /// read back (what waits for its work); `None` when a step could not run or be read.
    async fn median_millis(
        &self,
        steps: usize,
        mut step: impl FnMut() -> Option<Tensor<1>>,
    ) -> Option<f64> {
        let mut times = Vec::new();
        for _ in 0..=steps {
            let t = self.now();
            step()?.into_scalar_async::<f32>().await.ok()?;
            times.push(self.now() - t);
        }
        Some(median_after_warmup(times))
    }

    fn timing_failed(&self, backend: Backend) {
        self.post(&FromWorker::Failed {
            backend: Some(backend),
            message: format!("{} stopped working while timing.", backend.label()),
        });
    }
}

/// The median of step times, the first (warm-up: shader compilation, allocation) left out.
fn median_after_warmup(mut times: Vec<f64>) -> f64 {
    times.remove(0);
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

async fn smoke_test(
    scope: &DedicatedWorkerGlobalScope,
    backend: Backend,
    steps: usize,
) -> FromWorker {
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

async fn fetch(file: &str) -> Result<gloo_net::http::Response, String> {
    let url = format!("{MODELS}{file}");
    let response = gloo_net::http::Request::get(&url)
        .send()
        .await
        .map_err(|e| format!("The model file {file} could not be downloaded: {e}"))?;
    if !response.ok() {
        return Err(format!(
            "The model file {file} is missing on this site (HTTP {}).",
            response.status()
        ));
    }
    Ok(response)
}

async fn fetch_text(file: &str) -> Result<String, String> {
    fetch(file)
        .await?
        .text()
        .await
        .map_err(|e| format!("The model file {file} could not be read: {e}"))
}

/// The file's bytes, reporting progress as chunks arrive (the weights are the large file).
async fn fetch_bytes(file: &str, progress: impl Fn(u64, u64)) -> Result<Vec<u8>, String> {
    let response = fetch(file).await?;
    let total: u64 = response
        .headers()
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let read_err = |e: JsValue| format!("The model file {file} could not be read: {e:?}");
    let Some(body) = response.body() else {
        return Err(format!("The model file {file} is empty."));
    };
    let reader: web_sys::ReadableStreamDefaultReader = body.get_reader().unchecked_into();
    let mut bytes = Vec::with_capacity(total as usize);
    loop {
        let chunk = JsFuture::from(reader.read()).await.map_err(read_err)?;
        let done = js_sys::Reflect::get(&chunk, &"done".into()).map_err(read_err)?;
        if done.as_bool().unwrap_or(true) {
            break;
        }
        let value = js_sys::Reflect::get(&chunk, &"value".into()).map_err(read_err)?;
        bytes.extend(js_sys::Uint8Array::new(&value).to_vec());
        progress(bytes.len() as u64, total.max(bytes.len() as u64));
    }
    Ok(bytes)
}

/// Resolves after `millis` (a macrotask: message events run before it).
async fn sleep(millis: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let scope: web_sys::WorkerGlobalScope = js_sys::global().unchecked_into();
        let _ = scope.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, millis);
    });
    let _ = JsFuture::from(promise).await;
}
