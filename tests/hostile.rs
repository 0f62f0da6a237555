//! Randomized hostile file layouts (issue 9): the files and folders that
//! the commands read and write are replaced, at random, by links, link
//! loops, long link chains, dangling links, FIFOs, devices and folders (or
//! files in place of folders). Whatever the layout, every call must finish
//! (no hang), exit with a documented status (never a signal), speak only in
//! `shipctl: …` lines with one error line when it fails, leave no temporary
//! file, and — when it fails — leave every file byte for byte as it was.
//!
//! Every run goes through the test harness, whose [`Expect`] states that
//! contract (status, stdout and stderr together).
//!
//! Deterministic: the seed is printed; `SHIPCTL_HOSTILE_SEED=N` replays a
//! run. Bounded by count and by wall time, whichever ends first:
//! `SHIPCTL_HOSTILE_CASES=N` layouts (default 300) within
//! `SHIPCTL_HOSTILE_SECS` seconds (default 5).

use crate::faults::{Node, Snapshot, diff, snapshot};
use crate::util::{Expect, Matcher, Test, matching};
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(10);

/// xorshift64*: small, deterministic.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// What a path the command uses is turned into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// As the command expects it.
    Normal,
    Missing,
    /// A link to the normal file or folder (moved aside).
    LinkToNormal,
    SelfLoop,
    TwoLoop,
    /// More links in a row than any resolver follows.
    LongChain,
    Dangling,
    Fifo,
    LinkToFifo,
    /// A folder where a file is expected, or a file where a folder is.
    WrongKind,
    LinkToDevNull,
}

const SHAPES: [Shape; 11] = [
    Shape::Normal,
    Shape::Missing,
    Shape::LinkToNormal,
    Shape::SelfLoop,
    Shape::TwoLoop,
    Shape::LongChain,
    Shape::Dangling,
    Shape::Fifo,
    Shape::LinkToFifo,
    Shape::WrongKind,
    Shape::LinkToDevNull,
];

/// A path a command reads or writes: a file (with its normal content) or a
/// folder (with files in it).
struct Used {
    path: &'static str,
    folder: bool,
    content: &'static [u8],
}

const fn file(path: &'static str, content: &'static [u8]) -> Used {
    Used {
        path,
        folder: false,
        content,
    }
}

const fn folder(path: &'static str) -> Used {
    Used {
        path,
        folder: true,
        content: b"",
    }
}

struct Case {
    args: &'static [&'static str],
    /// Whether it prints on stdout when it works.
    prints: bool,
    used: Vec<Used>,
}

const VERSION: &[u8] =
    br#"{"name": "src", "version": {"versionId": 1, "propertyBag": {"tag": "build-77"}}}"#;
const KEYS: &[u8] = br#"{"accessKey": "AKIAFAKEEXAMPLE00007", "secretKey": "s3cr3t/X"}"#;

