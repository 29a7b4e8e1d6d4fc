//! Experiment configs: the TOML schema (serde, unknown keys rejected) and its
//! validation into plans that can run. Validation happens before anything runs or any
//! output folder exists; every error names the config file and the field.
//!
//! The `[experiment]` table is tagged by `kind`; each kind's own fields live in its
//! variant of [`ExperimentConfig`].

use crate::data::config::DataConfig;
use crate::error::{Error, Result};
use crate::nn::{Activation, Init, Loss};
use crate::optim::{Hyper, Length, OptimizerKind, TrainPlan};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

mod connect;
mod noise;
mod optimizers;
pub use connect::ConnectConfig;
pub use noise::{Dynamics, EscapeConfig, SgdNoiseConfig};
pub use optimizers::{OptimizersConfig, RaceBudget, RaceStart, Racer};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dtype {
    #[default]
    F32,
    F64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Run name; the default output folder is plots/<name>.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default)]
    pub seed: u64,
    #[serde(default)]
    pub dtype: Dtype,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<DataConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<ModelConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub train: Option<TrainConfig>,
    pub experiment: ExperimentConfig,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelConfig {
    /// Widths: input first, output last.
    pub layers: Vec<usize>,
    pub activation: Activation,
    pub loss: Loss,
    #[serde(default)]
    pub init: Init,
    /// Start from these weights (safetensors), relative to the config file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weights: Option<String>,
}

/// A minibatch size: `32`, `"10%"` of the training set, or `"full"`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawBatchSize", into = "RawBatchSize")]
pub enum BatchSize {
    /// Samples per step (≥ 1).
    Count(usize),
    /// A percentage of the training set, in (0, 100].
    Percent(f64),
    /// The whole training set.
    Full,
}

/// A batch size as TOML writes it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum RawBatchSize {
    Count(i64),
    Text(String),
}

impl TryFrom<RawBatchSize> for BatchSize {
    type Error = String;
    fn try_from(raw: RawBatchSize) -> std::result::Result<Self, String> {
        match raw {
            RawBatchSize::Count(b) if b >= 1 => Ok(BatchSize::Count(b as usize)),
            RawBatchSize::Count(b) => Err(format!("a batch size must be at least 1, got {b}")),
            RawBatchSize::Text(t) if t == "full" => Ok(BatchSize::Full),
            RawBatchSize::Text(t) => match t.strip_suffix('%').map(|p| p.trim().parse::<f64>()) {
                Some(Ok(p)) if p > 0.0 && p <= 100.0 => Ok(BatchSize::Percent(p)),
                Some(Ok(_)) => Err(format!(
                    "a fraction of the training set must be in (0, 100]%, got \"{}\"",
                    crate::error::quote(&t)
                )),
                _ => Err(format!(
                    "a batch size is a positive integer, \"full\" or a percentage like \"10%\", got \"{}\"",
                    crate::error::quote(&t)
                )),
            },
        }
    }
}

impl From<BatchSize> for RawBatchSize {
    fn from(b: BatchSize) -> Self {
        match b {
            BatchSize::Count(b) => RawBatchSize::Count(b as i64),
            BatchSize::Percent(p) => RawBatchSize::Text(format!("{p}%")),
            BatchSize::Full => RawBatchSize::Text("full".into()),
        }
    }
}

impl BatchSize {
    /// As written in a config: "256", "10%" or "full".
    pub fn label(&self) -> String {
        match RawBatchSize::from(*self) {
            RawBatchSize::Count(b) => b.to_string(),
            RawBatchSize::Text(t) => t,
        }
    }

