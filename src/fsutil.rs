//! The write path: the only place that writes, replaces, copies or locks
//! files. Every command that writes (state, copies, `replicate`, `replace`,
//! `decrypt`, `configure_aws`) goes through it, and so must any new one.
//!
//! # Shapes
//!
//! ```text
//! // One file, read-modify-write (e.g. ecr_login's ~/.docker/config.json:
//! // folder 0700 when new, file 0600 when new, mode kept otherwise):
//! fsutil::create_folder(parent, Some(0o700))?;       // when the folder may be missing
//! let _lock  = fsutil::lock_beside(&path)?;          // lock_files(&[a, b]), lock_folder(dir)
//! let target = fsutil::Target::resolve(&path)?;      // links followed, kind known
//! let old    = target.read()?;                       // Option<Vec<u8>>: None = missing
//! target.write(&new, WriteOptions::PRIVATE)?;        // or write_with(opts, |file| …)
//!
//! fsutil::write_together(&[Change { .. }, ..])?;     // several files: all or none
//! fsutil::write_file(&path, &bytes, WriteOptions::PUBLIC)?;   // resolve + write
//! fsutil::read_file(&path)?;                         // resolve + read, refusing FIFOs…
//! fsutil::read_input(&path)?;                        // a user's input: pipes allowed
//! fsutil::copy_path(src, dst)?; fsutil::mirror_folder(src, dst)?;
//! ```
//!
//! Errors are `anyhow` errors; [`FsError`] (a loop, a wrong kind) can be
//! downcast to; everything else is an I/O error with the path as context.
//!
//! # Guarantees
//!
//! - **Links.** A symbolic link is written through (the link stays a link);
//!   at most [`MAX_LINK_HOPS`] links are followed. A loop or a longer chain
//!   is [`FsError::Loop`] ("symbolic link loop at PATH"), before anything is
//!   read or written. A dangling link is a missing file: a write creates its
//!   target.
//! - **Kinds.** Only a regular file (or a missing one) is read or written.
//!   A folder, FIFO, socket or device is [`FsError::WrongKind`], found
//!   before anything is opened; files are opened non-blocking and checked
//!   again (`fstat`) after opening, so a FIFO never makes a call hang.
//! - **Rename (the normal case): all or nothing.** The new bytes go to a
//!   temporary file `.shipctl.<pid>.<random>.tmp` in the target's folder
//!   (mode and owner set as the target's, synced unless
//!   [`WriteOptions::unsynced`]) that is renamed over the target. A reader,
//!   a crash or a full disk sees the old file or the new one, never a mix.
//! - **In place (the target is a mount point: a bind-mounted single file):**
//!   `rename` is refused there (EBUSY, EXDEV), so the already complete new
//!   bytes are written into the target itself, still under the caller's
//!   lock and under an `flock` on the file itself; the file keeps its
//!   inode, mode and owner. A mount point that statx reports
//!   (`STATX_ATTR_MOUNT_ROOT`) gets no temporary file at all (the bytes are
//!   in memory, or in an unnamed temporary file when streamed), so a
//!   read-only folder around a writable mounted file is no obstacle; one it
//!   does not report is found by the refused rename. The file is first grown
//!   to the new length (a full disk fails here and the file is cut back to
//!   its old length, unchanged), then overwritten from the start, then cut
//!   to the new length. A crash or I/O error during that can leave the
//!   new bytes' first part followed by the old file's rest (or the old file
//!   followed by the new bytes' tail); never a shorter file, never a hole.
//! - **Nothing left.** On any error the temporary file is removed. A writer
//!   holds an exclusive `flock` on its temporary file while it lives; a
//!   writer that was killed leaves a file nobody holds, and the next write
//!   in that folder removes it ([`sweep_stale`]). The check needs no pid
//!   (pids differ between containers that share a folder): a file whose
//!   lock can be taken has no writer. A writer that finds its fresh
//!   temporary file swept in the instant before it took the lock (its link
//!   count is 0) makes another. Where `flock` does not work (some network
//!   file systems), nothing is swept.
//! - **Errors** are one line naming the path and the cause (`could not write
//!   PATH: No space left on device (os error 28)`); the exit status is 1.

use crate::platform::ShowPath;
use crate::platform::{self, Lockable};
use anyhow::Result;
use std::fmt;
use std::fs::{File, Metadata};
use std::io::{self, Read};
use std::path::{Path, PathBuf};

/// The most symbolic links followed to find a target (Linux's own limit for
/// a path, `MAXSYMLINKS`).
pub const MAX_LINK_HOPS: usize = 40;

/// Prefix of every temporary file or folder the write path makes.
const TEMP_PREFIX: &str = ".shipctl.";
/// Suffix of a temporary file (the new content of one file).
const TEMP_FILE: &str = ".tmp";
/// Suffix of a staging folder (a folder copy being built).
const TEMP_FOLDER: &str = ".stage";

// ---------------------------------------------------------------------------
// Kinds and errors

/// What a path is, after following its links.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
// Windows file systems have no FIFOs, sockets or block devices.
#[cfg_attr(windows, allow(dead_code))]
pub enum Kind {
    /// Nothing there (or a dangling link).
    Missing,
    File,
    Folder,
    Fifo,
    Socket,
    CharDevice,
    BlockDevice,
}

impl Kind {
    fn of(md: &Metadata) -> Kind {
        platform::kind_of(&md.file_type())
    }

    /// "a folder", "a FIFO (named pipe)", … for messages.
    pub fn describe(self) -> &'static str {
        match self {
            Kind::Missing => "missing",
            Kind::File => "a regular file",
            Kind::Folder => "a folder",
            Kind::Fifo => "a FIFO (named pipe)",
            Kind::Socket => "a socket",
            Kind::CharDevice => "a character device",
            Kind::BlockDevice => "a block device",
        }
    }
}

/// The errors of the write path that callers may want to tell apart
/// (downcast an `anyhow::Error` to it). Everything else is an I/O error
/// with the path as its context.
#[derive(Debug)]
pub enum FsError {
    /// `path` is a symbolic link loop, or a chain of more than
    /// [`MAX_LINK_HOPS`] links.
    Loop { path: PathBuf },
    /// `path` (a link to `resolved`, when they differ) is of `kind`, where
    /// `wanted` ("a regular file", "a folder") is needed.
    WrongKind {
        path: PathBuf,
        resolved: PathBuf,
        kind: Kind,
        wanted: &'static str,
    },
}

impl fmt::Display for FsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FsError::Loop { path } => write!(f, "symbolic link loop at {}", path.shown()),
            FsError::WrongKind {
                path,
                resolved,
                kind,
                wanted,
            } => {
                write!(f, "{}", path.shown())?;
                if path != resolved {
                    write!(f, " (a link to {})", resolved.shown())?;
                }
                write!(f, " is {}, not {wanted}", kind.describe())
            }
        }
    }
}

impl std::error::Error for FsError {}

/// An I/O error on `path` as one line: a loop becomes [`FsError::Loop`].
fn io_error(e: io::Error, verb: &str, path: &Path) -> anyhow::Error {
    if platform::is_loop(&e) {
        return FsError::Loop {
            path: path.to_path_buf(),
        }
        .into();
    }
    anyhow::Error::new(e).context(format!("could not {verb} {}", path.shown()))
}

