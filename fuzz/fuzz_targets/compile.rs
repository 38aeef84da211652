//! Everything `include_model!` does with a file's bytes except handing tokens to rustc: read
//! and verify the flatbuffer, lower, validate, plan and expand. Any panic, hang or runaway
//! allocation is a bug (libFuzzer's `-rss_limit_mb` and `-timeout` catch the last two).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let opts = kiln_compiler::Options {
        name: quote::format_ident!("M"),
        vis: quote::quote!(pub),
        source_path: None,
    };
    if let Ok(tokens) = kiln_compiler::compile(data, &opts) {
        // The generated code must at least be a token stream rustc can re-lex.
        let _ = tokens.to_string();
    }
});
