//! File formats and the run folder: `.npy` arrays numpy opens unchanged, atomic writes
//! (temp file in the same folder, fsync, rename) for JSON, CSV and text, and [`RunDir`],
//! the output folder of one run. Weights files (safetensors) live in [`crate::nn::weights`].
//! [`read`] is the one way input files are opened: regular files only, every read capped
//! by a limit or by what the file's header declares, gzip decompressed up to a cap.

pub mod atomic;
pub mod hash;
pub mod lock;
pub mod npy;
pub mod read;
pub mod run_dir;
pub mod vtp;

pub use atomic::{write_atomic, write_csv, write_json};
pub use run_dir::RunDir;
