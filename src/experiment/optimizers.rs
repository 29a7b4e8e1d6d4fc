//! Kind `optimizers`: GD, momentum, Adam, Newton and saddle-free Newton raced from the
//! same points near saddles (Dauphin et al. 2014, §6), always in f64 on the full batch.
//!
//! The start points ([`super::optimizers_start`]) are the plateau of the `[train]`
//! run's saddle visit, saddles found by searches, or given weights. At each, H's top
//! and most negative eigenpairs are measured; every race starts from the point moved by
//! the same seeded step of length `perturbation` (stream `RacePerturb(k)`) and runs
//! `steps` steps ([`super::optimizers_run`]; with `budget = "work"` the first-order
//! methods run on until they have spent the Krylov methods' work), recording the loss, the work in
//! HVP-equivalents and the path projected on the plane of the two eigenvectors, over
//! which the loss is mapped on a `grid` × `grid` grid. Newton and saddle-free Newton
//! draw the same Krylov start vectors (stream `RaceKrylov(k)`), so they differ only in
//! how they treat the eigenvalues' signs.

use super::optimizers_run::{distance, escape, race, Plane, Race, RaceSettings, GRADIENT_COST};
use super::optimizers_start::{extremes, starts, SearchSummary, Start};
use super::plan::check_list;
use super::setup::build;
use super::Context;
use crate::config::{LoadedConfig, OptimizersConfig, RaceBudget, RaceStart, Racer};
use crate::error::Result;
use crate::io::run_dir::RunDir;
use crate::json_num::nan_if_null;
use crate::landscape::grid::{slice_objective, Plane as GridPlane};
use crate::landscape::Axis;
use crate::linalg::{gaussian, norm};
use crate::nn::Layout;
use crate::objective::{MlpObjective, Objective};
use crate::progress::Progress;
use crate::scalar::Scalar;
use crate::seeded::{rng, Stream};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

pub use super::optimizers_figures::redraw;

/// Checks the kind's settings before any work.
pub(super) fn validate(cfg: &LoadedConfig, oc: &OptimizersConfig) -> Result<()> {
    let bad = |field: &str, msg: String| Err(cfg.err(&format!("experiment.{field}"), msg));
    let name = |o: &Racer| o.name().to_string();
    check_list(
        cfg,
        "optimizers",
        "name at least one optimiser",
        &oc.optimizers,
        name,
    )?;
    for (field, v, least) in [
        ("steps", oc.steps, 1),
        ("krylov_dim", oc.krylov_dim, 1),
        ("searches", oc.searches, 1),
        ("max_starts", oc.max_starts, 1),
    ] {
        if v < least {
            return bad(field, format!("must be at least {least}, got {v}"));
        }
    }
    for (field, v) in [
        ("lr", oc.lr),
        ("adam_lr", oc.adam_lr),
        ("init_scale", oc.init_scale),
    ] {
        if !(v.is_finite() && v > 0.0) {
            return bad(field, format!("must be a positive number, got {v}"));
        }
    }
    for (field, v) in [("damping", oc.damping), ("perturbation", oc.perturbation)] {
        if !(v.is_finite() && v >= 0.0) {
            return bad(field, format!("must be a number ≥ 0, got {v}"));
        }
    }
    if !(oc.escape_drop > 0.0 && oc.escape_drop < 1.0) {
        return bad(
            "escape_drop",
            format!("must be in (0, 1), got {}", oc.escape_drop),
        );
    }
    if oc.grid == 1 || oc.grid == 2 {
        return bad(
            "grid",
            format!("must be 0 (no plane) or at least 3, got {}", oc.grid),
        );
    }
    let model = cfg.model()?;
    match oc.start {
        RaceStart::Plateau => {
            cfg.train()?;
        }
        RaceStart::Weights if model.weights.is_none() => {
            return bad(
                "start",
                "\"weights\" needs [model] weights = \"file.safetensors\"".into(),
            );
        }
        _ => {}
    }
    if oc.start != RaceStart::Plateau && cfg.config.train.is_some() {
        return Err(cfg.err("train", "is used only with start = \"plateau\"; remove it"));
    }
    Ok(())
}

