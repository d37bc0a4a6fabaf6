//! Plain f32-slice kernels behind `fused`, each with its backward: matrix products (gemm's
//! microkernels over strided views, so transposes and attention heads are never copied), the
//! linear layer, causal multi-head attention, layer norm and the loss's masked cross-entropy.
//!
//! Why by hand: burn 0.22's autodiff builds softmax and cross-entropy from five or more
//! element-wise ops, each a fresh buffer, and computes every exponential with libm's scalar
//! `expf` (the masked half of the attention scores through glibc's slow underflow path); layer
//! norm from nine; a linear layer's bias as a broadcast add. Here the element-wise work is one
//! pass each way with a branch-free `exp` the compiler vectorises (SSE natively, simd128 in
//! wasm), and the attention's softmax skips the masked half (its products are full `t × t`
//! gemm calls). No tensors: `fused` wraps these for burn.

/// e^x, branch-free so loops over it vectorise: Cephes' `expf` (range reduction by ln 2 in two
/// parts, a degree-6 polynomial, the exponent set by bits), within a few ulp of libm's over
/// [−87, 88]. Below −87 it returns e^−87 ≈ 1.6·10⁻³⁸ instead of underflowing, which in a
/// softmax beside a largest term of 1 is lost in rounding either way.
#[inline(always)]
fn exp(x: f32) -> f32 {
    const LN2_HI: f32 = 0.693_359_4;
    const LN2_LO: f32 = -2.121_944_4e-4;
    // Adding and subtracting 1.5 · 2²³ rounds an f32 of magnitude < 2²² to an integer.
    const ROUND: f32 = 12_582_912.0;
    let x = x.clamp(-87.0, 88.0);
    let rounded = x * std::f32::consts::LOG2_E + ROUND;
    let k = rounded - ROUND;
    // k as an integer, read from the bits of `rounded` (ROUND's plus k: its ulp is 1), where
    // `k as i32` would be a saturating conversion the compiler does one lane at a time.
    let k_int = (rounded.to_bits() as i32).wrapping_sub(ROUND.to_bits() as i32);
    let r = x - k * LN2_HI - k * LN2_LO;
    let mut p = 1.987_569_1e-4;
    p = p * r + 1.398_199_9e-3;
    p = p * r + 8.333_452e-3;
    p = p * r + 4.166_579_6e-2;
    p = p * r + 0.166_666_65;
    p = p * r + 0.5;
    let y = p * r * r + r + 1.0;
    y * f32::from_bits(((k_int + 127) << 23) as u32)
}

/// Eight running lanes so the reduction vectorises (a single f32 accumulator would not). The
/// lanes are a fixed-size array so the compiler keeps them in registers, unrolled.
fn fold8(xs: &[f32], init: f32, f: impl Fn(f32, f32) -> f32) -> f32 {
    let (chunks, tail) = xs.as_chunks::<8>();
    let mut lanes = [init; 8];
    for chunk in chunks {
        // A fixed trip count over arrays: unrolled into one vector operation. (`array::from_fn`
        // here compiled to a call per lane.)
        for i in 0..8 {
            lanes[i] = f(lanes[i], chunk[i]);
        }
    }
    let acc = lanes.into_iter().fold(init, &f);
    tail.iter().fold(acc, |a, &x| f(a, x))
}

fn sum(xs: &[f32]) -> f32 {
    fold8(xs, 0.0, |a, x| a + x)
}

fn max(xs: &[f32]) -> f32 {
    fold8(xs, f32::NEG_INFINITY, |a, x| if x > a { x } else { a })
}

/// The softmax of `scale · scores` into `out` (`scale` > 0, so the max commutes with it).
fn softmax_row(scores: &[f32], scale: f32, out: &mut [f32]) {
    let m = max(scores) * scale;
    for (o, &s) in out.iter_mut().zip(scores) {
        *o = exp(s * scale - m);
    }
    let inv = 1.0 / sum(out);
    for o in out.iter_mut() {
        *o *= inv;
    }
}

/// Row-wise softmax of `scale · scores` over `t × t` blocks with a causal mask: row `i` of a
/// block keeps columns `0..=i` and is exactly 0 beyond (what burn's −10⁴ fill gives, rounded).
/// `scale` must be positive.
fn causal_softmax(scores: &[f32], t: usize, scale: f32, out: &mut [f32]) {
    assert_eq!(scores.len(), out.len());
    assert_eq!(
        scores.len() % (t * t),
        0,
        "scores are not whole {t} × {t} blocks"
    );
    for (row, (s, o)) in scores
        .chunks_exact(t)
        .zip(out.chunks_exact_mut(t))
        .enumerate()
    {
        let keep = row % t + 1;
        let (o, masked) = o.split_at_mut(keep);
        softmax_row(&s[..keep], scale, o);
        masked.fill(0.0);
    }
}

