//! `configure_aws` and `aws_env` (spec §6): the credentials of an AWS
//! integration resource, written as an AWS CLI profile or printed as
//! environment variables.
//!
//! Secrets never appear in a message: errors name fields and files only.

use crate::aws::{self, AwsFiles, Edits, ini};
use crate::cli::{AwsEnv, AwsEnvFormat, ConfigureAws, ShellFormat};
use crate::commands::get;
use crate::job::{JobEnv, Resource};
use crate::{diag, eval, exit};
use anyhow::Result;
use serde_json::Value;
use std::io::Write;

const KEY_ID_FIELDS: [&str; 3] = ["accessKey", "aws_access_key_id", "accessKeyId"];
const SECRET_FIELDS: [&str; 3] = ["secretKey", "aws_secret_access_key", "secretAccessKey"];
const TOKEN_FIELDS: [&str; 2] = ["sessionToken", "aws_session_token"];

/// What §6 finds for a resource.
pub struct Found {
    pub key_id: String,
    pub secret: String,
    pub token: Option<String>,
    pub region: Option<String>,
}

/// The first of `fields` that is set and not empty (§4 lookup of each).
fn first_field(
    r: &Resource,
    doc: &Result<Option<Value>>,
    fields: &[&str],
) -> Result<Option<String>> {
    for field in fields {
        let doc = match doc {
            Ok(d) => Ok(d.clone()),
            Err(e) => Err(anyhow::anyhow!("{e:#}")),
        };
        let Some(bytes) = get::integration_field(r, doc, field)? else {
            continue;
        };
        if bytes.is_empty() {
            continue;
        }
        let value = String::from_utf8(bytes).map_err(|_| {
            exit::failure(format!(
                "the {field} of resource {} is not valid UTF-8",
                r.name
            ))
        })?;
        if value.contains(['\n', '\r']) {
            return Err(exit::failure(format!(
                "the {field} of resource {} contains a newline or carriage return",
                r.name
            )));
        }
        return Ok(Some(value));
    }
    Ok(None)
}

/// Where a field was looked for, for "not found" messages.
fn tried(r: &Resource, fields: &[&str]) -> String {
    let vars: Vec<String> = fields
        .iter()
        .map(|f| {
            format!(
                "${}",
                r.var_name(&format!("INTEGRATION_{}", crate::job::suffix(f)))
            )
        })
        .collect();
    format!(
        "{} and the fields {} of {}",
        vars.join(", "),
        fields.join(", "),
        r.file("integration.json").display()
    )
}

/// The region: `--region`, `$<R>_POINTER_REGION`, version.json
/// `version.propertyBag.region`, then `propertyBag.yml.pointer.region`.
fn region(r: &Resource, given: Option<&str>) -> Result<Option<String>> {
    if let Some(g) = given {
        return Ok(Some(g.to_string()));
    }
    if let Some(v) = r.var("POINTER_REGION").filter(|v| !v.is_empty()) {
        return Ok(Some(v.to_string_lossy().into_owned()));
    }
    let Some(doc) = r.version_json()? else {
        return Ok(None);
    };
    for path in [
        &["version", "propertyBag", "region"][..],
        &["propertyBag", "yml", "pointer", "region"][..],
    ] {
        let found = path
            .iter()
            .try_fold(&doc, |v, k| v.as_object()?.get(*k))
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty());
        r.env.trace(format_args!(
            "version.json .{}: {}",
            path.join("."),
            if found.is_some() { "found" } else { "absent" }
        ));
        if let Some(s) = found {
            return Ok(Some(s.to_string()));
        }
    }
    Ok(None)
}

/// The credentials and region of resource `res` (spec §6), the one lookup
/// of `configure_aws`, `aws_env` and `ecr_login`. Missing key id or secret:
/// exit 1 naming the variables and fields tried.
pub fn find(env: &JobEnv, res: &str, given_region: Option<&str>) -> Result<Found> {
    let r = env.resource(res);
    let doc = r.integration_json();
    let key_id = first_field(&r, &doc, &KEY_ID_FIELDS)?;
    let secret = first_field(&r, &doc, &SECRET_FIELDS)?;
    let (Some(key_id), Some(secret)) = (key_id.clone(), secret) else {
        let (what, fields) = match key_id {
            None => ("key id", &KEY_ID_FIELDS[..]),
            Some(_) => ("secret key", &SECRET_FIELDS[..]),
        };
        return Err(exit::failure(format!(
            "no AWS {what} for resource {res}: tried {}; nothing was written",
            tried(&r, fields)
        )));
    };
    let token = first_field(&r, &doc, &TOKEN_FIELDS)?;
    let region = region(&r, given_region)?;
    Ok(Found {
        key_id,
        secret,
        token,
        region,
    })
}

/// A value the editor refuses (it names the key only), as exit 1.
fn refused(e: ini::IniError) -> anyhow::Error {
    exit::failure(e.to_string())
}

