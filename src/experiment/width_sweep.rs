//! Kind `width_sweep`: one hidden layer, growing width (Cybenko 1989; Hornik 1989:
//! enough hidden units approximate any continuous function; Allen-Zhu et al. 2020:
//! over-parameterised nets still train and generalise).
//!
//! `[model] layers = [input, h, output]`; h is replaced by each width of `widths` in
//! turn, and each net is trained with `[train]` from each seed of `seeds`, as a
//! resumable family of runs. Per run: train and test loss and accuracy, and the
//! approximation error: the RMS training residual for regression (with noise-free data,
//! the distance of the best fit found from the target), the training error rate for
//! classification.
//!
//! Figures ([`super::width_sweep_figures`]): fitted curves over the training data for
//! several widths (1-D regression), approximation error against width on log–log axes,
//! and train and test loss against width (mean ± std over seeds).

use super::figures::predict;
use super::setup::{build, train_seed, Setup};
use super::width_sweep_figures::{self as figures, WidthFits};
use super::Context;
use crate::cluster::Job;
use crate::config::{LoadedConfig, ModelConfig, Width, WidthSweepConfig};
use crate::data::Labels;
use crate::error::Result;
use crate::io::run_dir::RunDir;
use crate::json_num::nan_if_null;
use crate::nn::{weights, Mlp};
use crate::optim::{OptimizerKind, TrainPlan};
use crate::progress::Progress;
use crate::scalar::Scalar;
use crate::study::{mean_std, Family, MeanStd};
use serde::{Deserialize, Serialize};

/// Widths whose fits are drawn, at most.
const FIT_CURVES: usize = 5;

/// One trained net of the sweep (also its `runs/<name>/result.json`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WidthRun {
    pub width: usize,
    pub seed: u64,
    pub n_params: usize,
    #[serde(deserialize_with = "nan_if_null")]
    pub train_loss: f64,
    pub test_loss: Option<f64>,
    pub train_accuracy: Option<f64>,
    pub test_accuracy: Option<f64>,
    #[serde(deserialize_with = "nan_if_null")]
    pub approx_error: f64,
    pub diverged: Option<String>,
    #[serde(deserialize_with = "nan_if_null")]
    pub seconds: f64,
}

/// Mean and std over the seeds of one width (a missing value counts as NaN, and only
/// finite values count).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WidthStats {
    pub width: usize,
    pub train_loss: MeanStd,
    pub test_loss: MeanStd,
    pub train_accuracy: MeanStd,
    pub test_accuracy: MeanStd,
    pub approx_error: MeanStd,
}

/// What `approx_error` measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ApproxErrorMeasure {
    /// 1 − training accuracy (classification).
    #[serde(rename = "training error rate")]
    TrainingErrorRate,
    /// √(mean squared training residual) (regression).
    #[serde(rename = "RMS training residual")]
    RmsTrainingResidual,
}

/// How every net was trained.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SweepSettings {
    /// The training length, as `Epochs(n)` or `Steps(n)`.
    pub epochs_or_steps: String,
    pub optimizer: OptimizerKind,
    pub lr: f64,
    pub batch_size: Option<usize>,
}

/// Which nets `fits.png` shows: the first seed's, at these widths.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FitsShown {
    pub seed: u64,
    pub widths: Vec<usize>,
}

/// `summary.json` of a `width_sweep` run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WidthSweepReport {
    /// Width-major, seeds inner.
    pub runs: Vec<WidthRun>,
    /// In the order of `[experiment] widths`.
    pub by_width: Vec<WidthStats>,
    /// Least-squares slope of log(mean approx_error) against log(width).
    #[serde(deserialize_with = "nan_if_null")]
    pub approx_error_loglog_slope: f64,
    pub approx_error_measure: ApproxErrorMeasure,
    pub settings: SweepSettings,
    /// The nets of `fits.png` (arrays `fits_*.npy`); None unless one input, one output
    /// and real-valued targets.
    #[serde(default)]
    pub fits: Option<FitsShown>,
}