/// One optimiser's race from one start.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RaceReport {
    pub optimizer: Racer,
    /// Steps taken.
    pub steps: usize,
    #[serde(deserialize_with = "nan_if_null")]
    pub final_loss: f64,
    #[serde(deserialize_with = "nan_if_null")]
    pub final_grad_norm: f64,
    /// H's extreme eigenvalues at the end: a minimum has λmin ≥ 0 (to rounding).
    #[serde(deserialize_with = "nan_if_null")]
    pub final_lambda_min: f64,
    #[serde(deserialize_with = "nan_if_null")]
    pub final_lambda_max: f64,
    /// ‖θ_end − θ_0‖.
    #[serde(deserialize_with = "nan_if_null")]
    pub distance: f64,
    /// The first step whose loss is below (1 − escape_drop) × the start's, and the work
    /// spent to reach it (HVP-equivalents); null when it never was.
    pub escaped_at: Option<usize>,
    pub escape_cost: Option<f64>,
    /// Work over the whole race.
    #[serde(deserialize_with = "nan_if_null")]
    pub cost: f64,
    pub hvps: usize,
    pub gradients: usize,
    pub losses: usize,
    pub diverged_at: Option<usize>,
}

/// One start point and the races from it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StartReport {
    pub origin: String,
    #[serde(deserialize_with = "nan_if_null")]
    pub loss: f64,
    #[serde(deserialize_with = "nan_if_null")]
    pub grad_norm: f64,
    #[serde(deserialize_with = "nan_if_null")]
    pub lambda_max: f64,
    #[serde(deserialize_with = "nan_if_null")]
    pub lambda_min: f64,
    /// The loss where the races start (after the perturbation).
    #[serde(deserialize_with = "nan_if_null")]
    pub perturbed_loss: f64,
    /// Entries of the saved records (the longest race's steps + 1; shorter ones padded
    /// with NaN).
    pub records: usize,
    pub races: Vec<RaceReport>,
    /// Grid coordinates along H's top eigenvector (x) and its most negative one (y),
    /// centred on the start point (empty without a plane).
    pub plane_x: Vec<f64>,
    pub plane_y: Vec<f64>,
}

/// `summary.json` of an `optimizers` run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OptimizersReport {
    pub start: RaceStart,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub searches: Option<SearchSummary>,
    pub optimizers: Vec<Racer>,
    pub steps: usize,
    pub budget: RaceBudget,
    pub lr: f64,
    pub adam_lr: f64,
    pub krylov_dim: usize,
    pub damping: f64,
    pub line_search: bool,
    pub perturbation: f64,
    pub escape_drop: f64,
    /// HVP-equivalents of a gradient and of a loss evaluation.
    pub gradient_cost: f64,
    pub loss_cost: f64,
    pub starts: Vec<StartReport>,
    /// Always "f64".
    pub precision: String,
}

/// Every race's records, [start][optimizer], each start's plane grid and weights.
pub struct OptimizersOutput {
    pub report: OptimizersReport,
    pub layout: Layout,
    pub starts: Vec<Vec<f64>>,
    pub races: Vec<Vec<Race>>,
    pub planes: Vec<Vec<f64>>,
}

