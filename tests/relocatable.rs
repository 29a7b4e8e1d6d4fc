//! A copied binary works without its source tree: `list`, `new KIND` then `run` for
//! every kind, bundled configs run by name or unpacked, and MNIST found only in a data
//! folder, with an error naming every place looked in otherwise.
//!
//! Each test copies the built binary into a fresh temporary folder and runs it there
//! with an empty environment but for `HOME` and `XDG_DATA_HOME` (empty temporary
//! folders): no `LOSSCAPE_DATA`, and no `CARGO_MANIFEST_DIR` (which `cargo test` sets
//! and a child would inherit; under cargo the source tree is a data folder). The copy
//! does not lie inside the source tree, so nothing leads it there.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use tempfile::TempDir;

/// A copy of the binary in its own folder, with an empty home.
struct Copy {
    /// Holds the binary; the working folder of every run.
    dir: TempDir,
    home: TempDir,
}

impl Copy {
    fn new() -> Copy {
        let dir = tempfile::tempdir().unwrap();
        std::fs::copy(env!("CARGO_BIN_EXE_losscape"), dir.path().join("losscape")).unwrap();
        Copy {
            dir,
            home: tempfile::tempdir().unwrap(),
        }
    }

    /// The folder of the copy, as the binary sees it (symbolic links resolved).
    fn path(&self) -> PathBuf {
        self.dir.path().canonicalize().unwrap()
    }

    fn xdg(&self) -> PathBuf {
        self.home.path().join("xdg")
    }

    /// `losscape ARGS` run from the copy's folder with only HOME and XDG_DATA_HOME set.
    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(self.dir.path().join("losscape"));
        c.args(args)
            .current_dir(self.dir.path())
            .env_clear()
            .env("HOME", self.home.path())
            .env("XDG_DATA_HOME", self.xdg());
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        output(&mut self.command(args))
    }

    /// Run and require success; stdout as text.
    fn ok(&self, args: &[&str]) -> String {
        let o = self.run(args);
        assert!(
            o.status.success(),
            "losscape {args:?} failed: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8(o.stdout).unwrap()
    }

    fn write(&self, name: &str, text: &str) {
        std::fs::write(self.dir.path().join(name), text).unwrap();
    }
}

/// The finite number at `pointer` in `v`.
fn finite(v: &Value, pointer: &str) -> f64 {
    let x = v
        .pointer(pointer)
        .and_then(Value::as_f64)
        .unwrap_or_else(|| panic!("no number at {pointer} in {v}"));
    assert!(x.is_finite(), "{pointer} = {x}");
    x
}

/// Each kind and a number its run computes (a JSON pointer into summary.json).
const COMPUTED: [(&str, &str); 12] = [
    ("train", "/final/train_loss"),
    ("evaluate", "/train/loss"),
    ("xor", "/single_neuron/best_correct"),
    ("slice", "/min_loss"),
    ("hessian", "/trace"),
    ("saddles", "/critical_points/0/loss"),
    ("batch_size", "/by_batch_size/0/train_loss/mean"),
    ("width_sweep", "/by_width/0/approx_error/mean"),
    ("sgd_noise", "/batches/0/anisotropy_ratio"),
    ("escape", "/dynamics/0/final_train_loss/mean"),
    ("connect", "/barrier_curve"),
    ("optimizers", "/starts/0/races/4/final_loss"),
];

