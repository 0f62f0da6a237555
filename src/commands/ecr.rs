//! `ecr_login` (issue 15): log in to Amazon ECR with the AWS credentials of a
//! resource, without the AWS CLI. The credentials and region are found by
//! `configure_aws`'s lookup ([`aws::lookup`], spec §6); the token comes from a
//! SigV4-signed `GetAuthorizationToken` ([`crate::aws::ecr`],
//! [`crate::aws::sigv4`]) over the HTTP client of `notify`; it ends as an
//! `auths` entry in docker's config.json (through the shared write path) or
//! as the bare password on stdout.
//!
//! No message holds the secret key, the session token or the password.

use crate::aws::{ecr, sigv4};
use crate::cli::EcrLogin;
use crate::commands::aws::{self, AwsCredentials};
use crate::commands::notify::http;
use crate::job::{JobEnv, Resource, Var};
use crate::platform::ShowPath;
use crate::{diag, exit, fsutil};
use anyhow::{Context, Result};
use serde::Serialize;
use serde_json::{Map, Value};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Attempts at most, for answers worth another try (5xx, throttling).
const ATTEMPTS: u32 = 3;
/// The wait before the second attempt; doubled before each next one.
const FIRST_BACKOFF: Duration = Duration::from_millis(500);
/// The most of AWS's message quoted in an error.
const QUOTE_CHARS: usize = 300;

pub fn login(env: &JobEnv, a: &EcrLogin, out: &mut dyn Write) -> Result<()> {
    let r = env.resource(&a.res);
    let given = match &a.registry {
        Some(reg) => Some(
            ecr::registry_host(reg)
                .ok_or_else(|| exit::usage(format!("--registry {reg:?} is not a registry host")))?,
        ),
        None => source_host(&r)?,
    };
    if a.remove
        && let Some(host) = &given
    {
        return remove(env, host);
    }
    let found = aws::lookup(env, &a.res, a.region.as_deref())?;
    let region = region(&r, &found, given.as_deref())?;
    let token = get_token(env, &found, &region)?;
    let host = match given {
        Some(h) => h,
        None => token
            .proxy_endpoint
            .as_deref()
            .and_then(ecr::registry_host)
            .ok_or_else(|| {
                exit::failure(format!(
                    "ECR gave no proxyEndpoint and resource {} names no registry: give --registry HOST",
                    a.res
                ))
            })?,
    };
    if a.remove {
        return remove(env, &host);
    }
    if a.print_password {
        writeln!(out, "{}", token.password)?;
        out.flush()?;
        diag::notice(format_args!(
            "password for {host} (user {}) printed; {}",
            token.user,
            expiry(token.expires_at)
        ));
        return Ok(());
    }
    let path = docker_config(env)?;
    // docker's `auth`: base64 of USER:PASSWORD.
    let auth = http::base64(format!("{}:{}", token.user, token.password).as_bytes());
    let done = update_config(
        &path,
        Edit::Set {
            host: &host,
            auth: &auth,
        },
    )?;
    for w in done.map(|d| d.warnings).unwrap_or_default() {
        diag::warn(format_args!("{}: {w}", path.shown()));
    }
    diag::notice(format_args!(
        "logged in to {host}: auths entry written to {}; {}",
        path.shown(),
        expiry(token.expires_at)
    ));
    Ok(())
}

/// The registry host of the resource's image name (`sourceName`):
/// `$<R>_SOURCENAME`, `$<R>_POINTER_SOURCENAME`, then version.json
/// `propertyBag.yml.pointer.sourceName`. `None` when there is none or it
/// names no registry host (a Docker Hub name).
fn source_host(r: &Resource) -> Result<Option<String>> {
    let mut name = [Var::SourceName, Var::PointerSourceName]
        .iter()
        .find_map(|v| r.var(*v).filter(|v| !v.is_empty()))
        .map(|v| v.to_string_lossy().into_owned());
    if name.is_none()
        && let Some(doc) = r.version_json()?
    {
        name = doc
            .pointer("/propertyBag/yml/pointer/sourceName")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string);
    }
    let host = name.as_deref().and_then(ecr::image_host);
    r.env.trace(format_args!(
        "sourceName of {}: {}",
        r.name,
        match (&name, &host) {
            (None, _) => "none".to_string(),
            (Some(_), None) => "names no registry host".to_string(),
            (Some(_), Some(h)) => format!("registry {h}"),
        }
    ));
    Ok(host)
}

