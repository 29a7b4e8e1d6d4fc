//! Reading input files without trusting them: the one place that opens what a user names.
//!
//! Guarantees, for every function here:
//! - only regular files are read (symlinks to them too): a FIFO, a device such as
//!   `/dev/zero`, a socket or a directory is refused right after `open`, which uses
//!   `O_NONBLOCK` so that opening a FIFO with no writer cannot hang;
//! - no read goes past a limit fixed before reading (a size cap, or what a header
//!   declares), even when the file grows while it is read;
//! - gzip streams are decompressed up to a cap and stop one byte past it;
//! - every failure is an [`Error::Io`] or [`Error::Data`] naming the file and what was
//!   expected, with decoder text passed through [`quote`]: never a panic, an abort or a
//!   hang.

use std::fs::{File, OpenOptions};
use std::io::{self, BufReader, Read};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;

use flate2::read::MultiGzDecoder;

use crate::error::{quote, Error, Result};

/// Largest config file (TOML) read: 1 MiB.
pub const CONFIG_LIMIT: u64 = 1 << 20;
/// Largest data read from one CSV or IDX file, after decompression: 1 GiB.
pub const DATA_LIMIT: u64 = 1 << 30;
/// Largest file of our own read back from a run folder (`summary.json`, `pca.json`,
/// a study's `family.json` and `result.json`): 256 MiB.
pub const RUN_FILE_LIMIT: u64 = 256 << 20;

/// `n` bytes in words: `1 MiB`, `3 GiB`, `1234 bytes`.
pub fn size_text(n: u64) -> String {
    for (unit, name) in [(1u64 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")] {
        if n >= unit && n.is_multiple_of(unit) {
            return format!("{} {name}", n / unit);
        }
    }
    format!("{n} bytes")
}

/// An [`Error::Io`] for `path` with message `msg`.
fn io_error(path: &Path, kind: io::ErrorKind, msg: String) -> Error {
    Error::io(path, io::Error::new(kind, msg))
}

/// Open `path` for reading, refusing anything that is not a regular file.
///
/// The open uses `O_NONBLOCK` (a FIFO without a writer opens at once instead of
/// blocking); the type check is `fstat` on the opened descriptor, so the file checked is
/// the file read. Errors: [`Error::Io`] naming the file and, for a special file, what it
/// is ("a named pipe (FIFO), not a regular file").
pub fn open_input(path: &Path) -> Result<File> {
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| Error::io(path, e))?;
    let kind = file.metadata().map_err(|e| Error::io(path, e))?.file_type();
    let what = if kind.is_file() {
        return Ok(file);
    } else if kind.is_dir() {
        "a folder"
    } else if kind.is_fifo() {
        "a named pipe (FIFO)"
    } else if kind.is_char_device() || kind.is_block_device() {
        "a device"
    } else if kind.is_socket() {
        "a socket"
    } else {
        "a special file"
    };
    Err(io_error(
        path,
        io::ErrorKind::InvalidInput,
        format!("is {what}, not a regular file; losscape reads its inputs from regular files"),
    ))
}

/// Size of an opened input in bytes (`fstat`).
pub fn input_len(path: &Path, file: &File) -> Result<u64> {
    Ok(file.metadata().map_err(|e| Error::io(path, e))?.len())
}

/// The error for a file of `len` bytes that is over `limit`.
fn too_large(path: &Path, len: u64, limit: u64) -> Error {
    Error::data(
        path,
        None,
        format!(
            "the file is {} ({len} bytes), more than the {} losscape reads from such a file",
            size_text(len),
            size_text(limit)
        ),
    )
}

/// All bytes of the regular file `path`, which must hold at most `limit` bytes.
///
/// A file over `limit` is refused before anything is read ([`Error::Data`] naming the
/// file, its size and the limit); at most `limit + 1` bytes are ever read, so a file
/// that grows during the read is refused too.
pub fn read_input(path: &Path, limit: u64) -> Result<Vec<u8>> {
    let mut file = open_input(path)?;
    let len = input_len(path, &file)?;
    if len > limit {
        return Err(too_large(path, len, limit));
    }
    let bytes = read_up_to(&mut file, path, limit + 1)?;
    if bytes.len() as u64 > limit {
        return Err(Error::data(
            path,
            None,
            format!("the file grew past {} while it was read", size_text(limit)),
        ));
    }
    Ok(bytes)
}

