//! `configure_aws` and `aws_env` (spec §6): the credentials of an AWS
//! integration resource, written as an AWS CLI profile or printed as
//! environment variables.
//!
//! Secrets never appear in a message: errors name fields and files only.

use crate::aws::{self, AwsFiles, Edits, ini};
use crate::cli::{AwsEnv, AwsEnvFormat, ConfigureAws, ShellFormat};
use crate::commands::get;
use crate::job::{JobEnv, Resource, Var};
use crate::platform::ShowPath;
use crate::{diag, eval, exit};
use anyhow::Result;
use serde_json::Value;
use std::io::Write;

const KEY_ID_FIELDS: [&str; 3] = ["accessKey", "aws_access_key_id", "accessKeyId"];
const SECRET_FIELDS: [&str; 3] = ["secretKey", "aws_secret_access_key", "secretAccessKey"];
const TOKEN_FIELDS: [&str; 2] = ["sessionToken", "aws_session_token"];

/// The credentials and region of an AWS integration resource, as §6 finds
/// them. Shared by every command that uses a resource's AWS credentials
/// (`configure_aws`, `aws_env`, `ecr_login`).
pub struct AwsCredentials {
    pub key_id: String,
    pub secret: String,
    /// `None` when the integration has no (or an empty) session token.
    pub token: Option<String>,
    /// `None` when no region was found anywhere (see [`lookup`]).
    pub region: Option<String>,
}

impl std::fmt::Debug for AwsCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AwsCredentials")
            .field("key_id", &self.key_id)
            .field("secret", &"<redacted>")
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("region", &self.region)
            .finish()
    }
}

/// The first of `fields` that is set and not empty (§4 lookup of each).
fn first_field(
    r: &Resource,
    doc: &Result<Option<Value>>,
    fields: &[&str],
) -> Result<Option<String>> {
    for field in fields {
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
        .map(|f| format!("${}", r.var_name(Var::Integration(f))))
        .collect();
    format!(
        "{} and the fields {} of {}",
        vars.join(", "),
        fields.join(", "),
        r.file("integration.json").shown()
    )
}

/// [`is_region_name`] in words, for messages.
const REGION_RULE: &str =
    "letters, digits and '-', not only digits, no '-' at either end, e.g. eu-west-1";

/// botocore's rule for a region name (`botocore.utils.validate_region_name`,
/// a host label): 1 to 63 ASCII letters, digits and `-`, not starting or
/// ending with `-`, not all digits.
pub fn is_region_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.bytes().all(|b| b.is_ascii_digit())
}

/// Every place the region is looked for, in order, for messages.
pub fn region_sources(r: &Resource) -> String {
    format!(
        "--region, ${}, {} .version.propertyBag.region and .propertyBag.yml.pointer.region, \
         ${}, {} .region",
        r.var_name(Var::PointerRegion),
        r.file("version.json").shown(),
        r.var_name(Var::Integration("region")),
        r.file("integration.json").shown()
    )
}

/// The region (§6): `given` (`--region`; not a region name → usage error),
/// `$<R>_POINTER_REGION`, version.json `version.propertyBag.region`, then
/// `propertyBag.yml.pointer.region`, then the integration's own `region`
/// field (`$<R>_INTEGRATION_REGION`, then integration.json). A found value
/// that is not a region name is an error (exit 1) naming where it was found.
fn region(
    r: &Resource,
    doc: &Result<Option<Value>>,
    given: Option<&str>,
) -> Result<Option<String>> {
    if let Some(g) = given {
        if !is_region_name(g) {
            return Err(exit::usage(format!(
                "--region {g:?} is not a region name ({REGION_RULE})"
            )));
        }
        return Ok(Some(g.to_string()));
    }
    let checked = |value: String, source: String| -> Result<Option<String>> {
        if is_region_name(&value) {
            Ok(Some(value))
        } else {
            Err(exit::failure(format!(
                "the region {value:?} in {source} is not a region name ({REGION_RULE}); \
                 nothing was written"
            )))
        }
    };
    if let Some(v) = r.var(Var::PointerRegion).filter(|v| !v.is_empty()) {
        let source = format!("${}", r.var_name(Var::PointerRegion));
        return checked(v.to_string_lossy().into_owned(), source);
    }
    if let Some(doc) = r.version_json()? {
        for pointer in [
            "/version/propertyBag/region",
            "/propertyBag/yml/pointer/region",
        ] {
            let found = doc
                .pointer(pointer)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty());
            r.env.trace(format_args!(
                "version.json {}: {}",
                get::dotted(pointer),
                if found.is_some() { "found" } else { "absent" }
            ));
            if let Some(s) = found {
                let source = format!(
                    "{} {}",
                    r.file("version.json").shown(),
                    get::dotted(pointer)
                );
                return checked(s.to_string(), source);
            }
        }
    }
    match first_field(r, doc, &["region"])? {
        Some(v) => {
            let source = format!(
                "${} or {} .region",
                r.var_name(Var::Integration("region")),
                r.file("integration.json").shown()
            );
            checked(v, source)
        }
        None => Ok(None),
    }
}

