//! Curvature speed and accuracy on the foundation issue's reference workloads:
//!   (i)   [2,16,16,1] tanh, 2,000 spiral points, bce              (P = 337)
//!   (ii)  [64,128,128,10] relu, 1,797 digits, cross_entropy        (P = 26,122)
//!   (iii) [784,512,512,10] relu, 4,096 MNIST images, cross_entropy (P = 669,706)
//!
//! Run: `RAYON_NUM_THREADS=2 cargo bench --bench curvature` (plain tables, no criterion;
//! about 20 minutes on 2 threads, most of it workload (iii) at ~1 s per f64 HVP).
//! - `LOSSCAPE_BENCH_QUICK=1` skips workload (iii) (about 4 minutes).
//! - `LOSSCAPE_BENCH_ONLY=i|ii|iii` runs one workload.
//! - `LOSSCAPE_BENCH_HVP_ONLY=1` stops after the HVP timings (table a).
//!
//! Threads: rayon's default (set RAYON_NUM_THREADS); the count is printed.
//!
//! Each net is first trained briefly with Adam (batch 32) from the PyTorch init (seed 0),
//! so the Hessian is that of a trained net, not of an init. Unless stated, solvers run
//! in f64 on the same operator (exact HVP, `ObjectiveHessian`). Tables:
//!   a. HVP time, f32 and f64 (median ms).
//!   b. Wall time of "top-3 eigenvalues + trace + λmin" (median of 5 / 3 / 1 runs):
//!      - ours = Lanczos (top 3 + bottom 1, ≤ 100 steps, tol 1e-6 = the hessian kind's
//!        default) + Hutch++ (99 HVPs);
//!      - ours-lean = the same with f32 HVPs (converted at the operator boundary),
//!        ≤ 40 Lanczos steps and 30 Hutch++ HVPs;
//!      - PH-style = PyHessian's algorithms in Rust: deflated power iteration top-3
//!        (maxIter 100, tol 1e-3) + Hutchinson (maxIter 100, tol 1e-3, PyHessian's
//!        stopping rule) + shifted power iteration for λmin (maxIter 100, tol 1e-3);
//!      - torch = benches/torch_curvature_reference.json (PyHessian in PyTorch on random
//!        data of the same shapes, when present); issue = the issue's 0.1 / 0.5 / 4.9 s.
//!   c. Accuracy against a reference: (i) the exact spectrum (P HVPs + dense
//!      eigensolver); (ii)/(iii) a long Lanczos run (top-3 / λmin) and a long Hutch++ run
//!      (trace, ± its standard error).
//!   d. HVPs needed to reach a relative-error target against the reference: Lanczos from
//!      the Ritz values of T_m for every m of one run; power iteration (λmax) from the
//!      Rayleigh quotient after every HVP of runs of doubling length (32, 64, …), shifted
//!      power iteration (λmin, shift = reference λmax) likewise from one capped run;
//!      top-3 by PyHessian's algorithm with its tolerance tightened 10× at a time until
//!      all three are within the target (not run for (iii): cost). A count is the HVP
//!      from which the error stays within the target to the end of the run.

