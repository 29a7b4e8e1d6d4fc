//! Helpers shared by the integration tests: small random nets and data sets.

use losscape::data::{Dataset, Labels};
use losscape::linalg::norm;
use losscape::nn::Samples;
use losscape::nn::{Activation, Init, Loss, Mlp};
use ndarray::Array2;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::path::{Path, PathBuf};

/// A data set of n samples with d features that fits `loss` and `k` outputs.
pub fn random_dataset(n: usize, d: usize, k: usize, loss: Loss, seed: u64) -> Dataset {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let x = Array2::from_shape_fn((n, d), |_| rng.random_range(-1.5..1.5));
    let y = match loss {
        Loss::CrossEntropy => Labels::Classes {
            labels: (0..n).map(|_| rng.random_range(0..k as u32)).collect(),
            n_classes: k,
        },
        Loss::Bce => Labels::Classes {
            labels: (0..n).map(|_| rng.random_range(0..2)).collect(),
            n_classes: 2,
        },
        Loss::Mse | Loss::SseHalf => Labels::Values(Array2::from_shape_fn((n, k), |_| {
            rng.random_range(-1.0..1.0)
        })),
    };
    Dataset { x, y }
}

/// A net, data set and parameter vector for the given activation and loss.
pub fn setup<S: losscape::Scalar>(
    widths: &[usize],
    act: Activation,
    loss: Loss,
    n: usize,
    seed: u64,
) -> (Mlp, Samples<S>, Vec<S>) {
    let mut widths = widths.to_vec();
    if loss == Loss::Bce {
        *widths.last_mut().unwrap() = 1;
    }
    let mlp = Mlp::new(&widths, act, loss);
    let k = *widths.last().unwrap();
    let data = random_dataset(n, widths[0], k, loss, seed);
    let samples = Samples::new(&data, loss, k, "test").unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(seed + 1);
    let theta = Init::Xavier.theta::<S, _>(&mlp.layout, &mut rng);
    (mlp, samples, theta)
}

pub fn random_vec(p: usize, seed: u64) -> Vec<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..p).map(|_| rng.random_range(-1.0..1.0)).collect()
}

/// ‖a − b‖ / max(‖a‖, ‖b‖, 1e-12).
pub fn rel_err(a: &[f64], b: &[f64]) -> f64 {
    let d: Vec<f64> = a.iter().zip(b).map(|(x, y)| x - y).collect();
    norm(&d) / norm(a).max(norm(b)).max(1e-12)
}

pub const ACTIVATIONS: [Activation; 4] = [
    Activation::Sigmoid,
    Activation::Tanh,
    Activation::Relu,
    Activation::Identity,
];
pub const LOSSES: [Loss; 4] = [Loss::CrossEntropy, Loss::Bce, Loss::Mse, Loss::SseHalf];

/// The smallest config that runs: a [2, 3, 1] tanh net trained on the XOR truth table
/// for two epochs. Tests of bad input change one thing in it.
pub const TINY_TRAIN: &str = r#"
name = "t"
seed = 0
[data]
source = "xor"
[model]
layers = [2, 3, 1]
activation = "tanh"
loss = "bce"
[train]
optimizer = "sgd"
lr = 0.1
batch_size = 2
epochs = 2
[experiment]
kind = "train"
"#;

/// Run the `losscape` binary with `args`.
pub fn losscape(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_losscape"))
        .args(args)
        .output()
        .unwrap()
}

/// `losscape run CONFIG --out OUT --quiet [extra]`.
pub fn run(config: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "run",
        config.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ];
    args.extend_from_slice(extra);
    losscape(&args)
}

/// A run that must succeed; returns its summary.json.
pub fn run_ok(config: &Path, out: &Path, extra: &[&str]) -> serde_json::Value {
    let o = run(config, out, extra);
    assert!(
        o.status.success(),
        "run failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap()
}

/// A run's summary without who ran it and how long it took.
pub fn numbers(mut s: serde_json::Value) -> serde_json::Value {
    let m = s.as_object_mut().unwrap();
    m.remove("seconds");
    m.remove("machine");
    s
}

/// `config` run with `--threads 1` into dir/1 and `--threads 2` into dir/2: each run's
/// [`numbers`] and folder, after checking that the two summaries agree.
pub fn one_and_two_threads(config: &Path, dir: &Path) -> [(serde_json::Value, PathBuf); 2] {
    let runs = ["1", "2"].map(|t| {
        let out = dir.join(t);
        (numbers(run_ok(config, &out, &["--threads", t])), out)
    });
    assert_eq!(
        runs[0].0,
        runs[1].0,
        "{}: 1 and 2 threads",
        config.display()
    );
    runs
}

/// Write `text` to dir/name and return the path.
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// A JSON number (panics with the value otherwise).
pub fn f(v: &serde_json::Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

/// The values of a .npy file.
pub fn npy(path: &Path) -> Vec<f64> {
    losscape::io::npy::read(path).unwrap().0
}
