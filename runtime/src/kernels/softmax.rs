//! SOFTMAX over the innermost dimension: `output[r, c] = exp(β·x[r, c]) / Σ_c exp(β·x[r, c])`.
//!
//! Layouts: `input` and `output` are `[rows, depth]` (all outer dimensions flattened).
//! The quantized kernels reproduce TFLM's reference kernels: int8 input uses gemmlowp's
//! fixed-point `exp` (Q5.26 differences, Q12.19 sum) and writes int8 (scale 1/256, zero point
//! −128) or int16 (scale 1/65536, zero point −32768); int16 input uses two 513-entry lookup
//! tables (`exp` on [−10, 0] and `1/(1+x)` on [0, 1]) built by the compiler.

use super::fixedpoint::{fx_mul, reciprocal, softmax_exp};
use crate::quant::{multiply_by_quantized_multiplier, rounding_divide_by_pot};

/// Parameters of [`softmax_f32`].
#[derive(Clone, Copy, Debug)]
pub struct SoftmaxF32Params {
    /// Number of rows (product of the outer dimensions).
    pub rows: usize,
    /// Elements per row (the innermost dimension).
    pub depth: usize,
    /// The `beta` option.
    pub beta: f32,
}

/// Float softmax, computed as TFLM does: subtract the row maximum, `exp`, divide by the sum.
pub fn softmax_f32(p: &SoftmaxF32Params, input: &[f32], output: &mut [f32]) {
    let depth = p.depth.max(1);
    for (in_row, out_row) in input
        .chunks_exact(depth)
        .zip(output.chunks_exact_mut(depth))
        .take(p.rows)
    {
        let max = in_row.iter().copied().fold(f32::MIN, f32::max);
        let mut sum = 0.0f32;
        for (x, y) in in_row.iter().zip(out_row.iter_mut()) {
            let e = super::math::expf((x - max) * p.beta);
            *y = e;
            sum += e;
        }
        for y in out_row.iter_mut() {
            *y /= sum;
        }
    }
}

/// Parameters of [`softmax_s8`] and [`softmax_s8_s16`].
#[derive(Clone, Copy, Debug)]
pub struct SoftmaxS8Params {
    /// Number of rows (product of the outer dimensions).
    pub rows: usize,
    /// Elements per row (the innermost dimension).
    pub depth: usize,
    /// Q0.31 significand of `β · input_scale · 2^26` (TFLite's `PreprocessSoftmaxScaling`).
    pub input_multiplier: i32,
    /// Left shift that goes with `input_multiplier` (≥ 0).
    pub input_left_shift: i32,
    /// Differences from the row maximum below this contribute nothing (`−CalculateInputRadius`).
    pub diff_min: i32,
}

/// `exp` of an element's difference from its row maximum (`diff ≤ 0`), in Q0, or 0 below
/// `diff_min`: such an element adds nothing to the sum and its output is the minimum, exactly
/// what a zero exponent gives in both places (TFLM skips it instead).
#[inline(never)]
fn exp_of_diff(p: &SoftmaxS8Params, diff: i32) -> i32 {
    if diff < p.diff_min {
        return 0;
    }
    softmax_exp(diff, p.input_multiplier, p.input_left_shift)
}

/// Entries of the exponent table of [`softmax_s8_table`] for a layer's `diff_min`: one per
/// difference from 0 down to `diff_min` (an int8 difference is at least −255).
pub const fn softmax_exp_table_len(diff_min: i32) -> usize {
    let d = if diff_min < -255 { 255 } else { -diff_min };
    if d < 0 {
        1
    } else {
        d as usize + 1
    }
}

/// The exponent table of [`softmax_s8_table`]: entry `d` is the exponent of difference `−d`
/// ([`crate::kernels::fixedpoint::softmax_exp`]), for the [`softmax_exp_table_len`] differences
/// `0 ≥ −d ≥ diff_min`. The compiler builds it at build time with the same function.
pub fn softmax_exp_table(p: &SoftmaxS8Params, table: &mut [i32]) {
    let n = softmax_exp_table_len(p.diff_min);
    for (d, e) in table.iter_mut().take(n).enumerate() {
        *e = softmax_exp(-(d as i32), p.input_multiplier, p.input_left_shift);
    }
}

