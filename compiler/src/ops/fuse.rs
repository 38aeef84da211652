//! Operators run together by one kernel: an int8 1×1 CONV_2D of input depth 8 and the ADD right
//! after it that sums its output with a residual tensor (`pointwise_add_s8`, runtime
//! `kernels::pointwise_add_s8`). The convolution's output is never written: each output is
//! requantized to int8 in registers and goes straight into the ADD, whose output overwrites the
//! residual. The plan is not changed (the convolution's output keeps its bytes, unused).
//!
//! Each operator says through [`crate::ops::OpImpl::fusion`] whether it can take part (with the
//! constants it contributes); [`emit_pointwise_add`] checks the graph around them.

use proc_macro2::TokenStream;
use quote::quote;

use crate::expand::{Arg, Emitter};
use crate::ir::{Graph, Node};

/// Input depth of the fused kernel (runtime `arch::POINTWISE_ADD_DEPTH`).
pub const DEPTH: usize = 8;

/// Table words per output channel (runtime `arch::POINTWISE_ADD_CHANNEL_WORDS`).
pub const CHANNEL_WORDS: usize = 12;

/// What an operator contributes to a fused kernel.
pub enum Part {
    /// An int8 1×1 convolution of input depth [`DEPTH`], stride 1, without groups, with the full
    /// int8 activation range and [`crate::ops::conv_common::fast_requant_ok`] proven.
    Pointwise(PointwiseConv),
    /// An int8 ADD without broadcasting on `add_s8_fast`'s path, with the full int8 activation
    /// range.
    Add(FastAdd),
}

/// The constants of a fusable 1×1 convolution.
pub struct PointwiseConv {
    /// The input tensor.
    pub input: usize,
    /// Pixels (batches × rows × columns).
    pub pixels: usize,
    /// int8 weights, `[channels][DEPTH]`.
    pub weights: Vec<u8>,
    /// Biases with `−input_zero_point · Σ weights` folded in.
    pub folded_bias: Vec<i32>,
    /// Multipliers, one per channel.
    pub multipliers: Vec<i32>,
    /// Shifts (`-31..=-1`), one per channel.
    pub shifts: Vec<i32>,
    /// Output zero point.
    pub output_zero_point: i32,
}

/// The constants of a fusable ADD, as `add_s8_fast` takes them.
#[derive(Clone, Copy, Debug)]
pub struct FastAdd {
    /// `−zero_point` of inputs 1 and 2.
    pub offsets: (i32, i32),
    /// Multiplier and shift of inputs 1 and 2; multiplier 0 is the exact halving.
    pub inputs: ((i32, i8), (i32, i8)),
    /// Output multiplier and shift (`-31..=-1`).
    pub output: (i32, i8),
    /// `1 + 2 · output_zero_point`.
    pub k: i32,
}

/// TFLM's `MultiplyByQuantizedMultiplier` for a shift of at most 0: the rounding doubling high
/// multiply (saturating the one overflow), then the rounding right shift (half away from zero).
fn multiply_by_quantized_multiplier(x: i32, m: i32, shift: i32) -> i32 {
    let high = if x == i32::MIN && m == i32::MIN {
        i32::MAX
    } else {
        let ab = i64::from(x) * i64::from(m);
        let nudge = if ab >= 0 { 1 << 30 } else { 1 - (1 << 30) };
        ((ab + nudge) / (1i64 << 31)) as i32
    };
    let e = (-shift).clamp(0, 31) as u32;
    let mask = ((1i64 << e) - 1) as i32;
    let threshold = (mask >> 1) + i32::from(high < 0);
    (high >> e) + i32::from((high & mask) > threshold)
}

/// The residual table, doubled as the kernel's sums are: for every int8 residual value `r` (at
/// `r + 128`), twice TFLM's rescaled ADD input (`(r + offset) << 20` times the input's
/// multiplier, or halved exactly for multiplier 0) plus the convolution side's `offset << 19`.
fn residual_table(residual: (i32, (i32, i8)), conv_offset: i32) -> Vec<i32> {
    let (offset, (m, s)) = residual;
    (-128..128)
        .map(|r: i32| {
            let v = r + offset;
            let scaled = if m == 0 {
                v << 19
            } else {
                multiply_by_quantized_multiplier(v << 20, m, i32::from(s))
            };
            scaled.wrapping_add(conv_offset << 19).wrapping_shl(1)
        })
        .collect()
}