mod common;
use common::median_time;
use losscape::curvature::exact::exact_spectrum;
use losscape::curvature::lanczos::lanczos;
use losscape::curvature::power::{power_iteration_min, power_iteration_top};
use losscape::curvature::trace::hutch_plus_plus;
use losscape::curvature::{HvpOperator, ObjectiveHessian};
use losscape::data::config::{DataConfig, Source};
use losscape::data::load::load;
use losscape::linalg::dot;
use losscape::nn::Samples;
use losscape::nn::{Activation, Init, Loss, Mlp};
use losscape::objective::{MlpObjective, Objective};
use losscape::optim::{train, Hyper, Length, OptimizerKind, TrainPlan};
use losscape::progress::Progress;
use nalgebra::DMatrix;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::fmt::Write;
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Lanczos step budget and tolerance for "ours" (tol = the hessian kind's default).
const LZ_STEPS: usize = 100;
const LZ_TOL: f64 = 1e-6;
/// Hutch++ budget for "ours".
const TRACE_HVPS: usize = 99;
/// The lean variant's budgets (f32 HVPs).
const LEAN_STEPS: usize = 40;
const LEAN_TRACE_HVPS: usize = 30;
/// PyHessian's defaults.
const PH_MAX_ITER: usize = 100;
const PH_TOL: f64 = 1e-3;

/// One reference workload and its bench settings.
struct Spec {
    key: &'static str,
    name: &'static str,
    source: Source,
    layers: &'static [usize],
    act: Activation,
    loss: Loss,
    limit: Option<usize>,
    /// Adam steps (batch 32) and learning rate for the center.
    train: (usize, f64),
    /// The issue's PyTorch wall time for top-3 + trace + λmin.
    issue_s: f64,
    /// 0 = exact spectrum; else the reference Lanczos steps and Hutch++ HVPs.
    ref_steps: usize,
    ref_trace_hvps: usize,
    /// Table d: relative-error target, Lanczos step cap, power-iteration HVP caps for
    /// λmax and λmin, and whether to run the top-3 tolerance sweep.
    target: f64,
    lz_cap: usize,
    pw_cap: usize,
    pw_min_cap: usize,
    top3_sweep: bool,
    /// Repetitions of each table-b timing (the median is reported).
    reps: usize,
}

const SPECS: [Spec; 3] = [
    Spec {
        key: "i",
        name: "(i) spirals [2,16,16,1] tanh",
        source: Source::Spirals,
        layers: &[2, 16, 16, 1],
        act: Activation::Tanh,
        loss: Loss::Bce,
        limit: None,
        train: (2000, 1e-2),
        issue_s: 0.1,
        ref_steps: 0,
        ref_trace_hvps: 0,
        target: 1e-6,
        lz_cap: 337,
        pw_cap: 4096,
        pw_min_cap: 4096,
        top3_sweep: true,
        reps: 5,
    },
    Spec {
        key: "ii",
        name: "(ii) digits [64,128,128,10] relu",
        source: Source::Digits,
        layers: &[64, 128, 128, 10],
        act: Activation::Relu,
        loss: Loss::CrossEntropy,
        limit: None,
        train: (1000, 1e-3),
        issue_s: 0.5,
        ref_steps: 300,
        ref_trace_hvps: 1500,
        target: 1e-6,
        lz_cap: 200,
        pw_cap: 2048,
        pw_min_cap: 1024,
        top3_sweep: true,
        reps: 3,
    },
    Spec {
        key: "iii",
        name: "(iii) mnist [784,512,512,10] relu",
        source: Source::Mnist,
        layers: &[784, 512, 512, 10],
        act: Activation::Relu,
        loss: Loss::CrossEntropy,
        limit: Some(4096),
        train: (200, 1e-3),
        issue_s: 4.9,
        ref_steps: 150,
        ref_trace_hvps: 150,
        target: 1e-4,
        lz_cap: 100,
        pw_cap: 256,
        pw_min_cap: 100,
        top3_sweep: false,
        reps: 1,
    },
];

struct Workload {
    mlp: Mlp,
    data32: Samples<f32>,
    data64: Samples<f64>,
    theta32: Vec<f32>,
    theta64: Vec<f64>,
}

/// Builds a workload as benches/workloads.rs does, then trains it with Adam (batch 32).
fn workload(s: &Spec) -> Workload {
    let mut cfg = DataConfig::new(s.source);
    if s.source == Source::Spirals {
        cfg.n = Some(2000);
    }
    cfg.limit_train = s.limit;
    cfg.standardize = s.source == Source::Digits;
    let split = load(&cfg, Path::new("bench.toml"), 0, s.loss.uses_labels()).expect("bundled data");
    let mlp = Mlp::new(s.layers, s.act, s.loss);
    let k = *s.layers.last().unwrap();
    let data32 = Samples::new(&split.train, s.loss, k, "bench").unwrap();
    let data64 = Samples::new(&split.train, s.loss, k, "bench").unwrap();
    let mut theta32: Vec<f32> = Init::Pytorch.theta(&mlp.layout, &mut ChaCha8Rng::seed_from_u64(0));
    let (steps, lr) = s.train;
    let plan = TrainPlan {
        optimizer: OptimizerKind::Adam,
        hyper: Hyper::default(),
        lr,
        schedule: losscape::optim::Schedule::Constant,
        batch_size: Some(32),
        length: Length::Steps(steps),
        record_every: steps,
        snapshot_every: 0,
        patience: None,
        stop_at_loss: None,
    };
    let obj = MlpObjective::new(&mlp, &data32);
    let before = obj.loss(&theta32);
    let t = Instant::now();
    train(
        &mlp,
        &data32,
        None,
        &mut theta32,
        &plan,
        &mut ChaCha8Rng::seed_from_u64(1),
        &Progress::hidden(),
    );
    let ev = obj.eval(&theta32);
    println!(
        "{}: P = {}, n = {}; Adam lr {lr} batch 32, {steps} steps in {:.1} s: loss {before:.4} -> {:.4}, train accuracy {:.3}",
        s.name,
        mlp.n_params(),
        data32.n,
        t.elapsed().as_secs_f64(),
        ev.loss,
        ev.accuracy.unwrap_or(f64::NAN)
    );
    let theta64 = theta32.iter().map(|&v| v as f64).collect();
    Workload {
        mlp,
        data32,
        data64,
        theta32,
        theta64,
    }
}

fn rel(x: f64, r: f64) -> f64 {
    (x - r).abs() / r.abs()
}

/// The Hessian with f32 HVPs: v is rounded to f32, Hv computed in f32, widened back.
struct F32Hessian<'a> {
    obj: &'a MlpObjective<'a, f32>,
    theta: &'a [f32],
}

