//! `[experiment]` of the gradient-noise kinds: `sgd_noise` (the shape of minibatch
//! noise against the Hessian at a point) and `escape` (leaving a minimum under SGD and
//! under Gaussian noises of the same total variance), after Zhu et al. 2019.

use super::{BatchSize, Center};
use crate::noise::Sampling;
use serde::{Deserialize, Serialize};

/// `[experiment]` of kind `sgd_noise`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SgdNoiseConfig {
    /// As for `slice`: `trained` (with `[train]`), `weights` or `init`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub center: Option<Center>,
    /// Batch sizes b of Σ_b (at least one; no default).
    pub batch_sizes: Vec<BatchSize>,
    /// Per-sample gradients of this many training rows (a seeded subset; all rows when
    /// the training set is no larger).
    pub samples: usize,
    /// How a minibatch is drawn: `with_replacement` (Σ_b = C/b) or
    /// `without_replacement` (times (n − b)/(n − 1)).
    pub sampling: Sampling,
    /// Eigenpairs of H and of Σ_b compared.
    pub k: usize,
    /// Lanczos: at most this many products per operator, residual tolerance relative to
    /// the largest Ritz value.
    pub lanczos_steps: usize,
    pub tol: f64,
    /// tr(H) from P HVPs (exact) up to this many parameters, else by Hutch++ with
    /// `trace_hvps` HVPs.
    pub exact_max_params: usize,
    pub trace_hvps: usize,
}

impl Default for SgdNoiseConfig {
    fn default() -> Self {
        SgdNoiseConfig {
            center: None,
            batch_sizes: vec![],
            samples: 1000,
            sampling: Sampling::WithReplacement,
            k: 10,
            lanczos_steps: 120,
            tol: 1e-6,
            exact_max_params: 4000,
            trace_hvps: 300,
        }
    }
}

/// A dynamics run from the minimum by kind `escape`.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::VariantNames,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Dynamics {
    /// Full-batch gradient descent.
    Gd,
    /// Minibatch SGD at `batch_size`.
    Sgd,
    /// GD plus isotropic Gaussian noise of SGD's total variance tr(Σ_b).
    GldConst,
    /// GD plus Gaussian noise of covariance diag(Σ_b).
    GldDiag,
    /// GD plus Gaussian noise along Σ_b's top-k eigen-directions (their variances,
    /// scaled to tr(Σ_b)).
    GldLeading,
    /// GD plus Gaussian noise of covariance ∝ Σ_{i≤k} λᵢuᵢuᵢᵀ (H's top-k eigenpairs),
    /// scaled to tr(Σ_b).
    GldHessian,
    /// GD plus Gaussian noise along H's top eigenvector only, of variance tr(Σ_b).
    GldEigvec1,
}

impl Dynamics {
    pub const ALL: [Dynamics; 7] = [
        Dynamics::Gd,
        Dynamics::Sgd,
        Dynamics::GldConst,
        Dynamics::GldDiag,
        Dynamics::GldLeading,
        Dynamics::GldHessian,
        Dynamics::GldEigvec1,
    ];

    /// The name used in configs and summaries.
    pub fn name(self) -> &'static str {
        self.into()
    }
}

/// `[experiment]` of kind `escape`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EscapeConfig {
    /// Where the dynamics start: `trained` (GD with `[train]`, the default with a
    /// `[train]` table) or `weights`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub center: Option<Center>,
    /// The dynamics compared (default: all seven).
    pub dynamics: Vec<Dynamics>,
    /// SGD's batch size b, whose noise Σ_b every Gaussian noise matches in trace.
    pub batch_size: usize,
    /// How SGD draws its minibatches (and so which Σ_b the noises match).
    pub sampling: Sampling,
    /// Learning rate of every dynamics (default: `[train] lr`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lr: Option<f64>,
    /// Steps of each dynamics.
    pub steps: usize,
    /// Repeats of each dynamics (minibatches and noise drawn from each seed).
    pub seeds: Vec<u64>,
    /// Measure every this many steps (default: steps / 50).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record_every: Option<usize>,
    /// A run has escaped when the loss somewhere on the straight line from the start
    /// to its point exceeds the start's by more than this.
    pub escape_barrier: f64,
    /// Points on that line (ends included).
    pub line_points: usize,
    /// Σ_b from the per-sample gradients of this many training rows (seeded subset).
    pub samples: usize,
    /// Rank of `gld_leading` and `gld_hessian`.
    pub k: usize,
    /// Lanczos steps for the top eigenpairs of H and Σ_b.
    pub lanczos_steps: usize,
}

impl Default for EscapeConfig {
    fn default() -> Self {
        EscapeConfig {
            center: None,
            dynamics: Dynamics::ALL.to_vec(),
            batch_size: 20,
            sampling: Sampling::WithReplacement,
            lr: None,
            steps: 1000,
            seeds: vec![0, 1, 2],
            record_every: None,
            escape_barrier: 0.1,
            line_points: 11,
            samples: 1000,
            k: 20,
            lanczos_steps: 120,
        }
    }
}