fn cases() -> Vec<Case> {
    let state = |args| Case {
        args,
        prints: false,
        used: vec![folder("job/state"), file("job/state/res.env", b"A=1\n")],
    };
    let aws = |args| Case {
        args,
        prints: false,
        used: vec![
            file("job/IN/keys/integration.json", KEYS),
            folder("home/.aws"),
            file(
                "home/.aws/credentials",
                b"[other]\naws_access_key_id = A\naws_secret_access_key = B\n",
            ),
            file("home/.aws/config", b"[profile other]\nregion = eu-west-1\n"),
        ],
    };
    vec![
        state(&["put_resource_state", "res", "K", "V"]),
        state(&["post_resource_state_multi", "res", "A=1 B=2"]),
        Case {
            args: &["copy_file_to_state", "data.txt"],
            prints: false,
            used: vec![
                file("work/data.txt", b"new\n"),
                folder("job/state"),
                file("job/state/data.txt", b"old\n"),
            ],
        },
        Case {
            args: &["copy_file_to_state", "tree"],
            prints: false,
            used: vec![
                folder("work/tree"),
                file("work/tree/f", b"f\n"),
                folder("job/state/tree"),
                file("job/state/tree/f", b"old f\n"),
            ],
        },
        Case {
            args: &["copy_file_from_prev_state", "data.txt", "out/data.txt"],
            prints: false,
            used: vec![
                file("job/prev/data.txt", b"new\n"),
                folder("work/out"),
                file("work/out/data.txt", b"old\n"),
            ],
        },
        Case {
            args: &["refresh_file_to_state", "data.txt"],
            prints: false,
            used: vec![
                file("work/data.txt", b"new\n"),
                file("job/prev/data.txt", b"prev\n"),
                file("job/state/data.txt", b"old\n"),
            ],
        },
        Case {
            args: &["copy_file_to_resource_state", "data.txt", "tfres"],
            prints: false,
            used: vec![
                file("work/data.txt", b"new\n"),
                folder("job/OUT/tfres/state"),
                file("job/OUT/tfres/state/data.txt", b"old\n"),
            ],
        },
        Case {
            args: &[
                "copy_file_from_resource_state",
                "tfres",
                "data.txt",
                "out/data.txt",
            ],
            prints: false,
            used: vec![
                file("job/IN/tfres/state/data.txt", b"new\n"),
                file("work/out/data.txt", b"old\n"),
            ],
        },
        Case {
            args: &["replicate", "src", "dst"],
            prints: false,
            used: vec![
                file("job/IN/src/version.json", VERSION),
                folder("job/IN/src/image"),
                file("job/IN/src/image/a.txt", b"a\n"),
                file("job/OUT/dst/version.json", VERSION),
                folder("job/OUT/dst/image"),
                file("job/OUT/dst/image/old.txt", b"old\n"),
            ],
        },
        Case {
            args: &["replicate", "src", "myjob"],
            prints: false,
            used: vec![
                file("job/IN/src/version.json", VERSION),
                folder("job/state"),
                file("job/state/outputVersion.json", b"{}"),
            ],
        },
        Case {
            args: &["replace", "app.yml", "other.yml"],
            prints: false,
            used: vec![
                file("work/app.yml", b"x=$X\n"),
                file("work/other.yml", b"y=${X}\n"),
            ],
        },
        Case {
            args: &["decrypt", "secret.enc", "key.pem"],
            prints: false,
            used: vec![
                file("work/secret.enc", b"bm90IGVuY3J5cHRlZA==\n"),
                file("work/key.pem", b"-----BEGIN PRIVATE KEY-----\nMII=\n"),
                file("work/secret.enc.decrypted", b"old\n"),
            ],
        },
        aws(&["configure_aws", "keys", "--region", "us-east-1"]),
        aws(&["configure_aws", "keys", "--profile", "other", "--remove"]),
        Case {
            args: &["--env-file", "job.env", "get_resource_id", "app"],
            prints: true,
            used: vec![file("work/job.env", b"APP_ID=42\r\n")],
        },
        Case {
            args: &["get_resource_version_key", "src", "tag"],
            prints: true,
            used: vec![file("job/IN/src/version.json", VERSION)],
        },
        Case {
            args: &["get_integration_resource_keys", "keys"],
            prints: true,
            used: vec![
                folder("job/IN/keys"),
                file("job/IN/keys/integration.env", b"a=\"1\"\nb=\"2\"\n"),
            ],
        },
        Case {
            args: &["split_tests", "t", "*_test.rb", "r"],
            prints: true,
            used: vec![
                folder("work/t"),
                file("work/t/a_test.rb", b""),
                file("work/t/b_test.rb", b""),
                folder("work/r"),
                file(
                    "work/r/report.xml",
                    br#"<testsuite filepath="t/a_test.rb" time="2"/>"#,
                ),
            ],
        },
    ]
}

fn mkfifo(p: &Path) {
    let ok = Command::new("mkfifo").arg(p).status().unwrap().success();
    assert!(ok, "mkfifo {}", p.display());
}

