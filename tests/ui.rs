//! Compile-time behaviour of `#[derive(GalaxyRecord)]`: what compiles, and the exact errors of
//! what does not.

#[test]
fn derive_ui() {
    let cases = trybuild::TestCases::new();
    cases.pass("tests/ui/pass/*.rs");
    cases.compile_fail("tests/ui/fail/*.rs");
}
