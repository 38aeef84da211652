//! Phase 5: generate the model struct, its constants and its inference function.

use proc_macro2::{Ident, Literal, TokenStream};
use quote::{format_ident, quote};

use crate::error::{Collector, Errors};
use crate::ir::{DType, Graph, Tensor};
use crate::plan::Plan;

/// What the generated item is called and where it comes from.
pub struct Options {
    /// The struct's name.
    pub name: Ident,
    /// The struct's visibility (`pub`, `pub(crate)`, or empty).
    pub vis: TokenStream,
    /// Absolute path of the model file, for `include_bytes!` (so Cargo rebuilds on change).
    pub source_path: Option<String>,
}

/// An argument of a kernel call.
pub enum Arg {
    /// Input tensor (arena or constant), viewed as a slice of its element type.
    In(usize),
    /// The output tensor, viewed as a mutable slice of its element type.
    Out(usize),
    /// A static emitted by [`Emitter::constant`], passed by reference.
    Static(Ident),
    /// Any expression.
    Expr(TokenStream),
}

/// Collects the statics of the generated code and turns kernel calls into statements.
pub struct Emitter<'a> {
    graph: &'a Graph,
    plan: &'a Plan,
    statics: Vec<TokenStream>,
    next: usize,
    weight_bytes: usize,
}

