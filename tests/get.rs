//! The lookups and the output contract (issue 2), beyond the shared cases.

use crate::util::Test;
use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;

const VERSION_JSON: &str = r#"{
  "name": "app", "type": "image", "operation": "IN", "resourceId": 55,
  "version": {"versionId": 101, "versionNumber": 7, "versionName": "v 1.0",
              "propertyBag": {"params": {"db_host": "file-host", "Mixed-Key": 1.50},
                              "shaData": {"commitSha": "abc"}}},
  "propertyBag": {"yml": {"pointer": {"region": "eu-west-1", "n": {"x": [1, 2]}}, "seed": {}}}
}"#;

/// (command, variable suffix, value in VERSION_JSON)
const RESOURCE_LOOKUPS: &[(&str, &str, &str)] = &[
    ("get_resource_id", "ID", "55"),
    ("get_resource_type", "TYPE", "image"),
    ("get_resource_operation", "OPERATION", "IN"),
    ("get_resource_version_name", "VERSIONNAME", "v 1.0"),
    ("get_resource_version_id", "VERSIONID", "101"),
    ("get_resource_version_number", "VERSIONNUMBER", "7"),
];

#[test]
fn every_resource_lookup_set_unset_and_file_fallback() {
    for (cmd, suffix, in_file) in RESOURCE_LOOKUPS {
        let var = format!("MYAPP1_{suffix}");
        // set: the variable wins over the file
        Test::new()
            .file("job/IN/my-app-1/version.json", VERSION_JSON)
            .env(&var, "from-env")
            .args([cmd, &"my-app-1"])
            .run()
            .stdout("from-env\n")
            .stderr("")
            .success();
        // set but empty: still wins
        Test::new()
            .file("job/IN/my-app-1/version.json", VERSION_JSON)
            .env(&var, "")
            .args([cmd, &"my-app-1"])
            .run()
            .stdout("\n")
            .success();
        // unset: version.json answers
        Test::new()
            .file("job/IN/my-app-1/version.json", VERSION_JSON)
            .args([cmd, &"my-app-1"])
            .run()
            .stdout(format!("{in_file}\n"))
            .stderr("")
            .success();
        // unset, no file: empty line; strict: exit 1, variable named
        Test::new()
            .args([cmd, &"my-app-1"])
            .run()
            .stdout("\n")
            .stderr("")
            .success();
        Test::new()
            .args(["--strict", cmd, "my-app-1"])
            .run()
            .stdout("")
            .stderr_contains(&format!("${var}"))
            .exit(1);
    }
}

#[test]
fn meta_and_state_fall_back_to_the_folder() {
    let t = Test::new().file("job/OUT/app/version.json", VERSION_JSON);
    let job = t.job();
    t.args(["get_resource_state", "app"])
        .run()
        .stdout(format!("{}/OUT/app/image\n", job.display()))
        .success();
    let t = Test::new().file("job/IN/app/version.json", VERSION_JSON);
    let job = t.job();
    t.env("APP_TYPE", "params")
        .args(["get_resource_meta", "app"])
        .run()
        .stdout(format!("{}/IN/app\n", job.display()))
        .success();
    let t = Test::new().file("job/IN/app/version.json", VERSION_JSON);
    let job = t.job();
    t.env("APP_TYPE", "params")
        .args(["get_resource_path", "app"])
        .run()
        .stdout(format!("{}/IN/app/params\n", job.display()))
        .success();
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
            .run()
            .stdout(format!("{v}\n"))
            .success();
        Test::new()
            .env("APP_INTEGRATION_SECRETKEY", v)
            .args(["get_integration_resource_field", "app", "secretKey"])
            .run()
            .stdout(format!("{v}\n"))
            .success();
    }
}

#[test]
fn non_utf8_values_are_printed_as_bytes() {
    let value = OsString::from_vec(b"caf\xe9 \xff".to_vec());
    let out = Test::new()
        .env("APP_PARAMS_NAME", value)
        .args(["get_params_resource", "app", "name"])
        .run()
        .success();
    assert_eq!(out.output.stdout, b"caf\xe9 \xff\n");
}

#[test]
fn params_and_version_keys_from_file() {
    let t = || Test::new().file("job/IN/app/version.json", VERSION_JSON);
    t().args(["get_params_resource", "app", "db_host"])
        .run()
        .stdout("file-host\n")
        .success();
    // sanitized match, number as written in the file
    t().args(["get_params_resource", "app", "MIXEDKEY"])
        .run()
        .stdout("1.50\n")
        .success();
    t().args(["get_resource_version_key", "app", "versionName"])
        .run()
        .stdout("v 1.0\n")
        .success();
    t().args(["get_resource_version_key", "app", "shaData.commitSha"])
        .run()
        .stdout("abc\n")
        .success();
    t().args(["get_resource_version_key", "app", "nothing"])
        .run()
        .stdout("null\n")
        .success();
    t().args(["get_resource_pointer_key", "app", "n.x[1]"])
        .run()
        .stdout("2\n")
        .success();
    t().args(["get_resource_pointer_key", "app", "n"])
        .run()
        .stdout("{\n  \"x\": [\n    1,\n    2\n  ]\n}\n")
        .success();
    t().args(["get_resource_pointer_key", "app", "n | keys"])
        .run()
        .stdout("")
        .exit(99);
    // version.json missing → 99
    Test::new()
        .args(["get_resource_version_key", "app", "x"])
        .run()
        .stdout("")
        .exit(99);
}

