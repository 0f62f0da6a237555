//! `jdk set VERSION` (and the older `jdk VERSION`): print the shell lines
//! that switch to an installed JDK.
//!
//! The original was a shell script that was `source`d, so it could change
//! the caller's JAVA_HOME and PATH. A binary cannot change its parent
//! shell, so this prints assignments for `eval "$(shipctl jdk set
//! openjdk17)"` (or fish's `| source`, PowerShell's `| Invoke-Expression`:
//! `--format`, quoting in src/eval.rs).
//!
//! Versions: `openjdkN` and `oraclejdkN` for any N from 7 — every version
//! the platform's images had (the original's `shippable_jdk` scripts of the
//! Shippable/node repository: openjdk7–11, oraclejdk7–11) and any newer one
//! by the same rule, found by the folder layouts of [`LAYOUTS`].
//!
//! Where JDKs live depends on the platform (`platform::jdk_folders`):
//! `/usr/lib/jvm` on Linux; on Windows `%ProgramFiles%\Java` and the
//! folders of the OpenJDK builds' installers (Eclipse Adoptium, Microsoft,
//! Zulu, …), where every JDK is an OpenJDK named by
//! [`OPENJDK_LAYOUTS`]. `$SHIPCTL_JVM_DIR` replaces them all with one
//! folder named by [`LAYOUTS`]. The JDK's `java` is `bin/java`
//! (`bin\java.exe` on Windows).

use crate::cli::ShellFormat;
use crate::job::JobEnv;
use crate::platform::ShowPath;
use crate::{diag, eval, exit, platform};
use anyhow::Result;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

/// The oldest version the platform's images had (openjdk7 and oraclejdk7 on
/// its Ubuntu images); every later one is accepted.
const OLDEST: u32 = 7;

#[derive(Debug, PartialEq, Eq, PartialOrd, Ord, Clone, Copy)]
enum Vendor {
    OpenJdk,
    Oracle,
}

impl Vendor {
    /// The VERSION prefix (`openjdk17`).
    fn prefix(self) -> &'static str {
        match self {
            Vendor::OpenJdk => "openjdk",
            Vendor::Oracle => "oraclejdk",
        }
    }
}

/// The folder names a JDK is installed under, in the order they are tried:
/// `<prefix>N<suffix>`, alone or followed by `-`, `.` or `_` and more.
const LAYOUTS: &[(Vendor, &str, &str)] = &[
    // Debian/Ubuntu packages (java-17-openjdk-amd64, the original's
    // java-8-openjdk-armhf) and RHEL 9+ (java-17-openjdk-17.0.9…).
    (Vendor::OpenJdk, "java-", "-openjdk"),
    // RHEL/CentOS 7 (java-1.8.0-openjdk-1.8.0.292.b10-1.el7_9.x86_64).
    (Vendor::OpenJdk, "java-1.", ".0-openjdk"),
    // Unpacked builds (openjdk-17) and Eclipse Temurin (temurin-17-jdk-amd64).
    (Vendor::OpenJdk, "openjdk-", ""),
    (Vendor::OpenJdk, "temurin-", ""),
    // The original's images: java-8-oracle (the webupd8 installer) and
    // java-11-oraclejdk-amd64.
    (Vendor::Oracle, "java-", "-oracle"),
    (Vendor::Oracle, "java-", "-oraclejdk"),
    // Oracle's own packages and archives: jdk-17-oracle-x64, jdk1.8.0_301,
    // jdk-21, jdk-17.0.2.
    (Vendor::Oracle, "jdk-", "-oracle"),
    (Vendor::Oracle, "jdk1.", ".0"),
    (Vendor::Oracle, "jdk-", ""),
];

/// The folder names in the folder of an OpenJDK build's installer on
/// Windows (every one an OpenJDK): Temurin's and Microsoft's
/// `jdk-17.0.9.9-hotspot`, Corretto's `jdk17.0.9_8` and `jdk1.8.0_392`,
/// Zulu's `zulu-17`, Liberica's `LibericaJDK-17`, `openjdk-17`.
const OPENJDK_LAYOUTS: &[(Vendor, &str, &str)] = &[
    (Vendor::OpenJdk, "jdk-", ""),
    (Vendor::OpenJdk, "jdk1.", ".0"),
    (Vendor::OpenJdk, "jdk", ""),
    (Vendor::OpenJdk, "zulu-", ""),
    (Vendor::OpenJdk, "zulu", ""),
    (Vendor::OpenJdk, "LibericaJDK-", ""),
    (Vendor::OpenJdk, "openjdk-", ""),
];

