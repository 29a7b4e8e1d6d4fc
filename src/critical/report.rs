//! The curvature report of one point: extreme eigenvalues, trace, index and the
//! classification of the point (Dauphin et al. 2014), from HVPs only. Shared by the
//! `hessian` kind (one center) and the `saddles` kind (every critical point found).
//!
//! - Extreme eigenvalues: the exact spectrum (P HVPs, full diagonalisation) when
//!   `exact`, else Lanczos with full reorthogonalisation (k largest, k most negative).
//! - Trace: exact, or Hutch++ (Meyer et al. 2021) with its standard error.
//! - Index: the fraction of eigenvalues below −index_tol·|λ|max; exact with the full
//!   spectrum, else estimated by stochastic Lanczos quadrature (its nodes are kept for
//!   the density).
//! - Classification: `not_critical` when ‖∇L‖ > grad_tol; else `saddle` when some
//!   eigenvalue is clearly negative, `degenerate` when none is but some are near zero
//!   (within ±index_tol·|λ|max), `minimum` otherwise.

use crate::curvature::density::{density_from_nodes, fraction_below};
use crate::curvature::{exact_spectrum, hutch_plus_plus, lanczos, slq_nodes, Counted, HvpOperator};
use crate::seeded::{rng, Stream};
use serde_json::{json, Value};

/// Solver budgets and thresholds of a report.
#[derive(Clone, Debug, PartialEq)]
pub struct SpectrumSettings {
    /// Top and bottom eigenvalues reported.
    pub k: usize,
    /// Full spectrum (P HVPs) instead of Lanczos + Hutch++ + SLQ.
    pub exact: bool,
    pub lanczos_steps: usize,
    /// Lanczos residual tolerance, relative to |λ|max.
    pub tol: f64,
    pub trace_hvps: usize,
    pub slq_runs: usize,
    pub slq_steps: usize,
    pub index_tol: f64,
    pub grad_tol: f64,
}

/// What the spectrum at a point says.
#[derive(Clone, Debug, PartialEq)]
pub struct SpectrumReport {
    /// The k largest eigenvalues, descending, and the k smallest, ascending.
    pub top: Vec<f64>,
    pub bottom: Vec<f64>,
    /// Every eigenvalue (ascending) when exact.
    pub eigenvalues: Option<Vec<f64>>,
    /// SLQ quadrature nodes and weights when estimated.
    pub nodes: Option<Vec<(Vec<f64>, Vec<f64>)>>,
    pub trace: f64,
    /// None when exact.
    pub trace_stderr: Option<f64>,
    /// Fraction of eigenvalues below −index_tol·|λ|max.
    pub index: f64,
    pub n_negative: usize,
    pub n_near_zero: usize,
    pub classification: &'static str,
    /// How the numbers were obtained (method, steps, residuals, probes).
    pub budget: Value,
    /// HVPs spent on this report.
    pub hvps: usize,
}

impl SpectrumReport {
    pub fn exact(&self) -> bool {
        self.eigenvalues.is_some()
    }
    pub fn lambda_max(&self) -> f64 {
        self.top.first().copied().unwrap_or(f64::NAN)
    }
    pub fn lambda_min(&self) -> f64 {
        self.bottom.first().copied().unwrap_or(f64::NAN)
    }
    /// max |λ| over the reported eigenvalues.
    pub fn lambda_abs_max(&self) -> f64 {
        self.top
            .iter()
            .chain(&self.bottom)
            .fold(0.0f64, |m, v| m.max(v.abs()))
    }

    /// The spectral density on `grid`, smoothed by a Gaussian of variance `sigma2`: of
    /// the exact eigenvalues, or of the SLQ quadrature.
    pub fn density(&self, grid: &[f64], sigma2: f64) -> Vec<f64> {
        match (&self.eigenvalues, &self.nodes) {
            (Some(values), _) => {
                let w = vec![1.0 / values.len() as f64; values.len()];
                density_from_nodes(&[(values.clone(), w)], sigma2, grid)
            }
            (None, Some(nodes)) => density_from_nodes(nodes, sigma2, grid),
            (None, None) => vec![0.0; grid.len()],
        }
    }
}

/// What the spectrum says about a point with gradient norm `grad_norm`.
pub fn classify(
    grad_norm: f64,
    grad_tol: f64,
    n_negative: usize,
    n_near_zero: usize,
) -> &'static str {
    if grad_norm.is_nan() || grad_norm > grad_tol {
        "not_critical"
    } else if n_negative > 0 {
        "saddle"
    } else if n_near_zero > 0 {
        "degenerate"
    } else {
        "minimum"
    }
}

