//! int8 CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED on the 16-bit SIMD primitives of
//! [`crate::arch`] (`SMLAD`, `SXTB16`, `SXTAB16` on Armv7E-M / Armv8-M Mainline, plain Rust
//! elsewhere). Bit-exact with the reference kernels of [`super::conv`] and
//! [`super::fully_connected`], which the tests below run on random shapes and data.
//!
//! A 32-bit load of four int8 values is split into two words of two 16-bit lanes: bytes 0 and 2
//! (`sxtb16`) and bytes 1 and 3 (`sxtb16_ror8`). Doing the same to four weights pairs every input
//! with its weight, so two `smlad` add four products. The input offset is added to the lanes in
//! the same instruction (`sxtab16`) wherever padding makes folding it into the bias inexact.
//!
//! - [`pointwise_s8`]: 1×1 convolutions (stride 1, no padding) and fully connected layers, a
//!   matrix product over pixels. Two pixels × two output channels per pass; the input offset is
//!   folded into the bias and the weights of two channels are interleaved by word at compile
//!   time, so each pass loads two input words and one word per channel for sixteen products.
//! - [`fully_connected_row_s8`]: the same for one row (batch 1), two output channels per pass
//!   over the row widened once.
//! - [`pointwise_quads_s8`]: the same for layers of four pixels or more, one output channel ×
//!   four pixels per pass: four pixels are widened once, then each channel's weight words are
//!   widened once for all four (thirteen instructions per sixteen products). The bias, the
//!   shift and the doubled multiplier of each channel sit around its weights in one table.
//! - [`conv_im2col_quads_s8`] (and the older two-pixel [`conv_im2col_s8`]): other convolutions
//!   whose requantization is fast, as a matrix product over the windows of four output pixels,
//!   widened with the input offset straight from the input where they allow it
//!   ([`crate::arch::widen_quad`]), else gathered first.
//! - [`conv_2d_rows_s8`]: any other ungrouped convolution with horizontal dilation 1 (each filter
//!   row reads a contiguous run of the input row), and depthwise layers with one input channel
//!   once their weights are transposed to `[output_depth, height, width, 1]`. Two horizontally
//!   adjacent output pixels share each weight word (where their windows are clipped alike); the
//!   rows of the window, word by word then the last `run % 4` bytes, are one asm loop per output
//!   channel ([`crate::arch::conv_rows_2x1`]); the weights keep TFLite's layout.
//!
//! Requantization is [`requantize`] (TFLM's `MultiplyByQuantizedMultiplier`) written without
//! branches; the kernels assume no multiplier is `i32::MIN` (the compiler's never are), the one
//! input where the saturating doubling multiply would differ.

use super::conv::{ConvGeometry, ConvQuantParams};
use super::fully_connected::Requant;
use crate::arch::{
    clamp_bytes, conv_rows_2x1, copy_rows, fc_row, fill_bytes, pointwise_pairs, pointwise_quads,
    small_window, smlad, sxtab16, sxtab16_ror8, sxtb16, sxtb16_ror8, widen_quad, FcRow,
    PointwisePairs, PointwiseQuads, RowWindow, WidenQuad,
};
use crate::quant::requantize_fast;

/// Parameters of [`pointwise_s8`].
#[derive(Clone, Copy, Debug)]
pub struct PointwiseS8Params {
    /// Rows of the input and the output (pixels of a 1×1 convolution, batches of a fully
    /// connected layer).
    pub pixels: usize,
    /// Elements per input row; a multiple of 4.
    pub input_depth: usize,
    /// Elements per output row.
    pub output_depth: usize,
    /// Output zero point, added after requantization.
    pub output_offset: i32,
    /// Lower clamp (quantized) of the fused activation.
    pub activation_min: i32,
    /// Upper clamp (quantized) of the fused activation.
    pub activation_max: i32,
    /// Whether the compiler proved [`crate::quant::requantize_fast`] exact for this layer
    /// (`|accumulator| < 2^30`, every shift in `-31..=-1`).
    pub fast_requant: bool,
}

/// TFLM's `MultiplyByQuantizedMultiplier` (32-bit), equal to
/// [`crate::quant::multiply_by_quantized_multiplier`] for every input, with the rounding doubling
/// high multiply written as `(x·m + 2^30) >> 31`: gemmlowp's nudge of `1 − 2^30` for negative
/// products followed by division truncating towards zero is the same as flooring after adding
/// `2^30`, which compiles to a multiply-long, an add with carry and a funnel shift.
///
/// The rounding right shift is gemmlowp's `RoundingDivideByPOT` on 32-bit masks, and the shifts
/// are taken modulo 32 as the reference does, so no step branches.
#[inline(always)]
pub fn requantize(acc: i32, multiplier: i32, shift: i32) -> i32 {
    let left = shift.max(0) as u32;
    let right = (shift.min(0).wrapping_neg() as u32) & 31;
    let x = acc.wrapping_shl(left);
    let high = if x == i32::MIN && multiplier == i32::MIN {
        i32::MAX
    } else {
        ((i64::from(x) * i64::from(multiplier) + (1 << 30)) >> 31) as i32
    };
    let mask = ((1u32 << right) - 1) as i32;
    let threshold = (mask >> 1) + ((high as u32) >> 31) as i32;
    (high >> right) + i32::from((high & mask) > threshold)
}

/// [`requantize`] for a multiplier other than `i32::MIN`, where the saturating case of the
/// doubling multiply cannot occur. The kernels of this module require such multipliers (the
/// compiler's are 0 or in `[2^30, 2^31)`, TFLite's `QuantizeMultiplier`).
#[inline(always)]
fn requantize_unsaturated(acc: i32, multiplier: i32, shift: i32) -> i32 {
    let left = shift.max(0) as u32;
    let right = (shift.min(0).wrapping_neg() as u32) & 31;
    let x = acc.wrapping_shl(left);
    let high = ((i64::from(x) * i64::from(multiplier) + (1 << 30)) >> 31) as i32;
    let mask = ((1u32 << right) - 1) as i32;
    let threshold = (mask >> 1) + ((high as u32) >> 31) as i32;
    (high >> right) + i32::from((high & mask) > threshold)
}

/// Multipliers and shifts of channels `c..c + N` (or the per-tensor values `N` times).
#[inline(always)]
fn channels<const N: usize>(rq: &Requant<'_>, c: usize) -> ([i32; N], [i32; N]) {
    if rq.multiplier.len() == 1 {
        let (m, s) = rq.channel(0);
        return ([m; N], [s; N]);
    }
    match (
        rq.multiplier.get(c..).and_then(|v| v.first_chunk::<N>()),
        rq.shift.get(c..).and_then(|v| v.first_chunk::<N>()),
    ) {
        (Some(m), Some(s)) => (*m, s.map(i32::from)),
        _ => ([0; N], [0; N]),
    }
}

#[inline(always)]
fn finish(acc: i32, m: i32, s: i32, offset: i32, lo: i32, hi: i32) -> i8 {
    let v = requantize_unsaturated(acc, m, s).wrapping_add(offset);
    v.max(lo).min(hi) as i8
}

/// Both 16-bit lanes set to `v`.
#[inline(always)]
pub(crate) fn splat(v: i32) -> u32 {
    (v as u32 & 0xFFFF).wrapping_mul(0x1_0001)
}

#[inline(always)]
fn word(b: &[u8; 4]) -> u32 {
    u32::from_le_bytes(*b)
}

#[inline(always)]
fn bytes(x: &[i8]) -> &[u8] {
    bytemuck::cast_slice(x)
}

// ---------------------------------------------------------------------------------------------
// Pointwise: 1×1 convolution and fully connected.

/// The weight layout [`pointwise_s8`] expects, from TFLite's `[output_depth][input_depth]`: the
/// channels in pairs, each pair stored word by word `[pair][input_depth / 4][2]` (four weights of
/// the first channel, then four of the second), then the last channel plain when the count is
/// odd; each word is the little-endian `i32` of four int8 weights. The compiler does this at
/// build time (`kiln_compiler::relayout::pair_words`); this copy is the contract for the tests.
#[cfg(test)]
pub(crate) fn pointwise_weights(
    weights: &[i8],
    output_depth: usize,
    input_depth: usize,
) -> Vec<i32> {
    let words = input_depth / 4;
    let w = |c: usize, k: usize| {
        let at = c * input_depth + 4 * k;
        i32::from_le_bytes([0, 1, 2, 3].map(|j| weights[at + j] as u8))
    };
    let mut out = Vec::new();
    for pair in 0..output_depth / 2 {
        for k in 0..words {
            out.push(w(2 * pair, k));
            out.push(w(2 * pair + 1, k));
        }
    }
    if output_depth % 2 == 1 {
        out.extend((0..words).map(|k| w(output_depth - 1, k)));
    }
    out
}

/// int8 1×1 convolution (stride 1, no padding) or fully connected layer:
/// `output[p, c] = requantize(bias[c] + Σ_i input[p, i] · W[c, i])`.
///
/// `weights` are paired by word as `pointwise_weights` (the tests' copy of the compiler's
/// `relayout::pair_words`) describes; `bias` has `output_depth`
/// elements and already holds the input offset (`bias[c] + input_offset · Σ_i W[c, i]`, exact
/// because no point of a 1×1 window is padding). Does nothing if a slice is too short or the
/// input depth is not a multiple of 4.
#[inline]
pub fn pointwise_s8(
    p: &PointwiseS8Params,
    rq: &Requant<'_>,
    input: &[i8],
    weights: &[i32],
    bias: &[i32],
    output: &mut [i8],
    scratch: &mut [u8],
) {
    // The widened form out of line, so that its stack frame (with room for a small scratch) is
    // not added to the caller's; the form a layer does not use folds away where `p` is constant.
    if p.fast_requant
        && rq.multiplier.len() >= p.output_depth
        && (scratch.len() >= 4 * p.input_depth || p.input_depth <= SMALL_SCRATCH_WORDS)
    {
        pointwise_widened(p, rq, input, weights, bias, output, scratch);
    } else {
        pointwise_registers(p, rq, input, weights, bias, output);
    }
}

