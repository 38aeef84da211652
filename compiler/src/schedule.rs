//! Execution order. TFLite files list operators in a valid order, but converters put operators
//! whose inputs are all constants (DEQUANTIZE of float16 weights) at the front, which keeps all
//! their outputs alive at once. This pass moves each such operator to just before its first
//! consumer, so its output lives only as long as it is needed.

use crate::ir::{Graph, Node};

/// Whether every input of `node` is a constant (or absent).
fn constant_inputs(g: &Graph, node: &Node) -> bool {
    node.inputs
        .iter()
        .flatten()
        .all(|&t| g.tensor(t).is_const())
}

/// Reorders `g.nodes` (stable otherwise); `Node::index` keeps each operator's file position.
pub fn sink_constant_ops(g: &mut Graph) {
    let nodes = std::mem::take(&mut g.nodes);
    let mut deferred: Vec<Node> = Vec::new();
    let mut out: Vec<Node> = Vec::with_capacity(nodes.len());
    for node in nodes {
        if constant_inputs(g, &node) && !node.outputs.iter().any(|o| g.outputs.contains(o)) {
            deferred.push(node);
            continue;
        }
        // Emit every deferred operator this one reads from (and, transitively, theirs).
        emit_needed(&node, &mut deferred, &mut out);
        out.push(node);
    }
    out.append(&mut deferred);
    g.nodes = out;
}

fn emit_needed(node: &Node, deferred: &mut Vec<Node>, out: &mut Vec<Node>) {
    for &t in node.inputs.iter().flatten() {
        if let Some(k) = deferred.iter().position(|d| d.outputs.contains(&t)) {
            let producer = deferred.remove(k);
            emit_needed(&producer, deferred, out);
            out.push(producer);
        }
    }
}
