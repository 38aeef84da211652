//! Fixed-point transcendental functions on raw `i32` values, bit-exact with gemmlowp's
//! `fixedpoint.h` (which TFLM's int8 SOFTMAX, LOGISTIC and TANH use), in a crate of their own so
//! that the runtime's kernels (`kiln`) and the compiler that builds their tables at build time
//! (`kiln-compiler`) compute the same bits.
//!
//! A value in format `Qm` (m integer bits) is an `i32` `raw` meaning `raw / 2^(31 − m)`.
//! Every function states the formats it takes and returns. Products of two values add their
//! integer bits ([`fx_mul`]); [`rescale`] moves a value to another format with rounding and
//! saturation.
#![no_std]

/// `x / 2^exponent` rounded to nearest, ties away from zero. gemmlowp's `RoundingDivideByPOT`.
/// `exponent` must be in `0..=31`.
#[inline(always)]
pub fn rounding_divide_by_pot(x: i32, exponent: u32) -> i32 {
    let exponent = exponent & 31;
    let mask = ((1i64 << exponent) - 1) as i32;
    let remainder = x & mask;
    let threshold = (mask >> 1) + i32::from(x < 0);
    (x >> exponent) + i32::from(remainder > threshold)
}

/// gemmlowp's saturating rounding doubling high multiply, out of line: the fixed-point
/// functions here call it dozens of times per element of small rows (softmax, tanh, logistic),
/// where one copy of its code is worth more flash than the call costs in time.
///
/// Written as `(a·b + 2^30) >> 31` (flooring): gemmlowp's nudge of `1 − 2^30` for negative
/// products followed by division truncating towards zero rounds the same way, so the only case
/// left is `i32::MIN · i32::MIN`, whose `2^31` saturates (a multiply-long, an add with carry and
/// a funnel shift, no branch on the sign).
#[inline(never)]
fn mul(a: i32, b: i32) -> i32 {
    let v = (i64::from(a) * i64::from(b) + (1 << 30)) >> 31;
    if v > i64::from(i32::MAX) {
        i32::MAX
    } else {
        v as i32
    }
}

/// `Qa × Qb → Q(a+b)`: gemmlowp's fixed-point product (a rounding doubling high multiply).
#[inline(always)]
pub fn fx_mul(a: i32, b: i32) -> i32 {
    mul(a, b)
}

/// Multiplies by `2^exponent`, saturating when shifting left and rounding to nearest when
/// shifting right. gemmlowp's `SaturatingRoundingMultiplyByPOT`.
#[inline(always)]
pub fn saturating_rounding_mul_by_pot(x: i32, exponent: i32) -> i32 {
    if exponent > 0 {
        let threshold = (1i32 << (31 - exponent)) - 1;
        if x > threshold {
            i32::MAX
        } else if x < -threshold {
            i32::MIN
        } else {
            x << exponent
        }
    } else if exponent < 0 {
        rounding_divide_by_pot(x, (-exponent) as u32)
    } else {
        x
    }
}

/// Changes the format of `x` from `Q(src)` to `Q(dst)`. gemmlowp's `Rescale`.
#[inline(always)]
pub fn rescale(x: i32, src_integer_bits: i32, dst_integer_bits: i32) -> i32 {
    saturating_rounding_mul_by_pot(x, src_integer_bits - dst_integer_bits)
}

/// `(a + b) / 2` rounded to nearest, ties away from zero. gemmlowp's `RoundingHalfSum`.
#[inline(always)]
pub fn rounding_half_sum(a: i32, b: i32) -> i32 {
    let sum = i64::from(a) + i64::from(b);
    let sign = if sum >= 0 { 1 } else { -1 };
    ((sum + sign) / 2) as i32
}

