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
//!   reported as saddle visits (the plateaus of Dauphin et al. 2014).
//!
//! Figures: loss against index of every point found (Dauphin et al. 2014, Fig. 1), the
//! search's ‖∇L‖ per iteration for every start, eigenvalue histograms of the
//! lowest-loss minimum and saddle, and the curvature along the run.

use super::hessian::{validate as validate_spectrum, Density};
use super::setup::{build, planned_steps, rng, train_setup};
use super::{num, Context};
use crate::config::{LoadedConfig, SaddlesConfig, TrainConfig};
use crate::critical::{
    analyse, find_critical_point, PointClass, SearchResult, SearchSettings, SearchStatus,
    SpectrumReport, SpectrumSettings,
};
use crate::curvature::{extreme_pairs, Counted, ObjectiveHessian};
use crate::error::{Error, Result};
use crate::io::run_dir::RunDir;
use crate::nn::Mlp;
use crate::objective::MlpObjective;
use crate::optim::Trajectory;
use crate::plot::critical::{self as figs, CriticalPoint, CurvatureTrack};
use crate::progress::Progress;
use crate::scalar::Scalar;
use crate::seeded::Stream;
use rayon::prelude::*;
use serde_json::{json, Value};

/// Tracked points over a run when `track_every` is not given.
const TRACK_POINTS: usize = 100;
/// The classes, in report order.
const CLASSES: [&str; 4] = ["minimum", "saddle", "degenerate", "not_critical"];

/// Where a search started.
struct Start {
    /// "init" or "trajectory".
    origin: &'static str,
    /// Stream index of a random start, or the training step of a trajectory start.
    at: usize,
    theta: Vec<f64>,
}

/// One search and the spectrum at its end point.
struct Found {
    origin: &'static str,
    at: usize,
    search: SearchResult,
    report: SpectrumReport,
}

/// Curvature along the training run.
struct Track {
    step: Vec<f64>,
    loss: Vec<f64>,
    grad_norm: Vec<f64>,
    lambda_max: Vec<f64>,
    lambda_min: Vec<f64>,
    visits: Vec<(f64, f64)>,
    hvps: usize,
}

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

/// The summary of this kind, still built by hand (being moved to a typed struct).
pub type SaddlesReport = Value;

