//! Data movement: CONCATENATION, PAD, PADV2, STRIDED_SLICE, TRANSPOSE (any element type the
//! runtime has kernels for), and RESHAPE, SQUEEZE, EXPAND_DIMS as zero-copy aliases.
//!
//! Axes, paddings, slice bounds and permutations are resolved here into padded shapes and
//! element strides; the kernels only walk indices.

use proc_macro2::TokenStream;
use quote::quote;

use super::tensor_util::{
    const_ints, dense_strides, kernel, pad_shape, per_tensor, same_dtype, same_elements, suffix,
    unary_io, usizes,
};
use super::OpImpl;
use crate::error::Error;
use crate::expand::{f32_lit, Arg, Emitter};
use crate::ir::{DType, Graph, Node};
use crate::tflite;

/// Rank of layout shapes in the runtime (`kiln::kernels::LAYOUT_RANK`).
pub const RANK: usize = 6;

const DTYPES: &str = "float32, int8, uint8, int16, int32";

fn kernel_suffix(g: &Graph, t: usize) -> Result<&'static str, String> {
    let dt = g.tensor(t).dtype;
    suffix(dt).ok_or_else(|| {
        format!(
            "{} tensors are not supported (supported: {DTYPES})",
            dt.name()
        )
    })
}

// ---------------------------------------------------------------------------------------------
// RESHAPE, SQUEEZE, EXPAND_DIMS
// ---------------------------------------------------------------------------------------------

/// RESHAPE, SQUEEZE or EXPAND_DIMS: the output is the input's bytes under another shape.
pub struct Alias;

/// Reads RESHAPE / SQUEEZE / EXPAND_DIMS (the output tensor's shape is all we need).
pub fn lower_alias(_op: &tflite::Operator<'_>) -> Result<Box<dyn OpImpl>, String> {
    Ok(Box::new(Alias))
}

impl OpImpl for Alias {
    fn validate(&self, g: &Graph, node: &Node) -> Result<(), Error> {
        let err = |m: String| Error::op(node.index, node.name, m);
        let (input, output) = unary_io(node).map_err(err)?;
        same_dtype(g, input, output).map_err(err)?;
        same_elements(g, input, output).map_err(err)?;
        if g.tensor(input).is_const() {
            return Err(err(format!(
                "input '{}' is a constant (supported: reshaping activations)",
                g.tensor(input).name
            )));
        }
        Ok(())
    }

    fn is_alias(&self) -> bool {
        true
    }

    fn emit(&self, _g: &Graph, _node: &Node, _e: &mut Emitter<'_>) -> Result<TokenStream, Error> {
        Ok(TokenStream::new())
    }
}

// ---------------------------------------------------------------------------------------------
// CONCATENATION
// ---------------------------------------------------------------------------------------------

/// A lowered CONCATENATION.
pub struct Concatenation {
    axis: i32,
}

/// Reads CONCATENATION's options.
pub fn lower_concatenation(op: &tflite::Operator<'_>) -> Result<Box<dyn OpImpl>, String> {
    let (axis, act) = op
        .builtin_options_as_concatenation_options()
        .map(|o| (o.axis(), o.fused_activation_function().0))
        .unwrap_or((0, 0));
    if act != 0 {
        return Err(
            "a fused activation on CONCATENATION is not supported (supported: NONE)".into(),
        );
    }
    Ok(Box::new(Concatenation { axis }))
}

/// Inputs, output, and one `[outer, part, total, offset]` copy per input.
type ConcatPlan = (Vec<usize>, usize, Vec<[usize; 4]>);

/// One input's copy: `(outer, part, total, offset)` of the runtime's `ConcatPartParams`.
fn concat_parts(
    shapes: &[Vec<usize>],
    out: &[usize],
    axis: i32,
) -> Result<Vec<[usize; 4]>, String> {
    let rank = out.len() as i32;
    let a = if axis < 0 { axis + rank } else { axis };
    if !(0..rank.max(1)).contains(&a) {
        return Err(format!("axis {axis} is out of range for rank {rank}"));
    }
    let a = a as usize;
    let outer: usize = out.iter().take(a).product();
    let inner: usize = out.iter().skip(a + 1).product();
    let mut offset = 0usize;
    let mut parts = Vec::new();
    for s in shapes {
        let same_rest = s.len() == out.len()
            && s.iter()
                .zip(out)
                .enumerate()
                .all(|(d, (x, y))| d == a || x == y);
        if !same_rest {
            return Err(format!(
                "input shape {s:?} does not match output shape {out:?} outside axis {a}"
            ));
        }
        let part = s.get(a).copied().unwrap_or(1) * inner;
        parts.push([outer, part, 0, offset]);
        offset += part;
    }
    let total = out.get(a).copied().unwrap_or(1) * inner;
    if offset != total {
        return Err(format!(
            "inputs add up to {} along axis {a}, output has {}",
            offset / inner.max(1),
            total / inner.max(1)
        ));
    }
    for p in &mut parts {
        p[2] = total;
    }
    Ok(parts)
}

