//! Figures and `report.md` of a batch-size study (kind `batch_size`), drawn from plain
//! data: the parametric plot between the smallest- and largest-batch minima, the two
//! 2-D slices on one colour scale, sharpness / test performance / gap against batch
//! size, every run's training curve, and the markdown report that puts the table and
//! the figures together.

use crate::error::Result;
use crate::io::run_dir::RunDir;
use crate::plot::studies::{grouped_curves, mean_std_panels, MeanStd as Band, RunCurves};
use crate::plot::{heatmap_pair, slice_1d, Curve1d, Slice1d, Surface, SurfaceStyle};
use crate::study::MeanStd;

/// Train and test loss and accuracy along (1 − α)·θ_small + α·θ_large.
pub struct Parametric<'a> {
    pub alpha: &'a [f64],
    pub train_loss: &'a [f64],
    pub train_accuracy: &'a [f64],
    pub test_loss: &'a [f64],
    pub test_accuracy: &'a [f64],
    /// The labels of the smallest and the largest batch size.
    pub small: &'a str,
    pub large: &'a str,
}

/// `parametric.png`: the losses (log axis) and, for classification, the accuracies.
pub fn draw_parametric<'a>(dir: &RunDir, it: &Parametric<'a>) -> Result<()> {
    let acc = |v: &'a [f64]| -> Option<&'a [f64]> { v.iter().any(|x| x.is_finite()).then_some(v) };
    let curves = [
        Curve1d {
            label: "train",
            loss: it.train_loss,
            accuracy: acc(it.train_accuracy),
            dashed: false,
        },
        Curve1d {
            label: "test",
            loss: it.test_loss,
            accuracy: acc(it.test_accuracy),
            dashed: true,
        },
    ];
    slice_1d(
        &dir.path("parametric.png"),
        &format!("(1 − α)·θ(batch {}) + α·θ(batch {})", it.small, it.large),
        &Slice1d {
            x: it.alpha,
            curves: &curves,
            x_label: "α",
            log: true,
        },
    )
}

/// The training loss on the grid `axis` × `axis` around one minimum (row j is
/// η = axis[j]).
pub struct MinimumSlice<'a> {
    /// The batch size's label.
    pub batch: &'a str,
    pub train_loss: &'a [f64],
}

/// `slices.png`: the slices around the two minima side by side, on one colour scale.
pub fn draw_slices(dir: &RunDir, axis: &[f64], pair: [MinimumSlice; 2]) -> Result<()> {
    let style = SurfaceStyle {
        log: true,
        z_label: "train loss".into(),
        x_label: "δ (filter-normalised)".into(),
        y_label: "η (filter-normalised)".into(),
        ..SurfaceStyle::default()
    };
    let [left, right] = pair.map(|s| {
        (
            format!("batch {}", s.batch),
            Surface {
                x: axis,
                y: axis,
                z: s.train_loss,
            },
        )
    });
    heatmap_pair(
        &dir.path("slices.png"),
        "Training loss around the minima (same directions, same colour scale)",
        (&left.0, &left.1),
        (&right.0, &right.1),
        &style,
    )
}

/// One batch size's numbers over the seeds, as the figures and the table show them.
pub struct BatchRow<'a> {
    /// As written in the config ("256", "10%", "full"), and samples per step.
    pub label: &'a str,
    pub size: usize,
    pub train_loss: MeanStd,
    pub test_loss: MeanStd,
    pub train_accuracy: MeanStd,
    pub test_accuracy: MeanStd,
    pub gap: MeanStd,
    /// ε-sharpness, one per ε of the study (in its order).
    pub sharpness: Vec<MeanStd>,
    pub lambda_max: MeanStd,
    pub trace: MeanStd,
    pub distance_from_init: MeanStd,
}

