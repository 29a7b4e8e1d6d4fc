//! The study kinds end to end: `batch_size` and `width_sweep`.
//!
//! Checks exact relations between the numbers a study reports (the parametric plot at
//! α = 0 and 1 is the two minima's own training loss; gaps and means recomputed from
//! the runs), that an interrupted study recomputes only its missing runs with the same
//! results, that the thread count changes nothing, and that `losscape plot` redraws a
//! batch-size study's figures byte-identical from its summary and arrays.

use crate::common::{f, losscape, npy, run, run_ok, write};
use crate::plot_check::{assert_plot_redraws, run_typed};
use losscape::experiment::{Report, Summary};
use losscape::nn::{weights, Activation, Loss, Mlp};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

const BATCH: &str = r#"
name = "bs"
seed = 0
[data]
source = "gaussians"
n = 120
noise = 0.4
test_fraction = 0.25
[model]
layers = [2, 6, 2]
activation = "tanh"
loss = "cross_entropy"
init = "xavier"
[train]
optimizer = "adam"
lr = 0.02
epochs = 8
[experiment]
kind = "batch_size"
batch_sizes = [4, "50%", "full"]
seeds = [0, 1]
alpha_range = [0.0, 1.0]
alpha_points = 5
slice_points = 4
"#;

fn batch_run(d: &Path, out: &str, extra: &[&str]) -> Value {
    run_ok(&write(d, "bs.toml", BATCH), &d.join(out), extra)
}

#[test]
fn a_target_training_loss_stops_every_run_at_the_first_epoch_below_it() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let config = BATCH
        .replace("epochs = 8", "epochs = 300")
        .replace("slice_points = 4", "slice_points = 0")
        .replace(
            "[experiment]",
            "[experiment]\nstop_at_train_loss = 0.25\nbudget = \"epochs\"",
        );
    let s = run_ok(&write(d, "bs.toml", &config), &d.join("t"), &[]);
    assert_eq!(s["settings"]["stop_at_train_loss"], 0.25);
    let mut reached = 0;
    for r in s["runs"].as_array().unwrap() {
        let curve = r["curve_train_loss"].as_array().unwrap();
        let per_epoch = (90.0 / f(&r["batch_size"])).ceil();
        // One record per epoch: the steps and epochs it took agree.
        assert_eq!(f(&r["epochs_taken"]), (curve.len() - 1) as f64, "{r}");
        assert_eq!(f(&r["steps"]), f(&r["epochs_taken"]) * per_epoch, "{r}");
        if r["reached_train_loss"] == true {
            // Stopped at the first epoch whose loss is at or below the target.
            assert!(f(&r["train_loss"]) <= 0.25, "{r}");
            assert!(curve[..curve.len() - 1].iter().all(|l| f(l) > 0.25), "{r}");
            reached += 1;
        } else {
            assert_eq!(r["reached_train_loss"], false, "{r}");
            assert_eq!(f(&r["epochs_taken"]), 300.0, "{r}");
        }
    }
    assert!(reached >= 4, "{reached} of 6 runs reached the target");
    let md = std::fs::read_to_string(d.join("t/report.md")).unwrap();
    assert!(md.contains("## Matched training loss"), "{md}");
}

