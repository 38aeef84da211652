//! SOFTMAX: float32; int8 → int8 or int16 (gemmlowp fixed point); int16 → int16 (lookup
//! tables). The beta multiplier, `diff_min` and both int16 lookup tables are computed here, as
//! TFLM's `SoftmaxPrepare` does, and emitted as constants.

use proc_macro2::TokenStream;
use quote::quote;

use super::tensor_util::{per_tensor, unary_io};
use super::{expect_dtype, OpImpl};
use crate::error::Error;
use crate::expand::{f32_lit, Arg, Emitter};
use crate::ir::{DType, Graph, Node};
use crate::quantize::quantize_multiplier;
use crate::tflite;

/// A lowered SOFTMAX.
pub struct Softmax {
    beta: f32,
}

/// Reads SOFTMAX's options.
pub fn lower(op: &tflite::Operator<'_>) -> Result<Box<dyn OpImpl>, String> {
    let beta = op
        .builtin_options_as_softmax_options()
        .map(|o| o.beta())
        .unwrap_or(0.0);
    Ok(Box::new(Softmax { beta }))
}

/// Integer bits of the rescaled input differences of the int8 kernel (Q5.26), as the runtime's
/// fixed point takes them.
const SCALED_DIFF_INTEGER_BITS: i32 = kiln_fixedpoint::SOFTMAX_DIFF_INTEGER_BITS;

/// TFLite's `PreprocessSoftmaxScaling` (double rounding build): the multiplier and left shift
/// that take an input difference to Q5.26, and `diff_min` (`−CalculateInputRadius`).
pub fn int8_scaling(beta: f32, input_scale: f32) -> (i32, i32, i32) {
    let real = (f64::from(beta)
        * f64::from(input_scale)
        * f64::from(1i32 << (31 - SCALED_DIFF_INTEGER_BITS)))
    .min(f64::from(i32::MAX));
    let (multiplier, left_shift) = quantize_multiplier(real);
    let radius = f64::from((1i32 << SCALED_DIFF_INTEGER_BITS) - 1)
        * (1i64 << (31 - SCALED_DIFF_INTEGER_BITS)) as f64
        / (1i64 << left_shift.clamp(0, 62)) as f64;
    let diff_min = -(radius.floor() as i32);
    (multiplier, left_shift, diff_min)
}

/// Flash bytes up to which an int8 SOFTMAX looks its exponents up in a table
/// ([`exp_table`], `softmax_s8_table`) instead of computing each twice with gemmlowp's fixed-point
/// `exp` (`softmax_s8`): a table of 128 differences (`diff_min ≥ −127`) costs about what it
/// saves in flash; larger ones would cost a model with a single small softmax more flash than
/// the time they save is worth.
const EXP_TABLE_MAX_BYTES: usize = 512;

/// The exponent table of the int8 kernel (`kiln::kernels::softmax_exp_table`): entry `d` is
/// gemmlowp's `exp` of the difference `−d` scaled by `multiplier · 2^left_shift`, for every
/// difference an int8 row can have from 0 down to `diff_min` (at most 256 entries).
pub fn exp_table(multiplier: i32, left_shift: i32, diff_min: i32) -> Vec<i32> {
    (0..=diff_min.clamp(-255, 0).unsigned_abs() as i32)
        .map(|d| kiln_fixedpoint::softmax_exp(-d, multiplier, left_shift))
        .collect()
}

/// TFLM's `gen_lut` for int16 tables: 512 interpolation points of `f` over `[min, max]` plus
/// the end point, scaled from [−1, 1] to int16 with the midpoint error halved. All arithmetic in
/// float32 as TFLM does.
pub fn gen_lut_s16(f: impl Fn(f32) -> f32, min: f32, max: f32) -> Vec<i16> {
    const STEPS: i32 = 512;
    let step = (max - min) / STEPS as f32;
    let half_step = step / 2.0;
    let scaling_inv = 65536.0f32 / 2.0; // (int16 range) / (output_max − output_min)
    let clamp = |v: f32| v.clamp(-32768.0, 32767.0) as i16;
    let mut lut = Vec::with_capacity(513);
    for i in 0..STEPS {
        let val = f(min + i as f32 * step);
        let val_midpoint = f(min + i as f32 * step + half_step);
        let val_next = f(min + (i + 1) as f32 * step);
        let sample = (val * scaling_inv).round();
        let midpoint_interp =
            ((val_next * scaling_inv + (val * scaling_inv).round()) / 2.0).round();
        let midpoint = (val_midpoint * scaling_inv).round();
        let bias = ((midpoint_interp - midpoint) / 2.0).round();
        lut.push(clamp(sample - bias));
    }
    lut.push(clamp((f(max) * scaling_inv).round()));
    lut
}

