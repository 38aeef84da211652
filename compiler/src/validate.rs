//! Phase 3: check the lowered graph against what kiln can compile. Collects every problem.

use crate::error::{Collector, Error, Errors};
use crate::ir::Graph;

/// Checks graph structure and every operator.
pub fn validate(g: &Graph) -> Result<(), Errors> {
    let mut c = Collector::default();
    if g.inputs.is_empty() || g.outputs.is_empty() {
        c.push(Error::new(format!(
            "the model has {} inputs and {} outputs; kiln needs at least one of each",
            g.inputs.len(),
            g.outputs.len()
        )));
    }
    for &o in &g.outputs {
        if g.tensor(o).is_const() {
            c.push(Error::new(format!(
                "graph output '{}' is a constant",
                g.tensor(o).name
            )));
        }
    }
    for &i in &g.inputs {
        if g.tensor(i).is_const() {
            c.push(Error::new(format!(
                "graph input '{}' is a constant",
                g.tensor(i).name
            )));
        }
    }
    // Every activation a node reads must exist by then: a graph input or an earlier output.
    let mut ready: Vec<bool> = g.tensors.iter().map(|t| t.is_const()).collect();
    for &i in &g.inputs {
        ready[i] = true;
    }
    for node in &g.nodes {
        for t in node.inputs.iter().flatten() {
            if !ready[*t] {
                c.push(Error::op(
                    node.index,
                    node.name,
                    format!(
                        "reads tensor '{}' before any operator produces it",
                        g.tensor(*t).name
                    ),
                ));
            }
        }
        for &t in &node.outputs {
            if g.tensor(t).is_const() {
                c.push(Error::op(
                    node.index,
                    node.name,
                    format!("writes constant tensor '{}'", g.tensor(t).name),
                ));
            }
            ready[t] = true;
        }
        c.take(node.op.validate(g, node));
    }
    for &o in &g.outputs {
        if !ready[o] {
            c.push(Error::new(format!(
                "graph output '{}' is never produced",
                g.tensor(o).name
            )));
        }
    }
    c.finish(())
}
