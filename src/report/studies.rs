//! The sections of the study kinds' pages (`batch_size`, `width_sweep`): the table of
//! mean ± std [95 % confidence interval] by variant, charts of the metrics against batch
//! size or width with their intervals, every run linked to its result file, and each
//! kind's own parts (a batch-size study's comparisons, parametric plot and the two
//! minima's slices on one colour scale; a width sweep's fitted curves).

use super::page::{num, nums, show, show_sig, Cell, Page};
use crate::error::Result;
use crate::experiment::batch_size::{self, BatchSizeReport};
use crate::experiment::batch_size_compare;
use crate::experiment::width_sweep::{self, WidthSweepReport};
use crate::experiment::width_sweep_figures::WidthFits;
use crate::io::run_dir::RunDir;
use crate::study::stats::MeanStd;
use serde_json::{json, Value};

/// Mean ± std [95 % interval], 4 significant digits (the spread of a few seeds makes
/// more meaningless).
fn mean_std(m: &MeanStd) -> String {
    let g = |v: f64| show_sig(v, 4);
    match m.n {
        0 => "–".into(),
        1 => g(m.mean),
        _ => format!(
            "{} ± {} [{}, {}]",
            g(m.mean),
            g(m.std),
            g(m.ci95[0]),
            g(m.ci95[1])
        ),
    }
}

/// A chart of metrics against the study's variable `x` (log axis), each a line of
/// means with their 95 % confidence intervals as bars.
fn against(
    x: &[f64],
    x_label: &str,
    title: &str,
    lines: Vec<(String, Vec<&MeanStd>)>,
    log_y: bool,
) -> (Value, Value) {
    let traces: Vec<Value> = lines
        .into_iter()
        .map(|(name, stats)| {
            json!({ "type": "scatter", "mode": "lines+markers", "name": name, "x": nums(x),
                    "y": stats.iter().map(|m| num(m.mean)).collect::<Vec<_>>(),
                    "error_y": { "type": "data", "visible": true, "symmetric": false,
                                 "array": stats.iter().map(|m| num(m.ci95[1] - m.mean)).collect::<Vec<_>>(),
                                 "arrayminus": stats.iter().map(|m| num(m.mean - m.ci95[0])).collect::<Vec<_>>() },
                    "customdata": stats.iter().map(|m| json!([num(m.ci95[0]), num(m.ci95[1])])).collect::<Vec<_>>(),
                    "hovertemplate": format!("{x_label} %{{x}}<br>{name} = %{{y}}<br>95 % CI [%{{customdata[0]}}, %{{customdata[1]}}]<extra></extra>") })
        })
        .collect();
    (
        json!(traces),
        json!({ "title": { "text": title },
                "xaxis": { "title": { "text": x_label }, "type": "log" },
                "yaxis": { "type": if log_y { "log" } else { "linear" } } }),
    )
}

fn link(name: &str) -> Cell {
    Cell::Link {
        text: name.to_string(),
        href: format!("runs/{name}/result.json"),
    }
}

fn opt(v: Option<f64>) -> String {
    v.map_or("–".into(), show)
}

