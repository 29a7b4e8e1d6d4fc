//! The multilayer perceptron: forward pass, backprop, and Pearlmutter's R-operator.
//!
//! Shapes: a batch holds m samples as rows. Layer l maps a_{l-1} (m × in) to
//! z_l = a_{l-1} W_lᵀ + b_l (m × out), with W_l (out × in) read from the flat theta
//! (see [`Layout`]). Hidden layers apply the activation f; the last layer is linear and
//! its z are the loss's logits.
//!
//! Backprop (the lecture's layer-by-layer rule): δ_L = ∂ℓ/∂z_L;
//! ∇W_l = δ_lᵀ a_{l-1}; ∇b_l = Σ_rows δ_l; δ_{l-1} = (δ_l W_l) ⊙ f'(z_{l-1}).
//!
//! Hessian-vector product (Pearlmutter 1994, "Fast exact multiplication by the
//! Hessian"): apply the directional derivative R{·} = d/dε|₀ (·)(θ + εv) to every
//! line of the forward and backward passes:
//!   R z_l = R a_{l-1} W_lᵀ + a_{l-1} V_lᵀ + v_b,     R a_l = f'(z_l) ⊙ R z_l,
//!   R δ_L = ∇²ℓ(z_L) · R z_L,
//!   R ∇W_l = R δ_lᵀ a_{l-1} + δ_lᵀ R a_{l-1},        R ∇b_l = Σ_rows R δ_l,
//!   R δ_{l-1} = (R δ_l W_l + δ_l V_l) ⊙ f'(z_{l-1}) + (δ_l W_l) ⊙ f''(z_{l-1}) ⊙ R z_{l-1}.
//! Hv = R ∇θ: exact, at about twice the cost of a gradient.

use crate::nn::activation::Activation;
use crate::nn::layout::Layout;
use crate::nn::loss::{Loss, Targets};
use crate::nn::matmul::{mm_nn, mm_nt, mm_tn, Split};
use crate::scalar::Scalar;
use multiversion::multiversion;

/// An MLP's structure; the parameters are a separate flat vector `theta`.
///
/// A forward pass and a gradient on a batch of two samples, checked by hand:
///
/// ```
/// use losscape::nn::{Activation, Batch, Loss, Mlp, Targets, Workspace};
///
/// // [2, 3, 1]: 2 inputs, 3 tanh hidden units, 1 linear output; binary cross-entropy.
/// let mlp = Mlp::new(&[2, 3, 1], Activation::Tanh, Loss::Bce);
/// let theta: Vec<f64> = (0..mlp.n_params()).map(|i| 0.1 * i as f64 - 0.6).collect();
/// let x = [0.5, -1.0, 2.0, 0.25]; // two rows: (0.5, −1) and (2, 0.25)
/// let labels = [1u32, 0];
/// let mut ws = Workspace::new(&mlp.layout, 2); // buffers for batches of up to 2 rows
///
/// // Forward: the logits z (2 × 1). Row 0 by hand: h = tanh(W₁x + b₁), z = W₂h + b₂.
/// let z = mlp.forward(&theta, &x, 2, &mut ws).to_vec();
/// let (l1, l2) = (mlp.layout.layer(0), mlp.layout.layer(1));
/// let h: Vec<f64> = (0..3)
///     .map(|i| {
///         let w = &theta[l1.row(i)];
///         (w[0] * 0.5 - w[1] + theta[l1.b + i]).tanh()
///     })
///     .collect();
/// let w2 = &theta[l2.row(0)];
/// let z0: f64 = w2.iter().zip(&h).map(|(w, h)| w * h).sum::<f64>() + theta[l2.b];
/// assert!((z[0] - z0).abs() < 1e-12);
///
/// // Backprop adds scale · ∇θ(loss sum) into `grad`; scale 1/m makes it the mean loss.
/// let batch = Batch {
///     x: &x,
///     m: 2,
///     targets: Targets::Labels(&labels),
///     labels: Some(&labels),
/// };
/// let mut grad = vec![0.0; mlp.n_params()];
/// mlp.loss_grad_batch(&theta, batch, mlp.loss.scale(2, 1), &mut ws, &mut grad);
/// // For bce the output bias's derivative is the mean of σ(z) − y.
/// let sigmoid = |t: f64| 1.0 / (1.0 + (-t).exp());
/// let want = ((sigmoid(z[0]) - 1.0) + sigmoid(z[1])) / 2.0;
/// assert!((grad[l2.b] - want).abs() < 1e-12);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Mlp {
    pub layout: Layout,
    /// Activation of every hidden layer (the output layer is linear).
    pub activation: Activation,
    pub loss: Loss,
}

