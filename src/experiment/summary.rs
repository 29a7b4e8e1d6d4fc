//! `summary.json`: the typed [`Report`] of a run with who ran what ([`Summary`]),
//! serialised by serde and read back by `losscape plot`.
//! Fields that can hold NaN read it back from `null` through [`crate::json_num`].

use super::{
    batch_size::BatchSizeReport, connect::ConnectReport, escape::EscapeReport,
    evaluate::EvaluateReport, hessian::HessianReport, optimizers::OptimizersReport,
    saddles::SaddlesReport, sgd_noise::SgdNoiseReport, slice::SliceReport, train::TrainReport,
    width_sweep::WidthSweepReport, xor::XorReport,
};
use crate::config::Dtype;
use crate::error::{Error, Result};
use crate::machine::RunMachine;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// What one run of one kind found; the `kind` key of `summary.json` names the variant.
// A report is made once per run: its size does not matter, boxing would only add noise.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, Serialize, Deserialize, strum::IntoStaticStr)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Report {
    Train(TrainReport),
    Evaluate(EvaluateReport),
    /// Boxed: by far the largest report.
    Xor(XorReport),
    Slice(SliceReport),
    Hessian(HessianReport),
    Saddles(SaddlesReport),
    BatchSize(BatchSizeReport),
    WidthSweep(WidthSweepReport),
    SgdNoise(SgdNoiseReport),
    Escape(EscapeReport),
    Connect(ConnectReport),
    Optimizers(OptimizersReport),
}

/// The contents of `summary.json`: the report and the run that made it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Summary {
    /// The run name (the config's `name`, else its file stem).
    pub name: String,
    pub seed: u64,
    pub dtype: Dtype,
    /// Wall-clock time of the computation, in seconds.
    pub seconds: f64,
    /// The CPU and SIMD level that computed it (absent in summaries written before).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub machine: Option<RunMachine>,
    #[serde(flatten)]
    pub report: Report,
}

/// The file a run's summary is written to.
pub const SUMMARY_FILE: &str = "summary.json";

impl Report {
    /// The kind's name, as in `[experiment] kind`.
    pub fn kind(&self) -> &'static str {
        self.into()
    }
}

impl Summary {
    /// The kind of the run.
    pub fn kind(&self) -> &'static str {
        self.report.kind()
    }

    /// Pretty JSON, as written to `summary.json` and printed on stdout.
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string_pretty(self).map_err(|e| Error::output(SUMMARY_FILE, e))
    }

    /// Reads `summary.json` of the run folder `dir`.
    pub fn read(dir: &Path) -> Result<Summary> {
        let path = dir.join(SUMMARY_FILE);
        let text = crate::io::read::read_input_text(&path, crate::io::read::RUN_FILE_LIMIT)?;
        serde_json::from_str(&text).map_err(|e| {
            Error::Invalid(format!(
                "{}: not the summary of a losscape run of this version: {e}",
                path.display()
            ))
        })
    }
}
