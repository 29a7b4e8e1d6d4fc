//! PNG figures drawn with plotters, fed only with plain data (slices of `f64`, labels).
//!
//! One small function per figure: [`line_chart`], [`training_curves`], [`bar_chart`],
//! [`histogram`] (in `curves.rs`), [`decision_regions`] (in `regions.rs`, the
//! TensorFlow Playground picture), the loss-landscape slices [`contour_plot`],
//! [`heatmap`], [`surface_3d`] and [`slice_1d`] (in `surface/`), and the critical-point
//! figures [`loss_vs_index`], [`search_convergence`], [`curvature_track`] and
//! [`spectrum_pair`] (in `critical.rs`), the two slices on one colour scale
//! [`heatmap_pair`] (in `surface/`), a matrix of values in [0, 1] such as |cos| between
//! eigenvectors [`unit_matrix`] (in `matrix.rs`), and the figures of studies over many runs
//! [`mean_std_chart`], [`mean_std_panels`] and [`grouped_curves`] (in `studies.rs`). None
//! of them knows about models or reports: callers pass numbers and strings.
//!
//! Everything the figures share lives in the kit (`kit/`): sizes, fonts, axes and tick
//! labels (linear and log), legends and colour bars, the palette and colour maps, and
//! saving. Conventions shared by every figure:
//! - Text uses the DejaVu Sans font embedded in the binary (no system fonts needed); it is
//!   registered with plotters once, before the first drawing ([`register_fonts`]).
//! - Non-finite values are gaps, never errors; on a log axis zero and negative values are
//!   skipped too. A figure with nothing finite to show still draws its axes and says so.
//! - Every figure is saved through one function: drawn and encoded in memory, then
//!   written atomically, so a failed draw never leaves a half-written PNG behind and the
//!   same data gives the same bytes.
//! - Failures to draw or write are [`Error::Output`](crate::error::Error::Output) naming
//!   the target path; arguments that break a precondition (slices of different lengths)
//!   are [`Error::Invalid`](crate::error::Error::Invalid).

pub mod critical;
pub mod curves;
mod kit;
pub mod matrix;
pub mod regions;
pub mod studies;
pub mod surface;

pub use critical::{
    curvature_track, loss_vs_index, search_convergence, spectrum_pair, CriticalPoint,
    CurvatureTrack,
};
pub use curves::{bar_chart, histogram, line_chart, training_curves, Curves, Series};
pub use kit::{register_fonts, DEFAULT_SIZE};
pub use matrix::unit_matrix;
pub use regions::{decision_regions, RegionValues, Regions};
pub use studies::{grouped_curves, mean_std_chart, mean_std_panels, MeanStd, RunCurves};
pub use surface::{
    contour_plot, heatmap, heatmap_pair, slice_1d, surface_3d, Curve1d, Overlay, Slice1d, Surface,
    SurfaceStyle,
};

#[cfg(test)]
mod demo;
#[cfg(test)]
pub(crate) mod testutil;
