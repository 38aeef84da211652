//! Plain-Rust inner loops (every target without a specialised module).

use crate::float::clamp_f32;

/// One row of a float fully connected layer: `out[u] = clamp(Σ_i x[i] · W[u][i] + bias[u])` for
/// every output unit `u`, summed from `+0.0` in order of `i`, bias last (TFLM's order).
///
/// `w` holds the blocks of eight units interleaved `[block][i][8]`, then the remaining
/// `out.len() % 8` rows plain. Does nothing if a slice is too short for `out.len()` units of
/// `x.len()` inputs.
pub fn fc_f32(x: &[f32], w: &[f32], bias: &[f32], lo: f32, hi: f32, out: &mut [f32]) {
    let (depth, units) = (x.len(), out.len());
    if depth == 0 || bias.len() < units || w.len() / depth < units {
        return;
    }
    let full = units / 8 * 8;
    let (w_blocks, w_tail) = w.split_at(full * depth);
    let (w_blocks, _) = w_blocks.as_chunks::<8>();
    let (out_blocks, out_tail) = out.split_at_mut(full);
    for (k, (o, w)) in out_blocks
        .chunks_exact_mut(8)
        .zip(w_blocks.chunks_exact(depth))
        .enumerate()
    {
        let mut acc = [0.0f32; 8];
        for (x, w) in x.iter().zip(w) {
            for j in 0..8 {
                acc[j] += x * w[j];
            }
        }
        for (j, o) in o.iter_mut().enumerate() {
            *o = clamp_f32(acc[j] + bias[k * 8 + j], lo, hi);
        }
    }
    for (j, (o, w)) in out_tail
        .iter_mut()
        .zip(w_tail.chunks_exact(depth))
        .enumerate()
    {
        let mut total = 0.0f32;
        for (x, w) in x.iter().zip(w) {
            total += x * w;
        }
        *o = clamp_f32(total + bias[full + j], lo, hi);
    }
}
