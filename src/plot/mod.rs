//! PNG figures drawn with plotters, fed only with plain data (slices of `f64`, labels).
//!
//! One small function per figure: [`line_chart`], [`training_curves`], [`bar_chart`],
//! [`histogram`] (in `curves.rs`), [`decision_regions`] (in `regions.rs`, the
//! TensorFlow Playground picture), the loss-landscape slices [`contour_plot`],
//! [`heatmap`], [`surface_3d`] and [`slice_1d`] (in `surface/`), and the critical-point
//! figures [`loss_vs_index`], [`search_convergence`], [`curvature_track`] and
//! [`spectrum_pair`] (in `critical.rs`), the two slices on one colour scale
//! [`heatmap_pair`] (in `surface/`), and the figures of studies over many runs
//! [`mean_std_chart`], [`mean_std_panels`] and [`grouped_curves`] (in `studies.rs`). None
//! of them knows about models or reports: callers pass numbers and strings.
//!
//! Conventions shared by every figure:
//! - Text uses the DejaVu Sans font embedded in the binary (no system fonts needed); it is
//!   registered with plotters once, before the first drawing ([`register_fonts`]).
//! - Non-finite values are gaps, never errors; on a log axis zero and negative values are
//!   skipped too. A figure with nothing finite to show still draws its axes and says so.
//! - Writes are atomic: the picture is drawn into a hidden temp file next to the target
//!   and renamed onto it, so a failed draw never leaves a half-written PNG behind.
//! - Failures to draw or write are [`Error::Output`] naming the target path; arguments
//!   that break a precondition (slices of different lengths) are [`Error::Invalid`].

pub mod critical;
pub mod curves;
pub mod regions;
pub mod studies;
pub mod surface;

pub use critical::{
    curvature_track, loss_vs_index, search_convergence, spectrum_pair, CriticalPoint,
    CurvatureTrack,
};
pub use curves::{bar_chart, histogram, line_chart, training_curves, Curves, Series};
pub use regions::{decision_regions, RegionValues, Regions};
pub use studies::{grouped_curves, mean_std_chart, mean_std_panels, MeanStd, RunCurves};
pub use surface::{
    contour_plot, heatmap, heatmap_pair, slice_1d, surface_3d, Curve1d, Overlay, Slice1d, Surface,
    SurfaceStyle,
};

use std::path::Path;
use std::sync::Once;

use plotters::coord::ranged1d::ValueFormatter;
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::register_font;
use plotters::style::text_anchor;

use crate::error::{Error, Result};
use image::ImageEncoder;

/// Default figure size in pixels (width, height).
pub const DEFAULT_SIZE: (u32, u32) = (900, 600);

/// Font family name every figure uses (registered from the embedded DejaVu Sans).
pub(crate) const FONT: &str = "sans-serif";
/// Font sizes in pixels.
pub(crate) const TITLE_PX: u32 = 24;
pub(crate) const SUBTITLE_PX: u32 = 21;
pub(crate) const AXIS_PX: u32 = 20;
pub(crate) const TICK_PX: u32 = 17;
pub(crate) const LEGEND_PX: u32 = 18;

/// Grid lines and frame.
pub(crate) const MESH_LIGHT: RGBColor = RGBColor(238, 238, 238);
pub(crate) const MESH_BOLD: RGBColor = RGBColor(215, 215, 215);
pub(crate) const AXIS: RGBColor = RGBColor(90, 90, 90);
pub(crate) const TEXT: RGBColor = RGBColor(30, 30, 30);
pub(crate) const LEGEND_BORDER: RGBColor = RGBColor(190, 190, 190);

