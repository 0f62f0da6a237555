//! shipctl: read a CI job's metadata and do its routine chores.
//!
//! `main` parses, dispatches and turns the outcome into an exit code
//! (spec §3). Everything else lives in the modules below.
#![warn(clippy::print_stdout, clippy::print_stderr)]

mod cli;
mod commands;
mod diag;
mod exit;
mod fsutil;
mod job;
mod json;

use clap::FromArgMatches;
use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::from(exit::OK),
        Err(err) => ExitCode::from(report(&err)),
    }
}

fn run() -> anyhow::Result<()> {
    let args: Vec<_> = std::env::args_os().collect();
    let cmd = cli::command(&args);
    let args = cli::prepare_args(&cmd, args);
    let parsed = cmd
        .try_get_matches_from(args)
        .and_then(|m| cli::Cli::from_arg_matches(&m));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(e) => {
            // --help and --version print on stdout and succeed; every other
            // clap error is a usage error (99) with its text on stderr.
            let _ = e.print();
            return match e.use_stderr() {
                true => Err(exit::silent(exit::USAGE)),
                false => Ok(()),
            };
        }
    };
    let env = job::JobEnv::from_process(cli.strict, cli.explain, cli.env_file.as_deref())?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    commands::run(cli.command, &env, &mut out)?;
    out.flush()?;
    Ok(())
}

/// Print the error (unless it is a quiet one) and return its exit code.
fn report(err: &anyhow::Error) -> u8 {
    if let Some(e) = err.downcast_ref::<exit::Exit>() {
        if e.message.is_some() {
            diag::error(err);
        }
        return e.code;
    }
    // A reader that went away (`shipctl … | head -1`) is not an error.
    let broken_pipe = err.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    });
    if broken_pipe {
        return exit::OK;
    }
    diag::error(err);
    exit::FAILURE
}
