//! The foundation issue's reference workloads (f32, full-batch gradient):
//!   (i)   [2,16,16,1] tanh, 2,000 spiral points, bce
//!   (ii)  [64,128,128,10] relu, 1,797 digits, cross_entropy
//!   (iii) [784,512,512,10] relu, 4,096 MNIST images, cross_entropy
//! Criterion measures gradient and HVP time; at the end tables print our times and SGD
//! steps/s as speed-up ratios against PyTorch 2.15: the figures quoted in the issue
//! (measured on the team's AVX-512 machine) and, when present, those that
//! `benches/torch_reference.py` measured on this machine (benches/torch_reference.json).
//! Threads: rayon's default (set RAYON_NUM_THREADS).
//! LOSSCAPE_BENCH_SGD_ROUNDS=N instead alternates our MNIST SGD with PyTorch's for N
//! rounds and prints the ratios (needs python3 with torch).
//! LOSSCAPE_BENCH_PROFILE=i|ii|iii[:seconds] only repeats that workload's gradient, for
//! profilers (e.g. `perf record` on the bench binary).

mod common;
use common::median_time;
use criterion::Criterion;
use losscape::data::config::{DataConfig, Source};
use losscape::data::load::load;
use losscape::landscape::grid::{Evaluator, Plane};
use losscape::nn::chunked::ChunkPool;
use losscape::nn::Samples;
use losscape::nn::{Activation, Init, Loss, Mlp};
use losscape::objective::{MlpObjective, Objective};
use losscape::optim::{train, Hyper, Length, OptimizerKind, Schedule, TrainPlan};
use losscape::progress::Progress;
use rand::SeedableRng;
use rayon::prelude::*;
use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

struct Workload {
    name: &'static str,
    mlp: Mlp,
    data: Samples<f32>,
    theta: Vec<f32>,
    /// PyTorch ms per full-batch gradient.
    torch_grad_ms: f64,
}

fn workload(
    name: &'static str,
    source: Source,
    layers: &[usize],
    act: Activation,
    loss: Loss,
    limit: Option<usize>,
    torch_grad_ms: f64,
) -> Workload {
    let mut cfg = DataConfig::new(source);
    if source == Source::Spirals {
        cfg.n = Some(2000);
    }
    cfg.limit_train = limit;
    cfg.standardize = source == Source::Digits;
    let split = load(&cfg, Path::new("bench.toml"), 0, loss.uses_labels()).expect("bundled data");
    let mlp = Mlp::new(layers, act, loss);
    let data = Samples::new(&split.train, loss, *layers.last().unwrap(), "bench").unwrap();
    let theta = Init::Pytorch.theta(&mlp.layout, &mut rand_chacha::ChaCha8Rng::seed_from_u64(0));
    Workload {
        name,
        mlp,
        data,
        theta,
        torch_grad_ms,
    }
}

/// SGD steps per second on `w` with minibatch `b` (single run of `steps` steps).
fn sgd_steps_per_sec(w: &Workload, b: usize, steps: usize) -> f64 {
    let plan = TrainPlan {
        optimizer: OptimizerKind::Sgd,
        hyper: Hyper::default(),
        lr: 1e-3,
        schedule: Schedule::Constant,
        batch_size: Some(b),
        length: Length::Steps(steps),
        record_every: steps,
        snapshot_every: 0,
        patience: None,
    };
    let mut theta = w.theta.clone();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    // Records at step 0 and at the end cost two full evaluations; time them separately.
    let obj = MlpObjective::new(&w.mlp, &w.data);
    let mut g = vec![0.0f32; w.mlp.n_params()];
    let rec = median_time(Duration::from_millis(200), || {
        obj.eval_grad(&theta, &mut g);
    });
    let t = Instant::now();
    train(
        &w.mlp,
        &w.data,
        None,
        &mut theta,
        &plan,
        &mut rng,
        &Progress::hidden(),
    );
    let el = t.elapsed().as_secs_f64() - 2.0 * rec.as_secs_f64();
    steps as f64 / el
}

