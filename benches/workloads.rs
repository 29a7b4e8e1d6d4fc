//! losscape against PyTorch on the reference workloads, both measured in the same run.
//!
//! Workloads (f32):
//!   (i)   [2,16,16,1] tanh, 2,000 spiral points, bce
//!   (ii)  [64,128,128,10] relu, 1,797 digits (standardized), cross_entropy
//!   (iii) [784,512,512,10] relu, 4,096 MNIST images, cross_entropy
//! Measures: a 2-D slice's cost per grid point (loss + accuracy over the whole set, as
//! `slice_values` sweeps a plane, with the Evaluator's own first-layer path and with the
//! direct path), SGD steps per second (minibatch gradient + update, train()'s two
//! full-set records excluded), the full-batch gradient and the Hessian-vector product.
//!
//! Run:
//!   LOSSCAPE_TORCH_PYTHON=/path/to/python cargo bench --bench workloads
//! Environment:
//! - `LOSSCAPE_TORCH_PYTHON`: a Python with torch. It runs `benches/torch_workloads.py
//!   --serve` once for the whole bench (one JSON request per line on its stdin, one JSON
//!   answer per line on its stdout). Unset, or without torch: our figures only, "–" in
//!   the PyTorch columns.
//! - `RAYON_NUM_THREADS`: threads on both sides (default 2): our rayon pool, PyTorch's
//!   `set_num_threads`, and the copies run at once for the ceiling.
//! - `LOSSCAPE_BENCH_ROUNDS`: rounds per row (default 3). Each round times ours, then
//!   PyTorch's, so both meet the same load on a shared machine.
//! - `LOSSCAPE_BENCH_ONLY=slice|sgd|grad|hvp`: only that measure's rows.
//! - `LOSSCAPE_BENCH_PROFILE=i|ii|iii[:seconds]`: nothing but that workload's full-batch
//!   gradient, repeated for `seconds` (default 5), for a profiler (`perf record` on the
//!   bench binary).
//!
//! Timing, on both sides: untimed warm-up (at least one call, about a tenth of the
//! budget), then the median over repetitions filling the budget (at least 3), each
//! repetition a block of calls long enough for the clock.
//!
//! Columns of the table:
//! - workload, measure: the row (see the legend printed above the table);
//! - ours, PyTorch: medians over the rounds, in ms per operation (slice: per grid point,
//!   the sweep's per-plane set-up included) or in steps/s;
//! - ratio: our speed over PyTorch's (PyTorch's time / ours, or our steps/s / PyTorch's),
//!   the median of the per-round ratios, then the smallest and largest of them;
//! - target: the ratio a row must reach; for the HVP, our HVP time over our gradient
//!   time (median of per-round ratios, shown in brackets) must stay below 2.2;
//! - status: ok or MISSED against the target ("–" without PyTorch);
//! - GFLOP/s: our floating-point rate, 2 × the multiply-adds of the operation's matrix
//!   products counted from the shapes (forward: m·Σ fan_in·fan_out; gradient: forward,
//!   dW of every layer, dX of every layer but the first; HVP: the products of the
//!   R-operator in nn::mlp; the reuse slice path: forward without the first layer);
//! - ceiling: the machine's GFLOP/s on the same list of products at the operation's full
//!   row count, run through the bare `nn::matmul` entry points (`Split::Whole`), one
//!   independent copy per thread, all threads at once;
//! - % ceil: GFLOP/s / ceiling.

use losscape::data::config::{DataConfig, Source};
use losscape::data::load::load;
use losscape::landscape::first_layer::FirstLayer;
use losscape::landscape::grid::{slice_values, Evaluator, Plane};
use losscape::nn::chunked::ChunkPool;
use losscape::nn::matmul::{mm_nn, mm_nt, mm_tn, Split};
use losscape::nn::Samples;
use losscape::nn::{Activation, Init, Loss, Mlp};
use losscape::objective::{MlpObjective, Objective};
use losscape::optim::{train, Hyper, Length, OptimizerKind, Schedule, TrainPlan};
use losscape::progress::Progress;
use losscape::simd::Level;
use rand::SeedableRng;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::hint::black_box;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::Barrier;
use std::time::Instant;

