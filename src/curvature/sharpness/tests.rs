//! Tests of ε-sharpness on objectives with known maxima over the box.

use super::*;
use crate::data::{Dataset, Labels};
use crate::nn::Samples;
use crate::nn::{Activation, Init, Loss, Mlp};
use crate::objective::MlpObjective;
use ndarray::Array2;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// f(θ) = c + gᵀθ.
struct Linear {
    g: Vec<f64>,
    c: f64,
}
impl<S: Scalar> Objective<S> for Linear {
    fn dim(&self) -> usize {
        self.g.len()
    }
    fn loss(&self, t: &[S]) -> S {
        S::of(self.c + t.iter().zip(&self.g).map(|(t, g)| t.f64() * g).sum::<f64>())
    }
    fn loss_grad(&self, t: &[S], grad: &mut [S]) -> S {
        grad.iter_mut()
            .zip(&self.g)
            .for_each(|(o, g)| *o = S::of(*g));
        self.loss(t)
    }
    fn hvp(&self, _: &[S], _: &[S], hv: &mut [S]) {
        hv.iter_mut().for_each(|h| *h = S::zero());
    }
}

/// f(θ) = c + ½ Σ a_i (θ_i − m_i)² (a_i < 0: concave).
struct Diagonal {
    a: Vec<f64>,
    m: Vec<f64>,
    c: f64,
}
impl<S: Scalar> Objective<S> for Diagonal {
    fn dim(&self) -> usize {
        self.a.len()
    }
    fn loss(&self, t: &[S]) -> S {
        let q: f64 = (0..self.a.len())
            .map(|i| 0.5 * self.a[i] * (t[i].f64() - self.m[i]).powi(2))
            .sum();
        S::of(self.c + q)
    }
    fn loss_grad(&self, t: &[S], grad: &mut [S]) -> S {
        for (i, o) in grad.iter_mut().enumerate() {
            *o = S::of(self.a[i] * (t[i].f64() - self.m[i]));
        }
        self.loss(t)
    }
    fn hvp(&self, _: &[S], v: &[S], hv: &mut [S]) {
        for (i, o) in hv.iter_mut().enumerate() {
            *o = S::of(self.a[i]) * v[i];
        }
    }
}

/// f ≡ 0.3.
struct Flat(usize);
impl<S: Scalar> Objective<S> for Flat {
    fn dim(&self) -> usize {
        self.0
    }
    fn loss(&self, _: &[S]) -> S {
        S::of(0.3)
    }
    fn loss_grad(&self, _: &[S], grad: &mut [S]) -> S {
        grad.iter_mut().for_each(|o| *o = S::zero());
        S::of(0.3)
    }
    fn hvp(&self, _: &[S], _: &[S], hv: &mut [S]) {
        hv.iter_mut().for_each(|h| *h = S::zero());
    }
}

fn settings(epsilon: f64) -> SharpnessSettings {
    SharpnessSettings {
        epsilon,
        ..Default::default()
    }
}

fn uniform(n: usize, lo: f64, hi: f64, seed: u64) -> Vec<f64> {
    let mut r = ChaCha8Rng::seed_from_u64(seed);
    (0..n).map(|_| r.random_range(lo..hi)).collect()
}

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs().max(1e-300)
}

/// A [4, 12, 3] tanh MLP with cross-entropy on 60 random points, at its init.
fn small_mlp<S: Scalar>(seed: u64) -> (Mlp, Samples<S>, Vec<S>) {
    let mut r = ChaCha8Rng::seed_from_u64(seed);
    let (n, d, k) = (60, 4, 3);
    let x = Array2::from_shape_fn((n, d), |_| r.random_range(-1.5..1.5));
    let y = Labels::Classes {
        labels: (0..n).map(|_| r.random_range(0..k as u32)).collect(),
        n_classes: k,
    };
    let mlp = Mlp::new(&[d, 12, k], Activation::Tanh, Loss::CrossEntropy);
    let samples = Samples::<S>::new(&Dataset { x, y }, Loss::CrossEntropy, k, "test").unwrap();
    let theta = Init::Xavier.theta::<S, _>(&mlp.layout, &mut r);
    (mlp, samples, theta)
}