/// [`rounding_half_sum`]`(a, Q0_ONE)` in 32 bits: `a + 2^31` is positive and even-halved for
/// every `a` but `i32::MIN`, whose sum with `Q0_ONE` is −1 and halves to −1.
#[inline(always)]
fn half_sum_with_one(a: i32) -> i32 {
    (a >> 1) + (1 << 30) - i32::from(a == i32::MIN)
}

/// One in format `Q0` (the largest raw value, as 1.0 is not representable).
const Q0_ONE: i32 = i32::MAX;

/// `exp(a)` for `a` in `[-1/4, 0)`, `Q0 → Q0`.
fn exp_on_interval_between_negative_one_quarter_and_0_excl(a: i32) -> i32 {
    const CONSTANT_TERM: i32 = 1_895_147_668; // exp(-1/8)
    const ONE_THIRD: i32 = 715_827_883;
    let x = a.wrapping_add(1 << 28); // a + 1/8
    let x2 = mul(x, x);
    let x3 = mul(x2, x);
    let x4 = mul(x2, x2);
    let x4_over_4 = saturating_rounding_mul_by_pot(x4, -2);
    let poly = saturating_rounding_mul_by_pot(
        mul(x4_over_4.wrapping_add(x3), ONE_THIRD).wrapping_add(x2),
        -1,
    );
    CONSTANT_TERM.wrapping_add(mul(CONSTANT_TERM, x.wrapping_add(poly)))
}

/// `exp(a)` for `a ≤ 0` in format `Q(integer_bits)`, result in `Q0`.
/// gemmlowp's `exp_on_negative_values`.
pub fn exp_on_negative_values(a: i32, integer_bits: i32) -> i32 {
    let fractional_bits = 31 - integer_bits;
    let one_quarter = 1i32 << (fractional_bits - 2);
    let mask = one_quarter - 1;
    let a_mod_quarter_minus_one_quarter = (a & mask).wrapping_sub(one_quarter);
    let mut result = exp_on_interval_between_negative_one_quarter_and_0_excl(rescale(
        a_mod_quarter_minus_one_quarter,
        integer_bits,
        0,
    ));
    let remainder = a_mod_quarter_minus_one_quarter.wrapping_sub(a);
    // exp(-2^k) for k = -2..=4, in Q0.
    const BARREL: [(i32, i32); 7] = [
        (-2, 1_672_461_947),
        (-1, 1_302_514_674),
        (0, 790_015_084),
        (1, 290_630_308),
        (2, 39_332_535),
        (3, 720_401),
        (4, 242),
    ];
    for (exponent, multiplier) in BARREL {
        if integer_bits > exponent {
            let shift = fractional_bits + exponent;
            if remainder & (1i32 << shift) != 0 {
                result = mul(result, multiplier);
            }
        }
    }
    if integer_bits > 5 {
        let clamp = -(1i32 << (36 - integer_bits)); // -32.0
        if a < clamp {
            result = 0;
        }
    }
    if a == 0 {
        result = Q0_ONE;
    }
    result
}

/// `1 / (1 + a)` for `a` in `[0, 1)`, `Q0 → Q0`. gemmlowp's
/// `one_over_one_plus_x_for_x_in_0_1` (three Newton-Raphson steps in `Q2`).
pub fn one_over_one_plus_x_for_x_in_0_1(a: i32) -> i32 {
    let x = newton_reciprocal_q2(a);
    // ExactMulByPot<-1> reinterprets Q2 as Q1; Rescale<0> from Q1.
    rescale(x, 1, 0)
}

/// `(1 − a) / (1 + a)` for `a` in `[0, 1)`, `Q0 → Q0`.
fn one_minus_x_over_one_plus_x_for_x_in_0_1(a: i32) -> i32 {
    let x = newton_reciprocal_q2(a);
    const Q2_ONE: i32 = 1 << 29;
    rescale(x.wrapping_sub(Q2_ONE), 2, 0)
}