pub fn batch_size(page: &mut Page, r: &BatchSizeReport, dir: &RunDir) -> Result<()> {
    let by = &r.by_batch_size;
    let epsilons: Vec<String> = by
        .first()
        .map(|b| b.sharpness.keys().cloned().collect())
        .unwrap_or_default();
    page.section("By batch size");
    page.text(&format!(
        "{} runs: {} batch sizes × {} seeds; mean ± std [95 % confidence interval of the \
         mean] over the seeds.",
        r.runs.len(),
        by.len(),
        by.first().map_or(0, |b| b.train_loss.n)
    ));
    let mut header = vec!["batch", "train loss", "test loss", "test accuracy", "gap"];
    let sharp: Vec<String> = epsilons
        .iter()
        .map(|e| format!("sharpness ε={}", e.trim_start_matches("sharpness_")))
        .collect();
    header.extend(sharp.iter().map(String::as_str));
    header.extend(["λmax", "trace", "‖θ − θ₀‖"]);
    let rows = by
        .iter()
        .map(|b| {
            let mut row = vec![
                Cell::from(b.batch_label.as_str()),
                Cell::from(mean_std(&b.train_loss)),
                Cell::from(mean_std(&b.test_loss)),
                Cell::from(mean_std(&b.test_accuracy)),
                Cell::from(mean_std(&b.gap)),
            ];
            row.extend(
                epsilons
                    .iter()
                    .map(|e| Cell::from(b.sharpness.get(e).map_or("–".into(), mean_std))),
            );
            row.extend([
                Cell::from(mean_std(&b.lambda_max)),
                Cell::from(mean_std(&b.trace)),
                Cell::from(mean_std(&b.distance_from_init)),
            ]);
            row
        })
        .collect();
    page.table(&header, rows);
    let x: Vec<f64> = by.iter().map(|b| b.batch_size as f64).collect();
    let mut charts = vec![
        against(
            &x,
            "batch size",
            "accuracy",
            vec![
                (
                    "train accuracy".into(),
                    by.iter().map(|b| &b.train_accuracy).collect(),
                ),
                (
                    "test accuracy".into(),
                    by.iter().map(|b| &b.test_accuracy).collect(),
                ),
            ],
            false,
        ),
        against(
            &x,
            "batch size",
            "generalisation gap",
            vec![("gap".into(), by.iter().map(|b| &b.gap).collect())],
            false,
        ),
    ];
    if !epsilons.is_empty() {
        let lines = epsilons
            .iter()
            .map(|e| {
                (
                    format!("sharpness ε={}", e.trim_start_matches("sharpness_")),
                    by.iter().filter_map(|b| b.sharpness.get(e)).collect(),
                )
            })
            .collect();
        charts.push(against(
            &x,
            "batch size",
            "sharpness (Keskar et al.)",
            lines,
            true,
        ));
    }
    charts.push(against(
        &x,
        "batch size",
        "top Hessian eigenvalue",
        vec![("λmax".into(), by.iter().map(|b| &b.lambda_max).collect())],
        true,
    ));
    page.figures_row(charts);

    let ip = &r.interpolation;
    page.section("Between the minima");
    page.text(&format!(
        "The loss and accuracy on the line θ(α) = (1 − α)·θ_{} + α·θ_{} (seed {}).",
        ip.between[0], ip.between[1], ip.seed
    ));
    let line = |y: &[f64], name: &str, axis: &str, dash: &str| {
        json!({ "type": "scatter", "mode": "lines", "x": nums(&ip.alpha), "y": nums(y), "name": name,
                "yaxis": axis, "line": { "dash": dash },
                "hovertemplate": format!("α = %{{x}}<br>{name} = %{{y}}<extra></extra>") })
    };
    page.figure(
        json!([
            line(&ip.train_loss, "train loss", "y", "solid"),
            line(&ip.test_loss, "test loss", "y", "solid"),
            line(&ip.train_accuracy, "train accuracy", "y2", "dot"),
            line(&ip.test_accuracy, "test accuracy", "y2", "dot"),
        ]),
        json!({ "title": { "text": format!("parametric plot: batch {} (α = 0) to batch {} (α = 1)", ip.between[0], ip.between[1]) },
                "xaxis": { "title": { "text": "α" } },
                "yaxis": { "title": { "text": "loss" }, "type": "log" },
                "yaxis2": { "title": { "text": "accuracy" }, "overlaying": "y", "side": "right" } }),
    );

    if let (Some(grids), Some(slices)) = (batch_size::load_slices(r, dir)?, &r.slices) {
        page.section("Slices around the two minima");
        page.text(
            "Filter-normalised random planes through each minimum, on one colour scale \
             (log₁₀ of the training loss), so their widths compare directly.",
        );
        let log = |v: &[f64]| -> Vec<f64> { v.iter().map(|&l| l.max(1e-300).log10()).collect() };
        let (small, large) = (log(&grids.small), log(&grids.large));
        let finite = small.iter().chain(&large).filter(|v| v.is_finite());
        let lo = finite.clone().cloned().fold(f64::INFINITY, f64::min);
        let hi = finite.cloned().fold(f64::NEG_INFINITY, f64::max);
        let k = grids.axis.len();
        let figure = |z: &[f64], batch: &str| {
            let rows: Vec<Value> = z.chunks(k).map(nums).collect();
            (
                json!([{ "type": "contour", "x": nums(&grids.axis), "y": nums(&grids.axis), "z": rows,
                         "zmin": num(lo), "zmax": num(hi), "colorscale": "Viridis",
                         "contours": { "coloring": "heatmap" },
                         "colorbar": { "title": { "text": "log₁₀ train loss" } },
                         "hovertemplate": "a = %{x}<br>b = %{y}<br>log₁₀ loss = %{z}<extra></extra>" }]),
                json!({ "title": { "text": format!("batch {batch}") },
                        "xaxis": { "title": { "text": "a" } }, "yaxis": { "title": { "text": "b" } } }),
            )
        };
        page.figures_row(vec![
            figure(&small, &slices[0].batch),
            figure(&large, &slices[1].batch),
        ]);
    }

    if !r.comparisons.is_empty() {
        page.section("Comparisons");
        page.text(
            "Batch size b against batch size a over the seeds: the difference of the means \
             (b − a) with its 95 % confidence interval, Welch's two-sided t-test and Cohen's \
             d. With few seeds only large differences can be told from seed-to-seed spread.",
        );
        let rows = r
            .comparisons
            .iter()
            .map(|c| {
                let t = &c.test;
                vec![
                    Cell::from(c.a.as_str()),
                    Cell::from(c.b.as_str()),
                    Cell::from(c.metric.as_str()),
                    Cell::from(show(t.diff)),
                    Cell::from(format!("[{}, {}]", show(t.ci95[0]), show(t.ci95[1]))),
                    Cell::from(batch_size_compare::show_p(t.p)),
                    Cell::from(show(t.cohen_d)),
                    Cell::from(batch_size_compare::verdict(t)),
                ]
            })
            .collect();
        page.table(
            &[
                "a",
                "b",
                "metric",
                "b − a",
                "95 % CI",
                "p",
                "Cohen's d",
                "verdict",
            ],
            rows,
        );
    }

    page.section("Runs");
    let rows = r
        .runs
        .iter()
        .map(|run| {
            vec![
                link(&batch_size::run_name(&run.batch_label, run.seed)),
                Cell::from(run.batch_label.as_str()),
                Cell::from(run.seed.to_string()),
                Cell::from(run.steps.to_string()),
                Cell::from(show(run.epochs_taken)),
                Cell::from(match run.reached_train_loss {
                    Some(true) => "yes",
                    Some(false) => "no: stopped at the cap",
                    None => "–",
                }),
                Cell::from(show(run.train_loss)),
                Cell::from(opt(run.test_accuracy)),
                Cell::from(opt(run.gap)),
                Cell::from(show(run.lambda_max)),
                Cell::from(run.diverged.clone().unwrap_or_default()),
            ]
        })
        .collect();
    page.table(
        &[
            "run",
            "batch",
            "seed",
            "steps",
            "epochs",
            "reached the target loss",
            "train loss",
            "test accuracy",
            "gap",
            "λmax",
            "diverged",
        ],
        rows,
    );
    Ok(())
}

