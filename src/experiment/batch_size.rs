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

use super::batch_size_compare::{self, BatchComparison};
use super::batch_size_figures::{
    draw_effects, draw_parametric, draw_slices, draw_training_curves, report_markdown, BatchRow,
    MinimumSlice, Parametric, StudyNote,
};
use super::setup::{build, rng, train_seed, Setup};
use super::Context;
use crate::cluster::Job;
use crate::config::{BatchSize, BatchStudyConfig, LoadedConfig, TrainingBudget};
use crate::curvature::sharpness::{epsilon_sharpness, SharpnessSettings};
use crate::curvature::{hutch_plus_plus, lanczos, ObjectiveHessian};
use crate::error::{Error, Result};
use crate::io::run_dir::RunDir;
use crate::json_num::{nan_if_null, nans_if_null};
use crate::landscape::directions::{normalized, Ignore, Normalization};
use crate::landscape::first_layer::FirstLayer;
use crate::landscape::grid::{column, slice_values, Evaluator, Metric, Plane};
use crate::landscape::Axis;
use crate::linalg::gaussian;
use crate::nn::weights;
use crate::nn::Samples;
use crate::objective::MlpObjective;
use crate::optim::{OptimizerKind, TrainPlan};
use crate::plot::studies::RunCurves;
use crate::progress::Progress;
use crate::scalar::Scalar;
use crate::seeded::Stream;
use crate::study::{mean_std, Family, MeanStd};
use rand::seq::SliceRandom;
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::BTreeMap;

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

/// Everything a finished run reports (saved as its `result.json`, and one entry of the
/// summary's `runs`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BatchRun {
    pub batch_size: usize,
    pub batch_label: String,
    pub seed: u64,
    pub steps: usize,
    #[serde(deserialize_with = "nan_if_null")]
    pub train_loss: f64,
    pub train_accuracy: Option<f64>,
    pub test_loss: Option<f64>,
    pub test_accuracy: Option<f64>,
    /// Train minus test accuracy for classification, test minus train loss otherwise.
    pub gap: Option<f64>,
    /// ε (as written, e.g. "1e-3") → φ.
    #[serde(deserialize_with = "nan_values_if_null")]
    pub sharpness: BTreeMap<String, f64>,
    #[serde(deserialize_with = "nan_if_null")]
    pub lambda_max: f64,
    #[serde(deserialize_with = "nan_if_null")]
    pub trace: f64,
    #[serde(deserialize_with = "nan_if_null")]
    pub trace_stderr: f64,
    #[serde(deserialize_with = "nan_if_null")]
    pub distance_from_init: f64,
    pub diverged: Option<String>,
    /// The step at which `[train] patience` stopped the run, if it did.
    #[serde(default)]
    pub plateau_at: Option<usize>,
    /// Epochs trained (steps over steps per epoch).
    #[serde(default = "nan", deserialize_with = "nan_if_null")]
    pub epochs_taken: f64,
    /// With `stop_at_train_loss`: whether the run got there before its length ran out
    /// (None without a target).
    #[serde(default)]
    pub reached_train_loss: Option<bool>,
    #[serde(deserialize_with = "nan_if_null")]
    pub seconds: f64,
    /// Per-epoch records: epoch, train loss, test loss (NaN without a test set).
    #[serde(deserialize_with = "nans_if_null")]
    pub epochs: Vec<f64>,
    #[serde(deserialize_with = "nans_if_null")]
    pub curve_train_loss: Vec<f64>,
    #[serde(deserialize_with = "nans_if_null")]
    pub curve_test_loss: Vec<f64>,
}

