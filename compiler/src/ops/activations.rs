//! RELU, RELU6, LEAKY_RELU, LOGISTIC, TANH, HARD_SWISH: float32, int8 and int16 (HARD_SWISH:
//! float32 and int8, as in TFLM), with every constant
//! computed here the way TFLM's Prepare functions compute it.
//!
//! Standalone quantized RELU6 follows TFLM: it clamps to the input's quantized 0 and 6 and
//! ignores the output quantization (TFLite would requantize; see the zoo README).

use proc_macro2::TokenStream;
use quote::quote;

use super::tensor_util::{kernel, per_tensor, same_dtype, same_elements, suffix, unary_io};
use super::{expect_dtype, OpImpl};
use crate::error::Error;
use crate::expand::{f32_lit, Arg, Emitter};
use crate::ir::{DType, Graph, Node};
use crate::quantize::{frexp, quantize_multiplier};
use crate::tflite;

/// Which activation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Kind {
    /// `max(x, 0)`
    Relu,
    /// `clamp(x, 0, 6)`
    Relu6,
    /// `x > 0 ? x : alpha·x`
    LeakyRelu(f32),
    /// `1 / (1 + exp(−x))`
    Logistic,
    /// `tanh(x)`
    Tanh,
    /// `x · relu6(x + 3) / 6`
    HardSwish,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Relu => "relu",
            Kind::Relu6 => "relu6",
            Kind::LeakyRelu(_) => "leaky_relu",
            Kind::Logistic => "logistic",
            Kind::Tanh => "tanh",
            Kind::HardSwish => "hard_swish",
        }
    }
}

/// A lowered activation.
pub struct Activation {
    kind: Kind,
}

/// Reads RELU.
pub fn lower_relu(_op: &tflite::Operator<'_>) -> Result<Box<dyn OpImpl>, String> {
    Ok(Box::new(Activation { kind: Kind::Relu }))
}

/// Reads RELU6.
pub fn lower_relu6(_op: &tflite::Operator<'_>) -> Result<Box<dyn OpImpl>, String> {
    Ok(Box::new(Activation { kind: Kind::Relu6 }))
}

/// Reads LEAKY_RELU's options.
pub fn lower_leaky_relu(op: &tflite::Operator<'_>) -> Result<Box<dyn OpImpl>, String> {
    let alpha = op
        .builtin_options_as_leaky_relu_options()
        .map(|o| o.alpha())
        .unwrap_or(0.0);
    Ok(Box::new(Activation {
        kind: Kind::LeakyRelu(alpha),
    }))
}

/// Reads LOGISTIC.
pub fn lower_logistic(_op: &tflite::Operator<'_>) -> Result<Box<dyn OpImpl>, String> {
    Ok(Box::new(Activation {
        kind: Kind::Logistic,
    }))
}

/// Reads TANH.
pub fn lower_tanh(_op: &tflite::Operator<'_>) -> Result<Box<dyn OpImpl>, String> {
    Ok(Box::new(Activation { kind: Kind::Tanh }))
}

/// Reads HARD_SWISH.
pub fn lower_hard_swish(_op: &tflite::Operator<'_>) -> Result<Box<dyn OpImpl>, String> {
    Ok(Box::new(Activation {
        kind: Kind::HardSwish,
    }))
}

/// TFLite's `DownScaleInt32ToInt16Multiplier`: a Q0.31 significand rounded to Q0.15.
pub fn downscale_multiplier(m: i32) -> i16 {
    if m >= i32::MAX - (1 << 15) {
        i16::MAX
    } else {
        ((m + (1 << 15)) >> 16) as i16
    }
}

/// Constants of the int8 HARD_SWISH kernel, from TFLM's `HardSwishPrepare` (float32 ratios):
/// `(output multiplier, output exponent, reluish multiplier, reluish exponent)`.
pub fn hard_swish_s8(input_scale: f32, output_scale: f32) -> (i16, i32, i16, i32) {
    let hires = (1.0f32 / 128.0) * input_scale;
    let reluish_scale = 3.0f32 / 32768.0;
    let (om, oe) = quantize_multiplier(f64::from(hires / output_scale));
    let (rm, re) = quantize_multiplier(f64::from(hires / reluish_scale));
    (downscale_multiplier(om), oe, downscale_multiplier(rm), re)
}

/// TFLite's `CheckedLog2`: the rounded base-2 logarithm of `x` (float32 arithmetic) and whether
/// `x` is within 1e-3 (in log2) of that power of two.
pub fn checked_log2(x: f32) -> (i32, bool) {
    let log2 = x.ln() * (1.0f32 / 2.0f32.ln());
    let rounded = log2.round();
    (rounded as i32, (log2 - rounded).abs() < 1e-3)
}

