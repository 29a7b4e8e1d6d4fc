//! The curvature along the `[train]` run of kind `saddles`: at every snapshot, the
//! training loss, ‖∇L‖, λmax and λmin (exact when the spectrum settings are, else
//! Lanczos), and the saddle visits among them: runs of snapshots with
//! ‖∇L‖ ≤ visit_grad_frac·max‖∇L‖ and λmin < −index_tol·|λ|max (the plateaus of
//! Dauphin et al. 2014).
//!
//! Saved as `track_{step,loss,grad_norm,lambda_max,lambda_min}.npy` and drawn as
//! `curvature_track.png`, the visits (in the report) shaded.

use crate::critical::SpectrumSettings;
use crate::curvature::{extreme_pairs, Counted, ObjectiveHessian};
use crate::error::Result;
use crate::io::run_dir::RunDir;
use crate::json_num::nan_if_null;
use crate::nn::Mlp;
use crate::nn::Samples;
use crate::objective::MlpObjective;
use crate::optim::Trajectory;
use crate::plot::critical::{curvature_track, CurvatureTrack};
use crate::progress::Progress;
use crate::scalar::Scalar;
use crate::seeded::{rng, Stream};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// The tracked arrays, one entry per snapshot of the run.
#[derive(Clone, Debug, PartialEq)]
pub struct CurvatureAlongRun {
    pub step: Vec<f64>,
    pub loss: Vec<f64>,
    pub grad_norm: Vec<f64>,
    pub lambda_max: Vec<f64>,
    pub lambda_min: Vec<f64>,
}

/// The `track` section of a saddles `summary.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrackReport {
    /// Snapshots tracked.
    pub points: usize,
    /// Training steps between them.
    pub every: usize,
    pub visit_grad_frac: f64,
    /// The saddle visits, as inclusive [first step, last step] ranges.
    pub saddle_visits: Vec<[usize; 2]>,
    #[serde(deserialize_with = "nan_if_null")]
    pub lambda_min_lowest: f64,
    #[serde(deserialize_with = "nan_if_null")]
    pub lambda_max_highest: f64,
}

/// The array files, in the order of the fields of [`CurvatureAlongRun`].
const FILES: [&str; 5] = [
    "track_step.npy",
    "track_loss.npy",
    "track_grad_norm.npy",
    "track_lambda_max.npy",
    "track_lambda_min.npy",
];

/// λmax and λmin at every snapshot of `traj` (snapshots taken at its records), and the
/// HVPs spent on them.
pub(super) fn track_curvature<S: Scalar>(
    mlp: &Mlp,
    data: &Samples<f64>,
    traj: &Trajectory<S>,
    spectrum: &SpectrumSettings,
    seed: u64,
    quiet: bool,
) -> (CurvatureAlongRun, usize) {
    let p = mlp.n_params();
    let budget = if spectrum.exact {
        p
    } else {
        spectrum.lanczos_steps
    };
    let progress = Progress::new(traj.snapshots.len() as u64, "curvature", quiet);
    let pairs: Vec<(f64, f64, usize)> = traj
        .snapshots
        .par_iter()
        .enumerate()
        .map(|(j, snap)| {
            let theta: Vec<f64> = snap.theta.iter().map(|v| v.f64()).collect();
            let obj = MlpObjective::new(mlp, data);
            let hessian = ObjectiveHessian::new(&obj, &theta);
            let h = Counted::new(&hessian);
            let (top, bottom) = extreme_pairs(
                &h,
                budget,
                spectrum.tol,
                &mut rng(seed, Stream::SaddleTrack(j as u64)),
            );
            progress.inc(1);
            (top.value, bottom.value, h.hvps())
        })
        .collect();
    progress.finish();
    // Snapshots are taken at the records (snapshot_every = 1).
    let records = &traj.records[..traj.snapshots.len()];
    let curvature = CurvatureAlongRun {
        step: records.iter().map(|r| r.step as f64).collect(),
        loss: records.iter().map(|r| r.train_loss).collect(),
        grad_norm: records.iter().map(|r| r.grad_norm).collect(),
        lambda_max: pairs.iter().map(|p| p.0).collect(),
        lambda_min: pairs.iter().map(|p| p.1).collect(),
    };
    (curvature, pairs.iter().map(|p| p.2).sum())
}

