//! What a slice sweep starts from: the center (trained, loaded or initial) with its
//! training note, and the directions (random, files, models, PCA of the training path,
//! or the Hessian's extreme eigenvectors), normalised. A new sweep saves them in the run
//! folder before its first point (`center.safetensors`, `training.json`, `dir_x.npy`,
//! `dir_y.npy`, `path.npy` and `pca.json` for PCA) and records their checksum in the
//! sweep log's fingerprint; a resumed sweep reads them back instead of training again.
//! The files' formats are those of every earlier version, so an interrupted sweep of one
//! resumes.

use super::{Context, HessianEigenvalues, Prepared, TrainingNote, LOG};
use crate::config::{DirectionKind, LoadedConfig, SliceConfig};
use crate::error::{Error, Result};
use crate::experiment::setup::{rng, train_center, Setup};
use crate::io::npy;
use crate::io::run_dir::RunDir;
use crate::json_num::{nan_if_null, nans_if_null};
use crate::landscape::directions as dirs;
use crate::landscape::grid::N_VALUES;
use crate::landscape::pca::pca_directions;
use crate::landscape::store::GridStore;
use crate::linalg::gaussian;
use crate::nn::{weights, Layout};
use crate::scalar::Scalar;
use crate::seeded::Stream;
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use std::path::Path;

/// The center and training note of a new sweep's folder.
const CENTER: &str = "center.safetensors";
const TRAINING: &str = "training.json";
/// Lanczos steps of `directions = "hessian"`.
const HESSIAN_STEPS: usize = 300;

/// The directions of this run: one d_x per line (repeat), d_y for a 2-D slice, and the
/// projected training path for PCA.
pub(super) struct Directions {
    pub(super) x: Vec<Vec<f64>>,
    pub(super) y: Option<Vec<f64>>,
    pub(super) pca: Option<PcaPath>,
}

/// What `pca.json` holds: the share of variance along d_x and d_y and the path's
/// distance from the plane ([`crate::landscape::pca::Pca`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(super) struct PcaNote {
    #[serde(deserialize_with = "nans_if_null")]
    pub(super) explained_variance_ratio: Vec<f64>,
    #[serde(deserialize_with = "nan_if_null")]
    pub(super) projection_error: f64,
}

/// The training path projected on the PCA plane (`path.npy`) and its [`PcaNote`].
pub(super) struct PcaPath {
    pub(super) note: PcaNote,
    pub(super) coords: Vec<(f64, f64)>,
}

/// The Hessian's extreme eigenpairs at the center (f64, Lanczos).
pub(super) struct HessianExtremes {
    pub(super) eigenvalues: HessianEigenvalues,
    pub(super) top: Vec<f64>,
    pub(super) bottom: Vec<f64>,
}

/// The center, its training note and the directions: read back from the folder of an
/// interrupted sweep of this config, or computed (training the center if need be).
pub(super) struct Start {
    pub(super) center: Vec<f64>,
    pub(super) training: Option<TrainingNote>,
    pub(super) directions: Directions,
    pub(super) hessian: Option<HessianExtremes>,
    /// Read back from an interrupted sweep.
    pub(super) resuming: bool,
}

