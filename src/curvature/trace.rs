//! Stochastic estimates of tr(H) from HVPs only.
//!
//! - Hutchinson (1989): for Rademacher z (i.i.d. ±1), E[zᵀHz] = tr(H), so
//!   tr(H) ≈ (1/m) Σ_i z_iᵀ H z_i, with variance 2(‖H‖_F² − Σ_i H_ii²)/m.
//! - Hutch++ (Meyer, Musco, Musco & Woodruff 2021, "Hutch++: optimal stochastic trace
//!   estimation"): with m HVPs split in three, S (n × m/3, Rademacher), Q = orth(H S),
//!   tr(H) ≈ tr(QᵀHQ) + (3/m) tr(Gᵀ(I − QQᵀ) H (I − QQᵀ) G) with G (n × m/3, Rademacher).
//!   The top of the spectrum is captured exactly by Q, so for a decaying spectrum the
//!   error falls like 1/m instead of 1/√m.

use super::{rademacher, Counted, HvpOperator};
use crate::linalg::dot;
use nalgebra::DMatrix;
use rand_chacha::ChaCha8Rng;

/// A trace estimate with its standard error.
#[derive(Clone, Debug, PartialEq)]
pub struct TraceEstimate {
    pub trace: f64,
    /// Sample standard deviation of the stochastic terms / √probes (NaN with < 2 probes;
    /// for Hutch++ this is the error of the Hutchinson part only).
    pub stderr: f64,
    /// Random probes in the Hutchinson part.
    pub probes: usize,
    /// HVPs used in total.
    pub hvps: usize,
}

/// Mean and standard error (sample std with n − 1, / √n) of `xs`.
fn mean_stderr(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    if xs.is_empty() {
        return (0.0, f64::NAN);
    }
    let mean = xs.iter().sum::<f64>() / n;
    if xs.len() < 2 {
        return (mean, f64::NAN);
    }
    let var = xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1.0);
    (mean, (var / n).sqrt())
}

/// Hutchinson's estimator with `probes` Rademacher vectors: tr(H) ≈ mean(zᵀHz),
/// stderr = sample std / √probes. Uses `probes` HVPs.
pub fn hutchinson<O: HvpOperator + ?Sized>(
    op: &O,
    probes: usize,
    rng: &mut ChaCha8Rng,
) -> TraceEstimate {
    let n = op.dim();
    let op = Counted::new(op);
    let mut hz = vec![0.0; n];
    let samples: Vec<f64> = (0..probes)
        .map(|_| {
            let z = rademacher(n, rng);
            op.apply(&z, &mut hz);
            dot(&z, &hz)
        })
        .collect();
    let (trace, stderr) = mean_stderr(&samples);
    TraceEstimate {
        trace,
        stderr,
        probes,
        hvps: op.hvps(),
    }
}

