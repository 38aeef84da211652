//! FULLY_CONNECTED: float32, and int8 with per-tensor or per-channel int8 weights.

use proc_macro2::TokenStream;
use quote::quote;

use super::{expect_dtype, OpImpl};
use crate::error::Error;
use crate::expand::{Arg, Emitter};
use crate::ir::{DType, Graph, Node};
use crate::quantize::{quantize_multiplier, Activation};
use crate::tflite;

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
    if !w.is_const() {
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
    if depth == 0 || n % depth != 0 {
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
        if !b.is_const() || b.elements() != units {
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

impl OpImpl for FullyConnected {
    fn validate(&self, g: &Graph, node: &Node) -> Result<(), Error> {
        let err = |m: String| Error::op(node.index, node.name, m);
        let d = dims(g, node).map_err(err)?;
        let input = node.input(0).unwrap_or_default();
        let weights = node.input(1).unwrap_or_default();
        let output = node.outputs[0];
        let it = expect_dtype(g, input, "input", &[DType::F32, DType::I8]).map_err(err)?;
        let want = |t: usize, role: &str, dt: DType| {
            expect_dtype(g, t, role, &[dt]).map(|_| ()).map_err(err)
        };
        match it {
            DType::F32 => {
                want(weights, "weights (with float32 input)", DType::F32)?;
                want(output, "output (with float32 input)", DType::F32)?;
                if let Some(b) = node.input(2) {
                    want(b, "bias (with float32 input)", DType::F32)?;
                }
            }
            _ => {
                want(weights, "weights (with int8 input)", DType::I8)?;
                want(output, "output (with int8 input)", DType::I8)?;
                if let Some(b) = node.input(2) {
                    want(b, "bias (with int8 input)", DType::I32)?;
                }
                for t in [input, weights, output] {
                    if g.tensor(t).quant.is_none() {
                        return Err(err(format!(
                            "tensor '{}' has no quantization parameters",
                            g.tensor(t).name
                        )));
                    }
                }
                let wq = g
                    .tensor(weights)
                    .quant
                    .as_ref()
                    .map(|q| (q.scale.len(), q.zero_point.iter().all(|z| *z == 0)));
                match wq {
                    Some((n, true)) if n == 1 || n == d.units => {}
                    Some((_, false)) => return Err(err("weights with a non-zero zero point are not supported (supported: symmetric int8 weights)".into())),
                    Some((n, _)) => return Err(err(format!("weights have {n} scales for {} output channels", d.units))),
                    None => {}
                }
            }
        }
        Ok(())
    }

    fn macs(&self, g: &Graph, node: &Node) -> u64 {
        dims(g, node)
            .map(|d| (d.batches * d.depth * d.units) as u64)
            .unwrap_or(0)
    }

    fn emit(&self, g: &Graph, node: &Node, e: &mut Emitter<'_>) -> Result<TokenStream, Error> {
        let err = |m: String| Error::op(node.index, node.name, m);
        let d = dims(g, node).map_err(err)?;
        let (input, weights, output) = (
            node.input(0).unwrap_or_default(),
            node.input(1).unwrap_or_default(),
            node.outputs[0],
        );
        let (batches, depth, units) = (d.batches, d.depth, d.units);
        let w = g.tensor(weights);
        let wdata = w.data.as_deref().unwrap_or_default();
        match g.tensor(input).dtype {
            DType::F32 => {
                let (lo, hi) = self.activation.range_f32();
                let (lo, hi) = (crate::expand::f32_lit(lo), crate::expand::f32_lit(hi));
                let params = quote!(::kiln::__private::FullyConnectedF32Params {
                    batches: #batches, input_depth: #depth, output_depth: #units,
                    activation_min: #lo, activation_max: #hi,
                });
                let wid = e.constant(DType::F32, wdata);
                let bias = match node.input(2) {
                    Some(b) => Arg::Static(
                        e.constant(DType::F32, g.tensor(b).data.as_deref().unwrap_or_default()),
                    ),
                    None => Arg::Expr(quote!(&[])),
                };
                Ok(e.call(
                    quote!(fully_connected_f32),
                    quote!(FullyConnectedF32Params),
                    params,
                    &[Arg::In(input), Arg::Static(wid), bias, Arg::Out(output)],
                ))
            }
            _ => {
                let iq = g
                    .tensor(input)
                    .quant
                    .clone()
                    .unwrap_or_else(|| unreachable_quant());
                let wq = w.quant.clone().unwrap_or_else(|| unreachable_quant());
                let oq = g
                    .tensor(output)
                    .quant
                    .clone()
                    .unwrap_or_else(|| unreachable_quant());
                let in_zp = iq.zero_point0() as i32;
                // Fold the input zero point into the bias: Σ (x − zp)·w = Σ x·w − zp·Σ w.
                let bias: Vec<i32> = match node.input(2) {
                    Some(b) => g
                        .tensor(b)
                        .data
                        .as_deref()
                        .unwrap_or_default()
                        .chunks_exact(4)
                        .map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                        .collect(),
                    None => vec![0; units],
                };
                let folded: Vec<i32> = bias
                    .iter()
                    .enumerate()
                    .map(|(o, b)| {
                        let row = wdata.get(o * depth..(o + 1) * depth).unwrap_or_default();
                        let sum: i32 = row.iter().map(|v| i32::from(*v as i8)).sum();
                        b.wrapping_sub(in_zp.wrapping_mul(sum))
                    })
                    .collect();
                let (mult, shift): (Vec<i32>, Vec<i32>) = wq
                    .scale
                    .iter()
                    .map(|ws| {
                        quantize_multiplier(
                            f64::from(iq.scale0()) * f64::from(*ws) / f64::from(oq.scale0()),
                        )
                    })
                    .unzip();
                let (amin, amax) = self.activation.range_quantized(g.tensor(output))?;
                let out_zp = oq.zero_point0() as i32;
                let params = quote!(::kiln::__private::FullyConnectedS8Params {
                    batches: #batches, input_depth: #depth, output_depth: #units,
                    output_offset: #out_zp, activation_min: #amin, activation_max: #amax,
                });
                let m = e.constant_i32(&mult);
                let s = e.constant_i32(&shift);
                let wid = e.constant(DType::I8, wdata);
                let bid = e.constant_i32(&folded);
                let rq = quote!(&::kiln::__private::Requant { multiplier: &#m, shift: &#s });
                Ok(e.call(
                    quote!(fully_connected_s8),
                    quote!(FullyConnectedS8Params),
                    params,
                    &[
                        Arg::Expr(rq),
                        Arg::In(input),
                        Arg::Static(wid),
                        Arg::Static(bid),
                        Arg::Out(output),
                    ],
                ))
            }
        }
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
