//! The lookups and the output contract (issue 2), beyond the shared cases.

use crate::util::{Test, contains, matching, pattern};
use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;

const VERSION_JSON: &str = r#"{
  "name": "app", "type": "image", "operation": "IN", "resourceId": 55,
  "version": {"versionId": 101, "versionNumber": 7, "versionName": "v 1.0",
              "propertyBag": {"params": {"db_host": "file-host", "Mixed-Key": 1.50},
                              "shaData": {"commitSha": "abc"}}},
  "propertyBag": {"yml": {"pointer": {"region": "eu-west-1", "n": {"x": [1, 2]}}, "seed": {}}}
}"#;

/// (command, variable suffix, value in VERSION_JSON, its place there)
const RESOURCE_LOOKUPS: &[(&str, &str, &str, &str)] = &[
    ("get_resource_id", "ID", "55", ".resourceId"),
    ("get_resource_type", "TYPE", "image", ".type"),
    ("get_resource_operation", "OPERATION", "IN", ".operation"),
    (
        "get_resource_version_name",
        "VERSIONNAME",
        "v 1.0",
        ".version.versionName",
    ),
    (
        "get_resource_version_id",
        "VERSIONID",
        "101",
        ".version.versionId",
    ),
    (
        "get_resource_version_number",
        "VERSIONNUMBER",
        "7",
        ".version.versionNumber",
    ),
];

#[test]
fn every_resource_lookup_set_unset_and_file_fallback() {
    for (cmd, suffix, in_file, place) in RESOURCE_LOOKUPS {
        let var = format!("MYAPP1_{suffix}");
        // set: the variable wins over the file
        Test::new()
            .file("job/IN/my-app-1/version.json", VERSION_JSON)
            .env(&var, "from-env")
            .args([cmd, &"my-app-1"])
            .stdout("from-env\n")
            .run();
        // set but empty: still wins
        Test::new()
            .file("job/IN/my-app-1/version.json", VERSION_JSON)
            .env(&var, "")
            .args([cmd, &"my-app-1"])
            .stdout("\n")
            .run();
        // unset: version.json answers
        Test::new()
            .file("job/IN/my-app-1/version.json", VERSION_JSON)
            .args([cmd, &"my-app-1"])
            .stdout(format!("{in_file}\n"))
            .run();
        // unset, no file: empty line; strict: exit 1, variable named
        Test::new().args([cmd, &"my-app-1"]).stdout("\n").run();
        Test::new()
            .args(["--strict", cmd, "my-app-1"])
            .stderr(format!(
                "shipctl: error: nothing found for ${var} (or {place} of version.json)\n"
            ))
            .status(1)
            .run();
    }
}

#[test]
fn meta_and_state_fall_back_to_the_folder() {
    let t = Test::new().file("job/OUT/app/version.json", VERSION_JSON);
    let job = t.job();
    t.args(["get_resource_state", "app"])
        .stdout(format!("{}/OUT/app/image\n", job.display()))
        .run();
    let t = Test::new().file("job/IN/app/version.json", VERSION_JSON);
    let job = t.job();
    t.env("APP_TYPE", "params")
        .args(["get_resource_meta", "app"])
        .stdout(format!("{}/IN/app\n", job.display()))
        .run();
    let t = Test::new().file("job/IN/app/version.json", VERSION_JSON);
    let job = t.job();
    t.env("APP_TYPE", "params")
        .args(["get_resource_path", "app"])
        .stdout(format!("{}/IN/app/params\n", job.display()))
        .run();
}

#[test]
fn values_are_printed_exactly() {
    for v in [
        "a  b*",
        "*",
        "$HOME and ${X}",
        "say \"hi\" it's",
        "line1\nline2\n",
        "ünïcödé ✓",
        "-n",
        "-e \\t",
        " lead and trail ",
        "`id`",
    ] {
        Test::new()
            .env("APP_VERSIONNAME", v)
            .args(["get_resource_version_name", "app"])
            .stdout(format!("{v}\n"))
            .run();
        Test::new()
            .env("APP_INTEGRATION_SECRETKEY", v)
            .args(["get_integration_resource_field", "app", "secretKey"])
            .stdout(format!("{v}\n"))
            .run();
    }
}

