//! Compile-time weight re-layouts that optimized kernels expect.

/// Interleaves the rows of a row-major `[rows][cols]` matrix of `elem`-byte elements in blocks of
/// `block` rows: each full block is stored `[cols][block]` (column by column), and the remaining
/// `rows % block` rows follow in their original layout. Used by `fully_connected_f32_x4`.
pub fn interleave_rows(
    data: &[u8],
    elem: usize,
    rows: usize,
    cols: usize,
    block: usize,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len());
    let full = rows / block * block;
    let at = |r: usize, c: usize| {
        data.get((r * cols + c) * elem..(r * cols + c + 1) * elem)
            .unwrap_or_default()
    };
    for b in (0..full).step_by(block.max(1)) {
        for c in 0..cols {
            for r in b..b + block {
                out.extend_from_slice(at(r, c));
            }
        }
    }
    out.extend_from_slice(data.get(full * cols * elem..).unwrap_or_default());
    out
}

/// The int8 weights of `pointwise_s8` (runtime `kernels::conv_s8_fast`), from a row-major
/// `[rows][cols]` int8 matrix with `cols % 4 == 0`: rows in pairs, each pair stored word by word
/// (four bytes of the first row, then four of the second), then the last row as it is when
/// `rows` is odd. The result is emitted as little-endian `i32` words, so it keeps the byte order.
pub fn pair_words(data: &[u8], rows: usize, cols: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len());
    let row = |r: usize| data.get(r * cols..(r + 1) * cols).unwrap_or_default();
    for p in 0..rows / 2 {
        for (a, b) in row(2 * p)
            .chunks_exact(4)
            .zip(row(2 * p + 1).chunks_exact(4))
        {
            out.extend_from_slice(a);
            out.extend_from_slice(b);
        }
    }
    if rows % 2 == 1 {
        out.extend_from_slice(row(rows - 1));
    }
    out
}

/// Whether `pointwise_quads_s8`'s table can hold a bias: it shares a word with the shift, in
/// `-2^23..2^23`.
pub fn quad_bias_fits(bias: i32) -> bool {
    (-(1 << 23)..1 << 23).contains(&bias)
}

/// The table of `pointwise_quads_s8` (runtime `kernels::conv_s8_fast`), from a row-major
/// `[units][depth]` int8 matrix (`depth % 4 == 0`), the biases and the per-unit multipliers and
/// shifts: per unit `bias << 8 | (e − 1)` (`e = −shift`), the unit's weights as little-endian
/// words of four, then `2 · multiplier` (wrapping to `u32`). `None` unless every bias fits
/// ([`quad_bias_fits`]), every shift lies in `-31..=-1` and every multiplier in `[2^30, 2^31)`
/// (what the kernel's asm assumes) and every slice has `units` entries.
pub fn quad_table(
    data: &[u8],
    depth: usize,
    bias: &[i32],
    (multipliers, shifts): (&[i32], &[i32]),
) -> Option<Vec<i32>> {
    let units = bias.len();
    if !depth.is_multiple_of(4) || multipliers.len() != units || shifts.len() != units {
        return None;
    }
    let mut out = Vec::with_capacity(units * (depth / 4 + 2));
    for (u, ((&b, &m), &s)) in bias.iter().zip(multipliers).zip(shifts).enumerate() {
        let ok = quad_bias_fits(b) && (-31..=-1).contains(&s) && (1 << 30..=i32::MAX).contains(&m);
        if !ok {
            return None;
        }
        out.push(b << 8 | (-s - 1));
        let row = data.get(u * depth..(u + 1) * depth)?;
        out.extend(
            row.chunks_exact(4)
                .map(|q| i32::from_le_bytes([q[0], q[1], q[2], q[3]])),
        );
        out.push((m as u32).wrapping_mul(2) as i32);
    }
    Some(out)
}

