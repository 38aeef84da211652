//! Element-wise activations: RELU, RELU6, LEAKY_RELU, LOGISTIC, TANH, HARD_SWISH.
//!
//! Each kernel maps `input[i]` to `output[i]` (same element count). Quantized variants follow
//! TFLM's reference kernels; their constants come from the compiler.

use super::fixedpoint;
use crate::arch::{max_s8x4, min_s8x4};
use crate::quant::{multiply_by_quantized_multiplier, rounding_divide_by_pot};

/// Parameters of the float activations that have none ([`relu_f32`], [`relu6_f32`],
/// [`logistic_f32`], [`tanh_f32`], [`hard_swish_f32`]).
#[derive(Clone, Copy, Debug, Default)]
pub struct NoParams;

/// `max(x, 0)` on float32.
pub fn relu_f32(_p: &NoParams, input: &[f32], output: &mut [f32]) {
    for (x, y) in input.iter().zip(output.iter_mut()) {
        *y = if *x < 0.0 { 0.0 } else { *x };
    }
}

/// `min(max(x, 0), 6)` on float32.
pub fn relu6_f32(_p: &NoParams, input: &[f32], output: &mut [f32]) {
    for (x, y) in input.iter().zip(output.iter_mut()) {
        // Same as TFLM's `x > 6 ? 6 : x < 0 ? 0 : x`, NaN and -0.0 included.
        *y = x.clamp(0.0, 6.0);
    }
}

/// Parameters of [`relu_s8`] and [`relu_s16`]: TFLM requantizes from the input to the output
/// quantization, then clamps.
#[derive(Clone, Copy, Debug)]
pub struct ReluQuantParams {
    /// Input zero point.
    pub input_offset: i32,
    /// Output zero point.
    pub output_offset: i32,
    /// Significand of `input_scale / output_scale`.
    pub output_multiplier: i32,
    /// Exponent of `input_scale / output_scale`.
    pub output_shift: i32,
    /// Quantized 0 in the output (at least the type's minimum).
    pub activation_min: i32,
    /// Upper clamp (the type's maximum for RELU).
    pub activation_max: i32,
}

macro_rules! relu_quant {
    ($(#[$doc:meta] $name:ident: $t:ty;)*) => {$(
        #[$doc]
        pub fn $name(p: &ReluQuantParams, input: &[$t], output: &mut [$t]) {
            for (x, y) in input.iter().zip(output.iter_mut()) {
                let v = p.output_offset.wrapping_add(multiply_by_quantized_multiplier(
                    i32::from(*x) - p.input_offset,
                    p.output_multiplier,
                    p.output_shift,
                ));
                *y = v.max(p.activation_min).min(p.activation_max) as $t;
            }
        }
    )*};
}

relu_quant! {
    /// int8 RELU with requantization, bit-exact with TFLM.
    relu_s8: i8;
    /// int16 RELU with requantization, bit-exact with TFLM.
    relu_s16: i16;
}

/// Parameters of [`relu6_s8`] and [`relu6_s16`]. TFLM clamps to the *input's* quantized 0 and 6
/// and ignores the output quantization (see the zoo README); we do the same.
#[derive(Clone, Copy, Debug)]
pub struct Relu6QuantParams {
    /// Quantized 0 (the input zero point).
    pub lower: i32,
    /// Quantized 6 in the input's scale, clamped to the type's range.
    pub upper: i32,
}

macro_rules! relu6_quant {
    ($(#[$doc:meta] $name:ident: $t:ty;)*) => {$(
        #[$doc]
        pub fn $name(p: &Relu6QuantParams, input: &[$t], output: &mut [$t]) {
            for (x, y) in input.iter().zip(output.iter_mut()) {
                let v = i32::from(*x);
                let c = if v > p.upper { p.upper } else if v < p.lower { p.lower } else { v };
                *y = c as $t;
            }
        }
    )*};
}

relu6_quant! {
    /// int8 RELU6 (a clamp) one byte at a time, bit-exact with TFLM (any bounds).
    relu6_bytes_s8: i8;
    /// int16 RELU6 (a clamp), bit-exact with TFLM.
    relu6_s16: i16;
}

