//! Seeded weight initialisation into a flat theta (Layout order).
//!
//! - `xavier` (Glorot & Bengio 2010): W ~ U(−a, a), a = sqrt(6 / (fan_in + fan_out)); b = 0.
//! - `he` (He et al. 2015): W ~ N(0, 2 / fan_in); b = 0.
//! - `pytorch` (nn.Linear's default): W, b ~ U(−1/sqrt(fan_in), 1/sqrt(fan_in)).
//!
//! The generator is ChaCha8 seeded from the run's seed, so a seed gives the same theta
//! on every machine and for both dtypes (values are drawn in f64, then rounded).

use crate::nn::layout::Layout;
use crate::scalar::Scalar;
use ndarray::Array1;
use ndarray_rand::RandomExt;
use rand::Rng;
use rand_distr::{Distribution, Normal, Uniform};
use serde::{Deserialize, Serialize};

#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::VariantNames,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Init {
    Xavier,
    He,
    /// PyTorch's `nn.Linear` default (the config's default).
    #[default]
    Pytorch,
}

impl Init {
    /// The name used in configs (as serde reads it).
    pub fn name(self) -> &'static str {
        self.into()
    }

    /// A fresh theta for `layout`, drawn from `rng`.
    pub fn theta<S: Scalar, R: Rng>(self, layout: &Layout, rng: &mut R) -> Vec<S> {
        let mut theta = vec![S::zero(); layout.n_params()];
        for span in layout.layers() {
            let (fi, fo) = (span.fan_in as f64, span.fan_out as f64);
            let (w, b) = theta[span.w..span.b + span.fan_out].split_at_mut(span.b - span.w);
            match self {
                Init::Xavier => {
                    let a = (6.0 / (fi + fo)).sqrt();
                    fill(w, Uniform::new_inclusive(-a, a).unwrap(), rng);
                }
                Init::He => fill(w, Normal::new(0.0, (2.0 / fi).sqrt()).unwrap(), rng),
                Init::Pytorch => {
                    let a = 1.0 / fi.sqrt();
                    let u = Uniform::new_inclusive(-a, a).unwrap();
                    fill(w, u, rng);
                    fill(b, u, rng);
                }
            }
        }
        theta
    }
}

/// `out[i]` ← the i-th draw of `dist`, rounded to S.
fn fill<S: Scalar, D: Distribution<f64>, R: Rng>(out: &mut [S], dist: D, rng: &mut R) {
    let draws = Array1::random_using(out.len(), dist, rng);
    out.iter_mut().zip(draws).for_each(|(v, x)| *v = S::of(x));
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn scales_follow_the_definitions() {
        let layout = Layout::new(&[400, 300, 1]);
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        let span = layout.layer(0);
        let var = |t: &[f64]| t.iter().map(|x| x * x).sum::<f64>() / t.len() as f64;
        let he: Vec<f64> = Init::He.theta(&layout, &mut rng);
        assert!((var(&he[span.weight()]) / (2.0 / 400.0) - 1.0).abs() < 0.02);
        assert!(he[span.bias()].iter().all(|&b| b == 0.0));
        let xa: Vec<f64> = Init::Xavier.theta(&layout, &mut rng);
        // U(-a, a) has variance a²/3 = 2/(fan_in+fan_out)
        assert!((var(&xa[span.weight()]) / (2.0 / 700.0) - 1.0).abs() < 0.02);
        let pt: Vec<f64> = Init::Pytorch.theta(&layout, &mut rng);
        let a = 1.0 / 20.0;
        assert!(pt[span.weight()]
            .iter()
            .chain(&pt[span.bias()])
            .all(|&w| w.abs() <= a));
        assert!(pt[span.bias()].iter().any(|&b| b != 0.0));
    }

    #[test]
    fn draws_come_in_flat_order_one_sample_at_a_time() {
        // Pytorch init of [3, 2, 1]: W0 (6), b0 (2), W1 (2), b1 (1), each entry the next
        // draw of U(−a, a) with the layer's a, so a seed's theta never depends on how the
        // draws are batched.
        let layout = Layout::new(&[3, 2, 1]);
        let theta: Vec<f64> =
            Init::Pytorch.theta(&layout, &mut rand_chacha::ChaCha8Rng::seed_from_u64(4));
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(4);
        let mut want = Vec::new();
        for (fan_in, count) in [(3.0f64, 8), (2.0, 3)] {
            let a = 1.0 / fan_in.sqrt();
            let u = Uniform::new_inclusive(-a, a).unwrap();
            want.extend((0..count).map(|_| u.sample(&mut rng)));
        }
        assert_eq!(theta, want);
    }
}
