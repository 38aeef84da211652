//! FULLY_CONNECTED: float32; int8 with per-tensor or per-channel int8 weights and int32 bias;
//! int16 activations with int8 weights and int64 bias, or int32 / no bias with TFLM's 32-bit
//! accumulator (16x8, zero points 0).

use proc_macro2::TokenStream;
use quote::quote;

use super::conv_common::{
    abs_sums_channel_major, bias_i32, channel_multipliers, emit_pointwise_s8, fast_requant_ok,
    requant_arg, Pointwise,
};
use super::{expect_dtype, OpImpl};
use crate::error::Error;
use crate::expand::{Arg, Emitter};
use crate::ir::{DType, Graph, Node};
use crate::quantize::{quantize_multiplier, Activation};
use crate::tflite;

/// Float layers with fewer output units than this use the reference kernel.
const FC_F32_BLOCKED_MIN_UNITS: usize = 8;
/// Float layers with fewer multiply-accumulates than this use the reference kernel: below it the
/// blocked kernel's code costs more flash than its speed is worth (measured on the sine model).
const FC_F32_BLOCKED_MIN_MACS: usize = 1024;

/// int8 layers with fewer multiply-accumulates than this use plain loops that LLVM inlines with
/// constant dimensions (`fully_connected_small_s8`, or the reference kernel outside the short
/// requantization's bounds). Measured with the small kernel: gen_cnn's 32×10 output layer (320)
/// runs 239 fewer instructions on the one-row kernel, for 264 B more flash and 44 B more stack.
const FC_S8_FAST_MIN_MACS: usize = 320;

/// A lowered FULLY_CONNECTED operator.
pub struct FullyConnected {
    activation: Activation,
}

/// Reads the operator's options.
pub fn lower(op: &tflite::Operator<'_>) -> Result<Box<dyn OpImpl>, String> {
    let (activation, weights_format) = match op.builtin_options_as_fully_connected_options() {
        Some(o) => (o.fused_activation_function().0, o.weights_format().0),
        None => (0, 0),
    };
    if weights_format != 0 {
        return Err("shuffled weights format is not supported (supported: DEFAULT)".into());
    }
    Ok(Box::new(FullyConnected {
        activation: Activation::from_schema(activation)?,
    }))
}

/// Shapes of one fully connected layer.
struct Dims {
    batches: usize,
    depth: usize,
    units: usize,
}

fn dims(g: &Graph, node: &Node) -> Result<Dims, String> {
    let (Some(input), Some(weights)) = (node.input(0), node.input(1)) else {
        return Err("needs an input and a weights tensor".into());
    };
    let [output] = node.outputs[..] else {
        return Err(format!("has {} outputs, expected 1", node.outputs.len()));
    };
    let w = g.tensor(weights);
    // Float weights may be computed at run time (DEQUANTIZE of float16 constants).
    let runtime_ok = w.dtype == DType::F32;
    if !w.is_const() && !runtime_ok {
        return Err(format!(
            "weights '{}' are not constant (only constant weights are supported)",
            w.name
        ));
    }
    let [units, depth] = w.shape[..] else {
        return Err(format!(
            "weights '{}' have shape {}, expected rank 2",
            w.name,
            w.describe()
        ));
    };
    let n = g.tensor(input).elements();
    if depth == 0 || !n.is_multiple_of(depth) {
        return Err(format!(
            "input {} does not split into rows of the weights' depth {depth}",
            g.tensor(input).describe()
        ));
    }
    let batches = n / depth;
    if g.tensor(output).elements() != batches * units {
        return Err(format!(
            "output {} does not hold {batches}×{units} elements",
            g.tensor(output).describe()
        ));
    }
    if let Some(bias) = node.input(2) {
        let b = g.tensor(bias);
        if !(b.is_const() || runtime_ok && b.dtype == DType::F32) || b.elements() != units {
            return Err(format!(
                "bias '{}' must be a constant of {units} elements",
                b.name
            ));
        }
    }
    Ok(Dims {
        batches,
        depth,
        units,
    })
}

/// The requantization constants TFLM's `CalculateOpDataFullyConnected` computes. Per-channel
/// weights: `input_scale · weight_scale / output_scale` in double precision, per channel.
/// Per-tensor weights (`GetQuantizedConvolutionMultipler`): the scale product is taken in float
/// precision first, then widened and divided in double precision.
pub fn fc_multipliers(
    input_scale: f32,
    weight_scales: &[f32],
    output_scale: f32,
) -> (Vec<i32>, Vec<i32>) {
    match weight_scales {
        [ws] => {
            let (m, s) = quantize_multiplier(f64::from(input_scale * ws) / f64::from(output_scale));
            (vec![m], vec![s])
        }
        _ => channel_multipliers(input_scale, weight_scales, output_scale),
    }
}

