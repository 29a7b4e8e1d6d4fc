//! Repeats the full-batch gradient of one reference workload, for profilers:
//! `cargo run --release --example profile_grad -- [i|ii|iii] [seconds]`.

use losscape::data::config::{DataConfig, Source};
use losscape::data::load::load;
use losscape::nn::Samples;
use losscape::nn::{Activation, Init, Loss, Mlp};
use losscape::objective::{MlpObjective, Objective};
use rand::SeedableRng;
use std::path::Path;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let which = args.get(1).map(String::as_str).unwrap_or("i");
    let secs: f64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(5.0);
    let (source, layers, act, loss, limit): (Source, &[usize], Activation, Loss, Option<usize>) =
        match which {
            "i" => (
                Source::Spirals,
                &[2, 16, 16, 1],
                Activation::Tanh,
                Loss::Bce,
                None,
            ),
            "ii" => (
                Source::Digits,
                &[64, 128, 128, 10],
                Activation::Relu,
                Loss::CrossEntropy,
                None,
            ),
            _ => (
                Source::Mnist,
                &[784, 512, 512, 10],
                Activation::Relu,
                Loss::CrossEntropy,
                Some(4096),
            ),
        };
    let mut cfg = DataConfig::new(source);
    if source == Source::Spirals {
        cfg.n = Some(2000);
    }
    cfg.limit_train = limit;
    let split = load(&cfg, Path::new("x.toml"), 0, true).unwrap();
    let mlp = Mlp::new(layers, act, loss);
    let data = Samples::<f32>::new(&split.train, loss, *layers.last().unwrap(), "p").unwrap();
    let theta = Init::Pytorch.theta(&mlp.layout, &mut rand_chacha::ChaCha8Rng::seed_from_u64(0));
    let obj = MlpObjective::new(&mlp, &data);
    let mut g = vec![0.0f32; mlp.n_params()];
    let t = Instant::now();
    let mut n = 0;
    while t.elapsed().as_secs_f64() < secs {
        obj.loss_grad(&theta, &mut g);
        n += 1;
    }
    println!(
        "{which}: {:.4} ms per gradient ({n} gradients)",
        t.elapsed().as_secs_f64() * 1e3 / n as f64
    );
}
