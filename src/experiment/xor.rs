//! Kind `xor`: the lecture's opening example, in one run.
//!
//! (a) One step neuron cannot compute XOR, and (b) a hand-wired two-layer step network
//! can ([`super::xor_step`]). (c) A small sigmoid MLP trained with the lecture's
//! ½·Σ squared error from many seeds: some solve XOR, others stall on a plateau of the
//! loss landscape. The report is [`XorReport`]; the figures are [`XorFigures`].

use super::figures::{self, RegionGrid};
use super::setup::train_seed;
use super::xor_figures::{LossCurve, SeedOutcome, XorFigures};
use super::xor_report::{
    FormulaNetwork, PerceptronRule, ShownNet, ShownSeed, SingleNeuron, StalledSeed, TrainedNets,
    WeightGrid,
};
use super::xor_step::{self, AND, FORMULA, FORMULA_LAYERS, XOR};
use super::Context;
use crate::config::{ExperimentConfig, LoadedConfig, ModelConfig, TrainConfig, XorConfig};
use crate::data::config::{DataConfig, Source};
use crate::data::{load::load, Dataset, Split};
use crate::error::Result;
use crate::io::run_dir::RunDir;
use crate::nn::Samples;
use crate::nn::{Activation, Init, Loss, Mlp};
use crate::objective::MlpObjective;
use crate::optim::{OptimizerKind, TrainPlan};
use crate::progress::Progress;
use crate::scalar::Scalar;
use rayon::prelude::*;

pub use super::xor_report::XorReport;

/// Stalled seeds listed in the report, at most.
const STALLED_EXAMPLES: usize = 20;
/// Solved and stalled seeds whose loss curves are drawn, at most each.
const CURVES_EACH: usize = 4;

pub(super) fn default_model() -> ModelConfig {
    ModelConfig {
        layers: vec![2, 2, 1],
        activation: Activation::Sigmoid,
        loss: Loss::SseHalf,
        init: Init::Pytorch,
        weights: None,
    }
}

pub(super) fn default_train() -> TrainConfig {
    TrainConfig {
        optimizer: OptimizerKind::Gd,
        lr: 0.1,
        batch_size: None,
        epochs: Some(5000),
        steps: None,
        momentum: None,
        nesterov: None,
        beta1: None,
        beta2: None,
        eps: None,
        krylov_dim: None,
        damping: None,
        line_search: None,
        schedule: None,
        patience: None,
        record_every: Some(50),
        snapshot_every: Some(0),
    }
}

/// Most points per axis of the single-neuron weight grid (grid³ triples are tried).
pub const MAX_GRID: usize = 1001;

/// The study's settings checked, and its model and data (the lecture's defaults when
/// the config has no `[model]` or `[data]` table).
pub(super) fn validate(cfg: &LoadedConfig) -> crate::Result<(ModelConfig, DataConfig)> {
    let ExperimentConfig::Xor(XorConfig {
        seeds,
        grid,
        grid_limit,
        ..
    }) = cfg.config.experiment
    else {
        return Err(cfg.err("experiment.kind", "is not xor"));
    };
    if seeds == 0 {
        return Err(cfg.err("experiment.seeds", "must be at least 1"));
    }
    if !(2..=MAX_GRID).contains(&grid) {
        return Err(cfg.err(
            "experiment.grid",
            format!(
                "must be from 2 to {MAX_GRID} (the search tries grid³ weight triples), got {grid}"
            ),
        ));
    }
    if !grid_limit.is_finite() || grid_limit <= 0.0 {
        return Err(cfg.err(
            "experiment.grid_limit",
            format!("must be a positive number, got {grid_limit}"),
        ));
    }
    let model = cfg.config.model.clone().unwrap_or_else(default_model);
    cfg.validate_model(&model, true)?;
    if model.layers[0] != 2 {
        return Err(cfg.err(
            "model.layers",
            "XOR has 2 inputs; the first width must be 2",
        ));
    }
    let data_cfg = cfg
        .config
        .data
        .clone()
        .unwrap_or_else(|| DataConfig::new(Source::Xor));
    data_cfg.validate(&cfg.file)?;
    Ok((model, data_cfg))
}

/// What an xor run computed: the report, and what its figures are drawn from.
pub struct XorOutput {
    pub report: XorReport,
    pub figures: XorFigures,
}

