//! [`dw3x3_x4`] and [`dw_rect_x4`] on the Armv7E-M / Armv8-M Mainline DSP extension: one asm
//! loop over the sets of four channels of a pixel, requantization and stores included; the nine
//! taps of an inside 3×3 window unrolled, any other window by loops over its rows and taps.
#![allow(unsafe_code)]

use core::arch::asm;

use super::{Dw3x3, DwRect, DwRows, DW_ROWS_CHANNEL_WORDS};

/// Requantizes the four sums in r0–r3 of a set of four channels and stores them at r11 (post
/// incremented): the four doubled multipliers and the word of `!shift` bytes from the table at
/// r10, `smmlar`, the rounding right shift, `k` (loaded into r5 by `load_k`), `ssat`.
macro_rules! dw_requant_store {
    ($load_k:literal) => {
        concat!(
            "ldm r10!, {{r4-r7}}\n",
            "smmlar r0, r0, r4, r0\n",
            "add r0, r0, r0, asr #31\n",
            "smmlar r1, r1, r5, r1\n",
            "add r1, r1, r1, asr #31\n",
            "smmlar r2, r2, r6, r2\n",
            "add r2, r2, r2, asr #31\n",
            "smmlar r3, r3, r7, r3\n",
            "add r3, r3, r3, asr #31\n",
            "ldr r4, [r10], #4\n",
            $load_k,
            "\n",
            "asr r0, r0, r4\n",
            "add r0, r0, r5\n",
            "ssat r0, #8, r0, asr #1\n",
            "strb r0, [r11], #1\n",
            "lsr r4, r4, #8\n",
            "asr r1, r1, r4\n",
            "add r1, r1, r5\n",
            "ssat r1, #8, r1, asr #1\n",
            "strb r1, [r11], #1\n",
            "lsr r4, r4, #8\n",
            "asr r2, r2, r4\n",
            "add r2, r2, r5\n",
            "ssat r2, #8, r2, asr #1\n",
            "strb r2, [r11], #1\n",
            "lsr r4, r4, #8\n",
            "asr r3, r3, r4\n",
            "add r3, r3, r5\n",
            "ssat r3, #8, r3, asr #1\n",
            "strb r3, [r11], #1",
        )
    };
}

/// Two taps of four channels in [`dw3x3_x4`]'s unrolled window: the input words of both
/// (`load_a` into r5 and `load_b` into r4, from r8, `step` between them), interleaved by
/// `pkhbt`/`pkhtb` and widened (`sxtb16`) into one word per channel holding its two inputs, and
/// four dual multiply-accumulates (`smlad`) into r0–r3 with the channels' weight pairs from the
/// stack (`sp + w`, four words).
macro_rules! dw_taps {
    ($load_a:literal, $step:literal, $load_b:literal, $w0:literal, $w1:literal) => {
        concat!(
            $load_a,
            "\n",
            $step,
            "\n",
            $load_b,
            "\n",
            "pkhbt r6, r5, r4, lsl #16\n",
            "pkhtb r4, r4, r5, asr #16\n",
            "sxtb16 r5, r6\n",
            "sxtb16 r6, r6, ror #8\n",
            "ldrd r7, r9, [sp, #",
            $w0,
            "]\n",
            "smlad r0, r5, r7, r0\n",
            "smlad r1, r6, r9, r1\n",
            "sxtb16 r5, r4\n",
            "sxtb16 r4, r4, ror #8\n",
            "ldrd r7, r9, [sp, #",
            $w1,
            "]\n",
            "smlad r2, r5, r7, r2\n",
            "smlad r3, r4, r9, r3",
        )
    };
}