/// A map of numbers, with every `null` read as NaN.
fn nan_values_if_null<'de, D: Deserializer<'de>>(
    d: D,
) -> std::result::Result<BTreeMap<String, f64>, D::Error> {
    Ok(BTreeMap::<String, Option<f64>>::deserialize(d)?
        .into_iter()
        .map(|(k, v)| (k, v.unwrap_or(f64::NAN)))
        .collect())
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
    if let Some(l) = bc.stop_at_train_loss {
        if !(l.is_finite() && l > 0.0) {
            return bad(
                "stop_at_train_loss",
                format!("must be a positive training loss, got {l}"),
            );
        }
    }
    if let (Some(budget), Ok(train)) = (bc.budget, cfg.train()) {
        let (wanted, key) = match budget {
            TrainingBudget::Epochs => (train.epochs.is_some(), "epochs"),
            TrainingBudget::Steps => (train.steps.is_some(), "steps"),
        };
        if !wanted {
            return bad(
                "budget",
                format!(
                    "\"{key}\" gives every batch size the same number of {key}, set by \
                     `[train] {key}`, which this config does not set"
                ),
            );
        }
    }
    Ok(())
}

fn nan() -> f64 {
    f64::NAN
}

/// ε as a summary key: "1e-3", "5e-4".
fn eps_key(e: f64) -> String {
    format!("{e:e}")
}

/// One batch size's statistics over the seeds (mean ± std of the finite values).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BatchStats {
    pub batch_label: String,
    pub batch_size: usize,
    pub train_loss: MeanStd,
    pub train_accuracy: MeanStd,
    pub test_loss: MeanStd,
    pub test_accuracy: MeanStd,
    pub gap: MeanStd,
    pub lambda_max: MeanStd,
    pub trace: MeanStd,
    pub distance_from_init: MeanStd,
    /// `sharpness_<ε>` (ε as in [`BatchRun::sharpness`]) → its statistics.
    #[serde(flatten)]
    pub sharpness: BTreeMap<String, MeanStd>,
}

impl BatchStats {
    /// The statistics of the runs `rs` (all of one batch size).
    fn of(batch: &Batch, rs: &[&BatchRun], eps_keys: &[String]) -> BatchStats {
        let stat = |f: &dyn Fn(&BatchRun) -> f64| mean_std(rs.iter().map(|r| f(r)));
        let nan = f64::NAN;
        BatchStats {
            batch_label: batch.label.clone(),
            batch_size: batch.size,
            train_loss: stat(&|r| r.train_loss),
            train_accuracy: stat(&|r| r.train_accuracy.unwrap_or(nan)),
            test_loss: stat(&|r| r.test_loss.unwrap_or(nan)),
            test_accuracy: stat(&|r| r.test_accuracy.unwrap_or(nan)),
            gap: stat(&|r| r.gap.unwrap_or(nan)),
            lambda_max: stat(&|r| r.lambda_max),
            trace: stat(&|r| r.trace),
            distance_from_init: stat(&|r| r.distance_from_init),
            sharpness: eps_keys
                .iter()
                .map(|k| (sharpness_key(k), stat(&|r| r.sharpness[k])))
                .collect(),
        }
    }

    /// As the figures and the table show it, sharpness in the order of `eps_keys`.
    fn row<'a>(&'a self, eps_keys: &[String]) -> BatchRow<'a> {
        let missing = MeanStd::missing();
        BatchRow {
            label: &self.batch_label,
            size: self.batch_size,
            train_loss: self.train_loss,
            test_loss: self.test_loss,
            train_accuracy: self.train_accuracy,
            test_accuracy: self.test_accuracy,
            gap: self.gap,
            sharpness: eps_keys
                .iter()
                .map(|k| *self.sharpness.get(&sharpness_key(k)).unwrap_or(&missing))
                .collect(),
            lambda_max: self.lambda_max,
            trace: self.trace,
            distance_from_init: self.distance_from_init,
        }
    }
}

/// The key of ε's sharpness statistics in [`BatchStats`].
fn sharpness_key(eps_key: &str) -> String {
    format!("sharpness_{eps_key}")
}

