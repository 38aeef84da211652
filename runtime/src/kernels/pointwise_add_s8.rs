//! An int8 1×1 CONV_2D of input depth 8 fused with the ADD that sums its output with a residual
//! tensor (the end of a residual block), bit-exact with [`super::conv::conv_2d_s8`] followed by
//! [`super::elementwise::add_s8`] (the tests below run both on random layers and data).
//!
//! Pixel by pixel, the eight inputs are widened once into four registers of 16-bit lanes; each
//! output channel is then four `smlad` from its bias (the input offset folded in), requantized to
//! the convolution's int8 output `y` as TFLM does, and added to the residual byte `r` the way
//! TFLM's ADD does: both inputs are shifted left by 20 and rescaled to twice the larger input
//! scale. The compiler only fuses when the convolution's output has the larger scale, so its
//! rescaling is the exact halving `(y + offset) << 19`; the residual's rescaled value depends on
//! its byte only, so the compiler tabulates it for all 256 bytes (with the convolution side's
//! `offset << 19` added). What remains per output is one table read, one shifted add and the
//! output requantization, written over the residual byte, which no later operator reads. The
//! convolution's output tensor is never written.
//!
//! Every rescaling is [`crate::quant::requantize_fast`], computed on doubled sums as
//! [`crate::quant::requantize_doubled`] (the tables hold doubled weights, biases and residual
//! words): the compiler proves each in its domain, as for the unfused kernels, with right shifts
//! of at most [`crate::quant::DOUBLED_MAX_SHIFT`].

use crate::arch::pointwise_add;
pub use crate::arch::{POINTWISE_ADD_CHANNEL_WORDS, POINTWISE_ADD_DEPTH};

use super::elementwise::AddSubS8FastParams;
use crate::quant::doubled_k;

/// Parameters of [`pointwise_add_s8`].
#[derive(Clone, Copy, Debug)]
pub struct PointwiseAddS8Params {
    /// Pixels of the convolution's input, of the residual and of the output (batches × rows ×
    /// columns).
    pub pixels: usize,
}

/// The convolution of a fused layer as [`pointwise_add_table`] takes it.
#[derive(Clone, Copy, Debug)]
pub struct PointwiseAddConv<'a> {
    /// int8 weights, `[channels][8]`.
    pub weights: &'a [i8],
    /// int32 bias, one per channel.
    pub bias: &'a [i32],
    /// `−input_zero_point`.
    pub input_offset: i32,
    /// Per-channel multipliers (`[2^30, 2^31)`).
    pub multiplier: &'a [i32],
    /// Per-channel shifts (`-31..=-1`).
    pub shift: &'a [i8],
    /// The convolution's output zero point.
    pub output_offset: i32,
}

/// Words of the residual table of [`pointwise_add_s8`]: one per int8 value.
pub const POINTWISE_ADD_RESIDUAL_WORDS: usize = 256;

/// The table of [`pointwise_add_s8`] (laid out as [`POINTWISE_ADD_CHANNEL_WORDS`] says) for a
/// convolution and the ADD that takes its output as input 2 and the residual as input 1
/// (`add.input2` must be the exact halving, multiplier 0), written into `out`
/// ([`POINTWISE_ADD_CHANNEL_WORDS`] words per channel). The compiler builds the same at build
/// time (`kiln_compiler::ops::fuse`); this copy is the contract for the tests. Writes nothing if
/// a slice is too short.
pub fn pointwise_add_table(c: &PointwiseAddConv<'_>, add: &AddSubS8FastParams, out: &mut [i32]) {
    let channels = c.bias.len();
    let words = out
        .as_chunks_mut::<POINTWISE_ADD_CHANNEL_WORDS>()
        .0
        .iter_mut();
    let per_channel = c
        .weights
        .as_chunks::<POINTWISE_ADD_DEPTH>()
        .0
        .iter()
        .zip(c.bias)
        .zip(c.multiplier)
        .zip(c.shift);
    // Both lanes doubled.
    let pair = |a: i8, b: i8| {
        (((2 * i16::from(a)) as u16 as u32) | ((2 * i16::from(b)) as u16 as u32) << 16) as i32
    };
    let (eo, ko) = (u32::from(add.output.1.unsigned_abs()), add.k);
    for (n, (t, (((w, b), m), s))) in words.zip(per_channel).take(channels).enumerate() {
        let sum: i32 = w.iter().map(|v| i32::from(*v)).sum();
        let e = u32::from(s.unsigned_abs());
        *t = [
            2 * (b + c.input_offset * sum),
            pair(w[0], w[2]),
            pair(w[1], w[3]),
            pair(w[4], w[6]),
            pair(w[5], w[7]),
            *m,
            doubled_k(1 + 2 * c.output_offset, e),
            e as i32,
            add.output.0,
            eo as i32,
            doubled_k(ko, eo),
            (channels - 1 - n) as i32,
        ];
    }
}

