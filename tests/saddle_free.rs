//! `[train] optimizer = "saddle_free_newton"` end to end: on the lecture's XOR net, where
//! gradient descent from seed 0 sits on the loss-0.25 plateau (a saddle region), the
//! saddle-free step, which follows negative curvature down, solves XOR; its summary
//! agrees with its per-step log; minibatch runs repeat exactly for any thread count;
//! its keys are refused with other optimisers.

use crate::common::{f, run, run_ok, write};

fn xor(optimizer: &str, extra: &str) -> String {
    format!(
        r#"
seed = 0
dtype = "f64"
[data]
source = "xor"
[model]
layers = [2, 2, 1]
activation = "sigmoid"
loss = "mse"
[train]
optimizer = "{optimizer}"
lr = 0.5
steps = 300
record_every = 10
{extra}
[experiment]
kind = "train"
"#
    )
}

#[test]
fn saddle_free_newton_leaves_the_xor_plateau_where_gd_stays() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let gd = run_ok(&write(d, "gd.toml", &xor("gd", "")), &d.join("gd"), &[]);
    let sfn_cfg = xor("saddle_free_newton", "krylov_dim = 9\ndamping = 0.01");
    let sfn = run_ok(&write(d, "sfn.toml", &sfn_cfg), &d.join("sfn"), &[]);
    // GD: on the plateau where the net outputs the mean target, loss 0.25.
    assert!((f(&gd["final"]["train_loss"]) - 0.25).abs() < 1e-3, "{gd}");
    assert!(f(&sfn["final"]["train_loss"]) < 1e-6, "{sfn}");
    assert_eq!(f(&sfn["final"]["train_accuracy"]), 1.0);
    // The summary against the per-step log: 300 steps of at most 9 HVPs each, a
    // negative curvature seen at the start.
    let csv = std::fs::read_to_string(d.join("sfn/sfn_steps.csv")).unwrap();
    let rows: Vec<Vec<f64>> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(|x| x.parse().unwrap()).collect())
        .collect();
    assert_eq!(rows.len(), 300);
    let s = &sfn["saddle_free"];
    let hvps: f64 = rows.iter().map(|r| r[1]).sum();
    assert_eq!(f(&s["hvps"]), hvps);
    assert!(rows.iter().all(|r| r[1] >= 1.0 && r[1] <= 9.0));
    assert_eq!(f(&s["lambda_min_first"]), rows[0][2]);
    assert!(
        rows[0][2] < 0.0,
        "the plateau is a saddle region: {}",
        rows[0][2]
    );
    let negative = rows.iter().filter(|r| r[2] < 0.0).count() as f64;
    assert_eq!(f(&s["negative_steps"]), negative);
}

#[test]
fn minibatch_saddle_free_newton_repeats_for_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cfg = write(
        d,
        "m.toml",
        &xor("saddle_free_newton", "batch_size = 2\nkrylov_dim = 4")
            .replace("source = \"xor\"", "source = \"circles\"\nn = 64")
            .replace("layers = [2, 2, 1]", "layers = [2, 6, 1]")
            .replace("loss = \"mse\"", "loss = \"bce\"")
            .replace("steps = 300", "steps = 60"),
    );
    let a = run_ok(&cfg, &d.join("a"), &["--threads", "1"]);
    let b = run_ok(&cfg, &d.join("b"), &["--threads", "2"]);
    assert_eq!(a["final"], b["final"]);
    assert_eq!(a["saddle_free"], b["saddle_free"]);
    assert!(f(&a["final"]["train_loss"]) < f(&a["initial"]["train_loss"]));
    let csv = |r: &str| std::fs::read(d.join(r).join("sfn_steps.csv")).unwrap();
    assert_eq!(csv("a"), csv("b"));
}

#[test]
fn saddle_free_keys_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for (cfg, field) in [
        (
            xor("saddle_free_newton", "krylov_dim = 0"),
            "train.krylov_dim",
        ),
        (xor("saddle_free_newton", "damping = -1.0"), "train.damping"),
        (xor("sgd", "krylov_dim = 4"), "train.krylov_dim"),
        (xor("adam", "line_search = false"), "train.line_search"),
    ] {
        let out = d.join("out");
        let o = run(&write(d, "bad.toml", &cfg), &out, &[]);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains(field) && stderr.contains("bad.toml"),
            "{stderr}"
        );
        assert!(!out.exists());
    }
}
