//! Inference on hostile inputs: NaN, ±Inf, the largest and smallest floats, subnormals and the
//! extreme integers of every input type, uniform and mixed, through every model of the
//! conformance suites. Each run must finish without a panic (these tests build in debug, so an
//! integer overflow would panic too), give the same bits when repeated, and QUANTIZE must follow
//! its documented rule for NaN and infinities (see `kiln::kernels::quantize`): the value TFLM's
//! reference kernel gives on x86-64, where the oracle runs, the int32 cast yielding `i32::MIN`
//! so that the result saturates to the type's minimum (zero point ≥ 0) or maximum (zero point
//! < 0).

/// Values worth trying for an input element type.
trait Hostile: Copy + std::fmt::Debug + 'static {
    const VALUES: &'static [Self];
}

impl Hostile for f32 {
    const VALUES: &'static [f32] = &[
        f32::NAN,
        f32::INFINITY,
        f32::NEG_INFINITY,
        f32::MAX,
        f32::MIN,
        f32::MIN_POSITIVE,
        1.0e-45, // the smallest subnormal
        -0.0,
        1.0e30,
        -1.0e30,
    ];
}

macro_rules! ints {
    ($($t:ty),*) => {$(
        impl Hostile for $t {
            const VALUES: &'static [$t] = &[<$t>::MIN, <$t>::MAX, 0, 1, <$t>::MIN + 1, <$t>::MAX - 1];
        }
    )*};
}
ints!(i8, u8, i16, i32);

/// Fills `x` with pattern `k`: one value everywhere, or every value in turn (offset by `k`).
fn fill<T: Hostile>(x: &mut [T], k: usize) {
    let n = T::VALUES.len();
    for (i, v) in x.iter_mut().enumerate() {
        *v = if k < n {
            T::VALUES[k]
        } else {
            T::VALUES[(i + k) % n]
        };
    }
}

/// Every pattern: uniform for each value, then mixed with a few offsets.
fn patterns<T: Hostile>() -> std::ops::Range<usize> {
    0..T::VALUES.len() + 3
}

macro_rules! hostile {
    ($test:ident, $file:literal) => {
        #[test]
        fn $test() {
            kiln::include_model!(Model = $file);
            let mut m = Model::new();
            for k in patterns_of(m.input_mut()) {
                fill(m.input_mut(), k);
                let first = format!("{:?}", m.run());
                fill(m.input_mut(), k);
                let again = format!("{:?}", m.run());
                assert_eq!(first, again, "pattern {k}: not deterministic");
            }
        }
    };
}

fn patterns_of<T: Hostile, const N: usize>(_: &mut [T; N]) -> std::ops::Range<usize> {
    patterns::<T>()
}

