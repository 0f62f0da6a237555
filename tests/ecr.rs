//! `ecr_login` (issue 15), run as the real binary against real peers on
//! 127.0.0.1: moto's server as ECR with request signing checked (IAM user,
//! key and policy, then moto's authentication switched on; a role assumed
//! through moto's STS for a session token), Debian's docker registry with
//! htpasswd, the docker CLI and skopeo reading the file we write. A small
//! in-process server stands in for ECR where only the answer matters
//! (errors, retries, timeouts, the write path's faults, concurrency).

use crate::util::{Expect, Matcher, Test, matching, skip};
use base64::Engine;
use serde_json::{Value, json};
use std::collections::{BTreeMap, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Output, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const PEERS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/ecr_peers.py");
/// moto's ECR gives account 123456789012 this password.
const MOTO_PASSWORD: &str = "123456789012-auth-token";
/// What the in-process ECR gives.
const FAKE_PASSWORD: &str = "fake/ECR+password=0000marker";
const KEY_ID: &str = "AKIAECRTESTKEY000001";
const SECRET: &str = "ecr/TeSt+SeCrEt/marker0000000000000000001";
const TOKEN: &str = "FwoGZXIvYXdzEECRTOKEN//////////marker==";
const ECR_HOST: &str = "123456789012.dkr.ecr.eu-west-1.amazonaws.com";

fn on_path(tool: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|p| {
        std::env::split_paths(&p).any(|d| {
            std::fs::metadata(d.join(tool))
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
    })
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn b64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

// ---------------------------------------------------------------------------
// The job sandbox

/// A job with one resource `img` (its integration.json and version.json),
/// a HOME of its own, and the hermetic base command.
struct Job {
    dir: tempfile::TempDir,
}

impl Job {
    fn new() -> Job {
        let dir = tempfile::tempdir().unwrap();
        for sub in ["job/IN/img", "home", "work"] {
            std::fs::create_dir_all(dir.path().join(sub)).unwrap();
        }
        let job = Job { dir };
        job.integration(
            json!({"accessKey": KEY_ID, "secretKey": SECRET, "masterName": "amazonKeys"}),
        );
        job
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    fn integration(&self, doc: Value) -> &Job {
        std::fs::write(self.res("integration.json"), doc.to_string()).unwrap();
        self
    }

    /// version.json with `pointer.sourceName` and `pointer.region`.
    fn image(&self, source_name: &str, region: Option<&str>) -> &Job {
        let mut pointer = json!({"sourceName": source_name});
        if let Some(r) = region {
            pointer["region"] = json!(r);
        }
        let doc =
            json!({"name": "img", "type": "image", "propertyBag": {"yml": {"pointer": pointer}}});
        std::fs::write(self.res("version.json"), doc.to_string()).unwrap();
        self
    }

    fn res(&self, file: &str) -> PathBuf {
        self.root().join("job/IN/img").join(file)
    }

    fn home(&self) -> PathBuf {
        self.root().join("home")
    }

    fn docker_dir(&self) -> PathBuf {
        self.home().join(".docker")
    }

    fn config(&self) -> PathBuf {
        self.docker_dir().join("config.json")
    }

    fn read_config(&self) -> Value {
        serde_json::from_slice(&std::fs::read(self.config()).unwrap()).unwrap()
    }

    /// `ecr_login img ARGS` with `env`, held to [`contract`] (the test
    /// narrows it with [`ok`] or [`fails`]).
    fn test(&self, args: &[&str], env: &[(&str, &str)]) -> Test {
        Test::at(self.root())
            .arg("ecr_login")
            .arg("img")
            .args(args)
            .envs(env.iter().copied())
            .expect(contract(args.contains(&"--print-password")))
    }

    fn run(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        self.test(args, env).run().output
    }
}

/// What every `ecr_login` run must show, checked by the harness with its
/// status and stdout: exit 0 with nothing on stdout (`--print-password`:
/// one line, the password) and only `shipctl:` lines of what it did on
/// stderr; or exit 1 or 99 with nothing on stdout and one
/// `shipctl: error: ` line (clap's usage lines may follow). Never a secret
/// on stderr.
fn contract(prints_password: bool) -> Expect {
    let stdout = match prints_password {
        true => matching("one line: the password", |t| {
            t.ends_with('\n') && t.lines().count() == 1
        }),
        false => Matcher::from(""),
    };
    let no_secret = |t: &str| !secret_in(t);
    let works = matching(
        "nothing, or whole `shipctl: ` lines, none an error, no secret",
        move |t| crate::util::is_notes(t) && no_secret(t),
    );
    let failed = matching("one `shipctl: error: ` line, no secret", move |t| {
        t.ends_with('\n')
            && t.lines()
                .filter(|l| l.starts_with("shipctl: error: "))
                .count()
                == 1
            && no_secret(t)
    });
    let mut contract = Expect::new().stdout(stdout).stderr(works);
    for code in [1, 99] {
        contract = contract.or(Expect::new().status(code).stderr(failed.clone()));
    }
    contract
}

/// Exit 0, nothing on stdout (the harness checked stderr: [`contract`]).
#[track_caller]
fn ok(out: &Output) {
    assert!(
        out.status.success() && out.stdout.is_empty(),
        "status {:?}\nstdout {}\nstderr {}",
        out.status,
        text(&out.stdout),
        text(&out.stderr)
    );
}

/// Exit 1 with one `shipctl: error:` line that holds `part` and no secret.
#[track_caller]
fn fails(out: &Output, part: &str) -> String {
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "stderr {err}");
    assert!(out.stdout.is_empty(), "stdout {}", text(&out.stdout));
    let line = err
        .lines()
        .find(|l| l.starts_with("shipctl: error: "))
        .unwrap_or_else(|| panic!("no error line in {err:?}"));
    assert_eq!(
        err.lines()
            .filter(|l| l.starts_with("shipctl: error: "))
            .count(),
        1,
        "{err}"
    );
    assert!(line.contains(part), "{line:?} lacks {part:?}");
    no_secrets(&err);
    line.to_string()
}

#[track_caller]
fn no_secrets(s: &str) {
    assert!(!secret_in(s), "a secret in {s:?}");
}

/// Does `s` hold a secret of these tests?
fn secret_in(s: &str) -> bool {
    [
        SECRET,
        TOKEN,
        FAKE_PASSWORD,
        MOTO_PASSWORD,
        &b64(&format!("AWS:{FAKE_PASSWORD}")),
    ]
    .iter()
    .any(|secret| s.contains(secret))
}

// ---------------------------------------------------------------------------
// A stand-in for ECR: answers from a script, records what it was sent.

#[derive(Clone)]
enum Answer {
    Http(u16, String),
    /// Accept, read, never answer.
    Hang,
}

fn token_answer(password: &str) -> Answer {
    Answer::Http(
        200,
        json!({"authorizationData": [{
            "authorizationToken": b64(&format!("AWS:{password}")),
            "expiresAt": now() + 12 * 3600,
            "proxyEndpoint": format!("https://{ECR_HOST}"),
        }]})
        .to_string(),
    )
}

/// What the stand-in was sent: each request's head and body.
type Seen = Arc<Mutex<Vec<(String, Vec<u8>)>>>;

struct Fake {
    url: String,
    requests: Seen,
}

/// Answers in order; the last one again for every further request.
fn fake(answers: Vec<Answer>) -> Fake {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let requests = Arc::new(Mutex::new(Vec::new()));
    let queue = Arc::new(Mutex::new(VecDeque::from(answers)));
    let seen = requests.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let (queue, seen) = (queue.clone(), seen.clone());
            std::thread::spawn(move || serve(stream, &queue, &seen));
        }
    });
    Fake { url, requests }
}