/// `max(·, lo)` then `min(·, hi)` on each signed byte of `w` (`lo..=hi` within int8), skipping a
/// bound that clamps nothing.
#[inline(always)]
pub(crate) fn clamp_s8x4(w: u32, lo: i32, hi: i32) -> u32 {
    let splat = |v: i32| u32::from(v as i8 as u8) * 0x0101_0101;
    let w = if lo > -128 { max_s8x4(w, splat(lo)) } else { w };
    if hi < 127 {
        min_s8x4(w, splat(hi))
    } else {
        w
    }
}

/// int8 RELU6 (a clamp), bit-exact with TFLM: two words of four bytes at a time when the bounds
/// lie in int8 in order (as the compiler makes them), else [`relu6_bytes_s8`].
pub fn relu6_s8(p: &Relu6QuantParams, input: &[i8], output: &mut [i8]) {
    if !(-128 <= p.lower && p.lower <= p.upper && p.upper <= 127) {
        return relu6_bytes_s8(p, input, output);
    }
    let n = input.len().min(output.len());
    let (Some(input), Some(output)) = (input.get(..n), output.get_mut(..n)) else {
        return;
    };
    let (x8, x_tail) = input.as_chunks::<8>();
    let (y8, y_tail) = output.as_chunks_mut::<8>();
    relu6_bytes_s8(p, x_tail, y_tail);
    for (x, y) in x8.iter().zip(y8) {
        let w = u64::from_le_bytes(x.map(|v| v as u8));
        let lo = clamp_s8x4(w as u32, p.lower, p.upper);
        let hi = clamp_s8x4((w >> 32) as u32, p.lower, p.upper);
        let w = u64::from(lo) | u64::from(hi) << 32;
        for (y, v) in y.iter_mut().zip(w.to_le_bytes()) {
            *y = v as i8;
        }
    }
}

/// Parameters of [`leaky_relu_f32`].
#[derive(Clone, Copy, Debug)]
pub struct LeakyReluF32Params {
    /// Slope for negative inputs.
    pub alpha: f32,
}

/// `x > 0 ? x : alpha · x` on float32.
pub fn leaky_relu_f32(p: &LeakyReluF32Params, input: &[f32], output: &mut [f32]) {
    for (x, y) in input.iter().zip(output.iter_mut()) {
        *y = if *x > 0.0 { *x } else { *x * p.alpha };
    }
}

/// Parameters of [`leaky_relu_s8`] and [`leaky_relu_s16`].
#[derive(Clone, Copy, Debug)]
pub struct LeakyReluQuantParams {
    /// Input zero point.
    pub input_offset: i32,
    /// Output zero point.
    pub output_offset: i32,
    /// Significand of `input_scale · alpha / output_scale`; negative when alpha is (TFLM
    /// multiplies by the signed significand).
    pub alpha_multiplier: i32,
    /// Exponent of the alpha multiplier.
    pub alpha_shift: i32,
    /// Significand of `input_scale / output_scale`.
    pub identity_multiplier: i32,
    /// Exponent of the identity multiplier.
    pub identity_shift: i32,
}

macro_rules! leaky_relu_quant {
    ($(#[$doc:meta] $name:ident: $t:ty;)*) => {$(
        #[$doc]
        pub fn $name(p: &LeakyReluQuantParams, input: &[$t], output: &mut [$t]) {
            for (x, y) in input.iter().zip(output.iter_mut()) {
                let v = i32::from(*x) - p.input_offset;
                let scaled = if v >= 0 {
                    multiply_by_quantized_multiplier(v, p.identity_multiplier, p.identity_shift)
                } else {
                    multiply_by_quantized_multiplier(v, p.alpha_multiplier, p.alpha_shift)
                };
                let out = p.output_offset.wrapping_add(scaled);
                *y = out.clamp(i32::from(<$t>::MIN), i32::from(<$t>::MAX)) as $t;
            }
        }
    )*};
}

leaky_relu_quant! {
    /// int8 LEAKY_RELU, bit-exact with TFLM.
    leaky_relu_s8: i8;
    /// int16 LEAKY_RELU, bit-exact with TFLM.
    leaky_relu_s16: i16;
}

