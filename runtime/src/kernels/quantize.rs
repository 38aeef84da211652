//! QUANTIZE and DEQUANTIZE.
//!
//! * float32 → int8/int16: `clamp(round(x / scale) + zero_point)`, rounding half away from zero
//!   in float32 as TFLM does. Where `round(x / scale)` is NaN, infinite or outside int32 (an
//!   undefined C++ cast in TFLM), we do what TFLM's reference build does on x86-64, where the
//!   oracle runs: the cast yields `i32::MIN`, the zero point is added with wraparound, and the
//!   result saturates to the type's minimum (zero point ≥ 0) or maximum (zero point < 0).
//! * integer → integer (int8/int16/int32/uint8 in any combination TFLM supports):
//!   TFLM's `Requantize` with a fixed-point multiplier, including its int8↔uint8 fast path.
//! * int8/int16 → float32: `(float)(scale · (q − zero_point))` with the scale in double, as TFLM.
//! * float16 → float32 (DEQUANTIZE of float16 weights): exact widening. The float16 tensor stays
//!   16-bit in flash and is converted on every inference into the arena.

use crate::quant::multiply_by_quantized_multiplier;

/// Parameters of [`quantize_f32_s8`] and [`quantize_f32_s16`].
#[derive(Clone, Copy, Debug)]
pub struct QuantizeF32Params {
    /// Output scale.
    pub scale: f32,
    /// Output zero point.
    pub zero_point: i32,
}

#[inline(always)]
fn quantize_one(p: &QuantizeF32Params, x: f32, min: i32, max: i32) -> i32 {
    let r = libm::roundf(x / p.scale);
    // x86-64's float -> int32 conversion: NaN and out-of-range values give i32::MIN.
    let q = if (-2147483648.0..2147483648.0).contains(&r) {
        r as i32
    } else {
        i32::MIN
    };
    q.wrapping_add(p.zero_point).max(min).min(max)
}

/// float32 → int8 QUANTIZE.
pub fn quantize_f32_s8(p: &QuantizeF32Params, input: &[f32], output: &mut [i8]) {
    for (x, y) in input.iter().zip(output.iter_mut()) {
        *y = quantize_one(p, *x, -128, 127) as i8;
    }
}

/// float32 → int16 QUANTIZE.
pub fn quantize_f32_s16(p: &QuantizeF32Params, input: &[f32], output: &mut [i16]) {
    for (x, y) in input.iter().zip(output.iter_mut()) {
        *y = quantize_one(p, *x, -32768, 32767) as i16;
    }
}

/// Parameters of the integer requantization kernels (`requantize_<in>_<out>`).
#[derive(Clone, Copy, Debug)]
pub struct RequantizeParams {
    /// Input zero point.
    pub input_zero_point: i32,
    /// Output zero point.
    pub output_zero_point: i32,
    /// Significand of `input_scale / output_scale`.
    pub multiplier: i32,
    /// Exponent of `input_scale / output_scale`.
    pub shift: i32,
}

macro_rules! requantize {
    ($(#[$doc:meta] $name:ident: $i:ty => $o:ty, flip: $flip:expr;)*) => {$(
        #[$doc]
        pub fn $name(p: &RequantizeParams, input: &[$i], output: &mut [$o]) {
            let same_scale = p.multiplier == 1 << 30 && p.shift == 1;
            let diff = p.input_zero_point - p.output_zero_point;
            if same_scale && $flip != 0 && diff == $flip {
                // TFLM's int8<->uint8 fast path: flip the top bit.
                for (x, y) in input.iter().zip(output.iter_mut()) {
                    *y = (*x as u8 ^ 0x80) as $o;
                }
                return;
            }
            for (x, y) in input.iter().zip(output.iter_mut()) {
                let v = (i32::from(*x)).wrapping_sub(p.input_zero_point);
                let q = multiply_by_quantized_multiplier(v, p.multiplier, p.shift)
                    .wrapping_add(p.output_zero_point);
                *y = q.clamp(i32::from(<$o>::MIN), i32::from(<$o>::MAX)) as $o;
            }
        }
    )*};
}

