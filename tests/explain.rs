//! `--explain` answers "why is my value empty?" (issue 12 item 1): every try
//! is traced as `not set` / `set but empty` / `set (N bytes)`, every file
//! and folder tried is named with whether it is there; values are masked,
//! names and paths never are.

use crate::util::Test;

/// The issue's case: a variable set to the empty string wins over the file
/// and prints an empty line; the trace says so and tries nothing else.
#[test]
fn a_set_but_empty_variable_is_told_apart_from_a_set_one() {
    Test::new()
        .env("APPCFG_PARAMS_LOG_LEVEL", "")
        .args(["--explain", "get_params_resource", "app-cfg", "LOG_LEVEL"])
        .run()
        .stdout("\n")
        .stderr("shipctl: explain: $APPCFG_PARAMS_LOG_LEVEL: set but empty\n")
        .success();
    Test::new()
        .env("APPCFG_PARAMS_LOG_LEVEL", "debug")
        .args(["--explain", "get_params_resource", "app-cfg", "LOG_LEVEL"])
        .run()
        .stdout("debug\n")
        .stderr("shipctl: explain: $APPCFG_PARAMS_LOG_LEVEL: set (5 bytes)\n")
        .success();
    // SHIPCTL_EXPLAIN=1 (the fast path) traces the same.
    Test::new()
        .env("SHIPCTL_EXPLAIN", "1")
        .env("APPCFG_PARAMS_LOG_LEVEL", "x")
        .args(["get_params_resource", "app-cfg", "LOG_LEVEL"])
        .run()
        .stdout("x\n")
        .stderr("shipctl: explain: $APPCFG_PARAMS_LOG_LEVEL: set (1 byte)\n")
        .success();
}

/// Not set anywhere: each try in order, `$JOB_PATH` shown with what is
/// there, each folder and file tried named.
#[test]
fn not_set_shows_every_folder_and_file_tried_with_paths_unmasked() {
    let t = Test::new();
    let job = t.job();
    let j = job.display();
    let want = format!(
        "shipctl: explain: $APPCFG_PARAMS_LOG_LEVEL: not set\n\
         shipctl: explain: $APPCFG_META: not set\n\
         shipctl: explain: $JOB_PATH: set to \"{j}\" (a folder)\n\
         shipctl: explain: {j}/IN/app-cfg: no such folder\n\
         shipctl: explain: {j}/OUT/app-cfg: no such folder\n\
         shipctl: explain: {j}/IN/app-cfg/version.json: no such file\n"
    );
    t.args(["--explain", "get_params_resource", "app-cfg", "LOG_LEVEL"])
        .run()
        .stdout("\n")
        .stderr(&want)
        .success();
    // Under --strict too, the trace comes before the error.
    let t = Test::new();
    let j = t.job().display().to_string();
    let out = t
        .env("JOB_PATH", format!("{j}/missing"))
        .args([
            "--strict",
            "--explain",
            "get_params_resource",
            "app-cfg",
            "LOG_LEVEL",
        ])
        .run()
        .stdout("")
        .exit(1);
    let err = out.stderr_str();
    assert!(
        err.contains(&format!(
            "shipctl: explain: $JOB_PATH: set to \"{j}/missing\" (does not exist)\n"
        )),
        "{err}"
    );
    assert!(
        err.ends_with("shipctl: error: nothing found for $APPCFG_PARAMS_LOG_LEVEL (or version.propertyBag.params of version.json)\n"),
        "{err}"
    );
}

