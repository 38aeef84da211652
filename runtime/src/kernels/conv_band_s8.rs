//! int8 CONV_2D over a column band: [`conv_band_quads_s8`], the quad kernel of
//! [`super::conv_s8_fast`] for convolutions whose windows cannot be widened straight from the
//! input (filter rows that are not whole words, windows that cross the padding).
//!
//! For each output row the `filter_height` input rows its windows read are copied into a band
//! laid out column by column: band column `x` (input column `x − pad_width`) holds the
//! `filter_height` pixels of that column its windows read, one after the other
//! ([`band_column_bytes`]). Padding columns, and rows above or below the input, hold the input
//! zero point, which widens to 0. A window is then `filter_width` consecutive columns, one
//! contiguous run of `filter_width · filter_height · depth` bytes (the weights are transposed
//! to that order and zero-padded to whole words: [`band_depth`]), so
//! [`crate::arch::quad_groups`] runs the output row four windows at a time straight from the
//! band: [`crate::arch::widen_quad`] widens them and [`crate::arch::pointwise_quads`] runs every
//! channel as for a 1×1 convolution, with one check of the slices per layer. Copying
//! `filter_height` rows per output row replaces gathering every window byte by byte (three rows
//! of RGB pixels move in one pass: [`crate::arch::copy_columns_3x3`]), and the window is only
//! rounded up once, not per filter row.

use super::conv::{ConvGeometry, ConvQuantParams};
use super::conv_s8_fast::splat;
use crate::arch::{
    clamp_bytes, copy_columns_3x3, copy_short_rows, fill_bytes, quad_groups, quad_groups_wide,
    PointwiseQuads, QuadGroups, WidenQuad,
};

/// Bytes of one band column: the `filter_height` pixels of one input column a row of windows
/// reads.
pub const fn band_column_bytes(g: &ConvGeometry) -> usize {
    g.filter_height * g.input_depth
}

/// Elements of one band window (and of each output channel's transposed, padded weights):
/// `filter_width` columns rounded up to whole words.
pub const fn band_depth(g: &ConvGeometry) -> usize {
    (g.filter_width * band_column_bytes(g)).div_ceil(4) * 4
}

/// Bytes of the band: every column the windows of an output row read (the last group of four
/// windows included, past the row's end) and the bytes the last window's rounding reads past
/// them, in whole words.
pub const fn band_bytes(g: &ConvGeometry) -> usize {
    let col = band_column_bytes(g);
    let groups = g.output_width.div_ceil(4);
    let windows = (4 * groups).saturating_sub(1) * g.stride_width + g.filter_width;
    let input = g.pad_width + g.input_width;
    let columns = if windows > input { windows } else { input };
    (columns * col + band_depth(g) - g.filter_width * col).div_ceil(4) * 4
}

/// Scratch bytes [`conv_band_quads_s8`] needs: four windows widened, then the band.
pub const fn band_scratch_bytes(g: &ConvGeometry) -> usize {
    8 * band_depth(g) + band_bytes(g)
}

/// Scratch bytes [`conv_band_quads_wide_s8`] needs: every window of an output row widened (one
/// call widens them all), then the band.
pub const fn band_wide_scratch_bytes(g: &ConvGeometry) -> usize {
    8 * band_depth(g) * g.output_width.div_ceil(4) + band_bytes(g)
}

/// int8 CONV_2D without groups and with horizontal dilation 1, bit-exact with
/// [`super::conv::conv_2d_s8`], whose requantization the compiler proved fast (as for
/// [`super::conv_s8_fast::conv_im2col_quads_s8`]): output row by output row, the input rows of
/// its windows are copied into a column band (see the module documentation), then four windows
/// at a time are widened with the input offset from the band and multiplied by every channel
/// (the windows of the last four past the row's end write where the first one's outputs go,
/// which are stored last), then the activation clamp if it is narrower than int8. `table` is `quad_table`'s layout over the `[output_depth][band_depth]` weights, each
/// channel's window transposed to `[filter_width][filter_height][depth]` and zero-padded to
/// [`band_depth`], with the plain bias; `scratch` holds [`band_scratch_bytes`]. Does nothing if
/// a slice is too short.
pub fn conv_band_quads_s8(
    p: &ConvQuantParams,
    input: &[i8],
    table: &[i32],
    output: &mut [i8],
    scratch: &mut [u8],
) {
    band_quads::<false>(p, input, table, output, scratch);
}

/// [`conv_band_quads_s8`] with the weights widened at build time and `scratch` of
/// [`band_wide_scratch_bytes`] (all of an output row's windows are widened at once), for windows
/// of at most
/// [`crate::arch::QUADS_WIDE_STEPS`] words (32 inputs, as a 3×3 filter on RGB pixels): `table` is the layout
/// [`wide_quad_table`] makes from [`conv_band_quads_s8`]'s. Each step of four inputs then costs
/// eleven instructions instead of thirteen, and each channel of four pixels about twenty fewer
/// around them (the steps are unrolled, the bias is loaded per pixel, the doubled table
/// requantizes in three instructions per output: [`crate::quant::requantize_doubled`], so every
/// right shift must be at most [`crate::quant::DOUBLED_MAX_SHIFT`]), for a table about twice as
/// large and a second copy of the loop, so the compiler picks it for the few layers where that
/// pays (see its `conv_2d`). Does nothing if a slice is too short or the window is longer.
pub fn conv_band_quads_wide_s8(
    p: &ConvQuantParams,
    input: &[i8],
    table: &[i32],
    output: &mut [i8],
    scratch: &mut [u8],
) {
    band_quads::<true>(p, input, table, output, scratch);
}