/// An error of the `tempfile` crate without the ` at path "…"` it adds
/// (the message names the target instead; the OS error itself is not
/// reachable through it).
fn plain(e: io::Error) -> io::Error {
    let text = e.to_string();
    match text.rfind(" at path \"") {
        Some(at) if e.raw_os_error().is_none() => io::Error::new(e.kind(), &text[..at]),
        _ => e,
    }
}

/// The folder a path is in ("." for a bare name).
fn folder_of(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

// ---------------------------------------------------------------------------
// Targets

/// A file to read or write: the path as given, the path its links lead to,
/// and what is there. Resolve it under the caller's lock, then read and
/// write through it.
#[derive(Debug)]
pub struct Target {
    requested: PathBuf,
    path: PathBuf,
    kind: Kind,
    meta: Option<Metadata>,
}

impl Target {
    /// Follow `path`'s links (at most [`MAX_LINK_HOPS`]) and look at what
    /// is there. Errors: a loop ([`FsError::Loop`]), an unreadable folder on
    /// the way. Any kind resolves; reading or writing checks it.
    pub fn resolve(path: &Path) -> Result<Target> {
        let mut cur = path.to_path_buf();
        for _ in 0..=MAX_LINK_HOPS {
            match std::fs::symlink_metadata(&cur) {
                Ok(md) if md.file_type().is_symlink() => {
                    let link = std::fs::read_link(&cur).map_err(|e| io_error(e, "read", path))?;
                    cur = match link.is_absolute() {
                        true => link,
                        false => folder_of(&cur).join(link),
                    };
                }
                Ok(md) => {
                    return Ok(Target {
                        requested: path.to_path_buf(),
                        path: cur,
                        kind: Kind::of(&md),
                        meta: Some(md),
                    });
                }
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    return Ok(Target {
                        requested: path.to_path_buf(),
                        path: cur,
                        kind: Kind::Missing,
                        meta: None,
                    });
                }
                Err(e) => return Err(io_error(e, "read", path)),
            }
        }
        Err(FsError::Loop {
            path: path.to_path_buf(),
        }
        .into())
    }

    /// The path as the caller gave it (for messages).
    pub fn requested(&self) -> &Path {
        &self.requested
    }

    /// The path the links lead to: where the bytes are.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The folder the file is (or would be) in.
    pub fn folder(&self) -> &Path {
        folder_of(&self.path)
    }

    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// Whether a regular file is there.
    pub fn exists(&self) -> bool {
        self.kind == Kind::File
    }

    /// The permission bits (`& 0o7777`) of the existing file (on
    /// Windows its read-only flag as the write bits: `platform::mode_of`).
    pub fn mode(&self) -> Option<u32> {
        self.meta.as_ref().map(platform::mode_of)
    }

    /// The existing file's mode when it lets group or others in
    /// (`platform::open_to_others`; never on Windows).
    pub fn open_to_others(&self) -> Option<u32> {
        self.meta.as_ref().and_then(platform::open_to_others)
    }

    /// The size in bytes of the existing file.
    pub fn len(&self) -> Option<u64> {
        self.meta.as_ref().map(Metadata::len)
    }

    fn wrong_kind(&self, wanted: &'static str) -> anyhow::Error {
        FsError::WrongKind {
            path: self.requested.clone(),
            resolved: self.path.clone(),
            kind: self.kind,
            wanted,
        }
        .into()
    }

    /// Refuse anything but a regular file or nothing.
    pub fn check_file(&self) -> Result<()> {
        match self.kind {
            Kind::File | Kind::Missing => Ok(()),
            _ => Err(self.wrong_kind("a regular file")),
        }
    }

    /// The file opened for reading; `None` when it is missing. Never
    /// blocks: the kind is checked before opening, the open is
    /// non-blocking, and the open file is checked again.
    pub fn open_read(&self) -> Result<Option<File>> {
        self.check_file()?;
        if self.kind == Kind::Missing {
            return Ok(None);
        }
        let file = match open_checked(&self.path, false) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(self.open_error(e, "read")),
        };
        Ok(Some(file))
    }

    /// The whole file; `None` when it is missing.
    pub fn read(&self) -> Result<Option<Vec<u8>>> {
        let Some(mut file) = self.open_read()? else {
            return Ok(None);
        };
        let mut data = Vec::with_capacity(self.len().unwrap_or(0) as usize);
        file.read_to_end(&mut data)
            .map_err(|e| io_error(e, "read", &self.requested))?;
        Ok(Some(data))
    }

    fn open_error(&self, e: io::Error, verb: &str) -> anyhow::Error {
        match e.kind() {
            // Swapped for something else since it was resolved.
            io::ErrorKind::InvalidInput => {
                let kind = std::fs::symlink_metadata(&self.path)
                    .map(|m| Kind::of(&m))
                    .unwrap_or(Kind::Missing);
                FsError::WrongKind {
                    path: self.requested.clone(),
                    resolved: self.path.clone(),
                    kind,
                    wanted: "a regular file",
                }
                .into()
            }
            _ => io_error(e, verb, &self.requested),
        }
    }

    /// Replace the file's content with `data` (see the module's guarantees).
    pub fn write(&self, data: &[u8], options: WriteOptions) -> Result<Written> {
        self.stage(Source::Bytes(data), options)?.commit()
    }

    /// Like [`Target::write`], the content produced by `fill` (streamed, so
    /// memory stays flat). `fill` writes from the start of an empty file.
    pub fn write_with(
        &self,
        options: WriteOptions,
        fill: impl FnOnce(&mut File) -> io::Result<()>,
    ) -> Result<Written> {
        self.stage(Source::Fill(Box::new(fill)), options)?.commit()
    }

    /// The mode (Windows: access list) and owner the new content gets:
    /// `options.mode`, else the replaced file's, else `options.new_mode`.
    fn access(&self, options: WriteOptions) -> platform::Access<'_> {
        platform::Access {
            mode: options.mode,
            new_mode: options.new_mode,
            old: self.meta.as_ref().map(|m| (self.path.as_path(), m)),
        }
    }

    /// Make the new content complete and checked, not yet visible.
    fn stage<'a>(&'a self, source: Source<'a>, options: WriteOptions) -> Result<Staged<'a>> {
        self.check_file()?;
        let fail = |e: io::Error| io_error(e, "write", &self.requested);
        if self.exists() && is_mount_point(&self.path) {
            // `rename` cannot replace a mount point: open it now (a
            // read-only mount fails here, before any other file of a
            // `write_together` is touched) and write in place at commit.
            let target = open_checked(&self.path, true).map_err(|e| self.open_error(e, "write"))?;
            let content = match source {
                Source::Bytes(b) => Content::Bytes(b),
                Source::Fill(fill) => {
                    let mut file = tempfile::tempfile_in(self.folder())
                        .or_else(|_| tempfile::tempfile())
                        .map_err(|e| fail(plain(e)))?;
                    fill(&mut file).map_err(fail)?;
                    Content::File(file)
                }
            };
            return Ok(Staged {
                target: self,
                options,
                how: How::InPlace { target, content },
            });
        }
        let access = self.access(options);
        let mut temp = TempFile::create(self.folder(), access.private()).map_err(fail)?;
        let file = temp.file.handle_mut();
        match source {
            Source::Bytes(b) => io::Write::write_all(file, b),
            Source::Fill(fill) => fill(file),
        }
        .map_err(fail)?;
        let file = temp.file.handle();
        // The mode, and the replaced file's owner where we have the right
        // (CI often runs as root over a user's HOME; else it becomes ours).
        platform::apply_access(file, &temp.path, access).map_err(fail)?;
        if options.sync {
            file.sync_all().map_err(fail)?;
        }
        Ok(Staged {
            target: self,
            options,
            how: How::Rename(temp),
        })
    }
}

