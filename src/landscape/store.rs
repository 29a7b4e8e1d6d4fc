//! A crash-safe, resumable on-disk log of a grid sweep.
//!
//! A loss-landscape sweep evaluates `n_points` grid points, each giving `n_values` f64
//! numbers (train loss, train accuracy, test loss, ...), possibly for hours. The sweep
//! appends every finished point to a [`GridStore`]; when the run is killed (SIGKILL or
//! power loss included) and started again with the same config, [`GridStore::open`]
//! hands back the points already computed so only the missing ones are evaluated. The
//! values are stored as raw bits, so the final arrays are bit-identical to those of an
//! uninterrupted run (NaN payloads and −0.0 included).
//!
//! File format (all integers little endian):
//!
//! ```text
//! header:  b"LSCPGRID" | version u32 | fingerprint length u32 | fingerprint (UTF-8)
//!          | n_points u64 | n_values u32 | checksum u64 (FNV-1a of the bytes before it)
//! record:  index u64 | n_values × f64 bits u64 | checksum u64 (FNV-1a of index + values)
//! ```
//!
//! Crash safety:
//! - The header is written to `<file>.tmp`, fsynced and renamed over `<file>` (then the
//!   folder is fsynced), so a crash never leaves a half header. A zero-length file is
//!   treated as absent.
//! - Records are fixed-size and appended with one `write_all` per flush, followed by an
//!   fsync. A crash may cut the last flush anywhere: on open the records are read in
//!   order and the file is truncated at the first record that is incomplete, fails its
//!   checksum or has an index ≥ `n_points`. **Everything from that record on is
//!   discarded and will be recomputed**, even records after it that would verify: once
//!   one record is bad the file is no longer what this code wrote, and a clean prefix is
//!   the only part worth trusting. (A torn tail only ever affects the last flush.)
//! - A crash after a flush but before the caller learned of it can leave a point stored
//!   twice; on open the first copy wins (both are bit-identical for a deterministic
//!   sweep).
//!
//! A store is for one process at a time: the run folder's lock ([`crate::io::lock`])
//! keeps a second run out.

