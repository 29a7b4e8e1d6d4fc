//! Kind `saddles`: where does a net's loss have critical points, and of what kind?
//!
//! - Search: from `starts` random initialisations (the model's init drawn from
//!   independent streams, times `init_scale`) and `trajectory_starts` points evenly
//!   along the `[train]` run, [`crate::critical::search`] drives ‖∇L‖ to zero
//!   (Newton-MR on ½‖∇L‖²), in f64, all starts in parallel.
//! - Each end point is measured and classified as in kind `hessian`
//!   ([`crate::critical::report`]): loss, index, λmin, λmax, minimum / saddle /
//!   degenerate / not critical. Converged points are saved as weights, so a slice or
//!   a `hessian` run can be centred on any of them.
//! - Along the `[train]` run, every `track_every` steps: loss, ‖∇L‖, λmax and λmin;
//!   runs of points with ‖∇L‖ ≤ visit_grad_frac·max‖∇L‖ and λmin clearly negative are
//!   reported as saddle visits (the plateaus of Dauphin et al. 2014)
//!   ([`super::saddles_track`]).
//!
//! `run` computes the [`SaddlesReport`] and the arrays behind the figures
//! ([`SaddlesOutput`]); `write` saves the weights of the converged points
//! (`critical/NN.safetensors`), the arrays and the figures ([`super::saddles_figures`],
//! [`super::saddles_track`]); `redraw` draws the same figures again from
//! `summary.json` and the arrays.

use super::hessian::validate as validate_spectrum;
use super::saddles_figures::{self as figures, LowestSpectra};
use super::saddles_track::{track_curvature, CurvatureAlongRun, TrackReport};
use super::setup::{build, planned_steps, train_setup};
use super::Context;
use crate::cluster::job::{each, Job};
use crate::config::{LoadedConfig, ModelConfig, SaddlesConfig, TrainConfig};
use crate::critical::{
    analyse, find_critical_point, PointClass, SearchResult, SearchSettings, SearchStatus,
    SpectrumReport, SpectrumSettings, SpectrumSummary,
};
use crate::curvature::ObjectiveHessian;
use crate::error::Result;
use crate::io::run_dir::RunDir;
use crate::json_num::nan_if_null;
use crate::nn::Samples;
use crate::nn::{Layout, Mlp};
use crate::objective::MlpObjective;
use crate::optim::{TrainPlan, Trajectory};
use crate::progress::Progress;
use crate::scalar::Scalar;
use crate::seeded::{rng, Stream};
use serde::{Deserialize, Serialize};

/// Tracked points over a run when `track_every` is not given.
const TRACK_POINTS: usize = 100;

pub(super) fn validate(cfg: &LoadedConfig, sc: &SaddlesConfig, has_train: bool) -> Result<usize> {
    let bad = |field: &str, msg: String| Err(cfg.err(&format!("experiment.{field}"), msg));
    let trajectory = sc
        .trajectory_starts
        .unwrap_or(if has_train { 10 } else { 0 });
    if !has_train && trajectory > 0 {
        return bad(
            "trajectory_starts",
            format!("{trajectory} starts along the training run need a [train] table"),
        );
    }
    if !has_train && sc.track_every.is_some_and(|t| t > 0) {
        return bad("track_every", "tracking needs a [train] table".into());
    }
    if sc.starts + trajectory == 0 {
        return bad(
            "starts",
            "no starts: give starts or trajectory_starts of at least 1".into(),
        );
    }
    for (field, v) in [
        ("init_scale", sc.init_scale),
        ("search_tol", sc.search_tol),
        ("max_norm", sc.max_norm),
    ] {
        if !(v.is_finite() && v > 0.0) {
            return bad(field, format!("must be a positive number, got {v}"));
        }
    }
    for (field, v) in [
        ("inner_tol", sc.inner_tol),
        ("visit_grad_frac", sc.visit_grad_frac),
    ] {
        if !(v > 0.0 && v <= 1.0) {
            return bad(field, format!("must be in (0, 1], got {v}"));
        }
    }
    for (field, v) in [("max_iter", sc.max_iter), ("inner_steps", sc.inner_steps)] {
        if v == 0 {
            return bad(field, "must be at least 1".into());
        }
    }
    if sc.hessian.center.is_some() {
        return bad(
            "hessian.center",
            "does not apply: the points measured are the critical points found".into(),
        );
    }
    Ok(trajectory)
}

