//! One race of kind `optimizers`: `steps` full-batch steps of one optimiser from a
//! point, in f64, recording at every step the loss, the work spent so far and where θ
//! is in the plane of the start's top and most negative Hessian eigenvectors.
//!
//! Work is counted in HVP-equivalents: an HVP is 1, a gradient ½ and a loss alone ⅙,
//! from the usual costs of reverse mode (a gradient is about three forward passes) and
//! of Pearlmutter's R-operator (an HVP about two gradients). The Krylov methods
//! ([`crate::optim::saddle_free`]) spend `krylov_dim` HVPs a step and, with a line
//! search, one loss per trial step length.
//!
//! A race runs `steps` steps, or with a work budget until it has spent that much. It is
//! sequential (its objective's evaluations are thread-independent) and its
//! Krylov start vectors come from its own generator, so its numbers do not depend on
//! the thread count.

use crate::config::Racer;
use crate::curvature::ObjectiveHessian;
use crate::linalg::{dot, norm};
use crate::objective::{MlpObjective, Objective};
use crate::optim::saddle_free::{backtrack, saddle_free_step, SfnSettings};
use crate::optim::{Hyper, Optimizer, OptimizerKind};
use rand_chacha::ChaCha8Rng;

/// HVP-equivalents of a gradient and of a loss evaluation.
pub const GRADIENT_COST: f64 = 0.5;
pub const LOSS_COST: f64 = 1.0 / 6.0;

/// The settings every race shares.
#[derive(Clone, Copy, Debug)]
pub struct RaceSettings {
    /// Steps at most.
    pub steps: usize,
    /// Stop once this much work is spent (None: after `steps` steps).
    pub work: Option<f64>,
    pub lr: f64,
    pub adam_lr: f64,
    pub krylov_dim: usize,
    pub damping: f64,
    pub line_search: bool,
}

/// The plane races are projected on: θ ↦ ((θ − center)·x, (θ − center)·y).
pub struct Plane<'a> {
    pub center: &'a [f64],
    pub x: &'a [f64],
    pub y: &'a [f64],
}

impl Plane<'_> {
    pub fn project(&self, theta: &[f64]) -> (f64, f64) {
        let d: Vec<f64> = theta.iter().zip(self.center).map(|(a, b)| a - b).collect();
        (dot(&d, self.x), dot(&d, self.y))
    }
}

/// One race's record: entry t is at θ_t, from t = 0 to the last step taken.
#[derive(Clone, Debug, PartialEq)]
pub struct Race {
    pub loss: Vec<f64>,
    /// HVP-equivalents spent to reach θ_t.
    pub cost: Vec<f64>,
    pub path: Vec<(f64, f64)>,
    pub hvps: usize,
    pub gradients: usize,
    pub losses: usize,
    /// Steps taken.
    pub steps: usize,
    /// θ at the end (the last finite one).
    pub end: Vec<f64>,
    /// The step whose loss or θ was not finite.
    pub diverged_at: Option<usize>,
}

/// Runs `racer` from `from`.
pub fn race(
    obj: &MlpObjective<f64>,
    racer: Racer,
    from: &[f64],
    plane: &Plane,
    s: &RaceSettings,
    krylov_rng: &mut ChaCha8Rng,
) -> Race {
    let p = from.len();
    let mut theta = from.to_vec();
    let mut grad = vec![0.0; p];
    let mut first_order = match racer {
        Racer::Gd => Some((OptimizerKind::Gd, s.lr)),
        Racer::Momentum => Some((OptimizerKind::Momentum, s.lr)),
        Racer::Adam => Some((OptimizerKind::Adam, s.adam_lr)),
        Racer::Newton | Racer::SaddleFreeNewton => None,
    }
    .map(|(kind, lr)| (Optimizer::<f64>::new(kind, Hyper::default(), p), lr));
    let krylov = SfnSettings {
        krylov_dim: s.krylov_dim,
        damping: s.damping,
        lr: s.lr,
        absolute: racer == Racer::SaddleFreeNewton,
    };
    let mut r = Race {
        loss: Vec::with_capacity(s.steps + 1),
        cost: Vec::with_capacity(s.steps + 1),
        path: Vec::with_capacity(s.steps + 1),
        hvps: 0,
        gradients: 0,
        losses: 0,
        steps: 0,
        end: theta.clone(),
        diverged_at: None,
    };
    for t in 0..=s.steps {
        let cost = r.hvps as f64 + GRADIENT_COST * r.gradients as f64 + LOSS_COST * r.losses as f64;
        let loss = obj.loss_grad(&theta, &mut grad);
        r.gradients += 1;
        if !(loss.is_finite() && theta.iter().chain(&grad).all(|v| v.is_finite())) {
            r.diverged_at = Some(t);
            break;
        }
        r.loss.push(loss);
        r.cost.push(cost);
        r.path.push(plane.project(&theta));
        r.end.copy_from_slice(&theta);
        r.steps = t;
        if t == s.steps || s.work.is_some_and(|w| cost >= w) {
            break;
        }
        match &mut first_order {
            Some((opt, lr)) => opt.step(&mut theta, &grad, *lr),
            None => {
                let step = saddle_free_step(
                    &ObjectiveHessian::new(obj, &theta),
                    &grad,
                    &krylov,
                    krylov_rng,
                );
                r.hvps += step.hvps;
                let at = |a: f64| -> Vec<f64> {
                    theta
                        .iter()
                        .zip(&step.delta)
                        .map(|(t, d)| t + a * d)
                        .collect()
                };
                let alpha = match s.line_search {
                    true => {
                        let (alpha, evaluated) = backtrack(loss, |a| obj.loss(&at(a)));
                        r.losses += evaluated;
                        alpha
                    }
                    false => 1.0,
                };
                theta = at(alpha);
            }
        }
    }
    r
}

impl Race {
    /// Pads the records with NaN to `n` entries (races of different lengths side by side).
    pub fn pad(&mut self, n: usize) {
        self.loss.resize(n, f64::NAN);
        self.cost.resize(n, f64::NAN);
        self.path.resize(n, (f64::NAN, f64::NAN));
    }
}

/// The first step whose loss is below `(1 − drop)·start`, and the work spent to reach it.
pub fn escape(r: &Race, start: f64, drop: f64) -> Option<(usize, f64)> {
    let below = (1.0 - drop) * start;
    r.loss
        .iter()
        .position(|&l| l < below)
        .map(|t| (t, r.cost[t]))
}

/// ‖θ − from‖ at the end.
pub fn distance(r: &Race, from: &[f64]) -> f64 {
    norm(
        &r.end
            .iter()
            .zip(from)
            .map(|(a, b)| a - b)
            .collect::<Vec<_>>(),
    )
}
