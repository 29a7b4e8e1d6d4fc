//! Evaluating a 1-D or 2-D grid of parameter vectors θ(a, b) = θ₀ + a·d_x + b·d_y.
//!
//! Every grid point is measured on the training set and, when there is one, the test
//! set ([`PointValues`]: train loss, train accuracy, test loss, test accuracy; NaN where
//! undefined or not finite). [`slice_values`] is the slice engine: given the planes
//! (a center and its directions), the axes and the data, it measures every grid point in
//! parallel (rayon), in batches whose results are appended to a resumable
//! [`GridStore`] in index order when the caller keeps one. Each point's numbers come from
//! the thread-count-independent chunked evaluation, so they are bit-identical however the
//! sweep is scheduled, interrupted or resumed. A sweep reuses each plane's first-layer
//! products across its points ([`crate::landscape::first_layer`]) when they fit.

use crate::cluster::Job;
use crate::error::Result;
use crate::landscape::first_layer::{FirstLayer, PlaneProducts};
use crate::landscape::store::GridStore;
use crate::nn::chunked::ChunkPool;
use crate::nn::Mlp;
use crate::nn::Samples;
use crate::objective::Objective;
use crate::progress::Progress;
use crate::scalar::Scalar;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::sync::Mutex;

/// One of the numbers measured at a grid point; its name is the `<metric>.npy` a slice
/// saves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    TrainLoss,
    TrainAccuracy,
    TestLoss,
    TestAccuracy,
}

impl Metric {
    /// Every metric, in the order a [`GridStore`] record holds them.
    pub const ALL: [Metric; 4] = [
        Metric::TrainLoss,
        Metric::TrainAccuracy,
        Metric::TestLoss,
        Metric::TestAccuracy,
    ];

    /// The name of its array (`train_loss` ...).
    pub fn name(self) -> &'static str {
        match self {
            Metric::TrainLoss => "train_loss",
            Metric::TrainAccuracy => "train_accuracy",
            Metric::TestLoss => "test_loss",
            Metric::TestAccuracy => "test_accuracy",
        }
    }

    /// The name in a figure (`train loss` ...).
    pub fn label(self) -> &'static str {
        match self {
            Metric::TrainLoss => "train loss",
            Metric::TrainAccuracy => "train accuracy",
            Metric::TestLoss => "test loss",
            Metric::TestAccuracy => "test accuracy",
        }
    }

    /// Measured on the test set.
    pub fn is_test(self) -> bool {
        matches!(self, Metric::TestLoss | Metric::TestAccuracy)
    }

    /// An accuracy (classification only), not a loss.
    pub fn is_accuracy(self) -> bool {
        matches!(self, Metric::TrainAccuracy | Metric::TestAccuracy)
    }

    /// The metrics that exist for data with (`test`) or without a test set and with
    /// (`labels`) or without class labels, in [`Metric::ALL`] order.
    pub fn available(test: bool, labels: bool) -> Vec<Metric> {
        Metric::ALL
            .into_iter()
            .filter(|m| (test || !m.is_test()) && (labels || !m.is_accuracy()))
            .collect()
    }
}

/// Values stored per grid point (one per [`Metric`]).
pub const N_VALUES: usize = Metric::ALL.len();

/// What is measured at one grid point; NaN where undefined (no test set, no labels) or
/// not finite.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PointValues {
    pub train_loss: f64,
    pub train_accuracy: f64,
    pub test_loss: f64,
    pub test_accuracy: f64,
}

impl PointValues {
    pub fn get(&self, m: Metric) -> f64 {
        match m {
            Metric::TrainLoss => self.train_loss,
            Metric::TrainAccuracy => self.train_accuracy,
            Metric::TestLoss => self.test_loss,
            Metric::TestAccuracy => self.test_accuracy,
        }
    }

    /// The values in [`Metric::ALL`] order, as a [`GridStore`] record holds them.
    pub fn to_array(&self) -> [f64; N_VALUES] {
        Metric::ALL.map(|m| self.get(m))
    }

    /// Reads back [`PointValues::to_array`]; None unless `v` holds [`N_VALUES`] numbers.
    pub fn from_slice(v: &[f64]) -> Option<PointValues> {
        match *v {
            [train_loss, train_accuracy, test_loss, test_accuracy] => Some(PointValues {
                train_loss,
                train_accuracy,
                test_loss,
                test_accuracy,
            }),
            _ => None,
        }
    }
}

