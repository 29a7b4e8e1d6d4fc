//! Conjugate gradients (Hestenes & Stiefel 1952) for A x = b with A symmetric positive
//! definite, from x₀ = 0: one application of A per step. Every iterate x_k satisfies
//! bᵀx_k > 0 (for b ≠ 0), so a truncated solve still gives a descent direction when
//! A x = b is a damped Newton system. Used by the Levenberg–Marquardt critical-point
//! search, where A = H² + μI.

use super::HvpOperator;
use crate::linalg::{axpy, dot};

/// Solve A x = b by CG until ‖b − A x‖ ≤ rtol·‖b‖ or `max_steps`; returns x and the
/// steps taken.
pub fn conjugate_gradients<O: HvpOperator + ?Sized>(
    op: &O,
    b: &[f64],
    max_steps: usize,
    rtol: f64,
) -> (Vec<f64>, usize) {
    let n = op.dim();
    let mut x = vec![0.0; n];
    let mut r = b.to_vec();
    let mut p = r.clone();
    let mut ap = vec![0.0; n];
    let mut rr = dot(&r, &r);
    let stop = rtol * rtol * rr;
    let mut steps = 0;
    while steps < max_steps && rr > stop && rr > 0.0 {
        op.apply(&p, &mut ap);
        steps += 1;
        let pap = dot(&p, &ap);
        if pap.is_nan() || pap <= 0.0 {
            break; // not positive definite along p (rounding): keep the last iterate
        }
        let alpha = rr / pap;
        axpy(alpha, &p, &mut x);
        axpy(-alpha, &ap, &mut r);
        let rr_new = dot(&r, &r);
        let beta = rr_new / rr;
        rr = rr_new;
        p.iter_mut()
            .zip(&r)
            .for_each(|(pi, ri)| *pi = ri + beta * *pi);
    }
    (x, steps)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::curvature::DenseOperator;

    #[test]
    fn cg_solves_a_positive_definite_system_in_at_most_n_steps() {
        // A = diag(1..8) + 0.5·(ones): SPD; x_true known.
        let n = 8;
        let mut a = vec![0.5; n * n];
        for i in 0..n {
            a[i * n + i] += (i + 1) as f64;
        }
        let op = DenseOperator::new(a, n);
        let x_true: Vec<f64> = (0..n).map(|i| 1.0 - 0.3 * i as f64).collect();
        let mut b = vec![0.0; n];
        op.apply(&x_true, &mut b);
        let (x, steps) = conjugate_gradients(&op, &b, 100, 1e-13);
        assert!(steps <= n, "{steps}");
        for (u, v) in x.iter().zip(&x_true) {
            assert!((u - v).abs() < 1e-10, "{x:?}");
        }
        // A truncated solve is still a descent direction: bᵀx > 0.
        let (x2, s2) = conjugate_gradients(&op, &b, 2, 0.0);
        assert_eq!(s2, 2);
        assert!(dot(&b, &x2) > 0.0);
    }
}
