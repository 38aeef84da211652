//! int8 CONV_2D over a row band: [`conv_band_quads_s8`], the quad kernel of
//! [`super::conv_s8_fast`] for convolutions whose windows cannot be widened straight from the
//! input (filter rows that are not whole words, windows that cross the padding).
//!
//! For each output row the `filter_height` input rows its windows read are copied into a band:
//! one band row per filter row, the input row in the middle and the padding columns (and the
//! rows above or below the input) holding the input zero point, which widens to 0. Every window
//! of the row then lies inside the band, each filter row a run of whole words (the filter row
//! rounded up; the weights are zero there), so [`crate::arch::widen_quad`] widens four windows
//! at a time straight from it, and [`crate::arch::pointwise_quads`] runs every channel as for a
//! 1×1 convolution. Copying `filter_height` rows per output row replaces gathering every window
//! byte by byte.

use super::conv::{ConvGeometry, ConvQuantParams};
use super::conv_s8_fast::{quad_channels, quad_params, splat};
use crate::arch::{copy_rows, fill_bytes, widen_quad, WidenQuad};

/// Bytes of one filter row in a band window: `filter_width · input_depth` rounded up to whole
/// words (the weights are zero-padded alike).
pub const fn band_row_bytes(g: &ConvGeometry) -> usize {
    (g.filter_width * g.filter_depth).div_ceil(4) * 4
}

/// Elements of one band window (and of each output channel's padded weights):
/// `filter_height · `[`band_row_bytes`].
pub const fn band_depth(g: &ConvGeometry) -> usize {
    g.filter_height * band_row_bytes(g)
}

/// Where a band row's column 0 (input column `−pad_width`) sits, so that input column 0 starts
/// on a word (`lead`), and the bytes per band row (`len`, whole words): room for the input row
/// after the left padding and for the last group of four windows of an output row.
pub const fn band_layout(g: &ConvGeometry) -> (usize, usize) {
    let d = g.input_depth;
    let lead = (4 - (g.pad_width * d) % 4) % 4;
    let groups = g.output_width.div_ceil(4);
    let windows = (4 * groups).saturating_sub(1) * g.stride_width * d + band_row_bytes(g);
    let input = (g.pad_width + g.input_width) * d;
    let len = lead + if windows > input { windows } else { input };
    (lead, len.div_ceil(4) * 4)
}

/// Scratch bytes [`conv_band_quads_s8`] needs: four windows widened, then the band.
pub const fn band_scratch_bytes(g: &ConvGeometry) -> usize {
    8 * band_depth(g) + g.filter_height * band_layout(g).1
}

/// int8 CONV_2D without groups and with horizontal dilation 1, bit-exact with
/// [`super::conv::conv_2d_s8`], whose requantization the compiler proved fast (as for
/// [`super::conv_s8_fast::conv_im2col_quads_s8`]): output row by output row, the input rows of
/// its windows are copied into a band (see the module documentation), then four windows at a
/// time are widened with the input offset from the band and multiplied by every channel.
/// `table` is `quad_table`'s layout over the `[output_depth][band_depth]` weights, each filter
/// row zero-padded to [`band_row_bytes`], with the plain bias; `scratch` holds
/// [`band_scratch_bytes`]. Does nothing if a slice is too short.
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
    let (kh, rw, kp) = (g.filter_height, band_row_bytes(g), band_depth(g));
    let (lead, len) = band_layout(g);
    if ow == 0 || kp == 0 || g.dilation_width != 1 || g.filter_depth != d {
        return;
    }
    let Some((wide, band)) = scratch.split_at_mut_checked(8 * kp) else {
        return;
    };
    let (Ok(wide), Some(band)) = (
        bytemuck::try_cast_slice_mut::<u8, u32>(wide),
        band.get_mut(..kh * len),
    ) else {
        return;
    };
    let zero = (-p.input_offset) as u8;
    fill_bytes(band, zero);
    let q = WidenQuad {
        rows: kh,
        words: rw / 4,
        dx: g.stride_width * d,
        step: len,
        offset: splat(p.input_offset),
    };
    let (run, at) = (iw * d, lead + g.pad_width * d);
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
            for (r, row) in band.chunks_exact_mut(len.max(1)).enumerate() {
                let iy = y0 + (r * g.dilation_height) as isize;
                let src = usize::try_from(iy)
                    .ok()
                    .filter(|iy| *iy < ih)
                    .and_then(|iy| img.get(iy * run..(iy + 1) * run));
                let Some(dst) = row.get_mut(at..at + run) else {
                    return;
                };
                match src {
                    Some(src) => copy_rows(dst, 0, src, 0, 1, run),
                    None => fill_bytes(dst, zero),
                }
            }
            for q0 in (0..ow).step_by(4) {
                let last = (ow - q0).min(4) - 1;
                let src = band.get(lead + q0 * q.dx..).unwrap_or_default();
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
            // Each filter row zero-padded to whole words.
            let row = g.filter_width * g.filter_depth;
            let rows = g.output_depth * g.filter_height;
            let padded = padded_weights(&c.weights, rows, row, band_row_bytes(&g));
            let table = quad_table(&padded, &c.bias, (&c.m, &c.s), band_depth(&g)).unwrap();
            let mut scratch = vec![0u32; band_scratch_bytes(&g) / 4];
            let mut got = vec![0i8; c.want.len()];
            let scratch = bytemuck::cast_slice_mut(&mut scratch);
            conv_band_quads_s8(&c.p, &c.input, &table, &mut got, scratch);
            assert_eq!(got, c.want, "{g:?}");
        }
    }
}
