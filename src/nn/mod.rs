//! The network: flat-parameter layout, activations, losses, the MLP with backprop and
//! the R-operator, initialisation, the matmul entry point and weights files.

pub mod activation;
pub mod chunked;
pub mod init;
pub mod layout;
pub mod loss;
pub mod matmul;
pub mod mlp;
pub mod samples;
pub mod team;
pub mod weights;

pub use activation::Activation;
pub use init::Init;
pub use layout::Layout;
pub use loss::{Loss, Targets};
pub use mlp::{Batch, BatchStats, Mlp, Workspace};
pub use samples::Samples;