/// Float logistic as TFLM computes it: 1 above 16.619…, `exp(x)` below −9, else `1/(1+exp(−x))`.
pub fn logistic_f32(_p: &NoParams, input: &[f32], output: &mut [f32]) {
    const CUTOFF_UPPER: f32 = 16.619_047;
    const CUTOFF_LOWER: f32 = -9.0;
    for (x, y) in input.iter().zip(output.iter_mut()) {
        *y = if *x > CUTOFF_UPPER {
            1.0
        } else if *x < CUTOFF_LOWER {
            super::math::expf(*x)
        } else {
            1.0 / (1.0 + super::math::expf(-*x))
        };
    }
}

/// `tanh` on float32.
pub fn tanh_f32(_p: &NoParams, input: &[f32], output: &mut [f32]) {
    for (x, y) in input.iter().zip(output.iter_mut()) {
        *y = super::math::tanhf(*x);
    }
}

/// Parameters of [`logistic_s8`] and [`tanh_s8`]: the input is rescaled to Q4.27.
#[derive(Clone, Copy, Debug)]
pub struct SigmoidS8Params {
    /// Input zero point.
    pub input_zero_point: i32,
    /// Inputs with `|x − zero_point|` at least this saturate.
    pub input_range_radius: i32,
    /// Significand of `input_scale · 2^27`.
    pub input_multiplier: i32,
    /// Exponent of that multiplier.
    pub input_shift: i32,
}

/// int8 logistic (output scale 1/256, zero point −128), bit-exact with TFLM's fixed-point kernel.
pub fn logistic_s8(p: &SigmoidS8Params, input: &[i8], output: &mut [i8]) {
    for (x, y) in input.iter().zip(output.iter_mut()) {
        let v = i32::from(*x) - p.input_zero_point;
        *y = if v <= -p.input_range_radius {
            i8::MIN
        } else if v >= p.input_range_radius {
            i8::MAX
        } else {
            let q4 = multiply_by_quantized_multiplier(v, p.input_multiplier, p.input_shift);
            let q0 = fixedpoint::logistic(q4, 4);
            let out = rounding_divide_by_pot(q0, 23) - 128;
            out.clamp(-128, 127) as i8
        };
    }
}

/// int8 tanh (output scale 1/128, zero point 0), bit-exact with TFLM's fixed-point kernel.
pub fn tanh_s8(p: &SigmoidS8Params, input: &[i8], output: &mut [i8]) {
    for (x, y) in input.iter().zip(output.iter_mut()) {
        let v = i32::from(*x) - p.input_zero_point;
        *y = if v <= -p.input_range_radius {
            i8::MIN
        } else if v >= p.input_range_radius {
            i8::MAX
        } else {
            let q4 = multiply_by_quantized_multiplier(v, p.input_multiplier, p.input_shift);
            let q0 = fixedpoint::tanh(q4, 4);
            rounding_divide_by_pot(q0, 24).clamp(-128, 127) as i8
        };
    }
}

/// Parameters of [`logistic_s16`] and [`tanh_s16`] (zero points 0, output scale 2^-15).
#[derive(Clone, Copy, Debug)]
pub struct SigmoidS16Params {
    /// Multiplier (≤ 32767) taking the input to scale 1/(3·4096), applied as
    /// `(x · multiplier + round) >> shift`. The compiler resolves TFLM's power-of-two case.
    pub input_multiplier: i32,
    /// Right shift that goes with the multiplier.
    pub input_shift: i32,
}

/// `x · relu6(x + 3) / 6` on float32, in TFLM's operation order.
pub fn hard_swish_f32(_p: &NoParams, input: &[f32], output: &mut [f32]) {
    for (x, y) in input.iter().zip(output.iter_mut()) {
        let r = x + 3.0;
        let r = if r < 0.0 { 0.0 } else { r };
        let r = if 6.0 < r { 6.0 } else { r };
        *y = x * r / 6.0;
    }
}

/// Parameters of [`hard_swish_s8`] (TFLite's `HardSwishParams`, 16-bit fixed point).
#[derive(Clone, Copy, Debug)]
pub struct HardSwishS8Params {
    /// Input zero point.
    pub input_zero_point: i32,
    /// Output zero point.
    pub output_zero_point: i32,
    /// Q0.15 significand of `(input_scale / 128) / output_scale`.
    pub output_multiplier: i16,
    /// Exponent (≤ 0) of the output multiplier.
    pub output_exponent: i32,
    /// Q0.15 significand of `(input_scale / 128) / (3 / 32768)`.
    pub reluish_multiplier: i16,
    /// Exponent of the "relu-ish" multiplier.
    pub reluish_exponent: i32,
}

