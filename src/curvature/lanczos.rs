//! Extreme eigenpairs of a symmetric operator by the Lanczos method with full
//! reorthogonalisation (Lanczos 1950; Paige 1972; Golub & Van Loan, *Matrix
//! Computations*, 4th ed., §10.1–10.3).
//!
//! From a random unit q₁ the method builds an orthonormal basis Q_m = [q₁ … q_m] of the
//! Krylov space K_m(H, q₁) with
//!
//! ```text
//! H Q_m = Q_m T_m + β_m q_{m+1} e_mᵀ,   T_m = tridiag(β_{j−1}, α_j, β_j),
//! α_j = q_jᵀ H q_j,  β_j = ‖H q_j − α_j q_j − β_{j−1} q_{j−1}‖.
//! ```
//!
//! The eigenpairs (θ_i, s_i) of T_m give Ritz pairs (θ_i, y_i = Q_m s_i) with
//! ‖H y_i − θ_i y_i‖ = |β_m · s_{m,i}|. Extreme eigenvalues converge first, at a rate set
//! by √(gap) rather than the gap of power iteration (Kaniel–Paige–Saad bounds).
//! Each new vector is orthogonalised against all previous ones by classical Gram–Schmidt
//! twice, so no spurious copies ("ghosts") of converged eigenvalues appear.

use super::{fresh_orthogonal, orthogonalise_twice, Counted, HvpOperator};
use crate::linalg::{axpy, dot, gaussian, norm, scale};
use nalgebra::DMatrix;
use rand_chacha::ChaCha8Rng;

/// An approximate eigenpair (λ, v) of a symmetric operator H.
#[derive(Clone, Debug, PartialEq)]
pub struct EigenPair {
    /// The Ritz value λ.
    pub value: f64,
    /// The unit Ritz vector v (length P).
    pub vector: Vec<f64>,
    /// ‖H v − λ v‖, from an explicit HVP with the returned vector.
    pub residual: f64,
    /// residual ≤ tol · max(max |λ|, 1), with max |λ| over all Ritz values.
    pub converged: bool,
}

/// What [`lanczos`] found.
#[derive(Clone, Debug, PartialEq)]
pub struct LanczosResult {
    /// The largest eigenpairs, descending by value.
    pub top: Vec<EigenPair>,
    /// The smallest eigenpairs, ascending by value (most negative first).
    pub bottom: Vec<EigenPair>,
    /// Lanczos steps m (the size of T_m).
    pub steps: usize,
    /// HVPs used: m for the iteration plus one per returned pair for the residuals.
    pub hvps: usize,
    /// The tolerance asked for.
    pub tol: f64,
}

/// Eigenvalues (ascending) and eigenvectors (columns, same order) of the symmetric
/// tridiagonal T with diagonal `alpha` and off-diagonal `beta` (len m − 1), by
/// nalgebra's `SymmetricEigen`.
pub(crate) fn tridiagonal_eigen(alpha: &[f64], beta: &[f64]) -> (Vec<f64>, DMatrix<f64>) {
    let m = alpha.len();
    let t = DMatrix::from_fn(m, m, |i, j| {
        if i == j {
            alpha[i]
        } else if i + 1 == j {
            beta[i]
        } else if j + 1 == i {
            beta[j]
        } else {
            0.0
        }
    });
    let eig = t.symmetric_eigen();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| eig.eigenvalues[a].total_cmp(&eig.eigenvalues[b]));
    let values = order.iter().map(|&i| eig.eigenvalues[i]).collect();
    let vectors = DMatrix::from_fn(m, m, |r, c| eig.eigenvectors[(r, order[c])]);
    (values, vectors)
}

/// The Lanczos recurrence with full reorthogonalisation: basis, α, β.
pub(crate) struct Krylov {
    pub basis: Vec<Vec<f64>>,
    pub alpha: Vec<f64>,
    /// β_j couples q_j and q_{j+1}; len = basis.len() − 1 between steps.
    pub beta: Vec<f64>,
    /// The unnormalised next vector w = H q_m − … after the last step, and its norm β_m.
    pub w: Vec<f64>,
    pub beta_last: f64,
}

impl Krylov {
    pub fn new(q1: Vec<f64>) -> Self {
        Krylov {
            basis: vec![q1],
            alpha: vec![],
            beta: vec![],
            w: vec![],
            beta_last: 0.0,
        }
    }

    /// One step: w = H q_m, α_m = q_mᵀ w, w ← (I − Q Qᵀ)² w (this removes α_m q_m and
    /// β_{m−1} q_{m−1} as well as all rounding drift), β_m = ‖w‖.
    pub fn step<O: HvpOperator + ?Sized>(&mut self, op: &O) {
        let q = self.basis.last().expect("basis is never empty");
        let mut w = vec![0.0; q.len()];
        op.apply(q, &mut w);
        self.alpha.push(dot(q, &w));
        orthogonalise_twice(&self.basis, &mut w);
        self.beta_last = norm(&w);
        self.w = w;
    }

