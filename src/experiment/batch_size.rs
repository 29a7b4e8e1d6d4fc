//! Kind `batch_size`: do small minibatches find flatter minima that generalise better
//! than large ones (Keskar et al. 2017)?
//!
//! The same net, optimiser, data and number of epochs, trained with each batch size of
//! `batch_sizes` from each seed of `seeds` (runs sharing a seed share the initial
//! weights), as a resumable family of runs ([`crate::study::Family`]). Per run: train and
//! test loss and accuracy, the generalisation gap, ε-sharpness for every ε (Keskar's
//! Metric 2.1, [`crate::curvature::sharpness`]), λmax (Lanczos) and tr H (Hutch++) of
//! the training loss, and the distance travelled from the initial weights. Sharpness,
//! curvature and the slices use a seeded subset of `metric_samples` training samples.
//!
//! Then, for the first seed: Keskar's parametric plot along
//! (1 − α)·θ_small + α·θ_large, and 2-D filter-normalised slices around the smallest-
//! and the largest-batch minima on one colour scale; over all seeds: sharpness, test
//! accuracy and gap against batch size (mean ± std), and every run's training curve.
//! `report.md` puts the table and the figures together.

use super::batch_size_figures::{draw_interpolation, draw_slices, draw_study, write_report};
use super::setup::{build, rng, train_seed};
use super::{num, Context};
use crate::config::{BatchSize, BatchStudyConfig, LoadedConfig};
use crate::curvature::sharpness::{epsilon_sharpness, SharpnessSettings};
use crate::curvature::{hutch_plus_plus, lanczos, ObjectiveHessian};
use crate::error::Result;
use crate::landscape::grid::{Evaluator, Plane};
use crate::nn::weights;
use crate::nn::Samples;
use crate::objective::MlpObjective;
use crate::optim::{OptimizerKind, TrainPlan};
use crate::progress::Progress;
use crate::scalar::Scalar;
use crate::seeded::Stream;
use crate::study::{mean_std, MeanStd};
use rand::seq::SliceRandom;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::Path;

/// Default cap on the samples used for sharpness and curvature.
const METRIC_SAMPLES: usize = 10_000;

/// One batch size, resolved against the training set.
#[derive(Clone, Debug, PartialEq)]
pub struct Batch {
    /// As written in the config ("256", "10%", "full").
    pub label: String,
    /// Samples per step (n for "full").
    pub size: usize,
}

/// Resolve the config's batch sizes against n training samples; the error names the
/// entry.
pub fn resolve_batches(cfg: &LoadedConfig, specs: &[BatchSize], n: usize) -> Result<Vec<Batch>> {
    if specs.is_empty() {
        return Err(cfg.err(
            "experiment.batch_sizes",
            "is empty: give at least one batch size",
        ));
    }
    let mut out: Vec<Batch> = Vec::with_capacity(specs.len());
    for (i, spec) in specs.iter().enumerate() {
        let field = format!("experiment.batch_sizes[{i}]");
        if let BatchSize::Count(b) = spec {
            if *b > n {
                return Err(cfg.err(
                    &field,
                    format!("{b} is larger than the training set ({n} samples); use \"full\""),
                ));
            }
        }
        let b = Batch {
            label: spec.label(),
            size: spec.samples(n),
        };
        if let Some(j) = out.iter().position(|o| o.size == b.size) {
            return Err(cfg.err(
                &field,
                format!(
                    "{} is the same batch size ({}) as entry {j}",
                    b.label, b.size
                ),
            ));
        }
        out.push(b);
    }
    Ok(out)
}

/// Everything a finished run reports (saved as its `result.json`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BatchRun {
    pub batch_size: usize,
    pub batch_label: String,
    pub seed: u64,
    pub steps: usize,
    pub train_loss: f64,
    pub train_accuracy: Option<f64>,
    pub test_loss: Option<f64>,
    pub test_accuracy: Option<f64>,
    /// Train minus test accuracy for classification, test minus train loss otherwise.
    pub gap: Option<f64>,
    /// ε (as written, e.g. "1e-3") → φ.
    pub sharpness: BTreeMap<String, f64>,
    pub lambda_max: f64,
    pub trace: f64,
    pub trace_stderr: f64,
    pub distance_from_init: f64,
    pub diverged: Option<String>,
    /// The step at which `[train] patience` stopped the run, if it did.
    #[serde(default)]
    pub plateau_at: Option<usize>,
    pub seconds: f64,
    /// Per-epoch records: epoch, train loss, test loss.
    pub epochs: Vec<f64>,
    pub curve_train_loss: Vec<f64>,
    pub curve_test_loss: Vec<f64>,
}