/// Train and test loss and accuracy along (1 − α)·θ_small + α·θ_large, θ of the first
/// seed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Interpolation {
    /// The labels of the smallest and the largest batch size.
    pub between: [String; 2],
    pub seed: u64,
    pub alpha: Vec<f64>,
    #[serde(deserialize_with = "nans_if_null")]
    pub train_loss: Vec<f64>,
    #[serde(deserialize_with = "nans_if_null")]
    pub train_accuracy: Vec<f64>,
    #[serde(deserialize_with = "nans_if_null")]
    pub test_loss: Vec<f64>,
    #[serde(deserialize_with = "nans_if_null")]
    pub test_accuracy: Vec<f64>,
    /// How the line's first-layer pre-activations were formed (`reuse`: Z_a + α·(Z_b −
    /// Z_a) from products computed once; see [`crate::landscape::first_layer`]).
    #[serde(default)]
    pub first_layer: FirstLayer,
}

/// The 2-D slice around one minimum (`slice_b<label>_train_loss.npy`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MinimumSliceReport {
    /// The batch size's label.
    pub batch: String,
    /// The training loss (metric subset) at the minimum itself, measured at
    /// `center_loss_at` = (δ, η) = (0, 0).
    #[serde(deserialize_with = "nan_if_null")]
    pub center_loss: f64,
    pub center_loss_at: [f64; 2],
    /// The largest training loss on the grid.
    #[serde(deserialize_with = "nan_if_null")]
    pub max_loss: f64,
    /// How the grid's first-layer pre-activations were formed.
    #[serde(default)]
    pub first_layer: FirstLayer,
}

/// How sharpness is maximised.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SharpnessMethod {
    #[serde(rename = "projected gradient ascent")]
    ProjectedGradientAscent,
}

/// The sharpness settings of the study.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SharpnessReport {
    pub epsilons: Vec<f64>,
    pub method: SharpnessMethod,
    pub iterations: usize,
    pub subspace: Option<usize>,
}

/// The settings every run shared.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StudySettings {
    /// The training length, as `Epochs(60)` or `Steps(1000)`: what every batch size
    /// gets the same amount of (a cap with `stop_at_train_loss`).
    pub epochs_or_steps: String,
    /// Every run trained until its training loss reached this (checked every epoch).
    #[serde(default)]
    pub stop_at_train_loss: Option<f64>,
    pub optimizer: OptimizerKind,
    pub lr: f64,
    /// Training samples sharpness, curvature and the slices are measured on.
    pub metric_samples: usize,
    pub sharpness: SharpnessReport,
    pub lanczos_steps: usize,
    pub trace_hvps: usize,
}

/// `summary.json` of a `batch_size` study.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BatchSizeReport {
    pub n_params: usize,
    pub n_train: usize,
    /// Every (batch size, seed) run, batch sizes in the config's order, seeds inner.
    pub runs: Vec<BatchRun>,
    pub by_batch_size: Vec<BatchStats>,
    pub interpolation: Interpolation,
    /// Around the smallest- and the largest-batch minimum (absent with slice_points = 0).
    pub slices: Option<Vec<MinimumSliceReport>>,
    pub settings: StudySettings,
    /// The smallest against the largest batch size, and each against the next larger,
    /// on the main metrics (Welch's t-test over the seeds); empty in summaries written
    /// before they existed.
    #[serde(default)]
    pub comparisons: Vec<BatchComparison>,
}

impl BatchSizeReport {
    /// The ε keys of the sharpness, in the config's order.
    fn eps_keys(&self) -> Vec<String> {
        self.settings
            .sharpness
            .epsilons
            .iter()
            .map(|&e| eps_key(e))
            .collect()
    }
}

/// The training loss around both minima on the grid `axis` × `axis` (row j: η = axis[j]).
#[derive(Clone, Debug, PartialEq)]
pub struct SliceGrids {
    pub axis: Vec<f64>,
    pub small: Vec<f64>,
    pub large: Vec<f64>,
}

/// What a batch-size study computed: the report, the slices' grids and what
/// `report.md` says about the settings.
pub struct BatchSizeOutput {
    pub report: BatchSizeReport,
    pub slices: Option<SliceGrids>,
    pub note: StudyNote,
}

/// The training set, the sample subset and the settings every run shares.
struct Study<S> {
    setup: Setup<S>,
    batches: Vec<Batch>,
    base_plan: TrainPlan,
    /// The metric subset, in the run's dtype (sharpness, slices) and in f64 (curvature).
    metric: Samples<S>,
    metric64: Samples<f64>,
    metric_samples: usize,
}

