//! The 1-D slice (Li et al.'s `plot_1D`): loss on the left axis and accuracy on a twin
//! right axis against the slice coordinate, one colour per curve, and a legend at the
//! right.

use std::path::Path;

use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::super::{
    draw_line_mesh, draw_no_data, finite_range, finite_runs, fmt_log_tick, fmt_tick, pad_linear,
    pad_log, palette, save_png, Area, DrawResult, AXIS, AXIS_PX, FONT, LEGEND_BORDER, LEGEND_PX,
    TEXT, TICK_PX, TITLE_PX,
};
use super::glyphs::text_style;
use super::scale::lerp;
use super::Slice1d;
use crate::error::{Error, Result};

/// Accuracy shade of a curve colour.
fn lighter(c: RGBColor) -> RGBColor {
    lerp(c, WHITE, 0.45)
}

const DASH: (i32, i32) = (9, 6);
/// Series with at most this many points get a dot on every point.
const DOTS_MAX: usize = 30;

/// A 1-D slice (Li et al.'s `plot_1D`): loss against the slice coordinate on the left
/// axis (log scale when `s.log`), accuracy on a twin right axis (0..1, or 0..100 for
/// percentages), one colour per curve: loss in the full colour, accuracy in a lighter
/// shade; `dashed` curves (e.g. test) dashed. The legend sits right of the chart.
pub fn slice_1d(path: &Path, title: &str, s: &Slice1d) -> Result<()> {
    let n = s.x.len();
    for c in s.curves {
        if c.loss.len() != n {
            return Err(Error::Invalid(format!(
                "slice_1d: curve `{}` has {} losses for {n} x values",
                c.label,
                c.loss.len()
            )));
        }
        if let Some(a) = c.accuracy.filter(|a| a.len() != n) {
            return Err(Error::Invalid(format!(
                "slice_1d: curve `{}` has {} accuracies for {n} x values",
                c.label,
                a.len()
            )));
        }
    }
    let has_acc = s.curves.iter().any(|c| c.accuracy.is_some());
    let acc_range = if has_acc {
        let all = s
            .curves
            .iter()
            .filter_map(|c| c.accuracy)
            .flat_map(|a| a.iter().copied());
        Some(match finite_range(all, false) {
            Some((lo, hi)) if lo >= 0.0 && hi <= 1.0 => (-0.02, 1.02),
            Some((lo, hi)) if lo >= 0.0 && hi <= 100.0 => (-2.0, 102.0),
            None => (-0.02, 1.02),
            other => pad_linear(other),
        })
    } else {
        None
    };
    let x_range = match finite_range(s.x.iter().copied(), false) {
        Some((lo, hi)) if hi > lo => (lo, hi),
        other => pad_linear(other),
    };
    let losses = s.curves.iter().flat_map(|c| c.loss.iter().copied());
    let any_loss = finite_range(losses.clone(), s.log).is_some();
    let legend_w = 250u32;
    let (width, height) = (1200u32, 640u32);

    save_png(path, (width, height), |root| {
        let area = root.titled(title, (FONT, TITLE_PX).into_font().color(&TEXT))?;
        let (main, side) = area.split_horizontally(width - legend_w);
        if s.log {
            let (lo, hi) = pad_log(finite_range(losses.clone(), true));
            slice_chart(
                &main,
                s,
                x_range,
                (lo..hi).log_scale(),
                fmt_log_tick,
                acc_range,
                any_loss,
            )?;
        } else {
            let (lo, hi) = pad_linear(finite_range(losses.clone(), false));
            slice_chart(&main, s, x_range, lo..hi, fmt_tick, acc_range, any_loss)?;
        }
        draw_slice_legend(&side, s, has_acc)
    })
}

