//! Armv7E-M / Armv8-M Mainline with a single-precision FPU (`*-eabihf`): the float fully
//! connected layer loop in inline assembly. LLVM neither forms `vldm` for it nor keeps the loop
//! compact; here eight output units share each input load and each weight row is one `vldmia`.
//!
//! `vmla.f32` is the non-fused multiply-accumulate (the product is rounded before the add), so
//! each step equals `acc + x * w` in Rust; the bias is added last and the clamp is the C++
//! `min(max(v, lo), hi)` of TFLM (NaN stays NaN): results are bit-identical to the portable module.
#![allow(unsafe_code)]

use core::arch::asm;

/// One row of a float fully connected layer: `out[u] = clamp(Σ_i x[i] · W[u][i] + bias[u])` for
/// every output unit `u`, summed from `+0.0` in order of `i`, bias last (TFLM's order).
///
/// `w` holds the blocks of eight units interleaved `[block][i][8]`, then the remaining
/// `out.len() % 8` rows plain. Does nothing if a slice is too short for `out.len()` units of
/// `x.len()` inputs.
pub fn fc_f32(x: &[f32], w: &[f32], bias: &[f32], lo: f32, hi: f32, out: &mut [f32]) {
    let (depth, units) = (x.len(), out.len());
    if depth == 0 || bias.len() < units || w.len() / depth < units {
        return;
    }
    let blocks = units / 8;
    let tail = units % 8;
    let mut wp = w.as_ptr();
    let mut bp = bias.as_ptr();
    let mut op = out.as_mut_ptr();
    if blocks > 0 {
        // SAFETY: `blocks` blocks read 8·depth weights, 8 biases and write 8 outputs each, within
        // the lengths checked above; every clobbered register is declared.
        unsafe {
            asm!(
                "vmov s24, {lo}",
                "vmov s25, {hi}",
                "1:",
                "movs {n}, #0",
                "vmov d0, {n}, {n}",
                "vmov d1, {n}, {n}",
                "vmov d2, {n}, {n}",
                "vmov d3, {n}, {n}",
                "mov {xp}, {x}",
                "mov {n}, {depth}",
                "2:",
                "vldmia {xp}!, {{s8}}",
                "vldmia {w}!, {{s16-s23}}",
                "vmla.f32 s0, s8, s16",
                "vmla.f32 s1, s8, s17",
                "vmla.f32 s2, s8, s18",
                "vmla.f32 s3, s8, s19",
                "vmla.f32 s4, s8, s20",
                "vmla.f32 s5, s8, s21",
                "vmla.f32 s6, s8, s22",
                "vmla.f32 s7, s8, s23",
                "subs {n}, {n}, #1",
                "bne 2b",
                "vldmia {b}!, {{s16-s23}}",
                "vadd.f32 s0, s0, s16",
            "vadd.f32 s1, s1, s17",
            "vadd.f32 s2, s2, s18",
            "vadd.f32 s3, s3, s19",
            "vadd.f32 s4, s4, s20",
            "vadd.f32 s5, s5, s21",
            "vadd.f32 s6, s6, s22",
            "vadd.f32 s7, s7, s23",
            "vcmp.f32 s0, s24",
            "vmrs APSR_nzcv, fpscr",
            "it mi",
            "vmovmi.f32 s0, s24",
            "vcmp.f32 s25, s0",
            "vmrs APSR_nzcv, fpscr",
            "it mi",
            "vmovmi.f32 s0, s25",
            "vcmp.f32 s1, s24",
            "vmrs APSR_nzcv, fpscr",
            "it mi",
            "vmovmi.f32 s1, s24",
            "vcmp.f32 s25, s1",
            "vmrs APSR_nzcv, fpscr",
            "it mi",
            "vmovmi.f32 s1, s25",
            "vcmp.f32 s2, s24",
            "vmrs APSR_nzcv, fpscr",
            "it mi",
            "vmovmi.f32 s2, s24",
            "vcmp.f32 s25, s2",
            "vmrs APSR_nzcv, fpscr",
            "it mi",
            "vmovmi.f32 s2, s25",
            "vcmp.f32 s3, s24",
            "vmrs APSR_nzcv, fpscr",
            "it mi",
            "vmovmi.f32 s3, s24",
            "vcmp.f32 s25, s3",
            "vmrs APSR_nzcv, fpscr",
            "it mi",
            "vmovmi.f32 s3, s25",
            "vcmp.f32 s4, s24",
            "vmrs APSR_nzcv, fpscr",
            "it mi",
            "vmovmi.f32 s4, s24",
            "vcmp.f32 s25, s4",
            "vmrs APSR_nzcv, fpscr",
            "it mi",
            "vmovmi.f32 s4, s25",
            "vcmp.f32 s5, s24",
            "vmrs APSR_nzcv, fpscr",
            "it mi",
            "vmovmi.f32 s5, s24",
            "vcmp.f32 s25, s5",
            "vmrs APSR_nzcv, fpscr",
            "it mi",
            "vmovmi.f32 s5, s25",
            "vcmp.f32 s6, s24",
            "vmrs APSR_nzcv, fpscr",
            "it mi",
            "vmovmi.f32 s6, s24",
            "vcmp.f32 s25, s6",
            "vmrs APSR_nzcv, fpscr",
            "it mi",
            "vmovmi.f32 s6, s25",
            "vcmp.f32 s7, s24",
            "vmrs APSR_nzcv, fpscr",
            "it mi",
            "vmovmi.f32 s7, s24",
            "vcmp.f32 s25, s7",
            "vmrs APSR_nzcv, fpscr",
            "it mi",
            "vmovmi.f32 s7, s25",
                "vstmia {o}!, {{s0-s7}}",
                "subs {blocks}, {blocks}, #1",
                "bne 1b",
                x = in(reg) x.as_ptr(),
                depth = in(reg) depth,
                w = inout(reg) wp,
                b = inout(reg) bp,
                o = inout(reg) op,
                blocks = inout(reg) blocks => _,
                lo = in(reg) lo.to_bits(),
                hi = in(reg) hi.to_bits(),
                xp = out(reg) _,
                n = out(reg) _,
                out("s0") _, out("s1") _, out("s2") _, out("s3") _,
                out("s4") _, out("s5") _, out("s6") _, out("s7") _,
                out("s8") _,
                out("s16") _, out("s17") _, out("s18") _, out("s19") _,
                out("s20") _, out("s21") _, out("s22") _, out("s23") _,
                out("s24") _, out("s25") _,
                options(nostack),
            );
        }
    }
    if tail > 0 {
        // SAFETY: `tail` rows read depth weights, one bias and write one output each, right after
        // the blocks, within the lengths checked above; every clobbered register is declared.
        unsafe {
            asm!(
                "vmov s3, {lo}",
                "vmov s4, {hi}",
                "1:",
                "movs {n}, #0",
                "vmov s0, {n}",
                "mov {xp}, {x}",
                "mov {n}, {depth}",
                "2:",
                "vldmia {xp}!, {{s1}}",
                "vldmia {w}!, {{s2}}",
                "vmla.f32 s0, s1, s2",
                "subs {n}, {n}, #1",
                "bne 2b",
                "vldmia {b}!, {{s1}}",
                "vadd.f32 s0, s0, s1",
                "vcmp.f32 s0, s3",
                "vmrs APSR_nzcv, fpscr",
                "it mi",
                "vmovmi.f32 s0, s3",
                "vcmp.f32 s4, s0",
                "vmrs APSR_nzcv, fpscr",
                "it mi",
                "vmovmi.f32 s0, s4",
                "vstmia {o}!, {{s0}}",
                "subs {tail}, {tail}, #1",
                "bne 1b",
                x = in(reg) x.as_ptr(),
                depth = in(reg) depth,
                w = inout(reg) wp => _,
                b = inout(reg) bp => _,
                o = inout(reg) op => _,
                tail = inout(reg) tail => _,
                lo = in(reg) lo.to_bits(),
                hi = in(reg) hi.to_bits(),
                xp = out(reg) _,
                n = out(reg) _,
                out("s0") _, out("s1") _, out("s2") _, out("s3") _, out("s4") _,
                options(nostack),
            );
        }
    }
}
