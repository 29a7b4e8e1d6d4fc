//! Every bundled config in experiments/ and every `new KIND` template plans: it parses,
//! passes every check, and its memory estimate fits a modest budget. `run --dry-run`
//! prints that plan and writes nothing.

use crate::common::{losscape, write};
use losscape::config::LoadedConfig;
use losscape::experiment::{plan::plan, RunOptions};
use std::path::Path;

/// A budget every bundled config and template must fit.
const BUDGET: u64 = 4 << 30;

fn options(out: &Path) -> RunOptions {
    RunOptions {
        out: Some(out.to_path_buf()),
        max_memory: Some(BUDGET),
        ..RunOptions::default()
    }
}

#[test]
fn every_bundled_config_plans() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("experiments");
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let cfg = LoadedConfig::read(&path).unwrap_or_else(|e| panic!("{e}"));
            let p = plan(cfg, &options(&out)).unwrap_or_else(|e| panic!("{e}"));
            assert!(p.memory.total() > 0 && p.memory.total() < BUDGET);
            assert!(p.data.n_train > 0, "{}", path.display());
            n += 1;
        }
    }
    assert!(n >= 5, "expected the bundled configs, found {n}");
    assert!(!out.exists());
}

#[test]
fn every_template_plans() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    for (kind, text) in losscape::templates::TEMPLATES {
        let path = write(tmp.path(), &format!("{kind}.toml"), text);
        let cfg = LoadedConfig::read(&path).unwrap();
        assert_eq!(cfg.config.experiment.kind(), kind);
        plan(cfg, &options(&out)).unwrap_or_else(|e| panic!("template {kind}: {e}"));
    }
    assert!(!out.exists());
}

#[test]
fn dry_run_prints_the_plan_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = Path::new(env!("CARGO_MANIFEST_DIR")).join("experiments/slice_digits.toml");
    let out = tmp.path().join("out");
    let o = losscape(&[
        "run",
        cfg.to_str().unwrap(),
        "--dry-run",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let plan: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(plan["kind"], "slice");
    // The bundled digits set: 1,797 rows of 64 features, split into train and test.
    assert_eq!(plan["data"]["features"], 64);
    let (tr, te) = (&plan["data"]["n_train"], &plan["data"]["n_test"]);
    assert_eq!(tr.as_u64().unwrap() + te.as_u64().unwrap(), 1797, "{plan}");
    assert!(plan["memory"]["estimate_bytes"].as_u64().unwrap() > 0);
    assert!(!out.exists());
}