/// A folder JDKs are installed in (`$SHIPCTL_JVM_DIR`, or the platform's).
use platform::JdkFolder as Root;

/// The layouts of a JDK folder: `(vendor, prefix, suffix)`.
fn layouts(root: &Root) -> &'static [(Vendor, &'static str, &'static str)] {
    match root.openjdk_only {
        false => LAYOUTS,
        true => OPENJDK_LAYOUTS,
    }
}

/// A version number as written in a VERSION or a folder name: decimal
/// digits without a leading zero, [`OLDEST`] or more.
fn version_number(digits: &str) -> Option<u32> {
    if digits.is_empty() || digits.starts_with('0') || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().filter(|n| *n >= OLDEST)
}

/// `openjdkN` or `oraclejdkN` (N from 7 on, no upper bound).
fn parse_version(v: &str) -> Option<(Vendor, u32)> {
    [Vendor::OpenJdk, Vendor::Oracle]
        .into_iter()
        .find_map(|vendor| Some((vendor, version_number(v.strip_prefix(vendor.prefix())?)?)))
}

/// The folder names tried for a version in `root`, most usual first.
fn folder_names(root: &Root, vendor: Vendor, n: u32) -> Vec<String> {
    layouts(root)
        .iter()
        .filter(|(v, _, _)| *v == vendor)
        .map(|(_, prefix, suffix)| format!("{prefix}{n}{suffix}"))
        .collect()
}

fn matches(folder: &str, name: &str) -> bool {
    match folder.strip_prefix(name) {
        Some("") => true,
        Some(rest) => rest.starts_with(['-', '.', '_']),
        None => false,
    }
}

/// The version a folder name in `root` is the layout of, if any (the first
/// layout of the root's that fits).
fn identify(root: &Root, folder: &str) -> Option<(Vendor, u32)> {
    layouts(root).iter().find_map(|&(vendor, prefix, suffix)| {
        let rest = folder.strip_prefix(prefix)?;
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let n = version_number(&rest[..digits])?;
        matches(&rest[digits..], suffix).then_some((vendor, n))
    })
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

/// The folders the JDKs are in: `$SHIPCTL_JVM_DIR`, else the platform's
/// (`/usr/lib/jvm`; on Windows under `%ProgramFiles%`).
fn jvm_roots(env: &JobEnv) -> Vec<Root> {
    match env.path_var("SHIPCTL_JVM_DIR") {
        Some(path) => vec![Root {
            path,
            openjdk_only: false,
        }],
        None => platform::jdk_folders(env),
    }
}

/// The roots' paths, for messages: `/usr/lib/jvm` or `A, B, C`.
struct Shown<'a>(&'a [Root]);

impl std::fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, r) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            r.path.shown().fmt(f)?;
        }
        Ok(())
    }
}

/// The (UTF-8) names in `root`, descending; none when it cannot be read.
fn entries(root: &Path) -> Vec<String> {
    let Ok(dir) = std::fs::read_dir(root) else {
        return Vec::new();
    };
    let mut names: Vec<String> = dir
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    names.sort_by(|a, b| b.cmp(a));
    names
}

/// The installed JDK for the version in `root`: the first folder (by the
/// order of the root's layouts; then the exact name, one for this
/// architecture, the rest by name, descending) that has `bin/java`.
fn find(root: &Root, entries: &[String], vendor: Vendor, n: u32) -> Option<PathBuf> {
    let tags = arch_tags();
    let java = format!("java{}", std::env::consts::EXE_SUFFIX);
    for name in folder_names(root, vendor, n) {
        let mut found: Vec<&String> = entries.iter().filter(|f| matches(f, &name)).collect();
        // Stable sort: exact name, then this architecture, then the rest.
        found.sort_by_key(|f| {
            let exact = f.as_str() == name;
            let arch = tags.iter().any(|t| f.contains(t));
            (!exact, !arch)
        });
        for f in found {
            let home = root.path.join(f);
            if home.join("bin").join(&java).is_file() {
                return Some(home);
            }
        }
    }
    None
}

