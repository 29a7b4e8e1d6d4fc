//! Loss-landscape slice figures, after Li et al. 2018 ("Visualizing the Loss Landscape of
//! Neural Nets") and the `plot_2D` / `plot_1D` / `plot_surface` scripts of
//! tomgoldstein/loss-landscape.
//!
//! A 2-D slice is a [`Surface`]: values `z[j * nx + i]` at the grid points `(x[i], y[j])`,
//! with `x` and `y` finite and strictly increasing (the grid may be non-uniform). Cells
//! whose value is NaN or infinite (a diverged evaluation) are masked: drawn light grey,
//! never contoured, never part of the 3-D mesh. With [`SurfaceStyle::log`] the colours and
//! levels follow `log10(z)` and non-positive values are masked too.
//!
//! - [`contour_plot`]: contour lines coloured by level (viridis), some levels labelled
//!   inline along their line (matplotlib's `contour` + `clabel`), the grid minimum marked
//!   with a star, optionally a projected optimisation path ([`Overlay`]).
//! - [`heatmap`]: the field drawn per pixel by bilinear interpolation of the grid (a pixel
//!   whose nearest grid point is masked is grey), with a colour bar. `diverging` switches
//!   to a blue-white-red map centred on zero when the data straddle it.
//! - [`surface_3d`]: a 3-D surface on plotters' 3-D chart; one facet per grid cell
//!   coloured by the cell's mean value, drawn back to front (painter's order by projected
//!   depth), cells touching a masked value left out.
//! - [`slice_1d`]: loss on the left axis and accuracy (0..1) on a twin right axis against
//!   the slice coordinate, one colour per curve.
//!
//! Contour lines come from the `contour` crate (marching squares, d3-contour's port). It
//! works in a padded cell space; this module keeps only segments lying in grid cells whose
//! four corners are finite, and places each segment end on its cell edge by linear
//! interpolation of the two corner values.

use std::path::Path;

use contour::ContourBuilder;
use plotters::coord::ranged1d::{AsRangedCoord, DefaultFormatting, KeyPointHint, ValueFormatter};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::CoordTranslate;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::FontTransform;

use super::{
    draw_no_data, finite_range, fmt_log_tick, fmt_tick, pad_linear, pad_log, palette, save_png,
    Area, DrawResult, AXIS, AXIS_PX, FONT, LEGEND_BORDER, LEGEND_PX, MESH_BOLD, MESH_LIGHT, TEXT,
    TICK_PX, TITLE_PX,
};
use crate::error::{Error, Result};

/// A 2-D grid of values: `z[j * nx + i]` is the value at `(x[i], y[j])`; NaN/inf cells
/// are masked. `x` and `y` are finite and strictly increasing, with at least 2 points each.
#[derive(Debug, Clone, Copy)]
pub struct Surface<'a> {
    pub x: &'a [f64],
    pub y: &'a [f64],
    pub z: &'a [f64],
}

/// Options shared by the 2-D figures.
#[derive(Debug, Clone, PartialEq)]
pub struct SurfaceStyle {
    /// log10 colour scale and levels; non-positive cells are masked.
    pub log: bool,
    /// Target number of contour levels (round values; at most `levels + 1` are drawn).
    pub levels: usize,
    /// Colour and level range; each defaults to the finite data's extreme. Values outside
    /// take the end colours.
    pub vmin: Option<f64>,
    pub vmax: Option<f64>,
    pub x_label: String,
    pub y_label: String,
    /// Name of the value, e.g. "train loss" (colour bar and 3-D vertical axis).
    pub z_label: String,
    /// Blue-white-red map instead of viridis; centred on 0 when the data straddle it and
    /// neither `vmin` nor `vmax` is given. For signed quantities and ratios.
    pub diverging: bool,
}

impl Default for SurfaceStyle {
    fn default() -> Self {
        SurfaceStyle {
            log: false,
            levels: 20,
            vmin: None,
            vmax: None,
            x_label: "α".into(),
            y_label: "β".into(),
            z_label: "loss".into(),
            diverging: false,
        }
    }
}

/// A projected optimisation path drawn over a 2-D figure: points in `(x, y)` coordinates,
/// a line with dots, the first point marked "start" and the last "end". Non-finite points
/// break the line; parts outside the grid's range are clipped.
#[derive(Debug, Clone, Copy)]
pub struct Overlay<'a> {
    pub points: &'a [(f64, f64)],
    pub label: &'a str,
}

/// A 1-D slice: every curve's `loss` (and `accuracy`, when given) has the length of `x`.
#[derive(Debug, Clone, Copy)]
pub struct Slice1d<'a> {
    pub x: &'a [f64],
    pub curves: &'a [Curve1d<'a>],
    pub x_label: &'a str,
    /// Log scale for the loss axis (non-positive losses are gaps).
    pub log: bool,
}

/// One curve of a [`Slice1d`]: loss solid in the curve's colour, accuracy in a lighter
/// shade of it on the right axis; `dashed` dashes both (e.g. test curves).
#[derive(Debug, Clone, Copy)]
pub struct Curve1d<'a> {
    pub label: &'a str,
    pub loss: &'a [f64],
    pub accuracy: Option<&'a [f64]>,
    pub dashed: bool,
}

// ---------------------------------------------------------------------------------------
// Layout of the 2-D figures (pixels).

/// Long side of the plotting area; the other follows the ranges' aspect, within limits.
const PLOT_PX: f64 = 580.0;
const RIGHT_PANEL: u32 = 215;
const MARGIN: u32 = 12;
const X_LABEL_AREA: u32 = 58;
const Y_LABEL_AREA: u32 = 80;

/// Masked cells.
const MASKED: RGBColor = RGBColor(205, 205, 205);
/// The minimum's star and the overlay path.
const STAR: RGBColor = RGBColor(255, 196, 0);
const STAR_EDGE: RGBColor = RGBColor(20, 20, 20);
const PATH: RGBColor = RGBColor(220, 30, 40);

/// Contour label font size.
const LABEL_PX: u32 = 14;

// ---------------------------------------------------------------------------------------
// Colour maps.

/// matplotlib's viridis at 9 evenly spaced stops (R's `viridis(9)`).
const VIRIDIS: [RGBColor; 9] = [
    RGBColor(0x44, 0x01, 0x54),
    RGBColor(0x47, 0x2D, 0x7B),
    RGBColor(0x3B, 0x52, 0x8B),
    RGBColor(0x2C, 0x72, 0x8E),
    RGBColor(0x21, 0x90, 0x8C),
    RGBColor(0x27, 0xAD, 0x81),
    RGBColor(0x5D, 0xC8, 0x63),
    RGBColor(0xAA, 0xDC, 0x32),
    RGBColor(0xFD, 0xE7, 0x25),
];

/// ColorBrewer RdBu (11 classes), reversed: blue for low, red for high.
const RDBU_R: [RGBColor; 11] = [
    RGBColor(0x05, 0x30, 0x61),
    RGBColor(0x21, 0x66, 0xAC),
    RGBColor(0x43, 0x93, 0xC3),
    RGBColor(0x92, 0xC5, 0xDE),
    RGBColor(0xD1, 0xE5, 0xF0),
    RGBColor(0xF7, 0xF7, 0xF7),
    RGBColor(0xFD, 0xDB, 0xC7),
    RGBColor(0xF4, 0xA5, 0x82),
    RGBColor(0xD6, 0x60, 0x4D),
    RGBColor(0xB2, 0x18, 0x2B),
    RGBColor(0x67, 0x00, 0x1F),
];

fn lerp(a: RGBColor, b: RGBColor, t: f64) -> RGBColor {
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let ch = |a: u8, b: u8| (a as f64 + t * (b as f64 - a as f64)).round() as u8;
    RGBColor(ch(a.0, b.0), ch(a.1, b.1), ch(a.2, b.2))
}

/// Piecewise-linear colour map through evenly spaced `stops`, `t` in `[0, 1]`.
fn sample_map(stops: &[RGBColor], t: f64) -> RGBColor {
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let g = t * (stops.len() - 1) as f64;
    let k = (g.floor() as usize).min(stops.len() - 2);
    lerp(stops[k], stops[k + 1], g - k as f64)
}

/// The value-to-colour mapping of one figure, in transformed units (log10 when `log`).
#[derive(Debug, Clone, Copy)]
struct Scale {
    lo: f64,
    hi: f64,
    log: bool,
    diverging: bool,
}

impl Scale {
    fn frac(&self, t: f64) -> f64 {
        ((t - self.lo) / (self.hi - self.lo)).clamp(0.0, 1.0)
    }

    /// Fill colour (heatmap, 3-D facets, colour bar).
    fn fill(&self, t: f64) -> RGBColor {
        let f = self.frac(t);
        if self.diverging {
            sample_map(&RDBU_R, f)
        } else {
            sample_map(&VIRIDIS, f)
        }
    }

    /// Line colour on a white background: viridis stops short of its palest yellow and
    /// the diverging map's white centre is darkened.
    fn line(&self, t: f64) -> RGBColor {
        let f = self.frac(t);
        if self.diverging {
            lerp(sample_map(&RDBU_R, f), RGBColor(40, 40, 40), 0.3)
        } else {
            sample_map(&VIRIDIS, 0.9 * f)
        }
    }

    /// Value shown for transformed value `t`.
    fn value(&self, t: f64) -> f64 {
        if self.log {
            10f64.powf(t)
        } else {
            t
        }
    }
}

/// The transformed value of a cell (`NaN` when masked), kept far from `f64::MAX` so that
/// differences stay finite.
fn transform(v: f64, log: bool) -> f64 {
    if !v.is_finite() || (log && v <= 0.0) {
        f64::NAN
    } else if log {
        v.log10()
    } else {
        v.clamp(-1e300, 1e300)
    }
}

// ---------------------------------------------------------------------------------------
// The validated grid.

struct Grid<'a> {
    x: &'a [f64],
    y: &'a [f64],
    nx: usize,
    ny: usize,
    /// Transformed values, NaN where masked.
    t: Vec<f64>,
    scale: Scale,
    /// Index of the smallest finite value.
    argmin: Option<usize>,
    n_masked: usize,
}

impl Grid<'_> {
    fn at(&self, i: usize, j: usize) -> f64 {
        self.t[j * self.nx + i]
    }

    fn x_range(&self) -> (f64, f64) {
        (self.x[0], self.x[self.nx - 1])
    }

    fn y_range(&self) -> (f64, f64) {
        (self.y[0], self.y[self.ny - 1])
    }

    /// The interpolated transformed value at `(xv, yv)`; `None` when the nearest grid
    /// point is masked. Finite corners are weighted bilinearly (weights renormalised).
    fn sample(&self, (i, fx): (usize, f64), (j, fy): (usize, f64)) -> Option<f64> {
        let ni = if fx < 0.5 { i } else { i + 1 };
        let nj = if fy < 0.5 { j } else { j + 1 };
        let nearest = self.at(ni, nj);
        if !nearest.is_finite() {
            return None;
        }
        let (mut sum, mut wsum) = (0.0, 0.0);
        for (ii, wx) in [(i, 1.0 - fx), (i + 1, fx)] {
            for (jj, wy) in [(j, 1.0 - fy), (j + 1, fy)] {
                let v = self.at(ii, jj);
                let w = wx * wy;
                if v.is_finite() && w > 0.0 {
                    sum += w * v;
                    wsum += w;
                }
            }
        }
        Some(if wsum > 0.0 { sum / wsum } else { nearest })
    }
}

