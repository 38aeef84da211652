//! ADD, SUB, MUL: float32, int8, int16 (general scales) and int32, with broadcasting up to
//! rank 6 and fused activations. All rescaling constants are computed here exactly as TFLM's
//! `CalculateOpDataAdd` / `CalculateOpDataSub` / `CalculateOpDataMul` do.

use proc_macro2::TokenStream;
use quote::quote;

use super::fuse::{FastAdd, Part};
use super::tensor_util::{
    dense_strides, kernel, pad_shape, per_tensor, same_dtype, suffix, usizes,
};
use super::{expect_dtype, OpImpl};
use crate::error::Error;
use crate::expand::{f32_lit, Arg, Emitter};
use crate::ir::{DType, Graph, Node};
use crate::quantize::{quantize_multiplier, Activation};
use crate::tflite;

/// Rank of broadcast shapes in the runtime (`kiln::kernels::MAX_RANK`).
pub const RANK: usize = 6;

/// Which binary operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryKind {
    /// `a + b`
    Add,
    /// `a − b`
    Sub,
    /// `a · b`
    Mul,
}

impl BinaryKind {
    fn name(self) -> &'static str {
        match self {
            BinaryKind::Add => "add",
            BinaryKind::Sub => "sub",
            BinaryKind::Mul => "mul",
        }
    }
}

/// A lowered ADD, SUB or MUL.
pub struct Binary {
    kind: BinaryKind,
    activation: Activation,
}

/// An ADD without fused activation, for other modules' tests.
#[cfg(test)]
pub(crate) fn test_add() -> Box<dyn OpImpl> {
    Box::new(Binary {
        kind: BinaryKind::Add,
        activation: Activation::None,
    })
}

/// Reads ADD's options.
pub fn lower_add(op: &tflite::Operator<'_>) -> Result<Box<dyn OpImpl>, String> {
    let act = op
        .builtin_options_as_add_options()
        .map(|o| o.fused_activation_function().0)
        .unwrap_or(0);
    Ok(Box::new(Binary {
        kind: BinaryKind::Add,
        activation: Activation::from_schema(act)?,
    }))
}

/// Reads SUB's options.
pub fn lower_sub(op: &tflite::Operator<'_>) -> Result<Box<dyn OpImpl>, String> {
    let act = op
        .builtin_options_as_sub_options()
        .map(|o| o.fused_activation_function().0)
        .unwrap_or(0);
    Ok(Box::new(Binary {
        kind: BinaryKind::Sub,
        activation: Activation::from_schema(act)?,
    }))
}

/// Reads MUL's options.
pub fn lower_mul(op: &tflite::Operator<'_>) -> Result<Box<dyn OpImpl>, String> {
    let act = op
        .builtin_options_as_mul_options()
        .map(|o| o.fused_activation_function().0)
        .unwrap_or(0);
    Ok(Box::new(Binary {
        kind: BinaryKind::Mul,
        activation: Activation::from_schema(act)?,
    }))
}

/// How the two inputs map onto the output: padded output dims and per-input strides.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BroadcastPlan {
    /// Whether any input is broadcast (otherwise a plain zip).
    pub broadcast: bool,
    /// Output dims padded to [`RANK`].
    pub dims: [usize; RANK],
    /// Element strides of input 1 (0 along broadcast dimensions).
    pub strides1: [usize; RANK],
    /// Element strides of input 2.
    pub strides2: [usize; RANK],
}

/// Computes the broadcast of shapes `a` and `b` onto `out` (NumPy rules, aligned at the end).
pub fn broadcast_plan(a: &[usize], b: &[usize], out: &[usize]) -> Result<BroadcastPlan, String> {
    let dims: [usize; RANK] = pad_shape(out, "the output")?;
    let da: [usize; RANK] = pad_shape(a, "input 1")?;
    let db: [usize; RANK] = pad_shape(b, "input 2")?;
    let (sa, sb) = (dense_strides(&da), dense_strides(&db));
    let mut strides1 = [0usize; RANK];
    let mut strides2 = [0usize; RANK];
    let mismatch =
        || format!("shapes {a:?} and {b:?} do not broadcast to the output shape {out:?}");
    for d in 0..RANK {
        if da[d] != dims[d] && db[d] != dims[d] {
            return Err(mismatch());
        }
        for (din, s, dst) in [
            (da[d], sa[d], &mut strides1[d]),
            (db[d], sb[d], &mut strides2[d]),
        ] {
            *dst = if din == dims[d] && din != 1 {
                s
            } else if din == 1 {
                0
            } else {
                return Err(mismatch());
            };
        }
    }
    let n: usize = out.iter().product();
    let broadcast = a.iter().product::<usize>() != n || b.iter().product::<usize>() != n;
    Ok(BroadcastPlan {
        broadcast,
        dims,
        strides1,
        strides2,
    })
}

