//! The current user, its home folder and other users' home folders: the
//! one place that asks the system who the user is.
//!
//! - Unix: the C library's `getpwuid_r` / `getpwnam_r` (on musl:
//!   `/etc/passwd`, then nscd), as `whoami`, `dirs::home_dir` and Python's
//!   `os.path.expanduser` do.
//! - Windows: the user profile — `GetUserNameW` for the login name, the
//!   profile folder (std's `home_dir`: `%USERPROFILE%`, else
//!   `GetUserProfileDirectoryW`) — and `~user` as Python's `ntpath` finds
//!   it (the folder of that name beside the current user's).
//!
//! Which of the job's variables give the home folder (`$HOME`;
//! `%USERPROFILE%`, `%HOMEDRIVE%%HOMEPATH%`) is [`home_in`], used by
//! [`crate::job::JobEnv::home`] and by [`expand_user`].

#[cfg(unix)]
pub use unix::*;
#[cfg(windows)]
pub use windows::*;

use std::ffi::OsStr;
use std::path::PathBuf;

#[cfg(unix)]
mod unix {
    use super::*;
    use std::ffi::{CStr, CString};
    use std::os::unix::ffi::OsStrExt;

    /// One entry of the password database: the login name and home folder.
    struct Entry {
        name: Vec<u8>,
        home: Vec<u8>,
    }

    /// Look an entry up with `lookup` (a `getpw*_r` call on the given record
    /// and buffer), growing the buffer while the C library says it is too
    /// small. `None` when there is no such entry or the lookup fails.
    fn entry(
        lookup: impl Fn(*mut libc::passwd, &mut [u8], *mut *mut libc::passwd) -> libc::c_int,
    ) -> Option<Entry> {
        let mut buf = vec![0u8; 1024];
        loop {
            // SAFETY: an all-zero `passwd` (null pointers, zero ids) is a valid
            // value of this plain C struct; it is only read after a success.
            let mut record: libc::passwd = unsafe { std::mem::zeroed() };
            let mut result: *mut libc::passwd = std::ptr::null_mut();
            let rc = lookup(&mut record, &mut buf, &mut result);
            if rc == libc::ERANGE && buf.len() < 1 << 20 {
                buf.resize(buf.len() * 2, 0);
                continue;
            }
            if rc != 0 || result.is_null() {
                return None;
            }
            let text = |p: *const libc::c_char| {
                // SAFETY: on success the C library points the record's strings
                // at NUL-terminated text inside `buf` (or leaves them null).
                (!p.is_null()).then(|| unsafe { CStr::from_ptr(p) }.to_bytes().to_vec())
            };
            return Some(Entry {
                name: text(record.pw_name).unwrap_or_default(),
                home: text(record.pw_dir).unwrap_or_default(),
            });
        }
    }

    /// The entry of user id `uid`.
    fn by_uid(uid: libc::uid_t) -> Option<Entry> {
        entry(|record, buf, result| {
            // SAFETY: `record`, `buf` (with its length) and `result` are valid
            // for writes for the whole call.
            unsafe { libc::getpwuid_r(uid, record, buf.as_mut_ptr().cast(), buf.len(), result) }
        })
    }

    /// The user id the process acts as (what `whoami` names).
    fn effective_uid() -> libc::uid_t {
        // SAFETY: geteuid has no preconditions and cannot fail.
        unsafe { libc::geteuid() }
    }

    /// The home folder of the current user in the password database (`None`
    /// when it has no entry or an empty home). The fallback of
    /// [`crate::job::JobEnv::home`] when `$HOME` is not set.
    pub fn home() -> Option<PathBuf> {
        by_uid(effective_uid())
            .map(|e| e.home)
            .filter(|h| !h.is_empty())
            .map(|h| PathBuf::from(OsStr::from_bytes(&h)))
    }

    /// The home folder of user `name` (for `~name`), `None` when there is no
    /// such user.
    pub fn home_of(name: &str) -> Option<PathBuf> {
        let name = CString::new(name).ok()?;
        let e = entry(|record, buf, result| {
            // SAFETY: `name` is NUL-terminated; `record`, `buf` (with its
            // length) and `result` are valid for writes for the whole call.
            unsafe {
                libc::getpwnam_r(
                    name.as_ptr(),
                    record,
                    buf.as_mut_ptr().cast(),
                    buf.len(),
                    result,
                )
            }
        })?;
        Some(PathBuf::from(OsStr::from_bytes(&e.home)))
    }

    /// The login name of the current user and its user id (what `whoami` and
    /// `id -u` print): `None` for the name when the password database has no
    /// entry (or an empty name) for it.
    pub fn login() -> (Option<String>, u32) {
        let uid = effective_uid();
        let name = by_uid(uid)
            .map(|e| String::from_utf8_lossy(&e.name).into_owned())
            .filter(|n| !n.is_empty());
        (name, uid)
    }