/// gemmlowp's 16-bit `SaturatingRoundingDoublingHighMul`.
#[inline(always)]
fn srdhm16(a: i16, b: i16) -> i16 {
    if a == i16::MIN && b == i16::MIN {
        return i16::MAX;
    }
    let ab = i32::from(a) * i32::from(b);
    let nudge = if ab >= 0 { 1 << 14 } else { 1 - (1 << 14) };
    ((ab + nudge) / (1 << 15)) as i16
}

/// Doubling high multiply that truncates towards zero (TFLite's `SaturatingDoublingHighMul`).
#[inline(always)]
fn sdhm16(a: i16, b: i16) -> i16 {
    if a == i16::MIN && b == i16::MIN {
        return i16::MAX;
    }
    ((i32::from(a) * i32::from(b)) / (1 << 15)) as i16
}

#[inline(always)]
fn saturating_left_shift16(v: i16, amount: i32) -> i16 {
    let r = i64::from(v) * (1i64 << amount.clamp(0, 62));
    r.clamp(i64::from(i16::MIN), i64::from(i16::MAX)) as i16
}

#[inline(always)]
fn rounding_divide_by_pot16(x: i16, exponent: i32) -> i16 {
    rounding_divide_by_pot(i32::from(x), exponent.clamp(0, 15) as u32) as i16
}

/// int8 HARD_SWISH, bit-exact with TFLM's 16-bit fixed-point reference kernel.
pub fn hard_swish_s8(p: &HardSwishS8Params, input: &[i8], output: &mut [i8]) {
    for (x, y) in input.iter().zip(output.iter_mut()) {
        let v = (i32::from(*x) - p.input_zero_point) as i16;
        let hires = v.wrapping_mul(1 << 7);
        let preshift_output = srdhm16(hires, p.output_multiplier);
        let mut reluish = hires;
        if p.reluish_exponent > 0 {
            reluish = saturating_left_shift16(reluish, p.reluish_exponent - 1);
        }
        reluish = srdhm16(reluish, p.reluish_multiplier);
        if p.reluish_exponent > 0 {
            reluish = saturating_left_shift16(reluish, 1);
        }
        if p.reluish_exponent < 0 {
            reluish = rounding_divide_by_pot16(reluish, -p.reluish_exponent);
        }
        let reluish = ((i32::from(reluish) + (1 << 15)) >> 1) as i16;
        let preshift = sdhm16(reluish, preshift_output);
        let out = rounding_divide_by_pot16(preshift, -p.output_exponent)
            .wrapping_add(p.output_zero_point as i16);
        *y = out.clamp(-128, 127) as i8;
    }
}

/// sigmoid(i/24) in unsigned Q0.16, i = 0..=255: TFLite's shared LOGISTIC/TANH int16 table.
const SIGMOID_TABLE_U16: [u16; 256] = [
    32768, 33451, 34133, 34813, 35493, 36169, 36843, 37513, 38180, 38841, 39498, 40149, 40794,
    41432, 42064, 42688, 43304, 43912, 44511, 45102, 45683, 46255, 46817, 47369, 47911, 48443,
    48964, 49475, 49975, 50464, 50942, 51409, 51865, 52311, 52745, 53169, 53581, 53983, 54374,
    54755, 55125, 55485, 55834, 56174, 56503, 56823, 57133, 57433, 57724, 58007, 58280, 58544,
    58800, 59048, 59288, 59519, 59743, 59959, 60168, 60370, 60565, 60753, 60935, 61110, 61279,
    61441, 61599, 61750, 61896, 62036, 62172, 62302, 62428, 62549, 62666, 62778, 62886, 62990,
    63090, 63186, 63279, 63368, 63454, 63536, 63615, 63691, 63765, 63835, 63903, 63968, 64030,
    64090, 64148, 64204, 64257, 64308, 64357, 64405, 64450, 64494, 64536, 64576, 64614, 64652,
    64687, 64721, 64754, 64786, 64816, 64845, 64873, 64900, 64926, 64950, 64974, 64997, 65019,
    65039, 65060, 65079, 65097, 65115, 65132, 65149, 65164, 65179, 65194, 65208, 65221, 65234,
    65246, 65258, 65269, 65280, 65291, 65301, 65310, 65319, 65328, 65337, 65345, 65352, 65360,
    65367, 65374, 65381, 65387, 65393, 65399, 65404, 65410, 65415, 65420, 65425, 65429, 65433,
    65438, 65442, 65445, 65449, 65453, 65456, 65459, 65462, 65465, 65468, 65471, 65474, 65476,
    65479, 65481, 65483, 65485, 65488, 65489, 65491, 65493, 65495, 65497, 65498, 65500, 65501,
    65503, 65504, 65505, 65507, 65508, 65509, 65510, 65511, 65512, 65513, 65514, 65515, 65516,
    65517, 65517, 65518, 65519, 65520, 65520, 65521, 65522, 65522, 65523, 65523, 65524, 65524,
    65525, 65525, 65526, 65526, 65526, 65527, 65527, 65528, 65528, 65528, 65529, 65529, 65529,
    65529, 65530, 65530, 65530, 65530, 65531, 65531, 65531, 65531, 65531, 65532, 65532, 65532,
    65532, 65532, 65532, 65533, 65533, 65533, 65533, 65533, 65533, 65533, 65533, 65534, 65534,
    65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65535,
];

