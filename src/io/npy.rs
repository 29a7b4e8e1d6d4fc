//! `.npy` arrays, the format of `np.save` / `np.load` (NEP 1, format version 1.0).
//!
//! Layout of a file: the magic `\x93NUMPY`, the version bytes `1 0`, a little-endian u16
//! header length, then a Python dict literal such as
//! `{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }` padded with spaces and a
//! final `\n` so that the data starts at a multiple of 64 bytes, then the elements in C
//! (row-major) order. We write `<f4` (f32) or `<f8` (f64) exactly as numpy does, byte for
//! byte, and read `<f4`/`<f8` (and big-endian `>f4`/`>f8`) in C order into f64.
//!
//! Reading: the preamble (magic, version, header length) is checked here, so that the
//! header read is capped ([`MAX_HEADER`]) and the data length is checked against the file
//! before any data is read; the header's Python dict is parsed and the elements decoded
//! by the `ndarray-npy` crate. Writing stays here: `ndarray-npy` writes the dict without
//! numpy's trailing `, }`, and we keep files byte-identical to `np.save`'s.

use ndarray_npy::npy::header::{Header, ParseHeaderError, ReadHeaderError};
use ndarray_npy::ReadableElement;

use crate::error::{quote, Error, Result};
use crate::io::atomic::write_atomic;
use crate::io::read;
use crate::scalar::Scalar;
use std::path::Path;

const MAGIC: &[u8] = b"\x93NUMPY";
/// numpy aligns the start of the data to this many bytes.
const ALIGN: usize = 64;

/// The numpy `descr` of scalar type `S`: `<f4` or `<f8`.
pub fn descr<S: Scalar>() -> &'static str {
    if S::BYTES == 4 {
        "<f4"
    } else {
        "<f8"
    }
}

/// Python's text of a shape tuple: `()`, `(3,)`, `(2, 3)`.
fn shape_text(shape: &[usize]) -> String {
    match shape {
        [] => "()".to_string(),
        [n] => format!("({n},)"),
        _ => {
            let parts: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
            format!("({})", parts.join(", "))
        }
    }
}

/// The bytes of a `.npy` file holding `data` (C order) with `shape`.
///
/// `data.len()` must equal the product of `shape` (1 for `shape = []`, a 0-d array),
/// otherwise [`Error::Invalid`].
pub fn to_bytes<S: Scalar>(data: &[S], shape: &[usize]) -> Result<Vec<u8>> {
    let n = shape.iter().try_fold(1usize, |a, &d| a.checked_mul(d));
    if n != Some(data.len()) {
        return Err(Error::Invalid(format!(
            ".npy: {} values do not fill shape {}",
            data.len(),
            shape_text(shape)
        )));
    }
    let dict = format!(
        "{{'descr': '{}', 'fortran_order': False, 'shape': {}, }}",
        descr::<S>(),
        shape_text(shape)
    );
    // Version 1.0 has a u16 header length; numpy falls back to 2.0 (u32) beyond that.
    let (version, preamble) = if 10 + dict.len() + 1 + ALIGN <= u16::MAX as usize {
        (1u8, 10)
    } else {
        (2u8, 12)
    };
    let header_len = (preamble + dict.len() + 1).next_multiple_of(ALIGN) - preamble;
    let mut out = Vec::with_capacity(preamble + header_len + data.len() * S::BYTES);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&[version, 0]);
    if version == 1 {
        out.extend_from_slice(&(header_len as u16).to_le_bytes());
    } else {
        out.extend_from_slice(&(header_len as u32).to_le_bytes());
    }
    out.extend_from_slice(dict.as_bytes());
    out.resize(preamble + header_len - 1, b' ');
    out.push(b'\n');
    out.extend_from_slice(&S::to_le_bytes_vec(data));
    Ok(out)
}

/// Write `data` with `shape` to `path` as `.npy`, atomically.
pub fn write<S: Scalar>(path: &Path, data: &[S], shape: &[usize]) -> Result<()> {
    let bytes =
        to_bytes(data, shape).map_err(|e| Error::Invalid(format!("{}: {e}", path.display())))?;
    write_atomic(path, &bytes)
}

/// Longest `.npy` header read: 1 MiB (numpy itself refuses headers over 10 000 bytes
/// unless told otherwise).
pub const MAX_HEADER: usize = 1 << 20;

