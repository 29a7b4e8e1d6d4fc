//! The arrays and figures of an `escape` run.
//!
//! Saved: `escape_steps.npy` (records) and, for each metric, `escape_<metric>.npy` of
//! shape (dynamics, seeds, records): train_loss, test_loss, test_accuracy, distance,
//! barrier. Drawn from them: `escape_curves.png` (test accuracy, training loss and line
//! barrier against step, mean ± std over seeds, one colour per dynamics) and
//! `escape_fraction.png` (the fraction of seeds that escaped, per dynamics).

use super::escape::{report_steps, EscapeReport};
use super::escape_run::RunRecords;
use crate::error::Result;
use crate::io::run_dir::RunDir;
use crate::plot::{self, MeanStd};
use crate::study::stats::mean_std;

/// How to read one metric from a run's records.
pub type Metric = fn(&RunRecords) -> &Vec<f64>;

/// The metrics saved per run.
const METRICS: [(&str, Metric); 5] = [
    ("train_loss", |r| &r.train_loss),
    ("test_loss", |r| &r.test_loss),
    ("test_accuracy", |r| &r.test_accuracy),
    ("distance", |r| &r.distance),
    ("barrier", |r| &r.barrier),
];

/// Writes `escape_steps.npy` and every metric's (dynamics, seeds, records) array.
pub fn save_records(r: &EscapeReport, runs: &[Vec<RunRecords>], dir: &RunDir) -> Result<()> {
    let steps: Vec<f64> = report_steps(r).iter().map(|&s| s as f64).collect();
    dir.write_npy("escape_steps.npy", &steps, &[steps.len()])?;
    let shape = [runs.len(), r.seeds.len(), steps.len()];
    for (name, get) in METRICS {
        let flat: Vec<f64> = runs
            .iter()
            .flatten()
            .flat_map(|run| get(run).clone())
            .collect();
        dir.write_npy(&format!("escape_{name}.npy"), &flat, &shape)?;
    }
    Ok(())
}

/// One metric of every run, [dynamics][seed][record], read back and shape-checked.
pub fn load_metric(r: &EscapeReport, dir: &RunDir, name: &str) -> Result<Vec<Vec<Vec<f64>>>> {
    let records = report_steps(r).len();
    let (flat, _) = dir.read_npy(
        &format!("escape_{name}.npy"),
        &[Some(r.dynamics.len()), Some(r.seeds.len()), Some(records)],
    )?;
    Ok(flat
        .chunks(records * r.seeds.len())
        .map(|d| d.chunks(records).map(<[f64]>::to_vec).collect())
        .collect())
}

/// Mean and std over seeds at each record: [dynamics] → (mean, std).
pub fn over_seeds(metric: &[Vec<Vec<f64>>]) -> Vec<(Vec<f64>, Vec<f64>)> {
    metric
        .iter()
        .map(|seeds| {
            let records = seeds.first().map_or(0, Vec::len);
            (0..records)
                .map(|t| {
                    let m = mean_std(seeds.iter().map(|s| s[t]));
                    (m.mean, m.std)
                })
                .unzip()
        })
        .collect()
}

/// Draws both figures from the saved arrays.
pub fn redraw(r: &EscapeReport, dir: &RunDir) -> Result<()> {
    let steps: Vec<f64> = report_steps(r).iter().map(|&s| s as f64).collect();
    let panels_of = |name: &str| -> Result<Vec<(Vec<f64>, Vec<f64>)>> {
        Ok(over_seeds(&load_metric(r, dir, name)?))
    };
    let accuracy = panels_of("test_accuracy")?;
    let loss = panels_of("train_loss")?;
    let barrier = panels_of("barrier")?;
    let (a, l, b) = (
        series(r, &steps, &accuracy),
        series(r, &steps, &loss),
        series(r, &steps, &barrier),
    );
    plot::mean_std_panels(
        &dir.path("escape_curves.png"),
        &format!(
            "leaving the minimum: lr {}, SGD batch {}, noise trace {:.3e} (mean ± std over {} seeds)",
            r.lr,
            r.batch_size,
            r.noise_trace,
            r.seeds.len()
        ),
        "step",
        &[
            ("test accuracy", "test accuracy", &a, false),
            ("training loss", "training loss", &l, true),
            ("line barrier from the start", "max loss on the line − start loss", &b, false),
        ],
        false,
        None,
    )?;
    let bars: Vec<(&str, f64)> = r
        .dynamics
        .iter()
        .map(|d| (d.name.as_str(), d.escaped_fraction))
        .collect();
    plot::bar_chart(
        &dir.path("escape_fraction.png"),
        &format!(
            "escaped (line barrier > {}) after {} steps",
            r.escape_barrier, r.steps
        ),
        "fraction of seeds",
        &bars,
    )
}

/// One mean ± std series per dynamics.
fn series<'a>(
    r: &'a EscapeReport,
    steps: &'a [f64],
    curves: &'a [(Vec<f64>, Vec<f64>)],
) -> Vec<MeanStd<'a>> {
    r.dynamics
        .iter()
        .zip(curves)
        .map(|(d, (mean, std))| MeanStd {
            label: &d.name,
            x: steps,
            mean,
            err: std,
        })
        .collect()
}
