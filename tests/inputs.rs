//! Inputs as real machines have them (issue 9): env files saved on Windows,
//! JUnit reports in UTF-16 and Latin-1, `time` attributes as reporters
//! write them.

use crate::util::Test;

// --- env files ---------------------------------------------------------

#[test]
fn env_file_with_crlf_line_ends() {
    Test::new()
        .file("work/job.env", "APP_ID=42\r\nAPP_TYPE=\"image\"\r\n")
        .args(["--env-file", "job.env", "get_resource_id", "app"])
        .stdout("42\n")
        .run();
}

#[test]
fn env_file_with_a_byte_order_mark() {
    Test::new()
        .file("work/job.env", b"\xef\xbb\xbfAPP_ID=42\r\n")
        .args(["--env-file", "job.env", "get_resource_id", "app"])
        .stdout("42\n")
        .run();
}

#[test]
fn env_file_line_that_cannot_start_a_name_is_an_error_naming_it() {
    Test::new()
        .file("work/job.env", b"A=1\r\n\xc2\xa0APP_ID=42\r\n")
        .args(["--env-file", "job.env", "get_resource_id", "app"])
        .stderr("shipctl: error: job.env:2: a variable name cannot start with the byte 0xc2\n")
        .status(1)
        .run();
    Test::new()
        .file("work/job.env", b"A=1\n\xef\xbb\xbfAPP_ID=42\n")
        .args(["--env-file", "job.env", "get_resource_id", "app"])
        .stderr(
            "shipctl: error: job.env:2: a byte order mark (U+FEFF) where a variable name should start\n",
        )
        .status(1)
        .run();
}

#[test]
fn integration_env_from_windows_reads_the_same() {
    let keys = "shipctl: error: {job}/IN/my-int/integration.env:3: a variable name cannot start with '\"'\n";
    let t = Test::new().file(
        "job/IN/my-int/integration.env",
        b"\xef\xbb\xbfuser=\"u\"\r\npass=\"p=w\"\r\n",
    );
    t.args(["get_integration_resource_keys", "my-int"])
        .stdout("user\npass\n")
        .run();
    let t = Test::new().file(
        "job/IN/my-int/integration.env",
        "user=\"u\"\npass=\"p\"\n\"quoted\"=\"x\"\n",
    );
    let want = keys.replace("{job}", &t.job().display().to_string());
    t.args(["get_integration_resource_keys", "my-int"])
        .stderr(&want)
        .status(1)
        .run();
}

#[test]
fn env_file_through_a_pipe_and_a_fifo_without_writer() {
    // `--env-file <(…)`: a pipe is read to its end.
    let mut bash = std::process::Command::new("bash");
    bash.args([
        "-c",
        r#""$0" --env-file <(printf 'APP_ID=7\r\n') get_resource_id app"#,
        crate::util::bin(),
    ])
    .env_clear();
    Test::with(bash).stdout("7\n").run();
    // A FIFO that nobody writes to reads as empty, at once.
    let t = Test::new();
    let ok = std::process::Command::new("mkfifo")
        .arg(t.work().join("job.env"))
        .status()
        .unwrap()
        .success();
    assert!(ok);
    let started = std::time::Instant::now();
    t.env("APP_ID", "from-env")
        .args(["--env-file", "job.env", "get_resource_id", "app"])
        .stdout("from-env\n")
        .run();
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
}

// --- JUnit reports -------------------------------------------------------

fn utf16(text: &str, big: bool) -> Vec<u8> {
    let mut out = match big {
        true => vec![0xfe, 0xff],
        false => vec![0xff, 0xfe],
    };
    for u in text.encode_utf16() {
        out.extend(match big {
            true => u.to_be_bytes(),
            false => u.to_le_bytes(),
        });
    }
    out
}

