//! A family of independent runs (variants × seeds), run in parallel and resumable.
//!
//! Each run has a name (its folder under `runs/`) and is computed by a caller closure
//! from its index alone, so its result depends only on (seed, variant), never on which
//! thread or rank ran it or in which order. A finished run writes
//! `runs/<name>/model.safetensors`, then `runs/<name>/result.json` (atomically, last); a
//! rerun of the same study loads finished runs and computes only the missing ones.
//!
//! The family's fingerprint (the resolved config and the run names) is kept in
//! `runs/family.json`. A folder holding runs of another family is refused with a
//! message naming `--fresh`, which discards the old runs. Both files are read back
//! through [`read::read_input_text`] (regular files only, at most
//! [`read::RUN_FILE_LIMIT`] bytes).

use crate::cluster::job::{each, Job};
use crate::error::{quote, Error, Result};
use crate::io::run_dir::ensure_subfolder;
use crate::io::{atomic, read};
use crate::progress::Progress;
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
    /// `compute(i)` in parallel and saved as it completes: the trained model's
    /// safetensors bytes as `model.safetensors`, then the result as `result.json`, read
    /// back from that text (so a run's result is the same whether computed now or
    /// loaded later). In a `job`, the missing runs are shared among the ranks; the
    /// other ranks call [`work`] with the same `compute`.
    pub fn run<T, F>(&self, job: Option<&Job>, progress: &Progress, compute: F) -> Result<Vec<T>>
    where
        T: Serialize + DeserializeOwned + Send,
        F: Fn(usize) -> Result<(T, Vec<u8>)> + Sync,
    {
        let finished = self.finished();
        let mut results: Vec<Option<T>> = (0..self.len()).map(|_| None).collect();
        for &i in &finished {
            results[i] = Some(self.load(i)?);
            progress.inc(1);
        }
        let pending: Vec<usize> = (0..self.len()).filter(|i| !finished.contains(i)).collect();
        each(
            job,
            &pending,
            |i| as_files(&compute, i),
            |i, (json, model)| {
                results[i] = Some(self.save(i, &json, &model)?);
                progress.inc(1);
                Ok(())
            },
        )?;
        Ok(results
            .into_iter()
            .map(|r| r.expect("every run finished"))
            .collect())
    }

    /// The result of finished run `i`.
    fn load<T: DeserializeOwned>(&self, i: usize) -> Result<T> {
        let file = self.run_dir(i).join(RESULT);
        let text = read::read_input_text(&file, read::RUN_FILE_LIMIT)?;
        parse(&file, &text)
    }

    /// Saves run `i`'s model and result (last); the result read back from its text.
    fn save<T: DeserializeOwned>(&self, i: usize, json: &str, model: &[u8]) -> Result<T> {
        let dir = self.run_dir(i);
        ensure_subfolder(&dir)?;
        atomic::write_atomic(&dir.join(MODEL), model)?;
        let file = dir.join(RESULT);
        atomic::write_atomic(&file, json.as_bytes())?;
        parse(&file, json)
    }
}

/// A finished run's files: its model file, and result file.
const MODEL: &str = "model.safetensors";
const RESULT: &str = "result.json";

/// Run `i` computed, as the text of its result file and the bytes of its model file.
fn as_files<T: Serialize>(
    compute: &(impl Fn(usize) -> Result<(T, Vec<u8>)> + Sync),
    i: usize,
) -> Result<(String, Vec<u8>)> {
    let (result, model) = compute(i)?;
    let json = serde_json::to_string_pretty(&result).map_err(|e| Error::output(RESULT, e))?;
    Ok((json, model))
}

/// A result file's text as the study's result type.
fn parse<T: DeserializeOwned>(file: &Path, text: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| {
        Error::data(
            file,
            None,
            format!(
                "not a result of this study ({}); rerun with --fresh",
                quote(&e.to_string())
            ),
        )
    })
}

/// A rank other than 0 of a job: computes its share of the runs rank 0's
/// [`Family::run`] with the same `compute` hands out.
pub fn work<T, F>(job: &Job, compute: F) -> Result<()>
where
    T: Serialize,
    F: Fn(usize) -> Result<(T, Vec<u8>)> + Sync,
{
    each(Some(job), &[], |i| as_files(&compute, i), |_, _| Ok(()))
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
        let square = |i: usize| -> Result<(u64, Vec<u8>)> {
            calls.fetch_add(1, Ordering::SeqCst);
            Ok(((i * i) as u64, vec![i as u8]))
        };
        let got: Vec<u64> = fam.run(None, &Progress::hidden(), square).unwrap();
        assert_eq!(got, vec![0, 1, 4, 9, 16]);
        assert_eq!(calls.load(Ordering::SeqCst), 5);
        let model = std::fs::read(fam.run_dir(3).join("model.safetensors")).unwrap();
        assert_eq!(model, [3], "the model file as computed");
        // An interrupted study: two results lost; only those are recomputed.
        std::fs::remove_file(fam.run_dir(1).join("result.json")).unwrap();
        std::fs::remove_file(fam.run_dir(4).join("result.json")).unwrap();
        let fam = Family::open(dir.path(), "fp", names(5), false).unwrap();
        assert_eq!(fam.finished(), vec![0, 2, 3]);
        let got: Vec<u64> = fam.run(None, &Progress::hidden(), square).unwrap();
        assert_eq!(got, vec![0, 1, 4, 9, 16]);
        assert_eq!(calls.load(Ordering::SeqCst), 7);
    }

    #[test]
    fn another_family_is_refused_unless_fresh() {
        let dir = tempfile::tempdir().unwrap();
        let fam = Family::open(dir.path(), "fp", names(2), false).unwrap();
        let _: Vec<u64> = fam
            .run(None, &Progress::hidden(), |i| Ok((i as u64, vec![])))
            .unwrap();
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
        let r: Result<Vec<u64>> = fam.run(None, &Progress::hidden(), |i| {
            if i == 1 {
                Err(Error::Invalid("run 1 diverged".into()))
            } else {
                Ok((i as u64, vec![]))
            }
        });
        assert!(r.unwrap_err().to_string().contains("run 1 diverged"));
        assert!(!fam.run_dir(1).join("result.json").exists());
    }
}
