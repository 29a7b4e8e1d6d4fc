//! Kind `slice`: the loss (and accuracy) on a 1-D line or 2-D plane through parameter
//! space around a center, θ(a, b) = θ₀ + a·d_x + b·d_y (Li et al. 2018; Goodfellow et
//! al. 2015 for model-to-model lines).
//!
//! Order of work, so that bad input never touches an output folder and a killed sweep
//! resumes: validate everything and load every input file; fingerprint the resolved
//! config and the input files; if the folder holds a sweep log, check it belongs to this
//! config (else refuse, or start over with `--fresh`); only then write. The center and
//! the directions ([`start`]) are saved before the sweep starts, so a resumed run reads
//! them back instead of training again, and the log holds every finished grid point;
//! the grid is measured by the slice engine ([`crate::landscape::grid::slice_values`]).
//!
//! [`run`] computes the [`SliceReport`] and the value grids (writing only that resumable
//! state); [`write`] saves the grids (`<metric>.npy`, `x.npy`, `y.npy`, the VTK surface,
//! the curvature map) and draws the figures ([`super::slice_figures`]); [`redraw`] draws
//! them again from the saved arrays. With `smoothing`, the Gaussian-smoothed loss at
//! every grid point follows the sweep (module `smoothing`).

mod smoothing;
mod start;

use super::setup::{build, center_kind, rng, Setup};
use super::slice_figures::{self, AxisLabels, Restyle, SliceData, SmoothedGrids, Style};
use super::{resolved_config, Context};
use crate::cluster::{self, Job};
use crate::config::{Center, DirectionKind, LoadedConfig, SliceConfig};
use crate::error::{Error, Result};
use crate::io::hash::{fnv1a64, fnv1a64_extend};
use crate::io::run_dir::RunDir;
use crate::json_num::{nan_if_null, nans_if_null};
use crate::landscape::directions::{self as dirs, Ignore, Normalization};
use crate::landscape::first_layer::FirstLayer;
use crate::landscape::grid::{
    column, grid_points, slice_values, Evaluator, Metric, Plane, PointValues, SweepLog, N_VALUES,
};
use crate::landscape::store::GridStore;
use crate::landscape::Axis;
use crate::nn::{weights, Layout};
use crate::optim::TrainPlan;
use crate::progress::Progress;
use crate::scalar::Scalar;
use crate::seeded::Stream;
use serde::{Deserialize, Serialize};
pub use smoothing::{LocalMinima, SmoothingSummary, DEFAULT_SAMPLES as DEFAULT_SMOOTHING_SAMPLES};
use start::{json_value, save_start, saved_checksum, start, Start};

/// The sweep log's file name inside the run folder.
pub const LOG: &str = "sweep.log";

/// How the center was trained (`training` in the summary, `training.json` in the folder).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainingNote {
    #[serde(deserialize_with = "nan_if_null")]
    pub final_train_loss: f64,
    pub steps: usize,
}

/// The Hessian's extreme eigenvalues at the center (`directions = "hessian"`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HessianEigenvalues {
    #[serde(deserialize_with = "nan_if_null")]
    pub max: f64,
    #[serde(deserialize_with = "nan_if_null")]
    pub min: f64,
    /// Residuals ‖Hv − λv‖ of the top and the bottom pair.
    #[serde(deserialize_with = "nans_if_null")]
    pub residuals: Vec<f64>,
    pub lanczos_steps: usize,
}

/// The curvature map's settings and largest |λmin/λmax|.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CurvatureSummary {
    pub lanczos_steps: usize,
    #[serde(deserialize_with = "nan_if_null")]
    pub max_ratio: f64,
}