/// Read a `.npy` file of float32 or float64 values into f64, with its shape.
///
/// Only a regular file is read, and only as far as its header declares: the header
/// (at most [`MAX_HEADER`] bytes) is read first, the file's size is checked against the
/// shape it declares, and only then are the data bytes read.
/// Missing or unreadable file: [`Error::Io`]; anything else wrong (not `.npy`, another
/// dtype, Fortran order, truncated): [`Error::Data`] naming the file and what was found.
pub fn read(path: &Path) -> Result<(Vec<f64>, Vec<usize>)> {
    let mut file = read::open_input(path)?;
    let len = read::input_len(path, &file)?;
    let mut head = read::read_up_to(&mut file, path, 12)?;
    if let Some((preamble, header_len)) = header_extent(&head) {
        if header_len <= MAX_HEADER {
            let rest = (preamble + header_len).saturating_sub(head.len());
            head.extend(read::read_up_to(&mut file, path, rest as u64)?);
        }
    }
    let h = parse_head(path, &head)?;
    let have = len.saturating_sub(h.data_start as u64);
    check_data_len(path, &h, have)?;
    let mut data = head.split_off(h.data_start.min(head.len()));
    let more = (h.data_bytes() as u64).saturating_sub(data.len() as u64);
    data.extend(read::read_up_to(&mut file, path, more)?);
    check_data_len(path, &h, data.len() as u64)?;
    let values = decode(path, &h, &data)?;
    Ok((values, h.header.shape))
}

/// Parse the bytes of a `.npy` file; `file` only names the file in errors.
pub fn from_bytes(file: &Path, bytes: &[u8]) -> Result<(Vec<f64>, Vec<usize>)> {
    let h = parse_head(file, bytes)?;
    let data = &bytes[h.data_start..];
    check_data_len(file, &h, data.len() as u64)?;
    let values = decode(file, &h, data)?;
    Ok((values, h.header.shape))
}

/// (preamble length, header length) from the first bytes of a `.npy` file, when they
/// are the magic and a known version followed by the length field.
fn header_extent(bytes: &[u8]) -> Option<(usize, usize)> {
    if bytes.len() < 10 || &bytes[..6] != MAGIC {
        return None;
    }
    match bytes[6] {
        1 => Some((10, u16::from_le_bytes([bytes[8], bytes[9]]) as usize)),
        2 | 3 if bytes.len() >= 12 => Some((
            12,
            u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
        )),
        _ => None,
    }
}

/// What a `.npy` header declares about the data that follows it.
struct Head {
    /// Offset of the first data byte.
    data_start: usize,
    /// The dtype string: `<f4`, `<f8`, `>f4` or `>f8`.
    descr: String,
    /// Bytes per element (4 or 8).
    size: usize,
    /// Number of elements (product of the shape); `n * size` does not overflow.
    n: usize,
    /// The parsed dict (its shape and type descriptor).
    header: Header,
}

impl Head {
    fn data_bytes(&self) -> usize {
        self.n * self.size
    }
}

/// Parse the preamble and header of a `.npy` file held in `bytes` (which may stop
/// right after the header).
fn parse_head(file: &Path, bytes: &[u8]) -> Result<Head> {
    let err = |msg: String| Error::data(file, None, msg);
    if bytes.len() < 8 || &bytes[..6] != MAGIC {
        let head: String = bytes
            .iter()
            .take(6)
            .flat_map(|b| std::ascii::escape_default(*b))
            .map(char::from)
            .collect();
        return Err(err(format!(
            "not a .npy file: it should start with the bytes \\x93NUMPY but starts with \"{head}\""
        )));
    }
    let (major, minor) = (bytes[6], bytes[7]);
    let (len_bytes, utf8) = match major {
        1 => (2, false),
        2 => (4, false),
        3 => (4, true),
        _ => {
            return Err(err(format!(
                ".npy format version {major}.{minor} is not supported (1.0, 2.0 or 3.0 are)"
            )))
        }
    };
    let preamble = 8 + len_bytes;
    if bytes.len() < preamble {
        return Err(err("truncated .npy file: it ends inside the header".into()));
    }
    let header_len = if len_bytes == 2 {
        u16::from_le_bytes([bytes[8], bytes[9]]) as usize
    } else {
        u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize
    };
    if header_len > MAX_HEADER {
        return Err(err(format!(
            "the .npy header declares {header_len} bytes, more than the {MAX_HEADER} losscape reads"
        )));
    }
    let Some(header) = bytes.get(preamble..preamble + header_len) else {
        return Err(err(format!(
            "truncated .npy file: the header should be {header_len} bytes but the file ends after {}",
            bytes.len() - preamble
        )));
    };
    let text = if utf8 {
        std::str::from_utf8(header).map_err(|_| err("the .npy header is not valid UTF-8".into()))?
    } else {
        std::str::from_utf8(header)
            .ok()
            .filter(|s| s.is_ascii())
            .ok_or_else(|| err("the .npy header is not ASCII text".into()))?
    };
    let (h, descr) = parse_header(text).map_err(|m| {
        err(format!(
            "cannot read the .npy header \"{}\": {}",
            quote(text.trim_end()),
            quote(&m)
        ))
    })?;

    let size = match descr.as_str() {
        "<f4" | ">f4" => 4,
        "<f8" | ">f8" => 8,
        other => {
            return Err(err(format!(
                "array dtype is '{}'{}; losscape reads float32 ('<f4') or float64 ('<f8') arrays: \
                 save `a.astype(np.float64)` instead",
                quote(other),
                dtype_hint(other)
            )))
        }
    };
    if h.layout.is_fortran() {
        return Err(err(format!(
            "array of shape {} is stored in Fortran (column-major) order; save a C-ordered copy: \
             `np.save(path, np.ascontiguousarray(a))`",
            shape_text(&h.shape)
        )));
    }
    let n = h
        .shape
        .iter()
        .try_fold(1usize, |a, &d| a.checked_mul(d))
        .filter(|n| n.checked_mul(size).is_some())
        .ok_or_else(|| {
            err(format!(
                "shape {} is too large",
                quote(&shape_text(&h.shape))
            ))
        })?;
    Ok(Head {
        data_start: preamble + header_len,
        descr,
        size,
        n,
        header: h,
    })
}

