//! Kind `evaluate`: no training. Loss, accuracy and gradient norm of the weights in
//! `[model] weights` (or of the seeded initialisation) on the training and test sets.
//! It draws no figure: the report is the whole result.

use super::setup::build;
use super::Context;
use crate::json_num::nan_if_null;
use crate::linalg::norm;
use crate::nn::Mlp;
use crate::nn::Samples;
use crate::objective::MlpObjective;
use crate::scalar::Scalar;
use serde::{Deserialize, Serialize};

/// The weights' fit to one data set.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    #[serde(deserialize_with = "nan_if_null")]
    pub loss: f64,
    pub accuracy: Option<f64>,
    /// ‖∇L‖ over the whole set.
    #[serde(deserialize_with = "nan_if_null")]
    pub grad_norm: f64,
    /// Samples in the set.
    pub n: usize,
}

/// `summary.json` of an `evaluate` run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EvaluateReport {
    pub n_params: usize,
    /// The weights file evaluated, or "init".
    pub weights: String,
    pub train: Metrics,
    pub test: Option<Metrics>,
}

fn metrics<S: Scalar>(mlp: &Mlp, data: &Samples<S>, theta: &[S]) -> Metrics {
    let mut g = vec![S::zero(); mlp.n_params()];
    let e = MlpObjective::new(mlp, data).eval_grad(theta, &mut g);
    Metrics {
        loss: e.loss,
        accuracy: e.accuracy,
        grad_norm: norm(&g),
        n: data.n,
    }
}

pub fn run<S: Scalar>(ctx: &Context) -> crate::Result<EvaluateReport> {
    let cfg = &ctx.cfg;
    let setup = build::<S>(cfg, cfg.model()?, false)?;
    Ok(EvaluateReport {
        n_params: setup.mlp.n_params(),
        weights: setup.theta_source.clone(),
        train: metrics(&setup.mlp, &setup.train, &setup.theta),
        test: setup
            .test
            .as_ref()
            .map(|t| metrics(&setup.mlp, t, &setup.theta)),
    })
}
