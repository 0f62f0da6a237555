//! The Unix side of [`crate::platform`] (Linux, macOS): bytes are bytes,
//! modes are mode bits, locks are `flock`.

use super::Access;
use crate::exit;
use crate::fsutil::Kind;
use crate::job::JobEnv;
use std::ffi::{OsStr, OsString};
use std::fs::{File, FileType, Metadata};
use std::io;
use std::os::unix::ffi::OsStringExt;
use std::os::unix::fs::{
    DirBuilderExt, FileExt, FileTypeExt, MetadataExt, OpenOptionsExt, PermissionsExt,
};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus};

// ---------------------------------------------------------------------------
// Strings and names

/// Whether a name given by the user would leave the folder it is put in
/// when used as a file name: it has a `/` or a `..`.
pub fn leaves_folder(name: &str) -> bool {
    name.contains('/') || name.contains("..")
}

/// What [`leaves_folder`] refuses, for messages.
pub const LEAVES_FOLDER: &str = "'/' or '..'";

/// A variable's name as the job environment keeps it: as it is (Unix
/// names are case-sensitive).
pub fn env_name(name: OsString) -> OsString {
    name
}

/// A name to look a variable up by (see [`env_name`]).
#[inline(always)]
pub fn env_lookup(name: &str) -> std::borrow::Cow<'_, str> {
    std::borrow::Cow::Borrowed(name)
}

/// What separates the folders of `PATH`.
pub const PATH_SEPARATOR: u8 = b':';

/// Bytes (from [`super::bytes`], or a part of them) as an OS string.
#[inline(always)]
pub fn os_str(bytes: &[u8]) -> std::borrow::Cow<'_, OsStr> {
    use std::os::unix::ffi::OsStrExt;
    std::borrow::Cow::Borrowed(OsStr::from_bytes(bytes))
}

/// An OS string that is no valid text (for tests): the byte 0xff.
#[cfg(test)]
pub fn not_unicode() -> OsString {
    OsString::from_vec(vec![0xff])
}

/// Bytes as an OS string, exactly.
pub fn os_string(bytes: Vec<u8>) -> OsString {
    OsString::from_vec(bytes)
}

// ---------------------------------------------------------------------------
// Kinds, identity, modes

/// What a file type is.
pub fn kind_of(t: &FileType) -> Kind {
    if t.is_file() {
        Kind::File
    } else if t.is_dir() {
        Kind::Folder
    } else if t.is_fifo() {
        Kind::Fifo
    } else if t.is_socket() {
        Kind::Socket
    } else if t.is_char_device() {
        Kind::CharDevice
    } else {
        Kind::BlockDevice
    }
}

/// Whether an I/O error is a symbolic link loop (ELOOP).
pub fn is_loop(e: &io::Error) -> bool {
    e.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error())
}

/// A file's identity, the same for every path and handle to it:
/// (device, inode). Also the order locks are taken in.
pub type FileKey = (u64, u64);

fn key_of(md: &Metadata) -> FileKey {
    (md.dev(), md.ino())
}

/// The identity of an open file.
pub fn file_key(file: &File) -> io::Result<FileKey> {
    file.metadata().map(|m| key_of(&m))
}

/// Whether the open `file` is still what `path` names (not replaced or
/// removed since it was opened; a link at `path` is not followed).
pub fn same_entry(file: &File, path: &Path) -> bool {
    match (file.metadata(), std::fs::symlink_metadata(path)) {
        (Ok(a), Ok(b)) => key_of(&a) == key_of(&b),
        _ => false,
    }
}

/// Whether the open file has been removed (no name links to it).
pub fn is_unlinked(file: &File) -> io::Result<bool> {
    Ok(file.metadata()?.nlink() == 0)
}

/// The permission bits (`& 0o7777`).
pub fn mode_of(md: &Metadata) -> u32 {
    md.permissions().mode() & 0o7777
}

/// The mode of a file that its group or others may read or write (for
/// the warning about a credentials file others can read); `None` when
/// its mode keeps them out.
pub fn open_to_others(md: &Metadata) -> Option<u32> {
    Some(mode_of(md)).filter(|m| m & 0o077 != 0)
}

