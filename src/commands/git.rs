//! `get_git_changes` (spec §4): the files, or folders, that changed in a
//! commit range, from the real `git`.

use crate::cli::GitChanges;
use crate::commands::get;
use crate::exit;
use crate::job::{JobEnv, Var};
use crate::platform::ShowPath;
use anyhow::{Context, Result};
use serde_json::Value;
use std::collections::HashSet;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

pub fn changes(env: &JobEnv, a: &GitChanges, out: &mut dyn Write) -> Result<()> {
    let dir = match (&a.path, &a.resource) {
        (Some(path), _) => PathBuf::from(path),
        (None, Some(res)) => resource_dir(env, res)?,
        (None, None) => return Err(exit::usage("give --path=DIR or --resource=RES")),
    };
    if !dir.is_dir() || !is_repository(env, &dir) {
        return Err(exit::usage(format!("no git repository at {}", dir.shown())));
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
            dir.shown(),
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
        Some(state) => Ok(PathBuf::from(crate::platform::os_string(state))),
        None => Err(exit::usage(format!(
            "no folder for resource {res}: ${} is not set and its resource folder was not found",
            r.var_name(Var::State)
        ))),
    }
}

/// The default range of a gitRepo resource (see [`decide_range`]): the
/// platform's variables through [`crate::job::Resource`], then version.json.
fn resource_range(env: &JobEnv, res: &str) -> Result<Option<String>> {
    let r = env.resource(res);
    let var = |what: Var| r.var(what).map(|v| v.to_string_lossy().into_owned());
    let is_pr = var(Var::IsPullRequest);
    let base = var(Var::BaseBranch);
    let commit = var(Var::Commit);
    let version_json = r.file("version.json");
    let doc = r.version_json()?;
    let sha = doc
        .as_ref()
        .and_then(|d| d.pointer("/version/propertyBag/shaData"));
    let shown = |key: &str| match doc {
        None => format!("{} was not found", version_json.shown()),
        Some(_) => format!("{} has no shaData.{key}", version_json.shown()),
    };
    let var_name = |what: Var| format!("${}", r.var_name(what));
    let missing = match decide_range(is_pr.as_deref(), base.as_deref(), commit.as_deref(), sha) {
        Ok(range) => return Ok(Some(range)),
        Err(m) => m,
    };
    let why = match missing {
        Missing::Commit => format!(
            "no commit for resource {res}: {} and {} is not set",
            shown("commitSha"),
            var_name(Var::Commit)
        ),
        Missing::BaseBranch => format!(
            "resource {res} is a pull request but names no base branch: {} is not set (or empty) and {}",
            var_name(Var::BaseBranch),
            shown("pullRequestBaseBranch")
        ),
        Missing::BeforeCommit => format!(
            "no commit range for resource {res}: {}",
            shown("beforeCommitSha")
        ),
    };
    Err(exit::usage(format!("{why}; give --commit-range=R")))
}

/// What [`decide_range`] could not find.
#[derive(Debug, PartialEq)]
pub enum Missing {
    Commit,
    BaseBranch,
    BeforeCommit,
}

/// The default range of a gitRepo resource, as the original computed it
/// (`get_git_changes` of the shell utility): a pull request is
/// `origin/<base>...<commit>` (the changes of the pull request's branch
/// since it left the base), anything else `<beforeCommitSha>..<commit>`.
///
/// "Pull request" and the base branch come from the platform's variables
/// first: `$<R>_IS_PULL_REQUEST` (`is_pr_var`; exactly `true` — set to
/// anything else, empty included, it says "no", as in the original) and
/// `$<R>_BASE_BRANCH` (`base_var`, set and not empty); version.json's
/// `shaData` (`isPullRequest` true or `"true"`, `pullRequestBaseBranch`,
/// else `baseCommitRef`) only when they are not. The commit is
/// `shaData.commitSha`, as the original took it, else `$<R>_COMMIT`
/// (`commit_var`); `beforeCommitSha` only exists in shaData.
pub fn decide_range(
    is_pr_var: Option<&str>,
    base_var: Option<&str>,
    commit_var: Option<&str>,
    sha: Option<&Value>,
) -> Result<String, Missing> {
    let text = |k: &str| {
        sha.and_then(|s| s.get(k))
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    };
    let is_pr = match is_pr_var {
        Some(v) => v == "true",
        None => {
            let v = sha.and_then(|s| s.get("isPullRequest"));
            matches!(v, Some(Value::Bool(true))) || v.and_then(Value::as_str) == Some("true")
        }
    };
    let commit = text("commitSha")
        .or(commit_var.filter(|c| !c.is_empty()))
        .ok_or(Missing::Commit)?;
    if is_pr {
        let base = base_var
            .filter(|b| !b.is_empty())
            .or_else(|| text("pullRequestBaseBranch"))
            .or_else(|| text("baseCommitRef"))
            .ok_or(Missing::BaseBranch)?;
        return Ok(format!("origin/{base}...{commit}"));
    }
    let before = text("beforeCommitSha").ok_or(Missing::BeforeCommit)?;
    Ok(format!("{before}..{commit}"))
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
        let sha = |text: &str| -> Value { crate::json::parse(text.as_bytes()).unwrap() };
        let push = sha(r#"{"commitSha":"c","beforeCommitSha":"b"}"#);
        let pr = sha(
            r#"{"commitSha":"c","beforeCommitSha":"b","isPullRequest":true,"pullRequestBaseBranch":"main"}"#,
        );
        let d = decide_range;
        // version.json alone.
        assert_eq!(d(None, None, None, Some(&push)), Ok("b..c".into()));
        assert_eq!(d(None, None, None, Some(&pr)), Ok("origin/main...c".into()));
        // The variables win, in both directions.
        assert_eq!(
            d(Some("true"), Some("dev"), None, Some(&push)),
            Ok("origin/dev...c".into())
        );
        assert_eq!(
            d(Some("true"), None, None, Some(&pr)),
            Ok("origin/main...c".into())
        );
        assert_eq!(
            d(Some("true"), Some(""), None, Some(&pr)),
            Ok("origin/main...c".into())
        );
        assert_eq!(
            d(Some("false"), Some("dev"), None, Some(&pr)),
            Ok("b..c".into())
        );
        assert_eq!(d(Some(""), None, None, Some(&pr)), Ok("b..c".into()));
        assert_eq!(d(Some("TRUE"), None, None, Some(&push)), Ok("b..c".into()));
        // The commit: shaData first, as the original, then $<R>_COMMIT.
        assert_eq!(
            d(Some("true"), Some("dev"), Some("v"), None),
            Ok("origin/dev...v".into())
        );
        assert_eq!(
            d(Some("true"), Some("dev"), Some("v"), Some(&pr)),
            Ok("origin/dev...c".into())
        );
        // What is missing.
        assert_eq!(
            d(Some("true"), Some("dev"), None, None),
            Err(Missing::Commit)
        );
        assert_eq!(
            d(Some("true"), None, Some("v"), None),
            Err(Missing::BaseBranch)
        );
        assert_eq!(d(None, None, Some("v"), None), Err(Missing::BeforeCommit));
        let base_ref = sha(r#"{"commitSha":"c","isPullRequest":"true","baseCommitRef":"rel"}"#);
        assert_eq!(
            d(None, None, None, Some(&base_ref)),
            Ok("origin/rel...c".into())
        );
    }
}
