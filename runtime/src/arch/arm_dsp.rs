//! Armv7E-M / Armv8-M Mainline DSP extension: the int8 SIMD primitives as single instructions.
//!
//! A word holds two signed 16-bit lanes (low half, high half). Every function here is one
//! instruction with no memory access, so LLVM schedules and allocates registers around them as
//! for its own instructions. `SMLAD`'s accumulation wraps (it only sets the sticky Q flag), as
//! `wrapping_add` does; results are identical to `portable_dsp`.
#![allow(unsafe_code)]

use core::arch::asm;

/// Bytes 0 and 2 of `x`, sign-extended into the low and high lanes.
#[inline(always)]
pub fn sxtb16(x: u32) -> u32 {
    let r: u32;
    // SAFETY: one register-only instruction.
    unsafe {
        asm!("sxtb16 {r}, {x}", r = lateout(reg) r, x = in(reg) x, options(pure, nomem, nostack, preserves_flags))
    };
    r
}

/// Bytes 1 and 3 of `x`, sign-extended into the low and high lanes.
#[inline(always)]
pub fn sxtb16_ror8(x: u32) -> u32 {
    let r: u32;
    // SAFETY: one register-only instruction.
    unsafe {
        asm!("sxtb16 {r}, {x}, ror #8", r = lateout(reg) r, x = in(reg) x, options(pure, nomem, nostack, preserves_flags))
    };
    r
}

/// Bytes 0 and 2 of `x`, sign-extended, added lane-wise (16-bit, wrapping) to the lanes of `a`.
#[inline(always)]
pub fn sxtab16(a: u32, x: u32) -> u32 {
    let r: u32;
    // SAFETY: one register-only instruction.
    unsafe {
        asm!("sxtab16 {r}, {a}, {x}", r = lateout(reg) r, a = in(reg) a, x = in(reg) x, options(pure, nomem, nostack, preserves_flags))
    };
    r
}

/// Bytes 1 and 3 of `x`, sign-extended, added lane-wise (16-bit, wrapping) to the lanes of `a`.
#[inline(always)]
pub fn sxtab16_ror8(a: u32, x: u32) -> u32 {
    let r: u32;
    // SAFETY: one register-only instruction.
    unsafe {
        asm!("sxtab16 {r}, {a}, {x}, ror #8", r = lateout(reg) r, a = in(reg) a, x = in(reg) x, options(pure, nomem, nostack, preserves_flags))
    };
    r
}

/// `acc + lo(a)·lo(b) + hi(a)·hi(b)` on signed 16-bit lanes, wrapping.
#[inline(always)]
pub fn smlad(a: u32, b: u32, acc: i32) -> i32 {
    let r: i32;
    // SAFETY: one register-only instruction (it may set the sticky Q flag, which nothing reads).
    unsafe {
        asm!("smlad {r}, {a}, {b}, {acc}", r = lateout(reg) r, a = in(reg) a, b = in(reg) b, acc = in(reg) acc, options(pure, nomem, nostack))
    };
    r
}

/// `acc` plus the dot product of the four signed bytes of `x` and of `w`, wrapping: two
/// `sxtb16` of each and two `smlad` (bytes 0 and 2, then 1 and 3).
#[inline(always)]
pub fn dot4_s8(x: u32, w: u32, acc: i32) -> i32 {
    let acc = smlad(sxtb16(x), sxtb16(w), acc);
    smlad(sxtb16_ror8(x), sxtb16_ror8(w), acc)
}

/// `(a · b + 2^31) >> 32`: the high word of the 64-bit product, rounded.
#[inline(always)]
pub fn smmulr(a: i32, b: i32) -> i32 {
    let r: i32;
    // SAFETY: one register-only instruction.
    unsafe {
        asm!("smmulr {r}, {a}, {b}", r = lateout(reg) r, a = in(reg) a, b = in(reg) b, options(pure, nomem, nostack, preserves_flags))
    };
    r
}

/// `acc + lo(a)·lo(b)` on signed 16-bit lanes, wrapping.
#[inline(always)]
pub fn smlabb(a: u32, b: u32, acc: i32) -> i32 {
    let r: i32;
    // SAFETY: one register-only instruction (it may set the sticky Q flag, which nothing reads).
    unsafe {
        asm!("smlabb {r}, {a}, {b}, {acc}", r = lateout(reg) r, a = in(reg) a, b = in(reg) b, acc = in(reg) acc, options(pure, nomem, nostack))
    };
    r
}

/// `acc + hi(a)·hi(b)` on signed 16-bit lanes, wrapping.
#[inline(always)]
pub fn smlatt(a: u32, b: u32, acc: i32) -> i32 {
    let r: i32;
    // SAFETY: one register-only instruction (it may set the sticky Q flag, which nothing reads).
    unsafe {
        asm!("smlatt {r}, {a}, {b}, {acc}", r = lateout(reg) r, a = in(reg) a, b = in(reg) b, acc = in(reg) acc, options(pure, nomem, nostack))
    };
    r
}

/// Every output channel of one pixel of a convolution whose window fits twelve 16-bit lanes
/// (`conv_small_s8`): `x` holds the widened window (six words), `table` per channel nine words
/// `[bias, six weight words, 2 · multiplier (wrapping), (e − 1) | k << 8]`
/// (`k = 1 + 2 · output_offset`), and
/// the channel's sum `bias + Σ smlad(x[j], w[j])` is requantized (`requantize_fast`, saturated to
/// int8) into `out[c]`. Seventeen instructions per channel. Does nothing if a slice is too short.
pub fn small_window(x: &[u32; 6], table: &[u32], out: &mut [i8]) {
    let n = out.len();
    if n == 0 || table.len() / 9 < n {
        return;
    }
    // SAFETY: `n ≥ 1` channels read `9n` words of `table` and write `n` bytes of `out`, both
    // checked above; `x` is six words; `r6` is pushed and popped (leaving `sp` as it was), every
    // other clobbered register is declared. Registers are fixed so that every `ldm` list is in
    // ascending order (the sum in r0, weights in r1–r3).
    unsafe {
        asm!(
            "ldm r12, {{r4, r5, r8, r9, r10, r11}}",
            "mov r12, r0",
            "push {{r6}}",
            "mov r6, r1",
            "2:",
            "ldm r12!, {{r0, r1, r2, r3}}",
            "smlad r0, r4, r1, r0",
            "smlad r0, r5, r2, r0",
            "smlad r0, r8, r3, r0",
            "ldm r12!, {{r1, r2, r3}}",
            "smlad r0, r9, r1, r0",
            "smlad r0, r10, r2, r0",
            "smlad r0, r11, r3, r0",
            "ldm r12!, {{r1, r2}}",
            "smmlar r0, r0, r1, r0",
            "add r0, r0, r0, asr #31",
            "asr r0, r0, r2",
            "add r0, r0, r2, asr #8",
            "ssat r0, #8, r0, asr #1",
            "strb r0, [lr], #1",
            "subs r6, r6, #1",
            "bne 2b",
            "pop {{r6}}",
            inout("r12") x.as_ptr() => _,
            inout("r0") table.as_ptr() => _,
            inout("r1") n => _,
            inout("lr") out.as_mut_ptr() => _,
            out("r2") _,
            out("r3") _,
            out("r4") _,
            out("r5") _,
            out("r8") _,
            out("r9") _,
            out("r10") _,
            out("r11") _,
        );
    }
}