/// [`conv_band_quads_wide_s8`]'s table from [`conv_band_quads_s8`]'s (`words` weight words per
/// channel, `output_offset` the layer's), doubled for [`crate::quant::requantize_doubled`]: per
/// channel twice the bias four times, per weight word its `sxtb16` and `sxtb16_ror8` words with
/// both lanes doubled, the multiplier, the right shift `e` and `k · 2^(e − 1)` (`k = 1 + 2 ·
/// output_offset`). Every right shift must be at most [`crate::quant::DOUBLED_MAX_SHIFT`].
/// Writes the first channels that fit in `wide`.
pub fn wide_quad_table(table: &[i32], words: usize, output_offset: i32, wide: &mut [i32]) {
    let k = 1 + 2 * output_offset;
    let narrow = table.chunks_exact(PointwiseQuads::channel_words(words));
    let out = wide.chunks_exact_mut(PointwiseQuads::wide_channel_words(words));
    // Both 16-bit lanes doubled (each lies in -128..=127).
    let double = |v: u32| ((v << 1) & 0xFFFE_FFFE) as i32;
    for (t, w) in narrow.zip(out) {
        w[..4].fill(2 * (t[0] >> 8));
        for (pair, &word) in w[4..].chunks_exact_mut(2).zip(&t[1..=words]) {
            let word = word as u32;
            pair[0] = double(crate::arch::sxtb16(word));
            pair[1] = double(crate::arch::sxtb16_ror8(word));
        }
        let e = (t[0] & 0xFF) as u32 + 1;
        w[4 + 2 * words] = (t[words + 1] as u32 >> 1) as i32;
        w[5 + 2 * words] = e as i32;
        w[6 + 2 * words] = crate::quant::doubled_k(k, e);
    }
}

/// The body of both band kernels: [`quad_groups_wide`] when `WIDE`, else [`quad_groups`].
fn band_quads<const WIDE: bool>(
    p: &ConvQuantParams,
    input: &[i8],
    table: &[i32],
    output: &mut [i8],
    scratch: &mut [u8],
) {
    let g = &p.geometry;
    let (ih, iw, d) = (g.input_height, g.input_width, g.input_depth);
    let (oh, ow, od) = (g.output_height, g.output_width, g.output_depth);
    let (col, kp) = (band_column_bytes(g), band_depth(g));
    if ow == 0 || iw == 0 || kp == 0 || g.dilation_width != 1 || g.filter_depth != d {
        return;
    }
    let windows = 8 * kp * if WIDE { ow.div_ceil(4) } else { 1 };
    let Some((wide, band)) = scratch.split_at_mut_checked(windows) else {
        return;
    };
    let (Ok(wide), Some(band)) = (
        bytemuck::try_cast_slice_mut::<u8, u32>(wide),
        band.get_mut(..band_bytes(g)),
    ) else {
        return;
    };
    let q = WidenQuad {
        rows: 1,
        words: kp / 4,
        dx: g.stride_width * col,
        step: kp,
        offset: splat(p.input_offset),
    };
    // The last group's windows past the row's end write their outputs where pixel 0's go
    // (which are stored last).
    let last = (ow - 1) % 4;
    let quads = PointwiseQuads {
        words: kp / 4,
        channels: od,
        out: [1, 2, 3].map(|i| if i <= last { i * od } else { 0 }),
        k: 1 + 2 * p.output_offset,
        sign_fix: crate::quant::needs_sign_fix(p.output_offset, p.activation_min),
    };
    let (image, pixels, zero) = (ih * iw * d, oh * ow, (-p.input_offset) as u8);
    let x: &[u8] = bytemuck::cast_slice(input);
    let table: &[u32] = bytemuck::cast_slice(table);
    let lens = [band.len(), wide.len(), table.len(), ow * od];
    let groups = if WIDE {
        QuadGroups::new_wide(q, quads, ow.div_ceil(4), lens)
    } else {
        QuadGroups::new(q, quads, ow.div_ceil(4), lens)
    };
    let Some(groups) = groups else {
        return;
    };
    for b in 0..g.batches {
        let (Some(img), Some(out)) = (
            x.get(b * image..(b + 1) * image),
            output.get_mut(b * pixels * od..(b + 1) * pixels * od),
        ) else {
            return;
        };
        for (oy, out_row) in out.chunks_exact_mut((ow * od).max(1)).enumerate() {
            band_row(g, img, band, oy, zero);
            if WIDE {
                quad_groups_wide(&groups, band, wide, table, out_row);
            } else {
                quad_groups(&groups, band, wide, table, out_row);
            }
        }
    }
    let (lo, hi) = (p.activation_min, p.activation_max);
    if lo > -128 || hi < 127 {
        let n = g.batches * pixels * od;
        clamp_bytes(output.get_mut(..n).unwrap_or_default(), lo, hi);
    }
}

