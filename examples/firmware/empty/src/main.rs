//! The harness alone: measures an empty closure and prints one value the way model firmware
//! prints its output.
//!
//! Its flash, static RAM, stack and instruction figures are the floor that every other firmware
//! is compared with (the Δ columns of `cargo xtask demo`).
#![no_std]
#![no_main]

use core::hint::black_box;

use kiln_fw_harness as harness;

#[harness::entry]
fn main() -> ! {
    let (output, m) = harness::measure(|| black_box(0.0f32));
    harness::report("empty", &m);
    harness::f32_line("@OUT", "empty", &[output]);
    harness::pass()
}