#[test]
fn curvature_sharpness_linear_matches_closed_form() {
    // f(x + y) = f(x) + gᵀy is maximised over the box coordinate by coordinate at
    // y_i = sign(g_i) ε (|x_i| + 1), so max − f(x) = ε Σ |g_i| (|x_i| + 1) and
    // φ = 100 ε Σ |g_i| (|x_i| + 1) / (1 + f(x)). The first step (α = α_sat) is that
    // vertex; at the vertex d = 0, so one accepted step and two evaluations.
    let (n, eps) = (50, 1e-3);
    let obj = Linear {
        g: uniform(n, -2.0, 2.0, 1),
        c: 3.0,
    };
    let x = uniform(n, -1.0, 1.0, 2);
    let fx = obj.c + dot(&obj.g, &x);
    let gain: f64 = (0..n).map(|i| obj.g[i].abs() * (x[i].abs() + 1.0)).sum();
    let expected = 100.0 * eps * gain / (1.0 + fx);
    let r = epsilon_sharpness(&obj, &x, &settings(eps));
    assert!(rel(r.value, expected) < 1e-10, "{} vs {expected}", r.value);
    assert!(rel(r.max_loss - r.base_loss, eps * gain) < 1e-10);
    assert_eq!((r.iterations, r.evaluations, r.at_bound), (1, 2, 1.0));
}

#[test]
fn curvature_sharpness_convex_quadratic_finds_the_vertex() {
    // f = ½ Σ a_i θ_i², a_i > 0, is convex and separable: each term ½ a_i (x_i + y_i)²
    // on |y_i| ≤ u_i = ε (|x_i| + 1) is largest at y_i = sign(x_i) u_i (x_i ≠ 0), so
    // max f = ½ Σ a_i (|x_i| + u_i)². The gradient a_i x_i has the signs of x, so the
    // first step is that vertex, and convexity makes Armijo accept it (f lies above its
    // tangent): one step. A spread of a_i and of |x_i| over orders of magnitude.
    let n = 40;
    let a: Vec<f64> = (0..n)
        .map(|i| 10f64.powf(-3.0 + 6.0 * i as f64 / n as f64))
        .collect();
    let x: Vec<f64> = uniform(n, 0.01, 3.0, 3)
        .iter()
        .enumerate()
        .map(|(i, v)| if i % 3 == 0 { -v } else { *v })
        .collect();
    let obj = Diagonal {
        a: a.clone(),
        m: vec![0.0; n],
        c: 0.0,
    };
    for eps in [1e-4, 1e-3, 5e-2] {
        let fx: f64 = (0..n).map(|i| 0.5 * a[i] * x[i] * x[i]).sum();
        let fmax: f64 = (0..n)
            .map(|i| 0.5 * a[i] * (x[i].abs() + eps * (x[i].abs() + 1.0)).powi(2))
            .sum();
        let expected = 100.0 * (fmax - fx) / (1.0 + fx);
        let r = epsilon_sharpness(&obj, &x, &settings(eps));
        assert!(
            rel(r.value, expected) < 1e-10,
            "ε {eps}: {} vs {expected}",
            r.value
        );
        assert_eq!((r.iterations, r.evaluations, r.at_bound), (1, 2, 1.0));
    }
}

