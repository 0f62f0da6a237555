//! Shell completion (issue 5): the committed scripts are current, and each
//! shell, given its script, offers the job's commands, resource names and
//! field names. A test whose shell (or python3, which drives bash in a
//! terminal) is not installed says SKIPPED and passes, except under
//! `CI=true` (CI installs bash, zsh, fish and elvish).

use crate::util::{Test, compared_below};
use std::path::{Path, PathBuf};
use std::process::Command;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Every shell, the file its script is committed as.
const SCRIPTS: &[(&str, &str)] = &[
    ("bash", "completions/shipctl.bash"),
    ("zsh", "completions/_shipctl"),
    ("fish", "completions/shipctl.fish"),
    ("powershell", "completions/_shipctl.ps1"),
    ("elvish", "completions/shipctl.elv"),
];

fn script(shell: &str) -> PathBuf {
    let (_, file) = SCRIPTS.iter().find(|(s, _)| *s == shell).unwrap();
    Path::new(ROOT).join(file)
}

#[test]
fn committed_scripts_are_current() {
    for (shell, file) in SCRIPTS {
        // Regenerate a script that differs with:
        //   cargo run -q -- completions SHELL > FILE
        let committed = std::fs::read(Path::new(ROOT).join(file)).unwrap_or_default();
        assert!(committed.len() > 100, "the committed {file} is empty");
        Test::new()
            .args(["completions", shell])
            .stdout(committed)
            .run();
    }
}

#[test]
fn scripts_name_no_command() {
    // Commands come from the binary at each TAB: a script that listed them
    // would go stale with every new command.
    for (shell, _) in SCRIPTS {
        let text = std::fs::read_to_string(script(shell)).unwrap();
        assert!(text.contains("__complete"), "{shell}");
        assert!(!text.contains("get_resource"), "{shell} lists commands");
    }
}

/// A job environment: two resources by variable (one IN folder with an
/// integration.json), one by folder only, a job integration and an AWS
/// credentials file.
struct Job {
    dir: tempfile::TempDir,
}

impl Job {
    fn new() -> Job {
        let dir = tempfile::tempdir().unwrap();
        let write = |p: &str, text: &str| {
            let p = dir.path().join(p);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        };
        write(
            "job/IN/my-aws-keys-1/integration.json",
            r#"{"id":"1","masterName":"amazonKeys","accessKey":"AKIA","secretKey":"s3cr3t","region":"eu-west-1"}"#,
        );
        write("job/OUT/out-image/version.json", "{}");
        write(
            "integrations/dockerhub/integration.env",
            "username=\"u\"\npassword=\"p\"\n",
        );
        write("home/.aws/credentials", "[default]\nk=v\n[prod]\nk=v\n");
        write("work/deploy.json", "{}");
        write("work/notes.txt", "");
        Job { dir }
    }

    fn path(&self, p: &str) -> PathBuf {
        self.dir.path().join(p)
    }

    /// A shell command in this environment (PATH finds shipctl); `None`
    /// (SKIPPED; a failure under `CI=true`) when the shell is not installed.
    fn shell(&self, program: &str, args: &[&str]) -> Option<Command> {
        let mut cmd = self.bare_shell(program, args)?;
        self.job_env(&mut cmd);
        Some(cmd)
    }

    /// A shell command with only PATH, HOME, LANG and TERM set.
    fn bare_shell(&self, program: &str, args: &[&str]) -> Option<Command> {
        if !crate::util::have(program) {
            return None;
        }
        let mut cmd = Command::new(program);
        cmd.args(args);
        self.base_env(&mut cmd);
        Some(cmd)
    }

