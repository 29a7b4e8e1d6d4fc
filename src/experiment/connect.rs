//! Kind `connect`: mode connectivity (Garipov et al. 2018; Draxler et al. 2018). Two
//! minima θ_a and θ_b, loaded (`model_a`, `model_b`) or trained with `[train]` from two
//! `seeds`, are joined by the straight line and by a curve through a bend θ_c
//! ([`crate::landscape::curve`]) trained to minimise E_{t~U(0,1)} L(φ(t)).
//!
//! The bend starts at the line's midpoint and is trained in f64 with the `[experiment]`
//! optimiser on minibatches (a fresh permutation every epoch, stream `ConnectShuffle`),
//! one t per step (stream `ConnectT`); every gradient is the thread-independent chunked
//! one, so the curve is the same for any thread count. Line and curve are then measured
//! at `points` values of t (training and test loss and accuracy), their barriers are
//! the highest training loss on them minus the mean of the ends', and the training loss
//! is mapped over the plane through θ_a, θ_b and θ_c ([`super::connect_plane`]).

use super::connect_plane::{plane, Plane};
use super::setup::{build, train_seed};
use super::Context;
use crate::config::{BatchSize, ConnectConfig, LoadedConfig};
use crate::error::{Error, Result};
use crate::io::run_dir::RunDir;
use crate::json_num::nan_if_null;
use crate::landscape::curve::{barrier, fit_bend, Curve, CurveKind};
use crate::landscape::Axis;
use crate::linalg::norm;
use crate::nn::chunked::{ChunkPool, Eval};
use crate::nn::{weights, Layout, Mlp, Samples};
use crate::optim::{Hyper, Optimizer, OptimizerKind};
use crate::progress::Progress;
use crate::scalar::Scalar;
use crate::seeded::{rng, Stream};
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

pub use super::connect_figures::redraw;

/// Checks the kind's settings before any work.
pub(super) fn validate(cfg: &LoadedConfig, cc: &ConnectConfig) -> Result<()> {
    let bad = |field: &str, msg: String| Err(cfg.err(&format!("experiment.{field}"), msg));
    match (&cc.model_a, &cc.model_b) {
        (Some(_), Some(_)) => {
            if !cc.seeds.is_empty() {
                return bad(
                    "seeds",
                    "is not used when model_a and model_b give the two minima".into(),
                );
            }
            if cfg.config.train.is_some() {
                return Err(cfg.err(
                    "train",
                    "is not used when model_a and model_b give the two minima; remove it",
                ));
            }
        }
        (None, None) => {
            if cc.seeds.len() != 2 || cc.seeds[0] == cc.seeds[1] {
                return bad(
                    "seeds",
                    format!(
                        "needs two different seeds to train the two minima from (or model_a \
                         and model_b), got {:?}",
                        cc.seeds
                    ),
                );
            }
            cfg.train()?;
        }
        (Some(_), None) => return bad("model_b", "is needed with model_a".into()),
        (None, Some(_)) => return bad("model_a", "is needed with model_b".into()),
    }
    if !matches!(
        cc.optimizer,
        OptimizerKind::Sgd | OptimizerKind::Momentum | OptimizerKind::Adam
    ) {
        return bad(
            "optimizer",
            format!(
                "the bend is trained with sgd, momentum or adam, not {} (for full batches \
                 use batch_size = \"full\")",
                <&str>::from(cc.optimizer)
            ),
        );
    }
    if !(cc.lr.is_finite() && cc.lr > 0.0) {
        return bad("lr", format!("must be a positive number, got {}", cc.lr));
    }
    if cc.epochs == 0 {
        return bad("epochs", "must be at least 1".into());
    }
    if cc.points < 3 {
        return bad("points", format!("must be at least 3, got {}", cc.points));
    }
    if cc.grid == 1 || cc.grid == 2 {
        return bad(
            "grid",
            format!("must be 0 (no plane) or at least 3, got {}", cc.grid),
        );
    }
    if !(cc.margin.is_finite() && (0.0..=10.0).contains(&cc.margin)) {
        return bad("margin", format!("must be in [0, 10], got {}", cc.margin));
    }
    Ok(())
}

/// Training and test loss and accuracy at one t of a path (NaN where there is no test
/// set or no labels).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PathPoint {
    pub t: f64,
    #[serde(deserialize_with = "nan_if_null")]
    pub train_loss: f64,
    #[serde(deserialize_with = "nan_if_null")]
    pub train_accuracy: f64,
    #[serde(deserialize_with = "nan_if_null")]
    pub test_loss: f64,
    #[serde(deserialize_with = "nan_if_null")]
    pub test_accuracy: f64,
}

