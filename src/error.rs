//! The library's one error type.
//!
//! Every variant that describes bad input (config, data, weights, directions) names the
//! file and the field, line or tensor at fault, so the binary can print it as one
//! paragraph and exit with status 2. `Output` is the only variant that is not the user's
//! input: a figure or file that could not be written (exit status 1).

use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A config value that is missing, of the wrong type, or out of range.
    #[error("{}: field `{field}`: {msg}", file.display())]
    Config {
        file: PathBuf,
        field: String,
        msg: String,
    },
    /// A config file that is not valid TOML or does not fit the schema (unknown key,
    /// wrong type, missing field); the message carries the line and column.
    #[error("{}: {msg}", file.display())]
    ConfigSyntax { file: PathBuf, msg: String },
    /// A data file that cannot be read or parsed; `line` is 1-based when known.
    #[error("{}{}: {msg}", file.display(), line.map(|l| format!(", line {l}")).unwrap_or_default())]
    Data {
        file: PathBuf,
        line: Option<usize>,
        msg: String,
    },
    /// A weights file whose tensors are missing, truncated or of the wrong shape.
    #[error("{}: tensor `{tensor}`: {msg}", file.display())]
    Weights {
        file: PathBuf,
        tensor: String,
        msg: String,
    },
    /// A file that could not be opened or read.
    #[error("{}: {source}", file.display())]
    Io {
        file: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// An argument that breaks a documented precondition of a library call.
    #[error("{0}")]
    Invalid(String),
    /// An output folder that cannot be used: in use by another run, holding another
    /// kind's run or the user's own files, a symbolic link (exit status 2).
    #[error("output folder {}: {msg}", path.display())]
    Folder { path: PathBuf, msg: String },
    /// A result that could not be written (disk full, drawing backend failure).
    #[error("writing {}: {msg}", file.display())]
    Output { file: PathBuf, msg: String },
}

impl Error {
    pub fn config(
        file: impl AsRef<Path>,
        field: impl Into<String>,
        msg: impl Into<String>,
    ) -> Self {
        Error::Config {
            file: file.as_ref().to_path_buf(),
            field: field.into(),
            msg: msg.into(),
        }
    }

    pub fn data(file: impl AsRef<Path>, line: Option<usize>, msg: impl Into<String>) -> Self {
        Error::Data {
            file: file.as_ref().to_path_buf(),
            line,
            msg: msg.into(),
        }
    }

    pub fn weights(
        file: impl AsRef<Path>,
        tensor: impl Into<String>,
        msg: impl Into<String>,
    ) -> Self {
        Error::Weights {
            file: file.as_ref().to_path_buf(),
            tensor: tensor.into(),
            msg: msg.into(),
        }
    }

    pub fn io(file: impl AsRef<Path>, source: std::io::Error) -> Self {
        Error::Io {
            file: file.as_ref().to_path_buf(),
            source,
        }
    }

    pub fn folder(path: impl AsRef<Path>, msg: impl Into<String>) -> Self {
        Error::Folder {
            path: path.as_ref().to_path_buf(),
            msg: msg.into(),
        }
    }

    pub fn output(file: impl AsRef<Path>, msg: impl ToString) -> Self {
        Error::Output {
            file: file.as_ref().to_path_buf(),
            msg: msg.to_string(),
        }
    }

    /// True when the error is the user's input (exit status 2), false for output failures.
    pub fn is_bad_input(&self) -> bool {
        !matches!(self, Error::Output { .. })
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// User content for an error message: at most 80 characters (cut with `…`), control
/// characters escaped (`\x1b`, `\n`), wrapped in double quotes.
pub fn quote(s: &str) -> String {
    const MAX: usize = 80;
    let mut out = String::from("\"");
    for (i, c) in s.chars().enumerate() {
        if i == MAX {
            out.push('…');
            break;
        }
        if c.is_control() || c == '"' || c == '\\' {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out.push('"');
    out
}
