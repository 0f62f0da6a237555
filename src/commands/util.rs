//! Utilities (spec §4): `bump_version`, `replace` and `retry`.

use crate::job::JobEnv;
use crate::platform::ShowPath;
use crate::{diag, exit, fsutil, platform};
use anyhow::{Context, Result};
use std::collections::HashSet;
use std::ffi::{OsStr, OsString};
use std::io::{Read, Write};
use std::path::PathBuf;
use std::time::Duration;

// ---------------------------------------------------------------------------
// bump_version

pub fn bump_version(version: &str, action: &str, out: &mut dyn Write) -> Result<()> {
    let bumped = bump(version, action).map_err(exit::usage)?;
    writeln!(out, "{bumped}")?;
    Ok(())
}

/// The actions of `bump_version` (also what completion offers; the help
/// in `cli.rs` lists them in this order, checked by a test).
pub const BUMP_ACTIONS: &[&str] = &["major", "minor", "patch", "alpha", "beta", "rc", "final"];

/// Bump `version` by `action` (spec §4). The error says what is wrong.
pub fn bump(version: &str, action: &str) -> std::result::Result<String, String> {
    if !BUMP_ACTIONS.contains(&action) {
        return Err(format!(
            "unknown action {action:?}: expected one of {}",
            BUMP_ACTIONS.join(", ")
        ));
    }
    let invalid = |why: &str| format!("invalid version {version:?}: {why}");
    if let Some(prefix) =
        version.strip_suffix(version.trim_start_matches(|c: char| !c.is_ascii_digit()))
        && !prefix.is_empty()
        && prefix.len() < version.len()
        && prefix != "v"
    {
        return Err(invalid(&format!(
            "the only prefix allowed is a lower-case v (not {prefix:?})"
        )));
    }
    let (v, rest) = match version.strip_prefix('v') {
        Some(rest) => ("v", rest),
        None => ("", version),
    };
    // Build metadata is accepted and dropped.
    let rest = match rest.split_once('+') {
        Some((rest, build)) => {
            if !identifiers_ok(build, false) {
                return Err(invalid("malformed build metadata after '+'"));
            }
            rest
        }
        None => rest,
    };
    let (core, pre) = match rest.split_once('-') {
        Some((core, pre)) => {
            if !identifiers_ok(pre, true) {
                return Err(invalid("malformed pre-release after '-'"));
            }
            (core, Some(pre))
        }
        None => (rest, None),
    };
    let parts: Vec<&str> = core.split('.').collect();
    let [major, minor, patch] = parts[..] else {
        return Err(invalid(
            "expected MAJOR.MINOR.PATCH, optionally with a leading v",
        ));
    };
    for n in [major, minor, patch] {
        if !is_number(n) {
            return Err(invalid(
                "each of MAJOR.MINOR.PATCH must be a number without leading zeros",
            ));
        }
    }
    let bumped = match action {
        "major" => format!("{}.0.0", increment(major)),
        "minor" => format!("{major}.{}.0", increment(minor)),
        "patch" => format!("{major}.{minor}.{}", increment(patch)),
        "final" => format!("{major}.{minor}.{patch}"),
        tag => {
            // A second '-' in the pre-release ends the part that is read.
            let head = pre.map(|p| p.split('-').next().unwrap_or(p));
            let ids: Vec<&str> = head.map(|h| h.split('.').collect()).unwrap_or_default();
            let found = ids.iter().position(|id| {
                id.strip_prefix(tag)
                    .is_some_and(|r| r.bytes().all(|b| b.is_ascii_digit()))
            });
            match found {
                Some(i) => {
                    let counter = ids
                        .get(i + 1)
                        .filter(|c| !c.is_empty() && c.bytes().all(|b| b.is_ascii_digit()))
                        .map_or_else(|| "1".to_string(), |c| increment(c));
                    format!("{major}.{minor}.{patch}-{tag}.{counter}")
                }
                None => format!("{major}.{minor}.{patch}-{tag}"),
            }
        }
    };
    Ok(format!("{v}{bumped}"))
}

/// A semver number: digits, no leading zero (but `0` itself).
fn is_number(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'))
}

