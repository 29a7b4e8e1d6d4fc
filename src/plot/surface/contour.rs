//! The contour plot (matplotlib's `contour` + `clabel`): contour lines at round levels
//! coloured from viridis, about every other level labelled inline along its line.
//!
//! Lines come from the `contour` crate (marching squares, d3-contour's port). It works in
//! a padded cell space; only segments lying in grid cells whose four corners are finite
//! are kept, and each segment end is placed on its cell edge by linear interpolation of
//! the two corner values. Labels go where a line runs fairly straight and nothing else
//! is under them; the line is cut where its label sits.

use std::path::Path;

use contour::ContourBuilder;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::super::kit::{font, lerp, text, Area, DrawResult, Mark, SMALL_PX};
use super::figure2d::draw_2d;
use super::geometry::{bbox, cut_out, hits, point_at, polyline_length, Pt, Rect};
use super::glyphs::to_i;
use super::grid::{prepare, Grid};
use super::overlay::overlay_pixels;
use super::{Overlay, Surface, SurfaceStyle};
use crate::error::{Error, Result};

/// Contour lines with labelled levels (matplotlib's `contour` + `clabel`): lines
/// coloured by level from viridis, about every other level labelled inline, the grid
/// minimum marked with a star, masked cells grey, any paths on top; a colour bar
/// with the levels marked at the right.
pub fn contour_plot(
    path: &Path,
    title: &str,
    s: &Surface,
    style: &SurfaceStyle,
    overlays: &[Overlay],
) -> Result<()> {
    if style.levels == 0 {
        return Err(Error::Invalid(
            "contour_plot: levels must be at least 1".into(),
        ));
    }
    let g = prepare("contour_plot", s, style)?;
    let levels = if g.argmin.is_some() {
        g.scale.marks(style.levels)
    } else {
        Vec::new()
    };
    let polylines = contour_lines(&g, &levels).map_err(|e| Error::output(path, e))?;
    draw_2d(
        path,
        title,
        &g,
        style,
        overlays,
        Some((&levels, &polylines)),
    )
}

/// One piece of a contour line in data coordinates.
pub(super) struct Polyline {
    pub(super) level: usize,
    pub(super) points: Vec<(f64, f64)>,
}

/// Contour lines of `g` at `levels`, split wherever they enter a cell with a masked
/// corner or leave the grid.
pub(super) fn contour_lines(
    g: &Grid,
    levels: &[Mark],
) -> std::result::Result<Vec<Polyline>, String> {
    if levels.is_empty() || g.argmin.is_none() {
        return Ok(Vec::new());
    }
    // Masked cells count as "above" every level; the segments next to them are dropped.
    let filled: Vec<f64> =
        g.t.iter()
            .map(|&v| if v.is_finite() { v } else { f64::INFINITY })
            .collect();
    let thresholds: Vec<f64> = levels.iter().map(|m| m.t).collect();
    let lines = ContourBuilder::new(g.nx, g.ny, false)
        .lines(&filled, &thresholds)
        .map_err(|e| format!("contour lines: {e}"))?;
    let mut out = Vec::new();
    for (level, line) in lines.iter().enumerate() {
        let th = thresholds[level];
        for ring in line.geometry().0.iter() {
            let pts: Vec<(f64, f64)> = ring.0.iter().map(|c| (c.x - 0.5, c.y - 0.5)).collect();
            ring_to_polylines(g, th, level, &pts, &mut out);
        }
    }
    Ok(out)
}

/// The grid cell of a marching-squares segment (both ends on that cell's edges, in index
/// coordinates), if it lies inside the grid with four finite corners.
fn segment_cell(g: &Grid, a: (f64, f64), b: (f64, f64)) -> Option<(usize, usize)> {
    let (mx, my) = (0.5 * (a.0 + b.0), 0.5 * (a.1 + b.1));
    let (ci, cj) = (mx.floor(), my.floor());
    if ci < 0.0 || cj < 0.0 || ci >= (g.nx - 1) as f64 || cj >= (g.ny - 1) as f64 {
        return None;
    }
    let (i, j) = (ci as usize, cj as usize);
    let ok = [(i, j), (i + 1, j), (i, j + 1), (i + 1, j + 1)]
        .iter()
        .all(|&(a, b)| g.at(a, b).is_finite());
    ok.then_some((i, j))
}

