//! The int8 SIMD primitives of `arm_dsp` in plain Rust (every target without the DSP extension,
//! and the host, where the tests run them). Same results bit for bit.

#[inline(always)]
fn lanes(lo: i32, hi: i32) -> u32 {
    (lo as u32 & 0xFFFF) | ((hi as u32) << 16)
}

#[inline(always)]
fn lo16(x: u32) -> i32 {
    i32::from(x as u16 as i16)
}

#[inline(always)]
fn hi16(x: u32) -> i32 {
    i32::from((x >> 16) as u16 as i16)
}

/// Bytes 0 and 2 of `x`, sign-extended into the low and high lanes.
#[inline(always)]
pub fn sxtb16(x: u32) -> u32 {
    lanes(i32::from(x as u8 as i8), i32::from((x >> 16) as u8 as i8))
}

/// Bytes 1 and 3 of `x`, sign-extended into the low and high lanes.
#[inline(always)]
pub fn sxtb16_ror8(x: u32) -> u32 {
    sxtb16(x.rotate_right(8))
}

/// Bytes 0 and 2 of `x`, sign-extended, added lane-wise (16-bit, wrapping) to the lanes of `a`.
#[inline(always)]
pub fn sxtab16(a: u32, x: u32) -> u32 {
    let e = sxtb16(x);
    lanes(lo16(a) + lo16(e), hi16(a) + hi16(e))
}

/// Bytes 1 and 3 of `x`, sign-extended, added lane-wise (16-bit, wrapping) to the lanes of `a`.
#[inline(always)]
pub fn sxtab16_ror8(a: u32, x: u32) -> u32 {
    sxtab16(a, x.rotate_right(8))
}

/// `(a · b + 2^31) >> 32`: the high word of the 64-bit product, rounded.
#[inline(always)]
pub fn smmulr(a: i32, b: i32) -> i32 {
    ((i64::from(a) * i64::from(b) + (1 << 31)) >> 32) as i32
}

/// `acc + lo(a)·lo(b) + hi(a)·hi(b)` on signed 16-bit lanes, wrapping.
#[inline(always)]
pub fn smlad(a: u32, b: u32, acc: i32) -> i32 {
    acc.wrapping_add(lo16(a) * lo16(b))
        .wrapping_add(hi16(a) * hi16(b))
}

/// `acc` plus the dot product of the four signed bytes of `x` and of `w`, wrapping.
#[inline(always)]
pub fn dot4_s8(x: u32, w: u32, acc: i32) -> i32 {
    x.to_le_bytes()
        .iter()
        .zip(w.to_le_bytes())
        .fold(acc, |a, (x, w)| {
            a.wrapping_add(i32::from(*x as i8) * i32::from(w as i8))
        })
}

/// `acc + lo(a)·lo(b)` on signed 16-bit lanes, wrapping.
#[inline(always)]
pub fn smlabb(a: u32, b: u32, acc: i32) -> i32 {
    acc.wrapping_add(lo16(a) * lo16(b))
}

/// `acc + hi(a)·hi(b)` on signed 16-bit lanes, wrapping.
#[inline(always)]
pub fn smlatt(a: u32, b: u32, acc: i32) -> i32 {
    acc.wrapping_add(hi16(a) * hi16(b))
}

/// Convolution window sums (see [`super::RowWindow`]) for two pixels, one channel at a time: for
/// every channel `c`, over the rows, words and tail bytes in order, `acc[p] += Σ (x[p] + offset) · w`
/// from zero with wrapping adds (the byte pairs of each word summed by one `smlad` each), then
/// `emit(c, acc)`. `off` holds the input offset in both lanes. Emits nothing if the window does
/// not fit the slices.
pub fn conv_rows_2x1(
    x: &[u8],
    w: &[u8],
    win: &super::RowWindow,
    off: u32,
    mut emit: impl FnMut(usize, [i32; 2]),
) {
    if !win.fits(x.len(), w.len()) {
        return;
    }
    let load = |s: &[u8], i: usize| match s.get(i..i + 4) {
        Some(&[a, b, c, d]) => u32::from_le_bytes([a, b, c, d]),
        _ => 0,
    };
    for c in 0..win.channels {
        let [mut a0, mut a1] = [0i32; 2];
        for r in 0..win.rows {
            for k in 0..win.words {
                let wv = load(w, c * win.w_channel + r * win.w_row + 4 * k);
                let (we, wo) = (sxtb16(wv), sxtb16_ror8(wv));
                let xb = load(x, r * win.x_row + win.pair + 4 * k);
                a1 = smlad(sxtab16(off, xb), we, a1);
                a1 = smlad(sxtab16_ror8(off, xb), wo, a1);
                let xa = load(x, r * win.x_row + 4 * k);
                a0 = smlad(sxtab16(off, xa), we, a0);
                a0 = smlad(sxtab16_ror8(off, xa), wo, a0);
            }
            for t in 4 * win.words..win.run() {
                let byte = |s: &[u8], i: usize| s.get(i).map_or(0, |v| u32::from(*v));
                let wv = byte(w, c * win.w_channel + r * win.w_row + t) as u8 as i8 as i32 as u32;
                a1 = smlabb(sxtab16(off, byte(x, r * win.x_row + win.pair + t)), wv, a1);
                a0 = smlabb(sxtab16(off, byte(x, r * win.x_row + t)), wv, a0);
            }
        }
        emit(c, [a0, a1]);
    }
}

