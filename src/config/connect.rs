//! `[experiment]` of kind `connect`: a low-loss curve trained between two minima (mode
//! connectivity, Garipov et al. 2018; Draxler et al. 2018).

use super::BatchSize;
use crate::landscape::curve::CurveKind;
use crate::optim::OptimizerKind;
use serde::{Deserialize, Serialize};

/// `[experiment]` of kind `connect`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ConnectConfig {
    /// The two ends as weights files (both or neither) ...
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model_a: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model_b: Option<String>,
    /// ... or trained with `[train]` from these two seeds (their init and shuffle streams).
    pub seeds: Vec<u64>,
    /// `bezier` (one quadratic Bézier arc) or `polychain` (two segments through the bend).
    pub curve: CurveKind,
    /// How the bend is trained: `sgd` (default), `momentum` or `adam` (their default
    /// hyperparameters), at `lr` for `epochs` passes over the training set in minibatches
    /// of `batch_size`, one t ~ U(0, 1) per step.
    pub optimizer: OptimizerKind,
    pub lr: f64,
    pub epochs: usize,
    pub batch_size: BatchSize,
    /// Evenly spaced t in [0, 1] (ends included) at which line and curve are measured.
    pub points: usize,
    /// Points per axis of the loss over the plane through the two ends and the bend
    /// (0: no plane).
    pub grid: usize,
    /// The plane's grid reaches this fraction of the three points' extent beyond them.
    pub margin: f64,
}

impl Default for ConnectConfig {
    fn default() -> Self {
        ConnectConfig {
            model_a: None,
            model_b: None,
            seeds: vec![],
            curve: CurveKind::Bezier,
            optimizer: OptimizerKind::Sgd,
            lr: 0.05,
            epochs: 50,
            batch_size: BatchSize::Count(32),
            points: 61,
            grid: 41,
            margin: 0.3,
        }
    }
}
