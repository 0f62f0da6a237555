//! `shipctl completions SHELL` (the registration script of a shell) and
//! the hidden completion request `shipctl __complete SHELL CWORD -- WORD…`
//! that those scripts make at each TAB (the engine is `crate::complete`).

use crate::cli::{Cli, Shell};
use crate::complete;
use crate::exit;
use crate::job::JobEnv;
use anyhow::Result;
use clap::{CommandFactory, ValueEnum};
use std::ffi::OsString;
use std::io::Write;

/// The script of a shell. It holds no command name: every candidate comes
/// from `shipctl __complete`, so the committed copies in `completions/`
/// change only when the stubs do.
pub fn script(shell: Shell) -> &'static str {
    match shell {
        Shell::Bash => include_str!("../shell/shipctl.bash"),
        Shell::Zsh => include_str!("../shell/shipctl.zsh"),
        Shell::Fish => include_str!("../shell/shipctl.fish"),
        Shell::Powershell => include_str!("../shell/shipctl.ps1"),
        Shell::Elvish => include_str!("../shell/shipctl.elv"),
    }
}

pub fn completions(shell: Shell, out: &mut dyn Write) -> Result<()> {
    out.write_all(script(shell).as_bytes())?;
    Ok(())
}

/// Answer a completion request; `args` are the words after `__complete`:
/// `SHELL CWORD [--line LINE] -- WORD…` (bash's stub sends `COMP_LINE`
/// as LINE, see `complete::line_words`). A malformed request
/// exits 99 without a message (the scripts ignore errors); nothing in the
/// job environment makes it fail.
pub fn request(args: &[OsString], out: &mut dyn Write) -> Result<()> {
    let arg = |i: usize| args.get(i).and_then(|a| a.to_str());
    let shell = arg(0).and_then(|s| Shell::from_str(s, false).ok());
    let cword = arg(1).and_then(|s| s.parse::<usize>().ok());
    let (line, rest) = match arg(2) {
        Some("--line") => (args.get(3).map(|l| l.to_string_lossy().into_owned()), 4),
        _ => (None, 2),
    };
    let (Some(shell), Some(cword), Some("--")) = (shell, cword, arg(rest)) else {
        return Err(exit::silent(exit::USAGE));
    };
    let given: Vec<String> = args[rest + 1..]
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let (words, bash_kept) = complete::line_words(shell, &given, cword, line.as_deref());

    // The job environment, with the --env-file of the line when it loads.
    let mut env = JobEnv::from_process(false, false, None)?;
    if let Some(file) = complete::env_file(&words) {
        let path = complete::expand_home(file, &env);
        if let Ok(with_file) = JobEnv::from_process(false, false, Some(&path)) {
            env = with_file;
        }
    }
    env.strict = false;
    env.explain = false;

    let mut cmd = crate::cli::with_help(Cli::command());
    cmd.build();
    let reply = complete::complete(&cmd, &env, &words);
    out.write_all(complete::render(shell, &reply, &bash_kept).as_bytes())?;
    Ok(())
}
