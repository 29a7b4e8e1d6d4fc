//! Tests of loading data sets: sources, splits, limits, standardisation, errors.

use super::*;
use crate::data::Labels;
use ndarray::Axis;
use tempfile::TempDir;

/// The source tree's data folder (the MNIST copy and the csv files on disk).
fn source_tree_data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data")
}

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
        path: Some(
            source_tree_data()
                .join("extra")
                .join(name)
                .display()
                .to_string(),
        ),
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
    let (train, test) = idx::read_folder(&source_tree_data().join("mnist")).unwrap();
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
