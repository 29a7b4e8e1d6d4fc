//! Hidden-layer activations and the derivatives backprop and the R-operator need.
//!
//! For a = f(z): `f'(z)` drives backprop, `f''(z)` the R-backward pass of the
//! Hessian-vector product (Pearlmutter 1994). Each is written in terms of (z, a) so the
//! cached activation can be reused. `step` has no derivative and is forward-only.

use crate::scalar::Scalar;
use multiversion::multiversion;
use serde::{Deserialize, Serialize};

#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::VariantNames,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Activation {
    /// Heaviside: 1 for z > 0, else 0 (the lecture's threshold neuron). Forward only.
    Step,
    Sigmoid,
    Tanh,
    Relu,
    Identity,
}

impl Activation {
    /// The name used in configs (as serde reads it).
    pub fn name(self) -> &'static str {
        self.into()
    }

    /// Whether gradients exist (everything except `step`).
    pub fn is_differentiable(self) -> bool {
        self != Activation::Step
    }

    /// a = f(z), in place.
    pub fn apply<S: Scalar>(self, z: &mut [S]) {
        apply_in_place(self, z)
    }

    /// out ⊙= f'(z), given a = f(z): backprop through the activation.
    pub fn mul_d1<S: Scalar>(self, out: &mut [S], a: &[S]) {
        mul_by_d1(self, out, a)
    }

    /// out = f'(z) ⊙ r, given a = f(z): the R-forward pass, R a = f'(z) ⊙ R z.
    pub fn d1_times<S: Scalar>(self, out: &mut [S], a: &[S], r: &[S]) {
        d1_times(self, out, a, r)
    }

    /// The R-backward activation step, in place on `r_delta`:
    /// R δ ← R δ ⊙ f'(z) + δ ⊙ f''(z) ⊙ R z, given a = f(z) and the δ before its own
    /// activation factor.
    pub fn r_backward<S: Scalar>(self, r_delta: &mut [S], delta: &[S], a: &[S], rz: &[S]) {
        r_backward(self, r_delta, delta, a, rz)
    }

    /// f'(z) given a = f(z).
    #[inline]
    pub fn d1<S: Scalar>(self, a: S) -> S {
        match self {
            Activation::Step => S::zero(),
            Activation::Sigmoid => a * (S::one() - a),
            Activation::Tanh => S::one() - a * a,
            Activation::Relu => {
                if a > S::zero() {
                    S::one()
                } else {
                    S::zero()
                }
            }
            Activation::Identity => S::one(),
        }
    }

    /// f''(z) given a = f(z).
    #[inline]
    pub fn d2<S: Scalar>(self, a: S) -> S {
        let two = S::of(2.0);
        match self {
            Activation::Sigmoid => a * (S::one() - a) * (S::one() - two * a),
            Activation::Tanh => -two * a * (S::one() - a * a),
            Activation::Step | Activation::Relu | Activation::Identity => S::zero(),
        }
    }

    /// Whether f'' is identically zero (lets the R-backward pass skip a term).
    pub fn is_piecewise_linear(self) -> bool {
        matches!(
            self,
            Activation::Relu | Activation::Identity | Activation::Step
        )
    }
}

// The slice loops behind the methods above, compiled per x86-64 level (see `crate::simd`):
// the match on the activation is outside the loop, so each arm vectorises.

#[multiversion(targets(
    "x86_64+avx512f+avx512bw+avx512cd+avx512dq+avx512vl+avx2+fma",
    "x86_64+avx2+fma"
))]
fn apply_in_place<S: Scalar>(act: Activation, z: &mut [S]) {
    match act {
        Activation::Step => z
            .iter_mut()
            .for_each(|v| *v = if *v > S::zero() { S::one() } else { S::zero() }),
        Activation::Sigmoid => z.iter_mut().for_each(|v| *v = v.sigmoid_act()),
        Activation::Tanh => z.iter_mut().for_each(|v| *v = v.tanh_act()),
        Activation::Relu => z.iter_mut().for_each(|v| *v = v.max(S::zero())),
        Activation::Identity => {}
    }
}

#[multiversion(targets(
    "x86_64+avx512f+avx512bw+avx512cd+avx512dq+avx512vl+avx2+fma",
    "x86_64+avx2+fma"
))]
fn mul_by_d1<S: Scalar>(act: Activation, out: &mut [S], a: &[S]) {
    // Multiplying (not zeroing) keeps a NaN or ∞ in `out` visible, as f'·δ does.
    if act != Activation::Identity {
        out.iter_mut().zip(a).for_each(|(o, &ai)| *o *= act.d1(ai));
    }
}