/// Where a search started.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StartOrigin {
    /// A random initialisation.
    Init,
    /// A point of the `[train]` run.
    Trajectory,
}

/// One search of a `saddles` run: where it started, how it went, and the spectrum at
/// its end point.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CriticalPointReport {
    pub start: StartOrigin,
    /// The stream index of a random start, or the training step of a trajectory start.
    pub start_at: usize,
    pub status: SearchStatus,
    pub iterations: usize,
    pub search_hvps: usize,
    pub search_gradients: usize,
    #[serde(deserialize_with = "nan_if_null")]
    pub loss: f64,
    #[serde(deserialize_with = "nan_if_null")]
    pub grad_norm: f64,
    #[serde(deserialize_with = "nan_if_null")]
    pub eigenvalue_max: f64,
    /// The end point's weights file (`critical/NN.safetensors`), when converged.
    pub weights: Option<String>,
    #[serde(flatten)]
    pub spectrum: SpectrumSummary,
}

/// How many end points fell in each [`PointClass`] (every class present, 0 or not).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassCounts {
    pub minimum: usize,
    pub saddle: usize,
    pub degenerate: usize,
    pub not_critical: usize,
}

impl ClassCounts {
    /// The counts of `classes`.
    pub fn of(classes: impl IntoIterator<Item = PointClass>) -> ClassCounts {
        let mut counts = ClassCounts::default();
        for c in classes {
            *counts.slot(c) += 1;
        }
        counts
    }

    /// The count of `class`.
    pub fn get(&self, class: PointClass) -> usize {
        match class {
            PointClass::Minimum => self.minimum,
            PointClass::Saddle => self.saddle,
            PointClass::Degenerate => self.degenerate,
            PointClass::NotCritical => self.not_critical,
        }
    }

    /// The total over every class.
    pub fn total(&self) -> usize {
        PointClass::ALL.iter().map(|&c| self.get(c)).sum()
    }

    fn slot(&mut self, class: PointClass) -> &mut usize {
        match class {
            PointClass::Minimum => &mut self.minimum,
            PointClass::Saddle => &mut self.saddle,
            PointClass::Degenerate => &mut self.degenerate,
            PointClass::NotCritical => &mut self.not_critical,
        }
    }
}

/// The spectrum solver settings every point was measured with.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SpectrumSolver {
    pub exact: bool,
    pub k: usize,
    pub lanczos_steps: usize,
    pub tol: f64,
    pub index_tol: f64,
    pub grad_tol: f64,
}

/// The critical points whose spectra the figures show (indices into
/// `critical_points`): the lowest-loss minimum (else the lowest-loss degenerate point)
/// and the lowest-loss saddle.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LowestPoints {
    pub minimum: Option<usize>,
    pub saddle: Option<usize>,
}

/// `summary.json` of a `saddles` run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SaddlesReport {
    pub n_params: usize,
    /// One per start: the random starts, then the trajectory starts.
    pub critical_points: Vec<CriticalPointReport>,
    pub counts: ClassCounts,
    /// Searches that reached ‖∇L‖ ≤ search tol.
    pub converged: usize,
    /// Pearson's correlation of index and loss over the points that are critical.
    #[serde(deserialize_with = "nan_if_null")]
    pub loss_index_pearson: f64,
    pub search: SearchSettings,
    pub spectrum: SpectrumSolver,
    /// The curvature along the `[train]` run, when tracked.
    pub track: Option<TrackReport>,
    pub final_train_loss: Option<f64>,
    /// HVPs of the searches, the spectra and the tracking.
    pub hvp_count: usize,
    /// Always "f64": searches and curvature run in f64 whatever the run's dtype.
    pub precision: String,
    /// Which points the spectrum figures show.
    #[serde(default)]
    pub lowest: LowestPoints,
}

