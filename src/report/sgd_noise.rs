//! The sections of an `sgd_noise` run's page: the table of Σ_b per batch size (trace,
//! tr(HΣ_b) against isotropic noise, the anisotropy ratio), the noise along H's top
//! eigenvectors against λ (log–log, hover), the two spectra and the cosine matrix.

use super::page::{label, num, nums, show, Cell, Page};
use crate::experiment::sgd_noise::SgdNoiseReport;
use serde_json::json;

pub fn sections(page: &mut Page, r: &SgdNoiseReport) {
    page.section("Gradient noise against curvature");
    page.text(&format!(
        "At the {} center (loss {}, ‖∇L‖ {}, {} parameters), from the per-sample gradients \
         of {} of {} training rows ({} sampling): tr(C) = {} for one sample, tr(H) = {} \
         ({}). Σ_b = C·factor; tr(HΣ_b) is Zhu et al.'s escaping indicator, compared with \
         isotropic noise of the same total variance, tr(H)·tr(Σ_b)/P. A ratio above 1 \
         means the noise leans towards the sharp directions.",
        label(&r.center),
        show(r.loss),
        show(r.grad_norm),
        r.n_params,
        r.samples,
        r.n_train,
        label(&r.sampling),
        show(r.trace_c),
        show(r.trace_h.value),
        r.trace_h.method,
    ));
    let rows = r
        .batches
        .iter()
        .map(|b| {
            vec![
                Cell::from(b.label.clone()),
                Cell::from(show(b.factor)),
                Cell::from(show(b.trace_sigma)),
                Cell::from(show(b.trace_h_sigma)),
                Cell::from(show(b.trace_h_sigma_isotropic)),
                Cell::from(show(b.anisotropy_ratio)),
                Cell::from(show(b.top_k_fraction)),
                Cell::from(b.noise_scale.map_or(String::new(), show)),
            ]
        })
        .collect();
    page.table(
        &[
            "batch size b",
            "factor",
            "tr(Σ_b)",
            "tr(HΣ_b)",
            "isotropic",
            "anisotropy ratio",
            "share of tr(Σ_b) in H's top k",
            "√(lr·tr(Σ_b)/P)",
        ],
        rows,
    );

    let traces: Vec<_> = r
        .batches
        .iter()
        .map(|b| {
            let x: Vec<f64> = b.alignment.iter().map(|a| a.lambda).collect();
            let y: Vec<f64> = b.alignment.iter().map(|a| a.noise_along).collect();
            json!({ "type": "scatter", "mode": "lines+markers", "x": nums(&x), "y": nums(&y),
                    "name": format!("b = {}", b.label),
                    "hovertemplate": "λ = %{x}<br>uᵀΣu = %{y}<extra>%{fullData.name}</extra>" })
        })
        .collect();
    let hessian_rank: Vec<usize> = (1..=r.hessian_top.len()).collect();
    let mut spectra = vec![json!({ "type": "scatter", "mode": "lines+markers",
        "x": hessian_rank, "y": nums(&r.hessian_top), "name": "H" })];
    for b in &r.batches {
        let rank: Vec<usize> = (1..=b.sigma_top.len()).collect();
        spectra.push(
            json!({ "type": "scatter", "mode": "lines+markers", "x": rank,
            "y": nums(&b.sigma_top), "name": format!("Σ_b, b = {}", b.label) }),
        );
    }
    page.figures_row(vec![
        (
            json!(traces),
            json!({ "title": { "text": "noise along H's top eigenvectors" },
                    "xaxis": { "title": { "text": "Hessian eigenvalue λᵢ" }, "type": "log" },
                    "yaxis": { "title": { "text": "uᵢᵀ Σ_b uᵢ" }, "type": "log" } }),
        ),
        (
            json!(spectra),
            json!({ "title": { "text": "top eigenvalues" },
                    "xaxis": { "title": { "text": "rank i" } },
                    "yaxis": { "title": { "text": "eigenvalue" }, "type": "log" } }),
        ),
    ]);
    if let Some(b) = r.batches.first() {
        let z: Vec<Vec<serde_json::Value>> = b
            .cosines
            .iter()
            .map(|row| row.iter().map(|&c| num(c)).collect())
            .collect();
        page.section("Alignment of the eigenvectors");
        page.text(
            "|cos| between the i-th top eigenvector of Σ_b (the same for every b) and the \
             j-th of H.",
        );
        page.figure(
            json!([{ "type": "heatmap", "z": z, "zmin": 0, "zmax": 1, "colorscale": "Blues",
                     "x": (1..=r.hessian_top.len()).collect::<Vec<_>>(),
                     "y": (1..=b.cosines.len()).collect::<Vec<_>>(),
                     "hovertemplate": "Σ eigenvector %{y}, H eigenvector %{x}: |cos| = %{z}<extra></extra>" }]),
            json!({ "title": { "text": "|cos(vᵢ(Σ), uⱼ(H))|" },
                    "xaxis": { "title": { "text": "Hessian eigenvector j" } },
                    "yaxis": { "title": { "text": "noise eigenvector i" }, "autorange": "reversed" } }),
        );
    }
}
