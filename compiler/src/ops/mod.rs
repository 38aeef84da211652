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

pub mod fully_connected;

/// What every supported operator implements.
pub trait OpImpl {
    /// Checks dtypes, shapes and options against what the kernels support.
    fn validate(&self, g: &Graph, node: &Node) -> Result<(), Error>;

    /// Whether output 0 is a view of input 0 (RESHAPE and friends): no copy, same arena bytes.
    fn is_alias(&self) -> bool {
        false
    }

    /// Multiply-accumulate operations per inference.
    fn macs(&self, _g: &Graph, _node: &Node) -> u64 {
        0
    }

    /// Emits the statements that run the operator.
    fn emit(&self, g: &Graph, node: &Node, e: &mut Emitter<'_>) -> Result<TokenStream, Error>;
}

/// Reads one operator's options.
pub type LowerFn = fn(&tflite::Operator<'_>) -> Result<Box<dyn OpImpl>, String>;

/// The operators kiln supports, by TFLite builtin code.
const REGISTRY: &[(tflite::BuiltinOperator, LowerFn)] = &[(
    tflite::BuiltinOperator::FULLY_CONNECTED,
    fully_connected::lower,
)];

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
