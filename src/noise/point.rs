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

/// Rows whose gradients are held at once by [`covariance_trace`].
const TRACE_BLOCK: usize = 64;

/// tr(C) of the gradients of `rows` at `theta`, (1/m)·Σᵢ‖gᵢ‖² − ‖ḡ‖², from blocks of
/// [`TRACE_BLOCK`] rows (never all m × P at once), summed in row order.
pub fn covariance_trace(mlp: &Mlp, data: &Samples<f64>, theta: &[f64], rows: &[usize]) -> f64 {
    let p = mlp.n_params();
    let (mut squares, mut sum) = (0.0, vec![0.0; p]);
    for block in rows.chunks(TRACE_BLOCK) {
        let g = per_sample_gradients(mlp, data, theta, block);
        for gi in g.chunks_exact(p) {
            squares += crate::linalg::dot(gi, gi);
            sum.iter_mut().zip(gi).for_each(|(s, x)| *s += x);
        }
    }
    let m = rows.len().max(1) as f64;
    squares / m - sum.iter().map(|s| (s / m) * (s / m)).sum::<f64>()
}

/// √(lr·tr(Σ_b)/P) at `theta`, Σ_b = C/b (batches drawn with replacement) from the
/// gradients of `samples` rows on the seed's noise-rows stream: the per-parameter size
/// of one SGD step's noise, the scale Kleinberg et al. compare smoothing with.
pub fn sgd_noise_scale(
    mlp: &Mlp,
    data: &Samples<f64>,
    theta: &[f64],
    (lr, batch): (f64, usize),
    samples: usize,
    seed: u64,
) -> f64 {
    let rows = sample_rows(data.n, samples, &mut rng(seed, Stream::NoiseRows));
    let trace = covariance_trace(mlp, data, theta, &rows);
    (lr * trace / batch.max(1) as f64 / mlp.n_params().max(1) as f64).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::synthetic;
    use crate::nn::{Activation, Init, Loss};
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn blocked_trace_equals_the_trace_of_the_held_gradients() {
        let mlp = Mlp::new(&[2, 6, 3], Activation::Tanh, Loss::CrossEntropy);
        let raw = synthetic::gaussians(150, 3, 0.5, 2);
        let data = Samples::<f64>::new(&raw, mlp.loss, 3, "gaussians").unwrap();
        let theta: Vec<f64> = Init::Xavier.theta(&mlp.layout, &mut ChaCha8Rng::seed_from_u64(5));
        let rows: Vec<usize> = (0..data.n).collect();
        let held = GradientNoise::from_gradients(
            per_sample_gradients(&mlp, &data, &theta, &rows),
            mlp.n_params(),
        );
        let blocked = covariance_trace(&mlp, &data, &theta, &rows);
        assert!(
            (blocked - held.trace()).abs() < 1e-10 * held.trace(),
            "{blocked} vs {}",
            held.trace()
        );
        let scale = sgd_noise_scale(&mlp, &data, &theta, (0.1, 10), 1000, 0);
        let want = (0.1 * held.trace() / 10.0 / mlp.n_params() as f64).sqrt();
        assert!((scale - want).abs() < 1e-10 * want, "{scale} vs {want}");
    }
}
