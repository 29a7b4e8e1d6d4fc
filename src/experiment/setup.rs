//! Building what a run needs from its config: the network, the data in network form
//! and the starting parameters (loaded weights, or a seeded initialisation). Nothing
//! here writes files, so a config error never touches an output folder.

use crate::config::{Center, LoadedConfig, ModelConfig};
use crate::data::{load::load, Dataset, Split};
use crate::error::Result;
use crate::nn::Samples;
use crate::nn::{weights, Init, Mlp};
use crate::optim::{train, Length, TrainPlan, Trajectory};
use crate::progress::Progress;
use crate::scalar::Scalar;

pub use crate::seeded::rng;
use crate::seeded::Stream;

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
                .theta(&mlp.layout, &mut rng(cfg.config.seed, Stream::Init)),
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

/// Optimiser steps `plan` will take on `n` training samples (for progress bars).
pub fn planned_steps(plan: &TrainPlan, n: usize) -> usize {
    match plan.length {
        Length::Epochs(e) => e * n.div_ceil(plan.batch_size.unwrap_or(n).max(1)),
        Length::Steps(s) => s,
    }
}

/// Train `setup.theta` in place with `plan` on the run's shuffle stream, with a
/// progress bar unless `quiet`.
pub fn train_setup<S: Scalar>(
    cfg: &LoadedConfig,
    setup: &mut Setup<S>,
    plan: &TrainPlan,
    quiet: bool,
) -> Trajectory<S> {
    let progress = Progress::new(planned_steps(plan, setup.train.n) as u64, "train", quiet);
    train(
        &setup.mlp,
        &setup.train,
        setup.test.as_ref(),
        &mut setup.theta,
        plan,
        &mut rng(cfg.config.seed, Stream::Shuffle),
        &progress,
    )
}

/// One run of a family, from `seed` alone: weights drawn by `init` on the seed's init
/// stream, trained with `plan` on its shuffle stream, without a progress bar. Returns
/// the initial weights, the trained weights and the trajectory.
pub fn train_seed<S: Scalar>(
    mlp: &Mlp,
    init: Init,
    data: (&Samples<S>, Option<&Samples<S>>),
    plan: &TrainPlan,
    seed: u64,
) -> (Vec<S>, Vec<S>, Trajectory<S>) {
    let initial: Vec<S> = init.theta(&mlp.layout, &mut rng(seed, Stream::Init));
    let mut theta = initial.clone();
    let traj = train(
        mlp,
        data.0,
        data.1,
        &mut theta,
        plan,
        &mut rng(seed, Stream::Shuffle),
        &Progress::hidden(),
    );
    (initial, theta, traj)
}

/// Where a landscape measurement is centred: the config's choice, else `trained` when
/// there is a `[train]` table, `weights` when `[model] weights` is set, `init` otherwise.
pub fn center_kind(
    cfg: &LoadedConfig,
    model: &ModelConfig,
    explicit: Option<Center>,
) -> Result<Center> {
    let c = explicit.unwrap_or(if cfg.config.train.is_some() {
        Center::Trained
    } else if model.weights.is_some() {
        Center::Weights
    } else {
        Center::Init
    });
    if c == Center::Weights && model.weights.is_none() {
        return Err(cfg.err(
            "experiment.center",
            "\"weights\" needs [model] weights = \"file.safetensors\"",
        ));
    }
    Ok(c)
}

/// Train the center of a landscape measurement; a diverged run is an error, since
/// curvature or slices around NaN weights mean nothing.
pub fn train_center<S: Scalar>(
    cfg: &LoadedConfig,
    setup: &mut Setup<S>,
    plan: &TrainPlan,
    quiet: bool,
) -> Result<Trajectory<S>> {
    let traj = train_setup(cfg, setup, plan, quiet);
    match &traj.divergence {
        Some(why) => Err(crate::error::Error::Invalid(format!(
            "training the center diverged ({why}); lower train.lr"
        ))),
        None => Ok(traj),
    }
}

impl<S: Scalar> Setup<S> {
    /// The training set in f64, for curvature work (Hessians are measured in f64
    /// whatever the run's dtype).
    pub fn train_f64(&self, cfg: &LoadedConfig) -> Result<Samples<f64>> {
        self.f64_samples(cfg, &self.split.train)
    }

    /// The test set in f64, if there is one.
    pub fn test_f64(&self, cfg: &LoadedConfig) -> Result<Option<Samples<f64>>> {
        self.split
            .test
            .as_ref()
            .map(|t| self.f64_samples(cfg, t))
            .transpose()
    }

    /// `data` in the network's f64 form.
    fn f64_samples(&self, cfg: &LoadedConfig, data: &Dataset) -> Result<Samples<f64>> {
        let k = self.mlp.layout.output_width();
        Samples::new(data, self.mlp.loss, k, &cfg.file.display().to_string())
    }
}
