//! Encoding a [`Dataset`] as the network's [`Samples`], for one dtype and loss.
//!
//! Features become a row-major `Vec<S>` (n × d). Targets follow the loss: class labels
//! for `cross_entropy`/`bce`; real values (n × k) for `mse`/`sse_half`, where class labels
//! are one-hot encoded (k > 1) or used as 0/1 values (k = 1). Class labels are kept for
//! accuracy whenever the data set is a classification set.

use crate::data::{Dataset, Labels};
use crate::error::{Error, Result};
use crate::nn::{Loss, Samples};
use crate::scalar::Scalar;

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
}
