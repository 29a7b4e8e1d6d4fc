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

use plotters::prelude::*;

use super::curves::{check_len, draw_bars, draw_lines, x_axis, Bins, Line, Panel};
use super::kit::{
    self, centred_note, corner_note, draw_legend, draw_no_data, finite_range, finite_runs,
    legend_entry, line_key, pad, palette, plotting_area, quiet_corner, save_png, titled,
    trace_elements, Area, Axis, Chart, DrawResult, Frame, Trace, DEFAULT_SIZE, MARKER_MAX,
    PAIR_SIZE, PALETTE,
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
    let (y0, y1) = pad(losses, log_y);
    let y = Axis::new(y0, y1, log_y, 8);
    let (x0, x1) = index_axis(finite_range(
        points.iter().filter(drawable).map(|p| p.index),
        false,
    ));
    let x = Axis::linear(x0, x1, 9);
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
            .map(|&(a, b)| (x.frac(a), y.frac(b))),
    );
    save_png(path, DEFAULT_SIZE, |root| {
        let area = titled(root, title)?;
        let chart = kit::chart(&area, &Frame::new(INDEX_LABEL, "training loss"), x, y)?;
        draw_scatter(chart, &groups, legend)
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
    let (y0, y1) = pad(histories.iter().flatten().copied().chain(tol), true);
    let (x, y) = (Axis::linear(0.0, x1, 9), Axis::new(y0, y1, true, 8));
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
            .map(|&(a, b)| (x.frac(a), y.frac(b)))
            .chain(tol.map(|t| (0.5, y.frac(t)))),
    );
    save_png(path, DEFAULT_SIZE, |root| {
        let area = titled(root, title)?;
        let frame = Frame::new("iteration", "gradient norm ‖∇L‖");
        let mut chart = kit::chart(&area, &frame, x, y)?;
        for s in &styles {
            legend_entry(
                &mut chart,
                &format!("{} ({})", s.class, s.count),
                line_key(s.color, 3),
            )?;
        }
        for (color, runs) in &lines {
            let trace = Trace {
                line: color.mix(0.75).stroke_width(1),
                ..Trace::line(*color, 1, 3)
            };
            chart.draw_series(trace_elements(runs, &trace))?;
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
            draw_no_data(&plotting_area(&chart))?;
        }
        if !styles.is_empty() || tol.is_some() {
            draw_legend(&mut chart, legend)?;
        }
        Ok(())
    })
}