/// `summary.json` of a `slice` run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SliceReport {
    pub directions: DirectionKind,
    /// The normalisation and ignored parameters in effect (defaults resolved).
    pub normalization: Normalization,
    pub ignore: Ignore,
    pub center: Center,
    /// Train loss, train accuracy and test loss at the center (0, 0).
    #[serde(deserialize_with = "nan_if_null")]
    pub center_loss: f64,
    #[serde(deserialize_with = "nan_if_null")]
    pub center_accuracy: f64,
    #[serde(deserialize_with = "nan_if_null")]
    pub center_test_loss: f64,
    /// The smallest finite train loss on the grid, and where: [a] or [a, b] (null when
    /// none is finite).
    #[serde(deserialize_with = "nan_if_null")]
    pub min_loss: f64,
    pub min_at: Option<Vec<f64>>,
    /// cos∠(d_x, d_y) of a 2-D slice.
    pub cosine_xy: Option<f64>,
    pub hessian_eigenvalues: Option<HessianEigenvalues>,
    /// PCA: the share of the path's variance along d_x and d_y, and how much of the path
    /// the plane misses.
    pub explained_variance: Option<Vec<f64>>,
    pub projection_error: Option<f64>,
    /// Grid points (all lines), the shape of every `<metric>.npy` ((ny, nx) for 2-D,
    /// (repeat, nx) for repeated 1-D, (nx) otherwise), and the number of lines.
    pub points: usize,
    pub grid: Vec<usize>,
    pub repeat: usize,
    /// Points read back from the sweep log of an interrupted run.
    pub resumed_points: usize,
    pub sweep_seconds: f64,
    pub ms_per_point: f64,
    /// How the grid's first-layer pre-activations were formed: `reuse` (products cached
    /// per plane) or `direct` (see [`crate::landscape::first_layer`]).
    #[serde(default)]
    pub first_layer: FirstLayer,
    pub n_params: usize,
    pub n_train: usize,
    pub n_test: Option<usize>,
    pub training: Option<TrainingNote>,
    /// The config's figure style.
    pub log: bool,
    pub levels: usize,
    /// Present when the curvature map was computed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub curvature: Option<CurvatureSummary>,
    /// The value grids saved as `<metric>.npy` (no test metrics without a test set, no
    /// accuracies for regression). Absent from the summaries of earlier versions.
    #[serde(default)]
    pub metrics: Vec<Metric>,
    /// Present with `smoothing`: the σ's, the draws and the local minima of the raw and
    /// the smoothed train loss (`smoothed_train_loss.npy`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smoothing: Option<SmoothingSummary>,
}

impl SliceReport {
    /// A 2-D slice (a y axis); else one or `repeat` lines.
    pub fn two_d(&self) -> bool {
        self.grid.len() == 2 && self.repeat == 1
    }
}

/// λmax and λmin of the Hessian at every grid point, and |λmin/λmax|, in grid order.
#[derive(Clone, Debug, PartialEq)]
pub struct CurvatureMap {
    pub lambda_max: Vec<f64>,
    pub lambda_min: Vec<f64>,
    pub ratio: Vec<f64>,
}

/// What a slice run computed: the report, the grids behind the figures, and the
/// curvature map when asked for.
pub struct SliceOutput {
    pub report: SliceReport,
    pub data: SliceData,
    pub curvature: Option<CurvatureMap>,
}

fn check_axis(cfg: &LoadedConfig, name: &str, a: &Axis) -> Result<()> {
    let [lo, hi] = a.range;
    if !(lo.is_finite() && hi.is_finite()) || lo >= hi {
        return Err(cfg.err(
            &format!("experiment.{name}.range"),
            format!("needs [min, max] with min < max, got [{lo}, {hi}]"),
        ));
    }
    if a.points < 2 {
        return Err(cfg.err(
            &format!("experiment.{name}.points"),
            format!("needs at least 2 points, got {}", a.points),
        ));
    }
    Ok(())
}