/// The column of metric `m` of `values`.
pub fn column(values: &[PointValues], m: Metric) -> Vec<f64> {
    values.iter().map(|v| v.get(m)).collect()
}

/// The plane θ(a, b) = center + a·dx + b·dy (dy absent for 1-D slices).
pub struct Plane<'a> {
    pub center: &'a [f64],
    pub dx: &'a [f64],
    pub dy: Option<&'a [f64]>,
}

impl Plane<'_> {
    /// θ(a, b) rounded to the run's dtype, written into `out`.
    pub fn point<S: Scalar>(&self, a: f64, b: f64, out: &mut [S]) {
        self.point_from(0, a, b, out)
    }

    /// Elements `from..` of θ(a, b) written into `out[from..]` (the rest is left as it
    /// is).
    pub fn point_from<S: Scalar>(&self, from: usize, a: f64, b: f64, out: &mut [S]) {
        let dy = self.dy.map(|dy| &dy[from..]);
        plane_point(
            &self.center[from..],
            &self.dx[from..],
            dy,
            a,
            b,
            &mut out[from..],
        )
    }
}

/// [`Plane::point`]'s loop, compiled per x86-64 level (see `crate::simd`).
#[multiversion::multiversion(targets(
    "x86_64+avx512f+avx512bw+avx512cd+avx512dq+avx512vl+avx2+fma",
    "x86_64+avx2+fma"
))]
fn plane_point<S: Scalar>(
    center: &[f64],
    dx: &[f64],
    dy: Option<&[f64]>,
    a: f64,
    b: f64,
    out: &mut [S],
) {
    match dy {
        Some(dy) => {
            for (((o, &c), &x), &y) in out.iter_mut().zip(center).zip(dx).zip(dy) {
                *o = S::of(c + a * x + b * y);
            }
        }
        None => {
            for ((o, &c), &x) in out.iter_mut().zip(center).zip(dx) {
                *o = S::of(c + a * x);
            }
        }
    }
}

/// Model, data and reusable buffers for measuring points. Points run in parallel and
/// each point's data-set sums run on its own thread (same numbers as in parallel).
pub struct Evaluator<'a, S> {
    pub mlp: &'a Mlp,
    pub train: &'a Samples<S>,
    pub test: Option<&'a Samples<S>>,
    /// How [`Evaluator::sweep`] forms the first layer (single [`Evaluator::measure`]
    /// calls are always direct).
    first_layer: FirstLayer,
    free: Mutex<Vec<Worker<S>>>,
}

struct Worker<S> {
    theta: Vec<S>,
    train: ChunkPool<S>,
    test: ChunkPool<S>,
}

/// One plane's first-layer products with the training and test sets.
struct Cached<S> {
    train: PlaneProducts<S>,
    test: Option<PlaneProducts<S>>,
}

/// The products of the plane a sweep is on (its index), None on the direct path.
type PlaneCache<S> = Option<(usize, Option<Cached<S>>)>;

fn finite_or_nan(x: f64) -> f64 {
    if x.is_finite() {
        x
    } else {
        f64::NAN
    }
}

impl<'a, S: Scalar> Evaluator<'a, S> {
    /// An evaluator whose sweeps reuse first-layer products when those of a plane fit
    /// in [`first_layer::CACHE_LIMIT`] (see [`FirstLayer::choose`]).
    pub fn new(mlp: &'a Mlp, train: &'a Samples<S>, test: Option<&'a Samples<S>>) -> Self {
        let rows = train.n + test.map_or(0, |t| t.n);
        Evaluator {
            mlp,
            train,
            test,
            first_layer: FirstLayer::choose(mlp.layout.widths(), rows, 2, S::BYTES),
            free: Mutex::new(Vec::new()),
        }
    }

    /// The same evaluator with its sweeps' first-layer path set.
    pub fn with_first_layer(mut self, path: FirstLayer) -> Self {
        self.first_layer = path;
        self
    }

    /// How sweeps form the first layer.
    pub fn first_layer(&self) -> FirstLayer {
        self.first_layer
    }

    /// The values at θ(a, b), computed directly.
    pub fn measure(&self, plane: &Plane, a: f64, b: f64) -> PointValues {
        self.measure_with(plane, None, a, b)
    }

