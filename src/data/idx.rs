//! MNIST-format IDX reader (LeCun's `train-images-idx3-ubyte` etc., raw or `.gz`).
//!
//! Images: big-endian magic 0x00000803, count n, rows, cols, then n·rows·cols unsigned
//! bytes. Labels: magic 0x00000801, count n, then n bytes. Pixels are kept as bytes until
//! rows are chosen ([`IdxSet::to_dataset`]), then scaled to [0, 1] by ÷255 into an
//! n × (rows·cols) matrix, row-major per image. A folder holds the official split:
//! `train-*` (training) and `t10k-*` (test); the dotted spelling `train-images.idx3-ubyte`
//! is accepted too.

use std::io::Read;
use std::path::{Path, PathBuf};

use ndarray::Array2;

use crate::data::csv::open_maybe_gz;
use crate::data::{Dataset, Labels};
use crate::error::{Error, Result};

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

fn read_all(path: &Path) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    open_maybe_gz(path)?
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(path, e))?;
    Ok(bytes)
}

/// Check the magic number and read `ndims` big-endian u32 dimensions.
fn header(path: &Path, bytes: &[u8], magic: u32, ndims: usize) -> Result<Vec<usize>> {
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

fn check_len(path: &Path, what: &str, body: &[u8], expected: usize) -> Result<()> {
    if body.len() < expected {
        return Err(Error::data(
            path,
            None,
            format!(
                "truncated: expected {expected} bytes of {what}, found {}",
                body.len()
            ),
        ));
    }
    if body.len() > expected {
        return Err(Error::data(
            path,
            None,
            format!(
                "expected {expected} bytes of {what}, found {} (extra bytes at the end)",
                body.len()
            ),
        ));
    }
    Ok(())
}

/// Read an images file: (pixels, n, rows, cols).
pub fn read_images(path: &Path) -> Result<(Vec<u8>, usize, usize, usize)> {
    let mut bytes = read_all(path)?;
    let dims = header(path, &bytes, IMAGES_MAGIC, 3)?;
    let (n, rows, cols) = (dims[0], dims[1], dims[2]);
    if rows == 0 || cols == 0 {
        return Err(Error::data(
            path,
            None,
            format!("image size {rows}×{cols} is empty"),
        ));
    }
    let expected = n
        .checked_mul(rows * cols)
        .ok_or_else(|| Error::data(path, None, "image count overflows"))?;
    check_len(path, "pixel data", &bytes[16..], expected)?;
    bytes.drain(..16);
    Ok((bytes, n, rows, cols))
}

/// Read a labels file.
pub fn read_labels(path: &Path) -> Result<Vec<u8>> {
    let mut bytes = read_all(path)?;
    let n = header(path, &bytes, LABELS_MAGIC, 1)?[0];
    check_len(path, "label data", &bytes[8..], n)?;
    bytes.drain(..8);
    Ok(bytes)
}

/// Find `<prefix>-<kind>-idx<k>-ubyte` in `dir`: raw or `.gz`, dashed or dotted.
fn find(dir: &Path, prefix: &str, kind: &str, k: u8) -> Result<PathBuf> {
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
