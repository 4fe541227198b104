//! Compile-fail and compile-pass cases: each `ui/fail/*.rs` must fail to
//! compile with exactly the message in its `.stderr` snapshot.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/fail/*.rs");
    cases.pass("tests/ui/pass/*.rs");
}
