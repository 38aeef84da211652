//! int8 DEPTHWISE_CONV_2D with a 3×3 filter, stride 1, no dilation, depth multiplier 1, at most
//! one row or column of padding before the input and a multiple of 4 output columns, over input
//! rows widened to 16 bits ([`crate::arch::dw3_rows`]), bit-exact with
//! [`super::conv::depthwise_conv_2d_s8`] (the tests below run both on random shapes and data).
//!
//! For each channel three input rows of that channel roll down the image in scratch, as 16-bit
//! lanes in the windows' coordinates: padding columns hold the input zero point (with the input
//! offset folded into the bias they add nothing, as TFLM skips them), rows above or below the
//! input are all zero point. Channels go in groups of four when their count is a multiple of 4
//! (one word load then reads a pixel's four channels, and each input row is widened once per
//! group), else one at a time. Four outputs of a row take three words of lanes per filter row:
//! `smlad` on the lane pairs with the weight pairs `(w0, w1)` or `(w1, w2)`, one halfword
//! multiply each for the remaining tap. No window is clipped, so border outputs cost what inside
//! ones do.
//!
//! The compiler lays out [`crate::arch::DW_ROWS_CHANNEL_WORDS`] words per channel (see there),
//! weights and biases doubled: requantization is [`crate::quant::requantize_doubled`] (three
//! instructions per output, four when [`crate::quant::needs_sign_fix`]), and the compiler only
//! picks this kernel when it has proven every accumulator lies in
//! [`crate::quant::requantize_fast`]'s domain and every right shift is at most
//! [`crate::quant::DOUBLED_MAX_SHIFT`].

use super::conv::ConvQuantParams;
use crate::arch::{clamp_bytes, dw3_rows, dw_rows_group, DwRows, DW_ROWS_CHANNEL_WORDS};
use crate::quant::needs_sign_fix;

/// Scratch bytes [`depthwise_3x3_rows_s8`] needs for `output_width` outputs per row and
/// `channels` channels: one unit of six words per four outputs, and one more, for each channel
/// widened at once (four when `channels` is a multiple of 4, else one; see
/// [`crate::arch::DwRows::group`]).
pub const fn dw_rows_scratch_bytes(output_width: usize, channels: usize) -> usize {
    24 * (output_width / 4 + 1) * dw_rows_group(channels)
}

/// The table [`depthwise_3x3_rows_s8`] expects ([`crate::arch::DW_ROWS_CHANNEL_WORDS`] words
/// per channel), from TFLite's `[1, 3, 3, channels]` weights, the bias (one per channel), the
/// input offset and per-channel multipliers and shifts (right shifts of at most
/// [`crate::quant::DOUBLED_MAX_SHIFT`]), written into `out`. The compiler builds the same at
/// build time (`kiln_compiler::ops::depthwise_conv_2d`); this copy is the contract for the
/// tests. Writes the first channels that fit in `out`; nothing if `weights`, `multiplier` or
/// `shift` hold fewer than `bias` does.
pub fn dw_rows_table(
    weights: &[i8],
    bias: &[i32],
    input_offset: i32,
    (multiplier, shift): (&[i32], &[i8]),
    out: &mut [i32],
) {
    let ch = bias.len();
    if weights.len() < 9 * ch || multiplier.len() < ch || shift.len() < ch {
        return;
    }
    let pair = |a: i16, b: i16| (a as u16 as u32 | (b as u16 as u32) << 16) as i32;
    let channels = out.chunks_exact_mut(DW_ROWS_CHANNEL_WORDS).zip(bias);
    for (c, (t, b)) in channels.enumerate() {
        let w = |tap: usize| 2 * i16::from(weights[tap * ch + c]);
        for (i, r) in [0, 1, 2, 0, 1].into_iter().enumerate() {
            let (w0, w1, w2) = (w(3 * r), w(3 * r + 1), w(3 * r + 2));
            t[3 * i..3 * i + 3].copy_from_slice(&[pair(w0, w1), pair(w1, w2), pair(w2, w0)]);
        }
        // The doubled weights sum to twice the weight sum.
        let sum: i32 = (0..9).map(|tap| i32::from(w(tap))).sum();
        t[15] = 2 * b + input_offset * sum;
        t[16] = multiplier[c];
        t[17] = -i32::from(shift[c]);
    }
}

