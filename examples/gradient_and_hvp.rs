//! Loss, gradient and an exact Hessian-vector product of a small MLP, each checked
//! against a central finite difference.
//!
//! The net is a [2, 8, 8, 1] tanh MLP with the binary cross-entropy loss on 200 points
//! of the two-circles set. Everything is f64, so the differences agree with the exact
//! derivatives to about 1e-8 (the finite difference's own error, O(h²), h = 1e-5).
//!
//! `cargo run --release --example gradient_and_hvp`

use losscape::data::synthetic;
use losscape::nn::Samples;
use losscape::nn::{Activation, Init, Loss, Mlp};
use losscape::objective::{MlpObjective, Objective};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// ‖a − b‖ / ‖b‖.
fn relative_error(a: &[f64], b: &[f64]) -> f64 {
    let diff: f64 = a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum();
    let norm: f64 = b.iter().map(|y| y * y).sum();
    (diff / norm).sqrt()
}

fn main() -> losscape::Result<()> {
    // 200 points on two concentric circles, labels 0/1 (seed 0, no noise).
    let data = synthetic::circles(200, 0.0, 0);
    let mlp = Mlp::new(&[2, 8, 8, 1], Activation::Tanh, Loss::Bce);
    // The network-ready form of the data: f64 features and the bce targets.
    let samples = Samples::<f64>::new(&data, mlp.loss, 1, "circles")?;
    let objective = MlpObjective::new(&mlp, &samples);

    // A flat parameter vector θ in the Layout order (W₁, b₁, W₂, b₂, W₃, b₃).
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let theta: Vec<f64> = Init::Xavier.theta(&mlp.layout, &mut rng);
    let p = mlp.n_params();
    println!(
        "net [2, 8, 8, 1] tanh, bce, {} samples: P = {p} parameters",
        samples.n
    );

    // Loss and gradient by backprop.
    let mut grad = vec![0.0; p];
    let loss = objective.loss_grad(&theta, &mut grad);
    let grad_norm = grad.iter().map(|g| g * g).sum::<f64>().sqrt();
    println!("loss L(θ) = {loss:.6}, ‖∇L(θ)‖ = {grad_norm:.6}");

    // A fixed direction v with entries in [−1, 1].
    let v: Vec<f64> = (0..p)
        .map(|i| ((i * 7919) % 201) as f64 / 100.0 - 1.0)
        .collect();
    let along = |h: f64| -> Vec<f64> { theta.iter().zip(&v).map(|(t, d)| t + h * d).collect() };
    let h = 1e-5;

    // Directional derivative: ∇L·v against (L(θ + hv) − L(θ − hv)) / 2h.
    let exact_slope: f64 = grad.iter().zip(&v).map(|(g, d)| g * d).sum();
    let fd_slope = (objective.loss(&along(h)) - objective.loss(&along(-h))) / (2.0 * h);
    println!(
        "∇L·v = {exact_slope:.9}, finite difference {fd_slope:.9} (relative error {:.1e})",
        ((exact_slope - fd_slope) / exact_slope).abs()
    );

    // Hessian-vector product by the R-operator: exact, about two gradients' cost.
    let mut hv = vec![0.0; p];
    objective.hvp(&theta, &v, &mut hv);
    // The same product from gradients: (∇L(θ + hv) − ∇L(θ − hv)) / 2h.
    let (mut g_plus, mut g_minus) = (vec![0.0; p], vec![0.0; p]);
    objective.loss_grad(&along(h), &mut g_plus);
    objective.loss_grad(&along(-h), &mut g_minus);
    let fd_hv: Vec<f64> = g_plus
        .iter()
        .zip(&g_minus)
        .map(|(a, b)| (a - b) / (2.0 * h))
        .collect();
    let curvature: f64 = v.iter().zip(&hv).map(|(a, b)| a * b).sum();
    println!("vᵀHv = {curvature:.6}");
    println!(
        "‖Hv − finite difference‖ / ‖Hv‖ = {:.1e}",
        relative_error(&fd_hv, &hv)
    );
    Ok(())
}
