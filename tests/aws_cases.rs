//! Applies each ground-truth case of `tests/data/aws_cases/` through the
//! editor and judges it by the case's class (see that folder's README.md):
//!
//! - `golden`: every op through `set`, both files equal `after.*` byte for byte
//!   (an absent `after.*` means the file must not exist);
//! - `refused`: every op is refused because a file fails botocore's parser,
//!   and both files stay byte-identical;
//! - `hazard`: ops go through the safe API (a profile's key id, secret and
//!   token as one `set_credentials`), names the editor refuses are refused
//!   with nothing changed, and then, read through botocore: both files parse,
//!   every profile equals the `before` files plus what the ops set, and each
//!   `resolve` check passes exactly when its values are what the ops set.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};
use shipctl::test_api::aws_ini::{self, Credentials, FileKind, IniError};

const CASES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/aws_cases");

#[derive(Clone, Default, PartialEq, Debug)]
struct Files {
    credentials: Option<Vec<u8>>,
    config: Option<Vec<u8>>,
}

impl Files {
    fn load(dir: &Path, prefix: &str) -> Files {
        Files {
            credentials: std::fs::read(dir.join(format!("{prefix}.credentials"))).ok(),
            config: std::fs::read(dir.join(format!("{prefix}.config"))).ok(),
        }
    }
    fn slot(&mut self, kind: FileKind) -> &mut Option<Vec<u8>> {
        match kind {
            FileKind::Credentials => &mut self.credentials,
            FileKind::Config => &mut self.config,
        }
    }
    /// Like the CLI: both files must parse before anything is written.
    fn preflight(&self) -> Result<(), IniError> {
        for f in [&self.credentials, &self.config].into_iter().flatten() {
            aws_ini::validate_like_botocore(f)?;
        }
        Ok(())
    }
    fn edit(
        &mut self,
        kind: FileKind,
        f: impl FnOnce(&str) -> Result<String, IniError>,
    ) -> Result<(), IniError> {
        self.preflight()?;
        let slot = self.slot(kind);
        let old = slot.clone().unwrap_or_default();
        let out = f(aws_ini::decode(&old)?)?;
        *slot = Some(out.into_bytes());
        Ok(())
    }
}

struct Op {
    profile: String,
    key: String,
    value: String,
}

fn ops_of(dir: &Path, case: &Value) -> Vec<Op> {
    let ops: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("ops.json")).unwrap()).unwrap();
    let empty = Map::new();
    let case_env = case["env"].as_object().unwrap_or(&empty);
    ops.as_array()
        .unwrap()
        .iter()
        .map(|op| {
            let mut env = case_env.clone();
            env.extend(op["env"].as_object().unwrap_or(&empty).clone());
            let from_env = ["AWS_DEFAULT_PROFILE", "AWS_PROFILE"]
                .iter()
                .find_map(|k| env.get(*k).and_then(Value::as_str));
            let profile = match op["profile"].as_str() {
                Some(p) if !p.is_empty() => p,
                _ => from_env.unwrap_or("default"),
            };
            Op {
                profile: profile.to_string(),
                key: op["key"].as_str().unwrap().to_string(),
                value: op["value"].as_str().unwrap().to_string(),
            }
        })
        .collect()
}

fn set_op(files: &mut Files, op: &Op) -> Result<(), IniError> {
    let kind = aws_ini::kind_for_key(&op.key);
    files.edit(kind, |t| {
        aws_ini::set(t, kind, &op.profile, &op.key, &op.value)
    })
}

fn show(b: &Option<Vec<u8>>) -> String {
    match b {
        None => "<absent>".into(),
        Some(b) => format!("{:?}", String::from_utf8_lossy(b)),
    }
}

fn judge_golden(dir: &Path, ops: &[Op]) -> Result<(), String> {
    let mut files = Files::load(dir, "before");
    for (i, op) in ops.iter().enumerate() {
        set_op(&mut files, op).map_err(|e| format!("op {i} refused: {e}"))?;
    }
    let want = Files::load(dir, "after");
    for (name, got, want) in [
        ("credentials", &files.credentials, &want.credentials),
        ("config", &files.config, &want.config),
    ] {
        if got != want {
            return Err(format!(
                "{name} differs\n got: {}\nwant: {}",
                show(got),
                show(want)
            ));
        }
    }
    Ok(())
}

