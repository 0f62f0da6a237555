//! The integration-test binary: every test that runs the real `shipctl`.

mod completions;
mod conformance;
mod get;
mod util;
