//! Kind `slice`: the loss (and accuracy) on a 1-D line or 2-D plane through parameter
//! space around a center, θ(a, b) = θ₀ + a·d_x + b·d_y (Li et al. 2018; Goodfellow et
//! al. 2015 for model-to-model lines).
//!
//! Order of work, so that bad input never touches an output folder and a killed sweep
//! resumes: validate everything and load every input file; fingerprint the resolved
//! config and the input files; if the folder holds a sweep log, check it belongs to this
//! config (else refuse, or start over with `--fresh`); only then write. The center and
//! the directions are saved before the sweep starts (`center.safetensors`,
//! `dir_x.npy`, `dir_y.npy`, `path.npy` for PCA), so a resumed run reads them back
//! instead of training again, and the log holds every finished grid point.

use super::setup::{build, center_kind, rng, train_center};
use super::{num, resolved_config, Context};
use crate::config::{Center, DirectionKind, LoadedConfig, SliceConfig};
use crate::error::{Error, Result};
use crate::io::hash::{fnv1a64, fnv1a64_extend};
use crate::io::npy;
use crate::io::run_dir::RunDir;
use crate::landscape::directions::{self as dirs, Ignore, Normalization};
use crate::landscape::grid::{Evaluator, Plane, N_VALUES, VALUE_NAMES};
use crate::landscape::store::GridStore;
use crate::landscape::Axis;
use crate::linalg::{cosine, gaussian};
use crate::nn::weights;
use crate::progress::Progress;
use crate::scalar::Scalar;
use crate::seeded::Stream;
use serde_json::{json, Value};
use std::path::Path;

/// The sweep log's file name inside the run folder.
pub const LOG: &str = "sweep.log";

/// Directions as resolved for this run: one (dx, dy) pair per repeat.
struct Directions {
    x: Vec<Vec<f64>>,
    y: Option<Vec<f64>>,
    pca: Option<dirs::Pca>,
}

fn check_axis(cfg: &LoadedConfig, name: &str, a: &Axis) -> Result<()> {
    let [lo, hi] = a.range;
    if !(lo.is_finite() && hi.is_finite()) || lo >= hi {
        return Err(cfg.err(
            &format!("experiment.{name}.range"),
            format!("needs [min, max] with min < max, got [{lo}, {hi}]"),
        ));
    }
    if a.points < 2 {
        return Err(cfg.err(
            &format!("experiment.{name}.points"),
            format!("needs at least 2 points, got {}", a.points),
        ));
    }
    Ok(())
}

