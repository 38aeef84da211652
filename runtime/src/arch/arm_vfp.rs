//! Armv7E-M / Armv8-M Mainline with a single-precision FPU (`*-eabihf`): the float fully
//! connected layer loops in inline assembly. LLVM neither forms `vldm` for them nor keeps the
//! loops compact. Large layers ([`fc_f32`]): eight output units share each input load and each
//! weight row is one `vldmia`. Small layers of depth 1 or 16 ([`fc_f32_small`]): the inputs stay
//! in registers, one compact routine shared by every such layer; a depth-16 layer parks the
//! callee-saved `s16`-`s31` in its own input row while the inputs sit in `s0`-`s15`, rather
//! than on the stack.
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

/// A small float fully connected row with its inputs in registers: input depth 1 or 16, `wb`
/// holding each output unit's weights followed by its bias (`[unit][depth + 1]`), ReLU or no
/// activation. Returns `false`, without touching `out`, when the shape is not one of those or a
/// slice is too short: depth 1 and every ReLU layer need a multiple of 4 output units.
///
/// Results equal the reference kernel's (`0.0 + x[0]·w[0] + … + x[d-1]·w[d-1]`, then `+ bias`,
/// then `clamp` to `[0 or -f32::MAX, f32::MAX]`) for every input, provided every weight and
/// bias is finite and no bias is `-0.0` (the compiler checks this):
/// - each sum starts with the first product instead of `0.0 +` it, which only changes the sign
///   of a zero sum; adding a bias other than `-0.0` then gives the same value `y`, which is
///   stored as is;
/// - when every `y` is finite (so not `-0.0` either, by the bias), the clamp to `±f32::MAX`
///   changes nothing and ReLU is clearing the bits of a negative `y` (`bic y, y, y asr #31`),
///   four outputs per pass over `out`.
///
/// Finiteness is checked with FPSCR's sticky flags, never per output in the depth-1 case:
/// - depth 16: `vcvt.s32.f32` of every `y` raises Invalid Operation (IOC) for NaN and for
///   `|y| >= 2^31` (a few large finite values take the exact pass too);
/// - depth 1: `vcvt.s32.f32` of the input raises IOC unless it is finite (and below `2^31`);
///   with finite weights and biases a non-finite `y` then needs an overflow (OFC).
///
/// If IOC or OFC is set afterwards (also when it was set on entry), the stored `y` are clamped
/// exactly instead, on their bits: a negative non-NaN `y` becomes `+0.0` under ReLU, `±inf`
/// becomes `±f32::MAX`, NaN stays as it is (the C++ `min(max(y, lo), hi)`); both flags are then
/// cleared, so the next layer is fast again. The flags are not otherwise preserved.
///
/// `x` is mutable for the depth-16 case only: its 16 floats hold the callee-saved `s16`-`s31`
/// while the inputs are in `s0`-`s15` and the weights stream through `s16`-`s31` (no `vpush`
/// of 64 bytes of stack), and are written back before the routine returns: `x` is unchanged
/// afterwards, in every case.
#[inline(always)]
pub fn fc_f32_small(x: &mut [f32], wb: &[f32], relu: bool, out: &mut [f32]) -> bool {
    let (depth, units) = (x.len(), out.len());
    let shape = (depth == 16 || depth == 1) && (units % 4 == 0 || depth == 16 && !relu);
    if !shape || units == 0 || units > 0xffff || wb.len() / (depth + 1) < units {
        return false;
    }
    let cfg = small_cfg(units, depth == 16, relu);
    // SAFETY: the lengths were checked above.
    unsafe { fc_f32_small_raw(x.as_mut_ptr(), wb.as_ptr(), out.as_mut_ptr(), cfg) };
    true
}

/// The configuration word of [`fc_f32_small_raw`]: `units` in bits 0-15, bit 16 set for depth
/// 16, and the top nine bits the exact pass's ReLU threshold on the bits of `y` as an `i32`
/// (`y` becomes `+0.0` when at most it): `0xff80_0000` (`-inf`, so every negative non-NaN `y`)
/// with ReLU, `0x8000_0000` (`-0.0`, which no sum is) without.
pub const fn small_cfg(units: usize, depth16: bool, relu: bool) -> u32 {
    let thr = if relu { 0xff80_0000 } else { 0x8000_0000 };
    (units as u32 & 0xffff) | (depth16 as u32) << 16 | thr
}

