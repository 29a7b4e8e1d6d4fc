//! The memory a run will need, estimated from its config before anything is allocated,
//! and the check that refuses a run above a budget (exit status 2, naming the config key).
//!
//! [`estimate`] lists the run's large allocations as [`Part`]s, each tied to the config
//! key that drives it. The sizes follow what the code really allocates (P parameters,
//! S bytes per scalar of the run's dtype, f64 for curvature work, T worker threads):
//!
//! - the program itself: 12 MiB and 2 MiB per worker thread (`--max-memory`);
//! - data (`data.n` / `data.path` / `data.source`): kept f64 rows × (features + targets)
//!   × 8, plus the larger of the reading buffers (2 × rows read × (columns + 1) × 8;
//!   IDX: 2 × the raw bytes) and the network-ready copy (rows × (features + outputs) × S);
//!   an f64 copy of the training rows where curvature is measured;
//! - model and training (`model.layers`): θ, two gradients and the optimiser's state
//!   (P × S each), and the chunk pools of the training, test and minibatch evaluations:
//!   min(⌈rows / chunk⌉, 16) groups × (one chunk's activations + P × S gradient
//!   [+ P × S for HVPs]), chunk = 131072 / widest layer clamped to 64..256 rows;
//! - records (`train.epochs` / `train.steps`): records × 160 B and parameter snapshots
//!   (records / snapshot_every) × P × S, plus the f64 copies a kind makes of them;
//! - train: decision regions resolution² × (36 + 8·outputs) B (`experiment.resolution`);
//! - slice: grid points × 640 B (2-D: values, resume log, per-column arrays, the VTK
//!   text) or × 160 B (1-D) (`experiment.x.points`, `.y.points`, `.repeat`); per thread
//!   a θ and two chunk pools; one plane's first-layer products, 3 × (train + test rows)
//!   × width₁ × S, when the sweep reuses them (`landscape::first_layer`); Hessian
//!   directions and curvature maps as for Lanczos below; with `smoothing`, the noise
//!   vectors when held (K × P × 8 up to 64 MiB), per point in flight a chunk pool, three
//!   P-vectors and K × nσ losses, and 4 × nσ × points × 8 B of smoothed grids;
//! - Hessian spectra (`experiment.exact`, `.lanczos_steps`, `.trace_hvps`, `.slq_steps`):
//!   exact = 4 × P² × 8 (H, nalgebra's copy, the eigenvectors, their per-column copy);
//!   else the largest phase of Lanczos (steps × P × 8 basis), Hutch++ (3 × P × hvps/3 × 8)
//!   and SLQ (steps × P × 8), plus 2k eigenvectors;
//! - saddles (`experiment.starts`): every start's θ and result, (2P + max_iter) × 8 B plus
//!   its spectrum report, and per thread the search's ~18 vectors and one spectrum;
//! - batch_size: min(T, runs) runs at once, the larger of their training phase and their
//!   measuring phase (sharpness ascent, Lanczos and Hutch++ on `metric_samples` rows),
//!   or of the final interpolation and 2-D slices (`slice_points`² × 640 B): the phases
//!   follow each other and each frees its chunk pools;
//! - sgd_noise and escape: the sampled rows' per-sample gradients (`experiment.samples`
//!   × P × 8), a Lanczos basis and the Ritz vectors of H and Σ (`experiment.lanczos_steps`,
//!   `.k`), Hutch++ for tr(H) above `exact_max_params`; escape adds the noise shapes
//!   (2k + 1 vectors of P) and min(T, runs) runs at once, each with five P-vectors,
//!   sequential pools and its records (`experiment.steps`);
//! - width_sweep: min(T, runs) training runs at once, each sized by the widest net
//!   (`experiment.widths`);
//! - xor: the perceptron's error list, 2 × 16 B per epoch (`experiment.perceptron_epochs`,
//!   an XOR perceptron never converges), the single-neuron axis, both region grids and
//!   every seed's result (`experiment.seeds`);
//! - connect: the two minima's training, the ends, the bend and its optimiser state,
//!   every step's sampled loss (`experiment.epochs`) and the plane (`experiment.grid`);
//! - optimizers: the plateau's training run or the searches' ends
//!   (`experiment.searches`), extreme eigenpairs, every race's records
//!   (`experiment.steps`) and the plane (`experiment.grid`).
//!
//! All arithmetic saturates at u64::MAX, so absurd sizes give an absurd estimate, never
//! an overflow. [`check`] blames the first part that alone exceeds the budget (data and
//! model come first, so an oversized net is named before the snapshots it multiplies),
//! else the largest part.

use crate::config::{
    BatchSize, BatchStudyConfig, Center, ConnectConfig, Dtype, EscapeConfig, Exact,
    ExperimentConfig, HessianConfig, LoadedConfig, OptimizersConfig, SaddlesConfig, SgdNoiseConfig,
    SliceConfig, TrainConfig, WidthSweepConfig,
};
use crate::data::config::{DataConfig, Source};
use crate::data::shape::{data_shape, DataShape};
use crate::error::{Error, Result};
use crate::landscape::first_layer::FirstLayer;
use crate::optim::{Length, OptimizerKind, TrainPlan};

/// One large allocation of a run (or a group of them with one cause).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Part {
    /// The config key that drives its size, e.g. "model.layers", "experiment.x.points".
    pub key: &'static str,
    /// What it is, with the factors, e.g. "parameter snapshots: 101 × 3,000,000 params × 4 B".
    pub what: String,
    pub bytes: u64,
}

/// A run's planned memory, part by part (in plan order: the program, data, model, then
/// the kind's own).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Estimate {
    pub parts: Vec<Part>,
}

impl Estimate {
    /// Sum of the parts, saturating at u64::MAX.
    pub fn total(&self) -> u64 {
        self.parts
            .iter()
            .fold(0u64, |sum, p| sum.saturating_add(p.bytes))
    }

    /// The largest part (the first of equals).
    pub fn largest(&self) -> Option<&Part> {
        self.parts
            .iter()
            .reduce(|best, p| if p.bytes > best.bytes { p } else { best })
    }

    fn add(&mut self, key: &'static str, what: String, bytes: u64) {
        self.parts.push(Part { key, what, bytes });
    }
}

/// Refuse a run whose estimate is above `budget` bytes: a config error naming the key
/// of the first part that alone exceeds the budget (else of the largest part), that
/// part's size and the run's, and what to change.
pub fn check(cfg: &LoadedConfig, est: &Estimate, budget: u64) -> Result<()> {
    let total = est.total();
    if total <= budget {
        return Ok(());
    }
    let Some(part) = est
        .parts
        .iter()
        .find(|p| p.bytes > budget)
        .or_else(|| est.largest())
    else {
        return Ok(());
    };
    Err(Error::config(
        &cfg.file,
        part.key,
        format!(
            "the run would need about {} of memory, above the budget of {}: {} = {}; {} or raise --max-memory",
            human(total),
            human(budget),
            part.what,
            human(part.bytes),
            remedy(part.key),
        ),
    ))
}

fn remedy(key: &str) -> String {
    match key {
        RUNTIME_KEY => "use fewer --threads".into(),
        "experiment.exact" | "experiment.hessian.exact" => {
            format!("set {key} = false (Lanczos estimates)")
        }
        "model.layers" => "use narrower or fewer layers".into(),
        "experiment.widths" => "use smaller widths".into(),
        _ => format!("lower {key}"),
    }
}

/// The data shape a run of `cfg` will load: its `[data]` table, or for kind `xor`
/// without one the XOR truth table.
pub fn planned_data(cfg: &LoadedConfig) -> Result<DataShape> {
    match (&cfg.config.data, &cfg.config.experiment) {
        (None, ExperimentConfig::Xor(_)) => data_shape(&DataConfig::new(Source::Xor), &cfg.file),
        _ => data_shape(cfg.data()?, &cfg.file),
    }
}

