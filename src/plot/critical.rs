//! Figures for critical points and the saddle search.
//!
//! - [`loss_vs_index`]: training loss against the Hessian index of every critical point a
//!   search found, one colour per class (Dauphin et al. 2014, Fig. 1).
//! - [`search_convergence`]: the gradient norm of every start of a search against the
//!   iteration, coloured by the class the start ended in, with the tolerance.
//! - [`curvature_track`]: loss, ‖∇L‖, λmax and λmin along a training run in four
//!   stacked panels sharing the x axis, the saddle visits shaded in light red.
//! - [`spectrum_pair`]: two Hessian eigenvalue histograms side by side (e.g. a minimum and
//!   a saddle), log counts, negative bins in red.
//!
//! Classes ([`PointClass`]) have the same colours in every figure and are listed in the
//! order of [`PointClass::ALL`]: minimum green, saddle red, degenerate orange,
//! not_critical grey (drawn hollow, underneath the others).

use std::path::Path;

use plotters::coord::ranged1d::ValueFormatter;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::curves::{
    axes, axes_with_caption, check_len, draw_legend, draw_lines, Bins, Chart, Line, Panel,
    MARKER_MAX,
};
use super::{
    draw_no_data, finite_range, finite_runs, fmt_log_tick, fmt_tick, pad_linear, pad_log, palette,
    save_png, Area, DrawResult, AXIS_PX, DEFAULT_SIZE, FONT, LEGEND_BORDER, LEGEND_PX, PALETTE,
    TEXT, TITLE_PX,
};
use crate::critical::PointClass;
use crate::error::{Error, Result};

/// One critical point found by a search: its Hessian index (fraction of negative
/// eigenvalues, in [0,1]), its training loss, and its classification.
#[derive(Debug, Clone, Copy)]
pub struct CriticalPoint {
    pub index: f64,
    pub loss: f64,
    pub class: PointClass,
}

/// A training run's curvature for [`curvature_track`]: every series has the length of
/// `x`; `visits` are inclusive `[start, end]` ranges in x units (start ≤ end).
#[derive(Debug, Clone, Copy)]
pub struct CurvatureTrack<'a> {
    pub x: &'a [f64],
    pub x_label: &'a str,
    pub loss: &'a [f64],
    pub grad_norm: &'a [f64],
    pub lambda_max: &'a [f64],
    pub lambda_min: &'a [f64],
    pub visits: &'a [(f64, f64)],
}

/// The colour of a class in every figure.
fn class_color(class: PointClass) -> RGBColor {
    match class {
        PointClass::Minimum => PALETTE[2],
        PointClass::Saddle => PALETTE[3],
        PointClass::Degenerate => PALETTE[1],
        PointClass::NotCritical => PALETTE[7],
    }
}
/// The class drawn hollow and underneath the others.
const NOT_CRITICAL: PointClass = PointClass::NotCritical;

/// Saddle-visit shading: the saddle red over white at low opacity.
const VISIT_BAND: RGBAColor = RGBAColor(214, 39, 40, 0.18);
const VISIT_LABEL: &str = "saddle visit (‖∇L‖ small, λmin < 0)";
/// The thin reference lines at zero.
const ZERO_LINE: RGBColor = RGBColor(150, 150, 150);
/// Marker radius of the scatter plot, in pixels.
const POINT_R: i32 = 5;

const INDEX_LABEL: &str = "index α (fraction of negative Hessian eigenvalues)";

/// Dauphin et al. 2014 Fig. 1: training loss against the index of each critical point,
/// one colour and legend entry per class with its count ("saddle (12)").
///
/// The loss axis is logarithmic when every finite loss is positive and they span at
/// least one decade. The index axis runs from 0 (with a little room so that minima are
/// not cut in half) to 1.05 × the largest index, at least 0.05. Points with a non-finite
/// index or loss are not drawn; their number is added to the class's legend label.
pub fn loss_vs_index(path: &Path, title: &str, points: &[CriticalPoint]) -> Result<()> {
    let drawable = |p: &&CriticalPoint| p.index.is_finite() && p.loss.is_finite();
    let losses = points.iter().filter(drawable).map(|p| p.loss);
    let log_y = matches!(
        finite_range(losses.clone(), false),
        Some((lo, hi)) if lo > 0.0 && hi / lo >= 10.0
    );
    let (y0, y1) = if log_y {
        pad_log(finite_range(losses, true))
    } else {
        pad_linear(finite_range(losses, false))
    };
    let (x0, x1) = index_axis(finite_range(
        points.iter().filter(drawable).map(|p| p.index),
        false,
    ));
    let classes: Vec<PointClass> = points.iter().map(|p| p.class).collect();
    let groups: Vec<Group> = class_styles(&classes)
        .into_iter()
        .map(|s| {
            let pts: Vec<(f64, f64)> = points
                .iter()
                .filter(|p| p.class == s.class)
                .filter(drawable)
                .map(|p| (p.index, p.loss))
                .collect();
            let hidden = s.count - pts.len();
            let label = if hidden == 0 {
                format!("{} ({})", s.class, s.count)
            } else {
                format!("{} ({}, {hidden} not finite)", s.class, s.count)
            };
            Group {
                label,
                color: s.color,
                hollow: s.class == NOT_CRITICAL,
                pts,
            }
        })
        .collect();
    let legend = quiet_corner(
        groups
            .iter()
            .flat_map(|g| &g.pts)
            .map(|&(x, y)| (frac(x, x0, x1, false), frac(y, y0, y1, log_y))),
    );
    save_png(path, DEFAULT_SIZE, |root| {
        let area = root.titled(title, (FONT, TITLE_PX).into_font().color(&TEXT))?;
        let y_label = "training loss";
        if log_y {
            let chart = axes(
                &area,
                INDEX_LABEL,
                y_label,
                x0..x1,
                (y0..y1).log_scale(),
                fmt_log_tick,
            )?;
            draw_scatter(chart, &groups, legend)
        } else {
            let chart = axes(&area, INDEX_LABEL, y_label, x0..x1, y0..y1, fmt_tick)?;
            draw_scatter(chart, &groups, legend)
        }
    })
}

