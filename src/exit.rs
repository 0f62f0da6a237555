//! Exit codes (spec §3) and the error type that carries one up to `main`.

use std::fmt;

/// Success.
pub const OK: u8 = 0;
/// Any failure that is not a usage error: unreadable or malformed file,
/// I/O error, a command that failed, a `--strict` lookup that found nothing.
pub const FAILURE: u8 = 1;
/// `replace` was given a folder.
pub const IS_FOLDER: u8 = 82;
/// Usage error (missing, empty or extra argument, unknown command or option)
/// and a required file or folder that is missing.
pub const USAGE: u8 = 99;
/// `decrypt`: the key file is missing.
pub const KEY_MISSING: u8 = 100;

/// An error with a specific exit code. `main` downcasts to it; any other
/// error exits with [`FAILURE`].
#[derive(Debug)]
pub struct Exit {
    pub code: u8,
    /// The message for stderr; `None` when it was already printed.
    pub message: Option<String>,
}

impl fmt::Display for Exit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.message {
            Some(m) => f.write_str(m),
            None => write!(f, "exit status {}", self.code),
        }
    }
}

impl std::error::Error for Exit {}

/// An error that exits with `code` and prints `message`.
pub fn with_code(code: u8, message: impl Into<String>) -> anyhow::Error {
    Exit {
        code,
        message: Some(message.into()),
    }
    .into()
}

/// A usage error (exit 99).
pub fn usage(message: impl Into<String>) -> anyhow::Error {
    with_code(USAGE, message)
}

/// A failure (exit 1) with a message.
pub fn failure(message: impl Into<String>) -> anyhow::Error {
    with_code(FAILURE, message)
}

/// Exit with `code` and print nothing more (the message, if any, is out).
pub fn silent(code: u8) -> anyhow::Error {
    Exit {
        code,
        message: None,
    }
    .into()
}
