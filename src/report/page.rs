//! One self-contained HTML page: a header with the run's name and kind, its key numbers
//! and config, then the kind's sections of text, tables and charts. Charts are plotly
//! figures (or a landscape: a 3-D surface beside its contour map, built by the page's
//! script) whose data travel as one JSON block; plotly.js and the page's own script and
//! style are written inline, so the page fetches nothing when viewed.

use super::plotly_js;
use serde_json::{json, Map, Value};
use std::fmt::Write;

/// The page's script: draws every figure, links a landscape's two views, and records
/// what it drew in `data-rendered` on `<body>` (read by the browser test).
const SCRIPT: &str = include_str!("page.js");
const STYLE: &str = include_str!("page.css");

/// Runs first: keeps every uncaught error, rejected promise and `console.error` of the
/// page in `window.losscapeErrors`, which page.js writes to `<body data-errors>`.
const ERRORS: &str = "window.losscapeErrors = [];\
    window.addEventListener('error', (e) => losscapeErrors.push(String(e.message)));\
    window.addEventListener('unhandledrejection', (e) => losscapeErrors.push(String(e.reason)));\
    (function () { const ce = console.error; console.error = function (...a) {\
    losscapeErrors.push(a.map(String).join(' ')); ce.apply(console, a); }; })();";

/// A page being built.
pub struct Page {
    title: String,
    body: String,
    figures: Map<String, Value>,
}

/// A table cell: text, or a link to a file of the run folder.
pub enum Cell {
    Text(String),
    Link { text: String, href: String },
}

impl From<String> for Cell {
    fn from(s: String) -> Self {
        Cell::Text(s)
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Cell::Text(s.to_string())
    }
}

impl Page {
    /// A page for the run `name` of `kind`: its header, `numbers` (the summary as JSON:
    /// its scalar fields become the key-number table) and its `config` text.
    pub fn new(name: &str, kind: &str, numbers: &Value, config: Option<&str>) -> Page {
        let mut page = Page {
            title: format!("{name} · {kind} · losscape"),
            body: String::new(),
            figures: Map::new(),
        };
        let _ = write!(
            page.body,
            "<header><h1>{}</h1><p class=\"kind\">{} run · report written by losscape {}</p></header>",
            escape(name),
            escape(kind),
            env!("CARGO_PKG_VERSION")
        );
        page.section("Key numbers (summary.json)");
        page.body.push_str("<div class=\"numbers\">");
        for (k, v) in key_numbers(numbers) {
            let _ = write!(
                page.body,
                "<div><span class=\"k\">{}</span> <span class=\"v\">{}</span></div>",
                escape(&k),
                escape(&v)
            );
        }
        page.body.push_str("</div>");
        if let Some(text) = config {
            let _ = write!(
                page.body,
                "<details><summary>Config (config.toml)</summary><pre>{}</pre></details>",
                escape(text)
            );
        }
        page
    }

    /// Starts a section titled `title`.
    pub fn section(&mut self, title: &str) {
        let _ = write!(self.body, "<h2>{}</h2>", escape(title));
    }

    /// A paragraph of plain text.
    pub fn text(&mut self, text: &str) {
        let _ = write!(self.body, "<p>{}</p>", escape(text));
    }

    /// A table with a header row.
    pub fn table(&mut self, header: &[&str], rows: Vec<Vec<Cell>>) {
        self.body.push_str("<table><thead><tr>");
        for h in header {
            let _ = write!(self.body, "<th>{}</th>", escape(h));
        }
        self.body.push_str("</tr></thead><tbody>");
        for row in rows {
            self.body.push_str("<tr>");
            for cell in row {
                match cell {
                    Cell::Text(t) => {
                        let _ = write!(self.body, "<td>{}</td>", escape(&t));
                    }
                    Cell::Link { text, href } => {
                        let _ = write!(
                            self.body,
                            "<td><a href=\"{}\">{}</a></td>",
                            escape(&href),
                            escape(&text)
                        );
                    }
                }
            }
            self.body.push_str("</tr>");
        }
        self.body.push_str("</tbody></table>");
    }

