//! State (spec §4 "State"): the `KEY=VALUE` files of `$JOB_STATE`, and the
//! copies between the working folder, the job's state folders and the
//! resources' state folders. `replicate` lives in `replicate.rs`.
//!
//! Every write is atomic (`fsutil`); a name that would leave its folder is a
//! usage error (99) before anything is touched.

use crate::commands::get;
use crate::exit;
use crate::fsutil;
use crate::job::{JobEnv, JobFolder, Operation, Resource, Var};
use crate::platform;
use crate::platform::ShowPath;
use anyhow::Result;
use std::ffi::OsStr;
use std::path::{Component, Path, PathBuf};

// ---------------------------------------------------------------------------
// Argument and environment checks

/// FILE, a path inside a state folder: refuse a `..` component; a leading
/// `/` or `./` is dropped (the path is always taken inside the folder).
fn inside(file: &Path) -> Result<PathBuf> {
    if file.as_os_str().is_empty() {
        return Err(exit::usage("FILE is empty"));
    }
    let mut rel = PathBuf::new();
    for c in file.components() {
        match c {
            Component::Normal(n) => rel.push(n),
            Component::ParentDir => {
                return Err(exit::usage(format!(
                    "FILE {} would leave the state folder (it has a '..' component)",
                    file.shown()
                )));
            }
            Component::RootDir | Component::CurDir | Component::Prefix(_) => {}
        }
    }
    if rel.as_os_str().is_empty() {
        return Err(exit::usage(format!(
            "FILE {} names no file inside the state folder",
            file.shown()
        )));
    }
    Ok(rel)
}

/// The last component of a user path, the name its copy gets.
fn base_name(path: &Path) -> Result<&OsStr> {
    if path.as_os_str().is_empty() {
        return Err(exit::usage("PATH is empty"));
    }
    path.file_name().ok_or_else(|| {
        exit::usage(format!(
            "PATH {} has no file name to copy it under",
            path.shown()
        ))
    })
}

fn non_empty(path: &Path, what: &str) -> Result<()> {
    if path.as_os_str().is_empty() {
        return Err(exit::usage(format!("{what} is empty")));
    }
    Ok(())
}

/// `$JOB_PATH`; unset → exit 1.
pub fn job_path(env: &JobEnv) -> Result<JobFolder> {
    env.job_folder()
        .ok_or_else(|| exit::failure("$JOB_PATH is not set: the job's folders are unknown"))
}

/// Create a folder (and its parents) that a command writes into; a folder
/// that is there already is used as it is (its links followed).
pub fn ensure_folder(dir: &Path) -> Result<()> {
    fsutil::create_folder(dir, None)
}

/// Whether something is at a path (a symlink: at its target). A link loop
/// is an error, not "missing".
fn exists(path: &Path) -> Result<bool> {
    Ok(fsutil::Target::resolve(path)?.kind() != fsutil::Kind::Missing)
}

// ---------------------------------------------------------------------------
// KEY=VALUE files

/// `KEY=VALUE\n`; an empty KEY, or a line break (LF or CR) in KEY or VALUE
/// → 99: the env-file reader (`--env-file`, the platform's) ends a line at
/// either, so it would forge another `KEY=VALUE` line.
fn pair_line(key: &[u8], value: &[u8]) -> Result<Vec<u8>> {
    if key.is_empty() {
        return Err(exit::usage("KEY is empty"));
    }
    let breaks = |b: &[u8]| b.iter().any(|&c| c == b'\n' || c == b'\r');
    if breaks(key) {
        return Err(exit::usage("KEY contains a line break (LF or CR)"));
    }
    if breaks(value) {
        return Err(exit::usage(
            "VALUE contains a line break (LF or CR), which would start another KEY=VALUE line",
        ));
    }
    let mut line = Vec::with_capacity(key.len() + value.len() + 2);
    line.extend_from_slice(key);
    line.push(b'=');
    line.extend_from_slice(value);
    line.push(b'\n');
    Ok(line)
}

/// The lines of the `_multi` commands: every argument split on white space,
/// every token a `KEY=VALUE`; none at all → 99.
fn multi_lines(args: &[std::ffi::OsString]) -> Result<Vec<u8>> {
    let mut lines = Vec::new();
    for arg in args {
        let arg = platform::bytes(arg);
        if arg.is_empty() {
            return Err(exit::usage("an argument is empty"));
        }
        for token in arg.split(u8::is_ascii_whitespace).filter(|t| !t.is_empty()) {
            let Some(eq) = token.iter().position(|&b| b == b'=') else {
                return Err(exit::usage(format!(
                    "{:?} is not a KEY=VALUE pair",
                    String::from_utf8_lossy(token)
                )));
            };
            if eq == 0 {
                return Err(exit::usage(format!(
                    "{:?} has an empty KEY",
                    String::from_utf8_lossy(token)
                )));
            }
            lines.extend_from_slice(token);
            lines.push(b'\n');
        }
    }
    if lines.is_empty() {
        return Err(exit::usage("no KEY=VALUE pair given"));
    }
    Ok(lines)
}

