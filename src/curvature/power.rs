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

use super::{orthogonalise_twice, Counted, FnOperator, HvpOperator};
use crate::linalg::{axpy, dot, gaussian, norm, scale};
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

/// λmin by PyHessian-style *shifted* power iteration: the recipe commonly paired with
/// PyHessian (which itself only finds the largest-magnitude eigenvalues).
///
/// Given λmax (for example from [`power_iteration_top`]), run PyHessian's power
/// iteration on the shifted operator A = H − λmax·I, whose eigenvalues λ_i − λmax all lie
/// in [λmin − λmax, 0]; its largest-magnitude eigenvalue is μ = λmin − λmax, so
/// λmin ≈ μ + λmax. The loop and stopping rule are PyHessian's (`hessian.eigenvalues`,
/// as in [`power_iteration_top`] with k = 1): v ← random unit; repeat { Av; μ' = vᵀAv;
/// v ← Av / ‖Av‖ } until |μ − μ'| / (|μ| + 1e-6) < `tol` or after `max_iter` HVPs.
/// PyHessian's defaults are `max_iter` = 100, `tol` = 1e-3.
///
/// Returns (λmin estimate = last μ + λmax, HVPs used); each HVP of A is one HVP of H.
///
/// **Failure mode (why this is kept only for comparison).** The rate is
/// |λ₂ − λmax| / |λmin − λmax|, with λ₂ the second smallest eigenvalue. For a trained
/// net λmin and the bulk of the spectrum are all close to 0 next to λmax, so the ratio
/// is ≈ 1: the Rayleigh quotient barely moves, the *relative* change of μ ≈ −λmax falls
/// under `tol` after a few steps, and the iteration stops at a value near the middle of
/// the bulk (close to 0) rather than at λmin. An absolute error of `tol`·λmax in μ is
/// already larger than a small |λmin|. Lanczos ([`super::lanczos`]) with `k_bottom` = 1
/// does not have this problem.
pub fn power_iteration_min<O: HvpOperator + ?Sized>(
    op: &O,
    lambda_max: f64,
    max_iter: usize,
    tol: f64,
    rng: &mut ChaCha8Rng,
) -> (f64, usize) {
    let shifted = FnOperator {
        n: op.dim(),
        f: |v: &[f64], out: &mut [f64]| {
            op.apply(v, out);
            axpy(-lambda_max, v, out);
        },
    };
    let (mu, _, hvps) = power_iteration_top(&shifted, 1, max_iter, tol, rng);
    let mu = mu.first().copied().unwrap_or(0.0);
    (mu + lambda_max, hvps)
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

    #[test]
    fn curvature_power_min_wide_gap_converges() {
        // λmax = 2, λmin = −3, the rest in [0.5, 1.5]: shifted ratio 1.5 / 5 = 0.3.
        let mut d: Vec<f64> = (0..100).map(|i| 0.5 + i as f64 / 99.0).collect();
        d.extend([2.0, -3.0]);
        let dense = DenseOperator::diagonal(&d);
        let op = Counted::new(&dense);
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let (lmin, hvps) = power_iteration_min(&op, 2.0, 100, 1e-3, &mut rng);
        assert!((lmin + 3.0).abs() < 1e-2, "{lmin}");
        assert!(hvps < 30, "{hvps}");
        assert_eq!(op.hvps(), hvps);
        let (lmin, _) = power_iteration_min(&op, 2.0, 1000, 1e-12, &mut rng);
        assert!((lmin + 3.0).abs() < 1e-8, "{lmin}");
    }

    #[test]
    fn curvature_power_min_clustered_stops_early_and_wrong() {
        // A trained-net-like spectrum: λmax = 1, a bulk in [0, 0.3], λmin = −0.007 and
        // next −0.002. Shifted: −1.007 against −1.002 and −1 … −0.7, so the relative
        // change of μ ≈ −1 drops under PyHessian's 1e-3 long before v aligns with the
        // bottom eigenvector.
        let mut d: Vec<f64> = (0..300).map(|i| 0.3 * i as f64 / 299.0).collect();
        d.extend([1.0, -0.002, -0.007]);
        let op = DenseOperator::diagonal(&d);
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let (lmin, hvps) = power_iteration_min(&op, 1.0, 100, 1e-3, &mut rng);
        println!("clustered: shifted power λmin = {lmin:.5} after {hvps} HVPs (exact −0.007)");
        assert!(
            hvps < 100,
            "stopped by the tolerance, not by maxIter: {hvps}"
        );
        assert!(
            (lmin + 0.007).abs() > 0.5 * 0.007,
            "expected the documented failure, got {lmin}"
        );
        // Lanczos gets it from a comparable budget.
        let lz = lanczos(&op, 1, 1, 100, 1e-8, &mut rng);
        assert!(
            (lz.bottom[0].value + 0.007).abs() < 1e-6,
            "{:?}",
            lz.bottom[0].value
        );
    }
}
