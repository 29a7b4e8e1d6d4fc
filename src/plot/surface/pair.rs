//! Two 2-D slices side by side on one shared colour scale ([`heatmap_pair`]), e.g. the
//! landscape around a small-batch and a large-batch minimum (Keskar et al. 2017): the
//! same value has the same colour in both panels, so sharpness reads directly.
//!
//! Each panel is a heatmap (as [`heatmap`](super::heatmap)) with a few thin contour
//! lines at round levels shared by both panels, white over the dark part of the map and
//! dark over the light part; the minimum of each panel is marked with the star. One
//! legend (both minima's values, masked cells) and one colour bar, with the contour
//! levels marked on it, sit at the right.

use std::path::Path;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::super::kit::{
    draw_colorbar, draw_frame, draw_no_data, field_chart, field_plot_size, finite_range,
    fmt_number, plotting_area, save_png, text, titled, Area, Axis, ColorBar, DrawError, DrawResult,
    Mark, FIELD_SIDE_PANEL, FIELD_Y_LABEL_AREA, MARGIN, SUBTITLE_PX, TEXT, TITLE_H, X_LABEL_AREA,
};
use super::contour::{contour_lines, Polyline};
use super::geometry::Pt;
use super::glyphs::{draw_star, to_i};
use super::grid::{prepare, Grid};
use super::heatmap::draw_raster;
use super::panel::{colorbar_ticks, draw_keys, masked_key, Key};
use super::scale::{color_range, transform, Scale};
use super::{Surface, SurfaceStyle};
use crate::error::{Error, Result};

/// Long side of each panel's plotting area.
pub(super) const PAIR_PLOT_PX: f64 = 500.0;
/// Height of each panel's caption.
pub(super) const CAPTION_H: u32 = 34;
/// At most this many contour levels over the heatmaps (fewer when `style.levels` asks).
pub(super) const PAIR_LEVELS: usize = 10;

/// Two 2-D slices side by side, each `(caption, surface)`, on ONE colour scale: the union
/// of both panels' finite ranges, or `style.vmin` / `style.vmax` when set (log10 when
/// `style.log`; `style.diverging` for signed values). Each panel is a heatmap with up to
/// `min(style.levels, 10)` thin contour lines at round levels shared by both panels (none
/// when `style.levels == 0`), its minimum marked with a star, its caption above it; one
/// legend and one colour bar at the right.
///
/// A surface that breaks the grid's preconditions (see [`Surface`]) or a bad `vmin` /
/// `vmax` is [`Error::Invalid`] naming the panel, and nothing is written.
pub fn heatmap_pair(
    path: &Path,
    title: &str,
    left: (&str, &Surface),
    right: (&str, &Surface),
    style: &SurfaceStyle,
) -> Result<()> {
    let mut gl = prepare(
        &format!("heatmap_pair: left panel `{}`", left.0),
        left.1,
        style,
    )?;
    let mut gr = prepare(
        &format!("heatmap_pair: right panel `{}`", right.0),
        right.1,
        style,
    )?;
    let scale = shared_scale(&gl, &gr, style);
    gl.scale = scale;
    gr.scale = scale;
    let any = gl.argmin.is_some() || gr.argmin.is_some();
    let levels = if any && style.levels > 0 {
        scale.marks(style.levels.min(PAIR_LEVELS))
    } else {
        Vec::new()
    };
    let lines_l = contour_lines(&gl, &levels).map_err(|e| Error::output(path, e))?;
    let lines_r = contour_lines(&gr, &levels).map_err(|e| Error::output(path, e))?;

    // Both plotting areas get the same size: the larger of the two aspects' sizes.
    let (wl, hl) = field_plot_size(gl.x_range(), gl.y_range(), PAIR_PLOT_PX);
    let (wr, hr) = field_plot_size(gr.x_range(), gr.y_range(), PAIR_PLOT_PX);
    let (plot_w, plot_h) = (wl.max(wr), hl.max(hr));
    let panel_w = MARGIN + FIELD_Y_LABEL_AREA + plot_w + MARGIN;
    let width = 2 * panel_w + FIELD_SIDE_PANEL;
    let height = TITLE_H + CAPTION_H + MARGIN + plot_h + X_LABEL_AREA + MARGIN;

    save_png(path, (width, height), |root| {
        let area = titled(root, title)?;
        let (panels, _side) = area.split_horizontally(2 * panel_w);
        let (la, ra) = panels.split_horizontally(panel_w);
        let (top, bottom) = draw_panel(root, &la, left.0, &gl, style, &levels, &lines_l)?;
        draw_panel(root, &ra, right.0, &gr, style, &levels, &lines_r)?;

        // One legend and one colour bar at the right, aligned with the plotting areas.
        let panel_x = (2 * panel_w) as i32 + 14;
        let mut keys = Vec::new();
        for (side, g) in [("left", &gl), ("right", &gr)] {
            if let Some(k) = g.argmin {
                let v = g.scale.value(g.t[k]);
                keys.push(Key::Star(format!("{side} min {}", fmt_number(v))));
            }
        }
        if gl.n_masked + gr.n_masked > 0 {
            keys.push(masked_key(style.log));
        }
        let y = draw_keys(root, &keys, panel_x, top)?;
        let levels: Vec<f64> = levels.iter().map(|m| m.t).collect();
        draw_colorbar(
            root,
            &ColorBar {
                x: panel_x + 2,
                top: y + 46,
                bottom,
                name: &scale.name(&style.z_label),
                lo: scale.lo,
                hi: scale.hi,
                color: &|t| scale.fill(t),
                ticks: &colorbar_ticks(&scale),
                levels: &levels,
            },
        )
    })
}

