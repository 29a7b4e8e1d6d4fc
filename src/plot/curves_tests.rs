//! Tests of the line charts, training curves, bar charts and histograms.

use super::super::testutil::{files_in, read_png};
use super::*;

use super::super::testutil::written_png_of_size as check_png;

#[test]
fn line_chart_writes_png_and_handles_edge_cases() {
    let dir = tempfile::tempdir().unwrap();
    let x: Vec<f64> = (0..50).map(|i| i as f64).collect();
    let y1: Vec<f64> = x.iter().map(|v| (-v / 10.0).exp()).collect();
    let mut y2: Vec<f64> = x.iter().map(|v| 0.5 + 0.1 * (v / 5.0).sin()).collect();
    y2[10] = f64::NAN;
    y2[11] = f64::INFINITY;
    let nan = vec![f64::NAN; 50];
    let constant = vec![3.0; 50];
    let with_zero: Vec<f64> = x.iter().map(|v| v - 5.0).collect();
    let cases: Vec<(&str, Vec<Series>, bool)> = vec![
        (
            "two.png",
            vec![
                Series {
                    label: "a",
                    x: &x,
                    y: &y1,
                },
                Series {
                    label: "b",
                    x: &x,
                    y: &y2,
                },
            ],
            false,
        ),
        (
            "log.png",
            vec![
                Series {
                    label: "a",
                    x: &x,
                    y: &y1,
                },
                Series {
                    label: "neg",
                    x: &x,
                    y: &with_zero,
                },
            ],
            true,
        ),
        ("empty.png", vec![], false),
        (
            "empty_series.png",
            vec![Series {
                label: "e",
                x: &[],
                y: &[],
            }],
            true,
        ),
        (
            "nan.png",
            vec![Series {
                label: "nan",
                x: &x,
                y: &nan,
            }],
            false,
        ),
        (
            "nan_log.png",
            vec![Series {
                label: "nan",
                x: &x,
                y: &nan,
            }],
            true,
        ),
        (
            "const.png",
            vec![Series {
                label: "c",
                x: &x,
                y: &constant,
            }],
            false,
        ),
        (
            "const_log.png",
            vec![Series {
                label: "c",
                x: &x,
                y: &constant,
            }],
            true,
        ),
        (
            "single.png",
            vec![Series {
                label: "p",
                x: &[2.0],
                y: &[5.0],
            }],
            false,
        ),
        (
            "single_log.png",
            vec![Series {
                label: "p",
                x: &[2.0],
                y: &[0.0],
            }],
            true,
        ),
    ];
    for (name, series, log) in cases {
        let path = dir.path().join(name);
        line_chart(&path, "Title", "epoch", "loss", &series, log).unwrap();
        check_png(&path, DEFAULT_SIZE);
    }
    // Mismatched lengths are the caller's bug, reported, not a panic.
    let err = line_chart(
        &dir.path().join("bad.png"),
        "t",
        "x",
        "y",
        &[Series {
            label: "a",
            x: &x,
            y: &y1[..3],
        }],
        false,
    );
    assert!(matches!(err, Err(Error::Invalid(_))));
    // Unwritable path.
    let bad = dir.path().join("no/such/dir/a.png");
    let err = line_chart(
        &bad,
        "t",
        "x",
        "y",
        &[Series {
            label: "a",
            x: &x,
            y: &y1,
        }],
        false,
    );
    assert!(matches!(err, Err(Error::Output { .. })));
}

