//! The layout shared by the 2-D figures ([`contour_plot`](super::contour_plot) and
//! [`heatmap`](super::heatmap)): title, axes with a plotting area sized to the ranges'
//! aspect, the raster, contour lines, frame, overlay path and the minimum's star, and
//! the legend with colour bar in a panel at the right.

use std::path::Path;

use super::super::kit::{
    draw_colorbar, draw_frame, draw_no_data, field_chart, field_figure_size, field_plot_size,
    plotting_area, save_png, titled, Axis, ColorBar, Mark, FIELD_PLOT_PX, FIELD_SIDE_PANEL,
};
use super::contour::{draw_contours, Polyline};
use super::geometry::{Pt, Rect};
use super::glyphs::{draw_star, to_i};
use super::grid::Grid;
use super::heatmap::draw_raster;
use super::overlay::draw_overlay;
use super::panel::{colorbar_ticks, draw_keys, masked_key, min_key, Key};
use super::{Overlay, SurfaceStyle};
use crate::error::Result;

/// The 2-D figure of grid `g`: the heatmap (`contour` = None) or the contour lines at the
/// given levels over the masked cells, with the overlay paths, the minimum's star, the
/// legend and the colour bar.
pub(super) fn draw_2d(
    path: &Path,
    title: &str,
    g: &Grid,
    style: &SurfaceStyle,
    overlays: &[Overlay],
    contour: Option<(&[Mark], &[Polyline])>,
) -> Result<()> {
    let (width, height) =
        field_figure_size(field_plot_size(g.x_range(), g.y_range(), FIELD_PLOT_PX));
    let (x0, x1) = g.x_range();
    let (y0, y1) = g.y_range();

    save_png(path, (width, height), |root| {
        let area = titled(root, title)?;
        let (main, _side) = area.split_horizontally(width - FIELD_SIDE_PANEL);
        let chart = field_chart(
            &main,
            Axis::linear(x0, x1, 7),
            Axis::linear(y0, y1, 7),
            (&style.x_label, &style.y_label),
        )?;
        let pa = plotting_area(&chart);
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
            draw_contours(root, g, levels, polylines, plot, &to_px, star_at, overlays)?;
        }

        // Frame around the field.
        draw_frame(&pa)?;
        if g.argmin.is_none() {
            draw_no_data(&pa)?;
        }
        for o in overlays {
            draw_overlay(root, o, (x0, x1), (y0, y1), &to_px, plot)?;
        }
        if let Some(c) = star_at {
            draw_star(root, to_i(c), 12.0)?;
        }

        // Legend and colour bar at the right, aligned with the plotting area.
        let panel_x = (width - FIELD_SIDE_PANEL) as i32 + 14;
        let mut keys = Vec::new();
        keys.extend(min_key(g));
        keys.extend(overlays.iter().map(|o| Key::Path(o.label, o.color)));
        if g.n_masked > 0 {
            keys.push(masked_key(style.log));
        }
        let y = draw_keys(root, &keys, panel_x, plot.1 as i32)?;
        let levels: Vec<f64> = contour.map_or(Vec::new(), |c| c.0.iter().map(|m| m.t).collect());
        let name = g.scale.name(&style.z_label);
        let color = |t| {
            if contour.is_some() {
                g.scale.line(t)
            } else {
                g.scale.fill(t)
            }
        };
        draw_colorbar(
            root,
            &ColorBar {
                x: panel_x + 2,
                top: y + 46,
                bottom: plot.3 as i32,
                name: &name,
                lo: g.scale.lo,
                hi: g.scale.hi,
                color: &color,
                ticks: &colorbar_ticks(&g.scale),
                levels: &levels,
            },
        )
    })
}
