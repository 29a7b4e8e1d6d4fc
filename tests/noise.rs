//! Kinds `sgd_noise` and `escape` end to end.
//!
//! `sgd_noise` on a [1, 3, 1] tanh net over six rows (every row sampled) is checked
//! against an independent dense computation: per-sample gradients and the Hessian by
//! central differences of the forward loss (no backpropagation, no HVP), C and H as
//! P × P matrices, their eigenpairs by nalgebra. `escape`'s GD dynamics is checked
//! against the `train` kind's GD from the same weights; both kinds give the same bytes
//! for one and two threads; bad settings are refused before any folder exists.

use crate::common::{f, npy, numbers, run, run_ok, write};
use crate::hessian::{zero_net_data, T, X};
use losscape::data::{Dataset, Labels};
use losscape::nn::{Activation, Loss, Mlp, Samples};
use losscape::objective::{MlpObjective, Objective};
use nalgebra::{DMatrix, SymmetricEigen};
use ndarray::Array2;
use std::path::Path;

const LAYERS: [usize; 3] = [1, 3, 1];

fn theta() -> Vec<f64> {
    (0..10)
        .map(|i| 0.7 * ((i as f64) * 1.3 + 0.4).sin())
        .collect()
}

/// d.csv (hessian.rs's six rows) and w.safetensors in `d`; the config preamble.
fn files(d: &Path) -> String {
    let layout = losscape::nn::Layout::new(&LAYERS);
    losscape::nn::weights::save(&d.join("w.safetensors"), &layout, &theta()).unwrap();
    zero_net_data(d)
        + r#"[model]
layers = [1, 3, 1]
activation = "tanh"
loss = "mse"
weights = "w.safetensors"
"#
}

fn rows(idx: &[usize]) -> Samples<f64> {
    let x = Array2::from_shape_fn((idx.len(), 1), |(i, _)| X[idx[i]]);
    let y = Labels::Values(Array2::from_shape_fn((idx.len(), 1), |(i, _)| T[idx[i]]));
    Samples::new(&Dataset { x, y }, Loss::Mse, 1, "test").unwrap()
}

/// ∇f by central differences of f alone.
fn fd_grad(f: &dyn Fn(&[f64]) -> f64, at: &[f64]) -> Vec<f64> {
    let h = 1e-5;
    (0..at.len())
        .map(|j| {
            let (mut a, mut b) = (at.to_vec(), at.to_vec());
            a[j] += h;
            b[j] -= h;
            (f(&a) - f(&b)) / (2.0 * h)
        })
        .collect()
}

/// The dense C (of all six rows' gradients) and H at `theta()`, both by finite
/// differences of the forward loss.
fn dense() -> (DMatrix<f64>, DMatrix<f64>) {
    let mlp = Mlp::new(&LAYERS, Activation::Tanh, Loss::Mse);
    let th = theta();
    let p = th.len();
    let g: Vec<Vec<f64>> = (0..6)
        .map(|i| {
            let one = rows(&[i]);
            let obj = MlpObjective::new(&mlp, &one);
            fd_grad(&|t| obj.loss(t), &th)
        })
        .collect();
    let mean: Vec<f64> = (0..p)
        .map(|j| g.iter().map(|gi| gi[j]).sum::<f64>() / 6.0)
        .collect();
    let c = DMatrix::from_fn(p, p, |a, b| {
        g.iter().map(|gi| gi[a] * gi[b]).sum::<f64>() / 6.0 - mean[a] * mean[b]
    });
    // H from second differences of the full loss.
    let all = rows(&[0, 1, 2, 3, 4, 5]);
    let obj = MlpObjective::new(&mlp, &all);
    let h = 1e-4;
    let loss = |t: &[f64]| obj.loss(t);
    let hess = DMatrix::from_fn(p, p, |a, b| {
        let at = |da: f64, db: f64| {
            let mut t = th.clone();
            t[a] += da;
            t[b] += db;
            loss(&t)
        };
        (at(h, h) - at(h, -h) - at(-h, h) + at(-h, -h)) / (4.0 * h * h)
    });
    (c, (&hess + hess.transpose()) / 2.0)
}

