//! FULLY_CONNECTED float32, register-blocked over eight output units.
//!
//! Each input element is loaded once per eight outputs, and the weights of eight consecutive
//! output units are interleaved at compile time so that one pass reads them sequentially.
//! Every output still sums its products in input order from zero and adds the bias last, so
//! results are bit-identical to [`fully_connected_f32`](super::fully_connected_f32).

use super::fully_connected::FullyConnectedF32Params;
pub use crate::arch::FcF32Chain;

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

/// Float fully connected layers of input depth 1 or 16 with their inputs held in registers
/// (small layers, such as the sine model's), run as one chain by one call of one compact kernel
/// shared by all such layers: each layer's output is the next one's input, and the two arena
/// buffers take turns (see [`FcF32Chain`], which also holds the weights).
///
/// Every layer has ReLU or no activation; [`FcF32Chain::new`] checks the rest of the kernel's
/// precondition when the chain is made (in a `const`): every weight and bias finite, no bias
/// `-0.0`, a multiple of 2 output units at depth 1 and of 4 with ReLU. Results are bit-identical
/// to [`fully_connected_f32`](super::fully_connected_f32) layer after layer (see `fc_f32_chain`
/// in [`crate::arch`] for why the fast path is exact and when it clamps exactly instead).
///
/// `arena` is the model's arena as floats, from its start. A depth-16 layer may park the
/// callee-saved float registers in its input while it runs (the Arm kernel does): a layer's
/// input holds other values afterwards, so the compiler chains only layers whose input dies.
#[inline(always)]
pub fn fully_connected_f32_chain(chain: &FcF32Chain<'_>, arena: &mut [f32]) {
    crate::arch::fc_f32_chain(chain, arena);
}

