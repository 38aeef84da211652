//! MEAN over any set of axes, bit-exact with TFLM's reference kernels.
//!
//! The compiler describes the reduction as up to three kept and up to three reduced axes
//! (adjacent axes of the same kind merged), each an extent and an input stride, in input order.
//! Outputs are produced in row-major order of the kept axes; each output sums its inputs in
//! row-major order of the reduced axes, which is the order TFLM accumulates in.

use crate::quant::multiply_by_quantized_multiplier;

/// One axis of a reduction: how many positions and how far apart they are in the input.
#[derive(Clone, Copy, Debug)]
pub struct ReduceAxis {
    /// Number of positions (1 for an unused slot).
    pub extent: usize,
    /// Distance in elements between consecutive positions in the input.
    pub stride: usize,
}

/// Which input elements each output element reduces.
#[derive(Clone, Copy, Debug)]
pub struct ReduceShape {
    /// Kept axes, outermost first.
    pub kept: [ReduceAxis; 3],
    /// Reduced axes, outermost first.
    pub reduced: [ReduceAxis; 3],
    /// Elements reduced into each output (the product of the reduced extents).
    pub count: usize,
}

/// Parameters of [`mean_s8`] and [`mean_s16`].
///
/// TFLM takes one of two paths. With equal input and output quantization it divides the raw sum
/// by the count with C's truncating division (`requantize == false`). Otherwise it subtracts the
/// input zero point, multiplies by `multiplier · 2^shift` (input scale / output scale with
/// 1 / count folded in, computed by the compiler) and adds the output zero point.
#[derive(Clone, Copy, Debug)]
pub struct MeanQuantParams {
    /// Which elements to reduce.
    pub shape: ReduceShape,
    /// Whether to requantize (see above) or divide.
    pub requantize: bool,
    /// Input zero point (requantizing path).
    pub input_zero_point: i32,
    /// Output zero point (requantizing path).
    pub output_zero_point: i32,
    /// Q0.31 multiplier (requantizing path).
    pub multiplier: i32,
    /// Power-of-two exponent (requantizing path).
    pub shift: i32,
}

/// Visits every output element with the sum of its inputs.
#[inline(always)]
fn reduce_loop<T: Copy, O, A: Copy>(
    s: &ReduceShape,
    input: &[T],
    output: &mut [O],
    zero: A,
    mut add: impl FnMut(A, T) -> A,
    mut finish: impl FnMut(A) -> O,
) {
    let [k0, k1, k2] = s.kept;
    let [r0, r1, r2] = s.reduced;
    let mut out = output.iter_mut();
    for a in 0..k0.extent {
        for b in 0..k1.extent {
            for c in 0..k2.extent {
                let base = a * k0.stride + b * k1.stride + c * k2.stride;
                let mut acc = zero;
                for x in 0..r0.extent {
                    for y in 0..r1.extent {
                        for z in 0..r2.extent {
                            if let Some(v) =
                                input.get(base + x * r0.stride + y * r1.stride + z * r2.stride)
                            {
                                acc = add(acc, *v);
                            }
                        }
                    }
                }
                match out.next() {
                    Some(o) => *o = finish(acc),
                    None => return,
                }
            }
        }
    }
}

/// Float mean: the sum in input order divided by the count.
pub fn mean_f32(p: &ReduceShape, input: &[f32], output: &mut [f32]) {
    let n = p.count as f32;
    reduce_loop(p, input, output, 0.0f32, |acc, x| acc + x, |acc| acc / n);
}

#[inline(always)]
fn quantized_mean(p: &MeanQuantParams, sum: i32, min: i32, max: i32) -> i32 {
    let n = p.shape.count.max(1);
    if p.requantize {
        let shifted = (i64::from(sum) - i64::from(p.input_zero_point) * n as i64) as i32;
        let v = multiply_by_quantized_multiplier(shifted, p.multiplier, p.shift)
            .wrapping_add(p.output_zero_point);
        v.max(min).min(max)
    } else {
        sum / n as i32
    }
}

/// int8 mean.
pub fn mean_s8(p: &MeanQuantParams, input: &[i8], output: &mut [i8]) {
    reduce_loop(
        &p.shape,
        input,
        output,
        0i32,
        |acc, x| acc.wrapping_add(i32::from(x)),
        |acc| quantized_mean(p, acc, -128, 127) as i8,
    );
}

