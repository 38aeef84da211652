//! Compile-time work shared by the windowed operators (CONV_2D, DEPTHWISE_CONV_2D,
//! TRANSPOSE_CONV, AVERAGE_POOL_2D, MAX_POOL_2D): TFLite's padding arithmetic
//! (`kernels/padding.h`), option checks, quantization checks and per-channel multipliers
//! (`PopulateConvolutionQuantizationParams`), and the tokens of the runtime geometry structs.

use proc_macro2::TokenStream;
use quote::quote;

use super::expect_dtype;
use crate::ir::{DType, Graph, Node, Tensor};
use crate::quantize::quantize_multiplier;

/// TFLite's padding schemes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Padding {
    /// Output size `ceil(input / stride)`, padding split with the extra row at the end.
    Same,
    /// No padding.
    Valid,
}

impl Padding {
    /// From the schema's `Padding` value.
    pub fn from_schema(v: i8) -> Result<Self, String> {
        match v {
            0 => Ok(Padding::Same),
            1 => Ok(Padding::Valid),
            v => Err(format!("unknown padding {v} (supported: SAME, VALID)")),
        }
    }
}

/// A stride, dilation or window size from the options: must be at least 1.
pub fn positive(v: i32, what: &str) -> Result<usize, String> {
    usize::try_from(v)
        .ok()
        .filter(|v| *v >= 1)
        .ok_or_else(|| format!("{what} is {v} (must be at least 1)"))
}

/// TFLite's `ComputeOutSize`: the output extent of a window sliding over `input`.
pub fn out_size(
    padding: Padding,
    input: usize,
    filter: usize,
    stride: usize,
    dilation: usize,
) -> usize {
    let effective = (filter.saturating_sub(1)) * dilation + 1;
    let stride = stride.max(1);
    match padding {
        Padding::Same => input.div_ceil(stride),
        Padding::Valid => (input + stride).saturating_sub(effective) / stride,
    }
}

/// TFLite's `ComputePaddingWithOffset`: the padding before the input (the extra row of an odd
/// total goes after it, which the kernels get for free by clipping).
pub fn pad_before(
    stride: usize,
    dilation: usize,
    input: usize,
    filter: usize,
    output: usize,
) -> usize {
    let effective = (filter.saturating_sub(1)) * dilation + 1;
    let total = (output.saturating_sub(1) * stride + effective).saturating_sub(input);
    total / 2
}

/// The four dimensions of an NHWC tensor.
pub fn nhwc(t: &Tensor, role: &str) -> Result<[usize; 4], String> {
    match t.shape[..] {
        [n, h, w, c] => Ok([n, h, w, c]),
        _ => Err(format!(
            "{role} '{}' has shape {}, expected rank 4 (NHWC)",
            t.name,
            t.describe()
        )),
    }
}

/// Input, weights, optional bias and output of a convolution, checked for presence.
pub struct ConvTensors {
    /// The activation input.
    pub input: usize,
    /// The constant weights.
    pub weights: usize,
    /// The constant bias, if any.
    pub bias: Option<usize>,
    /// The output.
    pub output: usize,
}

/// Reads the tensors of a convolution whose inputs are `[input, weights, bias?]` at positions
/// `at` (TRANSPOSE_CONV has its output-shape operand first).
pub fn conv_tensors(g: &Graph, node: &Node, at: [usize; 3]) -> Result<ConvTensors, String> {
    let (Some(input), Some(weights)) = (node.input(at[0]), node.input(at[1])) else {
        return Err("needs an input and a weights tensor".into());
    };
    let [output] = node.outputs[..] else {
        return Err(format!("has {} outputs, expected 1", node.outputs.len()));
    };
    let w = g.tensor(weights);
    // Float kernels read weights and bias from wherever they are, so float32 weights computed at
    // run time (DEQUANTIZE of float16 constants) are fine; integer paths fold them at compile time.
    let runtime_ok = w.dtype == DType::F32;
    if !w.is_const() && !runtime_ok {
        return Err(format!(
            "weights '{}' are not constant (only constant weights are supported)",
            w.name
        ));
    }
    let bias = node.input(at[2]);
    if let Some(b) = bias {
        let b = g.tensor(b);
        if !(b.is_const() || runtime_ok && b.dtype == DType::F32) {
            return Err(format!(
                "bias '{}' is not constant (only constant biases are supported)",
                b.name
            ));
        }
    }
    Ok(ConvTensors {
        input,
        weights,
        bias,
        output,
    })
}

/// The dtypes of a convolution's tensors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConvKind {
    /// float32 everywhere.
    F32,
    /// int8 activations, int8 weights, int32 bias.
    S8,
    /// int16 activations, int8 weights, int64 bias ("16x8").
    S16,
}

/// Checks the dtypes of a convolution and returns which kernel family applies. `bias_16x8`
/// lists the bias dtypes accepted with int16 input.
pub fn conv_kind(g: &Graph, t: &ConvTensors, bias_16x8: &[DType]) -> Result<ConvKind, String> {
    let it = expect_dtype(g, t.input, "input", &[DType::F32, DType::I8, DType::I16])?;
    let want = |i: usize, role: &str, dts: &[DType]| expect_dtype(g, i, role, dts).map(|_| ());
    let kind = match it {
        DType::F32 => {
            want(t.weights, "weights (with float32 input)", &[DType::F32])?;
            want(t.output, "output (with float32 input)", &[DType::F32])?;
            if let Some(b) = t.bias {
                want(b, "bias (with float32 input)", &[DType::F32])?;
            }
            ConvKind::F32
        }
        DType::I8 => {
            want(t.weights, "weights (with int8 input)", &[DType::I8])?;
            want(t.output, "output (with int8 input)", &[DType::I8])?;
            if let Some(b) = t.bias {
                want(b, "bias (with int8 input)", &[DType::I32])?;
            }
            ConvKind::S8
        }
        _ => {
            want(t.weights, "weights (with int16 input)", &[DType::I8])?;
            want(t.output, "output (with int16 input)", &[DType::I16])?;
            if let Some(b) = t.bias {
                want(b, "bias (with int16 input)", bias_16x8)?;
            }
            ConvKind::S16
        }
    };
    Ok(kind)
}