pub fn run<S: Scalar>(ctx: &Context, oc: &OptimizersConfig) -> Result<OptimizersOutput> {
    let cfg = &ctx.cfg;
    validate(cfg, oc)?;
    let mut setup = build::<S>(cfg, cfg.model()?, oc.start == RaceStart::Plateau)?;
    let train = setup.train_f64(cfg)?;
    let (points, searches) = starts(cfg, oc, &mut setup, &train, ctx.quiet)?;
    let progress = Progress::new(
        (points.len() * oc.optimizers.len()) as u64,
        "race",
        ctx.quiet,
    );
    let racing = Racing {
        obj: &MlpObjective::new(&setup.mlp, &train),
        oc,
        seed: cfg.config.seed,
        progress: &progress,
    };
    let mut reports = Vec::new();
    let (mut races, mut planes) = (Vec::new(), Vec::new());
    for (k, start) in points.iter().enumerate() {
        let (report, run, grid) = racing.race_from(k, start);
        reports.push(report);
        races.push(run);
        planes.push(grid);
    }
    progress.finish();
    Ok(OptimizersOutput {
        report: OptimizersReport {
            start: oc.start,
            searches,
            optimizers: oc.optimizers.clone(),
            steps: oc.steps,
            budget: oc.budget,
            lr: oc.lr,
            adam_lr: oc.adam_lr,
            krylov_dim: oc.krylov_dim,
            damping: oc.damping,
            line_search: oc.line_search,
            perturbation: oc.perturbation,
            escape_drop: oc.escape_drop,
            gradient_cost: GRADIENT_COST,
            loss_cost: super::optimizers_run::LOSS_COST,
            starts: reports,
            precision: "f64".into(),
        },
        layout: setup.mlp.layout.clone(),
        starts: points.into_iter().map(|s| s.theta).collect(),
        races,
        planes,
    })
}

/// What the races from every start share.
struct Racing<'a> {
    obj: &'a MlpObjective<'a, f64>,
    oc: &'a OptimizersConfig,
    seed: u64,
    progress: &'a Progress,
}

impl Racing<'_> {
    /// Every race from start `k` (records padded to the longest), the start's report and
    /// the loss over its plane.
    fn race_from(&self, k: usize, start: &Start) -> (StartReport, Vec<Race>, Vec<f64>) {
        let (obj, oc) = (self.obj, self.oc);
        let theta = &start.theta;
        let mut grad = vec![0.0; theta.len()];
        let loss = obj.loss_grad(theta, &mut grad);
        let (top, bottom) = extremes(obj, theta, self.seed);
        let z = gaussian(
            theta.len(),
            &mut rng(self.seed, Stream::RacePerturb(k as u64)),
        );
        let scale = oc.perturbation / norm(&z).max(f64::MIN_POSITIVE);
        let from: Vec<f64> = theta.iter().zip(&z).map(|(t, z)| t + scale * z).collect();
        let plane = Plane {
            center: theta,
            x: &top.vector,
            y: &bottom.vector,
        };
        let settings = RaceSettings {
            steps: oc.steps,
            work: None,
            lr: oc.lr,
            adam_lr: oc.adam_lr,
            krylov_dim: oc.krylov_dim,
            damping: oc.damping,
            line_search: oc.line_search,
        };
        // The Krylov methods first: with budget = "work", their costlier race sets the
        // work the first-order methods may spend.
        let mut run = self.races(k, true, &from, &plane, &settings);
        let work = run
            .iter()
            .filter_map(|(_, r)| r.cost.last().copied())
            .reduce(f64::max);
        let first_order = match (oc.budget, work) {
            (RaceBudget::Work, Some(w)) => RaceSettings {
                steps: ((w / GRADIENT_COST).ceil() as usize).clamp(1, oc.steps.saturating_mul(100)),
                work: Some(w),
                ..settings
            },
            _ => settings,
        };
        run.extend(self.races(k, false, &from, &plane, &first_order));
        run.sort_by_key(|(i, _)| *i);
        let records = run.iter().map(|(_, r)| r.loss.len()).max().unwrap_or(0);
        let mut run: Vec<Race> = run.into_iter().map(|(_, r)| r).collect();
        let races = oc
            .optimizers
            .iter()
            .zip(&run)
            .map(|(&racer, r)| summarise(obj, racer, r, &from, loss, oc.escape_drop, self.seed))
            .collect();
        let (plane_x, plane_y, grid) = map_plane(obj, &plane, &run, oc);
        run.iter_mut().for_each(|r| r.pad(records));
        let report = StartReport {
            origin: start.origin.clone(),
            loss,
            grad_norm: norm(&grad),
            lambda_max: top.value,
            lambda_min: bottom.value,
            perturbed_loss: obj.loss(&from),
            records,
            races,
            plane_x,
            plane_y,
        };
        (report, run, grid)
    }

    /// The races of the second-order (or the first-order) optimisers from `from`, in
    /// parallel, each with its place in the config's list.
    fn races(
        &self,
        k: usize,
        second_order: bool,
        from: &[f64],
        plane: &Plane,
        s: &RaceSettings,
    ) -> Vec<(usize, Race)> {
        let picked: Vec<(usize, Racer)> = self
            .oc
            .optimizers
            .iter()
            .copied()
            .enumerate()
            .filter(|(_, o)| o.second_order() == second_order)
            .collect();
        picked
            .par_iter()
            .map(|&(i, racer)| {
                let krylov = &mut rng(self.seed, Stream::RaceKrylov(k as u64));
                let r = race(self.obj, racer, from, plane, s, krylov);
                self.progress.inc(1);
                (i, r)
            })
            .collect()
    }
}