pub fn run<S: Scalar>(ctx: &Context, sc: &SaddlesConfig) -> Result<Value> {
    let cfg = &ctx.cfg;
    let model = cfg.model()?;
    let train_cfg: Option<&TrainConfig> = cfg.config.train.as_ref();
    let n_trajectory = validate(cfg, sc, train_cfg.is_some())?;
    validate_spectrum(cfg, &sc.hessian, "experiment.hessian")?;
    let mut setup = build::<S>(cfg, model, train_cfg.is_some())?;
    let p = setup.mlp.n_params();
    let spectrum = sc.hessian.spectrum_settings(p);
    let seed = cfg.config.seed;
    let plan = match train_cfg {
        Some(t) => {
            let mut plan = cfg.train_plan(t, setup.train.n)?;
            let steps = planned_steps(&plan, setup.train.n);
            plan.record_every = match sc.track_every {
                Some(e) if e > 0 => e,
                _ => (steps / TRACK_POINTS).max(1),
            };
            plan.snapshot_every = 1;
            Some(plan)
        }
        None => None,
    };
    let search = SearchSettings {
        method: sc.method,
        max_iter: sc.max_iter,
        tol: sc.search_tol,
        inner_steps: sc.inner_steps,
        inner_rtol: sc.inner_tol,
        max_norm: sc.max_norm,
    };
    let dir = ctx.create_dir()?;

    let trajectory: Option<Trajectory<S>> = match &plan {
        Some(plan) => Some(train_setup(cfg, &mut setup, plan, ctx.quiet)),
        None => None,
    };
    let data = setup.train_f64(cfg)?;
    let mlp = &setup.mlp;
    let to_f64 = |t: &[S]| t.iter().map(|v| v.f64()).collect::<Vec<f64>>();

    // Starts: random initialisations, then points along the run.
    let mut starts: Vec<Start> = (0..sc.starts)
        .map(|i| {
            let theta: Vec<f64> = model
                .init
                .theta(&mlp.layout, &mut rng(seed, Stream::SaddleStart(i as u64)));
            Start {
                origin: "init",
                at: i,
                theta: theta.iter().map(|v| v * sc.init_scale).collect(),
            }
        })
        .collect();
    if let Some(traj) = &trajectory {
        let snaps = &traj.snapshots;
        let m = n_trajectory.min(snaps.len());
        for j in 0..m {
            let k = if m == 1 {
                snaps.len() - 1
            } else {
                (j * (snaps.len() - 1) + (m - 1) / 2) / (m - 1)
            };
            starts.push(Start {
                origin: "trajectory",
                at: snaps[k].step,
                theta: to_f64(&snaps[k].theta),
            });
        }
    }

    let progress = Progress::new(starts.len() as u64, "search", ctx.quiet);
    let found: Vec<Found> = starts
        .into_par_iter()
        .enumerate()
        .map(|(i, st)| {
            let obj = MlpObjective::new(mlp, &data);
            let result = find_critical_point(&obj, &st.theta, &search);
            let h = ObjectiveHessian::new(&obj, &result.theta);
            let report = analyse(&h, result.grad_norm, &spectrum, seed.wrapping_add(i as u64));
            progress.inc(1);
            Found {
                origin: st.origin,
                at: st.at,
                search: result,
                report,
            }
        })
        .collect();
    progress.finish();

    let track = match &trajectory {
        Some(traj) if sc.track_every != Some(0) => Some(track_curvature(
            mlp,
            &data,
            traj,
            &spectrum,
            sc.visit_grad_frac,
            seed,
            ctx.quiet,
        )),
        _ => None,
    };

    // Outputs.
    let points = write_points(&dir, mlp, &found)?;
    draw_points(&dir, &found, &search)?;
    if let Some(t) = &track {
        write_track(&dir, t)?;
    }
    let mut counts = json!({});
    for class in CLASSES {
        counts[class] = json!(found
            .iter()
            .filter(|f| f.report.classification.name() == class)
            .count());
    }
    let critical: Vec<&Found> = found
        .iter()
        .filter(|f| f.report.classification != PointClass::NotCritical)
        .collect();
    let hvps: usize = found
        .iter()
        .map(|f| f.search.hvps + f.report.hvps)
        .sum::<usize>()
        + track.as_ref().map_or(0, |t| t.hvps);
    Ok(json!({
        "n_params": p,
        "critical_points": points,
        "counts": counts,
        "converged": found.iter().filter(|f| f.search.status == SearchStatus::Converged).count(),
        "loss_index_pearson": num(pearson(
            &critical.iter().map(|f| f.report.index).collect::<Vec<_>>(),
            &critical.iter().map(|f| f.search.loss).collect::<Vec<_>>(),
        )),
        "search": search,
        "spectrum": {
            "exact": spectrum.exact,
            "k": spectrum.k,
            "lanczos_steps": spectrum.lanczos_steps,
            "tol": spectrum.tol,
            "index_tol": spectrum.index_tol,
            "grad_tol": spectrum.grad_tol,
        },
        "track": track.as_ref().map(|t| json!({
            "points": t.step.len(),
            "every": plan.as_ref().map(|p| p.record_every),
            "visit_grad_frac": sc.visit_grad_frac,
            "saddle_visits": t.visits.iter().map(|(a, b)| json!([*a as usize, *b as usize])).collect::<Vec<_>>(),
            "lambda_min_lowest": num(t.lambda_min.iter().cloned().fold(f64::INFINITY, f64::min)),
            "lambda_max_highest": num(t.lambda_max.iter().cloned().fold(f64::NEG_INFINITY, f64::max)),
        })),
        "final_train_loss": trajectory.as_ref().map(|t| num(t.last().train_loss)),
        "hvp_count": hvps,
        "precision": "f64",
    }))
}

