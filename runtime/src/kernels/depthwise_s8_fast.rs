//! int8 DEPTHWISE_CONV_2D with depth multiplier 1 and a multiple of 4 channels, four channels
//! per 32-bit word, bit-exact with [`super::conv::depthwise_conv_2d_s8`] (the tests below run
//! both on random shapes and data).
//!
//! The compiler lays out one table per layer ([`depthwise_table_words`] words per set of four
//! channels) holding, for every set: the four biases, the weights tap by tap (one word of four
//! channels per tap, row-major over the filter), the four multipliers doubled (wrapping; the asm
//! multiplies by them with `smmlar`) and one word of the four `!shift` bytes.
//!
//! Windows of a 3×3 filter that lie wholly inside the input (all but the border pixels) go to
//! [`crate::arch::dw3x3_x4`] in one call per image: one asm loop on the DSP targets that, set
//! of channels by set, rearranges the set's weights onto the stack (taps paired for `smlad`) and
//! folds the input offset into its biases, then runs every inside window with the taps unrolled
//! and the requantization inside. Every other window (the border pixels, other filter sizes)
//! goes to [`crate::arch::dw_rect_x4`], asm with loops over the rows and taps of the window
//! inside the input (TFLM's padding adds nothing), in runs of windows clipped alike: the inside
//! columns of a border row, the inside rows of a border column.
//!
//! Requantization is [`crate::quant::requantize_fast`]: the compiler only picks this kernel
//! when it has proven every accumulator lies in its domain (`|acc| < 2^30`, shifts in
//! `-31..=-1`, multipliers ≥ 0).

use super::conv::ConvQuantParams;
use crate::arch::{clamp_bytes, dw3x3_x4, dw_rect_x4, Dw3x3, DwRect};

/// Words of the table per set of four channels for a filter of `taps` taps: four biases, `taps`
/// weight words, four multipliers, one word of shifts.
pub const fn depthwise_table_words(taps: usize) -> usize {
    taps + 9
}

/// The table [`depthwise_conv_2d_s8_fast`] expects (see the module documentation), from
/// TFLite's `[1, h, w, channels]` weights, the bias and per-channel (or one) multipliers and
/// shifts. The compiler builds it at build time
/// (`kiln_compiler::ops::depthwise_conv_2d`); this copy is the contract for the tests.
#[cfg(test)]
pub(crate) fn depthwise_table(
    weights: &[i8],
    bias: &[i32],
    multiplier: &[i32],
    shift: &[i8],
) -> Vec<i32> {
    let ch = bias.len();
    let taps = weights.len() / ch;
    let pick = |v: &[i32], c: usize| if v.len() == 1 { v[0] } else { v[c] };
    let mut out = Vec::new();
    for g in 0..ch / 4 {
        let cs = 4 * g..4 * g + 4;
        out.extend_from_slice(&bias[cs.clone()]);
        for t in 0..taps {
            let w = &weights[t * ch + 4 * g..t * ch + 4 * g + 4];
            out.push(i32::from_le_bytes([0, 1, 2, 3].map(|j| w[j] as u8)));
        }
        out.extend(cs.clone().map(|c| pick(multiplier, c).wrapping_shl(1)));
        let s: Vec<i32> = shift.iter().map(|s| i32::from(*s)).collect();
        out.push(i32::from_le_bytes(
            [0, 1, 2, 3].map(|j| !(pick(&s, 4 * g + j) as u8)),
        ));
    }
    out
}

