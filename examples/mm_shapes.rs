//! Times the matmul entry point on the small shapes of the reference nets, against a
//! direct loop, to decide where a small-matrix path pays: `cargo run --release --example mm_shapes`.

use losscape::nn::matmul::{mm_nn, mm_nt, mm_tn, Split};
use std::time::Instant;

fn direct_nt(m: usize, n: usize, k: usize, a: &[f32], wt: &[f32], c: &mut [f32]) {
    // wt is Bᵀ (k × n); C[i, :] += Σ_p A[i, p] · wt[p, :]
    for (row, ai) in c.chunks_exact_mut(n).zip(a.chunks_exact(k)).take(m) {
        for (p, &x) in ai.iter().enumerate() {
            for (cj, &w) in row.iter_mut().zip(&wt[p * n..(p + 1) * n]) {
                *cj += x * w;
            }
        }
    }
}

fn main() {
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
        let reps = 20_000_000 / (m * n * k).max(1) + 10;
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
            "({m:4},{n:4},{k:4}) gemm {:8.2} us  direct {:8.2} us  ratio {:5.2}",
            g * 1e6,
            d * 1e6,
            g / d
        );
    }
    // Weight gradient dW (out × in) = δᵀ X and input gradient dX = δ W for the first layers.
    for &(m, n, k) in &[
        (16usize, 2usize, 256usize),
        (16, 16, 256),
        (1, 16, 256),
        (128, 64, 256),
    ] {
        let a = vec![0.1f32; k * m];
        let b = vec![0.2f32; k * n];
        let mut c = vec![0.0f32; m * n];
        let reps = 20_000_000 / (m * n * k) + 10;
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
        let reps = 20_000_000 / (m * n * k) + 10;
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

#[allow(dead_code)]
fn other_layouts() {}
