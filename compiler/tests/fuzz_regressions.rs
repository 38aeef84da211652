//! Inputs that once crashed the compiler (found by `cargo fuzz run compile` in `fuzz/`, by the
//! `mutated_models` property test or by `hostile.rs`), kept in `tests/fuzz_regressions/`: each
//! must give an error, and no panic. Add a crashing input by copying the fuzzer's artifact
//! there under a name that says what it broke.

use std::path::Path;

use kiln_compiler::{compile, Options};

#[test]
fn every_regression_input_is_a_clean_error() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz_regressions");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(!files.is_empty());
    let opts = Options {
        name: quote::format_ident!("M"),
        vis: quote::quote!(pub),
        source_path: None,
    };
    for path in files {
        let bytes = std::fs::read(&path).unwrap();
        let result = std::panic::catch_unwind(|| compile(&bytes, &opts).map(|_| ()));
        match result {
            Ok(Err(_)) => {}
            Ok(Ok(())) => panic!("{}: compiled, expected an error", path.display()),
            Err(_) => panic!("{}: the compiler panicked", path.display()),
        }
    }
}
