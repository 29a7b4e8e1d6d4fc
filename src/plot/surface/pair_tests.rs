//! Tests of the heatmap pair: one colour scale for both panels, one colour bar, log,
//! masked and degenerate pairs, bad surfaces naming their panel.

use super::super::super::testutil::{files_in, near, read_png, Png};
use super::super::testutil::{check_png, grid, linspace};
use super::*;
use crate::plot::kit::viridis;

/// The expected size of a pair of square grids.
fn pair_size() -> (u32, u32) {
    let p = PAIR_PLOT_PX as u32;
    (
        2 * (MARGIN + FIELD_Y_LABEL_AREA + p + MARGIN) + FIELD_SIDE_PANEL,
        TITLE_H + CAPTION_H + MARGIN + p + X_LABEL_AREA + MARGIN,
    )
}

/// Pixel columns of the left and right plotting areas and their rows (square grids).
fn plot_cols() -> (
    std::ops::Range<u32>,
    std::ops::Range<u32>,
    std::ops::Range<u32>,
) {
    let p = PAIR_PLOT_PX as u32;
    let panel_w = MARGIN + FIELD_Y_LABEL_AREA + p + MARGIN;
    let l0 = MARGIN + FIELD_Y_LABEL_AREA;
    let top = TITLE_H + CAPTION_H + MARGIN;
    (l0..l0 + p, panel_w + l0..panel_w + l0 + p, top..top + p)
}

/// Columns holding both the top and the bottom colour of viridis at some rows of
/// `rows`, the top one above the bottom one: a vertical colour bar.
fn colorbar_columns(png: &Png, rows: std::ops::Range<u32>) -> Vec<u32> {
    (0..png.width)
        .filter(|&x| {
            let top = rows
                .clone()
                .find(|&y| near(png.pixel(x, y), viridis(1.0), 10));
            let bottom = rows
                .clone()
                .rev()
                .find(|&y| near(png.pixel(x, y), viridis(0.0), 10));
            matches!((top, bottom), (Some(a), Some(b)) if b > a + 100)
        })
        .collect()
}

/// Left: constant `v`; right: a ramp from 0 to 2v along x.
fn constant_and_ramp(v: f64) -> (Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>) {
    let (x, y, flat) = grid(21, |_, _| v);
    let (_, _, ramp) = grid(21, |a, _| v * (a + 1.0));
    (x, y, flat, ramp)
}

#[test]
fn the_same_value_has_the_same_colour_in_both_panels() {
    let dir = tempfile::tempdir().unwrap();
    let v = 0.8;
    let (x, y, flat, ramp) = constant_and_ramp(v);
    let (l, r) = (
        Surface {
            x: &x,
            y: &y,
            z: &flat,
        },
        Surface {
            x: &x,
            y: &y,
            z: &ramp,
        },
    );
    let p = dir.path().join("pair.png");
    heatmap_pair(
        &p,
        "Pair",
        ("flat", &l),
        ("ramp", &r),
        &SurfaceStyle::default(),
    )
    .unwrap();
    assert_eq!(check_png(&p), pair_size());
    let png = read_png(&p);
    let (lc, rc, rows) = plot_cols();
    // The left panel is one colour: the middle of the shared scale [0, 2v].
    let y = rows.start + 120;
    let left = png.pixel(lc.start + 200, y);
    assert_eq!(png.pixel(lc.start + 350, rows.start + 300), left);
    let middle = viridis(0.5);
    assert_eq!(left, (middle.0, middle.1, middle.2));
    // The right panel has that colour in its middle (up to the rounding of the pixels
    // next to the exact middle value), and not at its ends.
    let same = |p: (u8, u8, u8)| near(p, middle, 1);
    let mid = (rc.start + rc.end) / 2;
    assert!(
        (mid - 12..mid + 12).any(|x| same(png.pixel(x, y))),
        "left colour {left:?} not in the right panel's middle"
    );
    for x in (rc.start + 5..rc.start + 60).chain(rc.end - 60..rc.end - 5) {
        assert!(!same(png.pixel(x, y)), "at column {x}");
    }
    // The right panel spans the whole scale: bottom colour at its left edge, top at
    // its right edge.
    assert!(near(png.pixel(rc.start + 2, y), viridis(0.0), 6));
    assert!(near(png.pixel(rc.end - 3, y), viridis(1.0), 6));

    // One colour bar, at the right of both panels.
    let bar = colorbar_columns(&png, rows.clone());
    assert!(!bar.is_empty(), "no colour bar");
    assert!(bar.len() <= 26, "{} colour-bar columns", bar.len());
    assert!(bar.windows(2).all(|w| w[1] == w[0] + 1), "{bar:?}");
    assert!(bar[0] > rc.end, "colour bar at {bar:?}");

    // vmin / vmax override the union: [0, 4v] puts v at a quarter.
    let st = SurfaceStyle {
        vmin: Some(0.0),
        vmax: Some(4.0 * v),
        ..SurfaceStyle::default()
    };
    heatmap_pair(&p, "Pair", ("flat", &l), ("ramp", &r), &st).unwrap();
    let png = read_png(&p);
    assert!(near(png.pixel(lc.start + 200, y), viridis(0.25), 3));
    assert!(files_in(dir.path()).iter().all(|f| !f.contains(".tmp")));
}

