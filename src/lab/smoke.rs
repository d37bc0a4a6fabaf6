//! A tiny burn training run that proves a device can train (engine feature only).
//!
//! The browser tests, the lab worker's "check this browser" probe and the benchmarks all
//! run this same function, on `Device::flex()` natively and in wasm and on WebGPU in the
//! browser. It lives with the lab, whose check it serves, so `toy` (the model) never
//! depends on `lab`. It learns a fixed token-to-token map (a permutation), so the loss has a known
//! floor and must fall quickly when training works.

use burn::nn::loss::CrossEntropyLossConfig;
use burn::nn::{Embedding, EmbeddingConfig, Linear, LinearConfig};
use burn::optim::{AdamWConfig, GradientsParams};
use burn::prelude::*;
use burn::tensor::ExecutionError;

const VOCAB: usize = 16;
const WIDTH: usize = 32;

/// Embedding followed by a linear read-out: the smallest model with an optimiser state
/// on every kind of parameter the real toy model uses.
#[derive(Module, Debug)]
struct TokenMap {
    embed: Embedding,
    readout: Linear,
}

impl TokenMap {
    fn new(device: &Device) -> Self {
        Self {
            embed: EmbeddingConfig::new(VOCAB, WIDTH).init(device),
            readout: LinearConfig::new(WIDTH, VOCAB).init(device),
        }
    }

    /// Logits `[VOCAB, VOCAB]`: one row per input token.
    fn forward(&self, tokens: Tensor<2, Int>) -> Tensor<2> {
        let hidden = self.embed.forward(tokens).reshape([VOCAB, WIDTH]);
        self.readout.forward(hidden)
    }
}

/// What a smoke run measured.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SmokeReport {
    pub steps: usize,
    pub first_loss: f32,
    pub last_loss: f32,
}

impl SmokeReport {
    /// Training works when the loss fell by a clear margin (the rule the browser check uses).
    pub fn loss_fell(&self) -> bool {
        super::check::loss_fell(self.first_loss, self.last_loss)
    }
}

/// Train the token map for `steps` AdamW steps on `device` (autodiff is added here) and
/// report the first and last loss. Reads are async so that WebGPU in a browser works.
pub async fn train_token_map(device: &Device, steps: usize) -> Result<SmokeReport, ExecutionError> {
    let device = device.clone().autodiff();
    let mut model = TokenMap::new(&device);
    let mut optimizer = AdamWConfig::new().init();
    let loss_fn = CrossEntropyLossConfig::new().init(&device);

    let inputs: Vec<i64> = (0..VOCAB as i64).collect();
    let targets: Vec<i64> = inputs.iter().map(|t| (t * 5 + 3) % VOCAB as i64).collect();
    let inputs = Tensor::<1, Int>::from_ints(inputs.as_slice(), &device).reshape([1, VOCAB]);
    let targets = Tensor::<1, Int>::from_ints(targets.as_slice(), &device);

    let mut first_loss = f32::NAN;
    let mut last_loss = f32::NAN;
    for step in 0..steps {
        let loss = loss_fn.forward(model.forward(inputs.clone()), targets.clone());
        // Only the first and last losses are read back: each read is a GPU round trip.
        if step == 0 || step + 1 == steps {
            let value: f32 = loss.clone().into_scalar_async().await?;
            if step == 0 {
                first_loss = value;
            }
            last_loss = value;
        }
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        model = optimizer.step(0.05, model, grads);
    }
    Ok(SmokeReport {
        steps,
        first_loss,
        last_loss,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flex_training_reduces_loss() {
        let report = futures_lite::future::block_on(train_token_map(&Device::flex(), 30))
            .expect("flex device executes");
        assert_eq!(report.steps, 30);
        assert!(report.loss_fell(), "{report:?}");
    }
}
