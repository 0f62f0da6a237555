//! `replicate FROM TO` (spec §4 "State"): copy an IN resource's files
//! (`IN/FROM/<type>/` → `OUT/TO/<type>/`) and/or its metadata
//! (`version.propertyBag` of version.json) to an OUT resource, or to the job
//! itself when TO is `$JOB_NAME` (`$JOB_STATE`, `$JOB_STATE/outputVersion.json`).
//!
//! The rules are the original's, in its order:
//! 1. FROM may not be the job; TO may not be a ciRepo.
//! 2. Repository types (FROM gitRepo/ciRepo/syncRepo, TO gitRepo/syncRepo)
//!    replicate metadata only and allow `--match-settings`; else TO =
//!    `$JOB_NAME` replicates to the job; else the types must be equal.
//! 3. `--match-settings` implies `--webhook-data-only` and replicates only
//!    when FROM's tag (tags.only / tags.except of TO) or branch (TO's
//!    `branch`, else branches.only / branches.except) matches; a release
//!    always matches. Patterns are shell globs matched against the name only.
//! 4. Files: when FROM's folder has entries, TO's folder is replaced by them.
//! 5. Metadata: the whole propertyBag, or with `--webhook-data-only` only
//!    shaData, webhookRequestHeaders and webhookRequestBody (each when set).
//!
//! Where the original went on silently this tool refuses before changing
//! anything: an unknown flag, `--files-only` with `--metadata-only`, and
//! metadata for an OUT resource that has no version.json (99).

use crate::commands::{get, state};
use crate::exit;
use crate::fsutil;
use crate::glob::Pattern;
use crate::job::{self, JobEnv, Operation, Var};
use crate::platform::ShowPath;
use anyhow::Result;
use serde_json::{Map, Value};
use std::ffi::OsStr;
use std::path::Path;

/// The options of `replicate`.
#[derive(Debug, Default, Clone, Copy)]
pub struct Options {
    pub files_only: bool,
    pub metadata_only: bool,
    pub webhook_data_only: bool,
    pub match_settings: bool,
}

const REPO_FROM: &[&str] = &["gitRepo", "ciRepo", "syncRepo"];
const REPO_TO: &[&str] = &["gitRepo", "syncRepo"];
/// The propertyBag fields that count as webhook data.
const WEBHOOK_KEYS: [&str; 3] = ["shaData", "webhookRequestHeaders", "webhookRequestBody"];