#[test]
fn log_masked_and_degenerate_pairs_draw() {
    let dir = tempfile::tempdir().unwrap();
    let (x, y, bowl) = grid(15, |a, b| a * a + b * b);
    let (_, _, mut saddle) = grid(15, |a, b| a * a - b * b);
    saddle[3] = f64::NAN;
    let nan = vec![f64::NAN; 225];
    let xs = linspace(0.0, 3.0, 15);
    let cases: Vec<(&str, &[f64], &[f64], SurfaceStyle)> = vec![
        ("plain", &bowl, &saddle, SurfaceStyle::default()),
        (
            "log",
            &bowl,
            &saddle,
            SurfaceStyle {
                log: true,
                ..SurfaceStyle::default()
            },
        ),
        (
            "div",
            &saddle,
            &bowl,
            SurfaceStyle {
                diverging: true,
                levels: 0,
                ..SurfaceStyle::default()
            },
        ),
        ("nan", &nan, &bowl, SurfaceStyle::default()),
        ("both_nan", &nan, &nan, SurfaceStyle::default()),
    ];
    for (name, a, b, st) in cases {
        let p = dir.path().join(format!("{name}.png"));
        let l = Surface { x: &x, y: &y, z: a };
        // The right panel on a wider x range: both plots keep one size.
        let r = Surface {
            x: &xs,
            y: &y,
            z: b,
        };
        heatmap_pair(&p, name, ("a", &l), ("b", &r), &st).unwrap();
        check_png(&p);
    }
}

#[test]
fn bad_surfaces_are_invalid_and_name_the_panel() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bad.png");
    let ok = Surface {
        x: &[0.0, 1.0],
        y: &[0.0, 1.0],
        z: &[1.0, 2.0, 3.0, 4.0],
    };
    let short = Surface {
        z: &[1.0, 2.0, 3.0],
        ..ok
    };
    let st = SurfaceStyle::default();
    for (l, r, what) in [
        (&short, &ok, "left panel `sb`"),
        (&ok, &short, "right panel `lb`"),
    ] {
        match heatmap_pair(&p, "t", ("sb", l), ("lb", r), &st) {
            Err(Error::Invalid(msg)) => assert!(msg.contains(what), "{msg}"),
            other => panic!("{other:?}"),
        }
    }
    let st = SurfaceStyle {
        log: true,
        vmin: Some(-1.0),
        ..SurfaceStyle::default()
    };
    assert!(matches!(
        heatmap_pair(&p, "t", ("sb", &ok), ("lb", &ok), &st),
        Err(Error::Invalid(_))
    ));
    assert!(files_in(dir.path()).is_empty());
    let unwritable = dir.path().join("nope").join("x.png");
    assert!(matches!(
        heatmap_pair(
            &unwritable,
            "t",
            ("a", &ok),
            ("b", &ok),
            &SurfaceStyle::default()
        ),
        Err(Error::Output { .. })
    ));
}
