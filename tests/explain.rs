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
        .stdout("\n")
        .stderr("shipctl: explain: $APPCFG_PARAMS_LOG_LEVEL: set but empty\n")
        .run();
    Test::new()
        .env("APPCFG_PARAMS_LOG_LEVEL", "debug")
        .args(["--explain", "get_params_resource", "app-cfg", "LOG_LEVEL"])
        .stdout("debug\n")
        .stderr("shipctl: explain: $APPCFG_PARAMS_LOG_LEVEL: set (5 bytes)\n")
        .run();
    // SHIPCTL_EXPLAIN=1 (the fast path) traces the same.
    Test::new()
        .env("SHIPCTL_EXPLAIN", "1")
        .env("APPCFG_PARAMS_LOG_LEVEL", "x")
        .args(["get_params_resource", "app-cfg", "LOG_LEVEL"])
        .stdout("x\n")
        .stderr("shipctl: explain: $APPCFG_PARAMS_LOG_LEVEL: set (1 byte)\n")
        .run();
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
        .stdout("\n")
        .stderr(&want)
        .run();
    // Under --strict too, the trace comes before the error.
    let t = Test::new();
    let j = t.job().display().to_string();
    t.env("JOB_PATH", format!("{j}/missing"))
        .args([
            "--strict",
            "--explain",
            "get_params_resource",
            "app-cfg",
            "LOG_LEVEL",
        ])
        .status(1)
        .stderr(format!(
            "shipctl: explain: $APPCFG_PARAMS_LOG_LEVEL: not set\n\
             shipctl: explain: $APPCFG_META: not set\n\
             shipctl: explain: $JOB_PATH: set to \"{j}/missing\" (does not exist)\n\
             shipctl: explain: {j}/missing/IN/app-cfg: no such folder\n\
             shipctl: explain: {j}/missing/OUT/app-cfg: no such folder\n\
             shipctl: explain: {j}/missing/IN/app-cfg/version.json: no such file\n\
             shipctl: error: nothing found for $APPCFG_PARAMS_LOG_LEVEL (or \
             version.propertyBag.params of version.json)\n"
        ))
        .run();
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
        .stdout("\n")
        .stderr(format!(
            "shipctl: explain: $APPCFG_PARAMS_LOG_LEVEL: not set\n\
             shipctl: explain: $APPCFG_META: not set\n\
             shipctl: explain: $JOB_PATH: set to \"{j}\" (a folder)\n\
             shipctl: explain: {j}/IN/app-cfg: folder exists\n\
             shipctl: explain: {j}/IN/app-cfg/version.json: read\n\
             shipctl: explain: version.json .version.propertyBag.params key \"LOG_LEVEL\": found but empty\n"
        ))
        .run();
    let t = Test::new().file(
        "job/IN/app-cfg/version.json",
        r#"{"version":{"propertyBag":{"params":{"token":"s3cr3t"}}}}"#,
    );
    let j = t.job().display().to_string();
    t.args(["--explain", "get_params_resource", "app-cfg", "token"])
        .stdout("s3cr3t\n")
        .stderr(format!(
            "shipctl: explain: $APPCFG_PARAMS_TOKEN: not set\n\
             shipctl: explain: $APPCFG_META: not set\n\
             shipctl: explain: $JOB_PATH: set to \"{j}\" (a folder)\n\
             shipctl: explain: {j}/IN/app-cfg: folder exists\n\
             shipctl: explain: {j}/IN/app-cfg/version.json: read\n\
             shipctl: explain: version.json .version.propertyBag.params key \"token\": found (6 bytes)\n"
        ))
        .run();
    // integration.json: a null counts as absent, and says so.
    let t = Test::new().file("job/IN/keys/integration.json", r#"{"accessKey": null}"#);
    let j = t.job().display().to_string();
    t.args([
        "--explain",
        "get_integration_resource_field",
        "keys",
        "accessKey",
    ])
    .stdout("\n")
    .stderr(format!(
        "shipctl: explain: $KEYS_META: not set\n\
         shipctl: explain: $JOB_PATH: set to \"{j}\" (a folder)\n\
         shipctl: explain: {j}/IN/keys: folder exists\n\
         shipctl: explain: {j}/IN/keys/integration.json: read\n\
         shipctl: explain: $KEYS_INTEGRATION_ACCESSKEY: not set\n\
         shipctl: explain: integration.json field \"accessKey\": null (counts as absent)\n"
    ))
    .run();
}

