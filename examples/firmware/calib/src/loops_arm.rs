//! Thumb loops (valid on Armv6-M, Armv7-M and Armv8-M: low registers, 16-bit encodings).

use core::arch::asm;

/// 4 instructions per iteration: subs, nop, nop, bne.
#[inline(always)]
pub fn loop4(n: u32) {
    // SAFETY: register-only loop.
    unsafe {
        asm!(
            "2:",
            "subs {n}, #1",
            "nop",
            "nop",
            "bne 2b",
            n = inout(reg) n => _,
            options(nomem, nostack),
        );
    }
}

/// 6 instructions per iteration: ldr, str, muls, adds, subs, bne.
#[inline(always)]
pub fn loop6(n: u32, scratch: &mut [u32; 2]) {
    // SAFETY: reads scratch[0] and writes scratch[1], both inside the borrowed array.
    unsafe {
        asm!(
            "2:",
            "ldr {t}, [{p}]",
            "str {t}, [{p}, #4]",
            "muls {t}, {t}, {t}",
            "adds {t}, {t}, {n}",
            "subs {n}, #1",
            "bne 2b",
            n = inout(reg) n => _,
            p = in(reg) scratch.as_mut_ptr(),
            t = out(reg) _,
            options(nostack),
        );
    }
}

/// Moves SP down by `bytes` (a multiple of 8), writes every word of that block, and restores SP.
#[inline(always)]
pub fn stack_probe(bytes: u32) {
    // SAFETY: uses only the block it reserves below SP, and restores SP.
    unsafe {
        asm!(
            "mov {top}, sp",
            "mov {p}, sp",
            "subs {p}, {p}, {bytes}",
            "mov sp, {p}",
            "2:",
            "str {bytes}, [{p}]",
            "adds {p}, #4",
            "cmp {p}, {top}",
            "bne 2b",
            "mov sp, {top}",
            bytes = in(reg) bytes,
            top = out(reg) _,
            p = out(reg) _,
        );
    }
}
