//! What a user sees when the command line is wrong (issue 12): typos,
//! switches, global options in the wrong place, one error prefix, help
//! wrapped to the terminal, no version flag on subcommands, and the exit
//! code of a missing file. Each run asserts exit status, stdout and stderr.
use crate::util::Test;

// --- typos (issue 12, item 4) ------------------------------------------

#[test]
fn a_typo_suggests_the_one_command_meant() {
    Test::new()
        .args(["get_resource_di", "app"])
        .run()
        .stdout("")
        .stderr(
            "shipctl: error: unknown command 'get_resource_di'; did you mean 'get_resource_id'?\n",
        )
        .exit(99);
    Test::new()
        .args(["bump_versoin", "1.2.3", "patch"])
        .run()
        .stdout("")
        .stderr("shipctl: error: unknown command 'bump_versoin'; did you mean 'bump_version'?\n")
        .exit(99);
    // Two equally close commands: both, best first, never a long list.
    Test::new()
        .args(["pot_resource_state", "r", "k", "v"])
        .run()
        .stdout("")
        .stderr(
            "shipctl: error: unknown command 'pot_resource_state'; \
             did you mean 'put_resource_state' or 'post_resource_state'?\n",
        )
        .exit(99);
    Test::new()
        .args(["frobnicate"])
        .run()
        .stdout("")
        .stderr(
            "shipctl: error: unknown command 'frobnicate' (`shipctl --help` lists the commands)\n",
        )
        .exit(99);
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
            .run()
            .stdout("")
            .stderr(&format!(
                "shipctl: error: unknown command '{typed}'; did you mean \
                 'get_integration_resource_field'? (command names are snake_case)\n"
            ))
            .exit(99);
    }
}

// --- one error prefix (issue 12, item 9) -------------------------------

#[test]
fn clap_errors_have_the_prefix_of_every_error() {
    Test::new()
        .args(["get_resource_id"])
        .run()
        .stdout("")
        .stderr(
            "shipctl: error: the following required arguments were not provided: <RES>\n\
             Usage: shipctl get_resource_id <RES>\n\
             For more information, try '--help'.\n",
        )
        .exit(99);
    Test::new()
        .args(["get_resource_id", "a", "b"])
        .run()
        .stdout("")
        .stderr(
            "shipctl: error: unexpected argument 'b' found\n\
             Usage: shipctl get_resource_id <RES>\n\
             For more information, try '--help'.\n",
        )
        .exit(99);
    let o = Test::new()
        .args(["retry", "--attempts", "0", "true"])
        .run()
        .stdout("")
        .exit(99);
    assert!(
        o.stderr_str()
            .starts_with("shipctl: error: invalid value '0' for '--attempts <N>'"),
        "{}",
        o.stderr_str()
    );
    // Every line that says "error" says it with the one prefix.
    for args in [
        &["configure_aws", "r", "--bogus"][..],
        &["--bogus", "get_resource_id", "r"],
        &["get_git_changes"],
        &["replicate", "a", "b", "--bogus"],
        &["completions", "tcsh"],
    ] {
        let o = Test::new().args(args).run().stdout("").exit(99);
        let err = o.stderr_str();
        assert!(err.starts_with("shipctl: error: "), "{args:?}: {err}");
        assert_eq!(err.matches("error:").count(), 1, "{args:?}: {err}");
        assert!(!err.contains("\n\n"), "{args:?}: {err}");
    }
}

#[test]
fn no_command_shows_the_help_and_fails() {
    let o = Test::new().run().stdout("").exit(99);
    let err = o.stderr_str();
    assert!(
        err.starts_with("shipctl: error: no command given\n\n"),
        "{err}"
    );
    assert!(
        err.contains("\nUsage: shipctl [OPTIONS] <COMMAND> [ARGS]...\n"),
        "{err}"
    );
    assert_eq!(err.matches("error:").count(), 1, "{err}");
}

// --- no version flag on subcommands (issue 12, item 3) -----------------

#[test]
fn only_the_top_level_has_a_version_flag() {
    let o = Test::new().args(["--version"]).run().stderr("").success();
    assert!(o.stdout_str().starts_with("shipctl "), "{}", o.stdout_str());
    for command in ["get_resource_id", "configure_aws", "notify", "retry"] {
        let o = Test::new()
            .args([command, "--help"])
            .run()
            .stderr("")
            .success();
        let help = o.stdout_str();
        assert!(!help.contains("-V"), "{command}: {help}");
        assert!(!help.contains("Print version"), "{command}: {help}");
    }
    // A command without options takes `-V` as its value, as any `-x`.
    Test::new()
        .env("V_ID", "the id of a resource named -V")
        .args(["get_resource_id", "-V"])
        .run()
        .stdout("the id of a resource named -V\n")
        .stderr("")
        .success();
    // A command with options refuses it.
    let o = Test::new()
        .args(["configure_aws", "r", "-V"])
        .run()
        .stdout("")
        .exit(99);
    assert!(
        o.stderr_str()
            .starts_with("shipctl: error: unexpected argument '-V' found\n"),
        "{}",
        o.stderr_str()
    );
}

// --- switches (issue 12, item 2) ---------------------------------------

