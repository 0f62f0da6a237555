//! `jdk set VERSION` (and the older `jdk VERSION`): print the shell lines
//! that switch to an installed JDK.
//!
//! The original was a shell script that was `source`d, so it could change
//! the caller's JAVA_HOME and PATH. A binary cannot change its parent
//! shell, so this prints `export` lines for `eval "$(shipctl jdk set
//! openjdk17)"`.

use crate::diag;
use crate::exit;
use crate::job::JobEnv;
use anyhow::Result;
use std::io::{IsTerminal, Write};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// Where JDKs live, unless `SHIPCTL_JVM_DIR` says otherwise.
pub const JVM_DIR: &str = "/usr/lib/jvm";

#[derive(Debug, PartialEq, Clone, Copy)]
enum Vendor {
    OpenJdk,
    Oracle,
}

/// `openjdk7`…`openjdk21`, `oraclejdk8`…`oraclejdk21`.
fn parse_version(v: &str) -> Option<(Vendor, u32)> {
    let (vendor, n, low) = if let Some(n) = v.strip_prefix("openjdk") {
        (Vendor::OpenJdk, n, 7)
    } else if let Some(n) = v.strip_prefix("oraclejdk") {
        (Vendor::Oracle, n, 8)
    } else {
        return None;
    };
    if n.is_empty() || n.starts_with('0') || !n.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: u32 = n.parse().ok()?;
    (low..=21).contains(&n).then_some((vendor, n))
}

/// Folder names a JDK of this version is installed under, most usual
/// first. A folder matches a name when it is the name, or the name followed
/// by `-`, `.` or `_` and more (`java-17-openjdk-amd64`, `jdk-17.0.2`,
/// `jdk1.8.0_301`).
fn folder_names(vendor: Vendor, n: u32) -> Vec<String> {
    match vendor {
        Vendor::OpenJdk => vec![
            format!("java-{n}-openjdk"),
            format!("java-1.{n}.0-openjdk"),
            format!("openjdk-{n}"),
            format!("temurin-{n}"),
        ],
        Vendor::Oracle => vec![
            format!("java-{n}-oracle"),
            format!("jdk-{n}-oracle"),
            format!("jdk1.{n}.0"),
            format!("jdk-{n}"),
        ],
    }
}

fn matches(folder: &str, name: &str) -> bool {
    match folder.strip_prefix(name) {
        Some("") => true,
        Some(rest) => rest.starts_with(['-', '.', '_']),
        None => false,
    }
}

/// The tags of this machine's architecture in folder names.
fn arch_tags() -> &'static [&'static str] {
    match std::env::consts::ARCH {
        "x86_64" => &["amd64", "x86_64", "x64"],
        "aarch64" => &["arm64", "aarch64"],
        "x86" => &["i386", "i686"],
        "arm" => &["armhf", "armel"],
        "powerpc64" => &["ppc64el", "ppc64le"],
        "s390x" => &["s390x"],
        _ => &[],
    }
}

/// The installed JDK for the version: the first folder (by name order of
/// [`folder_names`]; then the exact name, one for this architecture, the
/// rest by name, descending) that has `bin/java`.
fn find(root: &Path, vendor: Vendor, n: u32) -> Option<PathBuf> {
    let mut entries: Vec<String> = std::fs::read_dir(root)
        .ok()?
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .collect();
    entries.sort_by(|a, b| b.cmp(a));
    let tags = arch_tags();
    for name in folder_names(vendor, n) {
        let mut found: Vec<&String> = entries.iter().filter(|f| matches(f, &name)).collect();
        // Stable sort: exact name, then this architecture, then the rest.
        found.sort_by_key(|f| {
            let exact = f.as_str() == name;
            let arch = tags.iter().any(|t| f.contains(t));
            (!exact, !arch)
        });
        for f in found {
            let home = root.join(f);
            if home.join("bin").join("java").is_file() {
                return Some(home);
            }
        }
    }
    None
}

/// `value` in single quotes for sh (`'` becomes `'\''`).
fn quote(value: &[u8]) -> Vec<u8> {
    let mut q = vec![b'\''];
    for &b in value {
        if b == b'\'' {
            q.extend_from_slice(b"'\\''");
        } else {
            q.push(b);
        }
    }
    q.push(b'\'');
    q
}

/// PATH with `home/bin` first and the bin folders of other JDKs (those
/// under `root`, and the old `$JAVA_HOME`) taken out.
fn new_path(home: &Path, root: &Path, old_path: &[u8], old_home: Option<&[u8]>) -> Vec<u8> {
    let bin = home.join("bin");
    let mut parts: Vec<&[u8]> = vec![bin.as_os_str().as_bytes()];
    let is_jdk_bin = |entry: &[u8]| {
        let p = Path::new(std::ffi::OsStr::from_bytes(entry));
        if let Some(old) = old_home.filter(|h| !h.is_empty()) {
            let old = Path::new(std::ffi::OsStr::from_bytes(old));
            if p == old.join("bin") || p == old.join("jre").join("bin") {
                return true;
            }
        }
        match p.strip_prefix(root) {
            Ok(rest) => {
                let c: Vec<_> = rest.components().collect();
                (c.len() == 2 && c[1].as_os_str() == "bin")
                    || (c.len() == 3 && c[1].as_os_str() == "jre" && c[2].as_os_str() == "bin")
            }
            Err(_) => false,
        }
    };
    for entry in old_path.split(|&b| b == b':') {
        if entry.is_empty() || entry == bin.as_os_str().as_bytes() || is_jdk_bin(entry) {
            continue;
        }
        parts.push(entry);
    }
    parts.join(&b':')
}

