//! CONV_2D: float32; int8 with per-channel or per-tensor int8 weights and int32 bias; int16
//! activations with int8 weights and int64 bias (16x8), or int32 / no bias (32-bit accumulator,
//! as TFLM). Grouped convolutions are supported.

use proc_macro2::TokenStream;
use quote::quote;

use super::conv_common::{
    bias_i32, check_conv_quant, conv_f32_params, conv_kind, conv_quant_params, conv_requant,
    conv_s8_fast, conv_tensors, fast_conv, nhwc, out_size, pad_before, per_channel,
    pointwise_in_place, positive, requant_arg, s8_conv_scratch, ConvKind, ConvTensors, FastConv,
    Geometry, Padding, S8Conv,
};
use super::fully_connected::fold_input_zero_point;
use super::fuse::{self, Part, PointwiseConv};
use super::OpImpl;
use crate::error::Error;
use crate::expand::{Arg, Emitter};
use crate::ir::{DType, Graph, Node};
use crate::quantize::Activation;
use crate::tflite;

/// A lowered CONV_2D operator.
pub struct Conv2d {
    padding: Padding,
    stride: [usize; 2],
    dilation: [usize; 2],
    activation: Activation,
}

/// Reads the operator's options.
pub fn lower(op: &tflite::Operator<'_>) -> Result<Box<dyn OpImpl>, String> {
    let o = op
        .builtin_options_as_conv2d_options()
        .ok_or("has no Conv2DOptions")?;
    Ok(Box::new(Conv2d {
        padding: Padding::from_schema(o.padding().0)?,
        stride: [
            positive(o.stride_h(), "stride_h")?,
            positive(o.stride_w(), "stride_w")?,
        ],
        dilation: [
            positive(o.dilation_h_factor(), "dilation_h_factor")?,
            positive(o.dilation_w_factor(), "dilation_w_factor")?,
        ],
        activation: Activation::from_schema(o.fused_activation_function().0)?,
    }))
}

