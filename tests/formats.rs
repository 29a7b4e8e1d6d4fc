//! File formats read through their crates: CSV (`csv`: byte-order mark, delimiters,
//! quoted fields, the pandas index column), `.npy` (`ndarray-npy`: the messages of the
//! hand-written reader it replaced) and half-precision weights (`half`).

use std::path::{Path, PathBuf};

use losscape::data::config::{DataConfig, Source, TargetSpec, Task};
use losscape::data::csv;
use losscape::data::shape::data_shape;
use losscape::data::{Dataset, Labels};
use losscape::error::Error;
use losscape::nn::weights;
use losscape::nn::Layout;
use safetensors::tensor::{Dtype, TensorView};

use crate::common::{run, write};

fn data_msg(e: Error) -> (Option<usize>, String) {
    match e {
        Error::Data { line, msg, .. } => (line, msg),
        e => panic!("expected a data error, got {e}"),
    }
}

fn targets(d: &Dataset) -> Vec<f64> {
    match &d.y {
        Labels::Values(y) => y.iter().copied().collect(),
        Labels::Classes { labels, .. } => labels.iter().map(|&l| l as f64).collect(),
    }
}

// ---- CSV: the bundled files ------------------------------------------------------

/// One bundled CSV file and what was counted in it without losscape.
struct Bundled {
    file: &'static str,
    target: &'static str,
    rows: usize,
    columns: usize,
    /// Sum of |value| over every field of every row (awk, see below).
    abs_sum: f64,
    first: &'static [f64],
    last: &'static [f64],
}

/// Row counts are `zcat FILE | wc -l` (or `wc -l FILE`) less the header line, every line
/// being non-blank (`grep -cv '^\s*$'` gives the same count); columns are `head -1 | awk
/// -F, '{print NF}'`; the sums are
/// `zcat FILE | awk -F, 'NR>1{for(i=1;i<=NF;i++) s+=($i<0?-$i:$i)} END{printf "%.17g", s}'`
/// (written here to the shortest digits that give the same f64, and compared to 1e-12
/// relative: the reader sums in another order); the first and last rows are `sed -n 2p`
/// and `tail -1` of the text.
const BUNDLED: &[Bundled] = &[
    Bundled {
        file: "digits.csv.gz",
        target: "label",
        rows: 1797,
        columns: 65,
        abs_sum: 569788.0,
        first: &[0.0, 0.0, 5.0, 13.0, 9.0, 1.0, 0.0, 0.0],
        last: &[0.0, 0.0, 10.0, 14.0, 8.0, 1.0, 0.0, 0.0],
    },
    Bundled {
        file: "breast_cancer.csv.gz",
        target: "label",
        rows: 569,
        columns: 31,
        abs_sum: 1056831.4596356046,
        first: &[17.99, 10.38, 122.8, 1001.0, 0.1184],
        last: &[7.76, 24.54, 47.92, 181.0, 0.05263],
    },
    Bundled {
        file: "extra/iris.csv.gz",
        target: "label",
        rows: 150,
        columns: 5,
        abs_sum: 2228.6999999999985,
        first: &[5.1, 3.5, 1.4, 0.2],
        last: &[5.9, 3.0, 5.1, 1.8],
    },
    Bundled {
        file: "extra/wine.csv.gz",
        target: "label",
        rows: 178,
        columns: 14,
        abs_sum: 160142.29599899982,
        first: &[14.23, 1.71, 2.43, 15.6, 127.0],
        last: &[14.13, 4.1, 2.74, 24.5, 96.0],
    },
    Bundled {
        file: "extra/diabetes.csv.gz",
        target: "target",
        rows: 442,
        columns: 11,
        abs_sum: 343647.2335999996,
        first: &[59.0, 2.0, 32.1, 101.0, 157.0],
        last: &[36.0, 1.0, 19.6, 71.0, 250.0],
    },
    Bundled {
        file: "extra/winequality_red.csv.gz",
        target: "quality",
        rows: 1599,
        columns: 12,
        abs_sum: 152084.78194000004,
        first: &[7.4, 0.7, 0.0, 1.9, 0.076],
        last: &[6.0, 0.31, 0.47, 3.6, 0.067],
    },
    Bundled {
        file: "linnerud.csv",
        target: "pulse",
        rows: 20,
        columns: 6,
        abs_sum: 9908.0,
        first: &[5.0, 162.0, 60.0, 191.0, 36.0],
        last: &[2.0, 110.0, 43.0, 138.0, 33.0],
    },
    Bundled {
        file: "sine40.csv",
        target: "t",
        rows: 40,
        columns: 2,
        abs_sum: 87.53691892891047,
        first: &[-3.0],
        last: &[3.0],
    },
];