#[test]
fn curvature_sharpness_concave_quadratic_finds_the_clipped_peak() {
    // f = c − ½ Σ a_i (θ_i − m_i)² is concave and separable: its box maximum is at the
    // unconstrained peak clipped to the box, y_i = clamp(m_i − x_i, −u_i, u_i). The
    // peaks m are placed so that about half the coordinates are clipped. An interior
    // maximum needs the BB steps and the line search, not a single vertex step.
    let (n, eps) = (30, 1e-2);
    let a: Vec<f64> = (0..n)
        .map(|i| 10f64.powf(-1.0 + 2.0 * i as f64 / n as f64))
        .collect();
    let x = uniform(n, -1.0, 1.0, 4);
    let offsets = uniform(n, -2.0, 2.0, 5);
    let m: Vec<f64> = (0..n)
        .map(|i| x[i] + offsets[i] * eps * (x[i].abs() + 1.0))
        .collect();
    let obj = Diagonal {
        a: a.iter().map(|ai| -ai).collect(),
        m: m.clone(),
        c: 2.0,
    };
    let f = |t: &[f64]| {
        2.0 - (0..n)
            .map(|i| 0.5 * a[i] * (t[i] - m[i]).powi(2))
            .sum::<f64>()
    };
    let y: Vec<f64> = (0..n)
        .map(|i| {
            let u = eps * (x[i].abs() + 1.0);
            (m[i] - x[i]).clamp(-u, u)
        })
        .collect();
    let xy: Vec<f64> = x.iter().zip(&y).map(|(a, b)| a + b).collect();
    let expected = 100.0 * (f(&xy) - f(&x)) / (1.0 + f(&x));
    // The default budget (20 steps) gets within 10⁻³ of φ; a larger one converges to
    // rounding and stops on its own (the predicted gain falls below f64's resolution).
    let short = epsilon_sharpness(&obj, &x, &settings(eps));
    assert!(
        rel(short.value, expected) < 1e-3,
        "{} vs {expected}",
        short.value
    );
    assert!(
        short.value <= expected * (1.0 + 1e-12),
        "above the true maximum"
    );
    let s = SharpnessSettings {
        epsilon: eps,
        iterations: 500,
        ..Default::default()
    };
    let r = epsilon_sharpness(&obj, &x, &s);
    println!(
        "concave: 20 steps {:.3e} rel. error; {} steps, {} evaluations, {:.3e} rel. error",
        rel(short.value, expected),
        r.iterations,
        r.evaluations,
        rel(r.value, expected)
    );
    assert!(r.iterations < 500, "did not stop on its own");
    assert!(rel(r.value, expected) < 1e-10, "{} vs {expected}", r.value);
    let clipped = offsets.iter().filter(|o| o.abs() >= 1.0).count();
    assert!((r.at_bound - clipped as f64 / n as f64).abs() < 1e-12);
}

#[test]
fn curvature_sharpness_is_zero_on_a_flat_loss() {
    // f constant: max over the box = f(x), so φ = 0 exactly; ∇f = 0 makes d = 0, so
    // the ascent stops after the one evaluation at x, in either mode.
    let x = uniform(20, -1.0, 1.0, 6);
    for subspace in [None, Some(5)] {
        let s = SharpnessSettings {
            subspace,
            ..settings(1e-2)
        };
        let r = epsilon_sharpness(&Flat(20), &x, &s);
        assert_eq!((r.value, r.max_loss, r.base_loss), (0.0, 0.3, 0.3));
        assert_eq!((r.iterations, r.evaluations), (0, 1));
    }
}

#[test]
fn curvature_sharpness_mlp_is_nonnegative_and_grows_with_epsilon() {
    // The boxes are nested in ε, so the true max is non-decreasing in ε; the ascent is
    // monotone from y = 0, so φ ≥ 0. Checked at the init of a small tanh net and at a
    // point after a few gradient steps.
    let (mlp, data, mut theta) = small_mlp::<f64>(7);
    let obj = MlpObjective::new(&mlp, &data);
    for point in 0..2 {
        if point == 1 {
            let mut g = vec![0.0; theta.len()];
            for _ in 0..200 {
                obj.loss_grad(&theta, &mut g);
                theta.iter_mut().zip(&g).for_each(|(t, g)| *t -= 0.5 * g);
            }
        }
        let mut last = 0.0;
        for eps in [0.0, 1e-5, 1e-4, 5e-4, 1e-3, 5e-3, 1e-2, 5e-2, 1e-1] {
            let r = epsilon_sharpness(&obj, &theta, &settings(eps));
            println!(
                "point {point} ε {eps:e}: φ {:.6e}, {} it, {} evals, at bound {:.3}",
                r.value, r.iterations, r.evaluations, r.at_bound
            );
            assert!(r.value >= 0.0 && r.max_loss >= r.base_loss);
            if eps == 0.0 {
                assert_eq!(r.value, 0.0);
            }
            assert!(
                r.value >= last,
                "φ fell from {last} to {} at ε {eps}",
                r.value
            );
            last = r.value;
        }
    }
}

#[test]
fn curvature_sharpness_f32_agrees_with_f64() {
    // The same net, data and point in f32 and f64: the ascent runs in f64 either way,
    // so φ differs by the f32 rounding of the losses and of x + y (~1e-7 of f ≈ 1.3,
    // against a gain max − f(x) ≈ 5e-3, i.e. ~1e-4 relative): 1e-3 leaves a margin.
    let (mlp, data64, theta) = small_mlp::<f64>(8);
    let (_, data32, _) = small_mlp::<f32>(8);
    let theta32: Vec<f32> = theta.iter().map(|&t| t as f32).collect();
    let s = settings(1e-3);
    let a = epsilon_sharpness(&MlpObjective::new(&mlp, &data64), &theta, &s);
    let b = epsilon_sharpness(&MlpObjective::new(&mlp, &data32), &theta32, &s);
    println!("f64 {:?}\nf32 {:?}", a, b);
    assert!(rel(b.value, a.value) < 1e-3, "{} vs {}", b.value, a.value);
}