/// Writes the new content into an empty file.
type Fill<'a> = Box<dyn FnOnce(&mut File) -> io::Result<()> + 'a>;

/// Where the new bytes come from.
enum Source<'a> {
    Bytes(&'a [u8]),
    Fill(Fill<'a>),
}

/// Complete new content, staged for one target.
struct Staged<'a> {
    target: &'a Target,
    options: WriteOptions,
    how: How<'a>,
}

enum How<'a> {
    Rename(TempFile),
    InPlace { target: File, content: Content<'a> },
}

/// The complete new bytes, for an in-place write.
enum Content<'a> {
    Bytes(&'a [u8]),
    File(File),
}

impl Content<'_> {
    fn len(&self) -> io::Result<u64> {
        match self {
            Content::Bytes(b) => Ok(b.len() as u64),
            Content::File(f) => f.metadata().map(|m| m.len()),
        }
    }

    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        match self {
            Content::Bytes(b) => {
                let rest = b.get(offset as usize..).unwrap_or_default();
                let n = rest.len().min(buf.len());
                buf[..n].copy_from_slice(&rest[..n]);
                Ok(n)
            }
            Content::File(f) => platform::read_at(f, buf, offset),
        }
    }
}

impl Staged<'_> {
    /// Make the staged content the target's.
    fn commit(self) -> Result<Written> {
        let target = self.target;
        let fail = |e: io::Error| io_error(e, "write", &target.requested);
        match self.how {
            How::InPlace {
                target: file,
                content,
            } => {
                write_in_place(&file, &content, self.options.sync).map_err(fail)?;
                Ok(Written::InPlace)
            }
            How::Rename(mut temp) => match temp.rename(&target.path) {
                Ok(()) => {
                    if self.options.sync {
                        let _ = File::open(target.folder()).and_then(|d| d.sync_all());
                    }
                    Ok(Written::Renamed)
                }
                Err(e) if platform::rename_refused(&e) => {
                    // A mount point (a bind-mounted file) that statx did not
                    // report: write the checked bytes in place. The
                    // temporary file is removed when `temp` drops.
                    let file = open_checked(&target.path, true)
                        .map_err(|e| target.open_error(e, "write"))?;
                    let content = Content::File(temp.file.handle().try_clone().map_err(fail)?);
                    write_in_place(&file, &content, self.options.sync).map_err(fail)?;
                    Ok(Written::InPlace)
                }
                Err(e) => Err(fail(e)),
            },
        }
    }
}

/// How a write landed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    /// A new file renamed over the old one: all or nothing.
    Renamed,
    /// Written into the existing file (a mount point).
    InPlace,
}

/// How a new file is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteOptions {
    /// The mode of a file that does not exist yet (the umask is not applied).
    pub new_mode: u32,
    /// A mode for the file whether it exists or not (`None`: an existing
    /// file keeps its mode). An in-place write always keeps the mode.
    pub mode: Option<u32>,
    /// Flush the data to the disk (`fsync`) before it replaces the old file,
    /// so that not even a power loss loses the change.
    pub sync: bool,
}

impl WriteOptions {
    /// New files 0644, existing ones keep their mode; synced.
    pub const PUBLIC: WriteOptions = WriteOptions {
        new_mode: 0o644,
        mode: None,
        sync: true,
    };
    /// New files 0600 (secrets: credentials, tokens, decrypted data),
    /// existing ones keep their mode; synced.
    pub const PRIVATE: WriteOptions = WriteOptions {
        new_mode: 0o600,
        ..WriteOptions::PUBLIC
    };

    /// Without the fsync: every reader and a killed writer still see the
    /// old file or the new one; only a power loss could lose the change.
    /// For files that live for one run and are written in loops (an fsync
    /// costs milliseconds, more than the rest of a call).
    pub const fn unsynced(self) -> WriteOptions {
        WriteOptions {
            sync: false,
            ..self
        }
    }

    /// With the mode `mode`, whether the file exists or not.
    pub const fn with_mode(self, mode: u32) -> WriteOptions {
        WriteOptions {
            mode: Some(mode),
            ..self
        }
    }
}

/// Resolve `path` and replace its content with `data`.
pub fn write_file(path: &Path, data: &[u8], options: WriteOptions) -> Result<Written> {
    Target::resolve(path)?.write(data, options)
}

/// Resolve `path` and read it whole (`None`: missing). A folder, FIFO,
/// socket or device is refused without blocking; a loop is
/// [`FsError::Loop`].
pub fn read_file(path: &Path) -> Result<Option<Vec<u8>>> {
    Target::resolve(path)?.read()
}

/// A file that a folder listing showed as a regular file (split_tests'
/// thousands of reports): `None` when it is gone since; anything else in
/// its place by now (a FIFO, a folder, a link) is an error, and nothing
/// blocks. Five system calls — open (non-blocking, not following a link),
/// fstat, read until the end, close — where [`read_file`] first resolves
/// the path's links and std's `read_to_end` asks the size again.
pub fn read_listed_file(path: &Path) -> Result<Option<Vec<u8>>> {
    let mut file = match platform::open_no_follow(path, false) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_error(e, "read", path)),
    };
    let md = file.metadata().map_err(|e| io_error(e, "read", path))?;
    if Kind::of(&md) != Kind::File {
        return Err(FsError::WrongKind {
            path: path.to_path_buf(),
            resolved: path.to_path_buf(),
            kind: Kind::of(&md),
            wanted: "a regular file",
        }
        .into());
    }
    // One byte more than its size, so that the read that finds the end is
    // the second one (a file that grew meanwhile is read to its new end).
    let mut data = vec![0; md.len() as usize + 1];
    let mut filled = 0;
    loop {
        if filled == data.len() {
            data.resize(filled * 2, 0);
        }
        match file.read(&mut data[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(io_error(e, "read", path)),
        }
    }
    data.truncate(filled);
    Ok(Some(data))
}

/// Read a file the user named as an input that may be a pipe
/// (`--env-file <(…)`): a regular file, or a FIFO or character device read
/// to its end; `None` when missing. It never blocks on opening (a FIFO
/// with no writer reads as empty); a folder, socket, block device or link
/// loop is an error. Unlike [`read_file`], the path's links are left to the
/// kernel (`/dev/fd/N` is a link to a pipe).
pub fn read_input(path: &Path) -> Result<Option<Vec<u8>>> {
    let mut file = match platform::open_input(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_error(e, "read", path)),
    };
    let md = file.metadata().map_err(|e| io_error(e, "read", path))?;
    match Kind::of(&md) {
        Kind::File => {}
        Kind::Fifo | Kind::CharDevice => {
            // Read the pipe to its end, waiting for its writer.
            platform::make_blocking(&file).map_err(|e| io_error(e, "read", path))?;
        }
        kind => {
            return Err(FsError::WrongKind {
                path: path.to_path_buf(),
                resolved: path.to_path_buf(),
                kind,
                wanted: "a file",
            }
            .into());
        }
    }
    let mut data = Vec::new();
    file.read_to_end(&mut data)
        .map_err(|e| io_error(e, "read", path))?;
    Ok(Some(data))
}

