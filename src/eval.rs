//! Output that a shell evaluates. `aws_env` and `jdk set` print variable
//! assignments for `eval "$(shipctl …)"` (bash, zsh, sh), `shipctl … | source`
//! (fish) or `shipctl … | Out-String | Invoke-Expression` (PowerShell): this
//! is the one place for each shell's quoting, and for what such a command
//! prints when it fails (issue 12 item 7).

use crate::cli::ShellFormat;
use std::ffi::OsString;
use std::io::{IsTerminal, Write};

/// What an evaluated command prints on stdout when it fails, and only then.
///
/// `eval ""` succeeds, so a failing `eval "$(shipctl aws_env RES)"` would
/// otherwise go unnoticed, even under `set -e`. This line fails in every
/// shell and does nothing else:
/// - bash, zsh, dash/sh, fish (and elvish): it runs `false` with its input
///   from /dev/null — status 1, no output, no other effect; so `set -e`
///   stops the script, `&&` / `; or` see the failure.
/// - PowerShell (5.1 and 7.x) reserves `<`: the line is a parse error
///   ("The '<' operator is reserved for future use", RedirectionNotSupported)
///   and nothing of it runs; `Invoke-Expression` reports the error (`$?` is
///   false; `$ErrorActionPreference = 'Stop'` stops the script).
#[cfg_attr(test, allow(dead_code))]
pub const FAILURE_STATEMENT: &[u8] = b"false < /dev/null\n";

/// The commands whose stdout is meant to be evaluated by a shell: `jdk`, and
/// `aws_env` unless its `--format` is `json` or `dotenv` (those are read by
/// programs, not shells). Decided from argv alone, so that a call clap
/// refuses (`aws_env` without its RES, an unknown option) is covered too.
pub fn is_evaluated(args: &[OsString]) -> bool {
    let i = crate::cli::command_index(args);
    let rest = args.get(i + 1..).unwrap_or_default();
    match args.get(i).and_then(|a| a.to_str()) {
        Some("jdk") => true,
        Some("aws_env") => {
            let mut format = None;
            for (j, a) in rest.iter().enumerate() {
                let a = a.to_string_lossy();
                if a == "--format" {
                    format = rest.get(j + 1).map(|f| f.to_string_lossy().into_owned());
                } else if let Some(f) = a.strip_prefix("--format=") {
                    format = Some(f.to_string());
                }
            }
            !matches!(format.as_deref(), Some("json" | "dotenv"))
        }
        _ => false,
    }
}

/// Print [`FAILURE_STATEMENT`] on stdout, unless stdout is a terminal (a
/// person reads the error; nothing is evaluated there).
#[cfg_attr(test, allow(dead_code))]
pub fn print_failure() {
    let mut stdout = std::io::stdout();
    if !stdout.is_terminal() {
        // Nothing more can be done if stdout is gone.
        let _ = stdout.write_all(FAILURE_STATEMENT);
        let _ = stdout.flush();
    }
}

/// `'…'` for POSIX shells (bash, zsh, dash): every byte literal, `'` as
/// `'\''`.
pub fn sh_quote(value: &[u8]) -> Vec<u8> {
    let mut q = Vec::with_capacity(value.len() + 2);
    q.push(b'\'');
    for &b in value {
        match b {
            b'\'' => q.extend_from_slice(b"'\\''"),
            _ => q.push(b),
        }
    }
    q.push(b'\'');
    q
}

/// `'…'` for fish: inside single quotes only `\` and `'` are special, and
/// are escaped with `\`.
pub fn fish_quote(value: &[u8]) -> Vec<u8> {
    let mut q = Vec::with_capacity(value.len() + 2);
    q.push(b'\'');
    for &b in value {
        if matches!(b, b'\\' | b'\'') {
            q.push(b'\\');
        }
        q.push(b);
    }
    q.push(b'\'');
    q
}

/// `'…'` for PowerShell: a single quote — including the typographic ones
/// PowerShell also takes for quotes (U+2018–U+201B) — is doubled; every
/// other character is literal.
pub fn ps_quote(value: &[u8]) -> Vec<u8> {
    let mut q = Vec::with_capacity(value.len() + 2);
    q.push(b'\'');
    for chunk in value.utf8_chunks() {
        for c in chunk.valid().chars() {
            let mut buf = [0; 4];
            let bytes = c.encode_utf8(&mut buf).as_bytes();
            if matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201a}' | '\u{201b}') {
                q.extend_from_slice(bytes);
            }
            q.extend_from_slice(bytes);
        }
        q.extend_from_slice(chunk.invalid());
    }
    q.push(b'\'');
    q
}

