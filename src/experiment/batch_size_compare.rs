//! The tests of a batch-size study: the smallest against the largest batch size, and
//! each batch size against the next larger one, on test accuracy, test loss, the
//! generalisation gap, log₁₀ ε-sharpness and λmax, each by Welch's t-test over the seeds
//! ([`crate::study::compare`]); `comparisons` in `summary.json`, a table in `report.md`
//! and on the report page.

use super::batch_size::BatchRun;
use crate::study::compare::{welch, Welch};
use serde::{Deserialize, Serialize};

/// Batch size `b` against batch size `a` on one metric (difference: b − a).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BatchComparison {
    pub a: String,
    pub b: String,
    pub metric: String,
    #[serde(flatten)]
    pub test: Welch,
}

/// A metric compared: its name, and how it is read from a run.
type Metric = (String, Box<dyn Fn(&BatchRun) -> f64>);

/// The metrics compared.
fn metrics(eps_keys: &[String]) -> Vec<Metric> {
    let nan = f64::NAN;
    let mut m: Vec<Metric> = vec![
        (
            "test_accuracy".into(),
            Box::new(move |r| r.test_accuracy.unwrap_or(nan)),
        ),
        (
            "test_loss".into(),
            Box::new(move |r| r.test_loss.unwrap_or(nan)),
        ),
        ("gap".into(), Box::new(move |r| r.gap.unwrap_or(nan))),
    ];
    for k in eps_keys {
        let key = k.clone();
        m.push((
            format!("log10_sharpness_{k}"),
            Box::new(move |r| r.sharpness.get(&key).map_or(nan, |s| s.log10())),
        ));
    }
    m.push(("lambda_max".into(), Box::new(|r| r.lambda_max)));
    m
}

/// The pairs of batch labels compared, smallest against largest first, then each
/// against the next larger; `batches` are (label, size).
fn pairs(batches: &[(String, usize)]) -> Vec<(String, String)> {
    let mut sorted = batches.to_vec();
    sorted.sort_by_key(|(_, size)| *size);
    sorted.dedup_by_key(|(_, size)| *size);
    let label = |i: usize| sorted[i].0.clone();
    let n = sorted.len();
    if n < 2 {
        return vec![];
    }
    let mut out = vec![(label(0), label(n - 1))];
    if n > 2 {
        out.extend((0..n - 1).map(|i| (label(i), label(i + 1))));
    }
    out
}

/// Every comparison of the study's `runs` (batches as (label, size)).
pub fn compare(
    runs: &[BatchRun],
    batches: &[(String, usize)],
    eps_keys: &[String],
) -> Vec<BatchComparison> {
    let metrics = metrics(eps_keys);
    let values = |label: &str, f: &dyn Fn(&BatchRun) -> f64| -> Vec<f64> {
        runs.iter()
            .filter(|r| r.batch_label == label)
            .map(f)
            .collect()
    };
    pairs(batches)
        .into_iter()
        .flat_map(|(a, b)| {
            metrics
                .iter()
                .map(|(metric, f)| BatchComparison {
                    test: welch(&values(&a, f.as_ref()), &values(&b, f.as_ref())),
                    a: a.clone(),
                    b: b.clone(),
                    metric: metric.clone(),
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

/// A number in a table: 4 decimals, or 4 significant digits when small or large.
fn g(v: f64) -> String {
    match v.abs() {
        a if !a.is_finite() => "–".into(),
        0.0 => "0".into(),
        a if !(1e-3..1e5).contains(&a) => format!("{v:.3e}"),
        _ => format!("{v:.4}"),
    }
}

/// A p-value as a table shows it.
pub fn show_p(p: f64) -> String {
    match p {
        p if p.is_nan() => "–".into(),
        p if p < 1e-4 => format!("{p:.1e}"),
        p => format!("{p:.4}"),
    }
}

/// The verdict on one comparison, in words.
pub fn verdict(c: &Welch) -> String {
    match (&c.note, c.significant) {
        (Some(note), _) if c.p.is_nan() => note.clone(),
        (_, true) => "significant at 5 %".into(),
        (_, false) => "not significant at 5 %: the seeds cannot tell these apart".into(),
    }
}

/// The table of `report.md`.
pub fn markdown(comparisons: &[BatchComparison]) -> String {
    let mut md = String::from(
        "## Comparisons\n\nBatch size b against batch size a over the seeds: the difference of \
         the means (b − a) with its 95 % confidence interval, Welch's two-sided t-test and \
         Cohen's d. With few seeds only large differences can be told from seed-to-seed \
         spread.\n\n| a | b | metric | difference | 95 % CI | p | Cohen's d | verdict |\n\
         |---|---|---|---|---|---|---|---|\n",
    );
    for c in comparisons {
        let t = &c.test;
        md.push_str(&format!(
            "| {} | {} | {} | {} | [{}, {}] | {} | {} | {} |\n",
            c.a,
            c.b,
            c.metric,
            g(t.diff),
            g(t.ci95[0]),
            g(t.ci95[1]),
            show_p(t.p),
            g(t.cohen_d),
            verdict(t)
        ));
    }
    md
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smallest_against_largest_then_neighbours() {
        let b = |l: &str, s: usize| (l.to_string(), s);
        let got = pairs(&[b("full", 1000), b("8", 8), b("10%", 100), b("32", 32)]);
        let want: Vec<(String, String)> =
            [("8", "full"), ("8", "32"), ("32", "10%"), ("10%", "full")]
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect();
        assert_eq!(got, want);
        assert_eq!(pairs(&[b("8", 8), b("full", 64)]).len(), 1);
        assert!(pairs(&[b("8", 8)]).is_empty());
    }
}