/// Categorical palette (Tableau 10): series, bars, classes.
pub(crate) const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// The `i`-th colour of the categorical palette (cycles).
pub(crate) fn palette(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// Error type the drawing closures return; turned into [`Error::Output`] by [`save_png`].
pub(crate) type DrawResult = std::result::Result<(), Box<dyn std::error::Error>>;

/// The drawing area every figure function draws on.
pub(crate) type Area<'a> = DrawingArea<BitMapBackend<'a>, Shift>;

static FONTS: Once = Once::new();

/// Register the embedded DejaVu Sans (regular and bold) as plotters' `"sans-serif"`.
/// Idempotent and cheap after the first call; every figure function calls it first.
pub fn register_fonts() {
    FONTS.call_once(|| {
        // The bytes are a valid TrueType font shipped in the `dejavu` crate; if
        // registration failed anyway, drawing text reports an error later.
        let _ = register_font(FONT, FontStyle::Normal, dejavu::sans::regular());
        let _ = register_font(FONT, FontStyle::Bold, dejavu::sans::bold());
    });
}

/// Draw a `size` PNG with `draw` and write it atomically onto `path` (through
/// [`crate::io::write_atomic`], like every other output file).
///
/// The closure receives the whole canvas already filled white and the fonts registered.
/// The picture is drawn into memory and encoded there (the encoder plotters uses), so
/// nothing is written unless drawing succeeded. Failures are `Error::Output { file: path, .. }`.
pub(crate) fn save_png<F>(path: &Path, size: (u32, u32), draw: F) -> Result<()>
where
    F: for<'a> FnOnce(&Area<'a>) -> DrawResult,
{
    register_fonts();
    if size.0 == 0 || size.1 == 0 {
        return Err(Error::output(
            path,
            format!("empty figure size {}x{}", size.0, size.1),
        ));
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        if !dir.is_dir() {
            return Err(Error::output(
                path,
                format!("folder {} does not exist", dir.display()),
            ));
        }
    }
    let mut rgb = vec![0u8; size.0 as usize * size.1 as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, size).into_drawing_area();
        root.fill(&WHITE)
            .map_err(|e| e.into())
            .and_then(|()| draw(&root))
            .and_then(|()| root.present().map_err(|e| e.into()))
            .map_err(|e| Error::output(path, e))?;
    }
    let mut png = Vec::new();
    image::codecs::png::PngEncoder::new(&mut png)
        .write_image(&rgb, size.0, size.1, image::ColorType::Rgb8)
        .map_err(|e| Error::output(path, e))?;
    crate::io::write_atomic(path, &png)
}

/// Minimum and maximum of the finite values (positive ones only when `log`).
pub(crate) fn finite_range(values: impl IntoIterator<Item = f64>, log: bool) -> Option<(f64, f64)> {
    values
        .into_iter()
        .filter(|v| v.is_finite() && (!log || *v > 0.0))
        .fold(None, |acc, v| match acc {
            None => Some((v, v)),
            Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
        })
}

/// A linear axis range around `[lo, hi]` with 5 % padding; a constant range is widened
/// to ±10 % of its value (±1 around zero). `None` gives `0..1`.
pub(crate) fn pad_linear(range: Option<(f64, f64)>) -> (f64, f64) {
    let Some((lo, hi)) = range else {
        return (0.0, 1.0);
    };
    // Keep far from f64::MAX so that `hi - lo` stays finite.
    let (lo, hi) = (lo.clamp(-1e300, 1e300), hi.clamp(-1e300, 1e300));
    let scale = lo.abs().max(hi.abs());
    let span = hi - lo;
    if span <= 1e-12 * scale || span == 0.0 {
        let half = if scale > 0.0 { 0.1 * scale } else { 1.0 };
        let mid = 0.5 * (lo + hi);
        return (mid - half, mid + half);
    }
    (lo - 0.05 * span, hi + 0.05 * span)
}

/// A log axis range: `[lo, hi]` (positive) widened to whole decades, at least one decade.
/// `None` gives `1..10`.
pub(crate) fn pad_log(range: Option<(f64, f64)>) -> (f64, f64) {
    let Some((lo, hi)) = range else {
        return (1.0, 10.0);
    };
    let (lo, hi) = (lo.max(1e-300), hi.min(1e300).max(lo.max(1e-300)));
    let mut a = 10f64.powf(lo.log10().floor());
    let mut b = 10f64.powf(hi.log10().ceil());
    // powf rounding can land just inside the data.
    if a > lo {
        a /= 10.0;
    }
    if b < hi {
        b *= 10.0;
    }
    if b <= a {
        b = a * 10.0;
    }
    // A hair outside the decades, so that both end decades get their tick label
    // (plotters starts at 10^ceil(log10(lo)), which rounding can push up a decade).
    (a * (1.0 - 1e-9), b * (1.0 + 1e-9))
}