/// Give the open file its mode and owner for a write (see [`Access`]):
/// the mode bits; the replaced file's owner, where we have the right (CI
/// often runs as root over a user's HOME; otherwise the file becomes ours).
pub fn apply_access(file: &File, _path: &Path, access: Access) -> io::Result<()> {
    file.set_permissions(std::fs::Permissions::from_mode(access.unix_mode()))?;
    if let Some((_, md)) = access.old {
        let _ = std::os::unix::fs::fchown(file, Some(md.uid()), Some(md.gid()));
    }
    Ok(())
}

/// Set the mode of an open file (a copy).
pub fn set_file_mode(file: &File, mode: u32) -> io::Result<()> {
    file.set_permissions(std::fs::Permissions::from_mode(mode))
}

/// Set the mode of a file or folder by path (a copied folder, a folder
/// created with a mode).
pub fn set_path_mode(path: &Path, mode: u32) -> io::Result<()> {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

/// Make a folder ours to change (0700), so that what is inside can be
/// moved out or removed.
pub fn make_writable(dir: &Path) -> io::Result<()> {
    set_path_mode(dir, 0o700)
}

/// A folder builder that gives new folders `mode` (whatever the umask,
/// once [`set_path_mode`] follows).
pub fn dir_builder(mode: Option<u32>) -> std::fs::DirBuilder {
    let mut b = std::fs::DirBuilder::new();
    if let Some(mode) = mode {
        b.mode(mode);
    }
    b
}

// ---------------------------------------------------------------------------
// Opening

/// Open a path without following a final link and without blocking (a
/// FIFO's open returns at once).
pub fn open_no_follow(path: &Path, write: bool) -> io::Result<File> {
    let flags = rustix::fs::OFlags::NONBLOCK | rustix::fs::OFlags::NOFOLLOW;
    std::fs::OpenOptions::new()
        .read(!write)
        .write(write)
        .custom_flags(flags.bits() as i32)
        .open(path)
}

/// Open a user's input for reading without blocking on the open (a FIFO
/// with no writer); links are left to the kernel (`/dev/fd/N`).
pub fn open_input(path: &Path) -> io::Result<File> {
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32)
        .open(path)
}

/// Make reads of an input opened by [`open_input`] wait for data again (a
/// pipe read to its end).
pub fn make_blocking(file: &File) -> io::Result<()> {
    rustix::fs::fcntl_setfl(file, rustix::fs::OFlags::empty()).map_err(io::Error::from)
}

/// Create a new file for a write's content, 0600 (`private` is what it is
/// anyway here: only its writer may read it until it gets its mode).
pub fn create_temp_file(path: &Path, _private: bool) -> io::Result<File> {
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .mode(0o600)
        .custom_flags(rustix::fs::OFlags::CLOEXEC.bits() as i32)
        .open(path)
}

/// Open (create if missing, 0600) the lock file of a read-modify-write,
/// without following a link.
pub fn open_lock_file(path: &Path) -> io::Result<File> {
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32)
        .open(path)
}

/// Whether `path` is the root of a mount (a bind-mounted file): statx's
/// `STATX_ATTR_MOUNT_ROOT` (Linux 5.8), else a device that differs from
/// its folder's.
pub fn is_mount_point(path: &Path) -> bool {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        use rustix::fs::{AtFlags, StatxAttributes, StatxFlags};
        let flags = AtFlags::NO_AUTOMOUNT | AtFlags::SYMLINK_NOFOLLOW;
        if let Ok(s) = rustix::fs::statx(rustix::fs::CWD, path, flags, StatxFlags::BASIC_STATS)
            && s.stx_attributes_mask.contains(StatxAttributes::MOUNT_ROOT)
        {
            return s.stx_attributes.contains(StatxAttributes::MOUNT_ROOT);
        }
    }
    let folder = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    match (std::fs::symlink_metadata(path), std::fs::metadata(folder)) {
        (Ok(f), Ok(d)) => f.dev() != d.dev(),
        _ => false,
    }
}

/// Read at an offset (the file position is not used).
pub fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    file.read_at(buf, offset)
}

/// Write all of `buf` at an offset (the file position is not used).
pub fn write_all_at(file: &File, buf: &[u8], offset: u64) -> io::Result<()> {
    file.write_all_at(buf, offset)
}

/// Create a symbolic link `link` whose text is `target` (a copy of the
/// link at `original`).
pub fn symlink(target: &Path, link: &Path, _original: &Path) -> io::Result<()> {
    std::os::unix::fs::symlink(target, link)
}

