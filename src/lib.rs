//! losscape: loss-landscape analysis of multilayer perceptrons.
//!
//! Parameters are one flat vector `theta` (see [`nn::Layout`] for the order); the
//! [`objective::Objective`] trait gives loss, gradient and exact Hessian-vector products
//! on a flat theta, for an MLP on a data set or for analytic toys.

pub mod data;
pub mod error;
pub mod nn;
pub mod objective;
pub mod scalar;

pub use error::{Error, Result};
pub use scalar::Scalar;
