//! shipctl: read a CI job's metadata and do its routine chores.
//!
//! [`main`] parses, dispatches and turns the outcome into an exit code (the
//! table in the README). Everything else lives in the modules below; the
//! binary (`src/main.rs`) only collects the arguments and calls [`main`].
#![warn(clippy::print_stdout, clippy::print_stderr)]

mod aws;
#[cfg(test)]
mod budget;
pub mod cli;
mod commands;
mod complete;
mod diag;
mod eval;
mod exit;
mod fsutil;
mod glob;
mod job;
mod json;
mod platform;
mod user;

/// What the integration tests call directly, besides the binary: the pure
/// AWS pieces they judge against botocore, the AWS CLI and the AWS SigV4
/// test suite (tests/aws*.rs, tests/ecr_sigv4.rs). Not an API: hidden from
/// the docs, nothing promised.
///
/// Item by item, not whole modules: a function made reachable from outside
/// the crate is no longer inlined into its one caller (exporting all of
/// `aws::sigv4` and `aws::ecr` cost the release binary 5.5 KB; these items
/// cost nothing).
#[doc(hidden)]
pub mod test_api {
    pub mod aws_ini {
        pub use crate::aws::ini::{
            Credentials, FileKind, IniError, decode, has_profile, kind_for_key, py_lower,
            sections_like_botocore, set, set_credentials, validate_like_botocore,
            validate_profile_name,
        };
    }
    pub mod aws_sigv4 {
        pub use crate::aws::sigv4::{Credentials, Request, sign};
    }
    pub mod aws_ecr {
        pub use crate::aws::ecr::{BODY, SERVICE, endpoint, request_headers};
    }
}

use clap::FromArgMatches;
use std::ffi::OsString;
use std::io::Write;

/// Run shipctl with `args` (the program name first) and return the exit
/// code: 0, 1, 82, 99 or 100 (see [`exit`]). Values go to stdout,
/// diagnostics to stderr; stdout is flushed before returning.
pub fn main(args: Vec<OsString>) -> u8 {
    // A failing `eval "$(shipctl aws_env …)"` must fail too (src/eval.rs).
    let evaluated = eval::is_evaluated(&args);
    let code = match run(args) {
        Ok(()) => exit::OK,
        Err(err) => report(&err),
    };
    if code != exit::OK && evaluated {
        eval::print_failure();
    }
    let _ = std::io::stdout().flush();
    code
}

fn run(args: Vec<OsString>) -> anyhow::Result<()> {
    // A completion request from a shell script (`completions/`): answered
    // before anything else is built, and costs the normal path one compare.
    if args.get(1).is_some_and(|a| a == complete::REQUEST) {
        let stdout = std::io::stdout();
        let mut out = std::io::BufWriter::new(stdout.lock());
        commands::completions::request(&args[2..], &mut out)?;
        out.flush()?;
        return Ok(());
    }
    for option in cli::misplaced_global_options(&args) {
        diag::warn(format_args!(
            "{option} is a global option: it goes before the command \
             (shipctl {option} COMMAND …); after the command it is an ordinary argument"
        ));
    }
    if let Some(command) = cli::fast_parse(&args) {
        let env = job::JobEnv::from_process(false, false, None)?;
        return execute(command, &env);
    }
    let mut cmd = cli::command(&args);
    if let Some(name) = cli::command_name(&args)
        && !name.starts_with('-')
        && cmd.find_subcommand(name).is_none()
    {
        return Err(exit::usage(cli::unknown_command(&cmd, name)));
    }
    let args = cli::prepare_args(&cmd, args);
    let parsed = cmd.try_get_matches_from_mut(args.clone()).and_then(|m| {
        let cli = cli::Cli::from_arg_matches(&m);
        std::mem::forget(m);
        cli
    });
    let parsed = parsed.map_err(|e| (cli::suggestion_tip(&cmd, &args, &e), e));
    // The process ends soon: freeing the command tree (and the matches)
    // piece by piece would cost a tenth of a lookup.
    std::mem::forget(cmd);
    let cli = match parsed {
        Ok(cli) => cli,
        Err((tip, e)) => return clap_error(&e, tip),
    };
    let env = job::JobEnv::from_process(cli.strict, cli.explain, cli.env_file.as_deref())?;
    execute(cli.command, &env)
}

/// What clap stopped at: `--help` and `--version` print on stdout and
/// succeed; bare `shipctl` is a usage error followed by the help; every
/// other clap error is a usage error (99) whose text follows
/// `shipctl: error:` as every error of this tool does (the blank lines of
/// clap's layout dropped, the error itself on one line). `tip`
/// ([`cli::suggestion_tip`]) replaces clap's tip lines.
fn clap_error(e: &clap::Error, tip: Option<String>) -> anyhow::Result<()> {
    use clap::error::ErrorKind;
    let text = e.render().to_string();
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            std::io::stdout().write_all(text.as_bytes())?;
            Ok(())
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => Err(exit::usage(format!(
            "no command given\n\n{}",
            text.trim_end()
        ))),
        _ => {
            let text = text.strip_prefix("error: ").unwrap_or(&text);
            let mut paragraphs = text.split("\n\n").filter(|p| !p.trim().is_empty());
            let first = paragraphs.next().unwrap_or_default();
            let first: Vec<&str> = first.lines().map(str::trim).collect();
            let mut lines: Vec<&str> = paragraphs.flat_map(str::lines).collect();
            if let Some(tip) = &tip {
                lines.retain(|l| !l.trim_start().starts_with("tip:"));
                lines.insert(0, tip);
            }
            let message = std::iter::once(first.join(" "))
                .chain(lines.iter().map(|l| l.to_string()))
                .collect::<Vec<_>>()
                .join("\n");
            Err(exit::usage(message))
        }
    }
}

/// Run a parsed command with buffered stdout.
fn execute(command: cli::Command, env: &job::JobEnv) -> anyhow::Result<()> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    commands::run(command, env, &mut out)?;
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
            .is_some_and(platform::is_broken_pipe)
    });
    if broken_pipe {
        return exit::OK;
    }
    diag::error(err);
    exit::FAILURE
}