/// Clamps every int8 of `v` to `lo..=hi` (an activation range narrower than int8's, after the
/// kernels saturated to int8). A byte loop: LLVM's vectorized form is many times its size.
pub fn clamp_bytes(v: &mut [i8], lo: i32, hi: i32) {
    if v.is_empty() {
        return;
    }
    // SAFETY: reads and writes exactly `v.len() ≥ 1` bytes from its start; clobbers are
    // declared (the flags too: no `preserves_flags`).
    unsafe {
        asm!(
            "2:",
            "ldrsb {t}, [{p}]",
            "cmp {t}, {lo}",
            "it lt",
            "movlt {t}, {lo}",
            "cmp {t}, {hi}",
            "it gt",
            "movgt {t}, {hi}",
            "strb {t}, [{p}], #1",
            "subs {n}, {n}, #1",
            "bne 2b",
            p = inout(reg) v.as_mut_ptr() => _,
            n = inout(reg) v.len() => _,
            lo = in(reg) lo,
            hi = in(reg) hi,
            t = out(reg) _,
            options(nostack),
        );
    }
}

/// Sets every byte of `dst` to `v` (a few bytes of a convolution window, or a convolution's
/// band: a `memset` call costs more than these).
pub fn fill_bytes(dst: &mut [u8], v: u8) {
    if dst.is_empty() {
        return;
    }
    // SAFETY: writes exactly `dst.len() ≥ 1` bytes from its start, four words at a time, then
    // words (unaligned words are fine on Armv7E-M), then bytes; clobbers are declared.
    unsafe {
        asm!(
            "subs {n}, {n}, #16",
            "blt 3f",
            "2:",
            "str {v}, [{d}], #4",
            "str {v}, [{d}], #4",
            "str {v}, [{d}], #4",
            "str {v}, [{d}], #4",
            "subs {n}, {n}, #16",
            "bge 2b",
            "3:",
            "adds {n}, {n}, #12",
            "blt 5f",
            "4:",
            "str {v}, [{d}], #4",
            "subs {n}, {n}, #4",
            "bge 4b",
            "5:",
            "adds {n}, {n}, #4",
            "beq 7f",
            "6:",
            "strb {v}, [{d}], #1",
            "subs {n}, {n}, #1",
            "bne 6b",
            "7:",
            v = in(reg) u32::from(v) * 0x0101_0101,
            d = inout(reg) dst.as_mut_ptr() => _,
            n = inout(reg) dst.len() => _,
            options(nostack),
        );
    }
}

/// [`copy_rows`] for the pixels of one filter row into the column band of
/// `kiln::kernels::conv_band_s8`: runs of 3 bytes (RGB pixels) move with a halfword and a byte,
/// no inner loop; runs of whole double words at word-aligned addresses eight bytes at a time
/// (`ldrd`/`strd`, thirteen instructions per run of sixteen); other runs go to [`copy_rows`].
#[inline(never)]
pub fn copy_short_rows(
    dst: &mut [u8],
    dst_step: usize,
    src: &[u8],
    src_step: usize,
    rows: usize,
    n: usize,
) {
    let aligned =
        (src.as_ptr() as usize | dst.as_ptr() as usize | src_step | dst_step).is_multiple_of(4);
    if n != 3 && !(aligned && n.is_multiple_of(8)) {
        return copy_rows(dst, dst_step, src, src_step, rows, n);
    }
    if !super::runs_fit(dst.len(), dst_step, rows, n)
        || !super::runs_fit(src.len(), src_step, rows, n)
    {
        return;
    }
    if n != 3 {
        // SAFETY: every run lies inside the slices (checked above; distinct borrows), `rows ≥ 1`;
        // every address is word-aligned (`ldrd`/`strd` need it) and each run moves exactly `n`
        // bytes, eight at a time, the pointers then moved to the next run; every clobbered
        // register is declared.
        unsafe {
            asm!(
                "2:",
                "mov {c}, {n}",
                "3:",
                "ldrd {t}, {u}, [{s}], #8",
                "strd {t}, {u}, [{d}], #8",
                "subs {c}, {c}, #8",
                "bne 3b",
                "add {s}, {s}, {ss}",
                "add {d}, {d}, {ds}",
                "subs {rows}, {rows}, #1",
                "bne 2b",
                rows = inout(reg) rows => _,
                n = in(reg) n,
                s = inout(reg) src.as_ptr() => _,
                d = inout(reg) dst.as_mut_ptr() => _,
                ss = in(reg) src_step.wrapping_sub(n),
                ds = in(reg) dst_step.wrapping_sub(n),
                c = out(reg) _,
                t = out(reg) _,
                u = out(reg) _,
                options(nostack),
            );
        }
        return;
    }
    // SAFETY: every run lies inside the slices (checked above; distinct borrows), `rows ≥ 1`;
    // each step moves exactly 3 bytes; every clobbered register is declared.
    unsafe {
        asm!(
            "2:",
            "ldrh {h}, [{s}]",
            "ldrb {b}, [{s}, #2]",
            "add {s}, {s}, {ss}",
            "strh {h}, [{d}]",
            "strb {b}, [{d}, #2]",
            "add {d}, {d}, {ds}",
            "subs {rows}, {rows}, #1",
            "bne 2b",
            rows = inout(reg) rows => _,
            s = inout(reg) src.as_ptr() => _,
            d = inout(reg) dst.as_mut_ptr() => _,
            ss = in(reg) src_step,
            ds = in(reg) dst_step,
            h = out(reg) _,
            b = out(reg) _,
            options(nostack),
        );
    }
}

/// The three filter rows of 3-byte pixels (RGB) into the column band of a 3×3 convolution (see
/// [`super::columns_3x3_fit`]). Every column but the last moves as three unaligned words each
/// way, the fourth byte of each word written again by the next (nine instructions per column);
/// the last column, whose third word would reach past both slices, as halfwords and bytes.
pub fn copy_columns_3x3(dst: &mut [u8], src: &[u8], row: usize, columns: usize) {
    if !super::columns_3x3_fit(dst.len(), src.len(), row, columns) {
        return;
    }
    // SAFETY: `columns ≥ 1`; the columns before the last read at most `2 · row + 3 · columns −
    // 2` bytes and write at most `9 · columns − 8`, the last exactly up to `2 · row + 3 ·
    // columns` and `9 · columns`, which `columns_3x3_fit` checked; every clobbered register
    // is declared.
    unsafe {
        asm!(
            "subs {n}, {n}, #1",
            "beq 3f",
            "2:",
            "ldr {a}, [{s}, {r1}]",
            "ldr {b}, [{s}, {r2}]",
            "ldr {c}, [{s}], #3",
            "str {c}, [{d}]",
            "str {a}, [{d}, #3]",
            "str {b}, [{d}, #6]",
            "add {d}, {d}, #9",
            "subs {n}, {n}, #1",
            "bne 2b",
            "3:",
            "ldrh {a}, [{s}]",
            "ldrb {b}, [{s}, #2]",
            "strh {a}, [{d}]",
            "strb {b}, [{d}, #2]",
            "add {s}, {s}, {r1}",
            "ldrh {a}, [{s}]",
            "ldrb {b}, [{s}, #2]",
            "strh {a}, [{d}, #3]",
            "strb {b}, [{d}, #5]",
            "add {s}, {s}, {r1}",
            "ldrh {a}, [{s}]",
            "ldrb {b}, [{s}, #2]",
            "strh {a}, [{d}, #6]",
            "strb {b}, [{d}, #8]",
            n = inout(reg) columns => _,
            s = inout(reg) src.as_ptr() => _,
            d = inout(reg) dst.as_mut_ptr() => _,
            r1 = in(reg) row,
            r2 = in(reg) 2 * row,
            a = out(reg) _,
            b = out(reg) _,
            c = out(reg) _,
            options(nostack),
        );
    }
}

