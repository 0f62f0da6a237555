//! Fault injection (issue 9): every command that writes × every fault a CI
//! machine has — a full disk, a read-only mount, a bind-mounted target
//! file, a symlink loop, a dangling symlink, a FIFO, a folder in place of
//! the file, a folder without write permission. Each case runs the real
//! binary in a private mount namespace (`unshare -m`, so no mount leaks to
//! the machine) and checks the exit status, stderr and a byte-level
//! snapshot of the target's folder taken inside the namespace before and
//! after the call. Needs root and `unshare`; without them the tests say
//! "SKIPPED" on stderr, and fail under `CI=true`.
//!
//! `cargo test faults -- --nocapture` prints the matrix.

use crate::util::{Expect, Matcher, Test, error_line, is_error_line, is_notes, matching, notes};
use std::collections::BTreeMap;
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// Inside the namespace, the binary is killed after this long: a hang is a
/// failure (status 137), never a stuck test run.
const HANG_SECS: u32 = 20;

// ---------------------------------------------------------------------------
// The commands that write

/// A writing command: how to call it, what it needs, and the file it writes.
#[derive(Clone)]
pub struct Writer {
    pub name: &'static str,
    /// Arguments; `{job}`, `{work}`, `{home}` are replaced.
    pub args: &'static [&'static str],
    pub env: &'static [(&'static str, &'static str)],
    /// Files to create first (relative to the sandbox root), not the target.
    pub setup: fn(&Path),
    /// The folder of the file it writes, relative to the sandbox root.
    pub dir: &'static str,
    /// The file it writes, in `dir`.
    pub file: &'static str,
    /// That file as the command names it in messages (`{job}`… replaced).
    pub shown: &'static str,
    /// The target's content before the call.
    pub old: &'static [u8],
    /// Other files in `dir` before the call (the snapshot covers them too).
    pub siblings: &'static [(&'static str, &'static [u8])],
    /// Names of new empty files the command may leave in `dir` (the AWS
    /// files' documented `.lock` files).
    pub may_add: &'static [&'static str],
    /// Siblings the command writes too (configure_aws: config).
    pub also_writes: &'static [&'static str],
    /// The command makes the folder a copy of another (`replicate`'s
    /// files): whatever is in the file's place is replaced, not written
    /// through.
    pub mirrors: bool,
}

const KEY_ID: &str = "AKIAFAKEEXAMPLE00009";
const SECRET: &str = "fAkE/SeCrEt+MaRkEr/0000000000000000000009";

fn write(root: &Path, rel: &str, data: &[u8]) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, data).unwrap();
}

fn nothing(_: &Path) {}

fn data_in_work(root: &Path) {
    write(root, "work/data.txt", b"new data\n");
}

fn prev_state(root: &Path) {
    write(root, "job/prev/data.txt", b"new data\n");
}

fn resource_state(root: &Path) {
    write(root, "job/IN/tfres/state/data.txt", b"new data\n");
}

fn out_resource(root: &Path) {
    data_in_work(root);
    std::fs::create_dir_all(root.join("job/OUT/tfres/state")).unwrap();
}

fn replicate_src(root: &Path) {
    write(
        root,
        "job/IN/src/version.json",
        br#"{"name": "src", "version": {"versionId": 1, "propertyBag": {"tag": "build-77"}}}"#,
    );
}

/// The conformance fixture's key and ciphertext.
fn decrypt_inputs(root: &Path) {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/conformance/decrypt.json"
    );
    let cases: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let files = &cases[0]["files"];
    for (name, rel) in [
        ("key.pem", "work/key.pem"),
        ("secret.enc", "work/secret.enc"),
    ] {
        let entry = &files[format!("{{work}}/{name}")];
        let text = entry.as_str().or(entry["text"].as_str()).unwrap();
        write(root, rel, text.as_bytes());
    }
}

fn tree_in_work(root: &Path) {
    write(root, "work/tree/f", b"new data\n");
    write(root, "work/tree/sub/g", b"g\n");
}

fn replicate_files(root: &Path) {
    write(root, "job/IN/src/image/a.txt", b"new data\n");
    write(root, "job/IN/src/image/sub/b.txt", b"b\n");
}

fn aws_keys(root: &Path) {
    let doc = serde_json::json!({"accessKey": KEY_ID, "secretKey": SECRET});
    write(
        root,
        "job/IN/keys/integration.json",
        doc.to_string().as_bytes(),
    );
}

const AWS_CREDENTIALS: &[u8] = b"[kept]\naws_access_key_id = AKIAKEPT\naws_secret_access_key = kept-secret\n\n[other]\naws_access_key_id = AKIAOTHER\naws_secret_access_key = other-secret\n";
const AWS_CONFIG: &[u8] =
    b"[profile kept]\nregion = us-west-2\n\n[profile other]\nregion = eu-west-1\n";