/// Everything about the slice's settings that can be checked before loading data.
pub(super) fn validate(cfg: &LoadedConfig, sc: &SliceConfig, center: Center) -> Result<()> {
    check_axis(cfg, "x", &sc.x)?;
    if let Some(y) = &sc.y {
        check_axis(cfg, "y", y)?;
    }
    let two_d = sc.y.is_some();
    let need = |field: &str, v: &Option<String>, why: &str| match v {
        Some(_) => Ok(()),
        None => Err(cfg.err(&format!("experiment.{field}"), format!("missing: {why}"))),
    };
    let unused = |field: &str, v: &Option<String>| match v {
        Some(_) => Err(cfg.err(
            &format!("experiment.{field}"),
            format!(
                "is not used with directions = \"{}\"",
                kind_name(sc.directions)
            ),
        )),
        None => Ok(()),
    };
    match sc.directions {
        DirectionKind::Files => {
            need(
                "dir_x",
                &sc.dir_x,
                "directions = \"files\" needs dir_x (a .npy vector)",
            )?;
            if two_d {
                need(
                    "dir_y",
                    &sc.dir_y,
                    "a 2-D slice with directions = \"files\" needs dir_y",
                )?;
            }
        }
        DirectionKind::Models => {
            need(
                "model_x",
                &sc.model_x,
                "directions = \"models\" needs model_x (a weights file)",
            )?;
            if two_d {
                need(
                    "model_y",
                    &sc.model_y,
                    "a 2-D slice with directions = \"models\" needs model_y",
                )?;
            }
        }
        DirectionKind::Pca => {
            if center != Center::Trained {
                return Err(cfg.err(
                    "experiment.directions",
                    "pca needs a training trajectory: use center = \"trained\" with a [train] table",
                ));
            }
        }
        DirectionKind::Random | DirectionKind::Hessian => {}
    }
    if sc.directions != DirectionKind::Files {
        unused("dir_x", &sc.dir_x)?;
        unused("dir_y", &sc.dir_y)?;
    }
    if sc.directions != DirectionKind::Models {
        unused("model_x", &sc.model_x)?;
        unused("model_y", &sc.model_y)?;
    }
    if !two_d {
        if sc.dir_y.is_some() || sc.model_y.is_some() {
            return Err(cfg.err(
                "experiment.y",
                "dir_y/model_y given but no y axis: add y = { range = [..], points = N }",
            ));
        }
        if sc.orthogonalize {
            return Err(cfg.err("experiment.orthogonalize", "needs a 2-D slice (a y axis)"));
        }
    }
    if sc.repeat == 0 {
        return Err(cfg.err("experiment.repeat", "must be at least 1"));
    }
    if sc.repeat > 1 && (two_d || sc.directions != DirectionKind::Random) {
        return Err(cfg.err(
            "experiment.repeat",
            "repeated directions are for 1-D slices with directions = \"random\"",
        ));
    }
    if sc.curvature && !two_d {
        return Err(cfg.err("experiment.curvature", "needs a 2-D slice (a y axis)"));
    }
    if sc.curvature && sc.curvature_steps < 2 {
        return Err(cfg.err(
            "experiment.curvature_steps",
            "needs at least 2 Lanczos steps",
        ));
    }
    if sc.levels < 2 {
        return Err(cfg.err("experiment.levels", "needs at least 2 contour levels"));
    }
    Ok(())
}

fn kind_name(k: DirectionKind) -> &'static str {
    match k {
        DirectionKind::Random => "random",
        DirectionKind::Files => "files",
        DirectionKind::Models => "models",
        DirectionKind::Pca => "pca",
        DirectionKind::Hessian => "hessian",
    }
}

/// The summary of this kind, still built by hand (being moved to a typed struct).
pub type SliceReport = Value;

