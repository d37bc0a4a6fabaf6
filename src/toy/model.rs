//! A tiny decoder-only transformer (GPT-style, pre-norm) in burn 0.22.
//!
//! Device-agnostic: everything takes a `&Device`, so the same code trains natively on
//! `Device::flex()` and in the browser on WebGPU or Flex. Nothing here reads tensors.

use burn::module::{ModuleMapper, Param};
use burn::nn::activation::ActivationConfig;
use burn::nn::attention::MultiHeadAttention;
use burn::nn::transformer::{
    PositionWiseFeedForward, TransformerEncoder, TransformerEncoderConfig, TransformerEncoderLayer,
};
use burn::nn::{Embedding, EmbeddingConfig, LayerNorm, LayerNormConfig, Linear, LinearConfig};
use burn::prelude::*;
use serde::{Deserialize, Serialize};

use super::fused::{causal_attention, layer_norm, linear};
use super::rng::Rng;

/// Shape of the network; shipped as `config.json` next to the weights.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelConfig {
    pub vocab_size: usize,
    pub d_model: usize,
    pub n_heads: usize,
    pub n_layers: usize,
    pub d_ff: usize,
    /// Longest sequence (in words) the model sees.
    pub context: usize,
    /// Between the feed-forward layers. Models saved before the field existed used GELU.
    #[serde(default)]
    pub activation: Activation,
}

/// The feed-forward activation. ReLU is the lab's: a profile of the toy step put burn's
/// exact-erf GELU at ~14% of the step (BENCHMARKS.md notes); weights do not depend on it, but
/// a model must be used with the activation it was trained with.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Activation {
    #[default]
    Gelu,
    Relu,
}

impl Activation {
    fn config(self) -> ActivationConfig {
        match self {
            Activation::Gelu => ActivationConfig::Gelu,
            Activation::Relu => ActivationConfig::Relu,
        }
    }
}

impl ModelConfig {
    /// The default lab model (chosen by measuring speed vs. effect; see docs/toy-results.md).
    pub fn lab(vocab_size: usize) -> Self {
        Self {
            vocab_size,
            d_model: 64,
            n_heads: 4,
            n_layers: 2,
            d_ff: 256,
            context: 64,
            activation: Activation::Relu,
        }
    }
}

/// The ε of every layer norm (burn's default), set in their configs and given again to
/// `fused::layer_norm`, which cannot read it back from the module.
const LAYER_NORM_EPSILON: f32 = 1e-5;

#[derive(Module, Debug)]
pub struct ToyLm {
    tokens: Embedding,
    positions: Embedding,
    blocks: TransformerEncoder,
    norm: LayerNorm,
    head: Linear,
}

impl ToyLm {
    /// A freshly initialised model. Initial weights come from our own seeded RNG, not
    /// burn's global one, so they are identical on every platform and under parallel tests.
    pub fn new(config: &ModelConfig, seed: u64, device: &Device) -> Self {
        let model = Self {
            tokens: EmbeddingConfig::new(config.vocab_size, config.d_model).init(device),
            positions: EmbeddingConfig::new(config.context, config.d_model).init(device),
            blocks: TransformerEncoderConfig::new(
                config.d_model,
                config.d_ff,
                config.n_heads,
                config.n_layers,
            )
            .with_dropout(0.0)
            .with_norm_first(true)
            .with_activation(config.activation.config())
            .with_layer_norm_eps(LAYER_NORM_EPSILON.into())
            .init(device),
            norm: LayerNormConfig::new(config.d_model)
                .with_epsilon(LAYER_NORM_EPSILON.into())
                .init(device),
            head: LinearConfig::new(config.d_model, config.vocab_size).init(device),
        };
        model.map(&mut SeededInit {
            rng: Rng::derive(seed, "init"),
            path: Vec::new(),
        })
    }

    /// Logits `[batch, seq, vocab]` for token ids `[batch, seq]` (causal attention).
    pub fn forward(&self, tokens: Tensor<2, Int>) -> Tensor<3> {
        let mut x = self.embed(tokens);
        for layer in &self.blocks.layers {
            x = block(layer, x);
        }
        linear(&self.head, layer_norm(&self.norm, LAYER_NORM_EPSILON, x))
    }

