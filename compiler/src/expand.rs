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

/// Figures of the generated code, for budgets and the inspector.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Bytes of all emitted constants (`WEIGHT_BYTES`).
    pub weight_bytes: usize,
    /// Multiply-accumulate operations per inference (`MACS`).
    pub macs: u64,
    /// Constant bytes emitted per operator: `(operator index, bytes)`, in execution order.
    pub weight_bytes_by_op: Vec<(usize, usize)>,
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
    /// An input tensor that dies with the operator, viewed as a mutable slice: the kernel may
    /// use its bytes as scratch once it has read them. At most one per call, not with `Scratch`.
    Dying(usize),
    /// An input tensor viewed as a mutable slice that the kernel returns unchanged (it may park
    /// data in it while it runs). At most one per call, not with `Dying` or `Scratch`.
    InMut(usize),
    /// `&mut [u8]` scratch space of this many bytes from a part of the arena that no live buffer
    /// uses during the operator (see [`Plan::free_gap`]); an empty slice when there is none.
    Scratch(usize),
}

/// Collects the statics of the generated code and turns kernel calls into statements.
pub struct Emitter<'a> {
    graph: &'a Graph,
    plan: &'a Plan,
    statics: Vec<TokenStream>,
    node: usize,
    step: usize,
    next: usize,
    weight_bytes: usize,
    node_weight_bytes: usize,
}

