//! Everything that differs between Unix and Windows, in one place: file
//! identity, kinds and modes (Windows: an access list instead of mode
//! bits), locks, opening files, process start and exit status, the home
//! folder, where JDKs live, and how paths and OS strings become the bytes a
//! command prints. Commands and the write path (`fsutil`) call these and
//! carry no `cfg` of their own; `main` picks its entry point (narrow argv on
//! Unix, the UTF-16 command line on Windows).
//!
//! Each function has one implementation per platform, in `unix.rs` and
//! `windows.rs`, with the same name, signature and documented meaning; the
//! README's "Windows" section says what the differences mean for a user.
//!
//! # Shapes
//!
//! ```text
//! platform::bytes(os_str) -> &[u8]              // UTF-8 on Windows (WTF-8 at worst)
//! platform::os_string(Vec<u8>) -> OsString      // Windows: invalid UTF-8 becomes U+FFFD
//! platform::path_text(&Path) -> Cow<[u8]>       // a built path as printed: `/` on both
//! platform::FolderLock::lock(dir)               // flock(dir) / a named mutex for the folder
//! platform::lock_file(&File)                    // flock / LockFileEx on one far byte
//! platform::apply_access(file, path, Access)    // mode + owner / ACL + read-only flag
//! platform::shell(line) -> Command              // sh -c LINE / cmd /D /S /C "LINE"
//! ```

#[cfg(unix)]
#[path = "unix.rs"]
mod sys;
#[cfg(windows)]
#[path = "windows.rs"]
mod sys;

pub use sys::*;

use std::borrow::Cow;
use std::ffi::OsStr;
use std::io;
use std::path::Path;

/// An OS string's bytes, for printing or comparing: the bytes themselves on
/// Unix; UTF-8 on Windows (a lone UTF-16 surrogate, which no valid text
/// has, comes out as WTF-8).
pub fn bytes(s: &OsStr) -> &[u8] {
    s.as_encoded_bytes()
}

/// A path as messages show it ([`ShowPath::shown`]): what
/// `Path::display` shows, with every `\` written as `/` on Windows, as
/// [`path_text`] prints a path — one spelling of a path on both, however
/// it was put together (`C:/job` and `IN\res` show as `C:/job/IN/res`).
pub struct ShownPath<'a>(&'a Path);

impl std::fmt::Display for ShownPath<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match std::path::MAIN_SEPARATOR {
            '/' => self.0.display().fmt(f),
            sep => f.pad(&self.0.to_string_lossy().replace(sep, "/")),
        }
    }
}

/// Paths in messages: `path.shown()` in place of `path.display()`.
pub trait ShowPath {
    /// The path as messages show it (see [`ShownPath`]).
    fn shown(&self) -> ShownPath<'_>;
}

impl ShowPath for Path {
    fn shown(&self) -> ShownPath<'_> {
        ShownPath(self)
    }
}

/// A path shipctl built (from a folder variable and names it adds), as it
/// is printed for a script to compare or reuse: its bytes, with every `\`
/// written as `/` on Windows (which accepts both), so that
/// `"$(shipctl get_resource_meta res)" = "$JOB_PATH/IN/res"` holds on both.
/// A variable's value printed as a value is never passed through this.
pub fn path_text(path: &Path) -> Cow<'_, [u8]> {
    let b = bytes(path.as_os_str());
    match std::path::MAIN_SEPARATOR {
        '/' => Cow::Borrowed(b),
        sep => Cow::Owned(
            b.iter()
                .map(|&c| if c == sep as u8 { b'/' } else { c })
                .collect(),
        ),
    }
}

/// Whether a path, as written, ends with a separator (`dir/`; on Windows
/// also `dir\`): "a folder, create it".
pub fn ends_with_separator(path: &Path) -> bool {
    bytes(path.as_os_str())
        .last()
        .is_some_and(|&b| std::path::is_separator(b as char))
}

/// What a write of a new file's content does about its access (mode bits
/// on Unix, the access list and read-only flag on Windows).
#[derive(Debug, Clone, Copy)]
pub struct Access<'a> {
    /// An explicit mode (a copy's source mode): used whatever was there.
    pub mode: Option<u32>,
    /// The mode of a file that did not exist (`0o600`: private).
    pub new_mode: u32,
    /// The file being replaced, whose mode (ACL) and owner are kept.
    pub old: Option<(&'a Path, &'a std::fs::Metadata)>,
}

impl Access<'_> {
    /// The mode bits this write gives on Unix.
    pub fn unix_mode(&self) -> u32 {
        self.mode
            .or_else(|| self.old.map(|(_, md)| mode_of(md)))
            .unwrap_or(self.new_mode)
    }

    /// Whether the file is for its owner alone (no group or other bits in
    /// the mode it gets).
    pub fn private(&self) -> bool {
        self.unix_mode() & 0o077 == 0
    }
}

/// A folder JDKs are installed in (see `jdk_folders`).
#[derive(Debug, Clone)]
pub struct JdkFolder {
    pub path: std::path::PathBuf,
    /// Every JDK in it is an OpenJDK (the folder of an OpenJDK build's
    /// installer), whatever its folder's name; else the layouts of
    /// `commands::jdk` name vendor and version.
    pub openjdk_only: bool,
}

/// An error that says the rename of a temporary file over its target was
/// refused because the target is a mount point (EBUSY, EXDEV; Windows:
/// another volume): the content is written in place instead.
pub fn rename_refused(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ResourceBusy | io::ErrorKind::CrossesDevices
    )
}

/// An error that says the reader of our output went away
/// (`shipctl … | head -1`): EPIPE; on Windows also ERROR_PIPE_NOT_CONNECTED
/// (233), which std does not count as a broken pipe and Wine reports.
pub fn is_broken_pipe(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::BrokenPipe || (cfg!(windows) && e.raw_os_error() == Some(233))
}

/// An error that says a lock file cannot be made beside a file (a
/// read-only or full file system, no permission): the folder is locked
/// instead.
pub fn lock_file_refused(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ReadOnlyFilesystem
            | io::ErrorKind::PermissionDenied
            | io::ErrorKind::StorageFull
            | io::ErrorKind::QuotaExceeded
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_leave_their_folder() {
        for ok in ["res", "my-res.1", "a.b"] {
            assert!(!leaves_folder(ok), "{ok}");
        }
        for bad in ["a/b", "/abs", "..", "a..b"] {
            assert!(leaves_folder(bad), "{bad}");
        }
        assert_eq!(leaves_folder("a\\b"), cfg!(windows));
        assert_eq!(leaves_folder("C:x"), cfg!(windows));
    }

    #[test]
    fn built_paths_print_with_slashes() {
        let p = Path::new("/tmp/job").join("IN").join("res");
        assert_eq!(&*path_text(&p), b"/tmp/job/IN/res");
        assert!(ends_with_separator(Path::new("dir/")));
        assert!(!ends_with_separator(Path::new("dir")));
        assert_eq!(ends_with_separator(Path::new("dir\\")), cfg!(windows));
    }

    #[test]
    fn os_strings_round_trip_as_utf8() {
        for s in ["é", "ß", "😀", "plain", ""] {
            let os = os_string(s.as_bytes().to_vec());
            assert_eq!(os, OsStr::new(s));
            assert_eq!(bytes(&os), s.as_bytes());
        }
    }

    #[test]
    fn access_modes() {
        let new = Access {
            mode: None,
            new_mode: 0o600,
            old: None,
        };
        assert_eq!(new.unix_mode(), 0o600);
        assert!(new.private());
        let forced = Access {
            mode: Some(0o644),
            ..new
        };
        assert!(!forced.private());
    }
}
