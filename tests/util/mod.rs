//! The one test harness: every run of the binary goes through [`Test`],
//! which asserts its exit status, stdout and stderr together (as casey/just's
//! tests do). What a test does not say is expected to be nothing: status 0,
//! empty stdout, empty stderr.
//!
//! ```ignore
//! Test::new()
//!     .env("RES_ID", "7")
//!     .args(["get_resource_id", "res"])
//!     .stdout("7\n")
//!     .run();
//! Test::new()
//!     .args(["get_resource_id"])
//!     .status(99)
//!     .stderr(pattern("shipctl: error: [..]\n"))
//!     .run();
//! ```
//!
//! Output that is long or varies from run to run is checked by a named
//! [`Matcher`] ([`pattern`], [`json`], [`contains`], [`matching`]), never
//! left out. The rule for a test that needs a tool, root or a namespace is
//! [`skip`] (with [`have`] and [`can_mount`]).
#![allow(dead_code)]

use std::ffi::OsString;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStderr, Command, ExitStatus, Output, Stdio};
use std::sync::{Arc, OnceLock};

/// The binary under test: the one cargo built with this test, or the file
/// named by `SHIPCTL_TEST_BIN` — another build of the same source, such as
/// `target/aarch64-unknown-linux-musl/release/shipctl` (with its runner in
/// `SHIPCTL_TEST_RUNNER`): the tests then drive that binary.
pub fn binary() -> &'static str {
    static BINARY: OnceLock<String> = OnceLock::new();
    BINARY.get_or_init(|| match std::env::var_os("SHIPCTL_TEST_BIN") {
        Some(p) if !p.is_empty() => std::fs::canonicalize(&p)
            .unwrap_or_else(|e| panic!("SHIPCTL_TEST_BIN={}: {e}", p.to_string_lossy()))
            .to_str()
            .unwrap()
            .to_string(),
        _ => env!("CARGO_BIN_EXE_shipctl").to_string(),
    })
}

/// The runner that starts the binary under test, from the variable
/// `SHIPCTL_TEST_RUNNER`: a program (found on PATH now, so that a test's own
/// PATH cannot lose it) and its arguments, separated by spaces — e.g.
/// `qemu-aarch64` when the binary is built for aarch64 on an x86-64 host.
/// `None` (unset or empty): the binary runs directly.
pub fn runner() -> Option<&'static [String]> {
    static RUNNER: OnceLock<Option<Vec<String>>> = OnceLock::new();
    RUNNER
        .get_or_init(|| {
            let words = std::env::var("SHIPCTL_TEST_RUNNER").unwrap_or_default();
            let mut words: Vec<String> = words.split_whitespace().map(String::from).collect();
            let program = words.first_mut()?;
            if !program.contains('/') {
                let path = std::env::var_os("PATH").unwrap_or_default();
                let found = std::env::split_paths(&path)
                    .map(|dir| dir.join(&*program))
                    .find(|p| p.is_file())
                    .unwrap_or_else(|| panic!("SHIPCTL_TEST_RUNNER: {program} is not on PATH"));
                *program = found.to_str().unwrap().to_string();
            }
            Some(words)
        })
        .as_deref()
}

/// A command that starts the binary under test (through the runner, if
/// any), with the test process's environment and working folder. Every
/// start of the binary itself begins here (and is run by [`Test`]).
pub fn command() -> Command {
    match runner() {
        Some([program, args @ ..]) => {
            let mut cmd = Command::new(program);
            cmd.args(args).arg(binary());
            cmd
        }
        _ => Command::new(binary()),
    }
}

/// The path of an executable file that runs the binary under test, for
/// whatever starts it by path or name — a shell script (`"$SHIPCTL" …`), a
/// `credential_process` line, PATH (see [`bin_dir`]): the binary itself, or
/// under a runner a wrapper script `shipctl` that execs the runner with it.
pub fn bin() -> &'static str {
    static BIN: OnceLock<String> = OnceLock::new();
    BIN.get_or_init(|| {
        let Some(words) = runner() else {
            return binary().to_string();
        };
        let quote = |w: &str| format!("'{}'", w.replace('\'', r"'\''"));
        let mut line: Vec<String> = words.iter().map(|w| quote(w)).collect();
        line.push(quote(binary()));
        let script = format!("#!/bin/sh\nexec {} \"$@\"\n", line.join(" "));
        // Beside the binary, in a folder of its own (named `shipctl` for
        // PATH); written to a temporary name and renamed, so that concurrent
        // test processes never see half a script.
        let dir = Path::new(binary()).parent().unwrap().join("test-runner");
        std::fs::create_dir_all(&dir).unwrap();
        let wrapper = dir.join("shipctl");
        let tmp = dir.join(format!(".shipctl.{}", std::process::id()));
        std::fs::write(&tmp, script).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::rename(&tmp, &wrapper).unwrap();
        wrapper.to_str().unwrap().to_string()
    })
}

