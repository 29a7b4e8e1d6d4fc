//! Small drawing pieces shared by the loss-landscape figures: the gold five-pointed star
//! marking a grid's minimum, pixel rounding, and text on a white box.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::super::kit::{Area, DrawResult};
use super::geometry::Pt;

/// The minimum's star and the overlay path.
const STAR: RGBColor = RGBColor(255, 196, 0);
const STAR_EDGE: RGBColor = RGBColor(20, 20, 20);

pub(super) fn to_i((x, y): Pt) -> (i32, i32) {
    (x.round() as i32, y.round() as i32)
}

/// A five-pointed star centred at `c` (pixels).
pub(super) fn draw_star(root: &Area, c: (i32, i32), r: f64) -> DrawResult {
    let pts: Vec<(i32, i32)> = (0..10)
        .map(|k| {
            let rad = if k % 2 == 0 { r } else { 0.42 * r };
            let a = -std::f64::consts::FRAC_PI_2 + k as f64 * std::f64::consts::PI / 5.0;
            to_i((c.0 as f64 + rad * a.cos(), c.1 as f64 + rad * a.sin()))
        })
        .collect();
    root.draw(&Polygon::new(pts.clone(), STAR.filled()))?;
    let mut ring = pts;
    ring.push(ring[0]);
    root.draw(&PathElement::new(ring, STAR_EDGE.stroke_width(1)))?;
    Ok(())
}

/// Text with a white box behind it.
pub(super) fn draw_boxed_text(
    root: &Area,
    text: &str,
    at: (i32, i32),
    style: &TextStyle,
) -> DrawResult {
    let (w, h) = root.estimate_text_size(text, style)?;
    let (w, h) = (w as i32, h as i32);
    let x0 = match style.pos.h_pos {
        HPos::Left => at.0,
        HPos::Center => at.0 - w / 2,
        HPos::Right => at.0 - w,
    };
    let y0 = match style.pos.v_pos {
        VPos::Top => at.1,
        VPos::Center => at.1 - h / 2,
        VPos::Bottom => at.1 - h,
    };
    root.draw(&Rectangle::new(
        [(x0 - 3, y0 - 2), (x0 + w + 3, y0 + h + 2)],
        WHITE.mix(0.85).filled(),
    ))?;
    root.draw_text(text, style, at)?;
    Ok(())
}
