//! MEAN over constant axes: float32, int8 and int16, with TFLM's arithmetic. The common case is
//! global average pooling (axes 1 and 2 of an NHWC tensor, `keep_dims`).
//!
//! Quantized MEAN follows TFLM (which differs from TFLite): with equal input and output
//! quantization the raw sum is divided with truncation; otherwise the zero-point-corrected sum is
//! requantized by `input_scale / output_scale` with `1 / count` folded into the multiplier.

use proc_macro2::TokenStream;
use quote::quote;

use super::{expect_dtype, OpImpl};
use crate::error::Error;
use crate::expand::{Arg, Emitter};
use crate::ir::{DType, Graph, Node};
use crate::quantize::quantize_multiplier;
use crate::tflite;

/// A lowered MEAN operator.
pub struct Mean {
    keep_dims: bool,
}

/// Reads the operator's options.
pub fn lower(op: &tflite::Operator<'_>) -> Result<Box<dyn OpImpl>, String> {
    let keep_dims = op
        .builtin_options_as_reducer_options()
        .map(|o| o.keep_dims())
        .unwrap_or(false);
    Ok(Box::new(Mean { keep_dims }))
}

/// TFLite's `ResolveAxis`: negative axes count from the end, duplicates are dropped. Returns the
/// reduced axes as a mask over the input's dimensions.
pub fn resolve_axes(rank: usize, axes: &[i32]) -> Result<Vec<bool>, String> {
    let mut mask = vec![false; rank];
    for &a in axes {
        let r = rank as i64;
        let v = if a < 0 {
            i64::from(a) + r
        } else {
            i64::from(a)
        };
        match usize::try_from(v).ok().and_then(|v| mask.get_mut(v)) {
            Some(m) => *m = true,
            None => return Err(format!("axis {a} is out of range for a rank-{rank} input")),
        }
    }
    Ok(mask)
}

/// Up to three kept and three reduced `(extent, stride)` runs, adjacent dimensions of the same
/// kind merged, in input order; extent-1 dimensions are dropped. The element count per output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Runs {
    /// Kept runs, outermost first.
    pub kept: Vec<(usize, usize)>,
    /// Reduced runs, outermost first.
    pub reduced: Vec<(usize, usize)>,
    /// Product of the reduced extents.
    pub count: usize,
}

/// Splits `shape` into kept and reduced runs (see [`Runs`]).
pub fn runs(shape: &[usize], mask: &[bool]) -> Result<Runs, String> {
    let mut kept: Vec<(usize, usize)> = Vec::new();
    let mut reduced: Vec<(usize, usize)> = Vec::new();
    let mut stride = 1usize;
    // Walk from the innermost dimension, merging with the previous run of the same kind when the
    // dimensions are adjacent (the previous run's stride times its extent equals this stride).
    let mut last: Option<bool> = None;
    for (&d, &r) in shape.iter().zip(mask).rev() {
        if d != 1 {
            let list = if r { &mut reduced } else { &mut kept };
            match list.last_mut() {
                Some((e, s)) if last == Some(r) && *s * *e == stride => *e *= d,
                _ => list.push((d, stride)),
            }
            last = Some(r);
        }
        stride *= d;
    }
    kept.reverse();
    reduced.reverse();
    if kept.len() > 3 || reduced.len() > 3 {
        return Err("reduces too many separate groups of axes (supported: up to 3 kept and 3 reduced groups)".into());
    }
    let count = reduced.iter().map(|(e, _)| e).product();
    Ok(Runs {
        kept,
        reduced,
        count,
    })
}

/// TFLM's folding of `1 / count` into the multiplier of `input_scale / output_scale`
/// (`QuantizedMeanOrSum`): shift the significand up by `floor(log2(count))` (at most 32, and at
/// most `31 + shift`), divide by the count, lower the exponent by the same amount.
pub fn mean_multiplier(scale_ratio: f64, count: usize) -> (i32, i32) {
    let (m, s) = quantize_multiplier(scale_ratio);
    let n = count.max(1) as u64;
    let log2 = 63 - n.leading_zeros() as i32;
    let up = log2.min(32).min(31 + s).max(0);
    let folded = ((i64::from(m) << up) / n as i64) as i32;
    (folded, s - up)
}