pub fn replicate(env: &JobEnv, from: &str, to: &str, opt: Options) -> Result<()> {
    let from_res = env.resource(from);
    let to_res = env.resource(to);
    from_res.check_folder_name()?;
    to_res.check_folder_name()?;
    let is_job = |name: &str| env.var("JOB_NAME") == Some(OsStr::new(name));
    if is_job(from) {
        return Err(exit::usage(format!(
            "the current job ({from}) cannot be the FROM of replicate"
        )));
    }
    let type_from = get::resource_type(&from_res)?;
    let type_to = get::resource_type(&to_res)?;
    if type_to.as_deref() == Some("ciRepo") {
        return Err(exit::usage(format!(
            "cannot replicate to {to}, a ciRepo resource"
        )));
    }
    let repo = type_from.as_deref().is_some_and(|t| REPO_FROM.contains(&t))
        && type_to.as_deref().is_some_and(|t| REPO_TO.contains(&t));
    let to_job = !repo && is_job(to);
    let Some(type_from) = type_from else {
        return Err(exit::usage(format!(
            "the type of resource {from} is unknown: ${} is not set and {} has none",
            from_res.var_name(Var::Type),
            from_res.file("version.json").shown()
        )));
    };
    if !repo && !to_job && type_to.as_deref() != Some(type_from.as_str()) {
        return Err(exit::usage(format!(
            "resources must be the same type: {from} is {type_from}, {to} is {}",
            type_to.as_deref().unwrap_or("of unknown type")
        )));
    }
    if opt.match_settings && !repo {
        return Err(exit::usage(
            "--match-settings works only from a gitRepo, ciRepo or syncRepo to a gitRepo or syncRepo",
        ));
    }
    let copy_files = !repo && !opt.metadata_only;
    let copy_meta = !opt.files_only;
    if !copy_files && !copy_meta {
        crate::diag::notice(format_args!(
            "{from} and {to} are repositories, which replicate metadata only: with --files-only nothing is replicated"
        ));
        return Ok(());
    }

    // Everything is checked and computed before anything is written.
    let job = state::job_path(env)?;
    let from_dir = job.resource_folder(Operation::In, &from_res);
    if !from_dir.is_dir() {
        return Err(exit::usage(format!(
            "{} not found: {from} is not an IN resource of this job",
            from_dir.shown()
        )));
    }
    let files_src = job.files_folder(Operation::In, &from_res, &type_from)?;
    let files_dst = if to_job {
        env.job_state()?
    } else {
        let ty = type_to.as_deref().unwrap_or_default();
        job.files_folder(Operation::Out, &to_res, ty)?
    };
    let files = copy_files && has_entries(&files_src)?;

    let meta = if copy_meta {
        let from_path = from_dir.join("version.json");
        let from_doc = job::required(job::read_json_file(&from_path, env)?, &from_path)?;
        let (to_path, to_doc) = if to_job {
            let path = env.job_state()?.join("outputVersion.json");
            // Replicating files first empties $JOB_STATE, so the file to
            // update is then the one copied from FROM, if any.
            let base = match files {
                true => files_src.join("outputVersion.json"),
                false => path.clone(),
            };
            let doc = job::read_json_file(&base, env)?.unwrap_or(Value::Object(Map::new()));
            (path, doc)
        } else {
            let path = job
                .resource_folder(Operation::Out, &to_res)
                .join("version.json");
            let doc = job::required(job::read_json_file(&path, env)?, &path)?;
            (path, doc)
        };
        if opt.match_settings {
            match decide(&from_doc, &to_doc) {
                Decision::Replicate => {}
                Decision::NoBranch => {
                    crate::diag::notice(format_args!(
                        "the shaData of {from} has no branch name: nothing replicated"
                    ));
                    return Ok(());
                }
                Decision::NoMatch(what) => {
                    crate::diag::notice(format_args!(
                        "{what} of {from} does not match the settings of {to}: nothing replicated"
                    ));
                    return Ok(());
                }
            }
        }
        let webhook = opt.webhook_data_only || opt.match_settings;
        let doc = new_metadata(&from_doc, to_doc, webhook, to_job, &to_path)?;
        Some((to_path, doc))
    } else {
        None
    };

    if files {
        fsutil::mirror_folder(&files_src, &files_dst)?;
    }
    if let Some((path, doc)) = meta {
        if let Some(dir) = path.parent() {
            state::ensure_folder(dir)?;
        }
        let mut text = serde_json::to_vec_pretty(&doc)?;
        text.push(b'\n');
        fsutil::write_file(&path, &text, fsutil::WriteOptions::PUBLIC)?;
    }
    Ok(())
}

/// Whether a folder exists and has at least one entry.
fn has_entries(dir: &Path) -> Result<bool> {
    match std::fs::read_dir(dir) {
        Ok(mut it) => Ok(it.next().is_some()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) if e.kind() == std::io::ErrorKind::NotADirectory => Ok(false),
        Err(e) => Err(anyhow::Error::new(e).context(format!("could not read {}", dir.shown()))),
    }
}