    /// The values at θ(a, b), the first layer from `cached` when given.
    fn measure_with(
        &self,
        plane: &Plane,
        cached: Option<&Cached<S>>,
        a: f64,
        b: f64,
    ) -> PointValues {
        let mut w = self.free.lock().unwrap().pop().unwrap_or_else(|| Worker {
            theta: vec![S::zero(); self.mlp.n_params()],
            train: ChunkPool::new(self.mlp).sequential(),
            test: ChunkPool::new(self.mlp).sequential(),
        });
        let (tr, te) = match cached {
            None => {
                plane.point(a, b, &mut w.theta);
                let tr = w.train.eval(self.mlp, self.train, &w.theta);
                (tr, self.test.map(|t| w.test.eval(self.mlp, t, &w.theta)))
            }
            Some(c) => {
                // Layers after the first only: the first comes from the products.
                plane.point_from(self.mlp.layout.layer(0).bias().end, a, b, &mut w.theta);
                let (a, b) = (S::of(a), S::of(b));
                let eval = |pool: &ChunkPool<S>, data: &Samples<S>, z: &PlaneProducts<S>| {
                    let fill = |start, end, out: &mut [S]| z.fill(a, b, start, end, out);
                    pool.eval_given_first(self.mlp, data, &w.theta, &fill)
                };
                let tr = eval(&w.train, self.train, &c.train);
                let te = self.test.zip(c.test.as_ref());
                (tr, te.map(|(t, z)| eval(&w.test, t, z)))
            }
        };
        self.free.lock().unwrap().push(w);
        PointValues {
            train_loss: finite_or_nan(tr.loss),
            train_accuracy: tr.accuracy.unwrap_or(f64::NAN),
            test_loss: te.map_or(f64::NAN, |e| finite_or_nan(e.loss)),
            test_accuracy: te.and_then(|e| e.accuracy).unwrap_or(f64::NAN),
        }
    }

    /// The first-layer products of `plane`, when sweeps reuse them.
    fn cache(&self, plane: &Plane) -> Option<Cached<S>> {
        (self.first_layer == FirstLayer::Reuse).then(|| Cached {
            train: PlaneProducts::new(self.mlp, self.train, plane),
            test: self.test.map(|t| PlaneProducts::new(self.mlp, t, plane)),
        })
    }

    /// The values of points `ids` (ascending), measured in parallel; the first-layer
    /// products of one plane at a time are kept in `cache` (plane index, products)
    /// while its points last.
    fn measure_points(
        &self,
        planes: &[Plane],
        coords: &[(usize, f64, f64)],
        ids: &[usize],
        cache: &mut PlaneCache<S>,
    ) -> Vec<PointValues> {
        let mut out = Vec::with_capacity(ids.len());
        for run in ids.chunk_by(|&i, &j| coords[i].0 == coords[j].0) {
            let p = coords[run[0]].0;
            if cache.as_ref().is_none_or(|(q, _)| *q != p) {
                // The old plane's products go before the new ones are formed.
                *cache = None;
                *cache = Some((p, self.cache(&planes[p])));
            }
            let cached = cache.as_ref().and_then(|(_, c)| c.as_ref());
            let vals: Vec<PointValues> = run
                .par_iter()
                .map(|&i| {
                    let (_, a, b) = coords[i];
                    self.measure_with(&planes[p], cached, a, b)
                })
                .collect();
            out.extend(vals);
        }
        out
    }