/// Conversion of a clamped softmax result to the output element type.
trait SoftmaxOut: Copy {
    /// Output bits (8 or 16).
    const BITS: u32;
    /// The (already clamped) value.
    fn from_i32(v: i32) -> Self;
}

impl SoftmaxOut for i8 {
    const BITS: u32 = 8;
    fn from_i32(v: i32) -> Self {
        v as i8
    }
}

impl SoftmaxOut for i16 {
    const BITS: u32 = 16;
    fn from_i32(v: i32) -> Self {
        v as i16
    }
}

/// TFLM's int8 softmax: the sum of the exponents in Q12.19 (each rescaled from Q0), its
/// reciprocal, then each exponent times the reciprocal, shifted to the output's bits.
fn softmax_s8_impl<O: SoftmaxOut>(
    p: &SoftmaxS8Params,
    input: &[i8],
    output: &mut [O],
    exp_of_diff: impl Fn(i32) -> i32,
) {
    const ACCUMULATION_INTEGER_BITS: i32 = 12;
    // Opaque, so that the loops over a row stay loops where the layer's parameters are constant
    // (a row is a few classes: not worth unrolling).
    let depth = core::hint::black_box(p.depth).max(1);
    let out_min = -(1i32 << (O::BITS - 1));
    let out_max = (1i32 << (O::BITS - 1)) - 1;
    for (in_row, out_row) in input
        .chunks_exact(depth)
        .zip(output.chunks_exact_mut(depth))
        .take(p.rows)
    {
        let mut max = i8::MIN;
        for x in in_row {
            max = max.max(*x);
            // An empty barrier: LLVM does not unroll a loop with one on Armv7-M.
            core::hint::black_box(());
        }
        let max = i32::from(max);
        let mut sum: i32 = 0;
        for x in in_row {
            let e = exp_of_diff(i32::from(*x) - max);
            // Rescale from Q0 to Q12: a rounding right shift by 12.
            sum = sum.wrapping_add(rounding_divide_by_pot(e, ACCUMULATION_INTEGER_BITS as u32));
        }
        let (scale, num_bits_over_unit) = reciprocal(sum, ACCUMULATION_INTEGER_BITS);
        let exponent = (num_bits_over_unit + 31 - O::BITS as i32).clamp(0, 31) as u32;
        for (x, y) in in_row.iter().zip(out_row.iter_mut()) {
            let e = exp_of_diff(i32::from(*x) - max);
            let unsat = rounding_divide_by_pot(fx_mul(scale, e), exponent);
            *y = O::from_i32(unsat.wrapping_add(out_min).max(out_min).min(out_max));
        }
    }
}

/// int8 → int8 softmax (output scale 1/256, zero point −128), bit-exact with TFLM.
#[inline(never)]
pub fn softmax_s8(p: &SoftmaxS8Params, input: &[i8], output: &mut [i8]) {
    softmax_s8_impl(p, input, output, |d| exp_of_diff(p, d));
}

/// [`softmax_s8`] with the exponents looked up in `exps` ([`softmax_exp_table`], built by the
/// compiler) instead of computed twice per element: bit-exact with it when `exps` is that
/// table; a difference past the table's end (below `diff_min`) has exponent 0.
#[inline(never)]
pub fn softmax_s8_table(p: &SoftmaxS8Params, exps: &[i32], input: &[i8], output: &mut [i8]) {
    softmax_s8_impl(p, input, output, |d| {
        exps.get(d.unsigned_abs() as usize).copied().unwrap_or(0)
    });
}

/// int8 → int16 softmax (output scale 1/65536, zero point −32768), bit-exact with TFLM.
pub fn softmax_s8_s16(p: &SoftmaxS8Params, input: &[i8], output: &mut [i16]) {
    softmax_s8_impl(p, input, output, |d| exp_of_diff(p, d));
}

