//! What a user sees when the command line is wrong (issue 12): typos,
//! switches, global options in the wrong place, one error prefix, help
//! wrapped to the terminal, no version flag on subcommands, and the exit
//! code of a missing file. Each run asserts exit status, stdout and stderr.
use crate::util::{Test, contains, matching, pattern};

// --- typos (issue 12, item 4) ------------------------------------------

#[test]
fn a_typo_suggests_the_one_command_meant() {
    Test::new()
        .args(["get_resource_di", "app"])
        .stderr(
            "shipctl: error: unknown command 'get_resource_di'; did you mean 'get_resource_id'?\n",
        )
        .status(99)
        .run();
    Test::new()
        .args(["bump_versoin", "1.2.3", "patch"])
        .stderr("shipctl: error: unknown command 'bump_versoin'; did you mean 'bump_version'?\n")
        .status(99)
        .run();
    // Two equally close commands: both, best first, never a long list.
    Test::new()
        .args(["pot_resource_state", "r", "k", "v"])
        .stderr(
            "shipctl: error: unknown command 'pot_resource_state'; \
             did you mean 'put_resource_state' or 'post_resource_state'?\n",
        )
        .status(99)
        .run();
    Test::new()
        .args(["frobnicate"])
        .stderr(
            "shipctl: error: unknown command 'frobnicate' (`shipctl --help` lists the commands)\n",
        )
        .status(99)
        .run();
}

#[test]
fn kebab_and_camel_case_name_the_command_but_still_fail() {
    // Suggested, not accepted: the original refused them too (exit 99), and
    // a script that works here must work with every shipctl.
    for typed in [
        "get-integration-resource-field",
        "getIntegrationResourceField",
        "GetIntegrationResourceField",
    ] {
        Test::new()
            .env("MYKEYS_INTEGRATION_ACCESSKEY", "AKIA")
            .args([typed, "my-keys", "accessKey"])
            .stderr(format!(
                "shipctl: error: unknown command '{typed}'; did you mean \
                 'get_integration_resource_field'? (command names are snake_case)\n"
            ))
            .status(99)
            .run();
    }
}

// --- one error prefix (issue 12, item 9) -------------------------------

