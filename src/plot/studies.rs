//! Figures for studies across many training runs: small- against large-batch SGD
//! (Keskar et al. 2017) and width sweeps.
//!
//! - [`mean_std_chart`]: mean ± standard deviation over seeds against a swept quantity
//!   (sharpness, test accuracy or the generalisation gap against batch size;
//!   approximation error against width), markers and capped error bars, optional log
//!   axes and explicit x tick labels ("full" for full-batch).
//! - [`mean_std_panels`]: several such charts side by side sharing the x axis.
//! - [`grouped_curves`]: the training curves of every run, one colour per group (e.g. per
//!   batch size), one legend entry per group.
//!
//! The mean ± std charts build their axes from the round values of the landscape
//! figures' colour bars (`surface::scale::round_marks`: multiples of 1, 2, 2.5 or 5 on a
//! linear axis; decades or 1-2-5 mantissas on a log axis), so that a log axis over a
//! sweep of widths 8..512 reads 10, 20, 50, 100, ... rather than two lone decades. On a
//! log axis, points whose mean is not positive are gaps and whiskers reaching zero or
//! below are cut at the bottom of the axis (without a cap there).

use std::ops::Range;
use std::path::Path;

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::prelude::*;

use super::critical::{frac, quiet_corner};
use super::curves::{axes, draw_legend, house_builder, Chart, MARKER_MAX};
use super::surface::scale::{round_marks, Scale};
use super::{
    draw_no_data, finite_range, finite_runs, fmt_log_tick, fmt_tick, pad_linear, pad_log, palette,
    save_png, Area, DrawResult, AXIS, AXIS_PX, DEFAULT_SIZE, FONT, MESH_BOLD, MESH_LIGHT, TEXT,
    TICK_PX, TITLE_PX,
};
use crate::error::{Error, Result};

/// One curve of mean ± standard deviation over seeds: `mean[i]` at `x[i]`, with error
/// bars of ± `std[i]` (no bar where `std[i]` is 0, negative or NaN). Points with a
/// non-finite `x` or mean are gaps. All three slices have the same length.
#[derive(Debug, Clone, Copy)]
pub struct MeanStd<'a> {
    pub label: &'a str,
    pub x: &'a [f64],
    pub mean: &'a [f64],
    pub std: &'a [f64],
}

/// The `(x, y)` curves of the runs of one group of [`grouped_curves`].
pub type RunCurves<'a> = Vec<(&'a [f64], &'a [f64])>;

/// Width of one panel of [`mean_std_panels`].
pub const PANEL_WIDTH: u32 = 500;

/// Half width of an error bar's cap, in pixels.
const CAP_PX: i32 = 6;
/// Marker radius, in pixels.
const MARKER_R: i32 = 4;