fn slice_chart<Y>(
    area: &Area,
    s: &Slice1d,
    (x0, x1): (f64, f64),
    y: Y,
    y_fmt: fn(f64) -> String,
    acc: Option<(f64, f64)>,
    any_loss: bool,
) -> DrawResult
where
    Y: AsRangedCoord<Value = f64>,
    Y::CoordDescType: ValueFormatter<f64>,
{
    let (a0, a1) = acc.unwrap_or((0.0, 1.0));
    let mut chart = ChartBuilder::on(area)
        .margin(12)
        .margin_right(if acc.is_some() { 8 } else { 28 })
        .x_label_area_size(58)
        .y_label_area_size(88)
        .right_y_label_area_size(if acc.is_some() { 84 } else { 0 })
        .build_cartesian_2d(x0..x1, y)?
        .set_secondary_coord(x0..x1, a0..a1);
    draw_line_mesh(&mut chart, s.x_label, "loss", y_fmt)?;
    if acc.is_some() {
        chart
            .configure_secondary_axes()
            .axis_style(AXIS)
            .y_desc("accuracy")
            .axis_desc_style((FONT, AXIS_PX).into_font().color(&TEXT))
            .label_style((FONT, TICK_PX).into_font().color(&TEXT))
            .y_label_formatter(&|v| fmt_tick(*v))
            .y_labels(6)
            .draw()?;
    }
    let log = s.log;
    for (k, c) in s.curves.iter().enumerate() {
        let color = palette(k);
        let loss_style = color.stroke_width(3);
        for run in finite_runs(s.x, c.loss, log) {
            let n = run.len();
            if c.dashed {
                chart.draw_series(DashedLineSeries::new(
                    run.clone(),
                    DASH.0,
                    DASH.1,
                    loss_style,
                ))?;
            } else {
                chart.draw_series(LineSeries::new(run.clone(), loss_style))?;
            }
            if n == 1 || n <= DOTS_MAX {
                chart.draw_series(run.iter().map(|&p| Circle::new(p, 4, color.filled())))?;
            }
        }
        if let Some(a) = c.accuracy {
            let light = lighter(color);
            let acc_style = light.stroke_width(2);
            for run in finite_runs(s.x, a, false) {
                let n = run.len();
                if c.dashed {
                    chart.draw_secondary_series(DashedLineSeries::new(
                        run.clone(),
                        DASH.0,
                        DASH.1,
                        acc_style,
                    ))?;
                } else {
                    chart.draw_secondary_series(LineSeries::new(run.clone(), acc_style))?;
                }
                if n == 1 || n <= DOTS_MAX {
                    chart.draw_secondary_series(
                        run.iter().map(|&p| Circle::new(p, 3, light.filled())),
                    )?;
                }
            }
        }
    }
    if !any_loss {
        draw_no_data(&chart.plotting_area().strip_coord_spec())?;
    }
    Ok(())
}

/// A short line sample for the legend, solid or dashed.
fn legend_line(
    area: &Area,
    x: i32,
    y: i32,
    color: RGBColor,
    width: u32,
    dashed: bool,
) -> DrawResult {
    let len = 34;
    if dashed {
        let mut a = x;
        while a < x + len {
            let b = (a + DASH.0).min(x + len);
            area.draw(&PathElement::new(
                vec![(a, y), (b, y)],
                color.stroke_width(width),
            ))?;
            a += DASH.0 + DASH.1;
        }
    } else {
        area.draw(&PathElement::new(
            vec![(x, y), (x + len, y)],
            color.stroke_width(width),
        ))?;
    }
    Ok(())
}

fn draw_slice_legend(side: &Area, s: &Slice1d, has_acc: bool) -> DrawResult {
    let text = text_style(LEGEND_PX - 2, &TEXT, HPos::Left, VPos::Center);
    let row = 28;
    if s.curves.is_empty() {
        return Ok(());
    }
    let (x, mut y) = (8, 20);
    let box_h = s.curves.len() as i32 * row + if has_acc { 5 * row / 2 } else { 0 } + 12;
    let (w, _) = side.dim_in_pixel();
    side.draw(&Rectangle::new(
        [(x - 6, y - 8), (w as i32 - 12, y - 8 + box_h)],
        LEGEND_BORDER.stroke_width(1),
    ))?;
    for (k, c) in s.curves.iter().enumerate() {
        let mid = y + row / 2;
        legend_line(side, x + 4, mid, palette(k), 3, c.dashed)?;
        side.draw_text(c.label, &text, (x + 48, mid))?;
        y += row;
    }
    if has_acc {
        y += row / 2;
        let grey = RGBColor(70, 70, 70);
        let mid = y + row / 2;
        legend_line(side, x + 4, mid, grey, 3, false)?;
        side.draw_text("loss (left axis)", &text, (x + 48, mid))?;
        y += row;
        let mid = y + row / 2;
        legend_line(side, x + 4, mid, lighter(grey), 2, false)?;
        side.draw_text("accuracy (right axis)", &text, (x + 48, mid))?;
    }
    Ok(())
}
