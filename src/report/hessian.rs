//! The sections of a `hessian` run's page: the eigenvalue density (or, for an exact
//! spectrum, every eigenvalue) with hover, and the table of the top and bottom
//! eigenvalues.

use super::page::{label, num, nums, show, Cell, Page};
use crate::error::Result;
use crate::experiment::hessian::{Density, HessianReport};
use crate::io::run_dir::RunDir;
use serde_json::json;

pub fn sections(page: &mut Page, r: &HessianReport, dir: &RunDir) -> Result<()> {
    let s = &r.spectrum;
    let density = Density::load(dir, "density")?;
    page.section("Spectrum");
    page.text(&format!(
        "The eigenvalues of the Hessian of the training loss at the {} center ({}, {} \
         parameters): {} negative, index {}, trace {}; the point is {}.",
        label(&r.center),
        if s.exact {
            "exact spectrum"
        } else {
            "stochastic Lanczos quadrature"
        },
        r.n_params,
        s.n_negative,
        show(s.index),
        show(s.trace),
        label(&s.classification),
    ));
    // Density shown down to 1e-8 of its peak, on a log axis.
    let floor = density.density.iter().cloned().fold(0.0f64, f64::max) * 1e-8;
    let shown: Vec<f64> = density.density.iter().map(|&d| d.max(floor)).collect();
    let mut traces = vec![json!({
        "type": "scatter", "mode": "lines", "x": nums(&density.grid), "y": nums(&shown),
        "name": "density", "fill": "tozeroy",
        "hovertemplate": "λ = %{x}<br>density = %{y}<extra></extra>" })];
    let eigenvalues = match s.exact && dir.path("eigenvalues.npy").is_file() {
        true => Some(dir.read_npy("eigenvalues.npy", &[Some(r.n_params)])?.0),
        false => None,
    };
    if let Some(ev) = &eigenvalues {
        let at = floor.max(f64::MIN_POSITIVE);
        traces.push(json!({
            "type": "scatter", "mode": "markers", "x": nums(ev), "y": vec![num(at); ev.len()],
            "name": "eigenvalues", "marker": { "symbol": "line-ns-open", "size": 14 },
            "customdata": (0..ev.len()).collect::<Vec<_>>(),
            "hovertemplate": "λ%{customdata} = %{x}<extra>eigenvalue</extra>" }));
    }
    page.figure(
        json!(traces),
        json!({ "title": { "text": "eigenvalue density" },
                "xaxis": { "title": { "text": "eigenvalue λ" } },
                "yaxis": { "title": { "text": "density" }, "type": "log" } }),
    );
    page.section("Top and bottom eigenvalues");
    let n = s.eigenvalues_top.len().max(s.eigenvalues_bottom.len());
    let at = |v: &[f64], i: usize| v.get(i).map_or(String::new(), |&x| show(x));
    let rows = (0..n)
        .map(|i| {
            vec![
                Cell::from((i + 1).to_string()),
                Cell::from(at(&s.eigenvalues_top, i)),
                Cell::from(at(&s.eigenvalues_bottom, i)),
            ]
        })
        .collect();
    page.table(&["k", "k-th largest", "k-th smallest"], rows);
    Ok(())
}
