//! `get_git_changes` (spec §4): the files, or folders, that changed in a
//! commit range, from the real `git`.

use crate::cli::GitChanges;
use crate::commands::get;
use crate::exit;
use crate::job::{self, JobEnv};
use anyhow::{Context, Result};
use serde_json::Value;
use std::collections::HashSet;
use std::ffi::OsString;
use std::io::Write;
use std::os::unix::ffi::OsStringExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};

pub fn changes(env: &JobEnv, a: &GitChanges, out: &mut dyn Write) -> Result<()> {
    let dir = match (&a.path, &a.resource) {
        (Some(path), _) => PathBuf::from(path),
        (None, Some(res)) => resource_dir(env, res)?,
        (None, None) => return Err(exit::usage("give --path=DIR or --resource=RES")),
    };
    if !dir.is_dir() || !is_repository(env, &dir) {
        return Err(exit::usage(format!(
            "no git repository at {}",
            dir.display()
        )));
    }
    let range = match (&a.commit_range, &a.resource) {
        (Some(r), _) => Some(r.clone()),
        (None, Some(res)) => resource_range(env, res)?,
        (None, None) => env
            .var("SHIPPABLE_COMMIT_RANGE")
            .filter(|v| !v.is_empty())
            .map(|v| v.to_string_lossy().into_owned()),
    };
    let Some(range) = range else {
        return Err(exit::usage(
            "unknown commit range: give --commit-range=R (or set $SHIPPABLE_COMMIT_RANGE)",
        ));
    };
    if range.starts_with('-') {
        return Err(exit::usage(format!(
            "commit range {range:?} looks like an option"
        )));
    }
    let output = git(env, &dir)
        .args(["diff", "--name-only", "-z", "-M", "--end-of-options"])
        .arg(&range)
        .arg("--")
        .stderr(Stdio::inherit())
        .output()
        .context("could not run git")?;
    if !output.status.success() {
        return Err(exit::failure(format!(
            "git diff {range} failed in {} ({})",
            dir.display(),
            output.status
        )));
    }
    let paths = output.stdout.split(|&b| b == 0).filter(|p| !p.is_empty());
    for entry in select(paths, a.directories_only, a.depth) {
        out.write_all(&entry)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// What is printed for the changed `paths`: each file, or its folder (with a
/// trailing `/`), or only the component at `depth`; each once, in the order
/// first seen.
pub fn select<'a>(
    paths: impl Iterator<Item = &'a [u8]>,
    directories_only: bool,
    depth: usize,
) -> Vec<Vec<u8>> {
    let mut seen = HashSet::new();
    let mut entries = Vec::new();
    for path in paths {
        let base = match directories_only {
            // A file at the root has no folder to list.
            true => match path.iter().rposition(|&b| b == b'/') {
                Some(slash) => &path[..slash],
                None => continue,
            },
            false => path,
        };
        let entry = if depth > 0 {
            match base.split(|&b| b == b'/').nth(depth - 1) {
                Some(c) if !c.is_empty() => c.to_vec(),
                _ => continue,
            }
        } else if directories_only {
            let mut d = base.to_vec();
            d.push(b'/');
            d
        } else {
            base.to_vec()
        };
        if seen.insert(entry.clone()) {
            entries.push(entry);
        }
    }
    entries
}

/// The repository of a gitRepo resource: its state folder.
fn resource_dir(env: &JobEnv, res: &str) -> Result<PathBuf> {
    let r = env.resource(res);
    match get::state_path(&r)? {
        Some(state) => Ok(PathBuf::from(OsString::from_vec(state))),
        None => Err(exit::usage(format!(
            "no folder for resource {res}: ${} is not set and its resource folder was not found",
            r.var_name("STATE")
        ))),
    }
}

/// The default range of a gitRepo resource, from its version.json.
fn resource_range(env: &JobEnv, res: &str) -> Result<Option<String>> {
    let r = env.resource(res);
    let doc = job::required(r.version_json()?, &r.file("version.json"))?;
    Ok(sha_range(&doc))
}

/// `shaData.beforeCommitSha..shaData.commitSha` of version.json's
/// propertyBag; for a pull request `origin/<base>...<commitSha>`.
pub fn sha_range(doc: &Value) -> Option<String> {
    let sha = doc.pointer("/version/propertyBag/shaData")?;
    let text = |k: &str| sha.get(k).and_then(Value::as_str).filter(|s| !s.is_empty());
    let commit = text("commitSha")?;
    let is_pr = matches!(sha.get("isPullRequest"), Some(Value::Bool(true)))
        || sha.get("isPullRequest").and_then(Value::as_str) == Some("true");
    if is_pr && let Some(base) = text("pullRequestBaseBranch").or(text("baseCommitRef")) {
        return Some(format!("origin/{base}...{commit}"));
    }
    Some(format!("{}..{commit}", text("beforeCommitSha")?))
}

/// `git -C DIR` with raw (unquoted) paths and the job's variables.
fn git(env: &JobEnv, dir: &std::path::Path) -> Command {
    let mut cmd = Command::new("git");
    cmd.arg("-C")
        .arg(dir)
        .args(["-c", "core.quotePath=false"])
        .env_clear()
        .envs(env.vars())
        .stdin(Stdio::null());
    cmd
}

fn is_repository(env: &JobEnv, dir: &std::path::Path) -> bool {
    git(env, dir)
        .args(["rev-parse", "--git-dir"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sel(paths: &[&str], dirs: bool, depth: usize) -> Vec<String> {
        select(paths.iter().map(|p| p.as_bytes()), dirs, depth)
            .into_iter()
            .map(|e| String::from_utf8(e).unwrap())
            .collect()
    }

    #[test]
    fn selection() {
        let p = [
            "README.md",
            "docs/guide.md",
            "src/a/x.txt",
            "src/a/z.txt",
            "src/b/y.txt",
        ];
        assert_eq!(sel(&p, false, 0), p);
        assert_eq!(sel(&p, true, 0), ["docs/", "src/a/", "src/b/"]);
        assert_eq!(sel(&p, false, 2), ["guide.md", "a", "b"]);
        assert_eq!(sel(&p, true, 1), ["docs", "src"]);
        assert_eq!(sel(&p, false, 1), ["README.md", "docs", "src"]);
        assert_eq!(
            sel(&["a/lib/x", "b/app/y", "c/lib/z"], false, 2),
            ["lib", "app"]
        );
    }

    #[test]
    fn ranges() {
        let doc: Value = serde_json::from_str(
            r#"{"version":{"propertyBag":{"shaData":{"commitSha":"c","beforeCommitSha":"b"}}}}"#,
        )
        .unwrap();
        assert_eq!(sha_range(&doc).as_deref(), Some("b..c"));
        let pr: Value = serde_json::from_str(
            r#"{"version":{"propertyBag":{"shaData":{"commitSha":"c","beforeCommitSha":"b","isPullRequest":true,"pullRequestBaseBranch":"main"}}}}"#,
        )
        .unwrap();
        assert_eq!(sha_range(&pr).as_deref(), Some("origin/main...c"));
        assert_eq!(sha_range(&Value::Null), None);
    }
}