/// `$<R>_META` is a path: shown, with what is at it, even when the folder
/// is missing; a set-but-empty one counts as not set, and the trace says so.
#[test]
fn meta_folder_is_shown_with_what_is_there() {
    let t = Test::new();
    let j = t.job().display().to_string();
    t.env("APPCFG_META", format!("{j}/nowhere"))
        .args(["--explain", "get_resource_version_name", "app-cfg"])
        .stdout("\n")
        .stderr(format!(
            "shipctl: explain: $APPCFG_VERSIONNAME: not set\n\
             shipctl: explain: $APPCFG_META: set to \"{j}/nowhere\" (does not exist)\n\
             shipctl: explain: {j}/nowhere/version.json: no such file\n"
        ))
        .run();
    let t = Test::new();
    let j = t.job().display().to_string();
    t.env("APPCFG_META", "")
        .args(["--explain", "get_resource_version_name", "app-cfg"])
        .stdout("\n")
        .stderr(format!(
            "shipctl: explain: $APPCFG_VERSIONNAME: not set\n\
             shipctl: explain: $APPCFG_META: set but empty (counts as not set)\n\
             shipctl: explain: $JOB_PATH: set to \"{j}\" (a folder)\n\
             shipctl: explain: {j}/IN/app-cfg: no such folder\n\
             shipctl: explain: {j}/OUT/app-cfg: no such folder\n\
             shipctl: explain: {j}/IN/app-cfg/version.json: no such file\n"
        ))
        .run();
    // A file where the folder should be is named as such. (`$<R>_META` is
    // tried twice: as the answer, then to find the folder.)
    let t = Test::new().file("job/IN/app-cfg", "not a folder");
    let j = t.job().display().to_string();
    t.args(["--explain", "get_resource_meta", "app-cfg"])
        .stdout("\n")
        .stderr(format!(
            "shipctl: explain: $APPCFG_META: not set\n\
             shipctl: explain: $APPCFG_META: not set\n\
             shipctl: explain: $JOB_PATH: set to \"{j}\" (a folder)\n\
             shipctl: explain: {j}/IN/app-cfg: a file, not a folder\n\
             shipctl: explain: {j}/OUT/app-cfg: no such folder\n"
        ))
        .run();
}

/// Without `$JOB_PATH` and `$<R>_META` there is no folder to try: said once.
#[test]
fn no_job_path_says_there_is_no_folder() {
    // The last line names the path as messages show it; the lookup reads
    // that relative path (`./$JOB_PATH/IN/…`) from the working folder, which
    // is a bug of src/job.rs (`Resource::file`), reported, not fixed here.
    Test::new()
        .env("JOB_PATH", "")
        .args(["--explain", "get_resource_id", "app-cfg"])
        .stdout("\n")
        .stderr(
            "shipctl: explain: $APPCFG_ID: not set\n\
             shipctl: explain: $APPCFG_META: not set\n\
             shipctl: explain: $JOB_PATH: set but empty (counts as not set)\n\
             shipctl: explain: resource \"app-cfg\": no folder (neither $APPCFG_META nor $JOB_PATH is set)\n\
             shipctl: explain: $JOB_PATH/IN/app-cfg/version.json: no such file\n",
        )
        .run();
}

/// The AWS files' variables are paths: shown, with what is there.
#[test]
fn aws_file_variables_are_shown() {
    let t = Test::new().file(
        "job/IN/keys/integration.json",
        r#"{"accessKey": "AKIAFAKEEXAMPLE00001", "secretKey": "s3cr3t"}"#,
    );
    let creds = t.root().join("aws/creds");
    // Neither the key id nor the secret is shown.
    t.env("AWS_SHARED_CREDENTIALS_FILE", &creds)
        .env("AWS_CONFIG_FILE", "")
        .args(["--explain", "configure_aws", "keys"])
        .status(1)
        .stderr(format!(
            "shipctl: explain: $AWS_SHARED_CREDENTIALS_FILE: set to \"{}\" (does not exist)\n\
             shipctl: explain: $AWS_CONFIG_FILE: set but empty\n\
             shipctl: error: $AWS_CONFIG_FILE is set but empty; unset it or set it to a file\n",
            creds.display()
        ))
        .run();
}
