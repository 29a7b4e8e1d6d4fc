//! Kind `hessian`: the curvature of the training loss at a center (trained, loaded or
//! initial), from exact Hessian-vector products, always in f64.
//!
//! - Extreme eigenvalues: Lanczos with full reorthogonalisation (k largest, k most
//!   negative), or, for nets up to `exact_max_params`, the full Hessian assembled from P
//!   HVPs and diagonalised.
//! - Trace: Hutch++ (Meyer et al. 2021) with its standard error, or exact.
//! - Spectral density: stochastic Lanczos quadrature (Ghorbani et al. 2019) smoothed by a
//!   Gaussian, or the exact eigenvalues smoothed the same way.
//! - Index: the fraction of eigenvalues below −index_tol·|λ|max (Dauphin et al. 2014);
//!   exact with the full spectrum, estimated from the quadrature weights otherwise.
//! - Classification: `not_critical` when ‖∇L‖ > grad_tol; else `saddle` when some
//!   eigenvalue is clearly negative, `degenerate` when none is but some are near zero,
//!   `minimum` otherwise.

use super::setup::{build, center_kind, rng, train_center};
use super::{num, Context};
use crate::config::{Center, ExactMode, HessianConfig};
use crate::curvature::density::{density_from_nodes, fraction_below};
use crate::curvature::{exact_spectrum, hutch_plus_plus, lanczos, slq_nodes, ObjectiveHessian};
use crate::error::Result;
use crate::objective::{MlpObjective, Objective};
use crate::plot::{self, Series};
use crate::scalar::Scalar;
use serde_json::{json, Value};

/// Random streams of the estimators.
const LANCZOS_STREAM: u64 = 200;
const TRACE_STREAM: u64 = 201;
const SLQ_STREAM: u64 = 202;

fn validate(ctx: &Context, hc: &HessianConfig) -> Result<bool> {
    let cfg = &ctx.cfg;
    let positive = |field: &str, v: f64| {
        if v.is_finite() && v > 0.0 {
            Ok(())
        } else {
            Err(cfg.err(
                &format!("experiment.{field}"),
                format!("must be a positive number, got {v}"),
            ))
        }
    };
    positive("tol", hc.tol)?;
    positive("index_tol", hc.index_tol)?;
    positive("grad_tol", hc.grad_tol)?;
    for (field, v) in [
        ("k", hc.k),
        ("lanczos_steps", hc.lanczos_steps),
        ("slq_runs", hc.slq_runs),
        ("slq_steps", hc.slq_steps),
    ] {
        if v == 0 {
            return Err(cfg.err(&format!("experiment.{field}"), "must be at least 1"));
        }
    }
    match &hc.exact {
        ExactMode::Always(b) => Ok(*b),
        ExactMode::Named(s) if s == "auto" => Ok(false),
        ExactMode::Named(s) => Err(cfg.err(
            "experiment.exact",
            format!("expected true, false or \"auto\", got \"{s}\""),
        )),
    }
}

/// What the spectrum says about the point.
fn classify(grad_norm: f64, grad_tol: f64, n_negative: usize, n_near_zero: usize) -> &'static str {
    if grad_norm > grad_tol {
        "not_critical"
    } else if n_negative > 0 {
        "saddle"
    } else if n_near_zero > 0 {
        "degenerate"
    } else {
        "minimum"
    }
}

