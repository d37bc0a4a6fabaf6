//! The toy model's layers as single burn ops with their own backward on Flex (the CPU
//! backend, natively and in the browser's worker): linear layers, causal self-attention, layer
//! norm and the loss's masked cross-entropy.
//!
//! burn 0.22's autodiff records each of these as a chain of small ops, each a fresh buffer:
//! softmax and layer norm decomposed into five to nine element-wise ops, a linear layer's bias
//! as a broadcast add, the attention's heads transposed and copied. Profiles of the lab step
//! (BENCHMARKS.md, "Levers on the toy step") put libm's scalar `expf` at ~12%, libc's copies
//! and allocations at ~11% and the broadcast bias add at ~8% of it. On `Autodiff<Flex>` each op
//! here runs `kernels` once forward and once back; on plain Flex (probes, sampling) the forward
//! alone; on any other device (WebGPU) burn's composed ops, which compute the same function.

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::NoCheckpointing;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind, unary};
use burn::backend::tensor::FloatTensor;
use burn::backend::{Autodiff, Flex, TensorMetadata};
use burn::nn::attention::generate_autoregressive_mask;
use burn::nn::{LayerNorm, Linear};
use burn::prelude::*;
use burn::tensor::activation::{log_softmax, softmax};

use super::kernels;

/// What `Device::flex().autodiff()` holds.
type Tracked = Autodiff<Flex, NoCheckpointing>;
type FlexTensor = FloatTensor<Flex>;

/// Causal self-attention of `n_heads` heads over the query, key and value projections
/// `[batch, t, d_model]` (each head `d_model / n_heads` columns side by side): the context in
/// the same layout, ready for the output projection.
pub fn causal_attention(q: Tensor<3>, k: Tensor<3>, v: Tensor<3>, n_heads: usize) -> Tensor<3> {
    let [batch, t, d_model] = q.dims();
    let shape = kernels::Heads {
        batch,
        t,
        heads: n_heads,
        d_k: d_model / n_heads,
    };
    if let (Ok(q), Ok(k), Ok(v)) = (
        q.clone().try_into_primitive::<Tracked>(),
        k.clone().try_into_primitive::<Tracked>(),
        v.clone().try_into_primitive::<Tracked>(),
    ) {
        return Tensor::from_primitive::<Tracked>(tracked_attention(q, k, v, shape));
    }
    if let (Ok(q), Ok(k), Ok(v)) = (
        q.clone().try_into_primitive::<Flex>(),
        k.clone().try_into_primitive::<Flex>(),
        v.clone().try_into_primitive::<Flex>(),
    ) {
        let (q, k, v) = (f32s(&q), f32s(&k), f32s(&v));
        let (context, _) = attend(&q, &k, &v, shape);
        return Tensor::from_primitive::<Flex>(context);
    }
    composed_causal_attention(q, k, v, n_heads)
}

/// The same attention in burn's ops, as `MultiHeadAttention::forward` computes it under a
/// causal mask (heads split out and transposed, scores, masked softmax, heads merged back).
pub fn composed_causal_attention(
    q: Tensor<3>,
    k: Tensor<3>,
    v: Tensor<3>,
    n_heads: usize,
) -> Tensor<3> {
    let [batch, t, d_model] = q.dims();
    let d_k = d_model / n_heads;
    let heads = |x: Tensor<3>| x.reshape([batch, t, n_heads, d_k]).swap_dims(1, 2);
    let (q, k, v) = (heads(q), heads(k), heads(v));
    let weights = composed_causal_softmax(q.matmul(k.transpose()), 1.0 / (d_k as f32).sqrt());
    weights
        .matmul(v)
        .swap_dims(1, 2)
        .reshape([batch, t, d_model])
}

/// burn's own way (`MultiHeadAttention`: scale, fill the future with −10⁴, softmax).
fn composed_causal_softmax(scores: Tensor<4>, scale: f32) -> Tensor<4> {
    let [batch, _, t, _] = scores.dims();
    let mask = generate_autoregressive_mask(batch, t, &scores.device()).reshape([batch, 1, t, t]);
    softmax(scores.mul_scalar(scale).mask_fill(mask, -1.0e4), 3)
}

