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
