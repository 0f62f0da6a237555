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
    atomic_write_with(path, mode, |f| f.write_all(data))
}

/// Like [`atomic_write`], with the content produced by `fill` (for content
/// streamed from elsewhere, so memory stays flat).
pub fn atomic_write_with(
    path: &Path,
    mode: Option<u32>,
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
        tmp.as_file().sync_all()
    };
    write(&mut tmp).with_context(|| format!("could not write {}", target.display()))?;
    tmp.persist(&target)
        .map_err(|e| e.error)
        .with_context(|| format!("could not replace {}", target.display()))?;
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
