//! The sections of a `slice` run's page: a 2-D slice as a landscape (3-D surface beside
//! the contour map, train and test as tabs, the PCA path over both), a 1-D slice as line
//! charts with one line per direction, and the curvature map when there is one.

use super::page::{nums, Page};
use crate::error::Result;
use crate::experiment::slice::{self, SliceReport};
use crate::experiment::slice_figures::{AxisLabels, SliceData};
use crate::io::run_dir::RunDir;
use crate::landscape::grid::Metric;
use serde_json::{json, Map, Value};

/// The most cells the surface shows: above, it shows every k-th row and column (the
/// contour map keeps every point), so that a 201×201 slice still turns smoothly.
pub const SURFACE_CELLS: usize = 120 * 120;

/// Every k-th row and column keeps an nx × ny surface within [`SURFACE_CELLS`].
pub fn surface_step(nx: usize, ny: usize) -> usize {
    let mut k = 1;
    while surface_points(nx, k) * surface_points(ny, k) > SURFACE_CELLS {
        k += 1;
    }
    k
}

/// Of n grid lines, the surface shows every k-th and the last (as page.js picks them).
pub fn surface_points(n: usize, k: usize) -> usize {
    n.div_ceil(k) + usize::from(n > 0 && !(n - 1).is_multiple_of(k))
}

pub fn sections(page: &mut Page, r: &SliceReport, dir: &RunDir) -> Result<()> {
    let d = slice::load(r, dir)?;
    let labels = slice::axis_labels(r);
    match &d.y {
        Some(y) => landscape(page, r, &d, y, &labels),
        None => lines(page, r, &d, &labels),
    }
    if let (Some(ratio), Some(y)) = (&d.curvature_ratio, &d.y) {
        page.section("Curvature map");
        page.text(
            "|λmin / λmax| of the Hessian at each point of the grid: near 0 where the \
             surface is convex, large where it curves downward strongly in some direction.",
        );
        let z: Vec<Value> = ratio.chunks(d.x.len()).map(nums).collect();
        page.figure(
            json!([{ "type": "heatmap", "x": nums(&d.x), "y": nums(y), "z": z,
                     "colorscale": "Magma", "colorbar": { "title": { "text": "|λmin/λmax|" } },
                     "hovertemplate": "a = %{x}<br>b = %{y}<br>|λmin/λmax| = %{z}<extra></extra>" }]),
            json!({ "title": { "text": "curvature ratio" },
                    "xaxis": { "title": { "text": labels.x } },
                    "yaxis": { "title": { "text": labels.y } } }),
        );
    }
    Ok(())
}

fn landscape(page: &mut Page, r: &SliceReport, d: &SliceData, y: &[f64], labels: &AxisLabels) {
    let (nx, ny) = (d.x.len(), y.len());
    let mut sets = Map::new();
    let mut order = Vec::new();
    for (loss, acc, set) in [
        (Metric::TrainLoss, Metric::TrainAccuracy, "train"),
        (Metric::TestLoss, Metric::TestAccuracy, "test"),
    ] {
        if let Some(values) = d.grid(loss) {
            sets.insert(
                set.into(),
                json!({ "name": loss.label(), "value": nums(values),
                        "acc_name": acc.label(), "acc": d.grid(acc).map(nums) }),
            );
            order.push(set);
        }
    }
    let step = surface_step(nx, ny);
    page.section("Landscape");
    page.text(&format!(
        "The loss over the {nx} × {ny} grid θ(a, b) = θ₀ + a·d_x + b·d_y. Drag the \
         surface to turn it, scroll to zoom; hover either view to read a, b, the loss \
         and the accuracy, and the point is marked on the other. Both views share one \
         colour scale."
    ));
    if step > 1 {
        page.text(&format!(
            "The surface shows every {step}th row and column ({} × {} of the {nx} × {ny} \
             points) so that it turns smoothly; the contour map shows every point.",
            surface_points(nx, step),
            surface_points(ny, step)
        ));
    }
    let path = d
        .path
        .as_ref()
        .map(|p| p.iter().map(|&(a, b)| nums(&[a, b])).collect::<Vec<_>>());
    page.landscape(
        json!({ "x": nums(&d.x), "y": nums(y), "sets": sets, "order": order,
                "labels": { "x": labels.x, "y": labels.y }, "levels": r.levels,
                "step": step, "path": path }),
        &order,
        r.log,
    );
}

fn lines(page: &mut Page, r: &SliceReport, d: &SliceData, labels: &AxisLabels) {
    page.section("Slices");
    page.text(&format!(
        "The loss and accuracy along {} direction{} through θ₀ (a = 0); hover a line to \
         read its values.",
        r.repeat,
        if r.repeat == 1 { "" } else { "s" }
    ));
    let figures = d
        .grids
        .iter()
        .map(|(m, values)| {
            let traces: Vec<Value> = values
                .chunks(d.x.len())
                .enumerate()
                .map(|(i, line)| {
                    json!({ "type": "scatter", "mode": "lines", "x": nums(&d.x), "y": nums(line),
                            "name": format!("direction {}", i + 1),
                            "hovertemplate": format!("a = %{{x}}<br>{} = %{{y}}<extra>direction {}</extra>", m.label(), i + 1) })
                })
                .collect();
            let log = r.log && !m.is_accuracy();
            (
                Value::Array(traces),
                json!({ "title": { "text": m.label() },
                        "xaxis": { "title": { "text": labels.x } },
                        "yaxis": { "title": { "text": m.label() }, "type": if log { "log" } else { "linear" } },
                        "showlegend": r.repeat > 1 }),
            )
        })
        .collect();
    page.figures_row(figures);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_surface_keeps_small_grids_whole_and_thins_large_ones_within_the_budget() {
        assert_eq!(surface_step(51, 51), 1);
        assert_eq!(surface_step(120, 120), 1);
        for n in [121, 200, 201, 401, 1001] {
            let k = surface_step(n, n);
            assert!(surface_points(n, k).pow(2) <= SURFACE_CELLS, "{n}");
            assert!(
                surface_points(n, k - 1).pow(2) > SURFACE_CELLS,
                "{n}: not the smallest step"
            );
        }
        assert_eq!(surface_step(201, 201), 2);
        // 0, 2, ..., 198 and the last line, 199.
        assert_eq!(surface_points(200, 2), 101);
        assert_eq!(surface_points(201, 2), 101);
    }
}
