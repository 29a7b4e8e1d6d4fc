//! The sections of a `slice` run's page: a 2-D slice as a landscape (3-D surface beside
//! the contour map, train and test as tabs, the PCA path over both), a 1-D slice as line
//! charts with one line per direction, the curvature map when there is one, and the
//! Gaussian-smoothed loss with its local-minima counts when the run has `smoothing`.

use super::page::{nums, ordinal, Cell, Page};
use crate::error::Result;
use crate::experiment::slice::{self, SliceReport};
use crate::experiment::slice_figures::{sigma_label, AxisLabels, SliceData, SmoothedGrids};
use crate::io::run_dir::RunDir;
use crate::landscape::grid::Metric;
use serde_json::{json, Map, Value};

/// The most cells the surface shows: above, it shows every k-th row and column (the
/// contour map keeps every point the page holds), so that a 201×201 slice still turns
/// smoothly.
pub const SURFACE_CELLS: usize = 120 * 120;

/// The most cells of a grid the page holds (a 201×201 slice whole): above, every k-th
/// row and column, so that a page stays under 8 MB; the run's arrays keep every point.
pub const PAGE_CELLS: usize = 201 * 201;

/// The smallest k for which every k-th row and column of an nx × ny grid (and the
/// last) is at most `cells` points.
pub fn thinning(nx: usize, ny: usize, cells: usize) -> usize {
    let mut k = 1;
    while surface_points(nx, k) * surface_points(ny, k) > cells {
        k += 1;
    }
    k
}

/// Of n grid lines, every k-th and the last (as page.js picks the surface's).
pub fn surface_points(n: usize, k: usize) -> usize {
    n.div_ceil(k) + usize::from(n > 0 && !(n - 1).is_multiple_of(k))
}

/// The indices of [`surface_points`].
fn picked(n: usize, k: usize) -> Vec<usize> {
    let mut out: Vec<usize> = (0..n).step_by(k).collect();
    if out.last() != Some(&(n - 1)) {
        out.push(n - 1);
    }
    out
}

/// The grid as the page holds it: its x and y, and a function thinning any (ny, nx)
/// row-major array of it the same way.
struct PageGrid {
    /// Every k-th row and column (and the last) is kept.
    k: usize,
    xi: Vec<usize>,
    yj: Vec<usize>,
    nx: usize,
}

impl PageGrid {
    fn new(nx: usize, ny: usize) -> PageGrid {
        let k = thinning(nx, ny, PAGE_CELLS);
        PageGrid {
            k,
            xi: picked(nx, k),
            yj: picked(ny, k),
            nx,
        }
    }

    fn thinned(&self) -> bool {
        self.k > 1
    }

    fn axis(&self, v: &[f64], idx: &[usize]) -> Vec<f64> {
        idx.iter().map(|&i| v[i]).collect()
    }

    /// Row-major (y, x) values at the kept points.
    fn values(&self, v: &[f64]) -> Vec<f64> {
        self.yj
            .iter()
            .flat_map(|&j| self.xi.iter().map(move |&i| v[j * self.nx + i]))
            .collect()
    }
}

pub fn sections(page: &mut Page, r: &SliceReport, dir: &RunDir) -> Result<()> {
    let d = slice::load(r, dir)?;
    let labels = slice::axis_labels(r);
    match &d.y {
        Some(y) => landscape(page, r, &d, y, &labels),
        None => lines(page, r, &d, &labels),
    }
    if let (Some(ratio), Some(y)) = (&d.curvature_ratio, &d.y) {
        let g = PageGrid::new(d.x.len(), y.len());
        let (x, y, ratio) = (g.axis(&d.x, &g.xi), g.axis(y, &g.yj), g.values(ratio));
        page.section("Curvature map");
        page.text(
            "|λmin / λmax| of the Hessian at each point of the grid: near 0 where the \
             surface is convex, large where it curves downward strongly in some direction.",
        );
        let z: Vec<Value> = ratio.chunks(x.len()).map(nums).collect();
        page.figure(
            json!([{ "type": "heatmap", "x": nums(&x), "y": nums(&y), "z": z,
                     "colorscale": "Magma", "colorbar": { "title": { "text": "|λmin/λmax|" } },
                     "hovertemplate": "a = %{x}<br>b = %{y}<br>|λmin/λmax| = %{z}<extra></extra>" }]),
            json!({ "title": { "text": "curvature ratio" },
                    "xaxis": { "title": { "text": labels.x } },
                    "yaxis": { "title": { "text": labels.y } } }),
        );
    }
    if let (Some(s), Some(grids)) = (&r.smoothing, &d.smoothed) {
        smoothed(page, s, &d, grids, &labels);
    }
    Ok(())
}

