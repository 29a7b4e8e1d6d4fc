//! MNIST-format IDX reader (LeCun's `train-images-idx3-ubyte` etc., raw or `.gz`).
//!
//! Images: big-endian magic 0x00000803, count n, rows, cols, then n·rows·cols unsigned
//! bytes. Labels: magic 0x00000801, count n, then n bytes. Pixels are kept as bytes until
//! rows are chosen ([`IdxSet::to_dataset`]), then scaled to [0, 1] by ÷255 into an
//! n × (rows·cols) matrix, row-major per image. A folder holds the official split:
//! `train-*` (training) and `t10k-*` (test); the dotted spelling `train-images.idx3-ubyte`
//! is accepted too.
//!
//! Reads are capped by the header: a raw file must be exactly as long as its header
//! says (checked before its body is read), a `.gz` file is decompressed to at most the
//! declared size plus one byte, and bodies over 1 GiB are refused from the header.

use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use ndarray::Array2;

use crate::data::{Dataset, Labels};
use crate::error::{Error, Result};
use crate::io::read::{self, DATA_LIMIT};

pub const IMAGES_MAGIC: u32 = 0x0803;
pub const LABELS_MAGIC: u32 = 0x0801;

/// Images and labels of one IDX pair, pixels still as bytes.
#[derive(Clone, Debug, PartialEq)]
pub struct IdxSet {
    /// n × rows × cols bytes.
    pub pixels: Vec<u8>,
    pub labels: Vec<u8>,
    pub rows: usize,
    pub cols: usize,
}

impl IdxSet {
    pub fn n(&self) -> usize {
        self.labels.len()
    }

    /// The images at `rows` (all when `None`) as a data set with pixels ÷ 255.
    pub fn to_dataset(&self, rows: Option<&[usize]>, n_classes: usize) -> Dataset {
        let d = self.rows * self.cols;
        let all: Vec<usize>;
        let idx = match rows {
            Some(r) => r,
            None => {
                all = (0..self.n()).collect();
                &all
            }
        };
        let mut x = Vec::with_capacity(idx.len() * d);
        for &i in idx {
            x.extend(
                self.pixels[i * d..(i + 1) * d]
                    .iter()
                    .map(|&p| p as f64 / 255.0),
            );
        }
        let labels = idx.iter().map(|&i| self.labels[i] as u32).collect();
        Dataset {
            x: Array2::from_shape_vec((idx.len(), d), x).expect("n × d"),
            y: Labels::Classes { labels, n_classes },
        }
    }

    /// Largest label + 1 (0 for an empty set).
    pub fn n_classes(&self) -> usize {
        self.labels.iter().max().map_or(0, |&m| m as usize + 1)
    }
}

/// Check the magic number and read `ndims` big-endian u32 dimensions.
pub(crate) fn header(path: &Path, bytes: &[u8], magic: u32, ndims: usize) -> Result<Vec<usize>> {
    let need = 4 * (1 + ndims);
    let word = |i: usize| u32::from_be_bytes(bytes[4 * i..4 * i + 4].try_into().expect("4 bytes"));
    if bytes.len() >= 4 && word(0) != magic {
        return Err(Error::data(
            path,
            None,
            format!(
                "bad magic number {:#010x}: expected {magic:#010x} (IDX unsigned bytes, {ndims} dimension(s))",
                word(0)
            ),
        ));
    }
    if bytes.len() < need {
        return Err(Error::data(
            path,
            None,
            format!(
                "truncated: expected a {need}-byte header, found {} bytes",
                bytes.len()
            ),
        ));
    }
    Ok((1..=ndims).map(|i| word(i) as usize).collect())
}

/// The error for a body of `found` bytes where the header declares `expected`;
/// `found = None` means "more than `expected`" (the read stopped one byte past it).
fn length_error(path: &Path, what: &str, expected: u64, found: Option<u64>) -> Error {
    let msg = match found {
        Some(found) if found < expected => {
            format!("truncated: expected {expected} bytes of {what}, found {found}")
        }
        Some(found) => {
            format!("expected {expected} bytes of {what}, found {found} (extra bytes at the end)")
        }
        None => format!("expected {expected} bytes of {what}, found more (extra bytes at the end)"),
    };
    Error::data(path, None, msg)
}

