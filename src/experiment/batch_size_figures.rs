//! Figures and `report.md` of a batch-size study (kind `batch_size`): the parametric
//! plot between the smallest- and largest-batch minima, the two 2-D slices on one colour
//! scale, sharpness / test performance / gap against batch size, every run's training
//! curve, and the markdown report that puts the table and the figures together.

use super::batch_size::{Batch, BatchRun, Interpolation};
use super::num;
use super::setup::rng;
use crate::config::{BatchStudyConfig, LoadedConfig};
use crate::error::Result;
use crate::io::run_dir::RunDir;
use crate::landscape::directions::{normalize, Ignore, Normalization};
use crate::landscape::grid::{Evaluator, Plane};
use crate::linalg::gaussian;
use crate::nn::Mlp;
use crate::plot::studies::{grouped_curves, mean_std_panels, MeanStd as Band, RunCurves};
use crate::plot::{heatmap_pair, slice_1d, Curve1d, Slice1d, Surface, SurfaceStyle};
use crate::scalar::Scalar;
use crate::seeded::Stream;
use crate::study::MeanStd;
use rayon::prelude::*;
use serde_json::{json, Value};
use std::collections::BTreeMap;
pub(super) fn draw_interpolation(
    dir: &RunDir,
    it: &Interpolation,
    small: &str,
    large: &str,
) -> Result<()> {
    let acc = |j: usize| {
        it.values[j]
            .iter()
            .any(|v| v.is_finite())
            .then_some(&it.values[j][..])
    };
    let curves = [
        Curve1d {
            label: "train",
            loss: &it.values[0],
            accuracy: acc(1),
            dashed: false,
        },
        Curve1d {
            label: "test",
            loss: &it.values[2],
            accuracy: acc(3),
            dashed: true,
        },
    ];
    slice_1d(
        &dir.path("parametric.png"),
        &format!("(1 − α)·θ(batch {small}) + α·θ(batch {large})"),
        &Slice1d {
            x: &it.alpha,
            curves: &curves,
            x_label: "α",
            log: true,
        },
    )
}

/// 2-D filter-normalised slices (the same two Gaussian directions, normalised to each
/// center) around the two minima, measured on the metric subset and drawn on one colour
/// scale; returns the center and largest loss of each.
pub(super) fn draw_slices<S: Scalar>(
    dir: &RunDir,
    ev: &Evaluator<S>,
    mlp: &Mlp,
    centers: [(&String, &Vec<f64>); 2],
    bc: &BatchStudyConfig,
    seed: u64,
) -> Result<Value> {
    let p = mlp.n_params();
    let k = bc.slice_points;
    let r = bc.slice_range;
    let axis: Vec<f64> = (0..k)
        .map(|i| -r + 2.0 * r * i as f64 / (k - 1) as f64)
        .collect();
    let mut g = rng(seed, Stream::BatchSlice);
    let raw = [gaussian(p, &mut g), gaussian(p, &mut g)];
    let mut grids: Vec<Vec<f64>> = Vec::new();
    let mut info = Vec::new();
    for (label, center) in centers {
        let dirs: Vec<Vec<f64>> = raw
            .iter()
            .map(|d| {
                let mut d = d.clone();
                normalize(
                    &mut d,
                    center,
                    &mlp.layout,
                    Normalization::Filter,
                    Ignore::Bias,
                );
                d
            })
            .collect();
        let plane = Plane {
            center,
            dx: &dirs[0],
            dy: Some(&dirs[1]),
        };
        let coords: Vec<(f64, f64)> = axis
            .iter()
            .flat_map(|&b| axis.iter().map(move |&a| (a, b)))
            .collect();
        let z: Vec<f64> = coords
            .par_iter()
            .map(|&(a, b)| ev.measure(&plane, a, b)[0])
            .collect();
        let stem = format!("slice_b{}", label.replace('%', "pct"));
        dir.write_npy(&format!("{stem}_train_loss.npy"), &z, &[k, k])?;
        let mid = z[(k / 2) * k + k / 2];
        info.push(json!({
            "batch": label,
            "center_loss": num(mid),
            "max_loss": num(z.iter().cloned().fold(f64::NEG_INFINITY, f64::max)),
        }));
        grids.push(z);
    }
    dir.write_npy("slice_axis.npy", &axis, &[k])?;

    let style = SurfaceStyle {
        log: true,
        z_label: "train loss".into(),
        x_label: "δ (filter-normalised)".into(),
        y_label: "η (filter-normalised)".into(),
        ..SurfaceStyle::default()
    };
    heatmap_pair(
        &dir.path("slices.png"),
        "Training loss around the minima (same directions, same colour scale)",
        (
            &format!("batch {}", centers[0].0),
            &Surface {
                x: &axis,
                y: &axis,
                z: &grids[0],
            },
        ),
        (
            &format!("batch {}", centers[1].0),
            &Surface {
                x: &axis,
                y: &axis,
                z: &grids[1],
            },
        ),
        &style,
    )?;
    Ok(json!(info))
}

