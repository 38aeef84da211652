//! AVERAGE_POOL_2D and MAX_POOL_2D over NHWC tensors, bit-exact with TFLM's reference kernels.
//!
//! The window is clipped to the input: padding contributes nothing, and an average divides by
//! the number of input elements actually inside the window. Quantized pooling requires equal
//! input and output quantization, so there is no requantization.
//!
//! The `_x4` int8 kernels take four channels per 32-bit word (see [`pool_x4_fits`] for the layers
//! they run; they hand any other to the reference kernel) and give the same bytes.

use super::activations::clamp_s8x4;
use super::conv::activation_f32;
use crate::arch::{
    add_positive_s16x2, interleave_lanes, max_s8x4, sxtab16, sxtab16_ror8, sxtb16, sxtb16_ror8,
};

/// Shapes, window and padding of one pooling layer.
#[derive(Clone, Copy, Debug)]
pub struct PoolGeometry {
    /// Batch size.
    pub batches: usize,
    /// Input height.
    pub input_height: usize,
    /// Input width.
    pub input_width: usize,
    /// Channels (input and output).
    pub depth: usize,
    /// Output height.
    pub output_height: usize,
    /// Output width.
    pub output_width: usize,
    /// Window height.
    pub filter_height: usize,
    /// Window width.
    pub filter_width: usize,
    /// Vertical stride.
    pub stride_height: usize,
    /// Horizontal stride.
    pub stride_width: usize,
    /// Rows of padding above the input.
    pub pad_height: usize,
    /// Columns of padding left of the input.
    pub pad_width: usize,
}

/// Parameters of the float32 pooling kernels.
#[derive(Clone, Copy, Debug)]
pub struct PoolF32Params {
    /// Shapes and window.
    pub geometry: PoolGeometry,
    /// Lower clamp of the fused activation.
    pub activation_min: f32,
    /// Upper clamp of the fused activation.
    pub activation_max: f32,
}

/// Parameters of the int8 and int16 pooling kernels.
#[derive(Clone, Copy, Debug)]
pub struct PoolQuantParams {
    /// Shapes and window.
    pub geometry: PoolGeometry,
    /// Lower clamp (quantized) of the fused activation.
    pub activation_min: i32,
    /// Upper clamp (quantized) of the fused activation.
    pub activation_max: i32,
}

/// The part `start..end` of a window of `filter` taps starting at `origin` that lies in `0..limit`.
#[inline(always)]
fn clip(origin: isize, filter: usize, limit: usize) -> (usize, usize) {
    let start = (-origin).max(0) as usize;
    let end = (limit as isize - origin).max(0).min(filter as isize) as usize;
    (start, end.max(start))
}

/// Visits every output element in NHWC order with the input values of its clipped window in
/// TFLM's order (window row, window column).
#[inline(always)]
fn pool_loop<T: Copy, O, A: Copy>(
    g: &PoolGeometry,
    input: &[T],
    output: &mut [O],
    zero: A,
    mut add: impl FnMut(A, T) -> A,
    mut finish: impl FnMut(A, usize) -> O,
) {
    let mut out = output.iter_mut();
    for b in 0..g.batches {
        for oy in 0..g.output_height {
            let y0 = (oy * g.stride_height) as isize - g.pad_height as isize;
            let (fy0, fy1) = clip(y0, g.filter_height, g.input_height);
            for ox in 0..g.output_width {
                let x0 = (ox * g.stride_width) as isize - g.pad_width as isize;
                let (fx0, fx1) = clip(x0, g.filter_width, g.input_width);
                for c in 0..g.depth {
                    let mut acc = zero;
                    for fy in fy0..fy1 {
                        let iy = (y0 + fy as isize) as usize;
                        for fx in fx0..fx1 {
                            let ix = (x0 + fx as isize) as usize;
                            if let Some(x) = input
                                .get(((b * g.input_height + iy) * g.input_width + ix) * g.depth + c)
                            {
                                acc = add(acc, *x);
                            }
                        }
                    }
                    let count = (fy1 - fy0) * (fx1 - fx0);
                    match out.next() {
                        Some(o) => *o = finish(acc, count),
                        None => return,
                    }
                }
            }
        }
    }
}

