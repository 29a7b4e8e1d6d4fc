//! How far two threads raise matrix-product throughput on this machine: the first
//! MNIST layer's forward product (256×784 by 784×512, f32) on one thread, then one copy
//! on each of two threads at once. `cargo run --release --example gemm_two_threads`.
use losscape::nn::matmul::{mm_nt, Split};
use std::time::Instant;

fn main() {
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
    println!(
        "one thread {:.0} GFLOP/s; two threads at once {:.0} GFLOP/s in all ({:.2}x)",
        flops / one / 1e9,
        2.0 * flops / two / 1e9,
        one * 2.0 / two
    );
}
