//! Tests of the study figures: sizes, bad arguments, error bars, log axes with zero and
//! negative values, one colour per group.

use super::super::testutil::{files_in, near};
use super::*;

/// A written PNG of `size`, not blank, and no temp file left next to it.
use super::super::testutil::written_png_of_size as check_png;

fn ms<'a>(label: &'a str, x: &'a [f64], mean: &'a [f64], std: &'a [f64]) -> MeanStd<'a> {
    MeanStd {
        label,
        x,
        mean,
        err: std,
    }
}

/// Maximal runs of consecutive numbers, as (first, last).
fn clusters(v: &[u32]) -> Vec<(u32, u32)> {
    let mut out: Vec<(u32, u32)> = Vec::new();
    for &a in v {
        match out.last_mut() {
            Some(c) if c.1 + 1 == a => c.1 = a,
            _ => out.push((a, a)),
        }
    }
    out
}

#[test]
fn every_figure_writes_a_png_of_its_size() {
    let dir = tempfile::tempdir().unwrap();
    let b = [32.0, 128.0, 512.0, 1797.0];
    let sharp = [3.0, 5.0, 11.0, 20.0];
    let sharp_sd = [0.5, 1.0, 2.0, 4.0];
    let acc = [0.97, 0.965, 0.95, 0.93];
    let acc_sd = [0.003, 0.004, 0.01, 0.0];
    let ticks: Vec<(f64, String)> = [(32.0, "32"), (128.0, "128"), (512.0, "512")]
        .into_iter()
        .map(|(p, s)| (p, s.to_string()))
        .chain([(1797.0, "full".to_string())])
        .collect();
    let s1 = [ms("φ", &b, &sharp, &sharp_sd)];
    let s2 = [
        ms("test", &b, &acc, &acc_sd),
        ms("train", &b, &[1.0; 4], &[0.0; 4]),
    ];
    let p = dir.path().join("chart.png");
    mean_std_chart(&p, "t", "batch", "φ", &s1, true, true, Some(&ticks)).unwrap();
    check_png(&p, DEFAULT_SIZE);
    let p = dir.path().join("chart2.png");
    mean_std_chart(&p, "t", "batch", "accuracy", &s2, false, false, None).unwrap();
    check_png(&p, DEFAULT_SIZE);
    let p = dir.path().join("panels.png");
    mean_std_panels(
        &p,
        "t",
        "batch",
        &[
            ("sharpness", "φ", &s1, true),
            ("accuracy", "acc", &s2, false),
            ("empty", "y", &[], false),
        ],
        true,
        Some(&ticks),
    )
    .unwrap();
    check_png(&p, (3 * PANEL_WIDTH, DEFAULT_SIZE.1));
    let p = dir.path().join("none.png");
    mean_std_panels(&p, "t", "x", &[], false, None).unwrap();
    check_png(&p, (PANEL_WIDTH, DEFAULT_SIZE.1));
    let e: Vec<f64> = (0..20).map(|i| i as f64).collect();
    let l1: Vec<f64> = e.iter().map(|v| 2.0 * (-v / 5.0).exp()).collect();
    let l2: Vec<f64> = e.iter().map(|v| 2.0 * (-v / 3.0).exp()).collect();
    let p = dir.path().join("groups.png");
    grouped_curves(
        &p,
        "t",
        "epoch",
        "loss",
        &[("B = 32", vec![(&e, &l1), (&e, &l2)]), ("full", vec![])],
        true,
    )
    .unwrap();
    check_png(&p, DEFAULT_SIZE);
}