/// Everything about the slice's settings that can be checked before loading data.
pub(super) fn validate(cfg: &LoadedConfig, sc: &SliceConfig, center: Center) -> Result<()> {
    check_axis(cfg, "x", &sc.x)?;
    if let Some(y) = &sc.y {
        check_axis(cfg, "y", y)?;
    }
    validate_direction_inputs(cfg, sc, center)?;
    let two_d = sc.y.is_some();
    if !two_d {
        if sc.dir_y.is_some() || sc.model_y.is_some() {
            return Err(cfg.err(
                "experiment.y",
                "dir_y/model_y given but no y axis: add y = { range = [..], points = N }",
            ));
        }
        if sc.orthogonalize {
            return Err(cfg.err("experiment.orthogonalize", "needs a 2-D slice (a y axis)"));
        }
    }
    if sc.repeat == 0 {
        return Err(cfg.err("experiment.repeat", "must be at least 1"));
    }
    if sc.repeat > 1 && (two_d || sc.directions != DirectionKind::Random) {
        return Err(cfg.err(
            "experiment.repeat",
            "repeated directions are for 1-D slices with directions = \"random\"",
        ));
    }
    if sc.curvature && !two_d {
        return Err(cfg.err("experiment.curvature", "needs a 2-D slice (a y axis)"));
    }
    if sc.curvature && sc.curvature_steps < 2 {
        return Err(cfg.err(
            "experiment.curvature_steps",
            "needs at least 2 Lanczos steps",
        ));
    }
    if sc.levels < 2 {
        return Err(cfg.err("experiment.levels", "needs at least 2 contour levels"));
    }
    smoothing::validate(cfg, sc)
}

/// The files and models each kind of directions needs, and no others.
fn validate_direction_inputs(cfg: &LoadedConfig, sc: &SliceConfig, center: Center) -> Result<()> {
    let two_d = sc.y.is_some();
    let need = |field: &str, v: &Option<String>, why: &str| match v {
        Some(_) => Ok(()),
        None => Err(cfg.err(&format!("experiment.{field}"), format!("missing: {why}"))),
    };
    let unused = |field: &str, v: &Option<String>| match v {
        Some(_) => Err(cfg.err(
            &format!("experiment.{field}"),
            format!(
                "is not used with directions = \"{}\"",
                kind_name(sc.directions)
            ),
        )),
        None => Ok(()),
    };
    match sc.directions {
        DirectionKind::Files => {
            need(
                "dir_x",
                &sc.dir_x,
                "directions = \"files\" needs dir_x (a .npy vector)",
            )?;
            if two_d {
                need(
                    "dir_y",
                    &sc.dir_y,
                    "a 2-D slice with directions = \"files\" needs dir_y",
                )?;
            }
        }
        DirectionKind::Models => {
            need(
                "model_x",
                &sc.model_x,
                "directions = \"models\" needs model_x (a weights file)",
            )?;
            if two_d {
                need(
                    "model_y",
                    &sc.model_y,
                    "a 2-D slice with directions = \"models\" needs model_y",
                )?;
            }
        }
        DirectionKind::Pca => {
            if center != Center::Trained {
                return Err(cfg.err(
                    "experiment.directions",
                    "pca needs a training trajectory: use center = \"trained\" with a [train] table",
                ));
            }
        }
        DirectionKind::Random | DirectionKind::Hessian => {}
    }
    if sc.directions != DirectionKind::Files {
        unused("dir_x", &sc.dir_x)?;
        unused("dir_y", &sc.dir_y)?;
    }
    if sc.directions != DirectionKind::Models {
        unused("model_x", &sc.model_x)?;
        unused("model_y", &sc.model_y)?;
    }
    Ok(())
}

/// The name of a kind of directions, as in the config.
fn kind_name(k: DirectionKind) -> &'static str {
    match k {
        DirectionKind::Random => "random",
        DirectionKind::Files => "files",
        DirectionKind::Models => "models",
        DirectionKind::Pca => "pca",
        DirectionKind::Hessian => "hessian",
    }
}

/// What the sweep is built from, all checked and loaded before any write.
struct Prepared<S> {
    center_kind: Center,
    setup: Setup<S>,
    /// How to train the center (center = trained).
    plan: Option<TrainPlan>,
    normalization: Normalization,
    ignore: Ignore,
    /// The direction inputs: `dir_x`, `dir_y` (.npy), then `model_x`, `model_y`.
    loaded: Vec<Vec<f64>>,
    /// FNV-1a of the resolved config, the effective settings and the inputs.
    config_fingerprint: String,
    x: Vec<f64>,
    y: Option<Vec<f64>>,
    /// Grid points over all lines.
    n_points: usize,
}

impl<S> Prepared<S> {
    fn layout(&self) -> &Layout {
        &self.setup.mlp.layout
    }
}