/// The region: `configure_aws`'s (from `--region` on, checked there), else
/// the one in an ECR registry host name. A region that differs from the
/// registry's is warned about (the token would not open that registry).
fn region(r: &Resource, found: &AwsCredentials, host: Option<&str>) -> Result<String> {
    let of_host = host.and_then(ecr::region_of_host);
    let region = match (&found.region, &of_host) {
        (Some(region), _) => region.clone(),
        (None, Some(region)) if aws::is_region_name(region) => region.clone(),
        _ => {
            return Err(exit::failure(format!(
                "no AWS region for resource {}: tried {} and the registry host; give --region",
                r.name,
                aws::region_sources(r)
            )));
        }
    };
    if let (Some(host), Some(h)) = (host, &of_host)
        && *h != region
    {
        diag::warn(format_args!(
            "the registry {host} is in region {h} but the token is asked for in {region}; \
             docker may be refused (give --region {h})"
        ));
    }
    Ok(region)
}

/// `GetAuthorizationToken`, signed, with up to [`ATTEMPTS`] tries for
/// 5xx and throttling answers.
fn get_token(env: &JobEnv, found: &AwsCredentials, region: &str) -> Result<ecr::Token> {
    let var = |k: &str| env.raw(k).map(|v| v.to_string_lossy().into_owned());
    let endpoint = ecr::endpoint(region, &var).map_err(exit::failure)?;
    let place = match endpoint.from {
        Some(var) => format!("{} (${var})", http::host_of(&endpoint.url)),
        None => endpoint.host.clone(),
    };
    env.trace(format_args!("ECR endpoint: {place}"));
    let client = http::Client::with_timeout(env, http::timeout_from(env, "SHIPCTL_AWS_TIMEOUT")?)?;
    let creds = sigv4::Credentials {
        key_id: &found.key_id,
        secret: &found.secret,
        token: found.token.as_deref(),
    };
    let secrets: Vec<&str> = [Some(found.secret.as_str()), found.token.as_deref()]
        .into_iter()
        .flatten()
        .collect();
    let headers = ecr::request_headers(&endpoint.host);
    let mut backoff = FIRST_BACKOFF;
    for attempt in 1..=ATTEMPTS {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let request = sigv4::Request {
            method: "POST",
            path: &endpoint.path,
            query: &[],
            headers: &headers,
            body: ecr::BODY,
        };
        let signed = sigv4::sign(&request, &creds, region, ecr::SERVICE, now);
        // Content-Type goes with the body.
        let send: Vec<(&str, String)> = headers
            .iter()
            .filter(|(k, _)| k != "Content-Type")
            .map(|(k, v)| (k.as_str(), v.clone()))
            .chain(signed.headers)
            .collect();
        let body = http::Body {
            content_type: ecr::CONTENT_TYPE.into(),
            bytes: ecr::BODY.to_vec(),
        };
        let reply = client
            .exchange(&endpoint.url, &send, Some(body))
            .with_context(|| format!("ECR GetAuthorizationToken at {place}"))?;
        if reply.status < 300 {
            return ecr::parse_token(&reply.body)
                .map_err(|e| exit::failure(format!("ECR GetAuthorizationToken at {place}: {e}")));
        }
        let err = ecr::parse_error(reply.status, &reply.body);
        let retry = reply.status >= 500
            || reply.status == 429
            || ["Throttl", "TooManyRequests", "RequestLimitExceeded"]
                .iter()
                .any(|c| err.code.contains(c));
        if retry && attempt < ATTEMPTS {
            diag::notice(format_args!(
                "ECR at {place} answered HTTP {} {}; trying again in {} ms",
                reply.status,
                err.code,
                backoff.as_millis()
            ));
            std::thread::sleep(backoff);
            backoff *= 2;
            continue;
        }
        let message: String = http::redact(&err.message, &secrets)
            .chars()
            .take(QUOTE_CHARS)
            .collect();
        let message = message.replace(['\n', '\r'], " ");
        let request_id = reply
            .headers
            .iter()
            .find(|(k, _)| k == "x-amzn-requestid")
            .map(|(_, v)| format!(" (request id {v})"))
            .unwrap_or_default();
        return Err(exit::failure(format!(
            "ECR GetAuthorizationToken at {place} failed: HTTP {} {}{}{request_id}",
            reply.status,
            http::redact(&err.code, &secrets),
            match message.is_empty() {
                true => String::new(),
                false => format!(": {message}"),
            }
        )));
    }
    unreachable!("the last attempt returns")
}