#[test]
fn a_copied_binary_lists_and_runs_every_template() {
    let kinds = losscape::config::ExperimentConfig::KINDS;
    assert_eq!(kinds.len(), COMPUTED.len());
    assert!(kinds.iter().all(|k| COMPUTED.iter().any(|(c, _)| c == k)));
    let copy = Copy::new();

    let list = copy.ok(&["list"]);
    assert!(list.contains(&kinds.join(", ")), "{list}");
    // every bundled config, with its kind and its one-line description
    assert!(
        list.contains("  quickstart ")
            && list.contains(" hessian    The saddle of a tanh regression net")
            && list.contains("  keskar_mnist "),
        "{list}"
    );

    for (kind, pointer) in COMPUTED {
        let mut template = copy.ok(&["new", kind]);
        // Two templates take seconds in the test profile; fewer seeds / starts keep the
        // test short without changing what runs (tests/cli.rs runs them as printed).
        template = match kind {
            "xor" => template.replacen("seeds = 100", "seeds = 8", 1),
            "saddles" => template.replacen("starts = 20 ", "starts = 4 ", 1),
            _ => template,
        };
        let file = format!("{kind}.toml");
        copy.write(&file, &template);
        // default output folder plots/<name>, relative to the working folder
        let summary: Value = serde_json::from_str(&copy.ok(&["run", &file, "--quiet"])).unwrap();
        assert_eq!(summary["kind"], kind);
        let name = summary["name"].as_str().unwrap();
        let on_disk: Value = serde_json::from_slice(
            &std::fs::read(
                copy.dir
                    .path()
                    .join("plots")
                    .join(name)
                    .join("summary.json"),
            )
            .unwrap(),
        )
        .unwrap();
        assert_eq!(on_disk["kind"], kind);
        let x = finite(&on_disk, pointer);
        match kind {
            // the evaluate template reads the built-in digits: 1797 rows, 20 % held out
            "evaluate" => {
                assert_eq!(on_disk["train"]["n"], 1438);
                assert_eq!(on_disk["test"]["n"], 359);
            }
            // no single step neuron computes XOR: at best 3 of 4 rows
            "xor" => assert_eq!(x, 3.0),
            _ => {}
        }
    }
}

/// Mean squared deviation of the `t` column of `data/sine40.csv` from its mean.
fn sine40_variance() -> f64 {
    let t: Vec<f64> = include_str!("../data/sine40.csv")
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap().parse().unwrap())
        .collect();
    let mean = t.iter().sum::<f64>() / t.len() as f64;
    t.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / t.len() as f64
}