/// The gradient of [`causal_softmax`] with respect to its scores, given its output `p` and the
/// gradient `dp` of its output: `scale · p ⊙ (dp − Σⱼ dpⱼ pⱼ)` row by row, 0 where masked.
fn causal_softmax_backward(p: &[f32], dp: &[f32], t: usize, scale: f32, out: &mut [f32]) {
    assert_eq!(p.len(), dp.len());
    assert_eq!(p.len(), out.len());
    let rows = p.chunks_exact(t).zip(dp.chunks_exact(t));
    for (row, ((p, dp), o)) in rows.zip(out.chunks_exact_mut(t)).enumerate() {
        let keep = row % t + 1;
        let (p, dp) = (&p[..keep], &dp[..keep]);
        let (o, masked) = o.split_at_mut(keep);
        for i in 0..keep {
            o[i] = p[i] * dp[i];
        }
        let dot = sum(o);
        for i in 0..keep {
            o[i] = scale * p[i] * (dp[i] - dot);
        }
        masked.fill(0.0);
    }
}

/// Weighted mean cross-entropy of `logits` rows (`vocab` wide) at `targets`:
/// `−Σᵣ wᵣ log softmax(xᵣ)[tᵣ] / max(Σᵣ wᵣ, 1)`, as `train::masked_loss` defines it. Also
/// returns each row's softmax for the backward (rows of weight 0 are skipped and left 0).
pub fn cross_entropy(
    logits: &[f32],
    vocab: usize,
    targets: &[usize],
    weights: &[f32],
) -> (f32, Vec<f32>) {
    assert_eq!(logits.len(), vocab * targets.len());
    assert_eq!(targets.len(), weights.len());
    let mut probs = vec![0.0; logits.len()];
    let mut loss = 0.0f64;
    let rows = logits
        .chunks_exact(vocab)
        .zip(probs.chunks_exact_mut(vocab));
    for ((x, p), (&target, &w)) in rows.zip(targets.iter().zip(weights)) {
        if w == 0.0 {
            continue;
        }
        assert!(
            target < vocab,
            "target {target} is outside the vocabulary of {vocab}"
        );
        let m = max(x);
        for (p, &x) in p.iter_mut().zip(x) {
            *p = exp(x - m);
        }
        let total = sum(p);
        let inv = 1.0 / total;
        for p in p.iter_mut() {
            *p *= inv;
        }
        let log_p = f64::from(x[target] - m) - f64::from(total).ln();
        loss -= f64::from(w) * log_p;
    }
    ((loss / f64::from(sum(weights).max(1.0))) as f32, probs)
}

/// The gradient of [`cross_entropy`] with respect to the logits, for an upstream gradient
/// `grad` of the loss: `grad · wᵣ / max(Σ w, 1) · (softmax(xᵣ) − onehot(tᵣ))`, in place of the
/// softmax it returned.
pub fn cross_entropy_backward(
    mut probs: Vec<f32>,
    vocab: usize,
    targets: &[usize],
    weights: &[f32],
    grad: f32,
) -> Vec<f32> {
    let per_weight = grad / sum(weights).max(1.0);
    for (p, (&target, &w)) in probs
        .chunks_exact_mut(vocab)
        .zip(targets.iter().zip(weights))
    {
        let c = per_weight * w;
        for p in p.iter_mut() {
            *p *= c;
        }
        if w != 0.0 {
            p[target] -= c;
        }
    }
    probs
}

/// A read-only matrix view of a slice: element (i, j) at `i · row_stride + j · col_stride`,
/// so a transpose is a swap of strides, not a copy.
#[derive(Debug, Clone, Copy)]
struct Matrix<'a> {
    data: &'a [f32],
    rows: usize,
    cols: usize,
    row_stride: usize,
    col_stride: usize,
}

impl<'a> Matrix<'a> {
    /// `data` as consecutive rows `cols` wide.
    fn rows_of(data: &'a [f32], cols: usize) -> Self {
        assert!(
            cols > 0 && data.len().is_multiple_of(cols),
            "{} values are not rows {cols} wide",
            data.len()
        );
        Self {
            data,
            rows: data.len() / cols,
            cols,
            row_stride: cols,
            col_stride: 1,
        }
    }

