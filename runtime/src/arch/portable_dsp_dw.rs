//! [`dw3x3_x4`] and [`dw_rect_x4`] of `arm_dsp_dw` in plain Rust (every target without the DSP extension, and the
//! host, where the tests run it). Same results bit for bit.

use super::{Dw3x3, DwRect, DwRows, DW3X3_GROUP_WORDS, DW_ROWS_CHANNEL_WORDS};

/// A block of 3×3 depthwise windows wholly inside the input (see [`Dw3x3`]), requantized and
/// stored: for every set `g` of four channels, with the table words of that set being
/// `[bias; 4]`, nine weight words (tap by tap in row-major order, byte `j` the weight of channel
/// `4g + j`), `[multiplier; 4]` and one word whose byte `j` is `!shift` of channel `4g + j`:
/// `acc[j] = bias[j] + Σ (x[j] + offset) · w[j]` over the taps with wrapping adds, then
/// `out[4g + j] = clamp(requantize_fast(acc[j], multiplier[j], shift[j], k), -128, 127)`.
/// Does nothing if the block does not fit the slices ([`Dw3x3::fits`]).
pub fn dw3x3_x4(x: &[u8], table: &[i32], out: &mut [i8], win: &Dw3x3) {
    if !win.fits(x.len(), table.len(), out.len()) {
        return;
    }
    let span = 4 * win.groups;
    for r in 0..win.rows {
        for p in 0..win.pixels {
            let x = x
                .get(r * win.y_pixel + p * win.x_pixel..)
                .unwrap_or_default();
            let at = r * win.out_row + p * span;
            let Some(out) = out.get_mut(at..at + span) else {
                return;
            };
            pixel(x, table, out, win);
        }
    }
}

/// One pixel of [`dw3x3_x4`].
fn pixel(x: &[u8], table: &[i32], out: &mut [i8], win: &Dw3x3) {
    let off = i32::from(win.offset as u16 as i16);
    let groups = table.chunks_exact(DW3X3_GROUP_WORDS);
    for (g, (t, o)) in groups.zip(out.chunks_exact_mut(4)).enumerate() {
        let Some(t) = t.first_chunk::<DW3X3_GROUP_WORDS>() else {
            return;
        };
        let (bias, w, m) = (&t[..4], &t[4..13], &t[13..17]);
        let nshift = t[17].to_le_bytes();
        for (j, o) in o.iter_mut().enumerate() {
            let (mut acc, m) = (bias[j], m[j]);
            for (tap, wt) in w.iter().enumerate() {
                let at = (tap / 3) * win.x_row + (tap % 3) * win.x_col + 4 * g + j;
                let xv = i32::from(x.get(at).copied().unwrap_or(0) as i8) + off;
                let wv = i32::from(wt.to_le_bytes()[j] as i8);
                acc = acc.wrapping_add(xv * wv);
            }
            let m = ((m as u32) >> 1) as i32;
            let r = crate::quant::requantize_fast(acc, m, !(nshift[j] as i8), win.k);
            *o = r.clamp(-128, 127) as i8;
        }
    }
}

/// A run of depthwise windows (see [`DwRect`]), requantized and stored, window after window:
/// for every set `g` of four channels, with the table words of that set being `[bias; 4]`,
/// `taps` weight words, `[multiplier; 4]` and one word of `!shift` bytes,
/// `acc[j] = bias[j] + Σ (x[j] + offset) · w[j]` over the window's rows and taps in order with
/// wrapping adds, then `out[4g + j]` as [`dw3x3_x4`] stores it. Does nothing if the run does
/// not fit the slices ([`DwRect::fits`]).
pub fn dw_rect_x4(x: &[u8], table: &[i32], out: &mut [i8], win: &DwRect) {
    if !win.fits(x.len(), table.len(), out.len()) {
        return;
    }
    for p in 0..win.pixels {
        let x = x.get(p * win.x_pixel..).unwrap_or_default();
        let Some(out) = out.get_mut(p * win.out_pixel..) else {
            return;
        };
        rect(x, table, out, win);
    }
}

/// One window of [`dw_rect_x4`].
fn rect(x: &[u8], table: &[i32], out: &mut [i8], win: &DwRect) {
    let off = i32::from(win.offset as u16 as i16);
    let groups = table.chunks_exact(win.group_words());
    let sets = groups.zip(out.chunks_exact_mut(4)).take(win.groups);
    for (g, (t, o)) in sets.enumerate() {
        let (Some(bias), Some(w), Some(m), Some(s)) = (
            t.first_chunk::<4>(),
            t.get(4..4 + win.taps),
            t.get(4 + win.taps..).and_then(|r| r.first_chunk::<4>()),
            t.last(),
        ) else {
            return;
        };
        let nshift = s.to_le_bytes();
        for (j, o) in o.iter_mut().enumerate() {
            let mut acc = bias[j];
            for r in 0..win.rows {
                for c in 0..win.cols {
                    let at = r * win.x_row + c * win.x_col + 4 * g + j;
                    let xv = i32::from(x.get(at).copied().unwrap_or(0) as i8) + off;
                    let wt = w.get(win.w_first + r * win.w_row + c).copied().unwrap_or(0);
                    let wv = i32::from(wt.to_le_bytes()[j] as i8);
                    acc = acc.wrapping_add(xv * wv);
                }
            }
            let m = ((m[j] as u32) >> 1) as i32;
            let r = crate::quant::requantize_fast(acc, m, !(nshift[j] as i8), win.k);
            *o = r.clamp(-128, 127) as i8;
        }
    }
}