/// Mean ± std curves against `x`, one colour per series (legend when there is more than
/// one): a line through the means, a marker on every point and a capped error bar of
/// ± std. Series with more than [`MARKER_MAX`] drawable points get a translucent band of
/// ± std instead of markers and bars.
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
    let x_axis = x_axis(&[series], log_x, x_ticks);
    let y_axis = y_axis(series, log_y);
    save_png(path, DEFAULT_SIZE, |root| {
        let area = root.titled(title, (FONT, TITLE_PX).into_font().color(&TEXT))?;
        draw_mean_std(&area, None, x_label, y_label, series, &x_axis, &y_axis)
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
    let x_axis = x_axis(&all, log_x, x_ticks);
    let y_axes: Vec<Axis> = panels.iter().map(|p| y_axis(p.2, p.3)).collect();
    let n = panels.len().max(1);
    let size = (PANEL_WIDTH * n as u32, DEFAULT_SIZE.1);
    save_png(path, size, |root| {
        let area = root.titled(title, (FONT, TITLE_PX).into_font().color(&TEXT))?;
        if panels.is_empty() {
            return draw_no_data(&area);
        }
        for ((sub, p), y_axis) in area.split_evenly((1, n)).iter().zip(panels).zip(&y_axes) {
            draw_mean_std(sub, Some(p.0), x_label, p.1, p.2, &x_axis, y_axis)?;
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
    let (x0, x1) = match finite_range(points().map(|p| p.0), false) {
        Some((lo, hi)) if hi > lo => (lo, hi),
        other => pad_linear(other),
    };
    let ys = points().map(|p| p.1);
    let (y0, y1) = if log_y {
        pad_log(finite_range(ys, true))
    } else {
        pad_linear(finite_range(ys, false))
    };
    let legend =
        quiet_corner(points().map(|&(x, y)| (frac(x, x0, x1, false), frac(y, y0, y1, log_y))));
    save_png(path, DEFAULT_SIZE, |root| {
        let area = root.titled(title, (FONT, TITLE_PX).into_font().color(&TEXT))?;
        if log_y {
            let chart = axes(
                &area,
                x_label,
                y_label,
                x0..x1,
                (y0..y1).log_scale(),
                fmt_log_tick,
            )?;
            draw_groups(chart, &drawn, legend)
        } else {
            let chart = axes(&area, x_label, y_label, x0..x1, y0..y1, fmt_tick)?;
            draw_groups(chart, &drawn, legend)
        }
    })
}

// ---------------------------------------------------------------------------------------
// Mean ± std charts.

/// Check that every series' slices have one length.
fn check_series(what: &str, panel: Option<&str>, series: &[MeanStd]) -> Result<()> {
    let panel = panel.map(|p| format!(" panel `{p}`,")).unwrap_or_default();
    for s in series {
        for (name, len) in [("mean", s.mean.len()), ("std", s.std.len())] {
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

/// An axis of the mean ± std charts: `lo..hi` in data units, linear or log10, with its
/// tick positions and labels and the light grid lines between them.
#[derive(Debug, Clone)]
struct Axis {
    lo: f64,
    hi: f64,
    log: bool,
    ticks: Vec<(f64, String)>,
    light: Vec<f64>,
}

impl Axis {
    /// Whether `v` can be drawn on this axis.
    fn ok(&self, v: f64) -> bool {
        v.is_finite() && (!self.log || v > 0.0)
    }

    /// `v` in the axis' linear units (log10 on a log axis).
    fn t(&self, v: f64) -> f64 {
        if self.log {
            v.log10()
        } else {
            v
        }
    }

    /// `v` moved into `lo..hi` (non-drawable values go to the bottom).
    fn clip(&self, v: f64) -> f64 {
        if self.ok(v) {
            v.clamp(self.lo, self.hi)
        } else if v == f64::INFINITY {
            self.hi
        } else {
            self.lo
        }
    }

    /// The label of the tick at `v`.
    fn label(&self, v: f64) -> String {
        let tol = 1e-9 * (self.t(self.hi) - self.t(self.lo)).abs();
        match self
            .ticks
            .iter()
            .find(|(p, _)| (self.t(*p) - self.t(v)).abs() <= tol)
        {
            Some((_, s)) => s.clone(),
            None if self.log => fmt_log_tick(v),
            None => fmt_tick(v),
        }
    }

    /// Build an axis over the drawable `values` (and the `explicit` tick positions), padded
    /// by `pad` of its span on each side, with about `target` automatic ticks unless
    /// `explicit` ones are given.
    fn new(
        values: impl Iterator<Item = f64>,
        log: bool,
        pad: f64,
        explicit: Option<&[(f64, String)]>,
        target: usize,
    ) -> Axis {
        let drawable = |v: &f64| v.is_finite() && (!log || *v > 0.0);
        let explicit: Vec<(f64, String)> = explicit
            .unwrap_or_default()
            .iter()
            .filter(|(p, _)| drawable(p))
            .cloned()
            .collect();
        let data = values.chain(explicit.iter().map(|t| t.0)).filter(drawable);
        let (a, b) = if log {
            match finite_range(data.map(|v| v.clamp(1e-300, 1e300).log10()), false) {
                None => (0.0, 1.0),
                Some((a, b)) if b - a < 1e-9 => (a - 0.3, b + 0.3),
                Some((a, b)) => (a - pad * (b - a), b + pad * (b - a)),
            }
        } else {
            match finite_range(data.map(|v| v.clamp(-1e300, 1e300)), false) {
                Some((a, b)) if b - a > 1e-12 * a.abs().max(b.abs()) && b > a => {
                    (a - pad * (b - a), b + pad * (b - a))
                }
                other => pad_linear(other),
            }
        };
        let value = |t: f64| if log { 10f64.powf(t) } else { t };
        let (lo, hi) = (value(a), value(b));
        let ticks: Vec<(f64, String)> = if explicit.is_empty() {
            let scale = Scale {
                lo: a,
                hi: b,
                log,
                diverging: false,
            };
            round_marks(&scale, target)
                .into_iter()
                .map(|m| (value(m.t), m.label))
                .collect()
        } else {
            explicit
                .into_iter()
                .filter(|(p, _)| *p >= lo && *p <= hi)
                .collect()
        };
        // Light grid lines: halfway between ticks on a linear axis, the mantissas 2..9
        // between decade ticks on a log axis spanning at most six decades.
        let tt: Vec<f64> = ticks
            .iter()
            .map(|(p, _)| if log { p.log10() } else { *p })
            .collect();
        let light = if !log {
            tt.windows(2).map(|w| 0.5 * (w[0] + w[1])).collect()
        } else if tt.len() >= 2 && tt.iter().all(|t| (t - t.round()).abs() < 1e-9) && b - a <= 6.0 {
            (a.floor() as i32..=b.ceil() as i32)
                .flat_map(|e| (2..10).map(move |m| m as f64 * 10f64.powi(e)))
                .filter(|&v| v >= lo && v <= hi)
                .collect()
        } else {
            Vec::new()
        };
        Axis {
            lo,
            hi,
            log,
            ticks,
            light,
        }
    }
}

impl Ranged for Axis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, v: &f64, limit: (i32, i32)) -> i32 {
        let (a, b) = (self.t(self.lo), self.t(self.hi));
        let f = (self.t(*v) - a) / (b - a);
        // Callers clip their values; keep anything else near the plotting area.
        let f = if f.is_nan() { 0.0 } else { f.clamp(-1.0, 2.0) };
        let len = (limit.1 - limit.0) as f64;
        limit.0 + (len * f + 1e-3).floor() as i32
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            self.light.clone()
        } else {
            self.ticks.iter().map(|t| t.0).collect()
        }
    }

    fn range(&self) -> Range<f64> {
        self.lo..self.hi
    }
}

/// The shared x axis of charts over `series`.
fn x_axis(series: &[&[MeanStd]], log: bool, ticks: Option<&[(f64, String)]>) -> Axis {
    let xs = series.iter().flat_map(|s| s.iter()).flat_map(|s| {
        s.x.iter()
            .zip(s.mean)
            .filter(|(_, m)| m.is_finite())
            .map(|(&x, _)| x)
    });
    Axis::new(xs, log, 0.04, ticks, 8)
}

/// The y axis of one chart: the means and the ends of their error bars (on a log axis
/// only the positive ones).
fn y_axis(series: &[MeanStd], log: bool) -> Axis {
    let ys = series.iter().flat_map(|s| {
        (0..s.x.len())
            .filter(|&k| s.x[k].is_finite() && s.mean[k].is_finite())
            .flat_map(|k| {
                let (m, sd) = (s.mean[k], s.std[k]);
                let sd = if sd.is_finite() && sd > 0.0 { sd } else { 0.0 };
                [m, m - sd, m + sd]
            })
    });
    Axis::new(ys, log, 0.05, None, 7)
}

type StudyChart<'a, 'b> = ChartContext<'a, BitMapBackend<'b>, Cartesian2d<Axis, Axis>>;

/// One mean ± std chart on `area`, optionally captioned.
fn draw_mean_std(
    area: &Area,
    caption: Option<&str>,
    x_label: &str,
    y_label: &str,
    series: &[MeanStd],
    x: &Axis,
    y: &Axis,
) -> DrawResult {
    let mut chart: StudyChart =
        house_builder(area, caption).build_cartesian_2d(x.clone(), y.clone())?;
    let x_fmt = |v: &f64| x.label(*v);
    let y_fmt = |v: &f64| y.label(*v);
    chart
        .configure_mesh()
        .light_line_style(MESH_LIGHT)
        .bold_line_style(MESH_BOLD)
        .axis_style(AXIS)
        .x_desc(x_label)
        .y_desc(y_label)
        .axis_desc_style((FONT, AXIS_PX).into_font().color(&TEXT))
        .label_style((FONT, TICK_PX).into_font().color(&TEXT))
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .draw()?;

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
        for run in &d.runs {
            if run.len() > 1 {
                chart.draw_series(LineSeries::new(
                    run.iter().map(|&k| (s.x[k], s.mean[k])),
                    color.stroke_width(2),
                ))?;
            }
            if !d.band || run.len() == 1 {
                chart.draw_series(
                    run.iter()
                        .map(|&k| Circle::new((s.x[k], s.mean[k]), MARKER_R, color.filled())),
                )?;
            }
        }
        chart
            .draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())?
            .label(s.label)
            .legend(move |(px, py)| {
                EmptyElement::at((px, py))
                    + PathElement::new(vec![(0, 0), (24, 0)], color.stroke_width(2))
                    + Circle::new((12, 0), MARKER_R, color.filled())
            });
    }
    if drawn.iter().all(|d| d.runs.is_empty()) {
        draw_no_data(&chart.plotting_area().strip_coord_spec())?;
    }
    if series.len() > 1 {
        // The legend goes to the corner with the fewest means and bar ends under it.
        let fx = |v: f64| (x.t(v) - x.t(x.lo)) / (x.t(x.hi) - x.t(x.lo));
        let fy = |v: f64| (y.t(v) - y.t(y.lo)) / (y.t(y.hi) - y.t(y.lo));
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
                let (m, sd) = (s.mean[k], s.std[k]);
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

fn draw_groups<'a, 'b: 'a, Y>(
    mut chart: Chart<'a, 'b, Y>,
    groups: &[Group],
    legend: SeriesLabelPosition,
) -> DrawResult
where
    Y: Ranged<ValueType = f64> + plotters::coord::ranged1d::ValueFormatter<f64>,
{
    for g in groups {
        let c = g.color;
        chart
            .draw_series(LineSeries::new(std::iter::empty(), c.stroke_width(1)))?
            .label(&g.label)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], c.stroke_width(3)));
    }
    for g in groups {
        let style = g.color.mix(0.7).stroke_width(1);
        for run in &g.runs {
            if run.len() > 1 {
                chart.draw_series(LineSeries::new(run.iter().copied(), style))?;
            } else {
                chart.draw_series(run.iter().map(|&p| Circle::new(p, 2, g.color.filled())))?;
            }
        }
    }
    if groups.iter().all(|g| g.runs.is_empty()) {
        draw_no_data(&chart.plotting_area().strip_coord_spec())?;
    }
    if !groups.is_empty() {
        draw_legend(&mut chart, legend)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{files_in, near};
    use super::*;

    /// A written PNG of `size`, not blank, and no temp file left next to it.
    use super::super::testutil::written_png_of_size as check_png;

    fn ms<'a>(label: &'a str, x: &'a [f64], mean: &'a [f64], std: &'a [f64]) -> MeanStd<'a> {
        MeanStd {
            label,
            x,
            mean,
            std,
        }
    }

    /// Maximal runs of consecutive numbers, as (first, last).
    fn clusters(v: &[u32]) -> Vec<(u32, u32)> {
        let mut out: Vec<(u32, u32)> = Vec::new();
        for &a in v {
            match out.last_mut() {
                Some(c) if c.1 + 1 == a => c.1 = a,
                _ => out.push((a, a)),
            }
        }
        out
    }

    #[test]
    fn every_figure_writes_a_png_of_its_size() {
        let dir = tempfile::tempdir().unwrap();
        let b = [32.0, 128.0, 512.0, 1797.0];
        let sharp = [3.0, 5.0, 11.0, 20.0];
        let sharp_sd = [0.5, 1.0, 2.0, 4.0];
        let acc = [0.97, 0.965, 0.95, 0.93];
        let acc_sd = [0.003, 0.004, 0.01, 0.0];
        let ticks: Vec<(f64, String)> = [(32.0, "32"), (128.0, "128"), (512.0, "512")]
            .into_iter()
            .map(|(p, s)| (p, s.to_string()))
            .chain([(1797.0, "full".to_string())])
            .collect();
        let s1 = [ms("φ", &b, &sharp, &sharp_sd)];
        let s2 = [
            ms("test", &b, &acc, &acc_sd),
            ms("train", &b, &[1.0; 4], &[0.0; 4]),
        ];
        let p = dir.path().join("chart.png");
        mean_std_chart(&p, "t", "batch", "φ", &s1, true, true, Some(&ticks)).unwrap();
        check_png(&p, DEFAULT_SIZE);
        let p = dir.path().join("chart2.png");
        mean_std_chart(&p, "t", "batch", "accuracy", &s2, false, false, None).unwrap();
        check_png(&p, DEFAULT_SIZE);
        let p = dir.path().join("panels.png");
        mean_std_panels(
            &p,
            "t",
            "batch",
            &[
                ("sharpness", "φ", &s1, true),
                ("accuracy", "acc", &s2, false),
                ("empty", "y", &[], false),
            ],
            true,
            Some(&ticks),
        )
        .unwrap();
        check_png(&p, (3 * PANEL_WIDTH, DEFAULT_SIZE.1));
        let p = dir.path().join("none.png");
        mean_std_panels(&p, "t", "x", &[], false, None).unwrap();
        check_png(&p, (PANEL_WIDTH, DEFAULT_SIZE.1));
        let e: Vec<f64> = (0..20).map(|i| i as f64).collect();
        let l1: Vec<f64> = e.iter().map(|v| 2.0 * (-v / 5.0).exp()).collect();
        let l2: Vec<f64> = e.iter().map(|v| 2.0 * (-v / 3.0).exp()).collect();
        let p = dir.path().join("groups.png");
        grouped_curves(
            &p,
            "t",
            "epoch",
            "loss",
            &[("B = 32", vec![(&e, &l1), (&e, &l2)]), ("full", vec![])],
            true,
        )
        .unwrap();
        check_png(&p, DEFAULT_SIZE);
    }

    #[test]
    fn mismatched_lengths_are_invalid_name_the_series_and_write_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.png");
        let x = [1.0, 2.0, 3.0];
        let invalid = |r: Result<()>, what: &[&str]| match r {
            Err(Error::Invalid(msg)) => {
                for w in what {
                    assert!(msg.contains(w), "{msg} lacks {w}");
                }
            }
            other => panic!("{what:?}: {other:?}"),
        };
        let ok = ms("fine", &x, &x, &x);
        let short_mean = ms("short mean", &x, &x[..2], &x);
        let short_std = ms("short std", &x, &x, &[]);
        invalid(
            mean_std_chart(&p, "t", "x", "y", &[ok, short_mean], false, false, None),
            &["`short mean`", "mean"],
        );
        invalid(
            mean_std_chart(&p, "t", "x", "y", &[short_std], true, true, None),
            &["`short std`", "std"],
        );
        invalid(
            mean_std_panels(
                &p,
                "t",
                "x",
                &[
                    ("good", "y", &[ok], false),
                    ("bad", "y", &[short_std], false),
                ],
                false,
                None,
            ),
            &["panel `bad`", "`short std`"],
        );
        let y = [1.0, 2.0];
        invalid(
            grouped_curves(
                &p,
                "t",
                "x",
                "y",
                &[
                    ("B = 32", vec![(&x, &x)]),
                    ("B = 512", vec![(&x, &x), (&x, &y)]),
                ],
                false,
            ),
            &["group `B = 512`", "run 1"],
        );
        assert!(
            files_in(dir.path()).is_empty(),
            "{:?}",
            files_in(dir.path())
        );
        // An unwritable path is an output error.
        let bad = dir.path().join("no/such/a.png");
        assert!(matches!(
            mean_std_chart(&bad, "t", "x", "y", &[ok], false, false, None),
            Err(Error::Output { .. })
        ));
        assert!(matches!(
            grouped_curves(&bad, "t", "x", "y", &[], false),
            Err(Error::Output { .. })
        ));
    }

    #[test]
    fn error_bars_where_std_is_positive_only() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("bars.png");
        let x = [1.0, 2.0, 3.0];
        let s = [ms("m", &x, &[2.0, 2.0, 2.0], &[0.5, 0.0, 0.5])];
        mean_std_chart(&p, "t", "x", "y", &s, false, false, None).unwrap();
        let png = check_png(&p, DEFAULT_SIZE);
        let c = palette(0);
        let is_c = |x: u32, y: u32| near(png.pixel(x, y), c, 30);
        // Longest vertical run of the series colour in every column.
        let run = |x: u32| {
            let (mut best, mut cur) = (0, 0);
            for y in 0..png.height {
                cur = if is_c(x, y) { cur + 1 } else { 0 };
                best = best.max(cur);
            }
            best
        };
        let bar_cols: Vec<u32> = (0..png.width).filter(|&x| run(x) >= 100).collect();
        let bars = clusters(&bar_cols);
        assert_eq!(bars.len(), 2, "bar columns {bar_cols:?}");
        assert!(bars.iter().all(|b| b.1 - b.0 <= 3), "{bars:?}");
        // The row of the means: the row with most of the series colour.
        let line_y = (0..png.height)
            .max_by_key(|&y| (0..png.width).filter(|&x| is_c(x, y)).count())
            .unwrap();
        for &(a, b) in &bars {
            let xc = (a + b) / 2;
            // Bars reach 0.5 / 1.1 of the plot height (~215 px) above and below.
            for dy in [20, 80, 150] {
                assert!(
                    is_c(xc, line_y - dy) && is_c(xc, line_y + dy),
                    "bar at {xc}"
                );
            }
            // Caps at both ends.
            let top = (0..line_y).rev().find(|&y| !is_c(xc, y)).unwrap() + 1;
            let bottom = (line_y..png.height).find(|&y| !is_c(xc, y)).unwrap() - 1;
            assert!(
                line_y - top > 150 && bottom - line_y > 150,
                "{top} {bottom}"
            );
            for y in [top, bottom] {
                assert!(
                    (y.saturating_sub(1)..=y + 1).any(|yy| is_c(xc - 5, yy) && is_c(xc + 5, yy)),
                    "no cap at ({xc}, {y})"
                );
            }
        }
        // The middle point (std = 0): a marker on the line, nothing above or below.
        let mid = (bars[0].0 + bars[0].1 + bars[1].0 + bars[1].1) / 4;
        assert!(is_c(mid, line_y) && is_c(mid, line_y - 3) && is_c(mid, line_y + 3));
        for dy in 10..120 {
            assert!(
                !is_c(mid, line_y - dy),
                "colour {dy} px above the std = 0 point"
            );
            assert!(
                !is_c(mid, line_y + dy),
                "colour {dy} px below the std = 0 point"
            );
        }
    }

    #[test]
    fn log_axes_take_zero_and_negative_values() {
        let dir = tempfile::tempdir().unwrap();
        let x = [0.0, -4.0, 8.0, 64.0, 512.0, f64::NAN];
        let m = [1.0, 2.0, 0.0, 0.3, -1.0, 0.5];
        // Bars reaching below zero, NaN and negative std.
        let s = [f64::NAN, 1.0, 0.1, 0.5, 0.2, -0.1];
        let long_x: Vec<f64> = (0..80).map(|i| i as f64).collect();
        let long_m: Vec<f64> = long_x.iter().map(|v| (v / 10.0).sin()).collect();
        let long_s: Vec<f64> = long_x.iter().map(|v| 0.1 + 0.4 * (v / 80.0)).collect();
        let ticks = vec![
            (0.0, "zero".to_string()),
            (8.0, "8".to_string()),
            (1e4, "far".to_string()),
            (f64::NAN, "nan".to_string()),
        ];
        let one = [1.0];
        let nan = [f64::NAN; 6];
        let cases: Vec<(&str, Vec<MeanStd>)> = vec![
            ("mixed", vec![ms("a", &x, &m, &s)]),
            (
                "long",
                vec![ms("band", &long_x, &long_m, &long_s), ms("b", &x, &m, &s)],
            ),
            ("one", vec![ms("p", &one, &one, &one)]),
            ("nan", vec![ms("nan", &x, &nan, &nan)]),
            ("empty", vec![ms("e", &[], &[], &[])]),
            ("none", vec![]),
        ];
        for (name, series) in &cases {
            for (lx, ly) in [(true, true), (true, false), (false, true), (false, false)] {
                for t in [None, Some(&ticks[..])] {
                    let p = dir
                        .path()
                        .join(format!("{name}{lx}{ly}{}.png", t.is_some()));
                    mean_std_chart(&p, name, "x", "y", series, lx, ly, t).unwrap();
                    check_png(&p, DEFAULT_SIZE);
                }
            }
        }
        let p = dir.path().join("panels.png");
        mean_std_panels(
            &p,
            "t",
            "x",
            &[("a", "y", &cases[0].1, true), ("b", "y", &cases[3].1, true)],
            true,
            Some(&ticks),
        )
        .unwrap();
        check_png(&p, (2 * PANEL_WIDTH, DEFAULT_SIZE.1));
        let neg = [-1.0, 0.0, f64::NAN];
        let p = dir.path().join("groups.png");
        grouped_curves(&p, "t", "x", "y", &[("g", vec![(&x[..3], &neg)])], true).unwrap();
        check_png(&p, DEFAULT_SIZE);
    }

    #[test]
    fn axes_ticks_and_ranges() {
        // Explicit ticks replace the automatic ones and stretch the axis to show them.
        let ticks = vec![(32.0, "32".to_string()), (4096.0, "full".to_string())];
        let a = Axis::new([64.0, 256.0].into_iter(), true, 0.04, Some(&ticks), 8);
        assert!(a.lo < 32.0 && a.hi > 4096.0);
        assert_eq!(a.ticks, ticks);
        assert_eq!(a.label(4096.0), "full");
        // A log axis over widths 8..512 gets round values, not just two decades.
        let a = Axis::new([8.0, 512.0, 0.0, -3.0].into_iter(), true, 0.04, None, 8);
        assert!(a.lo > 5.0 && a.lo < 8.0 && a.hi > 512.0 && a.hi < 800.0);
        let labels: Vec<&str> = a.ticks.iter().map(|t| t.1.as_str()).collect();
        assert!(labels.len() >= 5 && labels.contains(&"100"), "{labels:?}");
        // Mapping: ends to the pixel limits, log midpoint to the middle.
        assert_eq!(a.map(&a.lo, (0, 1000)), 0);
        assert!((a.map(&a.hi, (0, 1000)) - 1000).abs() <= 1);
        let mid = (a.lo * a.hi).sqrt();
        assert!((a.map(&mid, (0, 1000)) - 500).abs() <= 1);
        // Nothing drawable: a default range, no panic.
        let a = Axis::new([f64::NAN, -1.0].into_iter(), true, 0.05, None, 7);
        assert!(a.lo > 0.0 && a.hi > a.lo);
        assert_eq!(a.clip(-1.0), a.lo);
        let a = Axis::new([2.0, 2.0].into_iter(), false, 0.05, None, 7);
        assert!(a.lo < 2.0 && a.hi > 2.0 && !a.ticks.is_empty());
    }

    #[test]
    fn grouped_curves_use_one_colour_per_group() {
        let dir = tempfile::tempdir().unwrap();
        let x: Vec<f64> = (0..=10).map(|i| i as f64).collect();
        let level = |v: f64| vec![v; 11];
        let (a1, a2, a3) = (level(2.0), level(2.5), level(3.0));
        let (b1, b2, b3) = (level(0.0), level(0.5), level(1.0));
        let groups = [
            (
                "group A",
                vec![(&x[..], &a1[..]), (&x[..], &a2[..]), (&x[..], &a3[..])],
            ),
            (
                "group B",
                vec![(&x[..], &b1[..]), (&x[..], &b2[..]), (&x[..], &b3[..])],
            ),
        ];
        let p = dir.path().join("groups.png");
        grouped_curves(&p, "t", "epoch", "loss", &groups, false).unwrap();
        let png = check_png(&p, DEFAULT_SIZE);
        // Middle columns, clear of the legend in a corner.
        let cols = png.width * 4 / 10..png.width * 6 / 10;
        let rows_where = |f: &dyn Fn((u8, u8, u8)) -> bool| -> Vec<u32> {
            (0..png.height)
                .filter(|&y| cols.clone().filter(|&x| f(png.pixel(x, y))).count() > 50)
                .collect()
        };
        let blue = |(r, _, b): (u8, u8, u8)| b as i32 > r as i32 + 60;
        let orange = |(r, _, b): (u8, u8, u8)| r > 150 && r as i32 > b as i32 + 100;
        let (a_rows, b_rows) = (clusters(&rows_where(&blue)), clusters(&rows_where(&orange)));
        assert_eq!(a_rows.len(), 3, "group A lines at rows {a_rows:?}");
        assert_eq!(b_rows.len(), 3, "group B lines at rows {b_rows:?}");
        // Group A (y 2..3) above group B (y 0..1).
        assert!(a_rows[2].1 < b_rows[0].0, "{a_rows:?} {b_rows:?}");
    }
}

