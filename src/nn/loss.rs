//! Losses on the output layer's pre-activations z (the "logits"), with the gradient
//! dL/dz for backprop and the Hessian-vector product d²L/dz² · r for the R-operator.
//!
//! Definitions (match PyTorch; N samples, K outputs):
//! - `cross_entropy`: (1/N) Σ_n [logsumexp(z_n) − z_n[y_n]]       (softmax + NLL, labels)
//! - `bce`:           (1/N) Σ_n [softplus(z_n) − y_n z_n]          (BCEWithLogits, K = 1, labels 0/1)
//! - `mse`:           (1/(N K)) Σ_n Σ_k (z_nk − t_nk)²
//! - `sse_half`:      ½ Σ_n Σ_k (z_nk − t_nk)²                      (the lecture's ECM)
//!
//! Batch routines take `scale` (see [`Loss::scale`]) so that chunks of one data set,
//! each computing scale × (its sum), add up to the loss of the whole set.

use crate::nn::activation::sigmoid;
use crate::scalar::Scalar;
use serde::{Deserialize, Serialize};

#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::VariantNames,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Loss {
    CrossEntropy,
    Bce,
    Mse,
    SseHalf,
}

/// Targets of a batch: class labels (cross_entropy, bce) or real values, row-major (N, K).
#[derive(Clone, Copy, Debug)]
pub enum Targets<'a, S> {
    Labels(&'a [u32]),
    Values(&'a [S]),
}

impl Loss {
    /// The name used in configs (as serde reads it).
    pub fn name(self) -> &'static str {
        self.into()
    }

    /// Whether the loss takes integer class labels (else real-valued targets).
    pub fn uses_labels(self) -> bool {
        matches!(self, Loss::CrossEntropy | Loss::Bce)
    }

    /// The factor in front of the sum over samples (and outputs) for a data set of `n`
    /// samples and `k` outputs.
    pub fn scale<S: Scalar>(self, n: usize, k: usize) -> S {
        match self {
            Loss::CrossEntropy | Loss::Bce => S::one() / S::of(n as f64),
            Loss::Mse => S::one() / S::of((n * k) as f64),
            Loss::SseHalf => S::one(),
        }
    }

    /// Loss of the batch (times `scale`); writes dz = scale · dℓ/dz. `z` and `dz` are (N, K).
    pub fn value_grad<S: Scalar>(
        self,
        z: &[S],
        k: usize,
        t: Targets<S>,
        scale: S,
        dz: &mut [S],
    ) -> S {
        let mut total = S::zero();
        match (self, t) {
            (Loss::CrossEntropy, Targets::Labels(y)) => {
                for ((zn, dzn), &yn) in z.chunks_exact(k).zip(dz.chunks_exact_mut(k)).zip(y) {
                    let m = zn.iter().fold(S::neg_infinity(), |a, &b| a.max(b));
                    let mut sum = S::zero();
                    for (d, &v) in dzn.iter_mut().zip(zn) {
                        *d = (v - m).exp();
                        sum += *d;
                    }
                    total += sum.ln() + m - zn[yn as usize];
                    let inv = scale / sum;
                    dzn.iter_mut().for_each(|d| *d *= inv);
                    dzn[yn as usize] -= scale;
                }
            }
            (Loss::Bce, Targets::Labels(y)) => {
                for ((zn, dzn), &yn) in z.iter().zip(dz.iter_mut()).zip(y) {
                    let yv = S::of(yn as f64);
                    total += zn.max(S::zero()) - yv * *zn + (-zn.abs()).exp().ln_1p();
                    *dzn = scale * (sigmoid(*zn) - yv);
                }
            }
            (Loss::Mse, Targets::Values(tv)) | (Loss::SseHalf, Targets::Values(tv)) => {
                let (c, g) = if self == Loss::Mse {
                    (S::one(), S::of(2.0))
                } else {
                    (S::of(0.5), S::one())
                };
                for ((zn, tn), d) in z.iter().zip(tv).zip(dz.iter_mut()) {
                    let e = *zn - *tn;
                    total += c * e * e;
                    *d = scale * g * e;
                }
            }
            _ => panic!("loss {} got the wrong kind of targets", self.name()),
        }
        total * scale
    }

    /// Loss of the batch (times `scale`) without the gradient.
    pub fn value<S: Scalar>(self, z: &[S], k: usize, t: Targets<S>, scale: S) -> S {
        let mut total = S::zero();
        match (self, t) {
            (Loss::CrossEntropy, Targets::Labels(y)) => {
                for (zn, &yn) in z.chunks_exact(k).zip(y) {
                    let m = zn.iter().fold(S::neg_infinity(), |a, &b| a.max(b));
                    let sum: S = zn.iter().map(|&v| (v - m).exp()).sum();
                    total += sum.ln() + m - zn[yn as usize];
                }
            }
            (Loss::Bce, Targets::Labels(y)) => {
                for (zn, &yn) in z.iter().zip(y) {
                    total += zn.max(S::zero()) - S::of(yn as f64) * *zn + (-zn.abs()).exp().ln_1p();
                }
            }
            (Loss::Mse, Targets::Values(tv)) | (Loss::SseHalf, Targets::Values(tv)) => {
                let c = if self == Loss::Mse {
                    S::one()
                } else {
                    S::of(0.5)
                };
                for (zn, tn) in z.iter().zip(tv) {
                    let e = *zn - *tn;
                    total += c * e * e;
                }
            }
            _ => panic!("loss {} got the wrong kind of targets", self.name()),
        }
        total * scale
    }

    /// r_dz = scale · (d²ℓ/dz²) · rz, sample by sample. `z`, `rz`, `rdz` are (N, K).
    pub fn hess_vec<S: Scalar>(self, z: &[S], rz: &[S], k: usize, scale: S, rdz: &mut [S]) {
        match self {
            Loss::CrossEntropy => {
                // H = diag(p) − p pᵀ  ⇒  H r = p ⊙ r − p (pᵀ r)
                for ((zn, rn), on) in z
                    .chunks_exact(k)
                    .zip(rz.chunks_exact(k))
                    .zip(rdz.chunks_exact_mut(k))
                {
                    let m = zn.iter().fold(S::neg_infinity(), |a, &b| a.max(b));
                    let mut sum = S::zero();
                    for (o, &v) in on.iter_mut().zip(zn) {
                        *o = (v - m).exp();
                        sum += *o;
                    }
                    let mut pr = S::zero();
                    for (o, &r) in on.iter_mut().zip(rn) {
                        *o /= sum;
                        pr += *o * r;
                    }
                    for (o, &r) in on.iter_mut().zip(rn) {
                        *o = scale * *o * (r - pr);
                    }
                }
            }
            Loss::Bce => {
                for ((zn, rn), on) in z.iter().zip(rz).zip(rdz.iter_mut()) {
                    let p = sigmoid(*zn);
                    *on = scale * p * (S::one() - p) * *rn;
                }
            }
            Loss::Mse | Loss::SseHalf => {
                let g = if self == Loss::Mse {
                    S::of(2.0)
                } else {
                    S::one()
                };
                for (on, rn) in rdz.iter_mut().zip(rz) {
                    *on = scale * g * *rn;
                }
            }
        }
    }

    /// Number of correctly classified samples: argmax for K > 1; for K = 1 the
    /// threshold is z > 0 for `bce` (a logit) and z > 0.5 otherwise (a 0/1 regression).
    pub fn correct<S: Scalar>(self, z: &[S], k: usize, labels: &[u32]) -> usize {
        if k == 1 {
            let thr = if self == Loss::Bce {
                S::zero()
            } else {
                S::of(0.5)
            };
            z.iter()
                .zip(labels)
                .filter(|(zn, &y)| (**zn > thr) == (y == 1))
                .count()
        } else {
            z.chunks_exact(k)
                .zip(labels)
                .filter(|(zn, &y)| argmax(zn) == y as usize)
                .count()
        }
    }
}

/// Index of the largest entry (first one on ties; NaN never wins).
pub fn argmax<S: Scalar>(v: &[S]) -> usize {
    let mut best = 0;
    for (i, &x) in v.iter().enumerate() {
        if x > v[best] {
            best = i;
        }
    }
    best
}
