//! Every vector set of the zoo models kiln supports, compared with the TFLM reference outputs:
//! integer outputs bit-identical, float outputs within 1e-5 relative.

use kiln_tests::{check, check2};

macro_rules! conformance {
    ($test:ident, $model:ident, $file:literal, $id:literal, exact_float: $exact:expr) => {
        #[test]
        fn $test() {
            kiln::include_model!($model = $file);
            let mut m = $model::new();
            let r = check($id, |x| *m.predict(x));
            assert!(
                r.failures.is_empty(),
                "{} of {} cases differ:\n{}",
                r.failures.len(),
                r.cases,
                r.failures.join("\n")
            );
            if $exact {
                assert_eq!(r.bit_exact, r.cases, "{}: not bit-identical", $id);
            }
            assert!(r.cases > 0);
        }
    };
    // Two-input models: `predict(a, b)`.
    ($test:ident, $model:ident, $file:literal, $id:literal, two_inputs, exact_float: $exact:expr) => {
        #[test]
        fn $test() {
            kiln::include_model!($model = $file);
            let mut m = $model::new();
            let r = check2($id, |a, b| *m.predict(a, b));
            assert!(
                r.failures.is_empty(),
                "{} of {} cases differ:\n{}",
                r.failures.len(),
                r.cases,
                r.failures.join("\n")
            );
            if $exact {
                assert_eq!(r.bit_exact, r.cases, "{}: not bit-identical", $id);
            }
            assert!(r.cases > 0);
        }
    };
}

conformance!(tflm_hello_world_float, HelloFloat, "../../shared/models/tflm/hello_world_float.tflite", "tflm_hello_world_float", exact_float: true);
conformance!(gen_sine_float32, SineFloat, "../../shared/models/generated/sine_float32.tflite", "gen_sine_float32", exact_float: true);
conformance!(tflm_hello_world_int8, HelloInt8, "../../shared/models/tflm/hello_world_int8.tflite", "tflm_hello_world_int8", exact_float: true);
conformance!(gen_sine_int8, SineInt8, "../../shared/models/generated/sine_int8.tflite", "gen_sine_int8", exact_float: true);
conformance!(microflow_sine, MicroflowSine, "../../shared/models/microflow/sine.tflite", "microflow_sine", exact_float: true);
conformance!(tflm_seanet_conv0, SeanetConv0, "../../shared/models/tflm/seanet/conv0.tflite", "tflm_seanet_conv0", exact_float: true);
conformance!(tflm_seanet_conv10, SeanetConv10, "../../shared/models/tflm/seanet/conv10.tflite", "tflm_seanet_conv10", exact_float: true);
conformance!(gen_sine_int16x8, SineInt16x8, "../../shared/models/generated/sine_int16x8.tflite", "gen_sine_int16x8", exact_float: true);
conformance!(gen_cnn_float32, CnnFloat, "../../shared/models/generated/cnn_float32.tflite", "gen_cnn_float32", exact_float: true);
conformance!(microflow_speech, MicroflowSpeech, "../../shared/models/microflow/speech.tflite", "microflow_speech", exact_float: true);
conformance!(microflow_person_detect, PersonDetect, "../../shared/models/microflow/person_detect.tflite", "microflow_person_detect", exact_float: true);
conformance!(tflm_seanet_leaky_relu0, SeanetLeakyRelu0, "../../shared/models/tflm/seanet/leaky_relu0.tflite", "tflm_seanet_leaky_relu0", exact_float: true);
conformance!(tflm_seanet_pad0, SeanetPad0, "../../shared/models/tflm/seanet/pad0.tflite", "tflm_seanet_pad0", exact_float: true);
conformance!(tflm_seanet_strided_slice0, SeanetStridedSlice0, "../../shared/models/tflm/seanet/strided_slice0.tflite", "tflm_seanet_strided_slice0", exact_float: true);
conformance!(tflm_seanet_quantize0, SeanetQuantize0, "../../shared/models/tflm/seanet/quantize0.tflite", "tflm_seanet_quantize0", exact_float: true);
conformance!(tflm_seanet_quantize1, SeanetQuantize1, "../../shared/models/tflm/seanet/quantize1.tflite", "tflm_seanet_quantize1", exact_float: true);
conformance!(gen_cnn_int8, CnnInt8, "../../shared/models/generated/cnn_int8.tflite", "gen_cnn_int8", exact_float: true);
conformance!(gen_cnn_int16x8, CnnInt16x8, "../../shared/models/generated/cnn_int16x8.tflite", "gen_cnn_int16x8", exact_float: true);
conformance!(tflm_simple_add, SimpleAdd, "../../shared/models/tflm/simple_add_model.tflite", "tflm_simple_add", two_inputs, exact_float: true);
conformance!(tflm_seanet_add0, SeanetAdd0, "../../shared/models/tflm/seanet/add0.tflite", "tflm_seanet_add0", two_inputs, exact_float: true);
conformance!(tflm_seanet_sub0, SeanetSub0, "../../shared/models/tflm/seanet/sub0.tflite", "tflm_seanet_sub0", two_inputs, exact_float: true);
conformance!(tflm_seanet_transpose_conv4, SeanetTransposeConv4, "../../shared/models/tflm/seanet/transpose_conv4.tflite", "tflm_seanet_transpose_conv4", two_inputs, exact_float: true);
conformance!(gen_cnn_float16w, CnnFloat16w, "../../shared/models/generated/cnn_float16w.tflite", "gen_cnn_float16w", exact_float: true);

/// Index of the largest score (the first one on ties, like numpy's argmax).
fn argmax(v: &[i8]) -> usize {
    let mut best = 0;
    for (i, x) in v.iter().enumerate() {
        if *x > v[best] {
            best = i;
        }
    }
    best
}

/// The real `person.bmp` / `no_person.bmp` images of TFLM's example classify as TFLM classifies
/// them (class order: no person, person).
#[test]
fn person_detect_classifies_the_real_images() {
    kiln::include_model!(Person = "../../shared/models/microflow/person_detect.tflite");
    let set = kiln_tests::vector_sets("microflow_person_detect")
        .into_iter()
        .find(|s| s.name == "real")
        .expect("real set");
    let mut m = Box::new(Person::new());
    let mut classes = Vec::new();
    for image in set.inputs[0].chunks_exact(96 * 96) {
        for (dst, src) in m.input_mut().iter_mut().zip(image) {
            *dst = *src as i8;
        }
        classes.push(argmax(m.run()));
    }
    assert_eq!(
        classes,
        [1, 0],
        "person.bmp → person, no_person.bmp → no person"
    );
}

/// The real yes / no / silence / noise clips of TFLM's micro_speech example classify as TFLM
/// classifies them (class order: silence, unknown, yes, no).
#[test]
fn speech_classifies_the_real_clips() {
    kiln::include_model!(Speech = "../../shared/models/microflow/speech.tflite");
    let set = kiln_tests::vector_sets("microflow_speech")
        .into_iter()
        .find(|s| s.name == "real")
        .expect("real set");
    let mut m = Speech::new();
    let mut classes = Vec::new();
    for clip in set.inputs[0].chunks_exact(1960) {
        for (dst, src) in m.input_mut().iter_mut().zip(clip) {
            *dst = *src as i8;
        }
        classes.push(argmax(m.run()));
    }
    assert_eq!(classes, [2, 3, 0, 0], "yes, no, silence, noise");
}
