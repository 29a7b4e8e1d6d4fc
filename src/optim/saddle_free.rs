//! The saddle-free Newton step (Dauphin et al. 2014, Algorithm 1) in a Krylov subspace.
//!
//! `krylov_dim` Lanczos steps with H (full reorthogonalisation, from a random start
//! vector) give an orthonormal basis V of a Krylov subspace, which leans towards H's
//! extreme eigenvectors (the sharpest and the most negative directions), and
//! T = VᵀHV = QΛQᵀ. With g the gradient at θ, the step is
//!
//! ```text
//! Δθ = −V·Q·(|Λ| + μI)⁻¹·Qᵀ·Vᵀg  −  lr·(g − V·Vᵀg)
//! ```
//!
//! Newton's step in the subspace with each eigenvalue replaced by its absolute value (so
//! a direction of negative curvature is followed downhill, away from a saddle, where
//! Newton's step would climb to it), damped by μ, plus a plain gradient step of size
//! `lr` in the subspace's complement. With `absolute = false` the same machinery gives
//! Newton's step, sign(λ)·(|λ| + μ) in place of |λ| + μ, for comparison. The Lanczos iteration stops early when the
//! subspace is invariant (the next vector's norm is below 1e-12 of T's scale). The
//! start vector comes from the caller's generator, so a seeded run repeats exactly.

use crate::curvature::HvpOperator;
use crate::linalg::{axpy, dot, norm};
use nalgebra::{DMatrix, SymmetricEigen};
use rand::Rng;
use rand_distr::StandardNormal;

/// The settings of a saddle-free Newton step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SfnSettings {
    /// Lanczos steps (the subspace's dimension at most).
    pub krylov_dim: usize,
    /// μ, added to every |λ|.
    pub damping: f64,
    /// The gradient step's size in the subspace's complement.
    pub lr: f64,
    /// true: saddle-free, each eigenvalue by its absolute value |λ| + μ; false: Newton's
    /// step, each eigenvalue with its sign, sign(λ)·(|λ| + μ), which climbs along
    /// negative curvature towards a saddle.
    pub absolute: bool,
}

/// One step: Δθ and what it cost and saw.
#[derive(Clone, Debug, PartialEq)]
pub struct SfnStep {
    pub delta: Vec<f64>,
    /// HVPs used (one per Lanczos step).
    pub hvps: usize,
    /// The subspace's eigenvalues Λ, ascending (λmin of the subspace first).
    pub subspace_eigenvalues: Vec<f64>,
}

impl SfnStep {
    /// The smallest eigenvalue of H in the subspace (NaN for an empty one).
    pub fn lambda_min(&self) -> f64 {
        self.subspace_eigenvalues
            .first()
            .copied()
            .unwrap_or(f64::NAN)
    }
}

/// The saddle-free Newton step at a point with gradient `grad` and Hessian `h`, the
/// Lanczos start drawn from `rng`.
pub fn saddle_free_step<O: HvpOperator + ?Sized, R: Rng + ?Sized>(
    h: &O,
    grad: &[f64],
    s: &SfnSettings,
    rng: &mut R,
) -> SfnStep {
    let p = grad.len();
    let start: Vec<f64> = (0..p).map(|_| rng.sample(StandardNormal)).collect();
    let (basis, t, hvps) = krylov(h, start, s.krylov_dim.min(p));
    let eig = SymmetricEigen::new(t);
    let mut order: Vec<usize> = (0..basis.len()).collect();
    order.sort_by(|&a, &b| eig.eigenvalues[a].total_cmp(&eig.eigenvalues[b]));
    let vg: Vec<f64> = basis.iter().map(|v| dot(v, grad)).collect();
    // coef = Q·(|Λ| + μI)⁻¹·Qᵀ·Vᵀg.
    let mut coef = vec![0.0; basis.len()];
    for &i in &order {
        let q = eig.eigenvectors.column(i);
        let lambda = eig.eigenvalues[i];
        let curvature = match s.absolute || lambda >= 0.0 {
            true => lambda.abs() + s.damping,
            false => lambda - s.damping,
        };
        let c = dot(q.as_slice(), &vg) / curvature;
        coef.iter_mut()
            .zip(q.iter())
            .for_each(|(a, qj)| *a += c * qj);
    }
    // Δθ = −V·coef − lr·(g − V·Vᵀg).
    let mut delta: Vec<f64> = grad.iter().map(|g| -s.lr * g).collect();
    for ((v, c), vgi) in basis.iter().zip(&coef).zip(&vg) {
        axpy(s.lr * vgi - c, v, &mut delta);
    }
    SfnStep {
        delta,
        hvps,
        subspace_eigenvalues: order.iter().map(|&i| eig.eigenvalues[i]).collect(),
    }
}

