//! Axes: the range an axis covers ([`finite_range`], [`pad_linear`], [`pad_log`]), the
//! drawable runs of a series ([`finite_runs`]), and [`Axis`], the one plotters coordinate
//! every chart is built on, linear or log10, with round tick values and their labels,
//! light grid lines between them, and optional explicit ticks ("full" at x = n).

use std::ops::Range;

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};

use super::ticks::{decade_marks, fmt_log_tick, fmt_tick, multiples, nice_step, round_marks};

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
    // A hair outside the decades, so that both end decades get their tick.
    (a * (1.0 - 1e-9), b * (1.0 + 1e-9))
}

/// A padded range for `log` or linear values: [`pad_log`] or [`pad_linear`] of their
/// drawable range.
pub(crate) fn pad(values: impl IntoIterator<Item = f64>, log: bool) -> (f64, f64) {
    if log {
        pad_log(finite_range(values, true))
    } else {
        pad_linear(finite_range(values, false))
    }
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

/// An axis over `lo..hi` in data units, linear or log10, with its ticks (position and
/// label) and the positions of the light grid lines between them. It is plotters'
/// coordinate for both axes of every chart, so one chart type serves linear and log
/// axes alike.
#[derive(Debug, Clone)]
pub(crate) struct Axis {
    pub(crate) lo: f64,
    pub(crate) hi: f64,
    pub(crate) log: bool,
    pub(crate) ticks: Vec<(f64, String)>,
    pub(crate) light: Vec<f64>,
}

impl Axis {
    /// An axis over `lo..hi` (`lo < hi`, both positive when `log`) with about `target`
    /// round ticks. Linear: multiples of 1, 2, 2.5 or 5 times a power of ten, light lines
    /// at a fifth (a quarter for steps of 2) of the step. Log: whole decades when at
    /// least three lie in the range (every k-th when there are many), else 1-2-5 style
    /// mantissas or round values; light lines at the mantissas 1..9 of every decade when
    /// the range spans at most six decades, else at the unlabelled decades.
    pub(crate) fn new(lo: f64, hi: f64, log: bool, target: usize) -> Axis {
        let mut axis = Axis {
            lo,
            hi,
            log,
            ticks: Vec::new(),
            light: Vec::new(),
        };
        let (a, b) = (axis.t(lo), axis.t(hi));
        if !(a.is_finite() && b.is_finite() && a < b) {
            return axis;
        }
        let value = |t: f64| if log { 10f64.powf(t) } else { t };
        let whole_decades = multiples(a, b, 1.0).len();
        let marks = if log && whole_decades >= 3 {
            decade_marks(a, b, target)
        } else {
            round_marks(a, b, log, target)
        };
        axis.ticks = marks.into_iter().map(|m| (value(m.t), m.label)).collect();
        axis.light = if !log {
            let step = nice_step((b - a) / target.max(1) as f64);
            let parts = if (step / 10f64.powf(step.log10().floor()) - 2.0).abs() < 1e-9 {
                4.0
            } else {
                5.0
            };
            multiples(a, b, step / parts)
        } else if b - a <= 6.0 {
            (a.floor() as i32..=b.ceil() as i32)
                .flat_map(|e| (1..10).map(move |m| m as f64 * 10f64.powi(e)))
                .filter(|&v| v >= lo && v <= hi)
                .collect()
        } else {
            multiples(a, b, 1.0).into_iter().map(value).collect()
        };
        axis.drop_light_on_ticks();
        axis
    }

    /// A linear axis over `lo..hi` with about `target` round ticks.
    pub(crate) fn linear(lo: f64, hi: f64, target: usize) -> Axis {
        Axis::new(lo, hi, false, target)
    }

    /// This axis with `ticks` (position, label) instead of its round ones, keeping those
    /// inside the range, and no light grid lines.
    pub(crate) fn with_ticks(mut self, ticks: Vec<(f64, String)>) -> Axis {
        self.ticks = ticks
            .into_iter()
            .filter(|(p, _)| self.ok(*p) && *p >= self.lo && *p <= self.hi)
            .collect();
        self.light.clear();
        self
    }

    /// This axis without light grid lines.
    pub(crate) fn without_light(mut self) -> Axis {
        self.light.clear();
        self
    }

    /// The axis over the drawable `values` and the `explicit` tick positions, padded by
    /// `pad` of its span (in log10 units on a log axis) on each side, with about
    /// `target` round ticks unless `explicit` ones are given. Nothing drawable gives
    /// `0..1` (`1..10` on a log axis); a single value is widened.
    pub(crate) fn fit(
        values: impl Iterator<Item = f64>,
        log: bool,
        pad: f64,
        explicit: Option<&[(f64, String)]>,
        target: usize,
    ) -> Axis {
        let drawable = |v: &f64| v.is_finite() && (!log || *v > 0.0);
        let explicit: Vec<(f64, String)> = explicit
            .unwrap_or_default()
            .iter()
            .filter(|(p, _)| drawable(p))
            .cloned()
            .collect();
        let data = values.chain(explicit.iter().map(|t| t.0)).filter(drawable);
        let (lo, hi) = if log {
            let (a, b) = match finite_range(data.map(|v| v.clamp(1e-300, 1e300).log10()), false) {
                None => (0.0, 1.0),
                Some((a, b)) if b - a < 1e-9 => (a - 0.3, b + 0.3),
                Some((a, b)) => (a - pad * (b - a), b + pad * (b - a)),
            };
            (10f64.powf(a), 10f64.powf(b))
        } else {
            match finite_range(data.map(|v| v.clamp(-1e300, 1e300)), false) {
                Some((a, b)) if b - a > 1e-12 * a.abs().max(b.abs()) && b > a => {
                    (a - pad * (b - a), b + pad * (b - a))
                }
                other => pad_linear(other),
            }
        };
        let axis = Axis::new(lo, hi, log, target);
        if explicit.is_empty() {
            axis
        } else {
            axis.with_ticks(explicit)
        }
    }

    /// Whether `v` can be drawn on this axis.
    pub(crate) fn ok(&self, v: f64) -> bool {
        v.is_finite() && (!self.log || v > 0.0)
    }

    /// `v` in the axis' linear units (log10 on a log axis).
    pub(crate) fn t(&self, v: f64) -> f64 {
        if self.log {
            v.log10()
        } else {
            v
        }
    }

    /// Where `v` sits on the axis, as a fraction of its length (0 at `lo`, 1 at `hi`).
    pub(crate) fn frac(&self, v: f64) -> f64 {
        (self.t(v) - self.t(self.lo)) / (self.t(self.hi) - self.t(self.lo))
    }

    /// `v` moved into `lo..hi` (non-drawable values go to the bottom, +inf to the top).
    pub(crate) fn clip(&self, v: f64) -> f64 {
        if self.ok(v) {
            v.clamp(self.lo, self.hi)
        } else if v == f64::INFINITY {
            self.hi
        } else {
            self.lo
        }
    }

    /// The label of the tick at `v` (a formatted number for any other `v`).
    pub(crate) fn label(&self, v: f64) -> String {
        let tol = 1e-9 * (self.t(self.hi) - self.t(self.lo)).abs();
        match self
            .ticks
            .iter()
            .find(|(p, _)| (self.t(*p) - self.t(v)).abs() <= tol)
        {
            Some((_, s)) => s.clone(),
            None if self.log => fmt_log_tick(v),
            None => fmt_tick(v),
        }
    }

    fn drop_light_on_ticks(&mut self) {
        let tol = 1e-6 * (self.t(self.hi) - self.t(self.lo)).abs();
        let ticks: Vec<f64> = self.ticks.iter().map(|(p, _)| self.t(*p)).collect();
        let log = self.log;
        let t = |v: f64| if log { v.log10() } else { v };
        self.light
            .retain(|&v| ticks.iter().all(|&p| (p - t(v)).abs() > tol));
    }
}

impl Ranged for Axis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    /// Plotters' linear mapping (as for `Range<f64>`), in log10 units on a log axis.
    fn map(&self, v: &f64, limit: (i32, i32)) -> i32 {
        let f = self.frac(*v);
        // Callers clip their values; keep anything else near the plotting area.
        let f = if f.is_nan() { 0.0 } else { f.clamp(-1.0, 2.0) };
        let len = (limit.1 - limit.0) as f64;
        limit.0 + (len * f + 1e-3).floor() as i32
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            self.light.clone()
        } else {
            self.ticks.iter().map(|t| t.0).collect()
        }
    }

    fn range(&self) -> Range<f64> {
        self.lo..self.hi
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(a: &Axis) -> Vec<&str> {
        a.ticks.iter().map(|t| t.1.as_str()).collect()
    }

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
        assert_eq!(
            finite_runs(&[0.0, 1.0, 2.0, 3.0], &[1.0, f64::NAN, 2.0, 0.0], true),
            vec![vec![(0.0, 1.0)], vec![(2.0, 2.0)]]
        );
    }

    #[test]
    fn linear_ticks_and_light_lines() {
        let a = Axis::linear(0.0, 100.0, 9);
        assert_eq!(labels(&a), ["0", "20", "40", "60", "80", "100"]);
        // Three light lines between ticks 20 apart (every 5), none on a tick.
        assert_eq!(a.light.len(), 15);
        assert!(a.light.contains(&5.0) && !a.light.contains(&4.0) && !a.light.contains(&20.0));
        let a = Axis::linear(-0.02, 1.02, 8);
        assert_eq!(labels(&a), ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"]);
        // Mapping: the ends to the pixel limits, like plotters' own f64 axis.
        assert_eq!(a.map(&-0.02, (0, 500)), 0);
        assert_eq!(a.map(&1.02, (0, 500)), 500);
        assert_eq!(a.map(&f64::NAN, (10, 500)), 10);
        assert_eq!(a.label(0.4), "0.4");
        assert_eq!(a.label(0.123), "0.123");
    }

    #[test]
    fn log_ticks_are_decades_or_round_mantissas() {
        // Many decades: the decades.
        let (lo, hi) = pad_log(Some((2e-4, 0.9)));
        let a = Axis::new(lo, hi, true, 8);
        assert_eq!(labels(&a), ["1e-4", "0.001", "0.01", "0.1", "1"]);
        // Light lines at 2..9 of every decade.
        assert!(a.light.iter().any(|&v| (v - 0.02).abs() < 1e-12));
        assert_eq!(a.light.len(), 4 * 8);
        // Less than three decades: round mantissas rather than two lone decades.
        let a = Axis::new(6.0, 800.0, true, 8);
        let l = labels(&a);
        assert!(
            l.len() >= 5 && l.contains(&"100") && l.contains(&"20"),
            "{l:?}"
        );
        // Mapping: the geometric midpoint to the middle.
        let mid = (a.lo * a.hi).sqrt();
        assert!((a.map(&mid, (0, 1000)) - 500).abs() <= 1);
        assert_eq!(a.clip(-1.0), a.lo);
        assert_eq!(a.clip(f64::INFINITY), a.hi);
    }

    #[test]
    fn fitted_axes_and_explicit_ticks() {
        // Explicit ticks replace the automatic ones and stretch the axis to show them.
        let ticks = vec![(32.0, "32".to_string()), (4096.0, "full".to_string())];
        let a = Axis::fit([64.0, 256.0].into_iter(), true, 0.04, Some(&ticks), 8);
        assert!(a.lo < 32.0 && a.hi > 4096.0);
        assert_eq!(a.ticks, ticks);
        assert!(a.light.is_empty());
        assert_eq!(a.label(4096.0), "full");
        // A log axis over widths 8..512 gets round values, not just two decades.
        let a = Axis::fit([8.0, 512.0, 0.0, -3.0].into_iter(), true, 0.04, None, 8);
        assert!(a.lo > 5.0 && a.lo < 8.0 && a.hi > 512.0 && a.hi < 800.0);
        let l = labels(&a);
        assert!(l.len() >= 5 && l.contains(&"100"), "{l:?}");
        // Nothing drawable: a default range, no panic.
        let a = Axis::fit([f64::NAN, -1.0].into_iter(), true, 0.05, None, 7);
        assert!(a.lo > 0.0 && a.hi > a.lo);
        let a = Axis::fit([2.0, 2.0].into_iter(), false, 0.05, None, 7);
        assert!(a.lo < 2.0 && a.hi > 2.0 && !a.ticks.is_empty());
        // A degenerate range draws no ticks instead of failing.
        let a = Axis::linear(1.0, 1.0, 5);
        assert!(a.ticks.is_empty());
    }
}