/// Every command that writes a file.
pub fn writers() -> Vec<Writer> {
    let state = |name, args| Writer {
        name,
        args,
        env: &[("JOB_STATE", "{job}/state")],
        setup: nothing,
        dir: "job/state",
        file: "res.env",
        shown: "{job}/state/res.env",
        old: b"OLD=1\n",
        siblings: &[("other.env", b"X=1\n")],
        may_add: &[],
        also_writes: &[],
        mirrors: false,
    };
    let copy = |name, args, setup, dir, shown| Writer {
        name,
        args,
        env: &[
            ("JOB_STATE", "{job}/state"),
            ("JOB_PREVIOUS_STATE", "{job}/prev"),
            ("TFRES_TYPE", "state"),
        ],
        setup,
        dir,
        file: "data.txt",
        shown,
        old: b"old data\n",
        siblings: &[("keep.txt", b"keep\n")],
        may_add: &[],
        also_writes: &[],
        mirrors: false,
    };
    vec![
        state(
            "post_resource_state",
            &["post_resource_state", "res", "K", "V"],
        ),
        state(
            "put_resource_state",
            &["put_resource_state", "res", "K", "V"],
        ),
        state(
            "post_resource_state_multi",
            &["post_resource_state_multi", "res", "A=1 B=2"],
        ),
        state(
            "put_resource_state_multi",
            &["put_resource_state_multi", "res", "A=1 B=2"],
        ),
        copy(
            "copy_file_to_state",
            &["copy_file_to_state", "data.txt"],
            data_in_work,
            "job/state",
            "{job}/state/data.txt",
        ),
        copy(
            "refresh_file_to_state",
            &["refresh_file_to_state", "data.txt"],
            data_in_work,
            "job/state",
            "{job}/state/data.txt",
        ),
        copy(
            "copy_file_from_prev_state",
            &[
                "copy_file_from_prev_state",
                "data.txt",
                "{work}/out/data.txt",
            ],
            prev_state,
            "work/out",
            "{work}/out/data.txt",
        ),
        copy(
            "copy_file_from_resource_state",
            &[
                "copy_file_from_resource_state",
                "tfres",
                "data.txt",
                "{work}/out/data.txt",
            ],
            resource_state,
            "work/out",
            "{work}/out/data.txt",
        ),
        copy(
            "copy_file_to_resource_state",
            &["copy_file_to_resource_state", "data.txt", "tfres"],
            out_resource,
            "job/OUT/tfres/state",
            "{job}/OUT/tfres/state/data.txt",
        ),
        Writer {
            name: "copy_file_to_state (folder merge)",
            args: &["copy_file_to_state", "tree"],
            env: &[("JOB_STATE", "{job}/state")],
            setup: tree_in_work,
            dir: "job/state/tree",
            file: "f",
            shown: "{job}/state/tree/f",
            old: b"old data\n",
            siblings: &[("keep.txt", b"keep\n")],
            may_add: &[],
            // The rest of the copy, merged in beside the file.
            also_writes: &["sub", "sub/g"],
            mirrors: false,
        },
        Writer {
            name: "replicate --files-only",
            args: &["replicate", "src", "dst", "--files-only"],
            env: &[
                ("JOB_STATE", "{job}/state"),
                ("JOB_NAME", "myjob"),
                ("SRC_TYPE", "image"),
                ("DST_TYPE", "image"),
            ],
            setup: replicate_files,
            dir: "job/OUT/dst/image",
            file: "a.txt",
            shown: "{job}/OUT/dst/image/a.txt",
            old: b"old data\n",
            siblings: &[("old.txt", b"old\n")],
            may_add: &[],
            also_writes: &[],
            mirrors: true,
        },
        Writer {
            name: "replicate --metadata-only",
            args: &["replicate", "src", "dst", "--metadata-only"],
            env: &[
                ("JOB_STATE", "{job}/state"),
                ("JOB_NAME", "myjob"),
                ("SRC_TYPE", "image"),
                ("DST_TYPE", "image"),
            ],
            setup: replicate_src,
            dir: "job/OUT/dst",
            file: "version.json",
            shown: "{job}/OUT/dst/version.json",
            old: br#"{"name": "dst", "version": {"versionId": 2, "propertyBag": {"tag": "old"}}}"#,
            siblings: &[],
            may_add: &[],
            also_writes: &[],
            mirrors: false,
        },
        Writer {
            name: "replace",
            args: &["replace", "app.yml"],
            env: &[("X", "1")],
            setup: nothing,
            dir: "work",
            file: "app.yml",
            shown: "app.yml",
            old: b"x=$X\n",
            siblings: &[],
            may_add: &[],
            also_writes: &[],
            mirrors: false,
        },
        Writer {
            name: "decrypt",
            args: &["decrypt", "secret.enc", "key.pem"],
            env: &[],
            setup: decrypt_inputs,
            dir: "work",
            file: "secret.enc.decrypted",
            shown: "secret.enc.decrypted",
            old: b"old plain\n",
            siblings: &[],
            may_add: &[],
            also_writes: &[],
            mirrors: false,
        },
        Writer {
            name: "configure_aws",
            args: &["configure_aws", "keys", "--region", "us-east-1"],
            env: &[],
            setup: aws_keys,
            dir: "home/.aws",
            file: "credentials",
            shown: "{home}/.aws/credentials",
            old: AWS_CREDENTIALS,
            siblings: &[("config", AWS_CONFIG)],
            may_add: &[
                "credentials.lock",
                "config.lock",
                "credentials.missing.lock",
            ],
            also_writes: &["config"],
            mirrors: false,
        },
        Writer {
            name: "configure_aws --remove",
            args: &["configure_aws", "keys", "--profile", "other", "--remove"],
            env: &[],
            setup: aws_keys,
            dir: "home/.aws",
            file: "credentials",
            shown: "{home}/.aws/credentials",
            old: AWS_CREDENTIALS,
            siblings: &[("config", AWS_CONFIG)],
            may_add: &[
                "credentials.lock",
                "config.lock",
                "credentials.missing.lock",
            ],
            also_writes: &["config"],
            mirrors: false,
        },
    ]
}

// ---------------------------------------------------------------------------
// Faults

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// The folder is a tmpfs with no free block.
    FullDisk,
    /// The folder is a read-only bind mount.
    ReadOnly,
    /// The file is a bind-mounted single file (docker -v f:/path).
    BindMountedFile,
    /// The file is a loop of two links.
    SymlinkLoop,
    /// The file is a link to nothing.
    DanglingLink,
    /// The file is a FIFO.
    Fifo,
    /// The file is a folder.
    Folder,
    /// The folder is not writable by the (unprivileged) caller.
    NoPermission,
}

