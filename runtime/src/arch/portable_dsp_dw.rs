//! [`dw3x3_x4`] and [`dw_rect_x4`] of `arm_dsp_dw` in plain Rust (every target without the DSP extension, and the
//! host, where the tests run it). Same results bit for bit.

use super::{Dw3x3, DwRect, DW3X3_GROUP_WORDS};

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
