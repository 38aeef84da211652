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