/// The installed JDK for the version: in the first root that has one.
fn find_in(roots: &[Root], vendor: Vendor, n: u32) -> Option<PathBuf> {
    roots
        .iter()
        .find_map(|root| find(root, &entries(&root.path), vendor, n))
}

/// An installed JDK, as `jdk set` would pick it.
#[derive(Debug, PartialEq)]
pub struct Installed {
    /// The VERSION that selects it (`openjdk17`).
    pub version: String,
    /// Its folder (`JAVA_HOME`).
    pub home: PathBuf,
}

/// The JDKs installed in the JVM folders (`$SHIPCTL_JVM_DIR`, else
/// `/usr/lib/jvm`; Windows: see the module): every VERSION for which `jdk
/// set` finds a folder with `bin/java`, openjdk first, then by number. For
/// the "unknown" and "not installed" messages and `jdk set <TAB>`.
pub fn installed(env: &JobEnv) -> Vec<Installed> {
    installed_in(&jvm_roots(env))
}

fn installed_in(roots: &[Root]) -> Vec<Installed> {
    let listed: Vec<(&Root, Vec<String>)> = roots.iter().map(|r| (r, entries(&r.path))).collect();
    let mut versions: Vec<(Vendor, u32)> = Vec::new();
    for (root, entries) in &listed {
        versions.extend(entries.iter().filter_map(|f| identify(root, f)));
    }
    versions.sort();
    versions.dedup();
    versions
        .into_iter()
        .filter_map(|(vendor, n)| {
            // The first root that has it: the one `jdk set` picks.
            let home = listed
                .iter()
                .find_map(|(root, entries)| find(root, entries, vendor, n))?;
            Some(Installed {
                version: format!("{}{n}", vendor.prefix()),
                home,
            })
        })
        .collect()
}

/// `installed in /usr/lib/jvm: openjdk11, openjdk17` (or `none`), for
/// messages.
fn installed_list(roots: &[Root]) -> String {
    let names: Vec<String> = installed_in(roots).into_iter().map(|j| j.version).collect();
    format!(
        "installed in {}: {}",
        Shown(roots),
        if names.is_empty() {
            "none".to_string()
        } else {
            names.join(", ")
        }
    )
}

/// PATH with `home/bin` first and the bin folders of other JDKs (those
/// under a root, and the old `$JAVA_HOME`) taken out. Entries are split
/// and joined at the platform's separator (`:`; `;` on Windows).
fn new_path(home: &Path, roots: &[Root], old_path: &[u8], old_home: Option<&[u8]>) -> Vec<u8> {
    let sep = platform::PATH_SEPARATOR;
    let bin = home.join("bin");
    let bin = platform::bytes(bin.as_os_str());
    let mut parts: Vec<&[u8]> = vec![bin];
    let is_jdk_bin = |entry: &[u8]| {
        let p = platform::os_str(entry);
        let p = Path::new(&*p);
        if let Some(old) = old_home.filter(|h| !h.is_empty()) {
            let old = platform::os_str(old);
            let old = Path::new(&*old);
            if p == old.join("bin") || p == old.join("jre").join("bin") {
                return true;
            }
        }
        roots.iter().any(|root| match p.strip_prefix(&root.path) {
            Ok(rest) => {
                let c: Vec<_> = rest.components().collect();
                (c.len() == 2 && c[1].as_os_str() == "bin")
                    || (c.len() == 3 && c[1].as_os_str() == "jre" && c[2].as_os_str() == "bin")
            }
            Err(_) => false,
        })
    };
    for entry in old_path.split(|&b| b == sep) {
        if entry.is_empty() || entry == bin || is_jdk_bin(entry) {
            continue;
        }
        parts.push(entry);
    }
    parts.join(&sep)
}