fn lut_bytes(lut: &[i16]) -> Vec<u8> {
    lut.iter().flat_map(|v| v.to_le_bytes()).collect()
}

impl Softmax {
    fn shape(g: &Graph, input: usize) -> (usize, usize) {
        let t = g.tensor(input);
        let depth = t.shape.last().copied().unwrap_or(1).max(1);
        (t.elements() / depth, depth)
    }
}

impl OpImpl for Softmax {
    fn validate(&self, g: &Graph, node: &Node) -> Result<(), Error> {
        let err = |m: String| Error::op(node.index, node.name, m);
        let (input, output) = unary_io(node).map_err(err)?;
        let it =
            expect_dtype(g, input, "input", &[DType::F32, DType::I8, DType::I16]).map_err(err)?;
        let ot = g.tensor(output).dtype;
        if g.tensor(input).shape != g.tensor(output).shape {
            return Err(err(format!(
                "input {} and output {} differ in shape",
                g.tensor(input).describe(),
                g.tensor(output).describe()
            )));
        }
        let unsupported = || {
            err(format!(
                "{} input with {} output is not supported (supported: float32→float32, int8→int8, int8→int16, int16→int16)",
                it.name(),
                ot.name()
            ))
        };
        match (it, ot) {
            (DType::F32, DType::F32) => Ok(()),
            (DType::I8, DType::I8) | (DType::I8, DType::I16) | (DType::I16, DType::I16) => {
                per_tensor(g, input, "input").map_err(err)?;
                let (scale, zp) = per_tensor(g, output, "output").map_err(err)?;
                let (want_zp, want_scale, exact) = match (it, ot) {
                    (DType::I8, DType::I8) => (-128, 1.0 / 256.0, true),
                    (DType::I8, _) => (-32768, 1.0 / 65536.0, false),
                    _ => (0, 1.0 / 32768.0, false),
                };
                let scale_ok = if exact {
                    scale == want_scale
                } else {
                    (scale - want_scale).abs() <= 0.001 * want_scale
                };
                if zp != want_zp || !scale_ok {
                    return Err(err(format!(
                        "{} output must have scale {want_scale} and zero point {want_zp} (as TFLM requires), \
                         but has scale {scale} and zero point {zp}",
                        ot.name()
                    )));
                }
                Ok(())
            }
            _ => Err(unsupported()),
        }
    }

