//! CSV reader: a header row, numbers between delimiters, target column(s) by name.
//!
//! Records are split by the `csv` crate (RFC 4180): the delimiter is one byte (`,` by
//! default; `[data] delimiter` picks another, e.g. `;` or a tab); a field that starts
//! with a double quote runs to the closing quote and may hold delimiters, newlines and
//! `""` (an escaped quote); `\n` or `\r\n` ends a record. On top of that:
//! - a UTF-8 byte-order mark at the start of the file is skipped;
//! - blank lines (only spaces and tabs) are skipped; spaces and tabs around a field are
//!   trimmed (a quote opens a quoted field only as the field's first character);
//! - a quote still open at the end of the file is an error ("unterminated quote"), not
//!   a field that swallowed the rest of the file;
//! - the first non-blank record is the header; a header whose first column has no name
//!   (or is named `Unnamed: 0`) is refused as the row index pandas writes, with the fix;
//! - a path ending in `.gz` is decompressed on the fly.
//!
//! Every column not named as a target is a feature, in header order. Only regular files
//! are read, and at most [`DATA_LIMIT`] (1 GiB) of text, raw or decompressed. The header
//! is parsed in time linear in its columns. Cells and names reach messages only through
//! [`quote`] (short, no control characters). Targets become class labels
//! (`Labels::Classes`, n_classes = max label + 1) or real values (`Labels::Values`,
//! n × k): see [`read_csv`]. Errors name the file and the 1-based line (where the
//! record starts), and the column where one is at fault.

use std::collections::{HashMap, HashSet};
use std::io::{Chain, Cursor, Read};
use std::path::Path;

use ndarray::Array2;

use crate::data::config::Task;
use crate::data::{Dataset, Labels};
use crate::error::{quote, Error, Result};
use crate::io::read::{self, DATA_LIMIT};

/// The UTF-8 byte-order mark some editors (and Excel's "CSV UTF-8") put first.
const BOM: &[u8] = b"\xef\xbb\xbf";

/// Appended to the text so that the end of the file can be told apart from the end of
/// a record: `\n` closes a last record that has no newline of its own, and `\xff` (a
/// byte no UTF-8 text holds) then forms a record of its own, or ends the last field
/// when a quote was left open.
const END_MARK: &[u8] = b"\n\xff";

type Marked<R> = Chain<Chain<Cursor<Vec<u8>>, R>, &'static [u8]>;

/// The non-blank records of a CSV text, one at a time, as trimmed UTF-8 fields.
struct Records<'p, R: Read> {
    path: &'p Path,
    reader: csv::Reader<Marked<R>>,
    delimiter: u8,
    /// Bytes of the byte-order mark skipped at the start (0 or 3).
    skipped: u64,
    /// The current record (valid UTF-8 once [`Records::advance`] returned it).
    record: csv::StringRecord,
    /// Scratch for the raw bytes of the next record.
    raw: csv::ByteRecord,
}

impl<'p, R: Read> Records<'p, R> {
    /// Records of `text`, fields split at `delimiter`; `path` names the file in errors.
    fn new(path: &'p Path, mut text: R, delimiter: u8) -> Result<Self> {
        let mut start = read::read_up_to(&mut text, path, BOM.len() as u64)?;
        let skipped = if start == BOM {
            start.clear();
            BOM.len() as u64
        } else {
            0
        };
        // Only `\n` ends a record, so that the reader's line count is exact; the `\r`
        // of `\r\n` ends the last field and is trimmed with it.
        let reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .terminator(csv::Terminator::Any(b'\n'))
            .has_headers(false)
            .flexible(true)
            .from_reader(Cursor::new(start).chain(text).chain(END_MARK));
        Ok(Records {
            path,
            reader,
            delimiter,
            skipped,
            record: csv::StringRecord::new(),
            raw: csv::ByteRecord::new(),
        })
    }

