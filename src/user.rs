//! The current user and the password database: the one place that asks
//! the C library's `getpwuid_r` / `getpwnam_r` (on musl: `/etc/passwd`,
//! then nscd), as `whoami`, `dirs::home_dir` and Python's
//! `os.path.expanduser` do. Unix only.

use std::ffi::{CStr, CString, OsStr};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

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

#[cfg(test)]
mod tests {
    use super::*;

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