/// A folder whose `shipctl` is the binary under test (see [`bin`]), to put
/// first on PATH.
pub fn bin_dir() -> &'static Path {
    Path::new(bin()).parent().unwrap()
}

/// The binary in a hermetic environment rooted at `root`: only PATH,
/// HOME=`<root>/home`, LANG=C.UTF-8 and JOB_PATH=`<root>/job` are set, and
/// the working folder is `<root>/work`. Every test sandbox starts here.
pub fn shipctl(root: &Path) -> Command {
    hermetic(command(), root)
}

/// `cmd` (a shell, say, that runs the binary) in the hermetic environment of
/// [`shipctl`] rooted at `root`.
pub fn hermetic(mut cmd: Command, root: &Path) -> Command {
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", root.join("home"))
        .env("LANG", "C.UTF-8")
        .env("JOB_PATH", root.join("job"))
        .current_dir(root.join("work"));
    cmd
}

// ---------------------------------------------------------------------------
// Expectations

/// How a run must check one output stream: byte for byte, or by a named
/// rule that says what it checks (shown when it fails).
#[derive(Clone)]
pub enum Matcher {
    Exact(Vec<u8>),
    Named(String, Rule),
}

/// The rule of a named [`Matcher`]: does it accept these bytes?
pub type Rule = Arc<dyn Fn(&[u8]) -> bool + Send + Sync>;

impl Matcher {
    fn accepts(&self, got: &[u8]) -> bool {
        match self {
            Matcher::Exact(want) => got == want.as_slice(),
            Matcher::Named(_, check) => check(got),
        }
    }

    fn describe(&self) -> String {
        match self {
            Matcher::Exact(want) => format!("{:?}", String::from_utf8_lossy(want)),
            Matcher::Named(name, _) => name.clone(),
        }
    }
}

impl From<&str> for Matcher {
    fn from(s: &str) -> Matcher {
        Matcher::Exact(s.as_bytes().to_vec())
    }
}

impl From<String> for Matcher {
    fn from(s: String) -> Matcher {
        Matcher::Exact(s.into_bytes())
    }
}

impl From<&String> for Matcher {
    fn from(s: &String) -> Matcher {
        Matcher::Exact(s.as_bytes().to_vec())
    }
}

impl From<&[u8]> for Matcher {
    fn from(b: &[u8]) -> Matcher {
        Matcher::Exact(b.to_vec())
    }
}

impl From<Vec<u8>> for Matcher {
    fn from(b: Vec<u8>) -> Matcher {
        Matcher::Exact(b)
    }
}

impl<const N: usize> From<&[u8; N]> for Matcher {
    fn from(b: &[u8; N]) -> Matcher {
        Matcher::Exact(b.to_vec())
    }
}

/// A named rule on the stream's text (decoded lossily).
pub fn matching(
    name: impl Into<String>,
    f: impl Fn(&str) -> bool + Send + Sync + 'static,
) -> Matcher {
    Matcher::Named(
        name.into(),
        Arc::new(move |b| f(&String::from_utf8_lossy(b))),
    )
}

/// The text line for line as `pattern`, where `[..]` stands for any text
/// within a line (cargo's test convention), and nothing else differs.
pub fn pattern(pattern: impl Into<String>) -> Matcher {
    let pattern = pattern.into();
    let name = format!("the pattern {pattern:?} ([..]: any text within a line)");
    matching(name, move |text| pattern_matches(&pattern, text))
}

/// Does `text` match `pattern` (see [`pattern`])?
pub fn pattern_matches(pattern: &str, text: &str) -> bool {
    fn line(pattern: &str, text: &str) -> bool {
        let mut parts = pattern.split("[..]");
        let first = parts.next().unwrap_or_default();
        let Some(mut rest) = text.strip_prefix(first) else {
            return false;
        };
        let parts: Vec<&str> = parts.collect();
        for (i, part) in parts.iter().enumerate() {
            if i + 1 == parts.len() {
                return rest.ends_with(part);
            }
            match rest.find(part) {
                Some(at) => rest = &rest[at + part.len()..],
                None => return false,
            }
        }
        rest.is_empty()
    }
    let (p, t): (Vec<&str>, Vec<&str>) =
        (pattern.split('\n').collect(), text.split('\n').collect());
    p.len() == t.len() && p.iter().zip(&t).all(|(p, t)| line(p, t))
}

