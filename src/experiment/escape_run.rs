//! One run of kind `escape`: from the minimum θ₀, `steps` steps of
//! θ ← θ − lr·(g + ξ) with g the full-batch gradient (GD and the Gaussian-noise
//! dynamics) or a minibatch gradient (SGD), and ξ ~ N(0, Σ') for the noise dynamics.
//!
//! Recorded at step 0, every `record_every` steps and at the last step: the training
//! loss, the test loss and accuracy, ‖θ − θ₀‖, and the barrier on the straight line
//! from θ₀, maxⱼ L(θ₀ + sⱼ·(θ − θ₀)) − L(θ₀) over sⱼ = j/(points − 1), j = 1..points − 1.
//!
//! A run is sequential (its evaluations use sequential chunk pools) and draws everything
//! from its own generator, so runs can go in parallel and give the same numbers for any
//! thread count.

use crate::linalg::{axpy, norm};
use crate::nn::chunked::ChunkPool;
use crate::nn::{Mlp, Samples};
use crate::noise::{NoiseShape, Sampling};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// What a run adds to the gradient.
pub enum Step<'a> {
    /// The full-batch gradient.
    Gd,
    /// The gradient of `batch` rows drawn per step as `sampling` says.
    Sgd { batch: usize, sampling: Sampling },
    /// The full-batch gradient plus Gaussian noise of this shape.
    Noise(&'a NoiseShape),
}

/// The data and the fixed settings every run shares.
pub struct Landscape<'a> {
    pub mlp: &'a Mlp,
    pub train: &'a Samples<f64>,
    pub test: Option<&'a Samples<f64>>,
    pub start: &'a [f64],
    /// L(θ₀) on the training set.
    pub start_loss: f64,
    pub lr: f64,
    pub steps: usize,
    pub record_every: usize,
    pub line_points: usize,
}

/// The measurements of one run, one entry per record (at [`record_steps`]).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunRecords {
    pub train_loss: Vec<f64>,
    pub test_loss: Vec<f64>,
    pub test_accuracy: Vec<f64>,
    pub distance: Vec<f64>,
    pub barrier: Vec<f64>,
}

/// The steps at which a run records: 0, every `every`, and the last.
pub fn record_steps(steps: usize, every: usize) -> Vec<usize> {
    let mut at: Vec<usize> = (0..=steps).step_by(every.max(1)).collect();
    if at.last() != Some(&steps) {
        at.push(steps);
    }
    at
}

impl Landscape<'_> {
    /// Runs `step` from θ₀ with draws from `rng`.
    pub fn run(&self, step: &Step, rng: &mut ChaCha8Rng) -> RunRecords {
        let p = self.start.len();
        let pool = ChunkPool::<f64>::new(self.mlp).sequential();
        let mut batch = self.train.empty_like();
        let mut theta = self.start.to_vec();
        let (mut grad, mut xi) = (vec![0.0; p], vec![0.0; p]);
        let mut rows: Vec<usize> = Vec::new();
        let mut out = RunRecords::default();
        let at = record_steps(self.steps, self.record_every);
        let mut next = at.iter().peekable();
        for t in 0..=self.steps {
            if next.peek() == Some(&&t) {
                next.next();
                self.record(&pool, &theta, &mut out);
            }
            if t == self.steps {
                break;
            }
            match step {
                Step::Gd => {
                    pool.eval_grad(self.mlp, self.train, &theta, &mut grad);
                }
                Step::Sgd { batch: b, sampling } => {
                    draw_rows(self.train.n, *b, *sampling, rng, &mut rows);
                    self.train.gather(&rows, &mut batch);
                    pool.eval_grad(self.mlp, &batch, &theta, &mut grad);
                }
                Step::Noise(shape) => {
                    pool.eval_grad(self.mlp, self.train, &theta, &mut grad);
                    shape.sample(rng, &mut xi);
                    axpy(1.0, &xi, &mut grad);
                }
            }
            axpy(-self.lr, &grad, &mut theta);
        }
        out
    }

    fn record(&self, pool: &ChunkPool<f64>, theta: &[f64], out: &mut RunRecords) {
        let train = pool.eval(self.mlp, self.train, theta);
        let test = self.test.map(|d| pool.eval(self.mlp, d, theta));
        let delta: Vec<f64> = theta.iter().zip(self.start).map(|(a, b)| a - b).collect();
        let mut point = self.start.to_vec();
        let last = self.line_points.max(2) - 1;
        let mut highest = f64::NEG_INFINITY;
        for j in 1..=last {
            let s = j as f64 / last as f64;
            point
                .iter_mut()
                .zip(self.start.iter().zip(&delta))
                .for_each(|(x, (a, d))| *x = a + s * d);
            let loss = match j == last {
                true => train.loss,
                false => pool.eval(self.mlp, self.train, &point).loss,
            };
            // A NaN loss on the line (a diverged run) is the highest barrier.
            highest = if loss.is_nan() {
                f64::INFINITY
            } else {
                highest.max(loss)
            };
        }
        out.train_loss.push(train.loss);
        out.test_loss.push(test.map_or(f64::NAN, |e| e.loss));
        out.test_accuracy
            .push(test.and_then(|e| e.accuracy).unwrap_or(f64::NAN));
        out.distance.push(norm(&delta));
        out.barrier.push(highest - self.start_loss);
    }
}

/// `b` rows of `0..n`: independent uniform draws (with replacement), or `b` distinct
/// rows by a partial Fisher–Yates shuffle (without).
fn draw_rows(n: usize, b: usize, sampling: Sampling, rng: &mut ChaCha8Rng, rows: &mut Vec<usize>) {
    rows.clear();
    match sampling {
        Sampling::WithReplacement => rows.extend((0..b).map(|_| rng.random_range(0..n))),
        Sampling::WithoutReplacement => {
            rows.extend(crate::noise::sample_rows(n, b, rng));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_at_zero_every_k_and_the_end() {
        assert_eq!(record_steps(10, 4), [0, 4, 8, 10]);
        assert_eq!(record_steps(8, 4), [0, 4, 8]);
        assert_eq!(record_steps(3, 10), [0, 3]);
    }
}
