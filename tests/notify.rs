//! `notify` (issue 6) against real servers on 127.0.0.1 started here: an
//! HTTP server that records every request, and an IRC server that answers
//! the login with a welcome (001) and records the lines it is sent.
use crate::util::{Matcher, Outcome, Test, contains};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------
// A recording HTTP server

#[derive(Debug, Clone)]
struct Req {
    method: String,
    path: String,
    /// The raw query, without `?`.
    query: String,
    /// Names lower-cased.
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Req {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn body_text(&self) -> String {
        String::from_utf8(self.body.clone()).unwrap()
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

enum Reply {
    Status(u16, String),
    /// Read the request, then never answer.
    Hang,
}

struct Server {
    url: String,
    host: String,
    reqs: Arc<Mutex<Vec<Req>>>,
}

impl Server {
    fn start(handler: impl Fn(&Req) -> Reply + Send + Sync + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let host = listener.local_addr().unwrap().to_string();
        let reqs = Arc::new(Mutex::new(Vec::new()));
        let handler = Arc::new(handler);
        let recorded = reqs.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let (recorded, handler) = (recorded.clone(), handler.clone());
                std::thread::spawn(move || serve(stream, &recorded, &*handler));
            }
        });
        Server {
            url: format!("http://{host}"),
            host,
            reqs,
        }
    }

    /// Answers 200 with `body` to everything.
    fn ok(body: &'static str) -> Server {
        Server::start(move |_| Reply::Status(200, body.to_string()))
    }

    fn requests(&self) -> Vec<Req> {
        self.reqs.lock().unwrap().clone()
    }
}

fn serve(stream: TcpStream, recorded: &Mutex<Vec<Req>>, handler: &dyn Fn(&Req) -> Reply) {
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or("").to_string();
    let target = parts.next().unwrap_or("").to_string();
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).unwrap();
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let (k, v) = h.split_once(':').unwrap();
        headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
    }
    let len = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .map_or(0, |(_, v)| v.parse::<usize>().unwrap());
    assert!(
        !headers.iter().any(|(k, _)| k == "transfer-encoding"),
        "the test server reads Content-Length bodies only"
    );
    let mut body = vec![0; len];
    reader.read_exact(&mut body).unwrap();
    let req = Req {
        method,
        path: path.to_string(),
        query: query.to_string(),
        headers,
        body,
    };
    let reply = handler(&req);
    recorded.lock().unwrap().push(req);
    let mut stream = stream;
    match reply {
        Reply::Status(code, body) => {
            let _ = write!(
                stream,
                "HTTP/1.1 {code} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
        Reply::Hang => std::thread::sleep(Duration::from_secs(20)),
    }
}

// ---------------------------------------------------------------------------
// The job

const SLACK_PATH: &str = "/services/T000/B000/SeCrEtWeBhOoK";

/// A job with notification resource `note` of integration `master` and the
/// given integration fields and version propertyBag.
fn job(master: &str, fields: Value, bag: Value) -> Test {
    let mut integration = json!({"masterName": master});
    for (k, v) in fields.as_object().unwrap() {
        integration[k] = v.clone();
    }
    Test::new()
        .env("NOTE_TYPE", "notification")
        .env("JOB_TYPE", "runSh")
        .env("JOB_NAME", "deploy-job")
        .env("BUILD_NUMBER", "42")
        .env("BUILD_URL", "https://ci.example/b/42")
        .env("SHIPPABLE_WWW_URL", "https://www.example")
        .file(
            "job/IN/note/version.json",
            json!({"name": "note", "type": "notification", "version": {"propertyBag": bag}})
                .to_string(),
        )
        .file("job/IN/note/integration.json", integration.to_string())
}

fn slack(server: &Server, recipients: Value) -> Test {
    job(
        "slackKey",
        json!({"webhookUrl": format!("{}{SLACK_PATH}", server.url)}),
        json!({"recipients": recipients}),
    )
}

/// The progress line of one message (what, to which host), sent with the
/// default timeout.
fn sending(what: &str, host: &str) -> String {
    format!("shipctl: notify: sending {what} to {host} (waiting up to 30 s)\n")
}

/// A failure (exit 1) that says what went wrong and hides every secret.
#[track_caller]
fn failed_without_secrets(t: Test, stderr: impl Into<Matcher>, secrets: &[&str]) -> Outcome {
    let o = t.status(1).stderr(stderr).run();
    let err = o.stderr_str();
    for s in secrets {
        assert!(!err.contains(s), "stderr shows secret {s:?}: {err}");
    }
    o
}

// ---------------------------------------------------------------------------
// Slack

#[test]
fn slack_one_request_per_recipient_with_exact_bodies() {
    let server = Server::ok("ok");
    let text = "Deployed \"v1\"\nwith \\ and ünïcode ✓ </tag>";
    slack(&server, json!(["#dev", "@alice"]))
        .args(["notify", "note", "--text", text, "--pretext=Pre"])
        .stderr(
            sending("message for #dev", &server.host)
                + &sending("message for @alice", &server.host),
        )
        .run();
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    for (req, channel) in reqs.iter().zip(["#dev", "@alice"]) {
        assert_eq!(req.method, "POST");
        assert_eq!(req.path, SLACK_PATH);
        assert_eq!(req.query, "");
        assert_eq!(req.header("content-type"), Some("application/json"));
        assert_eq!(
            req.body_text(),
            format!(
                "{{\"username\":\"Shippable\",\"attachments\":[{{\"pretext\":\"Pre\",\"text\":{},\"color\":\"#65cea7\"}}],\"channel\":\"{channel}\",\"icon_url\":\"https://www.example/images/slack-aye-aye-yoga.png\"}}",
                serde_json::to_string(text).unwrap()
            )
        );
        assert_eq!(req.json()["attachments"][0]["text"], text);
    }
}

#[test]
fn slack_recipient_option_sends_once() {
    let server = Server::ok("ok");
    slack(&server, json!(["#dev", "#ops"]))
        .args(["notify", "note", "-recipient", "#only"])
        .stderr(sending("message for #only", &server.host))
        .run();
    let reqs = server.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].json()["channel"], "#only");
}

