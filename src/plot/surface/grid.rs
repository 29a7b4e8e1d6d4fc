//! The validated grid behind every 2-D figure: a [`Surface`] checked (at least 2 x 2
//! points, `x` and `y` finite and strictly increasing, `vmin < vmax`), its values
//! transformed (log10 when asked, NaN where masked), its colour [`Scale`], minimum and
//! masked count, and bilinear sampling between grid points.

use super::super::kit::finite_range;
use super::scale::{color_range, transform, Scale};
use super::{Surface, SurfaceStyle};
use crate::error::{Error, Result};

pub(super) struct Grid<'a> {
    pub(super) x: &'a [f64],
    pub(super) y: &'a [f64],
    pub(super) nx: usize,
    pub(super) ny: usize,
    /// Transformed values, NaN where masked.
    pub(super) t: Vec<f64>,
    pub(super) scale: Scale,
    /// Index of the smallest finite value.
    pub(super) argmin: Option<usize>,
    pub(super) n_masked: usize,
}

impl Grid<'_> {
    pub(super) fn at(&self, i: usize, j: usize) -> f64 {
        self.t[j * self.nx + i]
    }

    pub(super) fn x_range(&self) -> (f64, f64) {
        (self.x[0], self.x[self.nx - 1])
    }

    pub(super) fn y_range(&self) -> (f64, f64) {
        (self.y[0], self.y[self.ny - 1])
    }

    /// The interpolated transformed value at `(xv, yv)`; `None` when the nearest grid
    /// point is masked. Finite corners are weighted bilinearly (weights renormalised).
    pub(super) fn sample(&self, (i, fx): (usize, f64), (j, fy): (usize, f64)) -> Option<f64> {
        let ni = if fx < 0.5 { i } else { i + 1 };
        let nj = if fy < 0.5 { j } else { j + 1 };
        let nearest = self.at(ni, nj);
        if !nearest.is_finite() {
            return None;
        }
        let (mut sum, mut wsum) = (0.0, 0.0);
        for (ii, wx) in [(i, 1.0 - fx), (i + 1, fx)] {
            for (jj, wy) in [(j, 1.0 - fy), (j + 1, fy)] {
                let v = self.at(ii, jj);
                let w = wx * wy;
                if v.is_finite() && w > 0.0 {
                    sum += w * v;
                    wsum += w;
                }
            }
        }
        Some(if wsum > 0.0 { sum / wsum } else { nearest })
    }
}

/// The grid cell `(i, f)` holding `v` along a strictly increasing axis: `axis[i] <= v <=
/// axis[i + 1]` with `f` the fraction (clamped to the axis ends).
pub(super) fn locate(axis: &[f64], v: f64) -> (usize, f64) {
    let n = axis.len();
    let k = axis.partition_point(|&a| a <= v);
    let i = k.saturating_sub(1).min(n - 2);
    let f = ((v - axis[i]) / (axis[i + 1] - axis[i])).clamp(0.0, 1.0);
    (i, if f.is_finite() { f } else { 0.0 })
}

fn check_axis(what: &str, name: &str, a: &[f64]) -> Result<()> {
    if let Some(k) = a.iter().position(|v| !v.is_finite()) {
        return Err(Error::Invalid(format!(
            "{what}: {name}[{k}] = {} is not finite",
            a[k]
        )));
    }
    if let Some(k) = a.windows(2).position(|w| w[1] <= w[0]) {
        return Err(Error::Invalid(format!(
            "{what}: {name} must be strictly increasing, but {name}[{}] = {} follows {}",
            k + 1,
            a[k + 1],
            a[k]
        )));
    }
    Ok(())
}

pub(super) fn prepare<'a>(what: &str, s: &Surface<'a>, style: &SurfaceStyle) -> Result<Grid<'a>> {
    let bad = |msg: String| Err(Error::Invalid(format!("{what}: {msg}")));
    let (nx, ny) = (s.x.len(), s.y.len());
    if nx < 2 || ny < 2 {
        return bad(format!(
            "the grid needs at least 2 x 2 points, got {nx} x {ny}"
        ));
    }
    if nx.checked_mul(ny) != Some(s.z.len()) {
        return bad(format!(
            "{} values for a {nx} x {ny} grid (z[j * nx + i] is the value at (x[i], y[j]))",
            s.z.len()
        ));
    }
    check_axis(what, "x", s.x)?;
    check_axis(what, "y", s.y)?;
    for (name, v) in [("vmin", style.vmin), ("vmax", style.vmax)] {
        match v {
            Some(v) if !v.is_finite() => return bad(format!("{name} = {v} is not finite")),
            Some(v) if style.log && v <= 0.0 => {
                return bad(format!("{name} = {v} must be positive on a log scale"))
            }
            _ => {}
        }
    }
    if let (Some(a), Some(b)) = (style.vmin, style.vmax) {
        if a >= b {
            return bad(format!("vmin = {a} must be below vmax = {b}"));
        }
    }
    let t: Vec<f64> = s.z.iter().map(|&v| transform(v, style.log)).collect();
    let argmin = t
        .iter()
        .enumerate()
        .filter(|(_, v)| v.is_finite())
        .fold(None, |best: Option<(usize, f64)>, (k, &v)| match best {
            Some((_, b)) if b <= v => best,
            _ => Some((k, v)),
        })
        .map(|(k, _)| k);
    let n_masked = t.iter().filter(|v| !v.is_finite()).count();
    let (lo, hi) = color_range(
        finite_range(t.iter().copied(), false),
        style.vmin.map(|v| transform(v, style.log)),
        style.vmax.map(|v| transform(v, style.log)),
        style.log,
        style.diverging,
    );
    Ok(Grid {
        x: s.x,
        y: s.y,
        nx,
        ny,
        t,
        scale: Scale {
            lo,
            hi,
            log: style.log,
            diverging: style.diverging,
        },
        argmin,
        n_masked,
    })
}
