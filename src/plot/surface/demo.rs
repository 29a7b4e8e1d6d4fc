//! `cargo test --lib plot::surface::demo -- --ignored` renders the figures into
//! `/tmp/surface-demo/` for a visual check.
use super::*;

#[test]
#[ignore]
fn render_surface_demos() {
    let dir = std::path::PathBuf::from("/tmp/surface-demo");
    std::fs::create_dir_all(&dir).unwrap();
    let n = 51;
    let x: Vec<f64> = (0..n)
        .map(|i| -1.0 + 2.0 * i as f64 / (n - 1) as f64)
        .collect();
    let y = x.clone();
    let field = |f: &dyn Fn(f64, f64) -> f64| {
        let mut z = Vec::new();
        for &b in &y {
            for &a in &x {
                z.push(f(a, b));
            }
        }
        z
    };
    // A saddle x^2 - y^2.
    let saddle = field(&|a, b| a * a - b * b);
    let s = Surface {
        x: &x,
        y: &y,
        z: &saddle,
    };
    let st = SurfaceStyle {
        z_label: "loss".into(),
        ..SurfaceStyle::default()
    };
    contour_plot(
        &dir.join("saddle_contour.png"),
        "Saddle: L = α² − β²",
        &s,
        &st,
        &[],
    )
    .unwrap();
    heatmap(
        &dir.join("saddle_heatmap.png"),
        "Saddle: L = α² − β²",
        &s,
        &SurfaceStyle {
            diverging: true,
            ..st.clone()
        },
        &[],
    )
    .unwrap();
    surface_3d(&dir.join("saddle_3d.png"), "Saddle: L = α² − β²", &s, &st).unwrap();

    // A tilted bowl with a path spiralling into its minimum, and a NaN blob.
    let bowl_f = |a: f64, b: f64| {
        let (u, v) = (a - 0.15, b + 0.1);
        0.05 + 1.2 * u * u + 0.5 * v * v + 0.6 * u * v + 0.15 * (3.0 * a).sin() * (2.0 * b).cos()
    };
    let mut bowl = field(&bowl_f);
    for j in 40..47 {
        for i in 3..9 {
            bowl[j * n + i] = f64::NAN;
        }
    }
    let path: Vec<(f64, f64)> = (0..40)
        .map(|k| {
            let t = k as f64 / 39.0;
            let r = 0.85 * (1.0 - t).powf(1.4);
            let a = 5.0 * t + 0.3;
            (0.15 + r * a.cos(), -0.1 + r * a.sin())
        })
        .collect();
    let o = Overlay::path(&path, "SGD trajectory");
    let s = Surface {
        x: &x,
        y: &y,
        z: &bowl,
    };
    let st = SurfaceStyle {
        z_label: "train loss".into(),
        x_label: "δ (direction 1)".into(),
        y_label: "η (direction 2)".into(),
        ..SurfaceStyle::default()
    };
    contour_plot(
        &dir.join("bowl_contour.png"),
        "Train loss around θ*",
        &s,
        &st,
        &[o],
    )
    .unwrap();
    heatmap(
        &dir.join("bowl_heatmap.png"),
        "Train loss around θ*",
        &s,
        &st,
        &[o],
    )
    .unwrap();
    let log = SurfaceStyle {
        log: true,
        ..st.clone()
    };
    contour_plot(
        &dir.join("bowl_contour_log.png"),
        "Train loss (log levels)",
        &s,
        &log,
        &[o],
    )
    .unwrap();
    surface_3d(&dir.join("bowl_3d.png"), "Train loss around θ*", &s, &st).unwrap();
    surface_3d(
        &dir.join("bowl_3d_log.png"),
        "Train loss around θ* (log)",
        &s,
        &log,
    )
    .unwrap();

    // A 1-D slice with 3 random directions.
    let xs: Vec<f64> = (0..101).map(|i| -1.0 + 0.02 * i as f64).collect();
    let curves_data: Vec<(Vec<f64>, Vec<f64>)> = [1.0, 1.6, 0.7]
        .iter()
        .enumerate()
        .map(|(k, &c)| {
            let loss: Vec<f64> = xs
                .iter()
                .map(|&a| 0.02 + c * a * a + 0.05 * k as f64 * a * a * a)
                .collect();
            let acc: Vec<f64> = loss
                .iter()
                .map(|l| (1.0 - 0.45 * l).clamp(0.1, 1.0))
                .collect();
            (loss, acc)
        })
        .collect();
    let labels = ["direction 1", "direction 2", "direction 3"];
    let curves: Vec<Curve1d> = curves_data
        .iter()
        .zip(labels)
        .map(|((l, a), label)| Curve1d {
            label,
            loss: l,
            accuracy: Some(a),
            dashed: false,
        })
        .collect();
    let s = Slice1d {
        x: &xs,
        curves: &curves,
        x_label: "α",
        log: false,
    };
    slice_1d(
        &dir.join("slice_1d.png"),
        "Loss along 3 random directions",
        &s,
    )
    .unwrap();
    let s = Slice1d { log: true, ..s };
    slice_1d(
        &dir.join("slice_1d_log.png"),
        "Loss along 3 random directions (log)",
        &s,
    )
    .unwrap();
    // Train and test.
    let test_l: Vec<f64> = curves_data[0].0.iter().map(|l| l * 1.3 + 0.05).collect();
    let test_a: Vec<f64> = curves_data[0].1.iter().map(|a| a * 0.95).collect();
    let tt = [
        Curve1d {
            label: "train",
            loss: &curves_data[0].0,
            accuracy: Some(&curves_data[0].1),
            dashed: false,
        },
        Curve1d {
            label: "test",
            loss: &test_l,
            accuracy: Some(&test_a),
            dashed: true,
        },
    ];
    let s = Slice1d {
        x: &xs,
        curves: &tt,
        x_label: "α",
        log: false,
    };
    slice_1d(
        &dir.join("slice_1d_train_test.png"),
        "Train and test along d",
        &s,
    )
    .unwrap();

    // Edge cases, to look at: scattered NaN, all NaN, constant, 2 x 2, log with zeros.
    let edge = dir.join("edge");
    std::fs::create_dir_all(&edge).unwrap();
    let mut holes = field(&|a, b| a * a + b * b);
    for k in (0..n * n).step_by(37) {
        holes[k] = f64::NAN;
    }
    let zeros = field(&|a, b| (a * a + b * b - 0.2).max(0.0));
    type Case<'a> = (&'a str, Vec<f64>, Vec<f64>, Vec<f64>, bool);
    let cases: Vec<Case> = vec![
        ("holes", x.clone(), y.clone(), holes, false),
        (
            "all_nan",
            x.clone(),
            y.clone(),
            vec![f64::NAN; n * n],
            false,
        ),
        ("constant", x.clone(), y.clone(), vec![0.3; n * n], false),
        (
            "two",
            vec![0.0, 1.0],
            vec![0.0, 2.0],
            vec![1.0, 2.0, 3.0, 4.0],
            false,
        ),
        ("log_zeros", x.clone(), y.clone(), zeros, true),
    ];
    for (name, xx, yy, zz, log) in &cases {
        let s = Surface {
            x: xx,
            y: yy,
            z: zz,
        };
        let st = SurfaceStyle {
            log: *log,
            ..SurfaceStyle::default()
        };
        contour_plot(
            &edge.join(format!("{name}_contour.png")),
            name,
            &s,
            &st,
            &[],
        )
        .unwrap();
        heatmap(
            &edge.join(format!("{name}_heatmap.png")),
            name,
            &s,
            &st,
            &[],
        )
        .unwrap();
        surface_3d(&edge.join(format!("{name}_3d.png")), name, &s, &st).unwrap();
    }
}
