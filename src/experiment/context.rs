//! The context a kind runs in: the command-line options, the resolved config, and the
//! run folder, claimed ([`crate::io::lock`]) once the plan has passed, so that bad
//! input leaves no folder behind and a second run into a busy folder is refused before
//! any work.

use crate::cluster::Job;
use crate::config::LoadedConfig;
use crate::error::{Error, Result};
use crate::io::lock::{self, Claim};
use crate::io::run_dir::RunDir;
use std::path::PathBuf;

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

/// Where a kind writes: the run folder, held for the whole run; and, in a job of several
/// ranks, the job (this process is its rank 0).
pub struct Context<'j> {
    pub cfg: LoadedConfig,
    pub out: PathBuf,
    pub quiet: bool,
    pub fresh: bool,
    pub job: Option<&'j Job>,
    pub(super) claim: Claim,
}

impl<'j> Context<'j> {
    /// Claim the run folder `out` for `cfg` (see [`crate::io::lock`]); a new folder
    /// gets the resolved config at once (it names the kind).
    pub(super) fn open(
        cfg: LoadedConfig,
        out: PathBuf,
        opts: &RunOptions,
        job: Option<&'j Job>,
    ) -> Result<Self> {
        let (quiet, fresh) = (opts.quiet, opts.fresh);
        let claim = Claim::take(&out, cfg.config.experiment.kind())?;
        let dir = RunDir::at(&out);
        if !dir.path(lock::CONFIG_FILE).exists() {
            if let Err(e) = dir.write_text(lock::CONFIG_FILE, &resolved_config(&cfg)?) {
                claim.abandon();
                return Err(e);
            }
        }
        Ok(Context {
            cfg,
            out,
            quiet,
            fresh,
            job,
            claim,
        })
    }

    /// The run folder (claimed when the context was opened).
    pub fn create_dir(&self) -> Result<RunDir> {
        Ok(RunDir::at(&self.out))
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

impl Context<'_> {
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
