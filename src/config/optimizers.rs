//! `[experiment]` of kind `optimizers`: first- and second-order optimisers raced from
//! the same points near saddles (Dauphin et al. 2014).

use serde::{Deserialize, Serialize};

/// An optimiser raced by kind `optimizers` (full batch, in f64).
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
pub enum Racer {
    /// θ ← θ − lr·g.
    Gd,
    /// Heavy ball, μ = 0.9, at `lr`.
    Momentum,
    /// Adam (β = 0.9, 0.999) at `adam_lr`.
    Adam,
    /// Newton's step in the Krylov subspace: eigenvalues with their signs, so negative
    /// curvature pulls it towards the saddle.
    Newton,
    /// Saddle-free Newton: the same step with |λ| (Dauphin et al. 2014, Alg. 1).
    SaddleFreeNewton,
}

impl Racer {
    pub const ALL: [Racer; 5] = [
        Racer::Gd,
        Racer::Momentum,
        Racer::Adam,
        Racer::Newton,
        Racer::SaddleFreeNewton,
    ];

    /// The name used in configs and summaries.
    pub fn name(self) -> &'static str {
        self.into()
    }

    /// Whether the step is built from HVPs (a Krylov subspace).
    pub fn second_order(self) -> bool {
        matches!(self, Racer::Newton | Racer::SaddleFreeNewton)
    }
}

/// Where the races start.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RaceStart {
    /// The `[train]` run's point of smallest ‖∇L‖ among those with a negative Hessian
    /// eigenvalue: the plateau of a saddle visit.
    #[default]
    Plateau,
    /// Saddles found by Newton-MR searches from random initialisations.
    Saddles,
    /// `[model] weights`.
    Weights,
}

/// What the races are given equally.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RaceBudget {
    /// `steps` steps each.
    Steps,
    /// The Krylov methods take `steps` steps; the first-order ones then run until they
    /// have spent as much work as the costlier of those (at most 100 × `steps` steps).
    #[default]
    Work,
}

/// `[experiment]` of kind `optimizers`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OptimizersConfig {
    pub start: RaceStart,
    /// saddles: searches from this many random initialisations (the model's init times
    /// `init_scale`), of which the first `max_starts` that end on a saddle are raced from.
    pub searches: usize,
    pub init_scale: f64,
    pub max_starts: usize,
    /// The optimisers raced (default: all five).
    pub optimizers: Vec<Racer>,
    /// Steps of each optimiser (of the Krylov methods, with `budget = "work"`).
    pub steps: usize,
    pub budget: RaceBudget,
    /// Learning rate of gd, momentum and of the Krylov methods' gradient step in the
    /// subspace's complement; Adam's own.
    pub lr: f64,
    pub adam_lr: f64,
    /// The Krylov methods: subspace dimension, damping μ and backtracking line search.
    pub krylov_dim: usize,
    pub damping: f64,
    pub line_search: bool,
    /// Every race starts from the start point moved by a seeded random step of this
    /// length (the same for every optimiser): at an exact critical point none of them
    /// would move.
    pub perturbation: f64,
    /// A race has escaped once its loss is below (1 − escape_drop) × the start's.
    pub escape_drop: f64,
    /// Points per axis of the loss over the plane of the start's top and most negative
    /// eigenvectors (0: no plane).
    pub grid: usize,
}

impl Default for OptimizersConfig {
    fn default() -> Self {
        OptimizersConfig {
            start: RaceStart::Plateau,
            searches: 20,
            init_scale: 1.0,
            max_starts: 3,
            optimizers: Racer::ALL.to_vec(),
            steps: 200,
            budget: RaceBudget::Work,
            lr: 0.1,
            adam_lr: 0.01,
            krylov_dim: 10,
            damping: 0.1,
            line_search: true,
            perturbation: 1e-3,
            escape_drop: 0.1,
            grid: 41,
        }
    }
}