/// The memory a run of `cfg` on data of shape `data` with `threads` workers will need.
pub fn estimate(cfg: &LoadedConfig, data: &DataShape, threads: usize) -> Result<Estimate> {
    let run = Run::new(cfg, data, threads)?;
    let mut est = Estimate::default();
    est.add(
        RUNTIME_KEY,
        format!("program, libraries and {threads} worker thread(s)"),
        sum(&[RUNTIME_BYTES, mul(&[run.threads, RUNTIME_BYTES_PER_THREAD])]),
    );
    run.add_data(&mut est);
    match &cfg.config.experiment {
        ExperimentConfig::Train(tc) => run.train_kind(&mut est, tc.resolution)?,
        ExperimentConfig::Evaluate {} => run.evaluate_kind(&mut est),
        ExperimentConfig::Slice(sc) => run.slice_kind(&mut est, sc)?,
        ExperimentConfig::Hessian(hc) => run.hessian_kind(&mut est, hc)?,
        ExperimentConfig::Saddles(sc) => run.saddles_kind(&mut est, sc)?,
        ExperimentConfig::BatchSize(bc) => run.batch_size_kind(&mut est, bc)?,
        ExperimentConfig::WidthSweep(wc) => run.width_sweep_kind(&mut est, wc)?,
        ExperimentConfig::SgdNoise(nc) => run.sgd_noise_kind(&mut est, nc)?,
        ExperimentConfig::Escape(ec) => run.escape_kind(&mut est, ec)?,
        ExperimentConfig::Connect(cc) => run.connect_kind(&mut est, cc)?,
        ExperimentConfig::Optimizers(oc) => run.optimizers_kind(&mut est, oc)?,
        ExperimentConfig::Xor(xc) => run.xor_kind(
            &mut est,
            xc.seeds,
            xc.grid,
            xc.perceptron_epochs,
            xc.resolution,
        )?,
    }
    Ok(est)
}

// ---- saturating arithmetic and units ----

/// Saturating product.
fn mul(factors: &[u64]) -> u64 {
    factors.iter().fold(1u64, |a, &b| a.saturating_mul(b))
}

fn sum(terms: &[u64]) -> u64 {
    terms.iter().fold(0u64, |a, &b| a.saturating_add(b))
}

fn n64(n: usize) -> u64 {
    n as u64
}

/// `n` with thousands separators: 3,000,000.
fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Bytes in decimal units: "640 B", "1.6 GB", "over 18 EB" for a saturated size.
pub fn human(bytes: u64) -> String {
    if bytes == u64::MAX {
        return "over 18 EB".into();
    }
    const UNITS: [&str; 6] = ["kB", "MB", "GB", "TB", "PB", "EB"];
    if bytes < 1000 {
        return format!("{bytes} B");
    }
    let mut v = bytes as f64 / 1000.0;
    let mut unit = 0;
    while v >= 1000.0 && unit + 1 < UNITS.len() {
        v /= 1000.0;
        unit += 1;
    }
    format!("{v:.1} {}", UNITS[unit])
}

// ---- the network ----

/// The key of the run's fixed cost: only a larger budget helps.
const RUNTIME_KEY: &str = "--max-memory";
/// Resident memory of the program itself (measured: 9-14 MB for the smallest configs)
/// and of each worker thread (stack and matrix-product packing buffers).
const RUNTIME_BYTES: u64 = 12 << 20;
const RUNTIME_BYTES_PER_THREAD: u64 = 2 << 20;
/// Rows of activations per chunk pool buffer (as `nn::chunked`).
const CHUNK_ACTIVATIONS: u64 = 131_072;
/// Independent accumulation groups of a chunk pool (`nn::chunked::MAX_GROUPS`).
const MAX_GROUPS: u64 = 16;
/// Bytes of one training `Record` with its share of the Vec's spare capacity.
const RECORD_BYTES: u64 = 160;
/// `experiment::train` exports snapshots up to this many values (`MAX_SNAPSHOT_VALUES`).
const MAX_EXPORTED_SNAPSHOT_VALUES: u64 = 40_000_000;
/// Bytes per 2-D slice point: coordinates, values, resume log, per-column arrays and
/// the VTK surface text; per 1-D point without the surface.
const SLICE_POINT_2D: u64 = 640;
const SLICE_POINT_1D: u64 = 160;
/// Lanczos steps `slice` spends on Hessian directions.
const SLICE_HESSIAN_STEPS: u64 = 300;
/// Vectors of length P a critical-point search holds (search state and MINRES).
const SEARCH_VECTORS: u64 = 18;
/// Vectors of length P of the ε-sharpness ascent in the full space.
const SHARPNESS_VECTORS: u64 = 11;
/// Training rows batch_size measures its metrics on by default.
const DEFAULT_METRIC_SAMPLES: usize = 10_000;

/// Widths of an MLP, with saturating sizes.
struct Net {
    widths: Vec<u64>,
}

impl Net {
    fn new(layers: &[usize]) -> Self {
        Net {
            widths: layers.iter().map(|&w| n64(w)).collect(),
        }
    }

    /// P = Σ (w_l · w_{l+1} + w_{l+1}).
    fn params(&self) -> u64 {
        self.widths.windows(2).fold(0u64, |p, w| {
            p.saturating_add(mul(&[w[0], w[1]]).saturating_add(w[1]))
        })
    }

    fn outputs(&self) -> u64 {
        self.widths.last().copied().unwrap_or(1)
    }

    fn chunk_rows(&self) -> u64 {
        let widest = self
            .widths
            .iter()
            .skip(1)
            .copied()
            .max()
            .unwrap_or(1)
            .max(1);
        (CHUNK_ACTIVATIONS / widest).clamp(64, 256)
    }

    /// Values of one chunk's workspace: three buffers per layer and four of the widest.
    fn workspace_values(&self) -> u64 {
        let layer_sum = sum(&self.widths.iter().skip(1).copied().collect::<Vec<_>>());
        let widest = self.widths.iter().copied().max().unwrap_or(0);
        mul(&[
            sum(&[mul(&[3, layer_sum]), mul(&[4, widest])]),
            self.chunk_rows(),
        ])
    }

    /// A chunk pool evaluating `rows` rows: its groups' workspaces and gradients
    /// (and HVP buffers).
    fn pool_bytes(&self, rows: usize, hvp: bool, scalar: u64) -> u64 {
        let groups = n64(rows).div_ceil(self.chunk_rows()).clamp(1, MAX_GROUPS);
        let vectors = if hvp { 2 } else { 1 };
        let per_group = sum(&[self.workspace_values(), mul(&[vectors, self.params()])]);
        mul(&[groups, per_group, scalar])
    }
}

fn scalar_bytes(dtype: Dtype) -> u64 {
    match dtype {
        Dtype::F32 => 4,
        Dtype::F64 => 8,
    }
}

// ---- one run ----

struct Run<'a> {
    cfg: &'a LoadedConfig,
    data: &'a DataShape,
    net: Net,
    threads: u64,
    scalar: u64,
}

/// How many records and snapshots a training run keeps.
struct Recorded {
    records: u64,
    snapshots: u64,
    key: &'static str,
}

impl<'a> Run<'a> {
    fn new(cfg: &'a LoadedConfig, data: &'a DataShape, threads: usize) -> Result<Self> {
        let layers = match (&cfg.config.model, &cfg.config.experiment) {
            (None, ExperimentConfig::Xor(_)) => super::xor::default_model().layers,
            _ => cfg.model()?.layers.clone(),
        };
        Ok(Run {
            cfg,
            data,
            net: Net::new(&layers),
            threads: n64(threads.max(1)),
            scalar: scalar_bytes(cfg.config.dtype),
        })
    }

    fn p(&self) -> u64 {
        self.net.params()
    }

    fn rows(&self) -> u64 {
        n64(self.data.n_train).saturating_add(n64(self.data.n_test))
    }

