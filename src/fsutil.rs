//! The only place that writes files: atomically (a temporary file in the
//! same folder, written, synced, then renamed over the target), so that a
//! reader or a crash never sees half a file.

use anyhow::{Context, Result};
use std::io::Write;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Where a write to `path` must land: a symlink is written through to its
/// target (the link stays a link); anything else is `path` itself.
pub fn write_target(path: &Path) -> PathBuf {
    match std::fs::symlink_metadata(path) {
        Ok(md) if md.file_type().is_symlink() => match std::fs::read_link(path) {
            Ok(t) if t.is_absolute() => write_target(&t),
            Ok(t) => write_target(&path.parent().unwrap_or(Path::new(".")).join(t)),
            Err(_) => path.to_path_buf(),
        },
        _ => path.to_path_buf(),
    }
}

/// Replace `path` with `data` atomically. The mode is `mode` when given,
/// else the existing file's mode, else 0644 for a new file.
pub fn atomic_write(path: &Path, data: &[u8], mode: Option<u32>) -> Result<()> {
    write_atomically(path, mode, true, |f| f.write_all(data))
}

/// [`atomic_write`] without the fsync before the rename: every reader and a
/// killed writer still see the old file or the new one, never a mix; only a
/// power loss could lose the change. For the job's state files, which live
/// for one run and are written hundreds of times in a loop (an fsync costs
/// milliseconds, more than the whole rest of a call).
pub fn atomic_write_unsynced(path: &Path, data: &[u8]) -> Result<()> {
    write_atomically(path, None, false, |f| f.write_all(data))
}

/// Like [`atomic_write`], with the content produced by `fill` (for content
/// streamed from elsewhere, so memory stays flat).
pub fn atomic_write_with(
    path: &Path,
    mode: Option<u32>,
    fill: impl FnOnce(&mut std::fs::File) -> std::io::Result<()>,
) -> Result<()> {
    write_atomically(path, mode, true, fill)
}

fn write_atomically(
    path: &Path,
    mode: Option<u32>,
    sync: bool,
    fill: impl FnOnce(&mut std::fs::File) -> std::io::Result<()>,
) -> Result<()> {
    let target = write_target(path);
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mode = mode
        .or_else(|| {
            std::fs::metadata(&target)
                .ok()
                .map(|m| m.permissions().mode() & 0o7777)
        })
        .unwrap_or(0o644);
    let mut tmp = tempfile::Builder::new()
        .prefix(".shipctl-")
        .tempfile_in(dir)
        .with_context(|| format!("could not create a temporary file in {}", dir.display()))?;
    let owner = std::fs::metadata(&target).ok().map(|m| (m.uid(), m.gid()));
    let write = |tmp: &mut tempfile::NamedTempFile| -> std::io::Result<()> {
        fill(tmp.as_file_mut())?;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(mode))?;
        // Keep the replaced file's owner (CI often runs as root over a
        // user's HOME). Without the right to do so, the file becomes ours.
        if let Some((uid, gid)) = owner {
            let _ = std::os::unix::fs::fchown(tmp.as_file(), Some(uid), Some(gid));
        }
        match sync {
            true => tmp.as_file().sync_all(),
            false => Ok(()),
        }
    };
    write(&mut tmp).with_context(|| format!("could not write {}", target.display()))?;
    tmp.persist(&target)
        .map_err(|e| e.error)
        .with_context(|| format!("could not replace {}", target.display()))?;
    Ok(())
}

/// Take an exclusive lock on a folder (`flock` on the folder itself, so no
/// lock file is left behind in it). Held until the returned handle drops.
/// Every writer of the folder's key=value files takes it, so that a
/// read-check-append never interleaves with another.
pub fn lock_folder(dir: &Path) -> Result<std::fs::File> {
    let f = std::fs::File::open(dir)
        .with_context(|| format!("could not open {} to lock it", dir.display()))?;
    f.lock()
        .with_context(|| format!("could not lock {}", dir.display()))?;
    Ok(f)
}

