//! One module per operator, and the registry that maps TFLite builtin codes to them.
//!
//! Each operator module provides a `lower` function (reads the operator's options from the
//! flatbuffer into a typed struct) and implements [`OpImpl`] on that struct: validation against
//! what its kernels support, memory behaviour, cost, and code emission.

use proc_macro2::TokenStream;

use crate::error::Error;
use crate::expand::Emitter;
use crate::ir::{Graph, Node};
use crate::tflite;

pub mod activations;
pub mod conv_2d;
pub mod conv_common;
pub mod depthwise_conv_2d;
pub mod elementwise;
pub mod fully_connected;
pub mod fuse;
pub mod layout;
pub mod mean;
pub mod pool_2d;
pub mod quantize;
pub mod softmax;
pub mod tensor_util;
pub mod transpose_conv;

/// What every supported operator implements.
pub trait OpImpl {
    /// Checks dtypes, shapes and options against what the kernels support.
    fn validate(&self, g: &Graph, node: &Node) -> Result<(), Error>;

    /// Whether output 0 is a view of input 0 (RESHAPE and friends): no copy, same arena bytes.
    fn is_alias(&self) -> bool {
        false
    }

    /// Inputs (by position, in order of preference) whose arena bytes the kernel can write
    /// output 0 over as it reads them. The planner gives the output the bytes of the first of
    /// them that dies with the operator and has the output's size ([`crate::plan`]), and
    /// [`OpImpl::emit`] must then call an in-place kernel ([`Emitter::overwritten_input`] tells it
    /// which input, if any, the output overwrites). None by default.
    fn in_place_inputs(&self, _g: &Graph, _node: &Node) -> Vec<usize> {
        Vec::new()
    }

    /// Multiply-accumulate operations per inference.
    fn macs(&self, _g: &Graph, _node: &Node) -> u64 {
        0
    }

    /// Bytes of arena scratch the operator's kernel needs while it runs, which the memory plan
    /// reserves at its step (growing the arena if no gap is free there). 0 for none; kernels
    /// that only profit from scratch take whatever gap the plan leaves ([`crate::plan::Plan::free_gap`]).
    fn scratch(&self, _g: &Graph, _node: &Node) -> usize {
        0
    }

    /// Emits the statements that run the operator.
    fn emit(&self, g: &Graph, node: &Node, e: &mut Emitter<'_>) -> Result<TokenStream, Error>;

    /// The operator's part of the table of a chain of small float fully connected layers
    /// (`fully_connected_f32_chain`), when it is such a layer (see
    /// [`fully_connected::emit_chain`]); `None` for every other operator.
    fn f32_chain_layer(&self, _g: &Graph, _node: &Node) -> Option<Vec<u8>> {
        None
    }

    /// What the operator contributes to a kernel that runs it together with its neighbours
    /// ([`fuse`]), when it can take part; `None` for every other operator.
    fn fusion(&self, _g: &Graph, _node: &Node) -> Option<fuse::Part> {
        None
    }
}

/// Reads one operator's options.
pub type LowerFn = fn(&tflite::Operator<'_>) -> Result<Box<dyn OpImpl>, String>;

/// The operators kiln supports, by TFLite builtin code.
const REGISTRY: &[(tflite::BuiltinOperator, LowerFn)] = &[
    (
        tflite::BuiltinOperator::FULLY_CONNECTED,
        fully_connected::lower,
    ),
    (tflite::BuiltinOperator::CONV_2D, conv_2d::lower),
    (
        tflite::BuiltinOperator::DEPTHWISE_CONV_2D,
        depthwise_conv_2d::lower,
    ),
    (
        tflite::BuiltinOperator::TRANSPOSE_CONV,
        transpose_conv::lower,
    ),
    (
        tflite::BuiltinOperator::AVERAGE_POOL_2D,
        pool_2d::lower_average,
    ),
    (tflite::BuiltinOperator::MAX_POOL_2D, pool_2d::lower_max),
    (tflite::BuiltinOperator::MEAN, mean::lower),
    (tflite::BuiltinOperator::SOFTMAX, softmax::lower),
    (tflite::BuiltinOperator::RELU, activations::lower_relu),
    (tflite::BuiltinOperator::RELU6, activations::lower_relu6),
    (
        tflite::BuiltinOperator::LEAKY_RELU,
        activations::lower_leaky_relu,
    ),
    (
        tflite::BuiltinOperator::LOGISTIC,
        activations::lower_logistic,
    ),
    (tflite::BuiltinOperator::TANH, activations::lower_tanh),
    (
        tflite::BuiltinOperator::HARD_SWISH,
        activations::lower_hard_swish,
    ),
    (tflite::BuiltinOperator::ADD, elementwise::lower_add),
    (tflite::BuiltinOperator::SUB, elementwise::lower_sub),
    (tflite::BuiltinOperator::MUL, elementwise::lower_mul),
    (tflite::BuiltinOperator::QUANTIZE, quantize::lower_quantize),
    (
        tflite::BuiltinOperator::DEQUANTIZE,
        quantize::lower_dequantize,
    ),
    (
        tflite::BuiltinOperator::CONCATENATION,
        layout::lower_concatenation,
    ),
    (tflite::BuiltinOperator::PAD, layout::lower_pad),
    (tflite::BuiltinOperator::PADV2, layout::lower_pad),
    (
        tflite::BuiltinOperator::STRIDED_SLICE,
        layout::lower_strided_slice,
    ),
    (tflite::BuiltinOperator::TRANSPOSE, layout::lower_transpose),
    (tflite::BuiltinOperator::RESHAPE, layout::lower_alias),
    (tflite::BuiltinOperator::SQUEEZE, layout::lower_alias),
    (tflite::BuiltinOperator::EXPAND_DIMS, layout::lower_alias),
];

/// The lowering function of a builtin operator, if kiln supports it.
pub fn lookup(code: tflite::BuiltinOperator) -> Option<LowerFn> {
    REGISTRY.iter().find(|(c, _)| *c == code).map(|(_, f)| *f)
}

/// Names of the supported operators, for error messages.
pub fn supported_names() -> Vec<&'static str> {
    let mut v: Vec<&'static str> = REGISTRY.iter().filter_map(|(c, _)| c.name()).collect();
    v.sort_unstable();
    v
}

/// Checks that a tensor has one of the given dtypes, naming what is supported otherwise.
pub fn expect_dtype(
    g: &Graph,
    tensor: usize,
    role: &str,
    allowed: &[crate::ir::DType],
) -> Result<crate::ir::DType, String> {
    let t = g.tensor(tensor);
    if allowed.contains(&t.dtype) {
        Ok(t.dtype)
    } else {
        let names: Vec<&str> = allowed.iter().map(|d| d.name()).collect();
        Err(format!(
            "{} {role} '{}' is not supported (supported: {})",
            t.dtype.name(),
            t.name,
            names.join(", ")
        ))
    }
}
