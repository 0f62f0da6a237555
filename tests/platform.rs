//! The build (issue 13): the version names the target, and the binary under
//! test starts the same way directly, by path and through PATH — also when
//! it is another build run through a runner, such as the aarch64 binary under
//! qemu-user (`SHIPCTL_TEST_BIN`, `SHIPCTL_TEST_RUNNER`, see tests/util).

use crate::util::{Test, bin, bin_dir, binary, pattern};
use std::process::Command;

const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The architecture and OS of an executable, as the first word of a target
/// triple and the OS it names: an ELF file (e_machine, at byte 18 of the
/// header) is Linux's, a PE file (the machine after the "PE\0\0" that
/// e_lfanew, at byte 60, points to) Windows'.
fn arch_and_os(path: &str) -> (&'static str, &'static str) {
    let head = std::fs::read(path).unwrap();
    if head.starts_with(b"MZ") {
        let pe = u32::from_le_bytes(head[60..64].try_into().unwrap()) as usize;
        assert_eq!(&head[pe..pe + 4], b"PE\0\0", "{path}: no PE header");
        return match u16::from_le_bytes([head[pe + 4], head[pe + 5]]) {
            0x8664 => ("x86_64", "windows"),
            m => panic!("{path}: PE machine {m:#x} is not one the tests know"),
        };
    }
    assert_eq!(
        &head[..4],
        b"\x7fELF",
        "{path} is neither an ELF nor a PE file"
    );
    match u16::from_le_bytes([head[18], head[19]]) {
        62 => ("x86_64", std::env::consts::OS),
        183 => ("aarch64", std::env::consts::OS),
        m => panic!("{path}: ELF machine {m} is not one the tests know"),
    }
}

#[test]
fn version_names_the_target() {
    // What the binary says it was built for is what it is.
    let out = Test::new()
        .args(["--version"])
        .stdout(pattern(format!("shipctl {VERSION} ([..])\n")))
        .run();
    let text = out.stdout_str();
    let target = text
        .strip_prefix(&format!("shipctl {VERSION} ("))
        .and_then(|t| t.strip_suffix(")\n"))
        .unwrap_or_else(|| panic!("--version printed {text:?}"));
    let (arch, os) = arch_and_os(binary());
    assert!(target.starts_with(&format!("{arch}-")), "{target}");
    assert!(target.contains(os), "{target}");
    if binary() == env!("CARGO_BIN_EXE_shipctl") {
        // build.rs exports the triple cargo built for.
        assert_eq!(target, env!("SHIPCTL_TARGET"));
    }
    // -V is the short form: the version alone, as before.
    Test::new()
        .args(["-V"])
        .stdout(format!("shipctl {VERSION}\n"))
        .run();
}

#[test]
fn binary_starts_by_path_and_by_name() {
    let want = Test::new()
        .args(["--version"])
        .stdout(pattern(format!("shipctl {VERSION} ([..])\n")))
        .run()
        .stdout_str();
    let path = format!("{}:/usr/bin:/bin", bin_dir().display());
    for script in [r#""$SHIPCTL" --version"#, "shipctl --version"] {
        let mut sh = Command::new("sh");
        sh.args(["-c", script])
            .env_clear()
            .env("PATH", &path)
            .env("SHIPCTL", bin());
        Test::with(sh).stdout(&want).run();
    }
}

#[test]
fn non_ascii_arguments_arrive_exactly() {
    // é, ß and an emoji in a resource name and in a value, as arguments: on
    // Windows the command line is UTF-16, read as such (issue 14), never
    // through a narrow argv. The name becomes a file name, the value its
    // content.
    let t = Test::new();
    let state = t.root().join("state");
    std::fs::create_dir(&state).unwrap();
    let done = t
        .env("JOB_STATE", &state)
        .args(["post_resource_state", "rés-ß-😀", "KEY", "é ß 😀"])
        .stdout("")
        .stderr("")
        .run();
    assert_eq!(
        std::fs::read_to_string(state.join("rés-ß-😀.env")).unwrap(),
        "KEY=é ß 😀\n"
    );
    drop(done);
}
