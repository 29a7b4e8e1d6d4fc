//! Legends and colour bars: the series legend inside a chart (house style, placed in the
//! corner with the fewest points under it), legend entries and their line keys, the
//! row legends of the side panels (a key drawn by the figure, then its label), and the
//! vertical colour bar with its name and ticks.

use plotters::element::IntoDynElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::chart::{Chart, DASH};
use super::save::{Area, DrawError, DrawResult};
use super::style::{font, text, AXIS, AXIS_PX, LEGEND_BORDER, LEGEND_PX, TEXT, TICK_PX};

/// The legend corner with the fewest of `points` (fractions of the plotting area, (0, 0)
/// at the bottom left) under it; ties go to the upper right, then upper left, lower right.
pub(crate) fn quiet_corner(points: impl IntoIterator<Item = (f64, f64)>) -> SeriesLabelPosition {
    let mut counts = [0usize; 4];
    for (u, v) in points {
        let (left, right) = (u < 0.45, u > 0.55);
        let (bottom, top) = (v < 0.4, v > 0.6);
        let k = match (top, bottom, left, right) {
            (true, _, _, true) => 0,
            (true, _, true, _) => 1,
            (_, true, _, true) => 2,
            (_, true, true, _) => 3,
            _ => continue,
        };
        counts[k] += 1;
    }
    let best = (0..4).min_by_key(|&k| counts[k]).unwrap_or(0);
    [
        SeriesLabelPosition::UpperRight,
        SeriesLabelPosition::UpperLeft,
        SeriesLabelPosition::LowerRight,
        SeriesLabelPosition::LowerLeft,
    ][best]
        .clone()
}

/// Add a legend entry `label` with the key drawn by `key` (at the entry's left middle,
/// in pixels) without drawing any data.
pub(crate) fn legend_entry<'a, 'b: 'a, E, F>(
    chart: &mut Chart<'a, 'b>,
    label: &str,
    key: F,
) -> DrawResult
where
    E: IntoDynElement<'a, BitMapBackend<'b>, (i32, i32)>,
    F: Fn((i32, i32)) -> E + 'a,
{
    chart
        .draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())?
        .label(label)
        .legend(key);
    Ok(())
}

/// The legend key of a line series: a 24-pixel line of `width` in `color`.
pub(crate) fn line_key(
    color: RGBColor,
    width: u32,
) -> impl Fn((i32, i32)) -> PathElement<(i32, i32)> {
    move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], color.stroke_width(width))
}

/// Draw the series legend of `chart` at `pos`, in the house style.
pub(crate) fn draw_legend<'a, 'b: 'a>(
    chart: &mut Chart<'a, 'b>,
    pos: SeriesLabelPosition,
) -> DrawResult {
    chart
        .configure_series_labels()
        .position(pos)
        .margin(12)
        .legend_area_size(34)
        .background_style(WHITE.mix(0.92))
        .border_style(LEGEND_BORDER)
        .label_font(font(LEGEND_PX))
        .draw()?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Row legends of side panels.

/// Height of a legend row, in pixels.
pub(crate) const ROW_PX: i32 = 28;
/// Width of a row's key; the label starts 10 pixels to its right.
pub(crate) const KEY_W: i32 = 34;

/// Draws a legend key centred at the given pixel.
pub(crate) type DrawKey<'s> = Box<dyn Fn(&Area, (i32, i32)) -> DrawResult + 's>;

/// One row of a side legend: `key` draws the key centred at the given pixel, then the
/// label follows.
pub(crate) struct LegendRow<'s> {
    pub(crate) key: DrawKey<'s>,
    pub(crate) label: String,
}

impl<'s> LegendRow<'s> {
    pub(crate) fn new(
        label: impl Into<String>,
        key: impl Fn(&Area, (i32, i32)) -> DrawResult + 's,
    ) -> LegendRow<'s> {
        LegendRow {
            key: Box::new(key),
            label: label.into(),
        }
    }
}

/// Draw `rows` from `(x, y)` downwards, `row_h` pixels each, labels in `font_px`; returns
/// the y below the last row.
pub(crate) fn legend_rows(
    area: &Area,
    (x, mut y): (i32, i32),
    row_h: i32,
    font_px: u32,
    rows: &[LegendRow],
) -> Result<i32, DrawError> {
    let style = text(font_px, &TEXT, HPos::Left, VPos::Center);
    for row in rows {
        let mid = y + row_h / 2;
        (row.key)(area, (x + KEY_W / 2, mid))?;
        area.draw_text(&row.label, &style, (x + KEY_W + 10, mid))?;
        y += row_h;
    }
    Ok(y)
}

