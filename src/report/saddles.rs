//! The sections of a `saddles` run's page: loss against index of every search's end
//! point (hover: start, status, λmin, λmax), the table of the points with their weights
//! files, and the curvature along the training run with the saddle visits shaded.

use super::page::{label, num, nums, show, Cell, Page};
use crate::error::Result;
use crate::experiment::saddles::{CriticalPointReport, SaddlesReport, StartOrigin};
use crate::experiment::saddles_track::CurvatureAlongRun;
use crate::io::run_dir::RunDir;
use serde_json::{json, Value};

fn start(p: &CriticalPointReport) -> String {
    match p.start {
        StartOrigin::Init => format!("random init {}", p.start_at),
        StartOrigin::Trajectory => format!("training step {}", p.start_at),
    }
}

pub fn sections(page: &mut Page, r: &SaddlesReport, dir: &RunDir) -> Result<()> {
    page.section("Critical points: loss against index");
    page.text(&format!(
        "{} searches, {} converged: {} minima, {} saddles, {} degenerate, {} not critical. \
         Pearson correlation of loss and index: {}. Hover a point for its start, status and \
         extreme eigenvalues.",
        r.critical_points.len(),
        r.converged,
        r.counts.minimum,
        r.counts.saddle,
        r.counts.degenerate,
        r.counts.not_critical,
        show(r.loss_index_pearson)
    ));
    // One trace per class, so the legend names them.
    let mut classes: Vec<String> = r
        .critical_points
        .iter()
        .map(|p| label(&p.spectrum.classification))
        .collect();
    classes.sort();
    classes.dedup();
    let traces: Vec<Value> = classes
        .iter()
        .map(|class| {
            let points: Vec<&CriticalPointReport> = r
                .critical_points
                .iter()
                .filter(|p| &label(&p.spectrum.classification) == class)
                .collect();
            let custom: Vec<Value> = points
                .iter()
                .map(|p| {
                    json!([start(p), label(&p.status), num(p.spectrum.eigenvalue_min),
                           num(p.eigenvalue_max), num(p.grad_norm)])
                })
                .collect();
            json!({
                "type": "scatter", "mode": "markers", "name": class,
                "x": points.iter().map(|p| num(p.spectrum.index)).collect::<Vec<_>>(),
                "y": points.iter().map(|p| num(p.loss)).collect::<Vec<_>>(),
                "customdata": custom, "marker": { "size": 9, "opacity": 0.8 },
                "hovertemplate": "index %{x}<br>loss %{y}<br>start: %{customdata[0]}<br>\
                    status: %{customdata[1]}<br>λmin = %{customdata[2]}<br>\
                    λmax = %{customdata[3]}<br>‖∇L‖ = %{customdata[4]}<extra>%{fullData.name}</extra>"
            })
        })
        .collect();
    page.figure(
        json!(traces),
        json!({ "title": { "text": "loss against index (fraction of negative eigenvalues)" },
                "xaxis": { "title": { "text": "index" } },
                "yaxis": { "title": { "text": "loss" } } }),
    );
    let rows = r
        .critical_points
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let weights = match &p.weights {
                Some(w) => Cell::Link {
                    text: w.clone(),
                    href: w.clone(),
                },
                None => Cell::from(""),
            };
            vec![
                Cell::from(i.to_string()),
                Cell::from(start(p)),
                Cell::from(label(&p.status)),
                Cell::from(show(p.loss)),
                Cell::from(show(p.grad_norm)),
                Cell::from(show(p.spectrum.index)),
                Cell::from(show(p.spectrum.eigenvalue_min)),
                Cell::from(show(p.eigenvalue_max)),
                Cell::from(label(&p.spectrum.classification)),
                weights,
            ]
        })
        .collect();
    page.table(
        &[
            "#",
            "start",
            "status",
            "loss",
            "‖∇L‖",
            "index",
            "λmin",
            "λmax",
            "class",
            "weights",
        ],
        rows,
    );
    if let Some(t) = &r.track {
        let c = CurvatureAlongRun::load(dir, t.points)?;
        page.section("Curvature along the training run");
        page.text(&format!(
            "λmin and λmax of the Hessian every {} steps of training, with the loss. Shaded: \
             the {} saddle visit{} (snapshots where ‖∇L‖ ≤ {} × its largest value and λmin \
             is clearly negative).",
            t.every,
            t.saddle_visits.len(),
            if t.saddle_visits.len() == 1 { "" } else { "s" },
            show(t.visit_grad_frac)
        ));
        let shapes: Vec<Value> = t
            .saddle_visits
            .iter()
            .map(|[a, b]| {
                json!({ "type": "rect", "xref": "x", "yref": "paper", "x0": a, "x1": b,
                        "y0": 0, "y1": 1, "fillcolor": "rgba(228,87,46,0.15)", "line": { "width": 0 } })
            })
            .collect();
        let line = |y: &[f64], name: &str, axis: &str| {
            json!({ "type": "scatter", "mode": "lines", "x": nums(&c.step), "y": nums(y),
                    "name": name, "yaxis": axis,
                    "hovertemplate": format!("step %{{x}}<br>{name} = %{{y}}<extra></extra>") })
        };
        page.figure(
            json!([
                line(&c.lambda_max, "λmax", "y"),
                line(&c.lambda_min, "λmin", "y"),
                line(&c.loss, "loss", "y2"),
            ]),
            json!({ "title": { "text": "curvature track" }, "shapes": shapes,
                    "xaxis": { "title": { "text": "training step" } },
                    "yaxis": { "title": { "text": "eigenvalue" } },
                    "yaxis2": { "title": { "text": "loss" }, "overlaying": "y", "side": "right",
                                "type": "log" } }),
        );
    }
    Ok(())
}
