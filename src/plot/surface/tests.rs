//! Tests of the loss-landscape figures together: sizes, masked and degenerate inputs,
//! bad arguments.

use super::super::kit::{field_figure_size, FIELD_PLOT_PX, SLICE_1D_SIZE, SURFACE_3D_SIZE};
use super::super::testutil::files_in;
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
    let o = Overlay::path(&pts, "SGD path");
    let p = dir.path().join("contour.png");
    contour_plot(&p, "Contour", &s, &st, &[o]).unwrap();
    let side = FIELD_PLOT_PX as u32;
    assert_eq!(check_png(&p), field_figure_size((side, side)));
    let p = dir.path().join("heat.png");
    heatmap(&p, "Heatmap", &s, &st, &[o]).unwrap();
    check_png(&p);
    let p = dir.path().join("surf.png");
    surface_3d(&p, "Surface", &s, &st).unwrap();
    assert_eq!(check_png(&p), SURFACE_3D_SIZE);
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
    assert_eq!(check_png(&p), SLICE_1D_SIZE);
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
    let o = Overlay::path(&wild, "wild");
    for (name, st) in &cases {
        for (k, f) in [contour_plot, heatmap].iter().enumerate() {
            let p = dir.path().join(format!("{name}{k}.png"));
            f(&p, name, &s, st, &[o]).unwrap();
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
            contour_plot(&dir.path().join(format!("{name}c.png")), name, &s, st, &[]).unwrap();
            heatmap(&dir.path().join(format!("{name}h.png")), name, &s, st, &[]).unwrap();
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
        &[],
    )
    .unwrap();
    heatmap(
        &dir.path().join("2h.png"),
        "2x2",
        &tiny,
        &SurfaceStyle::default(),
        &[],
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
        &[],
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
            contour_plot(&p, "t", s, &st, &[]),
            Err(Error::Invalid(_))
        ));
        assert!(matches!(
            heatmap(&p, "t", s, &st, &[]),
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
            heatmap(&p, "t", &ok, &st, &[]),
            Err(Error::Invalid(_))
        ));
    }
    let zero_levels = SurfaceStyle {
        levels: 0,
        ..SurfaceStyle::default()
    };
    assert!(matches!(
        contour_plot(&p, "t", &ok, &zero_levels, &[]),
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
        heatmap(&unwritable, "t", &ok, &st, &[]),
        Err(Error::Output { .. })
    ));
    assert!(files_in(dir.path()).is_empty());
}
