//! The integration-test binary: every test that runs the real `shipctl`.

mod conformance;
mod decrypt;
mod get;
mod git_changes;
mod util;
mod utilities;