/// The grid cell `(i, f)` holding `v` along a strictly increasing axis: `axis[i] <= v <=
/// axis[i + 1]` with `f` the fraction (clamped to the axis ends).
fn locate(axis: &[f64], v: f64) -> (usize, f64) {
    let n = axis.len();
    let k = axis.partition_point(|&a| a <= v);
    let i = k.saturating_sub(1).min(n - 2);
    let f = ((v - axis[i]) / (axis[i + 1] - axis[i])).clamp(0.0, 1.0);
    (i, if f.is_finite() { f } else { 0.0 })
}

fn check_axis(what: &str, name: &str, a: &[f64]) -> Result<()> {
    if let Some(k) = a.iter().position(|v| !v.is_finite()) {
        return Err(Error::Invalid(format!(
            "{what}: {name}[{k}] = {} is not finite",
            a[k]
        )));
    }
    if let Some(k) = a.windows(2).position(|w| w[1] <= w[0]) {
        return Err(Error::Invalid(format!(
            "{what}: {name} must be strictly increasing, but {name}[{}] = {} follows {}",
            k + 1,
            a[k + 1],
            a[k]
        )));
    }
    Ok(())
}

fn prepare<'a>(what: &str, s: &Surface<'a>, style: &SurfaceStyle) -> Result<Grid<'a>> {
    let bad = |msg: String| Err(Error::Invalid(format!("{what}: {msg}")));
    let (nx, ny) = (s.x.len(), s.y.len());
    if nx < 2 || ny < 2 {
        return bad(format!(
            "the grid needs at least 2 x 2 points, got {nx} x {ny}"
        ));
    }
    if nx.checked_mul(ny) != Some(s.z.len()) {
        return bad(format!(
            "{} values for a {nx} x {ny} grid (z[j * nx + i] is the value at (x[i], y[j]))",
            s.z.len()
        ));
    }
    check_axis(what, "x", s.x)?;
    check_axis(what, "y", s.y)?;
    for (name, v) in [("vmin", style.vmin), ("vmax", style.vmax)] {
        match v {
            Some(v) if !v.is_finite() => return bad(format!("{name} = {v} is not finite")),
            Some(v) if style.log && v <= 0.0 => {
                return bad(format!("{name} = {v} must be positive on a log scale"))
            }
            _ => {}
        }
    }
    if let (Some(a), Some(b)) = (style.vmin, style.vmax) {
        if a >= b {
            return bad(format!("vmin = {a} must be below vmax = {b}"));
        }
    }
    let t: Vec<f64> = s.z.iter().map(|&v| transform(v, style.log)).collect();
    let argmin = t
        .iter()
        .enumerate()
        .filter(|(_, v)| v.is_finite())
        .fold(None, |best: Option<(usize, f64)>, (k, &v)| match best {
            Some((_, b)) if b <= v => best,
            _ => Some((k, v)),
        })
        .map(|(k, _)| k);
    let n_masked = t.iter().filter(|v| !v.is_finite()).count();
    let (lo, hi) = color_range(
        finite_range(t.iter().copied(), false),
        style.vmin.map(|v| transform(v, style.log)),
        style.vmax.map(|v| transform(v, style.log)),
        style.log,
        style.diverging,
    );
    Ok(Grid {
        x: s.x,
        y: s.y,
        nx,
        ny,
        t,
        scale: Scale {
            lo,
            hi,
            log: style.log,
            diverging: style.diverging,
        },
        argmin,
        n_masked,
    })
}

/// The colour range `lo < hi` in transformed units: the given limits, else the data's;
/// a degenerate range is widened (a decade on a log scale, ±10 % or ±0.5 otherwise).
fn color_range(
    data: Option<(f64, f64)>,
    vmin: Option<f64>,
    vmax: Option<f64>,
    log: bool,
    diverging: bool,
) -> (f64, f64) {
    let (dlo, dhi) = data.unwrap_or((0.0, 1.0));
    let (mut lo, mut hi) = (vmin.unwrap_or(dlo), vmax.unwrap_or(dhi));
    if diverging && !log && vmin.is_none() && vmax.is_none() && lo < 0.0 && hi > 0.0 {
        let m = lo.abs().max(hi.abs());
        (lo, hi) = (-m, m);
    }
    let scale = lo.abs().max(hi.abs());
    if hi - lo <= 1e-12 * scale {
        let w = if log {
            1.0
        } else if scale > 0.0 {
            0.2 * scale
        } else {
            1.0
        };
        match (vmin.is_some(), vmax.is_some()) {
            (true, false) => hi = lo + w,
            (false, true) => lo = hi - w,
            _ => {
                let mid = 0.5 * (lo + hi);
                (lo, hi) = (mid - 0.5 * w, mid + 0.5 * w);
            }
        }
    }
    (lo, hi)
}

// ---------------------------------------------------------------------------------------
// Round numbers for levels and ticks.

/// The smallest of 1, 2, 2.5, 5 times a power of ten that is at least `raw`.
fn nice_step(raw: f64) -> f64 {
    if !(raw > 0.0 && raw.is_finite()) {
        return 1.0;
    }
    let p = 10f64.powf(raw.log10().floor());
    let m = raw / p;
    let n = [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .find(|&n| m <= n * (1.0 + 1e-9))
        .unwrap_or(10.0);
    n * p
}

/// Multiples of `step` in `[lo, hi]` (at most 1000).
fn multiples(lo: f64, hi: f64, step: f64) -> Vec<f64> {
    if !(step > 0.0 && lo.is_finite() && hi.is_finite()) || (hi - lo) / step > 1000.0 {
        return Vec::new();
    }
    let k0 = (lo / step - 1e-9).ceil() as i64;
    let k1 = (hi / step + 1e-9).floor() as i64;
    (k0..=k1).map(|k| k as f64 * step).collect()
}

/// Decimals needed to print multiples of `step` exactly.
fn step_decimals(step: f64) -> usize {
    (0..=9)
        .find(|&d| {
            let s = step * 10f64.powi(d as i32);
            (s - s.round()).abs() < 1e-6 * s.max(1.0)
        })
        .unwrap_or(9)
}

/// A multiple of `step` printed with the decimals the step needs (scientific for very
/// large or small magnitudes).
fn fmt_stepped(v: f64, step: f64) -> String {
    let v = if v.abs() < 1e-9 * step { 0.0 } else { v };
    if (v != 0.0 && (v.abs() >= 1e5 || v.abs() < 1e-3)) || !(1e-5..1e5).contains(&step) {
        return fmt_tick(v);
    }
    let d = step_decimals(step);
    format!("{v:.d$}")
}

/// A value `t` (transformed units) with the text printed for it.
#[derive(Debug, Clone)]
struct Mark {
    t: f64,
    label: String,
}

/// About `target` round values between `lo` and `hi` (transformed units). Linear scale:
/// multiples of a nice step. Log scale: decades, or 1-2-5 style mantissas per decade, or
/// within less than a decade evenly spaced round values.
fn round_marks(scale: &Scale, target: usize) -> Vec<Mark> {
    let (lo, hi) = (scale.lo, scale.hi);
    let target = target.max(1);
    if !scale.log {
        let step = nice_step((hi - lo) / target as f64);
        return multiples(lo, hi, step)
            .into_iter()
            .map(|t| Mark {
                t,
                label: fmt_stepped(t, step),
            })
            .collect();
    }
    let decades = hi - lo;
    let log_mark = |e: f64| Mark {
        t: e,
        label: fmt_log_tick(10f64.powf(e)),
    };
    if decades >= target as f64 {
        let step = nice_step(decades / target as f64).max(1.0).round();
        return multiples(lo, hi, step).into_iter().map(log_mark).collect();
    }
    // Mantissa sets from densest to sparsest; take the densest that is not too dense.
    const SETS: [&[f64]; 5] = [
        &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0],
        &[1.0, 2.0, 3.0, 5.0, 7.0],
        &[1.0, 2.0, 5.0],
        &[1.0, 3.0],
        &[1.0],
    ];
    let with_set = |set: &[f64]| -> Vec<Mark> {
        let mut out = Vec::new();
        let (e0, e1) = (lo.floor() as i64, hi.ceil() as i64);
        for e in e0..=e1 {
            for &m in set {
                let t = m.log10() + e as f64;
                if t >= lo - 1e-9 && t <= hi + 1e-9 {
                    let v = m * 10f64.powi(e as i32);
                    out.push(Mark {
                        t,
                        label: fmt_tick(v),
                    });
                }
            }
        }
        out
    };
    let dense = with_set(SETS[0]);
    if dense.len() < 3.min(target + 1) || dense.len() < target / 3 {
        // Less than a decade: round values evenly spaced in value.
        let (vlo, vhi) = (10f64.powf(lo), 10f64.powf(hi));
        let step = nice_step((vhi - vlo) / target as f64);
        return multiples(vlo, vhi, step)
            .into_iter()
            .filter(|&v| v > 0.0)
            .map(|v| Mark {
                t: v.log10(),
                label: fmt_stepped(v, step),
            })
            .collect();
    }
    SETS.iter()
        .map(|set| with_set(set))
        .find(|m| m.len() <= target + 1)
        .unwrap_or_else(|| with_set(SETS[4]))
}

// ---------------------------------------------------------------------------------------
// Contour lines.

/// One piece of a contour line in data coordinates.
struct Polyline {
    level: usize,
    points: Vec<(f64, f64)>,
}

/// Contour lines of `g` at `levels`, split wherever they enter a cell with a masked
/// corner or leave the grid.
fn contour_lines(g: &Grid, levels: &[Mark]) -> std::result::Result<Vec<Polyline>, String> {
    if levels.is_empty() || g.argmin.is_none() {
        return Ok(Vec::new());
    }
    // Masked cells count as "above" every level; the segments next to them are dropped.
    let filled: Vec<f64> =
        g.t.iter()
            .map(|&v| if v.is_finite() { v } else { f64::INFINITY })
            .collect();
    let thresholds: Vec<f64> = levels.iter().map(|m| m.t).collect();
    let lines = ContourBuilder::new(g.nx, g.ny, false)
        .lines(&filled, &thresholds)
        .map_err(|e| format!("contour lines: {e}"))?;
    let mut out = Vec::new();
    for (level, line) in lines.iter().enumerate() {
        let th = thresholds[level];
        for ring in line.geometry().0.iter() {
            let pts: Vec<(f64, f64)> = ring.0.iter().map(|c| (c.x - 0.5, c.y - 0.5)).collect();
            ring_to_polylines(g, th, level, &pts, &mut out);
        }
    }
    Ok(out)
}

