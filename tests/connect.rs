//! Kind `connect` end to end: the summary's barriers, distance and plane agree with an
//! independent computation from the saved weights (`losscape::linalg` and the
//! `evaluate` kind, not the run's own code path); the curve's ends are the two minima;
//! loaded ends reproduce a trained run's line exactly; one and two threads give the
//! same bytes; bad settings are refused before any folder exists.

use crate::common::{f, npy, one_and_two_threads, run, run_ok, write};
use crate::noise::run_bad;
use crate::plot_check::assert_plot_redraws;
use losscape::nn::{weights, Layout};
use serde_json::Value;
use std::path::Path;

const LAYERS: [usize; 4] = [2, 8, 8, 1];

const CONNECT: &str = r#"
seed = 0
[data]
source = "spirals"
n = 200
noise = 0.1
test_fraction = 0.25
[model]
layers = [2, 8, 8, 1]
activation = "tanh"
loss = "bce"
init = "xavier"
[train]
optimizer = "adam"
lr = 0.02
epochs = 60
[experiment]
kind = "connect"
seeds = [1, 2]
curve = "bezier"
optimizer = "adam"
lr = 0.02
epochs = 40
batch_size = 25
points = 21
grid = 9
"#;

fn load(path: &Path) -> Vec<f64> {
    weights::load::<f64>(path, &Layout::new(&LAYERS)).unwrap()
}

fn column(s: &Value, path: &str, key: &str) -> Vec<f64> {
    s[path]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| f(&p[key]))
        .collect()
}

/// max(v) − (first + last)/2.
fn barrier(v: &[f64]) -> f64 {
    v.iter().cloned().fold(f64::NEG_INFINITY, f64::max) - 0.5 * (v[0] + v[v.len() - 1])
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[test]
fn the_summary_agrees_with_the_saved_minima_and_bend() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = d.join("out");
    let s = run_ok(&write(d, "c.toml", CONNECT), &out, &[]);
    let (a, b, c) = (
        load(&out.join("model_a.safetensors")),
        load(&out.join("model_b.safetensors")),
        load(&out.join("bend.safetensors")),
    );
    let ab: Vec<f64> = b.iter().zip(&a).map(|(x, y)| x - y).collect();
    let distance = dot(&ab, &ab).sqrt();
    assert!((f(&s["distance"]) - distance).abs() < 1e-12 * distance);
    assert!(
        distance > 1.0,
        "two seeds, two different minima: {distance}"
    );

    // Both paths start at θ_a and end at θ_b: the same numbers at t = 0 and t = 1.
    for key in ["train_loss", "train_accuracy", "test_loss", "test_accuracy"] {
        let (line, curve) = (column(&s, "line", key), column(&s, "curve", key));
        assert_eq!(line.len(), 21);
        assert_eq!(line[0], curve[0], "{key}");
        assert_eq!(line[20], curve[20], "{key}");
    }
    let (line, curve) = (
        column(&s, "line", "train_loss"),
        column(&s, "curve", "train_loss"),
    );
    assert_eq!(f(&s["barrier_line"]), barrier(&line));
    assert_eq!(f(&s["barrier_curve"]), barrier(&curve));
    assert_eq!(
        f(&s["test_barrier_curve"]),
        barrier(&column(&s, "curve", "test_loss"))
    );
    // Two minima of the spirals net are separated by a wall the trained curve goes round.
    assert!(
        f(&s["barrier_curve"]) < 0.5 * f(&s["barrier_line"]),
        "line {} curve {}",
        s["barrier_line"],
        s["barrier_curve"]
    );
    assert_eq!(s["steps"], 40 * 6); // 150 training rows in batches of 25

    // The plane: θ_a at the origin, θ_b on the x axis, the bend where its projections put it.
    let plane = &s["plane"];
    let e1: Vec<f64> = ab.iter().map(|v| v / distance).collect();
    let ac: Vec<f64> = c.iter().zip(&a).map(|(x, y)| x - y).collect();
    let cx = dot(&ac, &e1);
    let cy = (dot(&ac, &ac) - cx * cx).sqrt();
    assert_eq!(f(&plane["a"][0]), 0.0);
    assert!((f(&plane["b"][0]) - distance).abs() < 1e-12 * distance);
    assert!((f(&plane["bend"][0]) - cx).abs() < 1e-9 * distance);
    assert!((f(&plane["bend"][1]) - cy).abs() < 1e-6 * distance);
    assert_eq!(plane["random_y"], false);
    let grid = npy(&out.join("plane_train_loss.npy"));
    assert_eq!(grid.len(), 81);
    assert!(grid.iter().all(|v| v.is_finite() && *v > 0.0));
    // Every figure comes back the same from the saved files.
    assert_eq!(
        assert_plot_redraws(&out),
        [
            "bend_loss.png",
            "connect_paths.png",
            "plane_test_loss.png",
            "plane_train_loss.png"
        ]
    );

    // At t = 1/2 the Bézier curve is θ_a/4 + θ_c/2 + θ_b/4: its training loss, measured
    // by the evaluate kind from weights built here, is the summary's.
    let mid: Vec<f64> = (0..a.len())
        .map(|i| 0.25 * a[i] + 0.5 * c[i] + 0.25 * b[i])
        .collect();
    weights::save(&d.join("mid.safetensors"), &Layout::new(&LAYERS), &mid).unwrap();
    let eval = CONNECT.split("[train]").next().unwrap().to_string()
        + "weights = \"mid.safetensors\"\n[experiment]\nkind = \"evaluate\"\n";
    let e = run_ok(
        &write(
            d,
            "e.toml",
            &eval.replace("seed = 0\n", "seed = 0\ndtype = \"f64\"\n"),
        ),
        &d.join("e"),
        &[],
    );
    let at_half = f(&s["curve"][10]["train_loss"]);
    assert!(
        (f(&e["train"]["loss"]) - at_half).abs() < 1e-12,
        "{} vs {at_half}",
        e["train"]["loss"]
    );

    // The same two minima loaded from files give the same line, bit for bit.
    let loaded = CONNECT
        .replace(
            "[train]\noptimizer = \"adam\"\nlr = 0.02\nepochs = 60\n",
            "",
        )
        .replace(
            "seeds = [1, 2]",
            &format!(
                "model_a = \"{}\"\nmodel_b = \"{}\"",
                out.join("model_a.safetensors").display(),
                out.join("model_b.safetensors").display()
            ),
        );
    let l = run_ok(&write(d, "l.toml", &loaded), &d.join("l"), &[]);
    assert_eq!(l["ends"], "models");
    assert_eq!(l["line"], s["line"]);
    assert_eq!(l["curve"], s["curve"]);
}

