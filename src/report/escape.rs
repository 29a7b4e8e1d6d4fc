//! The sections of an `escape` run's page: the table of dynamics (escaped fraction,
//! final test accuracy and losses, distance and barrier over seeds), and the test
//! accuracy, training loss and line barrier against step (mean ± std band per dynamics).

use super::page::{nums, show, show_sig, Cell, Page};
use crate::error::Result;
use crate::experiment::escape::{report_steps, EscapeReport};
use crate::experiment::escape_figures::{load_metric, over_seeds};
use crate::io::run_dir::RunDir;
use crate::study::stats::MeanStd;
use serde_json::{json, Value};

fn mean_std(m: &MeanStd) -> String {
    format!("{} ± {}", show_sig(m.mean, 4), show_sig(m.std, 2))
}

pub fn sections(page: &mut Page, r: &EscapeReport, dir: &RunDir) -> Result<()> {
    page.section("Escape from the minimum");
    page.text(&format!(
        "From the {} center (training loss {}, test accuracy {}, top Hessian eigenvalue {}), \
         {} steps at lr {} per dynamics over {} seeds. Every Gaussian noise has the total \
         variance of SGD's at batch {}, tr(Σ_b) = {} ({} rows' gradients). A run escaped \
         when the loss on the straight line from the center to its last point exceeds \
         the center's by more than {}.",
        super::page::label(&r.center),
        show(r.start.train_loss),
        show(r.start.test_accuracy),
        r.start
            .hessian_top
            .first()
            .map_or("n/a".into(), |&l| show(l)),
        r.steps,
        show(r.lr),
        r.seeds.len(),
        r.batch_size,
        show(r.noise_trace),
        r.samples,
        show(r.escape_barrier),
    ));
    let rows = r
        .dynamics
        .iter()
        .map(|d| {
            vec![
                Cell::from(d.name.clone()),
                Cell::from(show(d.noise_trace)),
                Cell::from(show(d.escaped_fraction)),
                Cell::from(mean_std(&d.final_test_accuracy)),
                Cell::from(mean_std(&d.final_test_loss)),
                Cell::from(mean_std(&d.final_train_loss)),
                Cell::from(mean_std(&d.distance)),
                Cell::from(mean_std(&d.barrier)),
            ]
        })
        .collect();
    page.table(
        &[
            "dynamics",
            "noise trace",
            "escaped",
            "test accuracy",
            "test loss",
            "training loss",
            "distance",
            "line barrier",
        ],
        rows,
    );
    let steps: Vec<f64> = report_steps(r).iter().map(|&s| s as f64).collect();
    let mut figures = Vec::new();
    for (metric, title, log) in [
        ("test_accuracy", "test accuracy", false),
        ("train_loss", "training loss", true),
        ("barrier", "line barrier from the start", false),
    ] {
        let curves = over_seeds(&load_metric(r, dir, metric)?);
        let traces: Vec<Value> = r
            .dynamics
            .iter()
            .zip(&curves)
            .enumerate()
            .map(|(i, (d, (mean, std)))| {
                json!({ "type": "scatter", "mode": "lines", "x": nums(&steps), "y": nums(mean),
                        "name": d.name, "legendgroup": d.name, "showlegend": true,
                        "line": { "color": format!("hsl({}, 65%, 45%)", i * 360 / r.dynamics.len().max(1)) },
                        "error_y": { "type": "data", "array": nums(std), "visible": true, "thickness": 0.5 },
                        "hovertemplate": format!("{}<br>step %{{x}}: %{{y}}<extra></extra>", d.name) })
            })
            .collect();
        figures.push((
            json!(traces),
            json!({ "title": { "text": title },
                    "xaxis": { "title": { "text": "step" } },
                    "yaxis": { "title": { "text": title }, "type": if log { "log" } else { "linear" } } }),
        ));
    }
    page.figures_row(figures);
    Ok(())
}
