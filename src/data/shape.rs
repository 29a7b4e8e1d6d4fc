//! `data_shape`: the shape a `[data]` table's data will have, found without loading it,
//! so a plan can size its buffers (and refuse a run) before anything is allocated.
//!
//! Per source (the facts `load` relies on):
//! - synthetic: `n` samples (see `DataConfig::n`), 2 features (xor, circles, spirals,
//!   gaussians) or 1 (sine), one target column;
//! - `digits` 1797 × 64 and `breast_cancer` 569 × 30, one label column (built into
//!   the binary, `crate::bundled`);
//! - `idx` / `mnist`: the counts and image sizes of the four IDX headers (16 bytes for
//!   images, 8 for labels; only these bytes are decompressed from a `.gz`); a raw
//!   (uncompressed) file must be exactly as long as its header says, as `load` checks;
//! - `csv`: the column count of the header (the first non-blank record, read by the csv
//!   reader itself, [`csv::read_header`], up to [`MAX_HEADER_BYTES`]) less the target
//!   columns, and an **upper bound** on the rows: every field of a valid row holds at
//!   least one character, so a row of c columns takes at least 2c bytes with its
//!   delimiters and newline, and rows ≤ (body bytes + 1) / 2c. For a `.gz` file the body is at most min([`GZ_DECOMPRESSED_CAP`], 1032 × the
//!   compressed size): deflate never expands more than 1032:1, and the reader refuses
//!   to decompress more than the cap.
//!
//! The split then follows `load`: round(n · test_fraction) test rows (`split::n_test`),
//! the official train/t10k split for idx/mnist, and `limit_train` / `limit_test` cap
//! each part. Errors are those `load` would give: the config's own checks, a missing
//! file ([`Error::Io`]), a header that cannot be read ([`Error::Data`] naming the file).

use std::io::Read;
use std::path::Path;

use crate::bundled;
use crate::data::config::{DataConfig, Source};
use crate::data::csv;
use crate::data::idx::{IMAGES_MAGIC, LABELS_MAGIC};
use crate::data::load::{bundled_set, idx_folder};
use crate::data::split;
use crate::error::{Error, Result};
use crate::io::read::open_maybe_gz;

/// The longest csv header line read (16 MiB); a longer first line is an error.
pub const MAX_HEADER_BYTES: u64 = 16 << 20;

/// The most bytes a `.gz` input is decompressed to (1 GiB).
pub const GZ_DECOMPRESSED_CAP: u64 = 1 << 30;

/// Deflate's largest possible expansion (zlib's technical details: 1032:1).
const DEFLATE_MAX_RATIO: u64 = 1032;

/// `data/digits.csv.gz`: 1797 samples × 64 pixels, label 0..9.
pub const DIGITS: (usize, usize) = (1797, 64);
/// `data/breast_cancer.csv.gz`: 569 samples × 30 features, label 0/1.
pub const BREAST_CANCER: (usize, usize) = (569, 30);

/// The shape of the data a run will load.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DataShape {
    /// Training rows after the split and `limit_train`.
    pub n_train: usize,
    /// Test rows after the split and `limit_test` (0 without a test set).
    pub n_test: usize,
    /// Features per sample.
    pub features: usize,
    /// Target columns, or 1 for class labels.
    pub outputs: usize,
    /// Bytes of the files read from disk (as stored, compressed or not); 0 for synthetic.
    pub file_bytes: u64,
    /// Rows read before the split and the limits (train and test files together for
    /// idx/mnist); for csv an upper bound.
    pub n_read: usize,
    /// The row counts are exact (false for csv, whose rows are bounded, not counted).
    pub rows_exact: bool,
}

