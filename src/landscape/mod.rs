//! Loss-landscape slices (Li et al. 2018, "Visualizing the Loss Landscape of Neural
//! Nets"): directions in parameter space ([`directions`], [`pca`] of a training path),
//! 1-D and 2-D grids of θ + a·d_x + b·d_y evaluated in parallel ([`grid`]), and a
//! resumable on-disk store for long sweeps ([`store`]).

pub mod directions;
pub mod grid;
pub mod pca;
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