/// A sweep log in the folder must belong to this config: checked before any work. Its
/// fingerprint is "<config>-<saved files>": the second half is the checksum of the
/// center, the training note and the directions saved when the sweep started, so a
/// resumed sweep never mixes points of other directions. Then the center and the
/// directions are read back or computed, with every check on them made before the
/// folder is claimed.
pub(super) fn start<S: Scalar>(
    ctx: &Context,
    sc: &SliceConfig,
    prep: &mut Prepared<S>,
) -> Result<Start> {
    let cfg = &ctx.cfg;
    let log_path = ctx.out.join(LOG);
    let logged = if ctx.fresh {
        None
    } else {
        GridStore::logged_fingerprint(&log_path)?
    };
    if let Some(logged) = &logged {
        if logged.split('-').next() != Some(prep.config_fingerprint.as_str()) {
            // Opening it reports the mismatch, naming the folder and --fresh.
            GridStore::open(
                &log_path,
                &prep.config_fingerprint,
                prep.n_points,
                N_VALUES,
                false,
            )?;
        }
    }
    let saved = match &logged {
        Some(_) => read_saved(
            &RunDir::at(&ctx.out),
            prep.layout(),
            sc.repeat,
            prep.y.is_some(),
            sc.directions == DirectionKind::Pca,
        )?,
        None => None,
    };
    let (center, training, snapshots, saved_directions) = match saved {
        Some(s) => (s.center, s.training, Vec::new(), Some(s.directions)),
        None => {
            let mut training = None;
            let mut snapshots: Vec<Vec<f64>> = Vec::new();
            if let Some(plan) = &prep.plan {
                let traj = train_center(cfg, &mut prep.setup, plan, ctx.quiet)?;
                training = Some(TrainingNote {
                    final_train_loss: traj.last().train_loss,
                    steps: traj.steps,
                });
                snapshots = traj
                    .snapshots
                    .iter()
                    .map(|s| s.theta.iter().map(|v| v.f64()).collect())
                    .collect();
            }
            let center: Vec<f64> = prep.setup.theta.iter().map(|v| v.f64()).collect();
            (center, training, snapshots, None)
        }
    };
    let hessian = match sc.directions {
        DirectionKind::Hessian => Some(hessian_extremes(cfg, &prep.setup, &center)?),
        _ => None,
    };
    let resuming = saved_directions.is_some();
    let directions = match saved_directions {
        Some(d) => d,
        None => make_directions(cfg, sc, prep, hessian.as_ref(), &center, &snapshots)?,
    };
    Ok(Start {
        center,
        training,
        directions,
        hessian,
        resuming,
    })
}

