//! The covariance C = (1/m)·Σᵢ dᵢdᵢᵀ of m per-sample gradients gᵢ around their mean ḡ
//! (dᵢ = gᵢ − ḡ), held as the m × P matrix D of the dᵢ: P × P is never formed.
//!
//! - v ↦ Cv = (1/m)·Dᵀ(Dv), so Lanczos finds C's top eigenpairs from products alone;
//! - tr(C) = (1/m)·Σᵢ‖dᵢ‖², diag(C)ⱼ = (1/m)·Σᵢ dᵢⱼ², vᵀCv = (1/m)·Σᵢ(dᵢᵀv)²;
//! - tr(HC) = (1/m)·Σᵢ dᵢᵀHdᵢ = (1/m)·Σᵢ gᵢᵀHgᵢ − ḡᵀHḡ, one HVP per row (Zhu et al.'s
//!   escaping indicator, times the batch factor).
//!
//! With m = n rows (the whole training set) C is the exact covariance of one sample's
//! gradient; with a seeded subset of m rows it is that subset's. The minibatch noise is
//! Σ_b = [`Sampling::factor`]·C. Every sum runs in a fixed order (rows in order for each
//! parameter), so results do not depend on the thread count.

use crate::curvature::{lanczos, HvpOperator, LanczosResult};
use crate::linalg::dot;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Parameters per task of the product's second half (Dᵀw).
const BLOCK: usize = 2048;

/// How a minibatch is drawn from the n training rows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sampling {
    /// b independent uniform draws: Σ_b = C / b.
    #[default]
    WithReplacement,
    /// b distinct rows (a slice of a shuffled epoch): Σ_b = (n − b)/(n − 1) · C / b.
    WithoutReplacement,
}

impl Sampling {
    /// The factor c with Σ_b = c·C for batches of `b` of `n` rows (b ≤ n without
    /// replacement; a full batch without replacement has no noise).
    pub fn factor(self, b: usize, n: usize) -> f64 {
        let bf = b.max(1) as f64;
        match self {
            Sampling::WithReplacement => 1.0 / bf,
            Sampling::WithoutReplacement if n <= 1 => 0.0,
            Sampling::WithoutReplacement => (n.saturating_sub(b)) as f64 / (n - 1) as f64 / bf,
        }
    }
}

/// The covariance of m per-sample gradients of dimension P (see the module doc).
#[derive(Clone, Debug)]
pub struct GradientNoise {
    /// dᵢ = gᵢ − ḡ, row-major m × P.
    dev: Vec<f64>,
    mean: Vec<f64>,
    m: usize,
    p: usize,
}

impl GradientNoise {
    /// From row-major m × P gradients `g` (m ≥ 1): centres them in place.
    pub fn from_gradients(mut g: Vec<f64>, p: usize) -> Self {
        assert!(
            p > 0 && !g.is_empty() && g.len().is_multiple_of(p),
            "g is not m × P"
        );
        let m = g.len() / p;
        let mut mean = vec![0.0; p];
        for gi in g.chunks_exact(p) {
            mean.iter_mut().zip(gi).for_each(|(a, x)| *a += x);
        }
        mean.iter_mut().for_each(|a| *a /= m as f64);
        g.par_chunks_mut(p).for_each(|gi| {
            gi.iter_mut().zip(&mean).for_each(|(x, a)| *x -= a);
        });
        GradientNoise { dev: g, mean, m, p }
    }

    /// ḡ, the mean of the gradients.
    pub fn mean(&self) -> &[f64] {
        &self.mean
    }

    /// m, the number of gradients.
    pub fn samples(&self) -> usize {
        self.m
    }

    fn rows(&self) -> impl IndexedParallelIterator<Item = &[f64]> {
        self.dev.par_chunks_exact(self.p)
    }

    /// tr(C).
    pub fn trace(&self) -> f64 {
        let sq: Vec<f64> = self.rows().map(|d| dot(d, d)).collect();
        sq.iter().sum::<f64>() / self.m as f64
    }

    /// diag(C).
    pub fn diagonal(&self) -> Vec<f64> {
        let mut diag = vec![0.0; self.p];
        diag.par_chunks_mut(BLOCK).enumerate().for_each(|(b, out)| {
            let lo = b * BLOCK;
            for d in self.dev.chunks_exact(self.p) {
                for (o, x) in out.iter_mut().zip(&d[lo..]) {
                    *o += x * x;
                }
            }
            out.iter_mut().for_each(|o| *o /= self.m as f64);
        });
        diag
    }

    /// vᵀCv, the variance of one sample's gradient along `v`.
    pub fn quadratic_form(&self, v: &[f64]) -> f64 {
        let proj: Vec<f64> = self.rows().map(|d| dot(d, v)).collect();
        proj.iter().map(|x| x * x).sum::<f64>() / self.m as f64
    }

    /// tr(HC) = (1/m)·Σᵢ dᵢᵀHdᵢ with one application of `h` per gradient, in order.
    pub fn trace_with<O: HvpOperator + ?Sized>(&self, h: &O) -> f64 {
        assert_eq!(h.dim(), self.p, "operator dimension != P");
        let mut hd = vec![0.0; self.p];
        let mut sum = 0.0;
        for d in self.dev.chunks_exact(self.p) {
            h.apply(d, &mut hd);
            sum += dot(d, &hd);
        }
        sum / self.m as f64
    }

    /// C's `k` largest eigenpairs by Lanczos (at most `steps` products, tolerance `tol`
    /// relative to the largest Ritz value). C has rank at most m − 1.
    pub fn top(&self, k: usize, steps: usize, tol: f64, rng: &mut ChaCha8Rng) -> LanczosResult {
        lanczos(self, k, 0, steps, tol, rng)
    }
}

