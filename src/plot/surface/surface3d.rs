//! The 3-D surface (Li et al.'s `plot_surface`): one facet per grid cell coloured by the
//! cell's mean value, drawn back to front (painter's order by projected depth), cells
//! touching a masked value left out, with a colour bar at the right.

use std::path::Path;

use plotters::coord::CoordTranslate;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};
use plotters::style::FontTransform;

use super::super::kit::{
    draw_colorbar, draw_no_data, font, lerp, save_png, text, titled, Axis, ColorBar, DrawResult,
    AXIS_PX, MESH_BOLD, MESH_LIGHT, SURFACE_3D_SIZE, TEXT, TICK_PX,
};
use super::geometry::Pt;
use super::glyphs::to_i;
use super::grid::prepare;
use super::panel::{colorbar_ticks, draw_keys, masked_key};
use super::{Surface, SurfaceStyle};
use crate::error::Result;

/// A 3-D facet: projected depth, corners (x, value, -y), colour.
type Facet = (i32, [(f64, f64, f64); 4], RGBColor);

/// View angles (radians) of the 3-D surface: plotters' yaw and pitch, chosen to look like
/// matplotlib's default `plot_surface` view (elevation 30°, azimuth -60°).
const YAW: f64 = 0.6;
const PITCH: f64 = 0.45;