/// Copies `rows` runs of `n` bytes, `src_step` bytes apart in `src` and `dst_step` apart in
/// `dst` (the rows of a convolution window into its gathered form), word by word then byte by
/// byte. Copies nothing unless every run lies inside both slices.
pub fn copy_rows(
    dst: &mut [u8],
    dst_step: usize,
    src: &[u8],
    src_step: usize,
    rows: usize,
    n: usize,
) {
    if !super::runs_fit(dst.len(), dst_step, rows, n)
        || !super::runs_fit(src.len(), src_step, rows, n)
    {
        return;
    }
    // SAFETY: every run lies inside the slices (checked above; distinct borrows); the loops move
    // exactly `n` bytes per row; every clobbered register is declared.
    unsafe {
        asm!(
            "2:",
            "mov {c}, {n}",
            "mov {sp_}, {s}",
            "mov {dp}, {d}",
            "subs {c}, {c}, #4",
            "blt 4f",
            "3:",
            "ldr {t}, [{sp_}], #4",
            "str {t}, [{dp}], #4",
            "subs {c}, {c}, #4",
            "bge 3b",
            "4:",
            "adds {c}, {c}, #4",
            "beq 6f",
            "5:",
            "ldrb {t}, [{sp_}], #1",
            "strb {t}, [{dp}], #1",
            "subs {c}, {c}, #1",
            "bne 5b",
            "6:",
            "add {s}, {s}, {ss}",
            "add {d}, {d}, {ds}",
            "subs {rows}, {rows}, #1",
            "bne 2b",
            rows = inout(reg) rows => _,
            n = in(reg) n,
            s = inout(reg) src.as_ptr() => _,
            d = inout(reg) dst.as_mut_ptr() => _,
            ss = in(reg) src_step,
            ds = in(reg) dst_step,
            c = out(reg) _,
            sp_ = out(reg) _,
            dp = out(reg) _,
            t = out(reg) _,
            options(nostack),
        );
    }
}

/// One step of [`pointwise_pairs`]'s loop: four inputs of two pixels times two channels, sixteen
/// products (two `ldrd` of widened inputs, one of raw weights, four `sxtb16`, eight `smlad`).
macro_rules! dot_2x2_step {
    () => {
        concat!(
            "ldrd {w0}, {w1}, [{wp}], #8\n",
            "ldrd {xe}, {xo}, [{xp}], #8\n",
            "sxtb16 {we0}, {w0}\n",
            "sxtb16 {w0}, {w0}, ror #8\n",
            "sxtb16 {we1}, {w1}\n",
            "sxtb16 {w1}, {w1}, ror #8\n",
            "smlad {a00}, {xe}, {we0}, {a00}\n",
            "smlad {a00}, {xo}, {w0}, {a00}\n",
            "smlad {a01}, {xe}, {we1}, {a01}\n",
            "smlad {a01}, {xo}, {w1}, {a01}\n",
            "ldrd {xe}, {xo}, [{xp}], #8\n",
            "smlad {a10}, {xe}, {we0}, {a10}\n",
            "smlad {a10}, {xo}, {w0}, {a10}\n",
            "smlad {a11}, {xe}, {we1}, {a11}\n",
            "smlad {a11}, {xo}, {w1}, {a11}",
        )
    };
}

/// The state of [`pointwise_pairs`]'s loop over channel pairs; the asm reads and updates it by
/// fixed offsets (hence `repr(C)` and word-sized fields).
#[repr(C)]
struct PointwiseRow {
    end: *const i8,
    bias: *const i32,
    multiplier: *const i32,
    shift: *const u8,
    out: *mut i8,
    out1: usize,
    k: i32,
    scratch: *const u32,
    words_plus_one: usize,
}

/// Every output channel pair of one pixel pair of a 1×1 convolution (see
/// [`super::PointwisePairs`]): weights `[pair][words][2]` raw words, `scratch` the pixel pair
/// widened (per step: pixel 0's `sxtb16`, `sxtb16_ror8` words, then pixel 1's), `shift` the
/// TFLite shifts (`-31..=-1` as bytes; the asm shifts right by `e − 1`, the low byte of
/// `!shift`). Per pair: the dot products of two pixels × two channels from the biases (sixteen instructions per
/// sixteen products: two `ldrd` of inputs, one of weights, four `sxtb16`, eight `smlad`, the
/// loop), then for
/// each of the four sums `requantize_fast` (`smmlar` by twice the multiplier, `add …, asr #31`,
/// `asr` by `e − 1`, `add k`, `ssat #8, asr #1`: saturated to int8; a narrower activation range is
/// the caller's), the stores. Multipliers must lie in `[2^30, 2^31)` (the compiler's fast path).
/// Does nothing if a slice is too short or there is nothing to do.
#[inline(never)]
pub fn pointwise_pairs(
    p: &super::PointwisePairs,
    scratch: &[u32],
    weights: &[u32],
    bias: &[i32],
    multiplier: &[i32],
    shift: &[u8],
    out: &mut [i8],
) {
    let lens = [
        scratch.len(),
        weights.len(),
        bias.len(),
        multiplier.len(),
        shift.len(),
        out.len(),
    ];
    if !p.fits(lens) {
        return;
    }
    let mut state = PointwiseRow {
        end: out.as_ptr().wrapping_add(2 * p.pairs),
        bias: bias.as_ptr(),
        multiplier: multiplier.as_ptr(),
        shift: shift.as_ptr(),
        out: out.as_mut_ptr(),
        out1: p.out1,
        k: p.k,
        scratch: scratch.as_ptr(),
        words_plus_one: p.words + 1,
    };
    let (row, weights) = (&mut state, weights.as_ptr());
    // SAFETY: `fits` checked every read and write against the slices; the asm reads and
    // updates `state` through its pointer (a live exclusive borrow), saves and restores `r7`
    // (which inline asm may not name) and leaves `sp` as it was; every clobbered register is
    // declared.
    unsafe {
        asm!(
            "push {{r7}}",
            // A channel pair: sums start at the bias.
            "2:",
            "ldr {xp}, [{prm}, #4]",
            "ldrd {a00}, {a01}, [{xp}], #8",
            "str {xp}, [{prm}, #4]",
            "mov {a10}, {a00}",
            "mov {a11}, {a01}",
            "ldr {xp}, [{prm}, #28]",
            "ldr r7, [{prm}, #32]",
            // Two steps per pass; an odd count enters the first pass at its second step.
            "lsrs r7, r7, #1",
            "bcc 9f",
            "3:",
            dot_2x2_step!(),
            "9:",
            dot_2x2_step!(),
            "subs r7, r7, #1",
            "bne 3b",
            "8:",
            // Requantize: w0, w1 = multipliers; we0, we1 = e − 1; r7 = k.
            "ldr {xp}, [{prm}, #8]",
            "ldrd {w0}, {w1}, [{xp}], #8",
            "str {xp}, [{prm}, #8]",
            "ldr {xp}, [{prm}, #12]",
            "ldrb {we1}, [{xp}, #1]",
            "ldrb {we0}, [{xp}], #2",
            "str {xp}, [{prm}, #12]",
            "mvn {we0}, {we0}",
            "mvn {we1}, {we1}",
            "ldr r7, [{prm}, #24]",
            // `smmlar a, a, 2m, a` is `(a · 2^32 + a · (2m − 2^32) + 2^31) >> 32`, the rounded high
            // word of `2a · m` (multipliers are in `[2^30, 2^31)`, so `2m` wraps to `2m − 2^32`).
            "lsl {w0}, {w0}, #1",
            "lsl {w1}, {w1}, #1",
            "smmlar {a00}, {a00}, {w0}, {a00}",
            "add {a00}, {a00}, {a00}, asr #31",
            "asr {a00}, {a00}, {we0}",
            "add {a00}, {a00}, r7",
            "ssat {a00}, #8, {a00}, asr #1",
            "smmlar {a01}, {a01}, {w1}, {a01}",
            "add {a01}, {a01}, {a01}, asr #31",
            "asr {a01}, {a01}, {we1}",
            "add {a01}, {a01}, r7",
            "ssat {a01}, #8, {a01}, asr #1",
            "smmlar {a10}, {a10}, {w0}, {a10}",
            "add {a10}, {a10}, {a10}, asr #31",
            "asr {a10}, {a10}, {we0}",
            "add {a10}, {a10}, r7",
            "ssat {a10}, #8, {a10}, asr #1",
            "smmlar {a11}, {a11}, {w1}, {a11}",
            "add {a11}, {a11}, {a11}, asr #31",
            "asr {a11}, {a11}, {we1}",
            "add {a11}, {a11}, r7",
            "ssat {a11}, #8, {a11}, asr #1",
            // Store: pixel 1 first (its row may be pixel 0's when there is one pixel).
            "ldr {xp}, [{prm}, #16]",
            "ldr r7, [{prm}, #20]",
            "strb {a10}, [{xp}, r7]",
            "strb {a00}, [{xp}], #1",
            "strb {a11}, [{xp}, r7]",
            "strb {a01}, [{xp}], #1",
            "str {xp}, [{prm}, #16]",
            // Until the output pointer reaches the end of the row's channels.
            "ldr r7, [{prm}]",
            "cmp {xp}, r7",
            "bne 2b",
            "pop {{r7}}",
            prm = in(reg) core::ptr::from_mut(row),
            wp = inout(reg) weights => _,
            xp = out(reg) _,
            w0 = out(reg) _,
            w1 = out(reg) _,
            we0 = out(reg) _,
            we1 = out(reg) _,
            xe = out(reg) _,
            xo = out(reg) _,
            a00 = out(reg) _,
            a01 = out(reg) _,
            a10 = out(reg) _,
            a11 = out(reg) _,
        );
    }
}

