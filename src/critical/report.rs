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
use crate::json_num::{nan_if_null, nans_if_null};
use crate::seeded::{rng, Stream};
use serde::{Deserialize, Serialize};

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

/// What a point is, by its gradient and Hessian spectrum.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::VariantNames,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum PointClass {
    /// ‖∇L‖ above the gradient tolerance.
    NotCritical,
    /// Some eigenvalue clearly negative.
    Saddle,
    /// None negative, some near zero.
    Degenerate,
    /// Every eigenvalue clearly positive.
    Minimum,
}

impl PointClass {
    /// Every class, in the order figures and tables list them.
    pub const ALL: [PointClass; 4] = [
        PointClass::Minimum,
        PointClass::Saddle,
        PointClass::Degenerate,
        PointClass::NotCritical,
    ];

    /// The name written in `summary.json`.
    /// The name used in configs (as serde reads it).
    pub fn name(self) -> &'static str {
        self.into()
    }
}

impl std::fmt::Display for PointClass {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The eigenvalue information behind a report: every eigenvalue, or the stochastic
/// Lanczos quadrature that estimates their distribution.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Spectrum {
    /// Every eigenvalue, ascending.
    Exact(Vec<f64>),
    /// SLQ quadrature nodes and weights, one pair per random start vector.
    Quadrature(Vec<(Vec<f64>, Vec<f64>)>),
}

/// How a report's numbers were obtained.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum Budget {
    /// The full Hessian from P HVPs, diagonalised.
    Exact {
        hvps_for_hessian: usize,
        /// max |H − Hᵀ| of the assembled matrix.
        asymmetry: f64,
    },
    /// Lanczos for the extreme eigenvalues, Hutch++ for the trace, SLQ for the index.
    Lanczos {
        lanczos_steps: usize,
        lanczos_max_steps: usize,
        tol: f64,
        #[serde(deserialize_with = "nans_if_null")]
        residuals: Vec<f64>,
        converged: bool,
        trace_method: TraceMethod,
        trace_hvps: usize,
        slq_runs: usize,
        slq_steps: usize,
    },
}

/// The trace estimator of an estimated report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TraceMethod {
    /// Meyer et al. 2021.
    #[serde(rename = "hutch++")]
    HutchPlusPlus,
}

/// What the spectrum at a point says.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SpectrumReport {
    /// The k largest eigenvalues, descending, and the k smallest, ascending.
    pub top: Vec<f64>,
    pub bottom: Vec<f64>,
    pub spectrum: Spectrum,
    pub trace: f64,
    /// None when exact.
    pub trace_stderr: Option<f64>,
    /// Fraction of eigenvalues below −index_tol·|λ|max.
    pub index: f64,
    pub n_negative: usize,
    pub n_near_zero: usize,
    pub classification: PointClass,
    pub budget: Budget,
    /// HVPs spent on this report.
    pub hvps: usize,
}

/// The fields of a [`SpectrumReport`] that `summary.json` keeps (the `hessian` kind's
/// and every critical point's of the `saddles` kind).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SpectrumSummary {
    #[serde(deserialize_with = "nans_if_null")]
    pub eigenvalues_top: Vec<f64>,
    #[serde(deserialize_with = "nans_if_null")]
    pub eigenvalues_bottom: Vec<f64>,
    #[serde(deserialize_with = "nan_if_null")]
    pub eigenvalue_min: f64,
    #[serde(deserialize_with = "nan_if_null")]
    pub trace: f64,
    pub trace_stderr: Option<f64>,
    #[serde(deserialize_with = "nan_if_null")]
    pub index: f64,
    pub n_negative: usize,
    pub classification: PointClass,
    pub exact: bool,
    pub budget: Budget,
}

