//! The Gaussian-smoothed loss along a slice (Kleinberg, Li and Yuan 2018, "An
//! Alternative View: When Does SGD Escape Local Minima?"): SGD behaves like gradient
//! descent on L_σ(θ) = E_{u~N(0,σ²I)} L(θ + u), a convolution of the loss with a Gaussian
//! that flattens minima narrower than σ while wide ones survive.
//!
//! L_σ is estimated by Monte Carlo with common random numbers: the same K noise vectors
//! z_1..z_K (standard normal, length P, seeded per draw k by
//! [`Stream::SmoothingNoise`]) at every grid point and for every σ, u_k = σ·z_k, so
//!
//!   L_σ(θ) ≈ (1/K) Σ_k L(θ + σ·z_k),
//!
//! which is a smooth function of θ (a sum of smooth functions), not a noisy one, and the
//! curves of different σ are comparable. The standard error of the estimate at a point
//! is s/√K with s the sample standard deviation of the K losses.
//!
//! [`NoiseNormalization::Filter`] rescales each z_k like a filter-normalised direction
//! (each row of each weight matrix to the norm of the center's row, see
//! [`directions::normalize`]), so σ is relative to the weights' scale as the slice axes
//! are. Bias entries follow the slice's directions in both modes: with `ignore = "bias"`
//! (the default of random and file directions) they get no noise, with `ignore = "none"`
//! they do (in filter mode each layer's bias vector rescaled to the center's bias norm).
//!
//! Memory: the K noise vectors (K·P·8 bytes) are held when that is at most
//! [`HOLD_BYTES`], else each z_k is drawn again where it is used (P normal draws, small
//! next to a loss evaluation's ~2·n·P multiply-adds); the numbers are the same either
//! way. Each grid point's K·nσ losses are summed in draw order on one thread, so the
//! results do not depend on the thread count, the scheduling or the ranks of a job.

use crate::cluster::{self, Job};
use crate::error::Result;
use crate::landscape::directions::{self, Ignore, Normalization};
use crate::landscape::grid::Plane;
use crate::nn::chunked::ChunkPool;
use crate::nn::{Layout, Mlp, Samples};
use crate::progress::Progress;
use crate::scalar::Scalar;
use crate::seeded::{rng, Stream};
use rand::Rng;
use rand_distr::StandardNormal;
use serde::{Deserialize, Serialize};

/// How the noise vectors z_k are scaled before u = σ·z.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoiseNormalization {
    /// z ~ N(0, I): σ in parameter units (the isotropic smoothing of Kleinberg et al.).
    #[default]
    None,
    /// Each row of each weight matrix of z rescaled to the norm of the center's row.
    Filter,
}

/// The most bytes of noise vectors held in memory (64 MiB); above, each is redrawn.
pub const HOLD_BYTES: u64 = 64 << 20;

/// The K noise vectors of a run, held or redrawn on demand (the same numbers).
pub struct Noise<'a> {
    seed: u64,
    samples: usize,
    center: &'a [f64],
    layout: &'a Layout,
    normalization: NoiseNormalization,
    ignore: Ignore,
    /// z_0..z_{K−1}, each of length P, when they fit in [`HOLD_BYTES`].
    held: Option<Vec<f64>>,
}

impl<'a> Noise<'a> {
    /// The `samples` noise vectors of `seed`, scaled by `normalization` relative to
    /// `center` (bias entries zeroed with `Ignore::Bias`).
    pub fn new(
        seed: u64,
        samples: usize,
        center: &'a [f64],
        layout: &'a Layout,
        normalization: NoiseNormalization,
        ignore: Ignore,
    ) -> Self {
        let mut noise = Noise {
            seed,
            samples,
            center,
            layout,
            normalization,
            ignore,
            held: None,
        };
        let p = layout.n_params();
        if Noise::holds(samples, p) {
            let mut all = vec![0.0; samples * p];
            for (k, z) in all.chunks_exact_mut(p).enumerate() {
                noise.fill(k, z);
            }
            noise.held = Some(all);
        }
        noise
    }

    /// Whether `samples` vectors of `p` values are held (else redrawn where used).
    pub fn holds(samples: usize, p: usize) -> bool {
        (samples as u64).saturating_mul(p as u64).saturating_mul(8) <= HOLD_BYTES
    }

    /// K, the number of draws.
    pub fn samples(&self) -> usize {
        self.samples
    }

    /// z_k: the held vector, or drawn into `buf` (length P; unused when they are held).
    pub fn z<'b>(&'b self, k: usize, buf: &'b mut [f64]) -> &'b [f64] {
        let p = self.layout.n_params();
        match &self.held {
            Some(all) => &all[k * p..(k + 1) * p],
            None => {
                self.fill(k, buf);
                buf
            }
        }
    }