/// Eigenpairs, descending by value.
fn top(m: &DMatrix<f64>) -> Vec<(f64, Vec<f64>)> {
    let e = SymmetricEigen::new(m.clone());
    let mut pairs: Vec<(f64, Vec<f64>)> = (0..m.nrows())
        .map(|i| {
            (
                e.eigenvalues[i],
                e.eigenvectors.column(i).iter().copied().collect(),
            )
        })
        .collect();
    pairs.sort_by(|a, b| b.0.total_cmp(&a.0));
    pairs
}

fn close(got: f64, want: f64, rel: f64, what: &str) {
    assert!(
        (got - want).abs() <= rel * want.abs().max(1e-12),
        "{what}: {got} vs {want}"
    );
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[test]
fn sgd_noise_matches_the_dense_covariance_and_hessian() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cfg = files(d)
        + "[experiment]\nkind = \"sgd_noise\"\ncenter = \"weights\"\nbatch_sizes = [2, 4]\n\
           samples = 6\nk = 3\nlanczos_steps = 10\ntol = 1e-9\n";
    let s = run_ok(&write(d, "n.toml", &cfg), &d.join("out"), &[]);
    let (c, h) = dense();
    let p = 10.0;
    let (tr_c, tr_h, tr_hc) = (c.trace(), h.trace(), (&h * &c).trace());
    close(f(&s["trace_c"]), tr_c, 1e-6, "tr(C)");
    close(f(&s["trace_h"]["value"]), tr_h, 1e-4, "tr(H)");
    assert_eq!(s["trace_h"]["method"], "exact");
    let hp = top(&h);
    let cp = top(&c);
    close(f(&s["hessian_top"][0]), hp[0].0, 1e-4, "λ1(H)");
    for (i, b) in [2.0, 4.0].iter().enumerate() {
        let r = &s["batches"][i];
        close(f(&r["factor"]), 1.0 / b, 1e-12, "factor");
        close(f(&r["trace_sigma"]), tr_c / b, 1e-6, "tr(Σ_b)");
        close(f(&r["trace_h_sigma"]), tr_hc / b, 1e-4, "tr(HΣ_b)");
        close(
            f(&r["trace_h_sigma_isotropic"]),
            tr_h * tr_c / b / p,
            1e-4,
            "isotropic",
        );
        close(
            f(&r["anisotropy_ratio"]),
            tr_hc * p / (tr_h * tr_c),
            1e-4,
            "ratio",
        );
        close(f(&r["sigma_top"][0]), cp[0].0 / b, 1e-5, "λ1(Σ_b)");
        let c_u1 = &c * DMatrix::from_column_slice(10, 1, &hp[0].1);
        let along = dot(&hp[0].1, c_u1.as_slice()) / b;
        close(f(&r["alignment"][0]["noise_along"]), along, 1e-3, "u1ᵀΣu1");
        close(
            f(&r["alignment"][0]["lambda"]),
            hp[0].0,
            1e-4,
            "λ1 in alignment",
        );
        close(
            f(&r["cosines"][0][0]),
            dot(&cp[0].1, &hp[0].1).abs(),
            1e-3,
            "cos(v1, u1)",
        );
    }
    for name in ["hessian_top", "sigma_top", "noise_along", "cosines"] {
        assert!(
            !npy(&d.join(format!("out/{name}.npy"))).is_empty(),
            "{name}"
        );
    }
    // The saved top-k of Σ_b per batch size, scaled by its factor.
    let sigma = npy(&d.join("out/sigma_top.npy"));
    close(sigma[3], cp[0].0 / 4.0, 1e-5, "sigma_top.npy[1, 0]");
}

const ESCAPE: &str = r#"
seed = 3
[data]
source = "gaussians"
n = 120
noise = 0.6
test_fraction = 0.25
[model]
layers = [2, 6, 1]
activation = "tanh"
loss = "bce"
[train]
optimizer = "gd"
lr = 0.5
epochs = 100
[experiment]
kind = "escape"
batch_size = 4
steps = 40
record_every = 10
seeds = [0, 1]
samples = 50
k = 3
lanczos_steps = 30
escape_barrier = 0.01
"#;

