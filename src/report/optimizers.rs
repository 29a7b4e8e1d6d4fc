//! The sections of an `optimizers` run's page: per start point, its loss and extreme
//! eigenvalues, the loss against step and against work (one line per optimiser), the
//! paths over the loss on the plane of the start's extreme eigenvectors, and the table
//! of races (final loss and curvature, when each escaped and at what cost).

use super::page::{nums, show, Cell, Page};
use crate::error::Result;
use crate::experiment::optimizers::OptimizersReport;
use crate::experiment::optimizers_figures::load;
use crate::io::run_dir::RunDir;
use serde_json::{json, Value};

/// The optimisers' colours, as the PNG figures draw them (Tableau 10).
const COLORS: [&str; 5] = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd"];

pub fn sections(page: &mut Page, r: &OptimizersReport, dir: &RunDir) -> Result<()> {
    page.section("Optimisers from saddles");
    let searches = r.searches.as_ref().map_or(String::new(), |s| {
        format!(
            " {} searches: {} converged, {} distinct saddles.",
            s.searches, s.converged, s.saddles
        )
    });
    page.text(&format!(
        "{} steps of each optimiser on the full batch (lr {}, Adam {}; Krylov dimension {}, \
         damping {}, line search {}), every race from the start moved by the same step of \
         length {}. Work counts an HVP as 1, a gradient as {} and a loss as {}. A race \
         escaped once its loss fell below {} × the start's.{searches}",
        r.steps,
        show(r.lr),
        show(r.adam_lr),
        r.krylov_dim,
        show(r.damping),
        if r.line_search { "on" } else { "off" },
        show(r.perturbation),
        show(r.gradient_cost),
        show(r.loss_cost),
        show(1.0 - r.escape_drop),
    ));
    let opt = |c: Option<f64>| c.map_or("never".into(), show);
    for (k, s) in r.starts.iter().enumerate() {
        page.section(&format!("From the {}", s.origin));
        page.text(&format!(
            "Loss {}, ‖∇L‖ {}, λmax {}, λmin {}; {} after the perturbation.",
            show(s.loss),
            show(s.grad_norm),
            show(s.lambda_max),
            show(s.lambda_min),
            show(s.perturbed_loss)
        ));
        let a = load(r, k, dir)?;
        let steps: Vec<f64> = (0..s.records).map(|t| t as f64).collect();
        let traces = |x: &dyn Fn(usize) -> Vec<f64>| -> Value {
            json!(r
                .optimizers
                .iter()
                .enumerate()
                .map(|(i, o)| json!({ "type": "scatter", "mode": "lines", "x": nums(&x(i)),
                    "y": nums(&a.loss[i]), "name": o.name(), "line": { "color": COLORS[i % COLORS.len()] },
                    "hovertemplate": format!("{}<br>%{{x}}: %{{y}}<extra></extra>", o.name()) }))
                .collect::<Vec<_>>())
        };
        let layout = |x: &str| {
            json!({ "xaxis": { "title": { "text": x } },
                    "yaxis": { "title": { "text": "training loss" }, "type": "log" } })
        };
        page.figures_row(vec![
            (traces(&|_| steps.clone()), layout("step")),
            (traces(&|i| a.cost[i].clone()), layout("HVP-equivalents")),
        ]);
        let g = s.plane_x.len();
        if g > 0 {
            let (z, _) = dir.read_npy(&format!("race{k}_plane.npy"), &[Some(g), Some(g)])?;
            let rows: Vec<Value> = z.chunks(g).map(nums).collect();
            let mut data = vec![
                json!({ "type": "contour", "x": nums(&s.plane_x), "y": nums(&s.plane_y),
                "z": rows, "colorscale": "Viridis", "ncontours": 25, "name": "training loss",
                "hovertemplate": "x = %{x}<br>y = %{y}<br>loss = %{z}<extra></extra>" }),
            ];
            for (i, o) in r.optimizers.iter().enumerate() {
                let (x, y): (Vec<f64>, Vec<f64>) = a.path[i].iter().copied().unzip();
                data.push(
                    json!({ "type": "scatter", "mode": "lines", "x": nums(&x), "y": nums(&y),
                    "name": o.name(), "line": { "color": COLORS[i % COLORS.len()], "width": 2 } }),
                );
            }
            data.push(json!({ "type": "scatter", "mode": "markers+text", "x": [0.0], "y": [0.0],
                "text": ["start"], "textposition": "top right", "name": "start point",
                "marker": { "color": "white", "size": 10, "line": { "color": "black", "width": 2 } } }));
            page.figure(
                json!(data),
                json!({ "title": { "text": "paths on the plane of H's top and most negative eigenvectors" },
                        "xaxis": { "title": { "text": format!("along the top eigenvector (λ = {})", show(s.lambda_max)) } },
                        "yaxis": { "title": { "text": format!("along the most negative (λ = {})", show(s.lambda_min)) } } }),
            );
        }
        let rows = s
            .races
            .iter()
            .map(|x| {
                vec![
                    Cell::from(x.optimizer.name().to_string()),
                    Cell::from(x.steps.to_string()),
                    Cell::from(show(x.final_loss)),
                    Cell::from(show(x.final_grad_norm)),
                    Cell::from(show(x.final_lambda_min)),
                    Cell::from(opt(x.escaped_at.map(|e| e as f64))),
                    Cell::from(opt(x.escape_cost)),
                    Cell::from(show(x.cost)),
                    Cell::from(show(x.distance)),
                ]
            })
            .collect();
        page.table(
            &[
                "optimiser",
                "steps",
                "final loss",
                "final ‖∇L‖",
                "final λmin",
                "escaped at step",
                "work to escape",
                "work",
                "distance",
            ],
            rows,
        );
    }
    Ok(())
}
