//! Memory budgets of `include_model!(…, max_ram = …, max_flash = …)`: checked after code
//! generation, against the same figures the generated `ARENA_BYTES` and `WEIGHT_BYTES` report.

use crate::expand::Stats;
use crate::ir::Graph;
use crate::plan::Plan;

/// Limits the user put on a model. RAM is the arena: kiln's kernels use no scratch memory
/// outside it, so `ARENA_BYTES` is all the RAM a model needs besides the stack.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Budget {
    /// Largest arena, in bytes.
    pub max_ram: Option<u64>,
    /// Largest total of constant data (weights, biases, requantization tables), in bytes.
    pub max_flash: Option<u64>,
}

/// Which limit was exceeded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resource {
    /// `max_ram`
    Ram,
    /// `max_flash`
    Flash,
}

/// A budget the model does not fit, with a message naming the largest contributors.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Overrun {
    /// The exceeded limit.
    pub resource: Resource,
    /// What to tell the user.
    pub message: String,
}

/// How many contributors a message names.
const TOP: usize = 5;

/// Checks `budget`; returns one [`Overrun`] per exceeded limit.
pub fn check(g: &Graph, plan: &Plan, stats: &Stats, budget: &Budget) -> Vec<Overrun> {
    let mut out = Vec::new();
    if let Some(max) = budget.max_ram {
        if plan.arena_bytes as u64 > max {
            out.push(Overrun {
                resource: Resource::Ram,
                message: ram_message(g, plan, max),
            });
        }
    }
    if let Some(max) = budget.max_flash {
        if stats.weight_bytes as u64 > max {
            out.push(Overrun {
                resource: Resource::Flash,
                message: flash_message(g, stats, max),
            });
        }
    }
    out
}

fn ram_message(g: &Graph, plan: &Plan, max: u64) -> String {
    let lb = plan.lower_bound();
    let mut m = format!(
        "the model needs {} bytes of RAM (arena), over the budget max_ram = {max} by {} bytes",
        plan.arena_bytes,
        plan.arena_bytes as u64 - max
    );
    let op = g
        .nodes
        .get(lb.step)
        .map(|n| format!("operator #{} {}", n.index, n.name))
        .unwrap_or_else(|| "the end".to_string());
    m.push_str(&format!(
        "; at its peak ({op}) {} bytes are live, the largest:",
        lb.bytes
    ));
    for &t in lb.live.iter().take(TOP) {
        let tensor = g.tensor(t);
        m.push_str(&format!(
            "\n  {} bytes  tensor #{t} '{}' {}",
            plan.size(t),
            tensor.name,
            tensor.describe()
        ));
    }
    if lb.live.len() > TOP {
        m.push_str(&format!("\n  … and {} more", lb.live.len() - TOP));
    }
    m
}

fn flash_message(g: &Graph, stats: &Stats, max: u64) -> String {
    let mut m = format!(
        "the model needs {} bytes of flash (weights), over the budget max_flash = {max} by {} bytes; the largest:",
        stats.weight_bytes,
        stats.weight_bytes as u64 - max
    );
    let mut by_op = stats.weight_bytes_by_op.clone();
    by_op.sort_by_key(|&(i, b)| (std::cmp::Reverse(b), i));
    for &(i, bytes) in by_op.iter().filter(|(_, b)| *b > 0).take(TOP) {
        let Some(node) = g.nodes.iter().find(|n| n.index == i) else {
            continue;
        };
        let weights: Vec<String> = node
            .inputs
            .iter()
            .flatten()
            .map(|&t| g.tensor(t))
            .filter(|t| t.is_const())
            .map(|t| format!("'{}' {}", t.name, t.describe()))
            .collect();
        m.push_str(&format!(
            "\n  {bytes} bytes  operator #{i} {}: {}",
            node.name,
            if weights.is_empty() {
                "derived constants".to_string()
            } else {
                weights.join(", ")
            }
        ));
    }
    m
}
