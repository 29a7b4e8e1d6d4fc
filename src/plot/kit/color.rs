//! Colours: the categorical palette (series, bars, classes), linear blends, and the
//! colour maps from a fraction in `[0, 1]` to a colour.
//!
//! The maps are plotters' (`colormaps` feature): sequential [`viridis`] is
//! [`ViridisRGB`]; the diverging [`red_blue`] (ColorBrewer RdBu, reversed) and the
//! TensorFlow Playground's orange-grey-blue [`playground`] have no plotters
//! equivalent, so their stops are listed here and interpolated by plotters'
//! [`DerivedColorMap`]. Every map takes a non-finite fraction as 0 (plotters' maps
//! would panic on NaN).

use std::sync::LazyLock;

use plotters::prelude::*;
use plotters::style::colors::colormaps::{ColorMap, DerivedColorMap, ViridisRGB};

/// Categorical palette (Tableau 10): series, bars, classes.
pub(crate) const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// The `i`-th colour of the categorical palette (cycles).
pub(crate) fn palette(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// Linear blend `a + t (b - a)` per channel, `t` clamped to `[0, 1]` (non-finite: 0).
pub(crate) fn lerp(a: RGBColor, b: RGBColor, t: f64) -> RGBColor {
    let t = unit(t);
    let ch = |a: u8, b: u8| (a as f64 + t * (b as f64 - a as f64)).round() as u8;
    RGBColor(ch(a.0, b.0), ch(a.1, b.1), ch(a.2, b.2))
}

/// `t` clamped to `[0, 1]`, non-finite values to 0.
fn unit(t: f64) -> f64 {
    if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    }
}

/// Sequential map: matplotlib's viridis (plotters' [`ViridisRGB`]), dark purple at 0 to
/// yellow at 1.
pub(crate) fn viridis(t: f64) -> RGBColor {
    ViridisRGB::get_color(unit(t))
}

/// ColorBrewer RdBu (11 classes), reversed: blue for low, white in the middle, red for
/// high.
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

static RED_BLUE: LazyLock<DerivedColorMap<RGBColor>> =
    LazyLock::new(|| DerivedColorMap::new(&RDBU_R));

/// Diverging map: blue at 0, white at 0.5, red at 1 (for signed values and ratios).
pub(crate) fn red_blue(t: f64) -> RGBColor {
    RED_BLUE.get_color(unit(t))
}

/// TensorFlow Playground orange (class 0), neutral (p = 0.5) and blue (class 1).
pub const ORANGE: RGBColor = RGBColor(245, 147, 34);
pub const NEUTRAL: RGBColor = RGBColor(232, 234, 235);
pub const BLUE: RGBColor = RGBColor(8, 119, 189);

static PLAYGROUND: LazyLock<DerivedColorMap<RGBColor>> =
    LazyLock::new(|| DerivedColorMap::new(&[ORANGE, NEUTRAL, BLUE]));

/// The Playground's diverging map for `p = P(class 1)`: orange at 0, light grey at 0.5,
/// blue at 1.
pub(crate) fn playground(p: f64) -> RGBColor {
    PLAYGROUND.get_color(unit(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: RGBColor, b: (u8, u8, u8), tol: u8) -> bool {
        a.0.abs_diff(b.0) <= tol && a.1.abs_diff(b.1) <= tol && a.2.abs_diff(b.2) <= tol
    }

    #[test]
    fn viridis_follows_matplotlib() {
        // matplotlib's viridis at 0, 1/4, 1/2, 3/4 and 1 (#440154, #3b528b, #21918c,
        // #5ec962, #fde725).
        let reference = [
            (0.0, (0x44, 0x01, 0x54)),
            (0.25, (0x3b, 0x52, 0x8b)),
            (0.5, (0x21, 0x91, 0x8c)),
            (0.75, (0x5e, 0xc9, 0x62)),
            (1.0, (0xfd, 0xe7, 0x25)),
        ];
        for (t, c) in reference {
            assert!(close(viridis(t), c, 3), "viridis({t}) = {:?}", viridis(t));
        }
        // Outside [0, 1] and NaN: the ends, never a panic.
        assert_eq!(viridis(-1.0), viridis(0.0));
        assert_eq!(viridis(7.0), viridis(1.0));
        assert_eq!(viridis(f64::NAN), viridis(0.0));
    }

    #[test]
    fn diverging_maps_pass_through_their_stops() {
        assert_eq!(red_blue(0.0), RDBU_R[0]);
        assert_eq!(red_blue(0.5), RDBU_R[5]);
        assert_eq!(red_blue(1.0), RDBU_R[10]);
        assert_eq!(red_blue(f64::NAN), RDBU_R[0]);
        assert_eq!(playground(0.0), ORANGE);
        assert_eq!(playground(0.5), NEUTRAL);
        assert_eq!(playground(1.0), BLUE);
        // A quarter of the way: halfway between orange and neutral.
        assert!(close(playground(0.25), (239, 191, 135), 1));
        assert_eq!(lerp(ORANGE, BLUE, 0.0), ORANGE);
        assert_eq!(lerp(ORANGE, BLUE, 2.0), BLUE);
        assert_eq!(palette(12), PALETTE[2]);
    }
}
