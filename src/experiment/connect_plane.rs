//! The plane of a `connect` run (Garipov et al. 2018, Fig. 1): through θ_a, θ_b and the
//! bend θ_c, with orthonormal axes e₁ = (θ_b − θ_a)/‖θ_b − θ_a‖ and e₂ the part of
//! θ_c − θ_a orthogonal to e₁, normalised, so θ_a sits at (0, 0), θ_b at (‖θ_b − θ_a‖, 0)
//! and every point of the line and of the curve lies in the plane (both are affine
//! combinations of the three). If the bend lies on the line, e₂ is a seeded Gaussian
//! direction (stream `ConnectPlane`) made orthogonal to e₁.
//!
//! The grid spans the three points plus `margin` times their extent on every side; the
//! training (and test) loss is measured at each of its points by the slice engine
//! ([`crate::landscape::grid::slice_values`]), so the grid does not depend on the
//! thread count.

use crate::config::ConnectConfig;
use crate::error::Result;
use crate::landscape::curve::Curve;
use crate::landscape::grid::{column, slice_values, Evaluator, Metric, Plane as GridPlane};
use crate::landscape::Axis;
use crate::linalg::{axpy, dot, gaussian, norm, scale};
use crate::nn::{Mlp, Samples};
use crate::progress::Progress;
use crate::seeded::{rng, Stream};
use serde::{Deserialize, Serialize};

/// The plane's grid and where the three points sit in it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Plane {
    /// Grid coordinates along e₁ and e₂.
    pub x: Vec<f64>,
    pub y: Vec<f64>,
    /// (x, y) of θ_a, θ_b and the bend θ_c.
    pub a: [f64; 2],
    pub b: [f64; 2],
    pub bend: [f64; 2],
    /// True when the bend lay on the line and e₂ is a random direction.
    pub random_y: bool,
}

impl Plane {
    /// A path at each t in plane coordinates, from its weights (of θ_a, θ_c, θ_b) at t:
    /// exact, since the projection onto the plane is affine.
    pub fn path(&self, ts: &[f64], weights: impl Fn(f64) -> [f64; 3]) -> Vec<(f64, f64)> {
        ts.iter()
            .map(|&t| {
                let [wa, wc, wb] = weights(t);
                (
                    wa * self.a[0] + wc * self.bend[0] + wb * self.b[0],
                    wa * self.a[1] + wc * self.bend[1] + wb * self.b[1],
                )
            })
            .collect()
    }
}

/// The plane through the curve's ends and `bend`, and the training and test loss over
/// its grid (row y, column x).
pub fn plane(
    mlp: &Mlp,
    train: &Samples<f64>,
    test: Option<&Samples<f64>>,
    curve: &Curve,
    bend: &[f64],
    cc: &ConnectConfig,
    seed: u64,
) -> Result<(Plane, Vec<f64>, Option<Vec<f64>>)> {
    let (a, b) = (curve.a, curve.b);
    let mut e1: Vec<f64> = b.iter().zip(a).map(|(x, y)| x - y).collect();
    let length = norm(&e1);
    scale(1.0 / length, &mut e1);
    let mut e2: Vec<f64> = bend.iter().zip(a).map(|(x, y)| x - y).collect();
    let cx = dot(&e2, &e1);
    axpy(-cx, &e1, &mut e2);
    let mut cy = norm(&e2);
    let random_y = cy <= 1e-9 * length;
    if random_y {
        e2 = gaussian(a.len(), &mut rng(seed, Stream::ConnectPlane));
        axpy(-dot(&e2, &e1), &e1, &mut e2);
        cy = 0.0;
    }
    let n2 = norm(&e2);
    scale(1.0 / n2, &mut e2);

    let (x_lo, x_hi) = (cx.min(0.0), cx.max(length));
    let (y_lo, y_hi) = (cy.min(0.0), cy.max(0.0));
    let extent = (x_hi - x_lo).max(y_hi - y_lo);
    let m = cc.margin * extent;
    // A flat plane (bend on the line, no margin) still gets some height.
    let my = m.max(0.05 * extent - 0.5 * (y_hi - y_lo));
    let axis = |lo: f64, hi: f64| {
        Axis {
            range: [lo, hi],
            points: cc.grid,
        }
        .coords()
    };
    let x = axis(x_lo - m, x_hi + m);
    let y = axis(y_lo - my, y_hi + my);
    let plane = GridPlane {
        center: a,
        dx: &e1,
        dy: Some(&e2),
    };
    let eval = Evaluator::new(mlp, train, test);
    let values = slice_values(
        &eval,
        &[plane],
        &x,
        Some(&y),
        None,
        &Progress::hidden(),
        None,
    )?;
    Ok((
        Plane {
            x,
            y,
            a: [0.0, 0.0],
            b: [length, 0.0],
            bend: [cx, cy],
            random_y,
        },
        column(&values, Metric::TrainLoss),
        test.map(|_| column(&values, Metric::TestLoss)),
    ))
}
