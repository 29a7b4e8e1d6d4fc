//! Hidden-layer activations and the derivatives backprop and the R-operator need.
//!
//! For a = f(z): `f'(z)` drives backprop, `f''(z)` the R-backward pass of the
//! Hessian-vector product (Pearlmutter 1994). Each is written in terms of (z, a) so the
//! cached activation can be reused. `step` has no derivative and is forward-only.

use crate::scalar::Scalar;
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
        match self {
            Activation::Step => z
                .iter_mut()
                .for_each(|v| *v = if *v > S::zero() { S::one() } else { S::zero() }),
            Activation::Sigmoid => z.iter_mut().for_each(|v| *v = v.sigmoid_act()),
            Activation::Tanh => z.iter_mut().for_each(|v| *v = v.tanh_act()),
            Activation::Relu => z.iter_mut().for_each(|v| *v = v.max(S::zero())),
            Activation::Identity => {}
        }
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
}
