//! The integration-test binary: every test that runs the real `shipctl`.
//!
//! It runs on a Unix host, with the shells, `git`, `aws` and servers the
//! tests talk to. A Windows binary is tested by this same harness from
//! Linux under Wine (`SHIPCTL_TEST_BIN`, `SHIPCTL_TEST_RUNNER`: tests/util
//! and scripts/wine-test), so there is no Windows build of it.
#![cfg(unix)]

mod aws;
mod aws_cases;
mod aws_diff;
mod aws_peers;
mod aws_region;
mod completions;
mod conformance;
mod decrypt;
mod ecr;
mod ecr_sigv4;
mod eval;
mod example_job;
mod explain;
mod faults;
mod get;
mod git_changes;
mod hostile;
mod inputs;
mod jdk;
mod json;
mod model;
mod notify;
mod platform;
mod split;
mod state;
mod terms;
mod usage;
mod util;
mod utilities;
