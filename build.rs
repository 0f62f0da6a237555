//! Exports the target triple the binary is built for as `SHIPCTL_TARGET`,
//! for `shipctl --version` (e.g. `shipctl 0.1.0 (aarch64-unknown-linux-musl)`).

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    let target = std::env::var("TARGET").expect("cargo sets TARGET for build scripts");
    println!("cargo::rustc-env=SHIPCTL_TARGET={target}");
}
