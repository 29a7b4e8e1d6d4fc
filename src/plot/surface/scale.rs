//! The colour scale of the loss-landscape figures: cell values transformed (log10 when
//! asked, NaN where masked, [`transform`]), the colour range of a grid
//! ([`color_range`]), and [`Scale`], which maps a transformed value to its fill and line
//! colours (the kit's viridis, or its red-blue map for diverging data) and gives the
//! round values used as contour levels and colour-bar ticks.

use plotters::prelude::*;

use super::super::kit::{lerp, red_blue, round_marks, viridis, Mark};

/// The value-to-colour mapping of one figure, in transformed units (log10 when `log`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scale {
    pub(crate) lo: f64,
    pub(crate) hi: f64,
    pub(crate) log: bool,
    pub(crate) diverging: bool,
}

impl Scale {
    fn frac(&self, t: f64) -> f64 {
        ((t - self.lo) / (self.hi - self.lo)).clamp(0.0, 1.0)
    }

    /// Fill colour (heatmap, 3-D facets, colour bar).
    pub(super) fn fill(&self, t: f64) -> RGBColor {
        let f = self.frac(t);
        if self.diverging {
            red_blue(f)
        } else {
            viridis(f)
        }
    }

    /// Line colour on a white background: viridis stops short of its palest yellow and
    /// the diverging map's white centre is darkened.
    pub(super) fn line(&self, t: f64) -> RGBColor {
        let f = self.frac(t);
        if self.diverging {
            lerp(red_blue(f), RGBColor(40, 40, 40), 0.3)
        } else {
            viridis(0.9 * f)
        }
    }

    /// About `target` round values in the scale's range (transformed units): contour
    /// levels, colour-bar ticks, 3-D axis ticks.
    pub(super) fn marks(&self, target: usize) -> Vec<Mark> {
        round_marks(self.lo, self.hi, self.log, target)
    }

    /// The colour bar's name for values called `name`: "(log)" added on a log scale.
    pub(super) fn name(&self, name: &str) -> String {
        if self.log {
            format!("{name} (log)")
        } else {
            name.to_string()
        }
    }

    /// Value shown for transformed value `t`.
    pub(super) fn value(&self, t: f64) -> f64 {
        if self.log {
            10f64.powf(t)
        } else {
            t
        }
    }
}

/// The transformed value of a cell (`NaN` when masked), kept far from `f64::MAX` so that
/// differences stay finite.
pub(super) fn transform(v: f64, log: bool) -> f64 {
    if !v.is_finite() || (log && v <= 0.0) {
        f64::NAN
    } else if log {
        v.log10()
    } else {
        v.clamp(-1e300, 1e300)
    }
}

/// The colour range `lo < hi` in transformed units: the given limits, else the data's;
/// a degenerate range is widened (a decade on a log scale, ±10 % or ±0.5 otherwise).
pub(super) fn color_range(
    data: Option<(f64, f64)>,
    vmin: Option<f64>,
    vmax: Option<f64>,
    log: bool,
    diverging: bool,
) -> (f64, f64) {
    let (dlo, dhi) = data.unwrap_or((0.0, 1.0));
    let (mut lo, mut hi) = (vmin.unwrap_or(dlo), vmax.unwrap_or(dhi));
    if diverging && !log && vmin.is_none() && vmax.is_none() && lo < 0.0 && hi > 0.0 {
        let m = lo.abs().max(hi.abs());
        (lo, hi) = (-m, m);
    }
    let scale = lo.abs().max(hi.abs());
    if hi - lo <= 1e-12 * scale {
        let w = if log {
            1.0
        } else if scale > 0.0 {
            0.2 * scale
        } else {
            1.0
        };
        match (vmin.is_some(), vmax.is_some()) {
            (true, false) => hi = lo + w,
            (false, true) => lo = hi - w,
            _ => {
                let mid = 0.5 * (lo + hi);
                (lo, hi) = (mid - 0.5 * w, mid + 0.5 * w);
            }
        }
    }
    (lo, hi)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_ranges() {
        assert_eq!(color_range(None, None, None, false, false), (0.0, 1.0));
        assert_eq!(
            color_range(Some((-1.0, 3.0)), None, None, false, true),
            (-3.0, 3.0)
        );
        let (a, b) = color_range(Some((2.0, 2.0)), None, None, false, false);
        assert!(a < 2.0 && b > 2.0);
        assert_eq!(
            color_range(Some((0.0, 1.0)), Some(5.0), None, false, false),
            (5.0, 6.0)
        );
        let sc = Scale {
            lo: 0.0,
            hi: 2.0,
            log: false,
            diverging: false,
        };
        assert_eq!(sc.fill(1.0), viridis(0.5));
        assert_eq!(sc.fill(5.0), viridis(1.0));
        assert_eq!(sc.line(2.0), viridis(0.9));
        let sc = Scale {
            diverging: true,
            ..sc
        };
        assert_eq!(sc.fill(1.0), red_blue(0.5));
    }
}