pub(super) fn validate(cfg: &LoadedConfig, bc: &BatchStudyConfig) -> Result<()> {
    let bad = |field: &str, msg: String| Err(cfg.err(&format!("experiment.{field}"), msg));
    if bc.seeds.is_empty() {
        return bad("seeds", "is empty: give at least one seed".into());
    }
    if bc.epsilons.is_empty() {
        return bad("epsilons", "is empty: give at least one ε".into());
    }
    if let Some(e) = bc.epsilons.iter().find(|e| !(e.is_finite() && **e > 0.0)) {
        return bad(
            "epsilons",
            format!("every ε must be a positive number, got {e}"),
        );
    }
    for (field, v) in [
        ("sharpness_iterations", bc.sharpness_iterations),
        ("lanczos_steps", bc.lanczos_steps),
        ("trace_hvps", bc.trace_hvps),
    ] {
        if v == 0 {
            return bad(field, "must be at least 1".into());
        }
    }
    if bc.sharpness_subspace == Some(0) || bc.metric_samples == Some(0) {
        let field = if bc.metric_samples == Some(0) {
            "metric_samples"
        } else {
            "sharpness_subspace"
        };
        return bad(field, "must be at least 1".into());
    }
    let [a0, a1] = bc.alpha_range;
    if !(a0.is_finite() && a1.is_finite() && a0 < a1) || bc.alpha_points < 2 {
        return bad(
            "alpha_range",
            format!(
                "needs min < max and alpha_points ≥ 2, got {a0}..{a1} with {} points",
                bc.alpha_points
            ),
        );
    }
    if bc.slice_points == 1 || !(bc.slice_range.is_finite() && bc.slice_range > 0.0) {
        return bad(
            "slice_points",
            "needs 0 (no slices) or at least 2 points over a positive slice_range".into(),
        );
    }
    Ok(())
}

/// ε as a summary key: "1e-3", "5e-4".
fn eps_key(e: f64) -> String {
    format!("{e:e}")
}

/// The summary of this kind, still built by hand (being moved to a typed struct).
pub type BatchSizeReport = Value;

