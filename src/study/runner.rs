//! A family of independent runs (variants × seeds), run in parallel and resumable.
//!
//! Each run has a name (its folder under `runs/`) and is computed by a caller closure
//! from its index alone, so its result depends only on (seed, variant), never on which
//! thread ran it or in which order. A finished run writes `runs/<name>/result.json`
//! (atomically, last), after anything else it saves in its folder; a rerun of the same
//! study loads finished runs and computes only the missing ones.
//!
//! The family's fingerprint (the resolved config and the run names) is kept in
//! `runs/family.json`. A folder holding runs of another family is refused with a
//! message naming `--fresh`, which discards the old runs. Both files are read back
//! through [`read::read_input_text`] (regular files only, at most
//! [`read::RUN_FILE_LIMIT`] bytes).

use crate::error::{quote, Error, Result};
use crate::io::run_dir::ensure_subfolder;
use crate::io::{atomic, read};
use crate::progress::Progress;
use rayon::prelude::*;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// The runs folder of a study, checked against the family's fingerprint.
pub struct Family {
    root: PathBuf,
    names: Vec<String>,
}

impl Family {
    /// Opens (or creates) `<dir>/runs` for runs `names` of a family whose definition
    /// hashes to `fingerprint`. `fresh` discards runs of any earlier family.
    pub fn open(dir: &Path, fingerprint: &str, names: Vec<String>, fresh: bool) -> Result<Self> {
        let root = dir.join("runs");
        let marker = root.join("family.json");
        let want = serde_json::json!({ "fingerprint": fingerprint, "runs": names });
        if fresh && root.exists() {
            std::fs::remove_dir_all(&root).map_err(|e| Error::io(&root, e))?;
        }
        if marker.exists() {
            let text = read::read_input_text(&marker, read::RUN_FILE_LIMIT)?;
            let have: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
            if have != want {
                return Err(Error::data(
                    &marker,
                    None,
                    "this folder holds runs of a different study (another config or other \
                     runs); rerun with --fresh to discard them or choose another --out",
                ));
            }
        } else {
            ensure_subfolder(&root)?;
            let text = serde_json::to_string_pretty(&want).expect("json of strings");
            atomic::write_atomic(&marker, text.as_bytes())?;
        }
        Ok(Family { root, names })
    }

    /// The folder of run `i` (created on demand by [`Family::run`]).
    pub fn run_dir(&self, i: usize) -> PathBuf {
        self.root.join(&self.names[i])
    }

    /// Number of runs.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Indices of the runs already finished.
    pub fn finished(&self) -> Vec<usize> {
        (0..self.len())
            .filter(|&i| self.run_dir(i).join("result.json").exists())
            .collect()
    }

    /// Every run's result, in index order: loaded when finished, else computed by
    /// `compute(i, folder)` in parallel and saved as it completes.
    pub fn run<T, F>(&self, progress: &Progress, compute: F) -> Result<Vec<T>>
    where
        T: Serialize + DeserializeOwned + Send,
        F: Fn(usize, &Path) -> Result<T> + Sync,
    {
        (0..self.len())
            .into_par_iter()
            .map(|i| {
                let dir = self.run_dir(i);
                let file = dir.join("result.json");
                let result = if file.exists() {
                    let text = read::read_input_text(&file, read::RUN_FILE_LIMIT)?;
                    serde_json::from_str(&text).map_err(|e| {
                        Error::data(
                            &file,
                            None,
                            format!(
                                "not a result of this study ({}); rerun with --fresh",
                                quote(&e.to_string())
                            ),
                        )
                    })?
                } else {
                    ensure_subfolder(&dir)?;
                    let r = compute(i, &dir)?;
                    let text =
                        serde_json::to_string_pretty(&r).map_err(|e| Error::output(&file, e))?;
                    atomic::write_atomic(&file, text.as_bytes())?;
                    r
                };
                progress.inc(1);
                Ok(result)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn names(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("run{i}")).collect()
    }

    #[test]
    fn runs_are_computed_once_and_resumed() {
        let dir = tempfile::tempdir().unwrap();
        let calls = AtomicUsize::new(0);
        let fam = Family::open(dir.path(), "fp", names(5), false).unwrap();
        let square = |i: usize, _: &Path| -> Result<u64> {
            calls.fetch_add(1, Ordering::SeqCst);
            Ok((i * i) as u64)
        };
        let got: Vec<u64> = fam.run(&Progress::hidden(), square).unwrap();
        assert_eq!(got, vec![0, 1, 4, 9, 16]);
        assert_eq!(calls.load(Ordering::SeqCst), 5);
        // An interrupted study: two results lost; only those are recomputed.
        std::fs::remove_file(fam.run_dir(1).join("result.json")).unwrap();
        std::fs::remove_file(fam.run_dir(4).join("result.json")).unwrap();
        let fam = Family::open(dir.path(), "fp", names(5), false).unwrap();
        assert_eq!(fam.finished(), vec![0, 2, 3]);
        let got: Vec<u64> = fam.run(&Progress::hidden(), square).unwrap();
        assert_eq!(got, vec![0, 1, 4, 9, 16]);
        assert_eq!(calls.load(Ordering::SeqCst), 7);
    }

    #[test]
    fn another_family_is_refused_unless_fresh() {
        let dir = tempfile::tempdir().unwrap();
        let fam = Family::open(dir.path(), "fp", names(2), false).unwrap();
        let _: Vec<u64> = fam.run(&Progress::hidden(), |i, _| Ok(i as u64)).unwrap();
        for (fp, n) in [("other", 2), ("fp", 3)] {
            let err = Family::open(dir.path(), fp, names(n), false).err().unwrap();
            assert!(err.is_bad_input());
            assert!(err.to_string().contains("--fresh"), "{err}");
            assert!(
                fam.run_dir(0).join("result.json").exists(),
                "nothing touched"
            );
        }
        let fam = Family::open(dir.path(), "other", names(2), true).unwrap();
        assert!(fam.finished().is_empty());
    }

    #[test]
    fn a_failing_run_leaves_no_result_and_reports_its_error() {
        let dir = tempfile::tempdir().unwrap();
        let fam = Family::open(dir.path(), "fp", names(3), false).unwrap();
        let r: Result<Vec<u64>> = fam.run(&Progress::hidden(), |i, _| {
            if i == 1 {
                Err(Error::Invalid("run 1 diverged".into()))
            } else {
                Ok(i as u64)
            }
        });
        assert!(r.unwrap_err().to_string().contains("run 1 diverged"));
        assert!(!fam.run_dir(1).join("result.json").exists());
    }
}