#[test]
fn training_curves_one_and_two_panels() {
    let dir = tempfile::tempdir().unwrap();
    let x: Vec<f64> = (1..=40).map(|i| i as f64).collect();
    let tl: Vec<f64> = x.iter().map(|v| 2.0 / v).collect();
    let vl: Vec<f64> = x.iter().map(|v| 2.2 / v + 0.02).collect();
    let ta: Vec<f64> = x.iter().map(|v| 1.0 - 0.5 / v).collect();
    let va: Vec<f64> = x.iter().map(|v| 0.95 - 0.5 / v).collect();
    let path = dir.path().join("both.png");
    let c = Curves {
        x: &x,
        x_label: "epoch",
        train_loss: &tl,
        test_loss: Some(&vl),
        train_acc: Some(&ta),
        test_acc: Some(&va),
    };
    training_curves(&path, "Training", &c).unwrap();
    check_png(&path, (1500, 600));
    let path = dir.path().join("loss.png");
    let c = Curves {
        x: &x,
        x_label: "epoch",
        train_loss: &tl,
        test_loss: None,
        train_acc: None,
        test_acc: None,
    };
    training_curves(&path, "Training", &c).unwrap();
    check_png(&path, DEFAULT_SIZE);
    // Diverged run: NaN tail, and an empty run.
    let mut div = tl.clone();
    div[20..].fill(f64::NAN);
    let c = Curves {
        x: &x,
        x_label: "epoch",
        train_loss: &div,
        test_loss: None,
        train_acc: Some(&ta),
        test_acc: None,
    };
    training_curves(&dir.path().join("div.png"), "Diverged", &c).unwrap();
    let c = Curves {
        x: &[],
        x_label: "epoch",
        train_loss: &[],
        test_loss: None,
        train_acc: Some(&[]),
        test_acc: None,
    };
    training_curves(&dir.path().join("none.png"), "Nothing", &c).unwrap();
    let c = Curves {
        x: &x,
        x_label: "epoch",
        train_loss: &tl[..5],
        test_loss: None,
        train_acc: None,
        test_acc: None,
    };
    assert!(matches!(
        training_curves(&dir.path().join("bad.png"), "t", &c),
        Err(Error::Invalid(_))
    ));
    let c = Curves {
        x: &x,
        x_label: "epoch",
        train_loss: &tl,
        test_loss: None,
        train_acc: None,
        test_acc: None,
    };
    assert!(matches!(
        training_curves(&dir.path().join("x/y.png"), "t", &c),
        Err(Error::Output { .. })
    ));
    assert!(files_in(dir.path()).iter().all(|f| !f.contains(".tmp")));
}

#[test]
fn bar_chart_and_histogram() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bars.png");
    bar_chart(
        &path,
        "Seeds",
        "seeds",
        &[("solved", 7.0), ("stalled", 3.0)],
    )
    .unwrap();
    check_png(&path, DEFAULT_SIZE);
    // The first bar's fill (palette 0, blue-ish) is below its value label, mid-height.
    let png = read_png(&path);
    let blue = (0..png.height).any(|y| {
        let (r, _, b) = png.pixel(png.width * 3 / 10, y);
        b > 150 && r < 100
    });
    assert!(blue, "no blue bar found");
    for (name, bars) in [
        ("empty.png", vec![]),
        ("zeros.png", vec![("a", 0.0), ("b", 0.0)]),
        ("neg.png", vec![("a", -2.0), ("b", 1.5), ("c", f64::NAN)]),
    ] {
        let p = dir.path().join(name);
        bar_chart(&p, "Bars", "value", &bars).unwrap();
        check_png(&p, DEFAULT_SIZE);
    }
    assert!(matches!(
        bar_chart(&dir.path().join("x/y.png"), "t", "y", &[("a", 1.0)]),
        Err(Error::Output { .. })
    ));

    let values: Vec<f64> = (0..1000)
        .map(|i| ((i as f64) * 0.7).sin() * (i % 7) as f64)
        .collect();
    for (name, vals, log) in [
        ("h.png", values.clone(), false),
        ("hlog.png", values.clone(), true),
        ("hempty.png", vec![], false),
        ("hnan.png", vec![f64::NAN, f64::INFINITY], true),
        ("hconst.png", vec![2.0; 10], false),
        ("hone.png", vec![1.0], true),
    ] {
        let p = dir.path().join(name);
        histogram(&p, "Histogram", "value", &vals, 30, log).unwrap();
        check_png(&p, DEFAULT_SIZE);
    }
    assert!(matches!(
        histogram(&dir.path().join("b.png"), "t", "x", &values, 0, false),
        Err(Error::Invalid(_))
    ));
    assert!(matches!(
        histogram(&dir.path().join("x/y.png"), "t", "x", &values, 10, false),
        Err(Error::Output { .. })
    ));
}