/// Convergence of a critical-point search: the gradient norm `histories[i][k]` of start
/// `i` at iteration `k` (0 = the start) on a log axis, one thin line per start coloured by
/// its class `classes[i]`, one legend entry per class present (with its count), and a
/// dashed black line at `tol` labelled "tolerance" (left out when `tol` is not a positive
/// finite number). Non-finite and non-positive norms are gaps.
pub fn search_convergence(
    path: &Path,
    title: &str,
    histories: &[Vec<f64>],
    classes: &[PointClass],
    tol: f64,
) -> Result<()> {
    if histories.len() != classes.len() {
        return Err(Error::Invalid(format!(
            "search_convergence: series `classes` has {} entries for {} histories",
            classes.len(),
            histories.len()
        )));
    }
    let styles = class_styles(classes);
    let longest = histories.iter().map(Vec::len).max().unwrap_or(0);
    let iters: Vec<f64> = (0..longest).map(|i| i as f64).collect();
    let x1 = (longest.saturating_sub(1) as f64).max(1.0);
    let tol = (tol.is_finite() && tol > 0.0).then_some(tol);
    let (y0, y1) = pad_log(finite_range(
        histories.iter().flatten().copied().chain(tol),
        true,
    ));
    // Runs per start, not_critical starts first so that they end up underneath.
    let mut lines: Vec<(RGBColor, Runs)> = Vec::new();
    for under in [true, false] {
        for (h, &class) in histories.iter().zip(classes) {
            if (class == NOT_CRITICAL) == under {
                lines.push((class_color(class), finite_runs(&iters[..h.len()], h, true)));
            }
        }
    }
    let any = lines.iter().any(|(_, runs)| !runs.is_empty());
    let legend = quiet_corner(
        lines
            .iter()
            .flat_map(|(_, runs)| runs.iter().flatten())
            .map(|&(x, y)| (frac(x, 0.0, x1, false), frac(y, y0, y1, true)))
            .chain(tol.map(|t| (0.5, frac(t, y0, y1, true)))),
    );
    save_png(path, DEFAULT_SIZE, |root| {
        let area = root.titled(title, (FONT, TITLE_PX).into_font().color(&TEXT))?;
        let mut chart = axes(
            &area,
            "iteration",
            "gradient norm ‖∇L‖",
            0.0..x1,
            (y0..y1).log_scale(),
            fmt_log_tick,
        )?;
        for s in &styles {
            let c = s.color;
            chart
                .draw_series(LineSeries::new(std::iter::empty(), c.stroke_width(1)))?
                .label(format!("{} ({})", s.class, s.count))
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 24, y)], c.stroke_width(3))
                });
        }
        for (color, runs) in &lines {
            let style = color.mix(0.75).stroke_width(1);
            for run in runs {
                if run.len() > 1 {
                    chart.draw_series(LineSeries::new(run.iter().copied(), style))?;
                } else {
                    chart.draw_series(run.iter().map(|&p| Circle::new(p, 3, color.filled())))?;
                }
            }
        }
        if let Some(t) = tol {
            let black = BLACK.stroke_width(2);
            chart
                .draw_series(DashedLineSeries::new([(0.0, t), (x1, t)], 10, 6, black))?
                .label("tolerance")
                .legend(move |(x, y)| {
                    EmptyElement::at((x, y))
                        + PathElement::new(vec![(0, 0), (9, 0)], black)
                        + PathElement::new(vec![(15, 0), (24, 0)], black)
                });
        }
        if !any {
            draw_no_data(&chart.plotting_area().strip_coord_spec())?;
        }
        if !styles.is_empty() || tol.is_some() {
            draw_legend(&mut chart, legend)?;
        }
        Ok(())
    })
}

/// Size of the [`curvature_track`] figure (four stacked panels).
pub const TRACK_SIZE: (u32, u32) = (900, 1100);

