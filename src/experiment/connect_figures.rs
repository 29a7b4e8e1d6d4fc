//! The arrays and figures of a `connect` run:
//!
//! - `connect_paths.png`: training and test loss (left axis) and accuracy (right axis)
//!   against t along the straight line and along the trained curve;
//! - `plane_train_loss.png` (and `plane_test_loss.png` with a test set): contours of
//!   the loss over the plane through θ_a, θ_b and the bend, the line and the curve drawn
//!   on it and the three points named (Garipov et al. 2018, Fig. 1); the grids are
//!   saved as `plane_train_loss.npy` / `plane_test_loss.npy` ([y][x]);
//! - `bend_loss.png`: the mean sampled loss L(φ(t)) of each epoch of the bend's training.
//!
//! [`redraw`] draws them all again from `summary.json` and the saved grids.

use super::connect::{ConnectReport, PathPoint};
use super::connect_plane::Plane;
use crate::error::Result;
use crate::io::run_dir::RunDir;
use crate::plot::{
    self, contour_plot, slice_1d, Curve1d, Overlay, Series, Slice1d, Surface, SurfaceStyle,
};
use crate::report::page::show_sig;

/// The plane's grids, by name.
const PLANE_GRIDS: [(&str, &str); 2] = [
    ("plane_train_loss", "training loss"),
    ("plane_test_loss", "test loss"),
];

/// Saves the plane's loss grids (when the run mapped the plane).
pub fn save_plane(
    r: &ConnectReport,
    train_loss: &[f64],
    test_loss: Option<&[f64]>,
    dir: &RunDir,
) -> Result<()> {
    let Some(p) = &r.plane else {
        return Ok(());
    };
    let shape = [p.y.len(), p.x.len()];
    dir.write_npy(&format!("{}.npy", PLANE_GRIDS[0].0), train_loss, &shape)?;
    if let Some(t) = test_loss {
        dir.write_npy(&format!("{}.npy", PLANE_GRIDS[1].0), t, &shape)?;
    }
    Ok(())
}

/// Draws every figure of the run from its report and saved grids.
pub fn redraw(r: &ConnectReport, dir: &RunDir) -> Result<()> {
    paths_figure(r, dir)?;
    let epochs: Vec<f64> = (1..=r.bend_loss.len()).map(|e| e as f64).collect();
    plot::line_chart(
        &dir.path("bend_loss.png"),
        &format!(
            "training the {} bend: mean sampled loss L(φ(t)), t ~ U(0, 1)",
            r.shape.name()
        ),
        "epoch",
        "loss",
        &[Series {
            label: "bend",
            x: &epochs,
            y: &r.bend_loss,
        }],
        r.bend_loss.iter().all(|&l| l > 0.0),
    )?;
    if let Some(p) = &r.plane {
        plane_figures(r, p, dir)?;
    }
    Ok(())
}

/// Loss and accuracy against t, line and curve.
fn paths_figure(r: &ConnectReport, dir: &RunDir) -> Result<()> {
    let t: Vec<f64> = r.line.iter().map(|p| p.t).collect();
    let get =
        |pts: &[PathPoint], f: fn(&PathPoint) -> f64| -> Vec<f64> { pts.iter().map(f).collect() };
    let columns = [(&r.line, "line"), (&r.curve, r.shape.name())].map(|(pts, name)| {
        (
            name,
            get(pts, |p| p.train_loss),
            get(pts, |p| p.train_accuracy),
            get(pts, |p| p.test_loss),
            get(pts, |p| p.test_accuracy),
        )
    });
    let has = |v: &[f64]| v.iter().any(|x| x.is_finite());
    let labels: Vec<[String; 2]> = columns
        .iter()
        .map(|c| [format!("{}: train", c.0), format!("{}: test", c.0)])
        .collect();
    let mut curves = Vec::new();
    for (c, l) in columns.iter().zip(&labels) {
        curves.push(Curve1d {
            label: &l[0],
            loss: &c.1,
            accuracy: has(&c.2).then_some(&c.2[..]),
            dashed: false,
        });
    }
    for (c, l) in columns.iter().zip(&labels) {
        if has(&c.3) {
            curves.push(Curve1d {
                label: &l[1],
                loss: &c.3,
                accuracy: has(&c.4).then_some(&c.4[..]),
                dashed: true,
            });
        }
    }
    slice_1d(
        &dir.path("connect_paths.png"),
        &format!(
            "line vs trained {} curve: barriers {} vs {} (‖θ_a − θ_b‖ = {})",
            r.shape.name(),
            show_sig(r.barrier_line, 3),
            show_sig(r.barrier_curve, 3),
            show_sig(r.distance, 3)
        ),
        &Slice1d {
            x: &t,
            curves: &curves,
            x_label: "t (θ_a at 0, θ_b at 1)",
            log: false,
        },
    )
}

/// The loss over the plane with both paths and the three points.
fn plane_figures(r: &ConnectReport, p: &Plane, dir: &RunDir) -> Result<()> {
    let ts: Vec<f64> = r.curve.iter().map(|q| q.t).collect();
    let line = p.path(&ts, |t| [1.0 - t, 0.0, t]);
    let bent = p.path(&ts, |t| r.shape.weights(t));
    let bend = [(p.bend[0], p.bend[1])];
    let curve_label = format!("{} curve", r.shape.name());
    let overlays = [
        Overlay {
            points: &line,
            label: "line",
            color: 1,
            ends: ["θ_a", "θ_b"],
        },
        Overlay {
            points: &bent,
            label: &curve_label,
            color: 2,
            ends: ["", ""],
        },
        Overlay {
            points: &bend,
            label: "bend θ_c",
            color: 0,
            ends: ["θ_c", ""],
        },
    ];
    for (name, label) in PLANE_GRIDS {
        let file = format!("{name}.npy");
        if !dir.path(&file).exists() {
            continue;
        }
        let (z, _) = dir.read_npy(&file, &[Some(p.y.len()), Some(p.x.len())])?;
        let style = SurfaceStyle {
            log: z.iter().filter(|v| v.is_finite()).all(|&v| v > 0.0),
            x_label: "along θ_b − θ_a".into(),
            y_label: if p.random_y {
                "a random direction orthogonal to θ_b − θ_a".into()
            } else {
                "toward the bend, orthogonal to θ_b − θ_a".into()
            },
            z_label: label.into(),
            ..SurfaceStyle::default()
        };
        contour_plot(
            &dir.path(&format!("{name}.png")),
            &format!("{label} over the plane through θ_a, θ_b and the bend"),
            &Surface {
                x: &p.x,
                y: &p.y,
                z: &z,
            },
            &style,
            &overlays,
        )?;
    }
    Ok(())
}