/// One step of [`pointwise_quads`]'s loop: four inputs of four pixels times one channel, sixteen
/// products in thirteen instructions (one weight word and its two `sxtb16`, two `ldm` of four
/// widened input words, eight `smlad`). Registers: `r0` table, `r1` scratch, `r2`–`r5` inputs,
/// `r6`/`r7` the weight lanes, `r8`–`r11` the sums.
macro_rules! dot_1x4_step {
    () => {
        concat!(
            "ldr r7, [r0], #4\n",
            "sxtb16 r6, r7\n",
            "sxtb16 r7, r7, ror #8\n",
            "ldm.w r1!, {{r2, r3, r4, r5}}\n",
            "smlad r8, r2, r6, r8\n",
            "smlad r8, r3, r7, r8\n",
            "smlad r9, r4, r6, r9\n",
            "smlad r9, r5, r7, r9\n",
            "ldm.w r1!, {{r2, r3, r4, r5}}\n",
            "smlad r10, r2, r6, r10\n",
            "smlad r10, r3, r7, r10\n",
            "smlad r11, r4, r6, r11\n",
            "smlad r11, r5, r7, r11",
        )
    };
}

/// Every output channel of four pixels of a 1×1 convolution (see [`super::PointwiseQuads`]): per
/// channel, the four sums start at the bias (`table` word `>> 8`), run over the widened pixels
/// (thirteen instructions per sixteen products, four steps per pass, a count that is not a
/// multiple of four entering the first pass part-way), are requantized by
/// `requantize_fast` (`smmlar` by twice the multiplier, `add …, asr #31`, `asr` by `e − 1`, `add
/// k`, `ssat #8, asr #1`: saturated to int8; a narrower activation range is the caller's) and
/// stored. Does nothing if a slice is too short or there is nothing to do.
///
/// The check is inlined into the caller and the asm takes plain words, so that the caller keeps
/// no parameter struct on its stack (and a layer's constant words are no arguments at all).
#[inline(always)]
pub fn pointwise_quads(p: &super::PointwiseQuads, scratch: &[u32], table: &[u32], out: &mut [i8]) {
    if !p.fits(scratch.len(), table.len(), out.len()) {
        return;
    }
    // SAFETY: `fits` checked every read and write against the slices.
    unsafe { quads_of(p, table.as_ptr(), scratch.as_ptr(), out.as_mut_ptr(), p.out) };
}

/// [`quads`] for the channels of `p` with pixel 0's outputs at `out` and those of pixels 1 to 3
/// `offsets` bytes after them: the passes over the scratch and the entry step follow from
/// `p.words`.
///
/// # Safety
///
/// As for [`quads`].
#[inline(always)]
unsafe fn quads_of(
    p: &super::PointwiseQuads,
    table: *const u32,
    scratch: *const u32,
    out: *mut i8,
    [o1, o2, o3]: [usize; 3],
) {
    let (end, passes, skip) = (
        out.wrapping_add(p.channels),
        p.words.div_ceil(4),
        (4 - p.words % 4) % 4,
    );
    // SAFETY: the caller's guarantee.
    unsafe {
        if p.sign_fix {
            quads::<true>(table, scratch, o1, o2, o3, out, end, passes, p.k, skip);
        } else {
            quads::<false>(table, scratch, o1, o2, o3, out, end, passes, p.k, skip);
        }
    }
}