/// int8 DEPTHWISE_CONV_2D with depth multiplier 1 and `channels % 4 == 0`, weights, bias and
/// requantization constants in one `table` laid out as the module documentation describes
/// (`channels / 4 · depthwise_table_words(filter_height · filter_width)` words). Every
/// accumulator must lie in [`crate::quant::requantize_fast`]'s domain (the compiler checks it). Bit-exact with
/// [`super::conv::depthwise_conv_2d_s8`]; does nothing if the geometry is not one it handles or
/// a slice is too short.
///
/// The output splits into the rows and columns whose windows lie wholly inside the input
/// (`r0..r1`, `c0..c1`) and the rest: for a 3×3 filter the inside block in one call
/// (`interior`), then everything else in runs (`borders`).
#[inline(never)]
pub fn depthwise_conv_2d_s8_fast(
    p: &ConvQuantParams,
    table: &[i32],
    input: &[i8],
    output: &mut [i8],
) {
    let g = &p.geometry;
    let (ih, iw, ch) = (g.input_height, g.input_width, g.input_depth);
    let (oh, ow, kh, kw) = (
        g.output_height,
        g.output_width,
        g.filter_height,
        g.filter_width,
    );
    let per = depthwise_table_words(kh * kw);
    let groups = ch / 4;
    if g.output_depth != ch
        || ch == 0
        || ch % 4 != 0
        || kh == 0
        || kw == 0
        || input.len() < g.batches * ih * iw * ch
        || output.len() < g.batches * oh * ow * ch
        || table.len() < groups * per
    {
        return;
    }
    let x: &[u8] = bytemuck::cast_slice(input);
    if g.batches == 1 {
        // Two calls, so that neither's stack frame sits under the other's (and, one image, no
        // loop state under them either).
        interior(p, table, x, output);
        borders(p, table, x, output);
    } else {
        images(p, table, x, output);
    }
    // A fused activation narrower than int8, after the int8 saturation (the same result).
    let (lo, hi) = (p.activation_min, p.activation_max);
    if lo > -128 || hi < 127 {
        if let Some(v) = output.get_mut(..g.batches * oh * ow * ch) {
            clamp_bytes(v, lo, hi);
        }
    }
}

/// [`depthwise_conv_2d_s8_fast`] over a batch of several images, one at a time.
#[inline(never)]
fn images(p: &ConvQuantParams, table: &[i32], x: &[u8], output: &mut [i8]) {
    let g = &p.geometry;
    let image = g.input_height * g.input_width * g.input_depth;
    let frame = g.output_height * g.output_width * g.output_depth;
    let outs = output.chunks_exact_mut(frame.max(1)).take(g.batches);
    for (img, out) in x.chunks_exact(image.max(1)).zip(outs) {
        interior(p, table, img, out);
        borders(p, table, img, out);
    }
}

/// What both halves of the kernel derive from the parameters.
struct Plan {
    /// Output columns whose windows lie wholly inside the input's width.
    cols: (usize, usize),
    /// Output rows whose windows lie wholly inside the input's height.
    rows: (usize, usize),
    /// Input bytes from one tap to the next in a row, and from one row of taps to the next.
    x_col: usize,
    x_row: usize,
    /// Input bytes from one window to the next along a row, and down a column.
    x_step: usize,
    y_step: usize,
    /// The input offset in both 16-bit lanes, and `1 + 2 · output_offset`.
    offset: u32,
    k: i32,
    /// Whether the inside block goes to [`dw3x3_x4`].
    unrolled: bool,
}

impl Plan {
    #[inline(always)]
    fn new(p: &ConvQuantParams) -> Plan {
        let g = &p.geometry;
        let (iw, ch) = (g.input_width, g.input_depth);
        let (kh, kw) = (g.filter_height, g.filter_width);
        let (dh, dw) = (g.dilation_height, g.dilation_width);
        Plan {
            cols: inside(
                g.pad_width,
                g.stride_width,
                (kw - 1) * dw + 1,
                iw,
                g.output_width,
            ),
            rows: inside(
                g.pad_height,
                g.stride_height,
                (kh - 1) * dh + 1,
                g.input_height,
                g.output_height,
            ),
            x_col: dw * ch,
            x_row: dh * iw * ch,
            x_step: g.stride_width * ch,
            y_step: g.stride_height * iw * ch,
            offset: (p.input_offset as u32 & 0xFFFF).wrapping_mul(0x1_0001),
            k: 1 + 2 * p.output_offset,
            unrolled: (kh, kw) == (3, 3),
        }
    }
}

