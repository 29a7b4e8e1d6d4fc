//! CSV reader: a header row, comma-separated numbers, target column(s) by name.
//!
//! Every column not named as a target is a feature, in header order. Fields may be
//! wrapped in double quotes (`""` escapes a quote inside); blank lines are skipped;
//! `\r\n` endings are accepted; a path ending in `.gz` is decompressed on the fly.
//! Only regular files are read, and at most [`DATA_LIMIT`] (1 GiB) of text, raw or
//! decompressed. The header is parsed in time linear in its columns. Cells and names
//! reach messages only through [`quote`] (short, no control characters).
//! Targets become class labels (`Labels::Classes`, n_classes = max label + 1) or real
//! values (`Labels::Values`, n × k): see [`read_csv`]. Errors name the file and the
//! 1-based line, and the column where one is at fault.

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use ndarray::Array2;

use crate::data::config::Task;
use crate::data::{Dataset, Labels};
use crate::error::{quote, Error, Result};
use crate::io::read::{self, DATA_LIMIT};

/// Split one line into trimmed fields, honouring double quotes.
fn split_fields(line: &str) -> std::result::Result<Vec<String>, String> {
    let mut fields = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        let mut field = String::new();
        while chars.peek().is_some_and(|c| *c == ' ' || *c == '\t') {
            chars.next();
        }
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next() {
                    Some('"') if chars.peek() == Some(&'"') => {
                        chars.next();
                        field.push('"');
                    }
                    Some('"') => break,
                    Some(c) => field.push(c),
                    None => {
                        return Err(format!("unterminated quote in field {}", fields.len() + 1))
                    }
                }
            }
            while chars.peek().is_some_and(|c| *c == ' ' || *c == '\t') {
                chars.next();
            }
            match chars.peek() {
                None | Some(',') => {}
                Some(c) => {
                    return Err(format!(
                        "unexpected `{}` after closing quote in field {}",
                        quote(&c.to_string()),
                        fields.len() + 1
                    ))
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == ',' {
                    break;
                }
                field.push(c);
                chars.next();
            }
            field.truncate(field.trim_end().len());
        }
        fields.push(field);
        if chars.next().is_none() {
            return Ok(fields);
        }
    }
}

/// `names` joined for a message, cut after 20.
fn list(names: &[String]) -> String {
    let mut s = names
        .iter()
        .take(20)
        .map(|n| quote(n))
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > 20 {
        s.push_str(&format!(", ... ({} columns)", names.len()));
    }
    s
}

/// Read a CSV file into a data set.
///
/// `target` names the target column(s). `task` chooses the target kind; when `None`
/// the target is class labels if `labels_required` (the loss needs them) or if there is
/// one target column whose values are all non-negative integers, else real values.
/// Class labels must be non-negative integers (error with the line otherwise).
pub fn read_csv(
    path: &Path,
    target: &[&str],
    task: Option<Task>,
    labels_required: bool,
) -> Result<Dataset> {
    let reader = read::open_maybe_gz(path, DATA_LIMIT, "the 1 GiB cap on CSV data")?;
    parse_csv(path, reader, target, task, labels_required)
}

