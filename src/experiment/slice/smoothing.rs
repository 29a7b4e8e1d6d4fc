//! `smoothing = [σ₁, σ₂, …]` of a slice: the Gaussian-smoothed training loss
//! L_σ(θ) = E_{u~N(0,σ²I)} L(θ + u) at every grid point (Kleinberg et al. 2018), by Monte
//! Carlo with the same `smoothing_samples` noise draws everywhere
//! ([`crate::landscape::smoothing`]), and the strict local minima of the raw and of each
//! smoothed grid ([`crate::landscape::minima`]): the minima narrower than σ vanish first.
//!
//! Saved as `smoothed_train_loss.npy` and `smoothed_train_loss_stderr.npy` (the Monte
//! Carlo standard error), shape (nσ, …the slice's grid): (nσ, nx), (nσ, repeat, nx) or
//! (nσ, ny, nx). The pass runs after the sweep (and the curvature map); it is not in the
//! sweep log, so a resumed run measures it again.
//!
//! Local minima are counted along each 1-D line (summed over the `repeat` lines) and as
//! strict minima of the 2-D grid over their 8 neighbours, interior points only.

use super::Prepared;
use crate::cluster::Job;
use crate::config::{LoadedConfig, SliceConfig};
use crate::error::Result;
use crate::experiment::slice_figures::SmoothedGrids;
use crate::landscape::grid::{grid_points, Plane};
use crate::landscape::minima;
use crate::landscape::smoothing::{Noise, NoiseNormalization, Smoother};
use crate::progress::Progress;
use crate::scalar::Scalar;
use serde::{Deserialize, Serialize};

/// Monte Carlo draws when `smoothing_samples` is not given.
pub const DEFAULT_SAMPLES: usize = 32;
/// The most draws a config may ask for.
pub const MAX_SAMPLES: usize = 100_000;

/// Strict local minima of the raw train loss and of each smoothed one (see the module
/// doc for where they are counted).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LocalMinima {
    pub raw: usize,
    pub smoothed: Vec<usize>,
}

/// `smoothing` in the summary of a slice run with smoothing.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SmoothingSummary {
    pub sigmas: Vec<f64>,
    /// Monte Carlo draws K per grid point (the same draws at every point and σ).
    pub samples: usize,
    pub normalization: NoiseNormalization,
    pub local_minima: LocalMinima,
    /// The largest Monte Carlo standard error of any smoothed value (null when none
    /// is finite).
    #[serde(deserialize_with = "crate::json_num::nan_if_null")]
    pub max_stderr: f64,
    pub seconds: f64,
    /// The scale of SGD's own noise at the center, √(lr·Tr(Σ_b)/P) with Σ_b the
    /// covariance of a minibatch gradient of `[train]`'s batch size, to set beside the
    /// σ's (Kleinberg et al.'s effective smoothing of SGD); present when `[train]` is
    /// minibatch SGD.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sgd_noise_scale: Option<f64>,
    /// The RMS size per parameter of the unit noise z (√(mean‖z‖²/P) over the draws): 1
    /// for `none`, the weights' scale for `filter`; σ·noise_rms is the smoothing's
    /// per-parameter size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub noise_rms: Option<f64>,
    /// The σ whose smoothing has SGD's per-parameter size, sgd_noise_scale / noise_rms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sgd_sigma: Option<f64>,
}

/// The smoothing keys, checked before any work: each σ finite and positive, the
/// draws between 1 and [`MAX_SAMPLES`], the other keys only with `smoothing`.
pub(super) fn validate(cfg: &LoadedConfig, sc: &SliceConfig) -> Result<()> {
    if sc.smoothing.is_empty() {
        for (key, set) in [
            ("smoothing_samples", sc.smoothing_samples.is_some()),
            (
                "smoothing_normalization",
                sc.smoothing_normalization.is_some(),
            ),
        ] {
            if set {
                return Err(cfg.err(
                    &format!("experiment.{key}"),
                    "is used only with smoothing = [σ, ...]: add the σ's or remove this key",
                ));
            }
        }
        return Ok(());
    }
    if let Some((i, s)) = sc
        .smoothing
        .iter()
        .enumerate()
        .find(|(_, s)| !(s.is_finite() && **s > 0.0))
    {
        return Err(cfg.err(
            "experiment.smoothing",
            format!("every σ must be a finite number > 0, but entry {i} is {s}"),
        ));
    }
    let k = samples(sc);
    if !(1..=MAX_SAMPLES).contains(&k) {
        return Err(cfg.err(
            "experiment.smoothing_samples",
            format!("needs 1 to {MAX_SAMPLES} Monte Carlo draws, got {k}"),
        ));
    }
    Ok(())
}

/// The draws K of `sc` (default resolved).
pub(super) fn samples(sc: &SliceConfig) -> usize {
    sc.smoothing_samples.unwrap_or(DEFAULT_SAMPLES)
}

/// The noise of this run's smoothing, around `center`.
fn noise<'a, S>(
    cfg: &LoadedConfig,
    sc: &SliceConfig,
    prep: &'a Prepared<S>,
    center: &'a [f64],
) -> Noise<'a> {
    Noise::new(
        cfg.config.seed,
        samples(sc),
        center,
        prep.layout(),
        sc.smoothing_normalization.unwrap_or_default(),
        prep.ignore,
    )
}

