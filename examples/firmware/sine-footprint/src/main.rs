//! The sine model as an application would hold it: the model (and so its arena) in a `static`,
//! the input written straight into the arena with `input_mut`, one measured `run`, the output
//! printed. Built exactly like `fw-empty` otherwise, so the difference of the two is what the
//! model costs: `cargo xtask demo` reports it.
#![no_std]
#![no_main]

use core::hint::black_box;

use kiln_fw_harness as harness;

kiln::include_model!(pub Sine = "../../../../shared/models/generated/sine_float32.tflite");

/// The input of the measured case (`grid72` of the reference vectors; `cargo xtask demo` checks
/// that the output equals the one `fw-sine` verified against TFLM for the same input).
const INPUT: f32 = f32::from_bits(0x3fe3_14eb);

#[cfg(target_arch = "arm")]
#[harness::entry]
fn main() -> ! {
    // cortex-m-rt turns this into a `&'static mut`: the arena is static RAM, not stack.
    static mut MODEL: Sine = Sine::new();
    MODEL.input_mut()[0] = black_box(INPUT);
    let (output, m) = harness::measure(|| MODEL.run()[0]);
    harness::report("run", &m);
    harness::f32_line("@OUT", "run", &[output]);
    harness::pass()
}

/// The footprint is measured on the Cortex-M4 only; elsewhere this firmware just links.
#[cfg(not(target_arch = "arm"))]
#[harness::entry]
fn main() -> ! {
    let mut model = Sine::new();
    *model.input_mut() = [black_box(INPUT)];
    let output = model.run()[0];
    harness::f32_line("@OUT", "run", &[output]);
    harness::pass()
}
