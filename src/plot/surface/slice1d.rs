//! The 1-D slice (Li et al.'s `plot_1D`): loss on the left axis and accuracy on a twin
//! right axis against the slice coordinate, one colour per curve, and a legend at the
//! right.

use std::path::Path;

use plotters::prelude::*;

use super::super::curves::{accuracy_range, x_axis};
use super::super::kit::{
    draw_legend_frame, draw_line_key, draw_no_data, finite_range, finite_runs, legend_rows, lerp,
    pad, palette, plotting_area, save_png, titled, trace_elements, twin_chart, Area, Axis,
    DrawResult, Frame, LegendRow, Trace, LEGEND_PX, MARKER_MAX, ROW_PX, SLICE_1D_SIZE,
};
use super::Slice1d;
use crate::error::{Error, Result};

/// Width of the legend column at the right.
const LEGEND_W: u32 = 250;

/// Accuracy shade of a curve colour.
fn lighter(c: RGBColor) -> RGBColor {
    lerp(c, WHITE, 0.45)
}

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
    let accuracies = s
        .curves
        .iter()
        .filter_map(|c| c.accuracy)
        .flat_map(|a| a.iter().copied());
    let acc = has_acc.then(|| {
        let (lo, hi) = accuracy_range(finite_range(accuracies, false));
        Axis::linear(lo, hi, 6)
    });
    let losses = s.curves.iter().flat_map(|c| c.loss.iter().copied());
    let any_loss = finite_range(losses.clone(), s.log).is_some();
    let (lo, hi) = pad(losses, s.log);
    let y = Axis::new(lo, hi, s.log, 8);
    let x = x_axis(s.x.iter().copied(), false);

    save_png(path, SLICE_1D_SIZE, |root| {
        let area = titled(root, title)?;
        let (main, side) = area.split_horizontally(SLICE_1D_SIZE.0 - LEGEND_W);
        let frame = Frame::new(s.x_label, "loss");
        let mut chart = twin_chart(&main, &frame, x, y, acc.map(|a| (a, "accuracy")))?;
        for (k, c) in s.curves.iter().enumerate() {
            let color = palette(k);
            let runs = finite_runs(s.x, c.loss, s.log);
            let dots = runs.iter().map(Vec::len).sum::<usize>() <= MARKER_MAX;
            let trace = Trace {
                dashed: c.dashed,
                every_point: dots,
                ..Trace::line(color, 3, 4)
            };
            chart.draw_series(trace_elements(&runs, &trace))?;
            if let Some(a) = c.accuracy {
                let runs = finite_runs(s.x, a, false);
                let dots = runs.iter().map(Vec::len).sum::<usize>() <= MARKER_MAX;
                let trace = Trace {
                    dashed: c.dashed,
                    every_point: dots,
                    ..Trace::line(lighter(color), 2, 3)
                };
                chart.draw_secondary_series(trace_elements(&runs, &trace))?;
            }
        }
        if !any_loss {
            draw_no_data(&plotting_area(&chart))?;
        }
        draw_slice_legend(&side, s, has_acc)
    })
}

/// The legend column: one row per curve (its colour, dashed if it is), then, when there
/// are accuracies, which line style is which axis.
fn draw_slice_legend(side: &Area, s: &Slice1d, has_acc: bool) -> DrawResult {
    if s.curves.is_empty() {
        return Ok(());
    }
    let (x, y) = (8, 20);
    let box_h = s.curves.len() as i32 * ROW_PX + if has_acc { 5 * ROW_PX / 2 } else { 0 } + 12;
    let (w, _) = side.dim_in_pixel();
    draw_legend_frame(side, (x - 6, y - 8), (w as i32 - 12, y - 8 + box_h))?;
    let rows: Vec<LegendRow> = (s.curves.iter().enumerate())
        .map(|(k, c)| {
            LegendRow::new(c.label, move |a: &Area, at| {
                draw_line_key(a, at, palette(k), 3, c.dashed)
            })
        })
        .collect();
    let y = legend_rows(side, (x + 4, y), ROW_PX, LEGEND_PX - 2, &rows)?;
    if has_acc {
        let grey = RGBColor(70, 70, 70);
        let rows = [
            LegendRow::new("loss (left axis)", move |a: &Area, at| {
                draw_line_key(a, at, grey, 3, false)
            }),
            LegendRow::new("accuracy (right axis)", move |a: &Area, at| {
                draw_line_key(a, at, lighter(grey), 2, false)
            }),
        ];
        legend_rows(side, (x + 4, y + ROW_PX / 2), ROW_PX, LEGEND_PX - 2, &rows)?;
    }
    Ok(())
}