/// The grid cell of a marching-squares segment (both ends on that cell's edges, in index
/// coordinates), if it lies inside the grid with four finite corners.
fn segment_cell(g: &Grid, a: (f64, f64), b: (f64, f64)) -> Option<(usize, usize)> {
    let (mx, my) = (0.5 * (a.0 + b.0), 0.5 * (a.1 + b.1));
    let (ci, cj) = (mx.floor(), my.floor());
    if ci < 0.0 || cj < 0.0 || ci >= (g.nx - 1) as f64 || cj >= (g.ny - 1) as f64 {
        return None;
    }
    let (i, j) = (ci as usize, cj as usize);
    let ok = [(i, j), (i + 1, j), (i, j + 1), (i + 1, j + 1)]
        .iter()
        .all(|&(a, b)| g.at(a, b).is_finite());
    ok.then_some((i, j))
}

/// A segment end in index coordinates (the midpoint of a cell edge) moved to where the
/// level crosses that edge, in data coordinates.
fn edge_point(g: &Grid, th: f64, (u, v): (f64, f64)) -> (f64, f64) {
    let cross = |a: f64, b: f64| {
        let t = (th - a) / (b - a);
        if t.is_finite() {
            t.clamp(0.0, 1.0)
        } else {
            0.5
        }
    };
    let on_x_edge = (u - u.round()).abs() > 0.25;
    if on_x_edge {
        // Between (i, j) and (i + 1, j).
        let i = (u.floor().max(0.0) as usize).min(g.nx - 2);
        let j = (v.round().max(0.0) as usize).min(g.ny - 1);
        let t = cross(g.at(i, j), g.at(i + 1, j));
        (g.x[i] + t * (g.x[i + 1] - g.x[i]), g.y[j])
    } else {
        let i = (u.round().max(0.0) as usize).min(g.nx - 1);
        let j = (v.floor().max(0.0) as usize).min(g.ny - 2);
        let t = cross(g.at(i, j), g.at(i, j + 1));
        (g.x[i], g.y[j] + t * (g.y[j + 1] - g.y[j]))
    }
}

fn ring_to_polylines(g: &Grid, th: f64, level: usize, pts: &[(f64, f64)], out: &mut Vec<Polyline>) {
    if pts.len() < 2 {
        return;
    }
    let closed = pts[0] == pts[pts.len() - 1];
    let first_out = out.len();
    let mut cur: Vec<(f64, f64)> = Vec::new();
    let mut dropped = false;
    let mut first_kept = false;
    for (k, w) in pts.windows(2).enumerate() {
        if segment_cell(g, w[0], w[1]).is_some() {
            if cur.is_empty() {
                cur.push(edge_point(g, th, w[0]));
                first_kept |= k == 0;
            }
            cur.push(edge_point(g, th, w[1]));
        } else {
            dropped = true;
            if cur.len() >= 2 {
                out.push(Polyline {
                    level,
                    points: std::mem::take(&mut cur),
                });
            }
            cur.clear();
        }
    }
    if cur.len() >= 2 {
        // A closed ring cut somewhere: its last piece continues into its first.
        if closed && dropped && first_kept && out.len() > first_out {
            let head = std::mem::take(&mut out[first_out].points);
            cur.extend(head.into_iter().skip(1));
            out[first_out].points = cur;
        } else {
            out.push(Polyline { level, points: cur });
        }
    }
}

// ---------------------------------------------------------------------------------------
// Pixel-space geometry for labels, clipping and overlays.

type Pt = (f64, f64);

/// An axis-aligned box `(x0, y0, x1, y1)` in pixels.
#[derive(Debug, Clone, Copy)]
struct Rect(f64, f64, f64, f64);

impl Rect {
    fn overlaps(&self, o: &Rect) -> bool {
        self.0 < o.2 && o.0 < self.2 && self.1 < o.3 && o.1 < self.3
    }

    fn contains(&self, o: &Rect) -> bool {
        o.0 >= self.0 && o.2 <= self.2 && o.1 >= self.1 && o.3 <= self.3
    }

    fn grow(&self, d: f64) -> Rect {
        Rect(self.0 - d, self.1 - d, self.2 + d, self.3 + d)
    }
}

/// Liang–Barsky: the parameter interval `[t0, t1]` of segment `a + t (b - a)` inside `r`.
fn clip_segment(a: Pt, b: Pt, r: &Rect) -> Option<(f64, f64)> {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let (mut t0, mut t1) = (0.0f64, 1.0f64);
    for (p, q) in [
        (-dx, a.0 - r.0),
        (dx, r.2 - a.0),
        (-dy, a.1 - r.1),
        (dy, r.3 - a.1),
    ] {
        if p == 0.0 {
            if q < 0.0 {
                return None;
            }
        } else {
            let t = q / p;
            if p < 0.0 {
                t0 = t0.max(t);
            } else {
                t1 = t1.min(t);
            }
        }
    }
    (t0 <= t1).then_some((t0, t1))
}

fn at(a: Pt, b: Pt, t: f64) -> Pt {
    (a.0 + t * (b.0 - a.0), a.1 + t * (b.1 - a.1))
}

/// The parts of a polyline outside every box in `holes`.
fn cut_out(points: &[Pt], holes: &[Rect]) -> Vec<Vec<Pt>> {
    let mut pieces: Vec<Vec<Pt>> = vec![points.to_vec()];
    for hole in holes {
        let mut next = Vec::new();
        for piece in pieces {
            let mut cur: Vec<Pt> = Vec::new();
            for w in piece.windows(2) {
                let (a, b) = (w[0], w[1]);
                match clip_segment(a, b, hole) {
                    None => {
                        if cur.is_empty() {
                            cur.push(a);
                        }
                        cur.push(b);
                    }
                    Some((t0, t1)) => {
                        if t0 > 0.0 {
                            if cur.is_empty() {
                                cur.push(a);
                            }
                            cur.push(at(a, b, t0));
                        }
                        if cur.len() >= 2 {
                            next.push(std::mem::take(&mut cur));
                        }
                        cur.clear();
                        if t1 < 1.0 {
                            cur.push(at(a, b, t1));
                            cur.push(b);
                        }
                    }
                }
            }
            if cur.len() >= 2 {
                next.push(cur);
            }
        }
        pieces = next;
    }
    pieces
}

fn polyline_length(p: &[Pt]) -> f64 {
    p.windows(2)
        .map(|w| (w[1].0 - w[0].0).hypot(w[1].1 - w[0].1))
        .sum()
}

/// The point at arc length `s` along `p`.
fn point_at(p: &[Pt], s: f64) -> Pt {
    let mut left = s.max(0.0);
    for w in p.windows(2) {
        let l = (w[1].0 - w[0].0).hypot(w[1].1 - w[0].1);
        if left <= l && l > 0.0 {
            return at(w[0], w[1], left / l);
        }
        left -= l;
    }
    p[p.len() - 1]
}

fn bbox(p: &[Pt]) -> Rect {
    p.iter().fold(
        Rect(
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        ),
        |r, &(x, y)| Rect(r.0.min(x), r.1.min(y), r.2.max(x), r.3.max(y)),
    )
}

fn hits(p: &[Pt], bb: &Rect, r: &Rect) -> bool {
    bb.overlaps(r) && p.windows(2).any(|w| clip_segment(w[0], w[1], r).is_some())
}

/// A contour label chosen for a line: where its text goes.
struct Label {
    line: usize,
    center: Pt,
    rect: Rect,
}

/// Inline labels: for every labelled level, up to three of its longest pieces get their
/// value written on them, where the line runs fairly straight over the label's width, the
/// label stays inside `area` and no other line, label or `blocked` box is under it.
fn place_labels(
    lines: &[Vec<Pt>],
    levels: &[usize],
    labelled: &[bool],
    sizes: &[(f64, f64)],
    area: Rect,
    blocked: &[Rect],
) -> Vec<Label> {
    let boxes: Vec<Rect> = lines.iter().map(|p| bbox(p)).collect();
    let mut placed: Vec<Label> = Vec::new();
    let n_levels = sizes.len();
    for lv in 0..n_levels {
        if !labelled[lv] {
            continue;
        }
        let (w, h) = sizes[lv];
        let mut mine: Vec<(usize, f64)> = lines
            .iter()
            .enumerate()
            .filter(|(k, _)| levels[*k] == lv)
            .map(|(k, p)| (k, polyline_length(p)))
            .filter(|&(_, len)| len >= 2.5 * w + 20.0)
            .collect();
        mine.sort_by(|a, b| b.1.total_cmp(&a.1));
        let mut count = 0;
        for (k, len) in mine {
            if count >= 3 {
                break;
            }
            let p = &lines[k];
            for f in [0.5, 0.35, 0.65, 0.2, 0.8, 0.1, 0.9] {
                let s = f * len;
                if s < 0.6 * w || len - s < 0.6 * w {
                    continue;
                }
                let c = point_at(p, s);
                let (a, b) = (point_at(p, s - 0.5 * w), point_at(p, s + 0.5 * w));
                if (b.0 - a.0).hypot(b.1 - a.1) < 0.75 * w {
                    continue; // Too curved here.
                }
                let rect = Rect(c.0 - 0.5 * w, c.1 - 0.5 * h, c.0 + 0.5 * w, c.1 + 0.5 * h);
                if !area.contains(&rect.grow(2.0)) {
                    continue;
                }
                let room = rect.grow(4.0);
                if placed.iter().any(|l| l.rect.grow(6.0).overlaps(&room))
                    || blocked.iter().any(|b| b.overlaps(&room))
                    || lines
                        .iter()
                        .enumerate()
                        .any(|(o, q)| o != k && hits(q, &boxes[o], &rect.grow(1.0)))
                {
                    continue;
                }
                placed.push(Label {
                    line: k,
                    center: c,
                    rect,
                });
                count += 1;
                break;
            }
        }
    }
    placed
}

// ---------------------------------------------------------------------------------------
// Shared drawing pieces.

fn text_style(px: u32, color: &RGBColor, h: HPos, v: VPos) -> TextStyle<'static> {
    (FONT, px).into_font().color(color).pos(Pos::new(h, v))
}

fn to_i((x, y): Pt) -> (i32, i32) {
    (x.round() as i32, y.round() as i32)
}

/// A five-pointed star centred at `c` (pixels).
fn draw_star(root: &Area, c: (i32, i32), r: f64) -> DrawResult {
    let pts: Vec<(i32, i32)> = (0..10)
        .map(|k| {
            let rad = if k % 2 == 0 { r } else { 0.42 * r };
            let a = -std::f64::consts::FRAC_PI_2 + k as f64 * std::f64::consts::PI / 5.0;
            to_i((c.0 as f64 + rad * a.cos(), c.1 as f64 + rad * a.sin()))
        })
        .collect();
    root.draw(&Polygon::new(pts.clone(), STAR.filled()))?;
    let mut ring = pts;
    ring.push(ring[0]);
    root.draw(&PathElement::new(ring, STAR_EDGE.stroke_width(1)))?;
    Ok(())
}