/// One file of [`write_together`].
pub struct Change<'a> {
    pub target: &'a Target,
    pub data: &'a [u8],
    pub options: WriteOptions,
}

/// Write several files, all or none (for files that must agree, like the
/// AWS CLI's credentials and config). Every new content is staged first
/// (an error there changes nothing); then they are committed in order, and
/// should a commit fail, the files committed before it get their old
/// content back (a file that did not exist is removed). Call under the
/// lock(s) of every target.
pub fn write_together(changes: &[Change<'_>]) -> Result<()> {
    let old = changes
        .iter()
        .map(|c| c.target.read())
        .collect::<Result<Vec<_>>>()?;
    let staged = changes
        .iter()
        .map(|c| c.target.stage(Source::Bytes(c.data), c.options))
        .collect::<Result<Vec<_>>>()?;
    commit_all(changes, &old, staged)
}

/// Commit `staged` (one for each of `changes`) in order; on an error,
/// give the files committed before it their `old` content back.
fn commit_all(
    changes: &[Change<'_>],
    old: &[Option<Vec<u8>>],
    staged: Vec<Staged<'_>>,
) -> Result<()> {
    for (i, s) in staged.into_iter().enumerate() {
        let Err(e) = s.commit() else { continue };
        let mut undone = Vec::new();
        for (c, old) in changes[..i].iter().zip(old) {
            let restored = match old {
                Some(bytes) => c.target.write(bytes, c.options).map(|_| ()),
                None => std::fs::remove_file(c.target.path())
                    .map_err(|e| io_error(e, "remove", c.target.requested())),
            };
            if let Err(r) = restored {
                undone.push(format!("{r:#}"));
            }
        }
        return Err(match undone.is_empty() {
            true => e,
            false => e.context(format!(
                "and could not restore the files written before: {}",
                undone.join("; ")
            )),
        });
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Low-level pieces

/// Open a regular file without following a final link and without
/// blocking (a FIFO's open returns at once), then check it is one (an
/// `InvalidInput` error when it is not).
fn open_checked(path: &Path, write: bool) -> io::Result<File> {
    let file = platform::open_no_follow(path, write)?;
    if !file.metadata()?.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a regular file",
        ));
    }
    Ok(file)
}

/// Whether `path` is the root of a mount (a bind-mounted file; see
/// `platform::is_mount_point`).
fn is_mount_point(path: &Path) -> bool {
    platform::is_mount_point(path)
}

/// Write `content` over the regular file `file`, in place: grow it first
/// (a full disk fails here; the file is cut back, unchanged), overwrite
/// the old part, cut it to the new length. Under an `flock` on the file
/// itself, so that two in-place writers of one file never mix (callers'
/// own locks are on a folder or a `.lock` file, never on the target).
fn write_in_place(file: &File, content: &Content, sync: bool) -> io::Result<()> {
    file.lock()?;
    let old_len = file.metadata()?.len();
    let new_len = content.len()?;
    if new_len > old_len
        && let Err(e) = copy_range(content, file, old_len, new_len)
    {
        let _ = file.set_len(old_len);
        return Err(e);
    }
    copy_range(content, file, 0, new_len.min(old_len))?;
    if new_len < old_len {
        file.set_len(new_len)?;
    }
    if sync {
        file.sync_all()?;
    }
    Ok(())
}

/// `content[from..to]` to the same offsets of `file`.
fn copy_range(content: &Content, file: &File, from: u64, to: u64) -> io::Result<()> {
    let mut buf = vec![0; (to - from).min(256 * 1024) as usize];
    let mut at = from;
    while at < to {
        let want = ((to - at) as usize).min(buf.len());
        let n = content.read_at(&mut buf[..want], at)?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the staged content is shorter than it was",
            ));
        }
        platform::write_all_at(file, &buf[..n], at)?;
        at += n as u64;
    }
    Ok(())
}

/// A fresh name `.shipctl.<pid>.<random><suffix>` in `dir`.
fn temp_name(dir: &Path, suffix: &str) -> PathBuf {
    use std::hash::{BuildHasher, Hasher};
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
    let pid = std::process::id();
    dir.join(format!(
        "{TEMP_PREFIX}{pid}.{:012x}{suffix}",
        h.finish() & 0xffff_ffff_ffff
    ))
}

/// A temporary file of the write path: named `.shipctl.<pid>.<random>.tmp`,
/// mode 0600 (Windows: its owner's alone when `private`), locked (`flock`)
/// for as long as it lives, removed when dropped unless renamed.
struct TempFile {
    path: PathBuf,
    file: Lockable,
    renamed: bool,
}

impl TempFile {
    fn create(dir: &Path, private: bool) -> io::Result<TempFile> {
        sweep_stale(dir);
        for _ in 0..16 {
            let path = temp_name(dir, TEMP_FILE);
            let file = match platform::create_temp_file(&path, private) {
                Ok(f) => Lockable::file(f),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                // Say that it is the folder that refuses, not the file
                // (which may well be writable).
                Err(e) => {
                    return Err(io::Error::new(
                        e.kind(),
                        format!("a temporary file cannot be made in {} ({e})", dir.shown()),
                    ));
                }
            };
            let temp = TempFile {
                path,
                file,
                renamed: false,
            };
            // Where flock does not work (some network or FUSE file
            // systems), go on unlocked: a sweeper there cannot take the
            // lock either, so it never removes the file.
            let _ = temp.file.lock();
            // Swept in the instant between its creation and the lock?
            if !platform::is_unlinked(temp.file.handle())? {
                return Ok(temp);
            }
        }
        Err(io::Error::other("could not make a temporary file"))
    }

