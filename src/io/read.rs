//! Reading input files safely: only regular files, opened without blocking (a FIFO
//! cannot hang the run), and never more bytes than a cap.

use crate::error::{Error, Result};
use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// Largest config file, in bytes.
pub const CONFIG_LIMIT: u64 = 1 << 20;

/// The bytes of the regular file `path`, refused when it is larger than `limit`.
pub fn read_input(path: &Path, limit: u64) -> Result<Vec<u8>> {
    let f = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| Error::io(path, e))?;
    let m = f.metadata().map_err(|e| Error::io(path, e))?;
    if !m.is_file() {
        return Err(Error::data(path, None, "is not a regular file"));
    }
    if m.len() > limit {
        return Err(Error::data(
            path,
            None,
            format!("is {} bytes; at most {limit} are read", m.len()),
        ));
    }
    let mut bytes = Vec::new();
    f.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(path, e))?;
    if bytes.len() as u64 > limit {
        return Err(Error::data(path, None, format!("is over {limit} bytes")));
    }
    Ok(bytes)
}

/// [`read_input`] as UTF-8 text.
pub fn read_input_text(path: &Path, limit: u64) -> Result<String> {
    String::from_utf8(read_input(path, limit)?).map_err(|e| {
        Error::data(
            path,
            None,
            format!("is not UTF-8 text (byte {})", e.utf8_error().valid_up_to()),
        )
    })
}
