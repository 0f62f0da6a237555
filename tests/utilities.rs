//! bump_version, replace, retry and split_tests beyond the conformance cases.
use crate::util::{Test, contains, matching, pattern};
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
    // The command's stderr passes through, in order, among the notices.
    let _kept = t
        .args(["retry", "--attempts", "5", "sh", "-c", &flaky(4, 9)])
        .stdout("out 1\nout 2\nout 3\nout 4\n")
        .stderr(
            "err 1\nshipctl: retry: try 1 of 5 failed (exit status 9); trying again\n\
             err 2\nshipctl: retry: try 2 of 5 failed (exit status 9); trying again\n\
             err 3\nshipctl: retry: try 3 of 5 failed (exit status 9); trying again\n\
             err 4\n",
        )
        .run();
    assert_eq!(std::fs::read_to_string(work.join("count")).unwrap(), "4\n");
}

#[test]
fn retry_keeps_the_last_status() {
    let t = Test::new();
    let work = t.work();
    let _kept = t
        .args(["retry", "--attempts=4", "--", "sh", "-c", &flaky(10, 42)])
        .stdout("out 1\nout 2\nout 3\nout 4\n")
        .stderr(
            "err 1\nshipctl: retry: try 1 of 4 failed (exit status 42); trying again\n\
             err 2\nshipctl: retry: try 2 of 4 failed (exit status 42); trying again\n\
             err 3\nshipctl: retry: try 3 of 4 failed (exit status 42); trying again\n\
             err 4\nshipctl: retry: sh failed 4 time(s); last exit status 42\n",
        )
        .status(42)
        .run();
    assert_eq!(std::fs::read_to_string(work.join("count")).unwrap(), "4\n");
}

#[test]
fn retry_waits_and_doubles_the_delay() {
    let start = std::time::Instant::now();
    Test::new()
        .args(["retry", "--delay", "0.2", "false"])
        .stderr(
            "shipctl: retry: try 1 of 3 failed (exit status 1); trying again in 0.2s\n\
             shipctl: retry: try 2 of 3 failed (exit status 1); trying again in 0.4s\n\
             shipctl: retry: false failed 3 time(s); last exit status 1\n",
        )
        .status(1)
        .run();
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
        .stdout("--help|-h|--attempts|a  b|")
        .run();
}

/// Issue 12 item 8: a command that cannot be started (127 not found, 126
/// not executable) is final at once: one try, no wait, one line.
#[test]
fn retry_command_that_cannot_start_is_final_at_once() {
    let start = std::time::Instant::now();
    Test::new()
        .args(["retry", "--attempts=3", "--delay=5", "./nope"])
        .stderr(
            "shipctl: error: retry: could not start ./nope: No such file or directory (os error 2); \
             not trying again\n",
        )
        .status(127)
        .run();
    let t = Test::new().file("work/data.txt", "not a program\n");
    t.args(["retry", "--delay=5", "./data.txt"])
        .stderr(
            "shipctl: error: retry: could not start ./data.txt: Permission denied (os error 13); \
             not trying again\n",
        )
        .status(126)
        .run();
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
            .stderr(format!(
                "shipctl: error: retry: sh exited with status {code} ({why}); not trying again\n"
            ))
            .status(code)
            .run();
        assert_eq!(std::fs::read_to_string(work.join("count")).unwrap(), "x\n");
    }
    // A string run through `sh -c` whose command is missing.
    let t = Test::new();
    let work = t.work();
    // (The shell's own line differs between shells: dash says
    // `sh: 1: no-such-command-zz: not found`.)
    let _kept = t
        .args(["retry", "echo x >> count; no-such-command-zz"])
        .status(127)
        .stderr(pattern(
            "sh: [..]no-such-command-zz[..]not found\n\
             shipctl: error: retry: sh exited with status 127 (a command was not found); not \
             trying again\n",
        ))
        .run();
    assert_eq!(std::fs::read_to_string(work.join("count")).unwrap(), "x\n");
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
            .stderr(format!(
                "shipctl: retry: try 1 of 3 failed (exit status {code}); trying again\n\
                 shipctl: retry: try 2 of 3 failed (exit status {code}); trying again\n\
                 shipctl: retry: sh failed 3 time(s); last exit status {code}\n"
            ))
            .status(code)
            .run();
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
    let t = Test::new();
    let tool = t.work().join("tool.sh");
    std::fs::write(&tool, "#!/bin/sh\necho ran\n").unwrap();
    std::fs::set_permissions(&tool, std::fs::Permissions::from_mode(0o755)).unwrap();
    let writer = std::fs::OpenOptions::new()
        .append(true)
        .open(&tool)
        .unwrap();
    let busy = "shipctl: warning: retry: could not start ./tool.sh: Text file busy (os error 26)\n";
    let mut run = t
        .args(["retry", "--delay=1", "./tool.sh"])
        .stdout("ran\n")
        .stderr(format!(
            "{busy}shipctl: retry: try 1 of 3 failed (exit status 126); trying again in 1s\n"
        ))
        .spawn();
    assert_eq!(run.stderr_line(), busy);
    drop(writer);
    run.wait();
}

#[test]
fn retry_string_with_spaces_runs_through_sh() {
    Test::new()
        .args(["retry", "echo a; echo b"])
        .stdout("a\nb\n")
        .run();
}