/// Seconds of timed repetitions per side and round (the Python side gets the same).
const BUDGET_S: f64 = 0.5;
/// Warm-up: at least one call and about this fraction of the budget.
const WARMUP_FRACTION: f64 = 0.1;
/// A repetition is a block of calls lasting at least this long.
const BLOCK_S: f64 = 0.002;
const MIN_REPS: usize = 3;
const MAX_REPS: usize = 1000;
/// One timed train() run of the SGD rows lasts about this long.
const SGD_RUN_S: f64 = 0.1;
/// Steps of the train() run that sizes the timed ones.
const SGD_PROBE_STEPS: usize = 32;
/// Seconds of timed passes over a product list for its ceiling.
const CEILING_S: f64 = 0.3;
/// HVP time over gradient time the HVP rows must stay below.
const HVP_PER_GRAD_MAX: f64 = 2.2;

// ---------------------------------------------------------------------------------
// Workloads

/// How to build one reference workload.
struct Spec {
    /// "i", "ii" or "iii": the table's label and the Python side's name.
    key: &'static str,
    description: &'static str,
    source: Source,
    layers: &'static [usize],
    activation: Activation,
    loss: Loss,
    limit_train: Option<usize>,
    /// Points per axis of the slice grid.
    grid: usize,
}

const SPECS: [Spec; 3] = [
    Spec {
        key: "i",
        description: "spirals [2,16,16,1] tanh, bce",
        source: Source::Spirals,
        layers: &[2, 16, 16, 1],
        activation: Activation::Tanh,
        loss: Loss::Bce,
        limit_train: None,
        grid: 16,
    },
    Spec {
        key: "ii",
        description: "digits [64,128,128,10] relu, cross_entropy",
        source: Source::Digits,
        layers: &[64, 128, 128, 10],
        activation: Activation::Relu,
        loss: Loss::CrossEntropy,
        limit_train: None,
        grid: 16,
    },
    Spec {
        key: "iii",
        description: "mnist [784,512,512,10] relu, cross_entropy",
        source: Source::Mnist,
        layers: &[784, 512, 512, 10],
        activation: Activation::Relu,
        loss: Loss::CrossEntropy,
        limit_train: Some(4096),
        grid: 8,
    },
];

struct Workload {
    spec: &'static Spec,
    mlp: Mlp,
    data: Samples<f32>,
    theta: Vec<f32>,
}

impl Workload {
    fn load(spec: &'static Spec) -> Workload {
        let mut cfg = DataConfig::new(spec.source);
        if spec.source == Source::Spirals {
            cfg.n = Some(2000);
        }
        cfg.limit_train = spec.limit_train;
        cfg.standardize = spec.source == Source::Digits;
        let split =
            load(&cfg, Path::new("bench.toml"), 0, spec.loss.uses_labels()).expect("bundled data");
        let mlp = Mlp::new(spec.layers, spec.activation, spec.loss);
        let classes = *spec.layers.last().unwrap();
        let data = Samples::new(&split.train, spec.loss, classes, "bench").unwrap();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
        let theta = Init::Pytorch.theta(&mlp.layout, &mut rng);
        Workload {
            spec,
            mlp,
            data,
            theta,
        }
    }

    fn label(&self) -> String {
        format!("({})", self.spec.key)
    }

    /// (fan_in, fan_out) of every layer.
    fn layers(&self) -> Vec<(usize, usize)> {
        self.mlp
            .layout
            .widths()
            .windows(2)
            .map(|w| (w[0], w[1]))
            .collect()
    }
}

// ---------------------------------------------------------------------------------
// Timing

/// Seconds per call of `f`: an untimed warm-up (at least one call, about
/// WARMUP_FRACTION of `budget`), then the median over blocks of calls (each at least
/// BLOCK_S) filling `budget`, MIN_REPS to MAX_REPS of them.
fn seconds_per_call(budget: f64, mut f: impl FnMut()) -> f64 {
    let (mut calls, start) = (0, Instant::now());
    while calls == 0 || start.elapsed().as_secs_f64() < WARMUP_FRACTION * budget {
        f();
        calls += 1;
    }
    let one = (start.elapsed().as_secs_f64() / calls as f64).max(1e-7);
    let block = ((BLOCK_S / one).ceil() as usize).max(1);
    let reps = ((budget / (block as f64 * one)) as usize).clamp(MIN_REPS, MAX_REPS);
    let mut times: Vec<f64> = (0..reps)
        .map(|_| {
            let t = Instant::now();
            (0..block).for_each(|_| f());
            t.elapsed().as_secs_f64() / block as f64
        })
        .collect();
    median(&mut times)
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name).map_or(default, |v| {
        v.parse()
            .unwrap_or_else(|_| panic!("{name}={v}: expected a whole number"))
    })
}