fn io(node: &Node) -> Result<(usize, usize, usize), String> {
    let (Some(a), Some(b)) = (node.input(0), node.input(1)) else {
        return Err("needs two inputs".into());
    };
    let [out] = node.outputs[..] else {
        return Err(format!("has {} outputs, expected 1", node.outputs.len()));
    };
    Ok((a, b, out))
}

/// The compile-time constants of a quantized ADD or SUB.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AddSubQuant {
    /// `−zp1`
    pub input1_offset: i32,
    /// `−zp2`
    pub input2_offset: i32,
    /// 20 for int8, 15 for int16.
    pub left_shift: i32,
    /// Input 1 multiplier and shift.
    pub input1: (i32, i32),
    /// Input 2 multiplier and shift.
    pub input2: (i32, i32),
    /// Output multiplier and shift.
    pub output: (i32, i32),
    /// Output zero point.
    pub output_offset: i32,
}

/// TFLM's Prepare of quantized ADD and SUB (identical, in double arithmetic). Some TFLM
/// revisions compute SUB's ratios in float32; the zoo's seanet `sub0` goldens match double.
pub fn add_sub_quant(
    (s1, z1): (f32, i32),
    (s2, z2): (f32, i32),
    (so, zo): (f32, i32),
    int16: bool,
) -> AddSubQuant {
    let left_shift = if int16 { 15 } else { 20 };
    let twice = 2.0 * f64::from(s1.max(s2));
    let r1 = f64::from(s1) / twice;
    let r2 = f64::from(s2) / twice;
    let ro = twice / (f64::from(1i32 << left_shift) * f64::from(so));
    AddSubQuant {
        input1_offset: -z1,
        input2_offset: -z2,
        left_shift,
        input1: quantize_multiplier(r1),
        input2: quantize_multiplier(r2),
        output: quantize_multiplier(ro),
        output_offset: zo,
    }
}

/// TFLM's `CalculateActivationRange` for int32 outputs.
fn range_i32(a: Activation) -> (i32, i32) {
    match a {
        Activation::None => (i32::MIN, i32::MAX),
        Activation::Relu => (0, i32::MAX),
        Activation::ReluN1To1 => (-1, 1),
        Activation::Relu6 => (0, 6),
    }
}

/// The parameters of `add_s8_fast` / `sub_s8_fast` (int8, no broadcasting, every rescaling in
/// `requantize_fast`'s domain).
struct FastAddSub {
    /// The rescalings (what a fused kernel takes too).
    add: FastAdd,
    /// The quantized activation range.
    range: (i32, i32),
}

impl FastAddSub {
    /// `AddSubS8FastParams`, with the inputs swapped when `swap`.
    fn tokens(&self, swap: bool) -> TokenStream {
        let (mut o1, mut o2) = self.add.offsets;
        let ((mut a1, mut b1), (mut a2, mut b2)) = self.add.inputs;
        if swap {
            (o1, o2, a1, b1, a2, b2) = (o2, o1, a2, b2, a1, b1);
        }
        let ((mo, so), k, (amin, amax)) = (self.add.output, self.add.k, self.range);
        quote!(::kiln::__private::AddSubS8FastParams {
            input1_offset: #o1, input2_offset: #o2,
            input1: (#a1, #b1), input2: (#a2, #b2), output: (#mo, #so), k: #k,
            activation_min: #amin, activation_max: #amax,
        })
    }
}

impl Binary {
    /// The fast int8 ADD/SUB when it applies: int8 without broadcasting, every rescaling in
    /// `requantize_fast`'s domain (the inputs are below 2^28 after the left shift by 20, their
    /// sum below 2^29), the larger-scale input's exact one half as a plain shift.
    fn fast_s8(&self, g: &Graph, node: &Node) -> Option<FastAddSub> {
        if self.kind == BinaryKind::Mul {
            return None;
        }
        let (a, b, out) = io(node).ok()?;
        let shapes = (&g.tensor(a).shape, &g.tensor(b).shape, &g.tensor(out).shape);
        let plan = broadcast_plan(shapes.0, shapes.1, shapes.2).ok()?;
        if g.tensor(out).dtype != DType::I8 || plan.broadcast {
            return None;
        }
        let q = add_sub_quant(
            per_tensor(g, a, "input 1").ok()?,
            per_tensor(g, b, "input 2").ok()?,
            per_tensor(g, out, "output").ok()?,
            false,
        );
        let range = self.activation.range_quantized(g.tensor(out)).ok()?;
        let right = |s: i32| (-31..=-1).contains(&s);
        let input = |(m, s): (i32, i32)| match (m, s) {
            (0x4000_0000, 0) => Some((0i32, 0i8)),
            (m, s) if m > 0 && right(s) => Some((m, s as i8)),
            _ => None,
        };
        let (mo, so) = q.output;
        (mo > 0 && right(so)).then_some(())?;
        let add = FastAdd {
            offsets: (q.input1_offset, q.input2_offset),
            inputs: (input(q.input1)?, input(q.input2)?),
            output: (mo, so as i8),
            k: 1 + 2 * q.output_offset,
        };
        Some(FastAddSub { add, range })
    }
}

impl OpImpl for Binary {
    /// The fast int8 kernels write over input 1 (ADD also over input 2, its operands swapped).
    fn in_place_inputs(&self, g: &Graph, node: &Node) -> Vec<usize> {
        match (self.kind, self.fast_s8(g, node)) {
            (BinaryKind::Add, Some(_)) => vec![0, 1],
            (_, Some(_)) => vec![0],
            _ => Vec::new(),
        }
    }