/// Dot products of two pixels × two channels over `words` steps of four int8 inputs (the loop
/// of `arm_dsp::pointwise_pairs`): `x` holds per step pixel 0's `sxtb16` and `sxtb16_ror8` words then pixel
/// 1's, `w` channel 0's and channel 1's raw weight words. Returns `acc` unchanged when `words`
/// is 0 or a slice is too short.
#[inline(always)]
fn dot_2x2(x: &[u32], w: &[u32], words: usize, acc: [i32; 4]) -> [i32; 4] {
    if words == 0 || x.len() / 4 < words || w.len() / 2 < words {
        return acc;
    }
    let [mut a00, mut a01, mut a10, mut a11] = acc;
    for (x, w) in x.chunks_exact(4).zip(w.chunks_exact(2)).take(words) {
        let (we0, wo0) = (sxtb16(w[0]), sxtb16_ror8(w[0]));
        let (we1, wo1) = (sxtb16(w[1]), sxtb16_ror8(w[1]));
        a00 = smlad(x[1], wo0, smlad(x[0], we0, a00));
        a01 = smlad(x[1], wo1, smlad(x[0], we1, a01));
        a10 = smlad(x[3], wo0, smlad(x[2], we0, a10));
        a11 = smlad(x[3], wo1, smlad(x[2], we1, a11));
    }
    [a00, a01, a10, a11]
}

/// Every output channel pair of one pixel pair of a 1×1 convolution, as
/// `arm_dsp::pointwise_pairs` (see [`super::PointwisePairs`]): weights `[pair][words][2]` raw
/// words, `scratch` the pixel pair widened, `shift` the TFLite shifts (`-31..=-1`) as bytes. Does nothing if
/// a slice is too short or there is nothing to do.
pub fn pointwise_pairs(
    p: &super::PointwisePairs,
    scratch: &[u32],
    weights: &[u32],
    bias: &[i32],
    multiplier: &[i32],
    shift: &[u8],
    out: &mut [i8],
) {
    let lens = [
        scratch.len(),
        weights.len(),
        bias.len(),
        multiplier.len(),
        shift.len(),
        out.len(),
    ];
    if !p.fits(lens) {
        return;
    }
    let finish = |acc: i32, m: i32, shift: u8| {
        crate::quant::requantize_fast(acc, m, shift as i8, p.k).clamp(-128, 127) as i8
    };
    for c in 0..p.pairs {
        let (b0, b1) = (bias[2 * c], bias[2 * c + 1]);
        let w = &weights[2 * c * p.words..2 * (c + 1) * p.words];
        let [a00, a01, a10, a11] = dot_2x2(scratch, w, p.words, [b0, b1, b0, b1]);
        let (m0, m1, e0, e1) = (
            multiplier[2 * c],
            multiplier[2 * c + 1],
            shift[2 * c],
            shift[2 * c + 1],
        );
        // Pixel 1 first, as the asm does (the same row when the pixel is alone).
        out[p.out1 + 2 * c] = finish(a10, m0, e0);
        out[p.out1 + 2 * c + 1] = finish(a11, m1, e1);
        out[2 * c] = finish(a00, m0, e0);
        out[2 * c + 1] = finish(a01, m1, e1);
    }
}