#[test]
fn strict_and_explain_switches_take_the_usual_words() {
    for word in ["1", "true", "TRUE", "yes", "Yes", "on", "ON"] {
        let o = Test::new()
            .env("SHIPCTL_STRICT", word)
            .args(["get_resource_id", "app"])
            .run()
            .stdout("")
            .exit(1);
        let err = o.stderr_str();
        assert!(err.starts_with("shipctl: error: "), "{word}: {err}");
        assert!(err.contains("$APP_ID"), "{word}: {err}");
        assert_eq!(err.lines().count(), 1, "{word}: {err}");
    }
    for word in ["0", "false", "No", "off", ""] {
        Test::new()
            .env("SHIPCTL_STRICT", word)
            .args(["get_resource_id", "app"])
            .run()
            .stdout("\n")
            .stderr("")
            .success();
    }
    for word in ["yes", "On"] {
        let o = Test::new()
            .env("SHIPCTL_EXPLAIN", word)
            .env("APP_ID", "42")
            .args(["get_resource_id", "app"])
            .run()
            .stdout("42\n")
            .success();
        let err = o.stderr_str();
        assert!(
            err.lines().all(|l| l.starts_with("shipctl: explain: ")),
            "{err}"
        );
        assert!(err.contains("APP_ID"), "{err}");
    }
}

#[test]
fn an_unknown_switch_word_is_off_with_a_warning() {
    Test::new()
        .env("SHIPCTL_STRICT", "enabled")
        .args(["get_resource_id", "app"])
        .run()
        .stdout("\n")
        .stderr(
            "shipctl: warning: SHIPCTL_STRICT=\"enabled\" is not a switch value \
             (1, true, yes, on / 0, false, no, off): taken as off\n",
        )
        .success();
    Test::new()
        .env("SHIPCTL_EXPLAIN", "2")
        .env("APP_ID", "42")
        .args(["get_resource_id", "app"])
        .run()
        .stdout("42\n")
        .stderr(
            "shipctl: warning: SHIPCTL_EXPLAIN=\"2\" is not a switch value \
             (1, true, yes, on / 0, false, no, off): taken as off\n",
        )
        .success();
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
        .run()
        .stdout("value of resource --strict\n")
        .stderr(STRICT_AFTER)
        .success();
    Test::new()
        .args(["get_params_resource", "--strict", "x"])
        .run()
        .stdout("\n")
        .stderr(STRICT_AFTER)
        .success();
    // Through clap (a command that is not on the fast path) the same.
    Test::new()
        .args(["bump_version", "1.2.3", "--explain"])
        .run()
        .stdout("")
        .stderr(
            "shipctl: warning: --explain is a global option: it goes before the command \
             (shipctl --explain COMMAND …); after the command it is an ordinary argument\n\
             shipctl: error: unknown action \"--explain\": expected one of major, minor, \
             patch, alpha, beta, rc, final\n",
        )
        .exit(99);
    // Before the command: no word.
    Test::new()
        .env("APP_PARAMS_X", "v")
        .args(["--strict", "get_params_resource", "app", "x"])
        .run()
        .stdout("v\n")
        .stderr("")
        .success();
    // The words of the command retry runs are that command's.
    Test::new()
        .args(["retry", "echo", "--strict"])
        .run()
        .stdout("--strict\n")
        .stderr("")
        .success();
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
            .run()
            .stderr("")
            .success();
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
                .run()
                .stderr("")
                .success();
            assert_wrapped(&o.stdout_str(), width);
        }
    }
    // At 60 columns the long descriptions continue under themselves.
    let o = Test::new()
        .env("COLUMNS", "60")
        .args(["--help"])
        .run()
        .stderr("")
        .success();
    assert!(
        o.stdout_str().contains(
            "  get_resource_version_key        A value of version.json:\n\
             \x20                                 version.KEY or"
        ),
        "{}",
        o.stdout_str()
    );
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
        (&["get_json_value", "nope.json"], 99, "nope.json"),
        (&["get_resource_version_key", "r", "k"], 99, "version.json"),
        (&["get_integration_resource", "r"], 99, "integration.json"),
        (
            &["get_integration_resource_keys", "r"],
            99,
            "integration.env",
        ),
        (
            &["--env-file", "nope.env", "get_resource_id", "r"],
            99,
            "nope.env",
        ),
        (&["split_tests", "nodir", "*.rb", "reports"], 99, "nodir"),
        (&["copy_file_to_state", "nope"], 1, "nope"),
        (&["replace", "nope"], 1, "nope"),
        (&["decrypt", "nope", "key.pem"], 1, "nope"),
        (&["decrypt", "secret.enc", "nokey.pem"], 100, "nokey.pem"),
    ];
    for (args, code, names) in cases {
        let t = Test::new()
            .env("JOB_STATE", "/nonexistent-state")
            .file("work/key.pem", "not a key, but present")
            .file("work/secret.enc", "AAAA");
        let o = t.args(*args).run().stdout("").exit(*code);
        let err = o.stderr_str();
        assert!(err.starts_with("shipctl: error: "), "{args:?}: {err}");
        assert!(err.contains(names), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
    }
}