/// Tick label of a linear axis: short decimal for ordinary magnitudes, scientific
/// otherwise. Below 1e-14 a tick is the rounding residue of a tick meant to be 0
/// (plotters places ticks at lo + k·step), so it reads "0".
pub(crate) fn fmt_tick(v: f64) -> String {
    if v.abs() < 1e-14 {
        "0".into()
    } else {
        fmt_number(v)
    }
}

/// A number in at most 4 significant digits, scientific outside [1e-3, 1e5).
fn fmt_number(v: f64) -> String {
    let a = v.abs();
    if v == 0.0 {
        "0".into()
    } else if !(1e-3..1e5).contains(&a) {
        // Rust prints "1.50e-5"; keep up to 3 significant digits without trailing zeros.
        let s = format!("{v:.2e}");
        match s.split_once('e') {
            Some((m, e)) if m.contains('.') => {
                format!("{}e{e}", m.trim_end_matches('0').trim_end_matches('.'))
            }
            _ => s,
        }
    } else {
        // Up to 4 significant digits, trailing zeros removed.
        let decimals = (3 - a.log10().floor() as i32).clamp(0, 6) as usize;
        let s = format!("{v:.decimals$}");
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        }
    }
}

/// Tick label for a log axis: powers of ten as `1e{k}`, else [`fmt_number`].
pub(crate) fn fmt_log_tick(v: f64) -> String {
    let k = v.log10();
    if (k - k.round()).abs() < 1e-9 && !(1e-3..=1e4).contains(&v) {
        format!("1e{}", k.round() as i32)
    } else {
        fmt_number(v)
    }
}

/// Write "no finite data" in the middle of a chart's plotting area.
pub(crate) fn draw_no_data(area: &Area) -> DrawResult {
    let (w, h) = area.dim_in_pixel();
    let style = (FONT, AXIS_PX)
        .into_font()
        .color(&RGBColor(150, 150, 150))
        .pos(text_anchor::Pos::new(
            text_anchor::HPos::Center,
            text_anchor::VPos::Center,
        ));
    area.draw_text("no finite data", &style, (w as i32 / 2, h as i32 / 2))?;
    Ok(())
}

/// The drawable points `(x, y)` of a series, split into runs at every gap (a non-finite
/// value, or on a log axis a non-positive `y`).
pub(crate) fn finite_runs(x: &[f64], y: &[f64], log_y: bool) -> Vec<Vec<(f64, f64)>> {
    let mut runs = Vec::new();
    let mut cur = Vec::new();
    for (&a, &b) in x.iter().zip(y) {
        if a.is_finite() && b.is_finite() && (!log_y || b > 0.0) {
            cur.push((a, b));
        } else if !cur.is_empty() {
            runs.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        runs.push(cur);
    }
    runs
}

/// A 2-D chart over `x` by `y` for the field figures (decision regions, contour plot,
/// heatmap), its axes drawn: no grid lines, 7 ticks per axis, `margin` around it and
/// `label_areas` = (below, left) for the tick labels and axis names.
pub(crate) fn field_axes<'a, 'b>(
    area: &'a Area<'b>,
    x: std::ops::Range<f64>,
    y: std::ops::Range<f64>,
    (x_desc, y_desc): (&str, &str),
    margin: u32,
    (x_area, y_area): (u32, u32),
) -> std::result::Result<FieldChart<'a, 'b>, Box<dyn std::error::Error>> {
    let mut chart = ChartBuilder::on(area)
        .margin(margin)
        .x_label_area_size(x_area)
        .y_label_area_size(y_area)
        .build_cartesian_2d(x, y)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .axis_style(AXIS)
        .x_desc(x_desc)
        .y_desc(y_desc)
        .axis_desc_style((FONT, AXIS_PX).into_font().color(&TEXT))
        .label_style((FONT, TICK_PX).into_font().color(&TEXT))
        .x_label_formatter(&|v| fmt_tick(*v))
        .y_label_formatter(&|v| fmt_tick(*v))
        .x_labels(7)
        .y_labels(7)
        .draw()?;
    Ok(chart)
}

/// The chart [`field_axes`] builds: linear f64 axes on the bitmap backend.
pub(crate) type FieldChart<'a, 'b> =
    ChartContext<'a, BitMapBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// Draw the axes and grid of a line chart in the house style (light and bold grid lines,
/// 9 ticks on x, 8 on y, `y_fmt` for the y tick labels); shared by the charts of
/// `curves.rs` and the 1-D slice.
pub(crate) fn draw_line_mesh<Y>(
    chart: &mut ChartContext<'_, BitMapBackend<'_>, Cartesian2d<RangedCoordf64, Y>>,
    x_label: &str,
    y_label: &str,
    y_fmt: fn(f64) -> String,
) -> DrawResult
where
    Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    chart
        .configure_mesh()
        .light_line_style(MESH_LIGHT)
        .bold_line_style(MESH_BOLD)
        .x_max_light_lines(4)
        .y_max_light_lines(4)
        .axis_style(AXIS)
        .x_desc(x_label)
        .y_desc(y_label)
        .axis_desc_style((FONT, AXIS_PX).into_font().color(&TEXT))
        .label_style((FONT, TICK_PX).into_font().color(&TEXT))
        .x_label_formatter(&|v| fmt_tick(*v))
        .y_label_formatter(&|v| y_fmt(*v))
        .x_labels(9)
        .y_labels(8)
        .draw()?;
    Ok(())
}