/// Every output channel of four pixels of a 1×1 convolution, as `arm_dsp::pointwise_quads` (see
/// [`super::PointwiseQuads`]): per channel the bias (`table` word `>> 8`), the sums over the
/// widened pixels, `requantize_fast` with `e − 1` from the word's low byte and half the doubled
/// multiplier, saturated to int8. Does nothing if a slice is too short or there is nothing to do.
pub fn pointwise_quads(p: &super::PointwiseQuads, scratch: &[u32], table: &[u32], out: &mut [i8]) {
    if !p.fits(scratch.len(), table.len(), out.len()) {
        return;
    }
    let words = p.words;
    for (c, t) in table
        .chunks_exact(super::PointwiseQuads::channel_words(words))
        .take(p.channels)
        .enumerate()
    {
        let head = t[0] as i32;
        let mut acc = [head >> 8; 4];
        for (x, &w) in scratch.chunks_exact(8).zip(&t[1..=words]) {
            let (we, wo) = (sxtb16(w), sxtb16_ror8(w));
            for (i, a) in acc.iter_mut().enumerate() {
                *a = smlad(x[2 * i + 1], wo, smlad(x[2 * i], we, *a));
            }
        }
        let m = (t[words + 1] >> 1) as i32;
        let shift = !((head & 0xFF) as i8);
        store_quad(p, out, c, acc, |a| {
            crate::quant::requantize_fast_as(p.sign_fix, a, m, shift, p.k)
        });
    }
}

/// Every output channel of four pixels from the pre-widened table, as `arm_dsp::quads_wide`
/// (see [`super::PointwiseQuads::wide_channel_words`]): per channel the four bias words, the
/// sums over the widened pixels, `requantize_fast` with the channel's `2m` and `(e − 1) | k <<
/// 8`. The caller checked the slices.
fn pointwise_quads_wide(p: &super::PointwiseQuads, wide: &[u32], table: &[u32], out: &mut [i8]) {
    let words = p.words;
    let channels = table.chunks_exact(super::PointwiseQuads::wide_channel_words(words));
    for (c, t) in channels.take(p.channels).enumerate() {
        let mut acc = [0, 1, 2, 3].map(|i| t[i] as i32);
        for (x, w) in wide
            .chunks_exact(8)
            .zip(t[4..4 + 2 * words].chunks_exact(2))
        {
            for (i, a) in acc.iter_mut().enumerate() {
                *a = smlad(x[2 * i + 1], w[1], smlad(x[2 * i], w[0], *a));
            }
        }
        let (m, e, kk) = (t[4 + 2 * words], t[5 + 2 * words], t[6 + 2 * words]);
        store_quad(p, out, c, acc, |a| {
            crate::quant::requantize_doubled(p.sign_fix, a, m as i32, e, kk as i32)
        });
    }
}

/// Channel `c`'s four sums requantized by `requant`, saturated to int8 and stored at `out[c]`
/// and `p.out` bytes after it, pixel 3 first as the asm stores them.
fn store_quad(
    p: &super::PointwiseQuads,
    out: &mut [i8],
    c: usize,
    acc: [i32; 4],
    requant: impl Fn(i32) -> i32,
) {
    let [o1, o2, o3] = p.out;
    for (at, a) in [0, o1, o2, o3].into_iter().zip(acc).rev() {
        out[at + c] = requant(a).clamp(-128, 127) as i8;
    }
}

/// Widens four windows into `dst` as `arm_dsp::widen_quad` does (see [`super::WidenQuad`]).
/// Does nothing if a slice is too short.
pub fn widen_quad(q: &super::WidenQuad, src: &[u8], dst: &mut [u32]) {
    if !q.fits(src.len(), dst.len()) {
        return;
    }
    let word = |at: usize| u32::from_le_bytes([src[at], src[at + 1], src[at + 2], src[at + 3]]);
    let mut steps = dst.chunks_exact_mut(8);
    for r in 0..q.rows {
        for j in 0..q.words {
            let Some(st) = steps.next() else {
                return;
            };
            for (i, lanes) in st.chunks_exact_mut(2).enumerate() {
                let v = word(r * q.step + i * q.dx + 4 * j);
                lanes[0] = sxtab16(q.offset, v);
                lanes[1] = sxtab16_ror8(q.offset, v);
            }
        }
    }
}

