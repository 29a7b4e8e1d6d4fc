//! Every class of bad input gets a one-paragraph error naming the file and the field or
//! line, exit status 2, and no output folder.

use crate::common::{losscape, run, run_ok};
use std::path::Path;

const GOOD: &str = crate::common::TINY_TRAIN;

/// Run `losscape run` on `config` (plus extra files) in a fresh folder; return stderr
/// after asserting exit status 2 and that the output folder was not created.
fn run_bad(config: &str, files: &[(&str, &[u8])]) -> String {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in files {
        std::fs::write(dir.path().join(name), bytes).unwrap();
    }
    let cfg = dir.path().join("exp.toml");
    std::fs::write(&cfg, config).unwrap();
    let out = dir.path().join("out");
    let o = run(&cfg, &out, &[]);
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(
        o.status.code(),
        Some(2),
        "expected exit 2; stderr: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        !Path::new(&out).exists(),
        "output folder created for bad input: {stderr}"
    );
    stderr
}

fn assert_mentions(stderr: &str, parts: &[&str]) {
    for p in parts {
        assert!(
            stderr.contains(p),
            "error should mention {p:?}; got: {stderr}"
        );
    }
}

fn with(replace: &str, by: &str) -> String {
    assert!(GOOD.contains(replace), "{replace}");
    GOOD.replace(replace, by)
}

#[test]
fn the_good_config_runs() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("exp.toml");
    std::fs::write(&cfg, GOOD).unwrap();
    let out = dir.path().join("out");
    run_ok(&cfg, &out, &[]);
    assert!(out.join("summary.json").exists());
}

#[test]
fn unknown_key() {
    let e = run_bad(&with("lr = 0.1", "lr = 0.1\nlearning_rate = 0.1"), &[]);
    assert_mentions(&e, &["exp.toml", "learning_rate", "line"]);
}

#[test]
fn wrong_type() {
    let e = run_bad(&with("lr = 0.1", "lr = \"fast\""), &[]);
    assert_mentions(&e, &["exp.toml", "lr"]);
}

#[test]
fn missing_required_field() {
    let e = run_bad(&with("activation = \"tanh\"\n", ""), &[]);
    assert_mentions(&e, &["exp.toml", "activation"]);
}

#[test]
fn missing_train_table_for_train_kind() {
    let cfg =
        GOOD.split("[train]").next().unwrap().to_string() + "[experiment]\nkind = \"train\"\n";
    let e = run_bad(&cfg, &[]);
    assert_mentions(&e, &["exp.toml", "train"]);
}

#[test]
fn layer_widths_that_do_not_match_the_data() {
    let e = run_bad(&with("layers = [2, 3, 1]", "layers = [3, 3, 1]"), &[]);
    assert_mentions(&e, &["exp.toml", "model.layers", "2 features"]);
}

#[test]
fn zero_width() {
    let e = run_bad(&with("layers = [2, 3, 1]", "layers = [2, 0, 1]"), &[]);
    assert_mentions(&e, &["exp.toml", "model.layers", "0"]);
}

#[test]
fn zero_or_negative_learning_rate() {
    for lr in ["0.0", "-0.5"] {
        let e = run_bad(&with("lr = 0.1", &format!("lr = {lr}")), &[]);
        assert_mentions(&e, &["exp.toml", "train.lr"]);
    }
}

#[test]
fn batch_size_zero_or_larger_than_the_data() {
    // Read through serde's try_from: the message quotes the config line.
    let e = run_bad(&with("batch_size = 2", "batch_size = 0"), &[]);
    assert_mentions(&e, &["exp.toml", "batch_size = 0", "at least 1, got 0"]);
    let e = run_bad(&with("batch_size = 2", "batch_size = 5"), &[]);
    assert_mentions(
        &e,
        &[
            "exp.toml",
            "train.batch_size",
            "larger than the training set",
        ],
    );
}

