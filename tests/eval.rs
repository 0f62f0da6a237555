//! Issue 12 item 7: a failing `aws_env` or `jdk set` makes the shell's
//! evaluation of its output fail — `eval "$(…)"` under `set -e` in bash,
//! dash, sh and zsh, `… | source` in fish — while a succeeding one still
//! evaluates with status 0. Each shell is the real one.
use crate::util::{Test, have, matching};
use std::process::Command;

const FAILS: &str = "false < /dev/null\n";

/// A job: resource `keys` has an AWS key id and secret (no token, no
/// region), resource `nokeys` has nothing; one JDK in a JVM folder.
struct Job {
    dir: tempfile::TempDir,
}

impl Job {
    fn new() -> Job {
        let dir = tempfile::tempdir().unwrap();
        for sub in ["job", "home", "work"] {
            std::fs::create_dir_all(dir.path().join(sub)).unwrap();
        }
        let bin = dir.path().join("jvm/java-17-openjdk-amd64/bin");
        std::fs::create_dir_all(&bin).unwrap();
        std::fs::write(bin.join("java"), "").unwrap();
        Job { dir }
    }

    /// `shell -c script` in the job's environment (the hermetic one of the
    /// harness, PATH `/usr/bin:/bin`); `$SHIPCTL` is the binary.
    fn shell(&self, shell: &str, script: &str) -> Test {
        let mut cmd = Command::new(shell);
        cmd.arg("-c").arg(script);
        Test::with(crate::util::hermetic(cmd, self.dir.path()))
            .env("PATH", "/usr/bin:/bin")
            .env("SHIPCTL", crate::util::bin())
            .env("KEYS_INTEGRATION_ACCESSKEY", "AKIAEXAMPLE")
            .env("KEYS_INTEGRATION_SECRETKEY", "s3cr3t")
            .env("SHIPCTL_JVM_DIR", self.dir.path().join("jvm"))
    }
}

/// The failing calls, as a script writes them (`$EMPTY` is an unset
/// variable, unquoted, so the command gets no RES or VERSION), with their
/// exit status: sh formats, then the same for fish.
const FAILING: &[(&str, i32)] = &[
    ("aws_env nokeys", 1),
    ("aws_env $EMPTY", 99),
    ("aws_env keys --format xml", 99),
    ("--env-file missing.env aws_env keys", 99),
    ("jdk set openjdk9", 99),
    ("jdk set $EMPTY", 99),
];
const FAILING_FISH: &[(&str, i32)] = &[
    ("aws_env nokeys --format fish", 1),
    ("aws_env $EMPTY --format fish", 99),
    ("aws_env keys --format xml", 99),
    ("--env-file missing.env aws_env keys --format fish", 99),
    ("jdk set openjdk9 --format fish", 99),
    ("jdk set $EMPTY --format fish", 99),
];

/// What the call alone writes on stderr (its stdout thrown away): one
/// `shipctl: error:` line first (a usage error adds clap's usage lines),
/// with its status.
fn alone(job: &Job, shell: &str, call: &str, code: i32) -> String {
    let error = matching("a `shipctl: error: ` line first", |t| {
        t.starts_with("shipctl: error: ") && t.ends_with('\n')
    });
    job.shell(shell, &format!("\"$SHIPCTL\" {call} >/dev/null"))
        .stderr(error)
        .status(code)
        .run()
        .stderr_str()
}

/// The shell did nothing but fail: its stderr is exactly what the call
/// alone writes (shipctl's error, no word from the shell), and stdout and
/// the status are as the script says.
fn fails(
    job: &Job,
    shell: &str,
    (call, code): (&str, i32),
    script: &str,
    status: i32,
    stdout: &str,
) {
    let stderr = alone(job, shell, call, code);
    job.shell(shell, script)
        .status(status)
        .stdout(stdout)
        .stderr(stderr)
        .run();
}

#[test]
fn set_e_stops_at_a_failing_eval_in_every_posix_shell() {
    let job = Job::new();
    for shell in ["bash", "dash", "sh", "zsh"] {
        if !have(shell) {
            continue;
        }
        for &(call, code) in FAILING {
            // Under set -e the script stops at the eval, with status 1.
            let script = format!("set -e\neval \"$(\"$SHIPCTL\" {call})\"\necho AFTER\n");
            fails(&job, shell, (call, code), &script, 1, "");
            // Without set -e the eval's status says it.
            let script = format!("eval \"$(\"$SHIPCTL\" {call})\" || echo \"failed $?\"\n");
            fails(&job, shell, (call, code), &script, 0, "failed 1\n");
            // `source <(…)`-style: the output as a file, read with `.`.
            let script =
                format!("\"$SHIPCTL\" {call} > out.sh || true\nset -e\n. ./out.sh\necho AFTER\n");
            fails(&job, shell, (call, code), &script, 1, "");
        }
        // A succeeding call still evaluates, with status 0.
        let script = "set -e\neval \"$(\"$SHIPCTL\" aws_env keys)\"\neval \"$(\"$SHIPCTL\" jdk set openjdk17)\"\necho \"$AWS_ACCESS_KEY_ID ${AWS_SESSION_TOKEN-none} ${JAVA_HOME##*/}\"\n";
        job.shell(shell, script)
            .stdout("AKIAEXAMPLE none java-17-openjdk-amd64\n")
            .run();
    }
}

