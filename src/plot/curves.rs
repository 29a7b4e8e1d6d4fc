//! Line charts, training curves, bar charts and histograms.
//!
//! Inputs are plain slices: a series is `x[i], y[i]` pairs (equal lengths), drawn as a
//! polyline broken at every non-finite point (and at every `y <= 0` on a log axis).
//! Isolated points are drawn as dots, and short series (at most [`MARKER_MAX`] points)
//! get a dot on every point so sweeps over a few values read as measurements.

use std::path::Path;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::kit::{
    self, corner_note, draw_legend, draw_no_data, finite_range, finite_runs, fmt_tick,
    legend_entry, line_key, pad_linear, pad_log, palette, plotting_area, save_png, text, titled,
    trace_elements, Area, Axis, Chart, DrawResult, Frame, Grid, Trace, AXIS_PX, DEFAULT_SIZE,
    LEGEND_PX, TEXT, WIDE_SIZE,
};
use crate::error::{Error, Result};

pub use super::kit::MARKER_MAX;

/// One line on a chart: `y[i]` against `x[i]`; both slices have the same length.
#[derive(Debug, Clone, Copy)]
pub struct Series<'a> {
    pub label: &'a str,
    pub x: &'a [f64],
    pub y: &'a [f64],
}

/// Training curves against a common x axis (epochs or steps).
///
/// Every present slice has the length of `x`. The accuracy panel is drawn when either
/// accuracy is present; accuracies in `[0, 1]` get the axis `0..1`, in `[0, 100]` the
/// axis `0..100`.
#[derive(Debug, Clone, Copy)]
pub struct Curves<'a> {
    pub x: &'a [f64],
    pub x_label: &'a str,
    pub train_loss: &'a [f64],
    pub test_loss: Option<&'a [f64]>,
    pub train_acc: Option<&'a [f64]>,
    pub test_acc: Option<&'a [f64]>,
}

/// A line chart of `series` (legend when there is more than one), optionally log-y.
pub fn line_chart(
    path: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[Series],
    log_y: bool,
) -> Result<()> {
    for s in series {
        check_len(s.label, s.x.len(), s.y.len())?;
    }
    let lines: Vec<Line> = series
        .iter()
        .enumerate()
        .map(|(i, s)| Line {
            label: s.label,
            x: s.x,
            y: s.y,
            color: palette(i),
        })
        .collect();
    let panel = Panel {
        caption: None,
        x_label,
        y_label,
        lines: &lines,
        log_y,
        y_range: None,
        legend: (lines.len() > 1).then_some(SeriesLabelPosition::UpperRight),
    };
    save_png(path, DEFAULT_SIZE, |root| {
        draw_panel(&titled(root, title)?, &panel)
    })
}

/// Training curves: loss on the left, accuracy on the right (when given), train and test
/// series in each. The loss axis is logarithmic when every finite loss is positive and
/// they span at least two decades.
pub fn training_curves(path: &Path, title: &str, c: &Curves) -> Result<()> {
    let n = c.x.len();
    check_len("train loss", n, c.train_loss.len())?;
    for (name, s) in [
        ("test loss", c.test_loss),
        ("train accuracy", c.train_acc),
        ("test accuracy", c.test_acc),
    ] {
        if let Some(s) = s {
            check_len(name, n, s.len())?;
        }
    }
    let line = |label, y, color| Line {
        label,
        x: c.x,
        y,
        color,
    };
    let (train_color, test_color) = (palette(0), palette(1));
    let loss_lines: Vec<Line> = [(Some(c.train_loss), "train", train_color)]
        .into_iter()
        .chain([(c.test_loss, "test", test_color)])
        .filter_map(|(y, label, color)| y.map(|y| line(label, y, color)))
        .collect();
    let acc_lines: Vec<Line> = [
        (c.train_acc, "train", train_color),
        (c.test_acc, "test", test_color),
    ]
    .into_iter()
    .filter_map(|(y, label, color)| y.map(|y| line(label, y, color)))
    .collect();

    let losses = loss_lines.iter().flat_map(|l| l.y.iter().copied());
    let log_loss = match (
        finite_range(losses.clone(), false),
        finite_range(losses, true),
    ) {
        (Some(all), Some((lo, hi))) => all.0 > 0.0 && hi / lo >= 100.0,
        _ => false,
    };
    let loss_panel = Panel {
        caption: Some("Loss"),
        x_label: c.x_label,
        y_label: "loss",
        lines: &loss_lines,
        log_y: log_loss,
        y_range: None,
        legend: (loss_lines.len() > 1).then_some(SeriesLabelPosition::UpperRight),
    };
    let acc_range = finite_range(acc_lines.iter().flat_map(|l| l.y.iter().copied()), false)
        .map(|r| accuracy_range(Some(r)));
    let acc_panel = Panel {
        caption: Some("Accuracy"),
        x_label: c.x_label,
        y_label: "accuracy",
        lines: &acc_lines,
        log_y: false,
        y_range: acc_range,
        legend: (acc_lines.len() > 1).then_some(SeriesLabelPosition::LowerRight),
    };

    if acc_lines.is_empty() {
        save_png(path, DEFAULT_SIZE, |root| {
            draw_panel(&titled(root, title)?, &loss_panel)
        })
    } else {
        save_png(path, WIDE_SIZE, |root| {
            let area = titled(root, title)?;
            let (left, right) = area.split_horizontally(WIDE_SIZE.0 / 2);
            draw_panel(&left, &loss_panel)?;
            draw_panel(&right, &acc_panel)
        })
    }
}

