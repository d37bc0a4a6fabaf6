//! The training loop, written directly (burn-train does not run on wasm): AdamW with a
//! weight-decay knob, warmup + optional cosine decay, gradient clipping, seeded batch
//! order, early stopping on a validation loss, and per-step metrics for live curves.
//!
//! Reading a tensor is the only thing that differs between native (blocking) and the
//! browser on WebGPU (must `await`), so `Trainer::step` returns the loss *tensor* and
//! `Trainer::observe` takes the number: `run_blocking` and `run_async` are the two
//! five-line loops around them.

use burn::grad_clipping::GradientClippingConfig;
use burn::optim::{AdamWConfig, GradientsParams, ModuleOptimizer};
use burn::prelude::*;
use serde::{Deserialize, Serialize};

use super::corpus::{World, WorldConfig};
use super::fused::masked_cross_entropy;
use super::model::ToyLm;
use super::rng::Rng;
use super::tokenizer::Tokenizer;

pub use super::datasets::Example;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    pub lr: f64,
    pub batch_size: usize,
    /// Upper bound on optimizer steps (early stopping may end sooner).
    pub steps: usize,
    /// AdamW decoupled weight decay; 0 turns it off.
    pub weight_decay: f32,
    pub warmup_steps: usize,
    /// Cosine decay of the learning rate to 10% over `steps`.
    pub cosine: bool,
    /// Seeds the batch order (and nothing else: weights come from the model's seed).
    pub seed: u64,
    /// Evaluate the validation loss every `eval_every` steps (0 = never).
    pub eval_every: usize,
    /// Stop after this many evaluations without improvement (0 = never stop early).
    pub patience: usize,
    pub min_delta: f32,
}

impl TrainConfig {
    /// Optimizer steps for `epochs` passes over `examples` examples (the last batch of
    /// a pass may reach into the next one: batches are always full).
    pub fn steps_for_epochs(&self, examples: usize, epochs: f64) -> usize {
        (epochs * examples as f64 / self.batch_size as f64).ceil() as usize
    }

    /// The lab's finetuning defaults.
    pub fn finetune(seed: u64) -> Self {
        Self {
            lr: 1e-3,
            batch_size: 16,
            steps: 60,
            weight_decay: 0.0,
            warmup_steps: 0,
            cosine: false,
            seed,
            eval_every: 0,
            patience: 0,
            min_delta: 0.0,
        }
    }

    /// Pretraining defaults (see `src/bin/pretrain.rs`).
    pub fn pretrain(seed: u64) -> Self {
        Self {
            lr: 3e-3,
            batch_size: 32,
            steps: 3000,
            weight_decay: 0.01,
            warmup_steps: 100,
            cosine: true,
            seed,
            eval_every: 0,
            patience: 0,
            min_delta: 0.0,
        }
    }

    pub fn lr_at(&self, step: usize) -> f64 {
        if step < self.warmup_steps {
            return self.lr * (step + 1) as f64 / self.warmup_steps as f64;
        }
        if !self.cosine || self.steps <= self.warmup_steps {
            return self.lr;
        }
        let t = (step - self.warmup_steps) as f64 / (self.steps - self.warmup_steps) as f64;
        let cos = 0.5 * (1.0 + (std::f64::consts::PI * t.min(1.0)).cos());
        self.lr * (0.1 + 0.9 * cos)
    }
}

/// Where batches come from.
pub enum Source {
    /// Fresh documents from the seeded world (pretraining never repeats a batch).
    Corpus { world: World, tokenizer: Tokenizer },
    /// A fixed dataset, reshuffled every epoch.
    Dataset {
        examples: Vec<Example>,
        order: Vec<usize>,
        cursor: usize,
        rng: Rng,
    },
}

impl Source {
    pub fn corpus(config: WorldConfig, seed: u64, tokenizer: Tokenizer) -> Self {
        Source::Corpus {
            world: World::new(config, seed),
            tokenizer,
        }
    }

    pub fn dataset(examples: Vec<Example>, seed: u64) -> Self {
        assert!(!examples.is_empty(), "empty dataset");
        Source::Dataset {
            order: Vec::new(),
            cursor: 0,
            examples,
            rng: Rng::derive(seed, "batches"),
        }
    }

    pub fn next_batch(&mut self, size: usize) -> Vec<Example> {
        match self {
            Source::Corpus { world, tokenizer } => (0..size)
                .map(|_| Example {
                    tokens: tokenizer.encode(&world.document().1),
                    loss_from: 1,
                })
                .collect(),
            Source::Dataset {
                examples,
                order,
                cursor,
                rng,
            } => (0..size)
                .map(|_| {
                    if *cursor >= order.len() {
                        *order = (0..examples.len()).collect();
                        rng.shuffle(order);
                        *cursor = 0;
                    }
                    *cursor += 1;
                    examples[order[*cursor - 1]].clone()
                })
                .collect(),
        }
    }
}

/// Inputs, targets and loss weights of a padded batch.
pub struct Batch {
    pub inputs: Tensor<2, Int>,
    pub targets: Tensor<2, Int>,
    pub weights: Tensor<2>,
}