/// The input zero point folded into an int32 bias: `Σ (x − zp)·w = Σ x·w − zp·Σ w` (exact in
/// wrapping arithmetic, so the kernel only accumulates raw products).
pub fn fold_input_zero_point(
    bias: &[i32],
    weights: &[u8],
    depth: usize,
    input_zero_point: i32,
) -> Vec<i32> {
    bias.iter()
        .enumerate()
        .map(|(o, b)| {
            let row = weights.get(o * depth..(o + 1) * depth).unwrap_or_default();
            let sum = row
                .iter()
                .fold(0i32, |a, v| a.wrapping_add(i32::from(*v as i8)));
            b.wrapping_sub(input_zero_point.wrapping_mul(sum))
        })
        .collect()
}

impl FullyConnected {
    fn check(&self, g: &Graph, node: &Node) -> Result<Dims, String> {
        let d = dims(g, node)?;
        let input = node.input(0).unwrap_or_default();
        let weights = node.input(1).unwrap_or_default();
        let output = node.outputs.first().copied().unwrap_or_default();
        let it = expect_dtype(g, input, "input", &[DType::F32, DType::I8, DType::I16])?;
        let want = |t: usize, role: &str, dt: DType| expect_dtype(g, t, role, &[dt]).map(|_| ());
        let (wt, bt): (DType, &[DType]) = match it {
            DType::F32 => (DType::F32, &[DType::F32]),
            DType::I8 => (DType::I8, &[DType::I32]),
            _ => (DType::I8, &[DType::I64, DType::I32]),
        };
        let with = format!("(with {} input)", it.name());
        want(weights, &format!("weights {with}"), wt)?;
        want(output, &format!("output {with}"), it)?;
        if let Some(b) = node.input(2) {
            expect_dtype(g, b, &format!("bias {with}"), bt)?;
        }
        if it == DType::F32 {
            return Ok(d);
        }
        for t in [input, weights, output] {
            if g.tensor(t).quant.is_none() {
                return Err(format!(
                    "tensor '{}' has no quantization parameters",
                    g.tensor(t).name
                ));
            }
        }
        if let Some(q) = &g.tensor(weights).quant {
            if q.zero_point.iter().any(|z| *z != 0) {
                return Err(
                    "weights with a non-zero zero point are not supported (supported: symmetric int8 weights)".into(),
                );
            }
            let n = q.scale.len();
            if n != 1 && n != d.units {
                return Err(format!(
                    "weights have {n} scales for {} output channels",
                    d.units
                ));
            }
            if n > 1 && q.axis != 0 {
                return Err(format!(
                    "weights are quantized per channel along axis {} (supported: axis 0, the output units)",
                    q.axis
                ));
            }
        }
        if it == DType::I16 {
            for t in [input, output] {
                let zp = g
                    .tensor(t)
                    .quant
                    .as_ref()
                    .map(|q| q.zero_point0())
                    .unwrap_or(0);
                if zp != 0 {
                    return Err(format!(
                        "int16 tensor '{}' has zero point {zp} (supported: 0, symmetric 16x8 quantization)",
                        g.tensor(t).name
                    ));
                }
            }
        }
        Ok(d)
    }
}