/// One line, ending in a newline, that sets the environment variable `name`
/// (a plain `[A-Z_]` name) to `value`, or removes it when `value` is `None`.
/// Each line succeeds on its own, so the status of evaluating the whole is
/// 0: `unset` of an unset name is 0 in sh, and fish's `set -e` of an unset
/// name (status 4) is followed by `; or true`.
pub fn assignment(shell: ShellFormat, name: &str, value: Option<&[u8]>) -> Vec<u8> {
    let mut line = Vec::new();
    match (shell, value) {
        (ShellFormat::Sh, Some(v)) => {
            line.extend_from_slice(format!("export {name}=").as_bytes());
            line.extend(sh_quote(v));
        }
        (ShellFormat::Sh, None) => line.extend_from_slice(format!("unset {name}").as_bytes()),
        (ShellFormat::Fish, Some(v)) => {
            line.extend_from_slice(format!("set -gx {name} ").as_bytes());
            line.extend(fish_quote(v));
        }
        (ShellFormat::Fish, None) => {
            line.extend_from_slice(format!("set -e {name}; or true").as_bytes())
        }
        (ShellFormat::Powershell, Some(v)) => {
            line.extend_from_slice(format!("$Env:{name} = ").as_bytes());
            line.extend(ps_quote(v));
        }
        (ShellFormat::Powershell, None) => {
            line.extend_from_slice(format!("$Env:{name} = $null").as_bytes())
        }
    }
    line.push(b'\n');
    line
}

/// How a person runs `command` (e.g. `shipctl jdk set openjdk17 --format
/// fish`) so that its output takes effect in `shell`.
pub fn how_to_evaluate(shell: ShellFormat, command: &str) -> String {
    match shell {
        ShellFormat::Sh => format!("eval \"$({command})\""),
        ShellFormat::Fish => format!("{command} | source"),
        ShellFormat::Powershell => format!("{command} | Out-String | Invoke-Expression"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<OsString> {
        std::iter::once("shipctl")
            .chain(a.iter().copied())
            .map(OsString::from)
            .collect()
    }

    #[test]
    fn quoting() {
        assert_eq!(sh_quote(b"/a b"), b"'/a b'");
        assert_eq!(sh_quote(b"it's"), b"'it'\\''s'");
        assert_eq!(sh_quote(b"a\xffb"), b"'a\xffb'");
        assert_eq!(fish_quote(br"a\'b"), br"'a\\\'b'");
        assert_eq!(
            ps_quote("a'b\u{2019}".as_bytes()),
            "'a''b\u{2019}\u{2019}'".as_bytes()
        );
        assert_eq!(ps_quote(b"a\xff'"), b"'a\xff'''");
    }

    #[test]
    fn lines() {
        let v = Some(&b"x'y"[..]);
        let line = |s, v| String::from_utf8(assignment(s, "N", v)).unwrap();
        assert_eq!(line(ShellFormat::Sh, v), "export N='x'\\''y'\n");
        assert_eq!(line(ShellFormat::Sh, None), "unset N\n");
        assert_eq!(line(ShellFormat::Fish, v), "set -gx N 'x\\'y'\n");
        assert_eq!(line(ShellFormat::Fish, None), "set -e N; or true\n");
        assert_eq!(line(ShellFormat::Powershell, v), "$Env:N = 'x''y'\n");
        assert_eq!(line(ShellFormat::Powershell, None), "$Env:N = $null\n");
    }

    #[test]
    fn evaluated_commands() {
        assert!(is_evaluated(&args(&["aws_env", "r"])));
        assert!(is_evaluated(&args(&["aws_env"])));
        assert!(is_evaluated(&args(&[
            "--strict", "aws_env", "--format", "fish"
        ])));
        assert!(is_evaluated(&args(&["aws_env", "r", "--format=bogus"])));
        assert!(!is_evaluated(&args(&["aws_env", "r", "--format", "json"])));
        assert!(!is_evaluated(&args(&["aws_env", "r", "--format=dotenv"])));
        assert!(is_evaluated(&args(&["--env-file", "f", "jdk", "set"])));
        assert!(is_evaluated(&args(&["jdk"])));
        assert!(!is_evaluated(&args(&["configure_aws", "r"])));
        assert!(!is_evaluated(&args(&[
            "--env-file",
            "jdk",
            "get_resource_id"
        ])));
        assert!(!is_evaluated(&args(&[])));
    }
}
