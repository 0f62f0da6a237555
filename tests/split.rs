//! `split_tests` never fails quietly (issue 12 item 6): no test files, a
//! missing or empty reports folder, reports that time none or only some of
//! the files, and a shard left empty are said on stderr; the configuration
//! mistakes fail (exit 1, nothing on stdout) under `--strict`.

use crate::util::{Test, matching, pattern};

/// Three spec files, and `extra` files written on top.
fn project(extra: &[(&str, &str)]) -> Test {
    let mut t = Test::new()
        .file("work/spec/a_spec.rb", "")
        .file("work/spec/b_spec.rb", "")
        .file("work/spec/models/c_spec.rb", "");
    for (path, content) in extra {
        t = t.file(format!("work/{path}"), content);
    }
    t
}

const ALL: &str = "spec/a_spec.rb\nspec/b_spec.rb\nspec/models/c_spec.rb\n";

fn report(suites: &[(&str, &str)]) -> String {
    let mut r = String::from("<?xml version=\"1.0\"?>\n<testsuites>\n");
    for (file, time) in suites {
        r.push_str(&format!(
            "  <testsuite filepath=\"{file}\" time=\"{time}\"/>\n"
        ));
    }
    r + "</testsuites>\n"
}

/// The glob matches nothing (here: the `_test` of another framework):
/// `rspec $(shipctl split_tests …)` would run the whole suite on every
/// shard.
#[test]
fn no_test_files_is_a_warning_and_fails_under_strict() {
    project(&[])
        .args(["split_tests", "spec", "*_test.rb", "reports"])
        .stderr(
            "shipctl: warning: split_tests: no test files: nothing under spec matches \"*_test.rb\"; \
             this shard gets none (a test runner given no files may run the whole suite)\n",
        )
        .run();
    project(&[])
        .args(["--strict", "split_tests", "spec", "*_test.rb", "reports"])
        .stderr(
            "shipctl: error: split_tests: no test files: nothing under spec matches \"*_test.rb\"\n",
        )
        .status(1)
        .run();
    project(&[])
        .env("SHIPCTL_STRICT", "1")
        .args(["split_tests", "spec", "*_test.rb", "reports"])
        .stderr(
            "shipctl: error: split_tests: no test files: nothing under spec matches \"*_test.rb\"\n",
        )
        .status(1)
        .run();
}

/// A mistyped reports folder gives an unweighted split: said, and a
/// failure under --strict (nothing printed).
#[test]
fn missing_reports_folder_is_a_warning_and_fails_under_strict() {
    let timed = report(&[("spec/a_spec.rb", "3")]);
    project(&[("shippable/testresults/r.xml", &timed)])
        .args(["split_tests", "spec", "*_spec.rb", "shippable/testresult"])
        .stdout(ALL)
        .stderr(
            "shipctl: warning: split_tests: reports folder shippable/testresult not found; \
             every test file gets the same weight\n",
        )
        .run();
    project(&[])
        .args([
            "--strict",
            "split_tests",
            "spec",
            "*_spec.rb",
            "shippable/testresult",
        ])
        .stderr("shipctl: error: split_tests: reports folder shippable/testresult not found\n")
        .status(1)
        .run();
}

/// A reports folder without a single `*.xml`, or with none readable.
#[test]
fn reports_folder_without_a_report() {
    project(&[("reports/summary.txt", "3 passed")])
        .args(["split_tests", "spec", "*_spec.rb", "reports"])
        .stdout(ALL)
        .stderr(
            "shipctl: warning: split_tests: no JUnit XML report (*.xml) under reports; \
             every test file gets the same weight\n",
        )
        .run();
    project(&[("reports/summary.txt", "3 passed")])
        .args(["--strict", "split_tests", "spec", "*_spec.rb", "reports"])
        .stderr("shipctl: error: split_tests: no JUnit XML report (*.xml) under reports\n")
        .status(1)
        .run();
    // The cause once (quick-xml's error already shows its source).
    project(&[("reports/r.xml", "<testsuites><testsuite")])
        .args(["--strict", "split_tests", "spec", "*_spec.rb", "reports"])
        .status(1)
        .stderr(
            "shipctl: warning: report reports/r.xml skipped: malformed XML: syntax error: tag not \
             closed: `>` not found before end of input\n\
             shipctl: error: split_tests: the one report under reports could not be read\n",
        )
        .run();
}

/// Reports that time none of the files (filepaths from another project, or
/// the wrong folder): the split is unweighted, which is said; under
/// --strict it fails.
#[test]
fn reports_that_time_no_file() {
    let other = report(&[("test/x_test.rb", "3"), ("test/y_test.rb", "4")]);
    let why = "none of the 3 test files has a time in the reports under reports \
               (1 read; a <testsuite filepath> must be the file's path or end with /<path>)";
    project(&[("reports/r.xml", &other)])
        .args(["split_tests", "spec", "*_spec.rb", "reports"])
        .stdout(ALL)
        .stderr(format!(
            "shipctl: warning: split_tests: {why}; every test file gets the same weight\n"
        ))
        .run();
    project(&[("reports/r.xml", &other)])
        .args(["--strict", "split_tests", "spec", "*_spec.rb", "reports"])
        .stderr(format!("shipctl: error: split_tests: {why}\n"))
        .status(1)
        .run();
}