pub fn run(
    env: &JobEnv,
    action: &str,
    version: Option<&str>,
    format: ShellFormat,
    out: &mut dyn Write,
) -> Result<()> {
    let roots = jvm_roots(env);
    let version = match (action, version) {
        ("set", Some(v)) => v,
        (other, Some(_)) => {
            return Err(exit::usage(format!(
                "unknown jdk action {other:?}: use shipctl jdk set VERSION"
            )));
        }
        ("set", None) => {
            return Err(exit::usage(format!(
                "jdk set needs a VERSION, openjdkN or oraclejdkN ({})",
                installed_list(&roots)
            )));
        }
        (v, None) => v,
    };
    let Some((vendor, n)) = parse_version(version) else {
        return Err(exit::usage(format!(
            "unknown JDK {version:?}: a VERSION is openjdkN or oraclejdkN with N {OLDEST} or more ({})",
            installed_list(&roots)
        )));
    };
    let Some(home) = find_in(&roots, vendor, n) else {
        // The names of the first folder whose layouts have the vendor.
        let names: Vec<String> = roots
            .iter()
            .map(|r| folder_names(r, vendor, n))
            .find(|names| !names.is_empty())
            .unwrap_or_default()
            .into_iter()
            .map(|f| format!("{f}*"))
            .collect();
        return Err(exit::usage(format!(
            "{version} is not installed: no folder {} with bin/java in {} ({})",
            names.join(", "),
            Shown(&roots),
            installed_list(&roots)
        )));
    };
    let old_path = env.var("PATH").map(platform::bytes).unwrap_or_default();
    let old_home = env.var("JAVA_HOME").map(platform::bytes);
    let path = new_path(&home, &roots, old_path, old_home);
    let mut text = eval::assignment(format, "JAVA_HOME", Some(platform::bytes(home.as_os_str())));
    text.extend(eval::assignment(format, "PATH", Some(&path)));
    out.write_all(&text)?;
    if std::io::stdout().is_terminal() {
        let command = match format {
            ShellFormat::Sh => format!("shipctl jdk set {version}"),
            ShellFormat::Fish => format!("shipctl jdk set {version} --format fish"),
            ShellFormat::Powershell => format!("shipctl jdk set {version} --format powershell"),
        };
        diag::notice(format_args!(
            "these lines change nothing by themselves; run: {}",
            eval::how_to_evaluate(format, &command)
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
        assert_eq!(parse_version("oraclejdk7"), Some((Vendor::Oracle, 7)));
        assert_eq!(parse_version("oraclejdk8"), Some((Vendor::Oracle, 8)));
        // Newer ones by rule, no fixed list.
        assert_eq!(parse_version("openjdk25"), Some((Vendor::OpenJdk, 25)));
        assert_eq!(parse_version("oraclejdk31"), Some((Vendor::Oracle, 31)));
        assert_eq!(parse_version("openjdk100"), Some((Vendor::OpenJdk, 100)));
        for bad in [
            "openjdk6",
            "oraclejdk6",
            "openjdk",
            "openjdk08",
            "openjdk+8",
            "openjdk99999999999",
            "jdk8",
            "OpenJDK8",
            "openjdk 8",
            "openjdk8 ",
        ] {
            assert_eq!(parse_version(bad), None, "{bad}");
        }
    }

    /// Every folder the original's `shippable_jdk` scripts (all images and
    /// architectures) switched to, and the layouts of today's packages.
    #[test]
    fn every_folder_of_the_original_and_of_today() {
        use Vendor::*;
        let cases: &[(&str, Vendor, u32)] = &[
            ("java-7-openjdk-amd64", OpenJdk, 7),
            ("java-7-openjdk-arm64", OpenJdk, 7),
            ("java-8-openjdk-amd64", OpenJdk, 8),
            ("java-8-openjdk-armhf", OpenJdk, 8),
            ("java-9-openjdk-amd64", OpenJdk, 9),
            ("java-9-openjdk-9.0.0.163-1.el7.centos.x86_64", OpenJdk, 9),
            ("java-10-openjdk-amd64", OpenJdk, 10),
            ("java-11-openjdk-arm64", OpenJdk, 11),
            (
                "java-1.7.0-openjdk-1.7.0.201-2.6.16.1.el7_6.x86_64",
                OpenJdk,
                7,
            ),
            (
                "java-1.8.0-openjdk-1.8.0.181-3.b13.el7_5.x86_64",
                OpenJdk,
                8,
            ),
            ("java-7-oracle", Oracle, 7),
            ("java-8-oracle", Oracle, 8),
            ("java-10-oracle", Oracle, 10),
            ("java-8-oraclejdk-amd64", Oracle, 8),
            ("java-11-oraclejdk-amd64", Oracle, 11),
            ("java-25-openjdk-amd64", OpenJdk, 25),
            ("java-21-openjdk-21.0.5.0.11-1.el9.x86_64", OpenJdk, 21),
            ("openjdk-22", OpenJdk, 22),
            ("temurin-24-jdk-amd64", OpenJdk, 24),
            ("jdk-23-oracle-x64", Oracle, 23),
            ("jdk1.8.0_301", Oracle, 8),
            ("jdk-17.0.2", Oracle, 17),
            ("jdk-25", Oracle, 25),
        ];
        let root = jvm("/usr/lib/jvm", false);
        for (folder, vendor, n) in cases {
            assert_eq!(identify(&root, folder), Some((*vendor, *n)), "{folder}");
            let name = format!("{}{n}", vendor.prefix());
            assert_eq!(parse_version(&name), Some((*vendor, *n)), "{name}");
            assert!(
                folder_names(&root, *vendor, *n)
                    .iter()
                    .any(|f| matches(folder, f)),
                "{folder} is not among the folders of {name}"
            );
        }
        for other in [
            "default-java",
            "java-6-openjdk-amd64",
            "java-1.6.0-openjdk",
            "openjdk-07",
            "jdk-170x",
            ".java-17-openjdk-amd64.jinfo",
            "java-17-openjdkx",
        ] {
            assert_eq!(identify(&root, other), None, "{other}");
        }
    }

    fn jvm(path: &str, openjdk_only: bool) -> Root {
        Root {
            path: PathBuf::from(path),
            openjdk_only,
        }
    }

    /// The folders of the OpenJDK builds' Windows installers: all OpenJDK,
    /// whatever Oracle-like name they have.
    #[test]
    fn folders_of_openjdk_installers() {
        let root = jvm("Eclipse Adoptium", true);
        for (folder, n) in [
            ("jdk-17.0.9.9-hotspot", 17),
            ("jdk-8.0.392.8-hotspot", 8),
            ("jdk-21.0.1.12-hotspot", 21),
            ("jdk17.0.9_8", 17),
            ("jdk1.8.0_392", 8),
            ("zulu-17", 17),
            ("zulu11.68.17-ca-jdk11.0.21-win_x64", 11),
            ("LibericaJDK-17", 17),
            ("openjdk-22", 22),
            ("jdk-25", 25),
        ] {
            assert_eq!(
                identify(&root, folder),
                Some((Vendor::OpenJdk, n)),
                "{folder}"
            );
            assert!(
                folder_names(&root, Vendor::OpenJdk, n)
                    .iter()
                    .any(|f| matches(folder, f)),
                "{folder}"
            );
        }
        assert!(folder_names(&root, Vendor::Oracle, 17).is_empty());
        for other in ["jre-17.0.9.9-hotspot", "Edge", "jdk-6"] {
            assert_eq!(identify(&root, other), None, "{other}");
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
    #[cfg(unix)]
    fn path_rewrite() {
        let roots = [jvm("/usr/lib/jvm", false)];
        let home = roots[0].path.join("java-17-openjdk-amd64");
        assert_eq!(
            new_path(
                &home,
                &roots,
                b"/usr/lib/jvm/java-11-openjdk-amd64/bin:/usr/bin::/usr/lib/jvm/java-17-openjdk-amd64/bin:/bin:/usr/lib/jvm/x/jre/bin:/usr/lib/jvm/x/lib/bin",
                None
            ),
            b"/usr/lib/jvm/java-17-openjdk-amd64/bin:/usr/bin:/bin:/usr/lib/jvm/x/lib/bin"
        );
        assert_eq!(
            new_path(&home, &roots, b"/opt/jdk/bin:/usr/bin", Some(b"/opt/jdk")),
            b"/usr/lib/jvm/java-17-openjdk-amd64/bin:/usr/bin"
        );
        assert_eq!(
            new_path(&home, &roots, b"", None),
            b"/usr/lib/jvm/java-17-openjdk-amd64/bin"
        );
    }

    #[test]
    #[cfg(windows)]
    fn path_rewrite() {
        let roots = [
            jvm(r"C:\Program Files\Java", false),
            jvm(r"C:\Program Files\Eclipse Adoptium", true),
        ];
        let home = roots[1].path.join("jdk-17.0.9.9-hotspot");
        let old = r"C:\Program Files\Java\jdk-11\bin;C:\Windows\system32;;C:\Tools";
        assert_eq!(
            new_path(&home, &roots, old.as_bytes(), None),
            r"C:\Program Files\Eclipse Adoptium\jdk-17.0.9.9-hotspot\bin;C:\Windows\system32;C:\Tools".as_bytes()
        );
    }
}
