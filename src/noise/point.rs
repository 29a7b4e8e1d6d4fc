//! The gradient noise and the curvature at one point θ of an MLP's training loss, as
//! kinds `sgd_noise` and `escape` need them: the covariance C of the per-sample
//! gradients of a seeded subset of rows, the Hessian's top eigenpairs and C's top
//! eigenpairs, each by Lanczos on its own seeded stream. Always in f64.

use super::{per_sample_gradients, sample_rows, GradientNoise};
use crate::curvature::{lanczos, EigenPair, ObjectiveHessian};
use crate::nn::{Mlp, Samples};
use crate::objective::MlpObjective;
use crate::seeded::{rng, Stream};

/// How the point is measured.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PointSettings {
    /// Rows whose per-sample gradients make C (all rows when the set is no larger).
    pub samples: usize,
    /// Eigenpairs of H and of C.
    pub k: usize,
    /// Lanczos: most products per operator, and the residual tolerance.
    pub lanczos_steps: usize,
    pub tol: f64,
}

/// What was measured at θ.
pub struct NoisePoint {
    /// C of the sampled rows' gradients (its mean is their mean gradient).
    pub noise: GradientNoise,
    /// Training rows n (for the without-replacement factor).
    pub n_train: usize,
    /// H's largest eigenpairs, descending.
    pub hessian_top: Vec<EigenPair>,
    /// C's largest eigenpairs, descending.
    pub covariance_top: Vec<EigenPair>,
    /// HVPs the Hessian's Lanczos used.
    pub hvps: usize,
}

/// Measures C and the two top spectra at `theta` on `data` (the training set), with
/// the rows and Lanczos starts drawn from `seed`'s noise streams.
pub fn measure(
    mlp: &Mlp,
    data: &Samples<f64>,
    theta: &[f64],
    s: &PointSettings,
    seed: u64,
) -> NoisePoint {
    let rows = sample_rows(data.n, s.samples, &mut rng(seed, Stream::NoiseRows));
    let g = per_sample_gradients(mlp, data, theta, &rows);
    let noise = GradientNoise::from_gradients(g, mlp.n_params());
    let obj = MlpObjective::new(mlp, data);
    let h = ObjectiveHessian::new(&obj, theta);
    let hessian = lanczos(
        &h,
        s.k,
        0,
        s.lanczos_steps,
        s.tol,
        &mut rng(seed, Stream::NoiseHessianLanczos),
    );
    let covariance = noise.top(
        s.k,
        s.lanczos_steps,
        s.tol,
        &mut rng(seed, Stream::NoiseSigmaLanczos),
    );
    NoisePoint {
        noise,
        n_train: data.n,
        hessian_top: hessian.top,
        covariance_top: covariance.top,
        hvps: hessian.hvps,
    }
}
