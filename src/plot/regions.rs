//! Decision regions of a classifier on a 2-D input plane, drawn the way the TensorFlow
//! Playground draws them.
//!
//! The caller samples the model on an `nx x ny` grid over `[x0, x1] x [y0, y1]`:
//! grid point `(i, j)` is `(x0 + i (x1 - x0) / (nx - 1), y0 + j (y1 - y0) / (ny - 1))` and
//! its value sits at index `j * nx + i`. The field is drawn per pixel by bilinear
//! interpolation of the grid, so a 50 x 50 grid already gives smooth regions.
//!
//! - Binary: `p = P(class 1)`; orange for class 0, blue for class 1, fading to light grey
//!   at `p = 0.5` (Playground colours `#f59322` / `#e8eaeb` / `#0877bd`).
//! - Multi-class: the predicted class and its probability; each class gets a categorical
//!   colour, shaded from white (confidence `1/K`) to full colour (confidence 1). Between
//!   grid points the per-class scores are interpolated (the predicted class holds its
//!   confidence, the others share the rest) and the best class wins.
//!
//! The decision boundary (binary: `p = 0.5`; multi-class: where the winning class changes)
//! is drawn as a thin dark line on the pixel raster. Cells with a non-finite value are
//! drawn in neutral grey. Training points are circles with a white edge, coloured by true
//! label; test points are triangles with a dark edge.

use std::path::Path;

use plotters::prelude::*;

use super::kit::{
    draw_colorbar, draw_frame, field_chart, field_figure_size, field_plot_size, fmt_decimals,
    legend_rows, lerp, palette, playground, plotting_area, save_png, titled, Area, Axis, ColorBar,
    DrawResult, LegendRow, FIELD_PLOT_PX, FIELD_SIDE_PANEL, LEGEND_PX, MARGIN,
};
use crate::error::{Error, Result};

/// Playground orange (class 0), neutral (p = 0.5) and blue (class 1).
pub use super::kit::{BLUE, NEUTRAL, ORANGE};
/// Colour of grid cells whose value is not finite.
const MASKED: RGBColor = RGBColor(200, 200, 200);
const BOUNDARY: RGBColor = RGBColor(40, 40, 40);

/// The model output on the grid, one entry per grid point (`j * nx + i`).
#[derive(Debug, Clone, Copy)]
pub enum RegionValues<'a> {
    /// Probability of class 1, in `[0, 1]`.
    Binary(&'a [f64]),
    /// Predicted class (`< n_classes`) and its probability.
    Multiclass {
        class: &'a [u32],
        confidence: &'a [f64],
        n_classes: usize,
    },
}

/// Everything a decision-region figure shows; see the module docs for the grid layout.
#[derive(Debug, Clone, Copy)]
pub struct Regions<'a> {
    pub x_range: (f64, f64),
    pub y_range: (f64, f64),
    pub nx: usize,
    pub ny: usize,
    pub values: RegionValues<'a>,
    pub points: &'a [(f64, f64)],
    pub point_labels: &'a [u32],
    pub test_points: &'a [(f64, f64)],
    pub test_labels: &'a [u32],
}

/// Draw the decision regions `r` with the data points on top.
pub fn decision_regions(path: &Path, title: &str, r: &Regions) -> Result<()> {
    validate(r)?;
    let (x0, x1) = r.x_range;
    let (y0, y1) = r.y_range;
    let plot = field_plot_size(r.x_range, r.y_range, FIELD_PLOT_PX);
    let (width, height) = field_figure_size(plot);

    save_png(path, (width, height), |root| {
        let area = titled(root, title)?;
        let (main, side) = area.split_horizontally(width - FIELD_SIDE_PANEL);
        let x = Axis::linear(x0, x1, 7);
        let y = Axis::linear(y0, y1, 7);
        let mut chart = field_chart(&main, x, y, ("x₁", "x₂"))?;

        let field = Field::new(r);
        let pa = plotting_area(&chart);
        draw_field(&pa, &field)?;
        draw_frame(&pa)?;

        let inside = |&(x, y): &(f64, f64)| {
            x.is_finite() && y.is_finite() && x >= x0 && x <= x1 && y >= y0 && y <= y1
        };
        let n_pts = r.points.len() + r.test_points.len();
        let radius = if n_pts <= 300 {
            5
        } else if n_pts <= 1500 {
            4
        } else {
            3
        };
        for (p, &label) in r
            .points
            .iter()
            .zip(r.point_labels)
            .filter(|(p, _)| inside(p))
        {
            chart.draw_series([
                Circle::new(*p, radius + 2, WHITE.filled()),
                Circle::new(*p, radius, field.class_color(label).filled()),
            ])?;
        }
        for (p, &label) in r
            .test_points
            .iter()
            .zip(r.test_labels)
            .filter(|(p, _)| inside(p))
        {
            chart.draw_series([
                TriangleMarker::new(*p, radius + 5, BOUNDARY.filled()),
                TriangleMarker::new(*p, radius + 2, field.class_color(label).filled()),
            ])?;
        }

        draw_side_panel(
            &side,
            &field,
            !r.test_points.is_empty(),
            MARGIN + plot.1,
            radius,
        )
    })
}

