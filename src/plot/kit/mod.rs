//! The plotting kit: everything the figures of `src/plot` share, in one place, so that
//! every figure has the same look and is saved the same way.
//!
//! - `style`: figure sizes, the embedded font and its sizes, neutral colours, text
//!   styles and the figure title.
//! - `color`: the categorical palette, linear blends and the colour maps (plotters'
//!   viridis; diverging red-blue and the Playground's orange-blue through plotters'
//!   derived maps).
//! - `ticks`: numbers as tick labels and the round values of axes, colour bars and
//!   contour levels.
//! - `axis`: axis ranges, the drawable runs of a series, and [`Axis`], the one plotters
//!   coordinate (linear or log) every chart is built on.
//! - `chart`: the house layout, building charts with their axes and grid, series
//!   drawing, notes ("no finite data") and frames.
//! - `legend`: series legends, side-panel legend rows and colour bars.
//! - `save`: [`save_png`], the single path from a drawing to a PNG file (drawn and
//!   encoded in memory, written atomically through [`crate::io::write_atomic`]).

mod axis;
mod chart;
mod color;
mod legend;
mod save;
mod style;
mod ticks;

pub(crate) use axis::{finite_range, finite_runs, pad, pad_linear, pad_log, Axis};
pub use chart::MARKER_MAX;
pub(crate) use chart::{
    centred_note, chart, corner_note, draw_frame, draw_no_data, field_chart, field_figure_size,
    field_plot_size, plotting_area, trace_elements, twin_chart, Chart, Frame, Grid, Trace,
    FIELD_PLOT_PX, FIELD_SIDE_PANEL, FIELD_Y_LABEL_AREA, MARGIN, TITLE_H, X_LABEL_AREA,
};
pub(crate) use color::{lerp, palette, playground, red_blue, viridis, PALETTE};
pub use color::{BLUE, NEUTRAL, ORANGE};
pub(crate) use legend::{
    draw_colorbar, draw_legend, draw_legend_frame, draw_line_key, legend_entry, legend_rows,
    line_key, quiet_corner, ColorBar, LegendRow, ROW_PX,
};
pub(crate) use save::{save_png, Area, DrawError, DrawResult};
pub(crate) use style::{
    font, text, titled, AXIS, AXIS_PX, LEGEND_PX, MESH_BOLD, MESH_LIGHT, SMALL_PX, SUBTITLE_PX,
    TEXT, TICK_PX,
};
pub use style::{
    register_fonts, DEFAULT_SIZE, PAIR_SIZE, PANEL_WIDTH, SLICE_1D_SIZE, SURFACE_3D_SIZE,
    TRACK_SIZE, WIDE_SIZE,
};
pub(crate) use ticks::{fmt_decimals, fmt_number, fmt_tick, round_marks, Mark};

#[cfg(test)]
mod tests {
    use super::*;

    /// A small figure using most of the kit: title, a log chart with a legend, a trace
    /// with a gap, a corner note, a colour bar.
    fn draw_sample(path: &std::path::Path) -> crate::error::Result<()> {
        let x: Vec<f64> = (0..40).map(|i| i as f64).collect();
        let y: Vec<f64> = x
            .iter()
            .map(|v| {
                if *v == 20.0 {
                    f64::NAN
                } else {
                    (-v / 4.0).exp()
                }
            })
            .collect();
        save_png(path, (420, 300), |root| {
            let area = titled(root, "Kit sample: λ ‖∇L‖")?;
            let (left, right) = area.split_horizontally(340);
            let (lo, hi) = pad(y.iter().copied(), true);
            let mut c = chart(
                &left,
                &Frame::new("step", "loss"),
                Axis::linear(0.0, 39.0, 6),
                Axis::new(lo, hi, true, 6),
            )?;
            let runs = finite_runs(&x, &y, true);
            c.draw_series(trace_elements(&runs, &Trace::line(palette(0), 2, 3)))?;
            legend_entry(&mut c, "loss", line_key(palette(0), 3))?;
            draw_legend(&mut c, quiet_corner([(0.0, 1.0)]))?;
            corner_note(&plotting_area(&c), "n = 39")?;
            draw_colorbar(
                &right,
                &ColorBar {
                    x: 10,
                    top: 40,
                    bottom: 200,
                    name: "v",
                    lo: 0.0,
                    hi: 1.0,
                    color: &viridis,
                    ticks: &[(0.0, "0".into()), (1.0, "1".into())],
                    levels: &[0.5],
                },
            )
        })
    }

    #[test]
    fn the_same_drawing_gives_the_same_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.png"), dir.path().join("b.png"));
        draw_sample(&a).unwrap();
        draw_sample(&b).unwrap();
        let (a, b) = (std::fs::read(a).unwrap(), std::fs::read(b).unwrap());
        assert!(a.len() > 1000, "{} bytes", a.len());
        assert!(a == b, "two drawings of one figure differ");
        // The trace is drawn: palette blue in the picture.
        let png = crate::plot::testutil::read_png(&dir.path().join("a.png"));
        let blue = palette(0);
        assert!(png
            .rgb
            .chunks(3)
            .any(|p| p[0] == blue.0 && p[1] == blue.1 && p[2] == blue.2));
    }
}
