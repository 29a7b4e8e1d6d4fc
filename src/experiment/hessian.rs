//! Kind `hessian`: the curvature of the training loss at a center (trained, loaded or
//! initial), from exact Hessian-vector products, always in f64.
//!
//! What is computed, and how the point is classified, is
//! [`crate::critical::report`]: exact spectrum for small nets, else Lanczos, Hutch++
//! and stochastic Lanczos quadrature. Writes the smoothed spectral density (log axis)
//! and, when exact, every eigenvalue.

use super::setup::{build, center_kind, train_center};
use super::Context;
use crate::config::{Center, Exact, HessianConfig, LoadedConfig};
use crate::critical::{analyse, PointClass, SpectrumReport, SpectrumSettings, SpectrumSummary};
use crate::curvature::{Counted, ObjectiveHessian};
use crate::error::Result;
use crate::io::run_dir::RunDir;
use crate::json_num::nan_if_null;
use crate::linalg::norm;
use crate::objective::{MlpObjective, Objective};
use crate::plot::{self, Series};
use crate::scalar::Scalar;
use serde::{Deserialize, Serialize};

/// Checks the solver settings; `table` names the config table holding them in error
/// messages.
pub(super) fn validate(cfg: &LoadedConfig, hc: &HessianConfig, table: &str) -> Result<()> {
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
    Ok(())
}

impl HessianConfig {
    /// The solver settings for a net with `p` parameters.
    pub fn spectrum_settings(&self, p: usize) -> SpectrumSettings {
        SpectrumSettings {
            k: self.k,
            exact: match self.exact {
                Exact::Auto => p <= self.exact_max_params,
                Exact::Always => true,
                Exact::Never => false,
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

/// A smoothed spectral density on an eigenvalue grid: what `<stem>.png` shows, saved as
/// `<stem>_grid.npy` and `<stem>.npy`.
#[derive(Clone, Debug, PartialEq)]
pub struct Density {
    pub grid: Vec<f64>,
    pub density: Vec<f64>,
}

impl Density {
    /// The density of report `r` on its [`density_grid`].
    pub fn of(r: &SpectrumReport) -> Density {
        let (grid, sigma2) = density_grid(r);
        let density = r.density(&grid, sigma2);
        Density { grid, density }
    }

    pub fn save(&self, dir: &RunDir, stem: &str) -> Result<()> {
        dir.write_npy(&format!("{stem}_grid.npy"), &self.grid, &[self.grid.len()])?;
        dir.write_npy(&format!("{stem}.npy"), &self.density, &[self.density.len()])?;
        Ok(())
    }

    pub fn load(dir: &RunDir, stem: &str) -> Result<Density> {
        let (grid, _) = dir.read_npy(&format!("{stem}_grid.npy"), &[None])?;
        let (density, _) = dir.read_npy(&format!("{stem}.npy"), &[Some(grid.len())])?;
        Ok(Density { grid, density })
    }

    /// Draws the density on a log axis, titled `title`, with the method (`exact`) and
    /// the point's class.
    pub fn draw(
        &self,
        dir: &RunDir,
        stem: &str,
        title: &str,
        exact: bool,
        class: PointClass,
    ) -> Result<()> {
        let floor = self.density.iter().cloned().fold(0.0f64, f64::max) * 1e-8;
        let shown: Vec<f64> = self.density.iter().map(|&d| d.max(floor)).collect();
        let method = if exact {
            "exact spectrum"
        } else {
            "stochastic Lanczos quadrature"
        };
        plot::line_chart(
            &dir.path(&format!("{stem}.png")),
            &format!("{title} ({method}; {class})"),
            "eigenvalue",
            "density",
            &[Series {
                label: "density",
                x: &self.grid,
                y: &shown,
            }],
            true,
        )
    }
}

/// The thresholds that classify a point.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Thresholds {
    pub index_tol: f64,
    pub grad_tol: f64,
}

/// `summary.json` of a `hessian` run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HessianReport {
    /// Where the Hessian was measured: trained, weights or init.
    pub center: Center,
    #[serde(deserialize_with = "nan_if_null")]
    pub loss: f64,
    #[serde(deserialize_with = "nan_if_null")]
    pub grad_norm: f64,
    pub hvp_count: usize,
    pub n_params: usize,
    pub thresholds: Thresholds,
    /// Always "f64": curvature is measured in f64 whatever the run's dtype.
    pub precision: String,
    #[serde(flatten)]
    pub spectrum: SpectrumSummary,
}

/// What a hessian run computed.
pub struct HessianOutput {
    pub report: HessianReport,
    pub density: Density,
    /// Every eigenvalue, when exact.
    pub eigenvalues: Option<Vec<f64>>,
}

pub fn run<S: Scalar>(ctx: &Context, hc: &HessianConfig) -> Result<HessianOutput> {
    let cfg = &ctx.cfg;
    let model = cfg.model()?;
    let center = center_kind(cfg, model, hc.center)?;
    validate(cfg, hc, "experiment")?;
    let mut setup = build::<S>(cfg, model, center == Center::Trained)?;
    let plan = match center {
        Center::Trained => Some(cfg.train_plan(cfg.train()?, setup.train.n)?),
        _ => None,
    };
    let p = setup.mlp.n_params();
    let settings = hc.spectrum_settings(p);
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
    let spectrum = analyse(&op, grad_norm, &settings, cfg.config.seed);
    Ok(HessianOutput {
        report: HessianReport {
            center,
            loss,
            grad_norm,
            hvp_count: op.hvps(),
            n_params: p,
            thresholds: Thresholds {
                index_tol: hc.index_tol,
                grad_tol: hc.grad_tol,
            },
            precision: "f64".into(),
            spectrum: spectrum.summary(),
        },
        density: Density::of(&spectrum),
        eigenvalues: spectrum.eigenvalues().map(<[f64]>::to_vec),
    })
}

const DENSITY_TITLE: &str = "Hessian spectral density";

/// Writes the density (arrays and figure) and, when exact, every eigenvalue.
pub fn write(out: &HessianOutput, dir: &RunDir) -> Result<()> {
    out.density.save(dir, "density")?;
    if let Some(values) = &out.eigenvalues {
        dir.write_npy("eigenvalues.npy", values, &[values.len()])?;
    }
    let s = &out.report.spectrum;
    out.density
        .draw(dir, "density", DENSITY_TITLE, s.exact, s.classification)
}

/// Redraws the density figure from its saved arrays.
pub fn redraw(report: &HessianReport, dir: &RunDir) -> Result<()> {
    let s = &report.spectrum;
    Density::load(dir, "density")?.draw(dir, "density", DENSITY_TITLE, s.exact, s.classification)
}