fn validate(r: &Regions) -> Result<()> {
    let bad = |msg: String| Err(Error::Invalid(format!("decision_regions: {msg}")));
    let (x0, x1) = r.x_range;
    let (y0, y1) = r.y_range;
    if !(x0.is_finite() && x1.is_finite() && x0 < x1 && y0.is_finite() && y1.is_finite() && y0 < y1)
    {
        return bad(format!(
            "ranges must be finite and increasing, got x {:?}, y {:?}",
            r.x_range, r.y_range
        ));
    }
    if r.nx == 0 || r.ny == 0 {
        return bad(format!("empty grid {} x {}", r.nx, r.ny));
    }
    let n = r.nx.saturating_mul(r.ny);
    match r.values {
        RegionValues::Binary(p) if p.len() != n => {
            return bad(format!("{} values for a {} x {} grid", p.len(), r.nx, r.ny));
        }
        RegionValues::Multiclass {
            class,
            confidence,
            n_classes,
        } => {
            if class.len() != n || confidence.len() != n {
                return bad(format!(
                    "{} classes and {} confidences for a {} x {} grid",
                    class.len(),
                    confidence.len(),
                    r.nx,
                    r.ny
                ));
            }
            if n_classes == 0 {
                return bad("n_classes must be at least 1".into());
            }
        }
        _ => {}
    }
    if r.points.len() != r.point_labels.len() {
        return bad(format!(
            "{} points but {} labels",
            r.points.len(),
            r.point_labels.len()
        ));
    }
    if r.test_points.len() != r.test_labels.len() {
        return bad(format!(
            "{} test points but {} labels",
            r.test_points.len(),
            r.test_labels.len()
        ));
    }
    Ok(())
}

/// Colour for class `k` at shading `s` in `[0, 1]` (0 = no information, 1 = certain).
fn shaded(base: RGBColor, s: f64) -> RGBColor {
    lerp(RGBColor(250, 250, 250), base, 0.12 + 0.78 * s)
}

/// The grid values with pixel lookups.
struct Field<'a> {
    r: &'a Regions<'a>,
}

/// What one pixel shows: a colour and a "side" for the boundary (-1 = masked).
struct Sample {
    color: RGBColor,
    side: i64,
}

impl<'a> Field<'a> {
    fn new(r: &'a Regions<'a>) -> Self {
        Field { r }
    }

    fn n_classes(&self) -> usize {
        match self.r.values {
            RegionValues::Binary(_) => 2,
            RegionValues::Multiclass { n_classes, .. } => n_classes,
        }
    }

    fn is_binary(&self) -> bool {
        matches!(self.r.values, RegionValues::Binary(_))
    }

    /// Colour of true label `k` for the data points and the legend.
    fn class_color(&self, k: u32) -> RGBColor {
        match (self.is_binary(), k) {
            (true, 0) => ORANGE,
            (true, 1) => BLUE,
            (true, k) => palette(k as usize),
            (false, k) => palette(k as usize),
        }
    }

    /// Grid position of data coordinate (x, y): the lower corner (i, j) and the weights.
    fn locate(&self, x: f64, y: f64) -> ((usize, usize), (f64, f64)) {
        let r = self.r;
        let axis = |v: f64, (a, b): (f64, f64), n: usize| {
            if n == 1 {
                return (0, 0.0);
            }
            let g = ((v - a) / (b - a) * (n - 1) as f64).clamp(0.0, (n - 1) as f64);
            let i = (g.floor() as usize).min(n - 2);
            (i, g - i as f64)
        };
        let (i, fx) = axis(x, r.x_range, r.nx);
        let (j, fy) = axis(y, r.y_range, r.ny);
        ((i, j), (fx, fy))
    }