impl Conv2d {
    /// Shapes and padding, checked against each other.
    fn geometry(&self, g: &Graph, t: &ConvTensors) -> Result<Geometry, String> {
        let [n, ih, iw, ic] = nhwc(g.tensor(t.input), "input")?;
        let [oc, kh, kw, kd] = nhwc(g.tensor(t.weights), "weights")?;
        let [on, oh, ow, ocd] = nhwc(g.tensor(t.output), "output")?;
        if on != n || ocd != oc {
            return Err(format!(
                "output {} does not match input {} and weights {}",
                g.tensor(t.output).describe(),
                g.tensor(t.input).describe(),
                g.tensor(t.weights).describe()
            ));
        }
        if kd == 0 || ic % kd != 0 || oc % (ic / kd).max(1) != 0 {
            return Err(format!(
                "weights {} do not fit input channels {ic} (filter depth must divide the input depth, \
                 and the groups must divide the output channels)",
                g.tensor(t.weights).describe()
            ));
        }
        let [sh, sw] = self.stride;
        let [dh, dw] = self.dilation;
        let want = [
            out_size(self.padding, ih, kh, sh, dh),
            out_size(self.padding, iw, kw, sw, dw),
        ];
        if [oh, ow] != want {
            return Err(format!(
                "output is {oh}×{ow} but the {:?} window gives {}×{}",
                self.padding, want[0], want[1]
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
        Ok(Geometry {
            batches: n,
            input: [ih, iw, ic],
            output: [oh, ow, oc],
            filter: [kh, kw, kd],
            stride: self.stride,
            dilation: self.dilation,
            pad: [
                pad_before(sh, dh, ih, kh, oh),
                pad_before(sw, dw, iw, kw, ow),
            ],
        })
    }

    fn check(&self, g: &Graph, node: &Node) -> Result<(ConvTensors, Geometry, ConvKind), String> {
        let t = conv_tensors(g, node, [0, 1, 2])?;
        let geometry = self.geometry(g, &t)?;
        let kind = conv_kind(g, &t, &[DType::I64, DType::I32])?;
        check_conv_quant(g, &t, kind, geometry.output[2], 0)?;
        Ok((t, geometry, kind))
    }
}

impl Conv2d {
    /// A 1×1 convolution without fused activation, for other modules' tests.
    #[cfg(test)]
    pub(crate) fn test_pointwise() -> Box<dyn OpImpl> {
        Box::new(Conv2d {
            padding: Padding::Valid,
            stride: [1, 1],
            dilation: [1, 1],
            activation: Activation::None,
        })
    }

    /// `f` of an int8 convolution as an [`S8Conv`] (the planner's view: full activation range)
    /// with its multipliers and shifts; `None` for other convolutions.
    fn with_s8<R>(
        &self,
        g: &Graph,
        node: &Node,
        f: impl FnOnce(&ConvTensors, &S8Conv<'_>, (&[i32], &[i32])) -> R,
    ) -> Option<R> {
        let Ok((t, geometry, ConvKind::S8)) = self.check(g, node) else {
            return None;
        };
        let (in_zp, out_zp, (m, s)) = conv_requant(g, &t);
        let conv = S8Conv {
            geometry: &geometry,
            weights: g.tensor(t.weights).data.as_deref().unwrap_or_default(),
            bias: &bias_i32(g, t.bias, geometry.output[2]),
            input_zero_point: in_zp,
            output_zero_point: out_zp,
            range: (-128, 127),
        };
        Some(f(&t, &conv, (&m, &s)))
    }
}

impl OpImpl for Conv2d {
    fn validate(&self, g: &Graph, node: &Node) -> Result<(), Error> {
        self.check(g, node)
            .map(|_| ())
            .map_err(|m| Error::op(node.index, node.name, m))
    }

    fn macs(&self, g: &Graph, node: &Node) -> u64 {
        match self.check(g, node) {
            Ok((_, geo, _)) => {
                let [oh, ow, oc] = geo.output;
                let [kh, kw, kd] = geo.filter;
                (geo.batches * oh * ow * oc * kh * kw * kd) as u64
            }
            Err(_) => 0,
        }
    }

    fn scratch(&self, g: &Graph, node: &Node) -> usize {
        self.with_s8(g, node, |t, c, (m, s)| {
            s8_conv_scratch(g, node, t.input, c, (m, s))
        })
        .unwrap_or(0)
    }

    /// 1×1 int8 convolutions on the quad kernel no deeper than their input overwrite it.
    fn in_place_inputs(&self, g: &Graph, node: &Node) -> Vec<usize> {
        match self.with_s8(g, node, |_, c, (m, s)| pointwise_in_place(c, m, s)) {
            Some(true) => vec![0],
            _ => Vec::new(),
        }
    }

    /// int8 1×1 convolutions of input depth 8 on the fast path with the full int8 range can run
    /// fused with an ADD after them ([`super::fuse`]).
    fn fusion(&self, g: &Graph, node: &Node) -> Option<Part> {
        let output = g.tensor(*node.outputs.first()?);
        if self.activation.range_quantized(output).ok()? != (-128, 127) {
            return None;
        }
        self.with_s8(g, node, |t, c, (m, s)| {
            let geo = c.geometry;
            let ([kh, kw, _], [_, _, ic], [oh, ow, oc]) = (geo.filter, geo.input, geo.output);
            let pointwise = fast_conv(c, m, s) == Some(FastConv::Pointwise { fast_requant: true });
            if (kh, kw) != (1, 1) || ic != fuse::DEPTH || !pointwise {
                return None;
            }
            let (multipliers, shifts) = per_channel(oc, m, s);
            Some(Part::Pointwise(PointwiseConv {
                input: t.input,
                pixels: geo.batches * oh * ow,
                weights: c.weights.to_vec(),
                folded_bias: fold_input_zero_point(c.bias, c.weights, ic, c.input_zero_point),
                multipliers,
                shifts,
                output_zero_point: c.output_zero_point,
            }))
        })
        .flatten()
    }

    fn emit(&self, g: &Graph, node: &Node, e: &mut Emitter<'_>) -> Result<TokenStream, Error> {
        let (t, geometry, kind) = self
            .check(g, node)
            .map_err(|m| Error::op(node.index, node.name, m))?;
        let bias = match t.bias {
            Some(b) => Arg::In(b),
            None => Arg::Expr(quote!(&[])),
        };
        Ok(match kind {
            ConvKind::F32 => {
                let params = conv_f32_params(&geometry, self.activation.range_f32());
                e.call(
                    quote!(conv_2d_f32),
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
                let range = self.activation.range_quantized(g.tensor(t.output))?;
                if kind == ConvKind::S8 {
                    let conv = S8Conv {
                        geometry: &geometry,
                        weights: g.tensor(t.weights).data.as_deref().unwrap_or_default(),
                        bias: &bias_i32(g, t.bias, geometry.output[2]),
                        input_zero_point: in_zp,
                        output_zero_point: out_zp,
                        range,
                    };
                    if let Some(call) = conv_s8_fast(e, &conv, (&m, &s), t.input, t.output) {
                        return Ok(call);
                    }
                }
                let (kernel, params) = if kind == ConvKind::S8 {
                    (
                        quote!(conv_2d_s8),
                        conv_quant_params(&geometry, -in_zp, out_zp, range),
                    )
                } else if t.bias.map(|b| g.tensor(b).dtype) == Some(DType::I64) {
                    (
                        quote!(conv_2d_s16),
                        conv_quant_params(&geometry, 0, 0, range),
                    )
                } else {
                    // TFLM accumulates 16x8 layers without a bias or with an int32 bias in 32 bits.
                    (
                        quote!(conv_2d_acc32_s16),
                        conv_quant_params(&geometry, 0, 0, range),
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
    use crate::ops::conv_common::test_graph::{act, check, constant, graph};

    fn conv(padding: Padding, stride: usize, dilation: usize) -> Box<Conv2d> {
        Box::new(Conv2d {
            padding,
            stride: [stride, stride],
            dilation: [dilation, dilation],
            activation: Activation::Relu6,
        })
    }

    /// int8 conv: input [1,h,w,c_in], weights [c_out,k,k,c_in], bias, output [1,oh,ow,c_out].
    fn int8_graph(
        op: Box<Conv2d>,
        h: usize,
        k: usize,
        c: [usize; 2],
        out: usize,
        scales: &[f32],
    ) -> Graph {
        graph(
            op,
            "CONV_2D",
            vec![
                act(DType::I8, &[1, h, h, c[0]], Some((0.5, -3))),
                constant(DType::I8, &[c[1], k, k, c[0]], scales, 0),
                constant(DType::I32, &[c[1]], &[], 0),
                act(DType::I8, &[1, out, out, c[1]], Some((0.25, 5))),
            ],
            vec![Some(0), Some(1), Some(2)],
        )
    }

    #[test]
    fn same_padding_stride_2_like_person_detect() {
        let g = int8_graph(conv(Padding::Same, 2, 1), 96, 3, [1, 8], 48, &[0.1; 8]);
        assert_eq!(check(&g), "");
        let n = &g.nodes[0];
        let op = conv(Padding::Same, 2, 1);
        let (_, geo, kind) = op.check(&g, n).unwrap();
        assert_eq!(kind, ConvKind::S8);
        // total padding (48−1)·2+3−96 = 1: none before, the odd row after.
        assert_eq!(geo.pad, [0, 0]);
        assert_eq!(geo.filter, [3, 3, 1]);
        assert_eq!(n.op.macs(&g, n), 48 * 48 * 8 * 9);
    }

    #[test]
    fn dilated_same_padding() {
        // 6×6, 3×3 filter dilated by 2 (effective 5), stride 1: pad 2 before.
        let g = int8_graph(conv(Padding::Same, 1, 2), 6, 3, [2, 4], 6, &[0.1]);
        let (_, geo, _) = conv(Padding::Same, 1, 2).check(&g, &g.nodes[0]).unwrap();
        assert_eq!(geo.pad, [2, 2]);
        assert_eq!(geo.dilation, [2, 2]);
    }

    #[test]
    fn wrong_output_size_is_reported() {
        let g = int8_graph(conv(Padding::Valid, 1, 1), 8, 3, [1, 2], 8, &[0.1]);
        assert_eq!(
            check(&g),
            "operator #0 CONV_2D: output is 8×8 but the Valid window gives 6×6"
        );
    }

    #[test]
    fn per_channel_scale_count_and_axis() {
        let g = int8_graph(conv(Padding::Same, 1, 1), 4, 1, [1, 3], 4, &[0.1, 0.2]);
        assert!(
            check(&g).contains("have 2 scales for 3 output channels"),
            "{}",
            check(&g)
        );
        let mut g = int8_graph(conv(Padding::Same, 1, 1), 4, 1, [3, 3], 4, &[0.1, 0.2, 0.3]);
        if let Some(q) = g.tensors[1].quant.as_mut() {
            q.axis = 3;
        }
        assert!(
            check(&g).contains("per channel along axis 3 (supported: axis 0"),
            "{}",
            check(&g)
        );
    }

    #[test]
    fn int16_needs_int64_or_int32_bias_and_zero_points_of_zero() {
        let tensors = |bias: DType, zp: i64| {
            vec![
                act(DType::I16, &[1, 4, 4, 2], Some((0.01, zp))),
                constant(DType::I8, &[2, 1, 1, 2], &[0.1], 0),
                constant(bias, &[2], &[], 0),
                act(DType::I16, &[1, 4, 4, 2], Some((0.02, 0))),
            ]
        };
        let inputs = vec![Some(0), Some(1), Some(2)];
        let g = graph(
            conv(Padding::Same, 1, 1),
            "CONV_2D",
            tensors(DType::I64, 0),
            inputs.clone(),
        );
        assert_eq!(check(&g), "");
        let g = graph(
            conv(Padding::Same, 1, 1),
            "CONV_2D",
            tensors(DType::I32, 0),
            inputs.clone(),
        );
        assert_eq!(check(&g), "");
        let g = graph(
            conv(Padding::Same, 1, 1),
            "CONV_2D",
            tensors(DType::I16, 0),
            inputs.clone(),
        );
        assert_eq!(
            check(&g),
            "operator #0 CONV_2D: int16 bias (with int16 input) 't2' is not supported (supported: int64, int32)"
        );
        let g = graph(
            conv(Padding::Same, 1, 1),
            "CONV_2D",
            tensors(DType::I64, 3),
            inputs,
        );
        assert!(
            check(&g).contains("has zero point 3 (supported: 0"),
            "{}",
            check(&g)
        );
    }

    #[test]
    fn grouped_convolution_shapes() {
        // 4 input channels, filters of depth 2 → 2 groups; 3 outputs do not split into 2 groups.
        let g = int8_graph(conv(Padding::Same, 1, 1), 4, 1, [4, 3], 4, &[0.1]);
        let g = Graph {
            tensors: {
                let mut t = g.tensors;
                t[1].shape = vec![3, 1, 1, 2];
                t[1].data = Some(vec![0; 6]);
                t
            },
            ..g
        };
        assert!(
            check(&g).contains("groups must divide the output channels"),
            "{}",
            check(&g)
        );
    }

    #[test]
    fn float_needs_float_weights() {
        let g = graph(
            conv(Padding::Same, 1, 1),
            "CONV_2D",
            vec![
                act(DType::F32, &[1, 4, 4, 1], None),
                constant(DType::I8, &[1, 1, 1, 1], &[0.1], 0),
                act(DType::F32, &[1, 4, 4, 1], None),
            ],
            vec![Some(0), Some(1)],
        );
        assert_eq!(
            check(&g),
            "operator #0 CONV_2D: int8 weights (with float32 input) 't1' is not supported (supported: float32)"
        );
    }
}