impl HvpOperator for F32Hessian<'_> {
    fn dim(&self) -> usize {
        self.theta.len()
    }
    fn apply(&self, v: &[f64], out: &mut [f64]) {
        let v32: Vec<f32> = v.iter().map(|&x| x as f32).collect();
        let mut h32 = vec![0.0f32; v.len()];
        self.obj.hvp(self.theta, &v32, &mut h32);
        out.iter_mut().zip(&h32).for_each(|(o, &h)| *o = h as f64);
    }
}

/// PyHessian's `hessian.trace`: Rademacher Hutchinson, stopping when the running mean
/// changes by less than `tol` relatively (|mean − prev| / (prev + 1e-6), as PyHessian
/// writes it, prev starting at 0) or after `max_iter` HVPs. Returns (mean, HVPs).
fn pyhessian_trace(
    op: &dyn HvpOperator,
    max_iter: usize,
    tol: f64,
    rng: &mut ChaCha8Rng,
) -> (f64, usize) {
    let n = op.dim();
    let mut hz = vec![0.0; n];
    let (mut sum, mut prev) = (0.0, 0.0);
    for i in 1..=max_iter {
        let z: Vec<f64> = (0..n)
            .map(|_| if rng.random::<bool>() { 1.0 } else { -1.0 })
            .collect();
        op.apply(&z, &mut hz);
        sum += dot(&z, &hz);
        let mean = sum / i as f64;
        if (mean - prev).abs() / (prev + 1e-6) < tol {
            return (mean, i);
        }
        prev = mean;
    }
    (sum / max_iter as f64, max_iter)
}

/// Records, for each application to v, the Rayleigh quotient vᵀHv / vᵀv (power
/// iteration's estimate; for Lanczos α_t) and v_tᵀ H v_{t−1} (for Lanczos β_{t−1}).
struct Recorder<'a> {
    op: &'a dyn HvpOperator,
    /// (Rayleigh quotients, couplings, the previous Hv)
    log: Mutex<(Vec<f64>, Vec<f64>, Vec<f64>)>,
}

impl<'a> Recorder<'a> {
    fn new(op: &'a dyn HvpOperator) -> Self {
        Recorder {
            op,
            log: Mutex::new((vec![], vec![], vec![])),
        }
    }
    fn take(self) -> (Vec<f64>, Vec<f64>) {
        let (r, b, _) = self.log.into_inner().unwrap();
        (r, b)
    }
}

impl HvpOperator for Recorder<'_> {
    fn dim(&self) -> usize {
        self.op.dim()
    }
    fn apply(&self, v: &[f64], out: &mut [f64]) {
        self.op.apply(v, out);
        let mut log = self.log.lock().unwrap();
        let (rq, beta, prev) = &mut *log;
        rq.push(dot(v, out) / dot(v, v));
        if !prev.is_empty() {
            beta.push(dot(v, prev));
        }
        prev.clear();
        prev.extend_from_slice(out);
    }
}

