//! The sections of the single-net kinds' pages: `train` (loss and accuracy curves, the
//! decision regions with the data, or the fitted curve of a 1-D regression),
//! `evaluate` (the metrics of a weights file on each set) and `xor` (the single neuron,
//! the hand-wired network and the trained nets: outcomes, loss curves, regions).

use super::page::{nums, show, Cell, Page};
use crate::error::Result;
use crate::experiment::evaluate::EvaluateReport;
use crate::experiment::figures::{self, FitCurve, RegionGrid};
use crate::experiment::train::TrainReport;
use crate::experiment::xor_figures::XorFigures;
use crate::experiment::xor_report::XorReport;
use crate::io::run_dir::RunDir;
use crate::optim::Record;
use serde_json::{json, Value};

pub fn train(page: &mut Page, r: &TrainReport, dir: &RunDir) -> Result<()> {
    let records = figures::load_records(dir, "trajectory.csv")?;
    page.section("Training");
    page.text(&format!(
        "{} steps ({} epochs) from {}{}.",
        r.steps,
        show(r.epochs),
        r.start,
        match (&r.divergence, r.plateau_at) {
            (Some(d), _) => format!("; diverged: {d}"),
            (None, Some(step)) => format!("; the loss stopped improving at step {step}"),
            _ => String::new(),
        }
    ));
    curves(page, &records);
    if let Some(info) = &r.decision_regions {
        page.section("Decision regions");
        regions(
            page,
            &RegionGrid::load(dir, "decision_regions", info)?,
            "decision regions",
        );
    }
    if r.fitted_curve {
        let fit = FitCurve::load(dir, "fit")?;
        page.section("Fitted function");
        let col = |v: &[[f64; 2]], i: usize| v.iter().map(|p| p[i]).collect::<Vec<f64>>();
        page.figure(
            json!([
                { "type": "scatter", "mode": "markers", "name": "data", "x": nums(&col(&fit.data, 0)),
                  "y": nums(&col(&fit.data, 1)), "marker": { "color": "#888", "size": 5 } },
                { "type": "scatter", "mode": "lines", "name": "net", "x": nums(&col(&fit.curve, 0)),
                  "y": nums(&col(&fit.curve, 1)) }
            ]),
            json!({ "title": { "text": "the net against the data" },
                    "xaxis": { "title": { "text": "x" } }, "yaxis": { "title": { "text": "y" } } }),
        );
    }
    Ok(())
}

/// Loss and accuracy against epochs, train and test.
fn curves(page: &mut Page, records: &[Record]) {
    let epoch: Vec<f64> = records.iter().map(|r| r.epoch).collect();
    let line = |name: &str, f: &dyn Fn(&Record) -> Option<f64>| -> Option<Value> {
        let y: Vec<Option<f64>> = records.iter().map(f).collect();
        y.iter().any(Option::is_some).then(|| {
            let y: Vec<f64> = y.iter().map(|v| v.unwrap_or(f64::NAN)).collect();
            json!({ "type": "scatter", "mode": "lines", "name": name, "x": nums(&epoch), "y": nums(&y),
                    "hovertemplate": format!("epoch %{{x}}<br>{name} = %{{y}}<extra></extra>") })
        })
    };
    let losses: Vec<Value> = [
        line("train loss", &|r| Some(r.train_loss)),
        line("test loss", &|r| r.test_loss),
    ]
    .into_iter()
    .flatten()
    .collect();
    let accuracies: Vec<Value> = [
        line("train accuracy", &|r| r.train_accuracy),
        line("test accuracy", &|r| r.test_accuracy),
    ]
    .into_iter()
    .flatten()
    .collect();
    let layout = |title: &str, log: bool| {
        json!({ "title": { "text": title }, "xaxis": { "title": { "text": "epoch" } },
                "yaxis": { "type": if log { "log" } else { "linear" } } })
    };
    let mut row = vec![(json!(losses), layout("loss", true))];
    if !accuracies.is_empty() {
        row.push((json!(accuracies), layout("accuracy", false)));
    }
    page.figures_row(row);
}