/// `−Σ w · log softmax(logits)[target] / max(Σ w, 1)` over `[batch, t, vocab]` logits: the
/// training loss (a 1-element tensor).
pub fn masked_cross_entropy(
    logits: Tensor<3>,
    targets: Tensor<2, Int>,
    weights: Tensor<2>,
) -> Tensor<1> {
    if let Ok(x) = logits.clone().try_into_primitive::<Tracked>() {
        let ce = CrossEntropyInputs::read(targets.clone(), weights.clone().detach());
        return Tensor::from_primitive::<Tracked>(tracked_cross_entropy(x, ce));
    }
    composed_masked_cross_entropy(logits, targets, weights)
}

/// The same loss in burn's composed ops.
pub fn composed_masked_cross_entropy(
    logits: Tensor<3>,
    targets: Tensor<2, Int>,
    weights: Tensor<2>,
) -> Tensor<1> {
    let picked = log_softmax(logits, 2)
        .gather(2, targets.unsqueeze_dim(2))
        .squeeze_dim::<2>(2);
    let total = weights.clone().sum().clamp_min(1.0);
    (picked * weights).sum().neg() / total
}

/// `layer.forward(x)` for a layer with a bias: one product with the bias accumulated in place,
/// and on `Autodiff<Flex>` one op back (burn records a reshape, a product and a broadcast add,
/// and its broadcast add alone was ~8% of the lab step).
pub fn linear<const D: usize>(layer: &Linear, x: Tensor<D>) -> Tensor<D> {
    let Some(bias) = &layer.bias else {
        return layer.forward(x);
    };
    let (weight, bias) = (layer.weight.val(), bias.val());
    if let (Ok(x), Ok(w), Ok(b)) = (
        x.clone().try_into_primitive::<Tracked>(),
        weight.clone().try_into_primitive::<Tracked>(),
        bias.clone().try_into_primitive::<Tracked>(),
    ) {
        return Tensor::from_primitive::<Tracked>(tracked_linear(x, w, b));
    }
    if let (Ok(x), Ok(w), Ok(b)) = (
        x.clone().try_into_primitive::<Flex>(),
        weight.try_into_primitive::<Flex>(),
        bias.try_into_primitive::<Flex>(),
    ) {
        return Tensor::from_primitive::<Flex>(flex_linear(&f32s(&x), &f32s(&w), &f32s(&b)));
    }
    layer.forward(x)
}

fn flex_linear(x: &FlexTensor, weight: &FlexTensor, bias: &FlexTensor) -> FlexTensor {
    let (x_values, w, b) = (x.as_slice().unwrap(), weight.as_slice(), bias.as_slice());
    let y = kernels::linear(x_values, w.unwrap(), b.unwrap());
    let mut shape = x.shape();
    let last = shape.num_dims() - 1;
    shape[last] = bias.shape()[0];
    flex_tensor(y, shape)
}

#[derive(Debug)]
struct LinearOp;

impl Backward<Flex, 3> for LinearOp {
    /// The input and the weight, contiguous f32.
    type State = (FlexTensor, FlexTensor);

    fn backward(self, ops: Ops<Self::State, 3>, grads: &mut Gradients, _: &mut Checkpointer) {
        let (x, weight) = ops.state;
        let dy = f32s(&grads.consume::<Flex>(&ops.node));
        let d_out = weight.shape()[1];
        let (dx, d_weight, d_bias) = kernels::linear_backward(
            x.as_slice().unwrap(),
            weight.as_slice().unwrap(),
            d_out,
            dy.as_slice().unwrap(),
        );
        let [x_node, weight_node, bias_node] = ops.parents;
        let shapes = [x.shape(), weight.shape(), burn::tensor::Shape::new([d_out])];
        for ((parent, grad), shape) in [x_node, weight_node, bias_node]
            .into_iter()
            .zip([dx, d_weight, d_bias])
            .zip(shapes)
        {
            if let Some(parent) = parent {
                grads.register::<Flex>(parent.id, flex_tensor(grad, shape));
            }
        }
    }
}

