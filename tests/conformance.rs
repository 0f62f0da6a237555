//! The shared conformance cases (copied into `tests/data/conformance/`),
//! run against the binary by a data-driven test: one `#[test]` per area, so
//! that `cargo test` covers them on a fresh clone. The case format is the
//! one of `../shared/conformance/README.md`.

use crate::util::{Expect, Matcher, Test, compared_below, contains};
use base64::Engine;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Mutex, OnceLock};

const CASES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/conformance");

struct Sandbox {
    _root: tempfile::TempDir,
    job: String,
    home: String,
    work: String,
}

impl Sandbox {
    fn new() -> Sandbox {
        let root = tempfile::Builder::new()
            .prefix("shipctl-conf-")
            .tempdir()
            .unwrap();
        let sub = |n: &str| {
            let p = root.path().join(n);
            std::fs::create_dir(&p).unwrap();
            p.to_str().unwrap().to_string()
        };
        let (job, home, work) = (sub("job"), sub("home"), sub("work"));
        Sandbox {
            _root: root,
            job,
            home,
            work,
        }
    }

    fn subst(&self, s: &str) -> String {
        s.replace("{job}", &self.job)
            .replace("{home}", &self.home)
            .replace("{work}", &self.work)
            .replace("{help}", help())
    }

    /// The reverse of [`Sandbox::subst`], for `SHIPCTL_BLESS`.
    fn unsubst(&self, s: &str) -> String {
        s.replace(help(), "{help}")
            .replace(&self.job, "{job}")
            .replace(&self.home, "{home}")
            .replace(&self.work, "{work}")
    }

    fn path(&self, p: &str) -> PathBuf {
        let p = PathBuf::from(self.subst(p));
        if p.is_absolute() {
            p
        } else {
            Path::new(&self.work).join(p)
        }
    }

    /// Bytes and mode of a file value.
    fn content(&self, v: &Value) -> (Vec<u8>, Option<u32>) {
        match v {
            Value::String(s) => (self.subst(s).into_bytes(), None),
            Value::Object(o) => {
                let mode = o
                    .get("mode")
                    .and_then(Value::as_str)
                    .map(|m| u32::from_str_radix(m, 8).unwrap());
                let data = if let Some(b) = o.get("base64").and_then(Value::as_str) {
                    base64::engine::general_purpose::STANDARD.decode(b).unwrap()
                } else {
                    self.subst(o["text"].as_str().unwrap()).into_bytes()
                };
                (data, mode)
            }
            other => panic!("bad file value {other}"),
        }
    }

    fn env(&self, case: &Value) -> HashMap<String, String> {
        let mut env = HashMap::from([
            (
                "PATH".to_string(),
                std::env::var("PATH").unwrap_or_default(),
            ),
            ("HOME".to_string(), self.home.clone()),
            ("LANG".to_string(), "C.UTF-8".to_string()),
        ]);
        if let Some(e) = case.get("env").and_then(Value::as_object) {
            for (k, v) in e {
                env.insert(k.clone(), self.subst(v.as_str().unwrap()));
            }
        }
        env
    }
}

/// This project's expectations for the streams the shared cases leave
/// open: every case's stderr and, where a case checks no stdout, its
/// stdout (each empty unless listed) — in tests/data/conformance-outputs.json,
/// with `{job}`, `{home}`, `{work}` and `{help}` (the text of `shipctl
/// --help`) in place. `SHIPCTL_BLESS=1 cargo test --test integration
/// conformance` rewrites it from what the binary prints (review the diff).
const OUTPUTS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/conformance-outputs.json"
);

#[derive(Default, PartialEq)]
struct Outputs {
    stdout: Option<String>,
    stderr: String,
}

/// The file as id → its JSON object (`stdout`, `stderr`).
fn read_outputs() -> serde_json::Map<String, Value> {
    let text = std::fs::read_to_string(OUTPUTS).unwrap_or_else(|_| "{}".into());
    serde_json::from_str(&text).unwrap()
}

fn outputs() -> &'static BTreeMap<String, Outputs> {
    static OUT: OnceLock<BTreeMap<String, Outputs>> = OnceLock::new();
    OUT.get_or_init(|| {
        read_outputs()
            .into_iter()
            .map(|(id, o)| {
                let text = |k: &str| o.get(k).and_then(Value::as_str).map(str::to_string);
                let outputs = Outputs {
                    stdout: text("stdout"),
                    stderr: text("stderr").unwrap_or_default(),
                };
                (id, outputs)
            })
            .collect()
    })
}

