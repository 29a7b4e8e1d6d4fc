//! Central finite differences: the independent reference that exact gradients and
//! Hessian-vector products are checked against (`losscape check`, the derivative tests).
//!
//! - [`gradient`]: ∂f/∂θᵢ ≈ (f(θ + h eᵢ) − f(θ − h eᵢ)) / 2h for every coordinate;
//! - [`directional_derivative`]: ∇f(θ)ᵀv ≈ (f(θ + h v) − f(θ − h v)) / 2h;
//! - [`hvp`]: H v ≈ (∇f(θ + h v) − ∇f(θ − h v)) / 2h, central differences of the
//!   gradient;
//! - [`derivative`], [`second_derivative`]: the same for a scalar function of one
//!   variable, f′ and f″ ≈ (f(z + h) − 2 f(z) + f(z − h)) / h².
//!
//! **Step choice.** A central difference errs by h²/6 · f‴ (truncation) plus about
//! ε·|f| / h (rounding of the two values subtracted, ε = 2⁻⁵² in f64). The sum is
//! smallest at h ≈ (3ε|f| / |f‴|)^{1/3}, about 10⁻⁵ when f and its derivatives are of
//! order 1, where both terms are near 10⁻¹¹. [`GRADIENT_STEP`] = 10⁻⁶ trades a little
//! rounding (≈ 2·10⁻¹⁰) for almost no truncation (≈ 2·10⁻¹³); [`HVP_STEP`] = 10⁻⁵ is the
//! optimum itself, because the gradients it subtracts carry the rounding of a whole
//! backward pass rather than of one loss. Either way the error is far below the 10⁻⁶
//! relative tolerance the checks assert, for nets whose activations are smooth near θ
//! (a ReLU kink within h of a pre-activation breaks the expansion: callers keep away
//! from kinks). The second difference divides by h², so its rounding is ε|f| / h²:
//! use a larger step there (10⁻⁵ gives ≈ 10⁻⁶).
//!
//! Only f64: in f32 the rounding term alone would be ≈ 10⁻², so f32 derivatives are
//! checked against f64 ones instead.

/// The step of [`gradient`] and [`directional_derivative`] in the checks (see the
/// module docs).
pub const GRADIENT_STEP: f64 = 1e-6;
/// The step of [`hvp`] in the checks (see the module docs).
pub const HVP_STEP: f64 = 1e-5;

/// Per-coordinate central differences of `f` at `theta` with step `h`: entry i is
/// (f(θ + h eᵢ) − f(θ − h eᵢ)) / 2h. Costs 2P evaluations of f.
pub fn gradient(f: impl Fn(&[f64]) -> f64, theta: &[f64], h: f64) -> Vec<f64> {
    let mut t = theta.to_vec();
    (0..theta.len())
        .map(|i| {
            t[i] = theta[i] + h;
            let fp = f(&t);
            t[i] = theta[i] - h;
            let fm = f(&t);
            t[i] = theta[i];
            (fp - fm) / (2.0 * h)
        })
        .collect()
}

/// The derivative of `f` at `theta` along `v` (not normalised):
/// (f(θ + h v) − f(θ − h v)) / 2h ≈ ∇f(θ)ᵀv.
pub fn directional_derivative(f: impl Fn(&[f64]) -> f64, theta: &[f64], v: &[f64], h: f64) -> f64 {
    (f(&shifted(theta, v, h)) - f(&shifted(theta, v, -h))) / (2.0 * h)
}

/// Central differences of the gradient along `v`: (∇f(θ + h v) − ∇f(θ − h v)) / 2h ≈ H v.
/// `grad(t, out)` writes ∇f(t) into `out` (length P).
pub fn hvp(grad: impl Fn(&[f64], &mut [f64]), theta: &[f64], v: &[f64], h: f64) -> Vec<f64> {
    let p = theta.len();
    let (mut gp, mut gm) = (vec![0.0; p], vec![0.0; p]);
    grad(&shifted(theta, v, h), &mut gp);
    grad(&shifted(theta, v, -h), &mut gm);
    gp.iter()
        .zip(&gm)
        .map(|(a, b)| (a - b) / (2.0 * h))
        .collect()
}

