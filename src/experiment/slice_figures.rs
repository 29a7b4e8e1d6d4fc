//! The figures of a slice run, drawn from plain data ([`SliceData`]: the axes, the value
//! grids, the PCA path, the curvature ratios) that the run saves as `x.npy`, `y.npy`,
//! `<metric>.npy`, `path.npy` and `curvature_ratio.npy`, so `losscape plot RUN_DIR` can
//! redraw them with another [`Style`] without recomputing anything.
//!
//! 2-D: contour lines with labelled levels, a filled heatmap and a 3-D surface of each
//! loss; heatmaps of the accuracies; the PCA path over the contours. 1-D: loss and
//! accuracy on twin axes, one colour per direction. With smoothing, the smoothed train
//! losses (module `smoothed`).

mod smoothed;

use crate::error::{Error, Result};
use crate::io::run_dir::RunDir;
use crate::landscape::grid::Metric;
use crate::plot::surface::{
    contour_plot, heatmap, slice_1d, surface_3d, Curve1d, Overlay, Slice1d, Surface, SurfaceStyle,
};

/// How the figures are drawn: log colour scale, contour levels, colour range.
#[derive(Clone, Debug, PartialEq)]
pub struct Style {
    pub log: bool,
    pub levels: usize,
    pub vmin: Option<f64>,
    pub vmax: Option<f64>,
}

impl Style {
    /// The style of the run's config (`log`, `levels`), full colour range.
    pub fn of_run(log: bool, levels: usize) -> Style {
        Style {
            log,
            levels,
            vmin: None,
            vmax: None,
        }
    }
}

/// Restyling options (the `losscape plot` flags): what is given replaces the run's own
/// style, what is not keeps it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Restyle {
    pub log: Option<bool>,
    pub levels: Option<usize>,
    pub vmin: Option<f64>,
    pub vmax: Option<f64>,
}

impl Restyle {
    /// `run` with these options applied.
    pub fn over(&self, run: Style) -> Style {
        Style {
            log: self.log.unwrap_or(run.log),
            levels: self.levels.unwrap_or(run.levels),
            vmin: self.vmin.or(run.vmin),
            vmax: self.vmax.or(run.vmax),
        }
    }
}

/// What the figures of a slice show.
#[derive(Clone, Debug, PartialEq)]
pub struct SliceData {
    /// The x coordinates, and the y coordinates of a 2-D slice.
    pub x: Vec<f64>,
    pub y: Option<Vec<f64>>,
    /// Each measured metric over the grid: (ny, nx) row-major for 2-D, one line of nx
    /// per direction for 1-D.
    pub grids: Vec<(Metric, Vec<f64>)>,
    /// The training path in the plane (PCA directions).
    pub path: Option<Vec<(f64, f64)>>,
    /// |λmin/λmax| of the Hessian over a 2-D grid.
    pub curvature_ratio: Option<Vec<f64>>,
    /// The Gaussian-smoothed train loss (`smoothing`).
    pub smoothed: Option<SmoothedGrids>,
}

/// The smoothed train loss L_σ of each σ over the slice's grid and its Monte Carlo
/// standard error: `loss[s·n + i]` for σ = `sigmas[s]` at grid point i of n (grid order).
#[derive(Clone, Debug, PartialEq)]
pub struct SmoothedGrids {
    pub sigmas: Vec<f64>,
    pub loss: Vec<f64>,
    pub stderr: Vec<f64>,
}

impl SmoothedGrids {
    /// The grid of σ number `s`.
    pub fn of(&self, s: usize) -> &[f64] {
        let n = self.loss.len() / self.sigmas.len().max(1);
        &self.loss[s * n..(s + 1) * n]
    }
}

/// A σ as the figures and the page write it.
pub fn sigma_label(sigma: f64) -> String {
    format!("σ = {sigma}")
}

impl SliceData {
    /// The grid of metric `m`, if measured.
    pub fn grid(&self, m: Metric) -> Option<&[f64]> {
        self.grids
            .iter()
            .find(|(g, _)| *g == m)
            .map(|(_, v)| v.as_slice())
    }
}

/// What a unit step along each direction means.
#[derive(Clone, Debug, PartialEq)]
pub struct AxisLabels {
    pub x: String,
    pub y: String,
}

/// Draws every figure of the slice `data` into `dir`.
pub fn draw(dir: &RunDir, data: &SliceData, labels: &AxisLabels, style: &Style) -> Result<()> {
    match &data.y {
        Some(y) => draw_2d(dir, data, y, labels, style)?,
        None => draw_1d(dir, data, &labels.x, style)?,
    }
    match &data.smoothed {
        Some(s) => smoothed::draw(dir, data, s, labels, style),
        None => Ok(()),
    }
}