fn bless() -> bool {
    std::env::var_os("SHIPCTL_BLESS").is_some_and(|v| v == "1")
}

/// `SHIPCTL_BLESS=1`: what a case printed, into the file (the areas run
/// in parallel: one writer at a time).
fn record(id: &str, o: Outputs) {
    static LOCK: Mutex<()> = Mutex::new(());
    let _held = LOCK.lock().unwrap();
    let mut all: BTreeMap<String, Value> = read_outputs().into_iter().collect();
    if o == Outputs::default() {
        all.remove(id);
    } else {
        let mut entry = serde_json::Map::new();
        if let Some(out) = o.stdout {
            entry.insert("stdout".into(), out.into());
        }
        if !o.stderr.is_empty() {
            entry.insert("stderr".into(), o.stderr.into());
        }
        all.insert(id.to_string(), entry.into());
    }
    let mut text = serde_json::to_string_pretty(&all).unwrap();
    text.push('\n');
    std::fs::write(OUTPUTS, text).unwrap();
}

/// The text of `shipctl --help` (some usage errors show it).
fn help() -> &'static str {
    static HELP: OnceLock<String> = OnceLock::new();
    HELP.get_or_init(|| {
        let mut cmd = crate::util::command();
        cmd.arg("--help").env_clear().env("LANG", "C.UTF-8");
        Test::with(cmd)
            .stdout(contains("\nUsage: shipctl "))
            .run()
            .stdout_str()
    })
}

/// Run one case; the problems found (empty when it passed).
fn run_case(case: &Value) -> Vec<String> {
    let sb = Sandbox::new();
    let mut problems = Vec::new();
    if let Some(files) = case.get("files").and_then(Value::as_object) {
        for (k, v) in files {
            let p = sb.path(k);
            if k.ends_with('/') {
                std::fs::create_dir_all(&p).unwrap();
                continue;
            }
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            let (data, mode) = sb.content(v);
            std::fs::write(&p, data).unwrap();
            if let Some(m) = mode {
                std::fs::set_permissions(&p, std::fs::Permissions::from_mode(m)).unwrap();
            }
        }
    }
    if let Some(setup) = case.get("setup").and_then(Value::as_array) {
        let script: Vec<String> = setup
            .iter()
            .map(|l| sb.subst(l.as_str().unwrap()))
            .collect();
        let status = Command::new("bash")
            .args(["-e", "-c", &script.join("\n")])
            .current_dir(&sb.work)
            .env_clear()
            .envs(sb.env(case))
            .envs([
                ("GIT_AUTHOR_NAME", "conformance"),
                ("GIT_AUTHOR_EMAIL", "conformance@example.invalid"),
                ("GIT_COMMITTER_NAME", "conformance"),
                ("GIT_COMMITTER_EMAIL", "conformance@example.invalid"),
                ("GIT_AUTHOR_DATE", "2020-01-01T00:00:00Z"),
                ("GIT_COMMITTER_DATE", "2020-01-01T00:00:00Z"),
                ("GIT_CONFIG_NOSYSTEM", "1"),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "setup failed for {}", case["id"]);
    }
    let exp = &case["expect"];
    let mut snapshots = Vec::new();
    for p in exp
        .get("unchanged")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let p = p.as_str().unwrap();
        snapshots.push((p, std::fs::read(sb.path(p)).unwrap()));
    }
    let argv: Vec<String> = case["argv"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| sb.subst(a.as_str().unwrap()))
        .collect();
    let stdin = sb.subst(case.get("stdin").and_then(Value::as_str).unwrap_or(""));
    // The case gives the status and (mostly) stdout; stderr, and stdout
    // where the case leaves it open, are this project's own expectations
    // (see `outputs`).
    let id = case["id"].as_str().unwrap();
    let ours = outputs().get(id);
    let stdout: Matcher = match (exp.get("stdout").and_then(Value::as_str), ours) {
        (Some(w), _) => sb.subst(w).into(),
        (None, _) if exp.get("stdout_empty") == Some(&Value::Bool(true)) => "".into(),
        _ if bless() => compared_below("stdout, recorded"),
        (None, Some(o)) => sb.subst(o.stdout.as_deref().unwrap_or("")).into(),
        (None, None) => "".into(),
    };
    let stderr: Matcher = match bless() {
        true => compared_below("stderr, recorded"),
        false => ours.map_or(String::new(), |o| sb.subst(&o.stderr)).into(),
    };
    let codes: Vec<i32> = match &exp["exit"] {
        Value::Array(a) => a.iter().map(|v| v.as_i64().unwrap() as i32).collect(),
        v => vec![v.as_i64().unwrap() as i32],
    };
    let expect = codes
        .iter()
        .map(|&code| {
            Expect::new()
                .status(code)
                .stdout(stdout.clone())
                .stderr(stderr.clone())
        })
        .reduce(Expect::or)
        .unwrap();
    let mut cmd = crate::util::command();
    cmd.args(&argv)
        .current_dir(&sb.work)
        .env_clear()
        .envs(sb.env(case));
    let (outcome, verdict) = Test::with(cmd).stdin(stdin).expect(expect).try_run();
    let output = outcome.output;
    if let Err(report) = verdict {
        problems.push(report);
    }
    if bless() {
        let stdout = (exp.get("stdout").is_none() && exp.get("stdout_empty").is_none())
            .then(|| sb.unsubst(&String::from_utf8_lossy(&output.stdout)))
            .filter(|s| !s.is_empty());
        let stderr = sb.unsubst(&String::from_utf8_lossy(&output.stderr));
        record(id, Outputs { stdout, stderr });
    }
    for (p, v) in exp
        .get("files")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let (w, _) = sb.content(v);
        match std::fs::read(sb.path(p)) {
            Ok(got) if got == w => {}
            Ok(got) => problems.push(format!(
                "file {p}: expected {:?}, got {:?}",
                String::from_utf8_lossy(&w),
                String::from_utf8_lossy(&got)
            )),
            Err(e) => problems.push(format!("file {p}: {e}")),
        }
    }
    for (p, v) in exp
        .get("json_files")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let want: Value = serde_json::from_str(&sb.subst(&v.to_string())).unwrap();
        match std::fs::read(sb.path(p)).map(|b| serde_json::from_slice::<Value>(&b)) {
            Ok(Ok(got)) if json_equal(&got, &want) => {}
            Ok(Ok(got)) => problems.push(format!("json file {p}: expected {want}, got {got}")),
            Ok(Err(e)) => problems.push(format!("json file {p}: not JSON: {e}")),
            Err(e) => problems.push(format!("json file {p}: {e}")),
        }
    }
    for p in exp
        .get("absent")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let p = p.as_str().unwrap();
        if sb.path(p).symlink_metadata().is_ok() {
            problems.push(format!("path {p}: expected absent, but it exists"));
        }
    }
    for (p, before) in snapshots {
        if std::fs::read(sb.path(p)).ok().as_ref() != Some(&before) {
            problems.push(format!("file {p}: expected unchanged"));
        }
    }
    for (p, m) in exp
        .get("modes")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let want = u32::from_str_radix(m.as_str().unwrap(), 8).unwrap();
        match std::fs::metadata(sb.path(p)) {
            Ok(md) if md.permissions().mode() & 0o7777 == want => {}
            Ok(md) => problems.push(format!(
                "mode of {p}: expected {want:o}, got {:o}",
                md.permissions().mode() & 0o7777
            )),
            Err(e) => problems.push(format!("mode of {p}: {e}")),
        }
    }
    problems
}