/// A batch of m samples: inputs (m × d, row-major) and the loss's targets.
#[derive(Clone, Copy, Debug)]
pub struct Batch<'a, S> {
    pub x: &'a [S],
    pub m: usize,
    pub targets: Targets<'a, S>,
    /// Class labels for accuracy (None for regression data).
    pub labels: Option<&'a [u32]>,
}

/// Loss (times the caller's scale) and number of correct predictions of one batch.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct BatchStats<S> {
    pub loss: S,
    pub correct: usize,
}

/// Reused buffers for batches of up to `capacity` rows; hot loops allocate nothing.
#[derive(Clone, Debug)]
pub struct Workspace<S> {
    capacity: usize,
    /// a_l for hidden layers, z_L for the output layer (m × width_{l+1}).
    acts: Vec<Vec<S>>,
    /// R z_l (m × width_{l+1}).
    rz: Vec<Vec<S>>,
    /// R a_l for hidden layers (m × width_{l+1}).
    ra: Vec<Vec<S>>,
    delta: Vec<S>,
    delta_prev: Vec<S>,
    rdelta: Vec<S>,
    rdelta_prev: Vec<S>,
    /// How the matrix products of a pass are computed (set per call by the caller).
    pub split: Split,
}

impl<S: Scalar> Workspace<S> {
    pub fn new(layout: &Layout, capacity: usize) -> Self {
        let per_layer = |_: ()| -> Vec<Vec<S>> {
            layout.widths()[1..]
                .iter()
                .map(|w| vec![S::zero(); w * capacity])
                .collect()
        };
        let wide = vec![S::zero(); layout.max_width() * capacity];
        Workspace {
            capacity,
            acts: per_layer(()),
            rz: per_layer(()),
            ra: per_layer(()),
            delta: wide.clone(),
            delta_prev: wide.clone(),
            rdelta: wide.clone(),
            rdelta_prev: wide,
            split: Split::Whole,
        }
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The logits of the last forward pass (m × K).
    pub fn output(&self, m: usize, k: usize) -> &[S] {
        &self.acts.last().unwrap()[..m * k]
    }
}

impl Mlp {
    pub fn new(layers: &[usize], activation: Activation, loss: Loss) -> Self {
        Mlp {
            layout: Layout::new(layers),
            activation,
            loss,
        }
    }

    pub fn n_params(&self) -> usize {
        self.layout.n_params()
    }

