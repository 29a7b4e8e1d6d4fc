//! Line charts, training curves, bar charts and histograms.
//!
//! Inputs are plain slices: a series is `x[i], y[i]` pairs (equal lengths), drawn as a
//! polyline broken at every non-finite point (and at every `y <= 0` on a log axis).
//! Isolated points are drawn as dots, and short series (at most [`MARKER_MAX`] points)
//! get a dot on every point so sweeps over a few values read as measurements.

use std::ops::Range;

use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{
    draw_line_mesh, draw_no_data, finite_range, finite_runs, fmt_log_tick, fmt_tick, pad_linear,
    pad_log, palette, save_png, Area, DrawResult, AXIS, AXIS_PX, DEFAULT_SIZE, FONT, LEGEND_BORDER,
    LEGEND_PX, MESH_BOLD, MESH_LIGHT, SUBTITLE_PX, TEXT, TICK_PX, TITLE_PX,
};
use crate::error::{Error, Result};
use std::path::Path;

/// Series with at most this many drawable points get a marker on every point.
pub const MARKER_MAX: usize = 30;

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
        let area = root.titled(title, (FONT, TITLE_PX).into_font().color(&TEXT))?;
        draw_panel(&area, &panel)
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
    let train_color = palette(0);
    let test_color = palette(1);
    let mut loss_lines = vec![Line {
        label: "train",
        x: c.x,
        y: c.train_loss,
        color: train_color,
    }];
    if let Some(y) = c.test_loss {
        loss_lines.push(Line {
            label: "test",
            x: c.x,
            y,
            color: test_color,
        });
    }
    let mut acc_lines = Vec::new();
    if let Some(y) = c.train_acc {
        acc_lines.push(Line {
            label: "train",
            x: c.x,
            y,
            color: train_color,
        });
    }
    if let Some(y) = c.test_acc {
        acc_lines.push(Line {
            label: "test",
            x: c.x,
            y,
            color: test_color,
        });
    }

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
    let acc_range =
        finite_range(acc_lines.iter().flat_map(|l| l.y.iter().copied()), false).map(|(lo, hi)| {
            if lo >= 0.0 && hi <= 1.0 {
                (-0.02, 1.02)
            } else if lo >= 0.0 && hi <= 100.0 {
                (-2.0, 102.0)
            } else {
                pad_linear(Some((lo, hi)))
            }
        });
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
            let area = root.titled(title, (FONT, TITLE_PX).into_font().color(&TEXT))?;
            draw_panel(&area, &loss_panel)
        })
    } else {
        save_png(path, (1500, 600), |root| {
            let area = root.titled(title, (FONT, TITLE_PX).into_font().color(&TEXT))?;
            let (left, right) = area.split_horizontally(750);
            draw_panel(&left, &loss_panel)?;
            draw_panel(&right, &acc_panel)
        })
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
        let area = root.titled(title, (FONT, TITLE_PX).into_font().color(&TEXT))?;
        let mut chart = ChartBuilder::on(&area)
            .margin(12)
            .margin_right(24)
            .x_label_area_size(45)
            .y_label_area_size(85)
            .build_cartesian_2d(-0.5..(n.max(1) as f64 - 0.5), y0..y1)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(MESH_LIGHT)
            .bold_line_style(MESH_BOLD)
            .x_max_light_lines(4)
            .y_max_light_lines(4)
            .axis_style(AXIS)
            .y_desc(y_label)
            .axis_desc_style((FONT, AXIS_PX).into_font().color(&TEXT))
            .label_style((FONT, TICK_PX).into_font().color(&TEXT))
            .x_labels(0)
            .y_label_formatter(&|v| fmt_tick(*v))
            .y_labels(8)
            .draw()?;
        // Bar names under the axis, centred on the bars (drawn on the canvas in pixels).
        let name_font = (FONT, AXIS_PX - 1)
            .into_font()
            .color(&TEXT)
            .pos(Pos::new(HPos::Center, VPos::Top));
        for (i, (name, _)) in bars.iter().enumerate() {
            let (px, py) = chart.backend_coord(&(i as f64, y0));
            root.draw_text(name, &name_font, (px, py + 10))?;
        }
        if n == 0 {
            return draw_no_data(&chart.plotting_area().strip_coord_spec());
        }
        let value_font = (FONT, LEGEND_PX).into_font().color(&TEXT);
        for (i, &(_, v)) in bars.iter().enumerate() {
            let xc = i as f64;
            if !v.is_finite() {
                let style = value_font.pos(Pos::new(HPos::Center, VPos::Bottom));
                chart.draw_series(std::iter::once(
                    EmptyElement::at((xc, 0.0)) + Text::new("n/a", (0, -4), style),
                ))?;
                continue;
            }
            let c = palette(i);
            chart.draw_series(std::iter::once(Rectangle::new(
                [(xc - 0.32, 0.0), (xc + 0.32, v)],
                c.mix(0.85).filled(),
            )))?;
            chart.draw_series(std::iter::once(Rectangle::new(
                [(xc - 0.32, 0.0), (xc + 0.32, v)],
                c.stroke_width(1),
            )))?;
            let (dy, vpos) = if v >= 0.0 {
                (-4, VPos::Bottom)
            } else {
                (4, VPos::Top)
            };
            let style = value_font.pos(Pos::new(HPos::Center, vpos));
            chart.draw_series(std::iter::once(
                EmptyElement::at((xc, v)) + Text::new(fmt_value(v), (0, dy), style),
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
    pub fn edge_of(lo: f64, hi: f64, bins: usize, k: usize) -> f64 {
        if k == bins {
            hi
        } else {
            lo + (hi - lo) / bins as f64 * k as f64
        }
    }
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
    let Bins { lo, hi, counts } = Bins::of(&finite, bins);
    let edge = |k: usize| Bins::edge_of(lo, hi, bins, k);
    let max = counts.iter().copied().max().unwrap_or(0) as f64;
    let note = if skipped > 0 {
        format!("n = {}  ({skipped} non-finite skipped)", finite.len())
    } else {
        format!("n = {}", finite.len())
    };

    save_png(path, DEFAULT_SIZE, |root| {
        let area = root.titled(title, (FONT, TITLE_PX).into_font().color(&TEXT))?;
        let bars = counts
            .iter()
            .enumerate()
            .filter(|(_, &c)| c > 0)
            .map(|(k, &c)| (edge(k), edge(k + 1), c as f64));
        let fill = palette(0).mix(0.8).filled();
        let edge_style = WHITE.stroke_width(if bins <= 80 { 1 } else { 0 });
        let pa = if log_y {
            let (_, top) = pad_log(Some((1.0, max.max(1.0))));
            let base = 0.5;
            let mut chart = axes(
                &area,
                x_label,
                "count",
                lo..hi,
                (base..top).log_scale(),
                fmt_log_tick,
            )?;
            chart.draw_series(
                bars.clone()
                    .map(|(a, b, c)| Rectangle::new([(a, base), (b, c)], fill)),
            )?;
            chart.draw_series(
                bars.map(|(a, b, c)| Rectangle::new([(a, base), (b, c)], edge_style)),
            )?;
            chart.plotting_area().strip_coord_spec()
        } else {
            let top = if max > 0.0 { max * 1.08 } else { 1.0 };
            let mut chart = axes(&area, x_label, "count", lo..hi, 0.0..top, fmt_tick)?;
            chart.draw_series(
                bars.clone()
                    .map(|(a, b, c)| Rectangle::new([(a, 0.0), (b, c)], fill)),
            )?;
            chart.draw_series(
                bars.map(|(a, b, c)| Rectangle::new([(a, 0.0), (b, c)], edge_style)),
            )?;
            chart.plotting_area().strip_coord_spec()
        };
        if finite.is_empty() {
            return draw_no_data(&pa);
        }
        let style = (FONT, LEGEND_PX)
            .into_font()
            .color(&TEXT)
            .pos(Pos::new(HPos::Right, VPos::Top));
        let (w, _) = pa.dim_in_pixel();
        let (tw, th) = pa.estimate_text_size(&note, &style)?;
        let (x1, y0) = (w as i32 - 6, 6);
        pa.draw(&Rectangle::new(
            [(x1 - tw as i32 - 12, y0), (x1, y0 + th as i32 + 10)],
            WHITE.mix(0.92).filled(),
        ))?;
        pa.draw(&Rectangle::new(
            [(x1 - tw as i32 - 12, y0), (x1, y0 + th as i32 + 10)],
            LEGEND_BORDER.stroke_width(1),
        ))?;
        pa.draw_text(&note, &style, (x1 - 6, y0 + 5))?;
        Ok(())
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

impl Line<'_> {
    /// The drawable points, split into runs at every gap.
    fn runs(&self, log_y: bool) -> Vec<Vec<(f64, f64)>> {
        finite_runs(self.x, self.y, log_y)
    }
}

/// A chart with a linear f64 x axis and a y axis of type `Y` on the bitmap backend.
pub(crate) type Chart<'a, 'b, Y> =
    ChartContext<'a, BitMapBackend<'b>, Cartesian2d<plotters::coord::types::RangedCoordf64, Y>>;

/// Build a chart with the house style on `area` and draw its mesh.
pub(crate) fn axes<'a, 'b, Y>(
    area: &'a Area<'b>,
    x_label: &str,
    y_label: &str,
    x: Range<f64>,
    y: Y,
    y_fmt: fn(f64) -> String,
) -> std::result::Result<Chart<'a, 'b, Y::CoordDescType>, Box<dyn std::error::Error>>
where
    Y: AsRangedCoord<Value = f64>,
    Y::CoordDescType: ValueFormatter<f64>,
{
    axes_with_caption(area, None, x_label, y_label, x, y, y_fmt)
}

pub(crate) fn axes_with_caption<'a, 'b, Y>(
    area: &'a Area<'b>,
    caption: Option<&str>,
    x_label: &str,
    y_label: &str,
    x: Range<f64>,
    y: Y,
    y_fmt: fn(f64) -> String,
) -> std::result::Result<Chart<'a, 'b, Y::CoordDescType>, Box<dyn std::error::Error>>
where
    Y: AsRangedCoord<Value = f64>,
    Y::CoordDescType: ValueFormatter<f64>,
{
    let mut chart = house_builder(area, caption).build_cartesian_2d(x, y)?;
    draw_line_mesh(&mut chart, x_label, y_label, y_fmt)?;
    Ok(chart)
}

/// A chart builder with the house margins and label areas, and the caption if any.
pub(super) fn house_builder<'a, 'b>(
    area: &'a Area<'b>,
    caption: Option<&str>,
) -> ChartBuilder<'a, 'b, BitMapBackend<'b>> {
    let mut builder = ChartBuilder::on(area);
    builder
        .margin(12)
        .margin_right(28)
        .x_label_area_size(58)
        .y_label_area_size(88);
    if let Some(c) = caption {
        builder.caption(c, (FONT, SUBTITLE_PX).into_font().color(&TEXT));
    }
    builder
}

fn draw_panel(area: &Area, p: &Panel) -> DrawResult {
    let all_y = p.lines.iter().flat_map(|l| l.y.iter().copied());
    let drawable_x = p.lines.iter().flat_map(|l| {
        l.x.iter()
            .zip(l.y)
            .filter(|(_, &y)| y.is_finite() && (!p.log_y || y > 0.0))
            .map(|(&x, _)| x)
    });
    // Exact data range (epochs 0..n read best), padded when markers sit on the edges.
    let markers = p.lines.iter().any(|l| {
        let n: usize = l.runs(p.log_y).iter().map(Vec::len).sum();
        n > 0 && n <= MARKER_MAX
    });
    let x_range = match finite_range(drawable_x, false) {
        Some((lo, hi)) if hi > lo && markers => (lo - 0.02 * (hi - lo), hi + 0.02 * (hi - lo)),
        Some((lo, hi)) if hi > lo => (lo, hi),
        other => pad_linear(other),
    };
    let x = x_range.0..x_range.1;
    if p.log_y {
        let (lo, hi) = p
            .y_range
            .filter(|r| r.0 > 0.0)
            .unwrap_or_else(|| pad_log(finite_range(all_y, true)));
        let chart = axes_with_caption(
            area,
            p.caption,
            p.x_label,
            p.y_label,
            x,
            (lo..hi).log_scale(),
            fmt_log_tick,
        )?;
        draw_lines(chart, p)
    } else {
        let (lo, hi) = p
            .y_range
            .unwrap_or_else(|| pad_linear(finite_range(all_y, false)));
        let chart = axes_with_caption(area, p.caption, p.x_label, p.y_label, x, lo..hi, fmt_tick)?;
        draw_lines(chart, p)
    }
}

pub(crate) fn draw_lines<'a, 'b: 'a, Y>(mut chart: Chart<'a, 'b, Y>, p: &Panel) -> DrawResult
where
    Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    let mut any = false;
    for line in p.lines {
        let style = line.color.stroke_width(2);
        let runs = line.runs(p.log_y);
        let n_points: usize = runs.iter().map(Vec::len).sum();
        any |= n_points > 0;
        // Legend entry (drawn once, with no points).
        let color = line.color;
        chart
            .draw_series(LineSeries::new(std::iter::empty(), style))?
            .label(line.label)
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 24, y)], color.stroke_width(3))
            });
        for run in &runs {
            if run.len() > 1 {
                chart.draw_series(LineSeries::new(run.iter().copied(), style))?;
            }
            if run.len() == 1 || n_points <= MARKER_MAX {
                chart.draw_series(run.iter().map(|&pt| Circle::new(pt, 4, color.filled())))?;
            }
        }
    }
    if !any {
        draw_no_data(&chart.plotting_area().strip_coord_spec())?;
    }
    if let Some(pos) = &p.legend {
        draw_legend(&mut chart, pos.clone())?;
    }
    Ok(())
}

