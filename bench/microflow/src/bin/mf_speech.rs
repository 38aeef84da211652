//! MicroFlow 0.1.3 on its speech model (TFLM micro_speech, int8).
#![no_std]
#![no_main]

use core::hint::black_box;

use bench_microflow::{harness, report, INPUT};
use microflow::buffer::Buffer2D;
use microflow::model;

// MicroFlow reads the model relative to rustc's working directory: the workspace root (bench/).
#[model("../../shared/models/microflow/speech.tflite")]
struct Speech;

#[harness::entry]
fn main() -> ! {
    let input: Buffer2D<f32, 1, 1960> = Buffer2D::from_element(INPUT);
    // The input is passed by value, as MicroFlow's API requires: the copy is part of the call.
    let input = black_box(&input);
    let (output, m) = harness::measure(|| Speech::predict(*input));
    report(&m, output.as_slice())
}