/// An exact `f32` constant expression (also for infinities).
pub fn f32_lit(v: f32) -> TokenStream {
    let bits = Literal::u32_suffixed(v.to_bits());
    quote!(f32::from_bits(#bits))
}

impl<'a> Emitter<'a> {
    /// A `static` array holding `bytes` (little-endian elements of `dtype`), stored in flash.
    pub fn constant(&mut self, dtype: DType, bytes: &[u8]) -> Ident {
        let id = format_ident!("OP{}_C{}", self.node, self.next);
        self.next += 1;
        self.weight_bytes += bytes.len();
        self.node_weight_bytes += bytes.len();
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

    /// Whether the current operator can use `input`'s bytes as its `scratch` (`conv_im2col_s8_in_place`):
    /// the input dies with it and the geometry allows it.
    pub fn in_place(
        &self,
        input: usize,
        geometry: &crate::ops::conv_common::Geometry,
        scratch: (usize, usize),
    ) -> bool {
        let node = self.graph.nodes.get(self.step);
        node.is_some_and(|n| crate::plan::dies_at(self.graph, n, input))
            && crate::ops::conv_common::im2col_in_place(geometry, scratch)
    }

    /// The input (by position) of the current operator whose bytes its output 0 overwrites,
    /// when the plan runs it in place ([`crate::ops::OpImpl::in_place_inputs`]).
    pub fn overwritten_input(&self) -> Option<usize> {
        let node = self.graph.nodes.get(self.step)?;
        let out = *node.outputs.first()?;
        let r = *self.plan.alias_of.get(out)?;
        if r == out {
            return None;
        }
        node.inputs
            .iter()
            .position(|i| i.is_some_and(|i| self.plan.alias_of.get(i) == Some(&r)))
    }

    /// The current operator's MACs and the whole model's.
    pub fn macs(&self) -> (u64, u64) {
        let g = self.graph;
        let total = g.nodes.iter().map(|n| n.op.macs(g, n)).sum();
        let own = g.nodes.get(self.step).map_or(0, |n| n.op.macs(g, n));
        (own, total)
    }

    /// Whether [`Arg::Scratch`] of `bytes` would find free arena space for the current operator.
    pub fn scratch_available(&self, bytes: usize) -> bool {
        self.plan.free_gap(self.step, bytes).is_some()
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
        let mut scratch_range = None;
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
                Arg::Dying(t) | Arg::InMut(t) => {
                    let (o, l) = self.region(*t);
                    scratch_range = Some(quote!((#o, #l)));
                    let ty = self.graph.tensor(*t).dtype.rust();
                    quote!(::kiln::__private::cast_mut::<#ty>(scratch))
                }
                Arg::Scratch(bytes) => match self.plan.free_gap(self.step, *bytes) {
                    Some(o) => {
                        scratch_range = Some(quote!((#o, #bytes)));
                        quote!(scratch)
                    }
                    None => quote!(&mut []),
                },
            });
        }
        let names: Vec<Ident> = (0..ranges.len()).map(|k| format_ident!("i{}", k)).collect();
        if let Some(scratch) = scratch_range {
            return quote! {
                {
                    const P: ::kiln::__private::#params_ty = #params;
                    let ([#(#names),*], out, scratch) = ::kiln::__private::split_scratch(&mut *arena, [#(#ranges),*], #out_range, #scratch);
                    ::kiln::__private::#kernel(&P, #(#exprs),*);
                }
            };
        }
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

/// The element type name of a dtype in `::kiln::DType`.
fn dtype_variant(d: DType) -> Ident {
    format_ident!(
        "{}",
        match d {
            DType::F32 => "F32",
            DType::F16 => "F16",
            DType::I8 => "I8",
            DType::U8 => "U8",
            DType::I16 => "I16",
            DType::I32 => "I32",
            DType::I64 => "I64",
            DType::Bool => "Bool",
        }
    )
}

/// The alignment a caller-provided arena needs: every region is aligned to its element size
/// (at least [`crate::plan::ALIGN`]).
pub fn arena_align(g: &Graph, plan: &Plan) -> usize {
    plan.buffers()
        .map(|t| g.tensor(t).dtype.size())
        .fold(crate::plan::ALIGN, usize::max)
}

/// How generated code views an I/O tensor: `(element type, elements, arena offset)`.
type View<'a> = dyn Fn(&TokenStream, usize, usize) -> TokenStream + 'a;

/// Generates the model struct.
pub fn expand(g: &Graph, plan: &Plan, opts: &Options) -> Result<TokenStream, Errors> {
    expand_with_stats(g, plan, opts).map(|(tokens, _)| tokens)
}

/// Generates the model struct and reports its figures.
pub fn expand_with_stats(
    g: &Graph,
    plan: &Plan,
    opts: &Options,
) -> Result<(TokenStream, Stats), Errors> {
    let mut e = Emitter {
        graph: g,
        plan,
        statics: Vec::new(),
        node: 0,
        step: 0,
        next: 0,
        weight_bytes: 0,
        node_weight_bytes: 0,
    };
    let mut c = Collector::default();
    let mut blocks = Vec::new();
    let mut macs = 0u64;
    let mut weight_bytes_by_op = Vec::new();
    // Operators already run by a kernel an earlier operator started (a chain of fully connected
    // layers, a fused convolution and ADD).
    let mut chained = 0;
    for (step, node) in g.nodes.iter().enumerate() {
        macs += node.op.macs(g, node);
        if chained > 0 {
            chained -= 1;
            weight_bytes_by_op.push((node.index, 0));
            continue;
        }
        if node.op.is_alias() {
            continue;
        }
        (e.node, e.step, e.next, e.node_weight_bytes) = (node.index, step, 0, 0);
        let rest = g.nodes.get(step..).unwrap_or_default();
        let together = crate::ops::fully_connected::emit_chain(g, rest, &mut e)
            .or_else(|| crate::ops::fuse::emit_pointwise_add(g, rest, &mut e));
        if let Some((b, n)) = together {
            blocks.push(b);
            weight_bytes_by_op.push((node.index, e.node_weight_bytes));
            chained = n - 1;
            continue;
        }
        if let Some(b) = c.take(node.op.emit(g, node, &mut e)) {
            blocks.push(b);
        }
        weight_bytes_by_op.push((node.index, e.node_weight_bytes));
    }
    let name = &opts.name;
    let vis = &opts.vis;
    let arena_bytes = plan.arena_bytes;
    let single_in = g.inputs.len() == 1;
    let align = arena_align(g, plan);
    // The borrowed form holds its arena as words of the arena's alignment, so that the
    // optimiser knows the alignment of every view (as it does for the owned `Arena`).
    let word = if align >= 8 { quote!(u64) } else { quote!(u32) };
    let words = arena_bytes / align.clamp(4, 8);
    let single_out = g.outputs.len() == 1;

    // Inputs: `input_mut` (single input) or `input0_mut`, `input1_mut`, … and their consts.
    let mut io_consts = Vec::new();
    let mut input_fns = Vec::new();
    let mut predict_params = Vec::new();
    let mut predict_copies = Vec::new();
    for (k, &t) in g.inputs.iter().enumerate() {
        let tensor = g.tensor(t);
        let (off, _) = e.region(t);
        let (ty, n) = (tensor.dtype.rust(), tensor.elements());
        let prefix = if single_in {
            "INPUT".to_string()
        } else {
            format!("INPUT{k}")
        };
        let shape_id = format_ident!("{}_SHAPE", prefix);
        let shape = shape_tokens(tensor);
        let doc = format!(
            "Shape of input {k} (`{}`, {}).",
            tensor.name,
            tensor.dtype.name()
        );
        io_consts.push(quote!(#[doc = #doc] pub const #shape_id: #shape;));
        io_consts.push(dtype_const(&prefix, k, "input", tensor));
        io_consts.push(quant_consts(&prefix, tensor));
        let f = if single_in {
            format_ident!("input_mut")
        } else {
            format_ident!("input{}_mut", k)
        };
        let doc = format!(
            "Input {k} (`{}`) inside the arena: write it (from a sensor or DMA), then call [`Self::run`].",
            tensor.name
        );
        let (f_, ty_) = (f.clone(), ty.clone());
        input_fns.push(move |view: &View| {
            let (f, ty) = (&f_, &ty_);
            let v = view(ty, n, off);
            quote! {
                #[doc = #doc]
                pub fn #f(&mut self) -> &mut [#ty; #n] {
                    #v
                }
            }
        });
        let arg = if single_in {
            format_ident!("input")
        } else {
            format_ident!("input{}", k)
        };
        predict_params.push(quote!(#arg: &[#ty; #n]));
        predict_copies.push(quote!(*self.#f() = *#arg;));
    }

    // Outputs: `run` returns the output, or a tuple of all outputs.
    let mut out_types = Vec::new();
    let mut out_exprs = Vec::new();
    let mut output_fns = Vec::new();
    for (k, &t) in g.outputs.iter().enumerate() {
        let tensor = g.tensor(t);
        let (off, _) = e.region(t);
        let (ty, n) = (tensor.dtype.rust(), tensor.elements());
        let prefix = if single_out {
            "OUTPUT".to_string()
        } else {
            format!("OUTPUT{k}")
        };
        let shape_id = format_ident!("{}_SHAPE", prefix);
        let shape = shape_tokens(tensor);
        let doc = format!(
            "Shape of output {k} (`{}`, {}).",
            tensor.name,
            tensor.dtype.name()
        );
        io_consts.push(quote!(#[doc = #doc] pub const #shape_id: #shape;));
        io_consts.push(dtype_const(&prefix, k, "output", tensor));
        io_consts.push(quant_consts(&prefix, tensor));
        out_types.push(quote!(&[#ty; #n]));
        out_exprs.push((ty.clone(), n, off));
        if !single_out {
            let f = format_ident!("output{}", k);
            let doc = format!("Output {k} (`{}`) of the last [`Self::run`].", tensor.name);
            output_fns.push(move |view: &View| {
                let v = view(&ty, n, off);
                quote! {
                    #[doc = #doc]
                    pub fn #f(&self) -> &[#ty; #n] {
                        #v
                    }
                }
            });
        }
    }
    let ret_ty = if single_out {
        out_types[0].clone()
    } else {
        quote!((#(#out_types),*))
    };
    let ret = |view: &View| {
        let exprs = out_exprs.iter().map(|(ty, n, off)| view(ty, *n, *off));
        if single_out {
            quote!(#(#exprs)*)
        } else {
            quote!((#(#exprs),*))
        }
    };

    let ops = g.nodes.len();
    let weight_bytes = e.weight_bytes;
    let ref_name = format_ident!("{}Ref", name);
    // Views of the I/O tensors: in the owned arena; in the borrowed words (the accessors of
    // the runtime take the words as a parameter, whose alignment the optimiser then knows);
    // in the words parameter of `run_words`.
    let owned_mut = |ty: &TokenStream, n: usize, off: usize| quote!(::kiln::__private::input::<#ty, #n>(&mut self.arena.0, #off));
    let owned_ref = |ty: &TokenStream, n: usize, off: usize| quote!(::kiln::__private::output::<#ty, #n>(&self.arena.0, #off));
    let ref_mut = |ty: &TokenStream, n: usize, off: usize| quote!(::kiln::__private::word_input::<#word, #ty, #words, #n, #off>(&mut *self.arena));
    let ref_ref = |ty: &TokenStream, n: usize, off: usize| quote!(::kiln::__private::word_output::<#word, #ty, #words, #n, #off>(&*self.arena));
    let words_ref = |ty: &TokenStream, n: usize, off: usize| {
        quote!(::kiln::__private::output::<#ty, #n>(
            ::kiln::__private::word_bytes::<#word, #arena_bytes>(&arena[..]),
            #off
        ))
    };
    let owned_inputs: Vec<TokenStream> = input_fns.iter().map(|f| f(&owned_mut)).collect();
    let ref_inputs: Vec<TokenStream> = input_fns.iter().map(|f| f(&ref_mut)).collect();
    let owned_outputs: Vec<TokenStream> = output_fns.iter().map(|f| f(&owned_ref)).collect();
    let ref_outputs: Vec<TokenStream> = output_fns.iter().map(|f| f(&ref_ref)).collect();
    let (owned_ret, words_ret) = (ret(&owned_ref), ret(&words_ref));
    let ref_doc = format!(
        "[`{name}`] running in a caller-provided arena (external RAM, or one arena shared by \
         models that never run at the same time): made by [`{name}::with_buffer`] or \
         [`{name}::with_arena`]. The arena holds the inputs, intermediates and outputs."
    );
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
            /// Alignment (bytes) a caller-provided arena needs.
            pub const ARENA_ALIGN: usize = #align;
            #(#io_consts)*

            /// A model with a zeroed arena.
            pub const fn new() -> Self {
                Self { arena: ::kiln::__private::Arena::new() }
            }

            /// The model in a caller-provided buffer: fails (without panicking) when `buffer` is
            /// shorter than [`Self::ARENA_BYTES`] or not aligned to [`Self::ARENA_ALIGN`].
            pub fn with_buffer(buffer: &mut [u8]) -> ::core::result::Result<#ref_name<'_>, ::kiln::ArenaError> {
                match ::kiln::__private::arena_in::<#word, #words>(buffer) {
                    ::core::result::Result::Ok(arena) => ::core::result::Result::Ok(#ref_name { arena }),
                    ::core::result::Result::Err(e) => ::core::result::Result::Err(e),
                }
            }

            /// The model in a caller-declared [`kiln::Arena`](::kiln::Arena) of at least
            /// [`Self::ARENA_BYTES`] bytes (checked at compile time).
            pub fn with_arena<const N: usize>(arena: &mut ::kiln::Arena<N>) -> #ref_name<'_> {
                #ref_name { arena: ::kiln::__private::arena_prefix::<#word, N, #words>(arena) }
            }

            #(#owned_inputs)*

            /// Runs the model on the input(s) in the arena and returns the output(s).
            // One copy of the model's code however many call sites the firmware has.
            #[inline(never)]
            pub fn run(&mut self) -> #ret_ty {
                Self::infer(&mut self.arena.0);
                #owned_ret
            }

            /// Runs the model in a borrowed arena (`ARENA_BYTES` bytes as aligned words).
            #[inline(never)]
            fn run_words(arena: &mut [#word; #words]) -> #ret_ty {
                Self::infer(::kiln::__private::word_bytes_mut::<#word, #arena_bytes>(&mut arena[..]));
                #words_ret
            }

            /// The operators, on an arena of exactly `ARENA_BYTES` bytes.
            #[inline(always)]
            fn infer(arena: &mut [u8; #arena_bytes]) {
                #(#statics)*
                #(#blocks)*
            }

            #(#owned_outputs)*

            /// Copies the input(s) into the arena, runs the model and returns the output(s).
            pub fn predict(&mut self, #(#predict_params),*) -> #ret_ty {
                #(#predict_copies)*
                self.run()
            }
        }

        #[doc = #ref_doc]
        // Unused unless the firmware provides its own arena.
        #[allow(dead_code)]
        #vis struct #ref_name<'a> {
            arena: &'a mut [#word; #words],
        }

        #[allow(dead_code)]
        impl #ref_name<'_> {
            #(#ref_inputs)*

            /// Runs the model on the input(s) in the arena and returns the output(s).
            #[inline]
            pub fn run(&mut self) -> #ret_ty {
                #name::run_words(self.arena)
            }

            #(#ref_outputs)*

            /// Copies the input(s) into the arena, runs the model and returns the output(s).
            pub fn predict(&mut self, #(#predict_params),*) -> #ret_ty {
                #(#predict_copies)*
                self.run()
            }
        }

        impl ::core::default::Default for #name {
            fn default() -> Self {
                Self::new()
            }
        }
    };
    let stats = Stats {
        weight_bytes,
        macs,
        weight_bytes_by_op,
    };
    c.finish((tokens, stats))
}

fn dtype_const(prefix: &str, k: usize, role: &str, t: &Tensor) -> TokenStream {
    let id = format_ident!("{}_DTYPE", prefix);
    let v = dtype_variant(t.dtype);
    let doc = format!("Element type of {role} {k} (`{}`).", t.dtype.name());
    quote!(#[doc = #doc] pub const #id: ::kiln::DType = ::kiln::DType::#v;)
}