/// One layer of [`FcF32Chain`]'s table: the configuration word, then each output unit's
/// weights followed by its bias, or at depth 1 pairs of weights then their two biases (built
/// by the compiler; this copy defines it for the tests).
#[cfg(test)]
fn chain_layer(weights: &[f32], bias: &[f32], depth: usize, relu: bool) -> Vec<f32> {
    let mut out = vec![f32::from_bits(FcF32Chain::cfg(
        bias.len(),
        depth == 16,
        relu,
    ))];
    if depth == 1 {
        for (w, b) in weights.chunks(2).zip(bias.chunks(2)) {
            out.extend(w.iter().chain(b));
        }
    } else {
        for (w, b) in weights.chunks_exact(depth).zip(bias) {
            out.extend(w.iter().chain(core::iter::once(b)));
        }
    }
    out
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

    /// A layer of random values in `[-2, 2)` with special values sprinkled by `case`, within
    /// the chain's precondition: finite weights and biases, no bias `-0.0`.
    fn layer(seed: u32, case: usize, depth: usize, units: usize) -> (Vec<f32>, Vec<f32>) {
        let mut weights = values(seed + 1000, units * depth);
        let mut bias = values(seed + 2000, units);
        let mut s = seed;
        let mut pick = |n: usize| {
            s = s.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            (s >> 8) as usize % n
        };
        for _ in 0..case % 4 {
            let v = SPECIAL[pick(SPECIAL.len())];
            if v.is_finite() && v.to_bits() != 0x8000_0000 {
                match pick(2) {
                    0 => weights[pick(units * depth)] = v,
                    _ => bias[pick(units)] = v,
                }
            }
        }
        if case % 5 == 1 {
            // Exact cancellation and all-zero rows: zero sums of both signs.
            for w in weights.iter_mut().step_by(2) {
                *w = -0.0;
            }
            bias[0] = 0.0;
        }
        if case % 9 == 4 {
            bias[pick(units)] = 1.0e30;
            weights[pick(units * depth)] = 3.0e38;
        }
        (weights, bias)
    }

    /// An input of random values with special values sprinkled by `case`.
    fn input(seed: u32, case: usize, depth: usize) -> Vec<f32> {
        let mut x = values(seed, depth);
        for k in 0..case % 3 + usize::from(case % 11 == 5) * 4 {
            x[(seed as usize + 7 * k) % depth] = SPECIAL[(case + 5 * k) % SPECIAL.len()];
        }
        if case % 7 == 3 {
            x.iter_mut().for_each(|v| *v = 0.0);
        }
        if case % 13 == 6 {
            x[0] = -x[0].abs();
        }
        x
    }

    /// Runs `layers` (`(depth, units, relu)`) as one chain, the input at arena float 32 and the
    /// first output at 0, and as reference kernels one after the other; compares the bits of
    /// every layer's output still in the arena.
    fn check_chain(layers: &[(usize, usize, bool)], seed: u32, case: usize) {
        let bits = |v: &[f32]| v.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        let x = input(seed, case, layers[0].0);
        let mut table = Vec::new();
        let mut want = x.clone();
        let mut outs = Vec::new();
        for (k, &(depth, units, relu)) in layers.iter().enumerate() {
            let (weights, bias) = layer(seed + 10 * k as u32, case + k, depth, units);
            table.extend(chain_layer(&weights, &bias, depth, relu));
            let p = FullyConnectedF32Params {
                batches: 1,
                input_depth: depth,
                output_depth: units,
                activation_min: if relu { 0.0 } else { f32::MIN },
                activation_max: f32::MAX,
            };
            let mut out = vec![0.0; units];
            fully_connected_f32(&p, &want, &weights, &bias, &mut out);
            want = out.clone();
            outs.push(out);
        }
        table.push(0.0);
        let chain = FcF32Chain::new(&table, 32, 0).expect("a valid chain");
        let mut arena = vec![1.5f32; 64];
        arena[32..32 + x.len()].copy_from_slice(&x);
        fully_connected_f32_chain(&chain, &mut arena);
        let last = layers.len() - 1;
        for (k, out) in outs.iter().enumerate() {
            if k + 2 <= last {
                continue; // written over by layer k + 2
            }
            let at = if k % 2 == 0 { 0 } else { 32 };
            assert_eq!(
                bits(&arena[at..at + out.len()]),
                bits(out),
                "layers {layers:?} case {case}: layer {k}"
            );
        }
    }

    #[test]
    fn chain_bit_identical_to_reference() {
        let mut seed = 1u32;
        for case in 0..60 {
            for depth in [1usize, 16] {
                for units in [4usize, 16, 1, 8, 6] {
                    for relu in [false, true] {
                        seed += 1;
                        let shape = if relu {
                            units % 4 == 0
                        } else {
                            depth == 16 || units % 2 == 0
                        };
                        if shape {
                            check_chain(&[(depth, units, relu)], seed, case);
                        }
                    }
                }
            }
            // The sine model's shape, and a longer chain.
            check_chain(&[(1, 16, true), (16, 16, true), (16, 1, false)], seed, case);
            check_chain(
                &[(16, 16, true), (16, 16, false), (16, 3, false)],
                seed,
                case,
            );
        }
    }

    #[test]
    fn chain_rejects_what_the_kernel_does_not_run() {
        let ok = chain_layer(&[0.5; 16], &[0.25; 4], 1, true);
        let with_end = |t: &[f32]| [t, &[0.0]].concat();
        assert!(FcF32Chain::new(&with_end(&ok), 8, 0).is_some());
        // No end word, a word too many, a shape not supported, a bias -0.0, an infinite
        // weight, input and output overlapping.
        assert!(FcF32Chain::new(&ok, 8, 0).is_none());
        assert!(FcF32Chain::new(&[&with_end(&ok)[..], &[1.0]].concat(), 8, 0).is_none());
        let relu_6 = chain_layer(&[0.5; 6 * 16], &[0.25; 6], 16, true);
        assert!(FcF32Chain::new(&with_end(&relu_6), 32, 0).is_none());
        let none_6 = chain_layer(&[0.5; 6 * 16], &[0.25; 6], 16, false);
        assert!(FcF32Chain::new(&with_end(&none_6), 32, 0).is_some());
        let neg_zero = chain_layer(&[0.5; 4], &[0.25, -0.0, 0.0, 1.0], 1, true);
        assert!(FcF32Chain::new(&with_end(&neg_zero), 8, 0).is_none());
        let inf = chain_layer(&[0.5, f32::INFINITY, 0.0, 1.0], &[0.25; 4], 1, true);
        assert!(FcF32Chain::new(&with_end(&inf), 8, 0).is_none());
        assert!(FcF32Chain::new(&with_end(&ok), 2, 0).is_none());
    }
}
