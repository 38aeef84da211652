//! AVERAGE_POOL_2D and MAX_POOL_2D (one module: the same options, checks and geometry):
//! float32, int8 and int16, with input and output quantization equal as TFLM requires.

use proc_macro2::TokenStream;
use quote::quote;

use super::conv_common::{nhwc, out_size, pad_before, positive, Padding};
use super::{expect_dtype, OpImpl};
use crate::error::Error;
use crate::expand::{f32_lit, Arg, Emitter};
use crate::ir::{DType, Graph, Node};
use crate::quantize::Activation;
use crate::tflite;

/// Which pooling.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PoolKind {
    /// AVERAGE_POOL_2D
    Average,
    /// MAX_POOL_2D
    Max,
}

/// A lowered pooling operator.
pub struct Pool2d {
    kind: PoolKind,
    padding: Padding,
    stride: [usize; 2],
    filter: [usize; 2],
    activation: Activation,
}

fn lower_pool(op: &tflite::Operator<'_>, kind: PoolKind) -> Result<Box<dyn OpImpl>, String> {
    let o = op
        .builtin_options_as_pool2d_options()
        .ok_or("has no Pool2DOptions")?;
    Ok(Box::new(Pool2d {
        kind,
        padding: Padding::from_schema(o.padding().0)?,
        stride: [
            positive(o.stride_h(), "stride_h")?,
            positive(o.stride_w(), "stride_w")?,
        ],
        filter: [
            positive(o.filter_height(), "filter_height")?,
            positive(o.filter_width(), "filter_width")?,
        ],
        activation: Activation::from_schema(o.fused_activation_function().0)?,
    }))
}

/// Reads the options of AVERAGE_POOL_2D.
pub fn lower_average(op: &tflite::Operator<'_>) -> Result<Box<dyn OpImpl>, String> {
    lower_pool(op, PoolKind::Average)
}

/// Reads the options of MAX_POOL_2D.
pub fn lower_max(op: &tflite::Operator<'_>) -> Result<Box<dyn OpImpl>, String> {
    lower_pool(op, PoolKind::Max)
}

/// Every value of the runtime's `PoolGeometry`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolDims {
    /// Batch size.
    pub batches: usize,
    /// Input height, width.
    pub input: [usize; 2],
    /// Channels.
    pub depth: usize,
    /// Output height, width.
    pub output: [usize; 2],
    /// Window height, width.
    pub filter: [usize; 2],
    /// Strides.
    pub stride: [usize; 2],
    /// Padding above and left of the input.
    pub pad: [usize; 2],
}

impl PoolDims {
    /// Whether the runtime's four-channels-per-word int8 kernel runs this layer (its
    /// `pool_x4_fits`): channels in fours, no padding, every window inside the input; for an
    /// average, a window of 2 to 256 elements, a power of two (a shift divides).
    pub fn x4_fits(&self, kind: PoolKind) -> bool {
        let inside = |i: usize| {
            self.output[i]
                .checked_sub(1)
                .and_then(|o| o.checked_mul(self.stride[i]))
                .and_then(|r| r.checked_add(self.filter[i]))
                .is_some_and(|end| end <= self.input[i])
        };
        let n = self.filter[0].saturating_mul(self.filter[1]);
        let window = kind == PoolKind::Max || ((2..=256).contains(&n) && n.is_power_of_two());
        self.depth > 0
            && self.depth.is_multiple_of(4)
            && self.pad == [0, 0]
            && inside(0)
            && inside(1)
            && window
    }

    fn tokens(&self) -> TokenStream {
        let PoolDims {
            batches,
            depth,
            input: [ih, iw],
            output: [oh, ow],
            filter: [fh, fw],
            stride: [sh, sw],
            pad: [ph, pw],
        } = *self;
        quote!(::kiln::__private::PoolGeometry {
            batches: #batches, input_height: #ih, input_width: #iw, depth: #depth,
            output_height: #oh, output_width: #ow, filter_height: #fh, filter_width: #fw,
            stride_height: #sh, stride_width: #sw, pad_height: #ph, pad_width: #pw,
        })
    }
}

