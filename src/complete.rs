//! Shell completion at run time (issue 5).
//!
//! The scripts under `completions/` are small stubs: on every TAB they run
//! `shipctl __complete SHELL CWORD -- WORD…` (the words of the line and the
//! index of the one under the cursor) and show what this module answers.
//! Commands and options come from the clap command, so a new command is
//! offered as soon as it exists; values come from the job environment
//! (resource, field, params and integration names, AWS profiles) through
//! [`JobEnv`].
//!
//! The answer, on stdout: a first line `values`, `files` or `dirs` (the
//! last two ask the shell for its own path completion), then one candidate a
//! line, in the shell's format (see [`render`]).

use crate::cli::{self, Shell};
use crate::commands::util::BUMP_ACTIONS;
use crate::job::{self, JobEnv, Operation, Resource, VarFamily};
use clap::builder::ValueHint;
use clap::{Arg, ArgAction};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The hidden first argument of a completion request.
pub const REQUEST: &str = "__complete";

/// What the shell is to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The candidates of the reply.
    Values,
    /// The shell's own file-path completion.
    Files,
    /// The shell's own folder completion.
    Dirs,
}

/// One candidate and its one-line description (may be empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub value: String,
    pub help: String,
}

/// The answer to a completion request.
#[derive(Debug, PartialEq, Eq)]
pub struct Reply {
    pub kind: Kind,
    pub items: Vec<Candidate>,
    /// The part of the current word before the value (`--profile=`).
    pub prefix: String,
    /// What is typed of the value so far.
    pub typed: String,
}

impl Reply {
    fn values(items: Vec<Candidate>, typed: &str) -> Reply {
        Reply {
            kind: Kind::Values,
            items,
            prefix: String::new(),
            typed: typed.to_string(),
        }
    }

    fn of(kind: Kind, typed: &str) -> Reply {
        Reply {
            kind,
            ..Reply::values(Vec::new(), typed)
        }
    }
}

fn cand(value: impl Into<String>, help: impl Into<String>) -> Candidate {
    Candidate {
        value: value.into(),
        help: help.into(),
    }
}

// ---------------------------------------------------------------------------
// The words of the line

/// The words up to the cursor (the last one is the word being completed,
/// empty after a space), unquoted as the shell will pass them, and — for
/// bash — the part of the current word that bash keeps when it puts a
/// candidate in (see [`bash_words`]); empty for the other shells.
pub fn line_words(
    shell: Shell,
    words: &[String],
    cword: usize,
    line: Option<&str>,
) -> (Vec<String>, String) {
    let mut w: Vec<String> = words
        .iter()
        .take(cword.saturating_add(1))
        .cloned()
        .collect();
    while w.len() <= cword && w.len() < words.len().saturating_add(1) {
        w.push(String::new());
    }
    if w.is_empty() {
        w.push(String::new());
    }
    match shell {
        Shell::Bash => bash_words(&w, line),
        Shell::Zsh => (w.iter().map(|s| unquote(s)).collect(), String::new()),
        _ => (w, String::new()),
    }
}

/// bash cuts words at the characters of `COMP_WORDBREAKS` (by default
/// `"'><=;|&(:` and white space): `--profile=123456789012:R` arrives as
/// `--profile`, `=`, `123456789012`, `:`, `R`, and readline replaces only
/// what follows the last of those characters (`R`; nothing after a trailing
/// `=` or `:`). This is what bash-completion's `_get_comp_words_by_ref -n =:`
/// and `__ltrim_colon_completions` undo. Here the pieces that touch in
/// `line` (`COMP_LINE`) are joined again into the words the
/// user sees, and the second value is the part of the current word before
/// what readline replaces (`--profile=`, `--profile=123456789012:`), which
/// [`render`] takes off every candidate. Without `line` only `--name`, `=`,
/// `value` are joined.
fn bash_words(pieces: &[String], line: Option<&str>) -> (Vec<String>, String) {
    let touching = line
        .and_then(|l| touching_pieces(pieces, l))
        .unwrap_or_else(|| {
            let opt = |j: usize| pieces[j].starts_with("--") && !pieces[j].contains('=');
            (0..pieces.len())
                .map(|i| {
                    (i > 0 && pieces[i] == "=" && opt(i - 1))
                        || (i > 1 && pieces[i - 1] == "=" && opt(i - 2))
                })
                .collect()
        });
    let mut raw: Vec<String> = Vec::new();
    for (i, piece) in pieces.iter().enumerate() {
        match (touching[i], raw.last_mut()) {
            (true, Some(last)) => last.push_str(piece),
            _ => raw.push(piece.clone()),
        }
    }
    let cur_piece = pieces.last().map(String::as_str).unwrap_or("");
    let replaced = match !cur_piece.is_empty() && cur_piece.chars().all(is_bash_break) {
        true => "", // the cursor follows a break character
        false => cur_piece,
    };
    let cur_raw = raw.last().map(String::as_str).unwrap_or("");
    let kept_raw = &cur_raw[..cur_raw.len() - replaced.len()];
    (raw.iter().map(|w| unquote(w)).collect(), unquote(kept_raw))
}

/// The characters of bash's default `COMP_WORDBREAKS` that can end a piece
/// of a word (quotes and white space aside).
fn is_bash_break(c: char) -> bool {
    matches!(c, '=' | ':' | '>' | '<' | ';' | '|' | '&' | '(')
}

/// For each piece, whether it touches the one before it in `line` (no white
/// space between); `None` when the pieces are not found in the line in
/// order. The last piece may go on past the cursor (where the line ends).
fn touching_pieces(pieces: &[String], line: &str) -> Option<Vec<bool>> {
    let mut rest = line;
    let mut out = Vec::with_capacity(pieces.len());
    for (i, piece) in pieces.iter().enumerate() {
        let trimmed = rest.trim_start_matches([' ', '\t', '\n']);
        let gap = trimmed.len() != rest.len();
        out.push(i > 0 && !gap && !piece.is_empty());
        if let Some(after) = trimmed.strip_prefix(piece.as_str()) {
            rest = after;
        } else if i + 1 == pieces.len() && piece.starts_with(trimmed) {
            rest = "";
        } else {
            return None;
        }
    }
    Some(out)
}