/// The axis range of accuracies over `range`: `0..1` for fractions, `0..100` for
/// percentages (with a little room), else the padded range; `0..1` without data.
pub(crate) fn accuracy_range(range: Option<(f64, f64)>) -> (f64, f64) {
    match range {
        None => (-0.02, 1.02),
        Some((lo, hi)) if lo >= 0.0 && hi <= 1.0 => (-0.02, 1.02),
        Some((lo, hi)) if lo >= 0.0 && hi <= 100.0 => (-2.0, 102.0),
        other => pad_linear(other),
    }
}

/// A bar chart: one bar per `(name, value)`, value printed on top. Non-finite values
/// leave their slot empty (marked "n/a").
pub fn bar_chart(path: &Path, title: &str, y_label: &str, bars: &[(&str, f64)]) -> Result<()> {
    let n = bars.len();
    let range = finite_range(bars.iter().map(|b| b.1).chain([0.0]), false);
    let (lo, hi) = match range {
        Some((lo, hi)) if hi > lo => (lo, hi),
        _ => (0.0, 1.0),
    };
    let span = hi - lo;
    // Room for the value labels above (below, for negative bars) the bars.
    let y0 = if lo < 0.0 { lo - 0.12 * span } else { 0.0 };
    let y1 = if hi > 0.0 { hi + 0.12 * span } else { 0.0 };
    let width = (DEFAULT_SIZE.0).max(160 + 110 * n as u32).min(2400);
    save_png(path, (width, DEFAULT_SIZE.1), |root| {
        let area = titled(root, title)?;
        let x = Axis::linear(-0.5, n.max(1) as f64 - 0.5, 1).with_ticks(Vec::new());
        let frame = Frame::new("", y_label).grid(Grid::Horizontal);
        let mut chart = kit::chart(&area, &frame, x, Axis::linear(y0, y1, 8))?;
        // Bar names under the axis, centred on the bars (drawn on the canvas in pixels).
        let name_font = text(AXIS_PX - 1, &TEXT, HPos::Center, VPos::Top);
        for (i, (name, _)) in bars.iter().enumerate() {
            let (px, py) = chart.backend_coord(&(i as f64, y0));
            root.draw_text(name, &name_font, (px, py + 10))?;
        }
        if n == 0 {
            return draw_no_data(&plotting_area(&chart));
        }
        for (i, &(_, v)) in bars.iter().enumerate() {
            let xc = i as f64;
            let (label, dy, vpos) = if !v.is_finite() {
                ("n/a".to_string(), -4, VPos::Bottom)
            } else if v >= 0.0 {
                (fmt_value(v), -4, VPos::Bottom)
            } else {
                (fmt_value(v), 4, VPos::Top)
            };
            if v.is_finite() {
                let c = palette(i);
                let corners = [(xc - 0.32, 0.0), (xc + 0.32, v)];
                chart.draw_series([
                    Rectangle::new(corners, c.mix(0.85).filled()),
                    Rectangle::new(corners, c.stroke_width(1)),
                ])?;
            }
            let style = text(LEGEND_PX, &TEXT, HPos::Center, vpos);
            let at = if v.is_finite() { v } else { 0.0 };
            chart.draw_series(std::iter::once(
                EmptyElement::at((xc, at)) + Text::new(label, (0, dy), style),
            ))?;
        }
        Ok(())
    })
}

