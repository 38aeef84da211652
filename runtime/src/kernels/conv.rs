//! CONV_2D, DEPTHWISE_CONV_2D and TRANSPOSE_CONV, bit-exact with TFLM's reference kernels.
//!
//! Layouts (TFLite's): activations are `[batches, height, width, channels]` (NHWC);
//! CONV_2D and TRANSPOSE_CONV weights are `[output_depth, filter_height, filter_width, filter_depth]`;
//! DEPTHWISE_CONV_2D weights are `[1, filter_height, filter_width, output_depth]` with
//! `output_depth = input_depth · depth_multiplier` and output channel `c · depth_multiplier + m`
//! reading input channel `c`.
//!
//! Points of the window outside the input contribute nothing (zero padding in real values):
//! the quantized kernels keep `input_offset` inside the loop instead of folding it into the
//! bias, because the fold is not exact where the window hangs over the border.

use super::fully_connected::Requant;
use crate::quant::{multiply_by_quantized_multiplier, multiply_by_quantized_multiplier_i64};

/// Shapes, strides, dilations and padding of one convolution layer. Every field is computed by
/// the compiler; `pad_*` are TFLM's `padding_values` (the offset of the window origin).
#[derive(Clone, Copy, Debug)]
pub struct ConvGeometry {
    /// Batch size.
    pub batches: usize,
    /// Input height.
    pub input_height: usize,
    /// Input width.
    pub input_width: usize,
    /// Input channels.
    pub input_depth: usize,
    /// Output height.
    pub output_height: usize,
    /// Output width.
    pub output_width: usize,
    /// Output channels.
    pub output_depth: usize,
    /// Filter height.
    pub filter_height: usize,
    /// Filter width.
    pub filter_width: usize,
    /// Input channels seen by one filter: `input_depth / groups` for CONV_2D, `input_depth` for
    /// TRANSPOSE_CONV, unused (1) for DEPTHWISE_CONV_2D.
    pub filter_depth: usize,
    /// Vertical stride.
    pub stride_height: usize,
    /// Horizontal stride.
    pub stride_width: usize,
    /// Vertical dilation (1 for TRANSPOSE_CONV).
    pub dilation_height: usize,
    /// Horizontal dilation (1 for TRANSPOSE_CONV).
    pub dilation_width: usize,
    /// Rows of padding above the input (or, for TRANSPOSE_CONV, cropped from the output top).
    pub pad_height: usize,
    /// Columns of padding left of the input (or cropped from the output's left).
    pub pad_width: usize,
}

/// Parameters of the float32 convolution kernels.
#[derive(Clone, Copy, Debug)]
pub struct ConvF32Params {
    /// Shapes and window.
    pub geometry: ConvGeometry,
    /// Lower clamp of the fused activation.
    pub activation_min: f32,
    /// Upper clamp of the fused activation.
    pub activation_max: f32,
}

/// Parameters of the int8 and int16 convolution kernels (requantization constants are passed
/// separately as a [`Requant`]).
#[derive(Clone, Copy, Debug)]
pub struct ConvQuantParams {
    /// Shapes and window.
    pub geometry: ConvGeometry,
    /// Minus the input zero point, added to every input value (int8 only; 0 for int16).
    pub input_offset: i32,
    /// Output zero point, added after requantization (int8 only; 0 for int16).
    pub output_offset: i32,
    /// Lower clamp (quantized) of the fused activation.
    pub activation_min: i32,
    /// Upper clamp (quantized) of the fused activation.
    pub activation_max: i32,
}

/// C++'s `std::min(std::max(x, lo), hi)`, TFLM's `ActivationFunctionWithMinMax`.
#[inline(always)]
pub(crate) fn activation_f32(x: f32, lo: f32, hi: f32) -> f32 {
    crate::float::clamp_f32(x, lo, hi)
}

/// Position `origin + step · k` if it lies in `0..limit`.
#[inline(always)]
fn inside(origin: isize, step: usize, k: usize, limit: usize) -> Option<usize> {
    let v = origin + (step * k) as isize;
    if v >= 0 && (v as usize) < limit {
        Some(v as usize)
    } else {
        None
    }
}

/// Visits every output element of a CONV_2D in NHWC order. For each one, `dot` is called once per
/// filter tap inside the input with the input channels and the weights of that tap, in TFLM's
/// order (filter row, filter column); `finish` turns the accumulator into the output value.
#[inline(always)]
fn conv_2d_loop<T, W, O, A: Copy>(
    g: &ConvGeometry,
    input: &[T],
    weights: &[W],
    output: &mut [O],
    zero: A,
    mut dot: impl FnMut(A, &[T], &[W]) -> A,
    mut finish: impl FnMut(usize, A) -> O,
) {
    let fd = g.filter_depth.max(1);
    let groups = (g.input_depth / fd).max(1);
    let per_group = (g.output_depth / groups).max(1);
    let mut out = output.iter_mut();
    for b in 0..g.batches {
        for oy in 0..g.output_height {
            let y0 = (oy * g.stride_height) as isize - g.pad_height as isize;
            for ox in 0..g.output_width {
                let x0 = (ox * g.stride_width) as isize - g.pad_width as isize;
                for oc in 0..g.output_depth {
                    let first_channel = (oc / per_group) * fd;
                    let mut acc = zero;
                    for fy in 0..g.filter_height {
                        let Some(iy) = inside(y0, g.dilation_height, fy, g.input_height) else {
                            continue;
                        };
                        for fx in 0..g.filter_width {
                            let Some(ix) = inside(x0, g.dilation_width, fx, g.input_width) else {
                                continue;
                            };
                            let at = ((b * g.input_height + iy) * g.input_width + ix)
                                * g.input_depth
                                + first_channel;
                            let wat = ((oc * g.filter_height + fy) * g.filter_width + fx) * fd;
                            if let (Some(xs), Some(ws)) =
                                (input.get(at..at + fd), weights.get(wat..wat + fd))
                            {
                                acc = dot(acc, xs, ws);
                            }
                        }
                    }
                    match out.next() {
                        Some(o) => *o = finish(oc, acc),
                        None => return,
                    }
                }
            }
        }
    }
}

