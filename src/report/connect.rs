//! The sections of a `connect` run's page: the two barriers and the distance, loss and
//! accuracy against t along the line and the curve, and the training loss over the
//! plane through the two minima and the bend with both paths drawn on it.

use super::page::{nums, show, Cell, Page};
use crate::error::Result;
use crate::experiment::connect::{ConnectReport, PathPoint};
use crate::io::run_dir::RunDir;
use serde_json::{json, Value};

pub fn sections(page: &mut Page, r: &ConnectReport, dir: &RunDir) -> Result<()> {
    page.section("Mode connectivity");
    let ends = match r.ends.as_str() {
        "seeds" => format!("trained from seeds {:?}", r.seeds),
        _ => "loaded from model_a and model_b".into(),
    };
    page.text(&format!(
        "Two minima {ends}, ‖θ_a − θ_b‖ = {}. The {} bend was trained with {} at lr {} for {} \
         epochs ({} steps of {} rows, one t ~ U(0, 1) per step). A barrier is the highest \
         loss on the path minus the mean of its two ends' losses.",
        show(r.distance),
        r.shape.name(),
        <&str>::from(r.optimizer),
        show(r.lr),
        r.epochs,
        r.steps,
        r.batch_size,
    ));
    let worst = |pts: &[PathPoint], f: fn(&PathPoint) -> f64| {
        pts.iter().map(f).fold(f64::INFINITY, f64::min)
    };
    let row = |name: &str, pts: &[PathPoint], barrier: f64, test_barrier: f64| {
        vec![
            Cell::from(name.to_string()),
            Cell::from(show(barrier)),
            Cell::from(show(test_barrier)),
            Cell::from(show(worst(pts, |p| p.train_accuracy))),
            Cell::from(show(worst(pts, |p| p.test_accuracy))),
        ]
    };
    page.table(
        &[
            "path",
            "training-loss barrier",
            "test-loss barrier",
            "lowest training accuracy",
            "lowest test accuracy",
        ],
        vec![
            row("line", &r.line, r.barrier_line, r.test_barrier_line),
            row(
                &format!("{} curve", r.shape.name()),
                &r.curve,
                r.barrier_curve,
                r.test_barrier_curve,
            ),
        ],
    );
    let t: Vec<f64> = r.line.iter().map(|p| p.t).collect();
    let mut figures = Vec::new();
    for (title, log, train, test) in [
        (
            "loss",
            true,
            (|p: &PathPoint| p.train_loss) as fn(&PathPoint) -> f64,
            (|p: &PathPoint| p.test_loss) as fn(&PathPoint) -> f64,
        ),
        (
            "accuracy",
            false,
            |p: &PathPoint| p.train_accuracy,
            |p: &PathPoint| p.test_accuracy,
        ),
    ] {
        let mut traces = Vec::new();
        for (name, pts, color) in [
            ("line", &r.line, "#1f77b4"),
            (r.shape.name(), &r.curve, "#d62728"),
        ] {
            for (set, f, dash) in [("train", train, "solid"), ("test", test, "dash")] {
                let y: Vec<f64> = pts.iter().map(f).collect();
                if y.iter().any(|v| v.is_finite()) {
                    traces.push(json!({ "type": "scatter", "mode": "lines+markers", "x": nums(&t),
                        "y": nums(&y), "name": format!("{name}: {set}"),
                        "line": { "dash": dash, "color": color },
                        "marker": { "size": 4 },
                        "hovertemplate": format!("{name} {set}<br>t = %{{x}}: %{{y}}<extra></extra>") }));
                }
            }
        }
        if !traces.is_empty() {
            figures.push((
                json!(traces),
                json!({ "title": { "text": format!("{title} along the paths") },
                        "xaxis": { "title": { "text": "t" } },
                        "yaxis": { "title": { "text": title }, "type": if log { "log" } else { "linear" } } }),
            ));
        }
    }
    page.figures_row(figures);
    if let Some(p) = &r.plane {
        let (z, _) = dir.read_npy("plane_train_loss.npy", &[Some(p.y.len()), Some(p.x.len())])?;
        let rows: Vec<Value> = z.chunks(p.x.len()).map(nums).collect();
        let path = |pts: &[(f64, f64)], name: &str, color: &str, mode: &str| {
            let (x, y): (Vec<f64>, Vec<f64>) = pts.iter().copied().unzip();
            json!({ "type": "scatter", "mode": mode, "x": nums(&x), "y": nums(&y), "name": name,
                    "line": { "color": color, "width": 3 }, "marker": { "color": color, "size": 9 } })
        };
        let line = p.path(&t, |s| [1.0 - s, 0.0, s]);
        let bent = p.path(&t, |s| r.shape.weights(s));
        let points = [(p.a[0], p.a[1]), (p.b[0], p.b[1]), (p.bend[0], p.bend[1])];
        let (px, py): (Vec<f64>, Vec<f64>) = points.iter().copied().unzip();
        page.figure(
            json!([
                { "type": "contour", "x": nums(&p.x), "y": nums(&p.y), "z": rows,
                  "colorscale": "Viridis", "ncontours": 25, "name": "training loss",
                  "hovertemplate": "x = %{x}<br>y = %{y}<br>loss = %{z}<extra></extra>" },
                path(&line, "line", "#202020", "lines"),
                path(&bent, &format!("{} curve", r.shape.name()), "#d62728", "lines"),
                { "type": "scatter", "mode": "markers+text", "x": nums(&px), "y": nums(&py),
                  "text": ["θ_a", "θ_b", "θ_c"], "textposition": "top center", "name": "points",
                  "marker": { "color": "white", "size": 10, "line": { "color": "black", "width": 2 } } }
            ]),
            json!({ "title": { "text": "training loss over the plane through θ_a, θ_b and the bend" },
                    "xaxis": { "title": { "text": "along θ_b − θ_a" } },
                    "yaxis": { "title": { "text": "⟂, toward the bend" }, "scaleanchor": "x" } }),
        );
    }
    Ok(())
}
