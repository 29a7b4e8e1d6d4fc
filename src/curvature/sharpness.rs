//! ε-sharpness of Keskar et al. 2017 ("On Large-Batch Training for Deep Learning:
//! Generalization Gap and Sharp Minima", ICLR 2017, §2.2.2, Metric 2.1):
//!
//!   φ(x, ε) = 100 · (max_{y ∈ C_ε} f(x + y) − f(x)) / (1 + f(x)),
//!   C_ε = { y : |y_i| ≤ ε (|x_i| + 1) }            (full space, A = I),
//!
//! or, in a random p-dimensional subspace, y = A z with A ∈ R^{P×p} (i.i.d. N(0, 1)
//! entries, [`subspace_matrix`]) and the box on z: |z_j| ≤ ε (|(A⁺x)_j| + 1), where
//! A⁺x = (AᵀA)⁻¹Aᵀx is found from the p × p normal equations ([`pinv_apply`]).
//!
//! # The maximisation
//!
//! Keskar et al. solve the inner problem inexactly with L-BFGS-B under a small iteration
//! budget. Here it is a spectral projected gradient ascent (SPG, Birgin, Martínez & Raydan 2000,
//! "Nonmonotone spectral projected gradient methods on convex sets", Algorithm SPG2) on
//! the box variable v (v = y, or v = z in subspace mode), u its bounds:
//!
//! 1. Start at v = 0 (so f(x) and ∇f(x) come from the first evaluation). No random start:
//!    0 is feasible, deterministic and gives f(x) for free.
//! 2. Direction d = P(v + α g) − v, with g = ∇_v f(x + y(v)) and P the projection on the
//!    box (a clamp). gᵀd ≥ ‖d‖²/α > 0 unless v is a KKT point (then stop).
//! 3. Line search along the feasible segment v + λ d, λ ∈ (0, 1] (every trial point is a
//!    convex combination of two feasible points, so it is feasible): accept the first λ
//!    with f(v + λd) ≥ f_ref + σ λ gᵀd, σ = 10⁻⁴, where f_ref is the smallest of the last
//!    [`MEMORY`] accepted losses (the nonmonotone test of Grippo, Lampariello & Lucidi
//!    1986, which lets Barzilai–Borwein steps work; a monotone test stalled on an
//!    ill-conditioned concave quadratic); otherwise λ ← the maximiser of the quadratic
//!    through f(v), gᵀd and f(v + λd), safeguarded to [0.1 λ, 0.5 λ]. After
//!    [`MAX_BACKTRACKS`] reductions the ascent stops (no verifiable progress).
//! 4. Step length α: on the first iteration, and whenever f is not concave along the last
//!    step s (sᵀr ≥ 0 with r the change of gradient), α = α_sat, the smallest α at which
//!    every coordinate with g_i ≠ 0 is clamped, so P(v + α_sat g) is the box vertex
//!    u ⊙ sign(g) that maximises the linear model of f (for the first step: the
//!    ε-box analogue of an FGSM / SAM step). Otherwise α is the Barzilai–Borwein step
//!    sᵀs / (−sᵀr), capped at α_sat.
//! 5. Stop after `iterations` accepted steps, or when d = 0 (KKT point), or when the
//!    predicted gain gᵀd falls below the scalar's resolution, S::EPSILON · (1 + |f|).
//!
//! f_ref never decreases and starts at f(x), so every accepted iterate has a loss above
//! f(x); the reported maximum is the largest loss over every point evaluated (the start
//! included), so `max_loss ≥ base_loss` and φ ≥ 0 always. On a linear f, or a convex f
//! whose gradient keeps its signs over the box, the first step lands on the exact
//! maximiser (the vertex). A coordinate whose gradient is exactly 0 at every iterate (e.g.
//! the incoming weights of a ReLU unit dead on every sample) never moves: the ascent
//! finds a local maximum in the usual sense, not a certified global one, so φ is a lower
//! bound on the metric.
//!
//! Budget: one loss+gradient evaluation at x, then one per line-search trial: at most
//! 1 + iterations · (1 + [`MAX_BACKTRACKS`]) = 261 for the default 20 iterations, in
//! practice about one per iteration (λ = 1 is nearly always accepted) or fewer when the
//! ascent stops early. On the bundled digits with a [64,128,128,10] ReLU net
//! (P = 26,122) the full-space ascent took 21 evaluations in f64 and 6–18 in f32 (the
//! gain falls below f32's resolution sooner); going from 20 to 100 iterations changed φ
//! by at most 1.1e-4 relative. The ascent runs in f64: x + y is formed in f64 and
//! rounded to S once for each evaluation of the objective, whose loss and gradient are
//! then read back as f64.
//!
//! Subspace mode stores A (8 P p bytes, twice while AᵀA is formed) and costs O(P p²) once
//! for AᵀA, then O(P p) per evaluation for A z and Aᵀ∇f. Its value is *not* bounded by
//! the full-space one: A z need not lie in the full-space box (the columns of A have
//! norm ≈ √P), so the two metrics answer different questions, as in the paper.
//!
//! Everything is sequential and seeded, so results reproduce bit for bit (as far as the
//! objective does, which for [`crate::objective::MlpObjective`] is whatever the thread
//! count).

