//! Issue 12 item 5: where `configure_aws` finds the region, what it says
//! when there is none, and which `--region` values it refuses. Every call
//! asserts exit status, stdout and stderr together.

use crate::aws::{Job, KEY_ID, SECRET, read};
use serde_json::json;
use std::path::Path;

/// How the region rule reads in messages.
const REGION_RULE: &str =
    "letters, digits and '-', not only digits, no '-' at either end, e.g. eu-west-1";

fn keys_dir(job: &Job) -> std::path::PathBuf {
    job.dir.path().join("job/IN/keys")
}

#[test]
fn region_from_the_integration_is_the_last_fallback() {
    let job = Job::new();
    job.integration(json!({"accessKey": KEY_ID, "secretKey": SECRET, "region": "ap-south-1"}));
    // Only the integration has one: it is written.
    job.test(&["configure_aws", "keys", "--profile", "ci"])
        .stderr(job.written("ci"))
        .run();
    assert_eq!(read(&job.config()), "[profile ci]\nregion = ap-south-1\n");
    // $<R>_INTEGRATION_REGION wins over integration.json.
    job.test(&["configure_aws", "keys", "--profile", "ci"])
        .env("KEYS_INTEGRATION_REGION", "us-east-2")
        .stderr(job.written("ci"))
        .run();
    assert_eq!(read(&job.config()), "[profile ci]\nregion = us-east-2\n");
    // version.json comes before the integration.
    std::fs::write(
        keys_dir(&job).join("version.json"),
        json!({"version": {"propertyBag": {"region": "eu-north-1"}}}).to_string(),
    )
    .unwrap();
    job.test(&["configure_aws", "keys", "--profile", "ci"])
        .stderr(job.written("ci"))
        .run();
    assert_eq!(read(&job.config()), "[profile ci]\nregion = eu-north-1\n");
    // $<R>_POINTER_REGION before version.json, --region before everything.
    let env = [("KEYS_POINTER_REGION", "sa-east-1")];
    job.test(&["configure_aws", "keys", "--profile", "ci"])
        .envs(env)
        .stderr(job.written("ci"))
        .run();
    assert_eq!(read(&job.config()), "[profile ci]\nregion = sa-east-1\n");
    job.test(&[
        "configure_aws",
        "keys",
        "--profile",
        "ci",
        "--region",
        "us-gov-west-1",
    ])
    .envs(env)
    .stderr(job.written("ci"))
    .run();
    assert_eq!(
        read(&job.config()),
        "[profile ci]\nregion = us-gov-west-1\n"
    );
    // aws_env uses the same lookup.
    job.test(&["aws_env", "keys", "--format", "dotenv"])
        .status(0)
        .stdout(format!(
            "AWS_ACCESS_KEY_ID=\"{KEY_ID}\"\nAWS_SECRET_ACCESS_KEY=\"{SECRET}\"\n\
             AWS_REGION=\"eu-north-1\"\nAWS_DEFAULT_REGION=\"eu-north-1\"\n"
        ))
        .run();
}

#[test]
fn no_region_anywhere_is_one_warning_line() {
    let job = Job::new();
    let said = job.written_without_region("default");
    job.test(&["configure_aws", "keys"]).stderr(&said).run();
    assert!(!job.config().exists(), "no region: no config file");
    // Empty values count as none.
    job.test(&["configure_aws", "keys"])
        .env("KEYS_POINTER_REGION", "")
        .env("KEYS_INTEGRATION_REGION", "")
        .stderr(&said)
        .run();
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
        job.test(&["configure_aws", "keys", &arg])
            .status(99)
            .stdout("")
            .stderr(format!(
                "shipctl: error: --region {bad:?} is not a region name ({REGION_RULE})\n"
            ))
            .run();
        assert!(!job.aws_dir().exists(), "{bad:?}: nothing may be written");
    }
    // botocore's rule accepts these (a host label).
    for good in ["eu-west-1", "local", "US-EAST-1", "x1", &"a".repeat(63)] {
        job.test(&["configure_aws", "keys", "--region", good])
            .stderr(job.written("default"))
            .run();
    }
    // A bad region found in the job: exit 1 naming where, nothing written.
    std::fs::remove_dir_all(job.aws_dir()).unwrap();
    job.test(&["configure_aws", "keys"])
        .env("KEYS_INTEGRATION_REGION", "eu west")
        .status(1)
        .stdout("")
        .stderr(format!(
            "shipctl: error: the region \"eu west\" in $KEYS_INTEGRATION_REGION or {} .region is \
             not a region name ({REGION_RULE}); nothing was written\n",
            keys_dir(&job).join("integration.json").display()
        ))
        .run();
    job.test(&["configure_aws", "keys"])
        .env("KEYS_POINTER_REGION", "a b")
        .status(1)
        .stdout("")
        .stderr(format!(
            "shipctl: error: the region \"a b\" in $KEYS_POINTER_REGION is not a region name \
             ({REGION_RULE}); nothing was written\n",
        ))
        .run();
    assert!(!job.aws_dir().exists());
}

/// The README's example job (run from the repository root, as the README
/// says) writes the integration's region, and botocore resolves it.
#[test]
fn the_example_job_writes_its_integration_region() {
    let job = Job::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    job.test(&[
        "--env-file",
        "examples/job/job.env",
        "configure_aws",
        "my-aws-keys-1",
        "--profile",
        "ci",
    ])
    .current_dir(root)
    .stderr(job.written("ci"))
    .run();
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