/// The text holds `part` somewhere: for long output (help text, a trace)
/// whose one line is what the test is about.
pub fn contains(part: impl Into<String>) -> Matcher {
    let part = part.into();
    matching(format!("text containing {part:?}"), move |t| {
        t.contains(&part)
    })
}

/// Does `stderr` keep the error contract (GUIDE, src/diag.rs): one
/// `shipctl: error: …` line, whole, first — clap's usage lines may follow a
/// usage error — and no other `shipctl:` line?
pub fn is_error_line(stderr: &str) -> bool {
    stderr.starts_with("shipctl: error: ")
        && stderr.ends_with('\n')
        && stderr.lines().filter(|l| l.starts_with("shipctl:")).count() == 1
}

/// The error contract as a matcher (see [`is_error_line`]): for a refusal
/// whose words another test states, or whose paths vary.
pub fn error_line() -> Matcher {
    matching(
        "one `shipctl: error: …` line (clap's usage lines may follow)",
        is_error_line,
    )
}

/// Does `stderr` hold only what a successful run may say: whole
/// `shipctl: ` lines (what was done, a warning), none an error, or nothing?
pub fn is_notes(stderr: &str) -> bool {
    (stderr.is_empty() || stderr.ends_with('\n'))
        && stderr
            .lines()
            .all(|l| l.starts_with("shipctl: ") && !l.starts_with("shipctl: error: "))
}

/// [`is_notes`] as a matcher: for a success whose words another test
/// states.
pub fn notes() -> Matcher {
    matching(
        "nothing, or whole `shipctl: ` lines, none an error",
        is_notes,
    )
}

/// Anything: for a stream the test itself compares right after the run (a
/// list of lines, a parsed document), which `what` names.
pub fn compared_below(what: impl Into<String>) -> Matcher {
    matching(
        format!("{} (compared by the test below)", what.into()),
        |_| true,
    )
}

/// One JSON document equal to `want` (numbers by value, object keys in any
/// order, as serde_json compares them).
pub fn json(want: serde_json::Value) -> Matcher {
    let name = format!("the JSON document {want}");
    matching(name, move |t| {
        serde_json::from_str::<serde_json::Value>(t).is_ok_and(|got| got == want)
    })
}

/// How a run must end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Exited with this code.
    Code(i32),
    /// Killed by this signal.
    Signal(i32),
}

impl Status {
    pub fn of(status: &ExitStatus) -> Status {
        use std::os::unix::process::ExitStatusExt;
        match status.code() {
            Some(c) => Status::Code(c),
            None => Status::Signal(status.signal().unwrap_or(0)),
        }
    }
}

/// What a run must show: its exit status, stdout and stderr, checked
/// together. Unsaid: status 0 and nothing on either stream.
#[derive(Clone)]
pub struct Expect {
    status: Status,
    stdout: Matcher,
    stderr: Matcher,
    /// Another acceptable outcome (a run that may be killed, say).
    or: Option<Box<Expect>>,
}

impl Default for Expect {
    fn default() -> Expect {
        Expect {
            status: Status::Code(0),
            stdout: Matcher::Exact(Vec::new()),
            stderr: Matcher::Exact(Vec::new()),
            or: None,
        }
    }
}

impl Expect {
    pub fn new() -> Expect {
        Expect::default()
    }

    pub fn status(mut self, code: i32) -> Expect {
        self.status = Status::Code(code);
        self
    }

    pub fn signal(mut self, signal: i32) -> Expect {
        self.status = Status::Signal(signal);
        self
    }

    pub fn stdout(mut self, m: impl Into<Matcher>) -> Expect {
        self.stdout = m.into();
        self
    }

    pub fn stderr(mut self, m: impl Into<Matcher>) -> Expect {
        self.stderr = m.into();
        self
    }

    /// `other` is acceptable too.
    pub fn or(mut self, other: Expect) -> Expect {
        let mut last = &mut self.or;
        while let Some(next) = last {
            last = &mut next.or;
        }
        *last = Some(Box::new(other));
        self
    }

