//! `configure_aws` and `aws_env` (issue 3), run as the real binary and
//! checked with the real AWS CLI and botocore where they are installed.

use crate::aws_ini;
use serde_json::{Value, json};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const PROBE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/botocore_probe.py");
pub const KEY_ID: &str = "AKIAFAKEEXAMPLE00001";
pub const SECRET: &str = "fAkE/SeCrEt+MaRkEr/0000000000000000000001";
pub const TOKEN: &str = "FwoGZXIvYXdzEFAKE//////////wEaDFAKETOKEN+EXAMPLE==";

/// Runs `botocore_probe.py` with the given files; `None` (and SKIPPED, a
/// failure under `CI=true`) when python3 with botocore is missing.
pub fn botocore(
    home: &Path,
    creds: &Path,
    config: &Path,
    profiles: &[String],
    extra: &[(&str, &str)],
) -> Option<Value> {
    let out = Command::new("python3")
        .arg(PROBE)
        .args(profiles)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("LANG", "C.UTF-8")
        .env("LC_ALL", "C.UTF-8")
        .env("AWS_SHARED_CREDENTIALS_FILE", creds)
        .env("AWS_CONFIG_FILE", config)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .envs(extra.iter().copied())
        .output();
    let Ok(out) = out else {
        crate::util::unavailable("botocore checks", "python3 is not installed");
        return None;
    };
    if !out.status.success() {
        let why = format!(
            "the botocore probe failed (botocore missing?): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        crate::util::unavailable("botocore checks", &why);
        return None;
    }
    serde_json::from_slice(&out.stdout).ok()
}

/// A job with a resource `keys` and a HOME of its own.
pub struct Job {
    pub dir: tempfile::TempDir,
}

impl Job {
    #[allow(clippy::new_without_default)]
    pub fn new() -> Job {
        let dir = tempfile::tempdir().unwrap();
        for sub in ["home", "job/IN/keys", "work"] {
            std::fs::create_dir_all(dir.path().join(sub)).unwrap();
        }
        let job = Job { dir };
        job.integration(json!({"accessKey": KEY_ID, "secretKey": SECRET}));
        job
    }

    pub fn integration(&self, doc: Value) -> &Job {
        let p = self.dir.path().join("job/IN/keys/integration.json");
        std::fs::write(p, doc.to_string()).unwrap();
        self
    }

    pub fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    pub fn aws_dir(&self) -> PathBuf {
        self.home().join(".aws")
    }

    pub fn creds(&self) -> PathBuf {
        self.aws_dir().join("credentials")
    }

    pub fn config(&self) -> PathBuf {
        self.aws_dir().join("config")
    }

    pub fn cmd(&self, args: &[&str], env: &[(&str, &str)]) -> Command {
        let mut c = crate::util::shipctl(self.dir.path());
        c.args(args).envs(env.iter().copied());
        c
    }

    pub fn run(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        self.cmd(args, env).output().unwrap()
    }

    pub fn ok(&self, args: &[&str]) -> Output {
        let out = self.run(args, &[]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        out
    }

    pub fn resolve(&self, profiles: &[&str]) -> Option<Value> {
        let p: Vec<String> = profiles.iter().map(|s| s.to_string()).collect();
        botocore(&self.home(), &self.creds(), &self.config(), &p, &[])
    }
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

pub fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap()
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

/// The `aws` CLI, or `None` (SKIPPED; a failure under `CI=true`).
fn aws_cli() -> Option<&'static str> {
    match Command::new("aws").arg("--version").output() {
        Ok(o) if o.status.success() => Some("aws"),
        _ => {
            crate::util::unavailable("AWS CLI checks", "`aws` is not installed");
            None
        }
    }
}

fn aws_get(job: &Job, key: &str, profile: &str) -> String {
    let out = Command::new("aws")
        .args(["configure", "get", key, "--profile", profile])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", job.home())
        .env("AWS_SHARED_CREDENTIALS_FILE", job.creds())
        .env("AWS_CONFIG_FILE", job.config())
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .unwrap();
    assert!(out.status.success(), "aws: {}", text(&out.stderr));
    text(&out.stdout).trim_end().to_string()
}

#[test]
fn configure_writes_files_that_real_clients_read() {
    let job = Job::new();
    job.integration(json!({"accessKey": KEY_ID, "secretKey": SECRET, "sessionToken": TOKEN}));
    let out = job.ok(&[
        "configure_aws",
        "keys",
        "--profile",
        "ci",
        "--region=eu-west-1",
    ]);
    assert_eq!(text(&out.stdout), "");
    assert_eq!(
        read(&job.creds()),
        format!(
            "[ci]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\naws_session_token = {TOKEN}\n"
        )
    );
    assert_eq!(read(&job.config()), "[profile ci]\nregion = eu-west-1\n");
    assert_eq!(mode(&job.aws_dir()), 0o700);
    assert_eq!(mode(&job.creds()), 0o600);
    assert_eq!(mode(&job.config()), 0o600);

    // A second profile, default, from variables, without a token.
    let out = job.run(
        &["configure_aws", "keys", "--region", "us-east-2"],
        &[
            ("KEYS_INTEGRATION_ACCESSKEY", "AKIAFAKEEXAMPLE00002"),
            ("KEYS_INTEGRATION_SESSIONTOKEN", ""),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));

    if aws_cli().is_some() {
        assert_eq!(aws_get(&job, "aws_access_key_id", "ci"), KEY_ID);
        assert_eq!(aws_get(&job, "region", "ci"), "eu-west-1");
        assert_eq!(
            aws_get(&job, "aws_access_key_id", "default"),
            "AKIAFAKEEXAMPLE00002"
        );
    }
    let Some(before) = job.resolve(&["ci", "default"]) else {
        return;
    };
    assert_eq!(
        before["resolved"]["ci"],
        json!({"key_id": KEY_ID, "secret": SECRET, "token": TOKEN, "region": "eu-west-1"})
    );
    assert_eq!(
        before["resolved"]["default"],
        json!({"key_id": "AKIAFAKEEXAMPLE00002", "secret": SECRET, "token": null, "region": "us-east-2"})
    );

    // --remove: ci is gone from both files, default resolves as before.
    let out = job.ok(&["configure_aws", "keys", "--profile=ci", "--remove"]);
    assert_eq!(
        text(&out.stderr),
        "shipctl: AWS profile \"ci\" removed (2 sections)\n"
    );
    let after = job.resolve(&["ci", "default"]).unwrap();
    assert!(
        after["resolved"]["ci"]["error"]
            .as_str()
            .unwrap()
            .contains("ProfileNotFound")
    );
    assert_eq!(after["resolved"]["default"], before["resolved"]["default"]);
    assert_eq!(
        read(&job.creds()),
        format!(
            "[default]\naws_access_key_id = AKIAFAKEEXAMPLE00002\naws_secret_access_key = {SECRET}\n"
        )
    );
    assert_eq!(read(&job.config()), "[default]\nregion = us-east-2\n");
    // Removing again changes nothing and says so.
    let out = job.ok(&["configure_aws", "keys", "--profile", "ci", "--remove"]);
    assert!(text(&out.stderr).contains("nothing to remove"));
}

#[test]
fn new_credentials_drop_a_stale_token() {
    let job = Job::new();
    std::fs::create_dir_all(job.aws_dir()).unwrap();
    std::fs::write(
        job.creds(),
        "# keep me\n[ci]\naws_access_key_id = ASIAOLD\naws_secret_access_key = old\n\
         aws_session_token = OLD\naws_security_token = OLD\n\n[other]\naws_access_key_id = X\naws_secret_access_key = Y\n",
    )
    .unwrap();
    std::fs::set_permissions(job.creds(), std::fs::Permissions::from_mode(0o640)).unwrap();
    let out = job.ok(&["configure_aws", "keys", "--profile", "ci"]);
    assert_eq!(
        read(&job.creds()),
        format!(
            "# keep me\n[ci]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n\n\
             [other]\naws_access_key_id = X\naws_secret_access_key = Y\n"
        )
    );
    // The existing mode is kept, with a warning.
    assert_eq!(mode(&job.creds()), 0o640);
    assert!(text(&out.stderr).contains("can be read by group or others (mode 0640)"));
    assert!(!job.config().exists(), "no region: config untouched");
    if let Some(r) = job.resolve(&["ci"]) {
        assert_eq!(r["resolved"]["ci"]["token"], Value::Null);
    }
}

#[test]
fn credential_process_json_is_read_by_botocore() {
    let job = Job::new();
    job.integration(json!({"accessKey": KEY_ID, "secretKey": SECRET, "sessionToken": TOKEN}));
    let out = job.ok(&["aws_env", "keys", "--format", "json"]);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        doc,
        json!({"Version": 1, "AccessKeyId": KEY_ID, "SecretAccessKey": SECRET, "SessionToken": TOKEN})
    );
    std::fs::create_dir_all(job.aws_dir()).unwrap();
    std::fs::write(
        job.config(),
        format!(
            "[profile cp]\ncredential_process = {} aws_env keys --format json\n",
            crate::util::bin()
        ),
    )
    .unwrap();
    let jp = job.dir.path().join("job");
    let r = botocore(
        &job.home(),
        &job.creds(),
        &job.config(),
        &["cp".to_string()],
        &[("JOB_PATH", jp.to_str().unwrap())],
    );
    if let Some(r) = r {
        assert_eq!(
            r["resolved"]["cp"],
            json!({"key_id": KEY_ID, "secret": SECRET, "token": TOKEN, "region": null})
        );
    }
    // No token: no SessionToken key.
    job.integration(json!({"accessKey": KEY_ID, "secretKey": SECRET}));
    let out = job.ok(&["aws_env", "keys", "--format=json"]);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        doc,
        json!({"Version": 1, "AccessKeyId": KEY_ID, "SecretAccessKey": SECRET})
    );
}