/// int16 mean.
pub fn mean_s16(p: &MeanQuantParams, input: &[i16], output: &mut [i16]) {
    reduce_loop(
        &p.shape,
        input,
        output,
        0i32,
        |acc, x| acc.wrapping_add(i32::from(x)),
        |acc| quantized_mean(p, acc, -32768, 32767) as i16,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    const UNUSED: ReduceAxis = ReduceAxis {
        extent: 1,
        stride: 0,
    };

    /// Global average pooling of a [1, 2, 2, 3] tensor: keep C (stride 1), reduce H·W (stride 3).
    fn global_pool() -> ReduceShape {
        ReduceShape {
            kept: [
                ReduceAxis {
                    extent: 3,
                    stride: 1,
                },
                UNUSED,
                UNUSED,
            ],
            reduced: [
                ReduceAxis {
                    extent: 4,
                    stride: 3,
                },
                UNUSED,
                UNUSED,
            ],
            count: 4,
        }
    }

    #[test]
    fn float_global_average() {
        let input: Vec<f32> = (0..12).map(|v| v as f32).collect();
        let mut out = [0.0f32; 3];
        mean_f32(&global_pool(), &input, &mut out);
        assert_eq!(out, [4.5, 5.5, 6.5]);
    }

    #[test]
    fn float_mean_over_inner_and_outer_axes() {
        // [2, 3, 2]: reduce axes 0 and 2, keep axis 1 (stride 2).
        let s = ReduceShape {
            kept: [
                ReduceAxis {
                    extent: 3,
                    stride: 2,
                },
                UNUSED,
                UNUSED,
            ],
            reduced: [
                ReduceAxis {
                    extent: 2,
                    stride: 6,
                },
                ReduceAxis {
                    extent: 2,
                    stride: 1,
                },
                UNUSED,
            ],
            count: 4,
        };
        let input: Vec<f32> = (0..12).map(|v| v as f32).collect();
        let mut out = [0.0f32; 3];
        mean_f32(&s, &input, &mut out);
        // axis-1 index 0: 0,1,6,7 ; 1: 2,3,8,9 ; 2: 4,5,10,11
        assert_eq!(out, [3.5, 5.5, 7.5]);
    }

    #[test]
    fn integer_mean_with_equal_quantization_truncates() {
        let p = MeanQuantParams {
            shape: global_pool(),
            requantize: false,
            input_zero_point: 0,
            output_zero_point: 0,
            multiplier: 0,
            shift: 0,
        };
        // channel sums: 1+2+3+4... choose 7 → 1.75 → 1 ; -7 → -1.75 → -1 ; 6 → 1.5 → 1
        let input = [1, -1, 0, 2, -2, 3, 2, -2, 3, 2, -2, 0];
        let mut out = [0i8; 3];
        mean_s8(&p, &input, &mut out);
        assert_eq!(out, [1, -1, 1]);
        let input16: Vec<i16> = input.iter().map(|v| i16::from(*v) * 1000).collect();
        let mut out16 = [0i16; 3];
        mean_s16(&p, &input16, &mut out16);
        assert_eq!(out16, [1750, -1750, 1500]);
    }

    #[test]
    fn integer_mean_requantizes() {
        // multiplier 0.5 · 2^1 · 1/4: the compiler would pass (2^30, -1) for scale ratio 1, count 4.
        let p = MeanQuantParams {
            shape: global_pool(),
            requantize: true,
            input_zero_point: -10,
            output_zero_point: 3,
            multiplier: 1 << 30,
            shift: -1,
        };
        let input = [-10, 100, 0, -8, 100, 0, -10, 100, 0, -8, 100, 0];
        let mut out = [0i8; 3];
        mean_s8(&p, &input, &mut out);
        // channel 0: sum -36 + 40 = 4 → ×0.25 = 1 → +3 = 4 ; channel 1: 400+40=440 → 110+3 → 113 ;
        // channel 2: 40 → 10 + 3 = 13
        assert_eq!(out, [4, 113, 13]);
        let big = MeanQuantParams {
            output_zero_point: 100,
            ..p
        };
        mean_s8(&big, &input, &mut out);
        assert_eq!(out, [101, 127, 110]);
    }
}
