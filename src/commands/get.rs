//! Resource and job information: the `get_*` lookups, the name commands and
//! `get_json_value` (spec §4 "Resource and job information", §5).
//!
//! A lookup reads a variable first; only when it is unset does it fall back
//! to a file. What it finds is printed exactly, plus one newline; what it
//! does not find prints an empty line, or under `--strict` exits 1.

use crate::exit;
use crate::job::{self, JobEnv, Resource, Var};
use crate::json::{self, Seg};
use crate::platform::ShowPath;
use anyhow::{Context, Result};
use serde_json::Value;
use std::io::Write;
use std::path::Path;

/// Print a lookup's answer (§3): the value's bytes and a newline; for
/// `None`, an empty line, or under `--strict` exit 1 naming `looked_for`.
fn print(
    env: &JobEnv,
    out: &mut dyn Write,
    answer: Option<Vec<u8>>,
    looked_for: &str,
) -> Result<()> {
    match answer {
        Some(v) => {
            out.write_all(&v)?;
            out.write_all(b"\n")?;
        }
        None if env.strict => {
            return Err(exit::failure(format!("nothing found for {looked_for}")));
        }
        None => out.write_all(b"\n")?,
    }
    Ok(())
}

/// A JSON value as `jq -r` prints it, without the final newline.
pub fn jq_text(v: &Value) -> Vec<u8> {
    let mut buf = Vec::new();
    // Writing into a Vec cannot fail.
    let _ = json::write_value(&mut buf, v);
    buf.pop();
    buf
}

/// A JSON pointer (`/version/versionName`) as messages show it
/// (`.version.versionName`).
pub fn dotted(pointer: &str) -> String {
    pointer.replace('/', ".")
}

/// A resource variable `<R>_<what>`.
fn var(r: &Resource, what: Var) -> Option<Vec<u8>> {
    r.var(what).map(|v| job::bytes(v).to_vec())
}

/// `<R>_<what>`, else the value at `pointer` (`/version/versionName`) in
/// the resource's version.json (`null` counts as absent).
fn var_or_version(r: &Resource, what: Var, pointer: &str) -> Result<Option<Vec<u8>>> {
    if let Some(v) = var(r, what) {
        return Ok(Some(v));
    }
    let Some(doc) = r.version_json()? else {
        return Ok(None);
    };
    let at = doc.pointer(pointer);
    r.env.trace(format_args!(
        "version.json {}: {}",
        dotted(pointer),
        job::masked_json(at, true)
    ));
    Ok(at.filter(|v| !v.is_null()).map(jq_text))
}

/// The resource's type: `$<R>_TYPE`, else `type` of its version.json;
/// `None` when neither says (or the value is empty).
pub fn resource_type(r: &Resource) -> Result<Option<String>> {
    Ok(var_or_version(r, Var::Type, "/type")?
        .filter(|t| !t.is_empty())
        .map(|t| String::from_utf8_lossy(&t).into_owned()))
}

/// sanitize_shippable_string: `text` with every character but `A-Z a-z
/// 0-9 _` removed ([`job::sanitize`]).
pub fn sanitize(text: &str, out: &mut dyn Write) -> Result<()> {
    writeln!(out, "{}", job::sanitize(text))?;
    Ok(())
}

/// to_uppercase: `text` upper-cased with full Unicode rules (`straße` →
/// `STRASSE`; spec §4).
pub fn to_uppercase(text: &str, out: &mut dyn Write) -> Result<()> {
    writeln!(out, "{}", text.to_uppercase())?;
    Ok(())
}

/// get_resource_name: the variable prefix `<R>` of resource `res`
/// ([`job::prefix`]).
pub fn resource_name(res: &str, out: &mut dyn Write) -> Result<()> {
    writeln!(out, "{}", job::prefix(res))?;
    Ok(())
}

