//! The library's one error type.
//!
//! Every variant that describes bad input (config, data, weights, directions) names the
//! file and the field, line or tensor at fault, so the binary can print it as one
//! paragraph and exit with status 2. `Output` is the only variant that is not the user's
//! input: a figure or file that could not be written (exit status 1).
//!
//! User content (CSV cells, column names, header text, tensor names, decoder messages)
//! reaches a message only through [`quote`], so a hostile file cannot make a message
//! long or write control bytes to the terminal.

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

    /// A weights error; `tensor` is the file's own name for it, shown through [`quote`].
    pub fn weights(
        file: impl AsRef<Path>,
        tensor: impl Into<String>,
        msg: impl Into<String>,
    ) -> Self {
        Error::Weights {
            file: file.as_ref().to_path_buf(),
            tensor: quote(&tensor.into()),
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

/// Longest piece of user content a message shows, in characters, before [`quote`]'s `…`.
pub const QUOTE_CHARS: usize = 80;

/// User content made safe to put into a message: at most [`QUOTE_CHARS`] characters
/// (escapes included), followed by `…` when the content was cut; control characters and
/// the invisible bidirectional/zero-width formatting characters are escaped as `\x1b`,
/// `\n`, `\u{202e}`, so the result holds no byte that a terminal acts on. No delimiters
/// are added: callers write the backticks they want around it.
pub fn quote(s: &str) -> String {
    let mut out = String::new();
    let mut shown = 0usize;
    for c in s.chars() {
        let piece = match c {
            '\n' => "\\n".to_string(),
            '\r' => "\\r".to_string(),
            '\t' => "\\t".to_string(),
            c if (c as u32) < 0x80 && c.is_control() => format!("\\x{:02x}", c as u32),
            c if c.is_control() || is_invisible_format(c) => format!("\\u{{{:x}}}", c as u32),
            c => c.to_string(),
        };
        let width = piece.chars().count();
        if shown + width > QUOTE_CHARS {
            out.push('…');
            return out;
        }
        shown += width;
        out.push_str(&piece);
    }
    out
}

/// Zero-width and bidirectional-override characters (Unicode `Cf`) that can make a
/// message display differently from what it holds.
fn is_invisible_format(c: char) -> bool {
    matches!(c, '\u{ad}' | '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}'
        | '\u{2060}'..='\u{2069}' | '\u{feff}' | '\u{061c}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_keeps_plain_text() {
        assert_eq!(quote("sepal length (cm)"), "sepal length (cm)");
        assert_eq!(quote(""), "");
    }

    #[test]
    fn quote_escapes_control_and_format_characters() {
        assert_eq!(quote("a\u{1b}[31mb\0\n"), "a\\x1b[31mb\\x00\\n");
        assert_eq!(quote("x\u{202e}y\u{85}"), "x\\u{202e}y\\u{85}");
    }

    #[test]
    fn quote_cuts_long_content() {
        let q = quote(&"é".repeat(200_000));
        assert_eq!(q.chars().count(), QUOTE_CHARS + 1);
        assert!(q.ends_with('…'));
        let q = quote(&"\u{1b}".repeat(100));
        assert!(
            q.chars().count() <= QUOTE_CHARS + 1 && q.ends_with('…'),
            "{q}"
        );
        assert!(!q.chars().any(|c| c.is_control()));
        assert_eq!(quote(&"a".repeat(QUOTE_CHARS)), "a".repeat(QUOTE_CHARS));
    }
}