#[test]
fn non_utf8_values_are_printed_as_bytes() {
    let value = OsString::from_vec(b"caf\xe9 \xff".to_vec());
    Test::new()
        .env("APP_PARAMS_NAME", value)
        .args(["get_params_resource", "app", "name"])
        .stdout(b"caf\xe9 \xff\n")
        .run();
}

/// A file name is any bytes the shell passes: get_json_value reads a file
/// whose name is not UTF-8, and names a missing one with its bytes shown.
#[test]
fn a_json_file_name_that_is_not_utf8_is_read() {
    let name = OsString::from_vec(b"caf\xe9.json".to_vec());
    // (A UTF-8 neighbour, so that the work folder exists.)
    let t = Test::new().file("work/other.json", "{}");
    std::fs::write(t.work().join(&name), r#"{"a": 1}"#).unwrap();
    t.args([OsString::from("get_json_value"), name, "a".into()])
        .stdout("1\n")
        .run();
    Test::new()
        .args([
            OsString::from("get_json_value"),
            OsString::from_vec(b"x\xe9.json".to_vec()),
            "a".into(),
        ])
        .status(99)
        .stderr("shipctl: error: x\u{fffd}.json not found\n")
        .run();
}

#[test]
fn params_and_version_keys_from_file() {
    let t = || Test::new().file("job/IN/app/version.json", VERSION_JSON);
    t().args(["get_params_resource", "app", "db_host"])
        .stdout("file-host\n")
        .run();
    // sanitized match, number as written in the file
    t().args(["get_params_resource", "app", "MIXEDKEY"])
        .stdout("1.50\n")
        .run();
    t().args(["get_resource_version_key", "app", "versionName"])
        .stdout("v 1.0\n")
        .run();
    t().args(["get_resource_version_key", "app", "shaData.commitSha"])
        .stdout("abc\n")
        .run();
    t().args(["get_resource_version_key", "app", "nothing"])
        .stdout("null\n")
        .run();
    t().args(["get_resource_pointer_key", "app", "n.x[1]"])
        .stdout("2\n")
        .run();
    t().args(["get_resource_pointer_key", "app", "n"])
        .stdout("{\n  \"x\": [\n    1,\n    2\n  ]\n}\n")
        .run();
    t().args(["get_resource_pointer_key", "app", "n | keys"])
        .status(99)
        .stderr(
            "shipctl: error: \"n | keys\": jq programs are not supported; PATH must be a plain \
             path such as a.b[0].c\n",
        )
        .run();
    // version.json missing → 99
    let t = Test::new();
    let job = t.job().display().to_string();
    t.args(["get_resource_version_key", "app", "x"])
        .status(99)
        .stderr(format!(
            "shipctl: error: {job}/IN/app/version.json not found\n"
        ))
        .run();
}

#[test]
fn malformed_files_exit_1_with_a_message() {
    let t = Test::new().file("job/IN/app/version.json", "{\"type\": ");
    let job = t.job().display().to_string();
    t.args(["get_resource_type", "app"])
        .stderr(format!(
            "shipctl: error: {job}/IN/app/version.json: malformed JSON at line 1, column 10: \
             unexpected end of input, expected a JSON value\n"
        ))
        .status(1)
        .run();
    let t = Test::new().file(
        "job/IN/app/integration.env",
        "ok=\"1\"\nbroken=\"never closed\n",
    );
    let job = t.job().display().to_string();
    t.args(["get_integration_resource_keys", "app"])
        .stderr(format!(
            "shipctl: error: {job}/IN/app/integration.env:2: unterminated double-quoted value (it \
             starts on this line)\n"
        ))
        .status(1)
        .run();
    let t = Test::new().file("job/IN/app/integration.json", "[1,");
    let job = t.job().display().to_string();
    t.args(["get_integration_resource_field", "app", "accessKey"])
        .stderr(format!(
            "shipctl: error: {job}/IN/app/integration.json: malformed JSON at line 1, column 4: \
             unexpected end of input, expected a JSON value\n"
        ))
        .status(1)
        .run();
}

#[test]
fn explain_traces_without_values() {
    let secret = "s3cr3t-value";
    let t = Test::new().file(
        "job/IN/keys/integration.json",
        format!("{{\"secretKey\": \"{secret}\"}}"),
    );
    let j = t.job().display().to_string();
    t.args([
        "--explain",
        "get_integration_resource_field",
        "keys",
        "secretKey",
    ])
    .stdout(format!("{secret}\n"))
    .stderr(format!(
        "shipctl: explain: $KEYS_META: not set\n\
         shipctl: explain: $JOB_PATH: set to \"{j}\" (a folder)\n\
         shipctl: explain: {j}/IN/keys: folder exists\n\
         shipctl: explain: {j}/IN/keys/integration.json: read\n\
         shipctl: explain: $KEYS_INTEGRATION_SECRETKEY: not set\n\
         shipctl: explain: integration.json field \"secretKey\": found (12 bytes)\n"
    ))
    .run();
    // the environment variable form (the folder is looked for first)
    let t = Test::new();
    let j = t.job().display().to_string();
    t.env("SHIPCTL_EXPLAIN", "1")
        .env("KEYS_INTEGRATION_SECRETKEY", secret)
        .args(["get_integration_resource_field", "keys", "secretKey"])
        .stdout(format!("{secret}\n"))
        .stderr(format!(
            "shipctl: explain: $KEYS_META: not set\n\
             shipctl: explain: $JOB_PATH: set to \"{j}\" (a folder)\n\
             shipctl: explain: {j}/IN/keys: no such folder\n\
             shipctl: explain: {j}/OUT/keys: no such folder\n\
             shipctl: explain: {j}/IN/keys/integration.json: no such file\n\
             shipctl: explain: $KEYS_INTEGRATION_SECRETKEY: set (12 bytes)\n"
        ))
        .run();
}

#[test]
fn help_and_version_exit_0_on_stdout() {
    let help = matching(
        "the help, with its group \"Resource and job information:\" and \
         get_integration_resource_field",
        |t| {
            t.contains("Resource and job information:")
                && t.contains("get_integration_resource_field")
        },
    );
    Test::new().args(["--help"]).stdout(help).run();
    Test::new()
        .args(["get_integration_resource_field", "res", "--help"])
        .stdout(contains("\nExample:\n"))
        .run();
    // Each KEY says how it is read: a variable's sanitized name, or a JSON
    // path whose case counts.
    for (command, key) in [
        (
            "get_params_resource",
            "<KEY>  Key (any case; sanitized and upper-cased for the variable name)",
        ),
        (
            "get_resource_version_key",
            "<KEY>  Key, or a path such as a.b[0].c or [\"odd.key\"] (case kept, as jq reads it)",
        ),
        (
            "get_resource_pointer_key",
            "<KEY>  Key, or a path such as a.b[0].c or [\"odd.key\"] (case kept, as jq reads it)",
        ),
    ] {
        Test::new()
            .args([command, "--help"])
            .stdout(contains(key))
            .run();
    }
    Test::new()
        .args(["--version"])
        .stdout(pattern("shipctl 0.1.0 ([..])\n"))
        .run();
}

#[test]
fn usage_errors_exit_99_with_stderr_only() {
    let help = Test::new()
        .args(["--help"])
        .stdout(contains("Usage:"))
        .run();
    Test::new()
        .status(99)
        .stderr(format!(
            "shipctl: error: no command given\n\n{}",
            help.stdout_str()
        ))
        .run();
    let usage = "For more information, try '--help'.\n";
    for (args, says) in [
        (
            &["get_resource_id"][..],
            format!(
                "the following required arguments were not provided: <RES>\n\
                 Usage: shipctl get_resource_id <RES>\n{usage}"
            ),
        ),
        (
            &["get_resource_id", ""][..],
            format!("a value is required for '<RES>' but none was supplied\n{usage}"),
        ),
        (
            &["get_resource_id", "a", "b"][..],
            format!("unexpected argument 'b' found\nUsage: shipctl get_resource_id <RES>\n{usage}"),
        ),
        (
            &["no_such_command"][..],
            "unknown command 'no_such_command' (`shipctl --help` lists the commands)\n".into(),
        ),
        (
            &["--no-such-option", "get_resource_id", "a"][..],
            format!(
                "unexpected argument '--no-such-option' found\n\
                 Usage: shipctl [OPTIONS] <COMMAND> [ARGS]...\n{usage}"
            ),
        ),
    ] {
        Test::new()
            .args(args)
            .status(99)
            .stderr(format!("shipctl: error: {says}"))
            .run();
    }
}

#[test]
fn global_options_after_the_command_are_values() {
    let warning = |o: &str| {
        format!(
            "shipctl: warning: {o} is a global option: it goes before the command \
             (shipctl {o} COMMAND …); after the command it is an ordinary argument\n"
        )
    };
    Test::new()
        .args(["to_uppercase", "--strict"])
        .stdout("--STRICT\n")
        .stderr(warning("--strict"))
        .run();
    Test::new()
        .args(["get_resource_name", "--env-file"])
        .stdout("ENVFILE\n")
        .stderr(warning("--env-file"))
        .run();
    Test::new()
        .args(["to_uppercase", "--"])
        .stdout("--\n")
        .run();
}

#[test]
fn env_file_values_and_errors() {
    Test::new()
        .file(
            "work/job.env",
            "APP_ID=\"multi\nline\"\nexport APP_TYPE=image\n",
        )
        .args(["--env-file", "job.env", "get_resource_id", "app"])
        .stdout("multi\nline\n")
        .run();
    Test::new()
        .file("work/job.env", "APP_ID=\"unterminated\n")
        .args(["--env-file=job.env", "get_resource_id", "app"])
        .stderr("shipctl: error: job.env:1: unterminated double-quoted value (it starts on this line)\n")
        .status(1)
        .run();
}

#[test]
fn broken_pipe_exits_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.json");
    let items: Vec<String> = (0..200_000).map(|i| format!("\"item {i}\"")).collect();
    std::fs::write(&big, format!("[{}]", items.join(","))).unwrap();
    let bin = crate::util::bin();
    let mut bash = std::process::Command::new("bash");
    bash.arg("-c").arg(format!(
        "'{bin}' get_json_value '{}' | head -c 10 >/dev/null; echo ${{PIPESTATUS[0]}}",
        big.display()
    ));
    // shipctl's status, then nothing on stderr.
    Test::with(bash).stdout("0\n").run();
}