/// What a width sweep computed: the report, and the fitted curves of `fits.png`.
pub struct WidthSweepOutput {
    pub report: WidthSweepReport,
    pub fits: Option<WidthFits>,
}

pub(super) fn validate(
    cfg: &LoadedConfig,
    wc: &WidthSweepConfig,
    layers: &[usize],
) -> Result<Vec<usize>> {
    if layers.len() != 3 {
        return Err(cfg.err(
            "model.layers",
            format!(
                "a width sweep needs one hidden layer, [input, width, output]; got {} layers",
                layers.len()
            ),
        ));
    }
    if wc.widths.is_empty() {
        return Err(cfg.err("experiment.widths", "is empty: give at least one width"));
    }
    if wc.seeds.is_empty() {
        return Err(cfg.err("experiment.seeds", "is empty: give at least one seed"));
    }
    let mut out: Vec<usize> = Vec::new();
    for (i, &Width(w)) in wc.widths.iter().enumerate() {
        if out.contains(&w) {
            return Err(cfg.err(
                &format!("experiment.widths[{i}]"),
                format!("{w} appears twice"),
            ));
        }
        out.push(w);
    }
    Ok(out)
}

/// What every run of the sweep is built from, loaded before any write.
struct Sweep<S> {
    widths: Vec<usize>,
    setup: Setup<S>,
    plan: TrainPlan,
}

impl<S: Scalar> Sweep<S> {
    fn prepare(cfg: &LoadedConfig, wc: &WidthSweepConfig) -> Result<Self> {
        let model = cfg.model()?;
        let widths = validate(cfg, wc, &model.layers)?;
        let setup = build::<S>(cfg, model, true)?;
        let mut plan = cfg.train_plan(cfg.train()?, setup.train.n)?;
        plan.record_every = 0;
        plan.snapshot_every = 0;
        Ok(Sweep {
            widths,
            setup,
            plan,
        })
    }

    /// Run `i` (width-major, seeds inner): its result and model file.
    fn run_at(
        &self,
        cfg: &LoadedConfig,
        wc: &WidthSweepConfig,
        i: usize,
    ) -> Result<(WidthRun, Vec<u8>)> {
        let n_seeds = wc.seeds.len();
        let width = self.widths[i / n_seeds];
        let net = net(cfg.model()?, width);
        one_run(
            cfg,
            &self.setup,
            &net,
            &self.plan,
            width,
            wc.seeds[i % n_seeds],
        )
    }
}

/// The one-hidden-layer net of `width` with the model's input and output widths.
fn net(model: &ModelConfig, width: usize) -> Mlp {
    let (d, k) = (model.layers[0], model.layers[2]);
    Mlp::new(&[d, width, k], model.activation, model.loss)
}

/// A rank other than 0 of a job: loads the data as rank 0 does and trains its share of
/// the runs.
pub fn work<S: Scalar>(cfg: &LoadedConfig, wc: &WidthSweepConfig, job: &Job) -> Result<()> {
    let sweep = Sweep::<S>::prepare(cfg, wc)?;
    crate::study::runner::work(job, |i| sweep.run_at(cfg, wc, i))
}

/// The folder (under `runs/`) of the run with `width` and `seed`.
pub fn run_name(width: usize, seed: u64) -> String {
    format!("w{width}_s{seed}")
}

