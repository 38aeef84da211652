//! Fixed-point requantization, bit-exact with TensorFlow Lite Micro.
//!
//! A real multiplier `M` is represented at compile time as a Q0.31 significand
//! `multiplier` in `[2^30, 2^31)` and a power-of-two exponent `shift`, so that
//! `M ≈ multiplier · 2^(shift − 31)`. These functions apply it at run time with the
//! same rounding TFLM's reference kernels use (gemmlowp's double rounding).

/// `(a · b · 2) >> 32` with round-to-nearest (ties away from zero) and saturation of the
/// single overflowing case `a = b = i32::MIN`. gemmlowp's `SaturatingRoundingDoublingHighMul`.
#[inline(always)]
pub fn saturating_rounding_doubling_high_mul(a: i32, b: i32) -> i32 {
    if a == i32::MIN && b == i32::MIN {
        return i32::MAX;
    }
    let ab = i64::from(a) * i64::from(b);
    let nudge: i64 = if ab >= 0 { 1 << 30 } else { 1 - (1 << 30) };
    // Division truncating towards zero, as C's `/` does.
    ((ab + nudge) / (1i64 << 31)) as i32
}

pub use kiln_fixedpoint::rounding_divide_by_pot;

/// Multiplies a 32-bit accumulator by `multiplier · 2^(shift − 31)` the way TFLM's
/// `MultiplyByQuantizedMultiplier(int32_t, int32_t, int)` does: left shift, rounding
/// doubling high multiply, then rounding right shift.
#[inline(always)]
pub fn multiply_by_quantized_multiplier(x: i32, multiplier: i32, shift: i32) -> i32 {
    let left = if shift > 0 { shift } else { 0 };
    let right = if shift > 0 { 0 } else { -shift };
    rounding_divide_by_pot(
        saturating_rounding_doubling_high_mul(x.wrapping_shl(left as u32), multiplier),
        right as u32,
    )
}

/// The largest accumulator magnitude (exclusive) for which [`requantize_fast`] is exact.
pub const FAST_ACC_LIMIT: i64 = 1 << 30;

/// [`multiply_by_quantized_multiplier`] plus the output offset, in six single-cycle steps, for
/// the cases the compiler proves at build time: `|acc| < 2^30` ([`FAST_ACC_LIMIT`]), `shift` in
/// `-31..=-1` and `multiplier` in `0..2^31`. `k` is `1 + 2 · output_offset`.
///
/// With `|acc| < 2^30`, `2·acc` fits and `smmulr(2·acc, m) = ⌊(acc·m + 2^30) / 2^31⌋`, gemmlowp's
/// rounding doubling high multiply (its nudge-and-truncate equals flooring after adding 2^30).
/// gemmlowp's `RoundingDivideByPOT(h, e)` rounds half away from zero: `⌊(h + 2^(e−1) − [h<0]) / 2^e⌋`,
/// which is `⌊(⌊(h − [h<0]) / 2^(e−1)⌋ + 1) / 2⌋`; the offset joins the last step as `2·offset`
/// (even, so the floor is unchanged). On the DSP targets the last step and the int8 saturation
/// are one `ssat #8, asr #1`, and the asm kernels multiply with `smmlar a, a, 2m, a` (for `m` in
/// `[2^30, 2^31)`, `2m` wraps to `2m − 2^32`, and `a · 2^32 + a · (2m − 2^32) = 2a · m`).
#[inline(always)]
pub fn requantize_fast(acc: i32, multiplier: i32, shift: i8, k: i32) -> i32 {
    let h = crate::arch::smmulr(acc.wrapping_shl(1), multiplier);
    let t = h.wrapping_add(h >> 31) >> ((!shift) as u32 & 31);
    t.wrapping_add(k) >> 1
}

/// Whether a layer needs [`requantize_fast`]'s sign correction, or may use
/// [`requantize_fast_clamped`]. The correction moves only results of a negative high product
/// `h`, which are at most `output_offset` with it or without it, so when the activation minimum
/// is at least `output_offset` (a fused ReLU or ReLU6, or an output zero point of −128) the
/// clamp maps both to the minimum.
pub const fn needs_sign_fix(output_offset: i32, activation_min: i32) -> bool {
    output_offset > activation_min
}