/// The colour scale of both grids: the union of their finite (transformed) values, or
/// the style's limits.
fn shared_scale(a: &Grid, b: &Grid, style: &SurfaceStyle) -> Scale {
    let data = finite_range(a.t.iter().chain(&b.t).copied(), false);
    let (lo, hi) = color_range(
        data,
        style.vmin.map(|v| transform(v, style.log)),
        style.vmax.map(|v| transform(v, style.log)),
        style.log,
        style.diverging,
    );
    Scale {
        lo,
        hi,
        log: style.log,
        diverging: style.diverging,
    }
}

/// A contour line over the heatmap: white where the map is dark at that level, dark grey
/// where it is light, half transparent.
fn contour_style(scale: &Scale, t: f64) -> ShapeStyle {
    let c = scale.fill(t);
    let luminance = 0.299 * c.0 as f64 + 0.587 * c.1 as f64 + 0.114 * c.2 as f64;
    if luminance > 150.0 {
        RGBColor(20, 20, 20).mix(0.45).stroke_width(1)
    } else {
        WHITE.mix(0.6).stroke_width(1)
    }
}

/// One panel in `area`: caption, axes, heatmap, contour lines, frame and the minimum's
/// star. Returns the top and bottom pixel rows of its plotting area (absolute).
#[allow(clippy::too_many_arguments)]
fn draw_panel(
    root: &Area,
    area: &Area,
    caption: &str,
    g: &Grid,
    style: &SurfaceStyle,
    levels: &[Mark],
    lines: &[Polyline],
) -> std::result::Result<(i32, i32), DrawError> {
    let (x0, x1) = g.x_range();
    let (y0, y1) = g.y_range();
    let inner = area.margin(CAPTION_H, 0, 0, 0);
    let chart = field_chart(
        &inner,
        Axis::linear(x0, x1, 7),
        Axis::linear(y0, y1, 7),
        (&style.x_label, &style.y_label),
    )?;
    let pa = plotting_area(&chart);
    draw_raster(&pa, g, true)?;
    let (px_x, px_y) = chart.plotting_area().get_pixel_range();
    let (left, top, right, bottom) = (
        px_x.start as f64,
        px_y.start as f64,
        (px_x.end - 1) as f64,
        (px_y.end - 1) as f64,
    );
    let to_px = |x: f64, y: f64| -> Pt {
        (
            left + (x - x0) / (x1 - x0) * (right - left),
            bottom - (y - y0) / (y1 - y0) * (bottom - top),
        )
    };
    draw_lines(root, g, levels, lines, &to_px)?;
    draw_frame(&pa)?;
    match g.argmin {
        Some(k) => draw_star(root, to_i(to_px(g.x[k % g.nx], g.y[k / g.nx])), 12.0)?,
        None => draw_no_data(&pa)?,
    }
    let cap = text(SUBTITLE_PX, &TEXT, HPos::Center, VPos::Bottom);
    root.draw_text(
        caption,
        &cap,
        (((left + right) / 2.0) as i32, top as i32 - 10),
    )?;
    Ok((top as i32, bottom as i32))
}

fn draw_lines(
    root: &Area,
    g: &Grid,
    levels: &[Mark],
    lines: &[Polyline],
    to_px: &dyn Fn(f64, f64) -> Pt,
) -> DrawResult {
    for p in lines {
        let pts: Vec<(i32, i32)> = p.points.iter().map(|&(x, y)| to_i(to_px(x, y))).collect();
        root.draw(&PathElement::new(
            pts,
            contour_style(&g.scale, levels[p.level].t),
        ))?;
    }
    Ok(())
}

#[cfg(test)]
#[path = "pair_tests.rs"]
mod tests;
