//! Snapshot of the code a model becomes, formatted for review.

use std::path::PathBuf;

fn models() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/models");
    assert!(dir.is_dir(), "the model zoo is missing: {}", dir.display());
    dir
}

fn expand(file: &str, name: &str) -> String {
    let bytes = std::fs::read(models().join(file)).expect("model file");
    let opts = kiln_compiler::Options {
        name: proc_macro2::Ident::new(name, proc_macro2::Span::call_site()),
        vis: quote::quote!(pub),
        source_path: None,
    };
    let tokens = kiln_compiler::compile(&bytes, &opts).expect("compiles");
    let file: syn::File = syn::parse2(tokens).expect("generated code parses");
    prettyplease::unparse(&file)
}

#[test]
fn sine_float32() {
    insta::assert_snapshot!(expand("generated/sine_float32.tflite", "Sine"));
}

#[test]
fn hello_world_int8() {
    insta::assert_snapshot!(expand("tflm/hello_world_int8.tflite", "HelloInt8"));
}
