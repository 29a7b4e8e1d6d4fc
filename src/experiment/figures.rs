//! Figures shared by several experiment kinds: training curves, decision regions of a
//! 2-D classifier and the fitted curve of a 1-D regression. Each is computed from the
//! model into plain arrays ([`RegionGrid`], [`FitCurve`]), saved beside its PNG, and
//! drawn from those arrays, so `losscape plot` redraws it without the model.

use crate::data::{Dataset, Labels};
use crate::error::Result;
use crate::io::run_dir::RunDir;
use crate::nn::activation::sigmoid;
use crate::nn::loss::argmax;
use crate::nn::{Loss, Mlp, Workspace};
use crate::optim::Record;
use crate::plot::{self, Curves, RegionValues, Regions, Series};
use crate::scalar::Scalar;
use serde::{Deserialize, Serialize};
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

/// The columns of `trajectory.csv`.
pub const TRAJECTORY_COLUMNS: [&str; 7] = [
    "step",
    "epoch",
    "train_loss",
    "train_accuracy",
    "test_loss",
    "test_accuracy",
    "grad_norm",
];

/// Writes the training records as `name` (a CSV with [`TRAJECTORY_COLUMNS`]; a missing
/// value is NaN).
pub fn save_records(dir: &RunDir, name: &str, records: &[Record]) -> Result<()> {
    let o = |v: Option<f64>| v.unwrap_or(f64::NAN);
    let rows: Vec<Vec<f64>> = records
        .iter()
        .map(|r| {
            vec![
                r.step as f64,
                r.epoch,
                r.train_loss,
                o(r.train_accuracy),
                o(r.test_loss),
                o(r.test_accuracy),
                r.grad_norm,
            ]
        })
        .collect();
    dir.write_csv(name, &TRAJECTORY_COLUMNS, &rows)?;
    Ok(())
}

/// Reads back what [`save_records`] wrote.
pub fn load_records(dir: &RunDir, name: &str) -> Result<Vec<Record>> {
    let some = |v: f64| (!v.is_nan()).then_some(v);
    Ok(dir
        .read_csv(name, &TRAJECTORY_COLUMNS)?
        .into_iter()
        .map(|r| Record {
            step: r[0] as usize,
            epoch: r[1],
            train_loss: r[2],
            train_accuracy: some(r[3]),
            test_loss: some(r[4]),
            test_accuracy: some(r[5]),
            grad_norm: r[6],
        })
        .collect())
}

/// Loss and accuracy curves of training records (x axis: epochs).
pub fn training_curves(path: &Path, title: &str, records: &[Record]) -> Result<()> {
    let col = |f: &dyn Fn(&Record) -> Option<f64>| -> Option<Vec<f64>> {
        let v: Vec<Option<f64>> = records.iter().map(f).collect();
        v.iter()
            .any(|x| x.is_some())
            .then(|| v.iter().map(|x| x.unwrap_or(f64::NAN)).collect())
    };
    let x: Vec<f64> = records.iter().map(|r| r.epoch).collect();
    let train_loss: Vec<f64> = records.iter().map(|r| r.train_loss).collect();
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

/// Where a decision-region grid lies and what its values mean (kept in the report;
/// the values are in `<stem>_grid.npy`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RegionsInfo {
    pub x_range: (f64, f64),
    pub y_range: (f64, f64),
    /// Grid points per side.
    pub resolution: usize,
    /// Classes shown (None: one output, the grid holds the probability of class 1).
    pub n_classes: Option<usize>,
}

/// A classifier's decision regions over the data's bounding box, with the data.
#[derive(Clone, Debug, PartialEq)]
pub struct RegionGrid {
    pub info: RegionsInfo,
    /// Row-major over (y, x): the probability of class 1 (one output), else the
    /// predicted class of every point followed by its probability.
    pub values: Vec<f64>,
    /// Training points as (x, y, class).
    pub train: Vec<[f64; 3]>,
    /// Test points as (x, y, class).
    pub test: Vec<[f64; 3]>,
}

fn labelled_points(d: &Dataset) -> Vec<[f64; 3]> {
    match &d.y {
        Labels::Classes { labels, .. } => {
            d.x.rows()
                .into_iter()
                .zip(labels)
                .map(|(r, &c)| [r[0], r[1], c as f64])
                .collect()
        }
        Labels::Values(_) => vec![],
    }
}