/// Text with a white box behind it.
fn draw_boxed_text(root: &Area, text: &str, at: (i32, i32), style: &TextStyle) -> DrawResult {
    let (w, h) = root.estimate_text_size(text, style)?;
    let (w, h) = (w as i32, h as i32);
    let x0 = match style.pos.h_pos {
        HPos::Left => at.0,
        HPos::Center => at.0 - w / 2,
        HPos::Right => at.0 - w,
    };
    let y0 = match style.pos.v_pos {
        VPos::Top => at.1,
        VPos::Center => at.1 - h / 2,
        VPos::Bottom => at.1 - h,
    };
    root.draw(&Rectangle::new(
        [(x0 - 3, y0 - 2), (x0 + w + 3, y0 + h + 2)],
        WHITE.mix(0.85).filled(),
    ))?;
    root.draw_text(text, style, at)?;
    Ok(())
}

/// The overlay path in pixels: the drawable pieces (clipped to the data range) and the
/// start and end points when they lie inside it.
fn overlay_pixels(
    o: &Overlay,
    (x0, x1): (f64, f64),
    (y0, y1): (f64, f64),
    to_px: &dyn Fn(f64, f64) -> Pt,
) -> (Vec<Vec<Pt>>, Vec<Pt>) {
    let data = Rect(x0, y0, x1, y1);
    let mut pieces: Vec<Vec<Pt>> = Vec::new();
    let mut cur: Vec<Pt> = Vec::new();
    let mut prev: Option<Pt> = None;
    for &p in o.points {
        if !(p.0.is_finite() && p.1.is_finite()) {
            if cur.len() >= 2 {
                pieces.push(std::mem::take(&mut cur));
            }
            cur.clear();
            prev = None;
            continue;
        }
        if let Some(a) = prev {
            match clip_segment(a, p, &data) {
                Some((t0, t1)) => {
                    let (s, e) = (at(a, p, t0), at(a, p, t1));
                    if cur.is_empty() || t0 > 0.0 {
                        if cur.len() >= 2 {
                            pieces.push(std::mem::take(&mut cur));
                        }
                        cur = vec![to_px(s.0, s.1)];
                    }
                    cur.push(to_px(e.0, e.1));
                    if t1 < 1.0 {
                        pieces.push(std::mem::take(&mut cur));
                    }
                }
                None => {
                    if cur.len() >= 2 {
                        pieces.push(std::mem::take(&mut cur));
                    }
                    cur.clear();
                }
            }
        }
        prev = Some(p);
    }
    if cur.len() >= 2 {
        pieces.push(cur);
    }
    let inside = |p: &(f64, f64)| {
        p.0.is_finite() && p.1.is_finite() && p.0 >= x0 && p.0 <= x1 && p.1 >= y0 && p.1 <= y1
    };
    let dots: Vec<Pt> = o
        .points
        .iter()
        .filter(|p| inside(p))
        .map(|p| to_px(p.0, p.1))
        .collect();
    (pieces, dots)
}

fn draw_overlay(
    root: &Area,
    o: &Overlay,
    x: (f64, f64),
    y: (f64, f64),
    to_px: &dyn Fn(f64, f64) -> Pt,
    plot: Rect,
) -> DrawResult {
    let (pieces, dots) = overlay_pixels(o, x, y, to_px);
    for piece in &pieces {
        let pts: Vec<(i32, i32)> = piece.iter().map(|&p| to_i(p)).collect();
        root.draw(&PathElement::new(
            pts.clone(),
            WHITE.mix(0.9).stroke_width(5),
        ))?;
        root.draw(&PathElement::new(pts, PATH.stroke_width(2)))?;
    }
    if dots.len() <= 300 {
        for &d in &dots {
            root.draw(&Circle::new(to_i(d), 4, WHITE.filled()))?;
            root.draw(&Circle::new(to_i(d), 3, PATH.filled()))?;
        }
    }
    let first = o
        .points
        .first()
        .filter(|p| p.0.is_finite() && p.1.is_finite());
    let last = o
        .points
        .last()
        .filter(|p| p.0.is_finite() && p.1.is_finite());
    let inside = |p: &(f64, f64)| p.0 >= x.0 && p.0 <= x.1 && p.1 >= y.0 && p.1 <= y.1;
    for (p, name, is_start) in [(first, "start", true), (last, "end", false)] {
        let Some(p) = p.filter(|p| inside(p)) else {
            continue;
        };
        let c = to_px(p.0, p.1);
        let ci = to_i(c);
        if is_start {
            root.draw(&Circle::new(ci, 7, PATH.filled()))?;
            root.draw(&Circle::new(ci, 4, WHITE.filled()))?;
        } else {
            root.draw(&Circle::new(ci, 7, WHITE.filled()))?;
            root.draw(&Circle::new(ci, 6, PATH.filled()))?;
        }
        // Label to the upper right, or the left when near the right edge.
        let right = c.0 + 70.0 < plot.2;
        let (h, dx) = if right {
            (HPos::Left, 10)
        } else {
            (HPos::Right, -10)
        };
        let v = if c.1 - 30.0 > plot.1 {
            VPos::Bottom
        } else {
            VPos::Top
        };
        let dy = if matches!(v, VPos::Bottom) { -6 } else { 6 };
        let style = text_style(LEGEND_PX - 2, &PATH, h, v);
        draw_boxed_text(root, name, (ci.0 + dx, ci.1 + dy), &style)?;
    }
    Ok(())
}

/// Fill the plotting area `pa` pixel by pixel: the colour field (`heat`) or only the
/// masked cells in grey (contour plots).
fn draw_raster(pa: &Area, g: &Grid, heat: bool) -> DrawResult {
    let (w, h) = pa.dim_in_pixel();
    let (x0, x1) = g.x_range();
    let (y0, y1) = g.y_range();
    let cols: Vec<(usize, f64)> = (0..w)
        .map(|px| locate(g.x, x0 + (px as f64 + 0.5) / w as f64 * (x1 - x0)))
        .collect();
    let rows: Vec<(usize, f64)> = (0..h)
        .map(|py| locate(g.y, y1 - (py as f64 + 0.5) / h as f64 * (y1 - y0)))
        .collect();
    if !heat && g.n_masked == 0 {
        return Ok(());
    }
    for (py, &row) in rows.iter().enumerate() {
        for (px, &col) in cols.iter().enumerate() {
            let c = match g.sample(col, row) {
                None => MASKED,
                Some(t) if heat => g.scale.fill(t),
                Some(_) => continue,
            };
            pa.draw_pixel((px as i32, py as i32), &c)?;
        }
    }
    Ok(())
}

/// One row of the legend next to a 2-D figure.
enum Key<'a> {
    Star(String),
    Path(&'a str),
    Masked(&'static str),
}

/// Legend rows from `(x, y)` downwards; returns the y below the last row.
fn draw_keys(
    root: &Area,
    keys: &[Key],
    x: i32,
    mut y: i32,
) -> std::result::Result<i32, Box<dyn std::error::Error>> {
    let text = text_style(LEGEND_PX - 2, &TEXT, HPos::Left, VPos::Center);
    let row = 28;
    for key in keys {
        let mid = (x + 13, y + row / 2);
        let label: &str = match key {
            Key::Star(s) => {
                draw_star(root, mid, 10.0)?;
                s
            }
            Key::Path(s) => {
                root.draw(&PathElement::new(
                    vec![(x, mid.1), (x + 26, mid.1)],
                    PATH.stroke_width(2),
                ))?;
                root.draw(&Circle::new(mid, 4, WHITE.filled()))?;
                root.draw(&Circle::new(mid, 3, PATH.filled()))?;
                s
            }
            Key::Masked(s) => {
                root.draw(&Rectangle::new(
                    [(x + 3, mid.1 - 8), (x + 23, mid.1 + 8)],
                    MASKED.filled(),
                ))?;
                root.draw(&Rectangle::new(
                    [(x + 3, mid.1 - 8), (x + 23, mid.1 + 8)],
                    AXIS.stroke_width(1),
                ))?;
                s
            }
        };
        root.draw_text(label, &text, (x + 34, mid.1))?;
        y += row;
    }
    Ok(y)
}

/// A vertical colour bar from `top` to `bottom` at `x` with its name above and round tick
/// values to its right; `lines` uses the line colours and marks `levels` across the bar.
#[allow(clippy::too_many_arguments)]
fn draw_colorbar(
    root: &Area,
    x: i32,
    top: i32,
    bottom: i32,
    name: &str,
    scale: &Scale,
    lines: bool,
    levels: &[Mark],
) -> DrawResult {
    if bottom < top + 60 {
        return Ok(());
    }
    let (bx0, bx1) = (x, x + 24);
    let name_style = text_style(AXIS_PX - 2, &TEXT, HPos::Left, VPos::Bottom);
    let name = if scale.log {
        format!("{name} (log)")
    } else {
        name.to_string()
    };
    root.draw_text(&name, &name_style, (bx0 - 2, top - 8))?;
    let height = (bottom - top) as f64;
    let t_at = |py: f64| scale.hi - (py - top as f64) / height * (scale.hi - scale.lo);
    let py_of = |t: f64| top + ((scale.hi - t) / (scale.hi - scale.lo) * height).round() as i32;
    for py in top..bottom {
        let t = t_at(py as f64 + 0.5);
        let c = if lines { scale.line(t) } else { scale.fill(t) };
        root.draw(&PathElement::new(vec![(bx0, py), (bx1, py)], c))?;
    }
    for m in levels {
        let py = py_of(m.t);
        root.draw(&PathElement::new(
            vec![(bx0, py), (bx1, py)],
            RGBColor(255, 255, 255).mix(0.9).stroke_width(1),
        ))?;
    }
    root.draw(&Rectangle::new(
        [(bx0, top), (bx1, bottom)],
        AXIS.stroke_width(1),
    ))?;
    let tick_style = text_style(TICK_PX, &TEXT, HPos::Left, VPos::Center);
    for m in round_marks(scale, 6) {
        let py = py_of(m.t);
        if py < top - 1 || py > bottom + 1 {
            continue;
        }
        root.draw(&PathElement::new(
            vec![(bx1, py), (bx1 + 5, py)],
            AXIS.stroke_width(1),
        ))?;
        root.draw_text(&m.label, &tick_style, (bx1 + 9, py))?;
    }
    Ok(())
}

/// Text for the minimum in the legend.
fn min_key(g: &Grid) -> Option<Key<'static>> {
    g.argmin.map(|k| {
        let v = g.scale.value(g.t[k]);
        Key::Star(format!("min {}", fmt_sig(v)))
    })
}

