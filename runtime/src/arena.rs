//! The statically planned tensor arena and safe typed views into it.
//!
//! The compiler assigns every intermediate tensor a byte range in one arena. Generated code
//! borrows the input ranges and the output range of each operator with [`split`] (the plan
//! guarantees that they do not overlap) and views them as typed slices with [`cast`] /
//! [`cast_mut`]. Offsets are constants, so after inlining all checks fold away.

use bytemuck::Pod;

/// A byte arena aligned for every element type kiln uses (16 bytes).
///
/// Declare one to give a model (or several models that never run at the same time) a buffer
/// you place yourself, e.g. `#[link_section = ".ram2"]`, then `M::with_arena(&mut arena)`.
#[repr(C, align(16))]
pub struct Arena<const N: usize>(pub [u8; N]);

impl<const N: usize> Arena<N> {
    /// A zeroed arena (placed in `.bss` when the model lives in a `static`).
    pub const fn new() -> Self {
        Self([0; N])
    }
}

impl<const N: usize> Default for Arena<N> {
    fn default() -> Self {
        Self::new()
    }
}

/// The first `M` words of a caller-provided buffer as the arena of a model (generated
/// `with_buffer`): checks the length (`M · size_of::<W>()` bytes at least) and the alignment
/// (that of `W`), never panics. The arena is held as words so that the optimiser knows its
/// alignment, and every typed view into it folds to a plain pointer.
#[inline]
pub fn arena_in<W: Pod, const M: usize>(
    buffer: &mut [u8],
) -> Result<&mut [W; M], crate::ArenaError> {
    let len = buffer.len();
    let needed = M * core::mem::size_of::<W>();
    let Some(bytes) = buffer.get_mut(..needed) else {
        return Err(crate::ArenaError::TooSmall { needed, len });
    };
    match bytemuck::try_cast_slice_mut::<u8, W>(bytes) {
        Ok(words) => match words.first_chunk_mut::<M>() {
            Some(a) => Ok(a),
            None => Err(crate::ArenaError::TooSmall { needed, len }),
        },
        Err(_) => Err(crate::ArenaError::Misaligned {
            align: core::mem::align_of::<W>(),
        }),
    }
}

/// The first `M` words of a caller-declared [`Arena`] of `K ≥ M · size_of::<W>()` bytes
/// (generated `with_arena`). A smaller arena is a compile-time error (reported by `cargo build`).
#[inline(always)]
pub fn arena_prefix<W: Pod, const K: usize, const M: usize>(arena: &mut Arena<K>) -> &mut [W; M] {
    const {
        assert!(
            K >= M * core::mem::size_of::<W>(),
            "this kiln::Arena is smaller than the model's ARENA_BYTES"
        )
    };
    match arena_in::<W, M>(&mut arena.0) {
        Ok(a) => a,
        Err(_) => layout_bug(),
    }
}

/// The `N` bytes of an arena held as words (`N = M · size_of::<W>()`).
#[inline(always)]
pub fn word_bytes<W: Pod, const N: usize>(words: &[W]) -> &[u8; N] {
    match bytemuck::try_cast_slice::<W, u8>(words)
        .ok()
        .and_then(|b| b.first_chunk::<N>())
    {
        Some(b) => b,
        None => layout_bug(),
    }
}

/// Mutable counterpart of [`word_bytes`].
#[inline(always)]
pub fn word_bytes_mut<W: Pod, const N: usize>(words: &mut [W]) -> &mut [u8; N] {
    match bytemuck::try_cast_slice_mut::<W, u8>(words)
        .ok()
        .and_then(|b| b.first_chunk_mut::<N>())
    {
        Some(b) => b,
        None => layout_bug(),
    }
}

/// The `K` elements of type `T` at byte `OFF` of an arena held as words (generated `MRef`
/// accessors). Not inlined, so that the alignment of the `arena` parameter is known inside and
/// the checks fold away.
#[inline(never)]
pub fn word_input<W: Pod, T: Pod, const M: usize, const K: usize, const OFF: usize>(
    arena: &mut [W; M],
) -> &mut [T; K] {
    match bytemuck::try_cast_slice_mut::<W, u8>(&mut arena[..])
        .ok()
        .and_then(|b| view_mut::<T, K>(b, OFF))
    {
        Some(v) => v,
        None => layout_bug(),
    }
}

/// Read-only counterpart of [`word_input`].
#[inline(never)]
pub fn word_output<W: Pod, T: Pod, const M: usize, const K: usize, const OFF: usize>(
    arena: &[W; M],
) -> &[T; K] {
    match bytemuck::try_cast_slice::<W, u8>(&arena[..])
        .ok()
        .and_then(|b| view::<T, K>(b, OFF))
    {
        Some(v) => v,
        None => layout_bug(),
    }
}