    /// Samples per step on a training set of `n` samples: a percentage is rounded and
    /// kept in [1, n]; a count is returned as is (it may exceed n).
    pub fn samples(&self, n: usize) -> usize {
        match *self {
            BatchSize::Count(b) => b,
            BatchSize::Percent(p) => ((p / 100.0 * n as f64).round() as usize).clamp(1, n.max(1)),
            BatchSize::Full => n,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainConfig {
    #[serde(default)]
    pub optimizer: OptimizerKind,
    pub lr: f64,
    /// Minibatch size or "full"; default 32 (full for `gd`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_size: Option<BatchSize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epochs: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub steps: Option<usize>,
    /// momentum: μ (default 0.9).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub momentum: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nesterov: Option<bool>,
    /// adam: β₁, β₂, ε (defaults 0.9, 0.999, 1e-8).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub beta1: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub beta2: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eps: Option<f64>,
    /// saddle_free_newton: Krylov dimension (default 10), damping μ (default 0.1) and
    /// backtracking line search on the minibatch loss (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub krylov_dim: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub damping: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line_search: Option<bool>,
    /// Learning-rate schedule: `constant` (default) or `cosine` (annealed to 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<crate::optim::Schedule>,
    /// Record metrics every this many steps (default: every epoch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record_every: Option<usize>,
    /// Stop when the training loss has not improved by 0.1 % for this many records
    /// (epochs by default); `epochs` / `steps` is then a cap.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patience: Option<usize>,
    /// Keep a parameter snapshot every this many records (default 1; 0 = none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot_every: Option<usize>,
}

/// What to run, tagged by `kind`.
#[derive(
    Clone, Debug, PartialEq, Serialize, Deserialize, strum::IntoStaticStr, strum::VariantNames,
)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
#[strum(serialize_all = "snake_case")]
pub enum ExperimentConfig {
    /// Train the model and draw curves and decision regions.
    Train(TrainKindConfig),
    /// Loss, accuracy and gradient norm of given (or initial) weights; no training.
    Evaluate {},
    /// A 1-D or 2-D slice of the loss landscape around a center (Li et al. 2018).
    Slice(SliceConfig),
    /// Curvature at a center: extreme Hessian eigenvalues, trace, spectral density,
    /// index and a critical-point classification.
    Hessian(HessianConfig),
    /// Critical-point search from many starts (Newton-MR on ½‖∇L‖²), each point found
    /// classified by its Hessian spectrum; curvature tracked along a training run.
    Saddles(SaddlesConfig),
    /// The same net and optimiser trained with each batch size over seeds: generalisation
    /// gap, ε-sharpness, λmax (Keskar et al. 2017).
    BatchSize(BatchStudyConfig),
    /// One-hidden-layer nets of growing width over seeds: approximation and
    /// over-parameterisation.
    WidthSweep(WidthSweepConfig),
    /// The lecture's XOR study (single neuron, formula network, trained nets).
    Xor(XorConfig),
    /// The minibatch gradient noise Σ_b at a point against the Hessian: its spectrum,
    /// its alignment with H's top eigenvectors and tr(HΣ_b) (Zhu et al. 2019).
    SgdNoise(SgdNoiseConfig),
    /// Leaving a minimum under GD, SGD and Gaussian noises of SGD's total variance
    /// (Zhu et al. 2019).
    Escape(EscapeConfig),
    /// A low-loss curve trained between two minima, against the straight line
    /// (Garipov et al. 2018).
    Connect(ConnectConfig),
    /// GD, momentum, Adam, Newton and saddle-free Newton raced from the same points
    /// near saddles (Dauphin et al. 2014).
    Optimizers(OptimizersConfig),
}

/// `[experiment]` of kind `train`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrainKindConfig {
    /// Grid resolution of the decision-region picture (2-D inputs).
    pub resolution: usize,
}

impl Default for TrainKindConfig {
    fn default() -> Self {
        TrainKindConfig { resolution: 200 }
    }
}

/// `[experiment]` of kind `xor`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct XorConfig {
    /// Number of seeds for the trained sigmoid nets.
    pub seeds: usize,
    /// Points per axis of the single-neuron weight grid over [−grid_limit, grid_limit].
    pub grid: usize,
    pub grid_limit: f64,
    /// Epochs of the perceptron rule before giving up.
    pub perceptron_epochs: usize,
    /// Grid resolution of the decision-region pictures.
    pub resolution: usize,
}

impl Default for XorConfig {
    fn default() -> Self {
        XorConfig {
            seeds: 100,
            grid: 41,
            grid_limit: 2.0,
            perceptron_epochs: 1000,
            resolution: 200,
        }
    }
}

impl ExperimentConfig {
    /// Every kind's name, as `kind = "..."` reads it.
    pub const KINDS: &'static [&'static str] = <Self as strum::VariantNames>::VARIANTS;

    /// This kind's name.
    pub fn kind(&self) -> &'static str {
        self.into()
    }
}

/// Where a slice is centred.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Center {
    /// Train with `[train]` first, then slice around the result.
    Trained,
    /// The weights of `[model] weights`.
    Weights,
    /// The seeded initialisation.
    Init,
}