// ---------------------------------------------------------------------------------
// Our measurements

/// The plane of the slice rows and the axis of its square grid.
struct SliceGrid {
    center: Vec<f64>,
    dx: Vec<f64>,
    dy: Vec<f64>,
    axis: Vec<f64>,
}

impl SliceGrid {
    fn new(w: &Workload) -> SliceGrid {
        let center: Vec<f64> = w.theta.iter().map(|&v| v as f64).collect();
        let direction = |period: usize| -> Vec<f64> {
            let half = (period / 2) as f64;
            (0..center.len())
                .map(|i| ((i % period) as f64 - half) * 1e-3)
                .collect()
        };
        let (dx, dy) = (direction(11), direction(5));
        let n = w.spec.grid;
        let axis = (0..n)
            .map(|i| -1.0 + 2.0 * i as f64 / (n - 1) as f64)
            .collect();
        SliceGrid {
            center,
            dx,
            dy,
            axis,
        }
    }

    fn points(&self) -> usize {
        self.axis.len() * self.axis.len()
    }

    /// Seconds per grid point of a whole sweep by `eval`.
    fn seconds_per_point(&self, eval: &Evaluator<f32>) -> f64 {
        let planes = [Plane {
            center: &self.center,
            dx: &self.dx,
            dy: Some(&self.dy),
        }];
        let axis = &self.axis[..];
        let sweep = || {
            let values = slice_values(
                eval,
                &planes,
                axis,
                Some(axis),
                None,
                &Progress::hidden(),
                None,
            );
            black_box(values.expect("a sweep without a log cannot fail"));
        };
        seconds_per_call(BUDGET_S, sweep) / self.points() as f64
    }
}

/// A train() run of `steps` SGD steps on minibatches of `b` rows, recording only at
/// step 0 and at the end.
fn train_steps(w: &Workload, b: usize, steps: usize) {
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
        stop_at_loss: None,
    };
    let mut theta = w.theta.clone();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    let progress = Progress::hidden();
    black_box(train(
        &w.mlp, &w.data, None, &mut theta, &plan, &mut rng, &progress,
    ));
}

fn train_seconds(w: &Workload, b: usize, steps: usize) -> f64 {
    let t = Instant::now();
    train_steps(w, b, steps);
    t.elapsed().as_secs_f64()
}

/// Steps of a timed SGD run on minibatches of `b` rows: about SGD_RUN_S of steps, sized
/// by a probe run less its two records (at least a quarter of the probe counts as steps,
/// so noise in the records cannot make the run huge).
fn sgd_run_steps(w: &Workload, b: usize) -> usize {
    let record = full_gradient_seconds(w, WARMUP_FRACTION * BUDGET_S);
    let probe = train_seconds(w, b, SGD_PROBE_STEPS);
    let per_step = (probe - 2.0 * record).max(0.25 * probe) / SGD_PROBE_STEPS as f64;
    ((SGD_RUN_S / per_step) as usize).max(SGD_PROBE_STEPS)
}

/// SGD steps per second in train() runs of `steps` steps, less their two records (a
/// full-set gradient each).
fn sgd_steps_per_sec(w: &Workload, b: usize, steps: usize) -> f64 {
    let record = full_gradient_seconds(w, WARMUP_FRACTION * BUDGET_S);
    let run = seconds_per_call(BUDGET_S, || train_steps(w, b, steps));
    steps as f64 / (run - 2.0 * record)
}

/// Seconds per full-batch gradient (`ChunkPool::eval_grad`).
fn full_gradient_seconds(w: &Workload, budget: f64) -> f64 {
    let pool = ChunkPool::new(&w.mlp);
    let mut g = vec![0.0f32; w.mlp.n_params()];
    seconds_per_call(budget, || {
        black_box(pool.eval_grad(&w.mlp, &w.data, &w.theta, &mut g));
    })
}

/// Seconds per Hessian-vector product (`MlpObjective::hvp`).
fn hvp_seconds(w: &Workload) -> f64 {
    let obj = MlpObjective::new(&w.mlp, &w.data);
    let v: Vec<f32> = (0..w.mlp.n_params())
        .map(|i| ((i % 7) as f32 - 3.0) * 0.01)
        .collect();
    let mut hv = vec![0.0f32; w.mlp.n_params()];
    seconds_per_call(BUDGET_S, || obj.hvp(&w.theta, &v, &mut hv))
}