/// Parameters of [`softmax_s16`].
#[derive(Clone, Copy, Debug)]
pub struct SoftmaxS16Params {
    /// Number of rows (product of the outer dimensions).
    pub rows: usize,
    /// Elements per row (the innermost dimension).
    pub depth: usize,
    /// Significand of `β · input_scale · 65535 / 10`, mapping differences onto [−10, 0].
    pub input_multiplier: i32,
    /// Exponent that goes with `input_multiplier`.
    pub input_shift: i32,
}

/// TFLite's interpolating int16 lookup: the top 9 bits of `value` (offset by 256) index `lut`
/// (513 entries) and the low 7 bits interpolate linearly to the next entry.
#[inline(always)]
pub fn lut_lookup_s16(value: i16, lut: &[i16]) -> i16 {
    let index = (256 + (i32::from(value) >> 7)) as usize;
    let offset = i32::from(value) & 0x7f;
    let base = i32::from(lut.get(index).copied().unwrap_or(0));
    let next = i32::from(lut.get(index + 1).copied().unwrap_or(0));
    // TFLite keeps the slope in an int16.
    let slope = i32::from((next - base) as i16);
    let delta = (slope * offset + 64) >> 7;
    (base + delta) as i16
}

/// int16 → int16 softmax (input zero point 0, output scale 1/32768, zero point 0), bit-exact
/// with TFLM. `exp_lut` tabulates `exp` on [−10, 0] and `one_over_one_plus_x_lut` tabulates
/// `1/(1+x)` on [0, 1], both with 513 entries in Q0.15 (built by the compiler). The output row
/// holds the exponentials between the two passes, as in TFLM.
pub fn softmax_s16(
    p: &SoftmaxS16Params,
    exp_lut: &[i16],
    one_over_one_plus_x_lut: &[i16],
    input: &[i16],
    output: &mut [i16],
) {
    let depth = p.depth.max(1);
    for (in_row, out_row) in input
        .chunks_exact(depth)
        .zip(output.chunks_exact_mut(depth))
        .take(p.rows)
    {
        let max = in_row.iter().copied().fold(i16::MIN, i16::max);
        let mut sum: i32 = 0;
        for (x, y) in in_row.iter().zip(out_row.iter_mut()) {
            let diff = i32::from(*x) - i32::from(max);
            let scaled = multiply_by_quantized_multiplier(diff, p.input_multiplier, p.input_shift);
            let centered = scaled.wrapping_add(32767).clamp(-32768, 32767) as i16;
            let e = lut_lookup_s16(centered, exp_lut);
            *y = e;
            sum = sum.wrapping_add(i32::from(e));
        }
        let headroom_plus_one = (sum as u32).leading_zeros();
        let shifted_sum =
            (((i64::from(sum)) << (headroom_plus_one.saturating_sub(1) & 63)) + (1 << 13)) >> 14;
        let centered_sum = (shifted_sum as i32)
            .wrapping_sub((1 << 15) + (1 << 16))
            .clamp(-32768, 32767) as i16;
        let reciprocal = i64::from(lut_lookup_s16(centered_sum, one_over_one_plus_x_lut));
        let right_shift = 31u32.saturating_sub(headroom_plus_one).clamp(1, 63);
        let round = 1i64 << (right_shift - 1);
        for y in out_row.iter_mut() {
            let r = ((i64::from(*y) * reciprocal + round) >> right_shift) as i32;
            *y = r.clamp(0, 32767) as i16;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// int8 parameters for beta 1 and the given input scale (what the compiler computes).
    fn s8_params(depth: usize, rows: usize, scale: f64) -> SoftmaxS8Params {
        let real = (scale * f64::from(1 << 26)).min(f64::from(i32::MAX));
        let exp = real.log2().floor() as i32 + 1;
        let multiplier = (real / 2f64.powi(exp) * 2f64.powi(31)).round() as i32;
        let radius = 31.0 * 2f64.powi(26) / 2f64.powi(exp);
        SoftmaxS8Params {
            rows,
            depth,
            input_multiplier: multiplier,
            input_left_shift: exp,
            diff_min: -(radius.floor() as i32),
        }
    }

    /// TFLM's int8 softmax as written there (`None` below `diff_min`, gemmlowp's helpers): the
    /// reference the kernel is checked against.
    fn reference_s8<O: SoftmaxOut>(p: &SoftmaxS8Params, input: &[i8], output: &mut [O]) {
        use super::super::fixedpoint::rescale;
        use crate::quant::saturating_rounding_doubling_high_mul as srdhm;
        let exp = |x: i8, max: i8| {
            let diff = i32::from(x) - i32::from(max);
            (diff >= p.diff_min).then(|| {
                let shifted = diff.wrapping_mul(1i32.wrapping_shl(p.input_left_shift as u32));
                super::super::fixedpoint::exp_on_negative_values(
                    srdhm(shifted, p.input_multiplier),
                    5,
                )
            })
        };
        let (out_min, out_max) = (-(1i32 << (O::BITS - 1)), (1i32 << (O::BITS - 1)) - 1);
        for (in_row, out_row) in input
            .chunks_exact(p.depth)
            .zip(output.chunks_exact_mut(p.depth))
            .take(p.rows)
        {
            let max = in_row.iter().copied().fold(i8::MIN, i8::max);
            let sum = in_row
                .iter()
                .filter_map(|x| exp(*x, max))
                .fold(0i32, |s, e| s.wrapping_add(rescale(e, 0, 12)));
            let (scale, bits) = reciprocal(sum, 12);
            let exponent = (bits + 31 - O::BITS as i32).clamp(0, 31) as u32;
            for (x, y) in in_row.iter().zip(out_row.iter_mut()) {
                let v = exp(*x, max).map_or(out_min, |e| {
                    let unsat = rounding_divide_by_pot(srdhm(scale, e), exponent);
                    unsat.wrapping_add(out_min).max(out_min).min(out_max)
                });
                *y = O::from_i32(v);
            }
        }
    }

    #[test]
    fn int8_matches_reference() {
        let mut s = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = |n: u64| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            s % n
        };
        for case in 0..3000 {
            let (depth, rows) = (1 + next(12) as usize, 1 + next(3) as usize);
            let scale = [0.004, 0.03, 0.0625, 0.1, 0.25, 1.0, 4.0][case % 7]
                * (1.0 + next(100) as f64 / 100.0);
            let p = s8_params(depth, rows, scale);
            let spread = 1 + next(256);
            let input: Vec<i8> = (0..depth * rows)
                .map(|_| (127 - next(spread) as i32) as i8)
                .collect();
            let (mut got, mut want) = (vec![0i8; depth * rows], vec![0i8; depth * rows]);
            softmax_s8(&p, &input, &mut got);
            reference_s8(&p, &input, &mut want);
            assert_eq!(got, want, "{p:?} {input:?}");
            let mut exps = vec![0x5555_5555; softmax_exp_table_len(p.diff_min)];
            softmax_exp_table(&p, &mut exps);
            got.fill(0x33);
            softmax_s8_table(&p, &exps, &input, &mut got);
            assert_eq!(got, want, "table {p:?} {input:?}");
            let (mut got, mut want) = (vec![0i16; depth * rows], vec![0i16; depth * rows]);
            softmax_s8_s16(&p, &input, &mut got);
            reference_s8(&p, &input, &mut want);
            assert_eq!(got, want, "{p:?} {input:?}");
        }
    }

    #[test]
    fn float_rows_sum_to_one() {
        let p = SoftmaxF32Params {
            rows: 2,
            depth: 3,
            beta: 1.0,
        };
        let mut out = [0.0f32; 6];
        softmax_f32(&p, &[1.0, 2.0, 3.0, 0.0, 0.0, 0.0], &mut out);
        let e = [1.0f32.exp(), 2.0f32.exp(), 3.0f32.exp()];
        let s: f32 = e.iter().sum();
        for (o, w) in out.iter().zip(e.iter().map(|v| v / s)) {
            assert!((o - w).abs() < 1e-6);
        }
        assert_eq!(&out[3..], &[1.0 / 3.0; 3]);
    }

    #[test]
    fn int8_uniform_and_one_hot_rows() {
        let p = s8_params(4, 1, 0.1);
        let mut out = [0i8; 4];
        softmax_s8(&p, &[5, 5, 5, 5], &mut out);
        assert_eq!(out, [-64; 4]);
        // A difference far below diff_min contributes nothing: the maximum saturates at 127.
        let wide = s8_params(2, 1, 1.0);
        let mut two = [0i8; 2];
        softmax_s8(&wide, &[127, -128], &mut two);
        assert_eq!(two, [127, -128]);
        let mut wide16 = [0i16; 2];
        softmax_s8_s16(&wide, &[127, -128], &mut wide16);
        assert_eq!(wide16, [32767, -32768]);
    }

    #[test]
    fn int8_is_within_one_lsb_of_float() {
        let scale = 0.0625;
        let p = s8_params(5, 2, scale);
        let input = [-100i8, -20, 0, 3, 50, 1, 2, 3, 4, 5];
        let mut out = [0i8; 10];
        softmax_s8(&p, &input, &mut out);
        for (row_in, row_out) in input.chunks(5).zip(out.chunks(5)) {
            let e: Vec<f64> = row_in
                .iter()
                .map(|x| (f64::from(*x) * scale).exp())
                .collect();
            let s: f64 = e.iter().sum();
            for (v, q) in e.iter().zip(row_out) {
                let want = (v / s * 256.0).round() - 128.0;
                assert!(
                    (f64::from(*q) - want.min(127.0)).abs() <= 1.0,
                    "{q} vs {want}"
                );
            }
        }
    }

    /// The lookup tables the compiler emits (same algorithm, float32 arithmetic).
    fn lut(f: impl Fn(f32) -> f32, min: f32, max: f32) -> Vec<i16> {
        let step = (max - min) / 512.0;
        let inv = 32768.0f32;
        let c = |v: f32| v.clamp(-32768.0, 32767.0) as i16;
        let mut t: Vec<i16> = (0..512)
            .map(|i| {
                let v = f(min + i as f32 * step);
                let m = f(min + i as f32 * step + step / 2.0);
                let n = f(min + (i + 1) as f32 * step);
                let interp = ((n * inv + (v * inv).round()) / 2.0).round();
                c((v * inv).round() - ((interp - (m * inv).round()) / 2.0).round())
            })
            .collect();
        t.push(c((f(max) * inv).round()));
        t
    }

    #[test]
    fn int16_uniform_and_one_hot_rows() {
        let exp_lut = lut(|x| x.exp(), -10.0, 0.0);
        let recip_lut = lut(|x| 1.0 / (1.0 + x), 0.0, 1.0);
        // input scale 1/1024, beta 1: multiplier for scale · 65535 / 10
        let real = 65535.0 / 10.0 / 1024.0;
        let p = SoftmaxS16Params {
            rows: 2,
            depth: 4,
            input_multiplier: (real / 8.0 * 2f64.powi(31)).round() as i32,
            input_shift: 3,
        };
        let mut out = [0i16; 8];
        softmax_s16(
            &p,
            &exp_lut,
            &recip_lut,
            &[7, 7, 7, 7, 30000, -30000, -30000, -30000],
            &mut out,
        );
        for v in &out[..4] {
            assert!((i32::from(*v) - 8192).abs() <= 2, "{v}");
        }
        assert!(out[4] >= 32760);
        // exp(-10) is the table's floor (2/32768), not zero, as in TFLM.
        assert_eq!(&out[5..], &[2, 2, 2]);
    }

    #[test]
    fn lut_lookup_interpolates() {
        let mut lut = [0i16; 513];
        for (i, v) in lut.iter_mut().enumerate() {
            *v = (i as i16) * 10;
        }
        // value 0 -> index 256, offset 0
        assert_eq!(lut_lookup_s16(0, &lut), 2560);
        // value 64 -> offset 64/128 of the way to 2570
        assert_eq!(lut_lookup_s16(64, &lut), 2565);
        assert_eq!(lut_lookup_s16(i16::MIN, &lut), 0);
    }
}