#[test]
fn retry_usage_errors() {
    let more = "For more information, try '--help'.\n";
    for (args, says) in [
        (
            &["retry"][..],
            format!(
                "the following required arguments were not provided: <CMD>...\n\
                 Usage: shipctl retry <CMD>...\n{more}"
            ),
        ),
        (
            &["retry", "--attempts=0", "true"],
            format!("invalid value '0' for '--attempts <N>': 0 is not in 1..=4294967295\n{more}"),
        ),
        (
            &["retry", "--delay=-1", "true"],
            format!(
                "invalid value '-1' for '--delay <SECS>': \"-1\" is not a number of seconds \
                 (0 or more)\n{more}"
            ),
        ),
        (
            // A negative number is the value of --delay, refused by its rule.
            &["retry", "--delay", "-1", "true"],
            format!(
                "invalid value '-1' for '--delay <SECS>': \"-1\" is not a number of seconds \
                 (0 or more)\n{more}"
            ),
        ),
        (
            &["retry", "--bogus", "true"],
            format!(
                "unexpected argument '--bogus' found\n  tip: to pass '--bogus' as a value, use \
                 '-- --bogus'\nUsage: shipctl retry [OPTIONS] <CMD>...\n{more}"
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
fn retry_help_before_the_command() {
    Test::new()
        .args(["retry", "--help"])
        .stdout(contains("\n      --attempts <N>  "))
        .run();
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
        .stdout("hi there\n")
        .run();
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
    let _kept = t.args(["replace", "big.tpl"]).run();
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
        .stderr("shipctl: error: not set: ONE, TWO, THREE (--strict: no file was changed)\n")
        .status(1)
        .run();
    assert_eq!(std::fs::read_to_string(&a).unwrap(), "$SET $ONE ${TWO}");
    assert_eq!(std::fs::read_to_string(&b).unwrap(), "$ONE $THREE");
}

#[test]
fn replace_strict_with_everything_set() {
    let t = Test::new().env("SET", "v").env("EMPTY", "");
    let a = t.work().join("a");
    std::fs::write(&a, "$SET[$EMPTY]").unwrap();
    let _kept = t.args(["--strict", "replace", "a"]).run();
    assert_eq!(std::fs::read_to_string(&a).unwrap(), "v[]");
}

#[test]
fn replace_uses_env_file_values() {
    let t = Test::new()
        .env("X", "process")
        .file("work/job.env", "X=\"from file\"\n")
        .file("work/t", "x=$X");
    let f = t.work().join("t");
    let _kept = t.args(["--env-file", "job.env", "replace", "t"]).run();
    assert_eq!(std::fs::read_to_string(f).unwrap(), "x=from file");
}

#[test]
fn replace_same_file_twice_expands_once() {
    let t = Test::new().env("X", "$X$X").file("work/t", "$X");
    let f = t.work().join("t");
    let _kept = t.args(["replace", "t", "./t"]).run();
    assert_eq!(std::fs::read_to_string(f).unwrap(), "$X$X");
}

#[test]
fn replace_through_a_symlink_keeps_the_link() {
    let t = Test::new().env("X", "v").file("work/real", "$X");
    std::os::unix::fs::symlink("real", t.work().join("link")).unwrap();
    let work = t.work();
    let _kept = t.args(["replace", "link"]).run();
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
        .stderr(
            "shipctl: error: invalid version \"01.2.3\": each of MAJOR.MINOR.PATCH must be a \
             number without leading zeros\n",
        )
        .status(99)
        .run();
    Test::new()
        .args(["bump_version", "-1.2.3", "patch"])
        .stderr(
            "shipctl: error: invalid version \"-1.2.3\": the only prefix allowed is a lower-case \
             v (not \"-\")\n",
        )
        .status(99)
        .run();
    Test::new()
        .args(["bump_version", "V1.2.3", "patch"])
        .stderr(
            "shipctl: error: invalid version \"V1.2.3\": the only prefix allowed is a lower-case \
             v (not \"V\")\n",
        )
        .status(99)
        .run();
    Test::new()
        .args(["bump_version", "x", "patch"])
        .stderr(
            "shipctl: error: invalid version \"x\": expected MAJOR.MINOR.PATCH, optionally with a \
             leading v\n",
        )
        .status(99)
        .run();
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
        let files = matching("test files under t/, one a line (checked below)", |t| {
            t.lines()
                .all(|l| l.starts_with("t/d") && l.ends_with("_test.rb"))
        });
        // A third of the files have no time: said, on every shard.
        let out = t
            .env("SHIPPABLE_JOB_NUMBER", n.to_string())
            .env("SHIPPABLE_JOB_COUNT", "4")
            .args(["split_tests", "t", "*_test.rb", "r"])
            .stdout(files)
            .stderr(
                "shipctl: warning: split_tests: 67 of 200 test files untimed (no time in the \
                 reports under r); each gets the mean weight, 6.366 s\n",
            )
            .run();
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
        .stderr("shipctl: error: test folder nope not found\n")
        .status(99)
        .run();
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
        .stdout("t/a_test.rb\n")
        .stderr(
            "shipctl: warning: report r/bad.xml skipped: malformed XML: syntax error: tag not \
             closed: `>` not found before end of input\n\
             shipctl: warning: split_tests: the one report under r could not be read; every test \
             file gets the same weight\n",
        )
        .run();
}