/// How the slice's directions are chosen.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DirectionKind {
    /// Gaussian, seeded, then normalised (filter-wise by default).
    #[default]
    Random,
    /// `.npy` vectors in the flat parameter order (`dir_x`, `dir_y`).
    Files,
    /// Differences to other models: x = `model_x` − center, y = `model_y` − center.
    Models,
    /// The two principal directions of the training path (center = trained).
    Pca,
    /// x along the Hessian's top eigenvector, y along its most negative one (Lanczos
    /// at the center): the shape of a saddle, or the sharpest direction of a minimum.
    Hessian,
}

/// `[experiment]` of kind `slice`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SliceConfig {
    /// Default: `trained` when there is a `[train]` table, else `weights` when
    /// `[model] weights` is set, else `init`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub center: Option<Center>,
    /// Default: 51 points over [−1, 1].
    pub x: crate::landscape::Axis,
    /// Absent for a 1-D slice.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub y: Option<crate::landscape::Axis>,
    pub directions: DirectionKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dir_x: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dir_y: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model_x: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model_y: Option<String>,
    /// Default: `filter` for random and file directions, `none` for models, pca and hessian
    /// (so that a = 1 lands exactly on model_x, and PCA coordinates are distances).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub normalization: Option<crate::landscape::directions::Normalization>,
    /// Default `bias` (bias entries of the directions zeroed) for random and file
    /// directions, `none` for models, pca and hessian (their biases are part of the move).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ignore: Option<crate::landscape::directions::Ignore>,
    /// Gram–Schmidt y against x.
    pub orthogonalize: bool,
    /// 1-D only: this many independent random directions on one figure.
    pub repeat: usize,
    /// Log-scale colour map and contour levels.
    pub log: bool,
    /// Number of contour levels.
    pub levels: usize,
    /// 2-D only: λmin and λmax of the Hessian at every grid point (Lanczos), drawn as
    /// |λmin/λmax| (loss-landscape's plot_hessian_eigen). Costs ~2·`curvature_steps`
    /// HVPs per point.
    pub curvature: bool,
    pub curvature_steps: usize,
    /// Noise scales σ of the smoothed loss L_σ(θ) = E_{u~N(0,σ²I)} L(θ + u) at every
    /// grid point (Kleinberg et al. 2018); empty: no smoothing.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub smoothing: Vec<f64>,
    /// Monte Carlo draws of the smoothed loss (default 32; with `smoothing` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub smoothing_samples: Option<usize>,
    /// How the noise is scaled (default `none`; with `smoothing` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub smoothing_normalization: Option<crate::landscape::smoothing::NoiseNormalization>,
}

impl Default for SliceConfig {
    fn default() -> Self {
        SliceConfig {
            center: None,
            x: Default::default(),
            y: None,
            directions: DirectionKind::Random,
            dir_x: None,
            dir_y: None,
            model_x: None,
            model_y: None,
            normalization: None,
            ignore: None,
            orthogonalize: false,
            repeat: 1,
            log: false,
            levels: 20,
            curvature: false,
            curvature_steps: 40,
            smoothing: Vec::new(),
            smoothing_samples: None,
            smoothing_normalization: None,
        }
    }
}

/// `exact = true | false | "auto"`: whether the full Hessian is assembled.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawExact", into = "RawExact")]
pub enum Exact {
    /// When the net has at most `exact_max_params` parameters.
    #[default]
    Auto,
    Always,
    Never,
}

/// `exact` as TOML writes it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum RawExact {
    Bool(bool),
    Text(String),
}

impl TryFrom<RawExact> for Exact {
    type Error = String;
    fn try_from(raw: RawExact) -> std::result::Result<Self, String> {
        match raw {
            RawExact::Bool(true) => Ok(Exact::Always),
            RawExact::Bool(false) => Ok(Exact::Never),
            RawExact::Text(t) if t == "auto" => Ok(Exact::Auto),
            RawExact::Text(t) => Err(format!(
                "exact: expected true, false or \"auto\", got \"{}\"",
                crate::error::quote(&t)
            )),
        }
    }
}

impl From<Exact> for RawExact {
    fn from(e: Exact) -> Self {
        match e {
            Exact::Auto => RawExact::Text("auto".into()),
            Exact::Always => RawExact::Bool(true),
            Exact::Never => RawExact::Bool(false),
        }
    }
}

