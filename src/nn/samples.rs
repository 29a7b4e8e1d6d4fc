//! `Samples<S>`: a data set in the form the network reads, for one dtype and loss:
//! features as a row-major `Vec<S>` (n × d), class labels and/or real targets (n × k).
//! The data module produces it (`crate::data::encode`); the network only reads it.

use crate::nn::{Batch, Loss, Targets};
use crate::scalar::Scalar;

#[derive(Clone, Debug)]
pub struct Samples<S> {
    pub x: Vec<S>,
    pub n: usize,
    pub d: usize,
    /// Class labels (classification data), for the loss and for accuracy.
    pub labels: Option<Vec<u32>>,
    /// Real targets (n × k) for `mse` / `sse_half`.
    pub values: Option<Vec<S>>,
    /// Output width the targets are encoded for.
    pub k: usize,
}

impl<S: Scalar> Samples<S> {
    /// Whether accuracy is defined (classification data).
    pub fn has_labels(&self) -> bool {
        self.labels.is_some()
    }

    /// Rows `start..end` as a batch for `loss`.
    pub fn batch(&self, loss: Loss, start: usize, end: usize) -> Batch<'_, S> {
        let labels = self.labels.as_deref().map(|l| &l[start..end]);
        let targets = if loss.uses_labels() {
            Targets::Labels(labels.expect("labels checked in Samples::new"))
        } else {
            Targets::Values(
                &self
                    .values
                    .as_ref()
                    .expect("values checked in Samples::new")[start * self.k..end * self.k],
            )
        };
        Batch {
            x: &self.x[start * self.d..end * self.d],
            m: end - start,
            targets,
            labels,
        }
    }

    /// Copy the rows `idx` into `into` (reused between calls), for a shuffled minibatch.
    pub fn gather(&self, idx: &[usize], into: &mut Samples<S>) {
        into.n = idx.len();
        into.d = self.d;
        into.k = self.k;
        into.x.clear();
        for &i in idx {
            into.x
                .extend_from_slice(&self.x[i * self.d..(i + 1) * self.d]);
        }
        if let Some(l) = &self.labels {
            let out = into.labels.get_or_insert_with(Vec::new);
            out.clear();
            out.extend(idx.iter().map(|&i| l[i]));
        }
        if let Some(v) = &self.values {
            let out = into.values.get_or_insert_with(Vec::new);
            out.clear();
            for &i in idx {
                out.extend_from_slice(&v[i * self.k..(i + 1) * self.k]);
            }
        }
    }

    /// An empty buffer for [`Samples::gather`].
    pub fn empty_like(&self) -> Samples<S> {
        Samples {
            x: Vec::new(),
            n: 0,
            d: self.d,
            labels: None,
            values: None,
            k: self.k,
        }
    }
}
