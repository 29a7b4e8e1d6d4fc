//! Tests of the `[data]` table: defaults, validation, and errors naming the field.

use super::*;

fn parse(s: &str) -> std::result::Result<DataConfig, toml::de::Error> {
    toml::from_str(s)
}

#[test]
fn parses_full_table_and_defaults() {
    let c = parse("source = \"csv\"\npath = \"a.csv\"\ntarget = [\"y1\", \"y2\"]\ntask = \"regression\"\ntest_fraction = 0.2\nstandardize = true\nlimit_train = 10\nshuffle_seed = 7\n").unwrap();
    assert_eq!(c.source, Source::Csv);
    assert_eq!(c.target_names(), vec!["y1", "y2"]);
    assert_eq!(c.task, Some(Task::Regression));
    assert_eq!(c.test_fraction, 0.2);
    assert!(c.standardize);
    assert_eq!(
        (c.limit_train, c.limit_test, c.shuffle_seed),
        (Some(10), None, Some(7))
    );
    c.validate(Path::new("e.toml")).unwrap();

    let c = parse("source = \"breast_cancer\"").unwrap();
    assert_eq!(c, DataConfig::new(Source::BreastCancer));
    let c = parse("source = \"csv\"\npath = \"a.csv\"\ntarget = \"y\"").unwrap();
    assert_eq!(c.target, Some(TargetSpec::One("y".into())));
    assert_eq!(DataConfig::new(Source::Csv).target_names(), vec!["label"]);
}

#[test]
fn serializes_back_to_the_same_table() {
    let c = DataConfig {
        noise: Some(0.2),
        x_range: Some([0.0, 2.0]),
        frequency: Some(3.0),
        test_fraction: 0.1,
        shuffle_seed: Some(11),
        ..DataConfig::new(Source::Sine)
    };
    let text = toml::to_string(&c).unwrap();
    assert_eq!(parse(&text).unwrap(), c, "{text}");
    assert!(!text.contains("path"));
}

#[test]
fn synthetic_defaults() {
    let xor = DataConfig::new(Source::Xor);
    assert_eq!((xor.n(), xor.noise()), (4, 0.0));
    let xor = DataConfig {
        noise: Some(0.2),
        ..xor
    };
    assert_eq!(xor.n(), 200);
    let c = DataConfig::new(Source::Circles);
    assert_eq!((c.n(), c.noise()), (400, 0.1));
    let s = DataConfig::new(Source::Sine);
    assert_eq!(
        (s.n(), s.x_range(), s.frequency()),
        (200, [-std::f64::consts::PI, std::f64::consts::PI], 1.0)
    );
    assert_eq!(DataConfig::new(Source::Gaussians).classes(), 2);
}

#[test]
fn rejects_unknown_keys_and_sources() {
    assert!(parse("source = \"xor\"\nnosie = 0.1")
        .unwrap_err()
        .to_string()
        .contains("nosie"));
    assert!(parse("source = \"cifar\"").is_err());
}

fn field_of(c: &DataConfig) -> String {
    match c.validate(Path::new("e.toml")).unwrap_err() {
        Error::Config { field, .. } => field,
        e => panic!("unexpected {e}"),
    }
}

#[test]
fn validation_names_the_field() {
    let base = DataConfig::new(Source::Circles);
    let cases: Vec<(DataConfig, &str)> = vec![
        (
            DataConfig {
                test_fraction: 1.0,
                ..base.clone()
            },
            "data.test_fraction",
        ),
        (
            DataConfig {
                test_fraction: -0.1,
                ..base.clone()
            },
            "data.test_fraction",
        ),
        (
            DataConfig {
                test_fraction: 0.1,
                ..DataConfig::new(Source::Mnist)
            },
            "data.test_fraction",
        ),
        (DataConfig::new(Source::Csv), "data.path"),
        (
            DataConfig {
                path: Some("x".into()),
                ..base.clone()
            },
            "data.path",
        ),
        (
            DataConfig {
                target: Some(TargetSpec::One("y".into())),
                ..base.clone()
            },
            "data.target",
        ),
        (
            DataConfig {
                n: Some(0),
                ..base.clone()
            },
            "data.n",
        ),
        (
            DataConfig {
                noise: Some(-1.0),
                ..base.clone()
            },
            "data.noise",
        ),
        (
            DataConfig {
                noise: Some(0.1),
                ..DataConfig::new(Source::Digits)
            },
            "data.noise",
        ),
        (
            DataConfig {
                classes: Some(3),
                ..base.clone()
            },
            "data.classes",
        ),
        (
            DataConfig {
                classes: Some(1),
                ..DataConfig::new(Source::Gaussians)
            },
            "data.classes",
        ),
        (
            DataConfig {
                x_range: Some([1.0, 0.0]),
                ..DataConfig::new(Source::Sine)
            },
            "data.x_range",
        ),
        (
            DataConfig {
                frequency: Some(2.0),
                ..base.clone()
            },
            "data.frequency",
        ),
        (
            DataConfig {
                limit_train: Some(0),
                ..base.clone()
            },
            "data.limit_train",
        ),
        (
            DataConfig {
                limit_test: Some(5),
                ..base.clone()
            },
            "data.limit_test",
        ),
        (
            DataConfig {
                path: Some("a.csv".into()),
                target: Some(TargetSpec::Many(vec!["a".into(), "b".into()])),
                task: Some(Task::Classification),
                ..DataConfig::new(Source::Csv)
            },
            "data.target",
        ),
    ];
    for (c, field) in cases {
        assert_eq!(field_of(&c), field, "{c:?}");
    }
    let msg = DataConfig {
        test_fraction: 1.0,
        ..base
    }
    .validate(Path::new("e.toml"))
    .unwrap_err()
    .to_string();
    assert!(msg.contains("e.toml") && msg.contains("[0, 1)"), "{msg}");
}
