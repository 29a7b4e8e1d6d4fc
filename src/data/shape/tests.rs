//! Tests of reading a data set's shape from file headers, without loading it.

use super::*;
use crate::data::config::{TargetSpec, Task};
use crate::data::load::load;
use crate::data::Split;
use tempfile::TempDir;

const EXP: &str = "exp.toml";

/// (n_train, n_test, d) of what `load` really produces.
fn loaded(split: &Split) -> (usize, usize, usize) {
    (
        split.train.n(),
        split.test.as_ref().map_or(0, |t| t.n()),
        split.train.d(),
    )
}

fn shaped(s: &DataShape) -> (usize, usize, usize) {
    (s.n_train, s.n_test, s.features)
}

fn same_as_load(cfg: &DataConfig, config_file: &Path, labels: bool) -> DataShape {
    let shape = data_shape(cfg, config_file).unwrap();
    let split = load(cfg, config_file, 3, labels).unwrap();
    assert_eq!(shaped(&shape), loaded(&split), "{cfg:?}");
    shape
}

#[test]
fn synthetic_sources_match_load() {
    let cases = [
        DataConfig::new(Source::Xor),
        DataConfig {
            noise: Some(0.2),
            test_fraction: 0.25,
            ..DataConfig::new(Source::Xor)
        },
        DataConfig {
            n: Some(501),
            test_fraction: 0.2,
            limit_train: Some(100),
            ..DataConfig::new(Source::Circles)
        },
        DataConfig {
            n: Some(77),
            test_fraction: 0.3,
            limit_test: Some(5),
            ..DataConfig::new(Source::Spirals)
        },
        DataConfig {
            classes: Some(3),
            ..DataConfig::new(Source::Gaussians)
        },
    ];
    for c in &cases {
        let s = same_as_load(c, Path::new(EXP), true);
        assert_eq!((s.outputs, s.file_bytes, s.n_read), (1, 0, c.n()));
    }
    let sine = DataConfig {
        n: Some(90),
        test_fraction: 0.1,
        ..DataConfig::new(Source::Sine)
    };
    assert_eq!(same_as_load(&sine, Path::new(EXP), false).outputs, 1);
}

#[test]
fn bundled_sources_match_load() {
    for (source, tf, limit) in [
        (Source::Digits, 0.2, None),
        (Source::Digits, 0.0, Some(300)),
        (Source::BreastCancer, 0.25, None),
    ] {
        let c = DataConfig {
            test_fraction: tf,
            limit_train: limit,
            ..DataConfig::new(source)
        };
        let s = same_as_load(&c, Path::new(EXP), true);
        assert!(s.file_bytes > 40_000, "{s:?}");
    }
}

