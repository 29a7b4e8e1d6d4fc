//! Two groups of runs compared on one metric: the difference of their means with its
//! 95 % confidence interval, Welch's two-sided t-test (unequal variances) and Cohen's d
//! (the difference over the pooled standard deviation), with a plain word on whether
//! the difference is significant at 5 %.

use crate::json_num::{nan_if_null, nan_pair_if_null};
use crate::study::stats::{mean_std, t975};
use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, StudentsT};

/// The test of `b` against `a` (the difference is mean(b) − mean(a)).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Welch {
    #[serde(deserialize_with = "nan_if_null")]
    pub diff: f64,
    #[serde(deserialize_with = "nan_pair_if_null")]
    pub ci95: [f64; 2],
    /// Welch's two-sided p-value.
    #[serde(deserialize_with = "nan_if_null")]
    pub p: f64,
    /// Welch–Satterthwaite degrees of freedom.
    #[serde(deserialize_with = "nan_if_null")]
    pub df: f64,
    #[serde(deserialize_with = "nan_if_null")]
    pub cohen_d: f64,
    /// p < 0.05.
    pub significant: bool,
    /// Why some of the numbers are not what a t-test gives (too few runs, no variance).
    pub note: Option<String>,
}

/// Welch's test of `b` against `a`, over their finite values.
pub fn welch(a: &[f64], b: &[f64]) -> Welch {
    let (a, b) = (mean_std(a.iter().copied()), mean_std(b.iter().copied()));
    let nan = f64::NAN;
    if a.n < 2 || b.n < 2 {
        return Welch {
            // NaN when a group has no value at all.
            diff: b.mean - a.mean,
            ci95: [nan; 2],
            p: nan,
            df: nan,
            cohen_d: nan,
            significant: false,
            note: Some(format!(
                "no test: {} and {} finite values (a test needs two in each group)",
                a.n, b.n
            )),
        };
    }
    let (na, nb) = (a.n as f64, b.n as f64);
    let (va, vb) = (a.std * a.std, b.std * b.std);
    let diff = b.mean - a.mean;
    let pooled = (((na - 1.0) * va + (nb - 1.0) * vb) / (na + nb - 2.0)).sqrt();
    let (sa, sb) = (va / na, vb / nb);
    let se = (sa + sb).sqrt();
    if se == 0.0 {
        // Every run of each group gave the same number.
        let equal = diff == 0.0;
        return Welch {
            diff,
            ci95: [diff, diff],
            p: if equal { 1.0 } else { 0.0 },
            df: nan,
            cohen_d: if equal { 0.0 } else { nan },
            significant: !equal,
            note: Some(
                match equal {
                    true => "both groups have zero variance and equal means",
                    false => "both groups have zero variance: the difference is exact, d undefined",
                }
                .into(),
            ),
        };
    }
    let df = (sa + sb).powi(2) / (sa * sa / (na - 1.0) + sb * sb / (nb - 1.0));
    let t = diff / se;
    let p = 2.0
        * StudentsT::new(0.0, 1.0, df)
            .expect("positive degrees of freedom")
            .sf(t.abs());
    let half = t975(df) * se;
    Welch {
        diff,
        ci95: [diff - half, diff + half],
        p,
        df,
        cohen_d: diff / pooled,
        significant: p < 0.05,
        note: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol * b.abs().max(1e-300)
    }

    #[test]
    fn welch_matches_scipy() {
        // scipy 1.17.1: r = scipy.stats.ttest_ind(b, a, equal_var=False), its
        // r.pvalue, r.df and r.confidence_interval(0.95); Cohen's d computed with numpy
        // from the pooled sample variance.
        let a = [0.9812, 0.9790, 0.9805, 0.9821, 0.9799];
        let b = [0.9788, 0.9779, 0.9801, 0.9770];
        let w = welch(&a, &b);
        assert!(close(w.p, 0.047_699_864_167_866_77, 1e-9), "{w:?}");
        assert!(close(w.df, 6.190_256_579_180_874, 1e-12), "{w:?}");
        assert!(close(w.ci95[0], -0.004_151_045_667_874_843, 1e-9), "{w:?}");
        assert!(close(w.ci95[1], -2.895_433_212_545_114_5e-5, 1e-7), "{w:?}");
        assert!(close(w.cohen_d, -1.674_720_040_292_038_8, 1e-12), "{w:?}");
        assert!(w.significant && w.note.is_none());

        let w = welch(&[1.0, 2.0, 3.0], &[10.0, 30.0, 20.0, 25.0, 40.0]);
        assert!(close(w.p, 0.009_651_579_194_625_48, 1e-9), "{w:?}");
        assert!(close(w.df, 4.105_917_895_859_25, 1e-12), "{w:?}");
        assert!(close(w.ci95[0], 9.166_561_536_744_545, 1e-9), "{w:?}");
        assert!(close(w.ci95[1], 36.833_438_463_255_455, 1e-9), "{w:?}");
        assert!(close(w.cohen_d, 2.514_499_783_922_562_7, 1e-12), "{w:?}");
    }

    #[test]
    fn identical_runs_give_p_1_and_d_0_not_nan() {
        let w = welch(&[0.5, 0.5, 0.5], &[0.5, 0.5]);
        assert_eq!(
            (w.diff, w.p, w.cohen_d, w.significant),
            (0.0, 1.0, 0.0, false)
        );
        assert_eq!(w.ci95, [0.0, 0.0]);
        assert!(w.note.unwrap().contains("zero variance"));
        let w = welch(&[0.5, 0.5], &[0.7, 0.7]);
        assert_eq!((w.p, w.significant), (0.0, true));
        assert!(w.note.unwrap().contains("zero variance"));
    }

    #[test]
    fn too_few_runs_say_so() {
        let w = welch(&[0.5], &[0.7, 0.8, f64::NAN]);
        assert!(w.p.is_nan() && !w.significant);
        assert!((w.diff - 0.25).abs() < 1e-15);
        assert!(w.note.unwrap().contains("1 and 2 finite values"));
    }
}
