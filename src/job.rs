//! The job model (spec §1–§2), in one place that every command uses: one
//! snapshot of the variables (plus `--env-file`) and the home folder
//! ([`JobEnv`]); the name rules ([`prefix`], [`suffix`]) and how a resource
//! name becomes a variable ([`Resource::var_name`], [`Var`]) or a folder
//! ([`Resource::folder`], [`JobFolder`], [`Resource::state_env_file`]); and
//! the readers for integration.json, integration.env and version.json. No
//! other module builds a variable name or a resource folder
//! (`tests/model.rs` checks it).
//!
//! Every lookup answers `anyhow::Result<Option<T>>`: `Ok(Some)` found,
//! `Ok(None)` not found (a missing variable, file or key), `Err` an error
//! (unreadable, malformed). What "not found" means is the command's: an
//! empty line or `null`, exit 1 under `--strict`, or exit 99 for a file the
//! command requires ([`required`]).

use crate::exit;
use crate::platform::ShowPath;
use anyhow::Result;
use serde_json::Value;
use std::collections::HashMap;
use std::ffi::{OsStr, OsString};
use std::fmt;
use std::path::{Component, Path, PathBuf};

// ---------------------------------------------------------------------------
// Name rules (§2)

/// Step 1: remove every character that is not ASCII `A-Z a-z 0-9 _`.
/// This is `sanitize_shippable_string`.
pub fn sanitize(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect()
}

/// The variable prefix `<R>` of a resource or integration name: sanitize,
/// remove the leading run of digits, upper-case (ASCII).
pub fn prefix(name: &str) -> String {
    let s = sanitize(name);
    s.trim_start_matches(|c: char| c.is_ascii_digit())
        .to_ascii_uppercase()
}

/// The variable suffix `<K>` of a field, param or env name: sanitize and
/// upper-case (ASCII); leading digits are kept.
pub fn suffix(name: &str) -> String {
    sanitize(name).to_ascii_uppercase()
}

// ---------------------------------------------------------------------------
// The environment

/// One snapshot of the lookup environment: the process's variables, with
/// `--env-file`'s over them. Every command reads the job's variables here
/// and nowhere else (the process environment is read elsewhere only for
/// the help's width, `COLUMNS`).
pub struct JobEnv {
    vars: HashMap<OsString, OsString>,
    /// `--strict` or `SHIPCTL_STRICT` on (see `cli::env_switch`).
    pub strict: bool,
    /// `--explain` or `SHIPCTL_EXPLAIN` on.
    pub explain: bool,
}

