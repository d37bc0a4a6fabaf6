//! The toy model's layers as single burn ops with their own backward on Flex (the CPU
//! backend, natively and in the browser's worker): linear layers, causal self-attention, layer
//! norm and the loss's masked cross-entropy.
//!
//! burn 0.22's autodiff records each of these as a chain of small ops, each a fresh buffer:
//! softmax and layer norm decomposed into five to nine element-wise ops, a linear layer's bias
//! as a broadcast add, the attention's heads transposed and copied. Profiles of the lab step
//! (BENCHMARKS.md, "Levers on the toy step") put libm's scalar `expf` at ~12%, libc's copies
//! and allocations at ~11% and the broadcast bias add at ~8% of it. On
//! `Autodiff<Flex, NoCheckpointing>` (what `Device::flex().autodiff()` holds) each op here runs
//! `kernels` once forward and once back; on plain Flex (probes, sampling) the linear layers,
//! the attention and layer norm run the same forward kernels; anything else (WebGPU, f64
//! tensors, another checkpointing strategy) takes burn's composed ops, which compute the same
//! function.

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::NoCheckpointing;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, NodeGuard, Ops, OpsKind, unary};
use burn::backend::tensor::FloatTensor;
use burn::backend::{Autodiff, Flex, TensorMetadata};
use burn::nn::attention::generate_autoregressive_mask;
use burn::nn::{LayerNorm, Linear};
use burn::prelude::*;
use burn::tensor::activation::{log_softmax, softmax};
use burn::tensor::{DType, Shape};

use super::kernels;

/// What `Device::flex().autodiff()` holds.
type Tracked = Autodiff<Flex, NoCheckpointing>;
type FlexTensor = FloatTensor<Flex>;

/// `layer.forward(x)` for a layer with a bias: one product with the bias accumulated in place,
/// and on `Autodiff<Flex>` one op back (burn records a reshape, a product and a broadcast add,
/// and its broadcast add alone was ~8% of the lab step).
pub fn linear<const D: usize>(layer: &Linear, x: Tensor<D>) -> Tensor<D> {
    let Some(bias) = &layer.bias else {
        return layer.forward(x);
    };
    let (weight, bias) = (layer.weight.val(), bias.val());
    let [d_in, _] = weight.dims();
    assert_eq!(x.dims()[D - 1], d_in, "input rows are not {d_in} wide");
    if let (Some(x), Some(w), Some(b)) = (tracked(&x), tracked(&weight), tracked(&bias)) {
        let nodes = [x.node(), w.node(), b.node()];
        let [x, w, b] = [x, w, b].map(|t| contiguous_f32(&t.into_primitive()));
        let y = flex_linear(&x, &w, &b);
        return Tensor::from_primitive::<Tracked>(record(LinearOp, nodes, (x, w), y));
    }
    if let (Some(x), Some(w), Some(b)) = (plain(&x), plain(&weight), plain(&bias)) {
        return Tensor::from_primitive::<Flex>(flex_linear(&x, &w, &b));
    }
    layer.forward(x)
}

/// Causal self-attention of `n_heads` heads over the query, key and value projections
/// `[batch, t, d_model]` (each head `d_model / n_heads` columns side by side): the context in
/// the same layout, ready for the output projection.
pub fn causal_attention(q: Tensor<3>, k: Tensor<3>, v: Tensor<3>, n_heads: usize) -> Tensor<3> {
    let [batch, t, d_model] = q.dims();
    assert!(
        k.dims() == q.dims() && v.dims() == q.dims(),
        "q, k and v differ in shape"
    );
    assert!(
        n_heads > 0 && d_model.is_multiple_of(n_heads),
        "{d_model} columns do not split into {n_heads} heads"
    );
    let shape = kernels::Heads {
        batch,
        t,
        heads: n_heads,
        d_k: d_model / n_heads,
    };
    if let (Some(q), Some(k), Some(v)) = (tracked(&q), tracked(&k), tracked(&v)) {
        let nodes = [q.node(), k.node(), v.node()];
        let qkv = [q, k, v].map(|t| contiguous_f32(&t.into_primitive()));
        let (context, weights) = flex_attention(&qkv, shape);
        let state = (qkv, weights, shape);
        return Tensor::from_primitive::<Tracked>(record(AttentionOp, nodes, state, context));
    }
    if let (Some(q), Some(k), Some(v)) = (plain(&q), plain(&k), plain(&v)) {
        let (context, _) = flex_attention(&[q, k, v], shape);
        return Tensor::from_primitive::<Flex>(context);
    }
    composed_causal_attention(q, k, v, n_heads)
}