/// Seconds per slice grid point (loss + accuracy on the whole set at θ + a·dx + b·dy),
/// points evaluated in parallel as `losscape run` does.
fn slice_point_seconds(w: &Workload, n_points: usize) -> f64 {
    let center: Vec<f64> = w.theta.iter().map(|&v| v as f64).collect();
    let dx: Vec<f64> = (0..center.len())
        .map(|i| ((i % 11) as f64 - 5.0) * 1e-3)
        .collect();
    let dy: Vec<f64> = (0..center.len())
        .map(|i| ((i % 5) as f64 - 2.0) * 1e-3)
        .collect();
    let plane = Plane {
        center: &center,
        dx: &dx,
        dy: Some(&dy),
    };
    let eval = Evaluator::new(&w.mlp, &w.data, None);
    eval.measure(&plane, 0.0, 0.0); // warm the buffers
    let t = Instant::now();
    let total: f64 = (0..n_points)
        .into_par_iter()
        .map(|i| {
            eval.measure(&plane, i as f64 * 0.01, -(i as f64) * 0.02)
                .train_loss
        })
        .sum();
    black_box(total);
    t.elapsed().as_secs_f64() / n_points as f64
}

/// LOSSCAPE_BENCH_SGD_ROUNDS=N: MNIST SGD steps/s at batch 32 and 256, ours and
/// PyTorch's (`torch_reference.py --mnist-sgd`) alternately for N rounds, so both meet
/// the same load on a shared machine; prints each round's ratios and their medians.
fn sgd_rounds(w: &Workload, rounds: usize) {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/torch_reference.py");
    let batches = [(32usize, 3000usize), (256, 600)];
    println!("MNIST SGD steps/s, ours against PyTorch in alternate runs:");
    println!(
        "{:>5} {:>8} {:>8} {:>7} {:>8} {:>8} {:>7}",
        "round", "ours 32", "torch", "ratio", "ours 256", "torch", "ratio"
    );
    let mut ratios = vec![Vec::new(); batches.len()];
    for round in 0..rounds {
        let ours: Vec<f64> = batches
            .iter()
            .map(|&(b, steps)| sgd_steps_per_sec(w, b, steps))
            .collect();
        let out = std::process::Command::new("python3")
            .arg(script)
            .arg("--mnist-sgd")
            .args(batches.iter().map(|(b, _)| b.to_string()))
            .output()
            .expect("python3 runs");
        let torch: serde_json::Value =
            serde_json::from_slice(&out.stdout).expect("torch_reference.py --mnist-sgd output");
        let mut line = format!("{round:>5}");
        for (i, &(b, _)) in batches.iter().enumerate() {
            let t = torch[b.to_string()].as_f64().expect("steps/s");
            ratios[i].push(ours[i] / t);
            line += &format!(" {:>8.0} {:>8.0} {:>6.2}x", ours[i], t, ours[i] / t);
        }
        println!("{line}");
    }
    for (r, &(b, _)) in ratios.iter_mut().zip(&batches) {
        r.sort_by(f64::total_cmp);
        println!(
            "batch {b}: median ratio {:.2}x (range {:.2}-{:.2}x)",
            r[r.len() / 2],
            r[0],
            r[r.len() - 1]
        );
    }
}

/// Reference workload `i` (0, 1, 2 for (i), (ii), (iii)).
fn reference(i: usize) -> Workload {
    match i {
        0 => workload(
            "(i) spirals [2,16,16,1] tanh",
            Source::Spirals,
            &[2, 16, 16, 1],
            Activation::Tanh,
            Loss::Bce,
            None,
            0.25,
        ),
        1 => workload(
            "(ii) digits [64,128,128,10] relu",
            Source::Digits,
            &[64, 128, 128, 10],
            Activation::Relu,
            Loss::CrossEntropy,
            None,
            1.7,
        ),
        _ => workload(
            "(iii) mnist [784,512,512,10] relu",
            Source::Mnist,
            &[784, 512, 512, 10],
            Activation::Relu,
            Loss::CrossEntropy,
            Some(4096),
            44.0,
        ),
    }
}

