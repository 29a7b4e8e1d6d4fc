//! The side panel right of the 2-D figures and the 3-D surface: legend rows (the
//! minimum's star, the overlay path, masked cells) and a vertical colour bar with round
//! tick values, optionally marking the contour levels.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::super::{Area, DrawResult, AXIS, AXIS_PX, LEGEND_PX, TEXT, TICK_PX};
use super::glyphs::{draw_star, text_style};
use super::grid::Grid;
use super::heatmap::MASKED;
use super::overlay::PATH;
use super::scale::{fmt_sig, round_marks, Mark, Scale};

/// One row of the legend next to a 2-D figure.
pub(super) enum Key<'a> {
    Star(String),
    Path(&'a str),
    Masked(&'static str),
}

/// The legend row for masked cells; on a log scale non-positive values are masked too.
pub(super) fn masked_key(log: bool) -> Key<'static> {
    Key::Masked(if log {
        "≤ 0 or not finite"
    } else {
        "not finite"
    })
}

/// Legend rows from `(x, y)` downwards; returns the y below the last row.
pub(super) fn draw_keys(
    root: &Area,
    keys: &[Key],
    x: i32,
    mut y: i32,
) -> std::result::Result<i32, Box<dyn std::error::Error>> {
    let text = text_style(LEGEND_PX - 2, &TEXT, HPos::Left, VPos::Center);
    let row = 28;
    for key in keys {
        let mid = (x + 13, y + row / 2);
        let label: &str = match key {
            Key::Star(s) => {
                draw_star(root, mid, 10.0)?;
                s
            }
            Key::Path(s) => {
                root.draw(&PathElement::new(
                    vec![(x, mid.1), (x + 26, mid.1)],
                    PATH.stroke_width(2),
                ))?;
                root.draw(&Circle::new(mid, 4, WHITE.filled()))?;
                root.draw(&Circle::new(mid, 3, PATH.filled()))?;
                s
            }
            Key::Masked(s) => {
                root.draw(&Rectangle::new(
                    [(x + 3, mid.1 - 8), (x + 23, mid.1 + 8)],
                    MASKED.filled(),
                ))?;
                root.draw(&Rectangle::new(
                    [(x + 3, mid.1 - 8), (x + 23, mid.1 + 8)],
                    AXIS.stroke_width(1),
                ))?;
                s
            }
        };
        root.draw_text(label, &text, (x + 34, mid.1))?;
        y += row;
    }
    Ok(y)
}

/// A vertical colour bar from `top` to `bottom` at `x` with its name above and round tick
/// values to its right; `lines` uses the line colours and marks `levels` across the bar.
#[allow(clippy::too_many_arguments)]
pub(super) fn draw_colorbar(
    root: &Area,
    x: i32,
    top: i32,
    bottom: i32,
    name: &str,
    scale: &Scale,
    lines: bool,
    levels: &[Mark],
) -> DrawResult {
    if bottom < top + 60 {
        return Ok(());
    }
    let (bx0, bx1) = (x, x + 24);
    let name_style = text_style(AXIS_PX - 2, &TEXT, HPos::Left, VPos::Bottom);
    let name = if scale.log {
        format!("{name} (log)")
    } else {
        name.to_string()
    };
    root.draw_text(&name, &name_style, (bx0 - 2, top - 8))?;
    let height = (bottom - top) as f64;
    let t_at = |py: f64| scale.hi - (py - top as f64) / height * (scale.hi - scale.lo);
    let py_of = |t: f64| top + ((scale.hi - t) / (scale.hi - scale.lo) * height).round() as i32;
    for py in top..bottom {
        let t = t_at(py as f64 + 0.5);
        let c = if lines { scale.line(t) } else { scale.fill(t) };
        root.draw(&PathElement::new(vec![(bx0, py), (bx1, py)], c))?;
    }
    for m in levels {
        let py = py_of(m.t);
        root.draw(&PathElement::new(
            vec![(bx0, py), (bx1, py)],
            RGBColor(255, 255, 255).mix(0.9).stroke_width(1),
        ))?;
    }
    root.draw(&Rectangle::new(
        [(bx0, top), (bx1, bottom)],
        AXIS.stroke_width(1),
    ))?;
    let tick_style = text_style(TICK_PX, &TEXT, HPos::Left, VPos::Center);
    for m in round_marks(scale, 6) {
        let py = py_of(m.t);
        if py < top - 1 || py > bottom + 1 {
            continue;
        }
        root.draw(&PathElement::new(
            vec![(bx1, py), (bx1 + 5, py)],
            AXIS.stroke_width(1),
        ))?;
        root.draw_text(&m.label, &tick_style, (bx1 + 9, py))?;
    }
    Ok(())
}

/// Text for the minimum in the legend.
pub(super) fn min_key(g: &Grid) -> Option<Key<'static>> {
    g.argmin.map(|k| {
        let v = g.scale.value(g.t[k]);
        Key::Star(format!("min {}", fmt_sig(v)))
    })
}