/// get_resource_id, _operation, _type, _version_name/_id/_number.
pub fn resource_field(
    env: &JobEnv,
    res: &str,
    what: Var,
    pointer: &str,
    out: &mut dyn Write,
) -> Result<()> {
    let r = env.resource(res);
    let answer = var_or_version(&r, what, pointer)?;
    print(
        env,
        out,
        answer,
        &format!(
            "${} (or {} of version.json)",
            r.var_name(what),
            dotted(pointer)
        ),
    )
}

pub fn resource_meta(env: &JobEnv, res: &str, out: &mut dyn Write) -> Result<()> {
    let r = env.resource(res);
    let answer = match var(&r, Var::Meta) {
        Some(v) => Some(v),
        None => r
            .folder()
            .filter(|d| d.is_dir())
            .map(|d| crate::platform::path_text(&d).into_owned()),
    };
    print(
        env,
        out,
        answer,
        &format!("${} (or the resource folder)", r.var_name(Var::Meta)),
    )
}

pub fn resource_state(env: &JobEnv, res: &str, out: &mut dyn Write) -> Result<()> {
    let r = env.resource(res);
    let answer = state_path(&r)?;
    print(
        env,
        out,
        answer,
        &format!("${} (or <resource folder>/<type>)", r.var_name(Var::State)),
    )
}

/// A resource's state folder: `$<R>_STATE`, else `<folder>/<type>` when the
/// resource folder exists (`<type>` from `$<R>_TYPE`, else version.json).
pub fn state_path(r: &Resource) -> Result<Option<Vec<u8>>> {
    Ok(match var(r, Var::State) {
        Some(v) => Some(v),
        None => match r.folder().filter(|d| d.is_dir()) {
            None => None,
            Some(dir) => var_or_version(r, Var::Type, "/type")?
                .filter(|t| !t.is_empty())
                .map(|t| job::typed_folder(dir, &t)),
        },
    })
}

pub fn resource_env(env: &JobEnv, res: &str, name: &str, out: &mut dyn Write) -> Result<()> {
    let r = env.resource(res);
    let what = Var::Named(name);
    let answer = var(&r, what);
    print(env, out, answer, &format!("${}", r.var_name(what)))
}

pub fn params(env: &JobEnv, res: &str, key: &str, out: &mut dyn Write) -> Result<()> {
    let r = env.resource(res);
    let what = Var::Param(key);
    let answer = match var(&r, what) {
        Some(v) => Some(v),
        None => match r.version_json()? {
            None => None,
            Some(doc) => {
                let found = doc
                    .pointer("/version/propertyBag/params")
                    .and_then(|p| p.as_object())
                    .and_then(|p| {
                        let wanted = job::suffix(key);
                        p.get(key).or_else(|| {
                            p.iter()
                                .find(|(k, _)| job::suffix(k) == wanted)
                                .map(|(_, v)| v)
                        })
                    });
                r.env.trace(format_args!(
                    "version.json .version.propertyBag.params key {key:?}: {}",
                    job::masked_json(found, false)
                ));
                found.map(jq_text)
            }
        },
    };
    print(
        env,
        out,
        answer,
        &format!(
            "${} (or version.propertyBag.params of version.json)",
            r.var_name(what)
        ),
    )
}

/// Parse a §5 path given as an argument: a jq program or a bad path is a
/// usage error.
fn path_arg(path: &str) -> Result<Vec<Seg>> {
    json::parse_path(path).map_err(|e| exit::usage(format!("{path:?}: {e}")))
}

/// Print what a path selected (`null` for an absent key, unless strict),
/// as `get_json_value` prints it.
fn print_found(
    env: &JobEnv,
    out: &mut dyn Write,
    found: Option<&Value>,
    looked_for: &str,
) -> Result<()> {
    match found {
        Some(v) => json::write_value(&mut *out, v)?,
        None if env.strict => {
            return Err(exit::failure(format!("{looked_for} is absent")));
        }
        None => out.write_all(b"null\n")?,
    }
    Ok(())
}

