//! bump_version, replace, retry and split_tests beyond the conformance cases.
use crate::util::Test;
use std::os::unix::fs::PermissionsExt;

// --- retry -------------------------------------------------------------

/// A script that fails until its `n`-th run, counting runs in `count`, and
/// writes to both stdout and stderr.
fn flaky(n: u32, fail_status: u32) -> String {
    format!(
        "c=$(cat count 2>/dev/null || echo 0); c=$((c+1)); echo $c > count; \
         echo \"out $c\"; echo \"err $c\" >&2; [ $c -ge {n} ] || exit {fail_status}"
    )
}

#[test]
fn retry_until_success_passes_output_through() {
    let t = Test::new();
    let work = t.work();
    let out = t
        .args(["retry", "--attempts", "5", "sh", "-c", &flaky(4, 9)])
        .run()
        .stdout("out 1\nout 2\nout 3\nout 4\n")
        .success();
    assert_eq!(std::fs::read_to_string(work.join("count")).unwrap(), "4\n");
    // The command's stderr passes through, in order, among the notices.
    let err = out.stderr_str();
    let lines: Vec<&str> = err.lines().filter(|l| l.starts_with("err")).collect();
    assert_eq!(lines, ["err 1", "err 2", "err 3", "err 4"]);
}

#[test]
fn retry_keeps_the_last_status() {
    let t = Test::new();
    let work = t.work();
    let _kept = t
        .args(["retry", "--attempts=4", "--", "sh", "-c", &flaky(10, 42)])
        .run()
        .stdout("out 1\nout 2\nout 3\nout 4\n")
        .exit(42);
    assert_eq!(std::fs::read_to_string(work.join("count")).unwrap(), "4\n");
}

#[test]
fn retry_waits_and_doubles_the_delay() {
    let start = std::time::Instant::now();
    Test::new()
        .args(["retry", "--delay", "0.2", "false"])
        .run()
        .exit(1);
    // 0.2 s, then 0.4 s.
    assert!(start.elapsed() >= std::time::Duration::from_millis(600));
}

#[test]
fn retry_words_are_passed_on_as_given() {
    Test::new()
        .args([
            "retry",
            "printf",
            "%s|",
            "--help",
            "-h",
            "--attempts",
            "a  b",
        ])
        .run()
        .stdout("--help|-h|--attempts|a  b|")
        .success();
}

/// Issue 12 item 8: a command that cannot be started (127 not found, 126
/// not executable) is final at once: one try, no wait, one line.
#[test]
fn retry_command_that_cannot_start_is_final_at_once() {
    let start = std::time::Instant::now();
    Test::new()
        .args(["retry", "--attempts=3", "--delay=5", "./nope"])
        .run()
        .stdout("")
        .stderr(
            "shipctl: error: retry: could not start ./nope: No such file or directory (os error 2); \
             not trying again\n",
        )
        .exit(127);
    let t = Test::new().file("work/data.txt", "not a program\n");
    t.args(["retry", "--delay=5", "./data.txt"])
        .run()
        .stdout("")
        .stderr(
            "shipctl: error: retry: could not start ./data.txt: Permission denied (os error 13); \
             not trying again\n",
        )
        .exit(126);
    // Without the 5 s waits of a second try.
    assert!(start.elapsed() < std::time::Duration::from_secs(4));
}

/// A command that exits 127 or 126 — a shell saying it could not start
/// the command it was given — is final too; every other status is retried.
#[test]
fn retry_exit_127_or_126_is_final() {
    for (script, code, why) in [
        ("echo x >> count; exit 127", 127, "a command was not found"),
        (
            "echo x >> count; exit 126",
            126,
            "a command could not be executed",
        ),
    ] {
        let t = Test::new();
        let work = t.work();
        let _kept = t
            .args(["retry", "--attempts=3", "sh", "-c", script])
            .run()
            .stdout("")
            .stderr(&format!(
                "shipctl: error: retry: sh exited with status {code} ({why}); not trying again\n"
            ))
            .exit(code);
        assert_eq!(std::fs::read_to_string(work.join("count")).unwrap(), "x\n");
    }
    // A string run through `sh -c` whose command is missing.
    let t = Test::new();
    let work = t.work();
    let o = t
        .args(["retry", "echo x >> count; no-such-command-zz"])
        .run()
        .stdout("")
        .exit(127);
    assert_eq!(std::fs::read_to_string(work.join("count")).unwrap(), "x\n");
    assert!(
        o.stderr_str().ends_with(
            "no-such-command-zz: not found\n\
             shipctl: error: retry: sh exited with status 127 (a command was not found); not trying again\n"
        ),
        "{}",
        o.stderr_str()
    );
    // 125 and 128 are ordinary failures: retried.
    for code in [125, 128] {
        let t = Test::new();
        let work = t.work();
        let _kept = t
            .args([
                "retry",
                "sh",
                "-c",
                &format!("echo x >> count; exit {code}"),
            ])
            .run()
            .stdout("")
            .exit(code);
        assert_eq!(
            std::fs::read_to_string(work.join("count")).unwrap(),
            "x\nx\nx\n"
        );
    }
}