#[test]
fn both_kinds_give_the_same_bytes_for_one_and_two_threads() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let noise = ESCAPE
        .replace(
            "kind = \"escape\"\nbatch_size = 4\nsteps = 40\nrecord_every = 10\nseeds = [0, 1]\n",
            "kind = \"sgd_noise\"\nbatch_sizes = [4, 16]\ntrace_hvps = 30\nexact_max_params = 10\n",
        )
        .replace("escape_barrier = 0.01\n", "");
    for (name, cfg, arrays) in [
        (
            "escape",
            ESCAPE.to_string(),
            vec!["escape_barrier.npy", "escape_test_accuracy.npy"],
        ),
        ("noise", noise, vec!["cosines.npy", "sigma_top.npy"]),
    ] {
        let cfg = write(d, &format!("{name}.toml"), &cfg);
        let one = d.join(format!("{name}1"));
        let two = d.join(format!("{name}2"));
        let a = run_ok(&cfg, &one, &["--threads", "1"]);
        let b = run_ok(&cfg, &two, &["--threads", "2"]);
        assert_eq!(numbers(a), numbers(b), "{name}");
        for file in arrays {
            let x = std::fs::read(one.join(file)).unwrap();
            assert_eq!(x, std::fs::read(two.join(file)).unwrap(), "{name}: {file}");
        }
    }
}

#[test]
fn escape_summary_agrees_with_its_records() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = d.join("out");
    let s = run_ok(&write(d, "e.toml", ESCAPE), &out, &[]);
    let dynamics = s["dynamics"].as_array().unwrap();
    assert_eq!(dynamics.len(), 7);
    let steps = npy(&out.join("escape_steps.npy"));
    assert_eq!(steps, [0.0, 10.0, 20.0, 30.0, 40.0]);
    let (records, seeds) = (steps.len(), 2);
    let barrier = npy(&out.join("escape_barrier.npy"));
    let distance = npy(&out.join("escape_distance.npy"));
    let loss = npy(&out.join("escape_train_loss.npy"));
    assert_eq!(barrier.len(), 7 * seeds * records);
    let trace = f(&s["noise_trace"]);
    assert!(trace > 0.0);
    for (di, dy) in dynamics.iter().enumerate() {
        let at = |a: &[f64], seed: usize, t: usize| a[(di * seeds + seed) * records + t];
        let name = dy["name"].as_str().unwrap();
        for seed in 0..seeds {
            // Every run starts at the center: no distance, no barrier, the start's loss.
            assert_eq!(at(&distance, seed, 0), 0.0, "{name}");
            assert!(at(&barrier, seed, 0).abs() < 1e-12, "{name}");
            close(
                at(&loss, seed, 0),
                f(&s["start"]["train_loss"]),
                1e-12,
                name,
            );
        }
        let escaped = (0..seeds)
            .filter(|&k| at(&barrier, k, records - 1) > 0.01)
            .count() as f64;
        assert_eq!(f(&dy["escaped_fraction"]), escaped / seeds as f64, "{name}");
        let mean_loss = (0..seeds).map(|k| at(&loss, k, records - 1)).sum::<f64>() / 2.0;
        close(f(&dy["final_train_loss"]["mean"]), mean_loss, 1e-12, name);
        match name {
            // GD draws nothing: its seeds agree exactly.
            "gd" => {
                assert_eq!(f(&dy["noise_trace"]), 0.0);
                assert_eq!(f(&dy["distance"]["std"]), 0.0);
            }
            _ => close(f(&dy["noise_trace"]), trace, 1e-9, name),
        }
    }
    for png in ["escape_curves.png", "escape_fraction.png"] {
        assert!(out.join(png).is_file(), "{png}");
    }
}

