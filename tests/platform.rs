//! The build (issue 13): the version names the target, and the binary under
//! test starts the same way directly, by path and through PATH — also when
//! it is another build run through a runner, such as the aarch64 binary under
//! qemu-user (`SHIPCTL_TEST_BIN`, `SHIPCTL_TEST_RUNNER`, see tests/util).

use crate::util::{Test, bin, bin_dir, binary, pattern};
use std::process::Command;

const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The architecture of an ELF file, as the first word of a target triple
/// (e_machine, at byte 18 of the header).
fn elf_arch(path: &str) -> &'static str {
    let head = std::fs::read(path).unwrap();
    assert_eq!(&head[..4], b"\x7fELF", "{path} is not an ELF file");
    match u16::from_le_bytes([head[18], head[19]]) {
        62 => "x86_64",
        183 => "aarch64",
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
    assert!(
        target.starts_with(&format!("{}-", elf_arch(binary()))),
        "{target}"
    );
    assert!(target.contains(std::env::consts::OS), "{target}");
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