/// Checks the quantization of a quantized convolution: input, weights and output quantized,
/// symmetric weights with one scale or one per output channel along `axis`, and zero points of 0
/// on int16 activations.
pub fn check_conv_quant(
    g: &Graph,
    t: &ConvTensors,
    kind: ConvKind,
    channels: usize,
    axis: usize,
) -> Result<(), String> {
    if kind == ConvKind::F32 {
        return Ok(());
    }
    for i in [t.input, t.weights, t.output] {
        if g.tensor(i).quant.is_none() {
            return Err(format!(
                "tensor '{}' has no quantization parameters",
                g.tensor(i).name
            ));
        }
    }
    let w = g.tensor(t.weights);
    if let Some(q) = &w.quant {
        if q.zero_point.iter().any(|z| *z != 0) {
            return Err(format!(
                "weights '{}' have a non-zero zero point (supported: symmetric int8 weights)",
                w.name
            ));
        }
        let n = q.scale.len();
        if n != 1 && n != channels {
            return Err(format!(
                "weights '{}' have {n} scales for {channels} output channels",
                w.name
            ));
        }
        if n > 1 && q.axis != axis {
            return Err(format!(
                "weights '{}' are quantized per channel along axis {} (supported: axis {axis}, the output channels)",
                w.name, q.axis
            ));
        }
    }
    if kind == ConvKind::S16 {
        for i in [t.input, t.output] {
            let zp = g
                .tensor(i)
                .quant
                .as_ref()
                .map(|q| q.zero_point0())
                .unwrap_or(0);
            if zp != 0 {
                return Err(format!(
                    "int16 tensor '{}' has zero point {zp} (supported: 0, symmetric 16x8 quantization)",
                    g.tensor(i).name
                ));
            }
        }
    }
    Ok(())
}

/// Per-channel requantization constants as TFLM's `PopulateConvolutionQuantizationParams`
/// computes them: `input_scale · weight_scale / output_scale` in double precision, one per
/// weight scale (one for per-tensor weights, which the kernels apply to every channel).
pub fn channel_multipliers(
    input_scale: f32,
    weight_scales: &[f32],
    output_scale: f32,
) -> (Vec<i32>, Vec<i32>) {
    weight_scales
        .iter()
        .map(|ws| {
            quantize_multiplier(f64::from(input_scale) * f64::from(*ws) / f64::from(output_scale))
        })
        .unzip()
}

/// The input and output zero points and the per-channel multipliers and shifts of a quantized
/// convolution (TFLM's `PopulateConvolutionQuantizationParams`).
pub fn conv_requant(g: &Graph, t: &ConvTensors) -> (i32, i32, (Vec<i32>, Vec<i32>)) {
    let (in_scale, in_zp) = scale_zp(g.tensor(t.input));
    let (out_scale, out_zp) = scale_zp(g.tensor(t.output));
    let rq = channel_multipliers(in_scale, &weight_scales(g.tensor(t.weights)), out_scale);
    (in_zp, out_zp, rq)
}

/// Scale and zero point of a quantized tensor (validation has checked they exist).
pub fn scale_zp(t: &Tensor) -> (f32, i32) {
    t.quant
        .as_ref()
        .map(|q| (q.scale0(), q.zero_point0() as i32))
        .unwrap_or((1.0, 0))
}

/// The weight scales of a quantized convolution.
pub fn weight_scales(t: &Tensor) -> Vec<f32> {
    t.quant
        .as_ref()
        .map(|q| q.scale.clone())
        .unwrap_or_else(|| vec![1.0])
}

/// Every value of the runtime's `ConvGeometry`, computed by the ops.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Geometry {
    /// Batch size.
    pub batches: usize,
    /// Input height, width, channels.
    pub input: [usize; 3],
    /// Output height, width, channels.
    pub output: [usize; 3],
    /// Filter height, width, input channels per filter.
    pub filter: [usize; 3],
    /// Vertical and horizontal stride.
    pub stride: [usize; 2],
    /// Vertical and horizontal dilation.
    pub dilation: [usize; 2],
    /// Padding above and left of the input.
    pub pad: [usize; 2],
}

impl Geometry {
    /// `::kiln::__private::ConvGeometry { … }`.
    pub fn tokens(&self) -> TokenStream {
        let Geometry {
            batches,
            input: [ih, iw, id],
            output: [oh, ow, od],
            filter: [kh, kw, kd],
            ..
        } = *self;
        let ([sh, sw], [dh, dw], [ph, pw]) = (self.stride, self.dilation, self.pad);
        quote!(::kiln::__private::ConvGeometry {
            batches: #batches,
            input_height: #ih, input_width: #iw, input_depth: #id,
            output_height: #oh, output_width: #ow, output_depth: #od,
            filter_height: #kh, filter_width: #kw, filter_depth: #kd,
            stride_height: #sh, stride_width: #sw,
            dilation_height: #dh, dilation_width: #dw,
            pad_height: #ph, pad_width: #pw,
        })
    }
}

