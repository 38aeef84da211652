//! QUANTIZE and DEQUANTIZE.
//!
//! QUANTIZE: float32 → int8/int16, and the integer requantizations TFLM supports (int8↔int8,
//! int8↔uint8, int8→int16/int32, int16→int8/int16/int32, int32→int8/int16).
//! DEQUANTIZE: int8/int16 → float32, and constant float16 → float32. Float16 weights stay
//! 16-bit in flash (half the bytes of float32) and are widened into the arena on every
//! inference, just before the operators that read them; TFLM rejects float16 DEQUANTIZE, so
//! that case is checked against LiteRT's reference kernels (an exact widening).

use proc_macro2::TokenStream;
use quote::quote;

use super::tensor_util::{per_tensor, same_elements, unary_io};
use super::OpImpl;
use crate::error::Error;
use crate::expand::{f32_lit, Arg, Emitter};
use crate::ir::{DType, Graph, Node};
use crate::quantize::quantize_multiplier;
use crate::tflite;

/// A lowered QUANTIZE.
pub struct Quantize;

/// A lowered DEQUANTIZE.
pub struct Dequantize;

/// Reads QUANTIZE.
pub fn lower_quantize(_op: &tflite::Operator<'_>) -> Result<Box<dyn OpImpl>, String> {
    Ok(Box::new(Quantize))
}

/// Reads DEQUANTIZE.
pub fn lower_dequantize(_op: &tflite::Operator<'_>) -> Result<Box<dyn OpImpl>, String> {
    Ok(Box::new(Dequantize))
}

/// The kernel of an integer → integer requantization, if TFLM supports the pair.
fn requantize_kernel(from: DType, to: DType) -> Option<&'static str> {
    Some(match (from, to) {
        (DType::I8, DType::I8) => "requantize_s8_s8",
        (DType::I8, DType::U8) => "requantize_s8_u8",
        (DType::U8, DType::I8) => "requantize_u8_s8",
        (DType::I8, DType::I16) => "requantize_s8_s16",
        (DType::I8, DType::I32) => "requantize_s8_s32",
        (DType::I16, DType::I8) => "requantize_s16_s8",
        (DType::I16, DType::I16) => "requantize_s16_s16",
        (DType::I16, DType::I32) => "requantize_s16_s32",
        (DType::I32, DType::I8) => "requantize_s32_s8",
        (DType::I32, DType::I16) => "requantize_s32_s16",
        _ => return None,
    })
}

const QUANTIZE_SUPPORTED: &str = "float32→int8, float32→int16, int8→int8/uint8/int16/int32, \
    uint8→int8, int16→int8/int16/int32, int32→int8/int16";

impl OpImpl for Quantize {
    fn validate(&self, g: &Graph, node: &Node) -> Result<(), Error> {
        let err = |m: String| Error::op(node.index, node.name, m);
        let (input, output) = unary_io(node).map_err(err)?;
        same_elements(g, input, output).map_err(err)?;
        let (from, to) = (g.tensor(input).dtype, g.tensor(output).dtype);
        let ok = matches!((from, to), (DType::F32, DType::I8 | DType::I16))
            || requantize_kernel(from, to).is_some();
        if !ok {
            return Err(err(format!(
                "{} → {} is not supported (supported: {QUANTIZE_SUPPORTED})",
                from.name(),
                to.name()
            )));
        }
        per_tensor(g, output, "output").map_err(err)?;
        if from != DType::F32 {
            per_tensor(g, input, "input").map_err(err)?;
        }
        Ok(())
    }

    fn emit(&self, g: &Graph, node: &Node, e: &mut Emitter<'_>) -> Result<TokenStream, Error> {
        let err = |m: String| Error::op(node.index, node.name, m);
        let (input, output) = unary_io(node).map_err(err)?;
        let (from, to) = (g.tensor(input).dtype, g.tensor(output).dtype);
        let (out_scale, out_zp) = per_tensor(g, output, "output").map_err(err)?;
        let args = [Arg::In(input), Arg::Out(output)];
        if from == DType::F32 {
            let k = if to == DType::I8 {
                quote!(quantize_f32_s8)
            } else {
                quote!(quantize_f32_s16)
            };
            let s = f32_lit(out_scale);
            let p = quote!(::kiln::__private::QuantizeF32Params { scale: #s, zero_point: #out_zp });
            return Ok(e.call(k, quote!(QuantizeF32Params), p, &args));
        }
        let (in_scale, in_zp) = per_tensor(g, input, "input").map_err(err)?;
        let name = requantize_kernel(from, to)
            .ok_or_else(|| err(format!("{} → {} is not supported", from.name(), to.name())))?;
        let k = quote::format_ident!("{}", name);
        let (m, s) = quantize_multiplier(f64::from(in_scale) / f64::from(out_scale));
        let p = quote!(::kiln::__private::RequantizeParams {
            input_zero_point: #in_zp, output_zero_point: #out_zp, multiplier: #m, shift: #s,
        });
        Ok(e.call(quote!(#k), quote!(RequantizeParams), p, &args))
    }
}

impl OpImpl for Dequantize {
    fn validate(&self, g: &Graph, node: &Node) -> Result<(), Error> {
        let err = |m: String| Error::op(node.index, node.name, m);
        let (input, output) = unary_io(node).map_err(err)?;
        same_elements(g, input, output).map_err(err)?;
        let (from, to) = (g.tensor(input).dtype, g.tensor(output).dtype);
        match (from, to) {
            (DType::I8 | DType::I16, DType::F32) => per_tensor(g, input, "input").map(|_| ()).map_err(err),
            (DType::F16, DType::F32) if g.tensor(input).is_const() => Ok(()),
            (DType::F16, DType::F32) => Err(err(format!(
                "float16 input '{}' is not constant (supported: constant float16 weights)",
                g.tensor(input).name
            ))),
            _ => Err(err(format!(
                "{} → {} is not supported (supported: int8→float32, int16→float32, constant float16→float32)",
                from.name(),
                to.name()
            ))),
        }
    }

    fn emit(&self, g: &Graph, node: &Node, e: &mut Emitter<'_>) -> Result<TokenStream, Error> {
        let err = |m: String| Error::op(node.index, node.name, m);
        let (input, output) = unary_io(node).map_err(err)?;
        let args = [Arg::In(input), Arg::Out(output)];
        match g.tensor(input).dtype {
            DType::F16 => Ok(e.call(
                quote!(dequantize_f16_f32),
                quote!(DequantizeF16Params),
                quote!(::kiln::__private::DequantizeF16Params),
                &args,
            )),
            dt => {
                let (scale, zp) = per_tensor(g, input, "input").map_err(err)?;
                let scale = proc_macro2::Literal::f64_suffixed(f64::from(scale));
                let k = if dt == DType::I8 {
                    quote!(dequantize_s8_f32)
                } else {
                    quote!(dequantize_s16_f32)
                };
                let p =
                    quote!(::kiln::__private::DequantizeParams { scale: #scale, zero_point: #zp });
                Ok(e.call(k, quote!(DequantizeParams), p, &args))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requantize_pairs_follow_tflm() {
        assert_eq!(
            requantize_kernel(DType::I32, DType::I16),
            Some("requantize_s32_s16")
        );
        assert_eq!(
            requantize_kernel(DType::I16, DType::I32),
            Some("requantize_s16_s32")
        );
        assert_eq!(
            requantize_kernel(DType::U8, DType::I8),
            Some("requantize_u8_s8")
        );
        assert_eq!(requantize_kernel(DType::U8, DType::U8), None);
        assert_eq!(requantize_kernel(DType::I32, DType::I32), None);
    }
}