/// Checks the config, loads the data and draws the metric subset.
fn prepare<S: Scalar>(cfg: &LoadedConfig, bc: &BatchStudyConfig) -> Result<Study<S>> {
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
    base_plan.stop_at_loss = bc.stop_at_train_loss;

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
    let (loss, k) = (setup.mlp.loss, setup.mlp.layout.output_width());
    Ok(Study {
        metric: Samples::<S>::new(&subset, loss, k, &origin)?,
        metric64: Samples::<f64>::new(&subset, loss, k, &origin)?,
        setup,
        batches,
        base_plan,
        metric_samples: m,
    })
}

/// The runs' names: variant-major, seeds inner.
fn run_names(study_batches: &[Batch], bc: &BatchStudyConfig) -> Vec<String> {
    study_batches
        .iter()
        .flat_map(|b| bc.seeds.iter().map(move |&s| run_name(&b.label, s)))
        .collect()
}

/// The folder (under `runs/`) of the run with batch `label` and `seed`.
pub fn run_name(label: &str, seed: u64) -> String {
    format!("b{}_s{seed}", label.replace('%', "pct"))
}

/// Run `i` of the study (variant-major, seeds inner): its result and model file.
fn run_at<S: Scalar>(
    cfg: &LoadedConfig,
    bc: &BatchStudyConfig,
    study: &Study<S>,
    i: usize,
) -> Result<(BatchRun, Vec<u8>)> {
    let n_seeds = bc.seeds.len();
    let batch = &study.batches[i / n_seeds];
    let plan = TrainPlan {
        batch_size: (batch.size < study.setup.train.n).then_some(batch.size),
        ..study.base_plan.clone()
    };
    one_run(cfg, study, &plan, batch, bc.seeds[i % n_seeds], bc)
}

/// Trains and measures every (batch size, seed) run not finished in the family yet.
fn train_runs<S: Scalar>(
    ctx: &Context,
    bc: &BatchStudyConfig,
    study: &Study<S>,
) -> Result<(Vec<BatchRun>, Family)> {
    let (family, _) = ctx.open_family(run_names(&study.batches, bc))?;
    let progress = Progress::new(family.len() as u64, "runs", ctx.quiet);
    let runs = family.run(ctx.job, &progress, |i| run_at(&ctx.cfg, bc, study, i))?;
    progress.finish();
    Ok((runs, family))
}

/// A rank other than 0 of a job: loads the data as rank 0 does and trains its share of
/// the runs.
pub fn work<S: Scalar>(cfg: &LoadedConfig, bc: &BatchStudyConfig, job: &Job) -> Result<()> {
    let study = prepare::<S>(cfg, bc)?;
    crate::study::runner::work(job, |i| run_at(cfg, bc, &study, i))
}