    /// The four corners (index, weight) around (i, j); repeated corners at a 1-wide grid.
    fn corners(&self, (i, j): (usize, usize), (fx, fy): (f64, f64)) -> [(usize, f64); 4] {
        let nx = self.r.nx;
        let i1 = (i + 1).min(nx - 1);
        let j1 = (j + 1).min(self.r.ny - 1);
        [
            (j * nx + i, (1.0 - fx) * (1.0 - fy)),
            (j * nx + i1, fx * (1.0 - fy)),
            (j1 * nx + i, (1.0 - fx) * fy),
            (j1 * nx + i1, fx * fy),
        ]
    }

    fn sample(&self, x: f64, y: f64, scores: &mut [f64]) -> Sample {
        let masked = Sample {
            color: MASKED,
            side: -1,
        };
        let (cell, frac) = self.locate(x, y);
        let corners = self.corners(cell, frac);
        match self.r.values {
            RegionValues::Binary(p) => {
                let v: f64 = corners.iter().map(|&(k, w)| w * p[k].clamp(0.0, 1.0)).sum();
                if !v.is_finite() {
                    return masked;
                }
                Sample {
                    color: playground(v),
                    side: (v >= 0.5) as i64,
                }
            }
            RegionValues::Multiclass {
                class,
                confidence,
                n_classes,
            } => {
                scores.fill(0.0);
                let others = (n_classes.max(2) - 1) as f64;
                for &(k, w) in &corners {
                    let (c, conf) = (class[k] as usize, confidence[k]);
                    if c >= n_classes || !conf.is_finite() {
                        if w > 0.0 {
                            return masked;
                        }
                        continue;
                    }
                    let conf = conf.clamp(0.0, 1.0);
                    let rest = w * (1.0 - conf) / others;
                    for s in scores.iter_mut() {
                        *s += rest;
                    }
                    scores[c] += w * conf - rest;
                }
                let (best, &s) =
                    scores
                        .iter()
                        .enumerate()
                        .fold(
                            (0, &f64::NEG_INFINITY),
                            |acc, x| if x.1 > acc.1 { x } else { acc },
                        );
                let chance = 1.0 / n_classes as f64;
                let shade = if n_classes == 1 {
                    1.0
                } else {
                    (s - chance) / (1.0 - chance)
                };
                Sample {
                    color: shaded(palette(best), shade),
                    side: best as i64,
                }
            }
        }
    }
}

/// Fill the plotting area pixel by pixel and draw the decision boundary.
fn draw_field(pa: &Area, field: &Field) -> DrawResult {
    let (w, h) = pa.dim_in_pixel();
    let (w, h) = (w as usize, h as usize);
    let (x0, x1) = field.r.x_range;
    let (y0, y1) = field.r.y_range;
    let mut scores = vec![0.0; field.n_classes()];
    let mut side = vec![-1i64; w * h];
    for py in 0..h {
        let y = y1 - (py as f64 + 0.5) / h as f64 * (y1 - y0);
        for px in 0..w {
            let x = x0 + (px as f64 + 0.5) / w as f64 * (x1 - x0);
            let s = field.sample(x, y, &mut scores);
            side[py * w + px] = s.side;
            pa.draw_pixel((px as i32, py as i32), &field_color(s.color))?;
        }
    }
    // Boundary: pixels whose right or lower neighbour is on the other side; both
    // neighbours of a crossing are marked, giving a line about 2 px wide.
    let line = BOUNDARY.mix(0.75);
    let mut mark = vec![false; w * h];
    for py in 0..h {
        for px in 0..w {
            let s = side[py * w + px];
            if s < 0 {
                continue;
            }
            for (qx, qy) in [(px + 1, py), (px, py + 1)] {
                if qx < w && qy < h {
                    let t = side[qy * w + qx];
                    if t >= 0 && t != s {
                        mark[py * w + px] = true;
                        mark[qy * w + qx] = true;
                    }
                }
            }
        }
    }
    for (k, _) in mark.iter().enumerate().filter(|(_, &m)| m) {
        pa.draw_pixel(((k % w) as i32, (k / w) as i32), &line)?;
    }
    Ok(())
}