/// A path of version.json, under `base`.
fn version_path(
    env: &JobEnv,
    res: &str,
    base: &[&str],
    key: &str,
    out: &mut dyn Write,
) -> Result<()> {
    let r = env.resource(res);
    let mut path: Vec<Seg> = base.iter().map(|k| Seg::Key(k.to_string())).collect();
    path.extend(path_arg(key)?);
    let file = r.file("version.json");
    let doc = job::required(r.version_json()?, &file)?;
    let found = json::select(&doc, &path).with_context(|| format!("in {}", file.shown()))?;
    // Named as jq would reach it: `.version.propertyBag.nokey`.
    let dot = if key.starts_with('[') { "" } else { "." };
    let shown = format!(".{}{dot}{key}", base.join("."));
    print_found(env, out, found, &format!("{shown} in {}", file.shown()))
}

pub fn version_key(env: &JobEnv, res: &str, key: &str, out: &mut dyn Write) -> Result<()> {
    let first = path_arg(key)?;
    let base: &[&str] = match first.first() {
        Some(Seg::Key(k))
            if matches!(k.as_str(), "versionName" | "versionId" | "versionNumber") =>
        {
            &["version"]
        }
        _ => &["version", "propertyBag"],
    };
    version_path(env, res, base, key, out)
}

pub fn pointer_key(env: &JobEnv, res: &str, key: &str, out: &mut dyn Write) -> Result<()> {
    version_path(env, res, &["propertyBag", "yml", "pointer"], key, out)
}

pub fn integration_resource(
    env: &JobEnv,
    res: &str,
    field: Option<&str>,
    out: &mut dyn Write,
) -> Result<()> {
    let r = env.resource(res);
    let file = r.file("integration.json");
    match field {
        None => {
            // A folder or FIFO in its place is an error, never a hang.
            let bytes = job::required(crate::fsutil::read_file(&file)?, &file)?;
            out.write_all(&bytes)?;
        }
        Some(field) => {
            let path = path_arg(field)?;
            let doc = job::required(r.integration_json()?, &file)?;
            let found =
                json::select(&doc, &path).with_context(|| format!("in {}", file.shown()))?;
            print_found(env, out, found, &format!("{field} in {}", file.shown()))?;
        }
    }
    Ok(())
}

/// Is this integration.json a key-value integration (§4)?
fn is_key_value(doc: &Result<Option<Value>>) -> bool {
    matches!(doc, Ok(Some(d)) if d.get("masterName").and_then(Value::as_str) == Some("keyValuePair"))
}

/// An integration field (§4): `$<R>_INTEGRATION_<K>`, else the key of
/// integration.json whose sanitized form is `<K>`. For key-value
/// integrations: `$KEY` exactly, then `$<R>_INTEGRATION_<K>`, then
/// `integration.json[KEY]`. `doc` is the integration.json as read once by the
/// caller (`r`'s, or the job integration's); a reading error counts only
/// when no variable answers.
pub fn integration_field(
    r: &Resource,
    doc: &Result<Option<Value>>,
    field: &str,
) -> Result<Option<Vec<u8>>> {
    let kv = is_key_value(doc);
    if kv && let Some(v) = r.env.var(field) {
        return Ok(Some(job::bytes(v).to_vec()));
    }
    if let Some(v) = var(r, Var::Integration(field)) {
        return Ok(Some(v));
    }
    let wanted = job::suffix(field);
    let doc = match doc {
        Ok(Some(doc)) => doc,
        Ok(None) => return Ok(None),
        Err(e) => return Err(job::copy_error(e)),
    };
    let obj = doc.as_object();
    let found = obj.and_then(|o| {
        o.get(field).or_else(|| match kv {
            true => None,
            false => o
                .iter()
                .find(|(k, _)| job::suffix(k) == wanted)
                .map(|(_, v)| v),
        })
    });
    r.env.trace(format_args!(
        "integration.json field {field:?}: {}",
        job::masked_json(found, true)
    ));
    Ok(found.filter(|v| !v.is_null()).map(jq_text))
}