    /// Draws z_k into `z`: standard normal from its own stream, then scaled.
    fn fill(&self, k: usize, z: &mut [f64]) {
        let mut r = rng(self.seed, Stream::SmoothingNoise(k as u64));
        z.iter_mut().for_each(|v| *v = r.sample(StandardNormal));
        let norm = match self.normalization {
            NoiseNormalization::None => Normalization::None,
            NoiseNormalization::Filter => Normalization::Filter,
        };
        directions::normalize(z, self.center, self.layout, norm, self.ignore);
    }
}

/// L_σ on a set of points: `mean[s·n + i]` and its Monte Carlo standard error
/// `stderr[s·n + i]` for σ = `sigmas[s]` at point i (n points); NaN where a draw's loss is
/// not finite (and the standard error with a single draw).
#[derive(Clone, Debug, PartialEq)]
pub struct Smoothed {
    pub mean: Vec<f64>,
    pub stderr: Vec<f64>,
}

/// The model, its training data, the noise and the σ's of a smoothing pass.
pub struct Smoother<'a, S> {
    pub mlp: &'a Mlp,
    pub train: &'a Samples<S>,
    pub noise: &'a Noise<'a>,
    pub sigmas: &'a [f64],
}

impl<S: Scalar> Smoother<'_, S> {
    /// [L_σ for each σ ..., its standard error for each σ ...] at `base` (f64, length
    /// P): the K·nσ losses L(base + σ·z_k) on the training set, in draw order.
    pub fn at(&self, base: &[f64]) -> Vec<f64> {
        let (p, k_draws, n_sigma) = (base.len(), self.noise.samples(), self.sigmas.len());
        let pool = ChunkPool::<S>::new(self.mlp).sequential();
        let mut theta = vec![S::zero(); p];
        let mut buf = vec![0.0; if self.noise.held.is_some() { 0 } else { p }];
        let mut losses = vec![0.0; k_draws * n_sigma];
        for k in 0..k_draws {
            let z = self.noise.z(k, &mut buf);
            for (s, &sigma) in self.sigmas.iter().enumerate() {
                perturb(base, sigma, z, &mut theta);
                losses[s * k_draws + k] = pool.eval(self.mlp, self.train, &theta).loss;
            }
        }
        let mut out = vec![f64::NAN; 2 * n_sigma];
        for (s, l) in losses.chunks_exact(k_draws.max(1)).enumerate() {
            let (mean, stderr) = mean_stderr(l);
            out[s] = mean;
            out[n_sigma + s] = stderr;
        }
        out
    }

    /// L_σ at every point of `coords` ((plane index, a, b) on `planes`), the points in
    /// parallel; in a `job`, rank 0's part (the other ranks run
    /// [`Smoother::work_grid`]).
    pub fn grid(
        &self,
        planes: &[Plane],
        coords: &[(usize, f64, f64)],
        progress: &Progress,
        job: Option<&Job>,
    ) -> Result<Smoothed> {
        let (n, n_sigma) = (coords.len(), self.sigmas.len());
        let mut mean = vec![f64::NAN; n_sigma * n];
        let mut stderr = vec![f64::NAN; n_sigma * n];
        let all: Vec<usize> = (0..n).collect();
        cluster::job::each(
            job,
            &all,
            |i| Ok(self.at_point(planes, coords[i])),
            |i, v: Vec<f64>| {
                for s in 0..n_sigma {
                    mean[s * n + i] = v[s];
                    stderr[s * n + i] = v[n_sigma + s];
                }
                progress.inc(1);
                Ok(())
            },
        )?;
        Ok(Smoothed { mean, stderr })
    }

    /// A rank other than 0 of a job: its share of rank 0's [`Smoother::grid`].
    pub fn work_grid(
        &self,
        planes: &[Plane],
        coords: &[(usize, f64, f64)],
        job: &Job,
    ) -> Result<()> {
        cluster::job::each(
            Some(job),
            &[],
            |i| Ok(self.at_point(planes, coords[i])),
            |_, _: Vec<f64>| Ok(()),
        )
    }

    fn at_point(&self, planes: &[Plane], (plane, a, b): (usize, f64, f64)) -> Vec<f64> {
        let mut base = vec![0.0f64; self.mlp.n_params()];
        planes[plane].point(a, b, &mut base);
        self.at(&base)
    }
}

/// θ = base + σ·z, rounded once to the run's dtype.
fn perturb<S: Scalar>(base: &[f64], sigma: f64, z: &[f64], theta: &mut [S]) {
    for ((t, &c), &u) in theta.iter_mut().zip(base).zip(z) {
        *t = S::of(c + sigma * u);
    }
}

/// The mean of `l` and its standard error s/√K (two passes); NaN when a value is not
/// finite, the standard error NaN for a single value.
fn mean_stderr(l: &[f64]) -> (f64, f64) {
    let k = l.len() as f64;
    if l.is_empty() || l.iter().any(|v| !v.is_finite()) {
        return (f64::NAN, f64::NAN);
    }
    let mean = l.iter().sum::<f64>() / k;
    if l.len() < 2 {
        return (mean, f64::NAN);
    }
    let var = l.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (k - 1.0);
    (mean, (var / k).sqrt())
}

#[cfg(test)]
mod tests;
