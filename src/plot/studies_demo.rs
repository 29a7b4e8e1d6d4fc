//! `cargo test --lib plot::studies::demo -- --ignored` renders one example of every
//! study figure (and [`heatmap_pair`](super::super::heatmap_pair)) into
//! `/tmp/study_samples/` for a visual check.
use super::super::{heatmap_pair, Surface, SurfaceStyle};
use super::*;

use crate::plot::testutil::pseudo_uniform as u;

#[test]
#[ignore]
fn render_study_samples() {
    let dir = std::path::PathBuf::from("/tmp/study_samples");
    std::fs::create_dir_all(&dir).unwrap();

    // Keskar et al.: sharpness grows and test accuracy falls with the batch size.
    let n = 1797.0;
    let b = [16.0, 32.0, 64.0, 128.0, 256.0, 512.0, n];
    let ticks: Vec<(f64, String)> = b
        .iter()
        .map(|&v| {
            let s = if v == n {
                "full".to_string()
            } else {
                format!("{v}")
            };
            (v, s)
        })
        .collect();
    let sharp3: Vec<f64> = b.iter().map(|v| 2.0 * v.powf(0.45)).collect();
    let sharp3_sd: Vec<f64> = sharp3.iter().map(|v| 0.15 * v).collect();
    let sharp4: Vec<f64> = sharp3.iter().map(|v| 0.3 * v).collect();
    let sharp4_sd: Vec<f64> = sharp4.iter().map(|v| 0.2 * v).collect();
    let acc: Vec<f64> = b.iter().map(|v| 0.975 - 0.006 * v.log2()).collect();
    let acc_sd: Vec<f64> = (0..b.len()).map(|k| 0.002 + 0.004 * u(k)).collect();
    let gap: Vec<f64> = b.iter().map(|v| 0.01 + 0.004 * v.log2()).collect();
    let gap_sd: Vec<f64> = (0..b.len()).map(|k| 0.003 + 0.004 * u(k + 9)).collect();
    let sharp = [
        ms("ε = 1e-3", &b, &sharp3, &sharp3_sd),
        ms("ε = 1e-4", &b, &sharp4, &sharp4_sd),
    ];
    let perf = [ms("test accuracy", &b, &acc, &acc_sd)];
    let gaps = [ms("gap", &b, &gap, &gap_sd)];
    mean_std_panels(
        &dir.join("batch_size_effects.png"),
        "digits, MLP [64, 32, 10]: against batch size (mean ± std over 5 seeds)",
        "batch size",
        &[
            ("ε-sharpness", "sharpness φ", &sharp, true),
            ("test accuracy", "test accuracy", &perf, false),
            ("generalisation gap", "train − test accuracy", &gaps, false),
        ],
        true,
        Some(&ticks),
    )
    .unwrap();
    mean_std_chart(
        &dir.join("sharpness_vs_batch.png"),
        "ε-sharpness against batch size (5 seeds)",
        "batch size",
        "sharpness φ",
        &sharp,
        true,
        true,
        Some(&ticks),
    )
    .unwrap();

    // Width sweep: approximation error falls like 1/width; a diverged width is a gap.
    let w = [2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0];
    let mut err: Vec<f64> = w.iter().map(|v| 0.4 / v + 2e-4).collect();
    err[6] = f64::NAN;
    let err_sd: Vec<f64> = err.iter().map(|v| 0.6 * v).collect();
    mean_std_chart(
        &dir.join("approx_error_vs_width.png"),
        "sine, 1 hidden layer: approximation error against width",
        "hidden width",
        "approximation error (MSE)",
        &[ms("approximation error", &w, &err, &err_sd)],
        true,
        true,
        None,
    )
    .unwrap();
    let tr: Vec<f64> = w.iter().map(|v| 0.5 / v.powf(1.2) + 0.001).collect();
    let tr_sd: Vec<f64> = tr.iter().map(|v| 0.3 * v).collect();
    let te: Vec<f64> = w
        .iter()
        .map(|v| 0.5 / v.powf(1.2) + 0.02 + 0.00003 * v)
        .collect();
    let te_sd: Vec<f64> = te.iter().map(|v| 0.2 * v).collect();
    mean_std_chart(
        &dir.join("loss_vs_width.png"),
        "Loss against width (mean ± std over seeds)",
        "hidden width",
        "loss",
        &[
            ms("train loss", &w, &tr, &tr_sd),
            ms("test loss", &w, &te, &te_sd),
        ],
        true,
        false,
        None,
    )
    .unwrap();
    // A long sweep draws a band.
    let lr: Vec<f64> = (0..60)
        .map(|i| 1e-3 * 10f64.powf(i as f64 / 20.0))
        .collect();
    let fl: Vec<f64> = lr
        .iter()
        .map(|v| 0.05 + 0.3 * (v.log10() + 1.5).powi(2))
        .collect();
    let fl_sd: Vec<f64> = lr.iter().map(|v| 0.02 + 0.05 * v.log10().abs()).collect();
    mean_std_chart(
        &dir.join("band.png"),
        "Final loss against learning rate (60 points: band)",
        "learning rate",
        "final loss",
        &[ms("final loss", &lr, &fl, &fl_sd)],
        true,
        false,
        None,
    )
    .unwrap();

    // Training curves of every run, one colour per batch size.
    let epochs: Vec<f64> = (0..=40).map(|e| e as f64).collect();
    let curves: Vec<Vec<Vec<f64>>> = [16.0, 64.0, 256.0, n]
        .iter()
        .enumerate()
        .map(|(g, &bs)| {
            (0..5)
                .map(|s| {
                    let rate = 0.5 / (1.0 + bs.log2() / 4.0);
                    let floor = 1e-3 * (1.0 + 10.0 * g as f64) * (1.0 + u(10 * g + s));
                    epochs
                        .iter()
                        .map(|&e| {
                            2.3 * (-rate * e * (0.8 + 0.4 * u(100 * g + 10 * s))).exp()
                                + floor
                                + 0.01 * u(1000 * g + 50 * s + e as usize) * (-e / 10.0).exp()
                        })
                        .collect()
                })
                .collect()
        })
        .collect();
    let labels = ["batch 16", "batch 64", "batch 256", "full batch"];
    let groups: Vec<(&str, RunCurves)> = labels
        .iter()
        .zip(&curves)
        .map(|(l, runs)| (*l, runs.iter().map(|r| (&epochs[..], &r[..])).collect()))
        .collect();
    grouped_curves(
        &dir.join("training_curves.png"),
        "Training loss of every run (5 seeds per batch size)",
        "epoch",
        "training loss",
        &groups,
        true,
    )
    .unwrap();

    // The landscape around a flat (small-batch) and a sharp (large-batch) minimum, on
    // one colour scale.
    let m = 41;
    let ax: Vec<f64> = (0..m)
        .map(|i| -1.0 + 2.0 * i as f64 / (m - 1) as f64)
        .collect();
    let field = |f: &dyn Fn(f64, f64) -> f64| {
        let mut z = Vec::new();
        for &bb in &ax {
            for &aa in &ax {
                z.push(f(aa, bb));
            }
        }
        z
    };
    let flat = field(&|a, b| 0.03 + 0.5 * a * a + 0.3 * b * b + 0.1 * a * b);
    let sharp_z = field(&|a, b| 0.02 + 4.0 * (a - 0.05) * (a - 0.05) + 2.0 * b * b);
    let l = Surface {
        x: &ax,
        y: &ax,
        z: &flat,
    };
    let r = Surface {
        x: &ax,
        y: &ax,
        z: &sharp_z,
    };
    let st = SurfaceStyle {
        z_label: "train loss".into(),
        ..SurfaceStyle::default()
    };
    heatmap_pair(
        &dir.join("slices_pair.png"),
        "Training loss around the minima (same directions, same colour scale)",
        ("batch 16 (flat)", &l),
        ("full batch (sharp)", &r),
        &st,
    )
    .unwrap();
    let mut sharp_nan = sharp_z.clone();
    sharp_nan[m * 38..m * 40].fill(f64::NAN);
    heatmap_pair(
        &dir.join("slices_pair_log.png"),
        "Log scale, a diverged strip masked",
        ("batch 16 (flat)", &l),
        ("full batch (sharp)", &Surface { z: &sharp_nan, ..r }),
        &SurfaceStyle {
            log: true,
            ..st.clone()
        },
    )
    .unwrap();
}

fn ms<'a>(label: &'a str, x: &'a [f64], mean: &'a [f64], std: &'a [f64]) -> MeanStd<'a> {
    MeanStd {
        label,
        x,
        mean,
        err: std,
    }
}