/// A block of 3×3 depthwise windows wholly inside the input (see [`Dw3x3`]), requantized and
/// stored: for every set `g` of four channels, with the table words of that set being
/// `[bias; 4]`, nine weight words (tap by tap in row-major order, byte `j` the weight of channel
/// `4g + j`), `[multiplier; 4]` ([`super::DW3X3_GROUP_WORDS`] words in all) and one word whose
/// byte `j` is `!shift` of channel `4g + j`: `acc[j] = bias[j] + Σ (x[j] + offset) · w[j]` over
/// the taps with wrapping adds, then
/// `out[4g + j] = clamp(requantize_fast(acc[j], multiplier[j], shift[j], k), -128, 127)`.
/// Does nothing if the block does not fit the slices ([`Dw3x3::fits`]).
///
/// Set by set, once: the set's weights rearranged onto the stack, taps 0–7 in pairs (one word
/// per channel holding its weights of both taps as 16-bit lanes) and tap 8 widened
/// (`sxtb16`), and `bias + offset · Σ w` per channel (so that the windows need not add the
/// offset: the sum is the same modulo 2^32, and the true accumulator is below 2^30). Then every
/// window of the block: four pairs of taps ([`dw_taps`]: two loads, two packs, four `sxtb16`,
/// two `ldrd`, four `smlad`), tap 8 with 16×16 multiply-accumulates, then `smmlar` by the doubled
/// multiplier, sign correction, shift by register (its low byte), offset, `ssat #8, asr #1` and
/// `strb` per channel ([`crate::quant::requantize_fast`]).
pub fn dw3x3_x4(x: &[u8], table: &[i32], out: &mut [i8], win: &Dw3x3) {
    if !win.fits(x.len(), table.len(), out.len()) {
        return;
    }
    let span = 4 * win.groups;
    let line = span.wrapping_mul(win.pixels);
    let block = win.rows.wrapping_mul(win.out_row);
    // the offset (high half) and k (low half, sign-extended when loaded), output bytes per
    // window, input bytes from a window's last row of taps to the next window's first, output
    // bytes per row of windows, from a row's end to the next row's start in the output and the
    // input, output bytes of all rows, input bytes from the block's end to the next set's
    // start, the table's end
    let frame: [usize; 9] = [
        ((win.offset & 0xFFFF_0000) | u32::from(win.k as u16)) as usize,
        span,
        win.x_pixel.wrapping_sub(2usize.wrapping_mul(win.x_row)),
        line,
        win.out_row.wrapping_sub(line),
        win.y_pixel
            .wrapping_sub(win.pixels.wrapping_mul(win.x_pixel)),
        block,
        4usize.wrapping_sub(win.rows.wrapping_mul(win.y_pixel)),
        table
            .as_ptr()
            .wrapping_add(super::DW3X3_GROUP_WORDS * win.groups) as usize,
    ];
    // SAFETY: `fits` checked that every input tap of every set of every window (up to
    // `(rows − 1)·y_pixel + (pixels − 1)·x_pixel + 2·x_row + 2·x_col + 4·groups` bytes from `x`),
    // every table word (`18·groups`) and every output byte (`(rows − 1)·out_row + 4·groups·pixels`)
    // lies inside the slices; the input and output pointers go back to the block's start plus 4
    // after each set. The frame is copied onto the stack below r6 and r7 (saved because LLVM may
    // use them), under 72 bytes for the rearranged weights, two words for the current row's and
    // block's output ends and four for the biases (r9 is reloaded from the frame for each set); `sp` is restored before the end. Every
    // operand is in a named register and every register written is declared.
    unsafe {
        asm!(
            "push {{r6, r7}}",
            "ldr r1, [r0, #32]",
            "push {{r1}}",
            "ldm r0, {{r0-r7}}",
            "push {{r0-r7}}",
            "sub sp, sp, #96",
            // A set: the end of its block; its weights rearranged and its biases plus the
            // offset's products (r10 walks the set's weights, r11 the stack, both restored).
            "3:",
            "ldr r4, [sp, #120]",
            "add r4, r4, r11",
            "str r4, [sp, #76]",
            "ldr r9, [sp, #96]",
            "pkhtb r9, r9, r9, asr #16",
            "ldm r10!, {{r0-r3}}",
            "mov r11, sp",
            "4:",
            "ldr r4, [r10], #4",
            "ldr r5, [r10], #4",
            "pkhbt r6, r4, r5, lsl #16",
            "pkhtb r5, r5, r4, asr #16",
            "sxtb16 r4, r6",
            "sxtb16 r6, r6, ror #8",
            "sxtb16 r7, r5",
            "sxtb16 r5, r5, ror #8",
            "smlad r0, r4, r9, r0",
            "smlad r1, r6, r9, r1",
            "smlad r2, r7, r9, r2",
            "smlad r3, r5, r9, r3",
            "strd r4, r6, [r11], #8",
            "strd r7, r5, [r11], #8",
            "add r4, sp, #64",
            "cmp r11, r4",
            "bne 4b",
            "ldr r4, [r10], #4",
            "sxtb16 r5, r4",
            "sxtb16 r4, r4, ror #8",
            "smlabb r0, r5, r9, r0",
            "smlatt r2, r5, r9, r2",
            "smlabb r1, r4, r9, r1",
            "smlatt r3, r4, r9, r3",
            "strd r5, r4, [r11]",
            "add r4, sp, #80",
            "stm r4, {{r0-r3}}",
            "sub r10, r10, #52",
            "ldr r4, [sp, #76]",
            "ldr r5, [sp, #120]",
            "sub r11, r4, r5",
            "ldr r4, [sp, #108]",
            "add r4, r4, r11",
            "str r4, [sp, #72]",
            // A window.
            "2:",
            "add r4, sp, #80",
            "ldm r4, {{r0-r3}}",
            dw_taps!("ldr r5, [r8]", "", "ldr r4, [r8, r12]", "0", "8"),
            dw_taps!(
                "ldr r5, [r8, r12, lsl #1]",
                "add r8, r8, lr",
                "ldr r4, [r8]",
                "16",
                "24"
            ),
            dw_taps!(
                "ldr r5, [r8, r12]",
                "",
                "ldr r4, [r8, r12, lsl #1]",
                "32",
                "40"
            ),
            dw_taps!("add r8, r8, lr", "ldr r5, [r8]", "ldr r4, [r8, r12]", "48", "56"),
            "ldr r5, [r8, r12, lsl #1]",
            "ldrd r6, r7, [sp, #64]",
            "sxtb16 r4, r5",
            "sxtb16 r5, r5, ror #8",
            "smlabb r0, r6, r4, r0",
            "smlatt r2, r6, r4, r2",
            "smlabb r1, r7, r5, r1",
            "smlatt r3, r7, r5, r3",
            "ldrd r4, r5, [r10, #52]",
            "ldrd r6, r7, [r10, #60]",
            "smmlar r0, r0, r4, r0",
            "add r0, r0, r0, asr #31",
            "smmlar r1, r1, r5, r1",
            "add r1, r1, r1, asr #31",
            "smmlar r2, r2, r6, r2",
            "add r2, r2, r2, asr #31",
            "smmlar r3, r3, r7, r3",
            "add r3, r3, r3, asr #31",
            "ldr r4, [r10, #68]",
            "ldrsh r5, [sp, #96]",
            "asr r0, r0, r4",
            "add r0, r0, r5",
            "ssat r0, #8, r0, asr #1",
            "strb r0, [r11]",
            "lsr r4, r4, #8",
            "asr r1, r1, r4",
            "add r1, r1, r5",
            "ssat r1, #8, r1, asr #1",
            "strb r1, [r11, #1]",
            "lsr r4, r4, #8",
            "asr r2, r2, r4",
            "add r2, r2, r5",
            "ssat r2, #8, r2, asr #1",
            "strb r2, [r11, #2]",
            "lsr r4, r4, #8",
            "asr r3, r3, r4",
            "add r3, r3, r5",
            "ssat r3, #8, r3, asr #1",
            "strb r3, [r11, #3]",
            "ldr r4, [sp, #100]",
            "add r11, r11, r4",
            "ldr r4, [sp, #104]",
            "add r8, r8, r4",
            "ldr r4, [sp, #72]",
            "cmp r11, r4",
            "bne 2b",
            // The next row of the block.
            "ldr r4, [sp, #112]",
            "add r11, r11, r4",
            "ldr r4, [sp, #116]",
            "add r8, r8, r4",
            "ldr r4, [sp, #108]",
            "add r4, r4, r11",
            "str r4, [sp, #72]",
            "ldr r4, [sp, #76]",
            "cmp r11, r4",
            "bne 2b",
            // The next set.
            "ldr r4, [sp, #120]",
            "sub r11, r11, r4",
            "add r11, r11, #4",
            "ldr r4, [sp, #124]",
            "add r8, r8, r4",
            "add r10, r10, #72",
            "ldr r4, [sp, #128]",
            "cmp r10, r4",
            "bne 3b",
            "add sp, sp, #132",
            "pop {{r6, r7}}",
            inout("r0") frame.as_ptr() => _,
            inout("r8") x.as_ptr() => _,
            inout("r10") table.as_ptr() => _,
            inout("r11") out.as_mut_ptr() => _,
            in("r12") win.x_col,
            in("lr") win.x_row,
            out("r9") _,
            out("r1") _,
            out("r2") _,
            out("r3") _,
            out("r4") _,
            out("r5") _,
        );
    }
}