fn tracked_linear(
    x: FloatTensor<Tracked>,
    weight: FloatTensor<Tracked>,
    bias: FloatTensor<Tracked>,
) -> FloatTensor<Tracked> {
    let nodes = [x.node(), weight.node(), bias.node()];
    let x = f32s(&x.into_primitive());
    let weight = f32s(&weight.into_primitive());
    let y = flex_linear(&x, &weight, &f32s(&bias.into_primitive()));
    match LinearOp
        .prepare::<NoCheckpointing>(nodes)
        .compute_bound()
        .stateful()
    {
        OpsKind::Tracked(prep) => prep.finish((x, weight), y),
        OpsKind::UnTracked(prep) => prep.finish(y),
    }
}

/// The ε of every layer norm in the model: `LayerNormConfig`'s default (the module keeps its
/// own private; `model`'s test against burn's encoder would catch a mismatch).
pub const LAYER_NORM_EPSILON: f32 = 1e-5;

/// `norm.forward(x)`, with its backward one op on `Autodiff<Flex>`.
pub fn layer_norm<const D: usize>(norm: &LayerNorm, x: Tensor<D>) -> Tensor<D> {
    let gamma = norm.gamma.val();
    let beta = norm.beta.as_ref().map(|b| b.val());
    let primitives = (
        x.clone().try_into_primitive::<Tracked>(),
        gamma.try_into_primitive::<Tracked>(),
        beta.map(|b| b.try_into_primitive::<Tracked>()),
    );
    if let (Ok(x), Ok(gamma), Some(Ok(beta))) = primitives {
        return Tensor::from_primitive::<Tracked>(tracked_layer_norm(x, gamma, beta));
    }
    norm.forward(x)
}

#[derive(Debug)]
struct LayerNormOp;

/// What the backward needs: `x̂`, each row's `1/σ`, `γ` and the input's shape.
type LayerNormState = (Vec<f32>, Vec<f32>, Vec<f32>, burn::tensor::Shape);

impl Backward<Flex, 3> for LayerNormOp {
    type State = LayerNormState;

    fn backward(self, ops: Ops<Self::State, 3>, grads: &mut Gradients, _: &mut Checkpointer) {
        let (normalised, inv_stds, gamma, shape) = ops.state;
        let dy = f32s(&grads.consume::<Flex>(&ops.node));
        let (dx, d_gamma, d_beta) =
            kernels::layer_norm_backward(&normalised, &inv_stds, &gamma, dy.as_slice().unwrap());
        let d = burn::tensor::Shape::new([gamma.len()]);
        let [x, gamma, beta] = ops.parents;
        for (parent, grad, shape) in [
            (x, dx, shape),
            (gamma, d_gamma, d.clone()),
            (beta, d_beta, d),
        ] {
            if let Some(parent) = parent {
                grads.register::<Flex>(parent.id, flex_tensor(grad, shape));
            }
        }
    }
}

fn tracked_layer_norm(
    x: FloatTensor<Tracked>,
    gamma: FloatTensor<Tracked>,
    beta: FloatTensor<Tracked>,
) -> FloatTensor<Tracked> {
    let nodes = [x.node(), gamma.node(), beta.node()];
    let x = f32s(&x.into_primitive());
    let gamma = f32s(&gamma.into_primitive())
        .as_slice::<f32>()
        .unwrap()
        .to_vec();
    let beta = f32s(&beta.into_primitive());
    let shape = x.shape();
    let mut y = vec![0.0; shape.num_elements()];
    let (normalised, inv_stds) = kernels::layer_norm(
        x.as_slice().unwrap(),
        &gamma,
        beta.as_slice().unwrap(),
        LAYER_NORM_EPSILON,
        &mut y,
    );
    let y = flex_tensor(y, shape.clone());
    match LayerNormOp
        .prepare::<NoCheckpointing>(nodes)
        .compute_bound()
        .stateful()
    {
        OpsKind::Tracked(prep) => prep.finish((normalised, inv_stds, gamma, shape), y),
        OpsKind::UnTracked(prep) => prep.finish(y),
    }
}