impl SaddlesReport {
    /// Whether the spectra were exact, so that `spectra.png` shows every eigenvalue of
    /// the lowest points (else `density_*.png` show their estimated densities).
    pub fn exact_spectra(&self) -> bool {
        self.critical_points
            .first()
            .is_some_and(|p| p.spectrum.exact)
    }
}

/// What a saddles run computed: the report, and what its files are made from.
pub struct SaddlesOutput {
    pub report: SaddlesReport,
    pub layout: Layout,
    /// The end point of every search, in the order of `report.critical_points`.
    pub end_points: Vec<Vec<f64>>,
    /// ‖∇L‖ at every iteration of every search, NaN after a search's last iteration.
    pub histories: Vec<Vec<f64>>,
    pub spectra: LowestSpectra,
    pub track: Option<CurvatureAlongRun>,
}

/// Where a search starts.
struct Start {
    origin: StartOrigin,
    at: usize,
    theta: Vec<f64>,
}

/// The curvature along the run, its report, and the HVPs spent on it.
struct Tracked {
    curvature: CurvatureAlongRun,
    report: TrackReport,
    hvps: usize,
}

/// One search and the spectrum at its end point.
struct Found {
    origin: StartOrigin,
    at: usize,
    search: SearchResult,
    report: SpectrumReport,
}

pub fn run<S: Scalar>(ctx: &Context, sc: &SaddlesConfig) -> Result<SaddlesOutput> {
    let cfg = &ctx.cfg;
    let model = cfg.model()?;
    let train_cfg: Option<&TrainConfig> = cfg.config.train.as_ref();
    let n_trajectory = validate(cfg, sc, train_cfg.is_some())?;
    validate_spectrum(cfg, &sc.hessian, "experiment.hessian")?;
    let mut setup = build::<S>(cfg, model, train_cfg.is_some())?;
    let spectrum = sc.hessian.spectrum_settings(setup.mlp.n_params());
    let search = search_settings(sc);
    let seed = cfg.config.seed;
    let plan = match train_cfg {
        Some(t) => Some(tracking_plan(cfg, t, sc, setup.train.n)?),
        None => None,
    };
    let trajectory: Option<Trajectory<S>> = plan
        .as_ref()
        .map(|plan| train_setup(cfg, &mut setup, plan, ctx.quiet));
    let data = setup.train_f64(cfg)?;
    let mlp = &setup.mlp;
    let starts = starts(mlp, model, sc, seed, n_trajectory, trajectory.as_ref());
    let found = search_all(
        mlp,
        &data,
        starts,
        (&search, &spectrum),
        seed,
        ctx.quiet,
        ctx.job,
    )?;
    let track = match (&trajectory, &plan) {
        (Some(traj), Some(plan)) if sc.track_every != Some(0) => {
            let (curvature, hvps) = track_curvature(mlp, &data, traj, &spectrum, seed, ctx.quiet);
            let report =
                curvature.report(plan.record_every, sc.visit_grad_frac, spectrum.index_tol);
            Some(Tracked {
                curvature,
                report,
                hvps,
            })
        }
        _ => None,
    };
    let final_train_loss = trajectory.as_ref().map(|t| t.last().train_loss);
    Ok(summarise(
        mlp,
        found,
        track,
        search,
        &spectrum,
        final_train_loss,
    ))
}

fn search_settings(sc: &SaddlesConfig) -> SearchSettings {
    SearchSettings {
        method: sc.method,
        max_iter: sc.max_iter,
        tol: sc.search_tol,
        inner_steps: sc.inner_steps,
        inner_rtol: sc.inner_tol,
        max_norm: sc.max_norm,
    }
}

