//! Checks shared by the tests of kinds that `losscape plot` redraws: every figure comes
//! back byte-identical from the run's saved files, and summary.json is exactly the
//! typed [`Summary`] the run printed.

use crate::common::{losscape, run};
use losscape::experiment::Summary;
use std::collections::BTreeMap;
use std::path::Path;

/// The PNG files of a folder, by name.
fn pngs(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "png"))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&p).unwrap())
        })
        .collect()
}

/// Deletes every figure of the run in `dir`, runs `losscape plot dir`, and asserts that
/// the same figures come back byte for byte; returns their names.
pub fn assert_plot_redraws(dir: &Path) -> Vec<String> {
    let before = pngs(dir);
    assert!(!before.is_empty(), "no figures in {}", dir.display());
    for name in before.keys() {
        std::fs::remove_file(dir.join(name)).unwrap();
    }
    let o = losscape(&["plot", dir.to_str().unwrap()]);
    assert!(
        o.status.success(),
        "plot failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let after = pngs(dir);
    assert_eq!(
        after.keys().collect::<Vec<_>>(),
        before.keys().collect::<Vec<_>>()
    );
    for (name, bytes) in &before {
        assert!(after[name] == *bytes, "{name} redrawn differently");
    }
    before.into_keys().collect()
}

/// Runs a config that must succeed; returns the typed summary printed on stdout, after
/// checking that it serialises back to exactly the summary.json written.
pub fn run_typed(config: &Path, out: &Path) -> Summary {
    let o = run(config, out, &[]);
    assert!(
        o.status.success(),
        "run failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let printed: Summary = serde_json::from_slice(&o.stdout).unwrap();
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(serde_json::to_value(&printed).unwrap(), written);
    printed
}

/// `train` (training curves and decision regions) and `hessian` (the density) redraw
/// byte-identical; `evaluate` draws nothing and `plot` accepts its folder. The summary
/// numbers are the typed report's.
#[test]
fn train_hessian_and_evaluate_runs_redraw() {
    use crate::common::{write, TINY_TRAIN};
    use losscape::experiment::Report;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let train = run_typed(&write(d, "t.toml", TINY_TRAIN), &d.join("t"));
    let Report::Train(r) = &train.report else {
        panic!("kind {}", train.kind());
    };
    // XOR, 4 rows, batch 2, 2 epochs: 4 steps; the regions cover the 2-D inputs.
    assert_eq!((r.steps, r.n_train, r.epochs), (4, 4, 2.0));
    assert_eq!(r.decision_regions.as_ref().unwrap().resolution, 200);
    let drawn = assert_plot_redraws(&d.join("t"));
    assert_eq!(drawn, ["decision_regions.png", "training_curves.png"]);

    let hessian = TINY_TRAIN.replace("kind = \"train\"", "kind = \"hessian\"");
    let h = run_typed(&write(d, "h.toml", &hessian), &d.join("h"));
    let Report::Hessian(r) = &h.report else {
        panic!("kind {}", h.kind());
    };
    // [2, 3, 1]: 13 parameters, within exact_max_params: the exact spectrum, P HVPs.
    assert_eq!((r.n_params, r.hvp_count, r.spectrum.exact), (13, 13, true));
    assert_eq!(assert_plot_redraws(&d.join("h")), ["density.png"]);

    let evaluate = TINY_TRAIN.replace("kind = \"train\"", "kind = \"evaluate\"");
    let e = run_typed(&write(d, "e.toml", &evaluate), &d.join("e"));
    let Report::Evaluate(r) = &e.report else {
        panic!("kind {}", e.kind());
    };
    assert_eq!((r.n_params, r.train.n, r.weights.as_str()), (13, 4, "init"));
    let o = losscape(&["plot", d.join("e").to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}