/// The legend in the house style (any f64 axes).
pub(super) fn draw_legend<'a, 'b: 'a, X, Y>(
    chart: &mut ChartContext<'a, BitMapBackend<'b>, Cartesian2d<X, Y>>,
    pos: SeriesLabelPosition,
) -> DrawResult
where
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    chart
        .configure_series_labels()
        .position(pos)
        .margin(12)
        .legend_area_size(34)
        .background_style(WHITE.mix(0.92))
        .border_style(LEGEND_BORDER)
        .label_font((FONT, LEGEND_PX).into_font().color(&TEXT))
        .draw()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{files_in, read_png};
    use super::*;

    use super::super::testutil::written_png_of_size as check_png;

    #[test]
    fn line_chart_writes_png_and_handles_edge_cases() {
        let dir = tempfile::tempdir().unwrap();
        let x: Vec<f64> = (0..50).map(|i| i as f64).collect();
        let y1: Vec<f64> = x.iter().map(|v| (-v / 10.0).exp()).collect();
        let mut y2: Vec<f64> = x.iter().map(|v| 0.5 + 0.1 * (v / 5.0).sin()).collect();
        y2[10] = f64::NAN;
        y2[11] = f64::INFINITY;
        let nan = vec![f64::NAN; 50];
        let constant = vec![3.0; 50];
        let with_zero: Vec<f64> = x.iter().map(|v| v - 5.0).collect();
        let cases: Vec<(&str, Vec<Series>, bool)> = vec![
            (
                "two.png",
                vec![
                    Series {
                        label: "a",
                        x: &x,
                        y: &y1,
                    },
                    Series {
                        label: "b",
                        x: &x,
                        y: &y2,
                    },
                ],
                false,
            ),
            (
                "log.png",
                vec![
                    Series {
                        label: "a",
                        x: &x,
                        y: &y1,
                    },
                    Series {
                        label: "neg",
                        x: &x,
                        y: &with_zero,
                    },
                ],
                true,
            ),
            ("empty.png", vec![], false),
            (
                "empty_series.png",
                vec![Series {
                    label: "e",
                    x: &[],
                    y: &[],
                }],
                true,
            ),
            (
                "nan.png",
                vec![Series {
                    label: "nan",
                    x: &x,
                    y: &nan,
                }],
                false,
            ),
            (
                "nan_log.png",
                vec![Series {
                    label: "nan",
                    x: &x,
                    y: &nan,
                }],
                true,
            ),
            (
                "const.png",
                vec![Series {
                    label: "c",
                    x: &x,
                    y: &constant,
                }],
                false,
            ),
            (
                "const_log.png",
                vec![Series {
                    label: "c",
                    x: &x,
                    y: &constant,
                }],
                true,
            ),
            (
                "single.png",
                vec![Series {
                    label: "p",
                    x: &[2.0],
                    y: &[5.0],
                }],
                false,
            ),
            (
                "single_log.png",
                vec![Series {
                    label: "p",
                    x: &[2.0],
                    y: &[0.0],
                }],
                true,
            ),
        ];
        for (name, series, log) in cases {
            let path = dir.path().join(name);
            line_chart(&path, "Title", "epoch", "loss", &series, log).unwrap();
            check_png(&path, DEFAULT_SIZE);
        }
        // Mismatched lengths are the caller's bug, reported, not a panic.
        let err = line_chart(
            &dir.path().join("bad.png"),
            "t",
            "x",
            "y",
            &[Series {
                label: "a",
                x: &x,
                y: &y1[..3],
            }],
            false,
        );
        assert!(matches!(err, Err(Error::Invalid(_))));
        // Unwritable path.
        let bad = dir.path().join("no/such/dir/a.png");
        let err = line_chart(
            &bad,
            "t",
            "x",
            "y",
            &[Series {
                label: "a",
                x: &x,
                y: &y1,
            }],
            false,
        );
        assert!(matches!(err, Err(Error::Output { .. })));
    }

    #[test]
    fn training_curves_one_and_two_panels() {
        let dir = tempfile::tempdir().unwrap();
        let x: Vec<f64> = (1..=40).map(|i| i as f64).collect();
        let tl: Vec<f64> = x.iter().map(|v| 2.0 / v).collect();
        let vl: Vec<f64> = x.iter().map(|v| 2.2 / v + 0.02).collect();
        let ta: Vec<f64> = x.iter().map(|v| 1.0 - 0.5 / v).collect();
        let va: Vec<f64> = x.iter().map(|v| 0.95 - 0.5 / v).collect();
        let path = dir.path().join("both.png");
        let c = Curves {
            x: &x,
            x_label: "epoch",
            train_loss: &tl,
            test_loss: Some(&vl),
            train_acc: Some(&ta),
            test_acc: Some(&va),
        };
        training_curves(&path, "Training", &c).unwrap();
        check_png(&path, (1500, 600));
        let path = dir.path().join("loss.png");
        let c = Curves {
            x: &x,
            x_label: "epoch",
            train_loss: &tl,
            test_loss: None,
            train_acc: None,
            test_acc: None,
        };
        training_curves(&path, "Training", &c).unwrap();
        check_png(&path, DEFAULT_SIZE);
        // Diverged run: NaN tail, and an empty run.
        let mut div = tl.clone();
        div[20..].fill(f64::NAN);
        let c = Curves {
            x: &x,
            x_label: "epoch",
            train_loss: &div,
            test_loss: None,
            train_acc: Some(&ta),
            test_acc: None,
        };
        training_curves(&dir.path().join("div.png"), "Diverged", &c).unwrap();
        let c = Curves {
            x: &[],
            x_label: "epoch",
            train_loss: &[],
            test_loss: None,
            train_acc: Some(&[]),
            test_acc: None,
        };
        training_curves(&dir.path().join("none.png"), "Nothing", &c).unwrap();
        let c = Curves {
            x: &x,
            x_label: "epoch",
            train_loss: &tl[..5],
            test_loss: None,
            train_acc: None,
            test_acc: None,
        };
        assert!(matches!(
            training_curves(&dir.path().join("bad.png"), "t", &c),
            Err(Error::Invalid(_))
        ));
        let c = Curves {
            x: &x,
            x_label: "epoch",
            train_loss: &tl,
            test_loss: None,
            train_acc: None,
            test_acc: None,
        };
        assert!(matches!(
            training_curves(&dir.path().join("x/y.png"), "t", &c),
            Err(Error::Output { .. })
        ));
        assert!(files_in(dir.path()).iter().all(|f| !f.contains(".tmp")));
    }

    #[test]
    fn bar_chart_and_histogram() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bars.png");
        bar_chart(
            &path,
            "Seeds",
            "seeds",
            &[("solved", 7.0), ("stalled", 3.0)],
        )
        .unwrap();
        check_png(&path, DEFAULT_SIZE);
        // The first bar's fill (palette 0, blue-ish) is below its value label, mid-height.
        let png = read_png(&path);
        let blue = (0..png.height).any(|y| {
            let (r, _, b) = png.pixel(png.width * 3 / 10, y);
            b > 150 && r < 100
        });
        assert!(blue, "no blue bar found");
        for (name, bars) in [
            ("empty.png", vec![]),
            ("zeros.png", vec![("a", 0.0), ("b", 0.0)]),
            ("neg.png", vec![("a", -2.0), ("b", 1.5), ("c", f64::NAN)]),
        ] {
            let p = dir.path().join(name);
            bar_chart(&p, "Bars", "value", &bars).unwrap();
            check_png(&p, DEFAULT_SIZE);
        }
        assert!(matches!(
            bar_chart(&dir.path().join("x/y.png"), "t", "y", &[("a", 1.0)]),
            Err(Error::Output { .. })
        ));

        let values: Vec<f64> = (0..1000)
            .map(|i| ((i as f64) * 0.7).sin() * (i % 7) as f64)
            .collect();
        for (name, vals, log) in [
            ("h.png", values.clone(), false),
            ("hlog.png", values.clone(), true),
            ("hempty.png", vec![], false),
            ("hnan.png", vec![f64::NAN, f64::INFINITY], true),
            ("hconst.png", vec![2.0; 10], false),
            ("hone.png", vec![1.0], true),
        ] {
            let p = dir.path().join(name);
            histogram(&p, "Histogram", "value", &vals, 30, log).unwrap();
            check_png(&p, DEFAULT_SIZE);
        }
        assert!(matches!(
            histogram(&dir.path().join("b.png"), "t", "x", &values, 0, false),
            Err(Error::Invalid(_))
        ));
        assert!(matches!(
            histogram(&dir.path().join("x/y.png"), "t", "x", &values, 10, false),
            Err(Error::Output { .. })
        ));
    }
}
