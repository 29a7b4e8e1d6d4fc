//! Figures for studies across many training runs: small- against large-batch SGD
//! (Keskar et al. 2017) and width sweeps.
//!
//! - [`mean_std_chart`]: means over seeds with error bars (a standard deviation or a
//!   confidence interval) against a swept quantity (sharpness, test accuracy or the
//!   generalisation gap against batch size;
//!   approximation error against width), markers and capped error bars, optional log
//!   axes and explicit x tick labels ("full" for full-batch).
//! - [`mean_std_panels`]: several such charts side by side sharing the x axis.
//! - [`grouped_curves`]: the training curves of every run, one colour per group (e.g. per
//!   batch size), one legend entry per group.
//!
//! The charts fit their axes to the data with the kit's round ticks (on a log
//! axis spanning less than three decades 1-2-5 mantissas, so that a sweep of widths
//! 8..512 reads 10, 20, 50, 100, ... rather than two lone decades). On a log axis,
//! points whose mean is not positive are gaps and whiskers reaching zero or below are cut
//! at the bottom of the axis (without a cap there).

use std::path::Path;

use plotters::prelude::*;

use super::curves::x_axis;
use super::kit::{
    self, draw_legend, draw_no_data, finite_runs, legend_entry, line_key, pad, palette,
    plotting_area, quiet_corner, save_png, titled, trace_elements, Area, Axis, Chart, DrawResult,
    Frame, Trace, DEFAULT_SIZE, MARKER_MAX,
};
use crate::error::{Error, Result};

/// One curve of means over seeds: `mean[i]` at `x[i]`, with error bars of ± `err[i]` (a
/// standard deviation, or a confidence interval's half-width; no bar where `err[i]` is
/// 0, negative or NaN). Points with a non-finite `x` or mean are gaps. All three slices
/// have the same length.
#[derive(Debug, Clone, Copy)]
pub struct MeanStd<'a> {
    pub label: &'a str,
    pub x: &'a [f64],
    pub mean: &'a [f64],
    pub err: &'a [f64],
}

/// The `(x, y)` curves of the runs of one group of [`grouped_curves`].
pub type RunCurves<'a> = Vec<(&'a [f64], &'a [f64])>;

/// Width of one panel of [`mean_std_panels`].
pub use super::kit::PANEL_WIDTH;

/// Half width of an error bar's cap, in pixels.
const CAP_PX: i32 = 6;
/// Marker radius, in pixels.
const MARKER_R: i32 = 4;

/// Mean curves against `x`, one colour per series (legend when there is more than
/// one): a line through the means, a marker on every point and a capped error bar of
/// ± err. Series with more than [`MARKER_MAX`] drawable points get a translucent band of
/// ± err instead of markers and bars.
///
/// `log_x` / `log_y` make the axes logarithmic; there, non-positive x or means are gaps
/// and error bars reaching zero or below are cut at the bottom of the axis, never an
/// error. `x_ticks`: explicit tick labels at given x positions (e.g. batch sizes 32, 256
/// and "full" drawn at n), used instead of the automatic ticks; the x axis then covers
/// them too.
///
/// A series whose slices differ in length is [`Error::Invalid`] naming it, and nothing is
/// written.
#[allow(clippy::too_many_arguments)]
pub fn mean_std_chart(
    path: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[MeanStd],
    log_x: bool,
    log_y: bool,
    x_ticks: Option<&[(f64, String)]>,
) -> Result<()> {
    check_series("mean_std_chart", None, series)?;
    let x_axis = shared_x_axis(&[series], log_x, x_ticks);
    let y_axis = y_axis(series, log_y);
    save_png(path, DEFAULT_SIZE, |root| {
        let frame = Frame::new(x_label, y_label);
        draw_mean_std(&titled(root, title)?, &frame, series, &x_axis, &y_axis)
    })
}

