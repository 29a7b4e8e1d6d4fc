//! Critical points of a loss: where they are and what they are.
//!
//! - [`search`]: drive ‖∇f‖ to zero from a start by minimising ½‖∇f‖² (Newton-MR,
//!   Levenberg–Marquardt or gradient steps on the gradient norm), whatever the kind of
//!   critical point nearby.
//! - [`report`]: the curvature report of one point from HVPs (extreme eigenvalues,
//!   trace, Hessian index) and its classification as a minimum, a saddle, degenerate or
//!   not critical (Dauphin et al. 2014).

pub mod report;
pub mod search;

pub use report::{
    analyse, classify, Budget, PointClass, Spectrum, SpectrumReport, SpectrumSettings,
    SpectrumSummary,
};
pub use search::{find_critical_point, SearchMethod, SearchResult, SearchSettings, SearchStatus};