fn draw_2d(
    dir: &RunDir,
    data: &SliceData,
    y: &[f64],
    labels: &AxisLabels,
    style: &Style,
) -> Result<()> {
    let x = &data.x[..];
    let overlay = data
        .path
        .as_ref()
        .map(|p| Overlay::path(p, "training path"));
    let axes = |z_label: &str| SurfaceStyle {
        x_label: labels.x.clone(),
        y_label: labels.y.clone(),
        z_label: z_label.to_string(),
        ..SurfaceStyle::default()
    };
    for m in [Metric::TrainLoss, Metric::TestLoss] {
        let Some(z) = data.grid(m) else {
            continue;
        };
        let (name, label) = (m.name(), m.label());
        check_len(name, z.len(), x.len() * y.len())?;
        let s = Surface { x, y, z };
        let st = SurfaceStyle {
            log: style.log,
            levels: style.levels,
            vmin: style.vmin,
            vmax: style.vmax,
            ..axes(label)
        };
        contour_plot(
            &dir.path(&format!("{name}_contour.png")),
            &format!("{label}: contours"),
            &s,
            &st,
            overlay.as_slice(),
        )?;
        heatmap(
            &dir.path(&format!("{name}_heatmap.png")),
            &format!("{label}: heatmap"),
            &s,
            &st,
            overlay.as_slice(),
        )?;
        surface_3d(
            &dir.path(&format!("{name}_surface.png")),
            &format!("{label}: surface"),
            &s,
            &st,
        )?;
    }
    for m in [Metric::TrainAccuracy, Metric::TestAccuracy] {
        let Some(z) = data.grid(m) else {
            continue;
        };
        let (name, label) = (m.name(), m.label());
        check_len(name, z.len(), x.len() * y.len())?;
        let st = SurfaceStyle {
            log: false,
            levels: style.levels,
            vmin: Some(0.0),
            vmax: Some(1.0),
            ..axes(label)
        };
        heatmap(
            &dir.path(&format!("{name}_heatmap.png")),
            &format!("{label}: heatmap"),
            &Surface { x, y, z },
            &st,
            overlay.as_slice(),
        )?;
    }
    if let Some(z) = &data.curvature_ratio {
        check_len("curvature_ratio", z.len(), x.len() * y.len())?;
        let st = SurfaceStyle {
            log: false,
            levels: style.levels,
            vmin: Some(0.0),
            vmax: None,
            ..axes("|λmin / λmax|")
        };
        heatmap(
            &dir.path("curvature_ratio_heatmap.png"),
            "|λmin / λmax| of the Hessian (large: strongly non-convex)",
            &Surface { x, y, z },
            &st,
            overlay.as_slice(),
        )?;
    }
    Ok(())
}

fn draw_1d(dir: &RunDir, data: &SliceData, x_label: &str, style: &Style) -> Result<()> {
    let x = &data.x[..];
    let nx = x.len();
    let train = data
        .grid(Metric::TrainLoss)
        .ok_or_else(|| Error::Invalid("a slice without its train loss has no figure".into()))?;
    let lines = train.len() / nx.max(1);
    check_len("train_loss", train.len(), lines * nx)?;
    let (train_acc, test, test_acc) = (
        data.grid(Metric::TrainAccuracy),
        data.grid(Metric::TestLoss),
        data.grid(Metric::TestAccuracy),
    );
    let mut labels = Vec::new();
    for r in 0..lines {
        let tag = if lines > 1 {
            format!(" (direction {})", r + 1)
        } else {
            String::new()
        };
        labels.push((format!("train{tag}"), format!("test{tag}")));
    }
    let mut curves = Vec::new();
    for (r, (tl, el)) in labels.iter().enumerate() {
        let range = r * nx..(r + 1) * nx;
        curves.push(Curve1d {
            label: tl,
            loss: &train[range.clone()],
            accuracy: train_acc.map(|v| &v[range.clone()]),
            dashed: false,
        });
        // With many directions the figure shows the training set only (one colour per
        // direction stays readable); the test arrays are saved all the same.
        if let Some(t) = test.filter(|_| lines == 1) {
            curves.push(Curve1d {
                label: el,
                loss: &t[range.clone()],
                accuracy: test_acc.map(|v| &v[range.clone()]),
                dashed: true,
            });
        }
    }
    let title = if lines > 1 {
        format!("1-D slices along {lines} random directions")
    } else {
        "1-D slice".to_string()
    };
    slice_1d(
        &dir.path("slice_1d.png"),
        &title,
        &Slice1d {
            x,
            curves: &curves,
            x_label,
            log: style.log,
        },
    )
}

/// The grid `name` holds `got` values where the axes need `want`.
fn check_len(name: &str, got: usize, want: usize) -> Result<()> {
    if got == want {
        Ok(())
    } else {
        Err(Error::Invalid(format!(
            "the slice's {name} grid holds {got} values but its axes need {want}"
        )))
    }
}