pub fn width_sweep(page: &mut Page, r: &WidthSweepReport, dir: &RunDir) -> Result<()> {
    let by = &r.by_width;
    page.section("By width");
    page.text(&format!(
        "{} runs over {} widths; mean ± std [95 % confidence interval] over the seeds. The approximation error falls \
         with width with a log-log slope of {}.",
        r.runs.len(),
        by.len(),
        show(r.approx_error_loglog_slope)
    ));
    let rows = by
        .iter()
        .map(|w| {
            vec![
                Cell::from(w.width.to_string()),
                Cell::from(mean_std(&w.train_loss)),
                Cell::from(mean_std(&w.test_loss)),
                Cell::from(mean_std(&w.train_accuracy)),
                Cell::from(mean_std(&w.test_accuracy)),
                Cell::from(mean_std(&w.approx_error)),
            ]
        })
        .collect();
    page.table(
        &[
            "width",
            "train loss",
            "test loss",
            "train accuracy",
            "test accuracy",
            "approximation error",
        ],
        rows,
    );
    let x: Vec<f64> = by.iter().map(|w| w.width as f64).collect();
    page.figures_row(vec![
        against(
            &x,
            "hidden width",
            "loss",
            vec![
                (
                    "train loss".into(),
                    by.iter().map(|w| &w.train_loss).collect(),
                ),
                (
                    "test loss".into(),
                    by.iter().map(|w| &w.test_loss).collect(),
                ),
            ],
            true,
        ),
        against(
            &x,
            "hidden width",
            "approximation error",
            vec![(
                "approximation error".into(),
                by.iter().map(|w| &w.approx_error).collect(),
            )],
            true,
        ),
    ]);
    if let Some(shown) = &r.fits {
        let fits = WidthFits::load(dir, shown.widths.len())?;
        page.section("Fitted functions");
        let mut traces = vec![json!({
            "type": "scatter", "mode": "markers", "name": "data",
            "x": fits.data.iter().map(|p| num(p[0])).collect::<Vec<_>>(),
            "y": fits.data.iter().map(|p| num(p[1])).collect::<Vec<_>>(),
            "marker": { "color": "#888", "size": 5 } })];
        for (w, y) in shown.widths.iter().zip(&fits.y) {
            traces.push(
                json!({ "type": "scatter", "mode": "lines", "name": format!("width {w}"),
                                "x": nums(&fits.x), "y": nums(y) }),
            );
        }
        page.figure(
            json!(traces),
            json!({ "title": { "text": format!("the nets of seed {}", shown.seed) },
                    "xaxis": { "title": { "text": "x" } }, "yaxis": { "title": { "text": "y" } } }),
        );
    }
    page.section("Runs");
    let rows = r
        .runs
        .iter()
        .map(|run| {
            vec![
                link(&width_sweep::run_name(run.width, run.seed)),
                Cell::from(run.width.to_string()),
                Cell::from(run.seed.to_string()),
                Cell::from(run.n_params.to_string()),
                Cell::from(show(run.train_loss)),
                Cell::from(opt(run.test_loss)),
                Cell::from(show(run.approx_error)),
                Cell::from(run.diverged.clone().unwrap_or_default()),
            ]
        })
        .collect();
    page.table(
        &[
            "run",
            "width",
            "seed",
            "parameters",
            "train loss",
            "test loss",
            "approximation error",
            "diverged",
        ],
        rows,
    );
    Ok(())
}