pub fn run<S: Scalar>(ctx: &Context, bc: &BatchStudyConfig) -> Result<BatchSizeOutput> {
    let cfg = &ctx.cfg;
    let study = prepare::<S>(cfg, bc)?;
    let (runs, family) = train_runs(ctx, bc, &study)?;
    let batches = &study.batches;
    let eps_keys: Vec<String> = bc.epsilons.iter().map(|&e| eps_key(e)).collect();
    let by_batch_size = batches
        .iter()
        .map(|b| {
            let rs: Vec<&BatchRun> = runs.iter().filter(|r| r.batch_size == b.size).collect();
            BatchStats::of(b, &rs, &eps_keys)
        })
        .collect();

    // Smallest- and largest-batch minima of the first seed.
    let mlp = &study.setup.mlp;
    let small_i = (0..batches.len()).min_by_key(|&v| batches[v].size).unwrap();
    let large_i = (0..batches.len()).max_by_key(|&v| batches[v].size).unwrap();
    let load = |v: usize| -> Result<Vec<f64>> {
        let dir = family.run_dir(v * bc.seeds.len());
        weights::load::<f64>(&dir.join("model.safetensors"), &mlp.layout)
    };
    let minima = [
        (&batches[small_i].label, load(small_i)?),
        (&batches[large_i].label, load(large_i)?),
    ];
    let evaluator = Evaluator::new(mlp, &study.setup.train, study.setup.test.as_ref());
    let interpolation = interpolate(&evaluator, &minima, bc)?;
    let slices = match bc.slice_points {
        0 => None,
        _ => Some(slice_minima(
            &Evaluator::new(mlp, &study.metric, None),
            &minima,
            bc,
            cfg.config.seed,
        )?),
    };
    let base = &study.base_plan;
    let labels: Vec<(String, usize)> = batches.iter().map(|b| (b.label.clone(), b.size)).collect();
    let comparisons = batch_size_compare::compare(&runs, &labels, &eps_keys);
    let report = BatchSizeReport {
        n_params: mlp.n_params(),
        n_train: study.setup.train.n,
        runs,
        by_batch_size,
        comparisons,
        interpolation,
        slices: slices.as_ref().map(|(s, _)| s.clone()),
        settings: StudySettings {
            epochs_or_steps: format!("{:?}", base.length),
            stop_at_train_loss: bc.stop_at_train_loss,
            optimizer: base.optimizer,
            lr: base.lr,
            metric_samples: study.metric_samples,
            sharpness: SharpnessReport {
                epsilons: bc.epsilons.clone(),
                method: SharpnessMethod::ProjectedGradientAscent,
                iterations: bc.sharpness_iterations,
                subspace: bc.sharpness_subspace,
            },
            lanczos_steps: bc.lanczos_steps,
            trace_hvps: bc.trace_hvps,
        },
    };
    Ok(BatchSizeOutput {
        report,
        slices: slices.map(|(_, grids)| grids),
        note: study_note(cfg, bc)?,
    })
}

/// What `report.md` says about the settings, from the config.
fn study_note(cfg: &LoadedConfig, bc: &BatchStudyConfig) -> Result<StudyNote> {
    let t = cfg.train()?;
    Ok(StudyNote {
        name: cfg.config.name.clone().unwrap_or_else(|| "unnamed".into()),
        optimizer: format!("{:?}", t.optimizer),
        lr: t.lr,
        length: match (t.epochs, t.steps) {
            (Some(e), _) => format!("{e} epochs"),
            (_, Some(s)) => format!("{s} steps"),
            _ => String::new(),
        },
        seeds: bc.seeds.clone(),
    })
}

/// The file of the slice around the minimum of batch size `label`.
fn slice_file(label: &str) -> String {
    format!("slice_b{}_train_loss.npy", label.replace('%', "pct"))
}

/// Saves the slices' grids, draws every figure and writes `report.md`.
pub fn write(out: &BatchSizeOutput, dir: &RunDir) -> Result<()> {
    let r = &out.report;
    if let (Some(grids), Some(slices)) = (&out.slices, &r.slices) {
        let k = grids.axis.len();
        for (s, z) in slices.iter().zip([&grids.small, &grids.large]) {
            dir.write_npy(&slice_file(&s.batch), z, &[k, k])?;
        }
        dir.write_npy("slice_axis.npy", &grids.axis, &[k])?;
    }
    draw(r, out.slices.as_ref(), dir)?;
    let eps_keys = r.eps_keys();
    let rows: Vec<BatchRow> = r.by_batch_size.iter().map(|b| b.row(&eps_keys)).collect();
    let md = report_markdown(&out.note, &rows, &eps_keys, r.slices.is_some());
    let md = format!(
        "{md}\n{}{}",
        target_note(r),
        batch_size_compare::markdown(&r.comparisons)
    );
    dir.write_text("report.md", &md)?;
    Ok(())
}

