//! The plan of a run: every check that can be made before any work, made before the
//! output folder is touched, so a refused run leaves nothing behind.
//!
//! [`plan`] resolves the command-line overrides (seed, threads, output folder), checks
//! the run name, the kind's settings, the model against the data's shape, the training
//! settings against the training set's size, and the run's memory: the data's shape is
//! read from headers without loading the data ([`crate::data::shape`]), the memory the
//! run will need is estimated from the plan ([`super::budget`]) and refused above the
//! budget (default: 75 % of the memory this process may use; `--max-memory`).
//! `losscape run --dry-run` stops here and prints [`Plan::describe`].

use super::budget::{self, Estimate};
use super::RunOptions;
use crate::config::{Center, ExperimentConfig, LoadedConfig, ModelConfig, TrainConfig};
use crate::data::config::DataConfig;
use crate::data::shape::{data_shape, DataShape};
use crate::error::{Error, Result};
use serde_json::{json, Value};
use std::path::PathBuf;

/// Most worker threads a run may ask for.
pub const MAX_THREADS: usize = 1024;

/// A run that passed every check that does not need the computation itself.
#[derive(Debug)]
pub struct Plan {
    /// The config with the command-line seed applied.
    pub cfg: LoadedConfig,
    /// The run folder.
    pub out: PathBuf,
    /// Worker threads (None: one per core).
    pub threads: Option<usize>,
    /// The shape of the data the run will load.
    pub data: DataShape,
    /// The memory the run is expected to need, by part.
    pub memory: Estimate,
    /// The most memory the run may be planned to need, in bytes.
    pub budget: u64,
}

/// Check `cfg` with the command-line `opts` into a [`Plan`]; nothing is written.
pub fn plan(mut cfg: LoadedConfig, opts: &RunOptions) -> Result<Plan> {
    if let Some(seed) = opts.seed {
        cfg.config.seed = seed;
    }
    match opts.threads {
        Some(0) => return Err(Error::Invalid("--threads must be at least 1".into())),
        Some(t) if t > MAX_THREADS => {
            return Err(Error::Invalid(format!(
                "--threads {t} is more than {MAX_THREADS}; results do not depend on the thread \
                 count, so use about one per core"
            )))
        }
        _ => {}
    }
    let out = match &opts.out {
        Some(out) => out.clone(),
        None => PathBuf::from("plots").join(cfg.run_name()?),
    };
    let trains = check_kind(&cfg)?;
    let (model, data_cfg, train_cfg) = tables(&cfg)?;
    cfg.validate_model(&model, trains)?;
    data_cfg.validate(&cfg.file)?;
    let data = data_shape(&data_cfg, &cfg.file)?;
    if data.features != model.layers[0] {
        return Err(cfg.err(
            "model.layers",
            format!(
                "the input width is {} but the data has {} features per sample",
                model.layers[0], data.features
            ),
        ));
    }
    // A csv's rows are counted only when it is read: its training plan is checked then.
    if let (true, true, Some(t)) = (trains, data.rows_exact, &train_cfg) {
        cfg.train_plan(t, data.n_train)?;
    }
    let threads = opts.threads.unwrap_or_else(rayon::current_num_threads);
    let memory = budget::estimate(&cfg, &data, threads)?;
    let budget = opts
        .max_memory
        .unwrap_or_else(crate::machine::default_memory_budget);
    budget::check(&cfg, &memory, budget)?;
    Ok(Plan {
        cfg,
        out,
        threads: opts.threads,
        data,
        memory,
        budget,
    })
}

/// The kind's own settings, checked; true when the run trains a model.
fn check_kind(cfg: &LoadedConfig) -> Result<bool> {
    check_no_overridden_keys(cfg)?;
    let has_train = cfg.config.train.is_some();
    let model = || cfg.model();
    Ok(match &cfg.config.experiment {
        ExperimentConfig::Train(_) => {
            cfg.train()?;
            true
        }
        ExperimentConfig::Evaluate {} => false,
        ExperimentConfig::Slice(sc) => {
            let center = super::setup::center_kind(cfg, model()?, sc.center)?;
            super::slice::validate(cfg, sc, center)?;
            center == Center::Trained
        }
        ExperimentConfig::Hessian(hc) => {
            let center = super::setup::center_kind(cfg, model()?, hc.center)?;
            super::hessian::validate(cfg, hc, "experiment")?;
            center == Center::Trained
        }
        ExperimentConfig::Saddles(sc) => {
            super::saddles::validate(cfg, sc, has_train)?;
            super::hessian::validate(cfg, &sc.hessian, "experiment.hessian")?;
            has_train
        }
        ExperimentConfig::BatchSize(bc) => {
            super::batch_size::validate(cfg, bc)?;
            cfg.train()?;
            true
        }
        ExperimentConfig::WidthSweep(wc) => {
            super::width_sweep::validate(cfg, wc, &model()?.layers)?;
            cfg.train()?;
            true
        }
        ExperimentConfig::SgdNoise(nc) => {
            let center = super::setup::center_kind(cfg, model()?, nc.center)?;
            super::sgd_noise::validate(cfg, nc)?;
            center == Center::Trained
        }
        ExperimentConfig::Escape(ec) => {
            let center = super::escape::center(cfg, ec)?;
            super::escape::validate(cfg, ec)?;
            center == Center::Trained
        }
        ExperimentConfig::Connect(cc) => {
            super::connect::validate(cfg, cc)?;
            cc.model_a.is_none()
        }
        ExperimentConfig::Optimizers(oc) => {
            super::optimizers::validate(cfg, oc)?;
            oc.start == crate::config::RaceStart::Plateau
        }
        // Checked with its default tables in `tables`.
        ExperimentConfig::Xor(_) => true,
    })
}

