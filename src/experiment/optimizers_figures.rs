//! The arrays and figures of an `optimizers` run, for each start point k:
//!
//! - `race<k>_loss.npy`, `race<k>_cost.npy` (optimisers × records, the longest race's
//!   steps + 1, shorter ones NaN-padded) and `race<k>_path.npy` (optimisers × records × 2: the path on the plane of the
//!   start's top and most negative eigenvectors); `race<k>_plane.npy` (grid × grid, the
//!   loss over that plane, row y);
//! - `race<k>_loss_vs_step.png` and `race<k>_loss_vs_cost.png` (cost in
//!   HVP-equivalents), one line per optimiser;
//! - `race<k>_paths.png`: the paths over the contours of the loss on the plane, the
//!   start point marked.
//!
//! [`redraw`] draws them again from `summary.json` and the arrays.

use super::optimizers::OptimizersReport;
use super::optimizers_run::Race;
use crate::error::Result;
use crate::io::run_dir::RunDir;
use crate::plot::{self, contour_plot, Overlay, Series, Surface, SurfaceStyle};

/// Saves every race's records and each start's plane.
pub fn save(
    r: &OptimizersReport,
    races: &[Vec<Race>],
    planes: &[Vec<f64>],
    dir: &RunDir,
) -> Result<()> {
    for (k, (run, plane)) in races.iter().zip(planes).enumerate() {
        let n = r.starts[k].records;
        let flat = |f: fn(&Race) -> &Vec<f64>| -> Vec<f64> {
            run.iter().flat_map(|x| f(x).clone()).collect()
        };
        dir.write_npy(
            &format!("race{k}_loss.npy"),
            &flat(|x| &x.loss),
            &[run.len(), n],
        )?;
        dir.write_npy(
            &format!("race{k}_cost.npy"),
            &flat(|x| &x.cost),
            &[run.len(), n],
        )?;
        let path: Vec<f64> = run
            .iter()
            .flat_map(|x| x.path.iter().flat_map(|p| [p.0, p.1]))
            .collect();
        dir.write_npy(&format!("race{k}_path.npy"), &path, &[run.len(), n, 2])?;
        let g = r.starts[k].plane_x.len();
        if g > 0 {
            dir.write_npy(&format!("race{k}_plane.npy"), plane, &[g, g])?;
        }
    }
    Ok(())
}

/// One start's arrays read back: rows of loss, cost and path per optimiser.
pub struct RaceArrays {
    pub loss: Vec<Vec<f64>>,
    pub cost: Vec<Vec<f64>>,
    pub path: Vec<Vec<(f64, f64)>>,
}

/// Reads the arrays of start `k`, checking their shapes.
pub fn load(r: &OptimizersReport, k: usize, dir: &RunDir) -> Result<RaceArrays> {
    let (m, n) = (r.optimizers.len(), r.starts[k].records);
    let rows = |name: &str| -> Result<Vec<Vec<f64>>> {
        let (v, _) = dir.read_npy(&format!("race{k}_{name}.npy"), &[Some(m), Some(n)])?;
        Ok(v.chunks(n).map(<[f64]>::to_vec).collect())
    };
    let (p, _) = dir.read_npy(&format!("race{k}_path.npy"), &[Some(m), Some(n), Some(2)])?;
    Ok(RaceArrays {
        loss: rows("loss")?,
        cost: rows("cost")?,
        path: p
            .chunks(2 * n)
            .map(|row| row.chunks(2).map(|q| (q[0], q[1])).collect())
            .collect(),
    })
}

/// The lowest loss drawn, relative to the start's.
const FLOOR: f64 = 1e-8;

/// One series per optimiser: `ys[i]` against `xs[i]`.
fn series<'a>(names: &[&'a str], xs: Vec<&'a [f64]>, ys: &'a [Vec<f64>]) -> Vec<Series<'a>> {
    names
        .iter()
        .zip(xs)
        .zip(ys)
        .map(|((&label, x), y)| Series { label, x, y })
        .collect()
}

/// Draws every start's figures.
pub fn redraw(r: &OptimizersReport, dir: &RunDir) -> Result<()> {
    for (k, start) in r.starts.iter().enumerate() {
        let a = load(r, k, dir)?;
        let steps: Vec<f64> = (0..start.records).map(|t| t as f64).collect();
        let log = a
            .loss
            .iter()
            .flatten()
            .filter(|v| v.is_finite())
            .all(|&v| v > 0.0);
        let names: Vec<&str> = r.optimizers.iter().map(|o| o.name()).collect();
        // On a log axis a race that reaches 1e-30 would flatten every other line: losses
        // below FLOOR × the start's are drawn at that floor, and the title says so.
        let floor = FLOOR * start.loss;
        let clipped = log && a.loss.iter().flatten().any(|&v| v < floor);
        let loss: Vec<Vec<f64>> = match clipped {
            true => a
                .loss
                .iter()
                .map(|row| {
                    row.iter()
                        .map(|&v| if v < floor { floor } else { v })
                        .collect()
                })
                .collect(),
            false => a.loss.clone(),
        };
        let note = match clipped {
            true => format!(" (below {floor:.1e} drawn at it)"),
            false => String::new(),
        };
        let title = |what: &str| format!("from the {}: loss against {what}{note}", start.origin);
        plot::line_chart(
            &dir.path(&format!("race{k}_loss_vs_step.png")),
            &title("step"),
            "step",
            "training loss",
            &series(&names, names.iter().map(|_| &steps[..]).collect(), &loss),
            log,
        )?;
        plot::line_chart(
            &dir.path(&format!("race{k}_loss_vs_cost.png")),
            &title("work"),
            "HVP-equivalents (HVP 1, gradient ½, loss ⅙)",
            "training loss",
            &series(&names, a.cost.iter().map(|c| &c[..]).collect(), &loss),
            log,
        )?;
        let g = start.plane_x.len();
        if g == 0 {
            continue;
        }
        let (z, _) = dir.read_npy(&format!("race{k}_plane.npy"), &[Some(g), Some(g)])?;
        let origin = [(0.0, 0.0)];
        let mut overlays = vec![Overlay {
            points: &origin,
            label: "start point",
            color: 8,
            ends: ["start", ""],
        }];
        overlays.extend(names.iter().enumerate().map(|(i, &label)| Overlay {
            points: &a.path[i],
            label,
            color: i + 1,
            ends: ["", ""],
        }));
        contour_plot(
            &dir.path(&format!("race{k}_paths.png")),
            &format!("paths from the {} over the loss", start.origin),
            &Surface {
                x: &start.plane_x,
                y: &start.plane_y,
                z: &z,
            },
            &SurfaceStyle {
                log: z.iter().filter(|v| v.is_finite()).all(|&v| v > 0.0),
                x_label: format!("along H's top eigenvector (λ = {:.3})", start.lambda_max),
                y_label: format!("along its most negative (λ = {:.3})", start.lambda_min),
                z_label: "training loss".into(),
                ..SurfaceStyle::default()
            },
            &overlays,
        )?;
    }
    Ok(())
}
