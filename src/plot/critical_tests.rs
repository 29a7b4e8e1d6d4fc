//! Tests of the critical-point figures: sizes, degenerate inputs, bad arguments, the
//! visit shading, class colours and the spectrum panels.

use super::super::testutil::{files_in, read_png, Png};
use super::*;

/// A written PNG of `size`, not blank, and no temp file left next to it.
use super::super::testutil::written_png_of_size as check_png;

/// The visit shading over white (248, 216, 216) or over a grid line (down to 215, 183, 183).
fn is_light_red((r, g, b): (u8, u8, u8)) -> bool {
    r >= 205 && (170..=240).contains(&g) && g.abs_diff(b) <= 6 && r >= g + 15
}
/// Shading, not the anti-aliased edge of a red line: light red over 7 pixels in a
/// column (the band is a tall rectangle; line edges are a pixel high).
fn band_at(png: &Png, x: u32, y: u32) -> bool {
    (y.saturating_sub(3)..=(y + 3).min(png.height - 1)).all(|y| is_light_red(png.pixel(x, y)))
}
fn is_red((r, g, b): (u8, u8, u8)) -> bool {
    r > 150 && g < 110 && b < 110
}
fn is_green((r, g, b): (u8, u8, u8)) -> bool {
    g > 110 && g as i32 > r as i32 + 50 && g as i32 > b as i32 + 50
}
fn is_blue((r, g, b): (u8, u8, u8)) -> bool {
    b > 140 && b as i32 > r as i32 + 60 && b > g
}
/// Whether some pixel with `x` in `xs` and any y matches.
fn any_in(png: &Png, xs: std::ops::Range<u32>, f: fn((u8, u8, u8)) -> bool) -> bool {
    (0..png.height).any(|y| xs.clone().any(|x| f(png.pixel(x, y))))
}

/// x, loss, gradient norm, λmax, λmin of a smooth run over x = 0..=100.
fn track_data() -> [Vec<f64>; 5] {
    let x: Vec<f64> = (0..=100).map(|i| i as f64).collect();
    let loss = x.iter().map(|s| 1.0 * (-s / 25.0).exp() + 0.01).collect();
    let grad = x.iter().map(|s| 0.5 * (-s / 30.0).exp() + 1e-3).collect();
    let lmax = x.iter().map(|s| 1.0 + s / 50.0).collect();
    let lmin = x.iter().map(|s| -0.5 * (-s / 20.0).exp()).collect();
    [x, loss, grad, lmax, lmin]
}

#[test]
fn every_figure_writes_a_png_of_its_size() {
    let dir = tempfile::tempdir().unwrap();
    let points = [
        CriticalPoint {
            index: 0.0,
            loss: 0.01,
            class: PointClass::Minimum,
        },
        CriticalPoint {
            index: 0.3,
            loss: 0.5,
            class: PointClass::Saddle,
        },
        CriticalPoint {
            index: 0.1,
            loss: 0.2,
            class: PointClass::NotCritical,
        },
        CriticalPoint {
            index: f64::NAN,
            loss: 0.2,
            class: PointClass::Degenerate,
        },
    ];
    let p = dir.path().join("index.png");
    loss_vs_index(&p, "Loss against index", &points).unwrap();
    check_png(&p, DEFAULT_SIZE);

    let histories = vec![vec![1.0, 0.1, 1e-3, 1e-9], vec![2.0, 1.0, 0.5]];
    let p = dir.path().join("conv.png");
    search_convergence(
        &p,
        "Search",
        &histories,
        &[PointClass::Minimum, PointClass::NotCritical],
        1e-8,
    )
    .unwrap();
    check_png(&p, DEFAULT_SIZE);

    let [x, loss, grad, lmax, lmin] = track_data();
    let t = CurvatureTrack {
        x: &x,
        x_label: "step",
        loss: &loss,
        grad_norm: &grad,
        lambda_max: &lmax,
        lambda_min: &lmin,
        visits: &[(10.0, 20.0)],
    };
    let p = dir.path().join("track.png");
    curvature_track(&p, "Track", &t).unwrap();
    check_png(&p, TRACK_SIZE);

    let p = dir.path().join("spectra.png");
    spectrum_pair(
        &p,
        "Spectra",
        ("min", &[0.1, 1.0]),
        ("saddle", &[-1.0, 1.0]),
        10,
    )
    .unwrap();
    check_png(&p, (1400, 600));
}