    /// Read the next non-blank record into `self.record` and return the 1-based line it
    /// starts on; `None` after the last one.
    fn advance(&mut self) -> Result<Option<usize>> {
        // Reuse the current record's buffers for the next one.
        self.raw = std::mem::take(&mut self.record).into_byte_record();
        loop {
            if !self.read_raw()? {
                return Ok(None);
            }
            // The reader's line count is past the record (and any blank lines it
            // skipped before it): step back over the newlines inside quoted fields and
            // the one that ended the record, which every record but an unterminated
            // one has (the end mark supplies the last).
            let open_quote = self
                .raw
                .iter()
                .next_back()
                .is_some_and(|f| f.ends_with(END_MARK));
            let newlines = self.raw.as_slice().iter().filter(|&&b| b == b'\n').count();
            let line = (self.reader.position().line() as usize)
                .saturating_sub(newlines + usize::from(!open_quote));
            if self.raw.len() == 1 && &self.raw[0] == b"\xff" {
                // The end mark, unless the text itself held more after it.
                return if self.read_raw()? {
                    Err(self.not_utf8(line))
                } else {
                    Ok(None)
                };
            }
            let fields = self.raw.len();
            if open_quote {
                return Err(Error::data(
                    self.path,
                    Some(line),
                    format!("unterminated quote in field {fields}"),
                ));
            }
            self.record = csv::StringRecord::from_byte_record(std::mem::take(&mut self.raw))
                .map_err(|_| self.not_utf8(line))?;
            self.record.trim();
            // A line of only spaces and tabs is blank: one field, or several when the
            // delimiter is a tab; a line such as ",," is a row of empty fields.
            let blank =
                self.record.iter().all(str::is_empty) && (fields == 1 || self.delimiter == b'\t');
            if !blank {
                return Ok(Some(line));
            }
            self.raw = std::mem::take(&mut self.record).into_byte_record();
        }
    }

    fn read_raw(&mut self) -> Result<bool> {
        self.reader
            .read_byte_record(&mut self.raw)
            .map_err(|e| csv_error(self.path, e))
    }

    fn not_utf8(&self, line: usize) -> Error {
        Error::data(self.path, Some(line), "not valid UTF-8 text")
    }

    /// Bytes of the file read so far (the byte-order mark included).
    fn bytes_read(&self) -> u64 {
        self.reader.position().byte() + self.skipped
    }
}

