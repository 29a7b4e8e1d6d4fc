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

use super::super::{
    draw_frame, draw_no_data, field_axes, finite_range, save_png, Area, DrawResult, FONT,
    SUBTITLE_PX, TEXT, TITLE_PX,
};
use super::contour::{contour_lines, Polyline};
use super::figure2d::{plot_size, MARGIN, RIGHT_PANEL, X_LABEL_AREA, Y_LABEL_AREA};
use super::geometry::Pt;
use super::glyphs::{draw_star, text_style, to_i};
use super::grid::{prepare, Grid};
use super::heatmap::draw_raster;
use super::panel::{draw_colorbar, draw_keys, masked_key, Key};
use super::scale::{color_range, fmt_sig, round_marks, transform, Mark, Scale};
use super::{Surface, SurfaceStyle};
use crate::error::{Error, Result};

/// Long side of each panel's plotting area.
pub(super) const PAIR_PLOT_PX: f64 = 500.0;
/// Height of the title above the panels and of each panel's caption.
pub(super) const TITLE_H: u32 = 44;
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
        round_marks(&scale, style.levels.min(PAIR_LEVELS))
    } else {
        Vec::new()
    };
    let lines_l = contour_lines(&gl, &levels).map_err(|e| Error::output(path, e))?;
    let lines_r = contour_lines(&gr, &levels).map_err(|e| Error::output(path, e))?;

    // Both plotting areas get the same size: the larger of the two aspects' sizes.
    let (wl, hl) = plot_size(&gl, PAIR_PLOT_PX);
    let (wr, hr) = plot_size(&gr, PAIR_PLOT_PX);
    let (plot_w, plot_h) = (wl.max(wr), hl.max(hr));
    let panel_w = MARGIN + Y_LABEL_AREA + plot_w + MARGIN;
    let width = 2 * panel_w + RIGHT_PANEL;
    let height = TITLE_H + CAPTION_H + MARGIN + plot_h + X_LABEL_AREA + MARGIN;

    save_png(path, (width, height), |root| {
        let area = root.titled(title, (FONT, TITLE_PX).into_font().color(&TEXT))?;
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
                keys.push(Key::Star(format!("{side} min {}", fmt_sig(v))));
            }
        }
        if gl.n_masked + gr.n_masked > 0 {
            keys.push(masked_key(style.log));
        }
        let y = draw_keys(root, &keys, panel_x, top)?;
        draw_colorbar(
            root,
            panel_x + 2,
            y + 46,
            bottom,
            &style.z_label,
            &scale,
            false,
            &levels,
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
) -> std::result::Result<(i32, i32), Box<dyn std::error::Error>> {
    let (x0, x1) = g.x_range();
    let (y0, y1) = g.y_range();
    let inner = area.margin(CAPTION_H, 0, 0, 0);
    let chart = field_axes(
        &inner,
        x0..x1,
        y0..y1,
        (&style.x_label, &style.y_label),
        MARGIN,
        (X_LABEL_AREA, Y_LABEL_AREA),
    )?;
    let pa = chart.plotting_area().strip_coord_spec();
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
    let cap = text_style(SUBTITLE_PX, &TEXT, HPos::Center, VPos::Bottom);
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
mod tests {
    use super::super::super::testutil::{files_in, near, read_png, Png};
    use super::super::scale::VIRIDIS;
    use super::super::testutil::{check_png, grid, linspace};
    use super::*;

    /// The expected size of a pair of square grids.
    fn pair_size() -> (u32, u32) {
        let p = PAIR_PLOT_PX as u32;
        (
            2 * (MARGIN + Y_LABEL_AREA + p + MARGIN) + RIGHT_PANEL,
            TITLE_H + CAPTION_H + MARGIN + p + X_LABEL_AREA + MARGIN,
        )
    }

    /// Pixel columns of the left and right plotting areas and their rows (square grids).
    fn plot_cols() -> (
        std::ops::Range<u32>,
        std::ops::Range<u32>,
        std::ops::Range<u32>,
    ) {
        let p = PAIR_PLOT_PX as u32;
        let panel_w = MARGIN + Y_LABEL_AREA + p + MARGIN;
        let l0 = MARGIN + Y_LABEL_AREA;
        let top = TITLE_H + CAPTION_H + MARGIN;
        (l0..l0 + p, panel_w + l0..panel_w + l0 + p, top..top + p)
    }

    /// Columns holding both the top and the bottom colour of viridis at some rows of
    /// `rows`, the top one above the bottom one: a vertical colour bar.
    fn colorbar_columns(png: &Png, rows: std::ops::Range<u32>) -> Vec<u32> {
        (0..png.width)
            .filter(|&x| {
                let top = rows
                    .clone()
                    .find(|&y| near(png.pixel(x, y), VIRIDIS[8], 10));
                let bottom = rows
                    .clone()
                    .rev()
                    .find(|&y| near(png.pixel(x, y), VIRIDIS[0], 10));
                matches!((top, bottom), (Some(a), Some(b)) if b > a + 100)
            })
            .collect()
    }

    /// Left: constant `v`; right: a ramp from 0 to 2v along x.
    fn constant_and_ramp(v: f64) -> (Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>) {
        let (x, y, flat) = grid(21, |_, _| v);
        let (_, _, ramp) = grid(21, |a, _| v * (a + 1.0));
        (x, y, flat, ramp)
    }

    #[test]
    fn the_same_value_has_the_same_colour_in_both_panels() {
        let dir = tempfile::tempdir().unwrap();
        let v = 0.8;
        let (x, y, flat, ramp) = constant_and_ramp(v);
        let (l, r) = (
            Surface {
                x: &x,
                y: &y,
                z: &flat,
            },
            Surface {
                x: &x,
                y: &y,
                z: &ramp,
            },
        );
        let p = dir.path().join("pair.png");
        heatmap_pair(
            &p,
            "Pair",
            ("flat", &l),
            ("ramp", &r),
            &SurfaceStyle::default(),
        )
        .unwrap();
        assert_eq!(check_png(&p), pair_size());
        let png = read_png(&p);
        let (lc, rc, rows) = plot_cols();
        // The left panel is one colour: the middle of the shared scale [0, 2v].
        let y = rows.start + 120;
        let left = png.pixel(lc.start + 200, y);
        assert_eq!(png.pixel(lc.start + 350, rows.start + 300), left);
        assert!(near(left, VIRIDIS[4], 3), "{left:?}");
        // The right panel has that colour in its middle, and not at its ends.
        let mid = (rc.start + rc.end) / 2;
        assert!(
            (mid - 12..mid + 12).any(|x| png.pixel(x, y) == left),
            "left colour {left:?} not in the right panel's middle"
        );
        for x in (rc.start + 5..rc.start + 60).chain(rc.end - 60..rc.end - 5) {
            assert_ne!(png.pixel(x, y), left, "at column {x}");
        }
        // The right panel spans the whole scale: bottom colour at its left edge, top at
        // its right edge.
        assert!(near(png.pixel(rc.start + 2, y), VIRIDIS[0], 6));
        assert!(near(png.pixel(rc.end - 3, y), VIRIDIS[8], 6));

        // One colour bar, at the right of both panels.
        let bar = colorbar_columns(&png, rows.clone());
        assert!(!bar.is_empty(), "no colour bar");
        assert!(bar.len() <= 26, "{} colour-bar columns", bar.len());
        assert!(bar.windows(2).all(|w| w[1] == w[0] + 1), "{bar:?}");
        assert!(bar[0] > rc.end, "colour bar at {bar:?}");

        // vmin / vmax override the union: [0, 4v] puts v at a quarter.
        let st = SurfaceStyle {
            vmin: Some(0.0),
            vmax: Some(4.0 * v),
            ..SurfaceStyle::default()
        };
        heatmap_pair(&p, "Pair", ("flat", &l), ("ramp", &r), &st).unwrap();
        let png = read_png(&p);
        assert!(near(png.pixel(lc.start + 200, y), VIRIDIS[2], 3));
        assert!(files_in(dir.path()).iter().all(|f| !f.contains(".tmp")));
    }

    #[test]
    fn log_masked_and_degenerate_pairs_draw() {
        let dir = tempfile::tempdir().unwrap();
        let (x, y, bowl) = grid(15, |a, b| a * a + b * b);
        let (_, _, mut saddle) = grid(15, |a, b| a * a - b * b);
        saddle[3] = f64::NAN;
        let nan = vec![f64::NAN; 225];
        let xs = linspace(0.0, 3.0, 15);
        let cases: Vec<(&str, &[f64], &[f64], SurfaceStyle)> = vec![
            ("plain", &bowl, &saddle, SurfaceStyle::default()),
            (
                "log",
                &bowl,
                &saddle,
                SurfaceStyle {
                    log: true,
                    ..SurfaceStyle::default()
                },
            ),
            (
                "div",
                &saddle,
                &bowl,
                SurfaceStyle {
                    diverging: true,
                    levels: 0,
                    ..SurfaceStyle::default()
                },
            ),
            ("nan", &nan, &bowl, SurfaceStyle::default()),
            ("both_nan", &nan, &nan, SurfaceStyle::default()),
        ];
        for (name, a, b, st) in cases {
            let p = dir.path().join(format!("{name}.png"));
            let l = Surface { x: &x, y: &y, z: a };
            // The right panel on a wider x range: both plots keep one size.
            let r = Surface {
                x: &xs,
                y: &y,
                z: b,
            };
            heatmap_pair(&p, name, ("a", &l), ("b", &r), &st).unwrap();
            check_png(&p);
        }
    }

    #[test]
    fn bad_surfaces_are_invalid_and_name_the_panel() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("bad.png");
        let ok = Surface {
            x: &[0.0, 1.0],
            y: &[0.0, 1.0],
            z: &[1.0, 2.0, 3.0, 4.0],
        };
        let short = Surface {
            z: &[1.0, 2.0, 3.0],
            ..ok
        };
        let st = SurfaceStyle::default();
        for (l, r, what) in [
            (&short, &ok, "left panel `sb`"),
            (&ok, &short, "right panel `lb`"),
        ] {
            match heatmap_pair(&p, "t", ("sb", l), ("lb", r), &st) {
                Err(Error::Invalid(msg)) => assert!(msg.contains(what), "{msg}"),
                other => panic!("{other:?}"),
            }
        }
        let st = SurfaceStyle {
            log: true,
            vmin: Some(-1.0),
            ..SurfaceStyle::default()
        };
        assert!(matches!(
            heatmap_pair(&p, "t", ("sb", &ok), ("lb", &ok), &st),
            Err(Error::Invalid(_))
        ));
        assert!(files_in(dir.path()).is_empty());
        let unwritable = dir.path().join("nope").join("x.png");
        assert!(matches!(
            heatmap_pair(
                &unwritable,
                "t",
                ("a", &ok),
                ("b", &ok),
                &SurfaceStyle::default()
            ),
            Err(Error::Output { .. })
        ));
    }
}
