//! Analytic objectives with known derivatives and spectra, for testing optimisers,
//! eigen-solvers and critical-point search on known answers.
//!
//! - [`Quadratic`]: f(θ) = ½ (θ − c)ᵀ A (θ − c), A = Q diag(λ) Qᵀ with a seeded random
//!   orthogonal Q (Householder reflections) and a chosen spectrum λ. ∇f = A(θ − c), H = A.
//! - [`Saddle`]: f(x, y) = x² − y²: a critical point at 0 with eigenvalues 2 and −2.
//! - [`Rosenbrock`]: f(x, y) = (a − x)² + b (y − x²)², minimum 0 at (a, a²).

use super::Objective;
use crate::linalg::{dot, gaussian, norm};
use crate::scalar::Scalar;
use rand::SeedableRng;

/// A quadratic with a chosen spectrum, rotated by a seeded random orthogonal matrix.
///
/// ```
/// use losscape::objective::{toys::Quadratic, Objective};
///
/// let q = Quadratic::new(&[3.0, 1.0, -2.0], 0);
/// // The trace of A is the sum of the eigenvalues; H = A at every θ.
/// assert!(((0..3).map(|i| q.a[i * 3 + i]).sum::<f64>() - 2.0).abs() < 1e-12);
/// let theta = [1.0, 0.0, 0.0];
/// let mut grad = [0.0; 3];
/// let f = q.loss_grad(&theta, &mut grad); // ∇f = Aθ, f = ½ θᵀAθ = ½ A₀₀
/// assert_eq!(grad, [q.a[0], q.a[3], q.a[6]]);
/// assert!((f - 0.5 * q.a[0]).abs() < 1e-15);
/// ```
pub struct Quadratic {
    /// A, row-major P × P.
    pub a: Vec<f64>,
    /// The center c (the critical point).
    pub center: Vec<f64>,
    pub eigenvalues: Vec<f64>,
}

impl Quadratic {
    /// A = Q diag(eigenvalues) Qᵀ; Q is the product of P Householder reflections drawn
    /// from `seed` (an orthogonal matrix); c = 0.
    pub fn new(eigenvalues: &[f64], seed: u64) -> Self {
        let p = eigenvalues.len();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        // Q starts as I; apply reflections H_k = I − 2 u uᵀ.
        let mut q = vec![0.0; p * p];
        (0..p).for_each(|i| q[i * p + i] = 1.0);
        for _ in 0..p {
            let mut u = gaussian(p, &mut rng);
            let length = norm(&u);
            u.iter_mut().for_each(|x| *x /= length);
            for row in q.chunks_exact_mut(p) {
                let d = dot(row, &u);
                row.iter_mut()
                    .zip(&u)
                    .for_each(|(r, ui)| *r -= 2.0 * d * ui);
            }
        }
        let mut a = vec![0.0; p * p];
        for i in 0..p {
            for j in 0..p {
                a[i * p + j] = (0..p)
                    .map(|k| q[i * p + k] * eigenvalues[k] * q[j * p + k])
                    .sum();
            }
        }
        Quadratic {
            a,
            center: vec![0.0; p],
            eigenvalues: eigenvalues.to_vec(),
        }
    }

    fn mul<S: Scalar>(&self, x: &[S], out: &mut [S]) {
        let p = self.center.len();
        for (i, o) in out.iter_mut().enumerate() {
            *o = S::of((0..p).map(|j| self.a[i * p + j] * x[j].f64()).sum());
        }
    }

    fn shifted<S: Scalar>(&self, theta: &[S]) -> Vec<S> {
        theta
            .iter()
            .zip(&self.center)
            .map(|(&t, &c)| t - S::of(c))
            .collect()
    }
}

