//! The words of the help and the README are defined where a reader first
//! meets them (issue 12 item 11): `shipctl --help` ends with the terms, and
//! the README has a "Terms" part before its first `<R>` and cites no spec
//! section the reader does not have.

use crate::util::{Test, contains};

const TERMS: &[&str] = &[
    "\nTerms:\n",
    "\n  RES           A resource: a named input or output of the job",
    "\n  <R>           A resource's variable prefix, from its name: all but A-Z a-z\n",
    "(my-aws-keys-1 -> MYAWSKEYS1, so $MYAWSKEYS1_ID);",
    "\n  <KEY> <FIELD> <ENV>\n",
    "\n  IN, OUT       A resource the job reads ($JOB_PATH/IN/<name>/) or writes a new\n",
    "\n  integration   An account's credentials and settings",
    "\n  job state     $JOB_STATE: saved when the job ends, back as $JOB_PREVIOUS_STATE\n",
];

#[test]
fn help_defines_the_terms_its_command_list_uses() {
    let mut help = String::new();
    for args in [&["--help"][..], &["-h"][..]] {
        let out = Test::new().args(args).stdout(contains("\nTerms:\n")).run();
        help = out.stdout_str();
        // The command list uses <R> and IN/OUT; the terms come after it.
        let used = help.find("$<R>_ID").expect("the command list uses <R>");
        let defined = help.find("\nTerms:\n").expect("a Terms paragraph");
        assert!(used < defined, "{help}");
        for part in TERMS {
            assert!(help.contains(part), "{part:?} missing from:\n{help}");
        }
        // The terms paragraph fits 80 columns.
        for line in help[defined..]
            .lines()
            .take_while(|l| !l.starts_with("Run "))
        {
            assert!(line.chars().count() <= 80, "{line:?}");
        }
    }
    // Bare `shipctl` shows the same help, on stderr, as a usage error.
    Test::new()
        .status(99)
        .stderr(format!("shipctl: error: no command given\n\n{help}"))
        .run();
}

#[test]
fn readme_defines_terms_before_using_them_and_cites_no_spec_section() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    assert!(!readme.contains('§'), "the README cites a spec section");
    let terms = readme.find("\n## Terms\n").expect("a Terms part");
    for term in [
        "- **Resource**",
        "- **`<R>`**",
        "- **IN / OUT**",
        "- **Integration**",
        "- **Job state**",
    ] {
        let at = readme[terms..].find(term).map(|i| i + terms);
        assert!(at.is_some(), "{term} is not defined under Terms");
    }
    // Each term's first use is at or after the Terms part.
    for used in ["<R>", "integration.json", "$JOB_STATE", "IN/"] {
        let first = readme.find(used).unwrap();
        assert!(first > terms, "{used} is used before Terms");
    }
    // Near the top: the first part after the introduction.
    assert_eq!(
        readme.find("\n## "),
        Some(terms),
        "Terms is not the first part"
    );
}
