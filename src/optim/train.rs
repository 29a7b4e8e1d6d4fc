//! The training loop: full-batch GD or shuffled minibatches, with a recorded trajectory.
//!
//! Minibatches follow PyTorch's DataLoader(shuffle=True, drop_last=False): each epoch a
//! fresh permutation (from the caller's ChaCha8 stream), consecutive slices of
//! `batch_size`, the last one possibly smaller; the minibatch loss is the mean over its
//! own samples. At every record point (each epoch, or every `record_every` steps, and at
//! step 0) the loop measures the full training loss, accuracy and gradient norm, the
//! test loss and accuracy, and keeps a parameter snapshot every `snapshot_every` records
//! (for PCA planes of the path). Training stops and reports divergence when the loss
//! or the gradient is not finite, when a parameter is not finite, or when the loss
//! exceeds [`EXPLOSION`] × max(initial loss, [`EXPLOSION_FLOOR`]) (a loss that grows
//! a millionfold has left the basin, even while it is still a finite number).

use crate::curvature::HvpOperator;
use crate::nn::chunked::ChunkPool;
use crate::nn::team;
use crate::nn::Mlp;
use crate::nn::Samples;
use crate::objective::MlpObjective;
use crate::optim::optimizer::{Hyper, Optimizer, OptimizerKind};
use crate::optim::saddle_free::{backtrack, saddle_free_step, SfnSettings};
use crate::progress::Progress;
use crate::scalar::{all_finite, Scalar};
use rand::seq::SliceRandom;
use serde::Serialize;

/// A loss this many times the initial one is divergence.
pub const EXPLOSION: f64 = 1e6;
/// The initial loss counts as at least this much, so a start at a perfect fit does not
/// turn every later rounding into an explosion.
pub const EXPLOSION_FLOOR: f64 = 1e-3;

/// Why a loss means divergence, or None: not finite, or above `limit`.
fn diverging(loss: f64, limit: f64) -> Option<&'static str> {
    if !loss.is_finite() {
        Some("is not finite")
    } else if loss > limit {
        Some("exploded")
    } else {
        None
    }
}

/// How long to train.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Length {
    Epochs(usize),
    Steps(usize),
}

/// How the learning rate changes over the run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Schedule {
    /// lr throughout.
    #[default]
    Constant,
    /// Cosine annealing to 0 over the planned steps: lr·(1 + cos(π t / T)) / 2 at step t
    /// of T (PyTorch's CosineAnnealingLR with T_max = T, eta_min = 0, stepped per
    /// iteration).
    Cosine,
}

impl Schedule {
    /// The learning rate of step `t` (0-based) of `total`.
    pub fn lr(self, lr: f64, t: usize, total: usize) -> f64 {
        match self {
            Schedule::Constant => lr,
            Schedule::Cosine => {
                0.5 * lr * (1.0 + (std::f64::consts::PI * t as f64 / total.max(1) as f64).cos())
            }
        }
    }
}

/// A validated training plan.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainPlan {
    pub optimizer: OptimizerKind,
    pub hyper: Hyper,
    pub lr: f64,
    pub schedule: Schedule,
    /// Minibatch size; None = the full training set (gradient descent).
    pub batch_size: Option<usize>,
    pub length: Length,
    /// Record every this many steps; 0 = at the end of every epoch.
    pub record_every: usize,
    /// Keep theta every this many records; 0 = never.
    pub snapshot_every: usize,
    /// Stop early when the training loss has not improved on its best by more than
    /// [`PLATEAU_REL`] (relative) for this many records; the length is then a cap.
    pub patience: Option<usize>,
    /// Stop at the first record whose full-batch training loss is at or below this;
    /// the length is then a cap.
    pub stop_at_loss: Option<f64>,
}

/// Relative improvement of the best training loss that resets the patience count.
pub const PLATEAU_REL: f64 = 1e-3;

