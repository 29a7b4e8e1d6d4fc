//! Building what a run needs from its config: the network, the data in network form
//! and the starting parameters (loaded weights, or a seeded initialisation). Nothing
//! here writes files, so a config error never touches an output folder.

use crate::config::{LoadedConfig, ModelConfig};
use crate::data::samples::Samples;
use crate::data::{load::load, Split};
use crate::error::Result;
use crate::nn::{weights, Mlp};
use crate::scalar::Scalar;
use rand::SeedableRng;

/// Stream numbers that separate the random draws of one seed.
pub mod stream {
    pub const INIT: u64 = 1;
    pub const SHUFFLE: u64 = 2;
}

/// A ChaCha8 generator for (seed, stream): independent streams for each purpose, the
/// same numbers on every machine.
pub fn rng(seed: u64, stream: u64) -> rand_chacha::ChaCha8Rng {
    let mut r = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    r.set_stream(stream);
    r
}

/// Network, data and starting point of a run.
pub struct Setup<S> {
    pub mlp: Mlp,
    pub split: Split,
    pub train: Samples<S>,
    pub test: Option<Samples<S>>,
    pub theta: Vec<S>,
    /// Where theta came from: "init" or the weights file.
    pub theta_source: String,
}

/// Load data and starting weights for `model`; `trains` says whether the run trains.
pub fn build<S: Scalar>(cfg: &LoadedConfig, model: &ModelConfig, trains: bool) -> Result<Setup<S>> {
    cfg.validate_model(model, trains)?;
    let data_cfg = cfg.data()?;
    data_cfg.validate(&cfg.file)?;
    let split = load(
        data_cfg,
        &cfg.file,
        cfg.config.seed,
        model.loss.uses_labels(),
    )?;
    let mlp = Mlp::new(&model.layers, model.activation, model.loss);
    let (d, k) = (mlp.layout.input_width(), mlp.layout.output_width());
    if split.train.d() != d {
        return Err(cfg.err(
            "model.layers",
            format!(
                "the input width is {d} but the data has {} features per sample",
                split.train.d()
            ),
        ));
    }
    let origin = cfg.file.display().to_string();
    let train = Samples::new(&split.train, model.loss, k, &origin)?;
    let test = match &split.test {
        Some(t) => Some(Samples::new(t, model.loss, k, &origin)?),
        None => None,
    };
    let (theta, theta_source) = match &model.weights {
        Some(w) => {
            let path = cfg.resolve(w);
            (
                weights::load::<S>(&path, &mlp.layout)?,
                path.display().to_string(),
            )
        }
        None => (
            model
                .init
                .theta(&mlp.layout, &mut rng(cfg.config.seed, stream::INIT)),
            "init".to_string(),
        ),
    };
    Ok(Setup {
        mlp,
        split,
        train,
        test,
        theta,
        theta_source,
    })
}