#[test]
fn batch_size_study_reports_consistent_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = run(
        &write(d, "bs.toml", BATCH),
        &d.join("a"),
        &["--threads", "2"],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let s: Value = serde_json::from_slice(&o.stdout).unwrap();
    // summary.json is the report the CLI printed, and it reads back as a typed report.
    let printed: Summary = serde_json::from_slice(&o.stdout).unwrap();
    let (Report::BatchSize(typed), Report::BatchSize(saved)) = (
        &printed.report,
        &Summary::read(&d.join("a")).unwrap().report,
    ) else {
        panic!("not a batch-size report");
    };
    assert_eq!(typed, saved);
    assert_eq!(typed.runs.len(), 6);
    assert_eq!(
        typed.runs[0].curve_train_loss.len(),
        typed.runs[0].epochs.len()
    );
    assert_eq!(typed.by_batch_size[2].batch_label, "full");
    let runs = s["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 6);
    // 90 training samples: 4, 45 and 90 per step.
    let sizes: Vec<u64> = runs
        .iter()
        .map(|r| r["batch_size"].as_u64().unwrap())
        .collect();
    assert_eq!(sizes, [4, 4, 45, 45, 90, 90]);
    for r in runs {
        let (b, epochs) = (f(&r["batch_size"]), 8.0);
        assert_eq!(f(&r["steps"]), epochs * (90.0 / b).ceil(), "{r}");
        let gap = f(&r["train_accuracy"]) - f(&r["test_accuracy"]);
        assert!((f(&r["gap"]) - gap).abs() < 1e-15);
        for eps in ["1e-3", "5e-4"] {
            assert!(f(&r["sharpness"][eps]) >= 0.0, "{r}");
        }
        assert!(f(&r["lambda_max"]) > 0.0 && f(&r["distance_from_init"]) > 0.0);
    }
    // Means and standard deviations over the two seeds, recomputed.
    for (k, b) in s["by_batch_size"].as_array().unwrap().iter().enumerate() {
        let pair = [
            f(&runs[2 * k]["test_loss"]),
            f(&runs[2 * k + 1]["test_loss"]),
        ];
        let mean = (pair[0] + pair[1]) / 2.0;
        let std = (pair[0] - pair[1]).abs() / 2f64.sqrt();
        assert!((f(&b["test_loss"]["mean"]) - mean).abs() < 1e-12);
        assert!((f(&b["test_loss"]["std"]) - std).abs() < 1e-12);
        // The 95 % interval of a mean of two: ± t(0.975, 1) · std / √2, with
        // scipy.stats.t.ppf(0.975, 1) = 12.706204736174694 (scipy 1.17.1).
        let half = 12.706_204_736_174_694 * std / 2f64.sqrt();
        let ci = &b["test_loss"]["ci95"];
        assert!((f(&ci[0]) - (mean - half)).abs() < 1e-9, "{ci}");
        assert!((f(&ci[1]) - (mean + half)).abs() < 1e-9, "{ci}");
    }
    // Comparisons: 4 against full, then 4 against 50 % and 50 % against full, each on
    // six metrics; the difference is that of the runs' means.
    let comparisons = s["comparisons"].as_array().unwrap();
    assert_eq!(comparisons.len(), 3 * 6);
    let pairs: Vec<(&str, &str)> = comparisons
        .iter()
        .step_by(6)
        .map(|c| (c["a"].as_str().unwrap(), c["b"].as_str().unwrap()))
        .collect();
    assert_eq!(pairs, [("4", "full"), ("4", "50%"), ("50%", "full")]);
    let metrics: Vec<&str> = comparisons[..6]
        .iter()
        .map(|c| c["metric"].as_str().unwrap())
        .collect();
    assert_eq!(
        metrics,
        [
            "test_accuracy",
            "test_loss",
            "gap",
            "log10_sharpness_1e-3",
            "log10_sharpness_5e-4",
            "lambda_max"
        ]
    );
    let mean_of = |label: &str, key: &str| {
        let v: Vec<f64> = runs
            .iter()
            .filter(|r| r["batch_label"] == label)
            .map(|r| f(&r[key]))
            .collect();
        v.iter().sum::<f64>() / v.len() as f64
    };
    for c in comparisons.iter().filter(|c| c["metric"] == "test_loss") {
        let (a, b) = (c["a"].as_str().unwrap(), c["b"].as_str().unwrap());
        let diff = mean_of(b, "test_loss") - mean_of(a, "test_loss");
        assert!((f(&c["diff"]) - diff).abs() < 1e-12, "{c}");
        assert!(f(&c["ci95"][0]) <= diff && diff <= f(&c["ci95"][1]), "{c}");
        let p = f(&c["p"]);
        assert!((0.0..=1.0).contains(&p), "{c}");
        assert_eq!(c["significant"], p < 0.05, "{c}");
    }
    // The parametric plot starts at the smallest-batch minimum (α = 0) and ends at the
    // largest-batch one (α = 1) of seed 0: their own training losses.
    let it = &s["interpolation"];
    assert_eq!(it["between"], serde_json::json!(["4", "full"]));
    let losses = it["train_loss"].as_array().unwrap();
    assert_eq!(losses.len(), 5);
    assert!((f(&losses[0]) - f(&runs[0]["train_loss"])).abs() <= 1e-12 * f(&losses[0]));
    assert!((f(&losses[4]) - f(&runs[4]["train_loss"])).abs() <= 1e-12 * f(&losses[4]));
    let slices = s["slices"].as_array().unwrap();
    // The slices are measured on the training set (all 90 samples here), and their
    // center loss at the minimum itself, though no grid point of 4 per axis is there.
    assert!((f(&slices[0]["center_loss"]) - f(&runs[0]["train_loss"])).abs() < 1e-6);
    assert!((f(&slices[1]["center_loss"]) - f(&runs[4]["train_loss"])).abs() < 1e-6);
    assert_eq!(slices[0]["center_loss_at"], serde_json::json!([0.0, 0.0]));
    let axis = npy(&d.join("a/slice_axis.npy"));
    assert_eq!(axis.len(), 4);
    assert!(axis.iter().all(|&v| v != 0.0), "{axis:?}");
    let grid = npy(&d.join("a/slice_b4_train_loss.npy"));
    let max = grid.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    assert_eq!(f(&slices[0]["max_loss"]), max);
    for file in [
        "parametric.png",
        "batch_size_effects.png",
        "slices.png",
        "training_curves.png",
        "report.md",
    ] {
        assert!(d.join("a").join(file).exists(), "{file}");
    }
    let report = std::fs::read_to_string(d.join("a/report.md")).unwrap();
    assert!(report.contains("| full (90) |"), "{report}");
    assert!(report.contains("## Comparisons") && report.contains("| 4 | full | test_accuracy |"));

    // `losscape plot` redraws every figure byte-identical from summary.json and the
    // slices' arrays alone.
    let figures = pngs(&d.join("a"));
    assert_eq!(figures.len(), 4);
    for name in figures.keys() {
        std::fs::remove_file(d.join("a").join(name)).unwrap();
    }
    let o = losscape(&["plot", d.join("a").to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(pngs(&d.join("a")), figures);

    // Same numbers with one thread.
    let one = batch_run(d, "b", &["--threads", "1"]);
    assert_eq!(strip(&one["runs"]), strip(&s["runs"]));

    // An interrupted study: two runs lost, recomputed alone, same results.
    let root = d.join("a/runs");
    std::fs::remove_file(root.join("b4_s1/result.json")).unwrap();
    std::fs::remove_file(root.join("bfull_s0/result.json")).unwrap();
    let kept = std::fs::metadata(root.join("b50pct_s0/result.json"))
        .unwrap()
        .modified()
        .unwrap();
    let again = batch_run(d, "a", &[]);
    assert_eq!(
        std::fs::metadata(root.join("b50pct_s0/result.json"))
            .unwrap()
            .modified()
            .unwrap(),
        kept,
        "a finished run was recomputed"
    );
    assert_eq!(strip(&again["runs"]), strip(&s["runs"]));
}

/// Every PNG of `dir` with its bytes.
fn pngs(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "png"))
        .map(|p| {
            let name = p.file_name().unwrap().to_str().unwrap().to_string();
            (name, std::fs::read(&p).unwrap())
        })
        .collect()
}

/// The runs without their wall-clock `seconds`.
fn strip(runs: &Value) -> Vec<Value> {
    runs.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let mut r = r.clone();
            r.as_object_mut().unwrap().remove("seconds");
            r
        })
        .collect()
}

