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

/// The kernels the compiler picks for the benchmark's int8 models, by name in the generated code.
#[test]
fn kernel_choices_for_the_benchmark_models() {
    let cnn = expand("generated/cnn_int8.tflite", "Cnn");
    // The first convolution, 42 % of the MACs on 28-byte windows: weights widened beforehand.
    assert_eq!(cnn.matches("conv_band_quads_wide_s8").count(), 1, "{cnn}");
    assert_eq!(cnn.matches("conv_band_quads_s8").count(), 1, "{cnn}");
    // Its 256 → 16 and 32 → 10 fully connected layers have one row: two channels per pass over
    // it. None stays on the reference kernel.
    assert_eq!(cnn.matches("fully_connected_row_s8").count(), 2, "{cnn}");
    assert!(!cnn.contains("pointwise_s8("), "{cnn}");
    assert!(!cnn.contains("fully_connected_s8("), "{cnn}");
    // Its softmax's exponents come from a table of 125 differences (diff_min −124).
    assert!(cnn.contains("softmax_s8_table"), "{cnn}");
    // person_detect's first convolution holds its 3×3 window in registers (`conv_small_s8`).
    let person = expand("microflow/person_detect.tflite", "Person");
    assert!(person.contains("conv_small_s8"));
    assert!(!person.contains("conv_band_quads"));
    // microflow_sine's three layers (16, 256 and 16 MACs) stay on plain loops that LLVM
    // inlines, with the short requantization: their bounds allow it.
    let sine = expand("microflow/sine.tflite", "Sine");
    assert_eq!(
        sine.matches("fully_connected_small_s8(").count(),
        3,
        "{sine}"
    );
    assert!(!sine.contains("fully_connected_s8("), "{sine}");
    // speech's softmax would need a table of 249 differences: it computes them instead.
    let speech = expand("microflow/speech.tflite", "Speech");
    assert!(speech.contains("::softmax_s8("), "{speech}");
    assert!(!speech.contains("softmax_s8_table"), "{speech}");
}
