//! `jdk set VERSION` (issue 6): fake JDK folders in a temporary JVM folder
//! (`SHIPCTL_JVM_DIR`), and the printed lines evaluated by a real bash.
use crate::util::Test;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

/// A fake JDK whose `java` prints its folder name.
fn fake_jdk(root: &Path, name: &str) {
    let bin = root.join(name).join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let java = bin.join("java");
    std::fs::write(&java, format!("#!/bin/sh\necho \"java of {name}\"\n")).unwrap();
    std::fs::set_permissions(&java, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// A JVM folder with a quote and a space in its path, holding several JDKs.
fn jvm_root() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("jvm it's");
    fake_jdk(&root, "java-17-openjdk-amd64");
    fake_jdk(&root, "java-11-openjdk-amd64");
    fake_jdk(&root, "java-1.8.0-openjdk-1.8.0.292.b10-1.el7_9.x86_64");
    fake_jdk(&root, "jdk-21");
    fake_jdk(&root, "java-8-oracle");
    // A folder without bin/java is no JDK.
    std::fs::create_dir_all(root.join("openjdk-16/lib")).unwrap();
    dir
}

fn root(dir: &tempfile::TempDir) -> String {
    dir.path().join("jvm it's").to_str().unwrap().to_string()
}

#[test]
fn prints_export_lines() {
    let dir = jvm_root();
    let r = root(&dir);
    let quoted = r.replace('\'', "'\\''");
    Test::new()
        .env("SHIPCTL_JVM_DIR", &r)
        .env("PATH", format!("{r}/java-11-openjdk-amd64/bin:/usr/bin:/bin"))
        .args(["jdk", "set", "openjdk17"])
        .run()
        .stdout(format!(
            "export JAVA_HOME='{quoted}/java-17-openjdk-amd64'\nexport PATH='{quoted}/java-17-openjdk-amd64/bin:/usr/bin:/bin'\n"
        ))
        .stderr("")
        .success();
}

#[test]
fn eval_in_bash_switches_java() {
    let dir = jvm_root();
    let r = root(&dir);
    let bin = crate::util::bin();
    for (version, folder) in [
        ("openjdk17", "java-17-openjdk-amd64"),
        ("openjdk11", "java-11-openjdk-amd64"),
        (
            "openjdk8",
            "java-1.8.0-openjdk-1.8.0.292.b10-1.el7_9.x86_64",
        ),
        ("oraclejdk21", "jdk-21"),
        ("oraclejdk8", "java-8-oracle"),
    ] {
        let script = format!(
            "set -e\neval \"$(\"$SHIPCTL\" jdk set openjdk11)\"\neval \"$(\"$SHIPCTL\" jdk set {version})\"\nprintf '%s\\n' \"$JAVA_HOME\"\njava\ncase \":$PATH:\" in *java-11-openjdk-amd64*) [ {version} = openjdk11 ] || echo OLD-JDK-LEFT;; esac\n"
        );
        let out = Command::new("bash")
            .arg("-c")
            .arg(script)
            .env_clear()
            .env("SHIPCTL", bin)
            .env("SHIPCTL_JVM_DIR", &r)
            .env("PATH", "/usr/bin:/bin")
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            format!("{r}/{folder}\njava of {folder}\n"),
            "{version}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success());
    }
}

#[test]
fn older_form_without_set() {
    let dir = jvm_root();
    let o = Test::new()
        .env("SHIPCTL_JVM_DIR", root(&dir))
        .args(["jdk", "oraclejdk21"])
        .run()
        .success();
    assert!(o.stdout_str().starts_with("export JAVA_HOME='"));
    assert!(o.stdout_str().contains("/jdk-21'\n"));
}

#[test]
fn unknown_or_missing_is_a_usage_error() {
    let dir = jvm_root();
    for args in [
        &["jdk", "set", "openjdk16"][..],
        &["jdk", "set", "openjdk9"],
        &["jdk", "set", "openjdk22"],
        &["jdk", "set", "java17"],
        &["jdk", "set"],
        &["jdk", "use", "openjdk17"],
        &["jdk", "set", "openjdk17", "extra"],
        &["jdk"],
    ] {
        let o = Test::new()
            .env("SHIPCTL_JVM_DIR", root(&dir))
            .args(args.iter().copied())
            .run()
            .stdout("")
            .exit(99);
        assert!(!o.stderr_str().is_empty(), "{args:?}");
    }
    Test::new()
        .env("SHIPCTL_JVM_DIR", root(&dir))
        .args(["jdk", "set", "openjdk9"])
        .run()
        .stderr_contains("openjdk9 is not installed")
        .exit(99);
}
