//! A small builder for running the binary hermetically:
//! `Test::new().env("K", "v").args(["get_resource_id", "res"]).run().stdout("v\n").success()`.
#![allow(dead_code)]

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The binary in a hermetic environment rooted at `root`: only PATH,
/// HOME=`<root>/home`, LANG=C.UTF-8 and JOB_PATH=`<root>/job` are set, and
/// the working folder is `<root>/work`. Every test sandbox starts here.
pub fn shipctl(root: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_shipctl"));
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", root.join("home"))
        .env("LANG", "C.UTF-8")
        .env("JOB_PATH", root.join("job"))
        .current_dir(root.join("work"));
    cmd
}

pub struct Test {
    pub dir: tempfile::TempDir,
    cmd: Command,
    stdin: Vec<u8>,
}

impl Test {
    /// A clean environment: PATH, HOME (a fresh folder), LANG and JOB_PATH
    /// (`<tmp>/job`); cwd `<tmp>/work`.
    pub fn new() -> Test {
        let dir = tempfile::tempdir().unwrap();
        for sub in ["job", "home", "work"] {
            std::fs::create_dir(dir.path().join(sub)).unwrap();
        }
        let cmd = shipctl(dir.path());
        Test {
            dir,
            cmd,
            stdin: Vec::new(),
        }
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn job(&self) -> PathBuf {
        self.dir.path().join("job")
    }

    pub fn work(&self) -> PathBuf {
        self.dir.path().join("work")
    }

    pub fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    pub fn env(mut self, k: impl Into<OsString>, v: impl Into<OsString>) -> Test {
        self.cmd.env(k.into(), v.into());
        self
    }

    pub fn args<I, S>(mut self, args: I) -> Test
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        self.cmd.args(args.into_iter().map(Into::into));
        self
    }

    pub fn stdin(mut self, input: impl Into<Vec<u8>>) -> Test {
        self.stdin = input.into();
        self
    }

    /// Write a file (parents created); a relative path is under the root.
    pub fn file(self, path: impl AsRef<Path>, content: impl AsRef<[u8]>) -> Test {
        let p = self.dir.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
        self
    }

    pub fn run(mut self) -> Outcome {
        use std::io::Write;
        let mut child = self
            .cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut input = child.stdin.take().unwrap();
        let data = std::mem::take(&mut self.stdin);
        let writer = std::thread::spawn(move || {
            let _ = input.write_all(&data);
        });
        let output = child.wait_with_output().unwrap();
        writer.join().unwrap();
        Outcome {
            output,
            _test: self,
        }
    }
}

pub struct Outcome {
    pub output: Output,
    _test: Test,
}

impl Outcome {
    pub fn code(&self) -> i32 {
        self.output.status.code().unwrap_or(-1)
    }

    pub fn stdout_str(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }

    pub fn stderr_str(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }

    #[track_caller]
    pub fn stdout(self, want: impl AsRef<[u8]>) -> Outcome {
        assert_eq!(
            String::from_utf8_lossy(&self.output.stdout),
            String::from_utf8_lossy(want.as_ref()),
            "stdout differs; stderr: {}",
            self.stderr_str()
        );
        self
    }

    #[track_caller]
    pub fn stderr(self, want: &str) -> Outcome {
        assert_eq!(self.stderr_str(), want);
        self
    }

    #[track_caller]
    pub fn stderr_contains(self, part: &str) -> Outcome {
        assert!(
            self.stderr_str().contains(part),
            "stderr {:?} lacks {part:?}",
            self.stderr_str()
        );
        self
    }

    #[track_caller]
    pub fn exit(self, code: i32) -> Outcome {
        assert_eq!(
            self.code(),
            code,
            "stdout: {} stderr: {}",
            self.stdout_str(),
            self.stderr_str()
        );
        self
    }

    #[track_caller]
    pub fn success(self) -> Outcome {
        self.exit(0)
    }
}

/// A test (or a part of one) that cannot run here because `why` — a tool,
/// root or a namespace is missing: `SKIPPED: <test>: <why>` on stderr and
/// the test goes on without it; under `CI=true`, where `.ci/run` installs
/// everything, a failure instead.
#[track_caller]
pub fn unavailable(test: &str, why: &str) {
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("{test}: cannot run because {why}, and CI=true");
    }
    eprintln!("SKIPPED: {test}: {why}");
}

/// Does `program` start (`program --version`; elvish: `-version`)? When it
/// does not, [`unavailable`] says so for `test`.
#[track_caller]
pub fn have(program: &str, test: &str) -> bool {
    let arg = if program == "elvish" {
        "-version"
    } else {
        "--version"
    };
    if Command::new(program).arg(arg).output().is_ok() {
        return true;
    }
    unavailable(test, &format!("{program} is not installed"));
    false
}