impl<S: Scalar> Objective<S> for Quadratic {
    fn dim(&self) -> usize {
        self.center.len()
    }
    fn loss(&self, theta: &[S]) -> S {
        let d = self.shifted(theta);
        let mut ad = vec![S::zero(); d.len()];
        self.mul(&d, &mut ad);
        S::of(0.5) * d.iter().zip(&ad).map(|(&x, &y)| x * y).sum::<S>()
    }
    fn loss_grad(&self, theta: &[S], grad: &mut [S]) -> S {
        let d = self.shifted(theta);
        self.mul(&d, grad);
        S::of(0.5) * d.iter().zip(grad.iter()).map(|(&x, &y)| x * y).sum::<S>()
    }
    fn hvp(&self, _theta: &[S], v: &[S], hv: &mut [S]) {
        self.mul(v, hv);
    }
}

/// f(x, y) = x² − y².
pub struct Saddle;

impl<S: Scalar> Objective<S> for Saddle {
    fn dim(&self) -> usize {
        2
    }
    fn loss(&self, t: &[S]) -> S {
        t[0] * t[0] - t[1] * t[1]
    }
    fn loss_grad(&self, t: &[S], g: &mut [S]) -> S {
        g[0] = S::of(2.0) * t[0];
        g[1] = S::of(-2.0) * t[1];
        self.loss(t)
    }
    fn hvp(&self, _t: &[S], v: &[S], hv: &mut [S]) {
        hv[0] = S::of(2.0) * v[0];
        hv[1] = S::of(-2.0) * v[1];
    }
}

/// f(x, y) = (a − x)² + b (y − x²)².
pub struct Rosenbrock {
    pub a: f64,
    pub b: f64,
}

impl Default for Rosenbrock {
    fn default() -> Self {
        Rosenbrock { a: 1.0, b: 100.0 }
    }
}

impl<S: Scalar> Objective<S> for Rosenbrock {
    fn dim(&self) -> usize {
        2
    }
    fn loss(&self, t: &[S]) -> S {
        let (x, y, a, b) = (t[0], t[1], S::of(self.a), S::of(self.b));
        (a - x) * (a - x) + b * (y - x * x) * (y - x * x)
    }
    fn loss_grad(&self, t: &[S], g: &mut [S]) -> S {
        let (x, y, a, b) = (t[0], t[1], S::of(self.a), S::of(self.b));
        let two = S::of(2.0);
        g[0] = -two * (a - x) - S::of(4.0) * b * x * (y - x * x);
        g[1] = two * b * (y - x * x);
        self.loss(t)
    }
    fn hvp(&self, t: &[S], v: &[S], hv: &mut [S]) {
        let (x, y, b) = (t[0], t[1], S::of(self.b));
        let hxx = S::of(2.0) - S::of(4.0) * b * (y - x * x) + S::of(8.0) * b * x * x;
        let hxy = S::of(-4.0) * b * x;
        let hyy = S::of(2.0) * b;
        hv[0] = hxx * v[0] + hxy * v[1];
        hv[1] = hxy * v[0] + hyy * v[1];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quadratic_has_the_chosen_spectrum() {
        // Trace and Frobenius norm are rotation invariant: Σλ and sqrt(Σλ²).
        let lam = [5.0, 2.0, -1.0, 0.5];
        let q = Quadratic::new(&lam, 3);
        let tr: f64 = (0..4).map(|i| q.a[i * 4 + i]).sum();
        let fro: f64 = q.a.iter().map(|x| x * x).sum::<f64>();
        assert!((tr - 6.5).abs() < 1e-12);
        assert!((fro - lam.iter().map(|l| l * l).sum::<f64>()).abs() < 1e-10);
        // symmetric
        for i in 0..4 {
            for j in 0..4 {
                assert!((q.a[i * 4 + j] - q.a[j * 4 + i]).abs() < 1e-12);
            }
        }
    }

    #[test]
    fn rosenbrock_minimum_and_hessian() {
        let r = Rosenbrock::default();
        let mut g = [1.0f64; 2];
        assert_eq!(r.loss_grad(&[1.0, 1.0], &mut g), 0.0);
        assert_eq!(g, [0.0, 0.0]);
        let mut hv = [0.0; 2];
        r.hvp(&[1.0, 1.0], &[1.0, 0.0], &mut hv);
        assert_eq!(hv, [802.0, -400.0]);
    }
}
