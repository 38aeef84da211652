//! TRANSPOSE_CONV: float32; int8 with per-channel or per-tensor int8 weights and int32 bias;
//! int16 activations with int8 weights and int64 (or legacy int16) bias.
//!
//! Inputs are `[output_shape, weights, input, bias?]`. Like TFLM, kiln takes the output size from
//! the output tensor's static shape and ignores the values of `output_shape`.

use proc_macro2::TokenStream;
use quote::quote;

use super::conv_common::{
    check_conv_quant, conv_f32_params, conv_kind, conv_quant_params, conv_requant, conv_tensors,
    nhwc, out_size, pad_before, positive, requant_arg, ConvKind, ConvTensors, Geometry, Padding,
};
use super::OpImpl;
use crate::error::Error;
use crate::expand::{Arg, Emitter};
use crate::ir::{DType, Graph, Node};
use crate::tflite;

/// A lowered TRANSPOSE_CONV operator.
pub struct TransposeConv {
    padding: Padding,
    stride: [usize; 2],
}

/// Reads the operator's options.
pub fn lower(op: &tflite::Operator<'_>) -> Result<Box<dyn OpImpl>, String> {
    let o = op
        .builtin_options_as_transpose_conv_options()
        .ok_or("has no TransposeConvOptions")?;
    let activation = o.fused_activation_function().0;
    if activation != 0 {
        return Err(format!(
            "fused activation {} is not supported (supported: NONE)",
            o.fused_activation_function()
        ));
    }
    Ok(Box::new(TransposeConv {
        padding: Padding::from_schema(o.padding().0)?,
        stride: [
            positive(o.stride_h(), "stride_h")?,
            positive(o.stride_w(), "stride_w")?,
        ],
    }))
}

/// TFLM's padding of a transpose convolution: the padding of the forward convolution that maps
/// the output back onto the input (`ComputePaddingHeightWidth` with the output as its input).
pub fn transpose_padding(padding: Padding, stride: usize, output: usize, filter: usize) -> usize {
    let forward = out_size(padding, output, filter, stride, 1);
    pad_before(stride, 1, output, filter, forward)
}

impl TransposeConv {
    /// Shapes and padding, checked against each other.
    fn geometry(&self, g: &Graph, t: &ConvTensors) -> Result<Geometry, String> {
        let [n, ih, iw, ic] = nhwc(g.tensor(t.input), "input")?;
        let [oc, kh, kw, kd] = nhwc(g.tensor(t.weights), "weights")?;
        let [on, oh, ow, ocd] = nhwc(g.tensor(t.output), "output")?;
        if on != n || ocd != oc || kd != ic {
            return Err(format!(
                "output {} does not match input {} and weights {}",
                g.tensor(t.output).describe(),
                g.tensor(t.input).describe(),
                g.tensor(t.weights).describe()
            ));
        }
        if let Some(b) = t.bias {
            if g.tensor(b).elements() != oc {
                return Err(format!(
                    "bias '{}' must have {oc} elements",
                    g.tensor(b).name
                ));
            }
        }
        let [sh, sw] = self.stride;
        Ok(Geometry {
            batches: n,
            input: [ih, iw, ic],
            output: [oh, ow, oc],
            filter: [kh, kw, ic],
            stride: self.stride,
            dilation: [1, 1],
            pad: [
                transpose_padding(self.padding, sh, oh, kh),
                transpose_padding(self.padding, sw, ow, kw),
            ],
        })
    }

    fn check(&self, g: &Graph, node: &Node) -> Result<(ConvTensors, Geometry, ConvKind), String> {
        let t = conv_tensors(g, node, [2, 1, 3])?;
        let geometry = self.geometry(g, &t)?;
        let kind = conv_kind(g, &t, &[DType::I64, DType::I16])?;
        check_conv_quant(g, &t, kind, geometry.output[2], 0)?;
        Ok((t, geometry, kind))
    }
}

impl OpImpl for TransposeConv {
    fn validate(&self, g: &Graph, node: &Node) -> Result<(), Error> {
        self.check(g, node)
            .map(|_| ())
            .map_err(|m| Error::op(node.index, node.name, m))
    }

    fn macs(&self, g: &Graph, node: &Node) -> u64 {
        match self.check(g, node) {
            Ok((_, geo, _)) => {
                let [ih, iw, ic] = geo.input;
                let [kh, kw, _] = geo.filter;
                (geo.batches * ih * iw * ic * kh * kw * geo.output[2]) as u64
            }
            Err(_) => 0,
        }
    }