/// `[experiment]` of kind `hessian` (and `[experiment.hessian]` of kind `saddles`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HessianConfig {
    /// As for `slice`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub center: Option<Center>,
    /// Number of top and of bottom eigenvalues reported.
    pub k: usize,
    /// Assemble and diagonalise the full Hessian: true, false, or "auto" (when the net
    /// has at most `exact_max_params` parameters).
    pub exact: Exact,
    pub exact_max_params: usize,
    /// Lanczos: at most this many steps (HVPs), residual tolerance relative to |λ|max.
    pub lanczos_steps: usize,
    pub tol: f64,
    /// Hutch++ budget (HVPs) for the trace.
    pub trace_hvps: usize,
    /// Stochastic Lanczos quadrature for the density: runs × steps HVPs.
    pub slq_runs: usize,
    pub slq_steps: usize,
    /// An eigenvalue counts as negative below −index_tol·|λ|max, as zero within ±index_tol·|λ|max.
    pub index_tol: f64,
    /// A point is critical when ‖∇L‖ ≤ grad_tol.
    pub grad_tol: f64,
}

impl Default for HessianConfig {
    fn default() -> Self {
        HessianConfig {
            center: None,
            k: 3,
            exact: Exact::Auto,
            exact_max_params: 4000,
            lanczos_steps: 200,
            tol: 1e-6,
            trace_hvps: 300,
            slq_runs: 8,
            slq_steps: 80,
            index_tol: 1e-3,
            grad_tol: 1e-3,
        }
    }
}

/// `[experiment]` of kind `saddles`: critical points from `starts` random
/// initialisations and `trajectory_starts` points of the `[train]` run, and the
/// curvature along that run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SaddlesConfig {
    /// Random initialisations (the model's init, drawn from independent streams).
    pub starts: usize,
    /// Each random start is the init draw times this factor.
    pub init_scale: f64,
    /// Starts taken evenly along the `[train]` run (default 10 with `[train]`, else 0).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trajectory_starts: Option<usize>,
    /// `newton_mr` (MINRES steps on H x = ∇L) or `gradient_norm` (steps along −H∇L).
    pub method: crate::critical::SearchMethod,
    /// Search budget: outer iterations, convergence when ‖∇L‖ ≤ search_tol.
    pub max_iter: usize,
    pub search_tol: f64,
    /// MINRES steps per iteration at most, and its relative tolerance.
    pub inner_steps: usize,
    pub inner_tol: f64,
    /// A search leaving ‖θ‖ ≤ max_norm has diverged.
    pub max_norm: f64,
    /// Curvature along the `[train]` run every this many steps (default: about 100
    /// points over the run; 0 = not tracked).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub track_every: Option<usize>,
    /// A tracked point is a saddle visit when ‖∇L‖ ≤ visit_grad_frac · max ‖∇L‖ along
    /// the run and λmin < −index_tol·|λ|max.
    pub visit_grad_frac: f64,
    /// How each point is measured and classified, as for kind `hessian` (its `center`
    /// does not apply).
    pub hessian: HessianConfig,
}

impl Default for SaddlesConfig {
    fn default() -> Self {
        SaddlesConfig {
            starts: 20,
            init_scale: 1.0,
            trajectory_starts: None,
            method: Default::default(),
            max_iter: 100,
            search_tol: 1e-8,
            inner_steps: 200,
            inner_tol: 1e-6,
            max_norm: 1e4,
            track_every: None,
            visit_grad_frac: 0.02,
            hessian: HessianConfig::default(),
        }
    }
}

