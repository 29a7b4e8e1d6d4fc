//! The side panel right of the 2-D figures and the 3-D surface: the legend rows (the
//! minimum's star, the overlay paths, masked cells) and the ticks of the colour bar.

use plotters::prelude::*;

use super::super::kit::{
    fmt_number, legend_rows, Area, DrawError, LegendRow, AXIS, LEGEND_PX, ROW_PX,
};
use super::glyphs::draw_star;
use super::grid::Grid;
use super::heatmap::MASKED;
use super::overlay::path_color;
use super::scale::Scale;

/// One row of the legend next to a 2-D figure.
pub(super) enum Key<'a> {
    Star(String),
    /// A path's label and colour index.
    Path(&'a str, usize),
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
pub(super) fn draw_keys(root: &Area, keys: &[Key], x: i32, y: i32) -> Result<i32, DrawError> {
    let rows: Vec<LegendRow> = keys
        .iter()
        .map(|key| match key {
            Key::Star(s) => LegendRow::new(s.as_str(), |a: &Area, c| draw_star(a, c, 10.0)),
            Key::Path(s, i) => {
                let color = path_color(*i);
                LegendRow::new(*s, move |a: &Area, (cx, cy): (i32, i32)| {
                    a.draw(&PathElement::new(
                        vec![(cx - 13, cy), (cx + 13, cy)],
                        color.stroke_width(2),
                    ))?;
                    a.draw(&Circle::new((cx, cy), 4, WHITE.filled()))?;
                    a.draw(&Circle::new((cx, cy), 3, color.filled()))?;
                    Ok(())
                })
            }
            Key::Masked(s) => LegendRow::new(*s, |a: &Area, (cx, cy): (i32, i32)| {
                let corners = [(cx - 10, cy - 8), (cx + 10, cy + 8)];
                a.draw(&Rectangle::new(corners, MASKED.filled()))?;
                a.draw(&Rectangle::new(corners, AXIS.stroke_width(1)))?;
                Ok(())
            }),
        })
        .collect();
    legend_rows(root, (x, y), ROW_PX, LEGEND_PX - 2, &rows)
}

/// The ticks of a colour bar on `scale`: about six round values (transformed units).
pub(super) fn colorbar_ticks(scale: &Scale) -> Vec<(f64, String)> {
    scale.marks(6).into_iter().map(|m| (m.t, m.label)).collect()
}

/// Text for the minimum in the legend.
pub(super) fn min_key(g: &Grid) -> Option<Key<'static>> {
    g.argmin.map(|k| {
        let v = g.scale.value(g.t[k]);
        Key::Star(format!("min {}", fmt_number(v)))
    })
}