/// Borrows `K` read-only byte ranges and one writable byte range of `arena`.
///
/// Ranges are `(offset, length)`. Every input range must lie entirely before or entirely after
/// the output range; a range that does not is returned empty (the memory plan never produces one).
#[inline(always)]
pub fn split<const K: usize>(
    arena: &mut [u8],
    inputs: [(usize, usize); K],
    output: (usize, usize),
) -> ([&[u8]; K], &mut [u8]) {
    // No scratch: an empty range just past the output.
    let (ins, out, _) = split_scratch(
        arena,
        inputs,
        output,
        (output.0.saturating_add(output.1), 0),
    );
    (ins, out)
}

/// [`split`] with a second writable range, the kernel's scratch space: a part of the arena that
/// the memory plan leaves free while the operator runs. Every input range must lie entirely
/// outside both writable ranges, which must not overlap; otherwise the ranges concerned are
/// returned empty (the memory plan never produces them).
#[inline(always)]
pub fn split_scratch<const K: usize>(
    arena: &mut [u8],
    inputs: [(usize, usize); K],
    output: (usize, usize),
    scratch: (usize, usize),
) -> ([&[u8]; K], &mut [u8], &mut [u8]) {
    let scratch_first = scratch.0 < output.0;
    let (lo, hi) = if scratch_first {
        (scratch, output)
    } else {
        (output, scratch)
    };
    let (lo_end, hi_end) = (lo.0.saturating_add(lo.1), hi.0.saturating_add(hi.1));
    let Some((p0, rest)) = arena.split_at_mut_checked(lo.0) else {
        return ([&[]; K], &mut [], &mut []);
    };
    let Some((a, rest)) = rest.split_at_mut_checked(lo.1) else {
        return ([&[]; K], &mut [], &mut []);
    };
    let Some((p1, rest)) =
        hi.0.checked_sub(lo_end)
            .and_then(|gap| rest.split_at_mut_checked(gap))
    else {
        return ([&[]; K], &mut [], &mut []);
    };
    let Some((b, p2)) = rest.split_at_mut_checked(hi.1) else {
        return ([&[]; K], &mut [], &mut []);
    };
    let (p0, p1, p2): (&[u8], &[u8], &[u8]) = (p0, p1, p2);
    let ins = inputs.map(|(off, len)| {
        let end = off.saturating_add(len);
        let part = if end <= lo.0 {
            p0.get(off..end)
        } else if off >= lo_end && end <= hi.0 {
            p1.get(off - lo_end..end - lo_end)
        } else if off >= hi_end {
            p2.get(off - hi_end..end - hi_end)
        } else {
            None
        };
        part.unwrap_or(&[])
    });
    if scratch_first {
        (ins, b, a)
    } else {
        (ins, a, b)
    }
}

/// Views `bytes` as a slice of `T` (empty if the range is misaligned or not a whole number of
/// elements, which the memory plan rules out).
#[inline(always)]
pub fn cast<T: Pod>(bytes: &[u8]) -> &[T] {
    bytemuck::try_cast_slice(bytes).unwrap_or(&[])
}

/// Mutable counterpart of [`cast`].
#[inline(always)]
pub fn cast_mut<T: Pod>(bytes: &mut [u8]) -> &mut [T] {
    match bytemuck::try_cast_slice_mut(bytes) {
        Ok(s) => s,
        Err(_) => &mut [],
    }
}

/// Views the `N` elements of type `T` at byte `offset` of the arena as an array reference.
#[inline(always)]
pub fn view<T: Pod, const N: usize>(arena: &[u8], offset: usize) -> Option<&[T; N]> {
    let bytes = arena.get(offset..offset + N * core::mem::size_of::<T>())?;
    bytemuck::try_cast_slice::<u8, T>(bytes)
        .ok()?
        .try_into()
        .ok()
}

/// Mutable counterpart of [`view`].
#[inline(always)]
pub fn view_mut<T: Pod, const N: usize>(arena: &mut [u8], offset: usize) -> Option<&mut [T; N]> {
    let bytes = arena.get_mut(offset..offset + N * core::mem::size_of::<T>())?;
    bytemuck::try_cast_slice_mut::<u8, T>(bytes)
        .ok()?
        .try_into()
        .ok()
}

/// The model input inside the arena (used by generated `input_mut`).
#[inline(always)]
pub fn input<T: Pod, const N: usize>(arena: &mut [u8], offset: usize) -> &mut [T; N] {
    match view_mut(arena, offset) {
        Some(v) => v,
        None => layout_bug(),
    }
}