/// Dot-separated identifiers of `[0-9A-Za-z-]`, none empty; in a
/// pre-release a numeric identifier has no leading zero.
fn identifiers_ok(s: &str, pre: bool) -> bool {
    s.split('.').all(|id| {
        !id.is_empty()
            && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !(pre && id.bytes().all(|b| b.is_ascii_digit()) && !is_number(id))
    })
}

/// A decimal number plus one, of any length.
fn increment(n: &str) -> String {
    let mut digits: Vec<u8> = n.bytes().collect();
    for d in digits.iter_mut().rev() {
        if *d == b'9' {
            *d = b'0';
        } else {
            *d += 1;
            return String::from_utf8_lossy(&digits).into_owned();
        }
    }
    let mut s = String::from("1");
    s.push_str(&String::from_utf8_lossy(&digits));
    s
}

// ---------------------------------------------------------------------------
// replace

pub fn replace(env: &JobEnv, files: &[PathBuf]) -> Result<()> {
    // Every FILE is checked before any is changed: its links (a loop is an
    // error), its kind (a folder exits 82; a FIFO, socket or device 1,
    // before it is opened, so nothing can hang).
    let mut targets = Vec::new();
    let mut seen = HashSet::new();
    for f in files {
        let target = fsutil::Target::resolve(f)?;
        match target.kind() {
            fsutil::Kind::File => {}
            fsutil::Kind::Missing => {
                return Err(exit::failure(format!("{} not found", f.shown())));
            }
            fsutil::Kind::Folder => {
                return Err(exit::with_code(
                    exit::IS_FOLDER,
                    format!("{} is a folder; replace works on files", f.shown()),
                ));
            }
            _ => target.check_file()?,
        }
        // The same file named twice is replaced once (a value that holds
        // `$X` is not expanded again).
        let key = std::fs::canonicalize(target.path()).unwrap_or_else(|_| f.clone());
        if seen.insert(key) {
            targets.push(target);
        }
    }
    let lookup = |name: &[u8]| std::str::from_utf8(name).ok().and_then(|n| env.raw(n));
    if env.strict {
        let mut unset: Vec<String> = Vec::new();
        for t in &targets {
            let input = open(t)?;
            substitute(input, std::io::sink(), |name| {
                if lookup(name).is_none() {
                    let name = String::from_utf8_lossy(name).into_owned();
                    if !unset.contains(&name) {
                        unset.push(name);
                    }
                }
                None
            })
            .with_context(|| format!("could not read {}", t.requested().shown()))?;
        }
        if !unset.is_empty() {
            return Err(exit::failure(format!(
                "not set: {} (--strict: no file was changed)",
                unset.join(", ")
            )));
        }
    }
    for t in targets {
        let input = open(&t)?;
        t.write_with(fsutil::WriteOptions::PUBLIC, |out| {
            let out = std::io::BufWriter::with_capacity(CHUNK, out);
            substitute(input, out, |name| lookup(name).map(platform::bytes))
        })?;
    }
    Ok(())
}

/// A FILE of `replace`, opened for reading (checked: a regular file).
fn open(t: &fsutil::Target) -> Result<std::fs::File> {
    t.open_read()?
        .ok_or_else(|| exit::failure(format!("{} not found", t.requested().shown())))
}

/// How much of the input is read at a time.
const CHUNK: usize = 256 * 1024;