    /// A plotly figure: `data` (the traces) and `layout`.
    pub fn figure(&mut self, data: Value, layout: Value) {
        let id = self.next_id();
        let _ = write!(self.body, "<div class=\"chart\" id=\"{id}\"></div>");
        self.figures.insert(
            id,
            json!({ "type": "plot", "data": data, "layout": layout }),
        );
    }

    /// Several figures side by side (each `(data, layout)`).
    pub fn figures_row(&mut self, figures: Vec<(Value, Value)>) {
        self.body.push_str("<div class=\"row\">");
        for (data, layout) in figures {
            self.figure(data, layout);
        }
        self.body.push_str("</div>");
    }

    /// A landscape: the 3-D surface and the contour map of a 2-D slice, with tabs for
    /// its `sets` (train, test), a log/linear toggle and linked hover (see page.js for
    /// the fields of `spec`).
    pub fn landscape(&mut self, spec: Value, sets: &[&str], log: bool) {
        let id = self.next_id();
        let _ = write!(
            self.body,
            "<div class=\"landscape\" id=\"{id}\"><div class=\"controls\">"
        );
        for (i, set) in sets.iter().enumerate() {
            let _ = write!(
                self.body,
                "<button class=\"tab{}\" data-set=\"{}\">{}</button>",
                if i == 0 { " on" } else { "" },
                escape(set),
                escape(set)
            );
        }
        let _ = write!(
            self.body,
            "<label><input type=\"checkbox\" class=\"log\"{}> log colour scale</label></div>\
             <div class=\"row\"><div class=\"chart surface\" id=\"{id}-surface\"></div>\
             <div class=\"chart contour\" id=\"{id}-contour\"></div></div></div>",
            if log { " checked" } else { "" }
        );
        let mut spec = spec;
        spec["type"] = json!("landscape");
        self.figures.insert(id, spec);
    }

    fn next_id(&self) -> String {
        format!("fig{}", self.figures.len() + 1)
    }

    /// The whole page.
    pub fn finish(self) -> String {
        let figures = Value::Object(self.figures).to_string();
        format!(
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <title>{}</title><style>{STYLE}</style>\n<script>{ERRORS}</script>\n\
             <script>{}</script>\n</head>\
             <body>{}\n<script type=\"application/json\" id=\"losscape-figures\">{}</script>\n\
             <script>{SCRIPT}</script></body></html>\n",
            escape(&self.title),
            plotly_js::source(),
            self.body,
            in_script(&figures)
        )
    }
}

/// `text` with the characters that mean something in HTML escaped.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// JSON text made safe inside a `<script>` element: `<` only occurs inside strings in
/// JSON, where `\u003c` means the same, so no `</script>` can end the element.
fn in_script(json: &str) -> String {
    json.replace('<', "\\u003c")
}

/// A number for a chart: 6 significant digits (a page of a 201×201 slice stays small),
/// null when not finite (plotly leaves a gap).
pub fn num(v: f64) -> Value {
    if !v.is_finite() {
        return Value::Null;
    }
    let rounded: f64 = format!("{v:.5e}").parse().unwrap_or(v);
    json!(rounded)
}

/// [`num`] of every value.
pub fn nums(v: &[f64]) -> Value {
    Value::Array(v.iter().map(|&x| num(x)).collect())
}

/// A number for a table: 6 significant digits, without trailing zeros.
pub fn show(v: f64) -> String {
    show_sig(v, 6)
}

/// A number with `sig` (≥ 1) significant digits, without trailing zeros.
pub fn show_sig(v: f64, sig: usize) -> String {
    if !v.is_finite() {
        return format!("{v}");
    }
    let a = v.abs();
    if a != 0.0 && !(1e-4..1e6).contains(&a) {
        return format!("{v:.*e}", sig - 1);
    }
    let digits = (sig as i32 - 1 - a.log10().floor().max(-5.0) as i32).clamp(0, 10) as usize;
    let s = format!("{v:.digits$}");
    match s.contains('.') {
        true => s.trim_end_matches('0').trim_end_matches('.').to_string(),
        false => s,
    }
}