    /// The `rows × cols` block whose first element is (`row`, `col`).
    fn block(self, row: usize, col: usize, rows: usize, cols: usize) -> Self {
        let inside = |start: usize, len: usize, limit: usize| {
            start.checked_add(len).is_some_and(|end| end <= limit)
        };
        assert!(
            inside(row, rows, self.rows) && inside(col, cols, self.cols),
            "block past the matrix"
        );
        Self {
            data: &self.data[row * self.row_stride + col * self.col_stride..],
            rows,
            cols,
            ..self
        }
    }

    /// The index of the last element in `data`, if the view has any and it can be computed.
    fn last_index(&self) -> Option<usize> {
        let last_row = self.rows.checked_sub(1)?.checked_mul(self.row_stride)?;
        let last_col = self.cols.checked_sub(1)?.checked_mul(self.col_stride)?;
        last_row.checked_add(last_col)
    }

    /// The transpose, over the same values.
    fn t(self) -> Self {
        Self {
            rows: self.cols,
            cols: self.rows,
            row_stride: self.col_stride,
            col_stride: self.row_stride,
            ..self
        }
    }
}

/// `dst = a · b`, or `dst += a · b` when `accumulate`, with `dst` row-major `a.rows × b.cols`:
/// gemm's microkernels (FMA where the CPU has it, simd128 in wasm), on this thread.
fn matmul(a: Matrix, b: Matrix, dst: &mut [f32], accumulate: bool) {
    assert_eq!(
        dst.len(),
        a.rows * b.cols,
        "destination is not {} × {}",
        a.rows,
        b.cols
    );
    matmul_into(a, b, dst, b.cols, accumulate);
}

/// [`matmul`] into rows `dst_row_stride` apart (a block of a wider matrix).
fn matmul_into(a: Matrix, b: Matrix, dst: &mut [f32], dst_row_stride: usize, accumulate: bool) {
    assert_eq!(a.cols, b.rows, "inner dimensions differ");
    assert!(dst_row_stride >= b.cols, "destination rows overlap");
    if a.rows == 0 || b.cols == 0 {
        return;
    }
    let dst_end = (a.rows - 1)
        .checked_mul(dst_row_stride)
        .and_then(|start| start.checked_add(b.cols));
    assert!(
        dst_end.is_some_and(|end| end <= dst.len()) && dst_row_stride <= isize::MAX as usize,
        "destination too short"
    );
    for m in [a, b] {
        let fits = m.last_index().is_some_and(|last| last < m.data.len());
        assert!(m.rows == 0 || m.cols == 0 || fits, "view past its slice");
        assert!(
            m.row_stride.max(m.col_stride) <= isize::MAX as usize,
            "stride too large"
        );
    }
    // SAFETY: gemm reads each input at i·row_stride + j·col_stride for i < rows, j < cols (not
    // at all when k = 0), all at most `last_index`, checked above without overflow to lie
    // inside its slice; it writes dst at i·dst_row_stride + j for i < m, j < n, inside `dst`
    // by the check above. Strides fit an isize. `dst` is borrowed mutably and the inputs
    // immutably, so they cannot overlap.
    unsafe {
        gemm::gemm(
            a.rows,
            b.cols,
            a.cols,
            dst.as_mut_ptr(),
            1,
            dst_row_stride as isize,
            accumulate,
            a.data.as_ptr(),
            a.col_stride as isize,
            a.row_stride as isize,
            b.data.as_ptr(),
            b.col_stride as isize,
            b.row_stride as isize,
            1.0,
            1.0,
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
}

/// The shape of a batch of multi-head attention: `batch` sequences of `t` positions, each
/// position a row of `heads` heads of `d_k` columns side by side (a linear layer's output).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Heads {
    pub batch: usize,
    pub t: usize,
    pub heads: usize,
    pub d_k: usize,
}

impl Heads {
    fn width(self) -> usize {
        self.heads * self.d_k
    }

    fn len(self) -> usize {
        self.batch * self.t * self.width()
    }

    /// Head `h` of sequence `b` in `data`: a `t × d_k` block.
    fn of(self, data: &[f32], b: usize, h: usize) -> Matrix<'_> {
        Matrix::rows_of(data, self.width()).block(b * self.t, h * self.d_k, self.t, self.d_k)
    }

    /// Where head `h` of sequence `b` starts in a buffer of this shape.
    fn start(self, b: usize, h: usize) -> usize {
        b * self.t * self.width() + h * self.d_k
    }

    /// Every (sequence, head), in the order of the weights' `[batch, heads, t, t]` blocks.
    fn blocks(self) -> impl Iterator<Item = (usize, usize)> {
        (0..self.batch).flat_map(move |b| (0..self.heads).map(move |h| (b, h)))
    }
}