use crate::linalg::{dot, gaussian};
use crate::objective::Objective;
use crate::scalar::Scalar;
use crate::seeded::{rng, Stream};
use nalgebra::{DMatrix, DVector};
/// Line-search step reductions allowed per iteration before the ascent stops.
pub const MAX_BACKTRACKS: usize = 12;
/// Armijo constant of the sufficient-increase test.
const SIGMA: f64 = 1e-4;
/// Accepted losses the nonmonotone line search compares with (SPG's M).
pub const MEMORY: usize = 10;

/// What to compute.
#[derive(Clone, Debug, PartialEq)]
pub struct SharpnessSettings {
    /// ε, the relative half-width of the box.
    pub epsilon: f64,
    /// Ascent iterations (accepted steps), default 20.
    pub iterations: usize,
    /// p, the dimension of the random subspace; None = the full space (A = I).
    pub subspace: Option<usize>,
    /// Seed of the subspace matrix A (stream [`Stream::SharpnessSubspace`]).
    pub seed: u64,
}

impl Default for SharpnessSettings {
    fn default() -> Self {
        SharpnessSettings {
            epsilon: 1e-3,
            iterations: 20,
            subspace: None,
            seed: 0,
        }
    }
}

/// φ with the budget spent on it.
#[derive(Clone, Debug, PartialEq)]
pub struct Sharpness {
    /// φ(x, ε) = 100 (max_loss − base_loss) / (1 + base_loss); NaN when f(x) is not finite.
    pub value: f64,
    /// f(x).
    pub base_loss: f64,
    /// The largest f(x + y) found over the box (≥ base_loss).
    pub max_loss: f64,
    /// Accepted ascent steps.
    pub iterations: usize,
    /// Loss+gradient evaluations, the one at x included.
    pub evaluations: usize,
    /// Fraction of the box coordinates (of y, or of z in subspace mode) on the boundary
    /// at the returned maximiser.
    pub at_bound: f64,
    pub epsilon: f64,
    pub subspace: Option<usize>,
}

/// The subspace matrix A ∈ R^{P×p} for `seed`: i.i.d. standard normal entries drawn from
/// ChaCha8(seed, stream [`Stream::SharpnessSubspace`]) column by column (entry (i, j) is
/// draw j·P + i).
pub fn subspace_matrix(n_params: usize, p: usize, seed: u64) -> DMatrix<f64> {
    let data = gaussian(n_params * p, &mut rng(seed, Stream::SharpnessSubspace));
    DMatrix::from_vec(n_params, p, data)
}

