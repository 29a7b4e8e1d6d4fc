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
mod tests {
    use super::*;

    const FP: &str = "cfg-3f2a9c";

    /// Deterministic values of point `i`, with awkward bit patterns mixed in.
    fn point(i: usize, k: usize) -> Vec<f64> {
        (0..k)
            .map(|j| match (i + j) % 5 {
                0 => f64::from_bits(0x7ff8_0000_dead_beef), // NaN with a payload
                1 => -0.0,
                2 => f64::from_bits(0x7ff0_0000_0000_0001), // signalling NaN
                3 => f64::NEG_INFINITY,
                _ => (i as f64).sin() * 1e-300 + j as f64,
            })
            .collect()
    }

    fn bits(v: &[Option<Vec<f64>>]) -> Vec<Option<Vec<u64>>> {
        v.iter()
            .map(|p| p.as_ref().map(|p| p.iter().map(|x| x.to_bits()).collect()))
            .collect()
    }

    fn expected(n: usize, k: usize, done: impl Fn(usize) -> bool) -> Vec<Option<Vec<u64>>> {
        (0..n)
            .map(|i| done(i).then(|| point(i, k).iter().map(|x| x.to_bits()).collect()))
            .collect()
    }

    fn header_len() -> u64 {
        encode_header(FP, 0, 0).len() as u64
    }

    /// A store with points `0..m` of `n` written and flushed.
    fn write_prefix(path: &Path, n: usize, k: usize, m: usize) {
        let (mut s, got) = GridStore::open(path, FP, n, k, false).unwrap();
        assert!(got.iter().all(Option::is_none));
        for i in 0..m {
            s.append(i, &point(i, k)).unwrap();
        }
        s.flush().unwrap();
    }