#[test]
fn degenerate_inputs_still_draw() {
    let dir = tempfile::tempdir().unwrap();
    let nan = [f64::NAN; 5];
    let cases: Vec<(&str, Vec<CriticalPoint>)> = vec![
        ("none.png", vec![]),
        (
            "nan.png",
            vec![CriticalPoint {
                index: f64::NAN,
                loss: f64::INFINITY,
                class: PointClass::Saddle,
            }],
        ),
        (
            "one.png",
            vec![CriticalPoint {
                index: 0.0,
                loss: 0.0,
                class: PointClass::Degenerate,
            }],
        ),
    ];
    for (name, pts) in cases {
        let p = dir.path().join(name);
        loss_vs_index(&p, "t", &pts).unwrap();
        check_png(&p, DEFAULT_SIZE);
    }
    for (name, h, tol) in [
        ("c_empty.png", vec![], 1e-6),
        ("c_nan.png", vec![nan.to_vec(), vec![0.0, -1.0]], f64::NAN),
        ("c_single.png", vec![vec![0.3]], 0.0),
    ] {
        let classes = vec![PointClass::Saddle; h.len()];
        let p = dir.path().join(name);
        search_convergence(&p, "t", &h, &classes, tol).unwrap();
        check_png(&p, DEFAULT_SIZE);
    }
    let t = CurvatureTrack {
        x: &[1.0; 5],
        x_label: "step",
        loss: &nan,
        grad_norm: &[0.0; 5],
        lambda_max: &nan,
        lambda_min: &[-1.0; 5],
        visits: &[(f64::NAN, 1.0), (1.0, 1.0), (-5.0, -4.0)],
    };
    let p = dir.path().join("t_flat.png");
    curvature_track(&p, "t", &t).unwrap();
    check_png(&p, TRACK_SIZE);
    let t = CurvatureTrack {
        x: &[],
        x_label: "step",
        loss: &[],
        grad_norm: &[],
        lambda_max: &[],
        lambda_min: &[],
        visits: &[],
    };
    curvature_track(&dir.path().join("t_empty.png"), "t", &t).unwrap();
    for (name, l, r) in [
        ("s_empty.png", vec![], vec![]),
        ("s_nan.png", vec![f64::NAN], vec![2.0; 4]),
        ("s_neg.png", vec![-3.0, -2.5], vec![1e-12, 1e-9]),
    ] {
        let p = dir.path().join(name);
        spectrum_pair(&p, "t", ("a", &l), ("b", &r), 20).unwrap();
        check_png(&p, (1400, 600));
    }
    // A missing folder is an output error.
    let bad = dir.path().join("no/such/a.png");
    assert!(matches!(
        loss_vs_index(&bad, "t", &[]),
        Err(Error::Output { .. })
    ));
    assert!(matches!(
        spectrum_pair(&bad, "t", ("a", &[]), ("b", &[]), 3),
        Err(Error::Output { .. })
    ));
}

#[test]
fn bad_arguments_are_invalid_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("a.png");
    let invalid = |r: Result<()>, what: &str| match r {
        Err(Error::Invalid(msg)) => assert!(msg.contains(what), "{msg} lacks {what}"),
        other => panic!("{what}: {other:?}"),
    };
    invalid(
        search_convergence(
            &p,
            "t",
            &[vec![1.0], vec![0.5]],
            &[PointClass::Saddle],
            1e-6,
        ),
        "classes",
    );
    let [x, loss, grad, lmax, lmin] = track_data();
    let ok = CurvatureTrack {
        x: &x,
        x_label: "step",
        loss: &loss,
        grad_norm: &grad,
        lambda_max: &lmax,
        lambda_min: &lmin,
        visits: &[],
    };
    invalid(
        curvature_track(
            &p,
            "t",
            &CurvatureTrack {
                loss: &loss[1..],
                ..ok
            },
        ),
        "`loss`",
    );
    invalid(
        curvature_track(
            &p,
            "t",
            &CurvatureTrack {
                grad_norm: &grad[..3],
                ..ok
            },
        ),
        "grad_norm",
    );
    invalid(
        curvature_track(
            &p,
            "t",
            &CurvatureTrack {
                lambda_max: &[],
                ..ok
            },
        ),
        "lambda_max",
    );
    invalid(
        curvature_track(
            &p,
            "t",
            &CurvatureTrack {
                lambda_min: &lmin[..99],
                ..ok
            },
        ),
        "lambda_min",
    );
    invalid(
        curvature_track(
            &p,
            "t",
            &CurvatureTrack {
                visits: &[(5.0, 6.0), (30.0, 20.0)],
                ..ok
            },
        ),
        "visit 1",
    );
    invalid(
        spectrum_pair(&p, "t", ("a", &[1.0]), ("b", &[2.0]), 0),
        "bins",
    );
    assert!(
        files_in(dir.path()).is_empty(),
        "{:?}",
        files_in(dir.path())
    );
}