// ---------------------------------------------------------------------------------
// Matrix products: operation counts and the bare-gemm ceiling

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Kind {
    /// C += A Bᵀ (forward).
    Nt,
    /// C = A B (input gradients).
    Nn,
    /// C += Aᵀ B (weight gradients).
    Tn,
}

/// One matrix product of an operation: C (m × n) from an inner dimension k.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Product {
    kind: Kind,
    m: usize,
    n: usize,
    k: usize,
}

impl Product {
    fn new(kind: Kind, m: usize, n: usize, k: usize) -> Product {
        Product { kind, m, n, k }
    }

    fn macs(self) -> usize {
        self.m * self.n * self.k
    }

    /// Runs it as the library does (accumulating except for input gradients).
    fn run(self, a: &[f32], b: &[f32], c: &mut [f32]) {
        let Product { m, n, k, .. } = self;
        match self.kind {
            Kind::Nt => mm_nt(m, n, k, a, b, c, true, Split::Whole),
            Kind::Nn => mm_nn(m, n, k, a, b, c, false, Split::Whole),
            Kind::Tn => mm_tn(m, n, k, a, b, c, true, Split::Whole),
        }
    }
}

fn flops(products: &[Product]) -> f64 {
    2.0 * products.iter().map(|p| p.macs()).sum::<usize>() as f64
}

/// Forward products on `m` rows from layer `from` on (1: the first layer's product is
/// not done, as on the reuse slice path).
fn forward_products(w: &Workload, m: usize, from: usize) -> Vec<Product> {
    w.layers()
        .into_iter()
        .skip(from)
        .map(|(fi, fo)| Product::new(Kind::Nt, m, fo, fi))
        .collect()
}

/// Gradient on `m` rows: forward, then dW of every layer and dX of all but the first.
fn gradient_products(w: &Workload, m: usize) -> Vec<Product> {
    let mut list = forward_products(w, m, 0);
    for (l, &(fi, fo)) in w.layers().iter().enumerate().rev() {
        list.push(Product::new(Kind::Tn, fo, fi, m));
        if l > 0 {
            list.push(Product::new(Kind::Nn, m, fi, fo));
        }
    }
    list
}

/// HVP on `m` rows, the products of `Mlp::hvp_batch` without the gradient: forward;
/// R-forward (V and, past the first layer, R a · W); backward (R δ · input and, past the
/// first layer, δ · R a, R δ · W, δ · V, δ · W).
fn hvp_products(w: &Workload, m: usize) -> Vec<Product> {
    let mut list = forward_products(w, m, 0);
    for (l, &(fi, fo)) in w.layers().iter().enumerate() {
        let copies = if l > 0 { 2 } else { 1 };
        list.extend(std::iter::repeat_n(
            Product::new(Kind::Nt, m, fo, fi),
            copies,
        ));
    }
    for (l, &(fi, fo)) in w.layers().iter().enumerate().rev() {
        let tn = if l > 0 { 2 } else { 1 };
        let nn = if l > 0 { 3 } else { 0 };
        list.extend(std::iter::repeat_n(Product::new(Kind::Tn, fo, fi, m), tn));
        list.extend(std::iter::repeat_n(Product::new(Kind::Nn, m, fi, fo), nn));
    }
    list
}

/// Operands big enough for every product of a list.
struct Operands {
    a: Vec<f32>,
    b: Vec<f32>,
    c: Vec<f32>,
}

impl Operands {
    fn new(products: &[Product]) -> Operands {
        let size = |f: fn(&Product) -> usize| products.iter().map(f).max().unwrap_or(0);
        let fill =
            |len: usize| -> Vec<f32> { (0..len).map(|i| 0.01 * (i % 7 + 1) as f32).collect() };
        Operands {
            a: fill(size(|p| p.m * p.k)),
            b: fill(size(|p| p.n * p.k)),
            c: fill(size(|p| p.m * p.n)),
        }
    }

    fn pass(&mut self, products: &[Product]) {
        for p in products {
            p.run(&self.a, &self.b, &mut self.c);
        }
    }
}