pub fn run<S: Scalar>(ctx: &Context, wc: &WidthSweepConfig) -> Result<WidthSweepOutput> {
    let cfg = &ctx.cfg;
    let model = cfg.model()?;
    let sweep = Sweep::<S>::prepare(cfg, wc)?;
    let (widths, setup) = (&sweep.widths, &sweep.setup);
    let (d, k) = (model.layers[0], model.layers[2]);
    let names: Vec<String> = widths
        .iter()
        .flat_map(|&w| wc.seeds.iter().map(move |&s| run_name(w, s)))
        .collect();
    let (family, _) = ctx.open_family(names)?;
    let progress = Progress::new(family.len() as u64, "runs", ctx.quiet);
    let n_seeds = wc.seeds.len();
    let runs: Vec<WidthRun> = family.run(ctx.job, &progress, |i| sweep.run_at(cfg, wc, i))?;
    progress.finish();

    let by_width = by_width(&runs, widths);
    let slope = loglog_slope(
        &by_width.iter().map(|b| b.width as f64).collect::<Vec<_>>(),
        &by_width
            .iter()
            .map(|b| b.approx_error.mean)
            .collect::<Vec<_>>(),
    );
    let fits = match d == 1 && k == 1 {
        true => fits(&setup.split.train, widths, &family, n_seeds, &|w| {
            net(model, w)
        })?,
        false => None,
    };
    let report = WidthSweepReport {
        runs,
        by_width,
        approx_error_loglog_slope: slope,
        approx_error_measure: match model.loss.uses_labels() {
            true => ApproxErrorMeasure::TrainingErrorRate,
            false => ApproxErrorMeasure::RmsTrainingResidual,
        },
        settings: SweepSettings {
            epochs_or_steps: format!("{:?}", sweep.plan.length),
            optimizer: sweep.plan.optimizer,
            lr: sweep.plan.lr,
            batch_size: sweep.plan.batch_size,
        },
        fits: fits.as_ref().map(|(shown, _)| FitsShown {
            seed: wc.seeds[0],
            widths: shown.clone(),
        }),
    };
    Ok(WidthSweepOutput {
        report,
        fits: fits.map(|(_, f)| f),
    })
}

/// Saves the fitted curves, then draws the figures.
pub fn write(out: &WidthSweepOutput, dir: &RunDir) -> Result<()> {
    if let Some(f) = &out.fits {
        f.save(dir)?;
    }
    figures::draw(dir, &out.report, out.fits.as_ref())
}

/// Redraws the figures of a finished run from its report and saved curves.
pub fn redraw(report: &WidthSweepReport, dir: &RunDir) -> Result<()> {
    let fits = match &report.fits {
        Some(shown) => Some(WidthFits::load(dir, shown.widths.len())?),
        None => None,
    };
    figures::draw(dir, report, fits.as_ref())
}

/// Mean and std over seeds of each width's numbers.
fn by_width(runs: &[WidthRun], widths: &[usize]) -> Vec<WidthStats> {
    widths
        .iter()
        .map(|&w| {
            let stat = |f: &dyn Fn(&WidthRun) -> f64| {
                mean_std(runs.iter().filter(|r| r.width == w).map(f))
            };
            WidthStats {
                width: w,
                train_loss: stat(&|r| r.train_loss),
                test_loss: stat(&|r| r.test_loss.unwrap_or(f64::NAN)),
                train_accuracy: stat(&|r| r.train_accuracy.unwrap_or(f64::NAN)),
                test_accuracy: stat(&|r| r.test_accuracy.unwrap_or(f64::NAN)),
                approx_error: stat(&|r| r.approx_error),
            }
        })
        .collect()
}

fn one_run<S: Scalar>(
    cfg: &LoadedConfig,
    setup: &Setup<S>,
    mlp: &Mlp,
    plan: &TrainPlan,
    width: usize,
    seed: u64,
) -> Result<(WidthRun, Vec<u8>)> {
    let t0 = std::time::Instant::now();
    let model = cfg.model()?;
    let (_, theta, traj) = train_seed(
        mlp,
        model.init,
        (&setup.train, setup.test.as_ref()),
        plan,
        seed,
    );
    let model_file = weights::to_bytes(&mlp.layout, &theta)?;
    let last = traj.last();
    let approx_error = match last.train_accuracy {
        Some(a) => 1.0 - a,
        None => rms_residual(mlp, &theta, &setup.split.train),
    };
    let run = WidthRun {
        width,
        seed,
        n_params: mlp.n_params(),
        train_loss: last.train_loss,
        test_loss: last.test_loss,
        train_accuracy: last.train_accuracy,
        test_accuracy: last.test_accuracy,
        approx_error,
        diverged: traj.divergence.clone(),
        seconds: t0.elapsed().as_secs_f64(),
    };
    Ok((run, model_file))
}

