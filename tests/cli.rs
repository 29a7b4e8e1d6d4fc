//! The command line end to end: runs write summary.json with the right numbers, the
//! templates run as printed, results do not depend on the thread count, and trained
//! weights evaluate to the loss the training run reported.

use crate::common::{f, losscape, run_ok, write};

const SPIRALS: &str = r#"
name = "spirals-small"
seed = 3
[data]
source = "gaussians"
n = 300
noise = 0.5
test_fraction = 0.25
[model]
layers = [2, 8, 1]
activation = "tanh"
loss = "bce"
[train]
optimizer = "adam"
lr = 0.05
batch_size = 25
epochs = 20
[experiment]
kind = "train"
resolution = 40
"#;

#[test]
fn train_then_evaluate_the_saved_weights() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(dir.path(), "a.toml", SPIRALS);
    let out = dir.path().join("run");
    let s = run_ok(&cfg, &out, &[]);
    assert_eq!(s["kind"], "train");
    assert_eq!(s["steps"], 20 * 9); // 225 training points / 25 per batch = 9 steps per epoch
    assert_eq!(s["diverged"], false);
    let fin = &s["final"];
    // Two well-separated Gaussian blobs: a trained net classifies almost all points.
    assert!(f(&fin["train_accuracy"]) > 0.9, "{fin}");
    assert!(f(&fin["test_accuracy"]) > 0.85, "{fin}");
    assert!(f(&fin["train_loss"]) < f(&s["initial"]["train_loss"]));
    for file in [
        "config.toml",
        "training_curves.png",
        "decision_regions.png",
        "model.safetensors",
        "trajectory.csv",
        "snapshots.npy",
    ] {
        assert!(out.join(file).exists(), "{file} missing");
    }
    // trajectory.csv: header + one row per epoch + the step-0 row.
    let csv = std::fs::read_to_string(out.join("trajectory.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + 21);

    // Evaluate the saved weights: same data (same seed), same loss as training reported.
    let eval_cfg = SPIRALS
        .replace("kind = \"train\"\nresolution = 40", "kind = \"evaluate\"")
        .replace(
            "loss = \"bce\"",
            &format!(
                "loss = \"bce\"\nweights = {:?}",
                out.join("model.safetensors")
            ),
        );
    let ecfg = write(dir.path(), "b.toml", &eval_cfg);
    let e = run_ok(&ecfg, &dir.path().join("eval"), &[]);
    assert_eq!(e["n_params"], 2 * 8 + 8 + 8 + 1);
    let rel = |a: f64, b: f64| (a - b).abs() / b.abs().max(1e-12);
    assert!(
        rel(f(&e["train"]["loss"]), f(&fin["train_loss"])) < 1e-6,
        "{e} vs {fin}"
    );
    assert_eq!(f(&e["test"]["accuracy"]), f(&fin["test_accuracy"]));
    assert!(f(&e["train"]["grad_norm"]) > 0.0);

    // The resolved config reruns to the same result.
    let again = run_ok(&out.join("config.toml"), &dir.path().join("again"), &[]);
    assert_eq!(again["final"], s["final"]);
}

#[test]
fn results_do_not_depend_on_the_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(
        dir.path(),
        "a.toml",
        &SPIRALS
            .replace("batch_size = 25", "batch_size = \"full\"")
            .replace("n = 300", "n = 1200"),
    );
    let a = run_ok(&cfg, &dir.path().join("t1"), &["--threads", "1"]);
    let b = run_ok(&cfg, &dir.path().join("t2"), &["--threads", "2"]);
    assert_eq!(a["final"], b["final"]);
    let wa = std::fs::read(dir.path().join("t1/model.safetensors")).unwrap();
    let wb = std::fs::read(dir.path().join("t2/model.safetensors")).unwrap();
    assert_eq!(wa, wb);
}

#[test]
fn seed_flag_changes_the_run_and_is_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(dir.path(), "a.toml", SPIRALS);
    let s = run_ok(&cfg, &dir.path().join("r"), &["--seed", "11"]);
    assert_eq!(s["seed"], 11);
    let resolved = std::fs::read_to_string(dir.path().join("r/config.toml")).unwrap();
    assert!(resolved.contains("seed = 11"), "{resolved}");
}