/// [`pointwise_s8`] without scratch: the inputs are widened in registers for every channel pair.
fn pointwise_registers(
    p: &PointwiseS8Params,
    rq: &Requant<'_>,
    input: &[i8],
    weights: &[i32],
    bias: &[i32],
    output: &mut [i8],
) {
    let (d, od, n) = (p.input_depth, p.output_depth, p.pixels);
    let words = d / 4;
    if words == 0
        || d == 0
        || d % 4 != 0
        || od == 0
        || input.len() < n * d
        || output.len() < n * od
        || bias.len() < od
        || weights.len() < od * words
    {
        return;
    }
    let (lo, hi, zo) = (p.activation_min, p.activation_max, p.output_offset);
    let x = bytes(input);
    let pairs = od / 2;
    let Some((wpairs, wlast)) = weights.split_at_checked(pairs * 2 * words) else {
        return;
    };
    let mut px = 0;
    while px < n {
        let two = px + 1 < n;
        // `get` rather than indexing: the lengths checked above are products the optimizer
        // cannot relate to these ranges, and an index would keep a panic path in `predict`.
        let Some(x0) = x.get(px * d..(px + 1) * d) else {
            return;
        };
        let x0 = x0.as_chunks::<4>().0;
        let x1 = if two {
            match x.get((px + 1) * d..(px + 2) * d) {
                Some(x1) => x1.as_chunks::<4>().0,
                None => return,
            }
        } else {
            x0
        };
        let Some((out0, rest)) = output
            .get_mut(px * od..)
            .and_then(|o| o.split_at_mut_checked(od))
        else {
            return;
        };
        let out1: &mut [i8] = match (two, rest.get_mut(..od)) {
            (false, _) => &mut [],
            (true, Some(out1)) => out1,
            (true, None) => return,
        };
        let Some(bias2) = bias.get(..2 * pairs) else {
            return;
        };
        let bias2 = bias2.as_chunks::<2>().0;
        let (out0, out0_last) = out0.as_chunks_mut::<2>();
        let (out1, out1_last) = out1.as_chunks_mut::<2>();
        let mut out1 = out1.iter_mut();
        let pair_iter = wpairs.chunks_exact(2 * words).zip(bias2).zip(out0);
        for (k, ((w, b), o0)) in pair_iter.enumerate() {
            let w = w.as_chunks::<2>().0;
            let [mut a00, mut a01] = *b;
            let (mut a10, mut a11) = (a00, a01);
            for ((x0, x1), w) in x0.iter().zip(x1).zip(w) {
                let (x0, x1) = (word(x0), word(x1));
                let (x0e, x0o) = (sxtb16(x0), sxtb16_ror8(x0));
                let (x1e, x1o) = (sxtb16(x1), sxtb16_ror8(x1));
                let w0 = w[0] as u32;
                let (we, wo) = (sxtb16(w0), sxtb16_ror8(w0));
                a00 = smlad(x0e, we, a00);
                a00 = smlad(x0o, wo, a00);
                a10 = smlad(x1e, we, a10);
                a10 = smlad(x1o, wo, a10);
                let w1 = w[1] as u32;
                let (we, wo) = (sxtb16(w1), sxtb16_ror8(w1));
                a01 = smlad(x0e, we, a01);
                a01 = smlad(x0o, wo, a01);
                a11 = smlad(x1e, we, a11);
                a11 = smlad(x1o, wo, a11);
            }
            let ([m0, m1], [s0, s1]) = channels::<2>(rq, 2 * k);
            o0[0] = finish(a00, m0, s0, zo, lo, hi);
            o0[1] = finish(a01, m1, s1, zo, lo, hi);
            if let Some(o1) = out1.next() {
                o1[0] = finish(a10, m0, s0, zo, lo, hi);
                o1[1] = finish(a11, m1, s1, zo, lo, hi);
            }
        }
        if od % 2 == 1 {
            let c = od - 1;
            let (mut a0, mut a1) = (bias[c], bias[c]);
            for ((x0, x1), w) in x0.iter().zip(x1).zip(wlast) {
                let (x0, x1) = (word(x0), word(x1));
                let w = *w as u32;
                let (we, wo) = (sxtb16(w), sxtb16_ror8(w));
                a0 = smlad(sxtb16(x0), we, a0);
                a0 = smlad(sxtb16_ror8(x0), wo, a0);
                a1 = smlad(sxtb16(x1), we, a1);
                a1 = smlad(sxtb16_ror8(x1), wo, a1);
            }
            let (m, s) = rq.channel(c);
            if let Some(o) = out0_last.last_mut() {
                *o = finish(a0, m, s, zo, lo, hi);
            }
            if let Some(o) = out1_last.last_mut() {
                *o = finish(a1, m, s, zo, lo, hi);
            }
        }
        px += 2;
    }
}

/// Every output channel of a widened pixel pair (`pp.pairs` pairs, `od` channels): the channel
/// pairs by [`pointwise_pairs`], the activation clamp, then an odd last channel here, whose
/// weights (one raw word per step) follow the pairs'. `consts` are the weights, biases,
/// multipliers and shifts.
#[inline(always)]
fn widened_channels(
    pp: &PointwisePairs,
    wide: &[u32],
    (w, bias, m, s): (&[u32], &[i32], &[i32], &[i8]),
    od: usize,
    (lo, hi): (i32, i32),
    out: &mut [i8],
) {
    pointwise_pairs(pp, wide, w, bias, m, bytemuck::cast_slice(s), out);
    clamp_pairs(out, pp.out1, 2 * pp.pairs, lo, hi);
    if od % 2 == 1 {
        let c = od - 1;
        let wl = w.get(c * pp.words..).unwrap_or_default();
        let b = bias.get(c).copied().unwrap_or(0);
        let (mut a0, mut a1) = (b, b);
        for (xs, w) in wide.chunks_exact(4).zip(wl) {
            let (we, wo) = (sxtb16(*w), sxtb16_ror8(*w));
            a0 = smlad(xs[1], wo, smlad(xs[0], we, a0));
            a1 = smlad(xs[3], wo, smlad(xs[2], we, a1));
        }
        let (mc, sc) = (
            m.get(c).copied().unwrap_or(0),
            s.get(c).copied().unwrap_or(-1),
        );
        for (at, acc) in [(pp.out1 + c, a1), (c, a0)] {
            let v = requantize_fast(acc, mc, sc, pp.k);
            if let Some(o) = out.get_mut(at) {
                *o = v.max(lo).min(hi) as i8;
            }
        }
    }
}

/// The activation clamp after [`pointwise_pairs`] (which saturates to int8 only): the first `n`
/// outputs of pixel 0 and of pixel 1 (`out1` bytes further), when `lo..=hi` is narrower.
#[inline(always)]
fn clamp_pairs(out: &mut [i8], out1: usize, n: usize, lo: i32, hi: i32) {
    if lo > -128 || hi < 127 {
        for at in [0, out1] {
            if let Some(v) = out.get_mut(at..).and_then(|v| v.get_mut(..n)) {
                clamp_bytes(v, lo, hi);
            }
        }
    }
}

/// The widened inputs of a pixel pair that [`pointwise_s8`] keeps on the stack when the arena
/// has no free scratch: input depths up to 16.
const SMALL_SCRATCH_WORDS: usize = 16;

/// [`pointwise_s8`] for one row (a fully connected layer of batch 1) whose input depth is a
/// multiple of 8 and output depth even, with the requantization proven fast: the row is widened
/// once into `scratch` (per four inputs their `sxtb16` and `sxtb16_ror8` words, `2 ·
/// input_depth` bytes, word-aligned), then [`crate::arch::fc_row`] runs every channel pair (one
/// asm loop on the DSP targets: twenty instructions per sixteen products, against sixteen per
/// eight useful ones when [`pointwise_s8`] pairs the row with itself), then the activation clamp
/// if it is narrower than int8. `table` is [`FcRow`]'s layout (built by the compiler's
/// `relayout::fc_row_table`), the biases holding the input offset as for [`pointwise_s8`]. Does
/// nothing if a slice is too short or the shape is not one it runs.
pub fn fully_connected_row_s8(
    p: &PointwiseS8Params,
    input: &[i8],
    table: &[i32],
    output: &mut [i8],
    scratch: &mut [u8],
) {
    let (d, od) = (p.input_depth, p.output_depth);
    let r = FcRow {
        words: d / 4,
        pairs: od / 2,
        sign_fix: crate::quant::needs_sign_fix(p.output_offset, p.activation_min),
    };
    let (Ok(wide), Some(x)) = (
        bytemuck::try_cast_slice_mut::<u8, u32>(scratch),
        input.get(..d),
    ) else {
        return;
    };
    if p.pixels != 1 || d % 8 != 0 || od % 2 != 0 || wide.len() < d / 2 {
        return;
    }
    for (w, q) in wide.chunks_exact_mut(2).zip(bytes(x).as_chunks::<4>().0) {
        let v = word(q);
        w.copy_from_slice(&[sxtb16(v), sxtb16_ror8(v)]);
    }
    let Some(out) = output.get_mut(..od) else {
        return;
    };
    fc_row(&r, wide, bytemuck::cast_slice(table), out);
    let (lo, hi) = (p.activation_min, p.activation_max);
    if lo > -128 || hi < 127 {
        clamp_bytes(out, lo, hi);
    }
}

/// [`fully_connected_row_s8`]'s table (the contract of the compiler's `relayout::fc_row_table`)
/// from TFLite's row-major `[output_depth][input_depth]` weights, the biases (already holding
/// the input offset), per-channel multipliers in `[2^30, 2^31)` and shifts in `-31..=-1`, and
/// the output offset: [`FcRow`]'s layout. Writes the channel pairs that fit in `table`.
pub fn fc_row_table(
    weights: &[i8],
    bias: &[i32],
    rq: &Requant<'_>,
    input_depth: usize,
    output_offset: i32,
    table: &mut [i32],
) {
    let words = input_depth / 4;
    let k = 1 + 2 * output_offset;
    let w = |c: usize, j: usize| {
        let at = c * input_depth + 4 * j;
        weights.get(at..at + 4).map_or(0, |q| {
            i32::from_le_bytes([q[0] as u8, q[1] as u8, q[2] as u8, q[3] as u8])
        })
    };
    let pairs = table.chunks_exact_mut(FcRow::pair_words(words));
    for (pair, t) in pairs.enumerate().take(bias.len() / 2) {
        let c = [2 * pair, 2 * pair + 1];
        t[..2].copy_from_slice(&c.map(|c| bias[c]));
        for (j, q) in t[2..2 + 2 * words].chunks_exact_mut(4).enumerate() {
            q.copy_from_slice(&[
                w(c[0], 2 * j),
                w(c[1], 2 * j),
                w(c[0], 2 * j + 1),
                w(c[1], 2 * j + 1),
            ]);
        }
        let tail = &mut t[2 + 2 * words..];
        for (i, &c) in c.iter().enumerate() {
            let (m, e) = (rq.multiplier[c], -i32::from(rq.shift[c]));
            tail[i] = (m as u32).wrapping_mul(2) as i32;
            tail[2 + i] = (e - 1) | k << 8;
        }
    }
}

