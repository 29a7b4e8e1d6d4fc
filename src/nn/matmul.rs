//! The one matrix-product entry point. All matrices are row-major slices.
//!
//! Backed by the `gemm` crate (runtime-dispatched AVX2/AVX-512/NEON kernels), always
//! single-threaded. Parallelism lives in the outer loops (data chunks, grid points,
//! runs), or, for a product that is the whole of a small call (a minibatch that fits
//! one data chunk), in [`Split::Panels`]: the output is cut into column (or row)
//! panels whose number and bounds depend only on the shape, each panel one
//! single-threaded product. Every output element is then computed the same way
//! whatever the thread count, and whether the panels run in parallel (on the caller's
//! [`team`](crate::nn::team), else as rayon tasks) or in order.

use crate::nn::team;
use crate::scalar::Scalar;
use multiversion::multiversion;

/// How one product is computed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Split {
    /// One single-threaded product.
    #[default]
    Whole,
    /// Output panels set by the shape (see [`panels`]), run by
    /// [`team::for_each`] when `parallel`, else in order; the numbers are the same
    /// either way.
    Panels { parallel: bool },
}

/// Each panel gets at least this many multiply-adds (a panel's fork costs microseconds).
const PANEL_MACS: usize = 1 << 21;
/// At most this many panels per product: a power of two, so that two or four threads
/// share them evenly.
const MAX_PANELS: usize = 4;
/// Panel bounds are multiples of this many rows or columns (SIMD-friendly).
const PANEL_ALIGN: usize = 16;

/// Whether a product of `macs` multiply-adds may be cut into panels at all.
pub fn may_split(macs: usize) -> bool {
    macs >= 2 * PANEL_MACS
}

/// The panel bounds of an output side of length `len` in a product of `macs`
/// multiply-adds: the largest power of two p ≤ MAX_PANELS giving each panel at least
/// PANEL_MACS and PANEL_ALIGN of the side.
fn panels(len: usize, macs: usize) -> Vec<(usize, usize)> {
    let mut p = 1;
    while 2 * p <= MAX_PANELS && macs >= 2 * p * PANEL_MACS && len >= 2 * p * PANEL_ALIGN {
        p *= 2;
    }
    let bound = |i: usize| (i * len / p).next_multiple_of(PANEL_ALIGN).min(len);
    (0..p)
        .map(|i| (bound(i), if i + 1 == p { len } else { bound(i + 1) }))
        .collect()
}

/// C (m×n) ← [C +] A · Bᵀ, with A (m×k) and B (n×k). The forward pass: Z = X Wᵀ.
#[allow(clippy::too_many_arguments)]
pub fn mm_nt<S: Scalar>(
    m: usize,
    n: usize,
    k: usize,
    a: &[S],
    b: &[S],
    c: &mut [S],
    accumulate: bool,
    split: Split,
) {
    assert!(a.len() >= m * k && b.len() >= n * k && c.len() >= m * n);
    // Tiny inner dimensions (the first layer on 2-D data) are faster as a direct loop.
    if k <= 4 {
        return nt_small(m, n, k, a, b, c, accumulate);
    }
    // SAFETY: bounds checked above; A is (m×k) with strides (k, 1), Bᵀ is (k×n) with
    // strides (1, k), C is (m×n) with strides (n, 1).
    unsafe {
        raw(
            m, n, k, c, n as isize, 1, a, k as isize, 1, b, 1, k as isize, accumulate, split,
        )
    }
}

/// C (m×n) ← [C +] A · B, with A (m×k) and B (k×n). Backprop to the inputs: dX = dZ W.
#[allow(clippy::too_many_arguments)]
pub fn mm_nn<S: Scalar>(
    m: usize,
    n: usize,
    k: usize,
    a: &[S],
    b: &[S],
    c: &mut [S],
    accumulate: bool,
    split: Split,
) {
    assert!(a.len() >= m * k && b.len() >= k * n && c.len() >= m * n);
    // SAFETY: bounds checked above.
    unsafe {
        raw(
            m, n, k, c, n as isize, 1, a, k as isize, 1, b, n as isize, 1, accumulate, split,
        )
    }
}

/// C (m×n) ← [C +] Aᵀ · B, with A (k×m) and B (k×n). Weight gradients: dW = dZᵀ X.
#[allow(clippy::too_many_arguments)]
pub fn mm_tn<S: Scalar>(
    m: usize,
    n: usize,
    k: usize,
    a: &[S],
    b: &[S],
    c: &mut [S],
    accumulate: bool,
    split: Split,
) {
    assert!(a.len() >= k * m && b.len() >= k * n && c.len() >= m * n);
    // SAFETY: bounds checked above; Aᵀ is (m×k) with strides (1, m).
    unsafe {
        raw(
            m, n, k, c, n as isize, 1, a, 1, m as isize, b, n as isize, 1, accumulate, split,
        )
    }
}