#[test]
fn xor_experiment_reports_the_lecture_facts() {
    let dir = tempfile::tempdir().unwrap();
    let t = String::from_utf8(losscape(&["new", "xor"]).stdout).unwrap();
    let cfg = write(
        dir.path(),
        "xor.toml",
        &t.replace("seeds = 100", "seeds = 24"),
    );
    let s = run_ok(&cfg, &dir.path().join("xor"), &[]);
    assert_eq!(s["single_neuron"]["best_correct"], 3);
    assert_eq!(s["single_neuron"]["perceptron"]["converged"], false);
    let outs: Vec<f64> = s["formula_network"]["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(f)
        .collect();
    assert_eq!(outs, vec![0.0, 1.0, 1.0, 0.0]);
    let solved = s["trained"]["solved"].as_u64().unwrap();
    assert_eq!(s["trained"]["seeds"], 24);
    // XOR is solved from most seeds, and the [2,2,1] net stalls from some (measured:
    // see README); both must happen for the experiment to show what it is for.
    assert!(solved >= 12, "solved {solved} of 24");
    for file in [
        "formula_network_regions.png",
        "trained_regions.png",
        "trained_loss_curves.png",
        "final_loss_histogram.png",
    ] {
        assert!(dir.path().join("xor").join(file).exists(), "{file}");
    }
}

#[test]
fn every_template_runs() {
    for &kind in losscape::config::ExperimentConfig::KINDS {
        let dir = tempfile::tempdir().unwrap();
        let o = losscape(&["new", kind]);
        assert!(o.status.success());
        let cfg = write(
            dir.path(),
            &format!("{kind}.toml"),
            &String::from_utf8(o.stdout).unwrap(),
        );
        let s = run_ok(&cfg, &dir.path().join("out"), &[]);
        assert_eq!(s["kind"], kind);
    }
}

#[test]
fn check_command_passes() {
    let o = losscape(&["check"]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{text}");
    assert!(text.contains("largest relative error"));
    assert_eq!(text.lines().filter(|l| l.starts_with("tanh")).count(), 4);
}

#[test]
fn list_shows_kinds_and_bundled_configs() {
    let o = losscape(&["list"]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("train, evaluate, slice, hessian, saddles, batch_size, width_sweep, xor"));
    assert!(text.contains("  pca_spirals "));
    assert!(text.contains("  quickstart "));
}

#[test]
fn divergence_is_a_result_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let text = SPIRALS
        .replace(
            "optimizer = \"adam\"\nlr = 0.05",
            "optimizer = \"sgd\"\nlr = 1e30",
        )
        .replace("loss = \"bce\"", "loss = \"mse\"")
        .replace("source = \"gaussians\"", "source = \"sine\"")
        .replace("layers = [2, 8, 1]", "layers = [1, 8, 1]")
        .replace("noise = 0.5\n", "");
    let cfg = write(dir.path(), "d.toml", &text);
    let s = run_ok(&cfg, &dir.path().join("d"), &[]);
    assert_eq!(s["diverged"], true, "{s}");
    assert!(s["divergence"].as_str().unwrap().contains("step"));
    assert!((s["steps"].as_u64().unwrap()) < 20 * 6);
}

#[test]
fn patience_stops_training_on_a_plateau() {
    // A linear model fitted by GD reaches its least-squares optimum in a few hundred
    // steps; with patience it stops there, at the loss of the 20,000-step run.
    let dir = tempfile::tempdir().unwrap();
    let base = r#"
dtype = "f64"
[data]
source = "sine"
n = 100
[model]
layers = [1, 1]
activation = "identity"
loss = "mse"
[train]
optimizer = "gd"
lr = 0.3
epochs = 20000
[experiment]
kind = "train"
"#;
    let full = run_ok(
        &write(dir.path(), "a.toml", base),
        &dir.path().join("a"),
        &[],
    );
    let text = base.replace("epochs = 20000", "epochs = 20000\npatience = 5");
    let s = run_ok(
        &write(dir.path(), "b.toml", &text),
        &dir.path().join("b"),
        &[],
    );
    assert!(full["plateau_at"].is_null());
    let steps = s["steps"].as_u64().unwrap();
    assert_eq!(s["plateau_at"].as_u64(), Some(steps), "{s}");
    assert!(steps < 2000, "{steps}");
    let (a, b) = (
        f(&full["final"]["train_loss"]),
        f(&s["final"]["train_loss"]),
    );
    assert!(b >= a && b <= a * 1.01, "{b} vs {a}");
}

#[test]
fn run_dash_reads_the_config_from_stdin_and_stdout_is_only_the_summary() {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let run_stdin = |text: &str| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_losscape"))
            .args(["run", "-", "--out", out.to_str().unwrap()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let o = run_stdin(crate::common::TINY_TRAIN);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // stdout parses as one JSON document: the summary written to the folder.
    let printed: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(printed, saved);
    assert_eq!(printed["kind"], "train");
    assert!(String::from_utf8_lossy(&o.stderr).contains("wrote"));
    // Without a name there is nothing to name the run after.
    let o = run_stdin(&crate::common::TINY_TRAIN.replace("name = \"t\"\n", ""));
    assert_eq!(o.status.code(), Some(2));
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(e.contains("<stdin>") && e.contains("field `name`"), "{e}");
}