pub fn run<S: Scalar>(ctx: &Context, hc: &HessianConfig) -> Result<Value> {
    let cfg = &ctx.cfg;
    let model = cfg.model()?;
    let center = center_kind(cfg, model, hc.center)?;
    let forced_exact = validate(ctx, hc)?;
    let mut setup = build::<S>(cfg, model, center == Center::Trained)?;
    let plan = match center {
        Center::Trained => Some(cfg.train_plan(cfg.train()?, setup.train.n)?),
        _ => None,
    };
    let p = setup.mlp.n_params();
    let exact = match &hc.exact {
        ExactMode::Named(_) => p <= hc.exact_max_params,
        ExactMode::Always(_) => forced_exact,
    };
    let dir = ctx.create_dir()?;
    if let Some(plan) = &plan {
        train_center(cfg, &mut setup, plan, ctx.quiet)?;
    }

    // Curvature is measured in f64 whatever the run's dtype.
    let theta: Vec<f64> = setup.theta.iter().map(|v| v.f64()).collect();
    let data = setup.train_f64(cfg)?;
    let obj = MlpObjective::new(&setup.mlp, &data);
    let mut grad = vec![0.0; p];
    let loss = obj.loss_grad(&theta, &mut grad);
    let grad_norm = grad.iter().map(|g| g * g).sum::<f64>().sqrt();
    let op = ObjectiveHessian::new(&obj, &theta);
    let seed = cfg.config.seed;

    let k = hc.k.min(p);
    let (top, bottom, all, trace, trace_stderr, budget);
    if exact {
        let (values, _, asymmetry) = exact_spectrum(&op);
        top = values.iter().rev().take(k).copied().collect::<Vec<f64>>();
        bottom = values.iter().take(k).copied().collect::<Vec<f64>>();
        trace = values.iter().sum::<f64>();
        trace_stderr = None;
        budget = json!({ "method": "exact", "hvps_for_hessian": p, "asymmetry": asymmetry });
        all = Some(values);
    } else {
        let res = lanczos(
            &op,
            k,
            k,
            hc.lanczos_steps,
            hc.tol,
            &mut rng(seed, LANCZOS_STREAM),
        );
        top = res.top.iter().map(|e| e.value).collect();
        bottom = res.bottom.iter().map(|e| e.value).collect();
        let t = hutch_plus_plus(&op, hc.trace_hvps, &mut rng(seed, TRACE_STREAM));
        trace = t.trace;
        trace_stderr = Some(t.stderr);
        let residuals: Vec<f64> = res
            .top
            .iter()
            .chain(&res.bottom)
            .map(|e| e.residual)
            .collect();
        budget = json!({
            "method": "lanczos",
            "lanczos_steps": res.steps,
            "lanczos_max_steps": hc.lanczos_steps,
            "tol": hc.tol,
            "residuals": residuals,
            "converged": res.top.iter().chain(&res.bottom).all(|e| e.converged),
            "trace_method": "hutch++",
            "trace_hvps": t.hvps,
            "slq_runs": hc.slq_runs,
            "slq_steps": hc.slq_steps,
        });
        all = None;
    }
    let lam_max_abs = top
        .iter()
        .chain(&bottom)
        .fold(0.0f64, |m, v| m.max(v.abs()));
    let neg_thr = -hc.index_tol * lam_max_abs;
    let lambda_min = bottom.first().copied().unwrap_or(f64::NAN);

    // Density (and the index when the spectrum is estimated).
    let lo = lambda_min.min(0.0) - 0.05 * lam_max_abs.max(1e-12);
    let hi = top.first().copied().unwrap_or(0.0).max(0.0) + 0.05 * lam_max_abs.max(1e-12);
    let grid: Vec<f64> = (0..600)
        .map(|i| lo + (hi - lo) * i as f64 / 599.0)
        .collect();
    let sigma2 = (0.01 * (hi - lo)).powi(2);
    let (index, n_negative, n_near_zero, density) = match &all {
        Some(values) => {
            let neg = values.iter().filter(|&&v| v < neg_thr).count();
            let zero = values
                .iter()
                .filter(|&&v| v.abs() <= hc.index_tol * lam_max_abs)
                .count();
            let w = vec![1.0 / values.len() as f64; values.len()];
            let dens = density_from_nodes(&[(values.clone(), w)], sigma2, &grid);
            (neg as f64 / p as f64, neg, zero, dens)
        }
        None => {
            let nodes = slq_nodes(&op, hc.slq_runs, hc.slq_steps, &mut rng(seed, SLQ_STREAM));
            let frac = fraction_below(&nodes, neg_thr);
            let neg = bottom.iter().filter(|&&v| v < neg_thr).count();
            let zero = top
                .iter()
                .chain(&bottom)
                .filter(|&&v| v.abs() <= hc.index_tol * lam_max_abs)
                .count();
            (
                frac,
                neg.max((frac * p as f64).round() as usize),
                zero,
                density_from_nodes(&nodes, sigma2, &grid),
            )
        }
    };
    let classification = classify(grad_norm, hc.grad_tol, n_negative, n_near_zero);

    dir.write_npy("density_grid.npy", &grid, &[grid.len()])?;
    dir.write_npy("density.npy", &density, &[density.len()])?;
    if let Some(values) = &all {
        dir.write_npy("eigenvalues.npy", values, &[values.len()])?;
    }
    let floor = density.iter().cloned().fold(0.0f64, f64::max) * 1e-8;
    let shown: Vec<f64> = density.iter().map(|&d| d.max(floor)).collect();
    plot::line_chart(
        &dir.path("density.png"),
        &format!(
            "Hessian spectral density ({}; {classification})",
            if exact {
                "exact spectrum"
            } else {
                "stochastic Lanczos quadrature"
            }
        ),
        "eigenvalue",
        "density",
        &[Series {
            label: "density",
            x: &grid,
            y: &shown,
        }],
        true,
    )?;

    let hvp_count = op.hvps();
    Ok(json!({
        "center": format!("{center:?}").to_lowercase(),
        "loss": num(loss),
        "grad_norm": num(grad_norm),
        "eigenvalues_top": top,
        "eigenvalues_bottom": bottom,
        "eigenvalue_min": num(lambda_min),
        "trace": num(trace),
        "trace_stderr": trace_stderr.map(num),
        "index": num(index),
        "n_negative": n_negative,
        "classification": classification,
        "exact": exact,
        "hvp_count": hvp_count,
        "n_params": p,
        "budget": budget,
        "thresholds": { "index_tol": hc.index_tol, "grad_tol": hc.grad_tol },
        "precision": "f64",
    }))
}

#[cfg(test)]
mod tests {
    use super::classify;

    #[test]
    fn classification_follows_gradient_then_spectrum() {
        assert_eq!(classify(0.5, 1e-3, 3, 0), "not_critical");
        assert_eq!(classify(1e-6, 1e-3, 2, 0), "saddle");
        assert_eq!(classify(1e-6, 1e-3, 0, 4), "degenerate");
        assert_eq!(classify(1e-6, 1e-3, 0, 0), "minimum");
    }
}