#[test]
fn mismatched_lengths_are_invalid_name_the_series_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("a.png");
    let x = [1.0, 2.0, 3.0];
    let invalid = |r: Result<()>, what: &[&str]| match r {
        Err(Error::Invalid(msg)) => {
            for w in what {
                assert!(msg.contains(w), "{msg} lacks {w}");
            }
        }
        other => panic!("{what:?}: {other:?}"),
    };
    let ok = ms("fine", &x, &x, &x);
    let short_mean = ms("short mean", &x, &x[..2], &x);
    let short_std = ms("short std", &x, &x, &[]);
    invalid(
        mean_std_chart(&p, "t", "x", "y", &[ok, short_mean], false, false, None),
        &["`short mean`", "mean"],
    );
    invalid(
        mean_std_chart(&p, "t", "x", "y", &[short_std], true, true, None),
        &["`short std`", "err"],
    );
    invalid(
        mean_std_panels(
            &p,
            "t",
            "x",
            &[
                ("good", "y", &[ok], false),
                ("bad", "y", &[short_std], false),
            ],
            false,
            None,
        ),
        &["panel `bad`", "`short std`"],
    );
    let y = [1.0, 2.0];
    invalid(
        grouped_curves(
            &p,
            "t",
            "x",
            "y",
            &[
                ("B = 32", vec![(&x, &x)]),
                ("B = 512", vec![(&x, &x), (&x, &y)]),
            ],
            false,
        ),
        &["group `B = 512`", "run 1"],
    );
    assert!(
        files_in(dir.path()).is_empty(),
        "{:?}",
        files_in(dir.path())
    );
    // An unwritable path is an output error.
    let bad = dir.path().join("no/such/a.png");
    assert!(matches!(
        mean_std_chart(&bad, "t", "x", "y", &[ok], false, false, None),
        Err(Error::Output { .. })
    ));
    assert!(matches!(
        grouped_curves(&bad, "t", "x", "y", &[], false),
        Err(Error::Output { .. })
    ));
}

#[test]
fn error_bars_where_std_is_positive_only() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bars.png");
    let x = [1.0, 2.0, 3.0];
    let s = [ms("m", &x, &[2.0, 2.0, 2.0], &[0.5, 0.0, 0.5])];
    mean_std_chart(&p, "t", "x", "y", &s, false, false, None).unwrap();
    let png = check_png(&p, DEFAULT_SIZE);
    let c = palette(0);
    let is_c = |x: u32, y: u32| near(png.pixel(x, y), c, 30);
    // Longest vertical run of the series colour in every column.
    let run = |x: u32| {
        let (mut best, mut cur) = (0, 0);
        for y in 0..png.height {
            cur = if is_c(x, y) { cur + 1 } else { 0 };
            best = best.max(cur);
        }
        best
    };
    let bar_cols: Vec<u32> = (0..png.width).filter(|&x| run(x) >= 100).collect();
    let bars = clusters(&bar_cols);
    assert_eq!(bars.len(), 2, "bar columns {bar_cols:?}");
    assert!(bars.iter().all(|b| b.1 - b.0 <= 3), "{bars:?}");
    // The row of the means: the row with most of the series colour.
    let line_y = (0..png.height)
        .max_by_key(|&y| (0..png.width).filter(|&x| is_c(x, y)).count())
        .unwrap();
    for &(a, b) in &bars {
        let xc = (a + b) / 2;
        // Bars reach 0.5 / 1.1 of the plot height (~215 px) above and below.
        for dy in [20, 80, 150] {
            assert!(
                is_c(xc, line_y - dy) && is_c(xc, line_y + dy),
                "bar at {xc}"
            );
        }
        // Caps at both ends.
        let top = (0..line_y).rev().find(|&y| !is_c(xc, y)).unwrap() + 1;
        let bottom = (line_y..png.height).find(|&y| !is_c(xc, y)).unwrap() - 1;
        assert!(
            line_y - top > 150 && bottom - line_y > 150,
            "{top} {bottom}"
        );
        for y in [top, bottom] {
            assert!(
                (y.saturating_sub(1)..=y + 1).any(|yy| is_c(xc - 5, yy) && is_c(xc + 5, yy)),
                "no cap at ({xc}, {y})"
            );
        }
    }
    // The middle point (std = 0): a marker on the line, nothing above or below.
    let mid = (bars[0].0 + bars[0].1 + bars[1].0 + bars[1].1) / 4;
    assert!(is_c(mid, line_y) && is_c(mid, line_y - 3) && is_c(mid, line_y + 3));
    for dy in 10..120 {
        assert!(
            !is_c(mid, line_y - dy),
            "colour {dy} px above the std = 0 point"
        );
        assert!(
            !is_c(mid, line_y + dy),
            "colour {dy} px below the std = 0 point"
        );
    }
}