/// Some files untimed (new tests have no time until they have run once):
/// a warning with the count, even under --strict, never a failure;
/// --explain names them.
#[test]
fn some_untimed_files_are_counted_not_fatal() {
    let some = report(&[("/ci/build/spec/a_spec.rb", "6"), ("spec/b_spec.rb", "2")]);
    let warning = "shipctl: warning: split_tests: 1 of 3 test files untimed (no time in the \
                   reports under reports); each gets the mean weight, 4.000 s\n";
    for strict in [&[][..], &["--strict"][..]] {
        project(&[("reports/r.xml", &some)])
            .env("SHIPPABLE_JOB_NUMBER", "2")
            .env("SHIPPABLE_JOB_COUNT", "2")
            .args(strict)
            .args(["split_tests", "spec", "*_spec.rb", "reports"])
            .stdout("spec/b_spec.rb\nspec/models/c_spec.rb\n")
            .stderr(warning)
            .run();
    }
    project(&[("reports/r.xml", &some)])
        .args(["--explain", "split_tests", "spec", "*_spec.rb", "reports"])
        .stdout(ALL)
        .stderr(format!(
            "shipctl: explain: $SHIPPABLE_JOB_NUMBER: not set\n\
             shipctl: explain: $SHIPPABLE_JOB_COUNT: not set\n\
             shipctl: explain: spec/models/c_spec.rb: no time in the reports\n\
             {warning}"
        ))
        .run();
    // Every file timed: not a word.
    let all = report(&[
        ("spec/a_spec.rb", "6"),
        ("spec/b_spec.rb", "2"),
        ("spec/models/c_spec.rb", "1,5"),
    ]);
    project(&[("reports/r.xml", &all)])
        .args(["--strict", "split_tests", "spec", "*_spec.rb", "reports"])
        .stdout(ALL)
        .run();
}

/// A shard count without this shard's number: every shard would run shard
/// 1's files. A warning (an error under --strict); a number above an unset
/// count says the count is not set.
#[test]
fn a_count_without_a_number_is_a_warning() {
    let warning = "shipctl: warning: split_tests: $SHIPPABLE_JOB_COUNT is 2 but \
                   $SHIPPABLE_JOB_NUMBER is not set; this is taken as shard 1 (every shard \
                   without it runs shard 1's files)\n";
    project(&[])
        .env("SHIPPABLE_JOB_COUNT", "2")
        .args(["split_tests", "spec", "*_spec.rb", "reports"])
        .stdout("spec/a_spec.rb\nspec/models/c_spec.rb\n")
        .stderr(pattern(format!(
            "{warning}shipctl: warning: split_tests: reports folder [..]\n"
        )))
        .run();
    project(&[])
        .env("SHIPPABLE_JOB_COUNT", "2")
        .args(["--strict", "split_tests", "spec", "*_spec.rb", "reports"])
        .status(1)
        .stderr(
            "shipctl: error: split_tests: $SHIPPABLE_JOB_COUNT is 2 but $SHIPPABLE_JOB_NUMBER \
             is not set\n",
        )
        .run();
    project(&[])
        .env("SHIPPABLE_JOB_NUMBER", "2")
        .args(["split_tests", "spec", "*_spec.rb", "reports"])
        .status(99)
        .stderr(
            "shipctl: error: $SHIPPABLE_JOB_NUMBER (2) is greater than $SHIPPABLE_JOB_COUNT \
             (not set: 1)\n",
        )
        .run();
}

/// More shards than files: the shards left without a file say so (their
/// empty output would run the whole suite), and they still succeed.
#[test]
fn a_shard_without_files_says_so() {
    let all = report(&[
        ("spec/a_spec.rb", "6"),
        ("spec/b_spec.rb", "2"),
        ("spec/models/c_spec.rb", "1"),
    ]);
    for (n, want) in [(1, "spec/a_spec.rb\n"), (3, "spec/models/c_spec.rb\n")] {
        project(&[("reports/r.xml", &all)])
            .env("SHIPPABLE_JOB_NUMBER", n.to_string())
            .env("SHIPPABLE_JOB_COUNT", "4")
            .args(["split_tests", "spec", "*_spec.rb", "reports"])
            .stdout(want)
            .run();
    }
    project(&[("reports/r.xml", &all)])
        .env("SHIPPABLE_JOB_NUMBER", "4")
        .env("SHIPPABLE_JOB_COUNT", "4")
        .args(["split_tests", "spec", "*_spec.rb", "reports"])
        .stderr(
            "shipctl: warning: split_tests: shard 4 of 4 gets no test files (3 files for 4 \
             shards; a test runner given no files may run the whole suite)\n",
        )
        .run();
}

/// A `*.xml` in the reports folder that is no regular file — a FIFO, which
/// would block the read, or a symbolic link, which is not followed — is
/// skipped with a warning naming it.
#[test]
fn a_report_that_is_no_regular_file_is_named() {
    let t = project(&[("reports/r.xml", &report(&[("spec/a_spec.rb", "6")]))]);
    let reports = t.root().join("work/reports");
    std::os::unix::fs::symlink("r.xml", reports.join("link.xml")).unwrap();
    let fifo = std::ffi::CString::new(reports.join("p.xml").into_os_string().into_encoded_bytes())
        .unwrap();
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o644) }, 0);
    t.env("SHIPPABLE_JOB_NUMBER", "1")
        .env("SHIPPABLE_JOB_COUNT", "2")
        .args(["split_tests", "spec", "*_spec.rb", "reports"])
        .stdout("spec/a_spec.rb\nspec/models/c_spec.rb\n")
        .stderr(matching(
            "a warning for each of link.xml and p.xml, and for the 2 untimed files",
            |e| {
                e.contains("shipctl: warning: report reports/link.xml skipped: a symbolic link, which is not followed\n")
                    && e.contains("shipctl: warning: report reports/p.xml skipped: not a regular file\n")
                    && e.contains("2 of 3 test files untimed")
                    && e.lines().count() == 3
            },
        ))
        .run();
}
