//! Binary element-wise operators with broadcasting: ADD, SUB, MUL.
//!
//! Shapes are padded at the front to [`MAX_RANK`] dimensions by the compiler. Each input has
//! one element stride per dimension, 0 along the dimensions it is broadcast over; the output is
//! dense and written in row-major order. Results equal TFLM's `BroadcastAdd6DSlow` and friends,
//! which visit the same index pairs.

use crate::float::clamp_f32;
use crate::quant::multiply_by_quantized_multiplier;

/// Largest rank of broadcast shapes.
pub const MAX_RANK: usize = 6;

/// How two inputs map onto the output.
#[derive(Clone, Copy, Debug)]
pub struct Broadcast {
    /// `false` when both inputs have the output's shape (a plain zip).
    pub broadcast: bool,
    /// Output dimensions, outermost first.
    pub dims: [usize; MAX_RANK],
    /// Element strides of input 1 per output dimension (0 where broadcast).
    pub strides1: [usize; MAX_RANK],
    /// Element strides of input 2 per output dimension (0 where broadcast).
    pub strides2: [usize; MAX_RANK],
}

/// Calls `f(a, b, out)` for every output element with its two input elements.
#[inline(always)]
fn for_each<A: Copy, B: Copy, O>(
    s: &Broadcast,
    in1: &[A],
    in2: &[B],
    out: &mut [O],
    mut f: impl FnMut(A, B) -> O,
) {
    if !s.broadcast {
        for ((a, b), o) in in1.iter().zip(in2).zip(out.iter_mut()) {
            *o = f(*a, *b);
        }
        return;
    }
    let mut index = [0usize; MAX_RANK];
    let (mut i1, mut i2) = (0usize, 0usize);
    for o in out.iter_mut() {
        let (Some(a), Some(b)) = (in1.get(i1), in2.get(i2)) else {
            return;
        };
        *o = f(*a, *b);
        // Advance the multi-index, innermost dimension first.
        for d in (0..MAX_RANK).rev() {
            index[d] += 1;
            i1 += s.strides1[d];
            i2 += s.strides2[d];
            if index[d] < s.dims[d] {
                break;
            }
            i1 -= s.strides1[d] * index[d];
            i2 -= s.strides2[d] * index[d];
            index[d] = 0;
        }
    }
}

/// Parameters of the float kernels [`add_f32`], [`sub_f32`], [`mul_f32`].
#[derive(Clone, Copy, Debug)]
pub struct BinaryF32Params {
    /// Broadcast layout.
    pub shape: Broadcast,
    /// Lower clamp of the fused activation.
    pub activation_min: f32,
    /// Upper clamp of the fused activation.
    pub activation_max: f32,
}

/// `a + b` with fused activation, float32.
pub fn add_f32(p: &BinaryF32Params, in1: &[f32], in2: &[f32], out: &mut [f32]) {
    for_each(&p.shape, in1, in2, out, |a, b| {
        clamp_f32(a + b, p.activation_min, p.activation_max)
    });
}

/// `a − b` with fused activation, float32.
pub fn sub_f32(p: &BinaryF32Params, in1: &[f32], in2: &[f32], out: &mut [f32]) {
    for_each(&p.shape, in1, in2, out, |a, b| {
        clamp_f32(a - b, p.activation_min, p.activation_max)
    });
}

/// `a · b` with fused activation, float32.
pub fn mul_f32(p: &BinaryF32Params, in1: &[f32], in2: &[f32], out: &mut [f32]) {
    for_each(&p.shape, in1, in2, out, |a, b| {
        clamp_f32(a * b, p.activation_min, p.activation_max)
    });
}

/// Parameters of the int32 kernels [`add_s32`], [`sub_s32`], [`mul_s32`] (unquantized).
#[derive(Clone, Copy, Debug)]
pub struct BinaryS32Params {
    /// Broadcast layout.
    pub shape: Broadcast,
    /// Lower clamp of the fused activation.
    pub activation_min: i32,
    /// Upper clamp of the fused activation.
    pub activation_max: i32,
}

/// `a + b` (wrapping) with fused activation, int32.
pub fn add_s32(p: &BinaryS32Params, in1: &[i32], in2: &[i32], out: &mut [i32]) {
    for_each(&p.shape, in1, in2, out, |a, b| {
        a.wrapping_add(b)
            .max(p.activation_min)
            .min(p.activation_max)
    });
}