/// Bare-gemm GFLOP/s of `products`, one independent copy per thread, all at once.
fn measure_ceiling(products: &[Product], threads: usize) -> f64 {
    let mut probe = Operands::new(products);
    probe.pass(products);
    let t = Instant::now();
    probe.pass(products);
    let one = t.elapsed().as_secs_f64().max(1e-9);
    let passes = ((CEILING_S / one).ceil() as usize).max(1);
    let barrier = Barrier::new(threads);
    let spans: Vec<(Instant, Instant)> = std::thread::scope(|s| {
        let copies: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut ops = Operands::new(products);
                    ops.pass(products);
                    barrier.wait();
                    let start = Instant::now();
                    (0..passes).for_each(|_| ops.pass(products));
                    (start, Instant::now())
                })
            })
            .collect();
        copies.into_iter().map(|c| c.join().unwrap()).collect()
    });
    let start = spans.iter().map(|s| s.0).min().unwrap();
    let end = spans.iter().map(|s| s.1).max().unwrap();
    threads as f64 * passes as f64 * flops(products) / (end - start).as_secs_f64() / 1e9
}

/// Ceilings measured so far, by product list.
struct Ceilings {
    threads: usize,
    known: HashMap<Vec<Product>, f64>,
}

impl Ceilings {
    fn get(&mut self, products: Vec<Product>) -> f64 {
        let threads = self.threads;
        *self
            .known
            .entry(products)
            .or_insert_with_key(|p| measure_ceiling(p, threads))
    }
}

// ---------------------------------------------------------------------------------
// The PyTorch side

/// The persistent `torch_workloads.py --serve` process.
struct Torch {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    /// Its version, CPU capability and threads.
    about: String,
}

impl Torch {
    /// The server run by LOSSCAPE_TORCH_PYTHON, or why there is none.
    fn start(threads: usize) -> Result<Torch, String> {
        let python = std::env::var("LOSSCAPE_TORCH_PYTHON")
            .map_err(|_| "LOSSCAPE_TORCH_PYTHON is not set".to_string())?;
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/torch_workloads.py");
        let mut child = Command::new(&python)
            .args([script, "--serve", "--threads", &threads.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("{python}: {e}"))?;
        let stdin = child.stdin.take().expect("piped stdin");
        let stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        let mut torch = Torch {
            child,
            stdin,
            stdout,
            about: String::new(),
        };
        let hello = torch.reply().map_err(|e| format!("{python}: {e}"))?;
        if let Some(e) = hello["error"].as_str() {
            return Err(format!("{python}: {e}"));
        }
        torch.about = format!(
            "torch {}, CPU capability {}, {} threads",
            hello["torch"].as_str().unwrap_or("?"),
            hello["capability"].as_str().unwrap_or("?"),
            hello["threads"]
        );
        Ok(torch)
    }

    /// The next JSON line it writes.
    fn reply(&mut self) -> Result<Value, String> {
        let mut line = String::new();
        match self.stdout.read_line(&mut line) {
            Ok(0) => Err("exited without answering".into()),
            Ok(_) => serde_json::from_str(&line).map_err(|e| format!("{e} in {line:?}")),
            Err(e) => Err(e.to_string()),
        }
    }

    /// Its figure for `request`: ms per operation or operations per second.
    fn ask(&mut self, request: &Value) -> f64 {
        writeln!(self.stdin, "{request}")
            .and_then(|_| self.stdin.flush())
            .unwrap_or_else(|e| panic!("writing to torch_workloads.py: {e}"));
        let reply = self
            .reply()
            .unwrap_or_else(|e| panic!("torch_workloads.py on {request}: {e}"));
        if let Some(e) = reply["error"].as_str() {
            panic!("torch_workloads.py on {request}: {e}");
        }
        reply["ms"]
            .as_f64()
            .or_else(|| reply["per_s"].as_f64())
            .unwrap_or_else(|| panic!("torch_workloads.py on {request}: answered {reply}"))
    }
}

impl Drop for Torch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------------------------
// Rows

#[derive(Clone, Copy)]
enum Unit {
    /// Milliseconds per operation.
    Ms,
    /// Steps per second.
    PerSec,
}

impl Unit {
    fn show(self, v: f64) -> String {
        match self {
            Unit::Ms if v < 1.0 => format!("{v:.4} ms"),
            Unit::Ms if v < 100.0 => format!("{v:.3} ms"),
            Unit::Ms => format!("{v:.1} ms"),
            Unit::PerSec => format!("{v:.0}/s"),
        }
    }

    fn seconds(self, v: f64) -> f64 {
        match self {
            Unit::Ms => v * 1e-3,
            Unit::PerSec => 1.0 / v,
        }
    }
}

enum Target {
    None,
    /// Our speed over PyTorch's at least this.
    Speedup(f64),
    /// Our HVP time over our gradient time at most `max`; `actual` measured.
    HvpPerGrad {
        max: f64,
        actual: f64,
    },
}

impl Target {
    fn text(&self) -> String {
        match self {
            Target::None => "–".into(),
            Target::Speedup(t) => format!("≥ {t}×"),
            Target::HvpPerGrad { max, actual } => format!("hvp/grad ≤ {max} ({actual:.2})"),
        }
    }

