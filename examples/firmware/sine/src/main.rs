//! The float32 sine model (Dense 16 → Dense 16 → Dense 1), compiled by kiln at build time.
//!
//! Runs the model on eight inputs spread over [0, 2π], prints every prediction next to the TFLM
//! reference as bit patterns (the host decodes them), checks each within 1e-5 relative, then
//! measures one `predict` call with the harness. Exits with status 0 only if all match.
#![no_std]
#![no_main]

use core::hint::black_box;

use kiln_fw_harness as harness;

kiln::include_model!(pub Sine = "../../../../shared/models/generated/sine_float32.tflite");

/// One input with the output TFLM computes for it.
struct Case {
    name: &'static str,
    input: f32,
    expected: f32,
}

// `const CASES: [Case; 8]`, from the model's reference vectors (see build.rs).
include!(concat!(env!("OUT_DIR"), "/cases.rs"));

/// The case whose `predict` call is measured.
const MEASURED: usize = 2;

/// Largest accepted |prediction − reference| / |reference|.
const RELATIVE_TOLERANCE: f32 = 1e-5;

#[harness::entry]
fn main() -> ! {
    let mut model = Sine::new();
    let mut all_match = true;
    for case in &CASES {
        let predicted = model.predict(&[case.input])[0];
        all_match &= check(case.name, case, predicted);
    }

    let case = &CASES[MEASURED];
    let input = [case.input];
    let (output, m) = harness::measure(|| model.predict(black_box(&input)));
    let predicted = output[0];
    harness::report("predict", &m);
    all_match &= check("predict", case, predicted);

    if !small_fc_matches_reference() {
        let mut line = harness::Line::new("@MISMATCH");
        line.word("fully_connected_f32_chain");
        line.send();
        all_match = false;
    }

    if !byte_primitives_match() {
        let mut line = harness::Line::new("@MISMATCH");
        line.word("arch byte primitives");
        line.send();
        all_match = false;
    }

    if !pool_kernels_match() {
        let mut line = harness::Line::new("@MISMATCH");
        line.word("int8 pooling and RELU6 word kernels");
        line.send();
        all_match = false;
    }

    if all_match {
        harness::pass()
    } else {
        harness::fail("predictions differ from the TFLM reference")
    }
}

/// Prints the case under `name` and whether `predicted` is within tolerance of the reference.
fn check(name: &str, case: &Case, predicted: f32) -> bool {
    harness::f32_line("@IN", name, &[case.input]);
    harness::f32_line("@OUT", name, &[predicted]);
    harness::f32_line("@EXPECT", name, &[case.expected]);
    let matches = (predicted - case.expected).abs() <= RELATIVE_TOLERANCE * case.expected.abs();
    if !matches {
        let mut line = harness::Line::new("@MISMATCH");
        line.word(name);
        line.send();
    }
    matches
}

/// Floats that stress the small float FC kernel's fast path and its exact fallback.
const SPECIAL: [f32; 12] = [
    0.0,
    -0.0,
    f32::INFINITY,
    f32::NEG_INFINITY,
    f32::NAN,
    -f32::NAN,
    f32::MAX,
    f32::MIN,
    1.0e-45,
    2_147_483_648.0,
    -2_147_483_648.0,
    3.0e38,
];