/// A classifier's regions over the input plane, with the training and test points.
fn regions(page: &mut Page, g: &RegionGrid, title: &str) {
    let n = g.info.resolution;
    let axis = |(a, b): (f64, f64)| -> Vec<f64> {
        (0..n)
            .map(|i| a + (b - a) * i as f64 / (n - 1).max(1) as f64)
            .collect()
    };
    let (xs, ys) = (axis(g.info.x_range), axis(g.info.y_range));
    let (z, what) = match g.info.n_classes {
        None => (&g.values[..], "P(class 1)"),
        Some(_) => (&g.values[..n * n], "predicted class"),
    };
    let rows: Vec<Value> = z.chunks(n).map(nums).collect();
    let mut traces = vec![json!({
        "type": "heatmap", "x": nums(&xs), "y": nums(&ys), "z": rows, "colorscale": "RdBu",
        "reversescale": true, "opacity": 0.75, "colorbar": { "title": { "text": what } },
        "hovertemplate": format!("x₁ = %{{x}}<br>x₂ = %{{y}}<br>{what} = %{{z}}<extra></extra>") })];
    for (points, name, symbol) in [
        (&g.train, "train", "circle"),
        (&g.test, "test", "triangle-up"),
    ] {
        if points.is_empty() {
            continue;
        }
        let col = |i: usize| points.iter().map(|p| p[i]).collect::<Vec<f64>>();
        traces.push(json!({
            "type": "scatter", "mode": "markers", "name": name, "x": nums(&col(0)), "y": nums(&col(1)),
            "marker": { "symbol": symbol, "size": 7, "color": nums(&col(2)), "colorscale": "RdBu",
                        "reversescale": true, "line": { "color": "#000", "width": 0.6 } },
            "hovertemplate": format!("{name}: x₁ = %{{x}}, x₂ = %{{y}}, class %{{marker.color}}<extra></extra>") }));
    }
    page.figure(
        json!(traces),
        json!({ "title": { "text": title }, "xaxis": { "title": { "text": "x₁" } },
                "yaxis": { "title": { "text": "x₂" }, "scaleanchor": "x" } }),
    );
}

pub fn evaluate(page: &mut Page, r: &EvaluateReport) {
    page.section("Metrics");
    page.text(&format!(
        "The weights {} ({} parameters) on each set.",
        r.weights, r.n_params
    ));
    let rows = [("train", Some(&r.train)), ("test", r.test.as_ref())]
        .into_iter()
        .filter_map(|(set, m)| m.map(|m| (set, m)))
        .map(|(set, m)| {
            vec![
                Cell::from(set),
                Cell::from(m.n.to_string()),
                Cell::from(show(m.loss)),
                Cell::from(m.accuracy.map_or("–".into(), show)),
                Cell::from(show(m.grad_norm)),
            ]
        })
        .collect();
    page.table(&["set", "samples", "loss", "accuracy", "‖∇L‖"], rows);
}

pub fn xor(page: &mut Page, r: &XorReport, dir: &RunDir) -> Result<()> {
    let f = XorFigures::load(dir, r)?;
    let s = &r.single_neuron;
    page.section("One step neuron");
    page.text(&format!(
        "At best {} of the 4 XOR points over {} weight triples on a {}-point grid in \
         [−{}, {}]³ ({} reach it). Rosenblatt's rule {} on XOR after {} epochs (errors in \
         the last epochs: {:?}){}.",
        s.best_correct,
        s.grid.weights_tried,
        s.grid.points_per_axis,
        show(s.grid.limit),
        show(s.grid.limit),
        s.grid.weights_at_best,
        if s.perceptron.converged {
            "converges"
        } else {
            "never converges"
        },
        s.perceptron.epochs,
        s.perceptron.errors_last_epochs,
        s.perceptron
            .and_converged_after_epochs
            .map_or(String::new(), |e| format!(
                ", and converges on AND after {e} epochs"
            ))
    ));
    let n = &r.formula_network;
    page.section("A hand-wired network");
    page.text(&format!(
        "{} (layers {:?}) outputs {:?} on 00, 01, 10, 11.",
        n.formula, n.layers, n.truth_table
    ));
    regions(page, &f.formula_regions, "the hand-wired network's regions");
    let t = &r.trained;
    page.section("Trained nets");
    page.text(&format!(
        "{} seeds of a {:?} net: {} solved, {} stalled (mean final loss {} solved, {} stalled).",
        t.seeds,
        t.layers,
        t.solved,
        t.stalled,
        t.mean_final_loss_solved.map_or("–".into(), show),
        t.mean_final_loss_stalled.map_or("–".into(), show)
    ));
    let curves: Vec<Value> = t
        .loss_curves
        .iter()
        .zip(&f.curves)
        .map(|(shown, c)| {
            let name = format!("seed {} ({})", shown.seed, if shown.solved { "solved" } else { "stalled" });
            json!({ "type": "scatter", "mode": "lines", "name": name, "x": nums(&c.epoch), "y": nums(&c.loss) })
        })
        .collect();
    page.figure(
        json!(curves),
        json!({ "title": { "text": "training loss of solved and stalled seeds" },
                "xaxis": { "title": { "text": "epoch" } }, "yaxis": { "type": "log" } }),
    );
    if let Some(g) = &f.trained_regions {
        regions(page, g, "a trained net's regions");
    }
    let rows = f
        .seeds
        .iter()
        .map(|s| {
            vec![
                Cell::from(s.seed.to_string()),
                Cell::from(if s.solved { "solved" } else { "stalled" }),
                Cell::from(show(s.final_loss)),
                Cell::from(show(s.final_grad_norm)),
            ]
        })
        .collect();
    page.table(&["seed", "outcome", "final loss", "final ‖∇L‖"], rows);
    Ok(())
}