/// A word as typed in bash or zsh, without its quotes and backslashes; an
/// unterminated quote (the word being typed) is allowed.
pub fn unquote(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    let mut chars = word.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                for c in chars.by_ref() {
                    if c == '\'' {
                        break;
                    }
                    out.push(c);
                }
            }
            '"' => {
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => match chars.next() {
                            Some(n @ ('"' | '\\' | '$' | '`')) => out.push(n),
                            Some(n) => {
                                out.push('\\');
                                out.push(n);
                            }
                            None => out.push('\\'),
                        },
                        c => out.push(c),
                    }
                }
            }
            '\\' => {
                if let Some(n) = chars.next() {
                    out.push(n);
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// The `--env-file` given before the command name, if any.
pub fn env_file(words: &[String]) -> Option<&str> {
    let before = words.get(1..words.len().saturating_sub(1))?;
    let mut i = 0;
    while i < before.len() {
        let w = before[i].as_str();
        if w == "--env-file" {
            return before.get(i + 1).map(String::as_str);
        }
        if let Some(f) = w.strip_prefix("--env-file=") {
            return Some(f);
        }
        if !w.starts_with('-') {
            return None;
        }
        i += 1;
    }
    None
}

// ---------------------------------------------------------------------------
// What is expected where

/// Where candidates come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    /// The job's resource names.
    Resources,
    /// Resource names and `$JOB_NAME` (replicate's TO).
    ResourcesOrJob,
    /// Integration field names of the resource given first.
    IntegrationFields,
    /// Params keys of the resource given first.
    ParamsKeys,
    /// `<R>_<K>` suffixes of the resource given first, lower-cased.
    ResourceEnvKeys,
    /// Keys of the version.json of the resource given first.
    VersionKeys,
    /// Keys of `propertyBag.yml.pointer` of that version.json.
    PointerKeys,
    /// Folders of `$JOB_INTEGRATIONS`.
    JobIntegrations,
    /// Field names of the job integration given first.
    JobIntegrationFields,
    /// Entries of `$JOB_PREVIOUS_STATE`.
    PreviousState,
    /// Section names of the AWS credentials file.
    AwsProfiles,
    /// The installed JDKs (`jdk set <TAB>`).
    InstalledJdks,
    Words(&'static [&'static str]),
    Files,
    Dirs,
    Nothing,
}

/// A positional argument's place: exactly the n-th (0-based), or the n-th
/// and every one after.
#[derive(Debug, Clone, Copy)]
enum Pos {
    At(usize),
    From(usize),
}

impl Pos {
    fn matches(self, n: usize) -> bool {
        match self {
            Pos::At(p) => p == n,
            Pos::From(p) => n >= p,
        }
    }
}

/// Value rules by command name and positional index; each names a real
/// command and one of its positions (`every_rule_names_a_real_command_and_option`).
/// Positions without a rule fall back to the clap argument (its possible
/// values, a resource name for an argument called `res`, a path for a path
/// argument).
const POSITIONAL: &[(&str, Pos, Source)] = {
    use Pos::*;
    use Source::*;
    &[
        ("get_integration_resource_field", At(1), IntegrationFields),
        ("get_integration_resource", At(1), IntegrationFields),
        ("get_params_resource", At(1), ParamsKeys),
        ("get_resource_env", At(1), ResourceEnvKeys),
        ("get_resource_version_key", At(1), VersionKeys),
        ("get_resource_pointer_key", At(1), PointerKeys),
        ("get_integration_keys", At(0), JobIntegrations),
        ("get_integration_field", At(0), JobIntegrations),
        ("get_integration_field", At(1), JobIntegrationFields),
        ("get_json_value", At(0), Files),
        ("bump_version", At(1), Words(BUMP_ACTIONS)),
        ("post_resource_state", At(0), Resources),
        ("put_resource_state", At(0), Resources),
        ("post_resource_state_multi", At(0), Resources),
        ("put_resource_state_multi", At(0), Resources),
        ("copy_file_to_state", At(0), Files),
        ("copy_file_from_prev_state", At(0), PreviousState),
        ("copy_file_from_prev_state", At(1), Files),
        ("refresh_file_to_state", At(0), Files),
        ("copy_file_from_resource_state", At(0), Resources),
        ("copy_file_from_resource_state", At(2), Files),
        ("copy_resource_file_from_state", At(0), Resources),
        ("copy_resource_file_from_state", At(2), Files),
        ("copy_file_to_resource_state", At(0), Files),
        ("copy_file_to_resource_state", At(1), Resources),
        ("refresh_file_to_out_path", At(0), Files),
        ("refresh_file_to_out_path", At(1), Resources),
        ("replicate", At(0), Resources),
        ("replicate", At(1), ResourcesOrJob),
        ("replace", From(0), Files),
        ("retry", From(0), Files),
        ("split_tests", At(0), Dirs),
        ("split_tests", At(1), Nothing),
        ("split_tests", At(2), Dirs),
        ("decrypt", At(0), Files),
        ("decrypt", At(1), Files),
        ("notify", At(0), Resources),
        ("jdk", At(0), Words(&["set"])),
        ("jdk", At(1), InstalledJdks),
        ("configure_aws", At(0), Resources),
        ("aws_env", At(0), Resources),
    ]
};

/// Value rules for options, by command name and long option name (a real
/// option that takes a value); options without a rule fall back to the
/// clap argument as positionals do.
const OPTIONS: &[(&str, &str, Source)] = &[
    ("configure_aws", "profile", Source::AwsProfiles),
    ("get_git_changes", "path", Source::Dirs),
    ("get_git_changes", "resource", Source::Resources),
    ("notify", "payload", Source::Files),
    ("notify", "attach-file", Source::Files),
];