/// Rounded integer average as TFLM computes it: half away from zero, C division.
#[inline(always)]
fn rounded_average(sum: i32, count: usize) -> i32 {
    // n ≥ 1, so the division can neither trap nor overflow.
    let n = i32::try_from(count.max(1)).unwrap_or(i32::MAX);
    if sum > 0 {
        sum.wrapping_add(n / 2) / n
    } else {
        sum.wrapping_sub(n / 2) / n
    }
}

/// Float average pooling.
pub fn avg_pool_2d_f32(p: &PoolF32Params, input: &[f32], output: &mut [f32]) {
    pool_loop(
        &p.geometry,
        input,
        output,
        0.0f32,
        |acc, x| acc + x,
        |acc, n| activation_f32(acc / n as f32, p.activation_min, p.activation_max),
    );
}

/// int8 average pooling.
pub fn avg_pool_2d_s8(p: &PoolQuantParams, input: &[i8], output: &mut [i8]) {
    pool_loop(
        &p.geometry,
        input,
        output,
        0i32,
        |acc, x| acc.wrapping_add(i32::from(x)),
        |acc, n| {
            rounded_average(acc, n)
                .max(p.activation_min)
                .min(p.activation_max) as i8
        },
    );
}

/// int16 average pooling.
pub fn avg_pool_2d_s16(p: &PoolQuantParams, input: &[i16], output: &mut [i16]) {
    pool_loop(
        &p.geometry,
        input,
        output,
        0i32,
        |acc, x| acc.wrapping_add(i32::from(x)),
        |acc, n| {
            rounded_average(acc, n)
                .max(p.activation_min)
                .min(p.activation_max) as i16
        },
    );
}

/// Float max pooling.
pub fn max_pool_2d_f32(p: &PoolF32Params, input: &[f32], output: &mut [f32]) {
    pool_loop(
        &p.geometry,
        input,
        output,
        f32::MIN,
        |acc, x| if acc < x { x } else { acc },
        |acc, _| activation_f32(acc, p.activation_min, p.activation_max),
    );
}

/// int8 max pooling.
pub fn max_pool_2d_s8(p: &PoolQuantParams, input: &[i8], output: &mut [i8]) {
    pool_loop(
        &p.geometry,
        input,
        output,
        i8::MIN,
        |acc, x| acc.max(x),
        |acc, _| i32::from(acc).max(p.activation_min).min(p.activation_max) as i8,
    );
}

/// int16 max pooling.
pub fn max_pool_2d_s16(p: &PoolQuantParams, input: &[i16], output: &mut [i16]) {
    pool_loop(
        &p.geometry,
        input,
        output,
        i16::MIN,
        |acc, x| acc.max(x),
        |acc, _| i32::from(acc).max(p.activation_min).min(p.activation_max) as i16,
    );
}

/// Whether the `_x4` int8 kernels run a layer: channels in fours, no padding and every window
/// (not empty) wholly inside the input (so every average divides by the full window), the
/// activation range within int8 and not empty, and the slices (lengths `input`, `output`)
/// holding every tensor.
pub fn pool_x4_fits(p: &PoolQuantParams, input: usize, output: usize) -> bool {
    let g = &p.geometry;
    let need = || {
        let reach = |out: usize, stride: usize, filter: usize| {
            out.checked_sub(1)?.checked_mul(stride)?.checked_add(filter)
        };
        let inside = reach(g.output_height, g.stride_height, g.filter_height)? <= g.input_height
            && reach(g.output_width, g.stride_width, g.filter_width)? <= g.input_width;
        let pixels = |h: usize, w: usize| {
            g.batches
                .checked_mul(h)?
                .checked_mul(w)?
                .checked_mul(g.depth)
        };
        let (i, o) = (
            pixels(g.input_height, g.input_width)?,
            pixels(g.output_height, g.output_width)?,
        );
        Some(inside && i <= input && o <= output)
    };
    g.depth > 0
        && g.depth.is_multiple_of(4)
        && g.filter_height > 0
        && g.filter_width > 0
        && g.pad_height == 0
        && g.pad_width == 0
        && -128 <= p.activation_min
        && p.activation_min <= p.activation_max
        && p.activation_max <= 127
        && need().unwrap_or(false)
}