/// Copy `src` (a file, or a folder recursively) to exactly `dst`, the way
/// `cp -r src dst` does when `dst` is the final name: a file replaces a file
/// atomically; a folder is merged into an existing folder (files in it
/// replaced, others kept). Dot-files are copied; symlinks inside a folder
/// are copied as symlinks; permission bits are kept.
///
/// Nothing is half-written: the whole copy is first made in a temporary
/// folder beside `dst` and only then renamed into place, so an error while
/// reading leaves `dst` as it was.
pub fn copy_path(src: &Path, dst: &Path) -> Result<()> {
    let md = std::fs::metadata(src).with_context(|| format!("could not read {}", src.display()))?;
    let dst_md = std::fs::metadata(dst).ok();
    if md.is_file() {
        if dst_md.as_ref().is_some_and(|m| m.is_dir()) {
            anyhow::bail!(
                "cannot replace the folder {} with the file {}",
                dst.display(),
                src.display()
            );
        }
        let mode = md.permissions().mode() & 0o777;
        let mut input = std::fs::File::open(src)
            .with_context(|| format!("could not read {}", src.display()))?;
        return atomic_write_with(dst, Some(mode), |f| {
            std::io::copy(&mut input, f).map(|_| ())
        });
    }
    if !md.is_dir() {
        anyhow::bail!("{} is neither a file nor a folder", src.display());
    }
    if dst_md.as_ref().is_some_and(|m| !m.is_dir()) {
        anyhow::bail!(
            "cannot replace the file {} with the folder {}",
            dst.display(),
            src.display()
        );
    }
    let parent = match dst.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    refuse_copy_into_itself(src, parent)?;
    let stage = stage_in(parent)?;
    let staged = stage.path().join("copy");
    copy_tree(src, &staged)?;
    match dst_md {
        None => std::fs::rename(&staged, dst)
            .with_context(|| format!("could not move the copy into {}", dst.display()))?,
        Some(_) => {
            check_merge(&staged, dst)?;
            merge(&staged, dst)?;
        }
    }
    Ok(())
}

/// Make the contents of folder `dst` (created if missing) an exact copy of
/// the contents of folder `src`: every entry of `dst` is removed, dot-files
/// included, and `src`'s entries are copied in. The copy is made first in a
/// temporary folder inside `dst`, so a failure while reading `src` leaves
/// `dst` untouched.
pub fn mirror_folder(src: &Path, dst: &Path) -> Result<()> {
    refuse_copy_into_itself(src, dst)?;
    std::fs::create_dir_all(dst).with_context(|| format!("could not create {}", dst.display()))?;
    let stage = stage_in(dst)?;
    let staged = stage.path().join("copy");
    copy_tree(src, &staged)?;
    for entry in read_dir(dst)? {
        let path = entry.path();
        if path == stage.path() {
            continue;
        }
        remove_any(&path)?;
    }
    for entry in read_dir(&staged)? {
        let to = dst.join(entry.file_name());
        std::fs::rename(entry.path(), &to)
            .with_context(|| format!("could not move the copy into {}", to.display()))?;
    }
    Ok(())
}

/// A temporary folder in `dir` for staging a copy (removed when dropped).
fn stage_in(dir: &Path) -> Result<tempfile::TempDir> {
    tempfile::Builder::new()
        .prefix(".shipctl-")
        .tempdir_in(dir)
        .with_context(|| format!("could not create a temporary folder in {}", dir.display()))
}

/// Refuse to copy a folder into itself (the copy would never end).
/// `dst_dir` need not exist yet.
pub fn refuse_copy_into_itself(src: &Path, dst_dir: &Path) -> Result<()> {
    if let (Ok(s), Some(d)) = (src.canonicalize(), resolve(dst_dir))
        && s.is_dir()
        && d.starts_with(&s)
    {
        anyhow::bail!(
            "cannot copy the folder {} into itself ({})",
            src.display(),
            dst_dir.display()
        );
    }
    Ok(())
}

/// A path with its longest existing ancestor canonicalized (the rest, which
/// does not exist yet, appended as is).
fn resolve(path: &Path) -> Option<PathBuf> {
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
        .and_then(|it| it.collect::<std::io::Result<Vec<_>>>())
        .with_context(|| format!("could not read the folder {}", dir.display()))?;
    entries.sort_by_key(|e| e.file_name());
    Ok(entries)
}

fn remove_any(path: &Path) -> Result<()> {
    let md = std::fs::symlink_metadata(path)
        .with_context(|| format!("could not read {}", path.display()))?;
    if md.is_dir() {
        std::fs::remove_dir_all(path)
    } else {
        std::fs::remove_file(path)
    }
    .with_context(|| format!("could not remove {}", path.display()))
}

