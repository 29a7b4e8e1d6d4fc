//! `RunDir`: the output folder of one run (`plots/<name>/` by default).
//!
//! Every file goes through an atomic write (temp file in the same folder + rename), so a
//! rerun or a crash never leaves a half-written `summary.json`, `.npy`, `.csv` or
//! `.safetensors`. A run reaches its folder through [`crate::io::lock::Claim`], taken
//! only after its input was validated, so bad input never creates an output folder.
//! Sub-folders are created on demand and must not be symbolic links, so a link planted
//! inside the folder cannot send a file outside it.

use crate::error::{Error, Result};
use crate::io::{atomic, npy};
use crate::nn::layout::Layout;
use crate::nn::weights;
use crate::scalar::Scalar;
use std::path::{Component, Path, PathBuf};

#[derive(Clone, Debug)]
pub struct RunDir {
    root: PathBuf,
}

impl RunDir {
    /// Create the folder `path` (and its parents); an existing folder is reused and files
    /// in it are replaced one by one as they are rewritten.
    pub fn create(path: impl AsRef<Path>) -> Result<RunDir> {
        let root = path.as_ref().to_path_buf();
        std::fs::create_dir_all(&root)
            .map_err(|e| Error::output(&root, format!("cannot create the folder: {e}")))?;
        Ok(RunDir { root })
    }

    /// The folder at `path`, which the caller has created (and claimed).
    pub fn at(path: impl AsRef<Path>) -> RunDir {
        RunDir {
            root: path.as_ref().to_path_buf(),
        }
    }

    /// An existing run folder (for redrawing); an error naming it when it is absent.
    pub fn open_existing(path: impl AsRef<Path>) -> Result<RunDir> {
        let root = path.as_ref().to_path_buf();
        if root.is_dir() {
            Ok(RunDir { root })
        } else {
            Err(Error::io(
                &root,
                std::io::Error::new(std::io::ErrorKind::NotFound, "no such run folder"),
            ))
        }
    }

    /// The folder itself.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where file `name` (relative, e.g. `"summary.json"` or `"grids/loss.npy"`) goes.
    pub fn path(&self, name: &str) -> PathBuf {
        self.root.join(name)
    }

    /// The target path of `name`, checked to stay inside the folder, with its parent
    /// folders created.
    fn target(&self, name: &str) -> Result<PathBuf> {
        let rel = Path::new(name);
        let inside =
            !name.is_empty() && rel.components().all(|c| matches!(c, Component::Normal(_)));
        if !inside {
            return Err(Error::Invalid(format!(
                "output file name {name:?} must be a relative path inside the run folder {}",
                self.root.display()
            )));
        }
        let parts: Vec<Component> = rel.components().collect();
        let mut folder = self.root.clone();
        for part in &parts[..parts.len() - 1] {
            folder.push(part);
            ensure_subfolder(&folder)?;
        }
        Ok(self.root.join(rel))
    }

    /// Write raw bytes to `name`; returns the path written.
    pub fn write_bytes(&self, name: &str, bytes: &[u8]) -> Result<PathBuf> {
        let path = self.target(name)?;
        atomic::write_atomic(&path, bytes)?;
        Ok(path)
    }

    /// Write text (e.g. the resolved `config.toml`) to `name`.
    pub fn write_text(&self, name: &str, text: &str) -> Result<PathBuf> {
        self.write_bytes(name, text.as_bytes())
    }

    /// Write `value` as pretty JSON (newline-terminated) to `name`.
    pub fn write_json(&self, name: &str, value: &serde_json::Value) -> Result<PathBuf> {
        let path = self.target(name)?;
        atomic::write_json(&path, value)?;
        Ok(path)
    }

    /// Write `data` (C order) with `shape` as a `.npy` array (`<f4` or `<f8` per `S`).
    pub fn write_npy<S: Scalar>(&self, name: &str, data: &[S], shape: &[usize]) -> Result<PathBuf> {
        let path = self.target(name)?;
        npy::write(&path, data, shape)?;
        Ok(path)
    }

    /// Read back the `.npy` array `name` that a run saved, checking that its shape is
    /// `shape` (`None` in a position: any length there).
    pub fn read_npy(&self, name: &str, shape: &[Option<usize>]) -> Result<(Vec<f64>, Vec<usize>)> {
        let path = self.path(name);
        let (data, got) = npy::read(&path)?;
        let fits = got.len() == shape.len()
            && got
                .iter()
                .zip(shape)
                .all(|(g, want)| want.is_none_or(|w| w == *g));
        if !fits {
            let want: Vec<String> = shape
                .iter()
                .map(|d| d.map_or("any".to_string(), |d| d.to_string()))
                .collect();
            return Err(Error::data(
                &path,
                None,
                format!(
                    "has shape {got:?}, but this run needs [{}]",
                    want.join(", ")
                ),
            ));
        }
        Ok((data, got))
    }

