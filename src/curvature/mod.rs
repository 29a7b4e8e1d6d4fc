//! Curvature of a loss at a point, through Hessian-vector products only.
//!
//! Every solver here sees the Hessian H = ∇²f(θ) as a symmetric linear operator
//! v ↦ H v ([`HvpOperator`]), so it runs unchanged on an MLP over a data set
//! ([`ObjectiveHessian`] around [`crate::objective::MlpObjective`]), on the analytic toys
//! of [`crate::objective::toys`], or on a dense test matrix ([`DenseOperator`]).
//!
//! - [`lanczos`]: extreme eigenpairs by Lanczos with full reorthogonalisation
//!   (Lanczos 1950; Golub & Van Loan, *Matrix Computations*, §10.1).
//! - [`power`]: PyHessian's deflated power iteration (Yao et al. 2020), for comparison.
//! - [`trace`]: tr(H) by Hutchinson (1989) and Hutch++ (Meyer et al. 2021).
//! - [`density`]: the spectral density by stochastic Lanczos quadrature
//!   (Ghorbani, Krishnan & Xiao 2019; PyHessian).
//! - [`exact`]: the full Hessian from P HVPs and its spectrum, for small nets.
//! - [`minres`], [`cg`]: MINRES for symmetric indefinite systems H x = b, and conjugate
//!   gradients for positive definite ones (used by [`crate::critical`]).
//! - [`sharpness`]: Keskar et al.'s (2017) ε-sharpness, the largest relative loss rise
//!   over a box around θ (full space or a random subspace), by projected gradient ascent.
//!
//! All solvers count the HVPs they make (through [`Counted`], the one HVP counter) and
//! report the count, so methods can be compared at equal budget. Randomness comes from a caller-supplied
//! `ChaCha8Rng`, so results reproduce from a seed.

pub mod cg;
pub mod density;
pub mod exact;
pub mod lanczos;
pub mod minres;
pub mod power;
pub mod sharpness;
pub mod trace;

pub use density::{slq_density, slq_nodes};
pub use exact::{exact_hessian, exact_hessian_with_asymmetry, exact_spectrum, extreme_pairs};
pub use lanczos::{lanczos, EigenPair, LanczosResult};
pub use power::power_iteration_top;
pub use trace::{hutch_plus_plus, hutchinson, TraceEstimate};

use crate::linalg::{axpy, dot, gaussian, norm, scale};
use crate::objective::Objective;
use ndarray::Array1;
use ndarray_rand::RandomExt;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::Distribution;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A symmetric linear operator v ↦ A v of dimension n (in practice a Hessian H).
pub trait HvpOperator: Sync {
    /// The dimension n (the number of parameters P for a Hessian).
    fn dim(&self) -> usize;
    /// Writes A v into `out` (both of length n).
    fn apply(&self, v: &[f64], out: &mut [f64]);
}

impl<T: HvpOperator + ?Sized> HvpOperator for &T {
    fn dim(&self) -> usize {
        (**self).dim()
    }
    fn apply(&self, v: &[f64], out: &mut [f64]) {
        (**self).apply(v, out)
    }
}

/// The Hessian H = ∇²f(θ) of an f64 objective at a fixed θ, applied by the objective's
/// exact HVP (Pearlmutter's R-operator for an MLP). Wrap it in [`Counted`] to count
/// its applications.
pub struct ObjectiveHessian<'a, O> {
    pub obj: &'a O,
    pub theta: &'a [f64],
}

impl<'a, O: Objective<f64>> ObjectiveHessian<'a, O> {
    pub fn new(obj: &'a O, theta: &'a [f64]) -> Self {
        assert_eq!(obj.dim(), theta.len(), "theta length != objective dim");
        ObjectiveHessian { obj, theta }
    }
}

impl<O: Objective<f64>> HvpOperator for ObjectiveHessian<'_, O> {
    fn dim(&self) -> usize {
        self.theta.len()
    }
    fn apply(&self, v: &[f64], out: &mut [f64]) {
        self.obj.hvp(self.theta, v, out);
    }
}

/// A dense symmetric n × n matrix `a` (row-major) as an operator; for tests and small
/// problems.
pub struct DenseOperator {
    pub a: Vec<f64>,
    pub n: usize,
}

impl DenseOperator {
    /// `a` is row-major n × n (not checked for symmetry).
    pub fn new(a: Vec<f64>, n: usize) -> Self {
        assert_eq!(a.len(), n * n, "matrix is not n × n");
        DenseOperator { a, n }
    }
    /// diag(d).
    pub fn diagonal(d: &[f64]) -> Self {
        let n = d.len();
        let mut a = vec![0.0; n * n];
        for (i, &x) in d.iter().enumerate() {
            a[i * n + i] = x;
        }
        Self::new(a, n)
    }
}