    fn status(&self, ratio: Option<f64>) -> &'static str {
        let verdict = |ok: bool| if ok { "ok" } else { "MISSED" };
        match (self, ratio) {
            (Target::None, _) => "",
            (Target::Speedup(t), Some(r)) => verdict(r >= *t),
            (Target::Speedup(_), None) => "–",
            (Target::HvpPerGrad { max, actual }, _) => verdict(actual <= max),
        }
    }
}

/// Our figure and PyTorch's (when it runs), one each per round.
struct Rounds {
    unit: Unit,
    ours: Vec<f64>,
    torch: Vec<f64>,
}

impl Rounds {
    /// Our speed over PyTorch's in each round.
    fn ratios(&self) -> Vec<f64> {
        self.ours
            .iter()
            .zip(&self.torch)
            .map(|(&o, &t)| match self.unit {
                Unit::Ms => t / o,
                Unit::PerSec => o / t,
            })
            .collect()
    }
}

struct Row {
    workload: String,
    measure: String,
    rounds: Rounds,
    target: Target,
    /// Floating-point operations of one operation (point, step, gradient, HVP).
    flops: f64,
    /// Bare-gemm GFLOP/s on the same products.
    ceiling: f64,
}

const COLUMNS: [(&str, usize); 11] = [
    ("workload", 8),
    ("measure", 26),
    ("ours", 11),
    ("PyTorch", 11),
    ("ratio", 8),
    ("min–max", 13),
    ("target", 24),
    ("status", 6),
    ("GFLOP/s", 8),
    ("ceiling", 8),
    ("% ceil", 7),
];

fn print_line(cells: &[String]) {
    let line: Vec<String> = cells
        .iter()
        .zip(COLUMNS)
        .enumerate()
        .map(|(i, (c, (_, width)))| match i {
            0 | 1 | 6 => format!("{c:<width$}"),
            _ => format!("{c:>width$}"),
        })
        .collect();
    println!("{}", line.join(" ").trim_end());
}

fn print_header() {
    print_line(&COLUMNS.map(|(name, _)| name.to_string()));
}

impl Row {
    fn print(&self) {
        let unit = self.rounds.unit;
        let ours = median(&mut self.rounds.ours.clone());
        let mut ratios = self.rounds.ratios();
        let ratio = (!ratios.is_empty()).then(|| median(&mut ratios));
        let dash = || "–".to_string();
        let gflops = self.flops / unit.seconds(ours) / 1e9;
        print_line(&[
            self.workload.clone(),
            self.measure.clone(),
            unit.show(ours),
            match self.rounds.torch.is_empty() {
                true => dash(),
                false => unit.show(median(&mut self.rounds.torch.clone())),
            },
            ratio.map_or_else(dash, |r| format!("{r:.2}×")),
            match ratio {
                Some(_) => format!("{:.2}–{:.2}", ratios[0], ratios[ratios.len() - 1]),
                None => dash(),
            },
            self.target.text(),
            self.target.status(ratio).to_string(),
            format!("{gflops:.1}"),
            format!("{:.1}", self.ceiling),
            format!("{:.0}%", 100.0 * gflops / self.ceiling),
        ]);
    }
}

/// What every row needs: rounds, the PyTorch server, the ceilings measured so far.
struct Bench {
    rounds: usize,
    torch: Option<Torch>,
    ceilings: Ceilings,
}

impl Bench {
    /// `rounds` rounds of `ours()` (in `unit`), each followed by PyTorch's answer to
    /// `request`.
    fn compare(&mut self, unit: Unit, request: Value, mut ours: impl FnMut() -> f64) -> Rounds {
        let mut r = Rounds {
            unit,
            ours: Vec::new(),
            torch: Vec::new(),
        };
        for _ in 0..self.rounds {
            r.ours.push(ours());
            if let Some(torch) = self.torch.as_mut() {
                r.torch.push(torch.ask(&request));
            }
        }
        r
    }

    fn row(
        &mut self,
        w: &Workload,
        measure: String,
        rounds: Rounds,
        target: Target,
        products: Vec<Product>,
    ) {
        Row {
            workload: w.label(),
            measure,
            rounds,
            target,
            flops: flops(&products),
            ceiling: self.ceilings.get(products),
        }
        .print();
    }