    fn emit(&self, g: &Graph, node: &Node, e: &mut Emitter<'_>) -> Result<TokenStream, Error> {
        let (t, geometry, kind) = self
            .check(g, node)
            .map_err(|m| Error::op(node.index, node.name, m))?;
        let bias = match t.bias {
            // Legacy 16x8 models store an int16 bias; TFLM widens it to int64 at run time, we do
            // it here.
            Some(b) if g.tensor(b).dtype == DType::I16 => {
                let data = g.tensor(b).data.as_deref().unwrap_or_default();
                let wide: Vec<u8> = data
                    .chunks_exact(2)
                    .flat_map(|c| i64::from(i16::from_le_bytes([c[0], c[1]])).to_le_bytes())
                    .collect();
                Arg::Static(e.constant(DType::I64, &wide))
            }
            Some(b) => Arg::In(b),
            None => Arg::Expr(quote!(&[])),
        };
        Ok(match kind {
            ConvKind::F32 => {
                // TFLM applies no fused activation here (only NONE is accepted): full range.
                let params = conv_f32_params(&geometry, (f32::MIN, f32::MAX));
                e.call(
                    quote!(transpose_conv_f32),
                    quote!(ConvF32Params),
                    params,
                    &[
                        Arg::In(t.input),
                        Arg::In(t.weights),
                        bias,
                        Arg::Out(t.output),
                    ],
                )
            }
            ConvKind::S8 | ConvKind::S16 => {
                let (in_zp, out_zp, (m, s)) = conv_requant(g, &t);
                let (kernel, params) = if kind == ConvKind::S8 {
                    (
                        quote!(transpose_conv_s8),
                        conv_quant_params(&geometry, -in_zp, out_zp, (-128, 127)),
                    )
                } else {
                    (
                        quote!(transpose_conv_s16),
                        conv_quant_params(&geometry, 0, 0, (-32768, 32767)),
                    )
                };
                let rq = requant_arg(e, &m, &s);
                e.call(
                    kernel,
                    quote!(ConvQuantParams),
                    params,
                    &[
                        Arg::Expr(rq),
                        Arg::In(t.input),
                        Arg::In(t.weights),
                        bias,
                        Arg::Out(t.output),
                    ],
                )
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padding_of_the_forward_convolution() {
        // SAME, stride 2, 3x3 filter, output 8: forward conv 8 → 4, total (4−1)·2+3−8 = 1 → 0.
        assert_eq!(transpose_padding(Padding::Same, 2, 8, 3), 0);
        // SAME, stride 1, 3x3, output 5: forward 5 → 5, total 2 → 1.
        assert_eq!(transpose_padding(Padding::Same, 1, 5, 3), 1);
        // VALID, stride 2, 3x3, output 9 (input 4): forward (9+2−3)/2 = 4, total 0.
        assert_eq!(transpose_padding(Padding::Valid, 2, 9, 3), 0);
        // SAME, stride 2, 4x4 filter, output 8: forward 4, total (3·2+4−8) = 2 → 1.
        assert_eq!(transpose_padding(Padding::Same, 2, 8, 4), 1);
    }
}

#[cfg(test)]
mod graph_tests {
    use super::*;
    use crate::ops::conv_common::test_graph::{act, check, constant, graph};

    /// A 16x8 layer shaped like seanet's transpose_conv4 (input [1,2,80,16], output [1,4,162,8]).
    fn g(bias: DType) -> Graph {
        let op = Box::new(TransposeConv {
            padding: Padding::Valid,
            stride: [2, 2],
        });
        graph(
            op,
            "TRANSPOSE_CONV",
            vec![
                constant(DType::I32, &[4], &[], 0),
                constant(DType::I8, &[8, 2, 4, 16], &[0.1; 8], 0),
                act(DType::I16, &[1, 2, 80, 16], Some((0.01, 0))),
                constant(bias, &[8], &[], 0),
                act(DType::I16, &[1, 4, 162, 8], Some((0.02, 0))),
            ],
            vec![Some(0), Some(1), Some(2), Some(3)],
        )
    }

    #[test]
    fn sixteen_by_eight_with_int64_or_int16_bias() {
        assert_eq!(check(&g(DType::I64)), "");
        assert_eq!(check(&g(DType::I16)), "");
        assert_eq!(
            check(&g(DType::I32)),
            "operator #0 TRANSPOSE_CONV: int32 bias (with int16 input) 't3' is not supported (supported: int64, int16)"
        );
        let graph = g(DType::I64);
        let op = TransposeConv {
            padding: Padding::Valid,
            stride: [2, 2],
        };
        let (t, geo, kind) = op.check(&graph, &graph.nodes[0]).unwrap();
        assert_eq!((t.input, t.weights, t.bias, t.output), (2, 1, Some(3), 4));
        assert_eq!(kind, ConvKind::S16);
        assert_eq!(geo.filter, [2, 4, 16]);
        assert_eq!(geo.pad, [0, 0]);
        assert_eq!(
            graph.nodes[0].op.macs(&graph, &graph.nodes[0]),
            2 * 80 * 16 * 8 * 8
        );
    }
}