/// The inside block of a 3×3 filter of one image (`img`, `out`), one [`dw3x3_x4`] call.
#[inline(never)]
fn interior(p: &ConvQuantParams, table: &[i32], img: &[u8], out: &mut [i8]) {
    let g = &p.geometry;
    let s = Plan::new(p);
    let ((c0, c1), (r0, r1)) = (s.cols, s.rows);
    if !(s.unrolled && c0 < c1 && r0 < r1) {
        return;
    }
    let (iw, ow, ch) = (g.input_width, g.output_width, g.input_depth);
    let win = Dw3x3 {
        pixels: c1 - c0,
        rows: r1 - r0,
        x_pixel: s.x_step,
        y_pixel: s.y_step,
        out_row: ow * ch,
        x_col: s.x_col,
        x_row: s.x_row,
        groups: ch / 4,
        offset: s.offset,
        k: s.k,
    };
    // The block's first window starts inside the input: `c0 · stride ≥ pad`.
    let iy = (r0 * g.stride_height).saturating_sub(g.pad_height);
    let ix = (c0 * g.stride_width).saturating_sub(g.pad_width);
    let xs = img.get((iy * iw + ix) * ch..).unwrap_or_default();
    let block = out.get_mut((r0 * ow + c0) * ch..).unwrap_or_default();
    dw3x3_x4(xs, table, block, &win);
}

/// Every window of one image outside [`interior`]'s block, in runs of windows clipped alike.
/// Row by row:
/// on an outside row, each outside column as one window and `c0..c1` as one run clipped to the
/// rows inside the input; on the first inside row, each outside column as one run down the
/// inside rows; on every inside row, `c0..c1` as one run unless [`interior`] did it.
#[inline(never)]
fn borders(p: &ConvQuantParams, table: &[i32], img: &[u8], out: &mut [i8]) {
    let g = &p.geometry;
    let s = Plan::new(p);
    let ((c0, c1), (r0, r1)) = (s.cols, s.rows);
    let (ih, iw, ch) = (g.input_height, g.input_width, g.input_depth);
    let (oh, ow, kh, kw) = (
        g.output_height,
        g.output_width,
        g.filter_height,
        g.filter_width,
    );
    let (sw, sh) = (g.stride_width, g.stride_height);
    // The first input tap and the taps inside the input along one axis of the window at `o`.
    let clip = |o: usize, stride: usize, pad: usize, dil: usize, filter: usize, limit: usize| {
        let start = (o * stride) as isize - pad as isize;
        let (f0, f1) = tap_range(start, dil, filter, limit);
        ((start + (f0 * dil) as isize).max(0) as usize, f0, f1)
    };
    {
        for oy in 0..oh {
            let inner = (r0..r1).contains(&oy);
            if inner && oy != r0 && (s.unrolled || c0 >= c1) {
                continue;
            }
            let (iy, fy0, fy1) = clip(oy, sh, g.pad_height, g.dilation_height, kh, ih);
            let side = if inner {
                (r1 - r0, s.y_step, ow * ch)
            } else {
                (1, s.x_step, ch)
            };
            let mut ox = 0;
            while ox < ow {
                let at = ox;
                let run = at == c0 && c0 < c1;
                let ((pixels, x_pixel, out_pixel), skip) = if run {
                    ox = c1;
                    ((c1 - c0, s.x_step, ch), inner && s.unrolled)
                } else {
                    ox += 1;
                    (side, inner && oy != r0)
                };
                if skip {
                    continue;
                }
                let ox = at;
                let (ix, fx0, fx1) = clip(ox, sw, g.pad_width, g.dilation_width, kw, iw);
                let win = DwRect {
                    pixels,
                    x_pixel,
                    out_pixel,
                    rows: fy1 - fy0,
                    cols: fx1 - fx0,
                    x_col: s.x_col,
                    x_row: s.x_row,
                    w_first: fy0 * kw + fx0,
                    w_row: kw,
                    taps: kh * kw,
                    groups: ch / 4,
                    offset: s.offset,
                    k: s.k,
                };
                let xs = img.get((iy * iw + ix) * ch..).unwrap_or_default();
                let out = out.get_mut((oy * ow + ox) * ch..).unwrap_or_default();
                dw_rect_x4(xs, table, out, &win);
            }
        }
    }
}

