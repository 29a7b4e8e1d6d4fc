//! The house style of every figure: figure sizes, the embedded font and its sizes, the
//! neutral colours (text, axes, grid, legend frame) and the text styles built from them.

use std::sync::Once;

use plotters::prelude::*;
use plotters::style::register_font;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::save::{Area, DrawError};

// ---------------------------------------------------------------------------------------
// Figure sizes in pixels (width, height).

/// A single chart: line charts, histograms, scatter plots, mean ± std charts.
pub const DEFAULT_SIZE: (u32, u32) = (900, 600);
/// Two charts side by side (training curves with an accuracy panel).
pub const WIDE_SIZE: (u32, u32) = (1500, 600);
/// Two histograms side by side (`spectrum_pair`).
pub const PAIR_SIZE: (u32, u32) = (1400, 600);
/// Four stacked panels sharing the x axis (`curvature_track`).
pub const TRACK_SIZE: (u32, u32) = (900, 1100);
/// The 1-D slice with its legend column at the right.
pub const SLICE_1D_SIZE: (u32, u32) = (1200, 640);
/// The 3-D surface with its colour bar at the right.
pub const SURFACE_3D_SIZE: (u32, u32) = (1000, 760);
/// Width of one panel of a row of panels (`mean_std_panels`); the height is
/// [`DEFAULT_SIZE`]'s.
pub const PANEL_WIDTH: u32 = 500;

// ---------------------------------------------------------------------------------------
// Text.

/// Font family name every figure uses (registered from the embedded DejaVu Sans).
pub(crate) const FONT: &str = "sans-serif";
/// Font sizes in pixels: figure title, panel caption, axis names, tick labels, legend
/// and notes, small labels (contour levels).
pub(crate) const TITLE_PX: u32 = 24;
pub(crate) const SUBTITLE_PX: u32 = 21;
pub(crate) const AXIS_PX: u32 = 20;
pub(crate) const TICK_PX: u32 = 17;
pub(crate) const LEGEND_PX: u32 = 18;
pub(crate) const SMALL_PX: u32 = 14;

// ---------------------------------------------------------------------------------------
// Neutral colours.

/// Light and bold grid lines.
pub(crate) const MESH_LIGHT: RGBColor = RGBColor(238, 238, 238);
pub(crate) const MESH_BOLD: RGBColor = RGBColor(215, 215, 215);
/// Axis lines, tick marks and frames.
pub(crate) const AXIS: RGBColor = RGBColor(90, 90, 90);
/// All text.
pub(crate) const TEXT: RGBColor = RGBColor(30, 30, 30);
/// Grey text of the notes in an empty chart ("no finite data").
pub(crate) const NOTE_GREY: RGBColor = RGBColor(150, 150, 150);
/// Frame of legends and notes.
pub(crate) const LEGEND_BORDER: RGBColor = RGBColor(190, 190, 190);

static FONTS: Once = Once::new();

/// Register the embedded DejaVu Sans (regular and bold) as plotters' `"sans-serif"`.
/// Idempotent and cheap after the first call; [`save_png`](super::save_png) calls it
/// before every figure.
pub fn register_fonts() {
    FONTS.call_once(|| {
        // The bytes are a valid TrueType font shipped in the `dejavu` crate; if
        // registration failed anyway, drawing text reports an error later.
        let _ = register_font(FONT, FontStyle::Normal, dejavu::sans::regular());
        let _ = register_font(FONT, FontStyle::Bold, dejavu::sans::bold());
    });
}

/// The house font at `px` pixels in the text colour.
pub(crate) fn font(px: u32) -> TextStyle<'static> {
    (FONT, px).into_font().color(&TEXT)
}

/// The house font at `px` pixels in `color`, anchored at `(h, v)` of the text.
pub(crate) fn text(px: u32, color: &RGBColor, h: HPos, v: VPos) -> TextStyle<'static> {
    (FONT, px).into_font().color(color).pos(Pos::new(h, v))
}

/// The figure title on top of `root`; returns the area below it.
pub(crate) fn titled<'a>(root: &Area<'a>, title: &str) -> Result<Area<'a>, DrawError> {
    Ok(root.titled(title, font(TITLE_PX))?)
}