/// Measurements at one record point.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Record {
    pub step: usize,
    pub epoch: f64,
    pub train_loss: f64,
    pub train_accuracy: Option<f64>,
    pub test_loss: Option<f64>,
    pub test_accuracy: Option<f64>,
    /// ‖∇L‖ of the full training loss.
    pub grad_norm: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Snapshot<S> {
    pub step: usize,
    pub theta: Vec<S>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Trajectory<S> {
    pub records: Vec<Record>,
    pub snapshots: Vec<Snapshot<S>>,
    /// Optimiser steps taken.
    pub steps: usize,
    /// Set when a loss or gradient became NaN or infinite; says where.
    pub divergence: Option<String>,
    /// The step at which training stopped on a plateau of the training loss (patience).
    pub plateau_at: Option<usize>,
    /// The step at which the training loss first reached the plan's `stop_at_loss`.
    pub target_reached_at: Option<usize>,
    /// Saddle-free Newton only: every step's HVPs, λmin of its Krylov subspace and the
    /// fraction of Δθ the line search kept.
    pub sfn_steps: Vec<SfnRecord>,
}

/// One saddle-free Newton step.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct SfnRecord {
    pub step: usize,
    pub hvps: usize,
    pub lambda_min: f64,
    pub alpha: f64,
}

impl<S> Trajectory<S> {
    pub fn diverged(&self) -> bool {
        self.divergence.is_some()
    }

    /// Training ended before its length: divergence, a plateau or the target loss.
    fn stopped(&self) -> bool {
        self.diverged() || self.plateau_at.is_some() || self.target_reached_at.is_some()
    }
    pub fn last(&self) -> &Record {
        self.records
            .last()
            .expect("a trajectory has the step-0 record")
    }
}

struct Recorder<'a, S: Scalar> {
    train: MlpObjective<'a, S>,
    test: Option<MlpObjective<'a, S>>,
    grad: Vec<S>,
    plan: &'a TrainPlan,
    steps_per_epoch: usize,
    /// Losses above this are divergence (set from the first record).
    limit: f64,
}

impl<S: Scalar> Recorder<'_, S> {
    fn record(&mut self, step: usize, theta: &[S], traj: &mut Trajectory<S>) {
        let tr = self.train.eval_grad(theta, &mut self.grad);
        let te = self.test.as_ref().map(|t| t.eval(theta));
        let grad_norm = self
            .grad
            .iter()
            .map(|g| g.f64() * g.f64())
            .sum::<f64>()
            .sqrt();
        traj.records.push(Record {
            step,
            epoch: step as f64 / self.steps_per_epoch as f64,
            train_loss: tr.loss,
            train_accuracy: tr.accuracy,
            test_loss: te.map(|e| e.loss),
            test_accuracy: te.and_then(|e| e.accuracy),
            grad_norm,
        });
        let k = self.plan.snapshot_every;
        if k > 0 && (traj.records.len() - 1).is_multiple_of(k) {
            traj.snapshots.push(Snapshot {
                step,
                theta: theta.to_vec(),
            });
        }
        if traj.records.len() == 1 {
            self.limit = EXPLOSION * tr.loss.max(EXPLOSION_FLOOR);
        }
        if traj.divergence.is_some() {
            return;
        }
        if let Some(why) = diverging(tr.loss, self.limit) {
            traj.divergence = Some(format!("training loss {} {why} at step {step}", tr.loss));
        } else if !grad_norm.is_finite() {
            traj.divergence = Some(format!("gradient norm {grad_norm} at step {step}"));
        } else if !all_finite(theta) {
            traj.divergence = Some(format!("a parameter is not finite at step {step}"));
        }
    }
}

/// Early stopping on a plateau of the training loss.
struct Plateau {
    patience: Option<usize>,
    best: f64,
    since: usize,
}

impl Plateau {
    fn new(patience: Option<usize>, first: f64) -> Self {
        Plateau {
            patience,
            best: first,
            since: 0,
        }
    }

    /// After a record: count records without a relative improvement of the best loss
    /// by more than PLATEAU_REL, and mark the trajectory when patience runs out.
    fn check<S>(&mut self, traj: &mut Trajectory<S>) {
        let Some(patience) = self.patience else {
            return;
        };
        let r = traj.last();
        if r.train_loss < self.best * (1.0 - PLATEAU_REL) {
            self.best = r.train_loss;
            self.since = 0;
        } else {
            self.since += 1;
            if self.since >= patience {
                traj.plateau_at = Some(r.step);
            }
        }
    }
}

