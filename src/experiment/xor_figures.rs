//! The files and figures of an `xor` run: the decision regions of the hand-wired network
//! and of one trained net, the training loss of a few seeds, and the histogram of every
//! seed's final loss. Saved as arrays and tables beside the figures and drawn from them,
//! so `losscape plot` redraws them without training anything.

use super::figures::RegionGrid;
use super::xor_report::{ShownNet, XorReport};
use crate::error::{Error, Result};
use crate::io::run_dir::RunDir;
use crate::plot::{self, Series};

/// The table of every trained seed.
const SEEDS_FILE: &str = "trained_seeds.csv";
const SEEDS_COLUMNS: [&str; 4] = ["seed", "solved", "final_loss", "final_grad_norm"];
/// The loss curves drawn, in the order of the report's `trained.loss_curves`.
const CURVES_FILE: &str = "trained_loss_curves.csv";
const CURVES_COLUMNS: [&str; 3] = ["curve", "epoch", "train_loss"];
const FORMULA_REGIONS: &str = "formula_network_regions";
const TRAINED_REGIONS: &str = "trained_regions";
const FORMULA_TITLE: &str = "hand-wired step network: ¬((x₁∧x₂) ∨ ¬(x₁∨x₂))";

/// How one trained seed ended.
#[derive(Clone, Debug, PartialEq)]
pub struct SeedOutcome {
    pub seed: u64,
    pub solved: bool,
    pub final_loss: f64,
    pub final_grad_norm: f64,
}

/// Training loss against epoch of one drawn seed.
#[derive(Clone, Debug, PartialEq)]
pub struct LossCurve {
    pub epoch: Vec<f64>,
    pub loss: Vec<f64>,
}

/// What the figures are drawn from.
#[derive(Clone, Debug, PartialEq)]
pub struct XorFigures {
    pub formula_regions: RegionGrid,
    /// None for data without class labels.
    pub trained_regions: Option<RegionGrid>,
    pub seeds: Vec<SeedOutcome>,
    /// One per entry of the report's `trained.loss_curves`.
    pub curves: Vec<LossCurve>,
}

/// "solved" or "stalled".
fn outcome(solved: bool) -> &'static str {
    if solved {
        "solved"
    } else {
        "stalled"
    }
}

impl XorFigures {
    /// Saves the region grids and the two tables.
    pub fn save(&self, dir: &RunDir) -> Result<()> {
        self.formula_regions.save(dir, FORMULA_REGIONS)?;
        if let Some(g) = &self.trained_regions {
            g.save(dir, TRAINED_REGIONS)?;
        }
        let rows: Vec<Vec<f64>> = self
            .seeds
            .iter()
            .map(|s| {
                vec![
                    s.seed as f64,
                    f64::from(u8::from(s.solved)),
                    s.final_loss,
                    s.final_grad_norm,
                ]
            })
            .collect();
        dir.write_csv(SEEDS_FILE, &SEEDS_COLUMNS, &rows)?;
        let rows: Vec<Vec<f64>> = self
            .curves
            .iter()
            .enumerate()
            .flat_map(|(i, c)| {
                c.epoch
                    .iter()
                    .zip(&c.loss)
                    .map(move |(&e, &l)| vec![i as f64, e, l])
            })
            .collect();
        dir.write_csv(CURVES_FILE, &CURVES_COLUMNS, &rows)?;
        Ok(())
    }

    /// Reads back what [`XorFigures::save`] wrote for the run `report` describes.
    pub fn load(dir: &RunDir, report: &XorReport) -> Result<XorFigures> {
        let formula_regions =
            RegionGrid::load(dir, FORMULA_REGIONS, &report.formula_network.regions)?;
        let trained_regions = match &report.trained.regions {
            Some(shown) => Some(RegionGrid::load(dir, TRAINED_REGIONS, &shown.grid)?),
            None => None,
        };
        let seeds = dir
            .read_csv(SEEDS_FILE, &SEEDS_COLUMNS)?
            .into_iter()
            .map(|r| SeedOutcome {
                seed: r[0] as u64,
                solved: r[1] != 0.0,
                final_loss: r[2],
                final_grad_norm: r[3],
            })
            .collect();
        let n = report.trained.loss_curves.len();
        let mut curves = vec![
            LossCurve {
                epoch: vec![],
                loss: vec![],
            };
            n
        ];
        for (line, r) in dir
            .read_csv(CURVES_FILE, &CURVES_COLUMNS)?
            .iter()
            .enumerate()
        {
            let i = r[0];
            if !(i >= 0.0 && i < n as f64 && i.fract() == 0.0) {
                return Err(Error::data(
                    dir.path(CURVES_FILE),
                    Some(line + 2),
                    format!(
                        "curve {i} is not one of the {n} curves of summary.json (trained.loss_curves)"
                    ),
                ));
            }
            curves[i as usize].epoch.push(r[1]);
            curves[i as usize].loss.push(r[2]);
        }
        Ok(XorFigures {
            formula_regions,
            trained_regions,
            seeds,
            curves,
        })
    }

    /// Draws the four figures, titled with the run's `name`.
    pub fn draw(&self, dir: &RunDir, report: &XorReport, name: &str) -> Result<()> {
        self.formula_regions
            .draw(&dir.path("formula_network_regions.png"), FORMULA_TITLE)?;
        if let (Some(g), Some(ShownNet { seed, solved, .. })) =
            (&self.trained_regions, &report.trained.regions)
        {
            g.draw(
                &dir.path("trained_regions.png"),
                &format!(
                    "trained {:?} net, seed {seed} ({})",
                    report.trained.layers,
                    outcome(*solved)
                ),
            )?;
        }
        let labels: Vec<String> = report
            .trained
            .loss_curves
            .iter()
            .map(|c| format!("seed {} ({})", c.seed, outcome(c.solved)))
            .collect();
        let series: Vec<Series> = labels
            .iter()
            .zip(&self.curves)
            .map(|(label, c)| Series {
                label,
                x: &c.epoch,
                y: &c.loss,
            })
            .collect();
        plot::line_chart(
            &dir.path("trained_loss_curves.png"),
            &format!("{name}: training loss by seed"),
            "epoch",
            "loss (½ Σ squared error)",
            &series,
            true,
        )?;
        let losses: Vec<f64> = self.seeds.iter().map(|s| s.final_loss).collect();
        plot::histogram(
            &dir.path("final_loss_histogram.png"),
            &format!("{name}: final loss over {} seeds", report.trained.seeds),
            "final training loss",
            &losses,
            30,
            false,
        )
    }
}
