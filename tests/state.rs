//! State commands and replicate (issue 4) beyond the conformance cases:
//! concurrency, recursive copies, odd names, and refusals that must leave
//! every file as it was.

use crate::util::{Test, error_line};
use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// A job sandbox: `<tmp>/job` with `state/`, `previousState/`, and `<tmp>/work`
/// as the working folder.
struct Job {
    dir: tempfile::TempDir,
}

impl Job {
    fn new() -> Job {
        let dir = tempfile::tempdir().unwrap();
        for sub in ["job/state", "job/previousState", "work"] {
            std::fs::create_dir_all(dir.path().join(sub)).unwrap();
        }
        Job { dir }
    }

    fn job(&self) -> PathBuf {
        self.dir.path().join("job")
    }

    fn state(&self) -> PathBuf {
        self.job().join("state")
    }

    fn work(&self) -> PathBuf {
        self.dir.path().join("work")
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn write(&self, rel: &str, content: &str) -> &Job {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
        self
    }

    fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
    }

    /// The binary in this job (`JOB_STATE`, `JOB_PREVIOUS_STATE` set),
    /// expected to succeed silently unless told otherwise.
    fn test(&self, args: &[&str]) -> Test {
        Test::at(self.dir.path())
            .args(args)
            .env("JOB_STATE", self.state())
            .env("JOB_PREVIOUS_STATE", self.job().join("previousState"))
    }

    /// Run `args`: status 0, nothing on stdout or stderr.
    #[track_caller]
    fn ok(&self, args: &[&str]) {
        self.test(args).run();
    }

    /// Start every command at once, then wait for all; each must succeed
    /// silently.
    fn all_at_once(&self, commands: impl Iterator<Item = Vec<String>>) {
        let runs: Vec<_> = commands
            .map(|args| {
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                self.test(&args).spawn()
            })
            .collect();
        for run in runs {
            run.wait();
        }
    }

    /// Every path under the sandbox with its kind, mode and content.
    fn snapshot(&self) -> BTreeMap<PathBuf, (String, u32, Vec<u8>)> {
        let mut all = BTreeMap::new();
        walk(self.dir.path(), self.dir.path(), &mut all);
        all
    }
}

fn walk(root: &Path, dir: &Path, all: &mut BTreeMap<PathBuf, (String, u32, Vec<u8>)>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        let md = std::fs::symlink_metadata(&p).unwrap();
        let rel = p.strip_prefix(root).unwrap().to_path_buf();
        let mode = md.permissions().mode() & 0o7777;
        if md.file_type().is_symlink() {
            let t = std::fs::read_link(&p).unwrap();
            all.insert(
                rel,
                ("link".into(), 0, t.into_os_string().into_encoded_bytes()),
            );
        } else if md.is_dir() {
            all.insert(rel, ("dir".into(), mode, Vec::new()));
            walk(root, &p, all);
        } else {
            all.insert(rel, ("file".into(), mode, std::fs::read(&p).unwrap()));
        }
    }
}

#[test]
fn concurrent_put_resource_state_from_16_processes_keeps_every_line() {
    for round in 0..5 {
        let j = Job::new();
        let value = |i: usize| format!("{}-{i}", "x".repeat(200 + i * 37));
        j.all_at_once((0..16).map(|i| {
            let (key, value) = (format!("K{i}"), value(i));
            vec!["put_resource_state".into(), "res".into(), key, value]
        }));
        let text = j.read("job/state/res.env");
        assert!(text.ends_with('\n'));
        let mut lines: Vec<&str> = text.lines().collect();
        lines.sort();
        let mut want: Vec<String> = (0..16).map(|i| format!("K{i}={}", value(i))).collect();
        want.sort();
        assert_eq!(lines, want, "round {round}: lost or torn lines");
        // No temporary file is left in the state folder.
        let names: Vec<_> = std::fs::read_dir(j.state()).unwrap().collect();
        assert_eq!(names.len(), 1, "round {round}: {names:?}");
    }
}