/// A one-pixel frame around the whole of `area` (a chart's plotting area).
pub(crate) fn draw_frame(area: &Area) -> DrawResult {
    let (w, h) = area.dim_in_pixel();
    area.draw(&Rectangle::new(
        [(0, 0), (w as i32 - 1, h as i32 - 1)],
        AXIS.stroke_width(1),
    ))?;
    Ok(())
}

#[cfg(test)]
pub(crate) mod testutil {
    //! Figures read back for the tests (with the `png` crate): 8-bit RGB/RGBA,
    //! non-interlaced (what plotters writes), as RGB pixels to check sizes and colours.
    use std::path::Path;

    pub struct Png {
        pub width: u32,
        pub height: u32,
        /// RGB triples, row-major.
        pub rgb: Vec<u8>,
    }

    impl Png {
        pub fn pixel(&self, x: u32, y: u32) -> (u8, u8, u8) {
            let i = 3 * (y as usize * self.width as usize + x as usize);
            (self.rgb[i], self.rgb[i + 1], self.rgb[i + 2])
        }
    }

    /// A deterministic value in [0, 1) (hash of `k`), for the demo figures' data.
    pub fn pseudo_uniform(k: usize) -> f64 {
        let g = ((k as f64 + 0.5) * 12.9898).sin() * 43758.5453;
        g - g.floor()
    }

    pub fn read_png(path: &Path) -> Png {
        let file = std::fs::File::open(path).expect("open png");
        let mut reader = png::Decoder::new(std::io::BufReader::new(file))
            .read_info()
            .expect("PNG header");
        assert!(!reader.info().interlaced, "interlace");
        let mut buf = vec![0u8; reader.output_buffer_size()];
        let frame = reader.next_frame(&mut buf).expect("PNG image data");
        assert_eq!(frame.bit_depth, png::BitDepth::Eight, "bit depth");
        let channels = match frame.color_type {
            png::ColorType::Rgb => 3,
            png::ColorType::Rgba => 4,
            c => panic!("colour type {c:?}"),
        };
        let pixels = &buf[..frame.buffer_size()];
        let rgb = if channels == 3 {
            pixels.to_vec()
        } else {
            pixels.chunks(4).flat_map(|p| [p[0], p[1], p[2]]).collect()
        };
        Png {
            width: frame.width,
            height: frame.height,
            rgb,
        }
    }

