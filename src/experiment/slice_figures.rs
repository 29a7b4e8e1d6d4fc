//! The figures of a slice run, drawn only from what the run saved (`x.npy`, `y.npy`,
//! `<metric>.npy`, `path.npy`, `summary.json`), so `losscape plot RUN_DIR` can redraw
//! them with another style without recomputing anything.
//!
//! 2-D: contour lines with labelled levels, a filled heatmap and a 3-D surface of each
//! loss; heatmaps of the accuracies; the PCA path over the contours. 1-D: loss and
//! accuracy on twin axes, one colour per direction.

use crate::error::{Error, Result};
use crate::io::npy;
use crate::io::run_dir::RunDir;
use crate::plot::surface::{
    contour_plot, heatmap, slice_1d, surface_3d, Curve1d, Overlay, Slice1d, Surface, SurfaceStyle,
};
use serde_json::Value;

/// Restyling options (`losscape plot` flags; the run uses the config's).
#[derive(Clone, Debug, PartialEq)]
pub struct Style {
    pub log: bool,
    pub levels: usize,
    pub vmin: Option<f64>,
    pub vmax: Option<f64>,
}

fn read(dir: &RunDir, name: &str) -> Result<Option<(Vec<f64>, Vec<usize>)>> {
    let path = dir.path(name);
    if path.exists() {
        npy::read(&path).map(Some)
    } else {
        Ok(None)
    }
}

/// Axis labels: what a unit step along each direction means.
fn axis_labels(summary: &Value) -> (String, String) {
    let pct = |i: usize| summary["explained_variance"][i].as_f64().map(|v| v * 100.0);
    match summary["directions"].as_str() {
        Some("pca") => (
            format!("PC1 ({:.1} % of variance)", pct(0).unwrap_or(f64::NAN)),
            format!("PC2 ({:.1} % of variance)", pct(1).unwrap_or(f64::NAN)),
        ),
        Some("models") => ("α toward model_x".into(), "β toward model_y".into()),
        Some("hessian") => {
            let l = |k: &str| {
                summary["hessian_eigenvalues"][k]
                    .as_f64()
                    .unwrap_or(f64::NAN)
            };
            (
                format!("top eigenvector, λ = {:.4}", l("max")),
                format!("bottom eigenvector, λ = {:.4}", l("min")),
            )
        }
        Some(d) => {
            let n = summary["normalization"].as_str().unwrap_or("none");
            (
                format!("x ({d} direction, {n}-normalised)"),
                format!("y ({d} direction, {n}-normalised)"),
            )
        }
        None => ("x".into(), "y".into()),
    }
}

/// Draw every figure of the slice run in `dir`.
pub fn draw(dir: &RunDir, summary: &Value, style: &Style) -> Result<()> {
    let x = read(dir, "x.npy")?
        .ok_or_else(|| Error::data(dir.path("x.npy"), None, "missing: not a slice run folder"))?
        .0;
    let (xl, yl) = axis_labels(summary);
    match read(dir, "y.npy")? {
        Some((y, _)) => draw_2d(dir, &x, &y, &xl, &yl, style),
        None => draw_1d(dir, &x, &xl, style),
    }
}

