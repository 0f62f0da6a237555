//! `notify RES [OPTIONS]`: send a message through a notification resource
//! (Slack, generic webhook, IRC, NewRelic, Airbrake, Jira). See
//! `../shared/spec/NOTIFY.md`.
//!
//! Options are defined with the other arguments in `cli.rs` (real scripts
//! spell them `--name=value`, `--name value`, `-name value`/`-name=value`;
//! `cli::prepare_args` gives clap the two-dash form). Bodies are built with serde_json,
//! so every value is escaped; the original glued strings together.

pub mod http;
pub mod irc;

use crate::commands::get::integration_field;
use crate::diag;
use crate::exit;
use crate::job::{JobEnv, Resource, Var};
use anyhow::Result;
use http::{Body, Client};
use serde_json::{Value, json};
use std::io::Write;
use std::path::Path;

// ---------------------------------------------------------------------------
// Options

/// The options of `notify`, as given on the command line (`None`: not
/// given) or, after [`Options::with_env`], with the `NOTIFY_*` defaults
/// filled in. Defined, with their names and variables, in `cli.rs`.
pub use crate::cli::NotifyOptions as Options;

impl Options {
    /// Fill every option not given from its `NOTIFY_*` variable (an empty
    /// variable counts as unset, as in the original).
    pub fn with_env(mut self, env: &JobEnv) -> Options {
        for (_, var, value) in self.slots() {
            if let (None, Some(var)) = (&value, var) {
                *value = env
                    .var(var)
                    .filter(|v| !v.is_empty())
                    .map(|v| v.to_string_lossy().into_owned());
            }
        }
        self
    }
}

/// An option's value, `None` when unset or empty.
fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().filter(|v| !v.is_empty())
}

// ---------------------------------------------------------------------------
// The command

/// Which service the resource's integration names.
#[derive(Debug, PartialEq, Clone, Copy)]
enum Provider {
    Slack,
    Webhook,
    NewRelic,
    Airbrake,
    Jira,
}

impl Provider {
    fn of(master: &str) -> Option<Provider> {
        Some(match master {
            "Slack" | "slackKey" => Provider::Slack,
            "webhook" | "webhookV2" => Provider::Webhook,
            "newRelicKey" => Provider::NewRelic,
            "airBrakeKey" => Provider::Airbrake,
            "jira" => Provider::Jira,
            _ => return None,
        })
    }
}

/// What every provider needs.
struct Job<'a> {
    env: &'a JobEnv,
    r: Resource<'a>,
    o: Options,
    /// `version.propertyBag.recipients` of version.json.
    recipients: Vec<String>,
    irc: bool,
}

pub fn run(env: &JobEnv, res: &str, options: Options, out: &mut dyn Write) -> Result<()> {
    let o = options.with_env(env);
    let r = env.resource(res);

    // The resource must be a notification.
    let version = r.version_json()?;
    let kind = match r.var(Var::Type) {
        Some(t) => Some(t.to_string_lossy().into_owned()),
        None => version
            .as_ref()
            .and_then(|v| v.get("type"))
            .and_then(Value::as_str)
            .map(str::to_string),
    };
    match kind.as_deref() {
        None | Some("") => {
            return Err(exit::usage(format!("resource data not found for {res}")));
        }
        Some("notification") => {}
        Some(other) => {
            return Err(exit::usage(format!(
                "resource {res} is of type {other:?}, not notification"
            )));
        }
    }
    let bag = version
        .as_ref()
        .and_then(|v| v.pointer("/version/propertyBag"));
    let method = bag.and_then(|b| b.get("method")).and_then(Value::as_str);
    let recipients = match bag.and_then(|b| b.get("recipients")) {
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .filter(|s| !s.is_empty())
            .collect(),
        _ => Vec::new(),
    };
    let irc = method == Some("irc");
    let job = Job {
        env,
        r,
        o,
        recipients,
        irc,
    };
    if irc {
        return notify_irc(&job);
    }

    let file = job.r.file("integration.json");
    let doc = crate::job::required(job.r.integration_json()?, &file)?;
    let master = doc.get("masterName").and_then(Value::as_str).unwrap_or("");
    let Some(provider) = Provider::of(master) else {
        return Err(exit::usage(format!(
            "unsupported notification integration {master:?} of {res} (Slack, slackKey, webhook, webhookV2, newRelicKey, airBrakeKey, jira; or method irc)"
        )));
    };
    let fields = Fields {
        job: &job,
        doc: Ok(Some(doc)),
    };
    match provider {
        Provider::Slack | Provider::Webhook => notify_webhook(&fields, provider),
        Provider::NewRelic => notify_newrelic(&fields, out),
        Provider::Airbrake => notify_airbrake(&fields, out),
        Provider::Jira => notify_jira(&fields, out),
    }
}

