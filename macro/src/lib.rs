//! The `include_model!` procedural macro of kiln. Thin by design: it parses the arguments,
//! reads the file, calls [`kiln_compiler`] and turns its errors into spanned compile errors.
//! Use it through the `kiln` crate (`kiln::include_model!`).

use proc_macro::TokenStream;
use proc_macro2::{Span, TokenStream as TokenStream2};
use quote::quote;
use syn::parse::{Parse, ParseStream};
use syn::{Ident, LitStr, Token, Visibility};

/// Compiles a TensorFlow Lite model into a typed Rust struct at build time.
///
/// ```ignore
/// kiln::include_model!(pub Sine = "models/sine_float32.tflite"); // relative to CARGO_MANIFEST_DIR
/// ```
#[proc_macro]
pub fn include_model(input: TokenStream) -> TokenStream {
    let args = syn::parse_macro_input!(input as Args);
    expand(&args).into()
}

struct Args {
    vis: Visibility,
    name: Ident,
    path: LitStr,
}

impl Parse for Args {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let vis: Visibility = input.parse()?;
        let name: Ident = input.parse()?;
        input.parse::<Token![=]>()?;
        let path: LitStr = input.parse()?;
        if input.peek(Token![,]) {
            input.parse::<Token![,]>()?;
        }
        if !input.is_empty() {
            return Err(input.error("expected `Name = \"path/to/model.tflite\"`"));
        }
        Ok(Args { vis, name, path })
    }
}

fn expand(args: &Args) -> TokenStream2 {
    let span = args.path.span();
    let rel = args.path.value();
    let base = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into());
    let full = std::path::Path::new(&base).join(&rel);
    let bytes = match std::fs::read(&full) {
        Ok(b) => b,
        Err(e) => {
            let msg = format!("cannot read model file `{}`: {e}", full.display());
            return errors_with_stub(args, span, &[msg]);
        }
    };
    let vis = &args.vis;
    let opts = kiln_compiler::Options {
        name: args.name.clone(),
        vis: quote!(#vis),
        source_path: Some(full.to_string_lossy().into_owned()),
    };
    match kiln_compiler::compile(&bytes, &opts) {
        Ok(tokens) => tokens,
        Err(errors) => {
            let msgs: Vec<String> = errors.iter().map(|e| format!("{rel}: {e}")).collect();
            errors_with_stub(args, span, &msgs)
        }
    }
}

/// The errors, plus a stand-in struct so that code using the model still type-checks and only
/// the real error is shown.
fn errors_with_stub(args: &Args, span: Span, msgs: &[String]) -> TokenStream2 {
    let errors = msgs
        .iter()
        .map(|m| syn::Error::new(span, m).to_compile_error());
    let (vis, name) = (&args.vis, &args.name);
    quote! {
        #(#errors)*
        #vis struct #name;
        #[allow(dead_code, unused_variables, clippy::all)]
        impl #name {
            pub const ARENA_BYTES: usize = 0;
            pub const fn new() -> Self { Self }
            pub fn predict<I, O>(&mut self, input: I) -> O { ::core::unreachable!() }
            pub fn input_mut<O>(&mut self) -> O { ::core::unreachable!() }
            pub fn run<O>(&mut self) -> O { ::core::unreachable!() }
        }
    }
}
