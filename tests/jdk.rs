//! `jdk set VERSION` (issues 6, 10 item 13): fake JDK folders in a temporary
//! JVM folder (`SHIPCTL_JVM_DIR`), the printed lines evaluated by real
//! shells, and `jdk set <TAB>` through the real completion scripts.
use crate::util::{Test, have};
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

/// What the JVM folder of [`jvm_root`] holds, as the messages list it.
const INSTALLED: &str = "openjdk8, openjdk11, openjdk17, oraclejdk8, oraclejdk21";

#[test]
fn prints_export_lines() {
    let dir = jvm_root();
    let r = root(&dir);
    let quoted = r.replace('\'', "'\\''");
    Test::new()
        .env("SHIPCTL_JVM_DIR", &r)
        .env("PATH", format!("{r}/java-11-openjdk-amd64/bin:/usr/bin:/bin"))
        .args(["jdk", "set", "openjdk17"])
        .stdout(format!(
            "export JAVA_HOME='{quoted}/java-17-openjdk-amd64'\nexport PATH='{quoted}/java-17-openjdk-amd64/bin:/usr/bin:/bin'\n"
        ))
        .run();
}

#[test]
fn fish_and_powershell_formats() {
    let dir = jvm_root();
    let r = root(&dir);
    let home = format!("{r}/jdk-21");
    let fish = home.replace('\'', "\\'");
    Test::new()
        .env("SHIPCTL_JVM_DIR", &r)
        .env("PATH", "/usr/bin:/bin")
        .args(["jdk", "set", "oraclejdk21", "--format", "fish"])
        .stdout(format!(
            "set -gx JAVA_HOME '{fish}'\nset -gx PATH '{fish}/bin:/usr/bin:/bin'\n"
        ))
        .run();
    let ps = home.replace('\'', "''");
    Test::new()
        .env("SHIPCTL_JVM_DIR", &r)
        .env("PATH", "/usr/bin:/bin")
        .args(["jdk", "--format=powershell", "set", "oraclejdk21"])
        .stdout(format!(
            "$Env:JAVA_HOME = '{ps}'\n$Env:PATH = '{ps}/bin:/usr/bin:/bin'\n"
        ))
        .run();
}

/// Switch twice in each real shell (bash, dash, zsh with `eval`; fish with
/// `| source`): JAVA_HOME and the `java` found on PATH are the new JDK's.
#[test]
fn every_shell_switches_java() {
    let dir = jvm_root();
    let r = root(&dir);
    let cases = [
        ("openjdk17", "java-17-openjdk-amd64"),
        ("openjdk11", "java-11-openjdk-amd64"),
        (
            "openjdk8",
            "java-1.8.0-openjdk-1.8.0.292.b10-1.el7_9.x86_64",
        ),
        ("oraclejdk21", "jdk-21"),
        ("oraclejdk8", "java-8-oracle"),
    ];
    let posix = "set -e\neval \"$(\"$SHIPCTL\" jdk set openjdk11)\"\neval \"$(\"$SHIPCTL\" jdk set \"$V\")\"\nprintf '%s\\n' \"$JAVA_HOME\"\njava\ncase \":$PATH:\" in *java-11-openjdk-amd64*) [ \"$V\" = openjdk11 ] || echo OLD-JDK-LEFT;; esac\n";
    let fish = "\"$SHIPCTL\" jdk set openjdk11 --format fish | source; or exit 9\n\"$SHIPCTL\" jdk set $V --format fish | source; or exit 9\nprintf '%s\\n' \"$JAVA_HOME\"\njava\ncontains -- (string join '' $JAVA_HOME /bin) $PATH; or echo NOT-IN-PATH\nif test $V != openjdk11; and string match -q '*java-11-openjdk-amd64*' -- $PATH; echo OLD-JDK-LEFT; end\n";
    for (shell, script) in [
        ("bash", posix),
        ("dash", posix),
        ("zsh", posix),
        ("fish", fish),
    ] {
        if !have(shell) {
            continue;
        }
        for (version, folder) in cases {
            let mut cmd = Command::new(shell);
            cmd.arg("-c")
                .arg(script)
                .env_clear()
                .env("SHIPCTL", crate::util::bin())
                .env("V", version)
                .env("SHIPCTL_JVM_DIR", &r)
                .env("PATH", "/usr/bin:/bin");
            Test::with(cmd)
                .stdout(format!("{r}/{folder}\njava of {folder}\n"))
                .run();
        }
    }
}