/// Copy `input` to `output`, replacing `$NAME` and `${NAME}` (NAME =
/// `[A-Za-z_][A-Za-z0-9_]*`) by `value(NAME)`, or nothing when it is `None`
/// (envsubst's rule). Anything else is copied as is. Streams: memory holds a
/// chunk plus the longest reference, whatever the input's size.
pub fn substitute<'v>(
    mut input: impl Read,
    mut output: impl Write,
    mut value: impl FnMut(&[u8]) -> Option<&'v [u8]>,
) -> std::io::Result<()> {
    // `buf[..held]` is what was kept back from the last chunk (a reference
    // that may go on); the next chunk is read after it. The buffer is zeroed
    // once and grows only for a reference longer than a chunk.
    let mut buf: Vec<u8> = vec![0; CHUNK * 2];
    let mut held = 0;
    let mut eof = false;
    while !eof {
        if buf.len() - held < CHUNK {
            buf.resize(held + CHUNK, 0);
        }
        let n = loop {
            match input.read(&mut buf[held..held + CHUNK]) {
                Ok(n) => break n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        };
        held += n;
        eof = n == 0;
        let done = substitute_chunk(&buf[..held], eof, &mut output, &mut value)?;
        buf.copy_within(done..held, 0);
        held -= done;
    }
    output.flush()
}

/// Substitute in `data`; returns how much of it was consumed. Unless `eof`,
/// a reference that may continue in the next chunk is left unconsumed.
fn substitute_chunk<'v>(
    data: &[u8],
    eof: bool,
    output: &mut impl Write,
    value: &mut impl FnMut(&[u8]) -> Option<&'v [u8]>,
) -> std::io::Result<usize> {
    let mut copied = 0; // data[..copied] is written
    let mut i = 0;
    let mut consumed = data.len();
    while let Some(p) = memchr::memchr(b'$', &data[i..]) {
        let dollar = i + p;
        match reference(data, dollar, eof) {
            Ref::Unfinished => {
                consumed = dollar;
                break;
            }
            Ref::Literal => i = dollar + 1,
            Ref::Name(name, after) => {
                output.write_all(&data[copied..dollar])?;
                if let Some(v) = value(&data[name]) {
                    output.write_all(v)?;
                }
                copied = after;
                i = after;
            }
        }
    }
    output.write_all(&data[copied..consumed])?;
    Ok(consumed)
}

/// What a `$` starts.
enum Ref {
    /// `$NAME` or `${NAME}`: where NAME is, and where the reference ends.
    Name(std::ops::Range<usize>, usize),
    /// Anything else: the `$` stays as is.
    Literal,
    /// The chunk ends before it is known (not at the end of the input).
    Unfinished,
}

fn reference(data: &[u8], dollar: usize, eof: bool) -> Ref {
    let is_start = |b: &u8| b.is_ascii_alphabetic() || *b == b'_';
    let name_end = |from: usize| {
        data[from..]
            .iter()
            .position(|b| !(b.is_ascii_alphanumeric() || *b == b'_'))
            .map_or(data.len(), |p| from + p)
    };
    let braced = data.get(dollar + 1) == Some(&b'{');
    let start = dollar + 1 + usize::from(braced);
    match data.get(start) {
        None if !eof => return Ref::Unfinished,
        Some(b) if is_start(b) => {}
        _ => return Ref::Literal,
    }
    let end = name_end(start);
    if !braced {
        return match end == data.len() && !eof {
            true => Ref::Unfinished,
            false => Ref::Name(start..end, end),
        };
    }
    match data.get(end) {
        None if !eof => Ref::Unfinished,
        Some(b'}') => Ref::Name(start..end, end + 1),
        _ => Ref::Literal,
    }
}

// ---------------------------------------------------------------------------
// retry

pub fn retry(env: &JobEnv, attempts: u32, delay: f64, command: &[OsString]) -> Result<()> {
    let Some((program, args)) = command.split_first() else {
        return Err(exit::usage("retry needs a command to run"));
    };
    // `shipctl retry "docker push x"`: one string with spaces that is no
    // program is a shell command (`sh -c`; on Windows `cmd /C`).
    let line = args.is_empty()
        && platform::bytes(program).iter().any(u8::is_ascii_whitespace)
        && !platform::is_program(env, program);
    let args: Vec<&OsStr> = args.iter().map(OsString::as_os_str).collect();
    let name = match line {
        true => OsStr::new(platform::SHELL_NAME),
        false => program.as_os_str(),
    };
    let mut wait = delay;
    let mut status = 0;
    for attempt in 1..=attempts {
        if attempt > 1 {
            diag::notice(format_args!(
                "retry: try {} of {attempts} failed (exit status {status}); trying again{}",
                attempt - 1,
                if wait > 0.0 {
                    format!(" in {wait}s")
                } else {
                    String::new()
                }
            ));
            if wait > 0.0 {
                std::thread::sleep(Duration::try_from_secs_f64(wait).unwrap_or(Duration::MAX));
                wait *= 2.0;
            }
        }
        let name = name.to_string_lossy();
        let command = match line {
            true => platform::shell(program),
            false => {
                let mut c = std::process::Command::new(program);
                c.args(&args);
                c
            }
        };
        status = match run(env, command) {
            Ran::Exited(0) => return Ok(()),
            Ran::Exited(s @ (126 | 127)) => {
                return Err(exit::with_code(
                    s,
                    format!(
                        "retry: {name} exited with status {s} ({}); not trying again",
                        match s {
                            127 => "a command was not found",
                            _ => "a command could not be executed",
                        }
                    ),
                ));
            }
            Ran::Exited(s) => s,
            Ran::NotStarted(s, e) if !transient(&e) => {
                return Err(exit::with_code(
                    s,
                    format!("retry: could not start {name}: {e}; not trying again"),
                ));
            }
            Ran::NotStarted(s, e) => {
                diag::warn(format_args!("retry: could not start {name}: {e}"));
                s
            }
        };
    }
    diag::notice(format_args!(
        "retry: {} failed {attempts} time(s); last exit status {status}",
        name.to_string_lossy()
    ));
    Err(exit::silent(status))
}

