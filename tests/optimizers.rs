//! Kind `optimizers` end to end. On the lecture's XOR net, from the plateau of the GD
//! run: the start is a saddle by the `hessian` kind's independent measurement of the
//! saved start weights; Newton stays at the saddle's loss while saddle-free Newton
//! leaves it and solves XOR; the summary agrees with the saved records (escape steps,
//! work counted as HVPs + ½ gradients + ⅙ losses, the work budget); from searched
//! saddles of the noisy-XOR net one and two threads give the same bytes; bad settings
//! are refused before any folder exists.

use crate::common::{f, npy, one_and_two_threads, run_ok, write};
use crate::noise::run_bad;
use crate::plot_check::assert_plot_redraws;
use serde_json::Value;

const XOR: &str = r#"
seed = 0
dtype = "f64"
[data]
source = "xor"
[model]
layers = [2, 2, 1]
activation = "sigmoid"
loss = "mse"
init = "pytorch"
[train]
optimizer = "gd"
lr = 0.5
epochs = 2000
[experiment]
kind = "optimizers"
start = "plateau"
steps = 60
lr = 0.5
adam_lr = 0.05
krylov_dim = 9
damping = 0.01
grid = 9
"#;

const CLOUD: &str = r#"
seed = 0
dtype = "f64"
[data]
source = "xor"
n = 100
noise = 0.2
[model]
layers = [2, 4, 1]
activation = "tanh"
loss = "mse"
init = "xavier"
[experiment]
kind = "optimizers"
start = "saddles"
searches = 8
init_scale = 2.0
max_starts = 2
steps = 20
lr = 0.2
krylov_dim = 5
damping = 0.01
grid = 7
"#;

fn race<'a>(s: &'a Value, k: usize, name: &str) -> &'a Value {
    s["starts"][k]["races"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["optimizer"] == name)
        .unwrap_or_else(|| panic!("no race of {name}"))
}

#[test]
fn from_the_xor_plateau_saddle_free_newton_escapes_where_newton_stays() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = d.join("out");
    let s = run_ok(&write(d, "o.toml", XOR), &out, &[]);
    let start = &s["starts"][0];
    let loss0 = f(&start["loss"]);
    assert!((loss0 - 0.25).abs() < 1e-3, "the plateau's loss: {loss0}");

    // The hessian kind, on the saved start weights, finds the same saddle.
    let hessian = XOR.split("[train]").next().unwrap().to_string()
        + "weights = \"out/race0_start.safetensors\"\n[experiment]\nkind = \"hessian\"\n";
    let h = run_ok(&write(d, "h.toml", &hessian), &d.join("h"), &[]);
    assert_eq!(h["classification"], "saddle");
    assert!((f(&h["eigenvalue_min"]) - f(&start["lambda_min"])).abs() < 1e-12);
    assert!((f(&h["loss"]) - loss0).abs() < 1e-15);

    // Newton is drawn to the saddle, saddle-free Newton follows the negative curvature
    // down and solves XOR.
    let newton = race(&s, 0, "newton");
    let sfn = race(&s, 0, "saddle_free_newton");
    assert!((f(&newton["final_loss"]) - loss0).abs() < 1e-3, "{newton}");
    assert!(newton["escaped_at"].is_null());
    assert!(f(&sfn["final_loss"]) < 1e-6, "{sfn}");
    assert!(f(&sfn["final_lambda_min"]) > -1e-6, "{sfn}");
    assert!(sfn["escaped_at"].as_u64().unwrap() < 30);

    // The records: losses, work and escapes as the summary says.
    let records = start["records"].as_u64().unwrap() as usize;
    let m = s["optimizers"].as_array().unwrap().len();
    let loss = npy(&out.join("race0_loss.npy"));
    let cost = npy(&out.join("race0_cost.npy"));
    assert_eq!(loss.len(), m * records);
    let mut krylov_work: f64 = 0.0;
    for (i, r) in s["starts"][0]["races"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
    {
        let name = r["optimizer"].as_str().unwrap();
        let steps = r["steps"].as_u64().unwrap() as usize;
        let (l, c) = (
            &loss[i * records..][..records],
            &cost[i * records..][..records],
        );
        assert_eq!(c[0], 0.0, "{name}");
        assert!(c[..=steps].windows(2).all(|w| w[1] >= w[0]), "{name}");
        assert!(l[steps + 1..].iter().all(|v| v.is_nan()), "{name}: padded");
        assert_eq!(l[steps], f(&r["final_loss"]), "{name}");
        // Work: every step's gradient (½), HVPs (1) and line-search losses (⅙).
        let (hvps, grads, losses) = (f(&r["hvps"]), f(&r["gradients"]), f(&r["losses"]));
        assert_eq!(grads as usize, steps + 1, "{name}");
        let want = hvps + 0.5 * (grads - 1.0) + losses / 6.0;
        assert!(
            (f(&r["cost"]) - want).abs() < 1e-9,
            "{name}: {} vs {want}",
            r["cost"]
        );
        assert_eq!(c[steps], f(&r["cost"]), "{name}");
        let first = l.iter().position(|&v| v < 0.9 * loss0);
        assert_eq!(
            r["escaped_at"].as_u64().map(|v| v as usize),
            first,
            "{name}"
        );
        match name {
            "newton" | "saddle_free_newton" => {
                assert_eq!(steps, 60, "{name}");
                assert!(hvps <= 9.0 * 60.0, "{name}");
                krylov_work = krylov_work.max(f(&r["cost"]));
            }
            _ => assert_eq!(hvps, 0.0, "{name}"),
        }
    }
    // budget = "work": the first-order races spend the Krylov races' work.
    for name in ["gd", "momentum", "adam"] {
        let r = race(&s, 0, name);
        let c = f(&r["cost"]);
        assert!(
            c >= krylov_work - 1e-9 && c < krylov_work + 0.5,
            "{name}: {c} vs {krylov_work}"
        );
    }
    // Every figure comes back the same from the saved files.
    assert_eq!(
        assert_plot_redraws(&out),
        [
            "race0_loss_vs_cost.png",
            "race0_loss_vs_step.png",
            "race0_paths.png"
        ]
    );
    assert_eq!(npy(&out.join("race0_plane.npy")).len(), 81);
}