/// `summary.json` of a `connect` run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConnectReport {
    /// Where the minima came from: "models" or "seeds".
    pub ends: String,
    pub seeds: Vec<u64>,
    /// The curve's shape.
    pub shape: CurveKind,
    pub optimizer: OptimizerKind,
    pub lr: f64,
    pub epochs: usize,
    pub batch_size: usize,
    /// Steps of the bend's training.
    pub steps: usize,
    /// ‖θ_a − θ_b‖.
    pub distance: f64,
    /// Highest training loss on the path minus the mean of the ends' (the ends are
    /// measured, so both barriers share them).
    #[serde(deserialize_with = "nan_if_null")]
    pub barrier_line: f64,
    #[serde(deserialize_with = "nan_if_null")]
    pub barrier_curve: f64,
    /// The same on the test loss (NaN without a test set).
    #[serde(deserialize_with = "nan_if_null")]
    pub test_barrier_line: f64,
    #[serde(deserialize_with = "nan_if_null")]
    pub test_barrier_curve: f64,
    pub line: Vec<PathPoint>,
    pub curve: Vec<PathPoint>,
    /// Mean sampled loss L(φ(t)) of each epoch of the bend's training.
    pub bend_loss: Vec<f64>,
    /// The plane through θ_a, θ_b and θ_c, when `grid` > 0.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plane: Option<Plane>,
    /// Always "f64".
    pub precision: String,
}

/// What a connect run computed: the report, the three points and the plane's grids.
pub struct ConnectOutput {
    pub report: ConnectReport,
    /// The net's layout, for the saved weights.
    pub layout: Layout,
    pub a: Vec<f64>,
    pub b: Vec<f64>,
    pub bend: Vec<f64>,
    /// Training and test loss over the plane's grid (row y, column x).
    pub plane_train_loss: Vec<f64>,
    pub plane_test_loss: Option<Vec<f64>>,
}

pub fn run<S: Scalar>(ctx: &Context, cc: &ConnectConfig) -> Result<ConnectOutput> {
    let cfg = &ctx.cfg;
    validate(cfg, cc)?;
    let model = cfg.model()?;
    let trains = cc.model_a.is_none();
    let setup = build::<S>(cfg, model, trains)?;
    let n = setup.train.n;
    let batch = match cc.batch_size {
        BatchSize::Count(b) if b > n => {
            return Err(cfg.err(
                "experiment.batch_size",
                format!("{b} is more than the {n} training rows"),
            ))
        }
        b => b.samples(n),
    };
    let (a, b) = ends(ctx, cc, &setup)?;
    if a == b {
        return Err(cfg.err(
            "experiment.model_b",
            "gives the same weights as model_a: there is nothing to connect",
        ));
    }
    let train = setup.train_f64(cfg)?;
    let test = setup.test_f64(cfg)?;
    let mlp = &setup.mlp;
    let curve = Curve {
        kind: cc.curve,
        a: &a,
        b: &b,
    };
    let (bend, bend_loss, steps) =
        train_bend(mlp, &train, &curve, cc, batch, cfg.config.seed, ctx.quiet);
    if !bend.iter().all(|v| v.is_finite()) {
        return Err(Error::Invalid(format!(
            "training the bend diverged (its loss went to {}); lower experiment.lr",
            bend_loss.last().copied().unwrap_or(f64::NAN)
        )));
    }
    let pool = ChunkPool::<f64>::new(mlp);
    let ts = Axis {
        range: [0.0, 1.0],
        points: cc.points,
    }
    .coords();
    // The midpoint bend makes the curve the straight line, measured at the same t.
    let midpoint = curve.midpoint();
    let measure = |c: &[f64]| path_points(&pool, mlp, &train, test.as_ref(), &curve, c, &ts);
    let line = measure(&midpoint);
    let curve_points = measure(&bend);
    let barrier_of = |pts: &[PathPoint], f: fn(&PathPoint) -> f64| {
        barrier(&pts.iter().map(f).collect::<Vec<_>>())
    };
    let distance = norm(&a.iter().zip(&b).map(|(x, y)| x - y).collect::<Vec<_>>());
    let (plane, plane_train_loss, plane_test_loss) = if cc.grid > 0 {
        let (pl, tr, te) = plane(
            mlp,
            &train,
            test.as_ref(),
            &curve,
            &bend,
            cc,
            cfg.config.seed,
        )?;
        (Some(pl), tr, te)
    } else {
        (None, vec![], None)
    };
    Ok(ConnectOutput {
        report: ConnectReport {
            ends: if trains { "seeds" } else { "models" }.into(),
            seeds: cc.seeds.clone(),
            shape: cc.curve,
            optimizer: cc.optimizer,
            lr: cc.lr,
            epochs: cc.epochs,
            batch_size: batch,
            steps,
            distance,
            barrier_line: barrier_of(&line, |p| p.train_loss),
            barrier_curve: barrier_of(&curve_points, |p| p.train_loss),
            test_barrier_line: barrier_of(&line, |p| p.test_loss),
            test_barrier_curve: barrier_of(&curve_points, |p| p.test_loss),
            line,
            curve: curve_points,
            bend_loss,
            plane,
            precision: "f64".into(),
        },
        layout: mlp.layout.clone(),
        a,
        b,
        bend,
        plane_train_loss,
        plane_test_loss,
    })
}

