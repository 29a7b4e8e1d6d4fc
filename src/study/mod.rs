//! Studies across many training runs: a resumable parallel runner for families of runs
//! ([`runner`]), the statistics that summarise them over seeds ([`stats`]) and the
//! tests that compare two groups of them ([`compare`]). The
//! experiment kinds `batch_size` and `width_sweep` are built on them.

pub mod compare;
pub mod runner;
pub mod stats;

pub use runner::Family;
pub use stats::{mean_std, MeanStd};