impl SpectrumReport {
    pub fn exact(&self) -> bool {
        matches!(self.spectrum, Spectrum::Exact(_))
    }
    /// Every eigenvalue, when exact.
    pub fn eigenvalues(&self) -> Option<&[f64]> {
        match &self.spectrum {
            Spectrum::Exact(v) => Some(v),
            Spectrum::Quadrature(_) => None,
        }
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

    /// The fields `summary.json` keeps.
    pub fn summary(&self) -> SpectrumSummary {
        SpectrumSummary {
            eigenvalues_top: self.top.clone(),
            eigenvalues_bottom: self.bottom.clone(),
            eigenvalue_min: self.lambda_min(),
            trace: self.trace,
            trace_stderr: self.trace_stderr,
            index: self.index,
            n_negative: self.n_negative,
            classification: self.classification,
            exact: self.exact(),
            budget: self.budget.clone(),
        }
    }

    /// The spectral density on `grid`, smoothed by a Gaussian of variance `sigma2`: of
    /// the exact eigenvalues, or of the SLQ quadrature.
    pub fn density(&self, grid: &[f64], sigma2: f64) -> Vec<f64> {
        match &self.spectrum {
            Spectrum::Exact(values) => {
                let w = vec![1.0 / values.len() as f64; values.len()];
                density_from_nodes(&[(values.clone(), w)], sigma2, grid)
            }
            Spectrum::Quadrature(nodes) => density_from_nodes(nodes, sigma2, grid),
        }
    }
}

/// What the spectrum says about a point with gradient norm `grad_norm`.
pub fn classify(
    grad_norm: f64,
    grad_tol: f64,
    n_negative: usize,
    n_near_zero: usize,
) -> PointClass {
    if grad_norm.is_nan() || grad_norm > grad_tol {
        PointClass::NotCritical
    } else if n_negative > 0 {
        PointClass::Saddle
    } else if n_near_zero > 0 {
        PointClass::Degenerate
    } else {
        PointClass::Minimum
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
            budget: Budget::Exact {
                hvps_for_hessian: p,
                asymmetry,
            },
            spectrum: Spectrum::Exact(values),
            index: 0.0,
            n_negative: 0,
            n_near_zero: 0,
            classification: PointClass::NotCritical,
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
            budget: Budget::Lanczos {
                lanczos_steps: res.steps,
                lanczos_max_steps: s.lanczos_steps,
                tol: s.tol,
                residuals: pairs().map(|e| e.residual).collect(),
                converged: pairs().all(|e| e.converged),
                trace_method: TraceMethod::HutchPlusPlus,
                trace_hvps: t.hvps,
                slq_runs: s.slq_runs,
                slq_steps: s.slq_steps,
            },
            spectrum: Spectrum::Quadrature(slq_nodes(
                &op,
                s.slq_runs,
                s.slq_steps,
                &mut rng(seed, Stream::SpectrumSlq),
            )),
            index: 0.0,
            n_negative: 0,
            n_near_zero: 0,
            classification: PointClass::NotCritical,
            hvps: 0,
        }
    };
    let scale = r.lambda_abs_max();
    let neg_thr = -s.index_tol * scale;
    let near_zero = |v: &&f64| v.abs() <= s.index_tol * scale;
    match &r.spectrum {
        Spectrum::Exact(values) => {
            r.n_negative = values.iter().filter(|&&v| v < neg_thr).count();
            r.n_near_zero = values.iter().filter(near_zero).count();
            r.index = r.n_negative as f64 / p.max(1) as f64;
        }
        Spectrum::Quadrature(nodes) => {
            r.index = fraction_below(nodes, neg_thr);
            let seen = r.bottom.iter().filter(|&&v| v < neg_thr).count();
            r.n_negative = seen.max((r.index * p as f64).round() as usize);
            r.n_near_zero = r.top.iter().chain(&r.bottom).filter(near_zero).count();
        }
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
        use PointClass::*;
        assert_eq!(classify(0.5, 1e-3, 3, 0), NotCritical);
        assert_eq!(classify(f64::NAN, 1e-3, 0, 0), NotCritical);
        assert_eq!(classify(1e-6, 1e-3, 2, 0), Saddle);
        assert_eq!(classify(1e-6, 1e-3, 0, 4), Degenerate);
        assert_eq!(classify(1e-6, 1e-3, 0, 0), Minimum);
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
        assert_eq!((exact.classification, exact.hvps), (PointClass::Saddle, 10));
        let est = analyse(&DenseOperator::diagonal(&d), 0.0, &settings(false), 1);
        assert!((est.lambda_max() - 4.0).abs() < 1e-8 && (est.lambda_min() + 2.0).abs() < 1e-8);
        // Hutch++ with 30 ≥ 3·10 HVPs spans the space: exact up to rounding.
        assert!((est.trace - 8.5).abs() < 1e-8, "{}", est.trace);
        // SLQ with 10 steps on a 10-dim operator is exact quadrature, but the index is
        // an average over 4 random start vectors.
        assert!((est.index - 0.3).abs() < 0.2, "{}", est.index);
        assert_eq!(est.classification, PointClass::Saddle);
        assert!(matches!(
            est.budget,
            Budget::Lanczos {
                converged: true,
                ..
            }
        ));
    }

    #[test]
    fn a_positive_definite_point_is_a_minimum_and_a_flat_one_degenerate() {
        let pd = analyse(
            &DenseOperator::diagonal(&[1.0, 2.0, 3.0]),
            0.0,
            &settings(true),
            0,
        );
        assert_eq!((pd.classification, pd.index), (PointClass::Minimum, 0.0));
        let flat = analyse(
            &DenseOperator::diagonal(&[0.0, 2.0, 3.0]),
            0.0,
            &settings(true),
            0,
        );
        assert_eq!(flat.classification, PointClass::Degenerate);
        let moving = analyse(
            &DenseOperator::diagonal(&[1.0, 2.0]),
            1.0,
            &settings(true),
            0,
        );
        assert_eq!(moving.classification, PointClass::NotCritical);
    }
}
