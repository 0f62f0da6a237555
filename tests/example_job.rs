//! The shipped example job (`examples/job/job.env`) does what the README
//! says (issue 12 item 10): its commands work from the repository root, and
//! from elsewhere the lookups a variable answers still work while the file
//! lookups find nothing, which `--explain` shows.

use crate::util::Test;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// shipctl in `cwd` with only PATH, HOME and LANG set (no JOB_PATH: the
/// env file gives it).
fn run(cwd: &str, args: &[&str]) -> Test {
    Test::new()
        .env_remove("JOB_PATH")
        .current_dir(cwd)
        .args(args)
}

/// Every `shipctl --env-file examples/job/job.env …` line of the README,
/// with what it prints.
const README_COMMANDS: &[(&str, &str)] = &[
    (
        "get_integration_resource_field my-aws-keys-1 accessKey",
        "AKIAEXAMPLEEXAMPLE01\n",
    ),
    ("get_params_resource app-params db-port", "5432\n"),
    (
        "get_integration_resource_keys my-aws-keys-1",
        "accessKey\nsecretKey\nregion\n",
    ),
    (
        "get_resource_pointer_key prod-cluster sourceName",
        "prod-eks\n",
    ),
];

#[test]
fn the_readme_commands_work_from_the_repository_root() {
    let readme = std::fs::read_to_string(format!("{ROOT}/README.md")).unwrap();
    let marker = "--env-file examples/job/job.env ";
    let mut in_readme: Vec<String> = readme
        .lines()
        .filter_map(|l| l.split_once(marker))
        .map(|(_, rest)| rest.split('#').next().unwrap().trim().to_string())
        .collect();
    in_readme.sort();
    in_readme.dedup();
    let mut tested: Vec<String> = README_COMMANDS.iter().map(|(c, _)| c.to_string()).collect();
    tested.sort();
    assert_eq!(in_readme, tested, "the README's example commands changed");
    for (command, want) in README_COMMANDS {
        let mut args = vec!["--env-file", "examples/job/job.env"];
        args.extend(command.split_whitespace());
        run(ROOT, &args).stdout(*want).run();
        // The README's comment says what it prints.
        if let Some(line) = readme
            .lines()
            .find(|l| l.contains(command) && l.contains('#'))
        {
            let comment = line.split('#').nth(1).unwrap().trim();
            let value = comment.split(',').next().unwrap();
            assert_eq!(format!("{value}\n"), *want, "{line}");
        }
    }
}

#[test]
fn from_elsewhere_variables_answer_and_files_are_not_found() {
    let elsewhere = tempfile::tempdir().unwrap();
    let cwd = elsewhere.path().to_str().unwrap();
    let env_file = format!("{ROOT}/examples/job/job.env");
    let with = |args: &[&str]| {
        let mut all = vec!["--env-file", env_file.as_str()];
        all.extend(args);
        run(cwd, &all)
    };
    with(&[
        "get_integration_resource_field",
        "my-aws-keys-1",
        "accessKey",
    ])
    .stdout("AKIAEXAMPLEEXAMPLE01\n")
    .run();
    with(&["--explain", "get_params_resource", "app-params", "db-port"])
        .stdout("\n")
        .stderr(
            "shipctl: explain: $APPPARAMS_PARAMS_DBPORT: not set\n\
             shipctl: explain: $APPPARAMS_META: set to \"examples/job/IN/app-params\" (does not exist)\n\
             shipctl: explain: examples/job/IN/app-params/version.json: no such file\n",
        )
        .run();
    with(&["get_integration_resource_keys", "my-aws-keys-1"])
        .status(99)
        .stderr("shipctl: error: examples/job/IN/my-aws-keys-1/integration.env not found\n")
        .run();
}
