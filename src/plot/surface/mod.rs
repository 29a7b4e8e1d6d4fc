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
//! - [`heatmap_pair`]: two slices side by side on one shared colour scale (heatmaps with a
//!   few contour lines, each minimum starred), one colour bar.
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

mod contour;
mod figure2d;
mod geometry;
mod glyphs;
mod grid;
mod heatmap;
mod overlay;
mod pair;
mod panel;
mod scale;
mod slice1d;
mod surface3d;

#[cfg(test)]
mod demo;
#[cfg(test)]
mod testutil;

pub use contour::contour_plot;
pub use heatmap::heatmap;
pub use pair::heatmap_pair;
pub use slice1d::slice_1d;
pub use surface3d::surface_3d;

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
/// a line with dots (when there are few), its first and last points circled and named.
/// Non-finite points break the line; parts outside the grid's range are clipped. A
/// one-point overlay is a named marker. A figure takes any number of overlays, drawn in
/// order, each with a legend row.
#[derive(Debug, Clone, Copy)]
pub struct Overlay<'a> {
    pub points: &'a [(f64, f64)],
    pub label: &'a str,
    /// The path's colour: 0 is the red of a lone path, i ≥ 1 the chart palette's colour
    /// i − 1 (as the i-th line of a line chart).
    pub color: usize,
    /// Written beside the first and the last point ("" for nothing).
    pub ends: [&'a str; 2],
}

impl<'a> Overlay<'a> {
    /// A lone red path, its ends named "start" and "end".
    pub fn path(points: &'a [(f64, f64)], label: &'a str) -> Self {
        Overlay {
            points,
            label,
            color: 0,
            ends: ["start", "end"],
        }
    }
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

#[cfg(test)]
mod tests;