    /// Measure every point not yet done, appending results to the log's store (when
    /// there is one) as they finish; returns all values in point order. Point i is
    /// (plane index, a, b). In a `job`, this is rank 0's part: the points are shared
    /// with the ranks running [`Evaluator::work_sweep`] on the same planes.
    pub fn sweep(
        &self,
        planes: &[Plane],
        coords: &[(usize, f64, f64)],
        log: Option<SweepLog>,
        progress: &Progress,
        job: Option<&Job>,
    ) -> Result<Vec<PointValues>> {
        let (mut store, mut values): (Option<&mut GridStore>, Vec<Option<PointValues>>) = match log
        {
            Some(SweepLog { store, done }) => (
                Some(store),
                done.iter()
                    .map(|d| d.as_deref().and_then(PointValues::from_slice))
                    .collect(),
            ),
            None => (None, vec![None; coords.len()]),
        };
        let pending: Vec<usize> = (0..coords.len()).filter(|&i| values[i].is_none()).collect();
        progress.inc((coords.len() - pending.len()) as u64);
        let mut deliver = |i: usize, v: [f64; N_VALUES]| -> Result<()> {
            if let Some(store) = store.as_deref_mut() {
                store.append(i, &v)?;
            }
            values[i] = PointValues::from_slice(&v);
            progress.inc(1);
            Ok(())
        };
        let mut cache = None;
        match job {
            None => {
                let batch = (4 * rayon::current_num_threads()).max(64);
                for ids in pending.chunks(batch) {
                    let vals = self.measure_points(planes, coords, ids, &mut cache);
                    for (&i, v) in ids.iter().zip(vals) {
                        deliver(i, v.to_array())?;
                    }
                }
            }
            Some(job) => {
                let cache = Mutex::new(cache);
                job.share(
                    &pending,
                    |ids| self.arrays(planes, coords, ids, &cache),
                    deliver,
                )?
            }
        }
        if let Some(store) = store {
            store.flush()?;
        }
        Ok(values
            .into_iter()
            .map(|v| v.expect("every point measured"))
            .collect())
    }

    /// A rank other than 0 of a job: measures the points rank 0 hands out of its
    /// [`Evaluator::sweep`] over the same `planes` and `coords`.
    pub fn work_sweep(
        &self,
        job: &Job,
        planes: &[Plane],
        coords: &[(usize, f64, f64)],
    ) -> Result<()> {
        let cache = Mutex::new(None);
        job.share(
            &[],
            |ids| self.arrays(planes, coords, ids, &cache),
            |_, _: [f64; N_VALUES]| Ok(()),
        )
    }

    /// [`Evaluator::measure_points`] as store records, for a shared sweep.
    fn arrays(
        &self,
        planes: &[Plane],
        coords: &[(usize, f64, f64)],
        ids: &[usize],
        cache: &Mutex<PlaneCache<S>>,
    ) -> Result<Vec<[f64; N_VALUES]>> {
        let mut cache = cache.lock().unwrap();
        let vals = self.measure_points(planes, coords, ids, &mut cache);
        Ok(vals.iter().map(PointValues::to_array).collect())
    }
}

/// The resumable log of a sweep: its store and the values it already holds, by point
/// (from [`GridStore::open`]).
pub struct SweepLog<'s> {
    pub store: &'s mut GridStore,
    pub done: Vec<Option<Vec<f64>>>,
}

/// The points of the grid `x` × `y` (`y` absent: a 1-D slice) on each of `n_planes`
/// planes, as (plane index, a, b): plane-major, then y, then x (row j of a plane is
/// `y[j]`). This is the order of a slice's arrays and of its sweep log.
pub fn grid_points(n_planes: usize, x: &[f64], y: Option<&[f64]>) -> Vec<(usize, f64, f64)> {
    let ys = y.unwrap_or(&[0.0]);
    let mut coords = Vec::with_capacity(n_planes * ys.len() * x.len());
    for plane in 0..n_planes {
        for &b in ys {
            for &a in x {
                coords.push((plane, a, b));
            }
        }
    }
    coords
}

/// The slice engine: the values at every point of the grid `x` × `y` (`y` absent: 1-D)
/// through each of `planes` (a center and its directions), in [`grid_points`] order,
/// measured by `eval` (the model and its data). With a `log`, points it already holds are
/// not measured again and new ones are appended to it. In a `job`, rank 0's part: the
/// points are shared with the other ranks ([`Evaluator::work_sweep`]).
pub fn slice_values<S: Scalar>(
    eval: &Evaluator<S>,
    planes: &[Plane],
    x: &[f64],
    y: Option<&[f64]>,
    log: Option<SweepLog>,
    progress: &Progress,
    job: Option<&Job>,
) -> Result<Vec<PointValues>> {
    let coords = grid_points(planes.len(), x, y);
    eval.sweep(planes, &coords, log, progress, job)
}