/// `[experiment]` of kind `batch_size`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BatchStudyConfig {
    /// Batch sizes: integers, `"10%"`-style fractions of the training set, or `"full"`
    /// (at least one; no default).
    pub batch_sizes: Vec<BatchSize>,
    /// Seeds; runs with the same seed start from the same weights.
    pub seeds: Vec<u64>,
    /// ε of the ε-sharpness (Keskar et al. 2017, Metric 2.1).
    pub epsilons: Vec<f64>,
    /// Projected-gradient ascent iterations of each sharpness maximisation.
    pub sharpness_iterations: usize,
    /// Maximise in a random subspace of this dimension instead of the full space.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sharpness_subspace: Option<usize>,
    /// Sharpness, λmax and trace use this many training samples (a seeded subset;
    /// default: all, at most 10,000).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metric_samples: Option<usize>,
    /// Lanczos steps for λmax and Hutch++ HVPs for the trace (f64).
    pub lanczos_steps: usize,
    pub trace_hvps: usize,
    /// The parametric plot (1 − α)·θ_small + α·θ_large over this α range.
    pub alpha_range: [f64; 2],
    pub alpha_points: usize,
    /// 2-D filter-normalised slices around the smallest- and largest-batch minima:
    /// points per axis over [−slice_range, slice_range] (0 = no slices).
    pub slice_points: usize,
    pub slice_range: f64,
    /// Train every run until its full-batch training loss, checked every epoch, is at or
    /// below this, so that all are compared at the same training loss; the training
    /// length is then a cap, and a run that never gets there is flagged.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop_at_train_loss: Option<f64>,
    /// What every batch size gets the same amount of: `epochs` (`[train] epochs`) or
    /// optimiser `steps` (`[train] steps`). Default: whichever `[train]` sets.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub budget: Option<TrainingBudget>,
}

/// What every run of a batch-size study gets the same amount of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrainingBudget {
    Epochs,
    Steps,
}

impl Default for BatchStudyConfig {
    fn default() -> Self {
        BatchStudyConfig {
            batch_sizes: vec![],
            seeds: vec![0],
            epsilons: vec![1e-3, 5e-4],
            sharpness_iterations: 20,
            sharpness_subspace: None,
            metric_samples: None,
            lanczos_steps: 30,
            trace_hvps: 30,
            alpha_range: [-1.0, 2.0],
            alpha_points: 31,
            slice_points: 21,
            slice_range: 1.0,
            stop_at_train_loss: None,
            budget: None,
        }
    }
}

/// A hidden width of a width sweep (≥ 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub struct Width(pub usize);

impl TryFrom<i64> for Width {
    type Error = String;
    fn try_from(w: i64) -> std::result::Result<Self, String> {
        if w >= 1 {
            Ok(Width(w as usize))
        } else {
            Err(format!("widths: a width must be at least 1, got {w}"))
        }
    }
}

impl From<Width> for i64 {
    fn from(w: Width) -> i64 {
        w.0 as i64
    }
}

/// `[experiment]` of kind `width_sweep`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WidthSweepConfig {
    /// Hidden widths (at least one; no default); `[model] layers` must be
    /// [input, any, output].
    pub widths: Vec<Width>,
    pub seeds: Vec<u64>,
}

impl Default for WidthSweepConfig {
    fn default() -> Self {
        WidthSweepConfig {
            widths: vec![],
            seeds: vec![0],
        }
    }
}

/// The toml crate's message, which quotes the config's line, made safe to print: control
/// characters escaped and every line cut to [`SHOWN_LINE_CHARS`] characters.
fn shown_safely(msg: &str) -> String {
    let line = |l: &str| {
        let mut out = String::new();
        for (i, c) in l.chars().enumerate() {
            if i == SHOWN_LINE_CHARS {
                out.push('…');
                break;
            }
            if c.is_control() {
                out.extend(c.escape_default());
            } else {
                out.push(c);
            }
        }
        out
    };
    msg.lines().map(line).collect::<Vec<_>>().join("\n")
}

/// Longest line of a config syntax error, in characters.
const SHOWN_LINE_CHARS: usize = 240;

/// An unknown key inside a tagged table (`[experiment]`) is reported by the toml crate
/// at the table's header, because serde reads a tagged enum's fields after buffering
/// them. This finds the key's own line in that table and reports the error there, in
/// the toml crate's format; None when the error is of another kind or the key is not
/// found on a line of its own.
fn unknown_key_at_its_line(text: &str, e: &toml::de::Error) -> Option<String> {
    let msg = e.message();
    let key = msg.strip_prefix("unknown field `")?.split('`').next()?;
    let table_start = e.span()?.start;
    let first_line = text.get(..table_start)?.matches('\n').count();
    for (i, line) in text.lines().enumerate().skip(first_line + 1) {
        let t = line.trim_start();
        if t.starts_with('[') {
            break;
        }
        let name = t
            .split('=')
            .next()
            .unwrap_or("")
            .trim()
            .trim_matches(['"', '\'']);
        if t.contains('=') && name == key {
            let col = line.len() - t.len();
            let n = i + 1;
            let pad = " ".repeat(n.to_string().len());
            return Some(format!(
                "TOML parse error at line {n}, column {}\n{pad} |\n{n} | {line}\n{pad} | {}{}\n{}",
                col + 1,
                " ".repeat(col),
                "^".repeat(key.len().max(1)),
                msg.trim_end()
            ));
        }
    }
    None
}

