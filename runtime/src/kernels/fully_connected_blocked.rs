//! FULLY_CONNECTED float32, register-blocked over eight output units.
//!
//! Each input element is loaded once per eight outputs, and the weights of eight consecutive
//! output units are interleaved at compile time so that one pass reads them sequentially.
//! Every output still sums its products in input order from zero and adds the bias last, so
//! results are bit-identical to [`fully_connected_f32`](super::fully_connected_f32).

use super::fully_connected::FullyConnectedF32Params;

/// Output units computed together.
pub const FC_F32_BLOCK: usize = 8;

/// Float fully connected layer over interleaved weights.
///
/// `weights` holds first `output_depth / 8` blocks laid out `[block][input_depth][8]`, then the
/// remaining `output_depth % 8` rows in the plain `[row][input_depth]` layout. `bias` has
/// `output_depth` elements (the compiler supplies zeros when the model has no bias).
pub fn fully_connected_f32_x8(
    p: &FullyConnectedF32Params,
    input: &[f32],
    weights: &[f32],
    bias: &[f32],
    output: &mut [f32],
) {
    let (depth, units) = (p.input_depth.max(1), p.output_depth.max(1));
    for (x, out) in input
        .chunks_exact(depth)
        .zip(output.chunks_exact_mut(units))
        .take(p.batches)
    {
        crate::arch::fc_f32(x, weights, bias, p.activation_min, p.activation_max, out);
    }
}

/// The weight re-layout [`fully_connected_f32_x4`] expects, from TFLite's
/// `[output_depth][input_depth]` layout (the compiler does this at build time; this copy
/// defines the contract for the tests).
#[cfg(test)]
fn interleave_fc_weights<T: Copy>(
    weights: &[T],
    output_depth: usize,
    input_depth: usize,
    out: &mut [T],
) {
    let blocked = output_depth / FC_F32_BLOCK * FC_F32_BLOCK;
    let mut k = 0;
    for b in (0..blocked).step_by(FC_F32_BLOCK) {
        for i in 0..input_depth {
            for j in 0..FC_F32_BLOCK {
                if let (Some(o), Some(w)) = (out.get_mut(k), weights.get((b + j) * input_depth + i))
                {
                    *o = *w;
                }
                k += 1;
            }
        }
    }
    for (o, w) in out
        .iter_mut()
        .skip(k)
        .zip(weights.iter().skip(blocked * input_depth))
    {
        *o = *w;
    }
}

#[cfg(test)]
mod tests {
    use super::super::fully_connected::fully_connected_f32;
    use super::*;

    /// Deterministic pseudo-random floats in [-2, 2), with a few specials.
    fn values(seed: u32, n: usize) -> Vec<f32> {
        let mut s = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
        (0..n)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 17;
                s ^= s << 5;
                (s >> 8) as f32 / (1u32 << 22) as f32 - 2.0
            })
            .collect()
    }

    #[test]
    fn bit_identical_to_reference() {
        for (case, &(batches, depth, units)) in [
            (1, 1, 16),
            (1, 16, 16),
            (1, 16, 1),
            (2, 7, 9),
            (3, 5, 4),
            (1, 33, 3),
        ]
        .iter()
        .enumerate()
        {
            for (lo, hi) in [
                (f32::MIN, f32::MAX),
                (0.0, f32::MAX),
                (0.0, 6.0),
                (-1.0, 1.0),
            ] {
                let p = FullyConnectedF32Params {
                    batches,
                    input_depth: depth,
                    output_depth: units,
                    activation_min: lo,
                    activation_max: hi,
                };
                let input = values(case as u32, batches * depth);
                let weights = values(100 + case as u32, units * depth);
                let bias = values(200 + case as u32, units);
                let mut inter = vec![0.0; weights.len()];
                interleave_fc_weights(&weights, units, depth, &mut inter);
                let zeros = vec![0.0; units];
                // The reference takes an absent bias as empty; the blocked kernel gets zeros.
                for (ref_bias, bias) in [(&bias[..], &bias[..]), (&[][..], &zeros[..])] {
                    let mut want = vec![0.0; batches * units];
                    let mut got = vec![1.0; batches * units];
                    fully_connected_f32(&p, &input, &weights, ref_bias, &mut want);
                    fully_connected_f32_x8(&p, &input, &inter, bias, &mut got);
                    let wb: Vec<u32> = want.iter().map(|v| v.to_bits()).collect();
                    let gb: Vec<u32> = got.iter().map(|v| v.to_bits()).collect();
                    assert_eq!(gb, wb, "batches {batches} depth {depth} units {units}");
                }
            }
        }
    }
}