/// `expires at 2025-01-01T12:00:00Z (in 12 h 0 min)` for the notice.
fn expiry(expires_at: Option<f64>) -> String {
    let Some(at) = expires_at.filter(|t| t.is_finite()) else {
        return "ECR gave no expiry time".into();
    };
    let at = at.max(0.0) as u64;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let when = sigv4::rfc3339(at);
    match at.checked_sub(now) {
        Some(left) if left > 0 => format!(
            "the token expires at {when} (in {} h {} min)",
            left / 3600,
            left % 3600 / 60
        ),
        _ => format!("the token expired at {when}, before now: is the clock right?"),
    }
}

/// docker's config.json: `$DOCKER_CONFIG/config.json` (a variable set to
/// the empty string counts as unset, as in docker), else
/// `~/.docker/config.json` with `~` from `$HOME`.
fn docker_config(env: &JobEnv) -> Result<PathBuf> {
    if let Some(dir) = env.path_var("DOCKER_CONFIG") {
        return Ok(dir.join("config.json"));
    }
    let home = env
        .home()
        .ok_or_else(|| exit::failure("no home folder found for ~/.docker/config.json"))?;
    Ok(home.join(".docker").join("config.json"))
}

/// Read config.json under its lock, let `edit` change the document, and
/// write it back through the shared write path when it changed (links
/// followed, a loop or a FIFO, socket, device or folder refused before
/// anything is read; a new file 0600 in a new 0700 folder with `create`; an
/// existing one keeps its mode; a bind-mounted file is written in place).
/// Removing from a missing file leaves it missing (`None`). A file that is
/// not a JSON object (an empty one is `{}`, as docker reads it) is refused
/// and left untouched.
fn update_config(path: &Path, edit: Edit) -> Result<Option<Done>> {
    let create = matches!(edit, Edit::Set { .. });
    let target = fsutil::Target::resolve(path)?;
    target.check_file()?;
    if !target.exists() && !create {
        return Ok(None);
    }
    fsutil::create_folder(target.folder(), Some(0o700))?;
    let _lock = fsutil::lock_beside(path)?;
    // Again under the lock: another writer may have changed it.
    let target = fsutil::Target::resolve(path)?;
    let old = target.read()?;
    if old.is_none() && !create {
        return Ok(None);
    }
    let mut doc = parse_config(old.as_deref().unwrap_or(b"")).map_err(|e| {
        exit::failure(format!(
            "{}: {e}; fix or remove that file first (nothing was changed)",
            path.shown()
        ))
    })?;
    let done = match edit {
        Edit::Set { host, auth } => Done {
            warnings: set_auth(&mut doc, host, auth)?,
            removed: 0,
        },
        Edit::Remove { host } => Done {
            warnings: Vec::new(),
            removed: remove_auth(&mut doc, host),
        },
    };
    let new = render_config(&doc, old.as_deref());
    if old.as_deref() != Some(new.as_slice()) {
        target.write(&new, fsutil::WriteOptions::PRIVATE)?;
    }
    Ok(Some(done))
}

/// What to do to docker's config.json.
enum Edit<'a> {
    /// Set `auths.<host>` (the file and folder are created when missing).
    Set { host: &'a str, auth: &'a str },
    /// Remove the entry of `host`.
    Remove { host: &'a str },
}