/// What `report.md` says of a target training loss: which runs never reached it (their
/// numbers are then at another stage of training than the others').
fn target_note(r: &BatchSizeReport) -> String {
    let Some(l) = r.settings.stop_at_train_loss else {
        return String::new();
    };
    let missed: Vec<String> = r
        .runs
        .iter()
        .filter(|run| run.reached_train_loss == Some(false))
        .map(|run| format!("{} (seed {})", run.batch_label, run.seed))
        .collect();
    let taken: Vec<String> = r
        .runs
        .iter()
        .filter(|run| run.seed == r.runs[0].seed)
        .map(|run| {
            format!(
                "{}: {} steps, {:.1} epochs",
                run.batch_label, run.steps, run.epochs_taken
            )
        })
        .collect();
    format!(
        "## Matched training loss\n\nEvery run trained until its training loss was at most {l} \
         (checked every epoch; {} at most). Seed {}: {}.\n\n{}\n",
        r.settings.epochs_or_steps,
        r.runs[0].seed,
        taken.join("; "),
        match missed.is_empty() {
            true => "Every run reached it.".to_string(),
            false => format!(
                "**Not reached** by {}: these runs stopped at the cap, at a higher loss \
                 than the others, and compare at another stage of training.",
                missed.join(", ")
            ),
        }
    )
}

/// Redraws the figures from the report and the slices' saved grids.
pub fn redraw(report: &BatchSizeReport, dir: &RunDir) -> Result<()> {
    draw(report, load_slices(report, dir)?.as_ref(), dir)
}

/// The slices around the two minima a finished run saved, if it drew them.
pub fn load_slices(report: &BatchSizeReport, dir: &RunDir) -> Result<Option<SliceGrids>> {
    Ok(match &report.slices {
        Some(slices) => {
            let (axis, _) = dir.read_npy("slice_axis.npy", &[None])?;
            let k = Some(axis.len());
            let read = |i: usize| -> Result<Vec<f64>> {
                let batch = &slices.get(i).ok_or_else(|| {
                    Error::Invalid("the summary's slices name fewer than two minima".into())
                })?;
                Ok(dir.read_npy(&slice_file(&batch.batch), &[k, k])?.0)
            };
            let (small, large) = (read(0)?, read(1)?);
            Some(SliceGrids { axis, small, large })
        }
        None => None,
    })
}

/// The figures of a study: parametric plot, slices, effects and training curves.
fn draw(r: &BatchSizeReport, slices: Option<&SliceGrids>, dir: &RunDir) -> Result<()> {
    let it = &r.interpolation;
    draw_parametric(
        dir,
        &Parametric {
            alpha: &it.alpha,
            train_loss: &it.train_loss,
            train_accuracy: &it.train_accuracy,
            test_loss: &it.test_loss,
            test_accuracy: &it.test_accuracy,
            small: &it.between[0],
            large: &it.between[1],
        },
    )?;
    if let Some(g) = slices {
        draw_slices(
            dir,
            &g.axis,
            [
                MinimumSlice {
                    batch: &it.between[0],
                    train_loss: &g.small,
                },
                MinimumSlice {
                    batch: &it.between[1],
                    train_loss: &g.large,
                },
            ],
        )?;
    }
    let eps_keys = r.eps_keys();
    let rows: Vec<BatchRow> = r.by_batch_size.iter().map(|b| b.row(&eps_keys)).collect();
    draw_effects(dir, &rows, &eps_keys, r.n_train)?;
    let groups: Vec<(&str, RunCurves)> = r
        .by_batch_size
        .iter()
        .map(|b| {
            let curves = r
                .runs
                .iter()
                .filter(|run| run.batch_size == b.batch_size)
                .map(|run| (&run.epochs[..], &run.curve_train_loss[..]))
                .collect();
            (b.batch_label.as_str(), curves)
        })
        .collect();
    draw_training_curves(dir, &groups)
}

/// Train one (batch size, seed) run and measure it; with its `model.safetensors` (f64).
fn one_run<S: Scalar>(
    cfg: &LoadedConfig,
    study: &Study<S>,
    plan: &TrainPlan,
    batch: &Batch,
    seed: u64,
    bc: &BatchStudyConfig,
) -> Result<(BatchRun, Vec<u8>)> {
    let t0 = std::time::Instant::now();
    let (setup, metric, metric64) = (&study.setup, &study.metric, &study.metric64);
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
    let model_file = weights::to_bytes(&mlp.layout, &theta64)?;

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
    let run = BatchRun {
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
        epochs_taken: last.epoch,
        reached_train_loss: plan.stop_at_loss.map(|_| traj.target_reached_at.is_some()),
        seconds: t0.elapsed().as_secs_f64(),
        epochs: traj.records.iter().map(|r| r.epoch).collect(),
        curve_train_loss: traj.records.iter().map(|r| r.train_loss).collect(),
        curve_test_loss: traj
            .records
            .iter()
            .map(|r| r.test_loss.unwrap_or(f64::NAN))
            .collect(),
    };
    Ok((run, model_file))
}