/// Constants of the int8 LOGISTIC / TANH kernels (input rescaled to Q4.27):
/// `(multiplier, shift, input_range_radius)`.
pub fn sigmoid_s8(input_scale: f32) -> (i32, i32, i32) {
    const INPUT_INTEGER_BITS: i32 = 4;
    let real = f64::from(input_scale) * f64::from(1i32 << (31 - INPUT_INTEGER_BITS));
    let (q, shift) = frexp(real);
    let multiplier = (q * 2f64.powi(31)).round().min(f64::from(i32::MAX)) as i32;
    let radius = f64::from((1i32 << INPUT_INTEGER_BITS) - 1) * 2f64.powi(31 - INPUT_INTEGER_BITS)
        / 2f64.powi(shift);
    (multiplier, shift, radius.floor() as i32)
}

/// Constants of the int16 LOGISTIC / TANH kernels: `(multiplier, right shift)` applied as
/// `(x · multiplier + round) >> shift`, with TFLM's power-of-two case resolved.
/// `tanh` allows a power-of-two input shift of 0 or 1, `logistic` only 0.
pub fn sigmoid_s16(input_scale: f32, tanh: bool) -> (i32, i32) {
    const INPUT_INTEGER_BITS: i32 = 3;
    let (log2, pot) = checked_log2(input_scale);
    let left_shift = (15 - INPUT_INTEGER_BITS) + log2;
    let pot = pot && (left_shift == 0 || (tanh && left_shift == 1));
    if pot {
        return (3 << left_shift, 0);
    }
    let mut multiplier = f64::from(input_scale) * 4096.0 * 3.0;
    let mut shift = 0;
    while multiplier <= 32767.0 / 2.0 && shift <= 30 {
        shift += 1;
        multiplier *= 2.0;
    }
    (multiplier as i32, shift)
}

