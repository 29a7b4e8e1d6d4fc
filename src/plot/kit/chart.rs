//! Charts: the house layout (margins and label areas) of line charts and of the 2-D field
//! figures, building a plotters chart on two [`Axis`] with its axes, ticks and grid drawn,
//! a twin chart with a second y axis on the right, the drawable elements of a series
//! (lines broken at gaps, markers), and the notes and frames drawn on plotting areas.

use plotters::chart::DualCoordChartContext;
use plotters::element::DynElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::axis::Axis;
use super::save::{Area, DrawError, DrawResult};
use super::style::{
    font, text, AXIS, AXIS_PX, LEGEND_BORDER, LEGEND_PX, MESH_BOLD, MESH_LIGHT, NOTE_GREY,
    SUBTITLE_PX, TEXT, TICK_PX,
};

/// A chart on two [`Axis`] (linear or log), the bitmap backend.
pub(crate) type Chart<'a, 'b> = ChartContext<'a, BitMapBackend<'b>, Cartesian2d<Axis, Axis>>;

/// A chart with a second y axis on the right ([`twin_chart`]).
pub(crate) type TwinChart<'a, 'b> =
    DualCoordChartContext<'a, BitMapBackend<'b>, Cartesian2d<Axis, Axis>, Cartesian2d<Axis, Axis>>;

// ---------------------------------------------------------------------------------------
// Layout (pixels).

/// Margin around every chart.
pub(crate) const MARGIN: u32 = 12;
/// Right margin of a line chart (room for the last x tick label).
const MARGIN_RIGHT: u32 = 28;
/// Height of the x tick labels and axis name below a chart.
pub(crate) const X_LABEL_AREA: u32 = 58;
/// Width of the y tick labels and axis name left of a line chart.
const Y_LABEL_AREA: u32 = 88;
/// Width of the tick labels and axis name right of a twin chart.
const RIGHT_LABEL_AREA: u32 = 84;

/// The 2-D field figures (decision regions, contour plot, heatmap): height of the title,
/// width of the y labels, long side of the plotting area, and width of the legend and
/// colour-bar panel at the right.
pub(crate) const TITLE_H: u32 = 44;
pub(crate) const FIELD_Y_LABEL_AREA: u32 = 80;
pub(crate) const FIELD_PLOT_PX: f64 = 580.0;
pub(crate) const FIELD_SIDE_PANEL: u32 = 215;

/// Pixel size of a field figure's plotting area for data ranges `x` by `y`: `long`
/// pixels on its long side, the other following the ranges' aspect ratio clamped to
/// 0.6..1.3 (equal scales on both axes when the aspect is moderate).
pub(crate) fn field_plot_size((x0, x1): (f64, f64), (y0, y1): (f64, f64), long: f64) -> (u32, u32) {
    let aspect = ((y1 - y0) / (x1 - x0)).clamp(0.6, 1.3);
    let aspect = if aspect.is_finite() { aspect } else { 1.0 };
    if aspect <= 1.0 {
        (long as u32, (long * aspect).round() as u32)
    } else {
        ((long / aspect).round() as u32, long as u32)
    }
}

/// The size of a field figure whose plotting area is `plot` pixels: title, margins, label
/// areas and the side panel around it.
pub(crate) fn field_figure_size(plot: (u32, u32)) -> (u32, u32) {
    (
        MARGIN + FIELD_Y_LABEL_AREA + plot.0 + MARGIN + FIELD_SIDE_PANEL,
        TITLE_H + MARGIN + plot.1 + X_LABEL_AREA + MARGIN,
    )
}

// ---------------------------------------------------------------------------------------
// Building charts.

/// Which grid lines a chart draws (bold at the ticks, light between them).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Grid {
    Both,
    /// Horizontal lines only (bar charts).
    Horizontal,
    None,
}

/// What frames a chart: an optional caption above it, the axis names and the grid.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Frame<'s> {
    pub(crate) caption: Option<&'s str>,
    pub(crate) x_label: &'s str,
    pub(crate) y_label: &'s str,
    pub(crate) grid: Grid,
}

impl<'s> Frame<'s> {
    /// A line chart's frame: no caption, full grid.
    pub(crate) fn new(x_label: &'s str, y_label: &'s str) -> Frame<'s> {
        Frame {
            caption: None,
            x_label,
            y_label,
            grid: Grid::Both,
        }
    }

    pub(crate) fn caption(self, caption: Option<&'s str>) -> Frame<'s> {
        Frame { caption, ..self }
    }

    pub(crate) fn grid(self, grid: Grid) -> Frame<'s> {
        Frame { grid, ..self }
    }
}