/// Backtracking on a step: the largest α of 1, ½, ¼, … (down to 2⁻¹⁰) with
/// `loss_at(α)` below `loss`, or 1 when none is; and the losses evaluated.
pub fn backtrack(loss: f64, mut loss_at: impl FnMut(f64) -> f64) -> (f64, usize) {
    let mut evaluated = 0;
    let alpha = (0..=10)
        .map(|i| 0.5f64.powi(i))
        .find(|&a| {
            evaluated += 1;
            loss_at(a) < loss
        })
        .unwrap_or(1.0);
    (alpha, evaluated)
}

/// Lanczos from `start` with full reorthogonalisation: the orthonormal basis, T = VᵀHV
/// and the HVPs used. An empty basis for a zero start or zero steps.
fn krylov<O: HvpOperator + ?Sized>(
    h: &O,
    start: Vec<f64>,
    steps: usize,
) -> (Vec<Vec<f64>>, DMatrix<f64>, usize) {
    let n0 = norm(&start);
    if n0 == 0.0 || steps == 0 {
        return (vec![], DMatrix::zeros(0, 0), 0);
    }
    let mut basis: Vec<Vec<f64>> = vec![start.iter().map(|x| x / n0).collect()];
    let (mut alpha, mut beta) = (Vec::new(), Vec::new());
    let mut w = vec![0.0; start.len()];
    let mut scale = 0.0f64;
    loop {
        let v = basis.last().expect("one vector at least");
        h.apply(v, &mut w);
        scale = scale.max(norm(&w));
        alpha.push(dot(&w, v));
        for u in &basis {
            let c = dot(&w, u);
            axpy(-c, u, &mut w);
        }
        let b = norm(&w);
        if basis.len() == steps || b <= 1e-12 * scale.max(f64::MIN_POSITIVE) {
            break;
        }
        beta.push(b);
        basis.push(w.iter().map(|x| x / b).collect());
    }
    let k = basis.len();
    let t = DMatrix::from_fn(k, k, |i, j| match i.abs_diff(j) {
        0 => alpha[i],
        1 => beta[i.min(j)],
        _ => 0.0,
    });
    (basis, t, k)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::objective::toys::{Quadratic, Saddle};
    use crate::objective::Objective;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn rng() -> ChaCha8Rng {
        ChaCha8Rng::seed_from_u64(7)
    }

    struct Hess<'a, O>(&'a O, &'a [f64]);
    impl<O: Objective<f64>> HvpOperator for Hess<'_, O> {
        fn dim(&self) -> usize {
            self.0.dim()
        }
        fn apply(&self, v: &[f64], out: &mut [f64]) {
            self.0.hvp(self.1, v, out)
        }
    }

    #[test]
    fn on_the_saddle_sfn_leaves_where_newton_lands_on_it() {
        // f = x² − y² at (1, 0.5): g = (2, −1), H = diag(2, −2).
        let theta = [1.0, 0.5];
        let mut g = [0.0; 2];
        let f0 = Saddle.loss_grad(&theta, &mut g);
        // Newton: −H⁻¹g = (−1, −0.5) lands on the saddle (0, 0).
        let newton = [theta[0] - g[0] / 2.0, theta[1] - g[1] / -2.0];
        assert_eq!(newton, [0.0, 0.0]);
        let s = SfnSettings {
            krylov_dim: 2,
            damping: 0.0,
            lr: 0.1,
            absolute: true,
        };
        let step = saddle_free_step(&Hess(&Saddle, &theta), &g, &s, &mut rng());
        let next = [theta[0] + step.delta[0], theta[1] + step.delta[1]];
        // −|H|⁻¹g = (−1, +0.5): x to the valley floor, y away from the saddle.
        assert!(
            (next[0] - 0.0).abs() < 1e-12 && (next[1] - 1.0).abs() < 1e-12,
            "{next:?}"
        );
        assert!(Saddle.loss(&next) < f0);
        assert_eq!(step.hvps, 2);
        assert!((step.lambda_min() + 2.0).abs() < 1e-12);
        // The same step with signed eigenvalues is Newton's, onto the saddle.
        let newton_step = SfnSettings {
            absolute: false,
            ..s
        };
        let step = saddle_free_step(&Hess(&Saddle, &theta), &g, &newton_step, &mut rng());
        for i in 0..2 {
            assert!((theta[i] + step.delta[i] - newton[i]).abs() < 1e-12, "{i}");
        }
    }

    #[test]
    fn on_a_convex_quadratic_sfn_is_newtons_step() {
        let q = Quadratic::new(&[5.0, 2.0, 1.0, 0.5, 0.1], 3);
        let theta = [0.3, -1.0, 0.7, 0.2, -0.4];
        let mut g = [0.0; 5];
        q.loss_grad(&theta, &mut g);
        let s = SfnSettings {
            krylov_dim: 5,
            damping: 0.0,
            lr: 0.1,
            absolute: true,
        };
        let step = saddle_free_step(&Hess(&q, &theta), &g, &s, &mut rng());
        // Newton lands on the minimum, the center c.
        for (i, c) in q.center.iter().enumerate() {
            assert!((theta[i] + step.delta[i] - c).abs() < 1e-9, "{i}");
        }
    }

    #[test]
    fn damping_shortens_the_step() {
        let q = Quadratic::new(&[5.0, -2.0, 1.0], 1);
        let theta = [0.3, -1.0, 0.7];
        let mut g = [0.0; 3];
        q.loss_grad(&theta, &mut g);
        let step = |damping| {
            let s = SfnSettings {
                krylov_dim: 3,
                damping,
                lr: 0.1,
                absolute: true,
            };
            norm(&saddle_free_step(&Hess(&q, &theta), &g, &s, &mut rng()).delta)
        };
        assert!(step(1.0) < step(0.0));
    }

    #[test]
    fn outside_a_small_subspace_the_step_is_a_gradient_step() {
        let q = Quadratic::new(&[5.0, -3.0, 1.0, 0.5, 0.1, 0.05], 2);
        let theta = [0.3, -1.0, 0.7, 0.2, -0.4, 1.0];
        let mut g = [0.0; 6];
        q.loss_grad(&theta, &mut g);
        let s = SfnSettings {
            krylov_dim: 2,
            damping: 0.1,
            lr: 0.25,
            absolute: true,
        };
        let step = saddle_free_step(&Hess(&q, &theta), &g, &s, &mut rng());
        assert_eq!(step.hvps, 2);
        // The same Krylov basis again, from the same start.
        let mut r = rng();
        let start: Vec<f64> = (0..6).map(|_| r.sample(StandardNormal)).collect();
        let (basis, _, _) = krylov(&Hess(&q, &theta), start, 2);
        // Δ projected off the basis is −lr·(g projected off the basis).
        let off = |x: &[f64]| {
            let mut r = x.to_vec();
            for v in &basis {
                axpy(-dot(v, x), v, &mut r);
            }
            r
        };
        let (d, gp) = (off(&step.delta), off(&g));
        for (a, b) in d.iter().zip(&gp) {
            assert!((a + 0.25 * b).abs() < 1e-12, "{a} vs {}", -0.25 * b);
        }
        assert!(norm(&gp) > 0.1, "the complement is not trivial");
    }
}