/// The `[train]` plan, recording (and snapshotting) every `track_every` steps, or about
/// [`TRACK_POINTS`] times over the run.
fn tracking_plan(
    cfg: &LoadedConfig,
    t: &TrainConfig,
    sc: &SaddlesConfig,
    n: usize,
) -> Result<TrainPlan> {
    let mut plan = cfg.train_plan(t, n)?;
    let steps = planned_steps(&plan, n);
    plan.record_every = match sc.track_every {
        Some(e) if e > 0 => e,
        _ => (steps / TRACK_POINTS).max(1),
    };
    plan.snapshot_every = 1;
    Ok(plan)
}

/// The random initialisations, then `n_trajectory` snapshots evenly along the run.
fn starts<S: Scalar>(
    mlp: &Mlp,
    model: &ModelConfig,
    sc: &SaddlesConfig,
    seed: u64,
    n_trajectory: usize,
    trajectory: Option<&Trajectory<S>>,
) -> Vec<Start> {
    let mut starts: Vec<Start> = (0..sc.starts)
        .map(|i| {
            let theta: Vec<f64> = model
                .init
                .theta(&mlp.layout, &mut rng(seed, Stream::SaddleStart(i as u64)));
            Start {
                origin: StartOrigin::Init,
                at: i,
                theta: theta.iter().map(|v| v * sc.init_scale).collect(),
            }
        })
        .collect();
    if let Some(traj) = trajectory {
        let snaps = &traj.snapshots;
        let m = n_trajectory.min(snaps.len());
        for j in 0..m {
            let k = if m == 1 {
                snaps.len() - 1
            } else {
                (j * (snaps.len() - 1) + (m - 1) / 2) / (m - 1)
            };
            starts.push(Start {
                origin: StartOrigin::Trajectory,
                at: snaps[k].step,
                theta: snaps[k].theta.iter().map(|v| v.f64()).collect(),
            });
        }
    }
    starts
}

/// Searches from every start in parallel, and measures each end point. In a `job`, the
/// starts are shared among the ranks (see [`work`]).
fn search_all(
    mlp: &Mlp,
    data: &Samples<f64>,
    starts: Vec<Start>,
    (search, spectrum): (&SearchSettings, &SpectrumSettings),
    seed: u64,
    quiet: bool,
    job: Option<&Job>,
) -> Result<Vec<Found>> {
    let thetas: Vec<Vec<f64>> = starts.iter().map(|s| s.theta.clone()).collect();
    if let Some(job) = job {
        job.send_all(&thetas)?;
    }
    let progress = Progress::new(starts.len() as u64, "search", quiet);
    let mut found: Vec<Option<Found>> = starts.iter().map(|_| None).collect();
    let all: Vec<usize> = (0..starts.len()).collect();
    let at_start = |i: usize| {
        Ok(search_from(
            mlp,
            data,
            &thetas[i],
            (search, spectrum),
            seed,
            i,
        ))
    };
    each(job, &all, at_start, |i, (search, report)| {
        found[i] = Some(Found {
            origin: starts[i].origin,
            at: starts[i].at,
            search,
            report,
        });
        progress.inc(1);
        Ok(())
    })?;
    progress.finish();
    Ok(found
        .into_iter()
        .map(|f| f.expect("every start searched"))
        .collect())
}

/// One search from start `i` at `theta` and the spectrum at its end point.
fn search_from(
    mlp: &Mlp,
    data: &Samples<f64>,
    theta: &[f64],
    (search, spectrum): (&SearchSettings, &SpectrumSettings),
    seed: u64,
    i: usize,
) -> (SearchResult, SpectrumReport) {
    let obj = MlpObjective::new(mlp, data);
    let result = find_critical_point(&obj, theta, search);
    let h = ObjectiveHessian::new(&obj, &result.theta);
    let report = analyse(&h, result.grad_norm, spectrum, seed.wrapping_add(i as u64));
    (result, report)
}