    fn emit(&self, g: &Graph, node: &Node, e: &mut Emitter<'_>) -> Result<TokenStream, Error> {
        let err = |m: String| Error::op(node.index, node.name, m);
        let (input, output) = unary_io(node).map_err(err)?;
        let (rows, depth) = Self::shape(g, input);
        let args = [Arg::In(input), Arg::Out(output)];
        match (g.tensor(input).dtype, g.tensor(output).dtype) {
            (DType::F32, _) => {
                let beta = f32_lit(self.beta);
                let p = quote!(::kiln::__private::SoftmaxF32Params { rows: #rows, depth: #depth, beta: #beta });
                Ok(e.call(quote!(softmax_f32), quote!(SoftmaxF32Params), p, &args))
            }
            (DType::I8, ot) => {
                let (scale, _) = per_tensor(g, input, "input").map_err(err)?;
                let (m, ls, diff_min) = int8_scaling(self.beta, scale);
                let p = quote!(::kiln::__private::SoftmaxS8Params {
                    rows: #rows, depth: #depth, input_multiplier: #m, input_left_shift: #ls, diff_min: #diff_min,
                });
                if ot == DType::I16 {
                    return Ok(e.call(quote!(softmax_s8_s16), quote!(SoftmaxS8Params), p, &args));
                }
                let exps = exp_table(m, ls, diff_min);
                if 4 * exps.len() > EXP_TABLE_MAX_BYTES {
                    return Ok(e.call(quote!(softmax_s8), quote!(SoftmaxS8Params), p, &args));
                }
                let exps = e.constant_i32(&exps);
                Ok(e.call(
                    quote!(softmax_s8_table),
                    quote!(SoftmaxS8Params),
                    p,
                    &[Arg::Static(exps), Arg::In(input), Arg::Out(output)],
                ))
            }
            _ => {
                let (scale, _) = per_tensor(g, input, "input").map_err(err)?;
                let real = f64::from(scale) * f64::from(self.beta) / (10.0 / 65535.0);
                let (m, s) = quantize_multiplier(real);
                let exp_lut = gen_lut_s16(|x| x.exp(), -10.0, 0.0);
                let recip_lut = gen_lut_s16(|x| 1.0 / (1.0 + x), 0.0, 1.0);
                let exp_id = e.constant(DType::I16, &lut_bytes(&exp_lut));
                let recip_id = e.constant(DType::I16, &lut_bytes(&recip_lut));
                let p = quote!(::kiln::__private::SoftmaxS16Params {
                    rows: #rows, depth: #depth, input_multiplier: #m, input_shift: #s,
                });
                Ok(e.call(
                    quote!(softmax_s16),
                    quote!(SoftmaxS16Params),
                    p,
                    &[
                        Arg::Static(exp_id),
                        Arg::Static(recip_id),
                        Arg::In(input),
                        Arg::Out(output),
                    ],
                ))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int8_scaling_for_scale_one_sixteenth() {
        // beta 1, scale 1/16: 2^26 / 16 = 2^22 -> significand 2^30, shift 23.
        let (m, ls, diff_min) = int8_scaling(1.0, 1.0 / 16.0);
        assert_eq!((m, ls), (1 << 30, 23));
        // radius = 31 · 2^26 / 2^23 = 248
        assert_eq!(diff_min, -248);
    }

    #[test]
    fn int8_scaling_caps_huge_multipliers() {
        let (m, ls, _) = int8_scaling(1e6, 1.0);
        assert_eq!(ls, 31);
        assert!(m > 0);
    }

    #[test]
    fn exp_table_covers_differences_down_to_diff_min() {
        for (beta, scale) in [(1.0, 0.1), (1.0, 0.0625), (1.0, 1.0 / 256.0), (2.0, 0.02)] {
            let (m, ls, diff_min) = int8_scaling(beta, scale);
            let t = exp_table(m, ls, diff_min);
            assert_eq!(t.len(), 1 + diff_min.clamp(-255, 0).unsigned_abs() as usize);
            assert_eq!(t[0], i32::MAX, "exp(0) is one in Q0");
            for (d, e) in t.iter().enumerate() {
                let want = (-f64::from(beta) * f64::from(scale) * d as f64).exp();
                let got = f64::from(*e) / 2f64.powi(31);
                assert!(
                    (got - want).abs() < 1e-6,
                    "exp(-{d}·{scale}) = {got}, not {want}"
                );
            }
        }
    }

    #[test]
    fn exp_lut_end_points() {
        let lut = gen_lut_s16(|x| x.exp(), -10.0, 0.0);
        assert_eq!(lut.len(), 513);
        // exp(0) · 32768 = 32768 clamps to 32767; exp(-10) · 32768 ≈ 1.49, plus the
        // midpoint bias correction.
        assert_eq!(lut[512], 32767);
        assert_eq!(lut[0], 2);
        assert!(lut.windows(2).all(|w| w[0] <= w[1]));
        let recip = gen_lut_s16(|x| 1.0 / (1.0 + x), 0.0, 1.0);
        assert_eq!(recip[0], 32767);
        assert_eq!(recip[512], 16384);
    }
}