#[test]
fn aws_env_round_trips_through_shells() {
    let nasty = "a'b\"c$d`e\\f g=h#i ünï €;|&*?~ !x\t'' \\'";
    let job = Job::new();
    job.integration(json!({
        "accessKey": "AKIA$HOME`id`",
        "secretKey": nasty,
        "sessionToken": format!("tok {nasty}"),
    }));
    // A region is letters, digits and '-' (anything else is refused).
    let env = [("KEYS_POINTER_REGION", "eu-west-1")];
    let want = format!("AKIA$HOME`id`|{nasty}|tok {nasty}|eu-west-1|eu-west-1");
    let show = r#"printf '%s|%s|%s|%s|%s' "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" "$AWS_SESSION_TOKEN" "$AWS_REGION" "$AWS_DEFAULT_REGION""#;
    for shell in ["sh", "bash"] {
        let script = format!(r#"eval "$("$SHIPCTL" aws_env keys)"; {show}"#);
        let out = job
            .cmd(&[], &env)
            .env("SHIPCTL", crate::util::bin())
            .env("AWS_SESSION_TOKEN", "stale")
            .arg0_shell(shell, &script);
        assert_eq!(text(&out.stdout), want, "{shell}: {}", text(&out.stderr));
    }
    if Command::new("fish").arg("--version").output().is_ok() {
        let script = r#""$SHIPCTL" aws_env keys --format fish | source; printf '%s|%s|%s|%s|%s' "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" "$AWS_SESSION_TOKEN" "$AWS_REGION" "$AWS_DEFAULT_REGION""#;
        let out = job
            .cmd(&[], &env)
            .env("SHIPCTL", crate::util::bin())
            .arg0_shell("fish", script);
        assert_eq!(text(&out.stdout), want, "fish: {}", text(&out.stderr));
    } else {
        crate::util::unavailable("aws_env fish round trip", "fish is not installed");
    }
    // Without a token, sh unsets a token left in the shell.
    job.integration(json!({"accessKey": KEY_ID, "secretKey": SECRET}));
    let script = r#"eval "$("$SHIPCTL" aws_env keys)"; printf '%s' "${AWS_SESSION_TOKEN-unset}""#;
    let out = job
        .cmd(&[], &[])
        .env("SHIPCTL", crate::util::bin())
        .env("AWS_SESSION_TOKEN", "stale")
        .arg0_shell("sh", script);
    assert_eq!(text(&out.stdout), "unset");
}

#[test]
fn aws_env_dotenv_reads_back_with_env_file() {
    let nasty = "a'b\"c$d`e\\f g=h#i ü";
    let job = Job::new();
    job.integration(json!({"accessKey": KEY_ID, "secretKey": nasty}));
    let out = job.ok(&["aws_env", "keys", "--format", "dotenv"]);
    let file = job.dir.path().join("aws.env");
    std::fs::write(&file, &out.stdout).unwrap();
    // Resource `aws` makes `$AWS_<K>` readable with get_resource_env.
    let out = job.ok(&[
        "--env-file",
        file.to_str().unwrap(),
        "get_resource_env",
        "aws",
        "secret_access_key",
    ]);
    assert_eq!(text(&out.stdout), format!("{nasty}\n"));
    let out = job.ok(&["aws_env", "keys", "--format", "powershell"]);
    assert!(text(&out.stdout).contains("$Env:AWS_SECRET_ACCESS_KEY = 'a''b\"c$d`e\\f g=h#i ü'\n"));
}

trait ShellExt {
    fn arg0_shell(&mut self, shell: &str, script: &str) -> Output;
}

impl ShellExt for Command {
    /// Run `script` with `shell -c` in this command's environment.
    fn arg0_shell(&mut self, shell: &str, script: &str) -> Output {
        let mut c = Command::new(shell);
        c.arg("-c").arg(script).env_clear();
        for (k, v) in self.get_envs() {
            if let Some(v) = v {
                c.env(k, v);
            }
        }
        if let Some(d) = self.get_current_dir() {
            c.current_dir(d);
        }
        c.output().unwrap()
    }
}

#[test]
fn missing_key_id_or_secret_touches_nothing() {
    let job = Job::new();
    job.integration(json!({"secretKey": SECRET}));
    let out = job.run(&["configure_aws", "keys"], &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("no AWS key id for resource keys: tried $KEYS_INTEGRATION_ACCESSKEY, $KEYS_INTEGRATION_AWS_ACCESS_KEY_ID, $KEYS_INTEGRATION_ACCESSKEYID and the fields accessKey, aws_access_key_id, accessKeyId of"),
        "{err}"
    );
    job.integration(json!({"aws_access_key_id": KEY_ID}));
    let out = job.run(&["configure_aws", "keys"], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr)
            .contains("no AWS secret key for resource keys: tried $KEYS_INTEGRATION_SECRETKEY")
    );
    assert!(!job.aws_dir().exists(), "nothing may be created");
    let out = job.run(&["aws_env", "keys"], &[]);
    assert_eq!(out.status.code(), Some(1));
    // Only the statement that makes `eval` fail (tests/eval.rs).
    assert_eq!(text(&out.stdout), "false < /dev/null\n");
}