use std::fs::{File, OpenOptions};
use std::io::{BufReader, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::io::hash::fnv1a64;

const MAGIC: &[u8; 8] = b"LSCPGRID";
const VERSION: u32 = 1;
/// Flush once this many records are buffered...
const FLUSH_RECORDS: usize = 64;
/// ...or once this much time has passed since the last flush.
const FLUSH_INTERVAL: Duration = Duration::from_secs(1);

/// An append-only log of the values of a grid sweep; see the module docs.
#[derive(Debug)]
pub struct GridStore {
    path: PathBuf,
    file: File,
    fingerprint: String,
    n_points: usize,
    n_values: usize,
    /// Encoded records not yet written.
    pending: Vec<u8>,
    pending_records: usize,
    /// Length of the file up to the last successful flush (header + whole records).
    len: u64,
    last_flush: Instant,
    /// Bytes cut from the end of the file when it was opened (torn or corrupt records).
    dropped: u64,
}

impl GridStore {
    /// Open `path` (e.g. `run_dir/"sweep.log"`) for a sweep with this `fingerprint` (any
    /// string: the caller hashes the resolved config and directions), `n_points` points
    /// and `n_values` values per point.
    ///
    /// Creates the file if absent. If present and its header matches, reads every
    /// complete, checksum-valid record, truncates the file after the last of them (a
    /// record cut by a crash, and anything after a corrupt record, is dropped) and
    /// returns the values already computed, indexed by point (`None` = still to do).
    /// A header for a different fingerprint, `n_points` or `n_values`, or a corrupt
    /// header, is an error naming the file unless `fresh`, in which case the file is
    /// replaced by an empty store (`fresh` always starts empty).
    pub fn open(
        path: &Path,
        fingerprint: &str,
        n_points: usize,
        n_values: usize,
        fresh: bool,
    ) -> Result<(GridStore, Vec<Option<Vec<f64>>>)> {
        if n_values > u32::MAX as usize || fingerprint.len() > u32::MAX as usize {
            return Err(Error::Invalid(format!(
                "GridStore::open: n_values = {n_values} or a fingerprint of {} bytes \
                 does not fit the format",
                fingerprint.len()
            )));
        }
        let header = encode_header(fingerprint, n_points, n_values);
        let mut values = vec![None; n_points];
        let existing_len = match std::fs::metadata(path) {
            Ok(m) => Some(m.len()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(Error::io(path, e)),
        };
        let fresh_file = fresh || matches!(existing_len, None | Some(0));
        if fresh_file {
            create_with_header(path, &header)?;
        }
        let (file, meta) = open_log(path, true).map_err(|e| Error::io(path, e))??;
        let file_len = meta.len();
        let mut store = GridStore {
            path: path.to_path_buf(),
            file,
            fingerprint: fingerprint.to_string(),
            n_points,
            n_values,
            pending: Vec::new(),
            pending_records: 0,
            len: file_len,
            last_flush: Instant::now(),
            dropped: 0,
        };
        if fresh_file {
            return Ok((store, values));
        }

        let mut reader = BufReader::with_capacity(1 << 16, &store.file);
        store.check_header(&mut reader, file_len)?;
        let header_len = header.len() as u64;
        let rec_size = record_size(n_values) as u64;
        let mut rec = vec![0u8; rec_size as usize];
        let mut valid_end = header_len;
        while valid_end + rec_size <= file_len {
            reader
                .read_exact(&mut rec)
                .map_err(|e| Error::io(path, e))?;
            let Some((index, vals)) = decode_record(&rec, n_points) else {
                break;
            };
            if values[index].is_none() {
                values[index] = Some(vals);
            }
            valid_end += rec_size;
        }
        drop(reader);
        if valid_end < file_len {
            store
                .file
                .set_len(valid_end)
                .and_then(|()| store.file.sync_all())
                .map_err(|e| Error::output(path, format!("cutting a torn tail: {e}")))?;
            store.dropped = file_len - valid_end;
            store.len = valid_end;
        }
        Ok((store, values))
    }

    /// Append one point's values. Records are buffered and written + fsynced once 64 are
    /// waiting or 1 s has passed since the last flush; call [`flush`](Self::flush) at the
    /// end (dropping the store also flushes, ignoring errors).
    pub fn append(&mut self, index: usize, values: &[f64]) -> Result<()> {
        if index >= self.n_points || values.len() != self.n_values {
            return Err(Error::Invalid(format!(
                "GridStore::append: point {index} with {} values, but the store holds \
                 {} points of {} values",
                values.len(),
                self.n_points,
                self.n_values
            )));
        }
        let start = self.pending.len();
        self.pending
            .extend_from_slice(&(index as u64).to_le_bytes());
        for v in values {
            self.pending.extend_from_slice(&v.to_bits().to_le_bytes());
        }
        let sum = fnv1a64(&self.pending[start..]);
        self.pending.extend_from_slice(&sum.to_le_bytes());
        self.pending_records += 1;
        if self.pending_records >= FLUSH_RECORDS || self.last_flush.elapsed() >= FLUSH_INTERVAL {
            self.flush()?;
        }
        Ok(())
    }

    /// Write and fsync everything buffered. On failure the file is cut back to its last
    /// good length (best effort) and the records stay buffered, so a retry may succeed.
    pub fn flush(&mut self) -> Result<()> {
        if self.pending.is_empty() {
            self.last_flush = Instant::now();
            return Ok(());
        }
        let res = self
            .file
            .write_all(&self.pending)
            .and_then(|()| self.file.sync_data());
        if let Err(e) = res {
            let _ = self.file.set_len(self.len);
            return Err(Error::output(&self.path, e));
        }
        self.len += self.pending.len() as u64;
        self.pending.clear();
        self.pending_records = 0;
        self.last_flush = Instant::now();
        Ok(())
    }

    /// The file this store writes.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Bytes cut from the end of the file by [`open`](Self::open): a torn last record,
    /// or a corrupt record and everything after it. Zero after a clean stop.
    pub fn dropped_bytes(&self) -> u64 {
        self.dropped
    }

    /// Read and verify the header of an existing file against this store's parameters.
    fn check_header(&self, r: &mut impl Read, file_len: u64) -> Result<()> {
        let path = &self.path;
        let (fingerprint, n_points, n_values) = read_header(path, r, file_len)?;
        if fingerprint != self.fingerprint
            || n_points != self.n_points as u64
            || n_values as usize != self.n_values
        {
            return Err(Error::data(
                path,
                None,
                format!(
                    "this folder holds a sweep of a different config (fingerprint {}, {} \
                     points × {} values; this run: fingerprint {}, {} points × {} values); \
                     rerun with --fresh to discard it or choose another --out",
                    short(&fingerprint),
                    n_points,
                    n_values,
                    short(&self.fingerprint),
                    self.n_points,
                    self.n_values
                ),
            ));
        }
        Ok(())
    }

    /// The fingerprint in the header of the log at `path`, or None when there is no log
    /// (absent or empty). A header that is not valid is an error naming the file.
    pub fn logged_fingerprint(path: &Path) -> Result<Option<String>> {
        let (file, meta) = match open_log(path, false) {
            Ok(opened) => opened?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io(path, e)),
        };
        if meta.len() == 0 {
            return Ok(None);
        }
        let (fingerprint, _, _) = read_header(path, &mut BufReader::new(file), meta.len())?;
        Ok(Some(fingerprint))
    }
}

/// Open the log at `path` for reading (and appending when `append`) never through a
/// planted symlink and never blocking on a FIFO; the outer error is the open's, the
/// inner one says the file is not a regular file.
fn open_log(path: &Path, append: bool) -> std::io::Result<Result<(File, std::fs::Metadata)>> {
    let file = OpenOptions::new()
        .read(true)
        .append(append)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)?;
    let meta = file.metadata()?;
    Ok(if meta.is_file() {
        Ok((file, meta))
    } else {
        Err(Error::data(
            path,
            None,
            "the sweep log is not a regular file",
        ))
    })
}

