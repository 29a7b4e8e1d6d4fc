//! A small matrix of values in [0, 1] as coloured cells with the value printed in each
//! (e.g. |cos| between two sets of eigenvectors): white at 0, blue at 1, rows top to
//! bottom, columns left to right, ticks 1..rows and 1..cols.

use std::path::Path;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::kit::{self, lerp, save_png, text, titled, Axis, Frame, BLUE, DEFAULT_SIZE, TEXT};
use crate::error::{Error, Result};

/// Draws the row-major `rows × cols` matrix `values` (NaN cells grey, values clamped to
/// [0, 1] for the colour). A `values` of another length is [`Error::Invalid`].
pub fn unit_matrix(
    path: &Path,
    title: &str,
    (x_label, y_label): (&str, &str),
    values: &[f64],
    (rows, cols): (usize, usize),
) -> Result<()> {
    if values.len() != rows * cols {
        return Err(Error::Invalid(format!(
            "unit_matrix: {} values for a {rows} × {cols} matrix",
            values.len()
        )));
    }
    let ticks = |n: usize| {
        (1..=n)
            .map(|i| (i as f64, i.to_string()))
            .collect::<Vec<_>>()
    };
    save_png(path, DEFAULT_SIZE, |root| {
        let area = titled(root, title)?;
        let x = Axis::linear(0.5, cols.max(1) as f64 + 0.5, 1).with_ticks(ticks(cols));
        // Row 1 at the top: the y axis runs from rows + ½ at the bottom down to ½.
        let y = Axis::linear(0.5, rows.max(1) as f64 + 0.5, 1).with_ticks(
            (1..=rows)
                .map(|i| ((rows + 1 - i) as f64, i.to_string()))
                .collect(),
        );
        let mut chart = kit::chart(&area, &Frame::new(x_label, y_label), x, y)?;
        let small = rows.max(cols) <= 12;
        for r in 0..rows {
            for c in 0..cols {
                let v = values[r * cols + c];
                let yc = (rows - r) as f64;
                let xc = (c + 1) as f64;
                let fill = if v.is_finite() {
                    lerp(WHITE, BLUE, v.clamp(0.0, 1.0))
                } else {
                    RGBColor(200, 200, 200)
                };
                let corners = [(xc - 0.5, yc - 0.5), (xc + 0.5, yc + 0.5)];
                chart.draw_series([Rectangle::new(corners, fill.filled())])?;
                if small && v.is_finite() {
                    let ink = if v > 0.6 { WHITE } else { TEXT };
                    let style = text(14, &ink, HPos::Center, VPos::Center);
                    chart.draw_series(std::iter::once(
                        EmptyElement::at((xc, yc)) + Text::new(format!("{v:.2}"), (0, 0), style),
                    ))?;
                }
            }
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::testutil::{near, written_png};

    #[test]
    fn cells_are_coloured_by_value_and_a_wrong_length_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.png");
        // 2 × 2: 1 at the top left, 0 elsewhere.
        unit_matrix(&path, "m", ("x", "y"), &[1.0, 0.0, 0.0, 0.0], (2, 2)).unwrap();
        let png = written_png(&path);
        let (w, h) = (png.width, png.height);
        let blue = (0..w)
            .flat_map(|x| (0..h).map(move |y| (x, y)))
            .filter(|&(x, y)| near(png.pixel(x, y), BLUE, 2))
            .count();
        assert!(blue > 1000, "{blue} blue pixels");
        assert!(!dir.path().join("bad.png").exists());
        let err = unit_matrix(&dir.path().join("bad.png"), "m", ("x", "y"), &[1.0], (2, 2));
        assert!(err.is_err() && !dir.path().join("bad.png").exists());
    }
}
