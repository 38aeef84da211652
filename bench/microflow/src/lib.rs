//! The MicroFlow side of the benchmark: MicroFlow 0.1.3 on its own three models, measured with
//! the same harness, profile and report lines as the kiln firmware (see `bench-kiln`).
//!
//! Each binary builds the input of microflow's own tests in `main` (every element 0.5, as f32:
//! MicroFlow quantizes it inside `predict`), measures one `predict` (its API takes the input by
//! value, so the copy is part of the call) and prints the dequantized f32 outputs as bit
//! patterns. `cargo xtask bench` requantizes them with the model's output scale and zero point
//! and compares them with TFLM's int8 output for the same input (set `microflow_test`).
#![no_std]

pub use kiln_fw_harness as harness;

/// The input value of every element in microflow's tests.
pub const INPUT: f32 = 0.5;

/// Prints the measurement and the outputs, then ends the program with `@PASS` (the host judges
/// the outputs).
pub fn report(m: &harness::Measurement, outputs: &[f32]) -> ! {
    harness::report("run", m);
    let mut line = harness::Line::new("@CASE");
    line.word("microflow_test").word("0");
    line.send();
    harness::f32_line("@OUT", "run", outputs);
    harness::pass()
}