#[test]
fn slack_without_recipients_sends_once_with_empty_channel_and_defaults() {
    let server = Server::ok("ok");
    slack(&server, json!([]))
        .args(["notify", "note"])
        .stderr(sending("message", &server.host))
        .run();
    let reqs = server.requests();
    assert_eq!(reqs.len(), 1);
    let body = reqs[0].json();
    assert_eq!(body["channel"], "");
    assert_eq!(body["username"], "Shippable");
    assert_eq!(
        body["attachments"][0]["text"],
        "[deploy-job] <https://ci.example/b/42|Build#42>"
    );
    assert_eq!(body["attachments"][0]["color"], "#65cea7");
    // The date and time, then a newline: `Fri Nov 28 09:05:01 UTC 2025\n`.
    let pretext = body["attachments"][0]["pretext"].as_str().unwrap();
    assert!(pretext.contains(" UTC "), "{pretext:?}");
    assert!(pretext.ends_with('\n'), "{pretext:?}");
    assert_eq!(pretext.len(), "Fri Nov 28 09:05:01 UTC 2025\n".len());
}

#[test]
fn slack_run_ci_default_text() {
    let server = Server::ok("ok");
    slack(&server, json!([]))
        .env("JOB_TYPE", "runCI")
        .env("REPO_FULL_NAME", "org/repo")
        .env("BRANCH", "main")
        .args(["notify", "note"])
        .stderr(sending("message", &server.host))
        .run();
    assert_eq!(
        server.requests()[0].json()["attachments"][0]["text"],
        "[org/repo:main] <https://ci.example/b/42|Build#42>"
    );
}

