//! One minibatch gradient of the MNIST net [784,512,512,10] (f32) by batch size, with
//! the chunk groups in parallel and in sequence: the minibatch path behind the SGD
//! throughput of the batch-size study (issue 5). Plain table, no criterion.
//!
//! `cargo bench --bench minibatch_grad`

use losscape::data::config::{DataConfig, Source};
use losscape::data::load::load;
use losscape::nn::chunked::ChunkPool;
use losscape::nn::Samples;
use losscape::nn::{Activation, Init, Loss, Mlp};
use rand::SeedableRng;
use std::path::Path;
use std::time::Instant;

fn main() {
    let mut cfg = DataConfig::new(Source::Mnist);
    cfg.limit_train = Some(4096);
    let split = load(&cfg, Path::new("minibatch_grad"), 0, true).expect("bundled MNIST");
    let mlp = Mlp::new(&[784, 512, 512, 10], Activation::Relu, Loss::CrossEntropy);
    let data: Samples<f32> =
        Samples::new(&split.train, Loss::CrossEntropy, 10, "mnist").expect("labels 0..10");
    let theta: Vec<f32> =
        Init::Pytorch.theta(&mlp.layout, &mut rand_chacha::ChaCha8Rng::seed_from_u64(0));
    let mut g = vec![0f32; mlp.n_params()];
    // Flops of one sample's gradient: 2 per multiply-add, 3 products per layer
    // (forward, input gradient, weight gradient).
    let flops_per_sample = 6.0 * (784.0 * 512.0 + 512.0 * 512.0 + 5120.0);
    for b in [32usize, 256, 1024] {
        let idx: Vec<usize> = (0..b).collect();
        let mut batch = data.empty_like();
        data.gather(&idx, &mut batch);
        for (name, pool) in [
            ("parallel", ChunkPool::new(&mlp)),
            ("sequential", ChunkPool::new(&mlp).sequential()),
        ] {
            pool.eval_grad(&mlp, &batch, &theta, &mut g);
            let reps = 200 * 32 / b;
            let t = Instant::now();
            for _ in 0..reps {
                pool.eval_grad(&mlp, &batch, &theta, &mut g);
            }
            let s = t.elapsed().as_secs_f64() / reps as f64;
            println!(
                "b {b:5} {name:10} {:8.3} ms  {:6.1} GFLOP/s",
                s * 1e3,
                b as f64 * flops_per_sample / s / 1e9
            );
        }
    }
}