impl JobEnv {
    /// An environment from explicit variables (`OsString`s, or `&str`s as
    /// tests give them). Windows: names in any case are one variable
    /// (`Path` is PATH; `platform::env_name`).
    pub fn new<K: Into<OsString>, V: Into<OsString>>(
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> JobEnv {
        let vars: HashMap<OsString, OsString> = vars
            .into_iter()
            .map(|(k, v)| (crate::platform::env_name(k.into()), v.into()))
            .collect();
        let on = |name: &str| {
            crate::cli::env_switch(name, vars.get(OsStr::new(name)).map(|v| v.as_os_str()))
        };
        let (strict, explain) = (on("SHIPCTL_STRICT"), on("SHIPCTL_EXPLAIN"));
        JobEnv {
            vars,
            strict,
            explain,
        }
    }

    /// The process environment, overridden by `env_file` when given.
    pub fn from_process(strict: bool, explain: bool, env_file: Option<&Path>) -> Result<JobEnv> {
        let mut env = JobEnv::new(std::env::vars_os());
        env.strict |= strict;
        env.explain |= explain;
        if let Some(path) = env_file {
            // A pipe (`--env-file <(…)`) is read to its end; a FIFO nobody
            // writes to reads as empty; a folder or loop is an error.
            let bytes = crate::fsutil::read_input(path)?
                .ok_or_else(|| exit::usage(format!("env file {} not found", path.shown())))?;
            let entries = parse_env_file(&bytes).map_err(|e| e.in_file(path))?;
            for (k, v) in entries {
                env.vars.insert(
                    crate::platform::env_name(k.into()),
                    crate::platform::os_string(v),
                );
            }
        }
        Ok(env)
    }

    /// The raw value of a variable, without tracing.
    pub fn raw(&self, name: &str) -> Option<&OsStr> {
        self.vars
            .get(OsStr::new(&*crate::platform::env_lookup(name)))
            .map(|v| v.as_os_str())
    }

    /// Every variable (for completion and the like).
    pub fn vars(&self) -> impl Iterator<Item = (&OsStr, &OsStr)> {
        self.vars
            .iter()
            .map(|(k, v)| (k.as_os_str(), v.as_os_str()))
    }

    /// A variable looked up on behalf of a command. Under `--explain` its
    /// name is traced with `not set`, `set but empty` or `set (N bytes)`;
    /// the value itself never (it may be a secret).
    pub fn var(&self, name: &str) -> Option<&OsStr> {
        let v = self.raw(name);
        self.trace(format_args!("${name}: {}", Masked(v.map(bytes))));
        v
    }

    /// A variable that names a folder or file: set and not empty (an empty
    /// path would mean the current folder). Under `--explain` the path is
    /// shown — paths are not secrets — with what is there.
    pub fn path_var(&self, name: &str) -> Option<PathBuf> {
        self.trace_path(name, " (counts as not set)");
        self.raw(name).filter(|v| !v.is_empty()).map(PathBuf::from)
    }

    /// A variable that names a file, set-but-empty kept apart from unset
    /// (for a caller with its own rule for empty); traced like
    /// [`JobEnv::path_var`].
    pub fn path_var_raw(&self, name: &str) -> Option<&OsStr> {
        self.trace_path(name, "");
        self.raw(name)
    }

    fn trace_path(&self, name: &str, empty_note: &str) {
        if !self.explain {
            return;
        }
        match self.raw(name) {
            None => self.trace(format_args!("${name}: not set")),
            Some(v) if v.is_empty() => {
                self.trace(format_args!("${name}: set but empty{empty_note}"))
            }
            Some(v) => self.trace(format_args!(
                "${name}: set to {:?} ({})",
                Path::new(v),
                what_is_at(Path::new(v))
            )),
        }
    }

    /// Write one line of the `--explain` trace to stderr.
    pub fn trace(&self, what: fmt::Arguments) {
        if self.explain {
            crate::diag::explain(what);
        }
    }

    /// A resource of the job, by friendly name.
    pub fn resource<'a>(&'a self, name: &'a str) -> Resource<'a> {
        Resource {
            env: self,
            name,
            prefix: prefix(name),
            folder: std::cell::OnceCell::new(),
        }
    }

    /// `$JOB_INTEGRATIONS/<name>`, for an integration attached to the job;
    /// `None` when the variable is unset or empty. A name with `/` or `..`
    /// in it would leave that folder: usage error (99), as for a resource.
    pub fn job_integration_folder(&self, name: &str) -> Result<Option<PathBuf>> {
        if name.contains('/') || name.contains("..") {
            return Err(exit::usage(format!(
                "integration name {name:?} would leave $JOB_INTEGRATIONS (it contains '/' or '..')"
            )));
        }
        Ok(self.path_var("JOB_INTEGRATIONS").map(|d| d.join(name)))
    }

    /// `$JOB_PATH`, the job's folder (traced as a path); `None` when unset
    /// or empty.
    pub fn job_folder(&self) -> Option<JobFolder> {
        self.path_var("JOB_PATH").map(JobFolder)
    }

    /// `$JOB_STATE`, the folder saved for the job's next run (not created
    /// here); unset or empty → exit 1.
    pub fn job_state(&self) -> Result<PathBuf> {
        self.path_var("JOB_STATE").ok_or_else(|| {
            exit::failure("$JOB_STATE is not set: there is no state folder to write to")
        })
    }

    /// The user's home folder, what `~` stands for: what this
    /// environment's variables (the process's, or the `--env-file`'s) say
    /// — `$HOME` set and not empty; on Windows `%USERPROFILE%`, else
    /// `%HOMEDRIVE%%HOMEPATH%` ([`crate::user::home_in`]) — else the home
    /// folder of the current user (the password database; the Windows
    /// profile folder), what `dirs::home_dir` and Python's
    /// `os.path.expanduser` fall back to; see [`crate::user`]. `None` when
    /// neither has one.
    pub fn home(&self) -> Option<PathBuf> {
        crate::user::home_in(|name| self.raw(name)).or_else(crate::user::home)
    }

    /// The resources that the job's variables declare: every `<R>_NAME`
    /// (the friendly name) that has an `<R>_OPERATION`, with `<R>_TYPE`;
    /// in no particular order. Names that are empty or not UTF-8 are left
    /// out.
    pub fn declared_resources(&self) -> Vec<Declared> {
        let mut found = Vec::new();
        for (k, v) in self.vars() {
            let Some(p) = k.to_str().and_then(|k| k.strip_suffix("_NAME")) else {
                continue;
            };
            let var = |what: Var| self.raw(&var_name(p, what));
            let Some(operation) = var(Var::Operation) else {
                continue;
            };
            let Some(name) = v.to_str().filter(|n| !n.is_empty()) else {
                continue;
            };
            found.push(Declared {
                name: name.to_string(),
                operation: operation.to_string_lossy().into_owned(),
                kind: var(Var::Type).map(|t| t.to_string_lossy().into_owned()),
            });
        }
        found
    }
}

/// A resource as the job's variables declare it (see
/// [`JobEnv::declared_resources`]).
pub struct Declared {
    /// The friendly name (`$<R>_NAME`).
    pub name: String,
    /// `$<R>_OPERATION` as set (`IN` or `OUT`).
    pub operation: String,
    /// `$<R>_TYPE`, when set.
    pub kind: Option<String>,
}

/// Whether the job reads a resource or writes a new version of it; each
/// has its folder of resource folders under `$JOB_PATH`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    In,
    Out,
}

impl Operation {
    pub const BOTH: [Operation; 2] = [Operation::In, Operation::Out];

    /// `IN` or `OUT`: the folder's name, and the value of `$<R>_OPERATION`.
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::In => "IN",
            Operation::Out => "OUT",
        }
    }
}

/// The job's folder, `$JOB_PATH` (see [`JobEnv::job_folder`]).
pub struct JobFolder(PathBuf);

impl JobFolder {
    /// `$JOB_PATH/IN` or `$JOB_PATH/OUT`: the folder of the job's IN or OUT
    /// resource folders.
    pub fn operation_folder(&self, op: Operation) -> PathBuf {
        self.0.join(op.as_str())
    }

    /// `$JOB_PATH/IN/<name>` or `$JOB_PATH/OUT/<name>`: the folder of
    /// resource `r` as an IN or OUT resource (whether or not it exists).
    pub fn resource_folder(&self, op: Operation, r: &Resource) -> PathBuf {
        self.operation_folder(op).join(r.name)
    }

    /// `$JOB_PATH/IN/<name>/<type>` (or `OUT/…`): where a resource of type
    /// `ty` keeps its files, what `replicate` and
    /// `copy_file_from_resource_state` copy. A type that is not one plain
    /// folder name (empty, `.`, `..`, `a/b`) is an error (exit 1) naming the
    /// resource.
    pub fn files_folder(&self, op: Operation, r: &Resource, ty: &str) -> Result<PathBuf> {
        let mut parts = Path::new(ty).components();
        match (parts.next(), parts.next()) {
            (Some(Component::Normal(_)), None) => Ok(self.resource_folder(op, r).join(ty)),
            _ => Err(exit::failure(format!(
                "the type of resource {}, {ty:?}, is not a folder name",
                r.name
            ))),
        }
    }