/// Hutch++ (Meyer et al. 2021) with a budget of `hvps_budget` HVPs: s = budget / 3
/// Rademacher columns for the sketch S, Q = orth(H S) by nalgebra's thin QR, the exact
/// part tr(QᵀHQ) (s HVPs), and Hutchinson with the remaining budget − 2s Rademacher
/// probes g on the deflated operator: gᵀ(I − QQᵀ)H(I − QQᵀ)g. stderr is that of the
/// Hutchinson part. With a budget < 3 it is plain [`hutchinson`]; when Q spans the whole
/// space (s ≥ n) the trace is exact and the Hutchinson part is skipped.
pub fn hutch_plus_plus<O: HvpOperator + ?Sized>(
    op: &O,
    hvps_budget: usize,
    rng: &mut ChaCha8Rng,
) -> TraceEstimate {
    if hvps_budget < 3 {
        return hutchinson(op, hvps_budget, rng);
    }
    let n = op.dim();
    let op = Counted::new(op);
    let s = (hvps_budget / 3).min(n);
    // H S, column by column.
    let mut hs = DMatrix::<f64>::zeros(n, s);
    let mut out = vec![0.0; n];
    for j in 0..s {
        let z = rademacher(n, rng);
        op.apply(&z, &mut out);
        hs.column_mut(j).copy_from_slice(&out);
    }
    let q = hs.qr().q(); // n × s, orthonormal columns
    let mut exact = 0.0;
    for j in 0..s {
        let qj: Vec<f64> = q.column(j).iter().copied().collect();
        op.apply(&qj, &mut out);
        exact += dot(&qj, &out);
    }
    let g_probes = if s >= n { 0 } else { hvps_budget - 2 * s };
    let project = |v: &mut Vec<f64>| {
        // v ← (I − QQᵀ) v, twice for stability.
        for _ in 0..2 {
            let c = q.tr_mul(&DMatrix::from_column_slice(n, 1, v));
            let qc = &q * c;
            v.iter_mut().zip(qc.iter()).for_each(|(a, b)| *a -= b);
        }
    };
    let samples: Vec<f64> = (0..g_probes)
        .map(|_| {
            let mut g = rademacher(n, rng);
            project(&mut g);
            op.apply(&g, &mut out);
            dot(&g, &out)
        })
        .collect();
    let (rest, stderr) = if g_probes == 0 {
        (0.0, 0.0)
    } else {
        mean_stderr(&samples)
    };
    TraceEstimate {
        trace: exact + rest,
        stderr,
        probes: g_probes,
        hvps: op.hvps(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::curvature::DenseOperator;
    use crate::objective::toys::Quadratic;
    use rand::SeedableRng;

    fn rotated(lam: &[f64], seed: u64) -> DenseOperator {
        DenseOperator::new(Quadratic::new(lam, seed).a, lam.len())
    }

    #[test]
    fn curvature_hutchinson_converges_and_covers() {
        let lam: Vec<f64> = (0..50).map(|i| (i as f64 - 10.0) / 5.0).collect();
        let truth: f64 = lam.iter().sum();
        let op = rotated(&lam, 3);
        let mean_err = |probes: usize| -> f64 {
            (0..8)
                .map(|s| {
                    let mut r = ChaCha8Rng::seed_from_u64(100 + s);
                    let e = hutchinson(&op, probes, &mut r);
                    assert_eq!((e.hvps, e.probes), (probes, probes));
                    (e.trace - truth).abs()
                })
                .sum::<f64>()
                / 8.0
        };
        let (e10, e1000) = (mean_err(10), mean_err(1000));
        println!("hutchinson mean |error|: 10 probes {e10:.3}, 1000 probes {e1000:.3}");
        assert!(e1000 < e10 / 3.0);
        let covered = (0..50)
            .filter(|&s| {
                let mut r = ChaCha8Rng::seed_from_u64(1000 + s);
                let e = hutchinson(&op, 30, &mut r);
                (e.trace - truth).abs() <= 2.0 * e.stderr
            })
            .count();
        println!("±2 stderr covers the truth in {covered}/50");
        assert!(covered >= 40);
    }

    #[test]
    fn curvature_hutch_plus_plus_beats_hutchinson() {
        let n = 200;
        let lam: Vec<f64> = (1..=n).map(|i| 1.0 / (i as f64).powi(2)).collect();
        let truth: f64 = lam.iter().sum();
        let op = rotated(&lam, 4);
        let budget = 60;
        let (mut eh, mut epp) = (0.0, 0.0);
        for s in 0..20 {
            let mut r = ChaCha8Rng::seed_from_u64(s);
            let a = hutchinson(&op, budget, &mut r);
            let b = hutch_plus_plus(&op, budget, &mut r);
            assert_eq!(b.hvps, budget);
            eh += (a.trace - truth).abs() / 20.0;
            epp += (b.trace - truth).abs() / 20.0;
        }
        println!("budget {budget}: Hutchinson mean |error| {eh:.2e}, Hutch++ {epp:.2e}");
        assert!(epp < eh / 3.0);
        // whole space sketched: exact
        let small = rotated(&[3.0, -1.0, 2.0], 1);
        let mut r = ChaCha8Rng::seed_from_u64(0);
        let e = hutch_plus_plus(&small, 9, &mut r);
        assert!((e.trace - 4.0).abs() < 1e-12);
    }
}