/// The asm of [`pointwise_quads`]: the outputs of pixels 1 to 3 at `o1`, `o2`, `o3` bytes after
/// pixel 0's, one channel per step from `out` to `end`, `passes` passes of four steps over the
/// scratch, the first entered `skip` steps in.
///
/// The loop's state lives in nine words the asm pushes (no frame of the function's own):
/// `[sp]` `o1`, `o2`, `o3`, the output pointer, `end`, the scratch pointer, `passes`, `k` and
/// the entry of the loop body (the address, Thumb bit set, of the step where a channel's sums
/// start).
///
/// # Safety
///
/// `table`, `scratch` and the outputs must hold what [`super::PointwiseQuads::fits`] checks.
#[inline(never)]
#[allow(clippy::too_many_arguments)]
unsafe fn quads<const FIX: bool>(
    table: *const u32,
    scratch: *const u32,
    o1: usize,
    o2: usize,
    o3: usize,
    out: *mut i8,
    end: *const i8,
    passes: usize,
    k: i32,
    skip: usize,
) {
    // SAFETY: the caller guarantees every read and write; the asm keeps its state in words it
    // pushes below `sp` and pops before the end, saves and restores `r6` and `r7` (which inline
    // asm may not name), leaves `sp` as it was and declares every other register it clobbers.
    // Registers are fixed so that the `push` and `ldm` lists ascend.
    unsafe {
        asm!(
            "push {{r6, r7}}",
            // The entry of the loop body: `skip` steps of 52 bytes into the first pass.
            "adr.w r11, 3f",
            "mov lr, #52",
            "mla r11, r12, lr, r11",
            "orr r11, r11, #1",
            "push.w {{r1, r2, r3, r4, r5, r8, r9, r10, r11}}",
            // A channel: the four sums start at the bias.
            "2:",
            "ldr lr, [r0], #4",
            "asr r8, lr, #8",
            "mov r9, r8",
            "mov r10, r8",
            "mov r11, r8",
            "ldrd r1, r12, [sp, #20]",
            "ldr pc, [sp, #32]",
            // Four steps per pass, each of 52 bytes (wide encodings), the first word-aligned
            // (the padding is never executed: the branch above and the loop jump over it), so
            // that `adr` and the entry computed from it reach every step exactly.
            ".p2align 2",
            "3:",
            dot_1x4_step!(),
            "4:",
            dot_1x4_step!(),
            "5:",
            dot_1x4_step!(),
            "6:",
            dot_1x4_step!(),
            "subs r12, r12, #1",
            "bne 3b",
            "ldr r7, [r0], #4",
            "ldr r6, [sp, #28]",
            requant_fast_asm!("r8", "r7", "lr", "r6"),
            requant_fast_asm!("r9", "r7", "lr", "r6"),
            requant_fast_asm!("r10", "r7", "lr", "r6"),
            requant_fast_asm!("r11", "r7", "lr", "r6"),
            // Store, pixel 3 first (see `PointwiseQuads::out`), then on to the next channel
            // until the output pointer reaches the end.
            "ldm sp, {{r2, r3, r4, r5, r12}}",
            "strb r11, [r5, r4]",
            "strb r10, [r5, r3]",
            "strb r9, [r5, r2]",
            "strb r8, [r5]",
            "adds r5, r5, #1",
            "str r5, [sp, #12]",
            "cmp r5, r12",
            "bne 2b",
            "add sp, sp, #36",
            "pop {{r6, r7}}",
            // The entries are 52 bytes apart: every step must stay 52 bytes.
            ".ifne (4b - 3b) - 52 + (5b - 4b) - 52 + (6b - 5b) - 52",
            ".error \"pointwise_quads: a loop step is not 52 bytes\"",
            ".endif",
            inout("r0") table => _,
            inout("r1") o1 => _,
            inout("r2") o2 => _,
            inout("r3") o3 => _,
            inout("r4") out => _,
            inout("r5") end => _,
            inout("r8") scratch => _,
            inout("r9") passes => _,
            inout("r10") k => _,
            out("r11") _,
            inout("r12") skip => _,
            out("lr") _,
            fix = const FIX as u32,
        );
    }
}

/// Widens four windows into `dst` as [`super::WidenQuad`] describes: per step four unaligned
/// word loads, eight `sxtab16` and one `stm` of eight words (fifteen instructions per sixteen
/// bytes). Does nothing if a slice is too short.
///
/// The check is inlined into the caller and the asm takes plain words, as for
/// [`pointwise_quads`].
#[inline(always)]
pub fn widen_quad(q: &super::WidenQuad, src: &[u8], dst: &mut [u32]) {
    if !q.fits(src.len(), dst.len()) {
        return;
    }
    // SAFETY: `fits` checked every read and write against the slices.
    unsafe {
        widen(
            src.as_ptr(),
            dst.as_mut_ptr(),
            q.dx,
            q.offset,
            q.step.wrapping_sub(4 * q.words),
            q.rows,
            q.words,
        );
    }
}

/// The groups of four windows and pixels `g` describes (see [`super::QuadGroups`]): per group
/// [`widen_quad`] then [`pointwise_quads`]. Does nothing if a slice is shorter than those `g`
/// was checked against.
#[inline(always)]
pub fn quad_groups(
    g: &super::QuadGroups,
    src: &[u8],
    wide: &mut [u32],
    table: &[u32],
    out: &mut [i8],
) {
    if !g.fits([src.len(), wide.len(), table.len(), out.len()]) {
        return;
    }
    let p = &g.quads;
    let (t, w) = (table.as_ptr(), wide.as_mut_ptr());
    // SAFETY: `QuadGroups::new` checked every read and write of the last group against slices
    // no longer than these; the groups before it read and write less, from fewer bytes in.
    unsafe {
        each_group(g, src, w, out, |o, offsets| quads_of(p, t, w, o, offsets));
    }
}

/// [`quad_groups`] with the table in the pre-widened layout (see [`super::QuadGroups::new_wide`]):
/// per group [`widen_quad`] then [`quads_wide`]. Does nothing if `g` was not made by
/// `new_wide` or a slice is shorter than those it was checked against.
#[inline(always)]
pub fn quad_groups_wide(
    g: &super::QuadGroups,
    src: &[u8],
    wide: &mut [u32],
    table: &[u32],
    out: &mut [i8],
) {
    if !g.fits_wide([src.len(), wide.len(), table.len(), out.len()]) {
        return;
    }
    let (q, p, od) = (&g.widen, &g.quads, g.quads.channels);
    let (t, mut w) = (table.as_ptr(), wide.as_mut_ptr());
    let skip = super::QUADS_WIDE_STEPS - p.words;
    let (mut o, mut left, mut offsets) = (out.as_mut_ptr(), g.groups, [od, 2 * od, 3 * od]);
    // SAFETY: `QuadGroups::new_wide` checked every read and write of the last group (the wide
    // table included) against slices no longer than these, at most `QUADS_WIDE_STEPS` steps,
    // one row per window and the widened words of every group; the groups before the last read
    // less, from fewer bytes in. The groups' windows are widened one after the other, group `n`
    // from `4 · n · dx` bytes into the source (the widening's row step).
    unsafe {
        widen(
            src.as_ptr(),
            w,
            q.dx,
            q.offset,
            (4 * q.dx).wrapping_sub(4 * q.words),
            g.groups,
            q.words,
        );
        while left > 0 {
            left -= 1;
            if left == 0 {
                offsets = p.out;
            }
            let end = o.wrapping_add(od);
            if p.sign_fix {
                quads_wide::<true>(t, w, offsets, o, end, skip);
            } else {
                quads_wide::<false>(t, w, offsets, o, end, skip);
            }
            w = w.wrapping_add(8 * q.words);
            o = o.wrapping_add(4 * od);
        }
    }
}

/// The group loop of [`quad_groups`]: per group its four windows
/// widened into `wide` ([`widen`]), then `run` with the group's first output and the offsets of
/// pixels 1 to 3 (those of `g.quads.out` for the last group).
///
/// # Safety
///
/// `g` must have been checked against `src`, `wide` and `out`, and `run` may only read and
/// write what that check covers for the group it is given.
#[inline(always)]
unsafe fn each_group(
    g: &super::QuadGroups,
    src: &[u8],
    wide: *mut u32,
    out: &mut [i8],
    mut run: impl FnMut(*mut i8, [usize; 3]),
) {
    let (q, od) = (&g.widen, g.quads.channels);
    let (mut x, mut o) = (src.as_ptr(), out.as_mut_ptr());
    let (mut left, mut offsets) = (g.groups, [od, 2 * od, 3 * od]);
    while left > 0 {
        left -= 1;
        if left == 0 {
            offsets = g.quads.out;
        }
        // SAFETY: the caller's check covers the group's windows and its widened words.
        unsafe {
            widen(
                x,
                wide,
                q.dx,
                q.offset,
                q.step.wrapping_sub(4 * q.words),
                q.rows,
                q.words,
            );
        }
        run(o, offsets);
        x = x.wrapping_add(4 * q.dx);
        o = o.wrapping_add(4 * od);
    }
}