/// The credentials and region of resource `res` (§6): key id, secret and
/// optional token from the integration fields, the region as [`region`]
/// finds it (`given` is `--region`). A missing key id or secret is an error
/// (exit 1) naming every place tried; no message contains a secret.
pub fn lookup(env: &JobEnv, res: &str, given_region: Option<&str>) -> Result<AwsCredentials> {
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
    let region = region(&r, &doc, given_region)?;
    Ok(AwsCredentials {
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
    if let Some(g) = a.region.as_deref().filter(|g| !is_region_name(g)) {
        return Err(exit::usage(format!(
            "--region {g:?} is not a region name ({REGION_RULE})"
        )));
    }
    let files = AwsFiles::locate(env)?;
    if a.remove {
        return remove(&files, profile);
    }
    let found = lookup(env, &a.res, a.region.as_deref())?;
    let creds = ini::Credentials {
        key_id: &found.key_id,
        secret: &found.secret,
        token: found.token.as_deref(),
    };
    let mut overriding = Vec::new();
    aws::update(&files, true, |texts| {
        let (credentials, config) = ini::write_profile(
            texts.credentials.as_deref().unwrap_or(""),
            texts.config.as_deref().unwrap_or(""),
            profile,
            &creds,
            found.region.as_deref(),
        )
        .map_err(refused)?;
        overriding = ini::resolve(&credentials, &config, profile)
            .map_err(refused)?
            .overriding;
        Ok(Edits {
            credentials: Some(credentials),
            config: found.region.is_some().then_some(config),
        })
    })?;
    if !overriding.is_empty() {
        diag::warn(format_args!(
            "profile {profile:?} also has {} (in {} or {}): botocore uses that before the keys \
             written",
            overriding.join(", "),
            files.credentials.shown(),
            files.config.shown()
        ));
    }
    if let (Some(r), Some(v)) = (&found.region, env.raw("AWS_DEFAULT_REGION"))
        && !v.is_empty()
        && v != r.as_str()
    {
        diag::warn(format_args!(
            "AWS_DEFAULT_REGION is set in the environment: it wins over the region {r} \
             written for profile {profile:?}"
        ));
    }
    if env.raw("AWS_ACCESS_KEY_ID").is_some_and(|v| !v.is_empty()) {
        diag::warn(format_args!(
            "AWS_ACCESS_KEY_ID is set in the environment: it wins over profile {profile:?} \
             unless commands use --profile {profile}"
        ));
    }
    // botocore takes AWS_PROFILE, else the older AWS_DEFAULT_PROFILE.
    let chosen = ["AWS_PROFILE", "AWS_DEFAULT_PROFILE"]
        .into_iter()
        .find_map(|k| env.raw(k).filter(|v| !v.is_empty()).map(|v| (k, v)));
    if let Some((var, other)) = chosen
        && other != profile
    {
        diag::warn(format_args!(
            "{var} is set to {:?} in the environment: aws commands use that profile, \
             not {profile:?}, unless they pass --profile {profile}",
            other.to_string_lossy()
        ));
    }
    if found.region.is_none() {
        diag::warn(format_args!(
            "no region written for profile {profile:?}: resource {} has none (looked at {}); \
             give one with --region NAME",
            a.res,
            region_sources(&env.resource(&a.res))
        ));
    }
    diag::notice(format_args!(
        "AWS profile {profile:?} written to {}{}",
        files.credentials.shown(),
        match found.region {
            Some(_) => format!(" and {}", files.config.shown()),
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
            files.credentials.shown(),
            files.config.shown()
        ));
    } else {
        diag::notice(format_args!(
            "AWS profile {profile:?} removed ({removed} section{})",
            if removed == 1 { "" } else { "s" }
        ));
    }
    Ok(())
}

pub fn env_vars(env: &JobEnv, a: &AwsEnv, out: &mut dyn Write) -> Result<()> {
    let found = lookup(env, &a.res, None)?;
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
                    writeln!(out, "{name}={}", crate::job::env_file_value(v))?;
                }
                continue;
            }
            AwsEnvFormat::Json => continue,
        };
        out.write_all(&eval::assignment(shell, name, value.map(str::as_bytes)))?;
    }
    Ok(())
}