#[test]
fn unknown_activation_loss_and_dataset() {
    let e = run_bad(
        &with("activation = \"tanh\"", "activation = \"swish\""),
        &[],
    );
    assert_mentions(&e, &["exp.toml", "swish", "tanh"]);
    let e = run_bad(&with("loss = \"bce\"", "loss = \"hinge\""), &[]);
    assert_mentions(&e, &["exp.toml", "hinge", "cross_entropy"]);
    let e = run_bad(&with("source = \"xor\"", "source = \"cifar\""), &[]);
    assert_mentions(&e, &["exp.toml", "cifar", "spirals"]);
}

#[test]
fn step_activation_asked_to_train() {
    let e = run_bad(&with("activation = \"tanh\"", "activation = \"step\""), &[]);
    assert_mentions(&e, &["exp.toml", "model.activation", "step"]);
}

#[test]
fn missing_data_file() {
    let e = run_bad(
        &with(
            "source = \"xor\"",
            "source = \"csv\"\npath = \"nowhere.csv\"",
        ),
        &[],
    );
    assert_mentions(&e, &["nowhere.csv"]);
}

#[test]
fn csv_row_with_wrong_field_count_and_non_number() {
    let cfg = with("source = \"xor\"", "source = \"csv\"\npath = \"d.csv\"");
    let e = run_bad(&cfg, &[("d.csv", b"a,b,label\n0,0,0\n1,1\n")]);
    assert_mentions(&e, &["d.csv", "line 3"]);
    let e = run_bad(&cfg, &[("d.csv", b"a,b,label\n0,0,0\n1,x,1\n")]);
    assert_mentions(&e, &["d.csv", "line 3", "b"]);
}

#[test]
fn nan_in_the_data() {
    let cfg = with("source = \"xor\"", "source = \"csv\"\npath = \"d.csv\"");
    let e = run_bad(&cfg, &[("d.csv", b"a,b,label\n0,0,0\nNaN,1,1\n")]);
    assert_mentions(&e, &["d.csv", "line 3"]);
}

#[test]
fn class_label_outside_the_output_width() {
    let cfg = with("source = \"xor\"", "source = \"csv\"\npath = \"d.csv\"")
        .replace("layers = [2, 3, 1]", "layers = [2, 3, 2]")
        .replace("loss = \"bce\"", "loss = \"cross_entropy\"");
    let e = run_bad(&cfg, &[("d.csv", b"a,b,label\n0,0,0\n1,1,1\n0,1,4\n")]);
    assert_mentions(&e, &["exp.toml", "model.layers", "output width is 2"]);
}

#[test]
fn missing_or_truncated_weights_file_and_wrong_shapes() {
    let cfg = with(
        "loss = \"bce\"",
        "loss = \"bce\"\nweights = \"w.safetensors\"",
    );
    let e = run_bad(&cfg, &[]);
    assert_mentions(&e, &["w.safetensors"]);
    // A valid file for other layer widths: the message names the tensor and both shapes.
    let tmp = tempfile::tempdir().unwrap();
    let wpath = tmp.path().join("w.safetensors");
    let layout = losscape::nn::Layout::new(&[2, 4, 1]);
    losscape::nn::weights::save::<f32>(&wpath, &layout, &vec![0.5; layout.n_params()]).unwrap();
    let bytes = std::fs::read(&wpath).unwrap();
    let e = run_bad(&cfg, &[("w.safetensors", &bytes)]);
    assert_mentions(&e, &["w.safetensors", "0.weight"]);
    let e = run_bad(&cfg, &[("w.safetensors", &bytes[..bytes.len() - 7])]);
    assert_mentions(&e, &["w.safetensors"]);
}

