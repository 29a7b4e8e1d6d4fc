//! The `Objective` seam: a scalar function of a flat parameter vector with its gradient
//! and exact Hessian-vector product. Optimisers, eigen-solvers and critical-point search
//! see only this trait, so they can be tested on analytic toys with known answers
//! ([`toys`]) and then run on an MLP over a data set ([`MlpObjective`]).

pub mod toys;

use crate::nn::chunked::{ChunkPool, Eval};
use crate::nn::Mlp;
use crate::nn::Samples;
use crate::scalar::Scalar;

pub trait Objective<S: Scalar>: Sync {
    /// Number of parameters P.
    fn dim(&self) -> usize;
    /// f(theta).
    fn loss(&self, theta: &[S]) -> S;
    /// f(theta); writes ∇f(theta) into `grad` (length P).
    fn loss_grad(&self, theta: &[S], grad: &mut [S]) -> S;
    /// Writes ∇²f(theta) · v into `hv` (length P).
    fn hvp(&self, theta: &[S], v: &[S], hv: &mut [S]);
}

/// The loss of an MLP on a data set (mean or sum as the loss defines it).
///
/// The exact HVP against a central difference of gradients, on the XOR truth table:
///
/// ```
/// use losscape::data::synthetic;
/// use losscape::nn::Samples;
/// use losscape::nn::{Activation, Loss, Mlp};
/// use losscape::objective::{MlpObjective, Objective};
///
/// let mlp = Mlp::new(&[2, 2, 1], Activation::Sigmoid, Loss::SseHalf);
/// let data = Samples::<f64>::new(&synthetic::xor(4, 0.0, 0), mlp.loss, 1, "xor")?;
/// let obj = MlpObjective::new(&mlp, &data);
/// let p = obj.dim(); // 9
/// let theta: Vec<f64> = (0..p).map(|i| (i as f64).sin()).collect();
/// let v: Vec<f64> = (0..p).map(|i| (i as f64).cos()).collect();
///
/// let mut hv = vec![0.0; p];
/// obj.hvp(&theta, &v, &mut hv);
/// let h = 1e-5;
/// let at = |s: f64| -> Vec<f64> { theta.iter().zip(&v).map(|(t, d)| t + s * d).collect() };
/// let (mut g_plus, mut g_minus) = (vec![0.0; p], vec![0.0; p]);
/// obj.loss_grad(&at(h), &mut g_plus);
/// obj.loss_grad(&at(-h), &mut g_minus);
/// for i in 0..p {
///     let fd = (g_plus[i] - g_minus[i]) / (2.0 * h);
///     assert!((hv[i] - fd).abs() < 1e-7 * (1.0 + fd.abs()), "{i}: {} vs {fd}", hv[i]);
/// }
/// # Ok::<(), losscape::Error>(())
/// ```
pub struct MlpObjective<'a, S> {
    pub mlp: &'a Mlp,
    pub data: &'a Samples<S>,
    pool: ChunkPool<S>,
}

impl<'a, S: Scalar> MlpObjective<'a, S> {
    pub fn new(mlp: &'a Mlp, data: &'a Samples<S>) -> Self {
        MlpObjective {
            mlp,
            data,
            pool: ChunkPool::new(mlp),
        }
    }

    /// Loss and accuracy at theta.
    pub fn eval(&self, theta: &[S]) -> Eval {
        self.pool.eval(self.mlp, self.data, theta)
    }

    /// Loss and accuracy at theta, with the gradient written to `grad`.
    pub fn eval_grad(&self, theta: &[S], grad: &mut [S]) -> Eval {
        self.pool.eval_grad(self.mlp, self.data, theta, grad)
    }
}

impl<S: Scalar> Objective<S> for MlpObjective<'_, S> {
    fn dim(&self) -> usize {
        self.mlp.n_params()
    }
    fn loss(&self, theta: &[S]) -> S {
        S::of(self.eval(theta).loss)
    }
    fn loss_grad(&self, theta: &[S], grad: &mut [S]) -> S {
        S::of(self.eval_grad(theta, grad).loss)
    }
    fn hvp(&self, theta: &[S], v: &[S], hv: &mut [S]) {
        self.pool.hvp(self.mlp, self.data, theta, v, hv);
    }
}