impl Concatenation {
    /// The inputs, the output and one `[outer, part, total, offset]` copy per input.
    fn parts(&self, g: &Graph, node: &Node) -> Result<ConcatPlan, String> {
        let inputs: Vec<usize> = node.inputs.iter().flatten().copied().collect();
        let [output] = node.outputs[..] else {
            return Err(format!("has {} outputs, expected 1", node.outputs.len()));
        };
        let shapes: Vec<Vec<usize>> = inputs.iter().map(|t| g.tensor(*t).shape.clone()).collect();
        let parts = concat_parts(&shapes, &g.tensor(output).shape, self.axis)?;
        Ok((inputs, output, parts))
    }
}

impl OpImpl for Concatenation {
    fn validate(&self, g: &Graph, node: &Node) -> Result<(), Error> {
        let err = |m: String| Error::op(node.index, node.name, m);
        let (inputs, output, _) = self.parts(g, node).map_err(err)?;
        kernel_suffix(g, output).map_err(err)?;
        let out_q = if matches!(g.tensor(output).dtype, DType::I8 | DType::U8 | DType::I16) {
            Some(per_tensor(g, output, "output").map_err(err)?)
        } else {
            None
        };
        for t in inputs {
            same_dtype(g, t, output).map_err(err)?;
            if let Some(oq) = out_q {
                let q = per_tensor(g, t, "input").map_err(err)?;
                if q != oq {
                    return Err(err(format!(
                        "input '{}' has scale {} and zero point {} but the output has {} and {} \
                         (supported: equal quantization, as TFLM requires)",
                        g.tensor(t).name,
                        q.0,
                        q.1,
                        oq.0,
                        oq.1
                    )));
                }
            }
        }
        Ok(())
    }