/// Check that `have` data bytes are what the header declares.
fn check_data_len(file: &Path, h: &Head, have: u64) -> Result<()> {
    let need = h.data_bytes() as u64;
    if have == need {
        return Ok(());
    }
    let what = if have < need {
        "truncated .npy file"
    } else {
        "damaged .npy file"
    };
    Err(Error::data(
        file,
        None,
        format!(
            "{what}: shape {} of '{}' needs {need} data bytes but the file holds {have}",
            quote(&shape_text(&h.header.shape)),
            h.descr
        ),
    ))
}

/// The data bytes (exactly `h.data_bytes()` of them) as f64 values, decoded by
/// `ndarray-npy` (which takes the byte order from the descr).
fn decode(file: &Path, h: &Head, data: &[u8]) -> Result<Vec<f64>> {
    let descr = &h.header.type_descriptor;
    let values = if h.size == 4 {
        f32::read_to_end_exact_vec(data, descr, h.n).map(|v| v.into_iter().map(f64::from).collect())
    } else {
        f64::read_to_end_exact_vec(data, descr, h.n)
    };
    values.map_err(|e| {
        Error::data(
            file,
            None,
            format!("cannot decode the .npy data: {}", quote(&e.to_string())),
        )
    })
}

/// A readable name for common numpy dtype strings, for error messages.
fn dtype_hint(descr: &str) -> &'static str {
    let kind = descr.trim_start_matches(['<', '>', '|', '=']);
    match kind {
        "f2" => " (float16)",
        "f16" | "g" => " (longdouble)",
        "i1" | "i2" | "i4" | "i8" => " (integer)",
        "u1" | "u2" | "u4" | "u8" => " (unsigned integer)",
        "b1" => " (bool)",
        "c8" | "c16" => " (complex)",
        "O" => " (Python objects)",
        _ if kind.starts_with('U') || kind.starts_with('S') => " (strings)",
        _ => "",
    }
}