    fn base_env(&self, cmd: &mut Command) {
        let bin_dir = crate::util::bin_dir();
        let path = format!(
            "{}:{}",
            bin_dir.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        cmd.env_clear()
            .env("PATH", path)
            .env("HOME", self.path("home"))
            .env("LANG", "C.UTF-8")
            .env("TERM", "dumb")
            .current_dir(self.path("work"));
    }

    fn job_env(&self, cmd: &mut Command) {
        cmd.env("JOB_PATH", self.path("job"))
            .env("JOB_INTEGRATIONS", self.path("integrations"))
            .env("MYAWSKEYS1_NAME", "my-aws-keys-1")
            .env("MYAWSKEYS1_OPERATION", "IN")
            .env("MYAWSKEYS1_TYPE", "integration")
            .env("MYAWSKEYS1_INTEGRATION_ACCESSKEY", "AKIA")
            .env("APPPARAMS_NAME", "app-params")
            .env("APPPARAMS_OPERATION", "IN")
            .env("APPPARAMS_PARAMS_DB_HOST", "db");
    }
}

/// The shell's run: exit 0, nothing on stderr; its stdout (the candidates)
/// for the test to compare.
fn run(cmd: Command) -> String {
    Test::with(cmd)
        .stdout(compared_below("the candidates"))
        .run()
        .stdout_str()
}

/// `COMP_WORDS` as bash makes them from a line with the default
/// `COMP_WORDBREAKS`: the words between spaces, each cut into pieces at its
/// runs of `=` and `:` (a run is a piece of its own); a line that ends with
/// a space ends with an empty word. (Quotes are not modelled: these lines
/// have none. `bash_completes_in_a_terminal` checks the model against
/// readline itself.)
fn bash_comp_words(line: &str) -> Vec<String> {
    let mut pieces: Vec<String> = Vec::new();
    let words: Vec<&str> = line.split(' ').collect();
    for (i, word) in words.iter().enumerate() {
        if word.is_empty() {
            if i + 1 == words.len() {
                pieces.push(String::new());
            }
            continue;
        }
        let mut piece = String::new();
        let mut in_break = None;
        for c in word.chars() {
            let brk = matches!(c, '=' | ':');
            if in_break.is_some_and(|b| b != brk) {
                pieces.push(std::mem::take(&mut piece));
            }
            in_break = Some(brk);
            piece.push(c);
        }
        pieces.push(piece);
    }
    pieces
}

/// The bash program that completes a line as typed (the cursor at its
/// end): COMP_WORDS, COMP_CWORD, COMP_LINE and COMP_POINT as bash sets
/// them, then the script's function; prints COMPREPLY one a line.
fn bash_program(line: &str) -> String {
    let quote = |w: &str| format!("'{}'", w.replace('\'', r"'\''"));
    let words: Vec<String> = bash_comp_words(line).iter().map(|w| quote(w)).collect();
    format!(
        "source '{}'\nCOMP_WORDS=({})\nCOMP_CWORD={}\nCOMP_LINE={}\nCOMP_POINT={}\n\
         _shipctl\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
        script("bash").display(),
        words.join(" "),
        words.len() - 1,
        quote(line),
        line.len()
    )
}

fn lines(out: &str) -> Vec<String> {
    out.lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// COMPREPLY for a line, in the job environment.
fn bash_complete(job: &Job, line: &str) -> Option<Vec<String>> {
    let program = bash_program(line);
    let cmd = job.shell("bash", &["--norc", "--noprofile", "-c", &program])?;
    Some(lines(&run(cmd)))
}

#[test]
fn bash_completes_command_names() {
    let job = Job::new();
    let Some(got) = bash_complete(&job, "shipctl get_integration_r") else {
        return;
    };
    assert_eq!(
        got,
        [
            "get_integration_resource",
            "get_integration_resource_keys",
            "get_integration_resource_field"
        ]
    );
    // Global options first, then the command name.
    let got = bash_complete(&job, "shipctl --strict get_integration_resource_f").unwrap();
    assert_eq!(got, ["get_integration_resource_field"]);
    let got = bash_complete(&job, "shipctl --e").unwrap();
    assert_eq!(got, ["--explain", "--env-file"]);
}

#[test]
fn bash_completes_resource_and_field_names() {
    // The issue's "done when": in a job environment,
    // `shipctl get_integration_resource_field <TAB>` offers the job's
    // resources and `… my-aws-keys-1 <TAB>` its fields.
    let job = Job::new();
    let Some(got) = bash_complete(&job, "shipctl get_integration_resource_field ") else {
        return;
    };
    assert_eq!(got, ["app-params", "my-aws-keys-1", "out-image"]);
    let got = bash_complete(
        &job,
        "shipctl get_integration_resource_field my-aws-keys-1 ",
    )
    .unwrap();
    assert_eq!(got, ["accessKey", "secretKey", "region"]);
    let got = bash_complete(
        &job,
        "shipctl get_integration_resource_field my-aws-keys-1 s",
    )
    .unwrap();
    assert_eq!(got, ["secretKey"]);
    let got = bash_complete(&job, "shipctl get_params_resource app-params ").unwrap();
    assert_eq!(got, ["DB_HOST"]);
    let got = bash_complete(&job, "shipctl get_integration_field ").unwrap();
    assert_eq!(got, ["dockerhub"]);
    let got = bash_complete(&job, "shipctl get_integration_field dockerhub ").unwrap();
    assert_eq!(got, ["username", "password"]);
}

#[test]
fn bash_reads_the_env_file_of_the_line() {
    // No job variables: only those of the shipped example job, replayed from
    // the repository root with --env-file.
    let job = Job::new();
    let env_file = Path::new(ROOT).join("examples/job/job.env");
    let complete = |line: &str| {
        let program = bash_program(line);
        let mut cmd = job.bare_shell("bash", &["--norc", "--noprofile", "-c", &program])?;
        cmd.current_dir(ROOT);
        Some(lines(&run(cmd)))
    };
    let line = format!(
        "shipctl --env-file {} get_integration_resource_field my-aws-keys-1 ",
        env_file.display()
    );
    let Some(got) = complete(&line) else {
        return;
    };
    assert!(got.contains(&"accessKey".to_string()), "{got:?}");
    let line = format!(
        "shipctl --strict --env-file={} get_resource_id ",
        env_file.display()
    );
    let got = complete(&line).unwrap();
    for r in ["app-params", "my-aws-keys-1", "prod-cluster"] {
        assert!(got.contains(&r.to_string()), "{r} in {got:?}");
    }
    // Without the env file: no job, no resources.
    assert_eq!(
        complete("shipctl get_resource_id ").unwrap(),
        Vec::<String>::new()
    );
}

#[test]
fn bash_completes_files_where_a_path_is_expected() {
    let job = Job::new();
    let Some(got) = bash_complete(&job, "shipctl get_json_value de") else {
        return;
    };
    assert_eq!(got, ["deploy.json"]);
    // `--env-file=` is split by bash at `=`.
    let got = bash_complete(&job, "shipctl --env-file=no").unwrap();
    assert_eq!(got, ["notes.txt"]);
    // A value with no candidates offers nothing (not files).
    let got = bash_complete(&job, "shipctl to_uppercase ").unwrap();
    assert!(got.is_empty(), "{got:?}");
}

#[test]
fn bash_script_registers_for_shipctl() {
    let job = Job::new();
    let program = format!(
        "source '{}'\ncomplete -p shipctl\n",
        script("bash").display()
    );
    let Some(cmd) = job.shell("bash", &["--norc", "--noprofile", "-c", &program]) else {
        return;
    };
    assert_eq!(run(cmd), "complete -F _shipctl shipctl\n");
}

#[test]
fn fish_completes() {
    let job = Job::new();
    let complete = |line: &str| {
        let program = format!(
            "source '{}'; complete -C '{line}'",
            script("fish").display()
        );
        job.shell("fish", &["--no-config", "-c", &program]).map(run)
    };
    let Some(out) = complete("shipctl get_int") else {
        return;
    };
    let names: Vec<&str> = out.lines().map(|l| l.split('\t').next().unwrap()).collect();
    assert_eq!(
        names,
        [
            "get_integration_field",
            "get_integration_keys",
            "get_integration_resource",
            "get_integration_resource_field",
            "get_integration_resource_keys"
        ]
    );
    assert!(out.contains("get_integration_field\tA field of an integration"));
    let out = complete("shipctl get_integration_resource_field my-aws-keys-1 ").unwrap();
    let names: Vec<&str> = out.lines().map(|l| l.split('\t').next().unwrap()).collect();
    assert_eq!(names, ["accessKey", "region", "secretKey"]);
    let out = complete("shipctl get_resource_id ").unwrap();
    assert!(out.contains("my-aws-keys-1\tintegration (IN)"), "{out}");
    let out = complete("shipctl get_json_value dep").unwrap();
    assert_eq!(out, "deploy.json\n");
}

#[test]
fn zsh_script_loads_and_completes_in_a_terminal() {
    // A real interactive `zsh -f` in a pseudo-terminal (zsh/zpty): type a
    // partial command and TAB, then print the completed line upper-cased
    // (so that it cannot be confused with the echo of what was typed).
    let job = Job::new();
    let driver = r#"
zmodload zsh/zpty || exit 3
zpty z zsh -f -i
zpty -w z "PS1='> '; autoload -U compinit && compinit -u -d $2; source $1"
type_line() {
    zpty -w -n z "$1"$'\t'
    sleep 0.5
    zpty -w -n z $'\C-a'"print -r -- \"\$(print -r -- "$'\C-e'" | tr a-z A-Z)\""$'\n'
}
type_line 'shipctl get_integration_resource_f'
type_line 'shipctl get_integration_resource_field my-aws-keys-1 acc'
out=
for i in {1..150}; do
    while zpty -r -t z chunk 2>/dev/null; do out+=$chunk; done
    [[ $out == *'MY-AWS-KEYS-1 ACCESSKEY'* ]] && break
    sleep 0.1
done
zpty -d z
print -r -- "$out"
"#;
    let dump = job.path("zcompdump");
    let Some(cmd) = job.shell(
        "zsh",
        &[
            "-f",
            "-c",
            driver,
            "zsh",
            script("zsh").to_str().unwrap(),
            dump.to_str().unwrap(),
        ],
    ) else {
        return;
    };
    let out = run(cmd);
    assert!(
        out.contains("SHIPCTL GET_INTEGRATION_RESOURCE_FIELD"),
        "command name not completed:\n{out}"
    );
    assert!(
        out.contains("SHIPCTL GET_INTEGRATION_RESOURCE_FIELD MY-AWS-KEYS-1 ACCESSKEY"),
        "field name not completed:\n{out}"
    );
}

#[test]
fn zsh_script_offers_fields_with_descriptions() {
    // The stub's parsing, without a terminal: `_describe` captured.
    let job = Job::new();
    let program = format!(
        r#"autoload -U compinit && compinit -u -d '{}'
source '{}'
print -r -- "registered: $_comps[shipctl]"
_describe() {{ print -rl -- "${{(@P)${{@[-1]}}}}" }}
_files() {{ print -r -- "FILES" }}
words=(shipctl get_integration_resource_field my-aws-keys-1 ''); CURRENT=4; _shipctl
words=(shipctl get_json_value ''); CURRENT=3; _shipctl
"#,
        job.path("zcompdump").display(),
        script("zsh").display()
    );
    let Some(cmd) = job.shell("zsh", &["-f", "-c", &program]) else {
        return;
    };
    assert_eq!(
        run(cmd),
        "registered: _shipctl\naccessKey:field\nsecretKey:field\nregion:field\nFILES\n"
    );
}

#[test]
fn elvish_completer_runs() {
    // Outside the interactive editor `edit:` does not exist: the completer
    // is bound to a variable and the editor's two builtins are stood in for.
    let job = Job::new();
    let text = std::fs::read_to_string(script("elvish")).unwrap();
    let text = text
        .replace(
            "set edit:completion:arg-completer[shipctl] = ",
            "var completer = ",
        )
        .replace("edit:complex-candidate", "complex-candidate")
        .replace("edit:complete-filename", "complete-filename");
    let program = format!(
        "fn complex-candidate {{|v &display=''| put $v }}\n\
         fn complete-filename {{|w| put 'FILES:'$w }}\n{text}\n\
         $completer shipctl get_integration_r | each {{|x| echo $x }}\n\
         $completer shipctl get_integration_resource_field my-aws-keys-1 '' | each {{|x| echo $x }}\n\
         $completer shipctl get_json_value de | each {{|x| echo $x }}\n"
    );
    let file = job.path("t.elv");
    std::fs::write(&file, program).unwrap();
    let Some(cmd) = job.shell("elvish", &[file.to_str().unwrap()]) else {
        return;
    };
    assert_eq!(
        run(cmd),
        "get_integration_resource\nget_integration_resource_keys\nget_integration_resource_field\n\
         accessKey\nsecretKey\nregion\nFILES:de\n"
    );
}

#[test]
fn request_protocol() {
    // The hidden request itself: the kind line, then candidates.
    let job = Job::new();
    let complete = |args: &[&str], code: i32, stdout: &str| {
        let mut cmd = crate::util::command();
        cmd.arg("__complete").args(args);
        job.base_env(&mut cmd);
        job.job_env(&mut cmd);
        Test::with(cmd).status(code).stdout(stdout).run();
    };
    complete(
        &["bash", "1", "--", "shipctl", "completions"],
        0,
        "values\ncompletions\n",
    );
    // A current word the shell dropped (empty) counts as empty.
    complete(
        &["fish", "2", "--", "shipctl", "completions"],
        0,
        "values\nbash\nzsh\nfish\npowershell\nelvish\n",
    );
    complete(
        &["zsh", "2", "--", "shipctl", "get_resource_id", "my"],
        0,
        "values\napp-params:IN\nmy-aws-keys-1:integration (IN)\nout-image:OUT\n",
    );
    // bash: the path typed, and the part of it bash keeps on the line.
    complete(
        &["bash", "2", "--", "shipctl", "get_json_value", ""],
        0,
        "files\n\n\n",
    );
    complete(
        &[
            "bash",
            "4",
            "--line",
            "shipctl get_json_value a:b/c",
            "--",
            "shipctl",
            "get_json_value",
            "a",
            ":",
            "b/c",
        ],
        0,
        "files\na:b/c\na:\n",
    );
    complete(
        &["zsh", "2", "--", "shipctl", "get_json_value", ""],
        0,
        "files\n",
    );
    // A malformed request: 99, nothing printed (a shell's TAB must not
    // print errors into the line being edited).
    complete(&["tcsh", "1", "--", "shipctl"], 99, "");
    complete(&["bash", "x", "--"], 99, "");
    complete(&["bash", "1", "shipctl"], 99, "");
}

#[test]
fn bash_completes_aws_profiles_and_formats() {
    let job = Job::new();
    let Some(got) = bash_complete(&job, "shipctl configure_aws my-aws-keys-1 --profile ") else {
        return;
    };
    assert_eq!(got, ["default", "prod"]);
    // `--profile=p`: bash splits the word at `=` and replaces what follows.
    let got = bash_complete(&job, "shipctl configure_aws my-aws-keys-1 --profile=p").unwrap();
    assert_eq!(got, ["prod"]);
    let got = bash_complete(&job, "shipctl configure_aws my-aws-keys-1 --profile=").unwrap();
    assert_eq!(got, ["default", "prod"]);
    let got = bash_complete(&job, "shipctl configure_aws m").unwrap();
    assert_eq!(got, ["my-aws-keys-1"]);
    let got = bash_complete(&job, "shipctl configure_aws my-aws-keys-1 --re").unwrap();
    assert_eq!(got, ["--region", "--remove"]);
    let got = bash_complete(&job, "shipctl aws_env my-aws-keys-1 --format ").unwrap();
    assert_eq!(got, ["sh", "fish", "powershell", "dotenv", "json"]);
}

/// A job whose values hold bash's word-break characters: an AWS profile
/// `123456789012:ReadOnly` (and `[ci] ; robot`, a header with a comment),
/// named through `$HOME` as the aws module expands it; a params key and an
/// integration field with `:`; a file with `:` in its name.
fn colon_job() -> Job {
    let job = Job::new();
    let write = |p: &str, text: &str| {
        let p = job.path(p);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    write(
        "home/.aws/ci-credentials",
        "[default]\nk=v\n[123456789012:ReadOnly]\nk=v\n[ci] ; robot\nk=v\n",
    );
    write(
        "job/IN/app-params/version.json",
        r#"{"version":{"propertyBag":{"params":{"db:host":"h","db:port":"1"}}}}"#,
    );
    write(
        "job/IN/urls/integration.json",
        r#"{"url:prod":"u","token":"t"}"#,
    );
    write("work/build:42.json", "{}");
    job
}

fn colon_env(cmd: &mut Command) {
    cmd.env("AWS_SHARED_CREDENTIALS_FILE", "$HOME/.aws/ci-credentials")
        .env("AWS_CONFIG_FILE", "$HOME/.aws/none");
}

#[test]
fn bash_completes_values_with_colons_and_equals() {
    // Issue 10, item 12: with the default COMP_WORDBREAKS bash cuts
    // `123456789012:R` into `123456789012`, `:`, `R`; every value the
    // engine offers must still complete (COMPREPLY holds what bash puts in
    // place of the last piece).
    let job = colon_job();
    let complete = |line: &str| {
        let program = bash_program(line);
        let mut cmd = job.shell("bash", &["--norc", "--noprofile", "-c", &program])?;
        colon_env(&mut cmd);
        Some(lines(&run(cmd)))
    };
    let Some(got) = complete("shipctl configure_aws my-aws-keys-1 --profile 123456789012:R") else {
        return;
    };
    assert_eq!(got, ["ReadOnly"]);
    let cases: &[(&str, &[&str])] = &[
        (
            "shipctl configure_aws my-aws-keys-1 --profile 123456789012:",
            &["ReadOnly"],
        ),
        (
            "shipctl configure_aws my-aws-keys-1 --profile 12",
            &["123456789012:ReadOnly"],
        ),
        (
            "shipctl configure_aws my-aws-keys-1 --profile=123456789012:R",
            &["ReadOnly"],
        ),
        (
            "shipctl configure_aws my-aws-keys-1 --profile=1",
            &["123456789012:ReadOnly"],
        ),
        (
            "shipctl configure_aws my-aws-keys-1 --profile=",
            &["default", "123456789012:ReadOnly", "ci"],
        ),
        ("shipctl configure_aws my-aws-keys-1 --profile c", &["ci"]),
        (
            "shipctl get_params_resource app-params db:",
            &["host", "port"],
        ),
        ("shipctl get_params_resource app-params db:h", &["host"]),
        (
            "shipctl get_integration_resource_field urls url:",
            &["prod"],
        ),
        ("shipctl aws_env my-aws-keys-1 --format=js", &["json"]),
        (
            "shipctl aws_env my-aws-keys-1 --format=",
            &["sh", "fish", "powershell", "dotenv", "json"],
        ),
        ("shipctl get_git_changes --resource=my", &["my-aws-keys-1"]),
        ("shipctl get_json_value build:", &["42.json"]),
        ("shipctl get_json_value bui", &["build:42.json"]),
        ("shipctl --env-file=no", &["notes.txt"]),
        ("shipctl notify note --payload=build:4", &["42.json"]),
    ];
    for (line, want) in cases {
        assert_eq!(complete(line).unwrap(), *want, "{line}");
    }
}

#[test]
fn bash_completes_notify_options() {
    let job = Job::new();
    let Some(got) = bash_complete(&job, "shipctl notify note --te") else {
        return;
    };
    assert_eq!(got, ["--text"]);
    // The one-dash spelling the original read is completed as typed.
    assert_eq!(
        bash_complete(&job, "shipctl notify note -te").unwrap(),
        ["-text"]
    );
    let got = bash_complete(&job, "shipctl notify note --").unwrap();
    for o in [
        "--text",
        "--payload",
        "--recipient",
        "--attach-file",
        "--appId",
        "--help",
    ] {
        assert!(got.contains(&o.to_string()), "{o} in {got:?}");
    }
    assert_eq!(
        bash_complete(&job, "shipctl notify note --payload de").unwrap(),
        ["deploy.json"]
    );
    assert_eq!(
        bash_complete(&job, "shipctl notify note -payload=de").unwrap(),
        ["deploy.json"]
    );
}

#[test]
fn fish_and_zsh_complete_notify_options_and_colon_values() {
    let job = colon_job();
    let fish = |line: &str| {
        let program = format!(
            "source '{}'; complete -C '{line}'",
            script("fish").display()
        );
        let mut cmd = job.shell("fish", &["--no-config", "-c", &program])?;
        colon_env(&mut cmd);
        Some(run(cmd))
    };
    if let Some(out) = fish("shipctl notify note --pay") {
        assert_eq!(
            out,
            "--payload\tSend this JSON file as the body instead of the built one\n"
        );
        let out = fish("shipctl configure_aws my-aws-keys-1 --profile 1").unwrap();
        assert_eq!(out, "123456789012:ReadOnly\tprofile\n");
    }
    let program = format!(
        r#"autoload -U compinit && compinit -u -d '{}'
source '{}'
_describe() {{ print -rl -- "${{(@P)${{@[-1]}}}}" }}
words=(shipctl notify note --att); CURRENT=4; _shipctl
words=(shipctl configure_aws my-aws-keys-1 --profile 1); CURRENT=5; _shipctl
"#,
        job.path("zcompdump").display(),
        script("zsh").display()
    );
    if let Some(mut cmd) = job.shell("zsh", &["-f", "-c", &program]) {
        colon_env(&mut cmd);
        // zsh filters by itself: every candidate is given, in zsh's format.
        let out = run(cmd);
        let lines: Vec<&str> = out.lines().collect();
        assert!(
            lines.contains(&"--attach-file:Jira: a file to attach to the issue"),
            "{out}"
        );
        assert!(
            lines.contains(&"-\\-payload:Send this JSON file as the body instead of the built one")
                || lines.contains(
                    &"--payload:Send this JSON file as the body instead of the built one"
                ),
            "{out}"
        );
        assert!(lines.contains(&"123456789012\\:ReadOnly:profile"), "{out}");
        assert!(lines.contains(&"ci:profile"), "{out}");
    }
}

/// Drives an interactive bash in a pseudo-terminal: for each line, types
/// it and TAB, then C-t (bound by the rc file to print the edited line as
/// `LINE<…>`), then C-u. Prints the edited lines, one a line.
const PTY_DRIVER: &str = r#"
import os, pty, re, select, sys, time
rc, lines = sys.argv[1], sys.argv[2:]
pid, fd = pty.fork()
if pid == 0:
    os.execvp("bash", ["bash", "--noprofile", "--rcfile", rc, "-i"])
out = b""
def wait_for(done):
    global out
    end = time.time() + 20
    while not done() and time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.1)
        if r:
            try:
                out += os.read(fd, 65536)
            except OSError:
                break
    if not done():
        sys.exit("timed out; the terminal shows:\n" + out.decode(errors="replace"))
wait_for(lambda: b"$ " in out)  # the prompt: readline reads from here on
for i, line in enumerate(lines):
    os.write(fd, line.encode() + b"\t\x14\x15")
    wait_for(lambda: out.count(b"LINE<") > i)
os.write(fd, b"exit\n")
for m in re.findall(rb"LINE<([^>]*)>", out):
    print(m.decode())
"#;

#[test]
fn bash_completes_in_a_terminal() {
    // Real readline, real COMP_WORDBREAKS: what the line reads after TAB.
    let job = colon_job();
    if !crate::util::have("python3") {
        return;
    }
    let driver = job.path("drive.py");
    std::fs::write(&driver, PTY_DRIVER).unwrap();
    let rc = job.path("bashrc");
    std::fs::write(
        &rc,
        format!(
            "PS1='$ '\nsource '{}'\nbind -x '\"\\C-t\": printf \"LINE<%s>\\n\" \"$READLINE_LINE\"'\n",
            script("bash").display()
        ),
    )
    .unwrap();
    let typed = [
        "shipctl configure_aws my-aws-keys-1 --profile 123456789012:R",
        "shipctl configure_aws my-aws-keys-1 --profile=123456789012:R",
        "shipctl configure_aws my-aws-keys-1 --profile=1",
        "shipctl configure_aws my-aws-keys-1 --profile c",
        "shipctl get_params_resource app-params db:h",
        "shipctl aws_env my-aws-keys-1 --format=js",
        "shipctl --env-file=no",
        "shipctl get_json_value build:",
        "shipctl notify note -te",
        "shipctl notify note --payload=build:",
    ];
    let mut args = vec![driver.to_str().unwrap(), rc.to_str().unwrap()];
    args.extend(typed);
    let Some(mut cmd) = job.shell("python3", &args) else {
        return;
    };
    colon_env(&mut cmd);
    let out = run(cmd);
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        [
            "shipctl configure_aws my-aws-keys-1 --profile 123456789012:ReadOnly ",
            "shipctl configure_aws my-aws-keys-1 --profile=123456789012:ReadOnly ",
            "shipctl configure_aws my-aws-keys-1 --profile=123456789012:ReadOnly ",
            "shipctl configure_aws my-aws-keys-1 --profile ci ",
            "shipctl get_params_resource app-params db:host ",
            "shipctl aws_env my-aws-keys-1 --format=json ",
            "shipctl --env-file=notes.txt ",
            "shipctl get_json_value build:42.json ",
            "shipctl notify note -text ",
            "shipctl notify note --payload=build:42.json ",
        ],
        "{out}"
    );
}

/// A value the shell would split or expand (a params key `Weird Key`, an
/// AWS profile `[ prod ]` written by hand) goes into the line quoted, so
/// that it stays one word; typed inside quotes it goes in as it is.
#[test]
fn bash_quotes_values_with_spaces_and_specials() {
    let job = Job::new();
    let p = job.path("job/IN/app-params/version.json");
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(
        p,
        r#"{"version":{"propertyBag":{"params":{"Weird Key":1,"a$b":2,"plain":3}}}}"#,
    )
    .unwrap();
    let Some(got) = bash_complete(&job, "shipctl get_params_resource app-params ") else {
        return;
    };
    // (DB_HOST: from the job's $APPPARAMS_PARAMS_DB_HOST.)
    assert_eq!(got, [r"Weird\ Key", r"a\$b", "plain", "DB_HOST"]);
    let got = bash_complete(&job, "shipctl get_params_resource app-params Wei").unwrap();
    assert_eq!(got, [r"Weird\ Key"]);
    // The result, run by bash, is the one argument.
    let program = format!(
        "{}eval \"set -- ${{COMPREPLY[0]}}\"; printf '%s|' \"$#\" \"$1\"\n",
        bash_program("shipctl get_params_resource app-params Wei")
    );
    let out = run(job
        .shell("bash", &["--norc", "--noprofile", "-c", &program])
        .unwrap());
    assert!(out.ends_with("1|Weird Key|"), "{out}");
}
