//! The job environment (spec §1–§2), in one place that every command uses:
//! one snapshot of the variables (plus `--env-file`), the name rules, where a
//! resource's files are, and the readers for integration.json,
//! integration.env and version.json. No command builds a variable name or a
//! resource path by itself.

use crate::exit;
use anyhow::{Context, Result};
use serde_json::Value;
use std::collections::HashMap;
use std::ffi::{OsStr, OsString};
use std::fmt;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

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

/// One snapshot of the lookup environment. Nothing else reads process
/// variables.
pub struct JobEnv {
    vars: HashMap<OsString, OsString>,
    /// `--strict` or `SHIPCTL_STRICT` on (see `cli::env_switch`).
    pub strict: bool,
    /// `--explain` or `SHIPCTL_EXPLAIN` on.
    pub explain: bool,
}

impl JobEnv {
    /// An environment from explicit variables (tests build these).
    pub fn new(vars: impl IntoIterator<Item = (OsString, OsString)>) -> JobEnv {
        let vars: HashMap<_, _> = vars.into_iter().collect();
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
            let bytes = match std::fs::read(path) {
                Ok(b) => b,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    return Err(exit::usage(format!(
                        "env file {} not found",
                        path.display()
                    )));
                }
                Err(e) => {
                    return Err(e).with_context(|| format!("could not read {}", path.display()));
                }
            };
            let entries = parse_env_file(&bytes)
                .with_context(|| format!("could not parse env file {}", path.display()))?;
            for (k, v) in entries {
                env.vars.insert(k.into(), OsString::from_vec(v));
            }
        }
        Ok(env)
    }

    /// The raw value of a variable, without tracing.
    pub fn raw(&self, name: &str) -> Option<&OsStr> {
        self.vars.get(OsStr::new(name)).map(|v| v.as_os_str())
    }

    /// Every variable (for completion and the like).
    pub fn vars(&self) -> impl Iterator<Item = (&OsStr, &OsStr)> {
        self.vars
            .iter()
            .map(|(k, v)| (k.as_os_str(), v.as_os_str()))
    }

    /// A variable looked up on behalf of a command: traced under `--explain`.
    pub fn var(&self, name: &str) -> Option<&OsStr> {
        let v = self.raw(name);
        self.trace(format_args!(
            "${name}: {}",
            if v.is_some() { "set (****)" } else { "unset" }
        ));
        v
    }

    /// A variable that names a folder or file: set and not empty.
    pub fn path_var(&self, name: &str) -> Option<PathBuf> {
        self.var(name).filter(|v| !v.is_empty()).map(PathBuf::from)
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

    /// `$JOB_INTEGRATIONS/<name>`, for an integration attached to the job.
    pub fn job_integration_folder(&self, name: &str) -> Option<PathBuf> {
        self.path_var("JOB_INTEGRATIONS").map(|d| d.join(name))
    }
}

/// A resource of the job (spec §1): its variables and its folder.
pub struct Resource<'a> {
    pub env: &'a JobEnv,
    /// The friendly name as given.
    pub name: &'a str,
    /// `<R>`, the sanitized prefix of its variables.
    pub prefix: String,
    /// The resource folder, found once.
    folder: std::cell::OnceCell<Option<PathBuf>>,
}

impl Resource<'_> {
    /// `<R>_<what>`; `what` is already in variable form (e.g. `ID`,
    /// `INTEGRATION_ACCESSKEY`).
    pub fn var_name(&self, what: &str) -> String {
        format!("{}_{}", self.prefix, what)
    }

    /// The value of `<R>_<what>`, traced.
    pub fn var(&self, what: &str) -> Option<&OsStr> {
        self.env.var(&self.var_name(what))
    }

    /// The resource folder: `$<R>_META`, else `$JOB_PATH/IN/<name>`, then
    /// `$JOB_PATH/OUT/<name>` (the first that exists). `None` when none is.
    pub fn folder(&self) -> Option<PathBuf> {
        self.folder.get_or_init(|| self.find_folder()).clone()
    }

    fn find_folder(&self) -> Option<PathBuf> {
        if let Some(meta) = self.env.path_var(&self.var_name("META")) {
            return Some(meta);
        }
        let job = self.env.path_var("JOB_PATH")?;
        for op in ["IN", "OUT"] {
            let dir = job.join(op).join(self.name);
            let exists = dir.is_dir();
            self.env.trace(format_args!(
                "{}: {}",
                dir.display(),
                if exists {
                    "folder exists"
                } else {
                    "no such folder"
                }
            ));
            if exists {
                return Some(dir);
            }
        }
        None
    }

    /// A file of the resource folder, or where it would be (for messages).
    pub fn file(&self, name: &str) -> PathBuf {
        match self.folder() {
            Some(dir) => dir.join(name),
            None => match self.env.raw("JOB_PATH").filter(|v| !v.is_empty()) {
                Some(job) => Path::new(job).join("IN").join(self.name).join(name),
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
// Readers

/// A JSON file parsed, `None` when it does not exist; malformed → exit 1.
pub fn read_json_file(path: &Path, env: &JobEnv) -> Result<Option<Value>> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            env.trace(format_args!("{}: no such file", path.display()));
            return Ok(None);
        }
        Err(e) if e.kind() == std::io::ErrorKind::IsADirectory => {
            return Err(exit::failure(format!("{} is a folder", path.display())));
        }
        Err(e) => return Err(e).with_context(|| format!("could not read {}", path.display())),
    };
    env.trace(format_args!("{}: read", path.display()));
    let value = serde_json::from_slice(&bytes)
        .map_err(|e| exit::failure(format!("malformed JSON in {}: {e}", path.display())))?;
    Ok(Some(value))
}