    fn data_key(&self) -> &'static str {
        match self.cfg.config.data.as_ref().map(|d| d.source) {
            Some(Source::Csv | Source::Idx) => "data.path",
            Some(Source::Digits | Source::BreastCancer | Source::Mnist) => "data.source",
            _ => "data.n",
        }
    }

    fn is_idx(&self) -> bool {
        matches!(
            self.cfg.config.data.as_ref().map(|d| d.source),
            Some(Source::Idx | Source::Mnist)
        )
    }

    /// Reading, the kept f64 split, and the network-ready samples.
    fn add_data(&self, est: &mut Estimate) {
        let d = self.data;
        let (features, outputs) = (n64(d.features), n64(d.outputs));
        let columns = sum(&[features, outputs]);
        let kept = mul(&[self.rows(), columns, 8]);
        let reading = if self.is_idx() {
            mul(&[2, n64(d.n_read), sum(&[features, 1])])
        } else {
            mul(&[2, n64(d.n_read), sum(&[columns, 1]), 8])
        };
        let samples = sum(&[
            mul(&[
                self.rows(),
                sum(&[features, self.net.outputs()]),
                self.scalar,
            ]),
            mul(&[n64(d.n_train), 8]),
        ]);
        est.add(
            self.data_key(),
            format!(
                "data: {} rows × {} columns × 8 B, read from {} rows, {} B per value for the net",
                count(self.rows()),
                count(columns),
                count(n64(d.n_read)),
                self.scalar
            ),
            sum(&[kept, reading.max(samples)]),
        );
    }

    /// The f64 copy of the training rows curvature is measured on.
    fn add_f64_train(&self, est: &mut Estimate) {
        self.add_f64_rows(est, self.data.n_train, "training");
    }

    /// An f64 copy of `rows` rows of the `which` set.
    fn add_f64_rows(&self, est: &mut Estimate, rows: usize, which: &str) {
        let columns = sum(&[n64(self.data.features), self.net.outputs()]);
        est.add(
            self.data_key(),
            format!(
                "f64 {which} rows: {} × {} × 8 B",
                count(n64(rows)),
                count(columns)
            ),
            mul(&[n64(rows), columns, 8]),
        );
    }

    /// The training plan on the planned training set. A csv's row count is only a
    /// bound (its batch size is checked once it is read), so there the set counts as at
    /// least one batch.
    fn train_plan(&self, train: &TrainConfig) -> Result<TrainPlan> {
        let mut n = self.data.n_train.max(1);
        if let (false, Some(BatchSize::Count(b))) = (self.data.rows_exact, train.batch_size) {
            n = n.max(b);
        }
        self.cfg.train_plan(train, n)
    }

    /// Optimiser steps, epochs and the key that sets them, for one run of `plan`.
    fn length(&self, plan: &TrainPlan) -> (u64, u64, &'static str) {
        let n = n64(self.data.n_train.max(1));
        let b = plan.batch_size.map_or(n, n64).clamp(1, n);
        let steps_per_epoch = n.div_ceil(b);
        match plan.length {
            Length::Epochs(e) => (mul(&[n64(e), steps_per_epoch]), n64(e), "train.epochs"),
            Length::Steps(s) => (n64(s), n64(s).div_ceil(steps_per_epoch), "train.steps"),
        }
    }

    /// Records and snapshots of one training run of `plan`.
    fn recorded(&self, plan: &TrainPlan) -> Recorded {
        let (steps, epochs, key) = self.length(plan);
        let records = if plan.record_every == 0 {
            epochs
        } else {
            steps / n64(plan.record_every)
        }
        .saturating_add(2);
        let snapshots = match plan.snapshot_every {
            0 => 0,
            k => records.div_ceil(n64(k)),
        };
        Recorded {
            records,
            snapshots,
            key,
        }
    }

    /// A study's training records: every run's curve kept (24 B a record), and the
    /// records of the runs in flight.
    fn add_study_records(&self, est: &mut Estimate, plan: &TrainPlan, runs: u64, workers: u64) {
        let rec = self.recorded(plan);
        est.add(
            rec.key,
            format!(
                "training records: {} runs × {} records",
                count(runs),
                count(rec.records)
            ),
            sum(&[
                mul(&[runs, rec.records, 24]),
                mul(&[workers, rec.records, RECORD_BYTES]),
            ]),
        );
    }

    /// Training state and evaluation pools of one run of `net` (θ, two gradients, the
    /// optimiser's state; the training, test and minibatch pools).
    fn training_state_bytes(&self, net: &Net, plan: &TrainPlan) -> u64 {
        let optimizer = match plan.optimizer {
            OptimizerKind::Gd | OptimizerKind::Sgd => 0,
            // The Krylov basis, its start and the step: min(k, P) + 3 vectors of f64,
            // counted in vectors of the run's scalar.
            OptimizerKind::SaddleFreeNewton => {
                let f64_vectors = sum(&[n64(plan.hyper.krylov_dim).min(net.params()), 3]);
                mul(&[f64_vectors, 8]) / self.scalar.max(1)
            }
            OptimizerKind::Momentum => 1,
            OptimizerKind::Adam => 2,
        };
        let b = plan.batch_size.unwrap_or(self.data.n_train);
        let batch = mul(&[
            n64(b),
            sum(&[n64(self.data.features), net.outputs()]),
            self.scalar,
        ]);
        sum(&[
            mul(&[3 + optimizer, net.params(), self.scalar]),
            net.pool_bytes(self.data.n_train, false, self.scalar),
            net.pool_bytes(self.data.n_test, false, self.scalar),
            net.pool_bytes(b, false, self.scalar),
            batch,
        ])
    }

    /// One training run of the kind's own net: its state, records and snapshots.
    fn add_training(&self, est: &mut Estimate, plan: &TrainPlan) -> Recorded {
        est.add(
            "model.layers",
            format!(
                "training: {} params × {} B (θ, gradients, optimiser) and evaluation buffers",
                count(self.p()),
                self.scalar
            ),
            self.training_state_bytes(&self.net, plan),
        );
        let rec = self.recorded(plan);
        est.add(
            rec.key,
            format!(
                "training records: {} × {RECORD_BYTES} B",
                count(rec.records)
            ),
            mul(&[rec.records, RECORD_BYTES]),
        );
        if rec.snapshots > 0 {
            est.add(
                rec.key,
                format!(
                    "parameter snapshots: {} × {} params × {} B",
                    count(rec.snapshots),
                    count(self.p()),
                    self.scalar
                ),
                mul(&[rec.snapshots, sum(&[mul(&[self.p(), self.scalar]), 48])]),
            );
        }
        rec
    }

    /// θ as f64 and a few vectors around it (centers, loaded weights, saved copies).
    fn add_vectors(&self, est: &mut Estimate, key: &'static str, vectors: u64, what: &str) {
        est.add(
            key,
            format!(
                "{what}: {} × {} params × 8 B",
                count(vectors),
                count(self.p())
            ),
            mul(&[vectors, self.p(), 8]),
        );
    }

    /// A chunk pool per worker thread, each with a θ of the run's dtype.
    fn add_workers(&self, est: &mut Estimate, workers: u64, rows: &[usize], hvp: bool, s: u64) {
        let per = rows.iter().fold(mul(&[self.p(), s]), |acc, &r| {
            acc.saturating_add(self.net.pool_bytes(r, hvp, s))
        });
        est.add(
            "model.layers",
            format!("{} worker(s): θ and evaluation buffers", count(workers)),
            mul(&[workers, per]),
        );
    }

    fn train_kind(&self, est: &mut Estimate, resolution: usize) -> Result<()> {
        let plan = self.train_plan(self.cfg.train()?)?;
        let rec = self.add_training(est, &plan);
        self.add_vectors(est, "model.layers", 2, "final weights and their file");
        let exported = mul(&[rec.snapshots, self.p()]);
        if rec.snapshots > 0 && exported <= MAX_EXPORTED_SNAPSHOT_VALUES {
            est.add(
                rec.key,
                format!("snapshots.npy: {} values × 16 B", count(exported)),
                mul(&[exported, 16]),
            );
        }
        if self.data.features == 2 {
            self.add_regions(est, resolution);
        }
        Ok(())
    }

    /// A decision-region grid: points, outputs and colours, and the forward pass's
    /// workspace (`figures::predict`: PREDICT_CHUNKS chunks of rows).
    fn add_regions(&self, est: &mut Estimate, resolution: usize) {
        let points = mul(&[n64(resolution.max(2)), n64(resolution.max(2))]);
        let chunk = self.net.chunk_rows();
        let rows = mul(&[n64(crate::experiment::figures::PREDICT_CHUNKS), chunk]).min(points);
        est.add(
            "model.layers",
            format!("prediction workspace: {} rows", count(rows)),
            mul(&[self.net.workspace_values() / chunk, rows, self.scalar]),
        );
        let n = n64(resolution.max(2));
        let per_point = sum(&[36, mul(&[8, self.net.outputs()])]);
        est.add(
            "experiment.resolution",
            format!(
                "decision regions: {} × {} points × {} B",
                count(n),
                count(n),
                per_point
            ),
            mul(&[n, n, per_point]),
        );
    }

    fn evaluate_kind(&self, est: &mut Estimate) {
        self.add_vectors(est, "model.layers", 3, "weights, file and gradient");
        self.add_workers(
            est,
            1,
            &[self.data.n_train, self.data.n_test],
            false,
            self.scalar,
        );
    }

    fn center(&self, explicit: Option<Center>) -> Center {
        explicit.unwrap_or(if self.cfg.config.train.is_some() {
            Center::Trained
        } else if self
            .cfg
            .config
            .model
            .as_ref()
            .is_some_and(|m| m.weights.is_some())
        {
            Center::Weights
        } else {
            Center::Init
        })
    }

    fn slice_kind(&self, est: &mut Estimate, sc: &SliceConfig) -> Result<()> {
        use crate::config::DirectionKind;
        if self.center(sc.center) == Center::Trained {
            let plan = self.train_plan(self.cfg.train()?)?;
            let rec = self.add_training(est, &plan);
            let snaps = rec.snapshots;
            if snaps > 0 {
                est.add(
                    rec.key,
                    format!(
                        "f64 snapshots: {} × {} params × 8 B",
                        count(snaps),
                        count(self.p())
                    ),
                    mul(&[snaps, self.p(), 8]),
                );
            }
            if sc.directions == DirectionKind::Pca {
                let pca = if snaps <= self.p() {
                    sum(&[mul(&[snaps, self.p(), 8]), mul(&[3, snaps, snaps, 8])])
                } else {
                    mul(&[3, self.p(), self.p(), 8])
                };
                est.add(rec.key, format!("PCA of {} snapshots", count(snaps)), pca);
            }
        }
        let lines = n64(sc.repeat.max(1));
        let repeat_key = if sc.repeat > 1 {
            "experiment.repeat"
        } else {
            "model.layers"
        };
        self.add_vectors(
            est,
            repeat_key,
            sum(&[mul(&[3, lines]), 6]),
            "center, loaded models and directions",
        );
        if sc.directions == DirectionKind::Hessian {
            self.add_f64_train(est);
            self.add_workers(est, 1, &[self.data.n_train], true, 8);
            self.add_extreme_pairs(est, "model.layers", 1, SLICE_HESSIAN_STEPS);
        }
        let nx = n64(sc.x.points);
        let ny = sc.y.as_ref().map_or(1, |y| n64(y.points));
        let points = mul(&[nx, ny, lines]);
        let per_point = if sc.y.is_some() {
            SLICE_POINT_2D + if sc.curvature { 64 } else { 0 }
        } else {
            SLICE_POINT_1D
        };
        let key = if ny > nx {
            "experiment.y.points"
        } else if lines > nx {
            "experiment.repeat"
        } else {
            "experiment.x.points"
        };
        est.add(
            key,
            format!("slice grid: {} points × {per_point} B", count(points)),
            mul(&[points, per_point]),
        );
        let workers = self.threads.min(points.max(1));
        self.add_workers(
            est,
            workers,
            &[self.data.n_train, self.data.n_test],
            false,
            self.scalar,
        );
        self.add_first_layer(est, self.data.n_train + self.data.n_test);
        if sc.curvature {
            self.add_f64_train(est);
            self.add_workers(est, workers, &[self.data.n_train], true, 8);
            self.add_extreme_pairs(
                est,
                "experiment.curvature_steps",
                workers,
                n64(sc.curvature_steps),
            );
        }
        if !sc.smoothing.is_empty() {
            self.add_smoothing(est, sc, points, workers);
        }
        Ok(())
    }

    /// `smoothing`: the noise vectors when held (K × P × 8, see
    /// [`crate::landscape::smoothing::HOLD_BYTES`]); per point in flight a chunk pool
    /// on the training set, the point and θ (P × (8 + S)), a redrawn z (P × 8) and its
    /// K × nσ losses; the smoothed grids and their standard errors (2 × nσ × points × 8,
    /// twice: the results and the arrays written).
    fn add_smoothing(&self, est: &mut Estimate, sc: &SliceConfig, points: u64, workers: u64) {
        use crate::landscape::smoothing::Noise;
        let k = sc
            .smoothing_samples
            .unwrap_or(super::slice::DEFAULT_SMOOTHING_SAMPLES);
        let n_sigma = n64(sc.smoothing.len());
        let held = Noise::holds(k, self.p() as usize);
        if held {
            est.add(
                "experiment.smoothing_samples",
                format!(
                    "smoothing noise: {} draws × {} params × 8 B",
                    count(n64(k)),
                    count(self.p())
                ),
                mul(&[n64(k), self.p(), 8]),
            );
        }
        self.add_workers(est, workers, &[self.data.n_train], false, self.scalar);
        let per_point = sum(&[
            mul(&[self.p(), if held { 8 } else { 16 }]),
            mul(&[n64(k), n_sigma, 8]),
        ]);
        est.add(
            "experiment.smoothing_samples",
            format!(
                "smoothing: {} point(s) at once × (P × {} B + {} draws × {} σ × 8 B)",
                count(workers),
                if held { 8 } else { 16 },
                count(n64(k)),
                n_sigma
            ),
            mul(&[workers, per_point]),
        );
        est.add(
            "experiment.smoothing",
            format!(
                "smoothed grids: 4 × {n_sigma} σ × {} points × 8 B",
                count(points)
            ),
            mul(&[4, n_sigma, points, 8]),
        );
        // The SGD noise scale at the center: an f64 copy of the training rows and 64
        // rows' per-sample gradients at a time.
        if self.cfg.config.train.is_some() {
            self.add_f64_train(est);
            est.add(
                "model.layers",
                format!(
                    "SGD noise scale: 64 rows × {} params × 8 B",
                    count(self.p())
                ),
                mul(&[64, self.p(), 8]),
            );
        }
    }

    /// The first-layer products a sweep keeps for one plane through `rows` rows, when
    /// it reuses them (see [`FirstLayer::choose`]).
    fn add_first_layer(&self, est: &mut Estimate, rows: usize) {
        let layers: Vec<usize> = self.net.widths.iter().map(|&w| w as usize).collect();
        let s = self.scalar as usize;
        if FirstLayer::choose(&layers, rows, 2, s) == FirstLayer::Reuse {
            est.add(
                "model.layers",
                format!(
                    "first-layer products of a plane: 3 × {} rows × {} units × {s} B",
                    count(n64(rows)),
                    count(self.net.widths.get(1).copied().unwrap_or(0))
                ),
                FirstLayer::cache_bytes(&layers, rows, 2, s),
            );
        }
    }

    /// `curvature::extreme_pairs` with `budget` steps on `workers` threads: the exact
    /// spectrum when P ≤ budget, else a Lanczos basis of `budget` vectors.
    fn add_extreme_pairs(&self, est: &mut Estimate, key: &'static str, workers: u64, budget: u64) {
        let p = self.p();
        let (what, bytes) = if p <= budget {
            (
                format!("exact Hessian per worker: 4 × {}² × 8 B", count(p)),
                mul(&[4, p, p, 8]),
            )
        } else {
            (
                format!(
                    "Lanczos basis per worker: {} × {} × 8 B",
                    count(budget),
                    count(p)
                ),
                mul(&[sum(&[budget, 4]), p, 8]),
            )
        };
        est.add(
            key,
            format!("{what}, {} worker(s)", count(workers)),
            mul(&[workers, bytes]),
        );
    }

    fn hessian_kind(&self, est: &mut Estimate, hc: &HessianConfig) -> Result<()> {
        if self.center(hc.center) == Center::Trained {
            let plan = self.train_plan(self.cfg.train()?)?;
            self.add_training(est, &plan);
        }
        self.add_vectors(est, "model.layers", 3, "center and gradient");
        self.add_f64_train(est);
        self.add_workers(est, 1, &[self.data.n_train], true, 8);
        let spectrum = self.spectrum(hc, SpectrumKeys::HESSIAN);
        est.add(spectrum.0, spectrum.1, spectrum.2);
        Ok(())
    }

    /// The gradient noise at a point ([`crate::noise::point`]): the sampled rows'
    /// per-sample gradients (m × P × 8, kept for the whole measurement), and beside them
    /// the largest of the two Lanczos bases (steps × P × 8) with 2k Ritz vectors.
    fn add_noise_point(&self, est: &mut Estimate, samples: usize, k: usize, steps: usize) {
        let m = n64(samples.min(self.data.n_train.max(1)));
        est.add(
            "experiment.samples",
            format!(
                "per-sample gradients: {} rows × {} params × 8 B",
                count(m),
                count(self.p())
            ),
            mul(&[m, self.p(), 8]),
        );
        let basis = mul(&[n64(steps).min(self.p()), self.p(), 8]);
        let ritz = mul(&[4, n64(k).min(self.p()), self.p(), 8]);
        est.add(
            "experiment.lanczos_steps",
            format!(
                "Lanczos basis ({} steps) and the Ritz vectors of H and Σ of {} params",
                count(n64(steps)),
                count(self.p())
            ),
            sum(&[basis, ritz]),
        );
        self.add_f64_train(est);
        self.add_workers(est, self.threads, &[1], false, 8);
        self.add_workers(est, 1, &[self.data.n_train], true, 8);
    }

    fn sgd_noise_kind(&self, est: &mut Estimate, nc: &SgdNoiseConfig) -> Result<()> {
        if self.center(nc.center) == Center::Trained {
            let plan = self.train_plan(self.cfg.train()?)?;
            self.add_training(est, &plan);
        }
        self.add_vectors(est, "model.layers", 3, "center and gradient");
        self.add_noise_point(est, nc.samples, nc.k, nc.lanczos_steps);
        if self.p() > n64(nc.exact_max_params) {
            est.add(
                "experiment.trace_hvps",
                "Hutch++ sketch (3 copies)".into(),
                mul(&[3, n64(nc.trace_hvps / 3).min(self.p()), self.p(), 8]),
            );
        }
        Ok(())
    }

    /// The noise measurement at the minimum, then min(T, runs) runs at once, each with
    /// its θ, gradient, noise draw, line point and start (5 × P × 8), a minibatch and
    /// sequential pools on the training, test and minibatch rows, and its records; the
    /// Gaussian noises' shapes (diagonal: P; low rank: k × P each) are kept throughout.
    fn escape_kind(&self, est: &mut Estimate, ec: &EscapeConfig) -> Result<()> {
        if self.center(ec.center) == Center::Trained {
            let plan = self.train_plan(self.cfg.train()?)?;
            self.add_training(est, &plan);
        }
        self.add_vectors(est, "model.layers", 3, "center and gradient");
        self.add_noise_point(est, ec.samples, ec.k, ec.lanczos_steps);
        self.add_f64_rows(est, self.data.n_test, "test");
        let k = n64(ec.k).min(self.p());
        self.add_vectors(est, "experiment.k", sum(&[1, mul(&[2, k])]), "noise shapes");
        let runs = n64(ec.dynamics.len()).saturating_mul(n64(ec.seeds.len()));
        let workers = self.threads.min(runs.max(1));
        let b = ec.batch_size.min(self.data.n_train.max(1));
        self.add_workers(
            est,
            workers,
            &[self.data.n_train, self.data.n_test, b],
            false,
            8,
        );
        let every = n64(ec.record_every.unwrap_or((ec.steps / 50).max(1)).max(1));
        let records = (n64(ec.steps) / every).saturating_add(2);
        est.add(
            "experiment.steps",
            format!(
                "runs' state and records: {} runs × {} records × 5 metrics",
                count(runs),
                count(records)
            ),
            sum(&[
                mul(&[runs, records, 5 * 8]),
                mul(&[workers, 5, self.p(), 8]),
                mul(&[
                    workers,
                    n64(b),
                    sum(&[n64(self.data.features), self.net.outputs()]),
                    8,
                ]),
            ]),
        );
        Ok(())
    }

    /// The two minima's training (one after the other), the f64 rows, the ends, the bend
    /// with its optimiser state, gradient and point on the curve (8 × P × 8), a
    /// minibatch and the parallel pools of the bend's training and the path
    /// measurements, every step's sampled loss, then the plane: min(T, cells) workers with a sequential pool and a
    /// θ each, and per cell its coordinates and two losses (4 × 8 B, twice over while
    /// collected).
    fn connect_kind(&self, est: &mut Estimate, cc: &ConnectConfig) -> Result<()> {
        if cc.model_a.is_none() {
            let plan = self.train_plan(self.cfg.train()?)?;
            self.add_training(est, &plan);
        }
        self.add_f64_rows(est, self.data.n_train, "training");
        self.add_f64_rows(est, self.data.n_test, "test");
        self.add_vectors(
            est,
            "model.layers",
            8,
            "ends, bend, optimiser state, gradient",
        );
        let b = cc
            .batch_size
            .samples(self.data.n_train)
            .min(self.data.n_train.max(1));
        let pools = sum(&[
            self.net.pool_bytes(self.data.n_train, false, 8),
            self.net.pool_bytes(self.data.n_test, false, 8),
            self.net.pool_bytes(b, false, 8),
        ]);
        est.add(
            "experiment.batch_size",
            format!("minibatch of {} rows and evaluation pools", count(n64(b))),
            sum(&[
                pools,
                mul(&[
                    n64(b),
                    sum(&[n64(self.data.features), self.net.outputs()]),
                    8,
                ]),
            ]),
        );
        // fit_bend's loss of every step and the mean of every epoch.
        let n = n64(self.data.n_train.max(1));
        let steps = mul(&[n64(cc.epochs), n.div_ceil(n64(b.max(1)))]);
        est.add(
            "experiment.epochs",
            format!("the bend's {} sampled losses", count(steps)),
            mul(&[sum(&[steps, n64(cc.epochs)]), 8]),
        );
        let cells = mul(&[n64(cc.grid), n64(cc.grid)]);
        let workers = self.threads.min(cells.max(1));
        self.add_workers(
            est,
            workers,
            &[self.data.n_train, self.data.n_test],
            false,
            8,
        );
        est.add(
            "experiment.grid",
            format!("plane: {} cells × 64 B", count(cells)),
            mul(&[cells, 64]),
        );
        Ok(())
    }

    /// The plateau's training run (about 500 records, each a snapshot), or the
    /// searches: min(T, searches) at once, each with its ~20 vectors, and every search's
    /// end; the extreme eigenpairs (exact: 4 P² × 8; Lanczos: 200 × P × 8) of min(T,
    /// optimisers) points at once; every race's records, (steps + 1) × 4 values (100 ×
    /// steps with budget = "work"), its θ, gradient, optimiser state and Krylov basis;
    /// the plane's grid (4 values a cell).
    fn optimizers_kind(&self, est: &mut Estimate, oc: &OptimizersConfig) -> Result<()> {
        use crate::config::RaceStart;
        let p = self.p();
        if oc.start == RaceStart::Plateau {
            // As optimizers_start records it: about PLATEAU_RECORDS snapshots.
            let mut plan = self.train_plan(self.cfg.train()?)?;
            let (steps, _, _) = self.length(&plan);
            let every = steps / n64(super::optimizers_start::PLATEAU_RECORDS);
            plan.record_every = every.clamp(1, usize::MAX as u64) as usize;
            plan.snapshot_every = 1;
            self.add_training(est, &plan);
        }
        self.add_f64_rows(est, self.data.n_train, "training");
        let points = self.threads.min(n64(oc.optimizers.len().max(oc.searches)));
        let spectrum = if p <= n64(super::optimizers_start::LANCZOS_STEPS) {
            mul(&[4, p, p, 8])
        } else {
            mul(&[n64(super::optimizers_start::LANCZOS_STEPS), p, 8])
        };
        self.add_workers(est, points, &[self.data.n_train], true, 8);
        est.add(
            "experiment.searches",
            format!(
                "{} points' eigenpairs and search vectors, {} searches' ends",
                count(points),
                count(n64(oc.searches))
            ),
            sum(&[
                mul(&[points, sum(&[spectrum, mul(&[20, p, 8])])]),
                mul(&[n64(oc.searches), sum(&[mul(&[p, 8]), 48])]),
            ]),
        );
        let races = mul(&[n64(oc.max_starts), n64(oc.optimizers.len())]);
        // With budget = "work" a first-order race may take 100 × steps steps.
        let steps = match oc.budget {
            crate::config::RaceBudget::Work => mul(&[n64(oc.steps), 100]),
            crate::config::RaceBudget::Steps => n64(oc.steps),
        };
        est.add(
            "experiment.steps",
            format!("{} races' records and state", count(races)),
            mul(&[
                races,
                sum(&[
                    mul(&[steps.saturating_add(1), 4, 8]),
                    mul(&[n64(oc.krylov_dim).min(p).saturating_add(6), p, 8]),
                ]),
            ]),
        );
        let cells = mul(&[n64(oc.grid), n64(oc.grid)]);
        est.add(
            "experiment.grid",
            format!("plane: {} cells", count(cells)),
            mul(&[cells, 4, 8]),
        );
        Ok(())
    }

    /// The peak of `critical::analyse` at one point: (key, what, bytes).
    fn spectrum(&self, hc: &HessianConfig, keys: SpectrumKeys) -> (&'static str, String, u64) {
        let p = self.p();
        let exact = match hc.exact {
            Exact::Auto => p <= n64(hc.exact_max_params),
            e => e == Exact::Always,
        };
        if exact {
            return (
                keys.exact,
                format!("exact Hessian: 4 × {}² params × 8 B", count(p)),
                mul(&[4, p, p, 8]),
            );
        }
        let vectors = |steps: usize| mul(&[n64(steps).min(p), p, 8]);
        let ritz = mul(&[2, n64(hc.k).min(p), p, 8]);
        let phases = [
            (keys.lanczos, "Lanczos basis", vectors(hc.lanczos_steps)),
            (
                keys.trace,
                "Hutch++ sketch (3 copies)",
                mul(&[3, vectors(hc.trace_hvps / 3)]),
            ),
            self.slq_phase(hc, keys, vectors(hc.slq_steps)),
        ];
        let (key, what, bytes) = phases
            .into_iter()
            .reduce(|a, b| if b.2 > a.2 { b } else { a })
            .expect("three phases");
        (
            key,
            format!("{what} of {} params and 2k Ritz vectors", count(p)),
            sum(&[bytes, ritz]),
        )
    }

    /// SLQ: one run's Lanczos basis at a time, and every run's nodes and weights
    /// (`min(steps, P)` pairs of f64 and two vectors' headers per run), kept to the end.
    fn slq_phase(
        &self,
        hc: &HessianConfig,
        keys: SpectrumKeys,
        basis: u64,
    ) -> (&'static str, &'static str, u64) {
        let per_run = sum(&[48, mul(&[n64(hc.slq_steps).min(self.p()), 16])]);
        let nodes = mul(&[n64(hc.slq_runs), per_run]);
        let key = if nodes > basis {
            keys.slq_runs
        } else {
            keys.slq
        };
        (key, "SLQ basis and nodes", sum(&[basis, nodes]))
    }

    fn saddles_kind(&self, est: &mut Estimate, sc: &SaddlesConfig) -> Result<()> {
        let mut snapshots = 0;
        let mut tracked = false;
        if let Some(train) = &self.cfg.config.train {
            let mut plan = self.train_plan(train)?;
            let (steps, _, _) = self.length(&plan);
            plan.record_every = match sc.track_every {
                Some(e) if e > 0 => e,
                _ => usize::try_from(steps / 100).unwrap_or(usize::MAX).max(1),
            };
            plan.snapshot_every = 1;
            snapshots = self.add_training(est, &plan).snapshots;
            tracked = sc.track_every != Some(0);
        }
        let has_train = self.cfg.config.train.is_some();
        let trajectory = n64(sc
            .trajectory_starts
            .unwrap_or(if has_train { 10 } else { 0 }));
        let starts = n64(sc.starts).saturating_add(trajectory.min(snapshots));
        self.add_f64_train(est);
        let hc = &sc.hessian;
        let exact = match hc.exact {
            Exact::Auto => self.p() <= n64(hc.exact_max_params),
            e => e == Exact::Always,
        };
        let report = if exact {
            mul(&[self.p(), 8])
        } else {
            mul(&[n64(hc.slq_runs), n64(hc.slq_steps).min(self.p()), 16])
        };
        let per_start = sum(&[
            mul(&[2, self.p(), 8]),
            mul(&[n64(sc.max_iter), 8]),
            report,
            256,
        ]);
        est.add(
            "experiment.starts",
            format!(
                "{} starts and their results: {} B each",
                count(starts),
                count(per_start)
            ),
            mul(&[starts, per_start]),
        );
        let workers = self.threads.min(starts.max(1));
        self.add_workers(est, workers, &[self.data.n_train], true, 8);
        self.add_vectors(
            est,
            "model.layers",
            mul(&[workers, SEARCH_VECTORS]),
            "critical-point searches",
        );
        let (key, what, bytes) = self.spectrum(hc, SpectrumKeys::SADDLES);
        let search = mul(&[workers, bytes]);
        let track_budget = if exact {
            self.p()
        } else {
            n64(hc.lanczos_steps)
        };
        let track = if self.p() <= track_budget {
            mul(&[workers, 4, self.p(), self.p(), 8])
        } else {
            mul(&[workers, sum(&[track_budget, 4]), self.p(), 8])
        };
        if tracked && track > search {
            est.add(
                key,
                format!("curvature along the run, {} worker(s)", count(workers)),
                track,
            );
        } else {
            est.add(key, format!("{what}, {} worker(s)", count(workers)), search);
        }
        Ok(())
    }

    /// Runs of a batch-size study: min(T, runs) at once, each first training (its
    /// pools are freed after) and then measuring on the metric subset; then the
    /// interpolation and slices. The larger of these phases is counted.
    fn batch_size_kind(&self, est: &mut Estimate, bc: &BatchStudyConfig) -> Result<()> {
        let n = self.data.n_train;
        let mut plan = self.train_plan(self.cfg.train()?)?;
        plan.record_every = 0;
        plan.snapshot_every = 0;
        plan.batch_size = Some(largest_batch(&bc.batch_sizes, n));
        let runs = mul(&[n64(bc.batch_sizes.len()), n64(bc.seeds.len())]);
        let workers = self.threads.min(runs.max(1));
        let m = bc.metric_samples.unwrap_or(DEFAULT_METRIC_SAMPLES).min(n);
        let columns = sum(&[n64(self.data.features), self.net.outputs()]);
        est.add(
            "experiment.metric_samples",
            format!(
                "metric subset: {} rows in f64 and the net's dtype",
                count(n64(m))
            ),
            mul(&[n64(m), columns, sum(&[16, self.scalar])]),
        );
        self.add_study_records(est, &plan, runs, workers);
        let mut training = Estimate::default();
        training.add(
            "model.layers",
            format!("{} training run(s) at once", count(workers)),
            mul(&[workers, self.training_state_bytes(&self.net, &plan)]),
        );
        let measuring = self.study_metrics(bc, workers, m);
        let mut after = Estimate::default();
        let slice_points = mul(&[2, n64(bc.slice_points), n64(bc.slice_points)]);
        after.add(
            "experiment.slice_points",
            format!("2 slices of {}² points", count(n64(bc.slice_points))),
            mul(&[slice_points, SLICE_POINT_2D]),
        );
        after.add(
            "experiment.alpha_points",
            format!("the interpolation's {} points", count(n64(bc.alpha_points))),
            mul(&[n64(bc.alpha_points), 64]),
        );
        self.add_vectors(
            &mut after,
            "model.layers",
            8,
            "interpolated models and slice directions",
        );
        self.add_workers(
            &mut after,
            self.threads,
            &[self.data.n_train, self.data.n_test],
            false,
            self.scalar,
        );
        // The interpolation's line through all rows (the slices use the metric subset).
        self.add_first_layer(&mut after, self.data.n_train + self.data.n_test);
        let phases = [training, measuring, after];
        let peak = phases
            .into_iter()
            .reduce(|a, b| if b.total() > a.total() { b } else { a })
            .expect("three phases");
        est.parts.extend(peak.parts);
        Ok(())
    }

    /// The measuring phase of `workers` study runs on `m` metric rows: ε-sharpness,
    /// Lanczos for λmax and Hutch++ for the trace, with their chunk pools.
    fn study_metrics(&self, bc: &BatchStudyConfig, workers: u64, m: usize) -> Estimate {
        let mut phase = Estimate::default();
        let p = self.p();
        let sharpness = match bc.sharpness_subspace {
            Some(sub) => (
                "experiment.sharpness_subspace",
                sum(&[mul(&[p, n64(sub), 8]), mul(&[4, p, 8])]),
            ),
            None => ("model.layers", mul(&[SHARPNESS_VECTORS, p, 8])),
        };
        phase.add(
            sharpness.0,
            format!("ε-sharpness ascent, {} run(s) at once", count(workers)),
            mul(&[workers, sharpness.1]),
        );
        self.add_workers(&mut phase, workers, &[m], false, self.scalar);
        self.add_workers(&mut phase, workers, &[m], true, 8);
        let lanczos = mul(&[n64(bc.lanczos_steps).min(p), p, 8]);
        let hutch = mul(&[3, n64(bc.trace_hvps / 3).min(p), p, 8]);
        let (key, what, bytes) = if lanczos >= hutch {
            ("experiment.lanczos_steps", "Lanczos basis", lanczos)
        } else {
            ("experiment.trace_hvps", "Hutch++ sketch", hutch)
        };
        phase.add(
            key,
            format!("{what}, {} run(s) at once", count(workers)),
            mul(&[workers, bytes]),
        );
        phase
    }

    fn width_sweep_kind(&self, est: &mut Estimate, wc: &WidthSweepConfig) -> Result<()> {
        let mut plan = self.train_plan(self.cfg.train()?)?;
        plan.record_every = 0;
        plan.snapshot_every = 0;
        let widest = wc.widths.iter().map(|w| w.0).max().unwrap_or(1);
        let d = self.data.features;
        let k = self.net.outputs() as usize;
        let net = Net::new(&[d, widest, k]);
        let runs = mul(&[n64(wc.widths.len()), n64(wc.seeds.len())]);
        let workers = self.threads.min(runs.max(1));
        est.add(
            "experiment.widths",
            format!(
                "{} training run(s) at once of up to {} params × {} B",
                count(workers),
                count(net.params()),
                self.scalar
            ),
            mul(&[
                workers,
                sum(&[
                    self.training_state_bytes(&net, &plan),
                    mul(&[2, net.params(), 8]),
                ]),
            ]),
        );
        self.add_study_records(est, &plan, runs, workers);
        Ok(())
    }

    fn xor_kind(
        &self,
        est: &mut Estimate,
        seeds: usize,
        grid: usize,
        perceptron_epochs: usize,
        resolution: usize,
    ) -> Result<()> {
        let train = self
            .cfg
            .config
            .train
            .clone()
            .unwrap_or_else(super::xor::default_train);
        let plan = self.train_plan(&train)?;
        est.add(
            "experiment.perceptron_epochs",
            format!(
                "perceptron error lists: 2 × {} epochs × 16 B",
                count(n64(perceptron_epochs))
            ),
            mul(&[2, n64(perceptron_epochs), 16]),
        );
        est.add(
            "experiment.grid",
            format!("single-neuron axis: {} × 8 B", count(n64(grid))),
            mul(&[n64(grid), 8]),
        );
        self.add_regions(est, resolution);
        let rec = self.recorded(&plan);
        let per_seed = sum(&[
            mul(&[self.p(), self.scalar]),
            mul(&[rec.records, 16]),
            mul(&[n64(self.data.n_train), self.net.outputs(), 8]),
            256,
        ]);
        est.add(
            "experiment.seeds",
            format!(
                "{} trained seeds: {} B each",
                count(n64(seeds)),
                count(per_seed)
            ),
            mul(&[n64(seeds), per_seed]),
        );
        let workers = self.threads.min(n64(seeds).max(1));
        est.add(
            "model.layers",
            format!("{} training run(s) at once", count(workers)),
            mul(&[
                workers,
                sum(&[
                    self.training_state_bytes(&self.net, &plan),
                    mul(&[rec.records, RECORD_BYTES]),
                    mul(&[rec.snapshots, self.p(), self.scalar]),
                ]),
            ]),
        );
        Ok(())
    }
}