/// [`requantize_fast`] without the sign correction (one instruction fewer in the asm loops):
/// equal to it for `h ≥ 0`, and for `h < 0` both are at most `(k − 1) / 2`, the output offset.
/// Exact only for layers that clamp every output to at least that offset (see
/// [`needs_sign_fix`]).
#[inline(always)]
pub fn requantize_fast_clamped(acc: i32, multiplier: i32, shift: i8, k: i32) -> i32 {
    let h = crate::arch::smmulr(acc.wrapping_shl(1), multiplier);
    let t = h >> ((!shift) as u32 & 31);
    t.wrapping_add(k) >> 1
}

/// [`requantize_fast`] when `sign_fix`, else [`requantize_fast_clamped`].
#[inline(always)]
pub fn requantize_fast_as(sign_fix: bool, acc: i32, multiplier: i32, shift: i8, k: i32) -> i32 {
    if sign_fix {
        requantize_fast(acc, multiplier, shift, k)
    } else {
        requantize_fast_clamped(acc, multiplier, shift, k)
    }
}

/// The largest right shift `e` (`shift = −e`) [`requantize_doubled`] takes: `k · 2^(e − 1)`
/// plus the high product must fit 32 bits.
pub const DOUBLED_MAX_SHIFT: u32 = 23;

/// The high word [`requantize_doubled`] adds: `k · 2^(e − 1)` (`k = 1 + 2 · output_offset`).
pub const fn doubled_k(k: i32, e: u32) -> i32 {
    k.wrapping_shl(e.wrapping_sub(1))
}

/// [`requantize_fast`] (or, without `fix`, [`requantize_fast_clamped`]) of a doubled sum
/// `acc2 = 2 · acc`, as the kernels whose weights and biases the compiler doubled at build time
/// compute it: `smmlar` of `acc2` by the multiplier itself with `kk` ([`doubled_k`]) as the high
/// word, an arithmetic shift right by `e`, then the int8 saturation (the caller's): three DSP
/// instructions, four with the sign correction. For `|acc| < 2^30` and `e` in
/// `1..=`[`DOUBLED_MAX_SHIFT`] it equals them exactly:
///
/// `requantize_fast` is `⌊(h − [h<0]) / 2^(e−1)⌋ + k` halved, that is `⌊(h − [h<0] + kk) / 2^e⌋`,
/// with `h = smmulr(acc2, m)`. The correction may use the sign of `acc2` instead of `h`'s: they
/// differ only when `h = 0`, and `⌊(kk − 1) / 2^e⌋ = ⌊kk / 2^e⌋` (`kk / 2^e` is the offset plus
/// one half).
#[inline(always)]
pub fn requantize_doubled(fix: bool, acc2: i32, multiplier: i32, e: u32, kk: i32) -> i32 {
    let high = if fix {
        kk.wrapping_sub(i32::from(acc2 < 0))
    } else {
        kk
    };
    let h = (i64::from(high) << 32) + i64::from(acc2) * i64::from(multiplier) + (1 << 31);
    ((h >> 32) as i32) >> (e & 31)
}