/// A run of depthwise windows (see [`DwRect`]), requantized and stored, window after window:
/// for every set `g` of four channels, with the table words of that set being `[bias; 4]`,
/// `taps` weight words, `[multiplier; 4]` and one word of `!shift` bytes,
/// `acc[j] = bias[j] + Σ (x[j] + offset) · w[j]` over the window's rows and taps in order with
/// wrapping adds, then `out[4g + j]` as [`dw3x3_x4`] stores it. Does nothing if the run does
/// not fit the slices ([`DwRect::fits`]).
///
/// The same taps and requantization as [`dw3x3_x4`], in loops whose counts and steps live in a
/// block on the stack.
pub fn dw_rect_x4(x: &[u8], table: &[i32], out: &mut [i8], win: &DwRect) {
    if !win.fits(x.len(), table.len(), out.len()) {
        return;
    }
    let rows = if win.cols == 0 { 0 } else { win.rows };
    let op = out.as_mut_ptr();
    let span = 4 * win.groups;
    // rows left (the asm's counter), input bytes from a set's walked rows back to the next
    // set's first tap; end of the window's output, k, rows, taps per row, input bytes from a
    // row's end to the next row, weight bytes from a row's end to the next row, weight bytes
    // from the biases to the first tap, weight bytes from the last row's end to the multipliers
    // (wrapping); the end of the last window's output, input and output bytes from one window's
    // end to the next window's start, output bytes between windows, table bytes of all sets
    let mut frame: [usize; 15] = [
        0,
        rows.wrapping_mul(win.x_row).wrapping_sub(4),
        op.wrapping_add(span) as usize,
        win.k as usize,
        rows,
        win.cols,
        win.x_row.wrapping_sub(win.cols.wrapping_mul(win.x_col)),
        4 * win.w_row.wrapping_sub(win.cols),
        4 * win.w_first,
        (4 * win.taps)
            .wrapping_sub(4 * win.w_first)
            .wrapping_sub((4 * rows).wrapping_mul(win.w_row)),
        op.wrapping_add(
            (win.pixels.wrapping_sub(1))
                .wrapping_mul(win.out_pixel)
                .wrapping_add(span),
        ) as usize,
        win.x_pixel.wrapping_sub(span),
        win.out_pixel,
        win.out_pixel.wrapping_sub(span),
        4 * win.group_words() * win.groups,
    ];
    // SAFETY: `fits` checked that every input tap of every set of every window, every table
    // word and every output byte lies inside the slices, and the walk below reads exactly those
    // (the weight pointer moves by the frame's skips to the taps inside `taps` and back to the
    // set's multipliers, and back to the first set after each window). The asm keeps only the
    // frame's address on the stack (below r6 and r7, saved because LLVM may use them) and reads
    // the frame through it, using its first word as its row counter; `sp` is restored
    // before the end; every operand is in a named register and every register written is
    // declared.
    unsafe {
        asm!(
            "push {{r6, r7}}",
            "push {{r0}}",
            "2:",
            "ldm r10!, {{r0-r3}}",
            "ldr r6, [sp]",
            "ldr r4, [r6, #32]",
            "add r10, r10, r4",
            "ldr r4, [r6, #16]",
            "str r4, [r6]",
            "cmp r4, #0",
            "beq 5f",
            "3:",
            "ldr lr, [sp]",
            "ldr lr, [lr, #20]",
            "4:",
            "ldr r5, [r8]",
            "add r8, r8, r12",
            "ldr r4, [r10], #4",
            "sxtb16 r6, r4",
            "sxtb16 r4, r4, ror #8",
            "sxtab16 r7, r9, r5",
            "sxtab16 r5, r9, r5, ror #8",
            "smlabb r0, r6, r7, r0",
            "smlatt r2, r6, r7, r2",
            "smlabb r1, r4, r5, r1",
            "smlatt r3, r4, r5, r3",
            "subs lr, lr, #1",
            "bne 4b",
            "ldr r6, [sp]",
            "ldr r4, [r6, #24]",
            "add r8, r8, r4",
            "ldr r4, [r6, #28]",
            "add r10, r10, r4",
            "ldr r4, [r6]",
            "subs r4, r4, #1",
            "str r4, [r6]",
            "bne 3b",
            "5:",
            "ldr r6, [sp]",
            "ldr r4, [r6, #36]",
            "add r10, r10, r4",
            "ldr r4, [r6, #4]",
            "sub r8, r8, r4",
            dw_requant_store!("ldr r5, [sp]\nldr r5, [r5, #12]"),
            "ldr r6, [sp]",
            "ldr r4, [r6, #8]",
            "cmp r11, r4",
            "bne 2b",
            "ldr r4, [r6, #40]",
            "cmp r11, r4",
            "beq 6f",
            "ldr r5, [r6, #48]",
            "add r4, r11, r5",
            "str r4, [r6, #8]",
            "ldr r4, [r6, #52]",
            "add r11, r11, r4",
            "ldr r4, [r6, #44]",
            "add r8, r8, r4",
            "ldr r4, [r6, #56]",
            "sub r10, r10, r4",
            "b 2b",
            "6:",
            "add sp, sp, #4",
            "pop {{r6, r7}}",
            inout("r0") frame.as_mut_ptr() => _,
            inout("r8") x.as_ptr() => _,
            inout("r10") table.as_ptr() => _,
            inout("r11") op => _,
            in("r12") win.x_col,
            in("r9") win.offset,
            out("r1") _,
            out("r2") _,
            out("r3") _,
            out("r4") _,
            out("r5") _,
            out("lr") _,
        );
    }
}

