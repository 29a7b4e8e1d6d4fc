//! Data sets: what a run trains and evaluates on.
//!
//! Loaders produce a [`Split`] of f64 [`Dataset`]s (features as rows); [`encode`]
//! turns a data set into the network's [`crate::nn::Samples`] for one dtype and loss.

pub mod config;
pub mod csv;
pub mod encode;
pub mod idx;
pub mod load;
pub mod lookup;
pub mod shape;
pub mod split;
pub mod synthetic;

pub use config::{DataConfig, Source, TargetSpec, Task};
pub use load::load;
pub use split::Standardizer;

use ndarray::Array2;

/// What a sample is asked to predict.
#[derive(Clone, Debug, PartialEq)]
pub enum Labels {
    /// Integer class labels in 0..n_classes.
    Classes { labels: Vec<u32>, n_classes: usize },
    /// Real-valued targets, one row per sample (n × k).
    Values(Array2<f64>),
}

/// n samples with d features each.
#[derive(Clone, Debug, PartialEq)]
pub struct Dataset {
    /// Features, n × d.
    pub x: Array2<f64>,
    pub y: Labels,
}

impl Dataset {
    pub fn n(&self) -> usize {
        self.x.nrows()
    }
    pub fn d(&self) -> usize {
        self.x.ncols()
    }
}

/// A training set and an optional test set.
#[derive(Clone, Debug, PartialEq)]
pub struct Split {
    pub train: Dataset,
    pub test: Option<Dataset>,
}