#[test]
fn curvature_sharpness_subspace_linear_matches_closed_form() {
    // With y = A z, f(x + A z) = f(x) + (Aᵀg)ᵀz, maximised over |z_j| ≤ ε (|w_j| + 1),
    // w = A⁺x, at z_j = sign((Aᵀg)_j) ε (|w_j| + 1):
    // max − f(x) = ε Σ_j |(Aᵀg)_j| (|w_j| + 1).
    // A and w are recomputed here from the public helpers; w must satisfy the normal
    // equations Aᵀ(A w − x) = 0.
    let (n, p, eps, seed) = (200, 12, 1e-3, 42);
    let obj = Linear {
        g: uniform(n, -1.0, 1.0, 9),
        c: 0.5,
    };
    let x = uniform(n, -1.0, 1.0, 10);
    let a = subspace_matrix(n, p, seed);
    let w = pinv_apply(&a, &x);
    let resid = a.tr_mul(&(&a * DVector::from_column_slice(&w) - DVector::from_column_slice(&x)));
    assert!(
        resid.amax() < 1e-10 * n as f64,
        "normal equations residual {}",
        resid.amax()
    );
    let atg = a.tr_mul(&DVector::from_column_slice(&obj.g));
    let gain: f64 = (0..p).map(|j| atg[j].abs() * (w[j].abs() + 1.0)).sum();
    let fx = obj.c + dot(&obj.g, &x);
    let expected = 100.0 * eps * gain / (1.0 + fx);
    let s = SharpnessSettings {
        epsilon: eps,
        iterations: 20,
        subspace: Some(p),
        seed,
    };
    let r = epsilon_sharpness(&obj, &x, &s);
    assert!(rel(r.value, expected) < 1e-10, "{} vs {expected}", r.value);
    assert_eq!((r.iterations, r.at_bound, r.subspace), (1, 1.0, Some(p)));
}

#[test]
fn curvature_sharpness_subspace_is_feasible_and_seeded() {
    // What subspace mode guarantees: the returned z lies in its own box
    // |z_j| ≤ ε (|(A⁺x)_j| + 1), max_loss is f(x + A z) at that z, and φ ≥ 0. It does
    // NOT guarantee φ_sub ≤ φ_full: A z need not lie in the full-space box (the
    // columns of A have norm ≈ √P), so that is not asserted. A seed fixes A, so the
    // same seed reproduces φ bit for bit and another seed gives another value.
    let (mlp, data, theta) = small_mlp::<f64>(11);
    let obj = MlpObjective::new(&mlp, &data);
    let p = 10;
    let s = |seed| SharpnessSettings {
        epsilon: 1e-3,
        iterations: 20,
        subspace: Some(p),
        seed,
    };
    let (r, z, u) = ascend(&obj, &theta, &s(1));
    assert_eq!(z.len(), p);
    let a = subspace_matrix(theta.len(), p, 1);
    let w = pinv_apply(&a, &theta);
    for j in 0..p {
        assert_eq!(u[j], 1e-3 * (w[j].abs() + 1.0));
        assert!(z[j].abs() <= u[j], "z_{j} = {} outside ±{}", z[j], u[j]);
    }
    let y = &a * DVector::from_column_slice(&z);
    let xy: Vec<f64> = theta.iter().zip(y.iter()).map(|(t, y)| t + y).collect();
    assert_eq!(obj.loss(&xy), r.max_loss);
    assert!(r.value > 0.0 && r.max_loss > r.base_loss);
    let again = epsilon_sharpness(&obj, &theta, &s(1));
    assert_eq!(again, r);
    let other = epsilon_sharpness(&obj, &theta, &s(2));
    assert_ne!(other.value, r.value);
    let full = epsilon_sharpness(&obj, &theta, &settings(1e-3));
    println!(
        "subspace seed 1 {:?}\nseed 2 {:?}\nfull {:?}",
        r, other, full
    );
}
