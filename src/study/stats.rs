//! Mean, sample standard deviation and the 95 % confidence interval of the mean over
//! seeds, the summary of every study figure.

use crate::json_num::{nan_if_null, nan_pair_if_null};
use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, StudentsT};

/// Mean and sample standard deviation (n − 1 in the denominator; 0 for one value) of
/// the finite values, and the 95 % confidence interval of the mean (Student t with n − 1
/// degrees of freedom; NaN for fewer than two values); `n` counts the values. NaN mean
/// when none is finite. Serialised with a NaN as `null` and read back as NaN; a summary
/// written before `ci95` existed reads back with a NaN interval.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct MeanStd {
    #[serde(deserialize_with = "nan_if_null")]
    pub mean: f64,
    #[serde(deserialize_with = "nan_if_null")]
    pub std: f64,
    pub n: usize,
    #[serde(default = "nan_pair", deserialize_with = "nan_pair_if_null")]
    pub ci95: [f64; 2],
}

fn nan_pair() -> [f64; 2] {
    [f64::NAN; 2]
}

impl MeanStd {
    /// Half the width of the 95 % interval (NaN for fewer than two values).
    pub fn ci_half_width(&self) -> f64 {
        (self.ci95[1] - self.ci95[0]) / 2.0
    }

    /// The statistics of no values.
    pub fn missing() -> MeanStd {
        MeanStd {
            mean: f64::NAN,
            std: f64::NAN,
            n: 0,
            ci95: nan_pair(),
        }
    }
}

/// The two-sided 97.5 % quantile of Student's t with `df` degrees of freedom (> 0).
pub fn t975(df: f64) -> f64 {
    StudentsT::new(0.0, 1.0, df)
        .expect("positive degrees of freedom")
        .inverse_cdf(0.975)
}

pub fn mean_std(values: impl IntoIterator<Item = f64>) -> MeanStd {
    let v: Vec<f64> = values.into_iter().filter(|x| x.is_finite()).collect();
    let n = v.len();
    if n == 0 {
        return MeanStd::missing();
    }
    let mean = v.iter().sum::<f64>() / n as f64;
    if n == 1 {
        return MeanStd {
            mean,
            std: 0.0,
            n,
            ci95: nan_pair(),
        };
    }
    let std = (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt();
    let half = t975((n - 1) as f64) * std / (n as f64).sqrt();
    MeanStd {
        mean,
        std,
        n,
        ci95: [mean - half, mean + half],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_sample_std_and_interval() {
        // 2, 4, 4, 4, 5, 5, 7, 9: mean 5, sum of squares 32, sample std √(32/7).
        let m = mean_std([2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]);
        assert_eq!((m.mean, m.n), (5.0, 8));
        assert!((m.std - (32.0f64 / 7.0).sqrt()).abs() < 1e-15);
        // scipy.stats.t.interval(0.95, 7, loc=5, scale=sqrt(32/7)/sqrt(8)), scipy 1.17.1.
        assert!(
            (m.ci95[0] - 3.212_512_081_763_79).abs() < 1e-9,
            "{:?}",
            m.ci95
        );
        assert!(
            (m.ci95[1] - 6.787_487_918_236_209).abs() < 1e-9,
            "{:?}",
            m.ci95
        );
        let one = mean_std([3.0, f64::NAN]);
        assert_eq!((one.mean, one.std, one.n), (3.0, 0.0, 1));
        assert!(one.ci95.iter().all(|v| v.is_nan()));
        assert!(mean_std([f64::NAN]).mean.is_nan());
    }

    #[test]
    fn t_quantiles_are_students() {
        // scipy.stats.t.ppf(0.975, df), scipy 1.17.1, over the degrees of freedom a study
        // of a few to a few dozen seeds has. (statrs 0.19 is off by 1e-4 at df = 1e6.)
        for (df, want) in [
            (1.0, 12.706_204_736_174_694),
            (2.0, 4.302_652_729_749_462),
            (4.0, 2.776_445_105_197_793_4),
            (9.0, 2.262_157_162_798_205),
            (30.0, 2.042_272_456_301_237_8),
            (100.0, 1.983_971_518_523_551_8),
        ] {
            assert!((t975(df) - want).abs() < 1e-8, "df {df}: {}", t975(df));
        }
    }

    #[test]
    fn nan_survives_a_json_round_trip_and_old_summaries_read() {
        let none = mean_std([f64::NAN]);
        let json = serde_json::to_string(&none).unwrap();
        assert_eq!(json, r#"{"mean":null,"std":null,"n":0,"ci95":[null,null]}"#);
        let back: MeanStd = serde_json::from_str(&json).unwrap();
        assert!(back.mean.is_nan() && back.std.is_nan() && back.n == 0);
        assert!(back.ci95.iter().all(|v| v.is_nan()));
        let old: MeanStd = serde_json::from_str(r#"{"mean":1.0,"std":0.5,"n":3}"#).unwrap();
        assert_eq!((old.mean, old.std, old.n), (1.0, 0.5, 3));
        assert!(old.ci95.iter().all(|v| v.is_nan()));
    }
}