/// `a − b` (wrapping) with fused activation, int32.
pub fn sub_s32(p: &BinaryS32Params, in1: &[i32], in2: &[i32], out: &mut [i32]) {
    for_each(&p.shape, in1, in2, out, |a, b| {
        a.wrapping_sub(b)
            .max(p.activation_min)
            .min(p.activation_max)
    });
}

/// `a · b` (wrapping) with fused activation, int32.
pub fn mul_s32(p: &BinaryS32Params, in1: &[i32], in2: &[i32], out: &mut [i32]) {
    for_each(&p.shape, in1, in2, out, |a, b| {
        a.wrapping_mul(b)
            .max(p.activation_min)
            .min(p.activation_max)
    });
}

/// Parameters of quantized ADD and SUB ([`add_s8`], [`add_s16`], [`sub_s8`], [`sub_s16`]):
/// both inputs are shifted left, rescaled to a common scale (twice the larger input scale),
/// combined, and rescaled to the output, as TFLM's general quantized path does.
#[derive(Clone, Copy, Debug)]
pub struct AddSubQuantParams {
    /// Broadcast layout.
    pub shape: Broadcast,
    /// `−zero_point` of input 1.
    pub input1_offset: i32,
    /// `−zero_point` of input 2.
    pub input2_offset: i32,
    /// 20 for int8, 15 for int16.
    pub left_shift: i32,
    /// Significand of `scale1 / (2 · max scale)`.
    pub input1_multiplier: i32,
    /// Exponent (≤ 0) of the input 1 multiplier.
    pub input1_shift: i32,
    /// Significand of `scale2 / (2 · max scale)`.
    pub input2_multiplier: i32,
    /// Exponent (≤ 0) of the input 2 multiplier.
    pub input2_shift: i32,
    /// Significand of `2 · max scale / (2^left_shift · output scale)`.
    pub output_multiplier: i32,
    /// Exponent of the output multiplier.
    pub output_shift: i32,
    /// Output zero point.
    pub output_offset: i32,
    /// Lower clamp (quantized) of the fused activation.
    pub activation_min: i32,
    /// Upper clamp (quantized) of the fused activation.
    pub activation_max: i32,
}

impl AddSubQuantParams {
    #[inline(always)]
    fn scaled(&self, a: i32, b: i32) -> (i32, i32) {
        let a = (self.input1_offset + a).wrapping_shl(self.left_shift as u32);
        let b = (self.input2_offset + b).wrapping_shl(self.left_shift as u32);
        (
            multiply_by_quantized_multiplier(a, self.input1_multiplier, self.input1_shift),
            multiply_by_quantized_multiplier(b, self.input2_multiplier, self.input2_shift),
        )
    }

    #[inline(always)]
    fn finish(&self, raw: i32) -> i32 {
        let v = multiply_by_quantized_multiplier(raw, self.output_multiplier, self.output_shift)
            .wrapping_add(self.output_offset);
        v.max(self.activation_min).min(self.activation_max)
    }
}

macro_rules! add_sub_quant {
    ($(#[$doc:meta] $name:ident: $t:ty, $combine:ident;)*) => {$(
        #[$doc]
        pub fn $name(p: &AddSubQuantParams, in1: &[$t], in2: &[$t], out: &mut [$t]) {
            for_each(&p.shape, in1, in2, out, |a, b| {
                let (x, y) = p.scaled(i32::from(a), i32::from(b));
                p.finish(x.$combine(y)) as $t
            });
        }
    )*};
}

add_sub_quant! {
    /// int8 ADD, bit-exact with TFLM.
    add_s8: i8, wrapping_add;
    /// int16 ADD (general scales), bit-exact with TFLM.
    add_s16: i16, wrapping_add;
    /// int8 SUB, bit-exact with TFLM.
    sub_s8: i8, wrapping_sub;
    /// int16 SUB (general scales), bit-exact with TFLM.
    sub_s16: i16, wrapping_sub;
}

