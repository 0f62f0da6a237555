//! The only place that writes diagnostics to stderr.
#![allow(clippy::print_stderr)]

use std::fmt;

/// `shipctl: error: …` — one line, the whole anyhow chain.
pub fn error(err: &anyhow::Error) {
    eprintln!("shipctl: error: {err:#}");
}

/// `shipctl: warning: …`
pub fn warn(what: fmt::Arguments) {
    eprintln!("shipctl: warning: {what}");
}

/// `shipctl: …` — a notice that is neither a warning nor an error.
pub fn notice(what: fmt::Arguments) {
    eprintln!("shipctl: {what}");
}

/// One line of the `--explain` trace.
pub fn explain(what: fmt::Arguments) {
    eprintln!("shipctl: explain: {what}");
}