/// Pads examples (id 0) to a common length, capped at `context` words.
pub fn make_batch(examples: &[Example], context: usize, device: &Device) -> Batch {
    let len = examples
        .iter()
        .map(|e| e.tokens.len().min(context + 1) - 1)
        .max()
        .unwrap_or(1)
        .max(1);
    let b = examples.len();
    let mut inputs = vec![0i64; b * len];
    let mut targets = vec![0i64; b * len];
    let mut weights = vec![0f32; b * len];
    for (r, e) in examples.iter().enumerate() {
        let n = e.tokens.len().min(context + 1);
        for i in 0..n.saturating_sub(1) {
            inputs[r * len + i] = e.tokens[i] as i64;
            targets[r * len + i] = e.tokens[i + 1] as i64;
            if i + 1 >= e.loss_from {
                weights[r * len + i] = 1.0;
            }
        }
    }
    Batch {
        inputs: Tensor::from_data(TensorData::new(inputs, [b, len]), device),
        targets: Tensor::from_data(TensorData::new(targets, [b, len]), device),
        weights: Tensor::from_data(TensorData::new(weights, [b, len]), device),
    }
}

/// Mean cross-entropy over the weighted target positions (a 1-element tensor).
pub fn masked_loss(model: &ToyLm, batch: &Batch) -> Tensor<1> {
    masked_cross_entropy(
        model.forward(batch.inputs.clone()),
        batch.targets.clone(),
        batch.weights.clone(),
    )
}

/// What a UI draws after each step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepMetrics {
    /// 1-based number of optimizer steps done.
    pub step: usize,
    pub loss: f32,
    pub lr: f64,
    pub val_loss: Option<f32>,
    /// Early stopping (or the step budget) says this was the last step.
    pub stop: bool,
}

/// What a callback may answer after each step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    Continue,
    /// E.g. the user pressed cancel.
    Stop,
}

pub struct Trainer {
    pub model: ToyLm,
    pub config: TrainConfig,
    pub context: usize,
    optim: ModuleOptimizer,
    source: Source,
    val: Vec<Example>,
    step: usize,
    best_val: f32,
    bad_evals: usize,
    device: Device,
}

impl Trainer {
    /// `device` must be an autodiff device (`Device::flex().autodiff()`), and `model`
    /// must live on it. `val` may be empty (no validation, no early stopping).
    pub fn new(
        model: ToyLm,
        config: TrainConfig,
        context: usize,
        source: Source,
        val: Vec<Example>,
        device: &Device,
    ) -> Self {
        let optim = AdamWConfig::new()
            .with_weight_decay(config.weight_decay)
            .with_grad_clipping(Some(GradientClippingConfig::Norm(1.0)))
            .init();
        Self {
            model,
            config,
            context,
            optim,
            source,
            val,
            step: 0,
            best_val: f32::INFINITY,
            bad_evals: 0,
            device: device.clone(),
        }
    }

    pub fn steps_done(&self) -> usize {
        self.step
    }

    /// Resume from a checkpoint (pretraining): optimizer state and step counter.
    pub fn resume(&mut self, optim: ModuleOptimizer, step: usize) {
        self.optim = optim;
        self.step = step;
    }

    /// Swap the data source (a resumed pretraining run fast-forwards a fresh one).
    pub fn replace_source(&mut self, source: Source) {
        self.source = source;
    }

    pub fn optimizer(&self) -> &ModuleOptimizer {
        &self.optim
    }

    /// One optimizer step. Returns the (unread) training loss of the batch.
    pub fn step(&mut self) -> Tensor<1> {
        let examples = self.source.next_batch(self.config.batch_size);
        let batch = make_batch(&examples, self.context, &self.device);
        let loss = masked_loss(&self.model, &batch);
        let grads = GradientsParams::from_grads(loss.backward(), &self.model);
        let lr = self.config.lr_at(self.step);
        self.model = self.optim.step(lr, self.model.clone(), grads);
        self.step += 1;
        loss.detach()
    }

    /// The validation loss tensor, when this step is an evaluation step.
    pub fn val_loss(&self) -> Option<Tensor<1>> {
        let every = self.config.eval_every;
        if self.val.is_empty() || every == 0 || !self.step.is_multiple_of(every) {
            return None;
        }
        let batch = make_batch(&self.val, self.context, &self.device);
        Some(masked_loss(&self.model, &batch).detach())
    }

    /// Book-keeping after the caller has read the numbers: early stopping and metrics.
    pub fn observe(&mut self, loss: f32, val_loss: Option<f32>) -> StepMetrics {
        if let Some(v) = val_loss {
            if v < self.best_val - self.config.min_delta {
                self.best_val = v;
                self.bad_evals = 0;
            } else {
                self.bad_evals += 1;
            }
        }
        let patience_over = self.config.patience > 0 && self.bad_evals >= self.config.patience;
        StepMetrics {
            step: self.step,
            loss,
            lr: self.config.lr_at(self.step.saturating_sub(1)),
            val_loss,
            stop: patience_over || self.step >= self.config.steps,
        }
    }

    /// Native loop (blocking reads). The callback sees every step's metrics.
    pub fn run_blocking(&mut self, mut on_step: impl FnMut(&StepMetrics) -> Control) {
        while self.step < self.config.steps {
            let loss = self.step().into_scalar::<f32>();
            let val = self.val_loss().map(|t| t.into_scalar::<f32>());
            let m = self.observe(loss, val);
            if on_step(&m) == Control::Stop || m.stop {
                break;
            }
        }
    }

    /// Browser loop (async reads, required on WebGPU).
    pub async fn run_async(&mut self, mut on_step: impl FnMut(&StepMetrics) -> Control) {
        while self.step < self.config.steps {
            let Ok(loss) = self.step().into_scalar_async::<f32>().await else {
                break;
            };
            let val = match self.val_loss() {
                Some(t) => t.into_scalar_async::<f32>().await.ok(),
                None => None,
            };
            let m = self.observe(loss, val);
            if on_step(&m) == Control::Stop || m.stop {
                break;
            }
        }
    }
}
