//! `load`: from a `[data]` table to a train/test [`Split`].
//!
//! Steps, all deterministic given the seeds: read or generate the samples (synthetic
//! sets from the run seed; csv paths relative to the config file's folder; `digits` and
//! `breast_cancer` from the copies built into the binary (`crate::bundled`); `mnist`
//! from a data folder (`lookup`)), split off round(n·test_fraction) test rows
//! (idx/mnist: the official train/t10k split instead), subsample `limit_train` /
//! `limit_test` rows, then standardise the features with training-set statistics. The
//! split and subsampling draw from `shuffle_seed` (default: the run seed); see `split`.

use std::path::{Path, PathBuf};

use crate::bundled;
use crate::data::config::{DataConfig, Source, Task};
use crate::data::split::{self, Standardizer};
use crate::data::{csv, idx, lookup, synthetic, Dataset, Labels, Split};
use crate::error::{Error, Result};
use crate::io::read::DATA_LIMIT;
use crate::seeded::Stream;

/// The built-in file (`crate::bundled`) of a bundled source: `digits`, `breast_cancer`.
pub fn bundled_set(source: Source) -> Option<&'static str> {
    match source {
        Source::Digits => Some("data/digits.csv.gz"),
        Source::BreastCancer => Some("data/breast_cancer.csv.gz"),
        _ => None,
    }
}

/// The IDX folder of an idx/mnist config: `path` resolved against the config file's
/// folder, else the MNIST folder of the data folders (`lookup::mnist_folder`).
pub fn idx_folder(path: Option<PathBuf>, config_file: &Path) -> Result<PathBuf> {
    match path {
        Some(p) => Ok(p),
        None => lookup::mnist_folder(config_file, "data.source"),
    }
}

/// Load the data a config describes. `config_file` anchors relative paths and names
/// config errors; `seed` is the run seed; `loss_uses_labels` says the loss needs class
/// labels (cross_entropy, bce), so a real-valued target is an error.
pub fn load(
    cfg: &DataConfig,
    config_file: &Path,
    seed: u64,
    loss_uses_labels: bool,
) -> Result<Split> {
    cfg.validate(config_file)?;
    let shuffle_seed = cfg.shuffle_seed.unwrap_or(seed);
    if loss_uses_labels && cfg.source == Source::Sine {
        return Err(Error::config(
            config_file,
            "data.source",
            "sine is a regression set (real-valued targets) but the loss needs class labels; use mse or sse_half",
        ));
    }
    if loss_uses_labels && cfg.task == Some(Task::Regression) {
        return Err(Error::config(
            config_file,
            "data.task",
            "task = \"regression\" but the loss needs class labels; use mse or sse_half",
        ));
    }
    if loss_uses_labels && cfg.source == Source::Csv && cfg.target_names().len() > 1 {
        return Err(Error::config(
            config_file,
            "data.target",
            "the loss needs class labels, which come from one target column; several are named",
        ));
    }
    let base = config_file.parent().unwrap_or(Path::new(""));
    let path = cfg.path.as_ref().map(|p| base.join(p));
    let mut split = match cfg.source {
        Source::Idx | Source::Mnist => {
            let (train, test) = idx::read_folder(&idx_folder(path, config_file)?)?;
            let n_classes = train.n_classes().max(test.n_classes());
            let tr = split::limit(
                (0..train.n()).collect(),
                cfg.limit_train,
                shuffle_seed,
                Stream::LimitTrain,
            );
            let te = split::limit(
                (0..test.n()).collect(),
                cfg.limit_test,
                shuffle_seed,
                Stream::LimitTest,
            );
            Split {
                train: train.to_dataset(Some(&tr), n_classes),
                test: Some(test.to_dataset(Some(&te), n_classes)),
            }
        }
        _ => {
            let full = read_one(cfg, path.as_deref(), seed, loss_uses_labels)?;
            split_full(cfg, config_file, &full, shuffle_seed)?
        }
    };
    if split.train.n() == 0 {
        return Err(Error::config(
            config_file,
            "data",
            "the training set is empty",
        ));
    }
    if cfg.standardize {
        let s = Standardizer::fit(&split.train.x);
        s.apply(&mut split.train.x);
        if let Some(t) = &mut split.test {
            s.apply(&mut t.x);
        }
    }
    if cfg.standardize_targets {
        let Labels::Values(train_y) = &mut split.train.y else {
            return Err(Error::config(
                config_file,
                "data.standardize_targets",
                "applies to real-valued (regression) targets; this data set has class labels",
            ));
        };
        let s = Standardizer::fit(train_y);
        s.apply(train_y);
        if let Some(Labels::Values(test_y)) = split.test.as_mut().map(|t| &mut t.y) {
            s.apply(test_y);
        }
    }
    Ok(split)
}

/// All samples of a source without an official split.
fn read_one(
    cfg: &DataConfig,
    path: Option<&Path>,
    seed: u64,
    loss_uses_labels: bool,
) -> Result<Dataset> {
    let (n, noise) = (cfg.n(), cfg.noise());
    Ok(match cfg.source {
        Source::Xor => synthetic::xor(n, noise, seed),
        Source::Circles => synthetic::circles(n, noise, seed),
        Source::Spirals => synthetic::spirals(n, noise, seed),
        Source::Gaussians => synthetic::gaussians(n, cfg.classes(), noise, seed),
        Source::Sine => synthetic::function_1d(
            n,
            cfg.x_range(),
            cfg.function.unwrap_or_default(),
            cfg.frequency(),
            noise,
            seed,
        ),
        Source::Csv => {
            let p = path.expect("validated: csv has a path");
            csv::read_delimited(
                p,
                cfg.delimiter(),
                &cfg.target_names(),
                cfg.task,
                loss_uses_labels,
            )?
        }
        Source::Digits | Source::BreastCancer => {
            let rel = bundled_set(cfg.source).expect("a bundled source");
            let (name, text) = bundled::open(rel, DATA_LIMIT, "the 1 GiB cap on CSV data")?;
            csv::parse_csv(
                &name,
                text,
                &["label"],
                Some(Task::Classification),
                loss_uses_labels,
            )?
        }
        Source::Idx | Source::Mnist => unreachable!("official split handled by load"),
    })
}

/// Seeded train/test split and subsampling of `full`.
fn split_full(cfg: &DataConfig, config_file: &Path, full: &Dataset, seed: u64) -> Result<Split> {
    let (n, tf) = (full.n(), cfg.test_fraction);
    let bad = |msg: String| Err(Error::config(config_file, "data.test_fraction", msg));
    if tf > 0.0 && split::n_test(n, tf) == 0 {
        return bad(format!("{tf} of {n} samples rounds to an empty test set"));
    }
    if split::n_test(n, tf) >= n {
        return bad(format!("{tf} of {n} samples leaves no training samples"));
    }
    let (tr, te) = split::split_indices(n, tf, seed);
    let tr = split::limit(tr, cfg.limit_train, seed, Stream::LimitTrain);
    let train = split::select(full, &tr);
    let test = (!te.is_empty()).then(|| {
        split::select(
            full,
            &split::limit(te, cfg.limit_test, seed, Stream::LimitTest),
        )
    });
    Ok(Split { train, test })
}

#[cfg(test)]
mod tests;
