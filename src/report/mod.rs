//! `report.html`: one self-contained interactive page per run, built from what the run
//! saved (`summary.json`, `config.toml`, its arrays) and nothing else, so every run
//! writes it at its end and `losscape report RUN_DIR` rebuilds the same page later.
//!
//! [`page`] holds the page (header, key numbers, config, sections, the embedded
//! plotly.js of [`plotly_js`] and the page's script); each kind adds its sections.

mod connect;
mod escape;
mod hessian;
mod optimizers;
pub mod page;
pub mod plotly_js;
mod saddles;
mod sgd_noise;
mod slice;
mod studies;
mod training;

use crate::error::{Error, Result};
use crate::experiment::summary::Summary;
use crate::experiment::Report;
use crate::io::lock::{Claim, CONFIG_FILE};
use crate::io::read::{read_input_text, RUN_FILE_LIMIT};
use crate::io::run_dir::RunDir;
use page::Page;
use std::path::{Path, PathBuf};

/// The page's file in a run folder.
pub const REPORT_FILE: &str = "report.html";

/// The page of the finished run in `dir`.
pub fn build(dir: &RunDir) -> Result<String> {
    let summary = Summary::read(dir.root())?;
    let numbers = serde_json::to_value(&summary)
        .map_err(|e| Error::Invalid(format!("the summary does not serialise: {e}")))?;
    let config_path = dir.path(CONFIG_FILE);
    let config = match config_path.is_file() {
        true => Some(read_input_text(&config_path, RUN_FILE_LIMIT)?),
        false => None,
    };
    let kind = summary.kind();
    let mut page = Page::new(&summary.name, kind, &numbers, config.as_deref());
    match &summary.report {
        Report::Slice(r) => slice::sections(&mut page, r, dir)?,
        Report::Hessian(r) => hessian::sections(&mut page, r, dir)?,
        Report::Saddles(r) => saddles::sections(&mut page, r, dir)?,
        Report::BatchSize(r) => studies::batch_size(&mut page, r, dir)?,
        Report::WidthSweep(r) => studies::width_sweep(&mut page, r, dir)?,
        Report::Train(r) => training::train(&mut page, r, dir)?,
        Report::Evaluate(r) => training::evaluate(&mut page, r),
        Report::Xor(r) => training::xor(&mut page, r, dir)?,
        Report::SgdNoise(r) => sgd_noise::sections(&mut page, r),
        Report::Escape(r) => escape::sections(&mut page, r, dir)?,
        Report::Connect(r) => connect::sections(&mut page, r, dir)?,
        Report::Optimizers(r) => optimizers::sections(&mut page, r, dir)?,
    }
    Ok(page.finish())
}

/// Builds the page of the run in `dir` and writes it there (the caller holds the
/// folder); nothing is written when a file it needs is missing or damaged.
pub fn write_into(dir: &RunDir) -> Result<PathBuf> {
    let html = build(dir)?;
    dir.write_text(REPORT_FILE, &html)
}

/// `losscape report RUN_DIR`: rebuilds the page of a finished run, holding its folder
/// as `losscape plot` does (a run still writing it is not written over).
pub fn rebuild(run_dir: &Path) -> Result<PathBuf> {
    let kind = Summary::read(run_dir)?.kind();
    let _claim = Claim::take_existing(run_dir, kind)?;
    write_into(&RunDir::open_existing(run_dir)?)
}
