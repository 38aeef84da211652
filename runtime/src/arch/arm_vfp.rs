//! Armv7E-M / Armv8-M Mainline with a single-precision FPU (`*-eabihf`): the float fully
//! connected layer loops in inline assembly. LLVM neither forms `vldm` for them nor keeps the
//! loops compact. Large layers ([`fc_f32`]): eight output units share each input load and each
//! weight row is one `vldmia`. Chains of small layers of depth 1 or 16 ([`fc_f32_chain`]): one
//! call runs every layer, the inputs stay in registers, one compact routine shared by every
//! such chain; a depth-16 layer parks the callee-saved `s16`-`s31` in its own input row while
//! the inputs sit in `s0`-`s15`, rather than on the stack.
//!
//! `vmla.f32` is the non-fused multiply-accumulate (the product is rounded before the add), so
//! each step equals `acc + x * w` in Rust; the bias is added last and the clamp is the C++
//! `min(max(v, lo), hi)` of TFLM (NaN stays NaN): results are bit-identical to the portable module.
#![allow(unsafe_code)]

use core::arch::asm;

use super::FcF32Chain;

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

/// Runs a chain of small float fully connected layers with their inputs in registers (see
/// [`FcF32Chain`] for the table), one routine for every layer and every chain. Does nothing if
/// `arena` is shorter than [`FcF32Chain::floats`].
///
/// Results equal the reference kernel's (`0.0 + x[0]·w[0] + … + x[d-1]·w[d-1]`, then `+ bias`,
/// then `clamp` to `[0 or -f32::MAX, f32::MAX]`) for every input, given what
/// [`FcF32Chain::new`] checks (every weight and bias finite, no bias `-0.0`):
/// - each sum starts with the first product instead of `0.0 +` it, which only changes the sign
///   of a zero sum; adding a bias other than `-0.0` then gives the same value `y`, which is
///   stored as is;
/// - when every `y` of the layer is finite (so not `-0.0` either, by the bias), the clamp to
///   `±f32::MAX` changes nothing and ReLU is clearing the bits of a negative `y`
///   (`bic y, y, y asr #31`), four outputs per pass over the output.
///
/// Finiteness is checked with FPSCR's sticky flags, never per output in the depth-1 case:
/// - depth 16: `vcvt.s32.f32` of every `y` raises Invalid Operation (IOC) for NaN and for
///   `|y| >= 2^31` (a few large finite values take the exact pass too);
/// - depth 1: `vcvt.s32.f32` of the input raises IOC unless it is finite (and below `2^31`);
///   with finite weights and biases a non-finite `y` then needs an overflow (OFC).
///
/// If IOC or OFC is set after a layer (also when it was set on entry), its `y` are clamped
/// exactly instead, on their bits: a negative non-NaN `y` becomes `+0.0` under ReLU, `±inf`
/// becomes `±f32::MAX`, NaN stays as it is (the C++ `min(max(y, lo), hi)`); both flags are then
/// cleared, so the next layer is fast again. The flags are not otherwise preserved.
///
/// A depth-16 layer parks the callee-saved `s16`-`s31` in its input while the inputs are in
/// `s0`-`s15` and the weights stream through `s16`-`s31` (no `vpush` of 64 bytes of stack): its
/// input holds other values afterwards (the compiler chains only layers whose input dies).
#[inline(always)]
pub fn fc_f32_chain(chain: &FcF32Chain<'_>, arena: &mut [f32]) {
    if arena.len() < chain.floats {
        return;
    }
    let base = arena.as_mut_ptr();
    // SAFETY: `FcF32Chain::new` checked the table and that every layer's input and output lie
    // within the first `floats` floats, which `arena` holds, and are disjoint.
    unsafe { fc_f32_chain_raw(base.add(chain.x), base.add(chain.out), chain.table.as_ptr()) };
}

