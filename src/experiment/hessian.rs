//! Kind `hessian`: the curvature of the training loss at a center (trained, loaded or
//! initial), from exact Hessian-vector products, always in f64.
//!
//! What is computed, and how the point is classified, is
//! [`crate::critical::report`]: exact spectrum for small nets, else Lanczos, Hutch++
//! and stochastic Lanczos quadrature. Writes the smoothed spectral density (log axis)
//! and, when exact, every eigenvalue.

use super::setup::{build, center_kind, train_center};
use super::{num, Context};
use crate::config::{Center, ExactMode, HessianConfig, LoadedConfig};
use crate::critical::{analyse, SpectrumReport, SpectrumSettings};
use crate::curvature::{Counted, ObjectiveHessian};
use crate::error::Result;
use crate::io::run_dir::RunDir;
use crate::linalg::norm;
use crate::objective::{MlpObjective, Objective};
use crate::plot::{self, Series};
use crate::scalar::Scalar;
use serde_json::{json, Value};

/// Checks the solver settings; returns the value of `exact = true|false` (false for
/// "auto").
/// `table` names the config table holding them in error messages.
pub(super) fn validate(cfg: &LoadedConfig, hc: &HessianConfig, table: &str) -> Result<bool> {
    let positive = |field: &str, v: f64| {
        if v.is_finite() && v > 0.0 {
            Ok(())
        } else {
            Err(cfg.err(
                &format!("{table}.{field}"),
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
            return Err(cfg.err(&format!("{table}.{field}"), "must be at least 1"));
        }
    }
    match &hc.exact {
        ExactMode::Always(b) => Ok(*b),
        ExactMode::Named(s) if s == "auto" => Ok(false),
        ExactMode::Named(s) => Err(cfg.err(
            &format!("{table}.exact"),
            format!("expected true, false or \"auto\", got \"{s}\""),
        )),
    }
}

impl HessianConfig {
    /// The solver settings for a net with `p` parameters (`forced_exact` from
    /// `validate`: the value of `exact = true|false`).
    pub fn spectrum_settings(&self, p: usize, forced_exact: bool) -> SpectrumSettings {
        SpectrumSettings {
            k: self.k,
            exact: match &self.exact {
                ExactMode::Named(_) => p <= self.exact_max_params,
                ExactMode::Always(_) => forced_exact,
            },
            lanczos_steps: self.lanczos_steps,
            tol: self.tol,
            trace_hvps: self.trace_hvps,
            slq_runs: self.slq_runs,
            slq_steps: self.slq_steps,
            index_tol: self.index_tol,
            grad_tol: self.grad_tol,
        }
    }
}

/// The eigenvalue grid of a density plot: from min(λmin, 0) to max(λmax, 0), padded by
/// 5 % of |λ|max, with the Gaussian's σ at 1 % of the span.
pub fn density_grid(r: &SpectrumReport) -> (Vec<f64>, f64) {
    let scale = r.lambda_abs_max().max(1e-12);
    let lo = r.lambda_min().min(0.0) - 0.05 * scale;
    let hi = r.lambda_max().max(0.0) + 0.05 * scale;
    let grid: Vec<f64> = (0..600)
        .map(|i| lo + (hi - lo) * i as f64 / 599.0)
        .collect();
    (grid, (0.01 * (hi - lo)).powi(2))
}

/// Writes `{stem}_grid.npy`, `{stem}.npy` and `{stem}.png`: the smoothed spectral
/// density on a log axis.
pub fn write_density(dir: &RunDir, stem: &str, title: &str, r: &SpectrumReport) -> Result<()> {
    let (grid, sigma2) = density_grid(r);
    let density = r.density(&grid, sigma2);
    dir.write_npy(&format!("{stem}_grid.npy"), &grid, &[grid.len()])?;
    dir.write_npy(&format!("{stem}.npy"), &density, &[density.len()])?;
    let floor = density.iter().cloned().fold(0.0f64, f64::max) * 1e-8;
    let shown: Vec<f64> = density.iter().map(|&d| d.max(floor)).collect();
    let method = if r.exact() {
        "exact spectrum"
    } else {
        "stochastic Lanczos quadrature"
    };
    plot::line_chart(
        &dir.path(&format!("{stem}.png")),
        &format!("{title} ({method}; {})", r.classification),
        "eigenvalue",
        "density",
        &[Series {
            label: "density",
            x: &grid,
            y: &shown,
        }],
        true,
    )
}

/// The summary.json fields of a report.
pub fn report_json(r: &SpectrumReport) -> Value {
    json!({
        "eigenvalues_top": r.top,
        "eigenvalues_bottom": r.bottom,
        "eigenvalue_min": num(r.lambda_min()),
        "trace": num(r.trace),
        "trace_stderr": r.trace_stderr.map(num),
        "index": num(r.index),
        "n_negative": r.n_negative,
        "classification": r.classification,
        "exact": r.exact(),
        "budget": r.budget,
    })
}

pub fn run<S: Scalar>(ctx: &Context, hc: &HessianConfig) -> Result<Value> {
    let cfg = &ctx.cfg;
    let model = cfg.model()?;
    let center = center_kind(cfg, model, hc.center)?;
    let forced_exact = validate(cfg, hc, "experiment")?;
    let mut setup = build::<S>(cfg, model, center == Center::Trained)?;
    let plan = match center {
        Center::Trained => Some(cfg.train_plan(cfg.train()?, setup.train.n)?),
        _ => None,
    };
    let p = setup.mlp.n_params();
    let settings = hc.spectrum_settings(p, forced_exact);
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
    let grad_norm = norm(&grad);
    let hessian = ObjectiveHessian::new(&obj, &theta);
    let op = Counted::new(&hessian);
    let report = analyse(&op, grad_norm, &settings, cfg.config.seed);

    write_density(&dir, "density", "Hessian spectral density", &report)?;
    if let Some(values) = &report.eigenvalues {
        dir.write_npy("eigenvalues.npy", values, &[values.len()])?;
    }
    let mut summary = json!({
        "center": format!("{center:?}").to_lowercase(),
        "loss": num(loss),
        "grad_norm": num(grad_norm),
        "hvp_count": op.hvps(),
        "n_params": p,
        "thresholds": { "index_tol": hc.index_tol, "grad_tol": hc.grad_tol },
        "precision": "f64",
    });
    super::merge(&mut summary, report_json(&report));
    Ok(summary)
}