/// Several [`mean_std_chart`] panels side by side in one figure ([`PANEL_WIDTH`] pixels
/// each), e.g. sharpness | test accuracy | gap against batch size. Each panel is
/// `(caption, y_label, series, log_y)`; all share `x_label`, `log_x`, `x_ticks` and the x
/// range, so that the same x sits at the same place in every panel.
///
/// A series whose slices differ in length is [`Error::Invalid`] naming its panel and
/// itself, and nothing is written.
pub fn mean_std_panels(
    path: &Path,
    title: &str,
    x_label: &str,
    panels: &[(&str, &str, &[MeanStd], bool)],
    log_x: bool,
    x_ticks: Option<&[(f64, String)]>,
) -> Result<()> {
    for (caption, _, series, _) in panels {
        check_series("mean_std_panels", Some(caption), series)?;
    }
    let all: Vec<&[MeanStd]> = panels.iter().map(|p| p.2).collect();
    let x_axis = shared_x_axis(&all, log_x, x_ticks);
    let y_axes: Vec<Axis> = panels.iter().map(|p| y_axis(p.2, p.3)).collect();
    let n = panels.len().max(1);
    let size = (PANEL_WIDTH * n as u32, DEFAULT_SIZE.1);
    save_png(path, size, |root| {
        let area = titled(root, title)?;
        if panels.is_empty() {
            return draw_no_data(&area);
        }
        for ((sub, p), y_axis) in area.split_evenly((1, n)).iter().zip(panels).zip(&y_axes) {
            let frame = Frame::new(x_label, p.1).caption(Some(p.0));
            draw_mean_std(sub, &frame, p.2, &x_axis, y_axis)?;
        }
        Ok(())
    })
}

/// Training curves of many runs: one colour per group (e.g. per batch size), every run
/// of a group a thin line in that colour, one legend entry per group with its number of
/// runs. `groups[g].1` is the list of `(x, y)` curves of group `g`. Non-finite values (and
/// on a log axis non-positive `y`) are gaps.
///
/// A curve whose `x` and `y` differ in length is [`Error::Invalid`] naming its group and
/// run, and nothing is written.
pub fn grouped_curves(
    path: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    groups: &[(&str, RunCurves)],
    log_y: bool,
) -> Result<()> {
    for (label, curves) in groups {
        for (k, (x, y)) in curves.iter().enumerate() {
            if x.len() != y.len() {
                return Err(Error::Invalid(format!(
                    "grouped_curves: group `{label}`, run {k}: {} x values but {} y values",
                    x.len(),
                    y.len()
                )));
            }
        }
    }
    let drawn: Vec<Group> = groups
        .iter()
        .enumerate()
        .map(|(g, (label, curves))| Group {
            label: match curves.len() {
                1 => format!("{label} (1 run)"),
                n => format!("{label} ({n} runs)"),
            },
            color: palette(g),
            runs: curves
                .iter()
                .flat_map(|(x, y)| finite_runs(x, y, log_y))
                .collect(),
        })
        .collect();
    let points = || drawn.iter().flat_map(|g| g.runs.iter().flatten());
    let x = x_axis(points().map(|p| p.0), false);
    let (y0, y1) = pad(points().map(|p| p.1), log_y);
    let y = Axis::new(y0, y1, log_y, 8);
    let legend = quiet_corner(points().map(|&(a, b)| (x.frac(a), y.frac(b))));
    save_png(path, DEFAULT_SIZE, |root| {
        let area = titled(root, title)?;
        let chart = kit::chart(&area, &Frame::new(x_label, y_label), x, y)?;
        draw_groups(chart, &drawn, legend)
    })
}

// ---------------------------------------------------------------------------------------
// Mean ± std charts.