impl Mean {
    fn check(&self, g: &Graph, node: &Node) -> Result<(usize, usize, Runs), String> {
        let (Some(input), Some(axis)) = (node.input(0), node.input(1)) else {
            return Err("needs an input and an axis tensor".into());
        };
        let [output] = node.outputs[..] else {
            return Err(format!("has {} outputs, expected 1", node.outputs.len()));
        };
        let dt = expect_dtype(g, input, "input", &[DType::F32, DType::I8, DType::I16])?;
        expect_dtype(
            g,
            output,
            &format!("output (with {} input)", dt.name()),
            &[dt],
        )?;
        expect_dtype(g, axis, "axis", &[DType::I32])?;
        let a = g.tensor(axis);
        let Some(data) = &a.data else {
            return Err(format!(
                "axis '{}' is not constant (only constant axes are supported)",
                a.name
            ));
        };
        let axes: Vec<i32> = data
            .chunks_exact(4)
            .map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        let shape = &g.tensor(input).shape;
        let mask = resolve_axes(shape.len(), &axes)?;
        let r = runs(shape, &mask)?;
        let kept: usize = shape
            .iter()
            .zip(&mask)
            .filter(|(_, m)| !**m)
            .map(|(d, _)| d)
            .product();
        let out = g.tensor(output);
        let rank_ok = if self.keep_dims {
            out.shape.len() == shape.len()
        } else {
            true
        };
        if out.elements() != kept || !rank_ok {
            return Err(format!(
                "output {} does not match input {} reduced over axes {axes:?}",
                out.describe(),
                g.tensor(input).describe()
            ));
        }
        if r.count == 0 {
            return Err("reduces over an empty dimension".into());
        }
        if dt != DType::F32 && (g.tensor(input).quant.is_none() || out.quant.is_none()) {
            return Err("quantized input and output need quantization parameters".into());
        }
        Ok((input, output, r))
    }
}

