//! DEPTHWISE_CONV_2D: float32; int8 with per-channel (along the output channels, axis 3) or
//! per-tensor int8 weights and int32 bias; int16 activations with int8 weights and int64 bias.
//! Any depth multiplier.

use proc_macro2::TokenStream;
use quote::quote;

use super::conv_common::{
    abs_sums_channel_last, bias_i32, check_conv_quant, conv_f32_params, conv_kind,
    conv_quant_params, conv_requant, conv_s8_fast, conv_tensors, fast_requant_ok, nhwc, out_size,
    pad_before, per_channel, positive, requant_arg, s8_conv_scratch, scale_zp, ConvKind,
    ConvTensors, Geometry, Padding, S8Conv,
};
use super::OpImpl;
use crate::error::Error;
use crate::expand::{Arg, Emitter};
use crate::ir::{DType, Graph, Node};
use crate::quantize::Activation;
use crate::tflite;

/// A lowered DEPTHWISE_CONV_2D operator.
pub struct DepthwiseConv2d {
    padding: Padding,
    stride: [usize; 2],
    dilation: [usize; 2],
    depth_multiplier: i32,
    activation: Activation,
}

/// Reads the operator's options.
pub fn lower(op: &tflite::Operator<'_>) -> Result<Box<dyn OpImpl>, String> {
    let o = op
        .builtin_options_as_depthwise_conv2d_options()
        .ok_or("has no DepthwiseConv2DOptions")?;
    Ok(Box::new(DepthwiseConv2d {
        padding: Padding::from_schema(o.padding().0)?,
        stride: [
            positive(o.stride_h(), "stride_h")?,
            positive(o.stride_w(), "stride_w")?,
        ],
        dilation: [
            positive(o.dilation_h_factor(), "dilation_h_factor")?,
            positive(o.dilation_w_factor(), "dilation_w_factor")?,
        ],
        depth_multiplier: o.depth_multiplier(),
        activation: Activation::from_schema(o.fused_activation_function().0)?,
    }))
}

