//! The `include_model!` procedural macro of kiln. Thin by design: it parses the arguments,
//! reads the file, calls [`kiln_compiler`] and turns its errors into spanned compile errors.
//! Use it through the `kiln` crate (`kiln::include_model!`).

use proc_macro::TokenStream;
use proc_macro2::{Span, TokenStream as TokenStream2};
use quote::quote;
use syn::parse::{Parse, ParseStream};
use syn::spanned::Spanned;
use syn::{BinOp, Expr, Ident, Lit, LitStr, Token, Visibility};

/// Compiles a TensorFlow Lite model into a typed Rust struct at build time.
///
/// ```ignore
/// kiln::include_model!(pub Sine = "models/sine_float32.tflite"); // relative to CARGO_MANIFEST_DIR
/// // with memory budgets (bytes): a compile error names the largest contributors when exceeded
/// kiln::include_model!(pub Person = "person_detect.tflite", max_ram = 64 * 1024, max_flash = 256 * 1024);
/// ```
///
/// Budgets are integer constant expressions evaluated by the macro: integer literals combined
/// with `+ - * / % << >>` and parentheses (`64 * 1024`, `1 << 16`, `300_000`).
#[proc_macro]
pub fn include_model(input: TokenStream) -> TokenStream {
    let args = syn::parse_macro_input!(input as Args);
    expand(&args).into()
}

struct Args {
    vis: Visibility,
    name: Ident,
    path: LitStr,
    max_ram: Option<(u64, TokenStream2)>,
    max_flash: Option<(u64, TokenStream2)>,
}

impl Parse for Args {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let vis: Visibility = input.parse()?;
        let name: Ident = input.parse()?;
        input.parse::<Token![=]>()?;
        let path: LitStr = input.parse()?;
        let mut args = Args {
            vis,
            name,
            path,
            max_ram: None,
            max_flash: None,
        };
        while input.peek(Token![,]) {
            input.parse::<Token![,]>()?;
            if input.is_empty() {
                break;
            }
            let key: Ident = input.parse()?;
            input.parse::<Token![=]>()?;
            let value: Expr = input.parse()?;
            let slot =
                match key.to_string().as_str() {
                    "max_ram" => &mut args.max_ram,
                    "max_flash" => &mut args.max_flash,
                    _ => return Err(syn::Error::new(
                        key.span(),
                        "unknown argument (expected `max_ram = <bytes>` or `max_flash = <bytes>`)",
                    )),
                };
            if slot.is_some() {
                return Err(syn::Error::new(
                    key.span(),
                    format!("`{key}` is given twice"),
                ));
            }
            let bytes = eval(&value)?;
            let bytes = u64::try_from(bytes)
                .map_err(|_| syn::Error::new(value.span(), "budget does not fit in u64"))?;
            *slot = Some((bytes, quote!(#key = #value)));
        }
        if !input.is_empty() {
            return Err(input.error(
                "expected `Name = \"path/to/model.tflite\"`, then optionally `, max_ram = <bytes>, max_flash = <bytes>`",
            ));
        }
        Ok(args)
    }
}

/// Evaluates an integer constant expression of literals.
fn eval(e: &Expr) -> syn::Result<u128> {
    let unsupported = || {
        syn::Error::new(
            e.span(),
            "expected an integer constant expression of literals (`+ - * / % << >>`, parentheses), e.g. `64 * 1024`",
        )
    };
    let overflow = || syn::Error::new(e.span(), "the budget overflows");
    match e {
        Expr::Lit(l) => match &l.lit {
            Lit::Int(i) => i.base10_parse::<u128>(),
            _ => Err(unsupported()),
        },
        Expr::Paren(p) => eval(&p.expr),
        Expr::Group(g) => eval(&g.expr),
        Expr::Binary(b) => {
            let (l, r) = (eval(&b.left)?, eval(&b.right)?);
            let v = match b.op {
                BinOp::Add(_) => l.checked_add(r),
                BinOp::Sub(_) => l.checked_sub(r),
                BinOp::Mul(_) => l.checked_mul(r),
                BinOp::Div(_) => l.checked_div(r),
                BinOp::Rem(_) => l.checked_rem(r),
                BinOp::Shl(_) => u32::try_from(r).ok().and_then(|r| l.checked_shl(r)),
                BinOp::Shr(_) => u32::try_from(r).ok().and_then(|r| l.checked_shr(r)),
                _ => return Err(unsupported()),
            };
            v.ok_or_else(overflow)
        }
        _ => Err(unsupported()),
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
            return errors_with_stub(args, &[(span, msg)]);
        }
    };
    let vis = &args.vis;
    let opts = kiln_compiler::Options {
        name: args.name.clone(),
        vis: quote!(#vis),
        source_path: Some(full.to_string_lossy().into_owned()),
    };
    let built = match kiln_compiler::build(&bytes, &opts) {
        Ok(b) => b,
        Err(errors) => {
            let msgs: Vec<(Span, String)> = errors
                .iter()
                .map(|e| (span, format!("{rel}: {e}")))
                .collect();
            return errors_with_stub(args, &msgs);
        }
    };
    let budget = kiln_compiler::Budget {
        max_ram: args.max_ram.as_ref().map(|b| b.0),
        max_flash: args.max_flash.as_ref().map(|b| b.0),
    };
    // Over budget: the error points at the budget, and the real model is still emitted so that
    // only the budget error shows.
    let errors = built.over_budget(&budget).into_iter().map(|o| {
        let at = match o.resource {
            kiln_compiler::budget::Resource::Ram => &args.max_ram,
            kiln_compiler::budget::Resource::Flash => &args.max_flash,
        };
        let msg = format!("{rel}: {}", o.message);
        match at {
            Some((_, tokens)) => syn::Error::new_spanned(tokens, msg),
            None => syn::Error::new(span, msg),
        }
        .to_compile_error()
    });
    let tokens = built.tokens;
    quote!(#(#errors)* #tokens)
}

/// The errors, plus a stand-in struct so that code using the model still type-checks and only
/// the real error is shown.
fn errors_with_stub(args: &Args, msgs: &[(Span, String)]) -> TokenStream2 {
    let errors = msgs
        .iter()
        .map(|(span, m)| syn::Error::new(*span, m).to_compile_error());
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