/// A `csv` crate error as ours: read errors (the size caps, gzip damage) stay
/// [`Error::Io`]; anything else is [`Error::Data`] with the crate's text quoted.
fn csv_error(path: &Path, e: csv::Error) -> Error {
    let text = e.to_string();
    match e.into_kind() {
        csv::ErrorKind::Io(e) => Error::io(path, e),
        _ => Error::data(path, None, quote(&text)),
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

/// Read a comma-separated file into a data set: [`read_delimited`] with `,`.
pub fn read_csv(
    path: &Path,
    target: &[&str],
    task: Option<Task>,
    labels_required: bool,
) -> Result<Dataset> {
    read_delimited(path, b',', target, task, labels_required)
}

/// Read a CSV file whose fields are separated by `delimiter` into a data set.
///
/// `target` names the target column(s). `task` chooses the target kind; when `None`
/// the target is class labels if `labels_required` (the loss needs them) or if there is
/// one target column whose values are all non-negative integers, else real values.
/// Class labels must be non-negative integers (error with the line otherwise).
pub fn read_delimited(
    path: &Path,
    delimiter: u8,
    target: &[&str],
    task: Option<Task>,
    labels_required: bool,
) -> Result<Dataset> {
    let reader = read::open_maybe_gz(path, DATA_LIMIT, "the 1 GiB cap on CSV data")?;
    parse_delimited(path, reader, delimiter, target, task, labels_required)
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
    parse_delimited(path, reader, b',', target, task, labels_required)
}

/// The header of a CSV file as the reader uses it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CsvHeader {
    /// 1-based line the header starts on.
    pub line: usize,
    /// Column names, trimmed, in file order.
    pub names: Vec<String>,
    /// Feature columns, in header order.
    pub features: Vec<usize>,
    /// Target columns, in the order the targets were asked for.
    pub targets: Vec<usize>,
}

/// The header of the CSV file `path` and the bytes of text up to its end, reading at
/// most `max_bytes` (+ 1) of text: a header that does not end by then is an error. The
/// header is checked as [`read_delimited`] checks it (names, targets, features).
pub fn read_header(
    path: &Path,
    delimiter: u8,
    target: &[&str],
    max_bytes: u64,
) -> Result<(CsvHeader, u64)> {
    let text = read::open_maybe_gz(path, DATA_LIMIT, "the 1 GiB cap on CSV data")?;
    let mut records = Records::new(path, text.take(max_bytes.saturating_add(1)), delimiter)?;
    let too_long = |line| {
        Error::data(
            path,
            line,
            format!("the header line is longer than {max_bytes} bytes"),
        )
    };
    let Some(line) = records.advance()? else {
        return Err(if records.bytes_read() > max_bytes {
            too_long(None)
        } else {
            no_header(path)
        });
    };
    if records.bytes_read() > max_bytes {
        return Err(too_long(Some(line)));
    }
    let header = parse_header(line, &records.record, target)
        .map_err(|m| Error::data(path, Some(line), m))?;
    Ok((header, records.bytes_read()))
}

fn no_header(path: &Path) -> Error {
    Error::data(
        path,
        None,
        "empty file: expected a header row naming the columns",
    )
}

/// [`read_delimited`] from the text in `reader` (already decompressed); `path` only
/// names the file in errors.
pub fn parse_delimited(
    path: &Path,
    reader: impl Read,
    delimiter: u8,
    target: &[&str],
    task: Option<Task>,
    labels_required: bool,
) -> Result<Dataset> {
    let err = |line: Option<usize>, msg: String| Error::data(path, line, msg);
    let mut records = Records::new(path, reader, delimiter)?;
    let Some(line) = records.advance()? else {
        return Err(no_header(path));
    };
    let header = parse_header(line, &records.record, target).map_err(|m| err(Some(line), m))?;
    let names = &header.names;
    let (mut x, mut t, mut row_lines) = (Vec::new(), Vec::new(), Vec::new());
    let mut row = Vec::new();
    while let Some(line_no) = records.advance()? {
        let fields = &records.record;
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
        x.extend(header.features.iter().map(|&c| row[c]));
        t.extend(header.targets.iter().map(|&c| row[c]));
        row_lines.push(line_no);
    }
    let n = row_lines.len();
    if n == 0 {
        return Err(err(None, "no data rows after the header".into()));
    }
    let k = header.targets.len();
    let x = Array2::from_shape_vec((n, header.features.len()), x).expect("n × d");
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

/// The name pandas gives a column without a header cell when it reads a file, which
/// is what a saved row index is called after a round trip through `pd.read_csv`.
const PANDAS_UNNAMED_INDEX: &str = "Unnamed: 0";

/// The header record `fields` (found on `line`) checked and resolved against `target`,
/// in time linear in the number of columns.
fn parse_header(
    line: usize,
    fields: &csv::StringRecord,
    target: &[&str],
) -> std::result::Result<CsvHeader, String> {
    let names: Vec<String> = fields.iter().map(str::to_string).collect();
    match names.first().map(String::as_str) {
        Some("") => {
            return Err(
                "header: column 1 has no name, as the row index pandas writes by default; \
                 save the data without it, df.to_csv(path, index=False), or give the column \
                 a name"
                    .into(),
            )
        }
        Some(PANDAS_UNNAMED_INDEX) => {
            return Err(format!(
                "header: column 1 is `{PANDAS_UNNAMED_INDEX}`, the row index pandas saved; \
                 drop it: df.to_csv(path, index=False) (reading the old file with \
                 pd.read_csv(path, index_col=0) first), or rename the column"
            ))
        }
        _ => {}
    }
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
    let mut targets = Vec::with_capacity(target.len());
    let mut listed = HashSet::with_capacity(target.len());
    for want in target {
        if !listed.insert(*want) {
            return Err(format!("target column `{}` is listed twice", quote(want)));
        }
        match column_of.get(want) {
            Some(&c) => targets.push(c),
            None => {
                return Err(format!(
                    "missing target column `{}`; the header has: {}",
                    quote(want),
                    list(&names)
                ))
            }
        }
    }
    let is_target: HashSet<usize> = targets.iter().copied().collect();
    let features: Vec<usize> = (0..names.len())
        .filter(|c| !is_target.contains(c))
        .collect();
    if features.is_empty() {
        return Err("no feature columns: every column is a target".into());
    }
    Ok(CsvHeader {
        line,
        names,
        features,
        targets,
    })
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

    /// Every non-blank record of `text` with its line, as the reader sees them.
    fn records(text: &str, delimiter: u8) -> Result<Vec<(usize, Vec<String>)>> {
        let path = Path::new("r.csv");
        let mut r = Records::new(path, text.as_bytes(), delimiter)?;
        let mut out = Vec::new();
        while let Some(line) = r.advance()? {
            out.push((line, r.record.iter().map(str::to_string).collect()));
        }
        Ok(out)
    }

    fn row(line: usize, fields: &[&str]) -> (usize, Vec<String>) {
        (line, fields.iter().map(|f| f.to_string()).collect())
    }

    #[test]
    fn quotes_blank_lines_and_the_end_of_the_text() {
        assert_eq!(
            records("\"a,b\" ,\"say \"\"hi\"\"\",c \n\n \t \n\"x\ny\",2", b',').unwrap(),
            vec![row(1, &["a,b", "say \"hi\"", "c"]), row(4, &["x\ny", "2"])]
        );
        assert_eq!(
            records("a,,b,\n", b',').unwrap(),
            vec![row(1, &["a", "", "b", ""])]
        );
        // A tab-only line is blank when tab is the delimiter; ",," is a row.
        assert_eq!(
            records("a\tb\n\t\n1\t2\n", b'\t').unwrap(),
            vec![row(1, &["a", "b"]), row(3, &["1", "2"])]
        );
        assert_eq!(records(",,\n", b',').unwrap(), vec![row(1, &["", "", ""])]);
        // `\r\n` endings, around a quoted field holding a newline and after blank lines:
        // lines count from the file's own newlines.
        assert_eq!(
            records("a,b\r\n\r\n \r\n\"x\r\ny\",\"2\"\r\n3,4", b',').unwrap(),
            vec![
                row(1, &["a", "b"]),
                row(4, &["x\r\ny", "2"]),
                row(6, &["3", "4"])
            ]
        );
        // The end mark is not a record, with or without a final newline.
        assert_eq!(records("a\n", b',').unwrap(), vec![row(1, &["a"])]);
        assert_eq!(records("", b',').unwrap(), vec![]);
        // A byte 0xff in the text is not taken for the end mark.
        let path = Path::new("r.csv");
        let mut r = Records::new(path, &b"a\n\xff\nb\n"[..], b',').unwrap();
        assert_eq!(r.advance().unwrap(), Some(1));
        let e = r.advance().unwrap_err().to_string();
        assert!(e.contains("line 2: not valid UTF-8 text"), "{e}");
        let e = records("a,\"b\nc\n", b',').unwrap_err().to_string();
        assert!(e.contains("line 1: unterminated quote in field 2"), "{e}");
    }

    #[test]
    fn read_header_counts_bytes_and_caps_the_header() {
        let dir = TempDir::new().unwrap();
        // BOM (3 bytes) + blank line (1) + "a;\"b\nc\";y\n" (10): 14 bytes up to the rows.
        let p = write(&dir, "h.csv", "\u{feff}\na;\"b\nc\";y\n1;2;0\n");
        let (h, bytes) = read_header(&p, b';', &["y"], 100).unwrap();
        assert_eq!(
            h,
            CsvHeader {
                line: 2,
                names: vec!["a".into(), "b\nc".into(), "y".into()],
                features: vec![0, 1],
                targets: vec![2],
            }
        );
        assert_eq!(bytes, 14);
        let e = read_header(&p, b';', &["y"], 13).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "{}, line 2: the header line is longer than 13 bytes",
                p.display()
            )
        );
        let p = write(&dir, "blank.csv", &"\n".repeat(50));
        let e = read_header(&p, b',', &["y"], 20).unwrap_err().to_string();
        assert!(
            e.ends_with("blank.csv: the header line is longer than 20 bytes"),
            "{e}"
        );
        let e = read_header(&p, b',', &["y"], 100).unwrap_err().to_string();
        assert!(
            e.ends_with("empty file: expected a header row naming the columns"),
            "{e}"
        );
    }
}