/// A⁺x for A with independent columns: the solution w of the normal equations
/// (AᵀA) w = Aᵀx, by Cholesky (LU if Cholesky fails on rounding).
///
/// # Panics
/// If AᵀA is singular (A has dependent columns, e.g. p > P).
pub fn pinv_apply(a: &DMatrix<f64>, x: &[f64]) -> Vec<f64> {
    let x = DVector::from_column_slice(x);
    // Aᵀ · A as a plain product goes through nalgebra's blocked gemm (matrixmultiply),
    // about 10× faster than `tr_mul`'s column dot products at P = 26k, p = 100.
    let ata = a.transpose() * a;
    let atx = a.tr_mul(&x);
    let w = match nalgebra::linalg::Cholesky::new(ata.clone()) {
        Some(c) => c.solve(&atx),
        None => ata
            .lu()
            .solve(&atx)
            .expect("subspace matrix A has dependent columns (is p > P?)"),
    };
    w.as_slice().to_vec()
}

/// Keskar et al.'s ε-sharpness φ(x, ε) of `obj` at `theta` (see the module docs for the
/// ascent and its budget).
///
/// # Panics
/// If `theta.len() != obj.dim()`, ε is negative or not finite, or the subspace dimension
/// is 0 or larger than P.
pub fn epsilon_sharpness<S: Scalar, O: Objective<S>>(
    obj: &O,
    theta: &[S],
    s: &SharpnessSettings,
) -> Sharpness {
    ascend(obj, theta, s).0
}

/// The map v ↦ y from the box variable to the parameter perturbation.
enum Map {
    Identity,
    Subspace(DMatrix<f64>),
}