    /// Names of the files in `dir` (to check that no temp file is left).
    pub fn files_in(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    /// A figure as written: read back, not blank (some dark pixels), and no temp file
    /// left next to it.
    pub fn written_png(path: &Path) -> Png {
        let png = read_png(path);
        assert!(
            png.rgb.chunks(3).any(|p| p.iter().all(|&c| c < 80)),
            "no dark pixels"
        );
        let dir = path.parent().unwrap();
        assert!(
            files_in(dir).iter().all(|f| !f.contains(".tmp")),
            "temp file left: {:?}",
            files_in(dir)
        );
        png
    }

    /// [`written_png`] of the given size.
    pub fn written_png_of_size(path: &Path, size: (u32, u32)) -> Png {
        let png = written_png(path);
        assert_eq!((png.width, png.height), size, "{}", path.display());
        png
    }

    /// Every channel of `p` within `tol` of `c`.
    pub fn near(p: (u8, u8, u8), c: plotters::style::RGBColor, tol: i32) -> bool {
        (p.0 as i32 - c.0 as i32).abs() <= tol
            && (p.1 as i32 - c.1 as i32).abs() <= tol
            && (p.2 as i32 - c.2 as i32).abs() <= tol
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_padded_and_safe() {
        assert_eq!(pad_linear(None), (0.0, 1.0));
        let (a, b) = pad_linear(Some((2.0, 2.0)));
        assert!(a < 2.0 && b > 2.0);
        let (a, b) = pad_linear(Some((0.0, 0.0)));
        assert_eq!((a, b), (-1.0, 1.0));
        let (a, b) = pad_linear(Some((-f64::MAX, f64::MAX)));
        assert!(a.is_finite() && b.is_finite() && (b - a).is_finite());
        let close = |(a, b): (f64, f64), (c, d): (f64, f64)| {
            (a - c).abs() <= 1e-8 * c && (b - d).abs() <= 1e-8 * d && a <= c && b >= d
        };
        assert!(close(pad_log(Some((0.5, 0.7))), (0.1, 1.0)));
        assert!(close(pad_log(Some((1.0, 1.0))), (1.0, 10.0)));
        assert!(close(pad_log(Some((1e-3, 0.5))), (1e-3, 1.0)));
        assert!(close(pad_log(Some((2e-3, 0.69))), (1e-3, 1.0)));
        assert_eq!(
            finite_range([f64::NAN, 1.0, -2.0, f64::INFINITY], false),
            Some((-2.0, 1.0))
        );
        assert_eq!(finite_range([0.0, -1.0, 3.0], true), Some((3.0, 3.0)));
        assert_eq!(finite_range([f64::NAN], false), None);
    }

    #[test]
    fn tick_labels() {
        assert_eq!(fmt_tick(0.0), "0");
        assert_eq!(fmt_tick(-2.220446049250313e-16), "0");
        assert_eq!(fmt_log_tick(2e-16), "2e-16");
        assert_eq!(fmt_tick(0.25), "0.25");
        assert_eq!(fmt_tick(1.0), "1");
        assert_eq!(fmt_tick(120.0), "120");
        assert_eq!(fmt_tick(1e-5), "1e-5");
        assert_eq!(fmt_tick(2.5e-7), "2.5e-7");
        assert_eq!(fmt_tick(-3e6), "-3e6");
        assert_eq!(fmt_log_tick(1e-4), "1e-4");
        assert_eq!(fmt_log_tick(0.1), "0.1");
        assert_eq!(fmt_log_tick(1e-3), "0.001");
        assert_eq!(fmt_log_tick(1e5), "1e5");
    }

    #[test]
    fn unwritable_path_is_an_error_and_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing").join("a.png");
        let err = save_png(&path, (10, 10), |_| Ok(())).unwrap_err();
        assert!(matches!(err, Error::Output { .. }), "{err}");
        // A drawing error removes the temp file.
        let path = dir.path().join("b.png");
        let err = save_png(&path, (10, 10), |_| Err("boom".into())).unwrap_err();
        assert!(err.to_string().contains("boom"), "{err}");
        assert!(testutil::files_in(dir.path()).is_empty());
    }
}

#[cfg(test)]
mod demo {
    //! `cargo test --lib plot::demo -- --ignored` renders one example of every figure
    //! into `$TMPDIR/plot-demo/` for a visual check.
    use super::*;

