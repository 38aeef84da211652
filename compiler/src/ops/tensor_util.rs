//! Small helpers shared by the element-wise, activation and layout operator modules:
//! reading per-tensor quantization, constant index tensors and padded shapes, with error
//! messages that name the tensor.

use proc_macro2::TokenStream;
use quote::quote;

use crate::ir::{DType, Graph, Node};

/// Input 0 and output 0 of a single-input single-output operator.
pub fn unary_io(node: &Node) -> Result<(usize, usize), String> {
    let Some(input) = node.input(0) else {
        return Err("has no input".into());
    };
    let [output] = node.outputs[..] else {
        return Err(format!("has {} outputs, expected 1", node.outputs.len()));
    };
    Ok((input, output))
}

/// Scale and zero point of a per-tensor quantized tensor.
pub fn per_tensor(g: &Graph, t: usize, role: &str) -> Result<(f32, i32), String> {
    let tensor = g.tensor(t);
    let Some(q) = &tensor.quant else {
        return Err(format!(
            "{role} '{}' has no quantization parameters",
            tensor.name
        ));
    };
    if q.per_channel() {
        return Err(format!(
            "{role} '{}' is quantized per channel ({} scales; supported: per-tensor)",
            tensor.name,
            q.scale.len()
        ));
    }
    let zp = i32::try_from(q.zero_point0()).map_err(|_| {
        format!(
            "{role} '{}' has zero point {} out of range",
            tensor.name,
            q.zero_point0()
        )
    })?;
    Ok((q.scale0(), zp))
}

/// The elements of a constant int32 or int64 tensor (shape operands, axes, paddings).
pub fn const_ints(g: &Graph, t: usize, role: &str) -> Result<Vec<i64>, String> {
    let tensor = g.tensor(t);
    let Some(data) = &tensor.data else {
        return Err(format!(
            "{role} '{}' is not constant (supported: constant {role})",
            tensor.name
        ));
    };
    match tensor.dtype {
        DType::I32 => Ok(data
            .chunks_exact(4)
            .map(|c| i64::from(i32::from_le_bytes([c[0], c[1], c[2], c[3]])))
            .collect()),
        DType::I64 => Ok(data
            .chunks_exact(8)
            .map(|c| i64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
            .collect()),
        other => Err(format!(
            "{role} '{}' is {} (supported: int32, int64)",
            tensor.name,
            other.name()
        )),
    }
}

/// `shape` padded at the front with ones to `rank` dimensions.
pub fn pad_shape<const R: usize>(shape: &[usize], what: &str) -> Result<[usize; R], String> {
    if shape.len() > R {
        return Err(format!(
            "{what} has rank {} (supported: at most {R})",
            shape.len()
        ));
    }
    let mut out = [1usize; R];
    out[R - shape.len()..].copy_from_slice(shape);
    Ok(out)
}

/// Dense row-major element strides of a shape.
pub fn dense_strides<const R: usize>(dims: &[usize; R]) -> [usize; R] {
    let mut s = [0usize; R];
    let mut acc = 1usize;
    for d in (0..R).rev() {
        s[d] = acc;
        acc *= dims[d];
    }
    s
}

/// `[a, b, …]` with `usize` literals.
pub fn usizes(v: &[usize]) -> TokenStream {
    quote!([#(#v),*])
}

/// The Rust-facing kernel suffix of a dtype (`f32`, `s8`, `u8`, `s16`, `s32`).
pub fn suffix(dtype: DType) -> Option<&'static str> {
    match dtype {
        DType::F32 => Some("f32"),
        DType::I8 => Some("s8"),
        DType::U8 => Some("u8"),
        DType::I16 => Some("s16"),
        DType::I32 => Some("s32"),
        _ => None,
    }
}

/// Checks that input and output have the same element count.
pub fn same_elements(g: &Graph, input: usize, output: usize) -> Result<(), String> {
    let (i, o) = (g.tensor(input), g.tensor(output));
    if i.elements() != o.elements() {
        return Err(format!(
            "input {} and output {} differ in size",
            i.describe(),
            o.describe()
        ));
    }
    Ok(())
}

/// Checks that two tensors have the same dtype.
pub fn same_dtype(g: &Graph, a: usize, b: usize) -> Result<(), String> {
    let (x, y) = (g.tensor(a), g.tensor(b));
    if x.dtype != y.dtype {
        return Err(format!(
            "'{}' is {} but '{}' is {} (they must match)",
            x.name,
            x.dtype.name(),
            y.name,
            y.dtype.name()
        ));
    }
    Ok(())
}

/// The kernel identifier `<op>_<suffix>`.
pub fn kernel(op: &str, dtype_suffix: &str) -> TokenStream {
    let id = quote::format_ident!("{}_{}", op, dtype_suffix);
    quote!(#id)
}