pub fn run<S: Scalar>(ctx: &Context, bc: &BatchStudyConfig) -> Result<Value> {
    let cfg = &ctx.cfg;
    let model = cfg.model()?;
    validate(cfg, bc)?;
    let train_cfg = cfg.train()?;
    if train_cfg.optimizer == OptimizerKind::Gd {
        return Err(cfg.err(
            "train.optimizer",
            "gd is full-batch; a batch-size study needs sgd, momentum or adam",
        ));
    }
    let setup = build::<S>(cfg, model, true)?;
    let n = setup.train.n;
    let batches = resolve_batches(cfg, &bc.batch_sizes, n)?;
    let mut base_plan = cfg.train_plan(train_cfg, n)?;
    base_plan.record_every = 0;
    base_plan.snapshot_every = 0;
    let mlp = &setup.mlp;
    let p = mlp.n_params();

    // The sample subset for sharpness, curvature and the slices, the same for every run.
    let m = bc.metric_samples.unwrap_or(METRIC_SAMPLES).min(n);
    let mut idx: Vec<usize> = (0..n).collect();
    if m < n {
        idx.shuffle(&mut rng(cfg.config.seed, Stream::BatchMetricSubset));
        idx.truncate(m);
        idx.sort_unstable();
    }
    // In the run's dtype for sharpness, in f64 for curvature; only the subset is copied.
    let subset = crate::data::split::select(&setup.split.train, &idx);
    let origin = cfg.file.display().to_string();
    let k = mlp.layout.output_width();
    let metric = Samples::<S>::new(&subset, mlp.loss, k, &origin)?;
    let metric64 = Samples::<f64>::new(&subset, mlp.loss, k, &origin)?;

    let names: Vec<String> = batches
        .iter()
        .flat_map(|b| {
            bc.seeds
                .iter()
                .map(move |s| format!("b{}_s{s}", b.label.replace('%', "pct")))
        })
        .collect();
    let (family, dir) = ctx.open_family(names)?;
    let progress = Progress::new(family.len() as u64, "runs", ctx.quiet);
    let n_seeds = bc.seeds.len();
    let runs: Vec<BatchRun> = family.run(&progress, |i, run_dir| {
        let batch = &batches[i / n_seeds];
        let seed = bc.seeds[i % n_seeds];
        let plan = TrainPlan {
            batch_size: (batch.size < n).then_some(batch.size),
            ..base_plan.clone()
        };
        one_run(
            cfg,
            &setup,
            &plan,
            batch,
            seed,
            bc,
            (&metric, &metric64),
            run_dir,
        )
    })?;
    progress.finish();

    let summary_runs: Vec<Value> = runs
        .iter()
        .map(|r| {
            json!({
                "batch_size": r.batch_size,
                "batch_label": r.batch_label,
                "seed": r.seed,
                "steps": r.steps,
                "train_loss": num(r.train_loss),
                "train_accuracy": r.train_accuracy.map(num),
                "test_loss": r.test_loss.map(num),
                "test_accuracy": r.test_accuracy.map(num),
                "gap": r.gap.map(num),
                "sharpness": r.sharpness.iter().map(|(k, v)| (k.clone(), num(*v))).collect::<serde_json::Map<_, _>>(),
                "lambda_max": num(r.lambda_max),
                "trace": num(r.trace),
                "trace_stderr": num(r.trace_stderr),
                "distance_from_init": num(r.distance_from_init),
                "diverged": r.diverged,
                "plateau_at": r.plateau_at,
                "seconds": num(r.seconds),
            })
        })
        .collect();
    let eps_keys: Vec<String> = bc.epsilons.iter().map(|&e| eps_key(e)).collect();
    let by_batch: Vec<(String, usize, BTreeMap<String, MeanStd>)> = batches
        .iter()
        .map(|b| {
            let rs: Vec<&BatchRun> = runs.iter().filter(|r| r.batch_size == b.size).collect();
            let mut stats = BTreeMap::new();
            let mut put = |k: &str, f: &dyn Fn(&BatchRun) -> f64| {
                stats.insert(k.to_string(), mean_std(rs.iter().map(|r| f(r))));
            };
            put("train_loss", &|r| r.train_loss);
            put("train_accuracy", &|r| r.train_accuracy.unwrap_or(f64::NAN));
            put("test_loss", &|r| r.test_loss.unwrap_or(f64::NAN));
            put("test_accuracy", &|r| r.test_accuracy.unwrap_or(f64::NAN));
            put("gap", &|r| r.gap.unwrap_or(f64::NAN));
            put("lambda_max", &|r| r.lambda_max);
            put("trace", &|r| r.trace);
            put("distance_from_init", &|r| r.distance_from_init);
            for k in &eps_keys {
                let key = format!("sharpness_{k}");
                stats.insert(key, mean_std(rs.iter().map(|r| r.sharpness[k])));
            }
            (b.label.clone(), b.size, stats)
        })
        .collect();

    // Smallest- and largest-batch minima of the first seed.
    let first = bc.seeds[0];
    let small_i = (0..batches.len()).min_by_key(|&v| batches[v].size).unwrap();
    let large_i = (0..batches.len()).max_by_key(|&v| batches[v].size).unwrap();
    let load = |v: usize| -> Result<Vec<f64>> {
        weights::load::<f64>(
            &family.run_dir(v * n_seeds).join("model.safetensors"),
            &mlp.layout,
        )
    };
    let (theta_small, theta_large) = (load(small_i)?, load(large_i)?);
    let evaluator = Evaluator::new(mlp, &setup.train, setup.test.as_ref());
    let interpolation = interpolate(&evaluator, &theta_small, &theta_large, bc);
    draw_interpolation(
        &dir,
        &interpolation,
        &batches[small_i].label,
        &batches[large_i].label,
    )?;
    let slices = if bc.slice_points >= 2 {
        Some(draw_slices(
            &dir,
            &Evaluator::new(mlp, &metric, None),
            mlp,
            [
                (&batches[small_i].label, &theta_small),
                (&batches[large_i].label, &theta_large),
            ],
            bc,
            cfg.config.seed,
        )?)
    } else {
        None
    };
    draw_study(&dir, &runs, &batches, &by_batch, &eps_keys, n)?;
    write_report(
        &dir,
        cfg,
        &batches,
        &by_batch,
        &eps_keys,
        slices.is_some(),
        first,
    )?;

    let by_batch_json: Vec<Value> = by_batch
        .iter()
        .map(|(label, size, stats)| {
            let mut v = json!({ "batch_label": label, "batch_size": size });
            for (k, s) in stats {
                v[k] = json!({ "mean": num(s.mean), "std": num(s.std), "n": s.n });
            }
            v
        })
        .collect();
    Ok(json!({
        "n_params": p,
        "n_train": n,
        "runs": summary_runs,
        "by_batch_size": by_batch_json,
        "interpolation": {
            "between": [batches[small_i].label, batches[large_i].label],
            "seed": first,
            "alpha": interpolation.alpha,
            "train_loss": interpolation.values[0],
            "train_accuracy": interpolation.values[1],
            "test_loss": interpolation.values[2],
            "test_accuracy": interpolation.values[3],
        },
        "slices": slices,
        "settings": {
            "epochs_or_steps": format!("{:?}", base_plan.length),
            "optimizer": format!("{:?}", base_plan.optimizer).to_lowercase(),
            "lr": base_plan.lr,
            "metric_samples": m,
            "sharpness": {
                "epsilons": bc.epsilons,
                "method": "projected gradient ascent",
                "iterations": bc.sharpness_iterations,
                "subspace": bc.sharpness_subspace,
            },
            "lanczos_steps": bc.lanczos_steps,
            "trace_hvps": bc.trace_hvps,
        },
    }))
}