#[test]
fn concurrent_posts_and_puts_leave_whole_lines() {
    let j = Job::new();
    j.all_at_once((0..16).map(|i| {
        let cmd = if i % 2 == 0 {
            "post_resource_state"
        } else {
            "put_resource_state"
        };
        vec![
            cmd.into(),
            "res".into(),
            format!("K{i}"),
            "v".repeat(100 + i),
        ]
    }));
    let text = j.read("job/state/res.env");
    assert!(text.ends_with('\n'));
    for line in text.lines() {
        let (k, v) = line.split_once('=').unwrap();
        let i: usize = k.strip_prefix('K').unwrap().parse().unwrap();
        assert_eq!(v, "v".repeat(100 + i), "torn line {line:?}");
    }
    // The last writer was a post or a put after it: one post line, first.
    let first = text.lines().next().unwrap();
    let i: usize = first[1..first.find('=').unwrap()].parse().unwrap();
    assert_eq!(i % 2, 0, "{text}");
    assert_eq!(
        text.lines()
            .filter(|l| l[1..l.find('=').unwrap()].parse::<usize>().unwrap() % 2 == 0)
            .count(),
        1
    );
}

#[test]
fn put_keeps_the_mode_and_writes_through_a_symlink() {
    let j = Job::new();
    j.write("job/real.env", "A=1\n");
    std::fs::set_permissions(
        j.path("job/real.env"),
        std::fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    std::os::unix::fs::symlink(j.path("job/real.env"), j.state().join("res.env")).unwrap();
    j.ok(&["put_resource_state", "res", "B", "2"]);
    assert_eq!(j.read("job/real.env"), "A=1\nB=2\n");
    assert!(
        std::fs::symlink_metadata(j.state().join("res.env"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let mode = std::fs::metadata(j.path("job/real.env"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[test]
fn post_then_put_multi_exact_bytes() {
    let j = Job::new();
    j.ok(&["post_resource_state", "my-res", "K", "a  b* $X 'q'"]);
    j.ok(&["put_resource_state_multi", "my-res", "A=1 B=", "C=ż"]);
    assert_eq!(
        j.read("job/state/my-res.env"),
        "K=a  b* $X 'q'\nA=1\nB=\nC=ż\n"
    );
}

#[test]
fn refusals_change_nothing() {
    let j = Job::new();
    j.write("job/state/res.env", "OLD=1")
        .write("job/previousState/f", "prev")
        .write("job/secret", "s")
        .write(
            "job/IN/src/version.json",
            r#"{"type":"image","version":{"propertyBag":{"a":1}}}"#,
        )
        .write("job/IN/src/image/a.txt", "A")
        .write("job/OUT/dst/image/old.txt", "old")
        .write("job/OUT/tf/state/x", "x")
        .write("work/tf.state", "t");
    let before = j.snapshot();
    let cases: &[(&[&str], i32)] = &[
        (&["post_resource_state", "../res", "K", "V"], 99),
        (&["post_resource_state", "a/b", "K", "V"], 99),
        (&["put_resource_state", "..", "K", "V"], 99),
        (&["put_resource_state", "res", "K", "a\nb"], 99),
        (&["put_resource_state", "res", "K\nX", "v"], 99),
        // A lone CR ends a line for the env-file reader too.
        (&["put_resource_state", "res", "K", "safe\rEVIL=pwned"], 99),
        (&["post_resource_state", "res", "K\rX", "v"], 99),
        (&["put_resource_state", "res", "", "v"], 99),
        (&["put_resource_state", "res", "K", "V", "extra"], 99),
        (&["post_resource_state_multi", "res", "A=1 oops"], 99),
        (&["put_resource_state_multi", "res", " \t\n"], 99),
        (&["put_resource_state_multi", "res", "A=1", ""], 99),
        (&["put_resource_state_multi", "res", "=1"], 99),
        (&["copy_file_from_prev_state", "../secret", "got"], 99),
        (&["copy_file_from_prev_state", "a/../../secret", "got"], 99),
        (
            &[
                "copy_file_from_resource_state",
                "src",
                "../version.json",
                "v",
            ],
            99,
        ),
        (
            &["copy_file_from_resource_state", "../src", "a.txt", "v"],
            99,
        ),
        (&["copy_file_to_resource_state", "tf.state", "../tf"], 99),
        (&["copy_file_to_resource_state", "tf.state", "nosuch"], 99),
        (&["copy_file_to_state", ".."], 99),
        (&["copy_file_to_state", "missing"], 1),
        (&["replicate", "src", "dst", "--bogus"], 99),
        (
            &["replicate", "src", "dst", "--files-only", "--metadata-only"],
            99,
        ),
        (&["replicate", "src", "dst"], 99), // OUT/dst has no version.json
        (&["replicate", "src", "../dst", "--files-only"], 99),
        (&["replicate", "nosuch", "dst", "--files-only"], 99),
    ];
    for (args, want) in cases {
        j.test(args).status(*want).stderr(error_line()).run();
        assert_eq!(j.snapshot(), before, "{args:?} changed files");
    }
}

#[test]
fn job_state_unset_writes_nothing() {
    let j = Job::new();
    j.write("work/f", "x");
    let before = j.snapshot();
    for args in [
        &["post_resource_state", "res", "K", "V"][..],
        &["put_resource_state_multi", "res", "K=V"],
        &["copy_file_to_state", "f"],
        &["refresh_file_to_state", "f"],
    ] {
        j.test(args)
            .env_remove("JOB_STATE")
            .status(1)
            .stderr(error_line())
            .run();
        assert_eq!(j.snapshot(), before, "{args:?}");
    }
}

#[test]
fn folders_copy_recursively_with_dot_files_and_odd_names() {
    let j = Job::new();
    j.write("work/my dir/.hidden", "dot")
        .write("work/my dir/sub dir/żółć ✓.txt", "unicode")
        .write("work/my dir/sub dir/.deeper/x", "deep")
        .write("work/my dir/run.sh", "#!/bin/sh\n");
    std::fs::set_permissions(
        j.path("work/my dir/run.sh"),
        std::fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    std::os::unix::fs::symlink("run.sh", j.path("work/my dir/link")).unwrap();
    j.ok(&["copy_file_to_state", "my dir"]);
    assert_eq!(j.read("job/state/my dir/.hidden"), "dot");
    assert_eq!(j.read("job/state/my dir/sub dir/żółć ✓.txt"), "unicode");
    assert_eq!(j.read("job/state/my dir/sub dir/.deeper/x"), "deep");
    let mode = std::fs::metadata(j.path("job/state/my dir/run.sh"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o755);
    assert_eq!(
        std::fs::read_link(j.path("job/state/my dir/link")).unwrap(),
        Path::new("run.sh")
    );
    // No staging folder is left behind.
    let names: Vec<_> = std::fs::read_dir(j.state())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["my dir"]);

    // What copy_file_to_state stored comes back from the previous state.
    std::fs::rename(
        j.path("job/state/my dir"),
        j.path("job/previousState/my dir"),
    )
    .unwrap();
    j.ok(&["copy_file_from_prev_state", "my dir", "restored"]);
    assert_eq!(j.read("work/restored/sub dir/żółć ✓.txt"), "unicode");
    assert_eq!(j.read("work/restored/.hidden"), "dot");
    // Into an existing folder: inside it.
    std::fs::create_dir(j.path("work/into")).unwrap();
    j.ok(&["copy_file_from_prev_state", "my dir/sub dir", "into"]);
    assert_eq!(j.read("work/into/sub dir/.deeper/x"), "deep");
}

#[test]
fn copy_into_an_existing_folder_merges() {
    let j = Job::new();
    j.write("work/cfg/a", "new-a")
        .write("work/cfg/sub/b", "new-b")
        .write("job/state/cfg/a", "old-a")
        .write("job/state/cfg/keep", "kept")
        .write("job/state/cfg/sub/c", "kept-c");
    j.ok(&["copy_file_to_state", "cfg"]);
    assert_eq!(j.read("job/state/cfg/a"), "new-a");
    assert_eq!(j.read("job/state/cfg/sub/b"), "new-b");
    assert_eq!(j.read("job/state/cfg/keep"), "kept");
    assert_eq!(j.read("job/state/cfg/sub/c"), "kept-c");
}

#[test]
fn a_conflicting_copy_changes_nothing() {
    let j = Job::new();
    // cfg/sub is a folder in the source and a file in the state: refused
    // before anything moves, including cfg/a which comes first.
    j.write("work/cfg/a", "new-a")
        .write("work/cfg/sub/b", "b")
        .write("job/state/cfg/a", "old-a")
        .write("job/state/cfg/sub", "a file");
    let before = j.snapshot();
    j.test(&["copy_file_to_state", "cfg"])
        .status(1)
        .stderr(error_line())
        .run();
    assert_eq!(j.snapshot(), before);
    // A folder copied into itself.
    j.test(&["copy_file_to_state", "."])
        .env("JOB_STATE", j.work().join("inner"))
        .status(99)
        .stderr(error_line())
        .run();
    j.test(&["copy_file_to_state", "cfg"])
        .env("JOB_STATE", j.work().join("cfg/inner"))
        .status(1)
        .stderr(error_line())
        .run();
    assert_eq!(j.snapshot(), before);
}

#[test]
fn an_unreadable_file_in_a_folder_changes_nothing() {
    if std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout == b"0\n")
    {
        // root reads everything: the failure cannot be provoked.
        return;
    }
    let j = Job::new();
    j.write("work/cfg/a", "a").write("work/cfg/z", "z");
    std::fs::set_permissions(j.path("work/cfg/z"), std::fs::Permissions::from_mode(0o000)).unwrap();
    let before = j.snapshot();
    j.test(&["copy_file_to_state", "cfg"])
        .status(1)
        .stderr(error_line())
        .run();
    assert_eq!(j.snapshot(), before);
}

#[test]
fn replicate_mirrors_files_and_writes_metadata() {
    let j = Job::new();
    j.write(
        "job/IN/src/version.json",
        r#"{"type":"image","version":{"propertyBag":{"tag":"b-7"}}}"#,
    )
    .write("job/IN/src/image/.env", "dot")
    .write("job/IN/src/image/dir with space/f", "f")
    .write(
        "job/OUT/dst/version.json",
        r#"{"type":"image","version":{"versionName":"x","propertyBag":{"old":1}}}"#,
    )
    .write("job/OUT/dst/image/old", "old")
    .write("job/OUT/dst/image/.olddot", "old");
    j.ok(&["replicate", "src", "dst"]);
    assert_eq!(j.read("job/OUT/dst/image/.env"), "dot");
    assert_eq!(j.read("job/OUT/dst/image/dir with space/f"), "f");
    assert!(!j.path("job/OUT/dst/image/old").exists());
    assert!(!j.path("job/OUT/dst/image/.olddot").exists());
    let doc: serde_json::Value = serde_json::from_str(&j.read("job/OUT/dst/version.json")).unwrap();
    assert_eq!(
        doc,
        serde_json::json!({"type":"image","version":{"versionName":"x","propertyBag":{"tag":"b-7"}}})
    );
    let names: Vec<_> = std::fs::read_dir(j.path("job/OUT/dst/image"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

#[test]
fn help_of_every_state_command() {
    let j = Job::new();
    for name in [
        "post_resource_state",
        "put_resource_state",
        "post_resource_state_multi",
        "put_resource_state_multi",
        "copy_file_to_state",
        "copy_file_from_prev_state",
        "refresh_file_to_state",
        "copy_file_from_resource_state",
        "copy_resource_file_from_state",
        "copy_file_to_resource_state",
        "refresh_file_to_out_path",
        "replicate",
    ] {
        j.test(&[name, "x", "--help"])
            .stdout(crate::util::contains("Example"))
            .run();
    }
}