    #[test]
    #[ignore]
    fn render_demo_figures() {
        let dir = std::env::temp_dir().join("plot-demo");
        std::fs::create_dir_all(&dir).unwrap();
        let x: Vec<f64> = (0..=100).map(|i| -1.0 + 0.03 * i as f64).collect();
        let a: Vec<f64> = x.iter().map(|t| 0.1 + 2.0 * t * t).collect();
        let b: Vec<f64> = x
            .iter()
            .map(|t| 0.05 + 0.6 * t * t * (1.0 + t).abs())
            .collect();
        let mut c: Vec<f64> = x.iter().map(|t| 0.3 + (3.0 * t).sin().abs()).collect();
        c[40..45].fill(f64::NAN);
        line_chart(
            &dir.join("line.png"),
            "Loss along the interpolation θ(α) = (1 − α) θ_s + α θ_l",
            "α",
            "training loss",
            &[
                Series {
                    label: "small batch",
                    x: &x,
                    y: &a,
                },
                Series {
                    label: "large batch",
                    x: &x,
                    y: &b,
                },
                Series {
                    label: "with gap",
                    x: &x,
                    y: &c,
                },
            ],
            false,
        )
        .unwrap();
        let ev: Vec<f64> = (1..=30).map(|k| 1e3 * (-(k as f64) / 3.0).exp()).collect();
        let kk: Vec<f64> = (1..=30).map(|k| k as f64).collect();
        line_chart(
            &dir.join("line_log.png"),
            "Top Hessian eigenvalues",
            "rank k",
            "λ_k",
            &[Series {
                label: "λ",
                x: &kk,
                y: &ev,
            }],
            true,
        )
        .unwrap();
        line_chart(
            &dir.join("line_nan.png"),
            "All NaN",
            "x",
            "y",
            &[Series {
                label: "nan",
                x: &x,
                y: &vec![f64::NAN; x.len()],
            }],
            false,
        )
        .unwrap();
        line_chart(
            &dir.join("line_const.png"),
            "Constant",
            "x",
            "y",
            &[Series {
                label: "c",
                x: &x,
                y: &vec![0.25; x.len()],
            }],
            false,
        )
        .unwrap();

        let ep: Vec<f64> = (1..=60).map(|i| i as f64).collect();
        let tl: Vec<f64> = ep.iter().map(|e| 2.3 * (-e / 8.0).exp() + 0.004).collect();
        let vl: Vec<f64> = ep
            .iter()
            .map(|e| 2.3 * (-e / 8.0).exp() + 0.05 + 0.001 * e)
            .collect();
        let ta: Vec<f64> = ep.iter().map(|e| 1.0 - 0.9 * (-e / 6.0).exp()).collect();
        let va: Vec<f64> = ep.iter().map(|e| 0.96 - 0.86 * (-e / 6.0).exp()).collect();
        training_curves(
            &dir.join("training.png"),
            "digits, MLP [64, 32, 10], SGD lr = 0.05",
            &Curves {
                x: &ep,
                x_label: "epoch",
                train_loss: &tl,
                test_loss: Some(&vl),
                train_acc: Some(&ta),
                test_acc: Some(&va),
            },
        )
        .unwrap();
        bar_chart(
            &dir.join("bars.png"),
            "XOR with 2 hidden units: 20 seeds",
            "seeds",
            &[("solved", 14.0), ("stalled", 6.0)],
        )
        .unwrap();
        let vals: Vec<f64> = (0..5000)
            .map(|i| {
                let u = (i as f64 + 0.5) / 5000.0;
                let g = (u * 12.9898).sin() * 43758.5453;
                (g - g.floor() - 0.5) * 2.0 + if i % 50 == 0 { 8.0 } else { 0.0 }
            })
            .collect();
        histogram(
            &dir.join("hist.png"),
            "Hessian spectrum (SLQ samples)",
            "eigenvalue λ",
            &vals,
            60,
            false,
        )
        .unwrap();
        histogram(
            &dir.join("hist_log.png"),
            "Hessian spectrum, log counts",
            "eigenvalue λ",
            &vals,
            60,
            true,
        )
        .unwrap();

        // Binary: circles data set, model p = sigmoid(6 (r - 0.55)) on [-1.2, 1.2]^2.
        let n = 60;
        let lo = -1.2;
        let hi = 1.2;
        let mut p = Vec::new();
        for j in 0..n {
            for i in 0..n {
                let gx = lo + (hi - lo) * i as f64 / (n - 1) as f64;
                let gy = lo + (hi - lo) * j as f64 / (n - 1) as f64;
                let r = (gx * gx + gy * gy).sqrt();
                p.push(1.0 / (1.0 + (-8.0 * (0.6 - r)).exp()));
            }
        }
        let mut pts = Vec::new();
        let mut labels = Vec::new();
        for k in 0..200 {
            let t = k as f64 * 2.399;
            let (rad, lab) = if k % 2 == 0 {
                (0.3 + 0.2 * ((k as f64 * 0.37).sin()).abs(), 1)
            } else {
                (0.85 + 0.2 * ((k as f64 * 0.53).cos()).abs(), 0)
            };
            pts.push((rad * t.cos(), rad * t.sin()));
            labels.push(lab);
        }
        let r = Regions {
            x_range: (lo, hi),
            y_range: (lo, hi),
            nx: n,
            ny: n,
            values: RegionValues::Binary(&p),
            points: &pts[..160],
            point_labels: &labels[..160],
            test_points: &pts[160..],
            test_labels: &labels[160..],
        };
        decision_regions(
            &dir.join("regions_binary.png"),
            "circles: decision regions",
            &r,
        )
        .unwrap();
        let mut masked = p.clone();
        for j in 40..50 {
            masked[j * n..j * n + 15].fill(f64::NAN);
        }
        let r = Regions {
            values: RegionValues::Binary(&masked),
            test_points: &[],
            test_labels: &[],
            ..r
        };
        decision_regions(
            &dir.join("regions_masked.png"),
            "diverged cells are grey",
            &r,
        )
        .unwrap();

        // Three classes by angle sector, confidence falling near the sectors' edges.
        let mut class = Vec::new();
        let mut conf = Vec::new();
        let (nx, ny) = (80, 50);
        let (x0, x1, y0, y1) = (-2.0, 2.0, -1.25, 1.25);
        for j in 0..ny {
            for i in 0..nx {
                let gx = x0 + (x1 - x0) * i as f64 / (nx - 1) as f64;
                let gy = y0 + (y1 - y0) * j as f64 / (ny - 1) as f64;
                let ang = gy.atan2(gx) + std::f64::consts::PI;
                let sector = ang / (2.0 * std::f64::consts::PI / 3.0);
                let k = (sector.floor() as u32).min(2);
                let d = (sector - sector.floor() - 0.5).abs();
                class.push(k);
                conf.push(1.0 - 0.6 * d * 2.0 * (1.0 - (-(gx * gx + gy * gy)).exp()).max(0.3));
            }
        }
        let mpts: Vec<(f64, f64)> = (0..150)
            .map(|k| {
                let a = k as f64 * 0.7;
                let rr = 0.3 + 0.9 * ((k as f64 * 0.31).sin()).abs();
                (rr * a.cos() * 1.5, rr * a.sin())
            })
            .collect();
        let mlab: Vec<u32> = mpts
            .iter()
            .map(|&(x, y)| {
                let ang = y.atan2(x) + std::f64::consts::PI;
                ((ang / (2.0 * std::f64::consts::PI / 3.0)).floor() as u32).min(2)
            })
            .collect();
        let r = Regions {
            x_range: (x0, x1),
            y_range: (y0, y1),
            nx,
            ny,
            values: RegionValues::Multiclass {
                class: &class,
                confidence: &conf,
                n_classes: 3,
            },
            points: &mpts,
            point_labels: &mlab,
            test_points: &[],
            test_labels: &[],
        };
        decision_regions(
            &dir.join("regions_multi.png"),
            "gaussians (3 classes): decision regions",
            &r,
        )
        .unwrap();
    }
}