#[test]
fn bundled_csvs_read_the_rows_counted_outside_losscape() {
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    for b in BUNDLED {
        let path = data.join(b.file);
        let d = csv::read_csv(&path, &[b.target], Some(Task::Regression), false)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(d.x.dim(), (b.rows, b.columns - 1), "{}", b.file);
        let y = targets(&d);
        assert_eq!(y.len(), b.rows, "{}", b.file);
        let sum: f64 = d.x.iter().chain(&y).map(|v| v.abs()).sum();
        assert!(
            (sum - b.abs_sum).abs() <= 1e-12 * b.abs_sum,
            "{}: {sum} vs {}",
            b.file,
            b.abs_sum
        );
        let row = |i: usize| {
            d.x.row(i)
                .iter()
                .take(b.first.len())
                .copied()
                .collect::<Vec<_>>()
        };
        assert_eq!(row(0), b.first, "{}", b.file);
        assert_eq!(row(b.rows - 1), b.last, "{}", b.file);
    }
    // Targets: the last sine40 row is `3.0,0.1411200080598672`, the last iris label 2.
    let sine = csv::read_csv(&data.join("sine40.csv"), &["t"], None, false).unwrap();
    assert_eq!(targets(&sine)[39], 0.1411200080598672);
    let iris = csv::read_csv(&data.join("extra/iris.csv.gz"), &["label"], None, true).unwrap();
    let Labels::Classes { labels, n_classes } = &iris.y else {
        panic!("iris labels are classes")
    };
    // awk -F, 'NR>1{c[$5]++}' gives 50 of each class.
    assert_eq!(*n_classes, 3);
    for class in 0..3 {
        assert_eq!(labels.iter().filter(|&&l| l == class).count(), 50);
    }
}

// ---- CSV: byte-order mark, delimiters, quotes ------------------------------------