#[test]
fn width_sweep_error_is_the_rms_residual_and_falls_with_width() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cfg = write(
        d,
        "w.toml",
        r#"
name = "w"
seed = 0
dtype = "f64"
[data]
source = "sine"
n = 80
noise = 0.0
test_fraction = 0.25
[model]
layers = [1, 3, 1]
activation = "tanh"
loss = "mse"
init = "xavier"
[train]
optimizer = "adam"
lr = 0.02
batch_size = "full"
epochs = 600
[experiment]
kind = "width_sweep"
widths = [1, 12]
seeds = [0, 1]
"#,
    );
    let s = run_ok(&cfg, &d.join("out"), &[]);
    let runs = s["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 4);
    for r in runs {
        // One output, mse = mean squared residual: the RMS residual is its root.
        assert!(
            (f(&r["approx_error"]) - f(&r["train_loss"]).sqrt()).abs() < 1e-9,
            "{r}"
        );
        assert_eq!(f(&r["n_params"]), 3.0 * f(&r["width"]) + 1.0);
    }
    let by = s["by_width"].as_array().unwrap();
    let (narrow, wide) = (
        f(&by[0]["approx_error"]["mean"]),
        f(&by[1]["approx_error"]["mean"]),
    );
    assert!(wide < 0.5 * narrow, "width 12: {wide}, width 1: {narrow}");
    assert!(f(&s["approx_error_loglog_slope"]) < 0.0);
    for file in ["fits.png", "approx_error.png", "loss_vs_width.png"] {
        assert!(d.join("out").join(file).exists(), "{file}");
    }
}