/// After a record: mark the trajectory when its training loss is at or below `target`.
fn check_target<S>(traj: &mut Trajectory<S>, target: Option<f64>) {
    let r = traj.last();
    if target.is_some_and(|l| r.train_loss <= l) {
        traj.target_reached_at = Some(r.step);
    }
}

/// Train `theta` in place; returns the recorded trajectory.
pub fn train<S: Scalar>(
    mlp: &Mlp,
    train: &Samples<S>,
    test: Option<&Samples<S>>,
    theta: &mut [S],
    plan: &TrainPlan,
    shuffle: &mut rand_chacha::ChaCha8Rng,
    progress: &Progress,
) -> Trajectory<S> {
    let n = train.n;
    let b = plan.batch_size.unwrap_or(n).clamp(1, n);
    let steps_per_epoch = n.div_ceil(b);
    let total = match plan.length {
        Length::Epochs(e) => e * steps_per_epoch,
        Length::Steps(s) => s,
    };
    let mut rec = Recorder {
        train: MlpObjective::new(mlp, train),
        test: test.map(|t| MlpObjective::new(mlp, t)),
        grad: vec![S::zero(); mlp.n_params()],
        plan,
        steps_per_epoch,
        limit: f64::INFINITY,
    };
    let mut traj = Trajectory {
        records: Vec::new(),
        snapshots: Vec::new(),
        steps: 0,
        divergence: None,
        plateau_at: None,
        target_reached_at: None,
        sfn_steps: Vec::new(),
    };
    rec.record(0, theta, &mut traj);

    let mut opt = Optimizer::new(plan.optimizer, plan.hyper, mlp.n_params());
    let mut grad = vec![S::zero(); mlp.n_params()];
    let mut perm: Vec<usize> = (0..n).collect();
    let mut batch = train.empty_like();
    let pool = ChunkPool::new(mlp);
    let mut step = 0;
    let mut plateau = Plateau::new(plan.patience, traj.records[0].train_loss);
    let sfn = plan.optimizer == OptimizerKind::SaddleFreeNewton;
    check_target(&mut traj, plan.stop_at_loss);
    while step < total && !traj.stopped() {
        if b < n {
            perm.shuffle(shuffle);
        }
        for idx in perm.chunks(b) {
            let lr = S::of(plan.schedule.lr(plan.lr, step, total));
            // One step: gradient, check, update. A minibatch step runs on one team, so
            // its many short products start without waking a rayon worker each time.
            let mut one_step = || {
                let loss = if b < n {
                    train.gather(idx, &mut batch);
                    pool.eval_grad(mlp, &batch, theta, &mut grad).loss
                } else {
                    rec.train.eval_grad(theta, &mut grad).loss
                };
                let finite = loss.is_finite() && all_finite_shared(&grad);
                if finite && sfn {
                    let data = if b < n { &batch } else { train };
                    let s = SfnLoop {
                        mlp,
                        pool: &pool,
                        data,
                        hyper: &plan.hyper,
                    };
                    let r = s.step(step, theta, &grad, loss, lr.f64(), shuffle);
                    traj.sfn_steps.push(r);
                } else if finite {
                    opt.step(theta, &grad, lr);
                }
                (loss, finite)
            };
            let (loss, finite) = if b < n && !sfn && pool.wants_team(idx.len()) {
                team::with_team(one_step)
            } else {
                one_step()
            };
            if !finite || loss > rec.limit {
                let why = if finite { "exploded" } else { "is not finite" };
                traj.divergence = Some(format!("minibatch loss {loss} {why} at step {step}"));
                break;
            }
            step += 1;
            progress.inc(1);
            if plan.record_every > 0 && step % plan.record_every == 0 {
                rec.record(step, theta, &mut traj);
                plateau.check(&mut traj);
                check_target(&mut traj, plan.stop_at_loss);
            }
            if step == total || traj.stopped() {
                break;
            }
        }
        if plan.record_every == 0 && !traj.stopped() {
            rec.record(step, theta, &mut traj);
            plateau.check(&mut traj);
            check_target(&mut traj, plan.stop_at_loss);
        }
    }
    // The final state is always recorded (also after divergence, showing the NaN).
    if traj.last().step != step {
        rec.record(step, theta, &mut traj);
    }
    traj.steps = step;
    progress.finish();
    traj
}