/// The residual table of [`pointwise_add_s8`]: for every int8 residual value `r` (at `r + 128`),
/// twice TFLM's rescaled input 1 of the ADD (`(r + input1_offset) << 20` times the input 1
/// multiplier, or the exact halving for multiplier 0) plus `input2_offset << 19`, the
/// convolution side's offset (doubled, as the kernel's sums are).
pub fn pointwise_add_residual(add: &AddSubS8FastParams) -> [i32; POINTWISE_ADD_RESIDUAL_WORDS] {
    let (m, s) = add.input1;
    core::array::from_fn(|i| {
        let v = i as i32 - 128 + add.input1_offset;
        let scaled = if m == 0 {
            v << 19
        } else {
            crate::quant::multiply_by_quantized_multiplier(v << 20, m, i32::from(s))
        };
        scaled.wrapping_add(add.input2_offset << 19).wrapping_shl(1)
    })
}

/// int8 1×1 CONV_2D of input depth 8 (`input`, `pixels × 8` bytes, word-aligned) fused with the
/// ADD of its output and the residual in `io`, which receives the ADD's output (see the module
/// documentation). `table` and `residual` are [`pointwise_add_table`]'s and
/// [`pointwise_add_residual`]'s layouts, built by the compiler. The ADD's activation is the full
/// int8 range, as is the convolution's. Does nothing if a slice is too short or misaligned or
/// the table is malformed.
pub fn pointwise_add_s8(
    p: &PointwiseAddS8Params,
    input: &[i8],
    table: &[i32],
    residual: &[i32],
    io: &mut [i8],
) {
    let Ok(x) = bytemuck::try_cast_slice::<i8, u32>(input) else {
        return;
    };
    pointwise_add(p.pixels, bytemuck::cast_slice(table), x, residual, io);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::conv::{conv_2d_s8, ConvGeometry, ConvQuantParams};
    use crate::kernels::conv_s8_fast::tests::Lcg;
    use crate::kernels::elementwise::{add_s8, AddSubQuantParams, Broadcast};
    use crate::kernels::Requant;

    /// A random value in `lo..=hi`.
    fn range(rng: &mut Lcg, lo: i32, hi: i32) -> i32 {
        lo + rng.next((hi - lo + 1) as usize) as i32
    }

    /// A random multiplier in `[2^30, 2^31)`.
    fn multiplier(rng: &mut Lcg) -> i32 {
        (1 << 30) + rng.next(1 << 30) as i32
    }

    #[test]
    fn matches_conv_then_add() {
        let mut rng = Lcg(0x2545_f491_4f6c_dd1d);
        for case in 0..400 {
            let (pixels, channels) = (1 + rng.next(20), 1 + rng.next(12));
            let x = rng.i8s(8 * pixels);
            let residual_in = rng.i8s(channels * pixels);
            // Narrow weights in some cases, so that the outputs do not all saturate.
            let wmax = [127, 40, 8][case % 3];
            let weights: Vec<i8> = (0..8 * channels)
                .map(|_| range(&mut rng, -wmax, wmax) as i8)
                .collect();
            let bias: Vec<i32> = (0..channels)
                .map(|_| range(&mut rng, -5000, 5000))
                .collect();
            let m: Vec<i32> = (0..channels).map(|_| multiplier(&mut rng)).collect();
            let s: Vec<i8> = (0..channels)
                .map(|_| -(range(&mut rng, 7, 14) as i8))
                .collect();
            let (in_zp, y_zp) = (range(&mut rng, -128, 127), range(&mut rng, -128, 127));
            // The ADD: input 2 (the convolution's output) has the larger scale, so its
            // multiplier is the halving; input 1 is rescaled by `m1 · 2^s1` below one half.
            let (r_zp, o_zp) = (range(&mut rng, -128, 127), range(&mut rng, -128, 127));
            let equal = case % 5 == 0;
            let input1 = if equal {
                (0, 0)
            } else {
                (multiplier(&mut rng), -(range(&mut rng, 1, 3) as i8))
            };
            // Equal input scales and an output scale of a power of two times theirs, in every
            // other such case: the ADD's sum is then exactly `(r − r_zp + y − y_zp) · 2^18`, so
            // every odd (or 2 mod 4, or 4 mod 8) sum is a rounding tie and the ADD's sign
            // correction is checked.
            let output = if equal && case % 2 == 0 {
                (1 << 30, -(range(&mut rng, 19, 21) as i8))
            } else {
                (multiplier(&mut rng), -(range(&mut rng, 17, 21) as i8))
            };
            let fast = AddSubS8FastParams {
                input1_offset: -r_zp,
                input2_offset: -y_zp,
                input1,
                input2: (0, 0),
                output,
                k: 1 + 2 * o_zp,
                activation_min: -128,
                activation_max: 127,
            };

            // The reference: CONV_2D into `y`, then ADD(residual, y).
            let geometry = ConvGeometry {
                batches: 1,
                input_height: 1,
                input_width: pixels,
                input_depth: 8,
                output_height: 1,
                output_width: pixels,
                output_depth: channels,
                filter_height: 1,
                filter_width: 1,
                filter_depth: 8,
                stride_height: 1,
                stride_width: 1,
                dilation_height: 1,
                dilation_width: 1,
                pad_height: 0,
                pad_width: 0,
            };
            let conv = ConvQuantParams {
                geometry,
                input_offset: -in_zp,
                output_offset: y_zp,
                activation_min: -128,
                activation_max: 127,
            };
            let rq = Requant {
                multiplier: &m,
                shift: &s,
            };
            let mut y = vec![0i8; channels * pixels];
            conv_2d_s8(&conv, &rq, &x, &weights, &bias, &mut y);
            let n = channels * pixels;
            let general = AddSubQuantParams {
                shape: Broadcast {
                    broadcast: false,
                    dims: [1, 1, 1, 1, 1, n],
                    strides1: [0; 6],
                    strides2: [0; 6],
                },
                input1_offset: -r_zp,
                input2_offset: -y_zp,
                left_shift: 20,
                input1_multiplier: if equal { 1 << 30 } else { input1.0 },
                input1_shift: i32::from(input1.1),
                input2_multiplier: 1 << 30,
                input2_shift: 0,
                output_multiplier: output.0,
                output_shift: i32::from(output.1),
                output_offset: o_zp,
                activation_min: -128,
                activation_max: 127,
            };
            let mut want = vec![0i8; n];
            add_s8(&general, &residual_in, &y, &mut want);

            // The fused kernel.
            let layer = PointwiseAddConv {
                weights: &weights,
                bias: &bias,
                input_offset: -in_zp,
                multiplier: &m,
                shift: &s,
                output_offset: y_zp,
            };
            let mut table = vec![0i32; POINTWISE_ADD_CHANNEL_WORDS * channels];
            pointwise_add_table(&layer, &fast, &mut table);
            let residual = pointwise_add_residual(&fast);
            let words: Vec<u32> = x
                .chunks_exact(4)
                .map(|b| u32::from_le_bytes([b[0] as u8, b[1] as u8, b[2] as u8, b[3] as u8]))
                .collect();
            let mut io = residual_in.clone();
            let input: &[i8] = bytemuck::cast_slice(&words);
            pointwise_add_s8(
                &PointwiseAddS8Params { pixels },
                input,
                &table,
                &residual,
                &mut io,
            );
            assert_eq!(
                io, want,
                "case {case}: {pixels} pixels, {channels} channels"
            );
        }
    }

    #[test]
    fn a_malformed_table_or_short_slice_does_nothing() {
        let x = [0u32; 4];
        let input: &[i8] = bytemuck::cast_slice(&x);
        let residual = [0i32; 256];
        let mut table = [0i32; 2 * POINTWISE_ADD_CHANNEL_WORDS];
        table[POINTWISE_ADD_CHANNEL_WORDS - 1] = 1;
        table[POINTWISE_ADD_CHANNEL_WORDS] = 5 << 8;
        let p = PointwiseAddS8Params { pixels: 2 };
        let mut io = [7i8; 4];
        pointwise_add_s8(&p, input, &table, &residual, &mut io);
        assert_ne!(io, [7; 4], "a well-formed call writes");
        let mut io = [7i8; 4];
        // The second channel's count word says one more channel follows.
        table[2 * POINTWISE_ADD_CHANNEL_WORDS - 1] = 1;
        pointwise_add_s8(&p, input, &table, &residual, &mut io);
        assert_eq!(io, [7; 4]);
        table[2 * POINTWISE_ADD_CHANNEL_WORDS - 1] = 0;
        let mut io = [7i8; 3];
        pointwise_add_s8(&p, input, &table, &residual, &mut io);
        assert_eq!(io, [7; 3]);
        pointwise_add_s8(&p, input, &table, &residual[..255], &mut [7i8; 4]);
    }
}
