//! Lanczos on a quadratic whose Hessian spectrum is known exactly.
//!
//! `objective::toys::Quadratic` is f(θ) = ½ θᵀAθ with A = Q diag(λ) Qᵀ for a seeded
//! random orthogonal Q, so its Hessian is A everywhere and its eigenvalues are the λ we
//! chose. The solver sees only Hessian-vector products, exactly as it sees an MLP's:
//! it finds the few largest and smallest eigenvalues in far fewer HVPs than the
//! dimension.
//!
//! `cargo run --release --example lanczos_toy`

use losscape::curvature::{lanczos, ObjectiveHessian};
use losscape::objective::toys::Quadratic;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

fn main() {
    // A spectrum like a trained net's: a bulk near 0, a few large outliers, and two
    // small negative eigenvalues.
    let p = 300;
    let mut spectrum: Vec<f64> = (0..p).map(|i| 0.05 * (i as f64 / p as f64)).collect();
    spectrum[..4].copy_from_slice(&[12.0, 7.5, 4.0, 2.5]);
    spectrum[4] = -0.8;
    spectrum[5] = -0.3;
    let toy = Quadratic::new(&spectrum, 7);

    // The Hessian at any θ (the quadratic's Hessian does not depend on θ) as an operator.
    let theta = vec![0.0; p];
    let hessian = ObjectiveHessian::new(&toy, &theta);
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    // 4 largest and 2 smallest eigenpairs, relative residual tolerance 1e-8, at most P steps.
    let found = lanczos(&hessian, 4, 2, p, 1e-8, &mut rng);

    let mut exact = spectrum.clone();
    exact.sort_by(|a, b| b.total_cmp(a));
    println!(
        "P = {p}; Lanczos used {} HVPs ({} steps)",
        found.hvps, found.steps
    );
    println!(
        "{:<9} {:>12} {:>12} {:>10}",
        "", "Lanczos", "exact", "residual"
    );
    let row = |label: String, value: f64, exact: f64, residual: f64| {
        println!("{label:<9} {value:>12.8} {exact:>12.8} {residual:>10.1e}");
    };
    for (i, pair) in found.top.iter().enumerate() {
        row(
            format!("top {}", i + 1),
            pair.value,
            exact[i],
            pair.residual,
        );
    }
    for (i, pair) in found.bottom.iter().enumerate() {
        row(
            format!("bottom {}", i + 1),
            pair.value,
            exact[p - 1 - i],
            pair.residual,
        );
    }
    let worst = found
        .top
        .iter()
        .zip(&exact)
        .map(|(pair, e)| (pair.value - e).abs())
        .fold(0.0f64, f64::max);
    println!("largest error among the top eigenvalues: {worst:.1e}");
}