fn gz(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

#[test]
fn byte_order_mark_is_skipped_raw_and_gzipped() {
    let dir = tempfile::tempdir().unwrap();
    // The BOM sits before the first column's name, here the target's.
    let text = "\u{feff}label,x\r\n1,0.5\r\n0,-2\r\n";
    let raw = write(dir.path(), "bom.csv", text);
    let packed = dir.path().join("bom.csv.gz");
    std::fs::write(&packed, gz(text.as_bytes())).unwrap();
    for p in [raw, packed] {
        let d = csv::read_csv(&p, &["label"], None, true).unwrap();
        assert_eq!(d.x, ndarray::array![[0.5], [-2.0]]);
        assert_eq!(targets(&d), [1.0, 0.0]);
    }
    // Only at the very start: a BOM inside a field is text, and not a number.
    let p = write(dir.path(), "mid.csv", "x,label\n\u{feff}1,0\n");
    let (line, m) = data_msg(csv::read_csv(&p, &["label"], None, true).unwrap_err());
    assert_eq!(line, Some(2));
    assert!(
        m.contains("column `x`") && m.contains("is not a number"),
        "{m}"
    );
}

#[test]
fn semicolon_and_tab_delimiters() {
    let dir = tempfile::tempdir().unwrap();
    // European CSV: `;` between fields, so `,` may sit inside a quoted name.
    let p = write(
        dir.path(),
        "semi.csv",
        "\"width, cm\";height;label\n1.5;2;0\n-3;4e-1;1\n",
    );
    let d = csv::read_delimited(&p, b';', &["label"], None, true).unwrap();
    assert_eq!(d.x, ndarray::array![[1.5, 2.0], [-3.0, 0.4]]);
    assert_eq!(targets(&d), [0.0, 1.0]);
    // The same file read as comma-separated has other columns and says so.
    let (line, m) = data_msg(csv::read_csv(&p, &["label"], None, true).unwrap_err());
    assert_eq!(line, Some(1));
    assert!(m.contains("missing target column `label`"), "{m}");

    let p = write(
        dir.path(),
        "tab.tsv",
        "a\tb\tlabel\n1\t 2 \t0\n\t\n3\t4\t1\n",
    );
    let d = csv::read_delimited(&p, b'\t', &["label"], None, true).unwrap();
    assert_eq!(d.x, ndarray::array![[1.0, 2.0], [3.0, 4.0]]);
    let p = write(dir.path(), "short.tsv", "a\tb\tlabel\n1\t2\t0\n1\t2\n");
    let (line, m) = data_msg(csv::read_delimited(&p, b'\t', &["label"], None, true).unwrap_err());
    assert_eq!(
        (line, m.as_str()),
        (Some(3), "expected 3 fields as in the header, found 2")
    );
}

fn csv_config(path: &str, delimiter: Option<&str>) -> DataConfig {
    DataConfig {
        path: Some(path.into()),
        target: Some(TargetSpec::One("label".into())),
        delimiter: delimiter.map(str::to_string),
        ..DataConfig::new(Source::Csv)
    }
}

#[test]
fn delimiter_key_reaches_load_and_plan_and_is_checked() {
    let dir = tempfile::tempdir().unwrap();
    let exp = dir.path().join("exp.toml");
    write(
        dir.path(),
        "d.csv",
        "a\tb\tlabel\n0\t1\t0\n1\t0\t1\n1\t1\t0\n",
    );
    let cfg: DataConfig =
        toml::from_str("source = \"csv\"\npath = \"d.csv\"\ndelimiter = \"\\t\"").unwrap();
    assert_eq!(cfg.delimiter(), b'\t');
    let split = losscape::data::load(&cfg, &exp, 0, true).unwrap();
    assert_eq!((split.train.n(), split.train.d()), (3, 2));
    let shape = data_shape(&cfg, &exp).unwrap();
    assert_eq!((shape.features, shape.outputs), (2, 1));
    assert_eq!(csv_config("d.csv", None).delimiter(), b',');

    let field = |c: &DataConfig| match c.validate(Path::new("e.toml")).unwrap_err() {
        Error::Config { field, msg, .. } => (field, msg),
        e => panic!("unexpected {e}"),
    };
    for bad in ["", ";;", "\"", ".", "-", "a", "7", "é"] {
        let (f, m) = field(&csv_config("d.csv", Some(bad)));
        assert_eq!(f, "data.delimiter", "{bad:?}");
        assert!(m.contains("must be one character"), "{m}");
    }
    for good in [",", ";", "\t", "|", ":"] {
        csv_config("d.csv", Some(good))
            .validate(Path::new("e.toml"))
            .unwrap();
    }
    let not_csv = DataConfig {
        delimiter: Some(";".into()),
        ..DataConfig::new(Source::Xor)
    };
    let (f, m) = field(&not_csv);
    assert_eq!(f, "data.delimiter");
    assert!(m.contains("only by csv"), "{m}");
}

#[test]
fn quoted_fields_hold_delimiters_newlines_and_quotes() {
    let dir = tempfile::tempdir().unwrap();
    let text = concat!(
        "\"size, \"\"mm\"\"\",\"two\nlines\",label\n", // lines 1-2
        "\"1.5\",2,0\n",                               // line 3
        "\"-2\",\" 3 \",1\n",                          // line 4
    );
    let p = write(dir.path(), "q.csv", text);
    let d = csv::read_csv(&p, &["label"], None, true).unwrap();
    assert_eq!(d.x, ndarray::array![[1.5, 2.0], [-2.0, 3.0]]);
    // The quoted names are the target names a config gives.
    let d = csv::read_csv(&p, &["two\nlines"], Some(Task::Regression), false).unwrap();
    assert_eq!(targets(&d), [2.0, 3.0]);
    let d = csv::read_csv(&p, &["size, \"mm\""], Some(Task::Regression), false).unwrap();
    assert_eq!(targets(&d), [1.5, -2.0]);

    // Lines keep counting through a record that spans lines.
    let p = write(dir.path(), "l.csv", &format!("{text}\"4\n\",x,0\n"));
    let (line, m) = data_msg(csv::read_csv(&p, &["label"], None, true).unwrap_err());
    assert_eq!(line, Some(5));
    assert!(
        m.contains("column `two\\nlines`: `x` is not a number"),
        "{m}"
    );

    // A quote left open is named, not read as a field holding the rest of the file.
    let p = write(dir.path(), "open.csv", "a,label\n1,0\n\"2,1\n3,0\n");
    let (line, m) = data_msg(csv::read_csv(&p, &["label"], None, true).unwrap_err());
    assert_eq!(
        (line, m.as_str()),
        (Some(3), "unterminated quote in field 1")
    );
}

// ---- CSV: the pandas index column ------------------------------------------------

#[test]
fn pandas_index_column_is_refused_with_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    // df.to_csv(path) writes the index first, under an empty header cell ...
    let p = write(dir.path(), "i.csv", ",a,b,label\n0,1,2,0\n1,3,4,1\n");
    let (line, m) = data_msg(csv::read_csv(&p, &["label"], None, true).unwrap_err());
    assert_eq!(line, Some(1));
    assert_eq!(
        m,
        "header: column 1 has no name, as the row index pandas writes by default; save the \
         data without it, df.to_csv(path, index=False), or give the column a name"
    );
    // ... and a file that went through pd.read_csv and back names it `Unnamed: 0`.
    let p = write(dir.path(), "u.csv", "Unnamed: 0,a,label\n0,1,0\n");
    let (line, m) = data_msg(csv::read_csv(&p, &["label"], None, true).unwrap_err());
    assert_eq!(line, Some(1));
    assert!(
        m.starts_with("header: column 1 is `Unnamed: 0`, the row index pandas saved")
            && m.contains("df.to_csv(path, index=False)")
            && m.contains("pd.read_csv(path, index_col=0)"),
        "{m}"
    );
    // An unnamed column elsewhere keeps the plain message.
    let p = write(dir.path(), "g.csv", "a,,label\n0,1,0\n");
    let (_, m) = data_msg(csv::read_csv(&p, &["label"], None, true).unwrap_err());
    assert_eq!(m, "header: column 2 has no name");

    // The plan refuses it too, and the CLI exits 2 naming the file and the fix.
    let cfg =
        crate::common::TINY_TRAIN.replace("source = \"xor\"", "source = \"csv\"\npath = \"i.csv\"");
    let exp = write(dir.path(), "exp.toml", &cfg);
    let plan = csv_config("i.csv", None);
    let e = data_shape(&plan, &exp).unwrap_err().to_string();
    assert!(
        e.contains("i.csv, line 1") && e.contains("index=False"),
        "{e}"
    );
    let out = dir.path().join("out");
    let o = run(&exp, &out, &[]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("i.csv") && stderr.contains("df.to_csv(path, index=False)"),
        "{stderr}"
    );
}