/// Arguments, extra variables, expected exit code.
type FailingCall<'a> = (Vec<&'a str>, Vec<(&'a str, &'a str)>, i32);

#[test]
fn the_secret_never_appears_in_a_failing_call() {
    let job = Job::new();
    let s = &[("KEYS_INTEGRATION_SECRETKEY", SECRET)][..];
    let broken = |content: &[u8]| {
        std::fs::create_dir_all(job.aws_dir()).unwrap();
        std::fs::write(job.creds(), content).unwrap();
    };
    let cases: Vec<FailingCall> = vec![
        // Missing key id (the secret is there).
        (
            vec!["configure_aws", "nokeys"],
            vec![("NOKEYS_INTEGRATION_SECRETKEY", SECRET)],
            1,
        ),
        // Bad profile name, bad region, a token with a newline.
        (
            vec!["configure_aws", "keys", "--profile", "a b"],
            s.to_vec(),
            99,
        ),
        (
            vec!["configure_aws", "keys", "--region", " x"],
            s.to_vec(),
            99,
        ),
        (
            vec!["configure_aws", "keys"],
            vec![
                ("KEYS_INTEGRATION_SESSIONTOKEN", "t\nu"),
                ("KEYS_INTEGRATION_SECRETKEY", SECRET),
            ],
            1,
        ),
        (vec!["configure_aws", "keys", "--region"], s.to_vec(), 99),
        (vec!["aws_env", "keys", "--format", "xml"], s.to_vec(), 99),
    ];
    for (args, env, code) in cases {
        let out = job.run(&args, &env);
        assert_eq!(
            out.status.code(),
            Some(code),
            "{args:?}: {}",
            text(&out.stderr)
        );
        for stream in [&out.stdout, &out.stderr] {
            assert!(!text(stream).contains(SECRET), "{args:?} leaked the secret");
        }
        assert!(!job.creds().exists(), "{args:?} wrote a file");
    }
    // A broken file: refused, untouched, secret not shown.
    broken(b"[ci]\nkey = 1\n[ci]\n");
    let out = job.run(&["configure_aws", "keys", "--profile", "ci"], s);
    assert_eq!(out.status.code(), Some(1));
    assert!(!text(&out.stderr).contains(SECRET) && !text(&out.stdout).contains(SECRET));
}

