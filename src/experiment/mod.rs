//! Experiment kinds: each validates its config, creates the run folder only once
//! everything is known to be good, computes, and writes `summary.json`, the resolved
//! `config.toml`, its figures and the arrays behind them.

pub mod batch_size;
pub mod batch_size_figures;
pub mod budget;
pub mod evaluate;
pub mod figures;
pub mod hessian;
pub mod plan;
pub mod saddles;
pub mod setup;
pub mod slice;
pub mod slice_figures;
pub mod train;
pub mod width_sweep;
pub mod xor;

use crate::config::{Dtype, ExperimentConfig, LoadedConfig};
use crate::error::{Error, Result};
use crate::io::lock::{self, Claim};
use crate::io::run_dir::RunDir;
use crate::scalar::Scalar;
use serde_json::Value;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Instant;

/// Command-line overrides of a run.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// Output folder (default plots/<name>).
    pub out: Option<PathBuf>,
    /// Worker threads (default: rayon's, one per core).
    pub threads: Option<usize>,
    /// Replaces the config's seed.
    pub seed: Option<u64>,
    /// No progress bars.
    pub quiet: bool,
    /// Discard an interrupted sweep of another config in the output folder.
    pub fresh: bool,
    /// Memory budget in bytes (default: [`crate::machine::default_memory_budget`]).
    pub max_memory: Option<u64>,
}

/// What a finished run left behind.
#[derive(Clone, Debug)]
pub struct RunOutcome {
    pub dir: PathBuf,
    pub summary: Value,
}

/// Where a kind writes: the run folder, claimed on the first write (or at the start
/// when it already exists), so that bad input found before then leaves no folder.
pub struct Context {
    pub cfg: LoadedConfig,
    pub out: PathBuf,
    pub quiet: bool,
    pub fresh: bool,
    claim: Mutex<Option<Claim>>,
}

impl Context {
    /// Claim the run folder (see [`crate::io::lock`]) unless already claimed; the first
    /// claim of a new folder writes the resolved config into it (it names the kind).
    fn claim(&self) -> Result<()> {
        let mut claim = self.claim.lock().unwrap_or_else(|e| e.into_inner());
        if claim.is_none() {
            let c = Claim::take(&self.out, self.cfg.config.experiment.kind())?;
            *claim = Some(c);
            let dir = RunDir::at(&self.out);
            if !dir.path(lock::CONFIG_FILE).exists() {
                dir.write_text(lock::CONFIG_FILE, &resolved_config(&self.cfg)?)?;
            }
        }
        Ok(())
    }

    /// The run folder, claimed.
    pub fn create_dir(&self) -> Result<RunDir> {
        self.claim()?;
        Ok(RunDir::at(&self.out))
    }
}

/// Run the experiment a config describes: plan it (every check; nothing written on a
/// refusal), then compute and write into the run folder.
pub fn run(cfg: LoadedConfig, opts: &RunOptions) -> Result<RunOutcome> {
    let plan = plan::plan(cfg, opts)?;
    let ctx = Context {
        cfg: plan.cfg,
        out: plan.out,
        quiet: opts.quiet,
        fresh: opts.fresh,
        claim: Mutex::new(None),
    };
    // An existing folder is claimed at once: a resumed run reads it under the lock, and
    // a folder of another run is refused before any work.
    if std::fs::symlink_metadata(&ctx.out).is_ok() {
        ctx.claim()?;
    }
    let go = || -> Result<RunOutcome> {
        let start = Instant::now();
        let mut summary = match ctx.cfg.config.dtype {
            Dtype::F32 => run_kind::<f32>(&ctx)?,
            Dtype::F64 => run_kind::<f64>(&ctx)?,
        };
        let c = &ctx.cfg.config;
        if let Value::Object(m) = &mut summary {
            m.insert("kind".into(), c.experiment.kind().into());
            m.insert("name".into(), ctx.cfg.name().into());
            m.insert("seed".into(), c.seed.into());
            m.insert(
                "dtype".into(),
                format!("{:?}", c.dtype).to_lowercase().into(),
            );
            m.insert("seconds".into(), start.elapsed().as_secs_f64().into());
        }
        let dir = ctx.create_dir()?;
        dir.write_text(lock::CONFIG_FILE, &resolved_config(&ctx.cfg)?)?;
        dir.write_json("summary.json", &summary)?;
        Ok(RunOutcome {
            dir: ctx.out.clone(),
            summary,
        })
    };
    let result = match plan.threads {
        Some(t) => rayon::ThreadPoolBuilder::new()
            .num_threads(t)
            .build()
            .map_err(|e| Error::Invalid(format!("cannot start {t} threads: {e}")))
            .and_then(|pool| pool.install(go)),
        None => go(),
    };
    // A failed run takes back what it added; a finished one releases the folder.
    let claim = ctx.claim.lock().unwrap_or_else(|e| e.into_inner()).take();
    if let (Err(_), Some(claim)) = (&result, claim) {
        claim.abandon();
    }
    result
}