/// The IDX bytes in `compressed` (`len` bytes long): raw, or gzip decompressed up to
/// the largest file we read when `gz`. Returns the reader and, when raw, its length.
fn source<'a, R: Read + 'a>(
    compressed: R,
    len: u64,
    gz: bool,
) -> (Box<dyn Read + 'a>, Option<u64>) {
    if gz {
        let cap = 16 + DATA_LIMIT + 1;
        (
            Box::new(read::gunzip_capped(
                compressed,
                cap,
                "the 1 GiB cap on IDX data",
            )),
            None,
        )
    } else {
        (Box::new(compressed), Some(len))
    }
}

/// Which IDX file: magic number, number of dimensions, what the body holds.
struct Kind {
    magic: u32,
    ndims: usize,
    what: &'static str,
}

const IMAGES: Kind = Kind {
    magic: IMAGES_MAGIC,
    ndims: 3,
    what: "pixel data",
};
const LABELS: Kind = Kind {
    magic: LABELS_MAGIC,
    ndims: 1,
    what: "label data",
};

/// Bytes of body that `dims` declare for `kind`.
fn body_len(path: &Path, kind: &Kind, dims: &[usize]) -> Result<u64> {
    if kind.ndims == 1 {
        return Ok(dims[0] as u64);
    }
    let (n, rows, cols) = (dims[0] as u64, dims[1] as u64, dims[2] as u64);
    if rows == 0 || cols == 0 {
        return Err(Error::data(
            path,
            None,
            format!("image size {rows}×{cols} is empty"),
        ));
    }
    n.checked_mul(rows * cols)
        .ok_or_else(|| Error::data(path, None, "image count overflows"))
}

