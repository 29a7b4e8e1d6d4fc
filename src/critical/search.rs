//! Critical-point search: drive ‖∇f‖ to zero from a starting point, whatever the kind
//! of critical point (minimum, saddle or maximum) lies nearby.
//!
//! Minimises φ(θ) = ½‖∇f(θ)‖², whose gradient is ∇φ = H ∇f (one HVP). Three step rules:
//! - [`SearchMethod::NewtonMr`] (default; Roosta, Liu, Xu & Mahoney 2018, "Newton-MR",
//!   as used by Frye et al. 2019 to find critical points of neural nets): the step is
//!   p = −x where MINRES solves H x = ∇f in the least-squares sense, a Gauss–Newton step
//!   on the residual ∇f (its Jacobian is H). It is a descent direction for φ
//!   (⟨∇φ, p⟩ = −‖H x‖²) even where H is indefinite or singular, and converges fast near
//!   non-degenerate critical points.
//! - [`SearchMethod::LevenbergMarquardt`]: the damped Gauss–Newton step
//!   p = −(H² + μI)⁻¹ H ∇f by conjugate gradients (two HVPs per step), with
//!   μ = m·‖∇f‖ (Fan & Yuan 2005; Yamashita & Fukushima 2001 show such LM steps converge
//!   fast even to non-isolated solutions, as the critical manifolds of
//!   over-parameterised nets are) and m divided by 4 after a full step, multiplied by 4
//!   after a shortened one. Directions where |λ| ≪ √μ are damped instead of inverted,
//!   so near-singular Hessians do not throw the iterate far away.
//! - [`SearchMethod::GradientNorm`]: plain gradient descent on φ, p = −H ∇f, with the
//!   Polyak step α = φ/‖∇φ‖² (φ's minimum value is 0) as the first trial.
//!
//! Both accept a step by non-monotone Armijo backtracking on φ (Grippo, Lampariello &
//! Lucidi 1986: sufficient decrease relative to the largest φ of the last
//! [`MEMORY`] iterates), so full Newton steps may cross a curved valley where a
//! monotone search on ‖∇f‖ would crawl along it. When the Newton-MR step fails its
//! line search, the gradient-norm step is tried before the search gives up (`stalled`).
//! A run that leaves the ball ‖θ‖ ≤ `max_norm` or meets a non-finite value is `diverged`
//! (a gradient-flat direction to infinity, common with sigmoid or cross-entropy nets).

use crate::curvature::cg::conjugate_gradients;
use crate::curvature::minres::minres;
use crate::curvature::{Counted, FnOperator, HvpOperator, ObjectiveHessian};
use crate::linalg::{dot, norm};
use crate::objective::Objective;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SearchMethod {
    #[default]
    NewtonMr,
    LevenbergMarquardt,
    GradientNorm,
}

/// How the search ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SearchStatus {
    /// ‖∇f‖ ≤ tol.
    Converged,
    /// `max_iter` iterations without reaching tol.
    MaxIter,
    /// No step decreased ‖∇f‖ (line search failed for both step rules).
    Stalled,
    /// ‖θ‖ grew past `max_norm`, or a value became non-finite.
    Diverged,
}

/// Budget and tolerances of one search.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SearchSettings {
    pub method: SearchMethod,
    /// Outer iterations at most.
    pub max_iter: usize,
    /// Converged when ‖∇f‖ ≤ tol.
    pub tol: f64,
    /// Inner solver (MINRES for Newton-MR, CG for Levenberg–Marquardt) steps per
    /// iteration at most, and its relative tolerance.
    pub inner_steps: usize,
    pub inner_rtol: f64,
    /// Diverged when ‖θ‖ > max_norm.
    pub max_norm: f64,
}

impl Default for SearchSettings {
    fn default() -> Self {
        SearchSettings {
            method: SearchMethod::NewtonMr,
            max_iter: 100,
            tol: 1e-8,
            inner_steps: 200,
            inner_rtol: 1e-6,
            max_norm: 1e4,
        }
    }
}

/// The end point of a search and how it got there.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SearchResult {
    pub theta: Vec<f64>,
    pub loss: f64,
    pub grad_norm: f64,
    pub status: SearchStatus,
    /// Outer iterations taken.
    pub iterations: usize,
    /// ‖∇f‖ at the start and after every iteration.
    pub history: Vec<f64>,
    /// HVPs and gradient evaluations spent.
    pub hvps: usize,
    pub gradients: usize,
    /// Iterations whose second-order step failed and fell back to the gradient-norm step.
    pub fallbacks: usize,
}

const ARMIJO: f64 = 1e-4;
/// Iterates remembered by the non-monotone line search.
pub const MEMORY: usize = 10;
const MAX_HALVINGS: usize = 50;