    /// `Ok` when the three parts are as expected (or as an alternative
    /// says); otherwise all three, expected and found, one line each.
    pub fn verify(&self, status: Status, stdout: &[u8], stderr: &[u8]) -> Result<(), String> {
        let mut report = String::new();
        let mut alternative = Some(self);
        while let Some(e) = alternative {
            let ok = [
                e.status == status,
                e.stdout.accepts(stdout),
                e.stderr.accepts(stderr),
            ];
            if ok.iter().all(|&x| x) {
                return Ok(());
            }
            if !report.is_empty() {
                report.push_str("or:\n");
            }
            let mark = |ok: bool| if ok { "  " } else { "✗ " };
            let _ = writeln!(
                report,
                "{}status: want {:?}, got {status:?}",
                mark(ok[0]),
                e.status
            );
            for (ok, name, m, got) in [
                (ok[1], "stdout", &e.stdout, stdout),
                (ok[2], "stderr", &e.stderr, stderr),
            ] {
                let got = String::from_utf8_lossy(got);
                match ok {
                    true => {
                        let _ = writeln!(report, "  {name}: {got:?}");
                    }
                    false => {
                        let _ = writeln!(
                            report,
                            "✗ {name}: want {}\n          got {got:?}",
                            m.describe()
                        );
                    }
                }
            }
            alternative = e.or.as_deref();
        }
        Err(report)
    }

    /// Panics (naming `what`) unless [`Expect::verify`] passes.
    #[track_caller]
    pub fn check(&self, what: &str, output: &Output) {
        if let Err(report) = self.verify(Status::of(&output.status), &output.stdout, &output.stderr)
        {
            panic!("{what}:\n{report}");
        }
    }
}

// ---------------------------------------------------------------------------
// The builder

/// One run of the binary (or of a program that runs it, such as a shell
/// script), with what it must show.
pub struct Test {
    dir: Option<tempfile::TempDir>,
    root: Option<PathBuf>,
    cmd: Command,
    stdin: Vec<u8>,
    expect: Expect,
}

impl Default for Test {
    fn default() -> Test {
        Test::new()
    }
}

impl Test {
    /// A fresh sandbox: `<tmp>/job`, `<tmp>/home`, `<tmp>/work`, and the
    /// hermetic environment of [`shipctl`].
    pub fn new() -> Test {
        let dir = tempfile::tempdir().unwrap();
        for sub in ["job", "home", "work"] {
            std::fs::create_dir(dir.path().join(sub)).unwrap();
        }
        let mut t = Test::at(dir.path());
        t.dir = Some(dir);
        t
    }

    /// The hermetic binary of [`shipctl`] in a sandbox made elsewhere (its
    /// `work` folder must exist).
    pub fn at(root: &Path) -> Test {
        Test {
            dir: None,
            root: Some(root.to_path_buf()),
            cmd: shipctl(root),
            stdin: Vec::new(),
            expect: Expect::new(),
        }
    }

    /// Any command: the binary set up by hand (see [`command`]), or a shell
    /// or program that runs it.
    pub fn with(cmd: Command) -> Test {
        Test {
            dir: None,
            root: None,
            cmd,
            stdin: Vec::new(),
            expect: Expect::new(),
        }
    }

    pub fn root(&self) -> &Path {
        self.root.as_deref().expect("this Test has no sandbox")
    }

    pub fn job(&self) -> PathBuf {
        self.root().join("job")
    }

    pub fn work(&self) -> PathBuf {
        self.root().join("work")
    }

    pub fn home(&self) -> PathBuf {
        self.root().join("home")
    }

    pub fn env(mut self, k: impl Into<OsString>, v: impl Into<OsString>) -> Test {
        self.cmd.env(k.into(), v.into());
        self
    }

    pub fn envs<K, V>(mut self, vars: impl IntoIterator<Item = (K, V)>) -> Test
    where
        K: Into<OsString>,
        V: Into<OsString>,
    {
        for (k, v) in vars {
            self.cmd.env(k.into(), v.into());
        }
        self
    }

    pub fn env_remove(mut self, k: impl Into<OsString>) -> Test {
        self.cmd.env_remove(k.into());
        self
    }