#[test]
fn escape_gd_follows_the_train_kinds_gd() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let pre = files(d);
    let e = run_ok(
        &write(
            d,
            "e.toml",
            &(pre.clone()
                + "[experiment]\nkind = \"escape\"\ncenter = \"weights\"\ndynamics = [\"gd\"]\n\
                   lr = 0.05\nsteps = 30\nseeds = [0]\nsamples = 6\nbatch_size = 2\nk = 2\n"),
        ),
        &d.join("e"),
        &[],
    );
    let t = run_ok(
        &write(
            d,
            "t.toml",
            &(pre + "[train]\noptimizer = \"gd\"\nlr = 0.05\nepochs = 30\n[experiment]\nkind = \"train\"\n"),
        ),
        &d.join("t"),
        &[],
    );
    let after_escape = f(&e["dynamics"][0]["final_train_loss"]["mean"]);
    let after_train = f(&t["final"]["train_loss"]);
    close(after_escape, after_train, 1e-10, "30 GD steps");
}

/// A config that must be refused: exit 2, no panic, no output folder, and every one of
/// `parts` in the message.
pub fn run_bad(d: &Path, cfg: &str, parts: &[&str]) {
    let out = d.join("bad-out");
    let o = run(&write(d, "bad.toml", cfg), &out, &[]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{cfg}\n{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!out.exists(), "output folder created: {stderr}");
    for p in parts {
        assert!(stderr.contains(p), "should mention {p:?}: {stderr}");
    }
}

#[test]
fn bad_noise_settings_are_refused_before_any_folder() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let with = |a: &str, b: &str| {
        assert!(ESCAPE.contains(a), "{a}");
        ESCAPE.replace(a, b)
    };
    let noise = |extra: &str| {
        with(
            "kind = \"escape\"\nbatch_size = 4\nsteps = 40\nrecord_every = 10\nseeds = [0, 1]\nsamples = 50\n",
            &format!("kind = \"sgd_noise\"\n{extra}"),
        )
        .replace("escape_barrier = 0.01\n", "")
    };
    for (cfg, parts) in [
        (
            noise("batch_sizes = []\n"),
            vec!["bad.toml", "experiment.batch_sizes"],
        ),
        (
            noise("batch_sizes = [4]\nsamples = 1\n"),
            vec!["experiment.samples"],
        ),
        (
            noise("batch_sizes = [500]\n"),
            vec!["experiment.batch_sizes[0]", "larger"],
        ),
        (
            noise("batch_sizes = [4]\ntol = -1.0\n"),
            vec!["experiment.tol"],
        ),
        (
            noise("batch_sizes = [4]\n").replace("loss = \"bce\"", "loss = \"sse_half\""),
            vec!["model.loss", "sse_half"],
        ),
        (
            with("seeds = [0, 1]", "seeds = []"),
            vec!["experiment.seeds"],
        ),
        (
            with("seeds = [0, 1]", "seeds = [1, 1]"),
            vec!["experiment.seeds[1]"],
        ),
        (
            with(
                "kind = \"escape\"",
                "kind = \"escape\"\ndynamics = [\"sgd\", \"sgd\"]",
            ),
            vec!["experiment.dynamics[1]"],
        ),
        (
            with(
                "kind = \"escape\"",
                "kind = \"escape\"\ndynamics = [\"langevin\"]",
            ),
            vec!["langevin"],
        ),
        (
            with("escape_barrier = 0.01", "escape_barrier = 0.0"),
            vec!["experiment.escape_barrier"],
        ),
        (with("steps = 40", "steps = 0"), vec!["experiment.steps"]),
        (
            with("record_every = 10", "record_every = 0"),
            vec!["experiment.record_every"],
        ),
        (
            with("kind = \"escape\"", "kind = \"escape\"\nline_points = 1"),
            vec!["experiment.line_points"],
        ),
        (
            with("kind = \"escape\"", "kind = \"escape\"\ncenter = \"init\""),
            vec!["experiment.center"],
        ),
        (
            with("kind = \"escape\"", "kind = \"escape\"\nlr = -0.1"),
            vec!["experiment.lr"],
        ),
        (
            with(
                "batch_size = 4",
                "batch_size = 500\nsampling = \"without_replacement\"",
            ),
            vec!["experiment.batch_size"],
        ),
    ] {
        run_bad(d, &cfg, &parts);
    }
}