/// Float CONV_2D (grouped when `filter_depth < input_depth`). `bias` is empty or has
/// `output_depth` elements.
pub fn conv_2d_f32(
    p: &ConvF32Params,
    input: &[f32],
    weights: &[f32],
    bias: &[f32],
    output: &mut [f32],
) {
    conv_2d_loop(
        &p.geometry,
        input,
        weights,
        output,
        0.0f32,
        |mut acc, xs, ws| {
            for (x, w) in xs.iter().zip(ws) {
                acc += x * w;
            }
            acc
        },
        |oc, acc| {
            activation_f32(
                acc + bias.get(oc).copied().unwrap_or(0.0),
                p.activation_min,
                p.activation_max,
            )
        },
    );
}

/// int8 CONV_2D with int8 weights (per-channel or per-tensor) and int32 bias (empty or
/// `output_depth` elements).
pub fn conv_2d_s8(
    p: &ConvQuantParams,
    rq: &Requant<'_>,
    input: &[i8],
    weights: &[i8],
    bias: &[i32],
    output: &mut [i8],
) {
    let offset = p.input_offset;
    conv_2d_loop(
        &p.geometry,
        input,
        weights,
        output,
        0i32,
        |mut acc, xs, ws| {
            for (x, w) in xs.iter().zip(ws) {
                acc = acc.wrapping_add(i32::from(*w) * (i32::from(*x) + offset));
            }
            acc
        },
        |oc, acc| {
            requantize_s8(
                p,
                rq,
                oc,
                acc.wrapping_add(bias.get(oc).copied().unwrap_or(0)),
            )
        },
    );
}

/// int16 CONV_2D with int8 weights and int64 bias ("16x8"; zero points are 0).
pub fn conv_2d_s16(
    p: &ConvQuantParams,
    rq: &Requant<'_>,
    input: &[i16],
    weights: &[i8],
    bias: &[i64],
    output: &mut [i16],
) {
    conv_2d_loop(
        &p.geometry,
        input,
        weights,
        output,
        0i64,
        |mut acc, xs, ws| {
            for (x, w) in xs.iter().zip(ws) {
                acc = acc.wrapping_add(i64::from(i32::from(*w) * i32::from(*x)));
            }
            acc
        },
        |oc, acc| {
            requantize_s16(
                p,
                rq,
                oc,
                acc.wrapping_add(bias.get(oc).copied().unwrap_or(0)),
            )
        },
    );
}

/// int16 CONV_2D with int8 weights and an int32 bias or none: TFLM accumulates these in 32 bits
/// (wrapping) and requantizes with the 32-bit `MultiplyByQuantizedMultiplier`, unlike the int64
/// bias variant [`conv_2d_s16`].
pub fn conv_2d_acc32_s16(
    p: &ConvQuantParams,
    rq: &Requant<'_>,
    input: &[i16],
    weights: &[i8],
    bias: &[i32],
    output: &mut [i16],
) {
    conv_2d_loop(
        &p.geometry,
        input,
        weights,
        output,
        0i32,
        |mut acc, xs, ws| {
            for (x, w) in xs.iter().zip(ws) {
                acc = acc.wrapping_add(i32::from(*w) * i32::from(*x));
            }
            acc
        },
        |oc, acc| {
            let (m, s) = rq.channel(oc);
            let v = multiply_by_quantized_multiplier(
                acc.wrapping_add(bias.get(oc).copied().unwrap_or(0)),
                m,
                s,
            );
            v.max(p.activation_min).min(p.activation_max) as i16
        },
    );
}

#[inline(always)]
fn requantize_s8(p: &ConvQuantParams, rq: &Requant<'_>, channel: usize, acc: i32) -> i8 {
    let (m, s) = rq.channel(channel);
    let v = multiply_by_quantized_multiplier(acc, m, s).wrapping_add(p.output_offset);
    v.max(p.activation_min).min(p.activation_max) as i8
}

#[inline(always)]
fn requantize_s16(p: &ConvQuantParams, rq: &Requant<'_>, channel: usize, acc: i64) -> i16 {
    let (m, s) = rq.channel(channel);
    let v = multiply_by_quantized_multiplier_i64(acc, m, s);
    v.max(p.activation_min).min(p.activation_max) as i16
}