/// (f(z + h) − f(z − h)) / 2h ≈ f′(z).
pub fn derivative(f: impl Fn(f64) -> f64, z: f64, h: f64) -> f64 {
    (f(z + h) - f(z - h)) / (2.0 * h)
}

/// (f(z + h) − 2 f(z) + f(z − h)) / h² ≈ f″(z).
pub fn second_derivative(f: impl Fn(f64) -> f64, z: f64, h: f64) -> f64 {
    (f(z + h) - 2.0 * f(z) + f(z - h)) / (h * h)
}

/// θ + s·v.
fn shifted(theta: &[f64], v: &[f64], s: f64) -> Vec<f64> {
    assert_eq!(
        theta.len(),
        v.len(),
        "finite differences: θ and v lengths differ"
    );
    theta.iter().zip(v).map(|(t, d)| t + s * d).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// f(x, y) = x³ + 2xy − y², ∇f = (3x² + 2y, 2x − 2y), H = [[6x, 2], [2, −2]].
    fn f(t: &[f64]) -> f64 {
        t[0].powi(3) + 2.0 * t[0] * t[1] - t[1] * t[1]
    }
    fn grad(t: &[f64], g: &mut [f64]) {
        g[0] = 3.0 * t[0] * t[0] + 2.0 * t[1];
        g[1] = 2.0 * t[0] - 2.0 * t[1];
    }

    #[test]
    fn gradient_of_a_cubic_is_exact_up_to_the_truncation_term() {
        let theta = [0.7, -1.3];
        let g = gradient(f, &theta, GRADIENT_STEP);
        // Truncation h² · f‴/6 = 10⁻¹² in x (f‴ = 6), 0 in y; rounding ≤ ε|f|/h ≈ 7·10⁻¹⁰.
        assert!((g[0] - (3.0 * 0.49 - 2.6)).abs() < 1e-8, "{g:?}");
        assert!((g[1] - (1.4 + 2.6)).abs() < 1e-8, "{g:?}");
        let v = [0.3, 0.4];
        let dd = directional_derivative(f, &theta, &v, GRADIENT_STEP);
        assert!((dd - ((3.0 * 0.49 - 2.6) * 0.3 + (1.4 + 2.6) * 0.4)).abs() < 1e-8);
    }

    #[test]
    fn hvp_of_a_cubic_matches_its_hessian() {
        let (theta, v) = ([0.7, -1.3], [0.3, 0.4]);
        let hv = hvp(grad, &theta, &v, HVP_STEP);
        // H v = (6·0.7·0.3 + 2·0.4, 2·0.3 − 2·0.4); ∇f is quadratic, so exact to rounding.
        assert!((hv[0] - (1.26 + 0.8)).abs() < 1e-9, "{hv:?}");
        assert!((hv[1] - (0.6 - 0.8)).abs() < 1e-9, "{hv:?}");
    }

    #[test]
    fn scalar_derivatives_of_the_sine() {
        for z in [-2.0, 0.0, 0.5, 3.0] {
            assert!((derivative(f64::sin, z, GRADIENT_STEP) - z.cos()).abs() < 1e-9);
            assert!((second_derivative(f64::sin, z, 1e-4) + z.sin()).abs() < 1e-6);
        }
    }

    #[test]
    fn gradient_leaves_theta_unchanged_and_costs_two_evaluations_per_coordinate() {
        let calls = std::cell::Cell::new(0);
        let theta = [1.0, 2.0, 3.0];
        let g = gradient(
            |t| {
                calls.set(calls.get() + 1);
                assert!(t.iter().zip(&theta).filter(|(a, b)| a != b).count() == 1);
                t.iter().sum()
            },
            &theta,
            0.5,
        );
        assert_eq!(g, [1.0, 1.0, 1.0]);
        assert_eq!(calls.get(), 6);
    }
}