/// A line chart on `area` in the house layout, `x` by `y`, its axes, ticks and grid
/// drawn.
pub(crate) fn chart<'a, 'b>(
    area: &'a Area<'b>,
    frame: &Frame,
    x: Axis,
    y: Axis,
) -> Result<Chart<'a, 'b>, DrawError> {
    let mut builder = ChartBuilder::on(area);
    builder
        .margin(MARGIN)
        .margin_right(MARGIN_RIGHT)
        .x_label_area_size(X_LABEL_AREA)
        .y_label_area_size(Y_LABEL_AREA);
    if let Some(c) = frame.caption {
        builder.caption(c, font(SUBTITLE_PX));
    }
    let mut chart = builder.build_cartesian_2d(x.clone(), y.clone())?;
    draw_mesh(&mut chart, frame, &x, &y)?;
    Ok(chart)
}

/// A line chart with a second y axis on the right: `right` (the axis and its name), both
/// y axes sharing `x`. Without `right` the chart looks like [`chart`]'s and its
/// secondary coordinates are an unused `0..1`.
pub(crate) fn twin_chart<'a, 'b>(
    area: &'a Area<'b>,
    frame: &Frame,
    x: Axis,
    y: Axis,
    right: Option<(Axis, &str)>,
) -> Result<TwinChart<'a, 'b>, DrawError> {
    let mut builder = ChartBuilder::on(area);
    builder
        .margin(MARGIN)
        .margin_right(if right.is_some() { 8 } else { MARGIN_RIGHT })
        .x_label_area_size(X_LABEL_AREA)
        .y_label_area_size(Y_LABEL_AREA)
        .right_y_label_area_size(if right.is_some() { RIGHT_LABEL_AREA } else { 0 });
    if let Some(c) = frame.caption {
        builder.caption(c, font(SUBTITLE_PX));
    }
    let secondary = right
        .as_ref()
        .map_or_else(|| Axis::linear(0.0, 1.0, 1), |r| r.0.clone());
    let mut chart = builder
        .build_cartesian_2d(x.clone(), y.clone())?
        .set_secondary_coord(x.clone(), secondary);
    draw_mesh(&mut chart, frame, &x, &y)?;
    if let Some((axis, name)) = &right {
        let fmt = |v: &f64| axis.label(*v);
        chart
            .configure_secondary_axes()
            .axis_style(AXIS)
            .y_desc(*name)
            .axis_desc_style(font(AXIS_PX))
            .label_style(font(TICK_PX))
            .y_label_formatter(&fmt)
            .draw()?;
    }
    Ok(chart)
}

/// A chart for a 2-D field on `area` (decision regions, contour plot, heatmap): the
/// field layout, axes and ticks, no grid (the field fills the plotting area).
pub(crate) fn field_chart<'a, 'b>(
    area: &'a Area<'b>,
    x: Axis,
    y: Axis,
    (x_label, y_label): (&str, &str),
) -> Result<Chart<'a, 'b>, DrawError> {
    let mut chart = ChartBuilder::on(area)
        .margin(MARGIN)
        .x_label_area_size(X_LABEL_AREA)
        .y_label_area_size(FIELD_Y_LABEL_AREA)
        .build_cartesian_2d(x.clone(), y.clone())?;
    let frame = Frame::new(x_label, y_label).grid(Grid::None);
    draw_mesh(&mut chart, &frame, &x, &y)?;
    Ok(chart)
}

/// Axis lines, ticks with their labels, axis names and the grid, in the house style.
fn draw_mesh(chart: &mut Chart, frame: &Frame, x: &Axis, y: &Axis) -> DrawResult {
    let x_fmt = |v: &f64| x.label(*v);
    let y_fmt = |v: &f64| y.label(*v);
    let mut mesh = chart.configure_mesh();
    mesh.light_line_style(MESH_LIGHT)
        .bold_line_style(MESH_BOLD)
        .axis_style(AXIS)
        .x_desc(frame.x_label)
        .y_desc(frame.y_label)
        .axis_desc_style(font(AXIS_PX))
        .label_style(font(TICK_PX))
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt);
    match frame.grid {
        Grid::Both => {}
        Grid::Horizontal => {
            mesh.disable_x_mesh();
        }
        Grid::None => {
            mesh.disable_mesh();
        }
    }
    mesh.draw()?;
    Ok(())
}