/// Put `shape` at `root/used.path` (whose normal form is already there).
fn apply(root: &Path, used: &Used, shape: Shape, rng: &mut Rng) {
    let p = root.join(used.path);
    let Some(parent) = p.parent().filter(|d| d.is_dir() && !d.is_symlink()) else {
        return; // an earlier shape took the folder away
    };
    if std::fs::symlink_metadata(&p).is_err() && shape != Shape::Missing {
        return;
    }
    let name = p.file_name().unwrap().to_string_lossy().into_owned();
    let remove = |p: &Path| {
        if p.is_dir() && !p.is_symlink() {
            std::fs::remove_dir_all(p).unwrap();
        } else if std::fs::symlink_metadata(p).is_ok() {
            std::fs::remove_file(p).unwrap();
        }
    };
    match shape {
        Shape::Normal => {}
        Shape::Missing => remove(&p),
        Shape::LinkToNormal => {
            let aside = parent.join(format!("{name}.real"));
            std::fs::rename(&p, &aside).unwrap();
            // Relative or absolute, at random.
            match rng.below(2) {
                0 => symlink(format!("{name}.real"), &p).unwrap(),
                _ => symlink(&aside, &p).unwrap(),
            }
        }
        Shape::SelfLoop => {
            remove(&p);
            symlink(&name, &p).unwrap();
        }
        Shape::TwoLoop => {
            remove(&p);
            symlink(format!("{name}.b"), &p).unwrap();
            symlink(&name, parent.join(format!("{name}.b"))).unwrap();
        }
        Shape::LongChain => {
            let aside = parent.join(format!("{name}.real"));
            std::fs::rename(&p, &aside).unwrap();
            let mut prev = format!("{name}.real");
            for i in 0..45 {
                let link = format!("{name}.l{i}");
                symlink(&prev, parent.join(&link)).unwrap();
                prev = link;
            }
            symlink(&prev, &p).unwrap();
        }
        Shape::Dangling => {
            remove(&p);
            symlink(format!("{name}.nowhere"), &p).unwrap();
        }
        Shape::Fifo => {
            remove(&p);
            mkfifo(&p);
        }
        Shape::LinkToFifo => {
            remove(&p);
            mkfifo(&parent.join(format!("{name}.fifo")));
            symlink(format!("{name}.fifo"), &p).unwrap();
        }
        Shape::WrongKind => {
            remove(&p);
            if used.folder {
                std::fs::write(&p, b"a file where a folder was\n").unwrap();
            } else {
                std::fs::create_dir(&p).unwrap();
                std::fs::write(p.join("inside"), b"x").unwrap();
            }
        }
        Shape::LinkToDevNull => {
            remove(&p);
            symlink("/dev/null", &p).unwrap();
        }
    }
}

/// The sandbox's files, without the documented `.lock` files.
fn state_of(root: &Path) -> Snapshot {
    let mut s = snapshot(root);
    s.retain(|p, n| {
        !(p.to_string_lossy().ends_with(".lock")
            && matches!(n, Node::File { data, .. } if data.is_empty()))
    });
    s
}

fn temporaries(s: &Snapshot) -> Vec<PathBuf> {
    s.keys()
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(".shipctl."))
        })
        .cloned()
        .collect()
}

/// The output contract of every run (issue 9): exit 0 with only
/// `shipctl:` lines on stderr, none an error (and nothing on stdout for a
/// command that does not print), or a documented failure status with
/// exactly one `shipctl: error:` line among `shipctl:` lines and nothing on
/// stdout. Never a signal.
fn contract(prints: bool) -> Expect {
    fn said(errors: usize) -> Matcher {
        let name = match errors {
            0 => "only whole `shipctl: ` lines, none an error",
            _ => "only whole `shipctl: ` lines, exactly one `shipctl: error: `",
        };
        matching(name, move |t| {
            (t.is_empty() || t.ends_with('\n'))
                && t.lines().all(|l| l.starts_with("shipctl: "))
                && t.lines()
                    .filter(|l| l.starts_with("shipctl: error: "))
                    .count()
                    == errors
        })
    }
    let stdout = match prints {
        true => matching("what it prints", |_| true),
        false => Matcher::from(""),
    };
    let mut contract = Expect::new().stdout(stdout).stderr(said(0));
    for code in [1, 82, 99, 100] {
        contract = contract.or(Expect::new().status(code).stderr(said(1)));
    }
    contract
}

