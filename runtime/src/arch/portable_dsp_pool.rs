//! The byte and lane selections of `arm_dsp_pool` in plain Rust (every target without the DSP
//! extension, and the host, where the tests run them). Same results bit for bit.

/// Applies `f` to the four signed bytes of `a` and `b`, byte by byte.
#[inline(always)]
fn bytes(a: u32, b: u32, f: impl Fn(i8, i8) -> i8) -> u32 {
    let (a, b) = (a.to_le_bytes(), b.to_le_bytes());
    let r = core::array::from_fn(|i| f(a[i] as i8, b[i] as i8) as u8);
    u32::from_le_bytes(r)
}

/// The signed maximum of each of the four bytes of `a` and `b`.
#[inline(always)]
pub fn max_s8x4(a: u32, b: u32) -> u32 {
    bytes(a, b, |x, y| x.max(y))
}

/// The signed minimum of each of the four bytes of `a` and `b`.
#[inline(always)]
pub fn min_s8x4(a: u32, b: u32) -> u32 {
    bytes(a, b, |x, y| x.min(y))
}

/// Each signed 16-bit lane of `a` plus 1 where it is at least the same lane of `b`, else
/// unchanged (wrapping).
#[inline(always)]
pub fn inc_ge_s16x2(a: u32, b: u32) -> u32 {
    let lane = |s: u32| {
        let (x, y) = ((a >> s) as u16 as i16, (b >> s) as u16 as i16);
        u32::from(x.wrapping_add(i16::from(x >= y)) as u16) << s
    };
    lane(0) | lane(16)
}
