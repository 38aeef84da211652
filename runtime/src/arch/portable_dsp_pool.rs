//! The byte and lane operations of `arm_dsp_pool` in plain Rust (every target without the DSP
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

/// Each signed 16-bit lane of `s` plus 1 where it is positive, plus the same lane of `c`
/// (wrapping).
#[inline(always)]
pub fn add_positive_s16x2(s: u32, c: u32) -> u32 {
    let lane = |at: u32| {
        let (x, y) = ((s >> at) as u16 as i16, (c >> at) as u16 as i16);
        u32::from(x.wrapping_add(i16::from(x > 0)).wrapping_add(y) as u16) << at
    };
    lane(0) | lane(16)
}

/// The low bytes of the two 16-bit lanes of `e` and of `o`, interleaved: bytes
/// `[e.lo, o.lo, e.hi, o.hi]`.
#[inline(always)]
pub fn interleave_lanes(e: u32, o: u32) -> u32 {
    (e & 0x00ff_00ff) | (o & 0x00ff_00ff) << 8
}
