//! The Windows side of [`crate::platform`] (x86_64-pc-windows-gnu): text is
//! UTF-16 (UTF-8 here), "modes" are an access list (ACL) and the read-only
//! flag, a file lock is `LockFileEx` on one byte far past the end (so that
//! readers are never blocked), a folder lock is a named mutex, the shell is
//! `cmd.exe`.
// Windows only: `set_readonly(false)` clears the read-only flag (the lint
// is about Unix, where it would make a file world-writable).
#![allow(clippy::permissions_set_readonly_false)]

use super::Access;
use crate::exit;
use crate::fsutil::Kind;
use crate::job::JobEnv;
use std::cell::Cell;
use std::ffi::{OsStr, OsString};
use std::fs::{File, FileType, Metadata};
use std::io;
use std::os::windows::ffi::OsStrExt;
use std::os::windows::fs::{FileExt, OpenOptionsExt};
use std::os::windows::io::{AsRawHandle, FromRawHandle};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus};
use std::sync::Mutex;
use windows_sys::Win32::Foundation::{
    CloseHandle, ERROR_LOCK_VIOLATION, GENERIC_READ, GENERIC_WRITE, HANDLE, INVALID_HANDLE_VALUE,
    LocalFree, WAIT_ABANDONED, WAIT_OBJECT_0, WAIT_TIMEOUT,
};
use windows_sys::Win32::Security::Authorization::{
    GetNamedSecurityInfoW, SE_FILE_OBJECT, SetSecurityInfo,
};
use windows_sys::Win32::Security::{
    ACCESS_ALLOWED_ACE, ACL, ACL_REVISION, AddAccessAllowedAceEx, CONTAINER_INHERIT_ACE,
    DACL_SECURITY_INFORMATION, GetLengthSid, GetSecurityDescriptorControl, GetTokenInformation,
    InitializeAcl, InitializeSecurityDescriptor, OBJECT_INHERIT_ACE,
    PROTECTED_DACL_SECURITY_INFORMATION, PSECURITY_DESCRIPTOR, SE_DACL_PROTECTED,
    SECURITY_ATTRIBUTES, SECURITY_DESCRIPTOR, SetSecurityDescriptorControl,
    SetSecurityDescriptorDacl, TOKEN_QUERY, TOKEN_USER, TokenUser,
};
use windows_sys::Win32::Storage::FileSystem::{
    BY_HANDLE_FILE_INFORMATION, CREATE_NEW, CreateFileW, FILE_ALL_ACCESS, FILE_ATTRIBUTE_NORMAL,
    FILE_FLAG_BACKUP_SEMANTICS, FILE_FLAG_OPEN_REPARSE_POINT, FILE_READ_ATTRIBUTES,
    FILE_SHARE_DELETE, FILE_SHARE_READ, FILE_SHARE_WRITE, FILE_STANDARD_INFO, FileStandardInfo,
    GetFileInformationByHandle, GetFileInformationByHandleEx, LOCKFILE_EXCLUSIVE_LOCK,
    LOCKFILE_FAIL_IMMEDIATELY, LockFileEx, READ_CONTROL, WRITE_DAC,
};
use windows_sys::Win32::System::IO::OVERLAPPED;
use windows_sys::Win32::System::SystemServices::SECURITY_DESCRIPTOR_REVISION;
use windows_sys::Win32::System::Threading::{
    CreateMutexW, GetCurrentProcess, INFINITE, OpenProcessToken, ReleaseMutex, WaitForSingleObject,
};

// ---------------------------------------------------------------------------
// Strings and names

/// Whether a name given by the user would leave the folder it is put in
/// when used as a file name: it has a separator (`/` or `\`), a `..`, or
/// a `:` (a drive, `C:x`, or an NTFS stream, `res:stream`).
pub fn leaves_folder(name: &str) -> bool {
    name.contains(['/', '\\', ':']) || name.contains("..")
}

/// What [`leaves_folder`] refuses, for messages.
pub const LEAVES_FOLDER: &str = "'/', '\\', ':' or '..'";

/// A variable's name as the job environment keeps it: upper-case (ASCII),
/// since Windows names in any case are one variable (`Path` is `PATH`).
pub fn env_name(name: OsString) -> OsString {
    match name.into_string() {
        Ok(mut s) => {
            s.make_ascii_uppercase();
            s.into()
        }
        Err(name) => name,
    }
}

/// A name to look a variable up by (see [`env_name`]).
pub fn env_lookup(name: &str) -> std::borrow::Cow<'_, str> {
    match name.bytes().any(|b| b.is_ascii_lowercase()) {
        true => name.to_ascii_uppercase().into(),
        false => name.into(),
    }
}

/// What separates the folders of `PATH`.
pub const PATH_SEPARATOR: u8 = b';';