/// `Requant { multiplier: &M, shift: &S }` over two new statics.
pub fn requant_arg(
    e: &mut crate::expand::Emitter<'_>,
    multipliers: &[i32],
    shifts: &[i32],
) -> TokenStream {
    let m = e.constant_i32(multipliers);
    let s: Vec<u8> = shifts
        .iter()
        .map(|s| i8::try_from(*s).unwrap_or(0) as u8)
        .collect();
    let s = e.constant(DType::I8, &s);
    quote!(&::kiln::__private::Requant { multiplier: &#m, shift: &#s })
}

/// Whether `kiln::quant::requantize_fast` is exact for every accumulator a layer can produce:
/// every shift in `-31..=-1`, every multiplier normalized (`[2^30, 2^31)`, as TFLite's
/// `QuantizeMultiplier` gives for any non-zero scale; the asm doubles it), and `|bias| + 256 · Σ|w| < 2^30` for every
/// channel (inputs plus offset lie in `-255..=255`, and a folded input offset is at most
/// `128 · Σ|w|` on top of the bias, so this bounds both forms of the accumulator).
/// `abs_weight_sums[c]` is `Σ|w|` over channel `c`'s weights.
pub fn fast_requant_ok(
    bias: &[i32],
    abs_weight_sums: &[i64],
    multipliers: &[i32],
    shifts: &[i32],
) -> bool {
    const LIMIT: i64 = 1 << 30;
    shifts.iter().all(|s| (-31..=-1).contains(s))
        && multipliers.iter().all(|m| *m >= 1 << 30)
        && bias.len() == abs_weight_sums.len()
        && bias
            .iter()
            .zip(abs_weight_sums)
            .all(|(b, w)| i64::from(*b).abs() + 256 * w < LIMIT)
}

/// `Σ|w|` per output channel of int8 weights stored channel-major (`[channels][per_channel]`).
pub fn abs_sums_channel_major(weights: &[u8], channels: usize) -> Vec<i64> {
    let per = weights.len() / channels.max(1);
    (0..channels)
        .map(|c| {
            weights[c * per..(c + 1) * per]
                .iter()
                .map(|w| i64::from((*w as i8).unsigned_abs()))
                .sum()
        })
        .collect()
}

/// `Σ|w|` per output channel of int8 weights stored channel-last (`[..][channels]`, depthwise).
pub fn abs_sums_channel_last(weights: &[u8], channels: usize) -> Vec<i64> {
    let mut sums = vec![0i64; channels];
    for (i, w) in weights.iter().enumerate() {
        sums[i % channels.max(1)] += i64::from((*w as i8).unsigned_abs());
    }
    sums
}

/// [`requant_arg`], with a per-tensor multiplier repeated for each of the `channels` when
/// `expand` (the fast kernels read one per channel).
pub fn per_channel_requant(
    e: &mut crate::expand::Emitter<'_>,
    expand: bool,
    channels: usize,
    multipliers: &[i32],
    shifts: &[i32],
) -> TokenStream {
    if expand {
        let (m, s) = per_channel(channels, multipliers, shifts);
        requant_arg(e, &m, &s)
    } else {
        requant_arg(e, multipliers, shifts)
    }
}

/// The multipliers and shifts one per channel: a per-tensor pair repeated `channels` times,
/// per-channel ones as they are.
pub fn per_channel(channels: usize, multipliers: &[i32], shifts: &[i32]) -> (Vec<i32>, Vec<i32>) {
    match (multipliers, shifts) {
        ([m], [s]) => (vec![*m; channels], vec![*s; channels]),
        _ => (multipliers.to_vec(), shifts.to_vec()),
    }
}

/// The quantized parameter struct of the convolution kernels.
pub fn conv_quant_params(
    geometry: &Geometry,
    input_offset: i32,
    output_offset: i32,
    range: (i32, i32),
) -> TokenStream {
    let g = geometry.tokens();
    let (lo, hi) = range;
    quote!(::kiln::__private::ConvQuantParams {
        geometry: #g, input_offset: #input_offset, output_offset: #output_offset,
        activation_min: #lo, activation_max: #hi,
    })
}

/// The float parameter struct of the convolution kernels.
pub fn conv_f32_params(geometry: &Geometry, range: (f32, f32)) -> TokenStream {
    let g = geometry.tokens();
    let (lo, hi) = (
        crate::expand::f32_lit(range.0),
        crate::expand::f32_lit(range.1),
    );
    quote!(::kiln::__private::ConvF32Params { geometry: #g, activation_min: #lo, activation_max: #hi })
}

/// The int32 values of a constant bias, or `n` zeros without one (the optimized int8 kernels
/// always take a bias).
pub fn bias_i32(g: &Graph, bias: Option<usize>, n: usize) -> Vec<i32> {
    match bias {
        Some(b) => g
            .tensor(b)
            .data
            .as_deref()
            .unwrap_or_default()
            .chunks_exact(4)
            .map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect(),
        None => vec![0; n],
    }
}

/// An int8 convolution as the optimized kernels see it: weights in CONV_2D's
/// `[output_depth, h, w, input_depth]` layout (depthwise layers with one input channel are
/// transposed to it by the caller), the bias as values, zero points and the activation range.
pub struct S8Conv<'a> {
    /// Shapes and window.
    pub geometry: &'a Geometry,
    /// int8 weights, `[output_depth, h, w, filter_depth]`.
    pub weights: &'a [u8],
    /// int32 bias (zeros when the model has none).
    pub bias: &'a [i32],
    /// Input zero point.
    pub input_zero_point: i32,
    /// Output zero point.
    pub output_zero_point: i32,
    /// Quantized activation range.
    pub range: (i32, i32),
}

/// The optimized int8 kernel of a convolution, chosen at compile time
/// (`kiln::kernels::conv_s8_fast`). Returns `None` when only the reference kernel handles it.
///
/// - `pointwise_s8`: 1×1 filters, stride 1, no groups, input depth a multiple of 4 (a matrix
///   product over pixels; the input zero point is folded into the bias, exact without padding;
///   weights paired by word).
/// - `conv_2d_rows_s8`: other convolutions without groups and with horizontal dilation 1 (also
///   depthwise layers with one input channel, once transposed).
pub fn conv_s8_fast(
    e: &mut crate::expand::Emitter<'_>,
    c: &S8Conv<'_>,
    (multipliers, shifts): (&[i32], &[i32]),
    input: usize,
    output: usize,
) -> Option<TokenStream> {
    use crate::expand::Arg;
    let geometry = c.geometry;
    let [kh, kw, kd] = geometry.filter;
    let [_, _, ic] = geometry.input;
    let [oh, ow, oc] = geometry.output;
    let kind = fast_conv(c, multipliers, shifts)?;
    let zo = c.output_zero_point;
    if let FastConv::Pointwise { fast_requant } = kind {
        let folded = super::fully_connected::fold_input_zero_point(
            c.bias,
            c.weights,
            ic,
            c.input_zero_point,
        );
        let p = Pointwise {
            rows: geometry.batches * oh * ow,
            depth: ic,
            units: oc,
            weights: c.weights,
            folded_bias: &folded,
            output_zero_point: zo,
            range: c.range,
            fast_requant,
            requant: (multipliers, shifts),
        };
        return Some(emit_pointwise_s8(e, &p, input, output));
    }
    if kind == FastConv::Small {
        // Up to three rows of up to four bytes: the whole window in registers, no scratch.
        let table = crate::relayout::small_window_table(
            c.weights,
            (kh, kw * kd),
            c.bias,
            (multipliers, shifts),
            zo,
        );
        let t = e.constant(DType::I32, &table);
        let params = conv_quant_params(geometry, -c.input_zero_point, zo, c.range);
        return Some(e.call(
            quote!(conv_small_s8),
            quote!(ConvQuantParams),
            params,
            &[Arg::Static(t), Arg::In(input), Arg::Out(output)],
        ));
    }
    let k = kh * kw * kd;
    let kp = k.div_ceil(4) * 4;
    let (scratch, quads) = match kind {
        FastConv::Im2col { scratch, quads } => (Some(scratch), quads),
        _ => (None, false),
    };
    if quads {
        if let Some(call) = emit_band(e, c, (multipliers, shifts), input, output) {
            return Some(call);
        }
    }
    let group = if quads { 4 } else { 2 };
    let in_place =
        scratch.is_some_and(|b| !e.scratch_available(b) && e.in_place(input, geometry, (b, group)));
    let padded = crate::relayout::pad_runs(c.weights, k, kp);
    let table = quads
        .then(|| {
            let (m, s) = per_channel(oc, multipliers, shifts);
            crate::relayout::quad_table(&padded, kp, c.bias, (&m, &s))
        })
        .flatten();
    if let (Some(table), Some(b)) = (&table, scratch) {
        if e.scratch_available(b) || in_place {
            // Four windows widened into free arena space (or in place), then the quad asm loop.
            let t = e.constant_i32(table);
            let params = conv_quant_params(geometry, -c.input_zero_point, zo, c.range);
            let args = if in_place {
                vec![Arg::Static(t), Arg::Out(output), Arg::Dying(input)]
            } else {
                vec![
                    Arg::In(input),
                    Arg::Static(t),
                    Arg::Out(output),
                    Arg::Scratch(b),
                ]
            };
            let kernel = if in_place {
                quote!(conv_im2col_quads_s8_in_place)
            } else {
                quote!(conv_im2col_quads_s8)
            };
            return Some(e.call(kernel, quote!(ConvQuantParams), params, &args));
        }
    }
    if !quads && (scratch.is_some_and(|b| e.scratch_available(b)) || in_place) {
        let scratch = scratch.unwrap_or(0);
        // Windows gathered into free arena space, then the pointwise kernel's asm loop.
        let packed = crate::relayout::pair_words(&padded, oc, kp);
        let w = e.constant(DType::I32, &packed);
        let b = e.constant_i32(c.bias);
        let rq = per_channel_requant(e, true, oc, multipliers, shifts);
        let params = conv_quant_params(geometry, -c.input_zero_point, zo, c.range);
        // In place, the dying input is the scratch; otherwise planned or free arena space.
        let (kernel, input, scratch) = if in_place {
            (quote!(conv_im2col_s8_in_place), None, Arg::Dying(input))
        } else {
            (
                quote!(conv_im2col_s8),
                Some(Arg::In(input)),
                Arg::Scratch(scratch),
            )
        };
        let mut args = vec![Arg::Expr(rq)];
        args.extend(input);
        args.extend([Arg::Static(w), Arg::Static(b), Arg::Out(output), scratch]);
        return Some(e.call(kernel, quote!(ConvQuantParams), params, &args));
    }
    let rq = requant_arg(e, multipliers, shifts);
    let w = e.constant(DType::I8, c.weights);
    let b = e.constant_i32(c.bias);
    let params = conv_quant_params(geometry, -c.input_zero_point, zo, c.range);
    Some(e.call(
        quote!(conv_2d_rows_s8),
        quote!(ConvQuantParams),
        params,
        &[
            Arg::Expr(rq),
            Arg::In(input),
            Arg::Static(w),
            Arg::Static(b),
            Arg::Out(output),
        ],
    ))
}

/// The column band of `conv_band_quads_s8` (`kiln::kernels::conv_band_s8`, whose `band_*`
/// functions this mirrors): the window depth (`filter_width` columns of `filter_height` pixels,
/// rounded up to whole words), the scratch bytes of `conv_band_quads_s8` (four windows
/// widened, then the band) and those of `conv_band_quads_wide_s8` (all of an output row's
/// windows widened, then the band: `band_wide_scratch_bytes`).
pub fn band(g: &Geometry) -> (usize, usize, usize) {
    let [_, iw, d] = g.input;
    let [kh, kw, _] = g.filter;
    let col = kh * d;
    let depth = (kw * col).div_ceil(4) * 4;
    let windows = (4 * g.output[1].div_ceil(4)).saturating_sub(1) * g.stride[1] + kw;
    let columns = windows.max(g.pad[1] + iw);
    let band = (columns * col + depth - kw * col).div_ceil(4) * 4;
    let groups = g.output[1].div_ceil(4);
    (depth, 8 * depth + band, 8 * depth * groups + band)
}

/// `conv_band_quads_s8` for a convolution the quad kernel runs (fast requantization, biases
/// that fit the table) when gathering windows would be slow — filter rows that are not whole
/// words, or windows that cross the left or right padding — and its scratch is free in the
/// arena without growing it.
fn emit_band(
    e: &mut crate::expand::Emitter<'_>,
    c: &S8Conv<'_>,
    (multipliers, shifts): (&[i32], &[i32]),
    input: usize,
    output: usize,
) -> Option<TokenStream> {
    use crate::expand::Arg;
    let g = c.geometry;
    let [kh, kw, kd] = g.filter;
    let [_, iw, _] = g.input;
    let [_, ow, oc] = g.output;
    let (depth, narrow_bytes, wide_bytes) = band(g);
    let row = kw * kd;
    let crosses = g.pad[1] > 0 || (ow.max(1) - 1) * g.stride[1] + kw > iw;
    if !(row % 4 != 0 || crosses) || row == 0 || !e.scratch_available(narrow_bytes) {
        return None;
    }
    let columns = crate::relayout::window_columns(c.weights, kh, kw, kd);
    let padded = crate::relayout::pad_runs(&columns, kh * row, depth);
    let (m, s) = per_channel(oc, multipliers, shifts);
    let table = crate::relayout::quad_table(&padded, depth, c.bias, (&m, &s))?;
    let wide = (wide_band(depth, e.macs()) && e.scratch_available(wide_bytes))
        .then(|| crate::relayout::wide_quad_table(&table, depth / 4, c.output_zero_point))
        .flatten();
    let (kernel, table, bytes) = match wide {
        Some(t) => (quote!(conv_band_quads_wide_s8), t, wide_bytes),
        None => (quote!(conv_band_quads_s8), table, narrow_bytes),
    };
    let t = e.constant_i32(&table);
    let params = conv_quant_params(g, -c.input_zero_point, c.output_zero_point, c.range);
    Some(e.call(
        kernel,
        quote!(ConvQuantParams),
        params,
        &[
            Arg::In(input),
            Arg::Static(t),
            Arg::Out(output),
            Arg::Scratch(bytes),
        ],
    ))
}

/// Whether a band convolution with windows of `depth` bytes runs `conv_band_quads_wide_s8`
/// (weights widened at build time), given its MACs and the model's: the window fits the
/// kernel's unrolled steps (32 bytes, `kiln::arch::QUADS_WIDE_STEPS` words) and the layer runs at
/// least a fifth of the model's MACs. The wide kernel is about 20 % faster but its table is about
/// twice as large and it is a second copy of the quad loop (about 0.5 KiB of code): worth it for
/// a model's main layer (a small network's first convolution on RGB pixels), not for a first
/// layer among dozens.
pub fn wide_band(depth: usize, (macs, total): (u64, u64)) -> bool {
    depth <= 32 && macs.saturating_mul(5) >= total && total > 0
}

/// The optimized int8 kernel a convolution in CONV_2D's layout runs on
/// (`kiln::kernels::conv_s8_fast`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FastConv {
    /// 1×1, stride 1, depth a multiple of 4: `pointwise_s8` (the input offset folded into the
    /// bias), with the fast requantization when it is exact.
    Pointwise {
        /// Whether [`fast_requant_ok`] holds.
        fast_requant: bool,
    },
    /// At most three filter rows of at most four input bytes: `conv_small_s8`.
    Small,
    /// Gathered windows: `conv_im2col_quads_s8` (four windows widened and four as bytes) when
    /// every bias fits [`crate::relayout::quad_table`], else `conv_im2col_s8` (two windows as
    /// bytes and widened), with this much arena scratch (or in place).
    Im2col {
        /// Scratch bytes.
        scratch: usize,
        /// Whether the quad kernel runs it.
        quads: bool,
    },
    /// Any other ungrouped convolution with horizontal dilation 1: `conv_2d_rows_s8`.
    Rows,
}

/// Which [`FastConv`] kernel runs this convolution, or `None` when only the reference kernel
/// handles it (groups, horizontal dilation, a bias of the wrong length). The accumulator bound
/// of [`fast_requant_ok`] is computed once here.
pub fn fast_conv(c: &S8Conv<'_>, multipliers: &[i32], shifts: &[i32]) -> Option<FastConv> {
    let g = c.geometry;
    let [kh, kw, kd] = g.filter;
    let [_, _, ic] = g.input;
    let oc = g.output[2];
    if kd != ic || g.dilation[1] != 1 || c.bias.len() != oc {
        return None;
    }
    let sums = abs_sums_channel_major(c.weights, oc);
    let fast_requant = fast_requant_ok(c.bias, &sums, multipliers, shifts);
    Some(if kh == 1 && kw == 1 && g.stride == [1, 1] && ic % 4 == 0 {
        FastConv::Pointwise { fast_requant }
    } else if !fast_requant {
        FastConv::Rows
    } else if kh <= 3 && kw * kd <= 4 && kh * kw * kd > 0 {
        FastConv::Small
    } else {
        let kp = (kh * kw * kd).div_ceil(4) * 4;
        let quads = c.bias.iter().all(|b| crate::relayout::quad_bias_fits(*b));
        let scratch = if quads { 12 * kp } else { 6 * kp };
        FastConv::Im2col { scratch, quads }
    })
}

/// The arena scratch the im2col kernel of this convolution needs and the pixels it runs per
/// group (4 for `conv_im2col_quads_s8`, 2 for `conv_im2col_s8`), or `None` when another kernel
/// runs it ([`fast_conv`]).
pub fn im2col_scratch(
    c: &S8Conv<'_>,
    multipliers: &[i32],
    shifts: &[i32],
) -> Option<(usize, usize)> {
    match fast_conv(c, multipliers, shifts) {
        Some(FastConv::Im2col { scratch, quads }) => Some((scratch, if quads { 4 } else { 2 })),
        _ => None,
    }
}

/// Whether `conv_im2col_s8_in_place` (`group` 2) or `conv_im2col_quads_s8_in_place` (`group`
/// 4) can run this convolution without scratch of its own (one batch): for every group of
/// output pixels, in order, either the last `scratch` bytes of the output (word-aligned) are not
/// written yet, or no later window reads the first `scratch` bytes of the input (which must die
/// with the layer).
pub fn im2col_in_place(g: &Geometry, (scratch, group): (usize, usize)) -> bool {
    let [ih, iw, id] = g.input;
    let [oh, ow, od] = g.output;
    let [kh, kw, _] = g.filter;
    let ([sh, sw], [dh, _], [ph, pw]) = (g.stride, g.dilation, g.pad);
    if g.batches != 1 || ow == 0 {
        return false;
    }
    let pixels = oh * ow;
    // The first input byte the window of pixel `q` reads (none: `usize::MAX`).
    let first = |q: usize| {
        let (oy, ox) = (q / ow, q % ow);
        let y0 = (oy * sh) as isize - ph as isize;
        let x0 = (ox * sw) as isize - pw as isize;
        let fy0 = (0..kh).find(|f| (0..ih as isize).contains(&(y0 + (f * dh) as isize)));
        let fx0 = (0..kw).find(|f| (0..iw as isize).contains(&(x0 + *f as isize)));
        match (fy0, fx0) {
            (Some(fy), Some(fx)) => {
                let iy = (y0 + (fy * dh) as isize) as usize;
                (iy * iw + (x0 + fx as isize) as usize) * id
            }
            _ => usize::MAX,
        }
    };
    let mut min_from = vec![usize::MAX; pixels + 1];
    for q in (0..pixels).rev() {
        min_from[q] = min_from[q + 1].min(first(q));
    }
    let free_from = (pixels * od).saturating_sub(scratch) & !3;
    (0..pixels).step_by(group).all(|px| {
        (px + group) * od <= free_from || (min_from[px] >= scratch && scratch <= ih * iw * id)
    })
}

/// [`crate::ops::OpImpl::scratch`] of an int8 convolution given as an [`S8Conv`] (weights in
/// CONV_2D's layout) over `input`: what `conv_im2col_s8` needs, or 0 when it does not apply or
/// runs in place (gathering into the dying input and the unwritten output).
pub fn s8_conv_scratch(
    g: &Graph,
    node: &Node,
    input: usize,
    c: &S8Conv<'_>,
    (multipliers, shifts): (&[i32], &[i32]),
) -> usize {
    match im2col_scratch(c, multipliers, shifts) {
        Some(b) if crate::plan::dies_at(g, node, input) && im2col_in_place(c.geometry, b) => 0,
        Some((b, _)) => b,
        None => 0,
    }
}

/// Whether `pointwise_quads_s8_in_place` can run this convolution (a 1×1 convolution on the
/// quad kernel: fast requantization, folded biases that fit the table, four pixels or more, an
/// input depth of at most 8 for its stack scratch and an output no deeper than the input), so
/// that its output may take the input's bytes.
pub fn pointwise_in_place(c: &S8Conv<'_>, multipliers: &[i32], shifts: &[i32]) -> bool {
    let g = c.geometry;
    let [_, _, ic] = g.input;
    let [oh, ow, oc] = g.output;
    let rows = g.batches * oh * ow;
    if fast_conv(c, multipliers, shifts) != Some(FastConv::Pointwise { fast_requant: true })
        || rows < 4
        || ic > 8
        || oc > ic
    {
        return false;
    }
    let folded =
        super::fully_connected::fold_input_zero_point(c.bias, c.weights, ic, c.input_zero_point);
    let (m, s) = per_channel(oc, multipliers, shifts);
    crate::relayout::quad_table(c.weights, ic, &folded, (&m, &s)).is_some()
}

/// A matrix product as `pointwise_s8` computes it: `rows` rows of `depth` int8 inputs times
/// `units` weight rows (`[units][depth]`), the input zero point already folded into the bias.
pub struct Pointwise<'a> {
    /// Input rows (pixels of a 1×1 convolution, batches of a fully connected layer).
    pub rows: usize,
    /// Elements per input row.
    pub depth: usize,
    /// Output units per row.
    pub units: usize,
    /// The int8 weights, `[units][depth]`.
    pub weights: &'a [u8],
    /// Bias with `−input_zero_point · Σ weights` folded in.
    pub folded_bias: &'a [i32],
    /// Output zero point.
    pub output_zero_point: i32,
    /// Quantized activation range.
    pub range: (i32, i32),
    /// Whether [`fast_requant_ok`] holds for the layer.
    pub fast_requant: bool,
    /// Multipliers and shifts (one, or one per unit).
    pub requant: (&'a [i32], &'a [i32]),
}

/// The `pointwise_s8` call shared by 1×1 convolutions and FULLY_CONNECTED
/// (`kiln::kernels::conv_s8_fast`): two rows × two units per pass with SMLAD where the target has
/// it, weights paired by word here at compile time. Layers of four rows or more whose
/// requantization is fast and fits [`crate::relayout::quad_table`] run `pointwise_quads_s8`
/// instead (one unit × four rows per pass, bias, weights and requantization in one table) when
/// its scratch (two words per input) is free in the arena or small enough for its stack buffer.
pub fn emit_pointwise_s8(
    e: &mut crate::expand::Emitter<'_>,
    p: &Pointwise<'_>,
    input: usize,
    output: usize,
) -> TokenStream {
    use crate::expand::Arg;
    let (rows, depth, units, zo) = (p.rows, p.depth, p.units, p.output_zero_point);
    let (lo, hi) = p.range;
    let fast = p.fast_requant;
    let params = quote!(::kiln::__private::PointwiseS8Params {
        pixels: #rows, input_depth: #depth, output_depth: #units,
        output_offset: #zo, activation_min: #lo, activation_max: #hi, fast_requant: #fast,
    });
    let (multipliers, shifts) = p.requant;
    let quad_scratch = 8 * depth;
    let quads = (fast && rows >= 4 && (depth <= 8 || e.scratch_available(quad_scratch)))
        .then(|| {
            let (m, s) = per_channel(units, multipliers, shifts);
            crate::relayout::quad_table(p.weights, depth, p.folded_bias, (&m, &s))
        })
        .flatten();
    if let Some(table) = quads {
        let t = e.constant_i32(&table);
        if e.overwritten_input() == Some(0) {
            // The plan put the output over the input ([`pointwise_in_place`]).
            return e.call(
                quote!(pointwise_quads_s8_in_place),
                quote!(PointwiseS8Params),
                params,
                &[Arg::Static(t), Arg::Out(output)],
            );
        }
        return e.call(
            quote!(pointwise_quads_s8),
            quote!(PointwiseS8Params),
            params,
            &[
                Arg::In(input),
                Arg::Static(t),
                Arg::Out(output),
                Arg::Scratch(quad_scratch),
            ],
        );
    }
    let row_scratch = 2 * depth;
    let row = (fast && rows == 1 && e.scratch_available(row_scratch))
        .then(|| {
            let (m, s) = per_channel(units, multipliers, shifts);
            crate::relayout::fc_row_table(p.weights, depth, p.folded_bias, (&m, &s), zo)
        })
        .flatten();
    if let Some(table) = row {
        // One row: two channels per pass over the row widened once.
        let t = e.constant_i32(&table);
        return e.call(
            quote!(fully_connected_row_s8),
            quote!(PointwiseS8Params),
            params,
            &[
                Arg::In(input),
                Arg::Static(t),
                Arg::Out(output),
                Arg::Scratch(row_scratch),
            ],
        );
    }
    let requant = per_channel_requant(e, fast, units, multipliers, shifts);
    let packed = crate::relayout::pair_words(p.weights, p.units, p.depth);
    let w = e.constant(DType::I32, &packed);
    let b = e.constant_i32(p.folded_bias);
    // Two pixels widened to 16-bit lanes: four words per four inputs.
    let scratch = if fast { 4 * depth } else { 0 };
    e.call(
        quote!(pointwise_s8),
        quote!(PointwiseS8Params),
        params,
        &[
            Arg::Expr(requant),
            Arg::In(input),
            Arg::Static(w),
            Arg::Static(b),
            Arg::Out(output),
            Arg::Scratch(scratch),
        ],
    )
}

/// Hand-built graphs for the op modules' tests.
#[cfg(test)]
pub(crate) mod test_graph {
    use crate::ir::{DType, Graph, Node, Quant, Tensor};
    use crate::ops::OpImpl;

    /// A tensor description: dtype, shape, optional (scales, zero point, axis), constant or not.
    pub struct T {
        pub dtype: DType,
        pub shape: Vec<usize>,
        pub quant: Option<(Vec<f32>, i64, usize)>,
        pub constant: bool,
    }

    /// An activation tensor.
    pub fn act(dtype: DType, shape: &[usize], quant: Option<(f32, i64)>) -> T {
        T {
            dtype,
            shape: shape.to_vec(),
            quant: quant.map(|(s, z)| (vec![s], z, 0)),
            constant: false,
        }
    }

    /// A constant tensor (zero-filled) with per-tensor or per-channel scales along `axis`.
    pub fn constant(dtype: DType, shape: &[usize], scales: &[f32], axis: usize) -> T {
        let quant = if scales.is_empty() {
            None
        } else {
            Some((scales.to_vec(), 0, axis))
        };
        T {
            dtype,
            shape: shape.to_vec(),
            quant,
            constant: true,
        }
    }

    /// One node `op` reading `inputs` (indices into `tensors`, `None` for omitted) and writing
    /// the last tensor.
    pub fn graph(
        op: Box<dyn OpImpl>,
        name: &'static str,
        tensors: Vec<T>,
        inputs: Vec<Option<usize>>,
    ) -> Graph {
        let out = tensors.len() - 1;
        let tensors: Vec<Tensor> = tensors
            .into_iter()
            .enumerate()
            .map(|(index, t)| {
                let n: usize = t.shape.iter().product();
                Tensor {
                    index,
                    name: format!("t{index}"),
                    dtype: t.dtype,
                    data: t.constant.then(|| vec![0u8; n * t.dtype.size()]),
                    quant: t.quant.map(|(scale, zp, axis)| Quant {
                        zero_point: vec![zp; scale.len()],
                        scale,
                        axis,
                    }),
                    shape: t.shape,
                }
            })
            .collect();
        let node = Node {
            index: 0,
            name,
            inputs,
            outputs: vec![out],
            op,
        };
        Graph {
            tensors,
            nodes: vec![node],
            inputs: vec![0],
            outputs: vec![out],
        }
    }

    /// The validation message of the graph's only node (empty when it validates).
    pub fn check(g: &Graph) -> String {
        let n = &g.nodes[0];
        match n.op.validate(g, n) {
            Ok(()) => String::new(),
            Err(e) => e.message().to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_band_for_a_models_main_layer_with_short_windows() {
        // gen_cnn's first convolution: 3×3 on RGB (28-byte windows), 42 % of the MACs.
        assert!(wide_band(28, (55_296, 131_392)));
        // A first layer among dozens: 12-byte windows but 2 % of the MACs.
        assert!(!wide_band(12, (165_888, 7_160_000)));
        // Windows longer than the unrolled steps, and a model without MACs.
        assert!(!wide_band(36, (100, 100)));
        assert!(!wide_band(8, (0, 0)));
    }

    #[test]
    fn out_size_matches_tflite() {
        // SAME: ceil(in / stride), independent of the filter.
        assert_eq!(out_size(Padding::Same, 96, 3, 2, 1), 48);
        assert_eq!(out_size(Padding::Same, 5, 3, 2, 1), 3);
        // VALID: (in − effective_filter) / stride + 1.
        assert_eq!(out_size(Padding::Valid, 5, 3, 2, 1), 2);
        assert_eq!(out_size(Padding::Valid, 166, 7, 1, 1), 160);
        assert_eq!(out_size(Padding::Valid, 7, 3, 1, 2), 3); // effective 5
        assert_eq!(out_size(Padding::Valid, 2, 3, 1, 1), 0);
    }

    #[test]
    fn padding_matches_tflite() {
        // 5 → 3 with a 3-wide filter, stride 2: total (3−1)·2+3−5 = 2, 1 before.
        assert_eq!(pad_before(2, 1, 5, 3, 3), 1);
        // 4 → 2 with 3-wide filter, stride 2: total 1, 0 before (the odd row goes after).
        assert_eq!(pad_before(2, 1, 4, 3, 2), 0);
        // Dilation 2, filter 3 (effective 5), stride 1, same size 6: total 4, 2 before.
        assert_eq!(pad_before(1, 2, 6, 3, 6), 2);
        // VALID never pads.
        assert_eq!(pad_before(1, 1, 166, 7, 160), 0);
        // 1x1 filter, stride 2, 3 → 2: total (2−1)·2+1−3 = 0.
        assert_eq!(pad_before(2, 1, 3, 1, 2), 0);
    }

    #[test]
    fn multipliers_use_double_products() {
        let (m, s) = channel_multipliers(0.5, &[0.25, 1.0], 0.125);
        assert_eq!(m, vec![1 << 30, 1 << 30]);
        assert_eq!(s, vec![1, 3]);
        // A product that is not exact in f32 but is in f64.
        let (a, b) = (0.1f32, 0.3f32);
        let (m, _) = channel_multipliers(a, &[b], 1.0);
        let (want, _) = quantize_multiplier(f64::from(a) * f64::from(b));
        assert_eq!(m, vec![want]);
    }

    #[test]
    fn fast_requant_needs_right_shifts_and_small_accumulators() {
        assert!(fast_requant_ok(
            &[100, -100],
            &[10, 20],
            &[1 << 30, 1 << 30],
            &[-1, -31]
        ));
        assert!(!fast_requant_ok(&[0], &[1], &[1 << 30], &[0]));
        assert!(!fast_requant_ok(&[0], &[1], &[1 << 30], &[-32]));
        assert!(!fast_requant_ok(&[0], &[1], &[-1], &[-3]));
        assert!(!fast_requant_ok(&[0], &[1], &[(1 << 30) - 1], &[-3]));
        // |bias| + 256 · Σ|w| must stay below 2^30.
        assert!(fast_requant_ok(&[(1 << 30) - 257], &[1], &[1 << 30], &[-3]));
        assert!(!fast_requant_ok(
            &[(1 << 30) - 256],
            &[1],
            &[1 << 30],
            &[-3]
        ));
        assert_eq!(abs_sums_channel_major(&[1, 0xFF, 0x80, 2], 2), vec![2, 130]);
        assert_eq!(abs_sums_channel_last(&[1, 0xFF, 0x80, 2], 2), vec![129, 3]);
    }

    #[test]
    fn padding_from_schema() {
        assert_eq!(Padding::from_schema(0), Ok(Padding::Same));
        assert_eq!(Padding::from_schema(1), Ok(Padding::Valid));
        assert!(Padding::from_schema(2)
            .unwrap_err()
            .contains("supported: SAME, VALID"));
        assert_eq!(positive(2, "stride_w"), Ok(2));
        assert!(positive(0, "stride_w")
            .unwrap_err()
            .contains("stride_w is 0"));
    }
}
