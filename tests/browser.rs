//! Report pages in a real browser: headless Chromium opens the report.html of a slice,
//! a hessian, a saddles and a batch_size run from `file://` and the test checks that
//! the page met no error, that every chart was drawn (plotly's SVG layers, WebGL for the
//! surface, a real size), that the surface and the contour hold the grid's nx × ny
//! values, and that a screenshot is not blank.
//!
//! Chromium is found as `$LOSSCAPE_CHROMIUM`, else `chromium`, `chromium-browser`,
//! `google-chrome` or `google-chrome-stable` on the PATH; without one the test says so
//! and passes (`.ci/run` installs Debian's `chromium`, so CI always runs it).

use crate::common::{run_ok, write};
use crate::ranks::SLICE;
use crate::report::figures;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("LOSSCAPE_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ]
    .iter()
    .flat_map(|name| std::env::split_paths(&path).map(move |d| d.join(name)))
    .find(|p| p.is_file())
}

/// What the browser made of a page: the DOM after its scripts ran, the browser's log,
/// and a screenshot.
struct Opened {
    dom: String,
    log: String,
    shot: image::RgbaImage,
}

fn open(browser: &Path, page: &Path, work: &Path) -> Opened {
    let shot = work.join("shot.png");
    let mut child = Command::new(browser)
        .args([
            "--headless=new",
            "--no-sandbox",
            "--disable-dev-shm-usage",
            "--no-first-run",
            // WebGL (the 3-D surface) without a GPU.
            "--use-angle=swiftshader",
            "--enable-unsafe-swiftshader",
            "--virtual-time-budget=20000",
            "--window-size=1280,2000",
            "--hide-scrollbars",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!(
            "--user-data-dir={}",
            work.join("profile").display()
        ))
        .arg(format!("--screenshot={}", shot.display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        // Files, not pipes: the browser's log would fill a pipe nobody reads yet.
        .stdout(std::fs::File::create(work.join("dom.html")).unwrap())
        .stderr(std::fs::File::create(work.join("log.txt")).unwrap())
        .spawn()
        .expect("cannot start the browser");
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            panic!(
                "the browser did not finish with {} in 120 s",
                page.display()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let shot = image::open(&shot)
        .unwrap_or_else(|e| panic!("no screenshot of {}: {e}", page.display()))
        .to_rgba8();
    Opened {
        dom: std::fs::read_to_string(work.join("dom.html")).unwrap(),
        log: String::from_utf8_lossy(&std::fs::read(work.join("log.txt")).unwrap()).into_owned(),
        shot,
    }
}

/// The JSON of attribute `name` of `<body>` in a dumped DOM.
fn body_data(dom: &str, name: &str) -> Value {
    let key = format!("{name}=\"");
    let start = dom
        .find(&key)
        .unwrap_or_else(|| panic!("no {name} on <body>: the page's script did not finish"))
        + key.len();
    let end = start + dom[start..].find('"').unwrap();
    let text = dom[start..end]
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    serde_json::from_str(&text).unwrap()
}

/// Checks one page; `grid` is the (nx, ny) of its landscape, if it has one.
fn check(browser: &Path, run: &Path, grid: Option<(usize, usize)>) {
    let work = tempfile::tempdir().unwrap();
    let page = run.join("report.html");
    let html = std::fs::read_to_string(&page).unwrap();
    let o = open(browser, &page, work.path());
    let name = run.display();
    assert_eq!(
        body_data(&o.dom, "data-errors"),
        serde_json::json!([]),
        "{name}"
    );
    assert!(!o.log.contains("Uncaught"), "{name}: {}", o.log);
    let drawn = body_data(&o.dom, "data-rendered");
    // Every chart of the page: each figure, and a landscape's two views.
    let mut charts = Vec::new();
    for (id, f) in figures(&html).as_object().unwrap() {
        match f["type"].as_str() {
            Some("landscape") => {
                charts.push((format!("{id}-surface"), true));
                charts.push((format!("{id}-contour"), false));
            }
            _ => charts.push((id.clone(), false)),
        }
    }
    assert!(!charts.is_empty(), "{name}: no charts");
    for (id, gl) in &charts {
        let c = &drawn[id];
        assert!(c.is_object(), "{name}: {id} was not drawn: {drawn}");
        assert!(c["width"].as_u64().unwrap() > 200, "{name}: {id} {c}");
        assert!(c["height"].as_u64().unwrap() > 200, "{name}: {id} {c}");
        assert!(c["svg"].as_u64().unwrap() >= 1, "{name}: {id} {c}");
        if *gl {
            assert!(
                c["gl"].as_u64().unwrap() >= 1,
                "{name}: {id} has no WebGL canvas {c}"
            );
        }
    }
    if let Some((nx, ny)) = grid {
        let (surface, contour) = (&drawn["fig1-surface"], &drawn["fig1-contour"]);
        assert_eq!(surface["surface_cells"], nx * ny, "{name}");
        assert_eq!(contour["contour_cells"], nx * ny, "{name}");
    }
    // Not blank: many colours, and much of the page is not background.
    let mut colours: Vec<u32> = o
        .shot
        .pixels()
        .map(|p| u32::from_be_bytes([p[0], p[1], p[2], 0]))
        .collect();
    let inked = colours.iter().filter(|&&c| c != 0xffff_ff00).count();
    colours.sort_unstable();
    colours.dedup();
    assert!(colours.len() > 200, "{name}: {} colours", colours.len());
    assert!(
        inked * 20 > o.shot.pixels().len(),
        "{name}: only {inked} pixels not white"
    );
}

#[test]
fn report_pages_render_in_headless_chromium() {
    let Some(browser) = chromium() else {
        println!(
            "skipped: no Chromium found (set LOSSCAPE_CHROMIUM, or install `chromium`); \
             the report pages were not opened in a browser"
        );
        eprintln!("skipped: no Chromium found; the report pages were not opened in a browser");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let slice = d.join("slice");
    run_ok(&write(d, "slice.toml", SLICE), &slice, &[]);
    check(&browser, &slice, Some((9, 7)));
    let batch = d.join("batch");
    run_ok(&write(d, "batch.toml", crate::ranks::BATCH), &batch, &[]);
    check(&browser, &batch, None);
    for name in ["hessian_spirals", "saddles_xor"] {
        let out = d.join(name);
        run_ok(Path::new(&format!("experiments/{name}.toml")), &out, &[]);
        check(&browser, &out, None);
    }
    for kind in ["sgd_noise", "escape", "connect", "optimizers"] {
        let text = losscape::templates::template(kind).unwrap();
        let out = d.join(kind);
        run_ok(&write(d, &format!("{kind}.toml"), text), &out, &[]);
        check(&browser, &out, None);
    }
}