/// The source for an argument without a rule.
fn arg_source(arg: &Arg) -> Source {
    if !arg.get_possible_values().is_empty() {
        return Source::Nothing; // offered from the argument itself
    }
    let id = arg.get_id().as_str();
    if matches!(id, "res" | "resource") {
        return Source::Resources;
    }
    if id == "profile" {
        return Source::AwsProfiles;
    }
    match arg.get_value_hint() {
        ValueHint::AnyPath | ValueHint::FilePath | ValueHint::ExecutablePath => Source::Files,
        ValueHint::DirPath => Source::Dirs,
        _ => Source::Nothing,
    }
}

fn takes_value(arg: &Arg) -> bool {
    matches!(arg.get_action(), ArgAction::Set | ArgAction::Append)
}

/// Does the command have options of its own (besides --help/--version)?
/// Without them every argument is a value (see `cli::prepare_args`).
fn has_options(sub: &clap::Command) -> bool {
    sub.get_arguments()
        .any(|a| a.get_long().is_some() && a.get_id() != "help" && a.get_id() != "version")
}

/// The long options of a command, `--name` with their help.
fn options_of(cmd: &clap::Command) -> Vec<Candidate> {
    cmd.get_arguments()
        .filter(|a| !a.is_hide_set())
        .filter_map(|a| {
            let long = a.get_long()?;
            let help = a.get_help().map(|h| h.to_string()).unwrap_or_default();
            Some(cand(format!("--{long}"), first_line(&help)))
        })
        .collect()
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or("").trim().to_string()
}

// ---------------------------------------------------------------------------
// The engine

/// The candidates for the last of `words` (`words[0]` is the program).
/// `cmd` is the built clap command (see [`clap::Command::build`]).
pub fn complete(cmd: &clap::Command, env: &JobEnv, words: &[String]) -> Reply {
    let Some((cur, before)) = words.split_last() else {
        return Reply::values(Vec::new(), "");
    };
    let cur = cur.as_str();
    let before = before.get(1..).unwrap_or(&[]);

    // Global options, then the command name.
    let mut i = 0;
    let mut name = None;
    while i < before.len() {
        let w = before[i].as_str();
        i += if w == "--env-file" { 2 } else { 1 };
        if !w.starts_with('-') {
            name = Some(w);
            break;
        }
    }
    let Some(name) = name else {
        if i > before.len() {
            return Reply::of(Kind::Files, cur); // the value of --env-file
        }
        if let Some(v) = cur.strip_prefix("--env-file=") {
            return Reply {
                prefix: "--env-file=".into(),
                ..Reply::of(Kind::Files, v)
            };
        }
        if cur.starts_with('-') {
            return Reply::values(options_of(cmd), cur);
        }
        let names = cmd
            .get_subcommands()
            .filter(|s| !s.is_hide_set())
            .map(|s| {
                let about = s.get_about().map(|a| a.to_string()).unwrap_or_default();
                cand(s.get_name(), first_line(&about))
            })
            .collect();
        return Reply::values(names, cur);
    };
    let Some(sub) = cmd.find_subcommand(name) else {
        return Reply::values(Vec::new(), cur);
    };
    let name = sub.get_name();
    let rest = before.get(i..).unwrap_or(&[]);
    // notify's options may be written with one dash (`-text v`): read the
    // line as clap will (`cli::prepare_args`), and offer that spelling to
    // whoever types it.
    let single_dash = cli::single_dash_long(name);
    let rest = match single_dash {
        true => cli::two_dash_words(sub, rest),
        false => rest.to_vec(),
    };
    let one_dash = single_dash && cur.len() > 1 && cur.starts_with('-') && !cur.starts_with("--");
    let cur_long = match one_dash {
        true => format!("-{cur}"),
        false => cur.to_string(),
    };

    // Walk the command's words: options (and the values they take) and
    // positionals.
    let options = has_options(sub);
    let positionals: Vec<&Arg> = sub.get_positionals().collect();
    let trailing = positionals.iter().position(|a| a.is_trailing_var_arg_set());
    let mut values_only = !options;
    let mut pending: Option<&Arg> = None;
    let mut given: Vec<&str> = Vec::new();
    for w in &rest {
        if pending.take().is_some() {
            continue;
        }
        if !values_only && w == "--" {
            values_only = true;
            continue;
        }
        if !values_only && w.starts_with('-') && w.len() > 1 {
            if !w.contains('=') {
                pending = find_option(sub, w).filter(|a| takes_value(a));
            }
            continue;
        }
        given.push(w);
        if trailing.is_some_and(|t| given.len() > t) {
            values_only = true;
        }
    }

    if let Some(opt) = pending {
        return option_values(env, name, opt, "", cur);
    }
    if !values_only
        && cur_long.starts_with("--")
        && let Some((opt_word, typed)) = cur_long.split_once('=')
    {
        if let Some(opt) = find_option(sub, opt_word) {
            let as_typed = &opt_word[usize::from(one_dash)..];
            return option_values(env, name, opt, &format!("{as_typed}="), typed);
        }
        return Reply::values(Vec::new(), cur);
    }
    if cur.starts_with('-') && (options || cur.starts_with("--")) && (!values_only || !options) {
        let mut names = options_of(sub);
        if one_dash {
            for n in &mut names {
                n.value.remove(0);
            }
        }
        return Reply::values(names, cur);
    }

    // A positional value.
    let n = given.len();
    let rule = POSITIONAL
        .iter()
        .find(|(c, p, _)| *c == name && p.matches(n))
        .map(|(_, _, s)| *s);
    let arg = positionals.get(n).copied().or_else(|| {
        positionals
            .last()
            .copied()
            .filter(|a| matches!(a.get_action(), ArgAction::Append))
    });
    let source = match (rule, arg) {
        (Some(s), _) => s,
        (None, Some(a)) if !a.get_possible_values().is_empty() => {
            return Reply::values(possible_values(a), cur);
        }
        (None, Some(a)) => arg_source(a),
        (None, None) => Source::Nothing,
    };
    let first = given.first().copied().unwrap_or("");
    from_source(env, source, first, cur)
}

