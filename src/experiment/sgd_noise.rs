//! Kind `sgd_noise`: the shape of minibatch SGD's gradient noise at a point against the
//! Hessian there (Zhu et al. 2019), always in f64.
//!
//! At the center (trained, loaded or initial), from the per-sample gradients of a
//! seeded subset of `samples` training rows ([`crate::noise::point`]): the covariance C
//! of one sample's gradient and, per batch size b, Σ_b = c_b·C (c_b = 1/b with
//! replacement, (n − b)/((n − 1)·b) without). Reported per batch size:
//!
//! - tr(Σ_b), and Zhu's escaping indicator tr(HΣ_b) = c_b·(1/m)·Σᵢ dᵢᵀHdᵢ (one HVP per
//!   sampled row), against tr(HΣ_iso) = tr(H)·tr(Σ_b)/P, the isotropic noise of the same
//!   total variance; their ratio `anisotropy_ratio` (> 1: the noise leans towards the
//!   sharp directions). tr(H) is exact (P HVPs) up to `exact_max_params`, else Hutch++;
//! - the noise along H's top eigenvectors uᵢᵀΣ_b uᵢ against λᵢ (`alignment`);
//! - Σ_b's top eigenvalues and |cos| between its top eigenvectors and H's.
//!
//! Σ_b is a multiple of C, so the ratio, the cosines and the shape of the alignment do
//! not depend on b: the batch size sets the noise's size, not its direction.

use super::setup::{build, center_kind, train_center};
use super::Context;
use crate::config::{Center, LoadedConfig, SgdNoiseConfig};
use crate::curvature::{hutch_plus_plus, EigenPair, HvpOperator, ObjectiveHessian};
use crate::error::{Error, Result};
use crate::io::run_dir::RunDir;
use crate::json_num::nan_if_null;
use crate::linalg::{dot, norm};
use crate::nn::Loss;
use crate::noise::point::{measure, NoisePoint, PointSettings};
use crate::noise::Sampling;
use crate::objective::{MlpObjective, Objective};
use crate::scalar::Scalar;
use crate::seeded::{rng, Stream};
use serde::{Deserialize, Serialize};

pub use super::sgd_noise_figures::redraw;

/// Checks the kind's settings (batch sizes against the training set at run time).
pub(super) fn validate(cfg: &LoadedConfig, nc: &SgdNoiseConfig) -> Result<()> {
    let bad = |field: &str, msg: &str| Err(cfg.err(&format!("experiment.{field}"), msg));
    if nc.batch_sizes.is_empty() {
        return bad("batch_sizes", "is empty: give at least one batch size");
    }
    if nc.samples < 2 {
        return bad(
            "samples",
            "must be at least 2 (a covariance needs two gradients)",
        );
    }
    for (field, v) in [("k", nc.k), ("lanczos_steps", nc.lanczos_steps)] {
        if v == 0 {
            return bad(field, "must be at least 1");
        }
    }
    if nc.trace_hvps < 3 {
        return bad(
            "trace_hvps",
            "must be at least 3 (Hutch++ sketches a third)",
        );
    }
    if !(nc.tol.is_finite() && nc.tol > 0.0) {
        return bad("tol", "must be a positive number");
    }
    check_mean_loss(cfg)
}

/// The noise kinds need L = (1/n)·Σᵢ ℓᵢ, whose minibatch gradient estimates ∇L.
pub(super) fn check_mean_loss(cfg: &LoadedConfig) -> Result<()> {
    if cfg.model()?.loss == Loss::SseHalf {
        return Err(cfg.err(
            "model.loss",
            "sse_half is a sum over samples, so a minibatch gradient does not estimate its \
             gradient; use mse (the mean) for gradient-noise kinds",
        ));
    }
    Ok(())
}

/// Σ_b = `factor`·C for each configured batch size, checked against `n` rows: the error
/// names the entry.
fn batch_factors(
    cfg: &LoadedConfig,
    nc: &SgdNoiseConfig,
    n: usize,
) -> Result<Vec<(String, usize, f64)>> {
    let batches = super::batch_size::resolve_batches(cfg, &nc.batch_sizes, n)?;
    Ok(batches
        .into_iter()
        .map(|b| (b.label, b.size, nc.sampling.factor(b.size, n)))
        .collect())
}