#[test]
fn other_job_type_needs_text() {
    let server = Server::ok("ok");
    slack(&server, json!([]))
        .env("JOB_TYPE", "release")
        .args(["notify", "note"])
        .stderr(
            "shipctl: error: no --text (or NOTIFY_TEXT), and JOB_TYPE \"release\" has no default \
             text (runSh and runCI have one)\n",
        )
        .status(99)
        .run();
    assert!(server.requests().is_empty());
    slack(&server, json!([]))
        .env("JOB_TYPE", "release")
        .args(["notify", "note", "--text=hi"])
        .stderr(sending("message", &server.host))
        .run();
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn options_three_ways_and_environment_defaults() {
    let server = Server::ok("ok");
    for args in [
        &[
            "--text=T",
            "--color=#111",
            "--icon_url=I",
            "--username=U",
            "--pretext=P",
        ][..],
        &[
            "--text",
            "T",
            "--color",
            "#111",
            "--icon_url",
            "I",
            "--username",
            "U",
            "--pretext",
            "P",
        ],
        &[
            "-text",
            "T",
            "-color",
            "#111",
            "-icon_url",
            "I",
            "-username",
            "U",
            "-pretext",
            "P",
        ],
        &[
            "-text=T",
            "-color=#111",
            "-icon_url=I",
            "-username=U",
            "-pretext=P",
        ],
    ] {
        slack(&server, json!(["#c"]))
            .env("NOTIFY_COLOR", "#999")
            .args(["notify", "note"])
            .args(args.iter().copied())
            .stderr(sending("message for #c", &server.host))
            .run();
    }
    // Environment defaults, the command line winning.
    slack(&server, json!(["#c"]))
        .env("NOTIFY_TEXT", "T")
        .env("NOTIFY_COLOR", "#111")
        .env("NOTIFY_ICON_URL", "I")
        .env("NOTIFY_USERNAME", "envuser")
        .env("NOTIFY_PRETEXT", "P")
        .args(["notify", "note", "--username", "U"])
        .stderr(sending("message for #c", &server.host))
        .run();
    let reqs = server.requests();
    assert_eq!(reqs.len(), 5);
    for req in reqs {
        assert_eq!(
            req.json(),
            json!({"username": "U", "attachments": [{"pretext": "P", "text": "T", "color": "#111"}],
                   "channel": "#c", "icon_url": "I"})
        );
    }
}

#[test]
fn unknown_option_or_missing_value_is_a_usage_error() {
    let server = Server::ok("ok");
    let more = "For more information, try '--help'.\n";
    for (args, says) in [
        (
            &["--icon-url=x"][..],
            format!(
                "unexpected argument '--icon-url' found\n  tip: a similar argument exists: \
                 '--icon_url'\nUsage: shipctl notify <RES>\n{more}"
            ),
        ),
        (
            &["--text"],
            format!("a value is required for '--text <TEXT>' but none was supplied\n{more}"),
        ),
        (
            &["--Text=x"],
            format!(
                "unexpected argument '--Text' found\n  tip: a similar argument exists: \
                 '--text'\nUsage: shipctl notify <RES>\n{more}"
            ),
        ),
        (
            &["stray"],
            format!(
                "unexpected argument 'stray' found\nUsage: shipctl notify [OPTIONS] <RES>\n{more}"
            ),
        ),
    ] {
        slack(&server, json!(["#c"]))
            .args(["notify", "note"])
            .args(args.iter().copied())
            .stderr(format!("shipctl: error: {says}"))
            .status(99)
            .run();
    }
    assert!(server.requests().is_empty());
}

#[test]
fn help_anywhere() {
    let help = Test::new()
        .args(["notify", "--help"])
        .stdout(contains("--attach-file"))
        .run();
    Test::new()
        .args(["notify", "note", "--text", "x", "-h"])
        .stdout(help.stdout_str())
        .run();
}

#[test]
fn payload_file_is_sent_as_is_once() {
    let server = Server::ok("ok");
    let payload = "{\"text\": \"custom\", \"n\": [1, 2]}\n";
    slack(&server, json!(["#a", "#b"]))
        .file("work/p.json", payload)
        .args(["notify", "note", "-payload", "p.json"])
        .stderr(sending("message", &server.host))
        .run();
    let reqs = server.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].body_text(), payload);
    assert_eq!(reqs[0].header("content-type"), Some("application/json"));

    slack(&server, json!([]))
        .args(["notify", "note", "--payload=missing.json"])
        .stderr("shipctl: error: payload file missing.json not found\n")
        .status(99)
        .run();
    slack(&server, json!([]))
        .file("work/bad.json", "{nope")
        .env("NOTIFY_PAYLOAD", "bad.json")
        .args(["notify", "note"])
        .stderr(
            "shipctl: error: payload file bad.json is not valid JSON: malformed JSON at line 1, \
             column 2: expected '\"' or '}'\n",
        )
        .status(99)
        .run();
    assert_eq!(server.requests().len(), 1);
}

// ---------------------------------------------------------------------------
// Generic webhook

#[test]
fn webhook_body_and_authorization_header() {
    let server = Server::ok("");
    for master in ["webhook", "webhookV2"] {
        job(
            master,
            json!({"webhookUrl": format!("{}/hook?token=abc", server.url), "authorization": "Bearer s3cr3t"}),
            json!({"recipients": ["ops@example.com", "dev@example.com"]}),
        )
        .args(["notify", "note", "--text=hi \"you\"", "--pretext=p"])
        .stderr(sending("message for ops@example.com", &server.host) + &sending("message for dev@example.com", &server.host))
        .run();
    }
    let reqs = server.requests();
    assert_eq!(reqs.len(), 4);
    for (i, req) in reqs.iter().enumerate() {
        let recipient = ["ops@example.com", "dev@example.com"][i % 2];
        assert_eq!(req.method, "POST");
        assert_eq!(req.path, "/hook");
        assert_eq!(req.query, "token=abc");
        assert_eq!(req.header("authorization"), Some("Bearer s3cr3t"));
        assert_eq!(req.header("content-type"), Some("application/json"));
        assert_eq!(
            req.body_text(),
            format!(
                "{{\"username\":\"Shippable\",\"pretext\":\"p\",\"text\":\"hi \\\"you\\\"\",\"color\":\"#65cea7\",\"recipient\":\"{recipient}\",\"icon_url\":\"https://www.example/images/slack-aye-aye-yoga.png\"}}"
            )
        );
    }
}

#[test]
fn webhook_fields_from_the_environment_first() {
    let server = Server::ok("");
    let other = Server::ok("");
    job(
        "webhook",
        json!({"webhookUrl": format!("{}/file", other.url)}),
        json!({}),
    )
    .env("NOTE_INTEGRATION_WEBHOOKURL", format!("{}/env", server.url))
    .args(["notify", "note", "--text=x"])
    .stderr(sending("message", &server.host))
    .run();
    assert!(other.requests().is_empty());
    let reqs = server.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].path, "/env");
    assert_eq!(reqs[0].header("authorization"), None);
    assert_eq!(reqs[0].json()["recipient"], "");
}

