//! The harness and the report of the model firmware around no model: the baseline of the Δ
//! columns of `cargo xtask bench`.
#![no_std]
#![no_main]

use core::hint::black_box;

use bench_kiln::{harness, Figures};

static OUTPUT: [f32; 1] = [0.0];

#[harness::entry]
fn main() -> ! {
    let (output, m) = harness::measure(|| black_box(&OUTPUT));
    let figures = Figures {
        macs: 0,
        arena: 0,
        weights: 0,
    };
    bench_kiln::report(&m, &figures, ("none", 0), output)
}