/// One slot of [`dw3_rows`]'s four outputs: the slot's lanes `4q .. 4q + 6` (words at `r0 +
/// 8j`, `+ 4` and `+ 24`) into r8–r10, the filter row's three weight words (r1, post
/// incremented) into r11, r12, lr, and eight multiply-accumulates into r4–r7.
macro_rules! dw_rows_slot {
    ($a:literal, $c:literal) => {
        concat!(
            "ldrd r8, r9, [r0, #",
            $a,
            "]\n",
            "ldr r10, [r0, #",
            $c,
            "]\n",
            "ldm r1!, {{r11, r12, lr}}\n",
            "smlad r4, r8, r11, r4\n",
            "smlabb r4, r9, lr, r4\n",
            "smlad r5, r9, r12, r5\n",
            "smlatt r5, r8, lr, r5\n",
            "smlad r6, r9, r11, r6\n",
            "smlabb r6, r10, lr, r6\n",
            "smlad r7, r10, r12, r7\n",
            "smlatt r7, r9, lr, r7",
        )
    };
}

/// One image of a 3×3, stride-1 depthwise convolution (see [`DwRows`] and the portable twin's
/// documentation for the arithmetic), [`DwRows::group`] channels at a time: each input row of
/// the group is widened by one asm loop ([`widen_one`] or [`widen_four`]), and each output row
/// of each channel is one asm loop of four outputs per step: per slot `ldrd` + `ldr` of the
/// lanes, `ldm` of the filter row's weights, eight `smlad`/`smlabb`/`smlatt`; then
/// `requantize_fast`, `ssat` and four `strb`. Does nothing unless [`DwRows::fits`].
///
/// The requantization leaves out the sign correction unless `FIX`
/// ([`crate::quant::needs_sign_fix`]).
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
    let (group, ring) = (r.group(), r.ring_words());
    let zero = (r.zero as u16 as u32).wrapping_mul(0x1_0001);
    let units = group * r.units();
    for j in 0..3 {
        // SAFETY: `fits` checked the scratch holds `group · ring` words, `units` units of six.
        unsafe { fill_slot(blocks.as_mut_ptr().add(2 * j), units, zero) };
    }
    let (ch, iw, ow) = (r.channels, r.input_width, r.output_width);
    // Input lanes before the first whole unit (lanes `pad_left .. 4` of unit 0), whole units
    // (from unit `pad_left`), and the lanes after them.
    let head = if r.pad_left == 1 { iw.min(3) } else { 0 };
    let (whole, tail) = ((iw - head) / 4, (iw - head) % 4);
    let lanes = Lanes {
        head,
        whole,
        tail,
        pad_left: r.pad_left,
        pixel: ch,
        ring: 4 * ring,
    };
    // Per channel of the group a frame of eleven words: how far to move the lane pointer and the
    // output pointer from the end of the channel's row to the next channel's row, the
    // multiplier, `e`, `k · 2^(e − 1)`, `ch`, the row's output end (set for the group's first
    // channel, then by the asm), the doubled bias four times.
    let row_out = ow * ch;
    let mut frames = [[
        (4 * ring).wrapping_sub(6 * ow) as u32,
        1usize.wrapping_sub(row_out) as u32,
        0,
        0,
        0,
        ch as u32,
        0,
        0,
        0,
        0,
        0,
    ]; 4];
    for c0 in (0..ch).step_by(group) {
        for (g, frame) in frames.iter_mut().enumerate().take(group) {
            let t = &table[(c0 + g) * DW_ROWS_CHANNEL_WORDS..][..DW_ROWS_CHANNEL_WORDS];
            frame[2] = t[16];
            frame[3] = t[17];
            frame[4] = crate::quant::doubled_k(r.k, t[17]) as u32;
            frame[7..].fill(t[15]);
        }
        // Padded row `pr` goes to slot `j = pr % 3`; output row `pr − 2` then takes filter row
        // `(j' − y) mod 3` on slot `j'`, that is table words from `3 · (2 − j)`.
        let mut j = 0;
        for pr in 0..r.output_height + 2 {
            match pr.checked_sub(r.pad_top).filter(|ir| *ir < r.input_height) {
                // SAFETY: `fits` checked the image holds row `ir`'s `iw` pixels of `ch` bytes,
                // of which the group's channels `c0 .. c0 + group` are read, and the scratch
                // `group` parts of `units` units of six words: the head lanes lie in unit 0
                // (lanes `1..4`), the whole units in units `pad_left .. pad_left + whole` and
                // the tail lanes in the next unit, all within `pad_left + iw ≤ 4 · units` lanes,
                // of slot `j` (words `2j`, `2j + 1`).
                Some(ir) => unsafe {
                    let src = x.as_ptr().add((ir * iw) * ch + c0);
                    let slot = blocks.as_mut_ptr().add(2 * j) as *mut u8;
                    if group == 4 {
                        widen_four(src, slot, &lanes);
                    } else {
                        widen_one(src, slot, &lanes);
                    }
                },
                // SAFETY: as above, slot `j` of each of the `units` units.
                None => unsafe { fill_slot(blocks.as_mut_ptr().add(2 * j), units, zero) },
            }
            let jr = j;
            j = if j == 2 { 0 } else { j + 1 };
            let Some(y) = pr.checked_sub(2) else {
                continue;
            };
            let o = out[c0..].as_mut_ptr().wrapping_add(y * row_out);
            frames[0][6] = o.wrapping_add(row_out) as u32;
            // SAFETY: channel `g`'s part of the scratch (`ring` words from `g · ring`) holds
            // `units = ow / 4 + 1` units, and step `q` reads units `q` and `q + 1`; the table
            // words `3s .. 3s + 9` (`s = 2 − jr`) of each of the group's channels (18 words
            // each, from channel `c0`'s) are read once per step and the pointer moved back; the
            // outputs `(y · ow + x) · ch + c` for `x < ow` lie in the image (`fits`). The frames
            // (`group` of them) are read through r3, the next channel's row end written into its
            // frame; r6, r7 (which inline asm may not name) and the channel count are pushed and
            // popped; `sp` is as it was.
            unsafe {
                asm!(
                    "push {{r6, r7}}",
                    "push {{r4}}",
                    "2:",
                    "ldm r3, {{r4-r7}}",
                    dw_rows_slot!("0", "24"),
                    dw_rows_slot!("8", "32"),
                    dw_rows_slot!("16", "40"),
                    "adds r0, r0, #24",
                    "subs r1, r1, #36",
                    "ldmdb r3, {{r8-r12}}",
                    requant_doubled_asm!("r4", "r8", "r9", "r10", "lr"),
                    requant_doubled_asm!("r5", "r8", "r9", "r10", "lr"),
                    requant_doubled_asm!("r6", "r8", "r9", "r10", "lr"),
                    requant_doubled_asm!("r7", "r8", "r9", "r10", "lr"),
                    "strb r4, [r2]",
                    "strb r5, [r2, r11]",
                    "add lr, r2, r11, lsl #1",
                    "strb r6, [lr]",
                    "strb r7, [lr, r11]",
                    "add r2, r2, r11, lsl #2",
                    "cmp r2, r12",
                    "bne 2b",
                    // The next channel: its part of the scratch, its first output, its row end,
                    // its table words and frame.
                    "ldr r8, [sp]",
                    "subs r8, r8, #1",
                    "beq 3f",
                    "str r8, [sp]",
                    "ldrd r8, r9, [r3, #-28]",
                    "add r0, r0, r8",
                    "add r2, r2, r9",
                    "add r12, r12, #1",
                    "add r1, r1, #72",
                    "add r3, r3, #44",
                    "str r12, [r3, #-4]",
                    "b 2b",
                    "3:",
                    "add sp, sp, #4",
                    "pop {{r6, r7}}",
                    inout("r0") blocks.as_ptr() => _,
                    inout("r1") table.as_ptr().add(c0 * DW_ROWS_CHANNEL_WORDS + 3 * (2 - jr)) => _,
                    inout("r2") o => _,
                    inout("r3") frames[0].as_ptr().add(7) => _,
                    inout("r4") group => _,
                    out("r5") _,
                    out("r8") _,
                    out("r9") _,
                    out("r10") _,
                    out("r11") _,
                    out("r12") _,
                    out("lr") _,
                    fix = const FIX as u32,
                );
            }
        }
    }
}