#[test]
fn clap_errors_have_the_prefix_of_every_error() {
    Test::new()
        .args(["get_resource_id"])
        .stderr(
            "shipctl: error: the following required arguments were not provided: <RES>\n\
             Usage: shipctl get_resource_id <RES>\n\
             For more information, try '--help'.\n",
        )
        .status(99)
        .run();
    Test::new()
        .args(["get_resource_id", "a", "b"])
        .stderr(
            "shipctl: error: unexpected argument 'b' found\n\
             Usage: shipctl get_resource_id <RES>\n\
             For more information, try '--help'.\n",
        )
        .status(99)
        .run();
    let more = "For more information, try '--help'.\n";
    Test::new()
        .args(["retry", "--attempts", "0", "true"])
        .status(99)
        .stderr(format!(
            "shipctl: error: invalid value '0' for '--attempts <N>': 0 is not in \
             1..=4294967295\n{more}"
        ))
        .run();
    // Every line that says "error" says it with the one prefix; no blank
    // lines.
    for (args, says) in [
        (
            &["configure_aws", "r", "--bogus"][..],
            format!(
                "unexpected argument '--bogus' found\n  tip: to pass '--bogus' as a value, use \
                 '-- --bogus'\nUsage: shipctl configure_aws <RES>\n{more}"
            ),
        ),
        (
            &["--bogus", "get_resource_id", "r"],
            format!(
                "unexpected argument '--bogus' found\n\
                 Usage: shipctl [OPTIONS] <COMMAND> [ARGS]...\n{more}"
            ),
        ),
        (
            &["get_git_changes"],
            format!(
                "the following required arguments were not provided: \
                 <--path <DIR>|--resource <RES>>\n\
                 Usage: shipctl get_git_changes <--path <DIR>|--resource <RES>>\n{more}"
            ),
        ),
        (
            &["replicate", "a", "b", "--bogus"],
            format!(
                "unexpected argument '--bogus' found\n  tip: to pass '--bogus' as a value, use \
                 '-- --bogus'\nUsage: shipctl replicate <FROM> <TO>\n{more}"
            ),
        ),
        (
            &["completions", "tcsh"],
            format!(
                "invalid value 'tcsh' for '<SHELL>' [possible values: bash, zsh, fish, \
                 powershell, elvish]\n  tip: some similar values exist: 'zsh', 'bash', 'fish'\n{more}"
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
fn no_command_shows_the_help_and_fails() {
    // The error, a blank line, then the help (`--help`'s text).
    let help = Test::new()
        .args(["--help"])
        .stdout(contains("\nUsage: shipctl [OPTIONS] <COMMAND> [ARGS]...\n"))
        .run();
    Test::new()
        .status(99)
        .stderr(format!(
            "shipctl: error: no command given\n\n{}",
            help.stdout_str()
        ))
        .run();
}

// --- no version flag on subcommands (issue 12, item 3) -----------------

#[test]
fn only_the_top_level_has_a_version_flag() {
    Test::new()
        .args(["--version"])
        .stdout(pattern("shipctl 0.1.0 ([..])\n"))
        .run();
    for command in ["get_resource_id", "configure_aws", "notify", "retry"] {
        let no_version = matching("a command's help, without -V or \"Print version\"", |h| {
            h.contains("Usage: shipctl ") && !h.contains("-V") && !h.contains("Print version")
        });
        Test::new()
            .args([command, "--help"])
            .stdout(no_version)
            .run();
    }
    // A command without options takes `-V` as its value, as any `-x`.
    Test::new()
        .env("V_ID", "the id of a resource named -V")
        .args(["get_resource_id", "-V"])
        .stdout("the id of a resource named -V\n")
        .run();
    // A command with options refuses it.
    Test::new()
        .args(["configure_aws", "r", "-V"])
        .status(99)
        .stderr(
            "shipctl: error: unexpected argument '-V' found\n  tip: to pass '-V' as a value, use \
             '-- -V'\nUsage: shipctl configure_aws [OPTIONS] <RES>\n\
             For more information, try '--help'.\n",
        )
        .run();
}

// --- switches (issue 12, item 2) ---------------------------------------

#[test]
fn strict_and_explain_switches_take_the_usual_words() {
    for word in ["1", "true", "TRUE", "yes", "Yes", "on", "ON"] {
        Test::new()
            .env("SHIPCTL_STRICT", word)
            .args(["get_resource_id", "app"])
            .status(1)
            .stderr("shipctl: error: nothing found for $APP_ID (or .resourceId of version.json)\n")
            .run();
    }
    for word in ["0", "false", "No", "off", ""] {
        Test::new()
            .env("SHIPCTL_STRICT", word)
            .args(["get_resource_id", "app"])
            .stdout("\n")
            .run();
    }
    for word in ["yes", "On"] {
        Test::new()
            .env("SHIPCTL_EXPLAIN", word)
            .env("APP_ID", "42")
            .args(["get_resource_id", "app"])
            .stdout("42\n")
            .stderr("shipctl: explain: $APP_ID: set (2 bytes)\n")
            .run();
    }
}

#[test]
fn an_unknown_switch_word_is_off_with_a_warning() {
    Test::new()
        .env("SHIPCTL_STRICT", "enabled")
        .args(["get_resource_id", "app"])
        .stdout("\n")
        .stderr(
            "shipctl: warning: SHIPCTL_STRICT=\"enabled\" is not a switch value \
             (1, true, yes, on / 0, false, no, off): taken as off\n",
        )
        .run();
    Test::new()
        .env("SHIPCTL_EXPLAIN", "2")
        .env("APP_ID", "42")
        .args(["get_resource_id", "app"])
        .stdout("42\n")
        .stderr(
            "shipctl: warning: SHIPCTL_EXPLAIN=\"2\" is not a switch value \
             (1, true, yes, on / 0, false, no, off): taken as off\n",
        )
        .run();
}

// --- global options after the command (issue 12, item 2) ---------------

const STRICT_AFTER: &str = "shipctl: warning: --strict is a global option: it goes before the \
     command (shipctl --strict COMMAND …); after the command it is an ordinary argument\n";

#[test]
fn a_global_option_after_the_command_is_named_and_still_a_value() {
    // `--strict` is the resource name here, as it always was (its variable
    // prefix is STRICT); the user is told where the option goes.
    Test::new()
        .env("STRICT_PARAMS_X", "value of resource --strict")
        .args(["get_params_resource", "--strict", "x"])
        .stdout("value of resource --strict\n")
        .stderr(STRICT_AFTER)
        .run();
    Test::new()
        .args(["get_params_resource", "--strict", "x"])
        .stdout("\n")
        .stderr(STRICT_AFTER)
        .run();
    // Through clap (a command that is not on the fast path) the same.
    Test::new()
        .args(["bump_version", "1.2.3", "--explain"])
        .stderr(
            "shipctl: warning: --explain is a global option: it goes before the command \
             (shipctl --explain COMMAND …); after the command it is an ordinary argument\n\
             shipctl: error: unknown action \"--explain\": expected one of major, minor, \
             patch, alpha, beta, rc, final\n",
        )
        .status(99)
        .run();
    // Before the command: no word.
    Test::new()
        .env("APP_PARAMS_X", "v")
        .args(["--strict", "get_params_resource", "app", "x"])
        .stdout("v\n")
        .run();
    // The words of the command retry runs are that command's.
    Test::new()
        .args(["retry", "echo", "--strict"])
        .stdout("--strict\n")
        .run();
}

// --- help wrapped to the terminal (issue 12, item 9) -------------------

/// Each line fits in `width` columns, unless it holds one word too long
/// for any line (a path such as `propertyBag.yml.pointer.KEY`) or is the
/// usage line (clap never breaks it).
fn assert_wrapped(text: &str, width: usize) {
    for line in text.lines().filter(|l| !l.starts_with("Usage: ")) {
        let words = line.split_whitespace().count();
        assert!(
            line.chars().count() <= width || words <= 2,
            "line wider than {width}: {line:?}\n{text}"
        );
    }
}

#[test]
fn help_is_wrapped_to_the_terminal_width() {
    for width in [60, 80, 120] {
        let o = Test::new()
            .env("COLUMNS", width.to_string())
            .args(["--help"])
            .stdout(contains("Usage: shipctl"))
            .run();
        let help = o.stdout_str();
        assert_wrapped(&help, width);
        // Words are never broken: every description reads whole.
        let flat: Vec<&str> = help.split_whitespace().collect();
        let about =
            "A value of version.json: version.KEY or version.propertyBag.KEY (KEY is a path)";
        let want: Vec<&str> = about.split_whitespace().collect();
        assert!(
            flat.windows(want.len()).any(|w| w == want.as_slice()),
            "{help}"
        );
        for command in [
            "get_json_value",
            "notify",
            "configure_aws",
            "get_git_changes",
        ] {
            let o = Test::new()
                .env("COLUMNS", width.to_string())
                .args([command, "--help"])
                .stdout(contains(format!("Usage: shipctl {command}")))
                .run();
            assert_wrapped(&o.stdout_str(), width);
        }
    }
    // At 60 columns the long descriptions continue under themselves.
    Test::new()
        .env("COLUMNS", "60")
        .args(["--help"])
        .stdout(contains(
            "  get_resource_version_key        A value of version.json:\n\
             \x20                                 version.KEY or",
        ))
        .run();
}

// --- a missing file: one rule (issue 12, item 9) ------------------------

#[test]
fn a_missing_file_exits_by_one_rule() {
    // 99: a file or folder the command reads to answer (the job's
    // metadata, the JSON file, --env-file, the test folder of split_tests,
    // notify's payload). 1: a file copy_file_to_state, replace or decrypt
    // was given to act on (the original's cp, sed and openssl failed with 1;
    // kept for scripts that test `$? -eq 1`). 100: decrypt's key.
    let cases: &[(&[&str], i32, &str)] = &[
        (&["get_json_value", "nope.json"], 99, "nope.json not found"),
        (
            &["get_resource_version_key", "r", "k"],
            99,
            "{job}/IN/r/version.json not found",
        ),
        (
            &["get_integration_resource", "r"],
            99,
            "{job}/IN/r/integration.json not found",
        ),
        (
            &["get_integration_resource_keys", "r"],
            99,
            "{job}/IN/r/integration.env not found",
        ),
        (
            &["--env-file", "nope.env", "get_resource_id", "r"],
            99,
            "env file nope.env not found",
        ),
        (
            &["split_tests", "nodir", "*.rb", "reports"],
            99,
            "test folder nodir not found",
        ),
        (&["copy_file_to_state", "nope"], 1, "nope not found"),
        (&["replace", "nope"], 1, "nope not found"),
        (&["decrypt", "nope", "key.pem"], 1, "nope not found"),
        (
            &["decrypt", "secret.enc", "nokey.pem"],
            100,
            "key file nokey.pem not found",
        ),
    ];
    for (args, code, says) in cases {
        let t = Test::new()
            .env("JOB_STATE", "/nonexistent-state")
            .file("work/key.pem", "not a key, but present")
            .file("work/secret.enc", "AAAA");
        let says = says.replace("{job}", &t.job().display().to_string());
        t.args(*args)
            .status(*code)
            .stderr(format!("shipctl: error: {says}\n"))
            .run();
    }
}