impl FullyConnected {
    /// The layer's part of the table of `fully_connected_f32_chain` when the layer suits it: a
    /// float layer of one row, input in the arena, input depth 1 or 16, ReLU or no activation,
    /// output units a multiple of 4 with ReLU and of 2 at depth 1, constant weights and
    /// bias (or none), and the kernel's precondition: every weight and bias finite, no bias
    /// `-0.0`. The part is the configuration word (`FcF32Chain::cfg`), then each unit's
    /// weights followed by its bias, or at depth 1 pairs of units' weights then their biases,
    /// as little-endian words.
    fn chain_layer(&self, g: &Graph, node: &Node) -> Option<Vec<u8>> {
        let d = self.check(g, node).ok()?;
        let input = g.tensor(node.input(0)?);
        if input.dtype != DType::F32 || input.is_const() || d.batches != 1 {
            return None;
        }
        let relu = match self.activation {
            Activation::None => false,
            Activation::Relu => true,
            _ => return None,
        };
        let units_ok = if relu {
            d.units.is_multiple_of(4)
        } else {
            d.depth == 16 || d.units.is_multiple_of(2)
        };
        if !((d.depth == 16 || d.depth == 1) && units_ok && d.units <= 0xffff) {
            return None;
        }
        let weights = g.tensor(node.input(1)?).data.as_deref()?;
        let zeros = vec![0u8; d.units * 4];
        let bias = match node.input(2) {
            Some(b) => g.tensor(b).data.as_deref()?,
            None => &zeros[..],
        };
        let word = |c: &[u8]| u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
        let finite = |c: &[u8]| f32::from_bits(word(c)).is_finite();
        let ok = weights.len() == d.units * d.depth * 4
            && bias.len() == d.units * 4
            && weights.chunks_exact(4).all(finite)
            && bias
                .chunks_exact(4)
                .all(|c| finite(c) && word(c) != 0x8000_0000);
        if !ok {
            return None;
        }
        // `FcF32Chain::cfg`: the units, depth 16 or 1, the exact clamp's ReLU threshold.
        let thr: u32 = if relu { 0xff80_0000 } else { 0x8000_0000 };
        let cfg = d.units as u32 | u32::from(d.depth == 16) << 16 | thr;
        let mut out = Vec::with_capacity(4 + weights.len() + bias.len());
        out.extend_from_slice(&cfg.to_le_bytes());
        // Depth 1: pairs of units, their weights then their biases (`b + x·w` is one `vmla`
        // per unit); depth 16: each unit's weights then its bias.
        let (w_step, b_step) = if d.depth == 1 { (8, 8) } else { (64, 4) };
        for (w, b) in weights.chunks(w_step).zip(bias.chunks(b_step)) {
            out.extend_from_slice(w);
            out.extend_from_slice(b);
        }
        Some(out)
    }
}

