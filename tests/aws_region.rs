//! Issue 12 item 5: where `configure_aws` finds the region, what it says
//! when there is none, and which `--region` values it refuses. Every call
//! asserts exit status, stdout and stderr together.

use crate::aws::{Job, KEY_ID, SECRET, read, text};
use serde_json::json;
use std::path::Path;
use std::process::Output;

fn assert_out(out: &Output, code: i32, stdout: &str, stderr: &str) {
    assert_eq!(
        (
            out.status.code(),
            text(&out.stdout).as_str(),
            text(&out.stderr).as_str()
        ),
        (Some(code), stdout, stderr)
    );
}

fn written(job: &Job, profile: &str) -> String {
    format!(
        "shipctl: AWS profile {profile:?} written to {} and {}\n",
        job.creds().display(),
        job.config().display()
    )
}

fn keys_dir(job: &Job) -> std::path::PathBuf {
    job.dir.path().join("job/IN/keys")
}

#[test]
fn region_from_the_integration_is_the_last_fallback() {
    let job = Job::new();
    job.integration(json!({"accessKey": KEY_ID, "secretKey": SECRET, "region": "ap-south-1"}));
    // Only the integration has one: it is written.
    let out = job.run(&["configure_aws", "keys", "--profile", "ci"], &[]);
    assert_out(&out, 0, "", &written(&job, "ci"));
    assert_eq!(read(&job.config()), "[profile ci]\nregion = ap-south-1\n");
    // $<R>_INTEGRATION_REGION wins over integration.json.
    let out = job.run(
        &["configure_aws", "keys", "--profile", "ci"],
        &[("KEYS_INTEGRATION_REGION", "us-east-2")],
    );
    assert_out(&out, 0, "", &written(&job, "ci"));
    assert_eq!(read(&job.config()), "[profile ci]\nregion = us-east-2\n");
    // version.json comes before the integration.
    std::fs::write(
        keys_dir(&job).join("version.json"),
        json!({"version": {"propertyBag": {"region": "eu-north-1"}}}).to_string(),
    )
    .unwrap();
    let out = job.run(&["configure_aws", "keys", "--profile", "ci"], &[]);
    assert_out(&out, 0, "", &written(&job, "ci"));
    assert_eq!(read(&job.config()), "[profile ci]\nregion = eu-north-1\n");
    // $<R>_POINTER_REGION before version.json, --region before everything.
    let env = [("KEYS_POINTER_REGION", "sa-east-1")];
    let out = job.run(&["configure_aws", "keys", "--profile", "ci"], &env);
    assert_out(&out, 0, "", &written(&job, "ci"));
    assert_eq!(read(&job.config()), "[profile ci]\nregion = sa-east-1\n");
    let out = job.run(
        &[
            "configure_aws",
            "keys",
            "--profile",
            "ci",
            "--region",
            "us-gov-west-1",
        ],
        &env,
    );
    assert_out(&out, 0, "", &written(&job, "ci"));
    assert_eq!(
        read(&job.config()),
        "[profile ci]\nregion = us-gov-west-1\n"
    );
    // aws_env uses the same lookup.
    let out = job.run(&["aws_env", "keys", "--format", "dotenv"], &[]);
    assert_out(
        &out,
        0,
        &format!(
            "AWS_ACCESS_KEY_ID=\"{KEY_ID}\"\nAWS_SECRET_ACCESS_KEY=\"{SECRET}\"\n\
             AWS_REGION=\"eu-north-1\"\nAWS_DEFAULT_REGION=\"eu-north-1\"\n"
        ),
        "",
    );
}

#[test]
fn no_region_anywhere_is_one_warning_line() {
    let job = Job::new();
    let out = job.run(&["configure_aws", "keys"], &[]);
    let dir = keys_dir(&job);
    assert_out(
        &out,
        0,
        "",
        &format!(
            "shipctl: warning: no region written for profile \"default\": resource keys has none \
             (looked at --region, $KEYS_POINTER_REGION, {} .version.propertyBag.region and \
             .propertyBag.yml.pointer.region, $KEYS_INTEGRATION_REGION, {} .region); give one \
             with --region NAME\nshipctl: AWS profile \"default\" written to {}\n",
            dir.join("version.json").display(),
            dir.join("integration.json").display(),
            job.creds().display()
        ),
    );
    assert!(!job.config().exists(), "no region: no config file");
    // Empty values count as none.
    let out = job.run(
        &["configure_aws", "keys"],
        &[("KEYS_POINTER_REGION", ""), ("KEYS_INTEGRATION_REGION", "")],
    );
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stderr).starts_with("shipctl: warning: no region written"));
    assert_eq!(text(&out.stderr).lines().count(), 2);
}

#[test]
fn what_cannot_be_a_region_name_is_refused() {
    let job = Job::new();
    for bad in [
        "eu west",
        "eu-west-1\n",
        "-eu",
        "eu-",
        "123",
        "eu_west_1",
        "é",
        &"a".repeat(64),
    ] {
        let arg = format!("--region={bad}");
        let out = job.run(&["configure_aws", "keys", &arg], &[]);
        assert_out(
            &out,
            99,
            "",
            &format!(
                "shipctl: error: --region {bad:?} is not a region name (letters, digits and '-', \
                 e.g. eu-west-1)\n"
            ),
        );
        assert!(!job.aws_dir().exists(), "{bad:?}: nothing may be written");
    }
    // botocore's rule accepts these (a host label).
    for good in ["eu-west-1", "local", "US-EAST-1", "x1", &"a".repeat(63)] {
        let out = job.run(&["configure_aws", "keys", "--region", good], &[]);
        assert_out(&out, 0, "", &written(&job, "default"));
    }
    // A bad region found in the job: exit 1 naming where, nothing written.
    std::fs::remove_dir_all(job.aws_dir()).unwrap();
    let out = job.run(
        &["configure_aws", "keys"],
        &[("KEYS_INTEGRATION_REGION", "eu west")],
    );
    assert_out(
        &out,
        1,
        "",
        &format!(
            "shipctl: error: the region \"eu west\" in $KEYS_INTEGRATION_REGION or {} .region is \
             not a region name (letters, digits and '-', e.g. eu-west-1); nothing was written\n",
            keys_dir(&job).join("integration.json").display()
        ),
    );
    let out = job.run(
        &["configure_aws", "keys"],
        &[("KEYS_POINTER_REGION", "a b")],
    );
    assert_out(
        &out,
        1,
        "",
        "shipctl: error: the region \"a b\" in $KEYS_POINTER_REGION is not a region name \
         (letters, digits and '-', e.g. eu-west-1); nothing was written\n",
    );
    assert!(!job.aws_dir().exists());
}

/// The README's example job (run from the repository root, as the README
/// says) writes the integration's region, and botocore resolves it.
#[test]
fn the_example_job_writes_its_integration_region() {
    let job = Job::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = crate::util::shipctl(job.dir.path())
        .current_dir(root)
        .args([
            "--env-file",
            "examples/job/job.env",
            "configure_aws",
            "my-aws-keys-1",
            "--profile",
            "ci",
        ])
        .output()
        .unwrap();
    assert_out(&out, 0, "", &written(&job, "ci"));
    assert_eq!(read(&job.config()), "[profile ci]\nregion = eu-west-1\n");
    if let Some(r) = job.resolve(&["ci"]) {
        assert_eq!(
            r["resolved"]["ci"],
            json!({"key_id": "AKIAEXAMPLEEXAMPLE01",
                   "secret": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                   "token": null, "region": "eu-west-1"})
        );
    }
}
