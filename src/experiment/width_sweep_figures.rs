//! The figures of a `width_sweep` run: approximation error against width, train and
//! test loss against width (both from the report's per-width means and stds), and the
//! fitted curves of a few widths over the training data (from [`WidthFits`], saved as
//! `fits_*.npy`), so `losscape plot` redraws them without the nets.

use super::width_sweep::WidthSweepReport;
use crate::error::Result;
use crate::io::run_dir::RunDir;
use crate::plot::studies::{mean_std_chart, MeanStd as Band};
use crate::plot::{self, Series};

/// Training data and fitted curves of a 1-input, 1-output sweep.
#[derive(Clone, Debug, PartialEq)]
pub struct WidthFits {
    /// Training points (x, y), sorted by x.
    pub data: Vec<[f64; 2]>,
    /// The evenly spaced x the nets are evaluated at.
    pub x: Vec<f64>,
    /// Each shown net's outputs at `x`, in the order of the report's `fits.widths`.
    pub y: Vec<Vec<f64>>,
}

impl WidthFits {
    /// Saves `fits_data.npy` (n × 2), `fits_x.npy` (m) and `fits_y.npy` (curves × m).
    pub fn save(&self, dir: &RunDir) -> Result<()> {
        let data: Vec<f64> = self.data.iter().flatten().copied().collect();
        dir.write_npy("fits_data.npy", &data, &[self.data.len(), 2])?;
        dir.write_npy("fits_x.npy", &self.x, &[self.x.len()])?;
        let y: Vec<f64> = self.y.iter().flatten().copied().collect();
        dir.write_npy("fits_y.npy", &y, &[self.y.len(), self.x.len()])?;
        Ok(())
    }

    /// Reads back what [`WidthFits::save`] wrote, for `curves` fitted curves.
    pub fn load(dir: &RunDir, curves: usize) -> Result<WidthFits> {
        let (data, _) = dir.read_npy("fits_data.npy", &[None, Some(2)])?;
        let (x, _) = dir.read_npy("fits_x.npy", &[None])?;
        let (y, _) = dir.read_npy("fits_y.npy", &[Some(curves), Some(x.len())])?;
        Ok(WidthFits {
            data: data.chunks_exact(2).map(|c| [c[0], c[1]]).collect(),
            y: y.chunks_exact(x.len().max(1))
                .map(<[f64]>::to_vec)
                .collect(),
            x,
        })
    }
}

/// Draws the figures of a sweep; `fits.png` only with `fits`.
pub fn draw(dir: &RunDir, report: &WidthSweepReport, fits: Option<&WidthFits>) -> Result<()> {
    draw_by_width(dir, report)?;
    match (fits, &report.fits) {
        (Some(f), Some(shown)) => draw_fits(dir, f, &shown.widths),
        _ => Ok(()),
    }
}

/// Approximation error, and train and test loss, against width (mean and 95 % confidence
/// interval over seeds).
fn draw_by_width(dir: &RunDir, report: &WidthSweepReport) -> Result<()> {
    let by = &report.by_width;
    let x: Vec<f64> = by.iter().map(|b| b.width as f64).collect();
    let col = |f: &dyn Fn(&super::width_sweep::WidthStats) -> crate::study::MeanStd| {
        by.iter().map(|b| (f(b).mean, f(b).ci_half_width())).unzip()
    };
    let (em, es): (Vec<f64>, Vec<f64>) = col(&|b| b.approx_error);
    mean_std_chart(
        &dir.path("approx_error.png"),
        "Approximation error against width",
        "hidden width",
        "approximation error",
        &[Band {
            label: "approximation error",
            x: &x,
            mean: &em,
            err: &es,
        }],
        true,
        true,
        None,
    )?;
    let (trm, trs): (Vec<f64>, Vec<f64>) = col(&|b| b.train_loss);
    let (tem, tes): (Vec<f64>, Vec<f64>) = col(&|b| b.test_loss);
    let mut series = vec![Band {
        label: "train loss",
        x: &x,
        mean: &trm,
        err: &trs,
    }];
    if tem.iter().any(|v| v.is_finite()) {
        series.push(Band {
            label: "test loss",
            x: &x,
            mean: &tem,
            err: &tes,
        });
    }
    mean_std_chart(
        &dir.path("loss_vs_width.png"),
        "Train and test loss against width (mean and 95 % CI over seeds)",
        "hidden width",
        "loss",
        &series,
        true,
        true,
        None,
    )
}

/// The training data and the fitted curve of each width in `widths`.
fn draw_fits(dir: &RunDir, fits: &WidthFits, widths: &[usize]) -> Result<()> {
    let (dx, dy): (Vec<f64>, Vec<f64>) = fits.data.iter().map(|p| (p[0], p[1])).unzip();
    let labels: Vec<String> = widths.iter().map(|w| format!("width {w}")).collect();
    let mut series = vec![Series {
        label: "training data",
        x: &dx,
        y: &dy,
    }];
    for (label, y) in labels.iter().zip(&fits.y) {
        series.push(Series {
            label,
            x: &fits.x,
            y,
        });
    }
    plot::line_chart(
        &dir.path("fits.png"),
        "Fitted curves by hidden width",
        "x",
        "y",
        &series,
        false,
    )
}