/// The same attention in burn's ops, as `MultiHeadAttention::forward` computes it under a
/// causal mask (heads split out and transposed, scores, masked softmax, heads merged back).
fn composed_causal_attention(
    q: Tensor<3>,
    k: Tensor<3>,
    v: Tensor<3>,
    n_heads: usize,
) -> Tensor<3> {
    let [batch, t, d_model] = q.dims();
    let d_k = d_model / n_heads;
    let heads = |x: Tensor<3>| x.reshape([batch, t, n_heads, d_k]).swap_dims(1, 2);
    let (q, k, v) = (heads(q), heads(k), heads(v));
    let scores = q
        .matmul(k.transpose())
        .mul_scalar(1.0 / (d_k as f32).sqrt());
    // burn's `MultiHeadAttention`: fill the future with −10⁴, then softmax.
    let mask = generate_autoregressive_mask(batch, t, &scores.device()).reshape([batch, 1, t, t]);
    softmax(scores.mask_fill(mask, -1.0e4), 3)
        .matmul(v)
        .swap_dims(1, 2)
        .reshape([batch, t, d_model])
}

/// `norm.forward(x)` for a layer norm made with this `epsilon` (the module keeps its own
/// private, so the caller that configured it says it again), one op each way on Flex.
pub fn layer_norm<const D: usize>(norm: &LayerNorm, epsilon: f32, x: Tensor<D>) -> Tensor<D> {
    let gamma = norm.gamma.val();
    let beta = norm.beta.as_ref().map(|b| b.val());
    let [d] = gamma.dims();
    assert_eq!(x.dims()[D - 1], d, "input rows are not {d} wide");
    if let (Some(x), Some(gamma), Some(Some(beta))) =
        (tracked(&x), tracked(&gamma), beta.as_ref().map(tracked))
    {
        let nodes = [x.node(), gamma.node(), beta.node()];
        let [x, gamma, beta] = [x, gamma, beta].map(|t| contiguous_f32(&t.into_primitive()));
        let (y, normalised, inv_stds) = flex_layer_norm(&x, &gamma, &beta, epsilon);
        let gamma = gamma.as_slice::<f32>().unwrap().to_vec();
        let state = (normalised, inv_stds, gamma, x.shape());
        return Tensor::from_primitive::<Tracked>(record(LayerNormOp, nodes, state, y));
    }
    if let (Some(x), Some(gamma), Some(Some(beta))) =
        (plain(&x), plain(&gamma), beta.as_ref().map(plain))
    {
        let (y, _, _) = flex_layer_norm(&x, &gamma, &beta, epsilon);
        return Tensor::from_primitive::<Flex>(y);
    }
    norm.forward(x)
}

/// `−Σ w · log softmax(logits)[target] / max(Σ w, 1)` over `[batch, t, vocab]` logits: the
/// training loss (a 1-element tensor).
pub fn masked_cross_entropy(
    logits: Tensor<3>,
    targets: Tensor<2, Int>,
    weights: Tensor<2>,
) -> Tensor<1> {
    if let Some(x) = tracked(&logits) {
        let ce = CrossEntropyInputs::read(targets.clone(), weights.clone().detach());
        return Tensor::from_primitive::<Tracked>(tracked_cross_entropy(x, ce));
    }
    composed_masked_cross_entropy(logits, targets, weights)
}

