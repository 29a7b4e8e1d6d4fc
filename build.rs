//! Build script: the table of files built into the binary (`src/bundled.rs`).
//!
//! Every file under `experiments/` and `data/`, except `data/mnist/` (12 MB, looked up
//! in a data folder at run time instead) and hidden files, becomes one entry
//! `("<folder>/<path>", include_bytes!(..))` of `$OUT_DIR/bundled_files.rs`, sorted by
//! path. The table is generated from the folders, so a file added there cannot be
//! forgotten; a file over [`MAX_FILE_BYTES`] stops the build with a message, so a large
//! data set is not built into the binary by accident.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Folders whose files are built in, relative to the crate root.
const FOLDERS: [&str; 2] = ["experiments", "data"];

/// Folders left out (relative to the crate root): large sets found at run time.
const LEFT_OUT: [&str; 1] = ["data/mnist"];

/// The largest file built in (1 MiB).
const MAX_FILE_BYTES: u64 = 1 << 20;

fn main() {
    let root = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let mut files = Vec::new();
    for folder in FOLDERS {
        println!("cargo:rerun-if-changed={folder}");
        collect(&root, &root.join(folder), &mut files);
    }
    files.sort();
    let mut out = String::from(
        "/// Every built-in file: (path relative to the crate root, contents), sorted by path.\n\
         pub static FILES: &[(&str, &[u8])] = &[\n",
    );
    for (rel, abs) in &files {
        writeln!(out, "    ({rel:?}, include_bytes!({:?})),", abs.display()).unwrap();
    }
    out.push_str("];\n");
    let dest = PathBuf::from(std::env::var_os("OUT_DIR").expect("set by cargo"));
    std::fs::write(dest.join("bundled_files.rs"), out).expect("write bundled_files.rs");
}

/// Add every regular file under `dir` (recursively) to `files` as (relative path with
/// `/` separators, absolute path).
fn collect(root: &Path, dir: &Path, files: &mut Vec<(String, PathBuf)>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let entry = entry.unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        let path = entry.path();
        let rel = path.strip_prefix(root).expect("under the crate root");
        let rel_text = rel
            .components()
            .map(|c| c.as_os_str().to_str().expect("UTF-8 file names"))
            .collect::<Vec<_>>()
            .join("/");
        if entry.file_name().to_string_lossy().starts_with('.')
            || LEFT_OUT.contains(&rel_text.as_str())
        {
            continue;
        }
        let meta = std::fs::metadata(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        if meta.is_dir() {
            collect(root, &path, files);
        } else if meta.is_file() {
            assert!(
                meta.len() <= MAX_FILE_BYTES,
                "{rel_text} is {} bytes, more than the {MAX_FILE_BYTES} a built-in file may \
                 have: add its folder to LEFT_OUT in build.rs and look it up in a data folder \
                 (src/data/lookup.rs)",
                meta.len()
            );
            files.push((rel_text, path));
        }
    }
}