#[test]
fn searched_saddles_race_the_same_for_one_and_two_threads() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cfg = write(d, "c.toml", CLOUD);
    let outs = one_and_two_threads(&cfg, d);
    let s = &outs[0].0;
    let starts = s["starts"].as_array().unwrap();
    assert!(!starts.is_empty());
    assert!(s["searches"]["saddles"].as_u64().unwrap() >= starts.len() as u64);
    for (k, start) in starts.iter().enumerate() {
        assert!(f(&start["lambda_min"]) < 0.0, "start {k} is a saddle");
        assert!(f(&start["grad_norm"]) < 1e-6, "start {k} is critical");
        for file in ["loss", "cost", "path", "plane"] {
            let name = format!("race{k}_{file}.npy");
            let one = std::fs::read(outs[0].1.join(&name)).unwrap();
            assert_eq!(one, std::fs::read(outs[1].1.join(&name)).unwrap(), "{name}");
        }
    }
}

#[test]
fn bad_optimizers_settings_are_refused_before_any_folder() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let with = |a: &str, b: &str| {
        assert!(XOR.contains(a), "{a}");
        XOR.replace(a, b)
    };
    let exp = |extra: &str| with("grid = 9\n", &format!("grid = 9\n{extra}\n"));
    for (cfg, parts) in [
        (
            exp("optimizers = []"),
            vec!["bad.toml", "experiment.optimizers"],
        ),
        (
            exp("optimizers = [\"gd\", \"gd\"]"),
            vec!["experiment.optimizers[1]"],
        ),
        (exp("optimizers = [\"lbfgs\"]"), vec!["lbfgs"]),
        (with("steps = 60", "steps = 0"), vec!["experiment.steps"]),
        (
            with("adam_lr = 0.05", "adam_lr = -1.0"),
            vec!["experiment.adam_lr"],
        ),
        (
            with("damping = 0.01", "damping = nan"),
            vec!["experiment.damping"],
        ),
        (exp("escape_drop = 1.5"), vec!["experiment.escape_drop"]),
        (with("grid = 9", "grid = 2"), vec!["experiment.grid"]),
        (
            with("krylov_dim = 9", "krylov_dim = 0"),
            vec!["experiment.krylov_dim"],
        ),
        (exp("budget = \"time\""), vec!["time"]),
        (
            with("start = \"plateau\"", "start = \"weights\""),
            vec!["experiment.start", "weights"],
        ),
        (
            with("start = \"plateau\"", "start = \"saddles\""),
            vec!["train", "plateau"],
        ),
        (
            XOR.replace("[train]\noptimizer = \"gd\"\nlr = 0.5\nepochs = 2000\n", ""),
            vec!["train"],
        ),
    ] {
        run_bad(d, &cfg, &parts);
    }
}