/// Legend (classes, train/test markers) and the colour bar, right of the plot.
/// `plot_bottom` is the bottom of the plotting area in this panel's pixels.
fn draw_side_panel(
    side: &Area,
    field: &Field,
    has_test: bool,
    plot_bottom: u32,
    radius: i32,
) -> DrawResult {
    let k = field.n_classes();
    let n_rows = k + if has_test { 2 } else { 0 };
    let avail = plot_bottom.saturating_sub(MARGIN) as f64;
    let row_h = (avail * 0.45 / n_rows as f64).clamp(12.0, 30.0) as i32;
    let font_px = if row_h >= 24 {
        LEGEND_PX
    } else {
        (row_h as u32).saturating_sub(4).max(10)
    };
    // A data point's marker: a circle with a white ring and a grey edge.
    let point_key = |color: RGBColor| {
        move |area: &Area, c: (i32, i32)| -> DrawResult {
            area.draw(&Circle::new(
                c,
                radius + 2,
                RGBColor(160, 160, 160).filled(),
            ))?;
            area.draw(&Circle::new(c, radius + 1, WHITE.filled()))?;
            area.draw(&Circle::new(c, radius, color.filled()))?;
            Ok(())
        }
    };
    let grey = RGBColor(150, 150, 150);
    let mut rows: Vec<LegendRow> = (0..k)
        .map(|c| LegendRow::new(format!("class {c}"), point_key(field.class_color(c as u32))))
        .collect();
    if has_test {
        // Rows "train" (grey circle) and "test" (grey triangle).
        rows.push(LegendRow::new("train", point_key(grey)));
        rows.push(LegendRow::new("test", move |area: &Area, c| {
            draw_test_marker(area, c, radius, grey)
        }));
    }
    let y = legend_rows(side, (8, MARGIN as i32), row_h, font_px, &rows)?;

    // Colour bar, from below the legend down to the plot's bottom edge.
    let (name, lo, color): (_, _, &dyn Fn(f64) -> RGBColor) = if field.is_binary() {
        ("P(class 1)", 0.0, &|v| field_color(playground(v)))
    } else {
        ("confidence", 1.0 / k as f64, &|v| {
            let s = if k == 1 {
                1.0
            } else {
                (v - 1.0 / k as f64) / (1.0 - 1.0 / k as f64)
            };
            field_color(shaded(RGBColor(80, 80, 80), s))
        })
    };
    let ticks: Vec<(f64, String)> = if field.is_binary() {
        vec![0.0, 0.25, 0.5, 0.75, 1.0]
    } else if k <= 1 {
        vec![1.0]
    } else {
        (0..=4).map(|i| lo + (1.0 - lo) * i as f64 / 4.0).collect()
    }
    .into_iter()
    .map(|t| (t, fmt_decimals(t, 2)))
    .collect();
    draw_colorbar(
        side,
        &ColorBar {
            x: 16,
            top: y + 46,
            bottom: plot_bottom as i32,
            name,
            lo: if k == 1 { 0.0 } else { lo },
            hi: 1.0,
            color,
            ticks: &ticks,
            levels: &[],
        },
    )
}

/// A test-point marker: a triangle with a dark edge.
fn draw_test_marker(area: &Area, at: (i32, i32), radius: i32, color: RGBColor) -> DrawResult {
    area.draw(&TriangleMarker::new(at, radius + 5, BOUNDARY.filled()))?;
    area.draw(&TriangleMarker::new(at, radius + 2, color.filled()))?;
    Ok(())
}

/// The field is drawn lighter than the class colours so the points stand out on it.
fn field_color(c: RGBColor) -> RGBColor {
    lerp(c, WHITE, 0.3)
}

#[cfg(test)]
mod tests {
    use super::super::kit::{FIELD_Y_LABEL_AREA, TITLE_H};
    use super::super::testutil::{files_in, read_png};
    use super::*;

    /// A 41 x 41 grid over [-1, 1]^2 with P(class 1) = sigmoid(8 x): class 0 left.
    fn binary_grid() -> (Vec<f64>, usize) {
        let n = 41;
        let mut p = Vec::with_capacity(n * n);
        for _j in 0..n {
            for i in 0..n {
                let x = -1.0 + 2.0 * i as f64 / (n - 1) as f64;
                p.push(1.0 / (1.0 + (-8.0 * x).exp()));
            }
        }
        (p, n)
    }