#[test]
fn unknown_kind_and_template() {
    let e = run_bad(&with("kind = \"train\"", "kind = \"dance\""), &[]);
    assert_mentions(&e, &["exp.toml", "dance"]);
    let o = losscape(&["new", "dance"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn truncated_gzip_data_file() {
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let body: String = (0..400)
        .map(|i| format!("{},{},{}\n", i % 7, i % 5, i % 2))
        .collect();
    gz.write_all(format!("a,b,label\n{body}").as_bytes())
        .unwrap();
    let bytes = gz.finish().unwrap();
    let cfg = with("source = \"xor\"", "source = \"csv\"\npath = \"d.csv.gz\"");
    let e = run_bad(&cfg, &[("d.csv.gz", &bytes[..bytes.len() / 2])]);
    assert_mentions(&e, &["d.csv.gz"]);
}

#[test]
fn saddle_search_settings() {
    let saddles = |extra: &str| {
        with(
            "[experiment]\nkind = \"train\"\n",
            &format!("[experiment]\nkind = \"saddles\"\n{extra}"),
        )
    };
    let no_train = |extra: &str| {
        let s = saddles(extra);
        let a = s.find("[train]").unwrap();
        let b = s.find("[experiment]").unwrap();
        format!("{}{}", &s[..a], &s[b..])
    };
    let e = run_bad(&no_train("starts = 0\n"), &[]);
    assert_mentions(&e, &["exp.toml", "experiment.starts", "no starts"]);
    let e = run_bad(&no_train("trajectory_starts = 3\n"), &[]);
    assert_mentions(&e, &["experiment.trajectory_starts", "[train]"]);
    let e = run_bad(&saddles("inner_tol = 2.0\n"), &[]);
    assert_mentions(&e, &["experiment.inner_tol", "(0, 1]"]);
    let e = run_bad(&saddles("search_tol = -1e-8\n"), &[]);
    assert_mentions(&e, &["experiment.search_tol", "positive"]);
    let e = run_bad(&saddles("max_iter = 0\n"), &[]);
    assert_mentions(&e, &["experiment.max_iter", "at least 1"]);
    let e = run_bad(&saddles("method = \"newton\"\n"), &[]);
    assert_mentions(&e, &["exp.toml", "newton_mr"]);
    let e = run_bad(&saddles("[experiment.hessian]\ncenter = \"init\"\n"), &[]);
    assert_mentions(&e, &["experiment.hessian.center", "does not apply"]);
    let e = run_bad(&saddles("[experiment.hessian]\nlanczos_steps = 0\n"), &[]);
    assert_mentions(&e, &["experiment.hessian.lanczos_steps"]);
}

#[test]
fn study_lists_and_values() {
    let study = |body: &str| {
        with(
            "[experiment]\nkind = \"train\"\n",
            &format!("[experiment]\n{body}"),
        )
        .replace("optimizer = \"sgd\"", "optimizer = \"adam\"")
        .replace("batch_size = 2\n", "")
    };
    let bs = |extra: &str| study(&format!("kind = \"batch_size\"\n{extra}"));
    let e = run_bad(&bs("batch_sizes = []\n"), &[]);
    assert_mentions(&e, &["exp.toml", "experiment.batch_sizes", "empty"]);
    let e = run_bad(&bs("batch_sizes = [2, 5]\n"), &[]);
    assert_mentions(
        &e,
        &[
            "experiment.batch_sizes[1]",
            "larger than the training set (4 samples)",
        ],
    );
    // Values read through serde's try_from are reported at the [experiment] header
    // (serde buffers a tagged table), with the value in the message.
    for frac in ["0%", "150%", "-5%"] {
        let e = run_bad(&bs(&format!("batch_sizes = [\"{frac}\"]\n")), &[]);
        assert_mentions(&e, &["exp.toml", "[experiment]", "(0, 100]", frac]);
    }
    let e = run_bad(&bs("batch_sizes = [\"half\"]\n"), &[]);
    assert_mentions(&e, &["exp.toml", "batch size", "\"half\""]);
    let e = run_bad(&bs("batch_sizes = [2]\nepsilons = [1e-3, 0.0]\n"), &[]);
    assert_mentions(&e, &["experiment.epsilons", "positive"]);
    let e = run_bad(&bs("batch_sizes = [2]\nseeds = []\n"), &[]);
    assert_mentions(&e, &["experiment.seeds", "empty"]);
    for l in ["0.0", "-1.0", "nan"] {
        let e = run_bad(
            &bs(&format!("batch_sizes = [2]\nstop_at_train_loss = {l}\n")),
            &[],
        );
        assert_mentions(&e, &["experiment.stop_at_train_loss", "positive"]);
    }
    let e = run_bad(&bs("batch_sizes = [2]\nbudget = \"steps\"\n"), &[]);
    assert_mentions(&e, &["experiment.budget", "[train] steps"]);
    let e = run_bad(&bs("batch_sizes = [2]\nbudget = \"weeks\"\n"), &[]);
    assert_mentions(&e, &["exp.toml", "weeks"]);
    let e = run_bad(
        &bs("batch_sizes = [2]\n").replace("optimizer = \"adam\"", "optimizer = \"gd\""),
        &[],
    );
    assert_mentions(&e, &["train.optimizer", "sgd, momentum or adam"]);
    let ws = |extra: &str| study(&format!("kind = \"width_sweep\"\n{extra}"));
    let e = run_bad(&ws("widths = [4, 0]\n"), &[]);
    assert_mentions(&e, &["exp.toml", "widths", "at least 1, got 0"]);
    let e = run_bad(&ws("widths = [4, 4]\n"), &[]);
    assert_mentions(&e, &["experiment.widths[1]", "appears twice"]);
    let e = run_bad(&ws("widths = []\n"), &[]);
    assert_mentions(&e, &["experiment.widths", "empty"]);
    let e = run_bad(
        &ws("widths = [4]\n").replace("layers = [2, 3, 1]", "layers = [2, 3, 3, 1]"),
        &[],
    );
    assert_mentions(&e, &["model.layers", "one hidden layer"]);
}

#[test]
fn keys_a_kind_decides_are_refused() {
    let study = |kind: &str, extra: &str, key: &str| {
        with(
            "[experiment]\nkind = \"train\"\n",
            &format!("[experiment]\nkind = \"{kind}\"\n{extra}"),
        )
        .replace("optimizer = \"sgd\"", "optimizer = \"adam\"")
        .replace("epochs = 2\n", &format!("epochs = 2\n{key} = 1\n"))
    };
    for key in ["record_every", "snapshot_every"] {
        for (kind, extra) in [
            ("batch_size", "batch_sizes = [2]\n"),
            ("width_sweep", "widths = [3]\n"),
            ("saddles", "starts = 1\n"),
        ] {
            let e = run_bad(&study(kind, extra, key), &[]);
            assert_mentions(&e, &["exp.toml", &format!("train.{key}"), kind, "remove"]);
        }
    }
}

#[test]
fn exact_is_true_false_or_auto() {
    let cfg = with(
        "[experiment]\nkind = \"train\"\n",
        "[experiment]\nkind = \"hessian\"\nexact = \"sometimes\"\n",
    );
    let e = run_bad(&cfg, &[]);
    assert_mentions(&e, &["exp.toml", "true, false or \"auto\"", "sometimes"]);
}

#[test]
fn zero_patience() {
    let e = run_bad(&with("epochs = 2\n", "epochs = 2\npatience = 0\n"), &[]);
    assert_mentions(&e, &["exp.toml", "train.patience", "at least 1"]);
}

#[test]
#[cfg(not(feature = "mpi"))]
fn several_mpi_ranks_of_a_build_without_mpi_are_refused() {
    // What `mpirun -np 2` (Open MPI) and `srun -n 3` set for each rank they start.
    for (variable, ranks) in [("OMPI_COMM_WORLD_SIZE", "2"), ("SLURM_STEP_NUM_TASKS", "3")] {
        let dir = tempfile::tempdir().unwrap();
        let cfg = dir.path().join("exp.toml");
        std::fs::write(&cfg, GOOD).unwrap();
        let out = dir.path().join("out");
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_losscape"))
            .args(["run", cfg.to_str().unwrap(), "--out", out.to_str().unwrap()])
            .env(variable, ranks)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{stderr}");
        assert_mentions(&stderr, &["`mpi` feature", &format!("{variable}={ranks}")]);
        assert!(!out.exists(), "no output folder: {stderr}");
    }
}