/// Checks the config, loads the data, the starting weights and every direction input,
/// resolves the default normalisation, and fingerprints all of it.
fn prepare<S: Scalar>(cfg: &LoadedConfig, sc: &SliceConfig) -> Result<Prepared<S>> {
    let model = cfg.model()?;
    let center_kind = center_kind(cfg, model, sc.center)?;
    validate(cfg, sc, center_kind)?;
    let setup = build::<S>(cfg, model, center_kind == Center::Trained)?;
    let plan = match center_kind {
        Center::Trained => Some(cfg.train_plan(cfg.train()?, setup.train.n)?),
        _ => None,
    };
    if sc.directions == DirectionKind::Pca && plan.as_ref().is_some_and(|p| p.snapshot_every == 0) {
        return Err(cfg.err(
            "train.snapshot_every",
            "pca needs parameter snapshots; set snapshot_every ≥ 1",
        ));
    }
    let layout = &setup.mlp.layout;
    let p = layout.n_params();

    // Effective settings (defaults resolved), part of the sweep's fingerprint.
    let normalization = sc.normalization.unwrap_or(match sc.directions {
        DirectionKind::Random | DirectionKind::Files => Normalization::Filter,
        DirectionKind::Models | DirectionKind::Pca | DirectionKind::Hessian => Normalization::None,
    });
    let ignore = sc.ignore.unwrap_or(match sc.directions {
        DirectionKind::Random | DirectionKind::Files => Ignore::Bias,
        DirectionKind::Models | DirectionKind::Pca | DirectionKind::Hessian => Ignore::None,
    });
    // Load every direction input now: wrong lengths or shapes are errors before any write.
    let settings = format!(
        "{center_kind:?} {normalization:?} {ignore:?} losscape {}",
        env!("CARGO_PKG_VERSION")
    );
    let mut fingerprint = fnv1a64(resolved_config(cfg)?.as_bytes());
    fingerprint = fnv1a64_extend(fingerprint, settings.as_bytes());
    let mut loaded: Vec<Vec<f64>> = Vec::new();
    for f in [&sc.dir_x, &sc.dir_y].into_iter().flatten() {
        loaded.push(dirs::load_npy_direction(&cfg.resolve(f), p)?);
    }
    for f in [&sc.model_x, &sc.model_y].into_iter().flatten() {
        loaded.push(weights::load::<f64>(&cfg.resolve(f), layout)?);
    }
    for v in &loaded {
        fingerprint = fnv1a64_extend(fingerprint, &<f64 as Scalar>::to_le_bytes_vec(v));
    }
    let x = sc.x.coords();
    let y = sc.y.as_ref().map(|y| y.coords());
    let n_points = x.len() * y.as_ref().map_or(1, |c| c.len()) * sc.repeat;
    Ok(Prepared {
        center_kind,
        setup,
        plan,
        normalization,
        ignore,
        loaded,
        config_fingerprint: format!("{fingerprint:016x}"),
        x,
        y,
        n_points,
    })
}

/// The grid's values, resuming from the sweep log, and how many points the log held.
struct Swept {
    first_layer: FirstLayer,
    values: Vec<PointValues>,
    resumed: usize,
    seconds: f64,
}

/// Opens the sweep log (fresh for a new sweep; checked against the saved files' checksum
/// when resuming) and measures every point it does not hold yet.
fn sweep<S: Scalar>(
    ctx: &Context,
    prep: &Prepared<S>,
    start: &Start,
    planes: &[Plane],
    eval: &Evaluator<S>,
) -> Result<Swept> {
    let log_path = ctx.out.join(LOG);
    // The path is part of the fingerprint: its rounding differs from the other's.
    let fingerprint = format!(
        "{}-{:016x}-{}",
        prep.config_fingerprint,
        saved_checksum(start)?,
        eval.first_layer().name()
    );
    let (mut store, done) = GridStore::open(
        &log_path,
        &fingerprint,
        prep.n_points,
        N_VALUES,
        !start.resuming,
    )
    .map_err(|e| {
        if start.resuming {
            Error::data(
                &log_path,
                None,
                format!(
                    "the center or the directions saved in {} changed since this sweep \
                     started (their checksum differs from the log's); rerun with --fresh",
                    ctx.out.display()
                ),
            )
        } else {
            e
        }
    })?;
    let resumed = done.iter().filter(|d| d.is_some()).count();
    let progress = Progress::new(prep.n_points as u64, "slice", ctx.quiet);
    let t0 = std::time::Instant::now();
    let log = SweepLog {
        store: &mut store,
        done,
    };
    let values = slice_values(
        eval,
        planes,
        &prep.x,
        prep.y.as_deref(),
        Some(log),
        &progress,
        ctx.job,
    )?;
    let seconds = t0.elapsed().as_secs_f64();
    progress.finish();
    Ok(Swept {
        first_layer: eval.first_layer(),
        values,
        resumed,
        seconds,
    })
}