#[test]
fn log_axes_take_zero_and_negative_values() {
    let dir = tempfile::tempdir().unwrap();
    let x = [0.0, -4.0, 8.0, 64.0, 512.0, f64::NAN];
    let m = [1.0, 2.0, 0.0, 0.3, -1.0, 0.5];
    // Bars reaching below zero, NaN and negative std.
    let s = [f64::NAN, 1.0, 0.1, 0.5, 0.2, -0.1];
    let long_x: Vec<f64> = (0..80).map(|i| i as f64).collect();
    let long_m: Vec<f64> = long_x.iter().map(|v| (v / 10.0).sin()).collect();
    let long_s: Vec<f64> = long_x.iter().map(|v| 0.1 + 0.4 * (v / 80.0)).collect();
    let ticks = vec![
        (0.0, "zero".to_string()),
        (8.0, "8".to_string()),
        (1e4, "far".to_string()),
        (f64::NAN, "nan".to_string()),
    ];
    let one = [1.0];
    let nan = [f64::NAN; 6];
    let cases: Vec<(&str, Vec<MeanStd>)> = vec![
        ("mixed", vec![ms("a", &x, &m, &s)]),
        (
            "long",
            vec![ms("band", &long_x, &long_m, &long_s), ms("b", &x, &m, &s)],
        ),
        ("one", vec![ms("p", &one, &one, &one)]),
        ("nan", vec![ms("nan", &x, &nan, &nan)]),
        ("empty", vec![ms("e", &[], &[], &[])]),
        ("none", vec![]),
    ];
    for (name, series) in &cases {
        for (lx, ly) in [(true, true), (true, false), (false, true), (false, false)] {
            for t in [None, Some(&ticks[..])] {
                let p = dir
                    .path()
                    .join(format!("{name}{lx}{ly}{}.png", t.is_some()));
                mean_std_chart(&p, name, "x", "y", series, lx, ly, t).unwrap();
                check_png(&p, DEFAULT_SIZE);
            }
        }
    }
    let p = dir.path().join("panels.png");
    mean_std_panels(
        &p,
        "t",
        "x",
        &[("a", "y", &cases[0].1, true), ("b", "y", &cases[3].1, true)],
        true,
        Some(&ticks),
    )
    .unwrap();
    check_png(&p, (2 * PANEL_WIDTH, DEFAULT_SIZE.1));
    let neg = [-1.0, 0.0, f64::NAN];
    let p = dir.path().join("groups.png");
    grouped_curves(&p, "t", "x", "y", &[("g", vec![(&x[..3], &neg)])], true).unwrap();
    check_png(&p, DEFAULT_SIZE);
}

#[test]
fn grouped_curves_use_one_colour_per_group() {
    let dir = tempfile::tempdir().unwrap();
    let x: Vec<f64> = (0..=10).map(|i| i as f64).collect();
    let level = |v: f64| vec![v; 11];
    let (a1, a2, a3) = (level(2.0), level(2.5), level(3.0));
    let (b1, b2, b3) = (level(0.0), level(0.5), level(1.0));
    let groups = [
        (
            "group A",
            vec![(&x[..], &a1[..]), (&x[..], &a2[..]), (&x[..], &a3[..])],
        ),
        (
            "group B",
            vec![(&x[..], &b1[..]), (&x[..], &b2[..]), (&x[..], &b3[..])],
        ),
    ];
    let p = dir.path().join("groups.png");
    grouped_curves(&p, "t", "epoch", "loss", &groups, false).unwrap();
    let png = check_png(&p, DEFAULT_SIZE);
    // Middle columns, clear of the legend in a corner.
    let cols = png.width * 4 / 10..png.width * 6 / 10;
    let rows_where = |f: &dyn Fn((u8, u8, u8)) -> bool| -> Vec<u32> {
        (0..png.height)
            .filter(|&y| cols.clone().filter(|&x| f(png.pixel(x, y))).count() > 50)
            .collect()
    };
    let blue = |(r, _, b): (u8, u8, u8)| b as i32 > r as i32 + 60;
    let orange = |(r, _, b): (u8, u8, u8)| r > 150 && r as i32 > b as i32 + 100;
    let (a_rows, b_rows) = (clusters(&rows_where(&blue)), clusters(&rows_where(&orange)));
    assert_eq!(a_rows.len(), 3, "group A lines at rows {a_rows:?}");
    assert_eq!(b_rows.len(), 3, "group B lines at rows {b_rows:?}");
    // Group A (y 2..3) above group B (y 0..1).
    assert!(a_rows[2].1 < b_rows[0].0, "{a_rows:?} {b_rows:?}");
}
