//! Who owns a run folder: one run at a time, of one kind, and what it must undo.
//!
//! A [`Claim`] is taken before a run writes its first byte:
//! - the folder is created if absent (its parents too), and must be a real folder, not
//!   a symbolic link (a planted link would send the run's files elsewhere);
//! - an exclusive advisory lock (`flock`) is held on the folder itself for as long as
//!   the claim lives, so a second run into the same folder is refused at once with the
//!   holder's pid (read from `/proc/locks`); no lock file is created;
//! - a folder that already exists must be empty or hold a run of the same kind (its
//!   `config.toml` names the kind), so a run never takes over another kind's results or
//!   a folder of the user's own files;
//! - [`Claim::abandon`] undoes a failed run: it removes the folder when the claim
//!   created it, else every entry the run added to it. Files the run had already
//!   replaced stay replaced (atomically, so never half-written).

use crate::error::{Error, Result};
use crate::io::read::{read_input_text, CONFIG_LIMIT};
use std::collections::BTreeSet;
use std::ffi::OsString;
use std::fs::{self, File};
use std::path::{Path, PathBuf};

/// The file in a run folder that names the run's kind (the resolved config).
pub const CONFIG_FILE: &str = "config.toml";

/// Exclusive ownership of a run folder for the lifetime of the value.
#[derive(Debug)]
pub struct Claim {
    root: PathBuf,
    /// The locked folder; the lock is released when this is closed.
    _folder: File,
    /// The claim created the folder.
    created: bool,
    /// Entries the folder held when claimed.
    existing: BTreeSet<OsString>,
}

impl Claim {
    /// Claim `root` for a run of kind `kind`; see the module docs. Refusals are
    /// [`Error::Folder`] (exit status 2) and leave the file system as it was.
    pub fn take(root: &Path, kind: &str) -> Result<Claim> {
        let created = create_folder(root)?;
        let folder = File::open(root).map_err(|e| Error::folder(root, e.to_string()))?;
        match folder.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => {
                let holder = lock_holder(&folder)
                    .map(|pid| format!(" (pid {pid})"))
                    .unwrap_or_default();
                return Err(Error::folder(
                    root,
                    format!("is in use by another losscape run{holder}; wait for it or choose another --out"),
                ));
            }
            Err(fs::TryLockError::Error(e)) => {
                return Err(Error::folder(root, format!("cannot be locked: {e}")))
            }
        }
        let existing: BTreeSet<OsString> = fs::read_dir(root)
            .map_err(|e| Error::folder(root, e.to_string()))?
            .map(|e| e.map(|e| e.file_name()))
            .collect::<std::io::Result<_>>()
            .map_err(|e| Error::folder(root, e.to_string()))?;
        if !existing.is_empty() {
            check_kind(root, kind, &existing)?;
        }
        Ok(Claim {
            root: root.to_path_buf(),
            _folder: folder,
            created,
            existing,
        })
    }

    /// Claim a run folder that must already exist (to redraw or rebuild its files).
    pub fn take_existing(root: &Path, kind: &str) -> Result<Claim> {
        if !fs::symlink_metadata(root).is_ok_and(|m| m.is_dir()) {
            return Err(Error::folder(root, "is not a run folder (no such folder)"));
        }
        Claim::take(root, kind)
    }

    /// The claimed folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Undo a failed run: remove the folder if this claim created it, else the entries
    /// added since the claim. Best effort: what cannot be removed is left.
    pub fn abandon(self) {
        if self.created {
            let _ = fs::remove_dir_all(&self.root);
            return;
        }
        let Ok(entries) = fs::read_dir(&self.root) else {
            return;
        };
        for entry in entries.flatten() {
            if self.existing.contains(&entry.file_name()) {
                continue;
            }
            let path = entry.path();
            let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
            let _ = if is_dir {
                fs::remove_dir_all(&path)
            } else {
                fs::remove_file(&path)
            };
        }
    }
}

/// Create `root` (and its parents) unless it exists; true when this call created it.
/// An existing `root` must be a folder and not a symbolic link.
fn create_folder(root: &Path) -> Result<bool> {
    match fs::symlink_metadata(root) {
        Ok(m) if m.file_type().is_symlink() => Err(Error::folder(
            root,
            "is a symbolic link; give the real folder as --out",
        )),
        Ok(m) if m.is_dir() => Ok(false),
        Ok(_) => Err(Error::folder(root, "exists and is not a folder")),
        Err(_) => {
            if let Some(parent) = root.parent().filter(|p| !p.as_os_str().is_empty()) {
                fs::create_dir_all(parent)
                    .map_err(|e| Error::folder(parent, format!("cannot be created: {e}")))?;
            }
            match fs::create_dir(root) {
                Ok(()) => Ok(true),
                // Another run created it in between: claim it as an existing folder.
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => create_folder(root),
                Err(e) => Err(Error::folder(root, format!("cannot be created: {e}"))),
            }
        }
    }
}

