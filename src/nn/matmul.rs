//! The one matrix-product entry point. All matrices are row-major slices.
//!
//! Backed by the `gemm` crate (runtime-dispatched AVX2/AVX-512/NEON kernels), always
//! single-threaded: parallelism lives in the outer loops (data chunks, grid points,
//! runs), so results do not depend on the thread count.

use crate::scalar::Scalar;

/// C (m×n) ← [C +] A · Bᵀ, with A (m×k) and B (n×k). The forward pass: Z = X Wᵀ.
pub fn mm_nt<S: Scalar>(
    m: usize,
    n: usize,
    k: usize,
    a: &[S],
    b: &[S],
    c: &mut [S],
    accumulate: bool,
) {
    assert!(a.len() >= m * k && b.len() >= n * k && c.len() >= m * n);
    // Tiny inner dimensions (the first layer on 2-D data) are faster as a direct loop.
    match k {
        1 => return nt_small_k::<S, 1>(m, n, a, b, c, accumulate),
        2 => return nt_small_k::<S, 2>(m, n, a, b, c, accumulate),
        3 => return nt_small_k::<S, 3>(m, n, a, b, c, accumulate),
        4 => return nt_small_k::<S, 4>(m, n, a, b, c, accumulate),
        _ => {}
    }
    // SAFETY: bounds checked above; A is (m×k) with strides (k, 1), Bᵀ is (k×n) with
    // strides (1, k), C is (m×n) with strides (n, 1).
    unsafe {
        raw(
            m, n, k, c, n as isize, 1, a, k as isize, 1, b, 1, k as isize, accumulate,
        )
    }
}

/// C (m×n) ← [C +] A · B, with A (m×k) and B (k×n). Backprop to the inputs: dX = dZ W.
pub fn mm_nn<S: Scalar>(
    m: usize,
    n: usize,
    k: usize,
    a: &[S],
    b: &[S],
    c: &mut [S],
    accumulate: bool,
) {
    assert!(a.len() >= m * k && b.len() >= k * n && c.len() >= m * n);
    // SAFETY: bounds checked above.
    unsafe {
        raw(
            m, n, k, c, n as isize, 1, a, k as isize, 1, b, n as isize, 1, accumulate,
        )
    }
}

/// C (m×n) ← [C +] Aᵀ · B, with A (k×m) and B (k×n). Weight gradients: dW = dZᵀ X.
pub fn mm_tn<S: Scalar>(
    m: usize,
    n: usize,
    k: usize,
    a: &[S],
    b: &[S],
    c: &mut [S],
    accumulate: bool,
) {
    assert!(a.len() >= k * m && b.len() >= k * n && c.len() >= m * n);
    // SAFETY: bounds checked above; Aᵀ is (m×k) with strides (1, m).
    unsafe {
        raw(
            m, n, k, c, n as isize, 1, a, 1, m as isize, b, n as isize, 1, accumulate,
        )
    }
}

/// C ← [C +] A·Bᵀ for a small compile-time inner dimension K: Bᵀ is copied into a
/// stack buffer (K × n) so the loop over a row of C is contiguous and vectorises.
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
    gemm::gemm(
        m,
        n,
        k,
        c.as_mut_ptr(),
        c_cs,
        c_rs,
        accumulate,
        a.as_ptr(),
        a_cs,
        a_rs,
        b.as_ptr(),
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
                mm_nt(m, n, k, &a, &b, &mut c, true);
                c.iter()
                    .zip(&want)
                    .for_each(|(x, y)| assert!((x - 0.5 - y).abs() < 1e-12));
                mm_nt(m, n, k, &a, &b, &mut c, false);
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
        mm_nt(m, n, k, &a, &bt, &mut c, false);
        let want = naive(m, n, k, |i, p| a[i * k + p], |p, j| bt[j * k + p]);
        c.iter()
            .zip(&want)
            .for_each(|(x, y)| assert!((x - y).abs() < 1e-12));
        mm_nn(m, n, k, &a, &bn, &mut c, true);
        let want2 = naive(m, n, k, |i, p| a[i * k + p], |p, j| bn[p * n + j]);
        for i in 0..m * n {
            assert!((c[i] - want[i] - want2[i]).abs() < 1e-12);
        }
        mm_tn(m, n, k, &at, &bn, &mut c, false);
        let want3 = naive(m, n, k, |i, p| at[p * m + i], |p, j| bn[p * n + j]);
        c.iter()
            .zip(&want3)
            .for_each(|(x, y)| assert!((x - y).abs() < 1e-12));
    }
}