/// √(mean over samples and outputs of (net − target)²) on a regression set.
fn rms_residual<S: Scalar>(mlp: &Mlp, theta: &[S], data: &crate::data::Dataset) -> f64 {
    let Labels::Values(t) = &data.y else {
        return f64::NAN;
    };
    let m = data.x.nrows();
    let x: Vec<f64> = data.x.iter().copied().collect();
    let y = predict(mlp, theta, &x, m);
    let sq: f64 = y.iter().zip(t.iter()).map(|(a, b)| (a - b).powi(2)).sum();
    (sq / y.len().max(1) as f64).sqrt()
}

/// Least-squares slope of log(err) against log(width) over the finite positive points.
fn loglog_slope(w: &[f64], e: &[f64]) -> f64 {
    let pts: Vec<(f64, f64)> = w
        .iter()
        .zip(e)
        .filter(|(a, b)| **a > 0.0 && **b > 0.0 && b.is_finite())
        .map(|(a, b)| (a.ln(), b.ln()))
        .collect();
    if pts.len() < 2 {
        return f64::NAN;
    }
    let n = pts.len() as f64;
    let (mx, my) = (
        pts.iter().map(|p| p.0).sum::<f64>() / n,
        pts.iter().map(|p| p.1).sum::<f64>() / n,
    );
    let sxy: f64 = pts.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let sxx: f64 = pts.iter().map(|p| (p.0 - mx).powi(2)).sum();
    sxy / sxx
}

/// The first seed's fitted curves for up to [`FIT_CURVES`] widths, evenly spread over
/// the sweep, from the weights each run saved; with the widths shown. None for
/// classification data.
fn fits(
    data: &crate::data::Dataset,
    widths: &[usize],
    family: &Family,
    n_seeds: usize,
    net: &dyn Fn(usize) -> Mlp,
) -> Result<Option<(Vec<usize>, WidthFits)>> {
    let Some((dx, dy, xs)) = super::figures::curve_grid(data) else {
        return Ok(None);
    };
    let shown = FIT_CURVES.min(widths.len());
    let picks: Vec<usize> = (0..shown)
        .map(|j| {
            if shown == 1 {
                widths.len() - 1
            } else {
                j * (widths.len() - 1) / (shown - 1)
            }
        })
        .collect();
    let mut ys = Vec::new();
    for &v in &picks {
        let mlp = net(widths[v]);
        let theta: Vec<f64> = weights::load(
            &family.run_dir(v * n_seeds).join("model.safetensors"),
            &mlp.layout,
        )?;
        ys.push(predict(&mlp, &theta, &xs, xs.len()));
    }
    let fits = WidthFits {
        data: dx.into_iter().zip(dy).map(|(x, y)| [x, y]).collect(),
        x: xs,
        y: ys,
    };
    Ok(Some((picks.iter().map(|&v| widths[v]).collect(), fits)))
}

#[cfg(test)]
mod tests {
    use super::loglog_slope;

    #[test]
    fn loglog_slope_of_a_power_law() {
        let w = [1.0, 2.0, 4.0, 8.0];
        let e: Vec<f64> = w.iter().map(|x: &f64| 3.0 * x.powf(-1.5)).collect();
        assert!((loglog_slope(&w, &e) + 1.5).abs() < 1e-12);
        assert!(loglog_slope(&[1.0], &[1.0]).is_nan());
    }
}