fn f32s(x: &FlexTensor) -> FlexTensor {
    let x = x.to_contiguous();
    assert!(
        x.as_slice::<f32>().is_some(),
        "fused ops take f32 tensors, not {:?}",
        x.dtype()
    );
    x
}

fn flex_tensor(values: Vec<f32>, shape: burn::tensor::Shape) -> FlexTensor {
    FlexTensor::from_data(TensorData::new(values, shape))
}

/// The context `[batch, t, d_model]` and the attention weights, from contiguous f32 q, k, v.
fn attend(
    q: &FlexTensor,
    k: &FlexTensor,
    v: &FlexTensor,
    shape: kernels::Heads,
) -> (FlexTensor, Vec<f32>) {
    let [q_values, k_values, v_values] = [q, k, v].map(|x| x.as_slice::<f32>().unwrap());
    let (context, weights) = kernels::causal_attention(q_values, k_values, v_values, shape);
    (flex_tensor(context, q.shape()), weights)
}

#[derive(Debug)]
struct Attention;

impl Backward<Flex, 3> for Attention {
    /// q, k and v (contiguous f32), the attention weights and the shape.
    type State = ([FlexTensor; 3], Vec<f32>, kernels::Heads);

    fn backward(self, ops: Ops<Self::State, 3>, grads: &mut Gradients, _: &mut Checkpointer) {
        let ([q, k, v], weights, shape) = ops.state;
        let d_context = f32s(&grads.consume::<Flex>(&ops.node));
        let [q_values, k_values, v_values, d_values] =
            [&q, &k, &v, &d_context].map(|x| x.as_slice::<f32>().unwrap());
        let (dq, dk, dv) = kernels::causal_attention_backward(
            q_values, k_values, v_values, &weights, d_values, shape,
        );
        for (parent, grad) in ops.parents.into_iter().zip([dq, dk, dv]) {
            if let Some(parent) = parent {
                grads.register::<Flex>(parent.id, flex_tensor(grad, q.shape()));
            }
        }
    }
}

fn tracked_attention(
    q: FloatTensor<Tracked>,
    k: FloatTensor<Tracked>,
    v: FloatTensor<Tracked>,
    shape: kernels::Heads,
) -> FloatTensor<Tracked> {
    let nodes = [q.node(), k.node(), v.node()];
    let [q, k, v] = [q, k, v].map(|x| f32s(&x.into_primitive()));
    let (context, weights) = attend(&q, &k, &v, shape);
    match Attention
        .prepare::<NoCheckpointing>(nodes)
        .compute_bound()
        .stateful()
    {
        OpsKind::Tracked(prep) => prep.finish(([q, k, v], weights, shape), context),
        OpsKind::UnTracked(prep) => prep.finish(context),
    }
}

/// Targets and weights as plain values: constants of the loss, read once (1024 of each in
/// the benchmark step).
#[derive(Debug, Clone)]
struct CrossEntropyInputs {
    targets: Vec<usize>,
    weights: Vec<f32>,
}

impl CrossEntropyInputs {
    fn read(targets: Tensor<2, Int>, weights: Tensor<2>) -> Self {
        let targets = targets.into_data();
        // A negative id maps to usize::MAX, which the kernel refuses by name.
        let targets = targets
            .iter::<i64>()
            .map(|t| usize::try_from(t).unwrap_or(usize::MAX))
            .collect();
        let weights = weights.into_data().iter::<f32>().collect();
        Self { targets, weights }
    }
}

#[derive(Debug)]
struct CrossEntropy;

impl Backward<Flex, 1> for CrossEntropy {
    /// The rows' softmax and the constants.
    type State = (Vec<f32>, burn::tensor::Shape, CrossEntropyInputs);

    fn backward(self, ops: Ops<Self::State, 1>, grads: &mut Gradients, _: &mut Checkpointer) {
        let (probs, shape, ce) = ops.state;
        unary::<Flex, _>(ops.parents, ops.node, grads, |grad| {
            let grad = f32s(&grad).as_slice::<f32>().unwrap()[0];
            let vocab = shape[shape.num_dims() - 1];
            let out = kernels::cross_entropy_backward(probs, vocab, &ce.targets, &ce.weights, grad);
            flex_tensor(out, shape)
        });
    }
}