/// The shell lines that put the fault in place (`$D` is the folder, `$F`
/// the file, `$HOSTF` a file outside it, `$TMPL` a scratch folder).
fn fault_setup(fault: Fault) -> &'static str {
    match fault {
        Fault::FullDisk => {
            r#"cp -a "$D/." "$TMPL/"
mount -t tmpfs -o size=256k,mode=0755 tmpfs "$D"
cp -a "$TMPL/." "$D/"
dd if=/dev/zero of="$D/.filler" bs=4096 2>/dev/null || true
if printf x > "$D/.probe" 2>/dev/null; then echo "tmpfs is not full" >&2; exit 70; fi
rm -f "$D/.probe""#
        }
        Fault::ReadOnly => {
            r#"mount --bind "$D" "$D"
mount -o remount,bind,ro "$D""#
        }
        Fault::BindMountedFile => r#"mount --bind "$HOSTF" "$F""#,
        Fault::SymlinkLoop => {
            r#"rm -f "$F"
ln -s "$(basename "$F").other" "$F"
ln -s "$(basename "$F")" "$F.other""#
        }
        Fault::DanglingLink => {
            r#"rm -f "$F"
ln -s "$(basename "$F").missing" "$F""#
        }
        Fault::Fifo => {
            r#"rm -f "$F"
mkfifo "$F""#
        }
        Fault::Folder => {
            r#"rm -f "$F"
mkdir "$F"
echo keep > "$F/inside""#
        }
        Fault::NoPermission => {
            r#"chown -R 65534:65534 "$D"
chown 0:0 "$D"
chmod 0555 "$D""#
        }
    }
}

// ---------------------------------------------------------------------------
// Snapshots

/// One entry of a folder, as compared byte for byte.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    File {
        mode: u32,
        uid: u32,
        gid: u32,
        data: Vec<u8>,
    },
    Folder {
        mode: u32,
    },
    Link(PathBuf),
    Fifo,
    Other,
}

pub type Snapshot = BTreeMap<PathBuf, Node>;

/// Everything under `dir` (not following links), by relative path.
pub fn snapshot(dir: &Path) -> Snapshot {
    fn walk(root: &Path, dir: &Path, out: &mut Snapshot) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            let md = std::fs::symlink_metadata(&p).unwrap();
            let rel = p.strip_prefix(root).unwrap().to_path_buf();
            let t = md.file_type();
            let node = if t.is_symlink() {
                Node::Link(std::fs::read_link(&p).unwrap())
            } else if t.is_dir() {
                walk(root, &p, out);
                Node::Folder {
                    mode: md.mode() & 0o7777,
                }
            } else if t.is_file() {
                Node::File {
                    mode: md.mode() & 0o7777,
                    uid: md.uid(),
                    gid: md.gid(),
                    data: std::fs::read(&p).unwrap(),
                }
            } else if t.is_fifo() {
                Node::Fifo
            } else {
                Node::Other
            };
            out.insert(rel, node);
        }
    }
    let mut out = Snapshot::new();
    walk(dir, dir, &mut out);
    out
}

