//! Measurement support for kiln firmware.
//!
//! A firmware measures one call with [`measure`], prints the results as `@`-lines over
//! semihosting and leaves with [`pass`] or [`fail`]. The host (`cargo xtask`) runs it on QEMU and
//! reads the lines; nothing here formats floats, so the flash figure of a firmware holds its model
//! and not `core::fmt`.
//!
//! # What is measured
//!
//! * **instructions**: on Arm the CMSDK APB timer 0 of QEMU's MPS2 boards counts down at 25 MHz,
//!   and under `-icount shift=7,align=off,sleep=off` QEMU's virtual clock advances exactly 128 ns
//!   per executed instruction. A timer delta of `t` ticks is therefore `t * 40 / 128`
//!   instructions, and rounding to the nearest integer is exact (the read-out error is below one
//!   tick, 0.3125 instructions). On RISC-V the `minstret` counter is read instead. The same region
//!   is measured once around an empty closure and that count is subtracted. The counter is 32
//!   bits: a call must stay below about 1.3 * 10^9 instructions.
//! * **stack**: every free word between the end of the static data and the current stack pointer
//!   is painted with [`STACK_PAINT`] right before the call and scanned after it. `call_stack` is
//!   the depth below the stack pointer at the call, `peak_stack` the depth below the top of the
//!   stack (the whole program's stack at its deepest point, including `main`'s frame).
//!
//! # Output lines
//!
//! ```text
//! @MEAS <name> instructions=<n> call_stack=<bytes> peak_stack=<bytes> empty=<n>
//! @OUT <name> f32 0x3ed3b41a 0x...     (bit patterns)
//! @PASS
//! @FAIL <reason>
//! ```
//!
//! QEMU exits with status 0 after `@PASS` and 1 after `@FAIL` (also on a panic or a fault).
#![no_std]
#![deny(missing_docs)]

mod arch;
mod line;

use core::hint::black_box;
use core::sync::atomic::{compiler_fence, Ordering};

pub use arch::entry;
pub use line::Line;

/// The word written to every free stack slot before the measured call.
pub const STACK_PAINT: u32 = 0xA5A5_A5A5;

/// What one [`measure`] call found.
#[derive(Clone, Copy, Debug)]
pub struct Measurement {
    /// Instructions executed by the call, the empty-closure measurement subtracted.
    pub instructions: u32,
    /// Instructions of the measured region around an empty closure (already subtracted).
    pub empty: u32,
    /// Bytes of stack below the stack pointer at the call that the call wrote.
    pub call_stack: u32,
    /// Bytes from the top of the stack to the lowest word written during the call.
    pub peak_stack: u32,
}

/// Runs `f` once between two counter reads, with the free stack painted, and returns what it
/// returned together with the [`Measurement`].
///
/// Pass inputs through [`core::hint::black_box`] inside `f` so that the compiler cannot fold
/// them into the measured code.
#[inline(never)]
pub fn measure<R>(f: impl FnOnce() -> R) -> (R, Measurement) {
    arch::start_counter();
    let (empty_start, empty_end) = counted(&mut || {});

    let mut f = Some(f);
    let mut result = None;
    let mut call = || {
        if let Some(f) = f.take() {
            result = Some(f());
        }
    };
    let limit = arch::stack_limit();
    let sp = arch::paint_stack(limit, STACK_PAINT);
    let (start, end) = counted(&mut call);
    let low = lowest_touched(limit, sp);

    // Converted only now, so that no conversion code (on Armv6-M a library call) runs inside
    // the region or between the call and the stack scan.
    let empty = arch::instructions_between(empty_start, empty_end);
    let total = arch::instructions_between(start, end);
    let measurement = Measurement {
        instructions: total.wrapping_sub(empty),
        empty,
        call_stack: (sp - low) as u32,
        peak_stack: (arch::stack_top() - low) as u32,
    };
    match result {
        Some(result) => (result, measurement),
        None => fail("measured closure did not run"),
    }
}

/// The measured region: the same code around every closure, so that the count of an empty
/// closure is exactly the region's own cost. Returns the two counter readings.
#[inline(never)]
fn counted(f: &mut dyn FnMut()) -> (u32, u32) {
    let f = black_box(f);
    let start = arch::read_counter();
    compiler_fence(Ordering::SeqCst);
    f();
    compiler_fence(Ordering::SeqCst);
    let end = arch::read_counter();
    (start, end)
}

/// The lowest address in `[limit, sp)` whose paint was overwritten, or `sp` if none was.
fn lowest_touched(limit: usize, sp: usize) -> usize {
    let mut addr = limit;
    while addr < sp {
        // SAFETY: `[limit, sp)` is the free stack, word aligned, painted by `paint_stack`.
        if unsafe { core::ptr::read_volatile(addr as *const u32) } != STACK_PAINT {
            break;
        }
        addr += 4;
    }
    addr
}

/// Prints `@MEAS <name> instructions=… call_stack=… peak_stack=… empty=…`.
pub fn report(name: &str, m: &Measurement) {
    let mut line = Line::new("@MEAS");
    line.word(name);
    line.word("instructions=").dec(m.instructions);
    line.word("call_stack=").dec(m.call_stack);
    line.word("peak_stack=").dec(m.peak_stack);
    line.word("empty=").dec(m.empty);
    line.send();
}

/// Prints `@OUT <name> f32 <bits>…`, each value as the hex pattern of its bits.
pub fn out_f32(name: &str, values: &[f32]) {
    f32_line("@OUT", name, values);
}

/// Prints `<tag> <name> f32 <bits>…` (e.g. `@IN`, `@EXPECT`, `@OUT`).
pub fn f32_line(tag: &str, name: &str, values: &[f32]) {
    let mut line = Line::new(tag);
    line.word(name).word("f32");
    for v in values {
        line.word("").hex(v.to_bits());
    }
    line.send();
}

/// Prints `@PASS` and ends the program with exit status 0.
pub fn pass() -> ! {
    Line::new("@PASS").send();
    arch::exit(true)
}

/// Prints `@FAIL <reason>` and ends the program with exit status 1.
pub fn fail(reason: &str) -> ! {
    let mut line = Line::new("@FAIL");
    line.word(reason);
    line.send();
    arch::exit(false)
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    fail("panic")
}