/// Counts of finite values in `bins` ≥ 1 equal bins over their range [lo, hi] (a padded
/// range when the values are all equal or absent); the last bin includes hi.
pub(crate) struct Bins {
    pub lo: f64,
    pub hi: f64,
    pub counts: Vec<u64>,
}

impl Bins {
    pub fn of(finite: &[f64], bins: usize) -> Self {
        let (lo, hi) = match finite_range(finite.iter().copied(), false) {
            Some((lo, hi)) if hi > lo => (lo.clamp(-1e300, 1e300), hi.clamp(-1e300, 1e300)),
            other => pad_linear(other),
        };
        let width = (hi - lo) / bins as f64;
        let mut counts = vec![0u64; bins];
        for &v in finite {
            let k = (((v - lo) / width).floor().max(0.0) as usize).min(bins - 1);
            counts[k] += 1;
        }
        Bins { lo, hi, counts }
    }

    /// The left edge of bin k (hi for k = bins).
    pub fn edge(&self, k: usize) -> f64 {
        let bins = self.counts.len();
        if k == bins {
            self.hi
        } else {
            self.lo + (self.hi - self.lo) / bins as f64 * k as f64
        }
    }

    /// The non-empty bins as (left edge, right edge, count).
    pub fn bars(&self) -> Vec<(f64, f64, f64)> {
        (self.counts.iter().enumerate())
            .filter(|(_, &c)| c > 0)
            .map(|(k, &c)| (self.edge(k), self.edge(k + 1), c as f64))
            .collect()
    }

    /// The count axis: log from 0.5 (so that a count of 1 shows) to whole decades above
    /// the largest count, or linear from 0 with 8 % room on top.
    pub fn count_axis(&self, log: bool) -> Axis {
        let max = self.counts.iter().copied().max().unwrap_or(0) as f64;
        if log {
            let (_, top) = pad_log(Some((1.0, max.max(1.0))));
            Axis::new(HIST_BASE, top, true, 8)
        } else {
            Axis::linear(0.0, if max > 0.0 { max * 1.08 } else { 1.0 }, 8)
        }
    }
}

/// Bottom of a histogram's log count axis, where its bars start.
pub(crate) const HIST_BASE: f64 = 0.5;

/// Draw the histogram bars `(left, right, count)` filled with `color_of(left, right)`,
/// white edges between them when there are at most 80 bins.
pub(crate) fn draw_bars(
    chart: &mut Chart,
    bars: &[(f64, f64, f64)],
    bins: usize,
    color_of: impl Fn(f64, f64) -> RGBColor,
) -> DrawResult {
    let base = chart.y_range().start.max(0.0);
    chart.draw_series(
        bars.iter().map(|&(l, r, c)| {
            Rectangle::new([(l, base), (r, c)], color_of(l, r).mix(0.8).filled())
        }),
    )?;
    let edge = WHITE.stroke_width(if bins <= 80 { 1 } else { 0 });
    chart.draw_series(
        bars.iter()
            .map(|&(l, r, c)| Rectangle::new([(l, base), (r, c)], edge)),
    )?;
    Ok(())
}

/// A histogram of the finite `values` in `bins` equal bins over their range (counts on
/// a log axis when `log_y`; empty bins are then left out). The number of values drawn,
/// and of non-finite values skipped, is written in the corner.
pub fn histogram(
    path: &Path,
    title: &str,
    x_label: &str,
    values: &[f64],
    bins: usize,
    log_y: bool,
) -> Result<()> {
    if bins == 0 {
        return Err(Error::Invalid("histogram: bins must be at least 1".into()));
    }
    let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    let skipped = values.len() - finite.len();
    let b = Bins::of(&finite, bins);
    let note = if skipped > 0 {
        format!("n = {}  ({skipped} non-finite skipped)", finite.len())
    } else {
        format!("n = {}", finite.len())
    };

    save_png(path, DEFAULT_SIZE, |root| {
        let area = titled(root, title)?;
        let frame = Frame::new(x_label, "count");
        let mut chart = kit::chart(
            &area,
            &frame,
            Axis::linear(b.lo, b.hi, 9),
            b.count_axis(log_y),
        )?;
        draw_bars(&mut chart, &b.bars(), bins, |_, _| palette(0))?;
        let pa = plotting_area(&chart);
        if finite.is_empty() {
            return draw_no_data(&pa);
        }
        corner_note(&pa, &note)
    })
}