/// The band of output row `oy` from the image `img`: the filter rows inside the input copied,
/// those above or below it the zero point (`filter_height` is at least 1: the kernel returned
/// otherwise). Inlined: with a layer's constant geometry its set-up and branches fold away
/// (gen_cnn: 1.8k instructions fewer per inference, 8 B more peak stack).
#[inline(always)]
fn band_row(g: &ConvGeometry, img: &[u8], band: &mut [u8], oy: usize, zero: u8) {
    let (ih, iw, d, col) = (
        g.input_height,
        g.input_width,
        g.input_depth,
        band_column_bytes(g),
    );
    let (run, first, dh) = (iw * d, g.pad_width * col, g.dilation_height);
    let y0 = (oy * g.stride_height) as isize - g.pad_height as isize;
    let below = y0 + ((g.filter_height - 1) * dh) as isize >= ih as isize;
    // Filter rows above the input hold the zero point from the first output row on, and those
    // below it once they are (a filter row above or below the input is so for every output row
    // before or after).
    if oy == 0 || below {
        fill_bytes(band, zero);
    }
    if g.filter_height == 3 && d == 3 && y0 >= 0 && !below {
        // RGB pixels, every filter row inside the input: one copy for all three rows.
        let (dst, src) = (band.get_mut(first..), img.get(y0 as usize * run..));
        copy_columns_3x3(
            dst.unwrap_or_default(),
            src.unwrap_or_default(),
            dh * run,
            iw,
        );
        return;
    }
    for r in 0..g.filter_height {
        let iy = y0 + (r * dh) as isize;
        let src = usize::try_from(iy)
            .ok()
            .filter(|iy| *iy < ih)
            .and_then(|iy| img.get(iy * run..));
        if let (Some(src), Some(dst)) = (src, band.get_mut(first + r * d..)) {
            copy_short_rows(dst, col, src, d, iw, d);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::conv_s8_fast::quad_table;
    use super::super::conv_s8_fast::tests::{im2col_geometry, padded_weights, Im2colCase, Lcg};
    use super::*;
    use crate::arch::QUADS_WIDE_STEPS;

    /// `cases` random convolutions (from `geometry`) through the band kernel against the
    /// reference.
    fn check_band(seed: u64, cases: usize, geometry: impl Fn(&mut Lcg) -> ConvGeometry) {
        let mut r = Lcg(seed);
        let mut wide_cases = 0;
        for _ in 0..cases {
            let g = geometry(&mut r);
            let c = Im2colCase::new(&mut r, g, 40000);
            // Each window transposed to [filter_width][filter_height][depth], padded to words.
            let (kh, kw, kd) = (g.filter_height, g.filter_width, g.filter_depth);
            let mut columns = Vec::new();
            for w in c.weights.chunks_exact(kh * kw * kd) {
                for x in 0..kw {
                    for y in 0..kh {
                        columns.extend_from_slice(&w[(y * kw + x) * kd..][..kd]);
                    }
                }
            }
            let padded = padded_weights(&columns, g.output_depth, kh * kw * kd, band_depth(&g));
            let table = quad_table(&padded, &c.bias, (&c.m, &c.s), band_depth(&g)).unwrap();
            let mut scratch = vec![0u32; band_wide_scratch_bytes(&g) / 4];
            let mut got = vec![0i8; c.want.len()];
            let scratch = bytemuck::cast_slice_mut(&mut scratch);
            let narrow = &mut scratch[..band_scratch_bytes(&g)];
            conv_band_quads_s8(&c.p, &c.input, &table, &mut got, narrow);
            assert_eq!(got, c.want, "{g:?}");
            // The pre-widened kernel, for windows it takes.
            let words = band_depth(&g) / 4;
            if words <= QUADS_WIDE_STEPS {
                let mut wide = vec![0; g.output_depth * PointwiseQuads::wide_channel_words(words)];
                wide_quad_table(&table, words, c.p.output_offset, &mut wide);
                let mut got = vec![0x55; c.want.len()];
                conv_band_quads_wide_s8(&c.p, &c.input, &wide, &mut got, scratch);
                assert_eq!(got, c.want, "wide {g:?}");
                wide_cases += 1;
            }
        }
        assert!(wide_cases >= cases / 4, "{wide_cases} wide cases");
    }

    #[test]
    fn band_conv_matches_reference() {
        check_band(41, 600, im2col_geometry);
    }

    /// 3×3 filters on RGB pixels, whose rows inside the input are copied three at a time.
    #[test]
    fn band_conv_rgb_3x3_matches_reference() {
        check_band(43, 300, |r| ConvGeometry {
            input_depth: 3,
            filter_height: 3,
            filter_width: 3,
            filter_depth: 3,
            ..im2col_geometry(r)
        });
    }
}