/// The groups of four windows and pixels `g` describes, as `arm_dsp::quad_groups` (see
/// [`super::QuadGroups`]): per group [`widen_quad`] then [`pointwise_quads`]. Does nothing if a
/// slice is shorter than those `g` was checked against.
pub fn quad_groups(
    g: &super::QuadGroups,
    src: &[u8],
    wide: &mut [u32],
    table: &[u32],
    out: &mut [i8],
) {
    if g.fits([src.len(), wide.len(), table.len(), out.len()]) {
        each_group(g, src, wide, table, out, pointwise_quads);
    }
}

/// The groups of four windows and pixels `g` describes with the pre-widened table, as
/// `arm_dsp::quad_groups_wide` (see [`super::QuadGroups::new_wide`]). Does nothing if `g` was not
/// made by `new_wide` or a slice is shorter than those it was checked against.
pub fn quad_groups_wide(
    g: &super::QuadGroups,
    src: &[u8],
    wide: &mut [u32],
    table: &[u32],
    out: &mut [i8],
) {
    if g.fits_wide([src.len(), wide.len(), table.len(), out.len()]) {
        each_group(g, src, wide, table, out, pointwise_quads_wide);
    }
}

/// The group loop of [`quad_groups`] and [`quad_groups_wide`] (the caller checked `g`; the asm
/// of the wide one widens every group's windows before the first runs, which computes the
/// same): per
/// group its windows widened, then `run` on the group's pixels (those of `g.quads.out` for the
/// last group).
fn each_group(
    g: &super::QuadGroups,
    src: &[u8],
    wide: &mut [u32],
    table: &[u32],
    out: &mut [i8],
    run: fn(&super::PointwiseQuads, &[u32], &[u32], &mut [i8]),
) {
    let (q, p) = (&g.widen, &g.quads);
    let od = p.channels;
    for n in 0..g.groups {
        let full = super::PointwiseQuads {
            out: [od, 2 * od, 3 * od],
            ..*p
        };
        let group = if n + 1 == g.groups { p } else { &full };
        widen_quad(q, &src[4 * n * q.dx..], wide);
        run(group, wide, table, &mut out[4 * n * od..]);
    }
}

/// Every channel pair of one row, as `arm_dsp::fc_row` (see [`super::FcRow`]). Does nothing
/// unless [`super::FcRow::fits`].
pub fn fc_row(r: &super::FcRow, wide: &[u32], table: &[u32], out: &mut [i8]) {
    if !r.fits(wide.len(), table.len(), out.len()) {
        return;
    }
    let n = super::FcRow::pair_words(r.words);
    for (t, o) in table
        .chunks_exact(n)
        .zip(out.chunks_exact_mut(2))
        .take(r.pairs)
    {
        let mut acc = [t[0] as i32, t[1] as i32];
        let weights = t[2..2 + 2 * r.words].chunks_exact(4);
        for (x, w) in wide[..2 * r.words].chunks_exact(4).zip(weights) {
            for (k, half) in [(0, 0), (2, 2)] {
                for (c, a) in acc.iter_mut().enumerate() {
                    let v = w[half + c];
                    *a = smlad(x[k + 1], sxtb16_ror8(v), smlad(x[k], sxtb16(v), *a));
                }
            }
        }
        let q = &t[2 + 2 * r.words..];
        for (c, (a, o)) in acc.into_iter().zip(o.iter_mut()).enumerate() {
            let (m, ek) = ((q[c] >> 1) as i32, q[2 + c] as i32);
            let v = crate::quant::requantize_fast_as(r.sign_fix, a, m, !(ek as i8), ek >> 8);
            *o = v.clamp(-128, 127) as i8;
        }
    }
}

/// The three filter rows of 3-byte pixels into the column band of a 3×3 convolution, as
/// `arm_dsp::copy_columns_3x3` (see [`super::columns_3x3_fit`]). Copies nothing unless it fits.
pub fn copy_columns_3x3(dst: &mut [u8], src: &[u8], row: usize, columns: usize) {
    if !super::columns_3x3_fit(dst.len(), src.len(), row, columns) {
        return;
    }
    for (x, column) in dst.chunks_exact_mut(9).take(columns).enumerate() {
        for (r, px) in column.chunks_exact_mut(3).enumerate() {
            let at = r * row + 3 * x;
            px.copy_from_slice(&src[at..at + 3]);
        }
    }
}

/// [`copy_rows`] for runs that are often shorter than a word (the twin of the DSP version,
/// which moves runs of 1 to 3 bytes without a loop per run).
pub fn copy_short_rows(
    dst: &mut [u8],
    dst_step: usize,
    src: &[u8],
    src_step: usize,
    rows: usize,
    n: usize,
) {
    copy_rows(dst, dst_step, src, src_step, rows, n);
}