/// Bytes (from [`super::bytes`], or a part of them) as an OS string
/// (see [`os_string`]).
pub fn os_str(bytes: &[u8]) -> std::borrow::Cow<'_, OsStr> {
    match std::str::from_utf8(bytes) {
        Ok(s) => std::borrow::Cow::Borrowed(OsStr::new(s)),
        Err(_) => std::borrow::Cow::Owned(os_string(bytes.to_vec())),
    }
}

/// An OS string that is no valid text (for tests): a lone UTF-16
/// surrogate.
#[cfg(test)]
pub fn not_unicode() -> OsString {
    use std::os::windows::ffi::OsStringExt;
    OsString::from_wide(&[0xd800])
}

/// Bytes as an OS string: Windows text is Unicode, so bytes that are not
/// UTF-8 become U+FFFD (values from env files and reports; names and
/// values given as arguments arrive as UTF-16 and are exact).
pub fn os_string(bytes: Vec<u8>) -> OsString {
    match String::from_utf8(bytes) {
        Ok(s) => s.into(),
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned().into(),
    }
}

/// A path as a NUL-terminated UTF-16 string for the API.
fn wide(path: &Path) -> Vec<u16> {
    path.as_os_str().encode_wide().chain(Some(0)).collect()
}

fn check(ok: windows_sys::core::BOOL) -> io::Result<()> {
    match ok {
        0 => Err(io::Error::last_os_error()),
        _ => Ok(()),
    }
}

// ---------------------------------------------------------------------------
// Kinds, identity, modes

/// What a file type is: a file, a folder, or (a device, a pipe) neither.
pub fn kind_of(t: &FileType) -> Kind {
    if t.is_dir() {
        Kind::Folder
    } else if t.is_file() {
        Kind::File
    } else {
        Kind::CharDevice
    }
}

/// Whether an I/O error is a symbolic link loop
/// (ERROR_CANT_RESOLVE_FILENAME).
pub fn is_loop(e: &io::Error) -> bool {
    e.raw_os_error() == Some(1921)
}

/// A file's identity, the same for every path and handle to it: (volume
/// serial number, file index). Also the order locks are taken in.
pub type FileKey = (u64, u64);

fn info(file: &File) -> io::Result<BY_HANDLE_FILE_INFORMATION> {
    // SAFETY: a valid handle and a buffer of the right type.
    unsafe {
        let mut info: BY_HANDLE_FILE_INFORMATION = std::mem::zeroed();
        check(GetFileInformationByHandle(
            file.as_raw_handle() as HANDLE,
            &mut info,
        ))?;
        Ok(info)
    }
}

/// The identity of an open file.
pub fn file_key(file: &File) -> io::Result<FileKey> {
    let i = info(file)?;
    Ok((
        u64::from(i.dwVolumeSerialNumber),
        (u64::from(i.nFileIndexHigh) << 32) | u64::from(i.nFileIndexLow),
    ))
}

/// Open a file or folder to look at it (no link followed, no data access).
fn open_attributes(path: &Path) -> io::Result<File> {
    std::fs::OpenOptions::new()
        .access_mode(FILE_READ_ATTRIBUTES)
        .custom_flags(FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OPEN_REPARSE_POINT)
        .open(path)
}