impl RegionGrid {
    /// The regions of a classifier with 2 inputs, on a `resolution`² grid over the
    /// data's bounding box padded by 10 % (at least 0.25); None for regression data.
    pub fn compute<S: Scalar>(
        mlp: &Mlp,
        theta: &[S],
        train: &Dataset,
        test: Option<&Dataset>,
        resolution: usize,
    ) -> Option<RegionGrid> {
        let Labels::Classes { n_classes, .. } = &train.y else {
            return None;
        };
        let train_pts = labelled_points(train);
        let test_pts = test.map(labelled_points).unwrap_or_default();
        let (mut x0, mut x1, mut y0, mut y1) = (
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
        );
        for p in train_pts.iter().chain(&test_pts) {
            x0 = x0.min(p[0]);
            x1 = x1.max(p[0]);
            y0 = y0.min(p[1]);
            y1 = y1.max(p[1]);
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
        let values = if k == 1 {
            z.iter()
                .map(|&v| match mlp.loss {
                    Loss::Bce => sigmoid(v),
                    _ => v.clamp(0.0, 1.0),
                })
                .collect()
        } else {
            let mut class = Vec::with_capacity(2 * n * n);
            let mut conf = Vec::with_capacity(n * n);
            for row in z.chunks_exact(k) {
                let a = argmax(row);
                let m = row[a];
                let s: f64 = row.iter().map(|v| (v - m).exp()).sum();
                class.push(a as f64);
                conf.push(if mlp.loss == Loss::CrossEntropy {
                    1.0 / s
                } else {
                    m.clamp(0.0, 1.0)
                });
            }
            class.extend(conf);
            class
        };
        Some(RegionGrid {
            info: RegionsInfo {
                x_range: (x0, x1),
                y_range: (y0, y1),
                resolution: n,
                n_classes: (k > 1).then_some((*n_classes).max(k)),
            },
            values,
            train: train_pts,
            test: test_pts,
        })
    }

    /// Saves the grid and the points as `<stem>_grid.npy`, `<stem>_train.npy` and
    /// `<stem>_test.npy`.
    pub fn save(&self, dir: &RunDir, stem: &str) -> Result<()> {
        let n = self.info.resolution;
        let shape: Vec<usize> = match self.info.n_classes {
            None => vec![n, n],
            Some(_) => vec![2, n, n],
        };
        dir.write_npy(&format!("{stem}_grid.npy"), &self.values, &shape)?;
        for (part, pts) in [("train", &self.train), ("test", &self.test)] {
            let flat: Vec<f64> = pts.iter().flatten().copied().collect();
            dir.write_npy(&format!("{stem}_{part}.npy"), &flat, &[pts.len(), 3])?;
        }
        Ok(())
    }

    /// Reads back what [`RegionGrid::save`] wrote, for the grid `info` describes.
    pub fn load(dir: &RunDir, stem: &str, info: &RegionsInfo) -> Result<RegionGrid> {
        let n = Some(info.resolution);
        let shape = match info.n_classes {
            None => vec![n, n],
            Some(_) => vec![Some(2), n, n],
        };
        let (values, _) = dir.read_npy(&format!("{stem}_grid.npy"), &shape)?;
        let points = |part: &str| -> Result<Vec<[f64; 3]>> {
            let (flat, _) = dir.read_npy(&format!("{stem}_{part}.npy"), &[None, Some(3)])?;
            Ok(flat.chunks_exact(3).map(|c| [c[0], c[1], c[2]]).collect())
        };
        Ok(RegionGrid {
            info: info.clone(),
            values,
            train: points("train")?,
            test: points("test")?,
        })
    }

    /// Draws the regions with the points on top.
    pub fn draw(&self, path: &Path, title: &str) -> Result<()> {
        let n = self.info.resolution;
        let xy = |p: &Vec<[f64; 3]>| -> (Vec<(f64, f64)>, Vec<u32>) {
            p.iter().map(|q| ((q[0], q[1]), q[2] as u32)).unzip()
        };
        let (train_pts, train_labels) = xy(&self.train);
        let (test_pts, test_labels) = xy(&self.test);
        let class: Vec<u32>;
        let values = match self.info.n_classes {
            None => RegionValues::Binary(&self.values),
            Some(n_classes) => {
                class = self.values[..n * n].iter().map(|&c| c as u32).collect();
                RegionValues::Multiclass {
                    class: &class,
                    confidence: &self.values[n * n..],
                    n_classes,
                }
            }
        };
        plot::decision_regions(
            path,
            title,
            &Regions {
                x_range: self.info.x_range,
                y_range: self.info.y_range,
                nx: n,
                ny: n,
                values,
                points: &train_pts,
                point_labels: &train_labels,
                test_points: &test_pts,
                test_labels: &test_labels,
            },
        )
    }
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

/// The data and fitted curve of a regression with one input and one output.
#[derive(Clone, Debug, PartialEq)]
pub struct FitCurve {
    /// Training points (x, y), sorted by x.
    pub data: Vec<[f64; 2]>,
    /// The network's output at 400 evenly spaced x over the data's range.
    pub curve: Vec<[f64; 2]>,
}

impl FitCurve {
    /// The fit of a 1-input, 1-output network; None for classification data.
    pub fn compute<S: Scalar>(mlp: &Mlp, theta: &[S], train: &Dataset) -> Option<FitCurve> {
        let (dx, dy, xs) = curve_grid(train)?;
        let ys = predict(mlp, theta, &xs, xs.len());
        let pairs = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(&a, &b)| [a, b]).collect();
        Some(FitCurve {
            data: pairs(&dx, &dy),
            curve: pairs(&xs, &ys),
        })
    }

    /// Saves `<stem>_data.npy` and `<stem>_curve.npy` (n × 2 each).
    pub fn save(&self, dir: &RunDir, stem: &str) -> Result<()> {
        for (part, pts) in [("data", &self.data), ("curve", &self.curve)] {
            let flat: Vec<f64> = pts.iter().flatten().copied().collect();
            dir.write_npy(&format!("{stem}_{part}.npy"), &flat, &[pts.len(), 2])?;
        }
        Ok(())
    }

    /// Reads back what [`FitCurve::save`] wrote.
    pub fn load(dir: &RunDir, stem: &str) -> Result<FitCurve> {
        let part = |p: &str| -> Result<Vec<[f64; 2]>> {
            let (flat, _) = dir.read_npy(&format!("{stem}_{p}.npy"), &[None, Some(2)])?;
            Ok(flat.chunks_exact(2).map(|c| [c[0], c[1]]).collect())
        };
        Ok(FitCurve {
            data: part("data")?,
            curve: part("curve")?,
        })
    }

    /// Draws the data and the network's curve.
    pub fn draw(&self, path: &Path, title: &str) -> Result<()> {
        let (dx, dy): (Vec<f64>, Vec<f64>) = self.data.iter().map(|p| (p[0], p[1])).unzip();
        let (xs, ys): (Vec<f64>, Vec<f64>) = self.curve.iter().map(|p| (p[0], p[1])).unzip();
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
}