/// Size of the [`curvature_track`] figure (four stacked panels).
pub use super::kit::TRACK_SIZE;

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
    // Room for the markers that short series get on every point.
    let n_finite = t.x.iter().filter(|v| v.is_finite()).count();
    let x = x_axis(t.x.iter().copied(), n_finite <= MARKER_MAX);
    let (x0, x1) = (x.lo, x.hi);
    // Visits clipped to the axis, at least a few pixels wide.
    let min_width = 0.004 * (x1 - x0);
    let visits: Vec<(f64, f64)> = t
        .visits
        .iter()
        .filter(|(a, b)| a.is_finite() && b.is_finite() && *b >= x0 && *a <= x1)
        .map(|&(a, b)| {
            let (a, b) = if b - a < min_width {
                let mid = 0.5 * (a + b);
                (mid - 0.5 * min_width, mid + 0.5 * min_width)
            } else {
                (a, b)
            };
            (a.max(x0), b.min(x1))
        })
        .collect();

    let line = |label, y, color| {
        [Line {
            label,
            x: t.x,
            y,
            color,
        }]
    };
    let loss_line = line("training loss", t.loss, palette(0));
    let grad_line = line("‖∇L‖", t.grad_norm, palette(4));
    let max_line = line("λmax", t.lambda_max, palette(0));
    let min_line = line("λmin", t.lambda_min, palette(3));
    let log_loss = matches!(
        finite_range(t.loss.iter().copied(), false),
        Some((lo, hi)) if lo > 0.0 && hi / lo >= 10.0
    );
    // λmax and λmin on axes that include 0; λmin gets its own panel, since it is often
    // orders of magnitude smaller than λmax.
    let with_zero = |v: &[f64]| pad(v.iter().copied().chain([0.0]), false);
    let panel = |lines, y_label, log_y, y_range, x_label| Panel {
        caption: None,
        x_label,
        y_label,
        lines,
        log_y,
        y_range: Some(y_range),
        legend: None,
    };
    let mut loss_panel = panel(
        &loss_line,
        "training loss",
        log_loss,
        pad(t.loss.iter().copied(), log_loss),
        "",
    );
    if !visits.is_empty() {
        // The top panel's legend names the shading, in its quietest corner.
        let y = loss_panel.y_axis();
        loss_panel.legend = Some(quiet_corner(
            finite_runs(t.x, t.loss, log_loss)
                .into_iter()
                .flatten()
                .map(|(a, b)| (x.frac(a), y.frac(b))),
        ));
    }
    let panels = [
        TrackPanel {
            band_label: !visits.is_empty(),
            zero_line: false,
            panel: loss_panel,
        },
        TrackPanel {
            panel: panel(
                &grad_line,
                "‖∇L‖",
                true,
                pad(t.grad_norm.iter().copied(), true),
                "",
            ),
            band_label: false,
            zero_line: false,
        },
        TrackPanel {
            panel: panel(&max_line, "λmax", false, with_zero(t.lambda_max), ""),
            band_label: false,
            zero_line: true,
        },
        TrackPanel {
            panel: panel(&min_line, "λmin", false, with_zero(t.lambda_min), t.x_label),
            band_label: false,
            zero_line: true,
        },
    ];
    save_png(path, TRACK_SIZE, |root| {
        let area = titled(root, title)?;
        for (sub, p) in area.split_evenly((panels.len(), 1)).iter().zip(&panels) {
            draw_track_panel(sub, p, &x, &visits)?;
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
    save_png(path, PAIR_SIZE, |root| {
        let area = titled(root, title)?;
        let (l, r) = area.split_horizontally(PAIR_SIZE.0 / 2);
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

/// A series' drawable points, split at its gaps ([`finite_runs`]).
type Runs = Vec<Vec<(f64, f64)>>;

/// The points of one class in the scatter plot.
struct Group {
    label: String,
    color: RGBColor,
    hollow: bool,
    pts: Vec<(f64, f64)>,
}

fn draw_scatter<'a, 'b: 'a>(
    mut chart: Chart<'a, 'b>,
    groups: &[Group],
    legend: SeriesLabelPosition,
) -> DrawResult {
    // Legend entries in class order; the points hollow classes first, underneath.
    for g in groups {
        let c = g.color;
        if g.hollow {
            legend_entry(&mut chart, &g.label, move |(x, y)| {
                Circle::new((x + 12, y), POINT_R, c.stroke_width(2))
            })?;
        } else {
            legend_entry(&mut chart, &g.label, move |(x, y)| {
                Circle::new((x + 12, y), POINT_R, c.filled())
            })?;
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
        draw_no_data(&plotting_area(&chart))?;
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

/// One panel of [`curvature_track`] on the shared `x` axis: the visit shading, the line
/// at 0, the panel's line and legend.
fn draw_track_panel(area: &Area, p: &TrackPanel, x: &Axis, visits: &[(f64, f64)]) -> DrawResult {
    let y = p.panel.y_axis();
    let (y0, y1) = (y.lo, y.hi);
    let mut chart = kit::chart(area, &p.panel.frame(), x.clone(), y)?;
    chart.draw_series(
        visits
            .iter()
            .map(|&(a, b)| Rectangle::new([(a, y0), (b, y1)], VISIT_BAND.filled())),
    )?;
    if p.band_label {
        legend_entry(&mut chart, VISIT_LABEL, |(x, y)| {
            Rectangle::new([(x, y - 8), (x + 24, y + 8)], VISIT_BAND.filled())
        })?;
    }
    if p.zero_line {
        chart.draw_series(LineSeries::new(
            [(x.lo, 0.0), (x.hi, 0.0)],
            ZERO_LINE.stroke_width(1),
        ))?;
    }
    draw_lines(chart, &p.panel)
}

/// One panel of [`spectrum_pair`].
fn draw_spectrum(area: &Area, caption: &str, values: &[f64], bins: usize) -> DrawResult {
    let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    let b = Bins::of(&finite, bins);
    // The axis: the bins, stretched to 0 when it is near, with a little room.
    let span = b.hi - b.lo;
    let (lo, hi) = if b.lo > 0.0 && b.lo <= 0.5 * span {
        (0.0, b.hi)
    } else if b.hi < 0.0 && -b.hi <= 0.5 * span {
        (b.lo, 0.0)
    } else {
        (b.lo, b.hi)
    };
    let (lo, hi) = (lo - 0.03 * (hi - lo), hi + 0.03 * (hi - lo));
    let y = b.count_axis(true);
    let (base, top) = (y.lo, y.hi);
    let frame = Frame::new("eigenvalue λ", "count").caption(Some(caption));
    let mut chart = kit::chart(area, &frame, Axis::linear(lo, hi, 9), y)?;
    let (negative, positive) = (palette(3), palette(0));
    draw_bars(&mut chart, &b.bars(), bins, |_, r| {
        if r <= 0.0 {
            negative
        } else {
            positive
        }
    })?;
    chart.draw_series(LineSeries::new(
        [(0.0, base), (0.0, top)],
        RGBColor(60, 60, 60).stroke_width(1),
    ))?;
    let pa = plotting_area(&chart);
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

#[cfg(test)]
#[path = "critical_tests.rs"]
mod tests;

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