// ---------------------------------------------------------------------------
// NewRelic

fn newrelic(server: &Server) -> Test {
    job(
        "newRelicKey",
        json!({"url": format!("{}/v2", server.url), "token": "NRAK-TOKEN"}),
        json!({}),
    )
}

fn newrelic_server() -> Server {
    Server::start(|req| {
        if req.method == "GET" {
            Reply::Status(
                200,
                r#"{"applications":[{"id":123,"name":"my app"}]}"#.into(),
            )
        } else {
            Reply::Status(201, r#"{"deployment":{"id":987,"revision":"abc"}}"#.into())
        }
    })
}

#[test]
fn newrelic_looks_up_the_app_id_then_records_the_deployment() {
    let server = newrelic_server();
    newrelic(&server)
        .args([
            "notify",
            "note",
            "--appName",
            "my app",
            "--type=deployment",
            "--revision",
            "abc",
            "--description=d \"1\"",
            "--changelog=c",
        ])
        .stdout("Deployment Id: 987\n")
        .stderr(
            sending("the lookup of application \"my app\"", &server.host)
                + &sending("the deployment of application 123", &server.host),
        )
        .run();
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    let get = &reqs[0];
    assert_eq!(get.method, "GET");
    assert_eq!(get.path, "/v2/applications.json");
    assert_eq!(
        get.query, "filter%5Bname%5D=my%20app&exclude_links=true",
        "filter[name]=my app&exclude_links=true, URL-encoded"
    );
    assert_eq!(get.header("x-api-key"), Some("NRAK-TOKEN"));
    assert!(get.body.is_empty());
    let post = &reqs[1];
    assert_eq!(post.method, "POST");
    assert_eq!(post.path, "/v2/applications/123/deployments.json");
    assert_eq!(post.header("x-api-key"), Some("NRAK-TOKEN"));
    assert_eq!(post.header("content-type"), Some("application/json"));
    assert_eq!(
        post.body_text(),
        r#"{"deployment":{"revision":"abc","description":"d \"1\"","user":"Shippable","changelog":"c"}}"#
    );
}

#[test]
fn newrelic_with_app_id_posts_only() {
    let server = newrelic_server();
    newrelic(&server)
        .env("NOTIFY_TYPE", "deployment")
        .env("NOTIFY_REVISION", "r1")
        .args(["notify", "note", "-appId", "55", "-username", "bob"])
        .stdout("Deployment Id: 987\n")
        .stderr(sending("the deployment of application 55", &server.host))
        .run();
    let reqs = server.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].path, "/v2/applications/55/deployments.json");
    assert_eq!(
        reqs[0].json(),
        json!({"deployment": {"revision": "r1", "description": "", "user": "bob", "changelog": ""}})
    );
}

#[test]
fn newrelic_usage_errors_send_nothing() {
    let server = newrelic_server();
    for (args, says) in [
        (
            &["--type=deployment", "--revision=r"][..],
            "--appId or --appName",
        ),
        (
            &["--appId=1", "--revision=r"],
            "--type (e.g. --type=deployment)",
        ),
        (&["--appId=1", "--type=deployment"], "--revision"),
    ] {
        newrelic(&server)
            .args(["notify", "note"])
            .args(args.iter().copied())
            .stderr(format!("shipctl: error: NewRelic needs {says}\n"))
            .status(99)
            .run();
    }
    assert!(server.requests().is_empty());
}