/// Most optimiser steps a training run may ask for: 2⁵³, below which step counts and
/// epochs (`step / steps_per_epoch` in f64) are exact, and which no run reaches (it is
/// centuries at a million steps a second). Larger counts are refused, so they never
/// overflow.
pub const MAX_STEPS: u64 = 1 << 53;

/// The file name of a config read from standard input, in messages.
pub const STDIN: &str = "<stdin>";

/// Longest run name, in bytes.
pub const MAX_NAME_BYTES: usize = 128;

/// A run name becomes the folder `plots/<name>`, so it must be exactly one ordinary path
/// component: not empty, `.` or `..`, no `/` or `\\`, no control characters, at most
/// [`MAX_NAME_BYTES`] bytes. The message says what is wrong (the name quoted, escaped).
pub fn check_run_name(name: &str) -> std::result::Result<(), String> {
    let shown = format!("\"{}\"", crate::error::quote(name));
    let why = if name.is_empty() {
        "is empty".to_string()
    } else if name == "." || name == ".." {
        format!("{shown} is not a folder name")
    } else if name.contains(['/', '\\']) {
        format!("{shown} contains a path separator; a run name is one folder name (use --out for another place)")
    } else if name.chars().any(char::is_control) {
        format!("{shown} contains control characters")
    } else if name.len() > MAX_NAME_BYTES {
        format!(
            "is {} bytes long; at most {MAX_NAME_BYTES} are allowed",
            name.len()
        )
    } else {
        return Ok(());
    };
    Err(format!("{why} (the run is written to plots/<name>)"))
}

/// A config read from a file, with the file's path for error messages and relative paths.
#[derive(Clone, Debug)]
pub struct LoadedConfig {
    pub file: PathBuf,
    pub config: Config,
}

impl LoadedConfig {
    pub fn read(file: &Path) -> Result<Self> {
        let text = crate::io::read::read_input_text(file, crate::io::read::CONFIG_LIMIT)?;
        Self::parse(file, &text)
    }

    /// A config from standard input (at most [`crate::io::read::CONFIG_LIMIT`] bytes),
    /// named `<stdin>` in messages; relative paths in it are relative to the working
    /// folder, and it must have a `name` (there is no file name to stand in for it).
    pub fn read_stdin() -> Result<Self> {
        use std::io::Read;
        let file = Path::new(STDIN);
        let limit = crate::io::read::CONFIG_LIMIT;
        let mut bytes = Vec::new();
        std::io::stdin()
            .take(limit + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| Error::io(file, e))?;
        if bytes.len() as u64 > limit {
            return Err(Error::data(file, None, format!("is over {limit} bytes")));
        }
        let text =
            String::from_utf8(bytes).map_err(|_| Error::data(file, None, "is not UTF-8 text"))?;
        let cfg = Self::parse(file, &text)?;
        if cfg.config.name.is_none() {
            return Err(cfg.err(
                "name",
                "missing: a config read from standard input needs a name",
            ));
        }
        Ok(cfg)
    }

    pub fn parse(file: &Path, text: &str) -> Result<Self> {
        let config: Config = toml::from_str(text).map_err(|e| Error::ConfigSyntax {
            file: file.to_path_buf(),
            msg: shown_safely(
                &unknown_key_at_its_line(text, &e)
                    .unwrap_or_else(|| e.to_string().trim_end().to_string()),
            ),
        })?;
        if let Some(name) = &config.name {
            check_run_name(name).map_err(|msg| Error::config(file, "name", msg))?;
        }
        Ok(LoadedConfig {
            file: file.to_path_buf(),
            config,
        })
    }