/// Causal multi-head attention over `q`, `k` and `v` (rows of heads, as [`Heads`] lays out):
/// for every sequence and head `softmax(q · kᵀ / √d_k)`, position `i` seeing `0..=i`, times
/// `v`. Returns the context in the same layout and the attention weights
/// `[batch, heads, t, t]` for the backward. Heads are read in place, never transposed.
pub fn causal_attention(q: &[f32], k: &[f32], v: &[f32], shape: Heads) -> (Vec<f32>, Vec<f32>) {
    for x in [q, k, v] {
        assert_eq!(x.len(), shape.len(), "q, k or v is not {shape:?}");
    }
    let (t, scale) = (shape.t, 1.0 / (shape.d_k as f32).sqrt());
    if t == 0 {
        return (Vec::new(), Vec::new());
    }
    let mut context = vec![0.0; shape.len()];
    let mut weights = vec![0.0; shape.batch * shape.heads * t * t];
    let mut scores = vec![0.0; t * t];
    for ((b, h), p) in shape.blocks().zip(weights.chunks_exact_mut(t * t)) {
        let (q, k, v) = (shape.of(q, b, h), shape.of(k, b, h), shape.of(v, b, h));
        matmul(q, k.t(), &mut scores, false);
        causal_softmax(&scores, t, scale, p);
        let out = &mut context[shape.start(b, h)..];
        matmul_into(Matrix::rows_of(p, t), v, out, shape.width(), false);
    }
    (context, weights)
}

/// The gradients of [`causal_attention`] with respect to `q`, `k` and `v`, given its weights
/// and the gradient of its context: per head, with `P` the weights and `dO` the context's
/// gradient, `dV = Pᵀ · dO`, `dS` the softmax's backward of `dO · Vᵀ`, `dQ = dS · K` and
/// `dK = dSᵀ · Q` (the 1/√d_k inside `dS`).
pub fn causal_attention_backward(
    q: &[f32],
    k: &[f32],
    v: &[f32],
    weights: &[f32],
    d_context: &[f32],
    shape: Heads,
) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    let (t, scale) = (shape.t, 1.0 / (shape.d_k as f32).sqrt());
    assert_eq!(weights.len(), shape.batch * shape.heads * t * t);
    if t == 0 {
        return (Vec::new(), Vec::new(), Vec::new());
    }
    let zeros = || vec![0.0; shape.len()];
    let (mut dq, mut dk, mut dv) = (zeros(), zeros(), zeros());
    let (mut dp, mut ds) = (vec![0.0; t * t], vec![0.0; t * t]);
    for ((b, h), p) in shape.blocks().zip(weights.chunks_exact(t * t)) {
        let (q, k, v) = (shape.of(q, b, h), shape.of(k, b, h), shape.of(v, b, h));
        let d_out = shape.of(d_context, b, h);
        let (start, width) = (shape.start(b, h), shape.width());
        matmul_into(
            Matrix::rows_of(p, t).t(),
            d_out,
            &mut dv[start..],
            width,
            false,
        );
        matmul(d_out, v.t(), &mut dp, false);
        causal_softmax_backward(p, &dp, t, scale, &mut ds);
        let d_scores = Matrix::rows_of(&ds, t);
        matmul_into(d_scores, k, &mut dq[start..], width, false);
        matmul_into(d_scores.t(), q, &mut dk[start..], width, false);
    }
    (dq, dk, dv)
}

/// `x · W + b` for `x`'s rows, `W` row-major `d_in × d_out` with `d_out = b.len()`, as burn's
/// `Linear` computes it: the bias rows first, the product accumulated onto them.
pub fn linear(x: &[f32], weight: &[f32], bias: &[f32]) -> Vec<f32> {
    let weight = Matrix::rows_of(weight, bias.len());
    let x = Matrix::rows_of(x, weight.rows);
    let mut y = bias.repeat(x.rows);
    matmul(x, weight, &mut y, true);
    y
}