/// Replace (`append` false) or extend `$JOB_STATE/RES.env` with `lines`.
///
/// The state folder is locked (flock on the folder, so no lock file is left
/// in it) around the read-check-write, so concurrent writers all land. The
/// new content goes through the write path (`fsutil`): links followed, a
/// FIFO or folder refused, renamed over the old file (or written in place
/// over a bind-mounted one), unsynced.
fn write_state(r: &Resource, lines: &[u8], append: bool) -> Result<()> {
    let dir = r.env.job_state()?;
    ensure_folder(&dir)?;
    let path = r.state_env_file(&dir);
    let _lock = fsutil::lock_folder(&dir)?;
    let target = fsutil::Target::resolve(&path)?;
    target.check_file()?;
    let mut content = Vec::new();
    if append {
        content = target.read()?.unwrap_or_default();
        // The last line keeps its own line (`A=1` + `B 2` → `A=1\nB=2\n`).
        if content.last().is_some_and(|&b| b != b'\n') {
            content.push(b'\n');
        }
    }
    content.extend_from_slice(lines);
    target.write(&content, fsutil::WriteOptions::PUBLIC.unsynced())?;
    Ok(())
}

/// post_resource_state / put_resource_state.
pub fn resource_state(
    env: &JobEnv,
    res: &str,
    key: &OsStr,
    value: &OsStr,
    append: bool,
) -> Result<()> {
    let r = env.resource(res);
    r.check_folder_name()?;
    let line = pair_line(platform::bytes(key), platform::bytes(value))?;
    write_state(&r, &line, append)
}

/// post_resource_state_multi / put_resource_state_multi.
pub fn resource_state_multi(
    env: &JobEnv,
    res: &str,
    pairs: &[std::ffi::OsString],
    append: bool,
) -> Result<()> {
    let r = env.resource(res);
    r.check_folder_name()?;
    let lines = multi_lines(pairs)?;
    write_state(&r, &lines, append)
}

// ---------------------------------------------------------------------------
// Copies

/// Copy `src` to TO the way `cp -r` does: into TO when TO is an existing
/// folder (or ends with `/`, created then), else to TO itself.
fn copy_to(src: &Path, to: &Path) -> Result<()> {
    fsutil::check_copy_source(src)?;
    let into_folder = fsutil::Target::resolve(to)?.kind() == fsutil::Kind::Folder
        || platform::ends_with_separator(to);
    let dst = if into_folder {
        fsutil::refuse_copy_into_itself(src, to)?;
        ensure_folder(to)?;
        let name = src.file_name().ok_or_else(|| {
            exit::failure(format!("{} has no file name to copy it under", src.shown()))
        })?;
        to.join(name)
    } else {
        to.to_path_buf()
    };
    fsutil::copy_path(src, &dst)
}

/// copy_file_to_state PATH.
pub fn copy_file_to_state(env: &JobEnv, path: &Path) -> Result<()> {
    let name = base_name(path)?;
    let dir = env.job_state()?;
    if !exists(path)? {
        return Err(exit::failure(format!("{} not found", path.shown())));
    }
    fsutil::check_copy_source(path)?;
    fsutil::refuse_copy_into_itself(path, &dir)?;
    ensure_folder(&dir)?;
    fsutil::copy_path(path, &dir.join(name))
}

/// copy_file_from_prev_state FILE TO.
pub fn copy_file_from_prev_state(env: &JobEnv, file: &Path, to: &Path) -> Result<()> {
    let rel = inside(file)?;
    non_empty(to, "TO")?;
    let prev = env.path_var("JOB_PREVIOUS_STATE").ok_or_else(|| {
        exit::failure("$JOB_PREVIOUS_STATE is not set: there is no previous state to copy from")
    })?;
    let src = prev.join(&rel);
    if !exists(&src)? {
        crate::diag::notice(format_args!(
            "{} is not in the previous state ({}): nothing copied",
            file.shown(),
            src.shown()
        ));
        return Ok(());
    }
    copy_to(&src, to)
}