/// TO's metadata after replication.
fn new_metadata(
    from_doc: &Value,
    mut to_doc: Value,
    webhook: bool,
    to_job: bool,
    to_path: &Path,
) -> Result<Value> {
    let from_bag = from_doc.pointer("/version/propertyBag");
    if !webhook {
        let bag = from_bag.cloned().unwrap_or(Value::Null);
        let at: &[&str] = match to_job {
            true => &["propertyBag"],
            false => &["version", "propertyBag"],
        };
        set(&mut to_doc, at, bag, to_path)?;
        return Ok(to_doc);
    }
    for key in WEBHOOK_KEYS {
        if let Some(v) = from_bag.and_then(|b| b.get(key)).filter(|v| !v.is_null()) {
            set(
                &mut to_doc,
                &["version", "propertyBag", key],
                v.clone(),
                to_path,
            )?;
        }
    }
    if to_job {
        // As the original: the job's outputVersion.json becomes
        // {"propertyBag": <the webhook data>}.
        let bag = to_doc
            .pointer("/version/propertyBag")
            .cloned()
            .unwrap_or(Value::Null);
        let mut doc = Map::new();
        doc.insert("propertyBag".into(), bag);
        to_doc = Value::Object(doc);
    }
    Ok(to_doc)
}

/// `doc.a.b = value` as jq assigns: a missing or null level becomes an
/// object; any other non-object is an error.
fn set(doc: &mut Value, path: &[&str], value: Value, file: &Path) -> Result<()> {
    let mut cur = doc;
    for (i, key) in path.iter().enumerate() {
        if cur.is_null() {
            *cur = Value::Object(Map::new());
        }
        let Value::Object(map) = cur else {
            return Err(exit::failure(format!(
                "cannot set .{} in {}: .{} is not an object",
                path.join("."),
                file.shown(),
                path[..i].join(".")
            )));
        };
        if i + 1 == path.len() {
            map.insert((*key).to_string(), value);
            return Ok(());
        }
        cur = map.entry(*key).or_insert(Value::Null);
    }
    Ok(())
}

/// The outcome of `--match-settings`.
#[derive(Debug, PartialEq)]
enum Decision {
    Replicate,
    /// Neither a tag nor a release, and no branch name in FROM's shaData.
    NoBranch,
    /// The tag or branch (named) is not allowed by TO's settings.
    NoMatch(String),
}

/// jq's truth: anything but null and false.
fn truthy(v: &&Value) -> bool {
    !matches!(v, Value::Null | Value::Bool(false))
}

/// A value as `jq -r` prints it.
fn text(v: &Value) -> String {
    String::from_utf8_lossy(&get::jq_text(v)).into_owned()
}

