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

use crate::cli::Shell;
use crate::job::{self, JobEnv};
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
/// empty after a space), unquoted as the shell will pass them. bash splits
/// `--profile=dev` into `--profile`, `=`, `dev`: those are joined again, and
/// the second value says whether the current word was joined that way (bash
/// then replaces only the part after `=`).
pub fn line_words(shell: Shell, words: &[String], cword: usize) -> (Vec<String>, bool) {
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
    if !matches!(shell, Shell::Bash | Shell::Zsh) {
        return (w, false);
    }
    let w: Vec<String> = w.iter().map(|s| unquote(s)).collect();
    if shell != Shell::Bash {
        return (w, false);
    }
    let mut out: Vec<String> = Vec::with_capacity(w.len());
    let mut joined_cur = false;
    let mut i = 0;
    while i < w.len() {
        let last = w.len() - 1;
        if let Some(prev) = out.last_mut()
            && w[i] == "="
            && prev.starts_with("--")
            && !prev.contains('=')
        {
            prev.push('=');
            if i < last {
                prev.push_str(&w[i + 1]);
                joined_cur = i + 1 == last;
                i += 2;
            } else {
                joined_cur = true;
                i += 1;
            }
            continue;
        }
        out.push(w[i].clone());
        i += 1;
    }
    (out, joined_cur)
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

pub const BUMP_ACTIONS: &[&str] = &["major", "minor", "patch", "alpha", "beta", "rc", "final"];

/// Value rules by command name and positional index. They hold for
/// commands that do not exist yet too: a rule applies once its command
/// lands. Positions without a rule fall back to the clap argument (its
/// possible values, a resource name for an argument called `res`, a path
/// for a path argument).
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

/// Value rules for options, by command name and long option name; options
/// without a rule fall back to the clap argument as positionals do.
const OPTIONS: &[(&str, &str, Source)] = &[
    ("configure_aws", "profile", Source::AwsProfiles),
    ("get_git_changes", "path", Source::Dirs),
    ("get_git_changes", "resource", Source::Resources),
    ("notify", "payload", Source::Files),
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

    // Walk the command's words: options (and the values they take) and
    // positionals.
    let options = has_options(sub);
    let positionals: Vec<&Arg> = sub.get_positionals().collect();
    let trailing = positionals.iter().position(|a| a.is_trailing_var_arg_set());
    let mut values_only = !options;
    let mut pending: Option<&Arg> = None;
    let mut given: Vec<&str> = Vec::new();
    for w in rest {
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
        && cur.starts_with("--")
        && let Some((opt_word, typed)) = cur.split_once('=')
    {
        if let Some(opt) = find_option(sub, opt_word) {
            return option_values(env, name, opt, &format!("{opt_word}="), typed);
        }
        return Reply::values(Vec::new(), cur);
    }
    if cur.starts_with('-') && (options || cur.starts_with("--")) && (!values_only || !options) {
        return Reply::values(options_of(sub), cur);
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
            integration_fields(env, dir.as_deref(), &r.prefix)
        }
        Source::JobIntegrations => folder_names(env.path_var("JOB_INTEGRATIONS").as_deref())
            .into_iter()
            .map(|n| cand(n, "integration"))
            .collect(),
        Source::JobIntegrationFields => {
            let dir = env.job_integration_folder(first);
            integration_fields(env, dir.as_deref(), &job::prefix(first))
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
    for (k, v) in env.vars() {
        let Some(p) = k.to_str().and_then(|k| k.strip_suffix("_NAME")) else {
            continue;
        };
        let Some(op) = env.raw(&format!("{p}_OPERATION")) else {
            continue;
        };
        let Some(name) = v.to_str().filter(|n| !n.is_empty()) else {
            continue;
        };
        let kind = env
            .raw(&format!("{p}_TYPE"))
            .map(|t| t.to_string_lossy().into_owned());
        let op = op.to_string_lossy();
        let help = match kind {
            Some(t) if !t.is_empty() => format!("{t} ({op})"),
            _ => op.into_owned(),
        };
        found.insert(name.to_string(), help);
    }
    if let Some(job) = env.path_var("JOB_PATH") {
        for op in ["IN", "OUT"] {
            for n in folder_names(Some(&job.join(op))) {
                found.entry(n).or_insert_with(|| op.to_string());
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

/// The field names of an integration: its integration.env (file order),
/// then integration.json (the file's real names), then the
/// `<R>_INTEGRATION_<F>` variables whose `<F>` no field name gives.
fn integration_fields(env: &JobEnv, dir: Option<&Path>, prefix: &str) -> Vec<Candidate> {
    let mut names: Vec<String> = Vec::new();
    if let Some(dir) = dir {
        names.extend(env_file_keys(&dir.join("integration.env")));
        if let Some(Value::Object(o)) = json_file(&dir.join("integration.json"), env) {
            names.extend(
                o.keys()
                    .filter(|k| *k != "id" && *k != "masterName")
                    .cloned(),
            );
        }
    }
    names.extend(suffixes_not_named(
        env,
        &format!("{prefix}_INTEGRATION_"),
        &names,
    ));
    names.into_iter().map(|n| cand(n, "field")).collect()
}

/// The `<var_prefix><K>` suffixes `<K>` (sorted) that no name of `names`
/// sanitizes to.
fn suffixes_not_named(env: &JobEnv, var_prefix: &str, names: &[String]) -> Vec<String> {
    if var_prefix.starts_with('_') {
        return Vec::new(); // a name without a prefix (`9`) has no variables
    }
    let known: Vec<String> = names.iter().map(|n| job::suffix(n)).collect();
    let mut out: Vec<String> = env
        .vars()
        .filter_map(|(k, _)| k.to_str()?.strip_prefix(var_prefix).map(str::to_string))
        .filter(|s| !s.is_empty() && !known.contains(s))
        .collect();
    out.sort();
    out
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
    let vars = suffixes_not_named(env, &r.var_name("PARAMS_"), &names);
    names.extend(vars);
    names.into_iter().map(|n| cand(n, "param")).collect()
}

/// The `<R>_<K>` variables of a resource as `get_resource_env` takes them
/// (lower-cased; integration fields and params have their own commands).
fn resource_env_keys(env: &JobEnv, res: &str) -> Vec<Candidate> {
    let r = env.resource(res);
    if r.prefix.is_empty() {
        return Vec::new();
    }
    let mut keys = suffixes_not_named(env, &r.var_name(""), &[]);
    keys.retain(|k| !k.starts_with("INTEGRATION_") && !k.starts_with("PARAMS_"));
    keys.into_iter()
        .map(|k| cand(k.to_ascii_lowercase(), format!("${}", r.var_name(&k))))
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

/// The profile names of the AWS credentials file
/// (`$AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/credentials`).
fn aws_profiles(env: &JobEnv) -> Vec<Candidate> {
    let path = env.path_var("AWS_SHARED_CREDENTIALS_FILE").or_else(|| {
        env.path_var("HOME")
            .map(|h| h.join(".aws").join("credentials"))
    });
    let Some(text) = path.and_then(|p| std::fs::read(p).ok()) else {
        return Vec::new();
    };
    credential_sections(&String::from_utf8_lossy(&text))
        .into_iter()
        .map(|n| cand(n, "profile"))
        .collect()
}

/// The `[name]` section headers of an INI file, in file order.
pub fn credential_sections(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| {
            let l = l.trim();
            let name = l.strip_prefix('[')?.strip_suffix(']')?.trim();
            (!name.is_empty()).then(|| name.to_string())
        })
        .collect()
}

/// `~/x` with `$HOME` put in (an `--env-file` word as typed).
pub fn expand_home(word: &str, env: &JobEnv) -> PathBuf {
    match (word.strip_prefix("~/"), env.path_var("HOME")) {
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
/// `joined` says that bash replaces only the part after `=` of the word.
pub fn render(shell: Shell, reply: &Reply, joined: bool) -> String {
    let mut out = String::from(match reply.kind {
        Kind::Values => "values\n",
        Kind::Files => "files\n",
        Kind::Dirs => "dirs\n",
    });
    let filter = !matches!(shell, Shell::Zsh | Shell::Fish);
    let prefix = match shell == Shell::Bash && joined {
        true => "",
        false => reply.prefix.as_str(),
    };
    for c in &reply.items {
        if c.value.contains(['\n', '\r']) || (filter && !c.value.starts_with(&reply.typed)) {
            continue;
        }
        let value = format!("{prefix}{}", c.value);
        let help = c.help.replace(['\t', '\n', '\r'], " ");
        match shell {
            Shell::Bash => out.push_str(&value),
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
    use std::ffi::OsString;

    fn cmd() -> clap::Command {
        let mut c = Cli::command();
        c.build();
        c
    }

    fn env(vars: &[(&str, &str)]) -> JobEnv {
        JobEnv::new(
            vars.iter()
                .map(|(k, v)| (OsString::from(k), OsString::from(v))),
        )
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
        std::fs::write(&creds, "[default]\nx=1\n[ prod ]\n# [no]\n").unwrap();
        let e = env(&[("AWS_SHARED_CREDENTIALS_FILE", creds.to_str().unwrap())]);
        let profiles: Vec<String> = aws_profiles(&e).into_iter().map(|c| c.value).collect();
        assert_eq!(profiles, ["default", "prod"]);
        let e = env(&[("HOME", dir.path().to_str().unwrap())]);
        assert!(aws_profiles(&e).is_empty());
    }

    #[test]
    fn bash_splits_at_equals() {
        let w = |s: &str| s.split(' ').map(str::to_string).collect::<Vec<_>>();
        let (words, joined) = line_words(Shell::Bash, &w("shipctl x --profile = de"), 4);
        assert_eq!(words, w("shipctl x --profile=de"));
        assert!(joined);
        let (words, joined) = line_words(Shell::Bash, &w("shipctl x --profile ="), 3);
        assert_eq!(words, w("shipctl x --profile="));
        assert!(joined);
        let (words, joined) = line_words(Shell::Bash, &w("shipctl --env-file = f get_res"), 4);
        assert_eq!(words, w("shipctl --env-file=f get_res"));
        assert!(!joined);
        // A missing current word (dropped by the shell) is empty.
        let (words, _) = line_words(Shell::Fish, &w("shipctl get_resource_id"), 2);
        assert_eq!(words, ["shipctl", "get_resource_id", ""]);
        // Words after the cursor are left out.
        let (words, _) = line_words(Shell::Zsh, &w("shipctl get_r 'x y'"), 1);
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
        assert_eq!(render(Shell::Bash, &reply, true), "values\na:b\n");
        assert_eq!(render(Shell::Bash, &reply, false), "values\n--p=a:b\n");
        assert_eq!(
            render(Shell::Zsh, &reply, false),
            "values\n--p=a\\:b:help here\n--p=zz\n"
        );
        assert_eq!(
            render(Shell::Fish, &reply, false),
            "values\n--p=a:b\thelp here\n--p=zz\n"
        );
        assert_eq!(
            render(Shell::Elvish, &Reply::of(Kind::Files, ""), false),
            "files\n"
        );
    }
}
