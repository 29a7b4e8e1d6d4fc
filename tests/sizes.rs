//! Sizes from a config that would exhaust memory or never finish are refused by the plan
//! with exit status 2 naming the key, before anything is allocated or written. Each case
//! runs the binary with its address space limited to 1.5 GB, as a small machine would,
//! and with a deadline, so a regression shows as a failure, not as a hung suite.

use crate::common::write;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const BASE: &str = crate::common::TINY_TRAIN;

/// The address-space limit of every case.
const LIMIT: u64 = 1_500_000_000;

/// `losscape run CONFIG --out OUT` under [`LIMIT`], killed after `deadline`.
fn run_limited(config: &Path, out: &Path, deadline: Duration) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_losscape"));
    cmd.args(["run", config.to_str().unwrap(), "--quiet", "--out"])
        .arg(out)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // SAFETY: setrlimit is async-signal-safe; the closure touches no shared state.
    unsafe {
        cmd.pre_exec(|| {
            let lim = libc::rlimit {
                rlim_cur: LIMIT,
                rlim_max: LIMIT,
            };
            if libc::setrlimit(libc::RLIMIT_AS, &lim) == 0 {
                Ok(())
            } else {
                Err(std::io::Error::last_os_error())
            }
        });
    }
    let mut child = cmd.spawn().unwrap();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > deadline {
            child.kill().unwrap();
            panic!("{} did not finish in {deadline:?}", config.display());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

/// BASE with `edits` (pairs of text and replacement) applied.
fn config(edits: &[(&str, &str)]) -> String {
    let mut text = BASE.to_string();
    for (a, b) in edits {
        assert!(text.contains(a), "{a}");
        text = text.replacen(a, b, 1);
    }
    text
}

#[test]
fn sizes_that_would_exhaust_memory_or_never_finish_are_refused_naming_the_key() {
    let slice = "kind = \"slice\"\ncenter = \"init\"";
    let cases: Vec<(&str, String)> = vec![
        ("model.layers", config(&[("[2, 3, 1]", "[2, 100000000, 1]")])),
        (
            "model.layers",
            config(&[("[2, 3, 1]", "[2, 9223372036854775807, 1]")]),
        ),
        (
            "data.n",
            config(&[("source = \"xor\"", "source = \"circles\"\nn = 100000000000")]),
        ),
        (
            "experiment.resolution",
            config(&[("kind = \"train\"", "kind = \"train\"\nresolution = 1000000")]),
        ),
        (
            "experiment.exact",
            config(&[
                ("kind = \"train\"", "kind = \"hessian\"\ncenter = \"init\"\nexact = true"),
                ("[2, 3, 1]", "[2, 400, 400, 1]"),
            ]),
        ),
        (
            "experiment.starts",
            config(&[("kind = \"train\"", "kind = \"saddles\"\nstarts = 1000000000000")]),
        ),
        (
            "experiment.x.points",
            config(&[(
                "kind = \"train\"",
                &format!("{slice}\nx = {{ range = [-1.0, 1.0], points = 100000 }}\ny = {{ range = [-1.0, 1.0], points = 100000 }}"),
            )]),
        ),
        (
            "experiment.perceptron_epochs",
            config(&[("kind = \"train\"", "kind = \"xor\"\nperceptron_epochs = 100000000000")]),
        ),
        (
            "experiment.grid",
            config(&[("kind = \"train\"", "kind = \"xor\"\ngrid = 1000000")]),
        ),
        (
            "experiment.slq_runs",
            config(&[(
                "kind = \"train\"",
                "kind = \"hessian\"\ncenter = \"init\"\nexact = false\nslq_runs = 1000000000000",
            )]),
        ),
        (
            "experiment.alpha_points",
            config(&[(
                "kind = \"train\"",
                "kind = \"batch_size\"\nbatch_sizes = [1, 2]\nalpha_points = 1000000000000",
            )]),
        ),
        (
            "experiment.grid",
            config(&[(
                "kind = \"train\"",
                "kind = \"connect\"\nseeds = [1, 2]\ngrid = 1000000000",
            )]),
        ),
        (
            "experiment.epochs",
            config(&[(
                "kind = \"train\"",
                "kind = \"connect\"\nseeds = [1, 2]\nepochs = 1000000000000",
            )]),
        ),
        (
            "experiment.steps",
            config(&[(
                "kind = \"train\"",
                "kind = \"optimizers\"\nsteps = 100000000000",
            )]),
        ),
        (
            "experiment.searches",
            config(&[
                (
                    "[train]\noptimizer = \"sgd\"\nlr = 0.1\nbatch_size = 2\nepochs = 2\n",
                    "",
                ),
                (
                    "kind = \"train\"",
                    "kind = \"optimizers\"\nstart = \"saddles\"\nsearches = 1000000000000",
                ),
            ]),
        ),
        (
            "train.epochs",
            config(&[("epochs = 2", "epochs = 9223372036854775807")]),
        ),
        (
            "train.steps",
            config(&[("epochs = 2", "steps = 9223372036854775807")]),
        ),
    ];
    let tmp = tempfile::tempdir().unwrap();
    for (key, text) in cases {
        let cfg = write(tmp.path(), "c.toml", &text);
        let out = tmp.path().join("out");
        let o = run_limited(&cfg, &out, Duration::from_secs(60));
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{key}: {stderr}");
        assert!(
            stderr.contains(&format!("field `{key}`")),
            "{key}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(!out.exists(), "{key}: output folder created");
    }
}

#[test]
fn the_budget_follows_the_process_limit_and_max_memory() {
    // A config that fits a large machine but not 1.5 GB of address space.
    let tmp = tempfile::tempdir().unwrap();
    let text = config(&[("source = \"xor\"", "source = \"circles\"\nn = 40000000")]);
    let cfg = write(tmp.path(), "c.toml", &text);
    let out = tmp.path().join("out");
    let o = run_limited(&cfg, &out, Duration::from_secs(60));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("field `data.n`"), "{stderr}");
    // The plan alone, with an explicit budget: over it refused, under it accepted.
    let dry = |budget: &str| {
        crate::common::losscape(&[
            "run",
            cfg.to_str().unwrap(),
            "--dry-run",
            "--max-memory",
            budget,
        ])
    };
    assert_eq!(dry("100M").status.code(), Some(2));
    let ok = dry("64G");
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let plan: serde_json::Value = serde_json::from_slice(&ok.stdout).unwrap();
    let need = plan["memory"]["estimate_bytes"].as_u64().unwrap();
    // 40M rows of 2 features and 1 label, in f64: at least 960 MB.
    assert!(need >= 40_000_000 * 3 * 8, "{plan}");
    assert_eq!(plan["memory"]["budget_bytes"], 64u64 << 30);
    assert_eq!(dry("12Q").status.code(), Some(2));
    assert!(!out.exists());
}
