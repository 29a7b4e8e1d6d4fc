//! `Samples<S>`: a data set in the form the network reads, for one dtype and loss.
//!
//! Features become a row-major `Vec<S>` (n × d). Targets follow the loss: class labels
//! for `cross_entropy`/`bce`; real values (n × k) for `mse`/`sse_half`, where class labels
//! are one-hot encoded (k > 1) or used as 0/1 values (k = 1). Class labels are kept for
//! accuracy whenever the data set is a classification set.

use crate::data::{Dataset, Labels};
use crate::error::{Error, Result};
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
    /// Encode `data` for a net with `k` outputs trained with `loss`. `origin` names the
    /// data for error messages (a file or the source name).
    pub fn new(data: &Dataset, loss: Loss, k: usize, origin: &str) -> Result<Self> {
        let (n, d) = (data.n(), data.d());
        let x = data.x.iter().map(|&v| S::of(v)).collect();
        let bad = |msg: String| Error::config(origin, "model.loss", msg);
        let (labels, values) = match (&data.y, loss) {
            (Labels::Classes { labels, n_classes }, Loss::CrossEntropy) => {
                if *n_classes > k {
                    return Err(Error::config(
                        origin,
                        "model.layers",
                        format!(
                            "the data has class labels up to {} but the output width is {k}",
                            n_classes - 1
                        ),
                    ));
                }
                (Some(labels.clone()), None)
            }
            (Labels::Classes { labels, n_classes }, Loss::Bce) => {
                if k != 1 || *n_classes > 2 {
                    return Err(bad(format!(
                        "bce needs one output and labels 0/1; got {k} outputs and {n_classes} classes"
                    )));
                }
                (Some(labels.clone()), None)
            }
            (Labels::Classes { labels, n_classes }, Loss::Mse | Loss::SseHalf) => {
                let values = if k == 1 {
                    if *n_classes > 2 {
                        return Err(bad(format!(
                            "{} with one output needs labels 0/1; the data has {n_classes} classes",
                            loss.name()
                        )));
                    }
                    labels.iter().map(|&y| S::of(y as f64)).collect()
                } else {
                    if *n_classes > k {
                        return Err(Error::config(
                            origin,
                            "model.layers",
                            format!("the data has {n_classes} classes but the output width is {k}"),
                        ));
                    }
                    let mut v = vec![S::zero(); n * k];
                    for (row, &y) in v.chunks_exact_mut(k).zip(labels) {
                        row[y as usize] = S::one();
                    }
                    v
                };
                (Some(labels.clone()), Some(values))
            }
            (Labels::Values(t), Loss::Mse | Loss::SseHalf) => {
                if t.ncols() != k {
                    return Err(Error::config(
                        origin,
                        "model.layers",
                        format!(
                            "the data has {} target columns but the output width is {k}",
                            t.ncols()
                        ),
                    ));
                }
                (None, Some(t.iter().map(|&v| S::of(v)).collect()))
            }
            (Labels::Values(_), _) => {
                return Err(bad(format!(
                "{} needs class labels but the data's targets are real values; use mse or sse_half",
                loss.name()
            )))
            }
        };
        Ok(Samples {
            x,
            n,
            d,
            labels,
            values,
            k,
        })
    }

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