/// A start that fails for a passing reason is retried: the program file is
/// still open for writing (ETXTBSY, "Text file busy") on the first try and
/// closed before the second.
#[test]
fn retry_start_failure_that_passes_is_retried() {
    use std::io::{BufRead, BufReader};
    let t = Test::new();
    let tool = t.work().join("tool.sh");
    std::fs::write(&tool, "#!/bin/sh\necho ran\n").unwrap();
    std::fs::set_permissions(&tool, std::fs::Permissions::from_mode(0o755)).unwrap();
    let writer = std::fs::OpenOptions::new()
        .append(true)
        .open(&tool)
        .unwrap();
    let mut child = crate::util::shipctl(t.root())
        .args(["retry", "--delay=1", "./tool.sh"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut first = String::new();
    stderr.read_line(&mut first).unwrap();
    drop(writer);
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        (
            first.as_str(),
            rest.as_str(),
            String::from_utf8_lossy(&out.stdout).as_ref(),
            out.status.code()
        ),
        (
            "shipctl: warning: retry: could not start ./tool.sh: Text file busy (os error 26)\n",
            "shipctl: retry: try 1 of 3 failed (exit status 126); trying again in 1s\n",
            "ran\n",
            Some(0)
        )
    );
}

#[test]
fn retry_string_with_spaces_runs_through_sh() {
    Test::new()
        .args(["retry", "echo a; echo b"])
        .run()
        .stdout("a\nb\n")
        .success();
}

#[test]
fn retry_usage_errors() {
    Test::new().args(["retry"]).run().stdout("").exit(99);
    Test::new()
        .args(["retry", "--attempts=0", "true"])
        .run()
        .stdout("")
        .exit(99);
    Test::new()
        .args(["retry", "--delay=-1", "true"])
        .run()
        .stdout("")
        .exit(99);
    Test::new()
        .args(["retry", "--bogus", "true"])
        .run()
        .stdout("")
        .exit(99);
}

#[test]
fn retry_help_before_the_command() {
    let out = Test::new().args(["retry", "--help"]).run().success();
    assert!(out.stdout_str().contains("--attempts"));
}

#[test]
fn retry_runs_with_env_file_variables() {
    Test::new()
        .file("work/job.env", "GREETING=\"hi there\"\n")
        .args([
            "--env-file",
            "job.env",
            "retry",
            "sh",
            "-c",
            "echo \"$GREETING\"",
        ])
        .run()
        .stdout("hi there\n")
        .success();
}

// --- replace -----------------------------------------------------------

#[test]
fn replace_streams_big_input_across_chunk_boundaries() {
    // References at every offset around the 256 KiB read size, 5 MB in all.
    let mut input = Vec::new();
    let mut want = Vec::new();
    let mut i = 0usize;
    while input.len() < 5_000_000 {
        let pad = "x".repeat(i % 23);
        let (t, w) = match i % 5 {
            0 => (format!("{pad}$AB_1-"), format!("{pad}value one-")),
            1 => (format!("{pad}${{AB_1}}"), format!("{pad}value one")),
            2 => (format!("{pad}$$AB_1}}"), format!("{pad}$value one}}")),
            3 => (format!("{pad}${{AB_1:-d}}"), format!("{pad}${{AB_1:-d}}")),
            _ => (format!("{pad}$UNSET_NAME_{i}\n"), format!("{pad}\n")),
        };
        input.extend_from_slice(t.as_bytes());
        want.extend_from_slice(w.as_bytes());
        i += 1;
    }
    let t = Test::new().env("AB_1", "value one");
    let f = t.work().join("big.tpl");
    std::fs::write(&f, &input).unwrap();
    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o640)).unwrap();
    let _kept = t
        .args(["replace", "big.tpl"])
        .run()
        .stdout("")
        .stderr("")
        .success();
    let got = std::fs::read(&f).unwrap();
    assert!(got == want, "output differs from the expected substitution");
    assert_eq!(
        std::fs::metadata(&f).unwrap().permissions().mode() & 0o777,
        0o640
    );
}

#[test]
fn replace_strict_lists_every_unset_name_and_changes_nothing() {
    let t = Test::new().env("SET", "v");
    let (a, b) = (t.work().join("a"), t.work().join("b"));
    std::fs::write(&a, "$SET $ONE ${TWO}").unwrap();
    std::fs::write(&b, "$ONE $THREE").unwrap();
    let _kept = t
        .args(["--strict", "replace", "a", "b"])
        .run()
        .stdout("")
        .stderr_contains("ONE, TWO, THREE")
        .exit(1);
    assert_eq!(std::fs::read_to_string(&a).unwrap(), "$SET $ONE ${TWO}");
    assert_eq!(std::fs::read_to_string(&b).unwrap(), "$ONE $THREE");
}