impl CurvatureAlongRun {
    /// The report of a run recorded every `every` steps, with its saddle visits.
    pub fn report(&self, every: usize, visit_grad_frac: f64, index_tol: f64) -> TrackReport {
        let g_max = self.grad_norm.iter().cloned().fold(0.0f64, f64::max);
        let visiting: Vec<bool> = (0..self.step.len())
            .map(|i| {
                let scale = self.lambda_max[i].abs().max(self.lambda_min[i].abs());
                self.grad_norm[i] <= visit_grad_frac * g_max
                    && self.lambda_min[i] < -index_tol * scale
            })
            .collect();
        TrackReport {
            points: self.step.len(),
            every,
            visit_grad_frac,
            saddle_visits: runs_of(&visiting, &self.step)
                .into_iter()
                .map(|(a, b)| [a as usize, b as usize])
                .collect(),
            lambda_min_lowest: self
                .lambda_min
                .iter()
                .cloned()
                .fold(f64::INFINITY, f64::min),
            lambda_max_highest: self
                .lambda_max
                .iter()
                .cloned()
                .fold(f64::NEG_INFINITY, f64::max),
        }
    }

    fn arrays(&self) -> [&Vec<f64>; 5] {
        [
            &self.step,
            &self.loss,
            &self.grad_norm,
            &self.lambda_max,
            &self.lambda_min,
        ]
    }

    pub fn save(&self, dir: &RunDir) -> Result<()> {
        for (name, v) in FILES.iter().zip(self.arrays()) {
            dir.write_npy(name, v, &[v.len()])?;
        }
        Ok(())
    }

    /// Reads the arrays of a run that tracked `points` snapshots.
    pub fn load(dir: &RunDir, points: usize) -> Result<CurvatureAlongRun> {
        let read = |name: &str| dir.read_npy(name, &[Some(points)]).map(|(v, _)| v);
        Ok(CurvatureAlongRun {
            step: read(FILES[0])?,
            loss: read(FILES[1])?,
            grad_norm: read(FILES[2])?,
            lambda_max: read(FILES[3])?,
            lambda_min: read(FILES[4])?,
        })
    }

    /// `curvature_track.png`, the `visits` shaded.
    pub fn draw(&self, dir: &RunDir, visits: &[[usize; 2]]) -> Result<()> {
        let visits: Vec<(f64, f64)> = visits.iter().map(|&[a, b]| (a as f64, b as f64)).collect();
        curvature_track(
            &dir.path("curvature_track.png"),
            "Curvature along training",
            &CurvatureTrack {
                x: &self.step,
                x_label: "step",
                loss: &self.loss,
                grad_norm: &self.grad_norm,
                lambda_max: &self.lambda_max,
                lambda_min: &self.lambda_min,
                visits: &visits,
            },
        )
    }
}

/// The inclusive [x_start, x_end] ranges where `flags` is true.
fn runs_of(flags: &[bool], x: &[f64]) -> Vec<(f64, f64)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < flags.len() {
        if flags[i] {
            let a = i;
            while i + 1 < flags.len() && flags[i + 1] {
                i += 1;
            }
            out.push((x[a], x[i]));
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_of_flags_become_inclusive_ranges() {
        let x = [0.0, 10.0, 20.0, 30.0, 40.0, 50.0];
        let f = [true, true, false, true, false, true];
        assert_eq!(
            runs_of(&f, &x),
            vec![(0.0, 10.0), (30.0, 30.0), (50.0, 50.0)]
        );
        assert!(runs_of(&[false; 6], &x).is_empty());
    }

    #[test]
    fn visits_are_flat_stretches_with_negative_curvature() {
        // Steps 0..=50 by 10: the gradient is small at steps 20, 30 and 50, λmin clearly
        // negative at 20, 30 and 40; only 20–30 is both.
        let c = CurvatureAlongRun {
            step: vec![0.0, 10.0, 20.0, 30.0, 40.0, 50.0],
            loss: vec![1.0; 6],
            grad_norm: vec![1.0, 0.5, 0.01, 0.01, 0.5, 0.01],
            lambda_max: vec![2.0; 6],
            lambda_min: vec![0.1, 0.0, -0.5, -0.5, -0.5, -1e-4],
        };
        let r = c.report(10, 0.02, 1e-3);
        assert_eq!(r.saddle_visits, vec![[20, 30]]);
        assert_eq!((r.points, r.every, r.visit_grad_frac), (6, 10, 0.02));
        assert_eq!((r.lambda_min_lowest, r.lambda_max_highest), (-0.5, 2.0));
    }
}
