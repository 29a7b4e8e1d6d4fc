//! A 2-D slice of a trained net's loss along two filter-normalised random directions
//! (Li et al. 2018), drawn as a contour plot.
//!
//! Trains a [2, 16, 16, 1] tanh net on 400 points of the two-spirals set with Adam,
//! then evaluates L(θ* + a·d_x + b·d_y) on a 41 × 41 grid of (a, b) ∈ [−1, 1]². Each
//! direction is Gaussian with every neuron's incoming weights rescaled to the norm of
//! θ*'s (biases zeroed), so a = 1 is a step as large as the weights themselves.
//!
//! `cargo run --release --example slice_2d [-- OUT.png]` (default
//! `plots/examples/slice_2d.png`).

use losscape::data::synthetic;
use losscape::landscape::directions::{normalize, Ignore, Normalization};
use losscape::landscape::grid::{slice_objective, Plane};
use losscape::landscape::Axis;
use losscape::linalg::{cosine, gaussian};
use losscape::nn::Samples;
use losscape::nn::{Activation, Init, Loss, Mlp};
use losscape::objective::{MlpObjective, Objective};
use losscape::optim::{train, Hyper, Length, OptimizerKind, Schedule, TrainPlan};
use losscape::plot::{contour_plot, Surface, SurfaceStyle};
use losscape::progress::Progress;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::path::PathBuf;

fn main() -> losscape::Result<()> {
    let out = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("plots/examples/slice_2d.png"));

    // Train the net: Adam, batch 32, 150 epochs.
    let data = synthetic::spirals(400, 0.1, 0);
    let mlp = Mlp::new(&[2, 16, 16, 1], Activation::Tanh, Loss::Bce);
    let samples = Samples::<f64>::new(&data, mlp.loss, 1, "spirals")?;
    let mut theta: Vec<f64> = Init::Xavier.theta(&mlp.layout, &mut ChaCha8Rng::seed_from_u64(0));
    let plan = TrainPlan {
        optimizer: OptimizerKind::Adam,
        hyper: Hyper::default(),
        lr: 0.01,
        schedule: Schedule::Constant,
        batch_size: Some(32),
        length: Length::Epochs(150),
        record_every: 0,
        snapshot_every: 0,
        patience: None,
        stop_at_loss: None,
    };
    let shuffle = &mut ChaCha8Rng::seed_from_u64(1);
    let run = train(
        &mlp,
        &samples,
        None,
        &mut theta,
        &plan,
        shuffle,
        &Progress::hidden(),
    );
    let last = run.last();
    println!(
        "trained {} steps: train loss {:.4}, accuracy {:.3}",
        run.steps,
        last.train_loss,
        last.train_accuracy.unwrap_or(f64::NAN)
    );

    // Two filter-normalised random directions from one seeded stream.
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    let mut dx = gaussian(mlp.n_params(), &mut rng);
    let mut dy = gaussian(mlp.n_params(), &mut rng);
    for d in [&mut dx, &mut dy] {
        normalize(d, &theta, &mlp.layout, Normalization::Filter, Ignore::Bias);
    }
    println!("cos(d_x, d_y) = {:.3}", cosine(&dx, &dy));

    // The loss on the grid; z[j * nx + i] is the loss at (xs[i], ys[j]).
    let axis = Axis {
        range: [-1.0, 1.0],
        points: 41,
    };
    let (xs, ys) = (axis.coords(), axis.coords());
    let plane = Plane {
        center: &theta,
        dx: &dx,
        dy: Some(&dy),
    };
    let objective = MlpObjective::new(&mlp, &samples);
    let z = slice_objective(&objective, &plane, &xs, &ys);

    let center = z[20 * xs.len() + 20];
    let (k_min, z_min) = z
        .iter()
        .copied()
        .enumerate()
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .expect("the grid has points");
    let (a, b) = (xs[k_min % xs.len()], ys[k_min / xs.len()]);
    println!(
        "loss at the center (a, b) = (0, 0): {center:.5} (θ* itself: {:.5})",
        objective.loss(&theta)
    );
    println!(
        "grid minimum {z_min:.5} at (a, b) = ({a:.2}, {b:.2}); grid maximum {:.3}",
        z.iter().copied().fold(f64::MIN, f64::max)
    );

    // Contour lines on a log scale, the minimum marked with a star.
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| losscape::Error::output(dir, e))?;
    }
    let style = SurfaceStyle {
        log: true,
        z_label: "train loss".into(),
        ..SurfaceStyle::default()
    };
    let surface = Surface {
        x: &xs,
        y: &ys,
        z: &z,
    };
    contour_plot(
        &out,
        "spirals net: loss on a random plane",
        &surface,
        &style,
        &[],
    )?;
    println!("wrote {}", out.display());
    Ok(())
}