#[test]
fn newrelic_unknown_app_and_answer_without_id() {
    let server = Server::start(|req| {
        if req.method == "GET" {
            Reply::Status(200, r#"{"applications":[]}"#.into())
        } else {
            Reply::Status(200, r#"{"error":"nope"}"#.into())
        }
    });
    newrelic(&server)
        .args([
            "notify",
            "note",
            "--appName=ghost",
            "--type=deployment",
            "--revision=r",
        ])
        .stderr(
            sending("the lookup of application \"ghost\"", &server.host)
                + "shipctl: error: no NewRelic application named \"ghost\"\n",
        )
        .status(99)
        .run();
    assert_eq!(server.requests().len(), 1);
    let t = newrelic(&server).args([
        "notify",
        "note",
        "--appId=1",
        "--type=deployment",
        "--revision=r",
    ]);
    let says = format!(
        "shipctl: error: NewRelic ({}) answered without a deployment id (HTTP 200): \
         {{\"error\":\"nope\"}}\n",
        server.host
    );
    failed_without_secrets(
        t,
        sending("the deployment of application 1", &server.host) + &says,
        &["NRAK-TOKEN"],
    );
}

// ---------------------------------------------------------------------------
// Airbrake

fn airbrake(server: &Server, recipients: Value) -> Test {
    job(
        "airBrakeKey",
        json!({"url": format!("{}/api/v4/", server.url), "token": "AB-KEY"}),
        json!({"recipients": recipients}),
    )
}

#[test]
fn airbrake_deploy() {
    let server = Server::ok(r#"{"id":"1"}"#);
    airbrake(&server, json!(["999"]))
        .args([
            "notify",
            "note",
            "--type=deploy",
            "--project-id=77",
            "--environment=production",
            "--email=a@b.c",
            "--repository=https://git/x",
            "--revision=abc",
            "--version=1.2.3",
        ])
        .stdout("{\"id\":\"1\"}\n")
        .stderr(sending("the deploy of project 77", &server.host))
        .run();
    let reqs = server.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].method, "POST");
    assert_eq!(reqs[0].path, "/api/v4/projects/77/deploys");
    assert_eq!(reqs[0].query, "key=AB-KEY");
    assert_eq!(reqs[0].header("content-type"), Some("application/json"));
    assert_eq!(
        reqs[0].body_text(),
        r#"{"environment":"production","username":"Shippable","email":"a@b.c","repository":"https://git/x","revision":"abc","version":"1.2.3"}"#
    );
}

#[test]
fn airbrake_project_from_the_first_recipient() {
    let server = Server::ok("");
    airbrake(&server, json!(["314", "999"]))
        .env("NOTIFY_TYPE", "deploy")
        .args(["notify", "note"])
        .stderr(sending("the deploy of project 314", &server.host))
        .run();
    let reqs = server.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].path, "/api/v4/projects/314/deploys");
}

#[test]
fn airbrake_usage_errors() {
    let server = Server::ok("");
    for (recipients, args, says) in [
        (
            json!(["1"]),
            &["--project-id=1"][..],
            "Airbrake needs --type deploy",
        ),
        (
            json!(["1"]),
            &["--type=deployment"],
            "unsupported --type \"deployment\" for Airbrake (only deploy)",
        ),
        (
            json!([]),
            &["--type=deploy"],
            "no Airbrake project id: give --project-id or a recipient in the resource",
        ),
    ] {
        airbrake(&server, recipients)
            .args(["notify", "note"])
            .args(args.iter().copied())
            .stderr(format!("shipctl: error: {says}\n"))
            .status(99)
            .run();
    }
    assert!(server.requests().is_empty());
}

// ---------------------------------------------------------------------------
// Jira

fn jira(server: &Server) -> Test {
    job(
        "jira",
        json!({"url": format!("{}/rest/api/2", server.url), "username": "bob", "token": "JIRA-TOKEN"}),
        json!({}),
    )
}

