//! `load`: from a `[data]` table to a train/test [`Split`].
//!
//! Steps, all deterministic given the seeds: read or generate the samples (synthetic
//! sets from the run seed; csv paths relative to the config file's folder; bundled sets
//! from the crate's `data/` folder), split off round(n·test_fraction) test rows
//! (idx/mnist: the official train/t10k split instead), subsample `limit_train` /
//! `limit_test` rows, then standardise the features with training-set statistics. The
//! split and subsampling draw from `shuffle_seed` (default: the run seed); see `split`.

use std::path::{Path, PathBuf};

use crate::data::config::{DataConfig, Source, Task};
use crate::data::split::{self, Standardizer, LIMIT_TEST_STREAM, LIMIT_TRAIN_STREAM};
use crate::data::{csv, idx, synthetic, Dataset, Labels, Split};
use crate::error::{Error, Result};

/// The crate's bundled data folder (`<crate>/data`).
pub fn bundled_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data")
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
            let dir = path.unwrap_or_else(|| bundled_dir().join("mnist"));
            let (train, test) = idx::read_folder(&dir)?;
            let n_classes = train.n_classes().max(test.n_classes());
            let tr = split::limit(
                (0..train.n()).collect(),
                cfg.limit_train,
                shuffle_seed,
                LIMIT_TRAIN_STREAM,
            );
            let te = split::limit(
                (0..test.n()).collect(),
                cfg.limit_test,
                shuffle_seed,
                LIMIT_TEST_STREAM,
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
            let name = if cfg.source == Source::Digits {
                "digits.csv.gz"
            } else {
                "breast_cancer.csv.gz"
            };
            csv::read_csv(
                &bundled_dir().join(name),
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
    let tr = split::limit(tr, cfg.limit_train, seed, LIMIT_TRAIN_STREAM);
    let train = split::select(full, &tr);
    let test = (!te.is_empty()).then(|| {
        split::select(
            full,
            &split::limit(te, cfg.limit_test, seed, LIMIT_TEST_STREAM),
        )
    });
    Ok(Split { train, test })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Labels;
    use ndarray::Axis;
    use tempfile::TempDir;

    fn cfg(source: Source) -> DataConfig {
        DataConfig::new(source)
    }

    fn labels(d: &Dataset) -> (&[u32], usize) {
        match &d.y {
            Labels::Classes { labels, n_classes } => (labels, *n_classes),
            Labels::Values(_) => panic!("expected classes"),
        }
    }

    fn counts(l: &[u32], k: usize) -> Vec<usize> {
        (0..k as u32)
            .map(|c| l.iter().filter(|&&x| x == c).count())
            .collect()
    }

    const EXP: &str = "exp.toml";

    #[test]
    fn bundled_digits() {
        let s = load(&cfg(Source::Digits), Path::new(EXP), 0, true).unwrap();
        assert!(s.test.is_none());
        assert_eq!(s.train.x.dim(), (1797, 64));
        let (l, k) = labels(&s.train);
        assert_eq!(k, 10);
        assert_eq!(
            counts(l, 10),
            vec![178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
        );
        assert_eq!(l[0], 0);
        assert_eq!(
            s.train.x.row(0).iter().take(5).copied().collect::<Vec<_>>(),
            vec![0., 0., 5., 13., 9.]
        );
    }

    #[test]
    fn bundled_breast_cancer() {
        let s = load(&cfg(Source::BreastCancer), Path::new(EXP), 0, true).unwrap();
        assert_eq!(s.train.x.dim(), (569, 30));
        assert_eq!(counts(labels(&s.train).0, 2), vec![212, 357]);
        assert_eq!(s.train.x[[0, 0]], 17.99);
    }

    #[test]
    fn extra_csv_sets() {
        let csv = |name: &str, target: &str, task| DataConfig {
            path: Some(bundled_dir().join("extra").join(name).display().to_string()),
            target: Some(crate::data::TargetSpec::One(target.into())),
            task,
            ..cfg(Source::Csv)
        };
        let s = load(&csv("iris.csv.gz", "label", None), Path::new(EXP), 0, true).unwrap();
        assert_eq!(s.train.x.dim(), (150, 4));
        assert_eq!(counts(labels(&s.train).0, 3), vec![50, 50, 50]);
        let c = csv("diabetes.csv.gz", "target", Some(Task::Regression));
        let s = load(&c, Path::new(EXP), 0, false).unwrap();
        assert_eq!(s.train.x.dim(), (442, 10));
        let Labels::Values(y) = &s.train.y else {
            panic!()
        };
        assert_eq!((y[[0, 0]], y[[1, 0]]), (151.0, 75.0));
        let s = load(
            &csv("winequality_red.csv.gz", "quality", None),
            Path::new(EXP),
            0,
            true,
        )
        .unwrap();
        assert_eq!(s.train.x.dim(), (1599, 11));
        assert_eq!(
            counts(labels(&s.train).0, 9)[3..],
            [10, 53, 681, 638, 199, 18]
        );
    }

    #[test]
    fn split_sizes_and_determinism() {
        let c = DataConfig {
            test_fraction: 0.2,
            ..cfg(Source::Digits)
        };
        let a = load(&c, Path::new(EXP), 3, true).unwrap();
        let test = a.test.as_ref().unwrap();
        assert_eq!((a.train.n(), test.n()), (1438, 359));
        assert_eq!(labels(test).1, 10);
        assert_eq!(a, load(&c, Path::new(EXP), 3, true).unwrap());
        // shuffle_seed defaults to the run seed, and overrides it when given
        let c7 = DataConfig {
            shuffle_seed: Some(3),
            ..c.clone()
        };
        assert_eq!(a, load(&c7, Path::new(EXP), 99, true).unwrap());
        let b = load(&c, Path::new(EXP), 4, true).unwrap();
        assert_ne!(a.test, b.test);
        // train + test rows are the whole set
        let full = load(&cfg(Source::Digits), Path::new(EXP), 0, true)
            .unwrap()
            .train;
        let sum = |d: &Dataset| d.x.sum();
        assert_eq!(sum(&a.train) + sum(test), sum(&full));
        // limits subsample each part
        let c = DataConfig {
            limit_train: Some(100),
            limit_test: Some(50),
            ..c
        };
        let l = load(&c, Path::new(EXP), 3, true).unwrap();
        assert_eq!((l.train.n(), l.test.unwrap().n()), (100, 50));
    }

    #[test]
    fn standardize_targets_rescales_regression_targets_with_training_statistics() {
        let c = DataConfig {
            test_fraction: 0.25,
            standardize_targets: true,
            ..cfg(Source::Sine)
        };
        let s = load(&c, Path::new(EXP), 0, false).unwrap();
        let Labels::Values(y) = &s.train.y else {
            panic!()
        };
        assert!(y.mean_axis(Axis(0)).unwrap()[0].abs() < 1e-12);
        assert!((y.std_axis(Axis(0), 0.0)[0] - 1.0).abs() < 1e-12);
        let Labels::Values(ty) = &s.test.unwrap().y else {
            panic!()
        };
        assert!(ty.mean_axis(Axis(0)).unwrap()[0] != 0.0);
        let c = DataConfig {
            standardize_targets: true,
            ..cfg(Source::Digits)
        };
        let e = load(&c, Path::new(EXP), 0, true).unwrap_err().to_string();
        assert!(e.contains("data.standardize_targets"), "{e}");
    }

    #[test]
    fn standardize_uses_training_statistics() {
        let c = DataConfig {
            test_fraction: 0.25,
            standardize: true,
            ..cfg(Source::BreastCancer)
        };
        let s = load(&c, Path::new(EXP), 0, true).unwrap();
        let m = s.train.x.mean_axis(Axis(0)).unwrap();
        let sd = s.train.x.std_axis(Axis(0), 0.0);
        assert!(m.iter().all(|v| v.abs() < 1e-12), "{m}");
        assert!(sd.iter().all(|v| (v - 1.0).abs() < 1e-12), "{sd}");
        let tm = s.test.unwrap().x.mean_axis(Axis(0)).unwrap();
        assert!(tm.iter().all(|v| *v != 0.0 && v.abs() < 0.5), "{tm}");
        // constant columns (digit pixel 0 is always 0) stay 0
        let c = DataConfig {
            standardize: true,
            ..cfg(Source::Digits)
        };
        let s = load(&c, Path::new(EXP), 0, true).unwrap();
        assert!(s.train.x.column(0).iter().all(|&v| v == 0.0));
    }

    #[test]
    fn bundled_mnist_official_split() {
        let (train, test) = idx::read_folder(&bundled_dir().join("mnist")).unwrap();
        assert_eq!(
            (train.n(), test.n(), train.rows, train.cols),
            (60000, 10000, 28, 28)
        );
        let tl: Vec<u32> = train.labels.iter().map(|&l| l as u32).collect();
        assert_eq!(
            counts(&tl, 10),
            vec![5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
        );
        let mean =
            train.pixels.iter().map(|&p| p as f64).sum::<f64>() / 255.0 / train.pixels.len() as f64;
        assert!((mean - 0.13066048).abs() < 1e-8, "{mean}");

        let c = DataConfig {
            limit_train: Some(600),
            limit_test: Some(100),
            ..cfg(Source::Mnist)
        };
        let s = load(&c, Path::new(EXP), 1, true).unwrap();
        let t = s.test.as_ref().unwrap();
        assert_eq!((s.train.x.dim(), t.x.dim()), ((600, 784), (100, 784)));
        assert_eq!((labels(&s.train).1, labels(t).1), (10, 10));
        assert!(s.train.x.iter().all(|&v| (0.0..=1.0).contains(&v)));
    }

    #[test]
    fn idx_folder_relative_to_config() {
        let dir = idx::tests::tiny_folder();
        let exp = dir.path().join(EXP);
        let c = DataConfig {
            path: Some(".".into()),
            limit_train: Some(2),
            ..cfg(Source::Idx)
        };
        let s = load(&c, &exp, 0, true).unwrap();
        assert_eq!(s.train.x.dim(), (2, 4));
        let t = s.test.unwrap();
        assert_eq!(labels(&t), (&[1u32, 2][..], 8));
        let c = DataConfig {
            path: Some("nowhere".into()),
            ..cfg(Source::Idx)
        };
        assert!(load(&c, &exp, 0, true)
            .unwrap_err()
            .to_string()
            .contains("nowhere"));
    }

    #[test]
    fn csv_relative_path_and_label_errors() {
        let dir = TempDir::new().unwrap();
        std::fs::create_dir(dir.path().join("d")).unwrap();
        std::fs::write(dir.path().join("d/r.csv"), "a,y\n1,0.5\n2,1\n3,2\n4,3\n").unwrap();
        let exp = dir.path().join(EXP);
        let c = DataConfig {
            path: Some("d/r.csv".into()),
            target: Some(crate::data::TargetSpec::One("y".into())),
            ..cfg(Source::Csv)
        };
        let s = load(&c, &exp, 0, false).unwrap();
        assert_eq!(
            s.train.y,
            Labels::Values(ndarray::array![[0.5], [1.], [2.], [3.]])
        );
        match load(&c, &exp, 0, true).unwrap_err() {
            Error::Data { file, line, msg } => {
                assert_eq!((file, line), (dir.path().join("d/r.csv"), Some(2)));
                assert!(
                    msg.starts_with("column `y`: 0.5 is not a class label"),
                    "{msg}"
                );
            }
            e => panic!("{e}"),
        }
        let r = DataConfig {
            task: Some(Task::Regression),
            ..c.clone()
        };
        assert!(
            matches!(load(&r, &exp, 0, true), Err(Error::Config { field, .. }) if field == "data.task")
        );
        let two = DataConfig {
            target: Some(crate::data::TargetSpec::Many(vec!["y".into(), "a".into()])),
            ..c.clone()
        };
        assert!(
            matches!(load(&two, &exp, 0, true), Err(Error::Config { field, .. }) if field == "data.target")
        );
        let missing = DataConfig {
            path: Some("d/none.csv".into()),
            ..c
        };
        assert!(
            matches!(load(&missing, &exp, 0, false), Err(Error::Io { file, .. }) if file == dir.path().join("d/none.csv"))
        );
    }

    #[test]
    fn synthetic_through_load() {
        let s = load(&cfg(Source::Xor), Path::new(EXP), 0, true).unwrap();
        assert_eq!(s.train, synthetic::xor(4, 0.0, 0));
        let c = DataConfig {
            test_fraction: 0.25,
            ..cfg(Source::Xor)
        };
        let s = load(&c, Path::new(EXP), 0, true).unwrap();
        assert_eq!((s.train.n(), s.test.unwrap().n()), (3, 1));
        let c = DataConfig {
            test_fraction: 0.1,
            ..cfg(Source::Xor)
        };
        let e = load(&c, Path::new(EXP), 0, true).unwrap_err();
        assert_eq!(
            e.to_string(),
            "exp.toml: field `data.test_fraction`: 0.1 of 4 samples rounds to an empty test set"
        );
        let c = DataConfig {
            test_fraction: 0.25,
            ..cfg(Source::Circles)
        };
        let s = load(&c, Path::new(EXP), 5, true).unwrap();
        assert_eq!((s.train.n(), s.test.as_ref().unwrap().n()), (300, 100));
        assert_eq!(s, load(&c, Path::new(EXP), 5, true).unwrap());
        // limit_train keeps rows in their original order
        let c = DataConfig {
            noise: Some(0.1),
            limit_train: Some(10),
            ..cfg(Source::Xor)
        };
        let s = load(&c, Path::new(EXP), 2, true).unwrap();
        let full = synthetic::xor(200, 0.1, 2);
        let pos: Vec<usize> = s
            .train
            .x
            .rows()
            .into_iter()
            .map(|r| full.x.rows().into_iter().position(|f| f == r).unwrap())
            .collect();
        assert_eq!(pos.len(), 10);
        assert!(pos.windows(2).all(|w| w[0] < w[1]), "{pos:?}");
        let e = load(&cfg(Source::Sine), Path::new(EXP), 0, true).unwrap_err();
        assert!(matches!(e, Error::Config { field, .. } if field == "data.source"));
        let s = load(&cfg(Source::Sine), Path::new(EXP), 0, false).unwrap();
        assert_eq!(s.train.x.dim(), (200, 1));
    }
}