/// Train one (batch size, seed) run and measure it; saves `model.safetensors` (f64) in
/// its folder.
#[allow(clippy::too_many_arguments)]
fn one_run<S: Scalar>(
    cfg: &LoadedConfig,
    setup: &super::setup::Setup<S>,
    plan: &TrainPlan,
    batch: &Batch,
    seed: u64,
    bc: &BatchStudyConfig,
    (metric, metric64): (&Samples<S>, &Samples<f64>),
    run_dir: &Path,
) -> Result<BatchRun> {
    let t0 = std::time::Instant::now();
    let mlp = &setup.mlp;
    let model = cfg.model()?;
    let (init, theta, traj) = train_seed(
        mlp,
        model.init,
        (&setup.train, setup.test.as_ref()),
        plan,
        seed,
    );
    let last = traj.last().clone();
    let theta64: Vec<f64> = theta.iter().map(|v| v.f64()).collect();
    weights::save(&run_dir.join("model.safetensors"), &mlp.layout, &theta64)?;

    let obj = MlpObjective::new(mlp, metric);
    let mut sharpness = BTreeMap::new();
    for &eps in &bc.epsilons {
        let s = epsilon_sharpness(
            &obj,
            &theta,
            &SharpnessSettings {
                epsilon: eps,
                iterations: bc.sharpness_iterations,
                subspace: bc.sharpness_subspace,
                seed,
            },
        );
        sharpness.insert(eps_key(eps), s.value);
    }
    let obj64 = MlpObjective::new(mlp, metric64);
    let op = ObjectiveHessian::new(&obj64, &theta64);
    let top = lanczos(
        &op,
        1,
        0,
        bc.lanczos_steps,
        1e-6,
        &mut rng(seed, Stream::BatchLanczos),
    );
    let tr = hutch_plus_plus(&op, bc.trace_hvps, &mut rng(seed, Stream::BatchTrace));
    let distance = theta
        .iter()
        .zip(&init)
        .map(|(a, b)| (a.f64() - b.f64()).powi(2))
        .sum::<f64>()
        .sqrt();
    let gap = match (last.train_accuracy, last.test_accuracy, last.test_loss) {
        (Some(a), Some(b), _) => Some(a - b),
        (None, _, Some(t)) => Some(t - last.train_loss),
        _ => None,
    };
    Ok(BatchRun {
        batch_size: batch.size,
        batch_label: batch.label.clone(),
        seed,
        steps: traj.steps,
        train_loss: last.train_loss,
        train_accuracy: last.train_accuracy,
        test_loss: last.test_loss,
        test_accuracy: last.test_accuracy,
        gap,
        sharpness,
        lambda_max: top.top.first().map_or(f64::NAN, |e| e.value),
        trace: tr.trace,
        trace_stderr: tr.stderr,
        distance_from_init: distance,
        diverged: traj.divergence.clone(),
        plateau_at: traj.plateau_at,
        seconds: t0.elapsed().as_secs_f64(),
        epochs: traj.records.iter().map(|r| r.epoch).collect(),
        curve_train_loss: traj.records.iter().map(|r| r.train_loss).collect(),
        curve_test_loss: traj
            .records
            .iter()
            .map(|r| r.test_loss.unwrap_or(f64::NAN))
            .collect(),
    })
}

/// Train/test loss and accuracy along (1 − α)·θ_small + α·θ_large.
pub(super) struct Interpolation {
    pub alpha: Vec<f64>,
    /// train loss, train accuracy, test loss, test accuracy.
    pub values: [Vec<f64>; 4],
}

fn interpolate<S: Scalar>(
    ev: &Evaluator<S>,
    small: &[f64],
    large: &[f64],
    bc: &BatchStudyConfig,
) -> Interpolation {
    let [a0, a1] = bc.alpha_range;
    let k = bc.alpha_points;
    let alpha: Vec<f64> = (0..k)
        .map(|i| a0 + (a1 - a0) * i as f64 / (k - 1) as f64)
        .collect();
    let dx: Vec<f64> = large.iter().zip(small).map(|(l, s)| l - s).collect();
    let plane = Plane {
        center: small,
        dx: &dx,
        dy: None,
    };
    let vals: Vec<[f64; 4]> = alpha
        .par_iter()
        .map(|&a| ev.measure(&plane, a, 0.0))
        .collect();
    Interpolation {
        values: std::array::from_fn(|j| vals.iter().map(|v| v[j]).collect()),
        alpha,
    }
}