/// `batch_size_effects.png`: sharpness (one series per ε, named by `eps_keys`), test
/// accuracy (test loss for regression) and the generalisation gap against batch size,
/// on a log axis ticked with the labels (`n` marks the full batch).
pub fn draw_effects(dir: &RunDir, rows: &[BatchRow], eps_keys: &[String], n: usize) -> Result<()> {
    let x: Vec<f64> = rows.iter().map(|b| b.size as f64).collect();
    let ticks: Vec<(f64, String)> = rows
        .iter()
        .map(|b| {
            let label = match b.size == n {
                true => format!("{} (n)", b.label),
                false => b.label.to_string(),
            };
            (b.size as f64, label)
        })
        .collect();
    let col = |f: &dyn Fn(&BatchRow) -> MeanStd| -> (Vec<f64>, Vec<f64>) {
        rows.iter()
            .map(|b| (f(b).mean, f(b).ci_half_width()))
            .unzip()
    };
    let sharp: Vec<(String, Vec<f64>, Vec<f64>)> = eps_keys
        .iter()
        .enumerate()
        .map(|(k, eps)| {
            let (m, s) = col(&|b| b.sharpness[k]);
            (format!("ε = {eps}"), m, s)
        })
        .collect();
    let sharp_series: Vec<Band> = sharp
        .iter()
        .map(|(l, m, s)| Band {
            label: l,
            x: &x,
            mean: m,
            err: s,
        })
        .collect();
    let (acc_m, acc_s) = col(&|b| b.test_accuracy);
    let (gap_m, gap_s) = col(&|b| b.gap);
    let classification = acc_m.iter().any(|v| v.is_finite());
    let (perf_label, perf_m, perf_s) = if classification {
        ("test accuracy", acc_m, acc_s)
    } else {
        let (m, s) = col(&|b| b.test_loss);
        ("test loss", m, s)
    };
    let perf = [Band {
        label: perf_label,
        x: &x,
        mean: &perf_m,
        err: &perf_s,
    }];
    let gap = [Band {
        label: "gap",
        x: &x,
        mean: &gap_m,
        err: &gap_s,
    }];
    let gap_label = if classification {
        "train − test accuracy"
    } else {
        "test − train loss"
    };
    mean_std_panels(
        &dir.path("batch_size_effects.png"),
        "Against batch size (mean and 95 % confidence interval over seeds)",
        "batch size",
        &[
            ("ε-sharpness", "sharpness φ", &sharp_series, true),
            (perf_label, perf_label, &perf, false),
            ("generalisation gap", gap_label, &gap, false),
        ],
        true,
        Some(&ticks),
    )
}

/// `training_curves.png`: the training loss of every run against epochs, one group (and
/// colour) per batch size, labelled `batch <label>`.
pub fn draw_training_curves(dir: &RunDir, groups: &[(&str, RunCurves)]) -> Result<()> {
    let labelled: Vec<(String, RunCurves)> = groups
        .iter()
        .map(|(label, curves)| (format!("batch {label}"), curves.clone()))
        .collect();
    let refs: Vec<(&str, RunCurves)> = labelled
        .iter()
        .map(|(l, c)| (l.as_str(), c.clone()))
        .collect();
    grouped_curves(
        &dir.path("training_curves.png"),
        "Training loss of every run",
        "epoch",
        "training loss",
        &refs,
        true,
    )
}

/// What `report.md` says about how the study was run.
pub struct StudyNote {
    /// The config's name ("unnamed" without one).
    pub name: String,
    /// The optimizer as the config names its kind (`Adam`, `Sgd` ...).
    pub optimizer: String,
    pub lr: f64,
    /// "60 epochs" or "1000 steps".
    pub length: String,
    pub seeds: Vec<u64>,
}

/// `report.md`: the settings, the table by batch size and the figures (the slices when
/// `slices`).
pub fn report_markdown(
    note: &StudyNote,
    rows: &[BatchRow],
    eps_keys: &[String],
    slices: bool,
) -> String {
    let mut md = format!(
        "# Batch-size study: {}\n\nOptimizer {}, lr {}, {} per run; seeds {:?}. Mean ± std over seeds, with the 95 % confidence interval of the mean (Student t) in brackets.\n\n",
        note.name, note.optimizer, note.lr, note.length, note.seeds
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
    let cell = |s: &MeanStd| match (s.mean.is_finite(), s.ci95[0].is_finite()) {
        (true, true) => format!(
            "{:.4} ± {:.4} [{:.4}, {:.4}]",
            s.mean, s.std, s.ci95[0], s.ci95[1]
        ),
        (true, false) => format!("{:.4} ± {:.4}", s.mean, s.std),
        (false, _) => "–".into(),
    };
    for b in rows {
        let mut row = vec![format!("{} ({})", b.label, b.size)];
        for s in [
            &b.train_loss,
            &b.test_loss,
            &b.train_accuracy,
            &b.test_accuracy,
            &b.gap,
        ] {
            row.push(cell(s));
        }
        row.extend(b.sharpness.iter().map(cell));
        for s in [&b.lambda_max, &b.trace, &b.distance_from_init] {
            row.push(cell(s));
        }
        md += &format!("| {} |\n", row.join(" | "));
    }
    let first_seed = note.seeds.first().copied().unwrap_or_default();
    md += &format!("\n## Parametric plot (seed {first_seed})\n\n");
    md += "![parametric](parametric.png)\n\n## Against batch size\n\n![effects](batch_size_effects.png)\n\n";
    if slices {
        md +=
            "## Slices around the smallest- and largest-batch minima\n\n![slices](slices.png)\n\n";
    }
    md += "## Training curves\n\n![curves](training_curves.png)\n";
    md
}