/// Four significant digits.
fn fmt_sig(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    let a = v.abs();
    if !(1e-3..1e5).contains(&a) {
        return fmt_tick(v);
    }
    let d = (3 - a.log10().floor() as i32).clamp(0, 7) as usize;
    let s = format!("{v:.d$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

// ---------------------------------------------------------------------------------------
// The 2-D figures.

/// Which of `levels` get a label: every `stride`-th, counted so that the labelled values
/// are the roundest (multiples of `stride` steps on a linear scale; decades first on a
/// log scale).
fn labelled_levels(levels: &[Mark], stride: usize, log: bool) -> Vec<bool> {
    if stride <= 1 || levels.len() < 2 {
        return vec![true; levels.len()];
    }
    // The offset in 0..stride whose labels are roundest: most decades on a log scale,
    // then fewest significant characters on average.
    let score = |off: usize| -> (usize, usize) {
        let chosen: Vec<&Mark> = levels.iter().skip(off).step_by(stride).collect();
        let decades = chosen
            .iter()
            .filter(|m| log && (m.t - m.t.round()).abs() < 1e-9)
            .count();
        let chars: usize = chosen
            .iter()
            .map(|m| m.label.trim_end_matches('0').len())
            .sum();
        (usize::MAX - decades, chars * 1000 / chosen.len().max(1))
    };
    let best = (0..stride.min(levels.len()))
        .min_by_key(|&o| score(o))
        .unwrap_or(0);
    (0..levels.len()).map(|k| k % stride == best).collect()
}

/// Contour lines with labelled levels (matplotlib's `contour` + `clabel`): lines
/// coloured by level from viridis, about every other level labelled inline, the grid
/// minimum marked with a star, masked cells grey, an optional path on top; a colour bar
/// with the levels marked at the right.
pub fn contour_plot(
    path: &Path,
    title: &str,
    s: &Surface,
    style: &SurfaceStyle,
    overlay: Option<&Overlay>,
) -> Result<()> {
    if style.levels == 0 {
        return Err(Error::Invalid(
            "contour_plot: levels must be at least 1".into(),
        ));
    }
    let g = prepare("contour_plot", s, style)?;
    let levels = if g.argmin.is_some() {
        round_marks(&g.scale, style.levels)
    } else {
        Vec::new()
    };
    let polylines = contour_lines(&g, &levels).map_err(|e| Error::output(path, e))?;
    draw_2d(path, title, &g, style, overlay, Some((&levels, &polylines)))
}

/// Filled heatmap (bilinear between grid points, masked cells light grey) with a colour
/// bar, the minimum's star and an optional path; `style.diverging` for signed values and
/// ratios.
pub fn heatmap(
    path: &Path,
    title: &str,
    s: &Surface,
    style: &SurfaceStyle,
    overlay: Option<&Overlay>,
) -> Result<()> {
    let g = prepare("heatmap", s, style)?;
    draw_2d(path, title, &g, style, overlay, None)
}

/// Pixel size of the plotting area for the ranges' aspect ratio.
fn plot_size(g: &Grid) -> (u32, u32) {
    let (x0, x1) = g.x_range();
    let (y0, y1) = g.y_range();
    let aspect = ((y1 - y0) / (x1 - x0)).clamp(0.6, 1.3);
    if aspect <= 1.0 {
        (PLOT_PX as u32, (PLOT_PX * aspect).round() as u32)
    } else {
        ((PLOT_PX / aspect).round() as u32, PLOT_PX as u32)
    }
}

fn draw_2d(
    path: &Path,
    title: &str,
    g: &Grid,
    style: &SurfaceStyle,
    overlay: Option<&Overlay>,
    contour: Option<(&[Mark], &[Polyline])>,
) -> Result<()> {
    let (plot_w, plot_h) = plot_size(g);
    let title_h = 44;
    let width = MARGIN + Y_LABEL_AREA + plot_w + MARGIN + RIGHT_PANEL;
    let height = title_h + MARGIN + plot_h + X_LABEL_AREA + MARGIN;
    let (x0, x1) = g.x_range();
    let (y0, y1) = g.y_range();

    save_png(path, (width, height), |root| {
        let area = root.titled(title, (FONT, TITLE_PX).into_font().color(&TEXT))?;
        let (main, _side) = area.split_horizontally(width - RIGHT_PANEL);
        let mut chart = ChartBuilder::on(&main)
            .margin(MARGIN)
            .x_label_area_size(X_LABEL_AREA)
            .y_label_area_size(Y_LABEL_AREA)
            .build_cartesian_2d(x0..x1, y0..y1)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .axis_style(AXIS)
            .x_desc(style.x_label.as_str())
            .y_desc(style.y_label.as_str())
            .axis_desc_style((FONT, AXIS_PX).into_font().color(&TEXT))
            .label_style((FONT, TICK_PX).into_font().color(&TEXT))
            .x_label_formatter(&|v| fmt_tick(*v))
            .y_label_formatter(&|v| fmt_tick(*v))
            .x_labels(7)
            .y_labels(7)
            .draw()?;
        let pa = chart.plotting_area().strip_coord_spec();
        draw_raster(&pa, g, contour.is_none())?;

        let (px_x, px_y) = chart.plotting_area().get_pixel_range();
        let plot = Rect(
            px_x.start as f64,
            px_y.start as f64,
            (px_x.end - 1) as f64,
            (px_y.end - 1) as f64,
        );
        // Data to absolute pixels, in floating point.
        let to_px = |x: f64, y: f64| -> Pt {
            (
                plot.0 + (x - x0) / (x1 - x0) * (plot.2 - plot.0),
                plot.3 - (y - y0) / (y1 - y0) * (plot.3 - plot.1),
            )
        };
        let star_at = g.argmin.map(|k| to_px(g.x[k % g.nx], g.y[k / g.nx]));

        if let Some((levels, polylines)) = contour {
            let lines: Vec<Vec<Pt>> = polylines
                .iter()
                .map(|p| p.points.iter().map(|&(x, y)| to_px(x, y)).collect())
                .collect();
            let line_level: Vec<usize> = polylines.iter().map(|p| p.level).collect();
            let label_font: TextStyle = (FONT, LABEL_PX).into_font().into();
            let mut sizes = Vec::with_capacity(levels.len());
            for m in levels {
                let (w, h) = root.estimate_text_size(&m.label, &label_font)?;
                sizes.push((w as f64 + 6.0, h as f64 + 2.0));
            }
            // Label every level when there are few, else every 2nd, 5th, 10th... counted
            // from a round value, so that the labelled values are the roundest ones.
            let stride = [1usize, 2, 5, 10, 20, 50]
                .into_iter()
                .find(|&k| levels.len().div_ceil(k) <= 11)
                .unwrap_or(100);
            let labelled = labelled_levels(levels, stride, g.scale.log);
            let mut blocked: Vec<Rect> = Vec::new();
            if let Some(c) = star_at {
                blocked.push(Rect(c.0 - 14.0, c.1 - 14.0, c.0 + 14.0, c.1 + 14.0));
            }
            let mut obstacles = lines.clone();
            let mut obstacle_levels = line_level.clone();
            if let Some(o) = overlay {
                let (pieces, _) = overlay_pixels(o, (x0, x1), (y0, y1), &to_px);
                for piece in pieces {
                    obstacles.push(piece);
                    obstacle_levels.push(usize::MAX);
                }
            }
            let labels = place_labels(
                &obstacles,
                &obstacle_levels,
                &labelled,
                &sizes,
                plot,
                &blocked,
            );
            for (k, line) in lines.iter().enumerate() {
                let holes: Vec<Rect> = labels
                    .iter()
                    .filter(|l| l.line == k)
                    .map(|l| l.rect)
                    .collect();
                let color = g.scale.line(levels[line_level[k]].t);
                for piece in cut_out(line, &holes) {
                    let pts: Vec<(i32, i32)> = piece.iter().map(|&p| to_i(p)).collect();
                    root.draw(&PathElement::new(pts, color.stroke_width(2)))?;
                }
            }
            for l in &labels {
                let m = &levels[obstacle_levels[l.line]];
                let color = lerp(g.scale.line(m.t), RGBColor(0, 0, 0), 0.3);
                let st = text_style(LABEL_PX, &color, HPos::Center, VPos::Center);
                root.draw_text(&m.label, &st, to_i(l.center))?;
            }
        }

        // Frame around the field.
        let (w, h) = pa.dim_in_pixel();
        pa.draw(&Rectangle::new(
            [(0, 0), (w as i32 - 1, h as i32 - 1)],
            AXIS.stroke_width(1),
        ))?;
        if g.argmin.is_none() {
            draw_no_data(&pa)?;
        }
        if let Some(o) = overlay {
            draw_overlay(root, o, (x0, x1), (y0, y1), &to_px, plot)?;
        }
        if let Some(c) = star_at {
            draw_star(root, to_i(c), 12.0)?;
        }

        // Legend and colour bar at the right, aligned with the plotting area.
        let panel_x = (width - RIGHT_PANEL) as i32 + 14;
        let mut keys = Vec::new();
        keys.extend(min_key(g));
        if let Some(o) = overlay {
            keys.push(Key::Path(o.label));
        }
        if g.n_masked > 0 {
            keys.push(Key::Masked(if style.log {
                "≤ 0 or not finite"
            } else {
                "not finite"
            }));
        }
        let y = draw_keys(root, &keys, panel_x, plot.1 as i32)?;
        let top = y + 46;
        let marks = contour.map(|c| c.0).unwrap_or(&[]);
        draw_colorbar(
            root,
            panel_x + 2,
            top,
            plot.3 as i32,
            &style.z_label,
            &g.scale,
            contour.is_some(),
            marks,
        )
    })
}

// ---------------------------------------------------------------------------------------
// 3-D surface.

/// A linear f64 axis whose ticks are the given values (plotters' `WithKeyPoints` has no
/// label formatter in 3-D charts).
struct TickedAxis {
    inner: RangedCoordf64,
    ticks: Vec<f64>,
}

impl Ranged for TickedAxis {
    type ValueType = f64;
    type FormatOption = DefaultFormatting;

    fn range(&self) -> std::ops::Range<f64> {
        self.inner.range()
    }

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.inner.map(value, limit)
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }
}

/// A 3-D facet: projected depth, corners (x, value, -y), colour.
type Facet = (i32, [(f64, f64, f64); 4], RGBColor);

/// View angles (radians) of the 3-D surface: plotters' yaw and pitch, chosen to look like
/// matplotlib's default `plot_surface` view (elevation 30°, azimuth -60°).
const YAW: f64 = 0.6;
const PITCH: f64 = 0.45;

/// A 3-D surface on plotters' 3-D chart, coloured by value with a colour bar. One facet
/// per grid cell (colour of the cell's mean), facets touching a masked value are left out,
/// and values outside `vmin..vmax` are flattened onto the box. On a log scale the
/// vertical axis is `log10` of the value, with round values as ticks.
///
/// The axes are right-handed as in matplotlib: `x` runs along the front edge, `y` away
/// from the viewer, the value up. Plotters' own `SurfaceSeries` is not used because it
/// neither orders facets by depth nor skips masked cells; the facets are the same
/// polygons, drawn far to near.
pub fn surface_3d(path: &Path, title: &str, s: &Surface, style: &SurfaceStyle) -> Result<()> {
    let g = prepare("surface_3d", s, style)?;
    let (lo, hi) = (g.scale.lo, g.scale.hi);
    let (x0, x1) = g.x_range();
    let (y0, y1) = g.y_range();
    let (width, height) = (1000u32, 760u32);
    let panel = 215u32;
    let marks = round_marks(&g.scale, 6);
    let ticks: Vec<f64> = marks.iter().map(|m| m.t).collect();

    save_png(path, (width, height), |root| {
        let area = root.titled(title, (FONT, TITLE_PX).into_font().color(&TEXT))?;
        let (main, _side) = area.split_horizontally(width - panel);
        // Plotters' third axis is `-y`, which makes (x, y, value) right-handed on screen.
        let value_axis = TickedAxis {
            inner: (lo..hi).into(),
            ticks: ticks.clone(),
        };
        let mut chart = ChartBuilder::on(&main)
            .margin(10)
            .margin_left(70)
            .margin_bottom(30)
            .build_cartesian_3d(x0..x1, value_axis, -y1..-y0)?;
        chart.with_projection(|mut pb| {
            pb.yaw = YAW;
            pb.pitch = PITCH;
            pb.scale = 0.8;
            pb.into_matrix()
        });
        let value_label = |v: &f64| {
            marks
                .iter()
                .find(|m| (m.t - v).abs() <= 1e-9 * (1.0 + v.abs()))
                .map(|m| m.label.clone())
                .unwrap_or_default()
        };
        chart
            .configure_axes()
            .light_grid_style(MESH_LIGHT)
            .bold_grid_style(MESH_BOLD)
            .axis_panel_style(RGBColor(248, 248, 248).filled())
            .max_light_lines(2)
            .x_labels(6)
            .z_labels(6)
            .label_style((FONT, TICK_PX - 2).into_font().color(&TEXT))
            .x_formatter(&|v| fmt_tick(*v))
            .y_formatter(&value_label)
            // The front corner (x1, y0) already carries x's last label.
            .z_formatter(&|v| {
                if (*v + y0).abs() <= 1e-12 * (1.0 + y0.abs()) {
                    String::new()
                } else {
                    fmt_tick(-*v)
                }
            })
            .draw()?;

        // Facets, far ones first.
        let coord = chart.as_coord_spec();
        let mut facets: Vec<Facet> = Vec::new();
        for j in 0..g.ny - 1 {
            for i in 0..g.nx - 1 {
                let c = [(i, j), (i + 1, j), (i + 1, j + 1), (i, j + 1)];
                let v = c.map(|(a, b)| g.at(a, b));
                if v.iter().any(|t| !t.is_finite()) {
                    continue;
                }
                let mean = 0.25 * v.iter().sum::<f64>();
                let pts = [0, 1, 2, 3].map(|k| (g.x[c[k].0], v[k].clamp(lo, hi), -g.y[c[k].1]));
                let centre = (
                    0.5 * (g.x[i] + g.x[i + 1]),
                    mean.clamp(lo, hi),
                    -0.5 * (g.y[j] + g.y[j + 1]),
                );
                let depth = coord.projected_depth(&centre.0, &centre.1, &centre.2);
                facets.push((depth, pts, g.scale.fill(mean)));
            }
        }
        facets.sort_by_key(|f| std::cmp::Reverse(f.0));
        // Darker facet edges show the mesh when cells are large; otherwise the edges only
        // close the hairline gaps between neighbouring facets.
        let cell_px = (width as f64 * 0.5) / (g.nx.max(g.ny) as f64);
        for (_, pts, color) in &facets {
            chart.draw_series(std::iter::once(Polygon::new(pts.to_vec(), color.filled())))?;
            let edge = if cell_px > 8.0 {
                lerp(*color, RGBColor(0, 0, 0), 0.18)
            } else {
                *color
            };
            let mut ring = pts.to_vec();
            ring.push(pts[0]);
            chart.draw_series(std::iter::once(PathElement::new(
                ring,
                edge.stroke_width(1),
            )))?;
        }

        // Axis names: outside the box's front edges, pushed away from its centre.
        let coord = chart.as_coord_spec();
        let px = |(a, v, b): (f64, f64, f64)| {
            let (p, q) = coord.translate(&(a, v, -b));
            (p as f64, q as f64)
        };
        let centre = px((0.5 * (x0 + x1), lo, 0.5 * (y0 + y1)));
        // A name `d` pixels out from edge point `p`, anchored on its side facing the box.
        let name_at = |name: &str, p: Pt, d: f64| -> DrawResult {
            let (dx, dy) = (p.0 - centre.0, p.1 - centre.1);
            let n = dx.hypot(dy).max(1e-9);
            let h = if dx.abs() < 0.5 * dy.abs() {
                HPos::Center
            } else if dx > 0.0 {
                HPos::Left
            } else {
                HPos::Right
            };
            let at = to_i((p.0 + d * dx / n, p.1 + d * dy / n));
            root.draw_text(name, &text_style(AXIS_PX, &TEXT, h, VPos::Center), at)?;
            Ok(())
        };
        let front_y = if px((x0, lo, y0)).1 >= px((x0, lo, y1)).1 {
            y0
        } else {
            y1
        };
        let front_x = if px((x0, lo, y0)).1 >= px((x1, lo, y0)).1 {
            x0
        } else {
            x1
        };
        name_at(&style.x_label, px((0.5 * (x0 + x1), lo, front_y)), 55.0)?;
        name_at(&style.y_label, px((front_x, lo, 0.5 * (y0 + y1))), 55.0)?;
        // The value axis: left of the leftmost vertical edge, written upwards.
        let corners = [(x0, y0), (x0, y1), (x1, y0), (x1, y1)];
        let left = corners
            .iter()
            .map(|&(a, b)| px((a, 0.5 * (lo + hi), b)))
            .fold((f64::INFINITY, 0.0), |m, p| if p.0 < m.0 { p } else { m });
        let vstyle = (FONT, AXIS_PX)
            .into_font()
            .color(&TEXT)
            .transform(FontTransform::Rotate270)
            .pos(Pos::new(HPos::Center, VPos::Center));
        root.draw_text(
            &style.z_label,
            &vstyle,
            to_i(((left.0 - 70.0).max(16.0), left.1)),
        )?;
        if g.argmin.is_none() {
            draw_no_data(&main)?;
        }

        let panel_x = (width - panel) as i32 + 10;
        let mut keys = Vec::new();
        if g.n_masked > 0 {
            keys.push(Key::Masked(if style.log {
                "≤ 0 or not finite"
            } else {
                "not finite"
            }));
        }
        let y = draw_keys(root, &keys, panel_x, 130)?;
        draw_colorbar(
            root,
            panel_x + 2,
            y + 46,
            height as i32 - 160,
            &style.z_label,
            &g.scale,
            false,
            &[],
        )
    })
}

// ---------------------------------------------------------------------------------------
// 1-D slice.

/// The drawable points of `y` against `x`, split at every gap.
fn runs(x: &[f64], y: &[f64], log: bool) -> Vec<Vec<(f64, f64)>> {
    let mut out = Vec::new();
    let mut cur = Vec::new();
    for (&a, &b) in x.iter().zip(y) {
        if a.is_finite() && b.is_finite() && (!log || b > 0.0) {
            cur.push((a, b));
        } else if !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

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
    chart
        .configure_mesh()
        .light_line_style(MESH_LIGHT)
        .bold_line_style(MESH_BOLD)
        .x_max_light_lines(4)
        .y_max_light_lines(4)
        .axis_style(AXIS)
        .x_desc(s.x_label)
        .y_desc("loss")
        .axis_desc_style((FONT, AXIS_PX).into_font().color(&TEXT))
        .label_style((FONT, TICK_PX).into_font().color(&TEXT))
        .x_label_formatter(&|v| fmt_tick(*v))
        .y_label_formatter(&|v| y_fmt(*v))
        .x_labels(9)
        .y_labels(8)
        .draw()?;
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
        for run in runs(s.x, c.loss, log) {
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
            for run in runs(s.x, a, false) {
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

#[cfg(test)]
mod tests {
    use super::super::testutil::{files_in, read_png};
    use super::*;

    fn linspace(a: f64, b: f64, n: usize) -> Vec<f64> {
        (0..n)
            .map(|i| a + (b - a) * i as f64 / (n - 1) as f64)
            .collect()
    }

    fn grid(n: usize, f: impl Fn(f64, f64) -> f64) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
        let x = linspace(-1.0, 1.0, n);
        let y = linspace(-1.0, 1.0, n);
        let mut z = Vec::with_capacity(n * n);
        for &b in &y {
            for &a in &x {
                z.push(f(a, b));
            }
        }
        (x, y, z)
    }

    fn check_png(path: &Path) -> (u32, u32) {
        let png = read_png(path);
        assert!(png.width > 300 && png.height > 300);
        assert!(
            png.rgb.chunks(3).any(|p| p.iter().all(|&c| c < 80)),
            "no dark pixels"
        );
        let dir = path.parent().unwrap();
        assert!(
            files_in(dir).iter().all(|f| !f.contains(".tmp")),
            "temp file left: {:?}",
            files_in(dir)
        );
        (png.width, png.height)
    }

    fn is_star(p: (u8, u8, u8)) -> bool {
        p.0 > 230 && (160..=225).contains(&p.1) && p.2 < 60
    }

    /// Pixel rectangle of the plotting area of a 2-D figure with a square grid.
    fn plot_rect() -> (u32, u32, u32, u32) {
        let x0 = MARGIN + Y_LABEL_AREA;
        let y0 = 44 + MARGIN;
        (x0, y0, x0 + PLOT_PX as u32, y0 + PLOT_PX as u32)
    }

    #[test]
    fn every_figure_writes_a_png() {
        let dir = tempfile::tempdir().unwrap();
        let (x, y, z) = grid(21, |a, b| a * a + 2.0 * b * b + 0.1);
        let s = Surface {
            x: &x,
            y: &y,
            z: &z,
        };
        let st = SurfaceStyle::default();
        let pts: Vec<(f64, f64)> = (0..10).map(|k| (0.9 - 0.09 * k as f64, 0.5)).collect();
        let o = Overlay {
            points: &pts,
            label: "SGD path",
        };
        let p = dir.path().join("contour.png");
        contour_plot(&p, "Contour", &s, &st, Some(&o)).unwrap();
        let (w, h) = check_png(&p);
        assert_eq!(
            w,
            MARGIN + Y_LABEL_AREA + PLOT_PX as u32 + MARGIN + RIGHT_PANEL
        );
        assert_eq!(h, 44 + MARGIN + PLOT_PX as u32 + X_LABEL_AREA + MARGIN);
        let p = dir.path().join("heat.png");
        heatmap(&p, "Heatmap", &s, &st, Some(&o)).unwrap();
        check_png(&p);
        let p = dir.path().join("surf.png");
        surface_3d(&p, "Surface", &s, &st).unwrap();
        assert_eq!(check_png(&p), (1000, 760));
        let loss: Vec<f64> = x.iter().map(|v| v * v).collect();
        let acc: Vec<f64> = x.iter().map(|v| 1.0 - 0.5 * v * v).collect();
        let p = dir.path().join("slice.png");
        slice_1d(
            &p,
            "Slice",
            &Slice1d {
                x: &x,
                curves: &[Curve1d {
                    label: "train",
                    loss: &loss,
                    accuracy: Some(&acc),
                    dashed: false,
                }],
                x_label: "α",
                log: false,
            },
        )
        .unwrap();
        assert_eq!(check_png(&p), (1200, 640));
        let mut names = files_in(dir.path());
        names.sort();
        assert_eq!(
            names,
            vec!["contour.png", "heat.png", "slice.png", "surf.png"]
        );
    }

    #[test]
    fn bowl_contour_has_its_star_in_the_middle() {
        let dir = tempfile::tempdir().unwrap();
        let (x, y, z) = grid(41, |a, b| a * a + b * b);
        let p = dir.path().join("bowl.png");
        contour_plot(
            &p,
            "Bowl",
            &Surface {
                x: &x,
                y: &y,
                z: &z,
            },
            &SurfaceStyle::default(),
            None,
        )
        .unwrap();
        let png = read_png(&p);
        let (x0, y0, x1, y1) = plot_rect();
        let (cx, cy) = ((x0 + x1) / 2, (y0 + y1) / 2);
        let near = (cx - 8..=cx + 8)
            .flat_map(|a| (cy - 8..=cy + 8).map(move |b| (a, b)))
            .filter(|&(a, b)| is_star(png.pixel(a, b)))
            .count();
        assert!(near > 40, "only {near} star pixels near the centre");
        // And nowhere far from it inside the plot.
        let far = (x0..x1)
            .step_by(3)
            .flat_map(|a| (y0..y1).step_by(3).map(move |b| (a, b)))
            .filter(|&(a, b)| {
                (a as i32 - cx as i32).abs() > 30 || (b as i32 - cy as i32).abs() > 30
            })
            .filter(|&(a, b)| is_star(png.pixel(a, b)))
            .count();
        assert_eq!(far, 0);
        // Contour lines are drawn: some viridis-coloured pixels away from the centre.
        let coloured = (x0..x1)
            .step_by(2)
            .flat_map(|a| (y0..y1).step_by(2).map(move |b| (a, b)))
            .filter(|&(a, b)| {
                let (r, g, bl) = png.pixel(a, b);
                (r as i32 - bl as i32).abs() > 40 || (g as i32 - r as i32).abs() > 40
            })
            .count();
        assert!(coloured > 500, "{coloured} coloured pixels");
    }

    #[test]
    fn values_above_vmax_draw_the_top_colour() {
        let dir = tempfile::tempdir().unwrap();
        let (x, y, _) = grid(5, |_, _| 0.0);
        let z = vec![10.0; 25];
        let st = SurfaceStyle {
            vmin: Some(0.0),
            vmax: Some(5.0),
            ..SurfaceStyle::default()
        };
        let p = dir.path().join("top.png");
        let s = Surface {
            x: &x,
            y: &y,
            z: &z,
        };
        heatmap(&p, "All above vmax", &s, &st, None).unwrap();
        let png = read_png(&p);
        let (x0, y0, x1, y1) = plot_rect();
        // Off the centre (the star sits on the first grid point = the minimum).
        let top = VIRIDIS[8];
        for (a, b) in [
            (x0 + 40, y0 + 40),
            (x1 - 40, y0 + 60),
            ((x0 + x1) / 2, y1 - 90),
        ] {
            assert_eq!(png.pixel(a, b), (top.0, top.1, top.2), "at {a},{b}");
        }
        // Below vmin: the bottom colour; log scale likewise.
        let z = vec![0.5; 25];
        let st = SurfaceStyle {
            vmin: Some(1.0),
            vmax: Some(100.0),
            log: true,
            ..SurfaceStyle::default()
        };
        let s = Surface {
            x: &x,
            y: &y,
            z: &z,
        };
        heatmap(&p, "All below vmin", &s, &st, None).unwrap();
        let png = read_png(&p);
        let bottom = VIRIDIS[0];
        assert_eq!(png.pixel(x1 - 40, y0 + 60), (bottom.0, bottom.1, bottom.2));
    }

    #[test]
    fn masked_and_degenerate_inputs_do_not_panic() {
        let dir = tempfile::tempdir().unwrap();
        let (x, y, mut z) = grid(15, |a, b| a * a - b * b);
        for k in [0, 7, 100, 101, 102, 116, 224] {
            z[k] = f64::NAN;
        }
        z[50] = f64::INFINITY;
        z[51] = f64::NEG_INFINITY;
        let s = Surface {
            x: &x,
            y: &y,
            z: &z,
        };
        let cases: Vec<(&str, SurfaceStyle)> = vec![
            ("plain", SurfaceStyle::default()),
            (
                "log",
                SurfaceStyle {
                    log: true,
                    ..SurfaceStyle::default()
                },
            ),
            (
                "div",
                SurfaceStyle {
                    diverging: true,
                    levels: 3,
                    ..SurfaceStyle::default()
                },
            ),
        ];
        let wild = [
            (f64::NAN, 0.0),
            (5.0, 5.0),
            (0.0, 0.0),
            (-3.0, 0.5),
            (0.5, 0.5),
        ];
        let o = Overlay {
            points: &wild,
            label: "wild",
        };
        for (name, st) in &cases {
            for (k, f) in [contour_plot, heatmap].iter().enumerate() {
                let p = dir.path().join(format!("{name}{k}.png"));
                f(&p, name, &s, st, Some(&o)).unwrap();
            }
            surface_3d(&dir.path().join(format!("{name}3d.png")), name, &s, st).unwrap();
        }

        // Log scale with zeros and negatives; all-NaN; constant; 2 x 2; one finite cell.
        let zeros: Vec<f64> = z.iter().map(|v| v.max(0.0)).collect();
        let nan = vec![f64::NAN; 225];
        let constant = vec![0.7; 225];
        let log = SurfaceStyle {
            log: true,
            ..SurfaceStyle::default()
        };
        let mut one = vec![f64::NAN; 225];
        one[112] = 1.0;
        for (name, zz) in [
            ("zeros", &zeros),
            ("nan", &nan),
            ("const", &constant),
            ("one", &one),
        ] {
            let s = Surface {
                x: &x,
                y: &y,
                z: zz,
            };
            for st in [&SurfaceStyle::default(), &log] {
                contour_plot(&dir.path().join(format!("{name}c.png")), name, &s, st, None).unwrap();
                heatmap(&dir.path().join(format!("{name}h.png")), name, &s, st, None).unwrap();
                surface_3d(&dir.path().join(format!("{name}s.png")), name, &s, st).unwrap();
            }
        }
        let tiny = Surface {
            x: &[0.0, 1.0],
            y: &[0.0, 1.0],
            z: &[1.0, 2.0, 3.0, f64::NAN],
        };
        contour_plot(
            &dir.path().join("2c.png"),
            "2x2",
            &tiny,
            &SurfaceStyle::default(),
            None,
        )
        .unwrap();
        heatmap(
            &dir.path().join("2h.png"),
            "2x2",
            &tiny,
            &SurfaceStyle::default(),
            None,
        )
        .unwrap();
        surface_3d(
            &dir.path().join("2s.png"),
            "2x2",
            &tiny,
            &SurfaceStyle::default(),
        )
        .unwrap();
        // Huge and tiny magnitudes.
        let huge: Vec<f64> = (0..225)
            .map(|k| if k % 2 == 0 { 1e308 } else { -1e308 })
            .collect();
        let s = Surface {
            x: &x,
            y: &y,
            z: &huge,
        };
        contour_plot(
            &dir.path().join("huge.png"),
            "huge",
            &s,
            &SurfaceStyle::default(),
            None,
        )
        .unwrap();
        surface_3d(
            &dir.path().join("huge3.png"),
            "huge",
            &s,
            &SurfaceStyle::default(),
        )
        .unwrap();
        assert!(files_in(dir.path()).iter().all(|f| !f.contains(".tmp")));

        // 1-D slices: NaN, log with zeros, no accuracy, empty, percentages.
        let xs = linspace(-1.0, 1.0, 25);
        let mut l: Vec<f64> = xs.iter().map(|v| v * v).collect();
        l[3] = f64::NAN;
        let acc: Vec<f64> = xs.iter().map(|v| 100.0 * (1.0 - v.abs())).collect();
        for log in [false, true] {
            let curves = [
                Curve1d {
                    label: "a",
                    loss: &l,
                    accuracy: Some(&acc),
                    dashed: true,
                },
                Curve1d {
                    label: "nan",
                    loss: &[f64::NAN; 25],
                    accuracy: None,
                    dashed: false,
                },
            ];
            let s = Slice1d {
                x: &xs,
                curves: &curves,
                x_label: "α",
                log,
            };
            slice_1d(&dir.path().join(format!("s{log}.png")), "1-D", &s).unwrap();
            let s = Slice1d {
                x: &[],
                curves: &[],
                x_label: "α",
                log,
            };
            slice_1d(&dir.path().join(format!("e{log}.png")), "empty", &s).unwrap();
        }
    }

    #[test]
    fn bad_arguments_are_invalid() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.png");
        let st = SurfaceStyle::default();
        let z4 = [1.0, 2.0, 3.0, 4.0];
        let bad = [
            Surface {
                x: &[0.0],
                y: &[0.0, 1.0],
                z: &[1.0, 2.0],
            },
            Surface {
                x: &[0.0, 1.0],
                y: &[0.0, 1.0],
                z: &[1.0, 2.0, 3.0],
            },
            Surface {
                x: &[1.0, 0.0],
                y: &[0.0, 1.0],
                z: &z4,
            },
            Surface {
                x: &[0.0, f64::NAN],
                y: &[0.0, 1.0],
                z: &z4,
            },
        ];
        for s in &bad {
            assert!(matches!(
                contour_plot(&p, "t", s, &st, None),
                Err(Error::Invalid(_))
            ));
            assert!(matches!(
                heatmap(&p, "t", s, &st, None),
                Err(Error::Invalid(_))
            ));
            assert!(matches!(
                surface_3d(&p, "t", s, &st),
                Err(Error::Invalid(_))
            ));
        }
        let ok = Surface {
            x: &[0.0, 1.0],
            y: &[0.0, 1.0],
            z: &z4,
        };
        for st in [
            SurfaceStyle {
                vmin: Some(2.0),
                vmax: Some(1.0),
                ..SurfaceStyle::default()
            },
            SurfaceStyle {
                vmax: Some(f64::NAN),
                ..SurfaceStyle::default()
            },
            SurfaceStyle {
                log: true,
                vmin: Some(0.0),
                ..SurfaceStyle::default()
            },
        ] {
            assert!(matches!(
                heatmap(&p, "t", &ok, &st, None),
                Err(Error::Invalid(_))
            ));
        }
        let zero_levels = SurfaceStyle {
            levels: 0,
            ..SurfaceStyle::default()
        };
        assert!(matches!(
            contour_plot(&p, "t", &ok, &zero_levels, None),
            Err(Error::Invalid(_))
        ));
        let short = [1.0];
        let s = Slice1d {
            x: &[0.0, 1.0],
            curves: &[Curve1d {
                label: "c",
                loss: &short,
                accuracy: None,
                dashed: false,
            }],
            x_label: "α",
            log: false,
        };
        assert!(matches!(slice_1d(&p, "t", &s), Err(Error::Invalid(_))));
        let unwritable = dir.path().join("nope").join("x.png");
        assert!(matches!(
            heatmap(&unwritable, "t", &ok, &st, None),
            Err(Error::Output { .. })
        ));
        assert!(files_in(dir.path()).is_empty());
    }

    #[test]
    fn contour_segments_skip_masked_cells_and_sit_on_the_level() {
        let (x, y, mut z) = grid(11, |a, b| a + 0.3 * b);
        z[5 * 11 + 5] = f64::NAN;
        let s = Surface {
            x: &x,
            y: &y,
            z: &z,
        };
        let g = prepare("t", &s, &SurfaceStyle::default()).unwrap();
        let levels = vec![Mark {
            t: 0.05,
            label: "0.05".into(),
        }];
        let lines = contour_lines(&g, &levels).unwrap();
        assert!(!lines.is_empty());
        for l in &lines {
            for &(a, b) in &l.points {
                assert!(
                    (a + 0.3 * b - 0.05).abs() < 1e-9,
                    "({a}, {b}) off the level"
                );
                // Not inside the four cells around the NaN point (0, 0).
                assert!(a.abs() >= 0.2 - 1e-9 || b.abs() >= 0.2 - 1e-9, "({a}, {b})");
            }
        }
        // The line is cut in two around the hole.
        assert_eq!(lines.len(), 2);
    }

    #[test]
    fn round_levels() {
        let sc = Scale {
            lo: 0.0,
            hi: 1.0,
            log: false,
            diverging: false,
        };
        let m = round_marks(&sc, 20);
        assert_eq!(m.len(), 21);
        assert_eq!(m[1].label, "0.05");
        let m = round_marks(&sc, 5);
        assert_eq!(
            m.iter().map(|m| m.label.as_str()).collect::<Vec<_>>(),
            ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"]
        );
        // Log: 1e-3 .. 10 with 20 levels uses 1-2-5 mantissas (13 levels).
        let sc = Scale {
            lo: -3.0,
            hi: 1.0,
            log: true,
            diverging: false,
        };
        let m = round_marks(&sc, 20);
        assert!(m.len() <= 21 && m.len() >= 10, "{}", m.len());
        assert!(m.iter().any(|m| m.label == "0.002"));
        // Less than a decade: evenly spaced values.
        let sc = Scale {
            lo: 0.5f64.log10(),
            hi: 0.7f64.log10(),
            log: true,
            diverging: false,
        };
        let m = round_marks(&sc, 4);
        let labels: Vec<&str> = m.iter().map(|m| m.label.as_str()).collect();
        assert_eq!(labels, ["0.5", "0.6", "0.7"]);
        let m = round_marks(&sc, 20);
        assert_eq!(m.len(), 21);
        assert_eq!(m[5].label, "0.55");
        assert_eq!(color_range(None, None, None, false, false), (0.0, 1.0));
        assert_eq!(
            color_range(Some((-1.0, 3.0)), None, None, false, true),
            (-3.0, 3.0)
        );
        let (a, b) = color_range(Some((2.0, 2.0)), None, None, false, false);
        assert!(a < 2.0 && b > 2.0);
        assert_eq!(
            color_range(Some((0.0, 1.0)), Some(5.0), None, false, false),
            (5.0, 6.0)
        );
    }

    #[test]
    fn cutting_and_clipping() {
        let line = vec![(0.0, 0.0), (10.0, 0.0)];
        let pieces = cut_out(&line, &[Rect(4.0, -1.0, 6.0, 1.0)]);
        assert_eq!(
            pieces,
            vec![vec![(0.0, 0.0), (4.0, 0.0)], vec![(6.0, 0.0), (10.0, 0.0)]]
        );
        assert!(clip_segment((0.0, 5.0), (10.0, 5.0), &Rect(0.0, 0.0, 1.0, 1.0)).is_none());
        assert_eq!(point_at(&line, 2.5), (2.5, 0.0));
    }
}

#[cfg(test)]
mod demo {
    //! `cargo test --lib plot::surface::demo -- --ignored` renders the figures into
    //! `/tmp/surface-demo/` for a visual check.
    use super::*;

    #[test]
    #[ignore]
    fn render_surface_demos() {
        let dir = std::path::PathBuf::from("/tmp/surface-demo");
        std::fs::create_dir_all(&dir).unwrap();
        let n = 51;
        let x: Vec<f64> = (0..n)
            .map(|i| -1.0 + 2.0 * i as f64 / (n - 1) as f64)
            .collect();
        let y = x.clone();
        let field = |f: &dyn Fn(f64, f64) -> f64| {
            let mut z = Vec::new();
            for &b in &y {
                for &a in &x {
                    z.push(f(a, b));
                }
            }
            z
        };
        // A saddle x^2 - y^2.
        let saddle = field(&|a, b| a * a - b * b);
        let s = Surface {
            x: &x,
            y: &y,
            z: &saddle,
        };
        let st = SurfaceStyle {
            z_label: "loss".into(),
            ..SurfaceStyle::default()
        };
        contour_plot(
            &dir.join("saddle_contour.png"),
            "Saddle: L = α² − β²",
            &s,
            &st,
            None,
        )
        .unwrap();
        heatmap(
            &dir.join("saddle_heatmap.png"),
            "Saddle: L = α² − β²",
            &s,
            &SurfaceStyle {
                diverging: true,
                ..st.clone()
            },
            None,
        )
        .unwrap();
        surface_3d(&dir.join("saddle_3d.png"), "Saddle: L = α² − β²", &s, &st).unwrap();

        // A tilted bowl with a path spiralling into its minimum, and a NaN blob.
        let bowl_f = |a: f64, b: f64| {
            let (u, v) = (a - 0.15, b + 0.1);
            0.05 + 1.2 * u * u
                + 0.5 * v * v
                + 0.6 * u * v
                + 0.15 * (3.0 * a).sin() * (2.0 * b).cos()
        };
        let mut bowl = field(&bowl_f);
        for j in 40..47 {
            for i in 3..9 {
                bowl[j * n + i] = f64::NAN;
            }
        }
        let path: Vec<(f64, f64)> = (0..40)
            .map(|k| {
                let t = k as f64 / 39.0;
                let r = 0.85 * (1.0 - t).powf(1.4);
                let a = 5.0 * t + 0.3;
                (0.15 + r * a.cos(), -0.1 + r * a.sin())
            })
            .collect();
        let o = Overlay {
            points: &path,
            label: "SGD trajectory",
        };
        let s = Surface {
            x: &x,
            y: &y,
            z: &bowl,
        };
        let st = SurfaceStyle {
            z_label: "train loss".into(),
            x_label: "δ (direction 1)".into(),
            y_label: "η (direction 2)".into(),
            ..SurfaceStyle::default()
        };
        contour_plot(
            &dir.join("bowl_contour.png"),
            "Train loss around θ*",
            &s,
            &st,
            Some(&o),
        )
        .unwrap();
        heatmap(
            &dir.join("bowl_heatmap.png"),
            "Train loss around θ*",
            &s,
            &st,
            Some(&o),
        )
        .unwrap();
        let log = SurfaceStyle {
            log: true,
            ..st.clone()
        };
        contour_plot(
            &dir.join("bowl_contour_log.png"),
            "Train loss (log levels)",
            &s,
            &log,
            Some(&o),
        )
        .unwrap();
        surface_3d(&dir.join("bowl_3d.png"), "Train loss around θ*", &s, &st).unwrap();
        surface_3d(
            &dir.join("bowl_3d_log.png"),
            "Train loss around θ* (log)",
            &s,
            &log,
        )
        .unwrap();

        // A 1-D slice with 3 random directions.
        let xs: Vec<f64> = (0..101).map(|i| -1.0 + 0.02 * i as f64).collect();
        let curves_data: Vec<(Vec<f64>, Vec<f64>)> = [1.0, 1.6, 0.7]
            .iter()
            .enumerate()
            .map(|(k, &c)| {
                let loss: Vec<f64> = xs
                    .iter()
                    .map(|&a| 0.02 + c * a * a + 0.05 * k as f64 * a * a * a)
                    .collect();
                let acc: Vec<f64> = loss
                    .iter()
                    .map(|l| (1.0 - 0.45 * l).clamp(0.1, 1.0))
                    .collect();
                (loss, acc)
            })
            .collect();
        let labels = ["direction 1", "direction 2", "direction 3"];
        let curves: Vec<Curve1d> = curves_data
            .iter()
            .zip(labels)
            .map(|((l, a), label)| Curve1d {
                label,
                loss: l,
                accuracy: Some(a),
                dashed: false,
            })
            .collect();
        let s = Slice1d {
            x: &xs,
            curves: &curves,
            x_label: "α",
            log: false,
        };
        slice_1d(
            &dir.join("slice_1d.png"),
            "Loss along 3 random directions",
            &s,
        )
        .unwrap();
        let s = Slice1d { log: true, ..s };
        slice_1d(
            &dir.join("slice_1d_log.png"),
            "Loss along 3 random directions (log)",
            &s,
        )
        .unwrap();
        // Train and test.
        let test_l: Vec<f64> = curves_data[0].0.iter().map(|l| l * 1.3 + 0.05).collect();
        let test_a: Vec<f64> = curves_data[0].1.iter().map(|a| a * 0.95).collect();
        let tt = [
            Curve1d {
                label: "train",
                loss: &curves_data[0].0,
                accuracy: Some(&curves_data[0].1),
                dashed: false,
            },
            Curve1d {
                label: "test",
                loss: &test_l,
                accuracy: Some(&test_a),
                dashed: true,
            },
        ];
        let s = Slice1d {
            x: &xs,
            curves: &tt,
            x_label: "α",
            log: false,
        };
        slice_1d(
            &dir.join("slice_1d_train_test.png"),
            "Train and test along d",
            &s,
        )
        .unwrap();

        // Edge cases, to look at: scattered NaN, all NaN, constant, 2 x 2, log with zeros.
        let edge = dir.join("edge");
        std::fs::create_dir_all(&edge).unwrap();
        let mut holes = field(&|a, b| a * a + b * b);
        for k in (0..n * n).step_by(37) {
            holes[k] = f64::NAN;
        }
        let zeros = field(&|a, b| (a * a + b * b - 0.2).max(0.0));
        type Case<'a> = (&'a str, Vec<f64>, Vec<f64>, Vec<f64>, bool);
        let cases: Vec<Case> = vec![
            ("holes", x.clone(), y.clone(), holes, false),
            (
                "all_nan",
                x.clone(),
                y.clone(),
                vec![f64::NAN; n * n],
                false,
            ),
            ("constant", x.clone(), y.clone(), vec![0.3; n * n], false),
            (
                "two",
                vec![0.0, 1.0],
                vec![0.0, 2.0],
                vec![1.0, 2.0, 3.0, 4.0],
                false,
            ),
            ("log_zeros", x.clone(), y.clone(), zeros, true),
        ];
        for (name, xx, yy, zz, log) in &cases {
            let s = Surface {
                x: xx,
                y: yy,
                z: zz,
            };
            let st = SurfaceStyle {
                log: *log,
                ..SurfaceStyle::default()
            };
            contour_plot(
                &edge.join(format!("{name}_contour.png")),
                name,
                &s,
                &st,
                None,
            )
            .unwrap();
            heatmap(
                &edge.join(format!("{name}_heatmap.png")),
                name,
                &s,
                &st,
                None,
            )
            .unwrap();
            surface_3d(&edge.join(format!("{name}_3d.png")), name, &s, &st).unwrap();
        }
    }
}