/// Rename `from` over `to` (one atomic step).
pub fn rename(from: &Path, to: &Path) -> io::Result<()> {
    std::fs::rename(from, to)
}

// ---------------------------------------------------------------------------
// Locks

/// A file or folder opened to be locked: an exclusive `flock`, taken by
/// [`Lockable::lock`] and released when the handle closes (however the
/// process ends). Two handles conflict even in one process.
#[derive(Debug)]
pub struct Lockable {
    file: File,
}

impl Lockable {
    /// A regular file (a lock file, a temporary file).
    pub fn file(file: File) -> Lockable {
        Lockable { file }
    }

    /// A folder, to lock the folder itself (no lock file is left in it).
    pub fn folder(dir: &Path) -> io::Result<Lockable> {
        File::open(dir).map(Lockable::file)
    }

    /// A temporary file or staging folder found by a sweep, opened without
    /// following a link and without blocking.
    pub fn entry(path: &Path, _folder: bool) -> io::Result<Lockable> {
        let flags = rustix::fs::OFlags::NONBLOCK | rustix::fs::OFlags::NOFOLLOW;
        std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(flags.bits() as i32)
            .open(path)
            .map(Lockable::file)
    }

    /// The open file (to write a temporary file's content through).
    pub fn handle(&self) -> &File {
        &self.file
    }

    pub fn handle_mut(&mut self) -> &mut File {
        &mut self.file
    }

    pub fn key(&self) -> io::Result<FileKey> {
        file_key(&self.file)
    }

    /// Take the lock, waiting for it.
    pub fn lock(&self) -> io::Result<()> {
        self.file.lock()
    }

    /// Take the lock if nobody holds it: `Ok(false)` when someone does; an
    /// error where locks do not work (some network file systems).
    pub fn try_lock(&self) -> io::Result<bool> {
        match self.file.try_lock() {
            Ok(()) => Ok(true),
            Err(std::fs::TryLockError::WouldBlock) => Ok(false),
            Err(std::fs::TryLockError::Error(e)) => Err(e),
        }
    }
}

// ---------------------------------------------------------------------------
// Processes

/// The command that runs one line of shell text: `sh -c LINE`.
pub fn shell(line: &OsStr) -> Command {
    let mut cmd = Command::new("sh");
    cmd.arg("-c").arg(line);
    cmd
}

/// The name `retry` shows for the shell of [`shell`].
pub const SHELL_NAME: &str = "sh";

/// An exit status as a shell reports it: the code, or 128+N when killed
/// by signal N.
pub fn exit_code(status: ExitStatus) -> u8 {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(c), _) => u8::try_from(c).unwrap_or(exit::FAILURE),
        (None, Some(sig)) => u8::try_from(128 + sig).unwrap_or(exit::FAILURE),
        (None, None) => exit::FAILURE,
    }
}

/// A start that failed for a passing reason, worth another try: the
/// program file being written (ETXTBSY), no process or memory to spare
/// (EAGAIN, ENOMEM). Not found and not executable are final.
pub fn start_error_is_transient(e: &io::Error) -> bool {
    const ETXTBSY: i32 = 26;
    const EAGAIN: i32 = 11;
    const ENOMEM: i32 = 12;
    matches!(e.raw_os_error(), Some(ETXTBSY | EAGAIN | ENOMEM))
}

/// Is `name` a program that can be run as is: a path (with `/`) to an
/// executable file, or an executable file in a folder of the job's `$PATH`?
pub fn is_program(env: &JobEnv, name: &OsStr) -> bool {
    let runnable = |p: &Path| {
        std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    };
    if super::bytes(name).contains(&b'/') {
        return runnable(Path::new(name));
    }
    let path = env.raw("PATH").unwrap_or_default();
    std::env::split_paths(path).any(|dir| runnable(&dir.join(name)))
}

// ---------------------------------------------------------------------------
// JDKs

/// Where JDKs live: Debian/Ubuntu and RHEL install every JDK in
/// `/usr/lib/jvm`, named by the layouts of `commands::jdk`.
pub fn jdk_folders(_env: &JobEnv) -> Vec<super::JdkFolder> {
    vec![super::JdkFolder {
        path: PathBuf::from("/usr/lib/jvm"),
        openjdk_only: false,
    }]
}