/// The fast form of [`pointwise_s8`]: every pair of pixels is widened once into `scratch`
/// (per four inputs: pixel 0's `sxtb16` and `sxtb16_ror8` words, then pixel 1's), then
/// [`pointwise_pairs`] runs all channel pairs (one asm loop on the DSP targets: dot products,
/// [`requantize_fast`], stores); an odd last channel is done here. Needs one multiplier and
/// shift per channel (the compiler expands per-tensor ones for this path) and `scratch` of
/// `input_depth` words, else a small stack buffer (depth ≤ [`SMALL_SCRATCH_WORDS`]); the last
/// odd pixel is paired with itself.
#[inline(never)]
fn pointwise_widened(
    p: &PointwiseS8Params,
    rq: &Requant<'_>,
    input: &[i8],
    weights: &[i32],
    bias: &[i32],
    output: &mut [i8],
    scratch: &mut [u8],
) {
    let mut small = [0u32; SMALL_SCRATCH_WORDS];
    let scratch = match bytemuck::try_cast_slice_mut::<u8, u32>(scratch) {
        Ok(words) if words.len() >= p.input_depth => words,
        _ => &mut small[..],
    };
    let (d, od, n) = (p.input_depth, p.output_depth, p.pixels);
    let words = d / 4;
    let (Some(scratch), Some(m), Some(s)) = (
        scratch.get_mut(..4 * words),
        rq.multiplier.get(..od),
        rq.shift.get(..od),
    ) else {
        return;
    };
    if words == 0
        || d % 4 != 0
        || input.len() < n * d
        || output.len() < n * od
        || bias.len() < od
        || weights.len() < od * words
    {
        return;
    }
    let k = 1 + 2 * p.output_offset;
    let x = bytes(input);
    let w: &[u32] = bytemuck::cast_slice(weights);
    let pairs = od / 2;
    for (px, (x0, x1)) in (0..n).step_by(2).map(|px| {
        let x0 = x.get(px * d..(px + 1) * d).unwrap_or_default();
        (px, (x0, x.get((px + 1) * d..(px + 2) * d).unwrap_or(x0)))
    }) {
        let two = px + 1 < n;
        for ((s, a), b) in scratch
            .chunks_exact_mut(4)
            .zip(x0.as_chunks::<4>().0)
            .zip(x1.as_chunks::<4>().0)
        {
            let (a, b) = (word(a), word(b));
            *s.as_mut_array::<4>().unwrap_or(&mut [0; 4]) =
                [sxtb16(a), sxtb16_ror8(a), sxtb16(b), sxtb16_ror8(b)];
        }
        let out1 = if two { od } else { 0 };
        let Some(out) = output.get_mut(px * od..) else {
            return;
        };
        let pp = PointwisePairs {
            words,
            pairs,
            out1,
            k,
        };
        let range = (p.activation_min, p.activation_max);
        widened_channels(&pp, scratch, (w, bias, m, s), od, range, out);
    }
}

/// The table [`pointwise_quads_s8`] expects (the contract of the compiler's
/// `relayout::quad_table`): per output channel the bias shifted left by 8 with `e − 1` in the
/// low byte (`e = −shift`), the channel's weights as little-endian words of four, then twice
/// the multiplier. `None` unless every bias lies in `-2^23..2^23`, every shift in `-31..=-1`
/// and every multiplier in `[2^30, 2^31)`.
#[cfg(test)]
pub(crate) fn quad_table(
    weights: &[i8],
    bias: &[i32],
    (multiplier, shift): (&[i32], &[i8]),
    input_depth: usize,
) -> Option<Vec<i32>> {
    let mut out = Vec::new();
    for (c, ((&b, &m), &s)) in bias.iter().zip(multiplier).zip(shift).enumerate() {
        let ok = (-(1 << 23)..1 << 23).contains(&b)
            && (-31..=-1).contains(&s)
            && (1 << 30..=i32::MAX).contains(&m);
        if !ok {
            return None;
        }
        out.push(b << 8 | i32::from(!s));
        let row = &weights[c * input_depth..(c + 1) * input_depth];
        out.extend(
            row.chunks_exact(4)
                .map(|q| i32::from_le_bytes([q[0] as u8, q[1] as u8, q[2] as u8, q[3] as u8])),
        );
        out.push((m as u32).wrapping_mul(2) as i32);
    }
    Some(out)
}

/// int8 1×1 convolution (stride 1, no padding) as [`pointwise_s8`] computes it, one output
/// channel × four pixels per pass: every group of four pixels is widened once into `scratch`
/// (per four inputs the `sxtb16` and `sxtb16_ror8` words of pixels 0 to 3), then
/// [`pointwise_quads`] runs every channel (one asm loop on the DSP targets: thirteen
/// instructions per sixteen products, [`requantize_fast`], stores), then the activation clamp.
/// `table` is `quad_table`'s layout (bias, weights and requantization of each channel;
/// the compiler's `relayout::quad_table`), with the input offset folded into the bias. Needs
/// `scratch` of `2 · input_depth` words, else a small stack buffer (depth ≤ 8); a last group of
/// fewer pixels repeats its last pixel. Does nothing if a slice is too short or the input depth
/// is not a multiple of 4.
#[inline(never)]
pub fn pointwise_quads_s8(
    p: &PointwiseS8Params,
    input: &[i8],
    table: &[i32],
    output: &mut [i8],
    scratch: &mut [u8],
) {
    let mut small = [0u32; SMALL_SCRATCH_WORDS];
    let (d, od, n) = (p.input_depth, p.output_depth, p.pixels);
    let words = d / 4;
    let scratch = match bytemuck::try_cast_slice_mut::<u8, u32>(scratch) {
        Ok(s) if s.len() >= 8 * words => s,
        _ => &mut small[..],
    };
    let Some(scratch) = scratch.get_mut(..8 * words) else {
        return;
    };
    if words == 0 || d % 4 != 0 || input.len() < n * d || output.len() < n * od {
        return;
    }
    let (x, table) = (bytes(input), bytemuck::cast_slice::<i32, u32>(table));
    let (lo, hi) = (p.activation_min, p.activation_max);
    for px in (0..n).step_by(4) {
        let last = widen_pixels(x, (px, n, d), scratch);
        let Some(out) = output.get_mut(px * od..) else {
            return;
        };
        let quads = quad_params(words, od, last, (p.output_offset, p.activation_min));
        quad_channels(&quads, scratch, table, (lo, hi), out);
    }
}

/// [`pointwise_quads_s8`] in place, `io` holding the input and receiving the output (which is no
/// deeper than the input, so each group of four pixels is written over input it has read), with
/// the stack buffer for scratch (input depth at most 8). Does nothing otherwise. Out of line, so
/// that its stack buffer is not part of the inference function's frame.
#[inline(never)]
pub fn pointwise_quads_s8_in_place(p: &PointwiseS8Params, table: &[i32], io: &mut [i8]) {
    let mut scratch = [0u32; SMALL_SCRATCH_WORDS];
    let (d, od, n) = (p.input_depth, p.output_depth, p.pixels);
    let words = d / 4;
    let Some(scratch) = scratch.get_mut(..8 * words) else {
        return;
    };
    if words == 0 || d % 4 != 0 || od > d || io.len() < n * d {
        return;
    }
    let table = bytemuck::cast_slice::<i32, u32>(table);
    let (lo, hi) = (p.activation_min, p.activation_max);
    for px in (0..n).step_by(4) {
        let last = widen_pixels(bytes(io), (px, n, d), scratch);
        let Some(out) = io.get_mut(px * od..) else {
            return;
        };
        let quads = quad_params(words, od, last, (p.output_offset, p.activation_min));
        quad_channels(&quads, scratch, table, (lo, hi), out);
    }
}

/// Widens pixels `px..px + 4` of `n` pixels of depth `d` (the last real one repeated past `n`)
/// into `scratch` as [`pointwise_quads`] reads them; returns the index of the last real one in
/// the group.
#[inline(always)]
fn widen_pixels(x: &[u8], (px, n, d): (usize, usize, usize), scratch: &mut [u32]) -> usize {
    let last = (n - px).min(4) - 1;
    let row = |i: usize| {
        let q = px + i.min(last);
        x.get(q * d..(q + 1) * d)
            .unwrap_or_default()
            .as_chunks::<4>()
            .0
    };
    let (r0, r1, r2, r3) = (row(0), row(1), row(2), row(3));
    for ((((s, a), b), c), e) in scratch.chunks_exact_mut(8).zip(r0).zip(r1).zip(r2).zip(r3) {
        let (a, b, c, e) = (word(a), word(b), word(c), word(e));
        *s.as_mut_array::<8>().unwrap_or(&mut [0; 8]) = [
            sxtb16(a),
            sxtb16_ror8(a),
            sxtb16(b),
            sxtb16_ror8(b),
            sxtb16(c),
            sxtb16_ror8(c),
            sxtb16(e),
            sxtb16_ror8(e),
        ];
    }
    last
}

/// The [`PointwiseQuads`] of a group of four pixels whose last real one is `last` (the rest
/// repeat it, writing its outputs again), for a layer's output offset and activation minimum.
#[inline(always)]
pub(crate) fn quad_params(
    words: usize,
    od: usize,
    last: usize,
    (output_offset, activation_min): (i32, i32),
) -> PointwiseQuads {
    PointwiseQuads {
        words,
        channels: od,
        out: [1, 2, 3].map(|i| i.min(last) * od),
        k: 1 + 2 * output_offset,
        sign_fix: crate::quant::needs_sign_fix(output_offset, activation_min),
    }
}

