//! Armv7E-M / Armv8-M Mainline DSP extension: the byte and lane selections of the int8 pooling
//! and clamping kernels, each one flag-setting SIMD subtraction and one `SEL` (the `GE` flags
//! live only inside one `asm!` block). Results are identical to `portable_dsp_pool`.
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

/// Each signed 16-bit lane of `a` plus 1 where it is at least the same lane of `b`, else
/// unchanged (wrapping).
#[inline(always)]
pub fn inc_ge_s16x2(a: u32, b: u32) -> u32 {
    let r: u32;
    // SAFETY: three register-only instructions; they set the GE flags (flags not preserved).
    unsafe {
        asm!(
            "ssub16 {r}, {a}, {b}",
            "sel {r}, {one}, {zero}",
            "sadd16 {r}, {a}, {r}",
            r = out(reg) r,
            a = in(reg) a,
            b = in(reg) b,
            one = in(reg) 0x0001_0001u32,
            zero = in(reg) 0u32,
            options(pure, nomem, nostack),
        )
    };
    r
}
