//! Float helpers with TFLM's exact semantics.

/// `std::min(std::max(x, lo), hi)` as C++ evaluates it: a NaN `x` stays NaN (Rust's
/// `f32::max` would return `lo`), and infinities clamp to finite bounds.
#[inline(always)]
pub fn clamp_f32(x: f32, lo: f32, hi: f32) -> f32 {
    let x = if x < lo { lo } else { x };
    if hi < x {
        hi
    } else {
        x
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clamp_like_cpp() {
        assert_eq!(clamp_f32(-1.0, 0.0, 6.0), 0.0);
        assert_eq!(clamp_f32(7.0, 0.0, 6.0), 6.0);
        assert!(clamp_f32(f32::NAN, 0.0, 6.0).is_nan());
        assert_eq!(clamp_f32(f32::INFINITY, f32::MIN, f32::MAX), f32::MAX);
        assert_eq!(clamp_f32(f32::NEG_INFINITY, f32::MIN, f32::MAX), f32::MIN);
        // -0.0 is not below 0.0: kept as is, like std::max.
        assert!(clamp_f32(-0.0, 0.0, 6.0).is_sign_negative());
    }
}