/// Rank 0 (or a single process): L_σ at every grid point of `planes` and the local
/// minima of it and of `train_loss` (the raw grid, in grid order); in a `job`, the
/// points are shared with the ranks running [`work`].
pub(super) fn smooth<S: Scalar>(
    cfg: &LoadedConfig,
    sc: &SliceConfig,
    prep: &Prepared<S>,
    planes: &[Plane],
    train_loss: &[f64],
    quiet: bool,
    job: Option<&Job>,
) -> Result<(SmoothingSummary, SmoothedGrids)> {
    let t0 = std::time::Instant::now();
    let noise = noise(cfg, sc, prep, planes[0].center);
    let noise_rms = rms(&noise, planes[0].center.len());
    let sgd_noise_scale = sgd_noise_scale(cfg, prep, planes[0].center)?;
    let smoother = smoother(sc, prep, &noise);
    let coords = grid_points(planes.len(), &prep.x, prep.y.as_deref());
    let progress = Progress::new(coords.len() as u64, "smoothing", quiet);
    let s = smoother.grid(planes, &coords, &progress, job)?;
    progress.finish();
    let (nx, two_d, n) = (prep.x.len(), prep.y.is_some(), coords.len());
    let local_minima = LocalMinima {
        raw: minima::count(train_loss, nx, two_d),
        smoothed: s
            .mean
            .chunks(n)
            .map(|g| minima::count(g, nx, two_d))
            .collect(),
    };
    let summary = SmoothingSummary {
        sigmas: sc.smoothing.clone(),
        samples: samples(sc),
        normalization: sc.smoothing_normalization.unwrap_or_default(),
        local_minima,
        max_stderr: s
            .stderr
            .iter()
            .cloned()
            .filter(|v| v.is_finite())
            .fold(f64::NAN, f64::max),
        seconds: t0.elapsed().as_secs_f64(),
        sgd_noise_scale,
        noise_rms: Some(noise_rms),
        sgd_sigma: sgd_noise_scale.map(|s| s / noise_rms),
    };
    let grids = SmoothedGrids {
        sigmas: sc.smoothing.clone(),
        loss: s.mean,
        stderr: s.stderr,
    };
    Ok((summary, grids))
}

/// √(mean over the draws of ‖z‖²/P), in draw order.
fn rms(noise: &Noise, p: usize) -> f64 {
    let mut buf = vec![0.0; p];
    let k = noise.samples();
    let squares: f64 = (0..k)
        .map(|i| {
            let z = noise.z(i, &mut buf);
            crate::linalg::dot(z, z)
        })
        .sum();
    (squares / (k.max(1) * p.max(1)) as f64).sqrt()
}

/// Rows whose gradients give tr(C) for the SGD noise scale.
const NOISE_SCALE_SAMPLES: usize = 1000;

/// √(lr·tr(Σ_b)/P) at `center` with `[train]`'s lr and minibatch size b (Σ_b = C/b, C
/// from up to 1,000 seeded rows' gradients); None unless `[train]` is minibatch SGD
/// (full batches have no gradient noise; other optimisers rescale it).
fn sgd_noise_scale<S: Scalar>(
    cfg: &LoadedConfig,
    prep: &Prepared<S>,
    center: &[f64],
) -> Result<Option<f64>> {
    let Some(train) = &cfg.config.train else {
        return Ok(None);
    };
    // Momentum and Adam rescale the gradient: their step noise is not lr·Σ_b.
    if train.optimizer != crate::optim::OptimizerKind::Sgd {
        return Ok(None);
    }
    let setup = &prep.setup;
    let n = setup.train.n;
    let b = match cfg.train_plan(train, n)?.batch_size {
        Some(b) if b < n => b,
        _ => return Ok(None),
    };
    let data = setup.train_f64(cfg)?;
    Ok(Some(crate::noise::point::sgd_noise_scale(
        &setup.mlp,
        &data,
        center,
        (train.lr, b),
        NOISE_SCALE_SAMPLES,
        cfg.config.seed,
    )))
}

/// The run's smoother: its net, training set, noise and σs (rank 0 and the other ranks
/// alike).
fn smoother<'a, S>(
    sc: &'a SliceConfig,
    prep: &'a Prepared<S>,
    noise: &'a Noise<'a>,
) -> Smoother<'a, S> {
    Smoother {
        mlp: &prep.setup.mlp,
        train: &prep.setup.train,
        noise,
        sigmas: &sc.smoothing,
    }
}

/// A rank other than 0 of a job: its share of rank 0's [`smooth`].
pub(super) fn work<S: Scalar>(
    cfg: &LoadedConfig,
    sc: &SliceConfig,
    prep: &Prepared<S>,
    planes: &[Plane],
    job: &Job,
) -> Result<()> {
    let noise = noise(cfg, sc, prep, planes[0].center);
    let coords = grid_points(planes.len(), &prep.x, prep.y.as_deref());
    smoother(sc, prep, &noise).work_grid(planes, &coords, job)
}