pub fn run<S: Scalar>(ctx: &Context, sc: &SliceConfig) -> Result<SliceOutput> {
    let cfg = &ctx.cfg;
    let mut prep = prepare::<S>(cfg, sc)?;
    let start = start(ctx, sc, &mut prep)?;
    let dir = ctx.create_dir()?;
    if !start.resuming {
        save_start(&dir, &start, prep.layout())?;
    }
    let d = &start.directions;
    let planes = planes_of(&start.center, &d.x, d.y.as_deref());
    let setup = &prep.setup;
    let eval = Evaluator::new(&setup.mlp, &setup.train, setup.test.as_ref());
    if let Some(job) = ctx.job {
        job.send_all(&SweepInputs {
            center: start.center.clone(),
            x: d.x.clone(),
            y: d.y.clone(),
            first_layer: eval.first_layer(),
        })?;
    }
    let swept = sweep(ctx, &prep, &start, &planes, &eval)?;
    let at_center = eval.measure(&planes[0], 0.0, 0.0);
    let curvature = match sc.curvature {
        true => Some(curvature_map(
            cfg,
            &prep,
            &planes[0],
            sc.curvature_steps,
            ctx.quiet,
            ctx.job,
        )?),
        false => None,
    };
    let smoothed = match sc.smoothing.is_empty() {
        true => None,
        false => Some(smoothing::smooth(
            cfg,
            sc,
            &prep,
            &planes,
            &column(&swept.values, Metric::TrainLoss),
            ctx.quiet,
            ctx.job,
        )?),
    };
    let (smoothing, smoothed) = smoothed.unzip();
    let mut report = report(sc, &prep, &start, &swept, at_center, curvature.as_ref());
    report.smoothing = smoothing;
    let data = SliceData {
        grids: report
            .metrics
            .iter()
            .map(|&m| (m, column(&swept.values, m)))
            .collect(),
        x: prep.x,
        y: prep.y,
        path: start.directions.pca.as_ref().map(|p| p.coords.clone()),
        curvature_ratio: curvature.as_ref().map(|c| c.ratio.clone()),
        smoothed,
    };
    Ok(SliceOutput {
        report,
        data,
        curvature,
    })
}

