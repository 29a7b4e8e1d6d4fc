//! Kind `evaluate`: no training. Loss, accuracy and gradient norm of the weights in
//! `[model] weights` (or of the seeded initialisation) on the training and test sets.

use super::setup::build;
use super::{num, opt_num, Context};
use crate::data::samples::Samples;
use crate::linalg::norm;
use crate::nn::Mlp;
use crate::objective::MlpObjective;
use crate::scalar::Scalar;
use serde_json::{json, Value};

fn metrics<S: Scalar>(mlp: &Mlp, data: &Samples<S>, theta: &[S]) -> Value {
    let mut g = vec![S::zero(); mlp.n_params()];
    let e = MlpObjective::new(mlp, data).eval_grad(theta, &mut g);
    let grad_norm = norm(&g);
    json!({ "loss": num(e.loss), "accuracy": opt_num(e.accuracy), "grad_norm": num(grad_norm), "n": data.n })
}

pub fn run<S: Scalar>(ctx: &Context) -> crate::Result<Value> {
    let cfg = &ctx.cfg;
    let setup = build::<S>(cfg, cfg.model()?, false)?;
    ctx.create_dir()?;
    let train = metrics(&setup.mlp, &setup.train, &setup.theta);
    let test = setup
        .test
        .as_ref()
        .map(|t| metrics(&setup.mlp, t, &setup.theta));
    Ok(json!({
        "n_params": setup.mlp.n_params(),
        "weights": setup.theta_source,
        "train": train,
        "test": test,
    }))
}