/// Copies `rows` runs of `n` bytes, `src_step` bytes apart in `src` and `dst_step` apart in
/// `dst`. Copies nothing unless every run lies inside both slices.
pub fn copy_rows(
    dst: &mut [u8],
    dst_step: usize,
    src: &[u8],
    src_step: usize,
    rows: usize,
    n: usize,
) {
    if !super::runs_fit(dst.len(), dst_step, rows, n)
        || !super::runs_fit(src.len(), src_step, rows, n)
    {
        return;
    }
    for r in 0..rows {
        let (d, s) = (r * dst_step, r * src_step);
        dst[d..d + n].copy_from_slice(&src[s..s + n]);
    }
}

/// Sets every byte of `dst` to `v`.
pub fn fill_bytes(dst: &mut [u8], v: u8) {
    dst.fill(v);
}

/// Every output channel of one pixel of a convolution whose window fits twelve 16-bit lanes, as
/// `arm_dsp::small_window`: `table` per channel `[bias, six weight words, 2 · multiplier,
/// (e − 1) | k << 8]`. Does nothing if a slice is too short.
pub fn small_window(x: &[u32; 6], table: &[u32], out: &mut [i8]) {
    if table.len() / 9 < out.len() {
        return;
    }
    for (o, t) in out.iter_mut().zip(table.chunks_exact(9)) {
        let acc = x
            .iter()
            .zip(&t[1..7])
            .fold(t[0] as i32, |acc, (x, w)| smlad(*x, *w, acc));
        // `t[8]` is `(e − 1) | k << 8`: the low byte is `!shift`.
        let (shift, k) = (!(t[8] as u8) as i8, t[8] as i32 >> 8);
        let m = (t[7] >> 1) as i32;
        *o = crate::quant::requantize_fast(acc, m, shift, k).clamp(-128, 127) as i8;
    }
}

/// Clamps every int8 of `v` to `lo..=hi`.
pub fn clamp_bytes(v: &mut [i8], lo: i32, hi: i32) {
    for x in v.iter_mut() {
        *x = i32::from(*x).max(lo).min(hi) as i8;
    }
}

/// A 1×1 convolution of input depth 8 fused with the ADD of its output and a residual, as
/// `arm_dsp::pointwise_add` computes it: per pixel (two input words in `x`) and channel (the
/// table as [`super::POINTWISE_ADD_CHANNEL_WORDS`] describes), the bias plus four `smlad` of the
/// input lanes and doubled weight lanes, requantized (`requantize_doubled`) and saturated to
/// int8 (`y`); then `residual[r + 128] + (y << 20)` (doubled) for the residual byte `r` in `io`,
/// requantized and saturated, written over `r`. Does nothing if the table is malformed or a slice is too short.
pub fn pointwise_add(pixels: usize, table: &[u32], x: &[u32], residual: &[i32], io: &mut [i8]) {
    let Some(channels) = super::pointwise_add_channels(table) else {
        return;
    };
    if !super::pointwise_add_fits(pixels, channels, x.len(), residual.len(), io.len()) {
        return;
    }
    let table = table
        .as_chunks::<{ super::POINTWISE_ADD_CHANNEL_WORDS }>()
        .0;
    for (px, out) in x
        .as_chunks::<2>()
        .0
        .iter()
        .zip(io.chunks_exact_mut(channels))
        .take(pixels)
    {
        let lanes = [
            sxtb16(px[0]),
            sxtb16_ror8(px[0]),
            sxtb16(px[1]),
            sxtb16_ror8(px[1]),
        ];
        for (t, o) in table.iter().zip(out) {
            let [bias, w0, w1, w2, w3, m, kk, e, mo, eo, kko, _] = *t;
            let acc = lanes
                .iter()
                .zip([w0, w1, w2, w3])
                .fold(bias as i32, |acc, (&x, w)| smlad(x, w, acc));
            let requant = |a, m: u32, e, kk: u32| {
                crate::quant::requantize_doubled(true, a, m as i32, e, kk as i32).clamp(-128, 127)
            };
            let y = requant(acc, m, e, kk);
            let r = residual
                .get((i32::from(*o) + 128) as usize)
                .copied()
                .unwrap_or(0);
            *o = requant(r.wrapping_add(y << 20), mo, eo, kko) as i8;
        }
    }
}