    /// int8 ADD on the fast path with the full int8 range can run fused with the 1×1
    /// convolution before it ([`super::fuse`]).
    fn fusion(&self, g: &Graph, node: &Node) -> Option<Part> {
        let f = self.fast_s8(g, node)?;
        (self.kind == BinaryKind::Add && f.range == (-128, 127)).then_some(Part::Add(f.add))
    }

    fn validate(&self, g: &Graph, node: &Node) -> Result<(), Error> {
        let err = |m: String| Error::op(node.index, node.name, m);
        let (a, b, out) = io(node).map_err(err)?;
        let dt = expect_dtype(
            g,
            out,
            "output",
            &[DType::F32, DType::I8, DType::I16, DType::I32],
        )
        .map_err(err)?;
        same_dtype(g, a, out).map_err(err)?;
        same_dtype(g, b, out).map_err(err)?;
        broadcast_plan(&g.tensor(a).shape, &g.tensor(b).shape, &g.tensor(out).shape)
            .map_err(err)?;
        if matches!(dt, DType::I8 | DType::I16) {
            for (t, role) in [(a, "input 1"), (b, "input 2"), (out, "output")] {
                let (_, zp) = per_tensor(g, t, role).map_err(err)?;
                if dt == DType::I16 && self.kind == BinaryKind::Mul && zp != 0 {
                    return Err(err(format!(
                        "int16 MUL needs zero points of 0, but {role} has {zp} (as TFLM requires)"
                    )));
                }
            }
            self.activation
                .range_quantized(g.tensor(out))
                .map_err(|e| err(e.message().to_string()))?;
        }
        Ok(())
    }