pub fn integration_resource_field(
    env: &JobEnv,
    res: &str,
    field: &str,
    out: &mut dyn Write,
) -> Result<()> {
    let r = env.resource(res);
    let doc = r.integration_json();
    let answer = integration_field(&r, &doc, field)?;
    let looked_for = format!(
        "${} (or {} field {field:?})",
        r.var_name(Var::Integration(field)),
        r.file("integration.json").shown()
    );
    print(env, out, answer, &looked_for)
}

pub fn integration_resource_keys(env: &JobEnv, res: &str, out: &mut dyn Write) -> Result<()> {
    let file = env.resource(res).file("integration.env");
    print_keys(env, &file, out)
}

fn print_keys(env: &JobEnv, file: &Path, out: &mut dyn Write) -> Result<()> {
    for key in job::integration_env_keys(file, env)? {
        writeln!(out, "{key}")?;
    }
    Ok(())
}

/// `$JOB_INTEGRATIONS/<integration>`, the folder of an integration
/// attached to the job; unset, or a name that would leave it → usage error.
fn job_integration(env: &JobEnv, integration: &str) -> Result<std::path::PathBuf> {
    env.job_integration_folder(integration)?.ok_or_else(|| {
        exit::usage(format!(
            "$JOB_INTEGRATIONS is not set, so integration {integration:?} cannot be found"
        ))
    })
}

/// get_integration_keys: the keys of a job integration's integration.env.
pub fn job_integration_keys(env: &JobEnv, integration: &str, out: &mut dyn Write) -> Result<()> {
    let file = job_integration(env, integration)?.join("integration.env");
    print_keys(env, &file, out)
}

/// get_integration_field: a field of a job integration, looked up as a
/// resource's ([`integration_field`]) in its integration.json.
pub fn job_integration_field(
    env: &JobEnv,
    integration: &str,
    field: &str,
    out: &mut dyn Write,
) -> Result<()> {
    let file = job_integration(env, integration)?.join("integration.json");
    let doc = Ok(Some(job::required(
        job::read_json_file(&file, env)?,
        &file,
    )?));
    let r = env.resource(integration);
    let answer = integration_field(&r, &doc, field)?;
    let looked_for = format!(
        "${} (or {} field {field:?})",
        r.var_name(Var::Integration(field)),
        file.shown()
    );
    print(env, out, answer, &looked_for)
}

pub fn json_value(
    env: &JobEnv,
    file: &Path,
    path: Option<&str>,
    out: &mut dyn Write,
) -> Result<()> {
    let segs = match path {
        None | Some("") => Vec::new(),
        Some(p) => path_arg(p)?,
    };
    // Any bytes name the file (the shell passed them); shown as text.
    let shown = file.display();
    // The selected values are kept as the file's text and printed from it,
    // so even a huge selection never becomes a tree in memory.
    let results = if file == Path::new("-") {
        json::query(std::io::stdin().lock(), &segs)
            .map_err(|e| exit::failure(format!("standard input: {e:#}")))?
    } else {
        if file.is_dir() {
            return Err(exit::usage(format!("{shown} is a folder, not a JSON file")));
        }
        let f = match std::fs::File::open(file) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(exit::usage(format!("{shown} not found")));
            }
            Err(e) => return Err(e).with_context(|| format!("could not open {shown}")),
        };
        json::query(f, &segs).map_err(|e| exit::failure(format!("{shown}: {e:#}")))?
    };
    for found in results {
        match found {
            Some(text) => json::write_text(&mut *out, text)?,
            None if env.strict => {
                return Err(exit::failure(format!(
                    "{} is absent in {shown}",
                    path.unwrap_or(".")
                )));
            }
            None => out.write_all(b"null\n")?,
        }
    }
    Ok(())
}