/// The shape `load(cfg, config_file, ..)` will produce, without loading the data.
pub fn data_shape(cfg: &DataConfig, config_file: &Path) -> Result<DataShape> {
    cfg.validate(config_file)?;
    let base = config_file.parent().unwrap_or(Path::new(""));
    let path = cfg.path.as_ref().map(|p| base.join(p));
    match cfg.source {
        Source::Idx | Source::Mnist => idx_shape(cfg, &idx_folder(path, config_file)?),
        Source::Xor | Source::Circles | Source::Spirals | Source::Gaussians => {
            Ok(split_shape(cfg, cfg.n(), 2, 1, 0))
        }
        Source::Sine => Ok(split_shape(cfg, cfg.n(), 1, 1, 0)),
        Source::Digits => Ok(bundled_shape(cfg, DIGITS)),
        Source::BreastCancer => Ok(bundled_shape(cfg, BREAST_CANCER)),
        Source::Csv => {
            let p = path.expect("validated: csv has a path");
            csv_shape(cfg, &p).map(|s| DataShape {
                rows_exact: false,
                ..s
            })
        }
    }
}

/// Rows of a set without an official split, cut as `load` cuts them.
fn split_shape(
    cfg: &DataConfig,
    n: usize,
    features: usize,
    outputs: usize,
    file_bytes: u64,
) -> DataShape {
    let n_test = split::n_test(n, cfg.test_fraction).min(n);
    DataShape {
        n_train: capped(n - n_test, cfg.limit_train),
        n_test: capped(n_test, cfg.limit_test),
        features,
        outputs,
        file_bytes,
        n_read: n,
        rows_exact: true,
    }
}

fn capped(n: usize, limit: Option<usize>) -> usize {
    limit.map_or(n, |k| k.min(n))
}

fn file_len(path: &Path) -> Result<u64> {
    std::fs::metadata(path)
        .map(|m| m.len())
        .map_err(|e| Error::io(path, e))
}

/// A set built into the binary: its known shape; `file_bytes` is the built-in copy's size.
fn bundled_shape(cfg: &DataConfig, (n, d): (usize, usize)) -> DataShape {
    let rel = bundled_set(cfg.source).expect("a bundled source");
    let bytes = bundled::file(rel).map_or(0, |b| b.len() as u64);
    split_shape(cfg, n, d, 1, bytes)
}

// ---- csv ----

fn csv_shape(cfg: &DataConfig, path: &Path) -> Result<DataShape> {
    let on_disk = file_len(path)?;
    let targets = cfg.target_names();
    let (header, header_bytes) =
        csv::read_header(path, cfg.delimiter(), &targets, MAX_HEADER_BYTES)?;
    let columns = header.names.len();
    let body = csv_content_bound(path, on_disk).saturating_sub(header_bytes);
    let rows = body.saturating_add(1) / (2 * columns as u64);
    let rows = usize::try_from(rows).unwrap_or(usize::MAX);
    Ok(split_shape(
        cfg,
        rows,
        header.features.len(),
        header.targets.len(),
        on_disk,
    ))
}

/// The most bytes of text the csv file can hold once decompressed.
fn csv_content_bound(path: &Path, on_disk: u64) -> u64 {
    if is_gz(path) {
        on_disk
            .saturating_mul(DEFLATE_MAX_RATIO)
            .min(GZ_DECOMPRESSED_CAP)
    } else {
        on_disk
    }
}

fn is_gz(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "gz")
}

// ---- idx ----

/// The dimensions of one IDX file, read from its header only.
struct IdxHeader {
    dims: Vec<usize>,
    file_bytes: u64,
}

