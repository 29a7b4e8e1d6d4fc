//! The `slice` experiment end to end: closed-form surfaces, the center cell, thread
//! independence, resumption after an interruption (simulated and by SIGKILL),
//! refusing to mix configs, redrawing byte-identical figures from the saved arrays, the
//! typed report, and bad input.

use crate::common::{losscape, npy, run, run_ok, write};
use losscape::experiment::Report;
use losscape::landscape::grid::Metric;
use std::process::Command;

/// A 2-D slice of a trained circles net, small enough for tests.
const TRAINED: &str = r#"
name = "s"
seed = 1
[data]
source = "circles"
n = 200
test_fraction = 0.25
[model]
layers = [2, 6, 1]
activation = "tanh"
loss = "bce"
[train]
optimizer = "adam"
lr = 0.05
batch_size = 25
epochs = 15
[experiment]
kind = "slice"
x = { range = [-1.0, 1.0], points = 9 }
y = { range = [-0.5, 1.0], points = 7 }
"#;

#[test]
fn linear_model_slice_equals_the_closed_form() {
    // One linear unit z = w·x + b on the single sample (x = 1, t = 0) with mse: the loss
    // is (w + b)². Center (w, b) = (0.5, −0.25) from a weights file, directions e_w and
    // e_b from .npy files, no normalisation: L(a, c) = (0.25 + a + c)².
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("one.csv"), "x,t\n1,0\n").unwrap();
    let layout = losscape::nn::Layout::new(&[1, 1]);
    losscape::nn::weights::save::<f64>(&d.join("c.safetensors"), &layout, &[0.5, -0.25]).unwrap();
    losscape::io::npy::write::<f64>(&d.join("dw.npy"), &[1.0, 0.0], &[2]).unwrap();
    losscape::io::npy::write::<f64>(&d.join("db.npy"), &[0.0, 1.0], &[2]).unwrap();
    let cfg = write(
        d,
        "lin.toml",
        r#"
dtype = "f64"
[data]
source = "csv"
path = "one.csv"
target = "t"
task = "regression"
[model]
layers = [1, 1]
activation = "identity"
loss = "mse"
weights = "c.safetensors"
[experiment]
kind = "slice"
center = "weights"
directions = "files"
dir_x = "dw.npy"
dir_y = "db.npy"
normalization = "none"
ignore = "none"
x = { range = [-1.0, 1.0], points = 5 }
y = { range = [0.0, 2.0], points = 3 }
"#,
    );
    let out = d.join("out");
    let s = run_ok(&cfg, &out, &[]);
    let z = npy(&out.join("train_loss.npy"));
    let (xs, ys) = (npy(&out.join("x.npy")), npy(&out.join("y.npy")));
    assert_eq!(xs, vec![-1.0, -0.5, 0.0, 0.5, 1.0]);
    assert_eq!(ys, vec![0.0, 1.0, 2.0]);
    for (j, &c) in ys.iter().enumerate() {
        for (i, &a) in xs.iter().enumerate() {
            let want = (0.25 + a + c) * (0.25 + a + c);
            assert!(
                (z[j * 5 + i] - want).abs() < 1e-12,
                "({a}, {c}): {} vs {want}",
                z[j * 5 + i]
            );
        }
    }
    assert_eq!(s["center_loss"].as_f64().unwrap(), 0.0625);
    assert_eq!(s["min_loss"].as_f64().unwrap(), 0.0625);
    assert_eq!(s["cosine_xy"].as_f64().unwrap(), 0.0);
    for f in [
        "train_loss_contour.png",
        "train_loss_heatmap.png",
        "train_loss_surface.png",
        "train_loss.vtp",
        "dir_x.npy",
        "dir_y.npy",
    ] {
        assert!(out.join(f).exists(), "{f}");
    }
}

#[test]
fn center_cell_equals_center_loss_and_threads_do_not_matter() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(dir.path(), "s.toml", TRAINED);
    let (a, b) = (dir.path().join("t1"), dir.path().join("t2"));
    let sa = run_ok(&cfg, &a, &["--threads", "1"]);
    run_ok(&cfg, &b, &["--threads", "2"]);
    for f in [
        "train_loss.npy",
        "train_accuracy.npy",
        "test_loss.npy",
        "test_accuracy.npy",
        "dir_x.npy",
        "dir_y.npy",
    ] {
        assert_eq!(
            std::fs::read(a.join(f)).unwrap(),
            std::fs::read(b.join(f)).unwrap(),
            "{f}"
        );
    }
    // x = 0 is index 4 of 9, y = 0 is index 2 of 7 (range −0.5..1 in steps of 0.25).
    let z = npy(&a.join("train_loss.npy"));
    assert_eq!(z.len(), 63);
    assert_eq!(z[2 * 9 + 4], sa["center_loss"].as_f64().unwrap());
    let min = z.iter().cloned().fold(f64::INFINITY, f64::min);
    assert_eq!(sa["min_loss"].as_f64().unwrap(), min);
    // Filter-normalised random directions of a trained net: the loss grows away from it.
    assert!(z[0] > z[2 * 9 + 4] && z[62] > z[2 * 9 + 4]);
    let cos = sa["cosine_xy"].as_f64().unwrap();
    assert!(
        cos.abs() < 0.5,
        "random directions are nearly orthogonal: {cos}"
    );
}