/// [`nt_small_k`] for k in 1..=4, compiled per x86-64 level (see `crate::simd`).
#[multiversion(targets(
    "x86_64+avx512f+avx512bw+avx512cd+avx512dq+avx512vl+avx2+fma",
    "x86_64+avx2+fma"
))]
fn nt_small<S: Scalar>(
    m: usize,
    n: usize,
    k: usize,
    a: &[S],
    b: &[S],
    c: &mut [S],
    accumulate: bool,
) {
    match k {
        1 => nt_small_k::<S, 1>(m, n, a, b, c, accumulate),
        2 => nt_small_k::<S, 2>(m, n, a, b, c, accumulate),
        3 => nt_small_k::<S, 3>(m, n, a, b, c, accumulate),
        _ => nt_small_k::<S, 4>(m, n, a, b, c, accumulate),
    }
}

/// C ← [C +] A·Bᵀ for a small compile-time inner dimension K: Bᵀ is copied into a
/// stack buffer (K × n) so the loop over a row of C is contiguous and vectorises.
#[inline(always)]
fn nt_small_k<S: Scalar, const K: usize>(
    m: usize,
    n: usize,
    a: &[S],
    b: &[S],
    c: &mut [S],
    accumulate: bool,
) {
    const MAX: usize = 4096;
    let mut bt = [S::zero(); MAX];
    let cols = MAX / K; // columns of C handled per pass
    for j0 in (0..n).step_by(cols) {
        let nb = cols.min(n - j0);
        for p in 0..K {
            for j in 0..nb {
                bt[p * nb + j] = b[(j0 + j) * K + p];
            }
        }
        for (row, ai) in c.chunks_exact_mut(n).zip(a.chunks_exact(K)).take(m) {
            let row = &mut row[j0..j0 + nb];
            if !accumulate {
                row.iter_mut().for_each(|v| *v = S::zero());
            }
            for (p, &x) in ai.iter().enumerate() {
                for (cj, &w) in row.iter_mut().zip(&bt[p * nb..(p + 1) * nb]) {
                    *cj += x * w;
                }
            }
        }
    }
}

/// A raw pointer that panels running on other threads may use: each writes only the
/// output elements of its own panel.
#[derive(Clone, Copy)]
struct Shared<T>(T);
// SAFETY: see the struct's doc; the pointees outlive the scoped parallel loop.
unsafe impl<T> Send for Shared<T> {}
unsafe impl<T> Sync for Shared<T> {}