#[test]
fn width_sweep_fits_come_from_the_saved_weights_and_plot_redraws_every_figure() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cfg = write(
        d,
        "w.toml",
        r#"
name = "w"
seed = 0
dtype = "f64"
[data]
source = "sine"
n = 40
noise = 0.0
test_fraction = 0.25
[model]
layers = [1, 3, 1]
activation = "tanh"
loss = "mse"
init = "xavier"
[train]
optimizer = "adam"
lr = 0.02
batch_size = "full"
epochs = 30
[experiment]
kind = "width_sweep"
widths = [1, 2, 4, 8, 16, 32]
seeds = [5, 6]
"#,
    );
    let out = d.join("out");
    let summary = run_typed(&cfg, &out);
    let Report::WidthSweep(r) = &summary.report else {
        panic!("not a width sweep: {summary:?}")
    };
    // Per-width means and sample stds over the two seeds, recomputed from the runs.
    for (k, b) in r.by_width.iter().enumerate() {
        let pair = [r.runs[2 * k].train_loss, r.runs[2 * k + 1].train_loss];
        assert_eq!(b.width, r.runs[2 * k].width);
        assert!((b.train_loss.mean - (pair[0] + pair[1]) / 2.0).abs() < 1e-15);
        assert!((b.train_loss.std - (pair[0] - pair[1]).abs() / 2f64.sqrt()).abs() < 1e-15);
        assert_eq!((b.train_loss.n, b.test_accuracy.n), (2, 0));
        assert!(b.test_accuracy.mean.is_nan());
    }
    // Five of six widths are drawn, evenly spread (indices 0, 1, 2, 3, 5), seed 5's.
    let fits = r.fits.as_ref().unwrap();
    assert_eq!((fits.seed, fits.widths.clone()), (5, vec![1, 2, 4, 8, 32]));
    // The 30 training points sorted by x, and each curve the saved net's output: y =
    // b₂ + Σⱼ w₂ⱼ tanh(w₁ⱼ x + b₁ⱼ), evaluated here by hand.
    let data = npy(&out.join("fits_data.npy"));
    let xs: Vec<f64> = data.chunks(2).map(|p| p[0]).collect();
    assert_eq!(xs.len(), 30);
    assert!(xs.windows(2).all(|w| w[0] <= w[1]));
    let x = npy(&out.join("fits_x.npy"));
    let y = npy(&out.join("fits_y.npy"));
    assert_eq!((x.len(), y.len()), (400, 5 * 400));
    // 400 evenly spaced x over the data's range (the last one up to rounding).
    assert_eq!(x[0], xs[0]);
    assert!((x[399] - xs[29]).abs() < 1e-12);
    for (c, &h) in fits.widths.iter().enumerate() {
        let mlp = Mlp::new(&[1, h, 1], Activation::Tanh, Loss::Mse);
        let file = out.join(format!("runs/w{h}_s5/model.safetensors"));
        let t: Vec<f64> = weights::load(&file, &mlp.layout).unwrap();
        let (w1, b1, w2, b2) = (&t[..h], &t[h..2 * h], &t[2 * h..3 * h], t[3 * h]);
        for (i, &xi) in x.iter().enumerate() {
            let want = b2
                + (0..h)
                    .map(|j| w2[j] * (w1[j] * xi + b1[j]).tanh())
                    .sum::<f64>();
            assert!((y[c * 400 + i] - want).abs() < 1e-12, "width {h}, x {xi}");
        }
    }
    let figures = assert_plot_redraws(&out);
    assert_eq!(
        figures,
        ["approx_error.png", "fits.png", "loss_vs_width.png"]
    );
    // The redraw needs neither the nets nor the data.
    std::fs::remove_dir_all(out.join("runs")).unwrap();
    assert_plot_redraws(&out);
}