/// What an edit did.
struct Done {
    /// Why docker may not use the entry.
    warnings: Vec<String>,
    /// How many entries went.
    removed: usize,
}

/// The document of a config.json: empty or blank is `{}` (as docker reads
/// it); anything else must be a JSON object.
fn parse_config(text: &[u8]) -> std::result::Result<Map<String, Value>, String> {
    if text.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match crate::json::parse(text) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err("not a JSON object".into()),
        Err(e) => Err(format!("malformed JSON ({e:#})")),
    }
}

/// The document as docker writes it (`MarshalIndent` with a tab, no final
/// newline) — or with the indentation and final newline of the file it
/// replaces, so that an edit changes only what it must.
fn render_config(doc: &Map<String, Value>, old: Option<&[u8]>) -> Vec<u8> {
    let old = old.unwrap_or(b"");
    let indent: Vec<u8> = old
        .split(|&b| b == b'\n')
        .skip(1)
        .map(|line| {
            line.iter()
                .take_while(|&&b| b == b' ' || b == b'\t')
                .copied()
                .collect::<Vec<u8>>()
        })
        .find(|ws| !ws.is_empty())
        .unwrap_or_else(|| b"\t".to_vec());
    let mut out = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(&indent);
    let mut ser = serde_json::Serializer::with_formatter(&mut out, formatter);
    // Serializing a Value into memory cannot fail.
    let _ = doc.serialize(&mut ser);
    if old.ends_with(b"\n") {
        out.push(b'\n');
    }
    out
}

/// Set `auths.<host>` to `{"auth": …}` (docker's own entry: the whole entry
/// is replaced, its place kept). Returns warnings about settings that make
/// docker ignore the entry.
fn set_auth(doc: &mut Map<String, Value>, host: &str, auth: &str) -> Result<Vec<String>> {
    let auths = doc
        .entry("auths")
        .or_insert_with(|| Value::Object(Map::new()));
    if auths.is_null() {
        *auths = Value::Object(Map::new());
    }
    let Value::Object(auths) = auths else {
        return Err(exit::failure(
            "\"auths\" in docker's config.json is not an object; fix or remove it first (nothing was changed)",
        ));
    };
    let mut entry = Map::new();
    entry.insert("auth".into(), Value::from(auth));
    auths.insert(host.to_string(), Value::Object(entry));
    let mut warnings = Vec::new();
    let helper = doc
        .get("credHelpers")
        .and_then(|h| h.get(host))
        .and_then(Value::as_str);
    let store = doc
        .get("credsStore")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty());
    if let Some(h) = helper {
        warnings.push(format!(
            "credHelpers sends {host} to docker-credential-{h}: docker will not use the auths \
             entry written here (remove that credHelpers entry, or log in with \
             --print-password | docker login)"
        ));
    } else if let Some(s) = store {
        warnings.push(format!(
            "credsStore is {s:?}: docker asks docker-credential-{s} and will not use the auths \
             entry written here (remove credsStore, or log in with --print-password | docker login)"
        ));
    }
    Ok(warnings)
}

/// Remove the entry of `host` from `auths` — with the `http://` and
/// `https://` spellings older docker versions wrote, as `docker logout`
/// does — and nothing else. Returns how many entries went.
fn remove_auth(doc: &mut Map<String, Value>, host: &str) -> usize {
    let Some(Value::Object(auths)) = doc.get_mut("auths") else {
        return 0;
    };
    [
        host.to_string(),
        format!("http://{host}"),
        format!("https://{host}"),
    ]
    .iter()
    .filter(|k| auths.shift_remove(k.as_str()).is_some())
    .count()
}