/// The table of `conv_band_quads_wide_s8` (runtime `kernels::conv_band_s8`, whose
/// `wide_quad_table` this mirrors) from [`quad_table`]'s with `words` weight words per unit,
/// doubled for `kiln::quant::requantize_doubled`: per unit twice the bias four times, per weight
/// word its two sign-extended halfword pairs (bytes 0 and 2, then 1 and 3) doubled, the
/// multiplier, the right shift `e` and `(1 + 2 · output_offset) · 2^(e − 1)`. `None` when a
/// right shift is out of [`crate::quantize::doubled_shift_ok`]'s range.
pub fn wide_quad_table(table: &[i32], words: usize, output_offset: i32) -> Option<Vec<i32>> {
    let k = 1 + 2 * output_offset;
    let pairs = |w: i32| {
        let b = w.to_le_bytes().map(|b| (2 * i32::from(b as i8)) & 0xFFFF);
        [b[0] | b[2] << 16, b[1] | b[3] << 16]
    };
    let mut out = Vec::with_capacity(table.len() / (words + 2) * (2 * words + 7));
    for t in table.chunks_exact(words + 2) {
        let e = (t[0] & 0xFF) + 1;
        if !crate::quantize::doubled_shift_ok(-e) {
            return None;
        }
        out.extend([2 * (t[0] >> 8); 4]);
        out.extend(t[1..=words].iter().flat_map(|&w| pairs(w)));
        out.push(((t[words + 1] as u32) >> 1) as i32);
        out.push(e);
        out.push(k.wrapping_shl(e as u32 - 1));
    }
    Some(out)
}

/// The table of `fully_connected_row_s8` (runtime `kernels::conv_s8_fast`, whose `fc_row_table`
/// this mirrors) from a row-major `[units][depth]` int8 matrix (`depth % 8 == 0`, `units` even),
/// the biases, the per-unit multipliers and shifts and the output offset: per pair of units the
/// two biases, per eight inputs the raw weight words `w0[k], w1[k], w0[k + 1], w1[k + 1]`, then
/// twice the two multipliers (wrapping) and `(e − 1) | (1 + 2 · output_offset) << 8` for each.
/// `None` unless every shift lies in `-31..=-1` and every multiplier in `[2^30, 2^31)` and the
/// shape is one the kernel runs.
pub fn fc_row_table(
    data: &[u8],
    depth: usize,
    bias: &[i32],
    (multipliers, shifts): (&[i32], &[i32]),
    output_offset: i32,
) -> Option<Vec<i32>> {
    let units = bias.len();
    let ok = depth.is_multiple_of(8)
        && depth > 0
        && units.is_multiple_of(2)
        && multipliers.len() == units
        && shifts.len() == units
        && data.len() == units * depth
        && shifts.iter().all(|s| (-31..=-1).contains(s))
        && multipliers.iter().all(|m| (1 << 30..=i32::MAX).contains(m));
    if !ok {
        return None;
    }
    let k = 1 + 2 * output_offset;
    let word = |u: usize, j: usize| {
        let q = &data[u * depth + 4 * j..][..4];
        i32::from_le_bytes([q[0], q[1], q[2], q[3]])
    };
    let mut out = Vec::with_capacity(units / 2 * (depth / 2 + 6));
    for u in (0..units).step_by(2) {
        out.extend([bias[u], bias[u + 1]]);
        for j in (0..depth / 4).step_by(2) {
            out.extend([
                word(u, j),
                word(u + 1, j),
                word(u, j + 1),
                word(u + 1, j + 1),
            ]);
        }
        out.extend([u, u + 1].map(|u| (multipliers[u] as u32).wrapping_mul(2) as i32));
        out.extend([u, u + 1].map(|u| (-shifts[u] - 1) | k << 8));
    }
    Some(out)
}

/// `data` as runs of `run` bytes, each zero-padded to `padded` bytes (`padded ≥ run`): the
/// weights of one window per channel rounded up to whole words, or of one filter row.
pub fn pad_runs(data: &[u8], run: usize, padded: usize) -> Vec<u8> {
    let runs = data.len().checked_div(run).unwrap_or(0);
    let mut out = vec![0u8; runs * padded];
    for (dst, src) in out
        .chunks_exact_mut(padded.max(1))
        .zip(data.chunks_exact(run.max(1)))
    {
        dst[..run].copy_from_slice(src);
    }
    out
}