    /// `$JOB_PATH/IN/<name>/state` (or `OUT/…`): the folder
    /// `copy_file_to_resource_state` copies into (OUT) and falls back to
    /// (IN), as the original laid it out.
    pub fn state_folder(&self, op: Operation, r: &Resource) -> PathBuf {
        self.resource_folder(op, r).join("state")
    }
}

/// A variable of a resource, `<R>_<SUFFIX>` (spec §2): the ones the
/// platform sets, and the three families named by a key, whose `<KEY>` is
/// the key sanitized and upper-cased ([`suffix`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Var<'k> {
    /// `<R>_ID`
    Id,
    /// `<R>_META`: the resource folder.
    Meta,
    /// `<R>_PATH`: the resource folder (older name).
    Path,
    /// `<R>_STATE`: the resource's state folder.
    State,
    /// `<R>_TYPE`
    Type,
    /// `<R>_OPERATION`: `IN` or `OUT`.
    Operation,
    /// `<R>_VERSIONNAME`
    VersionName,
    /// `<R>_VERSIONID`
    VersionId,
    /// `<R>_VERSIONNUMBER`
    VersionNumber,
    /// `<R>_SOURCENAME`: an image resource's image name.
    SourceName,
    /// `<R>_POINTER_SOURCENAME`
    PointerSourceName,
    /// `<R>_POINTER_REGION`
    PointerRegion,
    /// `<R>_IS_PULL_REQUEST` (gitRepo)
    IsPullRequest,
    /// `<R>_BASE_BRANCH` (gitRepo)
    BaseBranch,
    /// `<R>_COMMIT` (gitRepo)
    Commit,
    /// `<R>_<NAME>`: any variable of the resource (`get_resource_env`).
    Named(&'k str),
    /// `<R>_PARAMS_<KEY>`: a key of a params resource.
    Param(&'k str),
    /// `<R>_INTEGRATION_<FIELD>`: a field of the resource's integration.
    Integration(&'k str),
}

impl Var<'_> {
    /// The part after `<R>_` of a variable with a fixed name.
    fn fixed(self) -> Option<&'static str> {
        Some(match self {
            Var::Id => "ID",
            Var::Meta => "META",
            Var::Path => "PATH",
            Var::State => "STATE",
            Var::Type => "TYPE",
            Var::Operation => "OPERATION",
            Var::VersionName => "VERSIONNAME",
            Var::VersionId => "VERSIONID",
            Var::VersionNumber => "VERSIONNUMBER",
            Var::SourceName => "SOURCENAME",
            Var::PointerSourceName => "POINTER_SOURCENAME",
            Var::PointerRegion => "POINTER_REGION",
            Var::IsPullRequest => "IS_PULL_REQUEST",
            Var::BaseBranch => "BASE_BRANCH",
            Var::Commit => "COMMIT",
            Var::Named(_) | Var::Param(_) | Var::Integration(_) => return None,
        })
    }

    /// Whether the variable names a folder (traced with its path, not
    /// masked).
    fn is_folder(self) -> bool {
        matches!(self, Var::Meta | Var::Path | Var::State)
    }
}

/// `<prefix>_<SUFFIX>` for `what`.
fn var_name(prefix: &str, what: Var) -> String {
    let mut name = String::with_capacity(prefix.len() + 24);
    name.push_str(prefix);
    name.push('_');
    match what {
        Var::Named(key) => name.push_str(&suffix(key)),
        Var::Param(key) => {
            name.push_str(PARAMS);
            name.push_str(&suffix(key));
        }
        Var::Integration(field) => {
            name.push_str(INTEGRATION);
            name.push_str(&suffix(field));
        }
        fixed => name.push_str(fixed.fixed().unwrap_or_default()),
    }
    name
}

const PARAMS: &str = "PARAMS_";
const INTEGRATION: &str = "INTEGRATION_";

/// `<folder>/<type>` as bytes: where a resource whose folder is `folder`
/// keeps its files, printed by `get_resource_state` when `$<R>_STATE` is
/// not set. The type's bytes are appended as they are (nothing is read or
/// written there; [`JobFolder::files_folder`] checks them).
pub fn typed_folder(folder: PathBuf, ty: &[u8]) -> Vec<u8> {
    let mut p = crate::platform::path_text(&folder).into_owned();
    p.push(b'/');
    p.extend_from_slice(ty);
    p
}

/// A family of a resource's variables, for listing them (completion).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VarFamily {
    /// `<R>_INTEGRATION_<FIELD>`
    Integration,
    /// `<R>_PARAMS_<KEY>`
    Params,
    /// Every other `<R>_<NAME>`.
    Other,
}

/// A resource of the job (spec §1): its variables and its folder.
pub struct Resource<'a> {
    pub env: &'a JobEnv,
    /// The friendly name as given.
    pub name: &'a str,
    /// `<R>`, the sanitized prefix of its variables.
    prefix: String,
    /// The resource folder, found once.
    folder: std::cell::OnceCell<Option<PathBuf>>,
}