    /// Slice per point with the Evaluator's own first-layer path, then with the direct
    /// path.
    fn slice(&mut self, w: &Workload) {
        let grid = SliceGrid::new(w);
        let request = json!({"workload": w.spec.key, "measure": "slice", "budget_s": BUDGET_S});
        let target = match w.spec.key {
            "i" => Target::Speedup(10.0),
            _ => Target::Speedup(3.0),
        };
        let own = Evaluator::new(&w.mlp, &w.data, None);
        let direct = Evaluator::new(&w.mlp, &w.data, None).with_first_layer(FirstLayer::Direct);
        for (eval, target) in [(own, target), (direct, Target::None)] {
            let path = eval.first_layer();
            let skip = match path {
                FirstLayer::Reuse => 1,
                FirstLayer::Direct => 0,
            };
            let rounds = self.compare(Unit::Ms, request.clone(), || {
                grid.seconds_per_point(&eval) * 1e3
            });
            let measure = match target {
                Target::None => format!("slice per point, {}", path.name()),
                _ => format!("slice per point ({})", path.name()),
            };
            let products = forward_products(w, w.data.n, skip);
            self.row(w, measure, rounds, target, products);
        }
    }

    fn sgd(&mut self, w: &Workload, batch: usize, target: Target) {
        let request =
            json!({"workload": w.spec.key, "measure": "sgd", "batch": batch, "budget_s": BUDGET_S});
        let steps = sgd_run_steps(w, batch);
        let rounds = self.compare(Unit::PerSec, request, || sgd_steps_per_sec(w, batch, steps));
        let products = gradient_products(w, batch);
        self.row(
            w,
            format!("SGD steps/s, batch {batch}"),
            rounds,
            target,
            products,
        );
    }

    fn gradient(&mut self, w: &Workload) {
        let request = json!({"workload": w.spec.key, "measure": "grad", "budget_s": BUDGET_S});
        let rounds = self.compare(Unit::Ms, request, || {
            full_gradient_seconds(w, BUDGET_S) * 1e3
        });
        let target = match w.spec.key {
            "iii" => Target::Speedup(1.2),
            _ => Target::None,
        };
        let products = gradient_products(w, w.data.n);
        self.row(w, "full-batch gradient".into(), rounds, target, products);
    }

    /// HVP against PyTorch's; each round also times our gradient for hvp/grad.
    fn hvp(&mut self, w: &Workload) {
        let request = json!({"workload": w.spec.key, "measure": "hvp", "budget_s": BUDGET_S});
        let mut per_grad = Vec::new();
        let rounds = self.compare(Unit::Ms, request, || {
            let hvp = hvp_seconds(w);
            per_grad.push(hvp / full_gradient_seconds(w, BUDGET_S));
            hvp * 1e3
        });
        let target = Target::HvpPerGrad {
            max: HVP_PER_GRAD_MAX,
            actual: median(&mut per_grad),
        };
        let products = hvp_products(w, w.data.n);
        self.row(w, "HVP".into(), rounds, target, products);
    }
}

// ---------------------------------------------------------------------------------
// The run

#[derive(Clone, Copy, PartialEq, Eq)]
enum Measure {
    Slice,
    Sgd,
    Grad,
    Hvp,
}

impl Measure {
    const ALL: [Measure; 4] = [Measure::Slice, Measure::Sgd, Measure::Grad, Measure::Hvp];

    fn name(self) -> &'static str {
        match self {
            Measure::Slice => "slice",
            Measure::Sgd => "sgd",
            Measure::Grad => "grad",
            Measure::Hvp => "hvp",
        }
    }

    /// All measures, or the one LOSSCAPE_BENCH_ONLY names.
    fn selected() -> Vec<Measure> {
        let Ok(only) = std::env::var("LOSSCAPE_BENCH_ONLY") else {
            return Measure::ALL.to_vec();
        };
        let m = Measure::ALL.into_iter().find(|m| m.name() == only);
        vec![m.unwrap_or_else(|| {
            panic!("LOSSCAPE_BENCH_ONLY={only}: expected slice, sgd, grad or hvp")
        })]
    }
}

/// The machine's 1-minute load average: above the thread count, something else was
/// competing for the cores (the rounds then disagree more).
fn print_load(when: &str) {
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let one_minute = load.split_whitespace().next().unwrap_or("unknown");
    println!("load average (1 min) {when}: {one_minute}");
}