/// Integration fields of the resource: env first, then integration.json.
struct Fields<'a> {
    job: &'a Job<'a>,
    doc: Result<Option<Value>>,
}

impl Fields<'_> {
    /// A field, `None` when unset or empty.
    fn get(&self, name: &str) -> Result<Option<String>> {
        let found = integration_field(&self.job.r, &self.doc, name)?;
        Ok(found
            .map(|v| String::from_utf8_lossy(&v).into_owned())
            .filter(|v| !v.is_empty()))
    }

    /// A field that must be there (else exit 99 naming it).
    fn need(&self, name: &str) -> Result<String> {
        self.get(name)?.ok_or_else(|| {
            exit::usage(format!(
                "no {name} in the integration of resource {} (${} or integration.json)",
                self.job.r.name,
                self.job.r.var_name(Var::Integration(name))
            ))
        })
    }

    /// A field that must be there and be an http(s) URL ([`http::check_url`]).
    fn need_url(&self, name: &str) -> Result<String> {
        let url = self.need(name)?;
        http::check_url(&url, &format!("the {name} of resource {}", self.job.r.name))?;
        Ok(url)
    }
}

impl Job<'_> {
    /// A job variable as text ("" when unset).
    fn var(&self, name: &str) -> String {
        self.env
            .var(name)
            .map(|v| v.to_string_lossy().into_owned())
            .unwrap_or_default()
    }

    /// `--text`, else the default text of the job type.
    fn text(&self) -> Result<String> {
        if let Some(t) = &self.o.text {
            return Ok(t.clone());
        }
        let (n, url) = (self.var("BUILD_NUMBER"), self.var("BUILD_URL"));
        let tag = match self.var("JOB_TYPE").as_str() {
            "runSh" => self.var("JOB_NAME"),
            "runCI" => format!("{}:{}", self.var("REPO_FULL_NAME"), self.var("BRANCH")),
            other => {
                return Err(exit::usage(format!(
                    "no --text (or NOTIFY_TEXT), and JOB_TYPE {other:?} has no default text (runSh and runCI have one)"
                )));
            }
        };
        Ok(match self.irc {
            true => format!("[{tag}] Build #{n} {url}"),
            false => format!("[{tag}] <{url}|Build#{n}>"),
        })
    }

    fn username(&self) -> String {
        match &self.o.username {
            Some(u) => u.clone(),
            None if self.irc => format!("Shippable-{}", self.var("BUILD_NUMBER")),
            None => "Shippable".into(),
        }
    }

    /// `--recipient`, else the resource's recipients.
    fn recipients(&self) -> Vec<String> {
        match given(&self.o.recipient) {
            Some(r) => vec![r.to_string()],
            None => self.recipients.clone(),
        }
    }

    /// The `--payload` file, checked to be JSON; `None` without one.
    fn payload(&self) -> Result<Option<Vec<u8>>> {
        let Some(path) = given(&self.o.payload) else {
            return Ok(None);
        };
        // A file, or a pipe (`--payload <(…)`) read to its end.
        let bytes = crate::fsutil::read_input(Path::new(path))?
            .ok_or_else(|| exit::usage(format!("payload file {path} not found")))?;
        if let Err(e) = crate::json::parse(&bytes) {
            return Err(exit::usage(format!(
                "payload file {path} is not valid JSON: {e}"
            )));
        }
        Ok(Some(bytes))
    }
}