/// Run one layout; `Err` says what broke the contract.
fn one(case: &Case, rng: &mut Rng) -> Result<String, String> {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for sub in [
        "job/state",
        "job/prev",
        "home",
        "work",
        "job/IN/tfres/state",
    ] {
        std::fs::create_dir_all(root.join(sub)).unwrap();
    }
    for used in &case.used {
        let p = root.join(used.path);
        match used.folder {
            true => std::fs::create_dir_all(&p).unwrap(),
            false => {
                std::fs::create_dir_all(p.parent().unwrap()).unwrap();
                std::fs::write(&p, used.content).unwrap();
            }
        }
    }
    let mut layout = Vec::new();
    for used in &case.used {
        let shape = match rng.below(3) {
            0 => Shape::Normal,
            _ => SHAPES[rng.below(SHAPES.len())],
        };
        apply(root, used, shape, rng);
        layout.push(format!("{}={shape:?}", used.path));
    }
    let before = state_of(root);
    let mut run = Test::at(root)
        .args(case.args)
        .env("JOB_STATE", root.join("job/state"))
        .env("JOB_PREVIOUS_STATE", root.join("job/prev"))
        .env("JOB_NAME", "myjob")
        .env("SRC_TYPE", "image")
        .env("DST_TYPE", "image")
        .env("TFRES_TYPE", "state")
        .env("X", "1")
        .expect(contract(case.prints))
        .spawn();
    let started = Instant::now();
    while !run.finished() {
        if started.elapsed() > TIMEOUT {
            run.kill();
            let _ = run.try_wait();
            return Err(format!(
                "{} hung with {}",
                case.args.join(" "),
                layout.join(" ")
            ));
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    let (out, verdict) = run.try_wait();
    let status = out.output.status;
    let what = format!("{} with {}", case.args.join(" "), layout.join(" "));
    if let Err(report) = verdict {
        return Err(format!("{what}: the output contract is broken:\n{report}"));
    }
    let code = status.code().unwrap();
    let what = format!("{what}: status {status}, stderr {:?}", out.stderr_str());
    let after = state_of(root);
    let left = temporaries(&after);
    if !left.is_empty() {
        return Err(format!("temporary files left {left:?}: {what}"));
    }
    if code != 0 {
        let d = diff(&before, &after);
        if !d.is_empty() {
            return Err(format!("failed but changed files {d:?}: {what}"));
        }
    }
    Ok(format!("{code}"))
}

#[test]
fn hostile_layouts_never_crash_hang_or_half_write() {
    let seed = std::env::var("SHIPCTL_HOSTILE_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
                | 1
        });
    let count: usize = std::env::var("SHIPCTL_HOSTILE_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(300);
    let budget = Duration::from_secs(
        std::env::var("SHIPCTL_HOSTILE_SECS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(5),
    );
    eprintln!("hostile layouts: seed {seed} (SHIPCTL_HOSTILE_SEED={seed} replays it)");
    let mut rng = Rng(seed);
    let cases = cases();
    let started = Instant::now();
    let mut failures = Vec::new();
    let mut codes = std::collections::BTreeMap::new();
    let mut ran = 0;
    while ran < count && started.elapsed() < budget {
        let case = &cases[rng.below(cases.len())];
        match one(case, &mut rng) {
            Ok(code) => *codes.entry(code).or_insert(0) += 1,
            Err(why) => failures.push(why),
        }
        ran += 1;
    }
    eprintln!(
        "hostile layouts: {ran} runs in {:.1}s, exit statuses {codes:?}",
        started.elapsed().as_secs_f64()
    );
    assert!(
        failures.is_empty(),
        "seed {seed}: {} of {ran} layouts broke the contract:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