#[test]
fn older_form_without_set() {
    let dir = jvm_root();
    let home = root(&dir).replace('\'', "'\\''") + "/jdk-21";
    Test::new()
        .env("SHIPCTL_JVM_DIR", root(&dir))
        .env("PATH", "/usr/bin:/bin")
        .args(["jdk", "oraclejdk21"])
        .stdout(format!(
            "export JAVA_HOME='{home}'\nexport PATH='{home}/bin:/usr/bin:/bin'\n"
        ))
        .run();
}

/// Issue 10 item 13: every version the original's images had (openjdk and
/// oraclejdk 7–11, in the folders its scripts used) and newer ones by rule.
#[test]
fn versions_by_rule_not_by_list() {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path().join("jvm");
    for folder in [
        "java-7-oracle",
        "java-7-openjdk-amd64",
        "java-9-openjdk-9.0.0.163-1.el7.centos.x86_64",
        "java-11-oraclejdk-amd64",
        "java-22-openjdk-amd64",
        "jdk-23-oracle-x64",
        "temurin-24-jdk-amd64",
        "java-25-openjdk-amd64",
    ] {
        fake_jdk(&r, folder);
    }
    for (version, folder) in [
        ("oraclejdk7", "java-7-oracle"),
        ("openjdk7", "java-7-openjdk-amd64"),
        ("openjdk9", "java-9-openjdk-9.0.0.163-1.el7.centos.x86_64"),
        ("oraclejdk11", "java-11-oraclejdk-amd64"),
        ("openjdk22", "java-22-openjdk-amd64"),
        ("oraclejdk23", "jdk-23-oracle-x64"),
        ("openjdk24", "temurin-24-jdk-amd64"),
        ("openjdk25", "java-25-openjdk-amd64"),
    ] {
        let home = r.join(folder);
        Test::new()
            .env("SHIPCTL_JVM_DIR", &r)
            .env("PATH", "/bin")
            .args(["jdk", "set", version])
            .stdout(format!(
                "export JAVA_HOME='{0}'\nexport PATH='{0}/bin:/bin'\n",
                home.display()
            ))
            .run();
    }
}

/// The statement every failing `jdk` call prints, alone, on stdout.
const FAILS: &str = "false < /dev/null\n";

#[test]
fn errors_list_the_installed_jdks() {
    let dir = jvm_root();
    let r = root(&dir);
    let cases: &[(&[&str], String)] = &[
        (
            &["jdk", "set", "java17"],
            format!(
                "unknown JDK \"java17\": a VERSION is openjdkN or oraclejdkN with N 7 or more (installed in {r}: {INSTALLED})"
            ),
        ),
        (
            &["jdk", "set", "openjdk6"],
            format!(
                "unknown JDK \"openjdk6\": a VERSION is openjdkN or oraclejdkN with N 7 or more (installed in {r}: {INSTALLED})"
            ),
        ),
        (
            &["jdk", "set", "openjdk16"],
            format!(
                "openjdk16 is not installed: no folder java-16-openjdk*, java-1.16.0-openjdk*, openjdk-16*, temurin-16* with bin/java in {r} (installed in {r}: {INSTALLED})"
            ),
        ),
        (
            &["jdk", "set", "oraclejdk25"],
            format!(
                "oraclejdk25 is not installed: no folder java-25-oracle*, java-25-oraclejdk*, jdk-25-oracle*, jdk1.25.0*, jdk-25* with bin/java in {r} (installed in {r}: {INSTALLED})"
            ),
        ),
        (
            &["jdk", "set"],
            format!(
                "jdk set needs a VERSION, openjdkN or oraclejdkN (installed in {r}: {INSTALLED})"
            ),
        ),
        (
            &["jdk", "use", "openjdk17"],
            "unknown jdk action \"use\": use shipctl jdk set VERSION".to_string(),
        ),
    ];
    for (args, message) in cases {
        Test::new()
            .env("SHIPCTL_JVM_DIR", &r)
            .args(args.iter().copied())
            .stdout(FAILS)
            .stderr(format!("shipctl: error: {message}\n"))
            .status(99)
            .run();
    }
    // Nothing installed, or no JVM folder at all.
    let empty = tempfile::tempdir().unwrap();
    let missing = empty.path().join("nope");
    for jvm in [empty.path(), &missing] {
        Test::new()
            .env("SHIPCTL_JVM_DIR", jvm)
            .args(["jdk", "set", "x"])
            .stdout(FAILS)
            .stderr(format!(
                "shipctl: error: unknown JDK \"x\": a VERSION is openjdkN or oraclejdkN with N 7 or more (installed in {}: none)\n",
                jvm.display()
            ))
            .status(99)
            .run();
    }
}