fn tracked_cross_entropy(x: FloatTensor<Tracked>, ce: CrossEntropyInputs) -> FloatTensor<Tracked> {
    let node = x.node();
    let x = f32s(&x.into_primitive());
    let shape = x.shape();
    let vocab = shape[shape.num_dims() - 1];
    let (loss, probs) =
        kernels::cross_entropy(x.as_slice().unwrap(), vocab, &ce.targets, &ce.weights);
    let loss = flex_tensor(vec![loss], burn::tensor::Shape::new([1]));
    match CrossEntropy
        .prepare::<NoCheckpointing>([node])
        .compute_bound()
        .stateful()
    {
        OpsKind::Tracked(prep) => prep.finish((probs, shape, ce), loss),
        OpsKind::UnTracked(prep) => prep.finish(loss),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::toy::rng::Rng;

    fn random(shape: [usize; 4], seed: u64, device: &Device) -> Tensor<4> {
        let mut rng = Rng::derive(seed, "fused");
        let n = shape.iter().product();
        let values: Vec<f32> = (0..n).map(|_| (rng.normal() * 3.0) as f32).collect();
        Tensor::from_data(TensorData::new(values, shape), device)
    }

    fn close(a: Tensor<4>, b: Tensor<4>, tolerance: f32) {
        let (a, b) = (
            a.into_data().try_to_vec::<f32>().expect("f32"),
            b.into_data().try_to_vec::<f32>().expect("f32"),
        );
        for (i, (a, b)) in a.iter().zip(&b).enumerate() {
            assert!((a - b).abs() <= tolerance, "element {i}: {a} vs {b}");
        }
    }

    #[test]
    fn the_fused_attention_and_its_three_gradients_match_burns_composed_ops() {
        let device = Device::flex().autodiff();
        let shape = [1, 2, 7, 12];
        let upstream: Tensor<3> = random(shape, 2, &device).reshape([2, 7, 12]);
        let run = |f: fn(Tensor<3>, Tensor<3>, Tensor<3>, usize) -> Tensor<3>| {
            let [q, k, v] = [1, 3, 4].map(|seed| {
                random(shape, seed, &device)
                    .reshape([2, 7, 12])
                    .require_grad()
            });
            let y = f(q.clone(), k.clone(), v.clone(), 3);
            let grads = (y.clone() * upstream.clone()).sum().backward();
            let grad = |x: &Tensor<3>| x.grad(&grads).unwrap().reshape(shape);
            let y: Tensor<4> = y.inner().reshape(shape);
            (y, grad(&q), grad(&k), grad(&v))
        };
        let (ours, theirs) = (run(causal_attention), run(composed_causal_attention));
        close(ours.0, theirs.0, 1e-5);
        close(ours.1, theirs.1, 1e-4);
        close(ours.2, theirs.2, 1e-4);
        close(ours.3, theirs.3, 1e-4);
    }

    #[test]
    fn without_autodiff_the_fused_attention_matches_too() {
        let device = Device::flex();
        let [q, k, v] =
            [5, 6, 7].map(|seed| random([1, 2, 5, 8], seed, &device).reshape([2, 5, 8]));
        let ours: Tensor<4> =
            causal_attention(q.clone(), k.clone(), v.clone(), 2).reshape([1, 2, 5, 8]);
        let theirs = composed_causal_attention(q, k, v, 2).reshape([1, 2, 5, 8]);
        close(ours, theirs, 1e-5);
    }

    #[test]
    fn the_fused_layer_norm_and_its_three_gradients_match_burns_layer_norm() {
        let device = Device::flex().autodiff();
        let shape = [2, 3, 5, 8];
        let upstream = random(shape, 6, &device);
        let run = |fused: bool| {
            let mut norm = burn::nn::LayerNormConfig::new(8).init(&device);
            // Not the initial 1 and 0, so γ and β take part.
            let gamma: Tensor<4> = random([1, 1, 1, 8], 7, &device);
            let beta: Tensor<4> = random([1, 1, 1, 8], 8, &device);
            norm.gamma = burn::module::Param::from_tensor(gamma.reshape([8]));
            norm.beta = Some(burn::module::Param::from_tensor(beta.reshape([8])));
            let x = random(shape, 9, &device).require_grad();
            let y = if fused {
                layer_norm(&norm, x.clone())
            } else {
                norm.forward(x.clone())
            };
            let grads = (y.clone() * upstream.clone()).sum().backward();
            let d_gamma = norm.gamma.grad(&grads).unwrap().reshape([1, 1, 1, 8]);
            let d_beta = norm.beta.as_ref().unwrap().grad(&grads).unwrap();
            (
                y.inner(),
                x.grad(&grads).unwrap(),
                d_gamma,
                d_beta.reshape([1, 1, 1, 8]),
            )
        };
        let (ours, theirs) = (run(true), run(false));
        close(ours.0, theirs.0, 1e-5);
        close(ours.1, theirs.1, 1e-4);
        close(ours.2, theirs.2, 1e-4);
        close(ours.3, theirs.3, 1e-4);
    }

    #[test]
    fn the_fused_linear_and_its_three_gradients_match_burns_linear() {
        let device = Device::flex().autodiff();
        let layer = burn::nn::LinearConfig::new(8, 5).init(&device);
        let upstream = random([2, 3, 4, 5], 10, &device);
        let run = |fused: bool| {
            let x = random([2, 3, 4, 8], 11, &device).require_grad();
            let y = if fused {
                linear(&layer, x.clone())
            } else {
                layer.forward(x.clone())
            };
            let grads = (y.clone() * upstream.clone()).sum().backward();
            let d_weight = layer.weight.grad(&grads).unwrap().reshape([1, 1, 8, 5]);
            let d_bias = layer.bias.as_ref().unwrap().grad(&grads).unwrap();
            (
                y.inner(),
                x.grad(&grads).unwrap(),
                d_weight,
                d_bias.reshape([1, 1, 1, 5]),
            )
        };
        let (ours, theirs) = (run(true), run(false));
        close(ours.0, theirs.0, 1e-5);
        close(ours.1, theirs.1, 1e-5);
        close(ours.2, theirs.2, 1e-4);
        close(ours.3, theirs.3, 1e-5);
        let plain = Device::flex();
        let layer = layer.valid();
        let x = random([2, 3, 4, 8], 12, &plain);
        close(linear(&layer, x.clone()), layer.forward(x), 1e-5);
    }

    #[test]
    fn the_fused_cross_entropy_and_its_gradient_match_burns_composed_ops() {
        let device = Device::flex().autodiff();
        let (b, t, v) = (3, 4, 11);
        let mut rng = Rng::derive(4, "fused");
        let targets: Vec<i64> = (0..b * t).map(|_| rng.below(v) as i64).collect();
        let weights: Vec<f32> = (0..b * t)
            .map(|i| if i % 5 == 0 { 0.0 } else { 1.0 })
            .collect();
        let targets = Tensor::<2, Int>::from_data(TensorData::new(targets, [b, t]), &device);
        let weights = Tensor::<2>::from_data(TensorData::new(weights, [b, t]), &device);
        let run = |f: fn(Tensor<3>, Tensor<2, Int>, Tensor<2>) -> Tensor<1>| {
            let x: Tensor<3> = random([1, b, t, v], 5, &device)
                .reshape([b, t, v])
                .require_grad();
            let loss = f(x.clone(), targets.clone(), weights.clone());
            let grads = loss.clone().backward();
            let grad: Tensor<4> = x.grad(&grads).unwrap().reshape([1, b, t, v]);
            (loss.into_scalar::<f32>(), grad)
        };
        let (fused, fused_grad) = run(masked_cross_entropy);
        let (composed, composed_grad) = run(composed_masked_cross_entropy);
        assert!((fused - composed).abs() < 1e-5, "{fused} vs {composed}");
        close(fused_grad, composed_grad, 1e-6);
    }
}
