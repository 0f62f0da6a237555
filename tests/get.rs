//! Lookups (issue 2) beyond the conformance cases.
use crate::util::Test;

#[test]
fn lookup_prints_exact_value() {
    Test::new()
        .env("APP_ID", "a  b*")
        .args(["get_resource_id", "app"])
        .run()
        .stdout("a  b*\n")
        .stderr("")
        .success();
}
