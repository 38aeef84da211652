//! Bad input gives a compile error on the path literal, never a macro panic.
#[test]
fn compile_fail() {
    let t = trybuild::TestCases::new();
    t.compile_fail("ui/*.rs");
}