/// The two minima in f64: loaded, or trained from the two seeds in the run's dtype (a
/// diverged training is an error).
fn ends<S: Scalar>(
    ctx: &Context,
    cc: &ConnectConfig,
    setup: &super::setup::Setup<S>,
) -> Result<(Vec<f64>, Vec<f64>)> {
    let cfg = &ctx.cfg;
    let layout = &setup.mlp.layout;
    if let (Some(fa), Some(fb)) = (&cc.model_a, &cc.model_b) {
        return Ok((
            weights::load::<f64>(&cfg.resolve(fa), layout)?,
            weights::load::<f64>(&cfg.resolve(fb), layout)?,
        ));
    }
    let plan = cfg.train_plan(cfg.train()?, setup.train.n)?;
    let init = cfg.model()?.init;
    let progress = Progress::new(2, "train the two minima", ctx.quiet);
    let mut out = Vec::with_capacity(2);
    for &seed in &cc.seeds {
        let (_, theta, traj) = train_seed(
            &setup.mlp,
            init,
            (&setup.train, setup.test.as_ref()),
            &plan,
            seed,
        );
        if let Some(why) = traj.divergence {
            return Err(Error::Invalid(format!(
                "training the minimum of seed {seed} diverged ({why}); lower train.lr"
            )));
        }
        out.push(theta.iter().map(|v| v.f64()).collect());
        progress.inc(1);
    }
    progress.finish();
    let b = out.pop().unwrap_or_default();
    let a = out.pop().unwrap_or_default();
    Ok((a, b))
}

/// Trains the bend from the line's midpoint: `epochs` passes over the training rows in
/// minibatches of `batch`, one t per step. Returns the bend, each epoch's mean sampled
/// loss and the number of steps.
fn train_bend(
    mlp: &Mlp,
    train: &Samples<f64>,
    curve: &Curve,
    cc: &ConnectConfig,
    batch: usize,
    seed: u64,
    quiet: bool,
) -> (Vec<f64>, Vec<f64>, usize) {
    let n = train.n;
    let per_epoch = n.div_ceil(batch);
    let steps = per_epoch * cc.epochs;
    let mut c = curve.midpoint();
    let mut opt = Optimizer::<f64>::new(cc.optimizer, Hyper::default(), c.len());
    let pool = ChunkPool::<f64>::new(mlp);
    let mut minibatch = train.empty_like();
    let mut order: Vec<usize> = (0..n).collect();
    let mut shuffle = rng(seed, Stream::ConnectShuffle);
    let progress = Progress::new(steps as u64, "train the bend", quiet);
    let losses = fit_bend(
        curve,
        &mut c,
        steps,
        &mut rng(seed, Stream::ConnectT),
        |s, theta, g| {
            let k = s % per_epoch;
            if k == 0 {
                order.shuffle(&mut shuffle);
            }
            let rows = &order[k * batch..((k + 1) * batch).min(n)];
            train.gather(rows, &mut minibatch);
            progress.inc(1);
            pool.eval_grad(mlp, &minibatch, theta, g).loss
        },
        |c, g| opt.step(c, g, cc.lr),
    );
    progress.finish();
    let bend_loss = losses
        .chunks(per_epoch)
        .map(|e| e.iter().sum::<f64>() / e.len() as f64)
        .collect();
    (c, bend_loss, steps)
}

/// Both data sets' loss and accuracy at each t along the path with bend `c`.
fn path_points(
    pool: &ChunkPool<f64>,
    mlp: &Mlp,
    train: &Samples<f64>,
    test: Option<&Samples<f64>>,
    curve: &Curve,
    c: &[f64],
    ts: &[f64],
) -> Vec<PathPoint> {
    let mut at = vec![0.0; c.len()];
    let acc = |e: &Eval| e.accuracy.unwrap_or(f64::NAN);
    ts.iter()
        .map(|&t| {
            curve.point(c, t, &mut at);
            let tr = pool.eval(mlp, train, &at);
            let te = test.map(|d| pool.eval(mlp, d, &at));
            PathPoint {
                t,
                train_loss: tr.loss,
                train_accuracy: acc(&tr),
                test_loss: te.map_or(f64::NAN, |e| e.loss),
                test_accuracy: te.as_ref().map_or(f64::NAN, acc),
            }
        })
        .collect()
}

/// Saves the three points, the plane's grids and draws the figures.
pub fn write(out: &ConnectOutput, dir: &RunDir) -> Result<()> {
    for (name, theta) in [
        ("model_a", &out.a),
        ("model_b", &out.b),
        ("bend", &out.bend),
    ] {
        dir.save_weights(&format!("{name}.safetensors"), &out.layout, theta)?;
    }
    super::connect_figures::save_plane(
        &out.report,
        &out.plane_train_loss,
        out.plane_test_loss.as_deref(),
        dir,
    )?;
    redraw(&out.report, dir)
}
