//! The AWS CLI's two files: where they are (found as botocore finds them),
//! and a locked, atomic read-modify-write of both. The text edits are in
//! [`ini`].

pub mod ini;

pub mod ecr;
pub mod sigv4;

use crate::job::JobEnv;
use crate::platform::ShowPath;
use crate::{diag, exit, fsutil};
use anyhow::Result;
use std::path::{Path, PathBuf};

/// The credentials and config files of the AWS CLI.
pub struct AwsFiles {
    pub credentials: PathBuf,
    pub config: PathBuf,
}

impl AwsFiles {
    /// `$AWS_SHARED_CREDENTIALS_FILE` and `$AWS_CONFIG_FILE` (with `$VAR` and
    /// `~` expanded, as botocore reads them), else `~/.aws/credentials` and
    /// `~/.aws/config`. A variable that is set but empty is an error: the
    /// AWS CLI cannot write there and botocore reads nothing.
    pub fn locate(env: &JobEnv) -> Result<AwsFiles> {
        Ok(AwsFiles {
            credentials: locate_one(env, "AWS_SHARED_CREDENTIALS_FILE", "credentials")?,
            config: locate_one(env, "AWS_CONFIG_FILE", "config")?,
        })
    }

    fn path(&self, kind: ini::FileKind) -> &Path {
        match kind {
            ini::FileKind::Credentials => &self.credentials,
            ini::FileKind::Config => &self.config,
        }
    }
}

fn locate_one(env: &JobEnv, var: &str, name: &str) -> Result<PathBuf> {
    match env.path_var_raw(var) {
        Some(v) if v.is_empty() => Err(exit::failure(format!(
            "${var} is set but empty; unset it or set it to a file"
        ))),
        Some(v) => Ok(match v.to_str() {
            Some(s) => PathBuf::from(expand_user(env, &expand_vars(env, s))),
            None => PathBuf::from(v),
        }),
        None => {
            let home = env
                .home()
                .ok_or_else(|| exit::failure("no home folder found for ~/.aws"))?;
            Ok(home.join(".aws").join(name))
        }
    }
}

