//! Atomic writes, the only way losscape writes a file: the bytes go to a temp file with
//! a random name in the target's folder, created with `O_CREAT | O_EXCL` (so a planted
//! file or symlink of that name is never opened, let alone followed), are flushed to
//! disk (fsync), and the temp file is renamed over the target (a rename replaces a
//! symlink at the target instead of writing through it); then the folder is fsynced. A
//! reader, or a rerun after a crash, sees either the old file or the complete new one.
//!
//! Failures are [`Error::Output`] (exit status 1): they are not the user's input.

use crate::error::{Error, Result};
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Write `bytes` to `path` atomically (random temp file in the same folder, fsync,
/// rename, folder fsync). The folder must exist.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let name = path
        .file_name()
        .ok_or_else(|| Error::output(path, "not a file path"))?
        .to_string_lossy();
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    // Mode 0666 less the umask, as for any new file (a temp file's default is 0600).
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".tmp")
        .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666))
        .tempfile_in(&dir)
        .map_err(|e| Error::output(path, e))?;
    // On any error below, dropping `tmp` removes the temp file.
    tmp.write_all(bytes)
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(|e| Error::output(path, e))?;
    tmp.persist(path)
        .map_err(|e| Error::output(path, e.error))?;
    // Make the rename itself durable; not every platform can open a folder, so this is
    // best effort.
    #[cfg(unix)]
    if let Ok(d) = File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Write `value` as pretty-printed JSON ending in a newline.
pub fn write_json(path: &Path, value: &serde_json::Value) -> Result<()> {
    let mut text = serde_json::to_string_pretty(value).map_err(|e| Error::output(path, e))?;
    text.push('\n');
    write_atomic(path, text.as_bytes())
}

/// Write a CSV table: one header line, then one line per row. Numbers use the shortest
/// text that reads back to the same f64 (`0.1`, `1e-7`); non-finite values are written
/// `NaN`, `inf`, `-inf`, which Python's `float`, numpy and pandas all read.
/// A row whose length differs from the header's is [`Error::Invalid`] and writes nothing.
pub fn write_csv(path: &Path, header: &[&str], rows: &[Vec<f64>]) -> Result<()> {
    let text =
        csv_text(header, rows).map_err(|e| Error::Invalid(format!("{}: {e}", path.display())))?;
    write_atomic(path, text.as_bytes())
}

pub(crate) fn csv_text(header: &[&str], rows: &[Vec<f64>]) -> Result<String> {
    let mut out = String::new();
    let fields: Vec<String> = header.iter().map(|h| csv_field(h)).collect();
    out.push_str(&fields.join(","));
    out.push('\n');
    for (i, row) in rows.iter().enumerate() {
        if row.len() != header.len() {
            return Err(Error::Invalid(format!(
                "CSV row {i} has {} values but the header has {} columns",
                row.len(),
                header.len()
            )));
        }
        for (j, x) in row.iter().enumerate() {
            if j > 0 {
                out.push(',');
            }
            out.push_str(&format_f64(*x));
        }
        out.push('\n');
    }
    Ok(out)
}

/// Shortest round-trip text of `x`, with an exponent for very large or small values.
pub(crate) fn format_f64(x: f64) -> String {
    if x.is_nan() {
        "NaN".to_string()
    } else {
        // `Debug` is the shortest round-trip form and switches to `1e-7` style at the
        // extremes (where `Display` would print hundreds of zeros); inf prints `inf`.
        format!("{x:?}")
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn atomic_write_replaces_and_leaves_no_temp_files() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.txt");
        write_atomic(&p, b"first").unwrap();
        write_atomic(&p, b"second").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"second");
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("a.txt")]);
    }

    #[cfg(unix)]
    #[test]
    fn a_planted_symlink_is_replaced_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim.txt");
        fs::write(&victim, "precious").unwrap();
        let run = dir.path().join("run");
        fs::create_dir(&run).unwrap();
        let target = run.join("summary.json");
        std::os::unix::fs::symlink(&victim, &target).unwrap();
        write_atomic(&target, b"{}").unwrap();
        assert_eq!(fs::read_to_string(&victim).unwrap(), "precious");
        assert!(!fs::symlink_metadata(&target)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(fs::read(&target).unwrap(), b"{}");
    }

    #[test]
    fn atomic_write_into_missing_folder_is_an_output_error() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("no/such/folder/a.txt");
        let e = write_atomic(&p, b"x").unwrap_err();
        assert!(matches!(e, Error::Output { .. }), "{e}");
        assert!(!e.is_bad_input());
        assert!(e.to_string().contains("a.txt"), "{e}");
    }

    #[test]
    fn json_is_pretty_and_newline_terminated() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s.json");
        write_json(&p, &serde_json::json!({"loss": 0.5, "n": 3})).unwrap();
        let text = fs::read_to_string(&p).unwrap();
        assert!(text.ends_with("}\n"));
        assert!(text.contains("\n  \"loss\": 0.5"));
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back["n"], 3);
    }

    #[test]
    fn csv_round_trips_numbers_and_quotes_headers() {
        let rows = vec![
            vec![0.1, 1e-7, -2.0],
            vec![f64::NAN, f64::INFINITY, f64::NEG_INFINITY],
            vec![1.0 / 3.0, 1e300, 0.0],
        ];
        let text = csv_text(&["a", "b,c", "d\"e"], &rows).unwrap();
        let mut lines = text.lines();
        assert_eq!(lines.next().unwrap(), "a,\"b,c\",\"d\"\"e\"");
        assert_eq!(lines.next().unwrap(), "0.1,1e-7,-2.0");
        assert_eq!(lines.next().unwrap(), "NaN,inf,-inf");
        let third: Vec<f64> = lines
            .next()
            .unwrap()
            .split(',')
            .map(|s| s.parse().unwrap())
            .collect();
        assert_eq!(third, rows[2]);
        assert!(text.ends_with('\n'));
    }

    #[test]
    fn csv_row_of_wrong_width_is_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.csv");
        let e = write_csv(&p, &["a", "b"], &[vec![1.0]]).unwrap_err();
        assert!(matches!(e, Error::Invalid(_)), "{e}");
        assert!(
            e.to_string().contains("t.csv: CSV row 0 has 1 values"),
            "{e}"
        );
        assert!(!p.exists());
    }
}