/// Search for a critical point of `obj` from `theta0` (see the module header).
pub fn find_critical_point<O: Objective<f64>>(
    obj: &O,
    theta0: &[f64],
    s: &SearchSettings,
) -> SearchResult {
    let p = obj.dim();
    let mut theta = theta0.to_vec();
    let mut grad = vec![0.0; p];
    let mut loss = obj.loss_grad(&theta, &mut grad);
    let mut gradients = 1;
    let mut hvps = 0;
    let mut fallbacks = 0;
    let mut gn = norm(&grad);
    let mut history = vec![gn];
    let mut status = SearchStatus::MaxIter;
    let mut trial = vec![0.0; p];
    let mut trial_grad = vec![0.0; p];
    let mut iterations = 0;
    // Levenberg–Marquardt: μ = damping·‖∇f‖.
    let mut damping = 1.0f64;
    loop {
        if !(loss.is_finite() && gn.is_finite()) || norm(&theta) > s.max_norm {
            status = SearchStatus::Diverged;
            break;
        }
        if gn <= s.tol {
            status = SearchStatus::Converged;
            break;
        }
        if iterations == s.max_iter {
            break;
        }
        iterations += 1;
        let phi = 0.5 * gn * gn;
        let reference = history[history.len().saturating_sub(MEMORY)..]
            .iter()
            .fold(phi, |m, g| m.max(0.5 * g * g));
        let h = ObjectiveHessian::new(obj, &theta);
        let op = Counted::new(&h);
        // ∇φ = H g.
        let mut hg = vec![0.0; p];
        op.apply(&grad, &mut hg);
        let hg_norm2 = dot(&hg, &hg);

        let mut directions: Vec<(Vec<f64>, f64, f64)> = Vec::with_capacity(2);
        let second_order = match s.method {
            SearchMethod::NewtonMr => Some(minres(&op, &grad, s.inner_steps, s.inner_rtol).x),
            SearchMethod::LevenbergMarquardt => {
                let mu = damping * gn;
                let damped = FnOperator {
                    n: p,
                    f: |v: &[f64], out: &mut [f64]| {
                        let mut hv = vec![0.0; p];
                        op.apply(v, &mut hv);
                        op.apply(&hv, out);
                        out.iter_mut().zip(v).for_each(|(o, vi)| *o += mu * vi);
                    },
                };
                Some(conjugate_gradients(&damped, &hg, s.inner_steps, s.inner_rtol).0)
            }
            SearchMethod::GradientNorm => None,
        };
        if let Some(x) = second_order {
            let step: Vec<f64> = x.iter().map(|x| -x).collect();
            let slope = dot(&hg, &step);
            if slope < 0.0 && slope.is_finite() {
                directions.push((step, slope, 1.0));
            }
        }
        if hg_norm2 > 0.0 {
            let step: Vec<f64> = hg.iter().map(|x| -x).collect();
            directions.push((step, -hg_norm2, phi / hg_norm2));
        }
        hvps += op.hvps();

        let mut accepted = false;
        for (k, (step, slope, alpha0)) in directions.iter().enumerate() {
            let mut alpha = *alpha0;
            for halving in 0..MAX_HALVINGS {
                for ((t, th), d) in trial.iter_mut().zip(&theta).zip(step) {
                    *t = th + alpha * d;
                }
                let trial_loss = obj.loss_grad(&trial, &mut trial_grad);
                gradients += 1;
                let trial_gn = norm(&trial_grad);
                if trial_loss.is_finite()
                    && 0.5 * trial_gn * trial_gn <= reference + ARMIJO * alpha * slope
                {
                    std::mem::swap(&mut theta, &mut trial);
                    std::mem::swap(&mut grad, &mut trial_grad);
                    loss = trial_loss;
                    gn = trial_gn;
                    accepted = true;
                    if k == 0 && s.method == SearchMethod::LevenbergMarquardt {
                        damping = if halving == 0 {
                            (damping / 4.0).max(1e-8)
                        } else {
                            (damping * 4.0).min(1e8)
                        };
                    }
                    break;
                }
                alpha *= 0.5;
            }
            if accepted {
                if k > 0 && s.method != SearchMethod::GradientNorm {
                    fallbacks += 1;
                }
                break;
            }
        }
        if !accepted {
            status = SearchStatus::Stalled;
            break;
        }
        history.push(gn);
    }
    SearchResult {
        theta,
        loss,
        grad_norm: gn,
        status,
        iterations,
        history,
        hvps,
        gradients,
        fallbacks,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::objective::toys::{Rosenbrock, Saddle};
    use crate::scalar::Scalar;

    /// f(x, y) = x⁴/4 − x²/2 + y²/2: a saddle at (0, 0), minima at (±1, 0).
    struct DoubleWell;

    impl<S: Scalar> Objective<S> for DoubleWell {
        fn dim(&self) -> usize {
            2
        }
        fn loss(&self, t: &[S]) -> S {
            let (x, y) = (t[0].f64(), t[1].f64());
            S::of(x.powi(4) / 4.0 - x * x / 2.0 + y * y / 2.0)
        }
        fn loss_grad(&self, t: &[S], g: &mut [S]) -> S {
            let (x, y) = (t[0].f64(), t[1].f64());
            g[0] = S::of(x.powi(3) - x);
            g[1] = S::of(y);
            self.loss(t)
        }
        fn hvp(&self, t: &[S], v: &[S], hv: &mut [S]) {
            let x = t[0].f64();
            hv[0] = S::of((3.0 * x * x - 1.0) * v[0].f64());
            hv[1] = v[1];
        }
    }

    #[test]
    fn newton_mr_lands_on_the_saddle_of_a_quadratic_in_one_step() {
        let r = find_critical_point(&Saddle, &[0.3, -0.2], &SearchSettings::default());
        assert_eq!(r.status, SearchStatus::Converged);
        assert_eq!(r.iterations, 1);
        assert!(r.theta.iter().all(|v| v.abs() < 1e-12), "{:?}", r.theta);
        assert_eq!(r.history.len(), 2);
    }

    #[test]
    fn newton_mr_finds_the_rosenbrock_minimum() {
        let r = find_critical_point(
            &Rosenbrock::default(),
            &[-1.2, 1.0],
            &SearchSettings::default(),
        );
        assert_eq!(r.status, SearchStatus::Converged, "{r:?}");
        assert!((r.theta[0] - 1.0).abs() < 1e-8 && (r.theta[1] - 1.0).abs() < 1e-8);
        assert!(r.grad_norm <= 1e-8);
        // Newton steps: a handful of iterations, each a few HVPs.
        assert!(r.iterations <= 20, "{r:?}");
    }

    #[test]
    fn the_search_converges_to_the_critical_point_nearby_whatever_its_kind() {
        let s = SearchSettings::default();
        // Near x = 0 the nearest critical point is the saddle, which a minimiser would
        // leave; the search lands on it.
        let r = find_critical_point(&DoubleWell, &[0.2, 0.5], &s);
        assert_eq!(r.status, SearchStatus::Converged);
        assert!(r.theta[0].abs() < 1e-9 && r.theta[1].abs() < 1e-9, "{r:?}");
        let r = find_critical_point(&DoubleWell, &[1.3, -0.4], &s);
        assert_eq!(r.status, SearchStatus::Converged);
        assert!((r.theta[0] - 1.0).abs() < 1e-9, "{r:?}");
        // Levenberg–Marquardt steps land on the same points.
        let lm = SearchSettings {
            method: SearchMethod::LevenbergMarquardt,
            ..s.clone()
        };
        let r = find_critical_point(&DoubleWell, &[0.2, 0.5], &lm);
        assert_eq!(r.status, SearchStatus::Converged, "{r:?}");
        assert!(r.theta[0].abs() < 1e-9 && r.theta[1].abs() < 1e-9, "{r:?}");
        let r = find_critical_point(&Rosenbrock::default(), &[-1.2, 1.0], &lm);
        assert_eq!(r.status, SearchStatus::Converged, "{r:?}");
        assert!((r.theta[0] - 1.0).abs() < 1e-8 && (r.theta[1] - 1.0).abs() < 1e-8);
        // Gradient descent on φ gets there too, more slowly.
        let g = SearchSettings {
            method: SearchMethod::GradientNorm,
            max_iter: 5000,
            ..s.clone()
        };
        let r = find_critical_point(&DoubleWell, &[0.2, 0.5], &g);
        assert_eq!(r.status, SearchStatus::Converged, "{r:?}");
        assert!(r.theta[0].abs() < 1e-8);
        assert!(r.iterations > 1);
    }

    #[test]
    fn the_search_reports_budget_and_divergence() {
        let s = SearchSettings {
            max_iter: 2,
            tol: 0.0,
            ..SearchSettings::default()
        };
        let r = find_critical_point(&Rosenbrock::default(), &[-1.2, 1.0], &s);
        assert_eq!(
            (r.status, r.iterations, r.history.len()),
            (SearchStatus::MaxIter, 2, 3)
        );
        assert!(r.hvps >= 2 && r.gradients >= 3);
        let far = SearchSettings {
            max_norm: 1.0,
            ..SearchSettings::default()
        };
        let r = find_critical_point(&DoubleWell, &[3.0, 0.0], &far);
        assert_eq!((r.status, r.iterations), (SearchStatus::Diverged, 0));
    }
}
