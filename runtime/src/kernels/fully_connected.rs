//! FULLY_CONNECTED: `output[b, o] = act(sum_i input[b, i] · weights[o, i] + bias[o])`.
//!
//! Layouts: `input` is `[batches, input_depth]`, `weights` is `[output_depth, input_depth]`
//! (TFLite's layout), `output` is `[batches, output_depth]`.

use super::conv::activation_f32;
use crate::quant::{
    multiply_by_quantized_multiplier, multiply_by_quantized_multiplier_i64, needs_sign_fix,
    requantize_fast_as,
};

/// Parameters of [`fully_connected_f32`].
#[derive(Clone, Copy, Debug)]
pub struct FullyConnectedF32Params {
    /// Rows of the input.
    pub batches: usize,
    /// Elements per input row (the dot-product length).
    pub input_depth: usize,
    /// Elements per output row.
    pub output_depth: usize,
    /// Lower clamp of the fused activation (`-inf` for none).
    pub activation_min: f32,
    /// Upper clamp of the fused activation (`+inf` for none).
    pub activation_max: f32,
}

/// Float fully connected layer. `bias` is empty or has `output_depth` elements.
///
/// Sums in input order starting from zero and adds the bias last, as TFLM's reference kernel does,
/// so results are bit-identical.
pub fn fully_connected_f32(
    p: &FullyConnectedF32Params,
    input: &[f32],
    weights: &[f32],
    bias: &[f32],
    output: &mut [f32],
) {
    let depth = p.input_depth.max(1);
    for (in_row, out_row) in input
        .chunks_exact(depth)
        .zip(output.chunks_exact_mut(p.output_depth.max(1)))
        .take(p.batches)
    {
        for (o, (out, w_row)) in out_row
            .iter_mut()
            .zip(weights.chunks_exact(depth))
            .enumerate()
        {
            let mut total = 0.0f32;
            for (x, w) in in_row.iter().zip(w_row) {
                total += x * w;
            }
            total += bias.get(o).copied().unwrap_or(0.0);
            *out = activation_f32(total, p.activation_min, p.activation_max);
        }
    }
}

/// Parameters of [`fully_connected_s8`].
///
/// The input zero point is folded into `bias` at compile time
/// (`bias'[o] = bias[o] − input_zero_point · Σ_i weights[o, i]`), so the kernel only
/// accumulates raw products. Weights are symmetric (zero point 0).
#[derive(Clone, Copy, Debug)]
pub struct FullyConnectedS8Params {
    /// Rows of the input.
    pub batches: usize,
    /// Elements per input row (the dot-product length).
    pub input_depth: usize,
    /// Elements per output row.
    pub output_depth: usize,
    /// Output zero point, added after requantization.
    pub output_offset: i32,
    /// Lower clamp (quantized) of the fused activation.
    pub activation_min: i32,
    /// Upper clamp (quantized) of the fused activation.
    pub activation_max: i32,
}

/// Per-channel or per-tensor requantization constants.
///
/// With one element the values apply to every output channel; otherwise there is one per channel.
#[derive(Clone, Copy, Debug)]
pub struct Requant<'a> {
    /// Q0.31 significands.
    pub multiplier: &'a [i32],
    /// Power-of-two exponents (TFLite's are in `-31..=30`).
    pub shift: &'a [i8],
}

impl Requant<'_> {
    /// Multiplier and shift of output channel `c`.
    #[inline(always)]
    pub fn channel(&self, c: usize) -> (i32, i32) {
        let i = if self.multiplier.len() == 1 { 0 } else { c };
        (
            self.multiplier.get(i).copied().unwrap_or(0),
            self.shift.get(i).copied().map_or(0, i32::from),
        )
    }
}

/// int8 fully connected layer with int32 bias, bit-exact with TFLM's reference kernel.
#[inline]
pub fn fully_connected_s8(
    p: &FullyConnectedS8Params,
    rq: &Requant<'_>,
    input: &[i8],
    weights: &[i8],
    bias: &[i32],
    output: &mut [i8],
) {
    each_output_s8(p, input, weights, bias, output, |x, w, b, o| {
        let mut acc = b;
        for (x, w) in x.iter().zip(w) {
            acc = acc.wrapping_add(i32::from(*x) * i32::from(*w));
        }
        let (m, s) = rq.channel(o);
        multiply_by_quantized_multiplier(acc, m, s).wrapping_add(p.output_offset)
    });
}

