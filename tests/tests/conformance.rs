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
            assert!(r.failures.is_empty(), "{} of {} cases differ:\n{}", r.failures.len(), r.cases, r.failures.join("\n"));
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