/// Copy folder `src` to the new folder `dst`, recursively.
fn copy_tree(src: &Path, dst: &Path) -> Result<()> {
    let md = std::fs::metadata(src).with_context(|| format!("could not read {}", src.display()))?;
    std::fs::create_dir(dst).with_context(|| format!("could not create {}", dst.display()))?;
    for entry in read_dir(src)? {
        let from = entry.path();
        let to = dst.join(entry.file_name());
        let ft = entry
            .file_type()
            .with_context(|| format!("could not read {}", from.display()))?;
        if ft.is_symlink() {
            let target = std::fs::read_link(&from)
                .with_context(|| format!("could not read the link {}", from.display()))?;
            std::os::unix::fs::symlink(&target, &to)
                .with_context(|| format!("could not create the link {}", to.display()))?;
        } else if ft.is_dir() {
            copy_tree(&from, &to)?;
        } else if ft.is_file() {
            copy_file_new(&from, &to)?;
        } else {
            crate::diag::warn(format_args!(
                "{} is not a file, folder or link: not copied",
                from.display()
            ));
        }
    }
    // Set the folder's mode last, so a read-only folder could be filled.
    std::fs::set_permissions(
        dst,
        std::fs::Permissions::from_mode(md.permissions().mode() & 0o7777),
    )
    .with_context(|| format!("could not set the mode of {}", dst.display()))
}

/// Copy one regular file to a new path, mode kept, synced.
fn copy_file_new(from: &Path, to: &Path) -> Result<()> {
    let mut input =
        std::fs::File::open(from).with_context(|| format!("could not read {}", from.display()))?;
    let mode = input
        .metadata()
        .with_context(|| format!("could not read {}", from.display()))?
        .permissions()
        .mode()
        & 0o777;
    let mut output = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(to)
        .with_context(|| format!("could not create {}", to.display()))?;
    std::io::copy(&mut input, &mut output)
        .and_then(|_| output.set_permissions(std::fs::Permissions::from_mode(mode)))
        .and_then(|()| output.sync_all())
        .with_context(|| format!("could not copy {} to {}", from.display(), to.display()))
}

/// Before a merge changes anything: every staged entry must fit its place
/// (a folder onto a folder or nothing, a file or link onto a non-folder).
fn check_merge(staged: &Path, dst: &Path) -> Result<()> {
    for entry in read_dir(staged)? {
        let to = dst.join(entry.file_name());
        let Ok(existing) = std::fs::symlink_metadata(&to) else {
            continue;
        };
        let is_dir = entry
            .file_type()
            .with_context(|| format!("could not read {}", entry.path().display()))?
            .is_dir();
        match (is_dir, existing.is_dir()) {
            (true, true) => check_merge(&entry.path(), &to)?,
            (true, false) => {
                anyhow::bail!("cannot replace the file {} with a folder", to.display())
            }
            (false, true) => {
                anyhow::bail!("cannot replace the folder {} with a file", to.display())
            }
            (false, false) => {}
        }
    }
    Ok(())
}

/// Move the staged entries into `dst`: new entries and files by rename
/// (atomic per file), folders that exist on both sides recursively.
fn merge(staged: &Path, dst: &Path) -> Result<()> {
    // The staged folder may carry a read-only mode; its entries move out.
    std::fs::set_permissions(staged, std::fs::Permissions::from_mode(0o700))
        .with_context(|| format!("could not set the mode of {}", staged.display()))?;
    for entry in read_dir(staged)? {
        let from = entry.path();
        let to = dst.join(entry.file_name());
        let both_dirs = std::fs::symlink_metadata(&to).is_ok_and(|m| m.is_dir())
            && entry.file_type().is_ok_and(|t| t.is_dir());
        if both_dirs {
            merge(&from, &to)?;
        } else {
            std::fs::rename(&from, &to)
                .with_context(|| format!("could not move the copy into {}", to.display()))?;
        }
    }
    Ok(())
}

/// Take an exclusive lock on `<target>.lock` beside the file that a write to
/// `path` lands on (created 0600 if missing). The lock is held until the
/// returned file is dropped; read-modify-write cycles under it never lose
/// each other's changes.
pub fn lock_beside(path: &Path) -> Result<std::fs::File> {
    let target = write_target(path);
    let mut name = target.file_name().unwrap_or_default().to_os_string();
    name.push(".lock");
    let lock = target.with_file_name(name);
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(&lock)
        .with_context(|| format!("could not open lock file {}", lock.display()))?;
    file.lock()
        .with_context(|| format!("could not lock {}", lock.display()))?;
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_new_file_with_mode_and_keeps_existing_mode() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        atomic_write(&p, b"one", Some(0o600)).unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"one");
        assert_eq!(
            std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o600
        );
        atomic_write(&p, b"two", None).unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        assert_eq!(
            std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o600
        );
        // No temporary file is left behind.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn writes_through_a_symlink() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real");
        let link = dir.path().join("link");
        std::fs::write(&real, b"old").unwrap();
        std::os::unix::fs::symlink("real", &link).unwrap();
        atomic_write(&link, b"new", None).unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read(&real).unwrap(), b"new");
    }

    #[test]
    fn missing_folder_is_an_error_and_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("nope").join("f");
        assert!(atomic_write(&p, b"x", None).is_err());
        assert!(!p.exists());
    }
}