#[test]
fn fish_source_fails_on_a_failing_call() {
    let job = Job::new();
    if !have("fish") {
        return;
    }
    for &(call, code) in FAILING_FISH {
        let script = format!(
            "\"$SHIPCTL\" {call} | source; or begin; echo \"failed $status\"; exit 3; end\necho AFTER\n"
        );
        fails(&job, "fish", (call, code), &script, 3, "failed 1\n");
    }
    // Success: status 0 although no token was left to remove (fish's
    // `set -e` of an unset variable is status 4 by itself).
    let script = "\"$SHIPCTL\" aws_env keys --format fish | source; or exit 9\n\"$SHIPCTL\" jdk set openjdk17 --format fish | source; or exit 9\necho $AWS_ACCESS_KEY_ID (set -q AWS_SESSION_TOKEN; and echo set; or echo none) (basename $JAVA_HOME)\n";
    job.shell("fish", script)
        .stdout("AKIAEXAMPLE none java-17-openjdk-amd64\n")
        .run();
}

/// Exactly the statement, alone on stdout, for the formats shells
/// evaluate; nothing for the formats programs read. The error is on
/// stderr, a `shipctl: error:` line first.
#[test]
fn the_statement_is_printed_on_failure_only() {
    let job = Job::new();
    let run = |args: &[&str], code: i32, stdout: &str| {
        let error = matching("a `shipctl: error: ` line first", |t| {
            t.starts_with("shipctl: error: ") && t.ends_with('\n')
        });
        job.shell("sh", &format!("exec \"$SHIPCTL\" {}", args.join(" ")))
            .status(code)
            .stdout(stdout)
            .stderr(error)
            .run();
    };
    for (args, code) in [
        (&["aws_env", "nokeys"][..], 1),
        (&["aws_env", "nokeys", "--format", "fish"], 1),
        (&["aws_env", "nokeys", "--format=powershell"], 1),
        (&["aws_env"], 99),
        (&["jdk", "set", "openjdk99"], 99),
        (&["jdk", "set", "x", "--format", "fish"], 99),
    ] {
        run(args, code, FAILS);
    }
    for (args, code) in [
        (&["aws_env", "nokeys", "--format", "json"][..], 1),
        (&["aws_env", "nokeys", "--format=dotenv"], 1),
        (&["configure_aws", "nokeys"], 1),
        (&["get_resource_id", ""], 99),
    ] {
        run(args, code, "");
    }
    // Success prints only the assignments.
    let assignments = matching("assignments, no `false`", |t| {
        t.starts_with("export AWS_ACCESS_KEY_ID=") && !t.contains("false")
    });
    job.shell("sh", "exec \"$SHIPCTL\" aws_env keys")
        .stdout(assignments)
        .run();
}

/// At a terminal a person reads the error; nothing is printed for eval.
#[test]
fn nothing_for_eval_at_a_terminal() {
    if !have("script") {
        return;
    }
    let job = Job::new();
    // `script` runs the call in a pseudo-terminal and copies what it shows.
    let shown = matching("\"status=1\\n\" (the terminal's \\r aside)", |t| {
        t.replace('\r', "") == "status=1\n"
    });
    job.shell(
        "sh",
        "script -qec \"$SHIPCTL aws_env nokeys 2>/dev/null; echo status=\\$?\" /dev/null",
    )
    .stdout(shown)
    .run();
}

/// PowerShell is not packaged in Debian, so it cannot be installed here or
/// in CI: when a `pwsh` is on PATH, it checks that the statement is a parse
/// error that runs nothing; without one, this says so and passes.
#[test]
fn powershell_rejects_the_statement_when_available() {
    if Command::new("pwsh").arg("-Version").output().is_err() {
        eprintln!(
            "notice: powershell_rejects_the_statement_when_available: pwsh is not installed \
             (PowerShell is not packaged in Debian); not checked"
        );
        return;
    }
    let out = Command::new("pwsh")
        .args([
            "-NoProfile",
            "-Command",
            "$ErrorActionPreference = 'Stop'; try { Invoke-Expression 'false < /dev/null'; 'ran' } catch { $_.FullyQualifiedErrorId }",
        ])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("RedirectionNotSupported"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}
