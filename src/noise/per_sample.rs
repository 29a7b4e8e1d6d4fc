//! Per-sample gradients gᵢ = ∇ℓᵢ(θ) of an MLP: one backward pass per row, the row alone
//! as a data set of one sample, so gᵢ is the gradient of the loss of that one sample
//! (for the mean losses `cross_entropy`, `bce` and `mse`, L = (1/n)·Σᵢ ℓᵢ).
//!
//! Rows are independent tasks, each writing its own row of the m × P result, so the
//! result is the same for any number of threads.

use crate::nn::chunked::ChunkPool;
use crate::nn::{Mlp, Samples};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

/// The gradients of the rows `rows` of `data` at `theta`: row-major m × P (m = rows.len()).
pub fn per_sample_gradients(
    mlp: &Mlp,
    data: &Samples<f64>,
    theta: &[f64],
    rows: &[usize],
) -> Vec<f64> {
    let p = mlp.n_params();
    let mut g = vec![0.0; rows.len() * p];
    if p == 0 {
        return g;
    }
    g.par_chunks_mut(p).zip(rows.par_iter()).for_each_init(
        || (ChunkPool::<f64>::new(mlp).sequential(), data.empty_like()),
        |(pool, one), (gi, &row)| {
            data.gather(&[row], one);
            pool.eval_grad(mlp, one, theta, gi);
        },
    );
    g
}

/// `m` distinct rows of `0..n` drawn uniformly from `rng`, in increasing order; all of
/// them when `m >= n`.
pub fn sample_rows(n: usize, m: usize, rng: &mut ChaCha8Rng) -> Vec<usize> {
    if m >= n {
        return (0..n).collect();
    }
    let mut rows = rand::seq::index::sample(rng, n, m).into_vec();
    rows.sort_unstable();
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::synthetic;
    use crate::nn::{Activation, Init, Loss};
    use crate::objective::{MlpObjective, Objective};
    use rand::SeedableRng;

    #[test]
    fn per_sample_gradients_average_to_the_full_gradient() {
        let mlp = Mlp::new(&[2, 5, 3], Activation::Tanh, Loss::CrossEntropy);
        let raw = synthetic::gaussians(30, 3, 0.5, 4);
        let data = Samples::<f64>::new(&raw, mlp.loss, 3, "gaussians").unwrap();
        let theta: Vec<f64> = Init::Xavier.theta(&mlp.layout, &mut ChaCha8Rng::seed_from_u64(1));
        let rows: Vec<usize> = (0..data.n).collect();
        let g = per_sample_gradients(&mlp, &data, &theta, &rows);
        let p = mlp.n_params();
        let mut full = vec![0.0; p];
        MlpObjective::new(&mlp, &data).loss_grad(&theta, &mut full);
        for (j, want) in full.iter().enumerate() {
            let mean = g.iter().skip(j).step_by(p).sum::<f64>() / data.n as f64;
            assert!((mean - want).abs() < 1e-12, "{j}: {mean} vs {want}");
        }
    }

    #[test]
    fn sampled_rows_are_distinct_sorted_and_seeded() {
        let a = sample_rows(100, 30, &mut ChaCha8Rng::seed_from_u64(3));
        let b = sample_rows(100, 30, &mut ChaCha8Rng::seed_from_u64(3));
        assert_eq!(a, b);
        assert_eq!(a.len(), 30);
        assert!(a.windows(2).all(|w| w[0] < w[1]) && a[29] < 100);
        assert_eq!(
            sample_rows(5, 9, &mut ChaCha8Rng::seed_from_u64(3)),
            [0, 1, 2, 3, 4]
        );
    }
}
