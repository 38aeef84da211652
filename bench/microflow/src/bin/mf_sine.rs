//! MicroFlow 0.1.3 on its sine model (int8, 3 FULLY_CONNECTED).
#![no_std]
#![no_main]

use core::hint::black_box;

use bench_microflow::{harness, report, INPUT};
use microflow::buffer::Buffer2D;
use microflow::model;

// MicroFlow reads the model relative to rustc's working directory: the workspace root (bench/).
#[model("../../shared/models/microflow/sine.tflite")]
struct Sine;

#[harness::entry]
fn main() -> ! {
    let input: Buffer2D<f32, 1, 1> = Buffer2D::from_element(INPUT);
    // The input is passed by value, as MicroFlow's API requires: the copy is part of the call.
    let input = black_box(&input);
    let (output, m) = harness::measure(|| Sine::predict(*input));
    report(&m, output.as_slice())
}
