//! One minibatch gradient of the MNIST net [784,512,512,10] (f32) by batch size: its
//! products cut into panels run on a two-thread team (the default), as rayon tasks, or
//! in sequence on one thread. The minibatch path behind the SGD throughput of the
//! batch-size study; the team stays while it pays against rayon at batch 32.
//! Plain table, no criterion.
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
    // Flops of one sample's gradient: 2 per multiply-add; forward and weight-gradient
    // products for every layer, input-gradient products for all but the first.
    let macs: f64 = 784.0 * 512.0 + 512.0 * 512.0 + 5120.0;
    let flops_per_sample = 2.0 * (3.0 * macs - 784.0 * 512.0);
    for b in [32usize, 256, 1024] {
        let idx: Vec<usize> = (0..b).collect();
        let mut batch = data.empty_like();
        data.gather(&idx, &mut batch);
        for (name, pool) in [
            ("team", ChunkPool::new(&mlp)),
            ("rayon", ChunkPool::new(&mlp).without_team()),
            ("sequential", ChunkPool::new(&mlp).sequential()),
        ] {
            pool.eval_grad(&mlp, &batch, &theta, &mut g);
            let reps = 400 * 32 / b;
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