    /// A scale of ‖T‖ for the breakdown test: max |α| + 2 max β.
    pub fn scale(&self) -> f64 {
        let a = self.alpha.iter().fold(0.0f64, |m, x| m.max(x.abs()));
        let b = self.beta.iter().fold(self.beta_last, |m, &x| m.max(x));
        a + 2.0 * b
    }

    /// Appends q_{m+1} = w / β_m.
    pub fn extend(&mut self) {
        let mut q = std::mem::take(&mut self.w);
        scale(1.0 / self.beta_last, &mut q);
        self.beta.push(self.beta_last);
        self.basis.push(q);
    }

    /// Appends a fresh unit vector orthogonal to the basis with a zero coupling (the
    /// Krylov space was invariant); false when the basis spans the space.
    pub fn restart(&mut self, rng: &mut ChaCha8Rng) -> bool {
        let n = self.basis[0].len();
        match fresh_orthogonal(&self.basis, n, rng) {
            Some(q) => {
                self.beta.push(0.0);
                self.basis.push(q);
                true
            }
            None => false,
        }
    }
}

/// The relative size of β below which the Krylov space counts as invariant.
const BREAKDOWN: f64 = 1e-10;

/// The `k_top` largest and `k_bottom` smallest eigenpairs of the symmetric operator
/// `op` by Lanczos with full reorthogonalisation (see the module docs).
///
/// - Starts from a Gaussian random unit vector drawn from `rng`.
/// - Runs at most `max_steps` steps (capped at dim; at m = dim the Ritz values are the
///   exact spectrum up to rounding).
/// - Stopping test: every requested Ritz pair has the a-posteriori bound
///   |β_m s_{m,i}| ≤ tol · max(max_i |θ_i|, 1) (tested every step up to m = 64, then
///   every 8 steps), or the step cap is hit.
/// - If β_m ≈ 0 (β_m ≤ 1e-10 · ‖T‖) the Krylov space is invariant: the iteration
///   continues from a fresh random unit vector orthogonal to the basis, with a zero
///   coupling in T, so eigenvalues the start vector missed (other copies of a multiple
///   eigenvalue, or eigenvectors orthogonal to the start) are still found. The stopping
///   test is skipped at a breakdown and until the new block has k_top + k_bottom steps,
///   so an operator with few distinct eigenvalues may run to `max_steps`.
/// - Returned residuals are explicit: ‖H v − λ v‖ from one extra HVP per returned pair
///   (counted in `hvps`); `converged` compares them with the same threshold.
///
/// When dim < k_top + k_bottom the two lists overlap.
///
/// The Hessian of a quadratic with a chosen spectrum, seen only through HVPs:
///
/// ```
/// use losscape::curvature::{lanczos, Counted, ObjectiveHessian};
/// use losscape::objective::toys::Quadratic;
/// use rand::SeedableRng;
///
/// let mut spectrum: Vec<f64> = (0..50).map(|i| 0.01 * i as f64).collect();
/// spectrum[..3].copy_from_slice(&[9.0, 5.0, -1.5]);
/// let toy = Quadratic::new(&spectrum, 1);
/// let theta = vec![0.0; 50];
/// let exact = ObjectiveHessian::new(&toy, &theta);
/// let hessian = Counted::new(&exact);
/// let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
/// // The two largest eigenvalues and the smallest, to a relative residual of 1e-8.
/// let found = lanczos(&hessian, 2, 1, 50, 1e-8, &mut rng);
/// assert!((found.top[0].value - 9.0).abs() < 1e-8);
/// assert!((found.top[1].value - 5.0).abs() < 1e-8);
/// assert!((found.bottom[0].value + 1.5).abs() < 1e-8);
/// assert!(found.top.iter().chain(&found.bottom).all(|pair| pair.converged));
/// assert_eq!(found.hvps, hessian.hvps()); // steps + one residual check per pair
/// ```
pub fn lanczos<O: HvpOperator + ?Sized>(
    op: &O,
    k_top: usize,
    k_bottom: usize,
    max_steps: usize,
    tol: f64,
    rng: &mut ChaCha8Rng,
) -> LanczosResult {
    let n = op.dim();
    let op = Counted::new(op);
    if n == 0 || k_top + k_bottom == 0 {
        return LanczosResult {
            top: vec![],
            bottom: vec![],
            steps: 0,
            hvps: 0,
            tol,
        };
    }
    let max_steps = max_steps.clamp(1, n);
    let need = (k_top + k_bottom).min(n);
    let mut q1 = gaussian(n, rng);
    let q1n = norm(&q1);
    scale(1.0 / q1n, &mut q1);
    let mut kry = Krylov::new(q1);
    // Steps since the last restart: Ritz values of a block that has just started (or
    // just broken down) say nothing about the rest of the spectrum, so no stop there.
    let mut block = 0usize;
    loop {
        kry.step(&op);
        block += 1;
        let m = kry.alpha.len();
        if m >= max_steps {
            break;
        }
        let breakdown = kry.beta_last <= BREAKDOWN * kry.scale().max(f64::MIN_POSITIVE);
        if !breakdown && block >= need && (m <= 64 || m.is_multiple_of(8)) {
            let (theta, s) = tridiagonal_eigen(&kry.alpha, &kry.beta);
            let thr = tol * theta.iter().fold(1.0f64, |a, t| a.max(t.abs()));
            let ok = |i: usize| (kry.beta_last * s[(m - 1, i)]).abs() <= thr;
            let top_ok = (0..k_top.min(m)).all(|r| ok(m - 1 - r));
            let bottom_ok = (0..k_bottom.min(m)).all(ok);
            if top_ok && bottom_ok {
                break;
            }
        }
        if breakdown {
            if !kry.restart(rng) {
                break;
            }
            block = 0;
        } else {
            kry.extend();
        }
    }
    let m = kry.alpha.len();
    let (theta, s) = tridiagonal_eigen(&kry.alpha, &kry.beta[..m - 1]);
    let thr = tol * theta.iter().fold(1.0f64, |a, t| a.max(t.abs()));
    let pair = |i: usize| -> EigenPair {
        let mut v = vec![0.0; n];
        for (j, q) in kry.basis.iter().take(m).enumerate() {
            axpy(s[(j, i)], q, &mut v);
        }
        let vn = norm(&v);
        scale(1.0 / vn, &mut v);
        let mut hv = vec![0.0; n];
        op.apply(&v, &mut hv);
        axpy(-theta[i], &v, &mut hv);
        let residual = norm(&hv);
        EigenPair {
            value: theta[i],
            vector: v,
            residual,
            converged: residual <= thr,
        }
    };
    let top: Vec<EigenPair> = (0..k_top.min(m)).map(|r| pair(m - 1 - r)).collect();
    let bottom: Vec<EigenPair> = (0..k_bottom.min(m)).map(pair).collect();
    LanczosResult {
        top,
        bottom,
        steps: m,
        hvps: op.hvps(),
        tol,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::curvature::{exact_spectrum, DenseOperator, ObjectiveHessian};
    use crate::objective::toys::{Quadratic, Saddle};
    use rand::SeedableRng;

    fn rng(seed: u64) -> ChaCha8Rng {
        ChaCha8Rng::seed_from_u64(seed)
    }

    /// 200 eigenvalues: three well separated at each end, the rest in [−1, 1].
    pub(crate) fn known_diagonal() -> (Vec<f64>, DenseOperator) {
        let mut d: Vec<f64> = (0..194).map(|i| -1.0 + 2.0 * i as f64 / 193.0).collect();
        d.extend([10.0, 7.0, 5.0, -8.0, -4.0, -3.0]);
        let op = DenseOperator::diagonal(&d);
        d.sort_by(f64::total_cmp);
        (d, op)
    }

    fn check_pairs(op: &dyn HvpOperator, res: &LanczosResult, exact: &[f64], tol: f64) {
        let n = exact.len();
        for (r, p) in res.top.iter().enumerate() {
            assert!(
                (p.value - exact[n - 1 - r]).abs() < tol,
                "top {r}: {} vs {}",
                p.value,
                exact[n - 1 - r]
            );
        }
        for (r, p) in res.bottom.iter().enumerate() {
            assert!(
                (p.value - exact[r]).abs() < tol,
                "bottom {r}: {} vs {}",
                p.value,
                exact[r]
            );
        }
        for p in res.top.iter().chain(&res.bottom) {
            assert!(p.converged, "not converged: {p:?}");
            assert!((norm(&p.vector) - 1.0).abs() < 1e-12);
            // the reported residual is the true one
            let mut hv = vec![0.0; op.dim()];
            op.apply(&p.vector, &mut hv);
            axpy(-p.value, &p.vector, &mut hv);
            assert!((norm(&hv) - p.residual).abs() < 1e-12);
        }
    }

    #[test]
    fn curvature_lanczos_diagonal_known_spectrum() {
        let (exact, op) = known_diagonal();
        let res = lanczos(&op, 3, 3, 200, 1e-10, &mut rng(0));
        println!("diagonal: {} steps, {} HVPs", res.steps, res.hvps);
        assert!(res.steps < 100, "took {} steps", res.steps);
        assert_eq!(res.hvps, res.steps + 6);
        check_pairs(&op, &res, &exact, 1e-8);
        for p in res.top.iter().chain(&res.bottom) {
            assert!(p.residual < 1e-8, "{}", p.residual);
        }
        // descending / ascending order
        assert!(res.top[0].value > res.top[1].value && res.top[1].value > res.top[2].value);
        assert!(res.bottom[0].value < res.bottom[1].value);
        // the top vector is ± the unit vector of the eigenvalue 10 (index 194)
        assert!((res.top[0].vector[194].abs() - 1.0).abs() < 1e-9);
    }

    #[test]
    fn curvature_lanczos_random_symmetric_vs_nalgebra() {
        let n = 60;
        let mut r = rng(5);
        let lam: Vec<f64> = gaussian(n, &mut r).iter().map(|x| 3.0 * x).collect();
        let q = Quadratic::new(&lam, 11);
        let op = DenseOperator::new(q.a.clone(), n);
        let full = DMatrix::from_row_slice(n, n, &q.a).symmetric_eigen();
        let mut exact: Vec<f64> = full.eigenvalues.iter().copied().collect();
        exact.sort_by(f64::total_cmp);
        let res = lanczos(&op, 4, 4, n, 1e-9, &mut rng(1));
        println!("random symmetric: {} steps", res.steps);
        check_pairs(&op, &res, &exact, 1e-7);
    }

    #[test]
    fn curvature_lanczos_saddle() {
        let theta = [0.0, 0.0];
        let op = ObjectiveHessian::new(&Saddle, &theta);
        let res = lanczos(&op, 1, 1, 10, 1e-12, &mut rng(2));
        assert_eq!(res.steps, 2);
        assert!((res.top[0].value - 2.0).abs() < 1e-12);
        assert!((res.bottom[0].value + 2.0).abs() < 1e-12);
        assert!(res.top[0].converged && res.bottom[0].converged);
    }

    #[test]
    fn curvature_lanczos_invariant_subspace_restart() {
        // Start vector e_1 of a block-diagonal matrix spans a 1-D invariant subspace;
        // a restart must still find the other eigenvalues. Force it with a diagonal
        // matrix of 3 distinct eigenvalues repeated: K_m has dim ≤ 3.
        let d: Vec<f64> = (0..30).map(|i| [1.0, 2.0, -5.0][i % 3]).collect();
        let op = DenseOperator::diagonal(&d);
        let res = lanczos(&op, 2, 1, 30, 1e-10, &mut rng(3));
        assert!((res.top[0].value - 2.0).abs() < 1e-10);
        assert!(
            (res.top[1].value - 2.0).abs() < 1e-10,
            "{:?}",
            res.top[1].value
        );
        assert!((res.bottom[0].value + 5.0).abs() < 1e-10);
        assert!(res.top.iter().all(|p| p.converged));
    }

    #[test]
    fn curvature_lanczos_mlp_matches_exact() {
        use crate::data::{Dataset, Labels};
        use crate::nn::Samples;
        use crate::nn::{Activation, Init, Loss, Mlp};
        use crate::objective::MlpObjective;
        use ndarray::Array2;
        use rand::Rng;
        let mut r = rng(7);
        let (n, d, k) = (40, 4, 3);
        let x = Array2::from_shape_fn((n, d), |_| r.random_range(-1.5..1.5));
        let y = Labels::Values(Array2::from_shape_fn((n, k), |_| r.random_range(-1.0..1.0)));
        let data = Dataset { x, y };
        let mlp = Mlp::new(&[d, 16, k], Activation::Tanh, Loss::Mse);
        let samples = Samples::<f64>::new(&data, Loss::Mse, k, "test").unwrap();
        let theta = Init::Xavier.theta::<f64, _>(&mlp.layout, &mut r);
        let obj = MlpObjective::new(&mlp, &samples);
        let op = ObjectiveHessian::new(&obj, &theta);
        let (exact, _, asym) = exact_spectrum(&op);
        assert!(asym < 1e-10, "asymmetry {asym}");
        let p = exact.len();
        assert_eq!(p, 4 * 16 + 16 + 16 * 3 + 3);
        let res = lanczos(&op, 3, 3, p, 1e-10, &mut rng(8));
        println!(
            "mlp P = {p}: {} steps; top {:?}, bottom {:?}",
            res.steps,
            res.top.iter().map(|e| e.value).collect::<Vec<_>>(),
            res.bottom.iter().map(|e| e.value).collect::<Vec<_>>()
        );
        assert!(res.steps < p, "Lanczos used all {p} steps");
        assert!(res.top.iter().chain(&res.bottom).all(|e| e.converged));
        for (r, e) in res.top.iter().enumerate() {
            assert!((e.value - exact[p - 1 - r]).abs() < 1e-6);
        }
        for (r, e) in res.bottom.iter().enumerate() {
            assert!((e.value - exact[r]).abs() < 1e-6);
        }
    }
}