/// The result, with the maximising box variable v (y, or z in subspace mode) and its
/// bounds u.
fn ascend<S: Scalar, O: Objective<S>>(
    obj: &O,
    theta: &[S],
    s: &SharpnessSettings,
) -> (Sharpness, Vec<f64>, Vec<f64>) {
    let n = obj.dim();
    assert_eq!(theta.len(), n, "theta length != objective dim");
    assert!(
        s.epsilon.is_finite() && s.epsilon >= 0.0,
        "epsilon must be finite and ≥ 0, got {}",
        s.epsilon
    );
    let x: Vec<f64> = theta.iter().map(|t| t.f64()).collect();
    let (map, center) = match s.subspace {
        None => (Map::Identity, x.clone()),
        Some(p) => {
            assert!(
                (1..=n).contains(&p),
                "subspace dimension {p} not in 1..={n}"
            );
            let a = subspace_matrix(n, p, s.seed);
            let w = pinv_apply(&a, &x);
            (Map::Subspace(a), w)
        }
    };
    let m = center.len();
    let u: Vec<f64> = center.iter().map(|c| s.epsilon * (c.abs() + 1.0)).collect();

    // f(x + y(v)) and ∇_v, in f64.
    let mut trial = vec![S::zero(); n];
    let mut grad_s = vec![S::zero(); n];
    let mut evaluations = 0usize;
    let mut eval = |v: &[f64], g: &mut [f64]| -> f64 {
        evaluations += 1;
        match &map {
            Map::Identity => {
                for ((t, xi), vi) in trial.iter_mut().zip(&x).zip(v) {
                    *t = S::of(xi + vi);
                }
            }
            Map::Subspace(a) => {
                let y = a * DVector::from_column_slice(v);
                for ((t, xi), yi) in trial.iter_mut().zip(&x).zip(y.iter()) {
                    *t = S::of(xi + yi);
                }
            }
        }
        let f = obj.loss_grad(&trial, &mut grad_s).f64();
        match &map {
            Map::Identity => g
                .iter_mut()
                .zip(&grad_s)
                .for_each(|(gi, gs)| *gi = gs.f64()),
            Map::Subspace(a) => {
                let gy = DVector::from_iterator(n, grad_s.iter().map(|gs| gs.f64()));
                g.copy_from_slice(a.tr_mul(&gy).as_slice());
            }
        }
        f
    };

    let mut v = vec![0.0; m];
    let mut g = vec![0.0; m];
    let base = eval(&v, &mut g);
    let mut f = base;
    let mut best = (base, v.clone());
    let mut iterations = 0;
    let resolution = S::epsilon().f64();
    if base.is_finite() {
        let mut alpha = saturation_step(&v, &g, &u);
        let (mut target, mut d) = (vec![0.0; m], vec![0.0; m]);
        let (mut v_new, mut g_new) = (vec![0.0; m], vec![0.0; m]);
        let mut recent = std::collections::VecDeque::from([f]);
        'outer: while iterations < s.iterations {
            let f_ref = recent.iter().copied().fold(f64::INFINITY, f64::min);
            // d = P(v + α g) − v.
            for i in 0..m {
                target[i] = (v[i] + alpha * g[i]).clamp(-u[i], u[i]);
                d[i] = target[i] - v[i];
            }
            let gd = dot(&g, &d);
            if gd.is_nan() || gd <= resolution * (1.0 + f.abs()) {
                break; // KKT point, or no gain the scalar can resolve
            }
            let mut lambda = 1.0;
            let mut backtracks = 0;
            let f_new = loop {
                if lambda == 1.0 {
                    v_new.copy_from_slice(&target);
                } else {
                    for i in 0..m {
                        v_new[i] = (v[i] + lambda * d[i]).clamp(-u[i], u[i]);
                    }
                }
                let fl = eval(&v_new, &mut g_new);
                if fl.is_finite() && fl > best.0 {
                    best = (fl, v_new.clone());
                }
                if fl.is_finite() && fl >= f_ref + SIGMA * lambda * gd {
                    break fl;
                }
                backtracks += 1;
                if backtracks > MAX_BACKTRACKS {
                    break 'outer;
                }
                // Maximiser of q(t) = f + t gd + c t² through (λ, fl); c < 0 here.
                let shortfall = f + lambda * gd - fl;
                let t = if fl.is_finite() && shortfall > 0.0 {
                    gd * lambda * lambda / (2.0 * shortfall)
                } else {
                    0.5 * lambda
                };
                lambda = t.clamp(0.1 * lambda, 0.5 * lambda);
            };
            iterations += 1;
            // Spectral step for the next direction: s = v_new − v, r = g_new − g.
            let (mut ss, mut sr) = (0.0, 0.0);
            for i in 0..m {
                let si = v_new[i] - v[i];
                ss += si * si;
                sr += si * (g_new[i] - g[i]);
            }
            std::mem::swap(&mut v, &mut v_new);
            std::mem::swap(&mut g, &mut g_new);
            f = f_new;
            if recent.len() == MEMORY {
                recent.pop_front();
            }
            recent.push_back(f);
            let sat = saturation_step(&v, &g, &u);
            alpha = if sr < 0.0 { (ss / -sr).min(sat) } else { sat };
        }
    }
    let (max_loss, v_best) = best;
    let on_bound = v_best
        .iter()
        .zip(&u)
        .filter(|(vi, ui)| vi.abs() >= **ui)
        .count();
    let value = if base.is_finite() {
        100.0 * (max_loss - base) / (1.0 + base)
    } else {
        f64::NAN
    };
    let result = Sharpness {
        value,
        base_loss: base,
        max_loss,
        iterations,
        evaluations,
        at_bound: if m == 0 {
            0.0
        } else {
            on_bound as f64 / m as f64
        },
        epsilon: s.epsilon,
        subspace: s.subspace,
    };
    (result, v_best, u)
}

/// The smallest α ≥ 0 at which P(v + α g) clamps every coordinate with g_i ≠ 0:
/// max_i (u_i − sign(g_i) v_i) / |g_i| (0 when g = 0).
fn saturation_step(v: &[f64], g: &[f64], u: &[f64]) -> f64 {
    v.iter()
        .zip(g)
        .zip(u)
        .filter(|((_, gi), _)| **gi != 0.0)
        .map(|((vi, gi), ui)| (ui - gi.signum() * vi) / gi.abs())
        .fold(0.0, f64::max)
}

#[cfg(test)]
mod tests;