#[test]
fn example_job_environment_answers() {
    let root = env!("CARGO_MANIFEST_DIR");
    Test::new()
        .current_dir(root)
        .args([
            "--env-file",
            "examples/job/job.env",
            "get_integration_resource_field",
            "my-aws-keys-1",
            "accessKey",
        ])
        .stdout("AKIAEXAMPLEEXAMPLE01\n")
        .run();
    Test::new()
        .current_dir(root)
        .args([
            "--env-file",
            "examples/job/job.env",
            "get_resource_pointer_key",
            "prod-cluster",
            "namespace.name",
        ])
        .stdout("web\n")
        .run();
}

/// An integration name is a folder name under $JOB_INTEGRATIONS: one with
/// `/` or `..` would read another folder's files, and is refused (99).
#[test]
fn an_integration_name_cannot_leave_job_integrations() {
    for args in [
        &["get_integration_keys", "../secret"][..],
        &["get_integration_field", "../secret", "password"],
        &["get_integration_field", "a/b", "password"],
    ] {
        let t = Test::new()
            .file("job/ints/ok/integration.env", "PASSWORD=1\n")
            .file("job/secret/integration.env", "PASSWORD=hunter2\n")
            .file("job/secret/integration.json", r#"{"password": "hunter2"}"#);
        let ints = t.root().join("job/ints");
        let name = args[1];
        t.env("JOB_INTEGRATIONS", ints)
            .args(args)
            .status(99)
            .stderr(format!(
                "shipctl: error: integration name {name:?} would leave $JOB_INTEGRATIONS (it \
                 contains '/' or '..')\n"
            ))
            .run();
    }
}