hostile!(
    tflm_hello_world_float,
    "../../shared/models/tflm/hello_world_float.tflite"
);
hostile!(
    gen_sine_float32,
    "../../shared/models/generated/sine_float32.tflite"
);
hostile!(
    tflm_hello_world_int8,
    "../../shared/models/tflm/hello_world_int8.tflite"
);
hostile!(
    gen_sine_int8,
    "../../shared/models/generated/sine_int8.tflite"
);
hostile!(microflow_sine, "../../shared/models/microflow/sine.tflite");
hostile!(
    tflm_seanet_conv0,
    "../../shared/models/tflm/seanet/conv0.tflite"
);
hostile!(
    tflm_seanet_conv10,
    "../../shared/models/tflm/seanet/conv10.tflite"
);
hostile!(
    gen_sine_int16x8,
    "../../shared/models/generated/sine_int16x8.tflite"
);
hostile!(
    gen_cnn_float32,
    "../../shared/models/generated/cnn_float32.tflite"
);
hostile!(
    microflow_speech,
    "../../shared/models/microflow/speech.tflite"
);
hostile!(
    microflow_person_detect,
    "../../shared/models/microflow/person_detect.tflite"
);
hostile!(
    tflm_seanet_leaky_relu0,
    "../../shared/models/tflm/seanet/leaky_relu0.tflite"
);
hostile!(
    tflm_seanet_pad0,
    "../../shared/models/tflm/seanet/pad0.tflite"
);
hostile!(
    tflm_seanet_strided_slice0,
    "../../shared/models/tflm/seanet/strided_slice0.tflite"
);
hostile!(
    tflm_seanet_quantize0,
    "../../shared/models/tflm/seanet/quantize0.tflite"
);
hostile!(
    tflm_seanet_quantize1,
    "../../shared/models/tflm/seanet/quantize1.tflite"
);
hostile!(
    gen_cnn_int8,
    "../../shared/models/generated/cnn_int8.tflite"
);
hostile!(
    gen_cnn_int16x8,
    "../../shared/models/generated/cnn_int16x8.tflite"
);
hostile!(
    gen_cnn_float16w,
    "../../shared/models/generated/cnn_float16w.tflite"
);
hostile!(op_add_relu6_s8, "fixtures/ops/add_relu6_s8.tflite");
hostile!(op_add_s16, "fixtures/ops/add_s16.tflite");
hostile!(op_add_s8, "fixtures/ops/add_s8.tflite");
hostile!(op_concat_s8, "fixtures/ops/concat_s8.tflite");
hostile!(op_deq_s8, "fixtures/ops/deq_s8.tflite");
hostile!(op_hard_swish_f32, "fixtures/ops/hard_swish_f32.tflite");
hostile!(op_hard_swish_s8, "fixtures/ops/hard_swish_s8.tflite");
hostile!(op_leaky_neg_s8, "fixtures/ops/leaky_neg_s8.tflite");
hostile!(op_leaky_s16, "fixtures/ops/leaky_s16.tflite");
hostile!(op_leaky_s8, "fixtures/ops/leaky_s8.tflite");
hostile!(op_logistic_f32, "fixtures/ops/logistic_f32.tflite");
hostile!(op_logistic_s16, "fixtures/ops/logistic_s16.tflite");
hostile!(op_logistic_s16_pot, "fixtures/ops/logistic_s16_pot.tflite");
hostile!(op_logistic_s8, "fixtures/ops/logistic_s8.tflite");
hostile!(op_mul_f32, "fixtures/ops/mul_f32.tflite");
hostile!(op_mul_s16, "fixtures/ops/mul_s16.tflite");
hostile!(op_mul_s8, "fixtures/ops/mul_s8.tflite");
hostile!(op_pad_f32, "fixtures/ops/pad_f32.tflite");
hostile!(op_quant_f32_s16, "fixtures/ops/quant_f32_s16.tflite");
hostile!(op_quant_f32_s8, "fixtures/ops/quant_f32_s8.tflite");
hostile!(op_relu6_s8, "fixtures/ops/relu6_s8.tflite");
hostile!(op_relu_s16, "fixtures/ops/relu_s16.tflite");
hostile!(op_relu_s8, "fixtures/ops/relu_s8.tflite");
hostile!(op_req_s16_s8, "fixtures/ops/req_s16_s8.tflite");
hostile!(op_req_s8_s16, "fixtures/ops/req_s8_s16.tflite");
hostile!(op_req_s8_s8, "fixtures/ops/req_s8_s8.tflite");
hostile!(op_req_s8_u8, "fixtures/ops/req_s8_u8.tflite");
hostile!(op_slice_s8, "fixtures/ops/slice_s8.tflite");
hostile!(op_slice_shrink_s8, "fixtures/ops/slice_shrink_s8.tflite");
hostile!(op_softmax_f32, "fixtures/ops/softmax_f32.tflite");
hostile!(op_softmax_s16, "fixtures/ops/softmax_s16.tflite");
hostile!(op_softmax_s8, "fixtures/ops/softmax_s8.tflite");
hostile!(op_softmax_s8_s16, "fixtures/ops/softmax_s8_s16.tflite");
hostile!(op_softmax_s8b, "fixtures/ops/softmax_s8b.tflite");
hostile!(op_sub_s8, "fixtures/ops/sub_s8.tflite");
hostile!(op_tanh_f32, "fixtures/ops/tanh_f32.tflite");
hostile!(op_tanh_s16, "fixtures/ops/tanh_s16.tflite");
hostile!(op_tanh_s16_pot1, "fixtures/ops/tanh_s16_pot1.tflite");
hostile!(op_tanh_s8, "fixtures/ops/tanh_s8.tflite");
hostile!(op_transpose_s8, "fixtures/ops/transpose_s8.tflite");

/// QUANTIZE float32 → int8 of NaN and ±Inf: the x86-64 TFLM value, whatever the input.
#[test]
fn quantize_of_non_finite_values_is_defined() {
    kiln::include_model!(QuantS8 = "fixtures/ops/quant_f32_s8.tflite");
    kiln::include_model!(QuantS16 = "fixtures/ops/quant_f32_s16.tflite");
    let s8 = if QuantS8::OUTPUT_ZERO_POINT >= 0 {
        i8::MIN
    } else {
        i8::MAX
    };
    let s16 = if QuantS16::OUTPUT_ZERO_POINT >= 0 {
        i16::MIN
    } else {
        i16::MAX
    };
    for x in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY, 1.0e30, -1.0e30] {
        let mut m = QuantS8::new();
        m.input_mut().fill(x);
        assert!(m.run().iter().all(|y| *y == s8), "int8 QUANTIZE of {x}");
        let mut m = QuantS16::new();
        m.input_mut().fill(x);
        assert!(m.run().iter().all(|y| *y == s16), "int16 QUANTIZE of {x}");
    }
}