#[inline(always)]
fn sigmoid_entry(i: u32) -> u32 {
    u32::from(
        SIGMOID_TABLE_U16
            .get(i as usize)
            .copied()
            .unwrap_or(u16::MAX),
    )
}

#[inline(always)]
fn rescale_s16_input(p: &SigmoidS16Params, x: i16) -> i32 {
    let round = if p.input_shift > 0 {
        1i32 << (p.input_shift - 1).min(30)
    } else {
        0
    };
    (i32::from(x)
        .wrapping_mul(p.input_multiplier)
        .wrapping_add(round))
        >> (p.input_shift.clamp(0, 31) as u32)
}

/// int16 logistic by interpolation in TFLite's sigmoid table, bit-exact with TFLM.
pub fn logistic_s16(p: &SigmoidS16Params, input: &[i16], output: &mut [i16]) {
    for (x, y) in input.iter().zip(output.iter_mut()) {
        let v = rescale_s16_input(p, *x);
        let abs = v.unsigned_abs();
        let uh = abs >> 9;
        let mut result: u32 = if uh >= 255 {
            0x7FFF << 10
        } else {
            let ua = sigmoid_entry(uh);
            let ub = sigmoid_entry(uh + 1);
            let ut = abs & 0x1ff;
            (ua << 9).wrapping_add(ut.wrapping_mul(ub.wrapping_sub(ua)))
        };
        result = if v >= 0 {
            result.wrapping_add(1 << 9)
        } else {
            (1u32 << 25)
                .wrapping_sub(result)
                .wrapping_add(1 << 9)
                .wrapping_sub(1)
        };
        *y = (result >> 10) as i16;
    }
}

