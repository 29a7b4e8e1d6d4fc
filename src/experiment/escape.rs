//! Kind `escape`: leaving a minimum under SGD and under Gaussian noises of SGD's total
//! variance (Zhu et al. 2019, §5), always in f64.
//!
//! The center is trained with `[train]` (typically full-batch GD, to a minimum) or
//! loaded. There the gradient noise of SGD at `batch_size` is measured once
//! ([`crate::noise::point`]): Σ_b = c_b·C. Each dynamics then runs `steps` steps from
//! the center at the same learning rate ([`super::escape_run`]):
//!
//! - `gd`: the full-batch gradient; `sgd`: a minibatch of `batch_size` rows;
//! - GD plus Gaussian noise ξ, all of trace tr(Σ_b) (Σ_b held at the center's, as in
//!   Zhu et al.): `gld_const` isotropic, `gld_diag` diag(Σ_b), `gld_leading` along Σ_b's
//!   top-k eigenvectors with their eigenvalues, `gld_hessian` ∝ Σᵢ λᵢuᵢuᵢᵀ over H's top-k
//!   positive eigenpairs, `gld_eigvec1` along u₁ alone.
//!
//! Every (dynamics, seed) run draws from stream `EscapeDynamics(d)` of its seed, d the
//! dynamics' place in [`Dynamics::ALL`], so a run's numbers do not depend on which
//! other dynamics are listed or on the thread count. A run has escaped when the loss on
//! the straight line from the center to its last point exceeds the center's by more
//! than `escape_barrier`.

use super::escape_figures::Metric;
use super::escape_run::{record_steps, Landscape, RunRecords, Step};
use super::plan::check_list;
use super::setup::{build, center_kind, train_center};
use super::Context;
use crate::config::{Center, Dynamics, EscapeConfig, LoadedConfig};
use crate::error::{Error, Result};
use crate::io::run_dir::RunDir;
use crate::json_num::nan_if_null;
use crate::noise::point::{measure, NoisePoint, PointSettings};
use crate::noise::{NoiseShape, Sampling};
use crate::objective::MlpObjective;
use crate::scalar::Scalar;
use crate::seeded::{rng, Stream};
use crate::study::stats::{mean_std, MeanStd};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

pub use super::escape_figures::redraw;

/// The Lanczos tolerance of the noise and Hessian eigenpairs.
const LANCZOS_TOL: f64 = 1e-6;

/// Checks the kind's settings before any work.
pub(super) fn validate(cfg: &LoadedConfig, ec: &EscapeConfig) -> Result<()> {
    let bad = |field: &str, msg: String| Err(cfg.err(&format!("experiment.{field}"), msg));
    let name_dynamics = |d: &Dynamics| d.name().to_string();
    check_list(
        cfg,
        "dynamics",
        "name at least one dynamics",
        &ec.dynamics,
        name_dynamics,
    )?;
    check_list(
        cfg,
        "seeds",
        "give at least one seed",
        &ec.seeds,
        u64::to_string,
    )?;
    for (field, v, least) in [
        ("batch_size", ec.batch_size, 1),
        ("steps", ec.steps, 1),
        ("line_points", ec.line_points, 2),
        ("samples", ec.samples, 2),
        ("k", ec.k, 1),
        ("lanczos_steps", ec.lanczos_steps, 1),
        ("record_every", ec.record_every.unwrap_or(1), 1),
    ] {
        if v < least {
            return bad(field, format!("must be at least {least}, got {v}"));
        }
    }
    if !(ec.escape_barrier.is_finite() && ec.escape_barrier > 0.0) {
        return bad(
            "escape_barrier",
            format!("must be a positive number, got {}", ec.escape_barrier),
        );
    }
    match ec.lr {
        Some(lr) if !(lr.is_finite() && lr > 0.0) => {
            return bad("lr", format!("must be a positive number, got {lr}"));
        }
        None if cfg.config.train.is_none() => {
            return bad(
                "lr",
                "is needed without a [train] table (whose lr is the default)".into(),
            );
        }
        _ => {}
    }
    super::sgd_noise::check_mean_loss(cfg)
}

/// Where the dynamics start: a minimum, trained or loaded.
pub(super) fn center(cfg: &LoadedConfig, ec: &EscapeConfig) -> Result<Center> {
    let center = center_kind(cfg, cfg.model()?, ec.center)?;
    if center == Center::Init {
        return Err(cfg.err(
            "experiment.center",
            "the dynamics start from a minimum: use \"trained\" (with [train]) or \"weights\"",
        ));
    }
    Ok(center)
}

/// The center's numbers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StartPoint {
    #[serde(deserialize_with = "nan_if_null")]
    pub train_loss: f64,
    #[serde(deserialize_with = "nan_if_null")]
    pub test_loss: f64,
    #[serde(deserialize_with = "nan_if_null")]
    pub test_accuracy: f64,
    #[serde(deserialize_with = "nan_if_null")]
    pub grad_norm: f64,
    /// H's top eigenvalues there, descending.
    pub hessian_top: Vec<f64>,
}