/// The trained part's model, data and training plan.
struct TrainingSetup<S> {
    model: ModelConfig,
    split: Split,
    mlp: Mlp,
    data: Samples<S>,
    plan: TrainPlan,
}

/// Outcome of one trained seed.
struct Trained<S> {
    seed: u64,
    solved: bool,
    loss: f64,
    grad_norm: f64,
    outputs: Vec<f64>,
    /// (epoch, training loss) of every record.
    curve: Vec<(f64, f64)>,
    theta: Vec<S>,
}

pub fn run<S: Scalar>(ctx: &Context, xc: &XorConfig) -> Result<XorOutput> {
    let setup = training_setup::<S>(&ctx.cfg)?;
    let single_neuron = single_neuron(xc);
    let (formula_network, formula_regions) = formula_network(xc.resolution);
    let runs = train_seeds(ctx, &setup, xc.seeds);
    let shown = shown_regions(&runs, &setup, xc.resolution);
    let curves: Vec<&Trained<S>> = runs
        .iter()
        .filter(|r| r.solved)
        .take(CURVES_EACH)
        .chain(runs.iter().filter(|r| !r.solved).take(CURVES_EACH))
        .collect();
    let shown_curves = curves
        .iter()
        .map(|r| ShownSeed {
            seed: r.seed,
            solved: r.solved,
        })
        .collect();
    let shown_net = shown.as_ref().map(|(net, _)| net.clone());
    let trained = trained_nets(&runs, &setup, shown_net, shown_curves);
    let figures = XorFigures {
        formula_regions,
        trained_regions: shown.map(|(_, g)| g),
        seeds: runs
            .iter()
            .map(|r| SeedOutcome {
                seed: r.seed,
                solved: r.solved,
                final_loss: r.loss,
                final_grad_norm: r.grad_norm,
            })
            .collect(),
        curves: curves
            .iter()
            .map(|r| {
                let (epoch, loss) = r.curve.iter().copied().unzip();
                LossCurve { epoch, loss }
            })
            .collect(),
    };
    Ok(XorOutput {
        report: XorReport {
            single_neuron,
            formula_network,
            trained,
        },
        figures,
    })
}

/// Writes the arrays and tables behind the figures, then the figures (titled with the
/// run's `name`).
pub fn write(out: &XorOutput, dir: &RunDir, name: &str) -> Result<()> {
    out.figures.save(dir)?;
    out.figures.draw(dir, &out.report, name)
}

/// Redraws the figures of a finished run from its files.
pub fn redraw(report: &XorReport, dir: &RunDir, name: &str) -> Result<()> {
    XorFigures::load(dir, report)?.draw(dir, report, name)
}

/// The model (the lecture's by default), data and training plan of part (c).
fn training_setup<S: Scalar>(cfg: &LoadedConfig) -> Result<TrainingSetup<S>> {
    let (model, data_cfg) = validate(cfg)?;
    let split = load(
        &data_cfg,
        &cfg.file,
        cfg.config.seed,
        model.loss.uses_labels(),
    )?;
    let mlp = Mlp::new(&model.layers, model.activation, model.loss);
    let k = mlp.layout.output_width();
    let origin = cfg.file.display().to_string();
    let data = Samples::<S>::new(&split.train, model.loss, k, &origin)?;
    let train_cfg = cfg.config.train.clone().unwrap_or_else(default_train);
    let plan = cfg.train_plan(&train_cfg, data.n)?;
    Ok(TrainingSetup {
        model,
        split,
        mlp,
        data,
        plan,
    })
}

/// (a) The weight-grid search and the perceptron rule.
fn single_neuron(xc: &XorConfig) -> SingleNeuron {
    let search = xor_step::single_neuron_search(xc.grid, xc.grid_limit);
    let (xor_converged, xor_errors) = xor_step::perceptron(&XOR, xc.perceptron_epochs);
    let (and_converged, _) = xor_step::perceptron(&AND, xc.perceptron_epochs);
    SingleNeuron {
        best_correct: search.best_correct,
        grid: WeightGrid {
            points_per_axis: xc.grid,
            limit: xc.grid_limit,
            weights_tried: search.tried,
            weights_at_best: search.at_best,
        },
        perceptron: PerceptronRule {
            converged: xor_converged.is_some(),
            epochs: xor_errors.len(),
            errors_last_epochs: xor_errors[xor_errors.len().saturating_sub(4)..].to_vec(),
            and_converged_after_epochs: and_converged,
        },
    }
}