/// The report of the Hessian `op` at a point with gradient norm `grad_norm`; the
/// randomised estimators draw from streams of `seed`.
pub fn analyse<O: HvpOperator + ?Sized>(
    op: &O,
    grad_norm: f64,
    s: &SpectrumSettings,
    seed: u64,
) -> SpectrumReport {
    let op = Counted::new(op);
    let p = op.dim();
    let k = s.k.min(p);
    let mut r = if s.exact {
        let (values, _, asymmetry) = exact_spectrum(&op);
        SpectrumReport {
            top: values.iter().rev().take(k).copied().collect(),
            bottom: values.iter().take(k).copied().collect(),
            trace: values.iter().sum(),
            trace_stderr: None,
            budget: json!({ "method": "exact", "hvps_for_hessian": p, "asymmetry": asymmetry }),
            eigenvalues: Some(values),
            nodes: None,
            index: 0.0,
            n_negative: 0,
            n_near_zero: 0,
            classification: "",
            hvps: 0,
        }
    } else {
        let res = lanczos(
            &op,
            k,
            k,
            s.lanczos_steps,
            s.tol,
            &mut rng(seed, Stream::SpectrumLanczos),
        );
        let t = hutch_plus_plus(&op, s.trace_hvps, &mut rng(seed, Stream::SpectrumTrace));
        let pairs = || res.top.iter().chain(&res.bottom);
        SpectrumReport {
            top: res.top.iter().map(|e| e.value).collect(),
            bottom: res.bottom.iter().map(|e| e.value).collect(),
            trace: t.trace,
            trace_stderr: Some(t.stderr),
            budget: json!({
                "method": "lanczos",
                "lanczos_steps": res.steps,
                "lanczos_max_steps": s.lanczos_steps,
                "tol": s.tol,
                "residuals": pairs().map(|e| e.residual).collect::<Vec<f64>>(),
                "converged": pairs().all(|e| e.converged),
                "trace_method": "hutch++",
                "trace_hvps": t.hvps,
                "slq_runs": s.slq_runs,
                "slq_steps": s.slq_steps,
            }),
            eigenvalues: None,
            nodes: Some(slq_nodes(
                &op,
                s.slq_runs,
                s.slq_steps,
                &mut rng(seed, Stream::SpectrumSlq),
            )),
            index: 0.0,
            n_negative: 0,
            n_near_zero: 0,
            classification: "",
            hvps: 0,
        }
    };
    let scale = r.lambda_abs_max();
    let neg_thr = -s.index_tol * scale;
    let near_zero = |v: &&f64| v.abs() <= s.index_tol * scale;
    match (&r.eigenvalues, &r.nodes) {
        (Some(values), _) => {
            r.n_negative = values.iter().filter(|&&v| v < neg_thr).count();
            r.n_near_zero = values.iter().filter(near_zero).count();
            r.index = r.n_negative as f64 / p.max(1) as f64;
        }
        (None, Some(nodes)) => {
            r.index = fraction_below(nodes, neg_thr);
            let seen = r.bottom.iter().filter(|&&v| v < neg_thr).count();
            r.n_negative = seen.max((r.index * p as f64).round() as usize);
            r.n_near_zero = r.top.iter().chain(&r.bottom).filter(near_zero).count();
        }
        (None, None) => unreachable!("a report is exact or has quadrature nodes"),
    }
    r.classification = classify(grad_norm, s.grad_tol, r.n_negative, r.n_near_zero);
    r.hvps = op.hvps();
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::curvature::DenseOperator;

    fn settings(exact: bool) -> SpectrumSettings {
        SpectrumSettings {
            k: 2,
            exact,
            lanczos_steps: 50,
            tol: 1e-8,
            trace_hvps: 30,
            slq_runs: 4,
            slq_steps: 20,
            index_tol: 1e-3,
            grad_tol: 1e-6,
        }
    }

    #[test]
    fn classification_follows_gradient_then_spectrum() {
        assert_eq!(classify(0.5, 1e-3, 3, 0), "not_critical");
        assert_eq!(classify(f64::NAN, 1e-3, 0, 0), "not_critical");
        assert_eq!(classify(1e-6, 1e-3, 2, 0), "saddle");
        assert_eq!(classify(1e-6, 1e-3, 0, 4), "degenerate");
        assert_eq!(classify(1e-6, 1e-3, 0, 0), "minimum");
    }

    #[test]
    fn exact_and_estimated_reports_agree_on_a_known_spectrum() {
        // 10 eigenvalues: three negative, one zero, six positive.
        let d = [-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0];
        let exact = analyse(&DenseOperator::diagonal(&d), 0.0, &settings(true), 1);
        assert_eq!(exact.top, vec![4.0, 3.0]);
        assert_eq!(exact.bottom, vec![-2.0, -1.0]);
        assert_eq!((exact.n_negative, exact.n_near_zero), (3, 1));
        assert_eq!(exact.index, 0.3);
        assert_eq!(exact.trace, 8.5);
        assert_eq!((exact.classification, exact.hvps), ("saddle", 10));
        let est = analyse(&DenseOperator::diagonal(&d), 0.0, &settings(false), 1);
        assert!((est.lambda_max() - 4.0).abs() < 1e-8 && (est.lambda_min() + 2.0).abs() < 1e-8);
        // Hutch++ with 30 ≥ 3·10 HVPs spans the space: exact up to rounding.
        assert!((est.trace - 8.5).abs() < 1e-8, "{}", est.trace);
        // SLQ with 10 steps on a 10-dim operator is exact quadrature, but the index is
        // an average over 4 random start vectors.
        assert!((est.index - 0.3).abs() < 0.2, "{}", est.index);
        assert_eq!(est.classification, "saddle");
        assert!(est.budget["converged"].as_bool().unwrap());
    }

    #[test]
    fn a_positive_definite_point_is_a_minimum_and_a_flat_one_degenerate() {
        let pd = analyse(
            &DenseOperator::diagonal(&[1.0, 2.0, 3.0]),
            0.0,
            &settings(true),
            0,
        );
        assert_eq!((pd.classification, pd.index), ("minimum", 0.0));
        let flat = analyse(
            &DenseOperator::diagonal(&[0.0, 2.0, 3.0]),
            0.0,
            &settings(true),
            0,
        );
        assert_eq!(flat.classification, "degenerate");
        let moving = analyse(
            &DenseOperator::diagonal(&[1.0, 2.0]),
            1.0,
            &settings(true),
            0,
        );
        assert_eq!(moving.classification, "not_critical");
    }
}
