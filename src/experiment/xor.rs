//! Kind `xor`: the lecture's opening example, in one run.
//!
//! (a) One step neuron o = step(w₁x₁ + w₂x₂ + b) cannot compute XOR: an exhaustive search
//!     over a (w₁, w₂, b) grid finds at best 3 of 4 points right, and the perceptron rule
//!     w ← w + (t − o)x never reaches an error-free epoch (on AND, for contrast, it does).
//! (b) Two layers can: x₁ ⊕ x₂ = ¬((x₁ ∧ x₂) ∨ ¬(x₁ ∨ x₂)), wired by hand as step
//!     neurons h₁ = AND = step(x₁ + x₂ − 1.5), h₂ = NOR = step(−x₁ − x₂ + 0.5) and a linear
//!     output 1 − h₁ − h₂ (= NOR(h₁, h₂), as h₁ and h₂ are never both 1).
//! (c) A small sigmoid MLP trained with the lecture's ½·Σ squared error from many seeds:
//!     some solve XOR, others stall on a plateau of the loss landscape.

use super::figures;
use super::setup::train_seed;
use super::{num, Context};
use crate::config::{ExperimentConfig, LoadedConfig, ModelConfig, TrainConfig, XorConfig};
use crate::data::config::{DataConfig, Source};
use crate::data::{load::load, Dataset, Labels};
use crate::nn::Samples;
use crate::nn::{Activation, Init, Loss, Mlp};
use crate::objective::MlpObjective;
use crate::optim::OptimizerKind;
use crate::plot::{self, Series};
use crate::progress::Progress;
use crate::scalar::Scalar;
use ndarray::arr2;
use rayon::prelude::*;
use serde_json::{json, Value};

/// The truth table's inputs in the order 00, 01, 10, 11.
const INPUTS: [[f64; 2]; 4] = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]];
const XOR: [u32; 4] = [0, 1, 1, 0];
const AND: [u32; 4] = [0, 0, 0, 1];

fn step(z: f64) -> u32 {
    u32::from(z > 0.0)
}

/// Best number of XOR points a single step neuron gets right over a weight grid, and
/// how many grid points reach that best.
fn single_neuron_search(grid: usize, limit: f64) -> (u32, usize, usize) {
    let axis: Vec<f64> = (0..grid)
        .map(|i| -limit + 2.0 * limit * i as f64 / (grid - 1) as f64)
        .collect();
    let mut best = 0;
    let mut count = 0;
    for &w1 in &axis {
        for &w2 in &axis {
            for &b in &axis {
                let c = INPUTS
                    .iter()
                    .zip(XOR)
                    .filter(|(x, t)| step(w1 * x[0] + w2 * x[1] + b) == *t)
                    .count() as u32;
                if c > best {
                    best = c;
                    count = 0;
                }
                if c == best {
                    count += 1;
                }
            }
        }
    }
    (best, count, grid * grid * grid)
}

/// Rosenblatt's perceptron rule from w = 0, learning rate 1, points in table order.
/// Returns the epoch (1-based) of the first error-free epoch, and the errors per epoch.
fn perceptron(targets: &[u32; 4], epochs: usize) -> (Option<usize>, Vec<usize>) {
    let mut w = [0.0f64; 3];
    let mut errors = Vec::new();
    for e in 1..=epochs {
        let mut errs = 0;
        for (x, &t) in INPUTS.iter().zip(targets) {
            let o = step(w[0] * x[0] + w[1] * x[1] + w[2]);
            if o != t {
                errs += 1;
                let d = t as f64 - o as f64;
                w[0] += d * x[0];
                w[1] += d * x[1];
                w[2] += d;
            }
        }
        errors.push(errs);
        if errs == 0 {
            return (Some(e), errors);
        }
    }
    (None, errors)
}