requantize! {
    /// int8 → int8 requantization.
    requantize_s8_s8: i8 => i8, flip: 0;
    /// int8 → uint8 requantization.
    requantize_s8_u8: i8 => u8, flip: -128;
    /// uint8 → int8 requantization.
    requantize_u8_s8: u8 => i8, flip: 128;
    /// int8 → int16 requantization.
    requantize_s8_s16: i8 => i16, flip: 0;
    /// int8 → int32 requantization.
    requantize_s8_s32: i8 => i32, flip: 0;
    /// int16 → int8 requantization.
    requantize_s16_s8: i16 => i8, flip: 0;
    /// int16 → int16 requantization.
    requantize_s16_s16: i16 => i16, flip: 0;
    /// int16 → int32 requantization.
    requantize_s16_s32: i16 => i32, flip: 0;
    /// int32 → int8 requantization.
    requantize_s32_s8: i32 => i8, flip: 0;
    /// int32 → int16 requantization.
    requantize_s32_s16: i32 => i16, flip: 0;
}

/// Parameters of [`dequantize_s8_f32`] and [`dequantize_s16_f32`].
#[derive(Clone, Copy, Debug)]
pub struct DequantizeParams {
    /// Input scale (the float32 scale widened to double, as TFLM stores it).
    pub scale: f64,
    /// Input zero point.
    pub zero_point: i32,
}

/// int8 → float32 DEQUANTIZE.
pub fn dequantize_s8_f32(p: &DequantizeParams, input: &[i8], output: &mut [f32]) {
    for (x, y) in input.iter().zip(output.iter_mut()) {
        *y = (p.scale * f64::from(i32::from(*x) - p.zero_point)) as f32;
    }
}

/// int16 → float32 DEQUANTIZE.
pub fn dequantize_s16_f32(p: &DequantizeParams, input: &[i16], output: &mut [f32]) {
    for (x, y) in input.iter().zip(output.iter_mut()) {
        *y = (p.scale * f64::from(i32::from(*x) - p.zero_point)) as f32;
    }
}

/// Parameters of [`dequantize_f16_f32`] (none: the conversion is exact).
#[derive(Clone, Copy, Debug, Default)]
pub struct DequantizeF16Params;

/// The float32 value of IEEE half-precision bits (exact for every input, NaN payloads kept).
pub const fn f16_bits_to_f32(h: u16) -> f32 {
    let sign = ((h as u32) & 0x8000) << 16;
    let exp = ((h >> 10) & 0x1f) as u32;
    let man = (h & 0x3ff) as u32;
    let bits = if exp == 0x1f {
        sign | 0x7f80_0000 | (man << 13)
    } else if exp != 0 {
        sign | ((exp + 112) << 23) | (man << 13)
    } else if man == 0 {
        sign
    } else {
        // Subnormal half: normalise into a float32 normal.
        let shift = man.leading_zeros() - 21; // bring the top set bit to position 10
        let man = (man << shift) & 0x3ff;
        sign | ((113 - shift) << 23) | (man << 13)
    };
    f32::from_bits(bits)
}

