//! Experiment kinds: each validates its config, creates the run folder only once
//! everything is known to be good, computes, and writes `summary.json`, the resolved
//! `config.toml`, its figures and the arrays behind them.

pub mod batch_size;
pub mod batch_size_figures;
pub mod budget;
pub mod evaluate;
pub mod figures;
pub mod hessian;
pub mod saddles;
pub mod setup;
pub mod slice;
pub mod slice_figures;
pub mod train;
pub mod width_sweep;
pub mod xor;

use crate::config::{Dtype, ExperimentConfig, LoadedConfig};
use crate::error::{Error, Result};
use crate::io::run_dir::RunDir;
use crate::scalar::Scalar;
use serde_json::Value;
use std::path::PathBuf;
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
}

/// What a finished run left behind.
#[derive(Clone, Debug)]
pub struct RunOutcome {
    pub dir: PathBuf,
    pub summary: Value,
}

/// Where a kind writes, created on demand after validation.
pub struct Context {
    pub cfg: LoadedConfig,
    pub out: PathBuf,
    pub quiet: bool,
    pub fresh: bool,
}

impl Context {
    /// Create the run folder and write the resolved config into it.
    pub fn create_dir(&self) -> Result<RunDir> {
        let dir = RunDir::create(&self.out)?;
        dir.write_text("config.toml", &resolved_config(&self.cfg)?)?;
        Ok(dir)
    }
}

/// Run the experiment a config describes.
pub fn run(mut cfg: LoadedConfig, opts: &RunOptions) -> Result<RunOutcome> {
    if let Some(seed) = opts.seed {
        cfg.config.seed = seed;
    }
    if opts.threads == Some(0) {
        return Err(Error::Invalid("--threads must be at least 1".into()));
    }
    let out = opts
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("plots").join(cfg.name()));
    let ctx = Context {
        cfg,
        out,
        quiet: opts.quiet,
        fresh: opts.fresh,
    };
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
        RunDir::create(&ctx.out)?.write_json("summary.json", &summary)?;
        Ok(RunOutcome {
            dir: ctx.out.clone(),
            summary,
        })
    };
    match opts.threads {
        Some(t) => rayon::ThreadPoolBuilder::new()
            .num_threads(t)
            .build()
            .map_err(|e| Error::Invalid(format!("cannot start {t} threads: {e}")))?
            .install(go),
        None => go(),
    }
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
            crate::landscape::store::fnv1a64(resolved_config(&self.cfg)?.as_bytes())
        );
        let family = crate::study::Family::open(&self.out, &fingerprint, names, self.fresh)?;
        Ok((family, self.create_dir()?))
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
