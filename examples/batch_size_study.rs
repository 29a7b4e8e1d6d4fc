//! Small- against large-batch SGD, from code (after Keskar et al. 2017, "On Large-Batch
//! Training for Deep Learning: Generalization Gap and Sharp Minima").
//!
//! The bundled 8×8 digits (1,797 images, 30 % held out, standardised) and a
//! [64, 32, 10] ReLU net trained by plain SGD for the same number of epochs with batch
//! 16 and with batch 512, from the same two initialisations. For every run it prints the
//! final train loss, test accuracy, the generalisation gap (test − train loss), the
//! Hessian's largest eigenvalue λmax (Lanczos on exact HVPs) and the ε-sharpness
//! (ε = 1e-3). Batch 512 ends much sharper (λmax about 5× larger) and less accurate, but
//! in the same epochs it takes 26× fewer steps, so part of that is under-training. The
//! `batch_size` experiment kind (`experiments/batch_size_digits.toml`) runs the full
//! study with figures.
//!
//! `cargo run --release --example batch_size_study`

use losscape::curvature::sharpness::{epsilon_sharpness, SharpnessSettings};
use losscape::curvature::{lanczos, ObjectiveHessian};
use losscape::data::{load, DataConfig, Source};
use losscape::nn::Samples;
use losscape::nn::{Activation, Init, Loss, Mlp};
use losscape::objective::MlpObjective;
use losscape::optim::{train, Hyper, Length, OptimizerKind, Schedule, TrainPlan};
use losscape::progress::Progress;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::path::Path;

fn main() -> losscape::Result<()> {
    let mut data = DataConfig::new(Source::Digits);
    data.test_fraction = 0.3;
    data.standardize = true;
    // The path only names the data in error messages; digits are bundled.
    let split = load(&data, Path::new("batch_size_study"), 0, true)?;
    let mlp = Mlp::new(&[64, 32, 10], Activation::Relu, Loss::CrossEntropy);
    let train_set = Samples::<f64>::new(&split.train, mlp.loss, 10, "digits")?;
    let test_split = split
        .test
        .as_ref()
        .expect("test_fraction > 0 gives a test set");
    let test_set = Samples::<f64>::new(test_split, mlp.loss, 10, "digits")?;
    println!(
        "digits: {} train, {} test; [64, 32, 10] relu, P = {}; SGD lr 0.05, 40 epochs",
        train_set.n,
        test_set.n,
        mlp.n_params()
    );
    println!(
        "{:>5} {:>4} {:>6} {:>10} {:>9} {:>8} {:>8} {:>11}",
        "batch", "seed", "steps", "train loss", "test acc", "gap", "λmax", "sharpness"
    );
    for batch in [16, 512] {
        for seed in 0..2 {
            let mut theta: Vec<f64> =
                Init::He.theta(&mlp.layout, &mut ChaCha8Rng::seed_from_u64(seed));
            let plan = TrainPlan {
                optimizer: OptimizerKind::Sgd,
                hyper: Hyper::default(),
                lr: 0.05,
                schedule: Schedule::Constant,
                batch_size: Some(batch),
                length: Length::Epochs(40),
                record_every: 0,
                snapshot_every: 0,
                patience: None,
                stop_at_loss: None,
            };
            let shuffle = &mut ChaCha8Rng::seed_from_u64(100 + seed);
            let run = train(
                &mlp,
                &train_set,
                Some(&test_set),
                &mut theta,
                &plan,
                shuffle,
                &Progress::hidden(),
            );
            let last = run.last();
            let test_loss = last.test_loss.unwrap_or(f64::NAN);

            // Curvature at the end point: λmax from Lanczos (top 1, tolerance 1e-4) ...
            let objective = MlpObjective::new(&mlp, &train_set);
            let hessian = ObjectiveHessian::new(&objective, &theta);
            let top = lanczos(&hessian, 1, 0, 200, 1e-4, &mut ChaCha8Rng::seed_from_u64(0));
            // ... and Keskar's ε-sharpness: the largest relative loss rise in the box
            // |y_i| ≤ ε (|θ_i| + 1), in percent.
            let sharp = epsilon_sharpness(&objective, &theta, &SharpnessSettings::default());
            println!(
                "{batch:>5} {seed:>4} {:>6} {:>10.4} {:>9.3} {:>8.4} {:>8.3} {:>11.4}",
                run.steps,
                last.train_loss,
                last.test_accuracy.unwrap_or(f64::NAN),
                test_loss - last.train_loss,
                top.top[0].value,
                sharp.value
            );
        }
    }
    Ok(())
}
