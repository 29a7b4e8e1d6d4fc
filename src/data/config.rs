//! `DataConfig`: the `[data]` table of an experiment config, with its defaults and checks.
//!
//! Optional fields stay `None` when the config leaves them out, so a key that does not
//! apply to the chosen source is reported instead of silently ignored; the accessor
//! methods (`n()`, `noise()`, ...) give the documented defaults:
//!
//! | field | default |
//! |---|---|
//! | `n` | xor: 4 (the exact truth table) when `noise` = 0, else 200; circles, spirals, gaussians: 400; sine: 200 |
//! | `noise` | xor 0.0; circles, spirals, gaussians, sine 0.1 (meaning per generator: see `synthetic`) |
//! | `classes` | gaussians: 2 |
//! | `x_range`, `frequency`, `function` | sine: [-π, π], 1.0, `"sin"` |
//! | `target`, `task` | csv: `"label"`; classification when one target column holds only non-negative integers (or the loss needs labels), else regression |
//! | `delimiter` | csv: `","` (one character: `";"`, `"\t"`, `"|"`, ...) |
//! | `test_fraction` | 0.0 (no test set); idx/mnist always use the official train/t10k split |
//! | `standardize` | false |
//! | `standardize_targets` | false (regression targets only) |
//! | `limit_train`, `limit_test` | no limit |
//! | `shuffle_seed` | the run seed |

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{quote, Error, Result};

/// The target function of the 1-D regression source `sine`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Function1d {
    /// sin(x).
    #[default]
    Sin,
    /// 1 for x ≥ 0, else 0.
    Step,
    /// |x|.
    Abs,
}

impl Function1d {
    pub fn eval(self, x: f64) -> f64 {
        match self {
            Function1d::Sin => x.sin(),
            Function1d::Step => {
                if x >= 0.0 {
                    1.0
                } else {
                    0.0
                }
            }
            Function1d::Abs => x.abs(),
        }
    }
}

/// Where the samples come from.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Deserialize,
    Serialize,
    strum::IntoStaticStr,
    strum::VariantNames,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Source {
    Xor,
    Circles,
    Spirals,
    Gaussians,
    Sine,
    Csv,
    Idx,
    /// Bundled `data/digits.csv.gz` (1797 8×8 digits, 10 classes).
    Digits,
    /// Bundled `data/breast_cancer.csv.gz` (569 × 30, 2 classes).
    BreastCancer,
    /// Bundled `data/mnist/` (IDX, official 60000/10000 split).
    Mnist,
}

impl Source {
    /// The name used in configs (as serde reads it).
    pub fn name(self) -> &'static str {
        self.into()
    }

    /// Generated in memory from the seed (xor, circles, spirals, gaussians, sine).
    pub fn is_synthetic(self) -> bool {
        matches!(
            self,
            Source::Xor | Source::Circles | Source::Spirals | Source::Gaussians | Source::Sine
        )
    }

    /// Comes with its own train/test split (idx, mnist).
    pub fn has_official_split(self) -> bool {
        matches!(self, Source::Idx | Source::Mnist)
    }
}

/// csv target: one column name or several (several = multi-output regression).
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(untagged)]
pub enum TargetSpec {
    One(String),
    Many(Vec<String>),
}

impl TargetSpec {
    pub fn names(&self) -> Vec<&str> {
        match self {
            TargetSpec::One(s) => vec![s.as_str()],
            TargetSpec::Many(v) => v.iter().map(String::as_str).collect(),
        }
    }
}

/// Whether a csv target holds class labels or real values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Task {
    Classification,
    Regression,
}

/// The `[data]` table.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DataConfig {
    pub source: Source,
    /// csv file or idx folder, relative to the config file's folder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<TargetSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task: Option<Task>,
    /// csv: the one character between fields (default `,`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delimiter: Option<String>,
    /// Number of synthetic samples.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub noise: Option<f64>,
    /// gaussians: number of blobs (classes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub classes: Option<usize>,
    /// sine: interval x is drawn from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x_range: Option<[f64; 2]>,
    /// sine: y = f(frequency · x).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frequency: Option<f64>,
    /// sine: the target function f: `sin`, `step` (1 for x ≥ 0, else 0) or `abs` (|x|).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub function: Option<Function1d>,
    /// Fraction of samples held out as the test set, in [0, 1).
    #[serde(default)]
    pub test_fraction: f64,
    /// Shift and scale each feature to mean 0, std 1 (training-set statistics).
    #[serde(default)]
    pub standardize: bool,
    /// Regression only: shift and scale each target column to mean 0, std 1
    /// (training-set statistics), so the loss is measured in units of the target's spread.
    #[serde(default)]
    pub standardize_targets: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit_train: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit_test: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shuffle_seed: Option<u64>,
}

impl DataConfig {
    /// A config for `source` with every optional field at its default.
    pub fn new(source: Source) -> Self {
        DataConfig {
            source,
            path: None,
            target: None,
            task: None,
            delimiter: None,
            n: None,
            noise: None,
            classes: None,
            x_range: None,
            frequency: None,
            function: None,
            test_fraction: 0.0,
            standardize: false,
            standardize_targets: false,
            limit_train: None,
            limit_test: None,
            shuffle_seed: None,
        }
    }

    /// Synthetic noise level (see the table in the module doc).
    pub fn noise(&self) -> f64 {
        self.noise.unwrap_or(match self.source {
            Source::Xor => 0.0,
            _ => 0.1,
        })
    }

    /// Number of synthetic samples (see the table in the module doc).
    pub fn n(&self) -> usize {
        self.n.unwrap_or(match self.source {
            Source::Xor if self.noise() == 0.0 => 4,
            Source::Xor | Source::Sine => 200,
            _ => 400,
        })
    }