/// refresh_file_to_state PATH.
pub fn refresh_file_to_state(env: &JobEnv, path: &Path) -> Result<()> {
    let name = base_name(path)?;
    let dir = env.job_state()?;
    let src = if exists(path)? {
        path.to_path_buf()
    } else {
        let prev = env
            .path_var("JOB_PREVIOUS_STATE")
            .map(|p| p.join(name))
            .map(|p| exists(&p).map(|e| e.then_some(p)))
            .transpose()?
            .flatten();
        match prev {
            Some(p) => p,
            None => {
                crate::diag::notice(format_args!(
                    "{} exists neither here nor in the previous state: nothing copied",
                    path.shown()
                ));
                return Ok(());
            }
        }
    };
    fsutil::check_copy_source(&src)?;
    fsutil::refuse_copy_into_itself(&src, &dir)?;
    ensure_folder(&dir)?;
    fsutil::copy_path(&src, &dir.join(name))
}

/// copy_file_from_resource_state RES FILE TO (and its alias).
pub fn copy_file_from_resource_state(
    env: &JobEnv,
    res: &str,
    file: &Path,
    to: &Path,
) -> Result<()> {
    let r = env.resource(res);
    r.check_folder_name()?;
    let rel = inside(file)?;
    non_empty(to, "TO")?;
    let job = job_path(env)?;
    let Some(ty) = get::resource_type(&r)? else {
        return Err(exit::usage(format!(
            "the type of resource {res} is unknown: ${} is not set and {} has none",
            r.var_name(Var::Type),
            r.file("version.json").shown()
        )));
    };
    let src = job.files_folder(Operation::In, &r, &ty)?.join(&rel);
    if !exists(&src)? {
        crate::diag::notice(format_args!(
            "{} is not in the state of {res} ({}): nothing copied",
            file.shown(),
            src.shown()
        ));
        return Ok(());
    }
    copy_to(&src, to)
}

/// copy_file_to_resource_state PATH RES (and its alias).
pub fn copy_file_to_resource_state(env: &JobEnv, path: &Path, res: &str) -> Result<()> {
    let name = base_name(path)?;
    let r = env.resource(res);
    r.check_folder_name()?;
    let job = job_path(env)?;
    let out = job.resource_folder(Operation::Out, &r);
    if !out.is_dir() {
        return Err(exit::usage(format!(
            "{} not found: {res} is not an OUT resource of this job",
            out.shown()
        )));
    }
    let src = if exists(path)? {
        path.to_path_buf()
    } else {
        let from_in = job.state_folder(Operation::In, &r).join(name);
        if !exists(&from_in)? {
            crate::diag::notice(format_args!(
                "{} exists neither here nor in {}: nothing copied",
                path.shown(),
                from_in.shown()
            ));
            return Ok(());
        }
        from_in
    };
    let state = job.state_folder(Operation::Out, &r);
    fsutil::check_copy_source(&src)?;
    fsutil::refuse_copy_into_itself(&src, &state)?;
    ensure_folder(&state)?;
    fsutil::copy_path(&src, &state.join(name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsString;

    #[test]
    fn files_inside_a_state_folder() {
        assert_eq!(inside(Path::new("a/b")).unwrap(), Path::new("a/b"));
        assert_eq!(inside(Path::new("/a/./b")).unwrap(), Path::new("a/b"));
        assert_eq!(inside(Path::new("./x")).unwrap(), Path::new("x"));
        for bad in ["..", "../x", "a/../b", "/", ".", ""] {
            assert!(inside(Path::new(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn pairs() {
        assert_eq!(pair_line(b"K", b"").unwrap(), b"K=\n");
        assert_eq!(pair_line(b"-n", b"a=b c").unwrap(), b"-n=a=b c\n");
        assert!(pair_line(b"", b"v").is_err());
        assert!(pair_line(b"K", b"a\nb").is_err());
        assert!(pair_line(b"K\nX", b"v").is_err());
    }

    #[test]
    fn multi() {
        let args = |a: &[&str]| a.iter().map(OsString::from).collect::<Vec<_>>();
        assert_eq!(
            multi_lines(&args(&["A=1\t\tB=2   C=3", "D= \n"])).unwrap(),
            b"A=1\nB=2\nC=3\nD=\n"
        );
        assert!(multi_lines(&args(&["A=1 oops"])).is_err());
        assert!(multi_lines(&args(&[" "])).is_err());
        assert!(multi_lines(&args(&["=v"])).is_err());
        assert!(multi_lines(&args(&["A=1", ""])).is_err());
    }
}
