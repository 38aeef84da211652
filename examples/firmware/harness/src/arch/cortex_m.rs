//! Cortex-M on QEMU's MPS2 boards (`mps2-an386`): CMSDK timer, cortex-m-rt, semihosting.

use core::arch::asm;
use core::ptr::{addr_of, read_volatile, write_volatile};

use cortex_m_rt::{exception, ExceptionFrame};
use cortex_m_semihosting::{debug, hio};

pub use cortex_m_rt::entry;

/// Base address of CMSDK APB timer 0 (on mps2-an505 its Secure alias; see build.rs).
#[cfg(not(kiln_harness_secure_timer))]
const TIMER0: usize = 0x4000_0000;
#[cfg(kiln_harness_secure_timer)]
const TIMER0: usize = 0x5000_0000;
/// CMSDK APB timer 0: CTRL, VALUE and RELOAD registers.
const TIMER0_CTRL: *mut u32 = TIMER0 as *mut u32;
const TIMER0_VALUE: *mut u32 = (TIMER0 + 4) as *mut u32;
const TIMER0_RELOAD: *mut u32 = (TIMER0 + 8) as *mut u32;

/// Period of the timer clock (PCLK = 25 MHz) in ns.
const TICK_NS: u64 = 40;
/// QEMU must run with `-icount shift=7`: one instruction = 2^7 ns of virtual time.
const ICOUNT_SHIFT: u32 = 7;

extern "C" {
    /// Initial stack pointer (top of RAM), from cortex-m-rt's link.x.
    static _stack_start: u32;
    /// End of .bss/.uninit: the lowest address the stack may reach, from cortex-m-rt's link.x.
    static _stack_end: u32;
}

/// Starts timer 0 as a free-running 32-bit down counter (once; later calls do nothing).
pub fn start_counter() {
    // No interrupt is used, and none may run during a measurement (it would use the stack).
    cortex_m::interrupt::disable();
    // SAFETY: the documented CMSDK timer registers of the MPS2 boards.
    unsafe {
        if read_volatile(TIMER0_CTRL) & 1 == 0 {
            write_volatile(TIMER0_RELOAD, u32::MAX);
            write_volatile(TIMER0_VALUE, u32::MAX);
            write_volatile(TIMER0_CTRL, 1); // enable; internal clock; no interrupt
        }
    }
}

#[inline(always)]
pub fn read_counter() -> u32 {
    // SAFETY: reading the timer's VALUE register has no side effect.
    unsafe { read_volatile(TIMER0_VALUE) }
}

/// Converts two timer readings into the instructions executed between them.
#[inline(always)]
pub fn instructions_between(start: u32, end: u32) -> u32 {
    let ticks = u64::from(start.wrapping_sub(end)); // the timer counts down
    ((ticks * TICK_NS + (1 << (ICOUNT_SHIFT - 1))) >> ICOUNT_SHIFT) as u32
}

pub fn stack_top() -> usize {
    addr_of!(_stack_start) as usize
}

pub fn stack_limit() -> usize {
    addr_of!(_stack_end) as usize
}

/// Writes `pattern` to every word in `[limit, SP)` and returns SP. Uses no stack itself.
/// One instruction sequence for Armv6-M, Armv7-M and Armv8-M (low registers, no post-index).
#[inline(always)]
pub fn paint_stack(limit: usize, pattern: u32) -> usize {
    let sp: usize;
    // SAFETY: writes only the free stack below the current SP, which nothing live occupies.
    unsafe {
        asm!(
            "mov {sp}, sp",
            "2:",
            "cmp {addr}, {sp}",
            "bhs 3f",
            "str {pattern}, [{addr}]",
            "adds {addr}, #4",
            "b 2b",
            "3:",
            sp = out(reg) sp,
            addr = inout(reg) limit => _,
            pattern = in(reg) pattern,
            options(nostack),
        );
    }
    sp
}

/// Sends bytes to the host's stdout through semihosting.
pub fn write(bytes: &[u8]) {
    if let Ok(mut stdout) = hio::hstdout() {
        let _ = stdout.write_all(bytes);
    }
}

/// Ends the QEMU session: status 0 (`ApplicationExit`) or 1.
pub fn exit(success: bool) -> ! {
    debug::exit(if success {
        debug::EXIT_SUCCESS
    } else {
        debug::EXIT_FAILURE
    });
    // Without a semihosting host (real hardware, no debugger) there is nowhere to return to.
    loop {
        cortex_m::asm::bkpt();
    }
}

#[exception]
unsafe fn HardFault(frame: &ExceptionFrame) -> ! {
    let mut line = crate::Line::new("@FAIL");
    line.word("hardfault pc=").hex(frame.pc());
    line.word("lr=").hex(frame.lr());
    line.send();
    exit(false)
}
