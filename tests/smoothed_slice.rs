//! Smoothed slices (`smoothing = [σ, …]`, Kleinberg et al. 2018) end to end: the arrays'
//! shapes and the summary, σ → 0 giving the raw loss, the smoothed loss at a trained
//! minimum above the raw one, thread independence, redrawing from the saved arrays, a
//! 2-D slice's figures, ranks, and bad input refused before any folder exists.

use crate::common::{f, losscape, npy, run, run_ok, write};
use losscape::experiment::Report;

/// A 1-D slice through a briefly trained circles net with three σ's.
const ONE_D: &str = r#"
name = "sm"
seed = 2
dtype = "f64"
[data]
source = "circles"
n = 120
test_fraction = 0.25
[model]
layers = [2, 6, 1]
activation = "tanh"
loss = "bce"
[train]
optimizer = "adam"
lr = 0.05
batch_size = 30
epochs = 40
[experiment]
kind = "slice"
x = { range = [-1.0, 1.0], points = 21 }
smoothing = [0.0001, 0.05, 0.3]
smoothing_samples = 16
smoothing_normalization = "filter"
"#;

#[test]
fn sgd_noise_scale_is_the_sgd_noise_kinds_at_the_same_center() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let sgd = ONE_D
        .replace("optimizer = \"adam\"", "optimizer = \"sgd\"")
        .replace("lr = 0.05", "lr = 0.2")
        .replace(
            "smoothing_normalization = \"filter\"",
            "smoothing_normalization = \"none\"",
        );
    let s = run_ok(&write(d, "s.toml", &sgd), &d.join("s"), &[]);
    // The same seed trains the same center; kind sgd_noise measures Σ_30 there from the
    // same 1,000-row stream (every row of this small set).
    let i = sgd.find("[experiment]").unwrap();
    let noise = format!(
        "{}[experiment]\nkind = \"sgd_noise\"\nbatch_sizes = [30]\nk = 2\nlanczos_steps = 10\n",
        &sgd[..i]
    );
    let n = run_ok(&write(d, "n.toml", &noise), &d.join("n"), &[]);
    let want = f(&n["batches"][0]["noise_scale"]);
    let sm = &s["smoothing"];
    let got = f(&sm["sgd_noise_scale"]);
    assert!((got - want).abs() <= 1e-9 * want, "{got} vs {want}");
    // Unit Gaussian noise on the 18 weights of 25 parameters (biases zeroed): ‖z‖²/P
    // over 16 draws is 288 squares / 400, mean 0.72 and standard deviation 0.06.
    let rms = f(&sm["noise_rms"]);
    assert!((rms * rms - 0.72).abs() < 0.18, "{rms}");
    assert!((f(&sm["sgd_sigma"]) - got / rms).abs() <= 1e-12 * got);
}

fn shape(path: &std::path::Path) -> Vec<usize> {
    losscape::io::npy::read(path).unwrap().1
}

#[test]
fn a_1d_smoothed_slice_saves_its_arrays_summary_and_figure() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(dir.path(), "s.toml", ONE_D);
    let out = dir.path().join("out");
    let s = run_ok(&cfg, &out, &[]);
    let sm = &s["smoothing"];
    assert_eq!(sm["sigmas"], serde_json::json!([0.0001, 0.05, 0.3]));
    assert_eq!(sm["samples"], 16);
    assert_eq!(sm["normalization"], "filter");
    assert!(sm.get("sgd_noise_scale").is_none(), "not measured: absent");
    let minima = &sm["local_minima"];
    assert_eq!(minima["smoothed"].as_array().unwrap().len(), 3);
    assert!(minima["raw"].as_u64().is_some());

    assert_eq!(shape(&out.join("smoothed_train_loss.npy")), vec![3, 21]);
    assert_eq!(
        shape(&out.join("smoothed_train_loss_stderr.npy")),
        vec![3, 21]
    );
    let raw = npy(&out.join("train_loss.npy"));
    let sm = npy(&out.join("smoothed_train_loss.npy"));
    let se = npy(&out.join("smoothed_train_loss_stderr.npy"));
    // σ = 1e-4 (filter-normalised: 1e-4 of each neuron's weight norm): the raw loss to
    // within 1e-3 relative at every point.
    for i in 0..21 {
        assert!(
            (sm[i] - raw[i]).abs() <= 1e-3 * raw[i].abs(),
            "point {i}: {} vs {}",
            sm[i],
            raw[i]
        );
    }
    // At the trained center (index 10) the loss is near a minimum, locally convex: the
    // smoothed loss of the small σ's lies above the raw loss (beyond its Monte Carlo
    // error), and that of the large σ above that of the small one.
    let c = 10;
    for s in [1, 2] {
        let (v, e) = (sm[s * 21 + c], se[s * 21 + c]);
        assert!(v > raw[c], "σ number {s}: {v} ≤ raw {}", raw[c]);
        assert!(e.is_finite() && e > 0.0);
    }
    assert!(sm[2 * 21 + c] > sm[21 + c]);
    // The counts are those of the saved arrays.
    let count = |v: &[f64]| v.windows(3).filter(|w| w[1] < w[0] && w[1] < w[2]).count() as u64;
    assert_eq!(minima["raw"].as_u64().unwrap(), count(&raw));
    for s in 0..3 {
        assert_eq!(
            minima["smoothed"][s].as_u64().unwrap(),
            count(&sm[s * 21..(s + 1) * 21])
        );
    }
    assert!(out.join("smoothed_slice.png").is_file());
    // The typed report reads it back.
    let saved = losscape::experiment::Summary::read(&out).unwrap();
    let Report::Slice(r) = &saved.report else {
        panic!("not a slice report");
    };
    let smoothing = r.smoothing.as_ref().unwrap();
    assert_eq!(smoothing.samples, 16);
    assert_eq!(smoothing.sgd_noise_scale, None);
    // `losscape plot` redraws the figure from the arrays, byte for byte.
    let before = std::fs::read(out.join("smoothed_slice.png")).unwrap();
    std::fs::remove_file(out.join("smoothed_slice.png")).unwrap();
    let o = losscape(&["plot", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        std::fs::read(out.join("smoothed_slice.png")).unwrap(),
        before
    );
    // The report page has the section.
    let page = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(page.contains("Smoothed loss"), "no smoothing section");
}