/// Visits every output element of a DEPTHWISE_CONV_2D in NHWC order; `tap` is called per filter
/// tap inside the input with the input value and the weight, in TFLM's order.
#[inline(always)]
fn depthwise_loop<T: Copy, W: Copy, O, A: Copy>(
    g: &ConvGeometry,
    input: &[T],
    weights: &[W],
    output: &mut [O],
    zero: A,
    mut tap: impl FnMut(A, T, W) -> A,
    mut finish: impl FnMut(usize, A) -> O,
) {
    let multiplier = g.output_depth.checked_div(g.input_depth).unwrap_or(0);
    let mut out = output.iter_mut();
    for b in 0..g.batches {
        for oy in 0..g.output_height {
            let y0 = (oy * g.stride_height) as isize - g.pad_height as isize;
            for ox in 0..g.output_width {
                let x0 = (ox * g.stride_width) as isize - g.pad_width as isize;
                for ic in 0..g.input_depth {
                    for m in 0..multiplier {
                        let oc = ic * multiplier + m;
                        let mut acc = zero;
                        for fy in 0..g.filter_height {
                            let Some(iy) = inside(y0, g.dilation_height, fy, g.input_height) else {
                                continue;
                            };
                            for fx in 0..g.filter_width {
                                let Some(ix) = inside(x0, g.dilation_width, fx, g.input_width)
                                else {
                                    continue;
                                };
                                let at = ((b * g.input_height + iy) * g.input_width + ix)
                                    * g.input_depth
                                    + ic;
                                let wat = (fy * g.filter_width + fx) * g.output_depth + oc;
                                if let (Some(x), Some(w)) = (input.get(at), weights.get(wat)) {
                                    acc = tap(acc, *x, *w);
                                }
                            }
                        }
                        match out.next() {
                            Some(o) => *o = finish(oc, acc),
                            None => return,
                        }
                    }
                }
            }
        }
    }
}

/// Float DEPTHWISE_CONV_2D. `bias` is empty or has `output_depth` elements.
pub fn depthwise_conv_2d_f32(
    p: &ConvF32Params,
    input: &[f32],
    weights: &[f32],
    bias: &[f32],
    output: &mut [f32],
) {
    depthwise_loop(
        &p.geometry,
        input,
        weights,
        output,
        0.0f32,
        |acc, x, w| acc + x * w,
        |oc, acc| {
            activation_f32(
                acc + bias.get(oc).copied().unwrap_or(0.0),
                p.activation_min,
                p.activation_max,
            )
        },
    );
}

/// int8 DEPTHWISE_CONV_2D with int8 weights (per-channel along the output channels, or
/// per-tensor) and int32 bias.
pub fn depthwise_conv_2d_s8(
    p: &ConvQuantParams,
    rq: &Requant<'_>,
    input: &[i8],
    weights: &[i8],
    bias: &[i32],
    output: &mut [i8],
) {
    let offset = p.input_offset;
    depthwise_loop(
        &p.geometry,
        input,
        weights,
        output,
        0i32,
        |acc, x, w| acc.wrapping_add(i32::from(w) * (i32::from(x) + offset)),
        |oc, acc| {
            requantize_s8(
                p,
                rq,
                oc,
                acc.wrapping_add(bias.get(oc).copied().unwrap_or(0)),
            )
        },
    );
}

/// int16 DEPTHWISE_CONV_2D with int8 weights and int64 bias ("16x8").
pub fn depthwise_conv_2d_s16(
    p: &ConvQuantParams,
    rq: &Requant<'_>,
    input: &[i16],
    weights: &[i8],
    bias: &[i64],
    output: &mut [i16],
) {
    depthwise_loop(
        &p.geometry,
        input,
        weights,
        output,
        0i64,
        |acc, x, w| acc.wrapping_add(i64::from(w) * i64::from(x)),
        |oc, acc| {
            requantize_s16(
                p,
                rq,
                oc,
                acc.wrapping_add(bias.get(oc).copied().unwrap_or(0)),
            )
        },
    );
}

/// The input rows (or columns) `i` whose window covers output row `o`: `o = i·stride − pad + k`
/// with `0 ≤ k < filter`, clipped to `0..input`. Returned as `(first, end)`.
#[inline(always)]
fn transpose_sources(
    o: usize,
    stride: usize,
    pad: usize,
    filter: usize,
    input: usize,
) -> (usize, usize) {
    let stride = stride.max(1);
    let top = o + pad; // i·stride ≤ top and i·stride > top − filter
    let end = (top / stride + 1).min(input);
    let first = if top + 1 > filter {
        (top + 1 - filter).div_ceil(stride)
    } else {
        0
    };
    (first, end.max(first))
}