/// `2 / (1 + a)` in `Q2` by Newton-Raphson division of `(1 + a) / 2`.
fn newton_reciprocal_q2(a: i32) -> i32 {
    const FORTY_EIGHT_OVER_17: i32 = 1_515_870_810;
    const NEG_THIRTY_TWO_OVER_17: i32 = -1_010_580_540;
    let half_denominator = half_sum_with_one(a);
    let mut x = FORTY_EIGHT_OVER_17.wrapping_add(mul(half_denominator, NEG_THIRTY_TWO_OVER_17));
    for _ in 0..3 {
        x = newton_step(x, half_denominator);
    }
    x
}

/// One Newton-Raphson step of [`newton_reciprocal_q2`], out of line: the loop is unrolled
/// either way, and three calls are smaller than three copies of the step.
#[inline(never)]
fn newton_step(x: i32, half_denominator: i32) -> i32 {
    const Q2_ONE: i32 = 1 << 29;
    let one_minus = Q2_ONE.wrapping_sub(mul(half_denominator, x));
    x.wrapping_add(rescale(mul(x, one_minus), 4, 2))
}

/// `tanh(a)` for `a` in `Q(integer_bits)`, result in `Q0`. gemmlowp's `tanh`.
pub fn tanh(a: i32, integer_bits: i32) -> i32 {
    if a == 0 {
        return 0;
    }
    let negative = a < 0;
    let n = if negative { a } else { a.wrapping_neg() };
    // exp(2n) with n ≤ 0: ExactMulByPot<1> adds one integer bit.
    let t = one_minus_x_over_one_plus_x_for_x_in_0_1(exp_on_negative_values(n, integer_bits + 1));
    if negative {
        t.wrapping_neg()
    } else {
        t
    }
}

/// `1 / (1 + exp(-a))` for `a` in `Q(integer_bits)`, result in `Q0`. gemmlowp's `logistic`.
pub fn logistic(a: i32, integer_bits: i32) -> i32 {
    if a == 0 {
        return 1 << 30;
    }
    let positive = a > 0;
    let abs = if positive { a } else { a.wrapping_neg() };
    let if_positive =
        one_over_one_plus_x_for_x_in_0_1(exp_on_negative_values(abs.wrapping_neg(), integer_bits));
    if positive {
        if_positive
    } else {
        Q0_ONE.wrapping_sub(if_positive)
    }
}

/// Integer bits of the scaled differences TFLM's int8 SOFTMAX takes `exp` of.
pub const SOFTMAX_DIFF_INTEGER_BITS: i32 = 5;

/// TFLM's int8 SOFTMAX exponent of one element: `exp(β · input_scale · diff)` in `Q0` for its
/// difference `diff ≤ 0` from the row maximum, the difference scaled into
/// `Q`[`SOFTMAX_DIFF_INTEGER_BITS`] by `input_multiplier · 2^input_left_shift`
/// (`MultiplyByQuantizedMultiplierGreaterThanOne`). Differences below the layer's `diff_min`
/// are the caller's to skip.
pub fn softmax_exp(diff: i32, input_multiplier: i32, input_left_shift: i32) -> i32 {
    let scaled = fx_mul(diff.wrapping_shl(input_left_shift as u32), input_multiplier);
    exp_on_negative_values(scaled, SOFTMAX_DIFF_INTEGER_BITS)
}