/// [`fc_f32_small`] after its checks: `cfg` is [`small_cfg`].
///
/// # Safety
/// `x` holds 1 or 16 floats (as `cfg` says), `wb` `units · (depth + 1)`, `out` `units`;
/// `units` is not 0 and a multiple of 4 when `depth` is 1 or with ReLU. `x` is writable (depth
/// 16 stores into it and restores it) and overlaps neither `wb` nor `out`.
#[inline(never)]
unsafe fn fc_f32_small_raw(x: *mut f32, wb: *const f32, out: *mut f32, cfg: u32) {
    // SAFETY: reads and writes stay within the lengths of the contract above; every clobbered
    // register is declared, and `s16`-`s31` (callee-saved, not declared) are restored from `x`
    // before the layer's sums are finished.
    unsafe {
        asm!(
            // r0 `x`, r1 walks `wb`, r2 walks `out`, r3 `cfg`, r4 the unit counter, r5 scratch;
            // the passes over `out` also use r0, r1 and r12.
            "uxth r4, r3",
            "lsls r5, r3, #15",
            "bmi 10f",
            // Depth 1: four units per pass, `[w, b]` pairs.
            "vldmia r0, {{s0}}",
            "vcvt.s32.f32 s1, s0",
            "21:",
            "vldmia r1!, {{s4-s11}}",
            "vmul.f32 s4, s0, s4",
            "vmul.f32 s6, s0, s6",
            "vmul.f32 s8, s0, s8",
            "vmul.f32 s10, s0, s10",
            "vadd.f32 s12, s4, s5",
            "vadd.f32 s13, s6, s7",
            "vadd.f32 s14, s8, s9",
            "vadd.f32 s15, s10, s11",
            "vstmia r2!, {{s12-s15}}",
            "subs r4, r4, #4",
            "bne 21b",
            "b 30f",
            // Depth 16: the inputs in s0-s15, s16-s31 parked in their place in `x`, one unit per
            // pass; afterwards s16-s31 and `x` are both restored.
            "10:",
            "vldmia r0, {{s0-s15}}",
            "vstmia r0, {{s16-s31}}",
            "11:",
            "vldmia r1!, {{s16-s31}}",
            "vmul.f32 s16, s0, s16",
            "vmla.f32 s16, s1, s17",
            "vmla.f32 s16, s2, s18",
            "vmla.f32 s16, s3, s19",
            "vmla.f32 s16, s4, s20",
            "vmla.f32 s16, s5, s21",
            "vmla.f32 s16, s6, s22",
            "vmla.f32 s16, s7, s23",
            "vmla.f32 s16, s8, s24",
            "vmla.f32 s16, s9, s25",
            "vmla.f32 s16, s10, s26",
            "vmla.f32 s16, s11, s27",
            "vmla.f32 s16, s12, s28",
            "vmla.f32 s16, s13, s29",
            "vmla.f32 s16, s14, s30",
            "vmla.f32 s16, s15, s31",
            "vldmia r1!, {{s17}}",
            "vadd.f32 s16, s16, s17",
            "vcvt.s32.f32 s17, s16",
            "vstmia r2!, {{s16}}",
            "subs r4, r4, #1",
            "bne 11b",
            "vldmia r0, {{s16-s31}}",
            "vstmia r0, {{s0-s15}}",
            // Back to the start of `out`. All finite: ReLU clears the negative ones, four per
            // pass; else the exact clamp.
            "30:",
            "uxth r4, r3",
            "sub r2, r2, r4, lsl #2",
            "vmrs r5, fpscr",
            "tst r5, #5",
            "bne 50f",
            "lsls r5, r3, #1",
            "bpl 40f",
            "31:",
            "ldm r2, {{r0, r1, r5, r12}}",
            "bic r0, r0, r0, asr #31",
            "bic r1, r1, r1, asr #31",
            "bic r5, r5, r5, asr #31",
            "bic r12, r12, r12, asr #31",
            "stmia r2!, {{r0, r1, r5, r12}}",
            "subs r4, r4, #4",
            "bne 31b",
            "b 40f",
            // Exact: `+0.0` at or below the threshold (the top bits of `cfg`), `±inf` to
            // `±f32::MAX` (one less in the bits), NaN kept; then the flags are cleared.
            "50:",
            "lsrs r3, r3, #23",
            "lsls r3, r3, #23",
            "51:",
            "ldr r5, [r2]",
            "cmp r3, r5",
            "it ge",
            "movge r5, #0",
            "lsls r0, r5, #1",
            "cmp r0, #0xff000000",
            "it eq",
            "subeq r5, r5, #1",
            "str r5, [r2], #4",
            "subs r4, r4, #1",
            "bne 51b",
            "vmrs r5, fpscr",
            "bic r5, r5, #5",
            "vmsr fpscr, r5",
            "40:",
            inout("r0") x => _,
            inout("r1") wb => _,
            inout("r2") out => _,
            inout("r3") cfg => _,
            out("r4") _,
            out("r5") _,
            out("r12") _,
            out("s0") _, out("s1") _, out("s2") _, out("s3") _,
            out("s4") _, out("s5") _, out("s6") _, out("s7") _,
            out("s8") _, out("s9") _, out("s10") _, out("s11") _,
            out("s12") _, out("s13") _, out("s14") _, out("s15") _,
            options(nostack),
        );
    }
}