    /// Forward pass of m samples; returns the logits z_L (m × K) held in `ws`.
    pub fn forward<'w, S: Scalar>(
        &self,
        theta: &[S],
        x: &[S],
        m: usize,
        ws: &'w mut Workspace<S>,
    ) -> &'w [S] {
        self.forward_given_first(theta, m, ws, |z1, split| {
            self.first_layer(theta, x, m, z1, split)
        })
    }

    /// z_1 = x W_1ᵀ + b_1 for m rows of `x`, written to `z1` (m × width_1).
    fn first_layer<S: Scalar>(&self, theta: &[S], x: &[S], m: usize, z1: &mut [S], split: Split) {
        let span = self.layout.layer(0);
        let z1 = &mut z1[..m * span.fan_out];
        z1.chunks_exact_mut(span.fan_out)
            .for_each(|row| row.copy_from_slice(&theta[span.bias()]));
        let w = &theta[span.weight()];
        mm_nt(m, span.fan_out, span.fan_in, x, w, z1, true, split);
    }

    /// The forward pass of m samples whose first-layer pre-activations z_1 (m × width_1)
    /// `first` writes into the buffer it is given (with the pass's [`Split`]); theta's
    /// first layer is not read. Slices use this to form z_1 from products cached per
    /// plane (see [`crate::landscape::first_layer`]). Returns the logits z_L (m × K).
    pub fn forward_given_first<'w, S: Scalar>(
        &self,
        theta: &[S],
        m: usize,
        ws: &'w mut Workspace<S>,
        first: impl FnOnce(&mut [S], Split),
    ) -> &'w [S] {
        assert!(
            m <= ws.capacity,
            "batch of {m} rows exceeds workspace capacity {}",
            ws.capacity
        );
        assert_eq!(theta.len(), self.n_params());
        let last = self.layout.n_layers() - 1;
        let split = ws.split;
        first(&mut ws.acts[0][..m * self.layout.layer(0).fan_out], split);
        for (l, span) in self.layout.layers().enumerate() {
            let (done, rest) = ws.acts.split_at_mut(l);
            let out = &mut rest[0][..m * span.fan_out];
            if l > 0 {
                out.chunks_exact_mut(span.fan_out)
                    .for_each(|row| row.copy_from_slice(&theta[span.bias()]));
                let w = &theta[span.weight()];
                mm_nt(
                    m,
                    span.fan_out,
                    span.fan_in,
                    &done[l - 1],
                    w,
                    out,
                    true,
                    split,
                );
            }
            if l < last {
                self.activation.apply(out);
            }
        }
        ws.output(m, self.layout.output_width())
    }

    /// Loss of a batch (times `scale`) and its correct count, no gradient.
    pub fn loss_batch<S: Scalar>(
        &self,
        theta: &[S],
        batch: Batch<S>,
        scale: S,
        ws: &mut Workspace<S>,
    ) -> BatchStats<S> {
        self.loss_batch_given_first(theta, batch, scale, ws, |z1, split| {
            self.first_layer(theta, batch.x, batch.m, z1, split)
        })
    }

    /// [`Mlp::loss_batch`] with the first layer's pre-activations written by `first`
    /// (see [`Mlp::forward_given_first`]).
    pub fn loss_batch_given_first<S: Scalar>(
        &self,
        theta: &[S],
        batch: Batch<S>,
        scale: S,
        ws: &mut Workspace<S>,
        first: impl FnOnce(&mut [S], Split),
    ) -> BatchStats<S> {
        let k = self.layout.output_width();
        let z = self.forward_given_first(theta, batch.m, ws, first);
        BatchStats {
            loss: self.loss.value(z, k, batch.targets, scale),
            correct: batch.labels.map_or(0, |y| self.loss.correct(z, k, y)),
        }
    }

    /// Loss of a batch (times `scale`); adds scale · ∇θ of the batch's loss sum into `grad`.
    pub fn loss_grad_batch<S: Scalar>(
        &self,
        theta: &[S],
        batch: Batch<S>,
        scale: S,
        ws: &mut Workspace<S>,
        grad: &mut [S],
    ) -> BatchStats<S> {
        let stats = self.forward_with_delta(theta, batch, scale, ws);
        self.backward(theta, batch, ws, Some(grad), None);
        stats
    }

    /// Hessian-vector product of a batch: adds scale · ∇²θ(loss sum) · v into `hv`, and
    /// the gradient into `grad` when given. Returns the batch's loss (times `scale`).
    #[allow(clippy::too_many_arguments)]
    pub fn hvp_batch<S: Scalar>(
        &self,
        theta: &[S],
        v: &[S],
        batch: Batch<S>,
        scale: S,
        ws: &mut Workspace<S>,
        hv: &mut [S],
        grad: Option<&mut [S]>,
    ) -> BatchStats<S> {
        assert_eq!(v.len(), self.n_params());
        let stats = self.forward_with_delta(theta, batch, scale, ws);
        self.r_forward(theta, v, batch, ws);
        let k = self.layout.output_width();
        let m = batch.m;
        let last = self.layout.n_layers() - 1;
        self.loss.hess_vec(
            &ws.acts[last][..m * k],
            &ws.rz[last][..m * k],
            k,
            scale,
            &mut ws.rdelta[..m * k],
        );
        self.backward(theta, batch, ws, grad, Some((v, hv)));
        stats
    }

    /// Forward pass plus δ_L = scale · ∂ℓ/∂z_L into `ws.delta`.
    fn forward_with_delta<S: Scalar>(
        &self,
        theta: &[S],
        batch: Batch<S>,
        scale: S,
        ws: &mut Workspace<S>,
    ) -> BatchStats<S> {
        let k = self.layout.output_width();
        self.forward(theta, batch.x, batch.m, ws);
        let z = &ws.acts[self.layout.n_layers() - 1][..batch.m * k];
        let loss = self
            .loss
            .value_grad(z, k, batch.targets, scale, &mut ws.delta[..batch.m * k]);
        BatchStats {
            loss,
            correct: batch.labels.map_or(0, |y| self.loss.correct(z, k, y)),
        }
    }

    /// R-forward: R z_l and R a_l for every layer, given the cached forward pass.
    fn r_forward<S: Scalar>(&self, theta: &[S], v: &[S], batch: Batch<S>, ws: &mut Workspace<S>) {
        let m = batch.m;
        let last = self.layout.n_layers() - 1;
        let split = ws.split;
        for (l, span) in self.layout.layers().enumerate() {
            let input: &[S] = if l == 0 { batch.x } else { &ws.acts[l - 1] };
            let (ra_done, _) = ws.ra.split_at_mut(l);
            let rz = &mut ws.rz[l][..m * span.fan_out];
            let vb = &v[span.bias()];
            rz.chunks_exact_mut(span.fan_out)
                .for_each(|row| row.copy_from_slice(vb));
            mm_nt(
                m,
                span.fan_out,
                span.fan_in,
                input,
                &v[span.weight()],
                rz,
                true,
                split,
            );
            if l > 0 {
                mm_nt(
                    m,
                    span.fan_out,
                    span.fan_in,
                    &ra_done[l - 1],
                    &theta[span.weight()],
                    rz,
                    true,
                    split,
                );
            }
            if l < last {
                let a = &ws.acts[l][..m * span.fan_out];
                let ra = &mut ws.ra[l][..m * span.fan_out];
                self.activation.d1_times(ra, a, rz);
            }
        }
    }

    /// Backward pass from `ws.delta` (and, for an HVP, `ws.rdelta`), accumulating into
    /// `grad` (and `hv`).
    fn backward<S: Scalar>(
        &self,
        theta: &[S],
        batch: Batch<S>,
        ws: &mut Workspace<S>,
        mut grad: Option<&mut [S]>,
        mut r: Option<(&[S], &mut [S])>,
    ) {
        let m = batch.m;
        let split = ws.split;
        for l in (0..self.layout.n_layers()).rev() {
            let span = self.layout.layer(l);
            let (fi, fo) = (span.fan_in, span.fan_out);
            let input: &[S] = if l == 0 {
                batch.x
            } else {
                &ws.acts[l - 1][..m * fi]
            };
            let delta = &ws.delta[..m * fo];
            if let Some(g) = grad.as_mut() {
                mm_tn(fo, fi, m, delta, input, &mut g[span.weight()], true, split);
                add_column_sums(delta, fo, &mut g[span.bias()]);
            }
            if let Some((v, hv)) = r.as_mut() {
                let rdelta = &ws.rdelta[..m * fo];
                mm_tn(
                    fo,
                    fi,
                    m,
                    rdelta,
                    input,
                    &mut hv[span.weight()],
                    true,
                    split,
                );
                if l > 0 {
                    mm_tn(
                        fo,
                        fi,
                        m,
                        delta,
                        &ws.ra[l - 1][..m * fi],
                        &mut hv[span.weight()],
                        true,
                        split,
                    );
                }
                add_column_sums(rdelta, fo, &mut hv[span.bias()]);
                if l > 0 {
                    // R δ_{l-1} before the activation factor: R δ_l W_l + δ_l V_l
                    let rprev = &mut ws.rdelta_prev[..m * fi];
                    mm_nn(
                        m,
                        fi,
                        fo,
                        rdelta,
                        &theta[span.weight()],
                        rprev,
                        false,
                        split,
                    );
                    mm_nn(m, fi, fo, delta, &v[span.weight()], rprev, true, split);
                }
            }
            if l == 0 {
                break;
            }
            let prev = &mut ws.delta_prev[..m * fi];
            mm_nn(m, fi, fo, delta, &theta[span.weight()], prev, false, split);
            let a = &ws.acts[l - 1][..m * fi];
            if r.is_some() {
                let rprev = &mut ws.rdelta_prev[..m * fi];
                let rz = &ws.rz[l - 1][..m * fi];
                self.activation.r_backward(rprev, prev, a, rz);
                std::mem::swap(&mut ws.rdelta, &mut ws.rdelta_prev);
            }
            self.activation.mul_d1(prev, a);
            std::mem::swap(&mut ws.delta, &mut ws.delta_prev);
        }
    }
}

/// out[j] += Σ_i m[i, j] for an (rows × cols) row-major matrix.
#[multiversion(targets(
    "x86_64+avx512f+avx512bw+avx512cd+avx512dq+avx512vl+avx2+fma",
    "x86_64+avx2+fma"
))]
fn add_column_sums<S: Scalar>(mat: &[S], cols: usize, out: &mut [S]) {
    for row in mat.chunks_exact(cols) {
        for (o, &x) in out.iter_mut().zip(row) {
            *o += x;
        }
    }
}