/// One IDX file from `reader` (`raw_len` bytes long when not compressed): (dims, body).
/// `path` names it in errors.
///
/// Reads are capped by the header: a raw file whose length disagrees with it is refused
/// before its body is read; a gzip stream is decompressed to at most the declared size
/// plus one byte. A body over [`DATA_LIMIT`] is refused from the header alone.
fn read_idx(
    path: &Path,
    (mut reader, raw_len): (Box<dyn Read + '_>, Option<u64>),
    kind: &Kind,
) -> Result<(Vec<usize>, Vec<u8>)> {
    let head_len = 4 * (1 + kind.ndims) as u64;
    let head = read::read_up_to(&mut reader, path, head_len)?;
    let dims = header(path, &head, kind.magic, kind.ndims)?;
    let expected = body_len(path, kind, &dims)?;
    if expected > DATA_LIMIT {
        return Err(Error::data(
            path,
            None,
            format!(
                "the header declares {expected} bytes of {}, more than the {} losscape reads from an IDX file",
                kind.what,
                read::size_text(DATA_LIMIT)
            ),
        ));
    }
    if let Some(len) = raw_len {
        let found = len.saturating_sub(head_len);
        if found != expected {
            return Err(length_error(path, kind.what, expected, Some(found)));
        }
    }
    let body = read::read_up_to(&mut reader, path, expected + 1)?;
    let found = body.len() as u64;
    if found != expected {
        let found = (found < expected).then_some(found);
        return Err(length_error(path, kind.what, expected, found));
    }
    Ok((dims, body))
}

/// Open `path` (raw, or gzip when its name ends in `.gz`) and read it as `kind`.
fn read_file(path: &Path, kind: &Kind) -> Result<(Vec<usize>, Vec<u8>)> {
    let file = read::open_input(path)?;
    let len = read::input_len(path, &file)?;
    let gz = path.extension().is_some_and(|e| e == "gz");
    read_idx(path, source(BufReader::new(file), len, gz), kind)
}

/// Read an images file: (pixels, n, rows, cols).
pub fn read_images(path: &Path) -> Result<(Vec<u8>, usize, usize, usize)> {
    let (dims, pixels) = read_file(path, &IMAGES)?;
    Ok((pixels, dims[0], dims[1], dims[2]))
}

/// Read a labels file.
pub fn read_labels(path: &Path) -> Result<Vec<u8>> {
    Ok(read_file(path, &LABELS)?.1)
}

/// [`read_images`] from the bytes of a file, gzip-compressed when `gz`; `path` only
/// names the file in errors.
pub fn images_from_bytes(
    path: &Path,
    bytes: &[u8],
    gz: bool,
) -> Result<(Vec<u8>, usize, usize, usize)> {
    let (dims, pixels) = read_idx(path, source(bytes, bytes.len() as u64, gz), &IMAGES)?;
    Ok((pixels, dims[0], dims[1], dims[2]))
}

/// [`read_labels`] from the bytes of a file, gzip-compressed when `gz`; `path` only
/// names the file in errors.
pub fn labels_from_bytes(path: &Path, bytes: &[u8], gz: bool) -> Result<Vec<u8>> {
    Ok(read_idx(path, source(bytes, bytes.len() as u64, gz), &LABELS)?.1)
}

/// Find `<prefix>-<kind>-idx<k>-ubyte` in `dir`: raw or `.gz`, dashed or dotted.
pub(crate) fn find(dir: &Path, prefix: &str, kind: &str, k: u8) -> Result<PathBuf> {
    let dashed = format!("{prefix}-{kind}-idx{k}-ubyte");
    let dotted = format!("{prefix}-{kind}.idx{k}-ubyte");
    for name in [&dashed, &dotted] {
        for ext in ["", ".gz"] {
            let p = dir.join(format!("{name}{ext}"));
            if p.is_file() {
                return Ok(p);
            }
        }
    }
    Err(Error::data(
        dir,
        None,
        format!("missing {dashed} (also looked for .gz and {dotted}[.gz])"),
    ))
}

/// Read one images/labels pair and check that the counts agree.
pub fn read_pair(images: &Path, labels: &Path) -> Result<IdxSet> {
    let (pixels, n, rows, cols) = read_images(images)?;
    let lab = read_labels(labels)?;
    if lab.len() != n {
        return Err(Error::data(
            labels,
            None,
            format!(
                "{} labels but {} has {n} images",
                lab.len(),
                images.display()
            ),
        ));
    }
    Ok(IdxSet {
        pixels,
        labels: lab,
        rows,
        cols,
    })
}

/// Read the official split from a folder: (train, test).
pub fn read_folder(dir: &Path) -> Result<(IdxSet, IdxSet)> {
    if !dir.is_dir() {
        return Err(Error::data(
            dir,
            None,
            "not a folder (expected the four MNIST-format IDX files)",
        ));
    }
    let train = read_pair(
        &find(dir, "train", "images", 3)?,
        &find(dir, "train", "labels", 1)?,
    )?;
    let test_images = find(dir, "t10k", "images", 3)?;
    let test = read_pair(&test_images, &find(dir, "t10k", "labels", 1)?)?;
    if (test.rows, test.cols) != (train.rows, train.cols) {
        return Err(Error::data(
            test_images,
            None,
            format!(
                "images are {}×{} but the training images are {}×{}",
                test.rows, test.cols, train.rows, train.cols
            ),
        ));
    }
    Ok((train, test))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::io::Write;
    use tempfile::TempDir;

    pub(crate) fn images_bytes(n: u32, rows: u32, cols: u32, pixels: &[u8]) -> Vec<u8> {
        let mut b = Vec::new();
        for w in [IMAGES_MAGIC, n, rows, cols] {
            b.extend_from_slice(&w.to_be_bytes());
        }
        b.extend_from_slice(pixels);
        b
    }

    pub(crate) fn labels_bytes(labels: &[u8]) -> Vec<u8> {
        let mut b = Vec::new();
        for w in [LABELS_MAGIC, labels.len() as u32] {
            b.extend_from_slice(&w.to_be_bytes());
        }
        b.extend_from_slice(labels);
        b
    }

    fn gz(bytes: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(bytes).unwrap();
        enc.finish().unwrap()
    }

    /// A tiny 2×2 IDX folder: 3 training images (gz, dashed), 2 test images (raw, dotted).
    pub(crate) fn tiny_folder() -> TempDir {
        let dir = TempDir::new().unwrap();
        let w = |name: &str, b: Vec<u8>| std::fs::write(dir.path().join(name), b).unwrap();
        w(
            "train-images-idx3-ubyte.gz",
            gz(&images_bytes(
                3,
                2,
                2,
                &[0, 255, 51, 102, 1, 2, 3, 4, 5, 6, 7, 8],
            )),
        );
        w("train-labels-idx1-ubyte.gz", gz(&labels_bytes(&[7, 0, 3])));
        w(
            "t10k-images.idx3-ubyte",
            images_bytes(2, 2, 2, &[9, 9, 9, 9, 255, 0, 0, 255]),
        );
        w("t10k-labels.idx1-ubyte", labels_bytes(&[1, 2]));
        dir
    }

    #[test]
    fn happy_path() {
        let dir = tiny_folder();
        let (train, test) = read_folder(dir.path()).unwrap();
        assert_eq!((train.n(), train.rows, train.cols, test.n()), (3, 2, 2, 2));
        let d = train.to_dataset(None, 10);
        assert_eq!(d.x.dim(), (3, 4));
        assert_eq!(d.x.row(0).to_vec(), vec![0.0, 1.0, 0.2, 0.4]);
        assert_eq!(
            d.y,
            Labels::Classes {
                labels: vec![7, 0, 3],
                n_classes: 10
            }
        );
        let d = test.to_dataset(Some(&[1]), 10);
        assert_eq!(d.x, ndarray::array![[1.0, 0.0, 0.0, 1.0]]);
        assert_eq!(
            d.y,
            Labels::Classes {
                labels: vec![2],
                n_classes: 10
            }
        );
        assert_eq!(train.n_classes(), 8);
    }

    fn data_msg(r: Result<impl std::fmt::Debug>) -> (PathBuf, String) {
        match r.unwrap_err() {
            Error::Data { file, msg, .. } => (file, msg),
            e => panic!("unexpected {e}"),
        }
    }

    #[test]
    fn bad_magic() {
        let dir = TempDir::new().unwrap();
        let p = dir.path().join("x");
        std::fs::write(&p, labels_bytes(&[1, 2])).unwrap();
        let (file, msg) = data_msg(read_images(&p));
        assert_eq!(file, p);
        assert_eq!(
            msg,
            "bad magic number 0x00000801: expected 0x00000803 (IDX unsigned bytes, 3 dimension(s))"
        );
        std::fs::write(&p, images_bytes(1, 1, 1, &[0])).unwrap();
        assert!(data_msg(read_labels(&p))
            .1
            .starts_with("bad magic number 0x00000803"));
    }

    #[test]
    fn truncated() {
        let dir = TempDir::new().unwrap();
        let p = dir.path().join("t-images.gz");
        std::fs::write(&p, gz(&images_bytes(2, 2, 2, &[1, 2, 3, 4, 5]))).unwrap();
        let (file, msg) = data_msg(read_images(&p));
        assert_eq!(
            (file, msg.as_str()),
            (
                p.clone(),
                "truncated: expected 8 bytes of pixel data, found 5"
            )
        );
        std::fs::write(&p, gz(&[0, 0, 8])).unwrap();
        assert_eq!(
            data_msg(read_images(&p)).1,
            "truncated: expected a 16-byte header, found 3 bytes"
        );
        let q = dir.path().join("l");
        std::fs::write(&q, &labels_bytes(&[1, 2, 3])[..9]).unwrap();
        assert_eq!(
            data_msg(read_labels(&q)).1,
            "truncated: expected 3 bytes of label data, found 1"
        );
    }

    #[test]
    fn count_mismatch_and_missing_file() {
        let dir = tiny_folder();
        std::fs::write(
            dir.path().join("t10k-labels.idx1-ubyte"),
            labels_bytes(&[1, 2, 3]),
        )
        .unwrap();
        let (file, msg) = data_msg(read_folder(dir.path()));
        assert_eq!(file, dir.path().join("t10k-labels.idx1-ubyte"));
        assert!(
            msg.starts_with("3 labels but ")
                && msg.ends_with("t10k-images.idx3-ubyte has 2 images"),
            "{msg}"
        );
        std::fs::remove_file(dir.path().join("t10k-labels.idx1-ubyte")).unwrap();
        let (file, msg) = data_msg(read_folder(dir.path()));
        assert_eq!(file, dir.path());
        assert!(msg.starts_with("missing t10k-labels-idx1-ubyte"), "{msg}");
    }
}