impl OpImpl for Activation {
    fn validate(&self, g: &Graph, node: &Node) -> Result<(), Error> {
        let err = |m: String| Error::op(node.index, node.name, m);
        let (input, output) = unary_io(node).map_err(err)?;
        let dt =
            expect_dtype(g, input, "input", &[DType::F32, DType::I8, DType::I16]).map_err(err)?;
        same_dtype(g, input, output).map_err(err)?;
        same_elements(g, input, output).map_err(err)?;
        if dt == DType::F32 {
            return Ok(());
        }
        let (_, in_zp) = per_tensor(g, input, "input").map_err(err)?;
        let (out_scale, out_zp) = per_tensor(g, output, "output").map_err(err)?;
        let zero_zp = |what: &str| -> Result<(), Error> {
            if in_zp != 0 || out_zp != 0 {
                return Err(err(format!(
                    "int16 {what} needs zero points of 0 (as TFLM requires), got input {in_zp} and output {out_zp}"
                )));
            }
            Ok(())
        };
        match (self.kind, dt) {
            (Kind::HardSwish, DType::I16) => {
                return Err(err(
                    "int16 HARD_SWISH is not supported (supported: float32, int8)".into(),
                ))
            }
            (Kind::HardSwish, _) => {
                let (in_scale, _) = per_tensor(g, input, "input").map_err(err)?;
                let (_, oe, _, _) = hard_swish_s8(in_scale, out_scale);
                if oe > 0 {
                    return Err(err(format!(
                        "output scale {out_scale} is too small for the input scale {in_scale} (TFLM requires \
                         input_scale / 128 <= output_scale)"
                    )));
                }
            }
            (Kind::Relu, DType::I16) => zero_zp("RELU")?,
            (Kind::Logistic, DType::I8) if out_zp != -128 => {
                return Err(err(format!(
                "int8 LOGISTIC needs an output zero point of -128 (as TFLM requires), got {out_zp}"
            )))
            }
            (Kind::Logistic | Kind::Tanh, DType::I16) => {
                zero_zp(if self.kind == Kind::Tanh {
                    "TANH"
                } else {
                    "LOGISTIC"
                })?;
                let (log2, pot) = checked_log2(out_scale);
                if !pot || log2 != -15 {
                    return Err(err(format!(
                        "int16 output scale {out_scale} is not 2^-15 (as TFLM requires)"
                    )));
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn emit(&self, g: &Graph, node: &Node, e: &mut Emitter<'_>) -> Result<TokenStream, Error> {
        let err = |m: String| Error::op(node.index, node.name, m);
        let (input, output) = unary_io(node).map_err(err)?;
        let dt = g.tensor(input).dtype;
        let sfx = suffix(dt).ok_or_else(|| err(format!("{} is not supported", dt.name())))?;
        let k = kernel(self.kind.name(), sfx);
        let args = [Arg::In(input), Arg::Out(output)];
        if dt == DType::F32 {
            return Ok(match self.kind {
                Kind::LeakyRelu(alpha) => {
                    let a = f32_lit(alpha);
                    e.call(
                        k,
                        quote!(LeakyReluF32Params),
                        quote!(::kiln::__private::LeakyReluF32Params { alpha: #a }),
                        &args,
                    )
                }
                _ => e.call(
                    k,
                    quote!(NoParams),
                    quote!(::kiln::__private::NoParams),
                    &args,
                ),
            });
        }
        let (in_scale, in_zp) = per_tensor(g, input, "input").map_err(err)?;
        let (out_scale, out_zp) = per_tensor(g, output, "output").map_err(err)?;
        let (tmin, tmax) = if dt == DType::I8 {
            (-128i32, 127i32)
        } else {
            (-32768, 32767)
        };
        Ok(match self.kind {
            Kind::Relu => {
                let (m, s) = quantize_multiplier(f64::from(in_scale) / f64::from(out_scale));
                let amin = tmin.max(out_zp);
                let p = quote!(::kiln::__private::ReluQuantParams {
                    input_offset: #in_zp, output_offset: #out_zp, output_multiplier: #m, output_shift: #s,
                    activation_min: #amin, activation_max: #tmax,
                });
                e.call(k, quote!(ReluQuantParams), p, &args)
            }
            Kind::Relu6 => {
                let six = quantized(6.0, in_scale, in_zp).clamp(tmin, tmax);
                let p = quote!(::kiln::__private::Relu6QuantParams { lower: #in_zp, upper: #six });
                e.call(k, quote!(Relu6QuantParams), p, &args)
            }
            Kind::LeakyRelu(alpha) => {
                let (am, ash) = quantize_multiplier(f64::from(in_scale * alpha / out_scale));
                let (im, ish) = quantize_multiplier(f64::from(in_scale / out_scale));
                // A negative alpha gives a negative significand, which TFLM multiplies by as is.
                let p = quote!(::kiln::__private::LeakyReluQuantParams {
                    input_offset: #in_zp, output_offset: #out_zp, alpha_multiplier: #am, alpha_shift: #ash,
                    identity_multiplier: #im, identity_shift: #ish,
                });
                e.call(k, quote!(LeakyReluQuantParams), p, &args)
            }
            Kind::HardSwish => {
                let (om, oe, rm, re) = hard_swish_s8(in_scale, out_scale);
                let p = quote!(::kiln::__private::HardSwishS8Params {
                    input_zero_point: #in_zp, output_zero_point: #out_zp, output_multiplier: #om,
                    output_exponent: #oe, reluish_multiplier: #rm, reluish_exponent: #re,
                });
                e.call(k, quote!(HardSwishS8Params), p, &args)
            }
            Kind::Logistic | Kind::Tanh if dt == DType::I8 => {
                let (m, s, radius) = sigmoid_s8(in_scale);
                let p = quote!(::kiln::__private::SigmoidS8Params {
                    input_zero_point: #in_zp, input_range_radius: #radius, input_multiplier: #m, input_shift: #s,
                });
                e.call(k, quote!(SigmoidS8Params), p, &args)
            }
            Kind::Logistic | Kind::Tanh => {
                let (m, s) = sigmoid_s16(in_scale, self.kind == Kind::Tanh);
                let p = quote!(::kiln::__private::SigmoidS16Params { input_multiplier: #m, input_shift: #s });
                e.call(k, quote!(SigmoidS16Params), p, &args)
            }
        })
    }
}

/// TFLM's `FloatToQuantizedType` without the final clamp: `round(value / scale) + zero_point`.
fn quantized(value: f32, scale: f32, zero_point: i32) -> i32 {
    ((value / scale).round() as i32).saturating_add(zero_point)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log2_of_powers_of_two() {
        assert_eq!(checked_log2(1.0 / 32768.0), (-15, true));
        assert_eq!(checked_log2(0.25), (-2, true));
        assert!(!checked_log2(0.3).1);
    }

    #[test]
    fn sigmoid_s8_constants() {
        // scale 1/16: 2^27 / 16 = 2^23 -> frexp 0.5 · 2^24
        let (m, s, r) = sigmoid_s8(1.0 / 16.0);
        assert_eq!((m, s), (1 << 30, 24));
        // radius = 15 · 2^27 / 2^24 = 120
        assert_eq!(r, 120);
    }

    #[test]
    fn sigmoid_s16_constants() {
        // scale 2^-12: power-of-two case for both.
        assert_eq!(sigmoid_s16(1.0 / 4096.0, false), (3, 0));
        // scale 2^-11: power of two only for tanh.
        assert_eq!(sigmoid_s16(1.0 / 2048.0, true), (6, 0));
        let (m, s) = sigmoid_s16(1.0 / 2048.0, false);
        assert_eq!((m, s), (24576, 12));
        // general scale
        let (m, s) = sigmoid_s16(0.001, false);
        assert!(m > 16383 && m <= 32767 && s > 0);
    }

    #[test]
    fn hard_swish_constants() {
        // scales 1/16: hires 2^-11; output ratio 2^-7 -> (2^30, -6) -> 16384;
        // reluish 2^-11 / (3 · 2^-15) = 16/3 = 0.6667 · 2^3.
        let (om, oe, rm, re) = hard_swish_s8(1.0 / 16.0, 1.0 / 16.0);
        assert_eq!((om, oe, re), (16384, -6, 3));
        assert_eq!(rm, 21845);
        assert_eq!(downscale_multiplier(i32::MAX), i16::MAX);
    }

    #[test]
    fn relu6_upper_is_six_in_input_scale() {
        assert_eq!(quantized(6.0, 0.0113, -119), -119 + 531);
    }
}
