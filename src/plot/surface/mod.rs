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
pub(super) mod scale;
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

#[cfg(test)]
mod tests {
    use super::super::testutil::files_in;
    use super::figure2d::{MARGIN, PLOT_PX, RIGHT_PANEL, X_LABEL_AREA, Y_LABEL_AREA};
    use super::testutil::{check_png, grid, linspace};
    use super::*;
    use crate::error::Error;

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
}