/// One race's numbers, with H's extreme eigenvalues at its end.
fn summarise(
    obj: &MlpObjective<f64>,
    racer: Racer,
    r: &Race,
    from: &[f64],
    start_loss: f64,
    drop: f64,
    seed: u64,
) -> RaceReport {
    let mut grad = vec![0.0; from.len()];
    let final_loss = obj.loss_grad(&r.end, &mut grad);
    let (top, bottom) = extremes(obj, &r.end, seed);
    let escaped = escape(r, start_loss, drop);
    RaceReport {
        optimizer: racer,
        steps: r.steps,
        final_loss,
        final_grad_norm: norm(&grad),
        final_lambda_min: bottom.value,
        final_lambda_max: top.value,
        distance: distance(r, from),
        escaped_at: escaped.map(|e| e.0),
        escape_cost: escaped.map(|e| e.1),
        cost: r
            .cost
            .iter()
            .rev()
            .find(|c| c.is_finite())
            .copied()
            .unwrap_or(0.0),
        hvps: r.hvps,
        gradients: r.gradients,
        losses: r.losses,
        diverged_at: r.diverged_at,
    }
}

/// The loss over the plane, on a square grid reaching 1.2 times the farthest projected
/// point of any race (at least 10 perturbations), by the slice machinery.
fn map_plane(
    obj: &MlpObjective<f64>,
    plane: &Plane,
    races: &[Race],
    oc: &OptimizersConfig,
) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    if oc.grid == 0 {
        return (vec![], vec![], vec![]);
    }
    let reach = races
        .iter()
        .flat_map(|r| r.path.iter())
        .filter(|p| p.0.is_finite() && p.1.is_finite())
        .map(|p| p.0.abs().max(p.1.abs()))
        .fold(10.0 * oc.perturbation, f64::max)
        .max(1e-6)
        * 1.2;
    let axis = Axis {
        range: [-reach, reach],
        points: oc.grid,
    }
    .coords();
    let on = GridPlane {
        center: plane.center,
        dx: plane.x,
        dy: Some(plane.y),
    };
    let grid = slice_objective(obj, &on, &axis, &axis);
    (axis.clone(), axis, grid)
}

/// Saves each start's weights (`race<k>_start.safetensors`, so a slice or a `hessian`
/// run can be centred on it), every race's records and the planes, and draws the
/// figures.
pub fn write(out: &OptimizersOutput, dir: &RunDir) -> Result<()> {
    for (k, theta) in out.starts.iter().enumerate() {
        dir.save_weights(&format!("race{k}_start.safetensors"), &out.layout, theta)?;
    }
    super::optimizers_figures::save(&out.report, &out.races, &out.planes, dir)?;
    redraw(&out.report, dir)
}
