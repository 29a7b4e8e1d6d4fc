//! The heatmap: the field drawn per pixel by bilinear interpolation of the grid, a pixel
//! whose nearest grid point is masked drawn light grey, with a colour bar; the raster
//! also paints the masked cells under a contour plot.

use std::path::Path;

use plotters::prelude::*;

use super::super::kit::{Area, DrawResult};
use super::figure2d::draw_2d;
use super::grid::{locate, prepare, Grid};
use super::{Overlay, Surface, SurfaceStyle};
use crate::error::Result;

/// Masked cells.
pub(super) const MASKED: RGBColor = RGBColor(205, 205, 205);

/// Filled heatmap (bilinear between grid points, masked cells light grey) with a colour
/// bar, the minimum's star and any paths; `style.diverging` for signed values and
/// ratios.
pub fn heatmap(
    path: &Path,
    title: &str,
    s: &Surface,
    style: &SurfaceStyle,
    overlays: &[Overlay],
) -> Result<()> {
    let g = prepare("heatmap", s, style)?;
    draw_2d(path, title, &g, style, overlays, None)
}

/// Fill the plotting area `pa` pixel by pixel: the colour field (`heat`) or only the
/// masked cells in grey (contour plots).
pub(super) fn draw_raster(pa: &Area, g: &Grid, heat: bool) -> DrawResult {
    let (w, h) = pa.dim_in_pixel();
    let (x0, x1) = g.x_range();
    let (y0, y1) = g.y_range();
    let cols: Vec<(usize, f64)> = (0..w)
        .map(|px| locate(g.x, x0 + (px as f64 + 0.5) / w as f64 * (x1 - x0)))
        .collect();
    let rows: Vec<(usize, f64)> = (0..h)
        .map(|py| locate(g.y, y1 - (py as f64 + 0.5) / h as f64 * (y1 - y0)))
        .collect();
    if !heat && g.n_masked == 0 {
        return Ok(());
    }
    for (py, &row) in rows.iter().enumerate() {
        for (px, &col) in cols.iter().enumerate() {
            let c = match g.sample(col, row) {
                None => MASKED,
                Some(t) if heat => g.scale.fill(t),
                Some(_) => continue,
            };
            pa.draw_pixel((px as i32, py as i32), &c)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::super::testutil::read_png;
    use super::super::testutil::{grid, plot_rect};
    use super::super::Surface;
    use super::*;
    use crate::plot::kit::viridis;

    #[test]
    fn values_above_vmax_draw_the_top_colour() {
        let dir = tempfile::tempdir().unwrap();
        let (x, y, _) = grid(5, |_, _| 0.0);
        let z = vec![10.0; 25];
        let st = SurfaceStyle {
            vmin: Some(0.0),
            vmax: Some(5.0),
            ..SurfaceStyle::default()
        };
        let p = dir.path().join("top.png");
        let s = Surface {
            x: &x,
            y: &y,
            z: &z,
        };
        heatmap(&p, "All above vmax", &s, &st, &[]).unwrap();
        let png = read_png(&p);
        let (x0, y0, x1, y1) = plot_rect();
        // Off the centre (the star sits on the first grid point = the minimum).
        let top = viridis(1.0);
        for (a, b) in [
            (x0 + 40, y0 + 40),
            (x1 - 40, y0 + 60),
            ((x0 + x1) / 2, y1 - 90),
        ] {
            assert_eq!(png.pixel(a, b), (top.0, top.1, top.2), "at {a},{b}");
        }
        // Below vmin: the bottom colour; log scale likewise.
        let z = vec![0.5; 25];
        let st = SurfaceStyle {
            vmin: Some(1.0),
            vmax: Some(100.0),
            log: true,
            ..SurfaceStyle::default()
        };
        let s = Surface {
            x: &x,
            y: &y,
            z: &z,
        };
        heatmap(&p, "All below vmin", &s, &st, &[]).unwrap();
        let png = read_png(&p);
        let bottom = viridis(0.0);
        assert_eq!(png.pixel(x1 - 40, y0 + 60), (bottom.0, bottom.1, bottom.2));
    }
}
