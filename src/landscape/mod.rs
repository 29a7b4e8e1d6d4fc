//! Loss-landscape slices (Li et al. 2018, "Visualizing the Loss Landscape of Neural
//! Nets"): directions in parameter space ([`directions`], [`pca`] of a training path),
//! 1-D and 2-D grids of θ + a·d_x + b·d_y evaluated in parallel ([`grid`]), a
//! resumable on-disk store for long sweeps ([`store`]), the Gaussian-smoothed loss on
//! a grid ([`smoothing`]) and its strict local minima ([`minima`]).
//!
//! A 1-D slice θ + a·d through a small net along a filter-normalised random direction:
//!
//! ```
//! use losscape::data::synthetic;
//! use losscape::landscape::directions::{normalize, Ignore, Normalization};
//! use losscape::linalg::{gaussian, norm};
//! use losscape::landscape::grid::{Evaluator, Plane};
//! use losscape::landscape::Axis;
//! use losscape::nn::{Activation, Init, Loss, Mlp, Samples};
//! use losscape::objective::MlpObjective;
//! use rand::SeedableRng;
//!
//! let mlp = Mlp::new(&[2, 4, 1], Activation::Tanh, Loss::Bce);
//! let data = Samples::<f64>::new(&synthetic::circles(50, 0.0, 0), mlp.loss, 1, "circles")?;
//! let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
//! let theta: Vec<f64> = Init::Xavier.theta(&mlp.layout, &mut rng);
//!
//! // Each neuron's incoming weights of d get the norm of θ's; biases are left out.
//! let mut d = gaussian(mlp.n_params(), &mut rng);
//! normalize(&mut d, &theta, &mlp.layout, Normalization::Filter, Ignore::Bias);
//! let row = mlp.layout.layer(0).row(1);
//! assert!((norm(&d[row.clone()]) - norm(&theta[row])).abs() < 1e-12);
//! assert!(d[mlp.layout.layer(0).bias()].iter().all(|&x| x == 0.0));
//!
//! // Train loss and accuracy at 5 points a ∈ [−1, 1] (no test set: those two are NaN).
//! let plane = Plane { center: &theta, dx: &d, dy: None };
//! let eval = Evaluator::new(&mlp, &data, None);
//! let axis = Axis { range: [-1.0, 1.0], points: 5 };
//! let losses: Vec<f64> = axis
//!     .coords()
//!     .iter()
//!     .map(|&a| eval.measure(&plane, a, 0.0).train_loss)
//!     .collect();
//! // The middle point is θ itself.
//! assert_eq!(losses[2], MlpObjective::new(&mlp, &data).eval(&theta).loss);
//! assert!(losses.iter().all(|l| l.is_finite() && *l > 0.0));
//! # Ok::<(), losscape::Error>(())
//! ```

pub mod curve;
pub mod directions;
pub mod first_layer;
pub mod grid;
pub mod minima;
pub mod pca;
pub mod smoothing;
pub mod store;

use serde::{Deserialize, Serialize};

/// One axis of a slice: `points` evenly spaced coordinates from `range[0]` to `range[1]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Axis {
    pub range: [f64; 2],
    pub points: usize,
}

impl Default for Axis {
    /// 51 points over [−1, 1], the range of Li et al.'s figures.
    fn default() -> Self {
        Axis {
            range: [-1.0, 1.0],
            points: 51,
        }
    }
}

impl Axis {
    /// The coordinates, endpoints included: min + (max − min)·i/(points − 1).
    pub fn coords(&self) -> Vec<f64> {
        let [lo, hi] = self.range;
        let n = self.points;
        (0..n)
            .map(|i| {
                if i + 1 == n {
                    hi
                } else {
                    lo + (hi - lo) * i as f64 / (n - 1) as f64
                }
            })
            .collect()
    }
}