fn serve(stream: TcpStream, queue: &Mutex<VecDeque<Answer>>, seen: &Mutex<Vec<(String, Vec<u8>)>>) {
    let mut reader = BufReader::new(stream);
    let mut head = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        head.push_str(&line);
        if line == "\r\n" {
            break;
        }
    }
    let len = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().parse::<usize>().unwrap())
        })
        .unwrap_or(0);
    let mut body = vec![0; len];
    reader.read_exact(&mut body).unwrap();
    seen.lock().unwrap().push((head, body));
    let answer = {
        let mut q = queue.lock().unwrap();
        if q.len() > 1 {
            q.pop_front().unwrap()
        } else {
            q.front().unwrap().clone()
        }
    };
    let mut stream = reader.into_inner();
    match answer {
        Answer::Hang => std::thread::sleep(Duration::from_secs(120)),
        Answer::Http(status, body) => {
            let kind = if body.starts_with('<') {
                "text/xml"
            } else {
                "application/x-amz-json-1.1"
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status} X\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nx-amzn-RequestId: req-{status}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    }
}

// ---------------------------------------------------------------------------
// moto, once for the whole test binary

struct Moto {
    endpoint: String,
    user: [String; 2],
    nobody: [String; 2],
    role: [String; 3],
    // Closing moto's stdin stops it: kept open while the tests run.
    _stdin: Mutex<ChildStdin>,
    _child: Mutex<Child>,
}

fn moto() -> Option<&'static Moto> {
    static MOTO: OnceLock<Option<Moto>> = OnceLock::new();
    let found = MOTO.get_or_init(start_moto).as_ref();
    if found.is_none() {
        skip("python3 with moto[server] and boto3 is needed (pip install 'moto[server]' boto3)");
    }
    found
}