#[test]
fn malformed_files_exit_1_with_a_message() {
    Test::new()
        .file("job/IN/app/version.json", "{\"type\": ")
        .args(["get_resource_type", "app"])
        .run()
        .stdout("")
        .stderr_contains("version.json")
        .exit(1);
    Test::new()
        .file(
            "job/IN/app/integration.env",
            "ok=\"1\"\nbroken=\"never closed\n",
        )
        .args(["get_integration_resource_keys", "app"])
        .run()
        .stdout("")
        .stderr_contains("integration.env")
        .exit(1);
    Test::new()
        .file("job/IN/app/integration.json", "[1,")
        .args(["get_integration_resource_field", "app", "accessKey"])
        .run()
        .stdout("")
        .stderr_contains("integration.json")
        .exit(1);
}

#[test]
fn explain_traces_without_values() {
    let secret = "s3cr3t-value";
    let out = Test::new()
        .file(
            "job/IN/keys/integration.json",
            format!("{{\"secretKey\": \"{secret}\"}}"),
        )
        .args([
            "--explain",
            "get_integration_resource_field",
            "keys",
            "secretKey",
        ])
        .run()
        .stdout(format!("{secret}\n"))
        .success();
    let err = out.stderr_str();
    assert!(
        err.contains("$KEYS_INTEGRATION_SECRETKEY: not set"),
        "{err}"
    );
    assert!(err.contains("integration.json"), "{err}");
    assert!(!err.contains(secret), "{err}");
    // the environment variable form
    let out = Test::new()
        .env("SHIPCTL_EXPLAIN", "1")
        .env("KEYS_INTEGRATION_SECRETKEY", secret)
        .args(["get_integration_resource_field", "keys", "secretKey"])
        .run()
        .success();
    assert!(out.stderr_str().contains("set (12 bytes)"));
    assert!(!out.stderr_str().contains(secret));
}

#[test]
fn help_and_version_exit_0_on_stdout() {
    let out = Test::new().args(["--help"]).run().stderr("").success();
    let help = out.stdout_str();
    assert!(help.contains("Resource and job information:"), "{help}");
    assert!(help.contains("get_integration_resource_field"));
    let out = Test::new()
        .args(["get_integration_resource_field", "res", "--help"])
        .run()
        .success();
    assert!(out.stdout_str().contains("Example:"));
    let out = Test::new().args(["--version"]).run().success();
    assert!(out.stdout_str().starts_with("shipctl "));
}

#[test]
fn usage_errors_exit_99_with_stderr_only() {
    for args in [
        &[][..],
        &["get_resource_id"][..],
        &["get_resource_id", ""][..],
        &["get_resource_id", "a", "b"][..],
        &["no_such_command"][..],
        &["--no-such-option", "get_resource_id", "a"][..],
    ] {
        let out = Test::new().args(args).run().stdout("").exit(99);
        assert!(!out.stderr_str().is_empty(), "{args:?}");
    }
}

#[test]
fn global_options_after_the_command_are_values() {
    Test::new()
        .args(["to_uppercase", "--strict"])
        .run()
        .stdout("--STRICT\n")
        .success();
    Test::new()
        .args(["get_resource_name", "--env-file"])
        .run()
        .stdout("ENVFILE\n")
        .success();
    Test::new()
        .args(["to_uppercase", "--"])
        .run()
        .stdout("--\n")
        .success();
}

#[test]
fn env_file_values_and_errors() {
    Test::new()
        .file(
            "work/job.env",
            "APP_ID=\"multi\nline\"\nexport APP_TYPE=image\n",
        )
        .args(["--env-file", "job.env", "get_resource_id", "app"])
        .run()
        .stdout("multi\nline\n")
        .success();
    Test::new()
        .file("work/job.env", "APP_ID=\"unterminated\n")
        .args(["--env-file=job.env", "get_resource_id", "app"])
        .run()
        .stdout("")
        .stderr_contains("job.env")
        .exit(1);
}

#[test]
fn broken_pipe_exits_quietly() {
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.json");
    let items: Vec<String> = (0..200_000).map(|i| format!("\"item {i}\"")).collect();
    std::fs::write(&big, format!("[{}]", items.join(","))).unwrap();
    let bin = crate::util::bin();
    let out = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "'{bin}' get_json_value '{}' | head -c 10 >/dev/null; echo ${{PIPESTATUS[0]}}",
            big.display()
        ))
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "0\n");
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

#[test]
fn example_job_environment_answers() {
    let root = env!("CARGO_MANIFEST_DIR");
    let out = crate::util::command()
        .current_dir(root)
        .args([
            "--env-file",
            "examples/job/job.env",
            "get_integration_resource_field",
            "my-aws-keys-1",
            "accessKey",
        ])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "AKIAEXAMPLEEXAMPLE01\n"
    );
    let out = crate::util::command()
        .current_dir(root)
        .env_remove("PRODCLUSTER_META")
        .args([
            "--env-file",
            "examples/job/job.env",
            "get_resource_pointer_key",
            "prod-cluster",
            "namespace.name",
        ])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "web\n");
}
