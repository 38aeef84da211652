//! Calibration of the harness.
//!
//! * `@CAL <loop> n=<N> k=<K> instructions=<M>`: an asm loop of exactly K instructions per
//!   iteration run N times. The count is exact when `M - N*K` is the same constant for every N
//!   (the closure's fixed instructions around the loop).
//! * `@STK n=<N> call_stack=<B>`: an asm block that moves SP down by N bytes and writes every
//!   word there. The stack method is exact when `B - N` is the same constant for every N (the
//!   harness's and the closure's frames).
//!
//! `cargo xtask calib` runs this on QEMU and checks both.
#![no_std]
#![no_main]

use core::hint::black_box;

use kiln_fw_harness as harness;

#[cfg_attr(target_arch = "arm", path = "loops_arm.rs")]
#[cfg_attr(target_arch = "riscv32", path = "loops_riscv.rs")]
mod loops;

const STACK_BYTES: [u32; 4] = [16, 256, 4096, 65536];

const COUNTS: [u32; 10] = [
    1, 2, 3, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000,
];

#[harness::entry]
fn main() -> ! {
    for n in COUNTS {
        let ((), m) = harness::measure(|| loops::loop4(black_box(n)));
        calibration_line("loop4", n, 4, &m);
    }
    let mut scratch = [1u32; 2];
    for n in COUNTS {
        let ((), m) = harness::measure(|| loops::loop6(black_box(n), &mut scratch));
        calibration_line("loop6", n, 6, &m);
    }
    for bytes in STACK_BYTES {
        let ((), m) = harness::measure(|| loops::stack_probe(black_box(bytes)));
        stack_line(bytes, &m);
    }
    harness::pass()
}

fn calibration_line(name: &str, n: u32, k: u32, m: &harness::Measurement) {
    let mut line = harness::Line::new("@CAL");
    line.word(name);
    line.word("n=").dec(n);
    line.word("k=").dec(k);
    line.word("instructions=").dec(m.instructions);
    line.send();
}

fn stack_line(bytes: u32, m: &harness::Measurement) {
    let mut line = harness::Line::new("@STK");
    line.word("n=").dec(bytes);
    line.word("call_stack=").dec(m.call_stack);
    line.word("peak_stack=").dec(m.peak_stack);
    line.send();
}
