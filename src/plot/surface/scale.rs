//! Colour scales and round numbers for the loss-landscape figures: viridis and a
//! diverging blue-white-red map ([`Scale`]), the colour range of a grid
//! ([`color_range`]), and the round values used as contour levels, colour-bar ticks and
//! 3-D axis ticks ([`round_marks`]), on a linear or log10 scale.

use plotters::prelude::*;

use super::super::{fmt_log_tick, fmt_tick};

// ---------------------------------------------------------------------------------------
// Colour maps.

/// matplotlib's viridis at 9 evenly spaced stops (R's `viridis(9)`).
pub(super) const VIRIDIS: [RGBColor; 9] = [
    RGBColor(0x44, 0x01, 0x54),
    RGBColor(0x47, 0x2D, 0x7B),
    RGBColor(0x3B, 0x52, 0x8B),
    RGBColor(0x2C, 0x72, 0x8E),
    RGBColor(0x21, 0x90, 0x8C),
    RGBColor(0x27, 0xAD, 0x81),
    RGBColor(0x5D, 0xC8, 0x63),
    RGBColor(0xAA, 0xDC, 0x32),
    RGBColor(0xFD, 0xE7, 0x25),
];

/// ColorBrewer RdBu (11 classes), reversed: blue for low, red for high.
const RDBU_R: [RGBColor; 11] = [
    RGBColor(0x05, 0x30, 0x61),
    RGBColor(0x21, 0x66, 0xAC),
    RGBColor(0x43, 0x93, 0xC3),
    RGBColor(0x92, 0xC5, 0xDE),
    RGBColor(0xD1, 0xE5, 0xF0),
    RGBColor(0xF7, 0xF7, 0xF7),
    RGBColor(0xFD, 0xDB, 0xC7),
    RGBColor(0xF4, 0xA5, 0x82),
    RGBColor(0xD6, 0x60, 0x4D),
    RGBColor(0xB2, 0x18, 0x2B),
    RGBColor(0x67, 0x00, 0x1F),
];

pub(super) fn lerp(a: RGBColor, b: RGBColor, t: f64) -> RGBColor {
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let ch = |a: u8, b: u8| (a as f64 + t * (b as f64 - a as f64)).round() as u8;
    RGBColor(ch(a.0, b.0), ch(a.1, b.1), ch(a.2, b.2))
}