/// The per-channel table, doubled for `kiln::quant::requantize_doubled`: twice the bias, the
/// doubled weight lanes `(w0, w2)`, `(w1, w3)`, `(w4, w6)`, `(w5, w7)`, the convolution's
/// multiplier, `k · 2^(e − 1)` and `e`, the ADD output's multiplier, `e` and `k · 2^(e − 1)`,
/// and the count of channels after this one. `None` when a right shift is out of
/// [`crate::quantize::doubled_shift_ok`]'s range or a doubled bias does not fit 32 bits.
fn channel_table(c: &PointwiseConv, add: &FastAdd) -> Option<Vec<i32>> {
    let channels = c.folded_bias.len();
    let lane = |v: u8| (2 * i16::from(v as i8)) as u16 as u32;
    let pair = |a: u8, b: u8| (lane(a) | lane(b) << 16) as i32;
    let kk = |k: i32, shift: i32| k.wrapping_shl((-shift - 1) as u32);
    let (mo, so) = (add.output.0, i32::from(add.output.1));
    if !crate::quantize::doubled_shift_ok(so) {
        return None;
    }
    let mut out = Vec::with_capacity(channels * CHANNEL_WORDS);
    for (n, (((w, b), m), s)) in c
        .weights
        .chunks_exact(DEPTH)
        .zip(&c.folded_bias)
        .zip(&c.multipliers)
        .zip(&c.shifts)
        .enumerate()
    {
        if !crate::quantize::doubled_shift_ok(*s) {
            return None;
        }
        out.extend([
            b.checked_mul(2)?,
            pair(w[0], w[2]),
            pair(w[1], w[3]),
            pair(w[4], w[6]),
            pair(w[5], w[7]),
            *m,
            kk(1 + 2 * c.output_zero_point, *s),
            -*s,
            mo,
            -so,
            kk(add.k, so),
            (channels - 1 - n) as i32,
        ]);
    }
    Some(out)
}