#[allow(clippy::too_many_arguments)]
unsafe fn raw<S: Scalar>(
    m: usize,
    n: usize,
    k: usize,
    c: &mut [S],
    c_rs: isize,
    c_cs: isize,
    a: &[S],
    a_rs: isize,
    a_cs: isize,
    b: &[S],
    b_rs: isize,
    b_cs: isize,
    accumulate: bool,
    split: Split,
) {
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        if !accumulate {
            c[..m * n].iter_mut().for_each(|v| *v = S::zero());
        }
        return;
    }
    let (c, a, b) = (
        Shared(c.as_mut_ptr()),
        Shared(a.as_ptr()),
        Shared(b.as_ptr()),
    );
    // One panel: output rows i0..i1 and columns j0..j1.
    let panel = |(i0, i1): (usize, usize), (j0, j1): (usize, usize)| {
        let (c, a, b) = (c, a, b);
        // SAFETY: the caller checked the bounds of the whole product; a panel is a
        // sub-block of it, and panels write disjoint output elements.
        unsafe {
            gemm::gemm(
                i1 - i0,
                j1 - j0,
                k,
                c.0.offset(i0 as isize * c_rs + j0 as isize * c_cs),
                c_cs,
                c_rs,
                accumulate,
                a.0.offset(i0 as isize * a_rs),
                a_cs,
                a_rs,
                b.0.offset(j0 as isize * b_cs),
                b_cs,
                b_rs,
                S::one(),
                S::one(),
                false,
                false,
                false,
                gemm::Parallelism::None,
            )
        }
    };
    let Split::Panels { parallel } = split else {
        return panel((0, m), (0, n));
    };
    // Cut the longer output side.
    let cuts = panels(m.max(n), m * n * k);
    let run = |&cut: &(usize, usize)| {
        if n >= m {
            panel((0, m), cut)
        } else {
            panel(cut, (0, n))
        }
    };
    if parallel {
        team::for_each(cuts.len(), &|i| run(&cuts[i]));
    } else {
        cuts.iter().for_each(run);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(
        m: usize,
        n: usize,
        k: usize,
        a: impl Fn(usize, usize) -> f64,
        b: impl Fn(usize, usize) -> f64,
    ) -> Vec<f64> {
        let mut c = vec![0.0; m * n];
        for i in 0..m {
            for j in 0..n {
                c[i * n + j] = (0..k).map(|p| a(i, p) * b(p, j)).sum();
            }
        }
        c
    }

    #[test]
    fn small_inner_dimensions_agree_with_naive_products() {
        for k in 1..=5 {
            for (m, n) in [(7, 5), (3, 1500)] {
                let a: Vec<f64> = (0..m * k).map(|i| (i as f64 * 0.37).sin()).collect();
                let b: Vec<f64> = (0..n * k).map(|i| (i as f64 * 0.11).cos()).collect();
                let want = naive(m, n, k, |i, p| a[i * k + p], |p, j| b[j * k + p]);
                let mut c = vec![0.5; m * n];
                mm_nt(m, n, k, &a, &b, &mut c, true, Split::Whole);
                c.iter()
                    .zip(&want)
                    .for_each(|(x, y)| assert!((x - 0.5 - y).abs() < 1e-12));
                mm_nt(m, n, k, &a, &b, &mut c, false, Split::Whole);
                c.iter()
                    .zip(&want)
                    .for_each(|(x, y)| assert!((x - y).abs() < 1e-12));
            }
        }
    }

    #[test]
    fn three_layouts_agree_with_naive_products() {
        let (m, n, k) = (7, 5, 3);
        let a: Vec<f64> = (0..m * k).map(|i| (i as f64 * 0.37).sin()).collect();
        let bt: Vec<f64> = (0..n * k).map(|i| (i as f64 * 0.11).cos()).collect(); // n×k
        let bn: Vec<f64> = (0..k * n).map(|i| (i as f64 * 0.23).cos()).collect(); // k×n
        let at: Vec<f64> = (0..k * m).map(|i| (i as f64 * 0.5).sin()).collect(); // k×m
        let mut c = vec![1.0; m * n];
        mm_nt(m, n, k, &a, &bt, &mut c, false, Split::Whole);
        let want = naive(m, n, k, |i, p| a[i * k + p], |p, j| bt[j * k + p]);
        c.iter()
            .zip(&want)
            .for_each(|(x, y)| assert!((x - y).abs() < 1e-12));
        mm_nn(m, n, k, &a, &bn, &mut c, true, Split::Whole);
        let want2 = naive(m, n, k, |i, p| a[i * k + p], |p, j| bn[p * n + j]);
        for i in 0..m * n {
            assert!((c[i] - want[i] - want2[i]).abs() < 1e-12);
        }
        mm_tn(m, n, k, &at, &bn, &mut c, false, Split::Whole);
        let want3 = naive(m, n, k, |i, p| at[p * m + i], |p, j| bn[p * n + j]);
        c.iter()
            .zip(&want3)
            .for_each(|(x, y)| assert!((x - y).abs() < 1e-12));
    }

    #[test]
    fn panels_cover_the_side_in_aligned_order() {
        assert_eq!(panels(512, 1 << 20), vec![(0, 512)]);
        assert_eq!(panels(512, 5 << 20), vec![(0, 256), (256, 512)]);
        assert_eq!(
            panels(784, 100 << 20),
            vec![(0, 208), (208, 400), (400, 592), (592, 784)]
        );
        // A short side is not cut below PANEL_ALIGN.
        assert_eq!(panels(40, 100 << 20), vec![(0, 32), (32, 40)]);
        assert_eq!(panels(20, 100 << 20), vec![(0, 20)]);
    }

    /// Panels give the naive product, the same bits whether they run on rayon or in
    /// order, and the same bits on one thread or two.
    #[test]
    fn panel_products_are_exact_and_independent_of_threads() {
        let (m, n, k) = (70, 520, 300); // 10.9M multiply-adds: four column panels
        let a: Vec<f64> = (0..m * k).map(|i| (i as f64 * 0.37).sin()).collect();
        let bt: Vec<f64> = (0..n * k).map(|i| (i as f64 * 0.11).cos()).collect(); // n×k
        let at: Vec<f64> = (0..k * n).map(|i| (i as f64 * 0.5).sin()).collect(); // k×n
        let want = naive(m, n, k, |i, p| a[i * k + p], |p, j| bt[j * k + p]);
        let want_tn = naive(n, m, k, |i, p| at[p * n + i], |p, j| a[p * m + j]);
        let on = |threads: usize, parallel: bool| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| {
                let split = Split::Panels { parallel };
                let mut c = vec![0.25; m * n];
                mm_nt(m, n, k, &a, &bt, &mut c, false, split);
                // Row panels: a tall dW-shaped output (n × m), `a` read as k × m.
                let mut d = vec![0.0; n * m];
                mm_tn(n, m, k, &at, &a, &mut d, false, split);
                (c, d)
            })
        };
        let (c, d) = on(2, true);
        for (x, y) in c.iter().zip(&want).chain(d.iter().zip(&want_tn)) {
            assert!((x - y).abs() < 1e-10, "{x} vs {y}");
        }
        assert!(on(1, true) == (c.clone(), d.clone()));
        assert!(on(2, false) == (c, d));
    }
}