/// A rank other than 0 of a job: loads the data as rank 0 does, takes the starts from
/// rank 0 (some are points of its training run), and searches from its share of them.
pub fn work<S: Scalar>(cfg: &LoadedConfig, sc: &SaddlesConfig, job: &Job) -> Result<()> {
    let model = cfg.model()?;
    let setup = build::<S>(cfg, model, cfg.config.train.is_some())?;
    let spectrum = sc.hessian.spectrum_settings(setup.mlp.n_params());
    let search = search_settings(sc);
    let data = setup.train_f64(cfg)?;
    let thetas: Vec<Vec<f64>> = job.receive()?;
    let at_start = |i: usize| {
        let found = search_from(
            &setup.mlp,
            &data,
            &thetas[i],
            (&search, &spectrum),
            cfg.config.seed,
            i,
        );
        Ok(found)
    };
    each(Some(job), &[], at_start, |_, _| Ok(()))
}

/// The report and the arrays of the searches and the tracking.
fn summarise(
    mlp: &Mlp,
    found: Vec<Found>,
    track: Option<Tracked>,
    search: SearchSettings,
    spectrum: &SpectrumSettings,
    final_train_loss: Option<f64>,
) -> SaddlesOutput {
    let critical: Vec<&Found> = found
        .iter()
        .filter(|f| f.report.classification != PointClass::NotCritical)
        .collect();
    let lowest = |keep: &dyn Fn(PointClass) -> bool| {
        found
            .iter()
            .enumerate()
            .filter(|(_, f)| keep(f.report.classification))
            .min_by(|a, b| a.1.search.loss.total_cmp(&b.1.search.loss))
            .map(|(i, _)| i)
    };
    let lowest = LowestPoints {
        minimum: lowest(&|c| c == PointClass::Minimum)
            .or_else(|| lowest(&|c| c == PointClass::Degenerate)),
        saddle: lowest(&|c| c == PointClass::Saddle),
    };
    let report_of = |i: Option<usize>| i.map(|i| &found[i].report);
    let exact = found.first().is_some_and(|f| f.report.exact());
    let spectra = LowestSpectra::of(exact, report_of(lowest.minimum), report_of(lowest.saddle));
    let hvp_count = found
        .iter()
        .map(|f| f.search.hvps + f.report.hvps)
        .sum::<usize>()
        + track.as_ref().map_or(0, |t| t.hvps);
    let report = SaddlesReport {
        n_params: mlp.n_params(),
        critical_points: found.iter().enumerate().map(point_report).collect(),
        counts: ClassCounts::of(found.iter().map(|f| f.report.classification)),
        converged: found
            .iter()
            .filter(|f| f.search.status == SearchStatus::Converged)
            .count(),
        loss_index_pearson: pearson(
            &critical.iter().map(|f| f.report.index).collect::<Vec<_>>(),
            &critical.iter().map(|f| f.search.loss).collect::<Vec<_>>(),
        ),
        search,
        spectrum: SpectrumSolver {
            exact: spectrum.exact,
            k: spectrum.k,
            lanczos_steps: spectrum.lanczos_steps,
            tol: spectrum.tol,
            index_tol: spectrum.index_tol,
            grad_tol: spectrum.grad_tol,
        },
        track: track.as_ref().map(|t| t.report.clone()),
        final_train_loss,
        hvp_count,
        precision: "f64".into(),
        lowest,
    };
    SaddlesOutput {
        report,
        layout: mlp.layout.clone(),
        histories: figures::padded(found.iter().map(|f| f.search.history.as_slice())),
        end_points: found.into_iter().map(|f| f.search.theta).collect(),
        spectra,
        track: track.map(|t| t.curvature),
    }
}

