//! Kind `train`: train the model, then write the training curves, the decision regions
//! (2-D inputs) or fitted curve (1-D regression), the trajectory table, parameter
//! snapshots and the trained weights.

use super::figures;
use super::setup::{build, train_setup};
use super::{num, opt_num, Context};
use crate::scalar::Scalar;
use serde_json::{json, Value};

/// Snapshots are written only while they stay below this many numbers (~160 MB of f32).
const MAX_SNAPSHOT_VALUES: usize = 40_000_000;

pub fn run<S: Scalar>(ctx: &Context, resolution: usize) -> crate::Result<Value> {
    let cfg = &ctx.cfg;
    let model = cfg.model()?;
    let mut setup = build::<S>(cfg, model, true)?;
    let plan = cfg.train_plan(cfg.train()?, setup.train.n)?;
    let dir = ctx.create_dir()?;

    let traj = train_setup(cfg, &mut setup, &plan, ctx.quiet);

    let name = cfg.name();
    let rows: Vec<Vec<f64>> = traj
        .records
        .iter()
        .map(|r| {
            let o = |v: Option<f64>| v.unwrap_or(f64::NAN);
            vec![
                r.step as f64,
                r.epoch,
                r.train_loss,
                o(r.train_accuracy),
                o(r.test_loss),
                o(r.test_accuracy),
                r.grad_norm,
            ]
        })
        .collect();
    dir.write_csv(
        "trajectory.csv",
        &[
            "step",
            "epoch",
            "train_loss",
            "train_accuracy",
            "test_loss",
            "test_accuracy",
            "grad_norm",
        ],
        &rows,
    )?;
    figures::training_curves(
        &dir.path("training_curves.png"),
        &format!("{name}: training"),
        &traj,
    )?;
    let (train_d, test_d) = (&setup.split.train, setup.split.test.as_ref());
    if train_d.d() == 2 {
        figures::decision_regions(
            &dir.path("decision_regions.png"),
            &format!("{name}: decision regions"),
            &setup.mlp,
            &setup.theta,
            train_d,
            test_d,
            resolution,
        )?;
    } else if train_d.d() == 1 && setup.mlp.layout.output_width() == 1 {
        figures::fitted_curve(
            &dir.path("fit.png"),
            &format!("{name}: fit"),
            &setup.mlp,
            &setup.theta,
            train_d,
        )?;
    }
    dir.save_weights("model.safetensors", &setup.mlp.layout, &setup.theta)?;

    let p = setup.mlp.n_params();
    let snapshots = if !traj.snapshots.is_empty() && traj.snapshots.len() * p <= MAX_SNAPSHOT_VALUES
    {
        let flat: Vec<f64> = traj
            .snapshots
            .iter()
            .flat_map(|s| s.theta.iter().map(|v| v.f64()))
            .collect();
        let steps: Vec<f64> = traj.snapshots.iter().map(|s| s.step as f64).collect();
        dir.write_npy("snapshots.npy", &flat, &[traj.snapshots.len(), p])?;
        dir.write_npy("snapshot_steps.npy", &steps, &[steps.len()])?;
        json!({ "file": "snapshots.npy", "count": steps.len() })
    } else {
        Value::Null
    };

    let last = traj.last();
    Ok(json!({
        "n_params": p,
        "n_train": setup.train.n,
        "n_test": setup.test.as_ref().map(|t| t.n),
        "start": setup.theta_source,
        "final": {
            "train_loss": num(last.train_loss),
            "train_accuracy": opt_num(last.train_accuracy),
            "test_loss": opt_num(last.test_loss),
            "test_accuracy": opt_num(last.test_accuracy),
            "grad_norm": num(last.grad_norm),
        },
        "initial": {
            "train_loss": num(traj.records[0].train_loss),
            "train_accuracy": opt_num(traj.records[0].train_accuracy),
        },
        "diverged": traj.diverged(),
        "plateau_at": traj.plateau_at,
        "divergence": traj.divergence,
        "steps": traj.steps,
        "epochs": last.epoch,
        "snapshots": snapshots,
    }))
}