/// Curvature along a training run, four stacked panels sharing the x axis: the training
/// loss (log axis when every finite loss is positive and they span at least one decade),
/// the gradient norm ‖∇L‖ (log axis), λmax (blue) and λmin (red; its own panel, since it
/// is often orders of magnitude smaller than λmax), the last two on linear axes that
/// always include 0, drawn as a thin grey line. Every panel shades the `visits` in light
/// red; the top panel's legend names the shading when there is at least one finite visit.
///
/// Series of another length than `x` and visits that end before they start are
/// [`Error::Invalid`]; non-finite values (and visit ends) are gaps.
pub fn curvature_track(path: &Path, title: &str, t: &CurvatureTrack) -> Result<()> {
    let n = t.x.len();
    check_len("loss", n, t.loss.len())?;
    check_len("grad_norm", n, t.grad_norm.len())?;
    check_len("lambda_max", n, t.lambda_max.len())?;
    check_len("lambda_min", n, t.lambda_min.len())?;
    if let Some((k, (a, b))) = t
        .visits
        .iter()
        .enumerate()
        .find(|(_, (a, b))| a.is_finite() && b.is_finite() && a > b)
    {
        return Err(Error::Invalid(format!(
            "curvature_track: visit {k} ends at {b} before it starts at {a}"
        )));
    }
    let n_finite = t.x.iter().filter(|v| v.is_finite()).count();
    let x = match finite_range(t.x.iter().copied(), false) {
        // Room for the markers that short series get on every point.
        Some((lo, hi)) if hi > lo && n_finite <= MARKER_MAX => {
            (lo - 0.02 * (hi - lo), hi + 0.02 * (hi - lo))
        }
        Some((lo, hi)) if hi > lo => (lo, hi),
        other => pad_linear(other),
    };
    // Visits clipped to the axis, at least a few pixels wide.
    let min_width = 0.004 * (x.1 - x.0);
    let visits: Vec<(f64, f64)> = t
        .visits
        .iter()
        .filter(|(a, b)| a.is_finite() && b.is_finite() && *b >= x.0 && *a <= x.1)
        .map(|&(a, b)| {
            let (a, b) = if b - a < min_width {
                let mid = 0.5 * (a + b);
                (mid - 0.5 * min_width, mid + 0.5 * min_width)
            } else {
                (a, b)
            };
            (a.max(x.0), b.min(x.1))
        })
        .collect();

    let loss_line = [Line {
        label: "training loss",
        x: t.x,
        y: t.loss,
        color: palette(0),
    }];
    let grad_line = [Line {
        label: "‖∇L‖",
        x: t.x,
        y: t.grad_norm,
        color: palette(4),
    }];
    let max_line = [Line {
        label: "λmax",
        x: t.x,
        y: t.lambda_max,
        color: palette(0),
    }];
    let min_line = [Line {
        label: "λmin",
        x: t.x,
        y: t.lambda_min,
        color: palette(3),
    }];
    let log_loss = matches!(
        finite_range(t.loss.iter().copied(), false),
        Some((lo, hi)) if lo > 0.0 && hi / lo >= 10.0
    );
    let loss_y = if log_loss {
        pad_log(finite_range(t.loss.iter().copied(), true))
    } else {
        pad_linear(finite_range(t.loss.iter().copied(), false))
    };
    let grad_y = pad_log(finite_range(t.grad_norm.iter().copied(), true));
    // λmin gets its own panel: it is often orders of magnitude smaller than λmax.
    let with_zero = |v: &[f64]| pad_linear(finite_range(v.iter().copied().chain([0.0]), false));
    let (max_y, min_y) = (with_zero(t.lambda_max), with_zero(t.lambda_min));
    let corner = |lines: &[Line], (y0, y1): (f64, f64), log: bool| {
        quiet_corner(lines.iter().flat_map(|l| {
            finite_runs(l.x, l.y, log)
                .into_iter()
                .flatten()
                .map(move |(a, b)| (frac(a, x.0, x.1, false), frac(b, y0, y1, log)))
        }))
    };
    let panels = [
        TrackPanel {
            panel: Panel {
                caption: None,
                x_label: "",
                y_label: "training loss",
                lines: &loss_line,
                log_y: log_loss,
                y_range: Some(loss_y),
                legend: (!visits.is_empty()).then(|| corner(&loss_line, loss_y, log_loss)),
            },
            band_label: !visits.is_empty(),
            zero_line: false,
        },
        TrackPanel {
            panel: Panel {
                caption: None,
                x_label: "",
                y_label: "‖∇L‖",
                lines: &grad_line,
                log_y: true,
                y_range: Some(grad_y),
                legend: None,
            },
            band_label: false,
            zero_line: false,
        },
        TrackPanel {
            panel: Panel {
                caption: None,
                x_label: "",
                y_label: "λmax",
                lines: &max_line,
                log_y: false,
                y_range: Some(max_y),
                legend: None,
            },
            band_label: false,
            zero_line: true,
        },
        TrackPanel {
            panel: Panel {
                caption: None,
                x_label: t.x_label,
                y_label: "λmin",
                lines: &min_line,
                log_y: false,
                y_range: Some(min_y),
                legend: None,
            },
            band_label: false,
            zero_line: true,
        },
    ];
    save_png(path, TRACK_SIZE, |root| {
        let area = root.titled(title, (FONT, TITLE_PX).into_font().color(&TEXT))?;
        for (sub, p) in area.split_evenly((panels.len(), 1)).iter().zip(&panels) {
            draw_track_panel(sub, p, x, &visits)?;
        }
        Ok(())
    })
}

/// Two eigenvalue histograms side by side, each `(caption, values)`: `bins` equal bins
/// over that panel's finite values, log count axis (empty bins left out), bins wholly
/// below 0 in red and the others in blue, a thin vertical line at 0, and the number of values
/// (and of negative ones) in the corner. A panel with no values says "none found".
///
/// The x axis covers the values and is stretched to show 0 when 0 lies within half the
/// values' span of them. `bins == 0` is [`Error::Invalid`].
pub fn spectrum_pair(
    path: &Path,
    title: &str,
    left: (&str, &[f64]),
    right: (&str, &[f64]),
    bins: usize,
) -> Result<()> {
    if bins == 0 {
        return Err(Error::Invalid(
            "spectrum_pair: bins must be at least 1".into(),
        ));
    }
    let (width, height) = (1400u32, 600u32);
    save_png(path, (width, height), |root| {
        let area = root.titled(title, (FONT, TITLE_PX).into_font().color(&TEXT))?;
        let (l, r) = area.split_horizontally(width / 2);
        draw_spectrum(&l, left.0, left.1, bins)?;
        draw_spectrum(&r, right.0, right.1, bins)
    })
}

/// A class as drawn: its colour and how many items (points, starts) it has.
#[derive(Debug, Clone, PartialEq)]
struct ClassStyle {
    class: PointClass,
    color: RGBColor,
    count: usize,
}

/// The classes present in `classes`, with their colours and counts, in the order of
/// [`PointClass::ALL`].
fn class_styles(classes: &[PointClass]) -> Vec<ClassStyle> {
    PointClass::ALL
        .into_iter()
        .map(|class| ClassStyle {
            class,
            color: class_color(class),
            count: classes.iter().filter(|&&c| c == class).count(),
        })
        .filter(|s| s.count > 0)
        .collect()
}

