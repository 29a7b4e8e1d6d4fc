//! report.html: every run writes it; it is self-contained (plotly.js inline, nothing
//! fetched); its figures hold the run's own numbers (the landscape's grid against the
//! saved .npy, a saddle search's points against summary.json); `losscape report`
//! rebuilds the same page; a 201×201 slice's page stays under 8 MB with a thinned
//! surface; a folder that is not a run, or a damaged array, exits 2 naming the file and
//! writes nothing.

use crate::common::{losscape, npy, run_ok, write};
// A 9 × 7 slice around a trained spirals net, with a test set and a curvature map.
use crate::ranks::SLICE;
use serde_json::Value;
use std::path::Path;

/// The page of the run in `dir`.
pub fn page(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("report.html")).unwrap()
}

/// The figures' JSON block of a page.
pub fn figures(html: &str) -> Value {
    let open = r#"<script type="application/json" id="losscape-figures">"#;
    let start = html.find(open).expect("no figures block") + open.len();
    let end = start + html[start..].find("</script>").unwrap();
    serde_json::from_str(&html[start..end]).unwrap()
}

/// The page's text outside the embedded plotly.js (which names its own URLs).
fn own_text(html: &str) -> String {
    let start = html
        .find("<script>/**\n* plotly.js")
        .expect("plotly.js is not inline");
    let end = start + html[start..].find("</script>").unwrap();
    format!("{}{}", &html[..start], &html[end..])
}

/// 6 significant digits, as the page keeps them.
fn sig6(v: f64) -> f64 {
    format!("{v:.5e}").parse().unwrap()
}

fn landscape(figs: &Value) -> &Value {
    figs.as_object()
        .unwrap()
        .values()
        .find(|f| f["type"] == "landscape")
        .expect("no landscape")
}

#[test]
fn a_slice_page_is_self_contained_and_holds_the_saved_grid() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("rs");
    let summary = run_ok(&write(dir.path(), "rs.toml", SLICE), &out, &[]);
    let html = page(&out);
    let own = own_text(&html);
    // Nothing to fetch: no external script, style, image or frame.
    for needle in ["src=", "http://", "https://", "<link", "@import", "url("] {
        assert!(!own.contains(needle), "the page's own text has {needle}");
    }
    assert!(own.contains("<h1>s</h1>"));
    assert!(own.contains("<h2>Curvature map</h2>"));
    assert!(own.contains("Config (config.toml)"));
    // The key numbers are the summary's.
    let center = summary["center_loss"].as_f64().unwrap();
    assert!(own.contains(&format!(
        "<span class=\"k\">center_loss</span> <span class=\"v\">{}</span>",
        losscape::report::page::show(center)
    )));
    let figs = figures(&html);
    let l = landscape(&figs);
    assert_eq!(l["x"].as_array().unwrap().len(), 9);
    assert_eq!(l["y"].as_array().unwrap().len(), 7);
    assert_eq!(l["step"], 1);
    assert_eq!(l["order"], serde_json::json!(["train", "test"]));
    for (set, file) in [("train", "train_loss.npy"), ("test", "test_loss.npy")] {
        let want: Vec<f64> = npy(&out.join(file)).into_iter().map(sig6).collect();
        let got: Vec<f64> = l["sets"][set]["value"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        assert_eq!(got, want, "{set}");
    }
    let acc: Vec<f64> = npy(&out.join("train_accuracy.npy"))
        .into_iter()
        .map(sig6)
        .collect();
    let got: Vec<f64> = l["sets"]["train"]["acc"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert_eq!(got, acc);

    // Rebuilt from the folder alone: the same page, byte for byte.
    std::fs::remove_file(out.join("report.html")).unwrap();
    let o = losscape(&["report", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(page(&out), html);
}

#[test]
fn a_201_by_201_slice_page_stays_under_8_mb_with_a_thinned_surface() {
    let dir = tempfile::tempdir().unwrap();
    let config = SLICE
        .replace("points = 9", "points = 201")
        .replace("points = 7", "points = 201")
        .replace("n = 120", "n = 60")
        .replace("curvature = true", "curvature = false");
    let out = dir.path().join("big");
    run_ok(&write(dir.path(), "big.toml", &config), &out, &[]);
    let html = page(&out);
    assert!(html.len() <= 8 << 20, "{} bytes", html.len());
    let l = landscape(&figures(&html)).clone();
    assert_eq!(l["step"], 2);
    // The contour keeps every point.
    assert_eq!(
        l["sets"]["train"]["value"].as_array().unwrap().len(),
        201 * 201
    );
    assert!(html.contains("The surface shows every 2nd row and column (101 × 101 of the 201 × 201"));
}

#[test]
fn a_saddles_page_plots_every_search_with_its_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sx");
    let summary = run_ok(Path::new("experiments/saddles_xor.toml"), &out, &[]);
    let figs = figures(&page(&out));
    let scatter = &figs["fig1"]["data"];
    let points = summary["critical_points"].as_array().unwrap();
    let shown: usize = scatter
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["x"].as_array().unwrap().len())
        .sum();
    assert_eq!(shown, points.len());
    // Every plotted (index, loss) pair is a search's, to 6 digits.
    let mut want: Vec<(f64, f64)> = points
        .iter()
        .map(|p| {
            (
                sig6(p["index"].as_f64().unwrap()),
                sig6(p["loss"].as_f64().unwrap()),
            )
        })
        .collect();
    let mut got: Vec<(f64, f64)> = scatter
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| {
            let x = t["x"].as_array().unwrap().clone();
            let y = t["y"].as_array().unwrap().clone();
            x.into_iter()
                .zip(y)
                .map(|(a, b)| (a.as_f64().unwrap(), b.as_f64().unwrap()))
        })
        .collect();
    let order = |a: &(f64, f64), b: &(f64, f64)| a.partial_cmp(b).unwrap();
    want.sort_by(order);
    got.sort_by(order);
    assert_eq!(got, want);
}

#[test]
fn report_on_a_folder_that_is_not_a_run_exits_2_naming_the_file_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let o = losscape(&["report", empty.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("summary.json"));
    assert!(!empty.join("report.html").exists());
    let o = losscape(&["report", dir.path().join("absent").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn report_on_a_run_with_a_missing_or_truncated_array_exits_2_naming_it_and_keeps_the_page() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("rs");
    run_ok(&write(dir.path(), "rs.toml", SLICE), &out, &[]);
    let before = page(&out);
    let grid = out.join("test_loss.npy");
    let bytes = std::fs::read(&grid).unwrap();
    std::fs::write(&grid, &bytes[..bytes.len() - 8]).unwrap();
    let o = losscape(&["report", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("test_loss.npy"));
    assert_eq!(page(&out), before);
    std::fs::remove_file(&grid).unwrap();
    let o = losscape(&["report", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("test_loss.npy"));
    assert_eq!(page(&out), before);
}
