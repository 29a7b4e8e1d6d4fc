//! MINRES (Paige & Saunders 1975): for a symmetric, possibly indefinite or singular
//! operator A and a right-hand side b, the iterate x_m minimising ‖A x − b‖ over the
//! Krylov space span{b, A b, …, A^{m−1} b}, built by the Lanczos three-term recurrence
//! and updated through Givens rotations (one application of A per step, O(n) memory).
//!
//! Used by the critical-point search (Newton-MR, Roosta et al. 2018), where A is a
//! Hessian that is indefinite at saddles and singular in over-parameterised nets, so
//! conjugate gradients would break down. Stops when the residual ‖b − A x‖ falls below
//! `rtol·‖b‖`, when the least-squares optimality ‖A r‖ falls below `rtol·‖A‖‖r‖` (an
//! inconsistent singular system), when the Krylov space becomes invariant, or after
//! `max_steps` steps.

use super::HvpOperator;
use crate::linalg::{axpy, dot, norm};

/// The outcome of [`minres`].
#[derive(Clone, Debug, PartialEq)]
pub struct MinresResult {
    /// The approximate solution of A x = b.
    pub x: Vec<f64>,
    /// ‖b − A x‖ (from the recurrence).
    pub residual: f64,
    /// ‖A (b − A x)‖, the least-squares optimality (from the recurrence).
    pub ls_residual: f64,
    /// Steps taken (= applications of A).
    pub steps: usize,
    /// Why it stopped.
    pub stop: MinresStop,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MinresStop {
    /// ‖b − A x‖ ≤ rtol·‖b‖.
    Solved,
    /// ‖A r‖ ≤ rtol·‖A‖·‖r‖: x is a least-squares solution of a singular system.
    LeastSquares,
    /// The Krylov space is invariant under A: x is exact within it.
    Invariant,
    /// `max_steps` reached.
    Budget,
}

/// Solve A x = b by MINRES from x₀ = 0 (see the module header).
pub fn minres<O: HvpOperator + ?Sized>(
    op: &O,
    b: &[f64],
    max_steps: usize,
    rtol: f64,
) -> MinresResult {
    let n = op.dim();
    assert_eq!(b.len(), n, "right-hand side length != operator dim");
    let mut x = vec![0.0; n];
    let beta1 = norm(b);
    if beta1 == 0.0 {
        return MinresResult {
            x,
            residual: 0.0,
            ls_residual: 0.0,
            steps: 0,
            stop: MinresStop::Solved,
        };
    }
    // Lanczos vectors: r1, r2 are the previous two unnormalised vectors, y the current.
    let mut r1 = b.to_vec();
    let mut r2 = b.to_vec();
    let mut y = b.to_vec();
    let mut v = vec![0.0; n];
    let (mut w, mut w1, mut w2) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
    let (mut beta, mut oldb) = (beta1, 0.0);
    let (mut dbar, mut epsln, mut phibar) = (0.0, 0.0, beta1);
    let (mut cs, mut sn) = (-1.0f64, 0.0f64);
    let mut tnorm2 = 0.0;
    let mut ls_residual = beta1 * beta1; // ‖A b‖ is unknown before the first step
    let mut steps = 0;
    let mut stop = MinresStop::Budget;
    while steps < max_steps.min(n.max(1)) {
        steps += 1;
        let s = 1.0 / beta;
        v.iter_mut().zip(&y).for_each(|(vi, yi)| *vi = s * yi);
        op.apply(&v, &mut y);
        if steps >= 2 {
            axpy(-beta / oldb, &r1, &mut y);
        }
        let alfa = dot(&v, &y);
        axpy(-alfa / beta, &r2, &mut y);
        std::mem::swap(&mut r1, &mut r2);
        r2.copy_from_slice(&y);
        oldb = beta;
        beta = norm(&r2);
        tnorm2 += alfa * alfa + oldb * oldb + beta * beta;

        // Apply the previous rotation, then build the next one.
        let oldeps = epsln;
        let delta = cs * dbar + sn * alfa;
        let gbar = sn * dbar - cs * alfa;
        epsln = sn * beta;
        dbar = -cs * beta;
        ls_residual = phibar * gbar.hypot(dbar);
        let gamma = gbar.hypot(beta);
        if gamma <= 1e-14 * tnorm2.sqrt() {
            // T_k is singular with β_{k+1} = 0: the previous iterate already minimises
            // the residual over the (invariant) Krylov space; the new direction lies in
            // A's null space and would only add an arbitrary multiple of it.
            stop = MinresStop::LeastSquares;
            break;
        }
        cs = gbar / gamma;
        sn = beta / gamma;
        let phi = cs * phibar;
        phibar *= sn;

        // x += phi · w with w = (v − oldeps·w1 − delta·w2) / gamma.
        std::mem::swap(&mut w1, &mut w2);
        std::mem::swap(&mut w2, &mut w);
        for i in 0..n {
            w[i] = (v[i] - oldeps * w1[i] - delta * w2[i]) / gamma;
            x[i] += phi * w[i];
        }

        let a_norm = tnorm2.sqrt();
        if phibar <= rtol * beta1 {
            stop = MinresStop::Solved;
            break;
        }
        if ls_residual <= rtol * a_norm * phibar {
            stop = MinresStop::LeastSquares;
            break;
        }
        if beta <= 1e-14 * a_norm {
            stop = MinresStop::Invariant;
            break;
        }
    }
    MinresResult {
        x,
        residual: phibar,
        ls_residual,
        steps,
        stop,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::curvature::{Counted, DenseOperator};
    use rand::{Rng, SeedableRng};

    fn apply(op: &DenseOperator, x: &[f64]) -> Vec<f64> {
        let mut out = vec![0.0; x.len()];
        op.apply(x, &mut out);
        out
    }

    #[test]
    fn minres_solves_an_indefinite_system() {
        // A random symmetric indefinite 30 × 30 matrix with eigenvalues away from 0.
        let n = 30;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let mut a = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..=i {
                let v: f64 = rng.random_range(-1.0..1.0);
                a[i * n + j] = v;
                a[j * n + i] = v;
            }
            a[i * n + i] += if i % 2 == 0 { 8.0 } else { -8.0 };
        }
        let op = DenseOperator::new(a, n);
        let x_true: Vec<f64> = (0..n).map(|i| (i as f64 * 0.37).sin()).collect();
        let b = apply(&op, &x_true);
        let res = minres(&op, &b, 200, 1e-12);
        assert_eq!(res.stop, MinresStop::Solved);
        let err = x_true
            .iter()
            .zip(&res.x)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        assert!(err < 1e-9, "max error {err}");
        // The recurrence's residual is the true residual.
        let ax = apply(&op, &res.x);
        let r: Vec<f64> = b.iter().zip(&ax).map(|(b, a)| b - a).collect();
        assert!((norm(&r) - res.residual).abs() < 1e-9 * norm(&b));
    }

    #[test]
    fn minres_gives_the_least_squares_solution_of_a_singular_system() {
        // diag(2, −1, 0, 0) x = (2, 3, 5, 0) has no solution; every least-squares
        // solution has x₀ = 1, x₁ = −3 (so A x = (2, 3, 0, 0)) and residual 5, the part
        // of b in A's null space.
        let op = DenseOperator::diagonal(&[2.0, -1.0, 0.0, 0.0]);
        let res = minres(&op, &[2.0, 3.0, 5.0, 0.0], 50, 1e-12);
        assert!((res.x[0] - 1.0).abs() < 1e-10 && (res.x[1] + 3.0).abs() < 1e-10);
        assert!(res.x.iter().all(|v| v.abs() < 10.0), "{:?}", res.x);
        assert!((res.residual - 5.0).abs() < 1e-10, "{}", res.residual);
        assert!(matches!(
            res.stop,
            MinresStop::LeastSquares | MinresStop::Invariant
        ));
    }

    #[test]
    fn minres_stops_at_the_budget_and_is_exact_on_zero() {
        let d: Vec<f64> = (1..=50).map(|i| i as f64).collect();
        let dense = DenseOperator::diagonal(&d);
        let op = Counted::new(&dense);
        let b = vec![1.0; 50];
        let res = minres(&op, &b, 3, 1e-14);
        assert_eq!((res.steps, res.stop), (3, MinresStop::Budget));
        assert_eq!(op.hvps(), 3);
        // The residual of a 3-step MINRES is below ‖b‖ and above 0.
        assert!(res.residual > 0.0 && res.residual < norm(&b));
        let zero = minres(&op, &[0.0; 50], 10, 1e-10);
        assert_eq!((zero.steps, zero.x), (0, vec![0.0; 50]));
    }
}