/// One dynamics over the seeds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DynamicsResult {
    pub name: String,
    /// tr of the injected noise's covariance (0 for gd; tr(Σ_b) for sgd).
    #[serde(deserialize_with = "nan_if_null")]
    pub noise_trace: f64,
    /// Fraction of seeds whose last line barrier exceeds `escape_barrier`.
    pub escaped_fraction: f64,
    pub final_test_accuracy: MeanStd,
    pub final_test_loss: MeanStd,
    pub final_train_loss: MeanStd,
    /// ‖θ − θ₀‖ at the end.
    pub distance: MeanStd,
    /// The last line barrier.
    pub barrier: MeanStd,
}

/// `summary.json` of an `escape` run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EscapeReport {
    pub center: Center,
    pub start: StartPoint,
    pub lr: f64,
    pub batch_size: usize,
    pub sampling: Sampling,
    pub steps: usize,
    pub record_every: usize,
    pub seeds: Vec<u64>,
    pub escape_barrier: f64,
    /// tr(Σ_b) at the center: the total variance every noise matches.
    #[serde(deserialize_with = "nan_if_null")]
    pub noise_trace: f64,
    /// Rows whose per-sample gradients make Σ_b.
    pub samples: usize,
    pub dynamics: Vec<DynamicsResult>,
    /// Always "f64".
    pub precision: String,
}

/// What an escape run computed: the report and every run's records, indexed
/// [dynamics][seed].
pub struct EscapeOutput {
    pub report: EscapeReport,
    pub runs: Vec<Vec<RunRecords>>,
}

/// The noise a dynamics injects (None: none), of total variance `trace` = tr(Σ_b) with
/// Σ_b = c·C.
fn shape(d: Dynamics, point: &NoisePoint, c: f64, trace: f64) -> Option<NoiseShape> {
    let p = point.noise.mean().len();
    let low_rank = |pairs: Vec<(&[f64], f64)>| NoiseShape::LowRank {
        directions: pairs.iter().map(|(v, _)| v.to_vec()).collect(),
        variances: pairs.iter().map(|(_, s)| s.max(0.0)).collect(),
    };
    let s = match d {
        Dynamics::Gd | Dynamics::Sgd => return None,
        Dynamics::GldConst => NoiseShape::Isotropic {
            variance: trace / p as f64,
            dim: p,
        },
        Dynamics::GldDiag => NoiseShape::Diagonal {
            variances: point.noise.diagonal().iter().map(|v| c * v).collect(),
        },
        Dynamics::GldLeading => low_rank(
            point
                .covariance_top
                .iter()
                .map(|e| (e.vector.as_slice(), e.value))
                .collect(),
        ),
        Dynamics::GldHessian => low_rank(
            point
                .hessian_top
                .iter()
                .filter(|e| e.value > 0.0)
                .map(|e| (e.vector.as_slice(), e.value))
                .collect(),
        ),
        Dynamics::GldEigvec1 => low_rank(
            point
                .hessian_top
                .iter()
                .take(1)
                .map(|e| (e.vector.as_slice(), 1.0))
                .collect(),
        ),
    };
    Some(s.with_trace(trace))
}

/// The dynamics' index in [`Dynamics::ALL`] (its stream).
fn stream_index(d: Dynamics) -> u64 {
    Dynamics::ALL.iter().position(|&a| a == d).unwrap_or(0) as u64
}