/// Shard 1 of 2 over three tests (`heavy`, `light1`, `light2`) must print
/// `stdout` and `stderr`: `heavy` alone when its time was read, else `heavy`
/// and `light2` (equal weights go round-robin in path order).
#[track_caller]
fn split(reports: &[(&str, Vec<u8>)], stdout: &str, stderr: &str) {
    let mut t = Test::new()
        .file("work/t/heavy_test.rb", "")
        .file("work/t/light1_test.rb", "")
        .file("work/t/light2_test.rb", "");
    for (name, data) in reports {
        t = t.file(format!("work/r/{name}"), data);
    }
    t.env("SHIPPABLE_JOB_NUMBER", "1")
        .env("SHIPPABLE_JOB_COUNT", "2")
        .args(["split_tests", "t", "*_test.rb", "r"])
        .stdout(stdout)
        .stderr(stderr)
        .run();
}

const HEAVY_FIRST: &str = "t/heavy_test.rb\n";

fn report(encoding: &str, heavy: &str, extra: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="{encoding}"?>
<testsuites>
  <testsuite name="h{extra}" filepath="t/heavy_test.rb" time="{heavy}"/>
  <testsuite name="l1" filepath="t/light1_test.rb" time="1"/>
  <testsuite name="l2" filepath="t/light2_test.rb" time="1"/>
</testsuites>
"#
    )
}

#[test]
fn reports_in_utf16_as_dotnet_writes_them() {
    for big in [false, true] {
        let data = utf16(&report("UTF-16", "30.5", " ✓ ünï"), big);
        // big-endian: {big}
        split(&[("dotnet.xml", data)], HEAVY_FIRST, "");
    }
}

#[test]
fn reports_in_latin1_and_windows_1252() {
    let latin1: Vec<u8> = report("ISO-8859-1", "30", " caf\u{e9}")
        .chars()
        .map(|c| c as u32 as u8)
        .collect();
    split(&[("latin1.xml", latin1)], HEAVY_FIRST, "");
    let mut cp1252 = report("windows-1252", "30", " 10\u{80}")
        .chars()
        .map(|c| c as u32 as u8)
        .collect::<Vec<u8>>();
    cp1252.extend(b"<!-- \x93quoted\x94 -->\n");
    split(&[("cp1252.xml", cp1252)], HEAVY_FIRST, "");
}

#[test]
fn an_encoding_that_cannot_be_read_is_a_warning_naming_the_report() {
    // Nothing timed: every test weighs the same; the plan is by path.
    split(
        &[("sjis.xml", report("Shift_JIS", "30", "").into_bytes())],
        "t/heavy_test.rb\nt/light2_test.rb\n",
        "shipctl: warning: report r/sjis.xml skipped: its declared encoding \"shift_jis\" is not supported (UTF-8, UTF-16, US-ASCII, ISO-8859-1 and windows-1252 are)\n\
         shipctl: warning: split_tests: the one report under r could not be read; every test file gets the same weight\n",
    );
}

#[test]
fn time_as_reporters_write_it() {
    for time in [
        "30.5",
        "2,120.532",
        "30,5",
        "30.5s",
        "1m 2s",
        "PT30S",
        "3.0E1",
    ] {
        split(
            &[("r.xml", report("UTF-8", time, "").into_bytes())],
            HEAVY_FIRST,
            "",
        );
    }
}

#[test]
fn a_time_that_cannot_be_read_is_a_warning_naming_report_file_and_value() {
    for (time, why) in [
        ("soon", "not a number of seconds"),
        (
            "1,234",
            "ambiguous: a thousands separator or a decimal comma",
        ),
    ] {
        // The heavy test gets the mean weight (1): the plan is by path.
        split(
            &[("r.xml", report("UTF-8", time, "").into_bytes())],
            "t/heavy_test.rb\nt/light2_test.rb\n",
            &format!(
                "shipctl: warning: report r/r.xml: the time \"{time}\" of t/heavy_test.rb cannot be read ({why}); t/heavy_test.rb gets the mean weight unless another report times it\n\
                 shipctl: warning: split_tests: 1 of 3 test files untimed (no time in the reports under r); each gets the mean weight, 1.000 s\n"
            ),
        );
    }
}
