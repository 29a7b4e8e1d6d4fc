//! Figures shared by several experiment kinds: training curves, decision regions of a
//! 2-D classifier and the fitted curve of a 1-D regression. Each turns model outputs into
//! plain arrays and hands them to `plot`.

use crate::data::{Dataset, Labels};
use crate::error::Result;
use crate::nn::activation::sigmoid;
use crate::nn::loss::argmax;
use crate::nn::{Loss, Mlp, Workspace};
use crate::optim::Trajectory;
use crate::plot::{self, Curves, RegionValues, Regions, Series};
use crate::scalar::Scalar;
use std::path::Path;

/// [`predict`] evaluates this many chunks' rows ([`crate::nn::chunked::chunk_rows`]) at once.
pub const PREDICT_CHUNKS: usize = 4;

/// Model outputs (m × K) for the rows of `x` (m × d, f64), computed in blocks.
pub fn predict<S: Scalar>(mlp: &Mlp, theta: &[S], x: &[f64], m: usize) -> Vec<f64> {
    let d = mlp.layout.input_width();
    let k = mlp.layout.output_width();
    // Four chunks' worth of rows (1024 for nets up to 512 wide), never more than asked:
    // the workspace of a very wide net stays as small as a chunk pool's.
    let block = (PREDICT_CHUNKS * crate::nn::chunked::chunk_rows(mlp)).min(m.max(1));
    let mut ws = Workspace::new(&mlp.layout, block);
    let mut out = Vec::with_capacity(m * k);
    let mut buf = Vec::with_capacity(block * d);
    for start in (0..m).step_by(block) {
        let end = (start + block).min(m);
        buf.clear();
        buf.extend(x[start * d..end * d].iter().map(|&v| S::of(v)));
        let z = mlp.forward(theta, &buf, end - start, &mut ws);
        out.extend(z.iter().map(|v| v.f64()));
    }
    out
}

/// Loss and accuracy curves of a trajectory (x axis: epochs).
pub fn training_curves<S>(path: &Path, title: &str, traj: &Trajectory<S>) -> Result<()> {
    let col = |f: &dyn Fn(&crate::optim::Record) -> Option<f64>| -> Option<Vec<f64>> {
        let v: Vec<Option<f64>> = traj.records.iter().map(f).collect();
        v.iter()
            .any(|x| x.is_some())
            .then(|| v.iter().map(|x| x.unwrap_or(f64::NAN)).collect())
    };
    let x: Vec<f64> = traj.records.iter().map(|r| r.epoch).collect();
    let train_loss: Vec<f64> = traj.records.iter().map(|r| r.train_loss).collect();
    let test_loss = col(&|r| r.test_loss);
    let train_acc = col(&|r| r.train_accuracy);
    let test_acc = col(&|r| r.test_accuracy);
    plot::training_curves(
        path,
        title,
        &Curves {
            x: &x,
            x_label: "epoch",
            train_loss: &train_loss,
            test_loss: test_loss.as_deref(),
            train_acc: train_acc.as_deref(),
            test_acc: test_acc.as_deref(),
        },
    )
}