/// Every output channel of a widened group of pixels by [`pointwise_quads`] (which saturates
/// to int8 only), then the activation clamp on the real pixels' outputs when `lo..=hi` is
/// narrower.
#[inline(always)]
pub(crate) fn quad_channels(
    q: &PointwiseQuads,
    wide: &[u32],
    table: &[u32],
    (lo, hi): (i32, i32),
    out: &mut [i8],
) {
    pointwise_quads(q, wide, table, out);
    if lo > -128 || hi < 127 {
        let real = q.out[2] + q.channels;
        if let Some(v) = out.get_mut(..real) {
            clamp_bytes(v, lo, hi);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Convolution as a matrix product over gathered windows.

/// Elements of one gathered window of [`conv_im2col_s8`]: `filter_height · filter_width ·
/// input_depth` rounded up to a multiple of 4 (the weights are zero-padded alike).
pub const fn im2col_depth(g: &ConvGeometry) -> usize {
    (g.filter_height * g.filter_width * g.filter_depth).div_ceil(4) * 4
}

/// Scratch bytes [`conv_im2col_s8`] needs: two windows as bytes and widened to 16-bit lanes.
pub const fn im2col_scratch_bytes(g: &ConvGeometry) -> usize {
    6 * im2col_depth(g)
}

/// int8 CONV_2D (or DEPTHWISE_CONV_2D with one input channel, weights transposed to
/// `[output_depth, h, w, 1]`) without groups and with horizontal dilation 1, as a matrix product:
/// the windows of two output pixels are gathered into `scratch` (TFLite's tap order, padding
/// and the alignment tail filled with the input zero point, so that `x + input_offset` is 0
/// there, as TFLM skips them), widened with the input offset added, then multiplied by all
/// channel pairs by [`pointwise_pairs`] and requantized with [`requantize_fast`], which the
/// compiler proved exact. `weights` are `[output_depth][im2col_depth]` zero-padded, paired by
/// word as for [`pointwise_s8`]; `multiplier` and `shift` have one entry per channel; `scratch`
/// holds [`im2col_scratch_bytes`]. Does nothing if a slice is too short.
pub fn conv_im2col_s8(
    p: &ConvQuantParams,
    rq: &Requant<'_>,
    input: &[i8],
    weights: &[i32],
    bias: &[i32],
    output: &mut [i8],
    scratch: &mut [u8],
) {
    let g = &p.geometry;
    let (image, pixels) = (
        g.input_height * g.input_width * g.input_depth,
        g.output_height * g.output_width,
    );
    let Some(c) = Im2col::new(p, rq, weights, bias) else {
        return;
    };
    let x = bytes(input);
    for b in 0..g.batches {
        let (Some(img), Some(out)) = (
            x.get(b * image..(b + 1) * image),
            output.get_mut(b * pixels * c.win.od..(b + 1) * pixels * c.win.od),
        ) else {
            return;
        };
        for px in (0..pixels).step_by(2) {
            c.pair(img, 0, px, scratch, out);
        }
    }
}

/// [`conv_im2col_s8`] without scratch of its own (one batch): the layer's input dies with it,
/// so each pixel pair gathers into the last [`im2col_scratch_bytes`] of the output while they
/// are not written yet, and into the first bytes of the input once no window reads them. The
/// compiler checks at build time that one of the two holds for every pair
/// (`kiln_compiler::ops::conv_common::im2col_in_place`); the input is left overwritten.
pub fn conv_im2col_s8_in_place(
    p: &ConvQuantParams,
    rq: &Requant<'_>,
    weights: &[i32],
    bias: &[i32],
    output: &mut [i8],
    input: &mut [i8],
) {
    let Some(c) = Im2col::new(p, rq, weights, bias) else {
        return;
    };
    let need = im2col_scratch_bytes(&p.geometry);
    in_place(
        p,
        (output, input),
        (need, 2),
        |img, base, px, scratch, out| c.pair(img, base, px, scratch, out),
    );
}

/// The walk of the in-place im2col kernels over groups of `group` output pixels: each group
/// gathers into the last `need` bytes of the output while they are not written yet, and into
/// the first `need` bytes of the input once no window reads them (what the compiler's
/// `im2col_in_place` checks); `f(image, image base, first pixel, scratch, output)`.
#[inline(always)]
fn in_place(
    p: &ConvQuantParams,
    (output, input): (&mut [i8], &mut [i8]),
    (need, group): (usize, usize),
    f: impl Fn(&[u8], usize, usize, &mut [u8], &mut [i8]),
) {
    let g = &p.geometry;
    let (pixels, od) = (g.output_height * g.output_width, g.output_depth);
    // Word-aligned (the output starts on a word, as every arena region does).
    let free_from = output.len().saturating_sub(need) & !3;
    let input: &mut [u8] = bytemuck::cast_slice_mut(input);
    for px in (0..pixels).step_by(group) {
        // One call site, so that the step is inlined once.
        let (img, base, scratch, out): (&[u8], usize, &mut [u8], &mut [i8]) =
            if (px + group) * od <= free_from {
                let Some((out, tail)) = output.split_at_mut_checked(free_from) else {
                    return;
                };
                (&*input, 0, bytemuck::cast_slice_mut(tail), out)
            } else if let Some((head, rest)) = input.split_at_mut_checked(need) {
                (&*rest, need, head, &mut *output)
            } else {
                return;
            };
        f(img, base, px, scratch, out);
    }
}

/// Scratch bytes [`conv_im2col_quads_s8`] needs: four windows widened to 16-bit lanes and four
/// as bytes.
pub const fn im2col_quad_scratch_bytes(g: &ConvGeometry) -> usize {
    12 * im2col_depth(g)
}

/// [`conv_im2col_s8`] one output channel × four pixels per pass ([`pointwise_quads`]): the
/// windows of four output pixels are widened with the input offset into `scratch` (straight
/// from the input where a window lies inside it and its rows are whole words, else gathered as
/// bytes first, padding the input zero point), then every channel runs. `table` is
/// `quad_table`'s layout over the `[output_depth][im2col_depth]` zero-padded weights with the
/// plain bias; `scratch` holds [`im2col_quad_scratch_bytes`]. Does nothing if a slice is too
/// short.
pub fn conv_im2col_quads_s8(
    p: &ConvQuantParams,
    input: &[i8],
    table: &[i32],
    output: &mut [i8],
    scratch: &mut [u8],
) {
    let g = &p.geometry;
    let (image, pixels) = (
        g.input_height * g.input_width * g.input_depth,
        g.output_height * g.output_width,
    );
    let Some(c) = Windows::new(p) else {
        return;
    };
    let x = bytes(input);
    for b in 0..g.batches {
        let (Some(img), Some(out)) = (
            x.get(b * image..(b + 1) * image),
            output.get_mut(b * pixels * c.od..(b + 1) * pixels * c.od),
        ) else {
            return;
        };
        for px in (0..pixels).step_by(4) {
            c.quad(img, 0, px, table, scratch, out);
        }
    }
}

/// [`conv_im2col_quads_s8`] without scratch of its own (one batch), in place as
/// [`conv_im2col_s8_in_place`] is, with [`im2col_quad_scratch_bytes`] per group of four pixels.
pub fn conv_im2col_quads_s8_in_place(
    p: &ConvQuantParams,
    table: &[i32],
    output: &mut [i8],
    input: &mut [i8],
) {
    let Some(c) = Windows::new(p) else {
        return;
    };
    let need = im2col_quad_scratch_bytes(&p.geometry);
    in_place(
        p,
        (output, input),
        (need, 4),
        |img, base, px, scratch, out| c.quad(img, base, px, table, scratch, out),
    );
}

/// The windows of an im2col convolution and how to gather them.
struct Windows<'a> {
    p: &'a ConvQuantParams,
    od: usize,
    kp: usize,
    row: usize,
}

impl<'a> Windows<'a> {
    fn new(p: &'a ConvQuantParams) -> Option<Self> {
        let g = &p.geometry;
        let kp = im2col_depth(g);
        let ok = g.filter_depth == g.input_depth && g.dilation_width == 1 && kp > 0;
        ok.then_some(Windows {
            p,
            od: g.output_depth,
            kp,
            row: g.filter_width * g.input_depth,
        })
    }

    /// The window origin of output pixel `px` (top left tap, may lie outside the input).
    #[inline(always)]
    fn origin(&self, px: usize) -> (isize, isize) {
        let g = &self.p.geometry;
        let ow = g.output_width.max(1);
        let (oy, ox) = (px / ow, px % ow);
        (
            (oy * g.stride_height) as isize - g.pad_height as isize,
            (ox * g.stride_width) as isize - g.pad_width as isize,
        )
    }

    /// Gathers one window as bytes: the rows of taps inside the input copied, the rest
    /// (padding and the alignment tail) the input zero point. `img` is the image from byte
    /// `base` on (windows never reach below it).
    fn gather(&self, img: &[u8], base: usize, (y0, x0): (isize, isize), buf: &mut [u8]) {
        let g = &self.p.geometry;
        let (iw, d, kh, kw) = (
            g.input_width,
            g.input_depth,
            g.filter_height,
            g.filter_width,
        );
        let (fx0, fx1) = tap_range(x0, 1, kw, iw);
        let (fy0, fy1) = tap_range(y0, g.dilation_height, kh, g.input_height);
        let zero = (-self.p.input_offset) as u8;
        let inside = kh * self.row;
        let fill = if fx0 > 0 || fx1 < kw || fy0 > 0 || fy1 < kh {
            0
        } else {
            inside
        };
        if let Some(rest) = buf.get_mut(fill..) {
            fill_bytes(rest, zero);
        }
        let (a, n) = (fx0 * d, (fx1 - fx0) * d);
        if fy1 > fy0 && fx1 > fx0 {
            let col = (x0 + fx0 as isize) as usize * d;
            let iy = (y0 + (fy0 * g.dilation_height) as isize) as usize;
            let at = (iy * iw * d + col).wrapping_sub(base);
            if let (Some(src), Some(dst)) = (img.get(at..), buf.get_mut(fy0 * self.row + a..)) {
                let rows = fy1 - fy0;
                copy_rows(dst, self.row, src, g.dilation_height * iw * d, rows, n);
            }
        }
    }

    /// [`Self::gather`] out of line, for layers whose rows are whole words: most of their
    /// groups widen straight from the input and only those at the edges gather, so a call per
    /// window costs little, and the gather's registers no longer add to the frame of the walk
    /// (which holds the deepest call). Layers that gather every group keep it inlined and
    /// specialised.
    #[inline(never)]
    fn gather_edge(&self, img: &[u8], base: usize, origin: (isize, isize), buf: &mut [u8]) {
        self.gather(img, base, origin, buf);
    }

    /// Output pixels `px..px + 4` (fewer at the end: the last repeats): widen the four windows
    /// ([`widen_quad`]: straight from the input when they lie in one output row, inside the
    /// input's width, with rows of whole words, the filter rows above and below the input zero;
    /// else gathered as bytes first), then every channel
    /// ([`pointwise_quads`]) and the activation clamp.
    #[inline(always)]
    fn quad(
        &self,
        img: &[u8],
        base: usize,
        px: usize,
        table: &[i32],
        scratch: &mut [u8],
        out: &mut [i8],
    ) {
        let (kp, od, p) = (self.kp, self.od, self.p);
        let g = &p.geometry;
        let pixels = g.output_height * g.output_width;
        let Some((wide, raw)) = scratch
            .get_mut(..12 * kp)
            .and_then(|s| s.split_at_mut_checked(8 * kp))
        else {
            return;
        };
        let Ok(wide) = bytemuck::try_cast_slice_mut::<u8, u32>(wide) else {
            return;
        };
        let last = pixels.saturating_sub(px).clamp(1, 4) - 1;
        let (first, fourth) = (self.origin(px), self.origin(px + 3));
        let d = g.input_depth;
        let (iw, kw) = (g.input_width, g.filter_width);
        let dh = g.dilation_height;
        let (fy0, fy1) = tap_range(first.0, dh, g.filter_height, g.input_height);
        let direct = self.row.is_multiple_of(4)
            && last == 3
            && first.0 == fourth.0
            && first.1 >= 0
            && fourth.1 as usize + kw <= iw
            && fy1 > fy0;
        let offset = splat(p.input_offset);
        if direct {
            // Filter rows above and below the input are padding: zero once widened.
            let per_row = 2 * self.row;
            let Some((head, rest)) = wide.split_at_mut_checked(fy0 * per_row) else {
                return;
            };
            let Some((mid, tail)) = rest.split_at_mut_checked((fy1 - fy0) * per_row) else {
                return;
            };
            fill_bytes(bytemuck::cast_slice_mut(head), 0);
            fill_bytes(bytemuck::cast_slice_mut(tail), 0);
            let iy = (first.0 + (fy0 * dh) as isize) as usize;
            let at = (iy * iw + first.1 as usize) * d;
            let q = WidenQuad {
                rows: fy1 - fy0,
                words: self.row / 4,
                dx: g.stride_width * d,
                step: dh * iw * d,
                offset,
            };
            widen_quad(
                &q,
                img.get(at.wrapping_sub(base)..).unwrap_or_default(),
                mid,
            );
        } else {
            for (slot, w) in raw.chunks_exact_mut(kp.max(1)).enumerate() {
                let origin = self.origin(px + slot.min(last));
                if self.row.is_multiple_of(4) {
                    self.gather_edge(img, base, origin, w);
                } else {
                    self.gather(img, base, origin, w);
                }
            }
            let q = WidenQuad {
                rows: 1,
                words: kp / 4,
                dx: kp,
                step: 0,
                offset,
            };
            widen_quad(&q, raw, wide);
        }
        let Some(o) = out.get_mut(px * od..) else {
            return;
        };
        let quads = quad_params(kp / 4, od, last, (p.output_offset, p.activation_min));
        let range = (p.activation_min, p.activation_max);
        quad_channels(&quads, wide, bytemuck::cast_slice(table), range, o);
    }
}

/// What [`conv_im2col_s8`] needs per pixel pair, checked once.
struct Im2col<'a> {
    win: Windows<'a>,
    words: usize,
    weights: &'a [u32],
    bias: &'a [i32],
    multiplier: &'a [i32],
    shift: &'a [i8],
}

impl<'a> Im2col<'a> {
    fn new(
        p: &'a ConvQuantParams,
        rq: &Requant<'a>,
        weights: &'a [i32],
        bias: &'a [i32],
    ) -> Option<Self> {
        let win = Windows::new(p)?;
        let (od, kp) = (win.od, win.kp);
        let (multiplier, shift) = (rq.multiplier.get(..od)?, rq.shift.get(..od)?);
        let ok = bias.len() >= od && weights.len() >= od * (kp / 4);
        ok.then(|| Im2col {
            win,
            words: kp / 4,
            weights: bytemuck::cast_slice(weights),
            bias,
            multiplier,
            shift,
        })
    }

    /// Output pixels `px` and `px + 1` (if there is one): gather, widen with the input offset,
    /// then every channel (pairs by [`pointwise_pairs`]).
    #[inline(always)]
    fn pair(&self, img: &[u8], base: usize, px: usize, scratch: &mut [u8], out: &mut [i8]) {
        let (kp, od, p) = (self.win.kp, self.win.od, self.win.p);
        let g = &p.geometry;
        let two = px + 1 < g.output_height * g.output_width;
        let Some((raw, wide)) = scratch
            .get_mut(..6 * kp)
            .and_then(|s| s.split_at_mut_checked(2 * kp))
        else {
            return;
        };
        let Ok(wide) = bytemuck::try_cast_slice_mut::<u8, u32>(wide) else {
            return;
        };
        let Some((r0, r1)) = raw.split_at_mut_checked(kp) else {
            return;
        };
        self.win.gather(img, base, self.win.origin(px), r0);
        if two {
            self.win.gather(img, base, self.win.origin(px + 1), r1);
        } else {
            r1.copy_from_slice(r0);
        }
        let off = splat(p.input_offset);
        for ((wd, a), c) in wide
            .chunks_exact_mut(4)
            .zip(r0.as_chunks::<4>().0)
            .zip(r1.as_chunks::<4>().0)
        {
            let (a, c) = (word(a), word(c));
            *wd.as_mut_array::<4>().unwrap_or(&mut [0; 4]) = [
                sxtab16(off, a),
                sxtab16_ror8(off, a),
                sxtab16(off, c),
                sxtab16_ror8(off, c),
            ];
        }
        let Some(o) = out.get_mut(px * od..) else {
            return;
        };
        let out1 = if two { od } else { 0 };
        let k = 1 + 2 * p.output_offset;
        let pp = PointwisePairs {
            words: self.words,
            pairs: od / 2,
            out1,
            k,
        };
        let range = (p.activation_min, p.activation_max);
        let consts = (self.weights, self.bias, self.multiplier, self.shift);
        widened_channels(&pp, wide, consts, od, range, o);
    }
}

// ---------------------------------------------------------------------------------------------
// Convolution with a small window: up to three rows of up to four bytes.

/// Whether [`conv_small_s8`] handles a convolution: no groups, horizontal dilation 1, at most
/// three filter rows of at most four input bytes (`filter_width · input_depth`), such as a 3×3
/// depthwise layer with one input channel.
pub const fn small_window_fits(g: &ConvGeometry) -> bool {
    g.filter_depth == g.input_depth
        && g.dilation_width == 1
        && g.filter_height <= 3
        && g.filter_width * g.input_depth <= 4
        && g.filter_height * g.filter_width * g.input_depth > 0
}

/// int8 convolution with a small window ([`small_window_fits`]): per output pixel the window's
/// rows are loaded as one word each (a fourth byte past a three-byte row is read but weighted
/// 0), widened with the input offset into six words of 16-bit lanes, and every channel is
/// `bias + Σ smlad` then [`requantize_fast`] in [`crate::arch::small_window`]. Windows that
/// cross the border of the input are assembled byte by byte with the input zero point (the
/// padding TFLM skips, since `zero_point + offset = 0`). `table` holds per output channel nine
/// words: the bias, per row the `sxtb16`-ordered 16-bit weight pairs `(w0, w2), (w1, w3)`
/// (zero past the row and for missing rows), the multiplier doubled (wrapping), and `(e − 1) | k << 8` with
/// `e = −shift` and `k = 1 + 2 · output_offset` (the compiler builds it and proves the fast
/// requantization exact). Does nothing if a slice is too short.
pub fn conv_small_s8(p: &ConvQuantParams, table: &[i32], input: &[i8], output: &mut [i8]) {
    let table: &[u32] = bytemuck::cast_slice(table);
    let g = &p.geometry;
    let (ih, iw, d) = (g.input_height, g.input_width, g.input_depth);
    let (oh, ow, od) = (g.output_height, g.output_width, g.output_depth);
    let run = g.filter_width * d;
    if !small_window_fits(g)
        || input.len() < g.batches * ih * iw * d
        || output.len() < g.batches * oh * ow * od
        || table.len() < 9 * od
    {
        return;
    }
    let x = bytes(input);
    let zero = (-p.input_offset) as u8;
    let off = splat(p.input_offset);
    let clamp = p.activation_min > -128 || p.activation_max < 127;
    for b in 0..g.batches {
        let (Some(img), Some(out)) = (
            x.get(b * ih * iw * d..(b + 1) * ih * iw * d),
            output.get_mut(b * oh * ow * od..(b + 1) * oh * ow * od),
        ) else {
            return;
        };
        let row_step = g.dilation_height * iw * d;
        let rows = out.chunks_exact_mut((ow * od).max(1));
        for (oy, out_row) in rows.enumerate().take(oh) {
            let y0 = (oy * g.stride_height) as isize - g.pad_height as isize;
            let last = y0 + ((g.filter_height - 1) * g.dilation_height) as isize;
            let rows_in = y0 >= 0 && last < ih as isize;
            for (ox, o) in out_row.chunks_exact_mut(od).enumerate() {
                let x0 = (ox * g.stride_width) as isize - g.pad_width as isize;
                let mut w = [0u32; 6];
                // Inside: one word per row (the bytes past the run are weighted 0).
                let base = (y0 * iw as isize + x0) * d as isize;
                let inside = rows_in && x0 >= 0 && x0 as usize + g.filter_width <= iw;
                let window = img.get(base.max(0) as usize..).unwrap_or_default();
                if inside && window.len() >= (g.filter_height - 1) * row_step + 4 {
                    for (r, pair) in w.chunks_exact_mut(2).enumerate().take(g.filter_height) {
                        let word = window
                            .get(r * row_step..)
                            .and_then(|v| v.first_chunk::<4>())
                            .map_or(0, word);
                        pair[0] = sxtab16(off, word);
                        pair[1] = sxtab16_ror8(off, word);
                    }
                } else {
                    for (r, pair) in w.chunks_exact_mut(2).enumerate().take(g.filter_height) {
                        let iy = y0 + (r * g.dilation_height) as isize;
                        let row_in = (0..ih as isize).contains(&iy);
                        // Byte by byte: inside taps from the input, the rest the zero point.
                        let mut bytes4 = [zero; 4];
                        for (j, v) in bytes4.iter_mut().enumerate().take(run) {
                            let ix = x0 + (j / d) as isize;
                            if row_in && (0..iw as isize).contains(&ix) {
                                let i = (iy as usize * iw + ix as usize) * d + j % d;
                                *v = img.get(i).copied().unwrap_or(zero);
                            }
                        }
                        let word = u32::from_le_bytes(bytes4);
                        pair[0] = sxtab16(off, word);
                        pair[1] = sxtab16_ror8(off, word);
                    }
                }
                small_window(&w, table, o);
                if clamp {
                    clamp_bytes(o, p.activation_min, p.activation_max);
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Convolution by contiguous filter rows.

/// The filter taps `k` in `0..filter` with `origin + step · k` in `0..limit`, as `(first, end)`
/// (`first == end` when there is none).
#[inline(always)]
pub(crate) fn tap_range(origin: isize, step: usize, filter: usize, limit: usize) -> (usize, usize) {
    if step == 1 {
        let first = (-origin).max(0) as usize;
        let end = (limit as isize - origin).max(0).min(filter as isize) as usize;
        return (first.min(end), end);
    }
    // ≥ 1 whatever the caller passes, so the divisions below can neither trap nor overflow.
    let step = isize::try_from(step.max(1)).unwrap_or(isize::MAX);
    let first = if origin < 0 {
        ((-origin + step - 1) / step) as usize
    } else {
        0
    };
    let room = limit as isize - origin;
    let end = if room <= 0 {
        0
    } else {
        (((room + step - 1) / step) as usize).min(filter)
    };
    (first, end.max(first))
}

/// int8 CONV_2D without groups and with horizontal dilation 1 (`filter_depth == input_depth`),
/// weights in TFLite's `[output_depth, filter_height, filter_width, input_depth]` layout, `bias`
/// of `output_depth` elements. Bit-exact with [`super::conv::conv_2d_s8`]; does nothing if the
/// geometry is not one it handles or a slice is too short.
pub fn conv_2d_rows_s8(
    p: &ConvQuantParams,
    rq: &Requant<'_>,
    input: &[i8],
    weights: &[i8],
    bias: &[i32],
    output: &mut [i8],
) {
    let g = &p.geometry;
    let (ih, iw, d) = (g.input_height, g.input_width, g.input_depth);
    let (oh, ow, od) = (g.output_height, g.output_width, g.output_depth);
    let (kh, kw) = (g.filter_height, g.filter_width);
    if g.filter_depth != d
        || g.dilation_width != 1
        || d == 0
        || od == 0
        || input.len() < g.batches * ih * iw * d
        || output.len() < g.batches * oh * ow * od
        || weights.len() < od * kh * kw * d
        || bias.len() < od
    {
        return;
    }
    let (lo, hi, zo) = (p.activation_min, p.activation_max, p.output_offset);
    let off = splat(p.input_offset);
    let x = bytes(input);
    let w = bytes(weights);
    let (wrow, wch) = (kw * d, kh * kw * d);
    let xrow = iw * d;
    let sx = g.stride_width * d;
    for b in 0..g.batches {
        let Some(img) = x.get(b * ih * xrow..(b + 1) * ih * xrow) else {
            return;
        };
        let Some(out) = output.get_mut(b * oh * ow * od..(b + 1) * oh * ow * od) else {
            return;
        };
        for oy in 0..oh {
            let y0 = (oy * g.stride_height) as isize - g.pad_height as isize;
            let (fy0, fy1) = tap_range(y0, g.dilation_height, kh, ih);
            let mut ox = 0;
            while ox < ow {
                // Two horizontally adjacent pixels share the filter rows inside the input; they
                // share the weights too when their windows are clipped alike (everywhere but at
                // the left and right borders). Otherwise one pixel is summed twice and half kept.
                let clip = |ox: usize| {
                    let x0 = (ox * g.stride_width) as isize - g.pad_width as isize;
                    let (fx0, fx1) = tap_range(x0, 1, kw, iw);
                    ((x0 + fx0 as isize).max(0) as usize * d, fx0, fx1)
                };
                let (xcol, fx0, fx1) = clip(ox);
                let pair = ox + 1 < ow && {
                    let (_, gx0, gx1) = clip(ox + 1);
                    (gx0, gx1) == (fx0, fx1)
                };
                let run = (fx1 - fx0) * d;
                let (words, tail) = (run / 4, run % 4);
                let ny = fy1 - fy0;
                let x_row = g.dilation_height * xrow;
                let win = RowWindow {
                    rows: ny,
                    words,
                    tail,
                    x_row,
                    pair: if pair { sx } else { 0 },
                    w_row: wrow,
                    channels: od,
                    w_channel: wch,
                };
                let (xfirst, wfirst) = if ny > 0 && run > 0 {
                    let iy = (y0 + (fy0 * g.dilation_height) as isize) as usize;
                    (iy * xrow + xcol, fy0 * wrow + fx0 * d)
                } else {
                    (0, 0)
                };
                let (Some(xs), Some(ws), Some(out)) = (
                    img.get(xfirst..),
                    w.get(wfirst..),
                    out.get_mut((oy * ow + ox) * od..),
                ) else {
                    return;
                };
                conv_rows_2x1(xs, ws, &win, off, |c, sums| {
                    let mut acc = [0i32; 2];
                    for (a, s) in acc.iter_mut().zip(sums) {
                        *a = s.wrapping_add(bias.get(c).copied().unwrap_or(0));
                    }
                    let (m, s) = rq.channel(c);
                    if let Some(v) = out.get_mut(c) {
                        *v = finish(acc[0], m, s, zo, lo, hi);
                    }
                    if pair {
                        if let Some(v) = out.get_mut(od + c) {
                            *v = finish(acc[1], m, s, zo, lo, hi);
                        }
                    }
                });
                ox += if pair { 2 } else { 1 };
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::super::conv::{conv_2d_s8, depthwise_conv_2d_s8, ConvGeometry};
    use super::super::fully_connected::{fully_connected_s8, FullyConnectedS8Params};
    use super::*;
    use crate::quant::multiply_by_quantized_multiplier;

    /// A small deterministic generator.
    pub(crate) struct Lcg(pub(crate) u64);
    impl Lcg {
        pub(crate) fn next(&mut self, n: usize) -> usize {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((self.0 >> 33) as usize) % n.max(1)
        }
        pub(crate) fn i8s(&mut self, n: usize) -> Vec<i8> {
            (0..n).map(|_| self.next(256) as u8 as i8).collect()
        }
        /// Per-channel (or one) multipliers and shifts, some left shifts.
        fn requant(&mut self, n: usize) -> (Vec<i32>, Vec<i8>) {
            let n = if self.next(3) == 0 { 1 } else { n };
            let m = (0..n)
                .map(|_| (1 << 30) + self.next(1 << 30) as i32)
                .collect();
            let s = (0..n).map(|_| 2 - self.next(12) as i8).collect();
            (m, s)
        }
    }

    #[test]
    fn requantize_matches_reference() {
        let mut r = Lcg(3);
        let specials = [
            0,
            1,
            -1,
            i32::MAX,
            i32::MIN,
            1 << 30,
            -(1 << 30),
            12345,
            -12345,
        ];
        for _ in 0..200_000 {
            let x = if r.next(8) == 0 {
                specials[r.next(specials.len())]
            } else {
                (r.next(1 << 31) as i32).wrapping_mul(if r.next(2) == 0 { 1 } else { -3 })
                    >> r.next(20)
            };
            let m = match r.next(10) {
                0 => i32::MIN,
                1 => i32::MAX,
                2 => 0,
                _ => (1 << 30) + r.next(1 << 30) as i32,
            };
            let s = 8 - r.next(40) as i32;
            assert_eq!(
                requantize(x, m, s),
                multiply_by_quantized_multiplier(x, m, s),
                "x {x} m {m} s {s}"
            );
        }
    }

    /// `pointwise_s8` against the reference fully connected kernel on random shapes. `fast`:
    /// requantization in the fast domain (right shifts only) and scratch of varying size (none
    /// every fifth case: the in-register or small-stack forms), else any shifts and no scratch.
    fn check_pointwise(seed: u64, cases: usize, fast: bool) {
        let mut r = Lcg(seed);
        for i in 0..cases {
            let pixels = 1 + r.next(7);
            let d = 4 * (1 + r.next(16));
            let od = 1 + r.next(11);
            let input = r.i8s(pixels * d);
            let weights = r.i8s(od * d);
            let bias: Vec<i32> = (0..od).map(|_| r.next(400000) as i32 - 200000).collect();
            let (m, s) = if fast {
                let n = if r.next(3) == 0 { 1 } else { od };
                fast_requant(&mut r, n)
            } else {
                r.requant(od)
            };
            let rq = Requant {
                multiplier: &m,
                shift: &s,
            };
            let (zo, lo) = output_range(&mut r);
            let hi = 127 - r.next(27) as i32;
            let fp = FullyConnectedS8Params {
                batches: pixels,
                input_depth: d,
                output_depth: od,
                output_offset: zo,
                activation_min: lo,
                activation_max: hi,
            };
            let mut want = vec![0i8; pixels * od];
            fully_connected_s8(&fp, &rq, &input, &weights, &bias, &mut want);
            let p = PointwiseS8Params {
                pixels,
                input_depth: d,
                output_depth: od,
                output_offset: zo,
                activation_min: lo,
                activation_max: hi,
                fast_requant: fast,
            };
            let packed = pointwise_weights(&weights, od, d);
            // Enough scratch (sometimes at an odd word offset of a bigger buffer), or none.
            let mut buf = vec![0u32; d + 3];
            let skip = if i % 4 == 0 { 0 } else { r.next(4) };
            let scratch: &mut [u8] = if !fast || i % 5 == 0 {
                &mut []
            } else {
                bytemuck::cast_slice_mut(&mut buf[skip..skip + d])
            };
            let mut got = vec![0i8; pixels * od];
            pointwise_s8(&p, &rq, &input, &packed, &bias, &mut got, scratch);
            assert_eq!(got, want, "pixels {pixels} depth {d} channels {od}");
        }
    }

    #[test]
    fn quad_pointwise_matches_fully_connected_reference() {
        let mut r = Lcg(29);
        let mut in_place = 0;
        for i in 0..400 {
            let pixels = 1 + r.next(13);
            let d = 4 * (1 + r.next(16));
            let od = 1 + r.next(11);
            let input = r.i8s(pixels * d);
            let weights = r.i8s(od * d);
            let limit = if i % 3 == 0 { 1 << 23 } else { 1 << 18 };
            let bias: Vec<i32> = (0..od)
                .map(|_| r.next(2 * limit) as i32 - limit as i32)
                .collect();
            let (m, s) = fast_requant(&mut r, od);
            let rq = Requant {
                multiplier: &m,
                shift: &s,
            };
            let (zo, lo) = output_range(&mut r);
            let hi = 127 - r.next(27) as i32;
            let fp = FullyConnectedS8Params {
                batches: pixels,
                input_depth: d,
                output_depth: od,
                output_offset: zo,
                activation_min: lo,
                activation_max: hi,
            };
            let mut want = vec![0i8; pixels * od];
            fully_connected_s8(&fp, &rq, &input, &weights, &bias, &mut want);
            let p = PointwiseS8Params {
                pixels,
                input_depth: d,
                output_depth: od,
                output_offset: zo,
                activation_min: lo,
                activation_max: hi,
                fast_requant: true,
            };
            let table = quad_table(&weights, &bias, (&m, &s), d).expect("in range");
            // Enough scratch (sometimes at an odd word offset of a bigger buffer), or none
            // where the stack buffer is enough.
            let mut buf = vec![0u32; 2 * d + 3];
            let skip = r.next(4);
            let scratch: &mut [u8] = if d <= 8 && i % 2 == 0 {
                &mut []
            } else {
                bytemuck::cast_slice_mut(&mut buf[skip..skip + 2 * d])
            };
            let mut got = vec![0i8; pixels * od];
            pointwise_quads_s8(&p, &input, &table, &mut got, scratch);
            assert_eq!(got, want, "pixels {pixels} depth {d} channels {od}");
            if d <= 8 && od <= d {
                // In place: the output written over the input it has read.
                let mut io = input.clone();
                pointwise_quads_s8_in_place(&p, &table, &mut io);
                assert_eq!(
                    io[..pixels * od],
                    want,
                    "in place, pixels {pixels} depth {d}"
                );
                in_place += 1;
            }
        }
        assert!(in_place > 20, "{in_place}");
    }

    #[test]
    fn row_kernel_matches_fully_connected_reference() {
        let mut r = Lcg(31);
        for i in 0..300 {
            let d = 8 * (1 + r.next(33));
            let od = 2 * (1 + r.next(9));
            let input = r.i8s(d);
            let weights = r.i8s(od * d);
            let limit = 1 << (16 + r.next(8));
            let bias: Vec<i32> = (0..od)
                .map(|_| r.next(2 * limit) as i32 - limit as i32)
                .collect();
            let (m, s) = fast_requant(&mut r, od);
            let rq = Requant {
                multiplier: &m,
                shift: &s,
            };
            let full = i % 3 == 0;
            let (zo, lo) = output_range(&mut r);
            let (lo, hi) = if full {
                (zo.min(-128), 127)
            } else {
                (lo, 127 - r.next(27) as i32)
            };
            let fp = FullyConnectedS8Params {
                batches: 1,
                input_depth: d,
                output_depth: od,
                output_offset: zo,
                activation_min: lo,
                activation_max: hi,
            };
            let mut want = vec![0i8; od];
            fully_connected_s8(&fp, &rq, &input, &weights, &bias, &mut want);
            let p = PointwiseS8Params {
                pixels: 1,
                input_depth: d,
                output_depth: od,
                output_offset: zo,
                activation_min: lo,
                activation_max: hi,
                fast_requant: true,
            };
            let mut table = vec![0; od / 2 * FcRow::pair_words(d / 4)];
            fc_row_table(&weights, &bias, &rq, d, zo, &mut table);
            let mut scratch = vec![0u32; d / 2];
            let mut got = vec![0x55i8; od];
            let scratch = bytemuck::cast_slice_mut(&mut scratch);
            fully_connected_row_s8(&p, &input, &table, &mut got, scratch);
            assert_eq!(got, want, "depth {d} channels {od}");
        }
    }

    #[test]
    fn pointwise_matches_fully_connected_reference() {
        check_pointwise(11, 300, false);
    }

    #[test]
    fn widened_pointwise_matches_fully_connected_reference() {
        check_pointwise(23, 400, true);
    }

    fn random_geometry(r: &mut Lcg, depthwise: bool) -> ConvGeometry {
        let (ih, iw) = (1 + r.next(9), 1 + r.next(9));
        let (kh, kw) = (1 + r.next(4), 1 + r.next(4));
        let d = 1 + r.next(10);
        ConvGeometry {
            batches: 1 + r.next(2),
            input_height: ih,
            input_width: iw,
            input_depth: d,
            output_height: 1 + r.next(6),
            output_width: 1 + r.next(6),
            output_depth: if depthwise { d } else { 1 + r.next(7) },
            filter_height: kh,
            filter_width: kw,
            filter_depth: if depthwise { 1 } else { d },
            stride_height: 1 + r.next(3),
            stride_width: 1 + r.next(3),
            dilation_height: 1 + r.next(2),
            dilation_width: if depthwise { 1 + r.next(2) } else { 1 },
            pad_height: r.next(3),
            pad_width: r.next(3),
        }
    }

    fn random_params(r: &mut Lcg, geometry: ConvGeometry) -> ConvQuantParams {
        let input_offset = r.next(256) as i32 - 127;
        let (output_offset, activation_min) = output_range(r);
        ConvQuantParams {
            geometry,
            input_offset,
            output_offset,
            activation_min,
            activation_max: 127 - r.next(27) as i32,
        }
    }

    /// A random output offset and activation minimum: a third of the time a fused ReLU (the
    /// minimum at the offset, so the kernels leave out the requantization's sign correction),
    /// else any offset and a minimum near −128.
    pub(crate) fn output_range(r: &mut Lcg) -> (i32, i32) {
        let zo = r.next(256) as i32 - 128;
        let lo = if r.next(3) == 0 {
            zo.min(100)
        } else {
            -128 + r.next(50) as i32
        };
        (zo, lo)
    }

    #[test]
    fn rows_conv_matches_reference() {
        let mut r = Lcg(5);
        for _ in 0..400 {
            let g = random_geometry(&mut r, false);
            let p = random_params(&mut r, g);
            let input = r.i8s(g.batches * g.input_height * g.input_width * g.input_depth);
            let weights = r.i8s(g.output_depth * g.filter_height * g.filter_width * g.filter_depth);
            let bias: Vec<i32> = (0..g.output_depth)
                .map(|_| r.next(40000) as i32 - 20000)
                .collect();
            let (m, s) = r.requant(g.output_depth);
            let rq = Requant {
                multiplier: &m,
                shift: &s,
            };
            let n = g.batches * g.output_height * g.output_width * g.output_depth;
            let mut want = vec![0i8; n];
            conv_2d_s8(&p, &rq, &input, &weights, &bias, &mut want);
            let mut got = vec![0i8; n];
            conv_2d_rows_s8(&p, &rq, &input, &weights, &bias, &mut got);
            assert_eq!(got, want, "{g:?}");
        }
    }

    /// `[output_depth][k]` weights zero-padded to `kp` per channel and paired by word.
    fn im2col_weights(weights: &[i8], od: usize, k: usize, kp: usize) -> Vec<i32> {
        let mut padded = vec![0i8; od * kp];
        for c in 0..od {
            padded[c * kp..c * kp + k].copy_from_slice(&weights[c * k..(c + 1) * k]);
        }
        pointwise_weights(&padded, od, kp)
    }

    /// A fast-domain requantization: right shifts only.
    fn fast_requant(r: &mut Lcg, n: usize) -> (Vec<i32>, Vec<i8>) {
        let m = (0..n).map(|_| (1 << 30) + r.next(1 << 30) as i32).collect();
        let s = (0..n).map(|_| -1 - r.next(16) as i8).collect();
        (m, s)
    }

    /// The zero-padded `[output_depth][kp]` weights of the im2col kernels.
    pub(crate) fn padded_weights(weights: &[i8], od: usize, k: usize, kp: usize) -> Vec<i8> {
        let mut out = vec![0i8; od * kp];
        for (dst, src) in out.chunks_exact_mut(kp).zip(weights.chunks_exact(k)) {
            dst[..k].copy_from_slice(src);
        }
        out
    }

    /// A random convolution for the im2col kernels: sometimes one input channel, sometimes
    /// rows of whole words (the quads' direct widening).
    pub(crate) fn im2col_geometry(r: &mut Lcg) -> ConvGeometry {
        let mut g = random_geometry(r, false);
        match r.next(4) {
            0 => {
                g.input_depth = 1;
                g.filter_depth = 1;
            }
            1 => {
                g.input_depth = 4 * (1 + r.next(3));
                g.filter_depth = g.input_depth;
            }
            _ => {}
        }
        g
    }

    /// A random im2col convolution: data, requantization (biases in `±bias / 2`) and TFLM's
    /// output by the reference kernel.
    pub(crate) struct Im2colCase {
        pub(crate) p: ConvQuantParams,
        pub(crate) input: Vec<i8>,
        pub(crate) weights: Vec<i8>,
        pub(crate) bias: Vec<i32>,
        pub(crate) m: Vec<i32>,
        pub(crate) s: Vec<i8>,
        pub(crate) want: Vec<i8>,
    }

    impl Im2colCase {
        pub(crate) fn new(r: &mut Lcg, g: ConvGeometry, bias: usize) -> Self {
            let p = random_params(r, g);
            let input = r.i8s(g.batches * g.input_height * g.input_width * g.input_depth);
            let weights = r.i8s(g.output_depth * Self::k(&g));
            let bias: Vec<i32> = (0..g.output_depth)
                .map(|_| r.next(bias) as i32 - (bias / 2) as i32)
                .collect();
            let (m, s) = fast_requant(r, g.output_depth);
            let rq = Requant {
                multiplier: &m,
                shift: &s,
            };
            let mut want = vec![0; g.batches * g.output_height * g.output_width * g.output_depth];
            conv_2d_s8(&p, &rq, &input, &weights, &bias, &mut want);
            Im2colCase {
                p,
                input,
                weights,
                bias,
                m,
                s,
                want,
            }
        }

        fn k(g: &ConvGeometry) -> usize {
            g.filter_height * g.filter_width * g.filter_depth
        }

        fn rq(&self) -> Requant<'_> {
            Requant {
                multiplier: &self.m,
                shift: &self.s,
            }
        }

        /// The weights of [`conv_im2col_s8`].
        fn packed(&self) -> Vec<i32> {
            let g = &self.p.geometry;
            im2col_weights(&self.weights, g.output_depth, Self::k(g), im2col_depth(g))
        }

        /// The table of [`conv_im2col_quads_s8`].
        fn table(&self) -> Vec<i32> {
            let g = &self.p.geometry;
            let kp = im2col_depth(g);
            let padded = padded_weights(&self.weights, g.output_depth, Self::k(g), kp);
            quad_table(&padded, &self.bias, (&self.m, &self.s), kp).expect("in range")
        }
    }

    #[test]
    fn im2col_conv_matches_reference() {
        let mut r = Lcg(29);
        for i in 0..600 {
            let g = im2col_geometry(&mut r);
            let c = Im2colCase::new(&mut r, g, 40000);
            let mut got = vec![0i8; c.want.len()];
            if i % 2 == 0 {
                let mut scratch = vec![0u32; im2col_scratch_bytes(&g) / 4 + 1];
                let scratch = bytemuck::cast_slice_mut(&mut scratch);
                let packed = c.packed();
                conv_im2col_s8(&c.p, &c.rq(), &c.input, &packed, &c.bias, &mut got, scratch);
            } else {
                let mut scratch = vec![0u32; im2col_quad_scratch_bytes(&g) / 4 + 1];
                let scratch = bytemuck::cast_slice_mut(&mut scratch);
                conv_im2col_quads_s8(&c.p, &c.input, &c.table(), &mut got, scratch);
            }
            assert_eq!(got, c.want, "{g:?}");
        }
    }

    /// The compiler's condition for the in-place im2col kernels: every group of `group` pixels
    /// has either the output's tail or the input's head free for its `need` bytes of scratch.
    fn in_place_ok(g: &ConvGeometry, need: usize, group: usize) -> bool {
        let pixels = g.output_height * g.output_width;
        let out_len = pixels * g.output_depth;
        let first = |q: usize| {
            let (oy, ox) = (q / g.output_width, q % g.output_width);
            let y0 = (oy * g.stride_height) as isize - g.pad_height as isize;
            let x0 = (ox * g.stride_width) as isize - g.pad_width as isize;
            let (fy0, fy1) = tap_range(y0, g.dilation_height, g.filter_height, g.input_height);
            let (fx0, fx1) = tap_range(x0, 1, g.filter_width, g.input_width);
            if fy0 == fy1 || fx0 == fx1 {
                return usize::MAX;
            }
            let iy = (y0 + (fy0 * g.dilation_height) as isize) as usize;
            (iy * g.input_width + (x0 + fx0 as isize) as usize) * g.input_depth
        };
        let mut min_from = vec![usize::MAX; pixels + 1];
        for q in (0..pixels).rev() {
            min_from[q] = min_from[q + 1].min(first(q));
        }
        let input_len = g.input_height * g.input_width * g.input_depth;
        let free_from = out_len.saturating_sub(need) & !3;
        (0..pixels).step_by(group).all(|px| {
            (px + group) * g.output_depth <= free_from
                || (min_from[px] >= need && need <= input_len)
        })
    }

    #[test]
    fn im2col_conv_in_place_matches_reference() {
        let mut r = Lcg(31);
        let mut tested = 0;
        while tested < 300 {
            let quads = tested % 2 == 1;
            let mut g = im2col_geometry(&mut r);
            g.batches = 1;
            g.input_height = 4 + r.next(20);
            g.input_width = 4 + r.next(20);
            g.output_depth = 1 + r.next(12);
            let (need, group) = if quads {
                (im2col_quad_scratch_bytes(&g), 4)
            } else {
                (im2col_scratch_bytes(&g), 2)
            };
            if !in_place_ok(&g, need, group) {
                continue;
            }
            tested += 1;
            let c = Im2colCase::new(&mut r, g, 4000);
            let (n, want) = (c.want.len(), &c.want);
            // Word-aligned buffers, as arena regions are.
            let mut out_words = vec![0u32; n.div_ceil(4)];
            let mut in_words = vec![0u32; c.input.len().div_ceil(4)];
            let got: &mut [i8] = &mut bytemuck::cast_slice_mut(&mut out_words)[..n];
            let inp: &mut [i8] = &mut bytemuck::cast_slice_mut(&mut in_words)[..c.input.len()];
            inp.copy_from_slice(&c.input);
            if quads {
                conv_im2col_quads_s8_in_place(&c.p, &c.table(), got, inp);
            } else {
                conv_im2col_s8_in_place(&c.p, &c.rq(), &c.packed(), &c.bias, got, inp);
            }
            assert_eq!(&got[..], &want[..], "{g:?}");
        }
    }

    /// The table of [`conv_small_s8`] (the compiler's `relayout::small_window_table`).
    fn small_table(
        weights: &[i8],
        g: &ConvGeometry,
        bias: &[i32],
        m: &[i32],
        s: &[i8],
        zo: i32,
    ) -> Vec<u32> {
        let run = g.filter_width * g.filter_depth;
        let per = g.filter_height * run;
        let lanes = |a: i8, b: i8| (a as i16 as u16 as u32) | ((b as i16 as u16 as u32) << 16);
        let mut t = Vec::new();
        for c in 0..g.output_depth {
            t.push(bias[c] as u32);
            for r in 0..3 {
                let w = |j: usize| {
                    if r < g.filter_height && j < run {
                        weights[c * per + r * run + j]
                    } else {
                        0
                    }
                };
                t.push(lanes(w(0), w(2)));
                t.push(lanes(w(1), w(3)));
            }
            t.push((m[c] as u32).wrapping_shl(1));
            t.push(((!s[c]) as u8 as u32) | (((1 + 2 * zo) as u32) << 8));
        }
        t
    }

    #[test]
    fn small_window_conv_matches_reference() {
        let mut r = Lcg(37);
        let mut tested = 0;
        while tested < 400 {
            let mut g = random_geometry(&mut r, false);
            g.filter_height = 1 + r.next(3);
            g.input_depth = 1 + r.next(2);
            g.filter_depth = g.input_depth;
            g.filter_width = 1 + r.next(4 / g.input_depth);
            if !small_window_fits(&g) {
                continue;
            }
            tested += 1;
            let p = random_params(&mut r, g);
            let input = r.i8s(g.batches * g.input_height * g.input_width * g.input_depth);
            let k = g.filter_height * g.filter_width * g.filter_depth;
            let weights = r.i8s(g.output_depth * k);
            let bias: Vec<i32> = (0..g.output_depth)
                .map(|_| r.next(40000) as i32 - 20000)
                .collect();
            let (m, s) = fast_requant(&mut r, g.output_depth);
            let rq = Requant {
                multiplier: &m,
                shift: &s,
            };
            let n = g.batches * g.output_height * g.output_width * g.output_depth;
            let mut want = vec![0i8; n];
            conv_2d_s8(&p, &rq, &input, &weights, &bias, &mut want);
            let table = small_table(&weights, &g, &bias, &m, &s, p.output_offset);
            let mut got = vec![0i8; n];
            conv_small_s8(&p, bytemuck::cast_slice(&table), &input, &mut got);
            assert_eq!(got, want, "{g:?}");
        }
    }

    #[test]
    fn rows_conv_runs_depthwise_with_one_input_channel() {
        let mut r = Lcg(9);
        for _ in 0..200 {
            let mut g = random_geometry(&mut r, true);
            g.input_depth = 1;
            g.output_depth = 1 + r.next(9);
            g.dilation_width = 1;
            let p = random_params(&mut r, g);
            let (kh, kw, od) = (g.filter_height, g.filter_width, g.output_depth);
            let input = r.i8s(g.batches * g.input_height * g.input_width);
            let weights = r.i8s(kh * kw * od);
            let bias: Vec<i32> = (0..od).map(|_| r.next(4000) as i32 - 2000).collect();
            let (m, s) = r.requant(od);
            let rq = Requant {
                multiplier: &m,
                shift: &s,
            };
            let n = g.batches * g.output_height * g.output_width * od;
            let mut want = vec![0i8; n];
            depthwise_conv_2d_s8(&p, &rq, &input, &weights, &bias, &mut want);
            // [1, kh, kw, od] → [od, kh, kw, 1]
            let mut t = vec![0i8; weights.len()];
            for k in 0..kh * kw {
                for c in 0..od {
                    t[c * kh * kw + k] = weights[k * od + c];
                }
            }
            let conv = ConvQuantParams {
                geometry: ConvGeometry {
                    filter_depth: 1,
                    ..g
                },
                ..p
            };
            let mut got = vec![0i8; n];
            conv_2d_rows_s8(&conv, &rq, &input, &t, &bias, &mut got);
            assert_eq!(got, want, "{g:?}");
        }
    }
}
