//! The integration-test binary: every test that runs the real `shipctl`.

mod conformance;
mod get;
mod jdk;
mod notify;
mod util;