/// The option a word names (`--name`, `--name=v`, `-x`).
fn find_option<'c>(sub: &'c clap::Command, word: &str) -> Option<&'c Arg> {
    if let Some(long) = word.strip_prefix("--") {
        let long = long.split('=').next().unwrap_or(long);
        return sub.get_arguments().find(|a| a.get_long() == Some(long));
    }
    let short = word.strip_prefix('-')?.chars().next()?;
    sub.get_arguments().find(|a| a.get_short() == Some(short))
}

fn possible_values(arg: &Arg) -> Vec<Candidate> {
    arg.get_possible_values()
        .iter()
        .filter(|v| !v.is_hide_set())
        .map(|v| {
            let help = v.get_help().map(|h| h.to_string()).unwrap_or_default();
            cand(v.get_name(), first_line(&help))
        })
        .collect()
}

/// The values of an option, `prefix` being `--name=` when they are typed in
/// the same word.
fn option_values(env: &JobEnv, name: &str, opt: &Arg, prefix: &str, typed: &str) -> Reply {
    let long = opt.get_long().unwrap_or("");
    let rule = OPTIONS
        .iter()
        .find(|(c, o, _)| *c == name && *o == long)
        .map(|(_, _, s)| *s);
    let mut reply = match rule {
        Some(s) => from_source(env, s, "", typed),
        None if !opt.get_possible_values().is_empty() => Reply::values(possible_values(opt), typed),
        None => from_source(env, arg_source(opt), "", typed),
    };
    reply.prefix = prefix.to_string();
    reply
}

fn from_source(env: &JobEnv, source: Source, first: &str, typed: &str) -> Reply {
    let items = match source {
        Source::Files => return Reply::of(Kind::Files, typed),
        Source::Dirs => return Reply::of(Kind::Dirs, typed),
        Source::Nothing => Vec::new(),
        Source::Words(words) => words.iter().map(|w| cand(*w, "")).collect(),
        Source::Resources => resources(env),
        Source::ResourcesOrJob => {
            let mut r = resources(env);
            if let Some(job) = env.raw("JOB_NAME").and_then(|v| v.to_str())
                && !job.is_empty()
            {
                r.push(cand(job, "this job"));
            }
            r
        }
        Source::IntegrationFields => {
            let r = env.resource(first);
            let dir = r.folder();
            integration_fields(&r, dir.as_deref())
        }
        Source::JobIntegrations => folder_names(env.path_var("JOB_INTEGRATIONS").as_deref())
            .into_iter()
            .map(|n| cand(n, "integration"))
            .collect(),
        Source::JobIntegrationFields => {
            let dir = env.job_integration_folder(first).ok().flatten();
            integration_fields(&env.resource(first), dir.as_deref())
        }
        Source::ParamsKeys => params_keys(env, first),
        Source::ResourceEnvKeys => resource_env_keys(env, first),
        Source::VersionKeys => version_keys(env, first, false),
        Source::PointerKeys => version_keys(env, first, true),
        Source::PreviousState => entry_names(env.path_var("JOB_PREVIOUS_STATE").as_deref())
            .into_iter()
            .map(|n| cand(n, ""))
            .collect(),
        Source::AwsProfiles => aws_profiles(env),
        Source::InstalledJdks => crate::commands::jdk::installed(env)
            .into_iter()
            .map(|j| cand(j.version, j.home.to_string_lossy()))
            .collect(),
    };
    Reply::values(dedup(items), typed)
}

/// Keep the first of equal values.
fn dedup(items: Vec<Candidate>) -> Vec<Candidate> {
    let mut seen = std::collections::HashSet::new();
    items
        .into_iter()
        .filter(|c| !c.value.is_empty() && seen.insert(c.value.clone()))
        .collect()
}

// ---------------------------------------------------------------------------
// Values from the job

/// The job's resources: the value of every `<R>_NAME` that has an
/// `<R>_OPERATION`, and the folders under `$JOB_PATH/IN` and `OUT`; sorted.
fn resources(env: &JobEnv) -> Vec<Candidate> {
    let mut found: BTreeMap<String, String> = BTreeMap::new();
    for r in env.declared_resources() {
        let op = r.operation;
        let help = match r.kind {
            Some(t) if !t.is_empty() => format!("{t} ({op})"),
            _ => op,
        };
        found.insert(r.name, help);
    }
    if let Some(job) = env.job_folder() {
        for op in Operation::BOTH {
            for n in folder_names(Some(&job.operation_folder(op))) {
                found.entry(n).or_insert_with(|| op.as_str().to_string());
            }
        }
    }
    found.into_iter().map(|(v, h)| cand(v, h)).collect()
}

/// The names of the folders in `dir`, sorted (none when it is missing).
fn folder_names(dir: Option<&Path>) -> Vec<String> {
    let Some(dir) = dir else { return Vec::new() };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .flatten()
        .filter(|e| e.path().is_dir())
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    names.sort();
    names
}

/// The names of everything in `dir`, sorted.
fn entry_names(dir: Option<&Path>) -> Vec<String> {
    let Some(dir) = dir else { return Vec::new() };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .flatten()
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    names.sort();
    names
}

/// The keys of an env file in `dir`, in file order (none when unreadable).
fn env_file_keys(path: &Path) -> Vec<String> {
    std::fs::read(path)
        .ok()
        .and_then(|b| job::parse_env_file(&b).ok())
        .map(|e| e.into_iter().map(|(k, _)| k).collect())
        .unwrap_or_default()
}

/// A JSON file, `None` when missing or malformed.
fn json_file(path: &Path, env: &JobEnv) -> Option<Value> {
    job::read_json_file(path, env).ok().flatten()
}