/// A non-empty folder must hold a run of kind `kind`.
fn check_kind(root: &Path, kind: &str, entries: &BTreeSet<OsString>) -> Result<()> {
    let config = root.join(CONFIG_FILE);
    if !entries.contains(&OsString::from(CONFIG_FILE)) {
        return Err(Error::folder(
            root,
            "is not empty and holds no losscape run (no config.toml); choose a new or empty folder",
        ));
    }
    let text = read_input_text(&config, CONFIG_LIMIT)?;
    let found = toml::from_str::<toml::Table>(&text)
        .ok()
        .and_then(|t| {
            t.get("experiment")?
                .get("kind")?
                .as_str()
                .map(str::to_string)
        })
        .ok_or_else(|| {
            Error::folder(
                root,
                "holds a config.toml without [experiment] kind; choose a new or empty folder",
            )
        })?;
    if found != kind {
        return Err(Error::folder(
            root,
            format!(
                "holds a run of kind \"{}\" and this run is of kind `{kind}`; choose another --out",
                crate::error::quote(&found)
            ),
        ));
    }
    Ok(())
}

/// The pid holding a `flock` on the file `f`, from `/proc/locks` (Linux).
fn lock_holder(f: &File) -> Option<u32> {
    use std::os::unix::fs::MetadataExt;
    let m = f.metadata().ok()?;
    let dev = m.dev();
    let major = ((dev >> 8) & 0xfff) | ((dev >> 32) & !0xfff);
    let minor = (dev & 0xff) | ((dev >> 12) & !0xff);
    let id = format!("{major:02x}:{minor:02x}:{}", m.ino());
    let locks = read_input_text(Path::new("/proc/locks"), CONFIG_LIMIT).ok()?;
    locks.lines().find_map(|line| {
        let f: Vec<&str> = line.split_whitespace().collect();
        // "1: FLOCK  ADVISORY  WRITE 1234 fd:01:5678 0 EOF"
        (f.get(1) == Some(&"FLOCK") && f.get(5) == Some(&id.as_str()))
            .then(|| f.get(4)?.parse().ok())
            .flatten()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(kind: &str) -> String {
        format!("seed = 0\n[experiment]\nkind = \"{kind}\"\n")
    }

    #[test]
    fn a_second_claim_is_refused_with_the_holders_pid() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("run");
        let first = Claim::take(&root, "slice").unwrap();
        let e = Claim::take(&root, "slice").unwrap_err();
        assert!(e.is_bad_input());
        let msg = e.to_string();
        assert!(msg.contains("in use by another losscape run"), "{msg}");
        assert!(
            msg.contains(&format!("pid {}", std::process::id())),
            "{msg}"
        );
        drop(first);
        Claim::take(&root, "slice").unwrap();
    }

    #[test]
    fn a_folder_of_another_kind_or_of_other_files_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let run = tmp.path().join("run");
        fs::create_dir(&run).unwrap();
        fs::write(run.join(CONFIG_FILE), config("slice")).unwrap();
        let e = Claim::take(&run, "train").unwrap_err().to_string();
        assert!(e.contains("kind \"slice\"") && e.contains("`train`"), "{e}");
        Claim::take(&run, "slice").unwrap();

        let docs = tmp.path().join("docs");
        fs::create_dir(&docs).unwrap();
        fs::write(docs.join("thesis.tex"), "x").unwrap();
        let e = Claim::take(&docs, "train").unwrap_err().to_string();
        assert!(e.contains("no config.toml"), "{e}");
        // An empty folder is fine.
        let empty = tmp.path().join("empty");
        fs::create_dir(&empty).unwrap();
        Claim::take(&empty, "train").unwrap();
    }

    #[test]
    fn a_symlinked_folder_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let real = tmp.path().join("real");
        fs::create_dir(&real).unwrap();
        let link = tmp.path().join("link");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let e = Claim::take(&link, "train").unwrap_err().to_string();
        assert!(e.contains("symbolic link"), "{e}");
    }

    #[test]
    fn abandon_removes_what_the_run_added_and_nothing_else() {
        let tmp = tempfile::tempdir().unwrap();
        let fresh = tmp.path().join("a/b/run");
        let c = Claim::take(&fresh, "train").unwrap();
        fs::write(fresh.join("config.toml"), config("train")).unwrap();
        c.abandon();
        assert!(!fresh.exists());
        assert!(tmp.path().join("a/b").is_dir());

        let old = tmp.path().join("old");
        fs::create_dir(&old).unwrap();
        fs::write(old.join(CONFIG_FILE), config("train")).unwrap();
        fs::write(old.join("summary.json"), "{}").unwrap();
        let c = Claim::take(&old, "train").unwrap();
        fs::write(old.join("new.png"), "x").unwrap();
        fs::create_dir(old.join("runs")).unwrap();
        fs::write(old.join("runs/r.json"), "x").unwrap();
        c.abandon();
        let mut left: Vec<_> = fs::read_dir(&old)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(left, ["config.toml", "summary.json"]);
    }
}