fn run_kind<S: Scalar>(ctx: &Context) -> Result<Value> {
    match &ctx.cfg.config.experiment {
        ExperimentConfig::Train { resolution } => train::run::<S>(ctx, *resolution),
        ExperimentConfig::Evaluate {} => evaluate::run::<S>(ctx),
        ExperimentConfig::Slice(sc) => slice::run::<S>(ctx, sc, ctx.fresh),
        ExperimentConfig::Hessian(hc) => hessian::run::<S>(ctx, hc),
        ExperimentConfig::Saddles(sc) => saddles::run::<S>(ctx, sc),
        ExperimentConfig::BatchSize(bc) => batch_size::run::<S>(ctx, bc),
        ExperimentConfig::WidthSweep(wc) => width_sweep::run::<S>(ctx, wc),
        ExperimentConfig::Xor { .. } => xor::run::<S>(ctx),
    }
}

/// The config as run: seed included, file paths made absolute so it runs from anywhere.
pub fn resolved_config(cfg: &LoadedConfig) -> Result<String> {
    let mut c = cfg.config.clone();
    if let Some(d) = c.data.as_mut() {
        if let Some(p) = d.path.as_mut() {
            *p = absolute(cfg.resolve(p));
        }
    }
    if let Some(m) = c.model.as_mut() {
        if let Some(w) = m.weights.as_mut() {
            *w = absolute(cfg.resolve(w));
        }
    }
    let body = toml::to_string_pretty(&c).map_err(|e| Error::output("config.toml", e))?;
    Ok(format!(
        "# Resolved config of this run (losscape {}).\n{body}",
        env!("CARGO_PKG_VERSION")
    ))
}

fn absolute(p: PathBuf) -> String {
    std::path::absolute(&p).unwrap_or(p).display().to_string()
}

impl Context {
    /// The run family of a study with runs `names` (variant-major, seeds inner), checked
    /// against the resolved config before anything in the folder is rewritten, then the
    /// run folder itself.
    pub fn open_family(&self, names: Vec<String>) -> Result<(crate::study::Family, RunDir)> {
        let fingerprint = format!(
            "{:016x}",
            crate::io::hash::fnv1a64(resolved_config(&self.cfg)?.as_bytes())
        );
        let dir = self.create_dir()?;
        let family = crate::study::Family::open(&self.out, &fingerprint, names, self.fresh)?;
        Ok((family, dir))
    }
}

/// Adds the fields of the JSON object `extra` to the object `into`.
pub fn merge(into: &mut Value, extra: Value) {
    if let (Value::Object(a), Value::Object(b)) = (into, extra) {
        a.extend(b);
    }
}

/// `x` as a JSON number, or null when it is not finite (JSON has no NaN).
pub fn num(x: f64) -> Value {
    serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number)
}

/// An optional number as JSON.
pub fn opt_num(x: Option<f64>) -> Value {
    x.map_or(Value::Null, num)
}
