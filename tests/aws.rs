//! `configure_aws` and `aws_env` (issue 3), run as the real binary and
//! checked with the real AWS CLI and botocore where they are installed.

use crate::util::{Expect, Test, matching};
use serde_json::{Value, json};
use shipctl::test_api::aws_ini;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

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
        crate::util::skip("the botocore checks: python3 is not installed");
        return None;
    };
    if !out.status.success() {
        let why = format!(
            "the botocore checks: the botocore probe failed (botocore missing?): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        crate::util::skip(&why);
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

    /// The binary in this job, with `args`.
    pub fn test(&self, args: &[&str]) -> Test {
        Test::at(self.dir.path()).args(args)
    }

    /// `shell -c script` in this job's environment, `$SHIPCTL` the binary.
    pub fn shell(&self, shell: &str, script: &str) -> Test {
        let mut cmd = Command::new(shell);
        cmd.arg("-c").arg(script);
        Test::with(crate::util::hermetic(cmd, self.dir.path())).env("SHIPCTL", crate::util::bin())
    }

    /// What configure_aws says when it wrote `profile` without a region:
    /// the credentials file only, and a warning naming every place tried.
    pub fn written_without_region(&self, profile: &str) -> String {
        let dir = self.dir.path().join("job/IN/keys");
        format!(
            "shipctl: warning: no region written for profile {profile:?}: resource keys has none \
             (looked at --region, $KEYS_POINTER_REGION, {} .version.propertyBag.region and \
             .propertyBag.yml.pointer.region, $KEYS_INTEGRATION_REGION, {} .region); give one \
             with --region NAME\nshipctl: AWS profile {profile:?} written to {}\n",
            dir.join("version.json").display(),
            dir.join("integration.json").display(),
            self.creds().display()
        )
    }

    /// The warning about a credentials file others can read.
    pub fn readable(&self, mode: &str) -> String {
        format!(
            "shipctl: warning: {} can be read by group or others (mode {mode}); consider chmod \
             600 it\n",
            self.creds().display()
        )
    }

    /// What configure_aws says when it wrote `profile` to both files.
    pub fn written(&self, profile: &str) -> String {
        format!(
            "shipctl: AWS profile {profile:?} written to {} and {}\n",
            self.creds().display(),
            self.config().display()
        )
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
            crate::util::skip("the AWS CLI checks: `aws` is not installed");
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
    job.test(&[
        "configure_aws",
        "keys",
        "--profile",
        "ci",
        "--region=eu-west-1",
    ])
    .stderr(job.written("ci"))
    .run();
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
    job.test(&["configure_aws", "keys", "--region", "us-east-2"])
        .env("KEYS_INTEGRATION_ACCESSKEY", "AKIAFAKEEXAMPLE00002")
        .env("KEYS_INTEGRATION_SESSIONTOKEN", "")
        .stderr(job.written("default"))
        .run();

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
    job.test(&["configure_aws", "keys", "--profile=ci", "--remove"])
        .stderr("shipctl: AWS profile \"ci\" removed (2 sections)\n")
        .run();
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
    job.test(&["configure_aws", "keys", "--profile", "ci", "--remove"])
        .stderr(format!(
            "shipctl: AWS profile \"ci\" not found in {} or {}; nothing to remove\n",
            job.creds().display(),
            job.config().display()
        ))
        .run();
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
    // The existing mode is kept, with a warning.
    job.test(&["configure_aws", "keys", "--profile", "ci"])
        .stderr(job.readable("0640") + &job.written_without_region("ci"))
        .run();
    assert_eq!(
        read(&job.creds()),
        format!(
            "# keep me\n[ci]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n\n\
             [other]\naws_access_key_id = X\naws_secret_access_key = Y\n"
        )
    );
    assert_eq!(mode(&job.creds()), 0o640);
    assert!(!job.config().exists(), "no region: config untouched");
    if let Some(r) = job.resolve(&["ci"]) {
        assert_eq!(r["resolved"]["ci"]["token"], Value::Null);
    }
}

#[test]
fn credential_process_json_is_read_by_botocore() {
    let job = Job::new();
    job.integration(json!({"accessKey": KEY_ID, "secretKey": SECRET, "sessionToken": TOKEN}));
    job.test(&["aws_env", "keys", "--format", "json"])
        .stdout(crate::util::json(
            json!({"Version": 1, "AccessKeyId": KEY_ID, "SecretAccessKey": SECRET, "SessionToken": TOKEN}),
        ))
        .run();
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
    job.test(&["aws_env", "keys", "--format=json"])
        .stdout(crate::util::json(
            json!({"Version": 1, "AccessKeyId": KEY_ID, "SecretAccessKey": SECRET}),
        ))
        .run();
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
        job.shell(shell, &script)
            .envs(env)
            .env("AWS_SESSION_TOKEN", "stale")
            .stdout(&want)
            .run();
    }
    if crate::util::have("fish") {
        let script = r#""$SHIPCTL" aws_env keys --format fish | source; printf '%s|%s|%s|%s|%s' "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" "$AWS_SESSION_TOKEN" "$AWS_REGION" "$AWS_DEFAULT_REGION""#;
        job.shell("fish", script).envs(env).stdout(&want).run();
    }
    // Without a token, sh unsets a token left in the shell.
    job.integration(json!({"accessKey": KEY_ID, "secretKey": SECRET}));
    let script = r#"eval "$("$SHIPCTL" aws_env keys)"; printf '%s' "${AWS_SESSION_TOKEN-unset}""#;
    job.shell("sh", script)
        .env("AWS_SESSION_TOKEN", "stale")
        .stdout("unset")
        .run();
}

#[test]
fn aws_env_dotenv_reads_back_with_env_file() {
    let nasty = "a'b\"c$d`e\\f g=h#i ü";
    let job = Job::new();
    job.integration(json!({"accessKey": KEY_ID, "secretKey": nasty}));
    let out = job
        .test(&["aws_env", "keys", "--format", "dotenv"])
        .stdout(format!(
            "AWS_ACCESS_KEY_ID=\"{KEY_ID}\"\nAWS_SECRET_ACCESS_KEY=\"a'b\\\"c\\$d\\`e\\\\f g=h#i ü\"\n"
        ))
        .run();
    let file = job.dir.path().join("aws.env");
    std::fs::write(&file, &out.output.stdout).unwrap();
    // Resource `aws` makes `$AWS_<K>` readable with get_resource_env.
    job.test(&[
        "--env-file",
        file.to_str().unwrap(),
        "get_resource_env",
        "aws",
        "secret_access_key",
    ])
    .stdout(format!("{nasty}\n"))
    .run();
    job.test(&["aws_env", "keys", "--format", "powershell"])
        .stdout(format!(
            "$Env:AWS_ACCESS_KEY_ID = '{KEY_ID}'\n\
             $Env:AWS_SECRET_ACCESS_KEY = 'a''b\"c$d`e\\f g=h#i ü'\n\
             $Env:AWS_SESSION_TOKEN = $null\n$Env:AWS_SECURITY_TOKEN = $null\n"
        ))
        .run();
}

#[test]
fn missing_key_id_or_secret_touches_nothing() {
    let job = Job::new();
    job.integration(json!({"secretKey": SECRET}));
    let file = job.dir.path().join("job/IN/keys/integration.json");
    job.test(&["configure_aws", "keys"])
        .status(1)
        .stderr(format!(
            "shipctl: error: no AWS key id for resource keys: tried $KEYS_INTEGRATION_ACCESSKEY, \
             $KEYS_INTEGRATION_AWS_ACCESS_KEY_ID, $KEYS_INTEGRATION_ACCESSKEYID and the fields \
             accessKey, aws_access_key_id, accessKeyId of {}; nothing was written\n",
            file.display()
        ))
        .run();
    job.integration(json!({"aws_access_key_id": KEY_ID}));
    let no_secret = format!(
        "shipctl: error: no AWS secret key for resource keys: tried $KEYS_INTEGRATION_SECRETKEY, \
         $KEYS_INTEGRATION_AWS_SECRET_ACCESS_KEY, $KEYS_INTEGRATION_SECRETACCESSKEY and the fields \
         secretKey, aws_secret_access_key, secretAccessKey of {}; nothing was written\n",
        file.display()
    );
    job.test(&["configure_aws", "keys"])
        .status(1)
        .stderr(&no_secret)
        .run();
    assert!(!job.aws_dir().exists(), "nothing may be created");
    // Only the statement that makes `eval` fail (tests/eval.rs).
    job.test(&["aws_env", "keys"])
        .status(1)
        .stdout("false < /dev/null\n")
        .stderr(&no_secret)
        .run();
}

/// Arguments, extra variables, expected exit code, stdout and the error.
type FailingCall<'a> = (Vec<&'a str>, Vec<(&'a str, &'a str)>, i32, &'a str, String);

#[test]
fn the_secret_never_appears_in_a_failing_call() {
    let job = Job::new();
    let s = &[("KEYS_INTEGRATION_SECRETKEY", SECRET)][..];
    let broken = |content: &[u8]| {
        std::fs::create_dir_all(job.aws_dir()).unwrap();
        std::fs::write(job.creds(), content).unwrap();
    };
    let more = "For more information, try '--help'.\n";
    let cases: Vec<FailingCall> =
        vec![
        // Missing key id (the secret is there).
        (
            vec!["configure_aws", "nokeys"],
            vec![("NOKEYS_INTEGRATION_SECRETKEY", SECRET)],
            1,
            "",
            format!(
                "no AWS key id for resource nokeys: tried $NOKEYS_INTEGRATION_ACCESSKEY, \
                 $NOKEYS_INTEGRATION_AWS_ACCESS_KEY_ID, $NOKEYS_INTEGRATION_ACCESSKEYID and the \
                 fields accessKey, aws_access_key_id, accessKeyId of {}; nothing was written\n",
                job.dir.path().join("job/IN/nokeys/integration.json").display()
            ),
        ),
        // Bad profile name, bad region, a token with a newline.
        (
            vec!["configure_aws", "keys", "--profile", "a b"],
            s.to_vec(),
            99,
            "",
            "invalid profile name \"a b\": it must not contain whitespace or control characters\n"
                .into(),
        ),
        (
            vec!["configure_aws", "keys", "--region", " x"],
            s.to_vec(),
            99,
            "",
            "--region \" x\" is not a region name (letters, digits and '-', not only digits, \
             no '-' at either end, e.g. eu-west-1)\n"
                .into(),
        ),
        (
            vec!["configure_aws", "keys"],
            vec![
                ("KEYS_INTEGRATION_SESSIONTOKEN", "t\nu"),
                ("KEYS_INTEGRATION_SECRETKEY", SECRET),
            ],
            1,
            "",
            "the sessionToken of resource keys contains a newline or carriage return\n".into(),
        ),
        (
            vec!["configure_aws", "keys", "--region"],
            s.to_vec(),
            99,
            "",
            format!("a value is required for '--region <R>' but none was supplied\n{more}"),
        ),
        (
            vec!["aws_env", "keys", "--format", "xml"],
            s.to_vec(),
            99,
            "false < /dev/null\n",
            format!(
                "invalid value 'xml' for '--format <FORMAT>' [possible values: sh, fish, \
                 powershell, dotenv, json]\n{more}"
            ),
        ),
    ];
    for (args, env, code, stdout, says) in cases {
        let out = job
            .test(&args)
            .envs(env)
            .status(code)
            .stdout(stdout)
            .stderr(format!("shipctl: error: {says}"))
            .run();
        for stream in [&out.output.stdout, &out.output.stderr] {
            assert!(!text(stream).contains(SECRET), "{args:?} leaked the secret");
        }
        assert!(!job.creds().exists(), "{args:?} wrote a file");
    }
    // A broken file: refused, untouched, secret not shown.
    broken(b"[ci]\nkey = 1\n[ci]\n");
    job.test(&["configure_aws", "keys", "--profile", "ci"])
        .envs(s.iter().copied())
        .status(1)
        .stderr(format!(
            "shipctl: error: {}: line 3: section [ci] appears twice; botocore cannot read this \
             file; fix or remove that file first (nothing was changed)\n",
            job.creds().display()
        ))
        .run();
}

#[test]
fn files_botocore_rejects_are_refused_untouched() {
    let before_header = "line 1: text before the first [section] header; botocore cannot read \
                         this file";
    let cases: &[(&str, &[u8], &str)] = &[
        (
            "junk",
            b"\x00\xff\xfe\x01binary\x80junk",
            "not valid UTF-8 (byte 1); botocore cannot read it",
        ),
        (
            "bom",
            b"\xef\xbb\xbf[default]\naws_access_key_id = A\n",
            before_header,
        ),
        (
            "unclosed",
            b"[default\naws_access_key_id = A\n",
            before_header,
        ),
        (
            "duplicate sections",
            b"[ci]\na = 1\n\n[ci]\nb = 2\n",
            "line 4: section [ci] appears twice; botocore cannot read this file",
        ),
        (
            "duplicate keys",
            b"[ci]\nRegion = a\nregion = b\n",
            "line 3: key \"region\" appears twice in [ci]; botocore cannot read this file",
        ),
        ("no header", b"region = a\n[ci]\n", before_header),
    ];
    for (what, content, why) in cases {
        for target in ["credentials", "config"] {
            let job = Job::new();
            std::fs::create_dir_all(job.aws_dir()).unwrap();
            let path = job.aws_dir().join(target);
            std::fs::write(&path, content).unwrap();
            let refused = format!(
                "shipctl: error: {}: {why}; fix or remove that file first (nothing was changed)\n",
                path.display()
            );
            job.test(&["configure_aws", "keys", "--profile", "ci", "--region", "r"])
                .status(1)
                .stderr(&refused)
                .run();
            assert_eq!(std::fs::read(&path).unwrap(), *content, "{what} changed");
            let other = if target == "config" {
                job.creds()
            } else {
                job.config()
            };
            assert!(!other.exists(), "{what}: the other file was written");
            // --remove is refused the same way.
            job.test(&["configure_aws", "keys", "--profile", "ci", "--remove"])
                .status(1)
                .stderr(&refused)
                .run();
            assert_eq!(std::fs::read(&path).unwrap(), *content);
        }
    }
}

#[test]
fn options_paths_and_symlinks() {
    let job = Job::new();
    // Usage errors: 99, nothing written.
    let more = "For more information, try '--help'.\n";
    for (args, says) in [
        (
            &["configure_aws", "keys", "--profile", "preview"][..],
            "invalid profile name \"preview\": the AWS CLI treats it as a bare config section, not \
             a profile\n"
                .to_string(),
        ),
        (
            &["configure_aws", "keys", "--profile", "a/b"],
            "invalid profile name \"a/b\": it must not contain [ ] ' \" / or \\\n".into(),
        ),
        (
            &["configure_aws", "keys", "--profile="],
            format!("a value is required for '--profile <NAME>' but none was supplied\n{more}"),
        ),
        (
            &["configure_aws", "keys", "--remove", "--region", "r"],
            format!(
                "the argument '--remove' cannot be used with '--region <R>'\n\
                 Usage: shipctl configure_aws --remove <RES>\n{more}"
            ),
        ),
        (
            &["configure_aws"],
            format!(
                "the following required arguments were not provided: <RES>\n\
                 Usage: shipctl configure_aws <RES>\n{more}"
            ),
        ),
    ] {
        job.test(args)
            .status(99)
            .stderr(format!("shipctl: error: {says}"))
            .run();
    }
    assert!(!job.aws_dir().exists());

    // $VAR and ~ are expanded as botocore does; an empty variable is an error.
    job.test(&["configure_aws", "keys", "--profile", "p1", "--region", "r1"])
        .env("AWS_SHARED_CREDENTIALS_FILE", "$HOME/x/creds")
        .env("AWS_CONFIG_FILE", "~/x/cfg")
        .stderr(format!(
            "shipctl: AWS profile \"p1\" written to {} and {}\n",
            job.home().join("x/creds").display(),
            job.home().join("x/cfg").display()
        ))
        .run();
    assert!(read(&job.home().join("x/creds")).starts_with("[p1]\n"));
    assert_eq!(
        read(&job.home().join("x/cfg")),
        "[profile p1]\nregion = r1\n"
    );
    job.test(&["configure_aws", "keys"])
        .env("AWS_CONFIG_FILE", "")
        .status(1)
        .stderr("shipctl: error: $AWS_CONFIG_FILE is set but empty; unset it or set it to a file\n")
        .run();

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
    job.test(&["configure_aws", "keys", "--profile", "ci"])
        .stderr(job.written_without_region("ci"))
        .run();
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
    let writers: Vec<_> = (0..n)
        .map(|i| {
            let p = format!("p{i:02}");
            job.test(&[
                "configure_aws",
                "keys",
                "--profile",
                &p,
                "--region",
                "eu-west-1",
            ])
            .stderr(job.written(&p))
            .spawn()
        })
        .collect();
    for w in writers {
        w.wait();
    }
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
        // Finished, or killed (SIGKILL) with its lines said so far. The seed
        // file has mode 0644: a warning first — unless the credentials file
        // already holds this profile as it would be written (an earlier run
        // of the same profile was killed between the two files' commits), so
        // that only the config file changes.
        let written = job.readable("0644") + &job.written(&p);
        let config_only = job.written(&p);
        let (said, said_plain) = (written.clone(), config_only.clone());
        let killed_at_any_point = Expect::new().signal(9).stderr(matching(
            format!("whole lines of {written:?} (or without its warning) from the start"),
            move |t| {
                (said.starts_with(t) || said_plain.starts_with(t))
                    && (t.is_empty() || t.ends_with('\n'))
            },
        ));
        let done = Expect::new()
            .stderr(written)
            .or(Expect::new().stderr(config_only));
        let mut run = job
            .test(&["configure_aws", "keys", "--profile", &p, "--region", "r"])
            .expect(done.or(killed_at_any_point))
            .spawn();
        // Spread the kills from before start-up to after the end of a run (a
        // run takes some 10-150 ms here, debug build).
        std::thread::sleep(std::time::Duration::from_micros((i * 2137) % 200_000));
        run.kill();
        if run.wait().output.status.success() {
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
    eprintln!(
        "kill loop: 100 runs, {killed} killed by SIGKILL, {finished} finished; every file \
         parsed after every run"
    );
    // The next writer still works, removes the temporary files killed
    // writers left, and botocore reads everything.
    job.test(&["configure_aws", "keys", "--profile", "final"])
        .stderr(job.readable("0644") + &job.written_without_region("final"))
        .run();
    let leftovers: Vec<String> = std::fs::read_dir(job.aws_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with(".shipctl."))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    if let Some(r) = job.resolve(&["final", "keep0", "keep299"]) {
        assert_eq!(r["resolved"]["final"]["key_id"], KEY_ID);
        assert_eq!(r["resolved"]["keep299"]["key_id"], "AKIAKEEP000000000299");
    }
}

/// AWS_PROFILE (or the older AWS_DEFAULT_PROFILE) naming another profile
/// makes every aws command use that one: said, and the profile is still
/// written; the same name, or none, is not a word.
#[test]
fn a_profile_chosen_by_the_environment_is_named() {
    let job = Job::new();
    for (var, value, warned) in [
        ("AWS_PROFILE", "prod", true),
        ("AWS_DEFAULT_PROFILE", "prod", true),
        ("AWS_PROFILE", "ci", false),
        ("AWS_PROFILE", "", false),
    ] {
        let warning = match warned {
            true => format!(
                "shipctl: warning: {var} is set to \"prod\" in the environment: aws commands use \
                 that profile, not \"ci\", unless they pass --profile ci\n"
            ),
            false => String::new(),
        };
        job.test(&[
            "configure_aws",
            "keys",
            "--profile",
            "ci",
            "--region",
            "eu-west-1",
        ])
        .env(var, value)
        .stderr(warning + &job.written("ci"))
        .run();
    }
}