impl Pool2d {
    fn check(&self, g: &Graph, node: &Node) -> Result<(usize, usize, PoolDims), String> {
        let Some(input) = node.input(0) else {
            return Err("needs an input".into());
        };
        let [output] = node.outputs[..] else {
            return Err(format!("has {} outputs, expected 1", node.outputs.len()));
        };
        let dt = expect_dtype(g, input, "input", &[DType::F32, DType::I8, DType::I16])?;
        let same = [dt];
        expect_dtype(
            g,
            output,
            &format!("output (with {} input)", dt.name()),
            &same,
        )?;
        let [n, ih, iw, c] = nhwc(g.tensor(input), "input")?;
        let [on, oh, ow, oc] = nhwc(g.tensor(output), "output")?;
        let [fh, fw] = self.filter;
        let [sh, sw] = self.stride;
        let want = [
            out_size(self.padding, ih, fh, sh, 1),
            out_size(self.padding, iw, fw, sw, 1),
        ];
        if on != n || oc != c || [oh, ow] != want {
            return Err(format!(
                "output {} does not match input {} with a {fh}×{fw} {:?} window and stride {sh}×{sw}",
                g.tensor(output).describe(),
                g.tensor(input).describe(),
                self.padding
            ));
        }
        if dt != DType::F32 {
            let (Some(iq), Some(oq)) = (&g.tensor(input).quant, &g.tensor(output).quant) else {
                return Err("quantized input and output need quantization parameters".into());
            };
            // TFLM's PoolingPrepare: |Δscale| ≤ 1e-6 and equal zero points.
            if (f64::from(iq.scale0()) - f64::from(oq.scale0())).abs() > 1.0e-6
                || iq.zero_point0() != oq.zero_point0()
            {
                return Err(format!(
                    "input (scale {}, zero point {}) and output (scale {}, zero point {}) quantization differ \
                     (supported: equal, as in TFLM)",
                    iq.scale0(),
                    iq.zero_point0(),
                    oq.scale0(),
                    oq.zero_point0()
                ));
            }
        }
        let dims = PoolDims {
            batches: n,
            input: [ih, iw],
            depth: c,
            output: [oh, ow],
            filter: self.filter,
            stride: self.stride,
            pad: [pad_before(sh, 1, ih, fh, oh), pad_before(sw, 1, iw, fw, ow)],
        };
        Ok((input, output, dims))
    }
}

impl OpImpl for Pool2d {
    fn validate(&self, g: &Graph, node: &Node) -> Result<(), Error> {
        self.check(g, node)
            .map(|_| ())
            .map_err(|m| Error::op(node.index, node.name, m))
    }