    /// Rename over `to`; on error the file is still there (and removed on
    /// drop).
    fn rename(&mut self, to: &Path) -> io::Result<()> {
        platform::rename(&self.path, to)?;
        self.renamed = true;
        Ok(())
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.renamed {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// A staging folder of the write path (`.shipctl.<pid>.<random>.stage`),
/// locked while it lives, removed with its content when dropped.
struct TempFolder {
    path: PathBuf,
    _lock: Lockable,
}

impl TempFolder {
    fn create(dir: &Path) -> Result<TempFolder> {
        sweep_stale(dir);
        let fail = |e: io::Error| io_error(e, "create a temporary folder in", dir);
        for _ in 0..16 {
            let path = temp_name(dir, TEMP_FOLDER);
            match platform::dir_builder(Some(0o700)).create(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(fail(e)),
            }
            // Unlocked where flock does not work (see TempFile::create).
            let opened = Lockable::folder(&path).inspect(|lock| {
                let _ = lock.lock();
            });
            let lock = match opened {
                Ok(lock) => lock,
                Err(e) => {
                    let _ = std::fs::remove_dir(&path);
                    return Err(fail(e));
                }
            };
            if !platform::is_unlinked(lock.handle()).map_err(fail)? {
                return Ok(TempFolder { path, _lock: lock });
            }
        }
        Err(fail(io::Error::other("could not make a temporary folder")))
    }

    fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for TempFolder {
    fn drop(&mut self) {
        // A read-only copy inside must become writable to be removed.
        make_removable(&self.path);
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

fn make_removable(dir: &Path) {
    let _ = platform::make_writable(dir);
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                make_removable(&e.path());
            }
        }
    }
}

/// Remove the temporary files and staging folders in `dir` whose writer is
/// gone: those whose `flock` can be taken (a live writer holds it; the
/// kernel drops it when a writer dies, however it dies). Best effort: a
/// folder that cannot be read or changed is left as it is. Every write
/// path that makes a temporary file in a folder calls it first.
pub fn sweep_stale(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if !name.starts_with(TEMP_PREFIX) {
            continue;
        }
        let is_folder = name.ends_with(TEMP_FOLDER);
        if !is_folder && !name.ends_with(TEMP_FILE) {
            continue;
        }
        let path = entry.path();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() != is_folder || !(kind.is_dir() || kind.is_file()) {
            continue;
        }
        let Ok(handle) = Lockable::entry(&path, is_folder) else {
            continue;
        };
        // Locked: its writer lives. Any other error (flock unsupported
        // here): nothing can be known, the file stays.
        if !matches!(handle.try_lock(), Ok(true)) {
            continue;
        }
        // Still the same entry (not replaced since it was opened)?
        if !platform::same_entry(handle.handle(), &path) {
            continue;
        }
        if is_folder {
            make_removable(&path);
            let _ = std::fs::remove_dir_all(&path);
        } else {
            let _ = std::fs::remove_file(&path);
        }
    }
}

// ---------------------------------------------------------------------------
// Folders and locks

/// Make sure the folder `dir` exists (its links followed, at most
/// [`MAX_LINK_HOPS`]), creating it and its parents when missing; a folder
/// it creates gets `new_mode` when given (whatever the umask). Something
/// else in its place is [`FsError::WrongKind`]; a loop [`FsError::Loop`].
pub fn create_folder(dir: &Path, new_mode: Option<u32>) -> Result<()> {
    let target = Target::resolve(dir)?;
    match target.kind {
        Kind::Folder => return Ok(()),
        Kind::Missing => {}
        _ => return Err(target.wrong_kind("a folder")),
    }
    let mut builder = platform::dir_builder(new_mode);
    builder.recursive(true);
    // Through a dangling link: create what it points to.
    builder
        .create(&target.path)
        .map_err(|e| io_error(e, "create the folder", dir))?;
    if let Some(mode) = new_mode {
        platform::set_path_mode(&target.path, mode)
            .map_err(|e| io_error(e, "set the mode of", dir))?;
    }
    Ok(())
}

/// An exclusive lock, held until dropped.
#[derive(Debug)]
pub struct Lock {
    _lock: Lockable,
}

/// Take an exclusive lock on a folder (`flock` on the folder itself, so no
/// lock file is left behind in it; on Windows a named mutex of the
/// folder's identity). Held until the returned handle drops. Every writer
/// of the folder's key=value files takes it, so that a read-check-append
/// never interleaves with another.
pub fn lock_folder(dir: &Path) -> Result<Lock> {
    let lock = Lockable::folder(dir).map_err(|e| io_error(e, "open to lock it", dir))?;
    lock.lock().map_err(|e| io_error(e, "lock", dir))?;
    Ok(Lock { _lock: lock })
}

/// Take an exclusive lock for read-modify-write cycles of the file `path`:
/// `flock` on `<target>.lock` beside the file its links lead to (created
/// empty, 0600, and left there: it works on NFS too). Where that file
/// cannot be created (a read-only folder, no permission, a full disk), the
/// lock is on the folder instead — every writer of that folder decides the
/// same way. The target is resolved first: a loop is [`FsError::Loop`].
#[allow(dead_code)] // for one file (ecr_login's config.json); AWS uses lock_files
pub fn lock_beside(path: &Path) -> Result<Lock> {
    let mut locks = lock_files(&[path])?;
    Ok(locks.pop().expect("one lock for one path"))
}

/// [`lock_beside`] for several files at once (say the AWS CLI's two):
/// each lock taken once even where two files share it (the same folder
/// as the fallback, the same target), and always in the same order (by
/// device and inode), so that two calls never wait on each other.
pub fn lock_files(paths: &[&Path]) -> Result<Vec<Lock>> {
    let mut handles: Vec<(platform::FileKey, Lockable, PathBuf)> = Vec::new();
    for path in paths {
        let target = Target::resolve(path)?;
        let mut name = target.path.file_name().unwrap_or_default().to_os_string();
        name.push(".lock");
        let lock = target.path.with_file_name(name);
        let (file, what) = match platform::open_lock_file(&lock) {
            Ok(f) => (Lockable::file(f), lock),
            Err(e) if platform::lock_file_refused(&e) => {
                let dir = target.folder().to_path_buf();
                let f = Lockable::folder(&dir).map_err(|e| io_error(e, "open to lock it", &dir))?;
                (f, dir)
            }
            Err(e) => return Err(io_error(e, "open the lock file", &lock)),
        };
        let key = file.key().map_err(|e| io_error(e, "lock", &what))?;
        if handles.iter().all(|(k, _, _)| *k != key) {
            handles.push((key, file, what));
        }
    }
    handles.sort_by_key(|(k, _, _)| *k);
    handles
        .into_iter()
        .map(|(_, lock, what)| {
            lock.lock().map_err(|e| io_error(e, "lock", &what))?;
            Ok(Lock { _lock: lock })
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Copies

/// Copy `src` (a file, or a folder recursively) to exactly `dst`, the way
/// `cp -r src dst` does when `dst` is the final name: a file replaces a file
/// through the write path (its mode copied); a folder is merged into an
/// existing folder (files in it replaced, others kept). Dot-files are
/// copied; symlinks inside a folder are copied as symlinks; permission bits
/// are kept. A FIFO, socket or device (as `src`, as `dst`, or as an entry of
/// `dst` that the copy would replace) is refused before anything changes.
///
/// Nothing is half-written: the whole copy is first made in a staging
/// folder beside `dst` and only then renamed into place, so an error while
/// reading leaves `dst` as it was.
pub fn copy_path(src: &Path, dst: &Path) -> Result<()> {
    let from = Target::resolve(src)?;
    let to = Target::resolve(dst)?;
    if check_copy_source(src)? == Kind::File {
        if to.kind == Kind::Folder {
            anyhow::bail!(
                "cannot replace the folder {} with the file {}",
                dst.shown(),
                src.shown()
            );
        }
        to.check_file()?;
        let mode = from.mode().unwrap_or(0o644) & 0o777;
        let Some(mut input) = from.open_read()? else {
            return Err(io_error(
                io::Error::from(io::ErrorKind::NotFound),
                "read",
                src,
            ));
        };
        to.write_with(WriteOptions::PUBLIC.with_mode(mode), |f| {
            io::copy(&mut input, f).map(|_| ())
        })?;
        return Ok(());
    }
    match to.kind {
        Kind::Missing | Kind::Folder => {}
        Kind::File => anyhow::bail!(
            "cannot replace the file {} with the folder {}",
            dst.shown(),
            src.shown()
        ),
        _ => return Err(to.wrong_kind("a folder")),
    }
    let parent = folder_of(&to.path);
    refuse_copy_into_itself(src, parent)?;
    // Staged on the file system the entries go to: beside a new folder,
    // inside an existing one (which may be a mount of its own).
    let stage = match to.kind {
        Kind::Missing => TempFolder::create(parent)?,
        _ => TempFolder::create(&to.path)?,
    };
    let staged = stage.path().join("copy");
    copy_tree(&from.path, &staged, dst)?;
    match to.kind {
        Kind::Missing => platform::rename(&staged, &to.path)
            .map_err(|e| io_error(e, "move the copy into", dst))?,
        _ => {
            check_merge(&staged, &to.path)?;
            merge(&staged, &to.path)?;
        }
    }
    Ok(())
}

/// What [`copy_path`] can copy from `src`: a regular file or a folder
/// (links followed). Missing, a loop, or another kind is an error — check
/// it before creating the folder a copy goes into.
pub fn check_copy_source(src: &Path) -> Result<Kind> {
    let from = Target::resolve(src)?;
    match from.kind {
        Kind::File | Kind::Folder => Ok(from.kind),
        Kind::Missing => Err(io_error(
            io::Error::from(io::ErrorKind::NotFound),
            "read",
            src,
        )),
        _ => Err(from.wrong_kind("a file or a folder")),
    }
}

/// Make the contents of folder `dst` (created if missing) an exact copy of
/// the contents of folder `src`: every entry of `dst` is removed, dot-files
/// included, and `src`'s entries are copied in. The copy is made first in a
/// staging folder inside `dst`, so a failure while reading `src` leaves
/// `dst` untouched. An entry of `dst` that is a mount point (a
/// bind-mounted file) cannot be removed: the copy's file of that name is
/// written into it in place; a mount point the copy has no file for is an
/// error before anything is removed.
pub fn mirror_folder(src: &Path, dst: &Path) -> Result<()> {
    refuse_copy_into_itself(src, dst)?;
    create_folder(dst, None)?;
    let stage = TempFolder::create(dst)?;
    let staged = stage.path().join("copy");
    copy_tree(src, &staged, dst)?;
    let is_file = |p: &Path| std::fs::symlink_metadata(p).is_ok_and(|m| m.is_file());
    let mut in_place = Vec::new();
    for entry in read_dir(dst)? {
        let path = entry.path();
        if path == stage.path() || !is_mount_point(&path) {
            continue;
        }
        if !(is_file(&path) && is_file(&staged.join(entry.file_name()))) {
            anyhow::bail!(
                "{} is a mount point that the copy of {} has no file for: it cannot be replaced",
                path.shown(),
                src.shown()
            );
        }
        in_place.push(entry.file_name());
    }
    for entry in read_dir(dst)? {
        let path = entry.path();
        if path == stage.path() || in_place.contains(&entry.file_name()) {
            continue;
        }
        remove_any(&path)?;
    }
    for entry in read_dir(&staged)? {
        let to = dst.join(entry.file_name());
        if in_place.contains(&entry.file_name()) {
            write_staged_in_place(&entry.path(), &to)?;
        } else {
            platform::rename(&entry.path(), &to)
                .map_err(|e| io_error(e, "move the copy into", &to))?;
        }
    }
    Ok(())
}

/// Write the staged file `from` into the existing regular file `to` (a
/// mount point), in place, synced.
fn write_staged_in_place(from: &Path, to: &Path) -> Result<()> {
    let file = open_checked(to, true).map_err(|e| io_error(e, "write", to))?;
    let content = Content::File(open_checked(from, false).map_err(|e| io_error(e, "write", to))?);
    write_in_place(&file, &content, true).map_err(|e| io_error(e, "write", to))
}

/// Refuse to copy a folder into itself (the copy would never end).
/// `dst_dir` need not exist yet.
pub fn refuse_copy_into_itself(src: &Path, dst_dir: &Path) -> Result<()> {
    if let (Ok(s), Some(d)) = (src.canonicalize(), resolve_ancestors(dst_dir))
        && s.is_dir()
        && d.starts_with(&s)
    {
        anyhow::bail!(
            "cannot copy the folder {} into itself ({})",
            src.shown(),
            dst_dir.shown()
        );
    }
    Ok(())
}

/// A path with its longest existing ancestor canonicalized (the rest, which
/// does not exist yet, appended as is).
fn resolve_ancestors(path: &Path) -> Option<PathBuf> {
    let abs = std::path::absolute(path).ok()?;
    let mut rest = Vec::new();
    let mut cur = abs.as_path();
    loop {
        if let Ok(real) = cur.canonicalize() {
            return Some(rest.iter().rev().fold(real, |p, c| p.join(c)));
        }
        rest.push(cur.file_name()?.to_os_string());
        cur = cur.parent()?;
    }
}

fn read_dir(dir: &Path) -> Result<Vec<std::fs::DirEntry>> {
    let mut entries = std::fs::read_dir(dir)
        .and_then(|it| it.collect::<io::Result<Vec<_>>>())
        .map_err(|e| io_error(e, "read the folder", dir))?;
    entries.sort_by_key(|e| e.file_name());
    Ok(entries)
}

fn remove_any(path: &Path) -> Result<()> {
    let md = std::fs::symlink_metadata(path).map_err(|e| io_error(e, "read", path))?;
    if md.is_dir() {
        std::fs::remove_dir_all(path)
    } else {
        std::fs::remove_file(path)
    }
    .map_err(|e| io_error(e, "remove", path))
}

/// Copy folder `src` to the new folder `dst`, recursively. `shown` is
/// where the copy is going in the end (a staging folder is not named in
/// messages).
fn copy_tree(src: &Path, dst: &Path, shown: &Path) -> Result<()> {
    let md = std::fs::metadata(src).map_err(|e| io_error(e, "read", src))?;
    std::fs::create_dir(dst).map_err(|e| io_error(e, "create", shown))?;
    for entry in read_dir(src)? {
        let from = entry.path();
        let to = dst.join(entry.file_name());
        let shown = shown.join(entry.file_name());
        let ft = entry.file_type().map_err(|e| io_error(e, "read", &from))?;
        if ft.is_symlink() {
            let target =
                std::fs::read_link(&from).map_err(|e| io_error(e, "read the link", &from))?;
            platform::symlink(&target, &to, &from)
                .map_err(|e| io_error(e, "create the link", &shown))?;
        } else if ft.is_dir() {
            copy_tree(&from, &to, &shown)?;
        } else if ft.is_file() {
            copy_file_new(&from, &to, &shown)?;
        } else {
            crate::diag::warn(format_args!(
                "{} is not a file, folder or link: not copied",
                from.shown()
            ));
        }
    }
    // Set the folder's mode last, so a read-only folder could be filled.
    platform::set_path_mode(dst, platform::mode_of(&md))
        .map_err(|e| io_error(e, "set the mode of", shown))
}

/// Copy one regular file to a new path, mode kept, synced.
fn copy_file_new(from: &Path, to: &Path, shown: &Path) -> Result<()> {
    let mut input = open_checked(from, false).map_err(|e| io_error(e, "read", from))?;
    let mode = platform::mode_of(&input.metadata().map_err(|e| io_error(e, "read", from))?) & 0o777;
    let mut output = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(to)
        .map_err(|e| io_error(e, "write", shown))?;
    io::copy(&mut input, &mut output)
        .and_then(|_| platform::set_file_mode(&output, mode))
        .and_then(|()| output.sync_all())
        .map_err(|e| io_error(e, "write", shown))
}

/// Before a merge changes anything: every staged entry must fit its place.
/// A folder goes onto a folder or nothing. A file goes onto nothing or
/// through the write path's rules onto what is there: links followed
/// (a loop is an error; a dangling link's target is created when its
/// folder exists), a regular file replaced, anything else refused. A link
/// replaces anything but a folder.
fn check_merge(staged: &Path, dst: &Path) -> Result<()> {
    for entry in read_dir(staged)? {
        let to = dst.join(entry.file_name());
        let Ok(existing) = std::fs::symlink_metadata(&to) else {
            continue;
        };
        let kind = entry
            .file_type()
            .map_err(|e| io_error(e, "read", &entry.path()))?;
        if kind.is_dir() {
            match existing.is_dir() {
                true => check_merge(&entry.path(), &to)?,
                false => anyhow::bail!("cannot replace the file {} with a folder", to.shown()),
            }
        } else if kind.is_file() {
            let target = Target::resolve(&to)?;
            match target.kind {
                Kind::File => {}
                Kind::Missing if target.folder().is_dir() => {}
                Kind::Folder => {
                    anyhow::bail!("cannot replace the folder {} with a file", to.shown())
                }
                Kind::Missing => anyhow::bail!(
                    "{} is a link to {}, whose folder does not exist",
                    to.shown(),
                    target.path.shown()
                ),
                _ => return Err(target.wrong_kind("a regular file")),
            }
        } else if existing.is_dir() {
            anyhow::bail!("cannot replace the folder {} with a link", to.shown());
        }
    }
    Ok(())
}

/// Move the staged entries into `dst`: new entries by rename; a file onto
/// an existing file by rename onto where its links lead (atomic per file; a
/// mount point is written in place); folders that exist on both sides
/// recursively.
fn merge(staged: &Path, dst: &Path) -> Result<()> {
    // The staged folder may carry a read-only mode; its entries move out.
    platform::make_writable(staged).map_err(|e| io_error(e, "set the mode of", staged))?;
    for entry in read_dir(staged)? {
        let from = entry.path();
        let to = dst.join(entry.file_name());
        let existing = std::fs::symlink_metadata(&to).ok();
        let kind = entry.file_type().map_err(|e| io_error(e, "read", &from))?;
        if kind.is_dir() && existing.as_ref().is_some_and(Metadata::is_dir) {
            merge(&from, &to)?;
            continue;
        }
        let onto = match (kind.is_file(), &existing) {
            (true, Some(_)) => Target::resolve(&to)?.path,
            _ => to.clone(),
        };
        match platform::rename(&from, &onto) {
            Ok(()) => {}
            Err(e) if platform::rename_refused(&e) && kind.is_file() => {
                // A mount point, or a folder mounted inside: write the
                // file there through the write path instead.
                let target = Target::resolve(&onto)?;
                match target.exists() {
                    true => write_staged_in_place(&from, &onto)?,
                    false => {
                        let mode = platform::mode_of(
                            &std::fs::metadata(&from).map_err(|e| io_error(e, "read", &from))?,
                        );
                        let mut input =
                            open_checked(&from, false).map_err(|e| io_error(e, "write", &to))?;
                        target.write_with(WriteOptions::PUBLIC.with_mode(mode & 0o777), |f| {
                            io::copy(&mut input, f).map(|_| ())
                        })?;
                    }
                }
            }
            Err(e) => return Err(io_error(e, "move the copy into", &to)),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(unix)]
    use std::os::unix::fs::{MetadataExt, PermissionsExt};

    #[cfg(unix)]
    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    #[cfg(unix)]
    fn writes_new_file_with_mode_and_keeps_existing_mode() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        write_file(&p, b"one", WriteOptions::PRIVATE).unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"one");
        assert_eq!(mode(&p), 0o600);
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o640)).unwrap();
        assert_eq!(
            write_file(&p, b"two", WriteOptions::PUBLIC).unwrap(),
            Written::Renamed
        );
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        assert_eq!(mode(&p), 0o640);
        write_file(&p, b"3", WriteOptions::PUBLIC.with_mode(0o755)).unwrap();
        assert_eq!(mode(&p), 0o755);
        // No temporary file is left behind.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    #[cfg(unix)]
    fn writes_through_a_symlink_and_creates_a_dangling_links_target() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real");
        let link = dir.path().join("link");
        std::fs::write(&real, b"old").unwrap();
        std::os::unix::fs::symlink("real", &link).unwrap();
        write_file(&link, b"new", WriteOptions::PUBLIC).unwrap();
        assert!(std::fs::symlink_metadata(&link).unwrap().is_symlink());
        assert_eq!(std::fs::read(&real).unwrap(), b"new");
        let dangling = dir.path().join("dangling");
        std::os::unix::fs::symlink("sub/../made", &dangling).unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        write_file(&dangling, b"x", WriteOptions::PUBLIC).unwrap();
        assert_eq!(std::fs::read(dir.path().join("made")).unwrap(), b"x");
    }

    #[test]
    #[cfg(unix)]
    fn loops_and_long_chains_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::os::unix::fs::symlink("self", d.join("self")).unwrap();
        std::os::unix::fs::symlink("b", d.join("a")).unwrap();
        std::os::unix::fs::symlink("a", d.join("b")).unwrap();
        for name in ["self", "a"] {
            let err = write_file(&d.join(name), b"x", WriteOptions::PUBLIC).unwrap_err();
            assert_eq!(
                err.to_string(),
                format!("symbolic link loop at {}", d.join(name).shown())
            );
            assert!(read_file(&d.join(name)).is_err());
        }
        // A chain of exactly MAX_LINK_HOPS links is fine, one more is not.
        std::fs::write(d.join("end"), b"e").unwrap();
        let mut prev = "end".to_string();
        for i in 0..=MAX_LINK_HOPS {
            let name = format!("l{i}");
            std::os::unix::fs::symlink(&prev, d.join(&name)).unwrap();
            prev = name;
        }
        let last = format!("l{}", MAX_LINK_HOPS - 1);
        assert_eq!(read_file(&d.join(last)).unwrap().unwrap(), b"e");
        let too_long = format!("l{MAX_LINK_HOPS}");
        assert!(read_file(&d.join(too_long)).is_err());
        // A loop in a folder on the way.
        std::os::unix::fs::symlink("loopdir", d.join("loopdir")).unwrap();
        let err = write_file(&d.join("loopdir/f"), b"x", WriteOptions::PUBLIC).unwrap_err();
        assert!(
            err.to_string().starts_with("symbolic link loop at"),
            "{err}"
        );
    }

    #[test]
    #[cfg(unix)]
    fn other_kinds_are_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let path = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(path.as_ptr(), 0o644) }, 0);
        let err = read_file(&fifo).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "{} is a FIFO (named pipe), not a regular file",
                fifo.shown()
            )
        );
        assert!(write_file(&fifo, b"x", WriteOptions::PUBLIC).is_err());
        let folder = dir.path().join("folder");
        std::fs::create_dir(&folder).unwrap();
        let err = write_file(&folder, b"x", WriteOptions::PUBLIC).unwrap_err();
        assert!(err.to_string().contains("is a folder, not a regular file"));
        assert!(read_file(Path::new("/dev/null")).is_err());
        // Nothing was left behind.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    }

    #[test]
    fn a_listed_file_is_read_whole_and_nothing_else_blocks() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let big: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(d.join("r.xml"), &big).unwrap();
        std::fs::write(d.join("empty.xml"), b"").unwrap();
        assert_eq!(read_listed_file(&d.join("r.xml")).unwrap().unwrap(), big);
        assert_eq!(
            read_listed_file(&d.join("empty.xml")).unwrap().unwrap(),
            b""
        );
        assert!(read_listed_file(&d.join("gone.xml")).unwrap().is_none());
    }

    #[test]
    #[cfg(unix)]
    fn a_listed_file_swapped_for_a_fifo_folder_or_link_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("r.xml"), b"x").unwrap();
        // Swapped since it was listed: refused at once, never waited on.
        let fifo = std::ffi::CString::new(d.join("p.xml").into_os_string().into_encoded_bytes());
        // SAFETY: a NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(fifo.unwrap().as_ptr(), 0o644) }, 0);
        let err = read_listed_file(&d.join("p.xml")).unwrap_err();
        assert!(
            err.to_string()
                .ends_with("is a FIFO (named pipe), not a regular file"),
            "{err}"
        );
        std::fs::create_dir(d.join("f.xml")).unwrap();
        assert!(read_listed_file(&d.join("f.xml")).is_err());
        std::os::unix::fs::symlink("r.xml", d.join("l.xml")).unwrap();
        assert!(read_listed_file(&d.join("l.xml")).is_err());
    }

    #[test]
    fn missing_folder_is_an_error_and_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("nope").join("f");
        let err = write_file(&p, b"x", WriteOptions::PUBLIC).unwrap_err();
        assert!(
            format!("{err:#}").starts_with(&format!("could not write {}:", p.shown())),
            "{err:#}"
        );
        assert!(!p.exists());
    }

    #[test]
    fn stale_temporaries_are_swept_live_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let stale = d.join(".shipctl.999999.abc.tmp");
        std::fs::write(&stale, b"half").unwrap();
        let stale_dir = d.join(".shipctl.999999.abc.stage");
        std::fs::create_dir_all(stale_dir.join("copy/x")).unwrap();
        let live = d.join(".shipctl.1.live.tmp");
        std::fs::write(&live, b"busy").unwrap();
        let held = Lockable::file(File::open(&live).unwrap());
        held.lock().unwrap();
        let other = d.join(".shipctl-old");
        std::fs::write(&other, b"not ours").unwrap();
        write_file(&d.join("f"), b"x", WriteOptions::PUBLIC).unwrap();
        assert!(!stale.exists());
        assert!(!stale_dir.exists());
        assert!(live.exists());
        assert!(other.exists());
        drop(held);
        sweep_stale(d);
        assert!(!live.exists());
    }

    #[test]
    #[cfg(unix)]
    fn a_lock_shared_by_two_files_is_taken_once() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a");
        let link = dir.path().join("link");
        std::os::unix::fs::symlink("a", &link).unwrap();
        // The same target twice: one lock (a second flock from this process
        // on another handle would wait for ever).
        let locks = lock_files(&[&a, &link, &a]).unwrap();
        assert_eq!(locks.len(), 1);
        assert!(dir.path().join("a.lock").exists());
        drop(locks);
        let _one = lock_beside(&link).unwrap();
    }

    #[test]
    fn in_place_writes_grow_and_shrink() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        for (old, new) in [
            (&b"short"[..], &b"a much longer content"[..]),
            (b"a much longer content", b"tiny"),
            (b"", b"x"),
            (b"x", b""),
        ] {
            std::fs::write(&p, old).unwrap();
            let f = open_checked(&p, true).unwrap();
            write_in_place(&f, &Content::Bytes(new), false).unwrap();
            assert_eq!(std::fs::read(&p).unwrap(), new);
        }
    }

    #[test]
    #[cfg(unix)]
    fn a_rename_refused_across_devices_falls_back_to_in_place() {
        // A temporary file on another file system than its target: the
        // rename fails with EXDEV, as over a bind-mounted file it fails
        // with EBUSY, and the checked bytes are written in place.
        let skip = |why: &str| {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "cannot run under CI=true: {why}"
            );
            crate::diag::notice(format_args!(
                "SKIPPED: fsutil::a_rename_refused_across_devices: {why}"
            ));
        };
        let (Ok(shm), Ok(tmp)) = (tempfile::tempdir_in("/dev/shm"), tempfile::tempdir()) else {
            return skip("no /dev/shm");
        };
        let dev = |p: &Path| std::fs::metadata(p).unwrap().dev();
        if dev(shm.path()) == dev(tmp.path()) {
            return skip("/dev/shm and the temp folder share a file system");
        }
        let p = tmp.path().join("f");
        std::fs::write(&p, b"old content").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o640)).unwrap();
        let ino = std::fs::metadata(&p).unwrap().ino();
        let target = Target::resolve(&p).unwrap();
        let mut temp = TempFile::create(shm.path(), true).unwrap();
        io::Write::write_all(temp.file.handle_mut(), b"new").unwrap();
        let staged = Staged {
            target: &target,
            options: WriteOptions::PUBLIC,
            how: How::Rename(temp),
        };
        assert_eq!(staged.commit().unwrap(), Written::InPlace);
        assert_eq!(std::fs::read(&p).unwrap(), b"new");
        let md = std::fs::metadata(&p).unwrap();
        assert_eq!((md.ino(), md.mode() & 0o777), (ino, 0o640));
        assert_eq!(std::fs::read_dir(shm.path()).unwrap().count(), 0);
    }

    #[test]
    fn together_restores_the_first_when_the_second_fails() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a");
        std::fs::write(&a, b"old a").unwrap();
        let b = dir.path().join("b");
        std::fs::write(&b, b"old b").unwrap();
        let c = dir.path().join("c");
        let (ta, tb, tc) = (
            Target::resolve(&a).unwrap(),
            Target::resolve(&b).unwrap(),
            Target::resolve(&c).unwrap(),
        );
        let change = |target, data| Change {
            target,
            data,
            options: WriteOptions::PUBLIC,
        };
        let changes = [
            change(&ta, &b"new a"[..]),
            change(&tc, &b"new c"[..]),
            change(&tb, &b"new b"[..]),
        ];
        let old = changes
            .iter()
            .map(|c| c.target.read().unwrap())
            .collect::<Vec<_>>();
        let staged = changes
            .iter()
            .map(|c| c.target.stage(Source::Bytes(c.data), c.options).unwrap())
            .collect::<Vec<_>>();
        // b becomes a folder after it was staged: its rename fails.
        std::fs::remove_file(&b).unwrap();
        std::fs::create_dir(&b).unwrap();
        std::fs::write(b.join("inside"), b"x").unwrap();
        let err = commit_all(&changes, &old, staged).unwrap_err();
        assert!(
            format!("{err:#}").contains(&b.shown().to_string()),
            "{err:#}"
        );
        assert_eq!(std::fs::read(&a).unwrap(), b"old a");
        assert!(!c.exists());
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
    }
}