impl Resource<'_> {
    /// The name of the resource's variable `what`: `<R>_<SUFFIX>`.
    pub fn var_name(&self, what: Var) -> String {
        var_name(&self.prefix, what)
    }

    /// The value of the resource's variable `what`, traced: masked, except
    /// the folders `<R>_META`, `<R>_PATH` and `<R>_STATE`, whose paths are
    /// shown.
    pub fn var(&self, what: Var) -> Option<&OsStr> {
        let name = self.var_name(what);
        match what.is_folder() {
            true => self.env.path_var_raw(&name),
            false => self.env.var(&name),
        }
    }

    /// The variables of one family that are set, as `(suffix, name)`: the
    /// part after `<R>_INTEGRATION_`, `<R>_PARAMS_` or `<R>_` (for
    /// [`VarFamily::Other`], neither of the first two) as set, not empty,
    /// and the whole variable name; sorted by suffix. None for a resource
    /// whose prefix is empty (a name such as `9` has no variables).
    pub fn vars_of(&self, family: VarFamily) -> Vec<(String, String)> {
        if self.prefix.is_empty() {
            return Vec::new();
        }
        let head = match family {
            VarFamily::Integration => INTEGRATION,
            VarFamily::Params => PARAMS,
            VarFamily::Other => "",
        };
        let mut out: Vec<(String, String)> = self
            .env
            .vars()
            .filter_map(|(k, _)| {
                let k = k.to_str()?;
                let rest = k.strip_prefix(self.prefix.as_str())?.strip_prefix('_')?;
                let s = rest.strip_prefix(head)?;
                let other = family == VarFamily::Other
                    && (s.starts_with(INTEGRATION) || s.starts_with(PARAMS));
                (!s.is_empty() && !other).then(|| (s.to_string(), k.to_string()))
            })
            .collect();
        out.sort();
        out
    }

    /// The resource folder: `$<R>_META`, else `$JOB_PATH/IN/<name>`, then
    /// `$JOB_PATH/OUT/<name>` (the first that exists). `None` when none is.
    pub fn folder(&self) -> Option<PathBuf> {
        self.folder.get_or_init(|| self.find_folder()).clone()
    }

    fn find_folder(&self) -> Option<PathBuf> {
        if let Some(meta) = self.env.path_var(&self.var_name(Var::Meta)) {
            return Some(meta);
        }
        let Some(job) = self.env.job_folder() else {
            self.env.trace(format_args!(
                "resource {:?}: no folder (neither ${} nor $JOB_PATH is set)",
                self.name,
                self.var_name(Var::Meta)
            ));
            return None;
        };
        for op in Operation::BOTH {
            let dir = job.resource_folder(op, self);
            let exists = dir.is_dir();
            if self.env.explain {
                let what = match what_is_at(&dir) {
                    _ if exists => "folder exists".to_string(),
                    w if w == "does not exist" => "no such folder".to_string(),
                    w => format!("{w}, not a folder"),
                };
                self.env.trace(format_args!("{}: {what}", dir.shown()));
            }
            if exists {
                return Some(dir);
            }
        }
        None
    }

    /// A resource name becomes a file or folder name (`$JOB_STATE/RES.env`,
    /// `$JOB_PATH/IN/RES`): one with `/` or `..` in it would leave its
    /// folder and is a usage error.
    pub fn check_folder_name(&self) -> Result<()> {
        let res = self.name;
        // On Windows also `\` and `:` (`platform::leaves_folder`).
        if crate::platform::leaves_folder(res) {
            return Err(exit::usage(format!(
                "resource name {res:?} would leave its folder (it contains {})",
                crate::platform::LEAVES_FOLDER
            )));
        }
        Ok(())
    }

    /// `<job_state>/<name>.env`: the file in the job's state folder
    /// (`$JOB_STATE`, see [`JobEnv::job_state`]) whose `KEY=VALUE` lines
    /// become the resource's next version.
    pub fn state_env_file(&self, job_state: &Path) -> PathBuf {
        let mut file = OsString::from(self.name);
        file.push(".env");
        job_state.join(file)
    }

    /// A file of the resource folder, or where it would be (for messages).
    pub fn file(&self, name: &str) -> PathBuf {
        match self.folder() {
            Some(dir) => dir.join(name),
            None => match self.env.raw("JOB_PATH").filter(|v| !v.is_empty()) {
                Some(job) => JobFolder(PathBuf::from(job))
                    .resource_folder(Operation::In, self)
                    .join(name),
                None => Path::new("$JOB_PATH/IN").join(self.name).join(name),
            },
        }
    }

    /// version.json parsed, `None` when the file does not exist.
    pub fn version_json(&self) -> Result<Option<Value>> {
        read_json_file(&self.file("version.json"), self.env)
    }

    /// integration.json parsed, `None` when the file does not exist.
    pub fn integration_json(&self) -> Result<Option<Value>> {
        read_json_file(&self.file("integration.json"), self.env)
    }
}

// ---------------------------------------------------------------------------
// The `--explain` trace

/// A value as `--explain` shows it: whether it is there and its size, never
/// its bytes — `not set`, `set but empty`, `set (N bytes)`.
pub struct Masked<'a>(pub Option<&'a [u8]>);

impl fmt::Display for Masked<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            None => f.write_str("not set"),
            Some([]) => f.write_str("set but empty"),
            Some([_]) => f.write_str("set (1 byte)"),
            Some(v) => write!(f, "set ({} bytes)", v.len()),
        }
    }
}

