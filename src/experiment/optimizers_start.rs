//! The start points of kind `optimizers`, in f64:
//!
//! - `plateau`: the `[train]` run (GD, typically) is recorded about 500 times with a
//!   snapshot each; of the snapshots whose Hessian has a clearly negative eigenvalue,
//!   the one of smallest ‖∇L‖ is the start: the flattest point of the run's saddle
//!   visit.
//! - `saddles`: `searches` Newton-MR searches for ‖∇L‖ = 0 ([`crate::critical`]) from
//!   the model's init times `init_scale` (stream `RaceSearch(i)`), in parallel; the
//!   converged points with a clearly negative eigenvalue, in search order and without
//!   repeats, are the starts (at most `max_starts`).
//! - `weights`: `[model] weights`.
//!
//! "Clearly negative": λmin < −[`NEGATIVE_TOL`]·max(|λmax|, |λmin|).

use crate::config::{LoadedConfig, OptimizersConfig, RaceStart};
use crate::critical::{find_critical_point, SearchSettings, SearchStatus};
use crate::curvature::{extreme_pairs, EigenPair, ObjectiveHessian};
use crate::error::{Error, Result};
use crate::linalg::norm;
use crate::nn::Init;
use crate::objective::{MlpObjective, Objective};
use crate::optim::TrainPlan;
use crate::scalar::Scalar;
use crate::seeded::{rng, Stream};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::setup::{planned_steps, train_center, Setup};

/// Relative size below which a negative eigenvalue is taken for zero.
pub const NEGATIVE_TOL: f64 = 1e-4;
/// Lanczos steps (exact spectra up to this many parameters) and tolerance.
pub const LANCZOS_STEPS: usize = 200;
const LANCZOS_TOL: f64 = 1e-9;
/// Records of the `[train]` run when looking for its plateau.
pub const PLATEAU_RECORDS: usize = 500;

/// A start point and where it came from.
pub struct Start {
    pub origin: String,
    pub theta: Vec<f64>,
}

/// How the saddle searches went.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SearchSummary {
    pub searches: usize,
    pub converged: usize,
    /// Converged points with a clearly negative eigenvalue (repeats counted once).
    pub saddles: usize,
}

/// H's top and bottom eigenpairs at θ (exact up to [`LANCZOS_STEPS`] parameters).
pub fn extremes(obj: &MlpObjective<f64>, theta: &[f64], seed: u64) -> (EigenPair, EigenPair) {
    extreme_pairs(
        &ObjectiveHessian::new(obj, theta),
        LANCZOS_STEPS,
        LANCZOS_TOL,
        &mut rng(seed, Stream::RaceSpectrum),
    )
}

/// Whether λmin is clearly negative.
pub fn negative(top: f64, bottom: f64) -> bool {
    bottom < -NEGATIVE_TOL * top.abs().max(bottom.abs())
}

/// The start points of the config, and the searches' summary for `saddles`.
pub fn starts<S: Scalar>(
    cfg: &LoadedConfig,
    oc: &OptimizersConfig,
    setup: &mut Setup<S>,
    train: &crate::nn::Samples<f64>,
    quiet: bool,
) -> Result<(Vec<Start>, Option<SearchSummary>)> {
    let seed = cfg.config.seed;
    match oc.start {
        RaceStart::Weights => Ok((
            vec![Start {
                origin: format!("weights {}", setup.theta_source),
                theta: setup.theta.iter().map(|v| v.f64()).collect(),
            }],
            None,
        )),
        RaceStart::Plateau => {
            let mut plan: TrainPlan = cfg.train_plan(cfg.train()?, setup.train.n)?;
            plan.record_every = (planned_steps(&plan, setup.train.n) / PLATEAU_RECORDS).max(1);
            plan.snapshot_every = 1;
            let traj = train_center(cfg, setup, &plan, quiet)?;
            let obj = MlpObjective::new(&setup.mlp, train);
            // Every snapshot's ‖∇L‖ and whether it has negative curvature, in parallel.
            let measured: Vec<(f64, bool)> = traj
                .snapshots
                .par_iter()
                .map(|s| {
                    let theta: Vec<f64> = s.theta.iter().map(|v| v.f64()).collect();
                    let mut grad = vec![0.0; theta.len()];
                    obj.loss_grad(&theta, &mut grad);
                    let (top, bottom) = extremes(&obj, &theta, seed);
                    (norm(&grad), negative(top.value, bottom.value))
                })
                .collect();
            let flattest = (0..measured.len())
                .filter(|&i| measured[i].1)
                .min_by(|&a, &b| measured[a].0.total_cmp(&measured[b].0));
            let Some(i) = flattest else {
                return Err(Error::Invalid(format!(
                    "{}: the [train] run shows no saddle visit: none of its {} recorded points \
                     has a negative Hessian eigenvalue; use start = \"saddles\"",
                    cfg.file.display(),
                    measured.len()
                )));
            };
            let snapshot = &traj.snapshots[i];
            Ok((
                vec![Start {
                    origin: format!("plateau of the [train] run at step {}", snapshot.step),
                    theta: snapshot.theta.iter().map(|v| v.f64()).collect(),
                }],
                None,
            ))
        }
        RaceStart::Saddles => {
            let obj = MlpObjective::new(&setup.mlp, train);
            let init: Init = cfg.model()?.init;
            let layout = &setup.mlp.layout;
            let found: Vec<(bool, Option<Vec<f64>>)> = (0..oc.searches)
                .into_par_iter()
                .map(|i| {
                    let theta0: Vec<f64> = init
                        .theta::<f64, _>(layout, &mut rng(seed, Stream::RaceSearch(i as u64)))
                        .iter()
                        .map(|v| v * oc.init_scale)
                        .collect();
                    let r = find_critical_point(&obj, &theta0, &SearchSettings::default());
                    if r.status != SearchStatus::Converged {
                        return (false, None);
                    }
                    let (top, bottom) = extremes(&obj, &r.theta, seed);
                    (true, negative(top.value, bottom.value).then_some(r.theta))
                })
                .collect();
            let converged = found.iter().filter(|f| f.0).count();
            let mut saddles: Vec<(usize, Vec<f64>)> = Vec::new();
            for (i, (_, theta)) in found.into_iter().enumerate() {
                let Some(theta) = theta else { continue };
                let repeat = saddles.iter().any(|(_, s)| {
                    let d: Vec<f64> = s.iter().zip(&theta).map(|(a, b)| a - b).collect();
                    norm(&d) <= 1e-6 * (1.0 + norm(s))
                });
                if !repeat {
                    saddles.push((i, theta));
                }
            }
            let summary = SearchSummary {
                searches: oc.searches,
                converged,
                saddles: saddles.len(),
            };
            if saddles.is_empty() {
                return Err(Error::Invalid(format!(
                    "{}: none of the {} searches ended on a saddle ({converged} converged); \
                     raise experiment.searches or experiment.init_scale",
                    cfg.file.display(),
                    oc.searches
                )));
            }
            let starts = saddles
                .into_iter()
                .take(oc.max_starts)
                .map(|(i, theta)| Start {
                    origin: format!("saddle found by search {i}"),
                    theta,
                })
                .collect();
            Ok((starts, Some(summary)))
        }
    }
}