/// `fully_connected_f32_chain` (the kernel the sine model's layers run, with its target-specific
/// routine) against the reference `fully_connected_f32` on this core, bit for bit, over
/// pseudo-random one-layer chains of depth 1 and 16 with special values in the inputs and,
/// within the kernel's precondition (finite, no bias `-0.0`), in the weights and biases.
fn small_fc_matches_reference() -> bool {
    use kiln::__private::{
        fully_connected_f32, fully_connected_f32_chain, FcF32Chain, FullyConnectedF32Params,
    };
    let mut seed = 0x1234_5678u32;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        seed
    };
    let mut ok = true;
    for case in 0..240u32 {
        let depth = if case % 2 == 0 { 16 } else { 1 };
        let relu = case % 3 != 0;
        let units = match (depth, relu) {
            (1, _) | (_, true) => 4 * (1 + case as usize / 2 % 4) - 2 * usize::from(!relu),
            _ => 1 + case as usize % 16,
        };
        let (mut x, mut w, mut b) = ([0f32; 16], [0f32; 256], [0f32; 16]);
        let value = |r: u32| (r >> 8) as f32 / (1u32 << 22) as f32 - 2.0;
        for v in x.iter_mut().chain(w.iter_mut()).chain(b.iter_mut()) {
            *v = value(next());
        }
        for _ in 0..case % 5 {
            let v = SPECIAL[next() as usize % SPECIAL.len()];
            match next() % 3 {
                0 => x[next() as usize % depth] = v,
                1 if v.is_finite() => w[next() as usize % (units * depth)] = v,
                2 if v.is_finite() && v.to_bits() != 0x8000_0000 => b[next() as usize % units] = v,
                _ => {}
            }
        }
        if case % 7 == 3 {
            x = [0.0; 16];
        }
        if case % 5 == 1 {
            // Exact cancellation and zero rows: zero sums of both signs.
            for v in w.iter_mut().step_by(2) {
                *v = -0.0;
            }
            b[0] = 0.0;
        }
        if case % 9 == 4 {
            // Overflow to ±inf, which the exact pass clamps to ±f32::MAX.
            b[next() as usize % units] = 1.0e30;
            x[next() as usize % depth] = if case % 2 == 0 { 3.0e38 } else { -3.0e38 };
        }
        // The chain's table: the configuration word, then each unit's weights and bias (depth
        // 1: pairs of weights, then their biases), then the end word.
        let mut table = [0f32; 2 + 16 * 17];
        table[0] = f32::from_bits(FcF32Chain::cfg(units, depth == 16, relu));
        let mut k = 1;
        for u in 0..units {
            if depth == 1 {
                table[1 + u / 2 * 4 + u % 2] = w[u];
                table[1 + u / 2 * 4 + 2 + u % 2] = b[u];
            } else {
                table[k..k + 16].copy_from_slice(&w[u * 16..][..16]);
                table[k + 16] = b[u];
                k += 17;
            }
        }
        let end = 1 + units * (depth + 1);
        let Some(chain) = FcF32Chain::new(black_box(&table[..end + 1]), 16, 0) else {
            return false;
        };
        let p = FullyConnectedF32Params {
            batches: 1,
            input_depth: depth,
            output_depth: units,
            activation_min: if relu { 0.0 } else { f32::MIN },
            activation_max: f32::MAX,
        };
        let mut want = [0f32; 16];
        fully_connected_f32(
            &p,
            &x[..depth],
            &w[..units * depth],
            &b[..units],
            &mut want[..units],
        );
        // The arena: the output at float 0, the input at 16.
        let mut arena = [1f32; 32];
        arena[16..16 + depth].copy_from_slice(&x[..depth]);
        fully_connected_f32_chain(&chain, black_box(&mut arena[..]));
        ok &= want
            .iter()
            .zip(&arena)
            .take(units)
            .all(|(a, b)| a.to_bits() == b.to_bits());
    }
    ok
}