#[test]
fn resuming_a_truncated_sweep_gives_identical_arrays() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(dir.path(), "s.toml", TRAINED);
    let full = dir.path().join("full");
    run_ok(&cfg, &full, &[]);
    // Simulate a crash: the sweep log cut inside a record, no arrays or figures yet.
    let cut = dir.path().join("cut");
    std::fs::create_dir(&cut).unwrap();
    for e in std::fs::read_dir(&full).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_str().unwrap().to_string();
        if name == "sweep.log"
            || name == "center.safetensors"
            || name == "training.json"
            || name.starts_with("dir_")
            || name == "config.toml"
        {
            std::fs::copy(&p, cut.join(&name)).unwrap();
        }
    }
    let log = std::fs::read(cut.join("sweep.log")).unwrap();
    std::fs::write(cut.join("sweep.log"), &log[..log.len() * 2 / 5 + 3]).unwrap();
    // Saved directions changed between the crash and the rerun: refused, not mixed.
    let tampered = dir.path().join("tampered");
    std::fs::create_dir(&tampered).unwrap();
    for e in std::fs::read_dir(&cut).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, tampered.join(p.file_name().unwrap())).unwrap();
    }
    let (mut dx, shape) = losscape::io::npy::read(&tampered.join("dir_x.npy")).unwrap();
    dx[0] += 1.0;
    losscape::io::npy::write(&tampered.join("dir_x.npy"), &dx, &shape).unwrap();
    let o = crate::common::run(&cfg, &tampered, &[]);
    assert_eq!(o.status.code(), Some(2));
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(e.contains("changed since this sweep started"), "{e}");

    let s = run_ok(&cfg, &cut, &[]);
    let resumed = s["resumed_points"].as_u64().unwrap();
    assert!(resumed > 0 && resumed < 63, "resumed {resumed}");
    // The resumed summary equals the uninterrupted one but for timings and counts.
    let sf = read_summary(&full);
    let strip = |mut v: serde_json::Value| {
        for k in ["resumed_points", "sweep_seconds", "ms_per_point", "seconds"] {
            v.as_object_mut().unwrap().remove(k);
        }
        v
    };
    assert!(sf["training"]["steps"].as_u64().unwrap() > 0, "{sf}");
    assert_eq!(strip(s), strip(sf));
    for f in [
        "train_loss.npy",
        "train_accuracy.npy",
        "test_loss.npy",
        "test_accuracy.npy",
    ] {
        assert_eq!(
            std::fs::read(full.join(f)).unwrap(),
            std::fs::read(cut.join(f)).unwrap(),
            "{f}"
        );
    }
}

#[cfg(unix)]
#[test]
fn resuming_after_sigkill_gives_identical_arrays() {
    // A sweep long enough to be killed in the middle (tens of ms per point).
    let text = TRAINED
        .replace("n = 200", "n = 4000")
        .replace("points = 9", "points = 25")
        .replace("points = 7", "points = 25");
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(dir.path(), "s.toml", &text);
    let full = dir.path().join("full");
    run_ok(&cfg, &full, &[]);
    let killed = dir.path().join("killed");
    let mut delay = 150u64;
    loop {
        let _ = std::fs::remove_dir_all(&killed);
        let mut child = Command::new(env!("CARGO_BIN_EXE_losscape"))
            .args([
                "run",
                cfg.to_str().unwrap(),
                "--out",
                killed.to_str().unwrap(),
                "--quiet",
            ])
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let log = killed.join("sweep.log");
        if log.exists()
            && !killed.join("summary.json").exists()
            && std::fs::metadata(&log).unwrap().len() > 200
        {
            break;
        }
        assert!(delay < 20_000, "never caught the sweep in the middle");
        delay = delay * 3 / 2;
    }
    let s = run_ok(&cfg, &killed, &[]);
    assert!(s["resumed_points"].as_u64().unwrap() > 0);
    for f in ["train_loss.npy", "test_accuracy.npy"] {
        assert_eq!(
            std::fs::read(full.join(f)).unwrap(),
            std::fs::read(killed.join(f)).unwrap(),
            "{f}"
        );
    }
}