/// Eigenvalues (ascending) of the symmetric tridiagonal matrix tridiag(β, α, β).
fn tridiag_eigs(alpha: &[f64], beta: &[f64]) -> Vec<f64> {
    let m = alpha.len();
    let t = DMatrix::from_fn(m, m, |i, j| match i.abs_diff(j) {
        0 => alpha[i],
        1 => beta[i.min(j)],
        _ => 0.0,
    });
    let mut e: Vec<f64> = t.symmetric_eigenvalues().iter().copied().collect();
    e.sort_by(f64::total_cmp);
    e
}

/// The HVP count (1-based) from which `err ≤ target` holds to the end, and the best error.
fn first_stable(errs: &[f64], target: f64) -> (Option<usize>, f64) {
    let best = errs.iter().copied().fold(f64::INFINITY, f64::min);
    let n = match errs.iter().rposition(|&e| e.is_nan() || e > target) {
        None if !errs.is_empty() => Some(1),
        Some(i) if i + 1 < errs.len() => Some(i + 2),
        _ => None,
    };
    (n, best)
}

/// Runs `run(len)` (a deterministic run of `len` HVPs giving the error after each one)
/// with len = start, 2·start, … up to `cap`, until the error is within `target` at the end
/// of a run; then [`first_stable`] of that run.
fn doubling(
    start: usize,
    cap: usize,
    target: f64,
    mut run: impl FnMut(usize) -> Vec<f64>,
) -> (Option<usize>, f64) {
    let mut len = start.min(cap);
    let mut best = f64::INFINITY;
    loop {
        let errs = run(len);
        let (n, b) = first_stable(&errs, target);
        best = best.min(b);
        if n.is_some() || len >= cap {
            return (n, best);
        }
        len = (2 * len).min(cap);
    }
}

/// The extremes of the spectrum and the trace, and how they were obtained.
struct Reference {
    top: Vec<f64>,
    lmin: f64,
    trace: f64,
    trace_stderr: f64,
    how: String,
}

/// One method's answer in table b / c.
struct Answer {
    label: &'static str,
    seconds: f64,
    hvps: String,
    hvp_total: usize,
    top: Vec<f64>,
    lmin: f64,
    trace: f64,
    note: String,
}

/// ours: Lanczos (top 3 + bottom 1) + Hutch++.
fn ours(label: &'static str, op: &dyn HvpOperator, steps: usize, trace_hvps: usize) -> Answer {
    let t = Instant::now();
    let lz = lanczos(op, 3, 1, steps, LZ_TOL, &mut ChaCha8Rng::seed_from_u64(10));
    let tr = hutch_plus_plus(op, trace_hvps, &mut ChaCha8Rng::seed_from_u64(11));
    let seconds = t.elapsed().as_secs_f64();
    let conv = lz
        .top
        .iter()
        .chain(&lz.bottom)
        .filter(|e| e.converged)
        .count();
    Answer {
        label,
        seconds,
        hvps: format!("{}+{}", lz.hvps, tr.hvps),
        hvp_total: lz.hvps + tr.hvps,
        top: lz.top.iter().map(|e| e.value).collect(),
        lmin: lz.bottom[0].value,
        trace: tr.trace,
        note: format!(
            "Lanczos {} steps, {conv}/4 pairs converged (residuals top {:.1e} {:.1e} {:.1e}, bottom {:.1e}); trace stderr {:.1e}",
            lz.steps,
            lz.top[0].residual,
            lz.top[1].residual,
            lz.top[2].residual,
            lz.bottom[0].residual,
            tr.stderr
        ),
    }
}

/// PyHessian-style: deflated power top-3 + Hutchinson + shifted power λmin.
fn pyhessian_style(op: &dyn HvpOperator) -> Answer {
    let mut rng = ChaCha8Rng::seed_from_u64(20);
    let t = Instant::now();
    let (top, _, h_top) = power_iteration_top(op, 3, PH_MAX_ITER, PH_TOL, &mut rng);
    let (trace, h_tr) = pyhessian_trace(op, PH_MAX_ITER, PH_TOL, &mut rng);
    let (lmin, h_min) = power_iteration_min(op, top[0], PH_MAX_ITER, PH_TOL, &mut rng);
    Answer {
        label: "PH-style",
        seconds: t.elapsed().as_secs_f64(),
        hvps: format!("{h_top}+{h_tr}+{h_min}"),
        hvp_total: h_top + h_tr + h_min,
        top,
        lmin,
        trace,
        note: String::new(),
    }
}