    fn emit(&self, g: &Graph, node: &Node, e: &mut Emitter<'_>) -> Result<TokenStream, Error> {
        let err = |m: String| Error::op(node.index, node.name, m);
        let (inputs, output, parts) = self.parts(g, node).map_err(err)?;
        let k = kernel("concatenation", kernel_suffix(g, output).map_err(err)?);
        let mut calls = Vec::new();
        for (t, [outer, part, total, offset]) in inputs.into_iter().zip(parts) {
            let p = quote!(::kiln::__private::ConcatPartParams { outer: #outer, part: #part, total: #total, offset: #offset });
            calls.push(e.call(
                k.clone(),
                quote!(ConcatPartParams),
                p,
                &[Arg::In(t), Arg::Out(output)],
            ));
        }
        Ok(quote!(#(#calls)*))
    }
}

// ---------------------------------------------------------------------------------------------
// PAD, PADV2
// ---------------------------------------------------------------------------------------------

/// A lowered PAD or PADV2.
pub struct Pad;

/// Reads PAD / PADV2 (paddings and the pad value are operands).
pub fn lower_pad(_op: &tflite::Operator<'_>) -> Result<Box<dyn OpImpl>, String> {
    Ok(Box::new(Pad))
}

/// Padded input/output dims and the padding before each dimension.
fn pad_plan(
    in_shape: &[usize],
    out_shape: &[usize],
    paddings: &[i64],
) -> Result<[[usize; RANK]; 3], String> {
    let rank = in_shape.len();
    if paddings.len() != rank * 2 {
        return Err(format!(
            "paddings have {} values, expected {} for rank {rank}",
            paddings.len(),
            rank * 2
        ));
    }
    let mut want = Vec::with_capacity(rank);
    let mut before = Vec::with_capacity(rank);
    for (d, pair) in paddings.chunks_exact(2).enumerate() {
        let (b, a) = (pair[0], pair[1]);
        if b < 0 || a < 0 {
            return Err(format!("negative padding {pair:?} on dimension {d}"));
        }
        let size = usize::try_from(b)
            .ok()
            .zip(usize::try_from(a).ok())
            .and_then(|(b, a)| in_shape[d].checked_add(b)?.checked_add(a));
        let Some(size) = size else {
            return Err(format!("padding {pair:?} on dimension {d} is too large"));
        };
        before.push(b as usize);
        want.push(size);
    }
    if want != out_shape {
        return Err(format!(
            "padding {in_shape:?} by {paddings:?} gives {want:?}, but the output is {out_shape:?}"
        ));
    }
    Ok([
        pad_shape(in_shape, "the input")?,
        pad_shape(out_shape, "the output")?,
        {
            let mut b = [0usize; RANK];
            b[RANK - rank..].copy_from_slice(&before);
            b
        },
    ])
}

impl Pad {
    fn plan(&self, g: &Graph, node: &Node) -> Result<(usize, usize, [[usize; RANK]; 3]), String> {
        let (input, output) = unary_io(node)?;
        let Some(paddings) = node.input(1) else {
            return Err("needs a paddings operand".into());
        };
        let pads = const_ints(g, paddings, "paddings")?;
        let plan = pad_plan(&g.tensor(input).shape, &g.tensor(output).shape, &pads)?;
        Ok((input, output, plan))
    }

    /// The pad value as a token of the output's element type.
    fn value(&self, g: &Graph, node: &Node, output: usize) -> Result<TokenStream, String> {
        let dt = g.tensor(output).dtype;
        if let Some(c) = node.input(2) {
            let t = g.tensor(c);
            if t.dtype != dt || t.elements() != 1 {
                return Err(format!(
                    "constant value '{}' must be one {} element",
                    t.name,
                    dt.name()
                ));
            }
            let Some(b) = &t.data else {
                return Err(format!("constant value '{}' is not constant", t.name));
            };
            return Ok(match dt {
                DType::F32 => f32_lit(f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
                DType::I8 => {
                    let v = b[0] as i8;
                    quote!(#v)
                }
                DType::U8 => {
                    let v = b[0];
                    quote!(#v)
                }
                DType::I16 => {
                    let v = i16::from_le_bytes([b[0], b[1]]);
                    quote!(#v)
                }
                _ => {
                    let v = i32::from_le_bytes([b[0], b[1], b[2], b[3]]);
                    quote!(#v)
                }
            });
        }
        Ok(match dt {
            DType::F32 => quote!(0.0f32),
            DType::I8 | DType::U8 | DType::I16 => {
                let (_, zp) = per_tensor(g, output, "output")?;
                match dt {
                    DType::I8 => {
                        let v = zp as i8;
                        quote!(#v)
                    }
                    DType::U8 => {
                        let v = zp as u8;
                        quote!(#v)
                    }
                    _ => {
                        let v = zp as i16;
                        quote!(#v)
                    }
                }
            }
            _ => quote!(0i32),
        })
    }
}

impl OpImpl for Pad {
    fn validate(&self, g: &Graph, node: &Node) -> Result<(), Error> {
        let err = |m: String| Error::op(node.index, node.name, m);
        let (input, output, _) = self.plan(g, node).map_err(err)?;
        same_dtype(g, input, output).map_err(err)?;
        kernel_suffix(g, output).map_err(err)?;
        self.value(g, node, output).map_err(err)?;
        Ok(())
    }

    fn emit(&self, g: &Graph, node: &Node, e: &mut Emitter<'_>) -> Result<TokenStream, Error> {
        let err = |m: String| Error::op(node.index, node.name, m);
        let (input, output, [in_dims, out_dims, before]) = self.plan(g, node).map_err(err)?;
        let value = self.value(g, node, output).map_err(err)?;
        let ty = g.tensor(output).dtype.rust();
        let (i, o, b) = (usizes(&in_dims), usizes(&out_dims), usizes(&before));
        let p = quote!(::kiln::__private::PadParams { out_dims: #o, before: #b, in_dims: #i, value: #value });
        let k = kernel("pad", kernel_suffix(g, output).map_err(err)?);
        Ok(e.call(
            k,
            quote!(PadParams<#ty>),
            p,
            &[Arg::In(input), Arg::Out(output)],
        ))
    }
}

// ---------------------------------------------------------------------------------------------
// STRIDED_SLICE
// ---------------------------------------------------------------------------------------------

/// A lowered STRIDED_SLICE.
pub struct StridedSlice {
    begin_mask: u32,
    end_mask: u32,
    shrink_axis_mask: u32,
    offset: bool,
}

/// Reads STRIDED_SLICE's options.
pub fn lower_strided_slice(op: &tflite::Operator<'_>) -> Result<Box<dyn OpImpl>, String> {
    let Some(o) = op.builtin_options_as_strided_slice_options() else {
        return Ok(Box::new(StridedSlice {
            begin_mask: 0,
            end_mask: 0,
            shrink_axis_mask: 0,
            offset: false,
        }));
    };
    if o.ellipsis_mask() != 0 || o.new_axis_mask() != 0 {
        return Err(
            "ellipsis_mask and new_axis_mask are not supported (supported: begin_mask, end_mask, shrink_axis_mask)"
                .into(),
        );
    }
    Ok(Box::new(StridedSlice {
        begin_mask: o.begin_mask() as u32,
        end_mask: o.end_mask() as u32,
        shrink_axis_mask: o.shrink_axis_mask() as u32,
        offset: o.offset(),
    }))
}

/// The resolved slice: element offset of the first output element, output dims and the input
/// step per output dimension, all padded to [`RANK`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlicePlan {
    /// Input offset of the first element.
    pub start: usize,
    /// Elements per axis.
    pub out_dims: [usize; RANK],
    /// Input step per axis, in elements.
    pub steps: [isize; RANK],
}

impl StridedSlice {
    /// TFLite's start/stop rules per axis, then element offsets.
    pub fn resolve(
        &self,
        shape: &[usize],
        begin: &[i64],
        end: &[i64],
        strides: &[i64],
    ) -> Result<SlicePlan, String> {
        let rank = shape.len();
        if rank > RANK {
            return Err(format!(
                "rank {rank} is not supported (supported: at most {RANK})"
            ));
        }
        if begin.len() != rank || end.len() != rank || strides.len() != rank {
            return Err(format!(
                "begin, end and strides have {}, {} and {} values for an input of rank {rank} (supported: one per dimension)",
                begin.len(),
                end.len(),
                strides.len()
            ));
        }
        let in_strides = dense_strides::<RANK>(&pad_shape(shape, "the input")?);
        let mut plan = SlicePlan {
            start: 0,
            out_dims: [1; RANK],
            steps: [0; RANK],
        };
        let mut start_offset: i128 = 0;
        for axis in 0..rank {
            // i128 throughout: begin, end and strides are arbitrary int32/int64 values.
            let size = shape[axis] as i128;
            let stride = i128::from(strides[axis]);
            if stride == 0 {
                return Err(format!("stride 0 on axis {axis}"));
            }
            let bit = |m: u32| m & (1u32 << axis) != 0;
            let mut start = i128::from(begin[axis]);
            if start < 0 {
                start += size;
            }
            start = if stride > 0 {
                start.clamp(0, size)
            } else {
                start.clamp(-1, size - 1)
            };
            if bit(self.begin_mask) {
                start = if stride > 0 { 0 } else { size - 1 };
            }
            let stop = if bit(self.shrink_axis_mask) {
                if start >= size {
                    start
                } else {
                    start + 1
                }
            } else {
                let mut stop = i128::from(end[axis]);
                if self.offset {
                    stop += start;
                }
                if stop < 0 {
                    stop += size;
                }
                stop = if stride > 0 {
                    stop.clamp(0, size)
                } else {
                    stop.clamp(-1, size - 1)
                };
                if bit(self.end_mask) {
                    stop = if stride > 0 { size } else { -1 };
                }
                stop
            };
            let count = if stride > 0 {
                (stop - start + stride - 1).div_euclid(stride).max(0)
            } else {
                (start - stop - stride - 1).div_euclid(-stride).max(0)
            };
            let d = RANK - rank + axis;
            plan.out_dims[d] = count as usize;
            // With two or more elements |stride| < size, so the step fits; a single element
            // never takes its step.
            plan.steps[d] = if count > 1 {
                (stride * in_strides[d] as i128) as isize
            } else {
                0
            };
            if count > 0 {
                start_offset += start * in_strides[d] as i128;
            }
        }
        plan.start = start_offset.max(0) as usize;
        Ok(plan)
    }

    fn plan(&self, g: &Graph, node: &Node) -> Result<(usize, usize, SlicePlan), String> {
        let (input, output) = unary_io(node)?;
        let (Some(b), Some(en), Some(s)) = (node.input(1), node.input(2), node.input(3)) else {
            return Err("needs begin, end and strides operands".into());
        };
        let (b, en, s) = (
            const_ints(g, b, "begin")?,
            const_ints(g, en, "end")?,
            const_ints(g, s, "strides")?,
        );
        let plan = self.resolve(&g.tensor(input).shape, &b, &en, &s)?;
        let n: usize = plan.out_dims.iter().product();
        if n != g.tensor(output).elements() {
            return Err(format!(
                "the slice has {n} elements but the output is {}",
                g.tensor(output).describe()
            ));
        }
        Ok((input, output, plan))
    }
}

impl OpImpl for StridedSlice {
    fn validate(&self, g: &Graph, node: &Node) -> Result<(), Error> {
        let err = |m: String| Error::op(node.index, node.name, m);
        let (input, output, _) = self.plan(g, node).map_err(err)?;
        same_dtype(g, input, output).map_err(err)?;
        kernel_suffix(g, output).map_err(err)?;
        Ok(())
    }

    fn emit(&self, g: &Graph, node: &Node, e: &mut Emitter<'_>) -> Result<TokenStream, Error> {
        let err = |m: String| Error::op(node.index, node.name, m);
        let (input, output, plan) = self.plan(g, node).map_err(err)?;
        let start = plan.start;
        let dims = usizes(&plan.out_dims);
        let steps = &plan.steps;
        let p = quote!(::kiln::__private::StridedSliceParams { start: #start, out_dims: #dims, steps: [#(#steps),*] });
        let k = kernel("strided_slice", kernel_suffix(g, output).map_err(err)?);
        Ok(e.call(
            k,
            quote!(StridedSliceParams),
            p,
            &[Arg::In(input), Arg::Out(output)],
        ))
    }
}

// ---------------------------------------------------------------------------------------------
// TRANSPOSE
// ---------------------------------------------------------------------------------------------

/// A lowered TRANSPOSE.
pub struct Transpose;

/// Reads TRANSPOSE (the permutation is an operand).
pub fn lower_transpose(_op: &tflite::Operator<'_>) -> Result<Box<dyn OpImpl>, String> {
    Ok(Box::new(Transpose))
}

/// Output dims and, per output dimension, the input stride it walks.
pub fn transpose_plan(
    shape: &[usize],
    perm: &[i64],
) -> Result<([usize; RANK], [usize; RANK]), String> {
    let rank = shape.len();
    let mut seen = vec![false; rank];
    for p in perm {
        match usize::try_from(*p).ok().filter(|p| *p < rank) {
            Some(p) if !seen[p] => seen[p] = true,
            _ => return Err(format!("{perm:?} is not a permutation of 0..{rank}")),
        }
    }
    if perm.len() != rank {
        return Err(format!("{perm:?} is not a permutation of 0..{rank}"));
    }
    let padded: [usize; RANK] = pad_shape(shape, "the input")?;
    let strides = dense_strides(&padded);
    let mut dims = [1usize; RANK];
    let mut in_strides = [0usize; RANK];
    for (i, p) in perm.iter().enumerate() {
        let src = RANK - rank + *p as usize;
        dims[RANK - rank + i] = padded[src];
        in_strides[RANK - rank + i] = strides[src];
    }
    Ok((dims, in_strides))
}

impl Transpose {
    fn plan(
        &self,
        g: &Graph,
        node: &Node,
    ) -> Result<(usize, usize, [usize; RANK], [usize; RANK]), String> {
        let (input, output) = unary_io(node)?;
        let Some(perm) = node.input(1) else {
            return Err("needs a permutation operand".into());
        };
        let perm = const_ints(g, perm, "permutation")?;
        let (dims, strides) = transpose_plan(&g.tensor(input).shape, &perm)?;
        let want: [usize; RANK] = pad_shape(&g.tensor(output).shape, "the output")?;
        if dims != want {
            return Err(format!(
                "permuting gives {dims:?}, but the output is {}",
                g.tensor(output).describe()
            ));
        }
        Ok((input, output, dims, strides))
    }
}

impl OpImpl for Transpose {
    fn validate(&self, g: &Graph, node: &Node) -> Result<(), Error> {
        let err = |m: String| Error::op(node.index, node.name, m);
        let (input, output, ..) = self.plan(g, node).map_err(err)?;
        same_dtype(g, input, output).map_err(err)?;
        kernel_suffix(g, output).map_err(err)?;
        Ok(())
    }

    fn emit(&self, g: &Graph, node: &Node, e: &mut Emitter<'_>) -> Result<TokenStream, Error> {
        let err = |m: String| Error::op(node.index, node.name, m);
        let (input, output, dims, strides) = self.plan(g, node).map_err(err)?;
        let (d, s) = (usizes(&dims), usizes(&strides));
        let p = quote!(::kiln::__private::TransposeParams { out_dims: #d, in_strides: #s });
        let k = kernel("transpose", kernel_suffix(g, output).map_err(err)?);
        Ok(e.call(
            k,
            quote!(TransposeParams),
            p,
            &[Arg::In(input), Arg::Out(output)],
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slice(begin_mask: u32, end_mask: u32, shrink: u32) -> StridedSlice {
        StridedSlice {
            begin_mask,
            end_mask,
            shrink_axis_mask: shrink,
            offset: false,
        }
    }

    #[test]
    fn seanet_strided_slice_shape() {
        // [1,8,166,2] -> [1,6,166,2]: rows 1..7.
        let p = slice(0b1101, 0b1101, 0)
            .resolve(&[1, 8, 166, 2], &[0, 1, 0, 0], &[0, 7, 0, 0], &[1, 1, 1, 1])
            .unwrap();
        assert_eq!(p.out_dims, [1, 1, 1, 6, 166, 2]);
        assert_eq!(p.start, 332);
        // Single-element axes get no step.
        assert_eq!(p.steps, [0, 0, 0, 332, 2, 1]);
    }

    #[test]
    fn negative_strides_and_shrink() {
        // [4] reversed: begin -1, end mask
        let p = slice(0, 1, 0).resolve(&[4], &[-1], &[0], &[-1]).unwrap();
        assert_eq!(p.out_dims[5], 4);
        assert_eq!(p.start, 3);
        assert_eq!(p.steps[5], -1);
        // shrink axis 0 of [3,2] at index 2
        let q = slice(0, 0, 1)
            .resolve(&[3, 2], &[2, 0], &[3, 2], &[1, 1])
            .unwrap();
        assert_eq!((q.start, q.out_dims[4], q.out_dims[5]), (4, 1, 2));
        // step 2 over 5 elements: 0, 2, 4
        let r = slice(0, 0, 0).resolve(&[5], &[0], &[5], &[2]).unwrap();
        assert_eq!(r.out_dims[5], 3);
        // Hostile bounds and strides do not overflow.
        let h = slice(0, 0, 0)
            .resolve(&[5], &[i64::MIN], &[i64::MAX], &[i64::MAX])
            .unwrap();
        assert_eq!((h.start, h.out_dims[5], h.steps[5]), (0, 1, 0));
        let h = slice(0, 0, 0)
            .resolve(&[5], &[i64::MAX], &[i64::MIN], &[i64::MIN])
            .unwrap();
        assert_eq!((h.start, h.out_dims[5]), (4, 1));
        // empty
        let e = slice(0, 0, 0).resolve(&[5], &[3], &[1], &[1]).unwrap();
        assert_eq!(e.out_dims[5], 0);
    }

    #[test]
    fn pad_plan_checks_output() {
        let [i, o, b] =
            pad_plan(&[1, 2, 160, 2], &[1, 2, 166, 2], &[0, 0, 0, 0, 3, 3, 0, 0]).unwrap();
        assert_eq!(i, [1, 1, 1, 2, 160, 2]);
        assert_eq!(o, [1, 1, 1, 2, 166, 2]);
        assert_eq!(b, [0, 0, 0, 0, 3, 0]);
        assert!(pad_plan(&[2], &[5], &[1, 1]).is_err());
        assert!(pad_plan(&[2], &[2], &[-1, 1]).is_err());
        assert!(pad_plan(&[2], &[2], &[i64::MAX, i64::MAX]).is_err());
    }

    #[test]
    fn concat_parts_along_channels() {
        let parts =
            concat_parts(&[vec![1, 4, 4, 8], vec![1, 4, 4, 8]], &[1, 4, 4, 16], -1).unwrap();
        assert_eq!(parts, vec![[16, 8, 16, 0], [16, 8, 16, 8]]);
        assert!(concat_parts(&[vec![1, 4, 4, 8]], &[1, 4, 4, 16], 3).is_err());
        assert!(concat_parts(&[vec![1, 4, 4, 8]], &[1, 4, 4, 8], 4).is_err());
    }

    #[test]
    fn transpose_plan_nhwc_to_nchw() {
        let (d, s) = transpose_plan(&[1, 2, 3, 4], &[0, 3, 1, 2]).unwrap();
        assert_eq!(d, [1, 1, 1, 4, 2, 3]);
        assert_eq!(s, [0, 0, 24, 1, 12, 4]);
        assert!(transpose_plan(&[2, 3], &[0, 0]).is_err());
    }
}