/// A required file: missing → exit 99 naming it.
pub fn required<T>(found: Option<T>, path: &Path) -> Result<T> {
    found.ok_or_else(|| exit::usage(format!("{} not found", path.display())))
}

/// Parse the `KEY="VALUE"` format of integration.env and the platform's job
/// env files: one entry a line, the value double-quoted (may span lines,
/// `\"` `\\` `\$` `` \` `` escaped), single-quoted (arrays: `'"a","b"'`) or
/// bare (to the end of the line, `=` allowed). Blank lines and `#` lines are
/// skipped; an `export ` before the key is allowed. Keys in file order.
pub fn parse_env_file(bytes: &[u8]) -> Result<Vec<(String, Vec<u8>)>> {
    let mut entries = Vec::new();
    let mut i = 0;
    let mut line_no = 1;
    while i < bytes.len() {
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
        let Some(eq) = body.iter().position(|&b| b == b'=') else {
            anyhow::bail!("line {line_no}: expected KEY=VALUE");
        };
        let key = String::from_utf8(trim_ascii_end(&body[..eq]).to_vec())
            .map_err(|_| anyhow::anyhow!("line {line_no}: the key is not UTF-8"))?;
        if key.is_empty() || key.chars().any(char::is_whitespace) {
            anyhow::bail!("line {line_no}: expected KEY=VALUE");
        }
        // Offset of the value within `bytes`.
        let value_start = line_start + (line.len() - body.len()) + eq + 1;
        let (value, next) = match bytes.get(value_start) {
            Some(b'"') => {
                let mut v = Vec::new();
                let mut j = value_start + 1;
                loop {
                    match bytes.get(j) {
                        None => anyhow::bail!("line {line_no}: unterminated double-quoted value"),
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
                    anyhow::bail!("line {line_no}: unterminated single-quoted value");
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
            anyhow::bail!("line {line_no}: unexpected text after the closing quote");
        }
        entries.push((key, value));
        i = after_end + 1;
        line_no += 1;
    }
    Ok(entries)
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
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            env.trace(format_args!("{}: no such file", path.display()));
            return Err(exit::usage(format!("{} not found", path.display())));
        }
        Err(e) => return Err(e).with_context(|| format!("could not read {}", path.display())),
    };
    env.trace(format_args!("{}: read", path.display()));
    let entries = parse_env_file(&bytes)
        .map_err(|e| exit::failure(format!("malformed {}: {e}", path.display())))?;
    Ok(entries.into_iter().map(|(k, _)| k).collect())
}

/// An OS string as bytes (values are printed exactly, non-UTF-8 included).
pub fn bytes(v: &OsStr) -> &[u8] {
    v.as_bytes()
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
    fn env_file_errors() {
        assert!(parse_env_file(b"a=\"open\n").is_err());
        assert!(parse_env_file(b"no equals here\n").is_err());
        assert!(parse_env_file(b"a='x\n").is_err());
        assert!(parse_env_file(b"a=\"x\" junk\n").is_err());
    }

    #[test]
    fn non_utf8_values_are_kept() {
        let e = parse_env_file(b"k=\xff\xfe\n").unwrap();
        assert_eq!(e[0].1, b"\xff\xfe");
    }

    #[test]
    fn resource_folder_prefers_meta() {
        let env = JobEnv::new([
            ("JOB_PATH".into(), "/nonexistent-job".into()),
            ("MYRES_META".into(), "/meta/here".into()),
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

    #[test]
    fn strict_only_when_one() {
        assert!(JobEnv::new([("SHIPCTL_STRICT".into(), "1".into())]).strict);
        assert!(!JobEnv::new([("SHIPCTL_STRICT".into(), "0".into())]).strict);
        assert!(!JobEnv::new([]).strict);
    }

    #[test]
    fn env_file_parser_never_panics() {
        // A small deterministic generator over the bytes that matter.
        let alphabet = b"ab=\"'\\\n $#x\xff ";
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..20_000 {
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
            let _ = parse_env_file(&input);
        }
    }
}
