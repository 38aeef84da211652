//! Phase 4: the static memory plan. Every non-constant tensor gets a byte range of one arena;
//! tensors whose lifetimes do not overlap share space; RESHAPE-like outputs alias their input.

use crate::error::{Error, Errors};
use crate::ir::Graph;

/// Where each tensor lives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// Total arena size in bytes.
    pub arena_bytes: usize,
    /// Per tensor: `(offset, bytes)` in the arena, `None` for constants and unused tensors.
    pub regions: Vec<Option<(usize, usize)>>,
    /// Per tensor: first and last operator step at which it is live (graph inputs start at 0).
    pub lifetimes: Vec<Option<(usize, usize)>>,
    /// Per tensor: the tensor whose memory it uses (itself unless aliased).
    pub alias_of: Vec<usize>,
}

/// Byte alignment of every arena region.
pub const ALIGN: usize = 4;

fn align_up(n: usize, a: usize) -> usize {
    n.div_ceil(a) * a
}

/// Plans the arena with a greedy first-fit over buffers sorted by size (largest first).
pub fn plan(g: &Graph) -> Result<Plan, Errors> {
    let n = g.tensors.len();
    let mut alias_of: Vec<usize> = (0..n).collect();
    for node in &g.nodes {
        if node.op.is_alias() {
            if let (Some(src), Some(&dst)) = (node.input(0), node.outputs.first()) {
                alias_of[dst] = alias_of[src];
            }
        }
    }
    // Lifetimes of the alias roots.
    let last_step = g.nodes.len();
    let mut life: Vec<Option<(usize, usize)>> = vec![None; n];
    let touch = |t: usize, step: usize, life: &mut Vec<Option<(usize, usize)>>| {
        let r = alias_of[t];
        if g.tensor(r).is_const() {
            return;
        }
        life[r] = Some(match life[r] {
            None => (step, step),
            Some((a, b)) => (a.min(step), b.max(step)),
        });
    };
    for &i in &g.inputs {
        touch(i, 0, &mut life);
    }
    for (step, node) in g.nodes.iter().enumerate() {
        for t in node.inputs.iter().flatten() {
            touch(*t, step, &mut life);
        }
        for &t in &node.outputs {
            touch(t, step, &mut life);
        }
    }
    for &o in &g.outputs {
        touch(o, last_step, &mut life);
    }

    let mut order: Vec<usize> = (0..n)
        .filter(|&t| alias_of[t] == t && life[t].is_some())
        .collect();
    order.sort_by_key(|&t| {
        (
            std::cmp::Reverse(g.tensor(t).bytes()),
            life[t].map(|l| l.0),
            t,
        )
    });
    let mut placed: Vec<(usize, usize, (usize, usize))> = Vec::new(); // offset, size, lifetime
    let mut regions: Vec<Option<(usize, usize)>> = vec![None; n];
    let mut arena_bytes = 0usize;
    for t in order {
        let Some((a, b)) = life[t] else { continue };
        let size = g.tensor(t).bytes();
        let align = ALIGN.max(g.tensor(t).dtype.size());
        let mut busy: Vec<(usize, usize)> = placed
            .iter()
            .filter(|(_, _, (pa, pb))| *pa <= b && a <= *pb)
            .map(|(o, s, _)| (*o, *s))
            .collect();
        busy.sort_unstable();
        let mut offset = 0usize;
        for (o, s) in busy {
            if offset + size <= o {
                break;
            }
            offset = offset.max(align_up(o + s, align));
        }
        placed.push((offset, size, (a, b)));
        regions[t] = Some((offset, size));
        arena_bytes = arena_bytes.max(align_up(offset + size, ALIGN));
    }
    for t in 0..n {
        let r = alias_of[t];
        if r != t {
            regions[t] = regions[r].map(|(o, _)| (o, g.tensor(t).bytes()));
            life[t] = life[r];
        }
    }
    if arena_bytes > u32::MAX as usize {
        return Err(Error::new(format!("the arena would need {arena_bytes} bytes")).into());
    }
    Ok(Plan {
        arena_bytes,
        regions,
        lifetimes: life,
        alias_of,
    })
}
