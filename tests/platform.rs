//! The build (issue 13): the version names the target, and the binary under
//! test starts the same way directly, by path and through PATH — also under
//! a runner such as qemu-user (`SHIPCTL_TEST_RUNNER`, see tests/util).

use crate::util::{Test, bin, bin_dir};
use std::process::Command;

const VERSION: &str = env!("CARGO_PKG_VERSION");

#[test]
fn version_names_the_target() {
    // build.rs exports the triple cargo built for; this test binary is
    // built for the same target, so its architecture and OS must be in it.
    let target = env!("SHIPCTL_TARGET");
    assert!(
        target.starts_with(&format!("{}-", std::env::consts::ARCH)),
        "{target}"
    );
    assert!(target.contains(std::env::consts::OS), "{target}");
    Test::new()
        .args(["--version"])
        .run()
        .stdout(format!("shipctl {VERSION} ({target})\n"))
        .stderr("")
        .success();
    // -V is the short form: the version alone, as before.
    Test::new()
        .args(["-V"])
        .run()
        .stdout(format!("shipctl {VERSION}\n"))
        .stderr("")
        .success();
}

#[test]
fn binary_starts_by_path_and_by_name() {
    let want = format!("shipctl {VERSION} ({})\n", env!("SHIPCTL_TARGET"));
    let path = format!("{}:/usr/bin:/bin", bin_dir().display());
    for script in [r#""$SHIPCTL" --version"#, "shipctl --version"] {
        let out = Command::new("sh")
            .args(["-c", script])
            .env_clear()
            .env("PATH", &path)
            .env("SHIPCTL", bin())
            .output()
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout), want, "{script}");
        assert!(out.status.success());
    }
}