pub fn configure(env: &JobEnv, a: &ConfigureAws) -> Result<()> {
    let profile = a.profile.as_deref().unwrap_or("default");
    ini::validate_profile_name(profile).map_err(|e| exit::usage(e.to_string()))?;
    let files = AwsFiles::locate(env)?;
    if a.remove {
        return remove(&files, profile);
    }
    let found = find(env, &a.res, a.region.as_deref())?;
    let creds = ini::Credentials {
        key_id: &found.key_id,
        secret: &found.secret,
        token: found.token.as_deref(),
    };
    aws::update(&files, true, |texts| {
        let old = texts.credentials.as_deref().unwrap_or("");
        let credentials = ini::set_credentials(old, profile, &creds).map_err(refused)?;
        let config = match &found.region {
            Some(region) => {
                let old = texts.config.as_deref().unwrap_or("");
                let kind = ini::FileKind::Config;
                Some(ini::set(old, kind, profile, "region", region).map_err(refused)?)
            }
            None => None,
        };
        Ok(Edits {
            credentials: Some(credentials),
            config,
        })
    })?;
    if env.raw("AWS_ACCESS_KEY_ID").is_some_and(|v| !v.is_empty()) {
        diag::warn(format_args!(
            "AWS_ACCESS_KEY_ID is set in the environment: it wins over profile {profile:?} \
             unless commands use --profile {profile}"
        ));
    }
    diag::notice(format_args!(
        "AWS profile {profile:?} written to {}{}",
        files.credentials.display(),
        match found.region {
            Some(_) => format!(" and {}", files.config.display()),
            None => String::new(),
        }
    ));
    Ok(())
}

fn remove(files: &AwsFiles, profile: &str) -> Result<()> {
    let mut removed = 0;
    aws::update(files, false, |texts| {
        let mut edit = |text: &Option<String>, kind| -> Result<Option<String>> {
            let Some(text) = text else { return Ok(None) };
            let (out, n) = ini::remove(text, kind, profile).map_err(refused)?;
            removed += n;
            Ok(Some(out))
        };
        Ok(Edits {
            credentials: edit(&texts.credentials, ini::FileKind::Credentials)?,
            config: edit(&texts.config, ini::FileKind::Config)?,
        })
    })?;
    if removed == 0 {
        diag::notice(format_args!(
            "AWS profile {profile:?} not found in {} or {}; nothing to remove",
            files.credentials.display(),
            files.config.display()
        ));
    } else {
        diag::notice(format_args!(
            "AWS profile {profile:?} removed ({removed} section{})",
            if removed == 1 { "" } else { "s" }
        ));
    }
    Ok(())
}

/// `"…"` with `\ " $ `` ` escaped: the `KEY="VALUE"` format of
/// integration.env, which `shipctl --env-file` reads back.
fn dotenv_quote(v: &str) -> String {
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

pub fn env_vars(env: &JobEnv, a: &AwsEnv, out: &mut dyn Write) -> Result<()> {
    let found = find(env, &a.res, None)?;
    let f = a.format;
    if let AwsEnvFormat::Json = f {
        let mut doc = serde_json::Map::new();
        doc.insert("Version".into(), Value::from(1));
        doc.insert("AccessKeyId".into(), Value::from(found.key_id));
        doc.insert("SecretAccessKey".into(), Value::from(found.secret));
        if let Some(t) = found.token {
            doc.insert("SessionToken".into(), Value::from(t));
        }
        serde_json::to_writer(&mut *out, &Value::Object(doc))?;
        out.write_all(b"\n")?;
        return Ok(());
    }
    let mut vars = vec![
        ("AWS_ACCESS_KEY_ID", Some(found.key_id.as_str())),
        ("AWS_SECRET_ACCESS_KEY", Some(found.secret.as_str())),
        // Without a token, an old one in the shell would spoil the new keys.
        ("AWS_SESSION_TOKEN", found.token.as_deref()),
        ("AWS_SECURITY_TOKEN", None),
    ];
    if let Some(r) = found.region.as_deref() {
        vars.push(("AWS_REGION", Some(r)));
        vars.push(("AWS_DEFAULT_REGION", Some(r)));
    }
    for (name, value) in vars {
        let shell = match f {
            AwsEnvFormat::Sh => ShellFormat::Sh,
            AwsEnvFormat::Fish => ShellFormat::Fish,
            AwsEnvFormat::Powershell => ShellFormat::Powershell,
            AwsEnvFormat::Dotenv => {
                if let Some(v) = value {
                    writeln!(out, "{name}={}", dotenv_quote(v))?;
                }
                continue;
            }
            AwsEnvFormat::Json => continue,
        };
        out.write_all(&eval::assignment(shell, name, value.map(str::as_bytes)))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        assert_eq!(dotenv_quote("a\"$`\\b"), r#""a\"\$\`\\b""#);
    }
}