pub fn run<S: Scalar>(ctx: &Context, sc: &SliceConfig, fresh: bool) -> Result<Value> {
    let cfg = &ctx.cfg;
    let model = cfg.model()?;
    let center_kind = center_kind(cfg, model, sc.center)?;
    validate(cfg, sc, center_kind)?;
    let mut setup = build::<S>(cfg, model, center_kind == Center::Trained)?;
    let plan = match center_kind {
        Center::Trained => Some(cfg.train_plan(cfg.train()?, setup.train.n)?),
        _ => None,
    };
    if sc.directions == DirectionKind::Pca && plan.as_ref().is_some_and(|p| p.snapshot_every == 0) {
        return Err(cfg.err(
            "train.snapshot_every",
            "pca needs parameter snapshots; set snapshot_every ≥ 1",
        ));
    }
    let layout = setup.mlp.layout.clone();
    let p = layout.n_params();

    // Effective settings (defaults resolved), part of the sweep's fingerprint.
    let normalization = sc.normalization.unwrap_or(match sc.directions {
        DirectionKind::Random | DirectionKind::Files => Normalization::Filter,
        DirectionKind::Models | DirectionKind::Pca | DirectionKind::Hessian => Normalization::None,
    });
    let ignore = sc.ignore.unwrap_or(match sc.directions {
        DirectionKind::Random | DirectionKind::Files => Ignore::Bias,
        DirectionKind::Models | DirectionKind::Pca | DirectionKind::Hessian => Ignore::None,
    });
    // Load every direction input now: wrong lengths or shapes are errors before any write.
    let settings = format!(
        "{center_kind:?} {normalization:?} {ignore:?} losscape {}",
        env!("CARGO_PKG_VERSION")
    );
    let mut fingerprint = fnv1a64(resolved_config(cfg)?.as_bytes());
    fingerprint = fnv1a64_extend(fingerprint, settings.as_bytes());
    let mut loaded: Vec<Vec<f64>> = Vec::new();
    for f in [&sc.dir_x, &sc.dir_y].into_iter().flatten() {
        let path = cfg.resolve(f);
        loaded.push(dirs::load_npy_direction(&path, p)?);
    }
    for f in [&sc.model_x, &sc.model_y].into_iter().flatten() {
        loaded.push(weights::load::<f64>(&cfg.resolve(f), &layout)?);
    }
    for v in &loaded {
        fingerprint = fnv1a64_extend(fingerprint, &<f64 as Scalar>::to_le_bytes_vec(v));
    }
    let config_fingerprint = format!("{fingerprint:016x}");

    let coords_x = sc.x.coords();
    let coords_y = sc.y.as_ref().map(|y| y.coords());
    let ny = coords_y.as_ref().map_or(1, |c| c.len());
    let n_lines = sc.repeat;
    let n_points = coords_x.len() * ny * n_lines;

    // A sweep log in the folder must belong to this config: checked before any work.
    // Its fingerprint is "<config>-<saved files>": the second half is the checksum of
    // the center, the training note and the directions saved when the sweep started,
    // so a resumed sweep never mixes points of other directions.
    let log_path = ctx.out.join(LOG);
    let logged = if fresh {
        None
    } else {
        GridStore::logged_fingerprint(&log_path)?
    };
    if let Some(logged) = &logged {
        if logged.split('-').next() != Some(config_fingerprint.as_str()) {
            // Opening it reports the mismatch, naming the folder and --fresh.
            GridStore::open(&log_path, &config_fingerprint, n_points, N_VALUES, false)?;
        }
    }
    let two_d = coords_y.is_some();
    let is_pca = sc.directions == DirectionKind::Pca;
    let saved = match &logged {
        Some(_) => read_saved(&RunDir::at(&ctx.out), &layout, n_lines, two_d, is_pca)?,
        None => None,
    };
    let (center, training, snapshots, saved_directions) = match saved {
        Some(s) => (s.center, s.training, Vec::new(), Some(s.directions)),
        None => {
            // A new sweep: the center and the directions are computed (and every check
            // on them made) before the folder is claimed.
            let mut training = Value::Null;
            let mut snapshots: Vec<Vec<f64>> = Vec::new();
            if let Some(plan) = &plan {
                let traj = train_center(cfg, &mut setup, plan, ctx.quiet)?;
                training =
                    json!({ "steps": traj.steps, "final_train_loss": num(traj.last().train_loss) });
                snapshots = traj
                    .snapshots
                    .iter()
                    .map(|s| s.theta.iter().map(|v| v.f64()).collect())
                    .collect();
            }
            let center: Vec<f64> = setup.theta.iter().map(|v| v.f64()).collect();
            (center, training, snapshots, None)
        }
    };
    let eig = if sc.directions == DirectionKind::Hessian {
        Some(hessian_extremes(cfg, &setup, &center)?)
    } else {
        None
    };
    let resuming = saved_directions.is_some();
    let directions = match saved_directions {
        Some(d) => d,
        None => make_directions(
            cfg,
            eig.as_ref(),
            sc,
            &center,
            &snapshots,
            &loaded,
            &layout,
            normalization,
            ignore,
        )?,
    };
    let dir = ctx.create_dir()?;
    if !resuming {
        dir.save_weights::<f64>(CENTER, &layout, &center)?;
        dir.write_json(TRAINING, &training)?;
        save_directions(&dir, &directions, p)?;
    }
    if let Some(e) = &eig {
        dir.write_json(
            "hessian.json",
            &json!({ "lambda_max": e.lambda_max, "lambda_min": e.lambda_min, "residuals": e.residuals, "lanczos_steps": e.steps }),
        )?;
    }
    let fingerprint = format!(
        "{config_fingerprint}-{:016x}",
        saved_checksum(&center, &training, &directions)
    );
    let cosine_xy = directions.y.as_ref().map(|y| cosine(&directions.x[0], y));

    // The sweep.
    let (mut store, done) = GridStore::open(&log_path, &fingerprint, n_points, N_VALUES, !resuming)
        .map_err(|e| {
            if resuming {
                Error::data(
                    &log_path,
                    None,
                    format!(
                        "the center or the directions saved in {} changed since this sweep \
                         started (their checksum differs from the log's); rerun with --fresh",
                        ctx.out.display()
                    ),
                )
            } else {
                e
            }
        })?;
    let resumed = done.iter().filter(|d| d.is_some()).count();
    let planes: Vec<Plane> = directions
        .x
        .iter()
        .map(|dx| Plane {
            center: &center,
            dx,
            dy: directions.y.as_deref(),
        })
        .collect();
    let mut coords = Vec::with_capacity(n_points);
    for line in 0..n_lines {
        for j in 0..ny {
            for &a in &coords_x {
                coords.push((line, a, coords_y.as_ref().map_or(0.0, |c| c[j])));
            }
        }
    }
    let eval = Evaluator::new(&setup.mlp, &setup.train, setup.test.as_ref());
    let progress = Progress::new(n_points as u64, "slice", ctx.quiet);
    let t0 = std::time::Instant::now();
    let values = eval.sweep(&planes, &coords, done, &mut store, &progress)?;
    let sweep_seconds = t0.elapsed().as_secs_f64();
    progress.finish();
    let center_values = eval.measure(&planes[0], 0.0, 0.0);

    // Arrays: (ny, nx) for 2-D, (repeat, nx) for 1-D.
    let nx = coords_x.len();
    let shape: Vec<usize> = if coords_y.is_some() {
        vec![ny, nx]
    } else if n_lines > 1 {
        vec![n_lines, nx]
    } else {
        vec![nx]
    };
    let has_test = setup.test.is_some();
    let has_acc = setup.train.has_labels();
    for (k, name) in VALUE_NAMES.iter().enumerate() {
        let is_test = k >= 2;
        let is_acc = k % 2 == 1;
        if (is_test && !has_test) || (is_acc && !has_acc) {
            continue;
        }
        let col: Vec<f64> = values.iter().map(|v| v[k]).collect();
        dir.write_npy(&format!("{name}.npy"), &col, &shape)?;
    }
    dir.write_npy("x.npy", &coords_x, &[nx])?;
    if let Some(cy) = &coords_y {
        dir.write_npy("y.npy", cy, &[ny])?;
        let z: Vec<f64> = values.iter().map(|v| v[0]).collect();
        let mut scalars: Vec<(String, Vec<f64>)> = Vec::new();
        for (k, name) in VALUE_NAMES.iter().enumerate() {
            if (k >= 2 && !has_test) || (k % 2 == 1 && !has_acc) {
                continue;
            }
            scalars.push((name.to_string(), values.iter().map(|v| v[k]).collect()));
        }
        let refs: Vec<(&str, &[f64])> = scalars
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_slice()))
            .collect();
        dir.write_text(
            "train_loss.vtp",
            &crate::io::vtp::surface_vtp(&coords_x, cy, &z, &refs),
        )?;
    }

    // Summary numbers.
    let train_loss: Vec<f64> = values.iter().map(|v| v[0]).collect();
    let (mut min_loss, mut min_at) = (f64::NAN, Value::Null);
    for (i, &l) in train_loss.iter().enumerate() {
        if l.is_finite() && (min_loss.is_nan() || l < min_loss) {
            min_loss = l;
            let (_, a, b) = coords[i];
            min_at = if coords_y.is_some() {
                json!([a, b])
            } else {
                json!([a])
            };
        }
    }
    let summary = json!({
        "directions": kind_name(sc.directions),
        "normalization": format!("{normalization:?}").to_lowercase(),
        "ignore": format!("{ignore:?}").to_lowercase(),
        "center": format!("{center_kind:?}").to_lowercase(),
        "center_loss": num(center_values[0]),
        "center_accuracy": num(center_values[1]),
        "center_test_loss": num(center_values[2]),
        "min_loss": num(min_loss),
        "min_at": min_at,
        "cosine_xy": cosine_xy.map(num),
        "hessian_eigenvalues": eig.as_ref().map(|e| json!({ "max": num(e.lambda_max), "min": num(e.lambda_min), "residuals": e.residuals, "lanczos_steps": e.steps })),
        "explained_variance": directions.pca.as_ref().map(|p| p.explained_variance_ratio.to_vec()),
        "projection_error": directions.pca.as_ref().map(|p| num(p.projection_error)),
        "points": n_points,
        "grid": shape,
        "repeat": n_lines,
        "resumed_points": resumed,
        "sweep_seconds": sweep_seconds,
        "ms_per_point": if n_points > resumed { sweep_seconds * 1e3 / (n_points - resumed) as f64 } else { 0.0 },
        "n_params": p,
        "n_train": setup.train.n,
        "n_test": setup.test.as_ref().map(|t| t.n),
        "training": training,
        "log": sc.log,
        "levels": sc.levels,
    });
    let mut summary = summary;
    if sc.curvature {
        let planes_ref = &planes[0];
        let ratio = curvature_map(
            cfg,
            &setup,
            planes_ref,
            &coords,
            sc.curvature_steps,
            &dir,
            &shape,
            ctx.quiet,
        )?;
        summary["curvature"] = json!({
            "lanczos_steps": sc.curvature_steps.min(p),
            "max_ratio": num(ratio.iter().cloned().filter(|v| v.is_finite()).fold(f64::NAN, f64::max)),
        });
    }
    super::slice_figures::draw(
        &dir,
        &summary,
        &super::slice_figures::Style {
            log: sc.log,
            levels: sc.levels,
            vmin: None,
            vmax: None,
        },
    )?;
    Ok(summary)
}

