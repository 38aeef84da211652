//! The architecture-specific half of the harness, one whole module per architecture.
//!
//! Each module provides the same items: `entry` (the runtime's entry attribute),
//! `start_counter`, `read_counter`, `instructions_between`, `stack_top`, `stack_limit`,
//! `paint_stack`, `write` and `exit`, plus its fault handler.

#[cfg(target_arch = "arm")]
mod cortex_m;
#[cfg(target_arch = "arm")]
pub use self::cortex_m::*;

#[cfg(target_arch = "riscv32")]
mod riscv;
#[cfg(target_arch = "riscv32")]
pub use self::riscv::*;

#[cfg(not(any(target_arch = "arm", target_arch = "riscv32")))]
compile_error!("kiln-fw-harness supports Arm Cortex-M and 32-bit RISC-V targets only");
