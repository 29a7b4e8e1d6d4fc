//! Grids, PNG checks and pixel positions shared by the loss-landscape figure tests.

use std::path::Path;

use super::super::kit::{FIELD_PLOT_PX, FIELD_Y_LABEL_AREA, MARGIN, TITLE_H};
use super::super::testutil::written_png;

pub(super) fn linspace(a: f64, b: f64, n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| a + (b - a) * i as f64 / (n - 1) as f64)
        .collect()
}

pub(super) fn grid(n: usize, f: impl Fn(f64, f64) -> f64) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
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

pub(super) fn check_png(path: &Path) -> (u32, u32) {
    let png = written_png(path);
    assert!(png.width > 300 && png.height > 300);
    (png.width, png.height)
}

pub(super) fn is_star(p: (u8, u8, u8)) -> bool {
    p.0 > 230 && (160..=225).contains(&p.1) && p.2 < 60
}

/// Pixel rectangle of the plotting area of a 2-D figure with a square grid.
pub(super) fn plot_rect() -> (u32, u32, u32, u32) {
    let side = FIELD_PLOT_PX as u32;
    let x0 = MARGIN + FIELD_Y_LABEL_AREA;
    let y0 = TITLE_H + MARGIN;
    (x0, y0, x0 + side, y0 + side)
}