#[multiversion(targets(
    "x86_64+avx512f+avx512bw+avx512cd+avx512dq+avx512vl+avx2+fma",
    "x86_64+avx2+fma"
))]
fn d1_times<S: Scalar>(act: Activation, out: &mut [S], a: &[S], r: &[S]) {
    for ((o, &ai), &ri) in out.iter_mut().zip(a).zip(r) {
        *o = act.d1(ai) * ri;
    }
}

#[multiversion(targets(
    "x86_64+avx512f+avx512bw+avx512cd+avx512dq+avx512vl+avx2+fma",
    "x86_64+avx2+fma"
))]
fn r_backward<S: Scalar>(act: Activation, r_delta: &mut [S], delta: &[S], a: &[S], rz: &[S]) {
    if act.is_piecewise_linear() {
        return mul_by_d1(act, r_delta, a);
    }
    for (((rd, &d), &ai), &rzi) in r_delta.iter_mut().zip(delta).zip(a).zip(rz) {
        *rd = *rd * act.d1(ai) + d * act.d2(ai) * rzi;
    }
}

/// Numerically stable logistic function.
#[inline]
pub fn sigmoid<S: Scalar>(z: S) -> S {
    if z >= S::zero() {
        S::one() / (S::one() + (-z).exp())
    } else {
        let e = z.exp();
        e / (S::one() + e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finite_diff;

    #[test]
    fn derivatives_match_central_differences() {
        let h = 1e-5;
        for act in [Activation::Sigmoid, Activation::Tanh, Activation::Identity] {
            for &z in &[-2.0f64, -0.3, 0.0, 0.7, 3.0] {
                let f = |z: f64| {
                    let mut v = [z];
                    act.apply(&mut v);
                    v[0]
                };
                let a = f(z);
                let d1 = finite_diff::derivative(f, z, h);
                let d2 = finite_diff::second_derivative(f, z, h);
                assert!((act.d1(a) - d1).abs() < 1e-8, "{act:?} f' at {z}");
                assert!((act.d2(a) - d2).abs() < 1e-4, "{act:?} f'' at {z}");
            }
        }
    }

    /// The slice kernels (one clone per x86-64 level) compute exactly the scalar
    /// formulas, and let a NaN in δ through.
    #[test]
    fn slice_kernels_equal_the_scalar_formulas_bit_for_bit() {
        let z: Vec<f32> = (0..203).map(|i| (i as f32 * 0.173).sin() * 4.0).collect();
        let r: Vec<f32> = (0..203).map(|i| (i as f32 * 0.311).cos()).collect();
        let mut d: Vec<f32> = (0..203).map(|i| (i as f32 * 0.057).sin()).collect();
        d[7] = f32::NAN;
        let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<u32>>();
        for act in [Activation::Sigmoid, Activation::Tanh, Activation::Relu] {
            let mut a = z.clone();
            act.apply(&mut a);
            let want: Vec<f32> = z
                .iter()
                .map(|&v| match act {
                    Activation::Sigmoid => v.sigmoid_act(),
                    Activation::Tanh => v.tanh_act(),
                    _ => v.max(0.0),
                })
                .collect();
            assert_eq!(bits(&a), bits(&want), "{act:?} apply");
            let mut out = d.clone();
            act.mul_d1(&mut out, &a);
            let want: Vec<f32> = d.iter().zip(&a).map(|(&x, &ai)| x * act.d1(ai)).collect();
            assert_eq!(bits(&out), bits(&want), "{act:?} mul_d1");
            assert!(out[7].is_nan());
            act.d1_times(&mut out, &a, &r);
            let want: Vec<f32> = a.iter().zip(&r).map(|(&ai, &x)| act.d1(ai) * x).collect();
            assert_eq!(bits(&out), bits(&want), "{act:?} d1_times");
            let mut rd = r.clone();
            act.r_backward(&mut rd, &d, &a, &z);
            // Piecewise-linear activations skip the f'' term (0 · NaN would be NaN).
            let want: Vec<f32> = (0..203)
                .map(|i| match act.is_piecewise_linear() {
                    true => r[i] * act.d1(a[i]),
                    false => r[i] * act.d1(a[i]) + d[i] * act.d2(a[i]) * z[i],
                })
                .collect();
            assert_eq!(bits(&rd), bits(&want), "{act:?} r_backward");
        }
    }
}
