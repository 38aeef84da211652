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
//! [`crate::arch::widen_quad`] widens four windows at a time straight from the band, and
//! [`crate::arch::pointwise_quads`] runs every channel as for a 1×1 convolution. Copying
//! `filter_height` rows per output row replaces gathering every window byte by byte, and the
//! window is only rounded up once, not per filter row.

use super::conv::{ConvGeometry, ConvQuantParams};
use super::conv_s8_fast::{quad_channels, quad_params, splat};
use crate::arch::{copy_short_rows, fill_bytes, widen_quad, WidenQuad};

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

/// int8 CONV_2D without groups and with horizontal dilation 1, bit-exact with
/// [`super::conv::conv_2d_s8`], whose requantization the compiler proved fast (as for
/// [`super::conv_s8_fast::conv_im2col_quads_s8`]): output row by output row, the input rows of
/// its windows are copied into a column band (see the module documentation), then four windows
/// at a time are widened with the input offset from the band and multiplied by every channel.
/// `table` is `quad_table`'s layout over the `[output_depth][band_depth]` weights, each
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
    let g = &p.geometry;
    let (ih, iw, d) = (g.input_height, g.input_width, g.input_depth);
    let (oh, ow, od) = (g.output_height, g.output_width, g.output_depth);
    let (kh, col, kp) = (g.filter_height, band_column_bytes(g), band_depth(g));
    if ow == 0 || iw == 0 || kp == 0 || g.dilation_width != 1 || g.filter_depth != d {
        return;
    }
    let Some((wide, band)) = scratch.split_at_mut_checked(8 * kp) else {
        return;
    };
    let (Ok(wide), Some(band)) = (
        bytemuck::try_cast_slice_mut::<u8, u32>(wide),
        band.get_mut(..band_bytes(g)),
    ) else {
        return;
    };
    let zero = (-p.input_offset) as u8;
    fill_bytes(band, zero);
    let q = WidenQuad {
        rows: 1,
        words: kp / 4,
        dx: g.stride_width * col,
        step: kp,
        offset: splat(p.input_offset),
    };
    // The input columns of the band: `iw` runs of `d` bytes, `col` bytes apart.
    let (run, first, span) = (iw * d, g.pad_width * col, (iw - 1) * col + d);
    let (image, pixels) = (ih * run, oh * ow);
    let range = (p.activation_min, p.activation_max);
    let x: &[u8] = bytemuck::cast_slice(input);
    let table: &[u32] = bytemuck::cast_slice(table);
    for b in 0..g.batches {
        let (Some(img), Some(out)) = (
            x.get(b * image..(b + 1) * image),
            output.get_mut(b * pixels * od..(b + 1) * pixels * od),
        ) else {
            return;
        };
        for (oy, out_row) in out.chunks_exact_mut((ow * od).max(1)).enumerate() {
            let y0 = (oy * g.stride_height) as isize - g.pad_height as isize;
            for r in 0..kh {
                let iy = y0 + (r * g.dilation_height) as isize;
                let src = usize::try_from(iy)
                    .ok()
                    .filter(|iy| *iy < ih)
                    .and_then(|iy| img.get(iy * run..(iy + 1) * run));
                let at = first + r * d;
                let Some(dst) = band.get_mut(at..at + span) else {
                    return;
                };
                match src {
                    Some(src) => copy_short_rows(dst, col, src, d, iw, d),
                    None => {
                        for px in dst.chunks_mut(col.max(1)) {
                            fill_bytes(px.get_mut(..d).unwrap_or_default(), zero);
                        }
                    }
                }
            }
            for q0 in (0..ow).step_by(4) {
                let last = (ow - q0).min(4) - 1;
                let src = band.get(q0 * q.dx..).unwrap_or_default();
                widen_quad(&q, src, wide);
                if last < 3 {
                    // Past the row's end: the last real window again (its outputs are written
                    // last, so they must be its own).
                    for step in wide.as_chunks_mut::<8>().0 {
                        let pair = [step[(2 * last) & 7], step[(2 * last + 1) & 7]];
                        for slot in step.as_chunks_mut::<2>().0.iter_mut().skip(last + 1) {
                            *slot = pair;
                        }
                    }
                }
                let quads = quad_params(kp / 4, od, last, p.output_offset);
                let o = out_row.get_mut(q0 * od..).unwrap_or_default();
                quad_channels(&quads, wide, table, range, o);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::conv_s8_fast::quad_table;
    use super::super::conv_s8_fast::tests::{im2col_geometry, padded_weights, Im2colCase, Lcg};
    use super::*;

    #[test]
    fn band_conv_matches_reference() {
        let mut r = Lcg(41);
        for _ in 0..600 {
            let g = im2col_geometry(&mut r);
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
            let mut scratch = vec![0u32; band_scratch_bytes(&g) / 4];
            let mut got = vec![0i8; c.want.len()];
            let scratch = bytemuck::cast_slice_mut(&mut scratch);
            conv_band_quads_s8(&c.p, &c.input, &table, &mut got, scratch);
            assert_eq!(got, c.want, "{g:?}");
        }
    }
}
