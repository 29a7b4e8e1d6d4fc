//! Studies across many training runs: a resumable parallel runner for families of runs
//! ([`runner`]) and the statistics that summarise them over seeds ([`stats`]). The
//! experiment kinds `batch_size` and `width_sweep` are built on them.

pub mod runner;
pub mod stats;

pub use runner::Family;
pub use stats::{mean_std, MeanStd};