pub fn run<S: Scalar>(ctx: &Context, ec: &EscapeConfig) -> Result<EscapeOutput> {
    let cfg = &ctx.cfg;
    let model = cfg.model()?;
    let center = center(cfg, ec)?;
    validate(cfg, ec)?;
    let mut setup = build::<S>(cfg, model, center == Center::Trained)?;
    let n = setup.train.n;
    if ec.sampling == Sampling::WithoutReplacement && ec.batch_size > n {
        return Err(cfg.err(
            "experiment.batch_size",
            format!(
                "{} rows without replacement from a training set of {n}",
                ec.batch_size
            ),
        ));
    }
    if center == Center::Trained {
        let plan = cfg.train_plan(cfg.train()?, n)?;
        train_center(cfg, &mut setup, &plan, ctx.quiet)?;
    }
    let lr = ec
        .lr
        .or(cfg.config.train.as_ref().map(|t| t.lr))
        .ok_or_else(|| cfg.err("experiment.lr", "is needed without [train]"))?;
    let seed = cfg.config.seed;
    let theta: Vec<f64> = setup.theta.iter().map(|v| v.f64()).collect();
    let train = setup.train_f64(cfg)?;
    let test = setup.test_f64(cfg)?;
    let mlp = &setup.mlp;
    let p = mlp.n_params();
    let settings = PointSettings {
        samples: ec.samples,
        k: ec.k,
        lanczos_steps: ec.lanczos_steps,
        tol: LANCZOS_TOL,
    };
    let point = measure(mlp, &train, &theta, &settings, seed);
    let c = ec.sampling.factor(ec.batch_size, n);
    let noise_trace = c * point.noise.trace();
    let obj = MlpObjective::new(mlp, &train);
    let mut grad = vec![0.0; p];
    let start_eval = obj.eval_grad(&theta, &mut grad);
    if !start_eval.loss.is_finite() {
        return Err(Error::Invalid(format!(
            "the loss at the center is {}: no minimum to escape from",
            start_eval.loss
        )));
    }
    let test_eval = test
        .as_ref()
        .map(|t| MlpObjective::new(mlp, t).eval(&theta));
    let record_every = ec.record_every.unwrap_or((ec.steps / 50).max(1));
    let land = Landscape {
        mlp,
        train: &train,
        test: test.as_ref(),
        start: &theta,
        start_loss: start_eval.loss,
        lr,
        steps: ec.steps,
        record_every,
        line_points: ec.line_points,
    };
    let shapes: Vec<Option<NoiseShape>> = ec
        .dynamics
        .iter()
        .map(|&d| shape(d, &point, c, noise_trace))
        .collect();
    let runs = run_all(&land, ec, &shapes, ctx.quiet);
    let dynamics = ec
        .dynamics
        .iter()
        .zip(&runs)
        .zip(&shapes)
        .map(|((d, r), s)| summarise(*d, r, s.as_ref(), noise_trace, ec.escape_barrier))
        .collect();
    Ok(EscapeOutput {
        report: EscapeReport {
            center,
            start: StartPoint {
                train_loss: start_eval.loss,
                test_loss: test_eval.map_or(f64::NAN, |e| e.loss),
                test_accuracy: test_eval.and_then(|e| e.accuracy).unwrap_or(f64::NAN),
                grad_norm: crate::linalg::norm(&grad),
                hessian_top: point.hessian_top.iter().map(|e| e.value).collect(),
            },
            lr,
            batch_size: ec.batch_size,
            sampling: ec.sampling,
            steps: ec.steps,
            record_every,
            seeds: ec.seeds.clone(),
            escape_barrier: ec.escape_barrier,
            noise_trace,
            samples: point.noise.samples(),
            dynamics,
            precision: "f64".into(),
        },
        runs,
    })
}

/// Every (dynamics, seed) run, in parallel (each run is sequential and draws from its
/// own stream), indexed [dynamics][seed].
fn run_all(
    land: &Landscape,
    ec: &EscapeConfig,
    shapes: &[Option<NoiseShape>],
    quiet: bool,
) -> Vec<Vec<RunRecords>> {
    let tasks: Vec<(usize, u64)> = (0..ec.dynamics.len())
        .flat_map(|d| ec.seeds.iter().map(move |&s| (d, s)))
        .collect();
    let progress = crate::progress::Progress::new(tasks.len() as u64, "escape", quiet);
    let flat: Vec<RunRecords> = tasks
        .par_iter()
        .map(|&(d, s)| {
            let dynamics = ec.dynamics[d];
            let step = match (&shapes[d], dynamics) {
                (Some(shape), _) => Step::Noise(shape),
                (None, Dynamics::Sgd) => Step::Sgd {
                    batch: ec.batch_size,
                    sampling: ec.sampling,
                },
                (None, _) => Step::Gd,
            };
            let records = land.run(
                &step,
                &mut rng(s, Stream::EscapeDynamics(stream_index(dynamics))),
            );
            progress.inc(1);
            records
        })
        .collect();
    progress.finish();
    flat.chunks(ec.seeds.len())
        .map(<[RunRecords]>::to_vec)
        .collect()
}

/// One dynamics' result over its seeds' runs.
fn summarise(
    d: Dynamics,
    runs: &[RunRecords],
    shape: Option<&NoiseShape>,
    sgd_trace: f64,
    escape_barrier: f64,
) -> DynamicsResult {
    let last = |f: Metric| {
        mean_std(
            runs.iter()
                .map(|r| f(r).last().copied().unwrap_or(f64::NAN)),
        )
    };
    let escaped = runs
        .iter()
        .filter(|r| r.barrier.last().is_some_and(|&b| b > escape_barrier))
        .count();
    DynamicsResult {
        name: d.name().into(),
        noise_trace: match (d, shape) {
            (Dynamics::Sgd, _) => sgd_trace,
            (_, Some(s)) => s.trace(),
            (_, None) => 0.0,
        },
        escaped_fraction: escaped as f64 / runs.len().max(1) as f64,
        final_test_accuracy: last(|r| &r.test_accuracy),
        final_test_loss: last(|r| &r.test_loss),
        final_train_loss: last(|r| &r.train_loss),
        distance: last(|r| &r.distance),
        barrier: last(|r| &r.barrier),
    }
}

/// Saves every run's records and draws the figures.
pub fn write(out: &EscapeOutput, dir: &RunDir) -> Result<()> {
    super::escape_figures::save_records(&out.report, &out.runs, dir)?;
    redraw(&out.report, dir)
}

/// The steps at which the report's runs recorded.
pub fn report_steps(r: &EscapeReport) -> Vec<usize> {
    record_steps(r.steps, r.record_every)
}