/// The gradients of [`linear`] with respect to `x`, `W` and `b` for the gradient `dy` of its
/// output: `dy · Wᵀ`, `xᵀ · dy` and `dy`'s column sums.
pub fn linear_backward(
    x: &[f32],
    weight: &[f32],
    d_out: usize,
    dy: &[f32],
) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    let weight = Matrix::rows_of(weight, d_out);
    let (x, dy) = (Matrix::rows_of(x, weight.rows), Matrix::rows_of(dy, d_out));
    assert_eq!(x.rows, dy.rows, "x and dy have different numbers of rows");
    let mut dx = vec![0.0; x.rows * x.cols];
    matmul(dy, weight.t(), &mut dx, false);
    let mut d_weight = vec![0.0; weight.rows * d_out];
    matmul(x.t(), dy, &mut d_weight, false);
    let mut d_bias = vec![0.0; d_out];
    for row in dy.data.chunks_exact(d_out) {
        for (b, &g) in d_bias.iter_mut().zip(row) {
            *b += g;
        }
    }
    (dx, d_weight, d_bias)
}

/// Layer norm of `x`'s rows (`gamma.len()` wide) into `out`: `(x − μ) / √(σ² + ε) · γ + β`,
/// σ² the biased variance, as burn's `LayerNorm` computes it. Also returns each row's
/// normalised `x̂` and `1 / √(σ² + ε)` for the backward.
pub fn layer_norm(
    x: &[f32],
    gamma: &[f32],
    beta: &[f32],
    epsilon: f32,
    out: &mut [f32],
) -> (Vec<f32>, Vec<f32>) {
    let d = gamma.len();
    assert_eq!(beta.len(), d);
    assert_eq!(x.len(), out.len());
    assert_eq!(x.len() % d, 0, "rows are not {d} wide");
    let mut normalised = vec![0.0; x.len()];
    let mut inv_stds = Vec::with_capacity(x.len() / d);
    let rows = x.chunks_exact(d).zip(out.chunks_exact_mut(d));
    for ((x, y), x_hat) in rows.zip(normalised.chunks_exact_mut(d)) {
        let mean = sum(x) / d as f32;
        // Index loops over equal-length rows: they vectorise, where 4-way zips did not.
        for i in 0..d {
            x_hat[i] = x[i] - mean;
            // The squares go through `y` (overwritten below) so the sum is `fold8`'s.
            y[i] = x_hat[i] * x_hat[i];
        }
        let inv_std = 1.0 / (sum(y) / d as f32 + epsilon).sqrt();
        inv_stds.push(inv_std);
        for i in 0..d {
            x_hat[i] *= inv_std;
            y[i] = x_hat[i] * gamma[i] + beta[i];
        }
    }
    (normalised, inv_stds)
}