    /// Read back a CSV table that [`RunDir::write_csv`] wrote, checking its header.
    pub fn read_csv(&self, name: &str, header: &[&str]) -> Result<Vec<Vec<f64>>> {
        let path = self.path(name);
        let text = crate::io::read::read_input_text(&path, crate::io::read::RUN_FILE_LIMIT)?;
        let mut lines = text.lines();
        let got = lines.next().unwrap_or("");
        if got != header.join(",") {
            return Err(Error::data(
                &path,
                Some(1),
                format!("the header is not `{}`", header.join(",")),
            ));
        }
        lines
            .enumerate()
            .map(|(i, line)| {
                let row: Vec<f64> = line
                    .split(',')
                    .map(|v| v.parse::<f64>())
                    .collect::<std::result::Result<_, _>>()
                    .map_err(|e| Error::data(&path, Some(i + 2), format!("not a number: {e}")))?;
                if row.len() == header.len() {
                    Ok(row)
                } else {
                    Err(Error::data(
                        &path,
                        Some(i + 2),
                        format!("{} values, the header has {}", row.len(), header.len()),
                    ))
                }
            })
            .collect()
    }

    /// Write a CSV table with a header line; every row has `header.len()` values.
    pub fn write_csv(&self, name: &str, header: &[&str], rows: &[Vec<f64>]) -> Result<PathBuf> {
        let path = self.target(name)?;
        atomic::write_csv(&path, header, rows)?;
        Ok(path)
    }

    /// Save `theta` as safetensors with PyTorch `nn.Sequential` names (`0.weight`, ...).
    pub fn save_weights<S: Scalar>(
        &self,
        name: &str,
        layout: &Layout,
        theta: &[S],
    ) -> Result<PathBuf> {
        let path = self.target(name)?;
        weights::save(&path, layout, theta)?;
        Ok(path)
    }
}

/// Create the folder `path` (and missing parents) unless it exists; an existing one
/// must be a real folder, not a symbolic link.
pub fn ensure_subfolder(path: &Path) -> Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => Ok(()),
        Ok(_) => Err(Error::folder(
            path,
            "exists and is not a folder (a symbolic link is not followed)",
        )),
        Err(_) => match std::fs::create_dir(path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => ensure_subfolder(path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => match path.parent() {
                Some(parent) if !parent.as_os_str().is_empty() => {
                    ensure_subfolder(parent)?;
                    ensure_subfolder(path)
                }
                _ => Err(Error::output(
                    path,
                    format!("cannot create the folder: {e}"),
                )),
            },
            Err(e) => Err(Error::output(
                path,
                format!("cannot create the folder: {e}"),
            )),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_every_kind_of_file_atomically() {
        let tmp = tempfile::tempdir().unwrap();
        let run = RunDir::create(tmp.path().join("plots/demo")).unwrap();
        assert!(run.root().is_dir());
        run.write_json("summary.json", &serde_json::json!({"loss": 1.25}))
            .unwrap();
        run.write_text("config.toml", "seed = 0\n").unwrap();
        let p = run
            .write_npy("grids/loss.npy", &[1.0f64, 2.0], &[2])
            .unwrap();
        assert_eq!(p, run.path("grids/loss.npy"));
        run.write_csv(
            "curve.csv",
            &["alpha", "loss"],
            &[vec![0.0, 1.0], vec![0.5, 0.25]],
        )
        .unwrap();
        let layout = Layout::new(&[2, 3, 1]);
        let theta: Vec<f32> = (0..layout.n_params()).map(|i| i as f32).collect();
        run.save_weights("model.safetensors", &layout, &theta)
            .unwrap();

        assert_eq!(
            std::fs::read_to_string(run.path("config.toml")).unwrap(),
            "seed = 0\n"
        );
        assert_eq!(
            npy::read(&run.path("grids/loss.npy")).unwrap().0,
            vec![1.0, 2.0]
        );
        assert_eq!(
            std::fs::read_to_string(run.path("curve.csv")).unwrap(),
            "alpha,loss\n0.0,1.0\n0.5,0.25\n"
        );
        assert_eq!(
            weights::load::<f32>(&run.path("model.safetensors"), &layout).unwrap(),
            theta
        );
        let mut names: Vec<String> = std::fs::read_dir(run.root())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(
            names,
            [
                "config.toml",
                "curve.csv",
                "grids",
                "model.safetensors",
                "summary.json"
            ]
        );
    }

    #[test]
    fn names_must_stay_inside_the_folder() {
        let tmp = tempfile::tempdir().unwrap();
        let run = RunDir::create(tmp.path().join("r")).unwrap();
        for bad in ["", "../x.json", "/tmp/x.json", "a/../../x"] {
            let e = run.write_text(bad, "x").unwrap_err();
            assert!(matches!(e, Error::Invalid(_)), "{bad}: {e}");
        }
    }

    #[test]
    fn a_planted_symlinked_subfolder_is_not_followed() {
        let tmp = tempfile::tempdir().unwrap();
        let outside = tmp.path().join("outside");
        std::fs::create_dir(&outside).unwrap();
        let run = RunDir::create(tmp.path().join("r")).unwrap();
        std::os::unix::fs::symlink(&outside, run.path("grids")).unwrap();
        let e = run.write_text("grids/loss.csv", "x").unwrap_err();
        assert!(e.to_string().contains("symbolic link"), "{e}");
        assert_eq!(std::fs::read_dir(&outside).unwrap().count(), 0);
    }

    #[test]
    fn uncreatable_folder_is_an_output_error() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("f");
        std::fs::write(&file, "x").unwrap();
        let e = RunDir::create(file.join("sub")).unwrap_err();
        assert!(matches!(e, Error::Output { .. }), "{e}");
    }
}
