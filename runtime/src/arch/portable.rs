//! Plain-Rust inner loops (every target without a specialised module).

use super::FcF32Chain;
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

/// Whether `vcvt.s32.f32` of `y` raises Invalid Operation on Arm: NaN, or out of the `i32`
/// range after truncation (taken conservatively as `|y| >= 2^31`).
fn out_of_range(y: f32) -> bool {
    y.is_nan() || y.abs() >= 2_147_483_648.0
}

/// `max(y, 0)` for a finite `y` that is not `-0.0`: the bits of a negative `y` cleared.
fn relu_bits(y: f32) -> f32 {
    let b = y.to_bits();
    f32::from_bits(b & !(((b as i32) >> 31) as u32))
}

/// The exact clamp of the Arm module, on the bits of `y` (never `-0.0`): `+0.0` when they are
/// at most `thr` as an `i32`, `±inf` to `±f32::MAX`, NaN kept.
fn clamp_bits(y: f32, thr: u32) -> f32 {
    let b = y.to_bits();
    let b = if thr as i32 >= b as i32 { 0 } else { b };
    f32::from_bits(if b << 1 == 0xff00_0000 { b - 1 } else { b })
}

/// Runs a chain of small float fully connected layers (see [`FcF32Chain`] for the table). Does
/// nothing if `arena` is shorter than [`FcF32Chain::floats`].
///
/// The same steps as the Arm module (see its contract), layer by layer: the sums `y` (started
/// with the first product) stored as they are; then, when every `y` is finite (the Arm module's
/// flag tests: depth 16, every sum NaN-free and below `2^31`; depth 1, the input so and no
/// overflow), ReLU by clearing the bits of a negative value, else the exact clamp on the bits.
/// Equal to the reference kernel given what [`FcF32Chain::new`] checks.
pub fn fc_f32_chain(chain: &FcF32Chain<'_>, arena: &mut [f32]) {
    if arena.len() < chain.floats {
        return;
    }
    let (mut x, mut out, mut rest) = (chain.x, chain.out, chain.table);
    while let Some((&cfg, tail)) = rest.split_first() {
        let cfg = cfg.to_bits();
        if cfg == 0 {
            break;
        }
        let units = (cfg & 0xffff) as usize;
        let depth = if cfg & 0x1_0000 != 0 { 16 } else { 1 };
        let (wb, tail) = tail.split_at(units * (depth + 1));
        let mut input = [0.0f32; 16];
        input[..depth].copy_from_slice(&arena[x..x + depth]);
        small_layer(&input[..depth], wb, cfg, &mut arena[out..out + units]);
        (x, out, rest) = (out, x, tail);
    }
}

/// One layer of [`fc_f32_chain`] with configuration word `cfg` ([`FcF32Chain::cfg`]).
fn small_layer(x: &[f32], wb: &[f32], cfg: u32, out: &mut [f32]) {
    let depth = x.len();
    let relu = cfg & 0xff80_0000 == 0xff80_0000;
    let mut ok = depth != 1 || !out_of_range(x[0]);
    for (u, o) in out.iter_mut().enumerate() {
        // Depth 1: pairs of weights then their biases; depth 16: a weight row, its bias.
        let (w, bias) = if depth == 1 {
            (&wb[u / 2 * 4 + u % 2..][..1], wb[u / 2 * 4 + 2 + u % 2])
        } else {
            (&wb[u * 17..][..16], wb[u * 17 + 16])
        };
        let mut acc = x[0] * w[0];
        for (x, w) in x.iter().zip(w).skip(1) {
            acc += x * w;
        }
        let y = acc + bias;
        ok &= if depth == 1 {
            y.is_finite()
        } else {
            !out_of_range(y)
        };
        *o = y;
    }
    for o in out.iter_mut() {
        *o = match (ok, relu) {
            (true, true) => relu_bits(*o),
            (true, false) => *o,
            (false, _) => clamp_bits(*o, cfg & 0xff80_0000),
        };
    }
}