/// A segment end in index coordinates (the midpoint of a cell edge) moved to where the
/// level crosses that edge, in data coordinates.
fn edge_point(g: &Grid, th: f64, (u, v): (f64, f64)) -> (f64, f64) {
    let cross = |a: f64, b: f64| {
        let t = (th - a) / (b - a);
        if t.is_finite() {
            t.clamp(0.0, 1.0)
        } else {
            0.5
        }
    };
    let on_x_edge = (u - u.round()).abs() > 0.25;
    if on_x_edge {
        // Between (i, j) and (i + 1, j).
        let i = (u.floor().max(0.0) as usize).min(g.nx - 2);
        let j = (v.round().max(0.0) as usize).min(g.ny - 1);
        let t = cross(g.at(i, j), g.at(i + 1, j));
        (g.x[i] + t * (g.x[i + 1] - g.x[i]), g.y[j])
    } else {
        let i = (u.round().max(0.0) as usize).min(g.nx - 1);
        let j = (v.floor().max(0.0) as usize).min(g.ny - 2);
        let t = cross(g.at(i, j), g.at(i, j + 1));
        (g.x[i], g.y[j] + t * (g.y[j + 1] - g.y[j]))
    }
}

fn ring_to_polylines(g: &Grid, th: f64, level: usize, pts: &[(f64, f64)], out: &mut Vec<Polyline>) {
    if pts.len() < 2 {
        return;
    }
    let closed = pts[0] == pts[pts.len() - 1];
    let first_out = out.len();
    let mut cur: Vec<(f64, f64)> = Vec::new();
    let mut dropped = false;
    let mut first_kept = false;
    for (k, w) in pts.windows(2).enumerate() {
        if segment_cell(g, w[0], w[1]).is_some() {
            if cur.is_empty() {
                cur.push(edge_point(g, th, w[0]));
                first_kept |= k == 0;
            }
            cur.push(edge_point(g, th, w[1]));
        } else {
            dropped = true;
            if cur.len() >= 2 {
                out.push(Polyline {
                    level,
                    points: std::mem::take(&mut cur),
                });
            }
            cur.clear();
        }
    }
    if cur.len() >= 2 {
        // A closed ring cut somewhere: its last piece continues into its first.
        if closed && dropped && first_kept && out.len() > first_out {
            let head = std::mem::take(&mut out[first_out].points);
            cur.extend(head.into_iter().skip(1));
            out[first_out].points = cur;
        } else {
            out.push(Polyline { level, points: cur });
        }
    }
}

/// A contour label chosen for a line: where its text goes.
struct Label {
    line: usize,
    center: Pt,
    rect: Rect,
}

/// Inline labels: for every labelled level, up to three of its longest pieces get their
/// value written on them, where the line runs fairly straight over the label's width, the
/// label stays inside `area` and no other line, label or `blocked` box is under it.
fn place_labels(
    lines: &[Vec<Pt>],
    levels: &[usize],
    labelled: &[bool],
    sizes: &[(f64, f64)],
    area: Rect,
    blocked: &[Rect],
) -> Vec<Label> {
    let boxes: Vec<Rect> = lines.iter().map(|p| bbox(p)).collect();
    let mut placed: Vec<Label> = Vec::new();
    let n_levels = sizes.len();
    for lv in 0..n_levels {
        if !labelled[lv] {
            continue;
        }
        let (w, h) = sizes[lv];
        let mut mine: Vec<(usize, f64)> = lines
            .iter()
            .enumerate()
            .filter(|(k, _)| levels[*k] == lv)
            .map(|(k, p)| (k, polyline_length(p)))
            .filter(|&(_, len)| len >= 2.5 * w + 20.0)
            .collect();
        mine.sort_by(|a, b| b.1.total_cmp(&a.1));
        let mut count = 0;
        for (k, len) in mine {
            if count >= 3 {
                break;
            }
            let p = &lines[k];
            for f in [0.5, 0.35, 0.65, 0.2, 0.8, 0.1, 0.9] {
                let s = f * len;
                if s < 0.6 * w || len - s < 0.6 * w {
                    continue;
                }
                let c = point_at(p, s);
                let (a, b) = (point_at(p, s - 0.5 * w), point_at(p, s + 0.5 * w));
                if (b.0 - a.0).hypot(b.1 - a.1) < 0.75 * w {
                    continue; // Too curved here.
                }
                let rect = Rect(c.0 - 0.5 * w, c.1 - 0.5 * h, c.0 + 0.5 * w, c.1 + 0.5 * h);
                if !area.contains(&rect.grow(2.0)) {
                    continue;
                }
                let room = rect.grow(4.0);
                if placed.iter().any(|l| l.rect.grow(6.0).overlaps(&room))
                    || blocked.iter().any(|b| b.overlaps(&room))
                    || lines
                        .iter()
                        .enumerate()
                        .any(|(o, q)| o != k && hits(q, &boxes[o], &rect.grow(1.0)))
                {
                    continue;
                }
                placed.push(Label {
                    line: k,
                    center: c,
                    rect,
                });
                count += 1;
                break;
            }
        }
    }
    placed
}