/// float16 → float32 DEQUANTIZE of 16-bit weights stored as raw bits (`i16` statics).
pub fn dequantize_f16_f32(_p: &DequantizeF16Params, input: &[i16], output: &mut [f32]) {
    for (x, y) in input.iter().zip(output.iter_mut()) {
        *y = f16_bits_to_f32(*x as u16);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_quantize_rounds_half_away_and_saturates() {
        let p = QuantizeF32Params {
            scale: 0.5,
            zero_point: -1,
        };
        let mut out = [0i8; 6];
        quantize_f32_s8(&p, &[0.25, -0.25, 0.75, 1000.0, -1000.0, 0.0], &mut out);
        assert_eq!(out, [0, -2, 1, 127, -128, -1]);
        // Non-finite and beyond-int32 values, as TFLM on x86-64 (measured with the oracle):
        // i32::MIN + zero point, clamped.
        let odd = [f32::NAN, f32::INFINITY, f32::NEG_INFINITY, 1e30, -1e30];
        let mut out = [0i8; 5];
        let zp_neg = QuantizeF32Params {
            scale: 0.01,
            zero_point: -5,
        };
        quantize_f32_s8(&zp_neg, &odd, &mut out);
        assert_eq!(out, [127; 5]);
        let zp_zero = QuantizeF32Params {
            scale: 0.01,
            zero_point: 0,
        };
        quantize_f32_s8(&zp_zero, &odd, &mut out);
        assert_eq!(out, [-128; 5]);
        let mut odd16 = [0i16; 5];
        quantize_f32_s16(&zp_zero, &odd, &mut odd16);
        assert_eq!(odd16, [-32768; 5]);
        let mut out16 = [0i16; 2];
        quantize_f32_s16(
            &QuantizeF32Params {
                scale: 1e-4,
                zero_point: 0,
            },
            &[1.0, -1e9],
            &mut out16,
        );
        assert_eq!(out16, [10000, -32768]);
    }

    #[test]
    fn requantize_int32_to_int16_and_back() {
        // scale ratio 0.5
        let p = RequantizeParams {
            input_zero_point: 0,
            output_zero_point: 0,
            multiplier: 1 << 30,
            shift: 0,
        };
        let mut out = [0i16; 4];
        requantize_s32_s16(&p, &[3, -3, 1 << 20, -(1 << 20)], &mut out);
        assert_eq!(out, [2, -1, 32767, -32768]);
        // ratio 2: shift 2 with multiplier 0.5
        let up = RequantizeParams { shift: 2, ..p };
        let mut wide = [0i32; 2];
        requantize_s16_s32(&up, &[-32768, 7], &mut wide);
        assert_eq!(wide, [-65536, 14]);
    }

    #[test]
    fn int8_uint8_flip() {
        let p = RequantizeParams {
            input_zero_point: -128,
            output_zero_point: 0,
            multiplier: 1 << 30,
            shift: 1,
        };
        let mut out = [0u8; 3];
        requantize_s8_u8(&p, &[-128, 0, 127], &mut out);
        assert_eq!(out, [0, 128, 255]);
        let back = RequantizeParams {
            input_zero_point: 0,
            output_zero_point: -128,
            ..p
        };
        let mut s = [0i8; 3];
        requantize_u8_s8(&back, &out, &mut s);
        assert_eq!(s, [-128, 0, 127]);
        // Different zero points: the general path.
        let shifted = RequantizeParams {
            input_zero_point: 3,
            output_zero_point: -5,
            ..p
        };
        let mut t = [0i8; 2];
        requantize_s8_s8(&shifted, &[3, 127], &mut t);
        assert_eq!(t, [-5, 119]);
    }

    #[test]
    fn dequantize_uses_double_scale() {
        let p = DequantizeParams {
            scale: f64::from(0.1f32),
            zero_point: 3,
        };
        let mut out = [0.0f32; 2];
        dequantize_s8_f32(&p, &[3, 13], &mut out);
        assert_eq!(out, [0.0, (f64::from(0.1f32) * 10.0) as f32]);
    }

    #[test]
    fn half_widening_is_exact() {
        assert_eq!(f16_bits_to_f32(0x3c00), 1.0);
        assert_eq!(f16_bits_to_f32(0xc000), -2.0);
        assert_eq!(f16_bits_to_f32(0x7bff), 65504.0);
        assert_eq!(f16_bits_to_f32(0x0001), 2f32.powi(-24));
        assert_eq!(f16_bits_to_f32(0x03ff), 1023.0 * 2f32.powi(-24));
        assert_eq!(f16_bits_to_f32(0x7c00), f32::INFINITY);
        assert!(f16_bits_to_f32(0x7e00).is_nan());
        assert_eq!(f16_bits_to_f32(0x8000).to_bits(), 0x8000_0000);
        let mut out = [0.0f32; 2];
        dequantize_f16_f32(&DequantizeF16Params, &[0x3555, 0x3c00], &mut out);
        assert_eq!(out[1], 1.0);
    }
}