/// Parameters of [`add_s8_fast`] and [`sub_s8_fast`]: int8 ADD/SUB without broadcasting, where
/// the compiler proved [`crate::quant::requantize_fast`] exact for each rescaling (see
/// [`AddSubQuantParams`] for the arithmetic they reproduce).
#[derive(Clone, Copy, Debug)]
pub struct AddSubS8FastParams {
    /// `−zero_point` of input 1.
    pub input1_offset: i32,
    /// `−zero_point` of input 2.
    pub input2_offset: i32,
    /// Input 1 multiplier and shift (`-31..=-1`); a multiplier of 0 means exactly one half
    /// (TFLM's `2^30, 0` for the input with the larger scale): `x << 19`.
    pub input1: (i32, i8),
    /// Input 2 multiplier and shift, as `input1`.
    pub input2: (i32, i8),
    /// Output multiplier and shift (`-31..=-1`).
    pub output: (i32, i8),
    /// `1 + 2 · output_zero_point`.
    pub k: i32,
    /// Lower clamp (quantized) of the fused activation.
    pub activation_min: i32,
    /// Upper clamp (quantized) of the fused activation.
    pub activation_max: i32,
}

/// TFLM's int8 input rescaling of ADD/SUB (`(x + offset) << 20`, then the input multiplier) in
/// the fast domain, or the exact halving when the multiplier is one half.
#[inline(always)]
fn scale_input(x: i8, offset: i32, (m, s): (i32, i8)) -> i32 {
    let v = i32::from(x) + offset;
    if m == 0 {
        v << 19
    } else {
        crate::quant::requantize_fast(v << 20, m, s, 1)
    }
}

/// One element of [`add_s8_fast`] / [`sub_s8_fast`].
#[inline(always)]
fn add_sub_one(p: &AddSubS8FastParams, a: i8, b: i8, combine: fn(i32, i32) -> i32) -> i8 {
    let a = scale_input(a, p.input1_offset, p.input1);
    let b = scale_input(b, p.input2_offset, p.input2);
    let v = crate::quant::requantize_fast(combine(a, b), p.output.0, p.output.1, p.k);
    v.max(p.activation_min).min(p.activation_max) as i8
}

macro_rules! add_sub_s8_fast {
    ($(#[$doc:meta] $name:ident, #[$doc_in_place:meta] $in_place:ident: $combine:ident;)*) => {$(
        #[$doc]
        pub fn $name(p: &AddSubS8FastParams, in1: &[i8], in2: &[i8], out: &mut [i8]) {
            // Four elements per step (one loop test per four), then the rest.
            let n = out.len().min(in1.len()).min(in2.len());
            let (in1, in2, out) = (&in1[..n], &in2[..n], &mut out[..n]);
            let (o4, o_rest) = out.as_chunks_mut::<4>();
            let (a4, a_rest) = in1.as_chunks::<4>();
            let (b4, b_rest) = in2.as_chunks::<4>();
            for ((o, a), b) in o4.iter_mut().zip(a4).zip(b4) {
                *o = [0, 1, 2, 3].map(|j| add_sub_one(p, a[j], b[j], i32::$combine));
            }
            for ((o, a), b) in o_rest.iter_mut().zip(a_rest).zip(b_rest) {
                *o = add_sub_one(p, *a, *b, i32::$combine);
            }
        }

        #[$doc_in_place]
        pub fn $in_place(p: &AddSubS8FastParams, in2: &[i8], io: &mut [i8]) {
            let n = io.len().min(in2.len());
            let (in2, io) = (&in2[..n], &mut io[..n]);
            let (io4, io_rest) = io.as_chunks_mut::<4>();
            let (b4, b_rest) = in2.as_chunks::<4>();
            for (a, b) in io4.iter_mut().zip(b4) {
                *a = [0, 1, 2, 3].map(|j| add_sub_one(p, a[j], b[j], i32::$combine));
            }
            for (a, b) in io_rest.iter_mut().zip(b_rest) {
                *a = add_sub_one(p, *a, *b, i32::$combine);
            }
        }
    )*};
}

add_sub_s8_fast! {
    /// int8 ADD without broadcasting in the fast requantization domain, bit-exact with TFLM.
    add_s8_fast,
    /// [`add_s8_fast`] in place: `io` holds input 1 and receives the output.
    add_s8_fast_in_place: wrapping_add;
    /// int8 SUB without broadcasting in the fast requantization domain, bit-exact with TFLM.
    sub_s8_fast,
    /// [`sub_s8_fast`] in place: `io` holds input 1 and receives the output.
    sub_s8_fast_in_place: wrapping_sub;
}