/// The loops of the int8 fully connected kernels: `value(x_row, w_row, bias, channel)` gives
/// each output before the activation's clamp.
#[inline(always)]
fn each_output_s8(
    p: &FullyConnectedS8Params,
    input: &[i8],
    weights: &[i8],
    bias: &[i32],
    output: &mut [i8],
    value: impl Fn(&[i8], &[i8], i32, usize) -> i32,
) {
    let depth = p.input_depth.max(1);
    for (in_row, out_row) in input
        .chunks_exact(depth)
        .zip(output.chunks_exact_mut(p.output_depth.max(1)))
        .take(p.batches)
    {
        for (o, ((out, w_row), b)) in out_row
            .iter_mut()
            .zip(weights.chunks_exact(depth))
            .zip(bias)
            .enumerate()
        {
            let v = value(in_row, w_row, *b, o);
            *out = v.max(p.activation_min).min(p.activation_max) as i8;
        }
    }
}

/// [`fully_connected_s8`] with the short requantization
/// ([`requantize_fast`](crate::quant::requantize_fast): one `smmulr`, two shifts and two adds
/// instead of a 64-bit multiply and a rounding division) and four bytes per step where the depth
/// allows it, for small layers that LLVM inlines with constant dimensions. Bit-exact with the
/// reference kernel under the conditions the compiler proves at build time: every
/// `|bias| + 256 · Σ|w|` below [`FAST_ACC_LIMIT`](crate::quant::FAST_ACC_LIMIT), shifts in
/// `-31..=-1` and multipliers in `2^30..2^31`. The sign correction is dropped when the clamp
/// makes it moot ([`needs_sign_fix`]). `#[inline(always)]`: with plain `#[inline]` LLVM kept one
/// generic copy for microflow_sine's three layers, which ran 3,185 instructions where the
/// inlined reference kernel ran 2,042.
#[inline(always)]
pub fn fully_connected_small_s8(
    p: &FullyConnectedS8Params,
    rq: &Requant<'_>,
    input: &[i8],
    weights: &[i8],
    bias: &[i32],
    output: &mut [i8],
) {
    let fix = needs_sign_fix(p.output_offset, p.activation_min);
    let k = 1 + 2 * p.output_offset;
    each_output_s8(p, input, weights, bias, output, |x, w, b, o| {
        let (m, s) = rq.channel(o);
        requantize_fast_as(fix, dot_s8(x, w, b), m, s as i8, k)
    });
}

/// `acc + Σ x[i] · w[i]`, wrapping: four bytes per step where the length allows it.
#[inline(always)]
fn dot_s8(x: &[i8], w: &[i8], acc: i32) -> i32 {
    let mut acc = acc;
    if x.len().is_multiple_of(4) {
        let word = |c: &[i8]| u32::from_le_bytes([c[0] as u8, c[1] as u8, c[2] as u8, c[3] as u8]);
        for (x, w) in x.chunks_exact(4).zip(w.chunks_exact(4)) {
            acc = crate::arch::dot4_s8(word(x), word(w), acc);
        }
    } else {
        for (x, w) in x.iter().zip(w) {
            acc = acc.wrapping_add(i32::from(*x) * i32::from(*w));
        }
    }
    acc
}

/// Parameters of [`fully_connected_s16`] ("16x8": int16 activations, int8 weights, int64 bias,
/// all zero points 0, so there are no offsets).
#[derive(Clone, Copy, Debug)]
pub struct FullyConnectedS16Params {
    /// Rows of the input.
    pub batches: usize,
    /// Elements per input row (the dot-product length).
    pub input_depth: usize,
    /// Elements per output row.
    pub output_depth: usize,
    /// Lower clamp (quantized) of the fused activation.
    pub activation_min: i32,
    /// Upper clamp (quantized) of the fused activation.
    pub activation_max: i32,
}

/// int16 fully connected layer with int8 weights and int64 bias (empty or `output_depth`
/// elements), bit-exact with TFLM's reference kernel: 64-bit accumulator and TFLM's 64-bit
/// `MultiplyByQuantizedMultiplier`.
pub fn fully_connected_s16(
    p: &FullyConnectedS16Params,
    rq: &Requant<'_>,
    input: &[i16],
    weights: &[i8],
    bias: &[i64],
    output: &mut [i16],
) {
    let depth = p.input_depth.max(1);
    for (in_row, out_row) in input
        .chunks_exact(depth)
        .zip(output.chunks_exact_mut(p.output_depth.max(1)))
        .take(p.batches)
    {
        for (o, (out, w_row)) in out_row
            .iter_mut()
            .zip(weights.chunks_exact(depth))
            .enumerate()
        {
            let mut acc: i64 = 0;
            for (x, w) in in_row.iter().zip(w_row) {
                acc = acc.wrapping_add(i64::from(i32::from(*w) * i32::from(*x)));
            }
            acc = acc.wrapping_add(bias.get(o).copied().unwrap_or(0));
            let (m, s) = rq.channel(o);
            let v = multiply_by_quantized_multiplier_i64(acc, m, s);
            *out = v.max(p.activation_min).min(p.activation_max) as i16;
        }
    }
}