/// λmax and λmin at every snapshot of the run (exact when the spectrum settings are),
/// and the saddle visits among them.
fn track_curvature<S: Scalar>(
    mlp: &Mlp,
    data: &crate::nn::Samples<f64>,
    traj: &Trajectory<S>,
    spectrum: &SpectrumSettings,
    visit_grad_frac: f64,
    seed: u64,
    quiet: bool,
) -> Track {
    let p = mlp.n_params();
    let budget = if spectrum.exact {
        p
    } else {
        spectrum.lanczos_steps
    };
    let progress = Progress::new(traj.snapshots.len() as u64, "curvature", quiet);
    let pairs: Vec<(f64, f64, usize)> = traj
        .snapshots
        .par_iter()
        .enumerate()
        .map(|(j, snap)| {
            let theta: Vec<f64> = snap.theta.iter().map(|v| v.f64()).collect();
            let obj = MlpObjective::new(mlp, data);
            let hessian = ObjectiveHessian::new(&obj, &theta);
            let h = Counted::new(&hessian);
            let (top, bottom) = extreme_pairs(
                &h,
                budget,
                spectrum.tol,
                &mut rng(seed, Stream::SaddleTrack(j as u64)),
            );
            progress.inc(1);
            (top.value, bottom.value, h.hvps())
        })
        .collect();
    progress.finish();
    // Snapshots are taken at the records (snapshot_every = 1).
    let records = &traj.records[..traj.snapshots.len()];
    let step: Vec<f64> = records.iter().map(|r| r.step as f64).collect();
    let loss: Vec<f64> = records.iter().map(|r| r.train_loss).collect();
    let grad_norm: Vec<f64> = records.iter().map(|r| r.grad_norm).collect();
    let lambda_max: Vec<f64> = pairs.iter().map(|p| p.0).collect();
    let lambda_min: Vec<f64> = pairs.iter().map(|p| p.1).collect();
    let g_max = grad_norm.iter().cloned().fold(0.0f64, f64::max);
    let visiting: Vec<bool> = (0..step.len())
        .map(|i| {
            let scale = lambda_max[i].abs().max(lambda_min[i].abs());
            grad_norm[i] <= visit_grad_frac * g_max && lambda_min[i] < -spectrum.index_tol * scale
        })
        .collect();
    Track {
        visits: runs_of(&visiting, &step),
        hvps: pairs.iter().map(|p| p.2).sum(),
        step,
        loss,
        grad_norm,
        lambda_max,
        lambda_min,
    }
}

/// The inclusive [x_start, x_end] ranges where `flags` is true.
fn runs_of(flags: &[bool], x: &[f64]) -> Vec<(f64, f64)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < flags.len() {
        if flags[i] {
            let a = i;
            while i + 1 < flags.len() && flags[i + 1] {
                i += 1;
            }
            out.push((x[a], x[i]));
        }
        i += 1;
    }
    out
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

/// Saves each converged point's weights (`critical/NN.safetensors`, f64) and returns
/// the `critical_points` list of the summary.
fn write_points(dir: &RunDir, mlp: &Mlp, found: &[Found]) -> Result<Vec<Value>> {
    let mut out = Vec::with_capacity(found.len());
    for (i, f) in found.iter().enumerate() {
        let weights_file = if f.search.status == SearchStatus::Converged {
            let name = format!("critical/{i:02}.safetensors");
            dir.save_weights(&name, &mlp.layout, &f.search.theta)?;
            Some(name)
        } else {
            None
        };
        let r = &f.report;
        let mut v = json!({
            "start": f.origin,
            "start_at": f.at,
            "status": f.search.status,
            "iterations": f.search.iterations,
            "search_hvps": f.search.hvps,
            "search_gradients": f.search.gradients,
            "loss": num(f.search.loss),
            "grad_norm": num(f.search.grad_norm),
            "eigenvalue_max": num(r.lambda_max()),
            "weights": weights_file,
        });
        super::merge(
            &mut v,
            serde_json::to_value(r.summary()).map_err(|e| Error::output("summary.json", e))?,
        );
        out.push(v);
    }
    Ok(out)
}

