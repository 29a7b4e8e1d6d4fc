//! The layout shared by the 2-D figures ([`contour_plot`](super::contour_plot) and
//! [`heatmap`](super::heatmap)): title, axes with a plotting area sized to the ranges'
//! aspect, the raster, contour lines, frame, overlay path and the minimum's star, and
//! the legend with colour bar in a panel at the right.

use std::path::Path;

use plotters::prelude::*;

use super::super::{draw_frame, draw_no_data, field_axes, save_png, FONT, TEXT, TITLE_PX};
use super::contour::{draw_contours, Polyline};
use super::geometry::{Pt, Rect};
use super::glyphs::{draw_star, to_i};
use super::grid::Grid;
use super::heatmap::draw_raster;
use super::overlay::draw_overlay;
use super::panel::{draw_colorbar, draw_keys, masked_key, min_key, Key};
use super::scale::Mark;
use super::{Overlay, SurfaceStyle};
use crate::error::Result;

// ---------------------------------------------------------------------------------------
// Layout of the 2-D figures (pixels).

/// Long side of the plotting area; the other follows the ranges' aspect, within limits.
pub(super) const PLOT_PX: f64 = 580.0;
pub(super) const RIGHT_PANEL: u32 = 215;
pub(super) const MARGIN: u32 = 12;
pub(super) const X_LABEL_AREA: u32 = 58;
pub(super) const Y_LABEL_AREA: u32 = 80;

/// Pixel size of the plotting area for the ranges' aspect ratio, `long` pixels on its
/// long side ([`PLOT_PX`] for the single figures).
pub(super) fn plot_size(g: &Grid, long: f64) -> (u32, u32) {
    let (x0, x1) = g.x_range();
    let (y0, y1) = g.y_range();
    let aspect = ((y1 - y0) / (x1 - x0)).clamp(0.6, 1.3);
    if aspect <= 1.0 {
        (long as u32, (long * aspect).round() as u32)
    } else {
        ((long / aspect).round() as u32, long as u32)
    }
}

pub(super) fn draw_2d(
    path: &Path,
    title: &str,
    g: &Grid,
    style: &SurfaceStyle,
    overlay: Option<&Overlay>,
    contour: Option<(&[Mark], &[Polyline])>,
) -> Result<()> {
    let (plot_w, plot_h) = plot_size(g, PLOT_PX);
    let title_h = 44;
    let width = MARGIN + Y_LABEL_AREA + plot_w + MARGIN + RIGHT_PANEL;
    let height = title_h + MARGIN + plot_h + X_LABEL_AREA + MARGIN;
    let (x0, x1) = g.x_range();
    let (y0, y1) = g.y_range();

    save_png(path, (width, height), |root| {
        let area = root.titled(title, (FONT, TITLE_PX).into_font().color(&TEXT))?;
        let (main, _side) = area.split_horizontally(width - RIGHT_PANEL);
        let chart = field_axes(
            &main,
            x0..x1,
            y0..y1,
            (&style.x_label, &style.y_label),
            MARGIN,
            (X_LABEL_AREA, Y_LABEL_AREA),
        )?;
        let pa = chart.plotting_area().strip_coord_spec();
        draw_raster(&pa, g, contour.is_none())?;

        let (px_x, px_y) = chart.plotting_area().get_pixel_range();
        let plot = Rect(
            px_x.start as f64,
            px_y.start as f64,
            (px_x.end - 1) as f64,
            (px_y.end - 1) as f64,
        );
        // Data to absolute pixels, in floating point.
        let to_px = |x: f64, y: f64| -> Pt {
            (
                plot.0 + (x - x0) / (x1 - x0) * (plot.2 - plot.0),
                plot.3 - (y - y0) / (y1 - y0) * (plot.3 - plot.1),
            )
        };
        let star_at = g.argmin.map(|k| to_px(g.x[k % g.nx], g.y[k / g.nx]));

        if let Some((levels, polylines)) = contour {
            draw_contours(root, g, levels, polylines, plot, &to_px, star_at, overlay)?;
        }

        // Frame around the field.
        draw_frame(&pa)?;
        if g.argmin.is_none() {
            draw_no_data(&pa)?;
        }
        if let Some(o) = overlay {
            draw_overlay(root, o, (x0, x1), (y0, y1), &to_px, plot)?;
        }
        if let Some(c) = star_at {
            draw_star(root, to_i(c), 12.0)?;
        }

        // Legend and colour bar at the right, aligned with the plotting area.
        let panel_x = (width - RIGHT_PANEL) as i32 + 14;
        let mut keys = Vec::new();
        keys.extend(min_key(g));
        if let Some(o) = overlay {
            keys.push(Key::Path(o.label));
        }
        if g.n_masked > 0 {
            keys.push(masked_key(style.log));
        }
        let y = draw_keys(root, &keys, panel_x, plot.1 as i32)?;
        let top = y + 46;
        let marks = contour.map(|c| c.0).unwrap_or(&[]);
        draw_colorbar(
            root,
            panel_x + 2,
            top,
            plot.3 as i32,
            &style.z_label,
            &g.scale,
            contour.is_some(),
            marks,
        )
    })
}
