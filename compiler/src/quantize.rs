//! Compile-time quantization arithmetic ("Prepare" in TFLM), computed exactly as TFLM does.

use crate::error::Error;
use crate::ir::{DType, Tensor};

/// Splits a positive real multiplier into a Q0.31 significand and a power-of-two exponent,
/// `m ≈ q · 2^(shift − 31)`, with TFLM's `QuantizeMultiplier` rounding and edge cases.
pub fn quantize_multiplier(m: f64) -> (i32, i32) {
    if m == 0.0 || !m.is_finite() {
        return (0, 0);
    }
    let (fraction, mut shift) = frexp(m);
    // std::round: half away from zero, as f64::round.
    let mut q = (fraction * (1u64 << 31) as f64).round() as i64;
    if q == 1i64 << 31 {
        q /= 2;
        shift += 1;
    }
    if shift < -31 {
        shift = 0;
        q = 0;
    }
    (q as i32, shift)
}

/// The largest right shift of `kiln::quant::requantize_doubled` (`kiln::quant::DOUBLED_MAX_SHIFT`,
/// which the compiler cannot link): the kernels whose tables are doubled add `k · 2^(e − 1)` to a
/// high product below 2^30, and both must fit 32 bits.
pub const DOUBLED_MAX_SHIFT: i32 = 23;

/// Whether a layer's (negative) `shift` suits the doubled kernels: `-23..=-1`.
pub fn doubled_shift_ok(shift: i32) -> bool {
    (-DOUBLED_MAX_SHIFT..=-1).contains(&shift)
}

/// C's `frexp`: `x = fraction · 2^exp` with `0.5 ≤ |fraction| < 1`.
pub fn frexp(x: f64) -> (f64, i32) {
    if x == 0.0 || !x.is_finite() {
        return (x, 0);
    }
    let bits = x.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i32;
    if biased == 0 {
        // Subnormal: scale into the normal range first.
        let (f, e) = frexp(x * f64::from_bits(0x43f0_0000_0000_0000)); // 2^64
        return (f, e - 64);
    }
    let exp = biased - 1022;
    let fraction = f64::from_bits((bits & !(0x7ffu64 << 52)) | (1022u64 << 52));
    (fraction, exp)
}

/// The fused activation functions of TFLite options.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Activation {
    /// No clamping.
    None,
    /// `max(x, 0)`
    Relu,
    /// `clamp(x, -1, 1)`
    ReluN1To1,
    /// `clamp(x, 0, 6)`
    Relu6,
}

impl Activation {
    /// From the schema's `ActivationFunctionType` value.
    pub fn from_schema(v: i8) -> Result<Self, String> {
        match v {
            0 => Ok(Activation::None),
            1 => Ok(Activation::Relu),
            2 => Ok(Activation::ReluN1To1),
            3 => Ok(Activation::Relu6),
            4 => Err("fused activation TANH is not supported (supported: NONE, RELU, RELU_N1_TO_1, RELU6)".into()),
            5 => Err("fused activation SIGN_BIT is not supported (supported: NONE, RELU, RELU_N1_TO_1, RELU6)".into()),
            v => Err(format!("unknown fused activation {v}")),
        }
    }

    /// TFLM's `CalculateActivationRange` for float: finite bounds, as TFLM uses
    /// `numeric_limits<float>::lowest()/max()`.
    pub fn range_f32(self) -> (f32, f32) {
        match self {
            Activation::None => (f32::MIN, f32::MAX),
            Activation::Relu => (0.0, f32::MAX),
            Activation::ReluN1To1 => (-1.0, 1.0),
            Activation::Relu6 => (0.0, 6.0),
        }
    }

    /// TFLM's `CalculateActivationRangeQuantized` for an output tensor.
    pub fn range_quantized(self, output: &Tensor) -> Result<(i32, i32), Error> {
        let (qmin, qmax) = qrange(output.dtype).ok_or_else(|| {
            Error::new(format!("{} is not a quantized type", output.dtype.name()))
        })?;
        let (scale, zp) = match &output.quant {
            Some(q) => (q.scale0(), q.zero_point0() as i32),
            None => {
                return Err(Error::new(format!(
                    "tensor '{}' has no quantization",
                    output.name
                )))
            }
        };
        let quantize = |f: f32| -> i32 { zp.saturating_add((f / scale).round() as i32) };
        Ok(match self {
            Activation::None => (qmin, qmax),
            Activation::Relu => (qmin.max(quantize(0.0)), qmax),
            Activation::Relu6 => (qmin.max(quantize(0.0)), qmax.min(quantize(6.0))),
            Activation::ReluN1To1 => (qmin.max(quantize(-1.0)), qmax.min(quantize(1.0))),
        })
    }
}

/// The representable range of a quantized integer type.
pub fn qrange(dtype: DType) -> Option<(i32, i32)> {
    match dtype {
        DType::I8 => Some((-128, 127)),
        DType::U8 => Some((0, 255)),
        DType::I16 => Some((-32768, 32767)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frexp_matches_c() {
        assert_eq!(frexp(1.0), (0.5, 1));
        assert_eq!(frexp(0.75), (0.75, 0));
        assert_eq!(frexp(3.0), (0.75, 2));
        assert_eq!(frexp(1e-310).1, -1029);
        let (f, e) = frexp(1e-310);
        assert!((0.5..1.0).contains(&f));
        // Scale back in two steps: 2^-1029 alone is below the subnormal range of powi's result.
        assert_eq!(f * 2f64.powi(e + 64) * 2f64.powi(-64), 1e-310);
    }

    #[test]
    fn quantize_multiplier_examples() {
        assert_eq!(quantize_multiplier(0.5), (1 << 30, 0));
        assert_eq!(quantize_multiplier(0.25), (1 << 30, -1));
        assert_eq!(quantize_multiplier(1.0), (1 << 30, 1));
        // Rounds up to 2^31: renormalised.
        assert_eq!(quantize_multiplier(0.999_999_999_9), (1 << 30, 1));
        assert_eq!(quantize_multiplier(0.0), (0, 0));
        // Too small: flushed to zero.
        assert_eq!(quantize_multiplier(1e-12), (0, 0));
    }
}