/// One image of a 3×3, stride-1 depthwise convolution (see [`DwRows`]), [`DwRows::group`]
/// channels at a time: the scratch is filled with the input zero point, then for each group
/// padded rows 0 and 1 of its channels are widened into their slots and, for every output row
/// `y`, padded row `y + 2` is widened (or its slot filled with the zero point outside the input)
/// and the row's outputs of each channel computed four at a time: `acc = bias + Σ lane · w`
/// over the three slots, slot `j` with filter row `(j − y) mod 3` (table words `3s .. 3s + 9`
/// for `s = (3 − y mod 3) mod 3`), wrapping adds (of doubled weights, from the doubled bias);
/// `out = clamp(requantize_doubled(FIX, acc, multiplier, e, k · 2^(e − 1)), -128, 127)` at
/// `(y · output_width + x) · channels + c`. Does
/// nothing unless [`DwRows::fits`].
pub fn dw3_rows<const FIX: bool>(
    r: &DwRows,
    table: &[u32],
    x: &[u8],
    blocks: &mut [u32],
    out: &mut [i8],
) {
    if !r.fits(x.len(), table.len(), blocks.len(), out.len()) {
        return;
    }
    let zero = (r.zero as u16 as u32).wrapping_mul(0x1_0001);
    blocks.fill(zero);
    let (group, ring) = (r.group(), r.ring_words());
    for c0 in (0..r.channels).step_by(group) {
        for pr in 0..2 {
            for g in 0..group {
                widen(
                    r,
                    &mut blocks[g * ring..(g + 1) * ring],
                    pr,
                    x,
                    c0 + g,
                    zero,
                );
            }
        }
        for y in 0..r.output_height {
            for g in 0..group {
                widen(
                    r,
                    &mut blocks[g * ring..(g + 1) * ring],
                    y + 2,
                    x,
                    c0 + g,
                    zero,
                );
            }
            let s = (3 - y % 3) % 3;
            for g in 0..group {
                let c = c0 + g;
                let t = &table[c * DW_ROWS_CHANNEL_WORDS..(c + 1) * DW_ROWS_CHANNEL_WORDS];
                row::<FIX>(r, &blocks[g * ring..(g + 1) * ring], t, s, y, c, out);
            }
        }
    }
}

/// Padded row `pr` of channel `c` into slot `pr % 3` of its part of the scratch: its input
/// lanes, or the zero point in every lane outside the input.
fn widen(r: &DwRows, blocks: &mut [u32], pr: usize, x: &[u8], c: usize, zero: u32) {
    let j = pr % 3;
    let Some(ir) = pr.checked_sub(r.pad_top).filter(|ir| *ir < r.input_height) else {
        for u in blocks.chunks_exact_mut(6) {
            u[2 * j] = zero;
            u[2 * j + 1] = zero;
        }
        return;
    };
    for col in 0..r.input_width {
        let v = x
            .get((ir * r.input_width + col) * r.channels + c)
            .copied()
            .unwrap_or(0);
        let lane = col + r.pad_left;
        let word = 6 * (lane / 4) + 2 * j + (lane % 4) / 2;
        if let Some(w) = blocks.get_mut(word) {
            let h = u32::from(v as i8 as i16 as u16);
            *w = if lane.is_multiple_of(2) {
                (*w & 0xFFFF_0000) | h
            } else {
                (*w & 0xFFFF) | h << 16
            };
        }
    }
}

/// Output row `y` of channel `c`, with filter row `(j − y) mod 3` on slot `j` (`t` words from
/// `3s`).
fn row<const FIX: bool>(
    r: &DwRows,
    blocks: &[u32],
    t: &[u32],
    s: usize,
    y: usize,
    c: usize,
    out: &mut [i8],
) {
    let (Some(w), Some(&bias), Some(&m), Some(&e)) =
        (t.get(3 * s..3 * s + 9), t.get(15), t.get(16), t.get(17))
    else {
        return;
    };
    let kk = crate::quant::doubled_k(r.k, e);
    for q in 0..r.output_width / 4 {
        let mut acc = [bias as i32; 4];
        for j in 0..3 {
            let lane = |i: usize| {
                let word = blocks
                    .get(6 * (i / 4) + 2 * j + (i % 4) / 2)
                    .copied()
                    .unwrap_or(0);
                lo(word >> (16 * (i % 2)))
            };
            let taps = [lo(w[3 * j]), lo(w[3 * j] >> 16), lo(w[3 * j + 1] >> 16)];
            for (o, a) in acc.iter_mut().enumerate() {
                for (tap, wt) in taps.iter().enumerate() {
                    *a = a.wrapping_add(lane(4 * q + o + tap) * wt);
                }
            }
        }
        for (o, a) in acc.iter().enumerate() {
            let v = crate::quant::requantize_doubled(FIX, *a, m as i32, e, kk);
            let at = (y * r.output_width + 4 * q + o) * r.channels + c;
            if let Some(d) = out.get_mut(at) {
                *d = v.clamp(-128, 127) as i8;
            }
        }
    }
}

/// The low 16-bit lane of `v`, sign-extended.
fn lo(v: u32) -> i32 {
    i32::from(v as u16 as i16)
}