fn jira_server() -> Server {
    Server::start(|req| {
        if req.path.ends_with("/attachments") {
            Reply::Status(200, r#"[{"filename":"build log.txt"}]"#.into())
        } else {
            Reply::Status(201, r#"{"id":"10001","key":"OPS-7"}"#.into())
        }
    })
}

#[test]
fn jira_issue_with_attachment() {
    let server = jira_server();
    let data = "line 1\nline \"2\"\n\u{0}binary\u{ff}";
    jira(&server)
        .file("work/build log.txt", data)
        .args([
            "notify",
            "note",
            "--project-id",
            "OPS",
            "--type",
            "Bug",
            "--summary",
            "Build \"7\" failed",
            "--description=see log",
            "--attach-file",
            "build log.txt",
        ])
        .stdout("{\"id\":\"10001\",\"key\":\"OPS-7\"}\n[{\"filename\":\"build log.txt\"}]\n")
        .stderr(
            sending("the new issue", &server.host)
                + &sending("build log.txt for issue OPS-7", &server.host),
        )
        .run();
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    let basic = "Basic Ym9iOkpJUkEtVE9LRU4="; // bob:JIRA-TOKEN
    let issue = &reqs[0];
    assert_eq!(issue.method, "POST");
    assert_eq!(issue.path, "/rest/api/2/issue");
    assert_eq!(issue.header("authorization"), Some(basic));
    assert_eq!(issue.header("content-type"), Some("application/json"));
    assert_eq!(
        issue.body_text(),
        r#"{"fields":{"project":{"key":"OPS"},"summary":"Build \"7\" failed","description":"see log","issuetype":{"name":"Bug"}}}"#
    );
    let attach = &reqs[1];
    assert_eq!(attach.method, "POST");
    assert_eq!(attach.path, "/rest/api/2/issue/OPS-7/attachments");
    assert_eq!(attach.header("authorization"), Some(basic));
    assert_eq!(attach.header("x-atlassian-token"), Some("nocheck"));
    let ctype = attach.header("content-type").unwrap();
    let boundary = ctype
        .strip_prefix("multipart/form-data; boundary=")
        .expect(ctype);
    let mut want = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"build log.txt\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    want.extend_from_slice(data.as_bytes());
    want.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    assert_eq!(attach.body, want);
}

#[test]
fn jira_names_each_missing_thing_and_sends_nothing() {
    let server = jira_server();
    let full = ["--project-id=OPS", "--type=Bug", "--summary=S"];
    for (skip, says) in [
        (0, "--project-id (the project key)"),
        (1, "--type (the issue type, e.g. Bug)"),
        (2, "--summary"),
    ] {
        let args: Vec<&str> = full
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != skip)
            .map(|(_, a)| *a)
            .collect();
        jira(&server)
            .args(["notify", "note"])
            .args(args)
            .stderr(format!("shipctl: error: Jira needs {says}\n"))
            .status(99)
            .run();
    }
    jira(&server)
        .args(["notify", "note", "--attach-file=nope.txt"])
        .args(full)
        .stderr("shipctl: error: --attach-file nope.txt: no such file\n")
        .status(99)
        .run();
    // A folder in its place is named as one (exit 1), and nothing is sent.
    jira(&server)
        .file("work/adir/x", "")
        .args(["notify", "note", "--attach-file=adir"])
        .args(full)
        .stderr("shipctl: error: adir is a folder, not a file\n")
        .status(1)
        .run();
    job(
        "jira",
        json!({"url": server.url, "username": "bob"}),
        json!({}),
    )
    .args(["notify", "note"])
    .args(full)
    .stderr(
        "shipctl: error: no token in the integration of resource note \
         ($NOTE_INTEGRATION_TOKEN or integration.json)\n",
    )
    .status(99)
    .run();
    assert!(server.requests().is_empty());
}

// ---------------------------------------------------------------------------
// Resource checks

#[test]
fn resource_must_be_a_notification() {
    Test::new()
        .args(["notify", "note", "--text=x"])
        .stderr("shipctl: error: resource data not found for note\n")
        .status(99)
        .run();
    Test::new()
        .env("NOTE_TYPE", "params")
        .args(["notify", "note"])
        .stderr("shipctl: error: resource note is of type \"params\", not notification\n")
        .status(99)
        .run();
    job("email", json!({}), json!({}))
        .args(["notify", "note", "--text=x"])
        .stderr(
            "shipctl: error: unsupported notification integration \"email\" of note (Slack, \
             slackKey, webhook, webhookV2, newRelicKey, airBrakeKey, jira; or method irc)\n",
        )
        .status(99)
        .run();
}

// ---------------------------------------------------------------------------
// Failures: HTTP errors and timeouts name the host, never a secret

#[test]
fn http_500_fails_with_the_host_only() {
    let server = Server::start(|_| Reply::Status(500, "{\"err\":\"boom\"}".into()));
    let h = &server.host;
    let boom = format!("shipctl: error: POST to {h} failed: HTTP 500: {{\"err\":\"boom\"}}\n");
    let t = slack(&server, json!(["#a", "#b"])).args(["notify", "note", "--text=x"]);
    failed_without_secrets(
        t,
        sending("message for #a", h) + &boom,
        &[SLACK_PATH, "SeCrEt"],
    );
    // The first failure stops the run.
    assert_eq!(server.requests().len(), 1);

    let t =
        airbrake(&server, json!([])).args(["notify", "note", "--type=deploy", "--project-id=1"]);
    failed_without_secrets(
        t,
        sending("the deploy of project 1", h) + &boom,
        &["AB-KEY"],
    );

    let t = jira(&server).args([
        "notify",
        "note",
        "--project-id=A",
        "--type=B",
        "--summary=C",
    ]);
    failed_without_secrets(
        t,
        sending("the new issue", h) + &boom,
        &["JIRA-TOKEN", "Ym9iOkpJUkEtVE9LRU4="],
    );
}

#[test]
fn an_answer_that_echoes_the_webhook_url_is_masked() {
    // Slack answers an unknown hook with its path; some servers echo the
    // whole URL or the token alone.
    let server = Server::start(|r| {
        Reply::Status(
            404,
            format!(
                "{{\"error\":\"no such hook: {}?code=404\",\"token\":\"SeCrEtWeBhOoK\"}}",
                r.path
            ),
        )
    });
    let h = &server.host;
    let t = slack(&server, json!([])).args(["notify", "note", "--text=x"]);
    failed_without_secrets(
        t,
        sending("message", h)
            + &format!(
                "shipctl: error: POST to {h} failed: HTTP 404: \
                 {{\"error\":\"no such hook: ****?code=404\",\"token\":\"****\"}}\n"
            ),
        &[SLACK_PATH, "SeCrEtWeBhOoK", "T000/B000"],
    );
}

#[test]
fn a_redirect_is_not_followed_and_is_a_warning() {
    let server = Server::start(|_| Reply::Status(301, String::new()));
    let h = &server.host;
    slack(&server, json!([]))
        .args(["notify", "note", "--text=x"])
        .stderr(
            sending("message", h)
                + &format!(
                    "shipctl: warning: POST to {h} answered HTTP 301 (a redirect, not \
                     followed): the message may not have been delivered; give the URL it \
                     redirects to\n"
                ),
        )
        .run();
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn a_server_that_never_answers_times_out() {
    let server = Server::start(|_| Reply::Hang);
    let start = Instant::now();
    let t = slack(&server, json!([]))
        .env("SHIPCTL_NOTIFY_TIMEOUT", "1")
        .args(["notify", "note", "--text=x"]);
    let h = &server.host;
    failed_without_secrets(
        t,
        format!(
            "shipctl: notify: sending message to {h} (waiting up to 1 s)\n\
             shipctl: error: POST to {h} failed: timed out after 1 s\n"
        ),
        &[SLACK_PATH, "SeCrEt"],
    );
    assert!(
        start.elapsed() < Duration::from_secs(8),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn a_closed_port_fails() {
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let t = job(
        "webhook",
        json!({"webhookUrl": format!("http://127.0.0.1:{port}/x/SeCrEt?k=SeCrEt")}),
        json!({}),
    )
    .args(["notify", "note", "--text=x"]);
    let h = format!("127.0.0.1:{port}");
    failed_without_secrets(
        t,
        sending("message", &h)
            + &format!("shipctl: error: POST to {h} failed: Connection refused (os error 111)\n"),
        &["SeCrEt"],
    );
}

#[test]
fn a_webhook_url_that_is_not_http_is_refused() {
    job(
        "Slack",
        json!({"webhookUrl": "hooks.example/SeCrEt"}),
        json!({}),
    )
    .args(["notify", "note", "--text=x"])
    .stderr("shipctl: error: the webhookUrl of resource note is not an http:// or https:// URL\n")
    .status(99)
    .run();
}

// ---------------------------------------------------------------------------
// IRC

/// An IRC server: answers NICK with a welcome (unless `welcome` is false),
/// records every line of every connection until QUIT or EOF.
struct Irc {
    port: u16,
    lines: Arc<Mutex<Vec<Vec<String>>>>,
}

impl Irc {
    fn start(welcome: bool) -> Irc {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let recorded = lines.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                stream
                    .set_read_timeout(Some(Duration::from_secs(10)))
                    .unwrap();
                let index = {
                    let mut all = recorded.lock().unwrap();
                    all.push(Vec::new());
                    all.len() - 1
                };
                let reader = BufReader::new(stream.try_clone().unwrap());
                let _ = stream.write_all(b":irc.test NOTICE * :*** Looking up your hostname\r\n");
                for line in reader.lines() {
                    let Ok(line) = line else { break };
                    let line = line.trim_end_matches('\r').to_string();
                    recorded.lock().unwrap()[index].push(line.clone());
                    if welcome && line.starts_with("NICK ") {
                        let _ = stream.write_all(b"PING :check\r\n");
                        let _ = stream
                            .write_all(b":irc.test 001 nick :Welcome to the test network\r\n");
                    }
                    if line == "QUIT" {
                        let _ = stream.write_all(b"ERROR :Closing link\r\n");
                        break;
                    }
                }
            }
        });
        Irc { port, lines }
    }

    fn lines(&self) -> Vec<Vec<String>> {
        self.lines.lock().unwrap().clone()
    }
}

fn whoami() -> String {
    let out = std::process::Command::new("id")
        .arg("-un")
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn irc_job(recipients: Value) -> Test {
    job(
        "irc",
        json!({}),
        json!({"method": "irc", "recipients": recipients}),
    )
}

#[test]
fn irc_waits_for_the_welcome_and_sends_each_line() {
    let irc = Irc::start(true);
    let a = format!("127.0.0.1:{}#dev", irc.port);
    let b = format!("127.0.0.1:{}#ops", irc.port);
    let host = format!("127.0.0.1:{}", irc.port);
    irc_job(json!([a, b]))
        .args(["notify", "note"])
        .stderr(sending("message for #dev", &host) + &sending("message for #ops", &host))
        .run();
    let user = whoami();
    let lines = irc.lines();
    assert_eq!(lines.len(), 2, "one connection per recipient: {lines:?}");
    for (conn, channel) in lines.iter().zip(["dev", "ops"]) {
        assert_eq!(
            conn,
            &[
                "PASS none".to_string(),
                format!("USER {user} 0 * :Shippable-42"),
                "NICK Shippable-42".into(),
                "PONG :check".into(),
                format!("JOIN #{channel}"),
                format!("NOTICE #{channel} :[deploy-job] Build #42 https://ci.example/b/42"),
                "QUIT".into(),
            ]
        );
    }
}

#[test]
fn irc_options_and_multi_line_text() {
    let irc = Irc::start(true);
    irc_job(json!(["unused#x"]))
        .args([
            "notify",
            "note",
            "--recipient",
            &format!("127.0.0.1:{}#chan", irc.port),
            "--username=bot",
            "--password=pw",
            // A lone CR ends an IRC line for many servers: it starts a
            // NOTICE of its own, never a command.
            "--text=one\ntwo\rPRIVMSG #x :evil\r\nthree",
        ])
        .stderr(sending(
            "message for #chan",
            &format!("127.0.0.1:{}", irc.port),
        ))
        .run();
    let lines = irc.lines();
    assert_eq!(lines.len(), 1);
    assert_eq!(
        lines[0],
        [
            "PASS pw".to_string(),
            format!("USER {} 0 * :bot", whoami()),
            "NICK bot".into(),
            "PONG :check".into(),
            "JOIN #chan".into(),
            "NOTICE #chan :one".into(),
            "NOTICE #chan :two".into(),
            "NOTICE #chan :PRIVMSG #x :evil".into(),
            "NOTICE #chan :three".into(),
            "QUIT".into(),
        ]
    );
}

#[test]
fn irc_without_a_welcome_times_out() {
    let irc = Irc::start(false);
    let start = Instant::now();
    let t = irc_job(json!([format!("127.0.0.1:{}#dev", irc.port)]))
        .env("SHIPCTL_NOTIFY_TIMEOUT", "1")
        .args(["notify", "note", "--password=hunter2"]);
    let h = format!("127.0.0.1:{}", irc.port);
    failed_without_secrets(
        t,
        format!(
            "shipctl: notify: sending message for #dev to {h} (waiting up to 1 s)\n\
             shipctl: error: IRC server {h}: no welcome (001) within 1 s\n"
        ),
        &["hunter2"],
    );
    assert!(start.elapsed() < Duration::from_secs(8));
    // Nothing past the login was sent.
    let lines = irc.lines();
    assert_eq!(lines[0].len(), 3, "{lines:?}");
}

#[test]
fn irc_bad_recipients_are_usage_errors() {
    for (r, says) in [
        (
            json!(["irc.example.net"]),
            "no channel in IRC recipient \"irc.example.net\" (expected server[:port]#channel)",
        ),
        (
            json!(["#dev"]),
            "no server in IRC recipient \"#dev\" (expected server[:port]#channel)",
        ),
        (
            json!([]),
            "no IRC recipient: give --recipient server#channel or recipients in resource note",
        ),
    ] {
        irc_job(r)
            .args(["notify", "note"])
            .status(99)
            .stderr(format!("shipctl: error: {says}\n"))
            .run();
    }
    irc_job(json!(["127.0.0.1:1#dev"]))
        .args(["notify", "note", "--username=a\nQUIT"])
        .status(99)
        .stderr("shipctl: error: --username holds a control character, which IRC cannot carry\n")
        .run();
}

// ---------------------------------------------------------------------------
// Progress (issue 12 item 8): one stderr line per recipient before its wait

#[test]
fn one_line_per_recipient_before_each_wait() {
    let server = Server::ok("ok");
    let h = &server.host;
    slack(&server, json!(["#a", "#b"]))
        .args(["notify", "note", "--text=x"])
        .stderr(format!(
            "shipctl: notify: sending message for #a to {h} (waiting up to 30 s)\n\
             shipctl: notify: sending message for #b to {h} (waiting up to 30 s)\n"
        ))
        .run();
    // No recipient: one message; the timeout shown is the one in force.
    job(
        "webhook",
        json!({"webhookUrl": format!("{}/hook", server.url)}),
        json!({}),
    )
    .env("SHIPCTL_NOTIFY_TIMEOUT", "2.5")
    .args(["notify", "note", "--text=x"])
    .stderr(format!(
        "shipctl: notify: sending message to {h} (waiting up to 2.5 s)\n"
    ))
    .run();
    // IRC: per recipient, before the welcome is awaited.
    let irc = Irc::start(true);
    let a = format!("127.0.0.1:{}#dev", irc.port);
    irc_job(json!([a]))
        .args(["notify", "note"])
        .stderr(format!(
            "shipctl: notify: sending message for #dev to 127.0.0.1:{} (waiting up to 30 s)\n",
            irc.port
        ))
        .run();
}

/// The line is on stderr while the server has not answered yet: the server
/// holds the request until the test has read it.
#[test]
fn the_line_comes_while_the_server_is_silent() {
    use std::sync::mpsc;
    let (tx, rx) = mpsc::channel::<()>();
    let rx = Mutex::new(rx);
    let server = Server::start(move |_| {
        let _ = rx.lock().unwrap().recv_timeout(Duration::from_secs(20));
        Reply::Status(200, "ok".into())
    });
    let line = format!(
        "shipctl: notify: sending message for #a to {} (waiting up to 30 s)\n",
        server.host
    );
    let mut run = slack(&server, json!(["#a"]))
        .args(["notify", "note", "--text=x"])
        .stderr(&line)
        .spawn();
    // Read while the request is held: nothing has been answered yet.
    assert_eq!(run.stderr_line(), line);
    assert!(server.requests().is_empty());
    tx.send(()).unwrap();
    run.wait();
    assert_eq!(server.requests().len(), 1);
}