/// The same loss in burn's composed ops.
fn composed_masked_cross_entropy(
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

/// `x` as `Autodiff<Flex>`'s primitive, if that is what it is and it holds f32.
fn tracked<const D: usize>(x: &Tensor<D>) -> Option<FloatTensor<Tracked>> {
    let f32 = x.dtype() == DType::F32;
    f32.then(|| x.clone().try_into_primitive::<Tracked>().ok())
        .flatten()
}

/// `x` as plain Flex's primitive, contiguous, if that is what it is and it holds f32.
fn plain<const D: usize>(x: &Tensor<D>) -> Option<FlexTensor> {
    let f32 = x.dtype() == DType::F32;
    f32.then(|| x.clone().try_into_primitive::<Flex>().ok())
        .flatten()
        .map(|x| contiguous_f32(&x))
}

/// The same values laid out contiguously (a copy only if they were not), for `as_slice`.
fn contiguous_f32(x: &FlexTensor) -> FlexTensor {
    let x = x.to_contiguous();
    assert!(
        x.as_slice::<f32>().is_some(),
        "fused ops take f32 tensors, not {:?}",
        x.dtype()
    );
    x
}

fn flex_tensor(values: Vec<f32>, shape: Shape) -> FlexTensor {
    FlexTensor::from_data(TensorData::new(values, shape))
}

/// The op's output, recorded in the autodiff graph with `state` for its backward when any
/// input needs a gradient.
fn record<Op: Backward<Flex, N>, const N: usize>(
    op: Op,
    nodes: [NodeGuard; N],
    state: Op::State,
    output: FlexTensor,
) -> FloatTensor<Tracked> {
    match op
        .prepare::<NoCheckpointing>(nodes)
        .compute_bound()
        .stateful()
    {
        OpsKind::Tracked(prep) => prep.finish(state, output),
        OpsKind::UnTracked(prep) => prep.finish(output),
    }
}

/// Hands each parent that wants one its gradient.
fn register<S, const N: usize>(ops: &Ops<S, N>, grads: &mut Gradients, values: [FlexTensor; N]) {
    for (parent, grad) in ops.parents.iter().zip(values) {
        if let Some(parent) = parent {
            grads.register::<Flex>(parent.id, grad);
        }
    }
}

/// The upstream gradient of the op's output, contiguous f32.
fn upstream<S, const N: usize>(ops: &Ops<S, N>, grads: &mut Gradients) -> FlexTensor {
    contiguous_f32(&grads.consume::<Flex>(&ops.node))
}

fn slice(x: &FlexTensor) -> &[f32] {
    x.as_slice().expect("contiguous f32")
}

fn flex_linear(x: &FlexTensor, weight: &FlexTensor, bias: &FlexTensor) -> FlexTensor {
    let y = kernels::linear(slice(x), slice(weight), slice(bias));
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
        let dy = upstream(&ops, grads);
        let (x, weight) = &ops.state;
        let d_out = weight.shape()[1];
        let (dx, d_weight, d_bias) =
            kernels::linear_backward(slice(x), slice(weight), d_out, slice(&dy));
        let values = [
            flex_tensor(dx, x.shape()),
            flex_tensor(d_weight, weight.shape()),
            flex_tensor(d_bias, Shape::new([d_out])),
        ];
        register(&ops, grads, values);
    }
}

/// The context `[batch, t, d_model]` and the attention weights, from contiguous f32 q, k, v.
fn flex_attention(qkv: &[FlexTensor; 3], shape: kernels::Heads) -> (FlexTensor, Vec<f32>) {
    let [q, k, v] = qkv.each_ref().map(slice);
    let (context, weights) = kernels::causal_attention(q, k, v, shape);
    (flex_tensor(context, qkv[0].shape()), weights)
}

#[derive(Debug)]
struct AttentionOp;

impl Backward<Flex, 3> for AttentionOp {
    /// q, k and v (contiguous f32), the attention weights and the shape.
    type State = ([FlexTensor; 3], Vec<f32>, kernels::Heads);

    fn backward(self, ops: Ops<Self::State, 3>, grads: &mut Gradients, _: &mut Checkpointer) {
        let d_context = upstream(&ops, grads);
        let (qkv, weights, shape) = &ops.state;
        let [q, k, v] = qkv.each_ref().map(slice);
        let (dq, dk, dv) =
            kernels::causal_attention_backward(q, k, v, weights, slice(&d_context), *shape);
        let values = [dq, dk, dv].map(|grad| flex_tensor(grad, qkv[0].shape()));
        register(&ops, grads, values);
    }
}