#[test]
fn visits_are_shaded_inside_their_range_only() {
    let dir = tempfile::tempdir().unwrap();
    let [x, loss, grad, lmax, lmin] = track_data();
    // x runs over 0..100 exactly; the visit is the middle fifth.
    let t = CurvatureTrack {
        x: &x,
        x_label: "step",
        loss: &loss,
        grad_norm: &grad,
        lambda_max: &lmax,
        lambda_min: &lmin,
        visits: &[(40.0, 60.0)],
    };
    let p = dir.path().join("visit.png");
    curvature_track(&p, "t", &t).unwrap();
    let png = check_png(&p, TRACK_SIZE);
    let (w, h) = (png.width, png.height);
    // The plotting areas span about x = 100..872 px, so data 40..60 is about
    // 409..563 px: columns 0.49w..0.56w are inside, < 0.3w and > 0.75w outside.
    let inside = (w * 49 / 100)..(w * 56 / 100);
    for panel in 0..4 {
        let rows = (h * panel / 4)..(h * (panel + 1) / 4);
        // A row through the band: most of its inside columns are light red.
        let band_rows: Vec<u32> = rows
            .clone()
            .filter(|&y| {
                let n = inside.clone().filter(|&x| band_at(&png, x, y)).count();
                n * 10 >= inside.len() * 8
            })
            .collect();
        assert!(
            band_rows.len() > 100,
            "panel {panel}: {} band rows",
            band_rows.len()
        );
        // Panels 2 to 4 have no light-red legend swatch: nothing outside the band.
        // Panel 1's legend names the band, so check only the band rows there.
        let check: Vec<u32> = if panel == 0 {
            band_rows
        } else {
            rows.collect()
        };
        for y in check {
            for x in (0..w * 3 / 10).chain(w * 3 / 4..w) {
                assert!(
                    !band_at(&png, x, y),
                    "panel {panel}: light red at ({x}, {y}) outside the visit"
                );
            }
        }
    }
    // Without visits, no pixel is light red.
    let p = dir.path().join("plain.png");
    curvature_track(&p, "t", &CurvatureTrack { visits: &[], ..t }).unwrap();
    let png = read_png(&p);
    assert!(!(0..png.height).any(|y| (0..png.width).any(|x| band_at(&png, x, y))));
}

#[test]
fn scatter_colours_follow_the_classes() {
    let dir = tempfile::tempdir().unwrap();
    let saddles: Vec<CriticalPoint> = (1..=12)
        .map(|k| CriticalPoint {
            index: 0.03 * k as f64,
            loss: 0.05 + 0.1 * k as f64,
            class: PointClass::Saddle,
        })
        .collect();
    let p = dir.path().join("saddles.png");
    loss_vs_index(&p, "t", &saddles).unwrap();
    let png = check_png(&p, DEFAULT_SIZE);
    assert!(any_in(&png, 0..png.width, is_red), "no red point");
    assert!(
        !any_in(&png, 0..png.width, is_green),
        "green without minima"
    );

    let mut mixed = saddles.clone();
    mixed.push(CriticalPoint {
        index: 0.0,
        loss: 0.01,
        class: PointClass::Minimum,
    });
    let p = dir.path().join("mixed.png");
    loss_vs_index(&p, "t", &mixed).unwrap();
    let png = read_png(&p);
    assert!(any_in(&png, 0..png.width, is_green), "no green minimum");

    // Convergence lines take the class colours too.
    let h = vec![vec![1.0, 0.1, 0.01, 1e-4], vec![0.5, 0.2, 0.1, 0.05]];
    let p = dir.path().join("conv.png");
    search_convergence(&p, "t", &h, &[PointClass::Saddle, PointClass::Saddle], 1e-6).unwrap();
    let png = read_png(&p);
    assert!(any_in(&png, 0..png.width, is_red));
    assert!(!any_in(&png, 0..png.width, is_green));
}

#[test]
fn spectrum_panels_are_independent() {
    let dir = tempfile::tempdir().unwrap();
    // Left: a minimum (all positive, blue bars); right: a saddle (red bars below 0).
    let left: Vec<f64> = (0..50).map(|k| 0.01 * k as f64).collect();
    let right: Vec<f64> = (0..50).map(|k| if k < 10 { -2.0 } else { 2.0 }).collect();
    let p = dir.path().join("pair.png");
    spectrum_pair(&p, "t", ("minimum", &left), ("saddle", &right), 30).unwrap();
    let png = check_png(&p, (1400, 600));
    let (l, r) = (0..png.width / 2, png.width / 2..png.width);
    assert!(any_in(&png, l.clone(), is_blue) && !any_in(&png, l, is_red));
    assert!(any_in(&png, r.clone(), is_blue) && any_in(&png, r, is_red));
}

#[test]
fn class_colours_and_the_index_axis() {
    use PointClass::*;
    let s = class_styles(&[Saddle, NotCritical, Minimum, Saddle]);
    let counts: Vec<(PointClass, usize)> = s.iter().map(|c| (c.class, c.count)).collect();
    // In the order of PointClass::ALL; absent classes left out.
    assert_eq!(counts, [(Minimum, 1), (Saddle, 2), (NotCritical, 1)]);
    assert_eq!(s[0].color, PALETTE[2]);
    assert_eq!(s[1].color, PALETTE[3]);
    assert_eq!(s[2].color, PALETTE[7]);
    // Every class has its own colour.
    let colors = PointClass::ALL.map(class_color);
    for (i, a) in colors.iter().enumerate() {
        assert!(colors[i + 1..].iter().all(|b| b != a), "{colors:?}");
    }

    let (a, b) = index_axis(None);
    assert!(a < 0.0 && a > -0.01 && (b - 0.05).abs() < 1e-12);
    let (a, b) = index_axis(Some((0.0, 0.4)));
    assert!(a < 0.0 && (b - 0.42).abs() < 1e-12);
}