/// Multiplies a 64-bit accumulator by `multiplier · 2^(shift − 31)` the way TFLM's
/// `MultiplyByQuantizedMultiplier(int64_t, int32_t, int)` does (used by 16x8 kernels):
/// the multiplier is first rounded to 16 bits, then a single rounding shift (ties towards
/// +infinity), and the result is truncated to 32 bits as TFLM's `int32_t` conversion does
/// (TFLM assumes it fits; it does for `shift` in `-31..8` and `|x| < 2^47`).
#[inline(always)]
pub fn multiply_by_quantized_multiplier_i64(x: i64, multiplier: i32, shift: i32) -> i32 {
    let reduced: i64 = if multiplier < 0x7FFF_0000 {
        i64::from(multiplier.wrapping_add(1 << 15) >> 16)
    } else {
        0x7FFF
    };
    let total_shift = (15 - shift).clamp(1, 63) as u32;
    let round = 1i64 << (total_shift - 1);
    (x.wrapping_mul(reduced).wrapping_add(round) >> total_shift) as i32
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A xorshift generator from `seed`: each call returns the next value modulo `n`.
    pub(crate) fn xorshift(mut x: u64) -> impl FnMut(u64) -> u64 {
        move |n| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % n
        }
    }

    #[test]
    fn fast_requantize_matches_reference_inside_its_domain() {
        let mut next = xorshift(0x1234_5678_9abc_def1);
        let limit = FAST_ACC_LIMIT - 1;
        let edges = [
            0,
            1,
            -1,
            limit,
            -limit,
            limit / 2,
            -(limit / 2),
            1 << 20,
            -(1 << 20),
        ];
        for i in 0..400_000 {
            let acc = if i % 7 == 0 {
                edges[next(edges.len() as u64) as usize] as i32
            } else {
                let a = next(2 * limit as u64 + 1) as i64 - limit;
                (a >> next(28)) as i32
            };
            let m = match next(8) {
                0 => 0,
                1 => i32::MAX,
                2 => 1 << 30,
                _ => (1 << 30) + next(1 << 30) as i32,
            };
            let shift = -1 - next(31) as i8;
            let zo = next(256) as i32 - 128;
            let want = multiply_by_quantized_multiplier(acc, m, shift.into()) + zo;
            let got = requantize_fast(acc, m, shift, 1 + 2 * zo);
            assert_eq!(got, want, "acc {acc} m {m} shift {shift} zo {zo}");
        }
    }

    /// Without the sign correction the outputs differ (negative ties exist in every domain),
    /// but never once clamped to an activation minimum of at least the output offset.
    #[test]
    fn clamped_requantize_matches_once_clamped() {
        let mut next = xorshift(0x0fed_cba9_8765_4321);
        let mut differ = 0;
        for _ in 0..400_000 {
            let acc = (next(2 * (FAST_ACC_LIMIT as u64 - 1) + 1) as i64 - (FAST_ACC_LIMIT - 1))
                >> next(28);
            let acc = acc as i32;
            let m = (1 << 30) + next(1 << 30) as i32;
            let shift = -1 - next(12) as i8;
            let zo = next(256) as i32 - 128;
            let lo = zo.max(-128) + next(4) as i32;
            let k = 1 + 2 * zo;
            let (fixed, clamped) = (
                requantize_fast(acc, m, shift, k),
                requantize_fast_clamped(acc, m, shift, k),
            );
            differ += usize::from(fixed != clamped);
            assert!(!needs_sign_fix(zo, lo));
            let clamp = |v: i32| v.clamp(lo.min(127), 127);
            assert_eq!(
                clamp(clamped),
                clamp(fixed),
                "acc {acc} m {m} shift {shift} zo {zo}"
            );
            assert_eq!(requantize_fast_as(true, acc, m, shift, k), fixed);
        }
        assert!(
            differ > 100,
            "{differ} outputs differ without the correction"
        );
    }

    /// The doubled form equals `requantize_fast` (with the correction) and
    /// `requantize_fast_clamped` (without it) for every sum of the domain and shift up to 23.
    #[test]
    fn doubled_requantize_matches_fast_inside_its_domain() {
        let mut next = xorshift(0x2468_ace1_3579_bdf0);
        let limit = FAST_ACC_LIMIT - 1;
        for i in 0..400_000 {
            let acc = match i % 5 {
                0 => [0, 1, -1, limit, -limit][next(5) as usize] as i32,
                _ => ((next(2 * limit as u64 + 1) as i64 - limit) >> next(28)) as i32,
            };
            let m = (1 << 30) + next(1 << 30) as i32;
            let e = 1 + next(u64::from(DOUBLED_MAX_SHIFT)) as u32;
            let zo = next(256) as i32 - 128;
            let k = 1 + 2 * zo;
            let shift = -(e as i8);
            let kk = doubled_k(k, e);
            assert_eq!(
                requantize_doubled(true, 2 * acc, m, e, kk),
                requantize_fast(acc, m, shift, k),
                "acc {acc} m {m} e {e} zo {zo}"
            );
            assert_eq!(
                requantize_doubled(false, 2 * acc, m, e, kk),
                requantize_fast_clamped(acc, m, shift, k),
                "acc {acc} m {m} e {e} zo {zo}"
            );
        }
    }

    #[test]
    fn doubling_high_mul_rounds_half_away_from_zero() {
        // 2^30 * 2^30 * 2 / 2^32 = 2^29 exactly.
        assert_eq!(
            saturating_rounding_doubling_high_mul(1 << 30, 1 << 30),
            1 << 29
        );
        // 3 * 2^30 * 2 / 2^32 = 1.5 -> 2, but gemmlowp's negative nudge is just under one half,
        // so -1.5 -> -1.
        assert_eq!(saturating_rounding_doubling_high_mul(3, 1 << 30), 2);
        assert_eq!(saturating_rounding_doubling_high_mul(-3, 1 << 30), -1);
        assert_eq!(saturating_rounding_doubling_high_mul(-5, 1 << 30), -2);
        assert_eq!(
            saturating_rounding_doubling_high_mul(i32::MIN, i32::MIN),
            i32::MAX
        );
    }

    #[test]
    fn rounding_divide_by_pot_matches_definition() {
        for x in -1000..1000 {
            for e in 0..6u32 {
                let exact = f64::from(x) / f64::from(1u32 << e);
                let want = exact.round() as i32; // f64::round: ties away from zero
                assert_eq!(rounding_divide_by_pot(x, e), want, "x={x} e={e}");
            }
        }
    }

    #[test]
    fn multiply_by_half() {
        // multiplier 2^30 with shift 0 means 0.5
        assert_eq!(multiply_by_quantized_multiplier(100, 1 << 30, 0), 50);
        assert_eq!(multiply_by_quantized_multiplier(101, 1 << 30, 0), 51);
        assert_eq!(multiply_by_quantized_multiplier(-101, 1 << 30, 0), -50);
        assert_eq!(multiply_by_quantized_multiplier(-103, 1 << 30, 0), -51);
        // shift +1 means 1.0
        assert_eq!(multiply_by_quantized_multiplier(-7, 1 << 30, 1), -7);
        // shift -2 means 0.125
        assert_eq!(multiply_by_quantized_multiplier(20, 1 << 30, -2), 3);
    }

    #[test]
    fn multiply_i64_by_half() {
        assert_eq!(multiply_by_quantized_multiplier_i64(100, 1 << 30, 0), 50);
        // Single rounding, ties towards +infinity: -50.5 -> -50, 50.5 -> 51.
        assert_eq!(multiply_by_quantized_multiplier_i64(-101, 1 << 30, 0), -50);
        assert_eq!(multiply_by_quantized_multiplier_i64(101, 1 << 30, 0), 51);
        assert_eq!(multiply_by_quantized_multiplier_i64(-103, 1 << 30, 0), -51);
        // Out of range: TFLM's int32_t conversion keeps the low 32 bits (2^39 -> 0).
        assert_eq!(multiply_by_quantized_multiplier_i64(1 << 40, 1 << 30, 0), 0);
    }

    #[test]
    fn multiply_i64_rounds_the_multiplier_to_16_bits() {
        // 0x4000_8000 rounds up to 0x4001: 2^20 · 0x4001 / 2^15 = 0x4001 · 32.
        assert_eq!(
            multiply_by_quantized_multiplier_i64(1 << 20, 0x4000_8000, 0),
            0x4001 << 5
        );
        // 0x4000_7FFF rounds down to 0x4000.
        assert_eq!(
            multiply_by_quantized_multiplier_i64(1 << 20, 0x4000_7FFF, 0),
            1 << 19
        );
        // Multipliers at or above 0x7FFF_0000 become 0x7FFF.
        assert_eq!(
            multiply_by_quantized_multiplier_i64(1 << 15, i32::MAX, 0),
            0x7FFF
        );
        // The largest left shift (7) and right shift (-31).
        assert_eq!(multiply_by_quantized_multiplier_i64(3, 1 << 30, 7), 192);
        assert_eq!(
            multiply_by_quantized_multiplier_i64(1 << 46, 1 << 30, -31),
            1 << 14
        );
    }
}