/// Emits `nodes[0]` and `nodes[1]` as one `pointwise_add_s8` call when they are a fusable 1×1
/// convolution and the ADD right after it, and returns the call with the number of operators it
/// runs (2). Conditions: the ADD reads the convolution's output, which nothing else reads and
/// which is no graph output; the other ADD input (the residual) is in the arena and the plan
/// puts the ADD's output over it; the convolution's output has the larger scale of the two (its
/// rescaling is the exact halving); and the convolution's input lies apart from the output.
pub fn emit_pointwise_add(
    g: &Graph,
    nodes: &[Node],
    e: &mut Emitter<'_>,
) -> Option<(TokenStream, usize)> {
    let [conv, add, ..] = nodes else {
        return None;
    };
    let Some(Part::Pointwise(c)) = conv.op.fusion(g, conv) else {
        return None;
    };
    let Some(Part::Add(a)) = add.op.fusion(g, add) else {
        return None;
    };
    let &[y] = &conv.outputs[..] else {
        return None;
    };
    let readers = g
        .nodes
        .iter()
        .filter(|n| n.inputs.iter().flatten().any(|&i| i == y))
        .count();
    if readers != 1 || g.outputs.contains(&y) {
        return None;
    }
    let (i1, i2, out) = (add.input(0)?, add.input(1)?, *add.outputs.first()?);
    // The residual and its rescaling; the convolution side's must be the halving.
    let (residual, res_side, conv_side) = if i2 == y && i1 != y {
        (i1, (a.offsets.0, a.inputs.0), (a.offsets.1, a.inputs.1))
    } else if i1 == y && i2 != y {
        (i2, (a.offsets.1, a.inputs.1), (a.offsets.0, a.inputs.0))
    } else {
        return None;
    };
    let arena = |t: usize| g.tensor(t).data.is_none();
    let disjoint =
        |(o1, l1): (usize, usize), (o2, l2): (usize, usize)| o1 + l1 <= o2 || o2 + l2 <= o1;
    if conv_side.1 .0 != 0
        || !arena(residual)
        || !arena(c.input)
        || e.region(out) != e.region(residual)
        || !disjoint(e.region(out), e.region(c.input))
    {
        return None;
    }
    let table = e.constant_i32(&channel_table(&c, &a)?);
    let res = e.constant_i32(&residual_table(res_side, conv_side.0));
    let pixels = c.pixels;
    let call = e.call(
        quote!(pointwise_add_s8),
        quote!(PointwiseAddS8Params),
        quote!(::kiln::__private::PointwiseAddS8Params { pixels: #pixels }),
        &[
            Arg::In(c.input),
            Arg::Static(table),
            Arg::Static(res),
            Arg::Out(out),
        ],
    );
    Some((call, 2))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{DType, Quant, Tensor};
    use crate::ops::conv_2d::Conv2d;
    use crate::ops::elementwise::test_add;

    /// `x → 1×1 conv → r → 1×1 conv → z → 1×1 conv → y`, then `ADD(r, y)` and a last 1×1 conv, all int8
    /// `[1, 2, 2, 8]`, with the scale of `y` given (that of `r` is 0.02) and `y` also a graph
    /// output when `y_out`.
    fn residual_block(y_scale: f32, y_out: bool) -> Graph {
        let t = |index: usize, shape: &[usize], scale: Vec<f32>, dtype: DType, constant: bool| {
            let n: usize = shape.iter().product();
            Tensor {
                index,
                name: format!("t{index}"),
                dtype,
                shape: shape.to_vec(),
                quant: Some(Quant {
                    zero_point: vec![0; scale.len()],
                    scale,
                    axis: 0,
                }),
                data: constant.then(|| vec![1u8; n * dtype.size()]),
            }
        };
        let act = [1, 2, 2, 8];
        let tensors = vec![
            t(0, &act, vec![0.05], DType::I8, false),
            t(1, &[8, 1, 1, 8], vec![0.01; 8], DType::I8, true),
            t(2, &[8], vec![0.0005; 8], DType::I32, true),
            t(3, &act, vec![0.02], DType::I8, false),
            t(4, &act, vec![y_scale], DType::I8, false),
            t(5, &act, vec![0.05], DType::I8, false),
            t(6, &act, vec![0.05], DType::I8, false),
            t(7, &act, vec![0.02], DType::I8, false),
        ];
        let node = |index: usize, name: &'static str, op, inputs: &[usize], out: usize| Node {
            index,
            name,
            inputs: inputs.iter().map(|&i| Some(i)).collect(),
            outputs: vec![out],
            op,
        };
        Graph {
            tensors,
            nodes: vec![
                node(0, "CONV_2D", Conv2d::test_pointwise(), &[0, 1, 2], 3),
                node(1, "CONV_2D", Conv2d::test_pointwise(), &[3, 1, 2], 7),
                node(2, "CONV_2D", Conv2d::test_pointwise(), &[7, 1, 2], 4),
                node(3, "ADD", test_add(), &[3, 4], 5),
                node(4, "CONV_2D", Conv2d::test_pointwise(), &[5, 1, 2], 6),
            ],
            inputs: vec![0],
            outputs: if y_out { vec![4, 6] } else { vec![6] },
        }
    }

    /// The kernels the generated inference function calls, in order.
    fn kernels(g: &Graph) -> Vec<String> {
        let plan = crate::plan::plan(g).expect("plans");
        let opts = crate::expand::Options {
            name: quote::format_ident!("M"),
            vis: TokenStream::new(),
            source_path: None,
        };
        let code = crate::expand::expand(g, &plan, &opts)
            .expect("expands")
            .to_string();
        let names = [
            "pointwise_add_s8",
            "pointwise_quads_s8_in_place",
            "pointwise_quads_s8 ",
            "pointwise_s8 ",
            "add_s8_fast_in_place",
            "add_s8_fast ",
        ];
        let mut found: Vec<(usize, String)> = names
            .iter()
            .flat_map(|n| {
                code.match_indices(n)
                    .map(|(i, _)| (i, n.trim().to_string()))
            })
            .collect();
        found.sort();
        found.into_iter().map(|(_, n)| n).collect()
    }

    #[test]
    fn a_pointwise_conv_and_its_residual_add_run_as_one_kernel() {
        let k = kernels(&residual_block(0.04, false));
        assert_eq!(
            k.get(2).map(String::as_str),
            Some("pointwise_add_s8"),
            "{k:?}"
        );
        assert_eq!(k.len(), 4, "{k:?}");
    }

    #[test]
    fn no_fusion_when_the_residual_has_the_larger_scale() {
        let k = kernels(&residual_block(0.01, false));
        assert!(!k.iter().any(|n| n == "pointwise_add_s8"), "{k:?}");
        assert_eq!(k.len(), 5, "{k:?}");
    }

    #[test]
    fn no_fusion_when_the_conv_output_is_read_elsewhere() {
        let k = kernels(&residual_block(0.04, true));
        assert!(!k.iter().any(|n| n == "pointwise_add_s8"), "{k:?}");
        assert_eq!(k.len(), 5, "{k:?}");
    }

    /// The reference formula in plain i64 arithmetic with explicit rounding, as TFLM writes it.
    fn reference(x: i32, m: i32, shift: i32) -> i32 {
        let ab = i64::from(x) * i64::from(m);
        let nudge = if ab >= 0 { 1 << 30 } else { 1 - (1 << 30) };
        let high = ((ab + nudge) / (1i64 << 31)) as i32;
        let e = -shift;
        let div = f64::from(high) / f64::from(1u32 << e);
        // Round half away from zero.
        (div.abs() + 0.5).floor().copysign(div) as i32
    }

    #[test]
    fn multiply_by_quantized_multiplier_rounds_half_away_from_zero() {
        let mut seed = 7u64;
        for _ in 0..20_000 {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            let x = (seed >> 33) as i32 - (1 << 30);
            let m = (1 << 30) + ((seed >> 3) as i32 & 0x3FFF_FFFF);
            let shift = -1 - (seed % 20) as i32;
            assert_eq!(
                multiply_by_quantized_multiplier(x, m, shift),
                reference(x, m, shift),
                "{x} {m} {shift}"
            );
        }
    }
}