    pub fn classes(&self) -> usize {
        self.classes.unwrap_or(2)
    }

    pub fn x_range(&self) -> [f64; 2] {
        self.x_range
            .unwrap_or([-std::f64::consts::PI, std::f64::consts::PI])
    }

    pub fn frequency(&self) -> f64 {
        self.frequency.unwrap_or(1.0)
    }

    /// csv target column names (default `["label"]`).
    pub fn target_names(&self) -> Vec<&str> {
        self.target
            .as_ref()
            .map_or(vec!["label"], TargetSpec::names)
    }

    /// csv field delimiter as the byte the reader splits on (default `b','`; validated
    /// to be one ASCII character).
    pub fn delimiter(&self) -> u8 {
        match self.delimiter.as_deref().map(str::as_bytes) {
            Some(&[b]) => b,
            _ => b',',
        }
    }

    /// Check ranges and that every key given applies to the source; `file` is the
    /// config file named in errors.
    pub fn validate(&self, file: &Path) -> Result<()> {
        let src = self.source;
        let bad = |field: &str, msg: String| Err(Error::config(file, format!("data.{field}"), msg));
        let not_for = |field: &str, used_by: &str| {
            bad(
                field,
                format!(
                    "is not used by source = \"{}\" (only by {used_by}); remove it",
                    src.name()
                ),
            )
        };
        if !(self.test_fraction.is_finite() && (0.0..1.0).contains(&self.test_fraction)) {
            return bad(
                "test_fraction",
                format!("must be in [0, 1), got {}", self.test_fraction),
            );
        }
        if src.has_official_split() && self.test_fraction != 0.0 {
            return bad(
                "test_fraction",
                format!(
                    "source = \"{}\" uses the official train/t10k split; remove test_fraction",
                    src.name()
                ),
            );
        }
        match (src, &self.path) {
            (Source::Csv | Source::Idx, None) => {
                return bad(
                    "path",
                    format!(
                        "source = \"{}\" needs a path (relative to the config file)",
                        src.name()
                    ),
                )
            }
            (Source::Csv | Source::Idx, Some(p)) if p.is_empty() => {
                return bad("path", "is empty".into())
            }
            (Source::Csv | Source::Idx, Some(_)) | (_, None) => {}
            (_, Some(_)) => return not_for("path", "csv and idx"),
        }
        if src != Source::Csv {
            if self.target.is_some() {
                return not_for("target", "csv");
            }
            if self.task.is_some() {
                return not_for("task", "csv");
            }
            if self.delimiter.is_some() {
                return not_for("delimiter", "csv");
            }
        } else {
            if let Some(d) = &self.delimiter {
                let ok = matches!(d.as_bytes(), &[b] if b == b'\t' || (b.is_ascii_punctuation() && !b"\".+-".contains(&b)));
                if !ok {
                    return bad(
                        "delimiter",
                        format!(
                            "must be one character such as \",\", \";\", \"\\t\" or \"|\" (not a quote, \".\", \"+\" or \"-\"), got \"{}\"",
                            quote(d)
                        ),
                    );
                }
            }
            let names = self.target_names();
            if names.is_empty() || names.iter().any(|s| s.is_empty()) {
                return bad("target", "needs one or more non-empty column names".into());
            }
            if self.task == Some(Task::Classification) && names.len() > 1 {
                return bad(
                    "target",
                    format!(
                        "classification takes one target column, got {}",
                        names.len()
                    ),
                );
            }
        }
        if !src.is_synthetic() {
            if self.n.is_some() {
                return not_for("n", "synthetic sources");
            }
            if self.noise.is_some() {
                return not_for("noise", "synthetic sources");
            }
        }
        if self.n == Some(0) {
            return bad("n", "must be at least 1".into());
        }
        if let Some(noise) = self.noise {
            if !(noise.is_finite() && noise >= 0.0) {
                return bad(
                    "noise",
                    format!("must be a finite number >= 0, got {noise}"),
                );
            }
        }
        match (src, self.classes) {
            (Source::Gaussians, Some(c)) if c < 2 => {
                return bad("classes", format!("must be at least 2, got {c}"))
            }
            (Source::Gaussians, _) | (_, None) => {}
            (_, Some(_)) => return not_for("classes", "gaussians"),
        }
        if src == Source::Gaussians && self.n() < self.classes() {
            return bad(
                "n",
                format!(
                    "{} samples cannot cover {} classes",
                    self.n(),
                    self.classes()
                ),
            );
        }
        if src != Source::Sine {
            if self.x_range.is_some() {
                return not_for("x_range", "sine");
            }
            if self.frequency.is_some() {
                return not_for("frequency", "sine");
            }
            if self.function.is_some() {
                return not_for("function", "sine");
            }
        }
        let [a, b] = self.x_range();
        if !(a.is_finite() && b.is_finite() && a < b) {
            return bad(
                "x_range",
                format!("needs finite [lo, hi] with lo < hi, got [{a}, {b}]"),
            );
        }
        if !self.frequency().is_finite() {
            return bad(
                "frequency",
                format!("must be finite, got {}", self.frequency()),
            );
        }
        if self.limit_train == Some(0) {
            return bad("limit_train", "must be at least 1".into());
        }
        if self.limit_test == Some(0) {
            return bad(
                "limit_test",
                "must be at least 1 (set test_fraction = 0 for no test set)".into(),
            );
        }
        if self.limit_test.is_some() && !src.has_official_split() && self.test_fraction == 0.0 {
            return bad(
                "limit_test",
                "there is no test set: test_fraction is 0".into(),
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