impl HvpOperator for GradientNoise {
    fn dim(&self) -> usize {
        self.p
    }
    /// out = (1/m)·Dᵀ(Dv).
    fn apply(&self, v: &[f64], out: &mut [f64]) {
        let w: Vec<f64> = self.rows().map(|d| dot(d, v) / self.m as f64).collect();
        out.par_chunks_mut(BLOCK).enumerate().for_each(|(b, out)| {
            let lo = b * BLOCK;
            out.fill(0.0);
            for (d, wi) in self.dev.chunks_exact(self.p).zip(&w) {
                for (o, x) in out.iter_mut().zip(&d[lo..]) {
                    *o += wi * x;
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::curvature::DenseOperator;
    use rand::SeedableRng;

    /// Gradients gᵢ = A(θ − cᵢ) of the quadratics ℓᵢ(θ) = ½(θ − cᵢ)ᵀA(θ − cᵢ): H = A and
    /// C = A·cov(c)·A, so tr(HC) = tr(A·A·cov(c)·A), computed here by dense algebra.
    #[test]
    fn trace_of_h_times_c_on_quadratics_with_known_h_and_c() {
        let p = 4;
        let a = [
            3.0, 1.0, 0.0, 0.5, //
            1.0, 2.0, 0.3, 0.0, //
            0.0, 0.3, 1.0, -0.2, //
            0.5, 0.0, -0.2, 0.5,
        ];
        let theta = [0.2, -0.1, 0.4, 1.0];
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let centers: Vec<Vec<f64>> = (0..7)
            .map(|_| crate::linalg::gaussian(p, &mut rng))
            .collect();
        let matvec = |m: &[f64], v: &[f64]| -> Vec<f64> {
            (0..p).map(|r| dot(&m[r * p..(r + 1) * p], v)).collect()
        };
        let g: Vec<f64> = centers
            .iter()
            .flat_map(|c| {
                let diff: Vec<f64> = theta.iter().zip(c).map(|(t, ci)| t - ci).collect();
                matvec(&a, &diff)
            })
            .collect();
        let noise = GradientNoise::from_gradients(g, p);
        // cov(c) with 1/m, and C = A cov(c) A.
        let m = centers.len() as f64;
        let cbar: Vec<f64> = (0..p)
            .map(|j| centers.iter().map(|c| c[j]).sum::<f64>() / m)
            .collect();
        let mut cov = vec![0.0; p * p];
        for c in &centers {
            for r in 0..p {
                for s in 0..p {
                    cov[r * p + s] += (c[r] - cbar[r]) * (c[s] - cbar[s]) / m;
                }
            }
        }
        let mul = |x: &[f64], y: &[f64]| -> Vec<f64> {
            let mut z = vec![0.0; p * p];
            for r in 0..p {
                for s in 0..p {
                    z[r * p + s] = (0..p).map(|t| x[r * p + t] * y[t * p + s]).sum();
                }
            }
            z
        };
        let c_dense = mul(&mul(&a, &cov), &a);
        let hc = mul(&a, &c_dense);
        let want_trace_hc: f64 = (0..p).map(|i| hc[i * p + i]).sum();
        let want_trace_c: f64 = (0..p).map(|i| c_dense[i * p + i]).sum();
        let h = DenseOperator::new(a.to_vec(), p);
        let close = |x: f64, y: f64| (x - y).abs() < 1e-12 * (1.0 + y.abs());
        assert!(close(noise.trace_with(&h), want_trace_hc));
        assert!(close(noise.trace(), want_trace_c));
        let diag = noise.diagonal();
        let v = [0.3, -1.0, 0.2, 0.7];
        let mut cv = vec![0.0; p];
        noise.apply(&v, &mut cv);
        let want_cv = matvec(&c_dense, &v);
        for i in 0..p {
            assert!(close(diag[i], c_dense[i * p + i]));
            assert!(close(cv[i], want_cv[i]), "{i}: {} vs {}", cv[i], want_cv[i]);
        }
        assert!(close(noise.quadratic_form(&v), dot(&v, &want_cv)));
    }

    #[test]
    fn top_eigenpairs_of_gradients_along_known_axes() {
        // dᵢ = ±3 e₀ and ±1 e₂ (four gradients, mean 0): C = diag(4.5, 0, 0.5, 0).
        let g = vec![
            3.0, 0.0, 0.0, 0.0, //
            -3.0, 0.0, 0.0, 0.0, //
            0.0, 0.0, 1.0, 0.0, //
            0.0, 0.0, -1.0, 0.0,
        ];
        let noise = GradientNoise::from_gradients(g, 4);
        let top = noise
            .top(2, 4, 1e-10, &mut ChaCha8Rng::seed_from_u64(0))
            .top;
        assert!((top[0].value - 4.5).abs() < 1e-10 && (top[1].value - 0.5).abs() < 1e-10);
        assert!((top[0].vector[0].abs() - 1.0).abs() < 1e-8);
        assert!((top[1].vector[2].abs() - 1.0).abs() < 1e-8);
    }

    #[test]
    fn batch_factors() {
        use Sampling::*;
        assert_eq!(WithReplacement.factor(8, 100), 0.125);
        assert!((WithoutReplacement.factor(8, 101) - 93.0 / 100.0 / 8.0).abs() < 1e-15);
        assert_eq!(WithoutReplacement.factor(100, 100), 0.0);
        assert_eq!(WithReplacement.factor(100, 100), 0.01);
    }
}
