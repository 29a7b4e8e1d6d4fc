//! The figures of kind `saddles` about the points its searches found, and the arrays
//! they are drawn from:
//!
//! - `loss_vs_index.png`: loss against index of every end point, by class (Dauphin et
//!   al. 2014, Fig. 1), from `summary.json`;
//! - `search_convergence.png`: ‖∇L‖ per iteration of every search, from
//!   `search_history.npy` (one row per search, NaN after its last iteration);
//! - the spectra of the lowest-loss minimum (else degenerate point) and saddle: with
//!   exact spectra, their eigenvalue histograms side by side (`spectra.png`, from
//!   `eigenvalues_minimum.npy` and `eigenvalues_saddle.npy`), else their estimated
//!   densities (`density_minimum.png`, `density_saddle.png`, each from its grid and
//!   density arrays).

use super::hessian::Density;
use super::saddles::{CriticalPointReport, SaddlesReport};
use crate::critical::SpectrumReport;
use crate::error::Result;
use crate::io::run_dir::RunDir;
use crate::plot::critical::{loss_vs_index, search_convergence, spectrum_pair, CriticalPoint};

const HISTORY_FILE: &str = "search_history.npy";
/// Bins of each histogram of `spectra.png`.
const SPECTRUM_BINS: usize = 40;

/// The rows `histories` padded with NaN to the longest one.
pub fn padded<'a>(histories: impl Iterator<Item = &'a [f64]> + Clone) -> Vec<Vec<f64>> {
    let longest = histories.clone().map(<[f64]>::len).max().unwrap_or(0);
    histories
        .map(|h| {
            let mut row = h.to_vec();
            row.resize(longest, f64::NAN);
            row
        })
        .collect()
}

/// Saves the (padded) search histories as one matrix.
pub fn save_histories(dir: &RunDir, histories: &[Vec<f64>]) -> Result<()> {
    let cols = histories.first().map_or(0, Vec::len);
    let flat: Vec<f64> = histories.iter().flatten().copied().collect();
    dir.write_npy(HISTORY_FILE, &flat, &[histories.len(), cols])?;
    Ok(())
}

/// Reads the histories of `searches` searches.
pub fn load_histories(dir: &RunDir, searches: usize) -> Result<Vec<Vec<f64>>> {
    let (flat, shape) = dir.read_npy(HISTORY_FILE, &[Some(searches), None])?;
    Ok(match shape[1] {
        0 => vec![Vec::new(); searches],
        cols => flat.chunks(cols).map(<[f64]>::to_vec).collect(),
    })
}

/// Loss against index, and the search convergence.
pub fn draw_points(dir: &RunDir, report: &SaddlesReport, histories: &[Vec<f64>]) -> Result<()> {
    let points = &report.critical_points;
    let marks: Vec<CriticalPoint> = points
        .iter()
        .map(|p| CriticalPoint {
            index: p.spectrum.index,
            loss: p.loss,
            class: p.spectrum.classification,
        })
        .collect();
    loss_vs_index(
        &dir.path("loss_vs_index.png"),
        "Critical points: training loss against index",
        &marks,
    )?;
    let classes: Vec<_> = points.iter().map(|p| p.spectrum.classification).collect();
    search_convergence(
        &dir.path("search_convergence.png"),
        "Critical-point search: gradient norm per iteration",
        histories,
        &classes,
        report.search.tol,
    )
}

/// What the spectrum figures show of the lowest-loss minimum and saddle
/// ([`super::saddles::LowestPoints`]), when found.
#[derive(Clone, Debug, PartialEq)]
pub enum LowestSpectra {
    /// Every eigenvalue: `spectra.png`.
    Exact {
        minimum: Option<Vec<f64>>,
        saddle: Option<Vec<f64>>,
    },
    /// The estimated densities: `density_minimum.png`, `density_saddle.png`.
    Densities {
        minimum: Option<Density>,
        saddle: Option<Density>,
    },
}

/// The stems of the files of the minimum and of the saddle.
const STEMS: [&str; 2] = ["minimum", "saddle"];

impl LowestSpectra {
    /// The spectra of the reports of the lowest minimum and saddle (every eigenvalue
    /// when `exact`).
    pub fn of(
        exact: bool,
        minimum: Option<&SpectrumReport>,
        saddle: Option<&SpectrumReport>,
    ) -> LowestSpectra {
        let values =
            |r: Option<&SpectrumReport>| r.map(|r| r.eigenvalues().unwrap_or_default().to_vec());
        match exact {
            true => LowestSpectra::Exact {
                minimum: values(minimum),
                saddle: values(saddle),
            },
            false => LowestSpectra::Densities {
                minimum: minimum.map(Density::of),
                saddle: saddle.map(Density::of),
            },
        }
    }