/// Slack and the generic webhook: one POST per recipient (one with an empty
/// recipient when there is none; one in all with `--payload`).
fn notify_webhook(f: &Fields, provider: Provider) -> Result<()> {
    let job = f.job;
    let o = &job.o;
    let url = f.need_url("webhookUrl")?;
    let auth = match provider {
        Provider::Webhook => f.get("authorization")?,
        _ => None,
    };
    let payload = job.payload()?;
    let mut bodies = Vec::new();
    match payload {
        Some(p) => bodies.push((String::new(), p)),
        None => {
            let username = job.username();
            let text = job.text()?;
            let pretext = o.pretext.clone().unwrap_or_else(|| format!("{}\n", now()));
            let color = o.color.clone().unwrap_or_else(|| "#65cea7".into());
            let icon_url = o.icon_url.clone().unwrap_or_else(|| {
                format!(
                    "{}/images/slack-aye-aye-yoga.png",
                    job.var("SHIPPABLE_WWW_URL")
                )
            });
            let mut recipients = job.recipients();
            if recipients.is_empty() {
                recipients.push(String::new());
            }
            for recipient in recipients {
                let body = match provider {
                    Provider::Slack => json!({
                        "username": username,
                        "attachments": [{"pretext": pretext, "text": text, "color": color}],
                        "channel": recipient,
                        "icon_url": icon_url,
                    }),
                    _ => json!({
                        "username": username,
                        "pretext": pretext,
                        "text": text,
                        "color": color,
                        "recipient": recipient,
                        "icon_url": icon_url,
                    }),
                };
                bodies.push((recipient, serde_json::to_vec(&body)?));
            }
        }
    }
    let client = Client::new(job.env)?;
    let mut headers = Vec::new();
    if let Some(a) = &auth {
        headers.push(("Authorization", a.clone()));
    }
    let secrets = [url.as_str(), auth.as_deref().unwrap_or("")];
    for (recipient, body) in bodies {
        let what = match recipient.as_str() {
            "" => "message".to_string(),
            r => format!("message for {r}"),
        };
        sending(&what, &http::host_of(&url), client.timeout());
        client.send(&url, &headers, Some(Body::json(body)), &secrets)?;
    }
    Ok(())
}

/// The notice printed before each request (one per recipient), so that a
/// slow or silent server is not a silent wait of up to the timeout:
/// `shipctl: notify: sending message for #ops to hooks.slack.com (waiting
/// up to 30 s)`. A failure follows as an error; success needs no line.
fn sending(what: &str, to: &str, timeout: std::time::Duration) {
    diag::notice(format_args!(
        "notify: sending {what} to {to} (waiting up to {})",
        http::seconds(timeout)
    ));
}

/// IRC: one connection per recipient `server[:port]#channel`.
fn notify_irc(job: &Job) -> Result<()> {
    let recipients = job.recipients();
    if recipients.is_empty() {
        return Err(exit::usage(format!(
            "no IRC recipient: give --recipient server#channel or recipients in resource {}",
            job.r.name
        )));
    }
    let targets = recipients
        .iter()
        .map(|r| irc::parse_target(r))
        .collect::<Result<Vec<_>>>()?;
    let text = job.text()?;
    let nick = job.username();
    let password = job.o.password.clone().unwrap_or_else(|| "none".into());
    let login = login_name(job.env);
    let message = irc::Message {
        password: &password,
        login: &login,
        nick: &nick,
        text: &text,
    };
    irc::check(&message)?;
    let timeout = http::timeout(job.env)?;
    for t in &targets {
        sending(
            &format!("message for #{}", t.channel),
            &format!("{}:{}", t.host, t.port),
            timeout,
        );
        irc::send(t, &message, timeout, http::connect_timeout(timeout))?;
    }
    Ok(())
}