    #[test]
    fn binary_regions_have_playground_colours() {
        let dir = tempfile::tempdir().unwrap();
        let (p, n) = binary_grid();
        let points = [(-0.5, 0.5), (0.5, -0.5)];
        let labels = [0, 1];
        let r = Regions {
            x_range: (-1.0, 1.0),
            y_range: (-1.0, 1.0),
            nx: n,
            ny: n,
            values: RegionValues::Binary(&p),
            points: &points,
            point_labels: &labels,
            test_points: &[(0.2, 0.8)],
            test_labels: &[1],
        };
        let path = dir.path().join("regions.png");
        decision_regions(&path, "XOR", &r).unwrap();
        let png = read_png(&path);
        let side = FIELD_PLOT_PX as u32;
        assert_eq!((png.width, png.height), field_figure_size((side, side)));
        assert_eq!(files_in(dir.path()), vec!["regions.png".to_string()]);
        // Plot area: x from MARGIN + Y_LABEL_AREA, width about PLOT_PX. Sample at 10 %
        // and 90 % of the width, a quarter of the way down (no points there).
        let px = |f: f64| MARGIN + FIELD_Y_LABEL_AREA + (f * FIELD_PLOT_PX) as u32;
        let y = TITLE_H + MARGIN + (0.8 * FIELD_PLOT_PX) as u32;
        let (r0, g0, b0) = png.pixel(px(0.1), y);
        assert!(
            r0 > 220 && b0 < 140 && g0 > 130 && r0 > g0 + 40,
            "left should be orange, got {:?}",
            (r0, g0, b0)
        );
        let (r1, g1, b1) = png.pixel(px(0.9), y);
        assert!(
            b1 > 180 && r1 < 120 && b1 > g1 + 30 && g1 > r1 + 30,
            "right should be blue, got {:?}",
            (r1, g1, b1)
        );
        // Near the middle the colour is light and the boundary dark line crosses x = 0.
        let row: Vec<_> = (px(0.45)..px(0.55)).map(|x| png.pixel(x, y)).collect();
        assert!(
            row.iter().any(|&(r, g, b)| r < 120 && g < 120 && b < 120),
            "no boundary line"
        );
    }

    #[test]
    fn multiclass_and_edge_cases() {
        let dir = tempfile::tempdir().unwrap();
        let (nx, ny) = (30, 20);
        let mut class = Vec::new();
        let mut conf = Vec::new();
        for j in 0..ny {
            for i in 0..nx {
                let k = (i * 3 / nx) as u32;
                class.push(k);
                conf.push(if (i + j) % 7 == 0 {
                    f64::NAN
                } else {
                    0.4 + 0.6 * (j as f64 / ny as f64)
                });
            }
        }
        let points: Vec<(f64, f64)> = (0..90)
            .map(|i| (i as f64 / 30.0, (i % 10) as f64 / 5.0))
            .collect();
        let labels: Vec<u32> = (0..90).map(|i| (i / 30) as u32).collect();
        let r = Regions {
            x_range: (0.0, 3.0),
            y_range: (0.0, 2.0),
            nx,
            ny,
            values: RegionValues::Multiclass {
                class: &class,
                confidence: &conf,
                n_classes: 3,
            },
            points: &points,
            point_labels: &labels,
            test_points: &points[..10],
            test_labels: &labels[..10],
        };
        let path = dir.path().join("multi.png");
        decision_regions(&path, "Three classes", &r).unwrap();
        let png = read_png(&path);
        assert!(png.width > 500 && png.height > 400);

        // A 1 x 1 grid, all-NaN values, classes out of range, points outside the range.
        let nan = [f64::NAN];
        let one = Regions {
            x_range: (0.0, 1.0),
            y_range: (0.0, 1.0),
            nx: 1,
            ny: 1,
            values: RegionValues::Binary(&nan),
            points: &[(5.0, 5.0), (f64::NAN, 0.0)],
            point_labels: &[0, 7],
            test_points: &[],
            test_labels: &[],
        };
        decision_regions(&dir.path().join("one.png"), "One", &one).unwrap();
        let bad_class = Regions {
            values: RegionValues::Multiclass {
                class: &[9],
                confidence: &[0.9],
                n_classes: 2,
            },
            ..one
        };
        decision_regions(&dir.path().join("badclass.png"), "Bad", &bad_class).unwrap();
        let single_class = Regions {
            values: RegionValues::Multiclass {
                class: &[0],
                confidence: &[1.0],
                n_classes: 1,
            },
            ..one
        };
        decision_regions(&dir.path().join("k1.png"), "K = 1", &single_class).unwrap();

        // Precondition violations are errors, not panics.
        let wrong_len = Regions { nx: 2, ..one };
        assert!(matches!(
            decision_regions(&dir.path().join("w.png"), "t", &wrong_len),
            Err(Error::Invalid(_))
        ));
        let flat = Regions {
            x_range: (1.0, 1.0),
            ..one
        };
        assert!(matches!(
            decision_regions(&dir.path().join("f.png"), "t", &flat),
            Err(Error::Invalid(_))
        ));
        let labels_short = Regions {
            point_labels: &[0],
            ..one
        };
        assert!(matches!(
            decision_regions(&dir.path().join("l.png"), "t", &labels_short),
            Err(Error::Invalid(_))
        ));
        let unwritable = dir.path().join("nope").join("r.png");
        assert!(matches!(
            decision_regions(&unwritable, "t", &one),
            Err(Error::Output { .. })
        ));
        assert!(files_in(dir.path()).iter().all(|f| !f.contains(".tmp")));
    }
}
