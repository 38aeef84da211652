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

#[cfg(test)]
mod tests {
    use super::*;

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
}