/// NewRelic: record a deployment of an application (by id, or by name
/// looked up first).
fn notify_newrelic(f: &Fields, out: &mut dyn Write) -> Result<()> {
    let job = f.job;
    let o = &job.o;
    let url = f.need_url("url")?;
    let token = f.get("token")?;
    let app_id = given(&o.app_id);
    let app_name = given(&o.app_name);
    if app_id.is_none() && app_name.is_none() {
        return Err(exit::usage("NewRelic needs --appId or --appName"));
    }
    let payload = job.payload()?;
    let body = match payload {
        Some(p) => p,
        None => {
            let kind = given(&o.kind)
                .ok_or_else(|| exit::usage("NewRelic needs --type (e.g. --type=deployment)"))?;
            let revision =
                given(&o.revision).ok_or_else(|| exit::usage("NewRelic needs --revision"))?;
            let mut record = serde_json::Map::new();
            record.insert(
                kind.to_string(),
                json!({
                    "revision": revision,
                    "description": o.description.clone().unwrap_or_default(),
                    "user": job.username(),
                    "changelog": o.changelog.clone().unwrap_or_default(),
                }),
            );
            serde_json::to_vec(&Value::Object(record))?
        }
    };
    let client = Client::new(job.env)?;
    let headers: Vec<(&str, String)> = token.iter().map(|t| ("X-Api-Key", t.clone())).collect();
    let secrets = [token.as_deref().unwrap_or("")];
    let app_id = match app_id {
        Some(id) => id.to_string(),
        None => {
            let name = app_name.unwrap_or_default();
            let lookup = http::join(
                &url,
                &format!(
                    "applications.json?filter%5Bname%5D={}&exclude_links=true",
                    http::encode(name)
                ),
            );
            sending(
                &format!("the lookup of application {name:?}"),
                &http::host_of(&url),
                client.timeout(),
            );
            let answer = client.send(&lookup, &headers, None, &secrets)?;
            let doc = crate::json::parse(answer.body.as_bytes()).map_err(|_| {
                exit::failure(format!(
                    "NewRelic ({}) answered the application lookup with something that is not JSON",
                    http::host_of(&url)
                ))
            })?;
            match doc.pointer("/applications/0/id") {
                Some(Value::Number(n)) => n.to_string(),
                Some(Value::String(s)) if !s.is_empty() => s.clone(),
                _ => {
                    return Err(exit::usage(format!(
                        "no NewRelic application named {name:?}"
                    )));
                }
            }
        }
    };
    let post = http::join(
        &url,
        &format!("applications/{}/deployments.json", http::encode(&app_id)),
    );
    sending(
        &format!("the deployment of application {app_id}"),
        &http::host_of(&url),
        client.timeout(),
    );
    let answer = client.send(&post, &headers, Some(Body::json(body)), &secrets)?;
    let doc: Option<Value> = crate::json::parse(answer.body.as_bytes()).ok();
    match doc.as_ref().and_then(|d| d.pointer("/deployment/id")) {
        Some(id) if !id.is_null() => {
            let id = match id {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            writeln!(out, "Deployment Id: {id}")?;
            Ok(())
        }
        _ => Err(exit::failure(format!(
            "NewRelic ({}) answered without a deployment id (HTTP {}): {}",
            http::host_of(&url),
            answer.status,
            http::quote(&answer.body, &url, &secrets)
        ))),
    }
}

/// Airbrake: record a deploy of a project.
fn notify_airbrake(f: &Fields, out: &mut dyn Write) -> Result<()> {
    let job = f.job;
    let o = &job.o;
    let url = f.need_url("url")?;
    let token = f.need("token")?;
    match given(&o.kind) {
        None => return Err(exit::usage("Airbrake needs --type deploy")),
        Some("deploy") => {}
        Some(other) => {
            return Err(exit::usage(format!(
                "unsupported --type {other:?} for Airbrake (only deploy)"
            )));
        }
    }
    let project = match given(&o.project_id) {
        Some(p) => p.to_string(),
        None => job.recipients.first().cloned().ok_or_else(|| {
            exit::usage("no Airbrake project id: give --project-id or a recipient in the resource")
        })?,
    };
    let body = match job.payload()? {
        Some(p) => p,
        None => serde_json::to_vec(&json!({
            "environment": o.environment.clone().unwrap_or_default(),
            "username": job.username(),
            "email": o.email.clone().unwrap_or_default(),
            "repository": o.repository.clone().unwrap_or_default(),
            "revision": o.revision.clone().unwrap_or_default(),
            "version": o.version.clone().unwrap_or_default(),
        }))?,
    };
    let post = http::join(
        &url,
        &format!(
            "projects/{}/deploys?key={}",
            http::encode(&project),
            http::encode(&token)
        ),
    );
    let client = Client::new(job.env)?;
    let encoded = http::encode(&token);
    let secrets = [token.as_str(), encoded.as_str()];
    sending(
        &format!("the deploy of project {project}"),
        &http::host_of(&url),
        client.timeout(),
    );
    let answer = client.send(&post, &[], Some(Body::json(body)), &secrets)?;
    print_answer(out, &answer.body)?;
    Ok(())
}

/// Jira: create an issue, then attach a file to it.
fn notify_jira(f: &Fields, out: &mut dyn Write) -> Result<()> {
    let job = f.job;
    let o = &job.o;
    let url = f.need_url("url")?;
    let username = f.need("username")?;
    let token = f.need("token")?;
    let body = match job.payload()? {
        Some(p) => p,
        None => {
            let need = |v: &Option<String>, what: &str| {
                given(v)
                    .map(str::to_string)
                    .ok_or_else(|| exit::usage(format!("Jira needs {what}")))
            };
            let project = need(&o.project_id, "--project-id (the project key)")?;
            let kind = need(&o.kind, "--type (the issue type, e.g. Bug)")?;
            let summary = need(&o.summary, "--summary")?;
            serde_json::to_vec(&json!({
                "fields": {
                    "project": {"key": project},
                    "summary": summary,
                    "description": o.description.clone().unwrap_or_default(),
                    "issuetype": {"name": kind},
                }
            }))?
        }
    };
    // Check the attachment before anything is created.
    let attachment = match given(&o.attach_file) {
        None => None,
        Some(path) => {
            // A file, or a pipe (`--attach-file <(…)`) read to its end; a
            // folder or socket is an error naming it.
            let data = crate::fsutil::read_input(Path::new(path))?
                .ok_or_else(|| exit::usage(format!("--attach-file {path}: no such file")))?;
            let name = Path::new(path)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "file".into());
            Some((name, data))
        }
    };
    let auth = format!(
        "Basic {}",
        http::base64(format!("{username}:{token}").as_bytes())
    );
    let secrets = [token.as_str(), auth.as_str()];
    let client = Client::new(job.env)?;
    let headers = [("Authorization", auth.clone())];
    sending("the new issue", &http::host_of(&url), client.timeout());
    let answer = client.send(
        &http::join(&url, "issue"),
        &headers,
        Some(Body::json(body)),
        &secrets,
    )?;
    print_answer(out, &answer.body)?;
    let Some((name, data)) = attachment else {
        return Ok(());
    };
    let key = crate::json::parse(answer.body.as_bytes())
        .ok()
        .and_then(|d| d.get("key").and_then(Value::as_str).map(str::to_string))
        .filter(|k| !k.is_empty())
        .ok_or_else(|| {
            exit::failure(format!(
                "Jira ({}) answered without an issue key; {name} was not attached",
                http::host_of(&url)
            ))
        })?;
    let headers = [
        ("Authorization", auth.clone()),
        ("X-Atlassian-Token", "nocheck".to_string()),
    ];
    sending(
        &format!("{name} for issue {key}"),
        &http::host_of(&url),
        client.timeout(),
    );
    let answer = client.send(
        &http::join(&url, &format!("issue/{}/attachments", http::encode(&key))),
        &headers,
        Some(multipart("file", &name, &data)),
        &secrets,
    )?;
    print_answer(out, &answer.body)?;
    Ok(())
}