/// The index axis: from 0 (or the smallest index, if negative) to 1.05 × the largest
/// index, at least 0.05 long, with 2.5 % room on the left for the markers at 0.
fn index_axis(range: Option<(f64, f64)>) -> (f64, f64) {
    let (lo, hi) = range.unwrap_or((0.0, 0.0));
    let (lo, hi) = (lo.clamp(-1e300, 1e300).min(0.0), hi.clamp(-1e300, 1e300));
    let hi = (hi * 1.05).max(lo + 0.05);
    (lo - 0.025 * (hi - lo), hi)
}

/// Where `v` sits on the axis `lo..hi`, as a fraction (log scale when `log`).
pub(super) fn frac(v: f64, lo: f64, hi: f64, log: bool) -> f64 {
    if log {
        (v.ln() - lo.ln()) / (hi.ln() - lo.ln())
    } else {
        (v - lo) / (hi - lo)
    }
}

/// The legend corner with the fewest of `points` (fractions of the plotting area, (0, 0)
/// at the bottom left) under it; ties go to the upper right, then upper left, lower right.
pub(super) fn quiet_corner(points: impl IntoIterator<Item = (f64, f64)>) -> SeriesLabelPosition {
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

/// A series' drawable points, split at its gaps ([`finite_runs`]).
type Runs = Vec<Vec<(f64, f64)>>;

/// The points of one class in the scatter plot.
struct Group {
    label: String,
    color: RGBColor,
    hollow: bool,
    pts: Vec<(f64, f64)>,
}

fn draw_scatter<'a, 'b: 'a, Y>(
    mut chart: Chart<'a, 'b, Y>,
    groups: &[Group],
    legend: SeriesLabelPosition,
) -> DrawResult
where
    Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    // Legend entries in class order; the points hollow classes first, underneath.
    for g in groups {
        let c = g.color;
        let series = chart
            .draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())?
            .label(&g.label);
        if g.hollow {
            series.legend(move |(x, y)| Circle::new((x + 12, y), POINT_R, c.stroke_width(2)));
        } else {
            series.legend(move |(x, y)| Circle::new((x + 12, y), POINT_R, c.filled()));
        }
    }
    for g in groups.iter().filter(|g| g.hollow) {
        let style = g.color.stroke_width(2);
        chart.draw_series(g.pts.iter().map(|&p| Circle::new(p, POINT_R, style)))?;
    }
    for g in groups.iter().filter(|g| !g.hollow) {
        let fill = g.color.mix(0.7).filled();
        let edge = g.color.stroke_width(1);
        chart.draw_series(g.pts.iter().map(|&p| Circle::new(p, POINT_R, fill)))?;
        chart.draw_series(g.pts.iter().map(|&p| Circle::new(p, POINT_R, edge)))?;
    }
    if groups.iter().all(|g| g.pts.is_empty()) {
        draw_no_data(&chart.plotting_area().strip_coord_spec())?;
    }
    if !groups.is_empty() {
        draw_legend(&mut chart, legend)?;
    }
    Ok(())
}

/// One panel of [`curvature_track`]: its lines (with a fixed y range), whether its
/// legend names the visit shading, and whether it gets a line at 0.
struct TrackPanel<'a> {
    panel: Panel<'a>,
    band_label: bool,
    zero_line: bool,
}

fn draw_track_panel(
    area: &Area,
    p: &TrackPanel,
    (x0, x1): (f64, f64),
    visits: &[(f64, f64)],
) -> DrawResult {
    let q = &p.panel;
    let (y0, y1) = q.y_range.unwrap_or((0.0, 1.0));
    if q.log_y {
        let chart = axes_with_caption(
            area,
            q.caption,
            q.x_label,
            q.y_label,
            x0..x1,
            (y0..y1).log_scale(),
            fmt_log_tick,
        )?;
        shade_and_draw(chart, p, (x0, x1), (y0, y1), visits)
    } else {
        let chart = axes_with_caption(
            area,
            q.caption,
            q.x_label,
            q.y_label,
            x0..x1,
            y0..y1,
            fmt_tick,
        )?;
        shade_and_draw(chart, p, (x0, x1), (y0, y1), visits)
    }
}

fn shade_and_draw<'a, 'b: 'a, Y>(
    mut chart: Chart<'a, 'b, Y>,
    p: &TrackPanel,
    (x0, x1): (f64, f64),
    (y0, y1): (f64, f64),
    visits: &[(f64, f64)],
) -> DrawResult
where
    Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    chart.draw_series(
        visits
            .iter()
            .map(|&(a, b)| Rectangle::new([(a, y0), (b, y1)], VISIT_BAND.filled())),
    )?;
    if p.band_label {
        chart
            .draw_series(std::iter::empty::<Rectangle<(f64, f64)>>())?
            .label(VISIT_LABEL)
            .legend(|(x, y)| Rectangle::new([(x, y - 8), (x + 24, y + 8)], VISIT_BAND.filled()));
    }
    if p.zero_line {
        chart.draw_series(LineSeries::new(
            [(x0, 0.0), (x1, 0.0)],
            ZERO_LINE.stroke_width(1),
        ))?;
    }
    draw_lines(chart, &p.panel)
}