/// The outputs `o` in `0..count` whose windows `o · stride − pad .. + span` lie wholly inside
/// `0..limit`, as `(first, end)` (`first == end` when there is none).
fn inside(pad: usize, stride: usize, span: usize, limit: usize, count: usize) -> (usize, usize) {
    let stride = stride.max(1);
    let end = match limit.saturating_add(pad).checked_sub(span) {
        Some(room) => (room / stride).saturating_add(1).min(count),
        None => 0,
    };
    (pad.div_ceil(stride).min(end), end)
}

/// [`super::conv_s8_fast::tap_range`], not inlined: it runs once per row and border pixel from
/// two call sites, where one copy is worth more flash than the call costs.
#[inline(never)]
fn tap_range(origin: isize, step: usize, filter: usize, limit: usize) -> (usize, usize) {
    super::conv_s8_fast::tap_range(origin, step, filter, limit)
}

#[cfg(test)]
mod tests {
    use super::super::conv::{depthwise_conv_2d_s8, ConvGeometry};
    use super::super::fully_connected::Requant;
    use super::*;

    /// A small deterministic generator.
    struct Lcg(u64);
    impl Lcg {
        fn next(&mut self, n: usize) -> usize {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((self.0 >> 33) as usize) % n.max(1)
        }
        fn i8s(&mut self, n: usize) -> Vec<i8> {
            (0..n).map(|_| self.next(256) as u8 as i8).collect()
        }
    }

    /// Random data, bias and requantization for `g`; asserts the fast kernel matches the
    /// reference.
    fn check(r: &mut Lcg, g: ConvGeometry) {
        let ch = g.input_depth;
        let (kh, kw) = (g.filter_height, g.filter_width);
        let full = r.next(3) == 0;
        let p = ConvQuantParams {
            geometry: g,
            input_offset: r.next(256) as i32 - 127,
            output_offset: r.next(256) as i32 - 128,
            activation_min: if full { -128 } else { -128 + r.next(60) as i32 },
            activation_max: if full { 127 } else { 127 - r.next(60) as i32 },
        };
        let input = r.i8s(g.batches * g.input_height * g.input_width * ch);
        let weights = r.i8s(kh * kw * ch);
        let bias: Vec<i32> = (0..ch)
            .map(|_| r.next(1 << 21) as i32 - (1 << 20))
            .collect();
        let n = if r.next(4) == 0 { 1 } else { ch };
        let m: Vec<i32> = (0..n).map(|_| (1 << 30) + r.next(1 << 30) as i32).collect();
        let s: Vec<i8> = (0..n)
            .map(|_| {
                if r.next(4) == 0 {
                    -1 - r.next(31) as i8
                } else {
                    -1 - r.next(12) as i8
                }
            })
            .collect();
        let rq = Requant {
            multiplier: &m,
            shift: &s,
        };
        let len = g.batches * g.output_height * g.output_width * ch;
        let mut want = vec![0i8; len];
        depthwise_conv_2d_s8(&p, &rq, &input, &weights, &bias, &mut want);
        let table = depthwise_table(&weights, &bias, &m, &s);
        let mut got = vec![0i8; len];
        depthwise_conv_2d_s8_fast(&p, &table, &input, &mut got);
        assert_eq!(got, want, "{g:?}");
    }