fn judge_refused(dir: &Path, ops: &[Op]) -> Result<(), String> {
    let before = Files::load(dir, "before");
    let mut files = before.clone();
    for (i, op) in ops.iter().enumerate() {
        match set_op(&mut files, op) {
            Ok(()) => return Err(format!("op {i} was not refused")),
            Err(e) => {
                let msg = e.to_string();
                if !msg.contains("botocore") || msg.contains(&op.value) {
                    return Err(format!("unclear or leaking message: {msg}"));
                }
            }
        }
        if files != before {
            return Err(format!("op {i} changed a file"));
        }
    }
    Ok(())
}

/// What the safe API was asked to do, for the model.
enum Applied {
    Set(FileKind, String, String, String),
    Creds(String, String, String, Option<String>),
}

/// Runs the botocore probe on in-memory files; `None` when python3 or
/// botocore is missing.
fn probe(files: &Files, profiles: &[String]) -> Option<Value> {
    let dir = tempfile::tempdir().unwrap();
    let (c, g) = (dir.path().join("credentials"), dir.path().join("config"));
    for (p, b) in [(&c, &files.credentials), (&g, &files.config)] {
        if let Some(b) = b {
            std::fs::write(p, b).unwrap();
        }
    }
    crate::aws::botocore(dir.path(), &c, &g, profiles, &[])
}

/// How botocore resolves `profile` from the two profile maps (credentials
/// file first; an empty token is no token).
fn model_resolve(creds: &Value, config: &Value, profile: &str) -> Value {
    let c = &creds[profile];
    let g = &config[profile];
    let src = if c.get("aws_access_key_id").is_some() {
        c
    } else {
        g
    };
    let Some(key_id) = src.get("aws_access_key_id") else {
        return json!({"error": "model: no credentials"});
    };
    let Some(secret) = src.get("aws_secret_access_key") else {
        return json!({"error": "model: partial credentials"});
    };
    let token = src
        .get("aws_security_token")
        .or_else(|| src.get("aws_session_token"))
        .filter(|t| t.as_str() != Some(""))
        .cloned()
        .unwrap_or(Value::Null);
    let region = c
        .get("region")
        .or_else(|| g.get("region"))
        .cloned()
        .unwrap_or(Value::Null);
    json!({"key_id": key_id, "secret": secret, "token": token, "region": region})
}

fn check_passes(check: &Value, resolved: &Value) -> bool {
    resolved.get("error").is_none()
        && resolved["key_id"] == check["key_id"]
        && resolved["secret"] == check["secret"]
        && resolved["token"] == check["token"]
        && (check["region"].is_null() || resolved["region"] == check["region"])
}