// ---- .npy ------------------------------------------------------------------------

/// A version 1.0 `.npy` file with header `dict` (padded as numpy pads it) and `data`.
fn npy_with(dict: &str, data: &[u8]) -> Vec<u8> {
    let mut h = dict.to_string();
    while !(10 + h.len() + 1).is_multiple_of(64) {
        h.push(' ');
    }
    h.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend((h.len() as u16).to_le_bytes());
    out.extend(h.as_bytes());
    out.extend(data);
    out
}

fn npy_msg(bytes: &[u8]) -> String {
    let e = losscape::io::npy::from_bytes(Path::new("d.npy"), bytes).unwrap_err();
    match e {
        Error::Data { msg, .. } => msg,
        e => panic!("expected a data error, got {e}"),
    }
}

#[test]
fn malformed_npy_keeps_its_messages() {
    assert_eq!(
        npy_msg(b"PK\x03\x04 zip"),
        "not a .npy file: it should start with the bytes \\x93NUMPY but starts with \"PK\\x03\\x04 z\""
    );
    assert_eq!(
        npy_msg(&npy_with("{'descr': '<f8', 'shape': (2,), }", &[0; 16])),
        "cannot read the .npy header \"{'descr': '<f8', 'shape': (2,), }\": no 'fortran_order' key"
    );
    assert_eq!(
        npy_msg(&npy_with("{'descr': '<f8', 'fortran_order': False, }", &[0; 8])),
        "cannot read the .npy header \"{'descr': '<f8', 'fortran_order': False, }\": no 'shape' key"
    );
    let m = npy_msg(&npy_with(
        "{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (1,), }",
        &[0; 8],
    ));
    assert!(
        m.ends_with(
            ": a list 'descr' (structured dtype) is not supported; save a plain float array"
        ),
        "{m}"
    );
    let m = npy_msg(&npy_with(
        "{'descr': '<f8', 'fortran_order': False, 'shape': (2, ",
        &[],
    ));
    assert!(m.starts_with("cannot read the .npy header"), "{m}");
    assert_eq!(
        npy_msg(&npy_with(
            "{'descr': '<i8', 'fortran_order': False, 'shape': (1,), }",
            &[0; 8]
        )),
        "array dtype is '<i8' (integer); losscape reads float32 ('<f4') or float64 ('<f8') \
         arrays: save `a.astype(np.float64)` instead"
    );
    assert_eq!(
        npy_msg(&npy_with(
            "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }",
            &[0; 48]
        )),
        "array of shape (2, 3) is stored in Fortran (column-major) order; save a C-ordered \
         copy: `np.save(path, np.ascontiguousarray(a))`"
    );
    let full = losscape::io::npy::to_bytes(&[1.0f64, 2.0, 3.0, 4.0], &[2, 2]).unwrap();
    assert_eq!(
        npy_msg(&full[..full.len() - 5]),
        "truncated .npy file: shape (2, 2) of '<f8' needs 32 data bytes but the file holds 27"
    );
    let mut v9 = full.clone();
    v9[6] = 9;
    assert_eq!(
        npy_msg(&v9),
        ".npy format version 9.0 is not supported (1.0, 2.0 or 3.0 are)"
    );
    // Headers nested as deep as the 1 MiB header cap allows are errors, not a stack
    // overflow (the parser is pest's, which checks the stack it has left).
    for open in ["(", "[", "{'a': "] {
        let deep = format!(
            "{{'descr': '<f8', 'fortran_order': False, 'shape': {}",
            open.repeat((1 << 20) / open.len() - 100)
        );
        let m = npy_msg(&npy_with_v2(&deep));
        assert!(m.starts_with("cannot read the .npy header"), "{m}");
    }
    for depth in [1_000, 30_000, (1 << 19) - 100] {
        let balanced = format!(
            "{{'descr': '<f8', 'fortran_order': False, 'shape': {}{}}}",
            "(".repeat(depth),
            ")".repeat(depth)
        );
        let m = npy_msg(&npy_with_v2(&balanced));
        assert!(m.starts_with("cannot read the .npy header"), "{m}");
    }
}