/// The byte primitives of `kiln::arch` that the int8 kernels use for windows and activation
/// ranges (asm on the DSP targets) against plain loops, on every core CI runs this on.
fn byte_primitives_match() -> bool {
    let src: [u8; 40] = core::array::from_fn(|i| (i as u8).wrapping_mul(37).wrapping_add(5));
    let mut ok = true;
    for n in 0..=9 {
        // Three runs of `n` bytes, 13 apart in the source and 11 apart in the destination.
        let mut dst = [0xAAu8; 40];
        kiln::arch::copy_rows(&mut dst, 11, black_box(&src), 13, 3, n);
        for (i, d) in dst.iter().enumerate() {
            let (r, j) = (i / 11, i % 11);
            let want = if r < 3 && j < n {
                src[13 * r + j]
            } else {
                0xAA
            };
            ok &= *d == want;
        }
        let mut fill = [0u8; 12];
        kiln::arch::fill_bytes(black_box(&mut fill[1..1 + n]), 0x9C);
        ok &= fill
            .iter()
            .enumerate()
            .all(|(i, v)| *v == if (1..1 + n).contains(&i) { 0x9C } else { 0 });
        let mut v: [i8; 12] = core::array::from_fn(|i| src[i + n] as i8);
        let (lo, hi) = (-100 + 7 * n as i32, 90 - 5 * n as i32);
        let want = v.map(|x| i32::from(x).max(lo).min(hi) as i8);
        kiln::arch::clamp_bytes(black_box(&mut v), lo, hi);
        ok &= v == want;
    }
    ok
}

/// The int8 pooling and RELU6 kernels that take four bytes per word (DSP instructions on
/// Armv7E-M and Armv8-M Mainline) against the byte kernels, on pseudo-random data, windows and
/// activation ranges.
fn pool_kernels_match() -> bool {
    use kiln::kernels::{
        avg_pool_2d_s8, avg_pool_2d_x4_s8, max_pool_2d_s8, max_pool_2d_x4_s8, relu6_bytes_s8,
        relu6_s8, PoolGeometry, PoolQuantParams, Relu6QuantParams,
    };
    let mut seed = 7u32;
    let mut next = move || {
        seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        (seed >> 24) as u8
    };
    // Input height, width, channels; window height, width; stride (every window inside).
    let layers = [
        (4, 4, 8, 2, 2, 2),
        (4, 6, 4, 1, 2, 2),
        (4, 4, 12, 4, 4, 1),
        (3, 3, 4, 3, 3, 1),
        (6, 4, 8, 2, 2, 1),
    ];
    let ranges = [(-128, 127), (-20, 127), (-128, 30), (-50, 40)];
    let mut ok = true;
    let mut x = [0i8; 192];
    for (i, &(ih, iw, depth, fh, fw, s)) in layers.iter().enumerate() {
        for &(lo, hi) in &ranges {
            for v in x.iter_mut() {
                // Mostly small values, some at the ends of int8.
                let b = next();
                *v = if b < 32 {
                    [-128, 127][usize::from(b & 1)]
                } else {
                    b as i8
                };
            }
            let geometry = PoolGeometry {
                batches: 1,
                input_height: ih,
                input_width: iw,
                depth,
                output_height: (ih - fh) / s + 1,
                output_width: (iw - fw) / s + 1,
                filter_height: fh,
                filter_width: fw,
                stride_height: s,
                stride_width: s,
                pad_height: 0,
                pad_width: 0,
            };
            let p = black_box(PoolQuantParams {
                geometry,
                activation_min: lo,
                activation_max: hi,
            });
            let len = geometry.output_height * geometry.output_width * depth;
            let input = &x[..ih * iw * depth];
            let (mut want, mut got) = ([0i8; 192], [0i8; 192]);
            avg_pool_2d_s8(&p, input, &mut want[..len]);
            avg_pool_2d_x4_s8(&p, black_box(input), &mut got[..len]);
            ok &= want == got;
            max_pool_2d_s8(&p, input, &mut want[..len]);
            max_pool_2d_x4_s8(&p, black_box(input), &mut got[..len]);
            ok &= want == got;
            let r = black_box(Relu6QuantParams {
                lower: lo,
                upper: hi,
            });
            let n = 4 * i + 3;
            relu6_bytes_s8(&r, &x[..n], &mut want[..n]);
            relu6_s8(&r, black_box(&x[..n]), &mut got[..n]);
            ok &= want == got;
        }
    }
    ok
}