#[test]
fn replace_strict_with_everything_set() {
    let t = Test::new().env("SET", "v").env("EMPTY", "");
    let a = t.work().join("a");
    std::fs::write(&a, "$SET[$EMPTY]").unwrap();
    let _kept = t.args(["--strict", "replace", "a"]).run().success();
    assert_eq!(std::fs::read_to_string(&a).unwrap(), "v[]");
}

#[test]
fn replace_uses_env_file_values() {
    let t = Test::new()
        .env("X", "process")
        .file("work/job.env", "X=\"from file\"\n")
        .file("work/t", "x=$X");
    let f = t.work().join("t");
    let _kept = t
        .args(["--env-file", "job.env", "replace", "t"])
        .run()
        .success();
    assert_eq!(std::fs::read_to_string(f).unwrap(), "x=from file");
}

#[test]
fn replace_same_file_twice_expands_once() {
    let t = Test::new().env("X", "$X$X").file("work/t", "$X");
    let f = t.work().join("t");
    let _kept = t.args(["replace", "t", "./t"]).run().success();
    assert_eq!(std::fs::read_to_string(f).unwrap(), "$X$X");
}

#[test]
fn replace_through_a_symlink_keeps_the_link() {
    let t = Test::new().env("X", "v").file("work/real", "$X");
    std::os::unix::fs::symlink("real", t.work().join("link")).unwrap();
    let work = t.work();
    let _kept = t.args(["replace", "link"]).run().success();
    assert!(
        std::fs::symlink_metadata(work.join("link"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(std::fs::read_to_string(work.join("real")).unwrap(), "v");
}

// --- bump_version ------------------------------------------------------

#[test]
fn bump_version_refusal_names_the_problem() {
    Test::new()
        .args(["bump_version", "01.2.3", "patch"])
        .run()
        .stdout("")
        .stderr_contains("leading zeros")
        .exit(99);
    Test::new()
        .args(["bump_version", "-1.2.3", "patch"])
        .run()
        .stdout("")
        .exit(99);
}

// --- split_tests -------------------------------------------------------

#[test]
fn split_tests_every_file_in_exactly_one_shard() {
    let t = Test::new();
    let work = t.work();
    let mut report = String::from("<testsuites>\n");
    for i in 0..200 {
        let dir = work.join(format!("t/d{}", i % 7));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("f{i}_test.rb")), "").unwrap();
        if i % 3 != 0 {
            report.push_str(&format!(
                "<testsuite filepath=\"/ci/t/d{}/f{i}_test.rb\" time=\"{}.{}\"/>\n",
                i % 7,
                i % 13,
                i % 10
            ));
        }
    }
    report.push_str("</testsuites>\n");
    std::fs::create_dir_all(work.join("r/sub")).unwrap();
    std::fs::write(work.join("r/sub/report.xml"), report).unwrap();
    let mut all = Vec::new();
    for n in 1..=4 {
        let t = Test::new();
        copy_dir(&work, &t.work());
        let out = t
            .env("SHIPPABLE_JOB_NUMBER", n.to_string())
            .env("SHIPPABLE_JOB_COUNT", "4")
            .args(["split_tests", "t", "*_test.rb", "r"])
            .run()
            .success();
        // A third of the files have no time: said, on every shard.
        let err = out.stderr_str();
        assert!(
            err.starts_with("shipctl: warning: split_tests: 67 of 200 test files untimed (no time in the reports under r); each gets the mean weight, ")
                && err.lines().count() == 1,
            "{err}"
        );
        let shard: Vec<String> = out.stdout_str().lines().map(String::from).collect();
        let mut sorted = shard.clone();
        sorted.sort();
        assert_eq!(shard, sorted, "shard {n} is printed sorted");
        assert!(shard.len() >= 40, "shard {n} is balanced: {}", shard.len());
        all.extend(shard);
    }
    all.sort();
    let before = all.len();
    all.dedup();
    assert_eq!(before, all.len(), "no file in two shards");
    assert_eq!(all.len(), 200, "every file in a shard");
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    for e in std::fs::read_dir(from).into_iter().flatten().flatten() {
        let dst = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&dst).unwrap();
            copy_dir(&e.path(), &dst);
        } else {
            std::fs::copy(e.path(), dst).unwrap();
        }
    }
}

#[test]
fn split_tests_missing_test_folder_is_99() {
    Test::new()
        .args(["split_tests", "nope", "*", "r"])
        .run()
        .stdout("")
        .exit(99);
}

#[test]
fn split_tests_malformed_report_is_skipped_with_a_warning() {
    Test::new()
        .file("work/t/a_test.rb", "")
        .file(
            "work/r/bad.xml",
            "<testsuites><testsuite filepath=\"t/a_test.rb\"",
        )
        .args(["split_tests", "t", "*_test.rb", "r"])
        .run()
        .stdout("t/a_test.rb\n")
        .stderr_contains("bad.xml")
        .success();
}
