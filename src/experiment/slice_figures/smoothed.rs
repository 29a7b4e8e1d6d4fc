//! The figures of a smoothed slice (Kleinberg et al. 2018), drawn from the saved
//! `train_loss.npy` and `smoothed_train_loss.npy`:
//! - 1-D: `smoothed_slice.png`, the raw train loss and one line per σ ("σ = …"); with
//!   `repeat`, `smoothed_slice_<r>.png` for direction r (0-based, as the array's row);
//! - 2-D: `smoothed_contour_<s>.png` for σ number s (0-based, as the array's first
//!   axis), contour lines of the smoothed train loss.

use super::{check_len, sigma_label, AxisLabels, SliceData, SmoothedGrids, Style};
use crate::error::{Error, Result};
use crate::io::run_dir::RunDir;
use crate::landscape::grid::Metric;
use crate::plot::surface::{contour_plot, slice_1d, Curve1d, Slice1d, Surface, SurfaceStyle};

/// Draws the smoothed figures of `data` into `dir`.
pub(super) fn draw(
    dir: &RunDir,
    data: &SliceData,
    s: &SmoothedGrids,
    labels: &AxisLabels,
    style: &Style,
) -> Result<()> {
    let raw = data
        .grid(Metric::TrainLoss)
        .ok_or_else(|| Error::Invalid("a smoothed slice without its train loss".into()))?;
    check_len(
        "smoothed_train_loss",
        s.loss.len(),
        s.sigmas.len() * raw.len(),
    )?;
    match &data.y {
        Some(y) => {
            for (i, &sigma) in s.sigmas.iter().enumerate() {
                let st = SurfaceStyle {
                    log: style.log,
                    levels: style.levels,
                    vmin: style.vmin,
                    vmax: style.vmax,
                    x_label: labels.x.clone(),
                    y_label: labels.y.clone(),
                    z_label: format!("smoothed train loss, {}", sigma_label(sigma)),
                    ..SurfaceStyle::default()
                };
                contour_plot(
                    &dir.path(&format!("smoothed_contour_{i}.png")),
                    &format!("train loss smoothed with {}", sigma_label(sigma)),
                    &Surface {
                        x: &data.x,
                        y,
                        z: s.of(i),
                    },
                    &st,
                    &[],
                )?;
            }
            Ok(())
        }
        None => {
            let nx = data.x.len();
            let lines = raw.len() / nx.max(1);
            let sigma_labels: Vec<String> = s.sigmas.iter().map(|&v| sigma_label(v)).collect();
            for r in 0..lines {
                let line = r * nx..(r + 1) * nx;
                let mut curves = vec![Curve1d {
                    label: "train (raw)",
                    loss: &raw[line.clone()],
                    accuracy: None,
                    dashed: false,
                }];
                for (i, label) in sigma_labels.iter().enumerate() {
                    curves.push(Curve1d {
                        label,
                        loss: &s.of(i)[line.clone()],
                        accuracy: None,
                        dashed: false,
                    });
                }
                let (file, title) = match lines {
                    1 => (
                        "smoothed_slice.png".to_string(),
                        "train loss and its Gaussian smoothings".to_string(),
                    ),
                    n => (
                        format!("smoothed_slice_{r}.png"),
                        format!(
                            "train loss and its Gaussian smoothings, direction {} of {n}",
                            r + 1
                        ),
                    ),
                };
                slice_1d(
                    &dir.path(&file),
                    &title,
                    &Slice1d {
                        x: &data.x,
                        curves: &curves,
                        x_label: &labels.x,
                        log: style.log,
                    },
                )?;
            }
            Ok(())
        }
    }
}
