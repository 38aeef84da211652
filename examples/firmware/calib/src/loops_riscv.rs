//! RV32 loops.

use core::arch::asm;

/// 4 instructions per iteration: addi, nop, nop, bnez.
#[inline(always)]
pub fn loop4(n: u32) {
    // SAFETY: register-only loop.
    unsafe {
        asm!(
            "2:",
            "addi {n}, {n}, -1",
            "nop",
            "nop",
            "bnez {n}, 2b",
            n = inout(reg) n => _,
            options(nomem, nostack),
        );
    }
}

/// 6 instructions per iteration: lw, sw, mul, add, addi, bnez.
#[inline(always)]
pub fn loop6(n: u32, scratch: &mut [u32; 2]) {
    // SAFETY: reads scratch[0] and writes scratch[1], both inside the borrowed array.
    unsafe {
        asm!(
            "2:",
            "lw {t}, 0({p})",
            "sw {t}, 4({p})",
            "mul {t}, {t}, {t}",
            "add {t}, {t}, {n}",
            "addi {n}, {n}, -1",
            "bnez {n}, 2b",
            n = inout(reg) n => _,
            p = in(reg) scratch.as_mut_ptr(),
            t = out(reg) _,
            options(nostack),
        );
    }
}

/// Moves SP down by `bytes` (a multiple of 16), writes every word of that block, and restores SP.
#[inline(always)]
pub fn stack_probe(bytes: u32) {
    // SAFETY: uses only the block it reserves below SP, and restores SP.
    unsafe {
        asm!(
            "mv {top}, sp",
            "sub {p}, sp, {bytes}",
            "mv sp, {p}",
            "2:",
            "sw {bytes}, 0({p})",
            "addi {p}, {p}, 4",
            "bne {p}, {top}, 2b",
            "mv sp, {top}",
            bytes = in(reg) bytes,
            top = out(reg) _,
            p = out(reg) _,
        );
    }
}
