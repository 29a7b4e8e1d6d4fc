//! losscape: loss-landscape analysis of multilayer perceptrons.
//!
//! Parameters are one flat vector `theta` (see [`nn::Layout`] for the order); the
//! [`objective::Objective`] trait gives loss, gradient and exact Hessian-vector products
//! on a flat theta, for an MLP on a data set or for analytic toys.

pub mod bundled;
pub mod check;
pub mod config;
pub mod critical;
pub mod curvature;
pub mod data;
pub mod error;
pub mod experiment;
pub mod finite_diff;
pub mod io;
pub mod json_num;
pub mod landscape;
pub mod linalg;
pub mod machine;
pub mod nn;
pub mod objective;
pub mod oom;
pub mod optim;
pub mod plot;
pub mod progress;
pub mod scalar;
pub mod seeded;
pub mod study;
pub mod templates;

pub use error::{Error, Result};
pub use scalar::Scalar;
