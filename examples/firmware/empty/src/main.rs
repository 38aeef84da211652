//! The harness alone: measures an empty closure.
//!
//! Its flash, static RAM, stack and instruction figures are the floor that every other firmware
//! is compared with (the Δ columns of `cargo xtask demo`).
#![no_std]
#![no_main]

use kiln_fw_harness as harness;

#[harness::entry]
fn main() -> ! {
    let ((), m) = harness::measure(|| ());
    harness::report("empty", &m);
    harness::pass()
}