fn start_moto() -> Option<Moto> {
    let mut child = Command::new("python3")
        .args([PEERS, "moto"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let stdin = child.stdin.take()?;
    let mut line = String::new();
    BufReader::new(child.stdout.take()?)
        .read_line(&mut line)
        .ok()?;
    let Ok(v) = serde_json::from_str::<Value>(&line) else {
        let _ = child.kill();
        let _ = child.wait();
        return None;
    };
    let strings = |k: &str| -> Vec<String> {
        v[k].as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_string())
            .collect()
    };
    Some(Moto {
        endpoint: v["endpoint"].as_str().unwrap().to_string(),
        user: strings("user").try_into().unwrap(),
        nobody: strings("nobody").try_into().unwrap(),
        role: strings("role").try_into().unwrap(),
        _stdin: Mutex::new(stdin),
        _child: Mutex::new(child),
    })
}

/// The integration fields of a key pair (and token).
fn keys(key_id: &str, secret: &str, token: Option<&str>) -> Value {
    let mut doc = json!({"accessKey": key_id, "secretKey": secret});
    if let Some(t) = token {
        doc["sessionToken"] = json!(t);
    }
    doc
}

// ---------------------------------------------------------------------------
// A docker registry with htpasswd (user AWS), on 127.0.0.1

struct Registry {
    host: String,
    child: Child,
    _dir: tempfile::TempDir,
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn registry(password: &str) -> Option<Registry> {
    for tool in ["docker-registry", "htpasswd", "skopeo", "docker"] {
        if !on_path(tool) {
            skip(&format!(
                "{tool} is not installed (apt-get install docker-registry apache2-utils skopeo; the docker CLI)"
            ));
            return None;
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let users = Command::new("htpasswd")
        .args(["-Bbn", "AWS", password])
        .output()
        .unwrap();
    assert!(users.status.success());
    std::fs::write(dir.path().join("htpasswd"), &users.stdout).unwrap();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let host = format!("127.0.0.1:{port}");
    let config = format!(
        "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: {host}\n  secret: ecr-login-test\nauth:\n  htpasswd:\n    realm: basic-realm\n    path: {}\n",
        dir.path().join("data").display(),
        dir.path().join("htpasswd").display()
    );
    std::fs::write(dir.path().join("config.yml"), config).unwrap();
    let child = Command::new("docker-registry")
        .arg("serve")
        .arg(dir.path().join("config.yml"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let reg = Registry {
        host,
        child,
        _dir: dir,
    };
    let start = Instant::now();
    while TcpStream::connect(&reg.host).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the registry did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Some(reg)
}

/// Push a one-layer image `app:1` (with the registry's password, as a
/// setup step); returns its manifest digest.
fn push_image(reg: &Registry, password: &str) -> String {
    let layout = tempfile::tempdir().unwrap();
    let out = Command::new("python3")
        .args([PEERS, "oci"])
        .arg(layout.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let digest = text(&out.stdout).trim().to_string();
    let out = Command::new("skopeo")
        .args(["copy", "--quiet", "--dest-tls-verify=false", "--dest-creds"])
        .arg(format!("AWS:{password}"))
        .arg(format!("oci:{}:1", layout.path().display()))
        .arg(format!("docker://{}/app:1", reg.host))
        .output()
        .unwrap();
    assert!(out.status.success(), "skopeo copy: {}", text(&out.stderr));
    digest
}

/// `docker manifest inspect --insecure HOST/app:1` with docker's config in
/// `config_dir` (no daemon: it talks to the registry itself).
fn docker_inspect(config_dir: &Path, reg: &Registry) -> Output {
    Command::new("timeout")
        .args(["120", "docker", "manifest", "inspect", "--insecure"])
        .arg(format!("{}/app:1", reg.host))
        .env("DOCKER_CONFIG", config_dir)
        .env("DOCKER_HOST", "unix:///nonexistent/docker.sock")
        .output()
        .unwrap()
}

fn skopeo_inspect(authfile: &Path, reg: &Registry) -> Output {
    Command::new("timeout")
        .args([
            "120",
            "skopeo",
            "inspect",
            "--tls-verify=false",
            "--authfile",
        ])
        .arg(authfile)
        .arg(format!("docker://{}/app:1", reg.host))
        .output()
        .unwrap()
}

// ---------------------------------------------------------------------------
// Against moto, with signatures checked

/// The whole issue in one run: an ECR image resource whose sourceName names
/// the (local) registry; `ecr_login` gets the token from moto (signature
/// checked) and writes the entry; the docker CLI and skopeo then read that
/// config.json and are let in by the registry — and are refused once
/// `--remove` took the entry out again.
#[test]
fn docker_and_skopeo_pull_with_the_written_entry() {
    let Some(moto) = moto() else { return };
    let Some(reg) = registry(MOTO_PASSWORD) else {
        return;
    };
    let digest = push_image(&reg, MOTO_PASSWORD);
    let job = Job::new();
    job.integration(keys(&moto.user[0], &moto.user[1], None))
        .image(&format!("{}/app", reg.host), Some("us-east-1"));
    let env = [("AWS_ENDPOINT_URL_ECR", moto.endpoint.as_str())];
    // Without the entry the registry refuses docker.
    let empty = tempfile::tempdir().unwrap();
    let before = docker_inspect(empty.path(), &reg);
    assert!(!before.status.success());
    assert!(
        text(&before.stderr).contains("no basic auth credentials"),
        "{}",
        text(&before.stderr)
    );

    let out = job.run(&[], &env);
    ok(&out);
    let err = text(&out.stderr);
    assert!(
        err.contains(&format!(
            "shipctl: logged in to {}: auths entry written to {}",
            reg.host,
            job.config().display()
        )),
        "{err}"
    );
    assert!(
        err.contains("the token expired at 2015-01-01"),
        "moto's fixed expiry is said: {err}"
    );
    no_secrets(&err);
    assert_eq!(
        job.read_config(),
        json!({"auths": {reg.host.clone(): {"auth": b64(&format!("AWS:{MOTO_PASSWORD}"))}}})
    );
    assert_eq!(
        std::fs::metadata(job.config())
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o600
    );
    assert_eq!(
        std::fs::metadata(job.docker_dir())
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o700
    );

    let docker = docker_inspect(&job.docker_dir(), &reg);
    assert!(docker.status.success(), "docker: {}", text(&docker.stderr));
    let manifest: Value = serde_json::from_slice(&docker.stdout).unwrap();
    assert_eq!(manifest["schemaVersion"], 2);
    let skopeo = skopeo_inspect(&job.config(), &reg);
    assert!(skopeo.status.success(), "skopeo: {}", text(&skopeo.stderr));
    let inspected: Value = serde_json::from_slice(&skopeo.stdout).unwrap();
    assert_eq!(inspected["Digest"], json!(digest));

    let out = job.run(&["--remove"], &[]);
    ok(&out);
    assert!(text(&out.stderr).contains(&format!("auths entry for {} removed from", reg.host)));
    assert_eq!(job.read_config(), json!({"auths": {}}));
    assert!(!docker_inspect(&job.docker_dir(), &reg).status.success());
    assert!(!skopeo_inspect(&job.config(), &reg).status.success());
}

/// The other form: `--print-password | docker login --password-stdin`
/// (docker logs in client-side, checking the password with the registry),
/// and the file docker writes is byte for byte the one `ecr_login` writes.
#[test]
fn print_password_feeds_docker_login() {
    let Some(moto) = moto() else { return };
    let Some(reg) = registry(MOTO_PASSWORD) else {
        return;
    };
    let job = Job::new();
    job.integration(keys(&moto.user[0], &moto.user[1], None))
        .image(&format!("{}/app", reg.host), None);
    let env = [("AWS_ENDPOINT_URL_ECR", moto.endpoint.as_str())];
    let out = job.run(&["--print-password", "--region", "eu-west-1"], &env);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), format!("{MOTO_PASSWORD}\n"));
    let err = text(&out.stderr);
    assert!(
        err.starts_with(&format!(
            "shipctl: password for {} (user AWS) printed; ",
            reg.host
        )),
        "{err}"
    );
    no_secrets(&err);
    assert!(
        !job.config().exists() && !job.docker_dir().exists(),
        "--print-password writes no file"
    );

    let by_docker = tempfile::tempdir().unwrap();
    let mut login = Command::new("timeout")
        .args([
            "120",
            "docker",
            "login",
            "--username",
            "AWS",
            "--password-stdin",
            &reg.host,
        ])
        .env("DOCKER_CONFIG", by_docker.path())
        .env("DOCKER_HOST", "unix:///nonexistent/docker.sock")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    login.stdin.take().unwrap().write_all(&out.stdout).unwrap();
    let login = login.wait_with_output().unwrap();
    assert!(
        text(&login.stdout).contains("Login Succeeded"),
        "docker login: {}",
        text(&login.stderr)
    );
    // The same login written by ecr_login itself.
    ok(&job.run(&["--region", "eu-west-1"], &env));
    assert_eq!(
        text(&std::fs::read(by_docker.path().join("config.json")).unwrap()),
        text(&std::fs::read(job.config()).unwrap()),
        "ecr_login writes the entry exactly as docker login does"
    );
}

/// moto checks every signature: the right key signs; a wrong secret, an
/// unknown key, a key without the permission each give AWS's 403 and exit
/// 1 with the code and message, and nothing is written.
#[test]
fn moto_checks_the_signature() {
    let Some(moto) = moto() else {
        return;
    };
    let env = [("AWS_ENDPOINT_URL_ECR", moto.endpoint.as_str())];
    let job = Job::new();
    job.integration(keys(&moto.user[0], &moto.user[1], None))
        .image(&format!("{ECR_HOST}/app"), None);
    let out = job.run(&["--print-password"], &env);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), format!("{MOTO_PASSWORD}\n"));

    let wrong = format!("{}x", moto.user[1]);
    for (key_id, secret, says) in [
        (
            moto.user[0].as_str(),
            wrong.as_str(),
            "HTTP 403 SignatureDoesNotMatch: The request signature we calculated does not match",
        ),
        (
            "AKIAUNKNOWNKEY000000",
            moto.user[1].as_str(),
            "HTTP 403 InvalidClientTokenId",
        ),
        (
            moto.nobody[0].as_str(),
            moto.nobody[1].as_str(),
            "HTTP 403 AccessDenied: User: arn:aws:iam::123456789012:user/nobody is not authorized to perform: ecr:GetAuthorizationToken",
        ),
    ] {
        let job = Job::new();
        job.integration(keys(key_id, secret, None))
            .image(&format!("{ECR_HOST}/app"), None);
        for args in [&[][..], &["--print-password"][..]] {
            let line = fails(&job.run(args, &env), says);
            assert!(line.starts_with(&format!(
                "shipctl: error: ECR GetAuthorizationToken at {} ($AWS_ENDPOINT_URL_ECR) failed: ",
                moto.endpoint.trim_start_matches("http://")
            )), "{line}");
            assert!(
                !line.contains(secret) && !line.contains(&moto.user[1]),
                "{line}"
            );
            assert!(!job.docker_dir().exists());
        }
    }
}

/// A role's temporary credentials from moto's STS (AssumeRole): the session
/// token is sent and signed; without it, or with a wrong one, moto refuses.
#[test]
fn session_token_from_assume_role() {
    let Some(moto) = moto() else {
        return;
    };
    let env = [("AWS_ENDPOINT_URL_ECR", moto.endpoint.as_str())];
    let [key_id, secret, token] = &moto.role;
    let job = Job::new();
    // The token as the older AWS integration spells its fields.
    job.integration(json!({"aws_access_key_id": key_id, "aws_secret_access_key": secret, "aws_session_token": token}))
        .image(&format!("{ECR_HOST}/app"), None);
    ok(&job.run(&[], &env));
    assert_eq!(
        job.read_config()["auths"][ECR_HOST]["auth"],
        json!(b64(&format!("AWS:{MOTO_PASSWORD}")))
    );

    let wrong = format!("{token}x");
    for doc in [
        keys(key_id, secret, None),
        keys(key_id, secret, Some(&wrong)),
    ] {
        let job = Job::new();
        job.integration(doc).image(&format!("{ECR_HOST}/app"), None);
        let line = fails(&job.run(&[], &env), "HTTP 403 InvalidClientTokenId");
        assert!(
            !line.contains(token.as_str()) && !line.contains(secret.as_str()),
            "{line}"
        );
    }
    // The token from the environment, as the platform sets it.
    let job = Job::new();
    job.integration(keys(key_id, secret, None))
        .image(&format!("{ECR_HOST}/app"), None);
    let env = [env[0], ("IMG_INTEGRATION_SESSIONTOKEN", token.as_str())];
    ok(&job.run(&[], &env));
}

// ---------------------------------------------------------------------------
// With the stand-in: the request, the file, errors

/// What goes on the wire: the signed POST botocore would send (checked byte
/// for byte in ecr_sigv4.rs), here seen by a server.
#[test]
fn the_request_on_the_wire() {
    let ecr = fake(vec![token_answer(FAKE_PASSWORD)]);
    let job = Job::new();
    job.integration(keys(KEY_ID, SECRET, Some(TOKEN)))
        .image(&format!("{ECR_HOST}/team/app:1.2"), None);
    ok(&job.run(
        &[],
        &[("AWS_ENDPOINT_URL_ECR", &format!("{}/prefix", ecr.url))],
    ));
    let requests = ecr.requests.lock().unwrap();
    let (head, body) = &requests[0];
    assert_eq!(body, b"{}");
    let host = ecr.url.trim_start_matches("http://");
    for want in [
        "POST /prefix HTTP/1.1\r\n".to_string(),
        format!("host: {host}\r\n"),
        "content-type: application/x-amz-json-1.1\r\n".into(),
        "x-amz-target: AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken\r\n".into(),
        format!("x-amz-security-token: {TOKEN}\r\n"),
        format!("authorization: AWS4-HMAC-SHA256 Credential={KEY_ID}/"),
        "/eu-west-1/ecr/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target, Signature=".into(),
    ] {
        assert!(head.to_ascii_lowercase().contains(&want.to_ascii_lowercase()), "{want:?} not in\n{head}");
    }
    assert_eq!(
        job.read_config()["auths"][ECR_HOST]["auth"],
        json!(b64(&format!("AWS:{FAKE_PASSWORD}")))
    );
}

/// The default mode merges one entry: every other key and entry kept, in
/// order, with the file's own indentation and mode; a second login replaces
/// the entry in place; warnings for credsStore and credHelpers.
#[test]
fn merges_one_entry_and_keeps_the_rest() {
    let ecr = fake(vec![token_answer(FAKE_PASSWORD)]);
    let env = [("AWS_ENDPOINT_URL_ECR", ecr.url.as_str())];
    let job = Job::new();
    job.image(&format!("{ECR_HOST}/app"), None);
    std::fs::create_dir_all(job.docker_dir()).unwrap();
    let old = "{\n  \"psFormat\": \"table {{.ID}}\",\n  \"auths\": {\n    \"quay.io\": {\n      \"auth\": \"cXVheTpw\"\n    },\n    \"123456789012.dkr.ecr.eu-west-1.amazonaws.com\": {\n      \"auth\": \"b2xk\",\n      \"identitytoken\": \"stale\"\n    },\n    \"zz.example\": {}\n  },\n  \"proxies\": {\n    \"default\": {\n      \"httpProxy\": \"http://p:3128\"\n    }\n  },\n  \"n\": 1.50\n}\n";
    std::fs::write(job.config(), old).unwrap();
    std::fs::set_permissions(job.config(), std::fs::Permissions::from_mode(0o640)).unwrap();
    ok(&job.run(&[], &env));
    let new = old.replace(
        "\"b2xk\",\n      \"identitytoken\": \"stale\"",
        &format!("\"{}\"", b64(&format!("AWS:{FAKE_PASSWORD}"))),
    );
    assert_eq!(text(&std::fs::read(job.config()).unwrap()), new);
    assert_eq!(
        std::fs::metadata(job.config())
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o640
    );
    ok(&job.run(&[], &env));
    assert_eq!(
        text(&std::fs::read(job.config()).unwrap()),
        new,
        "a second login changes nothing"
    );

    for (config, says) in [
        (
            json!({"credsStore": "desktop", "auths": {}}),
            "credsStore is \"desktop\": docker asks docker-credential-desktop and will not use the auths entry written here",
        ),
        (
            json!({"credHelpers": {ECR_HOST: "ecr-login"}}),
            "credHelpers sends 123456789012.dkr.ecr.eu-west-1.amazonaws.com to docker-credential-ecr-login",
        ),
    ] {
        std::fs::write(job.config(), config.to_string()).unwrap();
        let out = job.run(&[], &env);
        ok(&out);
        let err = text(&out.stderr);
        assert!(
            err.contains(&format!(
                "shipctl: warning: {}: {says}",
                job.config().display()
            )),
            "{err}"
        );
        assert_eq!(
            job.read_config()["auths"][ECR_HOST]["auth"],
            json!(b64(&format!("AWS:{FAKE_PASSWORD}")))
        );
    }
}

/// Where the host comes from: --registry (any docker spelling), else the
/// sourceName's host ($IMG_SOURCENAME first), else ECR's proxyEndpoint —
/// and where the file is: $DOCKER_CONFIG (empty: unset), else ~/.docker.
#[test]
fn registry_host_and_config_place() {
    let ecr = fake(vec![token_answer(FAKE_PASSWORD)]);
    let env = [("AWS_ENDPOINT_URL_ECR", ecr.url.as_str())];
    let entry_of = |job: &Job| -> Vec<String> {
        job.read_config()["auths"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect()
    };

    let job = Job::new();
    ok(&job.run(&["--region", "eu-west-1"], &env));
    assert_eq!(entry_of(&job), [ECR_HOST], "proxyEndpoint's host");

    let job = Job::new();
    job.image("library/ubuntu", Some("eu-west-1"));
    ok(&job.run(&[], &env));
    assert_eq!(
        entry_of(&job),
        [ECR_HOST],
        "a Docker Hub name names no registry"
    );

    let job = Job::new();
    job.image("reg.example:5000/app", Some("eu-west-1"));
    ok(&job.run(&["--registry", "HTTPS://Other.example/v2/"], &env));
    assert_eq!(entry_of(&job), ["Other.example"]);
    ok(&job.run(&[], &[env[0], ("IMG_SOURCENAME", "env.example/app")]));
    assert_eq!(entry_of(&job), ["Other.example", "env.example"]);
    ok(&job.run(&[], &env));
    assert_eq!(
        entry_of(&job),
        ["Other.example", "env.example", "reg.example:5000"]
    );

    let elsewhere = job.root().join("dc");
    ok(&job.run(
        &[],
        &[env[0], ("DOCKER_CONFIG", elsewhere.to_str().unwrap())],
    ));
    assert!(elsewhere.join("config.json").is_file());
    assert_eq!(
        std::fs::metadata(&elsewhere).unwrap().permissions().mode() & 0o777,
        0o700
    );
    std::fs::remove_file(job.config()).unwrap();
    ok(&job.run(&[], &[env[0], ("DOCKER_CONFIG", "")]));
    assert!(
        job.config().is_file(),
        "an empty DOCKER_CONFIG is unset, as for docker"
    );
}

/// The region as configure_aws finds it (--region, $IMG_POINTER_REGION,
/// version.json, the integration's own) signs the request; without one, the
/// registry host's; a mismatch is warned about; none at all or an odd one is
/// an error.
#[test]
fn region_like_configure_aws() {
    let ecr = fake(vec![token_answer(FAKE_PASSWORD)]);
    let env = [("AWS_ENDPOINT_URL_ECR", ecr.url.as_str())];
    let region_signed = |n: usize| -> String {
        let requests = ecr.requests.lock().unwrap();
        let head = &requests[n].0;
        let cred = head.split("Credential=").nth(1).unwrap();
        cred.split('/').nth(2).unwrap().to_string()
    };
    let job = Job::new();
    job.image(&format!("{ECR_HOST}/app"), Some("ap-south-1"));
    let out = job.run(&[], &env);
    ok(&out);
    assert_eq!(region_signed(0), "ap-south-1");
    assert!(text(&out.stderr).contains(&format!(
        "shipctl: warning: the registry {ECR_HOST} is in region eu-west-1 but the token is asked for in ap-south-1"
    )));
    ok(&job.run(&[], &[env[0], ("IMG_POINTER_REGION", "eu-west-1")]));
    assert_eq!(region_signed(1), "eu-west-1");
    ok(&job.run(&["--region", "us-west-2"], &env));
    assert_eq!(region_signed(2), "us-west-2");
    job.image(&format!("{ECR_HOST}/app"), None);
    ok(&job.run(&[], &env));
    assert_eq!(region_signed(3), "eu-west-1", "the registry host's region");
    job.integration(json!({"accessKey": KEY_ID, "secretKey": SECRET, "region": "sa-east-1"}));
    ok(&job.run(&[], &env));
    assert_eq!(
        region_signed(4),
        "sa-east-1",
        "the integration's region first"
    );

    let job = Job::new();
    job.image("127.0.0.1:5000/app", None);
    let line = fails(
        &job.run(&[], &env),
        "no AWS region for resource img: tried --region, $IMG_POINTER_REGION, ",
    );
    assert!(
        line.ends_with("and the registry host; give --region"),
        "{line}"
    );
    let out = job.run(&["--region", "eu-west-1.evil.example"], &env);
    assert_eq!(out.status.code(), Some(99), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("--region \"eu-west-1.evil.example\" is not a region name"));
    assert_eq!(
        ecr.requests.lock().unwrap().len(),
        5,
        "no request without a region"
    );
}

/// Missing key id or secret: configure_aws's message, exit 1, nothing
/// asked, nothing written.
#[test]
fn missing_credentials_as_configure_aws() {
    let job = Job::new();
    job.integration(json!({"secretKey": SECRET}))
        .image(&format!("{ECR_HOST}/app"), None);
    fails(
        &job.run(&[], &[]),
        "no AWS key id for resource img: tried $IMG_INTEGRATION_ACCESSKEY",
    );
    job.integration(json!({"accessKey": KEY_ID}));
    fails(
        &job.run(&["--print-password"], &[]),
        "no AWS secret key for resource img",
    );
    assert!(!job.docker_dir().exists());
}

/// AWS's errors as AWS says them (JSON 1.1 and XML bodies), 5xx and
/// throttling tried three times, a hung or refused endpoint named.
#[test]
fn errors_name_aws_code_and_host() {
    let job = Job::new();
    job.integration(keys(KEY_ID, SECRET, Some(TOKEN)))
        .image(&format!("{ECR_HOST}/app"), None);
    let run = |ecr: &Fake, extra: &[(&str, &str)]| {
        let mut env = vec![("AWS_ENDPOINT_URL_ECR", ecr.url.as_str())];
        env.extend_from_slice(extra);
        job.run(&[], &env)
    };
    let host = |ecr: &Fake| ecr.url.trim_start_matches("http://").to_string();

    let ecr = fake(vec![Answer::Http(
        400,
        format!(
            r#"{{"__type":"com.amazon.coral.service#UnrecognizedClientException","message":"The security token {TOKEN} is invalid."}}"#
        ),
    )]);
    let line = fails(
        &run(&ecr, &[]),
        "failed: HTTP 400 UnrecognizedClientException: The security token **** is invalid. (request id req-400)",
    );
    assert!(line.contains(&format!("at {} ($AWS_ENDPOINT_URL_ECR)", host(&ecr))));
    let xml = "<ErrorResponse><Error><Type>Sender</Type><Code>SignatureDoesNotMatch</Code><Message>Signature expired: 20150830T123600Z is now earlier than 20260101T000000Z</Message></Error><RequestId>r</RequestId></ErrorResponse>";
    let ecr = fake(vec![Answer::Http(403, xml.into())]);
    fails(
        &run(&ecr, &[]),
        "HTTP 403 SignatureDoesNotMatch: Signature expired: 20150830T123600Z is now earlier",
    );

    let ecr = fake(vec![Answer::Http(
        503,
        "{\"__type\":\"ServerException\",\"message\":\"try later\"}".into(),
    )]);
    let out = run(&ecr, &[]);
    fails(&out, "HTTP 503 ServerException: try later");
    assert_eq!(ecr.requests.lock().unwrap().len(), 3, "three attempts");
    assert_eq!(
        text(&out.stderr)
            .matches("answered HTTP 503 ServerException; trying again in")
            .count(),
        2
    );
    let ecr = fake(vec![Answer::Http(
        200,
        "<html>captive portal</html>".into(),
    )]);
    fails(&run(&ecr, &[]), "the answer is not JSON");

    let ecr = fake(vec![Answer::Hang]);
    let start = Instant::now();
    fails(
        &run(&ecr, &[("SHIPCTL_AWS_TIMEOUT", "1.5")]),
        &format!("POST to {} failed: timed out after 1.5 s", host(&ecr)),
    );
    assert!(start.elapsed() < Duration::from_secs(10));
    let closed = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let env = [("AWS_ENDPOINT_URL_ECR", format!("http://{closed}"))];
    let line = fails(
        &job.run(&[], &[(env[0].0, env[0].1.as_str())]),
        &format!("POST to {closed} failed: "),
    );
    assert!(
        line.contains("refused") || line.contains("connection failed"),
        "{line}"
    );
    assert!(!job.docker_dir().exists(), "no error wrote anything");
    let ecr = fake(vec![
        Answer::Http(
            400,
            "{\"__type\":\"ThrottlingException\",\"message\":\"Rate exceeded\"}".into(),
        ),
        token_answer(FAKE_PASSWORD),
    ]);
    ok(&run(&ecr, &[]));
    assert_eq!(ecr.requests.lock().unwrap().len(), 2);
}

/// The endpoint as botocore picks it: the service variable, then the global
/// one, an empty value falling through, both off with
/// AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true (then the real ECR host is
/// named: this machine has no route to it).
#[test]
fn endpoint_overrides_as_botocore() {
    let (a, b) = (
        fake(vec![token_answer(FAKE_PASSWORD)]),
        fake(vec![token_answer(FAKE_PASSWORD)]),
    );
    let job = Job::new();
    job.image(&format!("{ECR_HOST}/app"), None);
    let count = |f: &Fake| f.requests.lock().unwrap().len();
    ok(&job.run(
        &[],
        &[
            ("AWS_ENDPOINT_URL_ECR", &a.url),
            ("AWS_ENDPOINT_URL", &b.url),
        ],
    ));
    assert_eq!((count(&a), count(&b)), (1, 0));
    ok(&job.run(
        &[],
        &[("AWS_ENDPOINT_URL_ECR", ""), ("AWS_ENDPOINT_URL", &b.url)],
    ));
    assert_eq!((count(&a), count(&b)), (1, 1));
    let out = job.run(
        &["--print-password"],
        &[
            ("AWS_ENDPOINT_URL_ECR", &a.url),
            ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "True"),
            ("SHIPCTL_AWS_TIMEOUT", "3"),
            ("HTTPS_PROXY", "http://127.0.0.1:1"),
        ],
    );
    fails(
        &out,
        "ECR GetAuthorizationToken at api.ecr.eu-west-1.amazonaws.com: POST to api.ecr.eu-west-1.amazonaws.com failed",
    );
    assert_eq!((count(&a), count(&b)), (1, 1));
    fails(
        &job.run(&[], &[("AWS_ENDPOINT_URL", "127.0.0.1:5000")]),
        "$AWS_ENDPOINT_URL is not an http:// or https:// URL",
    );
    fails(
        &job.run(&[], &[("AWS_USE_FIPS_ENDPOINT", "true")]),
        "$AWS_USE_FIPS_ENDPOINT is true",
    );
}

/// --remove takes out the entry of that registry (and its http(s)://
/// spellings, as `docker logout`) and nothing else; with the host known it
/// needs no credentials and no network; otherwise it asks ECR which host.
#[test]
fn remove_deletes_only_that_entry() {
    let job = Job::new();
    job.integration(json!({}))
        .image(&format!("{ECR_HOST}/app"), None);
    let out = job.run(&["--remove"], &[]);
    ok(&out);
    assert!(text(&out.stderr).contains(&format!(
        "no auths entry for {ECR_HOST} in {}; nothing to remove",
        job.config().display()
    )));
    assert!(!job.docker_dir().exists(), "nothing created");
    std::fs::create_dir_all(job.docker_dir()).unwrap();
    let old = json!({"auths": {"a.example": {"auth": "YTpi"}, ECR_HOST: {"auth": "eDp5"}, format!("https://{ECR_HOST}"): {"auth": "eDp5"}, "z.example": {}}, "credsStore": "", "x": [1]});
    std::fs::write(job.config(), serde_json::to_vec_pretty(&old).unwrap()).unwrap();
    ok(&job.run(&["--remove"], &[]));
    assert_eq!(
        serde_json::to_string(&job.read_config()).unwrap(),
        r#"{"auths":{"a.example":{"auth":"YTpi"},"z.example":{}},"credsStore":"","x":[1]}"#
    );

    let ecr = fake(vec![token_answer(FAKE_PASSWORD)]);
    let job = Job::new();
    std::fs::create_dir_all(job.docker_dir()).unwrap();
    std::fs::write(
        job.config(),
        json!({"auths": {ECR_HOST: {}, "b": {}}}).to_string(),
    )
    .unwrap();
    let out = job.run(
        &["--remove", "--region", "eu-west-1"],
        &[("AWS_ENDPOINT_URL_ECR", &ecr.url)],
    );
    ok(&out);
    assert_eq!(job.read_config(), json!({"auths": {"b": {}}}));
}

/// A config.json docker could not read either is refused and left as it is.
#[test]
fn a_broken_config_is_left_untouched() {
    let ecr = fake(vec![token_answer(FAKE_PASSWORD)]);
    let env = [("AWS_ENDPOINT_URL_ECR", ecr.url.as_str())];
    let job = Job::new();
    job.image(&format!("{ECR_HOST}/app"), None);
    std::fs::create_dir_all(job.docker_dir()).unwrap();
    for (bad, says) in [
        ("{\"auths\": ", "malformed JSON"),
        ("[1]", "not a JSON object"),
        (
            "{\"auths\": 7}",
            "\"auths\" in docker's config.json is not an object",
        ),
    ] {
        std::fs::write(job.config(), bad).unwrap();
        fails(&job.run(&[], &env), says);
        assert_eq!(text(&std::fs::read(job.config()).unwrap()), bad);
    }
    std::fs::write(job.config(), " \n").unwrap();
    ok(&job.run(&[], &env));
    assert_eq!(
        job.read_config()["auths"][ECR_HOST]["auth"],
        json!(b64(&format!("AWS:{FAKE_PASSWORD}")))
    );
}

/// Parallel logins to 12 registries into one config.json: every entry
/// lands, the file is whole, no temporary file is left.
#[test]
fn concurrent_logins_all_land() {
    let ecr = fake(vec![token_answer(FAKE_PASSWORD)]);
    let job = Job::new();
    job.image(&format!("{ECR_HOST}/app"), None);
    std::fs::create_dir_all(job.docker_dir()).unwrap();
    std::fs::write(job.config(), "{\"auths\": {\"keep\": {}}, \"after\": true}").unwrap();
    let hosts: Vec<String> = (0..12).map(|i| format!("r{i}.example:5000")).collect();
    let runs: Vec<_> = hosts
        .iter()
        .map(|h| {
            let written = format!(
                "shipctl: logged in to {h}: auths entry written to {}; [..]\n",
                job.config().display()
            );
            job.test(
                &["--registry", h, "--region", "eu-west-1"],
                &[("AWS_ENDPOINT_URL_ECR", &ecr.url)],
            )
            .stderr(crate::util::pattern(written))
            .spawn()
        })
        .collect();
    for run in runs {
        run.wait();
    }
    let doc = job.read_config();
    let auths = doc["auths"].as_object().unwrap();
    assert_eq!(auths.len(), 13);
    assert!(auths.contains_key("keep") && hosts.iter().all(|h| auths.contains_key(h)));
    assert_eq!(doc["after"], json!(true));
    let mut left: Vec<String> = std::fs::read_dir(job.docker_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, ["config.json", "config.json.lock"]);
}

// ---------------------------------------------------------------------------
// The write path's faults on config.json (issue 9's matrix)

/// Every file in `dir`: its kind, and a regular file's bytes.
fn snapshot(dir: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries {
        let e = e.unwrap();
        let md = std::fs::symlink_metadata(e.path()).unwrap();
        let what = if md.file_type().is_symlink() {
            format!(
                "link to {}",
                std::fs::read_link(e.path()).unwrap().display()
            )
        } else if md.is_file() {
            format!(
                "file {:o} {}",
                md.permissions().mode() & 0o777,
                text(&std::fs::read(e.path()).unwrap())
            )
        } else if md.is_dir() {
            "folder".into()
        } else {
            format!("{:?}", md.file_type())
        };
        out.insert(e.file_name().to_string_lossy().into_owned(), what);
    }
    out
}

/// A link loop, a dangling link, a FIFO, a folder in place of config.json:
/// refused (exit 1, one line naming the path, no hang) and nothing changed
/// — except the dangling link, which is a missing file: its target is
/// written, the link stays.
#[test]
fn faults_without_mounts() {
    let ecr = fake(vec![token_answer(FAKE_PASSWORD)]);
    let env = [("AWS_ENDPOINT_URL_ECR", ecr.url.as_str())];
    type Setup = fn(&Path);
    let cases: [(&str, Setup, Option<&str>); 4] = [
        (
            "symlink loop",
            |d| std::os::unix::fs::symlink("config.json", d.join("config.json")).unwrap(),
            Some("symbolic link loop at "),
        ),
        (
            "FIFO",
            |d| {
                assert!(
                    Command::new("mkfifo")
                        .arg(d.join("config.json"))
                        .status()
                        .unwrap()
                        .success()
                )
            },
            Some("config.json is a FIFO (named pipe), not a regular file"),
        ),
        (
            "folder",
            |d| std::fs::create_dir(d.join("config.json")).unwrap(),
            Some("config.json is a folder, not a regular file"),
        ),
        (
            "dangling symlink",
            |d| {
                std::fs::create_dir(d.join("real")).unwrap();
                std::os::unix::fs::symlink("real/cfg.json", d.join("config.json")).unwrap();
            },
            None,
        ),
    ];
    for (name, setup, refused) in cases {
        for mode in [&[][..], &["--remove"][..]] {
            let job = Job::new();
            job.image(&format!("{ECR_HOST}/app"), None);
            std::fs::create_dir_all(job.docker_dir()).unwrap();
            setup(&job.docker_dir());
            let before = snapshot(&job.docker_dir());
            let start = Instant::now();
            let out = job.run(mode, &env);
            assert!(start.elapsed() < Duration::from_secs(20), "{name}: no hang");
            match refused {
                Some(says) => {
                    let line = fails(&out, says);
                    assert!(
                        line.contains(&job.docker_dir().display().to_string()),
                        "{name}: {line}"
                    );
                    assert_eq!(
                        snapshot(&job.docker_dir()),
                        before,
                        "{name} {mode:?}: nothing changed"
                    );
                }
                None if mode.is_empty() => {
                    ok(&out);
                    let real = job.docker_dir().join("real/cfg.json");
                    let doc: Value = serde_json::from_slice(&std::fs::read(real).unwrap()).unwrap();
                    assert!(
                        doc["auths"][ECR_HOST].is_object(),
                        "{name}: the target is written"
                    );
                    assert!(
                        std::fs::symlink_metadata(job.config())
                            .unwrap()
                            .file_type()
                            .is_symlink()
                    );
                }
                None => {
                    ok(&out);
                    assert!(text(&out.stderr).contains("nothing to remove"), "{name}");
                    assert_eq!(snapshot(&job.docker_dir()), before);
                }
            }
        }
    }
}

/// A full tmpfs, a read-only bind mount of ~/.docker, a bind-mounted
/// config.json — each in a private mount namespace. Full or read-only:
/// exit 1 naming the path and the cause, config.json byte for byte as it
/// was, no temporary file (a full disk may leave the empty lock file). A
/// bind-mounted file (the container case): written in place, the mount's
/// source gets the entry, what lies under the mount is untouched.
#[test]
fn faults_with_mounts() {
    if !crate::util::can_mount() {
        return;
    }
    let ecr = fake(vec![token_answer(FAKE_PASSWORD)]);
    let old = "{\n\t\"auths\": {\n\t\t\"keep.example\": {}\n\t},\n\t\"x\": 1\n}";
    let script = r#"
        set -u
        D="$HOME/.docker"
        mkdir -p "$D"
        case "$FAULT" in
          full) mount -t tmpfs -o size=64k tmpfs "$D"
                printf '%s' "$OLD" > "$D/config.json"
                dd if=/dev/zero of="$D/filler" bs=1k 2>/dev/null || true ;;
          ro)   printf '%s' "$OLD" > "$D/config.json"
                mount --bind "$D" "$D" && mount -o remount,bind,ro "$D" ;;
          bind) printf '%s' "$OLD" > "$HOSTFILE"
                : > "$D/config.json"
                mount --bind "$HOSTFILE" "$D/config.json" ;;
        esac || exit 70
        snap() { for f in "$D"/* "$D"/.[!.]*; do
                   [ -e "$f" ] || continue
                   printf '%s %s\n' "${f##*/}" "$(sha256sum < "$f" | cut -c1-16)"
                 done; }
        snap > "$OUT/before"
        "$BIN" ecr_login img
        rc=$?
        snap > "$OUT/after"
        exit $rc
    "#;
    for fault in ["full", "ro", "bind"] {
        let job = Job::new();
        job.image(&format!("{ECR_HOST}/app"), None);
        let out_dir = job.root().join("out");
        std::fs::create_dir(&out_dir).unwrap();
        let hostfile = job.root().join("host-config.json");
        let mut cmd = Command::new("unshare");
        cmd.args(["-m", "--propagation", "private", "sh", "-c", script])
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap())
            .env("HOME", job.home())
            .env("JOB_PATH", job.root().join("job"))
            .env("AWS_ENDPOINT_URL_ECR", &ecr.url)
            .env("BIN", crate::util::bin())
            .env("FAULT", fault)
            .env("OLD", old)
            .env("OUT", &out_dir)
            .env("HOSTFILE", &hostfile)
            .current_dir(job.root());
        let path = job.config().display().to_string();
        let test = Test::with(cmd);
        let test = match fault {
            "bind" => test.stderr(crate::util::pattern(format!(
                "shipctl: logged in to {ECR_HOST}: auths entry written to {path}; [..]\n"
            ))),
            _ => {
                let cause = if fault == "full" {
                    "No space left on device"
                } else {
                    "Read-only file system"
                };
                let said = format!("one `shipctl: error: ` line naming {path} and {cause:?}");
                let path = path.clone();
                test.status(1).stderr(matching(said, move |t| {
                    crate::util::is_error_line(t)
                        && t.lines().count() == 1
                        && t.contains(&path)
                        && t.contains(cause)
                }))
            }
        };
        test.run();
        let read = |f: &str| text(&std::fs::read(out_dir.join(f)).unwrap());
        let before: Vec<String> = read("before").lines().map(str::to_string).collect();
        let after: Vec<String> = read("after").lines().map(str::to_string).collect();
        match fault {
            "bind" => {
                let doc: Value =
                    serde_json::from_slice(&std::fs::read(&hostfile).unwrap()).unwrap();
                assert_eq!(doc["auths"]["keep.example"], json!({}));
                assert_eq!(
                    doc["auths"][ECR_HOST]["auth"],
                    json!(b64(&format!("AWS:{FAKE_PASSWORD}")))
                );
                assert_eq!(doc["x"], json!(1));
                assert_eq!(
                    std::fs::read(job.config()).unwrap(),
                    b"",
                    "under the mount: untouched"
                );
            }
            _ => {
                let new_files: Vec<&String> =
                    after.iter().filter(|l| !before.contains(l)).collect();
                let gone: Vec<&String> = before.iter().filter(|l| !after.contains(l)).collect();
                assert!(gone.is_empty(), "{fault}: changed or removed: {gone:?}");
                assert!(
                    new_files.iter().all(|l| l.starts_with("config.json.lock ")),
                    "{fault}: left behind: {new_files:?}"
                );
            }
        }
    }
}

/// The completion scripts offer the command, its resources and options.
#[test]
fn completion_offers_ecr_login() {
    let job = Job::new();
    let complete = |words: &[&str]| {
        Test::at(job.root())
            .args(["__complete", "bash"])
            .arg((words.len() - 1).to_string())
            .arg("--")
            .args(words)
            .stdout(crate::util::compared_below("the candidates, one a line"))
            .run()
            .stdout_str()
    };
    assert!(
        complete(&["shipctl", "ecr_l"])
            .lines()
            .any(|l| l == "ecr_login")
    );
    assert!(
        complete(&["shipctl", "ecr_login", ""])
            .lines()
            .any(|l| l == "img")
    );
    let options = complete(&["shipctl", "ecr_login", "img", "--"]);
    for o in ["--region", "--registry", "--print-password", "--remove"] {
        assert!(options.lines().any(|l| l == o), "{o} in {options}");
    }
}