#[allow(clippy::too_many_arguments)]
fn make_directions(
    cfg: &LoadedConfig,
    eig: Option<&HessianExtremes>,
    sc: &SliceConfig,
    center: &[f64],
    snapshots: &[Vec<f64>],
    loaded: &[Vec<f64>],
    layout: &crate::nn::Layout,
    normalization: Normalization,
    ignore: Ignore,
) -> Result<Directions> {
    let p = center.len();
    let two_d = sc.y.is_some();
    let norm = |mut d: Vec<f64>| {
        dirs::normalize(&mut d, center, layout, normalization, ignore);
        d
    };
    let mut pca = None;
    let (x, mut y): (Vec<Vec<f64>>, Option<Vec<f64>>) = match sc.directions {
        DirectionKind::Random => {
            let draw = |k: u64| gaussian(p, &mut rng(cfg.config.seed, Stream::SliceDirection(k)));
            let xs = (0..sc.repeat as u64).map(|r| norm(draw(2 * r))).collect();
            (xs, two_d.then(|| norm(draw(1))))
        }
        DirectionKind::Files => (
            vec![norm(loaded[0].clone())],
            two_d.then(|| norm(loaded[1].clone())),
        ),
        DirectionKind::Models => {
            let diff = |m: &Vec<f64>| {
                m.iter()
                    .zip(center)
                    .map(|(a, c)| a - c)
                    .collect::<Vec<f64>>()
            };
            (
                vec![norm(diff(&loaded[0]))],
                two_d.then(|| norm(diff(&loaded[1]))),
            )
        }
        DirectionKind::Hessian => {
            let e = eig.expect("computed for directions = hessian");
            (
                vec![norm(e.top.clone())],
                two_d.then(|| norm(e.bottom.clone())),
            )
        }
        DirectionKind::Pca => {
            let refs: Vec<&[f64]> = snapshots.iter().map(|s| s.as_slice()).collect();
            let pc = dirs::pca_directions(&refs, center)
                .map_err(|e| cfg.err("experiment.directions", format!("pca: {e}")))?;
            let out = (
                vec![norm(pc.dir_x.clone())],
                two_d.then(|| norm(pc.dir_y.clone())),
            );
            pca = Some(pc);
            out
        }
    };
    if sc.orthogonalize {
        if let Some(y) = y.as_mut() {
            dirs::orthogonalize(y, &x[0]);
        }
    }
    if x.iter()
        .chain(y.iter())
        .any(|d| crate::linalg::norm(d) == 0.0)
    {
        return Err(cfg.err(
            "experiment.directions",
            "a direction is zero after normalisation (e.g. model_x equals the center, or all its entries are biases with ignore = \"bias\")",
        ));
    }
    Ok(Directions { x, y, pca })
}