/// The header dict parsed by `ndarray-npy` and its dtype string, or a message saying
/// what is wrong with it.
fn parse_header(text: &str) -> std::result::Result<(Header, String), String> {
    // ndarray-npy reads a whole file's start; hand it a version 3.0 preamble (UTF-8,
    // u32 length) and the text with the final newline numpy always writes.
    let text = drop_long_suffixes(text.trim_end());
    let mut bytes = MAGIC.to_vec();
    bytes.extend_from_slice(&[3, 0]);
    bytes.extend_from_slice(&(text.len() as u32 + 1).to_le_bytes());
    bytes.extend_from_slice(text.as_bytes());
    bytes.push(b'\n');
    let h = Header::from_reader(&mut &bytes[..]).map_err(|e| match e {
        ReadHeaderError::Parse(ParseHeaderError::MissingKey(key)) => {
            // ndarray-npy 0.10 names a missing 'shape' "shaper".
            let key = if key == "descr" || key == "fortran_order" {
                key
            } else {
                "shape".to_string()
            };
            format!("no '{key}' key")
        }
        ReadHeaderError::Parse(ParseHeaderError::IllegalValue { key, value }) => {
            let want = match key.as_str() {
                "fortran_order" => "True or False",
                _ => "a tuple of non-negative integers",
            };
            format!("'{key}' must be {want}, not {value}")
        }
        ReadHeaderError::Parse(ParseHeaderError::UnknownKey(key)) => {
            format!("unexpected entry {key}")
        }
        ReadHeaderError::Parse(ParseHeaderError::MetaNotDict(_)) => {
            "the header is not a Python dict".into()
        }
        ReadHeaderError::Parse(e) => e.to_string(),
        ReadHeaderError::Io(e) => e.to_string(),
    })?;
    let Some(descr) = h.type_descriptor.as_string().cloned() else {
        return Err(if h.type_descriptor.as_list().is_some() {
            "a list 'descr' (structured dtype) is not supported; save a plain float array".into()
        } else {
            format!("'descr' is {}, not a dtype string", h.type_descriptor)
        });
    };
    Ok((h, descr))
}