/// Whether the open `file` is still what `path` names (not replaced or
/// removed since it was opened; a link at `path` is not followed).
pub fn same_entry(file: &File, path: &Path) -> bool {
    match (
        file_key(file),
        open_attributes(path).and_then(|f| file_key(&f)),
    ) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Whether the open file has been removed (deleted while open: "delete
/// pending", or no name left).
pub fn is_unlinked(file: &File) -> io::Result<bool> {
    // SAFETY: a valid handle and a buffer of the class's type and size.
    unsafe {
        let mut info: FILE_STANDARD_INFO = std::mem::zeroed();
        check(GetFileInformationByHandleEx(
            file.as_raw_handle() as HANDLE,
            FileStandardInfo,
            (&raw mut info).cast(),
            size_of::<FILE_STANDARD_INFO>() as u32,
        ))?;
        Ok(info.DeletePending || info.NumberOfLinks == 0)
    }
}

/// The "mode" of a file: Windows has no mode bits; the read-only flag is
/// the write bits (0o444 or 0o666; a folder also 0o111).
pub fn mode_of(md: &Metadata) -> u32 {
    let base = match md.permissions().readonly() {
        true => 0o444,
        false => 0o666,
    };
    match md.is_dir() {
        true => base | 0o111,
        false => base,
    }
}

/// Never: a Windows file has no group or other bits to judge by (its
/// access list is what lets others in, and a write keeps it as it is;
/// see [`apply_access`]), so no warning is given.
pub fn open_to_others(_md: &Metadata) -> Option<u32> {
    None
}

/// The current user's SID (in the `TOKEN_USER` buffer it points into).
struct UserSid {
    buf: Vec<u64>,
}

impl UserSid {
    fn current() -> io::Result<UserSid> {
        // SAFETY: the token handle is closed below; the buffer is sized
        // by the first call and aligned for TOKEN_USER (u64 words).
        unsafe {
            let mut token: HANDLE = std::ptr::null_mut();
            check(OpenProcessToken(
                GetCurrentProcess(),
                TOKEN_QUERY,
                &mut token,
            ))?;
            let mut len = 0u32;
            GetTokenInformation(token, TokenUser, std::ptr::null_mut(), 0, &mut len);
            let mut buf = vec![0u64; (len as usize).div_ceil(8).max(1)];
            let ok = GetTokenInformation(token, TokenUser, buf.as_mut_ptr().cast(), len, &mut len);
            CloseHandle(token);
            check(ok)?;
            Ok(UserSid { buf })
        }
    }

    fn sid(&self) -> *mut core::ffi::c_void {
        // SAFETY: the buffer holds a TOKEN_USER filled in by the system.
        unsafe { (*self.buf.as_ptr().cast::<TOKEN_USER>()).User.Sid }
    }
}

/// An access list that lets the current user do everything and nobody
/// else anything (the 0600 of Windows); `inherit`: also for what is
/// created inside (a folder's 0700).
struct OwnerOnly {
    _sid: UserSid,
    acl: Vec<u64>,
}

impl OwnerOnly {
    fn new(inherit: bool) -> io::Result<OwnerOnly> {
        let sid = UserSid::current()?;
        // SAFETY: the ACL buffer is sized for one ACE with this SID and
        // aligned (u64 words); the SID lives in `sid`.
        unsafe {
            let len = size_of::<ACL>()
                + size_of::<ACCESS_ALLOWED_ACE>()
                + GetLengthSid(sid.sid()) as usize;
            let mut acl = vec![0u64; len.div_ceil(8)];
            let p = acl.as_mut_ptr().cast::<ACL>();
            check(InitializeAcl(p, (acl.len() * 8) as u32, ACL_REVISION))?;
            let flags = match inherit {
                true => OBJECT_INHERIT_ACE | CONTAINER_INHERIT_ACE,
                false => 0,
            };
            check(AddAccessAllowedAceEx(
                p,
                ACL_REVISION,
                flags,
                FILE_ALL_ACCESS,
                sid.sid(),
            ))?;
            Ok(OwnerOnly { _sid: sid, acl })
        }
    }

    fn acl(&self) -> *const ACL {
        self.acl.as_ptr().cast()
    }

    /// Make it the protected (not inherited) access list of an open
    /// handle that has WRITE_DAC.
    fn set_on(&self, handle: HANDLE) -> io::Result<()> {
        let what = DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION;
        // SAFETY: a valid handle and ACL.
        let e = unsafe {
            SetSecurityInfo(
                handle,
                SE_FILE_OBJECT,
                what,
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                self.acl(),
                std::ptr::null(),
            )
        };
        match e {
            0 => Ok(()),
            e => Err(io::Error::from_raw_os_error(e as i32)),
        }
    }
}

/// The access list of the file at `path`, read with
/// GetNamedSecurityInfoW: its security descriptor (the caller frees it with
/// LocalFree), the DACL inside it, and whether that list is protected from
/// inheritance.
///
/// # Safety
/// The DACL points into the descriptor: it must not be used after the
/// descriptor is freed.
unsafe fn named_dacl(path: &Path) -> io::Result<(PSECURITY_DESCRIPTOR, *mut ACL, bool)> {
    let name = wide(path);
    let mut dacl: *mut ACL = std::ptr::null_mut();
    let mut sd: PSECURITY_DESCRIPTOR = std::ptr::null_mut();
    // SAFETY: a NUL-terminated wide path and out-pointers to locals.
    let e = unsafe {
        GetNamedSecurityInfoW(
            name.as_ptr(),
            SE_FILE_OBJECT,
            DACL_SECURITY_INFORMATION,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            &mut dacl,
            std::ptr::null_mut(),
            &mut sd,
        )
    };
    if e != 0 {
        return Err(io::Error::from_raw_os_error(e as i32));
    }
    let mut control = 0u16;
    let mut revision = 0u32;
    // SAFETY: `sd` is the descriptor just returned.
    let ok = unsafe { GetSecurityDescriptorControl(sd, &mut control, &mut revision) } != 0;
    Ok((sd, dacl, ok && control & SE_DACL_PROTECTED != 0))
}

/// Copy the access list of the file at `from` onto a handle when it is
/// an explicit one (protected from inheritance, such as [`OwnerOnly`]);
/// an inherited list the new file in the same folder inherits anyway.
fn copy_access_list(from: &Path, handle: HANDLE) -> io::Result<()> {
    // SAFETY: the descriptor is freed with LocalFree; the DACL points into
    // it and is not used after.
    unsafe {
        let (sd, dacl, protected) = named_dacl(from)?;
        let e = match protected {
            false => 0,
            true => SetSecurityInfo(
                handle,
                SE_FILE_OBJECT,
                DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION,
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                dacl,
                std::ptr::null(),
            ),
        };
        LocalFree(sd);
        match e {
            0 => Ok(()),
            e => Err(io::Error::from_raw_os_error(e as i32)),
        }
    }
}

/// Give the open file (made by [`create_temp_file`], private when
/// `access.private()`) its access for a write (see [`Access`]): a replaced
/// file's explicit access list (such as a private file's) and read-only
/// flag are kept, best effort, as its owner is on Unix; otherwise the file
/// has the list it was made with (its owner's alone for a private mode,
/// else its folder's), and no write bit is the read-only flag.
pub fn apply_access(file: &File, _path: &Path, access: Access) -> io::Result<()> {
    let readonly = match (access.mode, access.old) {
        (None, Some((old, md))) => {
            let _ = copy_access_list(old, file.as_raw_handle() as HANDLE);
            md.permissions().readonly()
        }
        (mode, _) => mode.unwrap_or(access.new_mode) & 0o222 == 0,
    };
    if readonly {
        let mut p = file.metadata()?.permissions();
        p.set_readonly(true);
        file.set_permissions(p)?;
    }
    Ok(())
}

/// Set the "mode" of an open file (a copy): the read-only flag.
pub fn set_file_mode(file: &File, mode: u32) -> io::Result<()> {
    let mut p = file.metadata()?.permissions();
    p.set_readonly(mode & 0o222 == 0);
    file.set_permissions(p)
}

/// Set the "mode" of a path: a folder for its owner alone (0o700) gets an
/// owner-only access list that what is made inside inherits; a file's
/// write bits are its read-only flag. Other folder modes change nothing.
pub fn set_path_mode(path: &Path, mode: u32) -> io::Result<()> {
    let md = std::fs::metadata(path)?;
    if md.is_dir() {
        if mode & 0o077 == 0 {
            let dir = std::fs::OpenOptions::new()
                .access_mode(READ_CONTROL | WRITE_DAC)
                .custom_flags(FILE_FLAG_BACKUP_SEMANTICS)
                .open(path)?;
            OwnerOnly::new(true)?.set_on(dir.as_raw_handle() as HANDLE)?;
        }
        return Ok(());
    }
    let mut p = md.permissions();
    p.set_readonly(mode & 0o222 == 0);
    std::fs::set_permissions(path, p)
}

/// Make a folder's content removable: the read-only flag taken off the
/// folder and the files in it (Windows refuses to delete a read-only file).
pub fn make_writable(dir: &Path) -> io::Result<()> {
    let clear = |p: &Path| {
        if let Ok(md) = std::fs::symlink_metadata(p)
            && md.permissions().readonly()
        {
            let mut perm = md.permissions();
            perm.set_readonly(false);
            let _ = std::fs::set_permissions(p, perm);
        }
    };
    clear(dir);
    for e in std::fs::read_dir(dir)?.flatten() {
        if e.file_type().is_ok_and(|t| !t.is_dir()) {
            clear(&e.path());
        }
    }
    Ok(())
}

/// A folder builder (Windows folders have no mode; see [`set_path_mode`]).
pub fn dir_builder(_mode: Option<u32>) -> std::fs::DirBuilder {
    std::fs::DirBuilder::new()
}

// ---------------------------------------------------------------------------
// Opening

/// Open a path without following a final link (a reparse point is opened
/// itself, and is then no regular file).
pub fn open_no_follow(path: &Path, write: bool) -> io::Result<File> {
    std::fs::OpenOptions::new()
        .read(!write)
        .write(write)
        .custom_flags(FILE_FLAG_OPEN_REPARSE_POINT)
        .open(path)
}

/// Open a user's input for reading (a file, or a pipe or device read to
/// its end). A folder opens too (FILE_FLAG_BACKUP_SEMANTICS), so that the caller
/// names it as a folder rather than Windows' "Access denied".
pub fn open_input(path: &Path) -> io::Result<File> {
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(FILE_FLAG_BACKUP_SEMANTICS)
        .open(path)
}

/// Nothing to do: an input opened by [`open_input`] blocks as it is.
pub fn make_blocking(_file: &File) -> io::Result<()> {
    Ok(())
}

/// The access a write's new file is opened with: its content, and its
/// access list (WRITE_DAC), read-only flag (GENERIC_WRITE) and identity.
const TEMP_ACCESS: u32 = GENERIC_READ | GENERIC_WRITE | READ_CONTROL | WRITE_DAC;

/// Create a new file for a write's content. `private`: with an access
/// list for its owner alone from the start, so that no one else can open
/// it even for the instant before [`apply_access`].
pub fn create_temp_file(path: &Path, private: bool) -> io::Result<File> {
    if !private {
        return std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .access_mode(TEMP_ACCESS)
            .open(path);
    }
    let owner = OwnerOnly::new(false)?;
    let name = wide(path);
    // SAFETY: the descriptor and ACL outlive the call; the handle returned
    // is owned by the File.
    unsafe {
        let mut sd: SECURITY_DESCRIPTOR = std::mem::zeroed();
        let psd: PSECURITY_DESCRIPTOR = (&raw mut sd).cast();
        check(InitializeSecurityDescriptor(
            psd,
            SECURITY_DESCRIPTOR_REVISION,
        ))?;
        check(SetSecurityDescriptorDacl(psd, 1, owner.acl(), 0))?;
        check(SetSecurityDescriptorControl(
            psd,
            SE_DACL_PROTECTED,
            SE_DACL_PROTECTED,
        ))?;
        let sa = SECURITY_ATTRIBUTES {
            nLength: size_of::<SECURITY_ATTRIBUTES>() as u32,
            lpSecurityDescriptor: psd,
            bInheritHandle: 0,
        };
        let h = CreateFileW(
            name.as_ptr(),
            TEMP_ACCESS,
            FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
            &sa,
            CREATE_NEW,
            FILE_ATTRIBUTE_NORMAL,
            std::ptr::null_mut(),
        );
        if h == INVALID_HANDLE_VALUE {
            return Err(io::Error::last_os_error());
        }
        Ok(File::from_raw_handle(h))
    }
}

/// Open (create if missing) the lock file of a read-modify-write, without
/// following a link.
pub fn open_lock_file(path: &Path) -> io::Result<File> {
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .custom_flags(FILE_FLAG_OPEN_REPARSE_POINT)
        .open(path)
}

/// Windows has no bind-mounted files: never.
pub fn is_mount_point(_path: &Path) -> bool {
    false
}

/// Read at an offset.
pub fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    file.seek_read(buf, offset)
}

/// Write all of `buf` at an offset.
pub fn write_all_at(file: &File, mut buf: &[u8], mut offset: u64) -> io::Result<()> {
    while !buf.is_empty() {
        match file.seek_write(buf, offset) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => {
                buf = &buf[n..];
                offset += n as u64;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Create a symbolic link `link` whose text is `target`, a copy of the
/// link at `original`: a folder link where that one leads to a folder,
/// else a file link (Windows tells them apart). Needs the right to make
/// links (Developer Mode, or an administrator).
pub fn symlink(target: &Path, link: &Path, original: &Path) -> io::Result<()> {
    match std::fs::metadata(original).is_ok_and(|m| m.is_dir()) {
        true => std::os::windows::fs::symlink_dir(target, link),
        false => std::os::windows::fs::symlink_file(target, link),
    }
}

/// Rename `from` over `to`. Windows refuses while another process has
/// `to` open without sharing its deletion (a virus scanner, an indexer, a
/// reader on an older system) or when `to` is read-only: the read-only
/// flag is taken off and the rename tried again for up to about two
/// seconds.
pub fn rename(from: &Path, to: &Path) -> io::Result<()> {
    let mut wait = std::time::Duration::from_millis(5);
    let mut waited = std::time::Duration::ZERO;
    loop {
        match std::fs::rename(from, to) {
            Err(e)
                if e.kind() == io::ErrorKind::PermissionDenied
                    && waited < std::time::Duration::from_secs(2) =>
            {
                if let Ok(md) = std::fs::symlink_metadata(to)
                    && md.permissions().readonly()
                {
                    let mut p = md.permissions();
                    p.set_readonly(false);
                    let _ = std::fs::set_permissions(to, p);
                    continue;
                }
                std::thread::sleep(wait);
                waited += wait;
                wait = (wait * 2).min(std::time::Duration::from_millis(200));
            }
            other => return other,
        }
    }
}

// ---------------------------------------------------------------------------
// Locks

/// The byte a file lock covers: far past any end, so that the lock never
/// stands in the way of a reader or writer of the data (Windows locks are
/// mandatory for the bytes they cover).
const LOCK_OFFSET: u64 = 0x7fff_ffff_ffff_fff0;

fn lock_byte(file: &File, wait: bool) -> io::Result<bool> {
    let mut flags = LOCKFILE_EXCLUSIVE_LOCK;
    if !wait {
        flags |= LOCKFILE_FAIL_IMMEDIATELY;
    }
    // SAFETY: a valid handle, opened for synchronous I/O (the call returns
    // when the lock is taken), and an OVERLAPPED that holds the offset.
    unsafe {
        let mut ov: OVERLAPPED = std::mem::zeroed();
        ov.Anonymous.Anonymous.Offset = LOCK_OFFSET as u32;
        ov.Anonymous.Anonymous.OffsetHigh = (LOCK_OFFSET >> 32) as u32;
        match LockFileEx(file.as_raw_handle() as HANDLE, flags, 0, 1, 0, &mut ov) {
            0 => {
                let e = io::Error::last_os_error();
                match e.raw_os_error() == Some(ERROR_LOCK_VIOLATION as i32) {
                    true => Ok(false),
                    false => Err(e),
                }
            }
            _ => Ok(true),
        }
    }
}

/// The folders this process holds locks on (a named mutex lets its owner
/// thread take it again, where flock on another handle would not).
static HELD: Mutex<Vec<FileKey>> = Mutex::new(Vec::new());

/// A file or folder opened to be locked, released when dropped (and by
/// the system when the process ends, however it ends). A file: an
/// exclusive `LockFileEx` on one byte far past its end. A folder (which
/// Windows cannot lock): the named mutex `Global\shipctl.folder.<volume>.
/// <index>` of its identity, held by the thread that took it. Two handles
/// conflict even in one process.
#[derive(Debug)]
pub struct Lockable {
    file: File,
    folder: bool,
    mutex: Cell<HANDLE>,
}

impl Lockable {
    /// A regular file (a lock file, a temporary file).
    pub fn file(file: File) -> Lockable {
        Lockable {
            file,
            folder: false,
            mutex: Cell::new(std::ptr::null_mut()),
        }
    }

    /// A folder, locked by its identity (no lock file is left in it).
    pub fn folder(dir: &Path) -> io::Result<Lockable> {
        let file = std::fs::OpenOptions::new()
            .access_mode(FILE_READ_ATTRIBUTES)
            .custom_flags(FILE_FLAG_BACKUP_SEMANTICS)
            .open(dir)?;
        Ok(Lockable {
            file,
            folder: true,
            mutex: Cell::new(std::ptr::null_mut()),
        })
    }

    /// A temporary file or staging folder found by a sweep, opened without
    /// following a link.
    pub fn entry(path: &Path, folder: bool) -> io::Result<Lockable> {
        match folder {
            true => Ok(Lockable {
                file: open_attributes(path)?,
                folder: true,
                mutex: Cell::new(std::ptr::null_mut()),
            }),
            false => open_no_follow(path, false).map(Lockable::file),
        }
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
        match self.folder {
            false => lock_byte(&self.file, true).map(|_| ()),
            true => self.lock_folder(INFINITE).map(|_| ()),
        }
    }

    /// Take the lock if nobody holds it: `Ok(false)` when someone does.
    pub fn try_lock(&self) -> io::Result<bool> {
        match self.folder {
            false => lock_byte(&self.file, false),
            true => {
                let key = self.key()?;
                if HELD.lock().map(|h| h.contains(&key)).unwrap_or(true) {
                    return Ok(false);
                }
                self.lock_folder(0)
            }
        }
    }

    fn lock_folder(&self, wait_ms: u32) -> io::Result<bool> {
        let (volume, index) = self.key()?;
        let mut mutex = std::ptr::null_mut();
        for space in ["Global", "Local"] {
            let name: Vec<u16> = format!("{space}\\shipctl.folder.{volume:x}.{index:x}")
                .encode_utf16()
                .chain(Some(0))
                .collect();
            // SAFETY: a NUL-terminated name; the handle is closed on drop
            // (or below).
            mutex = unsafe { CreateMutexW(std::ptr::null(), 0, name.as_ptr()) };
            if !mutex.is_null() {
                break;
            }
        }
        if mutex.is_null() {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: a valid mutex handle.
        match unsafe { WaitForSingleObject(mutex, wait_ms) } {
            WAIT_OBJECT_0 | WAIT_ABANDONED => {
                self.mutex.set(mutex);
                if let Ok(mut held) = HELD.lock() {
                    held.push((volume, index));
                }
                Ok(true)
            }
            w => {
                let e = io::Error::last_os_error();
                // SAFETY: ours, not kept.
                unsafe { CloseHandle(mutex) };
                match w == WAIT_TIMEOUT {
                    true => Ok(false),
                    false => Err(e),
                }
            }
        }
    }
}

impl Drop for Lockable {
    fn drop(&mut self) {
        let mutex = self.mutex.get();
        if mutex.is_null() {
            return;
        }
        if let (Ok(key), Ok(mut held)) = (self.key(), HELD.lock())
            && let Some(i) = held.iter().position(|k| *k == key)
        {
            held.swap_remove(i);
        }
        // SAFETY: a mutex this thread owns.
        unsafe {
            ReleaseMutex(mutex);
            CloseHandle(mutex);
        }
    }
}

// ---------------------------------------------------------------------------
// Processes

/// The command that runs one line of shell text: `cmd.exe /D /S /C
/// "LINE"` (no AutoRun; the line as written, between the quotes cmd takes
/// off again: how Node.js and Python's `shell=True` run a line).
pub fn shell(line: &OsStr) -> Command {
    use std::os::windows::process::CommandExt;
    let mut quoted = OsString::from("\"");
    quoted.push(line);
    quoted.push("\"");
    let mut cmd = Command::new("cmd.exe");
    cmd.args(["/D", "/S", "/C"]).raw_arg(quoted);
    cmd
}

/// The name `retry` shows for the shell of [`shell`].
pub const SHELL_NAME: &str = "cmd";

/// An exit status as a number from 0 to 255: the exit code when it fits,
/// else 1 (a crash's NTSTATUS such as 0xC0000005).
pub fn exit_code(status: ExitStatus) -> u8 {
    status
        .code()
        .and_then(|c| u8::try_from(c).ok())
        .unwrap_or(exit::FAILURE)
}

/// A start that failed for a passing reason, worth another try: the
/// program file in use (ERROR_SHARING_VIOLATION), no memory or resources
/// to spare.
pub fn start_error_is_transient(e: &io::Error) -> bool {
    matches!(e.raw_os_error(), Some(32 | 8 | 14 | 1450))
}

/// Is `name` a program that can be started as is: a path (with `\`, `/`
/// or a drive) to a file, or a file in a folder of the job's `PATH`; as
/// written or with `.exe` added (what starting it does).
pub fn is_program(env: &JobEnv, name: &OsStr) -> bool {
    let runnable = |p: &Path| {
        p.is_file() || {
            let mut exe = p.as_os_str().to_owned();
            exe.push(".exe");
            Path::new(&exe).is_file()
        }
    };
    let b = super::bytes(name);
    if b.iter().any(|&c| matches!(c, b'/' | b'\\' | b':')) {
        return runnable(Path::new(name));
    }
    let path = env.raw("PATH").unwrap_or_default();
    std::env::split_paths(path).any(|dir| runnable(&dir.join(name)))
}

// ---------------------------------------------------------------------------
// JDKs

/// Where JDKs live, under `%ProgramFiles%`: `Java` (Oracle's installer:
/// `jdk-17`, `jdk1.8.0_301`; named by the layouts of `commands::jdk`), and
/// the folders of the OpenJDK builds' installers, where every JDK is an
/// OpenJDK whatever its folder's name (`Eclipse Adoptium\jdk-17.0.9.9-
/// hotspot`, `Microsoft\jdk-21.0.1.12-hotspot`, `Zulu\zulu-17`, `Amazon
/// Corretto\jdk17.0.9_8`, `BellSoft\LibericaJDK-17`,
/// `AdoptOpenJDK\jdk-11.0.11.9-hotspot`, `OpenJDK\jdk-17.0.2`).
pub fn jdk_folders(env: &JobEnv) -> Vec<super::JdkFolder> {
    let pf = env
        .raw("ProgramFiles")
        .filter(|v| !v.is_empty())
        .map_or_else(|| PathBuf::from(r"C:\Program Files"), PathBuf::from);
    let folder = |name: &str, openjdk_only| super::JdkFolder {
        path: pf.join(name),
        openjdk_only,
    };
    let mut dirs = vec![folder("Java", false)];
    for vendor in [
        "Eclipse Adoptium",
        "Microsoft",
        "Zulu",
        "Amazon Corretto",
        "BellSoft",
        "AdoptOpenJDK",
        "OpenJDK",
    ] {
        dirs.push(folder(vendor, true));
    }
    dirs
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether the file's access list is protected (not inherited), and
    /// the SIDs its allow entries are for, as the system reads it back.
    fn access_list(path: &Path) -> (bool, Vec<String>) {
        use windows_sys::Win32::Security::Authorization::ConvertSidToStringSidW;
        use windows_sys::Win32::Security::GetAce;
        // SAFETY: the descriptor is freed with LocalFree; the ACEs and the
        // SID strings point into buffers the system owns until then.
        unsafe {
            let (sd, dacl, protected) = named_dacl(path)
                .unwrap_or_else(|e| panic!("GetNamedSecurityInfoW {}: {e}", path.display()));
            let mut sids = Vec::new();
            for i in 0..u32::from((*dacl).AceCount) {
                let mut ace: *mut core::ffi::c_void = std::ptr::null_mut();
                GetAce(dacl, i, &mut ace);
                let ace = ace.cast::<ACCESS_ALLOWED_ACE>();
                let mut s: windows_sys::core::PWSTR = std::ptr::null_mut();
                ConvertSidToStringSidW((&raw mut (*ace).SidStart).cast(), &mut s);
                let len = (0..).take_while(|&n| *s.add(n) != 0).count();
                sids.push(String::from_utf16_lossy(std::slice::from_raw_parts(s, len)));
                LocalFree(s.cast());
            }
            LocalFree(sd);
            (protected, sids)
        }
    }

    fn me() -> String {
        use windows_sys::Win32::Security::Authorization::ConvertSidToStringSidW;
        let sid = UserSid::current().unwrap();
        // SAFETY: the string is freed with LocalFree.
        unsafe {
            let mut s: windows_sys::core::PWSTR = std::ptr::null_mut();
            ConvertSidToStringSidW(sid.sid(), &mut s);
            let len = (0..).take_while(|&n| *s.add(n) != 0).count();
            let text = String::from_utf16_lossy(std::slice::from_raw_parts(s, len));
            LocalFree(s.cast());
            text
        }
    }

    #[test]
    fn a_private_file_is_its_owners_alone_from_the_start() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("credentials");
        let f = create_temp_file(&p, true).unwrap();
        assert_eq!(access_list(&p), (true, vec![me()]));
        let access = Access {
            mode: None,
            new_mode: 0o600,
            old: None,
        };
        apply_access(&f, &p, access).unwrap();
        assert_eq!(access_list(&p), (true, vec![me()]));
        assert!(!std::fs::metadata(&p).unwrap().permissions().readonly());
    }

    #[test]
    fn a_replaced_file_keeps_its_access_list_and_read_only_flag() {
        let dir = tempfile::tempdir().unwrap();
        let old = dir.path().join("old");
        let f = create_temp_file(&old, true).unwrap();
        drop(f);
        let mut p = std::fs::metadata(&old).unwrap().permissions();
        p.set_readonly(true);
        std::fs::set_permissions(&old, p).unwrap();
        let md = std::fs::metadata(&old).unwrap();
        // A public write (new files 0644) over a private, read-only file.
        let new = dir.path().join("new");
        let f = create_temp_file(&new, false).unwrap();
        let access = Access {
            mode: None,
            new_mode: 0o644,
            old: Some((&old, &md)),
        };
        apply_access(&f, &new, access).unwrap();
        drop(f);
        assert_eq!(access_list(&new), (true, vec![me()]));
        assert!(std::fs::metadata(&new).unwrap().permissions().readonly());
        // The rename takes the read-only flag off the old file first.
        rename(&new, &old).unwrap();
        assert!(!new.exists());
        assert!(std::fs::metadata(&old).unwrap().permissions().readonly());
    }

    #[test]
    fn a_folder_for_its_owner_alone_passes_that_on() {
        let dir = tempfile::tempdir().unwrap();
        let aws = dir.path().join(".aws");
        std::fs::create_dir(&aws).unwrap();
        set_path_mode(&aws, 0o700).unwrap();
        assert_eq!(access_list(&aws), (true, vec![me()]));
    }

    #[test]
    fn a_file_lock_conflicts_between_handles_and_leaves_the_data_alone() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        std::fs::write(&p, b"content").unwrap();
        let a = Lockable::file(File::open(&p).unwrap());
        a.lock().unwrap();
        let b = Lockable::file(File::open(&p).unwrap());
        assert!(!b.try_lock().unwrap());
        // Readers and writers of the data are not in the lock's way.
        assert_eq!(std::fs::read(&p).unwrap(), b"content");
        std::fs::write(&p, b"other").unwrap();
        drop(a);
        assert!(b.try_lock().unwrap());
    }

    #[test]
    fn a_folder_lock_conflicts_between_handles_of_one_process() {
        let dir = tempfile::tempdir().unwrap();
        let a = Lockable::folder(dir.path()).unwrap();
        a.lock().unwrap();
        let b = Lockable::folder(dir.path()).unwrap();
        assert!(!b.try_lock().unwrap());
        let sub = dir.path().join("sub");
        std::fs::create_dir(&sub).unwrap();
        let c = Lockable::entry(&sub, true).unwrap();
        assert!(c.try_lock().unwrap());
        drop(a);
        assert!(b.try_lock().unwrap());
        // From another thread (another owner of the mutex) it waits.
        let path = dir.path().to_path_buf();
        let other =
            std::thread::spawn(move || Lockable::folder(&path).unwrap().try_lock().unwrap());
        assert!(!other.join().unwrap());
    }

    #[test]
    fn identity() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        let f = create_temp_file(&p, false).unwrap();
        assert!(same_entry(&f, &p));
        assert!(!same_entry(&f, dir.path()));
        let other = dir.path().join("g");
        std::fs::write(&other, b"").unwrap();
        assert!(!same_entry(&f, &other));
        assert_eq!(
            file_key(&f).unwrap(),
            file_key(&File::open(&p).unwrap()).unwrap()
        );
        assert_ne!(
            file_key(&f).unwrap(),
            file_key(&File::open(&other).unwrap()).unwrap()
        );
    }

    #[test]
    fn a_file_removed_while_open_is_unlinked() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        let f = create_temp_file(&p, false).unwrap();
        assert!(!is_unlinked(&f).unwrap());
        std::fs::remove_file(&p).unwrap();
        assert!(is_unlinked(&f).unwrap());
    }

    #[test]
    fn shell_lines_run_through_cmd() {
        let status = shell(OsStr::new("echo a b & exit 3")).status().unwrap();
        assert_eq!(exit_code(status), 3);
        let out = shell(OsStr::new(r#"echo "x  y""#)).output().unwrap();
        assert_eq!(out.stdout, b"\"x  y\"\r\n");
    }

    #[test]
    fn variable_names_in_any_case_are_one() {
        assert_eq!(env_name("Path".into()), "PATH");
        assert_eq!(env_lookup("path"), "PATH");
        assert_eq!(env_lookup("JOB_PATH"), "JOB_PATH");
    }
}