/// Visits every output element of a TRANSPOSE_CONV in NHWC order, gathering the contributions
/// that TFLM's reference kernel scatters. For one output element TFLM adds contributions in the
/// order (input row, input column, input channel); this loop uses the same order, so float
/// results are identical.
#[inline(always)]
fn transpose_loop<T: Copy, W: Copy, O, A: Copy>(
    g: &ConvGeometry,
    input: &[T],
    weights: &[W],
    output: &mut [O],
    zero: A,
    mut tap: impl FnMut(A, T, W) -> A,
    mut finish: impl FnMut(usize, A) -> O,
) {
    let depth = g.input_depth;
    let mut out = output.iter_mut();
    for b in 0..g.batches {
        for oy in 0..g.output_height {
            let (y_first, y_end) = transpose_sources(
                oy,
                g.stride_height,
                g.pad_height,
                g.filter_height,
                g.input_height,
            );
            for ox in 0..g.output_width {
                let (x_first, x_end) = transpose_sources(
                    ox,
                    g.stride_width,
                    g.pad_width,
                    g.filter_width,
                    g.input_width,
                );
                for oc in 0..g.output_depth {
                    let mut acc = zero;
                    for iy in y_first..y_end {
                        let fy = oy + g.pad_height - iy * g.stride_height;
                        for ix in x_first..x_end {
                            let fx = ox + g.pad_width - ix * g.stride_width;
                            let at = ((b * g.input_height + iy) * g.input_width + ix) * depth;
                            let wat = ((oc * g.filter_height + fy) * g.filter_width + fx) * depth;
                            if let (Some(xs), Some(ws)) =
                                (input.get(at..at + depth), weights.get(wat..wat + depth))
                            {
                                for (x, w) in xs.iter().zip(ws) {
                                    acc = tap(acc, *x, *w);
                                }
                            }
                        }
                    }
                    match out.next() {
                        Some(o) => *o = finish(oc, acc),
                        None => return,
                    }
                }
            }
        }
    }
}

/// Float TRANSPOSE_CONV. `bias` is empty or has `output_depth` elements.
pub fn transpose_conv_f32(
    p: &ConvF32Params,
    input: &[f32],
    weights: &[f32],
    bias: &[f32],
    output: &mut [f32],
) {
    transpose_loop(
        &p.geometry,
        input,
        weights,
        output,
        0.0f32,
        |acc, x, w| acc + x * w,
        |oc, acc| {
            activation_f32(
                acc + bias.get(oc).copied().unwrap_or(0.0),
                p.activation_min,
                p.activation_max,
            )
        },
    );
}

/// int8 TRANSPOSE_CONV with int8 weights (per-channel or per-tensor) and int32 bias.
pub fn transpose_conv_s8(
    p: &ConvQuantParams,
    rq: &Requant<'_>,
    input: &[i8],
    weights: &[i8],
    bias: &[i32],
    output: &mut [i8],
) {
    let offset = p.input_offset;
    transpose_loop(
        &p.geometry,
        input,
        weights,
        output,
        0i32,
        |acc, x, w| acc.wrapping_add((i32::from(x) + offset) * i32::from(w)),
        |oc, acc| {
            requantize_s8(
                p,
                rq,
                oc,
                acc.wrapping_add(bias.get(oc).copied().unwrap_or(0)),
            )
        },
    );
}

