//! Data movement: CONCATENATION, PAD / PADV2, STRIDED_SLICE, TRANSPOSE.
//!
//! These kernels copy elements without arithmetic, so one generic body serves every element
//! type; the named `<op>_<dtype>` functions are what generated code calls. Shapes are padded
//! at the front to [`LAYOUT_RANK`] dimensions by the compiler.

/// Rank of the shapes in layout parameters.
pub const LAYOUT_RANK: usize = 6;

/// Walks a dense output of shape `dims` in row-major order and yields, for each element, the
/// offset `Σ index[d] · strides[d]` (strides may be any non-negative values).
#[inline(always)]
fn walk(
    dims: &[usize; LAYOUT_RANK],
    strides: &[usize; LAYOUT_RANK],
    mut f: impl FnMut(usize) -> bool,
) {
    if dims.contains(&0) {
        return;
    }
    let mut index = [0usize; LAYOUT_RANK];
    let mut offset = 0usize;
    loop {
        if !f(offset) {
            return;
        }
        let mut d = LAYOUT_RANK;
        loop {
            if d == 0 {
                return;
            }
            d -= 1;
            index[d] += 1;
            offset += strides[d];
            if index[d] < dims[d] {
                break;
            }
            offset -= strides[d] * index[d];
            index[d] = 0;
        }
    }
}

/// Parameters of one input's part of a CONCATENATION (`concatenation_<dtype>`, called once per
/// input). Tensors are viewed as `[outer, axis · inner]`.
#[derive(Clone, Copy, Debug)]
pub struct ConcatPartParams {
    /// Product of the dimensions before the axis.
    pub outer: usize,
    /// Elements this input contributes per outer index (its axis size × inner size).
    pub part: usize,
    /// Elements of the output per outer index.
    pub total: usize,
    /// Where this input's part starts within each output row.
    pub offset: usize,
}

fn concat_part<T: Copy>(p: &ConcatPartParams, input: &[T], output: &mut [T]) {
    if p.part == 0 || p.total == 0 {
        return;
    }
    for (src, dst) in input
        .chunks_exact(p.part)
        .zip(output.chunks_exact_mut(p.total))
        .take(p.outer)
    {
        if let Some(d) = dst.get_mut(p.offset..p.offset + p.part) {
            d.copy_from_slice(src);
        }
    }
}

/// Parameters of PAD / PADV2 (`pad_<dtype>`).
#[derive(Clone, Copy, Debug)]
pub struct PadParams<T> {
    /// Output dimensions.
    pub out_dims: [usize; LAYOUT_RANK],
    /// Padding before the input along each dimension.
    pub before: [usize; LAYOUT_RANK],
    /// Input dimensions.
    pub in_dims: [usize; LAYOUT_RANK],
    /// The value written outside the input (the output zero point for quantized PAD).
    pub value: T,
}

fn pad<T: Copy>(p: &PadParams<T>, input: &[T], output: &mut [T]) {
    // Output element strides, to recover each output's multi-index.
    let mut index = [0usize; LAYOUT_RANK];
    let mut in_strides = [0usize; LAYOUT_RANK];
    let mut s = 1usize;
    for d in (0..LAYOUT_RANK).rev() {
        in_strides[d] = s;
        s *= p.in_dims[d];
    }
    for o in output.iter_mut() {
        let mut inside = true;
        let mut at = 0usize;
        for d in 0..LAYOUT_RANK {
            let i = index[d];
            if i < p.before[d] || i >= p.before[d] + p.in_dims[d] {
                inside = false;
                break;
            }
            at += (i - p.before[d]) * in_strides[d];
        }
        *o = if inside {
            input.get(at).copied().unwrap_or(p.value)
        } else {
            p.value
        };
        for d in (0..LAYOUT_RANK).rev() {
            index[d] += 1;
            if index[d] < p.out_dims[d] {
                break;
            }
            index[d] = 0;
        }
    }
}

/// Parameters of STRIDED_SLICE (`strided_slice_<dtype>`): for each output dimension, the input
/// element offset of its first element and the input step between consecutive elements.
#[derive(Clone, Copy, Debug)]
pub struct StridedSliceParams {
    /// Input offset of the first output element.
    pub start: usize,
    /// Output dimensions (element counts per axis).
    pub out_dims: [usize; LAYOUT_RANK],
    /// Signed input step per output dimension, in elements.
    pub steps: [isize; LAYOUT_RANK],
}

fn strided_slice<T: Copy>(p: &StridedSliceParams, input: &[T], output: &mut [T]) {
    let mut index = [0usize; LAYOUT_RANK];
    let mut at = p.start as isize;
    for o in output.iter_mut() {
        let Some(v) = usize::try_from(at).ok().and_then(|i| input.get(i)) else {
            return;
        };
        *o = *v;
        for d in (0..LAYOUT_RANK).rev() {
            index[d] += 1;
            at += p.steps[d];
            if index[d] < p.out_dims[d] {
                break;
            }
            at -= p.steps[d] * index[d] as isize;
            index[d] = 0;
        }
    }
}

