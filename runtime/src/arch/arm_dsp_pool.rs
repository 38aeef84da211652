//! Armv7E-M / Armv8-M Mainline DSP extension: the byte and lane operations of the int8 pooling
//! and clamping kernels (a flag-setting SIMD subtraction and its `SEL` share one `asm!` block,
//! where the `GE` flags live). Results are identical to `portable_dsp_pool`.
#![allow(unsafe_code)]

use core::arch::asm;

/// The signed maximum of each of the four bytes of `a` and `b`.
#[inline(always)]
pub fn max_s8x4(a: u32, b: u32) -> u32 {
    let r: u32;
    // SAFETY: two register-only instructions; they set the GE flags (flags not preserved).
    unsafe {
        asm!(
            "ssub8 {r}, {a}, {b}",
            "sel {r}, {a}, {b}",
            r = out(reg) r,
            a = in(reg) a,
            b = in(reg) b,
            options(pure, nomem, nostack),
        )
    };
    r
}

/// The signed minimum of each of the four bytes of `a` and `b`.
#[inline(always)]
pub fn min_s8x4(a: u32, b: u32) -> u32 {
    let r: u32;
    // SAFETY: two register-only instructions; they set the GE flags (flags not preserved).
    unsafe {
        asm!(
            "ssub8 {r}, {a}, {b}",
            "sel {r}, {b}, {a}",
            r = out(reg) r,
            a = in(reg) a,
            b = in(reg) b,
            options(pure, nomem, nostack),
        )
    };
    r
}

/// Each signed 16-bit lane of `s` plus 1 where it is positive, plus the same lane of `c`
/// (wrapping).
#[inline(always)]
pub fn add_positive_s16x2(s: u32, c: u32) -> u32 {
    let r: u32;
    // SAFETY: three register-only instructions (`USAT16` may set the sticky Q flag, which
    // nothing reads).
    unsafe {
        asm!(
            "usat16 {r}, #1, {s}",
            "sadd16 {r}, {s}, {r}",
            "sadd16 {r}, {r}, {c}",
            r = out(reg) r,
            s = in(reg) s,
            c = in(reg) c,
            options(pure, nomem, nostack),
        )
    };
    r
}

/// The low bytes of the two 16-bit lanes of `e` and of `o`, interleaved: bytes
/// `[e.lo, o.lo, e.hi, o.hi]` (three instructions and one word store, where LLVM would store
/// four bytes).
#[inline(always)]
pub fn interleave_lanes(e: u32, o: u32) -> u32 {
    let r: u32;
    // SAFETY: three register-only instructions.
    unsafe {
        asm!(
            "and {r}, {o}, #0x00ff00ff",
            "and {t}, {e}, #0x00ff00ff",
            "orr {r}, {t}, {r}, lsl #8",
            r = out(reg) r,
            t = out(reg) _,
            e = in(reg) e,
            o = in(reg) o,
            options(pure, nomem, nostack, preserves_flags),
        )
    };
    r
}