/// Parameters of quantized MUL ([`mul_s8`], [`mul_s16`]).
#[derive(Clone, Copy, Debug)]
pub struct MulQuantParams {
    /// Broadcast layout.
    pub shape: Broadcast,
    /// `−zero_point` of input 1.
    pub input1_offset: i32,
    /// `−zero_point` of input 2.
    pub input2_offset: i32,
    /// Output zero point.
    pub output_offset: i32,
    /// Significand of `scale1 · scale2 / output scale`.
    pub output_multiplier: i32,
    /// Exponent of the output multiplier.
    pub output_shift: i32,
    /// Lower clamp (quantized) of the fused activation.
    pub activation_min: i32,
    /// Upper clamp (quantized) of the fused activation.
    pub activation_max: i32,
}

macro_rules! mul_quant {
    ($(#[$doc:meta] $name:ident: $t:ty;)*) => {$(
        #[$doc]
        pub fn $name(p: &MulQuantParams, in1: &[$t], in2: &[$t], out: &mut [$t]) {
            for_each(&p.shape, in1, in2, out, |a, b| {
                let x = p.input1_offset + i32::from(a);
                let y = p.input2_offset + i32::from(b);
                let v = p.output_offset.wrapping_add(multiply_by_quantized_multiplier(
                    x.wrapping_mul(y),
                    p.output_multiplier,
                    p.output_shift,
                ));
                v.max(p.activation_min).min(p.activation_max) as $t
            });
        }
    )*};
}

