//! Times one minibatch gradient of the MNIST net [784,512,512,10] (f32) by batch size,
//! with the chunk groups in parallel and in sequence: the minibatch path that issue 5's
//! throughput targets measure. `cargo run --release --example minibatch_grad`.
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
    let split = load(&cfg, Path::new("x.toml"), 0, true).unwrap();
    let mlp = Mlp::new(&[784, 512, 512, 10], Activation::Relu, Loss::CrossEntropy);
    let data: Samples<f32> = Samples::new(&split.train, Loss::CrossEntropy, 10, "x").unwrap();
    let theta: Vec<f32> =
        Init::Pytorch.theta(&mlp.layout, &mut rand_chacha::ChaCha8Rng::seed_from_u64(0));
    let mut g = vec![0f32; mlp.n_params()];
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
            let flops = 6.0 * b as f64 * (784.0 * 512.0 + 512.0 * 512.0 + 5120.0);
            println!(
                "b {b:5} {name:10} {:8.3} ms  {:6.1} GFLOP/s",
                s * 1e3,
                flops / s / 1e9
            );
        }
    }
}
