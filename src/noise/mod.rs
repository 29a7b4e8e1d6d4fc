//! The gradient noise of minibatch SGD at a point (Zhu, Wu, Yu, Wu & Ma 2019, "The
//! anisotropic noise in stochastic gradient descent").
//!
//! With per-sample gradients gᵢ = ∇ℓᵢ(θ) of a loss L = (1/n)·Σᵢ ℓᵢ, a minibatch of b rows
//! drawn with replacement gives g_B = (1/b)·Σ_{i∈B} gᵢ, unbiased for ḡ = ∇L, with
//! covariance
//!
//! ```text
//! Σ_b = (1/b)·C,   C = (1/n)·Σᵢ gᵢgᵢᵀ − ḡḡᵀ = (1/n)·Σᵢ (gᵢ − ḡ)(gᵢ − ḡ)ᵀ.
//! ```
//!
//! Drawn without replacement (one slice of a shuffled epoch) the covariance is
//! (n − b)/(n − 1) times that ([`Sampling`]).
//!
//! - [`per_sample`]: the gᵢ of chosen rows of an MLP, one backward pass per row.
//! - [`covariance`]: C held as its m centred gradients (never as a P × P matrix): the
//!   product v ↦ Cv, tr(C), diag(C), vᵀCv, tr(HC) with one HVP per row, and the top
//!   eigenpairs by Lanczos.
//! - [`point`]: C and the top eigenpairs of H and C at one point of an MLP's loss.
//! - [`gld`]: Gaussian noise of a chosen covariance (isotropic, diagonal, low rank) for
//!   the Langevin-style dynamics Zhu et al. compare SGD with.

pub mod covariance;
pub mod gld;
pub mod per_sample;
pub mod point;

pub use covariance::{GradientNoise, Sampling};
pub use gld::NoiseShape;
pub use per_sample::{per_sample_gradients, sample_rows};