/// The model output inside the arena (used by generated `run`).
#[inline(always)]
pub fn output<T: Pod, const N: usize>(arena: &[u8], offset: usize) -> &[T; N] {
    match view(arena, offset) {
        Some(v) => v,
        None => layout_bug(),
    }
}

/// The compiler planned every I/O range inside the aligned arena, so this is never reached;
/// with constant offsets the optimizer removes it.
#[cold]
#[inline(never)]
fn layout_bug() -> ! {
    panic!("kiln: model input/output outside the arena")
}

macro_rules! from_le_bytes {
    ($(#[$doc:meta] $name:ident -> $t:ty;)*) => {$(
        #[$doc]
        ///
        /// Runs in const evaluation: generated code stores weights as a byte string and
        /// converts them into a typed `static` at compile time. `B` must be `N * size_of::<T>()`.
        pub const fn $name<const N: usize, const B: usize>(bytes: &[u8; B]) -> [$t; N] {
            const W: usize = core::mem::size_of::<$t>();
            assert!(B == N * W, "weight byte length does not match element count");
            let mut out = [0 as $t; N];
            let mut i = 0;
            while i < N {
                let mut le = [0u8; W];
                let mut j = 0;
                while j < W {
                    le[j] = bytes[i * W + j];
                    j += 1;
                }
                out[i] = <$t>::from_le_bytes(le);
                i += 1;
            }
            out
        }
    )*};
}

from_le_bytes! {
    /// Little-endian bytes to `i8` values.
    bytes_to_i8 -> i8;
    /// Little-endian bytes to `u8` values.
    bytes_to_u8 -> u8;
    /// Little-endian bytes to `i16` values.
    bytes_to_i16 -> i16;
    /// Little-endian bytes to `i32` values.
    bytes_to_i32 -> i32;
    /// Little-endian bytes to `i64` values.
    bytes_to_i64 -> i64;
    /// Little-endian bytes to `f32` values.
    bytes_to_f32 -> f32;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_hands_out_disjoint_ranges() {
        let mut a = [0u8; 32];
        for (i, b) in a.iter_mut().enumerate() {
            *b = i as u8;
        }
        let ([x, y], out) = split(&mut a, [(0, 4), (24, 8)], (8, 16));
        assert_eq!(x, &[0, 1, 2, 3]);
        assert_eq!(y, &[24, 25, 26, 27, 28, 29, 30, 31]);
        assert_eq!(out.len(), 16);
        out[0] = 99;
        assert_eq!(a[8], 99);
    }

    #[test]
    fn split_scratch_hands_out_disjoint_ranges_either_order() {
        let mut a = [0u8; 40];
        for (i, b) in a.iter_mut().enumerate() {
            *b = i as u8;
        }
        // Input before, between and after the output (8..16) and the scratch (20..28).
        let ([x, y, z], out, scratch) =
            split_scratch(&mut a, [(0, 4), (16, 4), (28, 12)], (8, 8), (20, 8));
        assert_eq!((x, y, z[0]), (&[0, 1, 2, 3][..], &[16, 17, 18, 19][..], 28));
        assert_eq!((out[0], scratch[0]), (8, 20));
        out[1] = 99;
        scratch[1] = 98;
        assert_eq!((a[9], a[21]), (99, 98));
        // Scratch below the output; an input overlapping the scratch comes back empty.
        let ([x, y], out, scratch) = split_scratch(&mut a, [(2, 4), (32, 4)], (30, 2), (0, 4));
        assert!(x.is_empty());
        assert_eq!((y, out.len(), scratch[0]), (&[32, 33, 34, 35][..], 2, 0));
    }

    #[test]
    fn overlapping_input_is_refused() {
        let mut a = [0u8; 32];
        let ([x], out) = split(&mut a, [(4, 8)], (8, 8));
        assert!(x.is_empty());
        assert_eq!(out.len(), 8);
    }

    #[test]
    fn const_conversion() {
        const F: [f32; 2] = bytes_to_f32(&[0, 0, 128, 63, 0, 0, 0, 64]);
        assert_eq!(F, [1.0, 2.0]);
        const I: [i8; 3] = bytes_to_i8(&[255, 0, 127]);
        assert_eq!(I, [-1, 0, 127]);
    }

    #[test]
    fn typed_views() {
        let mut a = Arena::<16>::new();
        *view_mut::<f32, 2>(&mut a.0, 4).unwrap() = [1.5, -2.0];
        assert_eq!(view::<f32, 2>(&a.0, 4), Some(&[1.5, -2.0]));
        assert_eq!(view::<f32, 4>(&a.0, 4), None);
    }
}
