//! The benchmark step: one finetuning step of the lab model on a full batch of random
//! full-length sequences (forward, masked cross-entropy, backward, gradient clipping, AdamW,
//! loss read back). `src/bin/bench_toy.rs` times it natively, the lab worker in wasm
//! (`ToWorker::BenchStep`), and `bench/toy_torch.py` times its PyTorch twin.

use burn::optim::{AdamWConfig, GradientsParams, ModuleOptimizer};
use burn::prelude::*;

use super::model::{ModelConfig, ToyLm};
use super::rng::Rng;
use super::train::{Batch, Example, make_batch, masked_loss};

/// Rows of the benchmark batch (each `context` words long).
pub const BATCH: usize = 16;

/// Multiply-adds ×2 of one step, forward and backward (backward ≈ 2× forward), counting the
/// matrix products only: what "achieved GFLOP/s" divides by.
pub fn flops_per_step(c: &ModelConfig) -> f64 {
    let (b, t, d, f, v) = (BATCH, c.context, c.d_model, c.d_ff, c.vocab_size);
    let tokens = (b * t) as f64;
    let per_layer = tokens * (4.0 * (d * d) as f64 + 2.0 * (d * f) as f64)
        + (b as f64) * 2.0 * (t * t * d) as f64;
    let forward = 2.0 * (c.n_layers as f64 * per_layer + tokens * (d * v) as f64);
    3.0 * forward
}

pub struct StepBench {
    pub model: ToyLm,
    optim: ModuleOptimizer,
    batch: Batch,
}

impl StepBench {
    /// A freshly initialised model of `config` on the autodiff `device`.
    pub fn new(config: &ModelConfig, device: &Device) -> Self {
        let mut rng = Rng::derive(0, "bench");
        let examples: Vec<Example> = (0..BATCH)
            .map(|_| Example {
                tokens: (0..=config.context)
                    .map(|_| 1 + rng.below(config.vocab_size - 1))
                    .collect(),
                loss_from: 1,
            })
            .collect();
        Self {
            batch: make_batch(&examples, config.context, device),
            model: ToyLm::new(config, 0, device),
            optim: AdamWConfig::new()
                .with_weight_decay(0.0)
                .with_grad_clipping(Some(burn::grad_clipping::GradientClippingConfig::Norm(1.0)))
                .init(),
        }
    }

    /// One step; returns the (unread) loss: reading it is what waits for the step's work,
    /// blocking natively, awaited in a browser (as `Trainer::step`).
    pub fn step(&mut self) -> Tensor<1> {
        let loss = masked_loss(&self.model, &self.batch);
        let grads = GradientsParams::from_grads(loss.backward(), &self.model);
        self.model = self.optim.step(1e-3, self.model.clone(), grads);
        loss.detach()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lab_model_step_is_about_0_85_gflop() {
        let gflop = flops_per_step(&ModelConfig::lab(369)) / 1e9;
        assert!((0.7..1.0).contains(&gflop), "{gflop}");
    }
}