    pub fn arg(mut self, a: impl Into<OsString>) -> Test {
        self.cmd.arg(a.into());
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

    pub fn current_dir(mut self, dir: impl AsRef<Path>) -> Test {
        self.cmd.current_dir(dir);
        self
    }

    /// What the run reads on stdin (default: nothing, then end of file).
    pub fn stdin(mut self, input: impl Into<Vec<u8>>) -> Test {
        self.stdin = input.into();
        self
    }

    /// Write a file (parents created); a relative path is under the root.
    pub fn file(self, path: impl AsRef<Path>, content: impl AsRef<[u8]>) -> Test {
        let p = self.root().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
        self
    }

    /// The exit code the run must end with (default 0).
    pub fn status(mut self, code: i32) -> Test {
        self.expect = self.expect.status(code);
        self
    }

    /// stdout, exactly or by a [`Matcher`] (default: empty).
    pub fn stdout(mut self, m: impl Into<Matcher>) -> Test {
        self.expect = self.expect.stdout(m);
        self
    }

    /// stderr, exactly or by a [`Matcher`] (default: empty).
    pub fn stderr(mut self, m: impl Into<Matcher>) -> Test {
        self.expect = self.expect.stderr(m);
        self
    }

    /// Everything the run must show at once (for alternatives: [`Expect::or`]).
    pub fn expect(mut self, e: Expect) -> Test {
        self.expect = e;
        self
    }

    fn describe(&self) -> String {
        let words: Vec<String> = std::iter::once(self.cmd.get_program())
            .chain(self.cmd.get_args())
            .map(|w| {
                let w = w.to_string_lossy();
                let plain = !w.is_empty()
                    && !w.contains(|c: char| c.is_whitespace() || c == '\'' || c == '"');
                if plain {
                    w.into_owned()
                } else {
                    format!("{w:?}")
                }
            })
            .collect();
        format!("`{}`", words.join(" "))
    }

    /// Start the run (stdout and stderr captured); [`Running::wait`]
    /// checks it.
    pub fn spawn(mut self) -> Running {
        let mut child = self
            .cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("{}: cannot start: {e}", self.describe()));
        let mut input = child.stdin.take().unwrap();
        let data = std::mem::take(&mut self.stdin);
        let writer = std::thread::spawn(move || {
            let _ = input.write_all(&data);
        });
        Running {
            child,
            writer,
            test: self,
            stderr: None,
        }
    }

    /// Run to the end and check status, stdout and stderr together.
    #[track_caller]
    pub fn run(self) -> Outcome {
        self.spawn().wait()
    }

    /// Run to the end and judge status, stdout and stderr together, for a
    /// loop that collects what differs (a differential test, a matrix):
    /// the verdict is returned, not panicked.
    pub fn try_run(self) -> (Outcome, Result<(), String>) {
        self.spawn().try_wait()
    }
}

/// A started run (see [`Test::spawn`]).
pub struct Running {
    child: Child,
    writer: std::thread::JoinHandle<()>,
    test: Test,
    /// stderr as read so far by [`Running::stderr_line`], and the rest.
    stderr: Option<(Vec<u8>, BufReader<ChildStderr>)>,
}

impl Running {
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// SIGKILL (no error if it already ended).
    pub fn kill(&mut self) {
        let _ = self.child.kill();
    }

    /// Has it ended?
    pub fn finished(&mut self) -> bool {
        self.child.try_wait().unwrap().is_some()
    }

    /// The next line on stderr, read while the run goes on (it still counts
    /// in the stderr that [`Running::wait`] checks).
    pub fn stderr_line(&mut self) -> String {
        let child = &mut self.child;
        let (seen, pipe) = self
            .stderr
            .get_or_insert_with(|| (Vec::new(), BufReader::new(child.stderr.take().unwrap())));
        let mut line = String::new();
        pipe.read_line(&mut line).unwrap();
        seen.extend_from_slice(line.as_bytes());
        line
    }

    /// Wait for the end and check status, stdout and stderr together.
    #[track_caller]
    pub fn wait(self) -> Outcome {
        let (outcome, verdict) = self.try_wait();
        if let Err(report) = verdict {
            panic!("{report}");
        }
        outcome
    }