/// One saddle-free Newton update on a minibatch (or the full set): the step of
/// [`saddle_free_step`] from HVPs on `data`, then, with a line search, the largest of
/// 1, ½, ¼, … (down to 2⁻¹⁰) of it that lowers the loss on `data`; without one, or when
/// none does, the whole step.
struct SfnLoop<'a, S: Scalar> {
    mlp: &'a Mlp,
    pool: &'a ChunkPool<S>,
    data: &'a Samples<S>,
    hyper: &'a Hyper,
}

/// H of a batch at θ as an f64 operator (the products in the run's dtype).
struct BatchHessian<'a, S: Scalar> {
    mlp: &'a Mlp,
    pool: &'a ChunkPool<S>,
    data: &'a Samples<S>,
    theta: &'a [S],
}

impl<S: Scalar> HvpOperator for BatchHessian<'_, S> {
    fn dim(&self) -> usize {
        self.theta.len()
    }
    fn apply(&self, v: &[f64], out: &mut [f64]) {
        let vs: Vec<S> = v.iter().map(|&x| S::of(x)).collect();
        let mut hv = vec![S::zero(); v.len()];
        self.pool.hvp(self.mlp, self.data, self.theta, &vs, &mut hv);
        out.iter_mut().zip(&hv).for_each(|(o, h)| *o = h.f64());
    }
}

impl<S: Scalar> SfnLoop<'_, S> {
    /// Optimiser step `step`: θ updated in place, and its record.
    fn step(
        &self,
        step: usize,
        theta: &mut [S],
        grad: &[S],
        loss: f64,
        lr: f64,
        rng: &mut rand_chacha::ChaCha8Rng,
    ) -> SfnRecord {
        let g: Vec<f64> = grad.iter().map(|x| x.f64()).collect();
        let settings = SfnSettings {
            krylov_dim: self.hyper.krylov_dim,
            damping: self.hyper.damping,
            lr,
            absolute: true,
        };
        let h = BatchHessian {
            mlp: self.mlp,
            pool: self.pool,
            data: self.data,
            theta,
        };
        let s = saddle_free_step(&h, &g, &settings, rng);
        let at = |alpha: f64| -> Vec<S> {
            theta
                .iter()
                .zip(&s.delta)
                .map(|(t, d)| S::of(t.f64() + alpha * d))
                .collect()
        };
        let alpha = match self.hyper.line_search {
            true => backtrack(loss, |a| self.pool.eval(self.mlp, self.data, &at(a)).loss).0,
            false => 1.0,
        };
        let next = at(alpha);
        theta.copy_from_slice(&next);
        SfnRecord {
            step,
            hvps: s.hvps,
            lambda_min: s.lambda_min(),
            alpha,
        }
    }
}