#[test]
fn smoothed_arrays_do_not_depend_on_the_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let text = ONE_D.replace("dtype = \"f64\"\n", "");
    let cfg = write(dir.path(), "s.toml", &text);
    let (a, b) = (dir.path().join("t1"), dir.path().join("t2"));
    run_ok(&cfg, &a, &["--threads", "1"]);
    run_ok(&cfg, &b, &["--threads", "2"]);
    for f in [
        "smoothed_train_loss.npy",
        "smoothed_train_loss_stderr.npy",
        "train_loss.npy",
    ] {
        assert_eq!(
            std::fs::read(a.join(f)).unwrap(),
            std::fs::read(b.join(f)).unwrap(),
            "{f}"
        );
    }
}

#[test]
fn a_2d_smoothed_slice_draws_one_contour_per_sigma() {
    let text = ONE_D
        .replace(
            "points = 21 }",
            "points = 7 }\ny = { range = [-1.0, 1.0], points = 5 }",
        )
        .replace("[0.0001, 0.05, 0.3]", "[0.1, 0.5]")
        .replace("smoothing_samples = 16", "smoothing_samples = 4");
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(dir.path(), "s.toml", &text);
    let out = dir.path().join("out");
    let s = run_ok(&cfg, &out, &[]);
    assert_eq!(shape(&out.join("smoothed_train_loss.npy")), vec![2, 5, 7]);
    assert_eq!(
        s["smoothing"]["local_minima"]["smoothed"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    for f in ["smoothed_contour_0.png", "smoothed_contour_1.png"] {
        assert!(out.join(f).is_file(), "{f}");
    }
    let page = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(page.contains("Smoothed loss"));
}

#[test]
fn smoothing_shared_among_ranks_is_the_one_process_smoothing() {
    let text = crate::ranks::SLICE.replace(
        "curvature_steps = 6\n",
        "curvature_steps = 6\nsmoothing = [0.05, 0.2]\nsmoothing_samples = 3\n",
    );
    crate::ranks::ranks_match_one_process(
        "smoothed",
        &text,
        &["smoothed_train_loss.npy", "smoothed_train_loss_stderr.npy"],
    );
}

/// `text` is refused with exit status 2 before any folder exists, naming `field`.
fn refused(text: &str, field: &str) {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(dir.path(), "bad.toml", text);
    let out = dir.path().join("out");
    let o = run(&cfg, &out, &[]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stderr.contains(field), "should name {field}: {stderr}");
    assert!(!out.exists(), "a folder for bad input: {stderr}");
}

#[test]
fn bad_smoothing_settings_are_refused_before_anything_is_written() {
    let with = |from: &str, to: &str| {
        assert!(ONE_D.contains(from), "{from}");
        ONE_D.replace(from, to)
    };
    for sigmas in ["[-0.1]", "[0.1, 0.0]", "[nan]", "[inf]"] {
        refused(&with("[0.0001, 0.05, 0.3]", sigmas), "experiment.smoothing");
    }
    refused(
        &with("smoothing_samples = 16", "smoothing_samples = 0"),
        "experiment.smoothing_samples",
    );
    refused(
        &with("smoothing_samples = 16", "smoothing_samples = 100001"),
        "experiment.smoothing_samples",
    );
    // An unknown normalisation: the TOML parser names the value and the choices.
    refused(
        &with(
            "smoothing_normalization = \"filter\"",
            "smoothing_normalization = \"layer\"",
        ),
        "unknown variant `layer`, expected `none` or `filter`",
    );
    // The other keys without any σ.
    let without = with("smoothing = [0.0001, 0.05, 0.3]\n", "");
    refused(&without, "experiment.smoothing_samples");
    refused(
        &without.replace("smoothing_samples = 16\n", ""),
        "experiment.smoothing_normalization",
    );
}