/// The report of a finished sweep.
fn report<S: Scalar>(
    sc: &SliceConfig,
    prep: &Prepared<S>,
    start: &Start,
    swept: &Swept,
    at_center: PointValues,
    curvature: Option<&CurvatureMap>,
) -> SliceReport {
    let setup = &prep.setup;
    let ny = prep.y.as_ref().map_or(1, |c| c.len());
    let nx = prep.x.len();
    let grid = match (&prep.y, sc.repeat) {
        (Some(_), _) => vec![ny, nx],
        (None, 1) => vec![nx],
        (None, lines) => vec![lines, nx],
    };
    let coords = grid_points(sc.repeat, &prep.x, prep.y.as_deref());
    let (mut min_loss, mut min_at) = (f64::NAN, None);
    for (v, &(_, a, b)) in swept.values.iter().zip(&coords) {
        let l = v.train_loss;
        if l.is_finite() && (min_loss.is_nan() || l < min_loss) {
            min_loss = l;
            min_at = Some(match prep.y {
                Some(_) => vec![a, b],
                None => vec![a],
            });
        }
    }
    let d = &start.directions;
    let n = prep.n_points;
    let measured = n - swept.resumed;
    SliceReport {
        directions: sc.directions,
        normalization: prep.normalization,
        ignore: prep.ignore,
        center: prep.center_kind,
        center_loss: at_center.train_loss,
        center_accuracy: at_center.train_accuracy,
        center_test_loss: at_center.test_loss,
        min_loss,
        min_at,
        cosine_xy: d.y.as_ref().map(|y| crate::linalg::cosine(&d.x[0], y)),
        hessian_eigenvalues: start.hessian.as_ref().map(|h| h.eigenvalues.clone()),
        explained_variance: d
            .pca
            .as_ref()
            .map(|p| p.note.explained_variance_ratio.clone()),
        projection_error: d.pca.as_ref().map(|p| p.note.projection_error),
        points: n,
        grid,
        repeat: sc.repeat,
        resumed_points: swept.resumed,
        sweep_seconds: swept.seconds,
        ms_per_point: match measured {
            0 => 0.0,
            m => swept.seconds * 1e3 / m as f64,
        },
        first_layer: swept.first_layer,
        n_params: setup.mlp.n_params(),
        n_train: setup.train.n,
        n_test: setup.test.as_ref().map(|t| t.n),
        training: start.training.clone(),
        log: sc.log,
        levels: sc.levels,
        curvature: curvature.map(|c| CurvatureSummary {
            lanczos_steps: sc.curvature_steps.min(setup.mlp.n_params()),
            max_ratio: c
                .ratio
                .iter()
                .cloned()
                .filter(|v| v.is_finite())
                .fold(f64::NAN, f64::max),
        }),
        metrics: Metric::available(setup.test.is_some(), setup.train.has_labels()),
        smoothing: None,
    }
}

/// `hessian.json` of a run with `directions = "hessian"`.
#[derive(Serialize)]
struct HessianFile<'a> {
    lambda_max: f64,
    lambda_min: f64,
    lanczos_steps: usize,
    residuals: &'a [f64],
}

/// Saves the value grids (`<metric>.npy`, `x.npy`, `y.npy`), the VTK surface of a 2-D
/// slice, the curvature map and `hessian.json`, then draws the figures.
pub fn write(out: &SliceOutput, dir: &RunDir) -> Result<()> {
    let (r, d) = (&out.report, &out.data);
    for (m, values) in &d.grids {
        dir.write_npy(&format!("{}.npy", m.name()), values, &r.grid)?;
    }
    dir.write_npy("x.npy", &d.x, &[d.x.len()])?;
    if let Some(y) = &d.y {
        dir.write_npy("y.npy", y, &[y.len()])?;
        let refs: Vec<(&str, &[f64])> = d
            .grids
            .iter()
            .map(|(m, v)| (m.name(), v.as_slice()))
            .collect();
        let z = d.grid(Metric::TrainLoss).unwrap_or(&[]);
        dir.write_text(
            "train_loss.vtp",
            &crate::io::vtp::surface_vtp(&d.x, y, z, &refs),
        )?;
    }
    if let Some(h) = &r.hessian_eigenvalues {
        let file = HessianFile {
            lambda_max: h.max,
            lambda_min: h.min,
            lanczos_steps: h.lanczos_steps,
            residuals: &h.residuals,
        };
        dir.write_json("hessian.json", &json_value(&file, "hessian.json")?)?;
    }
    if let Some(c) = &out.curvature {
        dir.write_npy("lambda_max.npy", &c.lambda_max, &r.grid)?;
        dir.write_npy("lambda_min.npy", &c.lambda_min, &r.grid)?;
        dir.write_npy("curvature_ratio.npy", &c.ratio, &r.grid)?;
    }
    if let Some(s) = &d.smoothed {
        let shape: Vec<usize> = [s.sigmas.len()].into_iter().chain(r.grid.clone()).collect();
        dir.write_npy(SMOOTHED, &s.loss, &shape)?;
        dir.write_npy(SMOOTHED_STDERR, &s.stderr, &shape)?;
    }
    slice_figures::draw(dir, d, &axis_labels(r), &Style::of_run(r.log, r.levels))
}

