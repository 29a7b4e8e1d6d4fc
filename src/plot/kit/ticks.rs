//! Numbers as text and round numbers: tick labels on linear and log axes, values in
//! legends and notes, and the round values ([`round_marks`]) used as axis ticks,
//! colour-bar ticks and contour levels.

/// Tick label of a linear axis: [`fmt_number`], except that below 1e-14 a tick is the
/// rounding residue of a tick meant to be 0 and reads "0".
pub(crate) fn fmt_tick(v: f64) -> String {
    if v.abs() < 1e-14 {
        "0".into()
    } else {
        fmt_number(v)
    }
}

/// A number in at most 4 significant digits without trailing zeros, scientific outside
/// [1e-3, 1e5) ("1.5e-5", "-3e6"); non-finite values as Rust prints them.
pub(crate) fn fmt_number(v: f64) -> String {
    let a = v.abs();
    if v == 0.0 {
        "0".into()
    } else if !v.is_finite() {
        format!("{v}")
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
        let decimals = (3 - a.log10().floor() as i32).clamp(0, 6) as usize;
        trim_decimals(format!("{v:.decimals$}"))
    }
}

/// Tick label of a log axis: powers of ten outside [1e-3, 1e4] as `1e{k}`, everything
/// else as [`fmt_number`].
pub(crate) fn fmt_log_tick(v: f64) -> String {
    let k = v.log10();
    if (k - k.round()).abs() < 1e-9 && !(1e-3..=1e4).contains(&v) {
        format!("1e{}", k.round() as i32)
    } else {
        fmt_number(v)
    }
}

/// `v` with at most `decimals` decimals, trailing zeros removed (1/3 with 2: "0.33").
pub(crate) fn fmt_decimals(v: f64, decimals: usize) -> String {
    trim_decimals(format!("{v:.decimals$}"))
}

fn trim_decimals(s: String) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

// ---------------------------------------------------------------------------------------
// Round numbers.

/// The smallest of 1, 2, 2.5, 5 times a power of ten that is at least `raw`.
pub(crate) fn nice_step(raw: f64) -> f64 {
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

/// Multiples of `step` in `[lo, hi]` (none when there would be more than 1000).
pub(crate) fn multiples(lo: f64, hi: f64, step: f64) -> Vec<f64> {
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

/// A multiple of `step` printed with the decimals the step needs ("0.0, 0.2, 0.4"),
/// scientific for very large or small magnitudes.
fn fmt_stepped(v: f64, step: f64) -> String {
    let v = if v.abs() < 1e-9 * step { 0.0 } else { v };
    if (v != 0.0 && (v.abs() >= 1e5 || v.abs() < 1e-3)) || !(1e-5..1e5).contains(&step) {
        return fmt_tick(v);
    }
    let d = step_decimals(step);
    format!("{v:.d$}")
}

/// A value `t` in transformed units (log10 on a log scale) with the text printed for it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Mark {
    pub(crate) t: f64,
    pub(crate) label: String,
}

/// About `target` round values between `lo` and `hi`, in transformed units (log10 of the
/// values when `log`). Linear scale: the multiples of a step of 1, 2, 2.5 or 5 times a
/// power of ten. Log scale: decades (every k-th when there are many), or 1-2-5 style
/// mantissas per decade, or within less than a decade evenly spaced round values.
pub(crate) fn round_marks(lo: f64, hi: f64, log: bool, target: usize) -> Vec<Mark> {
    let target = target.max(1);
    if !log {
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
    if decades >= target as f64 {
        return decade_marks(lo, hi, target);
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

/// The decades in `[lo, hi]` (log10 units), every k-th so that there are about `target`.
pub(crate) fn decade_marks(lo: f64, hi: f64, target: usize) -> Vec<Mark> {
    let step = nice_step((hi - lo) / target.max(1) as f64).max(1.0).round();
    multiples(lo, hi, step)
        .into_iter()
        .map(|e| Mark {
            t: e,
            label: fmt_log_tick(10f64.powf(e)),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(m: &[Mark]) -> Vec<&str> {
        m.iter().map(|m| m.label.as_str()).collect()
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
        assert_eq!(fmt_number(0.002276), "0.002276");
        assert_eq!(fmt_number(123.456), "123.5");
        assert_eq!(fmt_number(f64::NAN), "NaN");
        assert_eq!(fmt_number(f64::NEG_INFINITY), "-inf");
        assert_eq!(fmt_decimals(1.0 / 3.0, 2), "0.33");
        assert_eq!(fmt_decimals(0.5, 2), "0.5");
        assert_eq!(fmt_decimals(1.0, 2), "1");
    }

    #[test]
    fn round_levels() {
        let m = round_marks(0.0, 1.0, false, 20);
        assert_eq!(m.len(), 21);
        assert_eq!(m[1].label, "0.05");
        assert_eq!(
            labels(&round_marks(0.0, 1.0, false, 5)),
            ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"]
        );
        // Log: 1e-3 .. 10 with 20 levels uses 1-2-5 mantissas (13 levels).
        let m = round_marks(-3.0, 1.0, true, 20);
        assert!(m.len() <= 21 && m.len() >= 10, "{}", m.len());
        assert!(m.iter().any(|m| m.label == "0.002"));
        // Many decades: every k-th decade.
        assert_eq!(
            labels(&round_marks(-18.0, 0.0, true, 8)),
            ["1e-18", "1e-15", "1e-12", "1e-9", "1e-6", "0.001", "1"]
        );
        // Less than a decade: evenly spaced values.
        let (lo, hi) = (0.5f64.log10(), 0.7f64.log10());
        assert_eq!(labels(&round_marks(lo, hi, true, 4)), ["0.5", "0.6", "0.7"]);
        let m = round_marks(lo, hi, true, 20);
        assert_eq!(m.len(), 21);
        assert_eq!(m[5].label, "0.55");
        assert_eq!(nice_step(0.13), 0.2);
        assert_eq!(nice_step(0.24), 0.25);
        assert_eq!(nice_step(f64::NAN), 1.0);
        assert!(multiples(0.0, 1e9, 1.0).is_empty());
    }
}