/// `zero` into both words of the row slot at `slot` in `units` units of six words (a loop, not
/// unrolled: the scratch of a layer is filled a few times per image).
///
/// # Safety
///
/// `slot` must be valid for writes of `6 · units − 4` words.
#[inline(always)]
unsafe fn fill_slot(slot: *mut u32, units: usize, zero: u32) {
    // SAFETY: the caller guarantees every write; every register written is declared.
    unsafe {
        asm!(
            "1:",
            "strd r2, r2, [r0], #24",
            "subs r1, r1, #1",
            "bne 1b",
            inout("r0") slot => _,
            inout("r1") units => _,
            in("r2") zero,
            options(nostack),
        );
    }
}

/// Where [`widen_one`] and [`widen_four`] put an input row: `head` lanes from lane `pad_left` of
/// unit 0, `whole` units from unit `pad_left`, then `tail` lanes; input pixels `pixel` bytes
/// apart, the group's channels' parts of the scratch `ring` bytes apart.
struct Lanes {
    head: usize,
    whole: usize,
    tail: usize,
    pad_left: usize,
    pixel: usize,
    ring: usize,
}

/// One channel's input row from `src` into row slot `slot` (see [`Lanes`]): the head and tail
/// lanes by `ldrsb` and `strh`, whole units by four `ldrsb`, two `pkhbt` and one `strd`.
///
/// # Safety
///
/// `src` must hold `head + 4 · whole + tail` pixels and `slot` the lanes [`Lanes`] names.
#[inline(always)]
unsafe fn widen_one(src: *const u8, slot: *mut u8, l: &Lanes) {
    // SAFETY: the caller guarantees every read and write; every register written is declared.
    unsafe {
        asm!(
            "cbz r3, 2f",
            "1:",
            "ldrsb r9, [r0]",
            "add r0, r0, r2",
            "strh r9, [r1], #2",
            "subs r3, r3, #1",
            "bne 1b",
            "2:",
            "cbz r4, 4f",
            "3:",
            "ldrsb r9, [r0]",
            "ldrsb r10, [r0, r2]",
            "add r0, r0, r2, lsl #1",
            "ldrsb r11, [r0]",
            "ldrsb r12, [r0, r2]",
            "add r0, r0, r2, lsl #1",
            "pkhbt r9, r9, r10, lsl #16",
            "pkhbt r11, r11, r12, lsl #16",
            "strd r9, r11, [r8], #24",
            "subs r4, r4, #1",
            "bne 3b",
            "4:",
            "cbz r5, 6f",
            "5:",
            "ldrsb r9, [r0]",
            "add r0, r0, r2",
            "strh r9, [r8], #2",
            "subs r5, r5, #1",
            "bne 5b",
            "6:",
            inout("r0") src => _,
            inout("r1") slot.add(2) => _,
            in("r2") l.pixel,
            inout("r3") l.head => _,
            inout("r4") l.whole => _,
            inout("r5") l.tail => _,
            inout("r8") slot.add(24 * l.pad_left) => _,
            out("r9") _,
            out("r10") _,
            out("r11") _,
            out("r12") _,
            options(nostack),
        );
    }
}