/// Check that every series' slices have one length.
fn check_series(what: &str, panel: Option<&str>, series: &[MeanStd]) -> Result<()> {
    let panel = panel.map(|p| format!(" panel `{p}`,")).unwrap_or_default();
    for s in series {
        for (name, len) in [("mean", s.mean.len()), ("err", s.err.len())] {
            if len != s.x.len() {
                return Err(Error::Invalid(format!(
                    "{what}:{panel} series `{}`: {} x values but {len} {name} values",
                    s.label,
                    s.x.len()
                )));
            }
        }
    }
    Ok(())
}

/// The shared x axis of charts over `series`: their x where the mean is finite, and
/// the explicit `ticks`, padded by 4 %.
fn shared_x_axis(series: &[&[MeanStd]], log: bool, ticks: Option<&[(f64, String)]>) -> Axis {
    let xs = series.iter().flat_map(|s| s.iter()).flat_map(|s| {
        s.x.iter()
            .zip(s.mean)
            .filter(|(_, m)| m.is_finite())
            .map(|(&x, _)| x)
    });
    Axis::fit(xs, log, 0.04, ticks, 8)
}

/// The y axis of one chart: the means and the ends of their error bars (on a log axis
/// only the positive ones), padded by 5 %.
fn y_axis(series: &[MeanStd], log: bool) -> Axis {
    let ys = series.iter().flat_map(|s| {
        (0..s.x.len())
            .filter(|&k| s.x[k].is_finite() && s.mean[k].is_finite())
            .flat_map(|k| {
                let (m, sd) = (s.mean[k], s.err[k]);
                let sd = if sd.is_finite() && sd > 0.0 { sd } else { 0.0 };
                [m, m - sd, m + sd]
            })
    });
    Axis::fit(ys, log, 0.05, None, 7)
}

/// One mean ± std chart on `area` in `frame`, over the axes `x` and `y`.
fn draw_mean_std(area: &Area, frame: &Frame, series: &[MeanStd], x: &Axis, y: &Axis) -> DrawResult {
    let mut chart = kit::chart(area, frame, x.clone(), y.clone())?;
    let drawn: Vec<Drawn> = series
        .iter()
        .enumerate()
        .map(|(i, s)| Drawn::new(s, palette(i), x, y))
        .collect();
    // Bars and bands of every series first, so that no series' bars hide another's
    // line or markers.
    for d in &drawn {
        let (s, color) = (d.series, d.color);
        if d.band {
            for run in &d.runs {
                let upper = run
                    .iter()
                    .map(|&k| (s.x[k], d.bars[k].map_or(s.mean[k], |b| b.1)));
                let lower = run
                    .iter()
                    .rev()
                    .map(|&k| (s.x[k], d.bars[k].map_or(s.mean[k], |b| b.0)));
                chart.draw_series(std::iter::once(Polygon::new(
                    upper.chain(lower).collect::<Vec<_>>(),
                    color.mix(0.2).filled(),
                )))?;
            }
            continue;
        }
        let style = color.stroke_width(2);
        for k in d.runs.iter().flatten().copied() {
            let Some((lo, hi, cap_lo, cap_hi)) = d.bars[k] else {
                continue;
            };
            let xk = s.x[k];
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(xk, lo), (xk, hi)],
                style,
            )))?;
            for (v, cap) in [(lo, cap_lo), (hi, cap_hi)] {
                if cap {
                    chart.draw_series(std::iter::once(
                        EmptyElement::at((xk, v))
                            + PathElement::new(vec![(-CAP_PX, 0), (CAP_PX, 0)], style),
                    ))?;
                }
            }
        }
    }
    for d in &drawn {
        let (s, color) = (d.series, d.color);
        let points: Vec<Vec<(f64, f64)>> = (d.runs.iter())
            .map(|run| run.iter().map(|&k| (s.x[k], s.mean[k])).collect())
            .collect();
        let trace = Trace {
            every_point: !d.band,
            ..Trace::line(color, 2, MARKER_R)
        };
        chart.draw_series(trace_elements(&points, &trace))?;
        legend_entry(&mut chart, s.label, move |(px, py)| {
            EmptyElement::at((px, py))
                + PathElement::new(vec![(0, 0), (24, 0)], color.stroke_width(2))
                + Circle::new((12, 0), MARKER_R, color.filled())
        })?;
    }
    if drawn.iter().all(|d| d.runs.is_empty()) {
        draw_no_data(&plotting_area(&chart))?;
    }
    if series.len() > 1 {
        // The legend goes to the corner with the fewest means and bar ends under it.
        let (fx, fy) = (|v| x.frac(v), |v| y.frac(v));
        let points = drawn.iter().flat_map(|d| {
            d.runs.iter().flatten().flat_map(move |&k| {
                let (xk, m) = (d.series.x[k], d.series.mean[k]);
                let (lo, hi) = d.bars[k].map_or((m, m), |b| (b.0, b.1));
                [(fx(xk), fy(m)), (fx(xk), fy(lo)), (fx(xk), fy(hi))]
            })
        });
        draw_legend(&mut chart, quiet_corner(points))?;
    }
    Ok(())
}