/// [`fc_f32_chain`] after its check, a whole function in assembly (it saves r4, r5 and lr
/// itself, and parks `s16`-`s31` in a depth-16 layer's input).
///
/// # Safety
/// `table` is one that [`FcF32Chain::new`] accepts with first input `x` and output `out`, and
/// the arena around them holds every layer's input and output.
#[unsafe(naked)]
unsafe extern "C" fn fc_f32_chain_raw(x: *mut f32, out: *mut f32, table: *const f32) {
    // r0 the layer's input, r1 walks the output, r2 walks the table, r3 the layer's
    // configuration, r4 the unit counter, r5 the output's start; the passes over the output use
    // r3, r4, r12 and lr. Reads and writes stay within the table and the layers' buffers, as
    // `FcF32Chain::new` checked.
    core::arch::naked_asm!(
        // Naked functions are assembled at module level, without the function's FPU features:
        // name the FPU of every `*-eabihf` Cortex-M (FPv5 adds to it; nothing here needs that).
        ".fpu fpv4-sp-d16",
        "push {{r4, r5, lr}}",
        "b 2f",
        "1:",
        "lsls r4, r3, #15",
        "uxth r4, r3",
        "mov r5, r1",
        "bmi 10f",
        // Depth 1: two units per pass, two weights then two biases; `b + x·w` is `vmla` (the
        // product rounded, then added: the same value as `x·w + b`).
        "vldmia r0, {{s0}}",
        "vcvt.s32.f32 s1, s0",
        "21:",
        "vldmia r2!, {{s4-s7}}",
        "vmla.f32 s6, s0, s4",
        "vmla.f32 s7, s0, s5",
        "vstmia r1!, {{s6-s7}}",
        "subs r4, r4, #2",
        "bne 21b",
        "b 30f",
        // Depth 16: the inputs in s0-s15, s16-s31 parked in their place in the input, one unit
        // per pass; afterwards s16-s31 are restored.
        "10:",
        "vldmia r0, {{s0-s15}}",
        "vstmia r0, {{s16-s31}}",
        "11:",
        "vldmia r2!, {{s16-s31}}",
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
        "vldmia r2!, {{s17}}",
        "vadd.f32 s16, s16, s17",
        "vcvt.s32.f32 s17, s16",
        "vstmia r1!, {{s16}}",
        "subs r4, r4, #1",
        "bne 11b",
        "vldmia r0, {{s16-s31}}",
        // The passes walk the output backwards, to its start. All finite: ReLU clears the
        // negative ones, four per pass (nothing to do without ReLU); else the exact clamp.
        "30:",
        "vmrs r12, fpscr",
        "tst r12, #5",
        "bne 50f",
        "lsls r4, r3, #1",
        "bpl 40f",
        "31:",
        "ldmdb r1, {{r3, r4, r12, lr}}",
        "bic r3, r3, r3, asr #31",
        "bic r4, r4, r4, asr #31",
        "bic r12, r12, r12, asr #31",
        "bic lr, lr, lr, asr #31",
        "stmdb r1!, {{r3, r4, r12, lr}}",
        "cmp r1, r5",
        "bne 31b",
        "b 40f",
        // Exact: `+0.0` at or below the threshold (the top bits of the configuration), `±inf`
        // to `±f32::MAX` (one less in the bits), NaN kept; then the flags are cleared.
        "50:",
        "lsrs r3, r3, #23",
        "lsls r3, r3, #23",
        "51:",
        "ldr r4, [r1, #-4]!",
        "cmp r3, r4",
        "it ge",
        "movge r4, #0",
        "lsls lr, r4, #1",
        "cmp lr, #0xff000000",
        "it eq",
        "subeq r4, r4, #1",
        "str r4, [r1]",
        "cmp r1, r5",
        "bne 51b",
        "bic r12, r12, #5",
        "vmsr fpscr, r12",
        // This layer's output is the next one's input, and its input the next output.
        "40:",
        "mov r1, r0",
        "mov r0, r5",
        "2:",
        "ldr r3, [r2], #4",
        "cbz r3, 3f",
        "b 1b",
        "3:",
        "pop {{r4, r5, pc}}",
    );
}