/// The hand-wired network's parameters in flat order for layers [2, 2, 1].
fn formula_theta() -> Vec<f64> {
    vec![
        1.0, 1.0, -1.0, -1.0, // W1: AND row, NOR row
        -1.5, 0.5, // b1
        -1.0, -1.0, // W2
        1.0,  // b2
    ]
}

fn truth_table() -> Dataset {
    Dataset {
        x: arr2(&INPUTS),
        y: Labels::Classes {
            labels: XOR.to_vec(),
            n_classes: 2,
        },
    }
}

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
        schedule: None,
        patience: None,
        record_every: Some(50),
        snapshot_every: Some(0),
    }
}

/// Outcome of one trained seed.
struct Trained<S> {
    seed: u64,
    solved: bool,
    loss: f64,
    grad_norm: f64,
    outputs: Vec<f64>,
    curve: Vec<(f64, f64)>,
    theta: Vec<S>,
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

/// The summary of this kind, still built by hand (being moved to a typed struct).
pub type XorReport = Value;

pub fn run<S: Scalar>(ctx: &Context, xc: &XorConfig) -> crate::Result<Value> {
    let cfg = &ctx.cfg;
    let XorConfig {
        seeds,
        grid,
        grid_limit,
        perceptron_epochs,
        resolution,
    } = *xc;
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
    let dir = ctx.create_dir()?;
    let name = cfg.name();

    // (a) single neuron
    let (best, n_best, n_grid) = single_neuron_search(grid, grid_limit);
    let (xor_conv, xor_errors) = perceptron(&XOR, perceptron_epochs);
    let (and_conv, _) = perceptron(&AND, perceptron_epochs);
    let tail = &xor_errors[xor_errors.len().saturating_sub(4)..];

    // (b) formula network
    let formula = Mlp::new(&[2, 2, 1], Activation::Step, Loss::SseHalf);
    let theta_f = formula_theta();
    let table = truth_table();
    let outputs = figures::predict(&formula, &theta_f, table.x.as_slice().unwrap(), 4);
    figures::decision_regions(
        &dir.path("formula_network_regions.png"),
        "hand-wired step network: ¬((x₁∧x₂) ∨ ¬(x₁∨x₂))",
        &formula,
        &theta_f,
        &table,
        None,
        resolution,
    )?;

    // (c) trained nets from many seeds, in parallel; each seed's run is deterministic.
    let progress = Progress::new(seeds as u64, "seeds", ctx.quiet);
    let runs: Vec<Trained<S>> = (0..seeds as u64)
        .into_par_iter()
        .map(|i| {
            let seed = cfg.config.seed + i;
            let (_, theta, traj) = train_seed::<S>(&mlp, model.init, (&data, None), &plan, seed);
            progress.inc(1);
            let obj = MlpObjective::new(&mlp, &data);
            let e = obj.eval(&theta);
            let out = figures::predict(&mlp, &theta, data_x(&split.train), data.n);
            Trained {
                seed,
                solved: !traj.diverged() && e.accuracy == Some(1.0),
                loss: e.loss,
                grad_norm: traj.last().grad_norm,
                outputs: out,
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
    let solved = runs.iter().filter(|r| r.solved).count();

    let rows: Vec<Vec<f64>> = runs
        .iter()
        .map(|r| {
            vec![
                r.seed as f64,
                f64::from(u8::from(r.solved)),
                r.loss,
                r.grad_norm,
            ]
        })
        .collect();
    dir.write_csv(
        "trained_seeds.csv",
        &["seed", "solved", "final_loss", "final_grad_norm"],
        &rows,
    )?;
    if let Some(best_run) = runs.iter().find(|r| r.solved).or(runs.first()) {
        figures::decision_regions(
            &dir.path("trained_regions.png"),
            &format!(
                "trained {:?} net, seed {} ({})",
                model.layers,
                best_run.seed,
                if best_run.solved { "solved" } else { "stalled" }
            ),
            &mlp,
            &best_run.theta,
            &split.train,
            None,
            resolution,
        )?;
    }
    let shown: Vec<&Trained<S>> = runs
        .iter()
        .filter(|r| r.solved)
        .take(4)
        .chain(runs.iter().filter(|r| !r.solved).take(4))
        .collect();
    let curves: Vec<(String, Vec<f64>, Vec<f64>)> = shown
        .iter()
        .map(|r| {
            let (x, y): (Vec<f64>, Vec<f64>) = r.curve.iter().copied().unzip();
            (
                format!(
                    "seed {} ({})",
                    r.seed,
                    if r.solved { "solved" } else { "stalled" }
                ),
                x,
                y,
            )
        })
        .collect();
    let series: Vec<Series> = curves
        .iter()
        .map(|(l, x, y)| Series { label: l, x, y })
        .collect();
    plot::line_chart(
        &dir.path("trained_loss_curves.png"),
        &format!("{name}: training loss by seed"),
        "epoch",
        "loss (½ Σ squared error)",
        &series,
        true,
    )?;
    let losses: Vec<f64> = runs.iter().map(|r| r.loss).collect();
    plot::histogram(
        &dir.path("final_loss_histogram.png"),
        &format!("{name}: final loss over {seeds} seeds"),
        "final training loss",
        &losses,
        30,
        false,
    )?;

    let stalled: Vec<Value> = runs
        .iter()
        .filter(|r| !r.solved)
        .take(20)
        .map(|r| json!({ "seed": r.seed, "loss": num(r.loss), "grad_norm": num(r.grad_norm), "outputs": r.outputs }))
        .collect();
    Ok(json!({
        "single_neuron": {
            "best_correct": best,
            "grid": { "points_per_axis": grid, "limit": grid_limit, "weights_tried": n_grid, "weights_at_best": n_best },
            "perceptron": {
                "converged": xor_conv.is_some(),
                "epochs": xor_errors.len(),
                "errors_last_epochs": tail,
                "and_converged_after_epochs": and_conv,
            },
        },
        "formula_network": {
            "formula": "x1 xor x2 = not((x1 and x2) or not(x1 or x2))",
            "layers": [2, 2, 1],
            "theta": theta_f,
            "outputs": outputs,
            "truth_table": XOR,
        },
        "trained": {
            "layers": model.layers,
            "activation": model.activation.name(),
            "loss": model.loss.name(),
            "optimizer": format!("{:?}", plan.optimizer).to_lowercase(),
            "lr": plan.lr,
            "epochs": runs.first().and_then(|r| r.curve.last().map(|c| c.0)),
            "seeds": seeds,
            "solved": solved,
            "stalled": seeds - solved,
            "mean_final_loss_solved": mean(runs.iter().filter(|r| r.solved).map(|r| r.loss)),
            "mean_final_loss_stalled": mean(runs.iter().filter(|r| !r.solved).map(|r| r.loss)),
            "stalled_examples": stalled,
        },
    }))
}

fn data_x(d: &Dataset) -> &[f64] {
    d.x.as_slice()
        .expect("data sets are stored in standard layout")
}

fn mean(xs: impl Iterator<Item = f64>) -> Value {
    let v: Vec<f64> = xs.collect();
    if v.is_empty() {
        Value::Null
    } else {
        num(v.iter().sum::<f64>() / v.len() as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_step_neuron_gets_three_of_four_at_best() {
        assert_eq!(single_neuron_search(21, 2.0).0, 3);
    }

    #[test]
    fn perceptron_fails_on_xor_and_converges_on_and() {
        assert_eq!(perceptron(&XOR, 200).0, None);
        assert!(perceptron(&AND, 200).0.is_some());
    }

    #[test]
    fn formula_network_reproduces_the_truth_table() {
        let net = Mlp::new(&[2, 2, 1], Activation::Step, Loss::SseHalf);
        let out = figures::predict(
            &net,
            &formula_theta(),
            truth_table().x.as_slice().unwrap(),
            4,
        );
        assert_eq!(out, vec![0.0, 1.0, 1.0, 0.0]);
    }
}