/// A version 2.0 file (u32 header length) holding `dict` and no data.
fn npy_with_v2(dict: &str) -> Vec<u8> {
    let mut out = b"\x93NUMPY\x02\x00".to_vec();
    out.extend((dict.len() as u32 + 1).to_le_bytes());
    out.extend(dict.as_bytes());
    out.push(b'\n');
    out
}

#[test]
fn npy_reads_both_byte_orders_python2_headers_and_what_we_write() {
    let be: Vec<u8> = [1.5f64, -2.0]
        .iter()
        .flat_map(|x| x.to_be_bytes())
        .collect();
    let b = npy_with(
        "{'descr': '>f8', 'fortran_order': False, 'shape': (2L,), }",
        &be,
    );
    let got = losscape::io::npy::from_bytes(Path::new("b.npy"), &b).unwrap();
    assert_eq!(got, (vec![1.5, -2.0], vec![2]));
    let be32: Vec<u8> = [0.25f32, 65504.0]
        .iter()
        .flat_map(|x| x.to_be_bytes())
        .collect();
    let b = npy_with(
        "{'descr': '>f4', 'fortran_order': False, 'shape': (1, 2), }",
        &be32,
    );
    let got = losscape::io::npy::from_bytes(Path::new("b.npy"), &b).unwrap();
    assert_eq!(got, (vec![0.25, 65504.0], vec![1, 2]));
    // No trailing newline, keys in another order, double quotes: numpy reads it, so do we.
    let mut b = b"\x93NUMPY\x01\x00".to_vec();
    let dict = b"{\"shape\": (), \"fortran_order\": False, \"descr\": \"<f8\"}";
    b.extend((dict.len() as u16).to_le_bytes());
    b.extend(dict);
    b.extend(7.0f64.to_le_bytes());
    let got = losscape::io::npy::from_bytes(Path::new("b.npy"), &b).unwrap();
    assert_eq!(got, (vec![7.0], vec![]));

    let dir = tempfile::tempdir().unwrap();
    let p: PathBuf = dir.path().join("w.npy");
    losscape::io::npy::write::<f32>(&p, &[1.0, -0.5, 3.25, 8.0, 0.0, -1.0], &[3, 2]).unwrap();
    assert_eq!(
        losscape::io::npy::read(&p).unwrap(),
        (vec![1.0, -0.5, 3.25, 8.0, 0.0, -1.0], vec![3, 2])
    );
}