    pub fn save(&self, dir: &RunDir) -> Result<()> {
        match self {
            LowestSpectra::Exact { minimum, saddle } => {
                for (stem, values) in STEMS.iter().zip([minimum, saddle]) {
                    if let Some(v) = values {
                        dir.write_npy(&format!("eigenvalues_{stem}.npy"), v, &[v.len()])?;
                    }
                }
            }
            LowestSpectra::Densities { minimum, saddle } => {
                for (stem, density) in STEMS.iter().zip([minimum, saddle]) {
                    if let Some(d) = density {
                        d.save(dir, &format!("density_{stem}"))?;
                    }
                }
            }
        }
        Ok(())
    }

    /// Reads back what [`LowestSpectra::save`] wrote for `report`.
    pub fn load(report: &SaddlesReport, dir: &RunDir) -> Result<LowestSpectra> {
        let lowest = [report.lowest.minimum, report.lowest.saddle];
        let [minimum, saddle] = lowest;
        if report.exact_spectra() {
            let read = |stem: &str, at: Option<usize>| -> Result<Option<Vec<f64>>> {
                at.map(|_| {
                    dir.read_npy(&format!("eigenvalues_{stem}.npy"), &[None])
                        .map(|(v, _)| v)
                })
                .transpose()
            };
            Ok(LowestSpectra::Exact {
                minimum: read(STEMS[0], minimum)?,
                saddle: read(STEMS[1], saddle)?,
            })
        } else {
            let read = |stem: &str, at: Option<usize>| {
                at.map(|_| Density::load(dir, &format!("density_{stem}")))
                    .transpose()
            };
            Ok(LowestSpectra::Densities {
                minimum: read(STEMS[0], minimum)?,
                saddle: read(STEMS[1], saddle)?,
            })
        }
    }

    /// `spectra.png`, or the density figures of the points found.
    pub fn draw(&self, report: &SaddlesReport, dir: &RunDir) -> Result<()> {
        let point = |i: Option<usize>| i.and_then(|i| report.critical_points.get(i));
        let (minimum, saddle) = (point(report.lowest.minimum), point(report.lowest.saddle));
        match self {
            LowestSpectra::Exact {
                minimum: min_values,
                saddle: saddle_values,
            } => {
                let kind = minimum.map_or("minimum", |m| m.spectrum.classification.name());
                let values = |v: &Option<Vec<f64>>| v.clone().unwrap_or_default();
                spectrum_pair(
                    &dir.path("spectra.png"),
                    "Hessian eigenvalues at critical points (exact)",
                    (&caption(kind, minimum), &values(min_values)),
                    (&caption("saddle", saddle), &values(saddle_values)),
                    SPECTRUM_BINS,
                )
            }
            LowestSpectra::Densities {
                minimum: min_density,
                saddle: saddle_density,
            } => {
                for (stem, density, p) in [
                    (STEMS[0], min_density, minimum),
                    (STEMS[1], saddle_density, saddle),
                ] {
                    if let (Some(d), Some(p)) = (density, p) {
                        let s = &p.spectrum;
                        let title = caption(s.classification.name(), Some(p));
                        d.draw(
                            dir,
                            &format!("density_{stem}"),
                            &title,
                            s.exact,
                            s.classification,
                        )?;
                    }
                }
                Ok(())
            }
        }
    }
}

/// "what: loss …, index …", or "what: none found".
fn caption(what: &str, point: Option<&CriticalPointReport>) -> String {
    match point {
        Some(p) => format!("{what}: loss {:.4}, index {:.3}", p.loss, p.spectrum.index),
        None => format!("{what}: none found"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histories_are_padded_with_nan_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let run = RunDir::create(dir.path()).unwrap();
        let rows: [&[f64]; 3] = [&[1.0, 0.5], &[2.0], &[3.0, 1.0, 1e-9]];
        let h = padded(rows.iter().copied());
        assert_eq!(h[0][..2], [1.0, 0.5]);
        assert!(h[0][2].is_nan() && h[1][1..].iter().all(|v| v.is_nan()));
        assert_eq!(h[2], [3.0, 1.0, 1e-9]);
        save_histories(&run, &h).unwrap();
        let back = load_histories(&run, 3).unwrap();
        let bits = |m: &[Vec<f64>]| -> Vec<Vec<u64>> {
            m.iter()
                .map(|r| r.iter().map(|v| v.to_bits()).collect())
                .collect()
        };
        assert_eq!(bits(&back), bits(&h));
        let err = load_histories(&run, 4).unwrap_err().to_string();
        assert!(err.contains(HISTORY_FILE), "{err}");
    }
}