/// One panel of [`spectrum_pair`].
fn draw_spectrum(area: &Area, caption: &str, values: &[f64], bins: usize) -> DrawResult {
    let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    let Bins { lo, hi, counts } = Bins::of(&finite, bins);
    let edge = |k: usize| Bins::edge_of(lo, hi, bins, k);
    // The axis: the bins, stretched to 0 when it is near, with a little room.
    let span = hi - lo;
    let (a, b) = if lo > 0.0 && lo <= 0.5 * span {
        (0.0, hi)
    } else if hi < 0.0 && -hi <= 0.5 * span {
        (lo, 0.0)
    } else {
        (lo, hi)
    };
    let (a, b) = (a - 0.03 * (b - a), b + 0.03 * (b - a));
    let max = counts.iter().copied().max().unwrap_or(0) as f64;
    let base = 0.5;
    let (_, top) = pad_log(Some((1.0, max.max(1.0))));

    let mut chart = axes_with_caption(
        area,
        Some(caption),
        "eigenvalue λ",
        "count",
        a..b,
        (base..top).log_scale(),
        fmt_log_tick,
    )?;
    let negative = palette(3);
    let positive = palette(0);
    let bars: Vec<(f64, f64, f64)> = counts
        .iter()
        .enumerate()
        .filter(|(_, &c)| c > 0)
        .map(|(k, &c)| (edge(k), edge(k + 1), c as f64))
        .collect();
    chart.draw_series(bars.iter().map(|&(l, r, c)| {
        let color = if r <= 0.0 { negative } else { positive };
        Rectangle::new([(l, base), (r, c)], color.mix(0.8).filled())
    }))?;
    let edge_style = WHITE.stroke_width(if bins <= 80 { 1 } else { 0 });
    chart.draw_series(
        bars.iter()
            .map(|&(l, r, c)| Rectangle::new([(l, base), (r, c)], edge_style)),
    )?;
    chart.draw_series(LineSeries::new(
        [(0.0, base), (0.0, top)],
        RGBColor(60, 60, 60).stroke_width(1),
    ))?;
    let pa = chart.plotting_area().strip_coord_spec();
    if values.is_empty() {
        return centred_note(&pa, "none found");
    }
    if finite.is_empty() {
        return draw_no_data(&pa);
    }
    let below = finite.iter().filter(|v| **v < 0.0).count();
    let mut note = format!("n = {}, {below} < 0", finite.len());
    if finite.len() < values.len() {
        note += &format!(" ({} non-finite skipped)", values.len() - finite.len());
    }
    corner_note(&pa, &note)
}

/// Grey text in the middle of a plotting area.
fn centred_note(area: &Area, text: &str) -> DrawResult {
    let (w, h) = area.dim_in_pixel();
    let style = (FONT, AXIS_PX)
        .into_font()
        .color(&RGBColor(150, 150, 150))
        .pos(Pos::new(HPos::Center, VPos::Center));
    area.draw_text(text, &style, (w as i32 / 2, h as i32 / 2))?;
    Ok(())
}

