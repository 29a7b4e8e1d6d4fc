//! Parameter updates on a flat theta, with PyTorch's conventions:
//! - `gd` / `sgd`: θ ← θ − lr·g (full batch or minibatch; the loop decides).
//! - `momentum` (heavy ball): b ← μ·b + g (b = g on the first step); θ ← θ − lr·b,
//!   or with Nesterov θ ← θ − lr·(g + μ·b) (torch.optim.SGD with momentum, dampening 0).
//! - `adam` (Kingma & Ba 2015): m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²;
//!   θ ← θ − lr·m̂/(√v̂ + ε) with bias-corrected m̂, v̂ (torch.optim.Adam).

use crate::nn::team;
use crate::scalar::Scalar;
use multiversion::multiversion;
use serde::{Deserialize, Serialize};

#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::VariantNames,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum OptimizerKind {
    Gd,
    /// The config's default.
    #[default]
    Sgd,
    Momentum,
    Adam,
    /// Saddle-free Newton in a Krylov subspace (Dauphin et al. 2014): see
    /// [`super::saddle_free`]; the training loop computes its step.
    SaddleFreeNewton,
}

/// Hyperparameters beyond the learning rate.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Hyper {
    pub momentum: f64,
    pub nesterov: bool,
    pub beta1: f64,
    pub beta2: f64,
    pub eps: f64,
    /// saddle_free_newton: the Krylov subspace's dimension, the damping μ and whether
    /// each step backtracks on the minibatch loss.
    pub krylov_dim: usize,
    pub damping: f64,
    pub line_search: bool,
}

impl Default for Hyper {
    fn default() -> Self {
        Hyper {
            momentum: 0.9,
            nesterov: false,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            krylov_dim: 10,
            damping: 0.1,
            line_search: true,
        }
    }
}

/// An optimiser with its state (buffers of length P).
pub enum Optimizer<S> {
    Plain,
    Momentum {
        buf: Vec<S>,
        mu: S,
        nesterov: bool,
        started: bool,
    },
    Adam {
        m: Vec<S>,
        v: Vec<S>,
        t: i32,
        b1: S,
        b2: S,
        eps: S,
    },
}

impl<S: Scalar> Optimizer<S> {
    pub fn new(kind: OptimizerKind, hyper: Hyper, p: usize) -> Self {
        match kind {
            // Saddle-free Newton's step is a plain update by the loop's Δθ.
            OptimizerKind::Gd | OptimizerKind::Sgd | OptimizerKind::SaddleFreeNewton => {
                Optimizer::Plain
            }
            OptimizerKind::Momentum => Optimizer::Momentum {
                buf: vec![S::zero(); p],
                mu: S::of(hyper.momentum),
                nesterov: hyper.nesterov,
                started: false,
            },
            OptimizerKind::Adam => Optimizer::Adam {
                m: vec![S::zero(); p],
                v: vec![S::zero(); p],
                t: 0,
                b1: S::of(hyper.beta1),
                b2: S::of(hyper.beta2),
                eps: S::of(hyper.eps),
            },
        }
    }

    /// One update of theta from the gradient `g`. Inside a [`team`] (a minibatch step)
    /// the parameters are cut into blocks shared by its threads; every element is
    /// computed the same way either way.
    pub fn step(&mut self, theta: &mut [S], g: &[S], lr: S) {
        match self {
            Optimizer::Plain => in_blocks([theta], g, &|[t], g| sgd(t, g, lr)),
            Optimizer::Momentum {
                buf,
                mu,
                nesterov,
                started,
            } => {
                let (mu, nesterov, first) = (*mu, *nesterov, !*started);
                *started = true;
                in_blocks([theta, buf], g, &|[t, b], g| {
                    momentum(t, b, g, lr, mu, nesterov, first)
                })
            }
            Optimizer::Adam {
                m,
                v,
                t,
                b1,
                b2,
                eps,
            } => {
                *t += 1;
                let (b1, b2, eps) = (*b1, *b2, *eps);
                let c1 = S::one() - b1.powi(*t);
                let c2 = (S::one() - b2.powi(*t)).sqrt();
                let adam = Adam {
                    b1,
                    b2,
                    eps,
                    step: lr / c1,
                    c2,
                };
                in_blocks([theta, m, v], g, &|[th, m, v], g| adam.update(th, m, v, g))
            }
        }
    }
}

/// An update of blocks of N state slices (θ first) from the same block of the gradient.
type BlockUpdate<'a, S, const N: usize> = dyn Fn([&mut [S]; N], &[S]) + Sync + 'a;

/// f(blocks of `outs`, the same block of `g`) over the whole slices: in blocks on the
/// caller's team when it has one and the slices are long enough, else in one call.
fn in_blocks<S: Scalar, const N: usize>(outs: [&mut [S]; N], g: &[S], f: &BlockUpdate<S, N>) {
    if team::shares_elementwise(g.len()) {
        team::for_each_block_mut(outs, team::ELEMENT_BLOCK, &|i, parts| {
            let at = i * team::ELEMENT_BLOCK;
            let len = parts[0].len();
            f(parts, &g[at..at + len])
        });
    } else {
        f(outs, g)
    }
}

// The update loops, compiled per x86-64 level (see `crate::simd`).

#[multiversion(targets(
    "x86_64+avx512f+avx512bw+avx512cd+avx512dq+avx512vl+avx2+fma",
    "x86_64+avx2+fma"
))]
fn sgd<S: Scalar>(theta: &mut [S], g: &[S], lr: S) {
    theta.iter_mut().zip(g).for_each(|(t, &gi)| *t -= lr * gi)
}

