//! Matrix-product probes (no criterion; plain tables):
//! 1. the gemm entry point (`nn::matmul`) on the small shapes of the reference nets
//!    against a direct triple loop, to see where a small-matrix path would pay;
//! 2. how far two threads raise throughput: the first MNIST layer's forward product
//!    (256×784 by 784×512, f32) on one thread, then one copy on each of two threads at
//!    once.
//!
//! `cargo bench --bench matmul`

use losscape::nn::matmul::{mm_nn, mm_nt, mm_tn, Split};
use std::time::Instant;

/// C += A Bᵀ by a direct loop; `wt` is Bᵀ (k × n): C[i, :] += Σ_p A[i, p] · wt[p, :].
fn direct_nt(m: usize, n: usize, k: usize, a: &[f32], wt: &[f32], c: &mut [f32]) {
    for (row, ai) in c.chunks_exact_mut(n).zip(a.chunks_exact(k)).take(m) {
        for (p, &x) in ai.iter().enumerate() {
            for (cj, &w) in row.iter_mut().zip(&wt[p * n..(p + 1) * n]) {
                *cj += x * w;
            }
        }
    }
}

/// Repetitions that make about 2·10⁷ multiply-adds of an (m, n, k) product.
fn reps_for(m: usize, n: usize, k: usize) -> usize {
    20_000_000 / (m * n * k).max(1) + 10
}

/// Forward products C = A Bᵀ (mm_nt) against the direct loop (transpose included).
fn small_shapes_against_direct_loop() {
    println!("Forward products A (m × k) Bᵀ (k × n): gemm entry point against a direct loop");
    for &(m, n, k) in &[
        (256usize, 16usize, 2usize),
        (256, 16, 16),
        (256, 1, 16),
        (256, 128, 64),
        (256, 128, 128),
        (256, 10, 128),
    ] {
        let a: Vec<f32> = (0..m * k).map(|i| (i % 13) as f32 * 0.1).collect();
        let b: Vec<f32> = (0..n * k).map(|i| (i % 7) as f32 * 0.1).collect();
        let mut c = vec![0.0f32; m * n];
        let reps = reps_for(m, n, k);
        let t = Instant::now();
        for _ in 0..reps {
            mm_nt(m, n, k, &a, &b, &mut c, true, Split::Whole);
        }
        let g = t.elapsed().as_secs_f64() / reps as f64;
        let mut wt = vec![0.0f32; n * k];
        let t = Instant::now();
        for _ in 0..reps {
            for p in 0..k {
                for j in 0..n {
                    wt[p * n + j] = b[j * k + p];
                }
            }
            direct_nt(m, n, k, &a, &wt, &mut c);
        }
        let d = t.elapsed().as_secs_f64() / reps as f64;
        println!(
            "nt ({m:4},{n:4},{k:4}) gemm {:8.2} us  direct {:8.2} us  ratio {:5.2}",
            g * 1e6,
            d * 1e6,
            g / d
        );
    }
}

/// Backward products of the first layers: dW (out × in) = δᵀ X (mm_tn) and dX = δ W
/// (mm_nn).
fn backward_shapes() {
    println!("Backward products: weight gradients δᵀX (tn) and input gradients δW (nn)");
    for &(m, n, k) in &[
        (16usize, 2usize, 256usize),
        (16, 16, 256),
        (1, 16, 256),
        (128, 64, 256),
    ] {
        let a = vec![0.1f32; k * m];
        let b = vec![0.2f32; k * n];
        let mut c = vec![0.0f32; m * n];
        let reps = reps_for(m, n, k);
        let t = Instant::now();
        for _ in 0..reps {
            mm_tn(m, n, k, &a, &b, &mut c, true, Split::Whole);
        }
        println!(
            "tn ({m:4},{n:4},{k:4}) gemm {:8.2} us",
            t.elapsed().as_secs_f64() / reps as f64 * 1e6
        );
    }
    for &(m, n, k) in &[(256usize, 16usize, 1usize), (256, 16, 16), (256, 2, 16)] {
        let a = vec![0.1f32; m * k];
        let b = vec![0.2f32; k * n];
        let mut c = vec![0.0f32; m * n];
        let reps = reps_for(m, n, k);
        let t = Instant::now();
        for _ in 0..reps {
            mm_nn(m, n, k, &a, &b, &mut c, false, Split::Whole);
        }
        println!(
            "nn ({m:4},{n:4},{k:4}) gemm {:8.2} us",
            t.elapsed().as_secs_f64() / reps as f64 * 1e6
        );
    }
}

/// GFLOP/s of the MNIST first-layer product on one thread, then with one copy running
/// on each of two threads at once.
fn two_threads() {
    let (m, n, k) = (256usize, 512usize, 784usize);
    let a: Vec<f32> = (0..m * k).map(|i| (i % 13) as f32 * 0.01).collect();
    let b: Vec<f32> = (0..n * k).map(|i| (i % 7) as f32 * 0.01).collect();
    let reps = 200;
    let flops = 2.0 * (m * n * k * reps) as f64;
    let products = || {
        let mut c = vec![0f32; m * n];
        for _ in 0..reps {
            mm_nt(m, n, k, &a, &b, &mut c, false, Split::Whole);
        }
    };
    products();
    let t = Instant::now();
    products();
    let one = t.elapsed().as_secs_f64();
    let t = Instant::now();
    std::thread::scope(|s| {
        s.spawn(products);
        products();
    });
    let two = t.elapsed().as_secs_f64();
    println!("MNIST first layer ({m}×{k} by {k}×{n}, f32):");
    println!(
        "one thread {:.0} GFLOP/s; two threads at once {:.0} GFLOP/s in all ({:.2}x)",
        flops / one / 1e9,
        2.0 * flops / two / 1e9,
        one * 2.0 / two
    );
}

fn main() {
    small_shapes_against_direct_loop();
    backward_shapes();
    two_threads();
}