/// Read and verify a log header: (fingerprint, n_points, n_values).
fn read_header(path: &Path, r: &mut impl Read, file_len: u64) -> Result<(String, u64, u32)> {
    let corrupt = |what: &str| {
        Error::data(
            path,
            None,
            format!(
                "not a valid losscape sweep log ({what}); rerun with --fresh to \
                 discard it or choose another --out"
            ),
        )
    };
    let mut fixed = [0u8; 16];
    if file_len < 16 {
        return Err(corrupt("shorter than a header"));
    }
    r.read_exact(&mut fixed).map_err(|e| Error::io(path, e))?;
    if &fixed[..8] != MAGIC {
        return Err(corrupt("wrong magic bytes"));
    }
    let version = u32::from_le_bytes(fixed[8..12].try_into().unwrap());
    let fp_len = u32::from_le_bytes(fixed[12..16].try_into().unwrap()) as u64;
    if 16 + fp_len + 20 > file_len {
        return Err(corrupt("shorter than its header"));
    }
    let mut rest = vec![0u8; fp_len as usize + 20];
    r.read_exact(&mut rest).map_err(|e| Error::io(path, e))?;
    let mut all = fixed.to_vec();
    all.extend_from_slice(&rest);
    let body = all.len() - 8;
    let sum = u64::from_le_bytes(all[body..].try_into().unwrap());
    if fnv1a64(&all[..body]) != sum {
        return Err(corrupt("header checksum mismatch"));
    }
    if version != VERSION {
        return Err(corrupt(&format!(
            "format version {version}, this build reads {VERSION}"
        )));
    }
    let fp_end = 16 + fp_len as usize;
    let Ok(fingerprint) = std::str::from_utf8(&all[16..fp_end]) else {
        return Err(corrupt("fingerprint is not UTF-8"));
    };
    let n_points = u64::from_le_bytes(all[fp_end..fp_end + 8].try_into().unwrap());
    let n_values = u32::from_le_bytes(all[fp_end + 8..fp_end + 12].try_into().unwrap());
    Ok((fingerprint.to_string(), n_points, n_values))
}

impl Drop for GridStore {
    fn drop(&mut self) {
        let _ = self.flush();
    }
}

/// Bytes of one record holding `n_values` values.
fn record_size(n_values: usize) -> usize {
    8 + 8 * n_values + 8
}

fn encode_header(fingerprint: &str, n_points: usize, n_values: usize) -> Vec<u8> {
    let mut h = Vec::with_capacity(36 + fingerprint.len());
    h.extend_from_slice(MAGIC);
    h.extend_from_slice(&VERSION.to_le_bytes());
    h.extend_from_slice(&(fingerprint.len() as u32).to_le_bytes());
    h.extend_from_slice(fingerprint.as_bytes());
    h.extend_from_slice(&(n_points as u64).to_le_bytes());
    h.extend_from_slice(&(n_values as u32).to_le_bytes());
    let sum = fnv1a64(&h);
    h.extend_from_slice(&sum.to_le_bytes());
    h
}

/// The index and values of a record, or `None` if its checksum fails or its index is
/// out of range.
fn decode_record(rec: &[u8], n_points: usize) -> Option<(usize, Vec<f64>)> {
    let body = rec.len() - 8;
    let sum = u64::from_le_bytes(rec[body..].try_into().unwrap());
    if fnv1a64(&rec[..body]) != sum {
        return None;
    }
    let index = u64::from_le_bytes(rec[..8].try_into().unwrap());
    if index >= n_points as u64 {
        return None;
    }
    let vals = rec[8..body]
        .chunks_exact(8)
        .map(|c| f64::from_bits(u64::from_le_bytes(c.try_into().unwrap())))
        .collect();
    Some((index as usize, vals))
}

/// Write a new log holding only `header` (atomically, like every output file).
fn create_with_header(path: &Path, header: &[u8]) -> Result<()> {
    if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        crate::io::run_dir::ensure_subfolder(dir)?;
    }
    crate::io::write_atomic(path, header)
}

/// A fingerprint shortened for an error message.
fn short(s: &str) -> String {
    if s.chars().count() <= 32 {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(32).collect::<String>())
    }
}

#[cfg(test)]
mod tests;
