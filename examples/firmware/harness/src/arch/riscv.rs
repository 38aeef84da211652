//! 32-bit RISC-V in machine mode: riscv-rt, `minstret`, semihosting.
//!
//! `minstret` counts retired instructions, so no conversion is needed. Under QEMU (`-machine
//! virt`) it follows the virtual clock instead: run with `-icount shift=0` (one ns per
//! instruction) and the count is exact again.

use core::arch::asm;
use core::ptr::addr_of;

pub use riscv_rt::entry;

extern "C" {
    /// Initial stack pointer (top of REGION_STACK), from riscv-rt's link.x.
    static _stack_start: u32;
    /// Bottom of riscv-rt's `.stack` section: the end of .bss/.uninit (no heap is reserved).
    static __estack: u32;
}

/// Semihosting operation numbers and `SYS_EXIT` reasons (Arm semihosting specification).
const SYS_OPEN: usize = 0x01;
const SYS_WRITE: usize = 0x05;
const SYS_EXIT: usize = 0x18;
const ADP_STOPPED_APPLICATION_EXIT: usize = 0x2_0026;
const ADP_STOPPED_RUN_TIME_ERROR: usize = 0x2_0023;

/// `minstret` always runs; nothing to start.
pub fn start_counter() {}

#[inline(always)]
pub fn read_counter() -> u32 {
    let count: u32;
    // SAFETY: reading a counter CSR has no side effect.
    unsafe { asm!("csrr {0}, minstret", out(reg) count, options(nostack)) };
    count
}

#[inline(always)]
pub fn instructions_between(start: u32, end: u32) -> u32 {
    end.wrapping_sub(start)
}

pub fn stack_top() -> usize {
    addr_of!(_stack_start) as usize
}

pub fn stack_limit() -> usize {
    addr_of!(__estack) as usize
}

/// Writes `pattern` to every word in `[limit, SP)` and returns SP. Uses no stack itself.
#[inline(always)]
pub fn paint_stack(limit: usize, pattern: u32) -> usize {
    let sp: usize;
    // SAFETY: writes only the free stack below the current SP, which nothing live occupies.
    unsafe {
        asm!(
            "mv {sp}, sp",
            "2:",
            "bgeu {addr}, {sp}, 3f",
            "sw {pattern}, 0({addr})",
            "addi {addr}, {addr}, 4",
            "j 2b",
            "3:",
            sp = out(reg) sp,
            addr = inout(reg) limit => _,
            pattern = in(reg) pattern,
            options(nostack),
        );
    }
    sp
}

/// One semihosting call: the `slli; ebreak; srai` sequence, uncompressed and in one cache line.
#[inline(never)]
fn semihost(op: usize, arg: usize) -> usize {
    let mut ret = op;
    // SAFETY: a debugger/emulator trap; `arg` points at live memory for the calls made here.
    unsafe {
        asm!(
            ".option push",
            ".option norvc",
            ".balign 16",
            "slli zero, zero, 0x1f",
            "ebreak",
            "srai zero, zero, 0x7",
            ".option pop",
            inout("a0") ret,
            in("a1") arg,
            options(nostack),
        );
    }
    ret
}

/// Sends bytes to the host's stdout through semihosting.
pub fn write(bytes: &[u8]) {
    let name = b":tt\0";
    let open = [name.as_ptr() as usize, 4 /* "w" */, 3];
    let handle = semihost(SYS_OPEN, open.as_ptr() as usize);
    let args = [handle, bytes.as_ptr() as usize, bytes.len()];
    semihost(SYS_WRITE, args.as_ptr() as usize);
}

/// Ends the emulator session: status 0 (`ApplicationExit`) or 1.
pub fn exit(success: bool) -> ! {
    let reason = if success {
        ADP_STOPPED_APPLICATION_EXIT
    } else {
        ADP_STOPPED_RUN_TIME_ERROR
    };
    semihost(SYS_EXIT, reason);
    loop {
        // SAFETY: waits for an interrupt that never comes.
        unsafe { asm!("wfi", options(nomem, nostack)) };
    }
}

#[export_name = "ExceptionHandler"]
fn exception_handler(_frame: &riscv_rt::TrapFrame) -> ! {
    let (cause, pc): (u32, u32);
    // SAFETY: reading trap CSRs has no side effect.
    unsafe {
        asm!("csrr {0}, mcause", out(reg) cause, options(nomem, nostack));
        asm!("csrr {0}, mepc", out(reg) pc, options(nomem, nostack));
    }
    let mut line = crate::Line::new("@FAIL");
    line.word("exception mcause=").hex(cause);
    line.word("pc=").hex(pc);
    line.send();
    exit(false)
}