/// The smoothed train loss and its Monte Carlo standard error, shape (nσ, …grid).
const SMOOTHED: &str = "smoothed_train_loss.npy";
const SMOOTHED_STDERR: &str = "smoothed_train_loss_stderr.npy";

/// Redraws the figures of a finished run from its saved grids, with the run's style
/// changed by `restyle` (the `losscape plot` flags).
pub fn redraw(report: &SliceReport, dir: &RunDir, restyle: &Restyle) -> Result<()> {
    let data = load(report, dir)?;
    let style = restyle.over(Style::of_run(report.log, report.levels));
    slice_figures::draw(dir, &data, &axis_labels(report), &style)
}

/// The grids, coordinates, path and curvature map a finished run saved.
pub fn load(report: &SliceReport, dir: &RunDir) -> Result<SliceData> {
    let grid: Vec<Option<usize>> = report.grid.iter().map(|&n| Some(n)).collect();
    let two_d = report.two_d();
    let nx = report.grid.last().copied();
    let (x, _) = dir.read_npy("x.npy", &[nx])?;
    let y = match two_d {
        true => Some(dir.read_npy("y.npy", &[Some(report.grid[0])])?.0),
        false => None,
    };
    let file = |m: Metric| format!("{}.npy", m.name());
    let metrics = match report.metrics.is_empty() {
        // A run of a version that did not list them: the grids it saved.
        true => Metric::ALL
            .into_iter()
            .filter(|&m| dir.path(&file(m)).is_file())
            .collect(),
        false => report.metrics.clone(),
    };
    let mut grids = Vec::with_capacity(metrics.len());
    for m in metrics {
        grids.push((m, dir.read_npy(&file(m), &grid)?.0));
    }
    let path = match (report.directions, two_d) {
        (DirectionKind::Pca, true) => {
            let (flat, _) = dir.read_npy("path.npy", &[None, Some(2)])?;
            Some(flat.chunks_exact(2).map(|c| (c[0], c[1])).collect())
        }
        _ => None,
    };
    let curvature_ratio = match &report.curvature {
        Some(_) => Some(dir.read_npy("curvature_ratio.npy", &grid)?.0),
        None => None,
    };
    let smoothed = match &report.smoothing {
        Some(s) => {
            let shape: Vec<Option<usize>> = [Some(s.sigmas.len())]
                .into_iter()
                .chain(grid.iter().copied())
                .collect();
            Some(SmoothedGrids {
                sigmas: s.sigmas.clone(),
                loss: dir.read_npy(SMOOTHED, &shape)?.0,
                stderr: dir.read_npy(SMOOTHED_STDERR, &shape)?.0,
            })
        }
        None => None,
    };
    Ok(SliceData {
        x,
        y,
        grids,
        path,
        curvature_ratio,
        smoothed,
    })
}

/// Axis labels: what a unit step along each direction means.
pub fn axis_labels(r: &SliceReport) -> AxisLabels {
    let (x, y) = match r.directions {
        DirectionKind::Pca => {
            let pct = |i: usize| {
                r.explained_variance
                    .as_ref()
                    .and_then(|v| v.get(i))
                    .map_or(f64::NAN, |v| v * 100.0)
            };
            (
                format!("PC1 ({:.1} % of variance)", pct(0)),
                format!("PC2 ({:.1} % of variance)", pct(1)),
            )
        }
        DirectionKind::Models => ("α toward model_x".into(), "β toward model_y".into()),
        DirectionKind::Hessian => {
            let (max, min) = r
                .hessian_eigenvalues
                .as_ref()
                .map_or((f64::NAN, f64::NAN), |h| (h.max, h.min));
            (
                format!("top eigenvector, λ = {max:.4}"),
                format!("bottom eigenvector, λ = {min:.4}"),
            )
        }
        DirectionKind::Random | DirectionKind::Files => {
            let (d, n) = (kind_name(r.directions), normalization_name(r.normalization));
            (
                format!("x ({d} direction, {n}-normalised)"),
                format!("y ({d} direction, {n}-normalised)"),
            )
        }
    };
    AxisLabels { x, y }
}