/// Loss against index, search convergence, and the spectra of the lowest-loss minimum
/// and saddle.
fn draw_points(dir: &RunDir, found: &[Found], search: &SearchSettings) -> Result<()> {
    let marks: Vec<CriticalPoint> = found
        .iter()
        .map(|f| CriticalPoint {
            index: f.report.index,
            loss: f.search.loss,
            class: f.report.classification.name(),
        })
        .collect();
    figs::loss_vs_index(
        &dir.path("loss_vs_index.png"),
        "Critical points: training loss against index",
        &marks,
    )?;
    let histories: Vec<Vec<f64>> = found.iter().map(|f| f.search.history.clone()).collect();
    let classes: Vec<&str> = found
        .iter()
        .map(|f| f.report.classification.name())
        .collect();
    figs::search_convergence(
        &dir.path("search_convergence.png"),
        "Critical-point search: gradient norm per iteration",
        &histories,
        &classes,
        search.tol,
    )?;

    let lowest = |keep: &dyn Fn(&Found) -> bool| {
        found
            .iter()
            .filter(|f| keep(f))
            .min_by(|a, b| a.search.loss.total_cmp(&b.search.loss))
    };
    let minimum = lowest(&|f| f.report.classification == PointClass::Minimum)
        .or_else(|| lowest(&|f| f.report.classification == PointClass::Degenerate));
    let saddle = lowest(&|f| f.report.classification == PointClass::Saddle);
    let caption = |what: &str, f: Option<&Found>| match f {
        Some(f) => format!(
            "{what}: loss {:.4}, index {:.3}",
            f.search.loss, f.report.index
        ),
        None => format!("{what}: none found"),
    };
    let exact = found.first().is_some_and(|f| f.report.exact());
    if exact {
        let values = |f: Option<&Found>| {
            f.and_then(|f| f.report.eigenvalues())
                .unwrap_or_default()
                .to_vec()
        };
        let kind = minimum.map_or("minimum", |m| m.report.classification.name());
        let (lv, rv) = (values(minimum), values(saddle));
        figs::spectrum_pair(
            &dir.path("spectra.png"),
            "Hessian eigenvalues at critical points (exact)",
            (&caption(kind, minimum), &lv),
            (&caption("saddle", saddle), &rv),
            40,
        )?;
    } else {
        for (stem, f) in [("density_minimum", minimum), ("density_saddle", saddle)] {
            if let Some(f) = f {
                let density = Density::of(&f.report);
                density.save(dir, stem)?;
                let title = caption(f.report.classification.name(), Some(f));
                let r = &f.report;
                density.draw(dir, stem, &title, r.exact(), r.classification)?;
            }
        }
    }
    Ok(())
}

/// The tracked arrays and the curvature-along-training figure.
fn write_track(dir: &RunDir, t: &Track) -> Result<()> {
    for (name, v) in [
        ("track_step.npy", &t.step),
        ("track_loss.npy", &t.loss),
        ("track_grad_norm.npy", &t.grad_norm),
        ("track_lambda_max.npy", &t.lambda_max),
        ("track_lambda_min.npy", &t.lambda_min),
    ] {
        dir.write_npy(name, v, &[v.len()])?;
    }
    figs::curvature_track(
        &dir.path("curvature_track.png"),
        "Curvature along training",
        &CurvatureTrack {
            x: &t.step,
            x_label: "step",
            loss: &t.loss,
            grad_norm: &t.grad_norm,
            lambda_max: &t.lambda_max,
            lambda_min: &t.lambda_min,
            visits: &t.visits,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_of_flags_become_inclusive_ranges() {
        let x = [0.0, 10.0, 20.0, 30.0, 40.0, 50.0];
        let f = [true, true, false, true, false, true];
        assert_eq!(
            runs_of(&f, &x),
            vec![(0.0, 10.0), (30.0, 30.0), (50.0, 50.0)]
        );
        assert!(runs_of(&[false; 6], &x).is_empty());
    }

    #[test]
    fn pearson_of_lines_and_degenerate_input() {
        assert!((pearson(&[0.0, 1.0, 2.0], &[1.0, 3.0, 5.0]) - 1.0).abs() < 1e-12);
        assert!((pearson(&[0.0, 1.0, 2.0], &[5.0, 3.0, 1.0]) + 1.0).abs() < 1e-12);
        assert!(pearson(&[1.0], &[2.0]).is_nan());
    }
}