    /// The home folder the job's variables give (`var` looks one up): `$HOME`
    /// when set and not empty.
    pub fn home_in<'a>(var: impl Fn(&str) -> Option<&'a OsStr>) -> Option<PathBuf> {
        var("HOME").filter(|h| !h.is_empty()).map(PathBuf::from)
    }

    /// Python's `os.path.expanduser` (posixpath), as botocore uses it: `~` is
    /// `$HOME` as set — even empty, where [`home_in`] would look further —
    /// else the home folder of the current user, `~user` that user's home
    /// folder (both from the password database); otherwise the path is kept.
    pub fn expand_user<'a>(var: impl Fn(&str) -> Option<&'a OsStr>, s: &str) -> String {
        let Some(after) = s.strip_prefix('~') else {
            return s.to_string();
        };
        let end = after.find('/').unwrap_or(after.len());
        let (user, tail) = after.split_at(end);
        let home = match user {
            "" if var("HOME").is_some_and(OsStr::is_empty) => Some(PathBuf::new()),
            "" => home_in(var).or_else(home),
            user => home_of(user),
        };
        let home = home.map(|h| h.to_string_lossy().into_owned());
        match home {
            Some(h) => {
                let joined = format!("{}{tail}", h.trim_end_matches('/'));
                if joined.is_empty() {
                    "/".into()
                } else {
                    joined
                }
            }
            None => s.to_string(),
        }
    }

    #[cfg(test)]
    mod tests {
        use super::super::*;

        #[test]
        fn root_is_in_the_database() {
            assert_eq!(home_of("root"), Some(PathBuf::from("/root")));
            assert_eq!(home_of("no-such-user-x"), None);
            assert_eq!(home_of("nul\0byte"), None);
        }

        #[test]
        fn the_current_user_as_id_names_it() {
            let (name, uid) = login();
            let id = |flag: &str| {
                let out = std::process::Command::new("id").arg(flag).output().unwrap();
                String::from_utf8(out.stdout).unwrap().trim().to_string()
            };
            assert_eq!(uid.to_string(), id("-u"));
            assert_eq!(name.as_deref(), Some(id("-un").as_str()));
        }
    }
}

#[cfg(windows)]
mod windows {
    use super::*;
    use windows_sys::Win32::System::WindowsProgramming::GetUserNameW;

    /// The profile folder of the current user (std's `home_dir` on
    /// Windows: `%USERPROFILE%` of the process, else
    /// `GetUserProfileDirectoryW`); `None` when there is none. The fallback
    /// of [`crate::job::JobEnv::home`].
    pub fn home() -> Option<PathBuf> {
        std::env::home_dir().filter(|h| !h.as_os_str().is_empty())
    }

    /// The home folder the job's variables give (`var` looks one up), as
    /// Python's `ntpath.expanduser` finds it: `%USERPROFILE%`, else
    /// `%HOMEDRIVE%%HOMEPATH%` (set and not empty).
    pub fn home_in<'a>(var: impl Fn(&str) -> Option<&'a OsStr>) -> Option<PathBuf> {
        let var = |n: &str| var(n).filter(|v| !v.is_empty());
        if let Some(p) = var("USERPROFILE") {
            return Some(PathBuf::from(p));
        }
        let path = var("HOMEPATH")?.to_string_lossy().into_owned();
        let drive = var("HOMEDRIVE")
            .map(|d| d.to_string_lossy().into_owned())
            .unwrap_or_default();
        let sep = |c: char| c == '/' || c == '\\';
        Some(PathBuf::from(
            match drive.is_empty() || drive.ends_with([':', '/', '\\']) || path.starts_with(sep) {
                true => format!("{drive}{path}"),
                false => format!("{drive}\\{path}"),
            },
        ))
    }

    /// Python's `os.path.expanduser` on Windows (ntpath), as botocore uses
    /// it: `~` is [`home_in`] (else the path is kept), `~user` the folder
    /// of that name beside it when the current one is `%USERNAME%`'s; `/`
    /// and `\` both end the name.
    pub fn expand_user<'a>(var: impl Fn(&str) -> Option<&'a OsStr> + Copy, s: &str) -> String {
        let Some(after) = s.strip_prefix('~') else {
            return s.to_string();
        };
        let end = after.find(['/', '\\']).unwrap_or(after.len());
        let (user, tail) = after.split_at(end);
        let Some(home) = home_in(var) else {
            return s.to_string();
        };
        let mut home = home.to_string_lossy().into_owned();
        if !user.is_empty() {
            let current = var("USERNAME").and_then(|v| v.to_str());
            if current != Some(user) {
                let cut = home.rfind(['/', '\\']).map_or(0, |i| i + 1);
                if current != Some(&home[cut..]) {
                    return s.to_string();
                }
                home = format!("{}{user}", &home[..cut]);
            }
        }
        format!("{home}{tail}")
    }

    /// The login name of the current user (what `whoami` prints, without
    /// the domain): `GetUserNameW`; `None` when it fails. Windows has no
    /// user id: the second item is 0.
    pub fn login() -> (Option<String>, u32) {
        let mut buf = [0u16; 257];
        let mut len = buf.len() as u32;
        // SAFETY: `buf` holds `len` UTF-16 units; on success `len` counts
        // the name and its terminating NUL.
        let ok = unsafe { GetUserNameW(buf.as_mut_ptr(), &mut len) } != 0;
        let name = (ok && len > 1).then(|| String::from_utf16_lossy(&buf[..len as usize - 1]));
        (name, 0)
    }
}