fn reference(s: &Spec, op: &dyn HvpOperator) -> Reference {
    let p = op.dim();
    if s.ref_steps == 0 {
        let (vals, _, asym) = exact_spectrum(op);
        return Reference {
            top: vals.iter().rev().take(3).copied().collect(),
            lmin: vals[0],
            trace: vals.iter().sum(),
            trace_stderr: 0.0,
            how: format!("exact spectrum ({p} HVPs, asymmetry {asym:.1e})"),
        };
    }
    let lr = lanczos(
        op,
        3,
        1,
        s.ref_steps,
        1e-12,
        &mut ChaCha8Rng::seed_from_u64(30),
    );
    let tr = hutch_plus_plus(op, s.ref_trace_hvps, &mut ChaCha8Rng::seed_from_u64(31));
    Reference {
        top: lr.top.iter().map(|e| e.value).collect(),
        lmin: lr.bottom[0].value,
        trace: tr.trace,
        trace_stderr: tr.stderr,
        how: format!(
            "Lanczos {} steps (residuals top {:.1e} {:.1e} {:.1e}, bottom {:.1e}), Hutch++ {} HVPs",
            lr.steps,
            lr.top[0].residual,
            lr.top[1].residual,
            lr.top[2].residual,
            lr.bottom[0].residual,
            tr.hvps
        ),
    }
}

fn accuracy_table(name: &str, rf: &Reference, answers: &[Answer]) -> String {
    let mut s = String::new();
    writeln!(s, "{name}   reference: {}", rf.how).unwrap();
    writeln!(
        s,
        "  {:<12} {:>12} {:>12} {:>12} {:>12} {:>18}",
        "", "λ1", "λ2", "λ3", "λmin", "trace"
    )
    .unwrap();
    let tr_ref = if rf.trace_stderr > 0.0 {
        format!("{:.5} ± {:.1e}", rf.trace, rf.trace_stderr)
    } else {
        format!("{:.6}", rf.trace)
    };
    writeln!(
        s,
        "  {:<12} {:>12.6} {:>12.6} {:>12.6} {:>12.6} {:>18}",
        "reference", rf.top[0], rf.top[1], rf.top[2], rf.lmin, tr_ref
    )
    .unwrap();
    for a in answers {
        writeln!(
            s,
            "  {:<12} {:>12.6} {:>12.6} {:>12.6} {:>12.6} {:>18.6}",
            a.label, a.top[0], a.top[1], a.top[2], a.lmin, a.trace
        )
        .unwrap();
        writeln!(
            s,
            "  {:<12} {:>12.1e} {:>12.1e} {:>12.1e} {:>12.1e} {:>18.1e}",
            "  rel. err",
            rel(a.top[0], rf.top[0]),
            rel(a.top[1], rf.top[1]),
            rel(a.top[2], rf.top[2]),
            rel(a.lmin, rf.lmin),
            rel(a.trace, rf.trace)
        )
        .unwrap();
    }
    s
}

