//! The full Hessian of a small problem from P HVPs, and its exact spectrum.
//!
//! Column j of H is H e_j, so P HVPs with the unit vectors give H. An exact HVP gives a
//! symmetric H up to rounding; the asymmetry max_ij |H_ij − H_ji| is reported as a check
//! and H is symmetrised to (H + Hᵀ)/2 before the eigen-decomposition (nalgebra's
//! `SymmetricEigen`, O(P³): for nets up to a few thousand parameters).

use super::HvpOperator;
use crate::curvature::lanczos::EigenPair;
use nalgebra::DMatrix;

/// H (row-major P × P, symmetrised to (H + Hᵀ)/2) and the asymmetry max |H − Hᵀ| of the
/// matrix assembled from the P HVPs H e_j.
pub fn exact_hessian_with_asymmetry<O: HvpOperator + ?Sized>(op: &O) -> (Vec<f64>, f64) {
    let n = op.dim();
    let mut h = vec![0.0; n * n];
    let mut e = vec![0.0; n];
    let mut col = vec![0.0; n];
    for j in 0..n {
        e[j] = 1.0;
        op.apply(&e, &mut col);
        e[j] = 0.0;
        for i in 0..n {
            h[i * n + j] = col[i];
        }
    }
    let mut asym = 0.0f64;
    for i in 0..n {
        for j in i + 1..n {
            let (a, b) = (h[i * n + j], h[j * n + i]);
            asym = asym.max((a - b).abs());
            let m = 0.5 * (a + b);
            h[i * n + j] = m;
            h[j * n + i] = m;
        }
    }
    (h, asym)
}

/// H (row-major P × P, symmetrised to (H + Hᵀ)/2) from P HVPs with unit vectors.
pub fn exact_hessian<O: HvpOperator + ?Sized>(op: &O) -> Vec<f64> {
    exact_hessian_with_asymmetry(op).0
}

/// All eigenvalues of H (ascending), the matching unit eigenvectors, and the asymmetry
/// max |H − Hᵀ| before symmetrisation.
pub fn exact_spectrum<O: HvpOperator + ?Sized>(op: &O) -> (Vec<f64>, Vec<Vec<f64>>, f64) {
    let n = op.dim();
    let (h, asym) = exact_hessian_with_asymmetry(op);
    if n == 0 {
        return (vec![], vec![], asym);
    }
    let eig = DMatrix::from_row_slice(n, n, &h).symmetric_eigen();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| eig.eigenvalues[a].total_cmp(&eig.eigenvalues[b]));
    let values = order.iter().map(|&i| eig.eigenvalues[i]).collect();
    let vectors = order
        .iter()
        .map(|&i| eig.eigenvectors.column(i).iter().copied().collect())
        .collect();
    (values, vectors, asym)
}

/// The largest and the smallest eigenpair of `op`: from the exact spectrum when
/// dim ≤ `max_steps` (P HVPs: Lanczos stopped early on a residual test can settle on
/// an interior Ritz value when the start vector barely touches the top eigenspace, which
/// symmetric nets with repeated eigenvalues make likely), else from Lanczos with that
/// budget. Residuals are explicit ‖Hv − λv‖.
pub fn extreme_pairs<O: HvpOperator + ?Sized>(
    op: &O,
    max_steps: usize,
    tol: f64,
    rng: &mut rand_chacha::ChaCha8Rng,
) -> (EigenPair, EigenPair) {
    let n = op.dim();
    if n <= max_steps {
        let (values, vectors, _) = exact_spectrum(op);
        let pair = |i: usize| {
            let mut hv = vec![0.0; n];
            op.apply(&vectors[i], &mut hv);
            let residual = hv
                .iter()
                .zip(&vectors[i])
                .map(|(h, v)| (h - values[i] * v).powi(2))
                .sum::<f64>()
                .sqrt();
            EigenPair {
                value: values[i],
                vector: vectors[i].clone(),
                residual,
                converged: true,
            }
        };
        (pair(n - 1), pair(0))
    } else {
        let mut res = crate::curvature::lanczos(op, 1, 1, max_steps, tol, rng);
        (res.top.remove(0), res.bottom.remove(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::curvature::{Counted, DenseOperator, ObjectiveHessian};
    use crate::objective::toys::{Quadratic, Rosenbrock};

    #[test]
    fn curvature_exact_hessian_rosenbrock() {
        let r = Rosenbrock::default();
        let theta = [1.0, 1.0];
        let h = ObjectiveHessian::new(&r, &theta);
        let op = Counted::new(&h);
        let (h, asym) = exact_hessian_with_asymmetry(&op);
        assert_eq!(h, vec![802.0, -400.0, -400.0, 200.0]);
        assert_eq!(asym, 0.0);
        assert_eq!(op.hvps(), 2);
    }

    #[test]
    fn curvature_exact_spectrum_of_quadratic() {
        let lam = [4.0, -1.5, 0.25, 2.0, -3.0];
        let q = Quadratic::new(&lam, 2);
        let op = DenseOperator::new(q.a.clone(), 5);
        let (vals, vecs, asym) = exact_spectrum(&op);
        assert!(asym < 1e-12);
        let mut sorted = lam.to_vec();
        sorted.sort_by(f64::total_cmp);
        for ((v, s), x) in vals.iter().zip(&sorted).zip(&vecs) {
            assert!((v - s).abs() < 1e-12);
            let mut hx = [0.0; 5];
            op.apply(x, &mut hx);
            let r: f64 = hx.iter().zip(x).map(|(a, b)| (a - v * b).powi(2)).sum();
            assert!(r.sqrt() < 1e-12);
        }
    }
}