/// CONV_2D-layout weights `[channels][kh][kw][depth]` with each channel's window in column
/// order, `[channels][kw][kh][depth]`: the window order of the column band
/// (`kiln::kernels::conv_band_s8`).
pub fn window_columns(data: &[u8], kh: usize, kw: usize, depth: usize) -> Vec<u8> {
    data.chunks_exact((kh * kw * depth).max(1))
        .flat_map(|w| transpose(w, kh, kw, depth))
        .collect()
}

/// The transpose of a row-major `[rows][cols]` matrix of bytes: `[cols][rows]`.
pub fn transpose_bytes(data: &[u8], rows: usize, cols: usize) -> Vec<u8> {
    transpose(data, rows, cols, 1)
}

/// The transpose of a row-major `[rows][cols]` matrix of `elem`-byte elements: `[cols][rows]`
/// (zeros where `data` is short).
fn transpose(data: &[u8], rows: usize, cols: usize, elem: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(rows * cols * elem);
    for c in 0..cols {
        for r in 0..rows {
            let at = (r * cols + c) * elem;
            match data.get(at..at + elem) {
                Some(e) => out.extend_from_slice(e),
                None => out.resize(out.len() + elem, 0),
            }
        }
    }
    out
}

/// The per-channel table of `conv_small_s8` (`kiln::kernels::conv_s8_fast`) from CONV_2D-layout
/// int8 weights `[channels][rows][run]` (`rows ≤ 3`, `run ≤ 4`): per channel nine words, the
/// bias, per row (three, missing ones zero) the 16-bit weight pairs `(w0, w2), (w1, w3)` as
/// `sxtb16` pairs the input bytes (zero past the run), the multiplier doubled, and `(e − 1) | k << 8`
/// with `e = −shift` (`1..=31`) and `k = 1 + 2 · output_zero_point`.
pub fn small_window_table(
    weights: &[u8],
    (rows, run): (usize, usize),
    bias: &[i32],
    (multipliers, shifts): (&[i32], &[i32]),
    output_zero_point: i32,
) -> Vec<u8> {
    let per = rows * run;
    let lanes =
        |a: u8, b: u8| u32::from(a as i8 as i16 as u16) | (u32::from(b as i8 as i16 as u16) << 16);
    let k = (1 + 2 * output_zero_point) as u32;
    let mut words = Vec::with_capacity(9 * bias.len());
    for (c, b) in bias.iter().enumerate() {
        words.push(*b as u32);
        for r in 0..3 {
            let w = |j: usize| {
                if r < rows && j < run {
                    weights.get(c * per + r * run + j).copied().unwrap_or(0)
                } else {
                    0
                }
            };
            words.push(lanes(w(0), w(2)));
            words.push(lanes(w(1), w(3)));
        }
        let pick = |v: &[i32]| v.get(c).or(v.first()).copied().unwrap_or(0);
        // Doubled (wrapping; multipliers are in `[2^30, 2^31)`): the kernel's `smmlar` by it is
        // the rounded high word of twice the sum times the multiplier.
        words.push((pick(multipliers) as u32).wrapping_shl(1));
        words.push(u32::from((-pick(shifts) - 1) as u8) | (k << 8));
    }
    words.iter().flat_map(|w| w.to_le_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pads_every_run() {
        assert_eq!(
            pad_runs(&[1, 2, 3, 4, 5, 6], 3, 4),
            [1, 2, 3, 0, 4, 5, 6, 0]
        );
        assert_eq!(pad_runs(&[1, 2], 2, 2), [1, 2]);
    }

    #[test]
    fn interleaves_full_blocks_and_keeps_the_tail() {
        // 5 rows × 2 cols, one byte each: rows r have values 10r + c.
        let m: Vec<u8> = (0..5)
            .flat_map(|r| (0..2).map(move |c| 10 * r + c))
            .collect();
        let got = interleave_rows(&m, 1, 5, 2, 4);
        assert_eq!(got, vec![0, 10, 20, 30, 1, 11, 21, 31, 40, 41]);
        let two_bytes: Vec<u8> = m.iter().flat_map(|v| [*v, 0]).collect();
        let got2 = interleave_rows(&two_bytes, 2, 5, 2, 4);
        assert_eq!(got2.iter().step_by(2).copied().collect::<Vec<_>>(), got);
    }

    #[test]
    fn fc_row_table_interleaves_two_units_by_word() {
        // 2 units × 8 inputs: value 10u + c.
        let m: Vec<u8> = (0..2)
            .flat_map(|u| (0..8).map(move |c| 10 * u + c))
            .collect();
        let got = fc_row_table(&m, 8, &[5, -7], (&[1 << 30, i32::MAX], &[-1, -31]), 3).unwrap();
        let word =
            |u: i32, j: i32| i32::from_le_bytes([0, 1, 2, 3].map(|c| (10 * u + 4 * j + c) as u8));
        let k = 7 << 8;
        let want = [
            5,
            -7,
            word(0, 0),
            word(1, 0),
            word(0, 1),
            word(1, 1),
            i32::MIN,
            -2,
            k,
            30 | k,
        ];
        assert_eq!(got, want);
        // Odd units, a depth that is not a multiple of 8, a shift of 0.
        assert!(fc_row_table(&m[..8], 8, &[5], (&[1 << 30], &[-1]), 0).is_none());
        assert!(fc_row_table(&m[..8], 4, &[5, 6], (&[1 << 30; 2], &[-1; 2]), 0).is_none());
        assert!(fc_row_table(&m, 8, &[5, 6], (&[1 << 30; 2], &[0, -1]), 0).is_none());
    }

    #[test]
    fn wide_quad_table_splits_weight_words_into_sign_extended_pairs() {
        // One unit: bias −3 with e − 1 = 5, the weight bytes 1, −2, 127, −128, then 2m.
        let w = i32::from_le_bytes([1, (-2i8) as u8, 127, (-128i8) as u8]);
        let got = wide_quad_table(&[-3 << 8 | 5, w, i32::MIN], 1, -128);
        let pair = |lo: i32, hi: i32| ((2 * lo) & 0xFFFF) | (2 * hi) << 16;
        let want = [
            -6,
            -6,
            -6,
            -6,
            pair(1, 127),
            pair(-2, -128),
            1 << 30,
            6,
            -255 << 5,
        ];
        assert_eq!(got, Some(want.to_vec()));
        // A right shift of 24 does not fit the doubled requantization.
        assert!(wide_quad_table(&[-3 << 8 | 23, w, i32::MIN], 1, -128).is_none());
    }

    #[test]
    fn quad_table_packs_bias_shift_weights_and_doubled_multiplier() {
        // 2 units × 4 inputs: value 10u + c.
        let m: Vec<u8> = (0..2)
            .flat_map(|u| (0..4).map(move |c| 10 * u + c))
            .collect();
        let (bias, mult, shift) = ([-3, 70_000], [1 << 30, i32::MAX], [-1, -31]);
        let got = quad_table(&m, 4, &bias, (&mult, &shift)).expect("in range");
        let word = |u: i32| i32::from_le_bytes([0, 1, 2, 3].map(|c| (10 * u + c) as u8));
        let want = vec![-3 * 256, word(0), i32::MIN, 70_000 * 256 + 30, word(1), -2];
        assert_eq!(got, want);
        let out_of_range = [
            quad_table(&m, 4, &[1 << 23, 0], (&mult, &shift)),
            quad_table(&m, 4, &bias, (&[1 << 30, (1 << 30) - 1], &shift)),
            quad_table(&m, 4, &bias, (&mult, &[0, -1])),
            quad_table(&m, 4, &bias, (&mult[..1], &shift[..1])),
            quad_table(&m, 3, &bias, (&mult, &shift)),
        ];
        assert!(out_of_range.iter().all(Option::is_none));
    }

    #[test]
    fn pairs_rows_by_word() {
        // 3 rows × 8 cols: value 10r + c.
        let m: Vec<u8> = (0..3)
            .flat_map(|r| (0..8).map(move |c| 10 * r + c))
            .collect();
        let got = pair_words(&m, 3, 8);
        let want: Vec<u8> = [
            [0, 1, 2, 3],
            [10, 11, 12, 13],
            [4, 5, 6, 7],
            [14, 15, 16, 17],
            [20, 21, 22, 23],
            [24, 25, 26, 27],
        ]
        .concat();
        assert_eq!(got, want);
        assert_eq!(
            transpose_bytes(&[1, 2, 3, 4, 5, 6], 2, 3),
            vec![1, 4, 2, 5, 3, 6]
        );
    }
}