#[test]
fn files_botocore_rejects_are_refused_untouched() {
    let cases: &[(&str, &[u8])] = &[
        ("junk", b"\x00\xff\xfe\x01binary\x80junk"),
        ("bom", b"\xef\xbb\xbf[default]\naws_access_key_id = A\n"),
        ("unclosed", b"[default\naws_access_key_id = A\n"),
        ("duplicate sections", b"[ci]\na = 1\n\n[ci]\nb = 2\n"),
        ("duplicate keys", b"[ci]\nRegion = a\nregion = b\n"),
        ("no header", b"region = a\n[ci]\n"),
    ];
    for (what, content) in cases {
        for target in ["credentials", "config"] {
            let job = Job::new();
            std::fs::create_dir_all(job.aws_dir()).unwrap();
            let path = job.aws_dir().join(target);
            std::fs::write(&path, content).unwrap();
            let out = job.run(
                &["configure_aws", "keys", "--profile", "ci", "--region", "r"],
                &[],
            );
            assert_eq!(out.status.code(), Some(1), "{what} in {target}");
            let err = text(&out.stderr);
            assert!(
                err.contains(&path.display().to_string()) && err.contains("botocore"),
                "{what}: {err}"
            );
            assert_eq!(std::fs::read(&path).unwrap(), *content, "{what} changed");
            let other = if target == "config" {
                job.creds()
            } else {
                job.config()
            };
            assert!(!other.exists(), "{what}: the other file was written");
            // --remove is refused the same way.
            let out = job.run(
                &["configure_aws", "keys", "--profile", "ci", "--remove"],
                &[],
            );
            assert_eq!(out.status.code(), Some(1), "{what} remove");
            assert_eq!(std::fs::read(&path).unwrap(), *content);
        }
    }
}