/// Train and test loss and accuracy along (1 − α)·θ_small + α·θ_large over the
/// config's α range, θ from the first seed's `minima` (label, weights).
fn interpolate<S: Scalar>(
    ev: &Evaluator<S>,
    minima: &[(&String, Vec<f64>); 2],
    bc: &BatchStudyConfig,
) -> Result<Interpolation> {
    let [a0, a1] = bc.alpha_range;
    let k = bc.alpha_points;
    let alpha: Vec<f64> = (0..k)
        .map(|i| a0 + (a1 - a0) * i as f64 / (k - 1) as f64)
        .collect();
    let [(small_label, small), (large_label, large)] = minima;
    let dx: Vec<f64> = large.iter().zip(small).map(|(l, s)| l - s).collect();
    let plane = Plane {
        center: small,
        dx: &dx,
        dy: None,
    };
    let line = std::slice::from_ref(&plane);
    let vals = slice_values(ev, line, &alpha, None, None, &Progress::hidden(), None)?;
    Ok(Interpolation {
        between: [small_label.to_string(), large_label.to_string()],
        seed: bc.seeds[0],
        train_loss: column(&vals, Metric::TrainLoss),
        train_accuracy: column(&vals, Metric::TrainAccuracy),
        test_loss: column(&vals, Metric::TestLoss),
        test_accuracy: column(&vals, Metric::TestAccuracy),
        alpha,
        first_layer: ev.first_layer(),
    })
}

/// 2-D filter-normalised slices around the two `minima` through the slice engine: the
/// same two Gaussian directions (biases ignored) normalised to each minimum, over
/// [−slice_range, slice_range]², measured by `ev` (the metric subset). Each slice's
/// center loss is measured at the minimum itself.
fn slice_minima<S: Scalar>(
    ev: &Evaluator<S>,
    minima: &[(&String, Vec<f64>); 2],
    bc: &BatchStudyConfig,
    seed: u64,
) -> Result<(Vec<MinimumSliceReport>, SliceGrids)> {
    let layout = &ev.mlp.layout;
    let p = layout.n_params();
    let r = bc.slice_range;
    let axis = Axis {
        range: [-r, r],
        points: bc.slice_points,
    }
    .coords();
    let mut g = rng(seed, Stream::BatchSlice);
    let raw = [gaussian(p, &mut g), gaussian(p, &mut g)];
    let mut reports = Vec::with_capacity(2);
    let mut grids = Vec::with_capacity(2);
    for (label, center) in minima {
        let [dx, dy] = raw
            .clone()
            .map(|d| normalized(d, center, layout, Normalization::Filter, Ignore::Bias));
        let plane = Plane {
            center,
            dx: &dx,
            dy: Some(&dy),
        };
        let planes = std::slice::from_ref(&plane);
        let values = slice_values(
            ev,
            planes,
            &axis,
            Some(&axis),
            None,
            &Progress::hidden(),
            None,
        )?;
        let z = column(&values, Metric::TrainLoss);
        reports.push(MinimumSliceReport {
            batch: label.to_string(),
            center_loss: ev.measure(&plane, 0.0, 0.0).train_loss,
            center_loss_at: [0.0, 0.0],
            max_loss: z.iter().cloned().fold(f64::NEG_INFINITY, f64::max),
            first_layer: ev.first_layer(),
        });
        grids.push(z);
    }
    let [small, large] = <[Vec<f64>; 2]>::try_from(grids).expect("two minima");
    Ok((reports, SliceGrids { axis, small, large }))
}