/// The field names of an integration (of resource `r`, or attached to the
/// job, whose variables are named as a resource's): its integration.env
/// in `dir` (file order), then integration.json (the file's real names),
/// then the `<R>_INTEGRATION_<F>` variables whose `<F>` no field name
/// gives.
fn integration_fields(r: &Resource, dir: Option<&Path>) -> Vec<Candidate> {
    let mut names: Vec<String> = Vec::new();
    if let Some(dir) = dir {
        names.extend(env_file_keys(&dir.join("integration.env")));
        if let Some(Value::Object(o)) = json_file(&dir.join("integration.json"), r.env) {
            names.extend(
                o.keys()
                    .filter(|k| *k != "id" && *k != "masterName")
                    .cloned(),
            );
        }
    }
    names.extend(suffixes_not_named(r, VarFamily::Integration, &names));
    names.into_iter().map(|n| cand(n, "field")).collect()
}

/// The suffixes `<K>` (sorted) of the variables of `family` of `r` that no
/// name of `names` sanitizes to.
fn suffixes_not_named(r: &Resource, family: VarFamily, names: &[String]) -> Vec<String> {
    let known: Vec<String> = names.iter().map(|n| job::suffix(n)).collect();
    r.vars_of(family)
        .into_iter()
        .map(|(suffix, _)| suffix)
        .filter(|s| !known.contains(s))
        .collect()
}

/// The params keys of a resource: `version.propertyBag.params` of its
/// version.json, then the `<R>_PARAMS_<K>` variables no key gives.
fn params_keys(env: &JobEnv, res: &str) -> Vec<Candidate> {
    let r = env.resource(res);
    let mut names: Vec<String> = Vec::new();
    if let Some(dir) = r.folder()
        && let Some(doc) = json_file(&dir.join("version.json"), env)
        && let Some(Value::Object(p)) = doc.pointer("/version/propertyBag/params")
    {
        names.extend(p.keys().cloned());
    }
    let vars = suffixes_not_named(&r, VarFamily::Params, &names);
    names.extend(vars);
    names.into_iter().map(|n| cand(n, "param")).collect()
}

/// The `<R>_<K>` variables of a resource as `get_resource_env` takes them
/// (lower-cased; integration fields and params have their own commands).
fn resource_env_keys(env: &JobEnv, res: &str) -> Vec<Candidate> {
    env.resource(res)
        .vars_of(VarFamily::Other)
        .into_iter()
        .map(|(k, name)| cand(k.to_ascii_lowercase(), format!("${name}")))
        .collect()
}

/// The keys `get_resource_version_key` (or, for `pointer`,
/// `get_resource_pointer_key`) reads from a resource's version.json.
fn version_keys(env: &JobEnv, res: &str, pointer: bool) -> Vec<Candidate> {
    let r = env.resource(res);
    let doc = r
        .folder()
        .and_then(|dir| json_file(&dir.join("version.json"), env));
    let mut out = Vec::new();
    if !pointer {
        out.extend(
            ["versionName", "versionId", "versionNumber"]
                .iter()
                .map(|k| cand(*k, "version")),
        );
    }
    let at = match pointer {
        true => "/propertyBag/yml/pointer",
        false => "/version/propertyBag",
    };
    if let Some(Value::Object(o)) = doc.as_ref().and_then(|d| d.pointer(at)) {
        out.extend(o.keys().map(|k| cand(k.clone(), "")));
    }
    out
}

/// The profiles of the AWS CLI's files, found and read as `configure_aws`
/// finds and botocore reads them (`crate::aws`): the credentials file's,
/// then the config file's. A file that is missing or that botocore would
/// refuse offers none.
fn aws_profiles(env: &JobEnv) -> Vec<Candidate> {
    use crate::aws::ini::{self, FileKind};
    let Ok(files) = crate::aws::AwsFiles::locate(env) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (path, kind, help) in [
        (&files.credentials, FileKind::Credentials, "profile"),
        (&files.config, FileKind::Config, "profile (config)"),
    ] {
        let Ok(bytes) = std::fs::read(path) else {
            continue;
        };
        let names = ini::decode(&bytes).and_then(|text| ini::profile_names(text, kind));
        out.extend(names.unwrap_or_default().into_iter().map(|n| cand(n, help)));
    }
    out
}

/// `~/x` with the home folder ([`JobEnv::home`]) put in (an `--env-file`
/// word as typed).
pub fn expand_home(word: &str, env: &JobEnv) -> PathBuf {
    match (word.strip_prefix("~/"), env.home()) {
        (Some(rest), Some(home)) => home.join(rest),
        _ => PathBuf::from(word),
    }
}

// ---------------------------------------------------------------------------
// The answer