/// The patterns of a TO setting: a list (or a single string).
fn patterns(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(items)) => items.iter().map(text).collect(),
        Some(Value::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

/// Allowed by an only-list (empty: no restriction) and not by an
/// except-list; the patterns are shell patterns ([`crate::glob`]).
fn allowed(name: &str, only: &[String], except: &[String]) -> bool {
    let matches = |p: &String| Pattern::new(p).matches(name);
    (only.is_empty() || only.iter().any(matches)) && !except.iter().any(matches)
}

fn decide(from_doc: &Value, to_doc: &Value) -> Decision {
    let sha = from_doc.pointer("/version/propertyBag/shaData");
    let field = |k: &str| sha.and_then(|s| s.get(k));
    let is_true = |k: &str| field(k) == Some(&Value::Bool(true));
    let bag = to_doc.pointer("/version/propertyBag");
    let setting = |a: &str, b: Option<&str>| {
        let v = bag.and_then(|x| x.get(a)).filter(truthy)?;
        match b {
            Some(b) => v.get(b).filter(truthy),
            None => Some(v),
        }
    };
    if is_true("isGitTag") {
        let tag = field("gitTagName")
            .map(text)
            .unwrap_or_else(|| "null".into());
        let only = patterns(setting("tags", Some("only")));
        let except = patterns(setting("tags", Some("except")));
        if !allowed(&tag, &only, &except) {
            return Decision::NoMatch(format!("the tag {tag}"));
        }
    } else if !is_true("isRelease") {
        let branch = field("branchName")
            .filter(truthy)
            .map(text)
            .unwrap_or_default();
        if branch.is_empty() {
            return Decision::NoBranch;
        }
        let to_branch = setting("branch", None).map(text).unwrap_or_default();
        let ok = if !to_branch.is_empty() {
            to_branch == branch
        } else {
            let only = patterns(setting("branches", Some("only")));
            let except = patterns(setting("branches", Some("except")));
            allowed(&branch, &only, &except)
        };
        if !ok {
            return Decision::NoMatch(format!("the branch {branch}"));
        }
    }
    Decision::Replicate
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn from(sha: Value) -> Value {
        json!({"version": {"propertyBag": {"shaData": sha}}})
    }

    fn to(bag: Value) -> Value {
        json!({"version": {"propertyBag": bag}})
    }

    #[test]
    fn match_settings() {
        let branch = from(json!({"branchName": "feat/login", "isGitTag": false}));
        assert_eq!(decide(&branch, &to(json!({}))), Decision::Replicate);
        assert_eq!(
            decide(&branch, &to(json!({"branch": "feat/login"}))),
            Decision::Replicate
        );
        assert!(matches!(
            decide(
                &branch,
                &to(json!({"branch": "main", "branches": {"only": ["feat/*"]}}))
            ),
            Decision::NoMatch(_)
        ));
        assert_eq!(
            decide(
                &branch,
                &to(json!({"branch": "", "branches": {"only": ["feat/*"]}}))
            ),
            Decision::Replicate
        );
        assert!(matches!(
            decide(
                &branch,
                &to(json!({"branches": {"only": ["feat/*"], "except": ["*login"]}}))
            ),
            Decision::NoMatch(_)
        ));
        assert_eq!(
            decide(&branch, &to(json!({"branches": {"only": []}}))),
            Decision::Replicate
        );
        let tag = from(json!({"branchName": "main", "isGitTag": true, "gitTagName": "v1.4.0"}));
        assert_eq!(
            decide(
                &tag,
                &to(json!({"branch": "other", "tags": {"only": ["v*"]}}))
            ),
            Decision::Replicate
        );
        assert!(matches!(
            decide(&tag, &to(json!({"tags": {"except": ["v1.*"]}}))),
            Decision::NoMatch(_)
        ));
        let release = from(json!({"branchName": "main", "isRelease": true}));
        assert_eq!(
            decide(&release, &to(json!({"branch": "other"}))),
            Decision::Replicate
        );
        assert_eq!(
            decide(&json!({"version": {"propertyBag": {}}}), &to(json!({}))),
            Decision::NoBranch
        );
        assert_eq!(
            decide(&from(json!({"branchName": null})), &to(json!({}))),
            Decision::NoBranch
        );
    }

    #[test]
    fn metadata() {
        let p = Path::new("v.json");
        let src = json!({"version": {"propertyBag": {"a": 1, "shaData": {"x": 1}, "webhookRequestBody": null}}});
        let dst = json!({"name": "d", "version": {"versionId": 1, "propertyBag": {"keep": true}}});
        assert_eq!(
            new_metadata(&src, dst.clone(), false, false, p).unwrap(),
            json!({"name": "d", "version": {"versionId": 1, "propertyBag": {"a": 1, "shaData": {"x": 1}, "webhookRequestBody": null}}})
        );
        assert_eq!(
            new_metadata(&src, dst, true, false, p).unwrap(),
            json!({"name": "d", "version": {"versionId": 1, "propertyBag": {"keep": true, "shaData": {"x": 1}}}})
        );
        assert_eq!(
            new_metadata(&src, json!({"propertyBag": {"keep": 1}}), true, true, p).unwrap(),
            json!({"propertyBag": {"shaData": {"x": 1}}})
        );
        assert_eq!(
            new_metadata(&src, json!({}), false, true, p).unwrap(),
            json!({"propertyBag": {"a": 1, "shaData": {"x": 1}, "webhookRequestBody": null}})
        );
        assert!(new_metadata(&src, json!({"version": "x"}), false, false, p).is_err());
    }
}