/// The four bytes of `x` from `i` as a little-endian word (0 past the end).
#[inline(always)]
fn load4(x: &[i8], i: usize) -> u32 {
    match x.get(i..).and_then(|s| s.first_chunk::<4>()) {
        Some(b) => u32::from_le_bytes(b.map(|v| v as u8)),
        None => 0,
    }
}

/// Visits every set of four output channels in NHWC order with the words of its window (whole,
/// see [`pool_x4_fits`]) in TFLM's order (window row, window column), four channels per word: the
/// first word starts the accumulator, `add` takes in the others, `finish` gives the output word.
#[inline(always)]
fn pool_words<A: Copy>(
    g: &PoolGeometry,
    input: &[i8],
    output: &mut [i8],
    mut first: impl FnMut(u32) -> A,
    mut add: impl FnMut(A, u32) -> A,
    mut finish: impl FnMut(A) -> u32,
) {
    let d = g.depth;
    let row = g.input_width * d;
    let mut out = output.chunks_exact_mut(4);
    for b in 0..g.batches {
        for oy in 0..g.output_height {
            let y = (b * g.input_height + oy * g.stride_height) * row;
            for ox in 0..g.output_width {
                let base = y + ox * g.stride_width * d;
                for c in 0..d / 4 {
                    let tap = |fy: usize, fx: usize| load4(input, base + fy * row + fx * d + 4 * c);
                    let mut acc = first(tap(0, 0));
                    for fx in 1..g.filter_width {
                        acc = add(acc, tap(0, fx));
                    }
                    for fy in 1..g.filter_height {
                        for fx in 0..g.filter_width {
                            acc = add(acc, tap(fy, fx));
                        }
                    }
                    let Some(o) = out.next() else {
                        return;
                    };
                    for (o, v) in o.iter_mut().zip(finish(acc).to_le_bytes()) {
                        *o = v as i8;
                    }
                }
            }
        }
    }
}

/// int8 average pooling four channels at a time, as [`avg_pool_2d_s8`] for a window of 2 to 256
/// elements, a power of two, that [`pool_x4_fits`] (else it runs [`avg_pool_2d_s8`]): the window
/// sums in 16-bit lanes (even and odd channels) gain `n/2 − 1`, and 1 more where positive, and
/// an arithmetic shift by log2 `n` then gives TFLM's rounded quotient (`(sum ± n/2) / n`, which
/// lies in int8: only each lane's low byte is kept).
pub fn avg_pool_2d_x4_s8(p: &PoolQuantParams, input: &[i8], output: &mut [i8]) {
    let g = &p.geometry;
    let n = g.filter_height.saturating_mul(g.filter_width);
    if !(2..=256).contains(&n)
        || !n.is_power_of_two()
        || !pool_x4_fits(p, input.len(), output.len())
    {
        return avg_pool_2d_s8(p, input, output);
    }
    let k = n.trailing_zeros();
    let half_less_one = (n as u32 / 2 - 1) * 0x0001_0001;
    pool_words(
        g,
        input,
        output,
        |w| (sxtb16(w), sxtb16_ror8(w)),
        |(e, o), w| (sxtab16(e, w), sxtab16_ror8(o, w)),
        |(e, o)| {
            let e = add_positive_s16x2(e, half_less_one) >> k;
            let o = add_positive_s16x2(o, half_less_one) >> k;
            clamp_s8x4(interleave_lanes(e, o), p.activation_min, p.activation_max)
        },
    );
}