/// Piecewise-linear colour map through evenly spaced `stops`, `t` in `[0, 1]`.
fn sample_map(stops: &[RGBColor], t: f64) -> RGBColor {
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let g = t * (stops.len() - 1) as f64;
    let k = (g.floor() as usize).min(stops.len() - 2);
    lerp(stops[k], stops[k + 1], g - k as f64)
}

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
            sample_map(&RDBU_R, f)
        } else {
            sample_map(&VIRIDIS, f)
        }
    }

    /// Line colour on a white background: viridis stops short of its palest yellow and
    /// the diverging map's white centre is darkened.
    pub(super) fn line(&self, t: f64) -> RGBColor {
        let f = self.frac(t);
        if self.diverging {
            lerp(sample_map(&RDBU_R, f), RGBColor(40, 40, 40), 0.3)
        } else {
            sample_map(&VIRIDIS, 0.9 * f)
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

// ---------------------------------------------------------------------------------------
// Round numbers for levels and ticks.

/// The smallest of 1, 2, 2.5, 5 times a power of ten that is at least `raw`.
fn nice_step(raw: f64) -> f64 {
    if !(raw > 0.0 && raw.is_finite()) {
        return 1.0;
    }
    let p = 10f64.powf(raw.log10().floor());
    let m = raw / p;
    let n = [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .find(|&n| m <= n * (1.0 + 1e-9))
        .unwrap_or(10.0);
    n * p
}

/// Multiples of `step` in `[lo, hi]` (at most 1000).
fn multiples(lo: f64, hi: f64, step: f64) -> Vec<f64> {
    if !(step > 0.0 && lo.is_finite() && hi.is_finite()) || (hi - lo) / step > 1000.0 {
        return Vec::new();
    }
    let k0 = (lo / step - 1e-9).ceil() as i64;
    let k1 = (hi / step + 1e-9).floor() as i64;
    (k0..=k1).map(|k| k as f64 * step).collect()
}

/// Decimals needed to print multiples of `step` exactly.
fn step_decimals(step: f64) -> usize {
    (0..=9)
        .find(|&d| {
            let s = step * 10f64.powi(d as i32);
            (s - s.round()).abs() < 1e-6 * s.max(1.0)
        })
        .unwrap_or(9)
}

/// A multiple of `step` printed with the decimals the step needs (scientific for very
/// large or small magnitudes).
fn fmt_stepped(v: f64, step: f64) -> String {
    let v = if v.abs() < 1e-9 * step { 0.0 } else { v };
    if (v != 0.0 && (v.abs() >= 1e5 || v.abs() < 1e-3)) || !(1e-5..1e5).contains(&step) {
        return fmt_tick(v);
    }
    let d = step_decimals(step);
    format!("{v:.d$}")
}

/// A value `t` (transformed units) with the text printed for it.
#[derive(Debug, Clone)]
pub(crate) struct Mark {
    pub(crate) t: f64,
    pub(crate) label: String,
}

/// About `target` round values between `lo` and `hi` (transformed units). Linear scale:
/// multiples of a nice step. Log scale: decades, or 1-2-5 style mantissas per decade, or
/// within less than a decade evenly spaced round values.
pub(crate) fn round_marks(scale: &Scale, target: usize) -> Vec<Mark> {
    let (lo, hi) = (scale.lo, scale.hi);
    let target = target.max(1);
    if !scale.log {
        let step = nice_step((hi - lo) / target as f64);
        return multiples(lo, hi, step)
            .into_iter()
            .map(|t| Mark {
                t,
                label: fmt_stepped(t, step),
            })
            .collect();
    }
    let decades = hi - lo;
    let log_mark = |e: f64| Mark {
        t: e,
        label: fmt_log_tick(10f64.powf(e)),
    };
    if decades >= target as f64 {
        let step = nice_step(decades / target as f64).max(1.0).round();
        return multiples(lo, hi, step).into_iter().map(log_mark).collect();
    }
    // Mantissa sets from densest to sparsest; take the densest that is not too dense.
    const SETS: [&[f64]; 5] = [
        &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0],
        &[1.0, 2.0, 3.0, 5.0, 7.0],
        &[1.0, 2.0, 5.0],
        &[1.0, 3.0],
        &[1.0],
    ];
    let with_set = |set: &[f64]| -> Vec<Mark> {
        let mut out = Vec::new();
        let (e0, e1) = (lo.floor() as i64, hi.ceil() as i64);
        for e in e0..=e1 {
            for &m in set {
                let t = m.log10() + e as f64;
                if t >= lo - 1e-9 && t <= hi + 1e-9 {
                    let v = m * 10f64.powi(e as i32);
                    out.push(Mark {
                        t,
                        label: fmt_tick(v),
                    });
                }
            }
        }
        out
    };
    let dense = with_set(SETS[0]);
    if dense.len() < 3.min(target + 1) || dense.len() < target / 3 {
        // Less than a decade: round values evenly spaced in value.
        let (vlo, vhi) = (10f64.powf(lo), 10f64.powf(hi));
        let step = nice_step((vhi - vlo) / target as f64);
        return multiples(vlo, vhi, step)
            .into_iter()
            .filter(|&v| v > 0.0)
            .map(|v| Mark {
                t: v.log10(),
                label: fmt_stepped(v, step),
            })
            .collect();
    }
    SETS.iter()
        .map(|set| with_set(set))
        .find(|m| m.len() <= target + 1)
        .unwrap_or_else(|| with_set(SETS[4]))
}

/// Four significant digits.
pub(super) fn fmt_sig(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    let a = v.abs();
    if !(1e-3..1e5).contains(&a) {
        return fmt_tick(v);
    }
    let d = (3 - a.log10().floor() as i32).clamp(0, 7) as usize;
    let s = format!("{v:.d$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_levels() {
        let sc = Scale {
            lo: 0.0,
            hi: 1.0,
            log: false,
            diverging: false,
        };
        let m = round_marks(&sc, 20);
        assert_eq!(m.len(), 21);
        assert_eq!(m[1].label, "0.05");
        let m = round_marks(&sc, 5);
        assert_eq!(
            m.iter().map(|m| m.label.as_str()).collect::<Vec<_>>(),
            ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"]
        );
        // Log: 1e-3 .. 10 with 20 levels uses 1-2-5 mantissas (13 levels).
        let sc = Scale {
            lo: -3.0,
            hi: 1.0,
            log: true,
            diverging: false,
        };
        let m = round_marks(&sc, 20);
        assert!(m.len() <= 21 && m.len() >= 10, "{}", m.len());
        assert!(m.iter().any(|m| m.label == "0.002"));
        // Less than a decade: evenly spaced values.
        let sc = Scale {
            lo: 0.5f64.log10(),
            hi: 0.7f64.log10(),
            log: true,
            diverging: false,
        };
        let m = round_marks(&sc, 4);
        let labels: Vec<&str> = m.iter().map(|m| m.label.as_str()).collect();
        assert_eq!(labels, ["0.5", "0.6", "0.7"]);
        let m = round_marks(&sc, 20);
        assert_eq!(m.len(), 21);
        assert_eq!(m[5].label, "0.55");
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
    }
}
