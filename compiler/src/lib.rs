//! kiln's model compiler: a plain library shared by the `include_model!` macro and the `kiln`
//! command-line tool.
//!
//! The pipeline has named phases, each returning `Result`:
//! [`lower`] (read + verify the flatbuffer, build the typed IR) → [`validate`] (check against
//! what the kernels support) → [`plan`] (static memory plan) → [`expand`] (generate code).
#![deny(missing_docs)]

pub mod budget;
pub mod error;
pub mod expand;
pub mod inspect;
pub mod ir;
pub mod lower;
pub mod ops;
pub mod plan;
pub mod quantize;
pub mod relayout;
pub mod schedule;
pub mod tflite;
pub mod validate;

pub use budget::Budget;
pub use error::{Error, Errors};
pub use expand::{Options, Stats};

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

/// A compiled model with its generated code and figures.
pub struct Built {
    /// The graph and its memory plan.
    pub compiled: Compiled,
    /// The tokens of the model struct.
    pub tokens: TokenStream,
    /// Weight bytes and MACs of the generated code.
    pub stats: Stats,
}

/// Compiles a model and keeps everything the inspector and the budget checks need.
pub fn build(bytes: &[u8], opts: &Options) -> Result<Built, Errors> {
    let compiled = analyze(bytes)?;
    let (tokens, stats) = expand::expand_with_stats(&compiled.graph, &compiled.plan, opts)?;
    Ok(Built {
        compiled,
        tokens,
        stats,
    })
}

impl Built {
    /// The limits of `budget` this model exceeds.
    pub fn over_budget(&self, budget: &Budget) -> Vec<budget::Overrun> {
        budget::check(
            &self.compiled.graph,
            &self.compiled.plan,
            &self.stats,
            budget,
        )
    }
}
