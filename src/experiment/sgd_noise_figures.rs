//! The arrays and figures of an `sgd_noise` run, all drawn from its report:
//!
//! - `noise_alignment.png`: uᵢᵀΣ_b uᵢ against λᵢ on log–log axes, one colour per batch
//!   size, with the isotropic level tr(Σ_b)/P of the smallest batch for reference;
//! - `noise_spectra.png`: H's top eigenvalues beside Σ_b's, against their rank;
//! - `noise_cosines.png`: |cos| between Σ_b's and H's top eigenvectors.
//!
//! Saved for other tools: `hessian_top.npy` (k), `sigma_top.npy` and `noise_along.npy`
//! (batch sizes × k), `cosines.npy` (k × k, Σ's eigenvectors by row).

use super::sgd_noise::SgdNoiseReport;
use crate::error::Result;
use crate::io::run_dir::RunDir;
use crate::plot::{self, MeanStd};

/// Rows of equal length as one row-major array (shorter rows padded with NaN).
fn matrix(rows: &[Vec<f64>]) -> (Vec<f64>, [usize; 2]) {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let mut flat = Vec::with_capacity(rows.len() * cols);
    for r in rows {
        flat.extend(
            r.iter()
                .copied()
                .chain(std::iter::repeat(f64::NAN))
                .take(cols),
        );
    }
    (flat, [rows.len(), cols])
}

pub fn save_arrays(r: &SgdNoiseReport, dir: &RunDir) -> Result<()> {
    dir.write_npy("hessian_top.npy", &r.hessian_top, &[r.hessian_top.len()])?;
    let sigma: Vec<Vec<f64>> = r.batches.iter().map(|b| b.sigma_top.clone()).collect();
    let (flat, shape) = matrix(&sigma);
    dir.write_npy("sigma_top.npy", &flat, &shape)?;
    let along: Vec<Vec<f64>> = r
        .batches
        .iter()
        .map(|b| b.alignment.iter().map(|a| a.noise_along).collect())
        .collect();
    let (flat, shape) = matrix(&along);
    dir.write_npy("noise_along.npy", &flat, &shape)?;
    if let Some(b) = r.batches.first() {
        let (flat, shape) = matrix(&b.cosines);
        dir.write_npy("cosines.npy", &flat, &shape)?;
    }
    Ok(())
}

fn ranks(n: usize) -> Vec<f64> {
    (1..=n).map(|i| i as f64).collect()
}

/// Draws the three figures from the report.
pub fn redraw(r: &SgdNoiseReport, dir: &RunDir) -> Result<()> {
    let labels: Vec<String> = r
        .batches
        .iter()
        .map(|b| format!("b = {}", b.label))
        .collect();
    let lambdas: Vec<Vec<f64>> = r
        .batches
        .iter()
        .map(|b| b.alignment.iter().map(|a| a.lambda).collect())
        .collect();
    let along: Vec<Vec<f64>> = r
        .batches
        .iter()
        .map(|b| b.alignment.iter().map(|a| a.noise_along).collect())
        .collect();
    let zeros = vec![0.0; r.hessian_top.len()];
    let mut series: Vec<MeanStd> = labels
        .iter()
        .zip(lambdas.iter().zip(&along))
        .map(|(label, (x, y))| MeanStd {
            label,
            x,
            mean: y,
            err: &zeros[..x.len()],
        })
        .collect();
    let iso_label;
    let iso: Vec<f64>;
    if let (Some(b), Some(x)) = (r.batches.first(), lambdas.first()) {
        iso_label = format!("isotropic, b = {}: tr(Σ)/P", b.label);
        iso = vec![b.trace_sigma / r.n_params as f64; x.len()];
        series.push(MeanStd {
            label: &iso_label,
            x,
            mean: &iso,
            err: &zeros[..x.len()],
        });
    }
    plot::mean_std_chart(
        &dir.path("noise_alignment.png"),
        "gradient noise along the Hessian's top eigenvectors",
        "Hessian eigenvalue λᵢ",
        "noise variance uᵢᵀ Σ_b uᵢ",
        &series,
        true,
        true,
        None,
    )?;

    let k = r.hessian_top.len();
    let h_rank = ranks(k);
    let hessian = [MeanStd {
        label: "H",
        x: &h_rank,
        mean: &r.hessian_top,
        err: &zeros,
    }];
    let sigma_ranks: Vec<Vec<f64>> = r.batches.iter().map(|b| ranks(b.sigma_top.len())).collect();
    let sigma_zeros: Vec<Vec<f64>> = r
        .batches
        .iter()
        .map(|b| vec![0.0; b.sigma_top.len()])
        .collect();
    let sigma: Vec<MeanStd> = r
        .batches
        .iter()
        .zip(&labels)
        .zip(sigma_ranks.iter().zip(&sigma_zeros))
        .map(|((b, label), (x, err))| MeanStd {
            label,
            x,
            mean: &b.sigma_top,
            err,
        })
        .collect();
    plot::mean_std_panels(
        &dir.path("noise_spectra.png"),
        "top eigenvalues of the Hessian and of the gradient noise",
        "rank i",
        &[
            ("Hessian H", "eigenvalue λᵢ", &hessian, true),
            ("noise covariance Σ_b", "eigenvalue", &sigma, true),
        ],
        false,
        None,
    )?;

    if let Some(b) = r.batches.first() {
        let (flat, [rows, cols]) = matrix(&b.cosines);
        plot::unit_matrix(
            &dir.path("noise_cosines.png"),
            "|cos| between top eigenvectors of Σ_b and H",
            ("Hessian eigenvector j", "noise eigenvector i"),
            &flat,
            (rows, cols),
        )?;
    }
    Ok(())
}
