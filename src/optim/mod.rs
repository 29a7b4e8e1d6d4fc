//! Optimisers and the training loop that records a trajectory.

pub mod optimizer;
pub mod saddle_free;
pub mod train;

pub use optimizer::{Hyper, Optimizer, OptimizerKind};
pub use train::{train, Length, Record, Schedule, SfnRecord, Snapshot, TrainPlan, Trajectory};