/// Reciprocal of a positive `Q(integer_bits)` value: returns `1 / (x · 2^-num_bits_over_unit)`
/// in `Q0` and `num_bits_over_unit`. TFLite's `GetReciprocal`.
pub fn reciprocal(x: i32, integer_bits: i32) -> (i32, i32) {
    let headroom_plus_one = (x as u32).leading_zeros() as i32;
    let num_bits_over_unit = integer_bits - headroom_plus_one;
    let shifted_sum_minus_one =
        ((x as u32).wrapping_shl(headroom_plus_one as u32)).wrapping_sub(1u32 << 31) as i32;
    (
        one_over_one_plus_x_for_x_in_0_1(shifted_sum_minus_one),
        num_bits_over_unit,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn to_f(raw: i32, integer_bits: i32) -> f64 {
        f64::from(raw) / f64::from(1u32 << (31 - integer_bits) as u32)
    }

    #[test]
    fn exp_is_accurate_and_exact_at_zero() {
        assert_eq!(exp_on_negative_values(0, 5), i32::MAX);
        for k in 1..200 {
            let x = -(k as f64) * 0.05;
            let raw = (x * f64::from(1u32 << 26)) as i32;
            let got = to_f(exp_on_negative_values(raw, 5), 0);
            assert!((got - x.exp()).abs() < 1e-6, "exp({x}) = {got}");
        }
    }

    #[test]
    fn exp_below_minus_32_is_zero() {
        // Q6: -33.0
        assert_eq!(exp_on_negative_values(-33 << 25, 6), 0);
    }

    #[test]
    fn reciprocal_of_two() {
        // 2.0 in Q12 -> 1/2 = (1 / (1 + 0)) * 2^-1
        let (r, bits) = reciprocal(2 << 19, 12);
        assert_eq!(bits, 1);
        assert!((to_f(r, 0) - 1.0).abs() < 1e-8);
    }

    #[test]
    fn tanh_and_logistic_shapes() {
        for k in -60..60 {
            let x = f64::from(k) * 0.1;
            let raw = (x * f64::from(1u32 << 27)) as i32;
            assert!((to_f(tanh(raw, 4), 0) - x.tanh()).abs() < 1e-6, "tanh({x})");
            assert!((to_f(logistic(raw, 4), 0) - 1.0 / (1.0 + (-x).exp())).abs() < 1e-6);
        }
        assert_eq!(tanh(0, 4), 0);
        assert_eq!(logistic(0, 4), 1 << 30);
    }

    #[test]
    fn mul_is_gemmlowps_doubling_high_multiply() {
        // gemmlowp's formula: the nudged product divided by 2^31, truncating, and the one
        // overflow saturated.
        let reference = |a: i32, b: i32| {
            if a == i32::MIN && b == i32::MIN {
                return i32::MAX;
            }
            let ab = i64::from(a) * i64::from(b);
            let nudge = if ab >= 0 { 1 << 30 } else { 1 - (1 << 30) };
            ((ab + nudge) / (1i64 << 31)) as i32
        };
        let edges = [
            i32::MIN,
            i32::MIN + 1,
            -(1 << 30),
            -3,
            -1,
            0,
            1,
            2,
            1 << 30,
            i32::MAX,
        ];
        for a in edges {
            for b in edges {
                assert_eq!(mul(a, b), reference(a, b), "{a} · {b}");
            }
        }
        let mut s = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..100_000 {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            let (a, b) = (s as i32, (s >> 32) as i32 >> (s % 24));
            assert_eq!(mul(a, b), reference(a, b), "{a} · {b}");
        }
    }

    #[test]
    fn half_sum_with_one_is_rounding_half_sum() {
        let edges = [
            i32::MIN,
            i32::MIN + 1,
            -3,
            -2,
            -1,
            0,
            1,
            2,
            3,
            i32::MAX - 1,
            i32::MAX,
        ];
        let mut s = 0x853c_49e6_748f_ea9bu64;
        let random = (0..100_000).map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            s as i32
        });
        for a in edges.into_iter().chain(random) {
            assert_eq!(half_sum_with_one(a), rounding_half_sum(a, Q0_ONE), "{a}");
        }
    }

    #[test]
    fn pot_multiplication_saturates() {
        assert_eq!(saturating_rounding_mul_by_pot(1 << 30, 1), i32::MAX);
        assert_eq!(saturating_rounding_mul_by_pot(-(1 << 30) - 1, 1), i32::MIN);
        assert_eq!(saturating_rounding_mul_by_pot(3, -1), 2);
        assert_eq!(saturating_rounding_mul_by_pot(-3, -1), -2);
    }
}