/// LOSSCAPE_BENCH_PROFILE=i|ii|iii[:seconds]: only that workload's full-batch gradient,
/// repeated for `seconds` (default 5), for a profiler attached to the bench binary.
fn profile(spec: &str) {
    let (which, secs) = spec.split_once(':').unwrap_or((spec, "5"));
    let i = match which {
        "i" => 0,
        "ii" => 1,
        "iii" => 2,
        _ => {
            panic!("LOSSCAPE_BENCH_PROFILE={spec}: expected i, ii or iii, then optionally :seconds")
        }
    };
    let secs: f64 = secs
        .parse()
        .unwrap_or_else(|_| panic!("LOSSCAPE_BENCH_PROFILE={spec}: seconds is not a number"));
    let w = reference(i);
    let obj = MlpObjective::new(&w.mlp, &w.data);
    let mut g = vec![0.0f32; w.mlp.n_params()];
    let t = Instant::now();
    let mut n = 0;
    while t.elapsed().as_secs_f64() < secs {
        obj.loss_grad(&w.theta, &mut g);
        n += 1;
    }
    println!(
        "{}: {:.4} ms per gradient ({n} gradients)",
        w.name,
        t.elapsed().as_secs_f64() * 1e3 / n as f64
    );
}

fn main() {
    if let Ok(spec) = std::env::var("LOSSCAPE_BENCH_PROFILE") {
        return profile(&spec);
    }
    let ws = [reference(0), reference(1), reference(2)];
    if let Some(rounds) = std::env::var("LOSSCAPE_BENCH_SGD_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
    {
        return sgd_rounds(&ws[2], rounds);
    }
    // LOSSCAPE_BENCH_QUICK=1 skips the criterion runs and prints only the ratio tables.
    let quick = std::env::var_os("LOSSCAPE_BENCH_QUICK").is_some();
    let mut c = Criterion::default()
        .without_plots()
        .configure_from_args()
        .sample_size(20)
        .measurement_time(Duration::from_secs(3));
    for w in ws.iter().filter(|_| !quick) {
        let obj = MlpObjective::new(&w.mlp, &w.data);
        let mut g = vec![0.0f32; w.mlp.n_params()];
        let v: Vec<f32> = (0..w.mlp.n_params())
            .map(|i| ((i % 7) as f32 - 3.0) * 0.01)
            .collect();
        let mut hv = vec![0.0f32; w.mlp.n_params()];
        c.bench_function(&format!("{} gradient", w.name), |b| {
            b.iter(|| obj.loss_grad(black_box(&w.theta), &mut g))
        });
        c.bench_function(&format!("{} hvp", w.name), |b| {
            b.iter(|| obj.hvp(black_box(&w.theta), &v, &mut hv))
        });
    }
    c.final_summary();

    let local: Option<serde_json::Value> = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/torch_reference.json"),
    )
    .ok()
    .and_then(|t| serde_json::from_str(&t).ok());
    let local_at = |key: &str, i: usize| {
        local
            .as_ref()
            .and_then(|v| v[key][i].as_f64())
            .unwrap_or(f64::NAN)
    };
    println!(
        "\nSpeed against PyTorch 2.15 (f32, {} threads); 'issue' = the issue's figures, 'here' = torch_reference.json:",
        rayon::current_num_threads()
    );
    println!(
        "{:<36} {:>10} {:>10} {:>9} {:>10} {:>9} {:>9} {:>8}",
        "workload", "grad ms", "issue ms", "vs issue", "here ms", "vs here", "hvp/grad", "target"
    );
    let targets = [10.0, 3.0, 1.2];
    for (i, (w, target)) in ws.iter().zip(targets).enumerate() {
        let obj = MlpObjective::new(&w.mlp, &w.data);
        let pool = ChunkPool::new(&w.mlp);
        let mut g = vec![0.0f32; w.mlp.n_params()];
        let v: Vec<f32> = (0..w.mlp.n_params())
            .map(|i| ((i % 7) as f32 - 3.0) * 0.01)
            .collect();
        let mut hv = vec![0.0f32; w.mlp.n_params()];
        let tg = median_time(Duration::from_secs(2), || {
            pool.eval_grad(&w.mlp, &w.data, &w.theta, &mut g);
        });
        let th = median_time(Duration::from_secs(2), || obj.hvp(&w.theta, &v, &mut hv));
        let ms = tg.as_secs_f64() * 1e3;
        let here = local_at("grad_ms", i);
        println!(
            "{:<36} {:>10.4} {:>10.3} {:>8.2}x {:>10.3} {:>8.2}x {:>9.2} {:>7.1}x",
            w.name,
            ms,
            w.torch_grad_ms,
            w.torch_grad_ms / ms,
            here,
            here / ms,
            th.as_secs_f64() / tg.as_secs_f64(),
            target
        );
    }
    println!("\nSGD steps/s (minibatch gradient + update, records excluded):");
    println!(
        "{:<36} {:>6} {:>10} {:>10} {:>9} {:>10} {:>9} {:>8}",
        "workload", "batch", "steps/s", "issue", "vs issue", "here", "vs here", "target"
    );
    let cases = [
        (0usize, 1usize, 5000.0, 50.0),
        (0, 32, 4800.0, 10.0),
        (1, 32, 3600.0, 0.0),
        // The batch-size study's MNIST net (issue 5): ≥ 2× at 32 and ≥ 1.2× at 256.
        (2, 32, 955.0, 2.0),
        (2, 256, 289.0, 1.2),
    ];
    for (i, (wi, b, torch, target)) in cases.into_iter().enumerate() {
        let steps = if wi == 2 { 600 } else { 20_000 };
        let sps = sgd_steps_per_sec(&ws[wi], b, steps);
        let here = local_at("sgd_steps_per_s", i);
        let target = if target > 0.0 {
            format!("{target}x")
        } else {
            "-".into()
        };
        println!(
            "{:<36} {:>6} {:>10.0} {:>10.0} {:>8.1}x {:>10.0} {:>8.1}x {:>8}",
            ws[wi].name,
            b,
            sps,
            torch,
            sps / torch,
            here,
            sps / here,
            target
        );
    }

    println!(
        "\nSlice grid points (loss + accuracy over the whole set per point, points in parallel):"
    );
    println!(
        "{:<36} {:>10} {:>10} {:>9} {:>10} {:>9} {:>8} {:>10} {:>9}",
        "workload",
        "ms/point",
        "issue ms",
        "vs issue",
        "here ms",
        "vs here",
        "target",
        "2N/N time",
        "2 vs 1 thr"
    );
    for (i, (w, (torch, target))) in ws
        .iter()
        .zip([(0.13, 10.0), (0.73, 3.0), (16.6, 1.25)])
        .enumerate()
    {
        let n = [512, 128, 16][i];
        let one = slice_point_seconds(w, n);
        let two = slice_point_seconds(w, 2 * n);
        let scaling = (2.0 * n as f64 * two) / (n as f64 * one);
        let single = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap()
            .install(|| slice_point_seconds(w, n));
        let here = local_at("slice_point_ms", i);
        let ms = one * 1e3;
        println!(
            "{:<36} {:>10.4} {:>10.3} {:>8.2}x {:>10.3} {:>8.2}x {:>7.2}x {:>10.2} {:>8.2}x",
            w.name,
            ms,
            torch,
            torch / ms,
            here,
            here / ms,
            target,
            scaling,
            single / one
        );
    }
}