#[test]
fn options_paths_and_symlinks() {
    let job = Job::new();
    // Usage errors: 99, nothing written.
    for args in [
        &["configure_aws", "keys", "--profile", "preview"][..],
        &["configure_aws", "keys", "--profile", "a/b"],
        &["configure_aws", "keys", "--profile="],
        &["configure_aws", "keys", "--remove", "--region", "r"],
        &["configure_aws"],
    ] {
        let out = job.run(args, &[]);
        assert_eq!(out.status.code(), Some(99), "{args:?}");
    }
    assert!(!job.aws_dir().exists());

    // $VAR and ~ are expanded as botocore does; an empty variable is an error.
    let out = job.run(
        &["configure_aws", "keys", "--profile", "p1", "--region", "r1"],
        &[
            ("AWS_SHARED_CREDENTIALS_FILE", "$HOME/x/creds"),
            ("AWS_CONFIG_FILE", "~/x/cfg"),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(read(&job.home().join("x/creds")).starts_with("[p1]\n"));
    assert_eq!(
        read(&job.home().join("x/cfg")),
        "[profile p1]\nregion = r1\n"
    );
    let out = job.run(&["configure_aws", "keys"], &[("AWS_CONFIG_FILE", "")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("$AWS_CONFIG_FILE is set but empty"));

    // A symlinked file is written through; the link stays a link.
    std::fs::create_dir_all(job.aws_dir()).unwrap();
    let real = job.home().join("real-credentials");
    std::fs::write(
        &real,
        "[keep]\naws_access_key_id = K\naws_secret_access_key = S\n",
    )
    .unwrap();
    std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o600)).unwrap();
    std::os::unix::fs::symlink("../real-credentials", job.creds()).unwrap();
    job.ok(&["configure_aws", "keys", "--profile", "ci"]);
    assert!(
        std::fs::symlink_metadata(job.creds())
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(
        read(&real),
        format!(
            "[keep]\naws_access_key_id = K\naws_secret_access_key = S\n[ci]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n"
        )
    );
    assert_eq!(mode(&real), 0o600);
}

#[test]
fn parallel_writers_never_lose_a_profile() {
    let job = Job::new();
    let n = 32;
    let children: Vec<_> = (0..n)
        .map(|i| {
            let p = format!("p{i:02}");
            job.cmd(
                &[
                    "configure_aws",
                    "keys",
                    "--profile",
                    &p,
                    "--region",
                    "eu-west-1",
                ],
                &[],
            )
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap()
        })
        .collect();
    let ok = children
        .into_iter()
        .filter_map(|mut c| c.wait().ok())
        .filter(|s| s.success())
        .count();
    assert_eq!(ok, n);
    let creds = read(&job.creds());
    let config = read(&job.config());
    aws_ini::validate_like_botocore(creds.as_bytes()).unwrap();
    aws_ini::validate_like_botocore(config.as_bytes()).unwrap();
    let profiles: Vec<String> = (0..n).map(|i| format!("p{i:02}")).collect();
    for p in &profiles {
        assert!(
            aws_ini::has_profile(&creds, aws_ini::FileKind::Credentials, p).unwrap(),
            "{p}"
        );
        assert!(
            aws_ini::has_profile(&config, aws_ini::FileKind::Config, p).unwrap(),
            "{p}"
        );
    }
    assert_eq!(creds.matches("[p").count(), n);
    if let Some(r) = botocore(&job.home(), &job.creds(), &job.config(), &profiles, &[]) {
        for p in &profiles {
            assert_eq!(r["resolved"][p]["key_id"], KEY_ID, "{p}");
            assert_eq!(r["resolved"][p]["region"], "eu-west-1", "{p}");
        }
    }
    eprintln!("parallel writers: {ok}/{n} succeeded, {n} profiles in each file");
}

#[test]
fn a_killed_writer_never_leaves_a_broken_file() {
    let job = Job::new();
    std::fs::create_dir_all(job.aws_dir()).unwrap();
    // A larger file, so that a write takes a little while.
    let mut seed = String::from("# shared file\n");
    for i in 0..300 {
        seed.push_str(&format!(
            "[keep{i}]\naws_access_key_id = AKIAKEEP{i:012}\naws_secret_access_key = {SECRET}\n\n"
        ));
    }
    std::fs::write(job.creds(), &seed).unwrap();
    let (mut killed, mut finished) = (0, 0);
    for i in 0..100u64 {
        let p = format!("k{}", i % 7);
        let mut child = job
            .cmd(
                &["configure_aws", "keys", "--profile", &p, "--region", "r"],
                &[],
            )
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Spread the kills from before start-up to after the end of a run (a
        // run takes some 10-150 ms here, debug build).
        std::thread::sleep(std::time::Duration::from_micros((i * 2137) % 200_000));
        let _ = child.kill(); // SIGKILL
        let status = child.wait().unwrap();
        if status.success() {
            finished += 1;
        } else {
            killed += 1;
        }
        for path in [job.creds(), job.config()] {
            let Ok(bytes) = std::fs::read(&path) else {
                continue;
            };
            aws_ini::validate_like_botocore(&bytes)
                .unwrap_or_else(|e| panic!("after kill {i}, {} is broken: {e}", path.display()));
        }
        let creds = read(&job.creds());
        assert!(
            creds.starts_with(&seed[..seed.len() - 1]),
            "after kill {i}: seed lost"
        );
    }
    let leftovers = std::fs::read_dir(job.aws_dir())
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with(".shipctl-")
        })
        .count();
    eprintln!(
        "kill loop: 100 runs, {killed} killed by SIGKILL, {finished} finished; every file parsed after every run; {leftovers} stray temp files"
    );
    // The next writer still works and botocore reads everything.
    job.ok(&["configure_aws", "keys", "--profile", "final"]);
    if let Some(r) = job.resolve(&["final", "keep0", "keep299"]) {
        assert_eq!(r["resolved"]["final"]["key_id"], KEY_ID);
        assert_eq!(r["resolved"]["keep299"]["key_id"], "AKIAKEEP000000000299");
    }
}
