//! Experiment kinds, each in three steps: [`plan`] checks everything before any folder
//! is touched; a kind's `run` computes its typed report (and the arrays behind its
//! figures); its `write` saves the arrays and draws the figures into the run folder,
//! and [`run`] writes `summary.json` (the [`Summary`], serialised) and the resolved
//! `config.toml`. [`plot`] redraws the figures of a finished run from what it saved.

pub mod batch_size;
pub mod batch_size_compare;
pub mod batch_size_figures;
pub mod budget;
pub mod connect;
pub mod connect_figures;
pub mod connect_plane;
pub mod context;
pub mod escape;
pub mod escape_figures;
pub mod escape_run;
pub mod evaluate;
pub mod figures;
pub mod hessian;
pub mod job;
pub mod optimizers;
pub mod optimizers_figures;
pub mod optimizers_run;
pub mod optimizers_start;
pub mod plan;
pub mod saddles;
pub mod saddles_figures;
pub mod saddles_track;
pub mod setup;
pub mod sgd_noise;
pub mod sgd_noise_figures;
pub mod slice;
pub mod slice_figures;
pub mod summary;
pub mod train;
pub mod width_sweep;
pub mod width_sweep_figures;
pub mod xor;
pub mod xor_figures;
pub mod xor_report;
pub mod xor_step;

pub use context::{resolved_config, Context, RunOptions};
pub use summary::{Report, Summary};

use crate::cluster::Job;
use crate::config::{Dtype, ExperimentConfig, LoadedConfig};
use crate::error::{Error, Result};
use crate::io::lock::{self, Claim};
use crate::io::run_dir::RunDir;
use crate::scalar::Scalar;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// What a finished run left behind.
#[derive(Clone, Debug)]
pub struct RunOutcome {
    pub dir: PathBuf,
    pub summary: Summary,
}

/// Run the experiment a config describes: plan it (every check; nothing written on a
/// refusal), compute its report, then write the report, arrays and figures into the
/// run folder.
pub fn run(cfg: LoadedConfig, opts: &RunOptions) -> Result<RunOutcome> {
    run_planned(plan::plan(cfg, opts)?, opts, None)
}

/// Runs a plan that passed, as a single process or as rank 0 of `job`.
fn run_planned(plan: plan::Plan, opts: &RunOptions, job: Option<&Job>) -> Result<RunOutcome> {
    // The plan passed: the folder is claimed before any work, so a second run into it
    // is refused at once, and a resumed run reads it under the lock. A run that fails
    // from here on takes back what it added (the folder too, if it made it).
    let ctx = Context::open(plan.cfg, plan.out, opts, job)?;
    let go = || -> Result<RunOutcome> {
        let start = Instant::now();
        let report = match ctx.cfg.config.dtype {
            Dtype::F32 => run_kind::<f32>(&ctx)?,
            Dtype::F64 => run_kind::<f64>(&ctx)?,
        };
        let summary = Summary {
            name: ctx.cfg.name(),
            seed: ctx.cfg.config.seed,
            dtype: ctx.cfg.config.dtype,
            seconds: start.elapsed().as_secs_f64(),
            machine: Some(crate::machine::RunMachine::this()),
            report,
        };
        let dir = ctx.create_dir()?;
        dir.write_text(lock::CONFIG_FILE, &resolved_config(&ctx.cfg)?)?;
        dir.write_text(summary::SUMMARY_FILE, &summary.to_json()?)?;
        // From what the run saved, as `losscape report` rebuilds it. A page that cannot
        // be built does not take the run's results with it.
        if let Err(e) = crate::report::write_into(&dir) {
            let page = dir.path(crate::report::REPORT_FILE);
            eprintln!("warning: {}: not written: {e:#}", page.display());
            // Not an earlier run's page beside this run's results.
            let _ = std::fs::remove_file(&page);
        }
        Ok(RunOutcome {
            dir: ctx.out.clone(),
            summary,
        })
    };
    let result = with_threads(plan.threads, go);
    // A failed run takes back what it added; a finished one releases the folder.
    if result.is_err() {
        ctx.claim.abandon();
    }
    result
}

/// `f` on a pool of `threads` worker threads (None: rayon's global pool).
fn with_threads<T: Send>(
    threads: Option<usize>,
    f: impl FnOnce() -> Result<T> + Send,
) -> Result<T> {
    match threads {
        Some(t) => rayon::ThreadPoolBuilder::new()
            .num_threads(t)
            .build()
            .map_err(|e| Error::Invalid(format!("cannot start {t} threads: {e}")))
            .and_then(|pool| pool.install(f)),
        None => f(),
    }
}