impl DepthwiseConv2d {
    /// Shapes and padding, checked against each other.
    fn geometry(&self, g: &Graph, t: &ConvTensors) -> Result<Geometry, String> {
        let [n, ih, iw, ic] = nhwc(g.tensor(t.input), "input")?;
        let [one, kh, kw, oc] = nhwc(g.tensor(t.weights), "weights")?;
        let [on, oh, ow, ocd] = nhwc(g.tensor(t.output), "output")?;
        if one != 1 {
            return Err(format!(
                "weights {} must have shape [1, height, width, channels]",
                g.tensor(t.weights).describe()
            ));
        }
        if on != n || ocd != oc {
            return Err(format!(
                "output {} does not match input {} and weights {}",
                g.tensor(t.output).describe(),
                g.tensor(t.input).describe(),
                g.tensor(t.weights).describe()
            ));
        }
        if ic == 0 || oc % ic != 0 {
            return Err(format!(
                "{oc} output channels are not a multiple of {ic} input channels"
            ));
        }
        // TFLM loops over the depth multiplier of the options, so it must agree with the shapes.
        if usize::try_from(self.depth_multiplier).ok() != Some(oc / ic) {
            return Err(format!(
                "depth_multiplier is {} but the shapes give {} (output channels / input channels)",
                self.depth_multiplier,
                oc / ic
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
            filter: [kh, kw, 1],
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
        let kind = conv_kind(g, &t, &[DType::I64])?;
        check_conv_quant(g, &t, kind, geometry.output[2], 3)?;
        Ok((t, geometry, kind))
    }
}

impl DepthwiseConv2d {
    /// The optimized int8 kernels, or `None` for the reference: depth multiplier 1 and a multiple
    /// of 4 channels → `kiln::kernels::depthwise_s8_fast` when `requantize_fast` is exact for every
    /// accumulator (`fast_requant_ok`; else the reference), with one table of biases,
    /// weights and requantization constants ([`depthwise_table`]); one input channel → a
    /// convolution with the weights transposed to `[channels, h, w, 1]` (`conv_2d_rows_s8`).
    fn emit_s8_fast(
        &self,
        g: &Graph,
        e: &mut Emitter<'_>,
        t: &ConvTensors,
        geometry: &Geometry,
        rq: (&[i32], &[i32]),
        range: (i32, i32),
    ) -> Option<TokenStream> {
        let [kh, kw, _] = geometry.filter;
        let [_, _, ic] = geometry.input;
        let oc = geometry.output[2];
        let (_, in_zp) = scale_zp(g.tensor(t.input));
        let (_, out_zp) = scale_zp(g.tensor(t.output));
        let weights = g.tensor(t.weights).data.as_deref().unwrap_or_default();
        let bias = bias_i32(g, t.bias, oc);
        if bias.len() != oc {
            return None;
        }
        if let Some(table) = rows_table(g, t, geometry, rq) {
            let table = e.constant_i32(&table);
            let params = conv_quant_params(geometry, -in_zp, out_zp, range);
            return Some(e.call(
                quote!(depthwise_3x3_rows_s8),
                quote!(ConvQuantParams),
                params,
                &[
                    Arg::Static(table),
                    Arg::In(t.input),
                    Arg::Out(t.output),
                    Arg::Scratch(rows_scratch(geometry)),
                ],
            ));
        }
        if oc == ic && ic % 4 == 0 {
            let sums = abs_sums_channel_last(weights, oc);
            if !fast_requant_ok(&bias, &sums, rq.0, rq.1) {
                return None;
            }
            let params = conv_quant_params(geometry, -in_zp, out_zp, range);
            let table = depthwise_table(weights, kh * kw, &bias, rq);
            let table = e.constant_i32(&table);
            return Some(e.call(
                quote!(depthwise_conv_2d_s8_fast),
                quote!(ConvQuantParams),
                params,
                &[Arg::Static(table), Arg::In(t.input), Arg::Out(t.output)],
            ));
        }
        if ic != 1 || geometry.dilation[1] != 1 {
            return None;
        }
        let transposed = crate::relayout::transpose_bytes(weights, kh * kw, oc);
        let conv = S8Conv {
            geometry,
            weights: &transposed,
            bias: &bias,
            input_zero_point: in_zp,
            output_zero_point: out_zp,
            range,
        };
        conv_s8_fast(e, &conv, rq, t.input, t.output)
    }
}

/// Whether `kiln::kernels::depthwise_3x3_rows_s8` can run the layer (when the fast
/// requantization is exact): a 3×3 filter, stride 1, no dilation, depth multiplier 1, at most one
/// row and one column of padding before the input, and a multiple of 4 output columns.
fn rows_kernel(g: &Geometry) -> bool {
    let fits = g.filter[..2] == [3, 3]
        && g.stride == [1, 1]
        && g.dilation == [1, 1]
        && g.input[2] == g.output[2]
        && g.pad[0] <= 1
        && g.pad[1] <= 1
        && g.output[1].is_multiple_of(4)
        && g.output[1] > 0;
    fits && (!g.input[2].is_multiple_of(4) || rows_pays(g))
}

/// Whether the rows kernel is worth its table against `depthwise_conv_2d_s8_fast`'s: it runs
/// border windows as fast as inside ones, where the other kernel takes about half as long
/// again, but its table takes 72 bytes per channel instead of 18. Chosen when border windows
/// are at least a fifth of the outputs and the larger table costs at most 1 KiB more flash
/// (small images with few channels, where the borders weigh most and the tables least).
fn rows_pays(g: &Geometry) -> bool {
    let [oh, ow, ch] = g.output;
    let inside = oh.saturating_sub(2 * g.pad[0]) * ow.saturating_sub(2 * g.pad[1]);
    let border = oh * ow - inside;
    5 * border >= oh * ow && 54 * ch <= 1024
}

/// The table of `kiln::kernels::depthwise_3x3_rows_s8` when that kernel runs the int8 layer: the
/// geometry suits it ([`rows_kernel`]), there is a bias per channel and the fast requantization is
/// exact for every accumulator. `emit_s8_fast` emits the call and `scratch` reserves its scratch
/// on the same condition.
fn rows_table(
    g: &Graph,
    t: &ConvTensors,
    geometry: &Geometry,
    (multipliers, shifts): (&[i32], &[i32]),
) -> Option<Vec<i32>> {
    let oc = geometry.output[2];
    let bias = bias_i32(g, t.bias, oc);
    let weights = g.tensor(t.weights).data.as_deref().unwrap_or_default();
    let sums = abs_sums_channel_last(weights, oc);
    if !rows_kernel(geometry)
        || bias.len() != oc
        || !fast_requant_ok(&bias, &sums, multipliers, shifts)
    {
        return None;
    }
    let (_, in_zp) = scale_zp(g.tensor(t.input));
    dw_rows_table(weights, &bias, -in_zp, (multipliers, shifts))
}

/// Scratch bytes of `depthwise_3x3_rows_s8`: one unit of six words per four outputs of a row,
/// and one more, for each channel it widens at once: four when the channel count is a multiple
/// of 4, else one (`kiln::kernels::dw_rows_scratch_bytes`).
fn rows_scratch(g: &Geometry) -> usize {
    let group = if g.output[2].is_multiple_of(4) { 4 } else { 1 };
    24 * (g.output[1] / 4 + 1) * group
}

/// The table of `kiln::kernels::depthwise_3x3_rows_s8` from DEPTHWISE_CONV_2D's int8
/// `[9][channels]` weights, the bias, the input offset (`−zero_point`) and the multipliers and
/// shifts (one per channel, or one for all), doubled for `kiln::quant::requantize_doubled`: per
/// channel the weights of filter rows 0, 1, 2, 0, 1 as the 16-bit lane pairs `2w0 | 2w1 << 16`,
/// `2w1 | 2w2 << 16`, `2w2 | 2w0 << 16` (three words per row, so that any three consecutive rows
/// are contiguous), twice the bias plus the input offset times the channel's weight sum, the
/// multiplier and the right shift `−shift` (`kiln::arch::DW_ROWS_CHANNEL_WORDS`). `None` when a
/// doubled folded bias does not fit 32 bits or a right shift is out of
/// [`crate::quantize::doubled_shift_ok`]'s range.
pub fn dw_rows_table(
    weights: &[u8],
    bias: &[i32],
    input_offset: i32,
    (multipliers, shifts): (&[i32], &[i32]),
) -> Option<Vec<i32>> {
    let channels = bias.len();
    let (multipliers, shifts) = per_channel(channels, multipliers, shifts);
    let pair = |a: i16, b: i16| (a as u16 as u32 | (b as u16 as u32) << 16) as i32;
    let mut out = Vec::with_capacity(channels * 18);
    for (c, b) in bias.iter().enumerate() {
        let w = |t: usize| {
            weights
                .get(t * channels + c)
                .map_or(0, |v| i16::from(*v as i8))
        };
        for r in [0, 1, 2, 0, 1] {
            let (w0, w1, w2) = (2 * w(3 * r), 2 * w(3 * r + 1), 2 * w(3 * r + 2));
            out.extend([pair(w0, w1), pair(w1, w2), pair(w2, w0)]);
        }
        let sum: i64 = (0..9).map(|t| i64::from(w(t))).sum();
        out.push(i32::try_from(2 * (i64::from(*b) + i64::from(input_offset) * sum)).ok()?);
        out.push(multipliers.get(c).copied()?);
        let shift = *shifts.get(c)?;
        if !crate::quantize::doubled_shift_ok(shift) {
            return None;
        }
        out.push(-shift);
    }
    Some(out)
}

/// The table of `kiln::kernels::depthwise_conv_2d_s8_fast` from DEPTHWISE_CONV_2D's int8
/// `[taps][channels]` weights (`channels % 4 == 0`), the bias, the multipliers and shifts (one per
/// channel, or one for all). Per set of four channels: the four biases, the `taps` weight words
/// (byte `j` of word `t` is channel `4g + j`'s weight at tap `t`), the four multipliers doubled
/// (wrapping: they are in `[2^30, 2^31)`), and one word whose byte `j` is `!shift` of channel
/// `4g + j` (the kernel shifts right by it, see `kiln::quant::requantize_fast`).
pub fn depthwise_table(
    weights: &[u8],
    taps: usize,
    bias: &[i32],
    (multipliers, shifts): (&[i32], &[i32]),
) -> Vec<i32> {
    let channels = bias.len();
    let pick = |v: &[i32], c: usize| {
        let i = if v.len() == 1 { 0 } else { c };
        v.get(i).copied().unwrap_or(0)
    };
    let w = |t: usize, c: usize| weights.get(t * channels + c).map_or(0, |v| *v as i8);
    let mut out = Vec::with_capacity(channels / 4 * (taps + 9));
    for g in 0..channels / 4 {
        let cs = 4 * g..4 * g + 4;
        out.extend(cs.clone().map(|c| bias.get(c).copied().unwrap_or(0)));
        let c0 = cs.start;
        out.extend((0..taps).map(|t| i32::from_le_bytes([0, 1, 2, 3].map(|j| w(t, c0 + j) as u8))));
        // Twice the multiplier, wrapped (`smmlar` by it is the rounded high word of `2·acc·m`).
        out.extend(cs.clone().map(|c| pick(multipliers, c).wrapping_shl(1)));
        let nshift = [0, 1, 2, 3].map(|j| !(pick(shifts, c0 + j) as i8 as u8));
        out.push(i32::from_le_bytes(nshift));
    }
    out
}

impl OpImpl for DepthwiseConv2d {
    fn validate(&self, g: &Graph, node: &Node) -> Result<(), Error> {
        self.check(g, node)
            .map(|_| ())
            .map_err(|m| Error::op(node.index, node.name, m))
    }

    fn macs(&self, g: &Graph, node: &Node) -> u64 {
        match self.check(g, node) {
            Ok((_, geo, _)) => {
                let [oh, ow, oc] = geo.output;
                let [kh, kw, _] = geo.filter;
                (geo.batches * oh * ow * oc * kh * kw) as u64
            }
            Err(_) => 0,
        }
    }

    fn scratch(&self, g: &Graph, node: &Node) -> usize {
        let Ok((t, geometry, ConvKind::S8)) = self.check(g, node) else {
            return 0;
        };
        let [kh, kw, _] = geometry.filter;
        let oc = geometry.output[2];
        let (in_zp, out_zp, (m, s)) = conv_requant(g, &t);
        let weights = g.tensor(t.weights).data.as_deref().unwrap_or_default();
        if rows_table(g, &t, &geometry, (&m, &s)).is_some() {
            return rows_scratch(&geometry);
        }
        // One input channel: a convolution with transposed weights (see `emit_s8_fast`).
        if geometry.input[2] != 1 {
            return 0;
        }
        let conv = S8Conv {
            geometry: &geometry,
            weights: &crate::relayout::transpose_bytes(weights, kh * kw, oc),
            bias: &bias_i32(g, t.bias, oc),
            input_zero_point: in_zp,
            output_zero_point: out_zp,
            range: (-128, 127),
        };
        s8_conv_scratch(g, node, t.input, &conv, (&m, &s))
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
                    quote!(depthwise_conv_2d_f32),
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
                    if let Some(call) = self.emit_s8_fast(g, e, &t, &geometry, (&m, &s), range) {
                        return Ok(call);
                    }
                }
                let (kernel, params) = if kind == ConvKind::S8 {
                    (
                        quote!(depthwise_conv_2d_s8),
                        conv_quant_params(&geometry, -in_zp, out_zp, range),
                    )
                } else {
                    (
                        quote!(depthwise_conv_2d_s16),
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

    fn op(depth_multiplier: i32) -> Box<DepthwiseConv2d> {
        Box::new(DepthwiseConv2d {
            padding: Padding::Same,
            stride: [1, 1],
            dilation: [1, 1],
            depth_multiplier,
            activation: Activation::None,
        })
    }

    fn g(depth_multiplier: i32, scales: &[f32], axis: usize) -> Graph {
        graph(
            op(depth_multiplier),
            "DEPTHWISE_CONV_2D",
            vec![
                act(DType::I8, &[1, 5, 5, 2], Some((0.5, 1))),
                constant(DType::I8, &[1, 3, 3, 4], scales, axis),
                constant(DType::I32, &[4], &[], 0),
                act(DType::I8, &[1, 5, 5, 4], Some((0.5, 1))),
            ],
            vec![Some(0), Some(1), Some(2)],
        )
    }

    #[test]
    fn multiplier_two_per_channel_along_axis_3() {
        let graph = g(2, &[0.1, 0.2, 0.3, 0.4], 3);
        assert_eq!(check(&graph), "");
        let (_, geo, _) = op(2).check(&graph, &graph.nodes[0]).unwrap();
        assert_eq!((geo.pad, geo.output), ([1, 1], [5, 5, 4]));
        assert_eq!(graph.nodes[0].op.macs(&graph, &graph.nodes[0]), 25 * 4 * 9);
    }

    #[test]
    fn rows_kernel_for_small_images_few_channels_or_odd_channel_counts() {
        let geo = |hw: usize, ch: usize, pad: usize, stride: usize| Geometry {
            batches: 1,
            input: [hw, hw, ch],
            output: [hw + 2 * pad - 2, hw + 2 * pad - 2, ch],
            filter: [3, 3, 1],
            stride: [stride, stride],
            dilation: [1, 1],
            pad: [pad, pad],
        };
        // gen_cnn's layer: a 16×16 image has 23 % border windows, 8 channels.
        assert!(rows_kernel(&geo(16, 8, 1, 1)));
        // Three channels: the four-channel kernel cannot run it at all.
        assert!(rows_kernel(&geo(8, 3, 1, 1)));
        // person_detect's 48×48 (8 % borders) and 12×12×64 layers (a 4.6 KB table).
        assert!(!rows_kernel(&geo(48, 8, 1, 1)));
        assert!(!rows_kernel(&geo(12, 64, 1, 1)));
        // VALID padding has no border windows; stride 2 and 6 output columns are not run.
        assert!(!rows_kernel(&geo(18, 8, 0, 1)));
        assert!(!rows_kernel(&geo(16, 8, 1, 2)));
        assert!(!rows_kernel(&geo(6, 3, 1, 1)));
    }

    #[test]
    fn option_must_agree_with_shapes() {
        assert_eq!(
            check(&g(1, &[0.1], 0)),
            "operator #0 DEPTHWISE_CONV_2D: depth_multiplier is 1 but the shapes give 2 (output channels / input channels)"
        );
    }

    #[test]
    fn per_channel_axis_0_is_rejected() {
        let mut graph = g(2, &[0.1, 0.2, 0.3, 0.4], 3);
        if let Some(q) = graph.tensors[1].quant.as_mut() {
            q.axis = 0;
        }
        assert!(
            check(&graph).contains("(supported: axis 3, the output channels)"),
            "{}",
            check(&graph)
        );
    }
}
