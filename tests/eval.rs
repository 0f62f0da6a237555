//! Issue 12 item 7: a failing `aws_env` or `jdk set` makes the shell's
//! evaluation of its output fail — `eval "$(…)"` under `set -e` in bash,
//! dash, sh and zsh, `… | source` in fish — while a succeeding one still
//! evaluates with status 0. Each shell is the real one.
use crate::jdk::have;
use std::process::{Command, Output};

const FAILS: &str = "false < /dev/null\n";

/// A job: resource `keys` has an AWS key id and secret (no token, no
/// region), resource `nokeys` has nothing; one JDK in a JVM folder.
struct Job {
    dir: tempfile::TempDir,
}

impl Job {
    fn new() -> Job {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("job")).unwrap();
        let bin = dir.path().join("jvm/java-17-openjdk-amd64/bin");
        std::fs::create_dir_all(&bin).unwrap();
        std::fs::write(bin.join("java"), "").unwrap();
        Job { dir }
    }

    /// `shell -c script` in the job's environment; `$SHIPCTL` is the binary.
    fn shell(&self, shell: &str, script: &str) -> Output {
        Command::new(shell)
            .arg("-c")
            .arg(script)
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("HOME", self.dir.path())
            .env("LANG", "C.UTF-8")
            .env("SHIPCTL", crate::util::bin())
            .env("JOB_PATH", self.dir.path().join("job"))
            .env("KEYS_INTEGRATION_ACCESSKEY", "AKIAEXAMPLE")
            .env("KEYS_INTEGRATION_SECRETKEY", "s3cr3t")
            .env("SHIPCTL_JVM_DIR", self.dir.path().join("jvm"))
            .current_dir(self.dir.path())
            .output()
            .unwrap()
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The failing calls, as a script writes them (`$EMPTY` is an unset
/// variable, unquoted, so the command gets no RES or VERSION): sh formats,
/// then the same for fish.
const FAILING: &[&str] = &[
    "aws_env nokeys",
    "aws_env $EMPTY",
    "aws_env keys --format xml",
    "--env-file missing.env aws_env keys",
    "jdk set openjdk9",
    "jdk set $EMPTY",
];
const FAILING_FISH: &[&str] = &[
    "aws_env nokeys --format fish",
    "aws_env $EMPTY --format fish",
    "aws_env keys --format xml",
    "--env-file missing.env aws_env keys --format fish",
    "jdk set openjdk9 --format fish",
    "jdk set $EMPTY --format fish",
];

/// The shell did nothing but fail: its stderr is exactly what the call
/// alone writes (shipctl's error, no word from the shell), and stdout and
/// the status are as the script says.
fn check(job: &Job, shell: &str, call: &str, out: &Output, status: i32, stdout: &str) {
    let alone = job.shell(shell, &format!("\"$SHIPCTL\" {call} >/dev/null"));
    assert!(
        text(&alone.stderr).contains("error"),
        "{shell}: {call}: {:?}",
        text(&alone.stderr)
    );
    assert_eq!(
        (text(&out.stdout), text(&out.stderr), out.status.code()),
        (stdout.to_string(), text(&alone.stderr), Some(status)),
        "{shell}: {call}"
    );
}

#[test]
fn set_e_stops_at_a_failing_eval_in_every_posix_shell() {
    let job = Job::new();
    for shell in ["bash", "dash", "sh", "zsh"] {
        if !have(shell, "set_e_stops_at_a_failing_eval_in_every_posix_shell") {
            continue;
        }
        for call in FAILING {
            // Under set -e the script stops at the eval, with status 1.
            let script = format!("set -e\neval \"$(\"$SHIPCTL\" {call})\"\necho AFTER\n");
            let out = job.shell(shell, &script);
            check(&job, shell, call, &out, 1, "");
            // Without set -e the eval's status says it.
            let script = format!("eval \"$(\"$SHIPCTL\" {call})\" || echo \"failed $?\"\n");
            let out = job.shell(shell, &script);
            check(&job, shell, call, &out, 0, "failed 1\n");
            // `source <(…)`-style: the output as a file, read with `.`.
            let script =
                format!("\"$SHIPCTL\" {call} > out.sh || true\nset -e\n. ./out.sh\necho AFTER\n");
            let out = job.shell(shell, &script);
            check(&job, shell, call, &out, 1, "");
        }
        // A succeeding call still evaluates, with status 0.
        let script = "set -e\neval \"$(\"$SHIPCTL\" aws_env keys)\"\neval \"$(\"$SHIPCTL\" jdk set openjdk17)\"\necho \"$AWS_ACCESS_KEY_ID ${AWS_SESSION_TOKEN-none} ${JAVA_HOME##*/}\"\n";
        let out = job.shell(shell, script);
        assert_eq!(
            (text(&out.stdout), text(&out.stderr), out.status.code()),
            (
                "AKIAEXAMPLE none java-17-openjdk-amd64\n".to_string(),
                String::new(),
                Some(0)
            ),
            "{shell}"
        );
    }
}

#[test]
fn fish_source_fails_on_a_failing_call() {
    let job = Job::new();
    if !have("fish", "fish_source_fails_on_a_failing_call") {
        return;
    }
    for call in FAILING_FISH {
        let script = format!(
            "\"$SHIPCTL\" {call} | source; or begin; echo \"failed $status\"; exit 3; end\necho AFTER\n"
        );
        let out = job.shell("fish", &script);
        check(&job, "fish", call, &out, 3, "failed 1\n");
    }
    // Success: status 0 although no token was left to remove (fish's
    // `set -e` of an unset variable is status 4 by itself).
    let script = "\"$SHIPCTL\" aws_env keys --format fish | source; or exit 9\n\"$SHIPCTL\" jdk set openjdk17 --format fish | source; or exit 9\necho $AWS_ACCESS_KEY_ID (set -q AWS_SESSION_TOKEN; and echo set; or echo none) (basename $JAVA_HOME)\n";
    let out = job.shell("fish", script);
    assert_eq!(
        (text(&out.stdout), text(&out.stderr), out.status.code()),
        (
            "AKIAEXAMPLE none java-17-openjdk-amd64\n".to_string(),
            String::new(),
            Some(0)
        )
    );
}

/// Exactly the statement, alone on stdout, for the formats shells
/// evaluate; nothing for the formats programs read.
#[test]
fn the_statement_is_printed_on_failure_only() {
    let job = Job::new();
    let run = |args: &[&str]| {
        let out = job.shell("sh", &format!("exec \"$SHIPCTL\" {}", args.join(" ")));
        (text(&out.stdout), out.status.code())
    };
    for (args, code) in [
        (&["aws_env", "nokeys"][..], 1),
        (&["aws_env", "nokeys", "--format", "fish"], 1),
        (&["aws_env", "nokeys", "--format=powershell"], 1),
        (&["aws_env"], 99),
        (&["jdk", "set", "openjdk99"], 99),
        (&["jdk", "set", "x", "--format", "fish"], 99),
    ] {
        assert_eq!(run(args), (FAILS.to_string(), Some(code)), "{args:?}");
    }
    for (args, code) in [
        (&["aws_env", "nokeys", "--format", "json"][..], 1),
        (&["aws_env", "nokeys", "--format=dotenv"], 1),
        (&["configure_aws", "nokeys"], 1),
        (&["get_resource_id", ""], 99),
    ] {
        assert_eq!(run(args), (String::new(), Some(code)), "{args:?}");
    }
    // Success prints only the assignments.
    let (out, code) = run(&["aws_env", "keys"]);
    assert_eq!(code, Some(0));
    assert!(!out.contains("false"), "{out}");
}

/// At a terminal a person reads the error; nothing is printed for eval.
#[test]
fn nothing_for_eval_at_a_terminal() {
    if !have("script", "nothing_for_eval_at_a_terminal") {
        return;
    }
    let job = Job::new();
    // `script` runs the call in a pseudo-terminal and copies what it shows.
    let out = job.shell(
        "sh",
        "script -qec \"$SHIPCTL aws_env nokeys 2>/dev/null; echo status=\\$?\" /dev/null",
    );
    assert_eq!(text(&out.stdout).replace('\r', ""), "status=1\n");
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
        text(&out.stdout).contains("RedirectionNotSupported"),
        "{}",
        text(&out.stdout)
    );
}