#[multiversion(targets(
    "x86_64+avx512f+avx512bw+avx512cd+avx512dq+avx512vl+avx2+fma",
    "x86_64+avx2+fma"
))]
fn momentum<S: Scalar>(
    theta: &mut [S],
    buf: &mut [S],
    g: &[S],
    lr: S,
    mu: S,
    nesterov: bool,
    first: bool,
) {
    if first {
        buf.copy_from_slice(g);
    } else {
        buf.iter_mut().zip(g).for_each(|(b, &gi)| *b = mu * *b + gi);
    }
    if nesterov {
        for ((t, &gi), &b) in theta.iter_mut().zip(g).zip(buf.iter()) {
            *t -= lr * (gi + mu * b);
        }
    } else {
        theta
            .iter_mut()
            .zip(buf.iter())
            .for_each(|(t, &b)| *t -= lr * b);
    }
}

/// Adam's constants for one step: β₁, β₂, ε, lr / (1 − β₁ᵗ) and √(1 − β₂ᵗ).
struct Adam<S> {
    b1: S,
    b2: S,
    eps: S,
    step: S,
    c2: S,
}

impl<S: Scalar> Adam<S> {
    fn update(&self, theta: &mut [S], m: &mut [S], v: &mut [S], g: &[S]) {
        adam(self, theta, m, v, g)
    }
}

#[multiversion(targets(
    "x86_64+avx512f+avx512bw+avx512cd+avx512dq+avx512vl+avx2+fma",
    "x86_64+avx2+fma"
))]
fn adam<S: Scalar>(a: &Adam<S>, theta: &mut [S], m: &mut [S], v: &mut [S], g: &[S]) {
    let Adam {
        b1,
        b2,
        eps,
        step,
        c2,
    } = *a;
    for (((th, &gi), mi), vi) in theta.iter_mut().zip(g).zip(m.iter_mut()).zip(v.iter_mut()) {
        *mi = b1 * *mi + (S::one() - b1) * gi;
        *vi = b2 * *vi + (S::one() - b2) * gi * gi;
        *th -= step * *mi / (vi.sqrt() / c2 + eps);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adam_first_step_moves_each_coordinate_by_lr() {
        // With bias correction, m̂ = g and v̂ = g², so the first step is lr·g/(|g| + ε).
        let mut opt = Optimizer::<f64>::new(OptimizerKind::Adam, Hyper::default(), 2);
        let mut theta = [1.0, 1.0];
        opt.step(&mut theta, &[0.5, -3.0], 0.1);
        assert!((theta[0] - 0.9).abs() < 1e-7 && (theta[1] - 1.1).abs() < 1e-7);
    }

    #[test]
    fn momentum_matches_torch_sgd_sequence() {
        // torch.optim.SGD([p], lr=0.1, momentum=0.9) on constant grad 1 from p=0:
        // buf = 1, 1.9, 2.71 -> p = -0.1, -0.29, -0.561
        let mut opt = Optimizer::<f64>::new(OptimizerKind::Momentum, Hyper::default(), 1);
        let mut p = [0.0];
        let mut seen = vec![];
        for _ in 0..3 {
            opt.step(&mut p, &[1.0], 0.1);
            seen.push(p[0]);
        }
        for (a, b) in seen.iter().zip([-0.1, -0.29, -0.561]) {
            assert!((a - b).abs() < 1e-12);
        }
        // Nesterov: p -= lr (g + mu buf): buf=1 -> -0.19; buf=1.9 -> -0.19-0.271 = -0.461
        let mut opt = Optimizer::<f64>::new(
            OptimizerKind::Momentum,
            Hyper {
                nesterov: true,
                ..Hyper::default()
            },
            1,
        );
        let mut p = [0.0];
        opt.step(&mut p, &[1.0], 0.1);
        opt.step(&mut p, &[1.0], 0.1);
        assert!((p[0] + 0.461).abs() < 1e-12);
    }

    #[test]
    fn a_team_splits_the_update_without_changing_a_bit() {
        // Long enough for blocks (3.5 blocks, the last one short), every optimiser, two
        // steps (momentum's and Adam's state carried over): the team's blocks must give
        // the bits of one pass.
        let n = 3 * team::ELEMENT_BLOCK + team::ELEMENT_BLOCK / 2;
        let g: Vec<f32> = (0..n)
            .map(|i| ((i * 7919) % 1000) as f32 / 500.0 - 1.0)
            .collect();
        for kind in [
            OptimizerKind::Sgd,
            OptimizerKind::Momentum,
            OptimizerKind::Adam,
        ] {
            let run = |in_team: bool| {
                let mut opt = Optimizer::<f32>::new(kind, Hyper::default(), n);
                let mut theta = vec![0.5f32; n];
                let mut steps = || {
                    assert_eq!(team::active(), in_team);
                    opt.step(&mut theta, &g, 0.01);
                    opt.step(&mut theta, &g, 0.01);
                };
                if in_team {
                    rayon::ThreadPoolBuilder::new()
                        .num_threads(2)
                        .build()
                        .unwrap()
                        .install(|| team::with_team(steps));
                } else {
                    steps();
                }
                theta.iter().map(|t| t.to_bits()).collect::<Vec<_>>()
            };
            assert_eq!(run(true), run(false), "{kind:?}");
        }
    }
}
