//! kiln's model compiler: a plain library shared by the `include_model!` macro and the `kiln`
//! command-line tool.
//!
//! The pipeline has named phases, each returning `Result`:
//! [`lower`] (read + verify the flatbuffer, build the typed IR) → [`validate`] (check against
//! what the kernels support) → [`plan`] (static memory plan) → [`expand`] (generate code).
#![deny(missing_docs)]

pub mod error;
pub mod expand;
pub mod ir;
pub mod lower;
pub mod ops;
pub mod plan;
pub mod quantize;
pub mod relayout;
pub mod schedule;
pub mod tflite;
pub mod validate;

pub use error::{Error, Errors};
pub use expand::Options;

use proc_macro2::TokenStream;

/// A model that passed every phase up to code generation.
pub struct Compiled {
    /// The lowered graph.
    pub graph: ir::Graph,
    /// Its memory plan.
    pub plan: plan::Plan,
}

/// Lowers, validates and plans a model.
pub fn analyze(bytes: &[u8]) -> Result<Compiled, Errors> {
    let mut graph = lower::lower(bytes)?;
    schedule::sink_constant_ops(&mut graph);
    validate::validate(&graph)?;
    let plan = plan::plan(&graph)?;
    Ok(Compiled { graph, plan })
}

/// Compiles a `.tflite` file's bytes into the tokens of a model struct.
pub fn compile(bytes: &[u8], opts: &Options) -> Result<TokenStream, Errors> {
    let c = analyze(bytes)?;
    expand::expand(&c.graph, &c.plan, opts)
}
