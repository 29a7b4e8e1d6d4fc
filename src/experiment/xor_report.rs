//! `summary.json` of an `xor` run: the single step neuron's failure, the hand-wired
//! network, and the sigmoid nets trained from many seeds.

use super::figures::RegionsInfo;
use crate::json_num::{nan_if_null, nans_if_null};
use crate::nn::{Activation, Loss};
use crate::optim::OptimizerKind;
use serde::{Deserialize, Serialize};

/// The report of kind `xor`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct XorReport {
    pub single_neuron: SingleNeuron,
    pub formula_network: FormulaNetwork,
    pub trained: TrainedNets,
}

/// (a) One step neuron: the weight-grid search and the perceptron rule.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SingleNeuron {
    /// Most of the 4 XOR points any weight triple on the grid gets right.
    pub best_correct: u32,
    pub grid: WeightGrid,
    pub perceptron: PerceptronRule,
}

/// The (w₁, w₂, b) grid searched.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WeightGrid {
    pub points_per_axis: usize,
    /// Each weight runs over [−limit, limit].
    pub limit: f64,
    pub weights_tried: usize,
    /// Weight triples reaching `best_correct`.
    pub weights_at_best: usize,
}

/// Rosenblatt's rule on XOR (and, for contrast, on AND).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PerceptronRule {
    /// Whether an epoch without errors was reached on XOR.
    pub converged: bool,
    /// Epochs run on XOR.
    pub epochs: usize,
    /// Errors in each of the last (up to 4) epochs on XOR.
    pub errors_last_epochs: Vec<usize>,
    /// The first error-free epoch on AND.
    pub and_converged_after_epochs: Option<usize>,
}

/// (b) The hand-wired two-layer step network.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FormulaNetwork {
    pub formula: String,
    pub layers: Vec<usize>,
    /// Its parameters in flat order.
    pub theta: Vec<f64>,
    /// Its outputs on 00, 01, 10, 11.
    pub outputs: Vec<f64>,
    pub truth_table: Vec<u32>,
    /// The grid of `formula_network_regions.png` (arrays `formula_network_regions_*.npy`).
    pub regions: RegionsInfo,
}

/// (c) The sigmoid nets trained from many seeds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainedNets {
    pub layers: Vec<usize>,
    pub activation: Activation,
    pub loss: Loss,
    pub optimizer: OptimizerKind,
    pub lr: f64,
    /// The epoch of the first seed's last record.
    pub epochs: Option<f64>,
    pub seeds: usize,
    /// Seeds classifying all training points right (without diverging).
    pub solved: usize,
    pub stalled: usize,
    /// Mean final training loss of the solved seeds (None: no seed solved, or not finite).
    pub mean_final_loss_solved: Option<f64>,
    /// Mean final training loss of the stalled seeds (None: none stalled, or not finite).
    pub mean_final_loss_stalled: Option<f64>,
    /// The first (up to 20) stalled seeds.
    pub stalled_examples: Vec<StalledSeed>,
    /// The seeds whose training loss `trained_loss_curves.png` shows (the first 4
    /// solved, then the first 4 stalled), in the order of `trained_loss_curves.csv`.
    pub loss_curves: Vec<ShownSeed>,
    /// The net drawn in `trained_regions.png` (arrays `trained_regions_*.npy`); None for
    /// data without class labels.
    #[serde(default)]
    pub regions: Option<ShownNet>,
}

/// A seed that did not solve XOR.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StalledSeed {
    pub seed: u64,
    #[serde(deserialize_with = "nan_if_null")]
    pub loss: f64,
    #[serde(deserialize_with = "nan_if_null")]
    pub grad_norm: f64,
    /// The net's outputs on the training points.
    #[serde(deserialize_with = "nans_if_null")]
    pub outputs: Vec<f64>,
}

/// The trained net whose decision regions are drawn: the first solved seed, else the
/// first seed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ShownNet {
    pub seed: u64,
    pub solved: bool,
    pub grid: RegionsInfo,
}

/// A seed drawn in a figure, and how it ended.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ShownSeed {
    pub seed: u64,
    pub solved: bool,
}
