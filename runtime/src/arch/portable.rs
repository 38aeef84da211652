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

/// A small float fully connected row: input depth 1 or 16, `wb` holding each output unit's
/// weights followed by its bias (`[unit][depth + 1]`), ReLU or no activation. Returns `false`,
/// without touching `out`, when the shape is not one of those or a slice is too short: depth 1
/// and every ReLU layer need a multiple of 4 output units.
///
/// The same steps as the Arm module (see its contract): the sums `y` (started with the first
/// product) stored as they are; then, when every `y` is finite (the Arm module's flag tests:
/// depth 16, every sum NaN-free and below `2^31`; depth 1, the input so and no overflow), ReLU
/// by clearing the bits of a negative value, else the exact clamp on the bits. Equal to the
/// reference kernel for finite weights and biases with no bias `-0.0`. `x` is mutable only to
/// match the Arm signature (which parks registers in it and restores it); it is not written here.
pub fn fc_f32_small(x: &mut [f32], wb: &[f32], relu: bool, out: &mut [f32]) -> bool {
    let x = &*x;
    let (depth, units) = (x.len(), out.len());
    let shape = (depth == 16 || depth == 1) && (units % 4 == 0 || depth == 16 && !relu);
    if !shape || units == 0 || units > 0xffff || wb.len() / (depth + 1) < units {
        return false;
    }
    let mut ok = depth != 1 || !out_of_range(x[0]);
    for (o, row) in out.iter_mut().zip(wb.chunks_exact(depth + 1)) {
        let mut acc = x[0] * row[0];
        for (x, w) in x.iter().zip(row).skip(1) {
            acc += x * w;
        }
        let y = acc + row[depth];
        ok &= if depth == 1 {
            y.is_finite()
        } else {
            !out_of_range(y)
        };
        *o = y;
    }
    let thr = small_cfg(units, depth == 16, relu) & 0xff80_0000;
    for o in out.iter_mut() {
        *o = match (ok, relu) {
            (true, true) => relu_bits(*o),
            (true, false) => *o,
            (false, _) => clamp_bits(*o, thr),
        };
    }
    true
}

/// The configuration word of the Arm module's small kernel: `units` in bits 0-15, bit 16 set
/// for depth 16, and the top nine bits the exact clamp's ReLU threshold on the bits of `y` as
/// an `i32`: `0xff80_0000` (`-inf`) with ReLU, `0x8000_0000` (`-0.0`, which no sum is) without.
pub const fn small_cfg(units: usize, depth16: bool, relu: bool) -> u32 {
    let thr = if relu { 0xff80_0000 } else { 0x8000_0000 };
    (units as u32 & 0xffff) | (depth16 as u32) << 16 | thr
}