    /// Token plus position embeddings `[batch, seq, d_model]`.
    fn embed(&self, tokens: Tensor<2, Int>) -> Tensor<3> {
        let [batch, seq] = tokens.dims();
        let positions = Tensor::<1, Int>::arange(0..seq as i64, &tokens.device())
            .reshape([1, seq])
            .expand([batch, seq]);
        self.tokens.forward(tokens) + self.positions.forward(positions)
    }
}

/// One pre-norm block over burn's `TransformerEncoderLayer` weights, as its `forward` with
/// `norm_first` and no dropout computes it (`norm_2` before attention, `norm_1` before the
/// feed-forward), with the attention, the linear layers and the layer norms single ops (`fused`).
fn block(layer: &TransformerEncoderLayer, x: Tensor<3>) -> Tensor<3> {
    let x =
        x.clone() + self_attention(&layer.mha, layer_norm(&layer.norm_2, LAYER_NORM_EPSILON, x));
    x.clone()
        + feed_forward(
            &layer.pwff,
            layer_norm(&layer.norm_1, LAYER_NORM_EPSILON, x),
        )
}

/// `PositionWiseFeedForward::forward` without dropout (the model has none).
fn feed_forward(pwff: &PositionWiseFeedForward, x: Tensor<3>) -> Tensor<3> {
    let hidden = pwff.activation.forward(linear(&pwff.linear_inner, x));
    linear(&pwff.linear_outer, hidden)
}

/// `MultiHeadAttention::forward` for self-attention under a causal mask.
fn self_attention(mha: &MultiHeadAttention, x: Tensor<3>) -> Tensor<3> {
    let [q, k, v] = [&mha.query, &mha.key, &mha.value].map(|layer| linear(layer, x.clone()));
    linear(&mha.output, causal_attention(q, k, v, mha.n_heads))
}

/// Replaces burn's random initialisation: matrices ~ N(0, 1/rows) (rows = fan-in for
/// `Linear`), biases 0, layer-norm scales 1.
struct SeededInit {
    rng: Rng,
    path: Vec<String>,
}

impl ModuleMapper for SeededInit {
    fn enter_module(&mut self, name: &str, _container_type: &str) {
        self.path.push(name.to_string());
    }

    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.path.pop();
    }

    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let is_gamma = self.path.last().is_some_and(|p| p == "gamma");
        let rng = &mut self.rng;
        param.map(|t| {
            let shape = t.shape();
            let n = shape.num_elements();
            let values: Vec<f32> = if D >= 2 {
                let std = 1.0 / (shape[0] as f64).sqrt();
                (0..n).map(|_| (rng.normal() * std) as f32).collect()
            } else {
                vec![if is_gamma { 1.0 } else { 0.0 }; n]
            };
            let fresh = Tensor::<D>::from_data(TensorData::new(values, shape), &t.device());
            fresh.set_require_grad(t.is_require_grad())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::nn::attention::generate_autoregressive_mask;
    use burn::nn::transformer::TransformerEncoderInput;

    #[test]
    fn the_hand_written_blocks_compute_what_burns_transformer_encoder_does() {
        // Both routes of the fused ops: plain Flex (probes) and autodiff (training).
        for device in [Device::flex(), Device::flex().autodiff()] {
            let config = ModelConfig::lab(40);
            let model = ToyLm::new(&config, 7, &device);
            let ids: Vec<i64> = (0..2 * 9).map(|i| (i * 7 % 40) as i64).collect();
            let tokens = Tensor::<2, Int>::from_data(TensorData::new(ids, [2, 9]), &device);
            let ours = model.forward(tokens.clone());

            let x = model.embed(tokens);
            let mask = generate_autoregressive_mask(2, 9, &device);
            let x = model
                .blocks
                .forward(TransformerEncoderInput::new(x).mask_attn(mask));
            let burns = model.head.forward(model.norm.forward(x));

            let (ours, burns) = (
                ours.into_data().try_to_vec::<f32>().expect("f32"),
                burns.into_data().try_to_vec::<f32>().expect("f32"),
            );
            let worst = ours
                .iter()
                .zip(&burns)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f32::max);
            assert!(worst < 1e-4, "largest difference {worst}");
        }
    }
}