fn judge_hazard(dir: &Path, case: &Value, ops: &[Op]) -> Result<(), String> {
    let before = Files::load(dir, "before");
    let mut files = before.clone();
    let mut applied = Vec::new();
    let mut i = 0;
    while i < ops.len() {
        let op = &ops[i];
        // A run of credential ops on one profile holding key id and secret is
        // one credential set.
        let mut j = i;
        while j < ops.len()
            && ops[j].profile == op.profile
            && aws_ini::kind_for_key(&ops[j].key) == FileKind::Credentials
        {
            j += 1;
        }
        let get = |k: &str| {
            ops[i..j]
                .iter()
                .rev()
                .find(|o| o.key == k)
                .map(|o| o.value.clone())
        };
        let (id, secret) = (get("aws_access_key_id"), get("aws_secret_access_key"));
        let snapshot = files.clone();
        let (result, step) = if let (Some(id), Some(secret)) = (id, secret) {
            let token = get("aws_session_token");
            let r = files.edit(FileKind::Credentials, |t| {
                let c = Credentials {
                    key_id: &id,
                    secret: &secret,
                    token: token.as_deref(),
                };
                aws_ini::set_credentials(t, &op.profile, &c)
            });
            (r, Applied::Creds(op.profile.clone(), id, secret, token))
        } else {
            j = i + 1;
            let kind = aws_ini::kind_for_key(&op.key);
            let r = set_op(&mut files, op);
            let a = Applied::Set(kind, op.profile.clone(), op.key.clone(), op.value.clone());
            (r, a)
        };
        match result {
            Ok(()) => applied.push(step),
            Err(e) => {
                // Only names the editor refuses may fail here.
                if !matches!(e, IniError::BadProfileName { .. }) {
                    return Err(format!("op {i} failed: {e}"));
                }
                if files != snapshot {
                    return Err(format!("refused op {i} changed a file"));
                }
            }
        }
        i = j;
    }
    files
        .preflight()
        .map_err(|e| format!("result does not parse: {e}"))?;

    let mut profiles: Vec<String> = ops.iter().map(|o| o.profile.clone()).collect();
    profiles.dedup();
    let (Some(pb), Some(pa)) = (probe(&before, &[]), probe(&files, &profiles)) else {
        // `crate::aws::botocore` said why (SKIPPED, or a failure under CI).
        return Ok(());
    };
    for kind in ["credentials", "config"] {
        if pa["files"][kind]["ok"] != true {
            return Err(format!("botocore rejects {kind}: {}", pa["files"][kind]));
        }
    }
    // The model: the before files plus what the ops set.
    let mut creds = pb["files"]["credentials"]["sections"].clone();
    let mut config = pb["files"]["config"]["profiles"].clone();
    for a in &applied {
        match a {
            Applied::Set(kind, p, k, v) => {
                let map = if *kind == FileKind::Credentials {
                    &mut creds
                } else {
                    &mut config
                };
                let prof = map
                    .as_object_mut()
                    .unwrap()
                    .entry(p.clone())
                    .or_insert(json!({}));
                match k.split_once('.') {
                    Some((a, b)) => {
                        let block = prof.as_object_mut().unwrap().entry(a).or_insert(json!({}));
                        block[b] = json!(v);
                    }
                    None => prof[k.to_lowercase()] = json!(v),
                }
            }
            Applied::Creds(p, id, secret, token) => {
                let prof = creds
                    .as_object_mut()
                    .unwrap()
                    .entry(p.clone())
                    .or_insert(json!({}));
                let o = prof.as_object_mut().unwrap();
                o.insert("aws_access_key_id".into(), json!(id));
                o.insert("aws_secret_access_key".into(), json!(secret));
                o.remove("aws_security_token");
                match token.as_deref().filter(|t| !t.is_empty()) {
                    Some(t) => o.insert("aws_session_token".into(), json!(t)),
                    None => o.remove("aws_session_token"),
                };
            }
        }
    }
    if pa["files"]["credentials"]["sections"] != creds {
        return Err(format!(
            "credentials read back as {} instead of {creds}",
            pa["files"]["credentials"]["sections"]
        ));
    }
    if pa["files"]["config"]["profiles"] != config {
        return Err(format!(
            "config profiles read back as {} instead of {config}",
            pa["files"]["config"]["profiles"]
        ));
    }
    let mut model: BTreeMap<String, Value> = BTreeMap::new();
    for p in &profiles {
        let m = model_resolve(&creds, &config, p);
        let got = &pa["resolved"][p];
        if m.get("error").is_some() != got.get("error").is_some()
            || (m.get("error").is_none() && m != *got)
        {
            return Err(format!("profile {p} resolves to {got}, model says {m}"));
        }
        model.insert(p.clone(), m);
    }
    for check in case["checks"].as_array().unwrap() {
        if check["mode"] != "resolve" {
            continue;
        }
        let p = check["profile"].as_str().unwrap();
        let want = check_passes(check, &model[p]);
        let got = check_passes(check, &pa["resolved"][p]);
        if want != got {
            return Err(format!("check {check} passes={got}, expected {want}"));
        }
    }
    Ok(())
}

#[test]
fn aws_cases() {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(CASES)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert_eq!(dirs.len(), 40, "expected the 40 cases");
    let mut failures = Vec::new();
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for dir in &dirs {
        let case: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("case.json")).unwrap()).unwrap();
        let ops = ops_of(dir, &case);
        let class = case["class"].as_str().unwrap().to_string();
        let verdict = match class.as_str() {
            "golden" => judge_golden(dir, &ops),
            "refused" => judge_refused(dir, &ops),
            "hazard" => judge_hazard(dir, &case, &ops),
            other => Err(format!("unknown class {other}")),
        };
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        match verdict {
            Ok(()) => *counts.entry(class).or_default() += 1,
            Err(e) => failures.push(format!("{name} ({class}): {e}")),
        }
    }
    eprintln!("aws cases passed: {counts:?}");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