/// A JSON value a lookup found, as `--explain` shows it: `absent`, `found
/// but empty` (an empty string), `found (N bytes)` (a string) or `found (a
/// number)` …, never the value. `null` is `null (counts as absent)` where
/// the lookup treats it so (`null_is_absent`), else `found (null)`.
pub fn masked_json(v: Option<&Value>, null_is_absent: bool) -> String {
    match v {
        None => "absent".into(),
        Some(Value::Null) if null_is_absent => "null (counts as absent)".into(),
        Some(Value::String(s)) => Masked(Some(s.as_bytes()))
            .to_string()
            .replacen("set", "found", 1),
        Some(v) => format!("found ({})", json_kind(v)),
    }
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// What is at a path, for the trace (links followed): `a folder`, `a file`,
/// `neither file nor folder`, `does not exist`, `cannot be looked at: …`.
fn what_is_at(path: &Path) -> String {
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => "a folder".into(),
        Ok(m) if m.is_file() => "a file".into(),
        Ok(_) => "neither file nor folder".into(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => "does not exist".into(),
        Err(e) => format!("cannot be looked at: {e}"),
    }
}

// ---------------------------------------------------------------------------
// Readers

/// A JSON file parsed by the JSON reader (`json::parse`: strings as jq reads
/// them, numbers as written), `None` when it does not exist; malformed →
/// exit 1 naming the file, line and column.
pub fn read_json_file(path: &Path, env: &JobEnv) -> Result<Option<Value>> {
    // A folder, FIFO or link loop in its place is an error, never a hang.
    let Some(bytes) = crate::fsutil::read_file(path)? else {
        env.trace(format_args!("{}: no such file", path.shown()));
        return Ok(None);
    };
    env.trace(format_args!("{}: read", path.shown()));
    let value = crate::json::parse(&bytes)
        .map_err(|e| exit::failure(format!("{}: {e:#}", path.shown())))?;
    Ok(Some(value))
}

/// The same error again, for a reader's error that is reported from more
/// than one place (its exit code and message; exit 1 for any other error).
pub fn copy_error(e: &anyhow::Error) -> anyhow::Error {
    match e.downcast_ref::<exit::Exit>() {
        Some(exit::Exit {
            code,
            message: Some(m),
        }) => exit::with_code(*code, m.clone()),
        Some(exit::Exit {
            code,
            message: None,
        }) => exit::silent(*code),
        None => exit::failure(format!("{e:#}")),
    }
}

/// A required file: missing → exit 99 naming it.
pub fn required<T>(found: Option<T>, path: &Path) -> Result<T> {
    found.ok_or_else(|| exit::usage(format!("{} not found", path.shown())))
}

/// An env file that cannot be read: the line (1-based) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvFileError {
    pub line: usize,
    pub what: String,
}

impl fmt::Display for EnvFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.what)
    }
}

impl std::error::Error for EnvFileError {}

impl EnvFileError {
    /// Exit 1 with `FILE:LINE: what is wrong`.
    pub fn in_file(&self, path: &Path) -> anyhow::Error {
        exit::failure(format!("{}:{}: {}", path.shown(), self.line, self.what))
    }
}