/// Computes the kind's report, then writes its arrays and figures.
fn run_kind<S: Scalar>(ctx: &Context) -> Result<Report> {
    Ok(match &ctx.cfg.config.experiment {
        ExperimentConfig::Train(tc) => {
            let out = train::run::<S>(ctx, tc.resolution)?;
            train::write(&out, &ctx.create_dir()?, &ctx.cfg.name())?;
            Report::Train(out.report)
        }
        ExperimentConfig::Evaluate {} => Report::Evaluate(evaluate::run::<S>(ctx)?),
        ExperimentConfig::Slice(sc) => {
            let out = slice::run::<S>(ctx, sc)?;
            slice::write(&out, &ctx.create_dir()?)?;
            Report::Slice(out.report)
        }
        ExperimentConfig::Hessian(hc) => {
            let out = hessian::run::<S>(ctx, hc)?;
            hessian::write(&out, &ctx.create_dir()?)?;
            Report::Hessian(out.report)
        }
        ExperimentConfig::Saddles(sc) => {
            let out = saddles::run::<S>(ctx, sc)?;
            saddles::write(&out, &ctx.create_dir()?)?;
            Report::Saddles(out.report)
        }
        ExperimentConfig::BatchSize(bc) => {
            let out = batch_size::run::<S>(ctx, bc)?;
            batch_size::write(&out, &ctx.create_dir()?)?;
            Report::BatchSize(out.report)
        }
        ExperimentConfig::WidthSweep(wc) => {
            let out = width_sweep::run::<S>(ctx, wc)?;
            width_sweep::write(&out, &ctx.create_dir()?)?;
            Report::WidthSweep(out.report)
        }
        ExperimentConfig::Xor(xc) => {
            let out = xor::run::<S>(ctx, xc)?;
            xor::write(&out, &ctx.create_dir()?, &ctx.cfg.name())?;
            Report::Xor(out.report)
        }
        ExperimentConfig::SgdNoise(nc) => {
            let out = sgd_noise::run::<S>(ctx, nc)?;
            sgd_noise::write(&out, &ctx.create_dir()?)?;
            Report::SgdNoise(out.report)
        }
        ExperimentConfig::Escape(ec) => {
            let out = escape::run::<S>(ctx, ec)?;
            escape::write(&out, &ctx.create_dir()?)?;
            Report::Escape(out.report)
        }
        ExperimentConfig::Connect(cc) => {
            let out = connect::run::<S>(ctx, cc)?;
            connect::write(&out, &ctx.create_dir()?)?;
            Report::Connect(out.report)
        }
        ExperimentConfig::Optimizers(oc) => {
            let out = optimizers::run::<S>(ctx, oc)?;
            optimizers::write(&out, &ctx.create_dir()?)?;
            Report::Optimizers(out.report)
        }
    })
}

/// Redraws the figures of the run in `run_dir` from its `summary.json` and saved
/// arrays, recomputing nothing; `restyle` restyles slice figures.
pub fn plot(run_dir: &Path, restyle: &slice_figures::Restyle) -> Result<()> {
    let kind = Summary::read(run_dir)?.kind();
    // Held while redrawing: a run still writing this folder is not drawn over.
    let _claim = Claim::take_existing(run_dir, kind)?;
    let summary = Summary::read(run_dir)?;
    let dir = RunDir::open_existing(run_dir)?;
    match &summary.report {
        Report::Train(r) => train::redraw(r, &dir, &summary.name),
        Report::Hessian(r) => hessian::redraw(r, &dir),
        Report::Saddles(r) => saddles::redraw(r, &dir),
        Report::Slice(r) => slice::redraw(r, &dir, restyle),
        Report::BatchSize(r) => batch_size::redraw(r, &dir),
        Report::Evaluate(_) => Ok(()),
        Report::Xor(r) => xor::redraw(r, &dir, &summary.name),
        Report::WidthSweep(r) => width_sweep::redraw(r, &dir),
        Report::SgdNoise(r) => sgd_noise::redraw(r, &dir),
        Report::Escape(r) => escape::redraw(r, &dir),
        Report::Connect(r) => connect::redraw(r, &dir),
        Report::Optimizers(r) => optimizers::redraw(r, &dir),
    }
}
