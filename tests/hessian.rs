//! The `hessian` experiment end to end, checked against a closed form.
//!
//! A [1, h, 1] tanh net with mse whose weights are all zero and whose output bias is
//! the mean target m is a critical point. Its Hessian (worked out by hand: every term
//! with a hidden activation tanh(0) = 0 or an outgoing weight 0 vanishes) is, per hidden
//! unit j over (W1_j, b1_j, W2_j), [[0, 0, c], [0, 0, 0], [c, 0, 0]] with
//! c = (2/N) Σ_n (m − t_n) x_n, plus 2 for the output bias. So the spectrum is
//! {+|c|, −|c|, 0} for each unit and {2}: h negative eigenvalues equal to −|c|, a saddle.

use crate::common::{f, npy, run_ok, write};
use serde_json::Value;
use std::path::Path;

pub const X: [f64; 6] = [-1.0, -0.5, 0.0, 0.5, 1.0, 1.5];
pub const T: [f64; 6] = [0.2, 0.1, 0.5, 0.9, 0.7, 1.3];

/// Writes the data (d.csv) into `d` and returns the config's `dtype` and `[data]` lines.
pub fn zero_net_data(d: &Path) -> String {
    let csv: String = X.iter().zip(T).map(|(x, t)| format!("{x},{t}\n")).collect();
    std::fs::write(d.join("d.csv"), format!("x,t\n{csv}")).unwrap();
    r#"
dtype = "f64"
[data]
source = "csv"
path = "d.csv"
target = "t"
task = "regression"
"#
    .to_string()
}

/// Writes the data (d.csv) and the zero-weight [1,3,1] net (zero.safetensors) into `d`
/// and returns a config preamble using them; the caller adds `[experiment]`.
fn zero_net_files(d: &Path) -> String {
    let layout = losscape::nn::Layout::new(&[1, 3, 1]);
    let mut theta = vec![0.0f64; layout.n_params()];
    *theta.last_mut().unwrap() = T.iter().sum::<f64>() / 6.0;
    losscape::nn::weights::save(&d.join("zero.safetensors"), &layout, &theta).unwrap();
    zero_net_data(d)
        + r#"[model]
layers = [1, 3, 1]
activation = "tanh"
loss = "mse"
weights = "zero.safetensors"
"#
}

fn zero_net_run(exact: &str) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cfg =
        zero_net_files(d) + &format!("[experiment]\nkind = \"hessian\"\nexact = {exact}\nk = 3\n");
    let out = d.join("out");
    let s = run_ok(&write(d, "h.toml", &cfg), &out, &[]);
    assert!(out.join("density.png").exists());
    s
}

/// The coupling c of the closed form (module header).
pub fn c() -> f64 {
    let m = T.iter().sum::<f64>() / 6.0;
    2.0 / 6.0 * X.iter().zip(T).map(|(x, t)| (m - t) * x).sum::<f64>()
}

#[test]
fn zero_weight_regression_net_is_a_saddle_with_the_closed_form_spectrum() {
    let s = zero_net_run("true");
    let c = c().abs();
    assert!(c > 0.1, "the data must correlate x and t");
    assert_eq!(s["exact"], true);
    assert!(f(&s["grad_norm"]) < 1e-12, "{s}");
    assert_eq!(s["classification"], "saddle");
    assert_eq!(s["n_negative"], 3);
    assert!((f(&s["index"]) - 0.3).abs() < 1e-12);
    for v in s["eigenvalues_bottom"].as_array().unwrap() {
        assert!((f(v) + c).abs() < 1e-12, "{v} vs −{c}");
    }
    let top = f(&s["eigenvalues_top"][0]);
    assert!((top - c.max(2.0)).abs() < 1e-12, "{top}");
    assert!((f(&s["trace"]) - 2.0).abs() < 1e-12);
    assert!(s["trace_stderr"].is_null());
}

#[test]
fn lanczos_finds_the_same_saddle_without_the_full_hessian() {
    let s = zero_net_run("false");
    assert_eq!(s["exact"], false);
    assert_eq!(s["classification"], "saddle");
    assert!((f(&s["eigenvalue_min"]) + c().abs()).abs() < 1e-6, "{s}");
    assert!(s["budget"]["converged"].as_bool().unwrap());
    assert!(f(&s["trace_stderr"]) >= 0.0);
    assert!(s["hvp_count"].as_u64().unwrap() > 0);
}

#[test]
fn slice_along_the_extreme_eigenvectors_shows_the_saddle() {
    // Same zero-weight net: the plane of the top and most negative eigenvectors. Along
    // y the loss must fall on both sides of the center (negative curvature), along x rise.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cfg = zero_net_files(d)
        + r#"[experiment]
kind = "slice"
center = "weights"
directions = "hessian"
x = { range = [-0.1, 0.1], points = 3 }
y = { range = [-0.1, 0.1], points = 3 }
"#;
    let out = d.join("out");
    let s = run_ok(&write(d, "s.toml", &cfg), &out, &[]);
    assert!(
        (f(&s["hessian_eigenvalues"]["min"]) + c().abs()).abs() < 1e-8,
        "{s}"
    );
    assert!(f(&s["cosine_xy"]).abs() < 1e-8);
    let z = npy(&out.join("train_loss.npy"));
    let center = z[4];
    assert!(
        z[1] < center && z[7] < center,
        "loss falls along the negative eigenvector: {z:?}"
    );
    assert!(
        z[3] > center && z[5] > center,
        "loss rises along the top eigenvector: {z:?}"
    );
}

#[test]
fn curvature_map_over_a_slice_has_the_closed_form_at_the_center() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cfg = zero_net_files(d)
        + r#"[experiment]
kind = "slice"
center = "weights"
directions = "random"
normalization = "none"
x = { range = [-0.2, 0.2], points = 3 }
y = { range = [-0.2, 0.2], points = 3 }
curvature = true
curvature_steps = 10
"#;
    let out = d.join("out");
    let s = run_ok(&write(d, "c.toml", &cfg), &out, &[]);
    let c = c().abs();
    // 10 parameters, 10 Lanczos steps: exact extremes at the center cell (index 4).
    let (lmin, lmax, ratio) = (
        npy(&out.join("lambda_min.npy")),
        npy(&out.join("lambda_max.npy")),
        npy(&out.join("curvature_ratio.npy")),
    );
    assert!((lmin[4] + c).abs() < 1e-8, "{lmin:?}");
    assert!((lmax[4] - c.max(2.0)).abs() < 1e-8, "{lmax:?}");
    assert!((ratio[4] - c / c.max(2.0)).abs() < 1e-8);
    assert!(out.join("curvature_ratio_heatmap.png").exists());
    assert_eq!(s["curvature"]["lanczos_steps"], 10);
    // A 1-D slice cannot have a curvature map.
    let one_d = cfg.replace("y = { range = [-0.2, 0.2], points = 3 }\n", "");
    let o = crate::common::run(&write(d, "bad.toml", &one_d), &d.join("bad"), &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("experiment.curvature"));
    assert!(!d.join("bad").exists());
}