/// Emits the longest run of small float fully connected layers that starts with `nodes[0]`
/// (see [`FullyConnected::chain_layer`]) as one `fully_connected_f32_chain` call: the inputs
/// held in registers, one compact kernel for all such layers and no set-up per layer. Returns
/// the statements and how many operators they run, or `None` when `nodes[0]` is no such layer.
///
/// The chain's first input must die with its first layer (the kernel may park registers in a
/// layer's input). A layer joins the chain when it reads exactly the previous layer's output,
/// which nothing else reads, and the memory plan puts its output where the previous layer's
/// input was (the two buffers take turns, as the kernel walks them); each layer's input and
/// output are disjoint.
pub fn emit_chain(g: &Graph, nodes: &[Node], e: &mut Emitter<'_>) -> Option<(TokenStream, usize)> {
    let disjoint = |a: (usize, usize), b: (usize, usize)| a.0 + a.1 <= b.0 || b.0 + b.1 <= a.0;
    let first = nodes.first()?;
    let (mut input, mut output) = (first.input(0)?, *first.outputs.first()?);
    let (x, out) = (e.region(input), e.region(output));
    if !disjoint(x, out) || !crate::plan::dies_at(g, first, input) {
        return None;
    }
    let mut table = first.op.f32_chain_layer(g, first)?;
    let mut bytes = (x.0 + x.1).max(out.0 + out.1);
    let mut count = 1;
    for n in &nodes[1..] {
        let Some(&next) = n.outputs.first() else {
            break;
        };
        let (r_in, r_out) = (e.region(output), e.region(next));
        let joins = n.input(0) == Some(output)
            && crate::plan::dies_at(g, n, output)
            && r_out.0 == e.region(input).0
            && disjoint(r_in, r_out);
        let Some(layer) = n.op.f32_chain_layer(g, n).filter(|_| joins) else {
            break;
        };
        table.extend(layer);
        bytes = bytes.max(r_out.0 + r_out.1);
        (input, output) = (output, next);
        count += 1;
    }
    table.extend(0u32.to_le_bytes());
    let id = e.constant(DType::F32, &table);
    let (x, out) = (x.0 / 4, out.0 / 4);
    let tokens = quote! {
        {
            const CHAIN: ::kiln::__private::FcF32Chain<'static> =
                match ::kiln::__private::FcF32Chain::new(&#id, #x, #out) {
                    ::core::option::Option::Some(c) => c,
                    ::core::option::Option::None => panic!("kiln: a fully connected chain the kernel does not run"),
                };
            ::kiln::__private::fully_connected_f32_chain(
                &CHAIN,
                ::kiln::__private::cast_mut::<f32>(&mut arena[..#bytes]),
            );
        }
    };
    Some((tokens, count))
}

impl OpImpl for FullyConnected {
    fn validate(&self, g: &Graph, node: &Node) -> Result<(), Error> {
        self.check(g, node)
            .map(|_| ())
            .map_err(|m| Error::op(node.index, node.name, m))
    }

    fn f32_chain_layer(&self, g: &Graph, node: &Node) -> Option<Vec<u8>> {
        self.chain_layer(g, node)
    }

    fn macs(&self, g: &Graph, node: &Node) -> u64 {
        dims(g, node)
            .map(|d| (d.batches * d.depth * d.units) as u64)
            .unwrap_or(0)
    }

    fn emit(&self, g: &Graph, node: &Node, e: &mut Emitter<'_>) -> Result<TokenStream, Error> {
        let d = self
            .check(g, node)
            .map_err(|m| Error::op(node.index, node.name, m))?;
        let (input, weights) = (
            node.input(0).unwrap_or_default(),
            node.input(1).unwrap_or_default(),
        );
        let output = node.outputs.first().copied().unwrap_or_default();
        let (batches, depth, units) = (d.batches, d.depth, d.units);
        let w = g.tensor(weights);
        let wdata = w.data.as_deref().unwrap_or_default();
        let dt = g.tensor(input).dtype;
        if dt == DType::F32 {
            let (lo, hi) = self.activation.range_f32();
            let (lo, hi) = (crate::expand::f32_lit(lo), crate::expand::f32_lit(hi));
            let params = quote!(::kiln::__private::FullyConnectedF32Params {
                batches: #batches, input_depth: #depth, output_depth: #units,
                activation_min: #lo, activation_max: #hi,
            });
            // Small layers: the reference kernel, which LLVM inlines with constant dimensions
            // (smallest code, nearly as fast). Large layers: eight output units per pass over the
            // input, weights interleaved here at compile time (bit-identical results).
            if units < FC_F32_BLOCKED_MIN_UNITS
                || batches * depth * units < FC_F32_BLOCKED_MIN_MACS
                || !w.is_const()
            {
                let bias = node.input(2).map_or(Arg::Expr(quote!(&[])), Arg::In);
                return Ok(e.call(
                    quote!(fully_connected_f32),
                    quote!(FullyConnectedF32Params),
                    params,
                    &[Arg::In(input), Arg::In(weights), bias, Arg::Out(output)],
                ));
            }
            // The blocked kernel needs a bias: zeros when the model has none.
            let bias = match node.input(2) {
                Some(b) => Arg::In(b),
                None => Arg::Static(e.constant(DType::F32, &vec![0; units * 4])),
            };
            let inter = crate::relayout::interleave_rows(wdata, 4, units, depth, 8);
            let wid = e.constant(DType::F32, &inter);
            return Ok(e.call(
                quote!(fully_connected_f32_x8),
                quote!(FullyConnectedF32Params),
                params,
                &[Arg::In(input), Arg::Static(wid), bias, Arg::Out(output)],
            ));
        }
        let q = |t: usize| g.tensor(t).quant.clone().unwrap_or_else(unreachable_quant);
        let (iq, wq, oq) = (q(input), q(weights), q(output));
        let (mult, shift) = fc_multipliers(iq.scale0(), &wq.scale, oq.scale0());
        let (amin, amax) = self.activation.range_quantized(g.tensor(output))?;
        if dt == DType::I16 {
            let rq = requant_arg(e, &mult, &shift);
            let params = quote!(::kiln::__private::FullyConnectedS16Params {
                batches: #batches, input_depth: #depth, output_depth: #units,
                activation_min: #amin, activation_max: #amax,
            });
            let bias = match node.input(2) {
                Some(b) => Arg::In(b),
                None => Arg::Expr(quote!(&[])),
            };
            // TFLM accumulates 16x8 layers without a bias or with an int32 bias in 32 bits.
            let wide = node.input(2).map(|b| g.tensor(b).dtype) == Some(DType::I64);
            let kernel = if wide {
                quote!(fully_connected_s16)
            } else {
                quote!(fully_connected_acc32_s16)
            };
            return Ok(e.call(
                kernel,
                quote!(FullyConnectedS16Params),
                params,
                &[
                    Arg::Expr(rq),
                    Arg::In(input),
                    Arg::In(weights),
                    bias,
                    Arg::Out(output),
                ],
            ));
        }
        let bias = bias_i32(g, node.input(2), units);
        let folded = fold_input_zero_point(&bias, wdata, depth, iq.zero_point0() as i32);
        let out_zp = oq.zero_point0() as i32;
        let params = quote!(::kiln::__private::FullyConnectedS8Params {
            batches: #batches, input_depth: #depth, output_depth: #units,
            output_offset: #out_zp, activation_min: #amin, activation_max: #amax,
        });
        let fast_requant = bias.len() == units
            && fast_requant_ok(&bias, &abs_sums_channel_major(wdata, units), &mult, &shift);
        // Tiny layers stay on plain loops, which LLVM inlines with constant dimensions: the sine
        // model's 16-unit layers run in half the instructions that way.
        let large = batches * depth * units >= FC_S8_FAST_MIN_MACS;
        if large && depth % 4 == 0 && bias.len() == units {
            let p = Pointwise {
                rows: batches,
                depth,
                units,
                weights: wdata,
                folded_bias: &folded,
                output_zero_point: out_zp,
                range: (amin, amax),
                fast_requant,
                requant: (&mult, &shift),
            };
            return Ok(emit_pointwise_s8(e, &p, input, output));
        }
        let rq = requant_arg(e, &mult, &shift);
        let bid = e.constant_i32(&folded);
        // The short requantization where its bounds hold, else the reference kernel's.
        let kernel = if fast_requant {
            quote!(fully_connected_small_s8)
        } else {
            quote!(fully_connected_s8)
        };
        Ok(e.call(
            kernel,
            quote!(FullyConnectedS8Params),
            params,
            &[
                Arg::Expr(rq),
                Arg::In(input),
                Arg::In(weights),
                Arg::Static(bid),
                Arg::Out(output),
            ],
        ))
    }
}

/// Validation has already rejected quantized tensors without parameters.
fn unreachable_quant() -> crate::ir::Quant {
    crate::ir::Quant {
        scale: vec![1.0],
        zero_point: vec![0],
        axis: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_tensor_multiplier_takes_the_float_product() {
        // Scales whose float product rounds differently from the double product.
        let (a, b, o) = (0.003_921_568_6f32, 0.011_764_706f32, 0.047_058_824f32);
        let (m, s) = fc_multipliers(a, &[b], o);
        assert_eq!(
            (m[0], s[0]),
            quantize_multiplier(f64::from(a * b) / f64::from(o))
        );
        // Per channel: double products.
        let (m, s) = fc_multipliers(a, &[b, b], o);
        let want = quantize_multiplier(f64::from(a) * f64::from(b) / f64::from(o));
        assert_eq!((m[1], s[1]), want);
        assert_eq!(m.len(), 2);
    }

    #[test]
    fn zero_point_folding() {
        // weights [[1, -2], [3, 4]] as bytes, input zero point -5: bias − (−5)·Σw.
        let w = [1u8, (-2i8) as u8, 3, 4];
        assert_eq!(fold_input_zero_point(&[10, 0], &w, 2, -5), vec![10 - 5, 35]);
        assert_eq!(fold_input_zero_point(&[7, 7], &w, 2, 0), vec![7, 7]);
    }
}

#[cfg(test)]
mod graph_tests {
    use super::*;
    use crate::ops::conv_common::test_graph::{act, check, constant, graph};

    fn g(input: DType, bias: DType, zp: i64, scales: &[f32]) -> Graph {
        let op = Box::new(FullyConnected {
            activation: Activation::None,
        });
        graph(
            op,
            "FULLY_CONNECTED",
            vec![
                act(input, &[1, 16], Some((0.01, zp))),
                constant(DType::I8, &[4, 16], scales, 0),
                constant(bias, &[4], &[], 0),
                act(input, &[1, 4], Some((0.02, zp))),
            ],
            vec![Some(0), Some(1), Some(2)],
        )
    }

    #[test]
    fn int16x8_and_per_channel_int8() {
        assert_eq!(check(&g(DType::I16, DType::I64, 0, &[0.1])), "");
        assert_eq!(
            check(&g(DType::I16, DType::I64, 0, &[0.1, 0.2, 0.3, 0.4])),
            ""
        );
        assert_eq!(
            check(&g(DType::I8, DType::I32, -4, &[0.1, 0.2, 0.3, 0.4])),
            ""
        );
        assert_eq!(check(&g(DType::I16, DType::I32, 0, &[0.1])), "");
        assert_eq!(
            check(&g(DType::I16, DType::I16, 0, &[0.1])),
            "operator #0 FULLY_CONNECTED: int16 bias (with int16 input) 't2' is not supported (supported: int64, int32)"
        );
        assert!(check(&g(DType::I16, DType::I64, 2, &[0.1])).contains("zero point 2 (supported: 0"));
        assert!(check(&g(DType::I8, DType::I32, 0, &[0.1, 0.2]))
            .contains("2 scales for 4 output channels"));
    }
}