/// The smoothed train loss L_σ (Kleinberg et al. 2018): the local-minima counts, then
/// the raw and smoothed lines of a 1-D slice on one chart per direction, or a contour
/// map per σ of a 2-D slice.
fn smoothed(
    page: &mut Page,
    s: &slice::SmoothingSummary,
    d: &SliceData,
    grids: &SmoothedGrids,
    labels: &AxisLabels,
) {
    page.section("Smoothed loss");
    let noise = match s.normalization {
        crate::landscape::smoothing::NoiseNormalization::None => "u ~ N(0, σ²I)",
        crate::landscape::smoothing::NoiseNormalization::Filter => {
            "u = σ·z, z Gaussian with each neuron's incoming weights rescaled to the norm of the center's"
        }
    };
    page.text(&format!(
        "The training loss averaged over Gaussian perturbations, L_σ(θ) = E L(θ + u) \
         with {noise} (Kleinberg et al. 2018: SGD behaves like gradient descent on such \
         a smoothed loss, so minima narrower than its noise scale vanish). Monte Carlo \
         with the same {} draws at every point and for every σ, so each curve is \
         smooth; the largest standard error is {}. Strict local minima are counted {}, \
         interior points only.",
        s.samples,
        super::page::show(s.max_stderr),
        match d.y {
            Some(_) => "over each point's 8 neighbours on the grid",
            None => "along each line (summed over the directions)",
        }
    ));
    if let (Some(scale), Some(sigma)) = (s.sgd_noise_scale, s.sgd_sigma) {
        page.text(&format!(
            "SGD's own noise at the center, √(lr·tr(Σ_b)/P) with [train]'s learning rate \
             and batch size, is {} per parameter: σ = {} in this slice's units.",
            super::page::show(scale),
            super::page::show(sigma),
        ));
    }
    let mut rows = vec![vec![
        Cell::from("raw"),
        Cell::from(s.local_minima.raw.to_string()),
    ]];
    for (sigma, n) in s.sigmas.iter().zip(&s.local_minima.smoothed) {
        rows.push(vec![
            Cell::from(sigma_label(*sigma)),
            Cell::from(n.to_string()),
        ]);
    }
    page.table(&["train loss", "strict local minima"], rows);
    let raw = d.grid(Metric::TrainLoss).unwrap_or(&[]);
    match &d.y {
        None => {
            let nx = d.x.len().max(1);
            let lines = raw.len() / nx;
            let trace = |label: String, v: &[f64]| {
                json!({ "type": "scatter", "mode": "lines", "x": nums(&d.x), "y": nums(v),
                        "name": label,
                        "hovertemplate": format!("a = %{{x}}<br>loss = %{{y}}<extra>{label}</extra>") })
            };
            let figures = (0..lines)
                .map(|r| {
                    let line = r * nx..(r + 1) * nx;
                    let mut traces = vec![trace("raw".into(), &raw[line.clone()])];
                    for (i, &sigma) in grids.sigmas.iter().enumerate() {
                        traces.push(trace(sigma_label(sigma), &grids.of(i)[line.clone()]));
                    }
                    let title = match lines {
                        1 => "train loss and its smoothings".to_string(),
                        n => format!("direction {} of {n}", r + 1),
                    };
                    (
                        Value::Array(traces),
                        json!({ "title": { "text": title },
                                "xaxis": { "title": { "text": labels.x } },
                                "yaxis": { "title": { "text": "train loss" } } }),
                    )
                })
                .collect();
            page.figures_row(figures);
        }
        Some(y) => {
            let g = PageGrid::new(d.x.len(), y.len());
            let (px, py) = (g.axis(&d.x, &g.xi), g.axis(y, &g.yj));
            let figures = grids
                .sigmas
                .iter()
                .enumerate()
                .map(|(i, &sigma)| {
                    let z: Vec<Value> = g.values(grids.of(i)).chunks(px.len()).map(nums).collect();
                    (
                        json!([{ "type": "contour", "x": nums(&px), "y": nums(&py), "z": z,
                                 "colorscale": "Viridis", "ncontours": 20,
                                 "hovertemplate": "a = %{x}<br>b = %{y}<br>L_σ = %{z}<extra></extra>" }]),
                        json!({ "title": { "text": sigma_label(sigma) },
                                "xaxis": { "title": { "text": labels.x } },
                                "yaxis": { "title": { "text": labels.y } } }),
                    )
                })
                .collect();
            page.figures_row(figures);
        }
    }
}