fn save_directions(dir: &RunDir, d: &Directions, p: usize) -> Result<()> {
    let flat: Vec<f64> = d.x.concat();
    let shape = if d.x.len() > 1 {
        vec![d.x.len(), p]
    } else {
        vec![p]
    };
    dir.write_npy("dir_x.npy", &flat, &shape)?;
    if let Some(y) = &d.y {
        dir.write_npy("dir_y.npy", y, &[p])?;
    }
    if let Some(pca) = &d.pca {
        let path: Vec<f64> = pca.coords.iter().flat_map(|&(a, b)| [a, b]).collect();
        dir.write_npy("path.npy", &path, &[pca.coords.len(), 2])?;
        let meta = json!({
            "explained_variance_ratio": pca.explained_variance_ratio.to_vec(),
            "projection_error": pca.projection_error,
        });
        dir.write_json("pca.json", &meta)?;
    }
    Ok(())
}

/// What a sweep saves before its first point, so that a resumed run reads it back
/// instead of training again: the center, the training note and the directions.
struct Saved {
    center: Vec<f64>,
    training: Value,
    directions: Directions,
}

/// The center and training note of a new sweep's folder.
const CENTER: &str = "center.safetensors";
const TRAINING: &str = "training.json";

/// What an interrupted sweep saved in `dir`, or None when any of it is missing.
fn read_saved(
    dir: &RunDir,
    layout: &crate::nn::Layout,
    lines: usize,
    two_d: bool,
    pca: bool,
) -> Result<Option<Saved>> {
    let mut needed = vec![CENTER, TRAINING, "dir_x.npy"];
    if two_d {
        needed.push("dir_y.npy");
    }
    if pca {
        needed.extend(["path.npy", "pca.json"]);
    }
    if !needed.iter().all(|f| dir.path(f).is_file()) {
        return Ok(None);
    }
    let center = weights::load::<f64>(&dir.path(CENTER), layout)?;
    let training = read_json(&dir.path(TRAINING))?;
    let directions = read_directions(dir, layout.n_params(), lines, two_d, pca)?;
    Ok(Some(Saved {
        center,
        training,
        directions,
    }))
}