/// [`read_input`] as UTF-8 text; invalid UTF-8 is an [`Error::Data`] naming the file,
/// the line and the byte offset of the first bad byte.
pub fn read_input_text(path: &Path, limit: u64) -> Result<String> {
    let bytes = read_input(path, limit)?;
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let line = e.as_bytes()[..at].iter().filter(|&&b| b == b'\n').count() + 1;
        Error::data(
            path,
            Some(line),
            format!("not UTF-8 text: invalid byte at offset {at}"),
        )
    })
}

/// Up to `n` bytes from `reader` (fewer at its end); `path` names it in errors.
///
/// Memory grows with the bytes actually read, never with `n`, so a header's claim
/// cannot make it allocate.
pub fn read_up_to(reader: &mut impl Read, path: &Path, n: u64) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    reader
        .take(n)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(path, e))?;
    Ok(bytes)
}

/// A reader that yields at most `cap` bytes of `inner` and fails, instead of stopping
/// silently, when `inner` holds more: it reads one byte past `cap` to tell, never more.
/// The error (`InvalidData`) names the cap and `what` it protects; wrap it with
/// [`Error::io`] and the file's path.
pub struct Capped<R: Read> {
    inner: R,
    left: u64,
    cap: u64,
    /// What holds more than the cap: "the file" or "gzip data decompresses to".
    subject: &'static str,
    what: &'static str,
}

impl<R: Read> Capped<R> {
    /// At most `cap` bytes of `inner`; `what` says in the error where the cap comes from
    /// (e.g. "the 1 GiB cap on CSV data").
    pub fn new(inner: R, cap: u64, what: &'static str) -> Self {
        Capped {
            inner,
            left: cap,
            cap,
            subject: "the file holds",
            what,
        }
    }

    fn over_cap(&self) -> io::Error {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "{} more than {} ({})",
                self.subject,
                size_text(self.cap),
                self.what
            ),
        )
    }
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if self.left == 0 {
            let mut probe = [0u8; 1];
            return match self.inner.read(&mut probe)? {
                0 => Ok(0),
                _ => Err(self.over_cap()),
            };
        }
        let n = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let got = self.inner.read(&mut buf[..n])?;
        self.left -= got as u64;
        Ok(got)
    }
}

/// A gzip decoder (one or more members) whose errors carry the decoder's text through
/// [`quote`], so a corrupt stream cannot put NUL or escape bytes into a message.
pub struct CleanGz<R: Read>(MultiGzDecoder<R>);

impl<R: Read> Read for CleanGz<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf).map_err(|e| {
            if e.kind() == io::ErrorKind::Interrupted {
                e
            } else {
                io::Error::new(
                    e.kind(),
                    format!("not a valid gzip stream: {}", quote(&e.to_string())),
                )
            }
        })
    }
}

/// The gzip stream `compressed` decompressed up to `cap` bytes: the decoder never
/// produces more than `cap + 1` bytes, and reading past `cap` fails with "gzip data
/// decompresses to more than <cap> (<what>)"; a corrupt stream fails with the
/// decoder's message through [`quote`].
pub fn gunzip_capped<R: Read>(compressed: R, cap: u64, what: &'static str) -> Capped<CleanGz<R>> {
    Capped {
        subject: "gzip data decompresses to",
        ..Capped::new(CleanGz(MultiGzDecoder::new(compressed)), cap, what)
    }
}