/// Python's `os.path.expandvars`: `$NAME` and `${NAME}` of set variables are
/// replaced; anything else is kept as written.
fn expand_vars(env: &JobEnv, s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let (name, len) = if let Some(braced) = after.strip_prefix('{') {
            match braced.find('}') {
                Some(end) => (&braced[..end], end + 2),
                None => ("", 0),
            }
        } else {
            let n = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            (&after[..n], n)
        };
        match env.raw(name).and_then(|v| v.to_str()) {
            Some(v) if len > 0 && !name.is_empty() => {
                out.push_str(v);
                rest = &after[len..];
            }
            _ => {
                out.push('$');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Python's `os.path.expanduser` as botocore uses it on this platform
/// ([`crate::user::expand_user`]) over the job's variables.
fn expand_user(env: &JobEnv, s: &str) -> String {
    crate::user::expand_user(|name| env.raw(name), s)
}

/// The two files' texts as read under the lock; `None` for a missing file.
pub struct Texts {
    pub credentials: Option<String>,
    pub config: Option<String>,
}

/// New texts to write; `None` leaves a file untouched.
pub struct Edits {
    pub credentials: Option<String>,
    pub config: Option<String>,
}

/// Read both files under an exclusive lock, refuse unless botocore can parse
/// both, let `edit` compute the new texts, and write the changed ones
/// through the write path (`fsutil`): both or neither, links followed, a
/// FIFO or folder in place of a file refused before anything is read, a
/// bind-mounted file written in place. With `create`, missing folders are
/// created (0700) and new files are 0600; without it nothing is created (a
/// missing folder means there is nothing to edit).
pub fn update(
    files: &AwsFiles,
    create: bool,
    edit: impl FnOnce(&Texts) -> Result<Edits>,
) -> Result<()> {
    let kinds = [ini::FileKind::Credentials, ini::FileKind::Config];
    // Nothing is created or locked before both paths are known to be
    // files (or missing).
    for kind in kinds {
        fsutil::Target::resolve(files.path(kind))?.check_file()?;
    }
    let mut to_lock: Vec<&Path> = Vec::new();
    for kind in kinds {
        let path = files.path(kind);
        let target = fsutil::Target::resolve(path)?;
        if !target.folder().is_dir() {
            if !create {
                continue;
            }
            fsutil::create_folder(target.folder(), Some(0o700))?;
        }
        to_lock.push(path);
    }
    let _locks = fsutil::lock_files(&to_lock)?;
    // Under the locks: what is there now.
    let credentials = fsutil::Target::resolve(&files.credentials)?;
    let config = fsutil::Target::resolve(&files.config)?;
    let read = |target: &fsutil::Target| -> Result<Option<String>> {
        let Some(bytes) = target.read()? else {
            return Ok(None);
        };
        let refuse = |e: ini::IniError| {
            exit::failure(format!(
                "{}: {e}; fix or remove that file first (nothing was changed)",
                target.requested().shown()
            ))
        };
        let text = ini::decode(&bytes).map_err(refuse)?;
        ini::validate_like_botocore(text.as_bytes()).map_err(refuse)?;
        Ok(Some(text.to_string()))
    };
    let texts = Texts {
        credentials: read(&credentials)?,
        config: read(&config)?,
    };
    let edits = edit(&texts)?;
    let mut changes = Vec::new();
    for (kind, target, old, new) in [
        (
            ini::FileKind::Credentials,
            &credentials,
            &texts.credentials,
            &edits.credentials,
        ),
        (ini::FileKind::Config, &config, &texts.config, &edits.config),
    ] {
        let Some(new) = new else { continue };
        if old.as_deref() == Some(new.as_str()) {
            continue;
        }
        if kind == ini::FileKind::Credentials
            && let Some(m) = target.open_to_others()
        {
            diag::warn(format_args!(
                "{} can be read by group or others (mode {m:04o}); consider chmod 600 it",
                target.requested().shown()
            ));
        }
        // New files are 0600 whatever the umask; existing ones keep their mode.
        changes.push(fsutil::Change {
            target,
            data: new.as_bytes(),
            options: fsutil::WriteOptions::PRIVATE,
        });
    }
    fsutil::write_together(&changes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &[(&str, &str)]) -> JobEnv {
        JobEnv::new(vars.iter().copied())
    }

    #[test]
    fn expands_like_python() {
        let e = env(&[("HOME", "/h/"), ("X", "x1"), ("E", "")]);
        assert_eq!(
            expand_vars(&e, "$X/${X}/$NOPE/${NOPE}/$/$E."),
            "x1/x1/$NOPE/${NOPE}/$/."
        );
        assert_eq!(expand_vars(&e, "a${X"), "a${X");
        if cfg!(windows) {
            // ntpath: %USERPROFILE%, `\` ends the name too, `~user` beside it.
            let e = env(&[("USERPROFILE", r"C:\Users\me"), ("USERNAME", "me")]);
            assert_eq!(expand_user(&e, "~/c"), r"C:\Users\me/c");
            assert_eq!(expand_user(&e, r"~\c"), r"C:\Users\me\c");
            assert_eq!(expand_user(&e, "~"), r"C:\Users\me");
            assert_eq!(expand_user(&e, "~bob/c"), r"C:\Users\bob/c");
            assert_eq!(expand_user(&e, "a/~/c"), "a/~/c");
            let e = env(&[("HOMEDRIVE", "D:"), ("HOMEPATH", r"\h")]);
            assert_eq!(expand_user(&e, "~/c"), r"D:\h/c");
            assert_eq!(expand_user(&env(&[]), "~/c"), "~/c");
            return;
        }
        assert_eq!(expand_user(&e, "~/c"), "/h/c");
        assert_eq!(expand_user(&e, "~"), "/h");
        assert_eq!(expand_user(&e, "a/~/c"), "a/~/c");
        assert_eq!(expand_user(&e, "~root/c"), "/root/c");
        assert_eq!(expand_user(&e, "~no-such-user-x/c"), "~no-such-user-x/c");
    }

    #[test]
    fn empty_variable_is_an_error() {
        let e = env(&[("HOME", "/h"), ("AWS_CONFIG_FILE", "")]);
        assert!(AwsFiles::locate(&e).is_err());
        let e = env(&[("HOME", "/h"), ("AWS_CONFIG_FILE", "$HOME/cfg")]);
        assert_eq!(AwsFiles::locate(&e).unwrap().config, Path::new("/h/cfg"));
    }
}