fn hvps_to_target(s: &Spec, op: &dyn HvpOperator, rf: &Reference) -> String {
    let target = s.target;
    // Lanczos: one run of lz_cap steps without early stop (tol 0); Ritz values of every
    // T_m (the recurrence is the same as a run stopped at m).
    let rec = Recorder::new(op);
    let res = lanczos(
        &rec,
        3,
        1,
        s.lz_cap,
        0.0,
        &mut ChaCha8Rng::seed_from_u64(40),
    );
    let (alpha, beta) = rec.take();
    let m_max = res.steps;
    let (mut e1, mut e3, mut emin) = (vec![], vec![], vec![]);
    for m in 1..=m_max {
        let e = tridiag_eigs(&alpha[..m], &beta[..m - 1]);
        let top: Vec<f64> = e.iter().rev().take(3).copied().collect();
        e1.push(rel(top[0], rf.top[0]));
        e3.push(
            (0..3)
                .map(|i| top.get(i).map_or(f64::INFINITY, |&x| rel(x, rf.top[i])))
                .fold(0.0, f64::max),
        );
        emin.push(rel(e[0], rf.lmin));
    }
    let lz1 = first_stable(&e1, target);
    let lz3 = first_stable(&e3, target);
    let lzmin = first_stable(&emin, target);
    // Power iteration λmax: Rayleigh quotient after each HVP (tol 0: no early stop).
    let pw1 = doubling(32, s.pw_cap, target, |len| {
        let rec = Recorder::new(op);
        power_iteration_top(&rec, 1, len, 0.0, &mut ChaCha8Rng::seed_from_u64(41));
        rec.take().0.iter().map(|&x| rel(x, rf.top[0])).collect()
    });
    // Shifted power λmin (shift = the reference λmax): μ + λmax after each HVP; one run
    // of pw_min_cap HVPs (it is expected to be slow).
    let pwmin = doubling(s.pw_min_cap, s.pw_min_cap, target, |len| {
        let rec = Recorder::new(op);
        power_iteration_min(
            &rec,
            rf.top[0],
            len,
            0.0,
            &mut ChaCha8Rng::seed_from_u64(42),
        );
        rec.take().0.iter().map(|&x| rel(x, rf.lmin)).collect()
    });
    // Deflated power top-3: PyHessian's algorithm, tolerance tightened until all three
    // are within the target (per-pair maxIter = pw_cap).
    let pw3 = if s.top3_sweep {
        let mut best = f64::INFINITY;
        let mut found = None;
        let mut tol = 1e-3;
        while tol >= 1e-13 && found.is_none() {
            let (vals, _, hvps) =
                power_iteration_top(op, 3, s.pw_cap, tol, &mut ChaCha8Rng::seed_from_u64(43));
            let e = (0..3).map(|i| rel(vals[i], rf.top[i])).fold(0.0, f64::max);
            best = best.min(e);
            if e <= target {
                found = Some((hvps, tol));
            }
            tol /= 10.0;
        }
        Some((found, best))
    } else {
        None
    };
    let lzfmt = |(n, best): (Option<usize>, f64)| match n {
        Some(n) => format!("{n}"),
        None => format!("> {m_max} (err {best:.0e})"),
    };
    let pwfmt = |(n, best): (Option<usize>, f64), cap: usize| match n {
        Some(n) => format!("{n}"),
        None => format!("> {cap} (err {best:.0e})"),
    };
    let ratio = |a: Option<usize>, b: Option<usize>, cap: usize| match (a, b) {
        (Some(a), Some(b)) => format!("{:.1}x", b as f64 / a as f64),
        (Some(a), None) => format!("> {:.0}x", cap as f64 / a as f64),
        _ => "-".into(),
    };
    let mut out = String::new();
    writeln!(out, "{}   target relative error {target:.0e}", s.name).unwrap();
    writeln!(
        out,
        "  {:<6} {:>20} {:>44} {:>14}",
        "", "Lanczos HVPs", "power iteration HVPs", "power/Lanczos"
    )
    .unwrap();
    writeln!(
        out,
        "  {:<6} {:>20} {:>44} {:>14}",
        "λmax",
        lzfmt(lz1),
        pwfmt(pw1, s.pw_cap),
        ratio(lz1.0, pw1.0, s.pw_cap)
    )
    .unwrap();
    let (pw3s, pw3r) = match pw3 {
        Some((Some((h, tol)), _)) => (
            format!("{h} (PyHessian with tol {tol:.0e})"),
            ratio(lz3.0, Some(h), 0),
        ),
        Some((None, best)) => (
            format!("not reached, tol ≥ 1e-13 (err {best:.0e})"),
            "-".into(),
        ),
        None => ("not run".into(), "-".into()),
    };
    writeln!(
        out,
        "  {:<6} {:>20} {:>44} {:>14}",
        "top-3",
        lzfmt(lz3),
        pw3s,
        pw3r
    )
    .unwrap();
    writeln!(
        out,
        "  {:<6} {:>20} {:>44} {:>14}",
        "λmin",
        lzfmt(lzmin),
        format!("shifted: {}", pwfmt(pwmin, s.pw_min_cap)),
        ratio(lzmin.0, pwmin.0, s.pw_min_cap)
    )
    .unwrap();
    out
}