/// [`all_finite`], in blocks shared by the caller's team when it has one (a minibatch
/// step), else in one pass.
pub fn all_finite_shared<S: Scalar>(g: &[S]) -> bool {
    const BLOCK: usize = team::ELEMENT_BLOCK;
    if !team::shares_elementwise(g.len()) {
        return all_finite(g);
    }
    let finite = std::sync::atomic::AtomicBool::new(true);
    team::for_each(g.len().div_ceil(BLOCK), &|i| {
        let block = &g[i * BLOCK..((i + 1) * BLOCK).min(g.len())];
        if !all_finite(block) {
            finite.store(false, std::sync::atomic::Ordering::Relaxed);
        }
    });
    finite.into_inner()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{Dataset, Labels};
    use crate::nn::{Activation, Loss};
    use ndarray::Array2;
    use rand::SeedableRng;

    #[test]
    fn a_target_loss_stops_a_linear_fit_at_the_first_step_below_it() {
        // y = 2x + 1 on 8 points, fitted by z = w·x + b with full-batch GD on the mean
        // squared error L = mean((w·x + b − y)²), from w = b = 0.
        let xs: Vec<f64> = (0..8).map(|i| i as f64 / 4.0 - 1.0).collect();
        let ys: Vec<f64> = xs.iter().map(|x| 2.0 * x + 1.0).collect();
        let data = Dataset {
            x: Array2::from_shape_vec((8, 1), xs.clone()).unwrap(),
            y: Labels::Values(Array2::from_shape_vec((8, 1), ys.clone()).unwrap()),
        };
        let samples = Samples::<f64>::new(&data, Loss::Mse, 1, "fit").unwrap();
        let mlp = Mlp::new(&[1, 1], Activation::Identity, Loss::Mse);
        let lr = 0.1;
        // The same descent by hand: dL/dw = 2·mean(e·x), dL/db = 2·mean(e); the step at
        // which the loss first reaches 0.01.
        let (mut w, mut b) = (0.0f64, 0.0f64);
        let loss = |w: f64, b: f64| -> f64 {
            xs.iter()
                .zip(&ys)
                .map(|(x, y)| (w * x + b - y).powi(2))
                .sum::<f64>()
                / 8.0
        };
        let target = 0.01;
        let mut first = 0;
        while loss(w, b) > target {
            let e: Vec<f64> = xs.iter().zip(&ys).map(|(x, y)| w * x + b - y).collect();
            let gw = 2.0 * e.iter().zip(&xs).map(|(e, x)| e * x).sum::<f64>() / 8.0;
            let gb = 2.0 * e.iter().sum::<f64>() / 8.0;
            (w, b) = (w - lr * gw, b - lr * gb);
            first += 1;
        }
        assert!(first > 5 && first < 200, "{first}");
        let plan = TrainPlan {
            optimizer: OptimizerKind::Gd,
            hyper: Default::default(),
            lr,
            schedule: Schedule::Constant,
            batch_size: None,
            length: Length::Epochs(1000),
            record_every: 0,
            snapshot_every: 0,
            patience: None,
            stop_at_loss: Some(target),
        };
        // From w = b = 0 (GD draws nothing from the shuffle stream).
        let fit = |plan: &TrainPlan| {
            let mut shuffle = rand_chacha::ChaCha8Rng::seed_from_u64(0);
            let mut theta = vec![0.0f64; 2];
            train(
                &mlp,
                &samples,
                None,
                &mut theta,
                plan,
                &mut shuffle,
                &Progress::hidden(),
            )
        };
        let traj = fit(&plan);
        assert_eq!(traj.target_reached_at, Some(first));
        assert_eq!(traj.steps, first);
        assert!(traj.last().train_loss <= target);
        assert!(traj.records[traj.records.len() - 2].train_loss > target);
        // Without the target, the same run goes on to its length.
        let traj = fit(&TrainPlan {
            stop_at_loss: None,
            ..plan
        });
        assert_eq!((traj.steps, traj.target_reached_at), (1000, None));
    }

    #[test]
    fn a_team_finds_a_non_finite_gradient_entry_in_any_block() {
        let n = (1 << 17) + 5;
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        let shared = |g: &[f32]| pool.install(|| team::with_team(|| all_finite_shared(g)));
        let mut g = vec![1.0f32; n];
        assert!(shared(&g));
        for (at, bad) in [(0, f32::NAN), (1 << 16, f32::INFINITY), (n - 1, f32::NAN)] {
            g[at] = bad;
            assert!(!shared(&g), "{bad} at {at}");
            g[at] = 1.0;
        }
    }

    #[test]
    fn cosine_schedule_anneals_from_lr_to_zero() {
        let c = Schedule::Cosine;
        assert_eq!(c.lr(0.1, 0, 100), 0.1);
        assert!((c.lr(0.1, 50, 100) - 0.05).abs() < 1e-15);
        assert!(c.lr(0.1, 100, 100).abs() < 1e-15);
        // Monotone in between; the constant schedule is constant.
        assert!((0..100).all(|t| c.lr(0.1, t + 1, 100) < c.lr(0.1, t, 100)));
        assert_eq!(Schedule::Constant.lr(0.1, 73, 100), 0.1);
    }
}