pub fn run(env: &JobEnv, action: &str, version: Option<&str>, out: &mut dyn Write) -> Result<()> {
    let version = match (action, version) {
        ("set", Some(v)) => v,
        (other, Some(_)) => {
            return Err(exit::usage(format!(
                "unknown jdk action {other:?}: use shipctl jdk set VERSION"
            )));
        }
        ("set", None) => {
            return Err(exit::usage(
                "jdk set needs a VERSION (openjdk7 … openjdk21, oraclejdk8 … oraclejdk21)",
            ));
        }
        (v, None) => v,
    };
    let Some((vendor, n)) = parse_version(version) else {
        return Err(exit::usage(format!(
            "unknown JDK {version:?}: use openjdk7 … openjdk21 or oraclejdk8 … oraclejdk21"
        )));
    };
    let root = env
        .path_var("SHIPCTL_JVM_DIR")
        .unwrap_or_else(|| PathBuf::from(JVM_DIR));
    let Some(home) = find(&root, vendor, n) else {
        let names: Vec<String> = folder_names(vendor, n)
            .into_iter()
            .map(|f| format!("{f}*"))
            .collect();
        return Err(exit::usage(format!(
            "{version} is not installed: no folder {} with bin/java in {}",
            names.join(", "),
            root.display()
        )));
    };
    let old_path = env.var("PATH").map(|p| p.as_bytes()).unwrap_or_default();
    let old_home = env.var("JAVA_HOME").map(|p| p.as_bytes());
    let mut text = b"export JAVA_HOME=".to_vec();
    text.extend(quote(home.as_os_str().as_bytes()));
    text.extend_from_slice(b"\nexport PATH=");
    text.extend(quote(&new_path(&home, &root, old_path, old_home)));
    text.push(b'\n');
    out.write_all(&text)?;
    if std::io::stdout().is_terminal() {
        diag::notice(format_args!(
            "these lines change nothing by themselves; run: eval \"$(shipctl jdk set {version})\""
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert_eq!(parse_version("openjdk7"), Some((Vendor::OpenJdk, 7)));
        assert_eq!(parse_version("openjdk21"), Some((Vendor::OpenJdk, 21)));
        assert_eq!(parse_version("oraclejdk8"), Some((Vendor::Oracle, 8)));
        assert_eq!(parse_version("oraclejdk21"), Some((Vendor::Oracle, 21)));
        for bad in [
            "openjdk6",
            "openjdk22",
            "oraclejdk7",
            "openjdk",
            "openjdk08",
            "openjdk+8",
            "jdk8",
            "OpenJDK8",
            "openjdk 8",
        ] {
            assert_eq!(parse_version(bad), None, "{bad}");
        }
    }

    #[test]
    fn folder_matching() {
        assert!(matches("java-17-openjdk-amd64", "java-17-openjdk"));
        assert!(matches("java-17-openjdk", "java-17-openjdk"));
        assert!(matches("jdk-17.0.2", "jdk-17"));
        assert!(matches("jdk1.8.0_301", "jdk1.8.0"));
        assert!(!matches("jdk-170", "jdk-17"));
        assert!(!matches("java-1.8.0-openjdk", "java-1-openjdk"));
        assert!(!matches("openjdk-17", "openjdk-1"));
    }

    #[test]
    fn quoting() {
        assert_eq!(quote(b"/a b"), b"'/a b'");
        assert_eq!(quote(b"it's"), b"'it'\\''s'");
    }

    #[test]
    fn path_rewrite() {
        let root = Path::new("/usr/lib/jvm");
        let home = root.join("java-17-openjdk-amd64");
        assert_eq!(
            new_path(
                &home,
                root,
                b"/usr/lib/jvm/java-11-openjdk-amd64/bin:/usr/bin::/usr/lib/jvm/java-17-openjdk-amd64/bin:/bin:/usr/lib/jvm/x/jre/bin:/usr/lib/jvm/x/lib/bin",
                None
            ),
            b"/usr/lib/jvm/java-17-openjdk-amd64/bin:/usr/bin:/bin:/usr/lib/jvm/x/lib/bin"
        );
        assert_eq!(
            new_path(&home, root, b"/opt/jdk/bin:/usr/bin", Some(b"/opt/jdk")),
            b"/usr/lib/jvm/java-17-openjdk-amd64/bin:/usr/bin"
        );
        assert_eq!(
            new_path(&home, root, b"", None),
            b"/usr/lib/jvm/java-17-openjdk-amd64/bin"
        );
    }
}