/// `experiment.<field>`, a list, must hold something (`empty` says what to give) and
/// nothing twice; `name` writes an element as the config does.
pub(super) fn check_list<T: PartialEq>(
    cfg: &LoadedConfig,
    field: &str,
    empty: &str,
    v: &[T],
    name: impl Fn(&T) -> String,
) -> Result<()> {
    if v.is_empty() {
        return Err(cfg.err(&format!("experiment.{field}"), format!("is empty: {empty}")));
    }
    match (1..v.len()).find(|&i| v[..i].contains(&v[i])) {
        Some(i) => Err(cfg.err(
            &format!("experiment.{field}[{i}]"),
            format!("{} is listed twice", name(&v[i])),
        )),
        None => Ok(()),
    }
}

/// Some kinds decide how their training runs record: a study keeps only the end of each
/// run, `saddles` records at `experiment.track_every` and snapshots every record. Setting
/// those `[train]` keys for them is an error naming the key, not silently replaced.
fn check_no_overridden_keys(cfg: &LoadedConfig) -> Result<()> {
    let Some(train) = &cfg.config.train else {
        return Ok(());
    };
    let why = match &cfg.config.experiment {
        ExperimentConfig::BatchSize(_) | ExperimentConfig::WidthSweep(_) => {
            "a study records only the end of each run"
        }
        ExperimentConfig::Saddles(_) => {
            "kind saddles records (and snapshots) the training run at experiment.track_every"
        }
        _ => return Ok(()),
    };
    for (key, set) in [
        ("record_every", train.record_every.is_some()),
        ("snapshot_every", train.snapshot_every.is_some()),
    ] {
        if set {
            return Err(cfg.err(
                &format!("train.{key}"),
                format!(
                    "is decided by kind {}: {why}; remove this key",
                    cfg.config.experiment.kind()
                ),
            ));
        }
    }
    Ok(())
}

/// The model, data and training tables the run uses (xor has defaults for all three).
fn tables(cfg: &LoadedConfig) -> Result<(ModelConfig, DataConfig, Option<TrainConfig>)> {
    if matches!(cfg.config.experiment, ExperimentConfig::Xor(_)) {
        let (model, data) = super::xor::validate(cfg)?;
        let train = cfg
            .config
            .train
            .clone()
            .unwrap_or_else(super::xor::default_train);
        return Ok((model, data, Some(train)));
    }
    Ok((
        cfg.model()?.clone(),
        cfg.data()?.clone(),
        cfg.config.train.clone(),
    ))
}

impl Plan {
    /// What the ranks of a job must agree on before any work: the resolved config (seed
    /// and absolute file paths included), the run's name and folder, and the shape of
    /// the data each rank found (with its files' sizes).
    pub fn fingerprint(&self) -> Result<u64> {
        let d = &self.data;
        let text = format!(
            "{}\n{}\n{}\n{} {} {} {} {}",
            super::resolved_config(&self.cfg)?,
            self.cfg.name(),
            self.out.display(),
            d.n_train,
            d.n_test,
            d.features,
            d.outputs,
            d.file_bytes
        );
        Ok(crate::io::hash::fnv1a64(text.as_bytes()))
    }

    /// The plan as JSON (printed by `run --dry-run`).
    pub fn describe(&self) -> Value {
        let parts: Vec<Value> = self
            .memory
            .parts
            .iter()
            .map(|p| json!({ "key": p.key, "what": p.what, "bytes": p.bytes }))
            .collect();
        json!({
            "name": self.cfg.name(),
            "kind": self.cfg.config.experiment.kind(),
            "config": self.cfg.file.display().to_string(),
            "seed": self.cfg.config.seed,
            "out": self.out.display().to_string(),
            "threads": self.threads,
            "data": {
                "n_train": self.data.n_train,
                "n_test": self.data.n_test,
                "features": self.data.features,
                "outputs": self.data.outputs,
            },
            "memory": {
                "estimate_bytes": self.memory.total(),
                "estimate": budget::human(self.memory.total()),
                "budget_bytes": self.budget,
                "budget": budget::human(self.budget),
                "parts": parts,
            },
        })
    }
}