/// Decision regions of a classifier with 2 inputs over the data's bounding box.
/// `step_output` applies a threshold at 0.5 to a single output (the hand-wired step net).
pub fn decision_regions<S: Scalar>(
    path: &Path,
    title: &str,
    mlp: &Mlp,
    theta: &[S],
    train: &Dataset,
    test: Option<&Dataset>,
    resolution: usize,
) -> Result<()> {
    let (labels, n_classes) = match &train.y {
        Labels::Classes { labels, n_classes } => (labels, *n_classes),
        Labels::Values(_) => return Ok(()),
    };
    let pts =
        |d: &Dataset| -> Vec<(f64, f64)> { d.x.rows().into_iter().map(|r| (r[0], r[1])).collect() };
    let train_pts = pts(train);
    let (test_pts, test_labels) = match test {
        Some(t) => match &t.y {
            Labels::Classes { labels, .. } => (pts(t), labels.clone()),
            Labels::Values(_) => (vec![], vec![]),
        },
        None => (vec![], vec![]),
    };
    let all = train_pts.iter().chain(&test_pts);
    let (mut x0, mut x1, mut y0, mut y1) = (
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
    );
    for &(a, b) in all {
        x0 = x0.min(a);
        x1 = x1.max(a);
        y0 = y0.min(b);
        y1 = y1.max(b);
    }
    let pad = |lo: f64, hi: f64| {
        let p = ((hi - lo) * 0.1).max(0.25);
        (lo - p, hi + p)
    };
    let ((x0, x1), (y0, y1)) = (pad(x0, x1), pad(y0, y1));
    let n = resolution.max(2);
    let mut grid = Vec::with_capacity(n * n * 2);
    for j in 0..n {
        for i in 0..n {
            grid.push(x0 + (x1 - x0) * i as f64 / (n - 1) as f64);
            grid.push(y0 + (y1 - y0) * j as f64 / (n - 1) as f64);
        }
    }
    let z = predict(mlp, theta, &grid, n * n);
    let k = mlp.layout.output_width();
    let (binary, class, conf);
    let values = if k == 1 {
        binary = z
            .iter()
            .map(|&v| match mlp.loss {
                Loss::Bce => sigmoid(v),
                _ => v.clamp(0.0, 1.0),
            })
            .collect::<Vec<f64>>();
        RegionValues::Binary(&binary)
    } else {
        let mut c = Vec::with_capacity(n * n);
        let mut p = Vec::with_capacity(n * n);
        for row in z.chunks_exact(k) {
            let a = argmax(row);
            let m = row[a];
            let s: f64 = row.iter().map(|v| (v - m).exp()).sum();
            c.push(a as u32);
            p.push(if mlp.loss == Loss::CrossEntropy {
                1.0 / s
            } else {
                m.clamp(0.0, 1.0)
            });
        }
        class = c;
        conf = p;
        RegionValues::Multiclass {
            class: &class,
            confidence: &conf,
            n_classes: n_classes.max(k),
        }
    };
    plot::decision_regions(
        path,
        title,
        &Regions {
            x_range: (x0, x1),
            y_range: (y0, y1),
            nx: n,
            ny: n,
            values,
            points: &train_pts,
            point_labels: labels,
            test_points: &test_pts,
            test_labels: &test_labels,
        },
    )
}

/// The training points of a regression with one input and one output, sorted by x, and
/// 400 evenly spaced x over their range (None for classification data).
pub fn curve_grid(train: &Dataset) -> Option<(Vec<f64>, Vec<f64>, Vec<f64>)> {
    let Labels::Values(t) = &train.y else {
        return None;
    };
    let mut pts: Vec<(f64, f64)> = train
        .x
        .column(0)
        .iter()
        .copied()
        .zip(t.column(0).iter().copied())
        .collect();
    pts.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (lo, hi) = (
        pts.first().map_or(0.0, |p| p.0),
        pts.last().map_or(1.0, |p| p.0),
    );
    let xs: Vec<f64> = (0..400)
        .map(|i| lo + (hi - lo) * i as f64 / 399.0)
        .collect();
    let (dx, dy): (Vec<f64>, Vec<f64>) = pts.into_iter().unzip();
    Some((dx, dy, xs))
}

/// Data and fitted curve of a regression with one input and one output.
pub fn fitted_curve<S: Scalar>(
    path: &Path,
    title: &str,
    mlp: &Mlp,
    theta: &[S],
    train: &Dataset,
) -> Result<()> {
    let Some((dx, dy, xs)) = curve_grid(train) else {
        return Ok(());
    };
    let ys = predict(mlp, theta, &xs, xs.len());
    plot::line_chart(
        path,
        title,
        "x",
        "y",
        &[
            Series {
                label: "training data",
                x: &dx,
                y: &dy,
            },
            Series {
                label: "network",
                x: &xs,
                y: &ys,
            },
        ],
        false,
    )
}