#[test]
fn one_and_two_threads_give_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cfg = write(
        d,
        "c.toml",
        &CONNECT.replace("curve = \"bezier\"", "curve = \"polychain\""),
    );
    let outs = one_and_two_threads(&cfg, d);
    assert_eq!(outs[0].0["shape"], "polychain");
    for file in [
        "bend.safetensors",
        "plane_train_loss.npy",
        "plane_test_loss.npy",
    ] {
        let one = std::fs::read(outs[0].1.join(file)).unwrap();
        assert_eq!(one, std::fs::read(outs[1].1.join(file)).unwrap(), "{file}");
    }
}

#[test]
fn bad_connect_settings_are_refused_before_any_folder() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let with = |a: &str, b: &str| {
        assert!(CONNECT.contains(a), "{a}");
        CONNECT.replace(a, b)
    };
    // A weights file of another net.
    weights::save(
        &d.join("other.safetensors"),
        &Layout::new(&[2, 3, 1]),
        &[0.1; 13],
    )
    .unwrap();
    crate::hostile_input::mkfifo(&d.join("pipe.safetensors"));
    std::fs::create_dir(d.join("folder.safetensors")).unwrap();
    let right = Layout::new(&LAYERS);
    let p = right.n_params();
    weights::save(&d.join("a.safetensors"), &right, &vec![0.1; p]).unwrap();
    let no_train = |ends: &str| {
        with("seeds = [1, 2]", ends).replace(
            "[train]\noptimizer = \"adam\"\nlr = 0.02\nepochs = 60\n",
            "",
        )
    };
    for (cfg, parts) in [
        (
            with("seeds = [1, 2]", "seeds = [1]"),
            vec!["bad.toml", "experiment.seeds"],
        ),
        (
            with("seeds = [1, 2]", "seeds = [2, 2]"),
            vec!["experiment.seeds"],
        ),
        (
            no_train("model_a = \"a.safetensors\""),
            vec!["experiment.model_b"],
        ),
        (
            with(
                "seeds = [1, 2]",
                "model_a = \"a.safetensors\"\nmodel_b = \"a.safetensors\"",
            ),
            vec!["train", "not used"],
        ),
        (
            no_train("model_a = \"a.safetensors\"\nmodel_b = \"a.safetensors\""),
            vec!["experiment.model_b", "same weights"],
        ),
        (
            no_train("model_a = \"a.safetensors\"\nmodel_b = \"other.safetensors\""),
            vec!["other.safetensors"],
        ),
        (
            no_train("model_a = \"a.safetensors\"\nmodel_b = \"missing.safetensors\""),
            vec!["missing.safetensors"],
        ),
        // Special files are refused without hanging on them.
        (
            no_train("model_a = \"pipe.safetensors\"\nmodel_b = \"a.safetensors\""),
            vec!["pipe.safetensors", "not a regular file"],
        ),
        (
            no_train("model_a = \"a.safetensors\"\nmodel_b = \"folder.safetensors\""),
            vec!["folder.safetensors"],
        ),
        (
            with(
                "optimizer = \"adam\"\nlr = 0.02\nepochs = 40",
                "optimizer = \"saddle_free_newton\"\nlr = 0.02\nepochs = 40",
            ),
            vec!["experiment.optimizer"],
        ),
        (
            with("lr = 0.02\nepochs = 40", "lr = -1.0\nepochs = 40"),
            vec!["experiment.lr"],
        ),
        (with("epochs = 40", "epochs = 0"), vec!["experiment.epochs"]),
        (with("points = 21", "points = 2"), vec!["experiment.points"]),
        (with("grid = 9", "grid = 2"), vec!["experiment.grid"]),
        (
            with("grid = 9", "grid = 9\nmargin = nan"),
            vec!["experiment.margin"],
        ),
        (
            with("batch_size = 25", "batch_size = 500"),
            vec!["experiment.batch_size"],
        ),
        (
            with("curve = \"bezier\"", "curve = \"spline\""),
            vec!["spline"],
        ),
    ] {
        run_bad(d, &cfg, &parts);
    }
    // The refused runs left nothing behind, and a good run still works after them.
    let o = run(&write(d, "good.toml", CONNECT), &d.join("good"), &[]);
    assert!(o.status.success());
}