    /// Wait for the end; the verdict on status, stdout and stderr (see
    /// [`Test::try_run`]).
    pub fn try_wait(self) -> (Outcome, Result<(), String>) {
        let Running {
            child,
            writer,
            test,
            stderr,
        } = self;
        // The rest of a stderr read in part, beside stdout.
        let rest = stderr.map(|(seen, mut pipe)| {
            std::thread::spawn(move || {
                let mut all = seen;
                pipe.read_to_end(&mut all).unwrap();
                all
            })
        });
        let mut output = child.wait_with_output().unwrap();
        if let Some(rest) = rest {
            output.stderr = rest.join().unwrap();
        }
        writer.join().unwrap();
        let verdict = test
            .expect
            .verify(Status::of(&output.status), &output.stdout, &output.stderr)
            .map_err(|report| format!("{}:\n{report}", test.describe()));
        let outcome = Outcome {
            output,
            _dir: test.dir,
            root: test.root,
        };
        (outcome, verdict)
    }
}

/// A checked run: its output, for what the test reads from it, and its
/// sandbox, kept until this is dropped.
pub struct Outcome {
    pub output: Output,
    _dir: Option<tempfile::TempDir>,
    root: Option<PathBuf>,
}

impl Outcome {
    pub fn stdout_str(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }

    pub fn stderr_str(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }

    pub fn root(&self) -> &Path {
        self.root.as_deref().expect("this run had no sandbox")
    }
}

// ---------------------------------------------------------------------------
// Tests that cannot run here

/// The one rule for a test (or a part of one) that cannot run here because
/// `why` — a tool, root or a namespace is missing: `SKIPPED: <test>: <why>`
/// on stderr (written past the test harness's capture, so that `cargo test`
/// shows it) and the test goes on without it; under `CI=true`, where
/// `.ci/run` installs everything, a failure instead.
#[track_caller]
pub fn skip(why: &str) {
    let thread = std::thread::current();
    let test = thread.name().unwrap_or("a test");
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("{test}: cannot run because {why}, and CI=true");
    }
    let _ = writeln!(std::io::stderr(), "SKIPPED: {test}: {why}");
}

/// Does `program` start (`program --version`; elvish: `-version`)? When it
/// does not, [`skip`] says so.
#[track_caller]
pub fn have(program: &str) -> bool {
    let arg = if program == "elvish" {
        "-version"
    } else {
        "--version"
    };
    let started = Command::new(program)
        .arg(arg)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    if !started {
        skip(&format!("{program} is not installed"));
    }
    started
}

/// Root, a private mount namespace (`unshare -m`) and the tools the mount
/// tests use (`mount`, `setpriv`, `mkfifo`, `timeout`); when any is missing
/// [`skip`] says which.
#[track_caller]
pub fn can_mount() -> bool {
    static WHY_NOT: OnceLock<Option<String>> = OnceLock::new();
    let why_not = WHY_NOT.get_or_init(|| {
        let root = Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| o.stdout == b"0\n");
        if !root {
            return Some("mounts need root".into());
        }
        for tool in ["mount", "setpriv", "mkfifo", "timeout"] {
            let found = Command::new("sh")
                .args(["-c", &format!("command -v {tool}")])
                .stdout(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if !found {
                return Some(format!("{tool} is not installed"));
            }
        }
        let works = Command::new("unshare")
            .args(["-m", "--propagation", "private", "true"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        (!works).then(|| "`unshare -m` does not work here".into())
    });
    match why_not {
        Some(why) => {
            skip(why);
            false
        }
        None => true,
    }
}

#[test]
fn the_error_contract_is_one_error_line() {
    assert!(is_error_line("shipctl: error: f.json not found\n"));
    assert!(is_error_line(
        "shipctl: error: the following required arguments were not provided: <RES>\nUsage: shipctl aws_env <RES>\n"
    ));
    assert!(!is_error_line(""));
    assert!(!is_error_line("shipctl: error: half a line"));
    assert!(!is_error_line("shipctl: warning: w\nshipctl: error: e\n"));
    assert!(!is_error_line("shipctl: error: e\nshipctl: error: again\n"));
    assert!(!is_error_line(
        "thread 'main' panicked at src/main.rs:1:1\n"
    ));
}

#[test]
fn patterns_match_within_lines_only() {
    assert!(pattern_matches("a [..] c\n", "a b c\n"));
    assert!(pattern_matches("a [..]\n", "a \n"));
    assert!(pattern_matches("[..]", "anything"));
    assert!(pattern_matches("x[..]y[..]z", "x1y2y3z"));
    assert!(!pattern_matches("a [..] c\n", "a b\nc\n"));
    assert!(!pattern_matches("a [..] c\n", "a b c"));
    assert!(!pattern_matches("ab[..]ba", "aba"));
    assert!(!pattern_matches("exact", "exact\n"));
}
