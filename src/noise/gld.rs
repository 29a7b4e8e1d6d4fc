//! Gaussian noise ξ ~ N(0, Σ') of a chosen covariance, for gradient descent with injected
//! noise θ ← θ − lr·(∇L(θ) + ξ) (the "GLD" dynamics of Zhu et al. 2019, §5):
//!
//! - [`NoiseShape::Isotropic`]: Σ' = s·I;
//! - [`NoiseShape::Diagonal`]: Σ' = diag(s₁, …, s_P);
//! - [`NoiseShape::LowRank`]: Σ' = Σⱼ sⱼ·vⱼvⱼᵀ with orthonormal vⱼ, drawn as
//!   ξ = Σⱼ √sⱼ·zⱼ·vⱼ with zⱼ ~ N(0, 1).
//!
//! [`NoiseShape::with_trace`] rescales a shape to a given tr(Σ'), so that every noise
//! compared has the total variance of SGD's at the same batch size.

use rand::Rng;
use rand_distr::StandardNormal;

/// The covariance of a Gaussian noise (see the module doc).
#[derive(Clone, Debug, PartialEq)]
pub enum NoiseShape {
    /// s·I in dimension `dim`.
    Isotropic { variance: f64, dim: usize },
    /// diag(variances).
    Diagonal { variances: Vec<f64> },
    /// Σⱼ variances[j]·vⱼvⱼᵀ over orthonormal `directions` (each of length P).
    LowRank {
        directions: Vec<Vec<f64>>,
        variances: Vec<f64>,
    },
}

impl NoiseShape {
    /// tr(Σ').
    pub fn trace(&self) -> f64 {
        match self {
            NoiseShape::Isotropic { variance, dim } => variance * *dim as f64,
            NoiseShape::Diagonal { variances } | NoiseShape::LowRank { variances, .. } => {
                variances.iter().sum()
            }
        }
    }

    /// The same shape scaled to tr(Σ') = `trace` (a shape of zero trace stays zero).
    pub fn with_trace(mut self, trace: f64) -> Self {
        let now = self.trace();
        let c = if now > 0.0 { trace / now } else { 0.0 };
        match &mut self {
            NoiseShape::Isotropic { variance, .. } => *variance *= c,
            NoiseShape::Diagonal { variances } | NoiseShape::LowRank { variances, .. } => {
                variances.iter_mut().for_each(|s| *s *= c)
            }
        }
        self
    }

    /// Writes one draw ξ ~ N(0, Σ') into `out` (length P), from `rng` in order.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R, out: &mut [f64]) {
        match self {
            NoiseShape::Isotropic { variance, .. } => {
                let sd = variance.max(0.0).sqrt();
                out.iter_mut()
                    .for_each(|o| *o = sd * rng.sample::<f64, _>(StandardNormal));
            }
            NoiseShape::Diagonal { variances } => {
                for (o, s) in out.iter_mut().zip(variances) {
                    *o = s.max(0.0).sqrt() * rng.sample::<f64, _>(StandardNormal);
                }
            }
            NoiseShape::LowRank {
                directions,
                variances,
            } => {
                out.fill(0.0);
                for (v, s) in directions.iter().zip(variances) {
                    let c = s.max(0.0).sqrt() * rng.sample::<f64, _>(StandardNormal);
                    crate::linalg::axpy(c, v, out);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    /// The sample covariance of `draws` draws against `want` (row-major P × P): every
    /// entry within 5 standard errors, √((Σᵢᵢ·Σⱼⱼ + Σᵢⱼ²)/N) for Gaussian draws.
    fn check_covariance(shape: &NoiseShape, want: &[f64], p: usize, draws: usize) {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let mut xi = vec![0.0; p];
        let mut cov = vec![0.0; p * p];
        for _ in 0..draws {
            shape.sample(&mut rng, &mut xi);
            for r in 0..p {
                for s in 0..p {
                    cov[r * p + s] += xi[r] * xi[s] / draws as f64;
                }
            }
        }
        for r in 0..p {
            for s in 0..p {
                let w = want[r * p + s];
                let se = ((want[r * p + r] * want[s * p + s] + w * w) / draws as f64).sqrt();
                let got = cov[r * p + s];
                assert!(
                    (got - w).abs() <= 5.0 * se + 1e-12,
                    "{shape:?} [{r},{s}]: {got} vs {w}"
                );
            }
        }
        let trace: f64 = (0..p).map(|i| want[i * p + i]).sum();
        assert!((shape.trace() - trace).abs() < 1e-12 * trace.max(1.0));
    }

    #[test]
    fn each_noise_has_the_requested_covariance() {
        let p = 4;
        let draws = 40_000;
        let iso = NoiseShape::Isotropic {
            variance: 1.0,
            dim: p,
        }
        .with_trace(2.0);
        let mut want = vec![0.0; p * p];
        (0..p).for_each(|i| want[i * p + i] = 0.5);
        check_covariance(&iso, &want, p, draws);

        let diag = NoiseShape::Diagonal {
            variances: vec![2.0, 0.1, 0.0, 0.9],
        };
        let mut want = vec![0.0; p * p];
        [2.0, 0.1, 0.0, 0.9]
            .iter()
            .enumerate()
            .for_each(|(i, s)| want[i * p + i] = *s);
        check_covariance(&diag, &want, p, draws);

        // Two orthonormal directions with variances 3 and 1, scaled to trace 2.
        let h = 0.5f64.sqrt();
        let v1 = vec![h, h, 0.0, 0.0];
        let v2 = vec![0.0, 0.0, h, -h];
        let low = NoiseShape::LowRank {
            directions: vec![v1.clone(), v2.clone()],
            variances: vec![3.0, 1.0],
        }
        .with_trace(2.0);
        let mut want = vec![0.0; p * p];
        for (v, s) in [(&v1, 1.5), (&v2, 0.5)] {
            for r in 0..p {
                for c in 0..p {
                    want[r * p + c] += s * v[r] * v[c];
                }
            }
        }
        check_covariance(&low, &want, p, draws);
    }
}