/// The summary of search `i`; a converged end point is saved as `critical/NN.safetensors`.
fn point_report((i, f): (usize, &Found)) -> CriticalPointReport {
    CriticalPointReport {
        start: f.origin,
        start_at: f.at,
        status: f.search.status,
        iterations: f.search.iterations,
        search_hvps: f.search.hvps,
        search_gradients: f.search.gradients,
        loss: f.search.loss,
        grad_norm: f.search.grad_norm,
        eigenvalue_max: f.report.lambda_max(),
        weights: (f.search.status == SearchStatus::Converged)
            .then(|| format!("critical/{i:02}.safetensors")),
        spectrum: f.report.summary(),
    }
}

/// Pearson's correlation of x and y (NaN with fewer than 2 points or no spread).
fn pearson(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len() as f64;
    if x.len() < 2 {
        return f64::NAN;
    }
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let cov: f64 = x.iter().zip(y).map(|(a, b)| (a - mx) * (b - my)).sum();
    let vx: f64 = x.iter().map(|a| (a - mx).powi(2)).sum();
    let vy: f64 = y.iter().map(|b| (b - my).powi(2)).sum();
    cov / (vx * vy).sqrt()
}

/// Writes the weights of the converged points, the arrays behind the figures, and the
/// figures.
pub fn write(out: &SaddlesOutput, dir: &RunDir) -> Result<()> {
    for (point, theta) in out.report.critical_points.iter().zip(&out.end_points) {
        if let Some(name) = &point.weights {
            dir.save_weights(name, &out.layout, theta)?;
        }
    }
    figures::save_histories(dir, &out.histories)?;
    out.spectra.save(dir)?;
    if let Some(t) = &out.track {
        t.save(dir)?;
    }
    draw(
        &out.report,
        dir,
        &out.histories,
        &out.spectra,
        out.track.as_ref(),
    )
}

/// Redraws the figures of a finished run from `summary.json` and the saved arrays.
pub fn redraw(report: &SaddlesReport, dir: &RunDir) -> Result<()> {
    let histories = figures::load_histories(dir, report.critical_points.len())?;
    let spectra = LowestSpectra::load(report, dir)?;
    let track = match &report.track {
        Some(t) => Some(CurvatureAlongRun::load(dir, t.points)?),
        None => None,
    };
    draw(report, dir, &histories, &spectra, track.as_ref())
}

fn draw(
    report: &SaddlesReport,
    dir: &RunDir,
    histories: &[Vec<f64>],
    spectra: &LowestSpectra,
    track: Option<&CurvatureAlongRun>,
) -> Result<()> {
    figures::draw_points(dir, report, histories)?;
    spectra.draw(report, dir)?;
    if let (Some(curvature), Some(t)) = (track, &report.track) {
        curvature.draw(dir, &t.saddle_visits)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn pearson_of_lines_and_degenerate_input() {
        assert!((pearson(&[0.0, 1.0, 2.0], &[1.0, 3.0, 5.0]) - 1.0).abs() < 1e-12);
        assert!((pearson(&[0.0, 1.0, 2.0], &[5.0, 3.0, 1.0]) + 1.0).abs() < 1e-12);
        assert!(pearson(&[1.0], &[2.0]).is_nan());
    }

    #[test]
    fn class_counts_are_keyed_by_the_class_names() {
        use PointClass::*;
        let counts = ClassCounts::of([Saddle, Minimum, Saddle, NotCritical, Saddle]);
        let json = serde_json::to_value(counts).unwrap();
        // One key per class, named as the class is in summary.json.
        let keys: BTreeSet<&str> = json
            .as_object()
            .unwrap()
            .keys()
            .map(|k| k.as_str())
            .collect();
        assert_eq!(keys, PointClass::ALL.map(PointClass::name).into());
        for (class, n) in [(Minimum, 1), (Saddle, 3), (Degenerate, 0), (NotCritical, 1)] {
            assert_eq!(counts.get(class), n);
            assert_eq!(json[class.name()], n);
        }
        assert_eq!(counts.total(), 5);
        assert_eq!(serde_json::from_value::<ClassCounts>(json).unwrap(), counts);
    }
}