/// The config keys of a spectrum's settings: `experiment.*` for kind hessian,
/// `experiment.hessian.*` for saddles.
#[derive(Clone, Copy)]
struct SpectrumKeys {
    exact: &'static str,
    lanczos: &'static str,
    trace: &'static str,
    slq: &'static str,
    slq_runs: &'static str,
}

impl SpectrumKeys {
    const HESSIAN: SpectrumKeys = SpectrumKeys {
        exact: "experiment.exact",
        lanczos: "experiment.lanczos_steps",
        trace: "experiment.trace_hvps",
        slq: "experiment.slq_steps",
        slq_runs: "experiment.slq_runs",
    };
    const SADDLES: SpectrumKeys = SpectrumKeys {
        exact: "experiment.hessian.exact",
        lanczos: "experiment.hessian.lanczos_steps",
        trace: "experiment.hessian.trace_hvps",
        slq: "experiment.hessian.slq_steps",
        slq_runs: "experiment.hessian.slq_runs",
    };
}

/// The largest batch of a study over `n` training rows (as `batch_size::resolve_batches`).
fn largest_batch(specs: &[BatchSize], n: usize) -> usize {
    specs
        .iter()
        .map(|spec| spec.samples(n).clamp(1, n.max(1)))
        .max()
        .unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::{Path, PathBuf};

    const GB: u64 = 1_000_000_000;
    /// The memory the hidden corpus gives a run, less a quarter.
    const BUDGET: u64 = 1_500_000_000 * 3 / 4;

    fn parse(text: &str) -> LoadedConfig {
        LoadedConfig::parse(Path::new("exp.toml"), text).unwrap()
    }

    fn estimated(cfg: &LoadedConfig) -> Estimate {
        let data = planned_data(cfg).unwrap();
        estimate(cfg, &data, 2).unwrap()
    }

    /// The field `check` names for `text` under [`BUDGET`], and its message.
    fn refused(text: &str) -> (String, String) {
        let cfg = parse(text);
        let est = estimated(&cfg);
        match check(&cfg, &est, BUDGET) {
            Err(Error::Config { field, msg, .. }) => (field, msg),
            other => panic!("expected a refusal, got {other:?} for {est:?}"),
        }
    }

    const SPIRALS: &str = "[data]\nsource = \"spirals\"\nn = 1000\ntest_fraction = 0.2\n";
    const TANH_BCE: &str = "activation = \"tanh\"\nloss = \"bce\"\n";
    const ADAM: &str = "[train]\noptimizer = \"adam\"\nlr = 0.01\nbatch_size = 32\nepochs = 400\n";

    fn train_config(data: &str, layers: &str, experiment: &str) -> String {
        format!("{data}[model]\nlayers = {layers}\n{TANH_BCE}{ADAM}[experiment]\nkind = \"train\"\n{experiment}")
    }

    #[test]
    fn oversized_nets_name_model_layers_without_overflow() {
        let (field, msg) = refused(&train_config(SPIRALS, "[2, 100000000, 1]", ""));
        assert_eq!(field, "model.layers");
        assert!(msg.contains("--max-memory") && msg.contains("GB"), "{msg}");
        let cfg = parse(&train_config(SPIRALS, "[2, 9223372036854775807, 1]", ""));
        let est = estimated(&cfg);
        assert_eq!(est.total(), u64::MAX);
        let e = check(&cfg, &est, BUDGET).unwrap_err().to_string();
        assert!(
            e.contains("`model.layers`") && e.contains("over 18 EB"),
            "{e}"
        );
    }

    #[test]
    fn each_reported_abort_is_refused_by_its_key() {
        let cases: Vec<(String, &str)> = vec![
            (
                train_config(
                    "[data]\nsource = \"spirals\"\nn = 100000000000\n",
                    "[2, 16, 1]",
                    "",
                ),
                "data.n",
            ),
            (
                train_config(SPIRALS, "[2, 16, 1]", "resolution = 1000000\n"),
                "experiment.resolution",
            ),
            (
                format!("{SPIRALS}[model]\nlayers = [2, 400, 400, 100]\nactivation = \"tanh\"\nloss = \"cross_entropy\"\n[experiment]\nkind = \"hessian\"\nexact = true\n"),
                "experiment.exact",
            ),
            (
                format!("{SPIRALS}[model]\nlayers = [2, 16, 1]\n{TANH_BCE}[experiment]\nkind = \"saddles\"\nstarts = 1000000000000\n"),
                "experiment.starts",
            ),
            (
                format!("{SPIRALS}[model]\nlayers = [2, 16, 1]\n{TANH_BCE}[experiment]\nkind = \"slice\"\nx = {{ range = [-1, 1], points = 100000 }}\ny = {{ range = [-1, 1], points = 100000 }}\n"),
                "experiment.x.points",
            ),
            (
                "[experiment]\nkind = \"xor\"\nperceptron_epochs = 100000000000\n".to_string(),
                "experiment.perceptron_epochs",
            ),
            (
                train_config(SPIRALS, "[2, 16, 1]", "").replace("epochs = 400", "epochs = 100000000000"),
                "train.epochs",
            ),
        ];
        for (text, key) in cases {
            let (field, msg) = refused(&text);
            assert_eq!(field, key, "{msg}\n{text}");
            assert!(
                msg.contains(&format!("lower {key}")) || msg.contains("= false"),
                "{msg}"
            );
        }
    }

    #[test]
    fn small_runs_pass_and_the_first_oversized_part_is_blamed() {
        let cfg = parse(&train_config(SPIRALS, "[2, 16, 1]", ""));
        let est = estimated(&cfg);
        check(&cfg, &est, BUDGET).unwrap();
        assert!(est.total() < 30_000_000, "{est:?}");
        // Nothing alone exceeds a budget just under the total: the largest part is named.
        let largest = est.largest().unwrap().key.to_string();
        match check(&cfg, &est, est.total() - 1) {
            Err(Error::Config { field, .. }) => assert_eq!(field, largest),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn exact_hessian_of_1000_params_counts_p_squared() {
        let text = format!("{SPIRALS}[model]\nlayers = [2, 250, 1]\n{TANH_BCE}[experiment]\nkind = \"hessian\"\nexact = true\n");
        let cfg = parse(&text);
        let p = 2 * 250 + 250 + 250 + 1;
        assert_eq!(Net::new(&[2, 250, 1]).params(), p);
        let est = estimated(&cfg);
        assert!(est.total() >= 8 * p * p, "{est:?}");
        // The exact spectrum adds H, its copy and two sets of eigenvectors over Lanczos.
        let lanczos = estimated(&parse(&text.replace("exact = true", "exact = false")));
        assert!(
            est.total() - lanczos.total() >= 3 * 8 * p * p,
            "{lanczos:?}"
        );
    }

    #[test]
    fn slice_estimate_grows_linearly_in_grid_points() {
        let at = |points: usize| {
            let text = format!("{SPIRALS}[model]\nlayers = [2, 16, 1]\n{TANH_BCE}[experiment]\nkind = \"slice\"\nx = {{ range = [-1, 1], points = {points} }}\ny = {{ range = [-1, 1], points = 10 }}\n");
            estimated(&parse(&text)).total()
        };
        let (a, b, c) = (at(1000), at(2000), at(3000));
        assert!(b > a);
        assert_eq!(b - a, c - b);
        assert_eq!(b - a, 1000 * 10 * SLICE_POINT_2D);
    }

    #[test]
    fn smoothing_counts_its_noise_its_losses_and_its_grids() {
        let net = |layers: &str, smoothing: &str| {
            let text = format!("{SPIRALS}[model]\nlayers = {layers}\n{TANH_BCE}[experiment]\nkind = \"slice\"\nx = {{ range = [-1, 1], points = 100 }}\n{smoothing}");
            estimated(&parse(&text))
        };
        let at = |smoothing: &str| net("[2, 16, 1]", smoothing);
        let off = at("").total();
        let one = at("smoothing = [0.1]\nsmoothing_samples = 10\n");
        let part = |e: &Estimate, key: &str| -> u64 {
            e.parts
                .iter()
                .filter(|p| p.key == key)
                .map(|p| p.bytes)
                .sum()
        };
        // P = 2·16 + 16 + 16 + 1 = 65: 10 draws held, 4 × 1 σ × 100 points of grids.
        assert!(part(&one, "experiment.smoothing_samples") >= 10 * 65 * 8);
        assert_eq!(part(&one, "experiment.smoothing"), 4 * 100 * 8);
        assert!(one.total() > off);
        // Three σ's: three times the grids and the losses per point.
        let three = at("smoothing = [0.1, 0.2, 0.3]\nsmoothing_samples = 10\n");
        assert_eq!(part(&three, "experiment.smoothing"), 3 * 4 * 100 * 8);
        // Noise too large to hold (here 100,000 × 41,001 × 8 B) is redrawn where it is
        // used: the estimate counts the per-point losses and buffers, not K × P.
        let big = net(
            "[2, 200, 200, 1]",
            "smoothing = [0.1]\nsmoothing_samples = 100000\n",
        );
        let bytes = part(&big, "experiment.smoothing_samples");
        assert!(bytes > 100_000 * 8 && bytes < 100 << 20, "{bytes}");
    }

    fn bundled_configs() -> Vec<PathBuf> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("experiments");
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .collect();
        files.sort();
        files
    }

    #[test]
    fn bundled_configs_fit_in_4_gib_and_cover_their_data() {
        let files = bundled_configs();
        assert!(files.len() >= 19, "{files:?}");
        for file in files {
            let cfg = LoadedConfig::read(&file).unwrap();
            let data = planned_data(&cfg).unwrap();
            let est = estimate(&cfg, &data, 2).unwrap();
            let rows = (data.n_train + data.n_test) as u64;
            let data_bytes = rows * (data.features + data.outputs) as u64 * 8;
            let total = est.total();
            println!(
                "{:<28} {:>10}",
                file.file_name().unwrap().to_string_lossy(),
                human(total)
            );
            assert!(total < 4 << 30, "{}: {}", file.display(), human(total));
            assert!(
                total > data_bytes,
                "{}: {total} <= {data_bytes}",
                file.display()
            );
            check(&cfg, &est, 4 << 30).unwrap();
            // More threads never lower the estimate.
            assert!(estimate(&cfg, &data, 8).unwrap().total() >= total);
        }
    }

    #[test]
    fn units_are_readable() {
        assert_eq!(count(3_000_000), "3,000,000");
        assert_eq!(count(12), "12");
        assert_eq!(human(640), "640 B");
        assert_eq!(human(1_600_000_000), "1.6 GB");
        assert_eq!(human(u64::MAX), "over 18 EB");
        assert_eq!(human(2 * GB / 1000), "2.0 MB");
    }
}