/// int8 DEPTHWISE_CONV_2D as the module documentation describes, with the table laid out per
/// channel as [`crate::arch::DW_ROWS_CHANNEL_WORDS`] says and `scratch` of at least
/// [`dw_rows_scratch_bytes`] bytes, word-aligned. Every accumulator must lie in
/// [`crate::quant::requantize_fast`]'s domain and every right shift be at most
/// [`crate::quant::DOUBLED_MAX_SHIFT`] (the compiler checks both). Bit-exact with
/// [`super::conv::depthwise_conv_2d_s8`]; does nothing if the geometry is not one it handles or
/// a slice is too short.
pub fn depthwise_3x3_rows_s8(
    p: &ConvQuantParams,
    table: &[i32],
    input: &[i8],
    output: &mut [i8],
    scratch: &mut [u8],
) {
    let g = &p.geometry;
    let r = DwRows {
        channels: g.input_depth,
        input_height: g.input_height,
        input_width: g.input_width,
        output_height: g.output_height,
        output_width: g.output_width,
        pad_top: g.pad_height,
        pad_left: g.pad_width,
        zero: -p.input_offset,
        k: 1 + 2 * p.output_offset,
    };
    let image = g.input_height * g.input_width * g.input_depth;
    let frame = g.output_height * g.output_width * g.output_depth;
    if (g.filter_height, g.filter_width) != (3, 3)
        || (g.stride_height, g.stride_width) != (1, 1)
        || (g.dilation_height, g.dilation_width) != (1, 1)
        || g.output_depth != g.input_depth
        || image == 0
        || frame == 0
    {
        return;
    }
    let Some(Ok(blocks)) = scratch
        .get_mut(..dw_rows_scratch_bytes(g.output_width, g.input_depth))
        .map(bytemuck::try_cast_slice_mut::<u8, u32>)
    else {
        return;
    };
    let table: &[u32] = bytemuck::cast_slice(table);
    let x: &[u8] = bytemuck::cast_slice(input);
    for (img, out) in x
        .chunks_exact(image)
        .zip(output.chunks_exact_mut(frame))
        .take(g.batches)
    {
        let rows = if needs_sign_fix(p.output_offset, p.activation_min) {
            dw3_rows::<true>
        } else {
            dw3_rows::<false>
        };
        rows(&r, table, img, blocks, out);
    }
    // A fused activation narrower than int8, after the int8 saturation (the same result).
    let (lo, hi) = (p.activation_min, p.activation_max);
    if lo > -128 || hi < 127 {
        if let Some(v) = output.get_mut(..g.batches * frame) {
            clamp_bytes(v, lo, hi);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::conv::{depthwise_conv_2d_s8, ConvGeometry};
    use crate::kernels::Requant;

    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u32 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 >> 16) as u32
        }
        fn below(&mut self, n: usize) -> usize {
            self.next() as usize % n
        }
        fn byte(&mut self) -> i8 {
            self.next() as u8 as i8
        }
    }

    #[test]
    fn matches_the_reference_kernel() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let mut cases = 0;
        while cases < 600 {
            let ch = 1 + rng.below(12);
            let ow = 4 * (1 + rng.below(4));
            let same = rng.below(2) == 0;
            let oh = 1 + rng.below(8);
            let (pad, ih, iw) = if same {
                (1, oh, ow)
            } else {
                (0, oh + 2, ow + 2)
            };
            let batches = 1 + rng.below(2);
            let geometry = ConvGeometry {
                batches,
                input_height: ih,
                input_width: iw,
                input_depth: ch,
                output_height: oh,
                output_width: ow,
                output_depth: ch,
                filter_height: 3,
                filter_width: 3,
                filter_depth: 1,
                stride_height: 1,
                stride_width: 1,
                dilation_height: 1,
                dilation_width: 1,
                pad_height: pad,
                pad_width: pad,
            };
            let narrow = rng.below(4) == 0;
            let (input_offset, output_offset) =
                (rng.below(256) as i32 - 127, rng.below(256) as i32 - 128);
            // A third of the cases a fused ReLU: no sign correction in the requantization.
            let relu = rng.below(3) == 0;
            let p = ConvQuantParams {
                geometry,
                input_offset,
                output_offset,
                activation_min: match (relu, narrow) {
                    (true, _) => output_offset.min(100),
                    (false, true) => -100,
                    (false, false) => -128,
                },
                activation_max: if narrow { 110 } else { 127 },
            };
            let weights: Vec<i8> = (0..9 * ch).map(|_| rng.byte()).collect();
            let bias: Vec<i32> = (0..ch).map(|_| rng.below(40_000) as i32 - 20_000).collect();
            // Multipliers in [2^30, 2^31) and shifts that keep most outputs in range.
            let multiplier: Vec<i32> = (0..ch)
                .map(|_| (1 << 30) + (rng.next() as i32 & 0x3fff_ffff))
                .collect();
            let shift: Vec<i8> = (0..ch).map(|_| -(7 + rng.below(6) as i8)).collect();
            let input: Vec<i8> = (0..batches * ih * iw * ch).map(|_| rng.byte()).collect();
            let mut table = vec![0; ch * DW_ROWS_CHANNEL_WORDS];
            let rq = (&multiplier[..], &shift[..]);
            dw_rows_table(&weights, &bias, p.input_offset, rq, &mut table);
            let rq = Requant {
                multiplier: &multiplier,
                shift: &shift,
            };
            let n = batches * oh * ow * ch;
            let mut want = vec![0i8; n];
            depthwise_conv_2d_s8(&p, &rq, &input, &weights, &bias, &mut want);
            let mut got = vec![0x55i8; n];
            let mut scratch = vec![0xdead_beefu32; dw_rows_scratch_bytes(ow, ch) / 4];
            let scratch = bytemuck::cast_slice_mut(&mut scratch);
            depthwise_3x3_rows_s8(&p, &table, &input, &mut got, scratch);
            assert_eq!(
                got, want,
                "case {cases}: {ch} channels, {ih}×{iw}, same {same}"
            );
            cases += 1;
        }
    }
}