impl HvpOperator for DenseOperator {
    fn dim(&self) -> usize {
        self.n
    }
    fn apply(&self, v: &[f64], out: &mut [f64]) {
        for (row, o) in self.a.chunks_exact(self.n).zip(out.iter_mut()) {
            *o = dot(row, v);
        }
    }
}

/// An operator from a closure `f(v, out)` writing A v into out.
pub struct FnOperator<F> {
    pub n: usize,
    pub f: F,
}

impl<F: Fn(&[f64], &mut [f64]) + Sync> HvpOperator for FnOperator<F> {
    fn dim(&self) -> usize {
        self.n
    }
    fn apply(&self, v: &[f64], out: &mut [f64]) {
        (self.f)(v, out)
    }
}

/// Wraps any operator and counts the applications made through the wrapper (thread
/// safe): the one HVP counter. The solvers wrap their operator to report their own
/// budget; a caller that wants the total over several solvers wraps once outside.
pub struct Counted<'a, O: ?Sized> {
    pub op: &'a O,
    applications: AtomicUsize,
}

impl<'a, O: HvpOperator + ?Sized> Counted<'a, O> {
    pub fn new(op: &'a O) -> Self {
        Counted {
            op,
            applications: AtomicUsize::new(0),
        }
    }
    /// Applications made through this wrapper so far.
    pub fn hvps(&self) -> usize {
        self.applications.load(Ordering::Relaxed)
    }
}

impl<O: HvpOperator + ?Sized> HvpOperator for Counted<'_, O> {
    fn dim(&self) -> usize {
        self.op.dim()
    }
    fn apply(&self, v: &[f64], out: &mut [f64]) {
        self.applications.fetch_add(1, Ordering::Relaxed);
        self.op.apply(v, out)
    }
}

// ---- random probe vectors and orthogonalisation shared by the solvers ----

/// The Rademacher distribution: ±1 with probability ½ each (one `bool` draw per value).
struct Rademacher;

impl Distribution<f64> for Rademacher {
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        if rng.random::<bool>() {
            1.0
        } else {
            -1.0
        }
    }
}

/// A Rademacher vector (entries ±1 with probability ½ each), drawn in order.
pub(crate) fn rademacher(n: usize, rng: &mut ChaCha8Rng) -> Vec<f64> {
    Array1::random_using(n, Rademacher, rng)
        .into_raw_vec_and_offset()
        .0
}

/// Classical Gram–Schmidt of `w` against the orthonormal `basis`, done twice
/// ("twice is enough", Giraud et al. 2005): w ← (I − QQᵀ)² w.
pub(crate) fn orthogonalise_twice(basis: &[Vec<f64>], w: &mut [f64]) {
    for _ in 0..2 {
        let coef: Vec<f64> = basis.iter().map(|q| dot(q, w)).collect();
        for (q, c) in basis.iter().zip(coef) {
            axpy(-c, q, w);
        }
    }
}

/// A random unit vector orthogonal to the orthonormal `basis`, or None when the basis
/// already spans the space.
pub(crate) fn fresh_orthogonal(
    basis: &[Vec<f64>],
    n: usize,
    rng: &mut ChaCha8Rng,
) -> Option<Vec<f64>> {
    if basis.len() >= n {
        return None;
    }
    for _ in 0..5 {
        let mut v = gaussian(n, rng);
        let before = norm(&v);
        orthogonalise_twice(basis, &mut v);
        let after = norm(&v);
        if after > 1e-8 * before {
            scale(1.0 / after, &mut v);
            return Some(v);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::objective::toys::Saddle;

    #[test]
    fn curvature_operators_apply_and_count() {
        let d = DenseOperator::diagonal(&[1.0, 2.0, 3.0]);
        let counted = Counted::new(&d);
        let mut out = [0.0; 3];
        counted.apply(&[1.0, 1.0, 1.0], &mut out);
        assert_eq!(out, [1.0, 2.0, 3.0]);
        assert_eq!(counted.hvps(), 1);
        let theta = [0.3, -0.2];
        let h = ObjectiveHessian::new(&Saddle, &theta);
        // Nested wrappers each count what passed through them.
        let outer = Counted::new(&h);
        let inner = Counted::new(&outer);
        let mut o2 = [0.0; 2];
        inner.apply(&[1.0, 1.0], &mut o2);
        outer.apply(&[1.0, 0.0], &mut o2);
        assert_eq!(o2, [2.0, 0.0]);
        assert_eq!((inner.hvps(), outer.hvps()), (1, 2));
    }

    #[test]
    fn rademacher_is_one_bool_draw_per_entry() {
        use rand::SeedableRng;
        let got = rademacher(500, &mut ChaCha8Rng::seed_from_u64(9));
        let mut r = ChaCha8Rng::seed_from_u64(9);
        let want: Vec<f64> = (0..500)
            .map(|_| if r.random::<bool>() { 1.0 } else { -1.0 })
            .collect();
        assert_eq!(got, want);
    }
}