/// One input pixel of [`widen_four`] (its four channels' bytes loaded from r0, which moves on by
/// r2) into one lane of each channel's part of the scratch: `strh` at `$at`, `$at + lr`,
/// `$at + r12` and `$at + r11` (parts 0 to 3); then `$at` moves on one lane.
macro_rules! four_lanes_of_a_pixel {
    ($at:literal) => {
        concat!(
            "ldr r9, [r0]\n",
            "add r0, r0, r2\n",
            "sxtb16 r10, r9\n",
            "sxtb16 r9, r9, ror #8\n",
            "strh r10, [",
            $at,
            "]\n",
            "strh r9, [",
            $at,
            ", lr]\n",
            "lsr r10, r10, #16\n",
            "lsr r9, r9, #16\n",
            "strh r10, [",
            $at,
            ", r12]\n",
            "strh r9, [",
            $at,
            ", r11]\n",
            "add ",
            $at,
            ", ",
            $at,
            ", #2",
        )
    };
}

/// Two input pixels of [`widen_four`] (from r0, which moves on by twice r2) into a word of two
/// lanes of each channel's part of the scratch (r8, r8 + lr, r8 + r12, r8 + r11): `pkhbt` and
/// `pkhtb` pair the pixels' bytes of channels 0 and 1, and of 2 and 3, `sxtb16` widens them.
macro_rules! four_lanes_of_two_pixels {
    () => {
        concat!(
            "ldr r1, [r0]\n",
            "ldr r3, [r0, r2]\n",
            "add r0, r0, r2, lsl #1\n",
            "pkhbt r9, r1, r3, lsl #16\n",
            "pkhtb r3, r3, r1, asr #16\n",
            "sxtb16 r1, r9\n",
            "sxtb16 r9, r9, ror #8\n",
            "sxtb16 r10, r3\n",
            "sxtb16 r3, r3, ror #8\n",
            "str r1, [r8]\n",
            "str r9, [r8, lr]\n",
            "str r10, [r8, r12]\n",
            "str r3, [r8, r11]",
        )
    };
}