/// int16 TRANSPOSE_CONV with int8 weights and int64 bias ("16x8").
pub fn transpose_conv_s16(
    p: &ConvQuantParams,
    rq: &Requant<'_>,
    input: &[i16],
    weights: &[i8],
    bias: &[i64],
    output: &mut [i16],
) {
    transpose_loop(
        &p.geometry,
        input,
        weights,
        output,
        0i64,
        |acc, x, w| acc.wrapping_add(i64::from(x) * i64::from(w)),
        |oc, acc| {
            requantize_s16(
                p,
                rq,
                oc,
                acc.wrapping_add(bias.get(oc).copied().unwrap_or(0)),
            )
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    const NONE: (f32, f32) = (f32::MIN, f32::MAX);

    fn geometry(
        (ih, iw, id): (usize, usize, usize),
        (oh, ow, od): (usize, usize, usize),
        (kh, kw, kd): (usize, usize, usize),
        stride: usize,
        dilation: usize,
        pad: (usize, usize),
    ) -> ConvGeometry {
        ConvGeometry {
            batches: 1,
            input_height: ih,
            input_width: iw,
            input_depth: id,
            output_height: oh,
            output_width: ow,
            output_depth: od,
            filter_height: kh,
            filter_width: kw,
            filter_depth: kd,
            stride_height: stride,
            stride_width: stride,
            dilation_height: dilation,
            dilation_width: dilation,
            pad_height: pad.0,
            pad_width: pad.1,
        }
    }

    fn f32_params(geometry: ConvGeometry, (lo, hi): (f32, f32)) -> ConvF32Params {
        ConvF32Params {
            geometry,
            activation_min: lo,
            activation_max: hi,
        }
    }

    /// Naive float convolution with explicit zero padding, for cross-checking.
    fn naive_conv(g: &ConvGeometry, input: &[f32], weights: &[f32], bias: &[f32]) -> Vec<f32> {
        let mut out = Vec::new();
        for oy in 0..g.output_height {
            for ox in 0..g.output_width {
                for oc in 0..g.output_depth {
                    let mut s = 0.0f64;
                    for fy in 0..g.filter_height {
                        for fx in 0..g.filter_width {
                            let iy = (oy * g.stride_height + fy * g.dilation_height) as isize
                                - g.pad_height as isize;
                            let ix = (ox * g.stride_width + fx * g.dilation_width) as isize
                                - g.pad_width as isize;
                            if iy < 0
                                || ix < 0
                                || iy as usize >= g.input_height
                                || ix as usize >= g.input_width
                            {
                                continue;
                            }
                            for ic in 0..g.filter_depth {
                                let x = input[((iy as usize) * g.input_width + ix as usize)
                                    * g.input_depth
                                    + ic];
                                let w = weights[((oc * g.filter_height + fy) * g.filter_width
                                    + fx)
                                    * g.filter_depth
                                    + ic];
                                s += f64::from(x) * f64::from(w);
                            }
                        }
                    }
                    out.push(s as f32 + bias.get(oc).copied().unwrap_or(0.0));
                }
            }
        }
        out
    }

    #[test]
    fn conv_float_3x3_same_padding() {
        // 3x3 input, one channel, 3x3 all-ones filter, SAME padding: sums of neighbourhoods.
        let g = geometry((3, 3, 1), (3, 3, 1), (3, 3, 1), 1, 1, (1, 1));
        let input: Vec<f32> = (1..=9).map(|v| v as f32).collect();
        let mut out = [0.0f32; 9];
        conv_2d_f32(&f32_params(g, NONE), &input, &[1.0; 9], &[], &mut out);
        assert_eq!(out, [12.0, 21.0, 16.0, 27.0, 45.0, 33.0, 24.0, 39.0, 28.0]);
    }

    #[test]
    fn conv_float_stride_dilation_channels_bias_relu6() {
        // 5x5x2 input, 2 output channels, 2x2 filter dilated by 2, stride 2, padding 1.
        let g = geometry((5, 5, 2), (3, 3, 2), (2, 2, 2), 2, 2, (1, 1));
        let input: Vec<f32> = (0..50).map(|v| (v as f32) * 0.25 - 3.0).collect();
        let weights: Vec<f32> = (0..16).map(|v| (v as f32) * 0.125 - 1.0).collect();
        let bias = [0.5, -0.5];
        let mut out = [0.0f32; 18];
        conv_2d_f32(&f32_params(g, NONE), &input, &weights, &bias, &mut out);
        let want = naive_conv(&g, &input, &weights, &bias);
        for (o, w) in out.iter().zip(&want) {
            assert!((o - w).abs() < 1e-4, "{out:?} vs {want:?}");
        }
        conv_2d_f32(
            &f32_params(g, (0.0, 6.0)),
            &input,
            &weights,
            &bias,
            &mut out,
        );
        for (o, w) in out.iter().zip(&want) {
            assert!((o - w.clamp(0.0, 6.0)).abs() < 1e-4);
        }
    }

    #[test]
    fn conv_grouped() {
        // 2 groups: input channels [a, b], filters see one channel each.
        let g = geometry((1, 1, 2), (1, 1, 2), (1, 1, 1), 1, 1, (0, 0));
        let mut out = [0.0f32; 2];
        conv_2d_f32(
            &f32_params(g, NONE),
            &[3.0, 5.0],
            &[2.0, 10.0],
            &[],
            &mut out,
        );
        assert_eq!(out, [6.0, 50.0]);
    }

    #[test]
    fn conv_s8_keeps_input_offset_out_of_padding() {
        // 2x2 input, 2x2 filter of ones, SAME padding (pad 0 top/left, output 2x2): the bottom-right
        // output only sees one input pixel. Input zero point -10 → input_offset 10.
        let g = geometry((2, 2, 1), (2, 2, 1), (2, 2, 1), 1, 1, (0, 0));
        let p = ConvQuantParams {
            geometry: g,
            input_offset: 10,
            output_offset: -1,
            activation_min: -128,
            activation_max: 127,
        };
        let rq = Requant {
            multiplier: &[1 << 30],
            shift: &[1],
        }; // ×1
        let mut out = [0i8; 4];
        conv_2d_s8(&p, &rq, &[0, 1, 2, 3], &[1, 1, 1, 1], &[100], &mut out);
        // (0+10)+(1+10)+(2+10)+(3+10)=46 +100 -1 ; (1+10)+(3+10)=24+100-1 ; (2+10)+(3+10)=25+99 ; 13+99
        assert_eq!(out, [127, 123, 124, 112]);
    }

    #[test]
    fn conv_s8_per_channel_rounding_and_clamp() {
        let g = geometry((1, 1, 2), (1, 1, 3), (1, 1, 2), 1, 1, (0, 0));
        let p = ConvQuantParams {
            geometry: g,
            input_offset: 0,
            output_offset: 0,
            activation_min: -5,
            activation_max: 127,
        };
        // ×0.5, ×0.25, ×1
        let rq = Requant {
            multiplier: &[1 << 30, 1 << 30, 1 << 30],
            shift: &[0, -1, 1],
        };
        let mut out = [0i8; 3];
        // channel 0: 3*1+2*0 = 3 → 1.5 → 2 ; channel 1: -3*1-2*2 = -7 → -1.75 → -2 ; channel 2: -20 → clamp -5
        conv_2d_s8(
            &p,
            &rq,
            &[3, 2],
            &[1, 0, -1, -2, -4, -4],
            &[0, 0, 0],
            &mut out,
        );
        assert_eq!(out, [2, -2, -5]);
        // A negative tie: gemmlowp's doubling high multiply rounds -1.5 towards zero (TFLM does too).
        conv_2d_s8(&p, &rq, &[-3, 0], &[1, 0, 0, 0, 0, 0], &[0, 0, 0], &mut out);
        assert_eq!(out[0], -1);
        // A positive tie rounds up.
        conv_2d_s8(&p, &rq, &[3, 0], &[1, 0, 0, 0, 0, 0], &[0, 0, 0], &mut out);
        assert_eq!(out[0], 2);
    }

    #[test]
    fn conv_s16_uses_64_bit_accumulator() {
        let g = geometry((1, 2, 1), (1, 1, 1), (1, 2, 1), 1, 1, (0, 0));
        let p = ConvQuantParams {
            geometry: g,
            input_offset: 0,
            output_offset: 0,
            activation_min: -32768,
            activation_max: 32767,
        };
        let rq = Requant {
            multiplier: &[1 << 30],
            shift: &[-20],
        }; // 2^-21
        let mut out = [0i16; 1];
        // 32767·127·2 + 2^32 overflows i32 but not i64: 4303289714 / 2^21 = 2051.99…
        conv_2d_s16(&p, &rq, &[32767, 32767], &[127, 127], &[1 << 32], &mut out);
        assert_eq!(out, [2052]);
    }

    #[test]
    fn depthwise_float_multiplier_2_and_padding() {
        // 2x2x2 input, depth multiplier 2 (4 output channels), 2x2 filter, SAME (pad 0), stride 1.
        let g = geometry((2, 2, 2), (2, 2, 4), (2, 2, 1), 1, 1, (0, 0));
        let input = [1.0, 10.0, 2.0, 20.0, 3.0, 30.0, 4.0, 40.0];
        // weights [1, 2, 2, 4]: tap (fy,fx) × channel oc
        let weights: Vec<f32> = (0..16).map(|i| if i % 4 < 2 { 1.0 } else { 0.5 }).collect();
        let mut out = [0.0f32; 16];
        depthwise_conv_2d_f32(
            &f32_params(g, NONE),
            &input,
            &weights,
            &[0.0, 0.0, 1.0, 1.0],
            &mut out,
        );
        // output (0,0): ic0 sum 1+2+3+4=10 for oc 0,1 ; ic1 sum 100*0.5=50 (+1) for oc 2,3
        assert_eq!(&out[..4], &[10.0, 10.0, 51.0, 51.0]);
        // output (1,1): only pixel (1,1) → 4 ; 40*0.5+1 = 21
        assert_eq!(&out[12..], &[4.0, 4.0, 21.0, 21.0]);
    }

    #[test]
    fn depthwise_s8_and_s16() {
        let g = geometry((1, 3, 1), (1, 2, 2), (1, 2, 1), 1, 2, (0, 0)); // dilation 2 ⇒ width 3 → 1 output, but we pad
        let g = ConvGeometry {
            output_width: 2,
            pad_width: 1,
            ..g
        };
        let p = ConvQuantParams {
            geometry: g,
            input_offset: 1,
            output_offset: 3,
            activation_min: -128,
            activation_max: 127,
        };
        let rq = Requant {
            multiplier: &[1 << 30],
            shift: &[1],
        };
        let mut out = [0i8; 4];
        // weights [fx][oc]: fx0 = [1, 2], fx1 = [3, 4]
        depthwise_conv_2d_s8(&p, &rq, &[5, 6, 7], &[1, 2, 3, 4], &[0, 10], &mut out);
        // ox0: x0=-1: fx0 → -1 outside, fx1 → ix 1 (6+1=7): oc0 21+3=24, oc1 28+10+3=41
        // ox1: x0=0: fx0 ix0 (6), fx1 ix2 (8): oc0 6+24=30+3, oc1 12+32+10+3=57
        assert_eq!(out, [24, 41, 33, 57]);
        let p16 = ConvQuantParams {
            input_offset: 0,
            output_offset: 0,
            activation_min: -32768,
            activation_max: 32767,
            ..p
        };
        let mut out16 = [0i16; 4];
        depthwise_conv_2d_s16(&p16, &rq, &[5, 6, 7], &[1, 2, 3, 4], &[0, 10], &mut out16);
        assert_eq!(out16, [18, 24 + 10, 5 + 21, 10 + 28 + 10]);
    }

    #[test]
    fn transpose_conv_matches_scatter_definition() {
        // Scatter reference written directly from the definition.
        for (stride, pad, k) in [(1, 0, 3), (2, 0, 3), (2, 1, 3), (3, 1, 2), (2, 0, 2)] {
            let (ih, iw, id, od) = (3, 2, 2, 2);
            let oh = (ih - 1) * stride + k - 2 * pad;
            let ow = (iw - 1) * stride + k - 2 * pad;
            let g = ConvGeometry {
                batches: 1,
                input_height: ih,
                input_width: iw,
                input_depth: id,
                output_height: oh,
                output_width: ow,
                output_depth: od,
                filter_height: k,
                filter_width: k,
                filter_depth: id,
                stride_height: stride,
                stride_width: stride,
                dilation_height: 1,
                dilation_width: 1,
                pad_height: pad,
                pad_width: pad,
            };
            let input: Vec<i8> = (0..(ih * iw * id) as i32)
                .map(|v| (v * 7 % 23 - 11) as i8)
                .collect();
            let weights: Vec<i8> = (0..(od * k * k * id) as i32)
                .map(|v| (v * 5 % 17 - 8) as i8)
                .collect();
            let mut want = vec![0i32; oh * ow * od];
            for iy in 0..ih {
                for ix in 0..iw {
                    for ic in 0..id {
                        for fy in 0..k {
                            for fx in 0..k {
                                for oc in 0..od {
                                    let oy = (iy * stride + fy) as isize - pad as isize;
                                    let ox = (ix * stride + fx) as isize - pad as isize;
                                    if oy < 0 || ox < 0 || oy as usize >= oh || ox as usize >= ow {
                                        continue;
                                    }
                                    let x = i32::from(input[(iy * iw + ix) * id + ic]) + 3;
                                    let w = i32::from(weights[((oc * k + fy) * k + fx) * id + ic]);
                                    want[(oy as usize * ow + ox as usize) * od + oc] += x * w;
                                }
                            }
                        }
                    }
                }
            }
            let p = ConvQuantParams {
                geometry: g,
                input_offset: 3,
                output_offset: 0,
                activation_min: -128,
                activation_max: 127,
            };
            let rq = Requant {
                multiplier: &[1 << 30],
                shift: &[1],
            };
            let mut out = vec![0i8; oh * ow * od];
            transpose_conv_s8(&p, &rq, &input, &weights, &[0, 0], &mut out);
            let want8: Vec<i8> = want.iter().map(|v| (*v).clamp(-128, 127) as i8).collect();
            assert_eq!(out, want8, "stride {stride} pad {pad} k {k}");

            let fin: Vec<f32> = input.iter().map(|v| f32::from(*v) + 3.0).collect();
            let fw: Vec<f32> = weights.iter().map(|v| f32::from(*v)).collect();
            let mut fout = vec![0.0f32; oh * ow * od];
            transpose_conv_f32(&f32_params(g, NONE), &fin, &fw, &[0.5, 0.0], &mut fout);
            for (i, (o, w)) in fout.iter().zip(&want).enumerate() {
                let b = if i % od == 0 { 0.5 } else { 0.0 };
                assert_eq!(*o, *w as f32 + b);
            }
            let p16 = ConvQuantParams {
                input_offset: 0,
                activation_min: -32768,
                activation_max: 32767,
                ..p
            };
            let in16: Vec<i16> = input.iter().map(|v| i16::from(*v) + 3).collect();
            let mut out16 = vec![0i16; oh * ow * od];
            transpose_conv_s16(&p16, &rq, &in16, &weights, &[], &mut out16);
            let want16: Vec<i16> = want.iter().map(|v| *v as i16).collect();
            assert_eq!(out16, want16);
        }
    }

    #[test]
    fn float_activation_is_min_of_max() {
        assert_eq!(activation_f32(7.0, 0.0, 6.0), 6.0);
        assert_eq!(activation_f32(-1.0, 0.0, 6.0), 0.0);
        assert_eq!(activation_f32(2.5, f32::MIN, f32::MAX), 2.5);
    }

    /// A small deterministic generator for the randomized cross-checks.
    struct Lcg(u64);
    impl Lcg {
        fn next(&mut self, n: usize) -> usize {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((self.0 >> 33) as usize) % n.max(1)
        }
    }

    /// TFLM's ConvPerChannel (int8) and DepthwiseConvPerChannel (int8), transcribed loop for loop
    /// with plain indexing, compared bit for bit on random geometries.
    #[test]
    fn random_geometries_match_tflm_loops() {
        let mut r = Lcg(7);
        for _ in 0..200 {
            let (ih, iw) = (1 + r.next(7), 1 + r.next(7));
            let (kh, kw) = (1 + r.next(3), 1 + r.next(3));
            let (sh, sw, dh, dw) = (1 + r.next(3), 1 + r.next(3), 1 + r.next(2), 1 + r.next(2));
            let (ph, pw) = (r.next(3), r.next(3));
            let (oh, ow) = (1 + r.next(5), 1 + r.next(5));
            let groups = 1 + r.next(2);
            let fd = 1 + r.next(3);
            let id = fd * groups;
            let od = groups * (1 + r.next(3));
            let batches = 1 + r.next(2);
            let g = ConvGeometry {
                batches,
                input_height: ih,
                input_width: iw,
                input_depth: id,
                output_height: oh,
                output_width: ow,
                output_depth: od,
                filter_height: kh,
                filter_width: kw,
                filter_depth: fd,
                stride_height: sh,
                stride_width: sw,
                dilation_height: dh,
                dilation_width: dw,
                pad_height: ph,
                pad_width: pw,
            };
            let input: Vec<i8> = (0..batches * ih * iw * id)
                .map(|_| r.next(256) as i8)
                .collect();
            let weights: Vec<i8> = (0..od * kh * kw * fd).map(|_| r.next(255) as i8).collect();
            let bias: Vec<i32> = (0..od).map(|_| r.next(20000) as i32 - 10000).collect();
            let mult: Vec<i32> = (0..od)
                .map(|_| (1 << 30) + r.next(1 << 30) as i32)
                .collect();
            let shift: Vec<i8> = (0..od).map(|_| -(r.next(10) as i8)).collect();
            let rq = Requant {
                multiplier: &mult,
                shift: &shift,
            };
            let (input_offset, output_offset) =
                (r.next(256) as i32 - 128, r.next(256) as i32 - 128);
            let p = ConvQuantParams {
                geometry: g,
                input_offset,
                output_offset,
                activation_min: -100,
                activation_max: 120,
            };

            // CONV_2D
            let mut want = vec![0i8; batches * oh * ow * od];
            for b in 0..batches {
                for oy in 0..oh {
                    for ox in 0..ow {
                        for oc in 0..od {
                            let group = oc / (od / groups);
                            let mut acc = 0i32;
                            for fy in 0..kh {
                                for fx in 0..kw {
                                    let iy = (oy * sh) as i64 - ph as i64 + (dh * fy) as i64;
                                    let ix = (ox * sw) as i64 - pw as i64 + (dw * fx) as i64;
                                    if iy < 0 || ix < 0 || iy >= ih as i64 || ix >= iw as i64 {
                                        continue;
                                    }
                                    for c in 0..fd {
                                        let x = input[((b * ih + iy as usize) * iw + ix as usize)
                                            * id
                                            + c
                                            + group * fd];
                                        let w = weights[((oc * kh + fy) * kw + fx) * fd + c];
                                        acc += i32::from(w) * (i32::from(x) + input_offset);
                                    }
                                }
                            }
                            acc += bias[oc];
                            let v =
                                multiply_by_quantized_multiplier(acc, mult[oc], shift[oc].into())
                                    + output_offset;
                            want[((b * oh + oy) * ow + ox) * od + oc] = v.clamp(-100, 120) as i8;
                        }
                    }
                }
            }
            let mut got = vec![0i8; want.len()];
            conv_2d_s8(&p, &rq, &input, &weights, &bias, &mut got);
            assert_eq!(got, want, "conv {g:?}");

            // DEPTHWISE_CONV_2D with depth multiplier od / id (reuse the shapes with filter depth 1).
            let dm = 1 + r.next(3);
            let dod = id * dm;
            let g = ConvGeometry {
                output_depth: dod,
                filter_depth: 1,
                ..g
            };
            let dweights: Vec<i8> = (0..kh * kw * dod).map(|_| r.next(255) as i8).collect();
            let dbias: Vec<i32> = (0..dod).map(|_| r.next(2000) as i32 - 1000).collect();
            let dmult: Vec<i32> = (0..dod)
                .map(|_| (1 << 30) + r.next(1 << 30) as i32)
                .collect();
            let dshift: Vec<i8> = (0..dod).map(|_| -(r.next(8) as i8)).collect();
            let rq = Requant {
                multiplier: &dmult,
                shift: &dshift,
            };
            let p = ConvQuantParams { geometry: g, ..p };
            let mut want = vec![0i8; batches * oh * ow * dod];
            for b in 0..batches {
                for oy in 0..oh {
                    for ox in 0..ow {
                        for ic in 0..id {
                            for m in 0..dm {
                                let oc = m + ic * dm;
                                let mut acc = 0i32;
                                for fy in 0..kh {
                                    for fx in 0..kw {
                                        let iy = (oy * sh) as i64 - ph as i64 + (dh * fy) as i64;
                                        let ix = (ox * sw) as i64 - pw as i64 + (dw * fx) as i64;
                                        if iy < 0 || ix < 0 || iy >= ih as i64 || ix >= iw as i64 {
                                            continue;
                                        }
                                        let x = input
                                            [((b * ih + iy as usize) * iw + ix as usize) * id + ic];
                                        let w = dweights[(fy * kw + fx) * dod + oc];
                                        acc += i32::from(w) * (i32::from(x) + input_offset);
                                    }
                                }
                                acc += dbias[oc];
                                let v = multiply_by_quantized_multiplier(
                                    acc,
                                    dmult[oc],
                                    dshift[oc].into(),
                                ) + output_offset;
                                want[((b * oh + oy) * ow + ox) * dod + oc] =
                                    v.clamp(-100, 120) as i8;
                            }
                        }
                    }
                }
            }
            let mut got = vec![0i8; want.len()];
            depthwise_conv_2d_s8(&p, &rq, &input, &dweights, &dbias, &mut got);
            assert_eq!(got, want, "depthwise {g:?}");
        }
    }

    #[test]
    fn conv_s16_with_32_bit_bias_uses_double_rounding() {
        let g = geometry((1, 1, 1), (1, 1, 1), (1, 1, 1), 1, 1, (0, 0));
        let p = ConvQuantParams {
            geometry: g,
            input_offset: 0,
            output_offset: 0,
            activation_min: -32768,
            activation_max: 32767,
        };
        let rq = Requant {
            multiplier: &[1 << 30],
            shift: &[0],
        }; // ×0.5
        let mut out = [0i16; 1];
        // -3 × 0.5 = -1.5: the doubling high multiply rounds this tie towards zero.
        conv_2d_acc32_s16(&p, &rq, &[-3], &[1], &[], &mut out);
        assert_eq!(out, [-1]);
        let rq4 = Requant {
            multiplier: &[1 << 30],
            shift: &[-1],
        }; // ×0.25
           // -10 × 0.25 = -2.5: 32-bit: SRDHM(-10, 2^30) = -5 → RDBP(-5, 1) = -3 (ties away from zero);
           // 64-bit: floor(-2.5 + 0.5) = -2.
        conv_2d_acc32_s16(&p, &rq4, &[-10], &[1], &[0], &mut out);
        assert_eq!(out, [-3]);
        conv_2d_s16(&p, &rq4, &[-10], &[1], &[0], &mut out);
        assert_eq!(out, [-2]);
    }
}