/// (b) The hand-wired network's outputs on the truth table, and its decision regions.
fn formula_network(resolution: usize) -> (FormulaNetwork, RegionGrid) {
    let net = Mlp::new(&FORMULA_LAYERS, Activation::Step, Loss::SseHalf);
    let theta = xor_step::formula_theta();
    let table = xor_step::truth_table();
    let outputs = figures::predict(&net, &theta, data_x(&table), 4);
    let regions = RegionGrid::compute(&net, &theta, &table, None, resolution)
        .expect("the truth table has class labels");
    let report = FormulaNetwork {
        formula: FORMULA.into(),
        layers: FORMULA_LAYERS.to_vec(),
        theta,
        outputs,
        truth_table: XOR.to_vec(),
        regions: regions.info.clone(),
    };
    (report, regions)
}

/// (c) The net trained from seeds `seed, seed + 1, ...` in parallel; each seed's run is
/// deterministic.
fn train_seeds<S: Scalar>(ctx: &Context, s: &TrainingSetup<S>, seeds: usize) -> Vec<Trained<S>> {
    let progress = Progress::new(seeds as u64, "seeds", ctx.quiet);
    let runs = (0..seeds as u64)
        .into_par_iter()
        .map(|i| {
            let seed = ctx.cfg.config.seed + i;
            let (_, theta, traj) =
                train_seed::<S>(&s.mlp, s.model.init, (&s.data, None), &s.plan, seed);
            progress.inc(1);
            let e = MlpObjective::new(&s.mlp, &s.data).eval(&theta);
            Trained {
                seed,
                solved: !traj.diverged() && e.accuracy == Some(1.0),
                loss: e.loss,
                grad_norm: traj.last().grad_norm,
                outputs: figures::predict(&s.mlp, &theta, data_x(&s.split.train), s.data.n),
                curve: traj
                    .records
                    .iter()
                    .map(|r| (r.epoch, r.train_loss))
                    .collect(),
                theta,
            }
        })
        .collect();
    progress.finish();
    runs
}

/// The decision regions of the first solved seed (else of the first seed) on the
/// training data; None for data without class labels.
fn shown_regions<S: Scalar>(
    runs: &[Trained<S>],
    s: &TrainingSetup<S>,
    resolution: usize,
) -> Option<(ShownNet, RegionGrid)> {
    let run = runs.iter().find(|r| r.solved).or(runs.first())?;
    let grid = RegionGrid::compute(&s.mlp, &run.theta, &s.split.train, None, resolution)?;
    let net = ShownNet {
        seed: run.seed,
        solved: run.solved,
        grid: grid.info.clone(),
    };
    Some((net, grid))
}

/// What the trained seeds found, with the net and the seeds the figures show.
fn trained_nets<S: Scalar>(
    runs: &[Trained<S>],
    s: &TrainingSetup<S>,
    regions: Option<ShownNet>,
    loss_curves: Vec<ShownSeed>,
) -> TrainedNets {
    let solved = runs.iter().filter(|r| r.solved).count();
    let mean_loss = |solved: bool| {
        let v: Vec<f64> = runs
            .iter()
            .filter(|r| r.solved == solved)
            .map(|r| r.loss)
            .collect();
        (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
    };
    TrainedNets {
        layers: s.model.layers.clone(),
        activation: s.model.activation,
        loss: s.model.loss,
        optimizer: s.plan.optimizer,
        lr: s.plan.lr,
        epochs: runs.first().and_then(|r| r.curve.last().map(|c| c.0)),
        seeds: runs.len(),
        solved,
        stalled: runs.len() - solved,
        mean_final_loss_solved: mean_loss(true),
        mean_final_loss_stalled: mean_loss(false),
        stalled_examples: runs
            .iter()
            .filter(|r| !r.solved)
            .take(STALLED_EXAMPLES)
            .map(|r| StalledSeed {
                seed: r.seed,
                loss: r.loss,
                grad_norm: r.grad_norm,
                outputs: r.outputs.clone(),
            })
            .collect(),
        loss_curves,
        regions,
    }
}

fn data_x(d: &Dataset) -> &[f64] {
    d.x.as_slice()
        .expect("data sets are stored in standard layout")
}
