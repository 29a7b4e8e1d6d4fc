//! The projected optimisation paths ([`Overlay`]) drawn over a 2-D figure: a line in
//! the path's colour with dots, clipped to the grid's range and broken at non-finite
//! points, its first and last points circled and named.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::super::kit::{palette, text, Area, DrawResult, LEGEND_PX};
use super::geometry::{at, clip_segment, Pt, Rect};
use super::glyphs::{draw_boxed_text, to_i};
use super::Overlay;

/// The overlay path.
pub(super) const PATH: RGBColor = RGBColor(220, 30, 40);

/// The colour of path `i`: 0 is a lone path's red, i ≥ 1 the chart palette's colour
/// i − 1, so paths can match the lines of a chart beside them (a white halo keeps them
/// visible on viridis).
pub(super) fn path_color(i: usize) -> RGBColor {
    match i {
        0 => PATH,
        i => palette(i - 1),
    }
}

/// The overlay path in pixels: the drawable pieces (clipped to the data range) and the
/// start and end points when they lie inside it.
pub(super) fn overlay_pixels(
    o: &Overlay,
    (x0, x1): (f64, f64),
    (y0, y1): (f64, f64),
    to_px: &dyn Fn(f64, f64) -> Pt,
) -> (Vec<Vec<Pt>>, Vec<Pt>) {
    let data = Rect(x0, y0, x1, y1);
    let mut pieces: Vec<Vec<Pt>> = Vec::new();
    let mut cur: Vec<Pt> = Vec::new();
    let mut prev: Option<Pt> = None;
    for &p in o.points {
        if !(p.0.is_finite() && p.1.is_finite()) {
            if cur.len() >= 2 {
                pieces.push(std::mem::take(&mut cur));
            }
            cur.clear();
            prev = None;
            continue;
        }
        if let Some(a) = prev {
            match clip_segment(a, p, &data) {
                Some((t0, t1)) => {
                    let (s, e) = (at(a, p, t0), at(a, p, t1));
                    if cur.is_empty() || t0 > 0.0 {
                        if cur.len() >= 2 {
                            pieces.push(std::mem::take(&mut cur));
                        }
                        cur = vec![to_px(s.0, s.1)];
                    }
                    cur.push(to_px(e.0, e.1));
                    if t1 < 1.0 {
                        pieces.push(std::mem::take(&mut cur));
                    }
                }
                None => {
                    if cur.len() >= 2 {
                        pieces.push(std::mem::take(&mut cur));
                    }
                    cur.clear();
                }
            }
        }
        prev = Some(p);
    }
    if cur.len() >= 2 {
        pieces.push(cur);
    }
    let inside = |p: &(f64, f64)| {
        p.0.is_finite() && p.1.is_finite() && p.0 >= x0 && p.0 <= x1 && p.1 >= y0 && p.1 <= y1
    };
    let dots: Vec<Pt> = o
        .points
        .iter()
        .filter(|p| inside(p))
        .map(|p| to_px(p.0, p.1))
        .collect();
    (pieces, dots)
}

pub(super) fn draw_overlay(
    root: &Area,
    o: &Overlay,
    x: (f64, f64),
    y: (f64, f64),
    to_px: &dyn Fn(f64, f64) -> Pt,
    plot: Rect,
) -> DrawResult {
    let color = path_color(o.color);
    let (pieces, dots) = overlay_pixels(o, x, y, to_px);
    for piece in &pieces {
        let pts: Vec<(i32, i32)> = piece.iter().map(|&p| to_i(p)).collect();
        root.draw(&PathElement::new(
            pts.clone(),
            WHITE.mix(0.9).stroke_width(5),
        ))?;
        root.draw(&PathElement::new(pts, color.stroke_width(2)))?;
    }
    if dots.len() <= 300 {
        for &d in &dots {
            root.draw(&Circle::new(to_i(d), 4, WHITE.filled()))?;
            root.draw(&Circle::new(to_i(d), 3, color.filled()))?;
        }
    }
    let finite = |p: &&(f64, f64)| p.0.is_finite() && p.1.is_finite();
    let first = o.points.first().filter(finite);
    let last = o
        .points
        .last()
        .filter(finite)
        .filter(|_| o.points.len() > 1);
    let inside = |p: &(f64, f64)| p.0 >= x.0 && p.0 <= x.1 && p.1 >= y.0 && p.1 <= y.1;
    for (p, name, is_start) in [(first, o.ends[0], true), (last, o.ends[1], false)] {
        let Some(p) = p.filter(|p| inside(p)) else {
            continue;
        };
        let c = to_px(p.0, p.1);
        let ci = to_i(c);
        if is_start {
            root.draw(&Circle::new(ci, 7, color.filled()))?;
            root.draw(&Circle::new(ci, 4, WHITE.filled()))?;
        } else {
            root.draw(&Circle::new(ci, 7, WHITE.filled()))?;
            root.draw(&Circle::new(ci, 6, color.filled()))?;
        }
        if name.is_empty() {
            continue;
        }
        // Label to the upper right, or the left when near the right edge.
        let right = c.0 + 70.0 < plot.2;
        let (h, dx) = if right {
            (HPos::Left, 10)
        } else {
            (HPos::Right, -10)
        };
        let v = if c.1 - 30.0 > plot.1 {
            VPos::Bottom
        } else {
            VPos::Top
        };
        let dy = if matches!(v, VPos::Bottom) { -6 } else { 6 };
        let style = text(LEGEND_PX - 2, &color, h, v);
        draw_boxed_text(root, name, (ci.0 + dx, ci.1 + dy), &style)?;
    }
    Ok(())
}