/// A line key centred at `c`: [`KEY_W`] long, `width` thick, solid or dashed.
pub(crate) fn draw_line_key(
    area: &Area,
    c: (i32, i32),
    color: RGBColor,
    width: u32,
    dashed: bool,
) -> DrawResult {
    let (x0, x1) = (c.0 - KEY_W / 2, c.0 + KEY_W / 2);
    let style = color.stroke_width(width);
    if dashed {
        let mut a = x0;
        while a < x1 {
            let b = (a + DASH.0).min(x1);
            area.draw(&PathElement::new(vec![(a, c.1), (b, c.1)], style))?;
            a += DASH.0 + DASH.1;
        }
    } else {
        area.draw(&PathElement::new(vec![(x0, c.1), (x1, c.1)], style))?;
    }
    Ok(())
}

/// A frame around a side legend from `(x0, y0)` to `(x1, y1)`.
pub(crate) fn draw_legend_frame(
    area: &Area,
    (x0, y0): (i32, i32),
    (x1, y1): (i32, i32),
) -> DrawResult {
    area.draw(&Rectangle::new(
        [(x0, y0), (x1, y1)],
        LEGEND_BORDER.stroke_width(1),
    ))?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Colour bars.

/// Width of a colour bar, in pixels.
pub(crate) const BAR_W: i32 = 24;

/// A vertical colour bar: values `lo` (bottom) to `hi` (top) in the bar's units, drawn
/// with `color` from `top` to `bottom` at `x`, its `name` above it, `ticks` (value,
/// label) to its right and thin white lines across it at `levels`.
pub(crate) struct ColorBar<'s> {
    pub(crate) x: i32,
    pub(crate) top: i32,
    pub(crate) bottom: i32,
    pub(crate) name: &'s str,
    pub(crate) lo: f64,
    pub(crate) hi: f64,
    pub(crate) color: &'s dyn Fn(f64) -> RGBColor,
    pub(crate) ticks: &'s [(f64, String)],
    pub(crate) levels: &'s [f64],
}

/// Draw `bar` on `area`; nothing when it would be shorter than 60 pixels.
pub(crate) fn draw_colorbar(area: &Area, bar: &ColorBar) -> DrawResult {
    let ColorBar { top, bottom, .. } = *bar;
    if bottom < top + 60 {
        return Ok(());
    }
    let (bx0, bx1) = (bar.x, bar.x + BAR_W);
    let name_style = text(AXIS_PX - 2, &TEXT, HPos::Left, VPos::Bottom);
    area.draw_text(bar.name, &name_style, (bx0 - 2, top - 8))?;
    let height = (bottom - top) as f64;
    let span = bar.hi - bar.lo;
    let value_at = |py: f64| bar.hi - (py - top as f64) / height * span;
    let py_of = |v: f64| top + ((bar.hi - v) / span * height).round() as i32;
    for py in top..bottom {
        let c = (bar.color)(value_at(py as f64 + 0.5));
        area.draw(&PathElement::new(vec![(bx0, py), (bx1, py)], c))?;
    }
    for &v in bar.levels {
        let py = py_of(v);
        area.draw(&PathElement::new(
            vec![(bx0, py), (bx1, py)],
            WHITE.mix(0.9).stroke_width(1),
        ))?;
    }
    area.draw(&Rectangle::new(
        [(bx0, top), (bx1, bottom)],
        AXIS.stroke_width(1),
    ))?;
    let tick_style = text(TICK_PX, &TEXT, HPos::Left, VPos::Center);
    for (v, label) in bar.ticks {
        let py = py_of(*v);
        if py < top - 1 || py > bottom + 1 {
            continue;
        }
        area.draw(&PathElement::new(
            vec![(bx1, py), (bx1 + 5, py)],
            AXIS.stroke_width(1),
        ))?;
        area.draw_text(label, &tick_style, (bx1 + 9, py))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_legend_goes_to_the_quietest_corner() {
        let pos = |p: SeriesLabelPosition| format!("{p:?}");
        assert_eq!(pos(quiet_corner([])), pos(SeriesLabelPosition::UpperRight));
        // Points falling from the upper left to the lower right leave the upper right and
        // lower left free; crowd the upper right and the lower left wins.
        let pts = [
            (0.1, 0.9),
            (0.9, 0.1),
            (0.9, 0.9),
            (0.95, 0.95),
            (0.2, 0.8),
            (0.8, 0.2),
        ];
        assert_eq!(pos(quiet_corner(pts)), pos(SeriesLabelPosition::LowerLeft));
    }
}