/// What differs between two snapshots, one line each (empty: none).
pub fn diff(before: &Snapshot, after: &Snapshot) -> Vec<String> {
    let mut out = Vec::new();
    for (p, b) in before {
        match after.get(p) {
            None => out.push(format!("removed {}", p.display())),
            Some(a) if a != b => out.push(format!("changed {}: {b:?} -> {a:?}", p.display())),
            _ => {}
        }
    }
    for (p, a) in after {
        if !before.contains_key(p) {
            out.push(format!("added {}: {a:?}", p.display()));
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Running

/// A fresh sandbox for `w`: `job`, `home`, `work`, `host`, `snap`, `tmpl`
/// and the target folder with the target and its siblings.
pub fn sandbox(w: &Writer, with_target: bool) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    // Traversable by `nobody` for the permission fault.
    std::fs::set_permissions(root, std::fs::Permissions::from_mode(0o755)).unwrap();
    for sub in ["job", "home", "work", "host", "snap", "tmpl", "out"] {
        std::fs::create_dir_all(root.join(sub)).unwrap();
    }
    (w.setup)(root);
    let d = root.join(w.dir);
    std::fs::create_dir_all(&d).unwrap();
    for (name, data) in w.siblings {
        std::fs::write(d.join(name), data).unwrap();
        std::fs::set_permissions(d.join(name), std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    if with_target {
        std::fs::write(d.join(w.file), w.old).unwrap();
        // As credentials are kept (no warning about their mode).
        std::fs::set_permissions(d.join(w.file), std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    dir
}

fn expand(s: &str, root: &Path) -> String {
    s.replace("{job}", &root.join("job").to_string_lossy())
        .replace("{work}", &root.join("work").to_string_lossy())
        .replace("{home}", &root.join("home").to_string_lossy())
}

/// The command line of the binary for `w` in `root`, hermetic.
fn command(program: &str, w: &Writer, root: &Path) -> Command {
    let mut cmd = Command::new(program);
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", root.join("home"))
        .env("LANG", "C.UTF-8")
        .env("JOB_PATH", root.join("job"))
        .current_dir(root.join("work"));
    for (k, v) in w.env {
        cmd.env(k, expand(v, root));
    }
    cmd
}

/// What one call did.
#[derive(Debug)]
pub struct Outcome {
    /// The binary's status, as the harness saw it.
    pub status: i32,
    pub stderr: String,
    /// The harness's verdict on status, stdout and stderr (see [`expect`]).
    pub verdict: Result<(), String>,
    pub before: Snapshot,
    pub after: Snapshot,
    /// The folder as seen outside the namespace afterwards.
    pub outside: Snapshot,
    pub host_file: Vec<u8>,
    pub elapsed: Duration,
    /// The target as the command names it.
    pub shown: String,
}

/// Run `w` with `fault` in a private mount namespace.
pub fn run_faulted(w: &Writer, fault: Fault) -> Outcome {
    let sandbox = sandbox(w, true);
    let root = sandbox.path();
    let d = root.join(w.dir);
    let f = d.join(w.file);
    // The file a bind mount puts in place: other content, mode and owner.
    let host = root.join("host").join(w.file);
    std::fs::write(&host, w.old).unwrap();
    std::fs::set_permissions(&host, std::fs::Permissions::from_mode(0o600)).unwrap();
    std::os::unix::fs::chown(&host, Some(4242), Some(4243)).unwrap();
    if fault == Fault::BindMountedFile {
        // What is under the mount point, seen outside only.
        std::fs::write(&f, b"under the mount\n").unwrap();
    }
    let runner = match fault {
        Fault::NoPermission => "setpriv --reuid=65534 --regid=65534 --clear-groups",
        _ => "",
    };
    let script = format!(
        r#"set -e
{setup}
# Enter the working folder again: through the mounts just made.
cd "$PWD"
cp -a "$D" "$SNAP/before"
set +e
: >"$OUT/started"
{runner} timeout -s KILL {HANG_SECS} "$BIN" "$@"
status=$?
cp -a "$D" "$SNAP/after"
exit $status
"#,
        setup = fault_setup(fault)
    );
    let args: Vec<String> = w.args.iter().map(|a| expand(a, root)).collect();
    // Outside too, a bound: should anything but the binary hang.
    let mut cmd = command("timeout", w, root);
    cmd.args(["-s", "KILL", "120", "unshare"])
        .args(["-m", "--propagation", "private", "sh", "-c", &script, "sh"])
        .args(&args)
        .env("D", &d)
        .env("F", &f)
        .env("HOSTF", &host)
        .env("TMPL", root.join("tmpl"))
        .env("SNAP", root.join("snap"))
        .env("OUT", root.join("out"))
        .env("BIN", crate::util::bin());
    let started = Instant::now();
    let (out, verdict) = Test::with(cmd).expect(expect(w, fault, root)).try_run();
    let elapsed = started.elapsed();
    assert!(
        root.join("out/started").exists(),
        "{} × {fault:?}: the fault could not be set up: {}{}",
        w.name,
        out.stdout_str(),
        out.stderr_str()
    );
    Outcome {
        status: out.output.status.code().unwrap_or(-1),
        stderr: out.stderr_str(),
        verdict,
        before: snapshot(&root.join("snap/before")),
        after: snapshot(&root.join("snap/after")),
        outside: snapshot(&d),
        host_file: std::fs::read(&host).unwrap(),
        elapsed,
        shown: expand(w.shown, root),
    }
}

/// What the binary must show for `w` under `fault` (status, stdout and
/// stderr, checked by the harness): nothing on stdout ever; a success says
/// nothing (configure_aws only what it did); a failure is one
/// `shipctl: error:` line naming the file and the cause.
fn expect(w: &Writer, fault: Fault, root: &Path) -> Expect {
    let target = expand(w.shown, root);
    let folder = format!("{}: ", Path::new(&target).parent().unwrap().display());
    let fails = |code: i32, what: String, rule: Box<dyn Fn(&str) -> bool + Send + Sync>| {
        let what = format!("one `shipctl: error: ` line, {what}");
        Expect::new().status(code).stderr(matching(what, move |t| {
            is_error_line(t) && t.lines().count() == 1 && rule(t.trim_end())
        }))
    };
    let works = || Expect::new().stderr(said(w, &target));
    if w.mirrors
        && matches!(
            fault,
            Fault::SymlinkLoop
                | Fault::DanglingLink
                | Fault::Fifo
                | Fault::Folder
                | Fault::BindMountedFile
        )
    {
        // The folder becomes a copy of the source, silently.
        return Expect::new();
    }
    match fault {
        Fault::FullDisk | Fault::ReadOnly | Fault::NoPermission => {
            let cause = match fault {
                Fault::FullDisk => "No space left on device",
                Fault::ReadOnly => "Read-only file system",
                _ => "Permission denied",
            };
            let t = target.clone();
            fails(
                1,
                format!("naming {target} (or its folder) and {cause:?}"),
                Box::new(move |l| (l.contains(&t) || l.contains(&folder)) && l.contains(cause)),
            )
        }
        Fault::SymlinkLoop => {
            let end = format!("symbolic link loop at {target}");
            fails(
                1,
                format!("ending {end:?}"),
                Box::new(move |l| l.ends_with(&end)),
            )
        }
        Fault::Fifo => {
            let end = format!("{target} is a FIFO (named pipe), not a regular file");
            fails(
                1,
                format!("ending {end:?}"),
                Box::new(move |l| l.ends_with(&end)),
            )
        }
        // TO is an existing folder: the copy goes inside it, as cp does.
        Fault::Folder if w.args[0].starts_with("copy_file_from") => Expect::new(),
        Fault::Folder => {
            let code = if w.args[0] == "replace" { 82 } else { 1 };
            let t = target.clone();
            fails(
                code,
                format!("saying {target} is a folder"),
                Box::new(move |l| l.contains(&t) && l.contains("folder")),
            )
        }
        Fault::BindMountedFile => works(),
        // As without the link: what the fault-free run does with no file.
        Fault::DanglingLink => match reference(w, false).0 {
            0 => works(),
            code => fails(code, "as without the link".into(), Box::new(|_| true)),
        },
    }
}

/// What a success of `w` says on stderr: nothing — configure_aws one
/// `shipctl:` line of what it did (after any warnings): the file written,
/// or the profile removed — and never an error.
fn said(w: &Writer, target: &str) -> Matcher {
    match w.name {
        "configure_aws --remove" => matching("shipctl: lines, one the profile removed", |t| {
            is_notes(t) && t.contains("shipctl: AWS profile \"other\" removed (")
        }),
        name if name.starts_with("configure_aws") => {
            let written = format!("written to {target}");
            matching(
                format!("shipctl: lines, one saying {written:?}"),
                move |t| is_notes(t) && t.contains(&written),
            )
        }
        _ => Matcher::from(""),
    }
}

/// Run `w` with no fault: its exit status and its folder afterwards, to
/// compare a faulted call with. `with_target`: the target holds `w.old`
/// first.
pub fn reference(w: &Writer, with_target: bool) -> (i32, Snapshot) {
    let sandbox = sandbox(w, with_target);
    let root = sandbox.path();
    let args: Vec<String> = w.args.iter().map(|a| expand(a, root)).collect();
    let mut cmd = command(crate::util::bin(), w, root);
    cmd.args(&args);
    // It works (saying at most what it did), or fails with one error line.
    let mut works_or_fails = Expect::new().stderr(notes());
    for code in [1, 82, 99, 100] {
        works_or_fails = works_or_fails.or(Expect::new().status(code).stderr(error_line()));
    }
    let out = Test::with(cmd).expect(works_or_fails).run();
    let code = out.output.status.code().unwrap_or(-1);
    (code, snapshot(&root.join(w.dir)))
}

/// The content of `name` in a snapshot.
fn data_of(s: &Snapshot, name: &str) -> Option<Vec<u8>> {
    match s.get(Path::new(name)) {
        Some(Node::File { data, .. }) => Some(data.clone()),
        _ => None,
    }
}

/// The entries `w` also writes, as the reference run left them (mode and
/// owner as before the faulted call).
fn also_written(
    w: &Writer,
    o: &Outcome,
    reference: &Snapshot,
) -> Vec<(&'static str, Option<Node>)> {
    w.also_writes
        .iter()
        .map(|name| {
            let node = match (o.before.get(Path::new(name)), data_of(reference, name)) {
                (Some(Node::File { mode, uid, gid, .. }), Some(data)) => Some(Node::File {
                    mode: *mode,
                    uid: *uid,
                    gid: *gid,
                    data,
                }),
                _ => reference.get(Path::new(name)).cloned(),
            };
            (*name, node)
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Expectations

/// The one line on stderr, or why there is not exactly one.
fn one_line(stderr: &str) -> Result<&str, String> {
    match stderr.strip_suffix('\n') {
        Some(line) if !line.contains('\n') => Ok(line),
        _ => Err(format!("stderr is not one line: {stderr:?}")),
    }
}

/// `after` is `before` but for the entries `changed` (which must be as
/// given) and any new empty lock file `w` may leave.
fn only_changed(w: &Writer, o: &Outcome, changed: &[(&str, Option<Node>)]) -> Result<(), String> {
    let mut want = o.before.clone();
    for (name, node) in changed {
        match node {
            Some(n) => want.insert(PathBuf::from(name), n.clone()),
            None => want.remove(Path::new(name)),
        };
    }
    let mut after = o.after.clone();
    for name in w.may_add {
        if !want.contains_key(Path::new(name))
            && matches!(after.get(Path::new(name)), Some(Node::File { data, .. }) if data.is_empty())
        {
            after.remove(Path::new(name));
        }
    }
    let d = diff(&want, &after);
    match d.is_empty() {
        true => Ok(()),
        false => Err(format!(
            "folder differs from what was expected:\n  {}",
            d.join("\n  ")
        )),
    }
}

fn file_node(o: &Outcome, name: &str) -> Option<Node> {
    o.before.get(Path::new(name)).cloned()
}

/// Check one cell; `Ok(outcome summary)` or `Err(why)`.
pub fn check(w: &Writer, fault: Fault, o: &Outcome) -> Result<String, String> {
    let target = o.shown.clone();
    if o.status == 137 || o.elapsed > Duration::from_secs(u64::from(HANG_SECS)) {
        return Err(format!("hung (killed after {HANG_SECS} s)"));
    }
    if o.status >= 128 {
        return Err(format!("crashed: status {}", o.status));
    }
    // Status, stdout and stderr: as `expect` said (the harness's verdict);
    // below, the folder.
    o.verdict.clone()?;
    let fail = |cause: &str| -> Result<String, String> {
        if o.status != 1 {
            return Err(format!("exit {} (want 1); stderr {:?}", o.status, o.stderr));
        }
        let line = one_line(&o.stderr)?;
        // The file, or its folder where the folder refused the temporary.
        let folder = format!("{}: ", Path::new(&target).parent().unwrap().display());
        let named = line.contains(&target) || line.contains(&folder);
        if !line.starts_with("shipctl: error: ") || !named || !line.contains(cause) {
            return Err(format!(
                "stderr {line:?} should name {target} and {cause:?}"
            ));
        }
        only_changed(w, o, &[])?;
        Ok(format!(
            "exit 1, \"{}\", folder unchanged",
            &line["shipctl: error: ".len()..]
                .replace(&target, "F")
                .split(": ")
                .last()
                .unwrap_or(line)
        ))
    };
    if w.mirrors
        && matches!(
            fault,
            Fault::SymlinkLoop
                | Fault::DanglingLink
                | Fault::Fifo
                | Fault::Folder
                | Fault::BindMountedFile
        )
    {
        // The folder becomes a copy of the source: what was in the file's
        // place is replaced (a bind-mounted file, which cannot be, is
        // written in place and keeps its mode and owner).
        if o.status != 0 || !o.stderr.is_empty() {
            return Err(format!("exit {}; stderr {:?}", o.status, o.stderr));
        }
        let (code, mut want) = reference(w, true);
        if code != 0 {
            return Err(format!("the fault-free reference run exited {code}"));
        }
        if fault == Fault::BindMountedFile {
            let Some(Node::File { mode, uid, gid, .. }) = file_node(o, w.file) else {
                return Err("no target before".into());
            };
            let data = data_of(&want, w.file).ok_or("the reference wrote no file")?;
            if o.host_file != data {
                return Err("the bind-mounted file does not hold the new content".into());
            }
            let node = Node::File {
                mode,
                uid,
                gid,
                data,
            };
            want.insert(PathBuf::from(w.file), node);
        }
        let d = diff(&want, &o.after);
        if !d.is_empty() {
            return Err(format!("folder is not the copy:\n  {}", d.join("\n  ")));
        }
        return Ok(match fault {
            Fault::BindMountedFile => "exit 0, the folder is the copy; the mounted file written in place, mode and owner kept",
            _ => "exit 0, the folder is the copy (the entry in the file's place replaced)",
        }
        .into());
    }
    match fault {
        Fault::FullDisk => fail("No space left on device"),
        Fault::ReadOnly => fail("Read-only file system"),
        Fault::NoPermission => fail("Permission denied"),
        Fault::SymlinkLoop => {
            if o.status != 1 {
                return Err(format!("exit {} (want 1); stderr {:?}", o.status, o.stderr));
            }
            let line = one_line(&o.stderr)?;
            if !line.ends_with(&format!("symbolic link loop at {target}")) {
                return Err(format!("stderr {line:?} should be the loop at {target}"));
            }
            only_changed(w, o, &[])?;
            Ok("exit 1, \"symbolic link loop at F\", folder unchanged".into())
        }
        Fault::Fifo => {
            if o.status != 1 {
                return Err(format!("exit {} (want 1); stderr {:?}", o.status, o.stderr));
            }
            let line = one_line(&o.stderr)?;
            if !line.ends_with(&format!(
                "{target} is a FIFO (named pipe), not a regular file"
            )) {
                return Err(format!("stderr {line:?} should say {target} is a FIFO"));
            }
            only_changed(w, o, &[])?;
            Ok(format!(
                "exit 1 after {} ms, \"F is a FIFO (named pipe), not a regular file\", folder unchanged",
                o.elapsed.as_millis()
            ))
        }
        Fault::Folder => {
            if w.args[0].starts_with("copy_file_from") {
                // TO is an existing folder: the copy goes inside it, as cp does.
                if o.status != 0 || !o.stderr.is_empty() {
                    return Err(format!("exit {}; stderr {:?}", o.status, o.stderr));
                }
                let inside = format!("{}/data.txt", w.file);
                let Some(Node::File { data, .. }) = o.after.get(Path::new(&inside)) else {
                    return Err(format!("{inside} was not created"));
                };
                let node = o.after.get(Path::new(&inside)).cloned();
                if data != b"new data\n" {
                    return Err(format!("{inside} holds {data:?}"));
                }
                only_changed(w, o, &[(&inside, node)])?;
                return Ok("exit 0, copied into the folder (TO is a folder: cp's rule)".into());
            }
            let want = if w.args[0] == "replace" { 82 } else { 1 };
            if o.status != want {
                return Err(format!(
                    "exit {} (want {want}); stderr {:?}",
                    o.status, o.stderr
                ));
            }
            let line = one_line(&o.stderr)?;
            if !line.contains(&target) || !line.contains("folder") {
                return Err(format!("stderr {line:?} should say {target} is a folder"));
            }
            only_changed(w, o, &[])?;
            Ok(format!(
                "exit {want}, \"{}\", folder unchanged",
                line["shipctl: error: ".len()..].replace(&target, "F")
            ))
        }
        Fault::BindMountedFile => {
            if o.status != 0 {
                return Err(format!("exit {}; stderr {:?}", o.status, o.stderr));
            }
            let (code, reference) = reference(w, true);
            let Some(want) = data_of(&reference, w.file).filter(|_| code == 0) else {
                return Err(format!("the fault-free reference run exited {code}"));
            };
            let Some(Node::File { mode, uid, gid, .. }) = file_node(o, w.file) else {
                return Err("no target before".into());
            };
            let node = Node::File {
                mode,
                uid,
                gid,
                data: want.clone(),
            };
            let mut changed = vec![(w.file, Some(node))];
            changed.extend(also_written(w, o, &reference));
            only_changed(w, o, &changed)?;
            if o.host_file != want {
                return Err("the bind-mounted file does not hold the new content".into());
            }
            match o.outside.get(Path::new(w.file)) {
                Some(Node::File { data, .. }) if data == b"under the mount\n" => {}
                other => return Err(format!("the file under the mount point changed: {other:?}")),
            }
            Ok("exit 0, written in place: new content, mode 0600 and owner 4242 kept, no temporary file".into())
        }
        Fault::DanglingLink => {
            let missing = format!("{}.missing", w.file);
            let (code, reference) = reference(w, false);
            match (code, data_of(&reference, w.file)) {
                (0, Some(want)) => {
                    if o.status != 0 {
                        return Err(format!("exit {}; stderr {:?}", o.status, o.stderr));
                    }
                    let Some(Node::File { data, .. }) = o.after.get(Path::new(&missing)) else {
                        return Err(format!("{missing} (the link's target) was not created"));
                    };
                    if *data != want {
                        return Err(format!("{missing} holds {data:?}"));
                    }
                    let node = o.after.get(Path::new(&missing)).cloned();
                    let mut changed = vec![(missing.as_str(), node)];
                    changed.extend(also_written(w, o, &reference));
                    only_changed(w, o, &changed)?;
                    Ok("exit 0, the link's target created, the link kept".into())
                }
                // With no file there, the command refuses or does nothing,
                // as it does without the link.
                (code, None) => {
                    if o.status != code {
                        return Err(format!(
                            "exit {} (without the link: {code}); stderr {:?}",
                            o.status, o.stderr
                        ));
                    }
                    only_changed(w, o, &also_written(w, o, &reference))?;
                    let what = match code {
                        0 => "exit 0, no file to change (none created)".to_string(),
                        code => format!(
                            "exit {code}, \"{}\"",
                            one_line(&o.stderr)?["shipctl: error: ".len()..].replace(&target, "F")
                        ),
                    };
                    Ok(format!("{what}, folder unchanged"))
                }
                other => Err(format!("the fault-free reference run: {other:?}")),
            }
        }
    }
}

/// Run every writer with `fault`; print the column; fail with every cell
/// that is wrong.
pub fn column(fault: Fault) {
    if !crate::util::can_mount() {
        return;
    }
    let mut failures = Vec::new();
    for w in writers() {
        let o = run_faulted(&w, fault);
        match check(&w, fault, &o) {
            Ok(summary) => eprintln!("MATRIX | {} | {fault:?} | {summary}", w.name),
            Err(why) => {
                eprintln!("MATRIX | {} | {fault:?} | FAILED: {why}", w.name);
                failures.push(format!(
                    "{} × {fault:?}: {why}\n    stderr: {:?}",
                    w.name, o.stderr
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn full_disk() {
    column(Fault::FullDisk);
}

#[test]
fn read_only_mount() {
    column(Fault::ReadOnly);
}

#[test]
fn bind_mounted_file() {
    column(Fault::BindMountedFile);
}

#[test]
fn symlink_loop() {
    column(Fault::SymlinkLoop);
}

#[test]
fn dangling_symlink() {
    column(Fault::DanglingLink);
}

#[test]
fn fifo() {
    column(Fault::Fifo);
}

#[test]
fn folder_in_place_of_the_file() {
    column(Fault::Folder);
}

#[test]
fn no_write_permission() {
    column(Fault::NoPermission);
}

// ---------------------------------------------------------------------------
// configure_aws writes both files or neither

/// Run `script` (sh, after `set -e`) in a private mount namespace with the
/// sandbox's hermetic environment plus `env`; `$BIN` is the binary.
fn in_namespace(root: &Path, env: &[(&str, PathBuf)], script: &str) -> Test {
    let w = &writers()[0];
    let mut cmd = command("timeout", w, root);
    cmd.args(["-s", "KILL", "120", "unshare"])
        .args(["-m", "--propagation", "private", "sh", "-c"])
        .arg(format!("set -e\n{script}"))
        .env("BIN", crate::util::bin());
    for (k, v) in env {
        cmd.env(k, v);
    }
    Test::with(cmd)
}

/// A job whose resource `keys` has an AWS integration; credentials in
/// `home/.aws`, config in `cfg/` (both with old content).
fn aws_job(config: &[u8]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for sub in ["job", "home/.aws", "work", "cfg", "host"] {
        std::fs::create_dir_all(root.join(sub)).unwrap();
    }
    aws_keys(root);
    write(root, "home/.aws/credentials", AWS_CREDENTIALS);
    write(root, "cfg/config", config);
    for f in ["home/.aws/credentials", "cfg/config"] {
        std::fs::set_permissions(root.join(f), std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    dir
}

fn aws_env(root: &Path) -> Vec<(&'static str, PathBuf)> {
    vec![
        ("AWS_CONFIG_FILE", root.join("cfg/config")),
        ("CREDS", root.join("home/.aws/credentials")),
        ("CFG", root.join("cfg")),
        ("HOST", root.join("host")),
    ]
}

/// The call fails naming the config file, and neither file (nor their
/// folders) changed.
fn neither_written(root: &Path, script: &str, cause: &str) {
    let creds_before = snapshot(&root.join("home/.aws"));
    let config = root.join("cfg/config").display().to_string();
    let cause = cause.to_string();
    let names = matching(
        format!("one `shipctl: error:` line naming {config} and {cause:?}"),
        move |t| {
            is_error_line(t) && t.lines().count() == 1 && t.contains(&config) && t.contains(&cause)
        },
    );
    in_namespace(root, &aws_env(root), script)
        .status(1)
        .stderr(names)
        .run();
    let mut after = snapshot(&root.join("home/.aws"));
    after.remove(Path::new("credentials.lock"));
    let d = diff(&creds_before, &after);
    assert!(d.is_empty(), "credentials changed: {d:?}");
}

#[test]
fn configure_aws_config_on_a_read_only_mount_leaves_credentials_alone() {
    if !crate::util::can_mount() {
        return;
    }
    let job = aws_job(AWS_CONFIG);
    let root = job.path();
    neither_written(
        root,
        r#"mount --bind "$CFG" "$CFG"
mount -o remount,bind,ro "$CFG"
"$BIN" configure_aws keys --region us-east-1"#,
        "Read-only file system",
    );
    assert_eq!(std::fs::read(root.join("cfg/config")).unwrap(), AWS_CONFIG);
}

#[test]
fn configure_aws_config_a_read_only_bind_mounted_file_leaves_credentials_alone() {
    if !crate::util::can_mount() {
        return;
    }
    let job = aws_job(AWS_CONFIG);
    let root = job.path();
    write(root, "host/config", AWS_CONFIG);
    neither_written(
        root,
        r#"mount --bind "$HOST/config" "$CFG/config"
mount -o remount,bind,ro "$CFG/config"
"$BIN" configure_aws keys --region us-east-1"#,
        "Read-only file system",
    );
    assert_eq!(std::fs::read(root.join("host/config")).unwrap(), AWS_CONFIG);
}

#[test]
fn configure_aws_restores_credentials_when_config_fails_after_them() {
    if !crate::util::can_mount() {
        return;
    }
    // A config on a full disk, bind-mounted (so written in place, after
    // the credentials were renamed into place), that must grow past its
    // last page: the in-place write fails with ENOSPC, and the credentials
    // get their old bytes back.
    let mut config = AWS_CONFIG.to_vec();
    while config.len() < 4070 {
        config.extend_from_slice(b"# padding to the end of the page\n");
    }
    let job = aws_job(&config);
    let root = job.path();
    write(root, "host/config", &config);
    let script = r#"mkdir -p "$HOST/full"
mount -t tmpfs -o size=64k tmpfs "$HOST/full"
cp "$HOST/config" "$HOST/full/config"
dd if=/dev/zero of="$HOST/full/filler" bs=4096 2>/dev/null || true
mount --bind "$HOST/full/config" "$CFG/config"
set +e
"$BIN" configure_aws keys --region us-east-1
status=$?
cp "$HOST/full/config" "$HOST/config.after"
exit $status"#;
    neither_written(root, script, "No space left on device");
    assert_eq!(
        std::fs::read(root.join("host/config.after")).unwrap(),
        config
    );
    // The credentials are the old bytes, mode and owner (a new inode).
    let creds = root.join("home/.aws/credentials");
    assert_eq!(std::fs::read(&creds).unwrap(), AWS_CREDENTIALS);
    assert_eq!(std::fs::metadata(&creds).unwrap().mode() & 0o777, 0o600);
}

// ---------------------------------------------------------------------------
// Temporary files of killed writers

fn temporaries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".shipctl."))
        .collect();
    names.sort();
    names
}

#[test]
fn a_killed_writers_temporary_is_removed_by_the_next_call_in_that_folder() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    std::fs::write(work.join("small.yml"), "v=$X\n").unwrap();
    let run = |args: &[&str]| {
        let mut cmd = crate::util::command();
        cmd.args(args).env_clear().env("X", "1").current_dir(&work);
        Test::with(cmd)
    };
    // Kill `replace` of a big file while its temporary file exists (it
    // streams for a while; the file grows until one is caught mid-write).
    let mut size = 32 << 20;
    let left = loop {
        let line = b"key: $X and more text to copy around\n";
        let big: Vec<u8> = line.iter().copied().cycle().take(size).collect();
        std::fs::write(work.join("big.yml"), &big).unwrap();
        // Killed, silent; or finished before the kill, as a replace does.
        let mut child = run(&["replace", "big.yml"])
            .expect(Expect::new().signal(9).or(Expect::new()))
            .spawn();
        let started = Instant::now();
        let mut seen = Vec::new();
        while started.elapsed() < Duration::from_secs(30) {
            seen = temporaries(&work);
            if !seen.is_empty() || child.finished() {
                break;
            }
            std::thread::sleep(Duration::from_micros(200));
        }
        child.kill();
        let status = child.wait().output.status;
        let left = temporaries(&work);
        if !seen.is_empty() && !status.success() && !left.is_empty() {
            break left;
        }
        assert!(size < 1 << 30, "never caught the writer mid-write");
        size *= 2;
    };
    assert_eq!(left.len(), 1, "{left:?}");
    assert!(left[0].ends_with(".tmp"), "{left:?}");
    // Another writer's temporary that is still alive: locked by this
    // process (a writer in another container looks the same).
    let live = work.join(".shipctl.1.alive000000.tmp");
    std::fs::write(&live, b"in progress").unwrap();
    let held = std::fs::File::open(&live).unwrap();
    held.lock().unwrap();
    // The next call in that folder removes the dead writer's file only.
    run(&["replace", "small.yml"]).run();
    assert_eq!(
        std::fs::read_to_string(work.join("small.yml")).unwrap(),
        "v=1\n"
    );
    assert_eq!(temporaries(&work), [".shipctl.1.alive000000.tmp"]);
    // Once its writer is gone, it goes too.
    drop(held);
    run(&["replace", "small.yml"]).run();
    assert!(temporaries(&work).is_empty(), "{:?}", temporaries(&work));
}

#[test]
fn a_killed_copys_staging_folder_is_removed_by_the_next_call() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let work = dir.path().join("work");
    std::fs::create_dir_all(&state).unwrap();
    std::fs::create_dir_all(work.join("tree/sub")).unwrap();
    std::fs::write(work.join("tree/sub/f"), b"x").unwrap();
    // A staging folder nobody holds, with a read-only folder inside (as a
    // copy of a read-only tree leaves it).
    let stale = state.join(".shipctl.999999.deadbeef0000.stage");
    std::fs::create_dir_all(stale.join("copy/ro")).unwrap();
    std::fs::set_permissions(
        stale.join("copy/ro"),
        std::fs::Permissions::from_mode(0o500),
    )
    .unwrap();
    let mut cmd = crate::util::command();
    cmd.args(["copy_file_to_state", "tree"])
        .env_clear()
        .env("JOB_STATE", &state)
        .current_dir(&work);
    Test::with(cmd).run();
    assert!(!stale.exists());
    assert_eq!(std::fs::read(state.join("tree/sub/f")).unwrap(), b"x");
    assert!(temporaries(&state).is_empty());
}

// ---------------------------------------------------------------------------
// A writable mounted file in a read-only folder (docker --read-only -v f:…)

#[test]
fn a_mounted_file_in_a_read_only_folder_is_written_in_place() {
    if !crate::util::can_mount() {
        return;
    }
    // put_resource_state has its bytes in memory; replace streams them;
    // configure_aws locks beside the file, which cannot be created there.
    for name in ["put_resource_state", "replace", "configure_aws --remove"] {
        let w = writers().into_iter().find(|w| w.name == name).unwrap();
        let sandbox = sandbox(&w, true);
        let root = sandbox.path();
        let d = root.join(w.dir);
        let host = root.join("host").join(w.file);
        std::fs::write(&host, w.old).unwrap();
        std::fs::set_permissions(&host, std::fs::Permissions::from_mode(0o600)).unwrap();
        // configure_aws writes both its files: both are mounted.
        let host_config = root.join("host/config");
        std::fs::write(&host_config, AWS_CONFIG).unwrap();
        let args: Vec<String> = w.args.iter().map(|a| expand(a, root)).collect();
        let script = r#"mount --bind "$D" "$D"
mount -o remount,bind,ro "$D"
mount --bind "$HOSTF" "$F"
if [ -e "$D/config" ]; then mount --bind "$HOSTC" "$D/config"; fi
cd "$PWD"
"$BIN" "$@""#;
        let mut cmd = command("timeout", &w, root);
        cmd.args([
            "-s",
            "KILL",
            "120",
            "unshare",
            "-m",
            "--propagation",
            "private",
        ])
        .args(["sh", "-c", &format!("set -e\n{script}"), "sh"])
        .args(&args)
        .env("D", &d)
        .env("F", d.join(w.file))
        .env("HOSTF", &host)
        .env("HOSTC", &host_config)
        .env("BIN", crate::util::bin());
        let before = snapshot(&d);
        let said = match name.starts_with("configure_aws") {
            true => notes(),
            false => Matcher::from(""),
        };
        Test::with(cmd).stderr(said).run();
        let (code, reference) = reference(&w, true);
        assert_eq!(code, 0);
        assert_eq!(
            Some(std::fs::read(&host).unwrap()),
            data_of(&reference, w.file),
            "{name}: the mounted file holds the new content"
        );
        if w.also_writes.contains(&"config") {
            assert_eq!(
                Some(std::fs::read(&host_config).unwrap()),
                data_of(&reference, "config"),
                "{name}: the mounted config holds the new content"
            );
        }
        // Under the read-only mount nothing changed (no temporary file).
        assert!(diff(&before, &snapshot(&d)).is_empty(), "{name}");
    }
}