fn main() {
    let quick = std::env::var_os("LOSSCAPE_BENCH_QUICK").is_some();
    let loadavg = || {
        std::fs::read_to_string("/proc/loadavg")
            .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
            .unwrap_or_else(|_| "?".into())
    };
    println!("load average at start: {}", loadavg());
    let only = std::env::var("LOSSCAPE_BENCH_ONLY").ok();
    let hvp_only = std::env::var_os("LOSSCAPE_BENCH_HVP_ONLY").is_some();
    println!(
        "curvature bench: {} rayon threads (RAYON_NUM_THREADS={}){}",
        rayon::current_num_threads(),
        std::env::var("RAYON_NUM_THREADS").unwrap_or_else(|_| "unset".into()),
        if quick {
            "; LOSSCAPE_BENCH_QUICK: workload (iii) skipped"
        } else {
            ""
        }
    );
    let torch: Option<serde_json::Value> = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/torch_curvature_reference.json"),
    )
    .ok()
    .and_then(|t| serde_json::from_str(&t).ok());
    match &torch {
        Some(t) => println!(
            "torch reference: torch {}, {} threads, {}",
            t["torch"].as_str().unwrap_or("?"),
            t["threads"],
            t["implementation"].as_str().unwrap_or("?")
        ),
        None => println!("torch reference: benches/torch_curvature_reference.json not found"),
    }
    let torch_at = |wi: usize, key: &str| {
        torch
            .as_ref()
            .and_then(|t| t["workloads"][wi][key].as_f64())
            .unwrap_or(f64::NAN)
    };

    let mut table_a = String::new();
    let mut table_b = String::new();
    let mut notes = String::new();
    let mut table_c = String::new();
    let mut table_d = String::new();
    for (wi, s) in SPECS.iter().enumerate() {
        if (quick && s.key == "iii") || only.as_deref().is_some_and(|o| o != s.key) {
            continue;
        }
        let w = workload(s);
        let p = w.mlp.n_params();
        // a. HVP times
        let obj32 = MlpObjective::new(&w.mlp, &w.data32);
        let obj64 = MlpObjective::new(&w.mlp, &w.data64);
        let v32: Vec<f32> = (0..p).map(|i| ((i % 7) as f32 - 3.0) * 0.01).collect();
        let v64: Vec<f64> = v32.iter().map(|&x| x as f64).collect();
        let (mut h32, mut h64) = (vec![0.0f32; p], vec![0.0f64; p]);
        let budget = Duration::from_secs(2);
        let hvp32_ms = median_time(budget, || obj32.hvp(&w.theta32, &v32, &mut h32));
        let hvp64_ms = median_time(budget, || obj64.hvp(&w.theta64, &v64, &mut h64));
        let (hvp32_ms, hvp64_ms) = (hvp32_ms.as_secs_f64() * 1e3, hvp64_ms.as_secs_f64() * 1e3);
        println!("  hvp f32 {hvp32_ms:.3} ms, f64 {hvp64_ms:.3} ms");
        writeln!(
            table_a,
            "{:<36} {:>10.3} {:>10.3} {:>14.3}",
            s.name,
            hvp32_ms,
            hvp64_ms,
            torch_at(wi, "hvp_ms")
        )
        .unwrap();
        if hvp_only {
            continue;
        }
        let op = ObjectiveHessian::new(&obj64, &w.theta64);
        let op32 = F32Hessian {
            obj: &obj32,
            theta: &w.theta32,
        };

        // b. wall times
        // Each method is deterministic (seeded): repeat, keep the median time.
        let median_of = |f: &dyn Fn() -> Answer| {
            let mut runs: Vec<Answer> = (0..s.reps).map(|_| f()).collect();
            runs.sort_by(|a, b| a.seconds.total_cmp(&b.seconds));
            runs.swap_remove(s.reps / 2)
        };
        let answers = [
            median_of(&|| ours("ours", &op, LZ_STEPS, TRACE_HVPS)),
            median_of(&|| ours("ours-lean", &op32, LEAN_STEPS, LEAN_TRACE_HVPS)),
            median_of(&|| pyhessian_style(&op)),
        ];
        let ts = torch_at(wi, "total_s");
        let th = torch
            .as_ref()
            .map(|t| {
                let h = &t["workloads"][wi]["hvps"];
                format!("{}+{}+{}", h["top3"], h["trace"], h["lambda_min"])
            })
            .unwrap_or_else(|| "-".into());
        for a in &answers {
            println!(
                "  {}: {:.2} s, {} HVPs. {}",
                a.label, a.seconds, a.hvps, a.note
            );
            writeln!(
                table_b,
                "{:<36} {:<10} {:>9.3} {:>13} {:>9.3} {:>15} {:>11.3} {:>8.1} {:>9.2}x {:>9.2}x",
                s.name,
                a.label,
                a.seconds,
                a.hvps,
                ts,
                th,
                torch_at(wi, "hvp_ms") * 1e-3 * a.hvp_total as f64,
                s.issue_s,
                ts / a.seconds,
                s.issue_s / a.seconds
            )
            .unwrap();
            if !a.note.is_empty() {
                writeln!(notes, "  {} {}: {}", s.name, a.label, a.note).unwrap();
            }
        }

        // c. accuracy
        let t = Instant::now();
        let rf = reference(s, &op);
        println!(
            "  reference: {} in {:.1} s",
            rf.how,
            t.elapsed().as_secs_f64()
        );
        table_c.push_str(&accuracy_table(s.name, &rf, &answers));

        // d. HVPs to reach the target
        let t = Instant::now();
        table_d.push_str(&hvps_to_target(s, &op, &rf));
        println!("  HVP-count study in {:.1} s", t.elapsed().as_secs_f64());
    }

    println!(
        "\na. HVP time (median ms), f32 and f64, {} threads; torch = f32, benches/torch_curvature_reference.json:",
        rayon::current_num_threads()
    );
    println!(
        "{:<36} {:>10} {:>10} {:>14}",
        "workload", "f32 ms", "f64 ms", "torch f32 ms"
    );
    print!("{table_a}");
    if hvp_only {
        return;
    }
    println!(
        "\nb. Wall time of top-3 eigenvalues + trace + λmin.\n   \
         ours      = Lanczos (3 top + 1 bottom, ≤ {LZ_STEPS} steps, tol {LZ_TOL:.0e}) + Hutch++ ({TRACE_HVPS} HVPs), f64 HVPs;\n   \
         ours-lean = Lanczos (≤ {LEAN_STEPS} steps, tol {LZ_TOL:.0e}) + Hutch++ ({LEAN_TRACE_HVPS} HVPs), f32 HVPs;\n   \
         PH-style  = PyHessian's algorithms in Rust, f64 HVPs: deflated power top-3 + Hutchinson + shifted power λmin (each maxIter {PH_MAX_ITER}, tol {PH_TOL:.0e});\n   \
         torch     = PyHessian in PyTorch (f32, random data of the same shapes, 2 threads), benches/torch_curvature_reference.json;\n   \
         torch@HVPs = torch's HVP time × this method's HVP count (PyHessian's iteration counts depend on the data);\n   \
         issue     = the issue's PyTorch figures. HVPs: Lanczos (incl. 1 residual HVP per pair) + trace; power top-3 + trace + λmin;\n   \
         vs torch / vs issue = torch s / s and issue s / s (> 1: we are faster)."
    );
    println!(
        "{:<36} {:<10} {:>9} {:>13} {:>9} {:>15} {:>11} {:>8} {:>10} {:>10}",
        "workload",
        "method",
        "s",
        "HVPs",
        "torch s",
        "torch HVPs",
        "torch@HVPs",
        "issue s",
        "vs torch",
        "vs issue"
    );
    print!("{table_b}");
    print!("{notes}");
    println!(
        "\nc. Accuracy (relative error against the reference; f64 throughout except ours-lean):"
    );
    print!("{table_c}");
    println!(
        "\nd. HVPs to reach the relative-error target against the reference (Lanczos: steps m, a run that certifies\n   \
         its pairs adds 1 residual HVP per pair; power: 1 HVP per iteration; '>' = not reached within the cap, best error shown):"
    );
    print!("{table_d}");
    println!("\nload average at end: {}", loadavg());
}
