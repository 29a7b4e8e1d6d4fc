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
//! Figures: fitted curves over the training data for several widths (1-D regression),
//! approximation error against width on log–log axes, and train and test loss against
//! width (mean ± std over seeds).

use super::figures::{curve_grid, predict};
use super::setup::{build, train_seed};
use super::{num, Context};
use crate::config::{LoadedConfig, Width, WidthSweepConfig};
use crate::data::Labels;
use crate::error::Result;
use crate::io::run_dir::RunDir;
use crate::nn::{weights, Mlp};
use crate::optim::TrainPlan;
use crate::plot::studies::{mean_std_chart, MeanStd as Band};
use crate::plot::{self, Series};
use crate::progress::Progress;
use crate::scalar::Scalar;
use crate::study::{mean_std, Family};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::path::Path;

/// Widths whose fits are drawn, at most.
const FIT_CURVES: usize = 5;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct WidthRun {
    pub width: usize,
    pub seed: u64,
    pub n_params: usize,
    pub train_loss: f64,
    pub test_loss: Option<f64>,
    pub train_accuracy: Option<f64>,
    pub test_accuracy: Option<f64>,
    pub approx_error: f64,
    pub diverged: Option<String>,
    pub seconds: f64,
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

/// The summary of this kind, still built by hand (being moved to a typed struct).
pub type WidthSweepReport = Value;

pub fn run<S: Scalar>(ctx: &Context, wc: &WidthSweepConfig) -> Result<Value> {
    let cfg = &ctx.cfg;
    let model = cfg.model()?;
    let widths = validate(cfg, wc, &model.layers)?;
    let setup = build::<S>(cfg, model, true)?;
    let mut plan = cfg.train_plan(cfg.train()?, setup.train.n)?;
    plan.record_every = 0;
    plan.snapshot_every = 0;
    let (d, k) = (model.layers[0], model.layers[2]);
    let net = |w: usize| Mlp::new(&[d, w, k], model.activation, model.loss);

    let names: Vec<String> = widths
        .iter()
        .flat_map(|w| wc.seeds.iter().map(move |s| format!("w{w}_s{s}")))
        .collect();
    let (family, dir) = ctx.open_family(names)?;
    let progress = Progress::new(family.len() as u64, "runs", ctx.quiet);
    let n_seeds = wc.seeds.len();
    let runs: Vec<WidthRun> = family.run(&progress, |i, run_dir| {
        let width = widths[i / n_seeds];
        one_run(
            cfg,
            &setup,
            &net(width),
            &plan,
            width,
            wc.seeds[i % n_seeds],
            run_dir,
        )
    })?;
    progress.finish();

    let by_width: Vec<Value> = widths
        .iter()
        .map(|&w| {
            let rs: Vec<&WidthRun> = runs.iter().filter(|r| r.width == w).collect();
            let stat = |f: &dyn Fn(&WidthRun) -> f64| {
                let s = mean_std(rs.iter().map(|r| f(r)));
                json!({ "mean": num(s.mean), "std": num(s.std), "n": s.n })
            };
            json!({
                "width": w,
                "train_loss": stat(&|r| r.train_loss),
                "test_loss": stat(&|r| r.test_loss.unwrap_or(f64::NAN)),
                "train_accuracy": stat(&|r| r.train_accuracy.unwrap_or(f64::NAN)),
                "test_accuracy": stat(&|r| r.test_accuracy.unwrap_or(f64::NAN)),
                "approx_error": stat(&|r| r.approx_error),
            })
        })
        .collect();
    let slope = loglog_slope(
        &by_width
            .iter()
            .map(|b| b["width"].as_f64().unwrap())
            .collect::<Vec<_>>(),
        &by_width
            .iter()
            .map(|b| b["approx_error"]["mean"].as_f64().unwrap_or(f64::NAN))
            .collect::<Vec<_>>(),
    );
    draw(&dir, &runs, &widths)?;
    if d == 1 && k == 1 {
        draw_fits(&dir, &setup.split.train, &widths, &family, n_seeds, &net)?;
    }
    Ok(json!({
        "runs": runs.iter().map(|r| json!({
            "width": r.width,
            "seed": r.seed,
            "n_params": r.n_params,
            "train_loss": num(r.train_loss),
            "test_loss": r.test_loss.map(num),
            "train_accuracy": r.train_accuracy.map(num),
            "test_accuracy": r.test_accuracy.map(num),
            "approx_error": num(r.approx_error),
            "diverged": r.diverged,
            "seconds": num(r.seconds),
        })).collect::<Vec<_>>(),
        "by_width": by_width,
        "approx_error_loglog_slope": num(slope),
        "approx_error_measure": if model.loss.uses_labels() { "training error rate" } else { "RMS training residual" },
        "settings": {
            "epochs_or_steps": format!("{:?}", plan.length),
            "optimizer": format!("{:?}", plan.optimizer).to_lowercase(),
            "lr": plan.lr,
            "batch_size": plan.batch_size,
        },
    }))
}

fn one_run<S: Scalar>(
    cfg: &LoadedConfig,
    setup: &super::setup::Setup<S>,
    mlp: &Mlp,
    plan: &TrainPlan,
    width: usize,
    seed: u64,
    run_dir: &Path,
) -> Result<WidthRun> {
    let t0 = std::time::Instant::now();
    let model = cfg.model()?;
    let (_, theta, traj) = train_seed(
        mlp,
        model.init,
        (&setup.train, setup.test.as_ref()),
        plan,
        seed,
    );
    weights::save(&run_dir.join("model.safetensors"), &mlp.layout, &theta)?;
    let last = traj.last();
    let approx_error = match last.train_accuracy {
        Some(a) => 1.0 - a,
        None => rms_residual(mlp, &theta, &setup.split.train),
    };
    Ok(WidthRun {
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
    })
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

fn draw(dir: &RunDir, runs: &[WidthRun], widths: &[usize]) -> Result<()> {
    let x: Vec<f64> = widths.iter().map(|&w| w as f64).collect();
    let col = |f: &dyn Fn(&WidthRun) -> f64| -> (Vec<f64>, Vec<f64>) {
        widths
            .iter()
            .map(|&w| {
                let s = mean_std(runs.iter().filter(|r| r.width == w).map(f));
                (s.mean, s.std)
            })
            .unzip()
    };
    let (em, es) = col(&|r| r.approx_error);
    mean_std_chart(
        &dir.path("approx_error.png"),
        "Approximation error against width",
        "hidden width",
        "approximation error",
        &[Band {
            label: "approximation error",
            x: &x,
            mean: &em,
            std: &es,
        }],
        true,
        true,
        None,
    )?;
    let (trm, trs) = col(&|r| r.train_loss);
    let (tem, tes) = col(&|r| r.test_loss.unwrap_or(f64::NAN));
    let mut series = vec![Band {
        label: "train loss",
        x: &x,
        mean: &trm,
        std: &trs,
    }];
    if tem.iter().any(|v| v.is_finite()) {
        series.push(Band {
            label: "test loss",
            x: &x,
            mean: &tem,
            std: &tes,
        });
    }
    mean_std_chart(
        &dir.path("loss_vs_width.png"),
        "Train and test loss against width (mean ± std over seeds)",
        "hidden width",
        "loss",
        &series,
        true,
        true,
        None,
    )
}

/// The first seed's fitted curves for up to [`FIT_CURVES`] widths, evenly spread over
/// the sweep, over the training data.
fn draw_fits(
    dir: &RunDir,
    data: &crate::data::Dataset,
    widths: &[usize],
    family: &Family,
    n_seeds: usize,
    net: &dyn Fn(usize) -> Mlp,
) -> Result<()> {
    let Some((dx, dy, xs)) = curve_grid(data) else {
        return Ok(());
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
    let mut labels = Vec::new();
    let mut ys = Vec::new();
    for &v in &picks {
        let mlp = net(widths[v]);
        let theta: Vec<f64> = weights::load(
            &family.run_dir(v * n_seeds).join("model.safetensors"),
            &mlp.layout,
        )?;
        ys.push(predict(&mlp, &theta, &xs, xs.len()));
        labels.push(format!("width {}", widths[v]));
    }
    let mut series = vec![Series {
        label: "training data",
        x: &dx,
        y: &dy,
    }];
    for (l, y) in labels.iter().zip(&ys) {
        series.push(Series {
            label: l,
            x: &xs,
            y,
        });
    }
    plot::line_chart(
        &dir.path("fits.png"),
        "Fitted curves by hidden width",
        "x",
        "y",
        &series,
        false,
    )
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