#[cfg(test)]
mod demo {
    //! `cargo test --lib plot::studies::demo -- --ignored` renders one example of every
    //! study figure (and [`heatmap_pair`](super::super::heatmap_pair)) into
    //! `/tmp/study_samples/` for a visual check.
    use super::super::{heatmap_pair, Surface, SurfaceStyle};
    use super::*;

    use crate::plot::testutil::pseudo_uniform as u;

    #[test]
    #[ignore]
    fn render_study_samples() {
        let dir = std::path::PathBuf::from("/tmp/study_samples");
        std::fs::create_dir_all(&dir).unwrap();

        // Keskar et al.: sharpness grows and test accuracy falls with the batch size.
        let n = 1797.0;
        let b = [16.0, 32.0, 64.0, 128.0, 256.0, 512.0, n];
        let ticks: Vec<(f64, String)> = b
            .iter()
            .map(|&v| {
                let s = if v == n {
                    "full".to_string()
                } else {
                    format!("{v}")
                };
                (v, s)
            })
            .collect();
        let sharp3: Vec<f64> = b.iter().map(|v| 2.0 * v.powf(0.45)).collect();
        let sharp3_sd: Vec<f64> = sharp3.iter().map(|v| 0.15 * v).collect();
        let sharp4: Vec<f64> = sharp3.iter().map(|v| 0.3 * v).collect();
        let sharp4_sd: Vec<f64> = sharp4.iter().map(|v| 0.2 * v).collect();
        let acc: Vec<f64> = b.iter().map(|v| 0.975 - 0.006 * v.log2()).collect();
        let acc_sd: Vec<f64> = (0..b.len()).map(|k| 0.002 + 0.004 * u(k)).collect();
        let gap: Vec<f64> = b.iter().map(|v| 0.01 + 0.004 * v.log2()).collect();
        let gap_sd: Vec<f64> = (0..b.len()).map(|k| 0.003 + 0.004 * u(k + 9)).collect();
        let sharp = [
            ms("ε = 1e-3", &b, &sharp3, &sharp3_sd),
            ms("ε = 1e-4", &b, &sharp4, &sharp4_sd),
        ];
        let perf = [ms("test accuracy", &b, &acc, &acc_sd)];
        let gaps = [ms("gap", &b, &gap, &gap_sd)];
        mean_std_panels(
            &dir.join("batch_size_effects.png"),
            "digits, MLP [64, 32, 10]: against batch size (mean ± std over 5 seeds)",
            "batch size",
            &[
                ("ε-sharpness", "sharpness φ", &sharp, true),
                ("test accuracy", "test accuracy", &perf, false),
                ("generalisation gap", "train − test accuracy", &gaps, false),
            ],
            true,
            Some(&ticks),
        )
        .unwrap();
        mean_std_chart(
            &dir.join("sharpness_vs_batch.png"),
            "ε-sharpness against batch size (5 seeds)",
            "batch size",
            "sharpness φ",
            &sharp,
            true,
            true,
            Some(&ticks),
        )
        .unwrap();

        // Width sweep: approximation error falls like 1/width; a diverged width is a gap.
        let w = [2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0];
        let mut err: Vec<f64> = w.iter().map(|v| 0.4 / v + 2e-4).collect();
        err[6] = f64::NAN;
        let err_sd: Vec<f64> = err.iter().map(|v| 0.6 * v).collect();
        mean_std_chart(
            &dir.join("approx_error_vs_width.png"),
            "sine, 1 hidden layer: approximation error against width",
            "hidden width",
            "approximation error (MSE)",
            &[ms("approximation error", &w, &err, &err_sd)],
            true,
            true,
            None,
        )
        .unwrap();
        let tr: Vec<f64> = w.iter().map(|v| 0.5 / v.powf(1.2) + 0.001).collect();
        let tr_sd: Vec<f64> = tr.iter().map(|v| 0.3 * v).collect();
        let te: Vec<f64> = w
            .iter()
            .map(|v| 0.5 / v.powf(1.2) + 0.02 + 0.00003 * v)
            .collect();
        let te_sd: Vec<f64> = te.iter().map(|v| 0.2 * v).collect();
        mean_std_chart(
            &dir.join("loss_vs_width.png"),
            "Loss against width (mean ± std over seeds)",
            "hidden width",
            "loss",
            &[
                ms("train loss", &w, &tr, &tr_sd),
                ms("test loss", &w, &te, &te_sd),
            ],
            true,
            false,
            None,
        )
        .unwrap();
        // A long sweep draws a band.
        let lr: Vec<f64> = (0..60)
            .map(|i| 1e-3 * 10f64.powf(i as f64 / 20.0))
            .collect();
        let fl: Vec<f64> = lr
            .iter()
            .map(|v| 0.05 + 0.3 * (v.log10() + 1.5).powi(2))
            .collect();
        let fl_sd: Vec<f64> = lr.iter().map(|v| 0.02 + 0.05 * v.log10().abs()).collect();
        mean_std_chart(
            &dir.join("band.png"),
            "Final loss against learning rate (60 points: band)",
            "learning rate",
            "final loss",
            &[ms("final loss", &lr, &fl, &fl_sd)],
            true,
            false,
            None,
        )
        .unwrap();

        // Training curves of every run, one colour per batch size.
        let epochs: Vec<f64> = (0..=40).map(|e| e as f64).collect();
        let curves: Vec<Vec<Vec<f64>>> = [16.0, 64.0, 256.0, n]
            .iter()
            .enumerate()
            .map(|(g, &bs)| {
                (0..5)
                    .map(|s| {
                        let rate = 0.5 / (1.0 + bs.log2() / 4.0);
                        let floor = 1e-3 * (1.0 + 10.0 * g as f64) * (1.0 + u(10 * g + s));
                        epochs
                            .iter()
                            .map(|&e| {
                                2.3 * (-rate * e * (0.8 + 0.4 * u(100 * g + 10 * s))).exp()
                                    + floor
                                    + 0.01 * u(1000 * g + 50 * s + e as usize) * (-e / 10.0).exp()
                            })
                            .collect()
                    })
                    .collect()
            })
            .collect();
        let labels = ["batch 16", "batch 64", "batch 256", "full batch"];
        let groups: Vec<(&str, RunCurves)> = labels
            .iter()
            .zip(&curves)
            .map(|(l, runs)| (*l, runs.iter().map(|r| (&epochs[..], &r[..])).collect()))
            .collect();
        grouped_curves(
            &dir.join("training_curves.png"),
            "Training loss of every run (5 seeds per batch size)",
            "epoch",
            "training loss",
            &groups,
            true,
        )
        .unwrap();

        // The landscape around a flat (small-batch) and a sharp (large-batch) minimum, on
        // one colour scale.
        let m = 41;
        let ax: Vec<f64> = (0..m)
            .map(|i| -1.0 + 2.0 * i as f64 / (m - 1) as f64)
            .collect();
        let field = |f: &dyn Fn(f64, f64) -> f64| {
            let mut z = Vec::new();
            for &bb in &ax {
                for &aa in &ax {
                    z.push(f(aa, bb));
                }
            }
            z
        };
        let flat = field(&|a, b| 0.03 + 0.5 * a * a + 0.3 * b * b + 0.1 * a * b);
        let sharp_z = field(&|a, b| 0.02 + 4.0 * (a - 0.05) * (a - 0.05) + 2.0 * b * b);
        let l = Surface {
            x: &ax,
            y: &ax,
            z: &flat,
        };
        let r = Surface {
            x: &ax,
            y: &ax,
            z: &sharp_z,
        };
        let st = SurfaceStyle {
            z_label: "train loss".into(),
            ..SurfaceStyle::default()
        };
        heatmap_pair(
            &dir.join("slices_pair.png"),
            "Training loss around the minima (same directions, same colour scale)",
            ("batch 16 (flat)", &l),
            ("full batch (sharp)", &r),
            &st,
        )
        .unwrap();
        let mut sharp_nan = sharp_z.clone();
        sharp_nan[m * 38..m * 40].fill(f64::NAN);
        heatmap_pair(
            &dir.join("slices_pair_log.png"),
            "Log scale, a diverged strip masked",
            ("batch 16 (flat)", &l),
            ("full batch (sharp)", &Surface { z: &sharp_nan, ..r }),
            &SurfaceStyle {
                log: true,
                ..st.clone()
            },
        )
        .unwrap();
    }

    fn ms<'a>(label: &'a str, x: &'a [f64], mean: &'a [f64], std: &'a [f64]) -> MeanStd<'a> {
        MeanStd {
            label,
            x,
            mean,
            std,
        }
    }
}