/// The noise along one Hessian eigenvector.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Alignment {
    /// λᵢ, the Hessian eigenvalue.
    #[serde(deserialize_with = "nan_if_null")]
    pub lambda: f64,
    /// uᵢᵀΣ_b uᵢ, the noise's variance along its eigenvector.
    #[serde(deserialize_with = "nan_if_null")]
    pub noise_along: f64,
}

/// Σ_b at one batch size.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BatchNoise {
    /// As configured ("64", "10%", "full").
    pub label: String,
    pub batch_size: usize,
    /// c_b with Σ_b = c_b·C.
    pub factor: f64,
    #[serde(deserialize_with = "nan_if_null")]
    pub trace_sigma: f64,
    #[serde(deserialize_with = "nan_if_null")]
    pub trace_h_sigma: f64,
    /// tr(H)·tr(Σ_b)/P.
    #[serde(deserialize_with = "nan_if_null")]
    pub trace_h_sigma_isotropic: f64,
    /// trace_h_sigma / trace_h_sigma_isotropic.
    #[serde(deserialize_with = "nan_if_null")]
    pub anisotropy_ratio: f64,
    /// Σᵢ uᵢᵀΣ_b uᵢ / tr(Σ_b) over the top-k Hessian eigenvectors (isotropic noise: k/P).
    #[serde(deserialize_with = "nan_if_null")]
    pub top_k_fraction: f64,
    pub alignment: Vec<Alignment>,
    /// Σ_b's largest eigenvalues, descending.
    pub sigma_top: Vec<f64>,
    /// |cos| between Σ_b's i-th and H's j-th top eigenvectors, `cosines[i][j]`.
    pub cosines: Vec<Vec<f64>>,
    /// √(lr·tr(Σ_b)/P), the size of one SGD step's noise per parameter (with
    /// `[train] lr`; Kleinberg et al.'s smoothing scale).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub noise_scale: Option<f64>,
}

/// tr(H) and how it was found.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HessianTrace {
    #[serde(deserialize_with = "nan_if_null")]
    pub value: f64,
    /// "exact" (P HVPs) or "hutch++".
    pub method: String,
    pub hvps: usize,
}

/// `summary.json` of an `sgd_noise` run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SgdNoiseReport {
    pub center: Center,
    #[serde(deserialize_with = "nan_if_null")]
    pub loss: f64,
    #[serde(deserialize_with = "nan_if_null")]
    pub grad_norm: f64,
    pub n_params: usize,
    pub n_train: usize,
    /// Rows whose per-sample gradients make C.
    pub samples: usize,
    pub sampling: Sampling,
    /// tr(C), one sample's gradient variance.
    #[serde(deserialize_with = "nan_if_null")]
    pub trace_c: f64,
    pub trace_h: HessianTrace,
    /// H's top eigenvalues, descending.
    pub hessian_top: Vec<f64>,
    pub batches: Vec<BatchNoise>,
    /// HVPs in all (Lanczos, tr(H), tr(HC)).
    pub hvp_count: usize,
    /// Always "f64".
    pub precision: String,
}

/// What an sgd_noise run computed: its report, which holds every number its arrays
/// (saved as .npy for other tools) and figures show.
pub struct SgdNoiseOutput {
    pub report: SgdNoiseReport,
}

/// tr(H): Σⱼ eⱼᵀHeⱼ when P ≤ `exact_max_params`,
/// else Hutch++ with `trace_hvps` HVPs on the run's trace stream.
fn hessian_trace<O: HvpOperator>(h: &O, nc: &SgdNoiseConfig, seed: u64) -> HessianTrace {
    let p = h.dim();
    if p <= nc.exact_max_params {
        // One column at a time: each HVP is parallel over the data already.
        let (mut e, mut he) = (vec![0.0; p], vec![0.0; p]);
        let diag: Vec<f64> = (0..p)
            .map(|j| {
                e[j] = 1.0;
                h.apply(&e, &mut he);
                e[j] = 0.0;
                he[j]
            })
            .collect();
        return HessianTrace {
            value: diag.iter().sum(),
            method: "exact".into(),
            hvps: p,
        };
    }
    let t = hutch_plus_plus(h, nc.trace_hvps, &mut rng(seed, Stream::NoiseTrace));
    HessianTrace {
        value: t.trace,
        method: "hutch++".into(),
        hvps: t.hvps,
    }
}

