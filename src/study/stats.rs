//! Mean and sample standard deviation over seeds, the summary of every study figure.

use crate::json_num::nan_if_null;
use serde::{Deserialize, Serialize};

/// Mean and sample standard deviation (n − 1 in the denominator; 0 for one value) of
/// the finite values; `n` counts them. NaN mean when none is finite.
/// Serialised with a NaN as `null` and read back as NaN.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct MeanStd {
    #[serde(deserialize_with = "nan_if_null")]
    pub mean: f64,
    #[serde(deserialize_with = "nan_if_null")]
    pub std: f64,
    pub n: usize,
}

pub fn mean_std(values: impl IntoIterator<Item = f64>) -> MeanStd {
    let v: Vec<f64> = values.into_iter().filter(|x| x.is_finite()).collect();
    let n = v.len();
    if n == 0 {
        return MeanStd {
            mean: f64::NAN,
            std: f64::NAN,
            n,
        };
    }
    let mean = v.iter().sum::<f64>() / n as f64;
    let std = if n > 1 {
        (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt()
    } else {
        0.0
    };
    MeanStd { mean, std, n }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_and_sample_std() {
        // 2, 4, 4, 4, 5, 5, 7, 9: mean 5, sum of squares 32, sample std √(32/7).
        let m = mean_std([2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]);
        assert_eq!((m.mean, m.n), (5.0, 8));
        assert!((m.std - (32.0f64 / 7.0).sqrt()).abs() < 1e-15);
        let one = mean_std([3.0, f64::NAN]);
        assert_eq!((one.mean, one.std, one.n), (3.0, 0.0, 1));
        assert!(mean_std([f64::NAN]).mean.is_nan());
    }

    #[test]
    fn nan_survives_a_json_round_trip() {
        let none = mean_std([f64::NAN]);
        let json = serde_json::to_string(&none).unwrap();
        assert_eq!(json, r#"{"mean":null,"std":null,"n":0}"#);
        let back: MeanStd = serde_json::from_str(&json).unwrap();
        assert!(back.mean.is_nan() && back.std.is_nan() && back.n == 0);
    }
}
