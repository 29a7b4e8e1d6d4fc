//! losscape: loss-landscape analysis of multilayer perceptrons.
//!
//! Parameters are one flat vector `theta` (see [`nn::Layout`] for the order); the
//! [`objective::Objective`] trait gives loss, gradient and exact Hessian-vector products
//! on a flat theta, for an MLP on a data set or for analytic toys.
//!
//! # From code
//!
//! A net, a data set, and the loss with its gradient and an exact Hessian-vector
//! product (more in `examples/`):
//!
//! ```
//! use losscape::data::synthetic;
//! use losscape::nn::Samples;
//! use losscape::nn::{Activation, Init, Loss, Mlp};
//! use losscape::objective::{MlpObjective, Objective};
//! use rand::SeedableRng;
//!
//! let data = synthetic::xor(40, 0.1, 0); // 40 noisy XOR points, labels 0/1
//! let mlp = Mlp::new(&[2, 4, 1], Activation::Tanh, Loss::Bce);
//! let samples = Samples::<f64>::new(&data, mlp.loss, 1, "xor")?;
//! let theta: Vec<f64> =
//!     Init::Xavier.theta(&mlp.layout, &mut rand_chacha::ChaCha8Rng::seed_from_u64(0));
//!
//! let objective = MlpObjective::new(&mlp, &samples);
//! let mut grad = vec![0.0; mlp.n_params()]; // P = 4·3 + 1·5 = 17
//! let loss = objective.loss_grad(&theta, &mut grad);
//! let mut hv = vec![0.0; mlp.n_params()];
//! objective.hvp(&theta, &grad, &mut hv); // H·∇L
//! assert!(loss > 0.0 && grad.len() == 17 && hv.iter().all(|x| x.is_finite()));
//! # Ok::<(), losscape::Error>(())
//! ```
//!
//! Experiments are TOML configs ([`config`]); parsing one checks its schema and names
//! the file and the field in every error:
//!
//! ```
//! use losscape::config::LoadedConfig;
//! use std::path::Path;
//!
//! let text = r#"
//!     name = "tiny"
//!     [data]
//!     source = "circles"
//!     [model]
//!     layers = [2, 8, 1]
//!     activation = "tanh"
//!     loss = "bce"
//!     [train]
//!     optimizer = "adam"
//!     lr = 0.01
//!     epochs = 5
//!     [experiment]
//!     kind = "train"
//! "#;
//! let cfg = LoadedConfig::parse(Path::new("tiny.toml"), text)?;
//! assert_eq!(cfg.run_name()?, "tiny");
//! assert_eq!(cfg.config.experiment.kind(), "train");
//! assert_eq!(cfg.model()?.layers, [2, 8, 1]);
//!
//! let typo = text.replace("epochs", "epoch");
//! let err = LoadedConfig::parse(Path::new("tiny.toml"), &typo).unwrap_err();
//! assert!(err.to_string().starts_with("tiny.toml"), "{err}");
//! assert!(err.to_string().contains("epoch"), "{err}");
//! # Ok::<(), losscape::Error>(())
//! ```

pub mod bundled;
pub mod check;
pub mod cluster;
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
pub mod noise;
pub mod objective;
pub mod oom;
pub mod optim;
pub mod plot;
pub mod progress;
pub mod report;
pub mod scalar;
pub mod seeded;
pub mod simd;
pub mod study;
pub mod templates;

pub use error::{Error, Result};
pub use scalar::Scalar;