/// An exact `f32` constant expression (also for infinities).
pub fn f32_lit(v: f32) -> TokenStream {
    let bits = Literal::u32_suffixed(v.to_bits());
    quote!(f32::from_bits(#bits))
}

impl<'a> Emitter<'a> {
    /// A `static` array holding `bytes` (little-endian elements of `dtype`), stored in flash.
    pub fn constant(&mut self, dtype: DType, bytes: &[u8]) -> Ident {
        let id = format_ident!("W{}", self.next);
        self.next += 1;
        self.weight_bytes += bytes.len();
        let ty = dtype.rust();
        let count = bytes.len() / dtype.size();
        let conv = match dtype {
            DType::F32 => quote!(bytes_to_f32),
            DType::I8 => quote!(bytes_to_i8),
            DType::U8 | DType::Bool => quote!(bytes_to_u8),
            DType::I16 | DType::F16 => quote!(bytes_to_i16),
            DType::I32 => quote!(bytes_to_i32),
            DType::I64 => quote!(bytes_to_i64),
        };
        let ty = if dtype == DType::F16 { quote!(i16) } else { ty };
        let lit = Literal::byte_string(bytes);
        self.statics
            .push(quote!(static #id: [#ty; #count] = ::kiln::__private::#conv(#lit);));
        id
    }

    /// A `static [i32; N]`.
    pub fn constant_i32(&mut self, values: &[i32]) -> Ident {
        let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        self.constant(DType::I32, &bytes)
    }

    /// The arena byte range of a tensor.
    pub fn region(&self, t: usize) -> (usize, usize) {
        self.plan
            .regions
            .get(t)
            .copied()
            .flatten()
            .unwrap_or((0, 0))
    }

    /// `{ split the arena; kernel(&PARAMS, args…) }`. `params` is a struct expression of a type in
    /// `::kiln::__private` named by `params_ty`.
    pub fn call(
        &mut self,
        kernel: TokenStream,
        params_ty: TokenStream,
        params: TokenStream,
        args: &[Arg],
    ) -> TokenStream {
        let mut ranges = Vec::new();
        let mut out_range = quote!((0, 0));
        let mut exprs = Vec::new();
        for a in args {
            exprs.push(match a {
                Arg::In(t) => {
                    let tensor: &Tensor = self.graph.tensor(*t);
                    let ty = tensor.dtype.rust();
                    match &tensor.data {
                        Some(d) => {
                            let id = self.constant(tensor.dtype, &d.clone());
                            quote!(&#id)
                        }
                        None => {
                            let (o, l) = self.region(*t);
                            let k = ranges.len();
                            ranges.push(quote!((#o, #l)));
                            let v = format_ident!("i{}", k);
                            quote!(::kiln::__private::cast::<#ty>(#v))
                        }
                    }
                }
                Arg::Out(t) => {
                    let (o, l) = self.region(*t);
                    out_range = quote!((#o, #l));
                    let ty = self.graph.tensor(*t).dtype.rust();
                    quote!(::kiln::__private::cast_mut::<#ty>(out))
                }
                Arg::Static(id) => quote!(&#id),
                Arg::Expr(e) => e.clone(),
            });
        }
        let names: Vec<Ident> = (0..ranges.len()).map(|k| format_ident!("i{}", k)).collect();
        quote! {
            {
                const P: ::kiln::__private::#params_ty = #params;
                let ([#(#names),*], out) = ::kiln::__private::split(&mut *arena, [#(#ranges),*], #out_range);
                ::kiln::__private::#kernel(&P, #(#exprs),*);
            }
        }
    }
}

fn shape_tokens(t: &Tensor) -> TokenStream {
    let dims = &t.shape;
    let r = dims.len();
    quote!([usize; #r] = [#(#dims),*])
}

fn quant_consts(prefix: &str, t: &Tensor) -> TokenStream {
    let Some(q) = &t.quant else { return quote!() };
    let scale_id = format_ident!("{}_SCALE", prefix);
    let zp_id = format_ident!("{}_ZERO_POINT", prefix);
    let scale = f32_lit(q.scale0());
    let zp = q.zero_point0() as i32;
    let doc_s = format!(
        "Quantization scale of the {}: `real = scale · (q − zero_point)`.",
        prefix.to_lowercase()
    );
    let doc_z = format!("Quantization zero point of the {}.", prefix.to_lowercase());
    quote! {
        #[doc = #doc_s]
        pub const #scale_id: f32 = #scale;
        #[doc = #doc_z]
        pub const #zp_id: i32 = #zp;
    }
}

/// Generates the model struct.
pub fn expand(g: &Graph, plan: &Plan, opts: &Options) -> Result<TokenStream, Errors> {
    let mut e = Emitter {
        graph: g,
        plan,
        statics: Vec::new(),
        next: 0,
        weight_bytes: 0,
    };
    let mut c = Collector::default();
    let mut blocks = Vec::new();
    let mut macs = 0u64;
    for node in &g.nodes {
        macs += node.op.macs(g, node);
        if node.op.is_alias() {
            continue;
        }
        if let Some(b) = c.take(node.op.emit(g, node, &mut e)) {
            blocks.push(b);
        }
    }
    let (input, output) = (g.tensor(g.inputs[0]), g.tensor(g.outputs[0]));
    let name = &opts.name;
    let vis = &opts.vis;
    let arena_bytes = plan.arena_bytes;
    let (in_off, _) = e.region(input.index);
    let (out_off, _) = e.region(output.index);
    let (ti, ni, to, no) = (
        input.dtype.rust(),
        input.elements(),
        output.dtype.rust(),
        output.elements(),
    );
    let in_shape = shape_tokens(input);
    let out_shape = shape_tokens(output);
    let in_q = quant_consts("INPUT", input);
    let out_q = quant_consts("OUTPUT", output);
    let ops = g.nodes.len();
    let weight_bytes = e.weight_bytes;
    let statics = &e.statics;
    let include = opts.source_path.as_ref().map(|p| {
        quote!(
            const _: &[u8] = include_bytes!(#p);
        )
    });
    let doc = format!(
        "Model compiled by kiln: {} operators, {} weight bytes, {} arena bytes, {} MACs.",
        ops, weight_bytes, arena_bytes, macs
    );
    let tokens = quote! {
        #include

        #[doc = #doc]
        #vis struct #name {
            arena: ::kiln::__private::Arena<#arena_bytes>,
        }

        impl #name {
            /// Bytes of the tensor arena this model owns.
            pub const ARENA_BYTES: usize = #arena_bytes;
            /// Bytes of constant weights (in flash).
            pub const WEIGHT_BYTES: usize = #weight_bytes;
            /// Multiply-accumulate operations per inference.
            pub const MACS: u64 = #macs;
            /// Number of operators.
            pub const OPS: usize = #ops;
            /// Shape of the input tensor.
            pub const INPUT_SHAPE: #in_shape;
            /// Shape of the output tensor.
            pub const OUTPUT_SHAPE: #out_shape;
            #in_q
            #out_q

            /// A model with a zeroed arena.
            pub const fn new() -> Self {
                Self { arena: ::kiln::__private::Arena::new() }
            }

            /// The input tensor inside the arena: write it, then call [`Self::run`].
            pub fn input_mut(&mut self) -> &mut [#ti; #ni] {
                ::kiln::__private::input::<#ti, #ni>(&mut self.arena.0, #in_off)
            }

            /// Runs the model on the input in the arena and returns the output.
            pub fn run(&mut self) -> &[#to; #no] {
                #(#statics)*
                let arena = &mut self.arena.0;
                #(#blocks)*
                ::kiln::__private::output::<#to, #no>(&self.arena.0, #out_off)
            }

            /// Copies `input` into the arena, runs the model and returns the output.
            pub fn predict(&mut self, input: &[#ti; #ni]) -> &[#to; #no] {
                *self.input_mut() = *input;
                self.run()
            }
        }

        impl ::core::default::Default for #name {
            fn default() -> Self {
                Self::new()
            }
        }
    };
    c.finish(tokens)
}