    #[test]
    fn round_trip_keeps_bits() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sweep.log");
        let (n, k) = (200, 4);
        let (mut s, got) = GridStore::open(&path, FP, n, k, false).unwrap();
        assert_eq!(got.len(), n);
        assert!(got.iter().all(Option::is_none));
        // Out of order, with a gap at 7 and a duplicate of 3.
        for i in (0..n).rev().filter(|&i| i != 7) {
            s.append(i, &point(i, k)).unwrap();
        }
        s.append(3, &point(3, k)).unwrap();
        s.flush().unwrap();
        drop(s);
        let (s, got) = GridStore::open(&path, FP, n, k, false).unwrap();
        assert_eq!(s.dropped_bytes(), 0);
        assert_eq!(bits(&got), expected(n, k, |i| i != 7));
        let nan = got[0].as_ref().unwrap()[0];
        assert_eq!(nan.to_bits(), 0x7ff8_0000_dead_beef);
        let neg_zero = got[0].as_ref().unwrap()[1];
        assert_eq!(neg_zero.to_bits(), (-0.0f64).to_bits());
    }

    #[test]
    fn buffered_records_reach_disk_on_flush_and_drop() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sweep.log");
        let (n, k) = (10, 2);
        let (mut s, _) = GridStore::open(&path, FP, n, k, false).unwrap();
        s.append(0, &point(0, k)).unwrap();
        // Fewer than 64 records and well under 1 s: still buffered.
        assert_eq!(std::fs::metadata(&path).unwrap().len(), header_len());
        s.flush().unwrap();
        let rec = record_size(k) as u64;
        assert_eq!(std::fs::metadata(&path).unwrap().len(), header_len() + rec);
        s.append(1, &point(1, k)).unwrap();
        drop(s);
        assert_eq!(
            std::fs::metadata(&path).unwrap().len(),
            header_len() + 2 * rec
        );
        let (_, got) = GridStore::open(&path, FP, n, k, false).unwrap();
        assert_eq!(bits(&got), expected(n, k, |i| i < 2));
    }

    #[test]
    fn flushes_every_64_records() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sweep.log");
        let k = 1;
        let (mut s, _) = GridStore::open(&path, FP, 1000, k, false).unwrap();
        for i in 0..64 {
            s.append(i, &point(i, k)).unwrap();
        }
        let rec = record_size(k) as u64;
        assert_eq!(
            std::fs::metadata(&path).unwrap().len(),
            header_len() + 64 * rec
        );
        std::mem::forget(s); // a "crash": the file must already hold the 64
        let (_, got) = GridStore::open(&path, FP, 1000, k, false).unwrap();
        assert_eq!(bits(&got), expected(1000, k, |i| i < 64));
    }

    #[test]
    fn flushes_after_one_second() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sweep.log");
        let k = 2;
        let (mut s, _) = GridStore::open(&path, FP, 10, k, false).unwrap();
        s.append(0, &point(0, k)).unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().len(), header_len());
        std::thread::sleep(FLUSH_INTERVAL + Duration::from_millis(20));
        s.append(1, &point(1, k)).unwrap();
        let rec = record_size(k) as u64;
        assert_eq!(
            std::fs::metadata(&path).unwrap().len(),
            header_len() + 2 * rec
        );
        std::mem::forget(s);
    }

    #[test]
    fn torn_tail_at_every_offset_is_cut_and_resumes_bit_identically() {
        let dir = tempfile::tempdir().unwrap();
        let full_path = dir.path().join("full.log");
        let (n, k, m) = (12, 3, 5);
        write_prefix(&full_path, n, k, m);
        let full = std::fs::read(&full_path).unwrap();
        let rec = record_size(k);
        let last = full.len() - rec;
        let uninterrupted = expected(n, k, |_| true);
        for cut in last..full.len() {
            let path = dir.path().join(format!("cut{cut}.log"));
            std::fs::write(&path, &full[..cut]).unwrap();
            let (mut s, got) = GridStore::open(&path, FP, n, k, false).unwrap();
            assert_eq!(bits(&got), expected(n, k, |i| i < m - 1), "cut at {cut}");
            assert_eq!(s.dropped_bytes(), (cut - last) as u64);
            assert_eq!(std::fs::metadata(&path).unwrap().len(), last as u64);
            // Resume: compute only what is missing.
            for i in (0..n).filter(|&i| got[i].is_none()) {
                s.append(i, &point(i, k)).unwrap();
            }
            drop(s);
            let (_, got) = GridStore::open(&path, FP, n, k, false).unwrap();
            assert_eq!(bits(&got), uninterrupted, "cut at {cut}");
        }
    }

    #[test]
    fn corrupt_record_drops_it_and_everything_after() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sweep.log");
        let (n, k, m) = (10, 2, 8);
        write_prefix(&path, n, k, m);
        let mut bytes = std::fs::read(&path).unwrap();
        let rec = record_size(k);
        let h = header_len() as usize;
        // Flip one bit in a value of record 3.
        bytes[h + 3 * rec + 12] ^= 0x10;
        std::fs::write(&path, &bytes).unwrap();
        let (mut s, got) = GridStore::open(&path, FP, n, k, false).unwrap();
        assert_eq!(bits(&got), expected(n, k, |i| i < 3));
        assert_eq!(s.dropped_bytes(), ((m - 3) * rec) as u64);
        for i in 3..n {
            s.append(i, &point(i, k)).unwrap();
        }
        drop(s);
        let (_, got) = GridStore::open(&path, FP, n, k, false).unwrap();
        assert_eq!(bits(&got), expected(n, k, |_| true));
    }

    #[test]
    fn record_index_out_of_range_is_corrupt() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sweep.log");
        let (n, k) = (10, 2);
        write_prefix(&path, n, k, 2);
        // Append a record with a valid checksum but index n.
        let mut rec = (n as u64).to_le_bytes().to_vec();
        for v in point(0, k) {
            rec.extend_from_slice(&v.to_bits().to_le_bytes());
        }
        let sum = fnv1a64(&rec);
        rec.extend_from_slice(&sum.to_le_bytes());
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(&rec).unwrap();
        let good = point(5, k);
        let mut rec5 = 5u64.to_le_bytes().to_vec();
        good.iter()
            .for_each(|v| rec5.extend_from_slice(&v.to_bits().to_le_bytes()));
        let sum = fnv1a64(&rec5);
        rec5.extend_from_slice(&sum.to_le_bytes());
        f.write_all(&rec5).unwrap();
        drop(f);
        let (s, got) = GridStore::open(&path, FP, n, k, false).unwrap();
        assert_eq!(bits(&got), expected(n, k, |i| i < 2));
        assert_eq!(s.dropped_bytes(), 2 * record_size(k) as u64);
    }

    #[test]
    fn zero_records_are_not_valid() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sweep.log");
        let (n, k) = (10, 2);
        write_prefix(&path, n, k, 1);
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(&vec![0u8; 3 * record_size(k)]).unwrap();
        drop(f);
        let (_, got) = GridStore::open(&path, FP, n, k, false).unwrap();
        assert_eq!(bits(&got), expected(n, k, |i| i < 1));
    }

    #[test]
    fn different_config_is_refused_unless_fresh() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sweep.log");
        write_prefix(&path, 10, 2, 4);
        let before = std::fs::read(&path).unwrap();
        for (fp, n, k) in [("other-cfg", 10, 2), (FP, 11, 2), (FP, 10, 3)] {
            let err = GridStore::open(&path, fp, n, k, false).unwrap_err();
            assert!(err.is_bad_input());
            let msg = err.to_string();
            assert!(msg.contains("--fresh"), "{msg}");
            assert!(msg.contains("different config"), "{msg}");
            assert!(msg.contains(&path.display().to_string()), "{msg}");
            // The refused open left the file alone.
            assert_eq!(std::fs::read(&path).unwrap(), before);
        }
        let (mut s, got) = GridStore::open(&path, "other-cfg", 10, 3, true).unwrap();
        assert!(got.iter().all(Option::is_none));
        s.append(9, &point(9, 3)).unwrap();
        drop(s);
        let (_, got) = GridStore::open(&path, "other-cfg", 10, 3, false).unwrap();
        assert_eq!(bits(&got), expected(10, 3, |i| i == 9));
        assert!(!dir.path().join("sweep.log.tmp").exists());
    }

    #[test]
    fn fresh_with_same_config_starts_empty() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sweep.log");
        write_prefix(&path, 10, 2, 4);
        let (_, got) = GridStore::open(&path, FP, 10, 2, true).unwrap();
        assert!(got.iter().all(Option::is_none));
        assert_eq!(std::fs::metadata(&path).unwrap().len(), header_len());
    }

    #[test]
    fn corrupt_or_foreign_header_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sweep.log");
        write_prefix(&path, 10, 2, 1);
        let good = std::fs::read(&path).unwrap();
        let h = header_len() as usize;
        let mut cases: Vec<Vec<u8>> = vec![b"hello world, not a log".to_vec()];
        for cut in 1..h {
            cases.push(good[..cut].to_vec());
        }
        for i in 0..h {
            let mut b = good.clone();
            b[i] ^= 0x01;
            cases.push(b);
        }
        for bytes in cases {
            std::fs::write(&path, &bytes).unwrap();
            let err = GridStore::open(&path, FP, 10, 2, false).unwrap_err();
            assert!(matches!(err, Error::Data { .. }), "{err}");
            let msg = err.to_string();
            assert!(
                msg.contains("--fresh") && msg.contains("sweep.log"),
                "{msg}"
            );
            let (_, got) = GridStore::open(&path, FP, 10, 2, true).unwrap();
            assert!(got.iter().all(Option::is_none));
        }
    }

    #[test]
    fn empty_file_counts_as_absent_and_parent_is_created() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sweep.log");
        std::fs::write(&path, b"").unwrap();
        let (_, got) = GridStore::open(&path, FP, 3, 1, false).unwrap();
        assert!(got.iter().all(Option::is_none));
        let nested = dir.path().join("a/b/sweep.log");
        GridStore::open(&nested, FP, 3, 1, false).unwrap();
        assert!(nested.exists());
    }

    #[test]
    fn bad_append_is_invalid() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sweep.log");
        let (mut s, _) = GridStore::open(&path, FP, 3, 2, false).unwrap();
        assert!(matches!(s.append(3, &[0.0, 0.0]), Err(Error::Invalid(_))));
        assert!(matches!(s.append(0, &[0.0]), Err(Error::Invalid(_))));
    }

    const CHILD_ENV: &str = "LOSSCAPE_STORE_KILL_CHILD";
    const KILL_N: usize = 1_000_000;
    const KILL_K: usize = 3;

    /// Does nothing in a normal test run. Spawned by `sigkill_mid_sweep_loses_only_the_tail`
    /// with `CHILD_ENV` set, it sweeps into that file until it is killed.
    #[test]
    fn sigkill_child() {
        let Some(path) = std::env::var_os(CHILD_ENV) else {
            return;
        };
        let (mut s, got) = GridStore::open(Path::new(&path), FP, KILL_N, KILL_K, false).unwrap();
        for i in (0..KILL_N).filter(|&i| got[i].is_none()) {
            s.append(i, &point(i, KILL_K)).unwrap();
            std::thread::sleep(Duration::from_micros(20));
        }
    }

    #[test]
    fn sigkill_mid_sweep_loses_only_the_tail() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sweep.log");
        let exe = std::env::current_exe().unwrap();
        let mut done = 0;
        for round in 0..3 {
            let mut child = std::process::Command::new(&exe)
                .args([
                    "landscape::store::tests::sigkill_child",
                    "--exact",
                    "--test-threads=1",
                ])
                .env(CHILD_ENV, &path)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap();
            // Wait until the child has flushed at least once past where it started, then
            // give it 50 ms more and kill it (SIGKILL on Unix).
            let start_len = header_len() + (done * record_size(KILL_K)) as u64;
            let t0 = Instant::now();
            while std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0) <= start_len {
                assert!(t0.elapsed() < Duration::from_secs(30), "child never wrote");
                std::thread::sleep(Duration::from_millis(1));
            }
            std::thread::sleep(Duration::from_millis(50));
            child.kill().unwrap();
            child.wait().unwrap();

            let (s, got) = GridStore::open(&path, FP, KILL_N, KILL_K, false).unwrap();
            let m = got.iter().take_while(|p| p.is_some()).count();
            assert!(m > done, "round {round}: {m} points after {done}");
            assert!(got[m..].iter().all(Option::is_none), "not a prefix");
            assert_eq!(bits(&got[..m]), expected(m, KILL_K, |_| true));
            let len = std::fs::metadata(&path).unwrap().len();
            assert_eq!(len, header_len() + (m * record_size(KILL_K)) as u64);
            drop(s);
            done = m;
        }
    }
}