    fn emit(&self, g: &Graph, node: &Node, e: &mut Emitter<'_>) -> Result<TokenStream, Error> {
        let (input, output, dims) = self
            .check(g, node)
            .map_err(|m| Error::op(node.index, node.name, m))?;
        let geometry = dims.tokens();
        let dt = g.tensor(input).dtype;
        let (ty, params) = if dt == DType::F32 {
            let (lo, hi) = self.activation.range_f32();
            let (lo, hi) = (f32_lit(lo), f32_lit(hi));
            (
                quote!(PoolF32Params),
                quote!(::kiln::__private::PoolF32Params { geometry: #geometry, activation_min: #lo, activation_max: #hi }),
            )
        } else {
            let (lo, hi) = self.activation.range_quantized(g.tensor(output))?;
            (
                quote!(PoolQuantParams),
                quote!(::kiln::__private::PoolQuantParams { geometry: #geometry, activation_min: #lo, activation_max: #hi }),
            )
        };
        let x4 = dt == DType::I8 && dims.x4_fits(self.kind);
        let kernel = match (self.kind, dt) {
            (PoolKind::Average, DType::F32) => quote!(avg_pool_2d_f32),
            (PoolKind::Average, DType::I8) if x4 => quote!(avg_pool_2d_x4_s8),
            (PoolKind::Average, DType::I8) => quote!(avg_pool_2d_s8),
            (PoolKind::Average, _) => quote!(avg_pool_2d_s16),
            (PoolKind::Max, DType::F32) => quote!(max_pool_2d_f32),
            (PoolKind::Max, DType::I8) if x4 => quote!(max_pool_2d_x4_s8),
            (PoolKind::Max, DType::I8) => quote!(max_pool_2d_s8),
            (PoolKind::Max, _) => quote!(max_pool_2d_s16),
        };
        Ok(e.call(kernel, ty, params, &[Arg::In(input), Arg::Out(output)]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::conv_common::test_graph::{act, check, graph};

    fn op(kind: PoolKind, padding: Padding) -> Box<Pool2d> {
        Box::new(Pool2d {
            kind,
            padding,
            stride: [2, 2],
            filter: [3, 3],
            activation: Activation::None,
        })
    }

    #[test]
    fn geometry_of_a_same_pool() {
        let g = graph(
            op(PoolKind::Max, Padding::Same),
            "MAX_POOL_2D",
            vec![
                act(DType::I8, &[1, 5, 5, 3], Some((0.1, 2))),
                act(DType::I8, &[1, 3, 3, 3], Some((0.1, 2))),
            ],
            vec![Some(0)],
        );
        assert_eq!(check(&g), "");
        let (_, _, dims) = op(PoolKind::Max, Padding::Same)
            .check(&g, &g.nodes[0])
            .unwrap();
        // total (3−1)·2+3−5 = 2 → 1 before.
        assert_eq!(dims.pad, [1, 1]);
        assert_eq!(dims.output, [3, 3]);
    }

    #[test]
    fn word_kernels_only_for_whole_windows_of_four_channels() {
        let dims = PoolDims {
            batches: 1,
            input: [16, 16],
            depth: 8,
            output: [8, 8],
            filter: [2, 2],
            stride: [2, 2],
            pad: [0, 0],
        };
        assert!(dims.x4_fits(PoolKind::Average) && dims.x4_fits(PoolKind::Max));
        let odd = PoolDims { depth: 6, ..dims };
        assert!(!odd.x4_fits(PoolKind::Max));
        let padded = PoolDims {
            pad: [0, 1],
            ..dims
        };
        assert!(!padded.x4_fits(PoolKind::Max));
        // SAME padding with none before but the last window past the input.
        let past = PoolDims {
            input: [15, 15],
            ..dims
        };
        assert!(!past.x4_fits(PoolKind::Max));
        let nine = PoolDims {
            input: [3, 3],
            output: [1, 1],
            filter: [3, 3],
            ..dims
        };
        assert!(nine.x4_fits(PoolKind::Max) && !nine.x4_fits(PoolKind::Average));
        let one = PoolDims {
            filter: [1, 1],
            ..dims
        };
        assert!(one.x4_fits(PoolKind::Max) && !one.x4_fits(PoolKind::Average));
    }

    #[test]
    fn quantization_must_match() {
        let g = graph(
            op(PoolKind::Average, Padding::Valid),
            "AVERAGE_POOL_2D",
            vec![
                act(DType::I16, &[1, 5, 5, 3], Some((0.1, 0))),
                act(DType::I16, &[1, 2, 2, 3], Some((0.2, 0))),
            ],
            vec![Some(0)],
        );
        assert!(
            check(&g).contains("quantization differ (supported: equal, as in TFLM)"),
            "{}",
            check(&g)
        );
    }

    #[test]
    fn output_shape_must_match_the_window() {
        let g = graph(
            op(PoolKind::Average, Padding::Valid),
            "AVERAGE_POOL_2D",
            vec![
                act(DType::F32, &[1, 5, 5, 3], None),
                act(DType::F32, &[1, 3, 3, 3], None),
            ],
            vec![Some(0)],
        );
        assert!(
            check(&g).contains("does not match input float32[1,5,5,3] with a 3×3 Valid window"),
            "{}",
            check(&g)
        );
    }
}