/// A small JSON file of our own in the run folder.
fn read_json(path: &Path) -> Result<Value> {
    let text = crate::io::read::read_input_text(path, crate::io::read::CONFIG_LIMIT)?;
    serde_json::from_str(&text).map_err(|e| Error::data(path, None, format!("not JSON: {e}")))
}

/// Checksum of what a sweep saved before its first point (FNV-1a of the values' bytes
/// and the training note's text), recorded in the sweep log's fingerprint.
fn saved_checksum(center: &[f64], training: &Value, d: &Directions) -> u64 {
    let mut bytes = <f64 as Scalar>::to_le_bytes_vec(center);
    bytes.extend_from_slice(training.to_string().as_bytes());
    for v in d.x.iter().chain(d.y.iter()) {
        bytes.extend(<f64 as Scalar>::to_le_bytes_vec(v));
    }
    if let Some(pca) = &d.pca {
        for &(a, b) in &pca.coords {
            bytes.extend(a.to_le_bytes());
            bytes.extend(b.to_le_bytes());
        }
    }
    fnv1a64(&bytes)
}

/// Directions saved by an interrupted run of the same config.
fn read_directions(
    dir: &RunDir,
    p: usize,
    lines: usize,
    two_d: bool,
    pca: bool,
) -> Result<Directions> {
    let (flat, _) = npy::read(&dir.path("dir_x.npy"))?;
    if flat.len() != lines * p {
        return Err(Error::data(
            dir.path("dir_x.npy"),
            None,
            "saved directions do not fit this config; rerun with --fresh",
        ));
    }
    let x = flat.chunks(p).map(<[f64]>::to_vec).collect();
    let y = if two_d {
        Some(npy::read(&dir.path("dir_y.npy"))?.0)
    } else {
        None
    };
    let pca = if pca {
        let (path, _) = npy::read(&dir.path("path.npy"))?;
        let meta = read_json(&dir.path("pca.json"))?;
        let ev = |i: usize| {
            meta["explained_variance_ratio"][i]
                .as_f64()
                .unwrap_or(f64::NAN)
        };
        Some(dirs::Pca {
            dir_x: Vec::new(),
            dir_y: Vec::new(),
            explained_variance_ratio: [ev(0), ev(1)],
            coords: path.chunks(2).map(|c| (c[0], c[1])).collect(),
            projection_error: meta["projection_error"].as_f64().unwrap_or(f64::NAN),
        })
    } else {
        None
    };
    Ok(Directions { x, y, pca })
}