/// A server's answer on stdout (nothing for an empty one).
fn print_answer(out: &mut dyn Write, body: &str) -> Result<()> {
    let body = body.trim_end();
    if !body.is_empty() {
        writeln!(out, "{body}")?;
    }
    Ok(())
}

/// A `multipart/form-data` body with one file part.
fn multipart(field: &str, file_name: &str, data: &[u8]) -> Body {
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0)
        ^ u128::from(std::process::id());
    let mut n = 0u32;
    let boundary = loop {
        let b = format!("----shipctl{seed:032x}{n:08x}");
        if !data.windows(b.len()).any(|w| w == b.as_bytes()) {
            break b;
        }
        n += 1;
    };
    // Quotes and line breaks in the name are percent-encoded, as browsers do.
    let name = file_name
        .replace('"', "%22")
        .replace('\r', "%0D")
        .replace('\n', "%0A");
    let mut bytes = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    bytes.extend_from_slice(data);
    bytes.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    Body {
        content_type: format!("multipart/form-data; boundary={boundary}"),
        bytes,
    }
}

/// The current time as `date -u` prints it: `Fri Nov 28 09:05:01 UTC 2025`.
fn now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    date_text(secs)
}

fn date_text(secs: u64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (year, month, day, hour, minute, second) = crate::aws::sigv4::civil(secs);
    format!(
        "{} {} {day:>2} {hour:02}:{minute:02}:{second:02} UTC {year}",
        // 1970-01-01 was a Thursday.
        DAYS[(secs / 86_400 % 7) as usize],
        MONTHS[(month - 1) as usize],
    )
}