    fn emit(&self, g: &Graph, node: &Node, e: &mut Emitter<'_>) -> Result<TokenStream, Error> {
        let err = |m: String| Error::op(node.index, node.name, m);
        let (a, b, out) = io(node).map_err(err)?;
        let plan = broadcast_plan(&g.tensor(a).shape, &g.tensor(b).shape, &g.tensor(out).shape)
            .map_err(err)?;
        let (bc, dims, s1, s2) = (
            plan.broadcast,
            usizes(&plan.dims),
            usizes(&plan.strides1),
            usizes(&plan.strides2),
        );
        let shape = quote!(::kiln::__private::Broadcast { broadcast: #bc, dims: #dims, strides1: #s1, strides2: #s2 });
        let dt = g.tensor(out).dtype;
        let sfx = suffix(dt).ok_or_else(|| err(format!("{} is not supported", dt.name())))?;
        let k = kernel(self.kind.name(), sfx);
        let args = [Arg::In(a), Arg::In(b), Arg::Out(out)];
        Ok(match dt {
            DType::F32 => {
                let (lo, hi) = self.activation.range_f32();
                let (lo, hi) = (f32_lit(lo), f32_lit(hi));
                let p = quote!(::kiln::__private::BinaryF32Params { shape: #shape, activation_min: #lo, activation_max: #hi });
                e.call(k, quote!(BinaryF32Params), p, &args)
            }
            DType::I32 => {
                // TFLM's int32 ADD ignores the fused activation; SUB and MUL apply it.
                let (lo, hi) = if self.kind == BinaryKind::Add {
                    (i32::MIN, i32::MAX)
                } else {
                    range_i32(self.activation)
                };
                let p = quote!(::kiln::__private::BinaryS32Params { shape: #shape, activation_min: #lo, activation_max: #hi });
                e.call(k, quote!(BinaryS32Params), p, &args)
            }
            _ => {
                let (s1, z1) = per_tensor(g, a, "input 1").map_err(err)?;
                let (s2, z2) = per_tensor(g, b, "input 2").map_err(err)?;
                let (so, zo) = per_tensor(g, out, "output").map_err(err)?;
                let (amin, amax) = self
                    .activation
                    .range_quantized(g.tensor(out))
                    .map_err(|x| err(x.message().to_string()))?;
                if self.kind == BinaryKind::Mul {
                    let (m, s) = quantize_multiplier(f64::from(s1) * f64::from(s2) / f64::from(so));
                    let (o1, o2) = (-z1, -z2);
                    let p = quote!(::kiln::__private::MulQuantParams {
                        shape: #shape, input1_offset: #o1, input2_offset: #o2, output_offset: #zo,
                        output_multiplier: #m, output_shift: #s, activation_min: #amin, activation_max: #amax,
                    });
                    e.call(k, quote!(MulQuantParams), p, &args)
                } else {
                    if let Some(f) = self.fast_s8(g, node) {
                        let k = kernel(self.kind.name(), "s8_fast");
                        return Ok(match e.overwritten_input() {
                            // `io` holds input 1 (ADD commutes: input 2 takes its place).
                            Some(i) => {
                                let k = kernel(self.kind.name(), "s8_fast_in_place");
                                let p = f.tokens(i == 1);
                                let other = if i == 1 { a } else { b };
                                let args = [Arg::In(other), Arg::Out(out)];
                                e.call(k, quote!(AddSubS8FastParams), p, &args)
                            }
                            None => e.call(k, quote!(AddSubS8FastParams), f.tokens(false), &args),
                        });
                    }
                    let q = add_sub_quant((s1, z1), (s2, z2), (so, zo), dt == DType::I16);
                    let AddSubQuant {
                        input1_offset,
                        input2_offset,
                        left_shift,
                        output_offset,
                        ..
                    } = q;
                    let ((m1, sh1), (m2, sh2), (mo, sho)) = (q.input1, q.input2, q.output);
                    let p = quote!(::kiln::__private::AddSubQuantParams {
                        shape: #shape, input1_offset: #input1_offset, input2_offset: #input2_offset,
                        left_shift: #left_shift, input1_multiplier: #m1, input1_shift: #sh1,
                        input2_multiplier: #m2, input2_shift: #sh2, output_multiplier: #mo,
                        output_shift: #sho, output_offset: #output_offset,
                        activation_min: #amin, activation_max: #amax,
                    });
                    e.call(k, quote!(AddSubQuantParams), p, &args)
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_shapes_need_no_broadcast() {
        let p = broadcast_plan(&[1, 4], &[4], &[1, 4]).unwrap();
        assert!(!p.broadcast);
        assert_eq!(p.dims, [1, 1, 1, 1, 1, 4]);
    }

    #[test]
    fn channel_vector_broadcasts_over_rows() {
        // seanet sub0: [1,2,12,64] - [64]
        let p = broadcast_plan(&[1, 2, 12, 64], &[64], &[1, 2, 12, 64]).unwrap();
        assert!(p.broadcast);
        assert_eq!(p.strides1, [0, 0, 0, 768, 64, 1]);
        assert_eq!(p.strides2, [0, 0, 0, 0, 0, 1]);
    }

    #[test]
    fn incompatible_shapes_are_rejected() {
        assert!(broadcast_plan(&[2, 3], &[4], &[2, 3]).is_err());
        assert!(broadcast_plan(&[2, 1], &[1, 3], &[2, 4]).is_err());
        assert!(broadcast_plan(&[1, 1, 1, 1, 1, 1, 2], &[2], &[1, 1, 1, 1, 1, 1, 2]).is_err());
    }

    #[test]
    fn add_prepare_matches_tflm_formulas() {
        // Equal scales: s / (2 s) = 0.5 -> (2^30, 0).
        let q = add_sub_quant((0.5, 3), (0.5, -2), (0.5, 1), false);
        assert_eq!(q.input1, (1 << 30, 0));
        assert_eq!(q.input2, (1 << 30, 0));
        // 1.0 / (2^20 · 0.5) = 2^-19
        assert_eq!(q.output, (1 << 30, -18));
        assert_eq!(
            (
                q.input1_offset,
                q.input2_offset,
                q.output_offset,
                q.left_shift
            ),
            (-3, 2, 1, 20)
        );
        let q16 = add_sub_quant((0.25, 0), (0.5, 0), (1.0, 0), true);
        assert_eq!(q16.left_shift, 15);
        assert_eq!(q16.input1, (1 << 30, -1));
        assert_eq!(q16.input2, (1 << 30, 0));
    }
}