/// The file is found and read; the value in it is empty, or has N bytes,
/// and is never shown.
#[test]
fn a_value_found_in_a_file_is_described_not_shown() {
    let t = Test::new().file(
        "job/IN/app-cfg/version.json",
        r#"{"version":{"propertyBag":{"params":{"LOG_LEVEL":"","token":"s3cr3t"}}}}"#,
    );
    let j = t.job().display().to_string();
    t.args(["--explain", "get_params_resource", "app-cfg", "LOG_LEVEL"])
        .run()
        .stdout("\n")
        .stderr(&format!(
            "shipctl: explain: $APPCFG_PARAMS_LOG_LEVEL: not set\n\
             shipctl: explain: $APPCFG_META: not set\n\
             shipctl: explain: $JOB_PATH: set to \"{j}\" (a folder)\n\
             shipctl: explain: {j}/IN/app-cfg: folder exists\n\
             shipctl: explain: {j}/IN/app-cfg/version.json: read\n\
             shipctl: explain: version.json .version.propertyBag.params key \"LOG_LEVEL\": found but empty\n"
        ))
        .success();
    let out = Test::new()
        .file(
            "job/IN/app-cfg/version.json",
            r#"{"version":{"propertyBag":{"params":{"token":"s3cr3t"}}}}"#,
        )
        .args(["--explain", "get_params_resource", "app-cfg", "token"])
        .run()
        .stdout("s3cr3t\n")
        .stderr_contains(
            "shipctl: explain: version.json .version.propertyBag.params key \"token\": found (6 bytes)\n",
        )
        .success();
    assert!(!out.stderr_str().contains("s3cr3t"), "{}", out.stderr_str());
    // integration.json: a null counts as absent, and says so.
    Test::new()
        .file("job/IN/keys/integration.json", r#"{"accessKey": null}"#)
        .args([
            "--explain",
            "get_integration_resource_field",
            "keys",
            "accessKey",
        ])
        .run()
        .stdout("\n")
        .stderr_contains(
            "shipctl: explain: integration.json field \"accessKey\": null (counts as absent)\n",
        )
        .success();
}

/// `$<R>_META` is a path: shown, with what is at it, even when the folder
/// is missing; a set-but-empty one counts as not set, and the trace says so.
#[test]
fn meta_folder_is_shown_with_what_is_there() {
    let t = Test::new();
    let j = t.job().display().to_string();
    t.env("APPCFG_META", format!("{j}/nowhere"))
        .args(["--explain", "get_resource_version_name", "app-cfg"])
        .run()
        .stdout("\n")
        .stderr(&format!(
            "shipctl: explain: $APPCFG_VERSIONNAME: not set\n\
             shipctl: explain: $APPCFG_META: set to \"{j}/nowhere\" (does not exist)\n\
             shipctl: explain: {j}/nowhere/version.json: no such file\n"
        ))
        .success();
    let t = Test::new();
    let j = t.job().display().to_string();
    t.env("APPCFG_META", "")
        .args(["--explain", "get_resource_version_name", "app-cfg"])
        .run()
        .stdout("\n")
        .stderr(&format!(
            "shipctl: explain: $APPCFG_VERSIONNAME: not set\n\
             shipctl: explain: $APPCFG_META: set but empty (counts as not set)\n\
             shipctl: explain: $JOB_PATH: set to \"{j}\" (a folder)\n\
             shipctl: explain: {j}/IN/app-cfg: no such folder\n\
             shipctl: explain: {j}/OUT/app-cfg: no such folder\n\
             shipctl: explain: {j}/IN/app-cfg/version.json: no such file\n"
        ))
        .success();
    // A file where the folder should be is named as such. (`$<R>_META` is
    // tried twice: as the answer, then to find the folder.)
    let t = Test::new().file("job/IN/app-cfg", "not a folder");
    let j = t.job().display().to_string();
    t.args(["--explain", "get_resource_meta", "app-cfg"])
        .run()
        .stdout("\n")
        .stderr(&format!(
            "shipctl: explain: $APPCFG_META: not set\n\
             shipctl: explain: $APPCFG_META: not set\n\
             shipctl: explain: $JOB_PATH: set to \"{j}\" (a folder)\n\
             shipctl: explain: {j}/IN/app-cfg: a file, not a folder\n\
             shipctl: explain: {j}/OUT/app-cfg: no such folder\n"
        ))
        .success();
}

/// Without `$JOB_PATH` and `$<R>_META` there is no folder to try: said once.
#[test]
fn no_job_path_says_there_is_no_folder() {
    let out = Test::new()
        .env("JOB_PATH", "")
        .args(["--explain", "get_resource_id", "app-cfg"])
        .run()
        .stdout("\n")
        .success();
    let err = out.stderr_str();
    assert!(
        err.starts_with(
            "shipctl: explain: $APPCFG_ID: not set\n\
             shipctl: explain: $APPCFG_META: not set\n\
             shipctl: explain: $JOB_PATH: set but empty (counts as not set)\n\
             shipctl: explain: resource \"app-cfg\": no folder (neither $APPCFG_META nor $JOB_PATH is set)\n"
        ),
        "{err}"
    );
}

/// The AWS files' variables are paths: shown, with what is there.
#[test]
fn aws_file_variables_are_shown() {
    let t = Test::new().file(
        "job/IN/keys/integration.json",
        r#"{"accessKey": "AKIAFAKEEXAMPLE00001", "secretKey": "s3cr3t"}"#,
    );
    let creds = t.root().join("aws/creds");
    let out = t
        .env("AWS_SHARED_CREDENTIALS_FILE", &creds)
        .env("AWS_CONFIG_FILE", "")
        .args(["--explain", "configure_aws", "keys"])
        .run()
        .stdout("")
        .exit(1);
    let err = out.stderr_str();
    assert!(
        err.contains(&format!(
            "shipctl: explain: $AWS_SHARED_CREDENTIALS_FILE: set to \"{}\" (does not exist)\n",
            creds.display()
        )),
        "{err}"
    );
    assert!(
        err.contains("shipctl: explain: $AWS_CONFIG_FILE: set but empty\n"),
        "{err}"
    );
    assert!(
        err.ends_with(
            "shipctl: error: $AWS_CONFIG_FILE is set but empty; unset it or set it to a file\n"
        ),
        "{err}"
    );
    assert!(
        !err.contains("s3cr3t") && !err.contains("AKIAFAKE"),
        "{err}"
    );
}
