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

/// Float fully connected layer of input depth 1 or 16 with its inputs held in registers (small
/// layers, such as the sine model's), one compact kernel shared by all such layers.
///
/// `params` holds each output unit's weights followed by its bias (`[unit][input_depth + 1]`;
/// the compiler lays them out so). Compile-time precondition, checked by the compiler: every
/// weight and bias is finite and no bias is `-0.0`. The activation is none
/// (`-f32::MAX..=f32::MAX`) or ReLU (`0.0..=f32::MAX`); depth 1 and ReLU need a multiple of 4
/// output units; anything else runs a plain loop. Results are bit-identical to
/// [`fully_connected_f32`](super::fully_connected_f32) (see `fc_f32_small` in [`crate::arch`]
/// for why the fast path is exact and when it falls back to the reference order).
///
/// `input` is borrowed mutably because the Arm kernel parks the callee-saved float registers in
/// a depth-16 input row while it runs (no stack for them); every row is restored before it
/// returns, so `input` is unchanged afterwards.
#[inline(always)]
pub fn fully_connected_f32_regs(
    p: &FullyConnectedF32Params,
    input: &mut [f32],
    params: &[f32],
    output: &mut [f32],
) {
    let (lo, hi) = (p.activation_min, p.activation_max);
    let relu = lo == 0.0 && !lo.is_sign_negative();
    let fast = hi == f32::MAX && (relu || lo == f32::MIN);
    let (depth, units) = (p.input_depth.max(1), p.output_depth.max(1));
    for (x, out) in input
        .chunks_exact_mut(depth)
        .zip(output.chunks_exact_mut(units))
        .take(p.batches)
    {
        if !(fast && crate::arch::fc_f32_small(x, params, relu, out)) {
            for (o, row) in out.iter_mut().zip(params.chunks_exact(depth + 1)) {
                let mut total = 0.0f32;
                for (x, w) in x.iter().zip(row) {
                    total += x * w;
                }
                *o = crate::float::clamp_f32(total + row[depth], lo, hi);
            }
        }
    }
}

/// Each output unit's weights followed by its bias, the layout of
/// [`fully_connected_f32_regs`] (built by the compiler; this copy defines it for the tests).
#[cfg(test)]
fn append_bias(weights: &[f32], bias: &[f32], depth: usize) -> Vec<f32> {
    weights
        .chunks_exact(depth)
        .zip(bias)
        .flat_map(|(w, b)| w.iter().chain(core::iter::once(b)).copied())
        .collect()
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

    /// Floats that stress the exactness argument: zeros of both signs, infinities, NaN of both
    /// signs, the extremes, subnormals and values around the ±2^31 detection bound.
    const SPECIAL: [f32; 14] = [
        0.0,
        -0.0,
        f32::INFINITY,
        f32::NEG_INFINITY,
        f32::NAN,
        -f32::NAN,
        f32::MAX,
        f32::MIN,
        1.0e-45,
        -1.0e-45,
        2_147_483_648.0,
        -2_147_483_648.0,
        1.0e30,
        -3.0e38,
    ];

    #[test]
    fn regs_kernel_bit_identical_to_reference() {
        let mut seed = 1u32;
        for depth in [1usize, 16, 7] {
            for units in [4usize, 16, 1, 8] {
                for batches in [1usize, 2] {
                    for (lo, hi) in [(0.0, f32::MAX), (f32::MIN, f32::MAX), (0.0, 6.0)] {
                        for case in 0..40 {
                            seed += 1;
                            let mut input = values(seed, batches * depth);
                            let mut weights = values(seed + 1000, units * depth);
                            let mut bias = values(seed + 2000, units);
                            // Sprinkle special values.
                            let mut s = seed;
                            let mut pick = |n: usize| {
                                s = s.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                                (s >> 8) as usize % n
                            };
                            let specials = case % 4 + usize::from(case % 11 == 5) * 6;
                            for _ in 0..specials {
                                let v = SPECIAL[pick(SPECIAL.len())];
                                let (which, at) = (pick(3), pick(usize::MAX));
                                match which {
                                    0 => input[at % (batches * depth)] = v,
                                    // The precondition: finite weights and biases, no bias -0.0.
                                    1 if v.is_finite() => weights[at % (units * depth)] = v,
                                    2 if v.is_finite() && v.to_bits() != 0x8000_0000 => {
                                        bias[at % units] = v
                                    }
                                    _ => {}
                                }
                            }
                            if case % 5 == 1 {
                                // Exact cancellation and all-zero rows: zero sums of both signs.
                                for w in weights.iter_mut().step_by(2) {
                                    *w = -0.0;
                                }
                                bias[0] = 0.0;
                                input[0] = -input[0].abs();
                            }
                            if case % 7 == 3 {
                                for x in input.iter_mut() {
                                    *x = 0.0;
                                }
                                bias[pick(units)] = 0.0;
                            }
                            if case % 9 == 4 {
                                bias[pick(units)] = 1.0e30;
                                input[pick(batches * depth)] = 3.0e38;
                            }
                            let p = FullyConnectedF32Params {
                                batches,
                                input_depth: depth,
                                output_depth: units,
                                activation_min: lo,
                                activation_max: hi,
                            };
                            let mut want = vec![0.0; batches * units];
                            let mut got = vec![1.0; batches * units];
                            fully_connected_f32(&p, &input, &weights, &bias, &mut want);
                            let mut x = input.clone();
                            fully_connected_f32_regs(
                                &p,
                                &mut x,
                                &append_bias(&weights, &bias, depth),
                                &mut got,
                            );
                            let bits =
                                |v: &[f32]| v.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
                            assert_eq!(
                                bits(&got),
                                bits(&want),
                                "depth {depth} units {units} case {case}"
                            );
                            assert_eq!(
                                bits(&x),
                                bits(&input),
                                "input changed: depth {depth} case {case}"
                            );
                        }
                    }
                }
            }
        }
    }
}