/// How one run of the command ended.
enum Ran {
    /// Its exit status (128+N when killed by signal N).
    Exited(u8),
    /// It could not be started: 127 when it was not found, else 126 (the
    /// shells' codes), and why.
    NotStarted(u8, std::io::Error),
}

/// A start that failed for a passing reason, worth another try (see
/// `platform::start_error_is_transient`). Not found and not executable
/// are final.
fn transient(e: &std::io::Error) -> bool {
    platform::start_error_is_transient(e)
}

/// Run the command once with the job's variables and the terminal's
/// stdin/stdout/stderr.
fn run(env: &JobEnv, mut command: std::process::Command) -> Ran {
    match command.env_clear().envs(env.vars()).status() {
        Ok(s) => Ran::Exited(platform::exit_code(s)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ran::NotStarted(127, e),
        Err(e) => Ran::NotStarted(126, e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The help of `bump_version` (its about line and the ACTION argument)
    /// names the actions `bump` takes, in the same order.
    #[test]
    fn the_help_names_the_actions() {
        let list = format!(
            "{} or {}",
            BUMP_ACTIONS[..BUMP_ACTIONS.len() - 1].join(", "),
            BUMP_ACTIONS[BUMP_ACTIONS.len() - 1]
        );
        let about = crate::cli::help_of("bump_version").unwrap().about;
        assert!(about.ends_with(&list), "{about:?} vs {list:?}");
        let mut cmd = <crate::cli::Cli as clap::CommandFactory>::command();
        cmd.build();
        let sub = cmd.find_subcommand("bump_version").unwrap();
        let action = sub.get_arguments().find(|a| a.get_id() == "action");
        let help = action.and_then(|a| a.get_help()).unwrap().to_string();
        assert_eq!(help, list);
    }

    #[test]
    fn bumps() {
        for (v, a, want) in [
            ("1.2.3", "major", "2.0.0"),
            ("1.2.3", "minor", "1.3.0"),
            ("1.2.3", "patch", "1.2.4"),
            ("v1.2.3", "patch", "v1.2.4"),
            ("1.1.1", "alpha", "1.1.1-alpha"),
            ("1.1.1-alpha", "alpha", "1.1.1-alpha.1"),
            ("1.1.1-alpha.1", "alpha", "1.1.1-alpha.2"),
            ("1.1.1-alpha.9", "alpha", "1.1.1-alpha.10"),
            ("1.2.3-alpha.4", "rc", "1.2.3-rc"),
            ("1.2.3-rc1", "rc", "1.2.3-rc.1"),
            ("1.2.3-alpha-2", "alpha", "1.2.3-alpha.1"),
            ("1.2.3-alpha.beta", "beta", "1.2.3-beta.1"),
            ("1.2.3-alpha.x", "alpha", "1.2.3-alpha.1"),
            ("1.2.3-prealpha", "alpha", "1.2.3-alpha"),
            ("1.2.3-ALPHA", "alpha", "1.2.3-alpha"),
            ("1.2.3-alpha", "patch", "1.2.4"),
            ("1.2.3-rc.1+b.5", "final", "1.2.3"),
            ("1.2.3+build.5", "alpha", "1.2.3-alpha"),
            ("9.9.9", "major", "10.0.0"),
            (
                "99999999999999999999999.0.0",
                "major",
                "100000000000000000000000.0.0",
            ),
            ("0.0.0", "patch", "0.0.1"),
        ] {
            assert_eq!(bump(v, a).as_deref(), Ok(want), "{v} {a}");
        }
    }

    #[test]
    fn refuses() {
        for (v, a) in [
            ("1.2", "patch"),
            ("1", "patch"),
            ("1.2.3.4", "patch"),
            ("01.2.3", "major"),
            ("1.2.010", "patch"),
            ("1.2.3-", "alpha"),
            ("1.2.3+", "patch"),
            ("1.2.3-a..b", "patch"),
            ("V1.2.3", "patch"),
            ("vv1.2.3", "patch"),
            ("1v.2.3", "major"),
            ("-1.2.3", "patch"),
            ("1.2.-3", "patch"),
            ("", "patch"),
            ("1.2.3", "Major"),
            ("1.2.3", "pre"),
            ("1.2.3-alpha.01", "alpha"),
        ] {
            assert!(bump(v, a).is_err(), "{v} {a} should be refused");
        }
    }

    fn subst_all(input: &[u8], vars: &[(&str, &str)]) -> Vec<u8> {
        let mut out = Vec::new();
        substitute(input, &mut out, |n| {
            vars.iter()
                .find(|(k, _)| k.as_bytes() == n)
                .map(|(_, v)| v.as_bytes())
        })
        .unwrap();
        out
    }

    #[test]
    fn envsubst_rules() {
        let vars = [("X", "vx"), ("Y", "$Y2"), ("A_1", "a1"), ("lower", "lc")];
        for (input, want) in [
            ("a=$X\n", "a=vx\n"),
            ("c=[$NOPE][${NOPE}]", "c=[][]"),
            ("d=$1 $9X", "d=$1 $9X"),
            ("e=${X:-d}", "e=${X:-d}"),
            ("pid=$$", "pid=$$"),
            ("s=$$X", "s=$vx"),
            ("h=$X$Y", "h=vx$Y2"),
            ("k=\\$X", "k=\\vx"),
            ("l=${X m=$ X n=${ X }", "l=${X m=$ X n=${ X }"),
            ("${A_1}$lower", "a1lc"),
            ("t=${}", "t=${}"),
            ("end $", "end $"),
            ("end ${", "end ${"),
            ("end ${X", "end ${X"),
            ("end $X", "end vx"),
            ("$Xabc", ""),
        ] {
            assert_eq!(
                String::from_utf8(subst_all(input.as_bytes(), &vars)).unwrap(),
                want,
                "{input}"
            );
        }
    }

    /// A reader that hands out one byte at a time: every reference is split
    /// across reads.
    struct Trickle<'a>(&'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            match (self.0.split_first(), buf.is_empty()) {
                (Some((b, rest)), false) => {
                    buf[0] = *b;
                    self.0 = rest;
                    Ok(1)
                }
                _ => Ok(0),
            }
        }
    }

    #[test]
    fn references_split_across_reads() {
        let input = b"a=$X ${X} ${X:-y} $$X ${ $1 $VERYLONGNAME_1 ${A_1}$\n".repeat(3);
        let vars = [("X", "vx"), ("A_1", "a1"), ("VERYLONGNAME_1", "L")];
        let whole = subst_all(&input, &vars);
        let mut out = Vec::new();
        substitute(Trickle(&input), &mut out, |n| {
            vars.iter()
                .find(|(k, _)| k.as_bytes() == n)
                .map(|(_, v)| v.as_bytes())
        })
        .unwrap();
        assert_eq!(out, whole);
        assert_eq!(
            String::from_utf8(whole).unwrap(),
            "a=vx vx ${X:-y} $vx ${ $1 L a1$\n".repeat(3)
        );
    }

    #[test]
    fn increments() {
        assert_eq!(increment("0"), "1");
        assert_eq!(increment("9"), "10");
        assert_eq!(increment("199"), "200");
    }
}