    /// A path from the config, resolved against the config file's folder (the working
    /// folder for a config read from standard input).
    pub fn resolve(&self, rel: &str) -> PathBuf {
        let p = Path::new(rel);
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.file.parent().unwrap_or(Path::new(".")).join(p)
        }
    }

    pub fn err(&self, field: &str, msg: impl Into<String>) -> Error {
        Error::config(&self.file, field, msg)
    }

    /// The run name, checked to be one path component: `name` (checked when the config
    /// was parsed), else the config file's stem, which must pass the same check.
    pub fn run_name(&self) -> Result<String> {
        let name = self.name();
        check_run_name(&name).map_err(|msg| {
            self.err(
                "name",
                format!("missing, and the config file's name cannot stand in for it: {msg}"),
            )
        })?;
        Ok(name)
    }

    /// The run name: `name`, else the config file's stem (unchecked; see [`Self::run_name`]).
    pub fn name(&self) -> String {
        self.config.name.clone().unwrap_or_else(|| {
            self.file
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "run".into())
        })
    }

    pub fn model(&self) -> Result<&ModelConfig> {
        self.config.model.as_ref().ok_or_else(|| {
            self.err(
                "model",
                format!(
                    "missing: kind `{}` needs a [model] table",
                    self.config.experiment.kind()
                ),
            )
        })
    }

    pub fn data(&self) -> Result<&DataConfig> {
        self.config.data.as_ref().ok_or_else(|| {
            self.err(
                "data",
                format!(
                    "missing: kind `{}` needs a [data] table",
                    self.config.experiment.kind()
                ),
            )
        })
    }

    /// Check the model table: widths, and that training is possible when asked.
    pub fn validate_model(&self, model: &ModelConfig, trains: bool) -> Result<()> {
        if model.layers.len() < 2 {
            return Err(self.err(
                "model.layers",
                "needs at least an input and an output width, e.g. [2, 8, 1]",
            ));
        }
        if let Some(i) = model.layers.iter().position(|&w| w == 0) {
            return Err(self.err(
                "model.layers",
                format!("width {i} is 0; every layer needs at least one neuron"),
            ));
        }
        if trains && !model.activation.is_differentiable() {
            return Err(self.err(
                "model.activation",
                "`step` has no derivative and cannot be trained; use sigmoid, tanh, relu or identity",
            ));
        }
        if model.loss == Loss::Bce && *model.layers.last().unwrap() != 1 {
            return Err(self.err("model.layers", "loss `bce` needs exactly one output"));
        }
        Ok(())
    }

    /// The validated training plan of `[train]`, for a training set of `n` samples.
    pub fn train_plan(&self, train: &TrainConfig, n: usize) -> Result<TrainPlan> {
        if !(train.lr.is_finite() && train.lr > 0.0) {
            return Err(self.err(
                "train.lr",
                format!("must be a positive number, got {}", train.lr),
            ));
        }
        let full = train.optimizer == OptimizerKind::Gd;
        let batch_size = match train.batch_size {
            None if full => None,
            None => Some(32.min(n)),
            Some(BatchSize::Full) => None,
            Some(BatchSize::Count(b)) if b > n => {
                return Err(self.err(
                    "train.batch_size",
                    format!("{b} is larger than the training set ({n} samples); use \"full\" for full-batch"),
                ))
            }
            Some(_) if full => {
                return Err(self.err("train.batch_size", "optimizer `gd` is full-batch; remove batch_size or use sgd"))
            }
            Some(b) => Some(b.samples(n)),
        };
        let length = match (train.epochs, train.steps) {
            (Some(_), Some(_)) => {
                return Err(self.err("train.steps", "give either epochs or steps, not both"))
            }
            (Some(e), None) => Length::Epochs(e),
            (None, Some(s)) => Length::Steps(s),
            (None, None) => return Err(self.err("train.epochs", "missing: give epochs (or steps)")),
        };
        let steps_per_epoch = n.div_ceil(batch_size.unwrap_or(n).max(1)) as u64;
        let (field, total) = match length {
            Length::Epochs(e) => ("train.epochs", (e as u64).checked_mul(steps_per_epoch)),
            Length::Steps(s) => ("train.steps", Some(s as u64)),
        };
        if total.is_none_or(|t| t > MAX_STEPS) {
            return Err(self.err(
                field,
                format!(
                    "asks for more than 2^53 optimiser steps ({steps_per_epoch} per epoch); \
                     that run would never finish"
                ),
            ));
        }
        let d = Hyper::default();
        let hyper = Hyper {
            momentum: train.momentum.unwrap_or(d.momentum),
            nesterov: train.nesterov.unwrap_or(d.nesterov),
            beta1: train.beta1.unwrap_or(d.beta1),
            beta2: train.beta2.unwrap_or(d.beta2),
            eps: train.eps.unwrap_or(d.eps),
            krylov_dim: train.krylov_dim.unwrap_or(d.krylov_dim),
            damping: train.damping.unwrap_or(d.damping),
            line_search: train.line_search.unwrap_or(d.line_search),
        };
        if hyper.krylov_dim == 0 {
            return Err(self.err("train.krylov_dim", "must be at least 1"));
        }
        if !(hyper.damping.is_finite() && hyper.damping >= 0.0) {
            return Err(self.err(
                "train.damping",
                format!("must be a number ≥ 0, got {}", hyper.damping),
            ));
        }
        let in_unit = |v: f64, field: &str| {
            if (0.0..1.0).contains(&v) {
                Ok(())
            } else {
                Err(self.err(field, format!("must be in [0, 1), got {v}")))
            }
        };
        in_unit(hyper.momentum, "train.momentum")?;
        in_unit(hyper.beta1, "train.beta1")?;
        in_unit(hyper.beta2, "train.beta2")?;
        if hyper.eps.is_nan() || hyper.eps <= 0.0 {
            return Err(self.err("train.eps", format!("must be positive, got {}", hyper.eps)));
        }
        let unused = |field: &str, set: bool, opt: &str| {
            if set {
                Err(self.err(field, format!("is not used by optimizer `{opt}`")))
            } else {
                Ok(())
            }
        };
        let name: &str = train.optimizer.into();
        if train.optimizer != OptimizerKind::Momentum {
            unused("train.momentum", train.momentum.is_some(), name)?;
            unused("train.nesterov", train.nesterov.is_some(), name)?;
        }
        if train.optimizer != OptimizerKind::Adam {
            unused("train.beta1", train.beta1.is_some(), name)?;
            unused("train.beta2", train.beta2.is_some(), name)?;
            unused("train.eps", train.eps.is_some(), name)?;
        }
        if train.optimizer != OptimizerKind::SaddleFreeNewton {
            unused("train.krylov_dim", train.krylov_dim.is_some(), name)?;
            unused("train.damping", train.damping.is_some(), name)?;
            unused("train.line_search", train.line_search.is_some(), name)?;
        }
        if train.patience == Some(0) {
            return Err(self.err(
                "train.patience",
                "must be at least 1 (omit it to train for the full length)",
            ));
        }
        if train.record_every == Some(0) {
            return Err(self.err(
                "train.record_every",
                "must be at least 1 (omit it to record every epoch)",
            ));
        }
        Ok(TrainPlan {
            optimizer: train.optimizer,
            hyper,
            lr: train.lr,
            schedule: train.schedule.unwrap_or_default(),
            batch_size,
            length,
            record_every: train.record_every.unwrap_or(0),
            snapshot_every: train.snapshot_every.unwrap_or(1),
            patience: train.patience,
            stop_at_loss: None,
        })
    }

    /// The `[train]` table, or an error naming it when the kind needs one.
    pub fn train(&self) -> Result<&TrainConfig> {
        self.config.train.as_ref().ok_or_else(|| {
            self.err(
                "train",
                format!(
                    "missing: kind `{}` needs a [train] table",
                    self.config.experiment.kind()
                ),
            )
        })
    }
}