/// Text in a framed box in the upper right corner of a plotting area.
fn corner_note(area: &Area, text: &str) -> DrawResult {
    let style = (FONT, LEGEND_PX)
        .into_font()
        .color(&TEXT)
        .pos(Pos::new(HPos::Right, VPos::Top));
    let (w, _) = area.dim_in_pixel();
    let (tw, th) = area.estimate_text_size(text, &style)?;
    let (x1, y0) = (w as i32 - 6, 6);
    let corners = [(x1 - tw as i32 - 12, y0), (x1, y0 + th as i32 + 10)];
    area.draw(&Rectangle::new(corners, WHITE.mix(0.92).filled()))?;
    area.draw(&Rectangle::new(corners, LEGEND_BORDER.stroke_width(1)))?;
    area.draw_text(text, &style, (x1 - 6, y0 + 5))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{files_in, read_png, Png};
    use super::*;

    /// A written PNG of `size`, not blank, and no temp file left next to it.
    use super::super::testutil::written_png_of_size as check_png;

    /// The visit shading over white (248, 216, 216) or over a grid line (down to 215, 183, 183).
    fn is_light_red((r, g, b): (u8, u8, u8)) -> bool {
        r >= 205 && (170..=240).contains(&g) && g.abs_diff(b) <= 6 && r >= g + 15
    }
    /// Shading, not the anti-aliased edge of a red line: light red over 7 pixels in a
    /// column (the band is a tall rectangle; line edges are a pixel high).
    fn band_at(png: &Png, x: u32, y: u32) -> bool {
        (y.saturating_sub(3)..=(y + 3).min(png.height - 1)).all(|y| is_light_red(png.pixel(x, y)))
    }
    fn is_red((r, g, b): (u8, u8, u8)) -> bool {
        r > 150 && g < 110 && b < 110
    }
    fn is_green((r, g, b): (u8, u8, u8)) -> bool {
        g > 110 && g as i32 > r as i32 + 50 && g as i32 > b as i32 + 50
    }
    fn is_blue((r, g, b): (u8, u8, u8)) -> bool {
        b > 140 && b as i32 > r as i32 + 60 && b > g
    }
    /// Whether some pixel with `x` in `xs` and any y matches.
    fn any_in(png: &Png, xs: std::ops::Range<u32>, f: fn((u8, u8, u8)) -> bool) -> bool {
        (0..png.height).any(|y| xs.clone().any(|x| f(png.pixel(x, y))))
    }

    /// x, loss, gradient norm, λmax, λmin of a smooth run over x = 0..=100.
    fn track_data() -> [Vec<f64>; 5] {
        let x: Vec<f64> = (0..=100).map(|i| i as f64).collect();
        let loss = x.iter().map(|s| 1.0 * (-s / 25.0).exp() + 0.01).collect();
        let grad = x.iter().map(|s| 0.5 * (-s / 30.0).exp() + 1e-3).collect();
        let lmax = x.iter().map(|s| 1.0 + s / 50.0).collect();
        let lmin = x.iter().map(|s| -0.5 * (-s / 20.0).exp()).collect();
        [x, loss, grad, lmax, lmin]
    }

    #[test]
    fn every_figure_writes_a_png_of_its_size() {
        let dir = tempfile::tempdir().unwrap();
        let points = [
            CriticalPoint {
                index: 0.0,
                loss: 0.01,
                class: PointClass::Minimum,
            },
            CriticalPoint {
                index: 0.3,
                loss: 0.5,
                class: PointClass::Saddle,
            },
            CriticalPoint {
                index: 0.1,
                loss: 0.2,
                class: PointClass::NotCritical,
            },
            CriticalPoint {
                index: f64::NAN,
                loss: 0.2,
                class: PointClass::Degenerate,
            },
        ];
        let p = dir.path().join("index.png");
        loss_vs_index(&p, "Loss against index", &points).unwrap();
        check_png(&p, DEFAULT_SIZE);

        let histories = vec![vec![1.0, 0.1, 1e-3, 1e-9], vec![2.0, 1.0, 0.5]];
        let p = dir.path().join("conv.png");
        search_convergence(
            &p,
            "Search",
            &histories,
            &[PointClass::Minimum, PointClass::NotCritical],
            1e-8,
        )
        .unwrap();
        check_png(&p, DEFAULT_SIZE);

        let [x, loss, grad, lmax, lmin] = track_data();
        let t = CurvatureTrack {
            x: &x,
            x_label: "step",
            loss: &loss,
            grad_norm: &grad,
            lambda_max: &lmax,
            lambda_min: &lmin,
            visits: &[(10.0, 20.0)],
        };
        let p = dir.path().join("track.png");
        curvature_track(&p, "Track", &t).unwrap();
        check_png(&p, TRACK_SIZE);

        let p = dir.path().join("spectra.png");
        spectrum_pair(
            &p,
            "Spectra",
            ("min", &[0.1, 1.0]),
            ("saddle", &[-1.0, 1.0]),
            10,
        )
        .unwrap();
        check_png(&p, (1400, 600));
    }

    #[test]
    fn degenerate_inputs_still_draw() {
        let dir = tempfile::tempdir().unwrap();
        let nan = [f64::NAN; 5];
        let cases: Vec<(&str, Vec<CriticalPoint>)> = vec![
            ("none.png", vec![]),
            (
                "nan.png",
                vec![CriticalPoint {
                    index: f64::NAN,
                    loss: f64::INFINITY,
                    class: PointClass::Saddle,
                }],
            ),
            (
                "one.png",
                vec![CriticalPoint {
                    index: 0.0,
                    loss: 0.0,
                    class: PointClass::Degenerate,
                }],
            ),
        ];
        for (name, pts) in cases {
            let p = dir.path().join(name);
            loss_vs_index(&p, "t", &pts).unwrap();
            check_png(&p, DEFAULT_SIZE);
        }
        for (name, h, tol) in [
            ("c_empty.png", vec![], 1e-6),
            ("c_nan.png", vec![nan.to_vec(), vec![0.0, -1.0]], f64::NAN),
            ("c_single.png", vec![vec![0.3]], 0.0),
        ] {
            let classes = vec![PointClass::Saddle; h.len()];
            let p = dir.path().join(name);
            search_convergence(&p, "t", &h, &classes, tol).unwrap();
            check_png(&p, DEFAULT_SIZE);
        }
        let t = CurvatureTrack {
            x: &[1.0; 5],
            x_label: "step",
            loss: &nan,
            grad_norm: &[0.0; 5],
            lambda_max: &nan,
            lambda_min: &[-1.0; 5],
            visits: &[(f64::NAN, 1.0), (1.0, 1.0), (-5.0, -4.0)],
        };
        let p = dir.path().join("t_flat.png");
        curvature_track(&p, "t", &t).unwrap();
        check_png(&p, TRACK_SIZE);
        let t = CurvatureTrack {
            x: &[],
            x_label: "step",
            loss: &[],
            grad_norm: &[],
            lambda_max: &[],
            lambda_min: &[],
            visits: &[],
        };
        curvature_track(&dir.path().join("t_empty.png"), "t", &t).unwrap();
        for (name, l, r) in [
            ("s_empty.png", vec![], vec![]),
            ("s_nan.png", vec![f64::NAN], vec![2.0; 4]),
            ("s_neg.png", vec![-3.0, -2.5], vec![1e-12, 1e-9]),
        ] {
            let p = dir.path().join(name);
            spectrum_pair(&p, "t", ("a", &l), ("b", &r), 20).unwrap();
            check_png(&p, (1400, 600));
        }
        // A missing folder is an output error.
        let bad = dir.path().join("no/such/a.png");
        assert!(matches!(
            loss_vs_index(&bad, "t", &[]),
            Err(Error::Output { .. })
        ));
        assert!(matches!(
            spectrum_pair(&bad, "t", ("a", &[]), ("b", &[]), 3),
            Err(Error::Output { .. })
        ));
    }

    #[test]
    fn bad_arguments_are_invalid_and_write_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.png");
        let invalid = |r: Result<()>, what: &str| match r {
            Err(Error::Invalid(msg)) => assert!(msg.contains(what), "{msg} lacks {what}"),
            other => panic!("{what}: {other:?}"),
        };
        invalid(
            search_convergence(
                &p,
                "t",
                &[vec![1.0], vec![0.5]],
                &[PointClass::Saddle],
                1e-6,
            ),
            "classes",
        );
        let [x, loss, grad, lmax, lmin] = track_data();
        let ok = CurvatureTrack {
            x: &x,
            x_label: "step",
            loss: &loss,
            grad_norm: &grad,
            lambda_max: &lmax,
            lambda_min: &lmin,
            visits: &[],
        };
        invalid(
            curvature_track(
                &p,
                "t",
                &CurvatureTrack {
                    loss: &loss[1..],
                    ..ok
                },
            ),
            "`loss`",
        );
        invalid(
            curvature_track(
                &p,
                "t",
                &CurvatureTrack {
                    grad_norm: &grad[..3],
                    ..ok
                },
            ),
            "grad_norm",
        );
        invalid(
            curvature_track(
                &p,
                "t",
                &CurvatureTrack {
                    lambda_max: &[],
                    ..ok
                },
            ),
            "lambda_max",
        );
        invalid(
            curvature_track(
                &p,
                "t",
                &CurvatureTrack {
                    lambda_min: &lmin[..99],
                    ..ok
                },
            ),
            "lambda_min",
        );
        invalid(
            curvature_track(
                &p,
                "t",
                &CurvatureTrack {
                    visits: &[(5.0, 6.0), (30.0, 20.0)],
                    ..ok
                },
            ),
            "visit 1",
        );
        invalid(
            spectrum_pair(&p, "t", ("a", &[1.0]), ("b", &[2.0]), 0),
            "bins",
        );
        assert!(
            files_in(dir.path()).is_empty(),
            "{:?}",
            files_in(dir.path())
        );
    }

    #[test]
    fn visits_are_shaded_inside_their_range_only() {
        let dir = tempfile::tempdir().unwrap();
        let [x, loss, grad, lmax, lmin] = track_data();
        // x runs over 0..100 exactly; the visit is the middle fifth.
        let t = CurvatureTrack {
            x: &x,
            x_label: "step",
            loss: &loss,
            grad_norm: &grad,
            lambda_max: &lmax,
            lambda_min: &lmin,
            visits: &[(40.0, 60.0)],
        };
        let p = dir.path().join("visit.png");
        curvature_track(&p, "t", &t).unwrap();
        let png = check_png(&p, TRACK_SIZE);
        let (w, h) = (png.width, png.height);
        // The plotting areas span about x = 100..872 px, so data 40..60 is about
        // 409..563 px: columns 0.49w..0.56w are inside, < 0.3w and > 0.75w outside.
        let inside = (w * 49 / 100)..(w * 56 / 100);
        for panel in 0..4 {
            let rows = (h * panel / 4)..(h * (panel + 1) / 4);
            // A row through the band: most of its inside columns are light red.
            let band_rows: Vec<u32> = rows
                .clone()
                .filter(|&y| {
                    let n = inside.clone().filter(|&x| band_at(&png, x, y)).count();
                    n * 10 >= inside.len() * 8
                })
                .collect();
            assert!(
                band_rows.len() > 100,
                "panel {panel}: {} band rows",
                band_rows.len()
            );
            // Panels 2 to 4 have no light-red legend swatch: nothing outside the band.
            // Panel 1's legend names the band, so check only the band rows there.
            let check: Vec<u32> = if panel == 0 {
                band_rows
            } else {
                rows.collect()
            };
            for y in check {
                for x in (0..w * 3 / 10).chain(w * 3 / 4..w) {
                    assert!(
                        !band_at(&png, x, y),
                        "panel {panel}: light red at ({x}, {y}) outside the visit"
                    );
                }
            }
        }
        // Without visits, no pixel is light red.
        let p = dir.path().join("plain.png");
        curvature_track(&p, "t", &CurvatureTrack { visits: &[], ..t }).unwrap();
        let png = read_png(&p);
        assert!(!(0..png.height).any(|y| (0..png.width).any(|x| band_at(&png, x, y))));
    }

    #[test]
    fn scatter_colours_follow_the_classes() {
        let dir = tempfile::tempdir().unwrap();
        let saddles: Vec<CriticalPoint> = (1..=12)
            .map(|k| CriticalPoint {
                index: 0.03 * k as f64,
                loss: 0.05 + 0.1 * k as f64,
                class: PointClass::Saddle,
            })
            .collect();
        let p = dir.path().join("saddles.png");
        loss_vs_index(&p, "t", &saddles).unwrap();
        let png = check_png(&p, DEFAULT_SIZE);
        assert!(any_in(&png, 0..png.width, is_red), "no red point");
        assert!(
            !any_in(&png, 0..png.width, is_green),
            "green without minima"
        );

        let mut mixed = saddles.clone();
        mixed.push(CriticalPoint {
            index: 0.0,
            loss: 0.01,
            class: PointClass::Minimum,
        });
        let p = dir.path().join("mixed.png");
        loss_vs_index(&p, "t", &mixed).unwrap();
        let png = read_png(&p);
        assert!(any_in(&png, 0..png.width, is_green), "no green minimum");

        // Convergence lines take the class colours too.
        let h = vec![vec![1.0, 0.1, 0.01, 1e-4], vec![0.5, 0.2, 0.1, 0.05]];
        let p = dir.path().join("conv.png");
        search_convergence(&p, "t", &h, &[PointClass::Saddle; 2], 1e-6).unwrap();
        let png = read_png(&p);
        assert!(any_in(&png, 0..png.width, is_red));
        assert!(!any_in(&png, 0..png.width, is_green));
    }

    #[test]
    fn spectrum_panels_are_independent() {
        let dir = tempfile::tempdir().unwrap();
        // Left: a minimum (all positive, blue bars); right: a saddle (red bars below 0).
        let left: Vec<f64> = (0..50).map(|k| 0.01 * k as f64).collect();
        let right: Vec<f64> = (0..50).map(|k| if k < 10 { -2.0 } else { 2.0 }).collect();
        let p = dir.path().join("pair.png");
        spectrum_pair(&p, "t", ("minimum", &left), ("saddle", &right), 30).unwrap();
        let png = check_png(&p, (1400, 600));
        let (l, r) = (0..png.width / 2, png.width / 2..png.width);
        assert!(any_in(&png, l.clone(), is_blue) && !any_in(&png, l, is_red));
        assert!(any_in(&png, r.clone(), is_blue) && any_in(&png, r, is_red));
    }

    #[test]
    fn classes_and_corners() {
        use PointClass::*;
        let s = class_styles(&[Saddle, NotCritical, Minimum, Saddle]);
        let counts: Vec<(PointClass, usize)> = s.iter().map(|c| (c.class, c.count)).collect();
        // In the order of PointClass::ALL; absent classes left out.
        assert_eq!(counts, [(Minimum, 1), (Saddle, 2), (NotCritical, 1)]);
        assert_eq!(s[0].color, PALETTE[2]);
        assert_eq!(s[1].color, PALETTE[3]);
        assert_eq!(s[2].color, PALETTE[7]);
        // Every class has its own colour.
        let colors = PointClass::ALL.map(class_color);
        for (i, a) in colors.iter().enumerate() {
            assert!(colors[i + 1..].iter().all(|b| b != a), "{colors:?}");
        }

        let (a, b) = index_axis(None);
        assert!(a < 0.0 && a > -0.01 && (b - 0.05).abs() < 1e-12);
        let (a, b) = index_axis(Some((0.0, 0.4)));
        assert!(a < 0.0 && (b - 0.42).abs() < 1e-12);

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

#[cfg(test)]
mod demo {
    //! `cargo test --lib plot::critical::demo -- --ignored` renders one example of every
    //! critical-point figure into `$TMPDIR/critical_samples/` for a visual check.
    use super::*;

    use crate::plot::testutil::pseudo_uniform as u;

    #[test]
    #[ignore]
    fn render_critical_samples() {
        let dir = std::env::temp_dir().join("critical_samples");
        std::fs::create_dir_all(&dir).unwrap();

        // Dauphin Fig. 1: the loss of the saddles grows with their index.
        let mut points = Vec::new();
        for k in 0..90 {
            let (index, loss, class) = match k % 9 {
                0 | 1 => (0.0, 0.004 + 0.01 * u(k), PointClass::Minimum),
                2 => (
                    0.01 + 0.02 * u(k),
                    0.02 + 0.05 * u(k + 1),
                    PointClass::Degenerate,
                ),
                3 => (
                    0.05 + 0.35 * u(k),
                    0.05 + 0.8 * u(k + 1),
                    PointClass::NotCritical,
                ),
                _ => {
                    let a = 0.02 + 0.4 * u(k);
                    (
                        a,
                        0.02 + 1.6 * a * (0.7 + 0.6 * u(k + 1)),
                        PointClass::Saddle,
                    )
                }
            };
            points.push(CriticalPoint { index, loss, class });
        }
        loss_vs_index(
            &dir.join("loss_vs_index.png"),
            "Critical points of the spirals net: loss against index",
            &points,
        )
        .unwrap();

        // Newton-type search: converged starts fall superlinearly, others stall.
        let mut histories = Vec::new();
        let mut classes = Vec::new();
        for k in 0..24 {
            use PointClass::*;
            let class = [Saddle, Saddle, Minimum, Degenerate, NotCritical][k % 5];
            let len = 8 + (20.0 * u(k)) as usize;
            let mut g = 0.3 + 2.0 * u(k + 7);
            let mut h = vec![g];
            for i in 1..len {
                g = match class {
                    NotCritical => g * (0.75 + 0.2 * u(100 * k + i)),
                    Degenerate => g * 0.5,
                    _ if g > 1e-2 => g * (0.5 + 0.3 * u(100 * k + i)),
                    _ => g * g * 20.0,
                };
                h.push(g.max(1e-16));
                if g < 1e-12 {
                    break;
                }
            }
            histories.push(h);
            classes.push(class);
        }
        search_convergence(
            &dir.join("search_convergence.png"),
            "Saddle search: gradient norm per start",
            &histories,
            &classes,
            1e-8,
        )
        .unwrap();

        // XOR-like run: a plateau around a saddle between steps 300 and 1400.
        let x: Vec<f64> = (0..=200).map(|i| 10.0 * i as f64).collect();
        let plateau = |s: f64| {
            1.0 / (1.0 + (-(s - 300.0) / 40.0).exp()) - 1.0 / (1.0 + (-(s - 1400.0) / 60.0).exp())
        };
        let loss: Vec<f64> = x
            .iter()
            .map(|&s| {
                let fall = 0.7 * (-s / 120.0).exp()
                    + 0.5 * (1.0 - (s - 1400.0).max(0.0) / 2000.0).max(0.0).powi(6);
                (0.5 * plateau(s) + fall * (1.0 - plateau(s))).max(
                    2e-3 + 0.5
                        * (-(s - 1400.0).max(0.0) / 150.0).exp()
                        * (s >= 1400.0) as u8 as f64,
                )
            })
            .collect();
        let grad: Vec<f64> = x
            .iter()
            .map(|&s| {
                0.3 * (1.0 - 0.995 * plateau(s)) * (-s.max(1500.0) / 1500.0).exp().max(0.02) + 1e-4
            })
            .collect();
        let lmax: Vec<f64> = x
            .iter()
            .map(|&s| 0.4 + 2.5 * (1.0 - (-s / 800.0).exp()))
            .collect();
        let lmin: Vec<f64> = x
            .iter()
            .map(|&s| -0.35 * plateau(s) + 0.01 * (s / 2000.0))
            .collect();
        curvature_track(
            &dir.join("curvature_track.png"),
            "Curvature along training (XOR, [2,2,1] sigmoid)",
            &CurvatureTrack {
                x: &x,
                x_label: "step",
                loss: &loss,
                grad_norm: &grad,
                lambda_max: &lmax,
                lambda_min: &lmin,
                visits: &[(320.0, 1380.0)],
            },
        )
        .unwrap();

        // The zero net's saddle (8 at ±2.04, 9 near 0) and a trained net's minimum.
        let minimum: Vec<f64> = (0..337)
            .map(|k| {
                if k < 6 {
                    0.3 + 1.0 * u(k)
                } else {
                    1e-3 * (u(k) - 0.1) * (1.0 + 5.0 * u(k + 400))
                }
            })
            .collect();
        let saddle: Vec<f64> = (0..25)
            .map(|k| match k {
                0..=7 => -2.04 + 0.01 * u(k),
                8..=15 => 2.04 + 0.01 * u(k),
                _ => 1e-3 * (u(k) - 0.5),
            })
            .collect();
        spectrum_pair(
            &dir.join("spectrum_pair.png"),
            "Hessian spectra: minimum against saddle",
            ("trained spirals net (minimum)", &minimum),
            ("zero net (saddle, index 0.32)", &saddle),
            40,
        )
        .unwrap();
    }
}