/// Parse the `KEY="VALUE"` format of integration.env and the platform's job
/// env files: one entry a line, the value double-quoted (may span lines,
/// `\"` `\\` `\$` `` \` `` escaped), single-quoted (arrays: `'"a","b"'`) or
/// bare (to the end of the line, `=` allowed). Blank lines and `#` lines are
/// skipped; an `export ` before the key is allowed. Keys in file order.
///
/// As dotenv tools read them (python-dotenv, Node's dotenv): a leading UTF-8
/// byte order mark is not part of the first key, and `\r\n` (or a lone `\r`)
/// ends a line like `\n`, inside quoted values too. A key starts with an
/// ASCII letter, digit or `_` (integration keys such as `db-port` or
/// `api.token` go on with other bytes); any other first byte — a BOM in the
/// middle of the file, a no-break space, a stray quote — is an error naming
/// the line, never a variable that no lookup could find.
pub fn parse_env_file(bytes: &[u8]) -> std::result::Result<Vec<(String, Vec<u8>)>, EnvFileError> {
    const BOM: &[u8] = b"\xef\xbb\xbf";
    let bytes = bytes.strip_prefix(BOM).unwrap_or(bytes);
    let normalized;
    let bytes = if bytes.contains(&b'\r') {
        normalized = normalize_line_ends(bytes);
        &normalized[..]
    } else {
        bytes
    };
    let mut entries = Vec::new();
    let mut i = 0;
    let mut line_no = 1;
    while i < bytes.len() {
        let bad = |line: usize, what: String| EnvFileError { line, what };
        let line_start = i;
        let rest = &bytes[i..];
        let line_end = rest
            .iter()
            .position(|&b| b == b'\n')
            .map_or(bytes.len(), |p| i + p);
        let line = &bytes[i..line_end];
        let trimmed = trim_ascii_start(line);
        if trimmed.is_empty() || trimmed.starts_with(b"#") || trim_ascii_end(trimmed).is_empty() {
            i = line_end + 1;
            line_no += 1;
            continue;
        }
        let mut body = trimmed;
        if let Some(b) = body.strip_prefix(b"export ") {
            body = trim_ascii_start(b);
        }
        if let Some(&first) = body.first()
            && !(first.is_ascii_alphanumeric() || first == b'_')
        {
            let what = if body.starts_with(BOM) {
                "a byte order mark (U+FEFF) where a variable name should start".to_string()
            } else if first.is_ascii_graphic() {
                format!("a variable name cannot start with '{}'", first as char)
            } else {
                format!("a variable name cannot start with the byte 0x{first:02x}")
            };
            return Err(bad(line_no, what));
        }
        let Some(eq) = body.iter().position(|&b| b == b'=') else {
            return Err(bad(line_no, "expected KEY=VALUE".into()));
        };
        let key = String::from_utf8(trim_ascii_end(&body[..eq]).to_vec())
            .map_err(|_| bad(line_no, "the key is not UTF-8".into()))?;
        if key.is_empty() || key.chars().any(char::is_whitespace) {
            return Err(bad(line_no, "expected KEY=VALUE".into()));
        }
        // Offset of the value within `bytes`.
        let value_start = line_start + (line.len() - body.len()) + eq + 1;
        let (value, next) = match bytes.get(value_start) {
            Some(b'"') => {
                let mut v = Vec::new();
                let mut j = value_start + 1;
                // An unterminated value is named where it starts.
                let opened_at = line_no;
                loop {
                    match bytes.get(j) {
                        None => {
                            return Err(bad(
                                opened_at,
                                "unterminated double-quoted value (it starts on this line)".into(),
                            ));
                        }
                        Some(b'"') => break,
                        Some(b'\\')
                            if matches!(bytes.get(j + 1), Some(b'"' | b'\\' | b'$' | b'`')) =>
                        {
                            v.push(bytes[j + 1]);
                            j += 2;
                        }
                        Some(&b) => {
                            if b == b'\n' {
                                line_no += 1;
                            }
                            v.push(b);
                            j += 1;
                        }
                    }
                }
                (v, j + 1)
            }
            Some(b'\'') => {
                let start = value_start + 1;
                let Some(len) = bytes[start..].iter().position(|&b| b == b'\'') else {
                    return Err(bad(
                        line_no,
                        "unterminated single-quoted value (it starts on this line)".into(),
                    ));
                };
                let v = bytes[start..start + len].to_vec();
                line_no += v.iter().filter(|&&b| b == b'\n').count();
                (v, start + len + 1)
            }
            _ => (
                bytes[value_start.min(line_end)..line_end].to_vec(),
                line_end,
            ),
        };
        // Only white space may follow a quoted value on its line.
        let after_end = bytes[next.min(bytes.len())..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(bytes.len(), |p| next + p);
        if !trim_ascii_end(&bytes[next.min(bytes.len())..after_end]).is_empty() {
            return Err(bad(
                line_no,
                "unexpected text after the closing quote".into(),
            ));
        }
        entries.push((key, value));
        i = after_end + 1;
        line_no += 1;
    }
    Ok(entries)
}

/// A value in the double-quoted form that [`parse_env_file`] reads back:
/// `"…"` with `\ " $ `` ` escaped (`aws_env --format dotenv`).
pub fn env_file_value(v: &str) -> String {
    let mut out = String::from("\"");
    for c in v.chars() {
        if matches!(c, '\\' | '"' | '$' | '`') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// `\r\n` and a lone `\r` become `\n` (what Node's dotenv does first, and
/// Python's universal newlines under python-dotenv).
fn normalize_line_ends(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\r' => {
                out.push(b'\n');
                if bytes.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    out
}

fn trim_ascii_start(b: &[u8]) -> &[u8] {
    let n = b.iter().take_while(|c| c.is_ascii_whitespace()).count();
    &b[n..]
}

fn trim_ascii_end(b: &[u8]) -> &[u8] {
    let n = b
        .iter()
        .rev()
        .take_while(|c| c.is_ascii_whitespace())
        .count();
    &b[..b.len() - n]
}

/// The keys of an integration.env file, in file order; missing → exit 99.
pub fn integration_env_keys(path: &Path, env: &JobEnv) -> Result<Vec<String>> {
    let Some(bytes) = crate::fsutil::read_file(path)? else {
        env.trace(format_args!("{}: no such file", path.shown()));
        return Err(exit::usage(format!("{} not found", path.shown())));
    };
    env.trace(format_args!("{}: read", path.shown()));
    let entries = parse_env_file(&bytes).map_err(|e| e.in_file(path))?;
    Ok(entries.into_iter().map(|(k, _)| k).collect())
}

/// An OS string as bytes (values are printed exactly, non-UTF-8 included;
/// see `platform::bytes`).
pub fn bytes(v: &OsStr) -> &[u8] {
    crate::platform::bytes(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_rules() {
        assert_eq!(prefix("my-key-1"), "MYKEY1");
        assert_eq!(prefix("my_key_1"), "MY_KEY_1");
        assert_eq!(prefix("1st.aws"), "STAWS");
        assert_eq!(prefix("9"), "");
        assert_eq!(prefix("déjà-vu"), "DJVU");
        assert_eq!(prefix("straße"), "STRAE");
        assert_eq!(prefix("_1abc"), "_1ABC");
        assert_eq!(prefix("1-2-x"), "X");
        assert_eq!(suffix("accessKey"), "ACCESSKEY");
        assert_eq!(suffix("aws_access_key_id"), "AWS_ACCESS_KEY_ID");
        assert_eq!(suffix("2fa-code"), "2FACODE");
        assert_eq!(sanitize("MiXeD-123"), "MiXeD123");
        assert_eq!(sanitize("a\nb"), "ab");
    }

    #[test]
    fn prefix_is_idempotent_and_a_variable_name() {
        for s in ["", "---", "12-34", "Ω9", "x1-2", "a b\nc", "ı", "İstanbul"] {
            let p = prefix(s);
            assert_eq!(prefix(&p), p);
            assert!(!p.starts_with(|c: char| c.is_ascii_digit()));
            assert!(
                p.chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
            );
        }
    }

    fn parse(s: &str) -> Vec<(String, String)> {
        parse_env_file(s.as_bytes())
            .unwrap()
            .into_iter()
            .map(|(k, v)| (k, String::from_utf8(v).unwrap()))
            .collect()
    }

    #[test]
    fn env_file_format() {
        assert_eq!(
            parse(
                "a=\"1\"\n\nb=\"p=w\"\nregions='\"us\",\"eu\"'\nc=bare=x\n# c\nexport d=\"q \\\"x\\\" \\\\\""
            ),
            [
                ("a".into(), "1".into()),
                ("b".into(), "p=w".into()),
                ("regions".into(), "\"us\",\"eu\"".into()),
                ("c".into(), "bare=x".into()),
                ("d".into(), "q \"x\" \\".into()),
            ]
        );
        assert_eq!(
            parse("k=\"-----BEGIN\nMII==\n-----END\"\nuser=\"bob\"\n"),
            [
                ("k".into(), "-----BEGIN\nMII==\n-----END".into()),
                ("user".into(), "bob".into())
            ]
        );
        assert_eq!(parse("e=\n"), [("e".into(), "".into())]);
        assert_eq!(parse("e="), [("e".into(), "".into())]);
    }

    #[test]
    fn values_written_read_back() {
        assert_eq!(env_file_value("a\"$`\\b"), r#""a\"\$\`\\b""#);
        for v in [
            "",
            "plain",
            "a\"$`\\b",
            "two\nlines",
            "'single'",
            "p=w #x",
            "ü",
        ] {
            let line = format!("K={}\n", env_file_value(v));
            assert_eq!(parse(&line), [("K".to_string(), v.to_string())], "{line}");
        }
    }

    #[test]
    fn env_file_errors() {
        assert!(parse_env_file(b"a=\"open\n").is_err());
        assert!(parse_env_file(b"no equals here\n").is_err());
        assert!(parse_env_file(b"a='x\n").is_err());
        assert!(parse_env_file(b"a=\"x\" junk\n").is_err());
    }

    #[test]
    fn crlf_and_bom_as_dotenv_tools_read_them() {
        assert_eq!(parse("APP_ID=42\r\n"), [("APP_ID".into(), "42".into())]);
        assert_eq!(
            parse("\u{feff}APP_ID=42\r\nB=\"x\"\r\nC='y'\r\n\r\n# c\r\nD=\"1\r\n2\"\r\n"),
            [
                ("APP_ID".into(), "42".into()),
                ("B".into(), "x".into()),
                ("C".into(), "y".into()),
                ("D".into(), "1\n2".into()),
            ]
        );
        // Old Mac line ends.
        assert_eq!(
            parse("A=1\rB=2\r"),
            [("A".into(), "1".into()), ("B".into(), "2".into())]
        );
    }

    #[test]
    fn a_byte_that_cannot_start_a_name_is_an_error_naming_the_line() {
        let err = |b: &[u8]| parse_env_file(b).unwrap_err();
        let e = err(b"A=1\r\n\xef\xbb\xbfB=2\r\n");
        assert_eq!(e.line, 2);
        assert!(e.what.contains("byte order mark"), "{e}");
        let e = err(b"A=1\n\n\xc2\xa0B=2\n");
        assert_eq!(
            (e.line, e.what.as_str()),
            (3, "a variable name cannot start with the byte 0xc2")
        );
        let e = err(b"\"A\"=1\n");
        assert_eq!(
            (e.line, e.what.as_str()),
            (1, "a variable name cannot start with '\"'")
        );
        assert_eq!(err(b"=v\n").line, 1);
        assert_eq!(err(b"A=\"1\n2\"\n-x=1\n").line, 3);
        // Digits and odd later bytes stay allowed (integration keys).
        assert_eq!(parse("2fa-code=1\napi.token=t\n").len(), 2);
        assert_eq!(
            EnvFileError {
                line: 3,
                what: "x".into()
            }
            .in_file(Path::new("job.env"))
            .to_string(),
            "job.env:3: x"
        );
    }

    #[test]
    fn non_utf8_values_are_kept() {
        let e = parse_env_file(b"k=\xff\xfe\n").unwrap();
        assert_eq!(e[0].1, b"\xff\xfe");
    }

    #[test]
    fn resource_folder_prefers_meta() {
        let env = JobEnv::new([
            ("JOB_PATH", "/nonexistent-job"),
            ("MYRES_META", "/meta/here"),
        ]);
        assert_eq!(
            env.resource("my-res").folder(),
            Some(PathBuf::from("/meta/here"))
        );
        assert_eq!(env.resource("other").folder(), None);
        assert_eq!(
            env.resource("other").file("version.json"),
            PathBuf::from("/nonexistent-job/IN/other/version.json")
        );
    }

    fn env_of(vars: &[(&str, &str)]) -> JobEnv {
        JobEnv::new(vars.iter().copied())
    }

    #[test]
    fn variable_names() {
        let env = env_of(&[]);
        let r = env.resource("my-aws-keys-1");
        let name = |v| r.var_name(v);
        assert_eq!(name(Var::Id), "MYAWSKEYS1_ID");
        assert_eq!(name(Var::Meta), "MYAWSKEYS1_META");
        assert_eq!(name(Var::VersionNumber), "MYAWSKEYS1_VERSIONNUMBER");
        assert_eq!(name(Var::PointerRegion), "MYAWSKEYS1_POINTER_REGION");
        assert_eq!(name(Var::IsPullRequest), "MYAWSKEYS1_IS_PULL_REQUEST");
        assert_eq!(
            name(Var::Named("is_pull-request")),
            "MYAWSKEYS1_IS_PULLREQUEST"
        );
        assert_eq!(name(Var::Param("db-host")), "MYAWSKEYS1_PARAMS_DBHOST");
        assert_eq!(
            name(Var::Integration("aws_access_key_id")),
            "MYAWSKEYS1_INTEGRATION_AWS_ACCESS_KEY_ID"
        );
        assert_eq!(env.resource("9").var_name(Var::Id), "_ID");
    }

    #[test]
    fn variables_by_family() {
        let env = env_of(&[
            ("APP_PARAMS_DB", "1"),
            ("APP_PARAMS_", "empty suffix"),
            ("APP_INTEGRATION_TOKEN", "t"),
            ("APP_COMMIT", "c"),
            ("APP_x", "lower"),
            ("APPX_ID", "another resource"),
            ("_ID", "no prefix"),
        ]);
        let r = env.resource("app");
        let of = |f| r.vars_of(f);
        assert_eq!(
            of(VarFamily::Params),
            [("DB".to_string(), "APP_PARAMS_DB".to_string())]
        );
        assert_eq!(
            of(VarFamily::Integration),
            [("TOKEN".to_string(), "APP_INTEGRATION_TOKEN".to_string())]
        );
        // Windows keeps every name upper-case (`platform::env_name`).
        let x = crate::platform::env_name("APP_x".into())
            .into_string()
            .unwrap();
        assert_eq!(
            of(VarFamily::Other),
            [
                ("COMMIT".to_string(), "APP_COMMIT".to_string()),
                (x[4..].to_string(), x.clone())
            ]
        );
        assert!(env.resource("9").vars_of(VarFamily::Other).is_empty());
    }

    #[test]
    fn declared_resources_and_folders() {
        let env = env_of(&[
            ("APP_NAME", "app-params"),
            ("APP_OPERATION", "IN"),
            ("APP_TYPE", "params"),
            ("OTHER_NAME", "no-operation"),
            ("JOB_PATH", "/job"),
        ]);
        let found = env.declared_resources();
        assert_eq!(found.len(), 1);
        assert_eq!(
            (
                found[0].name.as_str(),
                found[0].operation.as_str(),
                found[0].kind.as_deref()
            ),
            ("app-params", "IN", Some("params"))
        );
        let job = env.job_folder().unwrap();
        let r = env.resource("app-params");
        assert_eq!(
            job.resource_folder(Operation::Out, &r),
            Path::new("/job/OUT/app-params")
        );
        assert_eq!(
            r.state_env_file(Path::new("/state")),
            Path::new("/state/app-params.env")
        );
        assert!(env_of(&[("JOB_PATH", "")]).job_folder().is_none());
        assert!(env.job_state().is_err());
    }

    #[test]
    fn types_are_folder_names() {
        let env = env_of(&[("JOB_PATH", "/job")]);
        let (job, r) = (env.job_folder().unwrap(), env.resource("r"));
        assert_eq!(
            job.files_folder(Operation::In, &r, "state").unwrap(),
            Path::new("/job/IN/r/state")
        );
        for bad in ["", "..", "a/b", "/x", "."] {
            assert!(job.files_folder(Operation::Out, &r, bad).is_err(), "{bad}");
        }
        assert_eq!(
            job.state_folder(Operation::Out, &r),
            Path::new("/job/OUT/r/state")
        );
    }

    #[test]
    fn resource_names_that_leave_the_folder() {
        let env = env_of(&[]);
        for good in ["my-res", "my.res"] {
            assert!(env.resource(good).check_folder_name().is_ok(), "{good}");
        }
        for bad in ["a/b", "/abs", "..", "../x", "a..b"] {
            assert!(env.resource(bad).check_folder_name().is_err(), "{bad}");
        }
    }

    #[test]
    fn home_from_the_snapshot_then_the_password_database() {
        // Windows: %USERPROFILE% (Python's ntpath.expanduser; `user::home_in`).
        let var = if cfg!(windows) { "USERPROFILE" } else { "HOME" };
        assert_eq!(
            env_of(&[(var, "/from/env-file")]).home(),
            Some(PathBuf::from("/from/env-file"))
        );
        // Unset or empty: the current user's entry (the Windows profile
        // folder), whatever the process's own variables say.
        assert_eq!(env_of(&[]).home(), crate::user::home());
        assert_eq!(env_of(&[(var, "")]).home(), crate::user::home());
    }

    #[test]
    #[cfg(windows)]
    fn home_from_homedrive_and_homepath() {
        let env = env_of(&[("HOMEDRIVE", "D:"), ("HOMEPATH", "\\Users\\ci")]);
        assert_eq!(env.home(), Some(PathBuf::from("D:\\Users\\ci")));
    }

    #[test]
    fn strict_only_when_one() {
        assert!(JobEnv::new([("SHIPCTL_STRICT", "1")]).strict);
        assert!(!JobEnv::new([("SHIPCTL_STRICT", "0")]).strict);
        assert!(!env_of(&[]).strict);
    }

    /// Any bytes in, the contract out: never a panic; an error names a line
    /// of the input and says in one line what is wrong; entry names start
    /// as a variable's and hold no `=` or white space, and a UTF-8 value
    /// reads back from the form
    /// [`env_file_value`] writes.
    #[test]
    fn env_file_parser_keeps_its_contract() {
        // A small deterministic generator over the bytes that matter.
        let alphabet = b"ab=\"'\\\n $#x\xff \r\xef\xbb\xbf";
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut budget = crate::budget::Budget::new(20_000);
        while budget.next() {
            let mut input = Vec::new();
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let len = (state >> 59) as usize;
            for _ in 0..len {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                input.push(alphabet[(state >> 33) as usize % alphabet.len()]);
            }
            match parse_env_file(&input) {
                Err(e) => {
                    // \r\n, a lone \r and \n each end a line.
                    let ends = input.iter().enumerate().filter(|&(i, &b)| {
                        b == b'\n' && input.get(i.wrapping_sub(1)) != Some(&b'\r') || b == b'\r'
                    });
                    let lines = ends.count() + 1;
                    assert!((1..=lines).contains(&e.line), "{input:?}: {e}");
                    assert!(
                        !e.what.is_empty() && !e.what.contains('\n'),
                        "{input:?}: {e}"
                    );
                }
                Ok(entries) => {
                    for (name, value) in entries {
                        // What the reader takes for a name (looser than a
                        // shell's).
                        assert!(
                            name.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
                                && !name.contains(|c: char| c == '=' || c.is_whitespace()),
                            "{input:?}: {name:?}"
                        );
                        if let Ok(v) = std::str::from_utf8(&value) {
                            let line = format!("{name}={}\n", env_file_value(v));
                            let back = parse_env_file(line.as_bytes());
                            assert_eq!(back, Ok(vec![(name, value.clone())]), "{line:?}");
                        }
                    }
                }
            }
        }
        assert!(budget.ran() > 0);
    }
}