/// [`read_csv`] from the text in `reader` (already decompressed); `path` only names the
/// file in errors.
pub fn parse_csv(
    path: &Path,
    reader: impl Read,
    target: &[&str],
    task: Option<Task>,
    labels_required: bool,
) -> Result<Dataset> {
    let err = |line: Option<usize>, msg: String| Error::data(path, line, msg);
    let mut reader = BufReader::new(reader);
    let mut buf = Vec::new();
    let mut line_no = 0usize;
    let mut header: Option<(Vec<String>, Vec<usize>, Vec<usize>)> = None; // names, feature cols, target cols
    let (mut x, mut t, mut row_lines) = (Vec::new(), Vec::new(), Vec::new());
    let mut row = Vec::new();
    loop {
        buf.clear();
        if reader
            .read_until(b'\n', &mut buf)
            .map_err(|e| Error::io(path, e))?
            == 0
        {
            break;
        }
        line_no += 1;
        let line = std::str::from_utf8(&buf)
            .map_err(|_| err(Some(line_no), "not valid UTF-8 text".into()))?;
        let line = line.trim_end_matches(['\n', '\r']);
        if line.trim().is_empty() {
            continue;
        }
        let fields = split_fields(line).map_err(|m| err(Some(line_no), m))?;
        let Some((names, feat, tcols)) = &header else {
            header = Some(parse_header(fields, target).map_err(|m| err(Some(line_no), m))?);
            continue;
        };
        if fields.len() != names.len() {
            return Err(err(
                Some(line_no),
                format!(
                    "expected {} fields as in the header, found {}",
                    names.len(),
                    fields.len()
                ),
            ));
        }
        row.clear();
        for (field, name) in fields.iter().zip(names) {
            let v: f64 = field.parse().map_err(|_| {
                let shown = if field.is_empty() {
                    "an empty field".to_string()
                } else {
                    format!("`{}`", quote(field))
                };
                err(
                    Some(line_no),
                    format!("column `{}`: {shown} is not a number", quote(name)),
                )
            })?;
            if !v.is_finite() {
                return Err(err(
                    Some(line_no),
                    format!(
                        "column `{}`: `{}` is not a finite number",
                        quote(name),
                        quote(field)
                    ),
                ));
            }
            row.push(v);
        }
        x.extend(feat.iter().map(|&c| row[c]));
        t.extend(tcols.iter().map(|&c| row[c]));
        row_lines.push(line_no);
    }
    let Some((_, feat, tcols)) = header else {
        return Err(err(
            None,
            "empty file: expected a header row naming the columns".into(),
        ));
    };
    let n = row_lines.len();
    if n == 0 {
        return Err(err(None, "no data rows after the header".into()));
    }
    let k = tcols.len();
    let x = Array2::from_shape_vec((n, feat.len()), x).expect("n × d");
    let is_label = |v: f64| v >= 0.0 && v.fract() == 0.0 && v <= u32::MAX as f64;
    let classify = match task {
        Some(Task::Classification) => true,
        Some(Task::Regression) => false,
        None => labels_required || (k == 1 && t.iter().all(|&v| is_label(v))),
    };
    if !classify {
        let y = Array2::from_shape_vec((n, k), t).expect("n × k");
        return Ok(Dataset {
            x,
            y: Labels::Values(y),
        });
    }
    if k != 1 {
        return Err(err(
            None,
            format!(
                "class labels need one target column, got {k}: {}",
                quote(&target.join(", "))
            ),
        ));
    }
    let mut labels = Vec::with_capacity(n);
    for (&v, &line) in t.iter().zip(&row_lines) {
        if !is_label(v) {
            let why = if labels_required {
                " (the loss needs class labels)"
            } else {
                ""
            };
            return Err(err(
                Some(line),
                format!(
                    "column `{}`: {v} is not a class label (a non-negative integer){why}",
                    quote(target[0])
                ),
            ));
        }
        labels.push(v as u32);
    }
    let n_classes = *labels.iter().max().expect("n > 0") as usize + 1;
    Ok(Dataset {
        x,
        y: Labels::Classes { labels, n_classes },
    })
}