/// |cos| between every pair (a[i], b[j]) of unit vectors, row-major.
fn cosines(a: &[EigenPair], b: &[EigenPair]) -> Vec<Vec<f64>> {
    a.iter()
        .map(|x| b.iter().map(|y| dot(&x.vector, &y.vector).abs()).collect())
        .collect()
}

/// Σ_b's numbers from the point's measurement and the batch factor `c`.
fn batch_noise(
    point: &NoisePoint,
    (label, b, c): (String, usize, f64),
    traces: (f64, f64, f64),
    p: usize,
    lr: Option<f64>,
) -> BatchNoise {
    let (trace_c, trace_hc, trace_h) = traces;
    let trace_sigma = c * trace_c;
    let trace_h_sigma = c * trace_hc;
    let iso = trace_h * trace_sigma / p as f64;
    let alignment: Vec<Alignment> = point
        .hessian_top
        .iter()
        .map(|u| Alignment {
            lambda: u.value,
            noise_along: c * point.noise.quadratic_form(&u.vector),
        })
        .collect();
    let along: f64 = alignment.iter().map(|a| a.noise_along).sum();
    BatchNoise {
        label,
        batch_size: b,
        factor: c,
        trace_sigma,
        trace_h_sigma,
        trace_h_sigma_isotropic: iso,
        anisotropy_ratio: trace_h_sigma / iso,
        top_k_fraction: along / trace_sigma,
        alignment,
        sigma_top: point.covariance_top.iter().map(|e| c * e.value).collect(),
        cosines: cosines(&point.covariance_top, &point.hessian_top),
        noise_scale: lr.map(|lr| (lr * trace_sigma / p as f64).sqrt()),
    }
}

pub fn run<S: Scalar>(ctx: &Context, nc: &SgdNoiseConfig) -> Result<SgdNoiseOutput> {
    let cfg = &ctx.cfg;
    let model = cfg.model()?;
    let center = center_kind(cfg, model, nc.center)?;
    validate(cfg, nc)?;
    let mut setup = build::<S>(cfg, model, center == Center::Trained)?;
    let n = setup.train.n;
    let batches = batch_factors(cfg, nc, n)?;
    if let Center::Trained = center {
        let plan = cfg.train_plan(cfg.train()?, n)?;
        train_center(cfg, &mut setup, &plan, ctx.quiet)?;
    }
    let seed = cfg.config.seed;
    let theta: Vec<f64> = setup.theta.iter().map(|v| v.f64()).collect();
    let data = setup.train_f64(cfg)?;
    let mlp = &setup.mlp;
    let p = mlp.n_params();
    let settings = PointSettings {
        samples: nc.samples,
        k: nc.k,
        lanczos_steps: nc.lanczos_steps,
        tol: nc.tol,
    };
    let point = measure(mlp, &data, &theta, &settings, seed);
    let obj = MlpObjective::new(mlp, &data);
    let mut grad = vec![0.0; p];
    let loss = obj.loss_grad(&theta, &mut grad);
    if !loss.is_finite() {
        return Err(Error::Invalid(format!(
            "the loss at the center is {loss}: no noise to measure there"
        )));
    }
    let h = ObjectiveHessian::new(&obj, &theta);
    let trace_h = hessian_trace(&h, nc, seed);
    let trace_hc = point.noise.trace_with(&h);
    let trace_c = point.noise.trace();
    let lr = cfg.config.train.as_ref().map(|t| t.lr);
    let out = batches
        .into_iter()
        .map(|b| batch_noise(&point, b, (trace_c, trace_hc, trace_h.value), p, lr))
        .collect();
    Ok(SgdNoiseOutput {
        report: SgdNoiseReport {
            center,
            loss,
            grad_norm: norm(&grad),
            n_params: p,
            n_train: n,
            samples: point.noise.samples(),
            sampling: nc.sampling,
            trace_c,
            hvp_count: point.hvps + trace_h.hvps + point.noise.samples(),
            trace_h,
            hessian_top: point.hessian_top.iter().map(|e| e.value).collect(),
            batches: out,
            precision: "f64".into(),
        },
    })
}

/// Saves the arrays behind the figures and draws them.
pub fn write(out: &SgdNoiseOutput, dir: &RunDir) -> Result<()> {
    super::sgd_noise_figures::save_arrays(&out.report, dir)?;
    redraw(&out.report, dir)
}