#[test]
fn usage_errors_of_clap_fail_the_eval_too() {
    let dir = jvm_root();
    let usage = "For more information, try '--help'.\n";
    for (args, says) in [
        (
            &["jdk", "set", "openjdk17", "extra"][..],
            format!(
                "unexpected argument 'extra' found\n\
                 Usage: shipctl jdk [OPTIONS] <set|VERSION> [VERSION]\n{usage}"
            ),
        ),
        (
            &["jdk"],
            format!(
                "the following required arguments were not provided: <set|VERSION>\n\
                 Usage: shipctl jdk <set|VERSION> [VERSION]\n{usage}"
            ),
        ),
        (
            &["jdk", "set", "openjdk17", "--format", "csh"],
            format!(
                "invalid value 'csh' for '--format <FORMAT>' [possible values: sh, fish, \
                 powershell]\n  tip: a similar value exists: 'sh'\n{usage}"
            ),
        ),
    ] {
        Test::new()
            .env("SHIPCTL_JVM_DIR", root(&dir))
            .args(args.iter().copied())
            .stdout(FAILS)
            .stderr(format!("shipctl: error: {says}"))
            .status(99)
            .run();
    }
}

/// `jdk set <TAB>` offers the installed JDKs: the real bash and fish
/// completion scripts, as shipped.
#[test]
fn tab_completes_the_installed_jdks() {
    let dir = jvm_root();
    let r = root(&dir);
    let scripts = Path::new(env!("CARGO_MANIFEST_DIR")).join("completions");
    let bin_dir = crate::util::bin_dir();
    let shell = |program: &str, script: String, want: String| {
        let mut cmd = Command::new(program);
        cmd.args(["-c", &script])
            .env_clear()
            .env("PATH", format!("{}:/usr/bin:/bin", bin_dir.display()))
            .env("SHIPCTL_JVM_DIR", &r)
            .env("LANG", "C.UTF-8");
        Test::with(cmd).stdout(want).run();
    };
    if have("bash") {
        let bash = |words: &str, cword: usize, want: String| {
            shell(
                "bash",
                format!(
                    "source '{}'\nCOMP_WORDS=({words})\nCOMP_CWORD={cword}\n_shipctl\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
                    scripts.join("shipctl.bash").display()
                ),
                want,
            )
        };
        bash(
            "shipctl jdk set ''",
            3,
            INSTALLED.replace(", ", "\n") + "\n",
        );
        bash("shipctl jdk set ora", 3, "oraclejdk8\noraclejdk21\n".into());
        bash("shipctl jdk ''", 2, "set\n".into());
    }
    if have("fish") {
        shell(
            "fish",
            format!(
                "source '{}'; complete -C 'shipctl jdk set open'",
                scripts.join("shipctl.fish").display()
            ),
            format!(
                "openjdk8\t{r}/java-1.8.0-openjdk-1.8.0.292.b10-1.el7_9.x86_64\nopenjdk11\t{r}/java-11-openjdk-amd64\nopenjdk17\t{r}/java-17-openjdk-amd64\n"
            ),
        );
    }
}