/// The name of a normalisation, as in the config.
fn normalization_name(n: Normalization) -> &'static str {
    match n {
        Normalization::Filter => "filter",
        Normalization::Layer => "layer",
        Normalization::Weight => "weight",
        Normalization::None => "none",
    }
}

/// λmax and λmin of the training loss's Hessian at every point of `plane`'s grid (f64,
/// Lanczos with `steps` steps from a start vector seeded per point), and |λmin/λmax|.
fn curvature_map<S: Scalar>(
    cfg: &LoadedConfig,
    prep: &Prepared<S>,
    plane: &Plane,
    steps: usize,
    quiet: bool,
    job: Option<&Job>,
) -> Result<CurvatureMap> {
    use crate::curvature::{extreme_pairs, ObjectiveHessian};
    let setup = &prep.setup;
    let data = setup.train_f64(cfg)?;
    let p = setup.mlp.n_params();
    let coords = grid_points(1, &prep.x, prep.y.as_deref());
    let progress = Progress::new(coords.len() as u64, "curvature", quiet);
    let at_point = |i: usize| -> Result<(f64, f64)> {
        // One objective (and buffer pool) per point: the points run in parallel.
        let obj = crate::objective::MlpObjective::new(&setup.mlp, &data);
        let mut theta = vec![0.0f64; p];
        let (_, a, b) = coords[i];
        plane.point(a, b, &mut theta);
        let op = ObjectiveHessian::new(&obj, &theta);
        let (top, bottom) = extreme_pairs(
            &op,
            steps,
            1e-6,
            &mut rng(cfg.config.seed, Stream::CurvaturePoint(i as u64)),
        );
        Ok((top.value, bottom.value))
    };
    let mut pairs = vec![(f64::NAN, f64::NAN); coords.len()];
    let all: Vec<usize> = (0..coords.len()).collect();
    cluster::job::each(job, &all, at_point, |i, pair| {
        pairs[i] = pair;
        progress.inc(1);
        Ok(())
    })?;
    progress.finish();
    let (lambda_max, lambda_min): (Vec<f64>, Vec<f64>) = pairs.into_iter().unzip();
    let ratio = lambda_max
        .iter()
        .zip(&lambda_min)
        .map(|(hi, lo)| (lo / hi).abs())
        .collect();
    Ok(CurvatureMap {
        lambda_max,
        lambda_min,
        ratio,
    })
}

/// What rank 0 sends the other ranks of a job before the sweep: the center, the
/// directions and how the first layer is formed, so every rank measures the same grid.
#[derive(Serialize, Deserialize)]
struct SweepInputs {
    center: Vec<f64>,
    x: Vec<Vec<f64>>,
    y: Option<Vec<f64>>,
    first_layer: FirstLayer,
}

/// The planes of a sweep: one per x direction, through `center`.
fn planes_of<'a>(center: &'a [f64], x: &'a [Vec<f64>], y: Option<&'a [f64]>) -> Vec<Plane<'a>> {
    x.iter().map(|dx| Plane { center, dx, dy: y }).collect()
}

/// A rank other than 0 of a job: loads the data and every input file as rank 0 does,
/// takes the center and directions from rank 0, and measures its share of the grid and
/// of the curvature map.
pub fn work<S: Scalar>(cfg: &LoadedConfig, sc: &SliceConfig, job: &Job) -> Result<()> {
    let prep = prepare::<S>(cfg, sc)?;
    let inputs: SweepInputs = job.receive()?;
    let planes = planes_of(&inputs.center, &inputs.x, inputs.y.as_deref());
    let setup = &prep.setup;
    let eval = Evaluator::new(&setup.mlp, &setup.train, setup.test.as_ref())
        .with_first_layer(inputs.first_layer);
    let coords = grid_points(planes.len(), &prep.x, prep.y.as_deref());
    eval.work_sweep(job, &planes, &coords)?;
    if sc.curvature {
        curvature_map(cfg, &prep, &planes[0], sc.curvature_steps, true, Some(job))?;
    }
    if !sc.smoothing.is_empty() {
        smoothing::work(cfg, sc, &prep, &planes, job)?;
    }
    Ok(())
}