/// Value label for a bar: integers without decimals.
fn fmt_value(v: f64) -> String {
    if v == v.round() && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        fmt_tick(v)
    }
}

pub(crate) fn check_len(name: &str, nx: usize, ny: usize) -> Result<()> {
    if nx != ny {
        return Err(Error::Invalid(format!(
            "plot series `{name}`: {nx} x values but {ny} y values"
        )));
    }
    Ok(())
}

/// A series as drawn: data plus colour.
pub(crate) struct Line<'a> {
    pub(crate) label: &'a str,
    pub(crate) x: &'a [f64],
    pub(crate) y: &'a [f64],
    pub(crate) color: RGBColor,
}

/// One chart panel: axes, lines, optional legend.
pub(crate) struct Panel<'a> {
    pub(crate) caption: Option<&'a str>,
    pub(crate) x_label: &'a str,
    pub(crate) y_label: &'a str,
    pub(crate) lines: &'a [Line<'a>],
    pub(crate) log_y: bool,
    /// Fixed y range instead of the data's.
    pub(crate) y_range: Option<(f64, f64)>,
    pub(crate) legend: Option<SeriesLabelPosition>,
}

impl Panel<'_> {
    /// The frame of the panel's chart.
    pub(crate) fn frame(&self) -> Frame<'_> {
        Frame::new(self.x_label, self.y_label).caption(self.caption)
    }

    /// The y axis: the fixed range or the padded range of the lines' drawable values.
    pub(crate) fn y_axis(&self) -> Axis {
        let all_y = self.lines.iter().flat_map(|l| l.y.iter().copied());
        let (lo, hi) = if self.log_y {
            self.y_range
                .filter(|r| r.0 > 0.0)
                .unwrap_or_else(|| pad_log(finite_range(all_y, true)))
        } else {
            self.y_range
                .unwrap_or_else(|| pad_linear(finite_range(all_y, false)))
        };
        Axis::new(lo, hi, self.log_y, 8)
    }

    /// Whether some line gets a marker on every point.
    fn markers(&self) -> bool {
        self.lines.iter().any(|l| {
            let n: usize = finite_runs(l.x, l.y, self.log_y).iter().map(Vec::len).sum();
            n > 0 && n <= MARKER_MAX
        })
    }
}

/// An x axis over `x` with 9 ticks: the exact finite range (epochs 0..n read best),
/// padded by 2 % when `markers` sit on the edges.
pub(crate) fn x_axis(x: impl Iterator<Item = f64>, markers: bool) -> Axis {
    let (lo, hi) = match finite_range(x, false) {
        Some((lo, hi)) if hi > lo && markers => (lo - 0.02 * (hi - lo), hi + 0.02 * (hi - lo)),
        Some((lo, hi)) if hi > lo => (lo, hi),
        other => pad_linear(other),
    };
    Axis::linear(lo, hi, 9)
}

fn draw_panel(area: &Area, p: &Panel) -> DrawResult {
    let drawable_x = p.lines.iter().flat_map(|l| {
        l.x.iter()
            .zip(l.y)
            .filter(|(_, &y)| y.is_finite() && (!p.log_y || y > 0.0))
            .map(|(&x, _)| x)
    });
    let chart = kit::chart(
        area,
        &p.frame(),
        x_axis(drawable_x, p.markers()),
        p.y_axis(),
    )?;
    draw_lines(chart, p)
}

/// Draw the lines of `p` on `chart` (a dot on every point of short lines), "no finite
/// data" when none has a drawable point, and the legend if `p` has one.
pub(crate) fn draw_lines<'a, 'b: 'a>(mut chart: Chart<'a, 'b>, p: &Panel) -> DrawResult {
    let mut any = false;
    for line in p.lines {
        let runs = finite_runs(line.x, line.y, p.log_y);
        let n_points: usize = runs.iter().map(Vec::len).sum();
        any |= n_points > 0;
        legend_entry(&mut chart, line.label, line_key(line.color, 3))?;
        let trace = Trace {
            every_point: n_points <= MARKER_MAX,
            ..Trace::line(line.color, 2, 4)
        };
        chart.draw_series(trace_elements(&runs, &trace))?;
    }
    if !any {
        draw_no_data(&plotting_area(&chart))?;
    }
    if let Some(pos) = &p.legend {
        draw_legend(&mut chart, pos.clone())?;
    }
    Ok(())
}

#[cfg(test)]
#[path = "curves_tests.rs"]
mod tests;