mul_quant! {
    /// int8 MUL, bit-exact with TFLM.
    mul_s8: i8;
    /// int16 MUL (zero points 0), bit-exact with TFLM.
    mul_s16: i16;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_add_and_sub_match_the_general_kernels() {
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = |n: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % n
        };
        for case in 0..300 {
            let n = 1 + next(40) as usize;
            let a: Vec<i8> = (0..n).map(|_| next(256) as u8 as i8).collect();
            let b: Vec<i8> = (0..n).map(|_| next(256) as u8 as i8).collect();
            let (o1, o2) = (next(256) as i32 - 128, next(256) as i32 - 128);
            // One input has the larger scale (exactly one half), the other a smaller ratio.
            let half = (1 << 30, 0);
            let other = ((1 << 30) + next(1 << 30) as i32, -1 - next(8) as i32);
            let (in1, in2) = if case % 2 == 0 {
                (half, other)
            } else {
                (other, half)
            };
            let out = ((1 << 30) + next(1 << 30) as i32, -14 - next(10) as i32);
            let zo = next(256) as i32 - 128;
            let (lo, hi) = (-128 + next(40) as i32, 127 - next(40) as i32);
            let general = AddSubQuantParams {
                shape: plain(n),
                input1_offset: o1,
                input2_offset: o2,
                left_shift: 20,
                input1_multiplier: in1.0,
                input1_shift: in1.1,
                input2_multiplier: in2.0,
                input2_shift: in2.1,
                output_multiplier: out.0,
                output_shift: out.1,
                output_offset: zo,
                activation_min: lo,
                activation_max: hi,
            };
            let fast_of = |(m, s): (i32, i32)| if s == 0 { (0, 0) } else { (m, s as i8) };
            let fast = AddSubS8FastParams {
                input1_offset: o1,
                input2_offset: o2,
                input1: fast_of(in1),
                input2: fast_of(in2),
                output: (out.0, out.1 as i8),
                k: 1 + 2 * zo,
                activation_min: lo,
                activation_max: hi,
            };
            let (mut want, mut got) = (vec![0i8; n], vec![0i8; n]);
            add_s8(&general, &a, &b, &mut want);
            add_s8_fast(&fast, &a, &b, &mut got);
            assert_eq!(got, want, "add case {case}");
            let mut io = a.clone();
            add_s8_fast_in_place(&fast, &b, &mut io);
            assert_eq!(io, want, "add in place, case {case}");
            sub_s8(&general, &a, &b, &mut want);
            sub_s8_fast(&fast, &a, &b, &mut got);
            assert_eq!(got, want, "sub case {case}");
            let mut io = a.clone();
            sub_s8_fast_in_place(&fast, &b, &mut io);
            assert_eq!(io, want, "sub in place, case {case}");
        }
    }

    fn plain(n: usize) -> Broadcast {
        Broadcast {
            broadcast: false,
            dims: [1, 1, 1, 1, 1, n],
            strides1: [0; 6],
            strides2: [0; 6],
        }
    }

    #[test]
    fn float_broadcast_row_plus_column() {
        // [2,1] + [1,3] -> [2,3]
        let shape = Broadcast {
            broadcast: true,
            dims: [1, 1, 1, 1, 2, 3],
            strides1: [0, 0, 0, 0, 1, 0],
            strides2: [0, 0, 0, 0, 0, 1],
        };
        let p = BinaryF32Params {
            shape,
            activation_min: f32::MIN,
            activation_max: f32::MAX,
        };
        let mut out = [0.0; 6];
        add_f32(&p, &[10.0, 20.0], &[1.0, 2.0, 3.0], &mut out);
        assert_eq!(out, [11.0, 12.0, 13.0, 21.0, 22.0, 23.0]);
        sub_f32(&p, &[10.0, 20.0], &[1.0, 2.0, 3.0], &mut out);
        assert_eq!(out, [9.0, 8.0, 7.0, 19.0, 18.0, 17.0]);
        let relu6 = BinaryF32Params {
            activation_min: 0.0,
            activation_max: 6.0,
            ..p
        };
        mul_f32(&relu6, &[1.0, -1.0], &[1.0, 2.0, 7.0], &mut out);
        assert_eq!(out, [1.0, 2.0, 6.0, 0.0, 0.0, 0.0]);
    }

    #[test]
    fn broadcast_middle_dimension() {
        // [2,3,2] - [2,1,2]
        let shape = Broadcast {
            broadcast: true,
            dims: [1, 1, 1, 2, 3, 2],
            strides1: [0, 0, 0, 6, 2, 1],
            strides2: [0, 0, 0, 2, 0, 1],
        };
        let p = BinaryS32Params {
            shape,
            activation_min: i32::MIN,
            activation_max: i32::MAX,
        };
        let a: Vec<i32> = (0..12).collect();
        let mut out = [0; 12];
        sub_s32(&p, &a, &[0, 1, 100, 101], &mut out);
        assert_eq!(out, [0, 0, 2, 2, 4, 4, -94, -94, -92, -92, -90, -90]);
    }

    #[test]
    fn int8_add_same_scale() {
        // Both inputs and the output have scale 1/2, zero point 0: y = a + b.
        // real multipliers: 0.5 / 1.0 = 0.5 each; output 1.0 / (2^20 * 0.5) = 2^-19.
        let p = AddSubQuantParams {
            shape: plain(4),
            input1_offset: 0,
            input2_offset: 0,
            left_shift: 20,
            input1_multiplier: 1 << 30,
            input1_shift: 0,
            input2_multiplier: 1 << 30,
            input2_shift: 0,
            output_multiplier: 1 << 30,
            output_shift: -18,
            output_offset: 0,
            activation_min: -128,
            activation_max: 127,
        };
        let mut out = [0i8; 4];
        add_s8(&p, &[1, -3, 100, -100], &[2, 1, 100, -100], &mut out);
        assert_eq!(out, [3, -2, 127, -128]);
        sub_s8(&p, &[1, -3, 100, -100], &[2, 1, -100, 100], &mut out);
        assert_eq!(out, [-1, -4, 127, -128]);
    }

    #[test]
    fn int8_mul_rounds_like_gemmlowp() {
        // scale product 0.5: 3 * 1 * 0.5 = 1.5 -> 2; -1.5 -> -1 (gemmlowp's negative nudge is
        // just under one half)
        let p = MulQuantParams {
            shape: plain(3),
            input1_offset: 0,
            input2_offset: 0,
            output_offset: 0,
            output_multiplier: 1 << 30,
            output_shift: 0,
            activation_min: -128,
            activation_max: 127,
        };
        let mut out = [0i8; 3];
        mul_s8(&p, &[3, -3, 127], &[1, 1, 127], &mut out);
        assert_eq!(out, [2, -1, 127]);
    }
}