/// The output, `x̂` and each row's `1/σ`.
fn flex_layer_norm(
    x: &FlexTensor,
    gamma: &FlexTensor,
    beta: &FlexTensor,
    epsilon: f32,
) -> (FlexTensor, Vec<f32>, Vec<f32>) {
    let mut y = vec![0.0; x.shape().num_elements()];
    let (normalised, inv_stds) =
        kernels::layer_norm(slice(x), slice(gamma), slice(beta), epsilon, &mut y);
    (flex_tensor(y, x.shape()), normalised, inv_stds)
}

#[derive(Debug)]
struct LayerNormOp;

impl Backward<Flex, 3> for LayerNormOp {
    /// `x̂`, each row's `1/σ`, `γ` and the input's shape.
    type State = (Vec<f32>, Vec<f32>, Vec<f32>, Shape);

    fn backward(self, ops: Ops<Self::State, 3>, grads: &mut Gradients, _: &mut Checkpointer) {
        let dy = upstream(&ops, grads);
        let (normalised, inv_stds, gamma, shape) = &ops.state;
        let (dx, d_gamma, d_beta) =
            kernels::layer_norm_backward(normalised, inv_stds, gamma, slice(&dy));
        let d = Shape::new([gamma.len()]);
        let values = [
            flex_tensor(dx, shape.clone()),
            flex_tensor(d_gamma, d.clone()),
            flex_tensor(d_beta, d),
        ];
        register(&ops, grads, values);
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
struct CrossEntropyOp;

impl Backward<Flex, 1> for CrossEntropyOp {
    /// The rows' softmax and the constants.
    type State = (Vec<f32>, Shape, CrossEntropyInputs);

    fn backward(self, ops: Ops<Self::State, 1>, grads: &mut Gradients, _: &mut Checkpointer) {
        let (probs, shape, ce) = ops.state;
        unary::<Flex, _>(ops.parents, ops.node, grads, |grad| {
            let grad = slice(&contiguous_f32(&grad))[0];
            let vocab = shape[shape.num_dims() - 1];
            let out = kernels::cross_entropy_backward(probs, vocab, &ce.targets, &ce.weights, grad);
            flex_tensor(out, shape)
        });
    }
}

fn tracked_cross_entropy(x: FloatTensor<Tracked>, ce: CrossEntropyInputs) -> FloatTensor<Tracked> {
    let node = x.node();
    let x = contiguous_f32(&x.into_primitive());
    let shape = x.shape();
    let vocab = shape[shape.num_dims() - 1];
    let (loss, probs) = kernels::cross_entropy(slice(&x), vocab, &ce.targets, &ce.weights);
    let loss = flex_tensor(vec![loss], Shape::new([1]));
    record(CrossEntropyOp, [node], (probs, shape, ce), loss)
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

    /// An output and its gradients, each within its tolerance of burn's.
    fn all_close(ours: [Tensor<4>; 4], theirs: [Tensor<4>; 4], tolerances: [f32; 4]) {
        for ((a, b), tolerance) in ours.into_iter().zip(theirs).zip(tolerances) {
            close(a, b, tolerance);
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
            [y, grad(&q), grad(&k), grad(&v)]
        };
        let (ours, theirs) = (run(causal_attention), run(composed_causal_attention));
        all_close(ours, theirs, [1e-5, 1e-4, 1e-4, 1e-4]);
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
                layer_norm(&norm, 1e-5, x.clone())
            } else {
                norm.forward(x.clone())
            };
            let grads = (y.clone() * upstream.clone()).sum().backward();
            let d_gamma = norm.gamma.grad(&grads).unwrap().reshape([1, 1, 1, 8]);
            let d_beta = norm.beta.as_ref().unwrap().grad(&grads).unwrap();
            let d_beta = d_beta.reshape([1, 1, 1, 8]);
            [y.inner(), x.grad(&grads).unwrap(), d_gamma, d_beta]
        };
        let (ours, theirs) = (run(true), run(false));
        all_close(ours, theirs, [1e-5, 1e-4, 1e-4, 1e-4]);
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
            let d_bias = d_bias.reshape([1, 1, 1, 5]);
            [y.inner(), x.grad(&grads).unwrap(), d_weight, d_bias]
        };
        let (ours, theirs) = (run(true), run(false));
        all_close(ours, theirs, [1e-5, 1e-5, 1e-4, 1e-5]);
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