fn idx_shape(cfg: &DataConfig, dir: &Path) -> Result<DataShape> {
    if !dir.is_dir() {
        return Err(Error::data(
            dir,
            None,
            "not a folder (expected the four MNIST-format IDX files)",
        ));
    }
    let (train, train_bytes) = idx_pair(dir, "train")?;
    let (test, test_bytes) = idx_pair(dir, "t10k")?;
    if (test.1, test.2) != (train.1, train.2) {
        return Err(Error::data(
            crate::data::idx::find(dir, "t10k", "images", 3)?,
            None,
            format!(
                "images are {}×{} but the training images are {}×{}",
                test.1, test.2, train.1, train.2
            ),
        ));
    }
    Ok(DataShape {
        n_train: capped(train.0, cfg.limit_train),
        n_test: capped(test.0, cfg.limit_test),
        features: train.1.saturating_mul(train.2),
        outputs: 1,
        file_bytes: train_bytes.saturating_add(test_bytes),
        n_read: train.0.saturating_add(test.0),
        rows_exact: true,
    })
}

/// (count, rows, cols) of one images/labels pair and the bytes of both files.
fn idx_pair(dir: &Path, prefix: &str) -> Result<((usize, usize, usize), u64)> {
    let images_path = crate::data::idx::find(dir, prefix, "images", 3)?;
    let labels_path = crate::data::idx::find(dir, prefix, "labels", 1)?;
    let images = idx_header(&images_path, IMAGES_MAGIC, 3)?;
    let (n, rows, cols) = (images.dims[0], images.dims[1], images.dims[2]);
    if rows == 0 || cols == 0 {
        return Err(Error::data(
            &images_path,
            None,
            format!("image size {rows}×{cols} is empty"),
        ));
    }
    let pixels = rows
        .checked_mul(cols)
        .and_then(|size| n.checked_mul(size))
        .ok_or_else(|| Error::data(&images_path, None, "image count overflows"))?;
    check_raw_len(&images_path, &images, 16, pixels, "pixel data")?;
    let labels = idx_header(&labels_path, LABELS_MAGIC, 1)?;
    check_raw_len(&labels_path, &labels, 8, labels.dims[0], "label data")?;
    if labels.dims[0] != n {
        return Err(Error::data(
            &labels_path,
            None,
            format!(
                "{} labels but {} has {n} images",
                labels.dims[0],
                images_path.display()
            ),
        ));
    }
    Ok((
        (n, rows, cols),
        images.file_bytes.saturating_add(labels.file_bytes),
    ))
}

/// Read the magic number and `ndims` big-endian dimensions: 4·(1 + ndims) bytes.
fn idx_header(path: &Path, magic: u32, ndims: usize) -> Result<IdxHeader> {
    let need = 4 * (1 + ndims);
    let mut bytes = Vec::with_capacity(need);
    // Only the header's bytes are read, whatever the file's size.
    open_maybe_gz(path, u64::MAX, "the IDX header")?
        .take(need as u64)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(path, e))?;
    Ok(IdxHeader {
        dims: crate::data::idx::header(path, &bytes, magic, ndims)?,
        file_bytes: file_len(path)?,
    })
}

/// A raw IDX file must hold exactly its header and `expected` body bytes. A `.gz`
/// file's body is only known by decompressing it (which `load` does), but it cannot
/// hold more than 1032 × its compressed size: a header claiming more is truncated.
fn check_raw_len(
    path: &Path,
    h: &IdxHeader,
    header: u64,
    expected: usize,
    what: &str,
) -> Result<()> {
    if is_gz(path) {
        let most = h.file_bytes.saturating_mul(DEFLATE_MAX_RATIO);
        if (expected as u64).saturating_add(header) > most {
            return Err(Error::data(
                path,
                None,
                format!(
                    "truncated: the header promises {expected} bytes of {what}, more than a gzip file of {} bytes can hold",
                    h.file_bytes
                ),
            ));
        }
        return Ok(());
    }
    let body = h.file_bytes.saturating_sub(header);
    let expected = expected as u64;
    if body < expected {
        return Err(Error::data(
            path,
            None,
            format!("truncated: expected {expected} bytes of {what}, found {body}"),
        ));
    }
    if body > expected {
        return Err(Error::data(
            path,
            None,
            format!("expected {expected} bytes of {what}, found {body} (extra bytes at the end)"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
