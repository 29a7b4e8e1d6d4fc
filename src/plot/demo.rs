//! `cargo test --lib plot::demo -- --ignored` renders one example of every figure
//! into `$TMPDIR/plot-demo/` for a visual check.
use super::*;

#[test]
#[ignore]
fn render_demo_figures() {
    let dir = std::env::temp_dir().join("plot-demo");
    std::fs::create_dir_all(&dir).unwrap();
    let x: Vec<f64> = (0..=100).map(|i| -1.0 + 0.03 * i as f64).collect();
    let a: Vec<f64> = x.iter().map(|t| 0.1 + 2.0 * t * t).collect();
    let b: Vec<f64> = x
        .iter()
        .map(|t| 0.05 + 0.6 * t * t * (1.0 + t).abs())
        .collect();
    let mut c: Vec<f64> = x.iter().map(|t| 0.3 + (3.0 * t).sin().abs()).collect();
    c[40..45].fill(f64::NAN);
    line_chart(
        &dir.join("line.png"),
        "Loss along the interpolation θ(α) = (1 − α) θ_s + α θ_l",
        "α",
        "training loss",
        &[
            Series {
                label: "small batch",
                x: &x,
                y: &a,
            },
            Series {
                label: "large batch",
                x: &x,
                y: &b,
            },
            Series {
                label: "with gap",
                x: &x,
                y: &c,
            },
        ],
        false,
    )
    .unwrap();
    let ev: Vec<f64> = (1..=30).map(|k| 1e3 * (-(k as f64) / 3.0).exp()).collect();
    let kk: Vec<f64> = (1..=30).map(|k| k as f64).collect();
    line_chart(
        &dir.join("line_log.png"),
        "Top Hessian eigenvalues",
        "rank k",
        "λ_k",
        &[Series {
            label: "λ",
            x: &kk,
            y: &ev,
        }],
        true,
    )
    .unwrap();
    line_chart(
        &dir.join("line_nan.png"),
        "All NaN",
        "x",
        "y",
        &[Series {
            label: "nan",
            x: &x,
            y: &vec![f64::NAN; x.len()],
        }],
        false,
    )
    .unwrap();
    line_chart(
        &dir.join("line_const.png"),
        "Constant",
        "x",
        "y",
        &[Series {
            label: "c",
            x: &x,
            y: &vec![0.25; x.len()],
        }],
        false,
    )
    .unwrap();

    let ep: Vec<f64> = (1..=60).map(|i| i as f64).collect();
    let tl: Vec<f64> = ep.iter().map(|e| 2.3 * (-e / 8.0).exp() + 0.004).collect();
    let vl: Vec<f64> = ep
        .iter()
        .map(|e| 2.3 * (-e / 8.0).exp() + 0.05 + 0.001 * e)
        .collect();
    let ta: Vec<f64> = ep.iter().map(|e| 1.0 - 0.9 * (-e / 6.0).exp()).collect();
    let va: Vec<f64> = ep.iter().map(|e| 0.96 - 0.86 * (-e / 6.0).exp()).collect();
    training_curves(
        &dir.join("training.png"),
        "digits, MLP [64, 32, 10], SGD lr = 0.05",
        &Curves {
            x: &ep,
            x_label: "epoch",
            train_loss: &tl,
            test_loss: Some(&vl),
            train_acc: Some(&ta),
            test_acc: Some(&va),
        },
    )
    .unwrap();
    bar_chart(
        &dir.join("bars.png"),
        "XOR with 2 hidden units: 20 seeds",
        "seeds",
        &[("solved", 14.0), ("stalled", 6.0)],
    )
    .unwrap();
    let vals: Vec<f64> = (0..5000)
        .map(|i| {
            let u = (i as f64 + 0.5) / 5000.0;
            let g = (u * 12.9898).sin() * 43758.5453;
            (g - g.floor() - 0.5) * 2.0 + if i % 50 == 0 { 8.0 } else { 0.0 }
        })
        .collect();
    histogram(
        &dir.join("hist.png"),
        "Hessian spectrum (SLQ samples)",
        "eigenvalue λ",
        &vals,
        60,
        false,
    )
    .unwrap();
    histogram(
        &dir.join("hist_log.png"),
        "Hessian spectrum, log counts",
        "eigenvalue λ",
        &vals,
        60,
        true,
    )
    .unwrap();

    // Binary: circles data set, model p = sigmoid(6 (r - 0.55)) on [-1.2, 1.2]^2.
    let n = 60;
    let lo = -1.2;
    let hi = 1.2;
    let mut p = Vec::new();
    for j in 0..n {
        for i in 0..n {
            let gx = lo + (hi - lo) * i as f64 / (n - 1) as f64;
            let gy = lo + (hi - lo) * j as f64 / (n - 1) as f64;
            let r = (gx * gx + gy * gy).sqrt();
            p.push(1.0 / (1.0 + (-8.0 * (0.6 - r)).exp()));
        }
    }
    let mut pts = Vec::new();
    let mut labels = Vec::new();
    for k in 0..200 {
        let t = k as f64 * 2.399;
        let (rad, lab) = if k % 2 == 0 {
            (0.3 + 0.2 * ((k as f64 * 0.37).sin()).abs(), 1)
        } else {
            (0.85 + 0.2 * ((k as f64 * 0.53).cos()).abs(), 0)
        };
        pts.push((rad * t.cos(), rad * t.sin()));
        labels.push(lab);
    }
    let r = Regions {
        x_range: (lo, hi),
        y_range: (lo, hi),
        nx: n,
        ny: n,
        values: RegionValues::Binary(&p),
        points: &pts[..160],
        point_labels: &labels[..160],
        test_points: &pts[160..],
        test_labels: &labels[160..],
    };
    decision_regions(
        &dir.join("regions_binary.png"),
        "circles: decision regions",
        &r,
    )
    .unwrap();
    let mut masked = p.clone();
    for j in 40..50 {
        masked[j * n..j * n + 15].fill(f64::NAN);
    }
    let r = Regions {
        values: RegionValues::Binary(&masked),
        test_points: &[],
        test_labels: &[],
        ..r
    };
    decision_regions(
        &dir.join("regions_masked.png"),
        "diverged cells are grey",
        &r,
    )
    .unwrap();

    // Three classes by angle sector, confidence falling near the sectors' edges.
    let mut class = Vec::new();
    let mut conf = Vec::new();
    let (nx, ny) = (80, 50);
    let (x0, x1, y0, y1) = (-2.0, 2.0, -1.25, 1.25);
    for j in 0..ny {
        for i in 0..nx {
            let gx = x0 + (x1 - x0) * i as f64 / (nx - 1) as f64;
            let gy = y0 + (y1 - y0) * j as f64 / (ny - 1) as f64;
            let ang = gy.atan2(gx) + std::f64::consts::PI;
            let sector = ang / (2.0 * std::f64::consts::PI / 3.0);
            let k = (sector.floor() as u32).min(2);
            let d = (sector - sector.floor() - 0.5).abs();
            class.push(k);
            conf.push(1.0 - 0.6 * d * 2.0 * (1.0 - (-(gx * gx + gy * gy)).exp()).max(0.3));
        }
    }
    let mpts: Vec<(f64, f64)> = (0..150)
        .map(|k| {
            let a = k as f64 * 0.7;
            let rr = 0.3 + 0.9 * ((k as f64 * 0.31).sin()).abs();
            (rr * a.cos() * 1.5, rr * a.sin())
        })
        .collect();
    let mlab: Vec<u32> = mpts
        .iter()
        .map(|&(x, y)| {
            let ang = y.atan2(x) + std::f64::consts::PI;
            ((ang / (2.0 * std::f64::consts::PI / 3.0)).floor() as u32).min(2)
        })
        .collect();
    let r = Regions {
        x_range: (x0, x1),
        y_range: (y0, y1),
        nx,
        ny,
        values: RegionValues::Multiclass {
            class: &class,
            confidence: &conf,
            n_classes: 3,
        },
        points: &mpts,
        point_labels: &mlab,
        test_points: &[],
        test_labels: &[],
    };
    decision_regions(
        &dir.join("regions_multi.png"),
        "gaussians (3 classes): decision regions",
        &r,
    )
    .unwrap();
}