/// int16 fully connected layer with int8 weights and an int32 bias or none: TFLM accumulates
/// these in 32 bits (wrapping) and requantizes with the 32-bit `MultiplyByQuantizedMultiplier`.
pub fn fully_connected_acc32_s16(
    p: &FullyConnectedS16Params,
    rq: &Requant<'_>,
    input: &[i16],
    weights: &[i8],
    bias: &[i32],
    output: &mut [i16],
) {
    let depth = p.input_depth.max(1);
    for (in_row, out_row) in input
        .chunks_exact(depth)
        .zip(output.chunks_exact_mut(p.output_depth.max(1)))
        .take(p.batches)
    {
        for (o, (out, w_row)) in out_row
            .iter_mut()
            .zip(weights.chunks_exact(depth))
            .enumerate()
        {
            let mut acc: i32 = 0;
            for (x, w) in in_row.iter().zip(w_row) {
                acc = acc.wrapping_add(i32::from(*w) * i32::from(*x));
            }
            acc = acc.wrapping_add(bias.get(o).copied().unwrap_or(0));
            let (m, s) = rq.channel(o);
            let v = multiply_by_quantized_multiplier(acc, m, s);
            *out = v.max(p.activation_min).min(p.activation_max) as i16;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quant::tests::xorshift;

    /// The small-layer kernel against the reference on 20,000 pseudo-random layers inside the
    /// short requantization's bounds: 1 to 3 rows, depths 1 to 24 (multiples of four two times
    /// in three), 1 to 6 channels, per-tensor or per-channel constants, right shifts of 1 to 4
    /// in one layer of two (rounding ties are then frequent), and the full int8 range, a ReLU from
    /// the output offset or a narrow range, one time in three each.
    #[test]
    fn small_s8_matches_reference() {
        let mut next = xorshift(0x0f1e_2d3c_4b5a_6978);
        for _ in 0..20_000 {
            let d = if next(3) == 0 {
                1 + next(24) as usize
            } else {
                4 * (1 + next(6) as usize)
            };
            let (rows, od) = (1 + next(3) as usize, 1 + next(6) as usize);
            let x: Vec<i8> = (0..rows * d).map(|_| next(256) as u8 as i8).collect();
            let w: Vec<i8> = (0..d * od).map(|_| next(256) as u8 as i8).collect();
            let bias: Vec<i32> = (0..od).map(|_| next(1 << 16) as i32 - (1 << 15)).collect();
            let channels = if next(2) == 0 { 1 } else { od };
            let m: Vec<i32> = (0..channels)
                .map(|_| (1 << 30) + next(1 << 30) as i32)
                .collect();
            let range = if next(2) == 0 { 4 } else { 20 };
            let s: Vec<i8> = (0..channels).map(|_| -1 - next(range) as i8).collect();
            let rq = Requant {
                multiplier: &m,
                shift: &s,
            };
            let zo = next(256) as i32 - 128;
            let (lo, hi) = match next(3) {
                0 => (-128, 127),
                1 => (zo, 127),
                _ => (-128 + next(60) as i32, 127 - next(60) as i32),
            };
            let p = FullyConnectedS8Params {
                batches: rows,
                input_depth: d,
                output_depth: od,
                output_offset: zo,
                activation_min: lo,
                activation_max: hi,
            };
            let (mut want, mut got) = (vec![0i8; rows * od], vec![0x33i8; rows * od]);
            fully_connected_s8(&p, &rq, &x, &w, &bias, &mut want);
            fully_connected_small_s8(&p, &rq, &x, &w, &bias, &mut got);
            assert_eq!(got, want, "{p:?} {rq:?}");
        }
    }

    #[test]
    fn float_matches_hand_computation() {
        let p = FullyConnectedF32Params {
            batches: 2,
            input_depth: 3,
            output_depth: 2,
            activation_min: f32::NEG_INFINITY,
            activation_max: f32::INFINITY,
        };
        let input = [1.0, 2.0, 3.0, -1.0, 0.5, 0.0];
        let weights = [0.5, -1.0, 2.0, 1.0, 1.0, 1.0];
        let bias = [0.25, -10.0];
        let mut out = [0.0; 4];
        fully_connected_f32(&p, &input, &weights, &bias, &mut out);
        assert_eq!(out, [4.75, -4.0, -0.75, -10.5]);
        let relu = FullyConnectedF32Params {
            activation_min: 0.0,
            activation_max: 6.0,
            ..p
        };
        fully_connected_f32(&relu, &input, &weights, &bias, &mut out);
        assert_eq!(out, [4.75, 0.0, 0.0, 0.0]);
    }

    #[test]
    fn int8_requantizes_and_clamps() {
        let p = FullyConnectedS8Params {
            batches: 1,
            input_depth: 2,
            output_depth: 2,
            output_offset: -3,
            activation_min: -128,
            activation_max: 127,
        };
        // multiplier 0.5
        let rq = Requant {
            multiplier: &[1 << 30],
            shift: &[0],
        };
        let mut out = [0i8; 2];
        fully_connected_s8(&p, &rq, &[10, -20], &[3, 1, 100, 100], &[5, 0], &mut out);
        // (5 + 30 - 20) * 0.5 = 7.5 -> 8, -3 -> 5 ; (1000 - 2000) * 0.5 = -500 -> clamp -128
        assert_eq!(out, [5, -128]);
    }

    #[test]
    fn int8_per_channel() {
        let p = FullyConnectedS8Params {
            batches: 2,
            input_depth: 2,
            output_depth: 2,
            output_offset: 1,
            activation_min: -128,
            activation_max: 127,
        };
        // channel 0 ×0.5, channel 1 ×2
        let rq = Requant {
            multiplier: &[1 << 30, 1 << 30],
            shift: &[0, 2],
        };
        let mut out = [0i8; 4];
        fully_connected_s8(&p, &rq, &[3, 4, -3, 0], &[1, 0, 0, 1], &[0, 1], &mut out);
        // b0: 3·0.5 = 1.5 → 2, +1 ; (4+1)·2 = 10, +1 ; b1: -1.5 → -1 (negative tie), +1 ; 1·2 +1
        assert_eq!(out, [3, 11, 0, 3]);
    }

    #[test]
    fn int16x8_uses_64_bit_accumulator_and_clamps() {
        let p = FullyConnectedS16Params {
            batches: 1,
            input_depth: 3,
            output_depth: 2,
            activation_min: -32768,
            activation_max: 1000,
        };
        let rq = Requant {
            multiplier: &[1 << 30],
            shift: &[-20],
        }; // 2^-21
        let mut out = [0i16; 2];
        // 3 · 32767 · 127 + 2^32 overflows int32: (12484227 + 4294967296) / 2^21 = 2053.95… → 2054 → clamp 1000
        // second row: -(3·32767·127) / 2^21 = -5.95… → -6
        fully_connected_s16(
            &p,
            &rq,
            &[32767; 3],
            &[127, 127, 127, -127, -127, -127],
            &[1 << 32, 0],
            &mut out,
        );
        assert_eq!(out, [1000, -6]);
        let wide = FullyConnectedS16Params {
            activation_max: 32767,
            ..p
        };
        fully_connected_s16(
            &wide,
            &rq,
            &[32767; 3],
            &[127, 127, 127, -127, -127, -127],
            &[],
            &mut out,
        );
        assert_eq!(out, [6, -6]);
    }

    #[test]
    fn int16x8_with_32_bit_bias() {
        let p = FullyConnectedS16Params {
            batches: 1,
            input_depth: 1,
            output_depth: 2,
            activation_min: -32768,
            activation_max: 32767,
        };
        let rq = Requant {
            multiplier: &[1 << 30],
            shift: &[-1],
        }; // ×0.25
        let mut out = [0i16; 2];
        // -10 × 0.25 = -2.5 → -3 (double rounding, ties away from zero); 10 × 0.25 + 4 × 0.25 = 3.5 → 4
        fully_connected_acc32_s16(&p, &rq, &[10], &[-1, 1], &[0, 4], &mut out);
        assert_eq!(out, [-3, 4]);
        fully_connected_s16(&p, &rq, &[10], &[-1, 1], &[0, 4], &mut out);
        assert_eq!(out, [-2, 4]);
    }
}