/// Sharpness, test accuracy and gap against batch size; every run's training curve.
pub(super) fn draw_study(
    dir: &RunDir,
    runs: &[BatchRun],
    batches: &[Batch],
    by_batch: &[(String, usize, BTreeMap<String, MeanStd>)],
    eps_keys: &[String],
    n: usize,
) -> Result<()> {
    let x: Vec<f64> = by_batch.iter().map(|b| b.1 as f64).collect();
    let ticks: Vec<(f64, String)> = by_batch
        .iter()
        .map(|(label, size, _)| {
            (
                *size as f64,
                if *size == n {
                    format!("{label} (n)")
                } else {
                    label.clone()
                },
            )
        })
        .collect();
    let col = |k: &str| -> (Vec<f64>, Vec<f64>) {
        by_batch
            .iter()
            .map(|b| b.2.get(k).map_or((f64::NAN, f64::NAN), |s| (s.mean, s.std)))
            .unzip()
    };
    let sharp: Vec<(String, Vec<f64>, Vec<f64>)> = eps_keys
        .iter()
        .map(|k| {
            let (m, s) = col(&format!("sharpness_{k}"));
            (format!("ε = {k}"), m, s)
        })
        .collect();
    let sharp_series: Vec<Band> = sharp
        .iter()
        .map(|(l, m, s)| Band {
            label: l,
            x: &x,
            mean: m,
            std: s,
        })
        .collect();
    let (acc_m, acc_s) = col("test_accuracy");
    let (gap_m, gap_s) = col("gap");
    let classification = acc_m.iter().any(|v| v.is_finite());
    let (perf_label, perf_m, perf_s) = if classification {
        ("test accuracy", acc_m, acc_s)
    } else {
        let (m, s) = col("test_loss");
        ("test loss", m, s)
    };
    let perf = [Band {
        label: perf_label,
        x: &x,
        mean: &perf_m,
        std: &perf_s,
    }];
    let gap = [Band {
        label: "gap",
        x: &x,
        mean: &gap_m,
        std: &gap_s,
    }];
    let gap_label = if classification {
        "train − test accuracy"
    } else {
        "test − train loss"
    };
    mean_std_panels(
        &dir.path("batch_size_effects.png"),
        "Against batch size (mean ± std over seeds)",
        "batch size",
        &[
            ("ε-sharpness", "sharpness φ", &sharp_series, true),
            (perf_label, perf_label, &perf, false),
            ("generalisation gap", gap_label, &gap, false),
        ],
        true,
        Some(&ticks),
    )?;
    let groups: Vec<(String, RunCurves)> = batches
        .iter()
        .map(|b| {
            let curves = runs
                .iter()
                .filter(|r| r.batch_size == b.size)
                .map(|r| (&r.epochs[..], &r.curve_train_loss[..]))
                .collect();
            (format!("batch {}", b.label), curves)
        })
        .collect();
    let groups_ref: Vec<(&str, RunCurves)> = groups
        .iter()
        .map(|(l, c)| (l.as_str(), c.clone()))
        .collect();
    grouped_curves(
        &dir.path("training_curves.png"),
        "Training loss of every run",
        "epoch",
        "training loss",
        &groups_ref,
        true,
    )
}

/// `report.md`: the settings, the table by batch size and the figures.
pub(super) fn write_report(
    dir: &RunDir,
    cfg: &LoadedConfig,
    batches: &[Batch],
    by_batch: &[(String, usize, BTreeMap<String, MeanStd>)],
    eps_keys: &[String],
    slices: bool,
    first_seed: u64,
) -> Result<()> {
    let t = cfg.train()?;
    let mut md = format!(
        "# Batch-size study: {}\n\nOptimizer {:?}, lr {}, {} per run; seeds {:?}. Mean ± std over seeds.\n\n",
        cfg.config.name.as_deref().unwrap_or("unnamed"),
        t.optimizer,
        t.lr,
        match (t.epochs, t.steps) {
            (Some(e), _) => format!("{e} epochs"),
            (_, Some(s)) => format!("{s} steps"),
            _ => String::new(),
        },
        match &cfg.config.experiment {
            crate::config::ExperimentConfig::BatchSize(b) => b.seeds.clone(),
            _ => vec![],
        }
    );
    let mut header = vec![
        "batch",
        "train loss",
        "test loss",
        "train acc",
        "test acc",
        "gap",
    ];
    let sharp_cols: Vec<String> = eps_keys
        .iter()
        .map(|k| format!("sharpness ε={k}"))
        .collect();
    header.extend(sharp_cols.iter().map(|s| s.as_str()));
    header.extend(["λmax", "trace", "‖θ − θ₀‖"]);
    md += &format!(
        "| {} |\n|{}\n",
        header.join(" | "),
        "---|".repeat(header.len())
    );
    let cell = |s: Option<&MeanStd>| match s {
        Some(s) if s.mean.is_finite() => format!("{:.4} ± {:.4}", s.mean, s.std),
        _ => "–".into(),
    };
    for (b, (_, _, st)) in batches.iter().zip(by_batch) {
        let mut row = vec![format!("{} ({})", b.label, b.size)];
        for k in [
            "train_loss",
            "test_loss",
            "train_accuracy",
            "test_accuracy",
            "gap",
        ] {
            row.push(cell(st.get(k)));
        }
        for k in eps_keys {
            row.push(cell(st.get(&format!("sharpness_{k}"))));
        }
        for k in ["lambda_max", "trace", "distance_from_init"] {
            row.push(cell(st.get(k)));
        }
        md += &format!("| {} |\n", row.join(" | "));
    }
    md += &format!(
        "\n## Parametric plot (seed {first_seed})\n\n![parametric](parametric.png)\n\n## Against batch size\n\n![effects](batch_size_effects.png)\n\n"
    );
    if slices {
        md +=
            "## Slices around the smallest- and largest-batch minima\n\n![slices](slices.png)\n\n";
    }
    md += "## Training curves\n\n![curves](training_curves.png)\n";
    dir.write_text("report.md", &md)?;
    Ok(())
}