/// The plotting area of `chart` in pixel coordinates (for notes, frames and rasters).
pub(crate) fn plotting_area<'b>(chart: &Chart<'_, 'b>) -> Area<'b> {
    chart.plotting_area().strip_coord_spec()
}

// ---------------------------------------------------------------------------------------
// Series.

/// Series with at most this many drawable points get a marker on every point.
pub const MARKER_MAX: usize = 30;

/// Dash and gap lengths of dashed lines, in pixels.
pub(crate) const DASH: (i32, i32) = (9, 6);

/// How a series is drawn: a line through every run of two or more points (solid or
/// dashed) and a dot of `dot.0` pixels radius on isolated points, or on every point when
/// `every_point`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Trace {
    pub(crate) line: ShapeStyle,
    pub(crate) dashed: bool,
    pub(crate) dot: (i32, ShapeStyle),
    pub(crate) every_point: bool,
}

impl Trace {
    /// A solid line of `width` pixels in `color` with dots of `radius` on isolated points.
    pub(crate) fn line(color: RGBColor, width: u32, radius: i32) -> Trace {
        Trace {
            line: color.stroke_width(width),
            dashed: false,
            dot: (radius, color.filled()),
            every_point: false,
        }
    }
}

/// The elements drawing the `runs` of a series (see [`finite_runs`](super::finite_runs))
/// with `trace`, for `draw_series` or `draw_secondary_series`.
pub(crate) fn trace_elements<DB: DrawingBackend>(
    runs: &[Vec<(f64, f64)>],
    trace: &Trace,
) -> Vec<DynElement<'static, DB, (f64, f64)>> {
    let mut out = Vec::new();
    for run in runs.iter().filter(|r| !r.is_empty()) {
        if run.len() > 1 {
            if trace.dashed {
                out.extend(
                    DashedLineSeries::new(run.clone(), DASH.0, DASH.1, trace.line)
                        .into_iter()
                        .map(|e| e.into_dyn()),
                );
            } else {
                out.push(PathElement::new(run.clone(), trace.line).into_dyn());
            }
        }
        if run.len() == 1 || trace.every_point {
            let (r, style) = trace.dot;
            out.extend(run.iter().map(|&p| Circle::new(p, r, style).into_dyn()));
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// Notes and frames on a plotting area.

/// Grey text in the middle of `area`.
pub(crate) fn centred_note(area: &Area, note: &str) -> DrawResult {
    let (w, h) = area.dim_in_pixel();
    let style = text(AXIS_PX, &NOTE_GREY, HPos::Center, VPos::Center);
    area.draw_text(note, &style, (w as i32 / 2, h as i32 / 2))?;
    Ok(())
}

/// "no finite data" in the middle of `area`: a figure with nothing to show still draws
/// its axes and says so.
pub(crate) fn draw_no_data(area: &Area) -> DrawResult {
    centred_note(area, "no finite data")
}

/// `note` in a framed white box in the upper right corner of `area`.
pub(crate) fn corner_note(area: &Area, note: &str) -> DrawResult {
    let style = text(LEGEND_PX, &TEXT, HPos::Right, VPos::Top);
    let (w, _) = area.dim_in_pixel();
    let (tw, th) = area.estimate_text_size(note, &style)?;
    let (x1, y0) = (w as i32 - 6, 6);
    let corners = [(x1 - tw as i32 - 12, y0), (x1, y0 + th as i32 + 10)];
    area.draw(&Rectangle::new(corners, WHITE.mix(0.92).filled()))?;
    area.draw(&Rectangle::new(corners, LEGEND_BORDER.stroke_width(1)))?;
    area.draw_text(note, &style, (x1 - 6, y0 + 5))?;
    Ok(())
}

/// A one-pixel frame around the whole of `area` (a chart's plotting area).
pub(crate) fn draw_frame(area: &Area) -> DrawResult {
    let (w, h) = area.dim_in_pixel();
    area.draw(&Rectangle::new(
        [(0, 0), (w as i32 - 1, h as i32 - 1)],
        AXIS.stroke_width(1),
    ))?;
    Ok(())
}
