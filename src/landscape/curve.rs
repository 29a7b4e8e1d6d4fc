//! Curves between two minima θ_a and θ_b through a trainable bend θ_c (Garipov et al.
//! 2018, "Loss surfaces, mode connectivity, and fast ensembling of DNNs"):
//!
//! - Bézier: φ(t) = (1−t)²θ_a + 2t(1−t)θ_c + t²θ_b, so ∂φ/∂θ_c = 2t(1−t)·I;
//! - polychain: θ_a → θ_c for t ≤ ½ (φ = (1−2t)θ_a + 2tθ_c) and θ_c → θ_b after
//!   (φ = (2−2t)θ_c + (2t−1)θ_b), so ∂φ/∂θ_c = min(2t, 2−2t)·I.
//!
//! Both pass through θ_a at t = 0 and θ_b at t = 1 exactly. [`fit_bend`] minimises
//! E_{t~U(0,1)} L(φ(t)) over θ_c, one t per step, with the caller's optimiser: the
//! gradient of L(φ(t)) in θ_c is w(t)·∇L(φ(t)). [`barrier`] is the highest loss on a
//! path minus the mean of its ends' losses.

use crate::objective::Objective;
use rand::Rng;
use serde::{Deserialize, Serialize};

/// The curve's shape.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CurveKind {
    #[default]
    Bezier,
    Polychain,
}

/// A curve from `a` to `b` of a kind; the bend is passed to each call.
#[derive(Clone, Copy, Debug)]
pub struct Curve<'a> {
    pub kind: CurveKind,
    pub a: &'a [f64],
    pub b: &'a [f64],
}

impl CurveKind {
    /// The weights (of θ_a, θ_c, θ_b) of φ(t).
    pub fn weights(self, t: f64) -> [f64; 3] {
        match self {
            CurveKind::Bezier => [(1.0 - t) * (1.0 - t), 2.0 * t * (1.0 - t), t * t],
            CurveKind::Polychain if t <= 0.5 => [1.0 - 2.0 * t, 2.0 * t, 0.0],
            CurveKind::Polychain => [0.0, 2.0 - 2.0 * t, 2.0 * t - 1.0],
        }
    }

    /// The name, as in configs.
    pub fn name(self) -> &'static str {
        match self {
            CurveKind::Bezier => "bezier",
            CurveKind::Polychain => "polychain",
        }
    }
}

impl Curve<'_> {
    /// The weights (of θ_a, θ_c, θ_b) of φ(t).
    pub fn weights(&self, t: f64) -> [f64; 3] {
        self.kind.weights(t)
    }

    /// φ(t) with bend `c`, written to `out`.
    pub fn point(&self, c: &[f64], t: f64, out: &mut [f64]) {
        let [wa, wc, wb] = self.weights(t);
        for (i, o) in out.iter_mut().enumerate() {
            *o = wa * self.a[i] + wc * c[i] + wb * self.b[i];
        }
    }

    /// The straight line from a to b as a curve of this shape's parametrisation: the
    /// bend at the midpoint (for both shapes φ(t) is then (1−t)θ_a + tθ_b).
    pub fn midpoint(&self) -> Vec<f64> {
        self.a
            .iter()
            .zip(self.b)
            .map(|(x, y)| 0.5 * (x + y))
            .collect()
    }
}

/// Training of the bend: `steps` steps, each drawing t ~ U(0, 1) from `rng`, taking
/// `loss_grad(s, φ(t), g)` (the objective of step s, a minibatch's say) and handing the
/// bend's gradient w_c(t)·g to `update(c, g_c)` (an optimiser step). Returns each step's
/// sampled loss L(φ(t)).
pub fn fit_bend<R: Rng + ?Sized>(
    curve: &Curve,
    c: &mut [f64],
    steps: usize,
    rng: &mut R,
    mut loss_grad: impl FnMut(usize, &[f64], &mut [f64]) -> f64,
    mut update: impl FnMut(&mut [f64], &[f64]),
) -> Vec<f64> {
    let p = c.len();
    let (mut at, mut g) = (vec![0.0; p], vec![0.0; p]);
    (0..steps)
        .map(|s| {
            let t: f64 = rng.random();
            curve.point(c, t, &mut at);
            let loss = loss_grad(s, &at, &mut g);
            let w = curve.weights(t)[1];
            g.iter_mut().for_each(|gi| *gi *= w);
            update(c, &g);
            loss
        })
        .collect()
}

/// The loss at `points` evenly spaced t in [0, 1] along the curve with bend `c`.
pub fn losses_along<O: Objective<f64>>(
    obj: &O,
    curve: &Curve,
    c: &[f64],
    points: usize,
) -> Vec<f64> {
    let mut at = vec![0.0; c.len()];
    (0..points)
        .map(|i| {
            curve.point(c, i as f64 / (points.max(2) - 1) as f64, &mut at);
            obj.loss(&at)
        })
        .collect()
}

