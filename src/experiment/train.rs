//! Kind `train`: train the model, then write the training curves, the decision regions
//! (2-D inputs) or fitted curve (1-D regression), the trajectory table, parameter
//! snapshots and the trained weights.

use super::figures::{self, FitCurve, RegionGrid, RegionsInfo};
use super::setup::{build, train_setup};
use super::Context;
use crate::error::Result;
use crate::io::run_dir::RunDir;
use crate::json_num::nan_if_null;
use crate::nn::Layout;
use crate::optim::{Record, SfnRecord, Trajectory};
use crate::scalar::Scalar;
use serde::{Deserialize, Serialize};

/// Snapshots are written only while they stay below this many numbers (~160 MB of f32).
const MAX_SNAPSHOT_VALUES: usize = 40_000_000;

/// The training loss and accuracy before the first step.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InitialFit {
    #[serde(deserialize_with = "nan_if_null")]
    pub train_loss: f64,
    pub train_accuracy: Option<f64>,
}

/// The last training record.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FinalFit {
    #[serde(deserialize_with = "nan_if_null")]
    pub train_loss: f64,
    pub train_accuracy: Option<f64>,
    pub test_loss: Option<f64>,
    pub test_accuracy: Option<f64>,
    #[serde(deserialize_with = "nan_if_null")]
    pub grad_norm: f64,
}

/// Where the parameter snapshots went.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SnapshotsInfo {
    pub file: String,
    pub count: usize,
}

/// `summary.json` of a `train` run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainReport {
    pub n_params: usize,
    pub n_train: usize,
    pub n_test: Option<usize>,
    /// Where the weights started: "init" or the weights file.
    pub start: String,
    #[serde(rename = "final")]
    pub last: FinalFit,
    pub initial: InitialFit,
    pub diverged: bool,
    pub plateau_at: Option<usize>,
    pub divergence: Option<String>,
    pub steps: usize,
    pub epochs: f64,
    pub snapshots: Option<SnapshotsInfo>,
    /// The decision-region grid (2-input classifiers), drawn from `decision_regions_*.npy`.
    #[serde(default)]
    pub decision_regions: Option<RegionsInfo>,
    /// Whether `fit.png` is drawn (1-input regressions), from `fit_*.npy`.
    #[serde(default)]
    pub fitted_curve: bool,
    /// Saddle-free Newton: its HVPs and the curvature its subspaces saw (every step in
    /// `sfn_steps.csv`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub saddle_free: Option<SaddleFreeSummary>,
}

/// What saddle-free Newton's steps cost and saw.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SaddleFreeSummary {
    /// HVPs over all steps.
    pub hvps: usize,
    /// λmin of the first and of the last step's Krylov subspace.
    #[serde(deserialize_with = "nan_if_null")]
    pub lambda_min_first: f64,
    #[serde(deserialize_with = "nan_if_null")]
    pub lambda_min_last: f64,
    /// Steps whose subspace had a negative eigenvalue.
    pub negative_steps: usize,
}

impl SaddleFreeSummary {
    fn of(steps: &[SfnRecord]) -> Option<Self> {
        let (first, last) = (steps.first()?, steps.last()?);
        Some(SaddleFreeSummary {
            hvps: steps.iter().map(|s| s.hvps).sum(),
            lambda_min_first: first.lambda_min,
            lambda_min_last: last.lambda_min,
            negative_steps: steps.iter().filter(|s| s.lambda_min < 0.0).count(),
        })
    }
}

/// What a train run computed: the report, and what its files are made from.
pub struct TrainOutput<S> {
    pub report: TrainReport,
    pub layout: Layout,
    pub theta: Vec<S>,
    pub trajectory: Trajectory<S>,
    pub regions: Option<RegionGrid>,
    pub fit: Option<FitCurve>,
}