#[test]
fn a_different_config_into_the_same_folder_refuses_unless_fresh() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(dir.path(), "s.toml", TRAINED);
    let out = dir.path().join("o");
    run_ok(&cfg, &out, &[]);
    let before = std::fs::read(out.join("train_loss.npy")).unwrap();
    let other = write(
        dir.path(),
        "t.toml",
        &TRAINED.replace("points = 9", "points = 11"),
    );
    let o = run(&other, &out, &[]);
    assert_eq!(o.status.code(), Some(2));
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(e.contains("--fresh") && e.contains("sweep.log"), "{e}");
    assert_eq!(
        std::fs::read(out.join("train_loss.npy")).unwrap(),
        before,
        "refusal touched the folder"
    );
    let s = run_ok(&other, &out, &["--fresh"]);
    assert_eq!(s["grid"], serde_json::json!([7, 11]));
    assert_eq!(s["resumed_points"], 0);
}

#[test]
fn one_d_repeated_directions_and_plot_redraws_from_saved_arrays() {
    let text = TRAINED
        .replace("y = { range = [-0.5, 1.0], points = 7 }\n", "repeat = 4\n")
        .replace("points = 9", "points = 15");
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(dir.path(), "r.toml", &text);
    let out = dir.path().join("r");
    let s = run_ok(&cfg, &out, &[]);
    assert_eq!(s["grid"], serde_json::json!([4, 15]));
    let z = npy(&out.join("train_loss.npy"));
    // x = 0 (index 7) is the center on every line.
    for r in 0..4 {
        assert_eq!(z[r * 15 + 7], s["center_loss"].as_f64().unwrap());
    }
    assert_ne!(z[0], z[15], "independent directions give different lines");
    let (dx, shape) = losscape::io::npy::read(&out.join("dir_x.npy")).unwrap();
    assert_eq!(shape, vec![4, s["n_params"].as_u64().unwrap() as usize]);
    assert!(dx.iter().all(|v| v.is_finite()));

    // Redraw: remove the figure and everything the sweep needs; plot must still work.
    std::fs::remove_file(out.join("slice_1d.png")).unwrap();
    std::fs::remove_file(out.join("sweep.log")).unwrap();
    std::fs::remove_file(out.join("center.safetensors")).unwrap();
    let o = losscape(&["plot", out.to_str().unwrap(), "--log"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(out.join("slice_1d.png").exists());
    let o = losscape(&["plot", dir.path().join("nothing").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
}

fn bad(text: &str, files: &[(&str, &[u8])], must_mention: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    for (n, b) in files {
        std::fs::write(dir.path().join(n), b).unwrap();
    }
    let cfg = write(dir.path(), "bad.toml", text);
    let out = dir.path().join("out");
    let o = run(&cfg, &out, &[]);
    let e = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{e}");
    assert!(!out.exists(), "output folder created: {e}");
    for m in must_mention {
        assert!(e.contains(m), "error should mention {m:?}: {e}");
    }
}

#[test]
fn bad_slice_input_is_refused_before_anything_is_written() {
    bad(
        &TRAINED.replace("range = [-1.0, 1.0]", "range = [1.0, 1.0]"),
        &[],
        &["bad.toml", "experiment.x.range"],
    );
    bad(
        &TRAINED.replace("points = 7", "points = 1"),
        &[],
        &["bad.toml", "experiment.y.points"],
    );
    let files = TRAINED.replace(
        "kind = \"slice\"",
        "kind = \"slice\"\ndirections = \"files\"\ndir_x = \"dx.npy\"\ndir_y = \"dy.npy\"",
    );
    let mut short = Vec::new();
    {
        let tmp = tempfile::tempdir().unwrap();
        losscape::io::npy::write::<f64>(&tmp.path().join("d.npy"), &[1.0; 5], &[5]).unwrap();
        short.extend(std::fs::read(tmp.path().join("d.npy")).unwrap());
    }
    bad(
        &files,
        &[("dx.npy", &short), ("dy.npy", &short)],
        &["dx.npy", "5"],
    );
    // An int64 array is not a direction.
    let mut ints = b"\x93NUMPY\x01\x00".to_vec();
    let header = "{'descr': '<i8', 'fortran_order': False, 'shape': (25,), }";
    let pad = 64 - (10 + header.len() + 1) % 64;
    let h = format!("{header}{}\n", " ".repeat(pad));
    ints.extend((h.len() as u16).to_le_bytes());
    ints.extend(h.as_bytes());
    ints.extend([0u8; 200]);
    bad(
        &files,
        &[("dx.npy", &ints), ("dy.npy", &ints)],
        &["dx.npy", "<i8"],
    );
    // Models whose shapes differ from the center.
    let models = TRAINED.replace("kind = \"slice\"", "kind = \"slice\"\ndirections = \"models\"\nmodel_x = \"b.safetensors\"\nmodel_y = \"b.safetensors\"");
    let tmp = tempfile::tempdir().unwrap();
    let layout = losscape::nn::Layout::new(&[2, 7, 1]);
    losscape::nn::weights::save::<f32>(
        &tmp.path().join("b.safetensors"),
        &layout,
        &vec![0.1; layout.n_params()],
    )
    .unwrap();
    let wb = std::fs::read(tmp.path().join("b.safetensors")).unwrap();
    bad(
        &models,
        &[("b.safetensors", &wb)],
        &["b.safetensors", "0.weight"],
    );
    // PCA needs a trajectory.
    bad(
        &TRAINED.replace(
            "kind = \"slice\"",
            "kind = \"slice\"\ncenter = \"init\"\ndirections = \"pca\"",
        ),
        &[],
        &["bad.toml", "experiment.directions", "trajectory"],
    );
}

fn read_summary(dir: &std::path::Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap()
}

/// Every PNG of `dir` with its bytes.
fn pngs(dir: &std::path::Path) -> std::collections::BTreeMap<String, Vec<u8>> {
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

#[test]
fn plot_redraws_every_figure_byte_identical_and_the_summary_is_the_typed_report() {
    // A 2-D PCA slice with the curvature map: the path overlay, the accuracy heatmaps and
    // the curvature heatmap all come back from the saved arrays.
    let text = TRAINED
        .replace("epochs = 15", "epochs = 15\nsnapshot_every = 1")
        .replace(
            "kind = \"slice\"",
            "kind = \"slice\"\ndirections = \"pca\"\ncurvature = true\ncurvature_steps = 6",
        );
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(dir.path(), "p.toml", &text);
    let out = dir.path().join("p");
    let o = run(&cfg, &out, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    // summary.json is the report the CLI printed, and it reads back as a typed report.
    let printed: losscape::experiment::Summary = serde_json::from_slice(&o.stdout).unwrap();
    let saved = losscape::experiment::Summary::read(&out).unwrap();
    let (Report::Slice(r), Report::Slice(s)) = (&printed.report, &saved.report) else {
        panic!("not a slice report: {:?}", saved.report.kind());
    };
    assert_eq!(r, s);
    assert_eq!(r.directions, losscape::config::DirectionKind::Pca);
    assert_eq!(r.grid, vec![7, 9]);
    assert_eq!(r.points, 63);
    assert_eq!(r.metrics, Metric::ALL.to_vec());
    let z = npy(&out.join("train_loss.npy"));
    assert_eq!(
        z[2 * 9 + 4],
        r.center_loss,
        "x = 0 is index 4, y = 0 index 2"
    );
    assert_eq!(npy(&out.join("test_accuracy.npy")).len(), 63);
    let ratio = npy(&out.join("curvature_ratio.npy"));
    let max = ratio
        .iter()
        .cloned()
        .filter(|v| v.is_finite())
        .fold(f64::NAN, f64::max);
    assert_eq!(r.curvature.as_ref().unwrap().max_ratio, max);
    let ev = r.explained_variance.as_ref().unwrap();
    assert!(ev[0] >= ev[1] && ev[0] + ev[1] <= 1.0 + 1e-12, "{ev:?}");
    assert_eq!(r.training.as_ref().unwrap().steps, 15 * 6);

    let before = pngs(&out);
    assert_eq!(before.len(), 8 + 1, "{:?}", before.keys());
    assert!(before.contains_key("curvature_ratio_heatmap.png"));
    for name in before.keys() {
        std::fs::remove_file(out.join(name)).unwrap();
    }
    // Nothing but summary.json (and config.toml, which claims the folder) and the
    // arrays behind the figures is needed.
    for f in ["sweep.log", "center.safetensors", "dir_x.npy", "dir_y.npy"] {
        std::fs::remove_file(out.join(f)).unwrap();
    }
    let redraw = |args: &[&str]| {
        let mut all = vec!["plot", out.to_str().unwrap()];
        all.extend_from_slice(args);
        let o = losscape(&all);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        pngs(&out)
    };
    assert_eq!(redraw(&[]), before);
    // The flags restyle the loss figures (not the accuracies) ...
    let log = redraw(&["--log", "--levels", "7"]);
    assert_ne!(
        log["train_loss_contour.png"],
        before["train_loss_contour.png"]
    );
    assert_eq!(
        log["train_accuracy_heatmap.png"],
        before["train_accuracy_heatmap.png"]
    );
    // ... and what is not given keeps the run's own style (log = false, 20 levels).
    assert_eq!(redraw(&["--log=false"]), before);
}