/// int8 max pooling four channels at a time, as [`max_pool_2d_s8`] for a layer that
/// [`pool_x4_fits`] (else it runs [`max_pool_2d_s8`]).
pub fn max_pool_2d_x4_s8(p: &PoolQuantParams, input: &[i8], output: &mut [i8]) {
    if !pool_x4_fits(p, input.len(), output.len()) {
        return max_pool_2d_s8(p, input, output);
    }
    pool_words(
        &p.geometry,
        input,
        output,
        |w| w,
        max_s8x4,
        |m| clamp_s8x4(m, p.activation_min, p.activation_max),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(
        input: (usize, usize, usize),
        output: (usize, usize),
        filter: usize,
        stride: usize,
        pad: usize,
    ) -> PoolGeometry {
        PoolGeometry {
            batches: 1,
            input_height: input.0,
            input_width: input.1,
            depth: input.2,
            output_height: output.0,
            output_width: output.1,
            filter_height: filter,
            filter_width: filter,
            stride_height: stride,
            stride_width: stride,
            pad_height: pad,
            pad_width: pad,
        }
    }

    #[test]
    fn average_divides_by_the_clipped_window() {
        // 3x3 input, 2x2 window, stride 2, SAME: output 2x2, windows of 4, 2, 2 and 1 elements.
        let geometry = g((3, 3, 1), (2, 2), 2, 2, 0);
        let input: Vec<f32> = (1..=9).map(|v| v as f32).collect();
        let mut out = [0.0f32; 4];
        avg_pool_2d_f32(
            &PoolF32Params {
                geometry,
                activation_min: f32::MIN,
                activation_max: f32::MAX,
            },
            &input,
            &mut out,
        );
        assert_eq!(out, [3.0, 4.5, 7.5, 9.0]);
        avg_pool_2d_f32(
            &PoolF32Params {
                geometry,
                activation_min: 0.0,
                activation_max: 6.0,
            },
            &input,
            &mut out,
        );
        assert_eq!(out, [3.0, 4.5, 6.0, 6.0]);
    }

    #[test]
    fn integer_average_rounds_half_away_from_zero() {
        let geometry = g((1, 2, 1), (1, 1), 2, 2, 0);
        let p = PoolQuantParams {
            geometry: PoolGeometry {
                filter_height: 1,
                ..geometry
            },
            activation_min: -128,
            activation_max: 127,
        };
        let mut out = [0i8; 1];
        for (input, want) in [
            ([1, 2], 2),
            ([-1, -2], -2),
            ([1, 0], 1),
            ([-1, 0], -1),
            ([0, 0], 0),
            ([-128, -127], -128),
            ([2, 3], 3),
        ] {
            avg_pool_2d_s8(&p, &input, &mut out);
            assert_eq!(out, [want], "{input:?}");
        }
        // Window of 3: 1/3 → 0, 2/3 → 1, -2/3 → -1.
        let p3 = PoolQuantParams {
            geometry: PoolGeometry {
                input_width: 3,
                filter_width: 3,
                filter_height: 1,
                ..geometry
            },
            activation_min: -32768,
            activation_max: 32767,
        };
        let mut out16 = [0i16; 1];
        for (input, want) in [
            ([1, 0, 0], 0),
            ([1, 1, 0], 1),
            ([-1, -1, 0], -1),
            ([32767, 32767, 32767], 32767),
        ] {
            avg_pool_2d_s16(&p3, &input, &mut out16);
            assert_eq!(out16, [want], "{input:?}");
        }
    }

    #[test]
    fn average_clamps_to_activation() {
        let geometry = g((1, 1, 2), (1, 1), 1, 1, 0);
        let p = PoolQuantParams {
            geometry,
            activation_min: -100,
            activation_max: 5,
        };
        let mut out = [0i8; 2];
        avg_pool_2d_s8(&p, &[-120, 20], &mut out);
        assert_eq!(out, [-100, 5]);
    }

    #[test]
    fn max_pool_with_padding_and_channels() {
        // 2x3 input with 2 channels, 2x2 window, stride 1, padding 1 on top/left: output 2x3.
        let geometry = PoolGeometry {
            output_height: 2,
            output_width: 3,
            ..g((2, 3, 2), (2, 3), 2, 1, 1)
        };
        let input: Vec<i8> = vec![1, -1, 5, -5, 2, -2, 7, -7, 3, -3, 4, -4];
        let mut out = [0i8; 12];
        max_pool_2d_s8(
            &PoolQuantParams {
                geometry,
                activation_min: -128,
                activation_max: 127,
            },
            &input,
            &mut out,
        );
        assert_eq!(out, [1, -1, 5, -1, 5, -2, 7, -1, 7, -1, 5, -2]);
        max_pool_2d_s8(
            &PoolQuantParams {
                geometry,
                activation_min: 0,
                activation_max: 6,
            },
            &input,
            &mut out,
        );
        assert_eq!(out, [1, 0, 5, 0, 5, 0, 6, 0, 6, 0, 5, 0]);
        let f: Vec<f32> = input.iter().map(|v| f32::from(*v)).collect();
        let mut fo = [0.0f32; 12];
        max_pool_2d_f32(
            &PoolF32Params {
                geometry,
                activation_min: f32::MIN,
                activation_max: f32::MAX,
            },
            &f,
            &mut fo,
        );
        assert_eq!(
            fo,
            [1.0, -1.0, 5.0, -1.0, 5.0, -2.0, 7.0, -1.0, 7.0, -1.0, 5.0, -2.0]
        );
        let i16s: Vec<i16> = input.iter().map(|v| i16::from(*v) * 100).collect();
        let mut o16 = [0i16; 12];
        max_pool_2d_s16(
            &PoolQuantParams {
                geometry,
                activation_min: -32768,
                activation_max: 32767,
            },
            &i16s,
            &mut o16,
        );
        assert_eq!(
            o16,
            [100, -100, 500, -100, 500, -200, 700, -100, 700, -100, 500, -200]
        );
    }

    /// TFLM's AveragePool (int8), transcribed, on random windows, strides and padding.
    #[test]
    fn random_average_pools_match_tflm_loop() {
        let mut seed = 11u64;
        let mut next = |n: usize| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((seed >> 33) as usize) % n
        };
        for _ in 0..300 {
            let geometry = PoolGeometry {
                batches: 1 + next(2),
                input_height: 1 + next(6),
                input_width: 1 + next(6),
                depth: 1 + next(3),
                output_height: 1 + next(4),
                output_width: 1 + next(4),
                filter_height: 1 + next(4),
                filter_width: 1 + next(4),
                stride_height: 1 + next(3),
                stride_width: 1 + next(3),
                pad_height: next(2),
                pad_width: next(2),
            };
            let g = geometry;
            let input: Vec<i8> = (0..g.batches * g.input_height * g.input_width * g.depth)
                .map(|_| next(256) as i8)
                .collect();
            let mut want = Vec::new();
            let mut valid = true;
            for b in 0..g.batches {
                for oy in 0..g.output_height {
                    for ox in 0..g.output_width {
                        for c in 0..g.depth {
                            let x0 = (ox * g.stride_width) as i64 - g.pad_width as i64;
                            let y0 = (oy * g.stride_height) as i64 - g.pad_height as i64;
                            let (fx0, fx1) = (
                                (-x0).max(0),
                                (g.filter_width as i64).min(g.input_width as i64 - x0),
                            );
                            let (fy0, fy1) = (
                                (-y0).max(0),
                                (g.filter_height as i64).min(g.input_height as i64 - y0),
                            );
                            let (mut acc, mut n) = (0i32, 0i32);
                            for fy in fy0..fy1 {
                                for fx in fx0..fx1 {
                                    let (iy, ix) = ((y0 + fy) as usize, (x0 + fx) as usize);
                                    acc += i32::from(
                                        input[((b * g.input_height + iy) * g.input_width + ix)
                                            * g.depth
                                            + c],
                                    );
                                    n += 1;
                                }
                            }
                            if n == 0 {
                                valid = false;
                                continue;
                            }
                            let avg = if acc > 0 {
                                (acc + n / 2) / n
                            } else {
                                (acc - n / 2) / n
                            };
                            want.push(avg.clamp(-90, 100) as i8);
                        }
                    }
                }
            }
            if !valid {
                continue; // TFLM rejects windows entirely outside the input
            }
            let mut got = vec![0i8; want.len()];
            avg_pool_2d_s8(
                &PoolQuantParams {
                    geometry,
                    activation_min: -90,
                    activation_max: 100,
                },
                &input,
                &mut got,
            );
            assert_eq!(got, want, "{geometry:?}");
        }
    }

    /// The `_x4` kernels against the reference ones on random layers, most of them ones the
    /// word kernels run (channels in fours, windows inside the input, windows of 1 to 256).
    #[test]
    fn random_x4_pools_match_the_reference() {
        let mut seed = 29u64;
        let mut next = |n: usize| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((seed >> 33) as usize) % n
        };
        let mut fast = [0usize; 2];
        for i in 0..2000 {
            let big = i % 50 == 0;
            let (fh, fw) = if big {
                (1 << next(5), 1 << next(5))
            } else {
                (1 + next(4), 1 + next(4))
            };
            let (sh, sw) = (1 + next(3), 1 + next(3));
            let (oh, ow) = (1 + next(3), 1 + next(3));
            let extra = |n: &mut dyn FnMut(usize) -> usize| if n(4) == 0 { n(3) } else { 0 };
            let geometry = PoolGeometry {
                batches: 1 + next(2),
                input_height: (oh - 1) * sh + fh + extra(&mut next),
                input_width: (ow - 1) * sw + fw + extra(&mut next),
                depth: if next(8) == 0 {
                    1 + next(9)
                } else {
                    4 * (1 + next(4))
                },
                output_height: oh,
                output_width: ow,
                filter_height: fh,
                filter_width: fw,
                stride_height: sh,
                stride_width: sw,
                pad_height: usize::from(next(10) == 0),
                pad_width: usize::from(next(10) == 0),
            };
            let (lo, hi) = match next(4) {
                0 => (-128, 127),
                1 => (next(256) as i32 - 128, 127),
                2 => (-128, next(256) as i32 - 128),
                _ => {
                    let a = next(256) as i32 - 128;
                    (a, a + next((128 - a) as usize) as i32)
                }
            };
            let p = PoolQuantParams {
                geometry,
                activation_min: lo,
                activation_max: hi,
            };
            let g = geometry;
            let skew = next(3);
            let input: Vec<i8> = (0..g.batches * g.input_height * g.input_width * g.depth)
                .map(|_| match skew {
                    0 => next(256) as i8,
                    1 => (next(8) as i8).wrapping_sub(4),
                    _ => [-128, 127, -127, 126][next(4)],
                })
                .collect();
            let len = g.batches * oh * ow * g.depth;
            for (j, (x4, reference)) in [
                (
                    avg_pool_2d_x4_s8 as fn(&_, &_, &mut _),
                    avg_pool_2d_s8 as fn(&_, &_, &mut _),
                ),
                (max_pool_2d_x4_s8, max_pool_2d_s8),
            ]
            .into_iter()
            .enumerate()
            {
                let (mut want, mut got) = (vec![0i8; len], vec![0i8; len]);
                reference(&p, &input, &mut want);
                x4(&p, &input, &mut got);
                assert_eq!(got, want, "{p:?}");
                fast[j] += usize::from(pool_x4_fits(&p, input.len(), len));
            }
        }
        assert!(fast[0] > 1000 && fast[1] > 1000, "{fast:?}");
    }
}