/// The reply as the shell's stub reads it: the kind, then the candidates
/// that start with what is typed (the shells that match by themselves, zsh
/// and fish, get them all), one a line: `value` for bash, `value:help` for
/// zsh (`:` and `\` escaped), `value<TAB>help` for the others.
/// `bash_kept` is the part of the current word that bash keeps (see
/// [`bash_words`]): it is taken off every candidate. For bash, a path reply
/// says on two more lines which path is typed and the part of it that bash
/// keeps, so that the stub completes the whole path and puts in the rest.
pub fn render(shell: Shell, reply: &Reply, bash_kept: &str) -> String {
    let mut out = String::from(match reply.kind {
        Kind::Values => "values\n",
        Kind::Files => "files\n",
        Kind::Dirs => "dirs\n",
    });
    if shell == Shell::Bash && reply.kind != Kind::Values {
        let path_kept = bash_kept.strip_prefix(reply.prefix.as_str()).unwrap_or("");
        for line in [reply.typed.as_str(), path_kept] {
            out.push_str(&line.replace(['\n', '\r'], ""));
            out.push('\n');
        }
        return out;
    }
    let filter = !matches!(shell, Shell::Zsh | Shell::Fish);
    for c in &reply.items {
        if c.value.contains(['\n', '\r']) || (filter && !c.value.starts_with(&reply.typed)) {
            continue;
        }
        let value = format!("{}{}", reply.prefix, c.value);
        let help = c.help.replace(['\t', '\n', '\r'], " ");
        match shell {
            Shell::Bash => match value.strip_prefix(bash_kept) {
                Some(rest) => out.push_str(rest),
                None => continue,
            },
            Shell::Zsh => {
                out.push_str(&value.replace('\\', "\\\\").replace(':', "\\:"));
                if !help.is_empty() {
                    out.push(':');
                    out.push_str(&help);
                }
            }
            Shell::Fish | Shell::Powershell | Shell::Elvish => {
                out.push_str(&value.replace('\t', " "));
                if !help.is_empty() {
                    out.push('\t');
                    out.push_str(&help);
                }
            }
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::Cli;
    use clap::CommandFactory;

    fn cmd() -> clap::Command {
        let mut c = crate::cli::with_help(Cli::command());
        c.build();
        c
    }

    fn env(vars: &[(&str, &str)]) -> JobEnv {
        JobEnv::new(vars.iter().copied())
    }

    fn words(line: &str) -> Vec<String> {
        let mut w: Vec<String> = line.split(' ').map(str::to_string).collect();
        w.insert(0, "shipctl".into());
        w
    }

    /// Candidates for a line whose last word (after the last space) is the
    /// one being completed, filtered by what is typed.
    fn values(env: &JobEnv, line: &str) -> Vec<String> {
        let reply = complete(&cmd(), env, &words(line));
        assert_eq!(reply.kind, Kind::Values, "{line}");
        reply
            .items
            .into_iter()
            .map(|c| c.value)
            .filter(|v| v.starts_with(&reply.typed))
            .collect()
    }

    fn kind(env: &JobEnv, line: &str) -> Kind {
        complete(&cmd(), env, &words(line)).kind
    }

    #[test]
    fn command_names_come_from_clap() {
        let e = env(&[]);
        let all = values(&e, "");
        assert!(all.contains(&"get_integration_resource_field".to_string()));
        assert!(all.contains(&"completions".to_string()));
        assert_eq!(
            all.len(),
            Cli::command()
                .get_subcommands()
                .filter(|s| !s.is_hide_set())
                .count()
        );
        assert_eq!(
            values(&e, "get_integration_resource_f"),
            ["get_integration_resource_field"]
        );
        assert_eq!(
            values(&e, "--strict --env-file x.env get_resource_n"),
            ["get_resource_name"]
        );
    }

    #[test]
    fn global_options() {
        let e = env(&[]);
        let opts = values(&e, "--");
        for o in ["--strict", "--explain", "--env-file", "--help", "--version"] {
            assert!(opts.contains(&o.to_string()), "{o} in {opts:?}");
        }
        assert_eq!(kind(&e, "--env-file "), Kind::Files);
        let r = complete(&cmd(), &e, &words("--env-file=jo"));
        assert_eq!(
            (r.kind, r.prefix.as_str(), r.typed.as_str()),
            (Kind::Files, "--env-file=", "jo")
        );
    }

    #[test]
    fn resource_names_from_variables_and_folders() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("IN/in-folder")).unwrap();
        std::fs::create_dir_all(dir.path().join("OUT/out-folder")).unwrap();
        std::fs::write(dir.path().join("IN/not-a-folder"), "").unwrap();
        let job = dir.path().to_str().unwrap();
        let e = env(&[
            ("JOB_PATH", job),
            ("MYKEY1_NAME", "my-key-1"),
            ("MYKEY1_OPERATION", "IN"),
            ("MYKEY1_TYPE", "integration"),
            ("MYJOB_NAME", "my-job"), // no _OPERATION: the job, not a resource
        ]);
        assert_eq!(
            values(&e, "get_resource_id "),
            ["in-folder", "my-key-1", "out-folder"]
        );
        assert_eq!(
            values(&e, "get_integration_resource_field my"),
            ["my-key-1"]
        );
        let r = complete(&cmd(), &e, &words("get_resource_id "));
        assert_eq!(r.items[1].help, "integration (IN)");
    }

    #[test]
    fn integration_fields_prefer_the_files_names() {
        let dir = tempfile::tempdir().unwrap();
        let res = dir.path().join("IN/my-aws-keys-1");
        std::fs::create_dir_all(&res).unwrap();
        std::fs::write(
            res.join("integration.json"),
            r#"{"id":"x","masterName":"amazonKeys","accessKey":"A","secretKey":"S","region":"r"}"#,
        )
        .unwrap();
        let e = env(&[
            ("JOB_PATH", dir.path().to_str().unwrap()),
            ("MYAWSKEYS1_INTEGRATION_ACCESSKEY", "A"),
            ("MYAWSKEYS1_INTEGRATION_EXTRA_FIELD", "E"),
        ]);
        assert_eq!(
            values(&e, "get_integration_resource_field my-aws-keys-1 "),
            ["accessKey", "secretKey", "region", "EXTRA_FIELD"]
        );
        std::fs::write(
            res.join("integration.env"),
            "secretKey=\"S\"\nother=\"o\"\n",
        )
        .unwrap();
        assert_eq!(
            values(&e, "get_integration_resource_field my-aws-keys-1 "),
            ["secretKey", "other", "accessKey", "region", "EXTRA_FIELD"]
        );
        assert_eq!(
            values(&e, "get_integration_resource my-aws-keys-1 s"),
            ["secretKey"]
        );
        // Variables only (no folder).
        let e = env(&[("MYKEY_INTEGRATION_TOKEN", "t")]);
        assert_eq!(
            values(&e, "get_integration_resource_field my-key "),
            ["TOKEN"]
        );
    }

    #[test]
    fn params_keys_and_env_keys() {
        let dir = tempfile::tempdir().unwrap();
        let res = dir.path().join("IN/app-params");
        std::fs::create_dir_all(&res).unwrap();
        std::fs::write(
            res.join("version.json"),
            r#"{"version":{"versionName":"1","propertyBag":{"params":{"db_host":"h","Port":"1"},"tag":"t"}},"propertyBag":{"yml":{"pointer":{"sourceName":"s"}}}}"#,
        )
        .unwrap();
        let e = env(&[
            ("JOB_PATH", dir.path().to_str().unwrap()),
            ("APPPARAMS_PARAMS_DB_HOST", "h"),
            ("APPPARAMS_PARAMS_SECRET", "s"),
            ("APPPARAMS_COMMIT", "c"),
            ("APPPARAMS_IS_PULL_REQUEST", "false"),
        ]);
        assert_eq!(
            values(&e, "get_params_resource app-params "),
            ["db_host", "Port", "SECRET"]
        );
        assert_eq!(
            values(&e, "get_resource_env app-params "),
            ["commit", "is_pull_request"]
        );
        assert_eq!(
            values(&e, "get_resource_version_key app-params "),
            ["versionName", "versionId", "versionNumber", "params", "tag"]
        );
        assert_eq!(
            values(&e, "get_resource_pointer_key app-params "),
            ["sourceName"]
        );
    }

    #[test]
    fn job_integrations() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("dockerhub")).unwrap();
        std::fs::write(
            dir.path().join("dockerhub/integration.env"),
            "username=\"u\"\npassword=\"p\"\n",
        )
        .unwrap();
        let e = env(&[("JOB_INTEGRATIONS", dir.path().to_str().unwrap())]);
        assert_eq!(values(&e, "get_integration_keys "), ["dockerhub"]);
        assert_eq!(values(&e, "get_integration_field d"), ["dockerhub"]);
        assert_eq!(
            values(&e, "get_integration_field dockerhub "),
            ["username", "password"]
        );
        assert!(values(&env(&[]), "get_integration_field ").is_empty());
    }

    #[test]
    fn shells_and_paths() {
        let e = env(&[]);
        assert_eq!(
            values(&e, "completions "),
            ["bash", "zsh", "fish", "powershell", "elvish"]
        );
        assert_eq!(kind(&e, "get_json_value "), Kind::Files);
        assert_eq!(kind(&e, "get_json_value f.json "), Kind::Values);
        // A value that starts with `-` of a command without options.
        assert!(values(&e, "to_uppercase -").is_empty());
        assert!(values(&e, "nonexistent_command ").is_empty());
    }

    #[test]
    fn rules_for_commands_of_other_groups() {
        assert!(POSITIONAL.iter().any(|(c, p, s)| *c == "bump_version"
            && p.matches(1)
            && *s == Source::Words(BUMP_ACTIONS)));
        assert!(OPTIONS.iter().any(|(c, o, s)| *c == "configure_aws"
            && *o == "profile"
            && *s == Source::AwsProfiles));
        let dir = tempfile::tempdir().unwrap();
        let creds = dir.path().join("creds");
        std::fs::write(
            &creds,
            "[default]\nx=1\n[ prod ]\n# [no]\n[ci] ; robot\nx=1\n",
        )
        .unwrap();
        let e = env(&[("AWS_SHARED_CREDENTIALS_FILE", creds.to_str().unwrap())]);
        let profiles: Vec<String> = aws_profiles(&e).into_iter().map(|c| c.value).collect();
        assert_eq!(profiles, ["default", " prod ", "ci"]);
        // The path rule of configure_aws: `$HOME` and `~` expanded from the
        // job environment (`~` is %USERPROFILE% on Windows); both files.
        let home = dir.path().to_str().unwrap();
        std::fs::write(dir.path().join("config"), "[default]\n[profile 'my ci']\n").unwrap();
        for (creds, config) in [("$HOME/creds", "${HOME}/config"), ("~/creds", "~/config")] {
            let e = env(&[
                ("HOME", home),
                ("USERPROFILE", home),
                ("AWS_SHARED_CREDENTIALS_FILE", creds),
                ("AWS_CONFIG_FILE", config),
            ]);
            let profiles: Vec<String> = aws_profiles(&e).into_iter().map(|c| c.value).collect();
            assert_eq!(
                profiles,
                ["default", " prod ", "ci", "default", "my ci"],
                "{creds}"
            );
        }
        // Missing or refused by botocore: nothing.
        std::fs::write(dir.path().join("bad"), "k = v before any section\n").unwrap();
        for creds in ["$HOME/missing", "$HOME/bad"] {
            let e = env(&[
                ("HOME", home),
                ("AWS_SHARED_CREDENTIALS_FILE", creds),
                ("AWS_CONFIG_FILE", "$HOME/missing"),
            ]);
            assert!(aws_profiles(&e).is_empty(), "{creds}");
        }
    }

    #[test]
    fn bash_pieces_are_joined_as_typed() {
        let w = |s: &str| s.split(' ').map(str::to_string).collect::<Vec<_>>();
        let bash = |pieces: &str, cword: usize, line: Option<&str>| {
            line_words(Shell::Bash, &w(pieces), cword, line)
        };
        // `--profile=de`: bash keeps `--profile=`.
        let line = "shipctl x --profile=de";
        assert_eq!(
            bash("shipctl x --profile = de", 4, Some(line)),
            (w("shipctl x --profile=de"), "--profile=".into())
        );
        // The cursor right after `=` or `:`: bash replaces nothing.
        assert_eq!(
            bash("shipctl x --profile =", 3, Some("shipctl x --profile=")),
            (w("shipctl x --profile="), "--profile=".into())
        );
        let line = "shipctl x --profile 123456789012:";
        assert_eq!(
            bash("shipctl x --profile 123456789012 :", 4, Some(line)),
            (w(line), "123456789012:".into())
        );
        let line = "shipctl x --profile=123456789012:R";
        assert_eq!(
            bash("shipctl x --profile = 123456789012 : R", 6, Some(line)),
            (w(line), "--profile=123456789012:".into())
        );
        // Pieces with white space between stay apart.
        let line = "shipctl --env-file = f get_res";
        assert_eq!(
            bash("shipctl --env-file = f get_res", 4, Some(line)),
            (w(line), "".into())
        );
        // Without the line, only `--name = value` is joined.
        assert_eq!(
            bash("shipctl x --profile = de", 4, None),
            (w("shipctl x --profile=de"), "--profile=".into())
        );
        assert_eq!(
            bash("shipctl x a : b", 4, None),
            (w("shipctl x a : b"), "".into())
        );
        // A line that does not hold the pieces (a stale COMP_LINE): as without.
        assert_eq!(
            bash("shipctl x a : b", 4, Some("something else")),
            (w("shipctl x a : b"), "".into())
        );
        // The current word may go on past the cursor.
        assert_eq!(
            bash("shipctl get_r", 1, Some("shipctl get_r")),
            (w("shipctl get_r"), "".into())
        );
        // A missing current word (dropped by the shell) is empty.
        let (words, _) = line_words(Shell::Fish, &w("shipctl get_resource_id"), 2, None);
        assert_eq!(words, ["shipctl", "get_resource_id", ""]);
        // Words after the cursor are left out.
        let (words, _) = line_words(Shell::Zsh, &w("shipctl get_r 'x y'"), 1, None);
        assert_eq!(words, ["shipctl", "get_r"]);
    }

    #[test]
    fn unquoting() {
        assert_eq!(unquote("'a b'"), "a b");
        assert_eq!(unquote("\"a \\\"b\\\" \\x\""), "a \"b\" \\x");
        assert_eq!(unquote("a\\ b"), "a b");
        assert_eq!(unquote("'open"), "open");
        assert_eq!(unquote("~/x"), "~/x");
    }

    #[test]
    fn env_file_on_the_line() {
        let w = |s: &str| s.split(' ').map(str::to_string).collect::<Vec<_>>();
        assert_eq!(
            env_file(&w("shipctl --env-file j.env get_resource_id ")),
            Some("j.env")
        );
        assert_eq!(
            env_file(&w("shipctl --strict --env-file=j.env x ")),
            Some("j.env")
        );
        assert_eq!(env_file(&w("shipctl x --env-file j.env ")), None);
        assert_eq!(env_file(&w("shipctl --env-file")), None);
    }

    #[test]
    fn rendering() {
        let reply = Reply {
            kind: Kind::Values,
            items: vec![cand("a:b", "help\there"), cand("zz", ""), cand("x\ny", "")],
            prefix: "--p=".into(),
            typed: "a".into(),
        };
        assert_eq!(render(Shell::Bash, &reply, "--p="), "values\na:b\n");
        assert_eq!(render(Shell::Bash, &reply, "--p=a:"), "values\nb\n");
        assert_eq!(render(Shell::Bash, &reply, ""), "values\n--p=a:b\n");
        assert_eq!(
            render(Shell::Zsh, &reply, ""),
            "values\n--p=a\\:b:help here\n--p=zz\n"
        );
        assert_eq!(
            render(Shell::Fish, &reply, ""),
            "values\n--p=a:b\thelp here\n--p=zz\n"
        );
        // bash completes a path itself: it is told the whole path and the
        // part of it that stays on the line.
        let files = Reply {
            prefix: "--payload=".into(),
            ..Reply::of(Kind::Files, "build:4")
        };
        assert_eq!(
            render(Shell::Bash, &files, "--payload=build:"),
            "files\nbuild:4\nbuild:\n"
        );
        assert_eq!(render(Shell::Fish, &files, ""), "files\n");
        assert_eq!(
            render(Shell::Elvish, &Reply::of(Kind::Files, ""), ""),
            "files\n"
        );
    }

    #[test]
    fn every_rule_names_a_real_command_and_option() {
        let cmd = cmd();
        for (name, pos, _) in POSITIONAL {
            let sub = cmd
                .find_subcommand(name)
                .unwrap_or_else(|| panic!("a positional rule names {name}, no command"));
            let positionals: Vec<&Arg> = sub.get_positionals().collect();
            let (Pos::At(n) | Pos::From(n)) = *pos;
            let last_takes_many = positionals
                .last()
                .is_some_and(|a| matches!(a.get_action(), ArgAction::Append));
            assert!(
                n < positionals.len() || (last_takes_many && n >= positionals.len() - 1),
                "{name} has no positional argument {n}"
            );
        }
        for (name, long, _) in OPTIONS {
            let sub = cmd
                .find_subcommand(name)
                .unwrap_or_else(|| panic!("an option rule names {name}, no command"));
            assert!(
                sub.get_arguments()
                    .any(|a| a.get_long() == Some(long) && takes_value(a)),
                "{name} has no option --{long} that takes a value"
            );
        }
    }

    #[test]
    fn notify_options_are_completed() {
        let e = env(&[]);
        assert_eq!(values(&e, "notify note --te"), ["--text"]);
        assert_eq!(values(&e, "notify note -te"), ["-text"]);
        assert_eq!(values(&e, "notify note --attach"), ["--attach-file"]);
        let all = values(&e, "notify note --");
        for o in [
            "--text",
            "--payload",
            "--icon_url",
            "--project-id",
            "--appId",
            "--version",
        ] {
            assert!(all.contains(&o.to_string()), "{o} in {all:?}");
        }
        assert!(!all.contains(&"--strict".to_string()), "{all:?}");
        // The file options complete paths, however they are written.
        for line in [
            "notify note --payload ",
            "notify note -payload ",
            "notify note --text hi --payload ",
            "notify note -text -payload -attach-file ",
        ] {
            assert_eq!(kind(&e, line), Kind::Files, "{line}");
        }
        for (line, prefix) in [
            ("notify note --payload=p", "--payload="),
            ("notify note -payload=p", "-payload="),
        ] {
            let r = complete(&cmd(), &e, &words(line));
            assert_eq!(
                (r.kind, r.prefix.as_str(), r.typed.as_str()),
                (Kind::Files, prefix, "p"),
                "{line}"
            );
        }
        // The value of an option is not an option.
        assert!(values(&e, "notify note --text -").is_empty());
    }
}