/// The value of /proc/cpuinfo's first line starting with `key`.
fn cpuinfo(key: &str) -> Option<String> {
    let text = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    let line = text.lines().find(|l| l.starts_with(key))?;
    Some(line.split_once(':')?.1.trim().to_string())
}

fn print_machine(threads: usize, rounds: usize, torch: &Result<Torch, String>) {
    let flags = cpuinfo("flags").unwrap_or_default();
    let avx512f = flags.split_whitespace().any(|f| f == "avx512f");
    let level = Level::detect();
    println!(
        "CPU: {}",
        cpuinfo("model name").as_deref().unwrap_or("unknown")
    );
    println!(
        "avx512f in /proc/cpuinfo: {}",
        if avx512f { "yes" } else { "no" }
    );
    println!("SIMD level: {}", level.name());
    for (loops, kernels) in level.kernels() {
        println!("  {loops}: {kernels}");
    }
    println!(
        "threads: {threads}; rounds per row: {rounds}; budget per side and round: {BUDGET_S} s"
    );
    match torch {
        Ok(t) => println!("PyTorch: {}", t.about),
        Err(why) => println!("PyTorch: not run ({why})"),
    }
    print_load("at the start");
}

fn print_legend(workloads: &[Workload]) {
    println!("\nWorkloads (f32):");
    for w in workloads {
        println!(
            "  {:<6} {}, {} rows; slice grid {g}×{g}",
            w.label(),
            w.spec.description,
            w.data.n,
            g = w.spec.grid
        );
    }
    println!();
}

fn compare_all(threads: usize) {
    let rounds = env_number("LOSSCAPE_BENCH_ROUNDS", 3).max(1);
    let measures = Measure::selected();
    let torch = Torch::start(threads);
    print_machine(threads, rounds, &torch);
    let workloads: Vec<Workload> = SPECS.iter().map(Workload::load).collect();
    print_legend(&workloads);
    let mut bench = Bench {
        rounds,
        torch: torch.ok(),
        ceilings: Ceilings {
            threads,
            known: HashMap::new(),
        },
    };
    print_header();
    let [i, ii, iii] = &workloads[..] else {
        unreachable!("three workloads")
    };
    for measure in measures {
        match measure {
            Measure::Slice => [i, ii, iii].iter().for_each(|w| bench.slice(w)),
            Measure::Sgd => {
                bench.sgd(i, 1, Target::Speedup(50.0));
                bench.sgd(i, 32, Target::None);
                bench.sgd(ii, 32, Target::None);
                bench.sgd(iii, 32, Target::Speedup(1.5));
                bench.sgd(iii, 256, Target::Speedup(1.2));
            }
            Measure::Grad => [i, ii, iii].iter().for_each(|w| bench.gradient(w)),
            Measure::Hvp => [i, ii, iii].iter().for_each(|w| bench.hvp(w)),
        }
    }
    print_load("at the end");
}

/// LOSSCAPE_BENCH_PROFILE=i|ii|iii[:seconds]: only that workload's full-batch gradient,
/// repeated for `seconds` (default 5), for a profiler attached to the bench binary.
fn profile(spec: &str) {
    let (which, secs) = spec.split_once(':').unwrap_or((spec, "5"));
    let Some(s) = SPECS.iter().find(|s| s.key == which) else {
        panic!("LOSSCAPE_BENCH_PROFILE={spec}: expected i, ii or iii, then optionally :seconds")
    };
    let secs: f64 = secs
        .parse()
        .unwrap_or_else(|_| panic!("LOSSCAPE_BENCH_PROFILE={spec}: seconds is not a number"));
    let w = Workload::load(s);
    let obj = MlpObjective::new(&w.mlp, &w.data);
    let mut g = vec![0.0f32; w.mlp.n_params()];
    let t = Instant::now();
    let mut n = 0;
    while t.elapsed().as_secs_f64() < secs {
        obj.loss_grad(&w.theta, &mut g);
        n += 1;
    }
    println!(
        "{} {}: {:.4} ms per gradient ({n} gradients)",
        w.label(),
        w.spec.description,
        t.elapsed().as_secs_f64() * 1e3 / n as f64
    );
}

fn main() {
    let threads = env_number("RAYON_NUM_THREADS", 2).max(1);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a rayon pool");
    pool.install(|| match std::env::var("LOSSCAPE_BENCH_PROFILE") {
        Ok(spec) => profile(&spec),
        Err(_) => compare_all(threads),
    });
}