/// The login name of the current user (what `whoami` prints): the name of
/// our user id in the password database ([`crate::user::login`]), else
/// `$USER` / `$LOGNAME`, else the user id.
fn login_name(env: &JobEnv) -> String {
    let (name, uid) = crate::user::login();
    if let Some(name) = name {
        return name;
    }
    for var in ["USER", "LOGNAME"] {
        if let Some(v) = env.var(var).filter(|v| !v.is_empty()) {
            return v.to_string_lossy().into_owned();
        }
    }
    uid.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_defaults() {
        let env = JobEnv::new([
            ("NOTIFY_TEXT", "from env"),
            ("NOTIFY_COLOR", ""),
            ("NOTIFY_PROJECT_ID", "42"),
            ("NOTIFY_ICON_URL", "icon"),
        ]);
        let o = Options {
            icon_url: Some("cli".into()),
            ..Options::default()
        }
        .with_env(&env);
        assert_eq!(o.text.as_deref(), Some("from env"));
        assert_eq!(o.color, None);
        assert_eq!(o.project_id.as_deref(), Some("42"));
        assert_eq!(o.icon_url.as_deref(), Some("cli"));
        assert_eq!(o.app_id, None);
    }

    #[test]
    fn providers() {
        assert_eq!(Provider::of("Slack"), Some(Provider::Slack));
        assert_eq!(Provider::of("slackKey"), Some(Provider::Slack));
        assert_eq!(Provider::of("webhookV2"), Some(Provider::Webhook));
        assert_eq!(Provider::of("newRelicKey"), Some(Provider::NewRelic));
        assert_eq!(Provider::of("airBrakeKey"), Some(Provider::Airbrake));
        assert_eq!(Provider::of("jira"), Some(Provider::Jira));
        assert_eq!(Provider::of("slack"), None);
        assert_eq!(Provider::of(""), None);
    }

    #[test]
    fn dates() {
        assert_eq!(date_text(0), "Thu Jan  1 00:00:00 UTC 1970");
        assert_eq!(date_text(951_782_400), "Tue Feb 29 00:00:00 UTC 2000");
        assert_eq!(date_text(1_764_288_301), "Fri Nov 28 00:05:01 UTC 2025");
    }

    #[test]
    fn multipart_body() {
        let b = multipart("file", "a\"b.txt", b"data");
        let boundary = b
            .content_type
            .split("boundary=")
            .nth(1)
            .unwrap()
            .to_string();
        let text = String::from_utf8(b.bytes).unwrap();
        assert_eq!(
            text,
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a%22b.txt\"\r\nContent-Type: application/octet-stream\r\n\r\ndata\r\n--{boundary}--\r\n"
            )
        );
    }
}