/// Parameters of TRANSPOSE (`transpose_<dtype>`).
#[derive(Clone, Copy, Debug)]
pub struct TransposeParams {
    /// Output dimensions.
    pub out_dims: [usize; LAYOUT_RANK],
    /// For each output dimension, the element stride of the input dimension it comes from.
    pub in_strides: [usize; LAYOUT_RANK],
}

fn transpose<T: Copy>(p: &TransposeParams, input: &[T], output: &mut [T]) {
    let mut out = output.iter_mut();
    walk(&p.out_dims, &p.in_strides, |at| {
        match (out.next(), input.get(at)) {
            (Some(o), Some(v)) => {
                *o = *v;
                true
            }
            _ => false,
        }
    });
}

macro_rules! layout_kernels {
    ($($t:ty: $concat:ident, $pad:ident, $slice:ident, $transpose:ident;)*) => {$(
        #[doc = concat!("CONCATENATION part copy for `", stringify!($t), "` (see [`ConcatPartParams`]).")]
        pub fn $concat(p: &ConcatPartParams, input: &[$t], output: &mut [$t]) {
            concat_part(p, input, output)
        }
        #[doc = concat!("PAD / PADV2 for `", stringify!($t), "`.")]
        pub fn $pad(p: &PadParams<$t>, input: &[$t], output: &mut [$t]) {
            pad(p, input, output)
        }
        #[doc = concat!("STRIDED_SLICE for `", stringify!($t), "`.")]
        pub fn $slice(p: &StridedSliceParams, input: &[$t], output: &mut [$t]) {
            strided_slice(p, input, output)
        }
        #[doc = concat!("TRANSPOSE for `", stringify!($t), "`.")]
        pub fn $transpose(p: &TransposeParams, input: &[$t], output: &mut [$t]) {
            transpose(p, input, output)
        }
    )*};
}

layout_kernels! {
    f32: concatenation_f32, pad_f32, strided_slice_f32, transpose_f32;
    i8: concatenation_s8, pad_s8, strided_slice_s8, transpose_s8;
    u8: concatenation_u8, pad_u8, strided_slice_u8, transpose_u8;
    i16: concatenation_s16, pad_s16, strided_slice_s16, transpose_s16;
    i32: concatenation_s32, pad_s32, strided_slice_s32, transpose_s32;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dims(d: &[usize]) -> [usize; LAYOUT_RANK] {
        let mut out = [1; LAYOUT_RANK];
        out[LAYOUT_RANK - d.len()..].copy_from_slice(d);
        out
    }

    #[test]
    fn concatenation_along_last_axis() {
        // [2,2] ++ [2,1] -> [2,3]
        let mut out = [0i8; 6];
        concatenation_s8(
            &ConcatPartParams {
                outer: 2,
                part: 2,
                total: 3,
                offset: 0,
            },
            &[1, 2, 4, 5],
            &mut out,
        );
        concatenation_s8(
            &ConcatPartParams {
                outer: 2,
                part: 1,
                total: 3,
                offset: 2,
            },
            &[3, 6],
            &mut out,
        );
        assert_eq!(out, [1, 2, 3, 4, 5, 6]);
    }

    #[test]
    fn pad_two_dims_with_value() {
        // [2,2] padded by (1,0) rows and (0,1) columns with 9.
        let p = PadParams {
            out_dims: dims(&[3, 3]),
            before: [0, 0, 0, 0, 1, 0],
            in_dims: dims(&[2, 2]),
            value: 9i16,
        };
        let mut out = [0i16; 9];
        pad_s16(&p, &[1, 2, 3, 4], &mut out);
        assert_eq!(out, [9, 9, 9, 1, 2, 9, 3, 4, 9]);
    }

    #[test]
    fn strided_slice_reverses_and_steps() {
        // input [3,4] = 0..12; rows 2,0 (step -2), columns 1,3 (step 2)
        let input: Vec<f32> = (0..12).map(|v| v as f32).collect();
        let mut steps = [0isize; LAYOUT_RANK];
        steps[4] = -8;
        steps[5] = 2;
        let p = StridedSliceParams {
            start: 9,
            out_dims: dims(&[2, 2]),
            steps,
        };
        let mut out = [0.0f32; 4];
        strided_slice_f32(&p, &input, &mut out);
        assert_eq!(out, [9.0, 11.0, 1.0, 3.0]);
    }

    #[test]
    fn transpose_2d_and_3d() {
        // [2,3] -> [3,2]
        let mut in_strides = [0; LAYOUT_RANK];
        in_strides[4] = 1;
        in_strides[5] = 3;
        let p = TransposeParams {
            out_dims: dims(&[3, 2]),
            in_strides,
        };
        let mut out = [0i32; 6];
        transpose_s32(&p, &[0, 1, 2, 3, 4, 5], &mut out);
        assert_eq!(out, [0, 3, 1, 4, 2, 5]);
        // [2,1,2] with perm [2,0,1] -> [2,2,1]
        let mut s = [0; LAYOUT_RANK];
        s[3] = 1;
        s[4] = 2;
        s[5] = 2;
        let q = TransposeParams {
            out_dims: dims(&[2, 2, 1]),
            in_strides: s,
        };
        let mut o = [0u8; 4];
        transpose_u8(&q, &[10, 11, 12, 13], &mut o);
        assert_eq!(o, [10, 12, 11, 13]);
    }
}
