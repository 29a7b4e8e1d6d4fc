//! One minibatch step of the MNIST net [784,512,512,10] (f32) by batch size, three ways:
//! on a two-thread team (the default: the products cut into panels, the elementwise
//! work into blocks, both shared by the team), with the panels as rayon tasks and the
//! elementwise work on one thread, or all in sequence on one thread. Two rows each: the
//! gradient alone, and the whole step as `train` takes it (gradient, finiteness check,
//! SGD update). A batch that spans several row groups (1024 here) runs as `train` runs
//! it, without a team. The team stays while it pays at least 1.2× against rayon at
//! batch 32.
//! Plain table.
//!
//! `cargo bench --bench minibatch_grad`

use losscape::data::config::{DataConfig, Source};
use losscape::data::load::load;
use losscape::nn::chunked::ChunkPool;
use losscape::nn::{team, Activation, Init, Loss, Mlp, Samples};
use losscape::optim::train::all_finite_shared;
use losscape::optim::{Hyper, Optimizer, OptimizerKind};
use rand::SeedableRng;
use std::path::Path;
use std::time::Instant;

/// Rounds per row; the table shows each row's best round (the least disturbed by other
/// work on a shared machine).
const ROUNDS: usize = 5;

fn main() {
    let mut cfg = DataConfig::new(Source::Mnist);
    cfg.limit_train = Some(4096);
    let split = load(&cfg, Path::new("minibatch_grad"), 0, true).expect("bundled MNIST");
    let mlp = Mlp::new(&[784, 512, 512, 10], Activation::Relu, Loss::CrossEntropy);
    let data: Samples<f32> =
        Samples::new(&split.train, Loss::CrossEntropy, 10, "mnist").expect("labels 0..10");
    let theta0: Vec<f32> =
        Init::Pytorch.theta(&mlp.layout, &mut rand_chacha::ChaCha8Rng::seed_from_u64(0));
    let n = mlp.n_params();
    // Flops of one sample's gradient: 2 per multiply-add; forward and weight-gradient
    // products for every layer, input-gradient products for all but the first.
    let macs: f64 = 784.0 * 512.0 + 512.0 * 512.0 + 5120.0;
    let flops_per_sample = 2.0 * (3.0 * macs - 784.0 * 512.0);
    println!("batch  way         gradient ms  GFLOP/s   step ms");
    for b in [32usize, 256, 1024] {
        let idx: Vec<usize> = (0..b).collect();
        let mut batch = data.empty_like();
        data.gather(&idx, &mut batch);
        let mut times = vec![];
        for (way, pool, on_team) in [
            ("team", ChunkPool::new(&mlp), true),
            ("rayon", ChunkPool::new(&mlp).without_team(), false),
            ("sequential", ChunkPool::new(&mlp).sequential(), false),
        ] {
            let mut g = vec![0f32; n];
            let mut theta = theta0.clone();
            let mut opt = Optimizer::<f32>::new(OptimizerKind::Sgd, Hyper::default(), n);
            let mut step = |with_update: bool| {
                let mut one = || {
                    pool.eval_grad(&mlp, &batch, &theta, &mut g);
                    if with_update && all_finite_shared(&g) {
                        opt.step(&mut theta, &g, 1e-6);
                    }
                };
                if on_team && pool.wants_team(b) {
                    team::with_team(one)
                } else {
                    one()
                }
            };
            let reps = 200 * 32 / b;
            let mut best_seconds = |with_update: bool| {
                step(with_update);
                (0..ROUNDS)
                    .map(|_| {
                        let t = Instant::now();
                        (0..reps).for_each(|_| step(with_update));
                        t.elapsed().as_secs_f64() / reps as f64
                    })
                    .fold(f64::INFINITY, f64::min)
            };
            let (grad, whole) = (best_seconds(false), best_seconds(true));
            println!(
                "{b:5}  {way:10} {:10.3}  {:7.1}  {:8.3}",
                grad * 1e3,
                b as f64 * flops_per_sample / grad / 1e9,
                whole * 1e3,
            );
            times.push((grad, whole));
        }
        println!(
            "       team over rayon: gradient {:.2}×, whole step {:.2}×",
            times[1].0 / times[0].0,
            times[1].1 / times[0].1
        );
    }
}