/// "2nd", "3rd", "4th", "21st", ...
pub fn ordinal(k: usize) -> String {
    let suffix = match (k % 10, k % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{k}{suffix}")
}

/// The name serde gives a unit enum variant (`converged`, `not_critical`), spaces for
/// underscores.
pub fn label<T: serde::Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(Value::String(s)) => s.replace('_', " "),
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

/// The summary's scalar fields, nested objects as dotted names, short lists inline;
/// long lists and lists of objects (runs, critical points) are left to the sections.
fn key_numbers(v: &Value) -> Vec<(String, String)> {
    fn walk(prefix: &str, v: &Value, out: &mut Vec<(String, String)>) {
        let scalar = |v: &Value| match v {
            Value::Number(n) => n.as_f64().map(show),
            Value::String(s) => Some(s.clone()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        };
        match v {
            Value::Object(map) => {
                for (k, x) in map {
                    let name = match prefix.is_empty() {
                        true => k.clone(),
                        false => format!("{prefix}.{k}"),
                    };
                    walk(&name, x, out);
                }
            }
            Value::Array(items) if items.len() <= 6 && items.iter().all(|x| !x.is_object()) => {
                let shown: Vec<String> = items
                    .iter()
                    .map(|x| match x {
                        Value::Array(_) => x.to_string(),
                        _ => scalar(x).unwrap_or_else(|| "null".into()),
                    })
                    .collect();
                out.push((prefix.to_string(), format!("[{}]", shown.join(", "))));
            }
            Value::Array(_) => {}
            _ => {
                if let Some(s) = scalar(v) {
                    out.push((prefix.to_string(), s));
                }
            }
        }
    }
    let mut out = Vec::new();
    walk("", v, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_data_cannot_break_out_of_the_page() {
        assert_eq!(
            escape("<b>\"a\" & 'b'</b>"),
            "&lt;b&gt;&quot;a&quot; &amp; &#39;b&#39;&lt;/b&gt;"
        );
        let evil = json!({ "name": "</script><script>alert(1)</script>" }).to_string();
        let safe = in_script(&evil);
        assert!(!safe.contains('<'));
        // The same JSON value.
        let back: Value = serde_json::from_str(&safe).unwrap();
        assert_eq!(back["name"], "</script><script>alert(1)</script>");
    }

    #[test]
    fn numbers_keep_six_significant_digits() {
        assert_eq!(num(0.0021752286702394485), json!(0.00217523));
        assert_eq!(num(-123456789.0), json!(-123457000.0));
        assert_eq!(num(f64::NAN), Value::Null);
        assert_eq!(show(0.0021752286702394485), "0.00217523");
        assert_eq!(show(1.0), "1");
        assert_eq!(show(2601.0), "2601");
        assert_eq!(show(-0.023405702111102444), "-0.0234057");
        assert_eq!(show(3.2e-9), "3.20000e-9");
        assert_eq!(show_sig(0.0095098812, 4), "0.00951");
        assert_eq!(show_sig(149.80714, 4), "149.8");
        assert_eq!(show_sig(-0.0022621, 2), "-0.0023");
        let o: Vec<String> = [1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 112]
            .map(ordinal)
            .into();
        assert_eq!(
            o,
            [
                "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st",
                "112th"
            ]
        );
    }

    #[test]
    fn key_numbers_flatten_objects_and_leave_long_lists_out() {
        let v = json!({
            "name": "s", "seconds": 0.5, "training": { "steps": 10 },
            "grid": [51, 51], "runs": [{ "a": 1 }], "values": (0..10).collect::<Vec<_>>(),
            "none": null
        });
        let got = key_numbers(&v);
        let names: Vec<&str> = got.iter().map(|(k, _)| k.as_str()).collect();
        // serde_json's maps are sorted by key.
        assert_eq!(names, ["grid", "name", "seconds", "training.steps"]);
        assert_eq!(got[0].1, "[51, 51]");
    }
}