/// One step of [`quads_wide`]: four inputs of four pixels (eight widened words) times one
/// channel's four pre-widened weights (two words), 44 bytes.
macro_rules! dot_1x4_wide_step {
    () => {
        concat!(
            "ldm.w r0!, {{r6, r7}}\n",
            "ldm.w r1!, {{r2, r3, r4, r5}}\n",
            "smlad r8, r2, r6, r8\n",
            "smlad r8, r3, r7, r8\n",
            "smlad r9, r4, r6, r9\n",
            "smlad r9, r5, r7, r9\n",
            "ldm.w r1!, {{r2, r3, r4, r5}}\n",
            "smlad r10, r2, r6, r10\n",
            "smlad r10, r3, r7, r10\n",
            "smlad r11, r4, r6, r11\n",
            "smlad r11, r5, r7, r11",
        )
    };
}

/// Every output channel of four pixels from widened windows (see [`quad_groups_wide`]): per
/// channel the four sums start at the four bias words, the window's steps are unrolled (eleven
/// instructions per sixteen products: the weights need no widening), the loop entered `skip`
/// steps in so that exactly the window's steps run, then `requantize_doubled` (the table's
/// weights and biases are doubled) with the channel's `m`, `e` and `k · 2^(e − 1)`, and the
/// stores, pixel 3 first, at `out`, `out + o1`, … until `out` reaches `end`. Twenty-two
/// instructions per channel besides the steps, twenty-six with the sign correction (`FIX`).
///
/// # Safety
///
/// The table must hold the channels' wide words up to `end`, `scratch` the window's widened
/// steps, and `skip` be at most [`super::QUADS_WIDE_STEPS`] minus one.
#[inline(never)]
unsafe fn quads_wide<const FIX: bool>(
    table: *const u32,
    scratch: *const u32,
    [o1, o2, o3]: [usize; 3],
    out: *mut i8,
    end: *const i8,
    skip: usize,
) {
    // SAFETY: the caller guarantees every read and write; the asm keeps its state in words it
    // pushes below `sp` and pops before the end, saves and restores `r6` and `r7` (which inline
    // asm may not name), leaves `sp` as it was and declares every other register it clobbers.
    // Registers are fixed so that the `push` and `ldm` lists ascend.
    unsafe {
        asm!(
            "push {{r6, r7}}",
            "push.w {{r1, r2, r3, r4, r5}}",
            // The entry: `skip` steps of 44 bytes into the unrolled steps.
            "adr.w r2, 3f",
            "mov r3, #44",
            "mla r12, r12, r3, r2",
            "orr r12, r12, #1",
            "2:",
            "ldm r0!, {{r8, r9, r10, r11}}",
            "bx r12",
            ".p2align 2",
            "3:",
            dot_1x4_wide_step!(),
            "4:",
            dot_1x4_wide_step!(),
            dot_1x4_wide_step!(),
            dot_1x4_wide_step!(),
            dot_1x4_wide_step!(),
            dot_1x4_wide_step!(),
            dot_1x4_wide_step!(),
            dot_1x4_wide_step!(),
            "5:",
            "ldm r0!, {{r5, r6, r7}}",
            requant_doubled_asm!("r8", "r5", "r6", "r7", "r2"),
            requant_doubled_asm!("r9", "r5", "r6", "r7", "r2"),
            requant_doubled_asm!("r10", "r5", "r6", "r7", "r2"),
            requant_doubled_asm!("r11", "r5", "r6", "r7", "r2"),
            "ldm sp, {{r1, r2, r3, r4, r5}}",
            "strb r11, [lr, r4]",
            "strb r10, [lr, r3]",
            "strb r9, [lr, r2]",
            "strb r8, [lr], #1",
            "cmp lr, r5",
            "bne 2b",
            "add sp, sp, #20",
            "pop {{r6, r7}}",
            // The entries are 44 bytes apart: every step must stay 44 bytes.
            ".ifne (4b - 3b) - 44",
            ".error \"quads_wide: a loop step is not 44 bytes\"",
            ".endif",
            ".ifne (5b - 3b) - 8 * 44",
            ".error \"quads_wide: the steps are not 8 * 44 bytes\"",
            ".endif",
            inout("r0") table => _,
            inout("r1") scratch => _,
            inout("r2") o1 => _,
            inout("r3") o2 => _,
            inout("r4") o3 => _,
            inout("r5") end => _,
            out("r8") _,
            out("r9") _,
            out("r10") _,
            out("r11") _,
            inout("r12") skip => _,
            inout("lr") out => _,
            fix = const FIX as u32,
        );
    }
}

/// Every channel pair of one row (see [`super::FcRow`]): per pair the two sums start at the
/// biases, run over the widened row eight inputs at a time (one `ldm` of inputs, one of weights,
/// eight `sxtb16`, eight `smlad`, the loop: twenty instructions per sixteen products), are
/// requantized by `requantize_fast` (without the sign correction unless `r.sign_fix`) and
/// stored. Does nothing unless [`super::FcRow::fits`].
#[inline(always)]
pub fn fc_row(r: &super::FcRow, wide: &[u32], table: &[u32], out: &mut [i8]) {
    if r.sign_fix {
        fc_row_as::<true>(r, wide, table, out);
    } else {
        fc_row_as::<false>(r, wide, table, out);
    }
}

