//! The integration-test binary: every test that runs the real `shipctl`.

mod aws;
mod aws_cases;
mod completions;
mod conformance;
mod decrypt;
mod get;
mod git_changes;
mod jdk;
mod notify;
mod platform;
mod state;
mod util;
mod utilities;

/// The AWS file editor is pure (std only), so the case tests compile its
/// source directly instead of making the crate a library.
#[path = "../src/aws/ini.rs"]
#[allow(dead_code)]
mod aws_ini;