    #[test]
    fn fast_depthwise_matches_reference() {
        let mut r = Lcg(23);
        let mut interior = 0;
        for case in 0..600 {
            let (kh, kw) = if case % 3 == 0 {
                (1 + r.next(4), 1 + r.next(4))
            } else {
                (3, 3)
            };
            let ch = 4 * (1 + r.next(5));
            let g = ConvGeometry {
                batches: 1 + r.next(2),
                input_height: 1 + r.next(10),
                input_width: 1 + r.next(10),
                input_depth: ch,
                output_height: 1 + r.next(7),
                output_width: 1 + r.next(7),
                output_depth: ch,
                filter_height: kh,
                filter_width: kw,
                filter_depth: 1,
                stride_height: 1 + r.next(3),
                stride_width: 1 + r.next(3),
                dilation_height: 1 + r.next(2),
                dilation_width: 1 + r.next(2),
                pad_height: r.next(3),
                pad_width: r.next(3),
            };
            check(&mut r, g);
            // Pixels whose 3×3 window lies wholly inside the input (the unrolled path).
            let inside = |o: usize, stride: usize, pad: usize, dil: usize, limit: usize| {
                o * stride >= pad && o * stride - pad + 2 * dil < limit
            };
            for oy in 0..g.output_height {
                for ox in 0..g.output_width {
                    let y = inside(
                        oy,
                        g.stride_height,
                        g.pad_height,
                        g.dilation_height,
                        g.input_height,
                    );
                    let x = inside(
                        ox,
                        g.stride_width,
                        g.pad_width,
                        g.dilation_width,
                        g.input_width,
                    );
                    interior += usize::from(kh == 3 && kw == 3 && y && x);
                }
            }
        }
        assert!(interior > 300, "{interior}");
    }

    /// TFLite's own geometries (SAME and VALID padding) on images up to 17 pixels wide: blocks
    /// of inside windows several rows high, runs along border rows and down border columns,
    /// strides 1 and 2, dilations 1 and 2, 3×3 and other filters, one and two images.
    #[test]
    fn fast_depthwise_matches_reference_on_tflite_shapes() {
        let mut r = Lcg(7);
        let out = |same: bool, size: usize, k: usize, stride: usize, dil: usize| {
            let span = (k - 1) * dil + 1;
            if same {
                let o = size.div_ceil(stride);
                let total = ((o - 1) * stride + span).saturating_sub(size);
                Some((o, total / 2))
            } else {
                (size >= span).then(|| ((size - span) / stride + 1, 0))
            }
        };
        let mut cases = 0;
        for case in 0..400 {
            let (kh, kw) = if case % 4 == 0 {
                (1 + r.next(5), 1 + r.next(5))
            } else {
                (3, 3)
            };
            let (ih, iw) = (1 + r.next(17), 1 + r.next(17));
            let (sh, sw) = (1 + r.next(2), 1 + r.next(2));
            let (dh, dw) = if r.next(4) == 0 {
                (2, 1 + r.next(2))
            } else {
                (1, 1)
            };
            let same = r.next(3) != 0;
            let (Some((oh, ph)), Some((ow, pw))) =
                (out(same, ih, kh, sh, dh), out(same, iw, kw, sw, dw))
            else {
                continue;
            };
            let ch = 4 * (1 + r.next(3));
            let g = ConvGeometry {
                batches: 1 + usize::from(r.next(5) == 0),
                input_height: ih,
                input_width: iw,
                input_depth: ch,
                output_height: oh,
                output_width: ow,
                output_depth: ch,
                filter_height: kh,
                filter_width: kw,
                filter_depth: 1,
                stride_height: sh,
                stride_width: sw,
                dilation_height: dh,
                dilation_width: dw,
                pad_height: ph,
                pad_width: pw,
            };
            check(&mut r, g);
            cases += 1;
        }
        assert!(cases > 300, "{cases}");
    }
}