fn axis_tokens(list: &[(usize, usize)]) -> TokenStream {
    let mut items = Vec::new();
    for k in 0..3 {
        let (e, s) = list.get(k).copied().unwrap_or((1, 0));
        items.push(quote!(::kiln::__private::ReduceAxis { extent: #e, stride: #s }));
    }
    quote!([#(#items),*])
}

impl OpImpl for Mean {
    fn validate(&self, g: &Graph, node: &Node) -> Result<(), Error> {
        self.check(g, node)
            .map(|_| ())
            .map_err(|m| Error::op(node.index, node.name, m))
    }

    fn emit(&self, g: &Graph, node: &Node, e: &mut Emitter<'_>) -> Result<TokenStream, Error> {
        let (input, output, r) = self
            .check(g, node)
            .map_err(|m| Error::op(node.index, node.name, m))?;
        let (kept, reduced, count) = (axis_tokens(&r.kept), axis_tokens(&r.reduced), r.count);
        let shape = quote!(::kiln::__private::ReduceShape { kept: #kept, reduced: #reduced, count: #count });
        let args = [Arg::In(input), Arg::Out(output)];
        let dt = g.tensor(input).dtype;
        if dt == DType::F32 {
            return Ok(e.call(quote!(mean_f32), quote!(ReduceShape), shape, &args));
        }
        let q = |t: usize| {
            g.tensor(t)
                .quant
                .as_ref()
                .map(|q| (q.scale0(), q.zero_point0() as i32))
                .unwrap_or((1.0, 0))
        };
        let ((in_scale, in_zp), (out_scale, out_zp)) = (q(input), q(output));
        // TFLM compares the float scales exactly.
        let requantize = !(in_zp == out_zp && in_scale == out_scale);
        let (m, s) = if requantize {
            mean_multiplier(f64::from(in_scale) / f64::from(out_scale), count)
        } else {
            (0, 0)
        };
        let params = quote!(::kiln::__private::MeanQuantParams {
            shape: #shape, requantize: #requantize, input_zero_point: #in_zp, output_zero_point: #out_zp,
            multiplier: #m, shift: #s,
        });
        let kernel = if dt == DType::I8 {
            quote!(mean_s8)
        } else {
            quote!(mean_s16)
        };
        Ok(e.call(kernel, quote!(MeanQuantParams), params, &args))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes_resolve_like_tflite() {
        assert_eq!(resolve_axes(4, &[1, 2]), Ok(vec![false, true, true, false]));
        assert_eq!(
            resolve_axes(4, &[-2, 1, -3]),
            Ok(vec![false, true, true, false])
        );
        assert!(resolve_axes(4, &[4]).unwrap_err().contains("out of range"));
        assert!(resolve_axes(4, &[-5]).is_err());
    }

    #[test]
    fn global_average_pool_runs() {
        let r = runs(&[1, 4, 4, 16], &[false, true, true, false]).unwrap();
        assert_eq!(
            r,
            Runs {
                kept: vec![(16, 1)],
                reduced: vec![(16, 16)],
                count: 16
            }
        );
    }

    #[test]
    fn alternating_runs_and_unit_dims() {
        // [2, 3, 1, 5] reducing axes 0 and 3 (the unit axis 2 vanishes).
        let r = runs(&[2, 3, 1, 5], &[true, false, true, true]).unwrap();
        assert_eq!(
            r,
            Runs {
                kept: vec![(3, 5)],
                reduced: vec![(2, 15), (5, 1)],
                count: 10
            }
        );
        // Reducing nothing of a [2, 3] keeps one merged run.
        let r = runs(&[2, 3], &[false, false]).unwrap();
        assert_eq!(
            r,
            Runs {
                kept: vec![(6, 1)],
                reduced: vec![],
                count: 1
            }
        );
        // Reducing the last axis.
        let r = runs(&[1, 1, 1, 8], &[false, false, false, true]).unwrap();
        assert_eq!(
            r,
            Runs {
                kept: vec![],
                reduced: vec![(8, 1)],
                count: 8
            }
        );
    }

    #[test]
    fn multiplier_folds_the_count_like_tflm() {
        // ratio 1 → (2^30, 1); count 16: up = 4, (2^30 << 4) / 16 = 2^30, shift 1 − 4 = −3.
        assert_eq!(mean_multiplier(1.0, 16), (1 << 30, -3));
        // count 3: up = 1, (2^30 · 2) / 3 = 715827882, shift 0.
        assert_eq!(mean_multiplier(1.0, 3), (715_827_882, 0));
        // count 1: unchanged.
        assert_eq!(mean_multiplier(0.5, 1), (1 << 30, 0));
        // A huge count is clamped to an upward shift of 32.
        let (m, s) = mean_multiplier(1.0, 1 << 40);
        assert_eq!(s, 1 - 32);
        assert_eq!(m, (((1i64 << 30) << 32) >> 40) as i32);
    }
}

#[cfg(test)]
mod graph_tests {
    use super::*;
    use crate::ops::conv_common::test_graph::{act, check, constant, graph};

    fn g(axis_const: bool, out: &[usize], keep_dims: bool) -> Graph {
        let mut axis = constant(DType::I32, &[2], &[], 0);
        axis.constant = axis_const;
        let mut gr = graph(
            Box::new(Mean { keep_dims }),
            "MEAN",
            vec![
                act(DType::I8, &[1, 4, 4, 8], Some((0.1, -1))),
                axis,
                act(DType::I8, out, Some((0.05, 3))),
            ],
            vec![Some(0), Some(1)],
        );
        if let Some(d) = gr.tensors[1].data.as_mut() {
            d.clear();
            d.extend(1i32.to_le_bytes());
            d.extend((-2i32).to_le_bytes());
        }
        gr
    }

    #[test]
    fn global_average_pool_validates() {
        assert_eq!(check(&g(true, &[1, 1, 1, 8], true)), "");
        assert_eq!(check(&g(true, &[1, 8], false)), "");
        let graph = g(true, &[1, 1, 1, 8], true);
        let (_, _, r) = Mean { keep_dims: true }
            .check(&graph, &graph.nodes[0])
            .unwrap();
        assert_eq!(
            r,
            Runs {
                kept: vec![(8, 1)],
                reduced: vec![(16, 8)],
                count: 16
            }
        );
    }

    #[test]
    fn errors() {
        assert!(
            check(&g(false, &[1, 8], false)).contains("is not constant"),
            "{}",
            check(&g(false, &[1, 8], false))
        );
        assert!(check(&g(true, &[1, 4], false))
            .contains("does not match input int8[1,4,4,8] reduced over axes [1, -2]"));
        // keep_dims needs the input's rank.
        assert!(check(&g(true, &[1, 8], true)).contains("does not match"));
    }
}