#[test]
fn a_copied_binary_runs_bundled_configs_by_name_and_unpacks_them() {
    let copy = Copy::new();
    // saddle_zero_net names ../data/sine40.csv and models/zero_tanh_1_8_1.safetensors,
    // relative to its file: both must come from the built-in copies. All weights 0 and
    // the output bias the mean target: the net predicts the mean, so the mse is the
    // targets' variance, and the point is a saddle.
    let s: Value = serde_json::from_str(&copy.ok(&["run", "saddle_zero_net", "--quiet"])).unwrap();
    assert_eq!(s["kind"], "hessian");
    assert_eq!(s["classification"], "saddle");
    let loss = finite(&s, "/loss");
    assert!((loss - sine40_variance()).abs() < 1e-12, "{loss}");
    assert!(copy
        .dir
        .path()
        .join("plots/saddle_zero_net/summary.json")
        .is_file());
    // The run's config.toml records the files it read, in the temporary folder the
    // config was unpacked into, which is removed after the run.
    let resolved: toml::Value = toml::from_str(
        &std::fs::read_to_string(copy.dir.path().join("plots/saddle_zero_net/config.toml"))
            .unwrap(),
    )
    .unwrap();
    let data = Path::new(resolved["data"]["path"].as_str().unwrap());
    assert!(
        data.to_string_lossy().contains("losscape-bundled-") && !data.exists(),
        "{}",
        data.display()
    );

    // a path to a bundled config that is not there: exit 2, with a note on the name
    let o = copy.run(&["run", "experiments/quickstart.toml"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("experiments/quickstart.toml")
            && err.contains("`losscape run quickstart` runs the built-in copy"),
        "{err}"
    );

    // unpack: the source tree's layout, so relative paths work from the files
    let out = copy.ok(&["unpack", "mine"]);
    assert!(out.contains("wrote "), "{out}");
    for rel in [
        "mine/experiments/lecture.toml",
        "mine/data/linnerud.csv",
        "mine/data/digits.csv.gz",
        "mine/experiments/models/spirals_adam.safetensors",
    ] {
        assert!(copy.dir.path().join(rel).is_file(), "{rel}");
    }
    assert!(!copy.dir.path().join("mine/data/mnist").exists());
    let plan: Value =
        serde_json::from_str(&copy.ok(&["run", "mine/experiments/lecture.toml", "--dry-run"]))
            .unwrap();
    // linnerud: 3 exercise features, 3 targets; 20 rows, 25 % held out (a plan bounds
    // a csv file's rows from its size, so at least the 15 training rows)
    assert_eq!(plan["data"]["features"], 3);
    assert_eq!(plan["data"]["outputs"], 3);
    assert!(plan["data"]["n_train"].as_u64().unwrap() >= 15, "{plan}");
    assert!(plan["config"]
        .as_str()
        .unwrap()
        .ends_with("mine/experiments/lecture.toml"));
    // unpack never overwrites
    let o = copy.run(&["unpack", "mine"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("already holds"));
}

const MNIST: &str = r#"
name = "mnist-small"
seed = 0
[data]
source = "mnist"
limit_train = 500
limit_test = 100
[model]
layers = [784, 16, 10]
activation = "relu"
loss = "cross_entropy"
[train]
optimizer = "sgd"
lr = 0.1
batch_size = 50
epochs = 1
[experiment]
kind = "train"
"#;

/// The crate's MNIST copy's parent folder (the test process may read the source tree).
fn source_data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data")
}

/// A dry run of the MNIST config that must find the data: 500 / 100 rows of 784.
fn assert_mnist_plans(o: Output) {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let plan: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(plan["data"]["features"], 784);
    assert_eq!(plan["data"]["n_train"], 500);
    assert_eq!(plan["data"]["n_test"], 100);
}

#[test]
fn mnist_is_found_in_a_data_folder_or_the_error_says_where_it_looked() {
    let copy = Copy::new();
    copy.write("mnist.toml", MNIST);
    let o = copy.run(&["run", "mnist.toml", "--quiet"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    for want in [
        "mnist.toml: field `data.source`".to_string(),
        "looked in:".into(),
        "$LOSSCAPE_DATA (not set)".into(),
        format!(
            "{} (beside the binary)",
            copy.path().join("data/mnist").display()
        ),
        format!(
            "{} (the platform data folder)",
            copy.xdg().join("losscape/mnist").display()
        ),
        "train-images-idx3-ubyte.gz".into(),
        "LOSSCAPE_DATA".into(),
    ] {
        assert!(err.contains(&want), "{want:?} not in {err}");
    }
    assert!(!err.contains("source tree"), "{err}");
    assert!(!copy.dir.path().join("plots").exists());
    // the bundled MNIST config by name: the same error
    let o = copy.run(&["run", "keskar_mnist", "--dry-run"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("looked in:"));

    // $LOSSCAPE_DATA
    let mut c = copy.command(&["run", "mnist.toml", "--dry-run"]);
    assert_mnist_plans(output(c.env("LOSSCAPE_DATA", source_data())));
    // without XDG_DATA_HOME the platform folder is ~/.local/share/losscape
    let o = output(
        copy.command(&["run", "mnist.toml", "--dry-run"])
            .env_remove("XDG_DATA_HOME"),
    );
    let err = String::from_utf8_lossy(&o.stderr);
    let local = copy.home.path().join(".local/share/losscape/mnist");
    assert!(err.contains(&local.display().to_string()), "{err}");
    // the platform data folder
    std::fs::create_dir_all(copy.xdg().join("losscape")).unwrap();
    std::os::unix::fs::symlink(
        source_data().join("mnist"),
        copy.xdg().join("losscape/mnist"),
    )
    .unwrap();
    assert_mnist_plans(copy.run(&["run", "mnist.toml", "--dry-run"]));
    std::fs::remove_file(copy.xdg().join("losscape/mnist")).unwrap();
    // data/ beside the binary
    std::os::unix::fs::symlink(source_data(), copy.dir.path().join("data")).unwrap();
    assert_mnist_plans(copy.run(&["run", "mnist.toml", "--dry-run"]));
}

/// Runs `c` to completion. A copy of the binary that another test thread's fork still
/// holds open for writing (the fd lives in the child until its exec) cannot be executed
/// yet (ETXTBSY): that is retried for up to a second.
fn output(c: &mut Command) -> Output {
    for _ in 0..50 {
        match c.output() {
            Err(e) if e.kind() == std::io::ErrorKind::ExecutableFileBusy => {
                std::thread::sleep(std::time::Duration::from_millis(20))
            }
            result => return result.unwrap(),
        }
    }
    c.output().unwrap()
}