/// The header text without the `L` Python 2 wrote after long integers (`(3L,)`), as
/// numpy's own reader drops it; text inside string literals is kept as it is.
fn drop_long_suffixes(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_string: Option<char> = None;
    let mut prev = ' ';
    for c in text.chars() {
        match in_string {
            Some(q) if c == q => in_string = None,
            Some(_) => {}
            None if c == '\'' || c == '"' => in_string = Some(c),
            None if (c == 'L' || c == 'l') && prev.is_ascii_digit() => continue,
            None => {}
        }
        out.push(c);
        prev = c;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path() -> &'static Path {
        Path::new("d.npy")
    }

    /// Header bytes as `np.save(f, np.arange(3.0))` writes them (numpy 1.x and 2.x):
    /// python3 -c "import numpy as np, io; b = io.BytesIO(); np.save(b, np.arange(3.0)); print(b.getvalue()[:128])"
    #[test]
    fn header_matches_numpy_byte_for_byte() {
        let bytes = to_bytes(&[0.0f64, 1.0, 2.0], &[3]).unwrap();
        let mut expected = b"\x93NUMPY\x01\x00v\x00".to_vec();
        let dict = b"{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }";
        expected.extend_from_slice(dict);
        expected.resize(127, b' ');
        expected.push(b'\n');
        assert_eq!(&bytes[..128], &expected[..]);
        assert_eq!(bytes.len(), 128 + 24);
        assert_eq!(&bytes[128..136], &0.0f64.to_le_bytes());
        assert_eq!(&bytes[144..152], &2.0f64.to_le_bytes());
    }

    /// `np.save(f, np.zeros((2, 3), np.float32))`: 152 bytes, header length 118 (`v`).
    #[test]
    fn f32_matrix_and_0d_headers_match_numpy() {
        let bytes = to_bytes(&[0.0f32; 6], &[2, 3]).unwrap();
        assert_eq!(bytes.len(), 152);
        assert_eq!(&bytes[6..10], b"\x01\x00v\x00");
        assert!(bytes[10..]
            .starts_with(b"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }   "));
        assert_eq!(bytes[127], b'\n');

        // np.save(f, np.array(1.5)): shape (), 136 bytes.
        let bytes = to_bytes(&[1.5f64], &[]).unwrap();
        assert_eq!(bytes.len(), 136);
        assert!(bytes[10..].starts_with(b"{'descr': '<f8', 'fortran_order': False, 'shape': (), }"));
        // np.save(f, np.zeros((0, 4))): 128 bytes.
        assert_eq!(to_bytes::<f64>(&[], &[0, 4]).unwrap().len(), 128);
    }

    #[test]
    fn round_trip_any_shape() {
        for shape in [vec![], vec![5], vec![2, 3], vec![2, 1, 3, 2], vec![0, 7]] {
            let n: usize = shape.iter().product();
            let data: Vec<f64> = (0..n).map(|i| (i as f64).sin() * 1e-3).collect();
            let (back, s) = from_bytes(path(), &to_bytes(&data, &shape).unwrap()).unwrap();
            assert_eq!(s, shape);
            assert_eq!(back, data);

            let data32: Vec<f32> = data.iter().map(|&x| x as f32).collect();
            let (back, s) = from_bytes(path(), &to_bytes(&data32, &shape).unwrap()).unwrap();
            assert_eq!(s, shape);
            assert_eq!(back, data32.iter().map(|&x| x as f64).collect::<Vec<_>>());
        }
    }

    #[test]
    fn header_length_keeps_data_aligned_to_64() {
        for shape in [vec![1], vec![123456789, 1], vec![1; 20], vec![3; 30]] {
            let n: usize = shape.iter().product();
            if n > 1000 {
                continue;
            }
            let bytes = to_bytes(&vec![0.0f64; n], &shape).unwrap();
            let hl = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
            assert_eq!((10 + hl) % 64, 0);
            assert_eq!(bytes[10 + hl - 1], b'\n');
        }
    }

    #[test]
    fn wrong_data_length_is_invalid() {
        let e = to_bytes(&[1.0f64, 2.0], &[3]).unwrap_err();
        assert!(matches!(e, Error::Invalid(_)));
        assert!(e.to_string().contains("(3,)"), "{e}");
    }

    fn with_header(dict: &str, data: &[u8]) -> Vec<u8> {
        let mut out = b"\x93NUMPY\x01\x00".to_vec();
        let mut h = dict.to_string();
        while !(10 + h.len() + 1).is_multiple_of(64) {
            h.push(' ');
        }
        h.push('\n');
        out.extend_from_slice(&(h.len() as u16).to_le_bytes());
        out.extend_from_slice(h.as_bytes());
        out.extend_from_slice(data);
        out
    }

    fn msg(bytes: &[u8]) -> String {
        let e = from_bytes(path(), bytes).unwrap_err();
        assert!(matches!(e, Error::Data { .. }), "{e:?}");
        let m = e.to_string();
        assert!(m.starts_with("d.npy: "), "{m}");
        m
    }

    #[test]
    fn reads_big_endian_and_python2_headers() {
        let data: Vec<u8> = [1.0f64, -2.5]
            .iter()
            .flat_map(|x| x.to_be_bytes())
            .collect();
        let b = with_header(
            "{'descr': '>f8', 'fortran_order': False, 'shape': (2L,), }",
            &data,
        );
        assert_eq!(from_bytes(path(), &b).unwrap(), (vec![1.0, -2.5], vec![2]));
        let b = with_header(
            "{\"descr\":\"<f4\",\"shape\":(1,1),\"fortran_order\":False}",
            &1.0f32.to_le_bytes(),
        );
        assert_eq!(from_bytes(path(), &b).unwrap(), (vec![1.0], vec![1, 1]));
    }

    #[test]
    fn errors_name_what_was_found() {
        let m = msg(b"PK\x03\x04 this is a zip");
        assert!(m.contains("not a .npy file"), "{m}");
        assert!(msg(b"").contains("not a .npy file"));

        let m = msg(&with_header(
            "{'descr': '<i8', 'fortran_order': False, 'shape': (1,), }",
            &[0; 8],
        ));
        assert!(m.contains("'<i8' (integer)") && m.contains("'<f8'"), "{m}");

        let m = msg(&with_header(
            "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }",
            &[0; 48],
        ));
        assert!(m.contains("Fortran") && m.contains("(2, 3)"), "{m}");

        let full = to_bytes(&[1.0f64, 2.0, 3.0, 4.0], &[2, 2]).unwrap();
        let m = msg(&full[..full.len() - 5]);
        assert!(
            m.contains("truncated") && m.contains("needs 32 data bytes but the file holds 27"),
            "{m}"
        );
        let m = msg(&full[..40]);
        assert!(m.contains("truncated") && m.contains("header"), "{m}");
        let mut long = full.clone();
        long.push(0);
        assert!(msg(&long).contains("holds 33"));

        let m = msg(&with_header("{'descr': '<f8', 'shape': (2,), }", &[0; 16]));
        assert!(m.contains("no 'fortran_order' key"), "{m}");
        let m = msg(&with_header(
            "{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (1,), }",
            &[0; 8],
        ));
        assert!(
            m.contains("cannot read the .npy header") && m.contains("structured dtype"),
            "{m}"
        );

        let mut v9 = full.clone();
        v9[6] = 9;
        assert!(msg(&v9).contains("version 9.0"));
    }

    #[test]
    fn missing_file_is_io_error() {
        let e = read(Path::new("/nonexistent/dir/x.npy")).unwrap_err();
        assert!(matches!(e, Error::Io { .. }));
        assert!(e.to_string().contains("x.npy"));
    }

    #[test]
    fn write_then_read_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.npy");
        write(&p, &[1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0], &[3, 2]).unwrap();
        assert_eq!(
            read(&p).unwrap(),
            (vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], vec![3, 2])
        );
    }
}