/// Four channels' input row from `src` into row slot `slot` of their four parts of the scratch
/// (see [`Lanes`]): a head or tail pixel by one `ldr` (its four channels), two `sxtb16`, two
/// `lsr` and four `strh`; a whole unit as two pairs of pixels, each two `ldr`, `pkhbt` and
/// `pkhtb` (the two pixels' bytes of channels 0 and 1, and of 2 and 3), four `sxtb16` (one lane
/// pair per channel) and four `str`.
///
/// # Safety
///
/// `src` must hold `head + 4 · whole + tail` pixels of at least four bytes, and the four parts
/// of `slot`, `ring` bytes apart, the lanes [`Lanes`] names.
#[inline(always)]
unsafe fn widen_four(src: *const u8, slot: *mut u8, l: &Lanes) {
    // SAFETY: the caller guarantees every read (unaligned word loads, which Armv7E-M and Armv8-M
    // Mainline allow) and write; every register written is declared.
    unsafe {
        asm!(
            "cbz r3, 2f",
            "1:",
            four_lanes_of_a_pixel!("r1"),
            "subs r3, r3, #1",
            "bne 1b",
            "2:",
            "cbz r4, 4f",
            "3:",
            four_lanes_of_two_pixels!(),
            "add r8, r8, #4",
            four_lanes_of_two_pixels!(),
            "add r8, r8, #20",
            "subs r4, r4, #1",
            "bne 3b",
            "4:",
            "cbz r5, 6f",
            "5:",
            four_lanes_of_a_pixel!("r8"),
            "subs r5, r5, #1",
            "bne 5b",
            "6:",
            inout("r0") src => _,
            inout("r1") slot.add(2) => _,
            in("r2") l.pixel,
            inout("r3") l.head => _,
            inout("r4") l.whole => _,
            inout("r5") l.tail => _,
            inout("r8") slot.add(24 * l.pad_left) => _,
            out("r9") _,
            out("r10") _,
            in("r11") 3 * l.ring,
            in("r12") 2 * l.ring,
            in("lr") l.ring,
            options(nostack),
        );
    }
}