/// The gradients of [`layer_norm`] with respect to `x`, `γ` and `β`, given its `x̂` and
/// `1/σ` and the gradient `dy` of its output: with `g = dy ⊙ γ`, row by row
/// `dx = (g − mean(g) − x̂ · mean(g ⊙ x̂)) / σ`; `dγ = Σ dy ⊙ x̂` and `dβ = Σ dy` over rows.
pub fn layer_norm_backward(
    normalised: &[f32],
    inv_stds: &[f32],
    gamma: &[f32],
    dy: &[f32],
) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    let d = gamma.len();
    assert_eq!(normalised.len(), dy.len());
    assert_eq!(normalised.len(), inv_stds.len() * d);
    let mut dx = vec![0.0; dy.len()];
    let (mut d_gamma, mut d_beta) = (vec![0.0; d], vec![0.0; d]);
    let mut g_h = vec![0.0; d];
    let rows = normalised.chunks_exact(d).zip(dy.chunks_exact(d));
    for (((x_hat, dy), dx), &inv_std) in rows.zip(dx.chunks_exact_mut(d)).zip(inv_stds) {
        for i in 0..d {
            d_gamma[i] += dy[i] * x_hat[i];
            d_beta[i] += dy[i];
            dx[i] = dy[i] * gamma[i];
            g_h[i] = dx[i] * x_hat[i];
        }
        let (mean_g, mean_gh) = (sum(dx) / d as f32, sum(&g_h) / d as f32);
        for i in 0..d {
            dx[i] = (dx[i] - mean_g - x_hat[i] * mean_gh) * inv_std;
        }
    }
    (dx, d_gamma, d_beta)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn naive_softmax(xs: &[f32]) -> Vec<f64> {
        let m = xs.iter().cloned().fold(f32::NEG_INFINITY, f32::max) as f64;
        let e: Vec<f64> = xs.iter().map(|&x| (x as f64 - m).exp()).collect();
        let s: f64 = e.iter().sum();
        e.into_iter().map(|e| e / s).collect()
    }

    /// Each (analytic, central-difference) pair of gradients within `tolerance`, element by
    /// element.
    fn gradients_match<const N: usize>(
        checks: [(Vec<f32>, Vec<f64>); N],
        tolerance: f64,
    ) -> Result<(), TestCaseError> {
        for (ours, numeric) in checks {
            for (i, (a, b)) in ours.iter().zip(numeric).enumerate() {
                prop_assert!((*a as f64 - b).abs() < tolerance, "{i}: {a} vs {b}");
            }
        }
        Ok(())
    }

    /// ∂f/∂xᵢ by central differences in f64, for every i.
    fn numeric_gradient(f: impl Fn(&[f32]) -> f64, x: &[f32]) -> Vec<f64> {
        let h = 1e-2;
        (0..x.len())
            .map(|i| {
                let (mut up, mut down) = (x.to_vec(), x.to_vec());
                up[i] += h;
                down[i] -= h;
                (f(&up) - f(&down)) / (2.0 * h as f64)
            })
            .collect()
    }

    #[test]
    fn exp_is_within_a_few_ulp_of_libm_over_its_range() {
        let mut x = -87.0f32;
        while x < 88.0 {
            let (ours, libm) = (exp(x), x.exp());
            assert!(
                ((ours - libm) / libm).abs() < 4.0 * f32::EPSILON,
                "{x}: {ours} vs {libm}"
            );
            x += 0.001_37;
        }
        assert_eq!(exp(0.0), 1.0);
        assert!(exp(-1e4) > 0.0 && exp(-1e4) < 1e-37);
        assert!(exp(f32::NAN).is_nan());
    }

    proptest! {
        #[test]
        fn causal_softmax_matches_a_masked_softmax_in_f64(
            scores in prop::collection::vec(-30.0f32..30.0, 2 * 5 * 5),
            scale in 0.05f32..2.0,
        ) {
            let t = 5;
            let mut out = vec![f32::NAN; scores.len()];
            causal_softmax(&scores, t, scale, &mut out);
            for (row, (s, o)) in scores.chunks(t).zip(out.chunks(t)).enumerate() {
                let keep = row % t + 1;
                let scaled: Vec<f32> = s[..keep].iter().map(|&s| s * scale).collect();
                for (ours, want) in o[..keep].iter().zip(naive_softmax(&scaled)) {
                    prop_assert!((*ours as f64 - want).abs() < 1e-6, "{ours} vs {want}");
                }
                prop_assert!(o[keep..].iter().all(|&p| p == 0.0));
            }
        }

        #[test]
        fn causal_softmax_backward_matches_finite_differences(
            scores in prop::collection::vec(-3.0f32..3.0, 4 * 4),
            upstream in prop::collection::vec(-1.0f32..1.0, 4 * 4),
        ) {
            let (t, scale) = (4, 0.5);
            // L = Σ upstream ⊙ softmax(scores), differentiated in f64 by central differences.
            let loss = |s: &[f32]| {
                let mut p = vec![0.0; s.len()];
                causal_softmax(s, t, scale, &mut p);
                p.iter().zip(&upstream).map(|(&p, &u)| p as f64 * u as f64).sum::<f64>()
            };
            let mut p = vec![0.0; scores.len()];
            causal_softmax(&scores, t, scale, &mut p);
            let mut grad = vec![0.0; scores.len()];
            causal_softmax_backward(&p, &upstream, t, scale, &mut grad);
            for (i, numeric) in numeric_gradient(loss, &scores).into_iter().enumerate() {
                prop_assert!((grad[i] as f64 - numeric).abs() < 2e-3, "{i}: {} vs {numeric}", grad[i]);
            }
        }

        #[test]
        fn cross_entropy_and_its_gradient_match_f64_and_finite_differences(
            logits in prop::collection::vec(-8.0f32..8.0, 3 * 6),
            targets in prop::collection::vec(0usize..6, 3),
            weights in prop::collection::vec(prop::sample::select(vec![0.0f32, 1.0]), 3),
        ) {
            let vocab = 6;
            let (loss, probs) = cross_entropy(&logits, vocab, &targets, &weights);
            let reference = |x: &[f32]| {
                let total: f64 = weights.iter().map(|&w| w as f64).sum::<f64>().max(1.0);
                x.chunks(vocab).zip(&targets).zip(&weights)
                    .map(|((row, &t), &w)| -(w as f64) * naive_softmax(row)[t].ln())
                    .sum::<f64>() / total
            };
            prop_assert!((loss as f64 - reference(&logits)).abs() < 1e-5);
            let grad = cross_entropy_backward(probs, vocab, &targets, &weights, 1.0);
            for (i, numeric) in numeric_gradient(reference, &logits).into_iter().enumerate() {
                prop_assert!((grad[i] as f64 - numeric).abs() < 1e-3, "{i}: {} vs {numeric}", grad[i]);
            }
        }
    }

    /// Layer norm in f64, the reference for both directions.
    fn naive_layer_norm(x: &[f32], gamma: &[f32], beta: &[f32], epsilon: f64) -> Vec<f64> {
        let d = gamma.len();
        x.chunks(d)
            .flat_map(|row| {
                let mean = row.iter().map(|&x| x as f64).sum::<f64>() / d as f64;
                let var = row.iter().map(|&x| (x as f64 - mean).powi(2)).sum::<f64>() / d as f64;
                let std = (var + epsilon).sqrt();
                row.iter()
                    .zip(gamma.iter().zip(beta))
                    .map(move |(&x, (&g, &b))| (x as f64 - mean) / std * g as f64 + b as f64)
            })
            .collect()
    }

    proptest! {
        #[test]
        fn layer_norm_and_its_gradients_match_f64_and_finite_differences(
            x in prop::collection::vec(-4.0f32..4.0, 3 * 9),
            gamma in prop::collection::vec(0.5f32..1.5, 9),
            beta in prop::collection::vec(-1.0f32..1.0, 9),
            upstream in prop::collection::vec(-1.0f32..1.0, 3 * 9),
        ) {
            // Central differences need rows far from constant (1/σ stays moderate).
            for row in x.chunks(9) {
                let mean = row.iter().sum::<f32>() / 9.0;
                prop_assume!(row.iter().map(|x| (x - mean).powi(2)).sum::<f32>() / 9.0 > 0.5);
            }
            let epsilon = 1e-5;
            let mut y = vec![0.0; x.len()];
            let (normalised, inv_stds) = layer_norm(&x, &gamma, &beta, epsilon, &mut y);
            for (ours, want) in y.iter().zip(naive_layer_norm(&x, &gamma, &beta, epsilon as f64)) {
                prop_assert!((*ours as f64 - want).abs() < 1e-4, "{ours} vs {want}");
            }
            let (dx, d_gamma, d_beta) = layer_norm_backward(&normalised, &inv_stds, &gamma, &upstream);
            // L = Σ upstream ⊙ layer_norm(x; γ, β), differentiated by central differences.
            let loss = |x: &[f32], gamma: &[f32], beta: &[f32]| {
                naive_layer_norm(x, gamma, beta, epsilon as f64)
                    .iter().zip(&upstream).map(|(y, &u)| y * u as f64).sum::<f64>()
            };
            let checks = [
                (dx, numeric_gradient(|x| loss(x, &gamma, &beta), &x)),
                (d_gamma, numeric_gradient(|g| loss(&x, g, &beta), &gamma)),
                (d_beta, numeric_gradient(|b| loss(&x, &gamma, b), &beta)),
            ];
            gradients_match(checks, 5e-3)?;
        }
    }

    proptest! {
        #[test]
        fn linear_and_its_gradients_match_plain_loops_in_f64(
            (rows, d_in, d_out) in (1usize..7, 1usize..9, 1usize..9),
            seed in 0u64..1000,
        ) {
            let mut rng = crate::toy::rng::Rng::derive(seed, "linear");
            let mut values = |n: usize| -> Vec<f32> { (0..n).map(|_| rng.normal() as f32).collect() };
            let (x, w, b, dy) = (values(rows * d_in), values(d_in * d_out), values(d_out), values(rows * d_out));
            let y = linear(&x, &w, &b);
            let (dx, dw, db) = linear_backward(&x, &w, d_out, &dy);
            let f = |v: f32| v as f64;
            for r in 0..rows {
                for o in 0..d_out {
                    let want = f(b[o]) + (0..d_in).map(|i| f(x[r * d_in + i]) * f(w[i * d_out + o])).sum::<f64>();
                    prop_assert!((f(y[r * d_out + o]) - want).abs() < 1e-4);
                }
                for i in 0..d_in {
                    let want: f64 = (0..d_out).map(|o| f(dy[r * d_out + o]) * f(w[i * d_out + o])).sum();
                    prop_assert!((f(dx[r * d_in + i]) - want).abs() < 1e-4);
                }
            }
            for i in 0..d_in {
                for o in 0..d_out {
                    let want: f64 = (0..rows).map(|r| f(x[r * d_in + i]) * f(dy[r * d_out + o])).sum();
                    prop_assert!((f(dw[i * d_out + o]) - want).abs() < 1e-4);
                }
            }
            for o in 0..d_out {
                let want: f64 = (0..rows).map(|r| f(dy[r * d_out + o])).sum();
                prop_assert!((f(db[o]) - want).abs() < 1e-4);
            }
        }
    }

    /// Causal attention in f64 with plain loops: the reference for both directions.
    fn naive_attention(q: &[f32], k: &[f32], v: &[f32], s: Heads) -> Vec<f64> {
        let (w, scale) = (s.heads * s.d_k, 1.0 / (s.d_k as f64).sqrt());
        let at = |x: &[f32], b: usize, i: usize, h: usize, c: usize| {
            x[(b * s.t + i) * w + h * s.d_k + c] as f64
        };
        let mut out = vec![0.0; q.len()];
        for (b, h) in s.blocks() {
            for i in 0..s.t {
                let dot = |j: usize| {
                    (0..s.d_k)
                        .map(|c| at(q, b, i, h, c) * at(k, b, j, h, c))
                        .sum::<f64>()
                };
                let scores: Vec<f32> = (0..=i).map(|j| (dot(j) * scale) as f32).collect();
                let p = naive_softmax(&scores);
                for c in 0..s.d_k {
                    out[(b * s.t + i) * w + h * s.d_k + c] =
                        (0..=i).map(|j| p[j] * at(v, b, j, h, c)).sum();
                }
            }
        }
        out
    }

    proptest! {
        #[test]
        fn causal_attention_and_its_gradients_match_f64_and_finite_differences(
            seed in 0u64..1000,
            (batch, t, heads, d_k) in (1usize..3, 1usize..5, 1usize..3, 1usize..4),
        ) {
            let shape = Heads { batch, t, heads, d_k };
            let mut rng = crate::toy::rng::Rng::derive(seed, "attention");
            let mut values = || -> Vec<f32> { (0..shape.len()).map(|_| rng.normal() as f32).collect() };
            let (q, k, v, upstream) = (values(), values(), values(), values());
            let (context, weights) = causal_attention(&q, &k, &v, shape);
            for (ours, want) in context.iter().zip(naive_attention(&q, &k, &v, shape)) {
                prop_assert!((*ours as f64 - want).abs() < 1e-5, "{ours} vs {want}");
            }
            let (dq, dk, dv) = causal_attention_backward(&q, &k, &v, &weights, &upstream, shape);
            // L = Σ upstream ⊙ attention(q, k, v), differentiated by central differences.
            let loss = |q: &[f32], k: &[f32], v: &[f32]| {
                naive_attention(q, k, v, shape).iter().zip(&upstream).map(|(y, &u)| y * u as f64).sum::<f64>()
            };
            let checks = [
                (dq, numeric_gradient(|x| loss(x, &k, &v), &q)),
                (dk, numeric_gradient(|x| loss(&q, x, &v), &k)),
                (dv, numeric_gradient(|x| loss(&q, &k, x), &v)),
            ];
            gradients_match(checks, 2e-3)?;
        }
    }

    #[test]
    #[should_panic(expected = "block past the matrix")]
    fn a_block_whose_end_overflows_is_refused_not_wrapped() {
        Matrix::rows_of(&[0.0; 16], 4).block(0, 1, 2, usize::MAX);
    }

    #[test]
    #[should_panic(expected = "destination too short")]
    fn a_destination_stride_that_overflows_is_refused_not_wrapped() {
        let a = [1.0; 6];
        let (a, b) = (Matrix::rows_of(&a, 2), Matrix::rows_of(&a, 3));
        matmul_into(a, b, &mut [0.0; 9], 1 << 63, false);
    }

    #[test]
    #[should_panic(expected = "not rows 4 wide")]
    fn a_weight_that_is_not_whole_rows_is_refused() {
        linear(&[1.0; 6], &[1.0; 10], &[0.0; 4]);
    }

    #[test]
    #[should_panic(expected = "inner dimensions differ")]
    fn a_product_of_mismatched_matrices_is_refused() {
        let (a, b) = ([1.0; 6], [1.0; 6]);
        matmul(
            Matrix::rows_of(&a, 3),
            Matrix::rows_of(&b, 3),
            &mut [0.0; 6],
            false,
        );
    }

    #[test]
    #[should_panic(expected = "outside the vocabulary")]
    fn a_target_outside_the_vocabulary_is_refused_by_name() {
        cross_entropy(&[0.0; 4], 4, &[7], &[1.0]);
    }
}