#[cfg(test)]
mod name_tests {
    use super::*;
    use crate::critical::PointClass;
    use crate::data::config::Source;
    use serde::de::DeserializeOwned;
    use strum::VariantNames;

    /// Every name strum lists reads back through serde as the variant it names.
    fn names_round_trip<T>(name_of: fn(&T) -> &'static str)
    where
        T: VariantNames + DeserializeOwned,
    {
        for &name in T::VARIANTS {
            let v: T = serde_json::from_value(serde_json::json!(name))
                .unwrap_or_else(|e| panic!("serde does not read {name}: {e}"));
            assert_eq!(name_of(&v), name);
        }
    }

    #[test]
    fn config_names_are_the_serde_names() {
        names_round_trip::<Activation>(|a| a.name());
        names_round_trip::<Loss>(|l| l.name());
        names_round_trip::<Init>(|i| i.name());
        names_round_trip::<OptimizerKind>(|o| o.into());
        names_round_trip::<Source>(|s| s.name());
        names_round_trip::<PointClass>(|c| c.name());
        for &kind in ExperimentConfig::KINDS {
            let text = format!("[experiment]\nkind = \"{kind}\"\n");
            let cfg: Config = toml::from_str(&text).unwrap_or_else(|e| panic!("kind {kind}: {e}"));
            assert_eq!(cfg.experiment.kind(), kind);
        }
    }
}