/// Column names, feature column indices, target column indices (in `target` order),
/// found in time linear in the number of columns.
#[allow(clippy::type_complexity)]
fn parse_header(
    names: Vec<String>,
    target: &[&str],
) -> std::result::Result<(Vec<String>, Vec<usize>, Vec<usize>), String> {
    let mut column_of: HashMap<&str, usize> = HashMap::with_capacity(names.len());
    for (i, name) in names.iter().enumerate() {
        if name.is_empty() {
            return Err(format!("header: column {} has no name", i + 1));
        }
        if column_of.insert(name.as_str(), i).is_some() {
            return Err(format!(
                "header: column name `{}` appears twice",
                quote(name)
            ));
        }
    }
    let mut tcols = Vec::with_capacity(target.len());
    let mut listed = HashSet::with_capacity(target.len());
    for want in target {
        if !listed.insert(*want) {
            return Err(format!("target column `{}` is listed twice", quote(want)));
        }
        match column_of.get(want) {
            Some(&c) => tcols.push(c),
            None => {
                return Err(format!(
                    "missing target column `{}`; the header has: {}",
                    quote(want),
                    list(&names)
                ))
            }
        }
    }
    let is_target: HashSet<usize> = tcols.iter().copied().collect();
    let feat: Vec<usize> = (0..names.len())
        .filter(|c| !is_target.contains(c))
        .collect();
    if feat.is_empty() {
        return Err("no feature columns: every column is a target".into());
    }
    Ok((names, feat, tcols))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use tempfile::TempDir;

    fn write(dir: &TempDir, name: &str, text: &str) -> std::path::PathBuf {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    fn msg(r: Result<Dataset>) -> (Option<usize>, String) {
        match r.unwrap_err() {
            Error::Data { line, msg, .. } => (line, msg),
            e => panic!("unexpected {e}"),
        }
    }

    #[test]
    fn happy_path_classes_and_values() {
        let dir = TempDir::new().unwrap();
        let p = write(&dir, "a.csv", "a, \"b\",label\r\n1,2,0\n\n3.5,-4e1,2\n");
        let d = read_csv(&p, &["label"], None, false).unwrap();
        assert_eq!(d.x, ndarray::array![[1., 2.], [3.5, -40.]]);
        assert_eq!(
            d.y,
            Labels::Classes {
                labels: vec![0, 2],
                n_classes: 3
            }
        );

        let d = read_csv(&p, &["label"], Some(Task::Regression), false).unwrap();
        assert_eq!(d.y, Labels::Values(ndarray::array![[0.], [2.]]));

        // target in the middle, two targets, auto-regression on real values
        let p = write(&dir, "b.csv", "y1,f,y2\n0.5,1,2\n1.5,3,4\n");
        let d = read_csv(&p, &["y2", "y1"], None, false).unwrap();
        assert_eq!(d.x, ndarray::array![[1.], [3.]]);
        assert_eq!(d.y, Labels::Values(ndarray::array![[2., 0.5], [4., 1.5]]));
        let d = read_csv(&p, &["y1"], None, false).unwrap();
        assert_eq!(d.y, Labels::Values(ndarray::array![[0.5], [1.5]]));
    }

    #[test]
    fn gz_is_transparent() {
        let dir = TempDir::new().unwrap();
        let p = dir.path().join("a.csv.gz");
        let mut enc = flate2::write::GzEncoder::new(
            std::fs::File::create(&p).unwrap(),
            flate2::Compression::default(),
        );
        enc.write_all(b"x,label\n0.25,1\n0.75,0\n").unwrap();
        enc.finish().unwrap();
        let d = read_csv(&p, &["label"], None, true).unwrap();
        assert_eq!(d.x, ndarray::array![[0.25], [0.75]]);
        assert_eq!(
            d.y,
            Labels::Classes {
                labels: vec![1, 0],
                n_classes: 2
            }
        );
    }

    #[test]
    fn errors_name_line_and_column() {
        let dir = TempDir::new().unwrap();
        let cases = [
            (
                "a,label\n1,0\n1,2,3\n",
                (Some(3), "expected 2 fields as in the header, found 3"),
            ),
            (
                "a,label\n1,0\nabc,1\n",
                (Some(3), "column `a`: `abc` is not a number"),
            ),
            (
                "a,label\n1,0\n,1\n",
                (Some(3), "column `a`: an empty field is not a number"),
            ),
            (
                "a,label\n1,0\n\nNaN,1\n",
                (Some(4), "column `a`: `NaN` is not a finite number"),
            ),
            (
                "a,label\ninf,0\n",
                (Some(2), "column `a`: `inf` is not a finite number"),
            ),
            (
                "a,b\n1,0\n",
                (
                    Some(1),
                    "missing target column `label`; the header has: a, b",
                ),
            ),
            (
                "a,a,label\n1,0,1\n",
                (Some(1), "header: column name `a` appears twice"),
            ),
            (
                "a,label\n1,\"0\n",
                (Some(2), "unterminated quote in field 2"),
            ),
            (
                "",
                (None, "empty file: expected a header row naming the columns"),
            ),
            (
                "\n\n",
                (None, "empty file: expected a header row naming the columns"),
            ),
            ("a,label\n", (None, "no data rows after the header")),
            (
                "label\n1\n",
                (Some(1), "no feature columns: every column is a target"),
            ),
        ];
        for (i, (text, want)) in cases.into_iter().enumerate() {
            let p = write(&dir, &format!("e{i}.csv"), text);
            let got = msg(read_csv(&p, &["label"], None, false));
            assert_eq!((got.0, got.1.as_str()), want, "case {i}: {text:?}");
        }
        // the Display form carries the file and the line
        let p = write(&dir, "w.csv", "a,label\n1,0\n1\n");
        let shown = read_csv(&p, &["label"], None, false)
            .unwrap_err()
            .to_string();
        assert!(
            shown.contains("w.csv, line 3: expected 2 fields"),
            "{shown}"
        );
    }

    #[test]
    fn bad_labels() {
        let dir = TempDir::new().unwrap();
        let p = write(&dir, "l.csv", "a,label\n1,0\n2,1.5\n3,-1\n");
        // auto: non-integer target -> regression
        assert!(matches!(
            read_csv(&p, &["label"], None, false).unwrap().y,
            Labels::Values(_)
        ));
        let (line, m) = msg(read_csv(&p, &["label"], None, true));
        assert_eq!(line, Some(3));
        assert_eq!(m, "column `label`: 1.5 is not a class label (a non-negative integer) (the loss needs class labels)");
        let (line, m) = msg(read_csv(&p, &["label"], Some(Task::Classification), false));
        assert_eq!(
            (line, m.as_str()),
            (
                Some(3),
                "column `label`: 1.5 is not a class label (a non-negative integer)"
            )
        );
        let p = write(&dir, "m.csv", "a,label\n1,0\n3,-1\n");
        assert_eq!(
            msg(read_csv(&p, &["label"], Some(Task::Classification), false)).0,
            Some(3)
        );
        // 3.0 is an integer label
        let p = write(&dir, "n.csv", "a,label\n1,3.0\n");
        assert_eq!(
            read_csv(&p, &["label"], None, true).unwrap().y,
            Labels::Classes {
                labels: vec![3],
                n_classes: 4
            }
        );
    }

    #[test]
    fn missing_file_is_io_error() {
        let dir = TempDir::new().unwrap();
        let p = dir.path().join("nope.csv");
        let e = read_csv(&p, &["label"], None, false).unwrap_err();
        assert!(matches!(&e, Error::Io { file, .. } if file == &p), "{e}");
        assert!(e.to_string().contains("nope.csv"));
    }

    #[test]
    fn split_quotes() {
        assert_eq!(
            split_fields(r#" "a,b" , "say ""hi""",c "#).unwrap(),
            vec!["a,b", "say \"hi\"", "c"]
        );
        assert_eq!(split_fields("a,,b,").unwrap(), vec!["a", "", "b", ""]);
        assert!(split_fields(r#""a"b"#).is_err());
    }
}
