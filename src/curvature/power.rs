//! Deflated power iteration as in PyHessian (Yao, Gholami, Keutzer & Mahoney 2020,
//! `pyhessian/hessian.py::eigenvalues`), kept for comparison with [`super::lanczos`].
//!
//! For the i-th eigenpair: v ← random unit; repeat { v ← orth(v against found vectors);
//! Hv; λ' = vᵀHv; v ← Hv / ‖Hv‖ } until |λ − λ'| / (|λ| + 1e-6) < tol or `max_iter`.
//! The error after t steps shrinks like (|λ₂| / |λ₁|)^{2t}, so a small gap needs many
//! HVPs; Lanczos needs about the square root of that.
//!
//! Like PyHessian it finds the eigenvalues of largest *magnitude* (a large negative
//! eigenvalue wins over a small positive one), not the algebraically largest.

use super::{dot, gaussian, norm, orthogonalise_twice, scale, Counted, HvpOperator};
use rand_chacha::ChaCha8Rng;

/// The `k` eigenpairs of largest magnitude by deflated power iteration (PyHessian).
///
/// Returns (values in the order found, unit vectors, HVPs used). Each pair starts from a
/// Gaussian random vector, is orthogonalised (Gram–Schmidt twice) against the vectors
/// found so far before every HVP, and stops when the Rayleigh quotient changes by less
/// than `tol` relatively (|λ_t − λ_{t−1}| / (|λ_{t−1}| + 1e-6), PyHessian's rule) or after
/// `max_iter` HVPs. The value returned is the last Rayleigh quotient vᵀHv.
pub fn power_iteration_top<O: HvpOperator + ?Sized>(
    op: &O,
    k: usize,
    max_iter: usize,
    tol: f64,
    rng: &mut ChaCha8Rng,
) -> (Vec<f64>, Vec<Vec<f64>>, usize) {
    let n = op.dim();
    let op = Counted::new(op);
    let mut values = Vec::with_capacity(k);
    let mut vectors: Vec<Vec<f64>> = Vec::with_capacity(k);
    let mut hv = vec![0.0; n];
    for _ in 0..k.min(n) {
        let mut v = gaussian(n, rng);
        let vn = norm(&v);
        scale(1.0 / vn, &mut v);
        let mut value: Option<f64> = None;
        for _ in 0..max_iter.max(1) {
            orthogonalise_twice(&vectors, &mut v);
            let vn = norm(&v);
            if vn == 0.0 {
                break;
            }
            scale(1.0 / vn, &mut v);
            op.apply(&v, &mut hv);
            let lambda = dot(&hv, &v);
            let hn = norm(&hv);
            let prev = value.replace(lambda);
            if hn == 0.0 {
                // v is in the null space: its eigenvalue is 0.
                break;
            }
            v.copy_from_slice(&hv);
            scale(1.0 / hn, &mut v);
            if let Some(p) = prev {
                if (p - lambda).abs() / (p.abs() + 1e-6) < tol {
                    break;
                }
            }
        }
        orthogonalise_twice(&vectors, &mut v);
        let vn = norm(&v);
        if vn > 0.0 {
            scale(1.0 / vn, &mut v);
        }
        values.push(value.unwrap_or(0.0));
        vectors.push(v);
    }
    (values, vectors, op.hvps())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::curvature::{lanczos, DenseOperator};
    use rand::SeedableRng;

    #[test]
    fn curvature_power_top_on_diagonal() {
        let d: Vec<f64> = (0..100)
            .map(|i| i as f64 / 100.0)
            .chain([3.0, 2.0])
            .collect();
        let op = DenseOperator::diagonal(&d);
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        let (vals, vecs, hvps) = power_iteration_top(&op, 2, 1000, 1e-12, &mut rng);
        assert!((vals[0] - 3.0).abs() < 1e-8, "{}", vals[0]);
        assert!((vals[1] - 2.0).abs() < 1e-8, "{}", vals[1]);
        assert!((vecs[0][100].abs() - 1.0).abs() < 1e-6);
        assert!(dot(&vecs[0], &vecs[1]).abs() < 1e-10);
        assert!(hvps > 2 && hvps <= 2000);
    }

    #[test]
    fn curvature_power_needs_more_hvps_than_lanczos_on_small_gap() {
        // λ₁ = 1, λ₂ = 0.99, the rest spread over [0, 0.9]: ratio 0.99.
        let mut d: Vec<f64> = (0..198).map(|i| 0.9 * i as f64 / 197.0).collect();
        d.extend([1.0, 0.99]);
        let op = DenseOperator::diagonal(&d);
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let lz = lanczos(&op, 1, 0, 200, 1e-6, &mut rng);
        let lz_err = (lz.top[0].value - 1.0).abs();
        let (vals, _, pw_hvps) = power_iteration_top(&op, 1, 100_000, 1e-10, &mut rng);
        let pw_err = (vals[0] - 1.0).abs();
        println!(
            "small gap: Lanczos {} HVPs (error {lz_err:.1e}), power {pw_hvps} HVPs \
             (error {pw_err:.1e}), ratio {:.1}",
            lz.hvps,
            pw_hvps as f64 / lz.hvps as f64
        );
        assert!(lz_err < 1e-8 && pw_err < 1e-7);
        assert!(pw_hvps >= 2 * lz.hvps);
    }
}
