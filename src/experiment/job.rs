//! A run as one rank of a job of several (`mpirun -np N losscape run CONFIG`).
//!
//! Every rank plans the config; the plans' fingerprints must agree before rank 0 claims
//! the output folder. Rank 0 then runs the kind as a single process does, sharing the
//! independent work of the kinds that have some ([`shares_work`]): a slice's grid
//! points and curvature-map points, a study's runs, a saddle search's starts. The other
//! ranks load the same data and take part in each shared phase ([`work_kind`]); they
//! write nothing. Other kinds run on rank 0 while the others wait.

use super::{batch_size, plan, run_planned, saddles, slice, width_sweep, with_threads};
use super::{RunOptions, RunOutcome};
use crate::cluster::Job;
use crate::config::{Dtype, ExperimentConfig, LoadedConfig};
use crate::error::{Error, Result};
use crate::scalar::Scalar;

/// Whether ranks other than 0 take part in a run of `kind`.
pub fn shares_work(kind: &ExperimentConfig) -> bool {
    matches!(
        kind,
        ExperimentConfig::Slice(_)
            | ExperimentConfig::BatchSize(_)
            | ExperimentConfig::WidthSweep(_)
            | ExperimentConfig::Saddles(_)
    )
}

/// Runs `cfg` as this process's rank of `job`: rank 0 gets the run's outcome, the
/// others None once their part is done.
pub fn run_as_rank(cfg: LoadedConfig, opts: &RunOptions, job: &Job) -> Result<Option<RunOutcome>> {
    let planned = plan::plan(cfg, opts);
    let fingerprint = match &planned {
        Ok(p) => p.fingerprint(),
        Err(e) => Err(Error::Invalid(format!("{e:#}"))),
    };
    job.agree(&fingerprint)?;
    let plan = planned?;
    if job.is_root() {
        if !shares_work(&plan.cfg.config.experiment) && !opts.quiet {
            eprintln!(
                "note: a `{}` run is not shared among ranks; it runs on rank 0 while the \
                 other {} wait",
                plan.cfg.config.experiment.kind(),
                job.ranks() - 1
            );
        }
        let outcome = run_planned(plan, opts, Some(job));
        match &outcome {
            // The others may wait for data or a block that will not come.
            Err(_) => job.stop(),
            Ok(o) if !opts.quiet => eprintln!("{}", tally_note(job, o.summary.seconds)),
            Ok(_) => {}
        }
        return outcome.map(Some);
    }
    let cfg = plan.cfg;
    with_threads(plan.threads, || {
        match cfg.config.dtype {
            Dtype::F32 => work_kind::<f32>(&cfg, job),
            Dtype::F64 => work_kind::<f64>(&cfg, job),
        }
        .map_err(|e| job.fail(e))
    })
    .map(|()| None)
}

/// Rank 0's note on how the work was shared: items by rank, and the CPU time rank 0
/// spent serving the others against the run's `seconds`.
fn tally_note(job: &Job, seconds: f64) -> String {
    let t = job.tally();
    let serving = t.serving.as_secs_f64();
    format!(
        "shared among {} ranks: work items computed by rank {:?}; rank 0 spent {:.3} s of \
         CPU serving the others ({:.2} % of the run's {:.2} s)",
        job.ranks(),
        t.items,
        serving,
        100.0 * serving / seconds.max(1e-9),
        seconds
    )
}

/// A rank other than 0: its part in each shared phase of the kind, in rank 0's order.
fn work_kind<S: Scalar>(cfg: &LoadedConfig, job: &Job) -> Result<()> {
    match &cfg.config.experiment {
        ExperimentConfig::Slice(sc) => slice::work::<S>(cfg, sc, job),
        ExperimentConfig::BatchSize(bc) => batch_size::work::<S>(cfg, bc, job),
        ExperimentConfig::WidthSweep(wc) => width_sweep::work::<S>(cfg, wc, job),
        ExperimentConfig::Saddles(sc) => saddles::work::<S>(cfg, sc, job),
        _ => Ok(()),
    }
}