fn draw_2d(dir: &RunDir, x: &[f64], y: &[f64], xl: &str, yl: &str, style: &Style) -> Result<()> {
    let path =
        read(dir, "path.npy")?.map(|(v, _)| v.chunks(2).map(|c| (c[0], c[1])).collect::<Vec<_>>());
    let overlay = path.as_ref().map(|p| Overlay {
        points: p,
        label: "training path",
    });
    for (name, label) in [("train_loss", "train loss"), ("test_loss", "test loss")] {
        let Some((z, _)) = read(dir, &format!("{name}.npy"))? else {
            continue;
        };
        check_len(dir, name, z.len(), x.len() * y.len())?;
        let s = Surface { x, y, z: &z };
        let st = SurfaceStyle {
            log: style.log,
            levels: style.levels,
            vmin: style.vmin,
            vmax: style.vmax,
            x_label: xl.to_string(),
            y_label: yl.to_string(),
            z_label: label.to_string(),
            ..SurfaceStyle::default()
        };
        contour_plot(
            &dir.path(&format!("{name}_contour.png")),
            &format!("{label}: contours"),
            &s,
            &st,
            overlay.as_ref(),
        )?;
        heatmap(
            &dir.path(&format!("{name}_heatmap.png")),
            &format!("{label}: heatmap"),
            &s,
            &st,
            overlay.as_ref(),
        )?;
        surface_3d(
            &dir.path(&format!("{name}_surface.png")),
            &format!("{label}: surface"),
            &s,
            &st,
        )?;
    }
    for (name, label) in [
        ("train_accuracy", "train accuracy"),
        ("test_accuracy", "test accuracy"),
    ] {
        let Some((z, _)) = read(dir, &format!("{name}.npy"))? else {
            continue;
        };
        check_len(dir, name, z.len(), x.len() * y.len())?;
        let st = SurfaceStyle {
            log: false,
            levels: style.levels,
            vmin: Some(0.0),
            vmax: Some(1.0),
            x_label: xl.to_string(),
            y_label: yl.to_string(),
            z_label: label.to_string(),
            ..SurfaceStyle::default()
        };
        heatmap(
            &dir.path(&format!("{name}_heatmap.png")),
            &format!("{label}: heatmap"),
            &Surface { x, y, z: &z },
            &st,
            overlay.as_ref(),
        )?;
    }
    if let Some((z, _)) = read(dir, "curvature_ratio.npy")? {
        check_len(dir, "curvature_ratio", z.len(), x.len() * y.len())?;
        let st = SurfaceStyle {
            log: false,
            levels: style.levels,
            vmin: Some(0.0),
            vmax: None,
            x_label: xl.to_string(),
            y_label: yl.to_string(),
            z_label: "|λmin / λmax|".to_string(),
            ..SurfaceStyle::default()
        };
        heatmap(
            &dir.path("curvature_ratio_heatmap.png"),
            "|λmin / λmax| of the Hessian (large: strongly non-convex)",
            &Surface { x, y, z: &z },
            &st,
            overlay.as_ref(),
        )?;
    }
    Ok(())
}

fn draw_1d(dir: &RunDir, x: &[f64], xl: &str, style: &Style) -> Result<()> {
    let train = read(dir, "train_loss.npy")?
        .ok_or_else(|| Error::data(dir.path("train_loss.npy"), None, "missing"))?
        .0;
    let lines = train.len() / x.len().max(1);
    check_len(dir, "train_loss", train.len(), lines * x.len())?;
    let get = |name: &str| -> Result<Option<Vec<f64>>> {
        Ok(read(dir, &format!("{name}.npy"))?.map(|v| v.0))
    };
    let (train_acc, test, test_acc) = (
        get("train_accuracy")?,
        get("test_loss")?,
        get("test_accuracy")?,
    );
    let nx = x.len();
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
            accuracy: train_acc.as_ref().map(|v| &v[range.clone()]),
            dashed: false,
        });
        // With many directions the figure shows the training set only (one colour per
        // direction stays readable); the test arrays are saved all the same.
        if let Some(t) = test.as_ref().filter(|_| lines == 1) {
            curves.push(Curve1d {
                label: el,
                loss: &t[range.clone()],
                accuracy: test_acc.as_ref().map(|v| &v[range.clone()]),
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
            x_label: xl,
            log: style.log,
        },
    )
}

fn check_len(dir: &RunDir, name: &str, got: usize, want: usize) -> Result<()> {
    if got == want {
        Ok(())
    } else {
        Err(Error::data(
            dir.path(&format!("{name}.npy")),
            None,
            format!("holds {got} values but the axes need {want}"),
        ))
    }
}