/// int16 tanh by interpolation in TFLite's sigmoid table, bit-exact with TFLM.
pub fn tanh_s16(p: &SigmoidS16Params, input: &[i16], output: &mut [i16]) {
    for (x, y) in input.iter().zip(output.iter_mut()) {
        let v = rescale_s16_input(p, *x);
        let abs = v.unsigned_abs();
        let uh = abs >> 8;
        let mut result: i32 = if uh >= 255 {
            0xFFFF << 8
        } else {
            let ua = sigmoid_entry(uh);
            let ub = sigmoid_entry(uh + 1);
            let ut = abs & 0xff;
            (ua << 8).wrapping_add(ut.wrapping_mul(ub.wrapping_sub(ua))) as i32
        };
        result = if v >= 0 {
            result - (1 << (14 + 9)) + (1 << (9 - 2))
        } else {
            -result + (1 << (14 + 9)) + (1 << (9 - 2)) - 1
        };
        *y = (result >> (9 - 1)) as i16;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_relus() {
        let mut out = [0.0f32; 4];
        relu_f32(&NoParams, &[-1.0, 0.0, 2.5, 7.0], &mut out);
        assert_eq!(out, [0.0, 0.0, 2.5, 7.0]);
        relu6_f32(&NoParams, &[-1.0, 0.0, 2.5, 7.0], &mut out);
        assert_eq!(out, [0.0, 0.0, 2.5, 6.0]);
        leaky_relu_f32(
            &LeakyReluF32Params { alpha: 0.5 },
            &[-1.0, 0.0, 2.5, -7.0],
            &mut out,
        );
        assert_eq!(out, [-0.5, 0.0, 2.5, -3.5]);
    }

    #[test]
    fn int8_relu_requantizes() {
        // in scale 0.5 zp -10 -> out scale 0.25 zp -128: y = 2 (x + 10) - 128, clamped below at -128.
        let p = ReluQuantParams {
            input_offset: -10,
            output_offset: -128,
            output_multiplier: 1 << 30,
            output_shift: 2,
            activation_min: -128,
            activation_max: 127,
        };
        let mut out = [0i8; 5];
        relu_s8(&p, &[-20, -10, 0, 100, 127], &mut out);
        assert_eq!(out, [-128, -128, -108, 92, 127]);
    }

    #[test]
    fn quantized_relu6_clamps_in_input_scale() {
        let p = Relu6QuantParams {
            lower: -5,
            upper: 55,
        };
        let mut out = [0i8; 4];
        relu6_s8(&p, &[-128, -5, 30, 127], &mut out);
        assert_eq!(out, [-5, -5, 30, 55]);
        let mut out16 = [0i16; 2];
        relu6_s16(
            &Relu6QuantParams {
                lower: 0,
                upper: 6000,
            },
            &[-3, 7000],
            &mut out16,
        );
        assert_eq!(out16, [0, 6000]);
    }

    /// The word kernel against the byte one on random bounds (in int8 or not, in order or
    /// not), lengths (tails of 0 to 3 bytes, input and output of different lengths) and data.
    #[test]
    fn random_relu6_words_match_bytes() {
        let mut seed = 5u64;
        let mut next = |n: usize| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((seed >> 33) as usize) % n
        };
        for _ in 0..3000 {
            let bound = |n: &mut dyn FnMut(usize) -> usize| match n(6) {
                0 => -128,
                1 => 127,
                2 => n(600) as i32 - 300,
                _ => n(256) as i32 - 128,
            };
            let (a, b) = (bound(&mut next), bound(&mut next));
            let (lower, upper) = if next(8) == 0 {
                (a, b)
            } else {
                (a.min(b), a.max(b))
            };
            let p = Relu6QuantParams { lower, upper };
            let input: Vec<i8> = (0..next(40)).map(|_| next(256) as i8).collect();
            let len = if next(4) == 0 { next(40) } else { input.len() };
            let (mut want, mut got) = (vec![7i8; len], vec![7i8; len]);
            relu6_bytes_s8(&p, &input, &mut want);
            relu6_s8(&p, &input, &mut got);
            assert_eq!(got, want, "{p:?} {input:?}");
        }
    }

    #[test]
    fn int16_leaky_relu_positive_and_negative_alpha() {
        // identity 1.0 (2^30, shift 1); alpha 0.25 (2^30, shift -1)
        let mut p = LeakyReluQuantParams {
            input_offset: 0,
            output_offset: 0,
            alpha_multiplier: 1 << 30,
            alpha_shift: -1,
            identity_multiplier: 1 << 30,
            identity_shift: 1,
        };
        let mut out = [0i16; 4];
        leaky_relu_s16(&p, &[100, -100, -32768, 32767], &mut out);
        assert_eq!(out, [100, -25, -8192, 32767]);
        // alpha -0.25: the significand is negative.
        p.alpha_multiplier = -(1 << 30);
        leaky_relu_s16(&p, &[-100, -32768, -2], &mut out[..3]);
        assert_eq!(&out[..3], &[25, 8192, 1]);
        // Ties: the final rounding shift rounds half away from zero (-0.5 -> -1, -1.5 -> -2).
        p.alpha_multiplier = 1 << 30;
        leaky_relu_s16(&p, &[-2, -6], &mut out[..2]);
        assert_eq!(&out[..2], &[-1, -2]);
    }

    /// Q4.27 parameters for an input scale of 1/16 (what the compiler computes).
    const SIGMOID_S8: SigmoidS8Params = SigmoidS8Params {
        input_zero_point: 0,
        input_range_radius: 120,
        input_multiplier: 1 << 30,
        input_shift: 24,
    };

    #[test]
    fn int8_logistic_and_tanh() {
        let mut out = [0i8; 5];
        logistic_s8(&SIGMOID_S8, &[0, 16, -16, 127, -128], &mut out);
        // sigmoid(0) = 0.5 -> 0; sigmoid(1) = 0.731 -> 187 - 128 = 59; sigmoid(-1) -> -59
        assert_eq!(out, [0, 59, -59, 127, -128]);
        tanh_s8(&SIGMOID_S8, &[0, 16, -16, 127, -128], &mut out);
        // tanh(1) = 0.7616 · 128 = 97.5 -> 97 or 98
        assert_eq!(out[0], 0);
        assert!((97..=98).contains(&out[1]) && out[2] == -out[1]);
        assert_eq!(&out[3..], &[127, -128]);
    }

    #[test]
    fn int16_logistic_and_tanh_power_of_two_scale() {
        // input scale 2^-12: multiplier 3, no shift.
        let p = SigmoidS16Params {
            input_multiplier: 3,
            input_shift: 0,
        };
        let mut out = [0i16; 4];
        logistic_s16(&p, &[0, 4096, -4096, 32767], &mut out);
        assert_eq!(out[0], 16384);
        let s1 = (1.0 / (1.0 + (-1.0f64).exp()) * 32768.0) as i32;
        assert!((i32::from(out[1]) - s1).abs() <= 2, "{}", out[1]);
        assert!((i32::from(out[1]) + i32::from(out[2]) - 32768).abs() <= 1);
        // The input range is ±8: sigmoid(8) · 32768 = 32757.
        assert_eq!(out[3], 32757);
        tanh_s16(&p, &[0, 4096, -4096, -32768], &mut out);
        assert_eq!(out[0], 0);
        let t1 = (1.0f64.tanh() * 32768.0) as i32;
        assert!((i32::from(out[1]) - t1).abs() <= 2, "{}", out[1]);
        assert!((i32::from(out[1]) + i32::from(out[2])).abs() <= 1);
        // Saturated negative tanh is -32767 (TFLM's rounding offsets), not -32768.
        assert_eq!(out[3], -32767);
    }

    #[test]
    fn float_logistic_cutoffs() {
        let mut out = [0.0f32; 3];
        logistic_f32(&NoParams, &[0.0, 20.0, -10.0], &mut out);
        assert_eq!(out[0], 0.5);
        assert_eq!(out[1], 1.0);
        assert_eq!(out[2], super::super::math::expf(-10.0));
        tanh_f32(&NoParams, &[0.0, 1.0, -1.0], &mut out);
        assert!((out[1] - 0.761_594_2).abs() < 1e-6 && out[2] == -out[1]);
    }

    #[test]
    fn hard_swish_float_and_int8() {
        let mut out = [0.0f32; 4];
        hard_swish_f32(&NoParams, &[-4.0, -1.5, 1.0, 4.0], &mut out);
        assert_eq!(out, [-0.0, -1.5 * 1.5 / 6.0, 4.0 / 6.0, 4.0]);
        // input scale 1/16, output scale 1/16, zero points 0:
        // hires scale 2^-11; output multiplier 2^-7 = 0.5 · 2^-6; reluish 2^-11 / (3 · 2^-15) = 16/3.
        let p = HardSwishS8Params {
            input_zero_point: 0,
            output_zero_point: 0,
            output_multiplier: 16384,
            output_exponent: -6,
            reluish_multiplier: 21845,
            reluish_exponent: 3,
        };
        let input: Vec<i8> = (-128..=127).collect();
        let mut q = vec![0i8; input.len()];
        hard_swish_s8(&p, &input, &mut q);
        for (x, y) in input.iter().zip(&q) {
            let r = f64::from(*x) / 16.0;
            let want = r * (r + 3.0).clamp(0.0, 6.0) / 6.0 * 16.0;
            assert!(
                (f64::from(*y) - want.clamp(-128.0, 127.0)).abs() <= 1.0,
                "{x}: {y} vs {want}"
            );
        }
        assert_eq!(q[128], 0); // x = 0
    }
}