/// λmax and λmin of the training loss's Hessian at every grid point (f64, Lanczos with
/// `steps` steps from a start vector seeded per point), written as `lambda_max.npy`,
/// `lambda_min.npy` and `curvature_ratio.npy` (|λmin/λmax|). Returns the ratios.
#[allow(clippy::too_many_arguments)]
fn curvature_map<S: Scalar>(
    cfg: &LoadedConfig,
    setup: &super::setup::Setup<S>,
    plane: &Plane,
    coords: &[(usize, f64, f64)],
    steps: usize,
    dir: &RunDir,
    shape: &[usize],
    quiet: bool,
) -> Result<Vec<f64>> {
    use crate::curvature::{extreme_pairs, ObjectiveHessian};
    use rayon::prelude::*;
    let data = setup.train_f64(cfg)?;
    let p = setup.mlp.n_params();
    let progress = Progress::new(coords.len() as u64, "curvature", quiet);
    let pairs: Vec<(f64, f64)> = coords
        .par_iter()
        .enumerate()
        .map(|(i, &(_, a, b))| {
            // One objective (and buffer pool) per point: the points run in parallel.
            let obj = crate::objective::MlpObjective::new(&setup.mlp, &data);
            let mut theta = vec![0.0f64; p];
            plane.point(a, b, &mut theta);
            let op = ObjectiveHessian::new(&obj, &theta);
            let (top, bottom) = extreme_pairs(
                &op,
                steps,
                1e-6,
                &mut rng(cfg.config.seed, Stream::CurvaturePoint(i as u64)),
            );
            progress.inc(1);
            (top.value, bottom.value)
        })
        .collect();
    progress.finish();
    let (lmax, lmin): (Vec<f64>, Vec<f64>) = pairs.into_iter().unzip();
    let ratio: Vec<f64> = lmax
        .iter()
        .zip(&lmin)
        .map(|(hi, lo)| (lo / hi).abs())
        .collect();
    dir.write_npy("lambda_max.npy", &lmax, shape)?;
    dir.write_npy("lambda_min.npy", &lmin, shape)?;
    dir.write_npy("curvature_ratio.npy", &ratio, shape)?;
    Ok(ratio)
}

/// The Hessian's extreme eigenpairs at the center (f64, Lanczos).
struct HessianExtremes {
    lambda_max: f64,
    lambda_min: f64,
    top: Vec<f64>,
    bottom: Vec<f64>,
    residuals: Vec<f64>,
    steps: usize,
}

/// Lanczos for the largest and the most negative eigenpair of the training loss's
/// Hessian at `center`, always in f64.
fn hessian_extremes<S: Scalar>(
    cfg: &LoadedConfig,
    setup: &super::setup::Setup<S>,
    center: &[f64],
) -> Result<HessianExtremes> {
    use crate::curvature::{extreme_pairs, ObjectiveHessian};
    let data = setup.train_f64(cfg)?;
    let obj = crate::objective::MlpObjective::new(&setup.mlp, &data);
    let op = ObjectiveHessian::new(&obj, center);
    let steps = 300;
    let (top, bottom) = extreme_pairs(
        &op,
        steps,
        1e-8,
        &mut rng(cfg.config.seed, Stream::SliceHessian),
    );
    let e = HessianExtremes {
        lambda_max: top.value,
        lambda_min: bottom.value,
        top: top.vector,
        bottom: bottom.vector,
        residuals: vec![top.residual, bottom.residual],
        steps: steps.min(center.len()),
    };
    Ok(e)
}

/// Whether `path` holds a slice run (for `losscape plot`).
pub fn is_slice_run(path: &Path) -> bool {
    path.join("summary.json").exists() && path.join("x.npy").exists()
}