/// f(θ₀ + a·dx + b·dy) of any [`Objective`] on the grid `xs` × `ys` (row j is ys[j]),
/// in parallel: the same slice machinery for analytic toys with known surfaces.
pub fn slice_objective<S: Scalar, O: Objective<S>>(
    obj: &O,
    plane: &Plane,
    xs: &[f64],
    ys: &[f64],
) -> Vec<f64> {
    let pts: Vec<(f64, f64)> = ys
        .iter()
        .flat_map(|&b| xs.iter().map(move |&a| (a, b)))
        .collect();
    pts.par_iter()
        .map_init(
            || vec![S::zero(); obj.dim()],
            |theta, &(a, b)| {
                plane.point(a, b, theta);
                obj.loss(theta).f64()
            },
        )
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::objective::toys::{Quadratic, Rosenbrock, Saddle};

    #[test]
    fn grid_points_are_plane_major_then_y_then_x() {
        let pts = grid_points(2, &[0.0, 1.0, 2.0], Some(&[-1.0, 1.0]));
        assert_eq!(pts.len(), 12);
        assert_eq!(
            &pts[..4],
            &[
                (0, 0.0, -1.0),
                (0, 1.0, -1.0),
                (0, 2.0, -1.0),
                (0, 0.0, 1.0)
            ]
        );
        assert_eq!(pts[6], (1, 0.0, -1.0));
        // 1-D: b = 0 everywhere.
        assert_eq!(
            grid_points(1, &[3.0, 4.0], None),
            vec![(0, 3.0, 0.0), (0, 4.0, 0.0)]
        );
    }

    #[test]
    fn point_values_round_trip_a_store_record_in_metric_order() {
        let v = PointValues {
            train_loss: 1.0,
            train_accuracy: 0.5,
            test_loss: 2.0,
            test_accuracy: f64::NAN,
        };
        let a = v.to_array();
        assert_eq!(&a[..3], &[1.0, 0.5, 2.0]);
        for (m, x) in Metric::ALL.into_iter().zip(a) {
            assert_eq!(v.get(m).to_bits(), x.to_bits(), "{m:?}");
        }
        let back = PointValues::from_slice(&a).unwrap();
        assert_eq!(back.test_loss, 2.0);
        assert!(back.test_accuracy.is_nan());
        assert!(PointValues::from_slice(&a[..3]).is_none());
        assert_eq!(
            Metric::available(false, true),
            vec![Metric::TrainLoss, Metric::TrainAccuracy]
        );
        assert_eq!(
            Metric::available(true, false),
            vec![Metric::TrainLoss, Metric::TestLoss]
        );
        let names: Vec<String> = Metric::ALL
            .iter()
            .map(|m| serde_json::to_string(m).unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "\"train_loss\"",
                "\"train_accuracy\"",
                "\"test_loss\"",
                "\"test_accuracy\""
            ]
        );
        assert!(Metric::ALL
            .iter()
            .zip(&names)
            .all(|(m, n)| n.contains(m.name())));
    }

    #[test]
    fn the_engine_measures_every_point_and_takes_logged_ones_from_the_log() {
        use crate::data::synthetic::spirals;
        use crate::nn::{Activation, Loss};
        let mlp = Mlp::new(&[2, 5, 1], Activation::Tanh, Loss::Bce);
        let train = Samples::<f64>::new(&spirals(60, 0.1, 1), Loss::Bce, 1, "t").unwrap();
        let p = mlp.n_params();
        let center: Vec<f64> = (0..p).map(|i| (i as f64 * 0.37).sin()).collect();
        let dx: Vec<f64> = (0..p).map(|i| (i as f64 * 0.11).cos()).collect();
        let dy: Vec<f64> = (0..p).map(|i| (i as f64 * 0.53).sin()).collect();
        let plane = Plane {
            center: &center,
            dx: &dx,
            dy: Some(&dy),
        };
        let (xs, ys) = ([-0.5, 0.0, 0.5], [0.0, 1.0]);
        let eval = Evaluator::new(&mlp, &train, None);
        let planes = std::slice::from_ref(&plane);
        let all = slice_values(
            &eval,
            planes,
            &xs,
            Some(&ys),
            None,
            &Progress::hidden(),
            None,
        )
        .unwrap();
        assert_eq!(all.len(), 6);
        // Point k is (xs[k % 3], ys[k / 3]): its values are those of θ(a, b) itself.
        for (k, v) in all.iter().enumerate() {
            let mut theta = vec![0.0; p];
            plane.point(xs[k % 3], ys[k / 3], &mut theta);
            let obj = crate::objective::MlpObjective::new(&mlp, &train);
            assert!((v.train_loss - obj.loss(&theta)).abs() < 1e-12, "{k}");
            assert!(v.train_accuracy >= 0.0 && v.test_loss.is_nan());
        }
        // With a log: logged points are taken from it (here a marker), the rest are
        // measured and appended, so a reopened log holds every point.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sweep.log");
        let (mut store, done) = GridStore::open(&path, "f", 6, N_VALUES, true).unwrap();
        assert!(done.iter().all(Option::is_none));
        store.append(4, &[7.0, 0.25, f64::NAN, f64::NAN]).unwrap();
        store.flush().unwrap();
        drop(store);
        let (mut store, done) = GridStore::open(&path, "f", 6, N_VALUES, false).unwrap();
        let log = SweepLog {
            store: &mut store,
            done,
        };
        let resumed = slice_values(
            &eval,
            planes,
            &xs,
            Some(&ys),
            Some(log),
            &Progress::hidden(),
            None,
        )
        .unwrap();
        assert_eq!(resumed[4].train_loss, 7.0);
        for k in [0, 1, 2, 3, 5] {
            assert_eq!(resumed[k].train_loss.to_bits(), all[k].train_loss.to_bits());
        }
        drop(store);
        let (_, done) = GridStore::open(&path, "f", 6, N_VALUES, false).unwrap();
        assert!(done.iter().all(Option::is_some));
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<u64>>();
        assert_eq!(bits(done[0].as_deref().unwrap()), bits(&all[0].to_array()));
    }

    #[test]
    fn slice_of_a_quadratic_equals_the_closed_form() {
        // f(c + a dx + b dy) = ½ (a² dxᵀAdx + 2ab dxᵀAdy + b² dyᵀAdy) with c = 0.
        let q = Quadratic::new(&[4.0, 1.0, -2.0, 0.5, 3.0], 7);
        let p = 5;
        let dx: Vec<f64> = (0..p).map(|i| (i as f64 * 0.7).sin()).collect();
        let dy: Vec<f64> = (0..p).map(|i| (i as f64 * 1.3).cos()).collect();
        let quad = |u: &[f64], v: &[f64]| -> f64 {
            (0..p)
                .map(|i| (0..p).map(|j| u[i] * q.a[i * p + j] * v[j]).sum::<f64>())
                .sum()
        };
        let (xx, xy, yy) = (quad(&dx, &dx), quad(&dx, &dy), quad(&dy, &dy));
        let center = vec![0.0; p];
        let plane = Plane {
            center: &center,
            dx: &dx,
            dy: Some(&dy),
        };
        let xs = [-1.0, -0.25, 0.0, 0.5, 2.0];
        let ys = [-0.5, 0.0, 1.5];
        let z = slice_objective::<f64, _>(&q, &plane, &xs, &ys);
        for (j, &b) in ys.iter().enumerate() {
            for (i, &a) in xs.iter().enumerate() {
                let want = 0.5 * (a * a * xx + 2.0 * a * b * xy + b * b * yy);
                assert!((z[j * xs.len() + i] - want).abs() < 1e-12 * want.abs().max(1.0));
            }
        }
    }

    #[test]
    fn slices_through_saddle_and_rosenbrock_have_known_values() {
        // Along the axes through 0 the saddle x² − y² is a² on x and −b² on y.
        let (ex, ey) = ([1.0, 0.0], [0.0, 1.0]);
        let c = [0.0, 0.0];
        let plane = Plane {
            center: &c,
            dx: &ex,
            dy: Some(&ey),
        };
        let z = slice_objective::<f64, _>(&Saddle, &plane, &[-2.0, 0.0, 3.0], &[-1.0, 2.0]);
        assert_eq!(z, vec![3.0, -1.0, 8.0, 0.0, -4.0, 5.0]);
        // Rosenbrock along the valley floor y = x² through (1, 1) is (1 − x)².
        let c = [1.0, 1.0];
        let line = Plane {
            center: &c,
            dx: &ex,
            dy: None,
        };
        let r = Rosenbrock::default();
        let z = slice_objective::<f64, _>(&r, &line, &[0.0, 0.5], &[0.0]);
        assert_eq!(z[0], 0.0);
        assert!((z[1] - (0.25 + 100.0 * (1.0f64 - 2.25).powi(2))).abs() < 1e-12);
    }
}
