//! Seeded row selection (train/test split, subsampling) and feature standardisation.
//!
//! Split: the row indices 0..n are shuffled (Fisher–Yates, `ChaCha8Rng` on
//! [`Stream::Split`] of the shuffle seed); the first round(n·test_fraction) shuffled
//! indices form the test set, the rest the training set, and each part is kept in the
//! original row order. Subsampling (`limit_train` / `limit_test`) draws k indices
//! without replacement (streams [`Stream::LimitTrain`] / [`Stream::LimitTest`]) and
//! keeps them in order. Standardisation: x ← (x − mean) / std per feature with the
//! population std (ddof 0, as scikit-learn's `StandardScaler`); a constant column
//! gets std 1.

use ndarray::{Array1, Array2, Axis};
use rand::seq::SliceRandom;

use crate::data::{Dataset, Labels};

use crate::seeded::{rng, Stream};

/// Number of test rows for `n` samples: round(n · test_fraction).
pub fn n_test(n: usize, test_fraction: f64) -> usize {
    (n as f64 * test_fraction).round() as usize
}

/// (train, test) row indices, each ascending.
pub fn split_indices(n: usize, test_fraction: f64, seed: u64) -> (Vec<usize>, Vec<usize>) {
    let mut perm: Vec<usize> = (0..n).collect();
    perm.shuffle(&mut rng(seed, Stream::Split));
    let mut train = perm.split_off(n_test(n, test_fraction).min(n));
    perm.sort_unstable();
    train.sort_unstable();
    (train, perm)
}

/// At most `limit` of `idx`, drawn without replacement, in their original order.
pub fn limit(idx: Vec<usize>, limit: Option<usize>, seed: u64, stream: Stream) -> Vec<usize> {
    match limit {
        Some(k) if k < idx.len() => {
            let mut pos = rand::seq::index::sample(&mut rng(seed, stream), idx.len(), k).into_vec();
            pos.sort_unstable();
            pos.into_iter().map(|p| idx[p]).collect()
        }
        _ => idx,
    }
}

/// The rows `idx` of `d` (labels keep the full set's `n_classes`).
pub fn select(d: &Dataset, idx: &[usize]) -> Dataset {
    let y = match &d.y {
        Labels::Classes { labels, n_classes } => Labels::Classes {
            labels: idx.iter().map(|&i| labels[i]).collect(),
            n_classes: *n_classes,
        },
        Labels::Values(v) => Labels::Values(v.select(Axis(0), idx)),
    };
    Dataset {
        x: d.x.select(Axis(0), idx),
        y,
    }
}

/// Per-feature mean and std of a training set.
#[derive(Clone, Debug, PartialEq)]
pub struct Standardizer {
    pub mean: Array1<f64>,
    /// Population std; 1 for constant columns.
    pub std: Array1<f64>,
}

impl Standardizer {
    /// Statistics of the rows of `x` (n × d, n ≥ 1).
    pub fn fit(x: &Array2<f64>) -> Self {
        let d = x.ncols();
        let mean = x.mean_axis(Axis(0)).unwrap_or_else(|| Array1::zeros(d));
        let std = x
            .std_axis(Axis(0), 0.0)
            .mapv(|s| if s > 0.0 && s.is_finite() { s } else { 1.0 });
        Standardizer { mean, std }
    }

    /// x ← (x − mean) / std, in place.
    pub fn apply(&self, x: &mut Array2<f64>) {
        for mut row in x.rows_mut() {
            row -= &self.mean;
            row /= &self.std;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn split_is_a_seeded_partition() {
        let (train, test) = split_indices(10, 0.3, 1);
        assert_eq!((train.len(), test.len()), (7, 3));
        let mut all: Vec<usize> = train.iter().chain(&test).copied().collect();
        all.sort_unstable();
        assert_eq!(all, (0..10).collect::<Vec<_>>());
        assert!(train.windows(2).all(|w| w[0] < w[1]) && test.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(split_indices(10, 0.3, 1), (train.clone(), test.clone()));
        assert_ne!(split_indices(10, 0.3, 2).1, test);
        assert_eq!(split_indices(5, 0.0, 1), (vec![0, 1, 2, 3, 4], vec![]));
        assert_eq!(n_test(1797, 0.2), 359);
        assert_eq!(n_test(10, 0.25), 3); // 2.5 rounds away from zero
    }

    #[test]
    fn limit_keeps_order() {
        let idx = vec![3, 5, 8, 13, 21, 34];
        let got = limit(idx.clone(), Some(3), 7, Stream::LimitTrain);
        assert_eq!(got.len(), 3);
        assert!(got.windows(2).all(|w| w[0] < w[1]) && got.iter().all(|i| idx.contains(i)));
        assert_eq!(got, limit(idx.clone(), Some(3), 7, Stream::LimitTrain));
        assert_eq!(limit(idx.clone(), Some(6), 7, Stream::LimitTrain), idx);
        assert_eq!(limit(idx.clone(), Some(100), 7, Stream::LimitTrain), idx);
        assert_eq!(limit(idx.clone(), None, 7, Stream::LimitTrain), idx);
    }

    #[test]
    fn select_rows() {
        let d = Dataset {
            x: array![[1.], [2.], [3.]],
            y: Labels::Classes {
                labels: vec![0, 1, 4],
                n_classes: 5,
            },
        };
        let s = select(&d, &[0, 2]);
        assert_eq!(s.x, array![[1.], [3.]]);
        assert_eq!(
            s.y,
            Labels::Classes {
                labels: vec![0, 4],
                n_classes: 5
            }
        );
        let d = Dataset {
            x: array![[1.], [2.]],
            y: Labels::Values(array![[10., 11.], [20., 21.]]),
        };
        assert_eq!(select(&d, &[1]).y, Labels::Values(array![[20., 21.]]));
    }

    #[test]
    fn standardize_exact() {
        let train = array![[1., 5., 2.], [3., 5., 4.], [5., 5., 9.]];
        let s = Standardizer::fit(&train);
        assert_eq!(s.mean, array![3., 5., 5.]);
        let sd0 = (8.0f64 / 3.0).sqrt();
        assert!((s.std[0] - sd0).abs() < 1e-15);
        assert_eq!(s.std[1], 1.0); // constant column
        let mut test = array![[3., 6., 5.], [7., 5., 5.]];
        s.apply(&mut test);
        assert_eq!(test.row(0).to_vec(), vec![0.0, 1.0, 0.0]);
        assert!((test[[1, 0]] - 4.0 / sd0).abs() < 1e-15);
    }
}