/// A 3-D surface on plotters' 3-D chart, coloured by value with a colour bar. One facet
/// per grid cell (colour of the cell's mean), facets touching a masked value are left out,
/// and values outside `vmin..vmax` are flattened onto the box. On a log scale the
/// vertical axis is `log10` of the value, with round values as ticks.
///
/// The axes are right-handed as in matplotlib: `x` runs along the front edge, `y` away
/// from the viewer, the value up. Plotters' own `SurfaceSeries` is not used because it
/// neither orders facets by depth nor skips masked cells; the facets are the same
/// polygons, drawn far to near.
pub fn surface_3d(path: &Path, title: &str, s: &Surface, style: &SurfaceStyle) -> Result<()> {
    let g = prepare("surface_3d", s, style)?;
    let (lo, hi) = (g.scale.lo, g.scale.hi);
    let (x0, x1) = g.x_range();
    let (y0, y1) = g.y_range();
    let (width, height) = SURFACE_3D_SIZE;
    let panel = 215u32;
    // Plotters' third axis is `-y`, which makes (x, y, value) right-handed on screen; its
    // ticks read y, except at the front corner (x1, y0), which already carries x's last
    // label.
    let x_axis = Axis::linear(x0, x1, 6).without_light();
    let value_axis = Axis::linear(lo, hi, 6).with_ticks(colorbar_ticks(&g.scale));
    let depth_ticks = (Axis::linear(y0, y1, 6).ticks.into_iter())
        .map(|(p, label)| {
            let front = (p - y0).abs() <= 1e-12 * (1.0 + y0.abs());
            (-p, if front { String::new() } else { label })
        })
        .collect();
    let depth_axis = Axis::linear(-y1, -y0, 6);
    let depth_axis = depth_axis.with_ticks(depth_ticks);

    save_png(path, (width, height), |root| {
        let area = titled(root, title)?;
        let (main, _side) = area.split_horizontally(width - panel);
        let labels = (x_axis.clone(), value_axis.clone(), depth_axis.clone());
        let mut chart = ChartBuilder::on(&main)
            .margin(10)
            .margin_left(70)
            .margin_bottom(30)
            .build_cartesian_3d(x_axis, value_axis, depth_axis)?;
        chart.with_projection(|mut pb| {
            pb.yaw = YAW;
            pb.pitch = PITCH;
            pb.scale = 0.8;
            pb.into_matrix()
        });
        let (x_fmt, v_fmt, d_fmt) = (
            |v: &f64| labels.0.label(*v),
            |v: &f64| labels.1.label(*v),
            |v: &f64| labels.2.label(*v),
        );
        chart
            .configure_axes()
            .light_grid_style(MESH_LIGHT)
            .bold_grid_style(MESH_BOLD)
            .axis_panel_style(RGBColor(248, 248, 248).filled())
            .label_style(font(TICK_PX - 2))
            .x_formatter(&x_fmt)
            .y_formatter(&v_fmt)
            .z_formatter(&d_fmt)
            .draw()?;

        // Facets, far ones first.
        let coord = chart.as_coord_spec();
        let mut facets: Vec<Facet> = Vec::new();
        for j in 0..g.ny - 1 {
            for i in 0..g.nx - 1 {
                let c = [(i, j), (i + 1, j), (i + 1, j + 1), (i, j + 1)];
                let v = c.map(|(a, b)| g.at(a, b));
                if v.iter().any(|t| !t.is_finite()) {
                    continue;
                }
                let mean = 0.25 * v.iter().sum::<f64>();
                let pts = [0, 1, 2, 3].map(|k| (g.x[c[k].0], v[k].clamp(lo, hi), -g.y[c[k].1]));
                let centre = (
                    0.5 * (g.x[i] + g.x[i + 1]),
                    mean.clamp(lo, hi),
                    -0.5 * (g.y[j] + g.y[j + 1]),
                );
                let depth = coord.projected_depth(&centre.0, &centre.1, &centre.2);
                facets.push((depth, pts, g.scale.fill(mean)));
            }
        }
        facets.sort_by_key(|f| std::cmp::Reverse(f.0));
        // Darker facet edges show the mesh when cells are large; otherwise the edges only
        // close the hairline gaps between neighbouring facets.
        let cell_px = (width as f64 * 0.5) / (g.nx.max(g.ny) as f64);
        for (_, pts, color) in &facets {
            chart.draw_series(std::iter::once(Polygon::new(pts.to_vec(), color.filled())))?;
            let edge = if cell_px > 8.0 {
                lerp(*color, RGBColor(0, 0, 0), 0.18)
            } else {
                *color
            };
            let mut ring = pts.to_vec();
            ring.push(pts[0]);
            chart.draw_series(std::iter::once(PathElement::new(
                ring,
                edge.stroke_width(1),
            )))?;
        }

        // Axis names: outside the box's front edges, pushed away from its centre.
        let coord = chart.as_coord_spec();
        let px = |(a, v, b): (f64, f64, f64)| {
            let (p, q) = coord.translate(&(a, v, -b));
            (p as f64, q as f64)
        };
        let centre = px((0.5 * (x0 + x1), lo, 0.5 * (y0 + y1)));
        // A name `d` pixels out from edge point `p`, anchored on its side facing the box.
        let name_at = |name: &str, p: Pt, d: f64| -> DrawResult {
            let (dx, dy) = (p.0 - centre.0, p.1 - centre.1);
            let n = dx.hypot(dy).max(1e-9);
            let h = if dx.abs() < 0.5 * dy.abs() {
                HPos::Center
            } else if dx > 0.0 {
                HPos::Left
            } else {
                HPos::Right
            };
            let at = to_i((p.0 + d * dx / n, p.1 + d * dy / n));
            root.draw_text(name, &text(AXIS_PX, &TEXT, h, VPos::Center), at)?;
            Ok(())
        };
        let front_y = if px((x0, lo, y0)).1 >= px((x0, lo, y1)).1 {
            y0
        } else {
            y1
        };
        let front_x = if px((x0, lo, y0)).1 >= px((x1, lo, y0)).1 {
            x0
        } else {
            x1
        };
        name_at(&style.x_label, px((0.5 * (x0 + x1), lo, front_y)), 55.0)?;
        name_at(&style.y_label, px((front_x, lo, 0.5 * (y0 + y1))), 55.0)?;
        // The value axis: left of the leftmost vertical edge, written upwards.
        let corners = [(x0, y0), (x0, y1), (x1, y0), (x1, y1)];
        let left = corners
            .iter()
            .map(|&(a, b)| px((a, 0.5 * (lo + hi), b)))
            .fold((f64::INFINITY, 0.0), |m, p| if p.0 < m.0 { p } else { m });
        let vstyle =
            text(AXIS_PX, &TEXT, HPos::Center, VPos::Center).transform(FontTransform::Rotate270);
        root.draw_text(
            &style.z_label,
            &vstyle,
            to_i(((left.0 - 70.0).max(16.0), left.1)),
        )?;
        if g.argmin.is_none() {
            draw_no_data(&main)?;
        }

        let panel_x = (width - panel) as i32 + 10;
        let mut keys = Vec::new();
        if g.n_masked > 0 {
            keys.push(masked_key(style.log));
        }
        let y = draw_keys(root, &keys, panel_x, 130)?;
        draw_colorbar(
            root,
            &ColorBar {
                x: panel_x + 2,
                top: y + 46,
                bottom: height as i32 - 160,
                name: &g.scale.name(&style.z_label),
                lo,
                hi,
                color: &|t| g.scale.fill(t),
                ticks: &colorbar_ticks(&g.scale),
                levels: &[],
            },
        )
    })
}