/// Open `path` for streaming: through [`gunzip_capped`] with `cap` when its name ends in
/// `.gz`, else the raw file, refused up front when it is over `cap` bytes and read
/// through [`Capped`] (a file that grows past `cap` while read fails, never cut short).
/// `what` names the cap in errors (e.g. "the 1 GiB cap on CSV data").
pub fn open_maybe_gz(path: &Path, cap: u64, what: &'static str) -> Result<Box<dyn Read>> {
    let file = open_input(path)?;
    if path.extension().is_some_and(|e| e == "gz") {
        Ok(Box::new(gunzip_capped(BufReader::new(file), cap, what)))
    } else {
        let len = input_len(path, &file)?;
        if len > cap {
            return Err(too_large(path, len, cap));
        }
        Ok(Box::new(Capped::new(file, cap, what)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use tempfile::TempDir;

    fn gz(bytes: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(bytes).unwrap();
        enc.finish().unwrap()
    }

    fn io_msg(e: Error) -> String {
        match e {
            Error::Io { source, .. } => source.to_string(),
            e => panic!("expected an Io error, got {e}"),
        }
    }

    #[test]
    fn regular_files_and_symlinks_read() {
        let dir = TempDir::new().unwrap();
        let p = dir.path().join("a.toml");
        std::fs::write(&p, "x = 1\n").unwrap();
        let link = dir.path().join("link.toml");
        std::os::unix::fs::symlink(&p, &link).unwrap();
        assert_eq!(read_input_text(&p, 100).unwrap(), "x = 1\n");
        assert_eq!(read_input(&link, 6).unwrap(), b"x = 1\n");
    }

    #[test]
    fn special_files_are_refused() {
        let dir = TempDir::new().unwrap();
        let m = io_msg(read_input(dir.path(), CONFIG_LIMIT).unwrap_err());
        assert!(m.contains("is a folder, not a regular file"), "{m}");
        let m = io_msg(read_input(Path::new("/dev/zero"), CONFIG_LIMIT).unwrap_err());
        assert!(m.contains("is a device, not a regular file"), "{m}");
        let fifo = dir.path().join("fifo");
        let ok = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(ok.success());
        // No writer: a blocking open would hang here.
        let m = io_msg(open_input(&fifo).unwrap_err());
        assert!(
            m.contains("is a named pipe (FIFO), not a regular file"),
            "{m}"
        );
    }

    #[test]
    fn over_limit_is_refused_with_size_and_limit() {
        let dir = TempDir::new().unwrap();
        let p = dir.path().join("big.toml");
        std::fs::write(&p, vec![b'#'; 2049]).unwrap();
        let e = read_input(&p, 2048).unwrap_err();
        assert!(matches!(e, Error::Data { .. }));
        let m = e.to_string();
        assert!(
            m.contains("big.toml") && m.contains("2049 bytes") && m.contains("2 KiB"),
            "{m}"
        );
        assert_eq!(read_input(&p, 2049).unwrap().len(), 2049);
    }

    #[test]
    fn invalid_utf8_names_line_and_offset() {
        let dir = TempDir::new().unwrap();
        let p = dir.path().join("c.toml");
        std::fs::write(&p, b"a = 1\nb = \"\xff\"\n").unwrap();
        let m = read_input_text(&p, 100).unwrap_err().to_string();
        assert!(
            m.contains("c.toml, line 2: not UTF-8 text: invalid byte at offset 11"),
            "{m}"
        );
    }

    #[test]
    fn gzip_decode_stops_one_byte_past_the_cap() {
        let bomb = gz(&vec![0u8; 16 << 20]);
        assert!(bomb.len() < 100_000);
        let mut r = gunzip_capped(&bomb[..], 1000, "a test cap");
        let mut out = Vec::new();
        let e = r.read_to_end(&mut out).unwrap_err();
        assert!(out.len() <= 1000, "{}", out.len());
        assert_eq!(
            e.to_string(),
            "gzip data decompresses to more than 1000 bytes (a test cap)"
        );
        let mut exact = Vec::new();
        gunzip_capped(&gz(b"hello")[..], 5, "cap")
            .read_to_end(&mut exact)
            .unwrap();
        assert_eq!(exact, b"hello");
    }

    #[test]
    fn corrupt_gzip_message_is_clean() {
        let mut bytes = gz(&[7u8; 1000]);
        bytes.truncate(bytes.len() / 2);
        bytes.extend_from_slice(b"\0\x1b[2J\0");
        let mut out = Vec::new();
        let e = gunzip_capped(&bytes[..], 1 << 20, "cap")
            .read_to_end(&mut out)
            .unwrap_err();
        let m = e.to_string();
        assert!(!m.chars().any(|c| c.is_control()), "{m:?}");
        let mut out = Vec::new();
        let e = gunzip_capped(&b"\x1f\x8b\x08\0garbage\0\x1b"[..], 1 << 20, "cap")
            .read_to_end(&mut out)
            .unwrap_err();
        assert!(!e.to_string().chars().any(|c| c.is_control()));
    }

    #[test]
    fn capped_raw_reader_fails_past_the_cap() {
        let mut out = Vec::new();
        let e = Capped::new(&[1u8; 10][..], 9, "cap")
            .read_to_end(&mut out)
            .unwrap_err();
        assert_eq!(e.to_string(), "the file holds more than 9 bytes (cap)");
        assert_eq!(out.len(), 9);
        let mut out = Vec::new();
        Capped::new(&[1u8; 10][..], 10, "cap")
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out.len(), 10);
    }

    #[test]
    fn sizes_in_words() {
        assert_eq!(size_text(1 << 20), "1 MiB");
        assert_eq!(size_text(3 << 30), "3 GiB");
        assert_eq!(size_text(1000), "1000 bytes");
    }
}