pub fn run<S: Scalar>(ctx: &Context, resolution: usize) -> Result<TrainOutput<S>> {
    let cfg = &ctx.cfg;
    let model = cfg.model()?;
    let mut setup = build::<S>(cfg, model, true)?;
    let plan = cfg.train_plan(cfg.train()?, setup.train.n)?;
    let trajectory = train_setup(cfg, &mut setup, &plan, ctx.quiet);

    let (train_d, test_d) = (&setup.split.train, setup.split.test.as_ref());
    let (mlp, theta) = (&setup.mlp, &setup.theta);
    let regions = (train_d.d() == 2)
        .then(|| RegionGrid::compute(mlp, theta, train_d, test_d, resolution))
        .flatten();
    let fit = (train_d.d() == 1 && mlp.layout.output_width() == 1)
        .then(|| FitCurve::compute(mlp, theta, train_d))
        .flatten();
    let p = mlp.n_params();
    let snapshots = (!trajectory.snapshots.is_empty()
        && trajectory.snapshots.len() * p <= MAX_SNAPSHOT_VALUES)
        .then(|| SnapshotsInfo {
            file: "snapshots.npy".into(),
            count: trajectory.snapshots.len(),
        });
    let last = trajectory.last();
    let first = &trajectory.records[0];
    let report = TrainReport {
        n_params: p,
        n_train: setup.train.n,
        n_test: setup.test.as_ref().map(|t| t.n),
        start: setup.theta_source.clone(),
        last: FinalFit {
            train_loss: last.train_loss,
            train_accuracy: last.train_accuracy,
            test_loss: last.test_loss,
            test_accuracy: last.test_accuracy,
            grad_norm: last.grad_norm,
        },
        initial: InitialFit {
            train_loss: first.train_loss,
            train_accuracy: first.train_accuracy,
        },
        diverged: trajectory.diverged(),
        plateau_at: trajectory.plateau_at,
        divergence: trajectory.divergence.clone(),
        steps: trajectory.steps,
        epochs: last.epoch,
        snapshots,
        decision_regions: regions.as_ref().map(|g| g.info.clone()),
        fitted_curve: fit.is_some(),
        saddle_free: SaddleFreeSummary::of(&trajectory.sfn_steps),
    };
    Ok(TrainOutput {
        report,
        layout: setup.mlp.layout.clone(),
        theta: setup.theta,
        trajectory,
        regions,
        fit,
    })
}

/// Writes the trajectory, the weights, the snapshots, the arrays behind the figures and
/// the figures (titled with the run's `name`).
pub fn write<S: Scalar>(out: &TrainOutput<S>, dir: &RunDir, name: &str) -> Result<()> {
    figures::save_records(dir, "trajectory.csv", &out.trajectory.records)?;
    let sfn = &out.trajectory.sfn_steps;
    if !sfn.is_empty() {
        let rows: Vec<Vec<f64>> = sfn
            .iter()
            .map(|s| vec![s.step as f64, s.hvps as f64, s.lambda_min, s.alpha])
            .collect();
        dir.write_csv(
            "sfn_steps.csv",
            &["step", "hvps", "lambda_min", "alpha"],
            &rows,
        )?;
    }
    dir.save_weights("model.safetensors", &out.layout, &out.theta)?;
    if let Some(info) = &out.report.snapshots {
        let snaps = &out.trajectory.snapshots;
        let flat: Vec<f64> = snaps
            .iter()
            .flat_map(|s| s.theta.iter().map(|v| v.f64()))
            .collect();
        let steps: Vec<f64> = snaps.iter().map(|s| s.step as f64).collect();
        dir.write_npy(&info.file, &flat, &[snaps.len(), out.report.n_params])?;
        dir.write_npy("snapshot_steps.npy", &steps, &[steps.len()])?;
    }
    if let Some(g) = &out.regions {
        g.save(dir, "decision_regions")?;
    }
    if let Some(f) = &out.fit {
        f.save(dir, "fit")?;
    }
    draw(
        dir,
        name,
        &out.trajectory.records,
        out.regions.as_ref(),
        out.fit.as_ref(),
    )
}

/// Redraws the figures of a finished run from its files.
pub fn redraw(report: &TrainReport, dir: &RunDir, name: &str) -> Result<()> {
    let records = figures::load_records(dir, "trajectory.csv")?;
    let regions = match &report.decision_regions {
        Some(info) => Some(RegionGrid::load(dir, "decision_regions", info)?),
        None => None,
    };
    let fit = match report.fitted_curve {
        true => Some(FitCurve::load(dir, "fit")?),
        false => None,
    };
    draw(dir, name, &records, regions.as_ref(), fit.as_ref())
}

fn draw(
    dir: &RunDir,
    name: &str,
    records: &[Record],
    regions: Option<&RegionGrid>,
    fit: Option<&FitCurve>,
) -> Result<()> {
    figures::training_curves(
        &dir.path("training_curves.png"),
        &format!("{name}: training"),
        records,
    )?;
    if let Some(g) = regions {
        g.draw(
            &dir.path("decision_regions.png"),
            &format!("{name}: decision regions"),
        )?;
    }
    if let Some(f) = fit {
        f.draw(&dir.path("fit.png"), &format!("{name}: fit"))?;
    }
    Ok(())
}