/// JSON equality as the shared runner defines it: numbers by value, objects
/// without regard to key order.
fn json_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_equal(v, w)))
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(v, w)| json_equal(v, w))
        }
        _ => a == b,
    }
}

/// Run every case of one area; fail listing each failing case.
fn area(name: &str) {
    let text = std::fs::read_to_string(format!("{CASES}/{name}.json")).unwrap();
    let cases: Vec<Value> = serde_json::from_str(&text).unwrap();
    assert!(!cases.is_empty());
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|case| {
            let problems = run_case(case);
            (!problems.is_empty())
                .then(|| format!("{}\n    {}", case["id"], problems.join("\n    ")))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases of area {name} failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

macro_rules! areas {
    ($($name:ident),* $(,)?) => {
        $( #[test] fn $name() { area(stringify!($name)); } )*

        /// Every case file of tests/data/conformance has its test.
        #[test]
        fn every_area_is_run() {
            let listed = [$(stringify!($name)),*];
            for entry in std::fs::read_dir(CASES).unwrap() {
                let name = entry.unwrap().file_name().into_string().unwrap();
                if let Some(area) = name.strip_suffix(".json") {
                    assert!(listed.contains(&area), "area {area} has no test in areas!(…)");
                }
            }
        }
    };
}

// The areas of the implemented commands. (Every area of the shared cases is
// listed once its commands exist.)
areas!(
    names,
    resource,
    integration,
    params,
    version_key,
    json_value,
    usage,
    strict,
    env_file,
    bump_version,
    replace,
    retry,
    git_changes,
    split_tests,
    decrypt,
    state,
    copy,
    replicate,
);