/// Which of `levels` get a label: every `stride`-th, counted so that the labelled values
/// are the roundest (multiples of `stride` steps on a linear scale; decades first on a
/// log scale).
fn labelled_levels(levels: &[Mark], stride: usize, log: bool) -> Vec<bool> {
    if stride <= 1 || levels.len() < 2 {
        return vec![true; levels.len()];
    }
    // The offset in 0..stride whose labels are roundest: most decades on a log scale,
    // then fewest significant characters on average.
    let score = |off: usize| -> (usize, usize) {
        let chosen: Vec<&Mark> = levels.iter().skip(off).step_by(stride).collect();
        let decades = chosen
            .iter()
            .filter(|m| log && (m.t - m.t.round()).abs() < 1e-9)
            .count();
        let chars: usize = chosen
            .iter()
            .map(|m| m.label.trim_end_matches('0').len())
            .sum();
        (usize::MAX - decades, chars * 1000 / chosen.len().max(1))
    };
    let best = (0..stride.min(levels.len()))
        .min_by_key(|&o| score(o))
        .unwrap_or(0);
    (0..levels.len()).map(|k| k % stride == best).collect()
}

/// Draw the contour lines of `levels` (cut where their labels go) and the inline labels.
/// `to_px` maps data to absolute pixels, `plot` is the plotting area in pixels; labels
/// keep clear of the minimum's star at `star_at` and of the overlay paths.
#[allow(clippy::too_many_arguments)]
pub(super) fn draw_contours(
    root: &Area,
    g: &Grid,
    levels: &[Mark],
    polylines: &[Polyline],
    plot: Rect,
    to_px: &dyn Fn(f64, f64) -> Pt,
    star_at: Option<Pt>,
    overlays: &[Overlay],
) -> DrawResult {
    let lines: Vec<Vec<Pt>> = polylines
        .iter()
        .map(|p| p.points.iter().map(|&(x, y)| to_px(x, y)).collect())
        .collect();
    let line_level: Vec<usize> = polylines.iter().map(|p| p.level).collect();
    let label_font = font(SMALL_PX);
    let mut sizes = Vec::with_capacity(levels.len());
    for m in levels {
        let (w, h) = root.estimate_text_size(&m.label, &label_font)?;
        sizes.push((w as f64 + 6.0, h as f64 + 2.0));
    }
    // Label every level when there are few, else every 2nd, 5th, 10th... counted
    // from a round value, so that the labelled values are the roundest ones.
    let stride = [1usize, 2, 5, 10, 20, 50]
        .into_iter()
        .find(|&k| levels.len().div_ceil(k) <= 11)
        .unwrap_or(100);
    let labelled = labelled_levels(levels, stride, g.scale.log);
    let mut blocked: Vec<Rect> = Vec::new();
    if let Some(c) = star_at {
        blocked.push(Rect(c.0 - 14.0, c.1 - 14.0, c.0 + 14.0, c.1 + 14.0));
    }
    let mut obstacles = lines.clone();
    let mut obstacle_levels = line_level.clone();
    for o in overlays {
        let (pieces, _) = overlay_pixels(o, g.x_range(), g.y_range(), to_px);
        for piece in pieces {
            obstacles.push(piece);
            obstacle_levels.push(usize::MAX);
        }
    }
    let labels = place_labels(
        &obstacles,
        &obstacle_levels,
        &labelled,
        &sizes,
        plot,
        &blocked,
    );
    for (k, line) in lines.iter().enumerate() {
        let holes: Vec<Rect> = labels
            .iter()
            .filter(|l| l.line == k)
            .map(|l| l.rect)
            .collect();
        let color = g.scale.line(levels[line_level[k]].t);
        for piece in cut_out(line, &holes) {
            let pts: Vec<(i32, i32)> = piece.iter().map(|&p| to_i(p)).collect();
            root.draw(&PathElement::new(pts, color.stroke_width(2)))?;
        }
    }
    for l in &labels {
        let m = &levels[obstacle_levels[l.line]];
        let color = lerp(g.scale.line(m.t), RGBColor(0, 0, 0), 0.3);
        let st = text(SMALL_PX, &color, HPos::Center, VPos::Center);
        root.draw_text(&m.label, &st, to_i(l.center))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::super::testutil::read_png;
    use super::super::testutil::{grid, is_star, plot_rect};
    use super::*;

    #[test]
    fn bowl_contour_has_its_star_in_the_middle() {
        let dir = tempfile::tempdir().unwrap();
        let (x, y, z) = grid(41, |a, b| a * a + b * b);
        let p = dir.path().join("bowl.png");
        contour_plot(
            &p,
            "Bowl",
            &Surface {
                x: &x,
                y: &y,
                z: &z,
            },
            &SurfaceStyle::default(),
            &[],
        )
        .unwrap();
        let png = read_png(&p);
        let (x0, y0, x1, y1) = plot_rect();
        let (cx, cy) = ((x0 + x1) / 2, (y0 + y1) / 2);
        let near = (cx - 8..=cx + 8)
            .flat_map(|a| (cy - 8..=cy + 8).map(move |b| (a, b)))
            .filter(|&(a, b)| is_star(png.pixel(a, b)))
            .count();
        assert!(near > 40, "only {near} star pixels near the centre");
        // And nowhere far from it inside the plot.
        let far = (x0..x1)
            .step_by(3)
            .flat_map(|a| (y0..y1).step_by(3).map(move |b| (a, b)))
            .filter(|&(a, b)| {
                (a as i32 - cx as i32).abs() > 30 || (b as i32 - cy as i32).abs() > 30
            })
            .filter(|&(a, b)| is_star(png.pixel(a, b)))
            .count();
        assert_eq!(far, 0);
        // Contour lines are drawn: some viridis-coloured pixels away from the centre.
        let coloured = (x0..x1)
            .step_by(2)
            .flat_map(|a| (y0..y1).step_by(2).map(move |b| (a, b)))
            .filter(|&(a, b)| {
                let (r, g, bl) = png.pixel(a, b);
                (r as i32 - bl as i32).abs() > 40 || (g as i32 - r as i32).abs() > 40
            })
            .count();
        assert!(coloured > 500, "{coloured} coloured pixels");
    }

    #[test]
    fn contour_segments_skip_masked_cells_and_sit_on_the_level() {
        let (x, y, mut z) = grid(11, |a, b| a + 0.3 * b);
        z[5 * 11 + 5] = f64::NAN;
        let s = Surface {
            x: &x,
            y: &y,
            z: &z,
        };
        let g = prepare("t", &s, &SurfaceStyle::default()).unwrap();
        let levels = vec![Mark {
            t: 0.05,
            label: "0.05".into(),
        }];
        let lines = contour_lines(&g, &levels).unwrap();
        assert!(!lines.is_empty());
        for l in &lines {
            for &(a, b) in &l.points {
                assert!(
                    (a + 0.3 * b - 0.05).abs() < 1e-9,
                    "({a}, {b}) off the level"
                );
                // Not inside the four cells around the NaN point (0, 0).
                assert!(a.abs() >= 0.2 - 1e-9 || b.abs() >= 0.2 - 1e-9, "({a}, {b})");
            }
        }
        // The line is cut in two around the hole.
        assert_eq!(lines.len(), 2);
    }
}