#[test]
fn mnist_and_idx_headers_match_load() {
    let c = DataConfig {
        limit_train: Some(600),
        limit_test: Some(100),
        ..DataConfig::new(Source::Mnist)
    };
    let s = same_as_load(&c, Path::new(EXP), true);
    assert_eq!((s.features, s.n_read), (784, 70_000));
    let full = data_shape(&DataConfig::new(Source::Mnist), Path::new(EXP)).unwrap();
    assert_eq!((full.n_train, full.n_test), (60_000, 10_000));

    let dir = crate::data::idx::tests::tiny_folder();
    let exp = dir.path().join(EXP);
    let c = DataConfig {
        path: Some(".".into()),
        ..DataConfig::new(Source::Idx)
    };
    assert_eq!(same_as_load(&c, &exp, true).features, 4);
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

#[test]
fn idx_header_errors_name_the_file() {
    let dir = crate::data::idx::tests::tiny_folder();
    let exp = dir.path().join(EXP);
    let c = DataConfig {
        path: Some(".".into()),
        ..DataConfig::new(Source::Idx)
    };
    // A raw file cut short, then one with a wrong magic number.
    let labels = dir.path().join("t10k-labels.idx1-ubyte");
    let full = std::fs::read(&labels).unwrap();
    std::fs::write(&labels, &full[..9]).unwrap();
    let e = data_shape(&c, &exp).unwrap_err();
    assert!(
        matches!(&e, Error::Data { file, .. } if *file == labels),
        "{e}"
    );
    assert!(load(&c, &exp, 0, true).is_err());
    std::fs::write(&labels, [0u8, 0, 8, 3, 0, 0, 0, 2, 1, 2]).unwrap();
    let e = data_shape(&c, &exp).unwrap_err().to_string();
    assert!(e.contains("bad magic number"), "{e}");
    std::fs::write(&labels, [0u8, 0]).unwrap();
    let e = data_shape(&c, &exp).unwrap_err().to_string();
    assert!(e.contains("truncated"), "{e}");
    // A gz header promising more than deflate can expand to.
    let images = dir.path().join("train-images-idx3-ubyte.gz");
    let mut lying = IMAGES_MAGIC.to_be_bytes().to_vec();
    for d in [1_000_000_000u32, 28, 28] {
        lying.extend(d.to_be_bytes());
    }
    std::fs::write(&images, gzip(&lying)).unwrap();
    let e = data_shape(&c, &exp).unwrap_err().to_string();
    assert!(e.contains("truncated") && e.contains("train-images"), "{e}");
    let missing = DataConfig {
        path: Some("nowhere".into()),
        ..c
    };
    let e = data_shape(&missing, &exp).unwrap_err().to_string();
    assert!(e.contains("nowhere"), "{e}");
}

fn csv_config(path: &str, target: TargetSpec, tf: f64) -> DataConfig {
    DataConfig {
        path: Some(path.into()),
        target: Some(target),
        test_fraction: tf,
        ..DataConfig::new(Source::Csv)
    }
}

#[test]
fn csv_of_one_character_fields_is_exact() {
    let dir = TempDir::new().unwrap();
    let exp = dir.path().join(EXP);
    let rows: String = (0..40)
        .map(|i| format!("{},{},{}\n", i % 10, 7, i % 3))
        .collect();
    std::fs::write(dir.path().join("a.csv"), format!("\n\"a\", b,y\n{rows}")).unwrap();
    let c = csv_config("a.csv", TargetSpec::One("y".into()), 0.25);
    let s = same_as_load(&c, &exp, true);
    assert_eq!((s.n_read, s.outputs), (40, 1));
    let two = csv_config("a.csv", TargetSpec::Many(vec!["y".into(), "b".into()]), 0.0);
    let s = same_as_load(&two, &exp, false);
    assert_eq!((s.features, s.outputs), (1, 2));
}

#[test]
fn csv_rows_are_an_upper_bound_and_columns_exact() {
    let dir = TempDir::new().unwrap();
    let exp = dir.path().join(EXP);
    let c = DataConfig {
        path: Some("../data/sine40.csv".into()),
        target: Some(TargetSpec::One("t".into())),
        task: Some(Task::Regression),
        ..DataConfig::new(Source::Csv)
    };
    let exp_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("experiments/x.toml");
    let s = data_shape(&c, &exp_dir).unwrap();
    let split = load(&c, &exp_dir, 0, false).unwrap();
    assert_eq!(s.features, split.train.d());
    assert!(s.n_train >= split.train.n(), "{s:?}");
    // gz: bounded by 1032 × the compressed size, well under the 1 GiB cap here
    let wine = DataConfig {
        path: Some("../data/extra/winequality_red.csv.gz".into()),
        target: Some(TargetSpec::One("quality".into())),
        ..DataConfig::new(Source::Csv)
    };
    let s = data_shape(&wine, &exp_dir).unwrap();
    let split = load(&wine, &exp_dir, 0, true).unwrap();
    assert_eq!(s.features, split.train.d());
    assert!(s.n_train >= split.train.n());
    assert!(
        (s.n_read as u64) < s.file_bytes * DEFLATE_MAX_RATIO,
        "{s:?}"
    );

    // errors as load gives them: missing file, empty file, missing target
    let missing = csv_config("none.csv", TargetSpec::One("y".into()), 0.0);
    assert!(matches!(data_shape(&missing, &exp), Err(Error::Io { .. })));
    std::fs::write(dir.path().join("e.csv"), "\n\n").unwrap();
    let empty = csv_config("e.csv", TargetSpec::One("y".into()), 0.0);
    let e = data_shape(&empty, &exp).unwrap_err().to_string();
    assert!(e.contains("empty file"), "{e}");
    std::fs::write(dir.path().join("t.csv"), "a,b\n1,2\n").unwrap();
    let no_target = csv_config("t.csv", TargetSpec::One("y".into()), 0.0);
    let e = data_shape(&no_target, &exp).unwrap_err().to_string();
    assert!(e.contains("missing target column `y`"), "{e}");
    std::fs::write(dir.path().join("q.csv"), "\"a,b\n1,2\n").unwrap();
    let quote = csv_config("q.csv", TargetSpec::One("b".into()), 0.0);
    assert!(matches!(
        data_shape(&quote, &exp),
        Err(Error::Data { line: Some(1), .. })
    ));
}

#[test]
fn csv_header_is_read_as_the_reader_reads_it() {
    // BOM, `;` delimiter, a quoted name holding `;` and a newline, a quoted row
    // field: the shape's header is the reader's header.
    let dir = TempDir::new().unwrap();
    let exp = dir.path().join(EXP);
    let rows: String = (0..12)
        .map(|i| format!("{i};\"{}\";{}\n", i * 2, i % 2))
        .collect();
    let text = format!("\u{feff}\"a;\nb\";c;y\n{rows}");
    std::fs::write(dir.path().join("s.csv"), text).unwrap();
    let c = DataConfig {
        delimiter: Some(";".into()),
        ..csv_config("s.csv", TargetSpec::One("y".into()), 0.25)
    };
    let s = data_shape(&c, &exp).unwrap();
    let split = load(&c, &exp, 0, true).unwrap();
    assert_eq!((s.features, s.outputs), (2, 1));
    assert_eq!(loaded(&split), (9, 3, 2));
    assert!(s.n_read >= 12 && s.n_train >= 9, "{s:?}");
    // The same file read with the default `,`: one column, so no feature column.
    let comma = csv_config("s.csv", TargetSpec::One("y".into()), 0.0);
    let e = data_shape(&comma, &exp).unwrap_err().to_string();
    assert!(e.contains("missing target column `y`"), "{e}");
    // A pandas index column is refused before any row is read.
    std::fs::write(dir.path().join("p.csv"), ",a,y\n0,1,0\n").unwrap();
    let p = csv_config("p.csv", TargetSpec::One("y".into()), 0.0);
    let e = data_shape(&p, &exp).unwrap_err().to_string();
    assert!(e.contains("line 1") && e.contains("index=False"), "{e}");
}