// ---- half-precision weights ------------------------------------------------------

fn halves(bits: &[u16]) -> Vec<u8> {
    bits.iter().flat_map(|b| b.to_le_bytes()).collect()
}

fn safetensors_file(tensors: &[(&str, Dtype, Vec<usize>, Vec<u8>)]) -> Vec<u8> {
    let views: Vec<_> = tensors
        .iter()
        .map(|(n, d, s, b)| (n.to_string(), TensorView::new(*d, s.clone(), b).unwrap()))
        .collect();
    safetensors::serialize(views, None).unwrap()
}

#[test]
fn f16_and_bf16_weights_load_exactly() {
    // IEEE binary16 bit patterns: 1.5 = 0x3e00, -2.0 = 0xc000, 65504 (the largest
    // finite) = 0x7bff, 2^-24 (the smallest subnormal) = 0x0001, -0.0 = 0x8000.
    // bfloat16 is the top half of an f32: 1.5 = 0x3fc0, -2.0 = 0xc000, 3.0 = 0x4040,
    // and 0x7f7f is the f32 with bits 0x7f7f0000 (3.3895314e38, the largest bf16).
    let layout = Layout::new(&[2, 2, 1]);
    let bytes = safetensors_file(&[
        (
            "0.weight",
            Dtype::F16,
            vec![2, 2],
            halves(&[0x3e00, 0xc000, 0x7bff, 0x0001]),
        ),
        ("0.bias", Dtype::BF16, vec![2], halves(&[0x3fc0, 0x7f7f])),
        (
            "2.weight",
            Dtype::F16,
            vec![1, 2],
            halves(&[0x8000, 0x3c00]),
        ),
        ("2.bias", Dtype::BF16, vec![1], halves(&[0xc000])),
    ]);
    let big = f32::from_bits(0x7f7f_0000) as f64;
    let want = [
        1.5,
        -2.0,
        65504.0,
        2f64.powi(-24),
        1.5,
        big,
        -0.0,
        1.0,
        -2.0,
    ];
    let file = Path::new("h.safetensors");
    let got = weights::from_bytes::<f64>(file, &bytes, &layout).unwrap();
    assert_eq!(got, want);
    assert_eq!(got[6].to_bits(), (-0.0f64).to_bits());
    let got32 = weights::from_bytes::<f32>(file, &bytes, &layout).unwrap();
    assert_eq!(got32.iter().map(|&v| v as f64).collect::<Vec<_>>(), want);

    // f16 infinity (0x7c00) is named like any non-finite weight.
    let bytes = safetensors_file(&[
        (
            "0.weight",
            Dtype::F16,
            vec![2, 2],
            halves(&[0x3c00, 0x3c00, 0x7c00, 0x3c00]),
        ),
        ("0.bias", Dtype::F16, vec![2], halves(&[0, 0])),
        ("2.weight", Dtype::F16, vec![1, 2], halves(&[0, 0])),
        ("2.bias", Dtype::F16, vec![1], halves(&[0])),
    ]);
    let m = weights::from_bytes::<f64>(file, &bytes, &layout)
        .unwrap_err()
        .to_string();
    assert!(
        m.contains("tensor `0.weight`: element [1, 0]") && m.contains("inf"),
        "{m}"
    );
}