/// [`fc_row`] with the sign correction when `FIX`.
#[inline(never)]
fn fc_row_as<const FIX: bool>(r: &super::FcRow, wide: &[u32], table: &[u32], out: &mut [i8]) {
    if !r.fits(wide.len(), table.len(), out.len()) {
        return;
    }
    let x = wide.as_ptr();
    let frame = [
        x as usize,
        x.wrapping_add(2 * r.words) as usize,
        out.as_mut_ptr() as usize,
        out.as_mut_ptr().wrapping_add(2 * r.pairs) as usize,
    ];
    // SAFETY: `fits` checked the widened row (`2 · words` words read per pair), the table (the
    // pairs' words, read once in order) and the output (two bytes per pair). The asm reads its
    // frame through r1 before using r1, saves and restores r6 and r7 (which inline asm may not
    // name), leaves `sp` as it was and declares every other register it clobbers.
    unsafe {
        asm!(
            "push {{r6, r7}}",
            "sub sp, sp, #16",
            "ldm r1, {{r1, r2, r3, r4}}",
            "stm sp, {{r1, r2, r3, r4}}",
            "2:",
            "ldm r0!, {{r10, r11}}",
            "ldrd r1, r12, [sp]",
            "3:",
            "ldm r1!, {{r2, r3, r4, r5}}",
            "ldm r0!, {{r6, r7, r8, r9}}",
            "sxtb16 lr, r6",
            "smlad r10, r2, lr, r10",
            "sxtb16 r6, r6, ror #8",
            "smlad r10, r3, r6, r10",
            "sxtb16 lr, r7",
            "smlad r11, r2, lr, r11",
            "sxtb16 r7, r7, ror #8",
            "smlad r11, r3, r7, r11",
            "sxtb16 lr, r8",
            "smlad r10, r4, lr, r10",
            "sxtb16 r8, r8, ror #8",
            "smlad r10, r5, r8, r10",
            "sxtb16 lr, r9",
            "smlad r11, r4, lr, r11",
            "sxtb16 r9, r9, ror #8",
            "smlad r11, r5, r9, r11",
            "cmp r1, r12",
            "bne 3b",
            "ldm r0!, {{r6, r7, r8, r9}}",
            requant_fast_asm!("r10", "r6", "r8", "r8, asr #8"),
            requant_fast_asm!("r11", "r7", "r9", "r9, asr #8"),
            "ldrd r2, r3, [sp, #8]",
            "strb r10, [r2], #1",
            "strb r11, [r2], #1",
            "str r2, [sp, #8]",
            "cmp r2, r3",
            "bne 2b",
            "add sp, sp, #16",
            "pop {{r6, r7}}",
            inout("r0") table.as_ptr() => _,
            inout("r1") frame.as_ptr() => _,
            out("r2") _,
            out("r3") _,
            out("r4") _,
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

/// The asm of [`widen_quad`]: `rows` rows of `words` steps from `src` (the four windows `dx`
/// bytes apart, a row's end `skip` bytes before the next row's start) into `dst`.
///
/// The row loop's state lives in three words the asm pushes: `[sp]` `skip`, `rows`, `words`.
///
/// # Safety
///
/// `src` and `dst` must hold what [`super::WidenQuad::fits`] checks (unaligned word loads,
/// which Armv7E-M and Armv8-M Mainline allow).
#[inline(never)]
unsafe fn widen(
    src: *const u8,
    dst: *mut u32,
    dx: usize,
    offset: u32,
    skip: usize,
    rows: usize,
    words: usize,
) {
    // SAFETY: the caller guarantees every read and write; the asm keeps its state in words it
    // pushes below `sp` and pops before the end, saves and restores `r6` and `r7`, leaves `sp`
    // as it was and declares every other register it clobbers. Registers are fixed so that the
    // `push` and `stm` lists ascend.
    unsafe {
        asm!(
            "push {{r6, r7}}",
            "push.w {{r4, r5, r8}}",
            "2:",
            "ldr lr, [sp, #8]",
            "add r12, r0, r1, lsl #1",
            "3:",
            "ldr r7, [r0, r1]",
            "ldr r5, [r0], #4",
            "ldr r11, [r12, r1]",
            "ldr r9, [r12], #4",
            "sxtab16 r4, r3, r5",
            "sxtab16 r5, r3, r5, ror #8",
            "sxtab16 r6, r3, r7",
            "sxtab16 r7, r3, r7, ror #8",
            "sxtab16 r8, r3, r9",
            "sxtab16 r9, r3, r9, ror #8",
            "sxtab16 r10, r3, r11",
            "sxtab16 r11, r3, r11, ror #8",
            "stm r2!, {{r4, r5, r6, r7, r8, r9, r10, r11}}",
            "subs lr, lr, #1",
            "bne 3b",
            "ldrd r4, r5, [sp]",
            "add r0, r0, r4",
            "subs r5, r5, #1",
            "str r5, [sp, #4]",
            "bne 2b",
            "add sp, sp, #12",
            "pop {{r6, r7}}",
            inout("r0") src => _,
            inout("r1") dx => _,
            inout("r2") dst => _,
            inout("r3") offset => _,
            inout("r4") skip => _,
            inout("r5") rows => _,
            inout("r8") words => _,
            out("r9") _,
            out("r10") _,
            out("r11") _,
            out("r12") _,
            out("lr") _,
        );
    }
}

/// Convolution window sums (see [`super::RowWindow`]) for two pixels, one channel at a time: for
/// every channel `c`, over the rows, words and tail bytes in order, `acc[p] += Σ (x[p] + offset) · w`
/// from zero with wrapping adds (the byte pairs of each word summed by one `smlad` each), then
/// `emit(c, acc)`. `off` holds the input offset in both lanes. Emits nothing if the window does
/// not fit the slices.
///
/// One bounds check per window; the rows of each channel are one asm loop (`rows_2x1`).
pub fn conv_rows_2x1(
    x: &[u8],
    w: &[u8],
    win: &super::RowWindow,
    off: u32,
    mut emit: impl FnMut(usize, [i32; 2]),
) {
    if !win.fits(x.len(), w.len()) {
        return;
    }
    for c in 0..win.channels {
        let acc = if win.rows == 0 || win.run() == 0 {
            [0; 2]
        } else {
            // SAFETY: `fits` checked that every word of channel `c` lies inside the slices.
            unsafe {
                rows_2x1(
                    x.as_ptr(),
                    w.as_ptr().wrapping_add(c * win.w_channel),
                    win,
                    off,
                )
            }
        };
        emit(c, acc);
    }
}

/// The rows of one channel for two pixels: words with `smlad`, then the tail bytes with `smlabb`.
/// Eleven registers; the per-row values live in a small block on the stack.
///
/// # Safety
/// `win.rows` and `win.run()` are at least 1 and every byte read (`rows` runs of `x` from both
/// pixels' windows, and of `w`) lies in memory readable for the call.
#[inline(always)]
unsafe fn rows_2x1(x: *const u8, w: *const u8, win: &super::RowWindow, off: u32) -> [i32; 2] {
    let (mut a0, mut a1) = (0i32, 0i32);
    // rows left, words per row, input skip to the next row, weight skip to the next row, tail
    let mut rows: [usize; 5] = [
        win.rows,
        win.words,
        win.x_row.wrapping_sub(win.run()),
        win.w_row.wrapping_sub(win.run()),
        win.tail,
    ];
    // SAFETY: the caller guarantees the reads; `rows` is a live local array that the asm reads
    // and writes through its pointer; the pointer is pushed and popped around the loops,
    // leaving `sp` as it was; every clobbered register is declared.
    unsafe {
        asm!(
            "push {{{cnt}}}",
            "2:",
            "ldr {cnt}, [sp]",
            "ldr {cnt}, [{cnt}, #4]",
            "cmp {cnt}, #0",
            "beq 4f",
            "3:",
            "ldr {t0}, [{wp}], #4",
            "sxtb16 {t1}, {t0}",
            "sxtb16 {t0}, {t0}, ror #8",
            "ldr {t2}, [{xp}, {pair}]",
            "sxtab16 {t3}, {off}, {t2}",
            "smlad {a1}, {t3}, {t1}, {a1}",
            "sxtab16 {t3}, {off}, {t2}, ror #8",
            "smlad {a1}, {t3}, {t0}, {a1}",
            "ldr {t2}, [{xp}], #4",
            "sxtab16 {t3}, {off}, {t2}",
            "smlad {a0}, {t3}, {t1}, {a0}",
            "sxtab16 {t3}, {off}, {t2}, ror #8",
            "smlad {a0}, {t3}, {t0}, {a0}",
            "subs {cnt}, {cnt}, #1",
            "bne 3b",
            "4:",
            "ldr {cnt}, [sp]",
            "ldr {cnt}, [{cnt}, #16]",
            "cmp {cnt}, #0",
            "beq 6f",
            "5:",
            "ldrsb {t0}, [{wp}], #1",
            "ldrb {t1}, [{xp}, {pair}]",
            "sxtab16 {t1}, {off}, {t1}",
            "smlabb {a1}, {t1}, {t0}, {a1}",
            "ldrb {t1}, [{xp}], #1",
            "sxtab16 {t1}, {off}, {t1}",
            "smlabb {a0}, {t1}, {t0}, {a0}",
            "subs {cnt}, {cnt}, #1",
            "bne 5b",
            "6:",
            "ldr {cnt}, [sp]",
            "ldr {t0}, [{cnt}, #8]",
            "add {xp}, {xp}, {t0}",
            "ldr {t0}, [{cnt}, #12]",
            "add {wp}, {wp}, {t0}",
            "ldr {t0}, [{cnt}]",
            "subs {t0}, {t0}, #1",
            "str {t0}, [{cnt}]",
            "bne 2b",
            "add sp, sp, #4",
            cnt = inout(reg) rows.as_mut_ptr() => _,
            xp = inout(reg) x => _,
            wp = inout(reg) w => _,
            pair = in(reg) win.pair,
            off = in(reg) off,
            a0 = inout(reg) a0,
            a1 = inout(reg) a1,
            t0 = out(reg) _,
            t1 = out(reg) _,
            t2 = out(reg) _,
            t3 = out(reg) _,
        );
    }
    [a0, a1]
}

/// One channel of [`pointwise_add_asm`]'s loop (nineteen instructions): the convolution's sum
/// from the bias over the pixel's lanes in r2–r5, requantized to int8, then the ADD with the
/// residual byte at r1 (rescaled by the table at lr), requantized and stored over it; leaves the
/// channel's count word in r10.
macro_rules! pointwise_add_channel {
    () => {
        concat!(
            "ldm r0!, {{r6, r7, r8, r9, r10, r11, r12}}\n",
            "smlad r6, r2, r7, r6\n",
            "smlad r6, r3, r8, r6\n",
            "smlad r6, r4, r9, r6\n",
            "smlad r6, r5, r10, r6\n",
            // requantize_doubled with the sign correction: the high word less the sum's sign,
            // `smmlar`, then (the next five words loaded) `asr` and `ssat`.
            "sub r12, r12, r6, lsr #31\n",
            "smmlar r6, r6, r11, r12\n",
            "ldm r0!, {{r7, r8, r9, r10, r11}}\n",
            "asr r6, r6, r7\n",
            "ssat r6, #8, r6\n",
            "ldrsb r12, [r1]\n",
            "ldr r12, [lr, r12, lsl #2]\n",
            "add r6, r12, r6, lsl #20\n",
            "sub r10, r10, r6, lsr #31\n",
            "smmlar r6, r6, r8, r10\n",
            "asr r6, r6, r9\n",
            "ssat r6, #8, r6\n",
            "strb r6, [r1], #1",
        )
    };
}

/// A 1×1 convolution of input depth 8 fused with the ADD of its output and a residual (see
/// `portable_dsp::pointwise_add` for the arithmetic, and [`super::POINTWISE_ADD_CHANNEL_WORDS`]
/// for the table): per pixel two input words widened to four registers of lanes, then per
/// channel nineteen instructions on average (two `ldm` of the channel's words, four `smlad`,
/// the four of `requantize_doubled` with the sign correction twice, the residual byte and its
/// table word, the shifted sum, the store, and the loop test once per two channels: the loop
/// runs channel pairs, entered at the second channel of a pair when the count is odd). Does nothing if the table is malformed or
/// a slice is too short.
///
/// The check is inlined into the caller, so that a layer's constant table is checked at build
/// time where the optimiser can.
#[inline(always)]
pub fn pointwise_add(pixels: usize, table: &[u32], x: &[u32], residual: &[i32], io: &mut [i8]) {
    let Some(channels) = super::pointwise_add_channels(table) else {
        return;
    };
    if !super::pointwise_add_fits(pixels, channels, x.len(), residual.len(), io.len()) {
        return;
    }
    let io = io.as_mut_ptr();
    // SAFETY: the checks above cover every read (`channels` channels of table words per pixel,
    // two input words per pixel, residual words 0 to 255 around the middle one) and every read
    // and write of `io` (`pixels · channels` bytes); the table's last words end each channel
    // loop after `channels` channels.
    unsafe {
        pointwise_add_asm(
            table.as_ptr(),
            io,
            x.as_ptr(),
            residual.as_ptr().wrapping_add(128),
            io.wrapping_add(pixels * channels),
            channels % 2,
        );
    }
}

/// The asm of [`pointwise_add`]: pixels from `io` up to `end`, the residual table's middle word
/// at `residual`.
///
/// The pixel loop's state lives in four words the asm pushes: `[sp]` the table, the input
/// pointer, `end` and the channel loop's entry (its second channel when `odd` is 1).
///
/// # Safety
///
/// The pointers must cover what [`pointwise_add`] checks.
#[inline(never)]
unsafe fn pointwise_add_asm(
    table: *const u32,
    io: *mut i8,
    x: *const u32,
    residual: *const i32,
    end: *const i8,
    odd: usize,
) {
    // SAFETY: the caller guarantees every read and write; the asm keeps its state in words it
    // pushes below `sp` and pops before the end, saves and restores `r6` and `r7` (which inline
    // asm may not name), leaves `sp` as it was and declares every other register it clobbers.
    // Registers are fixed so that the `push` and `ldm` lists ascend.
    unsafe {
        asm!(
            "push {{r6, r7}}",
            // The channel loop's entry: its first channel, or its second for an odd count.
            "adr.w r12, 3f",
            "adr.w r6, 4f",
            "cmp r5, #0",
            "it ne",
            "movne r12, r6",
            "orr r5, r12, #1",
            "push.w {{r0, r2, r4, r5}}",
            "mov lr, r3",
            // A pixel: its eight inputs as lanes (x0, x2), (x1, x3), (x4, x6), (x5, x7).
            "2:",
            "ldr r7, [sp, #4]",
            "ldrd r2, r4, [r7], #8",
            "str r7, [sp, #4]",
            "sxtb16 r3, r2, ror #8",
            "sxtb16 r2, r2",
            "sxtb16 r5, r4, ror #8",
            "sxtb16 r4, r4",
            "ldr r0, [sp]",
            "ldr pc, [sp, #12]",
            // A channel pair, each channel the convolution's doubled sum from the bias,
            // requantized to int8, then the ADD: the residual's doubled rescaled word plus the
            // output shifted by 20, requantized over the residual byte. The count left is tested
            // after the second. The alignment also aligns the function: `adr` resolves its
            // labels when assembled, relative to the word-aligned pc, so the asm must not move
            // by half a word when linked (it did, and jumped into the middle of an `ldm`).
            ".p2align 2",
            "3:",
            pointwise_add_channel!(),
            "4:",
            pointwise_add_channel!(),
            "cmp r11, #0",
            "bne 3b",
            "ldr r7, [sp, #8]",
            "cmp r1, r7",
            "bne 2b",
            "add sp, sp, #16",
            "pop {{r6, r7}}",
            inout("r0") table => _,
            inout("r1") io => _,
            inout("r2") x => _,
            inout("r3") residual => _,
            inout("r4") end => _,
            inout("r5") odd => _,
            out("r8") _,
            out("r9") _,
            out("r10") _,
            out("r11") _,
            out("r12") _,
            out("lr") _,
        );
    }
}