/// max over the path of the loss minus the mean of its two ends' losses.
pub fn barrier(losses: &[f64]) -> f64 {
    let (Some(first), Some(last)) = (losses.first(), losses.last()) else {
        return f64::NAN;
    };
    losses.iter().cloned().fold(f64::NEG_INFINITY, f64::max) - 0.5 * (first + last)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    /// A ring valley, L = (x² + y² − 1)²: minima all around the unit circle, a bump of
    /// 1 at the origin that the straight line from (−1, 0) to (1, 0) crosses.
    struct Ring;
    impl Objective<f64> for Ring {
        fn dim(&self) -> usize {
            2
        }
        fn loss(&self, t: &[f64]) -> f64 {
            (t[0] * t[0] + t[1] * t[1] - 1.0).powi(2)
        }
        fn loss_grad(&self, t: &[f64], g: &mut [f64]) -> f64 {
            let r = t[0] * t[0] + t[1] * t[1] - 1.0;
            g[0] = 4.0 * r * t[0];
            g[1] = 4.0 * r * t[1];
            r * r
        }
        /// H = 4(r² − 1)·I + 8·θθᵀ.
        fn hvp(&self, t: &[f64], v: &[f64], hv: &mut [f64]) {
            let r = t[0] * t[0] + t[1] * t[1] - 1.0;
            let tv = t[0] * v[0] + t[1] * v[1];
            for ((h, vi), ti) in hv.iter_mut().zip(v).zip(t) {
                *h = 4.0 * r * vi + 8.0 * ti * tv;
            }
        }
    }

    #[test]
    fn both_curves_end_exactly_at_the_two_minima() {
        let (a, b, c) = ([0.3, -1.7, 2.0], [1.1, 0.4, -0.9], [5.0, 6.0, 7.0]);
        for kind in [CurveKind::Bezier, CurveKind::Polychain] {
            let curve = Curve { kind, a: &a, b: &b };
            let mut out = [0.0; 3];
            curve.point(&c, 0.0, &mut out);
            assert_eq!(out, a);
            curve.point(&c, 1.0, &mut out);
            assert_eq!(out, b);
            // The midpoint bend gives the straight line.
            curve.point(&curve.midpoint(), 0.25, &mut out);
            for i in 0..3 {
                assert!((out[i] - (0.75 * a[i] + 0.25 * b[i])).abs() < 1e-15);
            }
        }
    }

    #[test]
    fn a_trained_bend_goes_round_the_ring_where_the_line_crosses_the_bump() {
        let (a, b) = ([-1.0, 0.0], [1.0, 0.0]);
        for kind in [CurveKind::Bezier, CurveKind::Polychain] {
            let curve = Curve { kind, a: &a, b: &b };
            let line = barrier(&losses_along(&Ring, &curve, &curve.midpoint(), 101));
            assert!((line - 1.0).abs() < 1e-12, "{line}");
            // Start the bend just off the line, so the gradient can choose a side.
            let mut c = vec![0.0, 0.1];
            let mut rng = ChaCha8Rng::seed_from_u64(4);
            let sgd = |c: &mut [f64], g: &[f64]| {
                c.iter_mut().zip(g).for_each(|(ci, gi)| *ci -= 0.05 * gi)
            };
            fit_bend(
                &curve,
                &mut c,
                4000,
                &mut rng,
                |_, t, g| Ring.loss_grad(t, g),
                sgd,
            );
            let bent = barrier(&losses_along(&Ring, &curve, &c, 101));
            // A Bézier curve can follow the ring closely; two straight chords cannot
            // (their bend sits off the ring or their middles cut inside it), so the
            // polychain is only asked to halve the barrier.
            let most = match kind {
                CurveKind::Bezier => 0.1,
                CurveKind::Polychain => 0.5,
            };
            assert!(
                bent < most * line,
                "{kind:?}: barrier {bent} with bend {c:?}"
            );
        }
    }

    #[test]
    fn the_ring_hessian_matches_differences_of_its_gradient() {
        let (t, v, h) = ([0.7, -0.4], [0.3, 1.1], 1e-6);
        let mut hv = [0.0; 2];
        Ring.hvp(&t, &v, &mut hv);
        let (mut gp, mut gm) = ([0.0; 2], [0.0; 2]);
        Ring.loss_grad(&[t[0] + h * v[0], t[1] + h * v[1]], &mut gp);
        Ring.loss_grad(&[t[0] - h * v[0], t[1] - h * v[1]], &mut gm);
        for i in 0..2 {
            let fd = (gp[i] - gm[i]) / (2.0 * h);
            assert!((hv[i] - fd).abs() < 1e-6, "{i}: {} vs {fd}", hv[i]);
        }
    }
}