/// Error-bar ends `(low, high)` clipped to the y axis, and whether each end is the true
/// end (and gets a cap) rather than cut at the axis.
type Bar = (f64, f64, bool, bool);

/// A series of a mean ± std chart as drawn.
struct Drawn<'s, 'a> {
    series: &'s MeanStd<'a>,
    color: RGBColor,
    /// Runs of consecutive drawable points (indices into the series).
    runs: Vec<Vec<usize>>,
    /// The error bar of every point (`None`: std 0, negative or not finite).
    bars: Vec<Option<Bar>>,
    /// A translucent band instead of markers and bars (more than [`MARKER_MAX`] points).
    band: bool,
}

impl<'s, 'a> Drawn<'s, 'a> {
    fn new(s: &'s MeanStd<'a>, color: RGBColor, x: &Axis, y: &Axis) -> Self {
        let mut runs: Vec<Vec<usize>> = Vec::new();
        for k in (0..s.x.len()).filter(|&k| x.ok(s.x[k]) && y.ok(s.mean[k])) {
            match runs.last_mut() {
                Some(r) if r.last().map(|&j| j + 1) == Some(k) => r.push(k),
                _ => runs.push(vec![k]),
            }
        }
        let bars = (0..s.x.len())
            .map(|k| {
                let (m, sd) = (s.mean[k], s.err[k]);
                (sd.is_finite() && sd > 0.0).then(|| {
                    let (lo, hi) = (m - sd, m + sd);
                    let (clo, chi) = (y.clip(lo), y.clip(hi));
                    (clo, chi, clo == lo, chi == hi)
                })
            })
            .collect();
        let n: usize = runs.iter().map(Vec::len).sum();
        Drawn {
            series: s,
            color,
            runs,
            bars,
            band: n > MARKER_MAX,
        }
    }
}

// ---------------------------------------------------------------------------------------
// Grouped training curves.

/// One group of [`grouped_curves`] as drawn: legend label, colour, drawable runs.
struct Group {
    label: String,
    color: RGBColor,
    runs: Vec<Vec<(f64, f64)>>,
}

fn draw_groups<'a, 'b: 'a>(
    mut chart: Chart<'a, 'b>,
    groups: &[Group],
    legend: SeriesLabelPosition,
) -> DrawResult {
    for g in groups {
        legend_entry(&mut chart, &g.label, line_key(g.color, 3))?;
    }
    for g in groups {
        let trace = Trace {
            line: g.color.mix(0.7).stroke_width(1),
            ..Trace::line(g.color, 1, 2)
        };
        chart.draw_series(trace_elements(&g.runs, &trace))?;
    }
    if groups.iter().all(|g| g.runs.is_empty()) {
        draw_no_data(&plotting_area(&chart))?;
    }
    if !groups.is_empty() {
        draw_legend(&mut chart, legend)?;
    }
    Ok(())
}

#[cfg(test)]
#[path = "studies_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "studies_demo.rs"]
mod demo;