fn landscape(page: &mut Page, r: &SliceReport, d: &SliceData, y: &[f64], labels: &AxisLabels) {
    let (nx, ny) = (d.x.len(), y.len());
    let g = PageGrid::new(nx, ny);
    let (px, py) = (g.axis(&d.x, &g.xi), g.axis(y, &g.yj));
    let mut sets = Map::new();
    let mut order = Vec::new();
    for (loss, acc, set) in [
        (Metric::TrainLoss, Metric::TrainAccuracy, "train"),
        (Metric::TestLoss, Metric::TestAccuracy, "test"),
    ] {
        if let Some(values) = d.grid(loss) {
            sets.insert(
                set.into(),
                json!({ "name": loss.label(), "value": nums(&g.values(values)),
                        "acc_name": acc.label(),
                        "acc": d.grid(acc).map(|a| nums(&g.values(a))) }),
            );
            order.push(set);
        }
    }
    let (mx, my) = (px.len(), py.len());
    let step = thinning(mx, my, SURFACE_CELLS);
    page.section("Landscape");
    page.text(&format!(
        "The loss over the {nx} × {ny} grid θ(a, b) = θ₀ + a·d_x + b·d_y. Drag the \
         surface to turn it, scroll to zoom; hover either view to read a, b, the loss \
         and the accuracy, and the point is marked on the other. Both views share one \
         colour scale."
    ));
    if g.thinned() {
        page.text(&format!(
            "So that the page stays small, it holds every {} row and column of the grid \
             ({mx} × {my} of the {nx} × {ny} points); the run's arrays hold every point.",
            ordinal(g.k),
        ));
    }
    if step > 1 {
        page.text(&format!(
            "The surface shows every {} row and column ({} × {} of the {mx} × {my} \
             points) so that it turns smoothly; the contour map shows every point.",
            ordinal(step),
            surface_points(mx, step),
            surface_points(my, step)
        ));
    }
    let path = d
        .path
        .as_ref()
        .map(|p| p.iter().map(|&(a, b)| nums(&[a, b])).collect::<Vec<_>>());
    page.landscape(
        json!({ "x": nums(&px), "y": nums(&py), "sets": sets, "order": order,
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
        let surface_step = |nx, ny| thinning(nx, ny, SURFACE_CELLS);
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
        assert_eq!(picked(7, 3), [0, 3, 6]);
        assert_eq!(picked(8, 3), [0, 3, 6, 7]);
        // The page: 201 × 201 whole, 401 × 401 every 3rd (134 × 134).
        assert_eq!(thinning(201, 201, PAGE_CELLS), 1);
        let g = PageGrid::new(401, 401);
        assert!(g.thinned() && g.xi.len() * g.yj.len() <= PAGE_CELLS);
        let v: Vec<f64> = (0..401 * 401).map(|i| i as f64).collect();
        let kept = g.values(&v);
        assert_eq!(kept.len(), g.xi.len() * g.yj.len());
        assert_eq!(kept[1], g.xi[1] as f64);
        assert_eq!(kept[g.xi.len()], (g.yj[1] * 401) as f64);
    }
}
