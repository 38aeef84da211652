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

    // The kernel checks, each against its reference on pseudo-random layers.
    let kernels: [KernelCheck; 9] = [
        (small_fc_matches_reference, "fully_connected_f32_chain"),
        (byte_primitives_match, "arch byte primitives"),
        (pool_kernels_match, "int8 pooling and RELU6 word kernels"),
        (depthwise_kernels_match, "int8 depthwise fast kernel"),
        (depthwise_rows_match, "int8 depthwise rows kernel"),
        (pointwise_add_matches, "int8 fused 1x1 convolution and ADD"),
        (fc_row_matches, "int8 one-row fully connected kernel"),
        (fc_small_matches, "int8 small fully connected kernel"),
        (band_kernel_matches, "int8 band convolution kernel"),
    ];
    for (matches, name) in kernels {
        if !matches() {
            let mut line = harness::Line::new("@MISMATCH");
            line.word(name);
            line.send();
            all_match = false;
        }
    }

    if all_match {
        harness::pass()
    } else {
        harness::fail("predictions differ from the TFLM reference")
    }
}

/// A kernel check of the firmware and the name its mismatch line reports.
type KernelCheck = (fn() -> bool, &'static str);

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
    // Fills of 0 to 40 bytes (four words at a time, then words, then bytes) from an odd start.
    for n in 0..=40 {
        let mut fill = [0u8; 44];
        kiln::arch::fill_bytes(black_box(&mut fill[1..1 + n]), 0x9C);
        ok &= fill
            .iter()
            .enumerate()
            .all(|(i, v)| *v == if (1..1 + n).contains(&i) { 0x9C } else { 0 });
    }
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

/// The int8 depthwise kernel of the quantized models (its asm on the DSP cores: the unrolled
/// 3×3 inside block and the border runs) against the reference kernel, on pseudo-random
/// geometries (SAME and VALID padding, strides and dilations 1–2, other filter sizes, two
/// images), data and requantization.
fn depthwise_kernels_match() -> bool {
    use kiln::kernels::{
        depthwise_conv_2d_s8, depthwise_conv_2d_s8_fast, depthwise_table_words, ConvGeometry,
        Requant,
    };
    const MAX: usize = 2 * 7 * 7 * 8;
    let mut seed = 11u32;
    let mut next = move |n: usize| {
        seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        (seed >> 8) as usize % n.max(1)
    };
    let (mut x, mut want, mut got) = ([0i8; MAX], [0i8; MAX], [0i8; MAX]);
    let mut w = [0i8; 25 * 8];
    let mut table = [0i32; 2 * 34];
    let mut ok = true;
    let mut cases = 0;
    while cases < 200 {
        let (kh, kw) = if next(4) == 0 {
            (1 + next(5), 1 + next(5))
        } else {
            (3, 3)
        };
        let (ih, iw, sh, sw) = (1 + next(7), 1 + next(7), 1 + next(2), 1 + next(2));
        let (dh, dw) = (1 + usize::from(next(4) == 0), 1 + usize::from(next(4) == 0));
        let same = next(3) != 0;
        // Output size and leading padding along one axis (None: no VALID output).
        let axis = |size: usize, k: usize, stride: usize, dil: usize| {
            let span = (k - 1) * dil + 1;
            if same {
                let o = size.div_ceil(stride);
                Some((o, ((o - 1) * stride + span).saturating_sub(size) / 2))
            } else {
                (size >= span).then(|| ((size - span) / stride + 1, 0))
            }
        };
        let (Some((oh, ph)), Some((ow, pw))) = (axis(ih, kh, sh, dh), axis(iw, kw, sw, dw)) else {
            continue;
        };
        let (ch, batches) = (4 * (1 + next(2)), 1 + usize::from(next(5) == 0));
        let geometry = ConvGeometry {
            batches,
            input_height: ih,
            input_width: iw,
            input_depth: ch,
            output_height: oh,
            output_width: ow,
            output_depth: ch,
            filter_height: kh,
            filter_width: kw,
            filter_depth: 1,
            stride_height: sh,
            stride_width: sw,
            dilation_height: dh,
            dilation_width: dw,
            pad_height: ph,
            pad_width: pw,
        };
        let p = black_box(random_quant(geometry, &mut next));
        let (taps, n_in, n_out) = (kh * kw, batches * ih * iw * ch, batches * oh * ow * ch);
        for v in &mut x[..n_in] {
            *v = next(256) as u8 as i8;
        }
        for v in &mut w[..taps * ch] {
            *v = next(256) as u8 as i8;
        }
        let (bias, m, s) = random_requant::<8>(ch, &mut next);
        // The kernel's table: per set of four channels the biases, one weight word per tap,
        // the doubled multipliers and the inverted shifts.
        let per = depthwise_table_words(taps);
        for (g, t) in table.chunks_exact_mut(per).take(ch / 4).enumerate() {
            t[..4].copy_from_slice(&bias[4 * g..4 * g + 4]);
            for tap in 0..taps {
                let b = &w[tap * ch + 4 * g..][..4];
                t[4 + tap] = i32::from_le_bytes([b[0] as u8, b[1] as u8, b[2] as u8, b[3] as u8]);
            }
            for j in 0..4 {
                t[4 + taps + j] = m[4 * g + j].wrapping_shl(1);
            }
            t[8 + taps] = i32::from_le_bytes([0, 1, 2, 3].map(|j| !(s[4 * g + j] as u8)));
        }
        let rq = Requant {
            multiplier: &m[..ch],
            shift: &s[..ch],
        };
        want[..n_out].fill(0x55);
        got[..n_out].fill(0x33);
        let (input, weights) = (&x[..n_in], &w[..taps * ch]);
        depthwise_conv_2d_s8(&p, &rq, input, weights, &bias[..ch], &mut want[..n_out]);
        let t = black_box(&table[..per * ch / 4]);
        depthwise_conv_2d_s8_fast(&p, t, black_box(input), &mut got[..n_out]);
        ok &= want[..n_out] == got[..n_out];
        cases += 1;
    }
    ok
}

/// The int8 3×3 stride-1 depthwise kernel over widened rows (`depthwise_3x3_rows_s8`, asm on
/// the DSP cores) against the reference kernel, on pseudo-random geometries (SAME and VALID, 4 to
/// 12 output columns, 1 to 6 rows, 1 to 9 channels, one or two images), data and requantization.
fn depthwise_rows_match() -> bool {
    use kiln::kernels::{
        depthwise_3x3_rows_s8, depthwise_conv_2d_s8, dw_rows_scratch_bytes, dw_rows_table,
        ConvGeometry, Requant,
    };
    const MAX_IN: usize = 2 * 8 * 14 * 9;
    const MAX_OUT: usize = 2 * 6 * 12 * 9;
    let mut seed = 29u32;
    let mut next = move |n: usize| {
        seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        (seed >> 8) as usize % n.max(1)
    };
    let (mut x, mut want, mut got) = ([0i8; MAX_IN], [0i8; MAX_OUT], [0i8; MAX_OUT]);
    let mut w = [0i8; 9 * 9];
    let mut table = [0i32; 18 * 9];
    /// Word-aligned scratch bytes, as the arena gives the kernel.
    #[repr(align(4))]
    struct Scratch([u8; 384]);
    let mut scratch = Scratch([0; 384]);
    let mut ok = true;
    for _ in 0..200 {
        let (oh, ow, ch) = (1 + next(6), 4 * (1 + next(3)), 1 + next(9));
        let pad = next(2);
        let (ih, iw) = (oh + 2 - 2 * pad, ow + 2 - 2 * pad);
        let batches = 1 + usize::from(next(5) == 0);
        let geometry = ConvGeometry {
            batches,
            input_height: ih,
            input_width: iw,
            input_depth: ch,
            output_height: oh,
            output_width: ow,
            output_depth: ch,
            filter_height: 3,
            filter_width: 3,
            filter_depth: 1,
            stride_height: 1,
            stride_width: 1,
            dilation_height: 1,
            dilation_width: 1,
            pad_height: pad,
            pad_width: pad,
        };
        let p = black_box(random_quant(geometry, &mut next));
        let (n_in, n_out) = (batches * ih * iw * ch, batches * oh * ow * ch);
        for v in &mut x[..n_in] {
            *v = next(256) as u8 as i8;
        }
        for v in &mut w[..9 * ch] {
            *v = next(256) as u8 as i8;
        }
        let (bias, m, s) = doubled_requant::<9>(ch, &mut next);
        let rq = (&m[..ch], &s[..ch]);
        dw_rows_table(
            &w[..9 * ch],
            &bias[..ch],
            p.input_offset,
            rq,
            &mut table[..18 * ch],
        );
        let rq = Requant {
            multiplier: &m[..ch],
            shift: &s[..ch],
        };
        want[..n_out].fill(0x55);
        got[..n_out].fill(0x33);
        let input = &x[..n_in];
        depthwise_conv_2d_s8(
            &p,
            &rq,
            input,
            &w[..9 * ch],
            &bias[..ch],
            &mut want[..n_out],
        );
        let bytes = &mut scratch.0[..dw_rows_scratch_bytes(ow, ch)];
        let t = black_box(&table[..18 * ch]);
        depthwise_3x3_rows_s8(&p, t, black_box(input), &mut got[..n_out], bytes);
        ok &= want[..n_out] == got[..n_out];
    }
    ok
}

/// The int8 1×1 convolution fused with the ADD after it (`pointwise_add_s8`, asm on the DSP
/// cores) against the reference CONV_2D then ADD, on pseudo-random layers (1 to 12 pixels, 1 to
/// 10 channels), data and requantization (the residual rescaled or, one time in four, at the
/// convolution's scale).
fn pointwise_add_matches() -> bool {
    use kiln::kernels::{
        add_s8, conv_2d_s8, pointwise_add_residual, pointwise_add_s8, pointwise_add_table,
        AddSubQuantParams, AddSubS8FastParams, Broadcast, ConvGeometry, ConvQuantParams,
        PointwiseAddConv, PointwiseAddS8Params, Requant, POINTWISE_ADD_CHANNEL_WORDS,
    };
    const PX: usize = 12;
    const CH: usize = 10;
    let mut seed = 31u32;
    let mut next = move |n: usize| {
        seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        (seed >> 8) as usize % n.max(1)
    };
    /// Word-aligned input, as the arena gives the kernel.
    #[repr(align(4))]
    struct Input([i8; 8 * PX]);
    let mut x = Input([0; 8 * PX]);
    let (mut residual, mut y) = ([0i8; PX * CH], [0i8; PX * CH]);
    let (mut want, mut got) = ([0i8; PX * CH], [0i8; PX * CH]);
    let mut w = [0i8; 8 * CH];
    let mut table = [0i32; POINTWISE_ADD_CHANNEL_WORDS * CH];
    let mut ok = true;
    for _ in 0..200 {
        let (pixels, ch) = (1 + next(PX), 1 + next(CH));
        let n = pixels * ch;
        for v in &mut x.0[..8 * pixels] {
            *v = next(256) as u8 as i8;
        }
        for v in &mut w[..8 * ch] {
            *v = next(256) as u8 as i8;
        }
        for v in &mut residual[..n] {
            *v = next(256) as u8 as i8;
        }
        let (bias, m, s) = doubled_requant::<CH>(ch, &mut next);
        let (input_offset, y_zp) = (next(256) as i32 - 127, next(256) as i32 - 128);
        let (r_zp, o_zp) = (next(256) as i32 - 128, next(256) as i32 - 128);
        let equal = next(4) == 0;
        let input1 = if equal {
            (0, 0)
        } else {
            ((1 << 30) + next(1 << 30) as i32, -1 - next(3) as i8)
        };
        // Equal input scales and an output scale of a power of two times theirs, one time in
        // two: the ADD's sum is then `(r − r_zp + y − y_zp) · 2^18` exactly, and every odd (or
        // 2 mod 4, 4 mod 8) sum is a rounding tie, so the ADD's sign correction is checked.
        let output = if equal && next(2) == 0 {
            (1 << 30, -19 - next(3) as i8)
        } else {
            ((1 << 30) + next(1 << 30) as i32, -17 - next(5) as i8)
        };
        let geometry = ConvGeometry {
            batches: 1,
            input_height: 1,
            input_width: pixels,
            input_depth: 8,
            output_height: 1,
            output_width: pixels,
            output_depth: ch,
            filter_height: 1,
            filter_width: 1,
            filter_depth: 8,
            stride_height: 1,
            stride_width: 1,
            dilation_height: 1,
            dilation_width: 1,
            pad_height: 0,
            pad_width: 0,
        };
        let conv = ConvQuantParams {
            geometry,
            input_offset,
            output_offset: y_zp,
            activation_min: -128,
            activation_max: 127,
        };
        let rq = Requant {
            multiplier: &m[..ch],
            shift: &s[..ch],
        };
        let input = &x.0[..8 * pixels];
        conv_2d_s8(&conv, &rq, input, &w[..8 * ch], &bias[..ch], &mut y[..n]);
        let add = AddSubQuantParams {
            shape: Broadcast {
                broadcast: false,
                dims: [1, 1, 1, 1, 1, n],
                strides1: [0; 6],
                strides2: [0; 6],
            },
            input1_offset: -r_zp,
            input2_offset: -y_zp,
            left_shift: 20,
            input1_multiplier: if equal { 1 << 30 } else { input1.0 },
            input1_shift: i32::from(input1.1),
            input2_multiplier: 1 << 30,
            input2_shift: 0,
            output_multiplier: output.0,
            output_shift: i32::from(output.1),
            output_offset: o_zp,
            activation_min: -128,
            activation_max: 127,
        };
        add_s8(&add, &residual[..n], &y[..n], &mut want[..n]);
        let fast = AddSubS8FastParams {
            input1_offset: -r_zp,
            input2_offset: -y_zp,
            input1,
            input2: (0, 0),
            output,
            k: 1 + 2 * o_zp,
            activation_min: -128,
            activation_max: 127,
        };
        let layer = PointwiseAddConv {
            weights: &w[..8 * ch],
            bias: &bias[..ch],
            input_offset,
            multiplier: &m[..ch],
            shift: &s[..ch],
            output_offset: y_zp,
        };
        let t = &mut table[..POINTWISE_ADD_CHANNEL_WORDS * ch];
        pointwise_add_table(&layer, &fast, t);
        let res = pointwise_add_residual(&fast);
        got[..n].copy_from_slice(&residual[..n]);
        let p = PointwiseAddS8Params { pixels };
        pointwise_add_s8(&p, black_box(input), black_box(t), &res, &mut got[..n]);
        ok &= want[..n] == got[..n];
    }
    ok
}

/// The int8 convolution over a column band (`conv_band_quads_s8`: the band copies, three RGB
/// filter rows at a time, and the groups of four windows, asm on the DSP cores; and
/// `conv_band_quads_wide_s8` with the weights widened beforehand, on windows of up to 32 bytes,
/// at least 100 of the cases) against the
/// reference kernel, on pseudo-random geometries (mostly 3×3 on RGB; SAME and VALID, strides 1–2,
/// row dilations 1–2, 1 to 8 output columns so that the last group of four is often short, one
/// or two images), data and requantization.
fn band_kernel_matches() -> bool {
    use kiln::arch::{PointwiseQuads, QUADS_WIDE_STEPS};
    use kiln::kernels::{
        band_depth, band_scratch_bytes, band_wide_scratch_bytes, conv_2d_s8, conv_band_quads_s8,
        conv_band_quads_wide_s8, wide_quad_table, ConvGeometry, Requant,
    };
    const MAX_IN: usize = 2 * 8 * 8 * 4;
    const MAX_OUT: usize = 2 * 8 * 8 * 6;
    let mut seed = 37u32;
    let mut next = move |n: usize| {
        seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        (seed >> 8) as usize % n.max(1)
    };
    let (mut x, mut want, mut got) = ([0i8; MAX_IN], [0i8; MAX_OUT], [0i8; MAX_OUT]);
    let mut w = [0i8; 6 * 36];
    let mut table = [0i32; 6 * 11];
    let mut wide = [0i32; 6 * PointwiseQuads::wide_channel_words(QUADS_WIDE_STEPS)];
    let mut wide_cases = 0;
    /// Word-aligned scratch bytes, as the arena gives the kernel.
    #[repr(align(4))]
    struct Scratch([u8; 640]);
    let mut scratch = Scratch([0; 640]);
    let mut ok = true;
    let mut cases = 0;
    while cases < 200 {
        let (kh, kw, d) = if next(4) == 0 {
            (1 + next(3), 1 + next(3), 1 + next(4))
        } else {
            (3, 3, 3)
        };
        let (ih, iw, sh, sw) = (1 + next(8), 1 + next(8), 1 + next(2), 1 + next(2));
        let dh = 1 + usize::from(next(4) == 0);
        let same = next(3) != 0;
        // Output size and leading padding along one axis (None: no VALID output).
        let axis = |size: usize, k: usize, stride: usize, dil: usize| {
            let span = (k - 1) * dil + 1;
            if same {
                let o = size.div_ceil(stride);
                Some((o, ((o - 1) * stride + span).saturating_sub(size) / 2))
            } else {
                (size >= span).then(|| ((size - span) / stride + 1, 0))
            }
        };
        let (Some((oh, ph)), Some((ow, pw))) = (axis(ih, kh, sh, dh), axis(iw, kw, sw, 1)) else {
            continue;
        };
        let (od, batches) = (1 + next(6), 1 + usize::from(next(5) == 0));
        let geometry = ConvGeometry {
            batches,
            input_height: ih,
            input_width: iw,
            input_depth: d,
            output_height: oh,
            output_width: ow,
            output_depth: od,
            filter_height: kh,
            filter_width: kw,
            filter_depth: d,
            stride_height: sh,
            stride_width: sw,
            dilation_height: dh,
            dilation_width: 1,
            pad_height: ph,
            pad_width: pw,
        };
        let p = black_box(random_quant(geometry, &mut next));
        let (taps, n_in, n_out) = (kh * kw * d, batches * ih * iw * d, batches * oh * ow * od);
        for v in &mut x[..n_in] {
            *v = next(256) as u8 as i8;
        }
        for v in &mut w[..taps * od] {
            *v = next(256) as u8 as i8;
        }
        let (bias, m, s) = doubled_requant::<6>(od, &mut next);
        // The kernel's table: per channel the bias and inverted shift, the weights transposed
        // to `[filter_width][filter_height][depth]` and zero-padded to whole words (four to a
        // little-endian word), then the doubled multiplier.
        let words = band_depth(&geometry) / 4;
        for (c, t) in table.chunks_exact_mut(words + 2).take(od).enumerate() {
            let weight = |i: usize| {
                let (fx, rest) = (i / (kh * d), i % (kh * d));
                let at = ((rest / d) * kw + fx) * d + rest % d;
                if i < taps {
                    w[c * taps + at] as u8
                } else {
                    0
                }
            };
            t[0] = bias[c] << 8 | i32::from(!(s[c] as u8));
            for (j, word) in t[1..=words].iter_mut().enumerate() {
                *word = i32::from_le_bytes([0, 1, 2, 3].map(|b| weight(4 * j + b)));
            }
            t[words + 1] = m[c].wrapping_shl(1);
        }
        let rq = Requant {
            multiplier: &m[..od],
            shift: &s[..od],
        };
        want[..n_out].fill(0x55);
        got[..n_out].fill(0x33);
        let input = &x[..n_in];
        conv_2d_s8(
            &p,
            &rq,
            input,
            &w[..taps * od],
            &bias[..od],
            &mut want[..n_out],
        );
        let bytes = &mut scratch.0[..band_scratch_bytes(&geometry)];
        let t = black_box(&table[..(words + 2) * od]);
        conv_band_quads_s8(&p, black_box(input), t, &mut got[..n_out], bytes);
        ok &= want[..n_out] == got[..n_out];
        // The kernel with the pre-widened table, for the windows it takes.
        if words <= QUADS_WIDE_STEPS {
            let n = PointwiseQuads::wide_channel_words(words) * od;
            wide_quad_table(t, words, p.output_offset, &mut wide[..n]);
            got[..n_out].fill(0x33);
            let t = black_box(&wide[..n]);
            let bytes = &mut scratch.0[..band_wide_scratch_bytes(&geometry)];
            conv_band_quads_wide_s8(&p, black_box(input), t, &mut got[..n_out], bytes);
            ok &= want[..n_out] == got[..n_out];
            wide_cases += 1;
        }
        cases += 1;
    }
    ok && wide_cases >= 100
}

/// The int8 one-row fully connected kernel (`fully_connected_row_s8`: two channels per pass over
/// the row widened once, asm on the DSP cores) against the reference kernel on 200
/// pseudo-random layers: input depths 8 to 64, 2 to 8 output channels, narrow activations one
/// time in two.
fn fc_row_matches() -> bool {
    use kiln::arch::FcRow;
    use kiln::kernels::{
        fc_row_table, fully_connected_row_s8, fully_connected_s8, PointwiseS8Params, Requant,
    };
    const D: usize = 64;
    const CH: usize = 8;
    let mut seed = 41u32;
    let mut next = move |n: usize| {
        seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        (seed >> 8) as usize % n.max(1)
    };
    let (mut x, mut w) = ([0i8; D], [0i8; D * CH]);
    let (mut want, mut got) = ([0i8; CH], [0i8; CH]);
    let mut table = [0i32; CH / 2 * FcRow::pair_words(D / 4)];
    /// Word-aligned scratch bytes, as the arena gives the kernel.
    #[repr(align(4))]
    struct Scratch([u8; 2 * D]);
    let mut scratch = Scratch([0; 2 * D]);
    let mut ok = true;
    for _ in 0..200 {
        let (d, od) = (8 * (1 + next(D / 8)), 2 * (1 + next(CH / 2)));
        let (bias, m, s, fp) =
            random_fc_layer::<CH>((1, d, od), &mut x[..d], &mut w[..d * od], &mut next);
        let rq = Requant {
            multiplier: &m[..od],
            shift: &s[..od],
        };
        let (zo, lo, hi) = (fp.output_offset, fp.activation_min, fp.activation_max);
        fully_connected_s8(
            &fp,
            &rq,
            &x[..d],
            &w[..d * od],
            &bias[..od],
            &mut want[..od],
        );
        let p = PointwiseS8Params {
            pixels: 1,
            input_depth: d,
            output_depth: od,
            output_offset: zo,
            activation_min: lo,
            activation_max: hi,
            fast_requant: true,
        };
        let t = &mut table[..od / 2 * FcRow::pair_words(d / 4)];
        fc_row_table(&w[..d * od], &bias[..od], &rq, d, zo, t);
        got.fill(0x33);
        let bytes = &mut scratch.0[..2 * d];
        fully_connected_row_s8(&p, black_box(&x[..d]), black_box(t), &mut got[..od], bytes);
        ok &= want[..od] == got[..od];
    }
    ok
}

/// The int8 small-layer fully connected kernel (`fully_connected_small_s8`: short
/// requantization, four bytes per step with `sxtb16` and `smlad` on the DSP cores) against the
/// reference kernel on 400 pseudo-random layers: 1 to 3 rows, input depths 1 to 24 (multiples of
/// four two times in three), 1 to 8 output channels, a ReLU or narrow activations two times in
/// three.
fn fc_small_matches() -> bool {
    use kiln::kernels::{fully_connected_s8, fully_connected_small_s8, Requant};
    const D: usize = 24;
    const CH: usize = 8;
    const B: usize = 3;
    let mut seed = 53u32;
    let mut next = move |n: usize| {
        seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        (seed >> 8) as usize % n.max(1)
    };
    let (mut x, mut w) = ([0i8; B * D], [0i8; D * CH]);
    let (mut want, mut got) = ([0i8; B * CH], [0i8; B * CH]);
    let mut ok = true;
    for _ in 0..400 {
        let d = if next(3) == 0 {
            1 + next(D)
        } else {
            4 * (1 + next(D / 4))
        };
        let (rows, od) = (1 + next(B), 1 + next(CH));
        let (x, w) = (&mut x[..rows * d], &mut w[..d * od]);
        let (bias, m, s, p) = random_fc_layer::<CH>((rows, d, od), x, w, &mut next);
        let rq = Requant {
            multiplier: &m[..od],
            shift: &s[..od],
        };
        let (x, w, bias) = (&*x, &*w, &bias[..od]);
        fully_connected_s8(&p, &rq, x, w, bias, &mut want[..rows * od]);
        got.fill(0x33);
        let p = black_box(p);
        fully_connected_small_s8(&p, &rq, black_box(x), w, bias, &mut got[..rows * od]);
        ok &= want[..rows * od] == got[..rows * od];
    }
    ok
}

/// A pseudo-random int8 fully connected layer of `rows` rows, depth `d` and `od` channels for
/// the FC checks: its weights and inputs written to `w` and `x` (small inputs one time in two,
/// then with tie-prone requantization, see [`tie_prone_requant`]), and its biases, multipliers,
/// shifts and parameters (a narrow activation range, a ReLU from the output offset or full int8,
/// one time in three each).
fn random_fc_layer<const N: usize>(
    (rows, d, od): (usize, usize, usize),
    x: &mut [i8],
    w: &mut [i8],
    next: &mut impl FnMut(usize) -> usize,
) -> (
    [i32; N],
    [i32; N],
    [i8; N],
    kiln::kernels::FullyConnectedS8Params,
) {
    for v in w.iter_mut() {
        *v = next(256) as u8 as i8;
    }
    let small = next(2) == 0;
    small_or_random(x, small, next);
    let (mut bias, m, mut s) = random_requant::<N>(od, next);
    if small {
        tie_prone_requant(&mut bias[..od], &mut s[..od], next);
    }
    let zo = next(256) as i32 - 128;
    let (lo, hi) = match next(3) {
        0 => (-128 + next(50) as i32, 127 - next(50) as i32),
        1 => (zo.min(100), 127),
        _ => (-128, 127),
    };
    let p = kiln::kernels::FullyConnectedS8Params {
        batches: rows,
        input_depth: d,
        output_depth: od,
        output_offset: zo,
        activation_min: lo,
        activation_max: hi,
    };
    (bias, m, s, p)
}

/// Pseudo-random int8 inputs: in `-8..8` when `small`, else over all of int8.
fn small_or_random(x: &mut [i8], small: bool, next: &mut impl FnMut(usize) -> usize) {
    for v in x {
        *v = if small {
            next(16) as i8 - 8
        } else {
            next(256) as u8 as i8
        };
    }
}

/// Small biases and right shifts of 1 to 4, for layers with [`small_or_random`]'s small inputs:
/// many outputs then lie inside int8 and hit rounding ties, so the requantization's sign
/// correction is checked.
fn tie_prone_requant(bias: &mut [i32], shift: &mut [i8], next: &mut impl FnMut(usize) -> usize) {
    for (b, s) in bias.iter_mut().zip(shift) {
        *b = next(512) as i32 - 256;
        *s = -1 - next(4) as i8;
    }
}

/// Pseudo-random int8 quantization of a test layer: input and output offsets, and a fused
/// activation range (full int8 one time in three, a ReLU from the output offset one time in
/// three: the kernels then leave out the requantization's sign correction).
fn random_quant(
    geometry: kiln::kernels::ConvGeometry,
    next: &mut impl FnMut(usize) -> usize,
) -> kiln::kernels::ConvQuantParams {
    let (input_offset, output_offset) = (next(256) as i32 - 127, next(256) as i32 - 128);
    let (activation_min, activation_max) = match next(3) {
        0 => (-128, 127),
        1 => (output_offset.min(100), 127),
        _ => (-128 + next(60) as i32, 127 - next(60) as i32),
    };
    kiln::kernels::ConvQuantParams {
        geometry,
        input_offset,
        output_offset,
        activation_min,
        activation_max,
    }
}

/// [`random_requant`] with right shifts of at most `kiln::quant::DOUBLED_MAX_SHIFT`, as the
/// kernels with doubled tables take (the band check's narrow kernel shares its layers).
fn doubled_requant<const N: usize>(
    ch: usize,
    next: &mut impl FnMut(usize) -> usize,
) -> ([i32; N], [i32; N], [i8; N]) {
    let (bias, m, mut s) = random_requant::<N>(ch, next);
    let most = -(kiln::quant::DOUBLED_MAX_SHIFT as i8);
    for v in &mut s {
        *v = (*v).max(most);
    }
    (bias, m, s)
}

/// Pseudo-random biases (one time in three up to ±2^20, else ±2^15, so that many outputs lie
/// inside int8 and their rounding ties are checked), multipliers (in `[2^30, 2^31)`) and shifts
/// (mostly `-1..=-12`, one time in four down to `-31`) of the first `ch` of `N` channels; the
/// rest are 0.
fn random_requant<const N: usize>(
    ch: usize,
    next: &mut impl FnMut(usize) -> usize,
) -> ([i32; N], [i32; N], [i8; N]) {
    let (mut bias, mut m, mut s) = ([0i32; N], [0i32; N], [0i8; N]);
    for c in 0..ch {
        let b = if next(3) == 0 { 20 } else { 15 };
        bias[c] = next(2 << b) as i32 - (1 << b);
        m[c] = (1 << 30) + next(1 << 30) as i32;
        let range = if next(4) == 0 { 31 } else { 12 };
        s[c] = -1 - next(range) as i8;
    }
    (bias, m, s)
}