/// The directions of a new sweep, normalised, y orthogonalised on request; an error
/// naming `experiment.directions` when one is zero.
fn make_directions<S>(
    cfg: &LoadedConfig,
    sc: &SliceConfig,
    prep: &Prepared<S>,
    hessian: Option<&HessianExtremes>,
    center: &[f64],
    snapshots: &[Vec<f64>],
) -> Result<Directions> {
    let p = center.len();
    let two_d = sc.y.is_some();
    let loaded = &prep.loaded;
    let norm =
        |d: Vec<f64>| dirs::normalized(d, center, prep.layout(), prep.normalization, prep.ignore);
    let mut pca = None;
    let (x, mut y): (Vec<Vec<f64>>, Option<Vec<f64>>) = match sc.directions {
        DirectionKind::Random => {
            let draw = |s: u64| gaussian(p, &mut rng(cfg.config.seed, Stream::SliceDirection(s)));
            let xs = (0..sc.repeat as u64).map(|r| norm(draw(2 * r))).collect();
            (xs, two_d.then(|| norm(draw(1))))
        }
        DirectionKind::Files => (
            vec![norm(loaded[0].clone())],
            two_d.then(|| norm(loaded[1].clone())),
        ),
        DirectionKind::Models => {
            let diff = |m: &Vec<f64>| m.iter().zip(center).map(|(a, c)| a - c).collect();
            (
                vec![norm(diff(&loaded[0]))],
                two_d.then(|| norm(diff(&loaded[1]))),
            )
        }
        DirectionKind::Hessian => {
            let e = hessian.expect("computed for directions = hessian");
            (
                vec![norm(e.top.clone())],
                two_d.then(|| norm(e.bottom.clone())),
            )
        }
        DirectionKind::Pca => {
            let refs: Vec<&[f64]> = snapshots.iter().map(|s| s.as_slice()).collect();
            let pc = pca_directions(&refs, center)
                .map_err(|e| cfg.err("experiment.directions", format!("pca: {e}")))?;
            let out = (
                vec![norm(pc.dir_x.clone())],
                two_d.then(|| norm(pc.dir_y.clone())),
            );
            pca = Some(PcaPath {
                note: PcaNote {
                    explained_variance_ratio: pc.explained_variance_ratio.to_vec(),
                    projection_error: pc.projection_error,
                },
                coords: pc.coords,
            });
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

/// `value` as a JSON value: objects' keys sorted, as every version wrote these files.
pub(super) fn json_value<T: Serialize>(value: &T, file: &str) -> Result<serde_json::Value> {
    serde_json::to_value(value).map_err(|e| Error::output(file, e))
}

/// Saves what a new sweep starts from: the center, the training note and the
/// directions (with the PCA path), so that a resumed run reads them back.
pub(super) fn save_start(dir: &RunDir, start: &Start, layout: &Layout) -> Result<()> {
    dir.save_weights::<f64>(CENTER, layout, &start.center)?;
    dir.write_json(TRAINING, &json_value(&start.training, TRAINING)?)?;
    let d = &start.directions;
    let p = layout.n_params();
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
        dir.write_json("pca.json", &json_value(&pca.note, "pca.json")?)?;
    }
    Ok(())
}

/// What an interrupted sweep saved in `dir`, or None when any of it is missing.
fn read_saved(
    dir: &RunDir,
    layout: &Layout,
    lines: usize,
    two_d: bool,
    pca: bool,
) -> Result<Option<Start>> {
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
    Ok(Some(Start {
        center: weights::load::<f64>(&dir.path(CENTER), layout)?,
        training: read_json(&dir.path(TRAINING))?,
        directions: read_directions(dir, layout.n_params(), lines, two_d, pca)?,
        hessian: None,
        resuming: true,
    }))
}

/// A small JSON file of our own in the run folder.
fn read_json<T: DeserializeOwned>(path: &Path) -> Result<T> {
    let text = crate::io::read::read_input_text(path, crate::io::read::CONFIG_LIMIT)?;
    serde_json::from_str(&text).map_err(|e| {
        Error::data(
            path,
            None,
            format!("not what this sweep saved: {e}; rerun with --fresh"),
        )
    })
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
        Some(PcaPath {
            note: read_json(&dir.path("pca.json"))?,
            coords: path.chunks(2).map(|c| (c[0], c[1])).collect(),
        })
    } else {
        None
    };
    Ok(Directions { x, y, pca })
}

/// Checksum of what a sweep saved before its first point (FNV-1a of the values' bytes
/// and the training note's JSON text, keys sorted), recorded in the sweep log's
/// fingerprint.
pub(super) fn saved_checksum(start: &Start) -> Result<u64> {
    let d = &start.directions;
    let mut bytes = <f64 as Scalar>::to_le_bytes_vec(&start.center);
    let training = json_value(&start.training, TRAINING)?.to_string();
    bytes.extend_from_slice(training.as_bytes());
    for v in d.x.iter().chain(d.y.iter()) {
        bytes.extend(<f64 as Scalar>::to_le_bytes_vec(v));
    }
    if let Some(pca) = &d.pca {
        for &(a, b) in &pca.coords {
            bytes.extend(a.to_le_bytes());
            bytes.extend(b.to_le_bytes());
        }
    }
    Ok(crate::io::hash::fnv1a64(&bytes))
}

/// Lanczos for the largest and the most negative eigenpair of the training loss's
/// Hessian at `center`, always in f64.
fn hessian_extremes<S: Scalar>(
    cfg: &LoadedConfig,
    setup: &Setup<S>,
    center: &[f64],
) -> Result<HessianExtremes> {
    use crate::curvature::{extreme_pairs, ObjectiveHessian};
    let data = setup.train_f64(cfg)?;
    let obj = crate::objective::MlpObjective::new(&setup.mlp, &data);
    let op = ObjectiveHessian::new(&obj, center);
    let (top, bottom) = extreme_pairs(
        &op,
        HESSIAN_STEPS,
        1e-8,
        &mut rng(cfg.config.seed, Stream::SliceHessian),
    );
    Ok(HessianExtremes {
        eigenvalues: HessianEigenvalues {
            max: top.value,
            min: bottom.value,
            residuals: vec![top.residual, bottom.residual],
            lanczos_steps: HESSIAN_STEPS.min(center.len()),
        },
        top: top.vector,
        bottom: bottom.vector,
    })
}