fn remove(env: &JobEnv, host: &str) -> Result<()> {
    let path = docker_config(env)?;
    let done = update_config(&path, Edit::Remove { host })?;
    match done.map(|d| d.removed) {
        Some(n) if n > 0 => diag::notice(format_args!(
            "auths entry for {host} removed from {}",
            path.shown()
        )),
        _ => diag::notice(format_args!(
            "no auths entry for {host} in {}; nothing to remove",
            path.shown()
        )),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> Map<String, Value> {
        parse_config(text.as_bytes()).unwrap()
    }

    #[test]
    fn sets_the_entry_and_keeps_the_rest_in_order() {
        let old = "{\n  \"z\": 1.50,\n  \"auths\": {\n    \"a\": {},\n    \"h\": {\"auth\": \"old\", \"email\": \"e\"},\n    \"b\": {}\n  },\n  \"c\": [true]\n}\n";
        let mut d = doc(old);
        let w = set_auth(&mut d, "h", "TkVX").unwrap();
        assert!(w.is_empty());
        let new = String::from_utf8(render_config(&d, Some(old.as_bytes()))).unwrap();
        assert_eq!(
            new,
            "{\n  \"z\": 1.50,\n  \"auths\": {\n    \"a\": {},\n    \"h\": {\n      \"auth\": \"TkVX\"\n    },\n    \"b\": {}\n  },\n  \"c\": [\n    true\n  ]\n}\n"
        );
    }

    #[test]
    fn a_new_file_is_written_as_docker_writes_it() {
        let mut d = doc("");
        set_auth(&mut d, "h:5000", "QQ==").unwrap();
        assert_eq!(
            render_config(&d, None),
            b"{\n\t\"auths\": {\n\t\t\"h:5000\": {\n\t\t\t\"auth\": \"QQ==\"\n\t\t}\n\t}\n}"
        );
        let mut d = doc(r#"{"auths": null, "x": 1}"#);
        set_auth(&mut d, "h", "QQ==").unwrap();
        assert_eq!(
            serde_json::to_string(&d).unwrap(),
            r#"{"auths":{"h":{"auth":"QQ=="}},"x":1}"#
        );
    }

    #[test]
    fn refuses_what_is_not_a_config() {
        assert!(parse_config(b"[]").is_err());
        assert!(parse_config(b"{").is_err());
        assert!(parse_config(b" \n").unwrap().is_empty());
        let mut d = doc(r#"{"auths": "x"}"#);
        assert!(set_auth(&mut d, "h", "QQ==").is_err());
    }

    #[test]
    fn warns_about_helpers() {
        let mut d = doc(r#"{"credsStore": "desktop"}"#);
        let w = set_auth(&mut d, "h", "QQ==").unwrap();
        assert_eq!(w.len(), 1);
        assert!(w[0].contains("credsStore is \"desktop\""), "{}", w[0]);
        let mut d = doc(r#"{"credsStore": "desktop", "credHelpers": {"h": "ecr-login"}}"#);
        let w = set_auth(&mut d, "h", "QQ==").unwrap();
        assert!(w[0].contains("docker-credential-ecr-login"), "{}", w[0]);
        let mut d = doc(r#"{"credsStore": "", "credHelpers": {"other": "x"}}"#);
        assert!(set_auth(&mut d, "h", "QQ==").unwrap().is_empty());
    }

    #[test]
    fn removes_only_that_registry() {
        let mut d = doc(
            r#"{"auths": {"a": {}, "https://h": {}, "h": {}, "h:1": {}, "http://h": {}, "z": {}}, "k": 1}"#,
        );
        assert_eq!(remove_auth(&mut d, "h"), 3);
        assert_eq!(
            serde_json::to_string(&d).unwrap(),
            r#"{"auths":{"a":{},"h:1":{},"z":{}},"k":1}"#
        );
        assert_eq!(remove_auth(&mut d, "h"), 0);
        assert_eq!(remove_auth(&mut doc("{}"), "h"), 0);
    }

    #[test]
    fn expiry_words() {
        assert_eq!(expiry(None), "ECR gave no expiry time");
        assert!(expiry(Some(1.0e9)).starts_with("the token expired at 2001-09-09T01:46:40Z"));
        let later = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs_f64()
            + 12.0 * 3600.0
            + 90.0;
        assert!(
            expiry(Some(later)).ends_with("(in 12 h 1 min)"),
            "{}",
            expiry(Some(later))
        );
    }
}
